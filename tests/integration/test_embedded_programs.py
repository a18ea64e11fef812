# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The programs roles install on hosts with the collection's module_utils embedded (the hubs' DNS updater, the
spokes' endpoint re-resolver): rendered by ansible-playbook as the roles render them, they run in an isolated
interpreter (`python3 -I`, no collection on any path) and import everything they need from themselves."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ansible_collections.multisite.vpn.tests.integration.role_templates import REPO, render_templates

PROGRAMS = {
    "wg-reresolve": "roles/spoke/templates/wg-reresolve.py.j2",
    "dns-publish": "roles/dns_publish/templates/dns-publish.py.j2",
}


@pytest.fixture(name="programs", scope="module")
def fixture_programs(tmp_path_factory):
    directory = tmp_path_factory.mktemp("programs")
    render_templates(directory, {REPO / source: name + ".py" for name, source in PROGRAMS.items()},
                     {"dns_publish_config": str(directory / "missing-config.json"), "dns_publish_state": str(directory / "state")})
    return directory


def test_the_re_resolver_runs_alone(programs, tmp_path):
    """Nothing to do on a machine without WireGuard peers files: it imports its parsers and exits 0."""
    ran = subprocess.run([sys.executable, "-I", str(programs / "wg-reresolve.py")], cwd=tmp_path, capture_output=True, text=True,
                         timeout=60, check=False)
    assert (ran.returncode, ran.stderr) == (0, "")


def test_the_dns_updater_runs_alone(programs, tmp_path):
    """Its configuration is missing here: it says so, after importing the dns package from itself."""
    ran = subprocess.run([sys.executable, "-I", str(programs / "dns-publish.py")], cwd=tmp_path, capture_output=True, text=True,
                         timeout=60, check=False)
    assert ran.returncode != 0 and "missing-config.json" in ran.stdout + ran.stderr
    assert "ModuleNotFoundError" not in ran.stderr and "ImportError" not in ran.stderr
