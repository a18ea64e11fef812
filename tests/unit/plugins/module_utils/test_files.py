# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Replacing a file whole, with its mode from the first byte."""

from __future__ import annotations

import errno
import os
import stat

import pytest

from ansible_collections.multisite.vpn.plugins.module_utils import files


@pytest.mark.parametrize("existing_mode", [None, 0o644, 0o600], ids=["new", "was-0644", "was-0600"])
@pytest.mark.parametrize("mode", [0o600, 0o644])
def test_replace_file_gives_the_mode_asked_for_and_leaves_no_temporary_file(tmp_path, mode, existing_mode):
    path = tmp_path / "conf"
    if existing_mode is not None:
        path.write_text("old\n")
        path.chmod(existing_mode)
    files.replace_file(str(path), b"new\n", mode, 0o700)
    assert path.read_bytes() == b"new\n"
    assert stat.S_IMODE(path.stat().st_mode) == mode
    assert os.listdir(tmp_path) == ["conf"]


def test_the_mode_is_set_before_a_byte_is_written(tmp_path, monkeypatch):
    modes_at_write = []
    real_write = os.write

    def recording_write(descriptor, data):
        modes_at_write.append(stat.S_IMODE(os.fstat(descriptor).st_mode))
        return real_write(descriptor, data)

    monkeypatch.setattr(files.os, "write", recording_write)
    files.replace_file(str(tmp_path / "key"), b"secret\n", 0o600, 0o700)
    assert modes_at_write == [0o600]


def test_missing_directories_get_exactly_the_directory_mode_and_existing_ones_keep_theirs(tmp_path):
    old_umask = os.umask(0o077)
    try:
        tmp_path.chmod(0o751)
        files.replace_file(str(tmp_path / "a" / "b" / "conf"), b"x\n", 0o644, 0o755)
    finally:
        os.umask(old_umask)
    assert [stat.S_IMODE((tmp_path / name).stat().st_mode) for name in ("a", "a/b")] == [0o755, 0o755]
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o751


def test_a_failed_write_names_the_file_and_keeps_the_old_one(tmp_path, monkeypatch):
    path = tmp_path / "conf"
    path.write_text("old\n")

    def disk_full(descriptor, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files.os, "write", disk_full)
    with pytest.raises(files.FileWriteError, match="^cannot write %s: No space left on device$" % path):
        files.replace_file(str(path), b"new\n", 0o644, 0o755)
    assert path.read_text() == "old\n"
    assert os.listdir(tmp_path) == ["conf"]


@pytest.mark.parametrize(
    "content, mode",
    [
        pytest.param(b"net.ipv4.ip_forward = 1\n", 0o644, id="sysctl-d-file"),
        pytest.param(b"[Peer]\n", 0o640, id="peers-file"),
        pytest.param(b"", 0o600, id="empty"),
    ],
)
def test_read_file_present(tmp_path, content, mode):
    path = tmp_path / "file.conf"
    path.write_bytes(content)
    path.chmod(mode)
    assert files.read_file(str(path)) == (content, mode)


def test_read_file_absent(tmp_path):
    assert files.read_file(str(tmp_path / "missing.conf")) == (None, None)


def test_read_file_directory_fails_naming_it(tmp_path):
    with pytest.raises(files.FileReadError) as error:
        files.read_file(str(tmp_path))
    assert str(error.value) == "cannot read %s: Is a directory" % tmp_path
