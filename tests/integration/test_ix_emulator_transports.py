# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The IX emulator over real SSH and telnet on loopback: netmiko's nec_ix drivers, raw telnet, paramiko, the CLI entry
point. (Its terminal without a network: tests/unit/ix_emulator/test_terminal.py; pacing and faults over sockets:
test_ix_emulator_network.py.)
"""

from __future__ import annotations

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

from ansible_collections.multisite.vpn.ix_emulator import Device
from ansible_collections.multisite.vpn.ix_emulator.server import LOOPBACK, serve
from ansible_collections.multisite.vpn.ix_emulator.session import MORE
from ansible_collections.multisite.vpn.ix_emulator.telnet import DO, ECHO, IAC, NAWS, SB, SE, SGA, WILL
from ansible_collections.multisite.vpn.tests.data.ix import EMULATOR_CONFIG as CONFIG
from ansible_collections.multisite.vpn.tests.data.ix import EMULATOR_CONFIG_PROMPT as CONFIG_PROMPT
from ansible_collections.multisite.vpn.tests.data.ix import EMULATOR_PASSWORD as PASSWORD
from ansible_collections.multisite.vpn.tests.data.ix import EMULATOR_PROMPT as PROMPT
from ansible_collections.multisite.vpn.tests.data.ix import NEW_ROUTE, OCCUPIED

# The emulator's key exchange is finite-field DH, as the router's; cryptography warns about it.
pytestmark = pytest.mark.filterwarnings("ignore:Diffie-Hellman over finite fields")

GREETING = bytes([IAC, WILL, ECHO, IAC, WILL, SGA, IAC, DO, NAWS])
KEXINIT = 20
# The KEXINIT name-lists that matter here, in order (server to client after client to server); languages follow.
KEXINIT_FIELDS = ("kex", "host_key", "ciphers_out", "ciphers_in", "macs_out", "macs_in", "compression_out", "compression_in")
PROTOCOL_MARKERS = ("ext-info-s", "kex-strict-s-v00@openssh.com")
# A hang fails the test after this many seconds instead of blocking the run.
TIMEOUT = 10


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
