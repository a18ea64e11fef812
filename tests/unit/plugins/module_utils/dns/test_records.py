# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Names, values, specs and the plan of multisite.vpn.dns_record, without any server."""

from __future__ import annotations

import re

import pytest

from ansible_collections.multisite.vpn.plugins.module_utils.dns import records
from ansible_collections.multisite.vpn.plugins.module_utils.dns.records import DnsError, RecordSet

ZONE = "example.net."


@pytest.mark.parametrize(
    ("name", "zone", "expected"),
    [
        ("www", ZONE, "www.example.net."),
        ("www.example.net", ZONE, "www.example.net."),
        ("www.example.net.", ZONE, "www.example.net."),
        ("WWW.Example.NET", ZONE, "www.example.net."),
        ("@", ZONE, ZONE),
        ("", ZONE, ZONE),
        ("example.net.", ZONE, ZONE),
        ("a.b", ZONE, "a.b.example.net."),
        ("bücher", ZONE, "xn--bcher-kva.example.net."),
        ("bücher.example.net.", ZONE, "xn--bcher-kva.example.net."),
        ("_acme-challenge", ZONE, "_acme-challenge.example.net."),
        ("*", ZONE, "*.example.net."),
        ("hub.example.net", None, "hub.example.net."),
        ("hub.example.net.", None, "hub.example.net."),
    ],
    ids=["relative", "full-no-dot", "full-dot", "upper-case", "at", "empty", "apex-by-name", "two-labels-relative", "idn",
         "idn-full", "underscore", "wildcard", "no-zone", "no-zone-dot"],
)
def test_owner_name_absolute_relative_and_idn_name_the_same_record(name, zone, expected):
    assert records.owner_name(name, zone, "name") == expected


@pytest.mark.parametrize(
    ("name", "zone", "message"),
    [
        ("www.other.net.", ZONE, "name: 'www.other.net.' is outside the zone example.net"),
        ("a..b", ZONE, "name: 'a..b' is not a valid DNS name (an empty label)"),
        ("with space", ZONE, "the label 'with space'"),
        ("a.*", ZONE, "the label '*'"),
        ("-leading", ZONE, "the label '-leading'"),
        ("x" * 64, ZONE, "is not a valid DNS name"),
        (".".join(["abcdefghi"] * 26), ZONE, "is longer than 253 characters"),
        ("@", None, "needs the zone"),
        (5, ZONE, "name: give the record's name as a string"),
    ],
    ids=["outside-zone", "empty-label", "space", "wildcard-not-first", "leading-hyphen", "label-too-long", "name-too-long",
         "apex-without-zone", "not-a-string"],
)
def test_bad_names_are_refused_naming_the_field(name, zone, message):
    with pytest.raises(DnsError, match=re.escape(message)):
        records.owner_name(name, zone, "name")


@pytest.mark.parametrize(
    ("rtype", "value", "expected"),
    [
        ("A", "192.0.2.1", "192.0.2.1"),
        ("A", " 192.0.2.1 ", "192.0.2.1"),
        ("AAAA", "2001:DB8:0:0::1", "2001:db8::1"),
        ("AAAA", "2001:db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("CNAME", "target", "target.example.net."),
        ("CNAME", "host.example.com", "host.example.com."),
        ("CNAME", "Host.Example.COM.", "host.example.com."),
        ("TXT", "v=spf1 -all", "v=spf1 -all"),
        ("TXT", '"v=spf1 -all"', "v=spf1 -all"),
        ("TXT", '"ab" "cd"', "abcd"),
        ("TXT", "", ""),
    ],
    ids=["a", "a-spaces", "aaaa-upper", "aaaa-long", "cname-relative", "cname-full-no-dot", "cname-upper", "txt", "txt-quoted",
         "txt-two-strings", "txt-empty"],
)
def test_values_are_canonical(rtype, value, expected):
    assert records.canonical_value(rtype, value, ZONE, "values[0]") == expected


@pytest.mark.parametrize(
    ("rtype", "value", "message"),
    [
        ("A", "192.0.2.300", "values[0]: '192.0.2.300' is not an IPv4 address, which a record of type A needs"),
        ("A", "2001:db8::1", "is not an IPv4 address"),
        ("AAAA", "192.0.2.1", "is not an IPv6 address"),
        ("A", "192.0.2.0/24", "is not an IPv4 address"),
        ("AAAA", "fe80::1%eth0", "is not an IPv6 address"),
        ("A", "010.0.0.1", "is not an IPv4 address"),
        ("A", 3221225985, "is not an IPv4 address"),
        ("CNAME", "", "a CNAME target must be a DNS name"),
        ("TXT", 42, "a TXT value must be a string"),
    ],
    ids=["a-out-of-range", "a-given-v6", "aaaa-given-v4", "prefix", "scope-id", "leading-zero", "integer", "cname-empty", "txt-number"],
)
def test_bad_values_name_the_field(rtype, value, message):
    with pytest.raises(DnsError, match=re.escape(message)):
        records.canonical_value(rtype, value, ZONE, "values[0]")


@pytest.mark.parametrize(
    "text",
    ["plain", "with \"quotes\" and \\ backslash", "ünïcode", "x" * 600, "", "tab\tand\nnewline"],
    ids=["plain", "quotes-backslash", "unicode", "long", "empty", "control"],
)
def test_txt_presentation_reads_back_to_the_same_text(text):
    shown = records.presentation("TXT", text)
    assert records.parse_txt(shown) == text
    assert all(len(chunk.encode()) <= 255 * 4 for chunk in records.txt_chunks(text))


def test_long_txt_is_cut_into_strings_of_255_octets():
    chunks = records.txt_chunks("a" * 600)
    assert [len(chunk) for chunk in chunks] == [255, 255, 90]


def params(**given):
    base = {"name": None, "type": None, "values": None, "address_from": None, "records": None, "ttl": 300, "state": "present"}
    base.update(given)
    return base


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (params(name="www", type="MX", values=["x"]), "type: 'MX' is not one of A, AAAA, CNAME, TXT"),
        (params(name="www", type="A", values=[]), "values: state=present needs at least one value"),
        (params(name="www", type="A"), "values: state=present needs at least one value"),
        (params(name="www", type="A", state="absent", values=["192.0.2.1"]), "state: absent removes the whole record set"),
        (params(name="www", type="CNAME", values=["a.example.", "b.example."]), "values: a CNAME has exactly one value, got 2"),
        (params(name="www", type="TXT", address_from={"interface": "eth0"}), "address_from: only A and AAAA records"),
        (params(name="www", type="A", values=["192.0.2.1"], address_from={"interface": "eth0"}), "give values or address_from, not both"),
        (params(name="www", type="A", values=["192.0.2.1"], ttl=0), "ttl: 0 is not a TTL between 1 and 2147483647 seconds"),
        (params(name="www", type="A", values=["192.0.2.1"], ttl=2147483648), "ttl: 2147483648 is not a TTL"),
        (params(records=[{"name": "a", "type": "A", "values": ["192.0.2.1"], "ttl": -5}]), r"records\[0\]\.ttl: -5 is not a TTL"),
        (params(records=[{"name": "a", "type": "A", "value": ["192.0.2.1"]}]), r"records\[0\]: unknown option value"),
        (params(records=["www"]), r"records\[0\]: give a record set as a dictionary"),
        (params(records=[], name="www"), "name: give either records or a single record set"),
        (params(), "name: give the record's name"),
    ],
    ids=["unknown-type", "present-empty-values", "present-no-values", "absent-with-values", "cname-two-values", "txt-from-interface",
         "values-and-address_from", "ttl-zero", "ttl-too-big", "item-ttl-negative", "item-misspelt-option", "item-not-dict",
         "records-and-name", "nothing"],
)
def test_bad_specs_are_refused_before_any_server(given, message):
    with pytest.raises(DnsError, match=message):
        for prefix, spec in records.record_spec_list(given):
            records.check_spec(prefix, spec)


def desired_of(items, zone=ZONE):
    specs = records.record_spec_list(params(records=items))
    for prefix, spec in specs:
        records.check_spec(prefix, spec)
    return records.build_desired(specs, zone, lambda prefix, spec: zone, lambda prefix, spec: ["192.0.2.99"])


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ([{"name": "www", "type": "A", "values": ["192.0.2.1"]}, {"name": "www.example.net.", "type": "A", "values": ["192.0.2.2"]}],
         r"records\[1\]\.name: www\.example\.net\. A is also given in records\[0\]"),
        ([{"name": "www", "type": "CNAME", "values": ["x.example."]}, {"name": "www", "type": "TXT", "values": ["t"]}],
         r"records\[0\]\.type: a CNAME cannot share the name www\.example\.net\. with other records: TXT \(records\[1\]\)"),
        ([{"name": "ok", "type": "A", "values": ["192.0.2.1"]}, {"name": "bad", "type": "AAAA", "values": ["2001:db8::1", "nope"]}],
         r"records\[1\]\.values\[1\]: 'nope' is not an IPv6 address"),
    ],
    ids=["same-set-twice", "cname-beside-txt", "second-item-bad-value"],
)
def test_bad_record_lists_name_the_item(items, message):
    with pytest.raises(DnsError, match=message):
        desired_of(items)


def test_cname_may_replace_another_type_removed_in_the_same_call():
    desired = desired_of([{"name": "www", "type": "CNAME", "values": ["x.example."]}, {"name": "www", "type": "A", "state": "absent"}])
    assert [(item.key, item.record_set is None) for item in desired] == [
        (("www.example.net.", "CNAME"), False), (("www.example.net.", "A"), True)]


def test_address_from_values_come_from_the_source():
    desired = desired_of([{"name": "hub", "type": "A", "address_from": {"interface": "eth0"}, "ttl": 60}])
    assert desired[0].record_set == RecordSet("hub.example.net.", "A", 60, ["192.0.2.99"])


@pytest.mark.parametrize(
    ("before", "after", "action"),
    [
        (None, RecordSet("a.", "A", 60, ["192.0.2.1"]), "create"),
        (RecordSet("a.", "A", 60, ["192.0.2.1"]), RecordSet("a.", "A", 60, ["192.0.2.1"]), "none"),
        (RecordSet("a.", "A", 60, ["192.0.2.2", "192.0.2.1"]), RecordSet("a.", "A", 60, ["192.0.2.1", "192.0.2.2"]), "none"),
        (RecordSet("a.", "A", 300, ["192.0.2.1"]), RecordSet("a.", "A", 60, ["192.0.2.1"]), "update"),
        (RecordSet("a.", "A", 60, ["192.0.2.1", "192.0.2.2"]), RecordSet("a.", "A", 60, ["192.0.2.1"]), "update"),
        (RecordSet("a.", "A", 60, ["192.0.2.1"]), None, "delete"),
        (None, None, "none"),
    ],
    ids=["create", "same", "same-other-order", "ttl", "old-value-left-behind", "delete", "absent-already"],
)
def test_change_actions(before, after, action):
    assert records.Change(ZONE, ("a.", "A"), before, after).action == action


def test_result_and_diff_show_each_changed_set_in_zone_file_form():
    changes = [
        records.Change(ZONE, ("a.example.net.", "A"), RecordSet("a.example.net.", "A", 60, ["192.0.2.1"]),
                       RecordSet("a.example.net.", "A", 60, ["192.0.2.2"])),
        records.Change(ZONE, ("b.example.net.", "A"), None, None),
    ]
    result = records.result_of(changes, diff=True)
    assert result["changed"] is True
    assert [record["action"] for record in result["records"]] == ["update", "none"]
    assert result["diff"] == [{
        "before_header": "a.example.net. A", "after_header": "a.example.net. A",
        "before": "a.example.net. 60 IN A 192.0.2.1\n", "after": "a.example.net. 60 IN A 192.0.2.2\n",
    }]
    assert "diff" not in records.result_of(changes, diff=False)
