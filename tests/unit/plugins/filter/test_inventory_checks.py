# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The checks of the inventory's hubs and spokes and of role wireguard_interface's variables, as tables.

The inventory is the lab's shape (three hubs, hub-vultr without a tunnel; three spokes on hub-oci and hub-gcp),
given as hostvars would give it; each case changes it and lists every problem expected, in order, as (the start
of the message: host and variable, a part of what follows). A template that fails is played both ways
ansible-core has: an undefined marker in the value's place (2.19) and an exception on access (earlier).
"""

from __future__ import annotations

import copy

import jinja2
import pytest

from ansible.errors import AnsibleFilterError, AnsibleUndefinedVariable
from ansible_collections.multisite.vpn.plugins.filter.inventory_checks import (
    FilterModule,
    inventory_problems,
    spokes_of_hub,
    wireguard_interface_problems,
)
from ansible_collections.multisite.vpn.tests.unit.plugins.filter.filter_documentation import documentation_tests

KEY = "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk="
# Secrets that must never be in a message: a wrong key is still someone's key, or the start of one.
SECRET_SHORT = "Secret-hub-key-9Xq"
SECRET_LONG = "Secret-hub-key-that-is-44-characters-long-Q="
DELETE = object()


class Raises:
    """A value whose template fails on access, as ansible-core before 2.19 reports it."""

    def __init__(self, message):
        self.message = message


class Vars(dict):
    """One host's hostvars: a Raises value raises when read."""

    def __getitem__(self, name):
        value = super().__getitem__(name)
        if isinstance(value, Raises):
            raise AnsibleUndefinedVariable(value.message)
        return value


def undefined(name):
    """What ansible-core 2.19 gives for a template that uses an undefined variable: a value that raises when used."""
    return jinja2.StrictUndefined(name=name)


def tunnel(interface, subnet, port, endpoint):
    return {"interface": interface, "ipv4": subnet, "port": port, "endpoint": endpoint}


def lab():
    hubs = {
        "hub-oci": {"hub_tunnel": tunnel("wg-oci", "192.168.31.0/24", 51820, "hub-oci.example.net")},
        "hub-gcp": {"hub_tunnel": tunnel("wg-gcp", "192.168.32.0/24", 51821, "hub-gcp.example.net")},
        "hub-vultr": {},
    }
    spokes = {
        name: {"site_id": site_id, "wireguard_host_index": 10 + site_id, "spoke_hubs": ["hub-oci", "hub-gcp"]}
        for name, site_id in (("spoke-jp", 1), ("spoke-us", 2), ("spoke-de", 3))
    }
    return hubs, spokes


def inventory(changes=None, groups=None):
    """(hostvars, groups) of the lab changed by CHANGES: {host: {variable: value or DELETE}}; GROUPS replaces groups."""
    hubs, spokes = lab()
    hostvars = {**copy.deepcopy(hubs), **copy.deepcopy(spokes), "ix2215-tokyo": {}}
    for host, variables in (changes or {}).items():
        for name, value in variables.items():
            if value is DELETE:
                hostvars.setdefault(host, {}).pop(name, None)
            else:
                hostvars.setdefault(host, {})[name] = value
    all_groups = {"all": list(hostvars), "hubs": list(hubs), "spokes": list(spokes), "ix_routers": ["ix2215-tokyo"]}
    all_groups.update(groups or {})
    return {host: Vars(variables) for host, variables in hostvars.items()}, all_groups


def oci(**changed):
    """hub-oci's hub_tunnel with CHANGED keys (DELETE removes one)."""
    value = tunnel("wg-oci", "192.168.31.0/24", 51820, "hub-oci.example.net")
    value.update(changed)
    return {key: item for key, item in value.items() if item is not DELETE}


NO_TUNNEL = {"hub-oci": {"hub_tunnel": DELETE}, "hub-gcp": {"hub_tunnel": DELETE}}


def public(**changed):
    """hub-oci's hub_public_ipv6 (the lab's hub-vultr values) with CHANGED keys (DELETE removes one)."""
    value = {"wan_interface": "eth0", "wan_address": "2001:db8:0:5::1/64", "prefix": "2001:db8:0:5:1::/80"}
    value.update(changed)
    return {"hub_public_ipv6": {key: item for key, item in value.items() if item is not DELETE}}


def service(**changed):
    value = {"port": 8080, "protocol": "tcp", "sources": []}
    value.update(changed)
    return {"spoke_public_ipv6_services": [value]}


ALL_SPOKES = ("spoke-jp", "spoke-us", "spoke-de")
# spoke-us on two uplinks, to hub-oci alone (in mode bgp, with a links pool).
HOME_UPLINKS = [{"id": 1, "name": "docomo", "interface": "eth0", "gateway": "100.64.4.1"},
                {"id": 2, "name": "softbank", "interface": "eth1", "gateway": "100.64.5.1"}]
# hub-oci in mode bgp, as a site of its own; each spoke with a LAN.
BGP = {"hub-oci": {"hub_tunnel": oci(routing="bgp"), "site_id": 101},
       **{spoke: {"routing_prefixes": ["10.%d.0.0/24" % site_id]} for site_id, spoke in enumerate(ALL_SPOKES, 1)}}
HOME = {**BGP, "hub-oci": {**BGP["hub-oci"], "hub_tunnel": oci(routing="bgp", uplinks={"ipv4": "192.168.41.0/24", "port": 51900})},
        "spoke-us": {**BGP["spoke-us"], "spoke_hubs": ["hub-oci"], "spoke_uplinks": HOME_UPLINKS}}

CASES = [
    ("good", {}, []),
    ("good-unset-spoke-hubs-default-to-hubs-with-a-tunnel", {spoke: {"spoke_hubs": DELETE} for spoke in ALL_SPOKES}, []),
    ("good-endpoint-ipv4", {"hub-oci": {"hub_tunnel": oci(endpoint="198.51.100.11")}}, []),
    ("good-endpoint-ipv6-in-brackets", {"hub-oci": {"hub_tunnel": oci(endpoint="[2001:db8::11]")}}, []),
    ("good-port-as-digits", {"hub-oci": {"hub_tunnel": oci(port="51820")}}, []),
    ("good-index-as-digits", {"spoke-jp": {"wireguard_host_index": "11"}}, []),
    ("good-private-key-from-a-vault-with-newline", {"hub-oci": {"hub_private_key": KEY + "\n"}}, []),
    ("good-empty-private-key", {"hub-oci": {"hub_private_key": ""}}, []),
    ("good-index-without-site-id", {"spoke-jp": {"site_id": DELETE}}, []),
    ("good-hub-spokes-explicit", {"hub-oci": {"hub_spokes": list(ALL_SPOKES)}}, []),
    # hub_tunnel: what the wireguard_interface role would have planned into files
    ("interface-path", {"hub-oci": {"hub_tunnel": oci(interface="../../x")}},
     [("hub-oci: hub_tunnel.interface: '../../x' ", "'/'")]),
    ("interface-21-characters", {"hub-oci": {"hub_tunnel": oci(interface="wg-oci-tokyo-primary1")}},
     [("hub-oci: hub_tunnel.interface: 'wg-oci-tokyo-primary1' ", "21 characters")]),
    ("interface-dot-dot", {"hub-oci": {"hub_tunnel": oci(interface="..")}}, [("hub-oci: hub_tunnel.interface: ", "'..'")]),
    ("interface-whitespace", {"hub-oci": {"hub_tunnel": oci(interface="wg oci")}}, [("hub-oci: hub_tunnel.interface: 'wg oci' ", "whitespace")]),
    ("interface-plus-for-systemd", {"hub-oci": {"hub_tunnel": oci(interface="wg+oci")}},
     [("hub-oci: hub_tunnel.interface: 'wg+oci' has a character wg-quick and systemd's unit names", "'_', '.' and '-'")]),
    ("interface-empty", {"hub-oci": {"hub_tunnel": oci(interface="")}}, [("hub-oci: hub_tunnel.interface: is empty", "wg-oci")]),
    ("interface-a-number", {"hub-oci": {"hub_tunnel": oci(interface=0)}}, [("hub-oci: hub_tunnel.interface: is an integer, not a string", "")]),
    ("ipv4-not-an-address", {"hub-oci": {"hub_tunnel": oci(ipv4="not-an-address")}},
     [("hub-oci: hub_tunnel.ipv4: 'not-an-address' is not an IPv4 subnet", "192.168.31.0/24")]),
    ("ipv4-no-prefix", {"hub-oci": {"hub_tunnel": oci(ipv4="192.168.31.0")}}, [("hub-oci: hub_tunnel.ipv4: '192.168.31.0' has no prefix length", "")]),
    ("ipv4-host-bits", {"hub-oci": {"hub_tunnel": oci(ipv4="192.168.31.1/24")}},
     [("hub-oci: hub_tunnel.ipv4: '192.168.31.1/24' has host bits set", "did you mean 192.168.31.0/24?")]),
    ("ipv4-is-ipv6", {"hub-oci": {"hub_tunnel": oci(ipv4="2001:db8:31::/64")}}, [("hub-oci: hub_tunnel.ipv4: '2001:db8:31::/64' is IPv6", "")]),
    ("ipv4-no-room", {"hub-oci": {"hub_tunnel": oci(ipv4="192.168.31.0/31")}}, [("hub-oci: hub_tunnel.ipv4: 192.168.31.0/31 has no room", "/30")]),
    ("port-70000", {"hub-oci": {"hub_tunnel": oci(port=70000)}}, [("hub-oci: hub_tunnel.port: 70000 is outside 1-65535", "")]),
    ("port-0", {"hub-oci": {"hub_tunnel": oci(port=0)}}, [("hub-oci: hub_tunnel.port: 0 is outside 1-65535", "")]),
    ("port-a-word", {"hub-oci": {"hub_tunnel": oci(port="wireguard")}}, [("hub-oci: hub_tunnel.port: 'wireguard' is a string, not a port number", "")]),
    ("port-a-bool", {"hub-oci": {"hub_tunnel": oci(port=True)}}, [("hub-oci: hub_tunnel.port: True is true or false, not a port number", "")]),
    ("endpoint-with-port", {"hub-oci": {"hub_tunnel": oci(endpoint="hub-oci.example.net:51820")}},
     [("hub-oci: hub_tunnel.endpoint: 'hub-oci.example.net:51820' has a port", "hub_tunnel.port")]),
    ("endpoint-bare-ipv6", {"hub-oci": {"hub_tunnel": oci(endpoint="2001:db8::11")}},
     [("hub-oci: hub_tunnel.endpoint: '2001:db8::11' is an IPv6 address", "[2001:db8::11]")]),
    ("endpoint-url", {"hub-oci": {"hub_tunnel": oci(endpoint="https://hub-oci.example.net")}}, [("hub-oci: hub_tunnel.endpoint: ", "URL")]),
    ("endpoint-empty", {"hub-oci": {"hub_tunnel": oci(endpoint="")}}, [("hub-oci: hub_tunnel.endpoint: is empty", "")]),
    ("endpoint-bad-address", {"hub-oci": {"hub_tunnel": oci(endpoint="198.51.100.300")}},
     [("hub-oci: hub_tunnel.endpoint: '198.51.100.300' is neither a DNS name nor an IP address", "")]),
    ("tunnel-unknown-key", {"hub-oci": {"hub_tunnel": oci(prot=51820)}}, [("hub-oci: hub_tunnel: 'prot' is not one of its keys", "endpoint")]),
    ("tunnel-missing-key", {"hub-oci": {"hub_tunnel": oci(endpoint=DELETE)}}, [("hub-oci: hub_tunnel.endpoint: not set", "")]),
    ("tunnel-not-a-mapping", {"hub-oci": {"hub_tunnel": "wg-oci"}}, [("hub-oci: hub_tunnel: is a string, not a mapping", "")]),
    ("tunnel-template-fails-2.19", {"hub-oci": {"hub_tunnel": oci(port=undefined("oci_port"))}},
     [("hub-oci: hub_tunnel: its template failed: 'oci_port' is undefined", "")]),
    ("tunnel-template-fails-before-2.19", {"hub-oci": {"hub_tunnel": Raises("'oci_tunnel' is undefined")}},
     [("hub-oci: hub_tunnel: its template failed: 'oci_tunnel' is undefined", "")]),
    ("interface-of-another-hub", {"hub-gcp": {"hub_tunnel": tunnel("wg-oci", "192.168.32.0/24", 51821, "hub-gcp.example.net")}},
     [("hub-gcp: hub_tunnel.interface: 'wg-oci' is also the interface of hub-oci's tunnel", "")]),
    ("port-of-another-hub", {"hub-gcp": {"hub_tunnel": tunnel("wg-gcp", "192.168.32.0/24", 51820, "hub-gcp.example.net")}},
     [("hub-gcp: hub_tunnel.port: 51820 is also the port of hub-oci's tunnel", "")]),
    ("subnet-overlaps-another-hub", {"hub-gcp": {"hub_tunnel": tunnel("wg-gcp", "192.168.31.128/25", 51821, "hub-gcp.example.net")}},
     [("hub-gcp: hub_tunnel.ipv4: 192.168.31.128/25 overlaps 192.168.31.0/24, the tunnel of hub-oci", "")]),
    ("private-key-short", {"hub-oci": {"hub_private_key": SECRET_SHORT}},
     [("hub-oci: hub_private_key: is not a WireGuard private key", "the value is not shown")]),
    ("private-key-not-base64", {"hub-oci": {"hub_private_key": SECRET_LONG}},
     [("hub-oci: hub_private_key: is not a WireGuard private key", "base64")]),
    ("private-key-all-zeros", {"hub-oci": {"hub_private_key": "A" * 43 + "="}},
     [("hub-oci: hub_private_key: is not a WireGuard private key", "zeros")]),
    ("private-key-a-number", {"hub-oci": {"hub_private_key": 1234}}, [("hub-oci: hub_private_key: is an integer, not a string", "")]),
    ("private-key-template-fails", {"hub-oci": {"hub_private_key": Raises("decrypting %s failed" % SECRET_SHORT)}},
     [("hub-oci: hub_private_key: its template failed (the error is not shown", "")]),
    ("private-key-undefined-vault-variable", {"hub-oci": {"hub_private_key": undefined("vault_hub_oci_key")}},
     [("hub-oci: hub_private_key: its template failed: 'vault_hub_oci_key' is undefined", "")]),
    ("ssh-port-0", {"hub-oci": {"hub_ssh_port": 0}}, [("hub-oci: hub_ssh_port: 0 is outside 1-65535", "")]),
    ("spoke-ssh-port-70000", {"spoke-jp": {"spoke_ssh_port": 70000}}, [("spoke-jp: spoke_ssh_port: 70000 is outside 1-65535", "")]),
    ("spoke-ssh-port-a-word", {"spoke-jp": {"spoke_ssh_port": "ssh"}}, [("spoke-jp: spoke_ssh_port: 'ssh' is a string, not a port number", "")]),
    ("hub-spokes-leaves-one-out", {"hub-oci": {"hub_spokes": ["spoke-jp", "spoke-us"]}},
     [("hub-oci: hub_spokes: leaves out spoke-de, whose spoke_hubs names hub-oci", "no peer here")]),
    ("hub-spokes-names-a-stranger", {"hub-oci": {"hub_spokes": list(ALL_SPOKES) + ["spoke-fr"]}},
     [("hub-oci: hub_spokes: 'spoke-fr' is not a host of group spokes", "")]),
    ("hub-spokes-names-a-spoke-of-another-hub", {"hub-oci": {"hub_spokes": list(ALL_SPOKES)}, "spoke-de": {"spoke_hubs": ["hub-gcp"]}},
     [("hub-oci: hub_spokes: spoke-de does not name hub-oci in its spoke_hubs", "no interface")]),
    # spoke_hubs
    ("spoke-hubs-a-string", {"spoke-us": {"spoke_hubs": "hub-oci"}},
     [("spoke-us: spoke_hubs: 'hub-oci' is a string, not a list: write spoke_hubs: [hub-oci]", "")]),
    ("spoke-hubs-a-mapping", {"spoke-us": {"spoke_hubs": {"hub-oci": True}}}, [("spoke-us: spoke_hubs: is a mapping, not a list", "")]),
    ("spoke-hubs-empty", {"spoke-us": {"spoke_hubs": []}},
     [("spoke-us: spoke_hubs: is empty: spoke-us would have no tunnel, and every hub would remove it from its peers", "remove it from group spokes")]),
    ("spoke-hubs-unknown-host", {"spoke-us": {"spoke_hubs": ["hub-oci", "hub-typo"]}},
     [("spoke-us: spoke_hubs: 'hub-typo' is not a host of the inventory", "hub-oci, hub-gcp, hub-vultr")]),
    ("spoke-hubs-not-a-hub", {"spoke-us": {"spoke_hubs": ["hub-oci", "ix2215-tokyo"]}},
     [("spoke-us: spoke_hubs: ix2215-tokyo is not a host of group hubs", "")]),
    ("spoke-hubs-twice", {"spoke-us": {"spoke_hubs": ["hub-oci", "hub-gcp", "hub-oci"]}}, [("spoke-us: spoke_hubs: hub-oci is listed twice", "")]),
    ("spoke-hubs-hub-without-tunnel", {"spoke-us": {"spoke_hubs": ["hub-oci", "hub-vultr"]}},
     [("spoke-us: spoke_hubs: hub-vultr has no hub_tunnel, so there is no tunnel to keep to it", "hub-oci, hub-gcp")]),
    ("spoke-hubs-not-a-name", {"spoke-us": {"spoke_hubs": ["hub-oci", 5]}}, [("spoke-us: spoke_hubs[1]: 5 is an integer, not a hub's name", "")]),
    ("spoke-hubs-unset-and-no-hub-has-a-tunnel", {**NO_TUNNEL, **{spoke: {"spoke_hubs": DELETE} for spoke in ALL_SPOKES}},
     [("%s: spoke_hubs: not set, and no host of group hubs has a hub_tunnel" % spoke, "") for spoke in ALL_SPOKES]),
    ("spoke-hubs-template-fails", {"spoke-us": {"spoke_hubs": undefined("my_hubs")}},
     [("spoke-us: spoke_hubs: its template failed: 'my_hubs' is undefined", "")]),
    # site_id and wireguard_host_index
    ("site-id-missing-2.19", {"spoke-us": {"site_id": DELETE, "wireguard_host_index": undefined("site_id")}},
     [("spoke-us: site_id: not set: every spoke needs a stable site id", "wireguard_host_index")]),
    ("site-id-missing-before-2.19", {"spoke-us": {"site_id": DELETE, "wireguard_host_index": Raises("'site_id' is undefined")}},
     [("spoke-us: site_id: not set", "")]),
    ("site-id-and-index-missing", {"spoke-us": {"site_id": DELETE, "wireguard_host_index": DELETE}}, [("spoke-us: site_id: not set", "")]),
    ("index-missing", {"spoke-us": {"wireguard_host_index": DELETE}}, [("spoke-us: wireguard_host_index: not set", "10 + site_id")]),
    ("index-template-fails", {"spoke-us": {"wireguard_host_index": undefined("base_index")}},
     [("spoke-us: wireguard_host_index: its template failed: 'base_index' is undefined", "")]),
    ("site-id-quoted", {"spoke-us": {"site_id": "2"}}, [("spoke-us: site_id: '2' is a string, not an integer: write it without quotes", "")]),
    ("site-id-a-word", {"spoke-us": {"site_id": "us"}}, [("spoke-us: site_id: 'us' is a string, not an integer", "")]),
    ("site-id-a-bool", {"spoke-us": {"site_id": True}}, [("spoke-us: site_id: True is true or false, not an integer", "")]),
    ("site-id-0", {"spoke-us": {"site_id": 0, "wireguard_host_index": 10}}, [("spoke-us: site_id: 0 is not a positive integer", "")]),
    ("site-id-negative", {"spoke-us": {"site_id": -20, "wireguard_host_index": -10}},
     [("spoke-us: site_id: -20 is not a positive integer", ""), ("spoke-us: wireguard_host_index: -10 is not above 1", "")]),
    ("site-id-twice", {"spoke-de": {"site_id": 1, "wireguard_host_index": 11}},
     [("spoke-de: site_id: 1 is also the site_id of spoke-jp: every site needs an id of its own", "")]),
    ("site-id-out-of-range", {"spoke-de": {"site_id": 250, "wireguard_host_index": 260}},
     [("spoke-de: wireguard_host_index: 260 is beyond the last host of 192.168.31.0/24, the tunnel of hub-oci", "site_id can be 244 at most")]),
    ("index-beyond-a-small-tunnel", {"hub-gcp": {"hub_tunnel": tunnel("wg-gcp", "192.168.32.0/28", 51821, "hub-gcp.example.net")},
                                     "spoke-de": {"site_id": 5, "wireguard_host_index": 15}},
     [("spoke-de: wireguard_host_index: 15 is beyond the last host of 192.168.32.0/28, the tunnel of hub-gcp: host numbers go up to 14",
       "site_id can be 4 at most")]),
    ("index-is-the-hub", {"spoke-us": {"site_id": DELETE, "wireguard_host_index": 1}}, [("spoke-us: wireguard_host_index: 1 is not above 1", "")]),
    ("index-a-word", {"spoke-us": {"wireguard_host_index": "twelve"}}, [("spoke-us: wireguard_host_index: 'twelve' is a string, not an integer", "")]),
    ("index-twice-from-other-site-ids", {"spoke-de": {"wireguard_host_index": 11}},
     [("spoke-de: wireguard_host_index: 11 is also the host number of spoke-jp, so both would be 192.168.31.11 in the tunnel of hub-oci", "")]),
    # public IPv6 from a hub's /64 (seed 002)
    ("good-public-ipv6", {"hub-oci": public(), "spoke-jp": service()}, []),
    ("good-public-ipv6-empty", {"hub-oci": {"hub_public_ipv6": {}}}, []),
    ("good-public-ipv6-ndppd-96", {"hub-oci": public(ndp_proxy="ndppd", spoke_prefix_length=96)}, []),
    ("public-prefix-outside-the-hub-prefix", {"hub-oci": public(prefix="2001:db8:9::/80")},
     [("hub-oci: hub_public_ipv6.prefix: 2001:db8:9::/80 is outside 2001:db8:0:5::/64, the hub's prefix", "")]),
    ("public-prefix-host-bits", {"hub-oci": public(prefix="2001:db8:0:5:1::1/80")},
     [("hub-oci: hub_public_ipv6.prefix: '2001:db8:0:5:1::1/80' has host bits set; did you mean 2001:db8:0:5:1::/80?", "")]),
    ("public-prefix-ipv4", {"hub-oci": public(prefix="192.0.2.0/24")}, [("hub-oci: hub_public_ipv6.prefix: '192.0.2.0/24' is IPv4", "")]),
    ("public-wan-address-ipv4", {"hub-oci": public(wan_address="192.0.2.1/24")}, [("hub-oci: hub_public_ipv6.wan_address: '192.0.2.1/24' is IPv4", "")]),
    ("public-prefix-holds-the-hub", {"hub-oci": public(prefix="2001:db8:0:5::/64")},
     [("hub-oci: hub_public_ipv6.prefix: 2001:db8:0:5::/64 holds the hub's own address 2001:db8:0:5::1", "such as 2001:db8:0:5:1::/80")]),
    ("public-more-spokes-than-addresses", {"hub-oci": public(prefix="2001:db8:0:5:1::/127")},
     [("hub-oci: hub_public_ipv6.prefix: cannot give every spoke of this hub a /128 by its site_id: 3 sites but", "holds only 1 blocks")]),
    ("public-prefix-too-small", {"hub-oci": public(spoke_prefix_length=64, ndp_proxy="ndppd")},
     [("hub-oci: hub_public_ipv6.prefix: cannot give every spoke", "too small for blocks of /64")]),
    ("public-prefix-in-kernel-mode", {"hub-oci": public(spoke_prefix_length=96)},
     [("hub-oci: hub_public_ipv6.spoke_prefix_length: is 96, but ndp_proxy kernel answers for single addresses only", "ndppd")]),
    ("public-missing-and-unknown-keys", {"hub-oci": public(prefix=DELETE, wan_iface="eth0")},
     [("hub-oci: hub_public_ipv6: 'wan_iface' is not one of its keys", ""), ("hub-oci: hub_public_ipv6.prefix: not set", "")]),
    ("public-bad-interface-and-mode", {"hub-oci": public(wan_interface="eth/0", ndp_proxy="auto")},
     [("hub-oci: hub_public_ipv6.wan_interface: ", ""), ("hub-oci: hub_public_ipv6.ndp_proxy: 'auto' is not one of kernel, ndppd", "")]),
    ("public-not-a-mapping", {"hub-oci": {"hub_public_ipv6": "2001:db8:0:5::/64"}}, [("hub-oci: hub_public_ipv6: is a string, not a mapping", "")]),
    ("public-service-bad", {"spoke-jp": service(port=70000, protocol="icmp", sources=["nowhere"])},
     [("spoke-jp: spoke_public_ipv6_services[0].port: 70000 is outside", ""), ("spoke-jp: spoke_public_ipv6_services[0].protocol: 'icmp'", ""),
      ("spoke-jp: spoke_public_ipv6_services[0].sources: 'nowhere'", "")]),
    ("public-service-ipv4-source", {"spoke-jp": service(sources=["192.0.2.0/24"])},
     [("spoke-jp: spoke_public_ipv6_services[0].sources: '192.0.2.0/24' is IPv4", "")]),
    # spoke timers
    ("keepalive-70000", {"spoke-us": {"spoke_persistent_keepalive": 70000}}, [("spoke-us: spoke_persistent_keepalive: 70000 is outside 0-65535", "")]),
    ("reresolve-interval-0", {"spoke-us": {"spoke_reresolve_interval": 0}},
     [("spoke-us: spoke_reresolve_interval: 0 is not a positive number of seconds", "")]),
    # Every problem of every host together, hubs first, in inventory order.
    ("many-at-once",
     {"hub-oci": {"hub_tunnel": oci(interface="../../x", port=70000, ipv4="192.168.31.0")},
      "spoke-jp": {"spoke_hubs": "hub-oci"}, "spoke-us": {"spoke_hubs": ["hub-typo"], "site_id": 1, "wireguard_host_index": 11},
      "spoke-de": {"spoke_hubs": []}},
     [("hub-oci: hub_tunnel.interface: ", ""), ("hub-oci: hub_tunnel.port: ", ""), ("hub-oci: hub_tunnel.ipv4: ", ""),
      ("spoke-jp: spoke_hubs: ", "a string"), ("spoke-us: spoke_hubs: 'hub-typo'", ""), ("spoke-us: site_id: 1 is also", ""),
      ("spoke-de: spoke_hubs: is empty", "")]),
    # routing (hub_tunnel.routing bgp, role routing): AS numbers, prefixes, BFD timers
    ("good-routing", BGP, []),
    ("good-routing-asn-explicit", {**BGP, "hub-oci": {**BGP["hub-oci"], "site_id": DELETE, "routing_asn": 64512}}, []),
    ("routing-mode-typo", {"hub-oci": {"hub_tunnel": oci(routing="ospf")}},
     [("hub-oci: hub_tunnel.routing: 'ospf' is not one of static, bgp", "")]),
    ("routing-hub-without-site-id", {**BGP, "hub-oci": {"hub_tunnel": oci(routing="bgp")}},
     [("hub-oci: site_id: not set, so this hub has no AS number for BGP", "routing_asn")]),
    ("routing-asn-out-of-range", {**BGP, "spoke-us": {**BGP["spoke-us"], "routing_asn": 65535}},
     [("spoke-us: routing_asn: 65535 is not a private AS number", "RFC 6996")]),
    ("routing-asn-not-an-integer", {**BGP, "spoke-us": {**BGP["spoke-us"], "routing_asn": "4200000002"}},
     [("spoke-us: routing_asn: '4200000002' is not an integer", "")]),
    ("routing-asn-reused", {**BGP, "spoke-us": {**BGP["spoke-us"], "routing_asn": 4200000101}},
     [("spoke-us: routing_asn: AS 4200000101 is also the AS number of hub-oci", "never learn each other's prefixes")]),
    ("routing-hub-site-id-of-a-spoke", {**BGP, "hub-oci": {**BGP["hub-oci"], "site_id": 2}},
     [("spoke-us: routing_asn: AS 4200000002 is also the AS number of hub-oci", "")]),
    ("routing-prefixes-overlap", {**BGP, "spoke-us": {"routing_prefixes": ["10.1.0.0/16"]}},
     [("spoke-us: routing_prefixes: 10.1.0.0/16 overlaps 10.1.0.0/24, announced by spoke-jp", "one site only")]),
    ("routing-prefixes-overlap-within-a-site", {**BGP, "spoke-us": {"routing_prefixes": ["10.2.0.0/24", "10.2.0.128/25"]}},
     [("spoke-us: routing_prefixes: 10.2.0.128/25 overlaps 10.2.0.0/24, also listed by this host", "")]),
    ("routing-prefix-overlaps-a-tunnel", {**BGP, "spoke-us": {"routing_prefixes": ["192.168.32.0/25"]}},
     [("spoke-us: routing_prefixes: 192.168.32.0/25 overlaps 192.168.32.0/24, the tunnel of hub-gcp", "")]),
    ("routing-prefix-host-bits", {**BGP, "spoke-us": {"routing_prefixes": ["10.2.0.1/24"]}},
     [("spoke-us: routing_prefixes[0]: 10.2.0.1/24 has host bits set; did you mean 10.2.0.0/24?", "")]),
    ("routing-prefix-not-a-prefix", {**BGP, "spoke-us": {"routing_prefixes": ["10.2.0/24", 7]}},
     [("spoke-us: routing_prefixes[0]: '10.2.0/24' is not a prefix", ""), ("spoke-us: routing_prefixes[1]: 7 is not a prefix", "")]),
    ("routing-prefix-ipv6", {**BGP, "spoke-us": {"routing_prefixes": ["2001:db8:2::/48"]}},
     [("spoke-us: routing_prefixes[0]: 2001:db8:2::/48: the tunnels carry IPv4 routes only", "")]),
    ("routing-prefix-default", {**BGP, "spoke-us": {"routing_prefixes": ["0.0.0.0/0"]}},
     [("spoke-us: routing_prefixes[0]: 0.0.0.0/0 would draw every other site's traffic", "")]),
    ("routing-prefixes-not-a-list", {**BGP, "spoke-us": {"routing_prefixes": "10.2.0.0/24"}},
     [("spoke-us: routing_prefixes: is a string, not a list of prefixes", "")]),
    ("routing-prefixes-without-a-bgp-hub", {"spoke-us": {"routing_prefixes": ["10.2.0.0/24"]}},
     [("spoke-us: routing_prefixes: no hub this host keeps a tunnel to has hub_tunnel.routing bgp", "")]),
    ("routing-bfd-too-fast", {**BGP, "spoke-us": {"routing_bfd": {"interval_ms": 50, "multiplier": 3}}},
     [("spoke-us: routing_bfd: interval_ms 50 is below 100: wireguard-go", "")]),
    ("routing-bfd-one-miss", {**BGP, "hub-oci": {**BGP["hub-oci"], "routing_bfd": {"interval_ms": 200, "multiplier": 1}}},
     [("hub-oci: routing_bfd: multiplier 1 is below 3", "")]),
    ("routing-bfd-not-a-mapping", {**BGP, "spoke-us": {"routing_bfd": 200}},
     [("spoke-us: routing_bfd: is not a mapping", "")]),
    # routing_default_route: a spoke's default route through its hubs in mode bgp (they masquerade; its firewall answers the uplink)
    ("good-default-route", {**BGP, "spoke-us": {**BGP["spoke-us"], "routing_default_route": True, "spoke_firewall": True}}, []),
    ("good-default-route-on-uplinks", {**HOME, "spoke-us": {**HOME["spoke-us"], "routing_default_route": True, "spoke_firewall": True}}, []),
    ("good-default-route-false-anywhere", {"hub-oci": {"routing_default_route": False}, "spoke-us": {"routing_default_route": False}}, []),
    ("default-route-a-string", {**BGP, "spoke-us": {**BGP["spoke-us"], "routing_default_route": "yes"}},
     [("spoke-us: routing_default_route: 'yes' is not true or false", "")]),
    ("default-route-a-number", {**BGP, "spoke-us": {**BGP["spoke-us"], "routing_default_route": 1}},
     [("spoke-us: routing_default_route: 1 is not true or false", "")]),
    ("default-route-template-fails", {**BGP, "spoke-us": {**BGP["spoke-us"], "routing_default_route": undefined("my_choice")}},
     [("spoke-us: routing_default_route: its template failed: 'my_choice' is undefined", "")]),
    ("default-route-on-a-hub", {**BGP, "hub-oci": {**BGP["hub-oci"], "routing_default_route": True}},
     [("hub-oci: routing_default_route: is for a spoke", "a hub keeps its own default route")]),
    ("default-route-without-a-bgp-hub", {"spoke-us": {"routing_default_route": True}},
     [("spoke-us: routing_default_route: no hub this host keeps a tunnel to has hub_tunnel.routing bgp", "none would announce a default route")]),
    ("default-route-only-a-static-hub", {**BGP, "spoke-us": {**BGP["spoke-us"], "routing_default_route": True, "spoke_hubs": ["hub-gcp"]}},
     [("spoke-us: routing_prefixes: no hub this host keeps a tunnel to has hub_tunnel.routing bgp", ""),
      ("spoke-us: routing_default_route: no hub this host keeps a tunnel to has hub_tunnel.routing bgp", "")]),
    ("default-route-without-the-spoke-firewall",
     {**BGP, "spoke-us": {**BGP["spoke-us"], "routing_default_route": True, "spoke_firewall": False}},
     [("spoke-us: routing_default_route: needs spoke_firewall", "answers what comes by the uplink")]),
    ("default-route-with-a-hub-without-its-firewall",
     {**BGP, "hub-oci": {**BGP["hub-oci"], "hub_firewall": False},
      "spoke-us": {**BGP["spoke-us"], "routing_default_route": True, "spoke_firewall": True}},
     [("spoke-us: routing_default_route: hub-oci has hub_firewall: false", "neither forwards nor masquerades")]),
    # a site on several uplinks (spoke_uplinks): one tunnel per hub and uplink, to hubs in mode bgp with a links pool
    ("good-uplinks", HOME, []),
    ("uplinks-pool-not-a-mapping", {**HOME, "hub-oci": {**HOME["hub-oci"], "hub_tunnel": oci(routing="bgp", uplinks="192.168.41.0/24")}},
     [("hub-oci: hub_tunnel.uplinks: is not a mapping of ipv4 and port", ""),
      ("spoke-us: spoke_uplinks: hub-oci is not in mode bgp with uplinks", "")]),
    ("uplinks-pool-host-bits", {**HOME, "hub-oci": {**HOME["hub-oci"], "hub_tunnel": oci(routing="bgp", uplinks={"ipv4": "192.168.41.1/24", "port": 51900})}},
     [("hub-oci: hub_tunnel.uplinks.ipv4: 192.168.41.1/24 has host bits set; did you mean 192.168.41.0/24?", ""),
      ("spoke-us: spoke_uplinks: hub-oci is not in mode bgp with uplinks", "")]),
    ("uplinks-pool-on-a-static-hub", {"hub-oci": {"hub_tunnel": oci(uplinks={"ipv4": "192.168.41.0/24", "port": 51900})}},
     [("hub-oci: hub_tunnel.uplinks: needs routing: bgp", "")]),
    ("uplinks-pool-too-small", {**HOME, "hub-oci": {**HOME["hub-oci"], "hub_tunnel": oci(routing="bgp", uplinks={"ipv4": "192.168.41.0/28", "port": 51900})}},
     [("spoke-us: spoke_uplinks: hub-oci: site 2's uplink 1 needs link 17 of 192.168.41.0/28", ""),
      ("spoke-us: spoke_uplinks: hub-oci: site 2's uplink 2 needs link 18", "")]),
    ("uplinks-to-a-static-hub", {**HOME, "spoke-us": {**HOME["spoke-us"], "spoke_hubs": ["hub-oci", "hub-gcp"]}},
     [("spoke-us: spoke_uplinks: hub-gcp is not in mode bgp with uplinks", "spread its traffic over them by BGP")]),
    ("uplinks-not-a-list", {**HOME, "spoke-us": {**HOME["spoke-us"], "spoke_uplinks": {"id": 1}}},
     [("spoke-us: spoke_uplinks: is a mapping, not a list", "")]),
    ("uplinks-missing-key", {**HOME, "spoke-us": {**HOME["spoke-us"], "spoke_uplinks": [{"id": 1, "interface": "eth0", "gateway": "100.64.2.1"}]}},
     [("spoke-us: spoke_uplinks[0]: is not a mapping of exactly id, name, interface, gateway", "")]),
    ("uplinks-bad-values", {**HOME, "spoke-us": {**HOME["spoke-us"], "spoke_uplinks": [
        {"id": 8, "name": "a", "interface": "eth0/1", "gateway": "fe80::1"},
        {"id": "2", "name": "b", "interface": "eth1", "gateway": "router"}]}},
     [("spoke-us: spoke_uplinks[0].id: 8 is not an integer from 1 to 7", ""), ("spoke-us: spoke_uplinks[0].interface: ", ""),
      ("spoke-us: spoke_uplinks[0].gateway: 'fe80::1' is not an IPv4 address", ""),
      ("spoke-us: spoke_uplinks[1].id: '2' is not an integer from 1 to 7", ""),
      ("spoke-us: spoke_uplinks[1].gateway: 'router' is not an IPv4 address", "")]),
    ("uplinks-twice", {**HOME, "spoke-us": {**HOME["spoke-us"], "spoke_uplinks": [
        {"id": 1, "name": "a", "interface": "eth0", "gateway": "100.64.2.1"}, {"id": 1, "name": "a", "interface": "eth0", "gateway": "100.64.3.1"}]}},
     [("spoke-us: spoke_uplinks[1].id: 1 is also the id of spoke_uplinks[0]", ""), ("spoke-us: spoke_uplinks[1].name: ", "also the name"),
      ("spoke-us: spoke_uplinks[1].interface: 'eth0' is also the interface", "")]),
    ("uplinks-link-name-too-long",
     {**HOME, "hub-oci": {**HOME["hub-oci"], "hub_tunnel": oci(interface="wg-oci-tokyo", routing="bgp", uplinks={"ipv4": "192.168.41.0/24", "port": 51900})}},
     [("spoke-us: spoke_uplinks: the tunnel to hub-oci over uplink 1: ", "shorten hub_tunnel.interface"),
      ("spoke-us: spoke_uplinks: the tunnel to hub-oci over uplink 2: ", "")]),
    ("uplinks-port-of-a-tunnel", {**HOME, "hub-oci": {**HOME["hub-oci"], "hub_tunnel": oci(routing="bgp", uplinks={"ipv4": "192.168.41.0/24", "port": 51804})}},
     [("spoke-us: spoke_uplinks: the port 51821 of link wg-oci-2-1 is also the port of the tunnel of hub-gcp on hub-oci", ""),
      ("spoke-us: spoke_uplinks: the port 51821 of link wg-oci-2-1 is also the port of the tunnel of hub-gcp on spoke-us", "")]),
    ("uplinks-prefix-in-the-pool", {**HOME, "spoke-jp": {"routing_prefixes": ["192.168.41.128/25"]}},
     [("spoke-jp: routing_prefixes: 192.168.41.128/25 overlaps 192.168.41.0/24, the tunnel of hub-oci", "")]),
]


@pytest.mark.parametrize(("changes", "expected"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_inventory_problems(changes, expected):
    problems = inventory_problems(*inventory(changes))
    assert len(problems) == len(expected), problems
    for problem, (start, part) in zip(problems, expected):
        assert problem.startswith(start), (problem, start)
        assert part in problem, (problem, part)


def test_the_default_route_with_spoke_firewall_unset_is_refused():
    """roles/spoke/defaults/main.yml: spoke_firewall: false. Unset is no table, so no mark on the answers to SSH over the uplink."""
    problems = inventory_problems(*inventory({**BGP, "spoke-us": {**BGP["spoke-us"], "routing_default_route": True}}))
    assert [problem for problem in problems if problem.startswith("spoke-us: routing_default_route: needs spoke_firewall")], problems


def test_no_secret_in_any_message():
    secrets = (SECRET_SHORT, SECRET_LONG, KEY, "A" * 20)
    messages = [problem for _case, changes, _expected in CASES for problem in inventory_problems(*inventory(changes))]
    messages += inventory_problems(*inventory({"hub-oci": {"hub_private_key": KEY + "x"}}))
    assert not [message for message in messages if any(secret in message for secret in secrets)]


def test_host_in_both_groups_is_checked_as_a_hub_only():
    hostvars, groups = inventory({"hub-oci": {"site_id": 9}})
    groups["spokes"] = groups["spokes"] + ["hub-oci"]
    assert inventory_problems(hostvars, groups) == ["hub-oci: groups: hub-oci is in both groups hubs and spokes: a host is a hub or a spoke, not both"]


def test_an_inventory_without_hubs_or_spokes_has_no_problem():
    assert inventory_problems({"ix2215-tokyo": Vars()}, {"all": ["ix2215-tokyo"], "ix_routers": ["ix2215-tokyo"]}) == []


def test_each_variable_is_read_once():
    """A lookup behind a variable (a vault, a password file) runs once, however many checks use the variable."""
    reads = []

    class Counting(Vars):
        host = ""

        def __getitem__(self, name):
            reads.append((self.host, name))
            return super().__getitem__(name)

    hostvars, groups = inventory({"hub-oci": {"hub_private_key": KEY, "hub_spokes": list(ALL_SPOKES)}})
    counting = {}
    for host, variables in hostvars.items():
        counting[host] = Counting(variables)
        counting[host].host = host
    assert inventory_problems(counting, groups) == []
    assert ("hub-oci", "hub_private_key") in reads and ("spoke-jp", "spoke_hubs") in reads
    assert sorted(reads) == sorted(set(reads))


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        pytest.param({"wireguard_interface_name": "wg-oci", "wireguard_interface_address": "192.168.31.11/24",
                      "wireguard_interface_listen_port": 51820}, [], id="good"),
        pytest.param({"wireguard_interface_name": "wg.0_a-b", "wireguard_interface_address": "2001:db8:31::b/64",
                      "wireguard_interface_listen_port": "65535"}, [], id="good-ipv6-port-as-digits"),
        pytest.param({"wireguard_interface_name": "w" * 15, "wireguard_interface_address": "192.168.31.1/31",
                      "wireguard_interface_listen_port": 1}, [], id="good-15-characters-slash-31"),
        pytest.param({"wireguard_interface_name": "wg-oci", "wireguard_interface_private_key": KEY}, [], id="good-key"),
        pytest.param({"wireguard_interface_name": "wg-oci", "wireguard_interface_private_key": ""}, [], id="good-no-key"),
        pytest.param({}, [], id="nothing-given-nothing-checked"),
        pytest.param({"wireguard_interface_name": "../../x"}, [("wireguard_interface_name: '../../x' ", "'/'")], id="name-a-path"),
        pytest.param({"wireguard_interface_name": "/etc/passwd"}, [("wireguard_interface_name: '/etc/passwd' ", "'/'")], id="name-absolute-path"),
        pytest.param({"wireguard_interface_name": "wg-abcdefghijklmnopq"}, [("wireguard_interface_name: ", "20 characters")], id="name-20-characters"),
        pytest.param({"wireguard_interface_name": "w" * 16}, [("wireguard_interface_name: ", "16 characters")], id="name-16-characters"),
        pytest.param({"wireguard_interface_name": "."}, [("wireguard_interface_name: ", "'.'")], id="name-dot"),
        pytest.param({"wireguard_interface_name": ".."}, [("wireguard_interface_name: ", "'..'")], id="name-dot-dot"),
        pytest.param({"wireguard_interface_name": "wg 0"}, [("wireguard_interface_name: 'wg 0' ", "whitespace")], id="name-space"),
        pytest.param({"wireguard_interface_name": "wg\t0"}, [("wireguard_interface_name: ", "whitespace")], id="name-tab"),
        pytest.param({"wireguard_interface_name": "wg@0"}, [("wireguard_interface_name: 'wg@0' has a character wg-quick", "")], id="name-at"),
        pytest.param({"wireguard_interface_name": "wg=0"}, [("wireguard_interface_name: 'wg=0' has a character wg-quick", "")], id="name-equals"),
        pytest.param({"wireguard_interface_name": "wgé"}, [("wireguard_interface_name: 'wgé' has a character wg-quick", "")], id="name-not-ascii"),
        pytest.param({"wireguard_interface_name": ""}, [("wireguard_interface_name: is empty", "")], id="name-empty"),
        pytest.param({"wireguard_interface_name": None}, [("wireguard_interface_name: is null, not a string", "")], id="name-null"),
        pytest.param({"wireguard_interface_address": "not-an-address"},
                     [("wireguard_interface_address: 'not-an-address' is not an IPv4 or IPv6 address with a prefix length", "")], id="address-a-word"),
        pytest.param({"wireguard_interface_address": "192.168.31.11"}, [("wireguard_interface_address: '192.168.31.11' has no prefix length", "")],
                     id="address-no-prefix"),
        pytest.param({"wireguard_interface_address": "192.168.31.300/24"}, [("wireguard_interface_address: '192.168.31.300/24' is not", "")],
                     id="address-octet-300"),
        pytest.param({"wireguard_interface_address": "192.168.31.11/33"}, [("wireguard_interface_address: '192.168.31.11/33' is not", "")],
                     id="address-prefix-33"),
        pytest.param({"wireguard_interface_address": "192.168.31.0/24"},
                     [("wireguard_interface_address: 192.168.31.0/24 is the network address of 192.168.31.0/24", "192.168.31.1/24")], id="address-network"),
        pytest.param({"wireguard_interface_address": "192.168.31.255/24"},
                     [("wireguard_interface_address: 192.168.31.255/24 is the broadcast address", "")], id="address-broadcast"),
        pytest.param({"wireguard_interface_address": "192.168.31.11/24\nPostUp = id"}, [("wireguard_interface_address: ", "is not")],
                     id="address-with-a-second-line"),
        pytest.param({"wireguard_interface_address": ["192.168.31.11/24", "2001:db8:0:5:1::1/128"]}, [], id="addresses-a-list"),
        pytest.param({"wireguard_interface_address": ["192.168.31.11/24", "2001:db8:0:5:1::1"]},
                     [("wireguard_interface_address: [1]: '2001:db8:0:5:1::1' has no prefix length", "")], id="addresses-one-wrong"),
        pytest.param({"wireguard_interface_listen_port": 70000}, [("wireguard_interface_listen_port: 70000 is outside 1-65535", "")], id="port-70000"),
        pytest.param({"wireguard_interface_listen_port": 0}, [("wireguard_interface_listen_port: 0 is outside 1-65535", "")], id="port-0"),
        pytest.param({"wireguard_interface_listen_port": -1}, [("wireguard_interface_listen_port: -1 is outside 1-65535", "")], id="port-negative"),
        pytest.param({"wireguard_interface_listen_port": "51820/udp"}, [("wireguard_interface_listen_port: '51820/udp' is a string, not a port", "")],
                     id="port-with-protocol"),
        pytest.param({"wireguard_interface_listen_port": 51820.5}, [("wireguard_interface_listen_port: 51820.5 is a number, not a port", "")],
                     id="port-a-float"),
        pytest.param({"wireguard_interface_listen_port": False}, [("wireguard_interface_listen_port: False is true or false", "")], id="port-a-bool"),
        pytest.param({"wireguard_interface_private_key": SECRET_SHORT},
                     [("wireguard_interface_private_key: is not a WireGuard private key: it is 18 characters long", "not shown")], id="key-short"),
        pytest.param({"wireguard_interface_private_key": SECRET_LONG},
                     [("wireguard_interface_private_key: is not a WireGuard private key", "base64")], id="key-not-base64"),
        pytest.param({"wireguard_interface_private_key": ["a"]}, [("wireguard_interface_private_key: is a list, not a string", "")], id="key-a-list"),
        pytest.param({"wireguard_interface_name": "../../x", "wireguard_interface_address": "not-an-address",
                      "wireguard_interface_listen_port": 70000, "wireguard_interface_private_key": SECRET_SHORT},
                     [("wireguard_interface_name: ", ""), ("wireguard_interface_address: ", ""), ("wireguard_interface_listen_port: ", ""),
                      ("wireguard_interface_private_key: ", "")], id="every-problem-at-once"),
    ],
)
def test_wireguard_interface_problems(variables, expected):
    problems = wireguard_interface_problems(variables)
    assert len(problems) == len(expected), problems
    for problem, (start, part) in zip(problems, expected):
        assert problem.startswith(start), (problem, start)
        assert part in problem, (problem, part)
    for secret in (SECRET_SHORT, SECRET_LONG, KEY):
        assert not [problem for problem in problems if secret in problem]


@pytest.mark.parametrize(
    ("changes", "hub", "expected"),
    [
        pytest.param({}, "hub-oci", list(ALL_SPOKES), id="every-spoke-names-it"),
        pytest.param({"spoke-us": {"spoke_hubs": ["hub-gcp"]}}, "hub-oci", ["spoke-jp", "spoke-de"], id="one-spoke-names-another"),
        pytest.param({"spoke-us": {"spoke_hubs": DELETE}}, "hub-gcp", list(ALL_SPOKES), id="unset-means-every-hub-with-a-tunnel"),
        pytest.param({"spoke-us": {"spoke_hubs": DELETE}}, "hub-vultr", [], id="unset-not-a-hub-without-a-tunnel"),
        pytest.param({}, "hub-vultr", [], id="none-for-a-hub-without-a-tunnel"),
    ],
)
def test_spokes_of_hub(changes, hub, expected):
    assert spokes_of_hub(*inventory(changes), hub) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param("hub-oci", "spoke-us: spoke_hubs: is a string, not a list of hub names", id="a-string"),
        pytest.param(undefined("my_hubs"), "spoke-us: spoke_hubs: its template failed: 'my_hubs' is undefined", id="template-fails"),
    ],
)
def test_spokes_of_hub_refuses_a_spoke_hubs_that_is_no_list(value, message):
    with pytest.raises(AnsibleFilterError) as error:
        spokes_of_hub(*inventory({"spoke-us": {"spoke_hubs": value}}), "hub-oci")
    assert error.value.message.startswith(message)


def test_filter_module_exposes_every_filter():
    assert FilterModule().filters() == {
        "inventory_problems": inventory_problems,
        "spokes_of_hub": spokes_of_hub,
        "wireguard_interface_problems": wireguard_interface_problems,
    }


# ansible-test's validate-modules skips filter plugins: these tests keep the documentation true.
(test_documentation_describes_the_filter, test_documented_examples_give_the_documented_results,
 test_every_filter_has_a_documented_example) = documentation_tests(FilterModule().filters())
