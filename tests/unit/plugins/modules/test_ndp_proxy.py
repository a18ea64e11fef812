# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module end to end: its real main() with ip and systemctl answered in the test's own process (a fake host: the
kernel's proxy entries, units that run what their ExecStart lines say, /proc/sys, /sys/class/net, the unit directory
and /etc/multisite-vpn in tmp_path), so no process is started."""

from __future__ import annotations

import ipaddress
import json
import os
import stat

import pytest

from ansible.module_utils import basic
from ansible_collections.multisite.vpn.plugins.module_utils import ndp_proxy, systemd_unit
from ansible_collections.multisite.vpn.plugins.module_utils import sysctl as kernel_params
from ansible_collections.multisite.vpn.plugins.modules.ndp_proxy import main

KERNEL_UNIT = "multisite-vpn-ndp-proxy-eth0.service"
NDPPD_UNIT = "multisite-vpn-ndppd-eth0.service"
TOOLS = {"ip": "/usr/sbin/ip", "sysctl": "/usr/sbin/sysctl", "systemctl": "/usr/bin/systemctl", "ndppd": "/usr/sbin/ndppd"}
INTERFACES = ("eth0", "eth0.100", "lo", "wg0")
# Each interface's parameters as a fresh kernel has them; eth0 forwards (a hub), eth0.100 does not.
BOOT_VALUES = {
    "eth0": dict(forwarding="1", accept_ra="1", proxy_ndp="0", proxy_delay="80"),
    "eth0.100": dict(forwarding="0", accept_ra="1", proxy_ndp="0", proxy_delay="80"),
}
ADDRESSES = ["2001:db8:0:5::10", "2001:db8:0:5::11", "2001:db8:0:5::12"]


class FakeHost:
    """ip, sysctl and systemctl as the module and its units call them. The kernel keeps proxy entries per interface
    (`ip -6 neigh show proxy dev IF`, `ip -6 -batch -`: an add of an entry that exists succeeds, a del of a missing one
    fails with rc 2 and stops the batch, as the real ip does); systemd keeps each unit's state and runs the ExecStart
    lines of the unit file it read at its last daemon-reload (sysctl -w into /proc/sys, ip -6 -batch FILE, ndppd -c
    FILE: the configuration it runs with is recorded)."""

    def __init__(self, root):
        self.root = root
        self.unit_directory = root / "etc" / "systemd" / "system"
        self.config_directory = root / "etc" / "multisite-vpn"
        self.sys_class_net = root / "sys" / "class" / "net"
        self.proc = root / "proc" / "sys"
        self.debian_conf = root / "etc" / "ndppd.conf"
        self.unit_directory.mkdir(parents=True)
        for name in INTERFACES:
            self.sys_class_net.joinpath(name).mkdir(parents=True)
        self.entries = {name: set() for name in INTERFACES}
        self.units = {}
        self.calls = []
        self.missing = set()
        self.fail_line = None  # a batch line ip refuses, and what it says
        self.sysctl_writes = []
        self.ndppd_runs = []  # the configuration each (re)start of ndppd read
        self.warnings = []
        self.boot()

    # the kernel

    def set_proc(self, interface, name, value):
        group = "neigh" if name == "proxy_delay" else "conf"
        path = self.proc / "net" / "ipv6" / group / interface / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(value + "\n")

    def proc_value(self, interface, name):
        group = "neigh" if name == "proxy_delay" else "conf"
        return (self.proc / "net" / "ipv6" / group / interface / name).read_text().strip()

    def boot(self):
        """A reboot: the kernel's state is gone, then systemd starts every enabled unit."""
        for interface, values in BOOT_VALUES.items():
            for name, value in values.items():
                self.set_proc(interface, name, value)
        for entries in self.entries.values():
            entries.clear()
        for unit in self.units.values():
            unit["active"] = False
            unit["known"] = self.unit_text(unit["name"])
        for name, unit in self.units.items():
            if unit["enabled"]:
                self.start(name)

    def batch(self, lines, source):
        for number, line in enumerate(lines, 1):
            words = line.split()
            if not words or words[0].startswith("#"):
                continue
            assert words[:3] in (["neigh", "add", "proxy"], ["neigh", "del", "proxy"]) and words[4] == "dev", line
            address, interface = str(ipaddress.ip_address(words[3])), words[5]
            if self.fail_line and line == self.fail_line[0]:
                return 2, "", "%s\nCommand failed %s:%d\n" % (self.fail_line[1], source, number)
            if words[1] == "add":
                self.entries[interface].add(address)
            elif address in self.entries[interface]:
                self.entries[interface].remove(address)
            else:
                return 2, "", "RTNETLINK answers: No such file or directory\n"
        return 0, "", ""

    # systemd

    def unit_text(self, name):
        path = self.unit_directory / name
        return path.read_text() if path.exists() else None

    def unit(self, name):
        return self.units.setdefault(name, dict(name=name, enabled=False, active=False, known=None))

    def start(self, name):
        unit = self.unit(name)
        for line in (unit["known"] or "").splitlines():
            if not line.startswith(("ExecStart=", "ExecStartPre=")):
                continue
            command = line.split("=", 1)[1].split()
            if command[0] == TOOLS["sysctl"]:
                assert command[1:3] == ["-q", "-w"]
                key, value = command[3].split("=", 1)
                with open(kernel_params.proc_path(kernel_params.canonical_key(key), str(self.proc)), "w") as handle:
                    handle.write(value + "\n")
            elif command[0] == TOOLS["ip"]:
                assert command[1:3] == ["-6", "-batch"]
                rc = self.batch(open(command[3]).read().splitlines(), command[3])[0]
                if rc:
                    return rc
            elif command[0] == TOOLS["ndppd"]:
                assert command[1] == "-c"
                self.ndppd_runs.append(open(command[2]).read())
            else:
                raise AssertionError("unexpected ExecStart %r" % line)
        unit["active"] = True
        return 0

    def systemctl(self, args):
        action, name = args[0], args[-1]
        if action == "show":
            assert args[1] == "--property=UnitFileState,ActiveState,LoadState,NeedDaemonReload"
            unit = self.unit(name)
            loaded = unit["known"] is not None or name == ndp_proxy.DEBIAN_NDPPD_UNIT and unit["active"]
            return 0, "UnitFileState=%s\nActiveState=%s\nLoadState=%s\nNeedDaemonReload=%s\n" % (
                "enabled" if unit["enabled"] else ("disabled" if loaded else ""), "active" if unit["active"] else "inactive",
                "loaded" if loaded else "not-found", "yes" if unit["known"] is not None and unit["known"] != self.unit_text(name) else "no"), ""
        if action == "daemon-reload":
            for unit_name in os.listdir(self.unit_directory):
                self.unit(unit_name)["known"] = self.unit_text(unit_name)
            return 0, "", ""
        unit = self.unit(name)
        if unit["known"] is None:
            return 5, "", "Failed to %s %s: Unit %s not found.\n" % (action, name, name)
        if action == "enable":
            unit["enabled"] = True
        elif action in ("start", "restart"):
            if self.start(name):
                return 1, "", "Job for %s failed.\n" % name
        else:
            raise AssertionError("unexpected systemctl %r" % args)
        return 0, "", ""

    # the module's calls

    def get_bin_path(self, name):
        return None if name in self.missing else TOOLS.get(name)

    def run_command(self, args, data=None, binary_data=False, **kwargs):
        args = list(args)
        command = [os.path.basename(args[0])] + args[1:]
        self.calls.append(command + ([data] if data is not None else []))
        if command[:5] == ["ip", "-6", "neigh", "show", "proxy"]:
            assert command[5] == "dev" and len(command) == 7
            return 0, "".join("%s proxy \n" % address for address in ndp_proxy.sort_entries(self.entries[command[6]])), ""
        if command == ["ip", "-6", "-batch", "-"]:
            assert data.endswith("\n")
            return self.batch(data.splitlines(), "-")
        if command[0] == "systemctl":
            return self.systemctl(command[1:])
        raise AssertionError("unexpected command %r" % command)

    def writes(self):
        """The calls that change something (not ip neigh show, not systemctl show)."""
        return [call for call in self.calls if call[:3] != ["ip", "-6", "neigh"] and call[:2] != ["systemctl", "show"]]

    def tree(self):
        """Every file under the host's root with its content and mode, to prove that nothing changed."""
        found = {}
        for directory, _directories, names in os.walk(self.root):
            for name in names:
                path = os.path.join(directory, name)
                found[path] = (open(path, "rb").read(), stat.S_IMODE(os.stat(path).st_mode))
        return found


@pytest.fixture
def host(tmp_path, monkeypatch):
    fake = FakeHost(tmp_path)
    monkeypatch.setattr(systemd_unit, "UNIT_DIRECTORY", str(fake.unit_directory))
    monkeypatch.setattr(ndp_proxy, "SYS_CLASS_NET", str(fake.sys_class_net))
    monkeypatch.setattr(ndp_proxy, "CONFIG_DIRECTORY", str(fake.config_directory))
    monkeypatch.setattr(ndp_proxy, "DEBIAN_NDPPD_CONF", str(fake.debian_conf))
    monkeypatch.setattr(kernel_params, "PROC_ROOT", str(fake.proc))
    monkeypatch.setattr(basic.AnsibleModule, "run_command", lambda module, args, **kwargs: fake.run_command(args, **kwargs))
    monkeypatch.setattr(basic.AnsibleModule, "get_bin_path", lambda module, name, *args, **kwargs: fake.get_bin_path(name))
    # Ansible keeps warnings process-wide and reports each text once per process: record them here instead.
    monkeypatch.setattr(basic.AnsibleModule, "warn", lambda module, warning, *args, **kwargs: fake.warnings.append(warning))
    real_write = kernel_params.write_proc_file

    def recording_write(path, value):
        fake.sysctl_writes.append((os.path.relpath(path, str(fake.proc)), value))
        real_write(path, value)

    monkeypatch.setattr(kernel_params, "write_proc_file", recording_write)
    return fake


def kernel_args(**changes):
    return dict(dict(interface="eth0", entries=list(ADDRESSES)), **changes)


def ndppd_args(**changes):
    return dict(dict(interface="eth0", mode="ndppd", entries=["2001:db8:0:5:1::/80", "2001:db8:0:5::10"]), **changes)


def batch_file(host, interface="eth0"):
    return host.config_directory / ("ndp-proxy-%s.ip" % interface)


def batch_call(*lines):
    return ["ip", "-6", "-batch", "-", "".join(line + "\n" for line in lines)]


def show(unit):
    return ["systemctl", "show", "--property=UnitFileState,ActiveState,LoadState,NeedDaemonReload", unit]


def add(address, interface="eth0"):
    return "neigh add proxy %s dev %s" % (address, interface)


def delete(address, interface="eth0"):
    return "neigh del proxy %s dev %s" % (address, interface)


# mode kernel


def test_first_run_sets_the_kernel_adds_the_entries_in_one_batch_and_persists_them(host, run_module):
    failed, result = run_module(main, kernel_args(entries=["2001:db8:0:5::12", "2001:DB8:0:5::10", "2001:db8:0:5::11/128"]))
    assert not failed, result
    assert result["changed"] is True
    assert (result["interface"], result["mode"], result["unit"]) == ("eth0", "kernel", KERNEL_UNIT)
    assert result["entries"] == result["added"] == ADDRESSES and result["removed"] == []
    assert result["sysctl"] == {
        "net.ipv6.conf.eth0.accept_ra": dict(before="1", after="2"),
        "net.ipv6.neigh.eth0.proxy_delay": dict(before="80", after="0"),
        "net.ipv6.conf.eth0.proxy_ndp": dict(before="0", after="1"),
    }
    assert result["unit_actions"] == ["daemon-reload", "enable", "start"]
    assert host.calls[:2] == [["ip", "-6", "neigh", "show", "proxy", "dev", "eth0"], show(KERNEL_UNIT)]
    assert host.writes() == [batch_call(*(add(address) for address in ADDRESSES)), ["systemctl", "daemon-reload"],
                             ["systemctl", "enable", KERNEL_UNIT], ["systemctl", "start", KERNEL_UNIT]]
    assert host.sysctl_writes == [("net/ipv6/conf/eth0/accept_ra", "2"), ("net/ipv6/neigh/eth0/proxy_delay", "0"),
                                  ("net/ipv6/conf/eth0/proxy_ndp", "1")]
    assert host.entries["eth0"] == set(ADDRESSES)
    assert batch_file(host).read_text() == ndp_proxy.render_batch_file("eth0", ADDRESSES)
    assert batch_file(host).read_text().splitlines()[2:] == [add(address) for address in ADDRESSES]
    unit_text = (host.unit_directory / KERNEL_UNIT).read_text()
    assert unit_text == ndp_proxy.render_kernel_unit("eth0", {"net.ipv6.conf.eth0.accept_ra": "2", "net.ipv6.neigh.eth0.proxy_delay": "0",
                                                              "net.ipv6.conf.eth0.proxy_ndp": "1"}, TOOLS["sysctl"], TOOLS["ip"], str(batch_file(host)))
    assert stat.S_IMODE(os.stat(batch_file(host)).st_mode) == 0o644
    assert stat.S_IMODE(os.stat(host.config_directory).st_mode) == 0o755
    assert host.units[KERNEL_UNIT]["enabled"] and host.units[KERNEL_UNIT]["active"]


def test_second_run_only_reads(host, run_module):
    run_module(main, kernel_args())
    host.calls.clear()
    host.sysctl_writes.clear()
    before = host.tree()
    failed, result = run_module(main, kernel_args())
    assert not failed, result
    assert (result["changed"], result["added"], result["removed"], result["sysctl"], result["unit_actions"]) == (False, [], [], {}, [])
    assert result["entries"] == ADDRESSES
    assert host.calls == [["ip", "-6", "neigh", "show", "proxy", "dev", "eth0"], show(KERNEL_UNIT)]
    assert host.writes() == [] and host.sysctl_writes == []
    assert host.tree() == before


def test_one_more_entry_is_one_batch_line_and_no_restart(host, run_module):
    run_module(main, kernel_args())
    host.calls.clear()
    failed, result = run_module(main, kernel_args(entries=ADDRESSES + ["2001:db8:0:5::13"]))
    assert not failed, result
    assert (result["changed"], result["added"], result["removed"], result["unit_actions"]) == (True, ["2001:db8:0:5::13"], [], [])
    assert host.writes() == [batch_call(add("2001:db8:0:5::13"))]
    assert batch_file(host).read_text().splitlines()[-1] == add("2001:db8:0:5::13")
    assert host.entries["eth0"] == set(ADDRESSES + ["2001:db8:0:5::13"])


def test_exclusive_removes_entries_not_listed_in_the_same_batch(host, run_module):
    run_module(main, kernel_args())
    host.entries["eth0"].add("2001:db8:0:5::99")  # added by hand
    host.entries["wg0"].add("2001:db8:0:5::98")  # another interface's: not this run's
    host.calls.clear()
    failed, result = run_module(main, kernel_args(entries=["2001:db8:0:5::10", "2001:db8:0:5::20"]))
    assert not failed, result
    assert result["added"] == ["2001:db8:0:5::20"]
    assert result["removed"] == ["2001:db8:0:5::11", "2001:db8:0:5::12", "2001:db8:0:5::99"]
    assert result["entries"] == ["2001:db8:0:5::10", "2001:db8:0:5::20"]
    assert host.writes() == [batch_call(delete("2001:db8:0:5::11"), delete("2001:db8:0:5::12"), delete("2001:db8:0:5::99"),
                                        add("2001:db8:0:5::20"))]
    assert host.entries == dict(host.entries, eth0={"2001:db8:0:5::10", "2001:db8:0:5::20"}, wg0={"2001:db8:0:5::98"})
    assert batch_file(host).read_text().splitlines()[2:] == [add("2001:db8:0:5::10"), add("2001:db8:0:5::20")]


def test_without_exclusive_the_other_live_entries_stay_and_are_persisted(host, run_module):
    host.entries["eth0"].update({"2001:db8:0:5::99", "2001:db8:0:5::10"})
    failed, result = run_module(main, kernel_args(entries=["2001:db8:0:5::10", "2001:db8:0:5::11"], exclusive=False))
    assert not failed, result
    assert (result["added"], result["removed"]) == (["2001:db8:0:5::11"], [])
    assert result["entries"] == ["2001:db8:0:5::10", "2001:db8:0:5::11", "2001:db8:0:5::99"]
    assert host.writes()[0] == batch_call(add("2001:db8:0:5::11"))
    assert batch_file(host).read_text().splitlines()[2:] == [add(address) for address in result["entries"]]


def test_an_empty_list_is_allowed_only_when_asked(host, run_module):
    run_module(main, kernel_args())
    failed, result = run_module(main, kernel_args(entries=[], allow_empty=True))
    assert not failed, result
    assert (result["entries"], result["removed"]) == ([], ADDRESSES)
    assert host.entries["eth0"] == set()
    assert batch_file(host).read_text().splitlines()[2:] == []


def test_a_reboot_restores_the_parameters_and_the_entries(host, run_module):
    run_module(main, kernel_args())
    host.boot()
    assert host.entries["eth0"] == set(ADDRESSES)
    assert [host.proc_value("eth0", name) for name in ("accept_ra", "proxy_delay", "proxy_ndp")] == ["2", "0", "1"]
    host.calls.clear()
    failed, result = run_module(main, kernel_args())
    assert not failed and result["changed"] is False, result


def test_ndppd_mode_warns_when_the_interface_does_not_forward(host, run_module):
    host.set_proc("eth0", "forwarding", "0")
    failed, result = run_module(main, ndppd_args())
    assert not failed, result
    assert [warning for warning in host.warnings if "does not forward" in warning] == [
        "eth0 does not forward (net.ipv6.conf.eth0.forwarding is 0): ndppd answers, but the packets it draws here are dropped;"
        " turn forwarding on (multisite.vpn.sysctl)"]


@pytest.mark.parametrize(
    "forwarding, accept_ra, writes, unit_line, warned",
    [
        pytest.param("1", "1", [("net/ipv6/conf/eth0/accept_ra", "2"), ("net/ipv6/neigh/eth0/proxy_delay", "0"),
                                ("net/ipv6/conf/eth0/proxy_ndp", "1")], True, False, id="forwarding-accept-ra-1-set-first"),
        pytest.param("1", "2", [("net/ipv6/neigh/eth0/proxy_delay", "0"), ("net/ipv6/conf/eth0/proxy_ndp", "1")], True, False,
                     id="already-2-kept-in-the-unit"),
        pytest.param("1", "0", [("net/ipv6/neigh/eth0/proxy_delay", "0"), ("net/ipv6/conf/eth0/proxy_ndp", "1")], False, False,
                     id="ra-off-left-alone"),
        pytest.param("0", "1", [("net/ipv6/neigh/eth0/proxy_delay", "0"), ("net/ipv6/conf/eth0/proxy_ndp", "1")], False, True,
                     id="not-forwarding-warned"),
    ],
)
def test_accept_ra_is_set_to_2_first_only_on_a_forwarding_interface_that_takes_ra(
        host, run_module, forwarding, accept_ra, writes, unit_line, warned):
    host.set_proc("eth0", "forwarding", forwarding)
    host.set_proc("eth0", "accept_ra", accept_ra)
    failed, result = run_module(main, kernel_args())
    assert not failed, result
    assert host.sysctl_writes == writes
    assert host.proc_value("eth0", "accept_ra") == ("2" if (forwarding, accept_ra) == ("1", "1") else accept_ra)
    unit_text = (host.unit_directory / KERNEL_UNIT).read_text()
    assert ("ExecStart=/usr/sbin/sysctl -q -w net.ipv6.conf.eth0.accept_ra=2\nExecStart=/usr/sbin/sysctl -q -w"
            " net.ipv6.neigh.eth0.proxy_delay=0\n" in unit_text) is unit_line
    assert ("net.ipv6.conf.eth0.accept_ra" in unit_text) is unit_line
    warnings = host.warnings
    assert bool(warnings) is warned
    if warned:
        assert "eth0 does not forward (net.ipv6.conf.eth0.forwarding is 0): the kernel answers for proxy entries only on an interface" \
               " that forwards" in warnings[0]
    assert run_module(main, kernel_args())[1]["changed"] is False


def test_proxy_delay_is_set_and_persisted(host, run_module):
    failed, result = run_module(main, kernel_args(proxy_delay=80))
    assert not failed, result
    assert "net.ipv6.neigh.eth0.proxy_delay" not in result["sysctl"]
    assert "ExecStart=/usr/sbin/sysctl -q -w net.ipv6.neigh.eth0.proxy_delay=80\n" in (host.unit_directory / KERNEL_UNIT).read_text()
    host.calls.clear()
    failed, result = run_module(main, kernel_args(proxy_delay=0))
    assert result["sysctl"] == {"net.ipv6.neigh.eth0.proxy_delay": dict(before="80", after="0")}
    # The unit changed: systemd rereads it, but the unit is not run again (the value was set live).
    assert host.writes() == [["systemctl", "daemon-reload"]] and result["unit_actions"] == ["daemon-reload"]


def test_a_dotted_interface_uses_the_slash_form(host, run_module):
    host.set_proc("eth0.100", "forwarding", "1")
    failed, result = run_module(main, kernel_args(interface="eth0.100"))
    assert not failed, result
    assert list(result["sysctl"]) == ["net/ipv6/conf/eth0.100/accept_ra", "net/ipv6/neigh/eth0.100/proxy_delay", "net/ipv6/conf/eth0.100/proxy_ndp"]
    assert host.entries["eth0.100"] == set(ADDRESSES)
    unit = "multisite-vpn-ndp-proxy-eth0.100.service"
    assert "ExecStart=/usr/sbin/sysctl -q -w net/ipv6/conf/eth0.100/proxy_ndp=1\n" in (host.unit_directory / unit).read_text()
    host.boot()
    assert host.entries["eth0.100"] == set(ADDRESSES) and host.proc_value("eth0.100", "proxy_ndp") == "1"


@pytest.mark.parametrize(
    "disturb, writes",
    [
        pytest.param(lambda host: host.units[KERNEL_UNIT].update(enabled=False), [["systemctl", "enable", KERNEL_UNIT]], id="disabled"),
        pytest.param(lambda host: host.units[KERNEL_UNIT].update(active=False), [["systemctl", "start", KERNEL_UNIT]], id="stopped"),
        pytest.param(lambda host: (host.unit_directory / KERNEL_UNIT).write_text("[Service]\n"), [["systemctl", "daemon-reload"]], id="unit-edited"),
        pytest.param(lambda host: batch_file(host).write_text("neigh add proxy 2001:db8::1 dev eth0\n"), [], id="batch-file-edited"),
        pytest.param(lambda host: host.entries["eth0"].clear(), [batch_call(*(add(address) for address in ADDRESSES))], id="link-went-down"),
    ],
)
def test_a_converged_host_is_put_back_with_the_least_it_takes(host, run_module, disturb, writes):
    run_module(main, kernel_args())
    disturb(host)
    host.calls.clear()
    failed, result = run_module(main, kernel_args())
    assert not failed, result
    assert result["changed"] is True
    assert host.writes() == writes
    assert host.entries["eth0"] == set(ADDRESSES)
    assert batch_file(host).read_text() == ndp_proxy.render_batch_file("eth0", ADDRESSES)
    assert run_module(main, kernel_args())[1]["changed"] is False


@pytest.mark.parametrize("converged", [False, True], ids=["new-host", "changed-entries"])
def test_check_mode_writes_nothing_and_reports_what_a_real_run_does(host, run_module, converged):
    if converged:
        run_module(main, kernel_args(proxy_delay=80))
        host.units[KERNEL_UNIT]["active"] = False
        host.entries["eth0"].add("2001:db8:0:5::99")
    args = kernel_args(entries=ADDRESSES[1:] + ["2001:db8:0:5::20"])
    before = host.tree()
    host.calls.clear()
    host.sysctl_writes.clear()
    failed, checked = run_module(main, args, check_mode=True, diff=True)
    assert not failed, checked
    assert host.writes() == [] and host.sysctl_writes == []
    assert host.tree() == before
    failed, applied = run_module(main, args, diff=True)
    assert not failed, applied
    for key in ("changed", "entries", "added", "removed", "sysctl", "unit_actions", "diff"):
        assert checked[key] == applied[key], key


def test_diff_shows_entries_parameters_files_and_unit(host, run_module):
    host.entries["eth0"].add("2001:db8:0:5::99")
    failed, result = run_module(main, kernel_args(entries=ADDRESSES[:2]), check_mode=True, diff=True)
    assert not failed, result
    entries, parameters, batch, unit_file, unit = result["diff"]
    assert entries == dict(before_header="proxy entries on eth0", after_header="proxy entries on eth0",
                           before="2001:db8:0:5::99\n", after="2001:db8:0:5::10\n2001:db8:0:5::11\n")
    assert parameters == dict(before_header="kernel parameters of eth0 (live)", after_header="kernel parameters of eth0 (live)",
                              before="net.ipv6.conf.eth0.accept_ra = 1\nnet.ipv6.neigh.eth0.proxy_delay = 80\nnet.ipv6.conf.eth0.proxy_ndp = 0\n",
                              after="net.ipv6.conf.eth0.accept_ra = 2\nnet.ipv6.neigh.eth0.proxy_delay = 0\nnet.ipv6.conf.eth0.proxy_ndp = 1\n")
    assert (batch["before_header"], batch["before"]) == (str(batch_file(host)), "")
    assert batch["after"] == ndp_proxy.render_batch_file("eth0", ADDRESSES[:2])
    assert unit_file["before_header"] == str(host.unit_directory / KERNEL_UNIT) and unit_file["after"].startswith("[Unit]\n")
    assert unit == dict(before_header="systemd unit", after_header="systemd unit", before="%s: not loaded\n" % KERNEL_UNIT,
                        after="(systemd reloaded)\n%s: enabled, active\n" % KERNEL_UNIT)


def test_diff_of_a_converged_host_shows_no_change(host, run_module):
    run_module(main, kernel_args())
    failed, result = run_module(main, kernel_args(), diff=True)
    assert not failed, result
    assert len(result["diff"]) == 4 and all(entry["before"] == entry["after"] for entry in result["diff"])


def test_a_batch_failing_part_way_says_what_was_applied_and_writes_no_file(host, run_module):
    host.fail_line = (add("2001:db8:0:5::11"), "RTNETLINK answers: Operation not permitted")
    failed, result = run_module(main, kernel_args())
    assert failed
    assert result["msg"] == (
        "ip -6 -batch failed on eth0: RTNETLINK answers: Operation not permitted Command failed -:2; applied: added 2001:db8:0:5::10;"
        " not applied: add 2001:db8:0:5::11, add 2001:db8:0:5::12; the boot file was not written, run again once the cause is fixed")
    assert "Traceback" not in json.dumps(result)
    assert result["changed"] is True
    assert (result["added"], result["removed"]) == (["2001:db8:0:5::10"], [])
    assert sorted(result["sysctl"]) == ["net.ipv6.conf.eth0.accept_ra", "net.ipv6.conf.eth0.proxy_ndp", "net.ipv6.neigh.eth0.proxy_delay"]
    # ip ran once, the entries were read back once, and nothing was written or started.
    assert [call[:3] for call in host.calls] == [["ip", "-6", "neigh"], show(KERNEL_UNIT)[:3], ["ip", "-6", "-batch"], ["ip", "-6", "neigh"]]
    assert not batch_file(host).exists() and not (host.unit_directory / KERNEL_UNIT).exists()
    host.fail_line = None
    failed, result = run_module(main, kernel_args())
    assert not failed and result["added"] == ["2001:db8:0:5::11", "2001:db8:0:5::12"], result


def test_an_entry_removed_behind_the_module_s_back_fails_the_batch_plainly(host, run_module):
    """A del of an entry that is gone by the time ip runs (another tool): ip says so, the module says what it did."""
    run_module(main, kernel_args())
    real_batch = host.batch

    def racing_batch(lines, source):
        host.entries["eth0"].discard("2001:db8:0:5::11")
        return real_batch(lines, source)

    host.batch = racing_batch
    failed, result = run_module(main, kernel_args(entries=["2001:db8:0:5::10"]))
    assert failed
    assert result["msg"].startswith("ip -6 -batch failed on eth0: RTNETLINK answers: No such file or directory; applied: removed"
                                    " 2001:db8:0:5::11; not applied: remove 2001:db8:0:5::12;")


def test_comma_separated_entries_are_split_by_ansible(host, run_module):
    failed, result = run_module(main, kernel_args(entries="2001:db8:0:5::10, 2001:db8:0:5::11,2001:db8:0:5::12"))
    assert not failed, result
    assert result["entries"] == ADDRESSES
    failed, result = run_module(main, kernel_args(entries="2001:db8:0:5::10"))
    assert not failed, result
    assert result["entries"] == ["2001:db8:0:5::10"]


# mode ndppd


def ndppd_conf(host):
    return host.config_directory / "ndppd-eth0.conf"


def test_ndppd_first_run_writes_its_configuration_and_unit_and_starts_it(host, run_module):
    failed, result = run_module(main, ndppd_args())
    assert not failed, result
    assert (result["mode"], result["unit"]) == ("ndppd", NDPPD_UNIT)
    assert result["entries"] == result["added"] == ["2001:db8:0:5::10/128", "2001:db8:0:5:1::/80"]
    assert result["sysctl"] == {"net.ipv6.conf.eth0.accept_ra": dict(before="1", after="2")}
    assert host.sysctl_writes == [("net/ipv6/conf/eth0/accept_ra", "2")]
    assert ndppd_conf(host).read_text() == ndp_proxy.render_ndppd_conf("eth0", result["entries"])
    assert ndppd_conf(host).read_text().splitlines()[2:] == [
        "proxy eth0 {", "    router no", "    rule 2001:db8:0:5::10/128 {", "        static", "    }", "    rule 2001:db8:0:5:1::/80 {",
        "        static", "    }", "}"]
    assert (host.unit_directory / NDPPD_UNIT).read_text() == ndp_proxy.render_ndppd_unit(
        "eth0", TOOLS["ndppd"], str(ndppd_conf(host)), {"net.ipv6.conf.eth0.accept_ra": "2"}, TOOLS["sysctl"])
    # No ip at all: ndppd answers by itself. Debian's ndppd.conf does not name eth0, so its unit is not asked about.
    assert host.calls == [show(NDPPD_UNIT), ["systemctl", "daemon-reload"], ["systemctl", "enable", NDPPD_UNIT],
                          ["systemctl", "start", NDPPD_UNIT]]
    assert host.ndppd_runs == [ndppd_conf(host).read_text()]
    assert host.entries["eth0"] == set() and host.proc_value("eth0", "proxy_ndp") == "0"


def test_ndppd_second_run_only_reads(host, run_module):
    run_module(main, ndppd_args())
    host.calls.clear()
    before = host.tree()
    failed, result = run_module(main, ndppd_args())
    assert not failed, result
    assert (result["changed"], result["added"], result["removed"], result["unit_actions"]) == (False, [], [], [])
    assert host.calls == [show(NDPPD_UNIT)]
    assert host.tree() == before and len(host.ndppd_runs) == 1


@pytest.mark.parametrize(
    "exclusive, entries, added, removed",
    [
        pytest.param(True, ["2001:db8:0:5:2::/80"], ["2001:db8:0:5:2::/80"], ["2001:db8:0:5::10/128", "2001:db8:0:5:1::/80"], id="exclusive"),
        pytest.param(False, ["2001:db8:0:5:2::/80"], ["2001:db8:0:5:2::/80"], [], id="keep-rules"),
    ],
)
def test_ndppd_is_restarted_with_the_new_configuration(host, run_module, exclusive, entries, added, removed):
    run_module(main, ndppd_args())
    host.calls.clear()
    failed, result = run_module(main, ndppd_args(entries=entries, exclusive=exclusive))
    assert not failed, result
    assert (result["added"], result["removed"], result["unit_actions"]) == (added, removed, ["restart"])
    assert host.calls == [show(NDPPD_UNIT), ["systemctl", "restart", NDPPD_UNIT]]
    assert ndp_proxy.parse_ndppd_rules(host.ndppd_runs[-1]) == result["entries"]
    expected = sorted(set(["2001:db8:0:5::10/128", "2001:db8:0:5:1::/80"] if not exclusive else []) | set(entries),
                      key=lambda prefix: ipaddress.ip_network(prefix).network_address)
    assert result["entries"] == expected


@pytest.mark.parametrize(
    "disturb, writes",
    [
        pytest.param(lambda host: (host.unit_directory / NDPPD_UNIT).write_text("[Service]\n"),
                     [["systemctl", "daemon-reload"], ["systemctl", "restart", NDPPD_UNIT]], id="unit-edited"),
        pytest.param(lambda host: ndppd_conf(host).write_text("proxy eth0 {\n}\n"), [["systemctl", "restart", NDPPD_UNIT]], id="conf-edited"),
        pytest.param(lambda host: host.units[NDPPD_UNIT].update(active=False), [["systemctl", "start", NDPPD_UNIT]], id="stopped"),
        pytest.param(lambda host: host.units[NDPPD_UNIT].update(enabled=False), [["systemctl", "enable", NDPPD_UNIT]], id="disabled"),
    ],
)
def test_ndppd_converged_host_is_put_back(host, run_module, disturb, writes):
    run_module(main, ndppd_args())
    disturb(host)
    host.calls.clear()
    failed, result = run_module(main, ndppd_args())
    assert not failed, result
    assert host.writes() == writes
    assert host.ndppd_runs[-1] == ndppd_conf(host).read_text() == ndp_proxy.render_ndppd_conf("eth0", result["entries"])
    assert run_module(main, ndppd_args())[1]["changed"] is False


def test_ndppd_missing_is_said_plainly_and_nothing_changes(host, run_module):
    host.missing.add("ndppd")
    before = host.tree()
    failed, result = run_module(main, ndppd_args())
    assert failed
    assert result["msg"] == "ndppd not found: install the Debian package ndppd"
    assert result["changed"] is False and host.calls == [] and host.sysctl_writes == [] and host.tree() == before


@pytest.mark.parametrize(
    "debian_conf, active, warned",
    [
        pytest.param("proxy eth0 {\n    rule 2001:db8:0:5::/64 {\n        static\n    }\n}\n", True, True, id="active-same-link"),
        pytest.param("proxy eth0 {\n}\n", False, False, id="not-active"),
        pytest.param("proxy wg0 {\n}\n", True, False, id="other-link"),
        pytest.param(None, True, False, id="no-configuration"),
    ],
)
def test_debian_s_own_ndppd_on_the_same_link_is_warned_about(host, run_module, debian_conf, active, warned):
    if debian_conf is not None:
        host.debian_conf.write_text(debian_conf)
    host.unit(ndp_proxy.DEBIAN_NDPPD_UNIT)["active"] = active
    failed, result = run_module(main, ndppd_args())
    assert not failed, result
    warnings = host.warnings
    assert bool(warnings) is warned
    if warned:
        assert warnings[0].startswith("ndppd.service is active and %s has a proxy eth0 section: two daemons may answer on the same link"
                                      % host.debian_conf)
    assert (show(ndp_proxy.DEBIAN_NDPPD_UNIT) in host.calls) is (debian_conf is not None and "eth0" in debian_conf)


def test_ndppd_check_mode_and_diff(host, run_module):
    before = host.tree()
    failed, checked = run_module(main, ndppd_args(), check_mode=True, diff=True)
    assert not failed, checked
    assert host.tree() == before and host.writes() == [] and host.sysctl_writes == []
    entries, parameters, conf, unit_file, unit = checked["diff"]
    assert entries["after"] == "2001:db8:0:5::10/128\n2001:db8:0:5:1::/80\n"
    assert parameters["after"] == "net.ipv6.conf.eth0.accept_ra = 2\n"
    assert (conf["before"], conf["after"]) == ("", ndp_proxy.render_ndppd_conf("eth0", checked["entries"]))
    assert unit["after"] == "(systemd reloaded)\n%s: enabled, active\n" % NDPPD_UNIT
    failed, applied = run_module(main, ndppd_args(), diff=True)
    assert not failed, applied
    for key in ("changed", "entries", "added", "removed", "sysctl", "unit_actions", "diff"):
        assert checked[key] == applied[key], key


# bad input: one message naming the option, nothing read by a command, nothing written


@pytest.mark.parametrize(
    "args, message",
    [
        pytest.param(kernel_args(entries=["192.0.2.5"]), "entries[0]: 192.0.2.5 is an IPv4 address; NDP proxy entries are IPv6", id="ipv4-address"),
        pytest.param(ndppd_args(entries=["192.0.2.0/24"]), "entries[0]: 192.0.2.0/24 is an IPv4 prefix; NDP proxy entries are IPv6", id="ipv4-prefix"),
        pytest.param(ndppd_args(entries=["2001:db8:0:5::1/64"]), "entries[0]: 2001:db8:0:5::1/64 has host bits set; did you mean 2001:db8:0:5::/64?",
                     id="host-bits-ndppd"),
        pytest.param(kernel_args(entries=["2001:db8:0:5::/64"]), "entries[0]: 2001:db8:0:5::/64 is a prefix; mode kernel answers for single"
                     " addresses only (the kernel refuses prefixes); list the addresses or use mode ndppd", id="prefix-in-kernel-mode"),
        pytest.param(kernel_args(interface="eth9"), "interface: eth9 does not exist on this host; it has eth0, eth0.100, lo, wg0", id="missing-interface"),
        pytest.param(kernel_args(interface=""), "interface: give the interface neighbour solicitations arrive on (the WAN), such as eth0",
                     id="interface-empty"),
        pytest.param(kernel_args(interface="a/b"), "interface 'a/b' contains whitespace, '/' or ':', which Linux does not allow", id="interface-slash"),
        pytest.param(kernel_args(interface=".."), "interface must not be '..'", id="interface-dot-dot"),
        pytest.param(kernel_args(interface="abcdefghijklmnop"), "interface 'abcdefghijklmnop' has 16 characters; Linux allows at most 15",
                     id="interface-16-characters"),
        pytest.param(kernel_args(interface="eth 0"), "interface 'eth 0' contains whitespace, '/' or ':'", id="interface-space"),
        pytest.param(kernel_args(entries=["2001:db8:0:5::10", "2001:db8:0:5:0:0:0:10"]),
                     "entries[1]: 2001:db8:0:5:0:0:0:10 is also entries[0] (written 2001:db8:0:5::10 there); list each once", id="duplicate-spellings"),
        pytest.param(kernel_args(entries=["fe80::1"]), "entries[0]: fe80::1 is a link-local address, which a proxy entry never answers for",
                     id="link-local"),
        pytest.param(kernel_args(entries=["ff02::1"]), "entries[0]: ff02::1 is a multicast address", id="multicast"),
        pytest.param(kernel_args(entries=["::"]), "entries[0]: :: is the unspecified address", id="unspecified"),
        pytest.param(kernel_args(entries=["::1"]), "entries[0]: ::1 is the loopback address", id="loopback"),
        pytest.param(kernel_args(entries=["spoke-jp.example.net"]), "entries[0]: 'spoke-jp.example.net' is not an IPv6 address", id="not-an-address"),
        pytest.param(kernel_args(entries=[]), "entries: is empty and exclusive is true, which would remove every NDP proxy entry of eth0; set"
                     " allow_empty: true", id="empty-exclusive"),
        pytest.param(kernel_args(proxy_delay=-1), "proxy_delay: -1 is out of range; give 0 (answer at once) to 10000 hundredths of a second",
                     id="delay-negative"),
        pytest.param(kernel_args(proxy_delay=2 ** 31), "proxy_delay: 2147483648 is out of range", id="delay-huge"),
        pytest.param(ndppd_args(proxy_delay=80), "proxy_delay: only mode kernel uses it", id="delay-in-ndppd-mode"),
        pytest.param(kernel_args(entries="2001:db8:0:5::10\n2001:db8:0:5::11"), "entries[0]: '2001:db8:0:5::10\\n2001:db8:0:5::11' is not an IPv6",
                     id="string-with-newline"),
        pytest.param(kernel_args(interface="eth 0", entries=["x", "::1"], proxy_delay=-1),
                     "interface 'eth 0' contains whitespace, '/' or ':', which Linux does not allow in a name; entries[0]: 'x' is not an IPv6"
                     " address; entries[1]: ::1 is the loopback address, which a proxy entry never answers for; give global addresses of the WAN's"
                     " prefix; proxy_delay: -1 is out of range", id="every-problem-at-once"),
    ],
)
def test_bad_input_fails_with_one_message_and_changes_nothing(host, run_module, args, message):
    before = host.tree()
    failed, result = run_module(main, args)
    assert failed
    assert result["msg"].startswith(message), result["msg"]
    assert result["changed"] is False
    assert "Traceback" not in json.dumps(result)
    assert host.calls == [] and host.sysctl_writes == []
    assert host.tree() == before


@pytest.mark.parametrize(
    "missing, message",
    [
        pytest.param("ip", "ip not found: install the Debian package iproute2", id="ip"),
        pytest.param("sysctl", "sysctl not found: install the Debian package procps", id="sysctl"),
        pytest.param("systemctl", "systemctl not found: this host does not run systemd", id="systemctl"),
    ],
)
def test_a_missing_tool_is_said_plainly_and_nothing_changes(host, run_module, missing, message):
    host.missing.add(missing)
    before = host.tree()
    failed, result = run_module(main, kernel_args())
    assert failed
    assert result["msg"].startswith(message)
    assert host.calls == [] and host.sysctl_writes == [] and host.tree() == before


def test_an_interface_without_ipv6_is_said_plainly(host, run_module):
    failed, result = run_module(main, kernel_args(interface="wg0"))
    assert failed
    assert result["msg"].startswith("unknown kernel parameter net.ipv6.conf.wg0.accept_ra")
    assert host.calls == []
