# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Re-setting WireGuard endpoints whose DNS name now resolves elsewhere: the program of the spokes' timer.

WireGuard resolves an endpoint's name once, when it is set; after a hub's address changes, a spoke keeps sending
to the old one. For every peer of /etc/wireguard/*.peers.conf whose Endpoint is a name, the name is looked up and,
when the peer's live endpoint is not one of its addresses, the endpoint is set again (wg resolves it anew).
wireguard-tools' reresolve-dns.sh waits until the handshake is older than 135 s; acting on the address itself
recovers within one timer interval instead. roles/spoke installs this with the peers file's and the dump's own
parsers embedded (lookup multisite.vpn.module_utils_sources), so the timer reads them as the modules do.
"""

from __future__ import annotations

import dataclasses
import glob
import os
import socket
import subprocess
import sys
import time

from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_dump import parse_dump
from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_key import WireGuardError
from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_peer_input import parse_endpoint
from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_peers_file import parse_peers_conf

PEERS_FILES = "/etc/wireguard/*.peers.conf"
PEERS_SUFFIX = ".peers.conf"


@dataclasses.dataclass(frozen=True)
class StaleEndpoint:
    """A peer whose endpoint name resolves to addresses its live endpoint is not among."""

    public_key: str
    endpoint: str
    addresses: frozenset
    current: str | None
    latest_handshake: int


def endpoint_host(endpoint: str | None) -> str | None:
    """The host of a live endpoint as wg prints it (`198.51.100.1:51820`, `[2001:db8::1]:51820`)."""
    return None if endpoint is None else parse_endpoint(endpoint)[0]


def resolve(endpoint: str) -> frozenset:
    """The addresses ENDPOINT's name resolves to now (raises OSError when it does not resolve)."""
    host, port, _address = parse_endpoint(endpoint)
    return frozenset(info[4][0] for info in socket.getaddrinfo(host, port, proto=socket.IPPROTO_UDP))


def stale_endpoints(peers_text: str, dump_text: str, resolver=resolve, path: str = "the peers file"):
    """The peers whose named endpoint moved, and (endpoint, error) for names that did not resolve."""
    live = {peer["public_key"]: peer for peer in parse_dump(dump_text)["peers"]}
    stale, unresolved = [], []
    for peer in parse_peers_conf(peers_text, path):
        endpoint = peer["endpoint"]
        if endpoint is None or parse_endpoint(endpoint)[2] is not None or peer["public_key"] not in live:
            continue
        current = endpoint_host(live[peer["public_key"]]["endpoint"])
        try:
            addresses = resolver(endpoint)
        except OSError as error:
            unresolved.append((endpoint, error))
            continue
        if current not in addresses:
            stale.append(StaleEndpoint(peer["public_key"], endpoint, addresses, current, live[peer["public_key"]]["latest_handshake"]))
    return stale, unresolved


def main(peers_files: str = PEERS_FILES, run=subprocess.run, resolver=resolve, now=time.time, out=None, err=None) -> int:
    """Set again every endpoint that moved, on every interface with a peers file; 1 when a name did not resolve."""
    out, err = out or sys.stdout, err or sys.stderr
    status = 0
    for path in sorted(glob.glob(peers_files)):
        interface = os.path.basename(path)[:-len(PEERS_SUFFIX)]
        dump = run(["wg", "show", interface, "dump"], capture_output=True, text=True, check=False)
        if dump.returncode != 0:
            continue  # interface down: wg-quick brings it up with a fresh resolution
        try:
            with open(path, encoding="utf-8") as peers_file:
                stale, unresolved = stale_endpoints(peers_file.read(), dump.stdout, resolver, path)
        except (OSError, WireGuardError) as error:
            err.write("%s: %s\n" % (interface, error))
            status = 1
            continue
        for endpoint, error in unresolved:
            err.write("%s: cannot resolve %s: %s\n" % (interface, endpoint, error))
            status = 1
        for peer in stale:
            age = "%d s ago" % (int(now()) - peer.latest_handshake) if peer.latest_handshake else "never"
            out.write("%s: %s now resolves to %s, not %s (last handshake %s); setting the endpoint again\n"
                      % (interface, peer.endpoint, ", ".join(sorted(peer.addresses)), peer.current, age))
            run(["wg", "set", interface, "peer", peer.public_key, "endpoint", peer.endpoint], check=False)
    return status
