# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""multisite.vpn.ix_cli_push through ansible-playbook, against the IX emulator on loopback."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pytest

from ansible_collections.multisite.vpn.ix_emulator import Device
from ansible_collections.multisite.vpn.ix_emulator.server import LOOPBACK, serve
from ansible_collections.multisite.vpn.tests.data.ix import running_body

pytestmark = pytest.mark.filterwarnings("ignore:Diffie-Hellman over finite fields")

REPO = pathlib.Path(__file__).parents[2]
PASSWORD = "action-test-password"
MANAGEMENT = f"username admin password plain {PASSWORD} administrator\n"
ROUTE = "ip route 10.0.0.0/8 Null0.0"
PSK = "a-psk-for-the-peer"
PSK_LINE = "ikev2 authentication psk id keyid peer key char " + PSK


@pytest.fixture(name="router")
def fixture_router(host_key):
    device = Device.from_running_config(MANAGEMENT)
    with serve(device, host_key=host_key) as ports:
        yield device, ports


def run_play(tmp_path, ports, task_args, *options, transport="telnet", password=PASSWORD, port_of=None):
    inventory = {"all": {"hosts": {"ix2215-test": {
        "ansible_connection": "local", "ansible_host": LOOPBACK, "ansible_port": getattr(ports, port_of or transport, 1),
        "ansible_user": "admin", "ansible_password": "{{ router_password }}", "router_password": password, "ix_transport": transport,
        "ansible_python_interpreter": sys.executable,
    }}}}
    play = [{"hosts": "all", "gather_facts": False, "tasks": [{"multisite.vpn.ix_cli_push": task_args, "register": "pushed"}]}]
    (tmp_path / "inventory.json").write_text(json.dumps(inventory))
    (tmp_path / "play.json").write_text(json.dumps(play))
    return subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", str(tmp_path / "inventory.json"),
         str(tmp_path / "play.json"), *options],
        cwd=REPO, env=dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1"),
        capture_output=True, text=True, timeout=120, check=False,
    )


def test_push_check_diff_and_no_secret_at_vvv(router, tmp_path):
    device, ports = router
    args = {"config": MANAGEMENT + ROUTE + "\n" + PSK_LINE + "\n", "backup_dir": str(tmp_path / "backups")}
    checked = run_play(tmp_path, ports, args, "--check", "--diff", "-vvv")
    assert checked.returncode == 0, checked.stdout
    assert "changed=1" in checked.stdout and ROUTE not in device.running_config_lines()
    assert "+" + ROUTE in checked.stdout  # the diff shows the line to come, and nothing the push leaves alone
    assert "-ssh-server" not in checked.stdout
    pushed = run_play(tmp_path, ports, args, "--diff", "-vvv")
    assert pushed.returncode == 0, pushed.stdout
    assert ROUTE in device.running_config_lines() and ROUTE in device.startup_config_lines()
    assert [path.name[:len("ix2215-test-")] for path in (tmp_path / "backups").iterdir()] == ["ix2215-test-"]  # by inventory name
    again = run_play(tmp_path, ports, args)
    assert "changed=0" in again.stdout, again.stdout
    for output in (checked, pushed, again):
        assert PASSWORD not in output.stdout + output.stderr
        assert all(word not in output.stdout + output.stderr for word in PSK.split())


@pytest.mark.parametrize(
    ("task_args", "play_options", "message"),
    [
        ({"config": "  ip address 10.0.0.1/24\n"}, {}, "the intended config, line 1: 'ip address 10.0.0.1/24' is indented"),
        ({"config": ROUTE}, {"transport": "serial"}, "unknown transport 'serial': use ssh or telnet"),
        ({"config": ROUTE}, {"password": ""}, "no password for 127.0.0.1"),
        ({"config": ROUTE}, {"password": "wrong"}, "login as admin was refused: check the username and password"),
        ({"config": ROUTE}, {"port_of": "ssh"}, "that port speaks SSH, not telnet"),
        ({"config": ROUTE, "timeout": 3}, {"transport": "ssh", "port_of": "telnet"}, "no SSH greeting came"),
        ({"config": ROUTE, "timeout": 0}, {}, "timeout 0: give at least 1 second"),
        ({"config": ROUTE, "port": 0}, {}, "port 0 is not a TCP port (1-65535)"),
        ({"config": ROUTE, "delay_factor": -1}, {}, "delay_factor -1.0: give a number above 0"),
        ({"config": ROUTE, "authoritative_blocks": ["interface (Tunnel"]}, {}, "authoritative_blocks: 'interface (Tunnel' is not a regular expression"),
        ({"config": "interface Tunnel1.0\n  no shutdown\n  exit\n"}, {}, "line 3: 'exit' is a session command"),
        ({"config": "interface Tunnel1.0\n\tno shutdown\n"}, {}, "line 2: 'no shutdown' contains a tab"),
    ],
    ids=["bad-indentation", "unknown-transport", "missing-password", "wrong-password", "telnet-to-ssh-port", "ssh-to-telnet-port",
         "timeout-0", "port-0", "delay-factor", "bad-regex", "explicit-exit", "tab"],
)
def test_bad_input_fails_with_one_message_and_sends_nothing(router, tmp_path, task_args, play_options, message):
    device, ports = router
    before = running_body(device)
    result = run_play(tmp_path, ports, task_args, **play_options)
    assert result.returncode == 2, result.stdout
    assert message in result.stdout and "Traceback" not in result.stdout + result.stderr
    assert "paramiko" not in result.stdout + result.stderr
    assert running_body(device) == before
