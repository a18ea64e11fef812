# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The push's pure parts: lock-out guard, undo, the steps a session types, backups, option checks.
Pushes over real SSH and telnet are in tests/integration/test_ix_push.py."""

from __future__ import annotations

import ipaddress
import os
import stat

import pytest

from ansible_collections.multisite.vpn.plugins.action.ix_cli_push import push_problems
from ansible_collections.multisite.vpn.plugins.plugin_utils.ix_action import connection_problems
from ansible_collections.multisite.vpn.plugins.plugin_utils import ix_push
from ansible_collections.multisite.vpn.plugins.plugin_utils.ix_config import (
    Step,
    is_ix_running_config,
    management_problems,
    parse_config,
    steps,
    undo_commands,
)
from ansible_collections.multisite.vpn.plugins.plugin_utils.ix_push import write_backup


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


def test_undo_removes_what_was_added_and_restores_hashed_secrets_at_every_depth():
    original = parse_config(
        "username admin password hash AAAA administrator\nip access-list a permit ip src any dest any\n"
        "ppp profile isp\n  authentication password u hash OLD\n"
        "router bgp 65001\n  address-family ipv4 unicast\n    network 10.0.0.0/8\n"
    )
    now = parse_config(
        "username admin password hash BBBB administrator\nip route 10.0.0.0/8 Null0.0\n"
        "ip access-list a permit ip src any dest any\nip access-list b permit ip src any dest any\n"
        "ppp profile isp\n  authentication password u hash NEW\n"
        "router bgp 65001\n  address-family ipv4 unicast\n    network 10.0.0.0/8\n    network 10.1.0.0/16\n"
        "interface Tunnel9.0\n  no shutdown\n"
    )
    assert undo_commands(now, original) == [
        "no ip route 10.0.0.0/8 Null0.0",
        "no ip access-list b permit ip src any dest any",
        "no interface Tunnel9.0",
        "username admin password hash AAAA administrator",
        "ppp profile isp", "authentication password u hash OLD", "exit",
        "router bgp 65001", "address-family ipv4 unicast", "no network 10.1.0.0/16", "exit", "exit",
    ]


def test_steps_follow_the_blocks_at_every_depth():
    intended = parse_config("router bgp 65001\n  address-family ipv4 unicast\n    network 10.0.0.0/8\nip route default Null0.0\n")
    commands = ["router bgp 65001", "address-family ipv4 unicast", "network 10.0.0.0/8", "exit", "exit", "ip route default Null0.0"]
    planned = steps(commands, [], intended)
    bgp, family = "router bgp 65001", "address-family ipv4 unicast"
    assert planned == [
        Step("router bgp 65001", True, ()), Step("address-family ipv4 unicast", True, (bgp,)), Step("network 10.0.0.0/8", False, (bgp, family)),
        Step("exit", False, (bgp, family)), Step("exit", False, (bgp,)), Step("ip route default Null0.0", False, ()),
    ]
    assert [step.in_block_after for step in planned] == [True, True, True, True, False, False]


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


GOOD_OPTIONS = {"host": "192.0.2.1", "username": "admin", "password": "pw", "port": 22, "timeout": 30, "delay_factor": 1.0,
                "authoritative_blocks": [".*"], "management_address": None}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"port": 0}, "port 0 is not a TCP port (1-65535)"),
        ({"port": 70000}, "port 70000 is not a TCP port"),
        ({"timeout": 0}, "timeout 0: give at least 1 second"),
        ({"delay_factor": 0.0}, "delay_factor 0.0: give a number above 0"),
        ({"authoritative_blocks": ["interface (Tunnel"]}, "authoritative_blocks: 'interface (Tunnel' is not a regular expression"),
        ({"password": ""}, "no password for 192.0.2.1: set the option or ansible_user / ansible_password"),
    ],
)
def test_option_problems(options, message):
    def problems_of(params):
        return connection_problems(params) + push_problems(params)

    assert problems_of(GOOD_OPTIONS) == []
    problems = problems_of(dict(GOOD_OPTIONS, **options))
    assert len(problems) == 1 and problems[0].startswith(message)
