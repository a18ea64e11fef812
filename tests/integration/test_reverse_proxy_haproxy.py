# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HAProxy itself on what filter reverse_proxy_config renders (Debian's haproxy package; scripts/test installs it).

`haproxy -c` accepts every shape of entry without a warning. Then a real haproxy process runs a rendered
configuration on loopback: the hub's tunnel subnet is 127.0.0.0/8 in the test's hostvars, so that the spoke's address
(subnet_host, as on a hub) is 127.0.0.77, where the test's own backends listen. It forwards TCP and HTTP to them, from
127.0.0.1 and ::1, with the PROXY protocol when asked; once a backend is stopped, or falls silent as a spoke whose
tunnel is gone, its checks mark it down within seconds and a TCP client is closed at once, an HTTP client answered 503
at once; a backend that comes back is used again. Needs root: the configuration chroots HAProxy to /var/lib/haproxy
and drops to user haproxy, as on a hub. (The configuration's text: tests/unit/plugins/filter/test_reverse_proxy.py.)
"""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import socket
import struct
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest

from ansible_collections.multisite.vpn.plugins.filter.reverse_proxy import reverse_proxy_config
from ansible_collections.multisite.vpn.tests.unit.plugins.filter.test_reverse_proxy import HTTP, TCP, hostvars

HAPROXY = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/sbin")
pytestmark = pytest.mark.skipif(HAPROXY is None, reason="haproxy is not installed (Debian package haproxy: apt-get install haproxy)")

HUB = "hub-test"
SPOKE = "spoke-test"
# The spoke's host number: its address is 127.0.0.77 in the test hub's "tunnel", all of loopback.
SPOKE_INDEX = 77
SPOKE_ADDRESS = "127.0.0.77"
CLIENTS = ("127.0.0.1", "::1")
# With check inter 1000 fall 2: a backend that refuses is down after two refused checks, at most 2 s and a little;
# a silent one after two checks that each time out after 1 s.
DOWN_AFTER_REFUSED = 2.5
DOWN_AFTER_SILENT = 5.0
# HAProxy starts a server one failed check from down; after rise + fall - 1 good checks, fall failures take it down,
# as on a hub that has run for a while.
FULL_HEALTH_AFTER = 3.5
# Once it is down, a client is answered at once: anything near this is a hang.
ANSWERED_WITHIN = 1.0
UP_AGAIN_WITHIN = 4.0
STARTED_WITHIN = 10.0
# PROXY protocol v2 (doc/proxy-protocol.txt): its signature, then version and command, family, length.
PROXY_V2_SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"
PROXY_V2_COMMAND_PROXY = 0x21
PROXY_V2_TCP4, PROXY_V2_TCP6 = 0x11, 0x21


def loopback_hostvars():
    """The lab's hostvars with a hub whose tunnel is 127.0.0.0/8 and a spoke of it at 127.0.0.77."""
    found = hostvars()
    found[HUB] = {"hub_tunnel": {"interface": "wg-test", "ipv4": "127.0.0.0/8", "port": 51820, "endpoint": "hub-test.example.net"}}
    found[SPOKE] = {"site_id": 67, "wireguard_host_index": SPOKE_INDEX, "spoke_hubs": [HUB]}
    return found


def haproxy_check(text: str, tmp_path) -> subprocess.CompletedProcess:
    path = tmp_path / "haproxy.cfg"
    path.write_text(text)
    return subprocess.run([HAPROXY, "-c", "-f", str(path)], capture_output=True, text=True, timeout=30, check=False)


@pytest.mark.parametrize(
    "entries",
    [
        pytest.param([TCP, HTTP], id="the-lab"),
        pytest.param([dict(TCP, send_proxy=True, check_interval_ms=100)], id="tcp-proxy-protocol-fast-checks"),
        pytest.param([dict(HTTP, send_proxy=True, comment="")], id="http-proxy-protocol-no-comment"),
        pytest.param([{"name": "a_b-1", "port": 1, "spoke": "spoke-us", "spoke_port": 65535},
                      {"name": "z", "port": 65535, "mode": "http", "spoke": "spoke-jp", "spoke_port": 1, "check_interval_ms": 3600000}],
                     id="edges-of-every-range"),
    ],
)
def test_haproxy_accepts_the_configuration_without_a_warning(entries, tmp_path):
    checked = haproxy_check(reverse_proxy_config(entries, hostvars(), "hub-oci"), tmp_path)
    output = checked.stdout + checked.stderr
    assert checked.returncode == 0, output
    assert "Configuration file is valid" in output
    assert "[WARNING]" not in output and "[ALERT]" not in output, output


def test_haproxy_refuses_to_run_without_an_entry(tmp_path):
    # Why the role applies the configuration only when hub_reverse_proxy has an entry.
    checked = haproxy_check(reverse_proxy_config([], hostvars(), "hub-oci"), tmp_path)
    assert checked.returncode != 0 and "no listener" in checked.stdout + checked.stderr


def free_port(address: str) -> int:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((address, 0))
        return probe.getsockname()[1]


def free_frontend_port() -> int:
    """A port free on both 127.0.0.1 and ::1."""
    for _attempt in range(20):
        port = free_port("127.0.0.1")
        try:
            with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
                probe.bind(("::1", port))
            return port
        except OSError:
            continue
    raise AssertionError("no port free on both 127.0.0.1 and ::1")


class Backend:
    """A spoke's service on SPOKE_ADDRESS: answers an HTTP request with its NAME and the headers it got, or (PROXY) with
    the client's address from the PROXY protocol v2 header. A health check (a connection that sends nothing, or
    HAProxy's LOCAL header) is just closed."""

    def __init__(self, name: str, proxy_protocol: bool = False):
        self.name = name
        self.proxy_protocol = proxy_protocol
        self.port = free_port(SPOKE_ADDRESS)
        self.requests: list[dict] = []
        self.listener = None
        self.filler = None
        self.start()

    def start(self):
        self.listener = socket.create_server((SPOKE_ADDRESS, self.port), reuse_port=False, backlog=16)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _accept(self, listener):
        while True:
            try:
                connection, _peer = listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection):
        with connection:
            connection.settimeout(5)
            try:
                if self.proxy_protocol:
                    self._serve_proxy(connection)
                else:
                    self._serve_http(connection)
            except OSError:
                pass

    def _serve_http(self, connection):
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = connection.recv(4096)
            if not chunk:
                return
            received += chunk
        # Names in lower case, as HAProxy sends them over HTTP/1.1 (HTTP's names are case-insensitive).
        headers = {name.lower(): value for name, value in (line.split(": ", 1) for line in received.decode().split("\r\n")[1:] if ": " in line)}
        self.requests.append({"headers": headers})
        body = "served by %s\n" % self.name
        connection.sendall(("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)).encode())

    def _serve_proxy(self, connection):
        header = read_exactly(connection, 16)
        if header is None or not header.startswith(PROXY_V2_SIGNATURE):
            self.requests.append({"error": "no PROXY v2 signature: %r" % header})
            return
        command, family, length = header[12], header[13], struct.unpack("!H", header[14:16])[0]
        addresses = read_exactly(connection, length)
        if command != PROXY_V2_COMMAND_PROXY:
            return  # LOCAL: HAProxy's own health check
        if family == PROXY_V2_TCP4:
            source, destination, source_port, destination_port = struct.unpack("!4s4sHH", addresses[:12])
        elif family == PROXY_V2_TCP6:
            source, destination, source_port, destination_port = struct.unpack("!16s16sHH", addresses[:36])
        else:
            self.requests.append({"error": "family %#x" % family})
            return
        self.requests.append({"source": (str(ipaddress.ip_address(source)), source_port),
                              "destination": (str(ipaddress.ip_address(destination)), destination_port)})
        connection.sendall(b"proxied\n")

    def stop(self):
        """Refuse, as a spoke whose service stopped: the kernel answers a reset (shutdown wakes the accepting thread)."""
        self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()

    def fall_silent(self):
        """Answer nothing, as a spoke whose tunnel is gone: a listener whose queue is full drops every SYN unanswered."""
        self.stop()
        self.listener = socket.create_server((SPOKE_ADDRESS, self.port), backlog=0)
        # The one connection the queue holds; whoever else comes first (a check) fills it as well.
        self.filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.filler.setblocking(False)
        self.filler.connect_ex((SPOKE_ADDRESS, self.port))

    def close(self):
        for sock in (self.listener, self.filler):
            if sock is not None:
                sock.close()


def read_exactly(connection, size: int):
    data = b""
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


class HAProxy:
    """A haproxy process in the foreground (-db), its output (logs on stdout, warnings on stderr) kept with the time
    each line came."""

    def __init__(self, config_path):
        self.lines: list[tuple[float, str]] = []
        self.started = time.monotonic()
        self.process = subprocess.Popen([HAPROXY, "-db", "-f", str(config_path)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True, bufsize=1)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.append((time.monotonic(), line.rstrip("\n")))

    def output(self) -> str:
        return "\n".join(line for _when, line in self.lines)

    def wait_for(self, pattern: str, timeout: float, since: float = 0.0) -> float:
        """When the first line matching PATTERN came after SINCE; fails after TIMEOUT seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for when, line in list(self.lines):
                if when >= since and re.search(pattern, line):
                    return when
            assert self.process.poll() is None, "haproxy ended (%s):\n%s" % (self.process.returncode, self.output())
            time.sleep(0.02)
        raise AssertionError("no line matching %r within %.1f s:\n%s" % (pattern, timeout, self.output()))

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def tcp_exchange(client: str, port: int, payload: bytes, timeout: float = 10.0) -> tuple[bytes, float]:
    """(what came back until the connection closed, seconds it took) for PAYLOAD sent to CLIENT:PORT; a reset is b''."""
    started = time.monotonic()
    received = b""
    with socket.create_connection((client, port), timeout) as connection:
        connection.settimeout(timeout)
        try:
            connection.sendall(payload)
            while True:
                chunk = connection.recv(4096)
                if not chunk:
                    break
                received += chunk
        except ConnectionResetError:
            pass
    return received, time.monotonic() - started


def http_get(client: str, port: int, timeout: float = 10.0) -> tuple[int, str, float]:
    """(status, body, seconds it took) of GET / on CLIENT:PORT."""
    host = "[%s]" % client if ":" in client else client
    started = time.monotonic()
    try:
        with urllib.request.urlopen("http://%s:%d/" % (host, port), timeout=timeout) as answer:
            return answer.status, answer.read().decode(), time.monotonic() - started
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), time.monotonic() - started


REQUEST = b"GET / HTTP/1.0\r\n\r\n"


@pytest.fixture(name="proxy")
def fixture_proxy(tmp_path):
    """A running haproxy with four entries to backends of the test spoke: tcp, http, tcp with the PROXY protocol, and tcp
    to a backend that will fall silent. Yields (haproxy, {name: (frontend port, backend)})."""
    if os.geteuid() != 0:
        pytest.fail("needs root: the configuration chroots HAProxy to /var/lib/haproxy and drops to user haproxy, as on a hub "
                    "(scripts/test runs the integration tests as root)")
    backends = {"tcp": Backend("tcp"), "http": Backend("http"), "proxied": Backend("proxied", proxy_protocol=True),
                "silent": Backend("silent")}
    ports = {name: free_frontend_port() for name in backends}
    entries = [{"name": name, "port": ports[name], "mode": "http" if name == "http" else "tcp", "spoke": SPOKE,
                "spoke_port": backends[name].port, "send_proxy": name == "proxied", "comment": "the %s backend" % name}
               for name in backends]
    text = reverse_proxy_config(entries, loopback_hostvars(), HUB)
    for name in backends:
        assert "    server %s %s:%d check inter 1000 fall 2 rise 2" % (SPOKE, SPOKE_ADDRESS, backends[name].port) in text
        # Loopback only: the hub's line listens on every address (IPv4 through the IPv6 socket); here each family's own.
        bind = "    bind :::%d v4v6\n" % ports[name]
        assert bind in text
        text = text.replace(bind, "    bind 127.0.0.1:%d\n    bind ::1:%d\n" % (ports[name], ports[name]))
    path = tmp_path / "haproxy.cfg"
    path.write_text(text)
    haproxy = HAProxy(path)
    try:
        deadline = time.monotonic() + STARTED_WITHIN
        for port in ports.values():
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), 1).close()
                    break
                except OSError:
                    assert time.monotonic() < deadline and haproxy.process.poll() is None, "haproxy did not start:\n" + haproxy.output()
                    time.sleep(0.05)
        yield haproxy, {name: (ports[name], backends[name]) for name in backends}
    finally:
        haproxy.stop()
        for backend in backends.values():
            backend.close()


def test_haproxy_forwards_then_refuses_a_backend_that_is_down_at_once(proxy):
    haproxy, entries = proxy
    tcp_port, tcp_backend = entries["tcp"]
    http_port, http_backend = entries["http"]
    proxied_port, proxied_backend = entries["proxied"]
    silent_port, silent_backend = entries["silent"]

    # Up: every entry reaches its backend, from both families.
    for client in CLIENTS:
        answer, _took = tcp_exchange(client, tcp_port, REQUEST)
        assert answer.endswith(b"served by tcp\n"), answer
        status, body, _took = http_get(client, http_port)
        assert (status, body) == (200, "served by http\n")
        assert http_backend.requests[-1]["headers"]["x-forwarded-for"] == client
        answer, _took = tcp_exchange(client, proxied_port, b"")
        assert answer == b"proxied\n"
        # The PROXY header carries the client's own address, and the hub's port it came to.
        assert proxied_backend.requests[-1]["source"][0] == client and proxied_backend.requests[-1]["destination"] == (client, proxied_port)
    assert tcp_exchange("127.0.0.1", silent_port, REQUEST)[0].endswith(b"served by silent\n")
    time.sleep(max(0.0, FULL_HEALTH_AFTER - (time.monotonic() - haproxy.started)))

    # Down: two stopped (a reset), one silent (as a spoke whose tunnel is gone).
    stopped = time.monotonic()
    tcp_backend.stop()
    http_backend.stop()
    silent_backend.fall_silent()
    down = {name: haproxy.wait_for(r"Server be_%s/%s is DOWN" % (name, SPOKE), DOWN_AFTER_SILENT, stopped) - stopped
            for name in ("tcp", "http", "silent")}
    assert down["tcp"] <= DOWN_AFTER_REFUSED and down["http"] <= DOWN_AFTER_REFUSED, down
    assert down["silent"] <= DOWN_AFTER_SILENT, down

    answered = []
    for client in CLIENTS:
        for port in (tcp_port, silent_port):
            answer, took = tcp_exchange(client, port, REQUEST)
            assert (answer, took < ANSWERED_WITHIN) == (b"", True), (client, port, answer, took)
            answered.append(took)
        status, body, took = http_get(client, http_port)
        assert (status, took < ANSWERED_WITHIN) == (503, True), (client, status, body, took)
        answered.append(took)
    # Logged to stdout, each line led by its level as the journal reads it: here a connection no server took.
    assert re.search(r"^<6>127\.0\.0\.1:[0-9]+ \[.*\] fe_tcp be_tcp/<NOSRV> ", haproxy.output(), re.MULTILINE), haproxy.output()

    # Back: the spoke's service again, used again once its checks pass twice.
    restarted = time.monotonic()
    tcp_backend.start()
    up = haproxy.wait_for(r"Server be_tcp/%s is UP" % SPOKE, UP_AGAIN_WITHIN, restarted) - restarted
    assert tcp_exchange("::1", tcp_port, REQUEST)[0].endswith(b"served by tcp\n")
    print("down after: %s; refused within %.3f s; up again after %.2f s"
          % (", ".join("%s %.2f s" % item for item in sorted(down.items())), max(answered), up))


def test_haproxy_answers_a_client_within_the_retries_before_the_checks_notice(proxy):
    haproxy, entries = proxy
    tcp_port, tcp_backend = entries["tcp"]
    silent_port, silent_backend = entries["silent"]
    # Right after a spoke goes, before its checks mark it down, a client waits for the connection to it: one retry
    # (retries 1) after a refusal, two attempts of timeout connect 3 s when nothing answers. Never longer.
    tcp_backend.stop()
    silent_backend.fall_silent()
    results: dict = {}
    refused = threading.Thread(target=lambda: results.update(refused=tcp_exchange("127.0.0.1", tcp_port, REQUEST, 20)))
    refused.start()
    results["silent"] = tcp_exchange("127.0.0.1", silent_port, REQUEST, 20)
    refused.join(20)
    assert results["refused"][0] == b"" and results["refused"][1] < 2.0, results
    assert results["silent"][0] == b"" and 5.0 < results["silent"][1] < 7.0, results
    assert haproxy.process.poll() is None
    print("a client right after the spoke went: refused %.2f s, silent %.2f s" % (results["refused"][1], results["silent"][1]))
