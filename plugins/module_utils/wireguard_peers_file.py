# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The peers file of a WireGuard interface, which C(wg addconf) loads at boot: rendering, parsing, writing.

It holds wg(8) C([Peer]) sections under a header comment, mode 0600 because it may hold preshared
keys. It is read with files.read_file (bytes and mode) and key_value_file (key_value_lines for its
lines), the reader shared with the sysctl.d file. Peers are dicts as in wireguard_peer_input.
"""

from __future__ import annotations

from ansible_collections.multisite.vpn.plugins.module_utils.files import FileWriteError, replace_file
from ansible_collections.multisite.vpn.plugins.module_utils.key_value_file import key_value_lines
from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_key import WireGuardError, key_message
from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_peer_input import (
    MAX_KEEPALIVE,
    normalise_network,
    parse_endpoint,
)

# Where wg-quick reads an interface's files; the interface's own files (wireguard_interface) are there too.
WIREGUARD_DIRECTORY = "/etc/wireguard"
CONF_MODE = 0o600
CONF_DIR_MODE = 0o700
CONF_HEADER = (
    "# Managed by multisite.vpn.wireguard_peer: the peers of %s, loaded by wg-quick with\n"
    "# PostUp = wg addconf %%i <this file>. Rewritten on every run, local edits are lost.\n"
    "# It may hold preshared keys: keep it mode 0600.\n"
)


def default_config_path(interface: str) -> str:
    return "%s/%s.peers.conf" % (WIREGUARD_DIRECTORY, interface)


def render_peers_conf(interface: str, peers: list[dict]) -> str:
    """Return the peers file: a header, then one wg(8) C([Peer]) section per peer, in order."""
    parts = [CONF_HEADER % interface]
    for peer in peers:
        lines = ["", "[Peer]", "PublicKey = %s" % peer["public_key"]]
        if peer["preshared_key"]:
            lines.append("PresharedKey = %s" % peer["preshared_key"])
        if peer["allowed_ips"]:
            lines.append("AllowedIPs = %s" % ", ".join(peer["allowed_ips"]))
        if peer["endpoint"]:
            # As given: a host name stays a name, so that it is resolved again at boot.
            lines.append("Endpoint = %s" % peer["endpoint"])
        if peer["persistent_keepalive"]:
            lines.append("PersistentKeepalive = %d" % peer["persistent_keepalive"])
        parts.append("\n".join(lines) + "\n")
    return "".join(parts)


def parse_peers_conf(text: str, path: str = "the peers file") -> list[dict]:
    """Return the peers of a wg(8) config file (C([Peer]) sections; C([Interface]) is skipped).

    Keys are case-insensitive and AllowedIPs may be repeated, as in wg. A line that wg would refuse
    raises an error naming the line; values are not repeated, because they may be keys.
    """
    peers = []
    peer = None
    section = None
    for line in key_value_lines(text, comments="#", inline_comments=True, sections=True):
        if line.section is not None:
            section = line.section.lower()
            peer = None
            if section == "[peer]":
                peer = dict(public_key=None, allowed_ips=[], endpoint=None, persistent_keepalive=0, preshared_key=None)
                peers.append(peer)
            continue
        if section != "[peer]":
            continue
        where = "%s line %d" % (path, line.number)
        if line.key is None:
            raise WireGuardError("%s is not 'Key = value'" % where)
        name, value = line.key.lower(), line.value
        if name in ("publickey", "presharedkey"):
            field = "PublicKey" if name == "publickey" else "PresharedKey"
            message = key_message("%s: %s" % (where, field), value)
            if message:
                raise WireGuardError(message)
            peer["public_key" if name == "publickey" else "preshared_key"] = value
        elif name == "allowedips":
            for text_network in (part.strip() for part in value.split(",")):
                if not text_network:
                    continue
                try:
                    network = normalise_network(text_network)
                except WireGuardError as err:
                    raise WireGuardError("%s: AllowedIPs %s" % (where, err)) from None
                if network not in peer["allowed_ips"]:
                    peer["allowed_ips"].append(network)
        elif name == "endpoint":
            try:
                parse_endpoint(value)
            except WireGuardError as err:
                raise WireGuardError("%s: %s" % (where, err)) from None
            peer["endpoint"] = value
        elif name == "persistentkeepalive":
            if value != "off" and not (value.isdigit() and int(value) <= MAX_KEEPALIVE):
                raise WireGuardError("%s: PersistentKeepalive %r is not off or 0-%d" % (where, value, MAX_KEEPALIVE))
            peer["persistent_keepalive"] = 0 if value == "off" else int(value)
        else:
            raise WireGuardError("%s: unknown key %r in a [Peer] section" % (where, name))
    for index, peer in enumerate(peers):
        if peer["public_key"] is None:
            raise WireGuardError("%s: [Peer] section %d has no PublicKey" % (path, index + 1))
    return peers


def write_peers_file(path: str, content: str) -> None:
    """Replace the file at PATH with CONTENT atomically, mode 0600 from the start (it holds preshared
    keys), creating its directory (0700)."""
    try:
        replace_file(path, content.encode("utf-8"), CONF_MODE, CONF_DIR_MODE)
    except FileWriteError as err:
        raise WireGuardError(str(err)) from err
