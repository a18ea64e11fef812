# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Loading and rendering the running configuration of the IX emulator: layout, nesting, order, fixed point, secrets, carried lines."""

from __future__ import annotations

import datetime
import re

import pytest

from ansible_collections.multisite.vpn.ix_emulator import ConfigError, ConfigTree, Device, grammar, secret_digest
from ansible_collections.multisite.vpn.tests.data.ix import EXPECTED_TOKYO_BODY, KAGAWA, SECRETS, TOKYO, config_body, running_body

SEEDS = {"tokyo": TOKYO, "kagawa": KAGAWA}
FROZEN = datetime.datetime(2024, 5, 26, 16, 8, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=9)))
HEADER_PATTERNS = (
    r"! NEC Portable Internetwork Core Operating System Software",
    r"! IX Series IX2215 \(magellan-sec\) Software, Version [\d.]+, RELEASE SOFTWARE",
    r"! Compiled .+",
    r"! Current time [A-Z][a-z]{2} \d\d-[A-Z][a-z]{2}-\d{4} \d\d:\d\d:\d\d JST",
    r"!",
)
# Block headers in the order the router lists them for the Kagawa configuration.
KAGAWA_BLOCK_ORDER = [
    "ip router ospf 1",
    "ikev2 default-profile",
    "watch-group map-e 10",
    "ip dhcp profile dhcpv4-server",
    "ipv6 dhcp client-profile dhcpv6-client",
    "ipv6 dhcp server-profile dhcpv6-server",
    "ppp profile flets-v4",
    "interface GigaEthernet0.0",
    "interface GigaEthernet0.1",
    "interface GigaEthernet1.0",
    "interface GigaEthernet2.0",
    "interface Loopback0.0",
    "interface Null0.0",
    "interface Tunnel0.0",
    "interface Tunnel1.0",
    "interface Tunnel2.0",
]


def listing(text: str) -> list[str]:
    return Device.from_running_config(text, clock=lambda: FROZEN).running_config_lines()


def test_tokyo_renders_in_the_device_layout():
    assert listing(TOKYO)[len(HEADER_PATTERNS):] == EXPECTED_TOKYO_BODY.splitlines()


@pytest.mark.parametrize("seed", SEEDS.values(), ids=SEEDS.keys())
def test_header_is_four_comment_lines_and_a_bang(seed):
    lines = listing(seed)
    for pattern, line in zip(HEADER_PATTERNS, lines):
        assert re.fullmatch(pattern, line), line
    assert lines[3] == "! Current time May 26-Sun-2024 16:08:00 JST"


def test_blocks_are_listed_in_device_order():
    lines = listing(KAGAWA)
    headers = [line for line, following in zip(lines, lines[1:]) if not line.startswith(" ") and following.startswith("  ")]
    assert headers == KAGAWA_BLOCK_ORDER


@pytest.mark.parametrize("seed", SEEDS.values(), ids=SEEDS.keys())
def test_every_block_body_is_indented_two_spaces_and_closed_by_bang(seed):
    lines = listing(seed)
    for index, line in enumerate(lines):
        if line.startswith(" "):
            assert re.match(r"  \S", line), line
            following = lines[index + 1]
            assert following.startswith("  ") or following == "!", following


@pytest.mark.parametrize("seed", SEEDS.values(), ids=SEEDS.keys())
def test_load_render_load_is_a_fixed_point(seed):
    first = listing(seed)
    second = listing("\n".join(first))
    assert second == first
    assert first.count("!") > 10


@pytest.mark.parametrize("seed", SEEDS.values(), ids=SEEDS.keys())
def test_secrets_are_never_listed_in_plain_text(seed):
    text = "\n".join(listing(seed))
    for secret in SECRETS:
        assert secret not in text
    assert f"password hash {secret_digest('password-fetburner')}" in text
    assert f"key secret {secret_digest('ix2215-tokyo-psk')}" in text


@pytest.mark.parametrize(
    ("line", "stored"),
    [
        ("username u password plain p1 administrator", f"username u password hash {secret_digest('p1')} administrator"),
        ("nm account acct password plain p2", f"nm account acct password hash {secret_digest('p2')}"),
        ("ikev2 authentication psk id keyid k key char p3", f"ikev2 authentication psk id keyid k key secret {secret_digest('p3')}"),
        ("ikev2 authentication psk id keyid k key hex 0a0b", f"ikev2 authentication psk id keyid k key secret {secret_digest('0a0b')}"),
    ],
    ids=["username", "netmeister-account", "ikev2-psk-char", "ikev2-psk-hex"],
)
def test_global_secrets_are_stored_as_digests(line, stored):
    tree = ConfigTree.parse(line)
    assert [entry.text for entry in tree.lines] == [stored]


@pytest.mark.parametrize(
    ("line", "stored"),
    [
        ("ike policy p peer 192.0.2.1 key psk-1 mode aggressive prop", f"ike policy p peer 192.0.2.1 key hash {secret_digest('psk-1')} mode aggressive prop"),
        ("ike policy p peer any key psk-2 prop", f"ike policy p peer any key hash {secret_digest('psk-2')} prop"),
        ("snmp-agent ip community community-3 read-only acl", f"snmp-agent ip community hash {secret_digest('community-3')} read-only acl"),
        ("snmp-agent ip host 192.0.2.9 community-4 version 2", f"snmp-agent ip host 192.0.2.9 hash {secret_digest('community-4')} version 2"),
        ("radius host ip 192.0.2.7 auth-port 1812 key radius-5", f"radius host ip 192.0.2.7 auth-port 1812 key hash {secret_digest('radius-5')}"),
        ("radius host ip 192.0.2.7 key 0 radius-6", f"radius host ip 192.0.2.7 key hash {secret_digest('radius-6')}"),
    ],
    ids=["ike-policy-aggressive", "ike-policy-any-peer", "snmp-community", "snmp-trap-host", "radius-key", "radius-key-type-0"],
)
def test_plain_secrets_of_ike_snmp_and_radius_are_concealed_and_load_back(line, stored):
    tree = ConfigTree.parse(line)
    assert [entry.text for entry in tree.lines] == [stored]
    assert [entry.text for entry in ConfigTree.parse(stored).lines] == [stored]


def test_ppp_password_is_stored_as_digest():
    tree = ConfigTree.parse("ppp profile isp\n  authentication password user p4\n")
    assert [line.text for line in tree.blocks["ppp profile isp"].lines] == [f"authentication password user hash {secret_digest('p4')}"]


@pytest.mark.parametrize(
    ("left", "right", "equal"),
    [("same", "same", True), ("one", "two", False), ("abc", "abd", False)],
    ids=["equal-secrets", "different-secrets", "one-letter-apart"],
)
def test_secret_digest_is_deterministic_and_distinguishing(left, right, equal):
    assert (secret_digest(left) == secret_digest(right)) is equal
    assert re.fullmatch(r"[0-9A-F]{32}", secret_digest(left))


@pytest.mark.parametrize(
    ("text", "message", "line_number", "line"),
    [
        ("  ip address 192.168.0.1/24\n", "line 1: 'ip address 192.168.0.1/24' is indented but no block is open", 1, "ip address 192.168.0.1/24"),
        ("interface Tunnel0.0\n  ip adress map-e\n",
         "line 2: 'ip adress map-e' is not a line the emulator knows (in 'interface Tunnel0.0')", 2, "ip adress map-e"),
        ("!\nip route\n", "line 2: 'ip route' is incomplete", 2, "ip route"),
        ("timezone +09 00\ntimezone +9\n", "line 2: 'timezone +9' is not a line the emulator knows", 2, "timezone +9"),
        ("hostname ix2215-tokyo\nip route default Tunnel0.0\n  no shutdown\n", "line 3: 'no shutdown' is indented but no block is open", 3, "no shutdown"),
        ("interface Tunnel0.0\n  no shutdown\n    ip napt enable\n", "line 3: 'ip napt enable' is indented deeper than any open block", 3, "ip napt enable"),
        ("router bgp 1\n    neighbor 192.0.2.1 remote-as 2\n  address-family ipv4 unicast\n",
         "line 3: 'address-family ipv4 unicast' is indented less than the lines of its block", 3, "address-family ipv4 unicast"),
        ("router bgp 1\n  address-family ipv4 unicast\n  network 192.0.2.0/24\n",
         "line 3: 'network 192.0.2.0/24' is not a line the emulator knows (in 'router bgp 1')", 3, "network 192.0.2.0/24"),
        ("interface Tunnel0.0\n  interface Tunnel1.0\n", "line 2: 'interface Tunnel1.0' is not a line the emulator knows", 2, "interface Tunnel1.0"),
        ("exit\n", "line 1: 'exit' is not a line the emulator knows", 1, "exit"),
    ],
    ids=[
        "indented-first", "typo-in-block", "incomplete-global", "unknown-global", "indented-after-global", "deeper-than-any-block",
        "between-two-levels", "nested-line-at-outer-level", "global-header-indented", "session-command",
    ],
)
def test_parse_names_the_first_line_it_rejects(text, message, line_number, line):
    with pytest.raises(ConfigError, match=re.escape(message)) as raised:
        ConfigTree.parse(text)
    assert (raised.value.line_number, raised.value.line) == (line_number, line)


@pytest.mark.parametrize(
    "bang",
    ["!", "  !", "!       ", "! a comment", "    ! a comment"],
    ids=["column-0", "indented", "pager-spaces", "comment", "indented-comment"],
)
def test_a_bang_line_closes_no_block(bang):
    """The indentation of the next line decides where it belongs (`!` inside a sub-mode does not leave it)."""
    tree = ConfigTree.parse(f"router bgp 1\n  address-family ipv4 unicast\n{bang}\n    network 192.0.2.0/24\n{bang}\n  "
                            f"neighbor 192.0.2.1 remote-as 2\n{bang}\ninterface Tunnel0.0\n{bang}\n  no shutdown\n")
    bgp = tree.blocks["router bgp 1"]
    assert [line.text for line in bgp.blocks["address-family ipv4 unicast"].lines] == ["network 192.0.2.0/24"]
    assert [line.text for line in bgp.lines] == ["neighbor 192.0.2.1 remote-as 2"]
    assert [line.text for line in tree.blocks["interface Tunnel0.0"].lines] == ["no shutdown"]


NESTED = """\
router bgp 64512
  neighbor 192.0.2.254 remote-as 59105
  address-family ipv4 unicast
    neighbor 192.0.2.254 distribute-list pref-out out
    network 192.0.2.0/29
  address-family ipv6 unicast
    network 2001:db8::/32
!
"""


def test_nested_blocks_indent_two_more_spaces_per_level_and_close_once():
    body = ConfigTree.parse(NESTED).render(())
    assert body[:body.index("interface GigaEthernet0.0")] == NESTED.splitlines()


@pytest.mark.parametrize(
    "text",
    [
        NESTED,
        NESTED.replace("  ", "    "),
        NESTED.replace("!\n", ""),
        "router bgp 64512\n  address-family ipv6 unicast\n    network 2001:db8::/32\n  address-family ipv4 unicast\n"
        "    network 192.0.2.0/29\n    neighbor 192.0.2.254 distribute-list pref-out out\n  neighbor 192.0.2.254 remote-as 59105\n",
        "router bgp 64512\n  address-family ipv4 unicast\n    neighbor 192.0.2.254 distribute-list pref-out out\n"
        "router bgp 64512\n  address-family ipv4 unicast\n    network 192.0.2.0/29\n  neighbor 192.0.2.254 remote-as 59105\n"
        "  address-family ipv6 unicast\n    network 2001:db8::/32\n",
    ],
    ids=["device-layout", "four-space-indent", "no-bang-lines", "other-order", "fragments"],
)
def test_nesting_is_read_from_indentation(text):
    body = ConfigTree.parse(text).render(())
    assert body[:body.index("interface GigaEthernet0.0")] == NESTED.splitlines()


CARRIED = """\
hostname ix2215-tokyo
clock something-new
!
ip route default Tunnel0.0
!
future-feature profile x
  setting one
  sub-block
    setting two
!
interface Tunnel0.0
  tunnel mode map-e ocn
  unknown tunnel option 5
  no shutdown
!
"""


def test_strict_parse_refuses_an_unknown_line():
    with pytest.raises(ConfigError, match=re.escape("line 2: 'clock something-new' is not a line the emulator knows")):
        ConfigTree.parse(CARRIED)


def test_carried_lines_are_listed_and_shown_in_their_place():
    tree = ConfigTree.parse(CARRIED, carry_unknown=True)
    assert tree.carried == [
        (2, "clock something-new"), (6, "future-feature profile x"), (7, "setting one"), (8, "sub-block"),
        (9, "setting two"), (13, "unknown tunnel option 5"),
    ]
    body = tree.render(())
    assert body[:body.index("interface GigaEthernet0.0")] == CARRIED.splitlines()[:10]
    # The carried line stays after the line it followed; the router's default `no ip address` takes its own place.
    assert block_lines(body, "interface Tunnel0.0") == ["  tunnel mode map-e ocn", "  unknown tunnel option 5", "  no ip address", "  no shutdown"]


def block_lines(body: list[str], header: str) -> list[str]:
    start = body.index(header) + 1
    return body[start:body.index("!", start)]


def test_carried_lines_are_a_fixed_point_and_survive_a_save_and_reload():
    device = Device(ConfigTree.parse(CARRIED, carry_unknown=True), clock=lambda: FROZEN)
    first = device.running_config_lines()
    assert ConfigTree.parse("\n".join(first), carry_unknown=True).render(()) == config_body(first)
    session = device.open_session()
    for line in ["configure", "write memory"]:
        session.feed(line)
    session.feed("reload")
    session.feed("yes")
    assert running_body(device) == config_body(first)


def test_factory_state_shows_default_interfaces_and_no_hostname():
    body = ConfigTree.factory().render(())
    assert body == [
        "interface GigaEthernet0.0", "  no ip address", "  shutdown", "!",
        "interface GigaEthernet1.0", "  no ip address", "  shutdown", "!",
        "interface GigaEthernet2.0", "  no ip address", "  shutdown", "!",
        "interface Loopback0.0", "  no ip address", "!",
        "interface Null0.0", "  no ip address", "!",
    ]


@pytest.mark.parametrize(
    ("text", "expected_hostname", "shown"),
    [
        ("hostname ix2215-tokyo\n", "ix2215-tokyo", True),
        ("hostname ix2215-tokyo\nhostname Router\n", "Router", False),
        ("", "Router", False),
    ],
    ids=["set", "set-back-to-default", "never-set"],
)
def test_hostname_is_shown_only_when_not_router(text, expected_hostname, shown):
    tree = ConfigTree.parse(text)
    assert tree.hostname == expected_hostname
    assert any(line.startswith("hostname ") for line in tree.render(())) is shown


def test_a_carried_line_keeps_its_spacing_and_no_removes_it_whatever_the_spacing():
    tree = ConfigTree.parse("odd   spacing  line 1\n", carry_unknown=True)
    assert tree.render(())[0] == "odd   spacing  line 1"
    assert tree.negate(grammar.CONFIG, None, grammar.tokenize("odd spacing line 1")) is None
    assert "odd   spacing  line 1" not in tree.render(())


def test_a_known_line_is_never_carried():
    tree = ConfigTree.parse("hostname r1\nip route default Tunnel0.0\n", carry_unknown=True)
    assert tree.carried == []
    assert [line.rule is not None for line in tree.lines] == [True, True]
