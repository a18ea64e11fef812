# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The IX push against the emulator over real SSH and telnet: at several latencies, with a router that answers
badly (errors the push never saw before, a dropped connection, a reboot, another administrator's takeover)."""

from __future__ import annotations

import os
import socket
import stat

import pytest

from ansible_collections.multisite.vpn.ix_emulator import Device
from ansible_collections.multisite.vpn.ix_emulator.server import LOOPBACK, serve
from ansible_collections.multisite.vpn.ix_emulator.terminal import Pacing
from ansible_collections.multisite.vpn.plugins.plugin_utils.ix_config import IxConfigError
from ansible_collections.multisite.vpn.plugins.plugin_utils.ix_push import IxPushError, push
from ansible_collections.multisite.vpn.tests.data.ix import TOKYO, running_body, startup_body

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
ROUTES = ["ip route 10.%d.0.0/16 Null0.0" % number for number in range(6)]
TIMEOUT = 10
PACINGS = {
    "0ms": Pacing(),
    "40ms-fragmented": Pacing(echo_to_prompt=0.04, fragment=True),
    "250ms-jitter": Pacing(echo_to_prompt=0.25, between_lines=0.002, jitter=0.05),
}


@pytest.fixture(name="router")
def fixture_router(host_key):
    device = Device.from_running_config(MANAGEMENT)
    saves = []
    device.on_save = saves.append
    with serve(device, host_key=host_key) as ports:
        yield device, ports, saves


def params(ports, transport, config, tmp_path, **options):
    return dict(
        {
            "transport": transport, "host": LOOPBACK, "port": getattr(ports, transport) if ports else 0, "username": "admin",
            "password": PASSWORD, "config": config, "save_when": "changed", "update_secrets": False, "takeover": False,
            "allow_management_change": False, "authoritative_blocks": [".*"], "backup_dir": str(tmp_path / "backups"),
            "timeout": TIMEOUT, "delay_factor": 1.0, "management_address": None,
        },
        **options,
    )


@pytest.mark.parametrize("transport", ["ssh", "telnet"])
@pytest.mark.parametrize("pacing", list(PACINGS), ids=list(PACINGS))
def test_push_then_nothing_at_any_latency(host_key, transport, pacing, tmp_path):
    """A router whose prompt comes late, in pieces, or with jitter: every answer is read up to its own prompt."""
    device = Device.from_running_config(MANAGEMENT)
    config = MANAGEMENT + "".join(route + "\n" for route in ROUTES[:3]) + "interface Tunnel5.0\n  ip ospf cost 50\n  no shutdown\n"
    with serve(device, host_key=host_key, pacing=PACINGS[pacing]) as ports:
        first = push(params(ports, transport, config, tmp_path))
        assert first["changed"] and first["saved"]
        assert first["commands"] == ROUTES[:3] + ["interface Tunnel5.0", "ip ospf cost 50", "no shutdown", "exit"]
        second = push(params(ports, transport, config, tmp_path))
    assert (second["changed"], second["commands"], second["saved"]) == (False, [], False)
    assert "  ip ospf cost 50" in running_body(device)


@pytest.mark.parametrize("transport", ["ssh", "telnet"])
def test_seed_config_is_pushed_saved_then_left_alone(router, transport, tmp_path):
    device, ports, saves = router
    first = push(params(ports, transport, TOKYO + MANAGEMENT, tmp_path))
    assert first["changed"] and first["saved"] and first["commands"]
    assert startup_body(device) == running_body(device)
    backup = first["backup_path"]
    assert stat.S_IMODE(os.stat(backup).st_mode) == 0o600
    assert PASSWORD not in open(backup, encoding="utf-8").read()
    second = push(params(ports, transport, TOKYO + MANAGEMENT, tmp_path))
    assert (second["changed"], second["commands"], second["saved"]) == (False, [], False)
    assert "backup_path" not in second and len(saves) == 1


def test_check_mode_sends_nothing(router, tmp_path):
    device, ports, saves = router
    before = running_body(device)
    result = push(params(ports, "ssh", MANAGEMENT + ROUTES[0] + "\n", tmp_path), check_mode=True)
    assert result["changed"] and result["commands"] == [ROUTES[0]]
    assert running_body(device) == before and not saves
    assert not (tmp_path / "backups").exists()


def test_occupied_configuration_fails_unless_takeover(router, tmp_path):
    device, ports, _saves = router
    holder = device.open_session()
    holder.feed("configure")
    change = MANAGEMENT + ROUTES[0] + "\n"
    with pytest.raises(IxPushError, match="another session holds the router's configuration mode; nothing was sent"):
        push(params(ports, "telnet", change, tmp_path))
    assert ROUTES[0] not in device.running_config_lines()
    assert push(params(ports, "telnet", change, tmp_path, takeover=True))["changed"]
    assert ROUTES[0] in device.running_config_lines()


@pytest.mark.parametrize("transport", ["ssh", "telnet"])
def test_rejected_line_is_undone_and_reported(router, transport, tmp_path):
    device, ports, saves = router
    before = running_body(device)
    config = MANAGEMENT + ROUTES[0] + "\n" + ROUTES[1] + "\nip route 10.9.0.0/16 Bogus0.0\nproxy-dns ip enable\n"
    with pytest.raises(IxPushError) as error:
        push(params(ports, transport, config, tmp_path))
    message = str(error.value)
    assert "the router rejected 'ip route 10.9.0.0/16 Bogus0.0': % Bogus0.0 -- Invalid command." in message
    assert "what it had applied was undone (2 commands)" in message and message.endswith("nothing was saved")
    assert error.value.result["commands"] == ROUTES[:2] and error.value.result["changed"] is True
    assert error.value.result["failed_command"] == "ip route 10.9.0.0/16 Bogus0.0"
    assert error.value.result["undone"] is True and error.value.result["fresh_login_checked"] is False
    assert running_body(device) == before and not saves


@pytest.mark.parametrize(
    "answer",
    ["% Invalid input detected", "% Command not found: proxy-dns", "% proxy-dns is not configured", "% Incomplete command."],
)
def test_any_percent_line_is_an_error(router, tmp_path, answer):
    """Errors the push was never told about: the router applied the line and complained (or did not apply it)."""
    device, ports, saves = router
    before = running_body(device)
    device.inject_answer("proxy-dns ip enable", answer, applied=True)
    with pytest.raises(IxPushError, match="the router rejected 'proxy-dns ip enable': " + answer) as error:
        push(params(ports, "ssh", MANAGEMENT + ROUTES[0] + "\nproxy-dns ip enable\n", tmp_path))
    assert error.value.result["undone"] is True
    assert running_body(device) == before and not saves


def test_known_warnings_are_not_errors(router, tmp_path):
    device, ports, _saves = router
    device.inject_answer("proxy-dns ip enable", "% You must restart the router for this configuration to take effect.", applied=True)
    result = push(params(ports, "ssh", MANAGEMENT + "proxy-dns ip enable\n", tmp_path))
    assert result["changed"] and result["saved"]


def test_a_rejected_undo_is_said_plainly(router, tmp_path):
    device, ports, _saves = router
    device.inject_answer("no " + ROUTES[0], "% Invalid input detected", applied=False)
    with pytest.raises(IxPushError) as error:
        push(params(ports, "telnet", MANAGEMENT + ROUTES[0] + "\nip route 10.9.0.0/16 Bogus0.0\n", tmp_path))
    message = str(error.value)
    assert f"the undo was rejected at 'no {ROUTES[0]}' (% Invalid input detected): the router holds part of this push" in message
    assert error.value.result["undone"] is False and ROUTES[0] in device.running_config_lines()


@pytest.mark.parametrize("transport", ["ssh", "telnet"])
@pytest.mark.parametrize("fault", ["hang-up", "reload", "takeover"])
def test_push_cut_part_way_says_what_was_applied_and_a_rerun_completes_and_saves_once(router, transport, fault, tmp_path):
    device, ports, saves = router
    config = MANAGEMENT + "".join(route + "\n" for route in ROUTES)
    device.inject_fault(3, fault)
    with pytest.raises(IxPushError) as error:
        push(params(ports, transport, config, tmp_path))
    result = error.value.result
    assert result["changed"] is True and result["undone"] is False and not saves
    expected = {"hang-up": "the connection to the router was lost", "reload": "the connection to the router was lost",
                "takeover": "configuration mode was taken from this session"}[fault]
    assert expected in str(error.value) and "run again to complete the push" in str(error.value)
    applied_on_router = [route for route in ROUTES if route in device.running_config_lines()]
    if fault == "reload":
        assert applied_on_router == []  # the reload went back to the saved configuration
    else:
        assert applied_on_router == ROUTES[:3] and result["commands"][:2] == ROUTES[:2]
    for session in device.sessions:  # the administrator who took over logs out
        session.close()
    rerun = push(params(ports, transport, config, tmp_path))
    assert rerun["saved"] and all(route in device.startup_config_lines() for route in ROUTES)
    assert len(saves) == 1


def test_change_to_the_management_interface_is_refused(router, tmp_path):
    device, ports, _saves = router
    config = MANAGEMENT.replace(f"ip address {LOOPBACK}/8", "ip address 192.0.2.1/24")
    with pytest.raises(IxPushError, match="interface GigaEthernet1.0: 'ip address 192.0.2.1/24' changes the interface this session arrives through"):
        push(params(ports, "ssh", config, tmp_path))
    assert "  ip address 127.0.0.1/8" in device.running_config_lines()


def test_the_guard_checks_the_management_address_it_is_given(router, tmp_path):
    """A rehearsal on 127.0.0.1 guards the interface the real session arrives through."""
    device, ports, _saves = router
    real = MANAGEMENT + "interface GigaEthernet2.0\n  ip address 192.0.2.1/24\n  no shutdown\n"
    push(params(ports, "ssh", real, tmp_path))
    change = real.replace("192.0.2.1/24", "192.0.2.9/24")
    with pytest.raises(IxPushError, match="interface GigaEthernet2.0: 'no ip address 192.0.2.1/24' changes the interface"):
        push(params(ports, "ssh", change, tmp_path, management_address="192.0.2.1"))
    assert "  ip address 192.0.2.1/24" in device.running_config_lines()


def test_failed_fresh_login_undoes_the_push(router, tmp_path):
    device, ports, saves = router
    config = MANAGEMENT.replace(PASSWORD, "a-password-nobody-knows") + ROUTES[0] + "\n"
    options = {"update_secrets": True, "allow_management_change": True}
    expected = r"a fresh session could not log in after the push .*; what it had applied was undone \(2 commands\); nothing was saved"
    with pytest.raises(IxPushError, match=expected) as error:
        push(params(ports, "telnet", config, tmp_path, **options))
    assert error.value.result["fresh_login_checked"] is True and error.value.result["undone"] is True
    assert "a-password-nobody-knows" not in repr(error.value.result) + str(error.value)
    assert device.accepts_login("admin", PASSWORD)
    assert ROUTES[0] not in device.running_config_lines() and not saves


@pytest.mark.parametrize(
    ("config", "secret"),
    [
        ("ikev2 authentication psk id keyid tokyo key char has a space\n", "has a space"),
        ("ikev2 authentication psk id keyid tokyo kye char typo-secret-value\n", "typo-secret-value"),
        ("ppp profile isp\n  authentication password user@isp mistyped secret-in-ppp extra\n", "secret-in-ppp"),
    ],
    ids=["psk-with-space", "typo-in-the-secret-line", "ppp-password-with-extra-words"],
)
def test_no_secret_in_any_result_or_message(router, tmp_path, config, secret):
    _device, ports, _saves = router
    try:
        result = push(params(ports, "ssh", MANAGEMENT + config, tmp_path))
    except IxPushError as error:
        shown = str(error) + repr(error.result)
    else:
        shown = repr(result)
    for word in [secret] + secret.split():
        if len(word) >= 3:
            assert word not in shown


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("interface Tunnel5.0\n  no shutdown\n  exit\n", "the intended config, line 3: 'exit' is a session command"),
        ("interface Tunnel5.0\n\tno shutdown\n", "the intended config, line 2: 'no shutdown' contains a tab"),
        ("  ip route 10.0.0.0/8 Null0.0\n", "the intended config, line 1: 'ip route 10.0.0.0/8 Null0.0' is indented"),
    ],
)
def test_a_text_that_cannot_be_read_sends_nothing(router, tmp_path, config, message):
    device, ports, _saves = router
    before = running_body(device)
    with pytest.raises(IxConfigError, match=message):
        push(params(ports, "ssh", config + MANAGEMENT, tmp_path))
    assert running_body(device) == before


def test_a_global_line_indented_by_mistake_is_undone(router, tmp_path):
    device, ports, saves = router
    before = running_body(device)
    config = MANAGEMENT + "interface Tunnel5.0\n  no shutdown\n  ip route 10.0.0.0/8 Null0.0\n"
    with pytest.raises(IxPushError, match="the router rejected 'ip route 10.0.0.0/8 Null0.0'.*was undone .*; nothing was saved"):
        push(params(ports, "ssh", config, tmp_path))
    assert running_body(device) == before and not saves


def test_crlf_text_is_read_like_lf(router, tmp_path):
    _device, ports, _saves = router
    config = MANAGEMENT + ROUTES[0] + "\n"
    crlf = push(params(ports, "telnet", config.replace("\n", "\r\n"), tmp_path), check_mode=True)
    assert crlf["commands"] == [ROUTES[0]]


def test_wrong_transport_for_the_port_is_one_line(router, tmp_path):
    _device, ports, _saves = router
    with pytest.raises(IxPushError, match="that port speaks SSH, not telnet; set transport: ssh"):
        push(dict(params(ports, "telnet", MANAGEMENT, tmp_path), port=ports.ssh))
    with pytest.raises(IxPushError, match="no SSH greeting came .*set transport: telnet"):
        push(dict(params(ports, "ssh", MANAGEMENT, tmp_path, timeout=3), port=ports.telnet))


def test_nothing_listening_is_one_line(tmp_path):
    with socket.socket() as placeholder:
        placeholder.bind((LOOPBACK, 0))
        port = placeholder.getsockname()[1]
    with pytest.raises(IxPushError, match="ssh to 127.0.0.1:%d" % port):
        push(dict(params(None, "ssh", MANAGEMENT, tmp_path, timeout=3), port=port))
