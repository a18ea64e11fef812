# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the two real servers of tests/dns_servers do with RFC 2136 UPDATEs, and what dnspython makes of their replies.

Each fact is checked against Knot 3.2 and BIND 9.18 (Debian 12); where they differ, the tables say how. Run by path:
`pytest tests/integration/test_dns_servers.py` (pytest.ini's testpaths name only the unit tests).
"""

from __future__ import annotations

import base64
import socket
import time

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import dns.tsig
import dns.update
import pytest

from ansible_collections.multisite.vpn.tests import dns_servers
from ansible_collections.multisite.vpn.tests.dns_servers import programs

SERVER_KINDS = ["knot", "bind"]
# Enough A records at one name that a reply without EDNS (512 bytes at most) cannot hold them.
MANY_ADDRESSES = [f"192.0.2.{host}" for host in range(1, 41)]
RECORDS = ["www 300 IN A 192.0.2.1", "pair 300 IN A 192.0.2.1", "pair 300 IN A 192.0.2.2", *(f"many 300 IN A {address}" for address in MANY_ADDRESSES)]
SELF_KEYS = {"hub1": "hub1-key"}
TIMEOUT = 5


@pytest.fixture(params=SERVER_KINDS)
def server(request):
    with dns_servers.start(request.param, records=RECORDS, self_keys=SELF_KEYS, extra_zones=["other.test."]) as server:
        yield server


def outcome(server: dns_servers.DnsServer, message: dns.message.Message):
    """What dnspython makes of the server's reply: its rcode, or the class of the exception it raises."""
    try:
        return dns.query.tcp(message, server.address, port=server.port, timeout=TIMEOUT).rcode()
    except (dns.tsig.PeerError, dns.exception.FormError) as error:
        return type(error)


def on_the_wire(server: dns_servers.DnsServer, message: dns.message.Message) -> tuple[str, str | None]:
    """The reply's rcode and TSIG error (None: unsigned), read without checking its signature."""
    with socket.create_connection((server.address, server.port), timeout=TIMEOUT) as connection:
        dns.query.send_tcp(connection, message)
        reply, _received_at = dns.query.receive_tcp(connection, time.time() + TIMEOUT, keyring=False)
    tsig_error = None if reply.tsig_error is None else dns.rcode.to_text(reply.tsig_error, tsig=True)
    return dns.rcode.to_text(reply.rcode()), tsig_error


def replace_www(server: dns_servers.DnsServer, key: dns.tsig.Key) -> dns.update.UpdateMessage:
    message = dns.update.UpdateMessage(server.zone, keyring=key)
    message.replace("www", 300, "A", "192.0.2.99")
    return message


def signed_by_self_key(server: dns_servers.DnsServer, owner: str, rdtype: str, value: str) -> dns.update.UpdateMessage:
    message = server.update_message(SELF_KEYS["hub1"])
    message.replace(owner, 300, rdtype, value)
    return message


def test_zone_key_replaces_a_record_set(server):
    message = server.update_message()
    message.replace("www", 600, "A", "192.0.2.7", "192.0.2.8")

    assert outcome(server, message) == dns.rcode.NOERROR
    assert server.rrset("www", "A") == ["192.0.2.7", "192.0.2.8"]
    assert server.ttl("www.example.test.", "A") == 600
    assert server.updates_seen() == 1


def test_self_key_updates_the_addresses_of_its_own_name(server):
    message = server.update_message(SELF_KEYS["hub1"])
    message.replace("hub1", 300, "A", "192.0.2.10")
    message.replace("hub1", 300, "AAAA", "2001:db8::10")

    assert outcome(server, message) == dns.rcode.NOERROR
    assert (server.rrset("hub1", "A"), server.rrset("hub1", "AAAA")) == (["192.0.2.10"], ["2001:db8::10"])


# Knot 3.2 answers an ACL denial NOTAUTH with TSIG error BADKEY, as for an unknown key, so dnspython raises PeerBadKey;
# BIND answers a signed REFUSED, which dnspython returns.
SELF_KEY_REFUSAL = {
    "knot": (dns.tsig.PeerBadKey, ("NOTAUTH", "BADKEY")),
    "bind": (dns.rcode.REFUSED, ("REFUSED", "NOERROR")),
}


@pytest.mark.parametrize(
    ("owner", "rdtype", "value"),
    [("www", "A", "192.0.2.66"), ("hub1", "TXT", "not an address")],
    ids=["another-name", "own-name-other-type"],
)
def test_self_key_is_refused_beyond_its_own_addresses(server, owner, rdtype, value):
    expected_outcome, expected_wire = SELF_KEY_REFUSAL[server.kind]

    assert outcome(server, signed_by_self_key(server, owner, rdtype, value)) == expected_outcome
    assert on_the_wire(server, signed_by_self_key(server, owner, rdtype, value)) == expected_wire
    assert server.rrset("www", "A") == ["192.0.2.1"]
    assert server.rrset("hub1", "TXT") == []


def key_with_wrong_secret(server):
    algorithm, _secret = server.keys[server.zone_key]
    return dns.tsig.Key(server.zone_key, base64.b64encode(b"not the secret").decode(), dns_servers.TSIG_ALGORITHMS[algorithm])


def unknown_key(server):
    algorithm, secret = server.keys[server.zone_key]
    return dns.tsig.Key("no-such-key", secret, dns_servers.TSIG_ALGORITHMS[algorithm])


def key_with_wrong_algorithm(server):
    _algorithm, secret = server.keys[server.zone_key]
    return dns.tsig.Key(server.zone_key, secret, dns.tsig.HMAC_SHA512)


# Both servers answer NOTAUTH with the TSIG error in an unsigned TSIG record; dnspython raises on the error.
@pytest.mark.parametrize(
    ("make_key", "expected_outcome", "expected_wire"),
    [
        (key_with_wrong_secret, dns.tsig.PeerBadSignature, ("NOTAUTH", "BADSIG")),
        (unknown_key, dns.tsig.PeerBadKey, ("NOTAUTH", "BADKEY")),
        (key_with_wrong_algorithm, dns.tsig.PeerBadKey, ("NOTAUTH", "BADKEY")),
    ],
    ids=["wrong-secret", "unknown-key", "wrong-algorithm"],
)
def test_bad_tsig_is_refused(server, make_key, expected_outcome, expected_wire):
    key = make_key(server)

    assert outcome(server, replace_www(server, key)) == expected_outcome
    assert on_the_wire(server, replace_www(server, key)) == expected_wire
    assert server.rrset("www", "A") == ["192.0.2.1"]
    assert server.updates_seen() == 2


# An unsigned UPDATE: no TSIG in the reply either, so dnspython returns the rcode.
UNSIGNED_REFUSAL = {"knot": (dns.rcode.NOTAUTH, ("NOTAUTH", None)), "bind": (dns.rcode.REFUSED, ("REFUSED", None))}


def test_unsigned_update_is_refused(server):
    def unsigned_update():
        message = dns.update.UpdateMessage(server.zone)
        message.replace("www", 300, "A", "192.0.2.99")
        return message

    expected_outcome, expected_wire = UNSIGNED_REFUSAL[server.kind]

    assert outcome(server, unsigned_update()) == expected_outcome
    assert on_the_wire(server, unsigned_update()) == expected_wire
    assert server.rrset("www", "A") == ["192.0.2.1"]


@pytest.mark.parametrize("algorithm", ["hmac-md5", "hmac-sha512"])
@pytest.mark.parametrize("kind", SERVER_KINDS)
def test_zone_key_algorithm_is_selectable(kind, algorithm):
    with dns_servers.start(kind, records=RECORDS, algorithm=algorithm) as server:
        message = server.update_message()
        message.replace("www", 300, "A", "192.0.2.5")

        assert server.keys["ddns-key"][0] == algorithm
        assert outcome(server, message) == dns.rcode.NOERROR
        assert server.rrset("www", "A") == ["192.0.2.5"]


def test_large_reply_is_truncated_over_udp_and_retried_over_tcp(server):
    query = dns.message.make_query("many.example.test.", "A")

    over_udp = dns.query.udp(query, server.address, port=server.port, timeout=TIMEOUT)
    reply, used_tcp = dns.query.udp_with_fallback(query, server.address, port=server.port, timeout=TIMEOUT)

    assert query.edns < 0
    assert over_udp.flags & dns.flags.TC
    assert used_tcp
    assert sorted(rdata.to_text() for rdata in reply.answer[0]) == sorted(MANY_ADDRESSES)


def test_stopped_server_times_out_and_refuses_then_serves_updates_after_restart(server):
    message = server.update_message()
    message.replace("www", 300, "A", "192.0.2.42")
    outcome(server, message)
    port = server.port
    query = dns.message.make_query(server.zone, "SOA")

    server.stop()
    with pytest.raises(dns.exception.Timeout):
        dns.query.udp(query, server.address, port=port, timeout=1)
    with pytest.raises(ConnectionRefusedError):
        dns.query.tcp(query, server.address, port=port, timeout=1)
    server.start()

    assert server.port == port
    assert server.rrset("www", "A") == ["192.0.2.42"]
    assert server.updates_seen() == 1


def test_prerequisites_answer_as_rfc_2136_says(server):
    serial_before = server.rrset("@", "SOA")
    cases = [
        # (prerequisite, rcode): "pair" holds 192.0.2.1 and 192.0.2.2, "www" 192.0.2.1; "nothing" does not exist.
        (lambda message: message.present("pair", "A", "192.0.2.1", "192.0.2.2"), dns.rcode.NOERROR),
        # Value-dependent: the whole rrset must match, a subset does not (RFC 2136 3.2.3).
        (lambda message: message.present("pair", "A", "192.0.2.1"), dns.rcode.NXRRSET),
        (lambda message: message.present("www", "A", "192.0.2.9"), dns.rcode.NXRRSET),
        (lambda message: message.present("www", "AAAA"), dns.rcode.NXRRSET),
        (lambda message: message.absent("www", "A"), dns.rcode.YXRRSET),
        (lambda message: message.absent("www", "AAAA"), dns.rcode.NOERROR),
        (lambda message: message.present("nothing"), dns.rcode.NXDOMAIN),
        (lambda message: message.absent("www"), dns.rcode.YXDOMAIN),
    ]
    outcomes = []
    for add_prerequisite, _rcode in cases:
        message = server.update_message()
        add_prerequisite(message)
        outcomes.append(outcome(server, message))

    assert outcomes == [rcode for _prerequisite, rcode in cases]
    assert server.rrset("@", "SOA") == serial_before
    assert server.updates_seen() == len(cases)


@pytest.mark.parametrize(("name", "rcode"), [("a.b.example.test.", dns.rcode.NXDOMAIN), ("www.example.test.", dns.rcode.NOERROR)])
def test_soa_query_below_the_apex_gets_the_zone_soa_in_authority(server, name, rcode):
    reply = dns.query.udp(dns.message.make_query(name, "SOA"), server.address, port=server.port, timeout=TIMEOUT)

    assert reply.rcode() == rcode
    assert reply.flags & dns.flags.AA
    assert reply.answer == []
    assert [(rrset.name.to_text(), rrset.rdtype) for rrset in reply.authority] == [("example.test.", dns.rdatatype.SOA)]


def test_punycode_owner_can_be_added_and_read_back(server):
    message = server.update_message()
    # dnspython turns a non-ASCII name into its IDNA (punycode) form.
    message.add("bücher", 300, "A", "192.0.2.77")

    assert outcome(server, message) == dns.rcode.NOERROR
    assert server.rrset("xn--bcher-kva", "A") == ["192.0.2.77"]
    assert server.rrset("xn--bcher-kva.example.test.", "A") == ["192.0.2.77"]


def test_extra_zone_takes_updates_with_the_same_keys(server):
    by_zone_key = server.update_message(zone="other.test.")
    by_zone_key.add("www", 300, "A", "192.0.2.30")
    by_self_key = server.update_message(SELF_KEYS["hub1"], zone="other.test.")
    by_self_key.replace("hub1", 300, "A", "192.0.2.31")

    assert (outcome(server, by_zone_key), outcome(server, by_self_key)) == (dns.rcode.NOERROR, dns.rcode.NOERROR)
    assert (server.rrset("www.other.test.", "A"), server.rrset("hub1.other.test.", "A")) == (["192.0.2.30"], ["192.0.2.31"])


# An UPDATE for a zone the server does not serve: Knot answers NOTAUTH unsigned (no zone, so no key check), which the
# virtualenv's dnspython 2.9.2 rejects ("response requires a TSIG but does not have one"; 2.8.0 returned it);
# BIND signs its NOTAUTH.
FOREIGN_ZONE_UPDATE = {
    "knot": (dns.exception.FormError, ("NOTAUTH", None)),
    "bind": (dns.rcode.NOTAUTH, ("NOTAUTH", "NOERROR")),
}


def test_zone_not_served_is_refused_for_queries_and_notauth_for_updates(server):
    def foreign_update():
        message = server.update_message(zone="elsewhere.test.")
        message.replace("www", 300, "A", "192.0.2.50")
        return message

    soa_reply = dns.query.udp(dns.message.make_query("elsewhere.test.", "SOA"), server.address, port=server.port, timeout=TIMEOUT)
    expected_outcome, expected_wire = FOREIGN_ZONE_UPDATE[server.kind]

    assert soa_reply.rcode() == dns.rcode.REFUSED
    assert not soa_reply.flags & dns.flags.AA
    assert outcome(server, foreign_update()) == expected_outcome
    assert on_the_wire(server, foreign_update()) == expected_wire
    assert server.updates_seen() == 2


def test_record_outside_the_update_zone_is_notzone(server):
    message = server.update_message()
    message.add(dns.name.from_text("www.other.test."), 300, "A", "192.0.2.60")

    assert outcome(server, message) == dns.rcode.NOTZONE
    assert server.rrset("www.other.test.", "A") == []


@pytest.mark.parametrize(("kind", "program", "package"), [("knot", "knotd", "knot"), ("bind", "named", "bind9")])
def test_missing_server_names_its_debian_package(kind, program, package, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(programs, "SYSTEM_DIRECTORIES", ())

    with pytest.raises(dns_servers.ProgramMissing, match=f"^{program} not found: install the Debian package {package} "):
        with dns_servers.start(kind):
            pass
