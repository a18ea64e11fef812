# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What is wrong with the hubs and spokes of an inventory, and with the variables of role wireguard_interface.

Found on the controller before any play touches a host: playbooks/validate.yml runs inventory_problems once
for the whole inventory (every problem of every host in one list), role wireguard_interface runs
wireguard_interface_problems at each of its entry points. The hub role takes its default peers from
spokes_of_hub, which reads spoke_hubs exactly as the checks do: both read the inventory through
plugins/plugin_utils/inventory_values.py, as reverse_proxy does.

Each problem is one message that starts with the name of the variable to fix (inventory_problems: the host,
then the variable). A secret's value (a private key) never appears in one: a message says what is wrong with
it, never what it is. The documentation of each filter is in the C(<filter>.yml) file next to this one.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.multisite.vpn.plugins.filter.network import subnet_blocks
from ansible_collections.multisite.vpn.plugins.filter.reverse_proxy import reverse_proxy_problems
from ansible_collections.multisite.vpn.plugins.filter.routing import ASN_BASE, ROUTING_MODES, asn_problem, bfd_problem, default_route_problem, routing_mode
from ansible_collections.multisite.vpn.plugins.filter.uplinks import MAX_UPLINK_ID, UPLINK_KEYS, UPLINKS_KEYS, uplink_link
from ansible_collections.multisite.vpn.plugins.module_utils.prefixes import read_prefix
from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_interface import address_problem as interface_address_problem
from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_interface import wg_quick_name_problem
from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_key import key_problem
from ansible_collections.multisite.vpn.plugins.plugin_utils.inventory_values import (
    UNSET,
    InventoryReader,
    Unreadable,
    integer,
    kind,
    port_problem,
    show,
    spokes_of_hub,
)

HOST_LABEL = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$")
HUB_TUNNEL_KEYS = ("interface", "ipv4", "port", "endpoint")
HUB_TUNNEL_OPTIONAL_KEYS = ("routing", "uplinks")
PUBLIC_IPV6_KEYS = ("wan_interface", "wan_address", "prefix", "spoke_prefix_length", "ndp_proxy")
PUBLIC_IPV6_REQUIRED = ("wan_interface", "wan_address", "prefix")
NDP_PROXY_MODES = ("kernel", "ndppd")
BGP_PORT = 179
MAX_KEEPALIVE = 65535
# The hub holds host number 1 of its tunnel subnet; spokes start above it.
HUB_INDEX = 1
# The longest tunnel prefix that holds the hub and at least one spoke.
LONGEST_TUNNEL_PREFIX = 30


def interface_problem(name) -> str | None:
    """Why NAME cannot be the name of a WireGuard interface that wg-quick@ brings up, or None."""
    if not isinstance(name, str):
        return "is %s, not a string such as wg-oci" % kind(name)
    if not name:
        return "is empty: give the interface's name, such as wg-oci"
    why = wg_quick_name_problem(name)
    # Its messages start with the word "interface"; ours start with the variable's name.
    return why[len("interface "):] if why and why.startswith("interface ") else why


def address_problem(address) -> str | None:
    """Why ADDRESS is not an interface address with its prefix length (192.168.31.11/24), or a list of them, or None."""
    if isinstance(address, list) and address:
        problems = ["[%d]: %s" % (index, address_problem(item)) for index, item in enumerate(address) if address_problem(item)]
        return "; ".join(problems) or None
    if not isinstance(address, str):
        return "is %s, not an address with its prefix length such as 192.168.31.11/24" % kind(address)
    return interface_address_problem(address)


def private_key_problem(key) -> str | None:
    """Why KEY (a secret, never shown) is not a WireGuard private key, or None; empty means none given."""
    if key is None or key == "":
        return None
    if not isinstance(key, str):
        return "is %s, not a string: give the output of wg genkey (the value is not shown)" % kind(key)
    # A vault value ends in a newline; the wireguard_key module strips it too.
    why = key_problem(key.strip())
    if why:
        return "is not a WireGuard private key: %s; give the output of wg genkey (the value is not shown)" % why
    return None


def tunnel_subnet_problem(subnet):
    """(network, None) for a hub's tunnel subnet such as 192.168.31.0/24, else (None, why not)."""
    example = "such as 192.168.31.0/24"
    if not isinstance(subnet, str):
        return None, "is %s, not an IPv4 subnet %s" % (kind(subnet), example)
    if "/" not in subnet:
        try:
            ipaddress.IPv4Address(subnet.strip())
        except ValueError:
            return None, "%s is not an IPv4 subnet %s" % (show(subnet), example)
        return None, "%s has no prefix length: give the tunnel's subnet, %s" % (show(subnet), example)
    if ":" in subnet:
        return None, "%s is IPv6: ipv4 is the tunnel's IPv4 subnet, %s" % (show(subnet), example)
    try:
        return _roomy(ipaddress.IPv4Network(subnet.strip()))
    except ValueError:
        pass
    try:
        meant = ipaddress.IPv4Network(subnet.strip(), strict=False)
    except ValueError:
        return None, "%s is not an IPv4 subnet %s" % (show(subnet), example)
    return None, "%s has host bits set; did you mean %s? (the hub holds the subnet's first address)" % (show(subnet), meant)


def _roomy(network):
    if network.prefixlen > LONGEST_TUNNEL_PREFIX:
        return None, "%s has no room for the hub and a spoke: give a /%d or shorter prefix" % (network, LONGEST_TUNNEL_PREFIX)
    return network, None


def endpoint_problem(endpoint) -> str | None:
    """Why ENDPOINT is not the DNS name or address spokes reach a hub by (without a port), or None."""
    if not isinstance(endpoint, str):
        return "is %s, not a DNS name such as hub-oci.example.net" % kind(endpoint)
    text = endpoint.strip()
    if not text:
        return "is empty: give the DNS name spokes reach the hub by, such as hub-oci.example.net"
    if any(character.isspace() for character in endpoint) or "/" in text:
        return "%s is not a DNS name or address (whitespace, '/' or a URL): give the name alone, such as hub-oci.example.net" % show(endpoint)
    if text.startswith("["):
        try:
            ipaddress.IPv6Address(text[1:-1] if text.endswith("]") else "")
            return None
        except ValueError:
            return "%s is not an IPv6 address in brackets, such as [2001:db8::1]" % show(endpoint)
    try:
        ipaddress.ip_address(text)
    except ValueError:
        pass
    else:
        if ":" in text:
            return "%s is an IPv6 address: write it in brackets, [%s], as spokes add ':<port>' to it" % (show(endpoint), text)
        return None
    if ":" in text:
        return "%s has a port: give the name or address alone; the port is hub_tunnel.port" % show(endpoint)
    labels = text[:-1].split(".") if text.endswith(".") else text.split(".")
    # An all-digit last label is a mistyped address (1.2.3.256), never a DNS name.
    if len(text) > 253 or not all(HOST_LABEL.match(label) for label in labels) or labels[-1].isdigit():
        return "%s is neither a DNS name nor an IP address" % show(endpoint)
    return None


def wireguard_interface_problems(variables) -> list[str]:
    """What is wrong with the variables of role wireguard_interface that VARIABLES holds (those it has only)."""
    variables = dict(variables or {})
    checks = (
        ("wireguard_interface_name", interface_problem),
        ("wireguard_interface_address", address_problem),
        ("wireguard_interface_listen_port", port_problem),
        ("wireguard_interface_private_key", private_key_problem),
    )
    problems = []
    for name, check in checks:
        if name in variables:
            why = check(variables[name])
            if why:
                problems.append("%s: %s" % (name, why))
    return problems


class _Inventory(InventoryReader):
    """The hubs and spokes of one inventory, read once from its hostvars; problems kept per host."""

    def __init__(self, hostvars, groups):
        super().__init__(hostvars, groups)
        self.problems: dict[str, list[str]] = {host: [] for host in self.hubs + self.spokes}

    def add(self, host: str, variable: str, why: str):
        self.problems[host].append("%s: %s" % (variable, why))

    def readable(self, host: str, name: str, secret: bool = False):
        """The value, or UNSET; an unreadable value is reported (once) and taken as UNSET."""
        value = self.read(host, name, secret)
        if isinstance(value, Unreadable):
            if not any(problem.startswith(name + ": ") for problem in self.problems[host]):
                self.add(host, name, value.why)
            return UNSET
        return value

    def tunnels(self) -> dict:
        """{hub: its tunnel} for the hubs whose hub_tunnel is set; a tunnel's network, port and interface are None
        where they are wrong (reported on the hub)."""
        found = {}
        for hub in self.hubs:
            tunnel = self.read(hub, "hub_tunnel")
            if tunnel is not UNSET:
                found[hub] = {"network": None, "port": None, "interface": None}
        return found


def _check_hub(inventory: _Inventory, hub: str, tunnels: dict, seen: dict):
    tunnel = inventory.readable(hub, "hub_tunnel")
    if tunnel is not UNSET:
        _check_tunnel(inventory, hub, tunnel, tunnels, seen)
    key = inventory.readable(hub, "hub_private_key", secret=True)
    why = private_key_problem(key) if key is not UNSET else None
    if why:
        inventory.add(hub, "hub_private_key", why)
    port = inventory.readable(hub, "hub_ssh_port")
    if port is not UNSET and port_problem(port):
        inventory.add(hub, "hub_ssh_port", port_problem(port))
    if hub in inventory.spokes:
        inventory.add(hub, "groups", "%s is in both groups hubs and spokes: a host is a hub or a spoke, not both" % hub)
    public = inventory.readable(hub, "hub_public_ipv6")
    if public not in (UNSET, None, {}):
        _check_public_ipv6(inventory, hub, public)
    entries = inventory.readable(hub, "hub_reverse_proxy")
    if entries is not UNSET:
        inventory.problems[hub].extend(reverse_proxy_problems(entries, inventory.hostvars, {"hubs": inventory.hubs, "spokes": inventory.spokes}, hub))
        if isinstance(tunnel, Mapping) and routing_mode(tunnel) == "bgp" and isinstance(entries, list):
            for position, entry in enumerate(entries):
                if isinstance(entry, Mapping) and entry.get("port") == BGP_PORT:
                    inventory.add(hub, "hub_reverse_proxy[%d].port" % position, "%d is BGP's port, which BIRD listens on for the "
                                  "spokes (hub_tunnel.routing bgp)" % BGP_PORT)


def _public_ipv6_layout(inventory: _Inventory, hub: str, public):
    """(prefix, spoke block length, WAN address) of HUB's hub_public_ipv6 when it is right, else None (each problem reported)."""
    name = "hub_public_ipv6"
    if not isinstance(public, Mapping):
        inventory.add(hub, name, "is %s, not a mapping of %s" % (kind(public), ", ".join(PUBLIC_IPV6_KEYS)))
        return None
    problems = len(inventory.problems[hub])
    for key in public:
        if key not in PUBLIC_IPV6_KEYS:
            inventory.add(hub, name, "%s is not one of its keys (%s)" % (show(key), ", ".join(PUBLIC_IPV6_KEYS)))
    for key in PUBLIC_IPV6_REQUIRED:
        if public.get(key) is None:
            inventory.add(hub, "%s.%s" % (name, key), "not set (%s takes %s)" % (name, ", ".join(PUBLIC_IPV6_KEYS)))
    if public.get("wan_interface") is not None and interface_problem(public["wan_interface"]):
        inventory.add(hub, name + ".wan_interface", interface_problem(public["wan_interface"]))
    if public.get("ndp_proxy", "kernel") not in NDP_PROXY_MODES:
        inventory.add(hub, name + ".ndp_proxy", "%s is not one of %s" % (show(public.get("ndp_proxy")), ", ".join(NDP_PROXY_MODES)))
    length = integer(public.get("spoke_prefix_length", 128))
    if length is None or not 1 <= length <= 128:
        inventory.add(hub, name + ".spoke_prefix_length", "%s is not a prefix length from 1 to 128" % show(public.get("spoke_prefix_length")))
    elif length < 128 and public.get("ndp_proxy", "kernel") == "kernel":
        inventory.add(hub, name + ".spoke_prefix_length", "is %d, but ndp_proxy kernel answers for single addresses only (the kernel "
                      "refuses prefixes): give each spoke a /128, or set ndp_proxy: ndppd, which answers for whole prefixes" % length)
    wan = _public_wan_address(inventory, hub, public.get("wan_address"))
    prefix = _public_prefix(inventory, hub, public.get("prefix"))
    if wan is not None and prefix is not None:
        if not prefix.subnet_of(wan.network):
            inventory.add(hub, name + ".prefix", "%s is outside %s, the hub's prefix on its WAN: the provider's router sends this "
                          "hub only the traffic for %s" % (prefix, wan.network, wan.network))
        elif prefix == wan.network or wan.ip in prefix:
            inventory.add(hub, name + ".prefix", "%s holds the hub's own address %s: carve a part of %s that leaves it out, such as %s"
                          % (prefix, wan.ip, wan.network, _free_part(wan)))
    if len(inventory.problems[hub]) > problems or wan is None or prefix is None:
        return None
    return prefix, length, wan


def _free_part(wan) -> str:
    """A /80 of the WAN's /64 (a longer part of a longer prefix) that leaves the hub's own address out."""
    length = min(max(wan.network.prefixlen + 1, 80), 128)
    for part in wan.network.subnets(new_prefix=length):
        if wan.ip not in part and part.network_address != wan.network.network_address:
            return str(part)
    return str(wan.network)


def _public_wan_address(inventory: _Inventory, hub: str, value):
    if value is None:
        return None
    why = address_problem(value)
    if why is None:
        interface = ipaddress.ip_interface(value.strip())
        if interface.version == 6:
            return interface
        why = "%s is IPv4: give the hub's IPv6 address on its WAN with the provider's prefix length, such as 2001:db8:0:5::1/64" % show(value)
    inventory.add(hub, "hub_public_ipv6.wan_address", why)
    return None


def _public_prefix(inventory: _Inventory, hub: str, value):
    if value is None:
        return None
    network, meant = read_prefix(value) if isinstance(value, str) and "/" in value else (None, None)
    if network is None:
        if meant is None:
            inventory.add(hub, "hub_public_ipv6.prefix", "%s is not a prefix such as 2001:db8:0:5:1::/80" % show(value))
        else:
            inventory.add(hub, "hub_public_ipv6.prefix", "%s has host bits set; did you mean %s?" % (show(value), meant))
        return None
    if network.version != 6:
        inventory.add(hub, "hub_public_ipv6.prefix", "%s is IPv4: spokes get public addresses from an IPv6 prefix" % show(value))
        return None
    return network


def _check_public_ipv6(inventory: _Inventory, hub: str, public):
    """The hub's hub_public_ipv6, and a block of its prefix for every spoke of the hub (by site_id)."""
    layout = _public_ipv6_layout(inventory, hub, public)
    if layout is None:
        return
    prefix, length, wan = layout
    site_ids = {}
    for spoke in inventory.spokes:
        hubs = inventory.hub_names(spoke)
        site_id = inventory.read(spoke, "site_id")
        if hubs is not None and hub in hubs and isinstance(site_id, int) and not isinstance(site_id, bool) and site_id > 0:
            site_ids[spoke] = site_id
    # Two spokes with one site_id are reported on the spoke (site_id); here only what the hub's prefix cannot give.
    unique = {}
    for spoke, site_id in site_ids.items():
        if site_id not in unique.values():
            unique[spoke] = site_id
    try:
        subnet_blocks(unique, str(prefix), length, [str(wan.ip)])
    except AnsibleFilterError as error:
        inventory.add(hub, "hub_public_ipv6.prefix", "cannot give every spoke of this hub a /%d by its site_id: %s" % (length, error.message))


def _check_tunnel(inventory: _Inventory, hub: str, tunnel, tunnels: dict, seen: dict):
    if not isinstance(tunnel, Mapping):
        inventory.add(hub, "hub_tunnel", "is %s, not a mapping of %s" % (kind(tunnel), ", ".join(HUB_TUNNEL_KEYS)))
        return
    for key in tunnel:
        if key not in HUB_TUNNEL_KEYS + HUB_TUNNEL_OPTIONAL_KEYS:
            inventory.add(hub, "hub_tunnel", "%s is not one of its keys (%s)" % (show(key), ", ".join(HUB_TUNNEL_KEYS + HUB_TUNNEL_OPTIONAL_KEYS)))
    if tunnel.get("routing") is not None and tunnel["routing"] not in ROUTING_MODES:
        inventory.add(hub, "hub_tunnel.routing", "%s is not one of %s" % (show(tunnel["routing"]), ", ".join(ROUTING_MODES)))
    if tunnel.get("uplinks") is not None:
        tunnels[hub]["uplinks"] = _check_uplinks_pool(inventory, hub, tunnel)
    missing = [key for key in HUB_TUNNEL_KEYS if tunnel.get(key) is None]
    for key in missing:
        inventory.add(hub, "hub_tunnel." + key, "not set (hub_tunnel takes %s)" % ", ".join(HUB_TUNNEL_KEYS))
    entry = tunnels[hub]
    checks = (
        ("interface", interface_problem, "interface"),
        ("port", port_problem, "port"),
        ("endpoint", endpoint_problem, None),
    )
    for key, check, keep in checks:
        if key in missing:
            continue
        why = check(tunnel[key])
        if why:
            inventory.add(hub, "hub_tunnel." + key, why)
        elif keep:
            entry[keep] = integer(tunnel[key]) if key == "port" else tunnel[key]
    if "ipv4" not in missing:
        network, why = tunnel_subnet_problem(tunnel["ipv4"])
        if why:
            inventory.add(hub, "hub_tunnel.ipv4", why)
        entry["network"] = network
    # A spoke has one interface per hub, named after the hub's tunnel, listening on the hub's port, holding the
    # hub's whole subnet: two hubs must not share a name or a port, nor overlap.
    for key, what in (("interface", "interface"), ("port", "port")):
        if entry[key] is not None:
            other = seen.setdefault(key, {}).setdefault(entry[key], hub)
            if other != hub:
                inventory.add(hub, "hub_tunnel." + key, "%s is also the %s of %s's tunnel: each spoke has one interface per hub, "
                              "named after its tunnel and listening on its port, so every hub needs its own"
                              % (show(entry[key]), what, other))
    if entry["network"] is not None:
        for other, network in seen.setdefault("network", {}).items():
            if network.overlaps(entry["network"]):
                inventory.add(hub, "hub_tunnel.ipv4", "%s overlaps %s, the tunnel of %s: each spoke holds the whole subnet of "
                              "every hub's tunnel, so they must not overlap" % (entry["network"], network, other))
        seen["network"][hub] = entry["network"]


def _check_spoke_hubs(inventory: _Inventory, spoke: str, tunnels: dict):
    """The hubs of SPOKE whose tunnels can be checked further (those without problems of their own)."""
    if isinstance(inventory.read(spoke, "spoke_hubs"), Unreadable):
        inventory.readable(spoke, "spoke_hubs")
        return []
    value = inventory.read(spoke, "spoke_hubs")
    with_tunnel = [hub for hub in inventory.hubs if hub in tunnels]
    if value is UNSET:
        if not with_tunnel:
            inventory.add(spoke, "spoke_hubs", "not set, and no host of group hubs has a hub_tunnel, so %s would have no tunnel: "
                          "set hub_tunnel on the hubs" % spoke)
        return with_tunnel
    if isinstance(value, str):
        return inventory.add(spoke, "spoke_hubs", "%s is a string, not a list: write spoke_hubs: [%s]" % (show(value), value)) or []
    if not isinstance(value, list):
        return inventory.add(spoke, "spoke_hubs", "is %s, not a list of hub names such as [hub-oci, hub-gcp]" % kind(value)) or []
    if not value:
        inventory.add(spoke, "spoke_hubs", "is empty: %s would have no tunnel, and every hub would remove it from its peers, which "
                      "cuts the tunnels the controller reaches it through; to take a spoke out, remove it from group spokes" % spoke)
        return []
    usable = []
    hubs_named = ", ".join(inventory.hubs) or "none"
    for position, hub in enumerate(value):
        if not isinstance(hub, str):
            inventory.add(spoke, "spoke_hubs[%d]" % position, "%s is %s, not a hub's name" % (show(hub), kind(hub)))
        elif hub in value[:position]:
            inventory.add(spoke, "spoke_hubs", "%s is listed twice" % hub)
        elif hub not in inventory.hosts:
            inventory.add(spoke, "spoke_hubs", "%s is not a host of the inventory (group hubs: %s)" % (show(hub), hubs_named))
        elif hub not in inventory.hubs:
            inventory.add(spoke, "spoke_hubs", "%s is not a host of group hubs (%s)" % (hub, hubs_named))
        elif hub not in tunnels:
            inventory.add(spoke, "spoke_hubs", "%s has no hub_tunnel, so there is no tunnel to keep to it: set hub_tunnel in %s's "
                          "host_vars, or leave it out (hubs with a tunnel: %s)" % (hub, hub, ", ".join(with_tunnel) or "none"))
        else:
            usable.append(hub)
    return usable


NO_SITE_ID = ("not set: every spoke needs a stable site id of its own (group_vars/site_<name>.yml), from which its "
              "host number in every tunnel (wireguard_host_index) is derived")


def _check_site_id(inventory: _Inventory, spoke: str):
    """This spoke's site_id when it is a positive integer, else UNSET (reported when wrong)."""
    site_id = inventory.readable(spoke, "site_id")
    if site_id is UNSET:
        return UNSET
    if isinstance(site_id, bool) or not isinstance(site_id, int):
        hint = ": write it without quotes" if integer(site_id) is not None else ""
        inventory.add(spoke, "site_id", "%s is %s, not an integer%s" % (show(site_id), kind(site_id), hint))
        return UNSET
    if site_id < 1:
        inventory.add(spoke, "site_id", "%d is not a positive integer: site ids start at 1" % site_id)
        return UNSET
    return int(site_id)


def _check_index(inventory: _Inventory, spoke: str, hubs: list, tunnels: dict, site_id):
    """This spoke's host number in the tunnels of HUBS, or None (reported when wrong)."""
    index = inventory.read(spoke, "wireguard_host_index")
    if index is UNSET or (isinstance(index, Unreadable) and "'site_id' is undefined" in index.why):
        if inventory.read(spoke, "site_id") is UNSET:
            inventory.add(spoke, "site_id", NO_SITE_ID)
        else:
            inventory.add(spoke, "wireguard_host_index", "not set: the spoke's host number in every tunnel, which the shipped "
                          "inventories derive from site_id in group_vars/spokes.yml (wireguard_host_index: \"{{ 10 + site_id | int }}\")")
        return None
    if isinstance(index, Unreadable):
        inventory.add(spoke, "wireguard_host_index", index.why)
        return None
    number = integer(index)
    if number is None:
        inventory.add(spoke, "wireguard_host_index", "%s is %s, not an integer" % (show(index), kind(index)))
        return None
    if number <= HUB_INDEX:
        inventory.add(spoke, "wireguard_host_index", "%d is not above %d: the hub holds host number %d of its tunnel, spokes "
                      "the numbers above it" % (number, HUB_INDEX, HUB_INDEX))
        return None
    for hub in hubs:
        network = tunnels[hub]["network"]
        if network is None:
            continue
        last = network.num_addresses - 2
        if number > last:
            hint = ""
            if site_id is not UNSET and number - site_id <= last:
                hint = ", so site_id can be %d at most" % (last - (number - site_id))
            inventory.add(spoke, "wireguard_host_index", "%d is beyond the last host of %s, the tunnel of %s: host numbers go up "
                          "to %d%s" % (number, network, hub, last, hint))
            return None
    return number


def _check_spoke(inventory: _Inventory, spoke: str, tunnels: dict, taken: dict):
    hubs = _check_spoke_hubs(inventory, spoke, tunnels)
    site_id = _check_site_id(inventory, spoke)
    number = _check_index(inventory, spoke, hubs, tunnels, site_id)
    if site_id is not UNSET:
        other = taken.setdefault("site_id", {}).setdefault(site_id, spoke)
        if other != spoke:
            inventory.add(spoke, "site_id", "%d is also the site_id of %s: every site needs an id of its own (the spoke's address "
                          "in every tunnel is derived from it)" % (site_id, other))
    if number is not None:
        for hub in hubs:
            owners = taken.setdefault("index", {}).setdefault(hub, {})
            other = owners.setdefault(number, (spoke, site_id))
            network = tunnels[hub]["network"]
            # Two spokes with one site_id are reported above; one address from two site ids is reported here.
            if other[0] != spoke and (site_id is UNSET or other[1] != site_id) and network is not None:
                inventory.add(spoke, "wireguard_host_index", "%d is also the host number of %s, so both would be %s in the tunnel of %s "
                              "(WireGuard has no duplicate address detection): give each spoke its own"
                              % (number, other[0], network.network_address + number, hub))
                break
    port = inventory.readable(spoke, "spoke_ssh_port")
    if port is not UNSET and port_problem(port):
        inventory.add(spoke, "spoke_ssh_port", port_problem(port))
    services = inventory.readable(spoke, "spoke_public_ipv6_services")
    if services is not UNSET:
        _check_services(inventory, spoke, "spoke_public_ipv6_services", services)
    for name, lowest, highest in (("spoke_persistent_keepalive", 0, MAX_KEEPALIVE), ("spoke_reresolve_interval", 1, None)):
        value = inventory.readable(spoke, name)
        if value is UNSET:
            continue
        number = integer(value)
        if number is None:
            inventory.add(spoke, name, "%s is %s, not a number of seconds" % (show(value), kind(value)))
        elif highest is None and number < lowest:
            inventory.add(spoke, name, "%d is not a positive number of seconds" % number)
        elif number < lowest or (highest is not None and number > highest):
            inventory.add(spoke, name, "%d is outside %d-%d seconds" % (number, lowest, highest))


def _check_services(inventory: _Inventory, host: str, name: str, services):
    """A list of {port, protocol: tcp|udp, sources: [prefixes], comment} (the host firewall's services)."""
    if not isinstance(services, list):
        inventory.add(host, name, "is %s, not a list of {port, protocol, sources, comment}" % kind(services))
        return
    for position, service in enumerate(services):
        where = "%s[%d]" % (name, position)
        if not isinstance(service, Mapping):
            inventory.add(host, where, "is %s, not a mapping of port, protocol, sources, comment" % kind(service))
            continue
        for key in service:
            if key not in ("port", "protocol", "sources", "comment"):
                inventory.add(host, where, "%s is not one of its keys (port, protocol, sources, comment)" % show(key))
        if port_problem(service.get("port")):
            inventory.add(host, where + ".port", port_problem(service.get("port")))
        if service.get("protocol") not in ("tcp", "udp"):
            inventory.add(host, where + ".protocol", "%s is not tcp or udp" % show(service.get("protocol")))
        sources = service.get("sources", [])
        if not isinstance(sources, list):
            inventory.add(host, where + ".sources", "is %s, not a list of prefixes (empty: from anywhere)" % kind(sources))
            continue
        for source in sources:
            try:
                network = ipaddress.ip_network(str(source).strip())
            except ValueError:
                inventory.add(host, where + ".sources", "%s is not an address or a prefix without host bits" % show(source))
                continue
            if network.version != 6:
                inventory.add(host, where + ".sources", "%s is IPv4: the public address is IPv6, so only IPv6 sources reach it" % show(source))


def _check_hub_spokes(inventory: _Inventory, hub: str):
    """An explicit hub_spokes must agree with the spokes' spoke_hubs: each tunnel needs both of its ends."""
    listed = inventory.readable(hub, "hub_spokes")
    if listed is UNSET:
        return
    if not isinstance(listed, list) or not all(isinstance(spoke, str) for spoke in listed):
        inventory.add(hub, "hub_spokes", "is %s, not a list of spoke names" % kind(listed))
        return
    for spoke in listed:
        if spoke not in inventory.spokes:
            inventory.add(hub, "hub_spokes", "%s is not a host of group spokes (%s)" % (show(spoke), ", ".join(inventory.spokes) or "none"))
            continue
        hubs = inventory.hub_names(spoke)
        if hubs is not None and hub not in hubs:
            inventory.add(hub, "hub_spokes", "%s does not name %s in its spoke_hubs, so it has no interface for this tunnel" % (spoke, hub))
    for spoke in inventory.spokes:
        hubs = inventory.hub_names(spoke)
        if hubs is not None and hub in hubs and spoke not in listed:
            inventory.add(hub, "hub_spokes", "leaves out %s, whose spoke_hubs names %s: that spoke's tunnel to this hub would have "
                          "no peer here" % (spoke, hub))


def _routing_hosts(inventory: _Inventory) -> list[str]:
    """The hubs whose tunnel is in mode bgp, and the spokes that keep a tunnel to one of them."""
    bgp_hubs = [hub for hub in inventory.hubs if isinstance(inventory.read(hub, "hub_tunnel"), Mapping)
                and routing_mode(inventory.read(hub, "hub_tunnel")) == "bgp"]
    spokes = [spoke for spoke in inventory.spokes if spoke not in inventory.hubs
              and set(inventory.hub_names(spoke) or ()) & set(bgp_hubs)]
    return bgp_hubs + spokes


def _routing_asn(inventory: _Inventory, host: str):
    """HOST's AS number when it has a right one, else None (reported)."""
    asn = inventory.readable(host, "routing_asn")
    if asn is not UNSET:
        why = asn_problem(asn)
        if why:
            inventory.add(host, "routing_asn", why)
            return None
        return asn
    site_id = inventory.readable(host, "site_id")
    if site_id is UNSET:
        if host in inventory.hubs:  # a spoke without one is told so with the spoke
            inventory.add(host, "site_id", "not set, so this hub has no AS number for BGP (%d + site_id): give it a site_id "
                          "of its own, or routing_asn" % ASN_BASE)
        return None
    if isinstance(site_id, bool) or not isinstance(site_id, int) or site_id < 1:
        if host in inventory.hubs:  # a spoke's site_id is checked with the spoke
            inventory.add(host, "site_id", "%s is not a positive integer (the AS number for BGP is %d + site_id)" % (show(site_id), ASN_BASE))
        return None
    why = asn_problem(ASN_BASE + site_id)
    if why:
        inventory.add(host, "site_id", "gives AS %d: %s" % (ASN_BASE + site_id, why))
        return None
    return ASN_BASE + site_id


def _routing_prefixes(inventory: _Inventory, host: str, routing: bool) -> list:
    """HOST's routing_prefixes as networks, those that are right (each problem reported)."""
    value = inventory.readable(host, "routing_prefixes")
    if value is UNSET or value == []:
        return []
    if not isinstance(value, list):
        inventory.add(host, "routing_prefixes", "is %s, not a list of prefixes such as [10.2.0.0/24]" % kind(value))
        return []
    if not routing:
        inventory.add(host, "routing_prefixes", "no hub this host keeps a tunnel to has hub_tunnel.routing bgp, so nothing would "
                      "announce them: set routing: bgp on a hub's hub_tunnel, or remove them")
        return []
    found = []
    for position, text in enumerate(value):
        where = "routing_prefixes[%d]" % position
        network, meant = read_prefix(text)
        if meant is not None:
            inventory.add(host, where, "%s has host bits set; did you mean %s?" % (text, meant))
        elif network is None:
            inventory.add(host, where, "%s is not a prefix such as 10.2.0.0/24" % show(text))
        elif network.version != 4:
            inventory.add(host, where, "%s: the tunnels carry IPv4 routes only (a spoke's public IPv6 comes from its hub's "
                          "hub_public_ipv6)" % network)
        elif network.prefixlen == 0:
            inventory.add(host, where, "0.0.0.0/0 would draw every other site's traffic to this one")
        else:
            found.append(network)
    return found


def _check_uplinks_pool(inventory: _Inventory, hub: str, tunnel):
    """The network of hub_tunnel.uplinks ({ipv4, port}: the links of spokes on several uplinks) when it is right, else
    None (reported)."""
    pool = tunnel["uplinks"]
    if not isinstance(pool, Mapping) or set(pool) != set(UPLINKS_KEYS):
        inventory.add(hub, "hub_tunnel.uplinks", "is not a mapping of ipv4 and port, such as {ipv4: 192.168.41.0/24, port: 51900}")
        return None
    if routing_mode(tunnel) != "bgp":
        inventory.add(hub, "hub_tunnel.uplinks", "needs routing: bgp (the traffic is spread over a site's uplinks by BGP)")
    why = port_problem(pool["port"])
    if why:
        inventory.add(hub, "hub_tunnel.uplinks.port", why)
    network, meant = read_prefix(str(pool["ipv4"]))
    if meant is not None:
        inventory.add(hub, "hub_tunnel.uplinks.ipv4", "%s has host bits set; did you mean %s?" % (pool["ipv4"], meant))
    elif network is None or network.version != 4 or network.prefixlen > 30:
        inventory.add(hub, "hub_tunnel.uplinks.ipv4", "%s is not an IPv4 prefix of a few /31 links, such as 192.168.41.0/24" % show(pool["ipv4"]))
    else:
        return network
    return None


def _uplinks(inventory: _Inventory, spoke: str):
    """SPOKE's spoke_uplinks when each is right ({id, name, interface, gateway}), else [] (each problem reported)."""
    value = inventory.readable(spoke, "spoke_uplinks")
    if value is UNSET or value == []:
        return []
    if not isinstance(value, list):
        inventory.add(spoke, "spoke_uplinks", "is %s, not a list of {id, name, interface, gateway}" % kind(value))
        return []
    good, seen = [], {}
    for position, uplink in enumerate(value):
        where = "spoke_uplinks[%d]" % position
        if not isinstance(uplink, Mapping) or set(uplink) != set(UPLINK_KEYS):
            inventory.add(spoke, where, "is not a mapping of exactly %s, such as {id: 2, name: softbank, interface: eth1, "
                          "gateway: 100.64.5.1}" % ", ".join(UPLINK_KEYS))
            continue
        problems = []
        if isinstance(uplink["id"], bool) or not isinstance(uplink["id"], int) or not 1 <= uplink["id"] <= MAX_UPLINK_ID:
            problems.append(("id", "%s is not an integer from 1 to %d (the uplink's own: its tunnels' addresses and ports come "
                             "from it)" % (show(uplink["id"]), MAX_UPLINK_ID)))
        why = interface_problem(uplink["interface"])
        if why:
            problems.append(("interface", why))
        try:
            gateway = ipaddress.ip_address(str(uplink["gateway"]))
        except ValueError:
            gateway = None
        if gateway is None or gateway.version != 4:
            problems.append(("gateway", "%s is not an IPv4 address (the uplink's router)" % show(uplink["gateway"])))
        for key in ("id", "name", "interface"):
            other = seen.setdefault((key, uplink[key] if not isinstance(uplink[key], (list, dict)) else repr(uplink[key])), position)
            if other != position:
                problems.append((key, "%s is also the %s of spoke_uplinks[%d]: each uplink needs its own" % (show(uplink[key]), key, other)))
        for key, why in problems:
            inventory.add(spoke, "%s.%s" % (where, key), why)
        if not problems:
            good.append(uplink)
    return good


def _check_uplinks(inventory: _Inventory, spoke: str, tunnels: dict, taken: dict):
    """A spoke on several uplinks: to hubs in mode bgp with a links pool only; every link fits its pool, has a name
    wg-quick takes, and a port no other tunnel of the spoke or the hub has."""
    uplinks = _uplinks(inventory, spoke)
    site_id = inventory.read(spoke, "site_id")
    if not uplinks or isinstance(site_id, bool) or not isinstance(site_id, int) or site_id < 1:
        return
    for hub in inventory.hub_names(spoke) or ():
        tunnel = inventory.read(hub, "hub_tunnel")
        if not isinstance(tunnel, Mapping) or hub not in tunnels:
            continue
        if routing_mode(tunnel) != "bgp" or tunnels[hub].get("uplinks") is None:
            inventory.add(spoke, "spoke_uplinks", "%s is not in mode bgp with uplinks (hub_tunnel.routing: bgp, hub_tunnel.uplinks): a "
                          "site on several uplinks keeps a tunnel per uplink to hubs that spread its traffic over them by BGP" % hub)
            continue
        if inventory.read(hub, "hub_public_ipv6") not in (UNSET, None, {}):
            inventory.add(spoke, "spoke_uplinks", "%s hands out public IPv6 (hub_public_ipv6), which a site on several uplinks "
                          "does not take yet" % hub)
        for uplink in uplinks:
            try:
                link = uplink_link(dict(tunnel), site_id, uplink)
            except AnsibleFilterError as error:
                inventory.add(spoke, "spoke_uplinks", "%s: %s" % (hub, error.message))
                continue
            why = wg_quick_name_problem(link["interface"])
            if why:
                inventory.add(spoke, "spoke_uplinks", "the tunnel to %s over uplink %d: %s (shorten hub_tunnel.interface)"
                              % (hub, uplink["id"], why))
            tunnel_ports = {tunnels[name]["port"]: "the tunnel of %s" % name for name in tunnels if tunnels[name]["port"] is not None}
            for host in (hub, spoke):
                ports = taken.setdefault("link_port", {}).setdefault(host, dict(tunnel_ports))
                other = ports.setdefault(link["port"], "link %s" % link["interface"])
                if other != "link %s" % link["interface"]:
                    inventory.add(spoke, "spoke_uplinks", "the port %d of link %s is also the port of %s on %s: give hub_tunnel.uplinks.port "
                                  "of %s a range of its own" % (link["port"], link["interface"], other, host, hub))


def _check_default_route(inventory: _Inventory, host: str, routing: bool):
    """routing_default_route: true or false; true only on a spoke with a hub in mode bgp, and the firewalls of both
    ends on (they keep answers on the uplink, forward and masquerade)."""
    value = inventory.readable(host, "routing_default_route")
    if value is UNSET:
        return
    why = default_route_problem(value)
    if why:
        inventory.add(host, "routing_default_route", why)
    elif value and host in inventory.hubs:
        inventory.add(host, "routing_default_route", "is for a spoke: a hub keeps its own default route")
    elif value and not routing:
        inventory.add(host, "routing_default_route", "no hub this host keeps a tunnel to has hub_tunnel.routing bgp, so none would "
                      "announce a default route: set routing: bgp on a hub's hub_tunnel, or remove it")
    elif value and inventory.read(host, "spoke_firewall") is not True:
        inventory.add(host, "routing_default_route", "needs spoke_firewall: true (the spoke role's default is false): its table answers "
                      "what comes by the uplink (SSH, say) by the uplink, where the default route through the hubs would send the "
                      "answers away, and lets the LAN out")
    elif value:
        for hub in inventory.hub_names(host) or ():
            tunnel = inventory.read(hub, "hub_tunnel")
            if isinstance(tunnel, Mapping) and routing_mode(tunnel) == "bgp" and inventory.read(hub, "hub_firewall") is False:
                inventory.add(host, "routing_default_route", "%s has hub_firewall: false, so it would announce a default route it neither "
                              "forwards nor masquerades (its table does both)" % hub)


def _check_routing(inventory: _Inventory, tunnels: dict):
    """AS numbers (private, one per host), BFD timers, and the prefixes of the sites that route over BGP, which overlap
    neither each other nor a tunnel."""
    hosts = _routing_hosts(inventory)
    owners: dict = {}
    announced: list = []
    for host in inventory.hubs + [spoke for spoke in inventory.spokes if spoke not in inventory.hubs]:
        routing = host in hosts
        for network in _routing_prefixes(inventory, host, routing):
            clash = next(((other, known) for other, known in announced if known.overlaps(network)), None)
            if clash is None:
                clash = next(((hub, pool) for hub, tunnel in tunnels.items() for pool in (tunnel["network"], tunnel.get("uplinks"))
                              if pool is not None and pool.overlaps(network)), None)
                what = "the tunnel of"
            else:
                what = "announced by" if clash[0] != host else "also listed by"
            if clash is not None:
                inventory.add(host, "routing_prefixes", "%s overlaps %s, %s %s: a prefix is announced by one site only" % (
                    network, clash[1], what, clash[0] if clash[0] != host else "this host"))
            announced.append((host, network))
        _check_default_route(inventory, host, routing)
        if not routing:
            continue
        asn = _routing_asn(inventory, host)
        if asn is not None:
            other = owners.setdefault(asn, host)
            if other != host:
                inventory.add(host, "routing_asn", "AS %d is also the AS number of %s: BGP drops a route whose path holds its own "
                              "AS number, so the two would never learn each other's prefixes" % (asn, other))
        bfd = inventory.readable(host, "routing_bfd")
        if bfd is not UNSET:
            why = bfd_problem(bfd)
            if why:
                inventory.add(host, "routing_bfd", why)


def inventory_problems(hostvars, groups) -> list[str]:
    """Every problem of the hubs and spokes of an inventory, as '<host>: <variable>: <what is wrong>'."""
    inventory = _Inventory(hostvars, groups)
    tunnels = inventory.tunnels()
    seen: dict = {}
    for hub in inventory.hubs:
        _check_hub(inventory, hub, tunnels, seen)
    taken: dict = {}
    for spoke in inventory.spokes:
        if spoke not in inventory.hubs:
            _check_spoke(inventory, spoke, tunnels, taken)
            _check_uplinks(inventory, spoke, tunnels, taken)
    for hub in inventory.hubs:
        if hub in tunnels:
            _check_hub_spokes(inventory, hub)
    _check_routing(inventory, tunnels)
    return ["%s: %s" % (host, problem) for host in inventory.problems for problem in inventory.problems[host]]


class FilterModule:
    """Checks of the inventory's hubs and spokes and of role multisite.vpn.wireguard_interface's variables."""

    def filters(self):
        return {
            "inventory_problems": inventory_problems,
            "spokes_of_hub": spokes_of_hub,
            "wireguard_interface_problems": wireguard_interface_problems,
        }
