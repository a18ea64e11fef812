# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module end to end: its real main() with files in tmp_path and systemctl replaced by a fake systemd (no
process) that records every call and keeps its units' state as systemd would; validate commands are a fake bird
in the same process."""

from __future__ import annotations

import json
import os
import stat

import pytest

from ansible.module_utils import basic
from ansible_collections.multisite.vpn.plugins.module_utils import service_files, systemd_unit
from ansible_collections.multisite.vpn.plugins.modules.service_files import main

SYSTEMCTL = "/usr/bin/systemctl"
BIRD = "/usr/sbin/bird"
TIMER = "multisite-vpn-example.timer"
SERVICE_TEXT = "[Service]\nType=oneshot\nExecStart=/usr/bin/python3 /usr/local/lib/multisite-vpn/example.py\n"
TIMER_TEXT = "[Timer]\nOnBootSec=15s\nOnUnitActiveSec=15s\n\n[Install]\nWantedBy=timers.target\n"
PROGRAM_TEXT = "import sys\nsys.exit(0)\n"
# Looks like the DNS updater's configuration; the tests search every result for its key.
SECRET_KEY = "c2VjcmV0LXRzaWcta2V5LXZhbHVlLTEyMzQ1Njc4OTA="
SECRET_TEXT = '{\n  "params": {\n    "key_secret": "%s"\n  }\n}\n' % SECRET_KEY


class FakeSystemd:
    """systemctl show/daemon-reload/enable/start/restart/reload/stop/disable over unit files in a directory. A unit is
    loaded when its file exists (systemd loads a unit it has not seen on demand) or the last daemon-reload read it, and
    needs a daemon-reload when its file differs from what the last daemon-reload read; any call but show and
    daemon-reload fails for a unit without a file. FAIL maps (action, unit) to what systemctl says when that call
    fails."""

    def __init__(self, unit_dir):
        self.unit_dir = unit_dir
        self.read_at_reload = {}
        self.enabled = set()
        self.active = set()
        self.calls = []
        self.fail = {}
        # Programs a validate command may run besides systemctl, by path: a function (host, args) -> (rc, out, err).
        self.programs = {BIRD: fake_bird}
        self.copies = []

    def on_disk(self, unit):
        path = os.path.join(self.unit_dir, unit)
        return open(path).read() if os.path.exists(path) else None

    def state(self, unit):
        text = self.on_disk(unit)
        if text is None and unit not in self.read_at_reload:
            return dict(UnitFileState="", ActiveState="inactive", LoadState="not-found", NeedDaemonReload="no")
        self.read_at_reload.setdefault(unit, text)
        return dict(
            UnitFileState="enabled" if unit in self.enabled else "disabled",
            ActiveState="active" if unit in self.active else "inactive",
            LoadState="loaded",
            NeedDaemonReload="yes" if self.read_at_reload[unit] != text else "no",
        )

    def run_command(self, args, **kwargs):
        if args[0] in self.programs:
            return self.programs[args[0]](self, args)
        assert args[0] == SYSTEMCTL, args
        self.calls.append(tuple(args[1:]))
        action, unit = args[1], args[-1]
        if (action, unit) in self.fail:
            return 1, "", self.fail[(action, unit)]
        if action == "show":
            assert args[2] == "--property=UnitFileState,ActiveState,LoadState,NeedDaemonReload"
            return 0, "".join("%s=%s\n" % item for item in self.state(unit).items()), ""
        if action == "daemon-reload":
            self.read_at_reload = {name: self.on_disk(name) for name in os.listdir(self.unit_dir)}
            return 0, "", ""
        if self.on_disk(unit) is None:
            return 1, "", "Failed to %s unit: Unit file %s does not exist." % (action, unit)
        if action == "enable":
            self.enabled.add(unit)
        elif action in ("start", "restart"):
            self.active.add(unit)
        elif action == "reload":
            if unit not in self.active:
                return 1, "", "Job for %s invalid." % unit
        elif action == "stop":
            self.active.discard(unit)
        elif action == "disable":
            self.enabled.discard(unit)
        else:
            raise AssertionError("unexpected systemctl call %r" % (args,))
        return 0, "", ""

    def set_running(self, *units):
        """As a host where the units were installed, enabled and started before."""
        self.read_at_reload = {name: self.on_disk(name) for name in os.listdir(self.unit_dir)}
        self.enabled.update(units)
        self.active.update(units)


BIRD_CONF = "router id 192.0.2.1;\nprotocol device {\n}\n"
BIRD_UNIT = "bird.service"
BIRD_UNIT_TEXT = "[Service]\nExecStart=/usr/sbin/bird -f -u bird -g bird\nExecReload=/usr/sbin/birdc configure\n\n[Install]\nWantedBy=multi-user.target\n"
COPY = "<copy>"


def fake_bird(host, args):
    """bird -p -c FILE: parses FILE and exits; refuses a line with "syntax error" in it as bird would, naming the file and
    the line. Records the call (the copy's path as COPY) and what it read: where, its mode, its text, and whether the
    file it stands for had changed yet."""
    path = next(arg for arg in args if os.path.basename(arg).startswith(service_files.VALIDATE_PREFIX))
    host.calls.append(tuple("bird" if arg == BIRD else COPY if arg == path else arg for arg in args))
    text = open(path).read()
    host.copies.append(dict(directory=os.path.dirname(path), mode=mode_of(path), text=text))
    for number, line in enumerate(text.splitlines(), 1):
        if "syntax error" in line:
            return 1, "", "bird: %s:%d:1 syntax error, unexpected CF_SYM_UNDEFINED\n" % (path, number)
    return 0, "", ""


@pytest.fixture
def host(tmp_path, monkeypatch):
    """A host in tmp_path: the unit directory stands for /etc/systemd/system, systemctl is the fake."""
    unit_dir = tmp_path / "etc" / "systemd" / "system"
    monkeypatch.setattr(systemd_unit, "UNIT_DIRECTORY", str(unit_dir))
    unit_dir.mkdir(parents=True)
    fake = FakeSystemd(str(unit_dir))
    monkeypatch.setattr(basic.AnsibleModule, "run_command", lambda module, args, **kwargs: fake.run_command(args, **kwargs))
    programs = {"systemctl": SYSTEMCTL, "bird": BIRD, BIRD: BIRD}
    monkeypatch.setattr(basic.AnsibleModule, "get_bin_path", lambda module, name, *args, **kwargs: programs.get(name))
    fake.root = tmp_path
    return fake


def paths(host):
    root = host.root
    return dict(
        program=str(root / "usr" / "local" / "lib" / "multisite-vpn" / "example.py"),
        config=str(root / "etc" / "multisite-vpn" / "example.json"),
        service=str(root / "etc" / "systemd" / "system" / "multisite-vpn-example.service"),
        timer=str(root / "etc" / "systemd" / "system" / TIMER),
    )


def arguments(host, **changes):
    where = paths(host)
    files = [
        dict(path=where["program"], content=PROGRAM_TEXT, mode="0644"),
        dict(path=where["config"], secret_content=SECRET_TEXT, mode="0600"),
        dict(path=where["service"], content=SERVICE_TEXT, mode="0644"),
        dict(path=where["timer"], content=TIMER_TEXT, mode="0644"),
    ]
    return dict(dict(files=files, units=[TIMER]), **changes)


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def show(unit):
    return ("show", "--property=UnitFileState,ActiveState,LoadState,NeedDaemonReload", unit)


def tree(root):
    """Every file under ROOT with its content and mode, to prove that nothing changed."""
    found = {}
    for directory, _directories, names in os.walk(root):
        for name in names:
            path = os.path.join(directory, name)
            found[path] = (open(path, "rb").read(), mode_of(path))
    return found


def test_first_run_writes_the_files_then_reloads_enables_and_starts(host, run_module):
    failed, result = run_module(main, arguments(host))
    assert not failed, result
    where = paths(host)
    assert result["changed"] is True
    assert result["files_changed"] == [where["program"], where["config"], where["service"], where["timer"]]
    assert result["daemon_reload"] is True
    assert result["unit_actions"] == {TIMER: ["enable", "start"]}
    assert host.calls == [show(TIMER), ("daemon-reload",), ("enable", TIMER), ("start", TIMER)]
    assert [open(where[name]).read() for name in ("program", "config", "timer")] == [PROGRAM_TEXT, SECRET_TEXT, TIMER_TEXT]
    assert [mode_of(where[name]) for name in ("program", "config", "service")] == [0o644, 0o600, 0o644]
    assert mode_of(os.path.dirname(where["program"])) == 0o755
    assert mode_of(os.path.dirname(where["config"])) == 0o755


def test_second_run_changes_nothing_and_only_reads_each_unit_once(host, run_module):
    other = "multisite-vpn-other.timer"
    args = arguments(host, units=[TIMER, other])
    args["files"].append(dict(path=str(host.root / "etc" / "systemd" / "system" / other), content=TIMER_TEXT, mode="0644"))
    run_module(main, args)
    host.calls.clear()
    before = tree(host.root)
    failed, result = run_module(main, args)
    assert not failed, result
    assert (result["changed"], result["files_changed"], result["daemon_reload"]) == (False, [], False)
    assert result["unit_actions"] == {TIMER: [], other: []}
    assert host.calls == [show(TIMER), show(other)]
    assert tree(host.root) == before


@pytest.mark.parametrize(
    "change, files_changed, calls",
    [
        pytest.param(dict(timer=TIMER_TEXT.replace("15s", "20s")), ["timer"], [("daemon-reload",), ("restart", TIMER)], id="unit-file"),
        pytest.param(dict(service=SERVICE_TEXT + "Nice=5\n"), ["service"], [("daemon-reload",), ("restart", TIMER)], id="other-unit-file"),
        pytest.param(dict(program=PROGRAM_TEXT + "# v2\n"), ["program"], [("restart", TIMER)], id="program-no-reload"),
        pytest.param(dict(config=SECRET_TEXT.replace("key_secret", "api_token")), ["config"], [("restart", TIMER)], id="secret-file"),
    ],
)
def test_a_changed_file_restarts_and_reloads_only_for_unit_files(host, run_module, change, files_changed, calls):
    run_module(main, arguments(host))
    host.calls.clear()
    args = arguments(host)
    names = ["program", "config", "service", "timer"]
    for name, text in change.items():
        entry = args["files"][names.index(name)]
        entry["secret_content" if "secret_content" in entry else "content"] = text
    failed, result = run_module(main, args)
    assert not failed, result
    assert result["files_changed"] == [paths(host)[name] for name in files_changed]
    assert host.calls == [show(TIMER)] + calls
    assert result["daemon_reload"] is (("daemon-reload",) in calls)
    assert result["unit_actions"] == {TIMER: ["restart"]}


def test_a_mode_alone_is_a_change(host, run_module):
    run_module(main, arguments(host))
    os.chmod(paths(host)["program"], 0o666)
    host.calls.clear()
    failed, result = run_module(main, arguments(host))
    assert not failed, result
    assert result["files_changed"] == [paths(host)["program"]]
    assert mode_of(paths(host)["program"]) == 0o644
    assert host.calls == [show(TIMER), ("restart", TIMER)]


def test_without_restart_on_change_a_running_unit_is_left_alone(host, run_module):
    run_module(main, arguments(host))
    host.calls.clear()
    args = arguments(host, restart_on_change=False)
    args["files"][0]["content"] = PROGRAM_TEXT + "# v2\n"
    failed, result = run_module(main, args)
    assert not failed, result
    assert (result["changed"], result["unit_actions"]) == (True, {TIMER: []})
    assert host.calls == [show(TIMER)]


@pytest.mark.parametrize(
    "enabled, active, actions",
    [
        pytest.param(False, True, ["enable"], id="disabled"),
        pytest.param(True, False, ["start"], id="stopped"),
        pytest.param(False, False, ["enable", "start"], id="both"),
    ],
)
def test_a_unit_someone_stopped_or_disabled_is_put_back_without_a_reload(host, run_module, enabled, active, actions):
    run_module(main, arguments(host))
    if not enabled:
        host.enabled.discard(TIMER)
    if not active:
        host.active.discard(TIMER)
    host.calls.clear()
    failed, result = run_module(main, arguments(host))
    assert not failed, result
    assert (result["changed"], result["files_changed"], result["daemon_reload"]) == (True, [], False)
    assert result["unit_actions"] == {TIMER: actions}
    assert host.calls == [show(TIMER)] + [(action, TIMER) for action in actions]


def test_a_unit_file_changed_behind_systemd_s_back_is_reloaded(host, run_module):
    """Files as wanted, but systemd read an older unit file (a run that stopped between the write and the reload)."""
    run_module(main, arguments(host))
    host.read_at_reload[TIMER] = "[Timer]\nOnBootSec=1s\n"
    host.calls.clear()
    failed, result = run_module(main, arguments(host))
    assert not failed, result
    assert (result["changed"], result["files_changed"], result["daemon_reload"]) == (True, [], True)
    assert host.calls == [show(TIMER), ("daemon-reload",)]


def test_an_old_host_with_the_same_files_sees_no_change(host, run_module):
    """A host that the roles' former template tasks converged: same files, unit enabled and active."""
    for name, text, mode in (("program", PROGRAM_TEXT, 0o644), ("config", SECRET_TEXT, 0o600), ("service", SERVICE_TEXT, 0o644),
                             ("timer", TIMER_TEXT, 0o644)):
        path = paths(host)[name]
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as handle:
            handle.write(text)
        os.chmod(path, mode)
    host.set_running(TIMER)
    failed, result = run_module(main, arguments(host))
    assert not failed, result
    assert result["changed"] is False
    assert host.calls == [show(TIMER)]


@pytest.mark.parametrize("converged", [False, True], ids=["new-host", "changed-timer"])
def test_check_mode_writes_nothing_and_reports_what_a_real_run_does(host, run_module, tmp_path, converged):
    if converged:
        run_module(main, arguments(host))
    args = arguments(host)
    args["files"][3]["content"] = TIMER_TEXT.replace("15s", "20s")
    before = tree(host.root)
    host.calls.clear()
    failed, checked = run_module(main, args, check_mode=True)
    assert not failed, checked
    assert host.calls == [show(TIMER)]
    assert tree(host.root) == before
    host.calls.clear()
    failed, applied = run_module(main, args)
    assert not failed, applied
    for key in ("changed", "files_changed", "daemon_reload", "unit_actions", "validated"):
        assert checked[key] == applied[key], key
    assert [call[0] for call in host.calls[1:]] == ["daemon-reload"] + applied["unit_actions"][TIMER]


def test_diff_shows_changed_files_hides_the_secret_and_shows_the_units(host, run_module):
    run_module(main, arguments(host))
    args = arguments(host)
    args["files"][1]["secret_content"] = SECRET_TEXT.replace(SECRET_KEY, SECRET_KEY[::-1])
    args["files"][3]["content"] = TIMER_TEXT.replace("15s", "20s")
    failed, result = run_module(main, args, check_mode=True, diff=True)
    assert not failed, result
    config, timer, units = result["diff"]
    assert config == dict(before_header=paths(host)["config"], after_header=paths(host)["config"],
                          before="(content not shown: it holds secrets)\n", after="(new content, not shown: it holds secrets)\n")
    assert (timer["before"], timer["after"]) == (TIMER_TEXT, args["files"][3]["content"])
    assert units == dict(before_header="systemd units", after_header="systemd units",
                         before="%s: enabled, active\n" % TIMER,
                         after="(systemd reloaded)\n%s: enabled, active (restarted)\n" % TIMER)


def test_diff_of_a_no_op_run_is_empty(host, run_module):
    run_module(main, arguments(host))
    failed, result = run_module(main, arguments(host), diff=True)
    assert not failed, result
    assert result["diff"] == []


def test_diff_of_a_new_host(host, run_module):
    failed, result = run_module(main, arguments(host), check_mode=True, diff=True)
    assert not failed, result
    assert [entry["before"] for entry in result["diff"]] == ["", "", "", "", "%s: not loaded\n" % TIMER]
    assert result["diff"][1]["after"] == "(new content, not shown: it holds secrets)\n"
    assert result["diff"][4]["after"] == "(systemd reloaded)\n%s: enabled, active\n" % TIMER


def secret_runs(host, run_module):
    """Runs that touch the secret file every way: new, unchanged, changed, check and diff, failing."""
    yield run_module(main, arguments(host), diff=True)
    yield run_module(main, arguments(host), check_mode=True, diff=True)
    args = arguments(host)
    args["files"][1]["secret_content"] = SECRET_TEXT.replace("params", "other")
    yield run_module(main, args, diff=True)
    bad_mode = arguments(host)
    bad_mode["files"][1]["mode"] = "0999"
    yield run_module(main, bad_mode)
    both = arguments(host)
    both["files"][1]["content"] = SECRET_TEXT
    yield run_module(main, both)
    not_text = arguments(host)
    not_text["files"][1]["secret_content"] = {"key_secret": SECRET_KEY}
    yield run_module(main, not_text)
    # Ansible's own argument checks fail before the module's code runs; the secret is masked all the same.
    yield run_module(main, arguments(host, unitz=[TIMER]))
    misspelt = arguments(host)
    misspelt["files"][1]["mdoe"] = "0600"
    yield run_module(main, misspelt)
    yield run_module(main, arguments(host, restart_on_change="sometimes"))
    validated = arguments(host)
    validated["files"][1]["validate"] = "cat %s"
    yield run_module(main, validated)
    host.fail[("restart", TIMER)] = "Job for %s failed." % TIMER
    yield run_module(main, arguments(host), diff=True)


def test_the_secret_never_appears_anywhere(host, run_module):
    outcomes = list(secret_runs(host, run_module))
    assert [failed for failed, _result in outcomes] == [False, False, False, True, True, True, True, True, True, True, True]
    for _failed, result in outcomes:
        assert SECRET_KEY not in json.dumps(result)
        assert SECRET_KEY[::-1] not in json.dumps(result)


FILE = dict(path="/usr/local/lib/multisite-vpn/example.py", content=PROGRAM_TEXT, mode="0644")


@pytest.mark.parametrize(
    "files, units, message",
    [
        pytest.param([dict(FILE, path="usr/local/x.py")], [],
                     "files[0].path: 'usr/local/x.py' is relative; give an absolute path", id="relative-path"),
        pytest.param([dict(FILE, path="")], [], "files[0].path: give an absolute path", id="empty-path"),
        pytest.param([dict(FILE, path="/etc/../root/.ssh/authorized_keys")], [],
                     "files[0].path: '/etc/../root/.ssh/authorized_keys' has a '..' component; give the path without it", id="dot-dot"),
        pytest.param([dict(FILE, path="/etc/multisite-vpn/")], [],
                     "files[0].path: '/etc/multisite-vpn/' names a directory; give the path of a file", id="directory"),
        pytest.param([FILE, dict(FILE, path="/usr/local/lib//multisite-vpn/./example.py")], [],
                     "files[1].path: /usr/local/lib//multisite-vpn/./example.py is also files[0].path", id="duplicate-path"),
        pytest.param([dict(FILE, mode="0999")], [], "files[0].mode: '0999' is not an octal mode; give one such as \"0644\"", id="mode-not-octal"),
        pytest.param([dict(FILE, mode="u=rw")], [], "files[0].mode: 'u=rw' is not an octal mode; give one such as \"0644\"", id="mode-symbolic"),
        pytest.param([dict(FILE, mode="17777")], [], "files[0].mode: '17777' is above \"7777\"", id="mode-too-big"),
        pytest.param([dict(FILE, mode=420)], [],
                     "files[0].mode: 420 is a number; give the mode as a quoted octal string such as \"0644\" (YAML reads 0644 unquoted"
                     " as the number 420)", id="mode-number"),
        pytest.param([dict(FILE, directory_mode="755x")], [],
                     "files[0].directory_mode: '755x' is not an octal mode; give one such as \"0644\"", id="directory-mode"),
        pytest.param([dict(FILE, content=["a", "b"])], [], "files[0].content: must be a string (the file's text), not a list",
                     id="content-not-text"),
        pytest.param([dict(path=FILE["path"], mode="0644")], [],
                     "files[0]: give content (or secret_content for a file that holds secrets)", id="no-content"),
        pytest.param([dict(FILE, secret_content="x")], [], "files[0]: give content or secret_content, not both", id="both-contents"),
        pytest.param([], ["/etc/systemd/system/example.timer"],
                     "units[0]: '/etc/systemd/system/example.timer' is a path; give the unit's name only, such as example.timer", id="unit-path"),
        pytest.param([], ["example"], "units[0]: 'example' has no unit suffix; give one of .service, .timer, .socket, .path", id="unit-no-suffix"),
        pytest.param([], ["example.target"], "units[0]: 'example.target' has no unit suffix; give one of .service, .timer, .socket, .path",
                     id="unit-other-type"),
        pytest.param([], ["--now.service"],
                     "units[0]: '--now.service' is not a unit name systemd accepts (a template needs an instance, as in name@instance.service)",
                     id="unit-option"),
        pytest.param([], ["getty@.service"],
                     "units[0]: 'getty@.service' is not a unit name systemd accepts (a template needs an instance, as in name@instance.service)",
                     id="unit-template"),
        pytest.param([], ["a.timer", "a.timer"], "units[1]: a.timer is also units[0]", id="unit-twice"),
        pytest.param([dict(FILE, validate="bird -p -c")], [],
                     "files[0].validate: 'bird -p -c' must hold %s once, where the path of the file to check goes, as in 'haproxy -c -f %s'",
                     id="validate-without-placeholder"),
        pytest.param([FILE, dict(FILE, path="/etc/bird/bird.conf", validate="bird -p -c %s %s")], [],
                     "files[1].validate: 'bird -p -c %s %s' must hold %s once, where the path of the file to check goes, as in 'haproxy -c -f %s'",
                     id="validate-two-placeholders"),
        pytest.param([dict(path="/etc/bird/bird.conf", secret_content="x", validate="bird -p -c %s")], [],
                     "files[0].validate: not allowed with secret_content (the command's output could quote the secret)", id="validate-secret"),
        pytest.param([dict(FILE, path="x"), dict(FILE, mode="8")], ["x"],
                     "files[0].path: 'x' is relative; give an absolute path; files[1].mode: '8' is not an octal mode; give one such as \"0644\";"
                     " units[0]: 'x' has no unit suffix; give one of .service, .timer, .socket, .path", id="every-problem-at-once"),
    ],
)
def test_bad_input_fails_with_one_message_and_changes_nothing(host, run_module, files, units, message):
    before = tree(host.root)
    failed, result = run_module(main, dict(files=files, units=units))
    assert failed
    assert result["msg"] == message
    assert result["changed"] is False
    assert host.calls == []
    assert tree(host.root) == before
    assert "Traceback" not in json.dumps(result)


def test_an_empty_units_list_manages_files_only_without_systemctl(host, run_module, monkeypatch):
    monkeypatch.setattr(basic.AnsibleModule, "get_bin_path", lambda module, name, *args, **kwargs: None)
    path = str(host.root / "opt" / "example" / "settings.conf")
    failed, result = run_module(main, dict(files=[dict(path=path, content="a = 1\n")]))
    assert not failed, result
    assert (result["changed"], result["unit_actions"], result["daemon_reload"]) == (True, {}, False)
    assert mode_of(path) == 0o644
    assert host.calls == []


@pytest.mark.parametrize("units", [[TIMER], []], ids=["units", "unit-file-only"])
def test_missing_systemctl_is_said_plainly(host, run_module, monkeypatch, units):
    monkeypatch.setattr(basic.AnsibleModule, "get_bin_path", lambda module, name, *args, **kwargs: None)
    before = tree(host.root)
    failed, result = run_module(main, arguments(host, units=units))
    assert failed
    assert result["msg"] == "systemctl not found: this host does not run systemd, which multisite.vpn needs"
    assert tree(host.root) == before


def test_a_secret_file_defaults_to_0600_and_others_to_0644(host, run_module):
    where = paths(host)
    files = [dict(path=where["program"], content=PROGRAM_TEXT), dict(path=where["config"], secret_content=SECRET_TEXT)]
    failed, result = run_module(main, dict(files=files))
    assert not failed, result
    assert [mode_of(where["program"]), mode_of(where["config"])] == [0o644, 0o600]


def test_a_unit_that_fails_to_start_points_at_its_journal_and_says_what_was_done(host, run_module):
    host.fail[("start", TIMER)] = "Job for %s failed because the control process exited with error code." % TIMER
    failed, result = run_module(main, arguments(host))
    assert failed
    assert result["msg"] == (
        "systemctl start %s failed: Job for %s failed because the control process exited with error code.; see journalctl -u %s"
        % (TIMER, TIMER, TIMER)
    )
    assert result["changed"] is True
    assert len(result["files_changed"]) == 4 and result["daemon_reload"] is True
    assert result["unit_actions"] == {TIMER: ["enable"]}


def test_a_socket_unit_that_fails_points_at_its_journal_too(host, run_module):
    socket_unit = "multisite-vpn-example.socket"
    path = str(host.root / "etc" / "systemd" / "system" / socket_unit)
    host.fail[("start", socket_unit)] = "Job failed."
    failed, result = run_module(main, dict(files=[dict(path=path, content="[Socket]\nListenStream=8080\n")], units=[socket_unit]))
    assert failed
    assert result["msg"].endswith("; see journalctl -u %s" % socket_unit)


def test_a_unit_systemd_does_not_know_and_no_file_installs_is_refused_before_any_write(host, run_module):
    args = arguments(host, units=[TIMER, "multisite-vpn-missing.timer"])
    before = tree(host.root)
    for check_mode in (True, False):
        failed, result = run_module(main, args, check_mode=check_mode)
        assert failed
        assert result["msg"] == (
            "units[1]: systemd knows no unit multisite-vpn-missing.timer, and no entry of files installs it under %s"
            % systemd_unit.UNIT_DIRECTORY
        )
    assert tree(host.root) == before


def test_a_failing_read_names_the_unit(host, run_module):
    host.fail[("show", TIMER)] = "Failed to connect to bus: No such file or directory"
    failed, result = run_module(main, arguments(host))
    assert failed
    assert result["msg"] == "cannot read the state of %s: Failed to connect to bus: No such file or directory" % TIMER
    assert not os.path.exists(paths(host)["program"])


def bird_paths(host):
    return dict(conf=str(host.root / "etc" / "bird" / "bird.conf"), unit=str(host.root / "etc" / "systemd" / "system" / BIRD_UNIT))


def bird_host(host, active=True, conf=True):
    """A host where the bird package put its unit and (with CONF) its configuration, and bird runs (with ACTIVE)."""
    where = bird_paths(host)
    with open(where["unit"], "w") as handle:
        handle.write(BIRD_UNIT_TEXT)
    if conf:
        os.makedirs(os.path.dirname(where["conf"]))
        with open(where["conf"], "w") as handle:
            handle.write(BIRD_CONF)
        os.chmod(where["conf"], 0o644)
    host.set_running(BIRD_UNIT)
    if not active:
        host.active.discard(BIRD_UNIT)
    return where


def bird_arguments(host, conf, **changes):
    files = [dict(path=bird_paths(host)["conf"], content=conf, mode="0644", validate="bird -p -c %s")]
    return dict(dict(files=files, units=[BIRD_UNIT], reload_on_change=True), **changes)


NEW_BIRD_CONF = BIRD_CONF.replace("192.0.2.1", "192.0.2.2")
REFUSED_BIRD_CONF = BIRD_CONF + "protocol kernel { syntax error }\n"


@pytest.mark.parametrize(
    "active, restart_on_change, actions",
    [
        pytest.param(True, True, ["reload"], id="active-reloads-not-restarts"),
        pytest.param(True, False, ["reload"], id="active-reloads-without-restart-on-change"),
        pytest.param(False, True, ["start"], id="inactive-starts"),
    ],
)
def test_a_changed_configuration_is_checked_then_bird_reloaded(host, run_module, active, restart_on_change, actions):
    where = bird_host(host, active=active)
    args = bird_arguments(host, NEW_BIRD_CONF, restart_on_change=restart_on_change)
    failed, result = run_module(main, args, diff=True)
    assert not failed, result
    assert (result["changed"], result["validated"], result["files_changed"]) == (True, [where["conf"]], [where["conf"]])
    assert result["unit_actions"] == {BIRD_UNIT: actions}
    assert host.calls == [show(BIRD_UNIT), ("bird", "-p", "-c", COPY)] + [(action, BIRD_UNIT) for action in actions]
    assert host.copies == [dict(directory=os.path.dirname(where["conf"]), mode=0o600, text=NEW_BIRD_CONF)]
    assert open(where["conf"]).read() == NEW_BIRD_CONF
    assert os.listdir(os.path.dirname(where["conf"])) == ["bird.conf"]
    assert result["diff"][-1]["after"] == "%s: enabled, active%s\n" % (BIRD_UNIT, " (reloaded)" if active else "")


@pytest.mark.parametrize("check_mode", [False, True], ids=["run", "check-mode"])
def test_a_configuration_bird_refuses_changes_nothing_not_even_an_accepted_file_before_it(host, run_module, check_mode):
    where = bird_host(host)
    filters = str(host.root / "etc" / "bird" / "filters.conf")
    args = bird_arguments(host, REFUSED_BIRD_CONF)
    args["files"].insert(0, dict(path=filters, content="define ASN = 64512;\n", validate="bird -p -c %s"))
    args["files"].insert(0, dict(path=paths(host)["program"], content=PROGRAM_TEXT))
    before = tree(host.root)
    failed, result = run_module(main, args, check_mode=check_mode)
    assert failed
    assert result["msg"] == (
        "files[2].validate: bird -p -c %s refuses the content to be written to " + where["conf"] + " (exit status 1); nothing was changed:\n"
        "bird: " + where["conf"] + ":4:1 syntax error, unexpected CF_SYM_UNDEFINED"
    )
    assert (result["changed"], result["files_changed"], result["daemon_reload"], result["unit_actions"]) == (False, [], False, {})
    assert result["validated"] == [filters]
    assert host.calls == [show(BIRD_UNIT), ("bird", "-p", "-c", COPY), ("bird", "-p", "-c", COPY)]
    assert tree(host.root) == before


def test_check_mode_runs_the_validate_command_writes_nothing_and_reports_what_a_real_run_does(host, run_module):
    bird_host(host)
    args = bird_arguments(host, NEW_BIRD_CONF)
    before = tree(host.root)
    failed, checked = run_module(main, args, check_mode=True)
    assert not failed, checked
    assert host.calls == [show(BIRD_UNIT), ("bird", "-p", "-c", COPY)]
    assert tree(host.root) == before
    failed, applied = run_module(main, args)
    assert not failed, applied
    for key in ("changed", "files_changed", "daemon_reload", "unit_actions", "validated"):
        assert checked[key] == applied[key], key


@pytest.mark.parametrize(
    "mode, changed, calls",
    [
        pytest.param(0o644, False, [], id="unchanged-no-command"),
        pytest.param(0o640, True, [("bird", "-p", "-c", COPY), ("reload", BIRD_UNIT)], id="mode-only-is-checked-too"),
    ],
)
def test_a_file_is_checked_only_when_it_is_to_be_written(host, run_module, mode, changed, calls):
    where = bird_host(host)
    os.chmod(where["conf"], mode)
    failed, result = run_module(main, bird_arguments(host, BIRD_CONF))
    assert not failed, result
    assert (result["changed"], result["validated"]) == (changed, [where["conf"]] if changed else [])
    assert host.calls == [show(BIRD_UNIT)] + calls


def test_a_new_file_is_checked_from_a_private_directory_and_its_own_is_not_created_in_check_mode(host, run_module):
    where = bird_host(host, conf=False)
    failed, result = run_module(main, bird_arguments(host, NEW_BIRD_CONF), check_mode=True)
    assert not failed, result
    assert result["validated"] == [where["conf"]]
    (copy,) = host.copies
    assert (copy["mode"], copy["text"]) == (0o600, NEW_BIRD_CONF)
    assert copy["directory"] != os.path.dirname(where["conf"])
    assert not os.path.exists(copy["directory"])
    assert not os.path.exists(os.path.dirname(where["conf"]))


def not_executable(host, args):
    raise PermissionError(13, "Permission denied")


@pytest.mark.parametrize(
    "command, program, message",
    [
        pytest.param("bird2 -p -c %s", fake_bird, "files[0].validate: bird2 not found on the host (command bird2 -p -c %s); nothing was changed",
                     id="not-found"),
        pytest.param(BIRD + " -p -c %s", not_executable, "files[0].validate: cannot run /usr/sbin/bird: Permission denied; nothing was changed",
                     id="cannot-run"),
    ],
)
def test_a_validate_program_that_cannot_run_is_said_plainly(host, run_module, command, program, message):
    bird_host(host)
    host.programs[BIRD] = program
    args = bird_arguments(host, NEW_BIRD_CONF)
    args["files"][0]["validate"] = command
    before = tree(host.root)
    failed, result = run_module(main, args)
    assert failed
    assert result["msg"] == message
    assert (result["changed"], result["validated"]) == (False, [])
    assert host.calls == [show(BIRD_UNIT)]
    assert tree(host.root) == before
    assert "Traceback" not in json.dumps(result)


def test_a_failing_reload_points_at_the_journal_and_says_what_was_done(host, run_module):
    where = bird_host(host)
    host.fail[("reload", BIRD_UNIT)] = "Job for %s failed because the control process exited with error code." % BIRD_UNIT
    failed, result = run_module(main, bird_arguments(host, NEW_BIRD_CONF))
    assert failed
    assert result["msg"] == (
        "systemctl reload %s failed: Job for %s failed because the control process exited with error code.; see journalctl -u %s"
        % (BIRD_UNIT, BIRD_UNIT, BIRD_UNIT)
    )
    assert (result["changed"], result["files_changed"], result["validated"]) == (True, [where["conf"]], [where["conf"]])
    assert result["unit_actions"] == {}
    assert host.calls[-1] == ("reload", BIRD_UNIT)


def absent_arguments(host, **changes):
    """arguments(host) turned into state=absent: the same files by path alone, the same unit."""
    files = [dict(path=entry["path"]) for entry in arguments(host)["files"]]
    return dict(dict(state="absent", files=files, units=[TIMER]), **changes)


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({}, id="defaults"),
        pytest.param(dict(restart_on_change=False), id="restart-on-change-not-used"),
        pytest.param(dict(reload_on_change=True), id="reload-on-change-not-used"),
    ],
)
def test_absent_stops_disables_removes_then_reloads_and_a_second_run_changes_nothing(host, run_module, changes):
    """The fake refuses to stop or disable a unit whose file is gone: units are taken away before the files."""
    run_module(main, arguments(host))
    where = paths(host)
    host.calls.clear()
    failed, result = run_module(main, absent_arguments(host, **changes))
    assert not failed, result
    assert (result["changed"], result["daemon_reload"], result["validated"]) == (True, True, [])
    assert result["files_changed"] == [where["program"], where["config"], where["service"], where["timer"]]
    assert result["unit_actions"] == {TIMER: ["stop", "disable"]}
    assert host.calls == [show(TIMER), ("stop", TIMER), ("disable", TIMER), ("daemon-reload",)]
    assert (host.enabled, host.active) == (set(), set())
    assert not any(os.path.lexists(path) for path in where.values())
    assert all(os.path.isdir(os.path.dirname(path)) for path in where.values())
    host.calls.clear()
    failed, again = run_module(main, absent_arguments(host, **changes), diff=True)
    assert not failed, again
    assert (again["changed"], again["files_changed"], again["daemon_reload"], again["unit_actions"]) == (False, [], False, {TIMER: []})
    assert again["diff"] == []
    assert host.calls == [show(TIMER)]


def test_absent_on_a_host_without_any_of_it_changes_nothing_and_only_reads(host, run_module):
    before = tree(host.root)
    failed, result = run_module(main, absent_arguments(host), diff=True)
    assert not failed, result
    assert (result["changed"], result["files_changed"], result["daemon_reload"], result["unit_actions"]) == (False, [], False, {TIMER: []})
    assert result["diff"] == []
    assert host.calls == [show(TIMER)]
    assert tree(host.root) == before


def test_absent_leaves_out_a_unit_systemd_does_not_know(host, run_module):
    run_module(main, arguments(host))
    missing = "multisite-vpn-missing.timer"
    host.calls.clear()
    failed, result = run_module(main, absent_arguments(host, units=[missing, TIMER]))
    assert not failed, result
    assert result["unit_actions"] == {missing: [], TIMER: ["stop", "disable"]}
    assert host.calls == [show(missing), show(TIMER), ("stop", TIMER), ("disable", TIMER), ("daemon-reload",)]


@pytest.mark.parametrize(
    "enabled, active, actions",
    [
        pytest.param(True, False, ["disable"], id="enabled-stopped"),
        pytest.param(False, True, ["stop"], id="disabled-running"),
    ],
)
def test_absent_asks_systemd_only_what_is_needed(host, run_module, enabled, active, actions):
    """A unit the package installed (bird's): no file of this task, so no daemon-reload."""
    bird_host(host)
    if not enabled:
        host.enabled.discard(BIRD_UNIT)
    if not active:
        host.active.discard(BIRD_UNIT)
    host.calls.clear()
    failed, result = run_module(main, dict(state="absent", files=[dict(path=bird_paths(host)["conf"])], units=[BIRD_UNIT]))
    assert not failed, result
    assert (result["changed"], result["files_changed"], result["daemon_reload"]) == (True, [bird_paths(host)["conf"]], False)
    assert result["unit_actions"] == {BIRD_UNIT: actions}
    assert host.calls == [show(BIRD_UNIT)] + [(action, BIRD_UNIT) for action in actions]
    assert os.path.exists(bird_paths(host)["unit"])


def test_absent_without_units_or_unit_files_needs_no_systemctl(host, run_module, monkeypatch):
    run_module(main, arguments(host))
    monkeypatch.setattr(basic.AnsibleModule, "get_bin_path", lambda module, name, *args, **kwargs: None)
    host.calls.clear()
    program = paths(host)["program"]
    failed, result = run_module(main, dict(state="absent", files=[dict(path=program)]))
    assert not failed, result
    assert (result["changed"], result["files_changed"], result["daemon_reload"], result["unit_actions"]) == (True, [program], False, {})
    assert host.calls == []
    assert not os.path.exists(program)


def test_absent_in_check_mode_reports_what_a_real_run_does_and_changes_nothing(host, run_module):
    run_module(main, arguments(host))
    before = tree(host.root)
    host.calls.clear()
    failed, checked = run_module(main, absent_arguments(host), check_mode=True, diff=True)
    assert not failed, checked
    assert host.calls == [show(TIMER)]
    assert tree(host.root) == before
    assert (host.enabled, host.active) == ({TIMER}, {TIMER})
    where = paths(host)
    *files, units = checked["diff"]
    assert files == [
        dict(before_header=path, after_header=path, before="%s: %d bytes (content not shown)\n" % (path, len(text)), after="%s: removed\n" % path)
        for path, text in zip((where["program"], where["config"], where["service"], where["timer"]),
                              (PROGRAM_TEXT, SECRET_TEXT, SERVICE_TEXT, TIMER_TEXT))
    ]
    assert units == dict(before_header="systemd units", after_header="systemd units", before="%s: enabled, active\n" % TIMER,
                         after="(systemd reloaded)\n%s: not enabled, inactive\n" % TIMER)
    assert SECRET_KEY not in json.dumps(checked)
    host.calls.clear()
    failed, applied = run_module(main, absent_arguments(host), diff=True)
    assert not failed, applied
    for key in ("changed", "files_changed", "daemon_reload", "unit_actions", "validated", "diff"):
        assert checked[key] == applied[key], key


@pytest.mark.parametrize(
    "option, value",
    [
        pytest.param("content", PROGRAM_TEXT, id="content"),
        pytest.param("secret_content", SECRET_TEXT, id="secret-content"),
        pytest.param("mode", "0644", id="mode"),
        pytest.param("validate", "bird -p -c %s", id="validate"),
    ],
)
def test_absent_refuses_what_describes_a_file_s_content(host, run_module, option, value):
    run_module(main, arguments(host))
    args = absent_arguments(host)
    args["files"][1][option] = value
    before = tree(host.root)
    host.calls.clear()
    failed, result = run_module(main, args)
    assert failed
    assert result["msg"] == "files[1].%s: not allowed with state=absent, which removes the file (give only its path)" % option
    assert (result["changed"], result["files_changed"], result["unit_actions"]) == (False, [], {})
    assert host.calls == []
    assert tree(host.root) == before
    assert SECRET_KEY not in json.dumps(result)


def test_absent_names_every_problem_at_once(host, run_module):
    files = [dict(path="x", content="a\n"), dict(path="/etc/example.conf", mode="0600", validate="check %s")]
    failed, result = run_module(main, dict(state="absent", files=files, units=["example"]))
    assert failed
    assert result["msg"] == (
        "files[0].path: 'x' is relative; give an absolute path;"
        " files[0].content: not allowed with state=absent, which removes the file (give only its path);"
        " files[1].mode: not allowed with state=absent, which removes the file (give only its path);"
        " files[1].validate: not allowed with state=absent, which removes the file (give only its path);"
        " units[0]: 'example' has no unit suffix; give one of .service, .timer, .socket, .path"
    )
    assert host.calls == []


def test_absent_refuses_a_directory_before_anything_is_changed(host, run_module):
    run_module(main, arguments(host))
    args = absent_arguments(host)
    args["files"].append(dict(path=os.path.dirname(paths(host)["config"])))
    before = tree(host.root)
    host.calls.clear()
    failed, result = run_module(main, args)
    assert failed
    assert result["msg"] == ("files[4].path: %s is a directory; state=absent removes files and leaves directories in place"
                             % os.path.dirname(paths(host)["config"]))
    assert (result["changed"], result["files_changed"], result["unit_actions"]) == (False, [], {})
    assert host.calls == []
    assert tree(host.root) == before
    assert (host.enabled, host.active) == ({TIMER}, {TIMER})


def test_absent_removes_a_symbolic_link_not_its_target(host, run_module, tmp_path):
    target = tmp_path / "kept.conf"
    target.write_text("kept\n")
    link = tmp_path / "etc" / "example.conf"
    link.parent.mkdir(exist_ok=True)
    link.symlink_to(target)
    failed, result = run_module(main, dict(state="absent", files=[dict(path=str(link))]))
    assert not failed, result
    assert result["files_changed"] == [str(link)]
    assert not os.path.lexists(link)
    assert target.read_text() == "kept\n"


def test_absent_a_unit_that_fails_to_stop_keeps_its_files_and_stays_enabled(host, run_module):
    run_module(main, arguments(host))
    host.fail[("stop", TIMER)] = "Job for %s canceled." % TIMER
    before = tree(host.root)
    host.calls.clear()
    failed, result = run_module(main, absent_arguments(host))
    assert failed
    assert result["msg"] == "systemctl stop %s failed: Job for %s canceled.; see journalctl -u %s" % (TIMER, TIMER, TIMER)
    assert (result["changed"], result["files_changed"], result["daemon_reload"], result["unit_actions"]) == (False, [], False, {})
    assert host.calls == [show(TIMER), ("stop", TIMER)]
    assert tree(host.root) == before
    assert TIMER in host.enabled


def test_only_if_first_line_takes_away_what_its_first_file_says_this_collection_wrote(host, run_module):
    """The program's first line is the mark: with it, everything goes as without the option; one run later, nothing is
    there and the module asks systemd nothing."""
    run_module(main, arguments(host))
    host.calls.clear()
    failed, result = run_module(main, absent_arguments(host, only_if_first_line="import sys"))
    assert not failed, result
    assert (result["changed"], result["marked"], result["unit_actions"]) == (True, True, {TIMER: ["stop", "disable"]})
    assert not any(os.path.lexists(path) for path in paths(host).values())
    host.calls.clear()
    failed, again = run_module(main, absent_arguments(host, only_if_first_line="import sys"), diff=True)
    assert not failed, again
    assert (again["changed"], again["marked"], again["files_changed"], again["unit_actions"]) == (False, False, [], {})
    assert host.calls == []


@pytest.mark.parametrize("mark", ["# Managed by another tool", "sys.exit(0)"], ids=["another-mark", "a-later-line"])
def test_only_if_first_line_leaves_a_service_whose_first_file_another_tool_wrote(host, run_module, mark):
    """A first line that does not start with the mark (a later line's text does not count): nothing stopped, removed,
    or asked, in check mode as in a real run, and the line is not shown."""
    run_module(main, arguments(host))
    before = tree(host.root)
    host.calls.clear()
    for check_mode in (True, False):
        failed, result = run_module(main, absent_arguments(host, only_if_first_line=mark), check_mode=check_mode, diff=True)
        assert not failed, result
        assert (result["changed"], result["marked"], result["files_changed"], result["unit_actions"]) == (False, False, [], {})
        assert "import sys" not in json.dumps(result)
    assert host.calls == []
    assert tree(host.root) == before
    assert (host.enabled, host.active) == ({TIMER}, {TIMER})


@pytest.mark.parametrize(("changes", "message"), [
    (dict(state="present"), "only_if_first_line: only with state=absent"),
    (dict(only_if_first_line=""), "only_if_first_line: give the start of one line"),
    (dict(only_if_first_line="# a\n# b"), "only_if_first_line: give the start of one line"),
    (dict(files=[]), "only_if_first_line: needs files"),
])
def test_only_if_first_line_refuses_what_cannot_say_whose_files_they_are(host, run_module, changes, message):
    run_module(main, arguments(host))
    before = tree(host.root)
    host.calls.clear()
    given = arguments(host) if changes.get("state") == "present" else absent_arguments(host)
    failed, result = run_module(main, dict(dict(given, only_if_first_line="# Managed by multisite.vpn"), **changes))
    assert failed
    assert message in result["msg"]
    assert host.calls == []
    assert tree(host.root) == before
