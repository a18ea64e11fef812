# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Record sets as multisite.vpn.dns_record sees them, whatever the provider: names, values, the plan.

A record set is one owner name and one type with all its values. Names are kept absolute, lower case,
in punycode, with a trailing dot; values in one canonical text form per type (IPv6 compressed, CNAME
targets absolute), so that what a provider returns and what the user wrote compare equal whenever
they mean the same. Pure Python, no third-party import: the hubs' own updater uses this file as is.
"""

from __future__ import annotations

import ipaddress
import re

try:
    # IDNA 2008 with UTS 46 mapping, as browsers and dnspython use when it is installed.
    import idna as idna_2008
except ImportError:  # the standard library's codec is IDNA 2003; the two differ for ß, ς and joiners
    idna_2008 = None

TYPES = ("A", "AAAA", "CNAME", "TXT")
ADDRESS_TYPES = {"A": 4, "AAAA": 6}
TTL_MIN = 1
TTL_MAX = 2147483647  # RFC 2181 section 8
DEFAULT_TTL = 300
STATES = ("present", "absent")

# Letters, digits, hyphen, and underscore for service labels (_acme-challenge); a leading `*` label
# for wildcards. Checked after punycode conversion.
LABEL = re.compile(r"^(?:\*|[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)$")
# Each TXT character-string holds at most 255 octets; longer texts are split on the wire.
TXT_CHUNK = 255


class DnsError(Exception):
    """A problem the user has to fix; the message starts with the field it is about (records[1].values)."""


class RecordSet:
    """One owner name and type with its TTL and all of its values (sorted, canonical)."""

    __slots__ = ("name", "type", "ttl", "values")

    def __init__(self, name: str, rtype: str, ttl: int, values):
        self.name = name
        self.type = rtype
        self.ttl = ttl
        self.values = tuple(sorted(set(values)))

    def __eq__(self, other):
        return isinstance(other, RecordSet) and self.key == other.key and self.ttl == other.ttl and self.values == other.values

    def __hash__(self):
        return hash((self.name, self.type, self.ttl, self.values))

    def __repr__(self):
        return "RecordSet(%r, %r, %r, %r)" % (self.name, self.type, self.ttl, self.values)

    @property
    def key(self) -> tuple[str, str]:
        return self.name, self.type

    def zone_file_lines(self) -> str:
        """The record set as zone file lines, the form the diff shows."""
        return "".join("%s %d IN %s %s\n" % (self.name, self.ttl, self.type, presentation(self.type, value)) for value in self.values)

    def as_dict(self) -> dict:
        return {"ttl": self.ttl, "values": list(self.values)}


class Change:
    """What one record set needs: create, update, delete or none, with the state before and after."""

    __slots__ = ("zone", "key", "before", "after")

    def __init__(self, zone: str, key: tuple[str, str], before: RecordSet | None, after: RecordSet | None):
        self.zone = zone
        self.key = key
        self.before = before
        self.after = after

    @property
    def action(self) -> str:
        if self.before == self.after:
            return "none"
        if self.before is None:
            return "create"
        return "delete" if self.after is None else "update"

    def result(self) -> dict:
        return {
            "name": self.key[0], "type": self.key[1], "zone": self.zone, "action": self.action,
            "before": self.before.as_dict() if self.before else None,
            "after": self.after.as_dict() if self.after else None,
        }

    def diff(self) -> dict:
        header = "%s %s" % self.key
        return {
            "before_header": header + (" (absent)" if self.before is None else ""),
            "after_header": header + (" (absent)" if self.after is None else ""),
            "before": self.before.zone_file_lines() if self.before else "",
            "after": self.after.zone_file_lines() if self.after else "",
        }


def presentation(rtype: str, value: str, split_txt: bool = True) -> str:
    """VALUE as it is written in a zone file: TXT as quoted character-strings of at most 255 octets, or as one
    quoted string when not SPLIT_TXT (for an API that splits it itself)."""
    if rtype != "TXT":
        return value
    if not split_txt:
        return '"%s"' % "".join(txt_chunks(value))
    return " ".join('"%s"' % chunk for chunk in txt_chunks(value))


def txt_chunks(text: str) -> list[str]:
    """TEXT escaped for a zone file, cut into character-strings of at most 255 octets each."""
    escaped_octets = []
    for octet in text.encode("utf-8"):
        if octet in (0x22, 0x5C):  # " and \
            escaped_octets.append("\\" + chr(octet))
        elif 0x20 <= octet < 0x7F:
            escaped_octets.append(chr(octet))
        else:
            escaped_octets.append("\\%03d" % octet)
    chunks = [escaped_octets[start:start + TXT_CHUNK] for start in range(0, len(escaped_octets), TXT_CHUNK)] or [[]]
    return ["".join(chunk) for chunk in chunks]


def unescape_txt(character_strings) -> str:
    """The text of TXT character-strings (bytes each), joined as the value was given."""
    return b"".join(character_strings).decode("utf-8", "replace")


def parse_txt(text: str) -> str:
    """The text of a TXT value in zone file form (`"a" "b"`, escapes \\X and \\DDD); unquoted text as is."""
    stripped = text.strip()
    if not stripped.startswith('"'):
        return text
    strings, current, position, quoted = [], bytearray(), 0, False
    while position < len(stripped):
        char = stripped[position]
        if char == '"':
            if quoted:
                strings.append(bytes(current))
                current = bytearray()
            quoted = not quoted
        elif char == "\\" and quoted:
            following = stripped[position + 1:position + 4]
            if following.isdigit() and len(following) == 3:
                current.append(int(following) & 0xFF)
                position += 3
            else:
                current.extend(stripped[position + 1:position + 2].encode("utf-8"))
                position += 1
        elif quoted:
            current.extend(char.encode("utf-8"))
        position += 1
    if quoted:  # an unterminated string: keep what it holds
        strings.append(bytes(current))
    return unescape_txt(strings)


def to_ascii_label(label: str, field: str, name: str) -> str:
    if label.isascii():
        return label.lower()
    try:
        if idna_2008 is not None:
            return idna_2008.encode(label, uts46=True).decode("ascii")
        return label.encode("idna").decode("ascii")
    except (UnicodeError, ValueError) as err:  # idna.IDNAError is a UnicodeError
        raise DnsError("%s: %r is not a valid internationalised name (%s)" % (field, name, err)) from None


def ascii_name(name: str, field: str) -> str:
    """NAME (no trailing dot) in lower-case ASCII, internationalised labels in punycode; checked."""
    if not name:
        return ""
    labels = [to_ascii_label(label, field, name) for label in name.split(".")]
    for position, label in enumerate(labels):
        if not LABEL.match(label) or (label == "*" and position):
            problem = "an empty label" if not label else "the label %r" % label
            raise DnsError("%s: %r is not a valid DNS name (%s)" % (field, name, problem))
    ascii_text = ".".join(labels)
    if len(ascii_text) > 253:
        raise DnsError("%s: %r is longer than 253 characters" % (field, name))
    return ascii_text


def zone_name(zone, field: str = "zone") -> str:
    """The zone as an absolute name with a trailing dot."""
    if not isinstance(zone, str) or not zone.strip(". "):
        raise DnsError("%s: give the zone's name, e.g. example.net" % field)
    return ascii_name(zone.strip().rstrip("."), field) + "."


def owner_name(name, zone: str | None, field: str) -> str:
    """The absolute owner name of NAME in ZONE (absolute, trailing dot).

    `www`, `www.example.net` and `www.example.net.` all name the same record in zone example.net;
    `@` and the zone's own name are its apex. A name that ends with a dot but not with the zone is
    outside it and refused; one without a dot that does not end with the zone is relative to it. Without
    a zone (found later from the server) a name is always absolute.
    """
    if not isinstance(name, str):
        raise DnsError("%s: give the record's name as a string" % field)
    text = name.strip()
    if text in ("", "@"):
        if zone is None:
            raise DnsError("%s: %r needs the zone: give zone, or the full name" % (field, name))
        return zone
    absolute = text.endswith(".")
    ascii_text = ascii_name(text[:-1] if absolute else text, field)
    if not ascii_text:
        raise DnsError("%s: %r is not a valid DNS name" % (field, name))
    if zone is None:
        return ascii_text + "."
    fqdn = ascii_text + "."
    if fqdn == zone or fqdn.endswith("." + zone):
        return fqdn
    if absolute:
        raise DnsError("%s: %r is outside the zone %s" % (field, name, zone.rstrip(".")))
    return "%s.%s" % (ascii_text, zone)


def target_name(value, zone: str | None, field: str) -> str:
    """A CNAME target, absolute. A target without any dot is relative to the zone; one with a dot is
    taken as a full name, as provider web interfaces do (a zone-file-style relative `a.b` would be a
    surprise far more often than a help)."""
    if not isinstance(value, str) or not value.strip(". "):
        raise DnsError("%s: a CNAME target must be a DNS name" % field)
    text = value.strip().rstrip(".")
    ascii_text = ascii_name(text, field)
    if "." not in text:
        if zone is None:
            raise DnsError("%s: %r needs the zone to be a full name: give zone, or the full target" % (field, value))
        return "%s.%s" % (ascii_text, zone)
    return ascii_text + "."


def canonical_value(rtype: str, value, zone: str | None, field: str) -> str:
    """VALUE in the canonical form of RTYPE, or DnsError naming FIELD."""
    if rtype in ADDRESS_TYPES:
        return canonical_address(rtype, value, field)
    if rtype == "CNAME":
        return target_name(value, zone, field)
    if not isinstance(value, str):
        raise DnsError("%s: a TXT value must be a string, got %s" % (field, type(value).__name__))
    # A value in double quotes is zone file form, as people copy it from a zone: "v=spf1 -all".
    return parse_txt(value)


def value_from_text(rtype: str, text: str, field: str = "value") -> str:
    """A value as a server or an API shows it (zone file form; a CNAME with or without its final dot),
    in canonical form. DnsError for a type this module does not manage."""
    if rtype not in TYPES:
        raise DnsError("%s: type %s is not managed" % (field, rtype))
    if rtype == "CNAME":
        # Whatever a server shows is a full name, dot or no dot.
        return ascii_name(text.strip().rstrip("."), field) + "."
    return canonical_value(rtype, text, None, field)


def value_to_text(rtype: str, value: str, final_dot: bool = True, split_txt: bool = True) -> str:
    """A canonical value in zone file form, a CNAME target without its final dot when FINAL_DOT is false,
    a TXT value as one string when SPLIT_TXT is false."""
    if rtype == "CNAME" and not final_dot:
        return value.rstrip(".")
    return presentation(rtype, value, split_txt)


def canonical_address(rtype: str, value, field: str) -> str:
    version = ADDRESS_TYPES[rtype]
    if isinstance(value, str) and "%" not in value and "/" not in value:
        try:
            address = ipaddress.ip_address(value.strip())
        except ValueError:
            address = None
        if address is not None and address.version == version:
            return address.compressed
    raise DnsError("%s: %r is not an IPv%d address, which a record of type %s needs" % (field, value, version, rtype))


def canonical_ttl(ttl, field: str) -> int:
    if isinstance(ttl, bool) or not isinstance(ttl, int) or not TTL_MIN <= ttl <= TTL_MAX:
        raise DnsError("%s: %r is not a TTL between %d and %d seconds" % (field, ttl, TTL_MIN, TTL_MAX))
    return ttl


class Desired:
    """One record set the user asked for: its key, and the set itself (None for state=absent)."""

    __slots__ = ("field", "key", "record_set", "zone")

    def __init__(self, field: str, zone: str, key: tuple[str, str], record_set: RecordSet | None):
        self.field = field
        self.zone = zone
        self.key = key
        self.record_set = record_set


def record_spec_list(params: dict) -> list[tuple[str, dict]]:
    """The record sets of a call as (field prefix, spec): `records`, or the single set at top level.

    Top-level ttl and state are the default of every item of `records`.
    """
    single = {key: params.get(key) for key in ("name", "type", "values", "address_from")}
    defaults = {"ttl": params.get("ttl"), "state": params.get("state") or "present"}
    records = params.get("records")
    if records is not None:
        given = [key for key, value in single.items() if value is not None]
        if given:
            raise DnsError("%s: give either records or a single record set (name, type, values), not both" % ", ".join(given))
        if not isinstance(records, list):
            raise DnsError("records: give a list of record sets")
        specs = []
        for index, item in enumerate(records):
            if not isinstance(item, dict):
                raise DnsError("records[%d]: give a record set as a dictionary (name, type, values)" % index)
            unknown = sorted(set(item) - {"name", "type", "values", "address_from", "ttl", "state"})
            if unknown:
                raise DnsError("records[%d]: unknown option %s" % (index, ", ".join(unknown)))
            specs.append(("records[%d]." % index, dict(defaults, **{key: value for key, value in item.items() if value is not None})))
        return specs
    if single["name"] is None:
        raise DnsError("name: give the record's name (or a list of record sets in records)")
    return [("", dict(defaults, **{key: value for key, value in single.items() if value is not None}))]


def check_spec(prefix: str, spec: dict) -> None:
    """Everything about one spec that needs no address look-up and no server."""
    rtype = spec.get("type")
    if rtype not in TYPES:
        raise DnsError("%stype: %r is not one of %s" % (prefix, rtype, ", ".join(TYPES)))
    if spec["state"] not in STATES:
        raise DnsError("%sstate: %r is not one of present, absent" % (prefix, spec["state"]))
    values, source = spec.get("values"), spec.get("address_from")
    if values is not None and not isinstance(values, list):
        raise DnsError("%svalues: give a list" % prefix)
    if spec["state"] == "absent":
        if values is not None or source is not None:
            raise DnsError("%sstate: absent removes the whole record set; give no values or address_from" % prefix)
        return
    if values is not None and source is not None:
        raise DnsError("%svalues: give values or address_from, not both" % prefix)
    if source is not None and rtype not in ADDRESS_TYPES:
        raise DnsError("%saddress_from: only A and AAAA records take an address from a host, not %s" % (prefix, rtype))
    if source is None and not values:
        raise DnsError("%svalues: state=present needs at least one value (or address_from); to remove the record set use state=absent" % prefix)
    if rtype == "CNAME" and len(values) != 1:
        raise DnsError("%svalues: a CNAME has exactly one value, got %d" % (prefix, len(values)))
    if spec.get("ttl") is not None:
        canonical_ttl(spec["ttl"], prefix + "ttl")


def build_desired(specs, given_zone: str | None, zone_of, addresses_of, default_ttl: int = DEFAULT_TTL) -> list[Desired]:
    """Desired record sets from checked SPECS.

    GIVEN_ZONE is the call's zone, or None when ZONE_OF(prefix, spec) asks the server for each name's
    zone; ADDRESSES_OF(prefix, spec) gives the values of a spec with address_from. Every name and value
    is checked (and every address read) before ZONE_OF is asked anything, so that a bad input never
    costs a query to the server.
    """
    values_of = {}
    for prefix, spec in specs:
        owner_name(spec["name"], given_zone, prefix + "name")
        if spec["state"] == "present":
            raw_values = addresses_of(prefix, spec) if spec.get("address_from") is not None else spec["values"]
            values_of[prefix] = [canonical_value(spec["type"], value, given_zone, "%svalues[%d]" % (prefix, index))
                                 for index, value in enumerate(raw_values)]
    desired, seen = [], {}
    for prefix, spec in specs:
        zone = zone_of(prefix, spec)
        name = owner_name(spec["name"], zone, prefix + "name")
        key = (name, spec["type"])
        if key in seen:
            raise DnsError("%sname: %s %s is also given in %s; give each record set once, with all its values"
                           % (prefix, name, spec["type"], seen[key] or "the call"))
        seen[key] = prefix.rstrip(".")
        if spec["state"] == "absent":
            desired.append(Desired(prefix, zone, key, None))
            continue
        ttl = canonical_ttl(spec["ttl"], prefix + "ttl") if spec.get("ttl") is not None else default_ttl
        desired.append(Desired(prefix, zone, key, RecordSet(name, spec["type"], ttl, values_of[prefix])))
    check_cname_alone(desired)
    return desired


def check_cname_alone(desired: list[Desired]) -> None:
    """A CNAME cannot share its name with any other record (RFC 1034 section 3.6.2)."""
    present = {}
    for item in desired:
        if item.record_set is not None:
            present.setdefault(item.key[0], []).append(item)
    for items in present.values():
        cname = [item for item in items if item.key[1] == "CNAME"]
        if cname and len(items) > 1:
            others = ", ".join("%s (%s)" % (item.key[1], item.field.rstrip(".") or "the call") for item in items if item is not cname[0])
            raise DnsError("%stype: a CNAME cannot share the name %s with other records: %s"
                           % (cname[0].field, cname[0].key[0], others))


def plan(desired: list[Desired], current: dict) -> list[Change]:
    """One Change per desired record set, from CURRENT (key -> RecordSet or None)."""
    return [Change(item.zone, item.key, current.get(item.key), item.record_set) for item in desired]


def result_of(changes: list[Change], diff: bool) -> dict:
    result = {
        "changed": any(change.action != "none" for change in changes),
        "records": [change.result() for change in changes],
    }
    if diff:
        result["diff"] = [change.diff() for change in changes if change.action != "none"]
    return result
