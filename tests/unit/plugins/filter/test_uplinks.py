# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A site on several uplinks: the links, their addresses, ports and names, from stable ids; and the BGP sessions over them."""

from __future__ import annotations


import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.multisite.vpn.plugins.filter.routing import routing_bird_conf, routing_sessions
from ansible_collections.multisite.vpn.plugins.filter.uplinks import (
    FilterModule,
    hub_uplink_links,
    spoke_uplink_links,
    uplink_link,
    uplink_links_iptables_rules,
)
from ansible_collections.multisite.vpn.tests.unit.plugins.filter.filter_documentation import documentation_tests
from ansible_collections.multisite.vpn.tests.unit.plugins.filter.test_routing import lab

UPLINKS = [{"id": 1, "name": "docomo", "interface": "eth0", "gateway": "100.64.4.1"},
           {"id": 2, "name": "softbank", "interface": "eth1", "gateway": "100.64.5.1"},
           {"id": 3, "name": "rakuten", "interface": "eth2", "gateway": "100.64.6.1"}]
POOL = {"ipv4": "192.168.41.0/24", "port": 51900}


def home_lab():
    """The routing lab with hub-oci's links pool and site home (site 4) on three uplinks to hub-oci."""
    hostvars = lab()
    hostvars["hub-oci"]["hub_tunnel"]["uplinks"] = dict(POOL)
    hostvars["spoke-home"] = {"site_id": 4, "wireguard_host_index": 14, "routing_prefixes": ["10.4.0.0/24"], "spoke_uplinks": UPLINKS}
    return hostvars


def test_a_link_from_the_site_id_and_the_uplink_id():
    assert uplink_link({"interface": "wg-oci", "uplinks": POOL}, 4, UPLINKS[1]) == {
        "interface": "wg-oci-4-2", "hub_address": "192.168.41.68", "spoke_address": "192.168.41.69", "prefix": "192.168.41.68/31",
        "port": 51934, "uplink_id": 2, "uplink_interface": "eth1", "gateway": "100.64.5.1"}


def test_an_uplink_keeps_its_link_when_another_goes():
    """Link numbers come from ids, not from the list: removing docomo moves nothing of rakuten's."""
    tunnel = {"interface": "wg-oci", "uplinks": POOL}
    assert uplink_link(tunnel, 4, UPLINKS[2]) == uplink_link(tunnel, 4, dict(UPLINKS[2]))
    assert [uplink_link(tunnel, 4, uplink)["port"] for uplink in UPLINKS[1:]] == [51934, 51935]


@pytest.mark.parametrize(("tunnel", "site_id", "message"), [
    ({"interface": "wg-oci"}, 4, "hub_tunnel wg-oci has no uplinks"),
    ({"interface": "wg-oci", "uplinks": {"ipv4": "192.168.41.0/28", "port": 51900}}, 4, "needs link 33 of 192.168.41.0/28"),
    ({"interface": "wg-oci", "uplinks": POOL}, 16, "needs link 129 of 192.168.41.0/24 (a /31 each), which holds only 128"),
])
def test_uplink_link_refuses(tunnel, site_id, message):
    with pytest.raises(AnsibleFilterError, match=message.replace("(", r"\(").replace(")", r"\)")):
        uplink_link(tunnel, site_id, UPLINKS[0])


def test_hub_and_spoke_see_the_same_links():
    hostvars = home_lab()
    hub = hub_uplink_links(hostvars, "hub-oci", ["spoke-jp", "spoke-home"])
    spoke = spoke_uplink_links(hostvars, "spoke-home", ["hub-oci"])
    assert [link["spoke"] for link in hub] == ["spoke-home"] * 3
    assert [{k: v for k, v in link.items() if k != "spoke"} for link in hub] == [{k: v for k, v in link.items() if k != "hub"} for link in spoke]
    assert [link["interface"] for link in spoke] == ["wg-oci-4-1", "wg-oci-4-2", "wg-oci-4-3"]


def test_a_spoke_without_uplinks_has_no_link():
    assert spoke_uplink_links(home_lab(), "spoke-us", ["hub-oci"]) == []


def test_iptables_rules():
    assert uplink_links_iptables_rules([{"interface": "wg-oci-4-1", "port": 51933}]) == [
        {"chain": "INPUT", "protocol": "udp", "destination_port": 51933, "comment": "multisite.vpn: WireGuard wg-oci-4-1"}]


def test_the_hub_keeps_a_session_per_link_and_the_others_on_the_tunnel():
    sessions = routing_sessions(home_lab(), "hub-oci", ["spoke-jp", "spoke-home"])
    assert sessions == [
        {"name": "bgp_spoke_jp", "neighbor": "192.168.31.11", "interface": "wg-oci", "asn": 4200000001, "accept": ["10.1.0.0/24"],
         "accept6": [], "default_route": False, "ipv6": False},
        {"name": "bgp_spoke_home_1", "neighbor": "192.168.41.67", "interface": "wg-oci-4-1", "asn": 4200000004, "accept": ["10.4.0.0/24"],
         "accept6": [], "default_route": False, "ipv6": False},
        {"name": "bgp_spoke_home_2", "neighbor": "192.168.41.69", "interface": "wg-oci-4-2", "asn": 4200000004, "accept": ["10.4.0.0/24"],
         "accept6": [], "default_route": False, "ipv6": False},
        {"name": "bgp_spoke_home_3", "neighbor": "192.168.41.71", "interface": "wg-oci-4-3", "asn": 4200000004, "accept": ["10.4.0.0/24"],
         "accept6": [], "default_route": False, "ipv6": False},
    ]


def test_the_spoke_keeps_a_session_per_link_to_hubs_in_mode_bgp():
    sessions = routing_sessions(home_lab(), "spoke-home", ["hub-oci", "hub-vultr"])
    assert [(session["name"], session["neighbor"], session["interface"], session["asn"]) for session in sessions] == [
        ("bgp_hub_oci_1", "192.168.41.66", "wg-oci-4-1", 4200000101),
        ("bgp_hub_oci_2", "192.168.41.68", "wg-oci-4-2", 4200000101),
        ("bgp_hub_oci_3", "192.168.41.70", "wg-oci-4-3", 4200000101),
    ]


def test_bfd_runs_on_every_link():
    text = routing_bird_conf(home_lab(), "hub-oci", ["spoke-jp", "spoke-home"])
    assert 'interface "wg-oci", "wg-oci-4-1", "wg-oci-4-2", "wg-oci-4-3" {' in text


def test_the_default_route_goes_over_every_link_of_a_spoke_that_takes_it():
    hostvars = home_lab()
    hostvars["spoke-home"]["routing_default_route"] = True
    hub = routing_bird_conf(hostvars, "hub-oci", ["spoke-jp", "spoke-home"])
    assert hub.count('    export where source = RTS_BGP || proto = "tunnel_subnet" || proto = "default_route";\n') == 3
    assert [session["name"] for session in routing_sessions(hostvars, "hub-oci", ["spoke-jp", "spoke-home"]) if session["default_route"]] == [
        "bgp_spoke_home_1", "bgp_spoke_home_2", "bgp_spoke_home_3"]
    spoke = routing_bird_conf(hostvars, "spoke-home", ["hub-oci", "hub-vultr"])
    assert "  kernel table 65536;\n" in spoke and spoke.count("    import all;\n") == 3


def test_filter_module_exposes_every_filter():
    assert FilterModule().filters() == {"hub_uplink_links": hub_uplink_links, "spoke_uplink_links": spoke_uplink_links,
                                        "uplink_links_iptables_rules": uplink_links_iptables_rules}


(test_documentation_describes_the_filter, test_documented_examples_give_the_documented_results,
 test_every_filter_has_a_documented_example) = documentation_tests(FilterModule().filters())
