# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Vultr API v2 (DNS domains and records) as its documentation and users' reports describe it.

Sources:
- www.vultr.com/api (the OpenAPI text, as generated into vultr/vultr-python-client openapi-client/docs and the
  vultr-csharp client): Bearer key; 4xx answers carry an `error` attribute; cursor paging with `per_page` and
  `meta {total, links {next, prev}}`; Create Record (201, {"record": ...}), Update Record (PATCH, 204), Delete
  Record (204); record fields id, type, name, data, priority, ttl; types A AAAA CNAME NS MX SRV TXT CAA SSHFP.
- docs.vultr.com reference/vultr-cli/dns/record/list: per_page default 100, at most 500.
- docs.vultr.com support/platform/api: one key per account with full access (no per-domain scope);
  .../what-rate-limits-apply-to-the-vultr-api: more than 30 requests per second per IP may answer 429.
- Users' reports: {"error": "...", "status": N} bodies; TXT data must be enclosed in quotes
  ("Unable to add record: Record data must be enclosed in quotes", terraform-provider-vultr#117, go-acme/lego#939);
  the rules DNSControl recorded on 2026-07-26 (providers/vultr/vultrProvider.go: outer quotes stripped, inner quotes
  refused, quotes added to every TXT answer; targets without a final dot; all records of a name and type must share
  one TTL, dnscontrol#4609 and bsorahan/certbot-dns-vultr#3); "Invalid API token." with 401 (prometheus' Vultr
  discovery tests).
"""

from __future__ import annotations

import re
import uuid
from http import HTTPStatus
from typing import Any

from .server import (
    INVALID_JSON,
    ApiDouble,
    ApiError,
    IncomingRequest,
    Reply,
    canonical_ipv6,
    decode_cursor,
    encode_cursor,
    is_ipv4,
    json_reply,
    now_iso,
    owner_fqdn,
    relative_name,
)

RECORD_TYPES = ("A", "AAAA", "CNAME", "NS", "MX", "SRV", "TXT", "CAA", "SSHFP")
HOSTNAME_TYPES = ("CNAME", "NS", "MX")
DEFAULT_TTL = 300  # guess: the documentation gives no default; 300 is what Vultr's own tools use
PATCHABLE = ("name", "data", "ttl", "priority")
DOMAINS_ROUTE = re.compile(r"^/domains$")
DOMAIN_ROUTE = re.compile(r"^/domains/(?P<domain>[^/]+)$")
RECORDS_ROUTE = re.compile(r"^/domains/(?P<domain>[^/]+)/records$")
RECORD_ROUTE = re.compile(r"^/domains/(?P<domain>[^/]+)/records/(?P<record>[^/]+)$")


def error(status: int, text: str, headers: dict[str, str] | None = None) -> Reply:
    return json_reply(status, {"error": text, "status": status}, headers)


class VultrApi(ApiDouble):
    PROVIDER = "vultr"
    BASE_PATH = "/v2"
    DOCUMENTED_PAGE_SIZE = 100
    MAX_PAGE_SIZE = 500
    DOCUMENTED_RATE_LIMITS = ((30, 1),)  # per client IP, every request

    def __init__(self, token: str, **options: Any) -> None:
        super().__init__(token, **options)
        self._domains: dict[str, dict] = {}  # name -> domain; "records" maps id -> record, oldest first

    # --- seeding and inspection ---------------------------------------------------------------------------------------

    def add_zone(self, name: str) -> None:
        """A domain created without `ip`: documented to start with no records."""
        name = name.lower().rstrip(".")
        with self.lock:
            self._domains[name] = {
                "domain": name,
                "date_created": now_iso()[:19] + "+00:00",
                "dns_sec": "disabled",
                "records": {},
            }

    def add_record(
        self, zone: str, name: str, type: str, value_or_values: str | list[str], ttl: int, priority: int = 0
    ) -> None:
        """Seeds one record per value (TXT with or without its quotes), checked as the API would (ValueError)."""
        values = [value_or_values] if isinstance(value_or_values, str) else value_or_values
        with self.lock:
            domain = self._domains[zone.lower().rstrip(".")]
            relative = relative_name(domain["domain"], owner_fqdn(domain["domain"], name))
            for value in values:
                if type == "TXT" and not value.startswith('"'):
                    value = f'"{value}"'
                fields = {"name": relative, "type": type, "data": value, "ttl": ttl, "priority": priority}
                try:
                    record = _checked_record(domain, fields, None)
                except ApiError as failure:
                    raise ValueError(failure.reply.body.decode()) from None
                domain["records"][record["id"]] = record

    def records(self, zone: str) -> list[tuple[str, str, int, str]]:
        """Values as the API returns them (TXT in quotes)."""
        with self.lock:
            domain = self._domains[zone.lower().rstrip(".")]
            return sorted(
                (
                    ".".join(filter(None, [record["name"], domain["domain"]])),
                    record["type"],
                    record["ttl"],
                    _shown(record)["data"],
                )
                for record in domain["records"].values()
            )

    # --- the API ----------------------------------------------------------------------------------------------------

    def presented_token(self, headers) -> str | None:
        scheme, _space, token = (headers.get("Authorization") or "").partition(" ")
        return token.strip() if scheme.lower() == "bearer" and token.strip() else None

    def fault_reply(self, status: int, retry_after: int | None) -> Reply:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        return error(status, HTTPStatus(status).phrase, headers)  # guess: the documented shape, a generic text

    def handle(self, request: IncomingRequest) -> Reply:
        if not self.is_known_token(request.token):
            return error(401, "Invalid API token.")
        route = request.route or ""
        if DOMAINS_ROUTE.match(route):
            if request.method != "GET":
                return self._not_allowed()
            domains = [
                domain for domain in self._domains.values() if self.token_allows(request.token, domain["domain"])
            ]
            return self._page(request, "domains", [_domain_object(domain) for domain in domains])
        match = DOMAIN_ROUTE.match(route) or RECORDS_ROUTE.match(route) or RECORD_ROUTE.match(route)
        if match is None:
            return error(404, "Not Found")  # guess
        domain = self._domains.get(match["domain"])
        if domain is None or not self.token_allows(request.token, domain["domain"]):
            # A key reaches every domain of its account and nothing else (no per-domain scope is offered): another
            # account's domain is simply not there. Guess: the text of this 404.
            return error(404, "Invalid domain.")
        if match.re is DOMAIN_ROUTE:
            return (
                json_reply(200, {"domain": _domain_object(domain)}) if request.method == "GET" else self._not_allowed()
            )
        if match.re is RECORDS_ROUTE:
            if request.method == "GET":
                return self._page(request, "records", [_shown(record) for record in domain["records"].values()])
            if request.method == "POST":
                record = _checked_record(domain, _object_body(request), None)
                domain["records"][record["id"]] = record
                return json_reply(201, {"record": _shown(record)})
            return self._not_allowed()
        record = domain["records"].get(match["record"])
        if request.method not in ("GET", "PATCH", "DELETE"):
            return self._not_allowed()
        if record is None:
            return error(404, "Invalid record.")  # guess: the text
        if request.method == "GET":
            return json_reply(200, {"record": _shown(record)})
        if request.method == "DELETE":
            del domain["records"][record["id"]]
            return Reply(204)
        fields = {key: value for key, value in _object_body(request).items() if key in PATCHABLE}  # type cannot change
        domain["records"][record["id"]] = _checked_record(domain, {**_shown(record), **fields}, record)
        return Reply(204)

    @staticmethod
    def _not_allowed() -> Reply:
        return error(405, "Method Not Allowed")  # guess

    def _page(self, request: IncomingRequest, key: str, items: list[dict]) -> Reply:
        try:
            requested = int(request.query["per_page"]) if "per_page" in request.query else None
        except ValueError:
            requested = None  # guess: a bad per_page is ignored
        size = self.effective_page_size(requested)
        offset = 0
        cursor = request.query.get("cursor")
        if cursor:
            # Cursors look like base64 of "next__<key>"; clients must treat them as opaque.
            decoded = decode_cursor(cursor)
            found = re.fullmatch(r"(next|prev)__(\d+)", decoded or "")
            if found is None:
                return error(400, "Invalid cursor")  # guess: the text
            offset = int(found[2])
        shown = items[offset : offset + size]
        links = {
            "next": encode_cursor(f"next__{offset + size}") if offset + size < len(items) else "",
            "prev": encode_cursor(f"prev__{max(offset - size, 0)}") if offset > 0 else "",
        }
        return json_reply(200, {key: shown, "meta": {"total": len(items), "links": links}})


def _domain_object(domain: dict) -> dict:
    return {key: domain[key] for key in ("domain", "date_created", "dns_sec")}


def _object_body(request: IncomingRequest) -> dict:
    if request.body is INVALID_JSON or not isinstance(request.body, dict):
        raise ApiError(error(400, "Invalid JSON"))  # guess: the text
    return request.body


def _shown(record: dict) -> dict:
    """The record as the API answers: TXT data gets its quotes back."""
    return {**record, "data": f'"{record["data"]}"'} if record["type"] == "TXT" else dict(record)


def _checked_record(domain: dict, fields: dict, existing: dict | None) -> dict:
    verb = "update" if existing else "add"

    def refuse(text: str) -> ApiError:
        return ApiError(error(400, f"Unable to {verb} record: {text}"))  # the prefix users report; texts are guesses

    record_type, name, data = fields.get("type"), fields.get("name"), fields.get("data")
    if record_type not in RECORD_TYPES:
        raise refuse("Invalid record type")
    if not isinstance(name, str):
        raise refuse("Invalid name")
    if not isinstance(data, str) or not data.strip():
        raise refuse("Invalid data")
    ttl = fields.get("ttl", DEFAULT_TTL)
    if isinstance(ttl, bool) or not isinstance(ttl, int) or ttl < 1:
        raise refuse("Invalid TTL")  # guess: no documented limits; anything positive is taken
    priority = fields.get("priority", 0)
    if isinstance(priority, bool) or not isinstance(priority, int) or priority < 0:
        raise refuse("Invalid priority")
    data = data.strip()
    if record_type == "A" and not is_ipv4(data):
        raise refuse("Invalid IPv4 address")
    if record_type == "AAAA":
        try:
            canonical_ipv6(data)  # validated only: no normalization is documented, the text is kept as sent (guess)
        except ValueError:
            raise refuse("Invalid IPv6 address") from None
    if record_type in HOSTNAME_TYPES:
        data = data.rstrip(".")  # targets are kept without the final dot
    if record_type == "TXT":
        # Quotes at both ends are removed; one at a single end is refused. Guess: entirely unquoted data is refused
        # too, as reported in 2019-2021 (the 2026 notes do not say).
        if len(data) < 2 or not (data.startswith('"') and data.endswith('"')):
            raise refuse("Record data must be enclosed in quotes")
        data = data[1:-1]
        if '"' in data:
            raise refuse("Quotes may only appear at the beginning and end of the data")
    siblings = [
        record
        for record in domain["records"].values()
        if record["name"] == name
        and record["type"] == record_type
        and (existing is None or record["id"] != existing["id"])
    ]
    if any(record["ttl"] != ttl for record in siblings):
        # Reported: a record whose TTL differs from the others of its name and type is refused. Guess: the text.
        raise refuse("All records with the same name and type must have the same TTL")
    # Guess: nothing else is refused (no duplicate or CNAME-exclusion rule is documented or reported).
    return {
        "id": existing["id"] if existing else str(uuid.uuid4()),
        "type": record_type,
        "name": name,  # kept as sent: relative to the domain, "" for the apex; a full name is not shortened (guess)
        "data": data,
        "priority": priority,
        "ttl": ttl,
    }
