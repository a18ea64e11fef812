# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which provider a call uses, built from the module's options, and what the HTTP providers share.

Every provider has the same calls: zone_for(fqdn, field) finds a name's zone (rfc2136 only; the others
are always given the zone), check(desired) refuses what the provider cannot store before anything is written, read(zone, keys)
returns key -> RecordSet for those keys and any other managed record set seen at their names,
apply(zone, changes) writes, close() ends the session.
"""

from __future__ import annotations

from ansible_collections.multisite.vpn.plugins.module_utils.dns.http_api import JsonApi
from ansible_collections.multisite.vpn.plugins.module_utils.dns.records import TYPES, DnsError, RecordSet
from ansible_collections.multisite.vpn.plugins.module_utils.dns.rfc2136 import Rfc2136

PROVIDERS = ("rfc2136", "cloudflare", "desec", "vultr")
# Where each HTTP provider reads its token when api_token is not given: the names their own tools use.
TOKEN_ENVIRONMENT = {"cloudflare": "CLOUDFLARE_API_TOKEN", "desec": "DESEC_TOKEN", "vultr": "VULTR_API_KEY"}
RFC2136_OPTIONS = ("server", "key_name", "key_secret")


def make_provider(params: dict, environ, timeout: float, sleep):
    provider = params.get("provider") or "rfc2136"
    if provider not in PROVIDERS:
        raise DnsError("provider: %r is not one of %s" % (provider, ", ".join(PROVIDERS)))
    if provider == "rfc2136":
        if params.get("api_token") or params.get("api_url"):
            raise DnsError("api_token, api_url: the rfc2136 provider signs updates with key_name and key_secret; "
                           "api_token and api_url are for cloudflare, desec and vultr")
        return Rfc2136(params.get("server"), params.get("port"), params.get("key_name"), params.get("key_secret"),
                       params.get("key_algorithm"), timeout)
    given = [option for option in RFC2136_OPTIONS if params.get(option)]
    if given:
        raise DnsError("%s: only the rfc2136 provider takes these; %s is reached with api_token" % (", ".join(given), provider))
    token = params.get("api_token") or environ.get(TOKEN_ENVIRONMENT[provider])
    if not token or not isinstance(token, str) or not token.strip():
        raise DnsError("api_token: the %s provider needs an API token: give api_token, or set %s in the environment"
                       % (provider, TOKEN_ENVIRONMENT[provider]))
    if any(char.isspace() or not char.isprintable() for char in token.strip()):
        raise DnsError("api_token: the token has white space or control characters inside; copy it again")
    # Imported here: a host that publishes through rfc2136 never needs the HTTP providers' code.
    if provider == "cloudflare":
        from ansible_collections.multisite.vpn.plugins.module_utils.dns.cloudflare import Cloudflare as provider_class
    elif provider == "desec":
        from ansible_collections.multisite.vpn.plugins.module_utils.dns.desec import Desec as provider_class
    else:
        from ansible_collections.multisite.vpn.plugins.module_utils.dns.vultr import Vultr as provider_class
    return provider_class(token.strip(), params.get("api_url"), timeout, sleep)


class HttpProvider:
    """What the HTTP providers share: one API session with the token in the provider's own scheme."""

    name = ""
    default_url = ""
    authorization_scheme = "Bearer"

    def __init__(self, token: str, api_url, timeout: float, sleep):
        self.api = JsonApi(self.name, api_url or self.default_url, "%s %s" % (self.authorization_scheme, token), timeout, sleep)

    def close(self) -> None:
        self.api.close()


def relative_name(fqdn: str, zone: str) -> str:
    """FQDN relative to ZONE without dots at the end; "" for the apex."""
    return "" if fqdn == zone else fqdn[:-len(zone) - 1]


def record_operations(existing: list[tuple[str, str, int]], after: RecordSet | None) -> list[tuple]:
    """The calls that turn one record set's records EXISTING ((id, canonical value, ttl) each) into AFTER
    on an API that stores every value as a record with an id (Cloudflare, Vultr).

    Records that keep their value stay (their TTL patched when it differs); a record whose value goes
    is patched to a value that comes, so the name never answers nothing in between; the rest are
    created, then deleted. Returns ("update", id, value, ttl), ("create", value, ttl), ("delete", id).
    """
    wanted = list(after.values) if after else []
    ttl = after.ttl if after else None
    keeping, leaving = [], []
    for record in existing:
        # A value stored twice keeps its first record only.
        (keeping if record[1] in wanted and record[1] not in {kept[1] for kept in keeping} else leaving).append(record)
    coming = [value for value in wanted if value not in {record[1] for record in keeping}]
    operations = [("update", record_id, value, ttl) for record_id, value, record_ttl in keeping if record_ttl != ttl]
    while leaving and coming:
        operations.append(("update", leaving.pop(0)[0], coming.pop(0), ttl))
    operations.extend(("create", value, ttl) for value in coming)
    operations.extend(("delete", record[0]) for record in leaving)
    return operations


def group_records(records, zone: str, names) -> dict:
    """Key -> [(id, canonical value, ttl)] of the managed types at NAMES, from (fqdn, type, id, value, ttl) rows."""
    grouped = {}
    for fqdn, rtype, record_id, value, ttl in records:
        if rtype in TYPES and fqdn in names and (fqdn == zone or fqdn.endswith("." + zone)):
            grouped.setdefault((fqdn, rtype), []).append((record_id, value, ttl))
    return grouped


# The TTL shown for a set stored unevenly on a per-record API (records with different TTLs, or a value
# stored twice): no valid TTL is 0, so such a set always differs from what is asked, and is evened out.
UNEVEN_TTL = 0


def record_sets_of(grouped: dict) -> dict:
    """Key -> RecordSet from grouped records."""
    sets = {}
    for key, rows in grouped.items():
        ttls = {ttl for _id, _value, ttl in rows}
        values = [value for _id, value, _ttl in rows]
        even = len(ttls) == 1 and len(set(values)) == len(values)
        sets[key] = RecordSet(key[0], key[1], ttls.pop() if even else UNEVEN_TTL, values)
    return sets


def api_error(provider: str, method: str, url: str, status: int, detail: str) -> DnsError:
    """A DnsError for an HTTP error answer, naming the option most likely at fault."""
    if status == 401:
        field, hint = "api_token", "the token is wrong or expired"
    elif status == 403:
        field, hint = "api_token", "the token may not do this (its permissions or zones)"
    elif status == 429:
        field, hint = "api_token", "rate limited; try again later"
    else:
        field, hint = "zone" if status == 404 else "api_url", ""
    return DnsError("%s: %s %s %s answered HTTP %d%s%s" % (
        field, provider, method, url, status, ": " + detail if detail else "", " (%s)" % hint if hint else ""))
