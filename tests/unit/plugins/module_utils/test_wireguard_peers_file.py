# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""wireguard_peers_file: the [Peer] sections wg addconf loads at boot."""

from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.multisite.vpn.plugins.module_utils import wireguard_peers_file as peers_file
from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_key import WireGuardError
from ansible_collections.multisite.vpn.tests.unit.wireguard_keys import HUB, PRIVATE, PSK_1, SPOKE_JP, SPOKE_US
from ansible_collections.multisite.vpn.tests.unit.wireguard_peers import wanted

CONF_PEERS = [
    wanted(HUB, ["192.168.31.0/24", "2001:db8:0:5::/64"], "hub-oci.lab.test:51820", 25, PSK_1),
    wanted(SPOKE_JP, ["192.168.31.2/32"]),
    wanted(SPOKE_US, [], "[2001:db8::1]:51820"),
]


def test_render_peers_conf():
    text = peers_file.render_peers_conf("wg0", CONF_PEERS)
    assert text == (
        peers_file.CONF_HEADER % "wg0"
        + "\n[Peer]\nPublicKey = %s\nPresharedKey = %s\nAllowedIPs = 192.168.31.0/24, 2001:db8:0:5::/64\n"
        "Endpoint = hub-oci.lab.test:51820\nPersistentKeepalive = 25\n" % (HUB, PSK_1)
        + "\n[Peer]\nPublicKey = %s\nAllowedIPs = 192.168.31.2/32\n" % SPOKE_JP
        + "\n[Peer]\nPublicKey = %s\nEndpoint = [2001:db8::1]:51820\n" % SPOKE_US
    )
    assert text.startswith("# Managed by multisite.vpn.wireguard_peer: the peers of wg0")
    assert "PostUp = wg addconf %i" in text


@pytest.mark.parametrize(
    "peers",
    [
        pytest.param(CONF_PEERS, id="three-peers"),
        pytest.param([], id="header-only"),
    ],
)
def test_peers_conf_round_trip(peers):
    assert peers_file.parse_peers_conf(peers_file.render_peers_conf("wg0", peers)) == peers


def test_parse_peers_conf_reads_what_wg_reads():
    text = (
        "[Interface]\nPrivateKey = %s\nListenPort = 51820\n"
        "\n[peer]  # lower case, like wg accepts\n"
        "publickey=%s\n"
        "AllowedIPs = 192.168.31.2/32, 192.168.31.5/24\n"
        "AllowedIPs = 192.168.31.2/32 # repeated: added to the list\n"
        "PersistentKeepalive = off\n"
    ) % (PRIVATE, SPOKE_JP)
    assert peers_file.parse_peers_conf(text) == [wanted(SPOKE_JP, ["192.168.31.2/32", "192.168.31.0/24"])]


@pytest.mark.parametrize(
    "text, message",
    [
        pytest.param("[Peer]\nPublicKey = nope\n", "/x.conf line 2: PublicKey is not a WireGuard key: it is 4 characters long", id="bad-public-key"),
        pytest.param(
            "[Peer]\nPublicKey = %s\n" % ("A" * 43 + "="), "/x.conf line 2: PublicKey is not a WireGuard key: it is all zeros", id="all-zero-public-key"
        ),
        pytest.param("[Peer]\nPublicKey = %s\nPresharedKey = %s\n" % (HUB, PSK_1[:-2] + "!="), "line 3: PresharedKey is not a WireGuard key", id="bad-psk"),
        pytest.param("[Peer]\nAllowedIPs = 10.0.0.0/24\n", "/x.conf: [Peer] section 1 has no PublicKey", id="no-public-key"),
        pytest.param("[Peer]\nPublicKey = %s\nAllowedIPs = 10.0.0.0/33\n" % HUB, "line 3: AllowedIPs '10.0.0.0/33'", id="bad-network"),
        pytest.param("[Peer]\nPublicKey = %s\nEndpoint = 10.0.0.1\n" % HUB, "line 3: endpoint '10.0.0.1' has no port", id="bad-endpoint"),
        pytest.param("[Peer]\nPublicKey = %s\nPersistentKeepalive = -1\n" % HUB, "line 3: PersistentKeepalive '-1'", id="bad-keepalive"),
        pytest.param("[Peer]\nPublicKey = %s\nEndpoint\n" % HUB, "line 3 is not 'Key = value'", id="no-equals-sign"),
        pytest.param("[Peer]\nPublicKey = %s\nFlavour = mint\n" % HUB, "line 3: unknown key 'flavour'", id="unknown-key"),
    ],
)
def test_parse_peers_conf_rejects(text, message):
    with pytest.raises(WireGuardError) as error:
        peers_file.parse_peers_conf(text, "/x.conf")
    assert message in str(error.value)
    assert PSK_1[:40] not in str(error.value)


@pytest.mark.parametrize("existing_mode", [pytest.param(None, id="new-file"), pytest.param(0o644, id="world-readable-file")])
def test_write_peers_file_is_private(tmp_path, existing_mode):
    path = tmp_path / "etc" / "wireguard" / "wg0.peers.conf"
    if existing_mode is not None:
        path.parent.mkdir(parents=True)
        path.write_text("old\n")
        path.chmod(existing_mode)
    peers_file.write_peers_file(str(path), "new\n")
    assert path.read_text() == "new\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    if existing_mode is None:
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert os.listdir(str(path.parent)) == ["wg0.peers.conf"]
