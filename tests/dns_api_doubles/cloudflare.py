# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cloudflare API v4 (zones and DNS records) as the documentation and users' reports describe it.

Sources:
- developers.cloudflare.com/api/resources/dns/subresources/records/methods/{create,list} (CNAME and A/AAAA exclusion,
  names in Punycode, TTL 1 = automatic else 60..86400, per_page default 100) and
  cloudflare/cloudflare-python src/cloudflare/types/dns/record_list_params.py (list filters, `match`).
- cloudflare/cloudflare-docs src/content/docs/: fundamentals/api/how-to/make-api-calls.mdx (Bearer token, base URL,
  page/per_page, result_info), fundamentals/api/reference/limits.mdx and the rate-limit partial (1200 requests per
  5 minutes per user, 429 with retry-after), dns/manage-dns-records/reference/dns-record-types.mdx (AAAA stored in
  RFC 5952 canonical form; record object in the API's answer; TXT quoting), .../reference/ttl.mdx (proxied = Auto),
  .../troubleshooting/records-with-same-name.mdx.
- Error codes and messages as users captured them in GitHub issues: 9106 missing headers (400), 6003/6111 malformed
  Authorization (400), 9109 invalid token (403), 10000 "Authentication error" for a token without the zone (403,
  terraform-provider-cloudflare#913), 9005/9006 bad A/AAAA content, 1004+9021 TTL, 1004+9041 proxied,
  81053/81054 CNAME conflicts (favonia/cloudflare-ddns#990, terraform-provider-cloudflare#1247), 81058 identical
  record (ddns-go#1378), 81044 record does not exist (404), 971 rate limited (429), 9000 invalid name, 9007 invalid
  content (cisagov/manage.get.gov mock of captured answers). TXT: the API stores content as sent and does not add
  the quotes the dashboard adds (go-acme/lego#2521, libdns/cloudflare#24).
"""

from __future__ import annotations

import ipaddress
import math
import re
import uuid
from http import HTTPStatus
from typing import Any

from .server import ApiDouble, ApiError, IncomingRequest, Reply, canonical_ipv6, json_reply, now_iso, owner_fqdn

SAME_NAME_HELP = "For more details, refer to <https://developers.cloudflare.com/dns/manage-dns-records/troubleshooting/records-with-same-name/>."
PROXIABLE_TYPES = ("A", "AAAA", "CNAME")
HOSTNAME_TYPES = ("CNAME", "NS", "MX", "PTR")
RECORD_TYPES = ("A", "AAAA", "CAA", "CNAME", "HTTPS", "MX", "NS", "PTR", "SRV", "SSHFP", "SVCB", "TLSA", "TXT", "URI")
ZONE_PAGE_SIZE, ZONE_MAX_PAGE_SIZE = 20, 50  # GET /zones: per_page default 20, at most 50
LABEL = re.compile(r"^(\*|[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)$")
# A token is one word of these characters; anything else (spaces, a Global API Key's format mistaken for one) is
# rejected as a malformed header. Guess: the exact rule is not documented, only the 6003/6111 answer to it.
TOKEN_CHARACTERS = re.compile(r"^[A-Za-z0-9_-]+$")
RECORD_ROUTE = re.compile(r"^/zones/(?P<zone>[^/]+)/dns_records(/(?P<record>[^/]+))?$")
ZONE_ROUTE = re.compile(r"^/zones(/(?P<zone>[^/]+))?$")


def envelope(result: Any, result_info: dict | None = None) -> dict:
    document = {"result": result, "success": True, "errors": [], "messages": []}
    if result_info is not None:
        document["result_info"] = result_info
    return document


def failure(status: int, code: int, message: str, chain: list[tuple[int, str]] | None = None, headers=None) -> Reply:
    error: dict[str, Any] = {"code": code, "message": message}
    if chain:
        error["error_chain"] = [{"code": chained, "message": text} for chained, text in chain]
    return json_reply(status, {"result": None, "success": False, "errors": [error], "messages": []}, headers)


def validation_error(code: int, message: str) -> ApiError:
    return ApiError(failure(400, 1004, "DNS Validation Error", [(code, message)]))


class CloudflareApi(ApiDouble):
    PROVIDER = "cloudflare"
    BASE_PATH = "/client/v4"
    DOCUMENTED_PAGE_SIZE = 100
    MAX_PAGE_SIZE = 5_000_000
    DOCUMENTED_RATE_LIMITS = ((1200, 300),)  # per user, all tokens together
    PROXY_SIGNATURE = "cloudflare"

    def __init__(self, token: str, **options: Any) -> None:
        super().__init__(token, **options)
        self._zones: dict[str, dict] = {}  # zone id -> zone object
        self._records: dict[str, dict[str, dict]] = {}  # zone id -> record id -> record object

    # --- seeding and inspection ---------------------------------------------------------------------------------------

    def add_zone(self, name: str) -> str:
        """Adds an active zone; returns its id."""
        zone_id = uuid.uuid4().hex
        stamp = now_iso()
        with self.lock:
            self._zones[zone_id] = {
                "id": zone_id,
                "name": name.lower().rstrip("."),
                "status": "active",
                "paused": False,
                "type": "full",
                "development_mode": 0,
                "name_servers": ["ada.ns.cloudflare.com", "bob.ns.cloudflare.com"],
                "original_name_servers": None,
                "created_on": stamp,
                "modified_on": stamp,
                "activated_on": stamp,
                "account": {"id": "0" * 32, "name": "multisite.vpn tests"},
            }
            self._records[zone_id] = {}
        return zone_id

    def add_record(
        self, zone: str, name: str, type: str, value_or_values: str | list[str], ttl: int, proxied: bool = False
    ) -> None:
        """Seeds one record per value, validated as the API would (ValueError if it would refuse)."""
        zone_id = self._zone_id(zone)
        values = [value_or_values] if isinstance(value_or_values, str) else value_or_values
        with self.lock:
            for value in values:
                fields = {
                    "name": owner_fqdn(zone, name),
                    "type": type,
                    "content": value,
                    "ttl": ttl,
                    "proxied": proxied,
                }
                try:
                    record = self._checked_record(zone_id, fields, None)
                except ApiError as error:
                    raise ValueError(error.reply.body.decode()) from None
                self._records[zone_id][record["id"]] = record

    def records(self, zone: str) -> list[tuple[str, str, int, str]]:
        with self.lock:
            return sorted(
                (record["name"], record["type"], record["ttl"], record["content"])
                for record in self._records[self._zone_id(zone)].values()
            )

    def _zone_id(self, name: str) -> str:
        name = name.lower().rstrip(".")
        for zone_id, zone in self._zones.items():
            if zone["name"] == name:
                return zone_id
        raise KeyError(name)

    # --- the API ----------------------------------------------------------------------------------------------------

    def presented_token(self, headers) -> str | None:
        scheme, _space, token = (headers.get("Authorization") or "").partition(" ")
        return token if scheme.lower() == "bearer" and TOKEN_CHARACTERS.match(token) else None

    def handle(self, request: IncomingRequest) -> Reply:
        if request.headers.get("Authorization") is None:
            return failure(400, 9106, "Missing X-Auth-Key, X-Auth-Email or Authorization headers")
        if request.token is None:
            return failure(400, 6003, "Invalid request headers", [(6111, "Invalid format for Authorization header")])
        if not self.is_known_token(request.token):
            return failure(403, 9109, "Invalid access token")
        route = (request.route or "").rstrip("/")  # the API also answers with a final slash ("/zones/?name=")
        if match := ZONE_ROUTE.match(route):
            if request.method != "GET":
                return self._no_route()
            if match["zone"] is None:
                return self._list_zones(request)
            return json_reply(200, envelope(self._zone(request, match["zone"])))
        if match := RECORD_ROUTE.match(route):
            zone = self._zone(request, match["zone"])
            if match["record"] is None:
                if request.method == "GET":
                    return self._list_records(request, zone)
                if request.method == "POST":
                    return self._create(request, zone)
                return self._no_route()
            return self._one_record(request, zone, match["record"])
        return self._no_route()

    def fault_reply(self, status: int, retry_after: int | None) -> Reply:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        if status == 429:
            return failure(429, 971, "Please wait and consider throttling your request speed", headers=headers)
        # Guess: the envelope with the status as code; no captured 5xx body was found in reports.
        return failure(status, status, HTTPStatus(status).phrase, headers=headers)

    @staticmethod
    def _no_route() -> Reply:
        # Guess between the two answers users report for an unknown path (400 and 404): 400 with code 7000.
        return failure(400, 7000, "No route for that URI")

    def _zone(self, request: IncomingRequest, zone_id: str) -> dict:
        zone = self._zones.get(zone_id)
        if zone is None:
            # Guess: reports show this message with 400 or 404 for an unknown zone id.
            raise ApiError(
                failure(404, 7003, f"Could not route to {request.path}, perhaps your object identifier is invalid?")
            )
        if not self.token_allows(request.token, zone["name"]):
            raise ApiError(failure(403, 10000, "Authentication error"))
        return zone

    def _list_zones(self, request: IncomingRequest) -> Reply:
        # A token scoped to some zones sees only those (python-cloudflare#172: "Unable to determine zone_id").
        zones = [zone for zone in self._zones.values() if self.token_allows(request.token, zone["name"])]
        if "name" in request.query:
            zones = [zone for zone in zones if zone["name"] == request.query["name"]]
        if "status" in request.query:
            zones = [zone for zone in zones if zone["status"] == request.query["status"]]
        per_page = _int(request.query.get("per_page"))
        size = max(
            5, self.effective_page_size(per_page if per_page is not None else ZONE_PAGE_SIZE, ZONE_MAX_PAGE_SIZE)
        )
        return self._page(request, zones, size)

    def _list_records(self, request: IncomingRequest, zone: dict) -> Reply:
        query = request.query
        tests = []
        for key in ("type", "name", "content", "proxied"):
            wanted = query.get(key, query.get(f"{key}.exact"))
            if wanted is None:
                continue
            if key == "name":
                wanted = zone["name"] if wanted == "@" else wanted.lower()
            # The documented filter is exact: a relative name or a non-canonical address matches nothing.
            tests.append(lambda record, key=key, wanted=wanted: str(record[key]).lower() == wanted.lower())
        combine = any if query.get("match") == "any" else all
        records = sorted(
            (
                record
                for record in self._records[zone["id"]].values()
                if not tests or combine(test(record) for test in tests)
            ),
            key=lambda record: (record["type"], record["name"], record["content"]),  # guess: any stable order will do
        )
        return self._page(request, records, self.effective_page_size(_int(query.get("per_page"))))

    def _page(self, request: IncomingRequest, items: list[dict], per_page: int) -> Reply:
        page = max(_int(request.query.get("page")) or 1, 1)
        shown = items[(page - 1) * per_page : page * per_page]
        result_info = {
            "page": page,
            "per_page": per_page,
            "count": len(shown),
            "total_count": len(items),
            "total_pages": math.ceil(len(items) / per_page),  # guess: 0 for an empty list
        }
        return json_reply(200, envelope(shown, result_info))

    def _create(self, request: IncomingRequest, zone: dict) -> Reply:
        fields = _object_body(request)
        record = self._checked_record(zone["id"], fields, None)
        self._records[zone["id"]][record["id"]] = record
        return json_reply(200, envelope(record))

    def _one_record(self, request: IncomingRequest, zone: dict, record_id: str) -> Reply:
        record = self._records[zone["id"]].get(record_id)
        if request.method not in ("GET", "PUT", "PATCH", "DELETE"):
            return self._no_route()
        if record is None:
            return failure(404, 81044, "Record does not exist.")
        if request.method == "GET":
            return json_reply(200, envelope(record))
        if request.method == "DELETE":
            del self._records[zone["id"]][record_id]
            return json_reply(200, envelope({"id": record_id}))
        fields = _object_body(request)
        if request.method == "PUT":
            missing = [key for key in ("type", "name", "content") if key not in fields]
            if missing:
                # Guess: the code of this validation error is not in the reports found.
                raise validation_error(9000 if "name" in missing else 9007, f"{missing[0]} is required.")
        else:
            fields = {
                key: record[key] for key in ("type", "name", "content", "ttl", "proxied", "priority") if key in record
            } | fields
        updated = self._checked_record(zone["id"], fields, record)
        self._records[zone["id"]][record_id] = updated
        return json_reply(200, envelope(updated))

    def _checked_record(self, zone_id: str, fields: dict, existing: dict | None) -> dict:
        """The record object the API would store for `fields`, or ApiError with the API's refusal."""
        zone = self._zones[zone_id]
        record_type = fields.get("type")
        if record_type not in RECORD_TYPES:
            raise validation_error(9004, "Invalid or missing DNS record type.")  # guess: code and text not found
        name = _record_name(zone["name"], fields.get("name"))
        content = _record_content(record_type, fields.get("content"))
        proxied = fields.get("proxied", False)
        if not isinstance(proxied, bool) or (proxied and record_type not in PROXIABLE_TYPES):
            raise validation_error(9041, "Invalid proxied mode. Record cannot be proxied")
        ttl = fields.get("ttl", 1)
        if isinstance(ttl, bool) or not isinstance(ttl, int):
            raise ApiError(failure(400, 9022, "TTL must be a number, not a string."))
        if ttl != 1 and not 60 <= ttl <= 86400:
            raise validation_error(9021, "TTL must be between 60 and 86400 seconds, or 1 for Automatic.")
        if proxied:
            ttl = 1  # proxied records always have TTL Auto (dns/manage-dns-records/reference/ttl.mdx)
        others = [
            record for record in self._records[zone_id].values() if existing is None or record["id"] != existing["id"]
        ]
        same_name = [record for record in others if record["name"] == name]
        if any(record["type"] == record_type and record["content"] == content for record in same_name):
            raise ApiError(failure(400, 81058, "An identical record already exists."))
        if record_type == "CNAME" and any(record["type"] in PROXIABLE_TYPES for record in same_name):
            raise ApiError(
                failure(400, 81053, f"An A, AAAA, or CNAME record with that host already exists. {SAME_NAME_HELP}")
            )
        if record_type in ("A", "AAAA") and any(record["type"] == "CNAME" for record in same_name):
            raise ApiError(failure(400, 81054, f"A CNAME record with that host already exists. {SAME_NAME_HELP}"))
        stamp = now_iso()
        record = {
            "id": existing["id"] if existing else uuid.uuid4().hex,
            "zone_id": zone_id,
            "zone_name": zone["name"],
            "name": name,
            "type": record_type,
            "content": content,
            "proxiable": record_type in PROXIABLE_TYPES,
            "proxied": proxied,
            "ttl": ttl,
            "locked": False,
            "settings": {},
            "meta": {
                "auto_added": False,
                "managed_by_apps": False,
                "managed_by_argo_tunnel": False,
                "source": "primary",
            },
            "comment": fields.get("comment"),
            "tags": fields.get("tags", []),
            "created_on": existing["created_on"] if existing else stamp,
            "modified_on": stamp,
        }
        if record_type == "MX":
            record["priority"] = fields.get("priority", 0)
        return record


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None  # guess: the API's answer to a non-numeric page or per_page was not found; ignored here


def _object_body(request: IncomingRequest) -> dict:
    if not isinstance(request.body, dict):
        # Guess: code and text for a body that is not a JSON object (9207 is what the page-rules API answers).
        raise ApiError(failure(400, 9207, "Request body is invalid."))
    return request.body


def _record_name(zone: str, name: Any) -> str:
    """Names are stored as lowercase FQDNs without the final dot; "@" and relative names are completed."""
    if not isinstance(name, str) or not name:
        raise ApiError(failure(400, 9000, "DNS name is invalid."))
    # Documented: Unicode names are stored in Punycode (Python's codec is IDNA 2003: close enough for tests).
    # Guess: a final dot is dropped; a name outside the zone is taken as relative (the zone is appended).
    try:
        name = owner_fqdn(zone, name.encode("idna").decode() if not name.isascii() else name)
    except UnicodeError:
        raise ApiError(failure(400, 9000, "DNS name is invalid.")) from None
    labels = name.split(".")
    if len(name) > 253 or any(not LABEL.match(label) for label in labels) or "*" in labels[1:]:
        raise ApiError(failure(400, 9000, "DNS name is invalid."))
    return name


def _record_content(record_type: str, content: Any) -> str:
    if not isinstance(content, str) or not content:
        raise ApiError(failure(400, 9007, f"Content for {record_type} record is invalid."))
    if record_type == "A":
        try:
            ipaddress.IPv4Address(content)
        except ValueError:
            raise ApiError(failure(400, 9005, "Content for A record must be a valid IPv4 address.")) from None
    elif record_type == "AAAA":
        try:
            return canonical_ipv6(content)  # documented: "fe80::0:0:1" is stored and returned as "fe80::1"
        except ValueError:
            raise ApiError(failure(400, 9006, "Content for AAAA record must be a valid IPv6 address.")) from None
    elif record_type in HOSTNAME_TYPES:
        return content.rstrip(".")  # guess: targets are kept without the final dot, like record names
    elif record_type == "TXT" and content.startswith('"') and not _quoted_strings(content):
        # Quotes must balance ('"this' or '"these" ones"' fail); unquoted text is kept as sent.
        raise ApiError(failure(400, 9007, "Content for TXT record is invalid."))
    return content


def _quoted_strings(content: str) -> bool:
    return re.fullmatch(r'"([^"\\]|\\.)*"(\s+"([^"\\]|\\.)*")*', content) is not None
