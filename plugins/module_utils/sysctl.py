# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kernel parameters for the multisite.vpn.sysctl module: names, values, the drop-in file and /proc/sys.

Keys are kept in one canonical text form (see canonical_key) so that a key given as
C(net/ipv4/ip_forward) and one read back from a file as C(net.ipv4.ip_forward) compare equal.
The drop-in file is read with files.read_file and split with key_value_file, as the WireGuard peers file is.
"""

from __future__ import annotations

import errno
import os

from ansible_collections.multisite.vpn.plugins.module_utils.files import FileWriteError, replace_file
from ansible_collections.multisite.vpn.plugins.module_utils.key_value_file import key_value_lines

# Tests point this at a fake tree; the module always reads it at call time, never copies it.
PROC_ROOT = "/proc/sys"

FILE_MODE = 0o644
FILE_HEADER = (
    "# Managed by multisite.vpn.sysctl: this file is rewritten on every run, local edits are lost.\n"
)

CONTAINER_HINT = (
    "in a container /proc/sys is read-only unless the container runs with"
    " --security-opt systempaths=unconfined"
)


class SysctlError(Exception):
    """A problem the user has to fix; the message names the kernel parameter."""


def split_key(key: str) -> tuple[str, ...]:
    """Return the /proc/sys path components of a key given in dotted or slash form.

    As in sysctl(8) and sysctl.d(5), the first separator decides the form: in slash form slashes
    separate and dots belong to names (C(net/ipv6/conf/eth0.100/accept_ra)); in dotted form dots
    separate and a slash stands for a dot inside a name (C(net.ipv6.conf.eth0/100.accept_ra)).
    """
    if not isinstance(key, str) or not key.strip():
        raise SysctlError("kernel parameter name %r is empty or not a string" % (key,))
    if key != key.strip() or any(char.isspace() or char in "=\0" for char in key):
        raise SysctlError("kernel parameter name %r contains whitespace, '=' or NUL" % key)
    if key.startswith("-"):
        # In a sysctl.d file a leading '-' means "ignore errors"; as a name it would change meaning.
        raise SysctlError("kernel parameter name %r starts with '-'" % key)
    if any(char in "*?[" for char in key):
        raise SysctlError(
            "kernel parameter name %r is a pattern; name each parameter explicitly" % key
        )

    first_separator = next((char for char in key if char in "./"), "")
    if first_separator == "/":
        components = tuple(key.split("/"))
    else:
        components = tuple(part.replace("/", ".") for part in key.split("."))
    # '..' or an empty component would leave /proc/sys or name a directory.
    if any(part in ("", ".", "..") for part in components):
        raise SysctlError("kernel parameter name %r has an empty, '.' or '..' component" % key)
    return components


def join_key(components: tuple[str, ...]) -> str:
    """Return the canonical text form: dotted, or slash form when a component holds a dot."""
    if any("." in part for part in components):
        return "/".join(components)
    return ".".join(components)


def canonical_key(key: str) -> str:
    """Return KEY in canonical form, raising SysctlError when it is not a valid name."""
    return join_key(split_key(key))


def sort_keys(keys) -> list[str]:
    """Sort canonical keys by their components, so that eth0.100 sits next to eth0."""
    return sorted(keys, key=split_key)


def canonical_value(key: str, value) -> str:
    """Return VALUE as the text the kernel takes: ints as decimal, runs of whitespace as one space."""
    # bool is a subclass of int: reject it first so that 'true' never silently becomes '1'.
    if isinstance(value, bool):
        raise SysctlError(
            "value for kernel parameter %s is a boolean (%s); give 0 or 1 instead" % (key, value)
        )
    if isinstance(value, int):
        return str(value)
    if not isinstance(value, str):
        raise SysctlError(
            "value for kernel parameter %s must be a string or an integer, not %s"
            % (key, type(value).__name__)
        )
    stripped = value.strip()
    # Surrounding whitespace goes (a YAML block scalar ends in a newline), but a line break inside would
    # end the line in the drop-in file: "1\nkernel.sysrq = 1" would set a second parameter at boot.
    if len(stripped.splitlines()) > 1 or "\0" in stripped:
        raise SysctlError(
            "value for kernel parameter %s has a line break or NUL inside it; a sysctl.d line holds one"
            " value, give it on one line (fields separated by spaces)" % key
        )
    normalized = " ".join(stripped.split())
    if not normalized:
        raise SysctlError("value for kernel parameter %s is empty" % key)
    return normalized


def canonical_settings(settings: dict) -> dict[str, str]:
    """Validate every key and value and return them in canonical form.

    All problems are collected into one message, so the user can fix them in one go.
    """
    problems = []
    result = {}
    given_as = {}
    for key, value in settings.items():
        try:
            name = canonical_key(key)
            result_value = canonical_value(name, value)
        except SysctlError as err:
            problems.append(str(err))
            continue
        if name in result:
            problems.append(
                "kernel parameter %s is given twice, as %r and %r" % (name, given_as[name], key)
            )
            continue
        given_as[name] = key
        result[name] = result_value
    if problems:
        raise SysctlError("; ".join(problems))
    return result


def parse_conf(text: str) -> dict[str, str]:
    """Return the settings of a sysctl.d(5) file as canonical key -> canonical value.

    Comments (C(#), C(;)), blank lines, C(key = value) and C(key=value) are understood; a leading
    C(-) ("ignore errors") is dropped; a key set twice keeps its last value, as sysctl does. Lines
    this module could not have written (no '=', invalid name) are skipped, like systemd-sysctl does.
    """
    settings = {}
    for line in key_value_lines(text, comments="#;"):
        if line.key is None:
            continue
        key = line.key
        if key.startswith("-"):
            key = key[1:].lstrip()
        try:
            name = canonical_key(key)
        except SysctlError:
            continue
        settings[name] = " ".join(line.value.split())
    return settings


def render_conf(settings: dict[str, str]) -> str:
    """Return the file content for canonical SETTINGS: the header, then one line per key, sorted."""
    lines = [FILE_HEADER]
    lines.extend("%s = %s\n" % (key, settings[key]) for key in sort_keys(settings))
    return "".join(lines)


def write_conf(path: str, content: str) -> None:
    """Replace the file at PATH with CONTENT atomically, mode 0644, creating its directory (0755)."""
    try:
        replace_file(path, content.encode("utf-8"), FILE_MODE, 0o755)
    except FileWriteError as err:
        raise SysctlError(str(err)) from err


def proc_path(key: str, proc_root: str) -> str:
    """Return the file under PROC_ROOT that holds the live value of canonical KEY."""
    return os.path.join(proc_root, *split_key(key))


def read_live_values(keys, proc_root: str) -> dict[str, str]:
    """Return the live value of each canonical key, whitespace-normalized.

    Every key is checked before an error is raised, so one message names all unknown keys.
    """
    problems = []
    values = {}
    for key in sort_keys(keys):
        path = proc_path(key, proc_root)
        try:
            with open(path, "rb") as live:
                values[key] = " ".join(live.read().decode("utf-8", "replace").split())
        except FileNotFoundError:
            problems.append(
                "unknown kernel parameter %s: %s does not exist (is the interface present?)"
                % (key, path)
            )
        except IsADirectoryError:
            problems.append("%s is a group of kernel parameters, not one: %s is a directory" % (key, path))
        except OSError as err:
            problems.append("cannot read kernel parameter %s from %s: %s" % (key, path, err.strerror))
    if problems:
        raise SysctlError("; ".join(problems))
    return values


def live_differences(live: dict[str, str], desired: dict[str, str]) -> dict[str, dict[str, str]]:
    """Return key -> {before, after} for each desired key whose live value differs.

    The order of DESIRED is kept: it is the order the live values are written in, and that matters
    (with accept_ra below 2, turning forwarding on purges the RA-learned default routes at once).
    """
    return {
        key: {"before": live[key], "after": desired[key]}
        for key in desired
        if key in live and live[key] != desired[key]
    }


def read_only_message(key: str, path: str, reason: str) -> str:
    return (
        "kernel parameter %s cannot be written here: %s is read-only (%s); run as root, and note that %s"
        % (key, path, reason, CONTAINER_HINT)
    )


def check_writable(keys, proc_root: str) -> None:
    """Raise SysctlError naming every key whose /proc/sys file cannot be written, before any write."""
    problems = [
        read_only_message(key, proc_path(key, proc_root), "no write access")
        for key in sort_keys(keys)
        if not os.access(proc_path(key, proc_root), os.W_OK)
    ]
    if problems:
        raise SysctlError("; ".join(problems))


def write_proc_file(path: str, value: str) -> None:
    """Write VALUE to one /proc/sys file with a single write(2), as the kernel expects."""
    descriptor = os.open(path, os.O_WRONLY | os.O_TRUNC)
    try:
        os.write(descriptor, value.encode("utf-8"))
    finally:
        os.close(descriptor)


def set_live_value(key: str, value: str, proc_root: str) -> None:
    """Set one live value, turning the kernel's errno into a message that says what to do."""
    path = proc_path(key, proc_root)
    try:
        write_proc_file(path, value)
    except OSError as err:
        if err.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            raise SysctlError(read_only_message(key, path, err.strerror)) from err
        if err.errno == errno.EINVAL:
            raise SysctlError(
                "the kernel rejected value %r for kernel parameter %s (%s)" % (value, key, err.strerror)
            ) from err
        if err.errno == errno.ENOENT:
            raise SysctlError(
                "unknown kernel parameter %s: %s does not exist (is the interface present?)" % (key, path)
            ) from err
        raise SysctlError(
            "cannot write kernel parameter %s to %s: %s" % (key, path, err.strerror)
        ) from err


def apply_live(changes: dict[str, dict[str, str]], proc_root: str) -> None:
    """Set each changed live value and check that the kernel kept it.

    On any failure the values already written are put back, so that a failed run leaves the
    kernel as it found it; the error names the key, and any key that could not be put back.
    """
    written = []
    try:
        for key in changes:
            set_live_value(key, changes[key]["after"], proc_root)
            written.append(key)
        settled = read_live_values(changes, proc_root)
        for key in sort_keys(changes):
            if settled[key] != changes[key]["after"]:
                raise SysctlError(
                    "kernel parameter %s reads back %r after writing %r; give the value in the"
                    " form the kernel reports it" % (key, settled[key], changes[key]["after"])
                )
    except SysctlError as err:
        not_restored = []
        for key in reversed(written):
            try:
                set_live_value(key, changes[key]["before"], proc_root)
            except SysctlError:
                not_restored.append(key)
        if not_restored:
            raise SysctlError(
                "%s; could not put back the previous value of %s"
                % (err, ", ".join(sort_keys(not_restored)))
            ) from err
        raise


def commit(path: str, file_content: str | None, live_changes: dict[str, dict[str, str]], proc_root: str) -> None:
    """Apply LIVE_CHANGES, then write FILE_CONTENT (None: the file is already right) to PATH.

    Live values go first because they are the likelier to fail, and apply_live undoes its own
    partial work; when the file then cannot be written, the live values are put back as well.
    """
    apply_live(live_changes, proc_root)
    if file_content is None:
        return
    try:
        write_conf(path, file_content)
    except SysctlError:
        apply_live(
            {key: {"before": change["after"], "after": change["before"]} for key, change in live_changes.items()},
            proc_root,
        )
        raise


def build_diff(path: str, file_before: str, file_after: str, live=None, desired=None, proc_root=PROC_ROOT) -> list:
    """Return the diff entries: the file, then (when live values are managed) the live values."""
    entries = [
        {
            "before_header": path,
            "after_header": path,
            "before": file_before,
            "after": file_after,
        }
    ]
    if live is not None:
        entries.append(
            {
                "before_header": "live kernel parameters (%s)" % proc_root,
                "after_header": "live kernel parameters (%s)" % proc_root,
                "before": "".join("%s = %s\n" % (key, live[key]) for key in sort_keys(live)),
                "after": "".join("%s = %s\n" % (key, desired[key]) for key in sort_keys(desired)),
            }
        )
    return entries
