# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""service_files' pure parts: modes, paths and unit names, and what a run must do from what it read."""

from __future__ import annotations

import pytest

from ansible_collections.multisite.vpn.plugins.module_utils import service_files, systemd_unit
from ansible_collections.multisite.vpn.plugins.module_utils.files import OwnedFile

TIMER = "multisite-vpn-example.timer"


@pytest.mark.parametrize(
    "value, mode",
    [
        pytest.param("0644", 0o644, id="four-digits"),
        pytest.param("644", 0o644, id="three-digits"),
        pytest.param("0600", 0o600, id="secret"),
        pytest.param("1777", 0o1777, id="sticky"),
        pytest.param("7777", 0o7777, id="highest"),
        pytest.param("00755", 0o755, id="five-digits-leading-zero"),
        pytest.param("0000", 0, id="none"),
    ],
)
def test_modes_accepted(value, mode):
    assert service_files.parse_mode(value, "files[0].mode") == (mode, None)


@pytest.mark.parametrize(
    "value, problem",
    [
        pytest.param("0999", "files[0].mode: '0999' is not an octal mode; give one such as \"0644\"", id="not-octal"),
        pytest.param("64", "files[0].mode: '64' is not an octal mode; give one such as \"0644\"", id="too-short"),
        pytest.param("0o644", "files[0].mode: '0o644' is not an octal mode; give one such as \"0644\"", id="python-prefix"),
        pytest.param(" 0644", "files[0].mode: ' 0644' is not an octal mode; give one such as \"0644\"", id="space"),
        pytest.param("10000", "files[0].mode: '10000' is above \"7777\"", id="above-7777"),
        pytest.param(True, "files[0].mode: give an octal string such as \"0644\", not a bool", id="bool"),
        pytest.param(6.44, "files[0].mode: give an octal string such as \"0644\", not a float", id="float"),
    ],
)
def test_modes_refused(value, problem):
    assert service_files.parse_mode(value, "files[0].mode") == (None, problem)


@pytest.mark.parametrize(
    "unit, problem",
    [
        pytest.param("multisite-vpn-dns-publish.timer", None, id="timer"),
        pytest.param("wg-quick@wg-oci.service", None, id="instance"),
        pytest.param("dev-tun.path", None, id="path-unit"),
        pytest.param("example.socket", None, id="socket-unit"),
        pytest.param("example.timer/x.timer", "u: 'example.timer/x.timer' is a path; give the unit's name only, such as x.timer", id="slash"),
        pytest.param("example.mount", "u: 'example.mount' has no unit suffix; give one of .service, .timer, .socket, .path", id="mount"),
        pytest.param("example timer.timer",
                     "u: 'example timer.timer' is not a unit name systemd accepts (a template needs an instance, as in name@instance.service)",
                     id="space"),
        pytest.param(".timer", "u: '.timer' is not a unit name systemd accepts (a template needs an instance, as in name@instance.service)",
                     id="suffix-only"),
        pytest.param("", "u: give a unit name such as multisite-vpn-example.timer", id="empty"),
    ],
)
def test_unit_names(unit, problem):
    assert service_files.unit_problem(unit, "u") == problem


def test_a_long_unit_name_is_refused():
    assert service_files.unit_problem("a" * 250 + ".timer", "u").startswith("u: 'aaa")


@pytest.mark.parametrize(
    "path, unit_file",
    [
        pytest.param("/etc/systemd/system/x.timer", True, id="unit"),
        pytest.param("/etc/systemd/system/x.service.d/override.conf", True, id="drop-in"),
        pytest.param("/etc/systemd/systemd-x.conf", False, id="sibling-prefix"),
        pytest.param("/usr/local/lib/multisite-vpn/x.py", False, id="program"),
    ],
)
def test_which_files_systemd_reads(path, unit_file):
    assert service_files.is_unit_file(path) is unit_file


class Read:
    """What a run read of one file, without a file."""

    def __init__(self, path, changed):
        self.path = path
        self.changed = changed


def state(enabled=True, active=True, loaded=True, needs_reload=False):
    return systemd_unit.UnitState(enabled=enabled, active=active, loaded=loaded, needs_reload=needs_reload)


UNIT_FILE = "/etc/systemd/system/" + TIMER
PROGRAM = "/usr/local/lib/multisite-vpn/example.py"


@pytest.mark.parametrize(
    "changed, unit_state, restart_on_change, expected",
    [
        pytest.param([], state(), True, (False, []), id="no-op"),
        pytest.param([UNIT_FILE], state(), True, (True, ["restart"]), id="unit-file-changed"),
        pytest.param([PROGRAM], state(), True, (False, ["restart"]), id="program-changed"),
        pytest.param([PROGRAM], state(), False, (False, []), id="program-changed-no-restart"),
        pytest.param([UNIT_FILE], state(active=False), False, (True, ["start"]), id="inactive-starts-anyway"),
        pytest.param([UNIT_FILE, PROGRAM], state(False, False, False), True, (True, ["enable", "start"]), id="new"),
        pytest.param([], state(needs_reload=True), True, (True, []), id="systemd-asks-for-a-reload"),
        pytest.param([], state(loaded=False, enabled=False, active=False), True, (True, ["enable", "start"]), id="not-loaded-yet"),
        pytest.param([], state(enabled=False), True, (False, ["enable"]), id="disabled"),
    ],
)
def test_plan(changed, unit_state, restart_on_change, expected):
    owned = [Read(path, path in changed) for path in (PROGRAM, UNIT_FILE)]
    assert service_files.plan(owned, [TIMER], {TIMER: unit_state}, restart_on_change) == (expected[0], {TIMER: expected[1]})


def test_plan_without_units_reloads_for_a_changed_unit_file():
    assert service_files.plan([Read(UNIT_FILE, True)], [], {}, True) == (True, {})


def test_units_diff_is_left_out_when_systemd_is_asked_nothing(tmp_path):
    program = OwnedFile(str(tmp_path / "x.py"), "x\n", 0o644)
    assert service_files.build_diff([program], [TIMER], {TIMER: state()}, False, {TIMER: []}) == [program.diff()]


def test_a_secret_file_s_diff_holds_no_content(tmp_path):
    path = tmp_path / "example.json"
    path.write_text('{"token": "old-token"}\n')
    path.chmod(0o600)
    secret = OwnedFile(str(path), '{"token": "new-token"}\n', 0o600, secret=True)
    (diff,) = service_files.build_diff([secret], [], {}, False, {})
    assert "token" not in diff["before"] + diff["after"]
