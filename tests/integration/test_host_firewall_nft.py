# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host_firewall role's table is a file that nft itself accepts (`nft -c`, which needs nft and root), and that
ansible-playbook renders as the unit tests do. The table's content: tests/unit/roles/test_host_firewall_template.py."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
import yaml

from ansible_collections.multisite.vpn.plugins.filter.public_ipv6 import public_ipv6_forward_rules
from ansible_collections.multisite.vpn.tests.integration.role_templates import render_templates
from ansible_collections.multisite.vpn.tests.unit.plugins.filter.test_public_ipv6 import BLOCKS, HOSTVARS
from ansible_collections.multisite.vpn.tests.unit.roles.test_host_firewall_template import (
    HUB_OCI,
    HUB_OCI_DEFAULT_ROUTE,
    ROLE,
    SPOKE_DE_DEFAULT_ROUTE,
    SPOKE_MIXED,
    render,
)

NEEDS_NFT = pytest.mark.skipif(shutil.which("nft") is None or os.geteuid() != 0, reason="nft -c needs nft and root")

# hub-vultr: site to site, and the spokes' public IPv6 addresses (seed 002).
HUB_VULTR = {
    "host_firewall_name": "hub",
    "host_firewall_ssh_port": 22,
    "host_firewall_wireguard_ports": [51822],
    "host_firewall_forward": [{"in_interface": "wg-vultr", "out_interface": "wg-vultr"}]
    + public_ipv6_forward_rules(BLOCKS, HOSTVARS, "eth0", "wg-vultr"),
}


def nft_check(text: str, tmp_path) -> subprocess.CompletedProcess:
    table = tmp_path / "table.nft"
    table.write_text(text)
    return subprocess.run(["nft", "-c", "-f", str(table)], capture_output=True, text=True, check=False)


@NEEDS_NFT
@pytest.mark.parametrize("variables", [HUB_OCI, SPOKE_MIXED, HUB_VULTR, SPOKE_DE_DEFAULT_ROUTE, HUB_OCI_DEFAULT_ROUTE],
                         ids=["hub", "spoke-mixed-sources", "hub-public-ipv6", "spoke-default-route", "hub-default-route"])
def test_nft_accepts_the_table(variables, tmp_path):
    """The default route's tables: a NAT chain (masquerade), a route chain (the reply mark), sets of interface names."""
    checked = nft_check(render(variables), tmp_path)
    assert checked.returncode == 0, checked.stderr


@NEEDS_NFT
def test_nft_refuses_what_is_broken(tmp_path):
    """The check can fail: the kernel refuses a NAT chain on the forward hook, where NAT has none."""
    text = render(SPOKE_DE_DEFAULT_ROUTE).replace("type nat hook postrouting priority srcnat", "type nat hook forward priority srcnat")
    assert nft_check(text, tmp_path).returncode != 0


@pytest.mark.parametrize("variables", [SPOKE_DE_DEFAULT_ROUTE, HUB_OCI_DEFAULT_ROUTE], ids=["spoke-default-route", "hub-default-route"])
def test_ansible_renders_the_table_as_the_unit_tests_do(variables, tmp_path):
    """The unit tests render with plain Jinja2 and Ansible's to_json: ansible-playbook's template module gives the same
    table (its first line, ansible_managed, aside)."""
    role_variables = {**yaml.safe_load((ROLE / "defaults" / "main.yml").read_text()), **variables}
    role_variables["host_firewall_table"] = "multisite_vpn_" + role_variables["host_firewall_name"]
    render_templates(tmp_path, {ROLE / "templates" / "host_firewall.nft.j2": "table.nft"}, role_variables)
    assert (tmp_path / "table.nft").read_text().splitlines()[1:] == render(variables).splitlines()[1:]
