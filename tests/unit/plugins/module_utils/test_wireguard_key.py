# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""wireguard_key: the one WireGuard key validator, used by every module, filter and lookup."""

from __future__ import annotations

import base64

import pytest

from ansible_collections.multisite.vpn.plugins.module_utils import wireguard_key as wg_key
from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_key import WireGuardError
from ansible_collections.multisite.vpn.tests.unit.wireguard_keys import HUB, PRIVATE

KEY = "k4Re/qeQNbr0u59DV4aS+r+/auG1bVZOd2dfhDpGth8="
# 31 zero bytes and a 1: canonical base64 ends in 'AE='; 'AF=' decodes to the same bytes with a
# padding bit set, which wg refuses.
LOW_KEY = base64.b64encode(bytes(31) + b"\x01").decode()
ZERO_KEY = base64.b64encode(bytes(32)).decode()


def test_test_keys_are_what_the_tables_say():
    assert len(base64.b64decode(KEY)) == 32
    assert LOW_KEY.endswith("AE=")


@pytest.mark.parametrize(
    "text, problem",
    [
        pytest.param(KEY, None, id="good-key"),
        pytest.param(LOW_KEY, None, id="good-key-mostly-zero"),
        pytest.param(KEY[:-1], "43 characters long, a key is 44", id="one-character-short"),
        pytest.param(KEY + "A", "45 characters long", id="one-character-long"),
        pytest.param(KEY + "\n", "45 characters long", id="trailing-newline-not-stripped"),
        pytest.param(" " + KEY[1:], "not base64", id="leading-space"),
        pytest.param("", "0 characters long", id="empty"),
        pytest.param(KEY[:10] + "!" + KEY[11:], "not base64", id="not-base64-character"),
        pytest.param(KEY[:10] + "-" + KEY[11:], "not base64", id="urlsafe-alphabet"),
        pytest.param(KEY[:20] + "é" + KEY[21:], "not base64", id="non-ascii"),
        pytest.param(base64.b64encode(bytes(range(33))).decode(), "not the base64 of 32 bytes", id="33-bytes"),
        pytest.param(LOW_KEY[:-2] + "F=", "not the base64 of 32 bytes", id="padding-bits-set"),
        pytest.param(ZERO_KEY, "all zeros", id="all-zeros"),
        pytest.param(None, "a NoneType, not a string", id="none"),
        pytest.param(KEY.encode(), "a bytes, not a string", id="bytes"),
    ],
)
def test_key_problem(text, problem):
    found = wg_key.key_problem(text)
    if problem is None:
        assert found is None
        assert wg_key.is_key(text)
    else:
        assert problem in found
        assert not wg_key.is_key(text)
        if isinstance(text, str) and len(text) > 3:
            assert text not in found


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(KEY, id="bare"),
        pytest.param(KEY + "\n", id="vault-block-newline"),
        pytest.param("  " + KEY + " \r\n", id="surrounding-whitespace"),
    ],
)
def test_key_from_option_strips_whitespace(value):
    assert wg_key.key_from_option(value) == KEY


@pytest.mark.parametrize(
    "value, problem",
    [
        pytest.param(KEY[:-2], "42 characters long", id="truncated"),
        pytest.param(KEY[:22] + " " + KEY[23:], "not base64", id="inner-space"),
        pytest.param(KEY + KEY, "88 characters long", id="two-keys"),
        pytest.param(ZERO_KEY, "all zeros", id="all-zeros"),
    ],
)
def test_key_from_option_rejects_naming_the_option_not_the_value(value, problem):
    with pytest.raises(WireGuardError) as error:
        wg_key.key_from_option(value)
    message = str(error.value)
    assert message.startswith("private_key is not a WireGuard private key: ")
    assert problem in message
    assert value.strip()[:20] not in message


@pytest.mark.parametrize(
    "text, valid",
    [
        pytest.param(HUB, True, id="canonical-key"),
        pytest.param("xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=", True, id="real-looking-key"),
        pytest.param(HUB[:-1], False, id="no-padding"),
        pytest.param(HUB + "=", False, id="45-characters"),
        pytest.param(base64.b64encode(b"\x01" * 31).decode(), False, id="31-bytes"),
        pytest.param("!" * 43 + "=", False, id="not-base64"),
        # Same 32 bytes, but a low bit of the last character set: wg refuses it.
        pytest.param(HUB[:42] + "R=", False, id="non-canonical-trailing-bits"),
        pytest.param(" " + HUB[1:], False, id="space-inside"),
        # Once accepted by wireguard_peer and refused by the key file: one rule now, refused everywhere.
        pytest.param("A" * 43 + "=", False, id="all-zeros"),
        pytest.param(None, False, id="none"),
        pytest.param(42, False, id="int"),
    ],
)
def test_is_key(text, valid):
    assert wg_key.is_key(text) is valid


@pytest.mark.parametrize(
    "field, text, kind, message",
    [
        pytest.param("peers[0]: public_key", HUB, "public key", None, id="key"),
        pytest.param(
            "peers[0]: public_key", HUB[:-4], "public key",
            "peers[0]: public_key is not a WireGuard public key: it is 40 characters long, a key is 44 (base64 of 32 bytes)",
            id="short",
        ),
        pytest.param("PublicKey", ZERO_KEY, "key", "PublicKey is not a WireGuard key: it is all zeros, which wg reads as no key at all", id="zeros"),
    ],
)
def test_key_message_names_the_field_not_the_value(field, text, kind, message):
    assert wg_key.key_message(field, text, kind) == message
    if message:
        assert text not in message


@pytest.mark.parametrize(
    "text, same",
    [
        pytest.param(PRIVATE, True, id="same-key"),
        pytest.param(HUB, False, id="other-key"),
        pytest.param(None, False, id="none"),
    ],
)
def test_is_same_key_recognises_a_key_by_its_digest(text, same):
    digest = wg_key.key_digest(PRIVATE)
    assert PRIVATE not in digest
    assert wg_key.is_same_key(text, digest) is same
    assert wg_key.is_same_key(text, None) is False
