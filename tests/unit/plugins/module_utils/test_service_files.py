# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""service_files' pure parts: modes, paths, unit names and validate commands, what a run must do from what it read
(state present or absent), the temporary copy a validate command reads, and a file to remove (AbsentFile)."""

from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.multisite.vpn.plugins.module_utils import service_files, systemd_unit
from ansible_collections.multisite.vpn.plugins.module_utils.files import FileWriteError, OwnedFile

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
    "changed, unit_state, restart_on_change, reload_on_change, expected",
    [
        pytest.param([], state(), True, False, (False, []), id="no-op"),
        pytest.param([UNIT_FILE], state(), True, False, (True, ["restart"]), id="unit-file-changed"),
        pytest.param([PROGRAM], state(), True, False, (False, ["restart"]), id="program-changed"),
        pytest.param([PROGRAM], state(), False, False, (False, []), id="program-changed-no-restart"),
        pytest.param([UNIT_FILE], state(active=False), False, False, (True, ["start"]), id="inactive-starts-anyway"),
        pytest.param([UNIT_FILE, PROGRAM], state(False, False, False), True, False, (True, ["enable", "start"]), id="new"),
        pytest.param([], state(needs_reload=True), True, False, (True, []), id="systemd-asks-for-a-reload"),
        pytest.param([], state(loaded=False, enabled=False, active=False), True, False, (True, ["enable", "start"]), id="not-loaded-yet"),
        pytest.param([], state(enabled=False), True, False, (False, ["enable"]), id="disabled"),
        pytest.param([PROGRAM], state(), True, True, (False, ["reload"]), id="reload-wins-over-restart"),
        pytest.param([PROGRAM], state(), False, True, (False, ["reload"]), id="reload-without-restart"),
        pytest.param([PROGRAM], state(enabled=False), True, True, (False, ["enable", "reload"]), id="reload-disabled"),
        pytest.param([PROGRAM], state(active=False), True, True, (False, ["start"]), id="reload-inactive-starts"),
        pytest.param([], state(), True, True, (False, []), id="reload-no-op"),
        pytest.param([], state(active=False), False, True, (False, ["start"]), id="reload-stopped-unchanged-starts"),
    ],
)
def test_plan(changed, unit_state, restart_on_change, reload_on_change, expected):
    owned = [Read(path, path in changed) for path in (PROGRAM, UNIT_FILE)]
    assert service_files.plan(owned, [TIMER], {TIMER: unit_state}, restart_on_change, reload_on_change) == (expected[0], {TIMER: expected[1]})


def test_plan_without_units_reloads_for_a_changed_unit_file():
    assert service_files.plan([Read(UNIT_FILE, True)], [], {}, True, False) == (True, {})


@pytest.mark.parametrize(
    "command, words",
    [
        pytest.param("bird -p -c %s", ["bird", "-p", "-c", "%s"], id="bird"),
        pytest.param("/usr/sbin/haproxy -c -f %s", ["/usr/sbin/haproxy", "-c", "-f", "%s"], id="absolute-program"),
        pytest.param("check --config=%s --strict", ["check", "--config=%s", "--strict"], id="inside-a-word"),
        pytest.param("check 'a b' %s", ["check", "a b", "%s"], id="quoted-word"),
        pytest.param("check $HOME;reboot %s", ["check", "$HOME;reboot", "%s"], id="no-shell"),
    ],
)
def test_validate_commands_accepted(command, words):
    assert service_files.parse_validate(command, "files[0].validate") == (words, None)


HAPROXY_HINT = "where the path of the file to check goes, as in 'haproxy -c -f %s'"


@pytest.mark.parametrize(
    "command, problem",
    [
        pytest.param("bird -p -c", "v: 'bird -p -c' must hold %%s once, %s" % HAPROXY_HINT, id="no-placeholder"),
        pytest.param("diff %s %s", "v: 'diff %%s %%s' must hold %%s once, %s" % HAPROXY_HINT, id="two-placeholders"),
        pytest.param("", "v: '' must hold %%s once, %s" % HAPROXY_HINT, id="empty"),
        pytest.param("%s -c", "v: '%s -c' must start with the program to run, as in 'haproxy -c -f %s'", id="placeholder-as-program"),
        pytest.param("check 'a %s", "v: \"check 'a %s\" cannot be split into words: No closing quotation", id="unclosed-quote"),
    ],
)
def test_validate_commands_refused(command, problem):
    assert service_files.parse_validate(command, "v") == (None, problem)


def output(count):
    return "".join("line %d\n" % number for number in range(1, count + 1))


@pytest.mark.parametrize(
    "out, err, expected",
    [
        pytest.param("", "bird: /tmp/c:3:1 syntax error\n", "bird: /etc/bird/bird.conf:3:1 syntax error", id="copy-named-as-the-file"),
        pytest.param("checking\n", "  error\n\n", "checking\nerror", id="stdout-then-stderr"),
        pytest.param("", "", "(no output)", id="silent"),
        pytest.param(output(20), "", output(20).strip(), id="twenty-lines-whole"),
        pytest.param(output(25), "", "(5 lines before these left out)\n" + output(25).split("\n", 5)[5].strip(), id="last-twenty-lines"),
    ],
)
def test_a_refusing_command_s_output(out, err, expected):
    assert service_files.output_tail(out, err, "/tmp/c", "/etc/bird/bird.conf") == expected


@pytest.mark.parametrize("existing", [True, False], ids=["next-to-the-file", "private-directory"])
def test_the_temporary_copy_is_private_and_removed(tmp_path, existing):
    directory = tmp_path / "bird"
    if existing:
        directory.mkdir()
    target = OwnedFile(str(directory / "bird.conf"), "router id 192.0.2.1;\n", 0o644)
    with service_files.temporary_copy(target, "files[0].validate") as temp_path:
        seen = (os.path.dirname(temp_path), open(temp_path).read(), stat.S_IMODE(os.stat(temp_path).st_mode),
                stat.S_IMODE(os.stat(os.path.dirname(temp_path)).st_mode))
    assert seen[1:3] == ("router id 192.0.2.1;\n", 0o600)
    if existing:
        assert seen[0] == str(directory)
        assert os.listdir(directory) == []
    else:
        assert seen[0] != str(directory) and seen[3] == 0o700
        assert not os.path.exists(seen[0]) and not directory.exists()


def test_a_temporary_copy_that_cannot_be_written_is_said_plainly(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(service_files.tempfile, "mkstemp", refuse)
    target = OwnedFile(str(tmp_path / "bird.conf"), "x\n", 0o644)
    with pytest.raises(service_files.ServiceFilesError) as raised:
        with service_files.temporary_copy(target, "files[0].validate"):
            raise AssertionError("no copy, no command")
    assert str(raised.value) == ("files[0].validate: cannot write a temporary copy of %s in %s: Permission denied; nothing was changed"
                                 % (target.path, tmp_path))


def test_units_diff_is_left_out_when_systemd_is_asked_nothing(tmp_path):
    program = OwnedFile(str(tmp_path / "x.py"), "x\n", 0o644)
    assert service_files.build_diff([program], [TIMER], {TIMER: state()}, False, {TIMER: []}) == [program.diff()]


@pytest.mark.parametrize("action, note", [("restart", " (restarted)"), ("reload", " (reloaded)"), ("start", "")])
def test_units_diff_says_what_a_running_unit_was_asked(tmp_path, action, note):
    program = OwnedFile(str(tmp_path / "x.py"), "x\n", 0o644)
    units_diff = service_files.build_diff([program], [TIMER], {TIMER: state()}, False, {TIMER: [action]})[-1]
    assert units_diff["after"] == "%s: enabled, active%s\n" % (TIMER, note)


def test_a_secret_file_s_diff_holds_no_content(tmp_path):
    path = tmp_path / "example.json"
    path.write_text('{"token": "old-token"}\n')
    path.chmod(0o600)
    secret = OwnedFile(str(path), '{"token": "new-token"}\n', 0o600, secret=True)
    (diff,) = service_files.build_diff([secret], [], {}, False, {})
    assert "token" not in diff["before"] + diff["after"]


@pytest.mark.parametrize(
    "changed, unit_state, expected",
    [
        pytest.param([], state(enabled=False, active=False), (False, []), id="no-op"),
        pytest.param([UNIT_FILE, PROGRAM], state(), (True, ["stop", "disable"]), id="everything"),
        pytest.param([PROGRAM], state(), (False, ["stop", "disable"]), id="program-only-no-reload"),
        pytest.param([UNIT_FILE], state(enabled=False, active=False), (True, []), id="unit-file-only"),
        pytest.param([], state(active=False), (False, ["disable"]), id="enabled-stopped"),
        pytest.param([], state(enabled=False), (False, ["stop"]), id="running-not-enabled"),
        pytest.param([], state(loaded=False, enabled=False, active=False), (False, []), id="unknown-unit-no-reload"),
        pytest.param([], state(enabled=False, active=False, needs_reload=True), (False, []), id="needs-reload-is-not-asked-for"),
    ],
)
def test_plan_absent(changed, unit_state, expected):
    """restart_on_change and reload_on_change are not used: every pair gives the same plan."""
    owned = [Read(path, path in changed) for path in (PROGRAM, UNIT_FILE)]
    for restart_on_change, reload_on_change in ((True, False), (False, False), (True, True)):
        assert service_files.plan(owned, [TIMER], {TIMER: unit_state}, restart_on_change, reload_on_change, "absent") == (
            expected[0], {TIMER: expected[1]})


@pytest.mark.parametrize(
    "enabled, active, actions",
    [(True, True, ["stop", "disable"]), (True, False, ["disable"]), (False, True, ["stop"]), (False, False, [])],
)
def test_stop_actions(enabled, active, actions):
    assert service_files.stop_actions(enabled, active) == actions


def test_validate_absent_keeps_the_path_only_and_ignores_directory_mode():
    entry = dict(path="/etc/multisite-vpn//example.json", content=None, secret_content=None, mode=None, directory_mode="0700", validate=None)
    assert service_files.validate([entry], [TIMER], "absent") == (
        [dict(path="/etc/multisite-vpn/example.json", content=None, mode=None, directory_mode=None, secret=False, validate=None)], [TIMER])


@pytest.mark.parametrize("option", ["content", "secret_content", "mode", "validate"])
def test_validate_absent_refuses_an_option_by_name_never_by_value(option):
    entry = dict(path="/etc/example.json", content=None, secret_content=None, mode=None, directory_mode="0755", validate=None)
    entry[option] = "s3cr3t %s"
    with pytest.raises(service_files.ServiceFilesError) as raised:
        service_files.validate([entry], [], "absent")
    assert str(raised.value) == "files[0].%s: not allowed with state=absent, which removes the file (give only its path)" % option


def test_an_absent_file_that_is_not_there_is_nothing_to_remove(tmp_path):
    absent = service_files.AbsentFile(str(tmp_path / "gone.conf"), "files[0].path")
    assert absent.changed is False


def test_an_absent_file_is_removed_and_its_diff_holds_its_size_only(tmp_path):
    path = tmp_path / "example.json"
    path.write_text('{"token": "old-token"}\n')
    absent = service_files.AbsentFile(str(path), "files[0].path")
    assert absent.changed is True
    (diff,) = service_files.build_diff([absent], [], {}, False, {}, "absent")
    assert diff == dict(before_header=str(path), after_header=str(path), before="%s: 23 bytes (content not shown)\n" % path,
                        after="%s: removed\n" % path)
    absent.remove()
    assert not path.exists() and tmp_path.is_dir()
    absent.remove()  # gone already: nothing to say


def test_an_absent_file_that_is_a_directory_is_refused(tmp_path):
    with pytest.raises(service_files.ServiceFilesError) as raised:
        service_files.AbsentFile(str(tmp_path), "files[3].path")
    assert str(raised.value) == "files[3].path: %s is a directory; state=absent removes files and leaves directories in place" % tmp_path


def test_an_absent_file_that_cannot_be_removed_is_said_plainly(tmp_path, monkeypatch):
    path = tmp_path / "example.conf"
    path.write_text("x\n")
    absent = service_files.AbsentFile(str(path), "files[0].path")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(service_files.os, "unlink", refuse)
    with pytest.raises(FileWriteError) as raised:
        absent.remove()
    assert str(raised.value) == "cannot remove %s: Permission denied" % path


@pytest.mark.parametrize(
    "unit_state, actions, after",
    [
        pytest.param(state(), ["stop", "disable"], "%s: not enabled, inactive\n" % TIMER, id="known"),
        pytest.param(state(loaded=False, enabled=False, active=False), [], "%s: not loaded\n" % TIMER, id="unknown"),
    ],
)
def test_units_diff_of_absent_says_nothing_stays_enabled_or_active(unit_state, actions, after):
    units_diff = service_files.build_diff([], [TIMER], {TIMER: unit_state}, True, {TIMER: actions}, "absent")[-1]
    assert units_diff["after"] == "(systemd reloaded)\n" + after
