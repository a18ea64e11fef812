# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host_firewall role's table: the hub's rules as they were before the role existed, and one rule per
address family for mixed sources. (That nft itself accepts the file: tests/integration/test_host_firewall_nft.py.)"""

from __future__ import annotations

import pathlib

import jinja2

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


def render(variables):
    # As Ansible's template module renders: trim_blocks on, undefined variables an error; the role's
    # defaults and vars under the caller's.
    environment = jinja2.Environment(trim_blocks=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    environment.filters.update({"multisite.vpn." + name: function for name, function in FilterModule().filters().items()})
    role_variables = {
        "host_firewall_ssh_sources": [],
        "host_firewall_wireguard_ports": [],
        "host_firewall_services": [],
        "host_firewall_forward": [],
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
