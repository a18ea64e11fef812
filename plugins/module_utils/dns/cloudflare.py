# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Record sets on Cloudflare, through API v4 with a bearer token.

Cloudflare stores each value as a record of its own. A record set is made what is asked with the
fewest calls (see providers.record_operations): a changed address is a PATCH of the record that held
the old one, never a second record beside it. Records are DNS only (proxied: false): a WireGuard
endpoint or an SSH name behind Cloudflare's HTTP proxy would answer with Cloudflare's addresses.
"""

from __future__ import annotations

from ansible_collections.multisite.vpn.plugins.module_utils.dns.http_api import path_part
from ansible_collections.multisite.vpn.plugins.module_utils.dns.providers import (
    HttpProvider, api_error, group_records, record_operations, record_sets_of)
from ansible_collections.multisite.vpn.plugins.module_utils.dns.records import (
    ADDRESS_TYPES, DnsError, ascii_name, value_from_text, value_to_text)

DEFAULT_URL = "https://api.cloudflare.com/client/v4"
PAGE_SIZE = 100
# Reading the records name by name costs one call per name; the whole zone, one call per 100 records.
NAMES_READ_ONE_BY_ONE = 5
# TTL 1 means "automatic"; otherwise 60 to 86400 seconds (30 on Enterprise zones).
TTL_AUTOMATIC = 1
TTL_RANGE = (60, 86400)


class Cloudflare(HttpProvider):
    name = "cloudflare"
    default_url = DEFAULT_URL

    def __init__(self, token: str, api_url, timeout: float, sleep):
        super().__init__(token, api_url, timeout, sleep)
        self.zone_ids = {}
        self.rows = {}

    def result(self, method: str, path: str, query=None, body=None, missing_ok: bool = False):
        """The `result` of a successful call; a DnsError with Cloudflare's own error messages otherwise."""
        status, _headers, data = self.api.call(method, path, query, body)
        envelope = data if isinstance(data, dict) else {}
        if 200 <= status < 300 and envelope.get("success", True):
            return data, envelope.get("result")
        if status == 404 and missing_ok:
            return data, None
        errors = envelope.get("errors") or []
        detail = "; ".join("%s (%s)" % (error.get("message"), error.get("code")) for error in errors if isinstance(error, dict))
        raise api_error("cloudflare", method, self.api.url(path), status, detail)

    def zone_id(self, zone: str) -> str:
        if zone not in self.zone_ids:
            _data, zones = self.result("GET", "/zones", {"name": zone.rstrip(".")})
            matching = [item for item in zones or [] if str(item.get("name", "")).lower().rstrip(".") == zone.rstrip(".")]
            if not matching:
                raise DnsError("zone: Cloudflare has no zone %s that this token can see" % zone.rstrip("."))
            self.zone_ids[zone] = matching[0]["id"]
        return self.zone_ids[zone]

    def check(self, desired) -> None:
        for item in desired:
            record_set = item.record_set
            if record_set is None:
                continue
            if record_set.ttl != TTL_AUTOMATIC and not TTL_RANGE[0] <= record_set.ttl <= TTL_RANGE[1]:
                raise DnsError("%sttl: Cloudflare takes 1 (automatic) or %d to %d seconds, not %d"
                               % (item.field, TTL_RANGE[0], TTL_RANGE[1], record_set.ttl))

    def list_records(self, zone_id: str, query: dict) -> list[dict]:
        """Every record matching QUERY, page after page."""
        records, page = [], 1
        while True:
            data, result = self.result("GET", "/zones/%s/dns_records" % path_part(zone_id), dict(query, page=page, per_page=PAGE_SIZE))
            records.extend(result or [])
            info = data.get("result_info") or {}
            if page >= int(info.get("total_pages") or 1) or not result:
                return records
            page += 1

    def read(self, zone: str, keys) -> dict:
        zone_id = self.zone_id(zone)
        names = {name for name, _type in keys}
        if len(names) <= NAMES_READ_ONE_BY_ONE:
            records = [record for name in sorted(names) for record in self.list_records(zone_id, {"name": name.rstrip(".")})]
        else:
            records = self.list_records(zone_id, {})
        grouped = group_records(self.rows_of(records), zone, names)
        self.rows.update(grouped)
        return record_sets_of(grouped)

    def rows_of(self, records: list[dict]):
        for record in records:
            rtype = record.get("type")
            try:
                fqdn = ascii_name(str(record.get("name", "")).rstrip("."), "name") + "."
                value = value_from_text(rtype, str(record.get("content", "")), "content")
            except DnsError:
                continue  # a record of the zone that this module does not manage
            yield fqdn, rtype, record.get("id"), value, record.get("ttl")

    def apply(self, zone: str, changes) -> None:
        zone_id = path_part(self.zone_id(zone))
        for change in changes:
            rtype = change.key[1]
            for operation in record_operations(self.rows.get(change.key, []), change.after):
                if operation[0] == "delete":
                    self.result("DELETE", "/zones/%s/dns_records/%s" % (zone_id, path_part(operation[1])))
                    continue
                value, ttl = operation[-2:]
                body = {"type": rtype, "name": change.key[0].rstrip("."), "content": value_to_text(rtype, value, final_dot=False), "ttl": ttl}
                if rtype in ADDRESS_TYPES or rtype == "CNAME":
                    body["proxied"] = False
                if operation[0] == "create":
                    self.result("POST", "/zones/%s/dns_records" % zone_id, body=body)
                else:
                    self.result("PATCH", "/zones/%s/dns_records/%s" % (zone_id, path_part(operation[1])), body=body)
