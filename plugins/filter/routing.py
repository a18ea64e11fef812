# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Dynamic routing over the tunnels (seed 003): eBGP with BFD, one session per tunnel, run by BIRD 2.

A hub whose hub_tunnel says C(routing: bgp) keeps a session with each of its spokes over that tunnel; a spoke keeps
one with each such hub. Every site has a private AS number of its own, derived from its site_id (never a list
position), so that BGP's AS-path check never drops one site's routes at another. A spoke announces its own prefixes
(routing_prefixes) to every hub; a hub accepts from a spoke only that spoke's prefixes, announces them to its other
spokes with itself as next hop, and announces its tunnel subnet. A spoke that learns a prefix from two hubs installs
one route with both as next hops (ECMP); BFD takes a dead hub's routes away within interval x multiplier.

A spoke's public IPv6 blocks (one from each hub with a hub_public_ipv6, seed 002) are its prefixes too: its sessions
carry them in an IPv6 channel over the same IPv4 session, so the sites reach each other's public addresses through
the hubs in mode bgp, whichever hub the block comes from. Linux takes no IPv4 gateway for an IPv6 route, so each tunnel
end in such a session carries an IPv6 link-local address made of its IPv4 one (routing_link_local), which BIRD gives
the routes it learns as their gateway.

The values of other hosts are read here, not in a role's defaults (which only the host running the role sees): a
site's AS number and prefixes. The documentation of each filter is in the C(<filter>.yml) file next to this one.
"""

from __future__ import annotations

import ipaddress
import re

from ansible.errors import AnsibleFilterError

from ansible_collections.multisite.vpn.plugins.filter.network import subnet_host
from ansible_collections.multisite.vpn.plugins.filter.public_ipv6 import public_ipv6_block
from ansible_collections.multisite.vpn.plugins.filter.uplinks import hub_uplink_links, spoke_uplink_links
from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_interface import DEFAULT_ROUTE_TABLE
from ansible_collections.multisite.vpn.plugins.plugin_utils.inventory_values import InventoryReader

# RFC 6996's private AS numbers (RFC 7300 keeps 65535 and 4294967295 out).
PRIVATE_ASN_RANGES = ((64512, 65534), (4200000000, 4294967294))
# A site without routing_asn gets this plus its site_id.
ASN_BASE = 4200000000
ROUTING_MODES = ("static", "bgp")
BFD_KEYS = ("interval_ms", "multiplier")
DEFAULT_BFD = {"interval_ms": 200, "multiplier": 3}
# wireguard-go on a small host (two cores, a Raspberry Pi) does not keep BFD packets under 100 ms apart while it
# carries traffic: shorter intervals take sessions down that are up (routing-facts.md, measured in bench/failover.py).
MIN_BFD_INTERVAL_MS = 100
MAX_BFD_INTERVAL_MS = 10000
MIN_BFD_MULTIPLIER = 3
MAX_BFD_MULTIPLIER = 255
# After BFD or the hold timer takes a session down, BIRD waits this long (seconds, doubling up to the second figure)
# before it connects again: its default, 60, would keep a hub that came back out of use for a minute.
ERROR_WAIT_TIME = (5, 30)
CONNECT_RETRY_TIME = 5
HOLD_TIME = 30
KEEPALIVE_TIME = 10
LINK_LOCAL_NETWORK = ipaddress.IPv6Network("fe80::/64")


def routing_mode(tunnel) -> str:
    """The routing mode of a hub_tunnel: 'bgp' or 'static' (unset)."""
    return str((tunnel or {}).get("routing") or "static")


def asn_problem(asn) -> str | None:
    """Why ASN is not a private AS number, or None."""
    if isinstance(asn, bool) or not isinstance(asn, int):
        return "%r is not an integer" % (asn,)
    if not any(low <= asn <= high for low, high in PRIVATE_ASN_RANGES):
        return ("%d is not a private AS number: use 64512-65534 or 4200000000-4294967294 (RFC 6996), or leave it unset "
                "for %d + site_id" % (asn, ASN_BASE))
    return None


def bfd_problem(bfd) -> str | None:
    """Why BFD ({interval_ms, multiplier}) is not a timer wireguard-go can hold, or None."""
    if not isinstance(bfd, dict):
        return "is not a mapping such as {interval_ms: 200, multiplier: 3}"
    unknown = sorted(set(bfd) - set(BFD_KEYS))
    if unknown:
        return "%s is not one of its keys (%s)" % (", ".join(map(str, unknown)), ", ".join(BFD_KEYS))
    interval = bfd.get("interval_ms", DEFAULT_BFD["interval_ms"])
    multiplier = bfd.get("multiplier", DEFAULT_BFD["multiplier"])
    for key, value, low, high in (("interval_ms", interval, MIN_BFD_INTERVAL_MS, MAX_BFD_INTERVAL_MS),
                                  ("multiplier", multiplier, MIN_BFD_MULTIPLIER, MAX_BFD_MULTIPLIER)):
        if isinstance(value, bool) or not isinstance(value, int):
            return "%s %r is not an integer" % (key, value)
        if value < low:
            why = ("wireguard-go does not keep BFD packets that close together on a small host, and sessions that are up "
                   "would go down" if key == "interval_ms" else "fewer than 3 lost packets in a row would take a session down")
            return "%s %d is below %d: %s" % (key, value, low, why)
        if value > high:
            return "%s %d is above %d" % (key, value, high)
    return None


def default_route_problem(value) -> str | None:
    """Why VALUE (a spoke's routing_default_route) is not true or false, or None."""
    if isinstance(value, bool):
        return None
    return "%r is not true or false" % (value,)


def wants_default_route(hostvars, host) -> bool:
    """Whether HOST (a spoke) takes its default route from its hubs in mode bgp (routing_default_route)."""
    value = hostvars[host].get("routing_default_route", False)
    why = default_route_problem(value)
    if why:
        raise AnsibleFilterError("%s: routing_default_route: %s" % (host, why))
    return value


def routing_default_route_mark(hostvars, host) -> int:
    """The mark that keeps HOST's packets on its uplink when its default route comes from its hubs
    (routing_default_route): its tunnels' own, and the answers to what came by the uplink. 0 when it does not."""
    return DEFAULT_ROUTE_TABLE if wants_default_route(hostvars, host) else 0


def routing_link_local(address) -> str:
    """The IPv6 link-local address a tunnel end carries beside its IPv4 ADDRESS (192.168.31.1 gives fe80::c0a8:1f01):
    the gateway of the IPv6 routes learnt from it, since Linux takes no IPv4 gateway for an IPv6 route."""
    try:
        ipv4 = ipaddress.IPv4Interface(str(address).strip()).ip
    except ValueError as error:
        raise AnsibleFilterError("routing_link_local: %s" % error) from None
    return str(LINK_LOCAL_NETWORK.network_address + int(ipv4))


def routing_public_blocks(hostvars, spoke, groups=None) -> list[str]:
    """SPOKE's public IPv6 blocks: one from each of its hubs with a hub_public_ipv6 (public_ipv6_block, as the spoke
    role carves it). A spoke on several uplinks takes none. GROUPS (the inventory's) give the hubs of a
    spoke without spoke_hubs, as the spoke role's default does."""
    variables = hostvars[spoke]
    if variables.get("spoke_uplinks"):
        return []
    hubs = [hub for hub in InventoryReader(hostvars, groups).hub_names(spoke) or [] if hostvars[hub].get("hub_tunnel")]
    return [block for block in (public_ipv6_block(hostvars, spoke, hub) for hub in hubs) if block]


def routing_spoke_prefixes(hostvars, spokes, groups=None) -> dict[str, list[str]]:
    """{spoke: what it announces over BGP} for SPOKES: its routing_prefixes, then its public IPv6 blocks. A hub in mode
    bgp takes them from that spoke only, and lets them through its tunnel (allowed IPs)."""
    prefixes = {}
    for spoke in spokes:
        ipv4, ipv6 = _spoke_prefixes(hostvars, spoke, groups)
        prefixes[spoke] = ipv4 + ipv6
    return prefixes


def _spoke_prefixes(hostvars, spoke, groups) -> tuple[list[str], list[str]]:
    """SPOKE's IPv4 prefixes (routing_prefixes) and its public IPv6 blocks."""
    return _own_prefixes(hostvars, spoke), routing_public_blocks(hostvars, spoke, groups)


def _own_prefixes(hostvars, host) -> list[str]:
    return [str(network) for network in _networks(hostvars[host].get("routing_prefixes"), "%s: routing_prefixes" % host)]


def _integer(value, what: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"[0-9]+", value.strip()):
        return int(value)
    raise AnsibleFilterError("%s: %r is not an integer" % (what, value))


def routing_asn(hostvars, host) -> int:
    """HOST's AS number: its routing_asn, else ASN_BASE + its site_id."""
    variables = hostvars[host]
    if variables.get("routing_asn") is not None:
        asn = _integer(variables["routing_asn"], "%s: routing_asn" % host)
    elif variables.get("site_id") is not None:
        asn = ASN_BASE + _integer(variables["site_id"], "%s: site_id" % host)
    else:
        raise AnsibleFilterError("%s: has neither routing_asn nor site_id, so it has no AS number for BGP" % host)
    why = asn_problem(asn)
    if why:
        raise AnsibleFilterError("%s: routing_asn: %s" % (host, why))
    return asn


def _networks(prefixes, what: str) -> list:
    try:
        return [ipaddress.ip_network(str(prefix).strip()) for prefix in prefixes or ()]
    except ValueError as error:
        raise AnsibleFilterError("%s: %s" % (what, error)) from None


def _protocol_name(host: str, uplink_id=None) -> str:
    """A BIRD protocol name for a session with HOST (over its uplink UPLINK_ID): letters, digits and '_' only."""
    return "bgp_" + re.sub(r"[^A-Za-z0-9_]", "_", host) + ("" if uplink_id is None else "_%d" % uplink_id)


def routing_sessions(hostvars, host, peers, groups=None) -> list[dict]:
    """HOST's BGP sessions: one over each tunnel in mode bgp with a host of PEERS (a hub's spokes, or a spoke's hubs).

    Each is {name, neighbor, interface, asn, accept, accept6, default_route, ipv6}: ACCEPT and ACCEPT6 are the IPv4
    prefixes and IPv6 blocks taken from that neighbour (a spoke's own), or None for all (what a hub sends); IPV6, whether
    the session carries IPv6: on a hub, when that spoke has blocks; on a spoke, when HOST has. DEFAULT_ROUTE, on a hub,
    is whether that spoke takes its default route from this hub. GROUPS: as routing_public_blocks.
    """
    tunnel = hostvars[host].get("hub_tunnel")
    if tunnel:
        if routing_mode(tunnel) != "bgp":
            return []
        # A spoke on several uplinks has a link (an interface of its own) per uplink instead of a peer of the tunnel.
        links = {}
        for link in hub_uplink_links(hostvars, host, peers):
            links.setdefault(link["spoke"], []).append(link)
        sessions = []
        for spoke in peers:
            accept, accept6 = _spoke_prefixes(hostvars, spoke, groups)
            common = {"asn": routing_asn(hostvars, spoke), "accept": accept, "accept6": accept6,
                      "default_route": wants_default_route(hostvars, spoke), "ipv6": bool(accept6)}
            if spoke in links:
                sessions += [dict(common, name=_protocol_name(spoke, link["uplink_id"]), neighbor=link["spoke_address"], interface=link["interface"])
                             for link in links[spoke]]
            else:
                sessions.append(dict(common, name=_protocol_name(spoke), neighbor=subnet_host(tunnel["ipv4"], hostvars[spoke].get("wireguard_host_index")),
                                     interface=tunnel["interface"]))
        return sessions
    bgp_hubs = [hub for hub in peers if routing_mode(hostvars[hub].get("hub_tunnel")) == "bgp"]
    if hostvars[host].get("spoke_uplinks"):
        return [{"name": _protocol_name(link["hub"], link["uplink_id"]), "neighbor": link["hub_address"], "interface": link["interface"],
                 "asn": routing_asn(hostvars, link["hub"]), "accept": None, "accept6": None, "default_route": False, "ipv6": False}
                for link in spoke_uplink_links(hostvars, host, bgp_hubs)]
    ipv6 = bool(routing_public_blocks(hostvars, host, groups))
    return [{"name": _protocol_name(hub), "neighbor": subnet_host(hostvars[hub]["hub_tunnel"]["ipv4"], 1),
             "interface": hostvars[hub]["hub_tunnel"]["interface"], "asn": routing_asn(hostvars, hub), "accept": None, "accept6": None,
             "default_route": False, "ipv6": ipv6}
            for hub in bgp_hubs]


def routing_ipv6(hostvars, host, peers, groups=None) -> bool:
    """Whether any of HOST's BGP sessions with PEERS carries IPv6 (some spoke has a public block): its tunnel then
    carries a link-local address (routing_link_local)."""
    return any(session["ipv6"] for session in routing_sessions(hostvars, host, peers, groups))


def _prefix_set(prefixes) -> str:
    return "[ %s ]" % ", ".join(prefixes)


def routing_bird_conf(hostvars, host, peers, bfd=None, includes=(), groups=None) -> str:
    """The whole of HOST's /etc/bird/bird.conf (BIRD 2): its sessions with PEERS over tunnels in mode bgp, BFD with
    timers BFD, its own prefixes announced (and its public IPv6 blocks), and the routes learnt installed in the kernel
    (ECMP merged). INCLUDES are files BIRD reads too (static protocols named breakout*, whose routes go to the kernel as
    well). GROUPS: as routing_public_blocks.

    A hub announces a default route to the spokes that take theirs from it (routing_default_route); such a spoke puts
    the routes it learns in kernel table DEFAULT_ROUTE_TABLE, which rules its tunnels add send all but their own
    packets to (module wireguard_interface, option default_route)."""
    bfd = dict(DEFAULT_BFD, **(bfd or {}))
    why = bfd_problem(bfd)
    if why:
        raise AnsibleFilterError("bfd: %s" % why)
    asn = routing_asn(hostvars, host)
    sessions = routing_sessions(hostvars, host, peers, groups)
    tunnel = hostvars[host].get("hub_tunnel")
    own = _own_prefixes(hostvars, host)
    own6 = [] if tunnel else routing_public_blocks(hostvars, host, groups)
    interfaces = sorted({session["interface"] for session in sessions})
    default_route = not tunnel and wants_default_route(hostvars, host)
    lines = [
        "# Managed by multisite.vpn (role routing): eBGP with BFD over the WireGuard tunnels.",
        "log syslog all;",
        # The AS number is unique in the network, so is a router id made of it.
        "router id %s;" % ipaddress.IPv4Address(asn),
        "",
        "protocol device {",
        "  scan time 10;",
        "}",
        "",
        "# Routes learnt over BGP (and break-out routes) go to the kernel; a prefix learnt from two hubs is one route",
        "# with both as next hops. Nothing is read from the kernel: routes of other tools are theirs.",
        "protocol kernel {",
    ]
    if default_route:
        lines += ["  # With the default route from the hubs: a table of its own, which rules send all but the tunnels' own",
                  "  # packets to, after the main table without its default route (the uplink's, which the tunnels keep).",
                  "  kernel table %d;" % DEFAULT_ROUTE_TABLE]
    lines += [
        "  merge paths on;",
        "  ipv4 {",
        "    import none;",
        '    export where source = RTS_BGP || proto ~ "breakout*";',
        "  };",
        "}",
        "",
    ]
    if any(session["ipv6"] for session in sessions):
        lines += [
            "# The sites' public IPv6 blocks learnt over BGP go to the main table (ECMP merged), each via the link-local",
            "# address its session's import gives it.",
            "protocol kernel kernel6 {",
            "  merge paths on;",
            "  ipv6 {",
            "    import none;",
            "    export where source = RTS_BGP;",
            "  };",
            "}",
            "",
        ]
    if interfaces:
        lines += [
            "# A tunnel whose far end stops answering for interval x multiplier takes its sessions down.",
            "protocol bfd {",
            "  interface %s {" % ", ".join('"%s"' % name for name in interfaces),
            "    min rx interval %d ms;" % bfd["interval_ms"],
            "    min tx interval %d ms;" % bfd["interval_ms"],
            "    multiplier %d;" % bfd["multiplier"],
            "  };",
            "}",
            "",
        ]
    if tunnel:
        lines += [
            "# The tunnel subnet, announced to the spokes: they reach each other's tunnel addresses through this hub.",
            "protocol direct tunnel_subnet {",
            "  ipv4;",
            '  interface "%s";' % tunnel["interface"],
            "}",
            "",
        ]
    if own:
        lines += _static_protocol("site_prefixes", "ipv4", own, ["This site's own prefixes, announced to every hub."])
    if own6:
        lines += _static_protocol("site_public_ipv6", "ipv6", own6,
                                  ["This site's public IPv6 blocks (from its hubs' public prefixes), announced to every hub."])
    if any(session["default_route"] for session in sessions):
        lines += _static_protocol("default_route", "ipv4", ["0.0.0.0/0"], [
            "The default route, announced to the spokes that take theirs from this hub (this hub masquerades what they",
            "send out). Never installed here: the kernel protocol takes BGP's routes only."])
    lines += [
        "template bgp tunnel_session {",
        "  local as %d;" % asn,
        "  bfd on;",
        "  # A session that goes down takes its routes with it at once: no stale routes kept for a restarting peer.",
        "  graceful restart off;",
        "  connect retry time %d;" % CONNECT_RETRY_TIME,
        "  error wait time %d, %d;" % ERROR_WAIT_TIME,
        "  hold time %d;" % HOLD_TIME,
        "  keepalive time %d;" % KEEPALIVE_TIME,
        "}",
        "",
    ]
    for session in sessions:
        lines += ["protocol bgp %s from tunnel_session {" % session["name"],
                  '  neighbor %s as %d;' % (session["neighbor"], session["asn"]),
                  '  interface "%s";' % session["interface"],
                  "  ipv4 {"]
        if tunnel:
            accept = session["accept"]
            lines += ["    import where net ~ %s;" % _prefix_set(accept) if accept else "    import none;",
                      "    export where source = RTS_BGP || proto = \"tunnel_subnet\"%s;"
                      % (' || proto = "default_route"' if session["default_route"] else ""),
                      # The spokes do not reach each other: every route goes through this hub.
                      "    next hop self;"]
        else:
            # A default route is taken only by a spoke that asked for it (into its table of its own).
            lines += ["    import all;" if default_route else "    import where net.len > 0;",
                      '    export where proto = "site_prefixes";' if own else "    export none;"]
        lines.append("  };")
        if session["ipv6"]:
            lines += _ipv6_channel(session, hub=bool(tunnel))
        lines += ["}", ""]
    lines += ['include "%s";' % path for path in includes]
    return "\n".join(lines).rstrip("\n") + "\n"


def _static_protocol(name: str, channel: str, prefixes: list[str], comment: list[str]) -> list[str]:
    """A static protocol NAME whose PREFIXES are announced (never forwarded here: unreachable), after its COMMENT lines."""
    return (["# " + line for line in comment] + ["protocol static %s {" % name, "  %s;" % channel]
            + ["  route %s unreachable;" % prefix for prefix in prefixes] + ["}", ""])


def _ipv6_channel(session: dict, hub: bool) -> list[str]:
    """The IPv6 channel of SESSION (on a hub, or on a spoke): the public blocks, with IPv4 next hops (RFC 8950) that
    the import replaces by the far end's link-local address."""
    gateway = "gw = %s;" % routing_link_local(session["neighbor"])
    lines = ["  ipv6 {",
             "    extended next hop on;"]
    if hub:
        lines += ["    import filter { if net ~ %s then { %s accept; } reject; };" % (_prefix_set(session["accept6"]), gateway),
                  "    export where source = RTS_BGP;",
                  "    next hop self;"]
    else:
        lines += ["    import filter { %s accept; };" % gateway,
                  '    export where proto = "site_public_ipv6";']
    return lines + ["  };"]


class FilterModule:
    """BGP over the tunnels."""

    def filters(self):
        return {"routing_asn": routing_asn, "routing_bird_conf": routing_bird_conf, "routing_default_route_mark": routing_default_route_mark,
                "routing_ipv6": routing_ipv6, "routing_link_local": routing_link_local, "routing_spoke_prefixes": routing_spoke_prefixes}
