# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host_firewall role's table is a file that nft itself accepts (`nft -c`, which needs nft and root). The table's
content: tests/unit/roles/test_host_firewall_template.py."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from ansible_collections.multisite.vpn.plugins.filter.public_ipv6 import public_ipv6_forward_rules
from ansible_collections.multisite.vpn.tests.unit.plugins.filter.test_public_ipv6 import BLOCKS, HOSTVARS
from ansible_collections.multisite.vpn.tests.unit.roles.test_host_firewall_template import HUB_OCI, SPOKE_MIXED, render

# hub-vultr: site to site, and the spokes' public IPv6 addresses (seed 002).
HUB_VULTR = {
    "host_firewall_name": "hub",
    "host_firewall_ssh_port": 22,
    "host_firewall_wireguard_ports": [51822],
    "host_firewall_forward": [{"in_interface": "wg-vultr", "out_interface": "wg-vultr"}]
    + public_ipv6_forward_rules(BLOCKS, HOSTVARS, "eth0", "wg-vultr"),
}


@pytest.mark.skipif(shutil.which("nft") is None or os.geteuid() != 0, reason="nft -c needs nft and root")
@pytest.mark.parametrize("variables", [HUB_OCI, SPOKE_MIXED, HUB_VULTR], ids=["hub", "spoke-mixed-sources", "hub-public-ipv6"])
def test_nft_accepts_the_table(variables, tmp_path):
    table = tmp_path / "table.nft"
    table.write_text(render(variables))
    checked = subprocess.run(["nft", "-c", "-f", str(table)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr
