# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every provider double shares: the HTTP server on 127.0.0.1, the request log, fault injection, rate limits.

A provider is a subclass of ApiDouble that turns an IncomingRequest into a Reply (or raises ApiError with one).
ApiDouble.answer() wraps it: it records the request (without the token), sleeps `delay`, and lets injected faults,
rude answers and rate limits take the request's place as a proxy or the provider's own front end would.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import datetime
import ipaddress
import json
import math
import re
import socket
import struct
import threading
import time
from collections import deque
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator
from urllib.parse import parse_qs, urlsplit

LOOPBACK = "127.0.0.1"
INVALID_JSON = object()  # stands for a request body that is not JSON, so handlers can tell it from "no body"
RUDE_KINDS = ("invalid-json", "html-error", "reset")
STOP_TIMEOUT = 10
POLL_INTERVAL = 0.02  # how soon serve_forever() notices shutdown(): each test stops a server


@dataclasses.dataclass(frozen=True)
class RecordedRequest:
    """One request as the double saw it. The token is never kept: `authorized` says whether it was a known one."""

    method: str
    path: str
    query: dict[str, str]
    authorized: bool
    body: Any


@dataclasses.dataclass
class IncomingRequest:
    """What a provider handler sees. `route` is the path below the provider's base (None when outside it)."""

    method: str
    path: str
    route: str | None
    query: dict[str, str]
    headers: Message
    body: Any
    token: str | None
    base_url: str


@dataclasses.dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = dataclasses.field(default_factory=dict)


class ApiError(Exception):
    """Raised by a handler to answer with `reply` (an error the provider documents)."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.status)
        self.reply = reply


@dataclasses.dataclass
class _Injection:
    count: int
    method: str | None
    path_pattern: re.Pattern | None

    def matches(self, method: str, path: str) -> bool:
        return (
            self.count > 0
            and (self.method is None or self.method == method)
            and (self.path_pattern is None or self.path_pattern.search(path) is not None)
        )


@dataclasses.dataclass
class _Fault(_Injection):
    status: int
    retry_after: int | None
    body: Any


@dataclasses.dataclass
class _Rudeness(_Injection):
    kind: str
    processed: bool


def json_reply(status: int, document: Any, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, json.dumps(document).encode(), {"Content-Type": "application/json", **(headers or {})})


def now_iso() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def owner_fqdn(zone: str, name: str) -> str:
    """A seeded record's owner: relative ("www", "" or "@" for the apex) or absolute (with or without the final dot)."""
    zone = zone.lower().rstrip(".")
    name = name.lower()
    if name in ("", "@"):
        return zone
    if name.endswith("."):
        return name[:-1]
    return name if name == zone or name.endswith("." + zone) else f"{name}.{zone}"


def relative_name(zone: str, fqdn: str) -> str:
    return "" if fqdn == zone else fqdn[: -len(zone) - 1]


def canonical_ipv6(text: str) -> str:
    """RFC 5952 text in hexadecimal only (no dotted IPv4 tail, whatever the Python version prints). Raises ValueError."""
    if "%" in text:
        raise ValueError(text)
    hextets = [format(int(group, 16), "x") for group in ipaddress.IPv6Address(text).exploded.split(":")]
    run_start, run_length, index = -1, 0, 0
    while index < len(hextets):
        end = index
        while end < len(hextets) and hextets[end] == "0":
            end += 1
        if end - index > run_length:
            run_start, run_length = index, end - index
        index = end + 1 if end == index else end
    if run_length < 2:
        return ":".join(hextets)
    return ":".join(hextets[:run_start]) + "::" + ":".join(hextets[run_start + run_length :])


def is_ipv4(text: Any) -> bool:
    """Dotted quad only: "1.1" or "01.2.3.4" are refused, as every provider here documents or does."""
    try:
        return isinstance(text, str) and ipaddress.IPv4Address(text) is not None
    except ValueError:
        return False


def encode_cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


def decode_cursor(cursor: str) -> str | None:
    try:
        return base64.urlsafe_b64decode(cursor.encode()).decode()
    except ValueError:
        return None


def html_page(status: int, reason: str, signature: str) -> bytes:
    """The error page a proxy in front of the API (nginx, Cloudflare's edge) sends instead of JSON."""
    return (
        f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} {reason}</h1></center>\r\n"
        f"<hr><center>{signature}</center>\r\n</body>\r\n</html>\r\n"
    ).encode()


class ApiDouble:
    """One provider's API and the zones behind it. Subclasses define the class attributes and the abstract methods.

    Attributes tests use: `url` (the provider's base URL on this server), `requests` (every RecordedRequest),
    `delay` (seconds added before every answer), `page_size` (see effective_page_size), `rate_limits` (empty: off;
    `api.rate_limits = api.DOCUMENTED_RATE_LIMITS` enforces the provider's documented ones).
    """

    PROVIDER = ""
    BASE_PATH = ""
    DOCUMENTED_PAGE_SIZE = 100
    MAX_PAGE_SIZE = 100
    DOCUMENTED_RATE_LIMITS: tuple[tuple[int, float], ...] = ()
    PROXY_SIGNATURE = "nginx"

    def __init__(self, token: str, *, page_size: int | None = None, delay: float = 0.0) -> None:
        self.url = ""
        self.delay = delay
        self.page_size = page_size if page_size is not None else self.DOCUMENTED_PAGE_SIZE
        # (count, seconds) windows enforced together, as the provider documents them; off until a test sets them.
        self.rate_limits: tuple[tuple[int, float], ...] = ()
        self.requests: list[RecordedRequest] = []
        self.lock = threading.RLock()
        self._token_zones: dict[str, frozenset[str] | None] = {token: None}
        self._faults: list[_Fault] = []
        self._rudeness: list[_Rudeness] = []
        self._rate_history: dict[str, deque[float]] = {}
        # Exceptions of the double itself: run() raises them at the end, so that they are not taken for the client's.
        self.internal_errors: list[BaseException] = []

    # --- what tests call -------------------------------------------------------------------------------------------

    def add_token(self, token: str, zones: list[str]) -> None:
        """A second token, valid only for `zones` (names); on other zones it answers as the provider does."""
        with self.lock:
            self._token_zones[token] = frozenset(zone.lower().rstrip(".") for zone in zones)

    def writes(self) -> list[RecordedRequest]:
        with self.lock:
            return [request for request in self.requests if request.method != "GET"]

    def fail_next(
        self,
        count: int,
        status: int,
        method: str | None = None,
        path_regex: str | None = None,
        retry_after: int | None = None,
        body: Any = None,
    ) -> None:
        """Answer the next `count` matching requests with `status` instead of handling them.

        `body` (bytes, str or a JSON document) replaces the provider's own plausible body for that status.
        `retry_after` (seconds) adds a Retry-After header.
        """
        with self.lock:
            self._faults.append(_Fault(count, method, _compile(path_regex), status, retry_after, body))

    def rude_next(
        self, count: int, kind: str, method: str | None = None, path_regex: str | None = None, processed: bool = False
    ) -> None:
        """Misbehave on the next `count` matching requests: "invalid-json" (a 200 whose body is not JSON),
        "html-error" (a 502 page from a proxy) or "reset" (the connection is reset, nothing is answered).

        With processed=True the request is carried out first and only its answer is lost, as when a proxy fails
        after the provider committed a write.
        """
        if kind not in RUDE_KINDS:
            raise ValueError(f"kind must be one of {RUDE_KINDS}")
        with self.lock:
            self._rudeness.append(_Rudeness(count, method, _compile(path_regex), kind, processed))

    def add_zone(self, name: str, **provider_specific: Any) -> Any:
        """Adds an empty zone (as the provider creates one); Cloudflare returns the zone id, deSEC takes minimum_ttl."""
        raise NotImplementedError

    def add_record(self, zone: str, name: str, type: str, value_or_values: str | list[str], ttl: int) -> None:
        """Seeds records at `name` (relative, "" or "@" for the apex, or absolute), checked as the API would check
        them (ValueError when it would refuse) and stored as the provider stores them."""
        raise NotImplementedError

    def records(self, zone: str) -> list[tuple[str, str, int, str]]:
        """Sorted (owner name without the final dot, type, TTL, value as the API returns it) of every record."""
        raise NotImplementedError

    # --- for subclasses ---------------------------------------------------------------------------------------------

    def handle(self, request: IncomingRequest) -> Reply:
        raise NotImplementedError

    def presented_token(self, headers: Message) -> str | None:
        raise NotImplementedError

    def fault_reply(self, status: int, retry_after: int | None) -> Reply:
        """The provider's own body for an injected status (429 included)."""
        raise NotImplementedError

    def rate_limit_bucket(self, request: IncomingRequest) -> str | None:
        """Which documented limit counts this request (None: not limited)."""
        return "all"

    def token_allows(self, token: str | None, zone: str) -> bool:
        if not self.is_known_token(token):
            return False
        zones = self._token_zones[token]
        return zones is None or zone in zones

    def is_known_token(self, token: str | None) -> bool:
        return token is not None and token in self._token_zones

    def effective_page_size(self, requested: int | None, maximum: int | None = None) -> int:
        """The client's page size within the documented maximum; a page_size set below the documented default
        also caps what a client asks for, so that small pages (pagination) can be forced."""
        size = min(requested if requested is not None else self.page_size, maximum or self.MAX_PAGE_SIZE)
        if self.page_size < self.DOCUMENTED_PAGE_SIZE:
            size = min(size, self.page_size)
        return max(size, 1)

    # --- the HTTP side ----------------------------------------------------------------------------------------------

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        split = urlsplit(handler.path)
        raw = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        body = _parse_body(raw)
        route = split.path[len(self.BASE_PATH) :] if split.path.startswith(self.BASE_PATH + "/") else None
        token = self.presented_token(handler.headers)
        request = IncomingRequest(
            method=handler.command,
            path=split.path,
            route=route,
            query={key: values[0] for key, values in parse_qs(split.query, keep_blank_values=True).items()},
            headers=handler.headers,
            body=body,
            token=token,
            base_url=f"http://{handler.headers.get('Host') or LOOPBACK}",
        )
        recorded_body = body if body is not INVALID_JSON else raw.decode(errors="replace")
        with self.lock:
            self.requests.append(
                RecordedRequest(
                    request.method, request.path, dict(request.query), self.is_known_token(token), recorded_body
                )
            )
        if self.delay:
            time.sleep(self.delay)
        with self.lock:
            rudeness = _take(self._rudeness, request.method, request.path)
            reply = self._reply(request) if rudeness is None or rudeness.processed else None
        if rudeness is None:
            _send(handler, reply)
        elif rudeness.kind == "reset":
            _reset(handler)
        elif rudeness.kind == "html-error":
            page = html_page(502, "Bad Gateway", self.PROXY_SIGNATURE)
            _send(handler, Reply(502, page, {"Content-Type": "text/html"}))
        else:
            # A body cut short, as when the server or a proxy stops mid-answer: half the real one when there is one.
            cut = reply.body[: len(reply.body) // 2] if reply is not None else b""
            _send(handler, Reply(200, cut or b'{"', {"Content-Type": "application/json"}))

    def _reply(self, request: IncomingRequest) -> Reply:
        fault = _take(self._faults, request.method, request.path)
        if fault is not None:
            return self._fault_reply(fault)
        retry_after = self._rate_limit_wait(request)
        if retry_after is not None:
            return self.fault_reply(429, retry_after)
        try:
            return self.handle(request)
        except ApiError as error:
            return error.reply

    def _fault_reply(self, fault: _Fault) -> Reply:
        if fault.body is None:
            return self.fault_reply(fault.status, fault.retry_after)
        headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
        if isinstance(fault.body, bytes):
            return Reply(fault.status, fault.body, headers)
        if isinstance(fault.body, str):
            return Reply(fault.status, fault.body.encode(), {"Content-Type": "text/plain", **headers})
        return json_reply(fault.status, fault.body, headers)

    def _rate_limit_wait(self, request: IncomingRequest) -> int | None:
        """Sliding windows as deSEC documents them (and the others do not contradict): seconds until allowed, or None."""
        bucket = self.rate_limit_bucket(request) if self.rate_limits else None
        if bucket is None:
            return None
        now = time.monotonic()
        history = self._rate_history.setdefault(bucket, deque())
        longest = max(seconds for _count, seconds in self.rate_limits)
        while history and history[0] <= now - longest:
            history.popleft()
        waits = []
        for count, seconds in self.rate_limits:
            inside = [stamp for stamp in history if stamp > now - seconds]
            if len(inside) >= count:
                waits.append(inside[-count] + seconds - now)
        if waits:
            return max(1, math.ceil(max(waits)))
        history.append(now)
        return None


def _compile(path_regex: str | None) -> re.Pattern | None:
    return re.compile(path_regex) if path_regex is not None else None


def _take(injections: list, method: str, path: str):
    for injection in injections:
        if injection.matches(method, path):
            injection.count -= 1
            return injection
    return None


def _parse_body(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return INVALID_JSON


def _send(handler: BaseHTTPRequestHandler, reply: Reply) -> None:
    handler.send_response(reply.status)
    for name, value in reply.headers.items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(reply.body)))
    handler.end_headers()
    if reply.body:
        handler.wfile.write(reply.body)


def _reset(handler: BaseHTTPRequestHandler) -> None:
    # Linger 0 makes close() send RST: the client sees a reset connection, not an orderly end.
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.close_connection = True
    handler.rfile.close()
    handler.connection.close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the real APIs: a reset then hits a reused connection too
    server: _Server

    def do_GET(self) -> None:
        try:
            self.server.api.answer(self)
        except Exception as error:
            self.server.api.internal_errors.append(error)
            raise

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: tests read api.requests, not a log on stderr."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, api: ApiDouble) -> None:
        super().__init__((LOOPBACK, 0), _Handler)
        self.api = api


@contextlib.contextmanager
def run(api: ApiDouble) -> Iterator[ApiDouble]:
    """Serve `api` on a free port of 127.0.0.1 from a background thread; sets api.url; stops on exit."""
    server = _Server(api)
    api.url = f"http://{LOOPBACK}:{server.server_address[1]}{api.BASE_PATH}"
    thread = threading.Thread(
        target=server.serve_forever, args=(POLL_INTERVAL,), name=f"{api.PROVIDER}-api-double", daemon=True
    )
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
        thread.join(STOP_TIMEOUT)
    if api.internal_errors:
        raise RuntimeError(f"the {api.PROVIDER} API double failed (not the client)") from api.internal_errors[0]
