# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""wireguard_interface: the interface's files, and what systemd must do after each kind of change."""

from __future__ import annotations

import pytest

from ansible_collections.multisite.vpn.plugins.module_utils import wireguard_interface as wg_interface

SPOKE_CONF = (
    "# Managed by multisite.vpn.wireguard_interface.\n"
    "# Interface settings only. The private key stays in wg-oci.key and the peers in\n"
    "# wg-oci.peers.conf (both managed by the same module).\n"
    "[Interface]\n"
    "Address = 192.168.31.11/24\n"
    "ListenPort = 51820\n"
    "PostUp = wg set %i private-key /etc/wireguard/%i.key\n"
    "# No link layer: an ICMP redirect to another peer of this interface is never right.\n"
    "PostUp = sysctl -qw net.ipv4.conf.%i.send_redirects=0\n"
    "PostUp = test ! -e /etc/wireguard/%i.peers.conf || wg addconf %i /etc/wireguard/%i.peers.conf\n"
)

# What the role's template wrote before the module owned the file: the same settings under another header.
TEMPLATE_CONF = (
    "# Ansible managed\n"
    "# Interface settings only. The private key stays in wg-oci.key and the peers in\n"
    "# wg-oci.peers.conf (managed by multisite.vpn.wireguard_peer).\n"
    + SPOKE_CONF[SPOKE_CONF.index("[Interface]"):]
)


def test_render_conf_holds_settings_and_no_secret():
    assert wg_interface.render_conf("wg-oci", ["192.168.31.11/24"], 51820) == SPOKE_CONF


def test_render_conf_without_port_and_with_two_addresses():
    text = wg_interface.render_conf("wg0", ["10.0.0.2/24", "fd00::2/64"], None)
    assert "Address = 10.0.0.2/24, fd00::2/64\n" in text
    assert "ListenPort" not in text


def test_render_conf_with_routes():
    """A hub's public prefix into the tunnel; a spoke's default route for its public address only, as rules and a table,
    the hubs' WireGuard ports refused from that address first."""
    text = wg_interface.render_conf("wg-vultr", ["192.168.33.11/24", "2001:db8:0:5:1::1/128"], 51822, [
        {"to": "2001:db8:0:5:1::/80", "from": None, "table": None, "except_udp_ports": []},
        {"to": "::/0", "from": "2001:db8:0:5:1::1/128", "table": 51822, "except_udp_ports": [51822, 51820, 51820]},
    ])
    source = "from 2001:db8:0:5:1::1/128"
    assert text.endswith(
        "# Routes into the interface; they go with it when it goes down, and their rules at the stop.\n"
        "PostUp = ip -6 route replace 2001:db8:0:5:1::/80 dev %i\n"
        "PostUp = ip -6 route replace ::/0 dev %i table 51822\n"
        f"PostUp = ip -6 rule del {source} lookup main suppress_prefixlength 0 priority 30999 2>/dev/null || true;"
        f" ip -6 rule add {source} lookup main suppress_prefixlength 0 priority 30999\n"
        f"PostUp = ip -6 rule del {source} ipproto udp dport 51820 unreachable priority 31000 2>/dev/null || true;"
        f" ip -6 rule add {source} ipproto udp dport 51820 unreachable priority 31000\n"
        f"PostUp = ip -6 rule del {source} ipproto udp dport 51822 unreachable priority 31000 2>/dev/null || true;"
        f" ip -6 rule add {source} ipproto udp dport 51822 unreachable priority 31000\n"
        f"PostUp = ip -6 rule del {source} lookup 51822 priority 31001 2>/dev/null || true; ip -6 rule add {source} lookup 51822 priority 31001\n"
        f"PostDown = ip -6 rule del {source} lookup main suppress_prefixlength 0 priority 30999\n"
        f"PostDown = ip -6 rule del {source} ipproto udp dport 51820 unreachable priority 31000\n"
        f"PostDown = ip -6 rule del {source} ipproto udp dport 51822 unreachable priority 31000\n"
        f"PostDown = ip -6 rule del {source} lookup 51822 priority 31001\n"
    )
    # Routes are settings: a change restarts the interface.
    assert wg_interface.conf_settings(text) != wg_interface.conf_settings(
        wg_interface.render_conf("wg-vultr", ["192.168.33.11/24", "2001:db8:0:5:1::1/128"], 51822))


@pytest.mark.parametrize(
    "route, problem",
    [
        pytest.param({"to": "2001:db8::/64"}, None, id="plain"),
        pytest.param({"to": "10.1.0.0/16", "table": 100}, None, id="ipv4-in-a-table"),
        pytest.param({"to": "::/0", "from": "2001:db8::1/128", "table": 7}, None, id="by-source"),
        pytest.param({"to": "2001:db8::1/64"}, "has host bits set; did you mean 2001:db8::/64?", id="host-bits"),
        pytest.param({"to": "nowhere"}, "'nowhere' is not a prefix", id="not-a-prefix"),
        pytest.param({"to": "::/0", "from": "10.0.0.1/32", "table": 7}, "are of two families", id="two-families"),
        pytest.param({"to": "::/0", "from": "2001:db8::1/128"}, "needs a table of its own", id="from-without-table"),
        pytest.param({"to": "::/0", "table": 254}, "one the kernel keeps", id="main-table"),
        pytest.param({"to": "::/0", "table": 0}, "is not a routing table number", id="table-zero"),
        pytest.param({"to": "::/0", "table": 2**32}, "is not a routing table number", id="table-too-big"),
        pytest.param({"to": "::/0", "table": True}, "is not a routing table number", id="table-bool"),
        pytest.param({"to": "::/0", "via": "2001:db8::1"}, "via is not one of its keys", id="unknown-key"),
        pytest.param({"to": "::/0", "except_udp_ports": [51820]}, "except_udp_ports needs from", id="except-without-from"),
        pytest.param({"to": "::/0", "from": "2001:db8::1/128", "table": 7, "except_udp_ports": [0]}, "except_udp_ports: 0 is not a port",
                     id="except-port-zero"),
        pytest.param({"to": "::/0", "from": "2001:db8::1/128", "table": 7, "except_udp_ports": [51820]}, None, id="except-ports"),
        pytest.param({}, "is not a mapping with to", id="empty"),
    ],
)
def test_route_problem(route, problem):
    why = wg_interface.route_problem(route)
    assert (why is None) if problem is None else (problem in why), why


def test_input_problems_name_the_route():
    assert wg_interface.input_problems("wg0", ["10.0.0.2/24"], None, [{"to": "::/0"}, {"to": "x"}]) == [
        "routes[1]: to 'x' is not a prefix such as 2001:db8:0:5:1::/80"]


def test_comments_are_not_settings():
    assert wg_interface.conf_settings(TEMPLATE_CONF) == wg_interface.conf_settings(SPOKE_CONF)


@pytest.mark.parametrize("change", [
    ("ListenPort = 51820", "ListenPort = 51821"),
    ("Address = 192.168.31.11/24", "Address = 192.168.31.12/24"),
    ("PostUp = sysctl -qw net.ipv4.conf.%i.send_redirects=0\n", ""),
], ids=["port", "address", "a-hook-less"])
def test_a_setting_changed_is_seen(change):
    assert wg_interface.conf_settings(SPOKE_CONF.replace(*change)) != wg_interface.conf_settings(SPOKE_CONF)


def test_no_file_has_no_settings():
    assert wg_interface.conf_settings(None) == []


@pytest.mark.parametrize(
    "enabled, active, needs_reload, settings_changed, drop_in_changed, key_replaced, actions",
    [
        pytest.param(True, True, False, False, False, False, [], id="nothing-to-do"),
        pytest.param(False, False, False, True, True, False, ["daemon-reload", "enable", "start"], id="new-host"),
        pytest.param(True, True, False, True, False, False, ["restart"], id="settings-changed"),
        pytest.param(True, True, False, False, True, False, ["daemon-reload"], id="drop-in-changed"),
        pytest.param(True, True, True, False, False, False, ["daemon-reload"], id="systemd-asks-for-a-reload"),
        pytest.param(True, True, False, False, False, True, ["set-private-key"], id="key-replaced"),
        pytest.param(True, True, False, True, False, True, ["restart"], id="key-and-settings: the restart reads the key"),
        pytest.param(True, False, False, True, False, True, ["start"], id="stopped: the start reads everything"),
        pytest.param(False, True, False, False, False, False, ["enable"], id="running-but-disabled"),
    ],
)
def test_unit_actions(enabled, active, needs_reload, settings_changed, drop_in_changed, key_replaced, actions):
    assert wg_interface.unit_actions(enabled, active, needs_reload, settings_changed, drop_in_changed, key_replaced) == actions


@pytest.mark.parametrize(
    "interface, addresses, port, problems",
    [
        pytest.param("wg-oci", ["192.168.31.11/24"], 51820, [], id="good"),
        pytest.param("wg0", ["fd00::1/64", "10.0.0.1/31"], None, [], id="ipv6-and-point-to-point"),
        pytest.param("..", ["10.0.0.1/24"], 1, ["interface must not be '..'"], id="dot-dot"),
        pytest.param("wg 0", ["10.0.0.1/24"], 1, ["interface 'wg 0' contains whitespace, '/' or ':', which Linux does not allow in a name"],
                     id="space"),
        pytest.param("wg=0", ["10.0.0.255/24"], 65536, [
            "interface 'wg=0' has a character wg-quick and systemd's unit names (wg-quick@<name>.service) do not take: "
            "use letters, digits, '_', '.' and '-'",
            "address[0]: 10.0.0.255/24 is the broadcast address of 10.0.0.0/24: give a host's address in it, such as 10.0.0.1/24",
            "listen_port 65536 is outside 1-65535"], id="everything-at-once"),
    ],
)
def test_input_problems(interface, addresses, port, problems):
    assert wg_interface.input_problems(interface, addresses, port) == problems


def test_render_conf_point_to_point():
    text = wg_interface.render_conf("wg-oci", ["192.168.31.12/32", "2001:db8:0:5:1::2/128"], 51820, peer_address="192.168.31.1")
    lines = text.splitlines()
    # The IPv6 address stays with wg-quick; the IPv4 one is added with its peer once the interface is up.
    assert "Address = 2001:db8:0:5:1::2/128" in lines
    assert "PostUp = ip -4 address add 192.168.31.12/32 peer 192.168.31.1/32 dev %i" in lines
    assert not [line for line in lines if line.startswith("Address") and "192.168.31.12" in line]


def test_render_conf_point_to_point_only_has_no_address_line():
    text = wg_interface.render_conf("wg-oci", ["192.168.31.12/32"], 51820, peer_address="192.168.31.1/32")
    assert "Address" not in text
    assert "PostUp = ip -4 address add 192.168.31.12/32 peer 192.168.31.1/32 dev %i\n" in text


def test_point_to_point_is_a_change_of_settings():
    assert wg_interface.conf_settings(wg_interface.render_conf("wg-oci", ["192.168.31.12/32"], 51820, peer_address="192.168.31.1")) != \
        wg_interface.conf_settings(wg_interface.render_conf("wg-oci", ["192.168.31.12/24"], 51820))


@pytest.mark.parametrize(("addresses", "peer", "problem"), [
    (["192.168.31.12/32"], "192.168.31.1", None),
    (["192.168.31.12/32", "2001:db8::2/128"], "192.168.31.1/32", None),
    (["192.168.31.12/24"], "192.168.31.1", "needs exactly one IPv4 address of address, with /32"),
    (["192.168.31.12/32", "192.168.32.12/32"], "192.168.31.1", "needs exactly one IPv4 address"),
    (["2001:db8::2/128"], "192.168.31.1", "needs exactly one IPv4 address"),
    (["192.168.31.12/32"], "192.168.31.12", "192.168.31.12 is this end's own address"),
    (["192.168.31.12/32"], "2001:db8::1", "'2001:db8::1' is not one IPv4 address"),
    (["192.168.31.12/32"], "192.168.31.0/24", "'192.168.31.0/24' is not one IPv4 address"),
    (["192.168.31.12/32"], "hub-oci", "'hub-oci' is not an IPv4 address"),
])
def test_peer_address_problem(addresses, peer, problem):
    problems = wg_interface.input_problems("wg-oci", addresses, 51820, peer_address=peer)
    assert problems == ([] if problem is None else [problems[0]]) and (problem is None or problem in problems[0]), problems
    assert problem is None or problems[0].startswith("peer_address: ")


def test_render_conf_with_an_uplink():
    text = wg_interface.render_conf("wg-oci-4-2", ["192.168.41.69/32"], 51934, peer_address="192.168.41.68",
                                    uplink={"interface": "eth1", "gateway": "100.64.5.1"})
    lines = text.splitlines()
    assert "FwMark = 51934" in lines
    assert "PostUp = ip -4 route replace default via 100.64.5.1 dev eth1 onlink table 51934" in lines
    assert ("PostUp = ip -4 rule del fwmark 51934 lookup 51934 priority 30000 2>/dev/null || true; "
            "ip -4 rule add fwmark 51934 lookup 51934 priority 30000") in lines
    assert "PostDown = ip -4 rule del fwmark 51934 lookup 51934 priority 30000" in lines
    assert "PostDown = ip -4 route flush table 51934" in lines


# The two rules of a host whose default route comes from its hubs, each taken away then added (every tunnel adds them).
DEFAULT_ROUTE_RULES = [
    "PostUp = ip -4 rule del lookup main suppress_prefixlength 0 priority 30100 2>/dev/null || true; "
    "ip -4 rule add lookup main suppress_prefixlength 0 priority 30100",
    "PostUp = ip -4 rule del not fwmark 65536 lookup 65536 priority 30101 2>/dev/null || true; "
    "ip -4 rule add not fwmark 65536 lookup 65536 priority 30101",
]


def test_render_conf_with_the_default_route():
    """The tunnel's own packets carry the mark the rule lets through to the main table (the uplink's default route)."""
    text = wg_interface.render_conf("wg-oci", ["192.168.31.13/32"], 51820, peer_address="192.168.31.1", default_route=True)
    lines = text.splitlines()
    assert [line for line in lines if line.startswith("FwMark")] == ["FwMark = 65536"]
    assert [line for line in lines if "rule" in line] == DEFAULT_ROUTE_RULES
    # No PostDown: the host's other tunnels still need the rules.
    assert not [line for line in lines if line.startswith("PostDown")]
    assert lines[lines.index("ListenPort = 51820") + 1 : lines.index("ListenPort = 51820") + 4] == ["FwMark = 65536"] + DEFAULT_ROUTE_RULES


def test_render_conf_without_the_default_route_is_as_before():
    assert wg_interface.render_conf("wg-oci", ["192.168.31.11/24"], 51820, default_route=False) == SPOKE_CONF


def test_render_conf_with_the_default_route_and_an_uplink_keeps_the_port_as_mark():
    """A tunnel on an uplink is marked with its port, whose rule (priority 30000) comes before the default route's."""
    text = wg_interface.render_conf("wg-oci-4-2", ["192.168.41.69/32"], 51934, peer_address="192.168.41.68",
                                    uplink={"interface": "eth1", "gateway": "100.64.5.1"}, default_route=True)
    lines = text.splitlines()
    assert [line for line in lines if line.startswith("FwMark")] == ["FwMark = 51934"]
    assert [line for line in lines if "priority 301" in line] == DEFAULT_ROUTE_RULES
    assert [line for line in lines if line.startswith("PostDown")] == [
        "PostDown = ip -4 rule del fwmark 51934 lookup 51934 priority 30000", "PostDown = ip -4 route flush table 51934"]


def test_the_default_route_is_a_change_of_settings():
    assert wg_interface.conf_settings(wg_interface.render_conf("wg-oci", ["192.168.31.13/32"], 51820, default_route=True)) != \
        wg_interface.conf_settings(wg_interface.render_conf("wg-oci", ["192.168.31.13/32"], 51820))


def test_the_default_route_table_is_no_port():
    """Never a tunnel's mark on an uplink (its port), nor a table of the kernel's own (253-255)."""
    assert wg_interface.DEFAULT_ROUTE_TABLE > wg_interface.MAX_PORT
    assert wg_interface.UPLINK_RULE_PRIORITY < wg_interface.DEFAULT_ROUTE_MAIN_RULE_PRIORITY < wg_interface.DEFAULT_ROUTE_RULE_PRIORITY < 32766


@pytest.mark.parametrize(("uplink", "port", "problem"), [
    ({"interface": "eth1", "gateway": "100.64.5.1"}, 51934, None),
    ({"interface": "eth1", "gateway": "100.64.5.1"}, None, "uplink: needs listen_port"),
    ({"interface": "eth1", "gateway": "fe80::1"}, 51934, "uplink: gateway fe80::1 is not an IPv4 address"),
    ({"interface": "eth1", "gateway": "router"}, 51934, "uplink: gateway 'router' is not an IPv4 address"),
    ({"interface": "eth1/x", "gateway": "100.64.5.1"}, 51934, "uplink: interface: "),
    ({"interface": "eth1"}, 51934, "uplink: is not a mapping of interface and gateway"),
    ("eth1", 51934, "uplink: is not a mapping of interface and gateway"),
])
def test_uplink_problem(uplink, port, problem):
    problems = wg_interface.input_problems("wg-oci-4-2", ["192.168.41.69/32"], port, uplink=uplink)
    if problem is None:
        assert problems == []
    else:
        assert len(problems) == 1 and problems[0].startswith(problem), problems


@pytest.mark.parametrize(("text", "problem"), [
    ("3: eth1    inet 100.64.5.10/24 brd 100.64.5.255 scope global eth1\\       valid_lft forever preferred_lft forever\n", None),
    ("3: eth1    inet 100.64.6.10/24 brd 100.64.6.255 scope global eth1\\       valid_lft forever preferred_lft forever\n",
     "gateway 100.64.5.1 is not on eth1 (it has 100.64.6.10/24): the tunnel's packets would not leave by that uplink"),
    ("", "gateway 100.64.5.1 is not on eth1 (it has no IPv4 address)"),
    ("3: eth1    inet 100.64.6.10/24 scope global eth1\n3: eth1    inet 100.64.5.2/30 scope global eth1\n", None),
])
def test_uplink_gateway_problem(text, problem):
    why = wg_interface.uplink_gateway_problem({"interface": "eth1", "gateway": "100.64.5.1"}, text)
    assert why == problem or (problem is not None and why is not None and why.startswith(problem))


ON = {"net.ipv6.conf.all.disable_ipv6": b"0\n", "net.ipv6.conf.default.disable_ipv6": b"0\n"}


@pytest.mark.parametrize(("addresses", "switches", "expected"), [
    (["192.168.31.1/24"], {"net.ipv6.conf.all.disable_ipv6": b"1\n", "net.ipv6.conf.default.disable_ipv6": None}, None),
    (["192.168.31.1/24", "fe80::c0a8:1f01/64"], ON, None),
    ([" 2001:db8::1/128"], dict(ON, **{"net.ipv6.conf.default.disable_ipv6": b"1\n"}),
     "address: 2001:db8::1/128 is IPv6, and IPv6 is off on this host (net.ipv6.conf.default.disable_ipv6 = 1): wg-quick could not start the "
     "interface. Turn it on (sysctl -w net.ipv6.conf.default.disable_ipv6=0) or leave the IPv6 addresses out"),
    (["fe80::1/64"], {"net.ipv6.conf.all.disable_ipv6": b"1", "net.ipv6.conf.default.disable_ipv6": b"1"},
     "address: fe80::1/64 is IPv6, and IPv6 is off on this host (net.ipv6.conf.all.disable_ipv6, net.ipv6.conf.default.disable_ipv6 = 1): "
     "wg-quick could not start the interface. Turn it on (sysctl -w net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0) "
     "or leave the IPv6 addresses out"),
    (["fe80::1/64"], {"net.ipv6.conf.all.disable_ipv6": None, "net.ipv6.conf.default.disable_ipv6": None},
     "address: fe80::1/64 is IPv6, and this host's kernel has no IPv6 (no net.ipv6.conf.all.disable_ipv6)"),
], ids=["ipv4-only", "ipv6-on", "default-off", "both-off", "no-ipv6-in-kernel"])
def test_ipv6_off_problem(addresses, switches, expected):
    assert wg_interface.ipv6_off_problem(addresses, switches) == expected
