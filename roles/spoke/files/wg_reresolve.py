# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Re-set WireGuard endpoints whose DNS name now resolves elsewhere (run by a systemd timer).

WireGuard resolves an endpoint's name once, when it is set; after a hub's address changes, a spoke
keeps sending to the old one. For every peer in /etc/wireguard/*.peers.conf whose Endpoint is a name,
this looks the name up and, when the peer's live endpoint is not one of its addresses, sets the
endpoint again (wg resolves it anew). wireguard-tools' reresolve-dns.sh waits until the handshake is
older than 135 s; acting on the address itself recovers within one timer interval instead.
"""

import glob
import ipaddress
import os
import socket
import subprocess
import sys
import time

PEERS_FILES = "/etc/wireguard/*.peers.conf"


def is_address(host):
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def split_endpoint(endpoint):
    """Return (host, port) of 'host:port' or '[v6]:port'."""
    host, port = endpoint.rpartition(":")[::2]
    return host.strip("[]"), port


def named_endpoints(path):
    """Public key -> 'name:port' for the peers of a wg config file whose endpoint is a DNS name."""
    peers, key = {}, None
    with open(path, encoding="utf-8") as peers_file:
        for raw in peers_file:
            line = raw.split("#", 1)[0].strip()
            if line.lower() == "[peer]":
                key = None
            name, value = (part.strip() for part in line.partition("=")[::2])
            if name.lower() == "publickey":
                key = value  # base64 keys end in '=': partition() splits at the first '=' only
            elif name.lower() == "endpoint" and key and not is_address(split_endpoint(value)[0]):
                peers[key] = value
    return peers


def live_peers(interface):
    """Public key -> (endpoint address or None, latest handshake) from `wg show IF dump`."""
    dump = subprocess.run(["wg", "show", interface, "dump"], capture_output=True, text=True, check=True).stdout
    peers = {}
    for line in dump.splitlines()[1:]:
        fields = line.split("\t")
        endpoint = None if fields[2] == "(none)" else split_endpoint(fields[2])[0]
        peers[fields[0]] = (endpoint, int(fields[4]))
    return peers


def resolve(endpoint):
    host, port = split_endpoint(endpoint)
    return {info[4][0] for info in socket.getaddrinfo(host, port, proto=socket.IPPROTO_UDP)}


def main():
    status = 0
    for path in sorted(glob.glob(PEERS_FILES)):
        interface = os.path.basename(path)[: -len(".peers.conf")]
        try:
            live = live_peers(interface)
        except (OSError, subprocess.CalledProcessError):
            continue  # interface down: wg-quick brings it up with fresh resolution
        for key, endpoint in named_endpoints(path).items():
            if key not in live:
                continue
            current, handshake = live[key]
            try:
                addresses = resolve(endpoint)
            except OSError as error:
                print(f"{interface}: cannot resolve {endpoint}: {error}", file=sys.stderr)
                status = 1
                continue
            if current in addresses:
                continue
            age = f"{int(time.time()) - handshake} s ago" if handshake else "never"
            print(f"{interface}: {endpoint} now resolves to {', '.join(sorted(addresses))}, not {current}"
                  f" (last handshake {age}); setting the endpoint again")
            subprocess.run(["wg", "set", interface, "peer", key, "endpoint", endpoint], check=False)
    return status


if __name__ == "__main__":
    sys.exit(main())
