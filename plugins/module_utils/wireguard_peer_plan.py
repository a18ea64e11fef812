# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Planning the change of a WireGuard interface's peers: the wanted peers against the live ones.

diff_peers returns the plan (which peers are added, removed and changed, in which fields, and which
peers the peers file holds), resolving the DNS names of endpoints to compare them with the live
addresses; predict_peers gives the live peers as they will be after the plan. Pure but for the DNS
look-ups (resolve_endpoint). Messages name wanted peers by their place in the list, never by key.
"""

from __future__ import annotations

import ipaddress
import socket

from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_key import WireGuardError
from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_peer_input import find_overlaps, parse_endpoint, peer_label

# The fields of a peer that `wg set` changes, in the order they are passed; also the names listed in
# the module's `updated` result.
FIELDS = ("preshared_key", "endpoint", "persistent_keepalive", "allowed_ips")


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


def endpoint_differs(label: str, peer: dict, live: dict | None, warnings: list[str]) -> bool:
    """Return whether the wanted endpoint of PEER (named LABEL in messages) differs from the LIVE peer's.

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
                "%s: endpoint host name %s does not resolve and the peer has no endpoint yet" % (label, host)
            )
        warnings.append(
            "%s: endpoint host name %s does not resolve; keeping the live endpoint %s" % (label, host, live_endpoint)
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
    for index, peer in enumerate(desired):
        current = live_by_key.get(peer["public_key"])
        try:
            endpoint_changed = endpoint_differs(peer_label(index), peer, current, plan["warnings"])
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
        staying = [("a live peer that is not listed", peer) for peer in live if peer["public_key"] not in listed]
        staying.extend(("a peer kept in the peers file that is not listed", peer) for peer in kept)
        problems.extend(staying_overlaps(desired, staying))
    if problems:
        raise WireGuardError("; ".join(problems))
    return plan


def staying_overlaps(desired: list[dict], staying: list[tuple[str, dict]]) -> list[str]:
    """Return a message for each listed peer's network that overlaps a peer that stays unlisted.

    The peer that stays is named by what it is and its network, not by its key.
    """
    owners = [peer["allowed_ips"] for peer in desired] + [peer["allowed_ips"] for _what, peer in staying]
    messages = []
    for owner, network, other, other_network in find_overlaps(owners):
        if (owner < len(desired)) == (other < len(desired)):
            continue
        if owner >= len(desired):
            owner, network, other, other_network = other, other_network, owner, network
        what = staying[other - len(desired)][0]
        message = (
            "%s: allowed_ips %s overlaps %s of %s, which stays because exclusive is false;"
            " remove that peer (exclusive: true) or change the addresses"
            % (peer_label(owner), network, other_network, what)
        )
        if message not in messages:
            messages.append(message)
    return messages


def has_changes(plan: dict) -> bool:
    return bool(plan["added"] or plan["removed"] or plan["updated"])


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
