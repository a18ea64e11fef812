# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""wireguard_set: one `wg set` call for a plan, preshared keys in private files, errors masked."""

from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.multisite.vpn.plugins.module_utils import wireguard_peer_plan as peer_plan
from ansible_collections.multisite.vpn.plugins.module_utils import wireguard_set as wg_set
from ansible_collections.multisite.vpn.tests.unit.wireguard_keys import HUB, PSK_1, PSK_2, SPOKE_DE, SPOKE_JP, SPOKE_US
from ansible_collections.multisite.vpn.tests.unit.wireguard_peers import fake_resolver, live, wanted


@pytest.fixture
def dns(monkeypatch):
    return fake_resolver(monkeypatch, peer_plan.socket)


def plan_for(desired, current, exclusive=False):
    return peer_plan.diff_peers(desired, current, exclusive)


@pytest.mark.parametrize(
    "desired, current, exclusive, arguments, files",
    [
        pytest.param([], [], False, ["set", "wg0"], {}, id="nothing"),
        pytest.param(
            [wanted(SPOKE_JP, ["192.168.31.2/32", "100.64.1.0/24"])], [], False,
            ["set", "wg0", "peer", SPOKE_JP, "allowed-ips", "192.168.31.2/32,100.64.1.0/24"], {},
            id="added-with-allowed-ips-only",
        ),
        pytest.param(
            [wanted(SPOKE_JP)], [], False, ["set", "wg0", "peer", SPOKE_JP], {}, id="added-bare",
        ),
        pytest.param(
            [wanted(HUB, ["0.0.0.0/0"], "hub.example.net:51820", 25, PSK_1)], [], False,
            ["set", "wg0", "peer", HUB, "preshared-key", "/run/x/psk-0", "endpoint", "hub.example.net:51820",
             "persistent-keepalive", "25", "allowed-ips", "0.0.0.0/0"],
            {"/run/x/psk-0": PSK_1},
            id="added-with-everything",
        ),
        pytest.param(
            [wanted(SPOKE_JP, [])], [live(SPOKE_JP, ["192.168.31.2/32"])], False,
            ["set", "wg0", "peer", SPOKE_JP, "allowed-ips", ""], {}, id="allowed-ips-cleared-with-empty-string",
        ),
        pytest.param(
            [wanted(HUB)], [live(HUB, psk=PSK_1, keepalive=25)], False,
            ["set", "wg0", "peer", HUB, "preshared-key", os.devnull, "persistent-keepalive", "off"], {},
            id="psk-cleared-keepalive-off",
        ),
        pytest.param(
            [wanted(SPOKE_JP, ["192.168.31.2/32"]), wanted(SPOKE_US, ["192.168.31.3/32"], psk=PSK_2), wanted(SPOKE_DE, ["192.168.31.4/32"], psk=PSK_1)],
            [live(HUB), live(SPOKE_JP, ["192.168.31.2/32"]), live(SPOKE_US, ["192.168.31.3/32"], psk=PSK_1)],
            True,
            ["set", "wg0", "peer", HUB, "remove",
             "peer", SPOKE_US, "preshared-key", "/run/x/psk-0",
             "peer", SPOKE_DE, "preshared-key", "/run/x/psk-1", "allowed-ips", "192.168.31.4/32"],
            {"/run/x/psk-0": PSK_2, "/run/x/psk-1": PSK_1},
            id="one-call-removes-first-unchanged-peer-absent",
        ),
    ],
)
def test_build_set_arguments(dns, desired, current, exclusive, arguments, files):
    dns.names["hub.example.net"] = ["198.51.100.11"]
    built, built_files = wg_set.build_set_arguments("wg0", plan_for(desired, current, exclusive), "/run/x")
    assert built == arguments
    assert built_files == files
    for secret in (PSK_1, PSK_2):
        assert secret not in built


def test_build_set_arguments_leaves_unchanged_peers_out():
    desired = [wanted(SPOKE_JP, ["192.168.31.2/32"], psk=PSK_1), wanted(SPOKE_US, ["192.168.31.33/32"])]
    current = [live(SPOKE_JP, ["192.168.31.2/32"], psk=PSK_1), live(SPOKE_US, ["192.168.31.3/32"])]
    built, files = wg_set.build_set_arguments("wg0", plan_for(desired, current), "/run/x")
    assert SPOKE_JP not in built
    assert files == {}


@pytest.mark.parametrize(
    "usable_parent, expected_parent",
    [pytest.param(True, "run", id="under-run"), pytest.param(False, None, id="tempfile-default")],
)
def test_make_secret_dir(tmp_path, monkeypatch, usable_parent, expected_parent):
    run = tmp_path / "run"
    if usable_parent:
        run.mkdir()
    monkeypatch.setattr(wg_set, "SECRET_DIR_PARENTS", (str(run),))
    monkeypatch.setattr(wg_set.tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    made = wg_set.make_secret_dir()
    assert os.path.dirname(made) == str(tmp_path / (expected_parent or "tmp"))
    assert stat.S_IMODE(os.stat(made).st_mode) == 0o700
