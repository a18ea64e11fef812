# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""BIRD 2 itself parses what filter routing_bird_conf renders (`bird -p`, Debian's bird2 on the test machine; the lab's
Debian 13 hosts check theirs with their own BIRD when the role installs it). The content: tests/unit/plugins/filter/test_routing.py."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from ansible_collections.multisite.vpn.plugins.filter.routing import routing_bird_conf
from ansible_collections.multisite.vpn.tests.unit.plugins.filter.test_routing import HUBS, SPOKES, lab

pytestmark = pytest.mark.skipif(shutil.which("bird") is None, reason="needs BIRD 2 (apt-get install bird2; scripts/test installs it)")


def parse(text: str, tmp_path) -> subprocess.CompletedProcess:
    path = tmp_path / "bird.conf"
    path.write_text(text)
    return subprocess.run(["bird", "-p", "-c", str(path)], capture_output=True, text=True, check=False)


@pytest.mark.parametrize(("host", "peers", "variables"), [
    ("hub-oci", SPOKES, {}),
    ("spoke-us", HUBS, {}),
    ("spoke-us", HUBS, {"spoke_us": {"routing_prefixes": ["10.2.0.0/24", "172.16.0.0/12", "192.0.2.0/28"]}}),
    ("spoke-us", HUBS, {"spoke_us": {"routing_prefixes": []}}),
    ("hub-oci", SPOKES, {"spoke_de": {"routing_prefixes": []}}),
], ids=["hub", "spoke", "spoke-three-prefixes", "spoke-no-prefix", "hub-spoke-no-prefix"])
def test_bird_parses_the_configuration(host, peers, variables, tmp_path):
    parsed = parse(routing_bird_conf(lab(**variables), host, peers), tmp_path)
    assert parsed.returncode == 0, parsed.stderr + parsed.stdout


def test_bird_parses_an_included_breakout_protocol(tmp_path):
    include = tmp_path / "breakout.conf"
    include.write_text("protocol static breakout4 {\n  ipv4;\n  route 3.0.0.0/15 via 100.64.2.1;\n}\n")
    parsed = parse(routing_bird_conf(lab(), "spoke-us", HUBS, includes=[str(include)]), tmp_path)
    assert parsed.returncode == 0, parsed.stderr + parsed.stdout


def test_bird_refuses_what_is_broken(tmp_path):
    """The check can fail: a configuration cut short is refused, with the line."""
    text = routing_bird_conf(lab(), "hub-oci", SPOKES)
    parsed = parse(text[: text.index("next hop self;")], tmp_path)
    assert parsed.returncode != 0
    assert "syntax error" in (parsed.stderr + parsed.stdout)
