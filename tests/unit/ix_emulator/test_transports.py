# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The IX emulator's terminal (pacing, injected faults and answers, without a network), then the emulator over real SSH and
telnet on loopback: netmiko's nec_ix drivers, raw telnet, paramiko, the CLI entry point.

The same faults, answers and pacing over sockets: tests/integration/test_ix_emulator_network.py.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import os
import socket
import subprocess
import sys
import time

import paramiko
import pytest
from netmiko import ConnectHandler
from paramiko.ssh_exception import IncompatiblePeer
from netmiko.exceptions import NetmikoAuthenticationException

from ansible_collections.multisite.vpn.ix_emulator import Device, Pacing
from ansible_collections.multisite.vpn.ix_emulator.server import LOOPBACK, serve
from ansible_collections.multisite.vpn.ix_emulator.terminal import FRAGMENT_MAX_BYTES, PacedOutput, Terminal, is_configuration_line
from ansible_collections.multisite.vpn.ix_emulator.session import MORE
from ansible_collections.multisite.vpn.ix_emulator.ssh import generate_host_key
from ansible_collections.multisite.vpn.ix_emulator.telnet import DO, ECHO, IAC, NAWS, SB, SE, SGA, WILL

# The emulator's key exchange is finite-field DH, as the router's; cryptography warns about it.
pytestmark = pytest.mark.filterwarnings("ignore:Diffie-Hellman over finite fields")

PASSWORD = "lab-test-password"
CONFIG = f"""\
username admin password plain {PASSWORD} administrator
ssh-server ip enable
telnet-server ip enable
"""
PROMPT = "Router# "
CONFIG_PROMPT = "Router(config)# "
OCCUPIED = "% CONFIG process is occupied."
NEW_ROUTE = "ip route 10.0.0.0/8 Null0.0"
GREETING = bytes([IAC, WILL, ECHO, IAC, WILL, SGA, IAC, DO, NAWS])
KEXINIT = 20
# The KEXINIT name-lists that matter here, in order (server to client after client to server); languages follow.
KEXINIT_FIELDS = ("kex", "host_key", "ciphers_out", "ciphers_in", "macs_out", "macs_in", "compression_out", "compression_in")
PROTOCOL_MARKERS = ("ext-info-s", "kex-strict-s-v00@openssh.com")
# A hang fails the test after this many seconds instead of blocking the run.
TIMEOUT = 10


# A fixed clock, so that two devices list the same `! Current time` lines and their output can be compared byte for byte.
FROZEN = datetime.datetime(2024, 5, 26, 16, 8, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=9)))
SECOND_ROUTE = "ip route 172.16.0.0/12 Null0.0"
THIRD_ROUTE = "ip route 192.168.0.0/16 Null0.0"
INVALID_INPUT = "% Invalid input"
# Pacing tests wait for timers on a real event loop; a timer never fires early, only late, so only lower bounds are
# exact. TIMER_RESOLUTION allows for asyncio running a timer up to its clock's resolution early.
TIMER_RESOLUTION = 1e-6
PACED_DELAYS = [0.0, 0.04, 0.25]


class FakeConnection:
    """A Terminal on no network: what it writes is kept, with the event loop's time of each write when there is one."""

    def __init__(self, device, pacing=Pacing(), login=False):
        self.writes: list[tuple[float, bytes]] = []
        # The delay of every timer the pacing set, when paced_session records them.
        self.delays: list[float] = []
        self.hung_up = False
        self.dropped = False
        self.terminal = Terminal(device, self._write, self._hang_up, login=login, pacing=pacing, drop=self._drop)
        self.terminal.start()

    @property
    def output(self) -> str:
        return b"".join(data for moment, data in self.writes).decode()

    def type(self, text: str) -> str:
        """Type text; returns what the terminal wrote at once (everything, without pacing)."""
        start = len(self.writes)
        self.terminal.receive(text.encode())
        return b"".join(data for moment, data in self.writes[start:]).decode()

    def _write(self, data: bytes) -> None:
        try:
            moment = asyncio.get_running_loop().time()
        except RuntimeError:
            moment = 0.0
        self.writes.append((moment, data))

    def _hang_up(self) -> None:
        self.hung_up = True

    def _drop(self) -> None:
        self.dropped = True


def in_configuration_mode(device):
    connection = FakeConnection(device)
    connection.type("configure\r")
    return connection


def test_without_pacing_the_terminal_answers_at_once_without_an_event_loop(device):
    connection = FakeConnection(device)
    assert connection.output.endswith(PROMPT)
    assert connection.type("configure\r") == "configure\r\nEnter configuration commands, one per line. End with CNTL/Z.\r\n" + CONFIG_PROMPT


def test_pacing_refuses_negative_delays():
    with pytest.raises(ValueError, match="echo_to_prompt"):
        Pacing(echo_to_prompt=-0.01)


def paced_session(pacing, typed):
    """Log in over a paced FakeConnection on a new event loop and type typed; returns the connection, once every answer
    is written, and what was written at once when typed arrived (the echo, when nothing else waited).
    connection.delays lists the delay of every timer the pacing set, in order."""
    device = Device.from_running_config(CONFIG, clock=lambda: FROZEN)
    delays: list[float] = []

    async def scenario():
        loop = asyncio.get_running_loop()
        schedule_timer = loop.call_later

        def recording_call_later(delay, callback, *arguments):
            if isinstance(getattr(callback, "__self__", None), PacedOutput):  # not the test's own sleeps
                delays.append(delay)
            return schedule_timer(delay, callback, *arguments)

        loop.call_later = recording_call_later
        connection = FakeConnection(device, pacing=pacing)
        connection.delays = delays
        while connection.terminal._output.busy:  # pylint: disable=protected-access  # the test waits for the queue
            await asyncio.sleep(0.005)
        at_once = connection.type(typed)
        while connection.terminal._output.busy:  # pylint: disable=protected-access
            await asyncio.sleep(0.005)
        return connection, at_once

    return asyncio.run(asyncio.wait_for(scenario(), TIMEOUT))


def first_write_with(writes, text: bytes, start=0):
    """The index of the write that completes text in the output from writes[start:]."""
    seen = b""
    for index in range(start, len(writes)):
        seen += writes[index][1]
        if text in seen:
            return index
    raise AssertionError(f"{text!r} not written; got {seen!r}")


@pytest.mark.parametrize("delay", PACED_DELAYS)
def test_the_answer_comes_echo_to_prompt_after_the_echo_of_the_line_end(delay):
    connection, at_once = paced_session(Pacing(echo_to_prompt=delay), "configure\r")
    writes = connection.writes
    echo_end = first_write_with(writes, b"configure\r\n")
    answer = echo_end + 1
    assert writes[answer][1].startswith(b"Enter configuration commands")
    assert writes[answer][0] - writes[echo_end][0] >= delay - TIMER_RESOLUTION
    # The echo itself is not delayed: it is written while the keys are received.
    assert at_once.startswith("configure\r\n")
    assert at_once == "configure\r\n" if delay else at_once.endswith(CONFIG_PROMPT)


def test_lines_of_an_answer_come_between_lines_apart():
    connection = paced_session(Pacing(echo_to_prompt=0.01, between_lines=0.05), "configure\r")[0]
    writes = connection.writes
    message = first_write_with(writes, b"End with CNTL/Z.\r\n")
    prompt = first_write_with(writes, CONFIG_PROMPT.encode(), start=message + 1)
    assert writes[prompt][0] - writes[message][0] >= 0.05 - TIMER_RESOLUTION
    assert connection.output.endswith("End with CNTL/Z.\r\n" + CONFIG_PROMPT)


def test_jitter_adds_at_most_its_amount_to_each_delay_and_repeats_with_its_seed():
    pacing = Pacing(echo_to_prompt=0.02, between_lines=0.01, jitter=0.03, seed=7)
    first = paced_session(pacing, "configure\r")[0]
    # The banner's lines, then the answer to `configure`: its first line after echo_to_prompt, its prompt a line later.
    line_delays = first.delays[-2:]
    assert 0.02 <= line_delays[0] <= 0.05 and 0.01 <= line_delays[1] <= 0.04
    assert len(set(first.delays)) == len(first.delays)  # every delay drew its own jitter
    assert paced_session(pacing, "configure\r")[0].delays == first.delays
    assert paced_session(dataclasses.replace(pacing, seed=8), "configure\r")[0].delays != first.delays


def test_fragmenting_splits_the_output_and_keeps_every_byte_in_order():
    typed = f"configure\r{NEW_ROUTE}\rshow running-config\r \r"
    whole = paced_session(Pacing(), typed)[0]
    fragmented = paced_session(Pacing(fragment=True), typed)[0]
    assert fragmented.output == whole.output
    assert len(fragmented.writes) > 2 * len(whole.writes)
    answers = [data for moment, data in fragmented.writes if len(data) > 1]
    assert all(len(data) <= FRAGMENT_MAX_BYTES for data in answers)
    # Some prompt arrives in more than one piece.
    assert CONFIG_PROMPT.encode() not in {data for moment, data in fragmented.writes}


def test_keys_typed_ahead_are_taken_after_the_answer_to_the_line_before():
    # Both lines arrive at once; the second line's echo must not overtake the first line's paced answer.
    connection = paced_session(Pacing(echo_to_prompt=0.03), f"configure\r{NEW_ROUTE}\r")[0]
    assert connection.output.endswith(f"{CONFIG_PROMPT}{NEW_ROUTE}\r\n{CONFIG_PROMPT}")


@pytest.mark.parametrize(
    ("line", "counts"),
    [("ip route default Tunnel0.0", True), ("  no ip route default Tunnel0.0", True), ("ip route bogus", True), ("show running-config", False),
     ("write memory", False), ("terminal length 0", False), ("exit", False), ("configure", False), ("! a comment", False), ("", False)],
)
def test_which_lines_count_towards_a_fault(line, counts):
    assert is_configuration_line(line) is counts


def test_a_fault_counts_configuration_lines_over_every_session_and_fires_once(device):
    device.inject_fault(3, "hang-up")
    first = in_configuration_mode(device)
    first.type(f"{NEW_ROUTE}\rterminal length 0\rshow running-config\rwrite memory\r{SECOND_ROUTE}\rexit\r")
    second = in_configuration_mode(device)
    assert second.type(f"{THIRD_ROUTE}\r") == f"{THIRD_ROUTE}\r\n"  # the echo, then nothing: the connection is cut
    assert second.dropped and not second.hung_up
    assert not first.dropped
    assert THIRD_ROUTE in device.running_config_lines()
    assert device.configuration_owner is None
    third = in_configuration_mode(device)
    assert third.type("ip route 10.1.0.0/16 Null0.0\r").endswith(CONFIG_PROMPT)


def test_lines_typed_at_the_reload_question_are_not_configuration_lines(device):
    device.inject_fault(1, "hang-up")
    connection = in_configuration_mode(device)
    assert connection.type("reload\rno\r").endswith(CONFIG_PROMPT)
    assert not connection.dropped
    assert device.configuration_lines_typed == 0


def test_the_reload_fault_restores_the_startup_configuration_and_ends_every_session(device):
    watcher = FakeConnection(device)
    device.inject_fault(2, "reload")
    typist = in_configuration_mode(device)
    assert typist.type(f"{NEW_ROUTE}\r{SECOND_ROUTE}\r").endswith(f"{CONFIG_PROMPT}{SECOND_ROUTE}\r\n")
    assert typist.hung_up and watcher.hung_up
    assert not device.sessions
    assert NEW_ROUTE not in device.running_config_lines()


def test_the_takeover_fault_drops_the_typist_back_to_operation_mode(device):
    device.inject_fault(1, "takeover")
    typist = in_configuration_mode(device)
    assert typist.type(f"{NEW_ROUTE}\r") == f"{NEW_ROUTE}\r\n{PROMPT}"
    assert NEW_ROUTE in device.running_config_lines()
    assert OCCUPIED in typist.type("configure\r")
    assert device.configuration_owner is not None and device.configuration_owner is not typist.terminal.session


@pytest.mark.parametrize("applied", [True, False], ids=["after-applying", "instead-of-applying"])
def test_an_injected_answer_comes_once_before_the_prompt(device, applied):
    device.inject_answer(f" {NEW_ROUTE} ", INVALID_INPUT, applied=applied)
    connection = in_configuration_mode(device)
    assert connection.type(f"{NEW_ROUTE}\r") == f"{NEW_ROUTE}\r\n{INVALID_INPUT}\r\n{CONFIG_PROMPT}"
    assert (NEW_ROUTE in device.running_config_lines()) is applied
    assert connection.type(f"{NEW_ROUTE}\r") == f"{NEW_ROUTE}\r\n{CONFIG_PROMPT}"
    assert NEW_ROUTE in device.running_config_lines()


def test_an_injected_answer_waits_for_a_configuration_mode(device):
    device.inject_answer("configure", "% Flash memory is busy", applied=True)
    connection = FakeConnection(device)
    assert "Flash" not in connection.type("configure\r")  # typed in operation mode
    assert connection.type("configure\r") == f"configure\r\n% Flash memory is busy\r\n{CONFIG_PROMPT}"


@pytest.mark.parametrize(("count", "fault"), [(0, "hang-up"), (1, "power-cut")])
def test_inject_fault_refuses_what_it_cannot_do(device, count, fault):
    with pytest.raises(ValueError):
        device.inject_fault(count, fault)


def test_an_added_login_is_accepted_besides_the_configurations_users(device):
    device.add_login("rehearsal", "rehearsal-password")
    assert device.accepts_login("rehearsal", "rehearsal-password")
    assert device.accepts_login("admin", PASSWORD)
    assert not device.accepts_login("rehearsal", PASSWORD)
    assert "rehearsal" not in "\n".join(device.running_config_lines())


@pytest.fixture(name="host_key", scope="module")
def fixture_host_key():
    return generate_host_key()


@pytest.fixture(name="device")
def fixture_device():
    return Device.from_running_config(CONFIG)


@pytest.fixture(name="ports")
def fixture_ports(device, host_key):
    with serve(device, host_key=host_key) as ports:
        yield ports


def netmiko_connection(device_type, port, password=PASSWORD):
    return ConnectHandler(
        device_type=device_type,
        host=LOOPBACK,
        port=port,
        username="admin",
        password=password,
        fast_cli=True,
        conn_timeout=TIMEOUT,
        auth_timeout=TIMEOUT,
        read_timeout_override=TIMEOUT,
        # The emulator's host key is new on every run.
        ssh_strict=False,
        system_host_keys=False,
        alt_host_keys=False,
        use_keys=False,
        allow_agent=False,
    )


class RawTelnet:
    """A minimal telnet client that sees every byte the server sends."""

    def __init__(self, port):
        self.socket = socket.create_connection((LOOPBACK, port), timeout=TIMEOUT)
        self.received = b""

    def read_until(self, marker: bytes) -> bytes:
        """Everything up to and including marker, from what was not read before."""
        deadline = time.monotonic() + TIMEOUT
        while marker not in self.received:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{marker!r} not received; got {self.received!r}")
            chunk = self.socket.recv(4096)
            if not chunk:
                raise EOFError(f"closed before {marker!r}; got {self.received!r}")
            self.received += chunk
        end = self.received.index(marker) + len(marker)
        text, self.received = self.received[:end], self.received[end:]
        return text

    def read_to_close(self) -> bytes:
        text = self.received
        while chunk := self.socket.recv(4096):
            text += chunk
        self.received = b""
        return text

    def send(self, data: bytes) -> None:
        self.socket.sendall(data)

    def log_in(self, password=PASSWORD, until=PROMPT.encode()) -> bytes:
        """Answer `login:` and `Password:`; returns what follows, up to until."""
        self.read_until(b"login: ")
        self.send(b"admin\r\0")
        self.read_until(b"Password: ")
        self.send(password.encode() + b"\r\n")
        return self.read_until(until)

    def close(self):
        self.socket.close()


@pytest.fixture(name="telnet")
def fixture_telnet(ports):
    client = RawTelnet(ports.telnet)
    yield client
    client.close()


@pytest.mark.parametrize(("device_type", "transport"), [("nec_ix", "ssh"), ("nec_ix_telnet", "telnet")], ids=["ssh", "telnet"])
def test_netmiko_shows_and_changes_the_running_config(device, ports, device_type, transport):
    connection = netmiko_connection(device_type, getattr(ports, transport))
    try:
        assert connection.find_prompt() == "Router#"
        connection.config_mode()
        listing = connection.send_command("show running-config")
        connection.send_config_set([NEW_ROUTE])
    finally:
        connection.disconnect()
    lines = listing.splitlines()
    assert lines[0] == "! NEC Portable Internetwork Core Operating System Software"
    assert lines[3].startswith("! Current time ")
    assert lines[4] == "!"
    assert lines[5].startswith("username admin password hash ")
    assert PASSWORD not in listing
    assert "interface GigaEthernet0.0\n  no ip address\n  shutdown\n!" in listing
    assert "interface Null0.0\n  no ip address\n!" in listing
    assert NEW_ROUTE in device.running_config_lines()


def test_netmiko_ssh_refuses_a_wrong_password(ports):
    with pytest.raises(NetmikoAuthenticationException):
        netmiko_connection("nec_ix", ports.ssh, password="wrong-password")


def test_one_configuration_session_across_ssh_and_telnet(device, ports):
    ssh = netmiko_connection("nec_ix", ports.ssh)
    telnet = netmiko_connection("nec_ix_telnet", ports.telnet)
    try:
        ssh.send_command("configure", expect_string=r"\(config\)# ")
        refused = telnet.send_command("configure", expect_string=r"# ")
        assert telnet.find_prompt() == "Router#"
        assert device.configuration_owner in device.sessions
    finally:
        telnet.disconnect()
        ssh.disconnect()
    assert OCCUPIED in refused
    assert "svintr-config" in refused


def test_telnet_negotiates_and_asks_for_login(telnet):
    assert telnet.read_until(b"login: ") == GREETING + b"login: "
    # The client's answers, with a NAWS report of 200x50 the server must swallow.
    telnet.send(bytes([IAC, DO, ECHO, IAC, DO, SGA, IAC, WILL, NAWS, IAC, SB, NAWS, 0, 200, 0, 50, IAC, SE]))
    telnet.send(b"admin\r\0")
    assert telnet.read_until(b"Password: ") == b"admin\r\nPassword: "
    telnet.send(PASSWORD.encode() + b"\r\0")
    after_password = telnet.read_until(PROMPT.encode())
    assert PASSWORD.encode() not in after_password
    assert after_password.startswith(b"\r\nNEC Portable Internetwork Core Operating System Software\r\n")


def test_telnet_wrong_passwords_hang_up_after_three_tries(telnet):
    for attempt in range(3):
        assert telnet.log_in(password=f"wrong-{attempt}", until=b"incorrect\r\n") == b"\r\nLogin incorrect\r\n"
    assert telnet.read_to_close() == b""


def test_telnet_echoes_and_edits_typed_lines(device, telnet):
    telnet.log_in()
    # DEL and BS both erase; CR LF is one line end.
    telnet.send(b"confx\x7fig\x08gure\r\n")
    assert telnet.read_until(CONFIG_PROMPT.encode()).startswith(b"confx\b \big\b \bgure\r\nEnter configuration commands")
    assert device.configuration_owner is not None
    telnet.send(b"exit\rexit\r")
    assert telnet.read_to_close().endswith(PROMPT.encode() + b"exit\r\n")
    assert device.configuration_owner is None
    assert not device.sessions


def test_telnet_pages_with_more(telnet):
    telnet.log_in()
    telnet.send(b"configure\r")
    telnet.read_until(CONFIG_PROMPT.encode())
    telnet.send(b"show running-config\r")
    first_page = telnet.read_until(MORE.encode())
    assert first_page.count(b"\r\n") == 24  # the echoed line, then 23 lines of a 24-line page
    telnet.send(b"q")
    assert telnet.read_until(CONFIG_PROMPT.encode()).endswith(b"\r" + CONFIG_PROMPT.encode())
    telnet.send(b"show running-config\r")
    telnet.read_until(MORE.encode())
    telnet.send(b" ")
    rest = telnet.read_until(CONFIG_PROMPT.encode())
    assert b"interface Null0.0\r\n  no ip address\r\n!\r\n" in rest


def ssh_transport(port, **options):
    sock = socket.create_connection((LOOPBACK, port), timeout=TIMEOUT)
    return paramiko.Transport(sock, **options)


def server_kexinit(port):
    """The name-lists of the server's first KEXINIT: kex, host key, ciphers and MACs each way, compression."""
    with socket.create_connection((LOOPBACK, port), timeout=TIMEOUT) as sock:
        sock.sendall(b"SSH-2.0-kexinit-probe\r\n")
        stream = sock.makefile("rb")
        while not stream.readline().startswith(b"SSH-"):
            pass
        packet_length = int.from_bytes(stream.read(4), "big")
        packet = stream.read(packet_length)
    # The first byte counts the random padding at the end.
    payload = packet[1:packet_length - packet[0]]
    assert payload[0] == KEXINIT
    names, offset = {}, 17  # message number, then a 16-byte cookie
    for field in KEXINIT_FIELDS:
        length = int.from_bytes(payload[offset:offset + 4], "big")
        names[field] = payload[offset + 4:offset + 4 + length].decode().split(",")
        offset += 4 + length
    return names


def test_ssh_offers_only_the_routers_algorithms(ports):
    offered = server_kexinit(ports.ssh)
    # asyncssh adds the RFC 8308 and strict-kex markers, which are not algorithms.
    assert [name for name in offered["kex"] if name not in PROTOCOL_MARKERS] == ["diffie-hellman-group-exchange-sha256"]
    assert offered["host_key"] == ["ssh-rsa"]
    assert offered["ciphers_out"] == offered["ciphers_in"] == ["aes128-ctr", "aes192-ctr", "aes256-ctr"]
    assert offered["macs_out"] == offered["macs_in"] == ["hmac-sha2-256", "hmac-sha2-512"]
    assert offered["compression_out"] == offered["compression_in"] == ["none"]


def test_paramiko_negotiates_with_the_emulator(ports):
    transport = ssh_transport(ports.ssh)
    try:
        transport.start_client(timeout=TIMEOUT)
        assert transport.host_key_type == "ssh-rsa"
        assert transport.get_remote_server_key().get_name() == "ssh-rsa"
    finally:
        transport.close()


@pytest.mark.parametrize(
    "disabled",
    [
        pytest.param({"keys": ["ssh-rsa"]}, id="rsa-sha2-only-host-key"),
        pytest.param({"kex": ["diffie-hellman-group-exchange-sha256"]}, id="no-group-exchange"),
        pytest.param({"ciphers": ["aes128-ctr", "aes192-ctr", "aes256-ctr"]}, id="no-aes-ctr"),
    ],
)
def test_ssh_refuses_clients_without_the_routers_algorithms(ports, disabled):
    transport = ssh_transport(ports.ssh, disabled_algorithms=disabled)
    try:
        with pytest.raises(IncompatiblePeer):
            transport.start_client(timeout=TIMEOUT)
    finally:
        transport.close()


def test_ssh_exit_closes_the_channel_without_exit_status(device, ports):
    transport = ssh_transport(ports.ssh)
    try:
        transport.start_client(timeout=TIMEOUT)
        transport.auth_password("admin", PASSWORD)
        channel = transport.open_session(timeout=TIMEOUT)
        channel.settimeout(TIMEOUT)
        channel.get_pty()
        channel.invoke_shell()
        output = b""
        while not output.endswith(PROMPT.encode()):
            output += channel.recv(4096)
        channel.send(b"exit\n")
        while channel.recv(4096):
            pass
        # paramiko reports -1 when the channel closed without an exit-status request.
        assert channel.recv_exit_status() == -1
    finally:
        transport.close()
    assert not device.sessions


def test_module_runs_as_a_process(tmp_path):
    running_config = tmp_path / "running-config"
    running_config.write_text(CONFIG, encoding="utf-8")
    command = [sys.executable, "-m", "ansible_collections.multisite.vpn.ix_emulator", "--running-config", str(running_config),
               "--ssh-port", "0", "--telnet-port", "0", "--listen", LOOPBACK]
    environment = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), PYTHONWARNINGS="ignore")
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=environment) as process:
        try:
            words = process.stdout.readline().split()
            assert words[0::2] == ["ssh", "telnet"]
            client = RawTelnet(int(words[3]))
            try:
                assert client.log_in().endswith(PROMPT.encode())
            finally:
                client.close()
        finally:
            process.terminate()
            assert process.wait(TIMEOUT) == 0
