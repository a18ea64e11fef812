# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""wireguard_peer_plan: the wanted peers against the live ones, endpoint names resolved."""

from __future__ import annotations

import socket

import pytest

from ansible_collections.multisite.vpn.plugins.module_utils import wireguard_peer_plan as peer_plan
from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_key import WireGuardError
from ansible_collections.multisite.vpn.tests.unit.wireguard_keys import HUB, PSK_1, PSK_2, SPOKE_DE, SPOKE_JP, SPOKE_US
from ansible_collections.multisite.vpn.tests.unit.wireguard_peers import fake_resolver, live, wanted


@pytest.fixture
def dns(monkeypatch):
    """A fake resolver: dns.names maps a host name to its addresses; other names do not resolve."""
    return fake_resolver(monkeypatch, peer_plan.socket)


@pytest.mark.parametrize(
    "desired, current, exclusive, added, removed, updated",
    [
        pytest.param([wanted(SPOKE_JP, ["192.168.31.2/32"])], [], False, [SPOKE_JP], [], {}, id="added"),
        pytest.param(
            [wanted(SPOKE_JP, ["192.168.31.2/32"])],
            [live(SPOKE_JP, ["192.168.31.2/32"]), live(SPOKE_US, ["192.168.31.3/32"])],
            True, [], [SPOKE_US], {}, id="unlisted-removed-when-exclusive",
        ),
        pytest.param(
            [wanted(SPOKE_JP, ["192.168.31.2/32"])],
            [live(SPOKE_JP, ["192.168.31.2/32"]), live(SPOKE_US, ["192.168.31.3/32"])],
            False, [], [], {}, id="unlisted-kept-when-not-exclusive",
        ),
        pytest.param(
            [wanted(SPOKE_JP, ["192.168.31.2/32", "100.64.1.0/24"])],
            [live(SPOKE_JP, ["100.64.1.0/24", "192.168.31.2/32"])],
            False, [], [], {}, id="allowed-ips-order-does-not-matter",
        ),
        pytest.param(
            [wanted(SPOKE_JP, ["192.168.31.2/32", "100.64.1.0/24"])],
            [live(SPOKE_JP, ["192.168.31.2/32"])],
            False, [], [], {SPOKE_JP: ["allowed_ips"]}, id="allowed-ips-added",
        ),
        pytest.param(
            [wanted(SPOKE_JP, [])], [live(SPOKE_JP, ["192.168.31.2/32"])],
            False, [], [], {SPOKE_JP: ["allowed_ips"]}, id="allowed-ips-cleared",
        ),
        pytest.param(
            [wanted(SPOKE_JP)], [live(SPOKE_JP, endpoint="198.51.100.101:40312")],
            False, [], [], {}, id="roaming-endpoint-not-compared",
        ),
        pytest.param(
            [wanted(HUB, endpoint="198.51.100.11:51820")], [live(HUB, endpoint="198.51.100.11:51820")],
            False, [], [], {}, id="ipv4-endpoint-same",
        ),
        pytest.param(
            [wanted(HUB, endpoint="198.51.100.11:51820")], [live(HUB, endpoint="198.51.100.12:51820")],
            False, [], [], {HUB: ["endpoint"]}, id="ipv4-endpoint-other-address",
        ),
        pytest.param(
            [wanted(HUB, endpoint="198.51.100.11:51820")], [live(HUB, endpoint="198.51.100.11:51821")],
            False, [], [], {HUB: ["endpoint"]}, id="ipv4-endpoint-other-port",
        ),
        pytest.param(
            [wanted(HUB, endpoint="198.51.100.11:51820")], [live(HUB)],
            False, [], [], {HUB: ["endpoint"]}, id="endpoint-not-set-yet",
        ),
        pytest.param(
            [wanted(HUB, endpoint="[2001:DB8:0:5:0::1]:51820")], [live(HUB, endpoint="[2001:db8:0:5::1]:51820")],
            False, [], [], {}, id="ipv6-endpoint-compared-as-address",
        ),
        pytest.param(
            [wanted(SPOKE_JP, keepalive=0)], [live(SPOKE_JP, keepalive=0)],
            False, [], [], {}, id="keepalive-0-is-off",
        ),
        pytest.param(
            [wanted(HUB, keepalive=25)], [live(HUB, keepalive=0)],
            False, [], [], {HUB: ["persistent_keepalive"]}, id="keepalive-turned-on",
        ),
        pytest.param(
            [wanted(HUB, keepalive=0)], [live(HUB, keepalive=25)],
            False, [], [], {HUB: ["persistent_keepalive"]}, id="keepalive-turned-off",
        ),
        pytest.param(
            [wanted(HUB, psk=PSK_1)], [live(HUB, psk=PSK_1)], False, [], [], {}, id="psk-same",
        ),
        pytest.param(
            [wanted(HUB, psk=PSK_2)], [live(HUB, psk=PSK_1)], False, [], [], {HUB: ["preshared_key"]}, id="psk-changed",
        ),
        pytest.param(
            [wanted(HUB)], [live(HUB, psk=PSK_1)], False, [], [], {HUB: ["preshared_key"]}, id="psk-cleared",
        ),
        pytest.param(
            [wanted(HUB, ["0.0.0.0/0"], "198.51.100.11:51820", 25, PSK_1)],
            [live(HUB, ["192.168.31.0/24"], "198.51.100.12:51820", 0, None)],
            False, [], [], {HUB: ["preshared_key", "endpoint", "persistent_keepalive", "allowed_ips"]}, id="every-field",
        ),
    ],
)
def test_diff_peers(desired, current, exclusive, added, removed, updated):
    plan = peer_plan.diff_peers(desired, current, exclusive)
    assert (plan["added"], plan["removed"], plan["updated"]) == (added, removed, updated)
    assert peer_plan.has_changes(plan) is bool(added or removed or updated)


@pytest.mark.parametrize(
    "addresses, live_endpoint, changed",
    [
        pytest.param(["198.51.100.11"], "198.51.100.11:51820", False, id="resolves-to-live-address"),
        pytest.param(["198.51.100.99", "2001:db8:0:5::1"], "[2001:db8:0:5::1]:51820", False, id="live-is-one-of-several"),
        pytest.param(["198.51.100.99"], "198.51.100.11:51820", True, id="name-moved"),
        pytest.param(["198.51.100.11"], "198.51.100.11:40000", True, id="same-address-other-port"),
        pytest.param(["198.51.100.11"], None, True, id="no-live-endpoint"),
    ],
)
def test_diff_peers_resolves_host_names(dns, addresses, live_endpoint, changed):
    dns.names["hub-oci.lab.test"] = addresses
    plan = peer_plan.diff_peers([wanted(HUB, endpoint="hub-oci.lab.test:51820")], [live(HUB, endpoint=live_endpoint)], False)
    assert plan["updated"] == ({HUB: ["endpoint"]} if changed else {})
    assert dns.asked == [("hub-oci.lab.test", 51820, socket.SOCK_DGRAM)]
    assert plan["warnings"] == []


def test_unresolvable_name_keeps_live_endpoint_with_warning(dns):
    plan = peer_plan.diff_peers([wanted(HUB, endpoint="gone.lab.test:51820")], [live(HUB, endpoint="198.51.100.11:51820")], False)
    assert plan["updated"] == {}
    assert plan["warnings"] == [
        "peers[0]: endpoint host name gone.lab.test does not resolve; keeping the live endpoint 198.51.100.11:51820"
    ]


@pytest.mark.parametrize(
    "current",
    [pytest.param([], id="new-peer"), pytest.param([live(HUB)], id="peer-without-endpoint")],
)
def test_unresolvable_name_without_live_endpoint_fails(dns, current):
    with pytest.raises(WireGuardError, match=r"peers\[0\]: endpoint host name gone.lab.test does not resolve and the peer has no endpoint yet"):
        peer_plan.diff_peers([wanted(HUB, endpoint="gone.lab.test:51820")], current, False)


def test_address_endpoints_are_not_resolved(dns):
    peer_plan.diff_peers([wanted(HUB, endpoint="198.51.100.11:51820")], [live(HUB)], False)
    assert dns.asked == []


@pytest.mark.parametrize(
    "current, file_peers, message",
    [
        pytest.param(
            [live(SPOKE_US, ["192.168.31.0/24"])], [],
            "peers[0]: allowed_ips 192.168.31.2/32 overlaps 192.168.31.0/24 of a live peer that is not listed,"
            " which stays because exclusive is false",
            id="live-unlisted-peer",
        ),
        pytest.param(
            [], [wanted(SPOKE_US, ["192.168.31.2/32"])],
            "peers[0]: allowed_ips 192.168.31.2/32 overlaps 192.168.31.2/32 of a peer kept in the peers file that is not listed,"
            " which stays because exclusive is false",
            id="unlisted-peer-of-the-file",
        ),
    ],
)
def test_listed_peers_may_not_overlap_peers_that_stay(current, file_peers, message):
    with pytest.raises(WireGuardError) as error:
        peer_plan.diff_peers([wanted(SPOKE_JP, ["192.168.31.2/32"])], current, False, file_peers)
    assert message in str(error.value)
    for key in (SPOKE_JP, SPOKE_US):
        assert key not in str(error.value)


def test_exclusive_ignores_overlap_with_peers_it_removes():
    plan = peer_plan.diff_peers([wanted(SPOKE_JP, ["192.168.31.2/32"])], [live(SPOKE_US, ["192.168.31.2/32"])], True)
    assert plan["removed"] == [SPOKE_US]
    assert plan["added"] == [SPOKE_JP]


@pytest.mark.parametrize(
    "exclusive, expected_keys",
    [
        pytest.param(False, [SPOKE_JP, SPOKE_US, SPOKE_DE], id="not-exclusive-keeps-unlisted-file-peers"),
        pytest.param(True, [SPOKE_JP], id="exclusive-listed-only"),
    ],
)
def test_conf_peers(exclusive, expected_keys):
    file_peers = [wanted(SPOKE_US, ["192.168.31.3/32"]), wanted(SPOKE_JP, ["192.168.31.9/32"]), wanted(SPOKE_DE)]
    plan = peer_plan.diff_peers([wanted(SPOKE_JP, ["192.168.31.2/32"])], [], exclusive, file_peers if not exclusive else ())
    assert [peer["public_key"] for peer in plan["conf_peers"]] == expected_keys
    # A listed peer is written as listed, not as the file had it.
    assert plan["conf_peers"][0]["allowed_ips"] == ["192.168.31.2/32"]
