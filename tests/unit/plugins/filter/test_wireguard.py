# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.multisite.vpn.plugins.filter.wireguard import wireguard_hub_peers
from ansible_collections.multisite.vpn.tests.unit.wireguard_keys import PRIVATE, SPOKE_DE, SPOKE_JP, SPOKE_US

KEY_A = SPOKE_JP
KEY_B = SPOKE_US
ZERO_KEY = "A" * 43 + "="
# The same 32 bytes as KEY_B, with a padding bit set: wg refuses it.
NON_CANONICAL = KEY_B[:42] + "j="
ALL_KEYS = (PRIVATE, SPOKE_DE, SPOKE_JP, SPOKE_US, ZERO_KEY, NON_CANONICAL)


@pytest.mark.parametrize(
    "spokes, keys, indexes, subnet, expected",
    [
        pytest.param([], [], [], "192.168.31.0/24", [], id="no-spokes"),
        pytest.param(
            ["spoke-jp", "spoke-us"], [KEY_A, KEY_B], [11, "12"], "192.168.31.0/24",
            [
                {"public_key": KEY_A, "allowed_ips": ["192.168.31.11/32"]},
                {"public_key": KEY_B, "allowed_ips": ["192.168.31.12/32"]},
            ],
            id="ipv4-index-as-int-or-string",
        ),
        pytest.param(
            ["spoke-jp"], [KEY_A], [11], "2001:db8:31::/64",
            [{"public_key": KEY_A, "allowed_ips": ["2001:db8:31::b/128"]}],
            id="ipv6-host-route",
        ),
        pytest.param(
            ("spoke-jp", "spoke-us"), (key for key in [KEY_A, KEY_B]), map(int, ["11", "12"]), "192.168.31.0/24",
            [
                {"public_key": KEY_A, "allowed_ips": ["192.168.31.11/32"]},
                {"public_key": KEY_B, "allowed_ips": ["192.168.31.12/32"]},
            ],
            id="tuples-and-generators-as-jinja-map-gives-them",
        ),
    ],
)
def test_wireguard_hub_peers(spokes, keys, indexes, subnet, expected):
    assert wireguard_hub_peers(spokes, keys, indexes, subnet) == expected


@pytest.mark.parametrize(
    "spokes, keys, indexes, message",
    [
        pytest.param(["a", "b"], [KEY_A], [11, 12], "2 spokes, 1 public keys and 2 host indexes", id="lengths-differ"),
        pytest.param(
            ["spoke-jp", "spoke-de"], [KEY_A, KEY_B], [11, 11],
            "spoke-jp and spoke-de both have host index 11, so both would be 192.168.31.11",
            id="same-address",
        ),
        pytest.param(["spoke-jp"], [KEY_A], [300], "host_indexes[0] (spoke-jp): index 300 is beyond the last usable address", id="index-outside-subnet"),
        pytest.param(
            ["spoke-jp"], [KEY_A], [1],
            "host_indexes[0] (spoke-jp): index 1 is the hub's own address 192.168.31.1 in 192.168.31.0/24; give the spoke its own index",
            id="spoke-on-the-hub-address",
        ),
        pytest.param(
            ["spoke-jp"], [KEY_A], ["1"],
            "host_indexes[0] (spoke-jp): index 1 is the hub's own address 192.168.31.1",
            id="spoke-on-the-hub-address-index-as-string",
        ),
        pytest.param(
            "spoke-jp", [KEY_A], [11],
            "the spokes (_input) must be a list, one item per spoke, not str 'spoke-jp'",
            id="spokes-given-as-a-string",
        ),
        pytest.param(["spoke-jp"], KEY_A, [11], "public_keys must be a list, one item per spoke, not str", id="keys-given-as-a-string"),
        pytest.param(["spoke-jp"], [KEY_A], 11, "host_indexes must be a list, one item per spoke, not int 11", id="indexes-given-as-a-number"),
        pytest.param(
            ["spoke-jp", "spoke-us"], [KEY_A, "not-a-key"], [11, 12],
            "public_keys[1] (spoke-us) is not a WireGuard public key: it is 9 characters long, a key is 44 (base64 of 32 bytes)",
            id="invalid-key",
        ),
        pytest.param(
            ["spoke-jp"], [ZERO_KEY], [11],
            "public_keys[0] (spoke-jp) is not a WireGuard public key: it is all zeros, which wg reads as no key at all",
            id="all-zero-key",
        ),
        pytest.param(
            ["spoke-jp"], [NON_CANONICAL], [11],
            "public_keys[0] (spoke-jp) is not a WireGuard public key: it is not the base64 of 32 bytes",
            id="non-canonical-key",
        ),
        pytest.param(
            ["spoke-jp", "spoke-us", "spoke-de"], [KEY_A, KEY_B, KEY_A], [11, 12, 13],
            "public_keys[2] (spoke-de) is the same key as public_keys[0] (spoke-jp); each spoke needs its own key pair",
            id="duplicate-key",
        ),
        pytest.param(
            ["spoke-jp", "spoke-jp"], [KEY_A, KEY_B], [11, 12],
            "_input[1]: spoke-jp is listed twice (also _input[0])",
            id="spoke-listed-twice",
        ),
    ],
)
def test_wireguard_hub_peers_refuses(spokes, keys, indexes, message):
    with pytest.raises(AnsibleFilterError) as error:
        wireguard_hub_peers(spokes, keys, indexes, "192.168.31.0/24")
    assert message in str(error.value)
    # A key is never shown: what is given as a public key may be a private one.
    for key in ALL_KEYS:
        assert key not in str(error.value)


def test_wireguard_hub_peers_names_every_problem_at_once():
    with pytest.raises(AnsibleFilterError) as error:
        wireguard_hub_peers(["spoke-jp", "spoke-us"], [PRIVATE[:-2], KEY_A], [1, 12], "192.168.31.0/24")
    assert "public_keys[0] (spoke-jp) is not a WireGuard public key" in str(error.value)
    assert "host_indexes[0] (spoke-jp): index 1 is the hub's own address" in str(error.value)
    assert PRIVATE[:-2] not in str(error.value)


@pytest.mark.parametrize(
    "hub_index, indexes, message",
    [
        pytest.param(254, [254], "host_indexes[0] (spoke-jp): index 254 is the hub's own address 192.168.31.254", id="hub-elsewhere"),
        pytest.param(0, [11], "index 0 is out of range for 192.168.31.0/24", id="hub-index-out-of-range"),
    ],
)
def test_hub_index(hub_index, indexes, message):
    with pytest.raises(AnsibleFilterError) as error:
        wireguard_hub_peers(["spoke-jp"], [KEY_A], indexes, "192.168.31.0/24", hub_index)
    assert message in str(error.value)


def test_a_spoke_may_have_index_1_when_the_hub_has_another():
    assert wireguard_hub_peers(["spoke-jp"], [KEY_A], [1], "192.168.31.0/24", hub_index=254) == [
        {"public_key": KEY_A, "allowed_ips": ["192.168.31.1/32"]}
    ]


def test_a_spoke_lets_through_what_it_announces_and_its_public_block_once():
    """Over BGP a spoke announces its LAN and its public blocks (this hub's among them): each is an allowed IP once."""
    peers = wireguard_hub_peers(["spoke-jp", "spoke-us"], [KEY_A, KEY_B], [11, 12], "192.168.33.0/24",
                                public_blocks={"spoke-jp": "2001:db8:0:5:1::1/128", "spoke-us": "2001:db8:0:5:1::2/128"},
                                routed_prefixes={"spoke-jp": ["10.1.0.0/24", "2001:db8:0:5:1::1/128", "2001:db8:0:6:1::1/128"]})
    assert [peer["allowed_ips"] for peer in peers] == [
        ["192.168.33.11/32", "10.1.0.0/24", "2001:db8:0:5:1::1/128", "2001:db8:0:6:1::1/128"],
        ["192.168.33.12/32", "2001:db8:0:5:1::2/128"],
    ]
