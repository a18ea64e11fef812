# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading IX configurations and computing the commands between two of them; the end-to-end cases
apply the commands to the IX emulator (a separate implementation of the device's grammar)."""

from __future__ import annotations

import pytest

from ansible_collections.multisite.vpn.plugins.plugin_utils.ix_config import (
    Entry,
    IxConfigError,
    compute_commands,
    mask_plain_secrets,
    order_like,
    parse_config,
    redact,
    render_config,
    scrub,
    secret_identity,
    secret_values,
    touched_entries,
)
from ansible_collections.multisite.vpn.ix_emulator import Device
from ansible_collections.multisite.vpn.tests.data.ix import KAGAWA, MANAGEMENT, TOKYO


def block(line, *children):
    """A block whose lines are all leaves (nested blocks are built with block() inside)."""
    return Entry(line, tuple(child if isinstance(child, Entry) else Entry(child) for child in children))


RUNNING = (
    "! NEC Portable Internetwork Core Operating System Software\r\n"
    "! Current time May 26-Sun-2024 16:08:00 JST\r\n"
    "!\r\n"
    "hostname ix2215-tokyo\r\n"
    "!\r\n"
    "username admin password hash 0123456789ABCDEF0123456789ABCDEF administrator\r\n"
    "ip access-list web permit tcp src any sport any dest any dport eq 80\r\n"
    "ip access-list web permit tcp src any sport any dest any dport eq 443\r\n"
    "!\r\n"
    "interface GigaEthernet2.0\r\n"
    "  ip address 192.168.1.1/24\r\n"
    "  ip filter web 1 in\r\n"
    "  no shutdown\r\n"
    "!\r\n"
    "interface Tunnel1.0\r\n"
    "  no ip address\r\n"
    "  shutdown\r\n"
    "!\r\n"
)


def test_parse_reads_global_lines_and_blocks_skipping_bangs_and_header():
    assert parse_config(RUNNING) == [
        Entry("hostname ix2215-tokyo"),
        Entry("username admin password hash 0123456789ABCDEF0123456789ABCDEF administrator"),
        Entry("ip access-list web permit tcp src any sport any dest any dport eq 80"),
        Entry("ip access-list web permit tcp src any sport any dest any dport eq 443"),
        block("interface GigaEthernet2.0", "ip address 192.168.1.1/24", "ip filter web 1 in", "no shutdown"),
        block("interface Tunnel1.0", "no ip address", "shutdown"),
    ]


@pytest.mark.parametrize(
    ("text", "entries"),
    [
        pytest.param(
            "interface Tunnel0.0\n  no ip address\n!\nip route default Tunnel0.0\ninterface Tunnel0.0\n  ip address map-e\n",
            [block("interface Tunnel0.0", "ip address map-e"), Entry("ip route default Tunnel0.0")],
            id="later-fragment-continues-the-block-and-overrides-its-negation",
        ),
        pytest.param(
            "interface Tunnel0.0\n  shutdown\n  no shutdown\n  no shutdown\n",
            [block("interface Tunnel0.0", "no shutdown")],
            id="negation-replaces-and-repeats-collapse",
        ),
        pytest.param(
            "interface Tunnel0.0\n  ip filter a 1 in\n  ip filter b 2 in\n",
            [block("interface Tunnel0.0", "ip filter a 1 in", "ip filter b 2 in")],
            id="different-lines-stay",
        ),
    ],
)
def test_parse_merges_fragments_as_typed(text, entries):
    assert parse_config(text) == entries


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("  ip address 10.0.0.1/24\n", "intended, line 1: 'ip address 10.0.0.1/24' is indented", id="first-line"),
        pytest.param("!\n\n   no shutdown\ninterface Tunnel0.0\n", "intended, line 3: 'no shutdown' is indented", id="after-bangs"),
        pytest.param("interface Tunnel0.0\n\tno shutdown\n", "intended, line 2: 'no shutdown' contains a tab", id="tab"),
        pytest.param("interface Tunnel0.0\n  no shutdown\n  exit\n", "intended, line 3: 'exit' is a session command", id="exit"),
    ],
)
def test_indented_line_without_parent_is_named(text, message):
    with pytest.raises(IxConfigError, match=message):
        parse_config(text, "intended")


@pytest.mark.parametrize(
    ("line", "identity"),
    [
        ("username admin password plain s3cret administrator", "username admin password ******** administrator"),
        ("username admin password hash 0123ABCD administrator", "username admin password ******** administrator"),
        ("nm account fetburner password plain s3cret", "nm account fetburner password ********"),
        ("ikev2 authentication psk id keyid tokyo key char s3cret", "ikev2 authentication psk id keyid tokyo key ********"),
        ("ikev2 authentication psk id keyid tokyo key secret 0123ABCD", "ikev2 authentication psk id keyid tokyo key ********"),
        ("authentication password user@example.com s3cret", "authentication password user@example.com ********"),
        ("authentication password user@example.com hash 0123ABCD", "authentication password user@example.com ********"),
        ("ip address 192.168.1.1/24", None),
    ],
)
def test_secret_lines_compare_without_their_secret(line, identity):
    assert secret_identity(line) == identity
    assert redact(line) == (identity or line)
    assert "s3cret" not in redact(line)


def commands(intended, **options):
    return compute_commands(parse_config(RUNNING), parse_config(intended), **options)


@pytest.mark.parametrize(
    ("intended", "options", "expected"),
    [
        pytest.param(RUNNING, {}, [], id="same-config"),
        pytest.param("hostname ix2215-tokyo\n", {}, [], id="partial-config-removes-nothing"),
        pytest.param("proxy-dns ip enable\n", {}, ["proxy-dns ip enable"], id="new-global-line"),
        pytest.param(
            "username admin password plain new-password administrator\n", {}, [], id="secret-present-is-not-resent",
        ),
        pytest.param(
            "username admin password plain new-password administrator\n", {"update_secrets": True},
            ["username admin password plain new-password administrator"], id="update-secrets",
        ),
        pytest.param(
            "username admin password plain p operator\n", {}, ["username admin password plain p operator"], id="secret-line-other-role",
        ),
        pytest.param(
            "interface Tunnel9.0\n  ip unnumbered GigaEthernet2.0\n  no shutdown\n", {},
            ["interface Tunnel9.0", "ip unnumbered GigaEthernet2.0", "no shutdown", "exit"], id="new-block",
        ),
        pytest.param(
            "interface GigaEthernet2.0\n  ip address 192.168.2.1/24\n  ip filter web 1 in\n  no shutdown\n", {},
            ["interface GigaEthernet2.0", "no ip address 192.168.1.1/24", "ip address 192.168.2.1/24", "exit"], id="changed-address",
        ),
        pytest.param(
            "interface GigaEthernet2.0\n  ip address 192.168.1.1/24\n  no shutdown\n", {},
            ["interface GigaEthernet2.0", "no ip filter web 1 in", "exit"], id="authoritative-block-removes",
        ),
        pytest.param(
            "interface GigaEthernet2.0\n  ip address 192.168.1.1/24\n  no shutdown\n", {"authoritative": lambda header: False},
            [], id="merged-block-keeps",
        ),
        pytest.param(
            "interface Tunnel1.0\n  ip unnumbered GigaEthernet2.0\n  no shutdown\n", {},
            ["interface Tunnel1.0", "ip unnumbered GigaEthernet2.0", "no shutdown", "exit"], id="defaults-are-replaced-not-negated",
        ),
        pytest.param(
            "ip access-list web permit tcp src any sport any dest any dport eq 443\n"
            "ip access-list web permit tcp src any sport any dest any dport eq 80\n", {},
            [
                "no ip access-list web permit tcp src any sport any dest any dport eq 80",
                "no ip access-list web permit tcp src any sport any dest any dport eq 443",
                "ip access-list web permit tcp src any sport any dest any dport eq 443",
                "ip access-list web permit tcp src any sport any dest any dport eq 80",
            ],
            id="access-list-order-rewritten",
        ),
        pytest.param(
            "ip access-list web permit tcp src any sport any dest any dport eq 80\n"
            "ip access-list web permit tcp src any sport any dest any dport eq 443\n", {}, [], id="access-list-same-order",
        ),
    ],
)
def test_commands(intended, options, expected):
    assert commands(intended, **options) == expected


def push(device, intended):
    """Compute the commands from DEVICE's running config and type them into a session; return them."""
    running = parse_config("\n".join(device.running_config_lines()), "running-config")
    sent = compute_commands(running, parse_config(intended, "intended"))
    session = device.open_session()
    session.feed("configure")
    for command in sent:
        output = session.feed(command)
        assert "% " not in output, (command, output)
    session.close()
    return sent


@pytest.mark.parametrize("seed", [TOKYO, KAGAWA], ids=["tokyo", "kagawa"])
def test_seed_config_onto_a_factory_router_then_nothing_more(seed):
    device = Device()
    intended = seed + MANAGEMENT
    assert push(device, intended)
    assert push(device, intended) == []
    running = {redact(entry.line): entry.children or () for entry in parse_config("\n".join(device.running_config_lines()))}
    for entry in parse_config(intended):
        assert redact(entry.line) in running, entry.line
        held = {redact(child.line) for child in running[redact(entry.line)]}
        assert {redact(child.line) for child in entry.children or ()} <= held, entry.line


def test_tokyo_becomes_kagawa_and_back():
    device = Device.from_running_config(TOKYO + MANAGEMENT)
    assert push(device, KAGAWA + MANAGEMENT)
    assert push(device, KAGAWA + MANAGEMENT) == []
    assert push(device, TOKYO + MANAGEMENT)
    assert push(device, TOKYO + MANAGEMENT) == []


def test_order_like_lists_counterparts_in_the_reference_order_and_keeps_access_list_order():
    running = parse_config(
        "hostname r\n"
        "ip access-list web permit tcp src any sport any dest any dport eq 80\n"
        "ip access-list web permit tcp src any sport any dest any dport eq 443\n"
        "nm account a password hash 0123456789ABCDEF0123456789ABCDEF\n"
        "interface GigaEthernet2.0\n  ip address 10.0.0.1/24\n  no shutdown\n"
    )
    intended = parse_config(
        "interface GigaEthernet2.0\n  no shutdown\n  ip address 10.0.0.1/24\n  ipv6 enable\n"
        "nm account a password plain secret\n"
        "ip route default Tunnel0.0\n"
        "ip access-list web permit tcp src any sport any dest any dport eq 443\n"
        "ip access-list web permit tcp src any sport any dest any dport eq 80\n"
        "hostname r\n"
    )
    assert order_like(running, intended) == [
        Entry("hostname r"),
        # the order of an access-list's entries is what the push changes: kept, where the list was
        Entry("ip access-list web permit tcp src any sport any dest any dport eq 443"),
        Entry("ip access-list web permit tcp src any sport any dest any dport eq 80"),
        Entry("nm account a password plain secret"),  # its counterpart differs by the secret only
        Entry("ip route default Tunnel0.0"),  # new: right after the line it followed
        block("interface GigaEthernet2.0", "ip address 10.0.0.1/24", "ipv6 enable", "no shutdown"),  # after ip address
    ]


BGP = (
    "router bgp 65001\n"
    "  bgp router-id 192.0.2.1\n"
    "  neighbor 192.0.2.254 remote-as 65000\n"
    "  address-family ipv4 unicast\n"
    "    neighbor 192.0.2.254 distribute-list pref-out out\n"
    "    network 192.0.2.0/29\n"
    "!\n"
    "device BRI0\n"
    "  isdn switch-type ntt\n"
    "!\n"
)


def test_blocks_within_blocks_are_read_at_every_depth_and_a_bang_closes_nothing():
    text = BGP.replace("    network 192.0.2.0/29\n", "! a comment at column 0 inside the block\n    network 192.0.2.0/29\n")
    assert parse_config(text) == [
        block(
            "router bgp 65001", "bgp router-id 192.0.2.1", "neighbor 192.0.2.254 remote-as 65000",
            block("address-family ipv4 unicast", "neighbor 192.0.2.254 distribute-list pref-out out", "network 192.0.2.0/29"),
        ),
        block("device BRI0", "isdn switch-type ntt"),
    ]
    assert render_config(parse_config(text)) == (
        "router bgp 65001\n  bgp router-id 192.0.2.1\n  neighbor 192.0.2.254 remote-as 65000\n  address-family ipv4 unicast\n"
        "    neighbor 192.0.2.254 distribute-list pref-out out\n    network 192.0.2.0/29\n!\ndevice BRI0\n  isdn switch-type ntt\n!\n"
    )


@pytest.mark.parametrize(
    ("intended", "expected"),
    [
        pytest.param(
            BGP.replace("    network 192.0.2.0/29\n", "    network 192.0.2.0/29\n    network 198.51.100.0/24\n"),
            ["router bgp 65001", "address-family ipv4 unicast", "network 198.51.100.0/24", "exit", "exit"],
            id="line-added-in-a-nested-block-is-typed-in-that-block",
        ),
        pytest.param(
            BGP.replace("    neighbor 192.0.2.254 distribute-list pref-out out\n", ""),
            ["router bgp 65001", "address-family ipv4 unicast", "no neighbor 192.0.2.254 distribute-list pref-out out", "exit", "exit"],
            id="line-removed-from-a-nested-block",
        ),
        pytest.param(
            BGP.replace("  address-family ipv4 unicast\n    neighbor 192.0.2.254 distribute-list pref-out out\n    network 192.0.2.0/29\n", ""),
            ["router bgp 65001", "no address-family ipv4 unicast", "exit"],
            id="nested-block-removed",
        ),
        pytest.param(
            BGP.replace("  isdn switch-type ntt\n", ""),
            ["device BRI0", "no isdn switch-type ntt", "exit"],
            id="emptied-block-loses-its-only-line",
        ),
        pytest.param(
            "router bgp 65002\n  address-family ipv6 unicast\n    network 2001:db8::/32\n  bgp router-id 192.0.2.2\n",
            ["router bgp 65002", "address-family ipv6 unicast", "network 2001:db8::/32", "exit", "bgp router-id 192.0.2.2", "exit"],
            id="new-block-with-a-sub-block-leaves-each-level",
        ),
    ],
)
def test_nested_commands(intended, expected):
    assert compute_commands(parse_config(BGP), parse_config(intended)) == expected


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("ike policy ike-policy peer 192.0.2.1 key fakepsk-xx ikeprop", "ike policy ike-policy peer 192.0.2.1 key ******** ikeprop"),
        ("ike policy p peer any key my psk mode aggressive ikeprop", "ike policy p peer any key ******** mode aggressive ikeprop"),
        ("ikev2 authentication psk id keyid tokyo key char two words", "ikev2 authentication psk id keyid tokyo key ********"),
        ("username admin password plain pass word administrator", "username admin password ******** administrator"),
        ("nm account a password secret 0123", "nm account a password ********"),
        ("radius-server host 192.0.2.9 key s3cret", "radius-server host 192.0.2.9 key ********"),
        ("snmp-agent ip community s3cret 1", "snmp-agent ip community ******** 1"),
        ("http-server username admin secret-password s3cret", "http-server username admin secret-password ********"),
        # typos: no known shape; masked after the secret's name, or after the words of a command that carries one
        ("ikev2 authentication psk id keyid tokyo key chr s3cret", "ikev2 authentication psk id keyid tokyo key ********"),
        ("ikev2 authentication psk id keyid tokyo kye char s3cret", "ikev2 authentication ********"),
        ("username admin pasword plain s3cret", "username admin ********"),
    ],
)
def test_every_secret_shape_is_masked(line, shown):
    assert redact(line) == shown


def test_secrets_are_scrubbed_from_what_the_router_says():
    intended = parse_config("ikev2 authentication psk id keyid tokyo key char two words\nppp profile p\n  authentication password u pw-in-ppp\n")
    secrets = secret_values(intended)
    said = "% ikev2 authentication psk id keyid tokyo key char two words -- Invalid command.\n% pw-in-ppp -- Invalid command."
    shown = scrub(said, secrets)
    assert "two" not in shown and "words" not in shown and "pw-in-ppp" not in shown


def test_a_single_valued_line_shows_as_replacing_the_old_one():
    running = parse_config("hostname old-name\ntimezone +09 00\nip route default Null0.0\n")
    intended = parse_config("hostname new-name\n")
    assert touched_entries(running, intended) == [Entry("hostname old-name")]


def test_a_backup_keeps_the_routers_hashes_and_masks_what_it_shows_in_plain():
    listing = (
        "username admin password hash 0C34240482 administrator\r\n"
        "ike policy ike-policy peer 192.0.2.1 key fakepsk-xx ikeprop\r\n"
        "ikev2 authentication psk id keyid a key secret 0123ABCD\r\n"
        "ppp profile isp\r\n  authentication password user@isp plain-ppp-secret\r\n"
    )
    assert mask_plain_secrets(listing) == (
        "username admin password hash 0C34240482 administrator\r\n"
        "ike policy ike-policy peer 192.0.2.1 key ******** ikeprop\r\n"
        "ikev2 authentication psk id keyid a key secret 0123ABCD\r\n"
        "ppp profile isp\r\n  authentication password user@isp ********\r\n"
    )
