# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""BGP over the tunnels: AS numbers, BFD timers, sessions and BIRD's configuration, as tables.

BIRD itself parses what routing_bird_conf renders in tests/integration/test_routing_bird.py.
"""

from __future__ import annotations

import re

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.multisite.vpn.plugins.filter.routing import (
    FilterModule,
    asn_problem,
    bfd_problem,
    routing_asn,
    routing_bird_conf,
    routing_default_route_mark,
    routing_ipv6,
    routing_link_local,
    routing_sessions,
    routing_spoke_prefixes,
)
from ansible_collections.multisite.vpn.tests.unit.plugins.filter.filter_documentation import documentation_tests


def lab(**changes):
    """The lab's hostvars: hub-oci and hub-gcp in mode bgp, hub-vultr static, three spokes with a LAN each."""
    hostvars = {
        "hub-oci": {"site_id": 101, "hub_tunnel": {"interface": "wg-oci", "ipv4": "192.168.31.0/24", "port": 51820, "routing": "bgp"}},
        "hub-gcp": {"site_id": 102, "hub_tunnel": {"interface": "wg-gcp", "ipv4": "192.168.32.0/24", "port": 51821, "routing": "bgp"}},
        "hub-vultr": {"hub_tunnel": {"interface": "wg-vultr", "ipv4": "192.168.33.0/24", "port": 51822}},
    }
    for name, site_id in (("spoke-jp", 1), ("spoke-us", 2), ("spoke-de", 3)):
        hostvars[name] = {"site_id": site_id, "wireguard_host_index": 10 + site_id, "routing_prefixes": ["10.%d.0.0/24" % site_id]}
    for host, variables in changes.items():
        hostvars[host.replace("_", "-")].update(variables)
    return hostvars


SPOKES = ["spoke-jp", "spoke-us", "spoke-de"]
HUBS = ["hub-oci", "hub-gcp", "hub-vultr"]


@pytest.mark.parametrize(("variables", "expected"), [
    ({"site_id": 2}, 4200000002),
    ({"site_id": "2"}, 4200000002),
    ({"site_id": 2, "routing_asn": 64513}, 64513),
    ({"routing_asn": 4294967294}, 4294967294),
])
def test_routing_asn(variables, expected):
    assert routing_asn({"h": variables}, "h") == expected


@pytest.mark.parametrize(("variables", "message"), [
    ({}, "h: has neither routing_asn nor site_id"),
    ({"site_id": True}, "h: site_id: True is not an integer"),
    ({"routing_asn": 64000, "site_id": 1}, "h: routing_asn: 64000 is not a private AS number"),
    ({"routing_asn": 65535}, "65535 is not a private AS number"),
    ({"routing_asn": 4294967295}, "4294967295 is not a private AS number"),
    ({"site_id": 94967295}, "4294967295 is not a private AS number"),
])
def test_routing_asn_refuses(variables, message):
    with pytest.raises(AnsibleFilterError, match=message):
        routing_asn({"h": variables}, "h")


@pytest.mark.parametrize(("asn", "expected"), [
    (64512, None), (65534, None), (4200000000, None), (4294967294, None),
    (64511, "not a private AS number"), (65535, "not a private AS number"), (0, "not a private AS number"),
    (4199999999, "not a private AS number"), (4294967295, "not a private AS number"),
    (True, "is not an integer"), ("64512", "is not an integer"), (64512.0, "is not an integer"),
])
def test_asn_problem(asn, expected):
    why = asn_problem(asn)
    assert (why is None) if expected is None else (expected in why), why


@pytest.mark.parametrize(("bfd", "expected"), [
    ({}, None),
    ({"interval_ms": 100, "multiplier": 3}, None),
    ({"interval_ms": 10000, "multiplier": 255}, None),
    ({"interval_ms": 99}, "interval_ms 99 is below 100: wireguard-go"),
    ({"interval_ms": 10}, "interval_ms 10 is below 100"),
    ({"multiplier": 2}, "multiplier 2 is below 3"),
    ({"multiplier": 256}, "multiplier 256 is above 255"),
    ({"interval_ms": 10001}, "interval_ms 10001 is above 10000"),
    ({"interval_ms": "200"}, "interval_ms '200' is not an integer"),
    ({"interval_ms": True}, "interval_ms True is not an integer"),
    ({"interval": 200}, "interval is not one of its keys (interval_ms, multiplier)"),
    ([200, 3], "is not a mapping"),
    (None, "is not a mapping"),
])
def test_bfd_problem(bfd, expected):
    why = bfd_problem(bfd)
    assert (why is None) if expected is None else (expected in why), why


def test_a_hub_keeps_a_session_with_each_spoke_accepting_its_prefixes_only():
    assert routing_sessions(lab(), "hub-oci", SPOKES) == [
        {"name": "bgp_spoke_jp", "neighbor": "192.168.31.11", "interface": "wg-oci", "asn": 4200000001, "accept": ["10.1.0.0/24"],
         "accept6": [], "default_route": False, "ipv6": False},
        {"name": "bgp_spoke_us", "neighbor": "192.168.31.12", "interface": "wg-oci", "asn": 4200000002, "accept": ["10.2.0.0/24"],
         "accept6": [], "default_route": False, "ipv6": False},
        {"name": "bgp_spoke_de", "neighbor": "192.168.31.13", "interface": "wg-oci", "asn": 4200000003, "accept": ["10.3.0.0/24"],
         "accept6": [], "default_route": False, "ipv6": False},
    ]


def test_a_spoke_keeps_a_session_with_each_hub_in_mode_bgp_only():
    assert routing_sessions(lab(), "spoke-us", HUBS) == [
        {"name": "bgp_hub_oci", "neighbor": "192.168.31.1", "interface": "wg-oci", "asn": 4200000101, "accept": None, "accept6": None,
         "default_route": False, "ipv6": False},
        {"name": "bgp_hub_gcp", "neighbor": "192.168.32.1", "interface": "wg-gcp", "asn": 4200000102, "accept": None, "accept6": None,
         "default_route": False, "ipv6": False},
    ]


def test_a_hub_session_says_whether_its_spoke_takes_the_default_route():
    sessions = routing_sessions(lab(spoke_de={"routing_default_route": True}), "hub-oci", SPOKES)
    assert [(session["name"], session["default_route"]) for session in sessions] == [
        ("bgp_spoke_jp", False), ("bgp_spoke_us", False), ("bgp_spoke_de", True)]
    # A spoke's own sessions never carry it: a hub's default route is its provider's.
    assert [session["default_route"] for session in routing_sessions(lab(spoke_de={"routing_default_route": True}), "spoke-de", HUBS)] == [False, False]


def test_a_static_hub_keeps_no_session():
    assert routing_sessions(lab(), "hub-vultr", SPOKES) == []


def test_spoke_configuration():
    text = routing_bird_conf(lab(), "spoke-us", HUBS, includes=["/etc/bird/multisite-vpn-breakout.conf"])
    assert "router id 250.86.234.2;" in text  # 4200000002
    assert '  interface "wg-gcp", "wg-oci" {\n    min rx interval 200 ms;\n    min tx interval 200 ms;\n    multiplier 3;' in text
    assert "protocol static site_prefixes {\n  ipv4;\n  route 10.2.0.0/24 unreachable;\n}" in text
    assert "  local as 4200000002;\n  bfd on;" in text
    assert "graceful restart off;" in text and "error wait time 5, 30;" in text
    assert ('protocol bgp bgp_hub_oci from tunnel_session {\n  neighbor 192.168.31.1 as 4200000101;\n  interface "wg-oci";\n'
            '  ipv4 {\n    import where net.len > 0;\n    export where proto = "site_prefixes";\n  };\n}') in text
    assert "bgp_hub_vultr" not in text and "wg-vultr" not in text
    assert "tunnel_subnet" not in text
    assert "  merge paths on;" in text
    assert 'export where source = RTS_BGP || proto ~ "breakout*";' in text
    assert text.endswith('include "/etc/bird/multisite-vpn-breakout.conf";\n')


def test_spoke_without_prefixes_announces_nothing():
    text = routing_bird_conf(lab(spoke_us={"routing_prefixes": []}), "spoke-us", HUBS)
    assert "site_prefixes" not in text
    assert text.count("    export none;") == 2


def test_hub_configuration():
    text = routing_bird_conf(lab(), "hub-oci", SPOKES, bfd={"interval_ms": 300, "multiplier": 5})
    assert '  interface "wg-oci" {\n    min rx interval 300 ms;\n    min tx interval 300 ms;\n    multiplier 5;' in text
    assert 'protocol direct tunnel_subnet {\n  ipv4;\n  interface "wg-oci";\n}' in text
    assert ('protocol bgp bgp_spoke_us from tunnel_session {\n  neighbor 192.168.31.12 as 4200000002;\n  interface "wg-oci";\n'
            '  ipv4 {\n    import where net ~ [ 10.2.0.0/24 ];\n    export where source = RTS_BGP || proto = "tunnel_subnet";\n'
            '    next hop self;\n  };\n}') in text
    assert "site_prefixes" not in text
    assert "include" not in text


def test_hub_takes_nothing_from_a_spoke_without_prefixes():
    text = routing_bird_conf(lab(spoke_de={"routing_prefixes": None}), "hub-oci", SPOKES)
    assert 'neighbor 192.168.31.13 as 4200000003;\n  interface "wg-oci";\n  ipv4 {\n    import none;' in text


def bgp_protocol(text: str, name: str) -> str:
    """The text of BGP protocol NAME in TEXT, up to its closing brace."""
    start = text.index("protocol bgp %s from tunnel_session {" % name)
    return text[start : text.index("\n}\n", start) + 2]


def test_a_spoke_with_the_default_route_puts_its_routes_in_a_table_of_its_own():
    """Its BGP routes (the default among them) go to table 65536, which the tunnels' rules send all but their own packets to."""
    text = routing_bird_conf(lab(spoke_de={"routing_default_route": True}), "spoke-de", HUBS)
    assert ('protocol kernel {\n'
            "  # With the default route from the hubs: a table of its own, which rules send all but the tunnels' own\n"
            "  # packets to, after the main table without its default route (the uplink's, which the tunnels keep).\n"
            "  kernel table 65536;\n  merge paths on;\n") in text
    assert text.count("kernel table") == 1
    for name in ("bgp_hub_oci", "bgp_hub_gcp"):
        assert "    import all;\n    export where proto = \"site_prefixes\";\n" in bgp_protocol(text, name)
    assert "net.len > 0" not in text and "default_route" not in text


def test_a_spoke_without_the_default_route_takes_none_and_keeps_the_main_table():
    """A hub that announces a default route to another spoke cannot draw this one's traffic."""
    for value in ({}, {"routing_default_route": False}):
        text = routing_bird_conf(lab(spoke_us=value), "spoke-us", HUBS)
        assert "kernel table" not in text
        assert text.count("    import where net.len > 0;\n") == 2 and "import all" not in text


def test_a_hub_announces_the_default_route_only_to_the_spokes_that_take_it():
    text = routing_bird_conf(lab(spoke_de={"routing_default_route": True}, spoke_us={"routing_default_route": False}), "hub-oci", SPOKES)
    assert ("protocol static default_route {\n  ipv4;\n  route 0.0.0.0/0 unreachable;\n}\n") in text
    assert ('    import where net ~ [ 10.3.0.0/24 ];\n'
            '    export where source = RTS_BGP || proto = "tunnel_subnet" || proto = "default_route";\n'
            '    next hop self;\n') in bgp_protocol(text, "bgp_spoke_de")
    for name in ("bgp_spoke_jp", "bgp_spoke_us"):
        assert '    export where source = RTS_BGP || proto = "tunnel_subnet";\n' in bgp_protocol(text, name)
    assert text.count('proto = "default_route"') == 1
    # Never installed on the hub itself, whose own default route stays its provider's.
    assert "kernel table" not in text and '    export where source = RTS_BGP || proto ~ "breakout*";\n' in text


def test_a_hub_no_spoke_takes_the_default_route_from_announces_none():
    for changes in ({}, {"spoke_de": {"routing_default_route": False}}):
        text = routing_bird_conf(lab(**changes), "hub-oci", SPOKES)
        assert "default_route" not in text and "0.0.0.0/0" not in text


def test_the_setting_on_a_hub_changes_nothing_there():
    """A hub keeps its own default route (the inventory checks refuse the setting there)."""
    assert routing_bird_conf(lab(hub_oci={"routing_default_route": True}), "hub-oci", SPOKES) == routing_bird_conf(lab(), "hub-oci", SPOKES)


@pytest.mark.parametrize(("host", "peers"), [("spoke-de", HUBS), ("hub-oci", SPOKES), ("hub-gcp", SPOKES)])
@pytest.mark.parametrize("value", ["yes", 1, None, "true"])
def test_a_default_route_setting_not_true_or_false_is_refused(host, peers, value):
    """On the spoke's own configuration and on its hubs': the message names the spoke and the variable."""
    with pytest.raises(AnsibleFilterError, match="^spoke-de: routing_default_route: %s is not true or false$" % re.escape(repr(value))):
        routing_bird_conf(lab(spoke_de={"routing_default_route": value}), host, peers)


@pytest.mark.parametrize(("variables", "mark"), [({"routing_default_route": True}, 65536), ({"routing_default_route": False}, 0), ({}, 0)],
                         ids=["true", "false", "unset"])
def test_routing_default_route_mark(variables, mark):
    assert routing_default_route_mark(lab(spoke_de=variables), "spoke-de") == mark


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_routing_default_route_mark_refuses(value):
    with pytest.raises(AnsibleFilterError, match="^spoke-de: routing_default_route: %s is not true or false$" % re.escape(repr(value))):
        routing_default_route_mark(lab(spoke_de={"routing_default_route": value}), "spoke-de")


@pytest.mark.parametrize(("hostvars", "bfd", "message"), [
    (lab(), {"interval_ms": 50}, "bfd: interval_ms 50 is below 100"),
    (lab(spoke_us={"routing_asn": 65535}), None, "spoke-us: routing_asn: 65535 is not a private AS number"),
    (lab(hub_oci={"site_id": None}), None, "hub-oci: has neither routing_asn nor site_id"),
    (lab(spoke_us={"routing_prefixes": ["10.2.0.1/24"]}), None, "spoke-us: routing_prefixes: 10.2.0.1/24 has host bits set"),
])
def test_routing_bird_conf_refuses(hostvars, bfd, message):
    with pytest.raises(AnsibleFilterError, match=message):
        routing_bird_conf(hostvars, "spoke-us", HUBS, bfd=bfd)


# hub-vultr hands out blocks of its public IPv6 prefix (/128s: a spoke's block is its address); spoke-us and spoke-jp use it.
PUBLIC_IPV6 = {"wan_interface": "eth0", "wan_address": "2001:db8:0:5::1/64", "prefix": "2001:db8:0:5:1::/80"}


def lab6(**changes):
    """The lab with hub-vultr's public IPv6: every spoke that has hub-vultr among its hubs gets a block."""
    hostvars = lab(hub_vultr={"hub_public_ipv6": PUBLIC_IPV6})
    for spoke in SPOKES:
        hostvars[spoke]["spoke_hubs"] = HUBS
    for host, variables in changes.items():
        hostvars[host.replace("_", "-")].update(variables)
    return hostvars


def test_a_spoke_announces_its_public_blocks_after_its_lan():
    assert routing_spoke_prefixes(lab6(spoke_de={"spoke_hubs": ["hub-oci", "hub-gcp"]}), SPOKES) == {
        "spoke-jp": ["10.1.0.0/24", "2001:db8:0:5:1::1/128"],
        "spoke-us": ["10.2.0.0/24", "2001:db8:0:5:1::2/128"],
        "spoke-de": ["10.3.0.0/24"],
    }


def test_a_spoke_without_spoke_hubs_takes_a_block_from_every_hub_in_groups():
    hostvars = lab6()
    del hostvars["spoke-us"]["spoke_hubs"]
    assert routing_spoke_prefixes(hostvars, ["spoke-us"], groups={"hubs": HUBS, "spokes": SPOKES}) == {
        "spoke-us": ["10.2.0.0/24", "2001:db8:0:5:1::2/128"]}


def test_a_spoke_on_several_uplinks_has_no_block():
    hostvars = lab6(spoke_us={"spoke_uplinks": [{"id": 1, "name": "a", "interface": "eth1", "gateway": "100.64.4.1"}]})
    assert routing_spoke_prefixes(hostvars, ["spoke-us"]) == {"spoke-us": ["10.2.0.0/24"]}


def test_a_hub_session_carries_ipv6_with_the_spokes_that_have_blocks():
    hostvars = lab6(spoke_de={"spoke_hubs": ["hub-oci", "hub-gcp"]})
    assert [(session["name"], session["accept6"], session["ipv6"]) for session in routing_sessions(hostvars, "hub-oci", SPOKES)] == [
        ("bgp_spoke_jp", ["2001:db8:0:5:1::1/128"], True),
        ("bgp_spoke_us", ["2001:db8:0:5:1::2/128"], True),
        ("bgp_spoke_de", [], False),
    ]
    assert routing_ipv6(hostvars, "hub-oci", SPOKES) is True
    assert routing_ipv6(hostvars, "spoke-us", HUBS) is True
    assert routing_ipv6(hostvars, "spoke-de", ["hub-oci", "hub-gcp"]) is False
    assert routing_ipv6(lab(), "hub-oci", SPOKES) is False


def test_a_spoke_with_a_block_announces_it_in_an_ipv6_channel():
    text = routing_bird_conf(lab6(), "spoke-us", HUBS)
    assert "protocol static site_public_ipv6 {\n  ipv6;\n  route 2001:db8:0:5:1::2/128 unreachable;\n}" in text
    assert ("protocol kernel kernel6 {\n  merge paths on;\n  ipv6 {\n    import none;\n    export where source = RTS_BGP;\n  };\n}"
            in text)
    assert bgp_protocol(text, "bgp_hub_gcp").endswith(
        '  ipv4 {\n    import where net.len > 0;\n    export where proto = "site_prefixes";\n  };\n'
        '  ipv6 {\n    extended next hop on;\n    import filter { gw = fe80::c0a8:2001; accept; };\n'
        '    export where proto = "site_public_ipv6";\n  };\n}')


def test_a_hub_takes_from_each_spoke_its_own_blocks_only():
    text = routing_bird_conf(lab6(spoke_de={"spoke_hubs": ["hub-oci", "hub-gcp"]}), "hub-oci", SPOKES)
    assert "protocol kernel kernel6 {" in text
    assert "site_public_ipv6" not in text
    assert bgp_protocol(text, "bgp_spoke_jp").endswith(
        '    next hop self;\n  };\n'
        '  ipv6 {\n    extended next hop on;\n'
        '    import filter { if net ~ [ 2001:db8:0:5:1::1/128 ] then { gw = fe80::c0a8:1f0b; accept; } reject; };\n'
        '    export where source = RTS_BGP;\n    next hop self;\n  };\n}')
    assert "ipv6" not in bgp_protocol(text, "bgp_spoke_de")


def test_without_public_blocks_no_session_carries_ipv6():
    for host, peers in (("hub-oci", SPOKES), ("spoke-us", HUBS)):
        text = routing_bird_conf(lab(), host, peers)
        assert "ipv6" not in text and "kernel6" not in text


@pytest.mark.parametrize(("address", "expected"), [
    ("192.168.31.1", "fe80::c0a8:1f01"),
    ("192.168.41.3/31", "fe80::c0a8:2903"),
    (" 10.0.0.255 ", "fe80::a00:ff"),
])
def test_routing_link_local(address, expected):
    assert routing_link_local(address) == expected


@pytest.mark.parametrize("address", ["2001:db8::1", "192.168.31.300", "", None])
def test_routing_link_local_refuses(address):
    with pytest.raises(AnsibleFilterError, match="routing_link_local: "):
        routing_link_local(address)


def test_filter_module_exposes_every_filter():
    assert FilterModule().filters() == {"routing_asn": routing_asn, "routing_bird_conf": routing_bird_conf,
                                        "routing_default_route_mark": routing_default_route_mark, "routing_ipv6": routing_ipv6,
                                        "routing_link_local": routing_link_local, "routing_spoke_prefixes": routing_spoke_prefixes}


(test_documentation_describes_the_filter, test_documented_examples_give_the_documented_results,
 test_every_filter_has_a_documented_example) = documentation_tests(FilterModule().filters())


@pytest.mark.parametrize(("changes", "message"), [
    ({"spoke_us": {"site_id": None}}, "spoke-us: no public IPv6 block from hub-vultr's hub_public_ipv6: "),
    ({"spoke_us": {"site_id": "x"}}, "spoke-us: no public IPv6 block from hub-vultr's hub_public_ipv6: "),
    ({"hub_vultr": {"hub_public_ipv6": {"prefix": "2001:db8:0:5:1::/80"}}}, "spoke-jp: no public IPv6 block from hub-vultr's hub_public_ipv6: 'wan_address'"),
    ({"hub_vultr": {"hub_public_ipv6": dict(PUBLIC_IPV6, prefix="10.0.0.0/8")}}, "spoke-jp: no public IPv6 block from hub-vultr's hub_public_ipv6: "),
])
def test_a_block_that_cannot_be_carved_is_refused_naming_the_spoke_and_the_hub(changes, message):
    with pytest.raises(AnsibleFilterError, match=re.escape(message)):
        routing_spoke_prefixes(lab6(**changes), SPOKES)


def test_a_hub_in_mode_bgp_with_public_ipv6_takes_its_own_block_of_a_spoke_and_the_others():
    """A spoke with blocks from hub-oci (in mode bgp) and hub-vultr announces both; hub-oci takes both from it."""
    hostvars = lab6(hub_oci={"hub_public_ipv6": {"wan_interface": "eth0", "wan_address": "2001:db8:0:6::1/64", "prefix": "2001:db8:0:6:1::/80"}})
    assert routing_spoke_prefixes(hostvars, ["spoke-us"]) == {"spoke-us": ["10.2.0.0/24", "2001:db8:0:6:1::2/128", "2001:db8:0:5:1::2/128"]}
    text = routing_bird_conf(hostvars, "hub-oci", SPOKES)
    assert "import filter { if net ~ [ 2001:db8:0:6:1::2/128, 2001:db8:0:5:1::2/128 ] then { gw = fe80::c0a8:1f0c; accept; } reject; };" in text
