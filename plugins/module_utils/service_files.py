# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Files and the systemd units that run them, for the multisite.vpn.service_files module: its input, what a run
must do (plan, pure), doing it, and its result and diff.

With state present, files are files.OwnedFile (read once, written only when they differ); with state absent they are
AbsentFile (looked at once with lstat, never read, removed when they exist). Units are read with one
C(systemctl show) each (systemd_unit.read_unit_state). A run with nothing to do makes no other call. A file to be
written that has a validate command is first checked by it, from a temporary copy, before any file is written (in
check mode too).

Secret files (given as secret_content, a no_log option): their content is never in a result, a diff or a message;
messages about a file name it by its place in `files` and its path, never by its content.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import stat
import tempfile

from ansible_collections.multisite.vpn.plugins.module_utils import systemd_unit
from ansible_collections.multisite.vpn.plugins.module_utils.files import FileReadError, FileWriteError, OwnedFile, sync_directory

# The argument spec of one entry of `files`. The contents and modes are raw: a content that is not a string is
# refused rather than converted (a conversion warning would quote it), a mode given as a YAML number is refused
# rather than read as decimal. secret_content is no_log: Ansible masks it from its first look at the arguments, so
# that even a failure of its own argument checks (a misspelt option) returns no secret.
FILE_OPTIONS = dict(
    path=dict(type="str", required=True),
    content=dict(type="raw"),
    secret_content=dict(type="raw", no_log=True),
    mode=dict(type="raw"),
    directory_mode=dict(type="raw", default="0755"),
    validate=dict(type="str"),
)
# With state absent only path is used. These options have no default, so that giving one is told apart from leaving
# it out, and refused (directory_mode has a default and is ignored, as are restart_on_change and reload_on_change).
ABSENT_REFUSED = ("content", "secret_content", "mode", "validate")
STATES = ("present", "absent")
DEFAULT_MODE = 0o644
DEFAULT_SECRET_MODE = 0o600

UNIT_SUFFIXES = (".service", ".timer", ".socket", ".path")
# systemd's unit name characters (systemd.unit(5)); an instance after '@', never an empty one (a template).
UNIT_NAME = re.compile(r"^[A-Za-z0-9:_.\\-]+(@[A-Za-z0-9:_.\\-]+)?\.(service|timer|socket|path)$")
UNIT_NAME_MAX = 255
OCTAL_MODE = re.compile(r"^[0-7]{3,5}$")
MAX_MODE = 0o7777
# Where a validate command's temporary copy goes: the target's directory, or a private one when it does not exist.
VALIDATE_PREFIX = ".multisite-vpn-validate-"
# How much of a refusing validate command's output a message quotes: its last lines, where the error usually is.
VALIDATE_OUTPUT_LINES = 20
# How much of a file only_if_first_line reads at most: its first line, or this much of it.
FIRST_LINE_LIMIT = 4096
# What a unit of `units` is asked after a change, and how the diff says it.
CHANGE_NOTES = {"restart": " (restarted)", "reload": " (reloaded)"}


class ServiceFilesError(Exception):
    """Bad input, or a file or systemctl that failed; the message names the option, the file or the unit, never
    the content of a file."""


def parse_mode(value, label: str) -> tuple[int | None, str | None]:
    """(mode, None) for an octal string up to 07777, else (None, the problem)."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None, "%s: give an octal string such as \"0644\", not a %s" % (label, type(value).__name__)
    if isinstance(value, int):
        return None, (
            "%s: %d is a number; give the mode as a quoted octal string such as \"0644\""
            " (YAML reads 0644 unquoted as the number 420)" % (label, value)
        )
    if not OCTAL_MODE.match(value):
        return None, "%s: %r is not an octal mode; give one such as \"0644\"" % (label, value)
    mode = int(value, 8)
    if mode > MAX_MODE:
        return None, "%s: %r is above \"7777\"" % (label, value)
    return mode, None


def path_problem(path, label: str) -> str | None:
    if not isinstance(path, str) or not path:
        return "%s: give an absolute path" % label
    if "\0" in path:
        return "%s: holds a NUL character" % label
    if not path.startswith("/"):
        return "%s: %r is relative; give an absolute path" % (label, path)
    if ".." in path.split("/"):
        return "%s: %r has a '..' component; give the path without it" % (label, path)
    if path.endswith("/"):
        return "%s: %r names a directory; give the path of a file" % (label, path)
    return None


def unit_problem(unit, label: str) -> str | None:
    if not isinstance(unit, str) or not unit:
        return "%s: give a unit name such as multisite-vpn-example.timer" % label
    if "/" in unit:
        return "%s: %r is a path; give the unit's name only, such as %s" % (label, unit, os.path.basename(unit) or "example.timer")
    if not unit.endswith(UNIT_SUFFIXES):
        return "%s: %r has no unit suffix; give one of %s" % (label, unit, ", ".join(UNIT_SUFFIXES))
    if unit.startswith("-") or len(unit) > UNIT_NAME_MAX or not UNIT_NAME.match(unit):
        return "%s: %r is not a unit name systemd accepts (a template needs an instance, as in name@instance.service)" % (label, unit)
    return None


def parse_validate(command: str, label: str) -> tuple[list[str] | None, str | None]:
    """(the command's words, None) for a command with one %s (not its program), split as a shell would but run without
    one, else (None, the problem)."""
    try:
        words = shlex.split(command)
    except ValueError as err:
        return None, "%s: %r cannot be split into words: %s" % (label, command, err)
    if command.count("%s") != 1:
        return None, "%s: %r must hold %%s once, where the path of the file to check goes, as in 'haproxy -c -f %%s'" % (label, command)
    if "%s" in words[0]:
        return None, "%s: %r must start with the program to run, as in 'haproxy -c -f %%s'" % (label, command)
    return words, None


def validate_path(index: int, entry: dict, seen: dict, problems: list) -> str:
    """The path of one entry of `files`, normalised; its problems go to PROBLEMS, SEEN maps the paths before it to
    their index."""
    label = "files[%d]" % index
    path = entry["path"]
    problem = path_problem(path, label + ".path")
    if problem:
        problems.append(problem)
    else:
        path = os.path.normpath(path)
        if path in seen:
            problems.append("%s.path: %s is also files[%d].path" % (label, entry["path"], seen[path]))
        seen.setdefault(path, index)
    return path


def validate_absent_file(index: int, entry: dict, seen: dict, problems: list) -> dict:
    """One entry of `files` to remove: its path only; an option that would describe the file's content is a problem
    (named, never quoted: it may be secret_content)."""
    path = validate_path(index, entry, seen, problems)
    for option in ABSENT_REFUSED:
        if entry[option] is not None:
            problems.append("files[%d].%s: not allowed with state=absent, which removes the file (give only its path)" % (index, option))
    return dict(path=path, content=None, mode=None, directory_mode=None, secret=False, validate=None)


def validate_file(index: int, entry: dict, seen: dict, problems: list) -> dict:
    """One entry of `files` as wanted (mode and directory_mode as numbers, secret when given as secret_content,
    validate as the words of its command); its problems go to PROBLEMS, SEEN maps the paths before it to their
    index."""
    label = "files[%d]" % index
    path = validate_path(index, entry, seen, problems)
    secret = entry["secret_content"] is not None
    content = entry["secret_content"] if secret else entry["content"]
    if secret and entry["content"] is not None:
        problems.append("%s: give content or secret_content, not both" % label)
    elif content is None:
        problems.append("%s: give content (or secret_content for a file that holds secrets)" % label)
    elif not isinstance(content, str):
        option = "secret_content" if secret else "content"
        problems.append("%s.%s: must be a string (the file's text), not a %s" % (label, option, type(content).__name__))
    mode, problem = (DEFAULT_SECRET_MODE if secret else DEFAULT_MODE), None
    if entry["mode"] is not None:
        mode, problem = parse_mode(entry["mode"], label + ".mode")
    directory_mode, directory_problem = parse_mode(entry["directory_mode"], label + ".directory_mode")
    problems.extend(found for found in (problem, directory_problem) if found)
    validate_words = None
    if entry["validate"] is not None:
        if secret:
            # The command's output could quote the file; secret_content is never shown.
            problems.append("%s.validate: not allowed with secret_content (the command's output could quote the secret)" % label)
        else:
            validate_words, problem = parse_validate(entry["validate"], label + ".validate")
            if problem:
                problems.append(problem)
    return dict(path=path, content=content, mode=mode, directory_mode=directory_mode, secret=secret, validate=validate_words)


def validate(files, units, state: str = "present", only_if_first_line=None) -> tuple[list[dict], list[str]]:
    """The wanted files (validate_file, or validate_absent_file with STATE absent) and units, or a ServiceFilesError
    naming every problem, each starting with its option (files[2].mode: ...). ONLY_IF_FIRST_LINE: see first_line_marked."""
    problems = []
    if only_if_first_line is not None:
        if state != "absent":
            problems.append("only_if_first_line: only with state=absent (it says whose files are to be removed)")
        elif not only_if_first_line.strip() or "\n" in only_if_first_line:
            problems.append("only_if_first_line: give the start of one line, such as '# Managed by multisite.vpn'")
        elif not files:
            problems.append("only_if_first_line: needs files, whose first one's first line it is")
    seen = {}
    validate_entry = validate_absent_file if state == "absent" else validate_file
    wanted = [validate_entry(index, entry, seen, problems) for index, entry in enumerate(files or [])]
    names = {}
    for index, unit in enumerate(units or []):
        label = "units[%d]" % index
        problem = unit_problem(unit, label)
        if problem:
            problems.append(problem)
        elif unit in names:
            problems.append("%s: %s is also units[%d]" % (label, unit, names[unit]))
        names.setdefault(unit, index)
    if problems:
        raise ServiceFilesError("; ".join(problems))
    return wanted, list(units or [])


def first_line_marked(path: str, mark: str) -> bool:
    """Whether the file at PATH exists and its first line starts with MARK: the configuration of a service is this
    collection's (it says so in its first line), and the service is its to take away. Only that line is read."""
    try:
        with open(path, "rb") as handle:
            line = handle.readline(FIRST_LINE_LIMIT)
    except FileNotFoundError:
        return False
    except OSError as err:
        raise FileReadError("cannot read %s: %s" % (path, err.strerror)) from err
    return line.decode("utf-8", "replace").startswith(mark)


def is_unit_file(path: str) -> bool:
    """Whether PATH is read by systemd at a daemon-reload (a unit file or a drop-in under UNIT_DIRECTORY)."""
    return path.startswith(systemd_unit.UNIT_DIRECTORY.rstrip("/") + "/")


def needs_systemctl(wanted: list[dict], units: list[str]) -> bool:
    return bool(units) or any(is_unit_file(entry["path"]) for entry in wanted)


class AbsentFile:
    """A file of `files` with state absent: what lstat says of PATH (None when nothing is there), read once in the
    constructor; its content is never read, so that a removed secret cannot show. CHANGED when something is to be
    removed; a directory is refused (directories are left in place). A symbolic link is removed, not its target."""

    def __init__(self, path: str, label: str):
        self.path = path
        try:
            self.stat = os.lstat(path)
        except FileNotFoundError:
            self.stat = None
        except OSError as err:
            raise FileReadError("cannot read %s: %s" % (path, err.strerror)) from err
        if self.stat is not None and stat.S_ISDIR(self.stat.st_mode):
            raise ServiceFilesError("%s: %s is a directory; state=absent removes files and leaves directories in place" % (label, path))

    @property
    def changed(self) -> bool:
        return self.stat is not None

    def remove(self) -> None:
        """Remove the file, and sync its directory so that the removal survives a power cut."""
        try:
            with contextlib.suppress(FileNotFoundError):  # removed since it was looked at: absent all the same
                os.unlink(self.path)
            sync_directory(os.path.dirname(self.path))
        except OSError as err:
            raise FileWriteError("cannot remove %s: %s" % (self.path, err.strerror)) from err

    def diff(self) -> dict:
        """Ansible's diff of the removal: the file's size, never its content (it may have held a secret)."""
        return dict(before_header=self.path, after_header=self.path,
                    before="%s: %d bytes (content not shown)\n" % (self.path, self.stat.st_size), after="%s: removed\n" % self.path)


def read_files(wanted: list[dict], state: str = "present") -> list:
    """The files of `files` as they are: OwnedFile each, or AbsentFile each with STATE absent."""
    if state == "absent":
        return [AbsentFile(entry["path"], "files[%d].path" % index) for index, entry in enumerate(wanted)]
    return [
        OwnedFile(entry["path"], entry["content"], entry["mode"], directory_mode=entry["directory_mode"], secret=entry["secret"])
        for entry in wanted
    ]


def check_units_known(units: list[str], states: dict, owned: list[OwnedFile]) -> None:
    """A unit systemd does not know must come from one of the files, or starting it could only fail."""
    installed = {os.path.basename(owned_file.path) for owned_file in owned if is_unit_file(owned_file.path)}
    for index, unit in enumerate(units):
        if not states[unit].loaded and unit not in installed:
            raise ServiceFilesError(
                "units[%d]: systemd knows no unit %s, and no entry of files installs it under %s"
                % (index, unit, systemd_unit.UNIT_DIRECTORY)
            )


def stop_actions(enabled: bool, active: bool) -> list[str]:
    """What takes a unit away, in order: stop it when it is active, then disable it when it is enabled. Two calls
    rather than one disable --now: each is made only when needed and recorded as done, and a unit that fails to
    stop is left enabled, as it was."""
    return (["stop"] if active else []) + (["disable"] if enabled else [])


def plan(owned: list, units: list[str], states: dict, restart_on_change: bool, reload_on_change: bool,
         state: str = "present") -> tuple[bool, dict]:
    """(daemon_reload, actions by unit) from what was read: reload when a unit file changes (is written, or removed
    with STATE absent) or, with STATE present, when systemd asks for it (or does not know a unit yet); enable what is
    not enabled; start what is not active, and after a change reload what is active (RELOAD_ON_CHANGE, which wins),
    or restart it (RESTART_ON_CHANGE). With STATE absent: stop what is active, disable what is enabled, and nothing
    else (a unit systemd does not know is nothing to stop, and no reason to reload)."""
    changed = [owned_file for owned_file in owned if owned_file.changed]
    unit_file_changed = any(is_unit_file(owned_file.path) for owned_file in changed)
    if state == "absent":
        actions = {unit: stop_actions(states[unit].enabled, states[unit].active) for unit in units}
        return systemd_unit.daemon_reload_needed(unit_file_changed, []), actions
    daemon_reload = systemd_unit.daemon_reload_needed(unit_file_changed, [states[unit] for unit in units])
    act_on_change = bool(changed) and (reload_on_change or restart_on_change)
    on_change = "reload" if reload_on_change else "restart"
    actions = {unit: systemd_unit.start_actions(states[unit].enabled, states[unit].active, act_on_change, on_change) for unit in units}
    return daemon_reload, actions


@contextlib.contextmanager
def temporary_copy(owned_file: OwnedFile, label: str):
    """The path of a temporary file (mode 0600) holding OWNED_FILE's new content, removed on leaving: in the
    file's directory when it exists (so that the command sees what is next to it), else in a private directory."""
    directory = os.path.dirname(owned_file.path)
    private = temp_path = None
    try:
        try:
            if not os.path.isdir(directory):
                private = directory = tempfile.mkdtemp(prefix=VALIDATE_PREFIX)
            descriptor, temp_path = tempfile.mkstemp(prefix=VALIDATE_PREFIX, dir=directory)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(owned_file.content.encode("utf-8"))
        except OSError as err:
            raise ServiceFilesError("%s: cannot write a temporary copy of %s in %s: %s; nothing was changed"
                                    % (label, owned_file.path, directory, err.strerror)) from err
        yield temp_path
    finally:
        if temp_path and os.path.lexists(temp_path):
            os.unlink(temp_path)
        if private:
            shutil.rmtree(private, ignore_errors=True)


def output_tail(out: str, err: str, temp_path: str, path: str) -> str:
    """A command's stdout and stderr, their last VALIDATE_OUTPUT_LINES lines, the temporary copy's name replaced by
    PATH so that line numbers point into the file that would be written."""
    lines = "\n".join(text.strip() for text in (out, err) if text.strip()).replace(temp_path, path).splitlines()
    if len(lines) > VALIDATE_OUTPUT_LINES:
        lines = ["(%d lines before these left out)" % (len(lines) - VALIDATE_OUTPUT_LINES)] + lines[-VALIDATE_OUTPUT_LINES:]
    return "\n".join(lines) or "(no output)"


def run_validate_command(module, words: list[str], owned_file: OwnedFile, label: str) -> None:
    """Run the validate command WORDS on a temporary copy of OWNED_FILE's new content; a ServiceFilesError when its
    program is missing or cannot run, or when it exits non-zero (quoting its output's tail)."""
    command = shlex.join(words)
    program = module.get_bin_path(words[0])
    if program is None:
        raise ServiceFilesError("%s: %s not found on the host (command %s); nothing was changed" % (label, words[0], command))
    with temporary_copy(owned_file, label) as temp_path:
        argv = [program] + [word.replace("%s", temp_path) for word in words[1:]]
        try:
            rc, out, err = module.run_command(argv, expand_user_and_vars=False, handle_exceptions=False)
        except OSError as error:
            raise ServiceFilesError("%s: cannot run %s: %s; nothing was changed" % (label, program, error.strerror)) from error
    if rc != 0:
        raise ServiceFilesError("%s: %s refuses the content to be written to %s (exit status %d); nothing was changed:\n%s"
                                % (label, command, owned_file.path, rc, output_tail(out, err, temp_path, owned_file.path)))


def run_validate_commands(module, wanted: list[dict], owned: list[OwnedFile], done: dict) -> None:
    """Check every file to be written that has a validate command, before any is written; DONE["validated"] records
    the paths checked."""
    for index, (entry, owned_file) in enumerate(zip(wanted, owned)):
        if entry["validate"] and owned_file.changed:
            run_validate_command(module, entry["validate"], owned_file, "files[%d].validate" % index)
            done["validated"].append(owned_file.path)


def act_on_units(module, systemctl_binary: str | None, actions: dict, done: dict) -> None:
    """Ask systemd for each unit's actions, in order; DONE["unit_actions"] records those done."""
    for unit, unit_actions in actions.items():
        for action in unit_actions:
            systemd_unit.systemctl(module, systemctl_binary, action, unit)
            done["unit_actions"].setdefault(unit, []).append(action)


def apply(module, systemctl_binary: str | None, owned: list, daemon_reload: bool, actions: dict, done: dict,
          state: str = "present") -> None:
    """Write the files that differ, then reload, then act on each unit in order. With STATE absent, act on each unit
    first (stop and disable it while its files are still there, so that a unit that fails to stop keeps them), then
    remove the files that exist, then reload. DONE records what happened, for a failure's result: files_changed,
    daemon_reload, unit_actions."""
    absent = state == "absent"
    if absent:
        act_on_units(module, systemctl_binary, actions, done)
    for owned_file in owned:
        if owned_file.changed:
            if absent:
                owned_file.remove()
            else:
                owned_file.write()
            done["files_changed"].append(owned_file.path)
    if daemon_reload:
        systemd_unit.systemctl(module, systemctl_binary, "daemon-reload")
        done["daemon_reload"] = True
    if not absent:
        act_on_units(module, systemctl_binary, actions, done)


def unit_line(unit: str, enabled: bool, active: bool, loaded: bool, note: str = "") -> str:
    if not loaded and not enabled and not active:
        return "%s: not loaded\n" % unit
    return "%s: %s, %s%s\n" % (unit, "enabled" if enabled else "not enabled", "active" if active else "inactive", note)


def build_diff(owned: list, units: list[str], states: dict, daemon_reload: bool, actions: dict, state: str = "present") -> list[dict]:
    """One diff per changed file (a secret one hidden; a removed one, with STATE absent, by its size only), then the
    units whose state changes, when any does: enabled and active after, or with STATE absent neither."""
    diffs = [owned_file.diff() for owned_file in owned if owned_file.changed]
    acting = [unit for unit in units if actions[unit]]
    if acting or daemon_reload:
        before = "".join(unit_line(unit, states[unit].enabled, states[unit].active, states[unit].loaded) for unit in units)
        if state == "absent":
            after = "".join(unit_line(unit, False, False, states[unit].loaded) for unit in units)
        else:
            after = "".join(
                unit_line(unit, True, True, True, "".join(CHANGE_NOTES.get(action, "") for action in actions[unit])) for unit in units
            )
        if daemon_reload:
            after = "(systemd reloaded)\n" + after
        diffs.append(dict(before_header="systemd units", after_header="systemd units", before=before, after=after))
    return diffs
