# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Loading and rendering the running configuration of the IX emulator: layout, order, fixed point, secrets."""

from __future__ import annotations

import datetime
import re

import pytest

from ansible_collections.multisite.vpn.ix_emulator import ConfigError, ConfigTree, Device, secret_digest
from ansible_collections.multisite.vpn.tests.data.ix import EXPECTED_TOKYO_BODY, KAGAWA, SECRETS, TOKYO

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
    ("text", "message"),
    [
        ("  ip address 192.168.0.1/24\n", "line 1: indented line outside a block"),
        ("interface Tunnel0.0\n  ip adress map-e\n", "line 2: invalid line: ip adress map-e"),
        ("!\nip route\n", "line 2: incomplete line: ip route"),
        ("interface Tunnel0.0\n!\n  no shutdown\n", "line 3: indented line outside a block"),
        ("hostname ix2215-tokyo\nip route default Tunnel0.0\n  no shutdown\n", "line 3: indented line outside a block"),
    ],
    ids=["indented-first", "typo-in-block", "incomplete-global", "indented-after-bang", "indented-after-global"],
)
def test_parse_rejects_what_the_router_would(text, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        ConfigTree.parse(text)


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
