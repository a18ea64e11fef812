# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""dns_record's Cloudflare, deSEC and Vultr providers against local doubles of their APIs, written from the
providers' documentation by someone else (tests/dns_api_doubles), made to behave badly: small pages,
429 with Retry-After, 5xx, reset connections, bodies that are not JSON, tokens without permission."""

from __future__ import annotations

import pytest

from ansible_collections.multisite.vpn.plugins.module_utils.dns.ensure import ensure
from ansible_collections.multisite.vpn.plugins.module_utils.dns.records import DnsError
from ansible_collections.multisite.vpn.tests.dns_api_doubles import serve

TOKEN = "Tok3nForTests0123456789abcdefghijklmnop"
SCOPED_TOKEN = "Sc0pedTokenForTests0123456789abcdefghij"
ZONE = "example.test"
PROVIDERS = ["cloudflare", "desec", "vultr"]
# Every provider takes a TTL of 3600 (deSEC's usual minimum).
TTL = 3600


class Provider:
    """One double and calls of ensure() against it; sleeps are recorded, not slept."""

    def __init__(self, api):
        self.api = api
        self.slept = []

    def ensure(self, check_mode=False, token=TOKEN, **params):
        params = dict({"provider": self.api.PROVIDER, "zone": ZONE, "api_token": token, "api_url": self.api.url, "ttl": TTL,
                       "state": "present", "timeout": 5}, **params)
        return ensure(params, check_mode, diff=True, environ={}, sleep=self.slept.append)

    def managed(self):
        """The zone's records of the managed types, as (name, type, ttl, value)."""
        return [record for record in self.api.records(ZONE) if record[1] in ("A", "AAAA", "CNAME", "TXT")]


@pytest.fixture(name="provider", params=PROVIDERS)
def fixture_provider(request):
    with serve(request.param, TOKEN) as api:
        api.add_zone(ZONE)
        yield Provider(api)


def actions(result):
    return [record["action"] for record in result["records"]]


def test_create_no_op_change_and_remove(provider):
    records = [{"name": "hub", "type": "A", "values": ["198.51.100.11"]}, {"name": "hub", "type": "AAAA", "values": ["2001:db8::11"]}]
    assert actions(provider.ensure(records=records)) == ["create", "create"]
    writes = len(provider.api.writes())
    again = provider.ensure(records=records)
    assert (again["changed"], actions(again), len(provider.api.writes())) == (False, ["none", "none"], writes)
    moved = provider.ensure(records=[dict(records[0], values=["198.51.100.31"]), records[1]])
    assert actions(moved) == ["update", "none"]
    assert [record[3] for record in provider.managed() if record[1] == "A"] == ["198.51.100.31"]  # no old address left behind
    assert actions(provider.ensure(name="hub", type="A", state="absent")) == ["delete"]
    assert [record[1] for record in provider.managed()] == ["AAAA"]


def test_check_mode_reads_and_writes_nothing(provider):
    provider.api.add_record(ZONE, "hub", "A", "198.51.100.11", TTL)
    result = provider.ensure(check_mode=True, name="hub", type="A", values=["198.51.100.31"])
    assert (result["changed"], provider.api.writes()) == (True, [])
    assert result["diff"][0]["before"] == "hub.example.test. 3600 IN A 198.51.100.11\n"
    assert result["diff"][0]["after"] == "hub.example.test. 3600 IN A 198.51.100.31\n"


def test_a_set_of_several_values_ends_with_exactly_those(provider):
    provider.api.add_record(ZONE, "pool", "A", ["198.51.100.1", "198.51.100.2", "198.51.100.3"], TTL)
    provider.ensure(name="pool", type="A", values=["198.51.100.3", "198.51.100.4"])
    assert sorted(record[3] for record in provider.managed()) == ["198.51.100.3", "198.51.100.4"]
    assert provider.ensure(name="pool", type="A", values=["198.51.100.4", "198.51.100.3"])["changed"] is False


def test_ipv6_written_long_by_hand_matches_its_short_form(provider):
    provider.api.add_record(ZONE, "v6", "AAAA", "2001:0db8:0000:0000:0000:0000:0000:0011", TTL)
    assert provider.ensure(name="v6", type="AAAA", values=["2001:DB8::11"])["changed"] is False


def test_txt_cname_idn_and_apex_round_trip(provider):
    records = [
        {"name": "@", "type": "TXT", "values": ["v=spf1 -all", "x" * 300]},
        {"name": "www", "type": "CNAME", "values": ["hub.example.test."]},
        {"name": "bücher", "type": "A", "values": ["198.51.100.7"]},
    ]
    assert actions(provider.ensure(records=records)) == ["create", "create", "create"]
    assert provider.ensure(records=records)["changed"] is False
    assert "xn--bcher-kva.example.test" in [record[0] for record in provider.managed()]


def test_records_of_other_names_and_types_are_left_alone(provider):
    provider.api.add_record(ZONE, "other", "A", "198.51.100.50", TTL)
    provider.api.add_record(ZONE, "hub", "TXT", '"kept"', TTL)
    provider.ensure(name="hub", type="A", values=["198.51.100.11"])
    names = {(record[0], record[1]) for record in provider.managed()}
    assert {("other.example.test", "A"), ("hub.example.test", "TXT"), ("hub.example.test", "A")} <= names


def test_many_records_over_small_pages(provider):
    provider.api.page_size = 2
    for index in range(7):
        provider.api.add_record(ZONE, "host%d" % index, "A", "198.51.100.%d" % (index + 1), TTL)
    records = [{"name": "host%d" % index, "type": "A", "values": ["198.51.100.%d" % (index + 1)]} for index in range(7)]
    records[6]["values"] = ["198.51.100.99"]
    assert actions(provider.ensure(records=records)) == ["none"] * 6 + ["update"]


def test_429_is_waited_out_for_as_long_as_retry_after_says(provider):
    provider.api.fail_next(1, 429, retry_after=7)
    provider.api.fail_next(1, 429, method="GET", retry_after=2)
    assert provider.ensure(name="hub", type="A", values=["198.51.100.11"])["changed"] is True
    assert provider.slept == [7, 2]
    assert [record[3] for record in provider.managed()] == ["198.51.100.11"]


def test_a_long_rate_limit_stops_the_run_with_a_clear_message(provider):
    provider.api.fail_next(1, 429, retry_after=300)
    with pytest.raises(DnsError, match="rate limited for 300 s"):
        provider.ensure(name="hub", type="A", values=["198.51.100.11"])
    assert provider.api.writes() == []


@pytest.mark.parametrize("kind", ["reset", "invalid-json", "html-error"], ids=["reset", "not-json", "proxy-page"])
def test_a_read_that_fails_once_is_retried(provider, kind):
    if kind == "html-error":
        provider.api.fail_next(1, 502, method="GET")
    else:
        provider.api.rude_next(1, kind, method="GET")
    if kind == "invalid-json":
        # A 200 that is not JSON is not a passing fault: the run stops, saying so, and writes nothing.
        with pytest.raises(DnsError, match="not JSON"):
            provider.ensure(name="hub", type="A", values=["198.51.100.11"])
        assert provider.api.writes() == []
        return
    assert provider.ensure(name="hub", type="A", values=["198.51.100.11"])["changed"] is True


def test_server_errors_that_last_stop_the_run_and_change_nothing(provider):
    provider.api.fail_next(10, 503, method="GET")
    with pytest.raises(DnsError, match="answered HTTP 503"):
        provider.ensure(name="hub", type="A", values=["198.51.100.11"])
    assert provider.api.writes() == []


def test_a_write_whose_answer_is_lost_is_not_sent_twice_and_the_next_run_finds_it_done(provider):
    provider.api.rude_next(1, "reset", method="POST" if provider.api.PROVIDER != "desec" else "PATCH", processed=True)
    with pytest.raises(DnsError, match="no answer to"):
        provider.ensure(name="hub", type="A", values=["198.51.100.11"])
    assert len(provider.api.writes()) == 1
    assert provider.ensure(name="hub", type="A", values=["198.51.100.11"])["changed"] is False


@pytest.mark.parametrize(
    ("token", "message"),
    [("WrongTokenForTests0123456789abcdefghijkl", "api_token: "), (SCOPED_TOKEN, "")],
    ids=["unknown-token", "token-for-another-zone"],
)
def test_refused_tokens_name_the_option_and_never_show_the_token(provider, token, message):
    provider.api.add_token(SCOPED_TOKEN, zones=["elsewhere.test"])
    with pytest.raises(DnsError) as raised:
        provider.ensure(token=token, name="hub", type="A", values=["198.51.100.11"])
    text = str(raised.value)
    assert text.startswith(message) and (text.startswith("api_token: ") or text.startswith("zone: "))
    assert token not in text and TOKEN not in text
    assert provider.managed() == []  # deSEC lets such a token read, and refuses its write


def test_a_zone_the_token_does_not_have(provider):
    with pytest.raises(DnsError, match=r"^zone: .*nowhere\.test"):
        provider.ensure(zone="nowhere.test", name="hub", type="A", values=["198.51.100.11"])
    assert provider.api.writes() == []


def test_a_cname_beside_existing_records_is_refused_before_writing(provider):
    provider.api.add_record(ZONE, "www", "A", "198.51.100.5", TTL)
    with pytest.raises(DnsError, match=r"records\[0\]\.type: www\.example\.test already has A records on the server"):
        provider.ensure(records=[{"name": "www", "type": "CNAME", "values": ["hub.example.test."]}])
    assert provider.api.writes() == []
    replaced = provider.ensure(records=[{"name": "www", "type": "CNAME", "values": ["hub.example.test."]},
                                        {"name": "www", "type": "A", "state": "absent"}])
    assert actions(replaced) == ["create", "delete"]
    assert [(record[1], record[3].rstrip(".")) for record in provider.managed() if record[0] == "www.example.test"] == [
        ("CNAME", "hub.example.test")]


def test_zone_must_be_given_for_an_api():
    with serve("cloudflare", TOKEN) as api:
        with pytest.raises(DnsError, match="zone: give the zone; only the rfc2136 provider finds it"):
            ensure({"provider": "cloudflare", "api_token": TOKEN, "api_url": api.url, "name": "hub.example.test.", "type": "A",
                    "values": ["198.51.100.1"], "ttl": TTL, "state": "present"})
        assert api.requests == []


@pytest.mark.parametrize(
    ("provider_name", "ttl", "message"),
    [
        ("cloudflare", 30, "ttl: Cloudflare takes 1 (automatic) or 60 to 86400 seconds, not 30"),
        ("cloudflare", 90000, "ttl: Cloudflare takes 1 (automatic) or 60 to 86400 seconds, not 90000"),
        ("desec", 60, "ttl: deSEC takes 3600 to 86400 seconds for example.test (its minimum_ttl), not 60"),
    ],
    ids=["cloudflare-below-60", "cloudflare-above-a-day", "desec-below-minimum"],
)
def test_provider_ttl_limits_are_refused_before_writing(provider_name, ttl, message):
    with serve(provider_name, TOKEN) as api:
        api.add_zone(ZONE)
        with pytest.raises(DnsError) as raised:
            ensure({"provider": provider_name, "zone": ZONE, "api_token": TOKEN, "api_url": api.url, "ttl": ttl, "state": "present",
                    "name": "hub", "type": "A", "values": ["198.51.100.1"]}, environ={})
        assert str(raised.value) == message
        assert api.writes() == []


def test_desec_writes_one_bulk_call_per_run():
    with serve("desec", TOKEN) as api:
        api.add_zone(ZONE)
        provider = Provider(api)
        records = [{"name": "h%d" % index, "type": "A", "values": ["198.51.100.%d" % index]} for index in range(1, 6)]
        provider.ensure(records=records)
        assert [(request.method, request.path) for request in api.writes()] == [("PATCH", "/api/v1/domains/example.test/rrsets/")]
