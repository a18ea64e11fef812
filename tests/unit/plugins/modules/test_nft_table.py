# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module end to end: its real main() with nft and systemctl answered in the test's own process (a fake host:
live tables, one unit, the unit directory and a /proc tree in tmp_path), so no process is started."""

from __future__ import annotations

import os
import stat

import pytest

from ansible.module_utils import basic
from ansible_collections.multisite.vpn.plugins.module_utils import nft_table, systemd_unit
from ansible_collections.multisite.vpn.plugins.modules.nft_table import main

UNIT = "multisite-vpn-hub-firewall.service"
SCRIPT = """\
table inet multisite_vpn_hub
delete table inet multisite_vpn_hub

table inet multisite_vpn_hub {
  chain input {
    type filter hook input priority filter; policy drop;
    ct state established,related accept
    tcp dport 22 accept
  }
}
"""


class FakeHost:
    """nft and systemctl as the module calls them: `nft list table inet T`, `nft -c -f F`, `systemctl show|daemon-reload|
    restart|enable UNIT`. Restarting the unit loads the tables named in the file its ExecStart reads, as nft -f would."""

    def __init__(self, unit_directory):
        self.unit_directory = unit_directory
        self.tables = set()
        self.enabled = False
        self.active = False
        self.known_unit = None  # the unit file's text as of the last daemon-reload
        self.refuse = None  # what nft -c says of any script
        self.missing = set()
        self.calls = []

    def get_bin_path(self, name, required=False, opt_dirs=None):
        return None if name in self.missing else {"nft": "/usr/sbin/nft", "systemctl": "/usr/bin/systemctl"}.get(name)

    def unit_text(self):
        path = os.path.join(self.unit_directory, UNIT)
        return open(path).read() if os.path.exists(path) else None

    def run_command(self, args, **kwargs):
        args = list(args)
        command = [os.path.basename(args[0])] + args[1:]
        self.calls.append(command)
        if command[:4] == ["nft", "list", "table", "inet"]:
            if command[4] in self.tables:
                return 0, "table inet %s {\n}\n" % command[4], ""
            return 1, "", "Error: No such file or directory\nlist table inet %s\n                 ^^^\n" % command[4]
        if command[:3] == ["nft", "-c", "-f"]:
            assert open(command[3]).read()  # the script is in the file nft is given
            if self.refuse:
                return 1, "", "%s:4:3-7: Error: %s" % (command[3], self.refuse)
            return 0, "", ""
        if command[:2] == ["systemctl", "show"]:
            loaded = self.known_unit is not None
            return 0, "UnitFileState=%s\nActiveState=%s\nLoadState=%s\nNeedDaemonReload=%s\n" % (
                "enabled" if self.enabled else ("disabled" if loaded else ""), "active" if self.active else "inactive",
                "loaded" if loaded else "not-found", "yes" if loaded and self.known_unit != self.unit_text() else "no"), ""
        if command == ["systemctl", "daemon-reload"]:
            self.known_unit = self.unit_text()
            return 0, "", ""
        if command == ["systemctl", "restart", UNIT]:
            if self.known_unit is None:
                return 5, "", "Failed to restart %s: Unit %s not found.\n" % (UNIT, UNIT)
            script_path = self.known_unit.split("ExecStart=", 1)[1].split()[2]
            self.tables |= {line.split()[2] for line in open(script_path) if line.startswith("table inet ")}
            self.active = True
            return 0, "", ""
        if command == ["systemctl", "enable", UNIT]:
            self.enabled = True
            return 0, "", ""
        raise AssertionError("unexpected command %r" % command)

    def writes(self):
        return [call for call in self.calls if call[:2] not in (["nft", "list"], ["nft", "-c"], ["systemctl", "show"])]


@pytest.fixture
def host(tmp_path, monkeypatch):
    fake = FakeHost(str(tmp_path / "systemd"))
    os.mkdir(fake.unit_directory)
    monkeypatch.setattr(systemd_unit, "UNIT_DIRECTORY", fake.unit_directory)
    monkeypatch.setattr(basic.AnsibleModule, "run_command", lambda module, args, **kwargs: fake.run_command(args, **kwargs))
    monkeypatch.setattr(basic.AnsibleModule, "get_bin_path", lambda module, name, *args, **kwargs: fake.get_bin_path(name))
    # This test's own process tree: the module (this process) under a shell sshd started.
    proc = tmp_path / "proc"
    for pid, parent, environment in ((os.getpid(), 4242, b"PATH=/usr/bin\0"), (4242, 1, b"SSH_CONNECTION=198.51.100.7 50312 203.0.113.1 22\0")):
        proc.joinpath(str(pid)).mkdir(parents=True)
        proc.joinpath(str(pid), "status").write_text("Pid:\t%d\nPPid:\t%d\n" % (pid, parent))
        proc.joinpath(str(pid), "environ").write_bytes(environment)
    monkeypatch.setattr(nft_table, "PROC_ROOT", str(proc))
    return fake


@pytest.fixture
def args(tmp_path):
    return dict(name="multisite_vpn_hub", content=SCRIPT, path=str(tmp_path / "etc" / "multisite-vpn" / "hub.nft"), unit=UNIT,
                description="multisite.vpn hub firewall")


def unit_path(host):
    return os.path.join(host.unit_directory, UNIT)


def test_first_run_writes_both_files_and_loads_the_table(host, args, run_module):
    failed, result = run_module(main, args)
    assert not failed, result
    assert (result["changed"], result["loaded"], result["file_changed"], result["unit_changed"]) == (True, True, True, True)
    assert result["ssh_client"] == "198.51.100.7"
    assert open(args["path"]).read() == SCRIPT
    assert stat.S_IMODE(os.stat(args["path"]).st_mode) == 0o644
    assert stat.S_IMODE(os.stat(os.path.dirname(args["path"])).st_mode) == 0o755
    assert open(unit_path(host)).read() == nft_table.render_unit("multisite.vpn hub firewall", "multisite_vpn_hub", "/usr/sbin/nft", args["path"])
    assert host.calls[:3] == [["nft", "list", "table", "inet", "multisite_vpn_hub"], ["systemctl", "show",
                              "--property=UnitFileState,ActiveState,LoadState,NeedDaemonReload", UNIT], ["nft", "-c", "-f", host.calls[2][3]]]
    assert host.writes() == [["systemctl", "daemon-reload"], ["systemctl", "restart", UNIT], ["systemctl", "enable", UNIT]]
    assert host.tables == {"multisite_vpn_hub"} and host.enabled and host.active


def test_second_run_only_reads(host, args, run_module):
    run_module(main, args)
    host.calls.clear()
    modified = os.stat(args["path"]).st_mtime_ns
    failed, result = run_module(main, args)
    assert not failed, result
    assert (result["changed"], result["loaded"], result["load_reasons"]) == (False, False, [])
    # Two reads, no nft -c (the file is unchanged) and no systemctl besides show.
    assert [call[:2] for call in host.calls] == [["nft", "list"], ["systemctl", "show"]]
    assert os.stat(args["path"]).st_mtime_ns == modified


@pytest.mark.parametrize(
    "disturb, reasons, writes",
    [
        pytest.param(lambda host, args: host.tables.clear(), ["the live table is missing"], [["systemctl", "restart", UNIT]], id="flushed-by-hand"),
        pytest.param(lambda host, args: setattr(host, "enabled", False), ["the unit is not enabled"],
                     [["systemctl", "restart", UNIT], ["systemctl", "enable", UNIT]], id="disabled"),
        pytest.param(lambda host, args: setattr(host, "active", False), ["the unit is not active"], [["systemctl", "restart", UNIT]], id="stopped"),
        pytest.param(lambda host, args: open(args["path"], "a").write("# edited\n"), ["the file changed"], [["systemctl", "restart", UNIT]],
                     id="file-edited"),
        pytest.param(lambda host, args: os.chmod(args["path"], 0o600), ["the file changed"], [["systemctl", "restart", UNIT]], id="file-mode"),
        pytest.param(lambda host, args: open(unit_path(host), "a").write("# edited\n"), ["the unit changed"],
                     [["systemctl", "daemon-reload"], ["systemctl", "restart", UNIT]], id="unit-edited"),
    ],
)
def test_a_converged_host_is_loaded_again_only_when_needed(host, args, run_module, disturb, reasons, writes):
    run_module(main, args)
    disturb(host, args)
    host.calls.clear()
    failed, result = run_module(main, args)
    assert not failed, result
    assert (result["changed"], result["loaded"], result["load_reasons"]) == (True, True, reasons)
    assert host.writes() == writes
    assert open(args["path"]).read() == SCRIPT
    assert host.tables == {"multisite_vpn_hub"} and host.enabled and host.active
    assert run_module(main, args)[1]["changed"] is False


def test_check_mode_reads_checks_and_changes_nothing(host, args, run_module):
    failed, result = run_module(main, args, check_mode=True, diff=True)
    assert not failed, result
    assert (result["changed"], result["loaded"], result["file_changed"], result["unit_changed"]) == (True, True, True, True)
    assert host.writes() == []
    assert [call[:2] for call in host.calls] == [["nft", "list"], ["systemctl", "show"], ["nft", "-c"]]
    assert not os.path.exists(args["path"]) and not os.path.exists(unit_path(host))
    file_diff, unit_diff, live_diff = result["diff"]
    assert (file_diff["before"], file_diff["after"]) == ("", SCRIPT)
    assert unit_diff["after"].startswith("[Unit]\nDescription=multisite.vpn hub firewall (nftables table inet multisite_vpn_hub)\n")
    assert live_diff["before"] == "table inet multisite_vpn_hub: missing\n%s: not enabled, not active\n" % UNIT
    assert live_diff["after"].startswith("table inet multisite_vpn_hub: loaded from %s (the file changed; the unit changed;" % args["path"])


def test_check_mode_on_a_flushed_table_says_it_would_load_it(host, args, run_module):
    run_module(main, args)
    host.tables.clear()
    failed, result = run_module(main, args, check_mode=True, diff=True)
    assert not failed, result
    assert result["changed"] is True and result["load_reasons"] == ["the live table is missing"]
    assert [entry["before"] == entry["after"] for entry in result["diff"]] == [True, True, False]
    assert host.tables == set()


def test_diff_of_a_converged_host_shows_no_change(host, args, run_module):
    run_module(main, args)
    failed, result = run_module(main, args, diff=True)
    assert not failed, result
    assert len(result["diff"]) == 2 and all(entry["before"] == entry["after"] for entry in result["diff"])


def test_a_script_nft_refuses_is_not_written(host, args, run_module):
    host.refuse = "syntax error, unexpected accept"
    failed, result = run_module(main, dict(args, content=SCRIPT.replace("tcp dport 22 accept", "tcp dport accept")))
    assert failed
    assert result["msg"] == "content: nft -c refuses the script: %s:4:3-7: Error: syntax error, unexpected accept" % args["path"]
    assert not os.path.exists(args["path"]) and not os.path.exists(unit_path(host))
    assert host.writes() == []


@pytest.mark.parametrize(
    "sources, check, failed, message",
    [
        pytest.param(["192.168.31.0/24"], True, True, "this play's SSH session comes from 198.51.100.7, which host_firewall_ssh_sources does"
                     " not include: 192.168.31.0/24. The next SSH connection would be dropped", id="outside"),
        pytest.param(["192.168.31.0/24", "198.51.100.0/24"], True, False, None, id="inside"),
        pytest.param(["192.168.31.0/24"], False, False, None, id="not-asked"),
        pytest.param([], True, False, None, id="ssh-from-anywhere"),
    ],
)
def test_the_ssh_client_must_stay_reachable(host, args, run_module, sources, check, failed, message):
    outcome, result = run_module(main, dict(args, ssh_sources=sources, check_ssh_client=check, ssh_sources_name="host_firewall_ssh_sources"))
    assert outcome is failed, result
    if failed:
        assert message in result["msg"]
        assert host.calls == [] and not os.path.exists(args["path"])
    else:
        assert result["ssh_client"] == "198.51.100.7"


def test_no_ssh_client_found_fails_when_the_check_is_asked(host, args, run_module, tmp_path, monkeypatch):
    monkeypatch.setattr(nft_table, "PROC_ROOT", str(tmp_path / "empty-proc"))
    failed, result = run_module(main, dict(args, ssh_sources=["192.168.31.0/24"], check_ssh_client=True))
    assert failed
    assert "comes from an address that could not be found" in result["msg"] and "which ssh_sources does not include" in result["msg"]
    failed, result = run_module(main, args)
    assert not failed and result["ssh_client"] is None


@pytest.mark.parametrize(
    "changes, missing, message",
    [
        pytest.param(dict(name="multisite-vpn-hub"), (), "name: 'multisite-vpn-hub' is not a table name", id="bad-name"),
        pytest.param(dict(content=""), (), "content: is empty", id="empty-content"),
        pytest.param(dict(content="table inet other {\n}\n"), (), "content: has no line `table inet multisite_vpn_hub`", id="other-table"),
        pytest.param(dict(path="etc/hub.nft"), (), "path: 'etc/hub.nft' is not an absolute path", id="relative-path"),
        pytest.param(dict(unit="multisite-vpn-hub-firewall"), (), "unit: 'multisite-vpn-hub-firewall' is not a service unit name", id="unit-suffix"),
        pytest.param(dict(unit="x/y.service"), (), "unit: 'x/y.service' is not a service unit name", id="unit-slash"),
        pytest.param(dict(ssh_sources=["192.168.31.0/24", "everywhere"]), (), "ssh_sources[1]: 'everywhere' is neither", id="source-not-prefix"),
        pytest.param(dict(ssh_sources=["192.168.31.1/24"]), (), "ssh_sources[0]: 192.168.31.1/24 has host bits set", id="source-host-bits"),
        pytest.param({}, ("nft",), "nft not found: install nftables", id="no-nft"),
        pytest.param({}, ("systemctl",), "systemctl not found", id="no-systemctl"),
    ],
)
def test_bad_input_fails_with_one_message_and_changes_nothing(host, args, run_module, changes, missing, message):
    host.missing = set(missing)
    failed, result = run_module(main, dict(args, **changes))
    assert failed
    assert message in result["msg"]
    assert "Traceback" not in result["msg"]
    assert host.calls == [] and not os.path.exists(args["path"]) and os.listdir(host.unit_directory) == []
