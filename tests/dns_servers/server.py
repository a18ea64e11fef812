# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One authoritative server (knotd or named) as a child process on the loopback, in a directory of its own."""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.tsig
import dns.update

from . import bind, knot
from .config import TSIG_ALGORITHMS, ServerConfig, zone_file_text

KINDS = {"knot": knot, "bind": bind}
ADDRESS = "127.0.0.1"
READY_TIMEOUT = 10.0
READY_POLL_INTERVAL = 0.01
PROBE_TIMEOUT = 0.2
QUERY_TIMEOUT = 5.0
STOP_TIMEOUT = 5.0
# Ports are picked free and released just before the server binds them: another process may win the race.
PORT_ATTEMPTS = 5
# knotd: "cannot bind address ... (address already in use)", then it exits; named: "... address in use", and it runs on.
PORT_TAKEN = re.compile(r"address (already )?in use")
LOG_TAIL_LINES = 30


class ServerStartError(RuntimeError):
    """The server did not come up answering for its zones."""


class _PortTaken(Exception):
    """The server could not bind a port picked for it."""


class DnsServer:
    """A knotd or named serving `zone` (and `extra_zones`) on ADDRESS:port, updatable with TSIG-signed UPDATEs.

    keys: key name -> (algorithm, base64 secret); the zone key may update anything in every zone, each self key
    only the A and AAAA records at its owner name (relative names are taken relative to each zone).
    """

    def __init__(
        self,
        kind: str,
        zone: str,
        records: Iterable[str],
        zone_key: str,
        algorithm: str,
        self_keys: Mapping[str, str],
        extra_zones: Iterable[str],
    ) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown server kind {kind!r}: one of {', '.join(KINDS)}")
        if algorithm not in TSIG_ALGORITHMS:
            raise ValueError(f"unknown TSIG algorithm {algorithm!r}: one of {', '.join(TSIG_ALGORITHMS)}")
        key_names = [zone_key, *self_keys.values()]
        if len(set(key_names)) != len(key_names):
            raise ValueError(f"key names must differ: {key_names}")
        self.kind = kind
        self.address = ADDRESS
        self.port = 0
        self._zone_name = dns.name.from_text(zone)
        self.zone = self._zone_name.to_text()
        self.keys = {name: (algorithm, _new_secret()) for name in key_names}
        self.zone_key = zone_key
        self._implementation = KINDS[kind]
        self._config = ServerConfig(
            directory=Path(tempfile.mkdtemp(prefix=f"dns-{kind}-")),
            address=ADDRESS,
            port=0,
            statistics_port=0,
            zones=(self._zone_name, *(dns.name.from_text(name) for name in extra_zones)),
            keys=self.keys,
            zone_key=zone_key,
            self_keys=dict(self_keys),
        )
        try:
            for index, zone_name in enumerate(self._config.zones):
                self._config.zone_file(zone_name).write_text(zone_file_text(zone_name, records if index == 0 else ()))
        except BaseException:
            shutil.rmtree(self._config.directory, ignore_errors=True)
            raise
        self._process: subprocess.Popen | None = None
        # UPDATE counters restart from zero with the process: what earlier runs counted is kept here.
        self._updates_before_restart = 0

    def start(self) -> None:
        """Start the server and wait until it answers for every zone; after stop(), on the same port and contents."""
        if self._process is not None:
            raise RuntimeError(f"{self.kind} is already running")
        if self.port:
            try:
                self._start_once(self._config)
            except _PortTaken:
                raise ServerStartError(f"{self.kind}: its port {self.port} was taken while it was stopped\n{self._log_tail()}") from None
            return
        for _attempt in range(PORT_ATTEMPTS):
            port, *statistics_port = _free_ports(2 if self._implementation.STATISTICS_CHANNEL else 1)
            config = dataclasses.replace(self._config, port=port, statistics_port=statistics_port[0] if statistics_port else 0)
            try:
                self._start_once(config)
            except _PortTaken:
                continue
            self._config = config
            self.port = config.port
            return
        raise ServerStartError(f"{self.kind}: every port picked for it was taken by another process first\n{self._log_tail()}")

    def stop(self) -> None:
        """Stop the server: SIGTERM, then SIGKILL; when this returns the process is gone and its ports closed."""
        if self._process is None:
            return
        try:
            if self._process.poll() is None:
                self._updates_before_restart += self._implementation.updates_received(self._config)
        finally:
            self._end_process()

    def close(self) -> None:
        """Stop the server and remove its directory (secrets included)."""
        try:
            self.stop()
        finally:
            shutil.rmtree(self._config.directory, ignore_errors=True)

    def log(self) -> str:
        """Everything the server logged, over all its starts."""
        return self._config.log_file.read_text(errors="replace") if self._config.log_file.exists() else ""

    def updates_seen(self) -> int:
        """UPDATE messages the server received over all its starts: every one, refused ones and those for zones it lacks."""
        running = self._process is not None and self._process.poll() is None
        return self._updates_before_restart + (self._implementation.updates_received(self._config) if running else 0)

    def rrset(self, name: str | dns.name.Name, rdtype: str | dns.rdatatype.RdataType) -> list[str]:
        """The rdata texts the server answers for name (relative to the zone, or absolute), sorted; [] if none."""
        answer = self._answer(name, rdtype)
        return sorted(rdata.to_text() for rdata in answer) if answer else []

    def ttl(self, name: str | dns.name.Name, rdtype: str | dns.rdatatype.RdataType) -> int | None:
        """The TTL the server answers for name's rrset of rdtype; None if there is no such rrset."""
        answer = self._answer(name, rdtype)
        return answer.ttl if answer else None

    def update_message(self, key_name: str | None = None, zone: str | None = None) -> dns.update.UpdateMessage:
        """An UPDATE for zone (default: the zone) signed with key_name (default: the zone key)."""
        key_name = key_name or self.zone_key
        algorithm, secret = self.keys[key_name]
        key = dns.tsig.Key(key_name, secret, TSIG_ALGORITHMS[algorithm])
        return dns.update.UpdateMessage(zone or self.zone, keyring=key)

    def __enter__(self) -> DnsServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _start_once(self, config: ServerConfig) -> None:
        command = self._implementation.command(config)
        log_start = config.log_file.stat().st_size if config.log_file.exists() else 0
        with config.log_file.open("ab") as log_file:
            self._process = subprocess.Popen(command, cwd=config.directory, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT)
        try:
            self._wait_until_serving(config, log_start)
        except BaseException:
            self._end_process()
            raise

    def _wait_until_serving(self, config: ServerConfig, log_start: int) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            if PORT_TAKEN.search(self._log_since(log_start)):
                raise _PortTaken
            if self._process.poll() is not None:
                raise ServerStartError(f"{self.kind} exited with status {self._process.returncode}\n{self._log_tail()}")
            # TCP first: until the server listens it is refused at once, where a UDP query would wait for its timeout.
            if all(_answers_soa(zone, config.port, via_tcp) for zone in config.zones for via_tcp in (True, False)):
                return
            if time.monotonic() > deadline:
                raise ServerStartError(f"{self.kind} did not answer SOA queries for its zones within {READY_TIMEOUT:g} s\n{self._log_tail()}")
            time.sleep(READY_POLL_INTERVAL)

    def _end_process(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def _answer(self, name: str | dns.name.Name, rdtype: str | dns.rdatatype.RdataType) -> dns.rrset.RRset | None:
        qname = name if isinstance(name, dns.name.Name) else dns.name.from_text(name, origin=self._zone_name)
        rdtype = dns.rdatatype.RdataType.make(rdtype)
        # TCP: a large rrset must not come back truncated.
        response = dns.query.tcp(dns.message.make_query(qname, rdtype), self.address, port=self.port, timeout=QUERY_TIMEOUT)
        if not response.flags & dns.flags.AA or response.rcode() not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
            raise LookupError(f"{self.kind} gave no authoritative answer for {qname} {rdtype.name}: {dns.rcode.to_text(response.rcode())}")
        return response.get_rrset(response.answer, qname, dns.rdataclass.IN, rdtype)

    def _log_since(self, offset: int) -> str:
        with self._config.log_file.open("rb") as log_file:
            log_file.seek(offset)
            return log_file.read().decode(errors="replace")

    def _log_tail(self) -> str:
        return "\n".join(self.log().splitlines()[-LOG_TAIL_LINES:])


@contextlib.contextmanager
def start(
    kind: str,
    zone: str = "example.test.",
    records: Iterable[str] = (),
    *,
    zone_key: str = "ddns-key",
    algorithm: str = "hmac-sha256",
    self_keys: Mapping[str, str] | None = None,
    extra_zones: Iterable[str] = (),
) -> Iterator[DnsServer]:
    """A running server of kind ("knot" or "bind") for the duration of the with block; stopped and removed after.

    records: zone-file lines relative to the zone's origin ("www 300 IN A 192.0.2.1"), after SOA, NS and ns's A.
    self_keys: owner name -> key name, the key updating only that name's A and AAAA records in every zone.
    extra_zones: more zones served the same way, with the same keys (no records but SOA, NS and ns's A).
    """
    with DnsServer(kind, zone, records, zone_key, algorithm, self_keys or {}, extra_zones) as server:
        server.start()
        yield server


def _new_secret() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def _free_ports(count: int) -> list[int]:
    """Distinct ports free on ADDRESS for both UDP and TCP right now (all held until all are chosen)."""
    held: list[socket.socket] = []
    ports: list[int] = []
    try:
        while len(ports) < count:
            udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            held.append(udp)
            udp.bind((ADDRESS, 0))
            port = udp.getsockname()[1]
            tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            held.append(tcp)
            try:
                tcp.bind((ADDRESS, port))
            except OSError:
                continue
            ports.append(port)
    finally:
        for sock in held:
            sock.close()
    return ports


def _answers_soa(zone: dns.name.Name, port: int, via_tcp: bool) -> bool:
    query = dns.message.make_query(zone, dns.rdatatype.SOA)
    send = dns.query.tcp if via_tcp else dns.query.udp
    try:
        response = send(query, ADDRESS, port=port, timeout=PROBE_TIMEOUT)
    except (dns.exception.DNSException, OSError):
        # Not serving yet: no answer, or one that is not for this question (BadResponse, seen once in CI while the
        # server was starting on a port just freed by the previous one).
        return False
    return bool(response.flags & dns.flags.AA) and response.rcode() == dns.rcode.NOERROR and bool(response.answer)
