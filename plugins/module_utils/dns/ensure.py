# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make a provider's record sets what the caller asks, or say what would change: the whole of what
multisite.vpn.dns_record does, also run by the hubs' own updater between Ansible runs.

Order of work, so that a bad input never reaches a server: every record set is checked and its
values made canonical (addresses read from the interface or URL) first; then the zone is found or
checked, the current record sets read, the change planned, applied in one go per zone, and read back.
"""

from __future__ import annotations

import os
import time

from ansible_collections.multisite.vpn.plugins.module_utils.dns.address import source_addresses
from ansible_collections.multisite.vpn.plugins.module_utils.dns.http_api import HttpError
from ansible_collections.multisite.vpn.plugins.module_utils.dns.providers import make_provider
from ansible_collections.multisite.vpn.plugins.module_utils.dns.records import (
    TYPES, DnsError, build_desired, check_spec, owner_name, plan, record_spec_list, result_of, zone_name)
from ansible_collections.multisite.vpn.plugins.module_utils.dns.rfc2136 import StaleRead

DEFAULT_TIMEOUT = 10


def ensure(params: dict, check_mode: bool = False, diff: bool = False, run_command=None, environ=None, sleep=time.sleep) -> dict:
    """The result of converging PARAMS (the module's options): changed, records, and diff when DIFF.

    RUN_COMMAND(argv) -> (rc, stdout, stderr) reads interfaces for address_from; ENVIRON supplies
    the API token when the parameters do not. Raises DnsError with a message naming the field.
    """
    specs = record_spec_list(params)
    for prefix, spec in specs:
        check_spec(prefix, spec)
    zone = zone_name(params["zone"]) if params.get("zone") else None
    timeout = params.get("timeout") or DEFAULT_TIMEOUT
    provider = make_provider(params, os.environ if environ is None else environ, timeout, sleep)
    if zone is None and provider.name != "rfc2136":
        raise DnsError("zone: give the zone; only the rfc2136 provider finds it from the server")
    found_zones = {}

    def zone_of(prefix, spec):
        if zone is not None:
            return zone
        fqdn = owner_name(spec["name"], None, prefix + "name")
        if fqdn not in found_zones:
            found_zones[fqdn] = provider.zone_for(fqdn, prefix + "name")
        return found_zones[fqdn]

    def addresses_of(prefix, spec):
        if run_command is None:
            raise DnsError("%saddress_from: reading addresses is not available here" % prefix)
        return source_addresses(spec["address_from"], spec["type"], run_command, timeout, prefix + "address_from")

    try:
        desired = build_desired(specs, zone, zone_of, addresses_of)
        provider.check(desired)
        changes = []
        for zone_apex in dict.fromkeys(item.zone for item in desired):
            items = [item for item in desired if item.zone == zone_apex]
            changes.extend(converge_zone(provider, zone_apex, items, check_mode))
    except HttpError as err:
        raise DnsError(str(err)) from None
    finally:
        provider.close()
    return result_of(changes, diff)


def keys_to_read(items) -> list[tuple[str, str]]:
    """The desired keys, and for a CNAME every other managed type at its name (which would clash)."""
    keys = {}
    for item in items:
        keys[item.key] = None
        if item.key[1] == "CNAME":
            keys.update(((item.key[0], rtype), None) for rtype in TYPES)
    return list(keys)


def check_clashes(items, current: dict) -> None:
    """A CNAME and another record set at one name on the server, unless the call removes the other."""
    leaving = {item.key for item in items if item.record_set is None}
    for item in items:
        if item.record_set is None:
            continue
        name, rtype = item.key
        for other_name, other_type in current:
            clash = rtype == "CNAME" or other_type == "CNAME"
            if other_name == name and other_type != rtype and clash and (other_name, other_type) not in leaving:
                raise DnsError("%stype: %s already has %s records on the server, and a CNAME cannot share its name with other records: "
                               "remove it in the same call (name: %s, type: %s, state: absent)"
                               % (item.field, name.rstrip("."), other_type, name.rstrip("."), other_type))


def read_and_plan(provider, zone: str, items) -> tuple[list, list]:
    """(every change, the ones that change something) of one zone, from what the provider serves now."""
    current = provider.read(zone, keys_to_read(items))
    check_clashes(items, current)
    changes = plan(items, current)
    # Removals first: a CNAME can only be added once the records it replaces are gone.
    pending = sorted((change for change in changes if change.action != "none"), key=lambda change: change.after is not None)
    return changes, pending


def converge_zone(provider, zone: str, items, check_mode: bool) -> list:
    """The changes of one zone: planned, and unless CHECK_MODE applied and read back."""
    changes, pending = read_and_plan(provider, zone, items)
    if not pending or check_mode:
        return changes
    try:
        provider.apply(zone, pending)
    except StaleRead:
        # Someone changed a record set between our read and our update: read and plan again, once.
        changes, pending = read_and_plan(provider, zone, items)
        if not pending:
            return changes
        try:
            provider.apply(zone, pending)
        except StaleRead:
            raise DnsError("zone: the record sets of %s changed on the server while this run updated them, twice; "
                           "is another updater writing the same names?" % zone.rstrip(".")) from None
    verify_applied(provider, zone, pending)
    return changes


def verify_applied(provider, zone: str, pending) -> None:
    """Read the changed record sets back: a server may accept an update and ignore part of it."""
    served = provider.read(zone, [change.key for change in pending])
    for change in pending:
        now = served.get(change.key)
        if now != change.after:
            shown = "nothing" if now is None else "TTL %d, values %s" % (now.ttl, ", ".join(now.values))
            raise DnsError("zone: %s accepted the change of %s %s but now serves %s"
                           % (provider.name, change.key[0].rstrip("."), change.key[1], shown))
