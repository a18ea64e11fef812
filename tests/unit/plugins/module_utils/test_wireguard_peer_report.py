# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""wireguard_peer_report: the peers the module returns and its diff, never a preshared key."""

from __future__ import annotations

import pytest

from ansible_collections.multisite.vpn.plugins.module_utils import wireguard_peer_plan as peer_plan
from ansible_collections.multisite.vpn.plugins.module_utils import wireguard_peer_report as report
from ansible_collections.multisite.vpn.tests.unit.wireguard_keys import HUB, PSK_1, PSK_2, SPOKE_DE, SPOKE_JP, SPOKE_US
from ansible_collections.multisite.vpn.tests.unit.wireguard_peers import live, wanted


def test_predict_peers_and_peer_table():
    current = [live(HUB, ["10.9.0.0/24"]), live(SPOKE_JP, ["192.168.31.2/32"], "198.51.100.101:40312", psk=PSK_1), live(SPOKE_US, ["192.168.31.3/32"])]
    desired = [
        wanted(SPOKE_JP, ["192.168.31.2/32", "100.64.1.0/24"], psk=PSK_2),
        wanted(SPOKE_US, ["192.168.31.3/32"]),
        wanted(SPOKE_DE, ["192.168.31.4/32"], keepalive=25),
    ]
    plan = peer_plan.diff_peers(desired, current, True)
    after = peer_plan.predict_peers(current, plan)
    table = report.peer_table(after)
    assert table == "".join(
        sorted(
            [
                "%s  allowed-ips: 192.168.31.2/32,100.64.1.0/24  endpoint: 198.51.100.101:40312  keepalive: off  psk: set\n" % SPOKE_JP,
                "%s  allowed-ips: 192.168.31.3/32  endpoint: (none)  keepalive: off  psk: none\n" % SPOKE_US,
                "%s  allowed-ips: 192.168.31.4/32  endpoint: (none)  keepalive: 25  psk: none\n" % SPOKE_DE,
            ]
        )
    )
    before = report.peer_table(current)
    assert HUB in before and HUB not in table
    for secret in (PSK_1, PSK_2):
        assert secret not in before + table


def test_build_diff_headers_name_the_file():
    diff = report.build_diff("wg0", "/etc/wireguard/wg0.peers.conf", [], [wanted(SPOKE_JP)])
    assert diff == dict(
        before_header="peers of wg0",
        after_header="peers of wg0 (persisted in /etc/wireguard/wg0.peers.conf)",
        before="",
        after="%s  allowed-ips: (none)  endpoint: (none)  keepalive: off  psk: none\n" % SPOKE_JP,
    )


@pytest.mark.parametrize(
    "handshake, expected_handshake, expected_age",
    [
        pytest.param(0, None, None, id="never"),
        pytest.param(1795310700, 1795310700, 42, id="42-seconds-ago"),
        pytest.param(1795310800, 1795310800, 0, id="clock-skew-is-not-negative"),
    ],
)
def test_live_result(handshake, expected_handshake, expected_age):
    peer = live(SPOKE_JP, ["192.168.31.2/32"], "198.51.100.101:40312", 25, PSK_1, handshake, 10, 20)
    assert report.live_result([peer], 1795310742.9) == [
        dict(
            public_key=SPOKE_JP,
            allowed_ips=["192.168.31.2/32"],
            endpoint="198.51.100.101:40312",
            persistent_keepalive=25,
            has_preshared_key=True,
            latest_handshake=expected_handshake,
            latest_handshake_age=expected_age,
            transfer_rx=10,
            transfer_tx=20,
        )
    ]
