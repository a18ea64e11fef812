# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulator run as a process: it boots from its saved startup configuration, as a router does."""

from __future__ import annotations

import stat

from ansible_collections.multisite.vpn.ix_emulator.__main__ import boot, parse_arguments
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
    assert not (tmp_path / "startup.cfg.partial").exists()

    rebooted = boot(arguments(tmp_path, "--startup-config", str(startup)))
    assert rebooted.hostname == "ix2215-renamed"
    assert rebooted.accepts_login("admin", "lab-admin-password")  # the saved hash still accepts the password
    assert rebooted.running_config_lines()[4:] == device.startup_config_lines()[4:]  # all but the time line
