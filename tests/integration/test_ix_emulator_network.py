# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The IX emulator's pacing, faults and injected answers as a client sees them, over real SSH and telnet on loopback.

Raw clients (a socket for telnet, a paramiko channel for SSH) see every byte and when it arrived; netmiko shows that a
standard driver still gets through a slow, ragged router. Timings are checked from the client's side only as lower
bounds measured from the moment a line was sent (a busy machine makes them longer, never shorter); the exact gaps
between the echo and the answer are checked on the event loop itself in tests/unit/ix_emulator/test_terminal.py.
"""

from __future__ import annotations

import datetime
import socket
import time

import paramiko
import pytest
from netmiko import ConnectHandler

from ansible_collections.multisite.vpn.ix_emulator import Device, Pacing
from ansible_collections.multisite.vpn.ix_emulator.server import LOOPBACK, serve
from ansible_collections.multisite.vpn.tests.data.ix import EMULATOR_CONFIG as CONFIG
from ansible_collections.multisite.vpn.tests.data.ix import EMULATOR_CONFIG_PROMPT, EMULATOR_PROMPT
from ansible_collections.multisite.vpn.tests.data.ix import EMULATOR_PASSWORD as PASSWORD
from ansible_collections.multisite.vpn.tests.data.ix import OCCUPIED as OCCUPIED_TEXT

# The emulator's key exchange is finite-field DH, as the router's; cryptography warns about it.
pytestmark = pytest.mark.filterwarnings("ignore:Diffie-Hellman over finite fields")

# A fixed clock, so that two devices list the same `! Current time` lines.
FROZEN = datetime.datetime(2024, 5, 26, 16, 8, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=9)))
PROMPT = EMULATOR_PROMPT.encode()
CONFIG_PROMPT = EMULATOR_CONFIG_PROMPT.encode()
OCCUPIED = OCCUPIED_TEXT.encode()
ROUTES = ("ip route 10.0.0.0/8 Null0.0", "ip route 172.16.0.0/12 Null0.0", "ip route 192.168.0.0/16 Null0.0")
INVALID_INPUT = "% Invalid input"
KINDS = ("ssh", "telnet")
# The delays the push client must cope with: none, a prompt 40 ms after the echo (the router it fell out of step
# with), a quarter of a second.
DELAYS = (0.0, 0.04, 0.25)
# A hang fails the test after this many seconds instead of blocking the run; also the upper bound of any wait.
TIMEOUT = 15


def new_device():
    return Device.from_running_config(CONFIG, clock=lambda: FROZEN)


class RawClient:
    """A client that sees every byte the router sends and when each read returned it."""

    def __init__(self) -> None:
        self.stream = b""
        self.reads: list[tuple[float, bytes]] = []
        self._position = 0

    def _receive(self) -> bytes:
        raise NotImplementedError

    def send(self, data: bytes) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def send_line(self, line: str) -> float:
        """Type line and Enter; returns the time just before it was sent."""
        sent = time.monotonic()
        self.send(line.encode() + b"\r")
        return sent

    def read_until(self, marker: bytes) -> bytes:
        """Everything up to and including marker, from what was not read before."""
        deadline = time.monotonic() + TIMEOUT
        while marker not in self.stream[self._position:]:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{marker!r} not received; got {self.stream[self._position:]!r}")
            if not self._read():
                raise EOFError(f"closed before {marker!r}; got {self.stream[self._position:]!r}")
        end = self.stream.index(marker, self._position) + len(marker)
        text, self._position = self.stream[self._position:end], end
        return text

    def read_to_close(self) -> bytes:
        """Everything until the router closes the connection."""
        while self._read():
            pass
        text, self._position = self.stream[self._position:], len(self.stream)
        return text

    def read_index_of(self, offset: int) -> int:
        """Which read brought the byte at offset of the stream."""
        start = 0
        for index, (moment, data) in enumerate(self.reads):
            if start <= offset < start + len(data):
                return index
            start += len(data)
        raise AssertionError(f"byte {offset} not received")

    def arrival_of(self, offset: int) -> float:
        """When the read that brought the byte at offset of the stream returned."""
        return self.reads[self.read_index_of(offset)][0]

    def _read(self) -> bool:
        data = self._receive()
        if data:
            self.reads.append((time.monotonic(), data))
            self.stream += data
        return bool(data)


class RawTelnet(RawClient):
    """Telnet as bytes on a socket; log_in() answers `login:` and `Password:`."""

    def __init__(self, port: int, username: str = "admin", password: str = PASSWORD) -> None:
        super().__init__()
        self.socket = socket.create_connection((LOOPBACK, port), timeout=TIMEOUT)
        self.username, self.password = username, password

    def log_in(self, until: bytes = PROMPT) -> bytes:
        self.read_until(b"login: ")
        self.send(self.username.encode() + b"\r\0")
        self.read_until(b"Password: ")
        self.send(self.password.encode() + b"\r\0")
        return self.read_until(until)

    def _receive(self) -> bytes:
        try:
            return self.socket.recv(4096)
        except ConnectionResetError:
            return b""

    def send(self, data: bytes) -> None:
        self.socket.sendall(data)

    def close(self) -> None:
        self.socket.close()


class RawSSH(RawClient):
    """An SSH shell channel (paramiko) as bytes; the password is checked on connecting."""

    def __init__(self, port: int, username: str = "admin", password: str = PASSWORD) -> None:
        super().__init__()
        self.transport = paramiko.Transport(socket.create_connection((LOOPBACK, port), timeout=TIMEOUT))
        try:
            self.transport.start_client(timeout=TIMEOUT)
            self.transport.auth_password(username, password)
            self.channel = self.transport.open_session(timeout=TIMEOUT)
            self.channel.settimeout(TIMEOUT)
            self.channel.get_pty()
            self.channel.invoke_shell()
        except Exception:
            self.transport.close()
            raise

    def log_in(self) -> bytes:
        return self.read_until(PROMPT)

    def _receive(self) -> bytes:
        return self.channel.recv(4096)

    def send(self, data: bytes) -> None:
        self.channel.sendall(data)

    def close(self) -> None:
        self.transport.close()


def logged_in(kind: str, ports) -> RawClient:
    client = RawSSH(ports.ssh) if kind == "ssh" else RawTelnet(ports.telnet)
    client.log_in()
    return client


def typed(client: RawClient, line: str, until: bytes = CONFIG_PROMPT) -> bytes:
    """Type line; returns the echo and the answer up to until."""
    client.send_line(line)
    return client.read_until(until)


@pytest.fixture(name="clients")
def fixture_clients():
    """Connect with clients.open(kind, ports); every client is closed after the test."""

    class Clients:
        def __init__(self):
            self.opened = []

        def open(self, kind, ports):
            client = logged_in(kind, ports)
            self.opened.append(client)
            return client

    clients = Clients()
    yield clients
    for client in clients.opened:
        client.close()


# --- Pacing ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("delay", DELAYS, ids=[f"{int(delay * 1000)}ms" for delay in DELAYS])
@pytest.mark.parametrize("kind", KINDS)
def test_the_answer_comes_no_sooner_than_echo_to_prompt_after_the_line(host_key, clients, kind, delay):
    with serve(new_device(), host_key=host_key, pacing=Pacing(echo_to_prompt=delay)) as ports:
        client = clients.open(kind, ports)
        sent = client.send_line("configure")
        echo = client.read_until(b"configure\r\n")
        client.read_until(CONFIG_PROMPT)
        answered = client.arrival_of(client.stream.index(echo) + len(echo)) - sent
    assert delay <= answered < delay + TIMEOUT


@pytest.mark.parametrize("kind", KINDS)
def test_fragmented_output_is_the_same_bytes_split_across_reads(host_key, clients, kind):
    script = ["configure", ROUTES[0], "terminal length 0", "show running-config", "exit"]
    streams = {}
    for fragment in (False, True):
        with serve(new_device(), host_key=host_key, pacing=Pacing(fragment=fragment)) as ports:
            client = clients.open(kind, ports)
            for line in script:
                typed(client, line, until=PROMPT if line == "exit" else CONFIG_PROMPT)
            streams[fragment] = client
    whole, fragmented = streams[False], streams[True]
    assert fragmented.stream == whole.stream
    assert len(fragmented.reads) > 2 * len(whole.reads)
    # Prompts arrive split across reads: a client that waits for the prompt must keep reading.
    prompts = [offset for offset in range(len(fragmented.stream)) if fragmented.stream.startswith(CONFIG_PROMPT, offset)]
    split = [offset for offset in prompts if fragmented.read_index_of(offset) != fragmented.read_index_of(offset + len(CONFIG_PROMPT) - 1)]
    assert split and not any(whole.read_index_of(offset) != whole.read_index_of(offset + len(CONFIG_PROMPT) - 1) for offset in prompts)


@pytest.mark.parametrize(("device_type", "kind"), [("nec_ix", "ssh"), ("nec_ix_telnet", "telnet")], ids=KINDS)
def test_netmiko_configures_a_slow_ragged_router(host_key, device_type, kind):
    device = new_device()
    # The router the push client fell out of step with: its prompt 40 ms after the echo. (At 250 ms netmiko gets through
    # too, in about ten seconds a test.) Lines only a little apart: the login banner alone has six.
    pacing = Pacing(echo_to_prompt=0.04, between_lines=0.005, jitter=0.01, fragment=True)
    with serve(device, host_key=host_key, pacing=pacing) as ports:
        connection = ConnectHandler(
            device_type=device_type, host=LOOPBACK, port=getattr(ports, kind), username="admin", password=PASSWORD,
            conn_timeout=TIMEOUT, auth_timeout=TIMEOUT, read_timeout_override=TIMEOUT, ssh_strict=False,
            system_host_keys=False, alt_host_keys=False, use_keys=False, allow_agent=False,
        )
        try:
            output = connection.send_config_set(list(ROUTES))
        finally:
            connection.disconnect()
    assert "%" not in output
    assert all(route in device.running_config_lines() for route in ROUTES)


# --- Faults ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_hang_up_closes_the_typing_connection_after_the_line_before_its_prompt(host_key, clients, kind):
    device = new_device()
    with serve(device, host_key=host_key) as ports:
        device.inject_fault(2, "hang-up")
        client = clients.open(kind, ports)
        typed(client, "configure")
        typed(client, ROUTES[0])
        client.send_line(ROUTES[1])
        assert client.read_to_close() == ROUTES[1].encode() + b"\r\n"  # the echo, then the end
        assert ROUTES[1] in device.running_config_lines()
        assert device.configuration_owner is None and not device.sessions
        # Once only: the next session types on.
        again = clients.open(kind, ports)
        typed(again, "configure")
        assert typed(again, ROUTES[2]).endswith(CONFIG_PROMPT)


@pytest.mark.parametrize("kind", KINDS)
def test_reload_restores_the_startup_config_and_disconnects_every_session(host_key, clients, kind):
    device = new_device()
    with serve(device, host_key=host_key) as ports:
        bystander = clients.open("telnet" if kind == "ssh" else "ssh", ports)
        device.inject_fault(2, "reload")
        client = clients.open(kind, ports)
        typed(client, "configure")
        typed(client, ROUTES[0])
        client.send_line(ROUTES[1])
        assert client.read_to_close() == ROUTES[1].encode() + b"\r\n"
        assert bystander.read_to_close() == b""
        listing = device.running_config_lines()
        assert ROUTES[0] not in listing and ROUTES[1] not in listing
        assert not device.sessions and device.configuration_owner is None


@pytest.mark.parametrize("kind", KINDS)
def test_takeover_drops_the_typing_session_back_to_operation_mode(host_key, clients, kind):
    device = new_device()
    with serve(device, host_key=host_key) as ports:
        device.inject_fault(1, "takeover")
        client = clients.open(kind, ports)
        typed(client, "configure")
        assert typed(client, ROUTES[0], until=PROMPT) == ROUTES[0].encode() + b"\r\n" + PROMPT
        assert OCCUPIED in typed(client, "configure", until=PROMPT)
        assert ROUTES[0] in device.running_config_lines()
        assert len(device.sessions) == 2  # the client's, and the other administrator's, which holds configuration mode
        assert device.configuration_owner in device.sessions


def test_faults_count_the_configuration_lines_of_every_session(host_key, clients):
    device = new_device()
    with serve(device, host_key=host_key) as ports:
        device.inject_fault(3, "hang-up")
        over_ssh = clients.open("ssh", ports)
        typed(over_ssh, "configure")
        for line in (ROUTES[0], "terminal length 0", "show running-config", "write memory", ROUTES[1]):
            typed(over_ssh, line)
        typed(over_ssh, "exit", until=PROMPT)
        over_telnet = clients.open("telnet", ports)
        typed(over_telnet, "configure")
        over_telnet.send_line(ROUTES[2])
        assert over_telnet.read_to_close() == ROUTES[2].encode() + b"\r\n"
        assert typed(over_ssh, "configure").endswith(CONFIG_PROMPT)  # the other session stays


@pytest.mark.parametrize("applied", [True, False], ids=["after-applying", "instead-of-applying"])
@pytest.mark.parametrize("kind", KINDS)
def test_an_injected_answer_comes_before_the_prompt(host_key, clients, kind, applied):
    device = new_device()
    with serve(device, host_key=host_key) as ports:
        device.inject_answer(ROUTES[0], INVALID_INPUT, applied=applied)
        client = clients.open(kind, ports)
        typed(client, "configure")
        assert typed(client, ROUTES[0]) == f"{ROUTES[0]}\r\n{INVALID_INPUT}\r\n".encode() + CONFIG_PROMPT
        assert (ROUTES[0] in device.running_config_lines()) is applied
