# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading a live WireGuard interface: running and parsing C(wg show INTERFACE dump).

parse_dump returns the interface (public_key, private_key_digest, listen_port, fwmark) and its peers,
each a dict with public_key, preshared_key, endpoint, allowed_ips, persistent_keepalive,
latest_handshake, transfer_rx and transfer_tx. The interface's private key is never kept: only its
key_digest, enough to recognise it when it is given where a public key belongs.
"""

from __future__ import annotations

from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_key import WireGuardError, is_key, key_digest
from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_peer_input import normalise_network

# What wg prints for an unset key, endpoint or allowed-ips list.
NONE = "(none)"


def parse_dump(text: str, secrets=None) -> dict:
    """Parse C(wg show IF dump): the interface line, then one tab-separated line per peer.

    The private key on the first line is replaced by its digest; when SECRETS (a set, such as a
    module's no_log_values) is given, the key is added to it, so that nothing returned can show it.
    Errors give line numbers and field counts only, because the lines hold keys.
    """
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise WireGuardError("`wg show dump` printed nothing")
    fields = lines[0].split("\t")
    if len(fields) != 4:
        raise WireGuardError("`wg show dump` line 1 has %d fields, expected 4 (is this wg from wireguard-tools?)" % len(fields))
    private_key = None if fields[0] == NONE else fields[0]
    if private_key is not None and secrets is not None:
        secrets.add(private_key)
    try:
        interface = dict(
            public_key=None if fields[1] == NONE else fields[1],
            private_key_digest=None if private_key is None else key_digest(private_key),
            listen_port=int(fields[2]),
            fwmark=0 if fields[3] == "off" else int(fields[3], 0),
        )
        peers = [parse_dump_peer(line) for line in lines[1:]]
    except (ValueError, WireGuardError) as err:
        raise WireGuardError("cannot parse the output of `wg show dump`: %s" % err) from None
    interface["peers"] = peers
    return interface


def parse_dump_peer(line: str) -> dict:
    fields = line.split("\t")
    if len(fields) != 8:
        raise WireGuardError("a peer line has %d fields, expected 8" % len(fields))
    key, psk, endpoint, allowed_ips, handshake, received, sent, keepalive = fields
    if not is_key(key):
        raise WireGuardError("a peer line does not start with a public key")
    return dict(
        public_key=key,
        preshared_key=None if psk == NONE else psk,
        endpoint=None if endpoint == NONE else endpoint,
        allowed_ips=[] if allowed_ips == NONE else [normalise_network(ip) for ip in allowed_ips.split(",") if ip],
        latest_handshake=int(handshake),
        transfer_rx=int(received),
        transfer_tx=int(sent),
        persistent_keepalive=0 if keepalive == "off" else int(keepalive),
    )


def missing_interface_message(interface: str) -> str:
    return "interface %s does not exist; bring it up first (for example systemctl start wg-quick@%s)" % (
        interface,
        interface,
    )


def read_dump(module, wg: str, interface: str) -> dict | None:
    """Run C(wg show INTERFACE dump) and parse it; None when the interface does not exist.

    The interface's private key goes to the module's no_log_values.
    """
    rc, out, err = module.run_command([wg, "show", interface, "dump"])
    if rc != 0:
        if "No such device" in err:
            return None
        if "Operation not supported" in err:
            raise WireGuardError("interface %s exists but is not a WireGuard interface" % interface)
        raise WireGuardError("`wg show %s dump` failed (exit %d): %s" % (interface, rc, err.strip()))
    return parse_dump(out, module.no_log_values)
