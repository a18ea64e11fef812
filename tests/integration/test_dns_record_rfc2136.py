# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""dns_record's rfc2136 provider against two real servers, Knot and BIND, on loopback (tests/dns_servers):
create, change, no-op, remove, several values, IDN, names outside the zone, refused keys, a server that
is down, zone discovery, a concurrent change between read and write."""

from __future__ import annotations

import dns.query
import pytest

from ansible_collections.multisite.vpn.plugins.module_utils.dns.ensure import ensure
from ansible_collections.multisite.vpn.plugins.module_utils.dns.records import DnsError
from ansible_collections.multisite.vpn.plugins.module_utils.dns.rfc2136 import Rfc2136
from ansible_collections.multisite.vpn.tests.dns_servers import start

KINDS = ["knot", "bind"]
ZONE = "example.test."
RECORDS = ["www 300 IN A 192.0.2.1", "pool 300 IN A 192.0.2.11", "pool 300 IN A 192.0.2.12", "alias 300 IN CNAME www"]


@pytest.fixture(name="server", params=KINDS)
def fixture_server(request):
    with start(request.param, records=RECORDS, self_keys={"hub1": "hub1-key"}, extra_zones=["other.test."]) as server:
        yield server


def params(running, key="ddns-key", **given):
    algorithm, secret = running.keys[key]
    base = {"server": running.address, "port": running.port, "key_name": key, "key_secret": secret, "key_algorithm": algorithm,
            "zone": "example.test", "ttl": 300, "state": "present", "timeout": 2}
    return dict(base, **given)


def apply(running, check_mode=False, **given):
    return ensure(params(running, **given), check_mode, diff=True)


def actions(result):
    return [record["action"] for record in result["records"]]


def test_create_no_op_change_and_remove(server):
    records = [{"name": "hub1", "type": "A", "values": ["198.51.100.11"]}, {"name": "hub1", "type": "AAAA", "values": ["2001:db8::11"]}]
    assert actions(apply(server, records=records)) == ["create", "create"]
    seen = server.updates_seen()
    assert apply(server, records=records)["changed"] is False
    assert server.updates_seen() == seen  # a run with nothing to do sends no update
    assert actions(apply(server, records=[dict(records[0], values=["198.51.100.31"]), records[1]])) == ["update", "none"]
    assert server.rrset("hub1", "A") == ["198.51.100.31"]
    assert actions(apply(server, name="hub1", type="AAAA", state="absent")) == ["delete"]
    assert server.rrset("hub1", "AAAA") == [] and server.rrset("hub1", "A") == ["198.51.100.31"]
    assert server.updates_seen() == seen + 2  # one update per run that changes something, whatever it changes


def test_check_mode_sends_no_update_and_shows_the_diff(server):
    seen = server.updates_seen()
    result = apply(server, check_mode=True, name="www", type="A", values=["192.0.2.9"], ttl=60)
    assert result["changed"] is True and server.updates_seen() == seen
    assert result["diff"] == [{"before_header": "www.example.test. A", "after_header": "www.example.test. A",
                               "before": "www.example.test. 300 IN A 192.0.2.1\n", "after": "www.example.test. 60 IN A 192.0.2.9\n"}]
    assert server.rrset("www", "A") == ["192.0.2.1"]


def test_record_set_of_several_values_ends_with_exactly_those(server):
    result = apply(server, name="pool", type="A", values=["192.0.2.12", "192.0.2.13", "192.0.2.14"])
    assert result["records"][0]["before"] == {"ttl": 300, "values": ["192.0.2.11", "192.0.2.12"]}
    assert server.rrset("pool", "A") == ["192.0.2.12", "192.0.2.13", "192.0.2.14"]


def test_ttl_alone_is_a_change(server):
    assert actions(apply(server, name="www", type="A", values=["192.0.2.1"], ttl=60)) == ["update"]
    assert server.ttl("www", "A") == 60


def test_names_relative_full_and_with_a_dot_are_one_record(server):
    apply(server, name="www.example.test", type="A", values=["192.0.2.5"])
    for name in ("www", "www.example.test.", "WWW.Example.Test"):
        assert apply(server, name=name, type="A", values=["192.0.2.5"])["changed"] is False


def test_idn_name_is_published_in_punycode(server):
    apply(server, name="bücher", type="AAAA", values=["2001:db8::b"])
    assert server.rrset("xn--bcher-kva", "AAAA") == ["2001:db8::b"]
    assert apply(server, name="xn--bcher-kva.example.test.", type="AAAA", values=["2001:db8:0::b"])["changed"] is False


def test_txt_longer_than_one_string_and_larger_than_a_udp_answer(server):
    values = ["v=%03d %s" % (index, "x" * 240) for index in range(4)]
    apply(server, name="big", type="TXT", values=values)
    assert apply(server, name="big", type="TXT", values=values)["changed"] is False  # read back over TCP (truncated on UDP)


def test_many_record_sets_in_one_update_over_tcp(server):
    records = [{"name": "h%03d" % index, "type": "A", "values": ["198.51.100.%d" % (index % 250 + 1)]} for index in range(120)]
    seen = server.updates_seen()
    assert set(actions(apply(server, records=records))) == {"create"}
    assert server.updates_seen() == seen + 1
    assert server.rrset("h119", "A") == ["198.51.100.120"]


def test_cname_replaces_an_address_in_one_update(server):
    result = apply(server, records=[{"name": "www", "type": "CNAME", "values": ["target.example.net."]},
                                    {"name": "www", "type": "A", "state": "absent"}])
    assert actions(result) == ["create", "delete"]
    assert server.rrset("www", "CNAME") == ["target.example.net."]


def test_a_name_with_a_cname_takes_no_address_without_removing_it(server):
    seen = server.updates_seen()
    with pytest.raises(DnsError, match=r"^type: alias\.example\.test already has CNAME records on the server"):
        apply(server, name="alias", type="A", values=["192.0.2.7"])
    assert server.updates_seen() == seen


def test_zone_found_from_the_server_when_not_given(server):
    result = apply(server, zone=None, records=[{"name": "hub1.example.test", "type": "A", "values": ["198.51.100.11"]},
                                               {"name": "x.other.test.", "type": "A", "values": ["198.51.100.12"]}])
    assert [record["zone"] for record in result["records"]] == ["example.test.", "other.test."]
    assert server.rrset("hub1", "A") == ["198.51.100.11"]


def test_a_concurrent_change_between_read_and_update_is_read_again(server, monkeypatch):
    original_apply = Rfc2136.apply

    def apply_after_someone_else(self, zone, changes):
        monkeypatch.setattr(Rfc2136, "apply", original_apply)
        update = server.update_message()
        update.replace("www", 300, "A", "192.0.2.66")
        dns.query.tcp(update, server.address, port=server.port, timeout=2)
        return original_apply(self, zone, changes)

    monkeypatch.setattr(Rfc2136, "apply", apply_after_someone_else)
    result = apply(server, name="www", type="A", values=["192.0.2.77"])
    assert result["records"][0]["before"]["values"] == ["192.0.2.66"]  # what the second read saw
    assert server.rrset("www", "A") == ["192.0.2.77"]


@pytest.mark.parametrize("algorithm", ["hmac-md5", "hmac-sha1", "hmac-sha512"])
def test_other_algorithms(algorithm):
    with start("knot", algorithm=algorithm) as server:
        assert apply(server, name="www", type="A", values=["192.0.2.3"])["changed"] is True
        assert server.rrset("www", "A") == ["192.0.2.3"]


def test_a_hub_key_changes_its_own_name_only(server):
    assert apply(server, key="hub1-key", name="hub1", type="A", values=["198.51.100.11"])["changed"] is True
    for given in ({"name": "www", "type": "A", "values": ["192.0.2.99"]}, {"name": "hub1", "type": "TXT", "values": ["x"]}):
        with pytest.raises(DnsError) as raised:
            apply(server, key="hub1-key", **given)
        assert str(raised.value).startswith("key_name: ") and "'hub1-key'" in str(raised.value)
        assert server.keys["hub1-key"][1] not in str(raised.value)
    assert server.rrset("www", "A") == ["192.0.2.1"] and server.rrset("hub1", "TXT") == []


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"key_secret": "AAAA" * 11}, "key_secret: 127.0.0.1 port {port} says the signature with key 'ddns-key' is wrong (TSIG BADSIG)"),
        ({"key_name": "nobody-key"}, "key_name: 127.0.0.1 port {port} does not know the key 'nobody-key'"),
        ({"key_algorithm": "hmac-sha512"}, "key_name: 127.0.0.1 port {port} does not know the key 'ddns-key'"),
    ],
    ids=["wrong-secret", "unknown-key", "wrong-algorithm"],
)
def test_refused_keys_name_the_option_and_never_show_the_secret(server, given, message):
    secret = server.keys["ddns-key"][1]
    with pytest.raises(DnsError) as raised:
        apply(server, name="www", type="A", values=["192.0.2.99"], **given)
    assert str(raised.value).startswith(message.format(port=server.port))
    assert secret not in str(raised.value)
    assert server.rrset("www", "A") == ["192.0.2.1"]


def test_unsigned_update_refused_by_policy(server):
    with pytest.raises(DnsError, match=r"^key_name: .* refused the update of www\.example\.test for an unsigned update"):
        ensure({"server": server.address, "port": server.port, "zone": "example.test", "name": "www", "type": "A",
                "values": ["192.0.2.99"], "ttl": 300, "state": "present", "timeout": 2})


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"name": "www.elsewhere.test.", "type": "A", "values": ["192.0.2.1"]}, "name: 'www.elsewhere.test.' is outside the zone example.test"),
        ({"zone": "elsewhere.test", "name": "www", "type": "A", "values": ["192.0.2.1"]},
         "zone: 127.0.0.1 port {port} is not authoritative for elsewhere.test (it answered REFUSED)"),
        ({"zone": "sub.example.test", "name": "www", "type": "A", "values": ["192.0.2.1"]},
         "zone: sub.example.test is not a zone on 127.0.0.1 port {port}; the zone that holds it is example.test"),
        ({"zone": None, "name": "www.elsewhere.test.", "type": "A", "values": ["192.0.2.1"]},
         "name: 127.0.0.1 port {port} is not authoritative for www.elsewhere.test (it answered REFUSED)"),
        ({"name": "www", "type": "A", "values": ["192.0.2.1", "2001:db8::1"]}, "values[1]: '2001:db8::1' is not an IPv4 address"),
        ({"name": "www", "type": "A", "values": []}, "values: state=present needs at least one value"),
        ({"name": "www", "type": "A", "values": ["192.0.2.1"], "ttl": 0}, "ttl: 0 is not a TTL between 1 and 2147483647 seconds"),
        ({"name": "www", "type": "CNAME", "values": ["a.example.net.", "b.example.net."]}, "values: a CNAME has exactly one value"),
    ],
    ids=["name-outside-zone", "zone-not-served", "zone-inside-a-zone", "discovered-zone-not-served", "wrong-family", "no-values",
         "ttl-zero", "cname-two-values"],
)
def test_bad_input_sends_no_update(server, given, message):
    seen = server.updates_seen()
    with pytest.raises(DnsError) as raised:
        apply(server, **given)
    assert str(raised.value).startswith(message.format(port=server.port))
    assert server.updates_seen() == seen


def test_server_down_then_back(server):
    server.stop()
    with pytest.raises(DnsError, match=r"^server: no answer from 127\.0\.0\.1 port \d+ within 2 s$"):
        apply(server, name="www", type="A", values=["192.0.2.8"])
    server.start()
    assert apply(server, name="www", type="A", values=["192.0.2.8"])["changed"] is True


def test_server_by_name():
    with start("knot") as server:
        assert ensure(params(server, server="localhost", name="www", type="A", values=["192.0.2.4"]))["changed"] is True
    with pytest.raises(DnsError, match=r"^server: cannot look up 'no-such-host\.invalid'"):
        ensure({"server": "no-such-host.invalid", "zone": "example.test", "name": "www", "type": "A", "values": ["192.0.2.1"],
                "ttl": 300, "state": "present"})


def test_bad_values_are_found_before_the_server_is_asked_for_a_zone(server):
    server.stop()  # a query would now time out: the message must be about the value instead
    with pytest.raises(DnsError, match=r"^records\[1\]\.values\[0\]: 'nope' is not an IPv4 address"):
        apply(server, zone=None, records=[{"name": "a.example.test.", "type": "A", "values": ["192.0.2.1"]},
                                          {"name": "b.example.test.", "type": "A", "values": ["nope"]}])
