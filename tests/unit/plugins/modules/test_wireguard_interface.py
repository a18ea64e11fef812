# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module end to end: its real main() against a host simulated in this process (no process is started).

FakeHost answers the module's `wg` and `systemctl` calls the way wireguard-tools and systemd do on a hub: `wg-quick@`
starting an interface sets the key from its file and loads the peers file, as the configuration's PostUp lines say.
Every call is recorded, so the tests count what a run does on the host.
"""

from __future__ import annotations

import base64
import hashlib
import json
import stat

import pytest

from ansible.module_utils import basic
from ansible_collections.multisite.vpn.plugins.module_utils import systemd_unit, wireguard_interface, wireguard_peers_file
from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_peers_file import parse_peers_conf
from ansible_collections.multisite.vpn.plugins.modules.wireguard_interface import main
from ansible_collections.multisite.vpn.tests.unit.wireguard_keys import PRIVATE, PSK_1, SPOKE_DE, SPOKE_JP, SPOKE_US

GENERATED = "k4Re/qeQNbr0u59DV4aS+r+/auG1bVZOd2dfhDpGth8="


def public_of(private_key: str) -> str:
    return base64.b64encode(hashlib.sha256(private_key.encode()).digest()).decode()


class FakeHost:
    """wg and systemctl of one host, for one interface, with the files in a temporary /etc."""

    def __init__(self, etc):
        self.etc = etc
        self.calls = []
        self.enabled = False
        self.active = False
        self.needs_reload = False
        self.interface = None  # the live interface: private_key, listen_port, peers
        self.fail_start = None
        self.stopped_with = None
        self.warnings = []

    def run_command(self, args, data=None, **kwargs):
        command = [args[0].rsplit("/", 1)[-1]] + list(args[1:])
        self.calls.append(command)
        tool, words = command[0], command[1:]
        if tool == "systemctl":
            return self.systemctl(words)
        return self.wg(words, data)

    def systemctl(self, words):
        if words[0] == "show":
            return 0, "LoadState=loaded\nActiveState=%s\nUnitFileState=%s\nNeedDaemonReload=%s\n" % (
                "active" if self.active else "inactive", "enabled" if self.enabled else "disabled",
                "yes" if self.needs_reload else "no"), ""
        if words[0] == "daemon-reload":
            self.needs_reload = False
        elif words[0] == "enable":
            self.enabled = True
        elif words[0] == "stop":
            # wg-quick down reads the configuration on disk: note the port it stops with.
            self.stopped_with = (self.etc / "wireguard" / "wg-oci.conf").read_text()
            self.active = False
        elif words[0] in ("start", "restart"):
            if self.fail_start:
                return 1, "", self.fail_start
            self.active = True
            self.bring_up()
        return 0, "", ""

    def bring_up(self):
        """What wg-quick up does with the module's configuration: the key from its file, then the peers file."""
        conf = (self.etc / "wireguard" / "wg-oci.conf").read_text()
        port = next(int(line.split("=")[1]) for line in conf.splitlines() if line.startswith("ListenPort"))
        peers_file = self.etc / "wireguard" / "wg-oci.peers.conf"
        peers = parse_peers_conf(peers_file.read_text()) if peers_file.exists() else []
        self.interface = dict(private_key=(self.etc / "wireguard" / "wg-oci.key").read_text().strip(), listen_port=port,
                              peers=[dict(peer, endpoint=None) for peer in peers])

    def wg(self, words, data):
        if words == ["genkey"]:
            return 0, GENERATED + "\n", ""
        if words == ["pubkey"]:
            return 0, public_of(data.strip()) + "\n", ""
        if words[0] == "show":
            if self.interface is None:
                return 1, "", "Unable to access interface: No such device"
            lines = ["\t".join([self.interface["private_key"], public_of(self.interface["private_key"]), str(self.interface["listen_port"]), "off"])]
            for peer in self.interface["peers"]:
                lines.append("\t".join([peer["public_key"], "(none)", peer["endpoint"] or "(none)", ",".join(peer["allowed_ips"]) or "(none)",
                                        "0", "0", "0", str(peer["persistent_keepalive"] or "off")]))
            return 0, "\n".join(lines) + "\n", ""
        if words[0] == "set" and words[2] == "private-key":
            with open(words[3]) as key:
                self.interface["private_key"] = key.read().strip()
            return 0, "", ""
        if words[0] == "set":
            self.set_peers(words[2:])
            return 0, "", ""
        return 1, "", "fake wg: unsupported %r" % words

    def set_peers(self, words):
        peer = None
        while words:
            word = words.pop(0)
            if word == "peer":
                key = words.pop(0)
                peer = next((p for p in self.interface["peers"] if p["public_key"] == key), None)
                if peer is None:
                    peer = dict(public_key=key, endpoint=None, allowed_ips=[], persistent_keepalive=0)
                    self.interface["peers"].append(peer)
            elif word == "remove":
                self.interface["peers"].remove(peer)
            elif word == "allowed-ips":
                peer["allowed_ips"] = [ip for ip in words.pop(0).split(",") if ip]
            elif word == "endpoint":
                peer["endpoint"] = words.pop(0)
            elif word == "persistent-keepalive":
                value = words.pop(0)
                peer["persistent_keepalive"] = 0 if value == "off" else int(value)
            elif word == "preshared-key":
                words.pop(0)

    def host_calls(self):
        """The calls that change something (reads left out)."""
        return [call for call in self.calls if call[:2] not in (["systemctl", "show"], ["wg", "pubkey"]) and call[1:2] != ["show"]]


@pytest.fixture
def host(tmp_path, monkeypatch):
    etc = tmp_path / "etc"
    fake = FakeHost(etc)
    monkeypatch.setattr(wireguard_peers_file, "WIREGUARD_DIRECTORY", str(etc / "wireguard"))
    monkeypatch.setattr(systemd_unit, "UNIT_DIRECTORY", str(etc / "systemd" / "system"))
    monkeypatch.setattr(basic.AnsibleModule, "run_command", lambda module, args, **kwargs: fake.run_command(args, **kwargs))
    # Ansible keeps warnings process-wide and reports each text once per process: record them here instead.
    monkeypatch.setattr(basic.AnsibleModule, "warn", lambda module, warning, *args, **kwargs: fake.warnings.append(warning))
    monkeypatch.setattr(basic.AnsibleModule, "get_bin_path", lambda self, name, required=False, opt_dirs=None: "/usr/bin/" + name)
    # The host's IPv6 switches, on (0) unless a test turns one off.
    switches = tmp_path / "proc"
    switches.mkdir()
    for name in ("all", "default"):
        (switches / name).write_text("0\n")
    monkeypatch.setattr(wireguard_interface, "IPV6_SWITCHES", {"net.ipv6.conf.%s.disable_ipv6" % name: str(switches / name) for name in ("all", "default")})
    fake.ipv6_switches = switches
    return fake


SPOKES = [
    dict(public_key=SPOKE_JP, allowed_ips=["192.168.31.11/32"]),
    dict(public_key=SPOKE_US, allowed_ips=["192.168.31.12/32"]),
]


def hub_args(**changes):
    return dict(dict(interface="wg-oci", address=["192.168.31.1/24"], listen_port=51820, peers=SPOKES), **changes)


def test_first_run_generates_the_key_writes_the_files_starts_the_unit_and_sets_no_peer_twice(host, run_module, tmp_path):
    failed, result = run_module(main, hub_args())
    assert not failed, result
    assert result["changed"] is True
    assert result["key"] == "generate"
    assert result["public_key"] == public_of(GENERATED)
    assert result["unit_actions"] == ["daemon-reload", "enable", "start"]
    # wg-quick loaded the peers file it found (none yet); the module added both spokes in one wg set.
    assert [call[:3] for call in host.host_calls()] == [
        ["wg", "genkey"], ["systemctl", "daemon-reload"], ["systemctl", "enable", "wg-quick@wg-oci.service"],
        ["systemctl", "start", "wg-quick@wg-oci.service"], ["wg", "set", "wg-oci"]]
    assert sorted(peer["public_key"] for peer in host.interface["peers"]) == sorted([SPOKE_JP, SPOKE_US])
    wireguard = tmp_path / "etc" / "wireguard"
    assert "Address = 192.168.31.1/24\nListenPort = 51820\n" in (wireguard / "wg-oci.conf").read_text()
    for name in ("wg-oci.conf", "wg-oci.key", "wg-oci.peers.conf"):
        assert stat.S_IMODE((wireguard / name).stat().st_mode) == 0o600, name
    assert stat.S_IMODE(wireguard.stat().st_mode) == 0o700
    drop_in = tmp_path / "etc" / "systemd" / "system" / "wg-quick@wg-oci.service.d" / "multisite-vpn.conf"
    assert "ExecReload=\n" in drop_in.read_text()


def test_second_run_changes_nothing_and_only_reads(host, run_module):
    run_module(main, hub_args())
    host.calls.clear()
    failed, result = run_module(main, hub_args())
    assert not failed, result
    assert result["changed"] is False
    assert result["unit_actions"] == []
    assert host.host_calls() == []
    # One read of the unit, one of the interface, one public key: nothing else runs on the host.
    assert sorted(call[:2] for call in host.calls) == [["systemctl", "show"], ["wg", "pubkey"], ["wg", "show"]]


def test_check_mode_on_a_new_host_reports_everything_and_does_nothing(host, run_module, tmp_path):
    failed, result = run_module(main, hub_args(), check_mode=True, diff=True)
    assert not failed, result
    assert result["changed"] is True
    assert result["public_key"] is None  # a key still to be generated has no public key yet
    assert result["unit_actions"] == ["daemon-reload", "enable", "start"]
    assert sorted(result["added"]) == sorted([SPOKE_JP, SPOKE_US])
    assert host.host_calls() == []
    assert not (tmp_path / "etc").exists()
    assert host.warnings == ["interface wg-oci does not exist yet; its peers are taken to be none"]


def test_a_new_port_restarts_the_interface_and_a_new_comment_does_not(host, run_module, tmp_path):
    run_module(main, hub_args())
    conf = tmp_path / "etc" / "wireguard" / "wg-oci.conf"
    conf.write_text("# an old header, from the template this file used to come from\n" + conf.read_text())
    host.calls.clear()
    failed, result = run_module(main, hub_args())
    assert not failed, result
    assert result["changed"] is True and result["conf_changed"] is True
    assert result["unit_actions"] == []
    assert host.host_calls() == []

    host.calls.clear()
    failed, result = run_module(main, hub_args(listen_port=51821))
    assert result["unit_actions"] == ["restart"]
    # Stopped with the configuration it was started with (its PostDown lines undo its PostUp lines), started with the new.
    assert [call[1] for call in host.calls if call[0] == "systemctl" and call[1] != "show"] == ["stop", "start"]
    assert "ListenPort = 51820\n" in host.stopped_with
    assert host.interface["listen_port"] == 51821
    # The peers came back from their file with the restart; none had to be set again.
    assert result["added"] == [] and len(host.interface["peers"]) == 2


def test_the_default_route_option_reaches_the_file_and_restarts_the_interface(host, run_module, tmp_path):
    """Its mark and rules are wg-quick settings: turning it on is a restart, like a new port."""
    run_module(main, hub_args())
    host.calls.clear()
    failed, result = run_module(main, hub_args(default_route=True))
    assert not failed, result
    assert result["unit_actions"] == ["restart"]
    conf = (tmp_path / "etc" / "wireguard" / "wg-oci.conf").read_text()
    assert "ListenPort = 51820\nFwMark = 65536\n" in conf and "lookup 65536 priority 30101\n" in conf
    host.calls.clear()
    failed, result = run_module(main, hub_args(default_route=True))
    assert not failed and result["changed"] is False, result


def test_a_restored_key_is_set_live_without_a_restart(host, run_module):
    run_module(main, hub_args())
    host.calls.clear()
    failed, result = run_module(main, hub_args(private_key=PRIVATE + "\n"), diff=True)
    assert not failed, result
    assert result["key"] == "replace"
    assert result["unit_actions"] == ["set-private-key"]
    assert host.interface["private_key"] == PRIVATE
    assert PRIVATE not in json.dumps(result)
    assert GENERATED not in json.dumps(result)


def test_a_stopped_and_disabled_unit_is_started_and_enabled(host, run_module):
    run_module(main, hub_args())
    host.enabled = host.active = False
    host.interface = None
    failed, result = run_module(main, hub_args())
    assert not failed, result
    assert result["unit_actions"] == ["enable", "start"]
    assert result["added"] == []  # the peers file brought them back


def test_a_changed_drop_in_reloads_systemd_only(host, run_module, tmp_path):
    run_module(main, hub_args())
    drop_in = tmp_path / "etc" / "systemd" / "system" / "wg-quick@wg-oci.service.d" / "multisite-vpn.conf"
    drop_in.write_text("[Service]\n")
    failed, result = run_module(main, hub_args())
    assert result["unit_actions"] == ["daemon-reload"]


def test_a_unit_that_fails_to_start_says_where_to_look(host, run_module):
    host.fail_start = "Job for wg-quick@wg-oci.service failed because the control process exited with error code."
    failed, result = run_module(main, hub_args())
    assert failed
    assert result["msg"].startswith("systemctl start wg-quick@wg-oci.service failed: Job for")
    assert result["msg"].endswith("see journalctl -u wg-quick@wg-oci.service")


def test_diff_shows_the_files_the_unit_and_the_peers_never_a_secret(host, run_module):
    peers = [dict(SPOKES[0], preshared_key=PSK_1)]
    failed, result = run_module(main, hub_args(peers=peers, private_key=PRIVATE), diff=True)
    assert not failed, result
    headers = [diff.get("before_header") for diff in result["diff"]]
    assert headers[1:4] == [host.etc.as_posix() + "/wireguard/wg-oci.conf",
                            host.etc.as_posix() + "/systemd/system/wg-quick@wg-oci.service.d/multisite-vpn.conf",
                            "wg-quick@wg-oci.service"]
    assert result["diff"][3]["after"] == "enabled: yes\nactive: yes\n"
    text = json.dumps(result)
    assert PRIVATE not in text and PSK_1 not in text


@pytest.mark.parametrize(
    "changes, message",
    [
        pytest.param(dict(interface="../../x"), "interface '../../x' contains whitespace, '/' or ':'", id="path-in-name"),
        pytest.param(dict(interface="wg-a-very-long-name0"), "interface 'wg-a-very-long-name0' has 20 characters", id="long-name"),
        pytest.param(dict(interface="wg+0"), "interface 'wg+0' has a character wg-quick", id="plus-in-name"),
        pytest.param(dict(address=["not-an-address"]), "address[0]: 'not-an-address' is not an IPv4 or IPv6 address", id="address"),
        pytest.param(dict(address=["192.168.31.0/24"]), "address[0]: 192.168.31.0/24 is the network address", id="network-address"),
        pytest.param(dict(address=["192.168.31.1"]), "address[0]: '192.168.31.1' has no prefix length", id="no-prefix"),
        pytest.param(dict(address=[]), "address is empty", id="no-address"),
        pytest.param(dict(listen_port=70000), "listen_port 70000 is outside 1-65535", id="port-high"),
        pytest.param(dict(listen_port=0), "listen_port 0 is outside 1-65535", id="port-zero"),
        pytest.param(dict(private_key="not a key"), "private_key", id="bad-private-key"),
        pytest.param(dict(peers=[dict(public_key=PRIVATE)] * 2), "peers[1]", id="duplicate-peer"),
        pytest.param(dict(peers=[]), "empty", id="empty-peers-exclusive"),
        pytest.param(dict(peers=[dict(public_key=SPOKE_DE, allowed_ips=["10.0.0.0/33"])]), "peers[0]", id="bad-allowed-ips"),
        pytest.param(dict(routes=[dict(to="2001:db8:0:5:1::1/80")]), "routes[0]: to '2001:db8:0:5:1::1/80' has host bits set", id="route-host-bits"),
        pytest.param(dict(routes=[dict(to="::/0", **{"from": "2001:db8::1/128"})]), "routes[0]: from 2001:db8::1/128 needs a table",
                     id="route-from-without-table"),
        pytest.param(dict(routes=[dict(to="::/0", table=254)]), "routes[0]: table 254 is one the kernel keeps", id="route-main-table"),
        pytest.param(dict(routes=[dict(to="::/0", via="x")]), "via", id="route-unknown-key"),
    ],
)
def test_bad_input_fails_naming_the_option_and_touches_nothing(host, run_module, tmp_path, changes, message):
    failed, result = run_module(main, hub_args(**changes))
    assert failed
    assert message in result["msg"]
    assert host.calls == []
    assert not (tmp_path / "etc").exists()
    assert PRIVATE not in result["msg"]


@pytest.mark.parametrize(("switch", "content", "message"), [
    ("default", "1\n", "address: fe80::c0a8:1f01/64 is IPv6, and IPv6 is off on this host (net.ipv6.conf.default.disable_ipv6 = 1)"),
    ("all", "1\n", "(sysctl -w net.ipv6.conf.all.disable_ipv6=0)"),
    ("all", None, "this host's kernel has no IPv6 (no net.ipv6.conf.all.disable_ipv6)"),
])
def test_an_ipv6_address_on_a_host_without_ipv6_is_refused_before_anything_changes(host, run_module, tmp_path, switch, content, message):
    """wg-quick would stop the interface and fail to start it again: a tunnel that was up would stay down."""
    path = host.ipv6_switches / switch
    if content is None:
        path.unlink()
    else:
        path.write_text(content)
    failed, result = run_module(main, hub_args(address=["192.168.31.1/24", "fe80::c0a8:1f01/64"]))
    assert failed
    assert message in result["msg"]
    assert host.calls == []
    assert not (tmp_path / "etc").exists()
    # Without an IPv6 address, IPv6 off is none of the interface's business.
    failed, result = run_module(main, hub_args())
    assert not failed, result


def test_a_private_key_given_as_a_peer_is_refused_without_showing_it(host, run_module):
    run_module(main, hub_args(private_key=PRIVATE))
    failed, result = run_module(main, hub_args(private_key=PRIVATE, peers=[dict(public_key=PRIVATE, allowed_ips=["192.168.31.11/32"])]))
    assert failed
    assert PRIVATE not in json.dumps(result)
