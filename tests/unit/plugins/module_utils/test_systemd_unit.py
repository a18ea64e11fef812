# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""systemd_unit: what a unit needs after its files changed, shared by wireguard_interface, nft_table and service_files."""

from __future__ import annotations

import pytest

from ansible_collections.multisite.vpn.plugins.module_utils import systemd_unit
from ansible_collections.multisite.vpn.plugins.module_utils.systemd_unit import UnitState


def state(enabled=True, active=True, loaded=True, needs_reload=False):
    return UnitState(enabled=enabled, active=active, loaded=loaded, needs_reload=needs_reload)


@pytest.mark.parametrize(
    "unit_changed, unit_state, reload",
    [
        pytest.param(False, state(), False, id="known-unchanged"),
        pytest.param(True, state(), True, id="changed"),
        pytest.param(False, state(needs_reload=True), True, id="edited-on-disk"),
        pytest.param(False, state(loaded=False), True, id="written-never-reloaded"),
    ],
)
def test_daemon_reload_only_when_systemd_needs_it(unit_changed, unit_state, reload):
    assert systemd_unit.daemon_reload_needed(unit_changed, [unit_state]) is reload


def test_daemon_reload_looks_at_every_unit():
    assert systemd_unit.daemon_reload_needed(False, [state(), state(loaded=False)]) is True
    assert systemd_unit.daemon_reload_needed(False, []) is False


@pytest.mark.parametrize(
    "enabled, active, restart, actions",
    [
        pytest.param(True, True, False, [], id="running"),
        pytest.param(True, True, True, ["restart"], id="running-changed"),
        pytest.param(False, True, False, ["enable"], id="disabled"),
        pytest.param(True, False, True, ["start"], id="stopped-changed: a start reads everything"),
        pytest.param(False, False, False, ["enable", "start"], id="new"),
    ],
)
def test_start_actions(enabled, active, restart, actions):
    assert systemd_unit.start_actions(enabled, active, restart) == actions
