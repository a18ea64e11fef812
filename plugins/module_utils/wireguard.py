# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""WireGuard peers for the multisite.vpn.wireguard_peer module.

Validating the wanted peers, reading C(wg show IF dump), diffing, building one C(wg set) call, and the
peers file that C(wg addconf) loads at boot.

Peers are plain dicts with the keys public_key, allowed_ips (normalised network texts, in the order
given, without duplicates), endpoint (the text given, or None), persistent_keepalive (int, 0 = off) and
preshared_key (str or None). Live peers (parse_dump) also have latest_handshake, transfer_rx and
transfer_tx.

Preshared keys are secrets: no message, warning, table or result built here contains one.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import os
import re
import shutil
import socket
import stat
import tempfile

from ansible_collections.multisite.vpn.plugins.module_utils.files import FileWriteError, replace_file

KEY_BYTES = 32
# What wg prints for an unset key, endpoint or allowed-ips list.
NONE = "(none)"
# Linux's IFNAMSIZ counts the terminating NUL: a name has at most 15 characters.
IFNAMSIZ = 16
MAX_PORT = 65535
# wg stores the keepalive interval in 16 bits.
MAX_KEEPALIVE = 65535

CONF_MODE = 0o600
CONF_DIR_MODE = 0o700
CONF_HEADER = (
    "# Managed by multisite.vpn.wireguard_peer: the peers of %s, loaded by wg-quick with\n"
    "# PostUp = wg addconf %%i <this file>. Rewritten on every run, local edits are lost.\n"
    "# It may hold preshared keys: keep it mode 0600.\n"
)

# Where the preshared-key files for `wg set` are made: /run is a tmpfs, so keys never reach a disk.
# Tests point this elsewhere; it is read at call time.
SECRET_DIR_PARENTS = ("/run",)

# The fields of a peer that `wg set` changes, in the order they are passed; also the names listed in
# the module's `updated` result.
FIELDS = ("preshared_key", "endpoint", "persistent_keepalive", "allowed_ips")

HOST_LABEL = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$")
PORT = re.compile(r"^[0-9]{1,5}$")


class WireGuardError(Exception):
    """A problem the user has to fix; the message names the field and the peer, never a secret."""


def default_config_path(interface: str) -> str:
    return "/etc/wireguard/%s.peers.conf" % interface


def is_key(text) -> bool:
    """Return whether TEXT is a WireGuard key as wg prints it: canonical base64 of 32 bytes."""
    if not isinstance(text, str) or len(text) != 44:
        return False
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return False
    # wg refuses keys whose unused low bits are set; only the canonical form compares equal to the dump.
    return len(raw) == KEY_BYTES and base64.b64encode(raw).decode("ascii") == text


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


def peer_label(index: int, public_key=None) -> str:
    if is_key(public_key):
        return "peers[%d] (%s)" % (index, public_key)
    return "peers[%d]" % index


def validate_peer(index: int, peer: dict) -> tuple[dict, list[str]]:
    """Return the normalised peer and the problems found in it (each naming the peer and the field)."""
    problems = []
    key = peer.get("public_key")
    label = peer_label(index, key)
    if not is_key(key):
        # The value is not repeated: a mistyped key may be a private one.
        problems.append("%s: public_key is not a WireGuard key (base64 of 32 bytes, 44 characters ending in '=')" % label)

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
    if psk is not None and not is_key(psk):
        problems.append("%s: preshared_key is not a WireGuard key (base64 of 32 bytes, as wg genpsk prints it)" % label)

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


def validate_peers(peers, exclusive: bool = False, allow_empty: bool = False, interface: str = "the interface") -> list[dict]:
    """Return the normalised wanted peers, or raise one error naming every problem."""
    problems = []
    normalised = []
    first_index = {}
    for index, peer in enumerate(peers or []):
        result, peer_problems = validate_peer(index, peer)
        problems.extend(peer_problems)
        key = result["public_key"]
        if is_key(key):
            if key in first_index:
                problems.append("peers[%d]: public_key %s is also given in peers[%d]" % (index, key, first_index[key]))
            else:
                first_index[key] = index
        normalised.append(result)

    labels = [peer_label(index, peer["public_key"]) for index, peer in enumerate(normalised)]
    for owner, network, other, other_network in find_overlaps([peer["allowed_ips"] for peer in normalised]):
        problems.append(
            "%s: allowed_ips %s overlaps %s of %s" % (labels[other], other_network, network, labels[owner])
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


def parse_dump(text: str) -> dict:
    """Parse C(wg show IF dump): the interface line, then one tab-separated line per peer.

    The private key on the first line is dropped here and never kept. Errors give line numbers and field
    counts only, because the lines hold keys.
    """
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise WireGuardError("`wg show dump` printed nothing")
    fields = lines[0].split("\t")
    if len(fields) != 4:
        raise WireGuardError("`wg show dump` line 1 has %d fields, expected 4 (is this wg from wireguard-tools?)" % len(fields))
    try:
        interface = dict(
            public_key=None if fields[1] == NONE else fields[1],
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


def resolve_endpoint(host: str, port: int) -> set:
    """Return every address HOST resolves to for UDP, or an empty set when it does not resolve."""
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)
    except (OSError, UnicodeError):
        return set()
    addresses = set()
    for answer in answers:
        try:
            addresses.add(ipaddress.ip_address(answer[4][0]))
        except ValueError:
            continue
    return addresses


def endpoint_differs(peer: dict, live: dict | None, warnings: list[str]) -> bool:
    """Return whether the wanted endpoint of PEER differs from the LIVE peer's.

    No wanted endpoint: never different (a hub learns its spokes' endpoints from their packets). An
    address: compared exactly. A host name: the same when the live address is one of the name's
    addresses and the port is the same. A name that does not resolve raises, unless the live peer has an
    endpoint, which is then kept (with a warning).
    """
    if peer["endpoint"] is None:
        return False
    host, port, address = parse_endpoint(peer["endpoint"])
    live_endpoint = live["endpoint"] if live else None
    try:
        _live_host, live_port, live_address = parse_endpoint(live_endpoint)
    except WireGuardError:
        # None, or a form this module does not read (such as a scoped IPv6 address on an old Python):
        # it can only differ.
        live_port = live_address = None
    if address is not None:
        return (live_address, live_port) != (address, port)
    addresses = resolve_endpoint(host, port)
    if not addresses:
        if live_endpoint is None:
            raise WireGuardError(
                "peer %s: endpoint host name %s does not resolve and the peer has no endpoint yet"
                % (peer["public_key"], host)
            )
        warnings.append(
            "peer %s: endpoint host name %s does not resolve; keeping the live endpoint %s"
            % (peer["public_key"], host, live_endpoint)
        )
        return False
    return live_port != port or live_address not in addresses


def changed_fields(peer: dict, live: dict, endpoint_changed: bool) -> list[str]:
    """Return the fields of the live peer that must change, in FIELDS order."""
    changed = {
        "allowed_ips": set(peer["allowed_ips"]) != set(live["allowed_ips"]),
        "endpoint": endpoint_changed,
        "persistent_keepalive": peer["persistent_keepalive"] != live["persistent_keepalive"],
        "preshared_key": peer["preshared_key"] != live["preshared_key"],
    }
    return [field for field in FIELDS if changed[field]]


def diff_peers(desired: list[dict], live: list[dict], exclusive: bool, file_peers=()) -> dict:
    """Return the plan: what changes live, and the peers the file must hold.

    Keys of the plan: desired, added (public keys), removed (public keys; only when EXCLUSIVE),
    updated (public key -> changed fields), conf_peers (desired, plus with EXCLUSIVE false the peers of
    FILE_PEERS not listed), warnings. When peers that are not listed stay (EXCLUSIVE false), a listed peer
    may not overlap their allowed IPs: wg would silently move an address away from a peer not managed here.
    """
    live_by_key = {peer["public_key"]: peer for peer in live}
    listed = {peer["public_key"] for peer in desired}
    plan = dict(desired=desired, added=[], removed=[], updated={}, conf_peers=list(desired), warnings=[])
    problems = []
    for peer in desired:
        current = live_by_key.get(peer["public_key"])
        try:
            endpoint_changed = endpoint_differs(peer, current, plan["warnings"])
        except WireGuardError as err:
            problems.append(str(err))
            continue
        if current is None:
            plan["added"].append(peer["public_key"])
            continue
        fields = changed_fields(peer, current, endpoint_changed)
        if fields:
            plan["updated"][peer["public_key"]] = fields

    if exclusive:
        plan["removed"] = [peer["public_key"] for peer in live if peer["public_key"] not in listed]
    else:
        kept = [peer for peer in file_peers if peer["public_key"] not in listed]
        plan["conf_peers"].extend(kept)
        staying = [("live peer", peer) for peer in live if peer["public_key"] not in listed]
        staying.extend(("peer kept in the peers file", peer) for peer in kept)
        problems.extend(staying_overlaps(desired, staying))
    if problems:
        raise WireGuardError("; ".join(problems))
    return plan


def staying_overlaps(desired: list[dict], staying: list[tuple[str, dict]]) -> list[str]:
    """Return a message for each listed peer's network that overlaps a peer that stays unlisted."""
    owners = [peer["allowed_ips"] for peer in desired] + [peer["allowed_ips"] for _what, peer in staying]
    messages = []
    for owner, network, other, other_network in find_overlaps(owners):
        if (owner < len(desired)) == (other < len(desired)):
            continue
        if owner >= len(desired):
            owner, network, other, other_network = other, other_network, owner, network
        what, peer = staying[other - len(desired)]
        message = (
            "%s: allowed_ips %s overlaps %s of the %s %s, which stays because exclusive is false;"
            " remove that peer (exclusive: true) or change the addresses"
            % (peer_label(owner, desired[owner]["public_key"]), network, other_network, what, peer["public_key"])
        )
        if message not in messages:
            messages.append(message)
    return messages


def has_changes(plan: dict) -> bool:
    return bool(plan["added"] or plan["removed"] or plan["updated"])


def build_set_arguments(interface: str, plan: dict, secret_dir: str) -> tuple[list[str], dict[str, str]]:
    """Return the arguments of one C(wg set) call for PLAN, and the key files it reads (path -> key).

    Removed peers come first, so that their addresses are free before other peers take them. Only
    added and changed peers appear, with only their changed fields: unchanged peers are not touched.
    Preshared keys are passed as paths of files in SECRET_DIR, never as values; C(/dev/null) clears one.
    """
    arguments = ["set", interface]
    files = {}
    for key in plan["removed"]:
        arguments.extend(["peer", key, "remove"])
    added = set(plan["added"])
    for peer in plan["desired"]:
        key = peer["public_key"]
        if key in added:
            fields = [field for field in FIELDS if peer[field]]
        elif key in plan["updated"]:
            fields = plan["updated"][key]
        else:
            continue
        arguments.extend(["peer", key])
        for field in fields:
            value = peer[field]
            if field == "preshared_key":
                if value is None:
                    path = os.devnull
                else:
                    path = os.path.join(secret_dir, "psk-%d" % len(files))
                    files[path] = value
                arguments.extend(["preshared-key", path])
            elif field == "endpoint":
                arguments.extend(["endpoint", value])
            elif field == "persistent_keepalive":
                arguments.extend(["persistent-keepalive", str(value) if value else "off"])
            else:
                arguments.extend(["allowed-ips", ",".join(value)])
    return arguments, files


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
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("["):
            section = line.lower()
            peer = None
            if section == "[peer]":
                peer = dict(public_key=None, allowed_ips=[], endpoint=None, persistent_keepalive=0, preshared_key=None)
                peers.append(peer)
            continue
        if section != "[peer]":
            continue
        name, separator, value = (part.strip() for part in line.partition("="))
        name = name.lower()
        where = "%s line %d" % (path, number)
        if not separator:
            raise WireGuardError("%s is not 'Key = value'" % where)
        if name in ("publickey", "presharedkey"):
            if not is_key(value):
                raise WireGuardError("%s: %s is not a WireGuard key" % (where, "PublicKey" if name == "publickey" else "PresharedKey"))
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


def predict_peers(live: list[dict], plan: dict) -> list[dict]:
    """Return the live peers as they will be after PLAN is applied."""
    desired = {peer["public_key"]: peer for peer in plan["desired"]}
    removed = set(plan["removed"])
    after = []
    for peer in live:
        if peer["public_key"] in removed:
            continue
        peer = dict(peer)
        for field in plan["updated"].get(peer["public_key"], ()):
            peer[field] = desired[peer["public_key"]][field]
        after.append(peer)
    after.extend(desired[key] for key in plan["added"])
    return after


def peer_table(peers: list[dict]) -> str:
    """Return one line per peer, sorted by public key, for diff mode; a preshared key shows as 'set'."""
    lines = []
    for peer in sorted(peers, key=lambda item: item["public_key"]):
        lines.append(
            "%s  allowed-ips: %s  endpoint: %s  keepalive: %s  psk: %s\n"
            % (
                peer["public_key"],
                ",".join(peer["allowed_ips"]) or NONE,
                peer["endpoint"] or NONE,
                peer["persistent_keepalive"] or "off",
                "set" if peer["preshared_key"] else "none",
            )
        )
    return "".join(lines)


def build_diff(interface: str, config_path: str, before: list[dict], after: list[dict]) -> dict:
    return dict(
        before_header="peers of %s" % interface,
        after_header="peers of %s (persisted in %s)" % (interface, config_path),
        before=peer_table(before),
        after=peer_table(after),
    )


def live_result(peers: list[dict], now: float) -> list[dict]:
    """Return the live peers as the module reports them: no preshared key, only whether one is set."""
    result = []
    for peer in peers:
        handshake = peer["latest_handshake"] or None
        result.append(
            dict(
                public_key=peer["public_key"],
                allowed_ips=list(peer["allowed_ips"]),
                endpoint=peer["endpoint"],
                persistent_keepalive=peer["persistent_keepalive"],
                has_preshared_key=peer["preshared_key"] is not None,
                latest_handshake=handshake,
                latest_handshake_age=None if handshake is None else max(0, int(now) - handshake),
                transfer_rx=peer["transfer_rx"],
                transfer_tx=peer["transfer_tx"],
            )
        )
    return result


def redact(text: str, secrets) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "********")
    return text


def missing_interface_message(interface: str) -> str:
    return "interface %s does not exist; bring it up first (for example systemctl start wg-quick@%s)" % (
        interface,
        interface,
    )


def read_dump(module, wg: str, interface: str) -> dict | None:
    """Run C(wg show INTERFACE dump) and parse it; None when the interface does not exist."""
    rc, out, err = module.run_command([wg, "show", interface, "dump"])
    if rc != 0:
        if "No such device" in err:
            return None
        if "Operation not supported" in err:
            raise WireGuardError("interface %s exists but is not a WireGuard interface" % interface)
        raise WireGuardError("`wg show %s dump` failed (exit %d): %s" % (interface, rc, err.strip()))
    return parse_dump(out)


def make_secret_dir() -> str:
    """Return a new private directory (mode 0700) for key files, under /run when possible."""
    for parent in SECRET_DIR_PARENTS:
        if os.path.isdir(parent):
            try:
                return tempfile.mkdtemp(prefix="wireguard-peer-", dir=parent)
            except OSError:
                continue
    return tempfile.mkdtemp(prefix="wireguard-peer-")


def write_secret(path: str, value: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as secret:
        secret.write(value + "\n")


def apply_changes(module, wg: str, interface: str, plan: dict, secrets=()) -> None:
    """Run the one C(wg set) call for PLAN; key files live only for the duration of the call."""
    secret_dir = make_secret_dir()
    try:
        arguments, files = build_set_arguments(interface, plan, secret_dir)
        for path, value in files.items():
            write_secret(path, value)
        rc, _out, err = module.run_command([wg] + arguments)
    finally:
        shutil.rmtree(secret_dir, ignore_errors=True)
    if rc != 0:
        raise WireGuardError("`wg set %s` failed (exit %d): %s" % (interface, rc, redact(err, secrets).strip()))


def read_conf(path: str) -> tuple[bytes | None, int | None]:
    """Return the bytes and permission bits of the file at PATH, or (None, None) when it is absent."""
    try:
        with open(path, "rb") as conf:
            return conf.read(), stat.S_IMODE(os.fstat(conf.fileno()).st_mode)
    except FileNotFoundError:
        return None, None
    except OSError as err:
        raise WireGuardError("cannot read %s: %s" % (path, err.strerror)) from err


def write_conf(path: str, content: str) -> None:
    """Replace the file at PATH with CONTENT atomically, mode 0600 from the start (it holds preshared
    keys), creating its directory (0700)."""
    try:
        replace_file(path, content.encode("utf-8"), CONF_MODE, CONF_DIR_MODE)
    except FileWriteError as err:
        raise WireGuardError(str(err)) from err
