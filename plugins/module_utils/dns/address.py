# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a record's address comes from: a host interface, or a URL that answers with the address.

An interface gives its global addresses of the family, skipping IPv6 addresses that are temporary
(privacy extensions: they change daily and must not be published), deprecated (a prefix on its way
out), tentative or failed duplicate address detection, and every link-local or host-scope address. A
URL (a cloud metadata endpoint, or a reflector of one's own) must answer with exactly one address.
"""

from __future__ import annotations

import ipaddress
import json

from ansible_collections.multisite.vpn.plugins.module_utils.dns.http_api import HttpError, get_text
from ansible_collections.multisite.vpn.plugins.module_utils.dns.records import ADDRESS_TYPES, DnsError

# Flags `ip -json addr` prints as true on addresses that must not be published.
UNPUBLISHABLE_FLAGS = ("temporary", "deprecated", "tentative", "dadfailed")
# The longest a URL's answer may be: an address with a newline, and some room for a header-less echo.
URL_ANSWER_LIMIT = 256


def interface_addresses(interface, rtype: str, run, field: str) -> list[str]:
    """The publishable addresses of INTERFACE for record type RTYPE, read with RUN(argv) -> (rc, out, err)."""
    if not isinstance(interface, str) or not interface or "/" in interface or interface.startswith("-"):
        raise DnsError("%s.interface: %r is not an interface name" % (field, interface))
    family = "inet" if ADDRESS_TYPES[rtype] == 4 else "inet6"
    rc, out, err = run(["ip", "-json", "-family", family, "addr", "show", "dev", interface])
    if rc != 0:
        if "does not exist" in err:
            raise DnsError("%s.interface: this host has no interface %r" % (field, interface))
        raise DnsError("%s.interface: `ip addr show dev %s` failed: %s" % (field, interface, err.strip()))
    addresses = publishable(parse_ip_json(out, field), family)
    if not addresses:
        raise DnsError("%s.interface: %s has no global IPv%d address to publish (temporary, deprecated, tentative and "
                       "link-local addresses are never published)" % (field, interface, ADDRESS_TYPES[rtype]))
    return addresses


def parse_ip_json(text: str, field: str) -> list[dict]:
    try:
        links = json.loads(text or "[]")
    except ValueError:
        raise DnsError("%s.interface: `ip -json` printed something that is not JSON; iproute2 is too old?" % field) from None
    return [info for link in links for info in link.get("addr_info", [])]


def publishable(address_infos: list[dict], family: str) -> list[str]:
    addresses = []
    for info in address_infos:
        if info.get("family") != family or info.get("scope") != "global":
            continue
        if any(info.get(flag) for flag in UNPUBLISHABLE_FLAGS) or info.get("preferred_life_time") == 0:
            continue
        addresses.append(ipaddress.ip_address(info["local"]).compressed)
    return sorted(set(addresses))


def url_address(url, headers, rtype: str, timeout: float, field: str) -> list[str]:
    """The one address URL answers with (plain text, surrounding white space ignored)."""
    try:
        body = get_text(url, headers or {}, timeout, URL_ANSWER_LIMIT)
    except HttpError as err:
        raise DnsError("%s.url: %s" % (field, err)) from None
    text = body.strip()
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        shown = text if len(text) <= 60 and text.isprintable() else text[:60].encode("unicode_escape").decode("ascii") + "..."
        raise DnsError("%s.url: %s answered %r, which is not an address" % (field, url, shown)) from None
    if address.version != ADDRESS_TYPES[rtype]:
        raise DnsError("%s.url: %s answered %s, an IPv%d address, but a record of type %s needs IPv%d"
                       % (field, url, address, address.version, rtype, ADDRESS_TYPES[rtype]))
    return [address.compressed]


def source_addresses(source, rtype: str, run, timeout: float, field: str) -> list[str]:
    """The addresses of an `address_from` dictionary: {interface: NAME} or {url: URL, headers: {...}}."""
    if not isinstance(source, dict):
        raise DnsError("%s: give a dictionary with interface, or url" % field)
    source = {key: value for key, value in source.items() if value is not None}  # Ansible sets unset suboptions to None
    unknown = sorted(set(source) - {"interface", "url", "headers"})
    if unknown:
        raise DnsError("%s: unknown option %s (use interface, or url with headers)" % (field, ", ".join(unknown)))
    if ("interface" in source) == ("url" in source):
        raise DnsError("%s: give exactly one of interface and url" % field)
    if "interface" in source:
        if "headers" in source:
            raise DnsError("%s.headers: only a url takes headers" % field)
        return interface_addresses(source["interface"], rtype, run, field)
    return url_address(source["url"], source.get("headers"), rtype, timeout, field)
