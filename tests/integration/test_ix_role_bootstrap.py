# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/ix_bootstrap.yml against the IX emulator (ix_emulator/) over telnet: a router with only telnet on
gets the SSH server and the administrator later runs log in as, saved; a second run sends nothing; the new
login then works over SSH; the user the bootstrap logs in as is never changed; no password shows at -vvv."""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import sys

import pytest
import yaml

from ansible_collections.multisite.vpn.ix_emulator import Device
from ansible_collections.multisite.vpn.ix_emulator.server import LOOPBACK, serve

# The emulator's key exchange is finite-field DH, as the router's; cryptography warns about it.
pytestmark = pytest.mark.filterwarnings("ignore:Diffie-Hellman over finite fields")

REPO = pathlib.Path(__file__).parents[2]
HOSTNAME = "ix2215-kagawa"
ADMIN_PASSWORD = "Admin-console-Pw7r"
ANSIBLE_PASSWORD = "Ansible-later-Pw3k"
# What someone typed at the console years ago: an administrator, and telnet only.
TELNET_ONLY = f"""\
hostname {HOSTNAME}
username admin password plain {ADMIN_PASSWORD} administrator
telnet-server ip enable
"""
PUSH_TASK = "multisite.vpn.ix : Turn the SSH server on and add the administrator of later runs, over telnet"
RESULT = re.compile(r"^(?P<status>ok|changed|fatal): \[(?P<host>[^\]]+)\](?:: FAILED!)? => ", re.MULTILINE)
TASK = re.compile(r"^TASK \[(?P<name>.*)\] \**$", re.MULTILINE)


@pytest.fixture(name="router")
def fixture_router(host_key):
    device = Device.from_running_config(TELNET_ONLY)
    with serve(device, host_key=host_key) as ports:
        yield device, ports


def run(tmp_path, playbook, variables, *options):
    """Run PLAYBOOK (a path under playbooks/, or a play as a list) on one router; return (process, {task: (status, result)})."""
    inventory = tmp_path / "inventory.yml"
    host = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable, "ansible_host": LOOPBACK, **variables}
    inventory.write_text(yaml.safe_dump({"all": {"children": {"ix_routers": {"hosts": {HOSTNAME: host}}}}}))
    if isinstance(playbook, list):
        (tmp_path / "play.yml").write_text(yaml.safe_dump(playbook))
        path = str(tmp_path / "play.yml")
    else:
        path = str(REPO / "playbooks" / playbook)
    ran = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", str(inventory), path, "-vvv", *options],
        cwd=REPO,
        env=dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_CALLBACK_RESULT_FORMAT="json",
                 HOME=str(tmp_path)),  # the push's backups go to ~/.local/state
        capture_output=True, text=True, timeout=300, check=False,
    )
    tasks = [(match.start(), match.group("name")) for match in TASK.finditer(ran.stdout)]
    results = {}
    for match in RESULT.finditer(ran.stdout):
        task = [name for start, name in tasks if start < match.start()][-1]
        results[task] = (match.group("status"), json.JSONDecoder().raw_decode(ran.stdout, match.end())[0])
    return ran, results


def bootstrap_variables(ports, **changed):
    return dict({"ix_bootstrap_telnet_port": ports.telnet, "ansible_user": "ansible", "ansible_password": ANSIBLE_PASSWORD,
                 "ix_bootstrap_login_user": "admin", "ix_bootstrap_login_password": ADMIN_PASSWORD}, **changed)


def test_bootstrap_adds_ssh_and_the_administrator_then_sends_nothing(router, tmp_path):
    device, ports = router
    variables = bootstrap_variables(ports)
    applied, results = run(tmp_path, "ix_bootstrap.yml", variables)
    assert applied.returncode == 0, applied.stdout[-3000:]
    status, result = results[PUSH_TASK]
    assert status == "changed" and result["saved"]
    # The push shows the password line redacted, in a form that is its own business.
    [user_line, ssh_line] = result["commands"]
    assert user_line.startswith("username ansible password ") and user_line.endswith(" administrator") and ssh_line == "ssh-server ip enable"
    assert "ssh-server ip enable" in device.startup_config_lines() and "telnet-server ip enable" in device.startup_config_lines()
    assert device.accepts_login("ansible", ANSIBLE_PASSWORD) and device.accepts_login("admin", ADMIN_PASSWORD)

    again, results = run(tmp_path, "ix_bootstrap.yml", variables)
    assert again.returncode == 0 and results[PUSH_TASK][0] == "ok", again.stdout[-3000:]
    assert results[PUSH_TASK][1]["commands"] == [] and not results[PUSH_TASK][1]["saved"]

    # A later run logs in over SSH as the new administrator (its inventory no longer names the bootstrap's login).
    later_run = [{"hosts": "ix_routers", "gather_facts": False, "tasks": [
        {"name": "Push over SSH as the administrator the bootstrap added",
         "multisite.vpn.ix_cli_push": {"config": "hostname %s\n" % HOSTNAME, "transport": "ssh", "port": ports.ssh}}]}]
    over_ssh, results = run(tmp_path, later_run, {"ansible_user": "ansible", "ansible_password": ANSIBLE_PASSWORD})
    assert over_ssh.returncode == 0, over_ssh.stdout[-3000:]
    assert results["Push over SSH as the administrator the bootstrap added"][0] == "ok"

    for output in (applied, again, over_ssh):
        assert ADMIN_PASSWORD not in output.stdout + output.stderr
        assert ANSIBLE_PASSWORD not in output.stdout + output.stderr


def test_bootstrap_as_the_same_user_only_turns_ssh_on(router, tmp_path):
    """The default: later runs log in as the user the bootstrap logs in as; its line is there already and the
    push compares it without its password, so it is not sent (the lock-out guard would refuse it)."""
    device, ports = router
    variables = bootstrap_variables(ports, ansible_user="admin", ansible_password=ADMIN_PASSWORD,
                                    ix_bootstrap_login_user=None, ix_bootstrap_login_password=None)
    applied, results = run(tmp_path, "ix_bootstrap.yml", {name: value for name, value in variables.items() if value is not None})
    assert applied.returncode == 0, applied.stdout[-3000:]
    assert results[PUSH_TASK][1]["commands"] == ["ssh-server ip enable"]
    assert [line for line in device.running_config_lines() if line.startswith("username ")] == [
        line for line in Device.from_running_config(TELNET_ONLY).running_config_lines() if line.startswith("username ")]
    assert ADMIN_PASSWORD not in applied.stdout + applied.stderr
