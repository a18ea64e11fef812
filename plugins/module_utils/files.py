# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one file reader and writer of the modules: reading a file as it is (bytes and mode, to compare with
what a module would write), and OwnedFile, a file a module owns whole.

Writing is replacing a file so that a crash leaves the old one or the new one, or creating a file that must not
exist yet; in both, no reader ever sees a mode wider than the one asked for (a key file, a peers file with
preshared keys, a sysctl.d file, a router's backup) and the bytes are on disk before the call returns."""

from __future__ import annotations

import os
import stat
import tempfile


class FileWriteError(Exception):
    """A file could not be written; the message names it and the reason."""


class FileReadError(Exception):
    """A file could not be read; the message names it and the reason, never its content."""


def read_file(path: str) -> tuple[bytes | None, int | None]:
    """Return the bytes and permission bits of the file at PATH, or (None, None) when it is absent."""
    try:
        with open(path, "rb") as handle:
            return handle.read(), stat.S_IMODE(os.fstat(handle.fileno()).st_mode)
    except FileNotFoundError:
        return None, None
    except OSError as err:
        raise FileReadError("cannot read %s: %s" % (path, err.strerror)) from err


def create_directory(directory: str, mode: int) -> None:
    """Create DIRECTORY and any missing parent with exactly MODE; existing ones are left as they are."""
    if os.path.isdir(directory):
        return
    parent = os.path.dirname(directory)
    if parent and parent != directory:
        create_directory(parent, mode)
    try:
        os.mkdir(directory, mode)
    except FileExistsError:
        if not os.path.isdir(directory):
            raise
    os.chmod(directory, mode)  # mkdir's mode is reduced by the umask


def sync_directory(directory: str) -> None:
    """Make a rename in DIRECTORY durable across a power cut."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def replace_file(path: str, content: bytes, mode: int, directory_mode: int, uid: int | None = None) -> None:
    """Replace the file at PATH with CONTENT, mode MODE (and owner UID), creating missing directories
    with DIRECTORY_MODE.

    The temporary file comes from mkstemp (O_EXCL, mode 0600) in the same directory and gets its mode and
    owner before a byte is written; it is synced, renamed over PATH and the rename synced. Not
    AnsibleModule.atomic_move: it gives the new file the old file's mode, or 0666 minus the umask.
    """
    directory = os.path.dirname(path) or "."
    try:
        create_directory(directory, directory_mode)
        descriptor, temp_path = tempfile.mkstemp(prefix=".multisite-vpn-", dir=directory)
    except OSError as err:
        raise FileWriteError("cannot create a file in %s: %s" % (directory, err.strerror)) from err
    try:
        try:
            os.fchmod(descriptor, mode)
            if uid is not None:
                os.fchown(descriptor, uid, -1)
            os.write(descriptor, content)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.replace(temp_path, path)
        sync_directory(directory)
    except OSError as err:
        raise FileWriteError("cannot write %s: %s" % (path, err.strerror)) from err
    finally:
        if os.path.lexists(temp_path):
            os.unlink(temp_path)


def create_file(path: str, content: bytes, mode: int, directory_mode: int) -> None:
    """Create PATH, which must not exist (FileExistsError otherwise), with mode MODE from its first byte, and
    sync it and its directory: for a file that is never overwritten, such as a backup."""
    directory = os.path.dirname(path) or "."
    try:
        create_directory(directory, directory_mode)
    except OSError as err:
        raise FileWriteError("cannot create %s: %s" % (path, err.strerror)) from err
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        raise
    except OSError as err:
        raise FileWriteError("cannot create %s: %s" % (path, err.strerror)) from err
    try:
        try:
            os.fchmod(descriptor, mode)  # os.open's mode is reduced by the umask
            os.write(descriptor, content)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        sync_directory(directory)
    except OSError as err:
        raise FileWriteError("cannot write %s: %s" % (path, err.strerror)) from err


class OwnedFile:
    """A file a module owns whole: what it should hold (CONTENT, MODE; the owner is
    whoever the module runs as), what it holds, and
    whether it must be written. SECRET files (keys in them) never show their content in a diff.

    Reading happens once, in the constructor, unless CURRENT gives what read_file already returned (a caller that
    computes the new content from the old one); write() writes only when needed.
    """

    def __init__(self, path: str, content: str, mode: int, directory_mode: int = 0o755, secret: bool = False,
                 current: tuple[bytes | None, int | None] | None = None):
        self.path = path
        self.content = content
        self.mode = mode
        self.directory_mode = directory_mode
        self.secret = secret
        self.current, self.current_mode = read_file(path) if current is None else current

    @property
    def changed(self) -> bool:
        return self.current != self.content.encode("utf-8") or self.current_mode != self.mode

    def write(self) -> None:
        if self.changed:
            replace_file(self.path, self.content.encode("utf-8"), self.mode, self.directory_mode)

    def diff(self) -> dict:
        """Ansible's diff of this file: its content before and after, or a line saying it changed when secret."""
        if self.secret:
            hidden = "(content not shown: it holds secrets)\n"
            before = "" if self.current is None else hidden
            after = hidden if not self.changed else "(new content, not shown: it holds secrets)\n"
        else:
            before = "" if self.current is None else self.current.decode("utf-8", "replace")
            after = self.content
            if self.current is not None and self.current_mode != self.mode:
                before += "# mode %04o\n" % self.current_mode
                after += "# mode %04o\n" % self.mode
        return dict(before_header=self.path, after_header=self.path, before=before, after=after)
