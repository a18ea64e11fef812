# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.multisite.vpn.plugins.filter.wireguard import wireguard_hub_peers

KEY_A = "A" * 43 + "="
KEY_B = "B" * 43 + "="


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
        pytest.param(["spoke-jp"], [KEY_A], [300], "beyond the last usable address", id="index-outside-subnet"),
    ],
)
def test_wireguard_hub_peers_refuses(spokes, keys, indexes, message):
    with pytest.raises(AnsibleFilterError, match=message):
        wireguard_hub_peers(spokes, keys, indexes, "192.168.31.0/24")
