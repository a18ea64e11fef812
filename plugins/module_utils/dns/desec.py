# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Record sets on deSEC (desec.io), through its REST API with a token.

deSEC stores whole record sets (RRsets), so a call's changes to one domain go in one bulk PATCH,
which deSEC applies atomically; `records: []` removes a set. deSEC limits RRset writes per domain
(a few per second, 15 per minute): one write per run is what keeps hubs that share a domain within it.
Every TTL must be at least the domain's `minimum_ttl` (3600 unless deSEC lowered it for the domain).
"""

from __future__ import annotations

import re

from ansible_collections.multisite.vpn.plugins.module_utils.dns.http_api import path_part
from ansible_collections.multisite.vpn.plugins.module_utils.dns.providers import HttpProvider, api_error, relative_name
from ansible_collections.multisite.vpn.plugins.module_utils.dns.records import TYPES, DnsError, RecordSet, value_from_text, value_to_text

DEFAULT_URL = "https://desec.io/api/v1"
TTL_MAX = 86400
NAMES_READ_ONE_BY_ONE = 5
NEXT_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="next"')


class Desec(HttpProvider):
    name = "desec"
    default_url = DEFAULT_URL
    authorization_scheme = "Token"

    def __init__(self, token: str, api_url, timeout: float, sleep):
        super().__init__(token, api_url, timeout, sleep)
        self.domains = {}

    def call(self, method: str, path: str, query=None, body=None, missing_ok: bool = False):
        status, headers, data = self.api.call(method, path, query, body)
        if 200 <= status < 300 or (status == 404 and missing_ok):
            return status, headers, data
        raise api_error("desec", method, self.api.url(path), status, error_detail(data))

    def domain(self, zone: str) -> dict:
        if zone not in self.domains:
            status, _headers, data = self.call("GET", "/domains/%s/" % path_part(zone.rstrip(".")), missing_ok=True)
            if status == 404 or not isinstance(data, dict):
                raise DnsError("zone: deSEC has no domain %s that this token can see" % zone.rstrip("."))
            self.domains[zone] = data
        return self.domains[zone]

    def check(self, desired) -> None:
        for item in desired:
            if item.record_set is None:
                continue
            minimum = int(self.domain(item.zone).get("minimum_ttl") or 1)
            if not minimum <= item.record_set.ttl <= TTL_MAX:
                raise DnsError("%sttl: deSEC takes %d to %d seconds for %s (its minimum_ttl), not %d"
                               % (item.field, minimum, TTL_MAX, item.zone.rstrip("."), item.record_set.ttl))

    def rrsets(self, zone: str, subname: str | None) -> list[dict]:
        """RRsets of the domain (of one subname when given), following the cursor of a long list."""
        path = "/domains/%s/rrsets/" % path_part(zone.rstrip("."))
        query = {"subname": subname} if subname is not None else {"cursor": ""}
        found = []
        while True:
            _status, headers, data = self.call("GET", path, query)
            found.extend(data or [])
            link = NEXT_LINK.search(headers.get("link", ""))
            if subname is not None or not link:
                return found
            cursor = re.search(r"[?&]cursor=([^&]*)", link.group(1))
            if not cursor:
                return found
            query = {"cursor": cursor.group(1)}

    def read(self, zone: str, keys) -> dict:
        self.domain(zone)
        names = {name for name, _type in keys}
        if len(names) <= NAMES_READ_ONE_BY_ONE:
            found = [rrset for name in sorted(names) for rrset in self.rrsets(zone, relative_name(name, zone))]
        else:
            found = self.rrsets(zone, None)
        sets = {}
        for rrset in found:
            rtype = rrset.get("type")
            subname = rrset.get("subname") or ""
            fqdn = "%s.%s" % (subname, zone) if subname else zone
            if rtype not in TYPES or fqdn not in names:
                continue
            try:
                values = [value_from_text(rtype, record, "records") for record in rrset.get("records") or []]
            except DnsError:
                continue
            sets[(fqdn, rtype)] = RecordSet(fqdn, rtype, int(rrset.get("ttl") or 0), values)
        return sets

    def apply(self, zone: str, changes) -> None:
        body = []
        for change in changes:
            after = change.after
            body.append({
                "subname": relative_name(change.key[0], zone), "type": change.key[1],
                "ttl": after.ttl if after else change.before.ttl,
                "records": [value_to_text(after.type, value) for value in after.values] if after else [],
            })
        self.call("PATCH", "/domains/%s/rrsets/" % path_part(zone.rstrip(".")), body=body)


def error_detail(data) -> str:
    """deSEC's error text: {"detail": ...}, or field -> [messages], or a list of those for a bulk call."""
    if isinstance(data, dict):
        if "detail" in data:
            return str(data["detail"])
        return "; ".join("%s: %s" % (key, " ".join(map(str, value)) if isinstance(value, list) else value) for key, value in data.items())
    if isinstance(data, list):
        return "; ".join(filter(None, (error_detail(item) for item in data)))
    return ""
