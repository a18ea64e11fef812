# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""deSEC's DNS API v1 (domains and RRsets) as its documentation and its published server describe it.

Sources (desec-io/desec-stack):
- docs/dns/rrsets.rst: RRset object, POST/PUT/PATCH/DELETE, `records: []` deletes (204), apex `@` (and `...`) in
  URLs but `""` in bodies, bulk requests (atomic, 400 with one error object per item), 500 per page with `cursor=`
  and a Link header (400 without it), TXT quoting, CNAME exclusivity, canonical record form ("0:0000::1" -> "::1").
- docs/dns/domains.rst: domain object (minimum_ttl read-only; keys only on a single domain), `owns_qname`.
- docs/rate-limits.rst: 429 with Retry-After; RRset writes 2/s, 15/min, 100/h, 300/day per domain.
- docs/auth/tokens.rst: `Authorization: Token`; scoping policies: every token reads every RRset, a restricted one
  may not write others (403).
- The server itself, for exact answers: api/desecapi/serializers/records.py (messages, bulk validation order),
  models/records.py and dns.py (canonical form, TXT must be quoted), pagination.py (the 400 text), views/records.py
  and permissions.py (404 for a domain one does not own, 403 "Insufficient token permissions.", idempotent DELETE),
  api/api/settings.py (PAGE_SIZE 500, MAXIMUM_TTL 86400, throttle rates, Django's APPEND_SLASH redirect), and
  Django REST framework's standard texts (401, 405, 429).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

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

MAXIMUM_TTL = 86400
NAME_SERVERS = ["ns1.desec.io.", "ns2.desec.org."]
AUTOMATIC_TYPES = {"KEY", "NSEC", "NSEC3", "OPT", "RRSIG", "NSEC3PARAM", "SOA"}
# The common part of what desec-stack accepts (pdns.py and dnspython's types); others are "currently unsupported".
MANAGEABLE_TYPES = {
    "A", "AAAA", "CAA", "CDNSKEY", "CDS", "CERT", "CNAME", "DNAME", "DNSKEY", "DS", "HINFO", "HTTPS", "LOC", "MX", "NAPTR",
    "NS", "OPENPGPKEY", "PTR", "RP", "SMIMEA", "SPF", "SRV", "SSHFP", "SVCB", "TLSA", "TXT", "URI",
}  # fmt: skip
HOSTNAME_TYPES = ("CNAME", "NS", "PTR", "DNAME")
SUBNAME = re.compile(r"^([*]|(([*][.])?([a-z0-9_-]{1,63}[.])*[a-z0-9_-]{1,63}))$")
TYPE = re.compile(r"^[A-Z][A-Z0-9]*$")
DOMAINS_ROUTE = re.compile(r"^/domains/$")
DOMAIN_ROUTE = re.compile(r"^/domains/(?P<name>[^/]+)/$")
RRSETS_ROUTE = re.compile(r"^/domains/(?P<name>[^/]+)/rrsets/$")
RRSET_ROUTE = re.compile(r"^/domains/(?P<name>[^/]+)/rrsets/(?P<subname>[^/]+)/(?P<type>[^/]+)/$")
ROUTE_METHODS = (
    (DOMAINS_ROUTE, ("GET",)),
    (DOMAIN_ROUTE, ("GET",)),
    (RRSETS_ROUTE, ("GET", "POST", "PUT", "PATCH")),
    (RRSET_ROUTE, ("GET", "PUT", "PATCH", "DELETE")),
)
DJANGO_NOT_FOUND = (
    b'<!doctype html>\n<html lang="en">\n<head>\n  <title>Not Found</title>\n</head>\n<body>\n  <h1>Not Found</h1>'
    b"<p>The requested resource was not found on this server.</p>\n</body>\n</html>\n"
)
UNIQUE = "Another RRset with the same subdomain and type exists for this domain. (Try modifying it.)"
REQUIRED = "This field is required."


def detail(status: int, text: str, headers: dict[str, str] | None = None) -> Reply:
    return json_reply(status, {"detail": text}, headers)


class DesecApi(ApiDouble):
    PROVIDER = "desec"
    BASE_PATH = "/api/v1"
    DOCUMENTED_PAGE_SIZE = 500
    MAX_PAGE_SIZE = 500
    DOCUMENTED_RATE_LIMITS = ((2, 1), (15, 60), (100, 3600), (300, 86400))  # RRset writes, per domain

    def __init__(self, token: str, **options: Any) -> None:
        super().__init__(token, **options)
        self._domains: dict[str, dict] = {}  # name -> domain; "rrsets" maps (subname, type) -> RRset, oldest first

    # --- seeding and inspection ---------------------------------------------------------------------------------------

    def add_zone(self, name: str, minimum_ttl: int = 3600) -> None:
        """Adds a domain with the NS RRset deSEC creates at the apex of every new domain (docs/dns/domains.rst)."""
        name = name.lower().rstrip(".")
        stamp = now_iso()
        with self.lock:
            self._domains[name] = {
                "name": name,
                "minimum_ttl": minimum_ttl,
                "created": stamp,
                "published": stamp,
                "touched": stamp,
                "rrsets": {},
            }
            self._store(self._domains[name], "", "NS", max(3600, minimum_ttl), NAME_SERVERS)

    def add_record(self, zone: str, name: str, type: str, value_or_values: str | list[str], ttl: int) -> None:
        """Seeds (replaces) one RRset; records are canonicalized as the API would (ValueError if it would refuse).
        The TTL is not checked, so that a seeded RRset may sit below the domain's minimum."""
        values = [value_or_values] if isinstance(value_or_values, str) else list(value_or_values)
        with self.lock:
            domain = self._domains[zone.lower().rstrip(".")]
            records = [_canonical(type, value) for value in values]
            self._store(domain, relative_name(domain["name"], owner_fqdn(domain["name"], name)), type, ttl, records)

    def records(self, zone: str) -> list[tuple[str, str, int, str]]:
        """Every record, the apex NS RRset included."""
        with self.lock:
            domain = self._domains[zone.lower().rstrip(".")]
            return sorted(
                (rrset["name"].rstrip("."), rrset["type"], rrset["ttl"], record)
                for rrset in domain["rrsets"].values()
                for record in rrset["records"]
            )

    def _store(self, domain: dict, subname: str, type_: str, ttl: int, records: list[str]) -> dict:
        stamp = now_iso()
        previous = domain["rrsets"].get((subname, type_))
        rrset = {
            "created": previous["created"] if previous else stamp,
            "domain": domain["name"],
            "subname": subname,
            "name": ".".join(filter(None, [subname, domain["name"]])) + ".",
            "records": records,
            "ttl": ttl,
            "type": type_,
            "touched": stamp,
        }
        domain["rrsets"][(subname, type_)] = rrset
        domain["published"] = domain["touched"] = stamp
        return rrset

    # --- the API ----------------------------------------------------------------------------------------------------

    def presented_token(self, headers) -> str | None:
        parts = (headers.get("Authorization") or "").split()
        return parts[1] if len(parts) == 2 and parts[0].lower() == "token" else None

    def fault_reply(self, status: int, retry_after: int | None) -> Reply:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        if status == 429:
            wait = retry_after if retry_after is not None else 1
            return detail(
                429, f"Request was throttled. Expected available in {wait} second{'s' if wait != 1 else ''}.", headers
            )
        if status == 500:
            return detail(500, "Internal Server Error. We're on it!", headers)  # exception_handlers.py
        # Guess: other 5xx come from nginx in front of the API when the backend is away.
        return Reply(
            status, f"<html><body><h1>{status}</h1></body></html>".encode(), {"Content-Type": "text/html", **headers}
        )

    def rate_limit_bucket(self, request: IncomingRequest) -> str | None:
        match = _resolve(request.route or "")
        writes_rrsets = match is not None and match[0] in (RRSETS_ROUTE, RRSET_ROUTE) and request.method != "GET"
        counted = writes_rrsets and self.is_known_token(request.token) and match[1]["name"] in self._domains
        return f"rrsets:{match[1]['name']}" if counted else None

    def handle(self, request: IncomingRequest) -> Reply:
        route = request.route
        match = _resolve(route) if route is not None else None
        if match is None:
            if route is not None and not route.endswith("/") and _resolve(route + "/") is not None:
                # Django's APPEND_SLASH: a permanent redirect, whatever the method (a client may turn POST into GET).
                location = (
                    request.base_url + request.path + "/" + (f"?{urlencode(request.query)}" if request.query else "")
                )
                return Reply(301, b"", {"Location": location})
            return Reply(404, DJANGO_NOT_FOUND, {"Content-Type": "text/html"})
        pattern, params = match
        if request.token is None:
            return detail(401, "Authentication credentials were not provided.", {"WWW-Authenticate": "Token"})
        if not self.is_known_token(request.token):
            return detail(401, "Invalid token.", {"WWW-Authenticate": "Token"})
        if request.method not in dict(ROUTE_METHODS)[pattern]:
            return detail(405, f'Method "{request.method}" not allowed.')
        if pattern is DOMAINS_ROUTE:
            return self._list_domains(request)
        domain = self._domains.get(params["name"])
        if domain is None:
            return detail(404, "Not found.")
        if pattern is DOMAIN_ROUTE:
            return json_reply(200, _domain_object(domain, with_keys=True))
        if pattern is RRSETS_ROUTE:
            if request.method == "GET":
                return self._list_rrsets(request, domain)
            return self._write_list(request, domain)
        subname = params["subname"]
        subname = subname[:-1] if subname.endswith("@") else subname[:-3] if subname.endswith("...") else subname
        return self._one_rrset(request, domain, subname, params["type"])

    def _list_domains(self, request: IncomingRequest) -> Reply:
        domains = list(reversed(self._domains.values()))
        qname = request.query.get("owns_qname")
        if qname is not None:
            qname = qname.lower().rstrip(".")
            owning = [domain for domain in domains if qname == domain["name"] or qname.endswith("." + domain["name"])]
            owning.sort(key=lambda domain: -len(domain["name"]))
            return json_reply(200, [_domain_object(domain) for domain in owning[:1]])  # never paginated
        return self._paginated(request, [_domain_object(domain) for domain in domains])

    def _list_rrsets(self, request: IncomingRequest, domain: dict) -> Reply:
        rrsets = list(reversed(domain["rrsets"].values()))  # newest first, as documented
        wanted_type = request.query.get("type")
        if wanted_type in AUTOMATIC_TYPES:
            return detail(403, f"You cannot tinker with the {wanted_type} RRset.")
        for key in ("subname", "type"):
            if key in request.query:
                rrsets = [rrset for rrset in rrsets if rrset[key] == request.query[key]]
        return self._paginated(request, rrsets)

    def _paginated(self, request: IncomingRequest, items: list[dict]) -> Reply:
        size = self.effective_page_size(None)
        if len(items) <= size:
            return json_reply(200, items)

        def link(offset: int | None) -> str:
            query = dict(request.query, cursor=encode_cursor(f"o={offset}") if offset else "")
            return f"{request.base_url}{request.path}?{urlencode(query)}"

        if "cursor" not in request.query:
            text = (
                f"Pagination required. You can query up to {size} items at a time ({len(items)} total). "
                "Please use the `first` page link (see Link header)."
            )
            return detail(400, text, {"Link": f'<{link(None)}>; rel="first"'})
        cursor = request.query["cursor"]
        decoded = decode_cursor(cursor) if cursor else "o=0"
        if decoded is None or not re.fullmatch(r"o=\d+", decoded):
            return detail(404, "Invalid cursor")
        offset = int(decoded[2:])
        links = [f'<{link(None)}>; rel="first"']
        if offset > 0:
            links.append(f'<{link(max(offset - size, 0))}>; rel="prev"')
        if offset + size < len(items):
            links.append(f'<{link(offset + size)}>; rel="next"')
        return json_reply(200, items[offset : offset + size], {"Link": ", ".join(links)})

    def _one_rrset(self, request: IncomingRequest, domain: dict, subname: str, type_: str) -> Reply:
        rrset = domain["rrsets"].get((subname, type_))
        if request.method == "DELETE":
            if rrset is not None:  # a missing RRset is deleted already: 204 (IdempotentDestroyMixin)
                self._check_permission(request, domain)
                del domain["rrsets"][(subname, type_)]
                domain["published"] = domain["touched"] = now_iso()
            return Reply(204)
        if rrset is None:
            return detail(404, "No RRset matches the given query.")
        if request.method == "GET":
            return json_reply(200, rrset)
        self._check_permission(request, domain)
        item = _json_body(request)
        if not isinstance(item, dict):
            return json_reply(
                400, {"non_field_errors": [f"Invalid data. Expected a dictionary, but got {_type_name(item)}."]}
            )
        validated, errors = self._validated(
            request, domain, item, bulk=False, instance=rrset, partial=request.method == "PATCH"
        )
        if errors:
            return json_reply(400, errors)
        if validated.get("records") == []:
            del domain["rrsets"][(subname, type_)]
            return Reply(204)
        return json_reply(200, self._save(domain, validated, rrset))

    def _write_list(self, request: IncomingRequest, domain: dict) -> Reply:
        body = _json_body(request)
        if request.method == "POST" and isinstance(body, dict):
            validated, errors = self._validated(request, domain, body, bulk=False, instance=None, partial=False)
            if errors:
                return json_reply(400, errors)
            return json_reply(201, self._save(domain, validated, None))
        if body is None:
            return json_reply(400, {"non_field_errors": ["No data provided"]})  # guess: DRF's text for a missing body
        if not isinstance(body, list):
            return json_reply(400, {"non_field_errors": [f"Expected a list of items but got {_type_name(body)}."]})
        return self._bulk(request, domain, body)

    def _bulk(self, request: IncomingRequest, domain: dict, items: list) -> Reply:
        """RRsetListSerializer: key and CNAME checks across the request and the database, then each item; atomic."""
        errors: list[dict] = [{} for _item in items]
        indices: dict[Any, dict[Any, set]] = {}
        for position, item in enumerate(items):
            if not isinstance(item, dict):
                errors[position] = {"non_field_errors": f"Expected a dictionary, but got {_type_name(item)}."}
                continue
            subname, type_ = item.get("subname"), item.get("type")
            for field, value in (("subname", subname), ("type", type_)):
                if not isinstance(value, (str, type(None))):
                    errors[position][field] = f"Expected a string, but got {_type_name(value)}."
            if errors[position]:
                continue
            if subname not in indices:
                indices[subname] = {
                    known_type: {None} for known_subname, known_type in domain["rrsets"] if known_subname == subname
                }
            indices[subname].setdefault(type_, set()).add(position)
        collapsed = {
            subname: {type_: set(found) for type_, found in types.items()} for subname, types in indices.items()
        }
        for position, item in enumerate(items):
            if not errors[position] and item.get("records") == []:
                collapsed[item.get("subname")][item.get("type")] -= {position, None}
        validated_items = []
        for position, item in enumerate(items):
            if errors[position]:
                continue
            key = (item.get("subname"), item.get("type"))
            others = indices[key[0]][key[1]] - {None, position}
            if others:
                text = f"Same subname and type as in position(s) {', '.join(map(str, sorted(others)))}, but must be unique."
                errors[position] = {"non_field_errors": [text]}
                continue
            if item.get("records") != []:
                conflicting = {
                    found: where
                    for found, where in collapsed[key[0]].items()
                    if (found == "CNAME") != (key[1] == "CNAME")
                }
                if any(conflicting.values()):
                    text = f"RRset with conflicting type present at same subname: {_positions(conflicting)}."
                    errors[position] = {"non_field_errors": [text + " (No other RRsets are allowed alongside CNAME.)"]}
                    continue
            instance = domain["rrsets"].get(key)
            partial = request.method == "PATCH" and not (instance is None and item.get("records") != [])
            validated, item_errors = self._validated(
                request, domain, item, bulk=True, instance=instance, partial=partial
            )
            errors[position] = item_errors
            validated_items.append((validated, instance))
        if any(errors):
            return json_reply(400, errors)
        saved = []
        for validated, instance in validated_items:  # deletions, then creations, then updates, as the server does
            if instance is not None and validated.get("records") == []:
                del domain["rrsets"][(instance["subname"], instance["type"])]
        for validated, instance in validated_items:
            if instance is None and validated.get("records") != []:
                saved.append(self._save(domain, validated, None))
        for validated, instance in validated_items:
            if instance is not None and validated.get("records") != []:
                saved.append(self._save(domain, validated, instance))
        return json_reply(201 if request.method == "POST" else 200, saved)

    def _validated(
        self, request: IncomingRequest, domain: dict, item: dict, *, bulk: bool, instance: dict | None, partial: bool
    ) -> tuple[dict, dict]:
        """RRsetSerializer: field errors first; then permission (403), uniqueness and CNAME exclusivity (for bulk
        requests checked across the request in _bulk); then the records themselves."""
        errors: dict[str, list[str]] = {}
        data: dict[str, Any] = {}
        full = not partial
        if "subname" in item:
            problems = _subname_problems(item["subname"])
            if not problems and instance is not None and item["subname"] != instance["subname"]:
                problems = ["Can only be written on create."]
            _keep(errors, data, "subname", item["subname"], problems)
        elif bulk or (instance is not None and full):
            errors["subname"] = [REQUIRED]
        else:
            data["subname"] = instance["subname"] if instance is not None else ""
        if "type" in item:
            problems = _type_problems(item["type"])
            if not problems and instance is not None and item["type"] != instance["type"]:
                problems = ["Can only be written on create."]
            _keep(errors, data, "type", item["type"], problems)
        elif full or instance is None:
            errors["type"] = [REQUIRED]
        else:
            data["type"] = instance["type"]
        if "ttl" in item:
            _keep(errors, data, "ttl", _ttl(item["ttl"]), _ttl_problems(item["ttl"], domain["minimum_ttl"]))
        elif full:
            errors["ttl"] = [REQUIRED]
        if "records" in item:
            _keep(errors, data, "records", item["records"], _records_problems(item["records"], request.method))
        elif full:
            errors["records"] = [REQUIRED]
        if errors:
            return data, errors
        if not self.token_allows(request.token, domain["name"]):
            raise ApiError(detail(403, "Insufficient token permissions."))
        key = (data["subname"], data["type"])
        if instance is None and key in domain["rrsets"]:
            errors.setdefault("non_field_errors", []).append(UNIQUE)
        if not bulk and data.get("records") != []:
            clashing = sorted(
                known_type
                for known_subname, known_type in domain["rrsets"]
                if known_subname == key[0] and known_type != key[1] and (known_type == "CNAME") != (key[1] == "CNAME")
            )
            if clashing:
                errors.setdefault("non_field_errors", []).append(
                    f"RRset with conflicting type present at same subname: database ({', '.join(clashing)})."
                    " (No other RRsets are allowed alongside CNAME.)"
                )
        if errors:
            return data, errors
        if data.get("records"):
            try:
                data["records"] = [_canonical(data["type"], record) for record in data["records"]]
            except ValueError as error:
                return data, {"non_field_errors": [str(error)]}
            if len(set(data["records"])) != len(data["records"]):
                return data, {"non_field_errors": ["Duplicate: records must be semantically unique"]}
            save_errors = _save_problems(data["type"], data["subname"], data["records"])
            if save_errors:
                # Raised while saving, after validation: the answer is a bare list (RRset.clean_records).
                raise ApiError(json_reply(400, save_errors))
        return data, {}

    def _save(self, domain: dict, validated: dict, instance: dict | None) -> dict:
        ttl = validated.get("ttl", instance["ttl"] if instance else None)
        records = validated.get("records", instance["records"] if instance else [])
        return self._store(domain, validated["subname"], validated["type"], ttl, records)

    def _check_permission(self, request: IncomingRequest, domain: dict) -> None:
        if not self.token_allows(request.token, domain["name"]):
            raise ApiError(detail(403, "Insufficient token permissions."))


def _resolve(route: str):
    for pattern, _methods in ROUTE_METHODS:
        match = pattern.match(route)
        if match:
            return pattern, match.groupdict()
    return None


def _domain_object(domain: dict, with_keys: bool = False) -> dict:
    document = {key: domain[key] for key in ("created", "published", "name", "minimum_ttl", "touched")}
    if with_keys:
        # One managed key, as deSEC generates for a new domain; the values are placeholders, not a real key.
        document["keys"] = [
            {
                "dnskey": "257 3 13 placeholder==",
                "ds": ["1 13 2 00", "1 13 4 00"],
                "flags": 257,
                "keytype": "csk",
                "managed": True,
            }
        ]
    return document


def _json_body(request: IncomingRequest) -> Any:
    if request.body is INVALID_JSON:
        raise ApiError(detail(400, "JSON parse error - Expecting value: line 1 column 1 (char 0)"))
    return request.body


def _type_name(value: Any) -> str:
    return {dict: "dict", list: "list", str: "str", int: "int", float: "float", bool: "bool"}.get(
        type(value), "NoneType"
    )


def _keep(errors: dict, data: dict, field: str, value: Any, problems: list[str]) -> None:
    if problems:
        errors[field] = problems
    else:
        data[field] = value


def _positions(conflicting: dict[str, set]) -> str:
    by_position: dict[Any, list[str]] = {}
    for type_, positions in conflicting.items():
        for position in positions:
            by_position.setdefault(position, []).append(type_)
    ordered = sorted(by_position.items(), key=lambda entry: (entry[0] is None, entry[0] or 0))
    return ", ".join(
        f"{'database' if position is None else position} ({', '.join(sorted(types))})" for position, types in ordered
    )


def _subname_problems(subname: Any) -> list[str]:
    if not isinstance(subname, str):
        return ["Not a valid string."]
    problems = []
    if subname != subname.lower():
        problems.append(f"Invalid value (not lowercase): {subname}")
    if subname and not SUBNAME.match(subname.lower()):
        problems.append(
            "Subname can only use (lowercase) a-z, 0-9, ., -, and _, may start with a '*.', or just be '*'. "
            "Components may not exceed 63 characters."
        )
    return problems


def _type_problems(type_: Any) -> list[str]:
    if not isinstance(type_, str):
        return ["Not a valid string."]
    problems = []
    if type_ != type_.upper():
        problems.append(f"Invalid value (not uppercase): {type_}")
    if not TYPE.match(type_):
        problems.append("Type must be uppercase alphanumeric and start with a letter.")
    if problems:
        return problems
    if type_ in AUTOMATIC_TYPES:
        return [f"You cannot tinker with the {type_} RR set. It is managed automatically."]
    if type_.startswith("TYPE"):
        return ["Generic type format is not supported."]
    if type_ not in MANAGEABLE_TYPES:
        return [f"The {type_} RR set type is currently unsupported."]
    return []


def _ttl(value: Any) -> int | None:
    """Django REST framework's IntegerField: an int, or a string or float that is one."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value) if isinstance(value, (int, float, str)) else None
    except ValueError:
        return None
    return int(number) if number is not None and number.is_integer() else None


def _ttl_problems(value: Any, minimum_ttl: int) -> list[str]:
    ttl = _ttl(value)
    if ttl is None:
        return ["A valid integer is required."]
    if ttl < minimum_ttl:
        return [f"Ensure this value is greater than or equal to {minimum_ttl}."]
    if ttl > MAXIMUM_TTL:
        return [f"Ensure this value is less than or equal to {MAXIMUM_TTL}."]
    return []


def _records_problems(records: Any, method: str) -> list[str]:
    if not isinstance(records, list):
        return [f'Expected a list of items but got type "{_type_name(records)}".']
    if method == "POST" and not records:
        return ["This field must not be empty when using POST."]
    if any(not isinstance(record, str) for record in records):
        return ["Must be a string."]  # simplified: the server nests this per item
    return []


def _save_problems(type_: str, subname: str, records: list[str]) -> list[str]:
    problems = []
    if type_ in ("CNAME", "DNAME") and len(records) > 1:
        problems.append(f"{type_} RRset cannot have multiple records.")
    if type_ in ("CNAME", "DS") and subname == "":
        problems.append(f"{type_} RRset cannot have empty subname.")
    return problems


def _canonical(type_: str, record: str) -> str:
    """The canonical presentation format deSEC stores and returns; ValueError with the server's text otherwise."""
    malformed = f"Record content for type {type_} malformed: Text input is malformed."
    if type_ == "A":
        if not is_ipv4(record.strip()):
            raise ValueError(malformed)
        return record.strip()
    if type_ == "AAAA":
        try:
            return canonical_ipv6(record.strip())
        except ValueError:
            raise ValueError(malformed) from None
    if type_ in ("TXT", "SPF"):
        return " ".join(_txt_render(chunk) for string in _txt_strings(type_, record) for chunk in _chunks(string))
    if type_ in HOSTNAME_TYPES or type_ == "MX":
        parts = record.split()
        if type_ == "MX":
            if len(parts) != 2 or not parts[0].isdigit() or int(parts[0]) > 65535:
                raise ValueError(malformed)
            parts[0] = str(int(parts[0]))
        if len(parts) != (2 if type_ == "MX" else 1):
            raise ValueError(malformed)
        if not parts[-1].endswith("."):
            raise ValueError('Hostname must be fully qualified (i.e., end in a dot: "example.com.")')
        return " ".join(parts)
    return " ".join(record.split())  # other types: whitespace normalized, otherwise as given


def _txt_strings(type_: str, record: str) -> list[bytes]:
    strings: list[bytes] = []
    index, text = 0, record.strip()
    if not text:
        raise ValueError(f"Record content for type {type_} malformed: Text input ended unexpectedly.")
    while index < len(text):
        if text[index].isspace():
            index += 1
            continue
        if text[index] != '"':
            raise ValueError(f"Data for {type_} records must be given using quotation marks.")
        index += 1
        string = bytearray()
        while True:
            if index >= len(text):
                raise ValueError(f"Record content for type {type_} malformed: Text input ended unexpectedly.")
            character = text[index]
            if character == '"':
                index += 1
                break
            if (
                character == "\\"
                and re.fullmatch(r"\d{3}", text[index + 1 : index + 4])
                and int(text[index + 1 : index + 4]) < 256
            ):
                string.append(int(text[index + 1 : index + 4]))
                index += 4
            elif character == "\\" and index + 1 < len(text):
                string += text[index + 1].encode()
                index += 2
            else:
                string += character.encode()
                index += 1
        strings.append(bytes(string))
    return strings


def _chunks(string: bytes) -> list[bytes]:
    """Strings longer than 255 bytes are split, as the server does on the wire."""
    return [string[start : start + 255] for start in range(0, max(len(string), 1), 255)]


def _txt_render(string: bytes) -> str:
    escaped = "".join(
        "\\" + chr(byte) if chr(byte) in '"\\' else chr(byte) if 0x20 <= byte < 0x7F else f"\\{byte:03d}"
        for byte in string
    )
    return f'"{escaped}"'
