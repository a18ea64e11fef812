# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module end to end: its real main() against a fake /proc/sys tree and a file in tmp_path."""

from __future__ import annotations

import errno
import os
import stat

import pytest

from ansible_collections.multisite.vpn.plugins.module_utils import files
from ansible_collections.multisite.vpn.plugins.module_utils import sysctl as kernel_params
from ansible_collections.multisite.vpn.plugins.modules.sysctl import main

HUB_SETTINGS = {
    "net.ipv4.ip_forward": 1,
    "net/ipv6/conf/eth0.100/accept_ra": "2",
    "net.ipv4.ip_local_port_range": "32768 60999",  # already live (tab-separated there)
}
HUB_FILE = (
    kernel_params.FILE_HEADER
    + "net.ipv4.ip_forward = 1\n"
    + "net.ipv4.ip_local_port_range = 32768 60999\n"
    + "net/ipv6/conf/eth0.100/accept_ra = 2\n"
)
HUB_LIVE_CHANGED = {
    "net.ipv4.ip_forward": {"before": "0", "after": "1"},
    "net/ipv6/conf/eth0.100/accept_ra": {"before": "1", "after": "2"},
}


@pytest.fixture
def conf(tmp_path):
    """Path of the drop-in file, in a directory that does not exist yet."""
    return tmp_path / "etc" / "sysctl.d" / "90-multisite-vpn.conf"


def test_first_run_writes_file_and_changed_live_values(fake_proc, run_module, conf):
    failed, result = run_module(main, {"settings": HUB_SETTINGS, "path": str(conf)})
    assert not failed, result
    assert result["changed"] is True
    assert result["file_changed"] is True
    assert result["live_changed"] == HUB_LIVE_CHANGED
    assert result["removed_keys"] == []
    assert "diff" not in result
    assert conf.read_text() == HUB_FILE
    assert stat.S_IMODE(conf.stat().st_mode) == 0o644
    assert fake_proc.read("net/ipv4/ip_forward") == "1"
    assert fake_proc.read("net/ipv6/conf/eth0.100/accept_ra") == "2"
    # The value already right is not written: the kernel's tab is still there.
    assert fake_proc.read("net/ipv4/ip_local_port_range") == "32768\t60999\n"
    # The interface without the VLAN suffix is a different key and stays as it was.
    assert fake_proc.read("net/ipv6/conf/eth0/accept_ra") == "1\n"


def test_second_run_changes_nothing(fake_proc, run_module, conf):
    run_module(main, {"settings": HUB_SETTINGS, "path": str(conf)})
    modified = conf.stat().st_mtime_ns
    failed, result = run_module(main, {"settings": HUB_SETTINGS, "path": str(conf)})
    assert not failed, result
    assert result["changed"] is False
    assert result["file_changed"] is False
    assert result["live_changed"] == {}
    assert conf.stat().st_mtime_ns == modified


def test_same_settings_in_other_key_forms_are_idempotent(fake_proc, run_module, conf):
    run_module(main, {"settings": HUB_SETTINGS, "path": str(conf)})
    other_forms = {
        "net/ipv4/ip_forward": "1",
        "net.ipv6.conf.eth0/100.accept_ra": 2,
        "net.ipv4.ip_local_port_range": "32768\t 60999",
    }
    failed, result = run_module(main, {"settings": other_forms, "path": str(conf)})
    assert not failed, result
    assert result["changed"] is False


def test_check_mode_reports_and_writes_nothing(fake_proc, run_module, conf):
    proc_before = fake_proc.snapshot()
    failed, result = run_module(main, {"settings": HUB_SETTINGS, "path": str(conf)}, check_mode=True)
    assert not failed, result
    assert result["changed"] is True
    assert result["file_changed"] is True
    assert result["live_changed"] == HUB_LIVE_CHANGED
    assert not conf.parent.exists()
    assert fake_proc.snapshot() == proc_before


def test_check_mode_with_existing_file_leaves_it_alone(fake_proc, run_module, conf):
    conf.parent.mkdir(parents=True)
    conf.write_text("net.ipv4.ip_forward = 0\n")
    failed, result = run_module(main, {"settings": HUB_SETTINGS, "path": str(conf)}, check_mode=True, diff=True)
    assert not failed, result
    assert result["file_changed"] is True
    assert result["diff"][0]["before"] == "net.ipv4.ip_forward = 0\n"
    assert conf.read_text() == "net.ipv4.ip_forward = 0\n"


def test_diff_mode_shows_file_and_live_values(fake_proc, run_module, conf):
    failed, result = run_module(main, {"settings": HUB_SETTINGS, "path": str(conf)}, diff=True)
    assert not failed, result
    file_diff, live_diff = result["diff"]
    assert file_diff == {"before_header": str(conf), "after_header": str(conf), "before": "", "after": HUB_FILE}
    assert live_diff["before_header"] == "live kernel parameters (%s)" % fake_proc.root
    assert live_diff["before"] == (
        "net.ipv4.ip_forward = 0\n"
        "net.ipv4.ip_local_port_range = 32768 60999\n"
        "net/ipv6/conf/eth0.100/accept_ra = 1\n"
    )
    assert live_diff["after"] == (
        "net.ipv4.ip_forward = 1\n"
        "net.ipv4.ip_local_port_range = 32768 60999\n"
        "net/ipv6/conf/eth0.100/accept_ra = 2\n"
    )


def test_unknown_key_fails_naming_it_and_writes_nothing(fake_proc, run_module, conf):
    proc_before = fake_proc.snapshot()
    settings = dict(HUB_SETTINGS, **{"net.ipv6.conf.wg0.accept_ra": 0})
    failed, result = run_module(main, {"settings": settings, "path": str(conf)})
    assert failed
    assert result["msg"] == (
        "unknown kernel parameter net.ipv6.conf.wg0.accept_ra: %s does not exist (is the interface present?)"
        % os.path.join(str(fake_proc.root), "net", "ipv6", "conf", "wg0", "accept_ra")
    )
    assert not conf.parent.exists()
    assert fake_proc.snapshot() == proc_before


def test_read_only_proc_fails_with_container_hint_and_writes_nothing(fake_proc, run_module, conf, monkeypatch):
    def read_only(path, value):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), path)

    # Tests run as root, for whom chmod 0444 does not block writes; refuse at the write itself.
    monkeypatch.setattr(kernel_params, "write_proc_file", read_only)
    proc_before = fake_proc.snapshot()
    failed, result = run_module(main, {"settings": HUB_SETTINGS, "path": str(conf)})
    assert failed
    assert "kernel parameter net.ipv4.ip_forward cannot be written here" in result["msg"]
    assert "--security-opt systempaths=unconfined" in result["msg"]
    assert not conf.parent.exists()
    assert fake_proc.snapshot() == proc_before


def test_read_only_proc_is_found_before_any_write(fake_proc, run_module, conf, monkeypatch):
    read_only = os.path.join(str(fake_proc.root), "net", "ipv6", "conf", "eth0.100", "accept_ra")
    real_access = os.access
    # What access(2) says on a read-only /proc/sys mount, even for root.
    monkeypatch.setattr(kernel_params.os, "access", lambda path, mode: path != read_only and real_access(path, mode))
    proc_before = fake_proc.snapshot()
    failed, result = run_module(main, {"settings": HUB_SETTINGS, "path": str(conf)}, check_mode=True)
    assert failed
    assert "kernel parameter net/ipv6/conf/eth0.100/accept_ra cannot be written here" in result["msg"]
    assert "systempaths=unconfined" in result["msg"]
    failed, result = run_module(main, {"settings": HUB_SETTINGS, "path": str(conf)})
    assert failed
    # ip_forward sorts first and is writable: it must not have been set before the check failed.
    assert fake_proc.snapshot() == proc_before
    assert not conf.parent.exists()


@pytest.mark.parametrize("value", [True, False], ids=["true", "false"])
def test_boolean_value_is_rejected(fake_proc, run_module, conf, value):
    proc_before = fake_proc.snapshot()
    settings = dict(HUB_SETTINGS, **{"net.ipv6.conf.all.forwarding": value})
    failed, result = run_module(main, {"settings": settings, "path": str(conf)})
    assert failed
    assert result["msg"] == (
        "value for kernel parameter net.ipv6.conf.all.forwarding is a boolean (%s); give 0 or 1 instead" % value
    )
    assert not conf.parent.exists()
    assert fake_proc.snapshot() == proc_before


def test_apply_false_manages_only_the_file(fake_proc, run_module, conf):
    proc_before = fake_proc.snapshot()
    # wg0 does not exist yet: with apply=false that is fine.
    settings = {"net.ipv4.ip_forward": 1, "net.ipv6.conf.wg0.accept_ra": 0}
    failed, result = run_module(main, {"settings": settings, "path": str(conf), "apply": False}, diff=True)
    assert not failed, result
    assert result["changed"] is True
    assert result["live_changed"] == {}
    assert len(result["diff"]) == 1
    assert conf.read_text() == kernel_params.FILE_HEADER + "net.ipv4.ip_forward = 1\nnet.ipv6.conf.wg0.accept_ra = 0\n"
    assert fake_proc.snapshot() == proc_before


def test_keys_dropped_from_settings_leave_file_but_keep_live_value(fake_proc, run_module, conf):
    run_module(main, {"settings": {"net.ipv4.ip_forward": 1, "net.ipv6.conf.all.forwarding": 1}, "path": str(conf)})
    failed, result = run_module(main, {"settings": {"net.ipv4.ip_forward": 1}, "path": str(conf)})
    assert not failed, result
    assert result["changed"] is True
    assert result["file_changed"] is True
    assert result["removed_keys"] == ["net.ipv6.conf.all.forwarding"]
    assert conf.read_text() == kernel_params.FILE_HEADER + "net.ipv4.ip_forward = 1\n"
    assert fake_proc.read("net/ipv6/conf/all/forwarding") == "1"


def test_empty_settings_write_header_only_and_touch_no_live_value(fake_proc, run_module, conf):
    run_module(main, {"settings": {"net.ipv4.ip_forward": 1}, "path": str(conf)})
    failed, result = run_module(main, {"settings": {}, "path": str(conf)})
    assert not failed, result
    assert result["changed"] is True
    assert result["live_changed"] == {}
    assert result["removed_keys"] == ["net.ipv4.ip_forward"]
    assert conf.read_text() == kernel_params.FILE_HEADER
    assert fake_proc.read("net/ipv4/ip_forward") == "1"


def test_hand_edited_file_is_rewritten(fake_proc, run_module, conf):
    conf.parent.mkdir(parents=True)
    conf.write_text("# mine\nnet.ipv4.ip_forward=1\n")
    fake_proc.root.joinpath("net", "ipv4", "ip_forward").write_text("1\n")
    failed, result = run_module(main, {"settings": {"net.ipv4.ip_forward": 1}, "path": str(conf)})
    assert not failed, result
    assert result["file_changed"] is True
    assert result["live_changed"] == {}
    assert result["removed_keys"] == []
    assert conf.read_text() == kernel_params.FILE_HEADER + "net.ipv4.ip_forward = 1\n"


def test_wrong_file_mode_is_corrected(fake_proc, run_module, conf):
    run_module(main, {"settings": {"net.ipv4.ip_forward": 1}, "path": str(conf)})
    conf.chmod(0o600)
    failed, result = run_module(main, {"settings": {"net.ipv4.ip_forward": 1}, "path": str(conf)})
    assert not failed, result
    assert result["changed"] is True
    assert result["file_changed"] is True
    assert stat.S_IMODE(conf.stat().st_mode) == 0o644


def test_file_that_cannot_be_written_puts_live_values_back(fake_proc, run_module, conf, monkeypatch):
    def disk_full(**kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), kwargs.get("dir"))

    monkeypatch.setattr(files.tempfile, "mkstemp", disk_full)
    failed, result = run_module(main, {"settings": HUB_SETTINGS, "path": str(conf)})
    assert failed
    assert result["msg"] == "cannot create a file in %s: No space left on device" % conf.parent
    # Written back by the module (the fake kernel keeps no newline), so set, then put back.
    assert fake_proc.read("net/ipv4/ip_forward") == "0"
    assert fake_proc.read("net/ipv6/conf/eth0.100/accept_ra") == "1"
    assert not conf.exists()


def test_invalid_key_fails_before_reading_anything(fake_proc, run_module, conf):
    failed, result = run_module(main, {"settings": {"net/../../etc/shadow": 1}, "path": str(conf)})
    assert failed
    assert "'net/../../etc/shadow'" in result["msg"]
    assert not conf.parent.exists()


@pytest.mark.parametrize(
    "settings, message",
    [
        pytest.param(
            {"net.ipv4.ip_forward": "1\nkernel.sysrq = 1"},
            "value for kernel parameter net.ipv4.ip_forward has a line break or NUL inside it; a sysctl.d line holds one"
            " value, give it on one line (fields separated by spaces)",
            id="value-with-a-newline",
        ),
        pytest.param(
            {"net.ipv4.ip_forward": 1, "net.ipv6.conf.all.forwarding": "1\r\nkernel.sysrq=1"},
            "value for kernel parameter net.ipv6.conf.all.forwarding has a line break or NUL inside it",
            id="value-with-crlf",
        ),
        pytest.param({"net.ipv4.ip_forward": True}, "value for kernel parameter net.ipv4.ip_forward is a boolean (True)", id="boolean"),
        pytest.param({"net.ipv4.conf.*.rp_filter": 1}, "kernel parameter name 'net.ipv4.conf.*.rp_filter' is a pattern", id="pattern"),
        pytest.param(
            {"net.ipv4.ip_forward\nkernel.sysrq": 1},
            "kernel parameter name 'net.ipv4.ip_forward\\nkernel.sysrq' contains whitespace, '=' or NUL",
            id="name-with-a-newline",
        ),
    ],
)
@pytest.mark.parametrize("check_mode", [False, True], ids=["run", "check-mode"])
def test_bad_input_fails_with_one_message_and_changes_nothing(fake_proc, run_module, conf, settings, message, check_mode):
    proc_before = fake_proc.snapshot()
    failed, result = run_module(main, {"settings": settings, "path": str(conf)}, check_mode=check_mode)
    assert failed
    assert result["msg"].startswith(message)
    assert not conf.parent.exists()
    assert fake_proc.snapshot() == proc_before
