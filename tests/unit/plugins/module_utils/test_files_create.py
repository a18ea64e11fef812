# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""files.create_file: a file that must be new (a backup), private from its first byte."""

from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.multisite.vpn.plugins.module_utils.files import FileWriteError, create_file


def test_a_new_file_gets_its_mode_whatever_the_umask(tmp_path):
    previous = os.umask(0o077)
    try:
        create_file(str(tmp_path / "backups" / "one.cfg"), b"text\n", 0o640, 0o700)
    finally:
        os.umask(previous)
    assert (tmp_path / "backups" / "one.cfg").read_bytes() == b"text\n"
    assert stat.S_IMODE(os.stat(tmp_path / "backups" / "one.cfg").st_mode) == 0o640
    assert stat.S_IMODE(os.stat(tmp_path / "backups").st_mode) == 0o700


def test_an_existing_file_is_never_overwritten(tmp_path):
    create_file(str(tmp_path / "one.cfg"), b"first\n", 0o600, 0o700)
    with pytest.raises(FileExistsError):
        create_file(str(tmp_path / "one.cfg"), b"second\n", 0o600, 0o700)
    assert (tmp_path / "one.cfg").read_bytes() == b"first\n"


def test_a_directory_that_cannot_be_made_is_one_message(tmp_path):
    (tmp_path / "plain-file").write_text("")
    with pytest.raises(FileWriteError, match="cannot create .*plain-file/one.cfg"):
        create_file(str(tmp_path / "plain-file" / "one.cfg"), b"x", 0o600, 0o700)
