# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Record sets on Vultr DNS, through API v2 with a bearer key.

Vultr stores each value as a record of its own, named relative to the domain ("" at the apex), and
has no filter by name: the domain's records are read page by page (cursor), once per run.
"""

from __future__ import annotations

from ansible_collections.multisite.vpn.plugins.module_utils.dns.http_api import path_part
from ansible_collections.multisite.vpn.plugins.module_utils.dns.providers import (
    HttpProvider, api_error, group_records, record_operations, record_sets_of, relative_name)
from ansible_collections.multisite.vpn.plugins.module_utils.dns.records import DnsError, ascii_name, value_from_text, value_to_text

DEFAULT_URL = "https://api.vultr.com/v2"
PAGE_SIZE = 500


class Vultr(HttpProvider):
    name = "vultr"
    default_url = DEFAULT_URL

    def __init__(self, token: str, api_url, timeout: float, sleep):
        super().__init__(token, api_url, timeout, sleep)
        self.rows = {}
        self.checked = set()

    def call(self, method: str, path: str, query=None, body=None, missing_ok: bool = False):
        status, _headers, data = self.api.call(method, path, query, body)
        if 200 <= status < 300 or (status == 404 and missing_ok):
            return status, data
        detail = str(data.get("error", "")) if isinstance(data, dict) else ""
        raise api_error("vultr", method, self.api.url(path), status, detail)

    def domain_path(self, zone: str) -> str:
        path = "/domains/%s" % path_part(zone.rstrip("."))
        if zone not in self.checked:
            status, _data = self.call("GET", path, missing_ok=True)
            if status == 404:
                raise DnsError("zone: Vultr has no domain %s for this key" % zone.rstrip("."))
            self.checked.add(zone)
        return path

    def check(self, desired) -> None:
        """Vultr documents no TTL range of its own; it refuses a double quote inside a TXT value."""
        for item in desired:
            if item.record_set is not None and item.key[1] == "TXT":
                for value in item.record_set.values:
                    if '"' in value:
                        raise DnsError("%svalues: Vultr cannot store a TXT value with a double quote inside: %r" % (item.field, value))

    def read(self, zone: str, keys) -> dict:
        path = self.domain_path(zone) + "/records"
        records, query = [], {"per_page": PAGE_SIZE}
        while True:
            _status, data = self.call("GET", path, query)
            data = data if isinstance(data, dict) else {}
            records.extend(data.get("records") or [])
            cursor = ((data.get("meta") or {}).get("links") or {}).get("next")
            if not cursor:
                break
            query = {"per_page": PAGE_SIZE, "cursor": cursor}
        names = {name for name, _type in keys}
        grouped = group_records(self.rows_of(records, zone), zone, names)
        self.rows.update(grouped)
        return record_sets_of(grouped)

    def rows_of(self, records: list[dict], zone: str):
        for record in records:
            rtype = record.get("type")
            try:
                name = ascii_name(str(record.get("name") or "").rstrip("."), "name")
                value = value_from_text(rtype, str(record.get("data", "")), "data")
            except DnsError:
                continue
            yield ("%s.%s" % (name, zone) if name else zone), rtype, record.get("id"), value, record.get("ttl")

    def apply(self, zone: str, changes) -> None:
        path = self.domain_path(zone) + "/records"
        for change in changes:
            rtype = change.key[1]
            for operation in record_operations(self.rows.get(change.key, []), change.after):
                if operation[0] == "delete":
                    self.call("DELETE", "%s/%s" % (path, path_part(operation[1])))
                elif operation[0] == "update":
                    data = value_to_text(rtype, operation[2], final_dot=False, split_txt=False)
                    self.call("PATCH", "%s/%s" % (path, path_part(operation[1])), body={"data": data, "ttl": operation[3]})
                else:
                    self.call("POST", path, body={"name": relative_name(change.key[0], zone), "type": rtype,
                                                  "data": value_to_text(rtype, operation[1], final_dot=False, split_txt=False), "ttl": operation[2]})
