# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""public_ipv6_forward_rules: what a hub forwards for its spokes' public IPv6 addresses, and the table the host_firewall
role renders from it. (That nft accepts that table: tests/integration/test_host_firewall_nft.py.)"""

from __future__ import annotations

import re

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.multisite.vpn.plugins.filter.public_ipv6 import ICMPV6_TYPES, FilterModule, public_ipv6_block, public_ipv6_forward_rules
from ansible_collections.multisite.vpn.tests.unit.plugins.filter.filter_documentation import documentation_tests
from ansible_collections.multisite.vpn.tests.unit.roles.test_host_firewall_template import render

BLOCKS = {"spoke-us": "2001:db8:0:5:1::2/128", "spoke-jp": "2001:db8:0:5:1::1/128"}
HOSTVARS = {
    "spoke-jp": {"spoke_public_ipv6_services": [{"port": 8080, "protocol": "tcp", "sources": [], "comment": "web"}]},
    "spoke-us": {"spoke_public_ipv6_services": [{"port": 25, "protocol": "tcp", "sources": ["2001:db8:99::/48"]}]},
}


def test_each_spoke_gets_its_own_ports_and_every_spoke_the_icmpv6():
    rules = public_ipv6_forward_rules(BLOCKS, HOSTVARS, "eth0", "wg-vultr")
    assert rules[0] == {"in_interface": "wg-vultr", "out_interface": "eth0", "sources": ["2001:db8:0:5:1::1/128", "2001:db8:0:5:1::2/128"],
                        "comment": "The spokes' public addresses, out to the internet."}
    assert rules[1]["destinations"] == ["2001:db8:0:5:1::1/128", "2001:db8:0:5:1::2/128"]
    assert rules[1]["icmpv6_types"] == ICMPV6_TYPES and "packet-too-big" in ICMPV6_TYPES
    assert [(rule["destinations"], rule["protocol"], rule["port"], rule["sources"], rule["comment"]) for rule in rules[2:]] == [
        (["2001:db8:0:5:1::1/128"], "tcp", 8080, [], "spoke-jp: web"),
        (["2001:db8:0:5:1::2/128"], "tcp", 25, ["2001:db8:99::/48"], "spoke-us: tcp port 25"),
    ]


def test_a_spoke_without_services_gets_icmpv6_only_and_no_blocks_no_rules():
    rules = public_ipv6_forward_rules({"spoke-de": "2001:db8:0:5:1::3/128"}, {"spoke-de": {}}, "eth0", "wg-vultr")
    assert len(rules) == 2
    assert public_ipv6_forward_rules({}, HOSTVARS, "eth0", "wg-vultr") == []


@pytest.mark.parametrize(
    "blocks, hostvars, message",
    [
        pytest.param(BLOCKS, {**HOSTVARS, "spoke-us": {"spoke_public_ipv6_services": [{"port": 25, "protocol": "tcp", "sources": ["192.0.2.0/24"]}]}},
                     "spoke-us: spoke_public_ipv6_services[0].sources: 192.0.2.0/24 is IPv4", id="ipv4-source"),
        pytest.param(BLOCKS, {**HOSTVARS, "spoke-us": {"spoke_public_ipv6_services": {"port": 25}}}, "is dict, not a list", id="services-not-a-list"),
        pytest.param(["spoke-jp"], HOSTVARS, "must be a mapping", id="blocks-a-list"),
    ],
)
def test_errors(blocks, hostvars, message):
    with pytest.raises(AnsibleFilterError, match=re.escape(message)):
        public_ipv6_forward_rules(blocks, hostvars, "eth0", "wg-vultr")


def test_the_hub_table_forwards_exactly_these():
    text = render({
        "host_firewall_name": "hub",
        "host_firewall_ssh_port": 22,
        "host_firewall_forward": public_ipv6_forward_rules(BLOCKS, HOSTVARS, "eth0", "wg-vultr"),
    })
    forward = text[text.index("  chain forward {"):].splitlines()
    assert forward[3:] == [
        "    # The spokes' public addresses, out to the internet.",
        '    iifname "wg-vultr" oifname "eth0" ip6 saddr { 2001:db8:0:5:1::1/128, 2001:db8:0:5:1::2/128 } accept',
        "    # ICMPv6 errors (path MTU discovery) and echo, to the spokes' public addresses.",
        '    iifname "eth0" oifname "wg-vultr" ip6 daddr { 2001:db8:0:5:1::1/128, 2001:db8:0:5:1::2/128 } icmpv6 type'
        " { destination-unreachable, packet-too-big, time-exceeded, parameter-problem, echo-request } accept",
        "    # spoke-jp: web",
        '    iifname "eth0" oifname "wg-vultr" ip6 daddr { 2001:db8:0:5:1::1/128 } tcp dport 8080 accept',
        "    # spoke-us: tcp port 25",
        '    iifname "eth0" oifname "wg-vultr" ip6 saddr { 2001:db8:99::/48 } ip6 daddr { 2001:db8:0:5:1::2/128 } tcp dport 25 accept',
        "  }",
        "}",
    ]


PUBLIC_IPV6 = {"wan_interface": "eth0", "wan_address": "2001:db8:0:5::1/64", "prefix": "2001:db8:0:5:1::/80"}


@pytest.mark.parametrize(("public", "site_id", "expected"), [
    (PUBLIC_IPV6, 2, "2001:db8:0:5:1::2/128"),
    (PUBLIC_IPV6, "3", "2001:db8:0:5:1::3/128"),
    (dict(PUBLIC_IPV6, spoke_prefix_length=96), 1, "2001:db8:0:5:1:1::/96"),
    ({}, 2, ""),
    (None, 2, ""),
])
def test_public_ipv6_block(public, site_id, expected):
    assert public_ipv6_block({"hub-vultr": {"hub_public_ipv6": public}, "spoke-us": {"site_id": site_id}}, "spoke-us", "hub-vultr") == expected


@pytest.mark.parametrize(("public", "site_id", "message"), [
    (PUBLIC_IPV6, None, "spoke-us: no public IPv6 block from hub-vultr's hub_public_ipv6: "),
    (PUBLIC_IPV6, "x", "spoke-us: no public IPv6 block from hub-vultr's hub_public_ipv6: "),
    ({"prefix": "2001:db8:0:5:1::/80"}, 2, "spoke-us: no public IPv6 block from hub-vultr's hub_public_ipv6: 'wan_address'"),
    (dict(PUBLIC_IPV6, prefix="10.0.0.0/8"), 2, "spoke-us: no public IPv6 block from hub-vultr's hub_public_ipv6: "),
])
def test_public_ipv6_block_refuses_naming_the_spoke_and_the_hub(public, site_id, message):
    with pytest.raises(AnsibleFilterError, match=re.escape(message)):
        public_ipv6_block({"hub-vultr": {"hub_public_ipv6": public}, "spoke-us": {"site_id": site_id}}, "spoke-us", "hub-vultr")


(test_documentation_describes_the_filter, test_documented_examples_give_the_documented_results,
 test_every_filter_has_a_documented_example) = documentation_tests(FilterModule().filters())
