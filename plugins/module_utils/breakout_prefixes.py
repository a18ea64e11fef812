# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Breakout prefix lists (seed 003): public prefixes whose traffic leaves a site by its own uplink, not through a hub.

A list is either AWS's published ip-ranges.json (https://ip-ranges.amazonaws.com/ip-ranges.json: "prefixes" with
"ip_prefix", "ipv6_prefixes" with "ipv6_prefix", each with "region" and "service"), or plain text, one prefix per
line, "#" starting a comment. select() keeps the services and regions asked for, aggregate() merges what can be
merged per family. Pure: the filter breakout_prefixes runs it on the controller, and a refresh program on a host can
embed it (lookup module_utils_sources) so that both read a list alike. A list that cannot be read raises
BreakoutListError with what is wrong and where, so that a caller keeps its last good list.
"""

from __future__ import annotations

import ipaddress
import json

from ansible_collections.multisite.vpn.plugins.module_utils.prefixes import read_prefix

# AWS's two arrays and the key of the prefix in each.
AWS_ARRAYS = (("prefixes", "ip_prefix", 4), ("ipv6_prefixes", "ipv6_prefix", 6))
FORMATS = ("aws", "plain")
SHOWN_LENGTH = 60


class BreakoutListError(Exception):
    """A list that cannot be used: not JSON of AWS's shape, or a prefix that is no prefix. Says where."""


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= SHOWN_LENGTH else text[:SHOWN_LENGTH - 3] + "..."


def _network(text, where: str, version: int | None = None):
    network, meant = read_prefix(text)
    if meant is not None:
        raise BreakoutListError("%s: %s has host bits set (%s?)" % (where, _shown(text), meant))
    if network is None:
        raise BreakoutListError("%s: %s is not a prefix such as 52.95.110.0/24" % (where, _shown(text)))
    if version is not None and network.version != version:
        raise BreakoutListError("%s: %s is not an IPv%d prefix" % (where, _shown(text), version))
    return network


def parse(text: str, list_format: str | None = None) -> list[dict]:
    """Every entry of the list TEXT as {prefix (a network), service, region}; service and region are None in a plain list.

    LIST_FORMAT None tells the two formats apart by the first character; "aws" or "plain" insists on one, for a
    caller that knows what it downloaded: a proxy's empty answer or error page is then refused, not read as a list.
    """
    if not isinstance(text, str):
        raise BreakoutListError("the list is %s, not text (the content of ip-ranges.json or of a plain list)" % type(text).__name__)
    if list_format not in (None,) + FORMATS:
        raise BreakoutListError("format %s is not one of %s" % (_shown(list_format), ", ".join(FORMATS)))
    looks_like_json = text.lstrip().startswith(("{", "["))
    if list_format == "aws" and not looks_like_json:
        if not text.strip():
            raise BreakoutListError("empty, not JSON (format aws is ip-ranges.json)")
        raise BreakoutListError("not JSON (format aws is ip-ranges.json): it starts with %s" % _shown(text.strip()[:SHOWN_LENGTH]))
    if list_format == "plain" and looks_like_json:
        raise BreakoutListError("JSON, not a plain list (format plain): is it ip-ranges.json (format aws)?")
    if looks_like_json:
        return _parse_aws(text)
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        prefix = line.split("#", 1)[0].strip()
        if prefix:
            entries.append({"prefix": _network(prefix, "line %d" % number), "service": None, "region": None})
    return entries


def _parse_aws(text: str) -> list[dict]:
    try:
        document = json.loads(text)
    except ValueError as error:
        raise BreakoutListError("not valid JSON: %s" % error) from None
    if not isinstance(document, dict) or not any(isinstance(document.get(array), list) for array, _key, _version in AWS_ARRAYS):
        raise BreakoutListError("JSON, but not of ip-ranges.json's shape: no list 'prefixes' or 'ipv6_prefixes' at its top")
    entries = []
    for array, key, version in AWS_ARRAYS:
        items = document.get(array, [])
        if not isinstance(items, list):
            raise BreakoutListError("%s is %s, not a list" % (array, type(items).__name__))
        for index, item in enumerate(items):
            where = "%s[%d]" % (array, index)
            if not isinstance(item, dict) or key not in item:
                raise BreakoutListError("%s has no %s" % (where, key))
            entries.append({"prefix": _network(item[key], "%s.%s" % (where, key), version),
                            "service": item.get("service"), "region": item.get("region")})
    return entries


def select(entries: list[dict], services=(), regions=(), families=(4, 6)) -> list:
    """The prefixes of ENTRIES whose service is one of SERVICES and region one of REGIONS (empty: any), of FAMILIES.

    A plain list has neither: asking it for a service or a region is refused rather than answered with nothing.
    """
    services, regions = set(services or ()), set(regions or ())
    if (services or regions) and any(entry["service"] is None and entry["region"] is None for entry in entries):
        raise BreakoutListError("a plain list has no services or regions to select by: leave services and regions empty")
    return [entry["prefix"] for entry in entries
            if (not services or entry["service"] in services) and (not regions or entry["region"] in regions)
            and entry["prefix"].version in families]


def aggregate(prefixes) -> list[str]:
    """PREFIXES merged where they can be (duplicates, prefixes inside others, adjacent halves), IPv4 first, sorted."""
    merged = []
    for version in (4, 6):
        merged += [str(network) for network in ipaddress.collapse_addresses(p for p in prefixes if p.version == version)]
    return merged
