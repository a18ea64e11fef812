# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The push end to end against the IX emulator over real SSH and telnet on loopback, and its pure parts."""

from __future__ import annotations

import ipaddress
import os
import socket
import stat

import pytest

from ansible_collections.multisite.vpn.plugins.plugin_utils.ix_config import parse_config
from ansible_collections.multisite.vpn.plugins.plugin_utils import ix_push
from ansible_collections.multisite.vpn.plugins.plugin_utils.ix_push import (
    IxPushError,
    is_ix_running_config,
    management_problems,
    push,
    undo_commands,
    write_backup,
)
from ansible_collections.multisite.vpn.ix_emulator import Device
from ansible_collections.multisite.vpn.ix_emulator.server import LOOPBACK, serve
from ansible_collections.multisite.vpn.ix_emulator.ssh import generate_host_key
from ansible_collections.multisite.vpn.tests.data.ix import TOKYO

# The emulator's key exchange is finite-field DH, as the router's; cryptography warns about it.
pytestmark = pytest.mark.filterwarnings("ignore:Diffie-Hellman over finite fields")

PASSWORD = "push-test-password"
MANAGEMENT = f"""\
username admin password plain {PASSWORD} administrator
ssh-server ip enable
telnet-server ip enable
interface GigaEthernet1.0
  ip address {LOOPBACK}/8
  no shutdown
"""
TIMEOUT = 10


@pytest.fixture(name="host_key", scope="module")
def fixture_host_key():
    return generate_host_key()


@pytest.fixture(name="router")
def fixture_router(host_key):
    device = Device.from_running_config(MANAGEMENT)
    with serve(device, host_key=host_key) as ports:
        yield device, ports


def params(ports, transport, config, tmp_path, **options):
    return dict(
        {
            "transport": transport, "host": LOOPBACK, "port": getattr(ports, transport), "username": "admin",
            "password": PASSWORD, "config": config, "save_when": "changed", "update_secrets": False, "takeover": False,
            "allow_management_change": False, "authoritative_blocks": [".*"], "backup_dir": str(tmp_path / "backups"),
            "timeout": TIMEOUT,
        },
        **options,
    )


@pytest.mark.parametrize("transport", ["ssh", "telnet"])
def test_seed_config_is_pushed_saved_then_left_alone(router, transport, tmp_path):
    device, ports = router
    first = push(params(ports, transport, TOKYO + MANAGEMENT, tmp_path))
    assert first["changed"] and first["saved"] and first["commands"]
    assert device.startup_config_lines()[5:] == device.running_config_lines()[5:]  # past the header
    backup = first["backup_path"]
    assert stat.S_IMODE(os.stat(backup).st_mode) == 0o600
    assert PASSWORD not in open(backup, encoding="utf-8").read()
    second = push(params(ports, transport, TOKYO + MANAGEMENT, tmp_path))
    assert (second["changed"], second["commands"], second["saved"]) == (False, [], False)
    assert "backup_path" not in second


def test_check_mode_sends_nothing(router, tmp_path):
    device, ports = router
    before = device.running_config_lines()[5:]
    result = push(params(ports, "ssh", MANAGEMENT + "ip route 10.0.0.0/8 Null0.0\n", tmp_path), check_mode=True)
    assert result["changed"] and result["commands"] == ["ip route 10.0.0.0/8 Null0.0"]
    assert device.running_config_lines()[5:] == before
    assert not (tmp_path / "backups").exists()


def test_occupied_configuration_fails_unless_takeover(router, tmp_path):
    device, ports = router
    holder = device.open_session()
    holder.feed("configure")
    change = MANAGEMENT + "ip route 10.0.0.0/8 Null0.0\n"
    with pytest.raises(IxPushError, match="another session holds the router's configuration mode; nothing was sent"):
        push(params(ports, "telnet", change, tmp_path))
    assert "ip route 10.0.0.0/8 Null0.0" not in device.running_config_lines()
    assert push(params(ports, "telnet", change, tmp_path, takeover=True))["changed"]
    assert "ip route 10.0.0.0/8 Null0.0" in device.running_config_lines()


def test_rejected_line_stops_the_push_unsaved(router, tmp_path):
    device, ports = router
    startup = device.startup_config_lines()[5:]
    config = MANAGEMENT + "ip route 10.0.0.0/8 Null0.0\nip route 10.1.0.0/16 Bogus0.0\nproxy-dns ip enable\n"
    with pytest.raises(IxPushError, match=r"rejected 'ip route 10.1.0.0/16 Bogus0.0': % Bogus0.0 -- Invalid command\.; not saved") as error:
        push(params(ports, "ssh", config, tmp_path))
    assert error.value.sent == ["ip route 10.0.0.0/8 Null0.0"]
    assert "proxy-dns ip enable" not in device.running_config_lines()
    assert device.startup_config_lines()[5:] == startup


def test_change_to_the_management_interface_is_refused(router, tmp_path):
    device, ports = router
    config = MANAGEMENT.replace(f"ip address {LOOPBACK}/8", "ip address 192.0.2.1/24")
    with pytest.raises(IxPushError, match="interface GigaEthernet1.0: 'ip address 192.0.2.1/24' changes the interface this session arrives through"):
        push(params(ports, "ssh", config, tmp_path))
    assert "  ip address 127.0.0.1/8" in device.running_config_lines()


def test_failed_fresh_login_undoes_the_push(router, tmp_path):
    device, ports = router
    startup = device.startup_config_lines()[5:]
    config = MANAGEMENT.replace(PASSWORD, "a-password-nobody-knows") + "ip route 10.0.0.0/8 Null0.0\n"
    options = {"update_secrets": True, "allow_management_change": True}
    with pytest.raises(IxPushError, match="a fresh session could not log in after the push .*; the push was undone and not saved"):
        push(params(ports, "telnet", config, tmp_path, **options))
    assert device.accepts_login("admin", PASSWORD)
    assert "ip route 10.0.0.0/8 Null0.0" not in device.running_config_lines()
    assert device.startup_config_lines()[5:] == startup


@pytest.mark.parametrize(
    ("commands", "problem"),
    [
        (["interface GigaEthernet2.0", "shutdown", "exit"], "'shutdown' changes the interface"),
        (["interface GigaEthernet2.0", "ip filter web 2 in", "exit"], "'ip filter web 2 in' changes the interface"),
        (["no ip access-list web permit ip src any dest any"], "changes access-list web, which filters"),
        (["no ssh-server ip enable"], "turns off the ssh service"),
        (["username admin password plain x administrator"], "'username admin password ******** administrator' changes the user"),
    ],
)
def test_management_problems(commands, problem):
    running = parse_config(
        "username admin password hash 0123 administrator\nip access-list web permit ip src any dest any\n"
        "interface GigaEthernet2.0\n  ip address 192.0.2.1/24\n  ip filter web 1 in\ninterface GigaEthernet1.0\n  shutdown\n"
    )
    found = management_problems(running, [], commands, ipaddress.ip_address("192.0.2.1"), "ssh", "admin")
    assert len(found) == 1 and problem in found[0]
    other = management_problems(running, [], ["interface GigaEthernet1.0", "no shutdown", "exit", "no telnet-server ip enable"],
                                ipaddress.ip_address("192.0.2.1"), "ssh", "admin")
    assert other == []


def test_undo_removes_what_was_added_and_restores_hashed_secrets():
    original = "username admin password hash AAAA administrator\ninterface Tunnel1.0\n  ip ospf cost 10\n"
    now = ("username admin password hash BBBB administrator\nip route 10.0.0.0/8 Null0.0\n"
           "interface Tunnel1.0\n  ip ospf cost 100\n")
    assert undo_commands(now, original) == [
        "no ip route 10.0.0.0/8 Null0.0",
        "username admin password hash AAAA administrator",
        "interface Tunnel1.0", "no ip ospf cost 100", "ip ospf cost 10", "exit",
    ]


def test_dropped_connection_lists_what_was_sent_and_a_rerun_completes(router, tmp_path, monkeypatch):
    device, ports = router
    routes = ["ip route 10.%d.0.0/16 Null0.0" % number for number in range(5)]
    config = MANAGEMENT + "".join(route + "\n" for route in routes)
    real_send = ix_push.IxSession.send

    def send_then_drop(session, line):
        if line == routes[2]:
            # The link goes down before this line reaches the router (netmiko's telnet socket).
            session.connection.remote_conn.sock.shutdown(socket.SHUT_RDWR)
        return real_send(session, line)

    monkeypatch.setattr(ix_push.IxSession, "send", send_then_drop)
    with pytest.raises(IxPushError, match=r"the session to the router was lost at 'ip route 10.2.0.0/16 Null0.0'.*; not saved") as error:
        push(params(ports, "telnet", config, tmp_path))
    assert error.value.sent == routes[:2]
    assert [route for route in routes if route in device.running_config_lines()] == routes[:2]
    monkeypatch.setattr(ix_push.IxSession, "send", real_send)
    rerun = push(params(ports, "telnet", config, tmp_path))
    assert rerun["commands"] == routes[2:] and rerun["saved"]
    assert all(route in device.startup_config_lines() for route in routes)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\r\n! NEC Portable Internetwork Core Operating System Software\r\n! IX Series IX2215\r\n", True),
        ("Building configuration...\r\n\r\nCurrent configuration : 1234 bytes\r\n!\r\nhostname Switch\r\n", False),
        ("% show -- Invalid command.\r\n", False),
    ],
    ids=["ix", "another-vendor", "refused"],
)
def test_only_an_ix_running_config_is_accepted(text, expected):
    assert is_ix_running_config(text) is expected


def test_a_backup_never_overwrites_another(tmp_path, monkeypatch):
    monkeypatch.setattr(ix_push.time, "strftime", lambda pattern: "20261122-090000")  # two pushes in one second
    paths = [write_backup(str(tmp_path), "ix2215-tokyo", text) for text in ("first\n", "second\n", "third\n")]
    assert [os.path.basename(path) for path in paths] == [
        "ix2215-tokyo-20261122-090000.cfg", "ix2215-tokyo-20261122-090000-1.cfg", "ix2215-tokyo-20261122-090000-2.cfg"]
    assert [open(path, encoding="utf-8").read() for path in paths] == ["first\n", "second\n", "third\n"]
    assert {stat.S_IMODE(os.stat(path).st_mode) for path in paths} == {0o600}
