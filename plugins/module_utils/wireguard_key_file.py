# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The private key file of one WireGuard interface, for the wireguard_key and wireguard_interface modules.

Checking the path, reading what the file holds, deciding what to do with it (plan_key_file: keep,
replace or generate, and whether its mode or owner needs fixing), writing it, C(wg genkey) and
C(wg pubkey), the diff, and ensure_key_file, which does all of it. The key itself is validated by wireguard_key. Nothing here ever puts a
key, or the content of a key file, into a message: the text of every WireGuardError may be shown.
"""

from __future__ import annotations

import os
import stat

from ansible_collections.multisite.vpn.plugins.module_utils.files import FileWriteError, replace_file
from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_key import (
    WireGuardError,
    is_key,
    key_problem,
)

KEY_MODE = 0o600
DIRECTORY_MODE = 0o700
# A key file is 45 bytes; reading more than this only to reject it would be pointless.
READ_LIMIT = 4096

KEEP = "keep"
REPLACE = "replace"
GENERATE = "generate"


def path_problem(path) -> str | None:
    """Return why PATH cannot be a key file's path (naming the option), or None."""
    if not isinstance(path, str) or not path:
        return "path must be the absolute path of the key file, such as /etc/wireguard/wg0.key"
    if not os.path.isabs(path):
        # Relative to whatever directory the module happens to run in: a key nobody finds again.
        return (
            "path %r is relative; give an absolute path such as /etc/wireguard/wg0.key (a relative path"
            " depends on the directory the module runs in)" % path
        )
    return None


def key_from_file_content(content: bytes) -> str | None:
    """Return the key held by a key file's CONTENT, or None when it holds no key.

    As C(wg) reads a key file, the key must start the file and may be followed by whitespace
    (the newline C(wg genkey) prints) and by nothing else.
    """
    try:
        text = content.decode("ascii")
    except UnicodeDecodeError:
        return None
    text = text.rstrip(" \t\n\r\v\f")
    return text if is_key(text) else None


def file_content(key: str) -> bytes:
    """Return the content this module writes for KEY: the key and a newline, as wg genkey prints it."""
    return (key + "\n").encode("ascii")


class KeyFile:
    """What is at a key file's path: whether it exists, the key it holds (or None), its mode and owner."""

    def __init__(self, exists: bool, key: str | None = None, mode: int | None = None, uid: int | None = None):
        self.exists = exists
        self.key = key
        self.mode = mode
        self.uid = uid

    def __repr__(self):
        # Never the key: a repr can end up in a traceback.
        return "KeyFile(exists=%r, holds_key=%r, mode=%s, uid=%r)" % (
            self.exists,
            self.key is not None,
            None if self.mode is None else "0%o" % self.mode,
            self.uid,
        )


class KeyFilePlan:
    """What plan_key_file decided: ACTION (keep, replace or generate) and whether to fix mode and owner."""

    def __init__(self, action: str, fix_attributes: bool = False):
        self.action = action
        self.fix_attributes = fix_attributes

    @property
    def changed(self) -> bool:
        return self.action != KEEP or self.fix_attributes

    def __eq__(self, other):
        return isinstance(other, KeyFilePlan) and (self.action, self.fix_attributes) == (other.action, other.fix_attributes)

    def __repr__(self):
        return "KeyFilePlan(%r, fix_attributes=%r)" % (self.action, self.fix_attributes)


def plan_key_file(path: str, current: KeyFile, given: str | None, uid: int) -> KeyFilePlan:
    """Decide what to do with the key file at PATH, which holds CURRENT, given the wanted key GIVEN.

    GIVEN is the validated private_key option, or None. UID is the owner the file must have. A key
    that is there is never replaced unless GIVEN asks for it; a file without a key is never overwritten
    unless GIVEN is there to replace it (it may be a key a user put there by hand): that raises.
    """
    if given is not None:
        if given != current.key:
            return KeyFilePlan(REPLACE)
    elif current.exists and current.key is None:
        raise WireGuardError(
            "%s does not hold a WireGuard private key; it is left untouched. Move it away to have"
            " a key generated, or give private_key to replace it" % path
        )
    elif not current.exists:
        return KeyFilePlan(GENERATE)
    return KeyFilePlan(KEEP, fix_attributes=current.mode != KEY_MODE or current.uid != uid)


def read_key_file(path: str) -> KeyFile:
    """Return what the file at PATH holds, without following a symbolic link.

    Raises WireGuardError when PATH is a link, a directory or another non-regular file, or
    cannot be read.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return KeyFile(exists=False)
    except OSError as err:
        if os.path.islink(path):
            raise WireGuardError(
                "%s is a symbolic link; give the path of the key file itself" % path
            ) from err
        raise WireGuardError("cannot read %s: %s" % (path, err.strerror)) from err
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            kind = "a directory" if stat.S_ISDIR(status.st_mode) else "not a regular file"
            raise WireGuardError("%s is %s; give the path of a key file" % (path, kind))
        content = b""
        while len(content) <= READ_LIMIT:
            chunk = os.read(descriptor, READ_LIMIT + 1 - len(content))
            if not chunk:
                break
            content += chunk
    except OSError as err:
        raise WireGuardError("cannot read %s: %s" % (path, err.strerror)) from err
    finally:
        os.close(descriptor)
    key = None if len(content) > READ_LIMIT else key_from_file_content(content)
    return KeyFile(exists=True, key=key, mode=stat.S_IMODE(status.st_mode), uid=status.st_uid)


def wanted_uid() -> int:
    """The owner a key file must have: the user the module runs as (root, with become)."""
    return os.geteuid()


def write_key_file(path: str, key: str) -> None:
    """Replace the file at PATH with KEY atomically: mode 0600 and owned by wanted_uid() from the start,
    so the key is never readable by anyone else, not even for a moment; its directory, when missing, 0700."""
    try:
        replace_file(path, file_content(key), KEY_MODE, DIRECTORY_MODE, uid=wanted_uid())
    except FileWriteError as err:
        raise WireGuardError(str(err)) from err


def fix_attributes(path: str) -> None:
    """Give the existing file at PATH mode 0600 and the wanted owner, without following a link."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        try:
            os.fchmod(descriptor, KEY_MODE)
            os.fchown(descriptor, wanted_uid(), -1)
        finally:
            os.close(descriptor)
    except OSError as err:
        raise WireGuardError("cannot set the mode and owner of %s: %s" % (path, err.strerror)) from err


def generate_key(module, wg: str) -> str:
    """Return a new private key made by C(wg genkey) on the host; it is added to no_log_values at once."""
    rc, out, err = module.run_command([wg, "genkey"])
    key = out.strip()
    if key:
        module.no_log_values.add(key)
    if rc != 0:
        raise WireGuardError("wg genkey failed (exit code %d): %s" % (rc, err.strip()))
    problem = key_problem(key)
    if problem is not None:
        raise WireGuardError("wg genkey did not print a private key: %s" % problem)
    return key


def public_key(module, wg: str, private_key: str) -> str:
    """Return the public key of PRIVATE_KEY, from C(wg pubkey) with the key on its standard input."""
    # data= goes to stdin (run_command adds the newline); a key on a command line would show in ps.
    rc, out, err = module.run_command([wg, "pubkey"], data=private_key)
    if rc != 0:
        raise WireGuardError("wg pubkey failed (exit code %d): %s" % (rc, err.strip()))
    key = out.strip()
    problem = key_problem(key)
    if problem is not None:
        raise WireGuardError("wg pubkey did not print a public key: %s" % problem)
    return key


def owner_text(uid) -> str:
    """Return 'name (uid N)' for the diff, or just the uid when it has no name."""
    try:
        import pwd

        return "%s (uid %d)" % (pwd.getpwuid(uid).pw_name, uid)
    except (ImportError, KeyError):
        return "uid %d" % uid


def state_text(key_line: str, mode, uid) -> str:
    """Return one side of the diff: what the key is (never the key itself), the mode and the owner."""
    lines = ["private key: %s" % key_line]
    if mode is not None:
        lines.append("mode: 0%o" % mode)
    if uid is not None:
        lines.append("owner: %s" % owner_text(uid))
    return "".join(line + "\n" for line in lines)


def build_diff(path: str, current: KeyFile, current_public: str | None, action: str, new_public: str | None) -> dict:
    """Return the diff of one key file. ACTION is 'keep', 'generate' or 'replace'.

    The texts name the public keys only; the private key never appears in them.
    """
    if not current.exists:
        before = state_text("absent", None, None)
    elif current.key is None:
        before = state_text("not a WireGuard private key", current.mode, current.uid)
    else:
        before = state_text("present (public key %s)" % current_public, current.mode, current.uid)

    public_text = new_public if new_public is not None else "known once the key exists"
    if action == GENERATE:
        after_line = "generated on the host (public key %s)" % public_text
    elif action == REPLACE:
        after_line = "replaced from private_key (public key %s)" % public_text
    else:
        after_line = "present (public key %s)" % current_public
    after = state_text(after_line, KEY_MODE, wanted_uid())
    return {"before_header": path, "after_header": path, "before": before, "after": after}


class KeyOutcome:
    """What ensure_key_file did (or would do) to a key file: its PLAN, what it held (CURRENT, CURRENT_PUBLIC), the
    public key it holds afterwards (NEW_PUBLIC; None in check mode for a key still to be generated) and the DIFF."""

    def __init__(self, plan: KeyFilePlan, current: KeyFile, current_public: str | None, new_public: str | None, diff: dict):
        self.plan = plan
        self.current = current
        self.current_public = current_public
        self.new_public = new_public
        self.diff = diff


def ensure_key_file(module, wg: str, path: str, given: str | None) -> KeyOutcome:
    """Make the file at PATH hold a private key (GIVEN, else the one there, else one generated on the host with
    mode and owner right), or in check mode say what would be done. Every key met goes to no_log_values (GIVEN
    without the whitespace the option may have had). PATH has passed path_problem."""
    if given is not None:
        module.no_log_values.add(given)
    current = read_key_file(path)
    if current.key is not None:
        module.no_log_values.add(current.key)
    plan = plan_key_file(path, current, given, wanted_uid())

    current_public = public_key(module, wg, current.key) if current.key is not None else None
    if plan.action == REPLACE:
        new_public = public_key(module, wg, given)
    elif plan.action == GENERATE and not module.check_mode:
        given = generate_key(module, wg)
        new_public = public_key(module, wg, given)
    elif plan.action == GENERATE:
        new_public = None  # check mode: a key that does not exist yet has no public key
    else:
        new_public = current_public

    if not module.check_mode:
        if plan.action != KEEP:
            write_key_file(path, given)
        elif plan.fix_attributes:
            fix_attributes(path)
    return KeyOutcome(plan, current, current_public, new_public, build_diff(path, current, current_public, plan.action, new_public))
