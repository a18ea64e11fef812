# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulator run as a process: it boots from its saved startup configuration, as a router does; files are written
whole; a configuration it cannot use is explained in one line. (The process itself: tests/integration/test_ix_emulator_process.py.)"""

from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.multisite.vpn.ix_emulator import __main__ as process
from ansible_collections.multisite.vpn.ix_emulator.__main__ import StartError, boot, load_configuration, parse_arguments, save_atomically
from ansible_collections.multisite.vpn.tests.data.ix import SECRETS, TOKYO


def arguments(tmp_path, *extra):
    first_boot = tmp_path / "first-boot.cfg"
    first_boot.write_text(TOKYO, encoding="utf-8")
    return parse_arguments(["--running-config", str(first_boot), "--ssh-port", "0", "--telnet-port", "0", *extra])


def configure(device, lines):
    session = device.open_session()
    for line in ["configure", *lines]:
        session.feed(line)
    session.close()


def test_without_a_startup_file_a_save_stays_in_the_process(tmp_path):
    device = boot(arguments(tmp_path))
    configure(device, ["hostname saved-in-memory", "write memory"])
    assert sorted(path.name for path in tmp_path.iterdir()) == ["first-boot.cfg"]


def test_write_memory_saves_a_startup_file_the_next_boot_starts_from(tmp_path):
    startup = tmp_path / "startup.cfg"
    device = boot(arguments(tmp_path, "--startup-config", str(startup)))
    assert not startup.exists()  # nothing saved yet: the first boot reads the first-boot file
    configure(device, ["hostname ix2215-renamed", "write memory", "hostname unsaved"])

    assert stat.S_IMODE(startup.stat().st_mode) == 0o600
    saved = startup.read_text(encoding="utf-8")
    assert "hostname ix2215-renamed\n" in saved and "unsaved" not in saved
    assert not any(secret in saved for secret in SECRETS)  # hashed, as show startup-config lists them
    assert not [path.name for path in tmp_path.iterdir() if path.name.endswith(".partial")]

    rebooted = boot(arguments(tmp_path, "--startup-config", str(startup)))
    assert rebooted.hostname == "ix2215-renamed"
    assert rebooted.accepts_login("admin", "lab-admin-password")  # the saved hash still accepts the password
    assert rebooted.running_config_lines()[4:] == device.startup_config_lines()[4:]  # all but the time line


def test_save_atomically_flushes_the_file_before_the_rename_and_the_directory_after(tmp_path, monkeypatch):
    target = tmp_path / "startup.cfg"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o644)
    events = []
    flush, rename = os.fsync, os.replace
    monkeypatch.setattr(process.os, "fsync", lambda descriptor: events.append(("fsync", os.path.isdir(f"/proc/self/fd/{descriptor}"))) or flush(descriptor))
    monkeypatch.setattr(process.os, "replace", lambda source, destination: events.append(("replace", destination)) or rename(source, destination))
    save_atomically(target, "new\n")
    assert events == [("fsync", False), ("replace", target), ("fsync", True)]
    assert target.read_text(encoding="utf-8") == "new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [path.name for path in tmp_path.iterdir()] == ["startup.cfg"]


def test_save_atomically_leaves_the_old_file_when_writing_fails(tmp_path, monkeypatch):
    target = tmp_path / "startup.cfg"
    target.write_text("old\n", encoding="utf-8")

    def full_disk(descriptor):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(process.os, "fsync", full_disk)
    with pytest.raises(OSError):
        save_atomically(target, "new\n")
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [path.name for path in tmp_path.iterdir()] == ["startup.cfg"]


@pytest.mark.parametrize(
    ("text", "explanation"),
    [
        pytest.param(TOKYO + "frobnicate 1\n", "line {number}: 'frobnicate 1' is not a line the emulator knows; run with --carry-unknown", id="unknown-line"),
        pytest.param("! NEC Portable Internetwork Core Operating System Software\n!\nfrobnicate 1\n", "line 3: 'frobnicate 1' is not a line",
                     id="unknown-first-line-under-an-ix-header"),
        pytest.param("frobnicate 1\n  flux 88\nbuild configuration\n", "not an NEC IX configuration", id="no-header-no-known-line"),
        pytest.param("!\n\n", "there is no configuration line", id="comments-only"),
    ],
)
def test_a_configuration_the_emulator_cannot_load_is_explained(tmp_path, text, explanation):
    path = tmp_path / "tokyo.cfg"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(StartError) as raised:
        load_configuration(path, carry_unknown=False)
    assert explanation.format(number=len(text.splitlines())) in str(raised.value)
    assert "\n" not in str(raised.value)


def test_main_explains_in_one_line_and_returns_2(tmp_path, capsys):
    path = tmp_path / "tokyo.cfg"
    path.write_text(TOKYO + "frobnicate 1\n", encoding="utf-8")
    assert process.main(["--running-config", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and captured.err.startswith(f"ix_emulator: {path} line ")
