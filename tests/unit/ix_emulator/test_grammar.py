# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The token-pattern matcher and the vocabulary tables of the IX emulator."""

from __future__ import annotations

import re

import pytest

from ansible_collections.multisite.vpn.ix_emulator import grammar
from ansible_collections.multisite.vpn.ix_emulator.grammar import Match, Rejection, Rule

ROUTE = (Rule("ip route {default|<ipv4-prefix>} {<interface>|<ipv4>} [distance <1-255>]"),)
USER = (Rule("username <name> password {plain <secret>|hash <hash>} [administrator]"),)


@pytest.mark.parametrize(
    ("rules", "line", "expected"),
    [
        (ROUTE, "ip route default Tunnel0.0", "match"),
        (ROUTE, "ip route 10.0.0.0/8 192.0.2.1 distance 255", "match"),
        (ROUTE, "ip route default Tunnel0.0 distance 256", "invalid:256"),
        (ROUTE, "ip route default Tunnel0.0 distance", "incomplete"),
        (ROUTE, "ip route default", "incomplete"),
        (ROUTE, "ip rout default Tunnel0.0", "invalid:rout"),
        (ROUTE, "ip route default Tunnel0.0 extra", "invalid:extra"),
        (ROUTE, "ip route 10.0.0.256/8 Tunnel0.0", "invalid:10.0.0.256/8"),
        (ROUTE, "ip route default GigaEthernet0", "invalid:GigaEthernet0"),
        (ROUTE, "IP route default Tunnel0.0", "invalid:IP"),
        (USER, "username admin password plain secret administrator", "match"),
        (USER, "username admin password hash 0123456789ABCDEF0123456789ABCDEF", "match"),
        (USER, "username admin password hash 0C34240482 administrator", "match"),
        (USER, "username admin password hash 0c34240482", "invalid:0c34240482"),
        (USER, "username admin password hash not-a-digest", "invalid:not-a-digest"),
        (USER, "username admin password", "incomplete"),
    ],
    ids=[
        "default-route", "prefix-route-with-distance", "distance-out-of-range", "distance-without-value",
        "route-without-interface", "typo-in-keyword", "trailing-word", "bad-address", "port-without-sub-interface",
        "keywords-are-case-sensitive", "user-plain", "user-hash", "user-short-hash", "user-lower-case-hash", "user-bad-hash",
        "user-incomplete",
    ],
)
def test_resolve(rules, line, expected):
    result = grammar.resolve(rules, grammar.tokenize(line))
    if isinstance(result, Match):
        outcome = "match"
    elif result.incomplete:
        outcome = "incomplete"
    else:
        outcome = f"invalid:{result.token}"
    assert outcome == expected


def test_resolve_reports_which_tokens_filled_placeholders():
    result = grammar.resolve(USER, grammar.tokenize("username admin password plain s3cret"))
    assert result.captured == ((1, "<name>"), (4, "<secret>"))


@pytest.mark.parametrize(
    "pattern",
    ["a {b|c", "a [b", "a b]", "a }"],
    ids=["unclosed-choice", "unclosed-optional", "stray-bracket", "stray-brace"],
)
def test_compile_rejects_unbalanced_patterns(pattern):
    with pytest.raises(ValueError):
        grammar.compile_pattern(pattern)


ALL_RULES = [rule for mode in [grammar.CONFIG, *grammar.SUBMODE_TABLES] for rule in grammar.stored_rules(mode)]
ALL_RULES += list(grammar.CONFIG_COMMANDS) + list(grammar.OPERATION_COMMANDS)


@pytest.mark.parametrize("rule", ALL_RULES, ids=[rule.pattern for rule in ALL_RULES])
def test_every_table_pattern_compiles_and_names_known_parts(rule):
    items = grammar.compile_pattern(rule.pattern)
    assert items
    assert not rule.submode or rule.submode in grammar.SUBMODE_TABLES
    for item in _walk(items):
        if item.kind == "slot":
            assert item.placeholder in grammar.PLACEHOLDERS or re.fullmatch(r"<\d+-\d+>", item.text), item.text
    for item in _walk(items):
        if item.many:
            assert item is items[-1], "a slot of many tokens ends its pattern"


def _walk(items):
    for item in items:
        yield item
        for branch in item.branches:
            yield from _walk(branch)


@pytest.mark.parametrize(
    ("mode", "line", "accepted"),
    [
        (grammar.OPERATION, "configure", True),
        (grammar.OPERATION, "terminal length 0", False),
        (grammar.OPERATION, "show running-config", False),
        (grammar.CONFIG, "terminal length 0", True),
        (grammar.CONFIG, "local-authentication psk id keyid x", False),
        ("interface", "ip route default Tunnel0.0", False),
        ("interface", "watch-group map-e 10", True),
        ("interface", "show running-config", True),
        ("ikev2-default-profile", "local-authentication psk id keyid x", True),
    ],
    ids=[
        "configure-in-operation", "terminal-in-operation", "show-in-operation", "terminal-in-config",
        "sub-mode-line-in-global", "global-setting-in-sub-mode", "block-header-in-sub-mode",
        "show-in-sub-mode", "sub-mode-line-in-its-mode",
    ],
)
def test_rules_for_mode(mode, line, accepted):
    result = grammar.resolve(grammar.rules_for(mode), grammar.tokenize(line))
    assert isinstance(result, Match) is accepted
    assert isinstance(result, Rejection) is not accepted


@pytest.mark.parametrize(
    ("name", "accepted"),
    [
        ("GigaEthernet0.0", True), ("GigaEthernet2.1", True), ("FastEthernet0/0.1", True), ("FastEthernet0.0", True),
        ("BRI1/0.0", True), ("BRI0.0", True), ("USB-Serial0.0", True), ("BVI1", True), ("Tunnel11.0", True),
        ("Loopback0.0", True), ("Null1.0", True),
        ("GigaEthernet0", False), ("Tunnel0", False), ("BVI1.0", False), ("Ethernet0.0", False), ("gigaethernet0.0", False),
    ],
    ids=str,
)
def test_interface_names_of_every_ix_model(name, accepted):
    interface = grammar.Item("slot", "<interface>")
    assert interface.accepts(name) is accepted


@pytest.mark.parametrize(
    ("line", "captured_tokens"),
    [
        ("description // LAN10", 2),
        ("description test", 1),
    ],
    ids=["two-words", "one-word"],
)
def test_free_text_takes_the_rest_of_the_line(line, captured_tokens):
    result = grammar.resolve(grammar.stored_rules("interface"), grammar.tokenize(line))
    assert isinstance(result, Match)
    assert len(result.captured) == captured_tokens


def test_free_text_needs_at_least_one_word():
    assert grammar.resolve(grammar.stored_rules("interface"), grammar.tokenize("description")) == Rejection(True, "")


def test_many_tokens_each_match_the_placeholder():
    rules = grammar.stored_rules("ikev2-profile")
    assert isinstance(grammar.resolve(rules, grammar.tokenize("sa-proposal enc aes-gcm-256-16 aes-cbc-256")), Match)
    assert grammar.resolve(rules, grammar.tokenize("sa-proposal enc aes-cbc-256 rot13")) == Rejection(False, "rot13")


def test_nested_modes_know_their_enclosing_modes():
    assert grammar.enclosing_modes("bgp-address-family") == ("bgp", grammar.CONFIG)
    assert grammar.enclosing_modes("interface") == (grammar.CONFIG,)
    assert grammar.enclosing_modes(grammar.CONFIG) == ()


@pytest.mark.parametrize(
    ("mode", "line", "accepted"),
    [
        ("bgp", "address-family ipv4 unicast", True),
        ("bgp-address-family", "network 192.0.2.0/24", True),
        ("bgp-address-family", "address-family ipv6 unicast", True),
        ("bgp-address-family", "interface Tunnel0.0", True),
        ("bgp-address-family", "neighbor 192.0.2.1 remote-as 1", False),
        (grammar.CONFIG, "address-family ipv4 unicast", False),
        ("interface", "address-family ipv4 unicast", False),
    ],
    ids=[
        "nested-header-in-its-mode", "line-in-nested-mode", "sibling-header-from-nested-mode", "global-header-from-nested-mode",
        "outer-setting-in-nested-mode", "nested-header-in-global-mode", "nested-header-in-other-mode",
    ],
)
def test_rules_for_nested_modes(mode, line, accepted):
    assert isinstance(grammar.resolve(grammar.rules_for(mode), grammar.tokenize(line)), Match) is accepted
