# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small JSON-over-HTTPS client for the DNS providers' APIs, and a plain GET for address URLs.

Built on http.client so that the hubs' own updater can use it without Ansible. It keeps one
connection open for all the calls of a run, waits out a 429 for as long as Retry-After says (up to a
limit), retries a read that met a 5xx or a broken connection, and never puts the Authorization
header's value in a message.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import socket
import ssl
import time
from urllib.parse import quote, urlencode, urlsplit

# Longest wait for a 429 before giving up; deSEC and Cloudflare ask for up to minutes when a limit is hit.
MAX_RETRY_WAIT = 60
# Attempts for one call: the first and two retries.
ATTEMPTS = 3
# A write is retried only when the provider says it did not process it.
WRITE_RETRY_STATUSES = (429, 503)
MAX_BODY = 16 * 1024 * 1024


class HttpError(Exception):
    """A failed HTTP exchange, or a URL that cannot be used; the message says which."""


def parse_url(url, field: str = "url") -> tuple[str, str, int | None, str]:
    """(scheme, host, port, path) of an http or https URL."""
    if not isinstance(url, str):
        raise HttpError("%s: give an http:// or https:// URL" % field)
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise HttpError("%s: %r is not an http:// or https:// URL" % (field, url))
    if parts.username or parts.password:
        raise HttpError("%s: put no user or password in the URL; the provider's token goes in api_token" % field)
    try:
        port = parts.port
    except ValueError:
        raise HttpError("%s: %r has an invalid port" % (field, url)) from None
    path = parts.path.rstrip("/")
    if parts.query:
        path += "?" + parts.query
    return parts.scheme, parts.hostname, port, path


def retry_after_seconds(value) -> float | None:
    """Retry-After as seconds: a number, or an HTTP date."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


class Connection:
    """One HTTP(S) connection to a host, reopened when the server closes it."""

    def __init__(self, url: str, timeout: float, field: str):
        self.scheme, self.host, self.port, self.base_path = parse_url(url, field)
        self.timeout = timeout
        self.connection = None

    @property
    def origin(self) -> str:
        return "%s://%s%s" % (self.scheme, self.host, ":%d" % self.port if self.port else "")

    def open(self):
        if self.scheme == "https":
            return http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout, context=ssl.create_default_context())
        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def exchange(self, method: str, path: str, headers: dict, body: bytes | None, limit: int) -> tuple[int, dict, bytes]:
        """Send one request; (status, lower-case headers, body). Raises OSError and http.client errors."""
        if self.connection is None:
            self.connection = self.open()
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            data = response.read(limit + 1)
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        if len(data) > limit:
            self.close()
            raise HttpError("the answer of %s %s is larger than %d bytes" % (method, self.origin + path, limit))
        if response.will_close:
            self.close()
        return response.status, {name.lower(): value for name, value in response.getheaders()}, data


def get_text(url, headers: dict, timeout: float, limit: int) -> str:
    """The body of a GET of URL (status 200 only), decoded as UTF-8."""
    connection = Connection(url, timeout, "url")
    path = connection.base_path or "/"
    if not isinstance(headers, dict) or not all(isinstance(value, str) for value in headers.values()):
        raise HttpError("headers: give a dictionary of header names and string values")
    try:
        status, _headers, data = connection.exchange("GET", path, dict(headers, Accept="text/plain, */*"), None, limit)
    except HttpError:
        raise HttpError("%s answered with more than %d bytes; it must answer with an address only" % (url, limit)) from None
    except (OSError, http.client.HTTPException) as err:
        raise HttpError("no answer from %s: %s" % (url, describe_failure(err))) from None
    finally:
        connection.close()
    if status != 200:
        raise HttpError("%s answered HTTP %d" % (url, status))
    return data.decode("utf-8", "replace")


def describe_failure(err: Exception) -> str:
    if isinstance(err, socket.timeout):
        return "timed out"
    if isinstance(err, ssl.SSLError):
        return "TLS failed (%s)" % (err.reason or err)
    if isinstance(err, OSError) and err.strerror:
        return err.strerror
    return type(err).__name__ if not str(err) else "%s: %s" % (type(err).__name__, err)


class JsonApi:
    """Calls to one provider's JSON API: BASE_URL + path, with AUTHORIZATION, answers decoded as JSON.

    PROVIDER names the provider in messages. SLEEP is time.sleep, replaceable in tests.
    """

    def __init__(self, provider: str, base_url: str, authorization: str, timeout: float, sleep=time.sleep):
        self.provider = provider
        self.connection = Connection(base_url, timeout, "api_url")
        self.headers = {"Authorization": authorization, "Accept": "application/json", "User-Agent": "multisite.vpn dns_record"}
        self.sleep = sleep

    def close(self) -> None:
        self.connection.close()

    def url(self, path: str) -> str:
        return self.connection.origin + self.connection.base_path + path

    def call(self, method: str, path: str, query: dict | None = None, body=None) -> tuple[int, dict, object]:
        """(status, headers, decoded JSON or None) of a call that got an answer; 4xx and 5xx are returned,
        not raised, once the retries for 429, 5xx and broken connections are used up."""
        target = self.connection.base_path + path + ("?" + urlencode(query) if query else "")
        payload = None if body is None else json.dumps(body).encode("utf-8")
        headers = dict(self.headers)
        if payload is not None:
            headers["Content-Type"] = "application/json"
        write = method != "GET"
        attempt = 0
        while True:
            attempt += 1
            last = attempt == ATTEMPTS
            try:
                status, answer_headers, data = self.connection.exchange(method, target, headers, payload, MAX_BODY)
            except (OSError, http.client.HTTPException) as err:
                # A write that may have reached the provider is not sent twice.
                if write or last:
                    raise HttpError("%s: no answer to %s %s: %s" % (self.provider, method, self.url(path), describe_failure(err))) from None
                self.sleep(attempt)
                continue
            retryable = status in WRITE_RETRY_STATUSES if write else status == 429 or status >= 500
            if retryable and not last:
                wait = retry_after_seconds(answer_headers.get("retry-after"))
                wait = attempt if wait is None else wait
                if wait > MAX_RETRY_WAIT:
                    raise HttpError("%s: rate limited for %d s (HTTP %d on %s %s); try again later"
                                    % (self.provider, wait, status, method, self.url(path)), status)
                self.sleep(wait)
                continue
            return status, answer_headers, self.decode(method, path, status, answer_headers, data)

    def decode(self, method: str, path: str, status: int, headers: dict, data: bytes):
        if not data.strip():
            return None
        try:
            return json.loads(data.decode("utf-8"))
        except ValueError:
            kind = headers.get("content-type", "no content type").split(";")[0]
            raise HttpError("%s: %s %s answered HTTP %d with a body that is not JSON (%s)"
                            % (self.provider, method, self.url(path), status, kind), status) from None


def path_part(text: str) -> str:
    """TEXT quoted for one path segment."""
    return quote(text, safe="")
