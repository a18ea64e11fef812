# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host_firewall role's table: the hub's rules as they were before the role existed, and one rule per
address family for mixed sources. (That nft itself accepts the file: tests/integration/test_host_firewall_nft.py.)"""

from __future__ import annotations

import pathlib

import jinja2
import yaml

from ansible.plugins.filter.core import to_json
from ansible_collections.multisite.vpn.plugins.filter.network import FilterModule

ROLE = pathlib.Path(__file__).parents[3] / "roles" / "host_firewall"

# What roles/hub/tasks/main.yml passes for the lab's hub-oci, over the role's defaults.
HUB_OCI = {
    "host_firewall_name": "hub",
    "host_firewall_ssh_port": 22,
    "host_firewall_wireguard_ports": [51820],
    "host_firewall_forward": [{"in_interface": "wg-oci", "out_interface": "wg-oci", "comment": "Site to site through this hub."}],
}
# The table the hub role's own template rendered for hub-oci, except the comment on DHCP, which named
# a cloud instance.
HUB_OCI_TABLE = """\
# Ansible managed
# The hub's firewall: only this table is replaced, never another tool's (iptables-nft, docker).
table inet multisite_vpn_hub
delete table inet multisite_vpn_hub

table inet multisite_vpn_hub {
  chain input {
    type filter hook input priority filter; policy drop;
    ct state established,related accept
    ct state invalid drop
    iif lo accept
    # Neighbour discovery and path MTU discovery need ICMP; IPv6 breaks without it.
    meta l4proto { icmp, ipv6-icmp } accept
    # Address leases (DHCP, DHCPv6) of the host.
    udp dport { 68, 546 } accept
    tcp dport 22 accept
    udp dport 51820 accept
  }

  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    # Site to site through this hub.
    iifname "wg-oci" oifname "wg-oci" accept
  }
}
"""
SPOKE_MIXED = {
    "host_firewall_name": "spoke",
    "host_firewall_ssh_port": 22,
    "host_firewall_ssh_sources": ["192.168.31.0/24", "2001:db8:100::/48", "192.168.32.0/24"],
    "host_firewall_wireguard_ports": [51820, 51821],
    "host_firewall_services": [
        {"port": 8080, "protocol": "tcp", "sources": [], "comment": "The home server's web service."},
        {"port": 53, "protocol": "udp", "sources": ["fd00::/8", "10.0.0.0/8"]},
    ],
}

# What roles/spoke/tasks/main.yml passes for the lab's spoke-de with routing_default_route (its LAN 10.3.0.0/24; hub-oci
# and hub-gcp in mode bgp, hub-vultr static).
SPOKE_DE_TUNNELS = ["wg-oci", "wg-gcp", "wg-vultr"]
SPOKE_DE_DEFAULT_ROUTE = {
    "host_firewall_name": "spoke",
    "host_firewall_ssh_port": 22,
    "host_firewall_wireguard_ports": [51820, 51821, 51822],
    "host_firewall_forward": [
        {"sources": ["10.3.0.0/24"], "comment": "The site's LAN, to the other sites, and out by the uplink."},
        {"in_interface": SPOKE_DE_TUNNELS, "destinations": ["10.3.0.0/24"], "comment": "The other sites, to this site's LAN."},
    ],
    "host_firewall_masquerade": [{"sources": ["10.3.0.0/24"], "except_out_interfaces": SPOKE_DE_TUNNELS, "comment": "The site's LAN, out by the uplink."}],
    "host_firewall_uplink_reply_mark": 65536,
    "host_firewall_tunnel_interfaces": SPOKE_DE_TUNNELS,
}
# What roles/hub/tasks/main.yml passes for hub-oci (links to a site on several uplinks) when spoke-de takes its default route from it.
HUB_OCI_DEFAULT_ROUTE = {
    **HUB_OCI,
    "host_firewall_forward": [
        {"in_interface": "wg-oci*", "out_interface": "wg-oci*", "comment": "Site to site through this hub."},
        {"in_interface": "wg-oci*", "sources": ["10.3.0.0/24", "192.168.31.0/24", "192.168.41.0/24"],
         "comment": "The internet, for the sites whose default route is this hub."},
    ],
    "host_firewall_masquerade": [{"sources": ["10.3.0.0/24", "192.168.31.0/24", "192.168.41.0/24"],
                                  "except_out_interfaces": ["wg-oci", "wg-oci-4-1", "wg-oci-4-2"],
                                  "comment": "The sites whose default route is this hub leave with its address."}],
}


def render(variables):
    # As Ansible's template module renders: trim_blocks on, undefined variables an error; the role's
    # defaults and vars under the caller's.
    environment = jinja2.Environment(trim_blocks=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    environment.filters.update({"multisite.vpn." + name: function for name, function in FilterModule().filters().items()})
    environment.filters["to_json"] = to_json
    role_variables = {
        **yaml.safe_load(ROLE.joinpath("defaults", "main.yml").read_text()),
        **variables,
        "ansible_managed": "Ansible managed",
    }
    role_variables["host_firewall_table"] = "multisite_vpn_" + role_variables["host_firewall_name"]
    return environment.from_string(ROLE.joinpath("templates", "host_firewall.nft.j2").read_text()).render(role_variables)


def test_the_hub_keeps_its_table():
    assert render(HUB_OCI) == HUB_OCI_TABLE


def test_mixed_sources_become_one_rule_per_family():
    lines = render(SPOKE_MIXED).splitlines()
    rules = lines[lines.index("    udp dport { 68, 546 } accept") + 1 : lines.index("  }")]
    assert rules == [
        "    ip saddr { 192.168.31.0/24, 192.168.32.0/24 } tcp dport 22 accept",
        "    ip6 saddr { 2001:db8:100::/48 } tcp dport 22 accept",
        "    udp dport 51820 accept",
        "    udp dport 51821 accept",
        "    # The home server's web service.",
        "    tcp dport 8080 accept",
        "    ip saddr { 10.0.0.0/8 } udp dport 53 accept",
        "    ip6 saddr { fd00::/8 } udp dport 53 accept",
    ]


def test_no_forwarding_unless_listed():
    text = render(SPOKE_MIXED)
    forward = text[text.index("  chain forward {") :]
    assert forward.splitlines()[1:3] == [
        "    type filter hook forward priority filter; policy drop;",
        "    ct state established,related accept",
    ]
    assert "iifname" not in forward


def chain(text: str, name: str) -> list[str]:
    """The lines of chain NAME in TEXT, without its opening and closing lines."""
    lines = text.splitlines()
    start = lines.index("  chain %s {" % name)
    return lines[start + 1 : lines.index("  }", start)]


def test_a_host_without_masquerade_or_mark_has_no_nat_or_output_chain():
    for variables in (HUB_OCI, SPOKE_MIXED):
        text = render(variables)
        assert "postrouting" not in text and "chain output" not in text and "mark" not in text


def test_the_hub_masquerades_the_sites_whose_default_route_it_is():
    text = render(HUB_OCI_DEFAULT_ROUTE)
    assert chain(text, "postrouting") == [
        "    type nat hook postrouting priority srcnat; policy accept;",
        "    # The sites whose default route is this hub leave with its address.",
        '    oifname != { "wg-oci", "wg-oci-4-1", "wg-oci-4-2" } ip saddr { 10.3.0.0/24, 192.168.31.0/24, 192.168.41.0/24 } masquerade',
    ]
    # The NAT chain comes last, after forward; a hub keeps no reply mark.
    assert text.endswith("masquerade\n  }\n}\n") and "chain output" not in text and "mark" not in text
    assert chain(text, "forward")[2:] == [
        "    # Site to site through this hub.",
        '    iifname "wg-oci*" oifname "wg-oci*" accept',
        "    # The internet, for the sites whose default route is this hub.",
        '    iifname "wg-oci*" ip saddr { 10.3.0.0/24, 192.168.31.0/24, 192.168.41.0/24 } accept',
    ]


def test_a_masquerade_rule_per_entry_with_or_without_comment():
    text = render(dict(SPOKE_MIXED, host_firewall_masquerade=[
        {"sources": ["10.3.0.0/24"], "except_out_interfaces": ["wg-oci"]},
        {"sources": ["10.4.0.0/24", "10.5.0.0/24"], "except_out_interfaces": ["wg-oci", "wg-gcp"], "comment": "Another LAN."},
    ]))
    assert chain(text, "postrouting")[1:] == [
        '    oifname != { "wg-oci" } ip saddr { 10.3.0.0/24 } masquerade',
        "    # Another LAN.",
        '    oifname != { "wg-oci", "wg-gcp" } ip saddr { 10.4.0.0/24, 10.5.0.0/24 } masquerade',
    ]


def test_the_answers_to_what_comes_by_the_uplink_keep_to_the_uplink():
    """The mark is set before established connections are accepted (on the first packet), and put on their answers."""
    text = render(SPOKE_DE_DEFAULT_ROUTE)
    assert chain(text, "input")[:5] == [
        "    type filter hook input priority filter; policy drop;",
        "    # A connection that comes by another way than the tunnels (SSH over the uplink, say) is answered the same way,",
        "    # whatever the default route: its packets carry this mark, which keeps them out of the hubs' default route.",
        '    ct state new iifname != { "wg-oci", "wg-gcp", "wg-vultr" } ct mark set 65536',
        "    ct state established,related accept",
    ]
    assert chain(text, "output") == ["    type route hook output priority mangle; policy accept;", "    ct mark 65536 meta mark set 65536"]
    assert text.index("  chain forward {") < text.index("  chain output {") < text.index("  chain postrouting {")


def test_a_reply_mark_of_0_is_none():
    assert render(dict(SPOKE_DE_DEFAULT_ROUTE, host_firewall_uplink_reply_mark=0, host_firewall_masquerade=[])) == render(
        dict(SPOKE_DE_DEFAULT_ROUTE, host_firewall_uplink_reply_mark=0, host_firewall_masquerade=[], host_firewall_tunnel_interfaces=[]))
    assert "mark" not in render(dict(SPOKE_DE_DEFAULT_ROUTE, host_firewall_uplink_reply_mark="0"))


FORWARD_WITHOUT_INTERFACES_AND_WITH_LISTS = SPOKE_DE_DEFAULT_ROUTE["host_firewall_forward"] + [
    {"out_interface": "eth0", "sources": ["10.3.0.0/24"], "protocol": "tcp", "port": 443},
    {"in_interface": ["wg-oci"], "out_interface": ["eth0", "eth1"]},
]


def test_forward_rules_without_an_interface_or_with_lists_of_them():
    """An interface left out matches any; a list is an anonymous set of names, each quoted."""
    text = render(dict(SPOKE_MIXED, host_firewall_forward=FORWARD_WITHOUT_INTERFACES_AND_WITH_LISTS))
    assert [line.strip() for line in chain(text, "forward")[2:]] == [
        "# The site's LAN, to the other sites, and out by the uplink.",
        "ip saddr { 10.3.0.0/24 } accept",
        "# The other sites, to this site's LAN.",
        'iifname { "wg-oci", "wg-gcp", "wg-vultr" } ip daddr { 10.3.0.0/24 } accept',
        'oifname "eth0" ip saddr { 10.3.0.0/24 } tcp dport 443 accept',
        'iifname { "wg-oci" } oifname { "eth0", "eth1" } accept',
    ]


def test_a_forward_rule_without_in_interface_keeps_the_indentation():
    text = render(dict(SPOKE_MIXED, host_firewall_forward=FORWARD_WITHOUT_INTERFACES_AND_WITH_LISTS))
    assert [line for line in chain(text, "forward") if not line.startswith("    ") or line.startswith("     ")] == []
