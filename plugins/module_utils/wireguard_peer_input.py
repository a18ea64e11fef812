# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The input of the multisite.vpn.wireguard_peer module: checking and normalising it.

Interface names, networks (allowed IPs), endpoints and keepalives; the wanted peers as a whole
(validate_arguments: duplicate keys, overlapping allowed IPs, an empty list that would remove every
peer); and, once the interface has been read, the keys that cannot be a peer's public key because they
belong to the interface itself (check_against_interface).

Wanted peers are plain dicts with the keys public_key, allowed_ips (normalised network texts, in the
order given, without duplicates), endpoint (the text given, or None), persistent_keepalive (int,
0 = off) and preshared_key (str or None).

A message never holds a key, not even a public one: what is given as a public key may be a private
key, so peers are named by their place in the list (C(peers[2])).
"""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_key import (
    WireGuardError,
    is_key,
    is_same_key,
    key_message,
)

# Linux's IFNAMSIZ counts the terminating NUL: a name has at most 15 characters.
IFNAMSIZ = 16
MAX_PORT = 65535
# wg stores the keepalive interval in 16 bits.
MAX_KEEPALIVE = 65535

# The argument spec of one peer, as wireguard_peer and wireguard_interface take it.
PEER_OPTIONS = dict(
    public_key=dict(type="str", required=True, no_log=False),
    allowed_ips=dict(type="list", elements="str", default=[]),
    endpoint=dict(type="str"),
    persistent_keepalive=dict(type="int"),
    preshared_key=dict(type="str", no_log=True),
)

# The characters of an interface name that goes into systemd unit names and file names unescaped (wg-quick@<name>,
# multisite-vpn-ndp-proxy-<name>) and into configurations (ndppd's): those real interface names use, none that
# systemd would escape ('+', '=') or a configuration would read as something else (%, $, quotes, braces).
UNIT_SAFE_INTERFACE_NAME = re.compile(r"[A-Za-z0-9_.-]+\Z")

HOST_LABEL = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$")
PORT = re.compile(r"^[0-9]{1,5}$")


def interface_name_problem(name) -> str | None:
    """Return why NAME is not a valid Linux interface name, or None when it is."""
    if not isinstance(name, str) or not name:
        return "interface must be a non-empty string"
    if len(name) >= IFNAMSIZ:
        return "interface %r has %d characters; Linux allows at most %d" % (name, len(name), IFNAMSIZ - 1)
    if name in (".", ".."):
        return "interface must not be %r" % name
    if any(char.isspace() or char in "/:\0" for char in name):
        return "interface %r contains whitespace, '/' or ':', which Linux does not allow in a name" % name
    return None


def validate_interface_name(name: str) -> str:
    problem = interface_name_problem(name)
    if problem:
        raise WireGuardError(problem)
    return name


def normalise_network(text) -> str:
    """Return the network TEXT stands for, host bits cleared, as wg shows it (C(10.0.0.5/24) -> C(10.0.0.0/24))."""
    if not isinstance(text, str) or "/" not in text:
        raise WireGuardError("%r is not a network in CIDR form (address/prefix length)" % (text,))
    try:
        return str(ipaddress.ip_network(text.strip(), strict=False))
    except ValueError as err:
        raise WireGuardError("%r is not a valid IPv4 or IPv6 network (%s)" % (text, err)) from err


def parse_endpoint(text) -> tuple[str, int, object]:
    """Return (host, port, address) for an endpoint C(host:port); address is None for a host name.

    IPv6 addresses are written in brackets (C([2001:db8::1]:51820)), as wg prints them.
    """
    if not isinstance(text, str) or not text.strip():
        raise WireGuardError("endpoint is empty")
    text = text.strip()
    example = "give host:port, for example 198.51.100.1:51820, [2001:db8::1]:51820 or hub.example.net:51820"
    if text.startswith("["):
        close = text.find("]")
        if close < 0:
            raise WireGuardError("endpoint %r has '[' without ']'" % text)
        host, rest = text[1:close], text[close + 1:]
        if not rest.startswith(":") or rest == ":":
            raise WireGuardError("endpoint %r has no port after ']'; %s" % (text, example))
        port_text = rest[1:]
        try:
            address = ipaddress.IPv6Address(host)
        except ValueError as err:
            raise WireGuardError("endpoint %r: [%s] is not an IPv6 address" % (text, host)) from err
    else:
        if "]" in text:
            raise WireGuardError("endpoint %r has ']' without '['" % text)
        host, separator, port_text = text.rpartition(":")
        if not separator or not host:
            raise WireGuardError("endpoint %r has no port; %s" % (text, example))
        if ":" in host:
            raise WireGuardError(
                "endpoint %r: an IPv6 address must be in brackets, for example [2001:db8::1]:51820" % text
            )
        address = host_address(text, host)
    if not PORT.match(port_text):
        raise WireGuardError("endpoint %r: port %r is not a number" % (text, port_text))
    port = int(port_text)
    if not 1 <= port <= MAX_PORT:
        raise WireGuardError("endpoint %r: port %d is outside 1-%d" % (text, port, MAX_PORT))
    return host, port, address


def host_address(endpoint: str, host: str):
    """Return the IPv4 address HOST is, None for a valid host name, or raise."""
    try:
        return ipaddress.IPv4Address(host)
    except ValueError:
        pass
    labels = host[:-1].split(".") if host.endswith(".") else host.split(".")
    # An all-digit last label is a mistyped address (1.2.3.256), never a DNS name.
    if len(host) > 253 or not all(HOST_LABEL.match(label) for label in labels) or labels[-1].isdigit():
        raise WireGuardError("endpoint %r: %r is neither an IP address nor a host name" % (endpoint, host))
    return None


def peer_label(index: int) -> str:
    """How a message names a wanted peer: by its place in the list, never by its key."""
    return "peers[%d]" % index


def validate_peer(index: int, peer: dict) -> tuple[dict, list[str]]:
    """Return the normalised peer and the problems found in it (each naming the peer and the field)."""
    problems = []
    label = peer_label(index)
    key = peer.get("public_key")
    message = key_message("%s: public_key" % label, key, "public key")
    if message:
        problems.append(message)

    networks = []
    for position, text in enumerate(peer.get("allowed_ips") or []):
        try:
            network = normalise_network(text)
        except WireGuardError as err:
            problems.append("%s: allowed_ips[%d] %s" % (label, position, err))
            continue
        if network not in networks:
            networks.append(network)

    endpoint = peer.get("endpoint")
    if endpoint is not None:
        try:
            parse_endpoint(endpoint)
            endpoint = endpoint.strip()
        except WireGuardError as err:
            problems.append("%s: %s" % (label, err))

    keepalive = peer.get("persistent_keepalive")
    if keepalive is None:
        keepalive = 0
    elif isinstance(keepalive, bool) or not isinstance(keepalive, int):
        problems.append("%s: persistent_keepalive must be a number of seconds" % label)
    elif not 0 <= keepalive <= MAX_KEEPALIVE:
        problems.append("%s: persistent_keepalive %d is outside 0-%d (0 is off)" % (label, keepalive, MAX_KEEPALIVE))

    psk = peer.get("preshared_key")
    if psk is not None:
        message = key_message("%s: preshared_key" % label, psk, "preshared key")
        if message:
            problems.append(message + " (give the output of wg genpsk)")

    normalised = dict(
        public_key=key,
        allowed_ips=networks,
        endpoint=endpoint,
        persistent_keepalive=keepalive,
        preshared_key=psk,
    )
    return normalised, problems


def find_overlaps(owners) -> list[tuple[int, str, int, str]]:
    """Return (owner, network, other owner, other network) for overlapping networks of different owners.

    OWNERS is a list of network-text lists, one per peer. Two CIDR networks overlap when one contains
    the other; sorted by first address (and shorter prefix first), the networks still open when the next
    one starts all contain it, so one pass finds every pair.
    """
    entries = sorted(
        (network.version, int(network.network_address), network.prefixlen, owner, network)
        for owner, texts in enumerate(owners)
        for network in (ipaddress.ip_network(text) for text in texts)
    )
    found = []
    open_networks = []
    for version, start, _prefix, owner, network in entries:
        while open_networks and (
            open_networks[-1][1].version != version or int(open_networks[-1][1].broadcast_address) < start
        ):
            open_networks.pop()
        found.extend(
            (outer_owner, str(outer), owner, str(network))
            for outer_owner, outer in open_networks
            if outer_owner != owner
        )
        open_networks.append((owner, network))
    return found


def key_reuse_problems(peers: list[dict]) -> list[str]:
    """Return a message for each public key given twice, or given as some peer's preshared key (a secret)."""
    problems = []
    first_index = {}
    secret_index = {}
    for index, peer in enumerate(peers):
        if is_key(peer["preshared_key"]):
            secret_index.setdefault(peer["preshared_key"], index)
    for index, peer in enumerate(peers):
        key = peer["public_key"]
        if not is_key(key):
            continue
        if key in secret_index:
            problems.append(
                "%s: public_key is the preshared_key of %s, which is a secret; give the peer's public key"
                % (peer_label(index), peer_label(secret_index[key]))
            )
        if key in first_index:
            problems.append("%s: public_key is also given in %s" % (peer_label(index), peer_label(first_index[key])))
        else:
            first_index[key] = index
    return problems


def validate_peers(peers, exclusive: bool = False, allow_empty: bool = False, interface: str = "the interface") -> list[dict]:
    """Return the normalised wanted peers, or raise one error naming every problem."""
    problems = []
    normalised = []
    for index, peer in enumerate(peers or []):
        result, peer_problems = validate_peer(index, peer)
        problems.extend(peer_problems)
        normalised.append(result)
    problems.extend(key_reuse_problems(normalised))

    for owner, network, other, other_network in find_overlaps([peer["allowed_ips"] for peer in normalised]):
        problems.append(
            "%s: allowed_ips %s overlaps %s of %s" % (peer_label(other), other_network, network, peer_label(owner))
        )

    if exclusive and not normalised and not allow_empty:
        problems.append(
            "peers is empty and exclusive is true, which would remove every peer of %s;"
            " set allow_empty: true if that is what you want" % interface
        )
    if problems:
        raise WireGuardError("; ".join(problems))
    return normalised


def validate_arguments(interface: str, peers, exclusive: bool, allow_empty: bool) -> list[dict]:
    """Check the interface name and every peer; one error lists all problems."""
    problems = []
    interface_problem = interface_name_problem(interface)
    if interface_problem:
        problems.append(interface_problem)
    try:
        desired = validate_peers(peers, exclusive, allow_empty, interface)
    except WireGuardError as err:
        problems.append(str(err))
    if problems:
        raise WireGuardError("; ".join(problems))
    return desired


def check_against_interface(desired: list[dict], interface: str, private_key_digest: str | None, own_public_key: str | None) -> None:
    """Raise one error naming every wanted peer that uses a key of INTERFACE itself.

    PRIVATE_KEY_DIGEST is the key_digest of the interface's private key (as wireguard_dump gives it, the
    key itself is never kept), OWN_PUBLIC_KEY its public key; either may be None (no key yet). A private
    key given as a peer's public key would be installed as a peer and written to the peers file in clear;
    the interface's own public key as a peer is silently ignored by the kernel.
    """
    problems = []
    for index, peer in enumerate(desired):
        label = peer_label(index)
        if is_same_key(peer["public_key"], private_key_digest):
            problems.append(
                "%s: public_key is the private key of %s, this host's own secret; give the peer's public key"
                " (wg pubkey prints it on the peer) and keep the private key on this host" % (label, interface)
            )
        elif own_public_key is not None and peer["public_key"] == own_public_key:
            problems.append(
                "%s: public_key is the public key of %s itself; a peer is another host, give that host's public key"
                % (label, interface)
            )
        if is_same_key(peer["preshared_key"], private_key_digest):
            problems.append(
                "%s: preshared_key is the private key of %s; give a key made by wg genpsk" % (label, interface)
            )
    if problems:
        raise WireGuardError("; ".join(problems))
