# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""wireguard_key_file: the private key file, and the keep/replace/generate decision."""

from __future__ import annotations

import base64
import errno
import os
import pathlib
import stat

import pytest

from ansible_collections.multisite.vpn.plugins.module_utils import wireguard_key_file as key_file
from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_key import WireGuardError
from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_key_file import GENERATE, KEEP, REPLACE, KeyFile, KeyFilePlan

KEY = "k4Re/qeQNbr0u59DV4aS+r+/auG1bVZOd2dfhDpGth8="
OTHER_KEY = "GTRnbYNUoxouaao2z3vm5Ygik4CS5RZq+BB9RP/WWMk="
LOW_KEY = base64.b64encode(bytes(31) + b"\x01").decode()
ZERO_KEY = base64.b64encode(bytes(32)).decode()
ROOT = 0


# --- the decision ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "current, given, expected",
    [
        pytest.param(KeyFile(False), None, KeyFilePlan(GENERATE), id="missing-generate"),
        pytest.param(KeyFile(False), KEY, KeyFilePlan(REPLACE), id="missing-restore-given"),
        pytest.param(KeyFile(True, KEY, 0o600, ROOT), None, KeyFilePlan(KEEP), id="key-kept"),
        pytest.param(KeyFile(True, KEY, 0o644, ROOT), None, KeyFilePlan(KEEP, fix_attributes=True), id="key-kept-mode-fixed"),
        pytest.param(KeyFile(True, KEY, 0o600, 65534), None, KeyFilePlan(KEEP, fix_attributes=True), id="key-kept-owner-fixed"),
        pytest.param(KeyFile(True, KEY, 0o600, ROOT), KEY, KeyFilePlan(KEEP), id="given-already-there"),
        pytest.param(KeyFile(True, KEY, 0o640, ROOT), KEY, KeyFilePlan(KEEP, fix_attributes=True), id="given-already-there-mode-fixed"),
        pytest.param(KeyFile(True, KEY, 0o600, ROOT), OTHER_KEY, KeyFilePlan(REPLACE), id="other-key-replaced"),
        pytest.param(KeyFile(True, None, 0o644, ROOT), OTHER_KEY, KeyFilePlan(REPLACE), id="no-key-replaced-when-given"),
    ],
)
def test_plan_key_file(current, given, expected):
    plan = key_file.plan_key_file("/etc/wireguard/wg0.key", current, given, ROOT)
    assert plan == expected
    assert plan.changed is (expected.action != KEEP or expected.fix_attributes)
    assert KEY not in repr(plan)


def test_plan_key_file_never_overwrites_a_file_without_a_key_unasked():
    with pytest.raises(WireGuardError) as error:
        key_file.plan_key_file("/etc/wireguard/wg0.key", KeyFile(True, None, 0o644, ROOT), None, ROOT)
    assert str(error.value) == (
        "/etc/wireguard/wg0.key does not hold a WireGuard private key; it is left untouched. Move it away to have"
        " a key generated, or give private_key to replace it"
    )


@pytest.mark.parametrize(
    "path, problem",
    [
        pytest.param("/etc/wireguard/wg0.key", None, id="absolute"),
        pytest.param(
            "wg0.key",
            "path 'wg0.key' is relative; give an absolute path such as /etc/wireguard/wg0.key (a relative path depends on"
            " the directory the module runs in)",
            id="relative",
        ),
        pytest.param("./keys/wg0.key", "path './keys/wg0.key' is relative", id="dot-relative"),
        pytest.param("", "path must be the absolute path of the key file", id="empty"),
    ],
)
def test_path_problem(path, problem):
    found = key_file.path_problem(path)
    if problem is None:
        assert found is None
    else:
        assert found.startswith(problem)


# --- the file -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content, key",
    [
        pytest.param(KEY.encode() + b"\n", KEY, id="as-wg-genkey-prints-it"),
        pytest.param(KEY.encode(), KEY, id="no-newline"),
        pytest.param(KEY.encode() + b"\r\n", KEY, id="crlf"),
        pytest.param(KEY.encode() + b" \t\n\n", KEY, id="trailing-blank-lines"),
        pytest.param(b" " + KEY.encode() + b"\n", None, id="leading-space"),
        pytest.param(b"\n" + KEY.encode() + b"\n", None, id="leading-blank-line"),
        pytest.param(KEY.encode() + b"\n" + LOW_KEY.encode() + b"\n", None, id="two-keys"),
        pytest.param(b"PrivateKey = " + KEY.encode() + b"\n", None, id="wg-quick-line"),
        pytest.param(b"", None, id="empty"),
        pytest.param(b"\xff" * 44, None, id="binary"),
        pytest.param(ZERO_KEY.encode() + b"\n", None, id="all-zeros"),
    ],
)
def test_key_from_file_content(content, key):
    assert key_file.key_from_file_content(content) == key


def test_read_key_file_missing(tmp_path):
    current = key_file.read_key_file(str(tmp_path / "wg0.key"))
    assert (current.exists, current.key, current.mode, current.uid) == (False, None, None, None)


@pytest.mark.parametrize(
    "content, mode, key",
    [
        pytest.param(KEY + "\n", 0o600, KEY, id="key-0600"),
        pytest.param(KEY + "\n", 0o644, KEY, id="key-0644"),
        pytest.param("not a key\n", 0o600, None, id="not-a-key"),
        pytest.param(KEY + "\n" + " " * key_file.READ_LIMIT, 0o600, None, id="longer-than-read-limit"),
    ],
)
def test_read_key_file_existing(tmp_path, content, mode, key):
    path = tmp_path / "wg0.key"
    path.write_text(content)
    path.chmod(mode)
    current = key_file.read_key_file(str(path))
    assert (current.exists, current.key, current.mode, current.uid) == (True, key, mode, os.geteuid())


def test_key_file_repr_never_shows_the_key(tmp_path):
    path = tmp_path / "wg0.key"
    path.write_text(KEY + "\n")
    text = repr(key_file.read_key_file(str(path)))
    assert KEY not in text
    assert "holds_key=True" in text


def make_dangling_symlink(path):
    path.symlink_to(path.parent / "real.key")


def make_symlink_to_key(path):
    path.parent.joinpath("real.key").write_text(KEY + "\n")
    path.symlink_to(path.parent / "real.key")


@pytest.mark.parametrize(
    "make, message",
    [
        pytest.param(make_dangling_symlink, "is a symbolic link; give the path of the key file itself", id="dangling-symlink"),
        pytest.param(make_symlink_to_key, "is a symbolic link; give the path of the key file itself", id="symlink-to-key"),
        pytest.param(pathlib.Path.mkdir, "is a directory; give the path of a key file", id="directory"),
        pytest.param(os.mkfifo, "is not a regular file; give the path of a key file", id="fifo"),
    ],
)
def test_read_key_file_refuses_what_is_not_a_regular_file(tmp_path, make, message):
    path = tmp_path / "wg0.key"
    make(path)
    with pytest.raises(WireGuardError) as error:
        key_file.read_key_file(str(path))
    assert str(error.value) == "%s %s" % (path, message)


@pytest.mark.parametrize("umask", [0o022, 0o277], ids=["umask-022", "umask-277"])
def test_write_key_file_creates_directory_0700_and_file_0600(tmp_path, umask):
    path = tmp_path / "etc" / "wireguard" / "wg0.key"
    old_umask = os.umask(umask)
    try:
        key_file.write_key_file(str(path), KEY)
    finally:
        os.umask(old_umask)
    assert path.read_bytes() == KEY.encode() + b"\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.parent.parent.stat().st_mode) == 0o700
    assert os.listdir(path.parent) == ["wg0.key"]


def test_write_key_file_leaves_an_existing_directory_mode_alone(tmp_path):
    tmp_path.chmod(0o755)
    key_file.write_key_file(str(tmp_path / "wg0.key"), KEY)
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o755


def test_write_key_file_never_has_the_key_in_a_readable_file(tmp_path, monkeypatch):
    """With umask 000 and an old file of mode 0644, the temporary file is created 0600.

    Its later fchmod is disabled here: a file created 0666 and chmodded before the write would
    still let another user open it in between and read the key through that descriptor later.
    """
    path = tmp_path / "wg0.key"
    path.write_text("old\n")
    path.chmod(0o644)
    real_write = os.write
    modes_at_write = []

    def spy_write(descriptor, data):
        modes_at_write.append(stat.S_IMODE(os.fstat(descriptor).st_mode))
        return real_write(descriptor, data)

    monkeypatch.setattr(key_file.os, "write", spy_write)
    monkeypatch.setattr(key_file.os, "fchmod", lambda descriptor, mode: None)
    old_umask = os.umask(0)
    try:
        key_file.write_key_file(str(path), KEY)
    finally:
        os.umask(old_umask)
    assert modes_at_write == [0o600]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes() == KEY.encode() + b"\n"


def test_write_key_file_failure_keeps_old_file_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "wg0.key"
    path.write_text(LOW_KEY + "\n")

    def read_only(source, destination):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), destination)

    monkeypatch.setattr(key_file.os, "replace", read_only)
    with pytest.raises(WireGuardError) as error:
        key_file.write_key_file(str(path), KEY)
    assert str(error.value) == "cannot write %s: Read-only file system" % path
    assert path.read_text() == LOW_KEY + "\n"
    assert os.listdir(tmp_path) == ["wg0.key"]


def test_fix_attributes_sets_mode_and_owner_and_keeps_content(tmp_path):
    path = tmp_path / "wg0.key"
    path.write_text(KEY + "\n")
    path.chmod(0o644)
    os.chown(path, 65534, -1)  # the tests run as root
    key_file.fix_attributes(str(path))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.stat().st_uid == os.geteuid()
    assert path.read_text() == KEY + "\n"


@pytest.mark.parametrize(
    "current, action, new_public, before, after_key_line",
    [
        pytest.param(
            key_file.KeyFile(False),
            "generate",
            None,
            "private key: absent\n",
            "generated on the host (public key known once the key exists)",
            id="generate-check-mode",
        ),
        pytest.param(key_file.KeyFile(False), "generate", "PUB2", "private key: absent\n", "generated on the host (public key PUB2)", id="generate"),
        pytest.param(
            key_file.KeyFile(True, None, 0o644, 0),
            "replace",
            "PUB2",
            "private key: not a WireGuard private key\nmode: 0644\nowner: root (uid 0)\n",
            "replaced from private_key (public key PUB2)",
            id="replace-invalid-file",
        ),
        pytest.param(
            key_file.KeyFile(True, KEY, 0o600, 0),
            "replace",
            "PUB2",
            "private key: present (public key PUB1)\nmode: 0600\nowner: root (uid 0)\n",
            "replaced from private_key (public key PUB2)",
            id="replace-key",
        ),
        pytest.param(
            key_file.KeyFile(True, KEY, 0o640, 0),
            "keep",
            "PUB1",
            "private key: present (public key PUB1)\nmode: 0640\nowner: root (uid 0)\n",
            "present (public key PUB1)",
            id="keep-fix-mode",
        ),
    ],
)
def test_build_diff(current, action, new_public, before, after_key_line):
    diff = key_file.build_diff("/etc/wireguard/wg0.key", current, "PUB1" if current.key else None, action, new_public)
    assert diff == {
        "before_header": "/etc/wireguard/wg0.key",
        "after_header": "/etc/wireguard/wg0.key",
        "before": before,
        "after": "private key: %s\nmode: 0600\nowner: root (uid 0)\n" % after_key_line,
    }
    assert KEY not in str(diff)
