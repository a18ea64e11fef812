# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One WireGuard interface brought up by wg-quick@ at boot, for the wireguard_interface module: the checks of its
name, addresses and port (the inventory checks use the same ones), its two files (the wg-quick configuration, which
holds interface settings only, and the unit's drop-in), and what systemd must do for a given change (unit_actions).
Everything here is pure; the module reads and applies.
"""

from __future__ import annotations

import ipaddress

from ansible_collections.multisite.vpn.plugins.module_utils import wireguard_peers_file
from ansible_collections.multisite.vpn.plugins.module_utils.key_value_file import key_value_lines
from ansible_collections.multisite.vpn.plugins.module_utils.prefixes import read_prefix
from ansible_collections.multisite.vpn.plugins.module_utils.systemd_unit import start_actions
from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_peer_input import UNIT_SAFE_INTERFACE_NAME, interface_name_problem

CONF_MODE = 0o600
DROP_IN_MODE = 0o644
MAX_PORT = 65535

# wg-quick's own reload syncs the interface to <interface>.conf alone and would drop every peer, which live in
# <interface>.peers.conf: sync to both. An empty or failed strip must not wipe the interface.
DROP_IN = (
    "# Managed by multisite.vpn.wireguard_interface.\n"
    "# wg-quick's own reload syncs the interface to <interface>.conf alone and would drop every peer, which\n"
    "# live in <interface>.peers.conf: sync to both. An empty or failed strip must not wipe the interface.\n"
    "# ($$ and %% are systemd's escapes for $ and %.)\n"
    "[Service]\n"
    "ExecReload=\n"
    "ExecReload=/bin/bash -c 'conf=$$(wg-quick strip %i) && [ -n \"$$conf\" ] && exec wg syncconf %i"
    " <(printf \"%%s\\\\n\" \"$$conf\"; cat /etc/wireguard/%i.peers.conf 2>/dev/null)'\n"
)

DAEMON_RELOAD = "daemon-reload"
RESTART = "restart"
SET_PRIVATE_KEY = "set-private-key"


def wg_quick_name_problem(name: str) -> str | None:
    """Why NAME (a string) cannot be an interface wg-quick@ brings up, or None. Linux's rules first, then wg-quick's."""
    linux = interface_name_problem(name)
    if linux:
        return linux
    # wg-quick takes a name of these characters (its CONFIG_FILE check, with '+' and '='), and the roles start
    # wg-quick@<name>.service.
    if not UNIT_SAFE_INTERFACE_NAME.match(name):
        return ("interface %r has a character wg-quick and systemd's unit names (wg-quick@<name>.service) do not take: "
                "use letters, digits, '_', '.' and '-'" % name)
    return None


def address_problem(address: str) -> str | None:
    """Why ADDRESS (a string) is not an interface address with its prefix length, such as 192.168.31.11/24, or None."""
    example = "such as 192.168.31.11/24"
    try:
        interface = ipaddress.ip_interface(address.strip())
    except ValueError:
        return "%r is not an IPv4 or IPv6 address with a prefix length, %s" % (address, example)
    if "/" not in address:
        return "%r has no prefix length: give the address with it, %s" % (address, example)
    network = interface.network
    if interface.version == 4 and network.prefixlen < 31 and interface.ip in (network.network_address, network.broadcast_address):
        which = "network" if interface.ip == network.network_address else "broadcast"
        return "%s is the %s address of %s: give a host's address in it, such as %s/%d" % (
            address, which, network, network.network_address + 1, network.prefixlen)
    return None


MAX_TABLE = 2**32 - 1
# Priorities of the rules a route by source address adds: the main table without its default route first (routes BGP
# learns for other sites' public blocks, and the host's own links), then the refusals, then the lookup of its table.
SOURCE_MAIN_RULE_PRIORITY = 30999
EXCEPT_RULE_PRIORITY = 31000
LOOKUP_RULE_PRIORITY = 31001
# Tables the kernel keeps for itself (unspec, default, main, local): a route by source address needs a table of its own.
RESERVED_TABLES = (0, 253, 254, 255)


def route_problem(route) -> str | None:
    """Why ROUTE ({to, from, table, except_udp_ports}) is not a route into the interface, or None."""
    if not isinstance(route, dict) or not route.get("to"):
        return "is not a mapping with to (and from, table), such as {to: '::/0', from: '2001:db8:0:5:1::1/128', table: 51822}"
    unknown = sorted(set(route) - {"to", "from", "table", "except_udp_ports"})
    if unknown:
        return "%s is not one of its keys (to, from, table, except_udp_ports)" % ", ".join(unknown)
    networks = {}
    for key in ("to", "from"):
        value = route.get(key)
        if value is None:
            continue
        network, meant = read_prefix(str(value))
        if meant is not None:
            return "%s %r has host bits set; did you mean %s?" % (key, value, meant)
        if network is None:
            return "%s %r is not a prefix such as 2001:db8:0:5:1::/80" % (key, value)
        networks[key] = network
    if "from" in networks and networks["from"].version != networks["to"].version:
        return "to %s and from %s are of two families" % (networks["to"], networks["from"])
    table = route.get("table")
    if table is not None and (isinstance(table, bool) or not isinstance(table, int) or not 1 <= table <= MAX_TABLE):
        return "table %r is not a routing table number from 1 to %d" % (table, MAX_TABLE)
    if table in RESERVED_TABLES:
        return "table %d is one the kernel keeps (main is 254, local 255, default 253): give a table of this route's own" % table
    if "from" in networks and table is None:
        return "from %s needs a table of its own: the route goes there, and a rule sends what comes from %s to it" % (
            networks["from"], networks["from"])
    ports = route.get("except_udp_ports") or []
    if ports and "from" not in networks:
        return "except_udp_ports needs from: they are refused to what comes from it"
    for port in ports:
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= MAX_PORT:
            return "except_udp_ports: %r is not a port from 1 to %d" % (port, MAX_PORT)
    return None


def rule_up_line(rule: str) -> str:
    """The PostUp line that puts RULE (an `ip rule` command with %s for its verb) in place once: deleted first, so that
    a restart never leaves two, then added. wg-quick runs its hooks under set -e: a missing rule must not stop the
    start."""
    return "PostUp = %s 2>/dev/null || true; %s" % (rule % "del", rule % "add")


def route_lines(route: dict) -> list[str]:
    """wg-quick hooks that add ROUTE into the interface (%i) at every start, and take its rules away at the stop.

    A route by source address is a rule and a table of its own. Where no other route leads (a host without IPv6 of its
    own), the kernel picks that source for a socket bound to no address too, so the route would carry all of the
    host's traffic of that family, WireGuard's packets to its hubs among it, and glibc would rank such a hub address
    first for WireGuard's endpoint. Rules refuse EXCEPT_UDP_PORTS (the hubs' WireGuard ports) from that source first,
    which a route cannot: the endpoints stay on the host's own uplink. Ahead of those, the main table's own routes but
    its default keep their say for that source too: a route BGP learnt for another site's block goes through the hubs
    in mode bgp, whichever hub the source's block comes from.
    """
    to = ipaddress.ip_network(str(route["to"]).strip())
    family = "-%d" % to.version
    words = ["ip", family, "route", "replace", str(to), "dev", "%i"]
    if route.get("table") is not None:
        words += ["table", str(route["table"])]
    lines = ["PostUp = " + " ".join(words)]
    if route.get("from") is not None:
        source = ipaddress.ip_network(str(route["from"]).strip())
        rules = ["ip %s rule %%s from %s lookup main suppress_prefixlength 0 priority %d" % (family, source, SOURCE_MAIN_RULE_PRIORITY)]
        rules += ["ip %s rule %%s from %s ipproto udp dport %d unreachable priority %d" % (family, source, port, EXCEPT_RULE_PRIORITY)
                  for port in sorted(set(route.get("except_udp_ports") or []))]
        rules.append("ip %s rule %%s from %s lookup %d priority %d" % (family, source, route["table"], LOOKUP_RULE_PRIORITY))
        lines += [rule_up_line(rule) for rule in rules]
        lines += ["PostDown = " + rule % "del" for rule in rules]
    return lines


def peer_address_problem(peer_address, addresses: list) -> str | None:
    """Why PEER_ADDRESS (the far end of a point-to-point tunnel) cannot go with ADDRESSES, or None."""
    try:
        peer = ipaddress.ip_interface(str(peer_address).strip())
    except ValueError:
        return "%r is not an IPv4 address, such as 192.168.31.1" % (peer_address,)
    if peer.version != 4 or peer.network.prefixlen != 32:
        return "%r is not one IPv4 address, such as 192.168.31.1" % (peer_address,)
    own = [address for address in addresses if not address_problem(address) and ipaddress.ip_interface(address.strip()).version == 4]
    if len(own) != 1 or ipaddress.ip_interface(own[0].strip()).network.prefixlen != 32:
        return "needs exactly one IPv4 address of address, with /32, such as 192.168.31.11/32 (the tunnel has two ends)"
    if ipaddress.ip_interface(own[0].strip()).ip == peer.ip:
        return "%s is this end's own address" % peer.ip
    return None


# The rule that sends the tunnel's own packets (marked) to its uplink's table: ahead of the rules of routes by source.
UPLINK_RULE_PRIORITY = 30000


def uplink_problem(uplink, listen_port) -> str | None:
    """Why UPLINK ({interface, gateway}: the uplink the tunnel's own packets leave by) cannot be, or None."""
    if not isinstance(uplink, dict) or set(uplink) != {"interface", "gateway"}:
        return "is not a mapping of interface and gateway, such as {interface: eth1, gateway: 100.64.5.1}"
    why = interface_name_problem(uplink["interface"])
    if why:
        return "interface: %s" % why
    try:
        gateway = ipaddress.ip_address(str(uplink["gateway"]).strip())
    except ValueError:
        return "gateway %r is not an IPv4 address" % (uplink["gateway"],)
    if gateway.version != 4:
        return "gateway %s is not an IPv4 address" % gateway
    if listen_port is None:
        return "needs listen_port: it is the mark of the tunnel's packets and the number of the uplink's table"
    return None


def uplink_gateway_problem(uplink: dict, addresses_text: str) -> str | None:
    """Why UPLINK's gateway is not on its interface, whose IPv4 addresses `ip -4 -o addr show dev IF` printed as
    ADDRESSES_TEXT, or None: a gateway off the interface would send the tunnel nowhere, silently."""
    gateway = ipaddress.ip_address(str(uplink["gateway"]).strip())
    found = []
    for line in addresses_text.splitlines():
        words = line.split()
        if "inet" in words[:-1]:
            try:
                found.append(ipaddress.ip_interface(words[words.index("inet") + 1]))
            except ValueError:
                continue
    if any(gateway in address.network for address in found):
        return None
    has = ", ".join(str(address) for address in found) or "no IPv4 address"
    return ("gateway %s is not on %s (it has %s): the tunnel's packets would not leave by that uplink"
            % (gateway, uplink["interface"], has))


def uplink_lines(uplink: dict, listen_port: int) -> list[str]:
    """wg-quick settings that send the tunnel's own packets out of UPLINK: marked with LISTEN_PORT, which a rule sends
    to the table of that number, whose default route is the uplink's gateway."""
    rule = "ip -4 rule %%s fwmark %d lookup %d priority %d" % (listen_port, listen_port, UPLINK_RULE_PRIORITY)
    return [
        "FwMark = %d" % listen_port,
        "PostUp = ip -4 route replace default via %s dev %s onlink table %d" % (str(uplink["gateway"]).strip(), uplink["interface"], listen_port),
        rule_up_line(rule),
        "PostDown = " + rule % "del",
        "PostDown = ip -4 route flush table %d" % listen_port,
    ]


# A host whose default route goes through its hubs (role routing, routing_default_route) has its routes from BGP in a
# table of this number, and its tunnels' own packets carry it as their mark: rules send everything else to the table,
# and those packets to the main table, whose default route is the uplink's. Above every port, so never the mark of a
# tunnel on an uplink (its port).
DEFAULT_ROUTE_TABLE = 65536
# After the uplinks' rule (a tunnel on an uplink keeps to its own table), before the rules of routes by source.
DEFAULT_ROUTE_MAIN_RULE_PRIORITY = 30100
DEFAULT_ROUTE_RULE_PRIORITY = 30101


def default_route_lines(uplink) -> list[str]:
    """wg-quick settings for a host whose default route goes through its hubs: the main table first, its default
    route left out (the site's own networks, the tunnels' far ends); then, for all but the tunnels' own packets, the
    table BIRD fills (DEFAULT_ROUTE_TABLE: BGP's routes and the breakout prefixes); the tunnels' own packets fall
    through to the main table's default route, the uplink. Every tunnel of the host adds the same two rules, and none
    takes them away: the host's other tunnels still need them, and with the table empty (BIRD stopped, or the setting
    off) a lookup there finds nothing and goes on to the main table, as without them."""
    rules = ["ip -4 rule %%s lookup main suppress_prefixlength 0 priority %d" % DEFAULT_ROUTE_MAIN_RULE_PRIORITY,
             "ip -4 rule %%s not fwmark %d lookup %d priority %d" % (DEFAULT_ROUTE_TABLE, DEFAULT_ROUTE_TABLE, DEFAULT_ROUTE_RULE_PRIORITY)]
    # A tunnel on an uplink is marked with its port already; its own rule, ahead of these, keeps it on its uplink.
    lines = [] if uplink is not None else ["FwMark = %d" % DEFAULT_ROUTE_TABLE]
    return lines + [rule_up_line(rule) for rule in rules]


# IPv6 switched off for the host, or for the interfaces it makes from now on (a WireGuard interface is made at each start):
# {sysctl name: its file}.
IPV6_SWITCHES = {"net.ipv6.conf.all.disable_ipv6": "/proc/sys/net/ipv6/conf/all/disable_ipv6",
                 "net.ipv6.conf.default.disable_ipv6": "/proc/sys/net/ipv6/conf/default/disable_ipv6"}


def ipv6_off_problem(addresses: list, switches: dict) -> str | None:
    """Why the IPv6 ones among ADDRESSES cannot be set because IPv6 is off on this host, or None. SWITCHES: {name of
    IPV6_SWITCHES: its file's content (bytes), or None where it is missing (no IPv6 in the kernel)}. wg-quick would fail
    to start the interface, after stopping it: a tunnel that was up would stay down."""
    ipv6 = [address.strip() for address in addresses if ":" in address]
    if not ipv6:
        return None
    missing = sorted(name for name, value in switches.items() if value is None)
    if missing:
        return "address: %s is IPv6, and this host's kernel has no IPv6 (no %s)" % (ipv6[0], missing[0])
    off = sorted(name for name, value in switches.items() if value.strip() != b"0")
    if not off:
        return None
    return ("address: %s is IPv6, and IPv6 is off on this host (%s = 1): wg-quick could not start the interface. Turn it on "
            "(sysctl -w %s) or leave the IPv6 addresses out" % (ipv6[0], ", ".join(off), " ".join(name + "=0" for name in off)))


def input_problems(interface: str, addresses: list, listen_port, routes=(), peer_address=None, uplink=None) -> list[str]:
    """Every problem of the interface's own options, each naming its option."""
    problems = []
    if uplink is not None:
        why = uplink_problem(uplink, listen_port)
        if why:
            problems.append("uplink: %s" % why)
    if peer_address is not None:
        why = peer_address_problem(peer_address, addresses)
        if why:
            problems.append("peer_address: %s" % why)
    for index, route in enumerate(routes):
        why = route_problem(route)
        if why:
            problems.append("routes[%d]: %s" % (index, why))
    why = wg_quick_name_problem(interface)
    if why:
        problems.append(why)
    if not addresses:
        problems.append("address is empty: give the interface's address with its prefix length, such as 192.168.31.11/24")
    for index, address in enumerate(addresses):
        why = address_problem(address)
        if why:
            problems.append("address[%d]: %s" % (index, why))
    if listen_port is not None and not 1 <= listen_port <= MAX_PORT:
        problems.append("listen_port %d is outside 1-%d" % (listen_port, MAX_PORT))
    return problems


def key_path(interface: str) -> str:
    return "%s/%s.key" % (wireguard_peers_file.WIREGUARD_DIRECTORY, interface)


def conf_path(interface: str) -> str:
    return "%s/%s.conf" % (wireguard_peers_file.WIREGUARD_DIRECTORY, interface)


def unit_name(interface: str) -> str:
    return "wg-quick@%s.service" % interface


def drop_in_path(unit_directory: str, interface: str) -> str:
    return "%s/%s.d/multisite-vpn.conf" % (unit_directory, unit_name(interface))


def render_conf(interface: str, addresses: list[str], listen_port: int | None, routes=(), peer_address=None, uplink=None,
                default_route=False) -> str:
    """The wg-quick configuration: interface settings only. The private key is set from its file and the peers are
    loaded from theirs once the interface is up, then the routes are added (wg-quick adds none for those peers).

    With PEER_ADDRESS, the IPv4 address is a point-to-point one (wg-quick's Address cannot say so): the kernel routes
    the far end alone into the interface, and BGP's neighbour there counts as directly connected. With UPLINK, the
    tunnel's own packets leave by that uplink (uplink_lines). With DEFAULT_ROUTE, the host's default route is the one
    BGP brings from its hubs (default_route_lines)."""
    addresses = [address.strip() for address in addresses]
    point_to_point = [address for address in addresses if peer_address is not None and ":" not in address]
    listed = [address for address in addresses if address not in point_to_point]
    lines = [
        "# Managed by multisite.vpn.wireguard_interface.",
        "# Interface settings only. The private key stays in %s.key and the peers in" % interface,
        "# %s.peers.conf (both managed by the same module)." % interface,
        "[Interface]",
    ]
    if listed:
        lines.append("Address = %s" % ", ".join(listed))
    if listen_port is not None:
        lines.append("ListenPort = %d" % listen_port)
    if uplink is not None:
        lines += uplink_lines(uplink, listen_port)
    if default_route:
        lines += default_route_lines(uplink)
    lines += ["PostUp = ip -4 address add %s peer %s/32 dev %%i" % (address, ipaddress.ip_interface(str(peer_address).strip()).ip)
              for address in point_to_point]
    lines += [
        "PostUp = wg set %i private-key /etc/wireguard/%i.key",
        "# No link layer: an ICMP redirect to another peer of this interface is never right.",
        "PostUp = sysctl -qw net.ipv4.conf.%i.send_redirects=0",
        "PostUp = test ! -e /etc/wireguard/%i.peers.conf || wg addconf %i /etc/wireguard/%i.peers.conf",
    ]
    if routes:
        lines.append("# Routes into the interface; they go with it when it goes down, and their rules at the stop.")
        lines += [line for route in routes for line in route_lines(route)]
    return "".join(line + "\n" for line in lines)


def conf_settings(text: str | None) -> list[tuple]:
    """What wg-quick makes of a configuration TEXT: its sections and settings in order, comments and spacing left out.
    Two texts with the same settings bring up the same interface, so only a change here needs a restart."""
    if text is None:
        return []
    return [(line.section, line.key, line.value, None if line.key or line.section else line.text)
            for line in key_value_lines(text, inline_comments=True, sections=True)]


def unit_actions(enabled: bool, active: bool, needs_reload: bool, settings_changed: bool, drop_in_changed: bool,
                 key_replaced: bool) -> list[str]:
    """What systemd (and wg) must do, in order, for the interface's unit in the given state after the given changes.

    A running interface is restarted only when its settings changed (wg syncconf never changes addresses); a replaced
    key alone is set live, which keeps the interface and its routes.
    """
    actions = [DAEMON_RELOAD] if drop_in_changed or needs_reload else []
    actions += start_actions(enabled, active, settings_changed)
    if active and not settings_changed and key_replaced:
        actions.append(SET_PRIVATE_KEY)
    return actions


def unit_state_text(enabled: bool, active: bool) -> str:
    return "enabled: %s\nactive: %s\n" % ("yes" if enabled else "no", "yes" if active else "no")
