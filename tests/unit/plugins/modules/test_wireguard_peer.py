# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module end to end: its real main() against a fake `wg` executable that keeps its state in tmp_path."""

from __future__ import annotations

import json
import os
import socket
import stat
import sys
import types

import pytest

from ansible.module_utils import basic
from ansible_collections.multisite.vpn.plugins.module_utils import wireguard_peer_plan, wireguard_set
from ansible_collections.multisite.vpn.plugins.module_utils import wireguard_peer_ensure
from ansible_collections.multisite.vpn.plugins.module_utils.files import FileReadError
from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_peers_file import CONF_HEADER, parse_peers_conf
from ansible_collections.multisite.vpn.plugins.modules.wireguard_peer import main
from ansible_collections.multisite.vpn.tests.unit.wireguard_keys import HUB, PRIVATE, PSK_1, PSK_2, SPOKE_DE, SPOKE_JP, SPOKE_US, make_key


NOW = 1795310742
# The public key of the fake wg0 (its private key is PRIVATE); HUB is a peer, as on a spoke.
OWN_PUBLIC = make_key(0x51)
ZERO_KEY = "A" * 43 + "="

# A stand-in for wg(8): `show IF dump` and `set IF peer K [remove] [preshared-key FILE] [endpoint E]
# [persistent-keepalive N|off] [allowed-ips A,B]`. It keeps the interfaces in state.json, appends every
# argv to calls.jsonl, and for each preshared-key file records its mode and its directory's mode.
FAKE_WG = r'''#!{python}
import ipaddress, json, os, stat, sys

STATE = {state!r}
CALLS = {calls!r}


def fail(message):
    sys.stderr.write(message + "\n")
    sys.exit(1)


def resolve(state, endpoint):
    host, _, port = endpoint.rpartition(":")
    if host.startswith("["):
        return "[%s]:%s" % (ipaddress.ip_address(host[1:-1]), port)
    try:
        return "%s:%s" % (ipaddress.ip_address(host), port)
    except ValueError:
        if host not in state["dns"]:
            fail("Name or service not known: `%s'" % host)
        return "%s:%s" % (state["dns"][host], port)


def show(interface):
    print("\t".join([interface["private_key"], interface["public_key"], str(interface["listen_port"]), interface["fwmark"]]))
    for peer in interface["peers"]:
        print("\t".join([
            peer["public_key"], peer["preshared_key"] or "(none)", peer["endpoint"] or "(none)",
            ",".join(peer["allowed_ips"]) or "(none)", str(peer["latest_handshake"]), str(peer["transfer_rx"]),
            str(peer["transfer_tx"]), str(peer["persistent_keepalive"] or "off"),
        ]))


def set_peers(state, interface, words):
    peer = None
    while words:
        word = words.pop(0)
        if word == "peer":
            key = words.pop(0)
            peer = next((p for p in interface["peers"] if p["public_key"] == key), None)
            if peer is None:
                peer = dict(public_key=key, preshared_key=None, endpoint=None, allowed_ips=[], latest_handshake=0,
                            transfer_rx=0, transfer_tx=0, persistent_keepalive=0)
                interface["peers"].append(peer)
        elif word == "remove":
            interface["peers"].remove(peer)
        elif word == "preshared-key":
            path = words.pop(0)
            state["psk_files"].append(dict(
                path=path,
                mode=stat.S_IMODE(os.stat(path).st_mode),
                dir_mode=stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode),
            ))
            with open(path) as key_file:
                content = key_file.read().strip()
            if state.get("reject_keys"):
                fail("Key is not the correct length or format: `%s'" % content)
            peer["preshared_key"] = content or None
        elif word == "endpoint":
            peer["endpoint"] = resolve(state, words.pop(0))
        elif word == "persistent-keepalive":
            value = words.pop(0)
            peer["persistent_keepalive"] = 0 if value == "off" else int(value)
        elif word == "allowed-ips":
            networks = [str(ipaddress.ip_network(n, strict=False)) for n in words.pop(0).split(",") if n]
            for other in interface["peers"]:
                other["allowed_ips"] = [n for n in other["allowed_ips"] if n not in networks]
            peer["allowed_ips"] = networks
        else:
            fail("Invalid argument: %s" % word)


def main(argv):
    with open(CALLS, "a") as calls:
        calls.write(json.dumps(argv) + "\n")
    with open(STATE) as state_file:
        state = json.load(state_file)
    if len(argv) != 3 and argv[:1] == ["show"] or len(argv) < 2:
        fail("Usage: wg show <interface> dump")
    interface = state["interfaces"].get(argv[1])
    if interface is None:
        fail("Unable to access interface: No such device")
    if argv[0] == "show" and argv[2] == "dump":
        show(interface)
        return
    if argv[0] != "set":
        fail("fake wg: unsupported %r" % argv)
    set_peers(state, interface, argv[2:])
    with open(STATE, "w") as state_file:
        json.dump(state, state_file, indent=1)


main(sys.argv[1:])
'''


def live_peer(key, allowed_ips=(), endpoint=None, keepalive=0, psk=None, handshake=0):
    return dict(
        public_key=key,
        preshared_key=psk,
        endpoint=endpoint,
        allowed_ips=list(allowed_ips),
        latest_handshake=handshake,
        transfer_rx=100,
        transfer_tx=200,
        persistent_keepalive=keepalive,
    )


class FakeWg:
    """The fake wg executable, its state and its recorded calls."""

    def __init__(self, root):
        self.root = root
        self.state_path = root / "state.json"
        self.calls_path = root / "calls.jsonl"
        self.warnings = []
        self.path = root / "bin" / "wg"
        self.path.parent.mkdir()
        self.path.write_text(FAKE_WG.format(python=sys.executable, state=str(self.state_path), calls=str(self.calls_path)))
        self.path.chmod(0o755)
        self.save(
            dict(
                interfaces=dict(
                    wg0=dict(private_key=PRIVATE, public_key=OWN_PUBLIC, listen_port=51820, fwmark="off", peers=[]),
                ),
                dns={},
                psk_files=[],
            )
        )

    def load(self) -> dict:
        return json.loads(self.state_path.read_text())

    def save(self, state: dict) -> None:
        self.state_path.write_text(json.dumps(state, indent=1))

    def set_peers(self, *peers, interface="wg0"):
        state = self.load()
        state["interfaces"][interface]["peers"] = list(peers)
        self.save(state)

    def peers(self, interface="wg0") -> dict:
        return {peer["public_key"]: peer for peer in self.load()["interfaces"][interface]["peers"]}

    def calls(self) -> list[list[str]]:
        if not self.calls_path.exists():
            return []
        return [json.loads(line) for line in self.calls_path.read_text().splitlines()]

    def set_calls(self) -> list[list[str]]:
        return [call for call in self.calls() if call[0] == "set"]

    def forget_calls(self) -> None:
        if self.calls_path.exists():
            self.calls_path.unlink()


@pytest.fixture
def fake_wg(tmp_path, monkeypatch):
    wg = FakeWg(tmp_path)
    monkeypatch.setattr(basic.AnsibleModule, "get_bin_path", lambda self, arg, required=False, opt_dirs=None: str(wg.path) if arg == "wg" else None)
    # Key files go to a directory the tests can watch, not the real /run.
    (tmp_path / "run").mkdir()
    monkeypatch.setattr(wireguard_set, "SECRET_DIR_PARENTS", (str(tmp_path / "run"),))
    monkeypatch.setattr(wireguard_peer_ensure, "time", types.SimpleNamespace(time=lambda: NOW + 0.5))
    # Recorded here: once controller code is imported (another test may do it), ansible-core 2.19 sends
    # module warnings to the display instead of the result.
    real_warn = basic.AnsibleModule.warn

    def warn(module, warning, *args, **kwargs):
        wg.warnings.append(warning)
        return real_warn(module, warning, *args, **kwargs)

    monkeypatch.setattr(basic.AnsibleModule, "warn", warn)
    return wg


@pytest.fixture
def conf(tmp_path):
    """Path of the peers file, in a directory that does not exist yet."""
    return tmp_path / "etc" / "wireguard" / "wg0.peers.conf"


def hub_args(conf, peers, **extra):
    return dict(dict(interface="wg0", peers=peers, config_path=str(conf)), **extra)


HUB_PEERS = [
    dict(public_key=SPOKE_JP, allowed_ips=["192.168.31.2/32", "100.64.1.0/24"], preshared_key=PSK_1),
    dict(public_key=SPOKE_US, allowed_ips=["192.168.31.3/32"]),
]


def test_first_run_adds_peers_in_one_call(fake_wg, run_module, conf, tmp_path):
    failed, result = run_module(main, hub_args(conf, HUB_PEERS))
    assert not failed, result
    assert result["changed"] is True
    assert result["added"] == [SPOKE_JP, SPOKE_US]
    assert result["removed"] == []
    assert result["updated"] == {}
    assert result["config_changed"] is True
    assert fake_wg.set_calls() == [
        ["set", "wg0",
         "peer", SPOKE_JP, "preshared-key", fake_wg.load()["psk_files"][0]["path"], "allowed-ips", "192.168.31.2/32,100.64.1.0/24",
         "peer", SPOKE_US, "allowed-ips", "192.168.31.3/32"],
    ]
    live = fake_wg.peers()
    assert live[SPOKE_JP]["preshared_key"] == PSK_1
    assert live[SPOKE_US]["allowed_ips"] == ["192.168.31.3/32"]
    # The key file was private while wg read it, and is gone now.
    assert [(entry["mode"], entry["dir_mode"]) for entry in fake_wg.load()["psk_files"]] == [(0o600, 0o700)]
    assert os.listdir(str(tmp_path / "run")) == []
    assert conf.read_text() == (
        CONF_HEADER % "wg0"
        + "\n[Peer]\nPublicKey = %s\nPresharedKey = %s\nAllowedIPs = 192.168.31.2/32, 100.64.1.0/24\n" % (SPOKE_JP, PSK_1)
        + "\n[Peer]\nPublicKey = %s\nAllowedIPs = 192.168.31.3/32\n" % SPOKE_US
    )
    assert stat.S_IMODE(conf.stat().st_mode) == 0o600
    assert result["peers"] == [
        dict(public_key=SPOKE_JP, allowed_ips=["192.168.31.2/32", "100.64.1.0/24"], endpoint=None, persistent_keepalive=0,
             has_preshared_key=True, latest_handshake=None, latest_handshake_age=None, transfer_rx=0, transfer_tx=0),
        dict(public_key=SPOKE_US, allowed_ips=["192.168.31.3/32"], endpoint=None, persistent_keepalive=0,
             has_preshared_key=False, latest_handshake=None, latest_handshake_age=None, transfer_rx=0, transfer_tx=0),
    ]


def test_second_run_changes_nothing_and_runs_no_set(fake_wg, run_module, conf):
    run_module(main, hub_args(conf, HUB_PEERS))
    modified = conf.stat().st_mtime_ns
    fake_wg.forget_calls()
    failed, result = run_module(main, hub_args(conf, HUB_PEERS))
    assert not failed, result
    assert result["changed"] is False
    assert (result["added"], result["removed"], result["updated"], result["config_changed"]) == ([], [], {}, False)
    assert fake_wg.calls() == [["show", "wg0", "dump"]]
    assert conf.stat().st_mtime_ns == modified


def test_check_mode_reports_and_changes_nothing(fake_wg, run_module, conf):
    fake_wg.set_peers(live_peer(SPOKE_DE, ["192.168.31.4/32"]))
    state_before = fake_wg.state_path.read_bytes()
    failed, result = run_module(main, hub_args(conf, HUB_PEERS, exclusive=True), check_mode=True)
    assert not failed, result
    assert result["changed"] is True
    assert result["added"] == [SPOKE_JP, SPOKE_US]
    assert result["removed"] == [SPOKE_DE]
    assert result["config_changed"] is True
    assert [peer["public_key"] for peer in result["peers"]] == [SPOKE_DE]
    assert fake_wg.set_calls() == []
    assert fake_wg.state_path.read_bytes() == state_before
    assert not conf.parent.exists()


def test_check_mode_on_missing_interface_warns_and_reports(fake_wg, run_module, conf):
    failed, result = run_module(main, hub_args(conf, HUB_PEERS, interface="wg1"), check_mode=True)
    assert not failed, result
    assert result["changed"] is True
    assert result["added"] == [SPOKE_JP, SPOKE_US]
    assert result["peers"] == []
    assert fake_wg.warnings == ["interface wg1 does not exist yet; its peers are taken to be none"]
    assert fake_wg.set_calls() == []


def test_missing_interface_fails_outside_check_mode(fake_wg, run_module, conf):
    failed, result = run_module(main, hub_args(conf, HUB_PEERS, interface="wg1"))
    assert failed
    assert result["msg"] == "interface wg1 does not exist; bring it up first (for example systemctl start wg-quick@wg1)"
    assert fake_wg.set_calls() == []
    assert not conf.parent.exists()


@pytest.mark.parametrize(
    "exclusive, live_after, file_keys",
    [
        pytest.param(True, {SPOKE_JP, SPOKE_US}, [SPOKE_JP, SPOKE_US], id="exclusive-removes-unlisted"),
        pytest.param(False, {SPOKE_JP, SPOKE_US, SPOKE_DE}, [SPOKE_JP, SPOKE_US, SPOKE_DE], id="not-exclusive-keeps-unlisted"),
    ],
)
def test_unlisted_peer(fake_wg, run_module, conf, exclusive, live_after, file_keys):
    # SPOKE_DE was added by an earlier run (so it is in the file too) and is no longer listed.
    run_module(main, hub_args(conf, HUB_PEERS + [dict(public_key=SPOKE_DE, allowed_ips=["192.168.31.4/32"])]))
    fake_wg.forget_calls()
    failed, result = run_module(main, hub_args(conf, HUB_PEERS, exclusive=exclusive))
    assert not failed, result
    assert set(fake_wg.peers()) == live_after
    assert [peer["public_key"] for peer in parse_peers_conf(conf.read_text())] == file_keys
    if exclusive:
        assert result["removed"] == [SPOKE_DE]
        assert result["changed"] is True
        assert fake_wg.set_calls() == [["set", "wg0", "peer", SPOKE_DE, "remove"]]
    else:
        assert result["removed"] == []
        assert result["changed"] is False
        assert fake_wg.set_calls() == []


def test_unchanged_peers_are_not_in_the_set_call(fake_wg, run_module, conf):
    fake_wg.set_peers(
        live_peer(SPOKE_JP, ["192.168.31.2/32", "100.64.1.0/24"], "198.51.100.101:40312", psk=PSK_1, handshake=NOW - 30),
        live_peer(SPOKE_US, ["192.168.31.3/32"], "198.51.100.102:40999", handshake=NOW - 200),
    )
    peers = [HUB_PEERS[0], dict(HUB_PEERS[1], allowed_ips=["192.168.31.3/32", "100.64.2.0/24"])]
    failed, result = run_module(main, hub_args(conf, peers))
    assert not failed, result
    assert result["updated"] == {SPOKE_US: ["allowed_ips"]}
    assert result["added"] == []
    (call,) = fake_wg.set_calls()
    assert call == ["set", "wg0", "peer", SPOKE_US, "allowed-ips", "192.168.31.3/32,100.64.2.0/24"]
    assert SPOKE_JP not in call
    # The roaming endpoints the hub learned stay, and the handshake ages are reported.
    assert [(peer["endpoint"], peer["latest_handshake_age"]) for peer in result["peers"]] == [
        ("198.51.100.101:40312", 30),
        ("198.51.100.102:40999", 200),
    ]


def test_keepalive_and_endpoint_of_a_spoke(fake_wg, run_module, conf, monkeypatch):
    fake_wg.set_peers(live_peer(HUB, ["192.168.31.0/24"], "198.51.100.11:51820"))
    state = fake_wg.load()
    state["dns"]["hub-oci.lab.test"] = "198.51.100.21"
    fake_wg.save(state)
    monkeypatch.setattr(
        wireguard_peer_plan.socket,
        "getaddrinfo",
        lambda host, port, family=0, type=0, proto=0, flags=0: [(socket.AF_INET, socket.SOCK_DGRAM, 17, "", ("198.51.100.21", port))],
    )
    peers = [dict(public_key=HUB, allowed_ips=["192.168.31.0/24"], endpoint="hub-oci.lab.test:51820", persistent_keepalive=25)]
    failed, result = run_module(main, hub_args(conf, peers))
    assert not failed, result
    assert result["updated"] == {HUB: ["endpoint", "persistent_keepalive"]}
    assert fake_wg.set_calls() == [["set", "wg0", "peer", HUB, "endpoint", "hub-oci.lab.test:51820", "persistent-keepalive", "25"]]
    assert fake_wg.peers()[HUB]["endpoint"] == "198.51.100.21:51820"
    # The name, not the address, is persisted: the next boot resolves it again.
    assert "Endpoint = hub-oci.lab.test:51820\n" in conf.read_text()

    fake_wg.forget_calls()
    failed, result = run_module(main, hub_args(conf, peers))
    assert not failed, result
    assert result["changed"] is False
    assert fake_wg.set_calls() == []


def test_preshared_key_is_cleared_through_dev_null(fake_wg, run_module, conf):
    fake_wg.set_peers(live_peer(SPOKE_US, ["192.168.31.3/32"], psk=PSK_2))
    failed, result = run_module(main, hub_args(conf, [HUB_PEERS[1]]))
    assert not failed, result
    assert result["updated"] == {SPOKE_US: ["preshared_key"]}
    assert fake_wg.set_calls() == [["set", "wg0", "peer", SPOKE_US, "preshared-key", os.devnull]]
    assert fake_wg.peers()[SPOKE_US]["preshared_key"] is None
    assert result["peers"][0]["has_preshared_key"] is False


def test_preshared_keys_never_leave_the_host(fake_wg, run_module, conf, capsys):
    # Live: one peer with PSK_2 (to be changed to PSK_1), one with PSK_2 to be cleared; plus a new peer with PSK_1.
    fake_wg.set_peers(
        live_peer(SPOKE_JP, ["192.168.31.2/32", "100.64.1.0/24"], psk=PSK_2),
        live_peer(SPOKE_DE, ["192.168.31.4/32"], psk=PSK_2),
    )
    peers = HUB_PEERS + [dict(public_key=SPOKE_DE, allowed_ips=["192.168.31.4/32"]), dict(public_key=make_key(0x24), preshared_key=PSK_1)]
    outputs = []
    for check_mode in (True, False, False):
        failed, result = run_module(main, hub_args(conf, peers), check_mode=check_mode, diff=True)
        assert not failed, result
        outputs.append(json.dumps(result))
    assert json.loads(outputs[1])["updated"] == {SPOKE_JP: ["preshared_key"], SPOKE_DE: ["preshared_key"]}
    assert "psk: set" in outputs[0]
    recorded = fake_wg.calls_path.read_text()
    for secret in (PSK_1, PSK_2):
        for output in outputs:
            assert secret not in output
        assert secret not in recorded
    assert fake_wg.peers()[SPOKE_JP]["preshared_key"] == PSK_1


def test_failed_set_is_reported_without_the_key(fake_wg, run_module, conf, tmp_path):
    state = fake_wg.load()
    state["reject_keys"] = True
    fake_wg.save(state)
    failed, result = run_module(main, hub_args(conf, HUB_PEERS))
    assert failed
    assert result["msg"] == "`wg set wg0` failed (exit 1): Key is not the correct length or format: `********'"
    assert PSK_1 not in json.dumps(result)
    assert os.listdir(str(tmp_path / "run")) == []
    assert not conf.exists()


def test_diff_mode_shows_peer_tables(fake_wg, run_module, conf):
    fake_wg.set_peers(live_peer(SPOKE_JP, ["192.168.31.2/32"], "198.51.100.101:40312", psk=PSK_2), live_peer(SPOKE_DE, ["192.168.31.4/32"]))
    failed, result = run_module(main, hub_args(conf, HUB_PEERS, exclusive=True), check_mode=True, diff=True)
    assert not failed, result
    assert result["diff"] == dict(
        before_header="peers of wg0",
        after_header="peers of wg0 (persisted in %s)" % conf,
        before="".join(sorted([
            "%s  allowed-ips: 192.168.31.2/32  endpoint: 198.51.100.101:40312  keepalive: off  psk: set\n" % SPOKE_JP,
            "%s  allowed-ips: 192.168.31.4/32  endpoint: (none)  keepalive: off  psk: none\n" % SPOKE_DE,
        ])),
        after="".join(sorted([
            "%s  allowed-ips: 192.168.31.2/32,100.64.1.0/24  endpoint: 198.51.100.101:40312  keepalive: off  psk: set\n" % SPOKE_JP,
            "%s  allowed-ips: 192.168.31.3/32  endpoint: (none)  keepalive: off  psk: none\n" % SPOKE_US,
        ])),
    )
    assert result["updated"] == {SPOKE_JP: ["preshared_key", "allowed_ips"]}


def test_wrong_file_mode_is_corrected_without_touching_peers(fake_wg, run_module, conf):
    run_module(main, hub_args(conf, HUB_PEERS))
    conf.chmod(0o644)
    fake_wg.forget_calls()
    failed, result = run_module(main, hub_args(conf, HUB_PEERS))
    assert not failed, result
    assert result["changed"] is True
    assert result["config_changed"] is True
    assert fake_wg.set_calls() == []
    assert stat.S_IMODE(conf.stat().st_mode) == 0o600


def test_default_config_path_follows_the_interface(fake_wg, run_module, monkeypatch):
    def read_file(path):
        raise FileReadError("read " + path)

    monkeypatch.setattr(wireguard_peer_ensure, "read_file", read_file)
    failed, result = run_module(main, dict(interface="wg0", peers=HUB_PEERS))
    assert failed
    assert result["msg"] == "read /etc/wireguard/wg0.peers.conf"


def test_missing_wg_is_explained(fake_wg, run_module, conf, monkeypatch):
    monkeypatch.setattr(basic.AnsibleModule, "get_bin_path", lambda self, arg, required=False, opt_dirs=None: None)
    failed, result = run_module(main, hub_args(conf, HUB_PEERS))
    assert failed
    assert result["msg"] == "wireguard-tools is not installed (wg not found)"


def test_interface_that_is_not_wireguard(fake_wg, run_module, conf):
    fake_wg.path.write_text("#!/bin/sh\necho 'Unable to access interface: Operation not supported' >&2\nexit 1\n")
    failed, result = run_module(main, hub_args(conf, HUB_PEERS))
    assert failed
    assert result["msg"] == "interface wg0 exists but is not a WireGuard interface"


@pytest.mark.parametrize(
    "args, message",
    [
        pytest.param(dict(interface="wg-much-too-long0"), "interface 'wg-much-too-long0' has 17 characters", id="interface-too-long"),
        pytest.param(dict(interface="wg/0"), "interface 'wg/0' contains whitespace, '/' or ':'", id="interface-slash"),
        pytest.param(
            dict(peers=[dict(public_key="bm90IGEga2V5")]),
            "peers[0]: public_key is not a WireGuard public key: it is 12 characters long, a key is 44 (base64 of 32 bytes)",
            id="bad-public-key",
        ),
        pytest.param(
            dict(peers=[dict(public_key=ZERO_KEY)]),
            "peers[0]: public_key is not a WireGuard public key: it is all zeros, which wg reads as no key at all",
            id="all-zero-public-key",
        ),
        pytest.param(dict(peers=[HUB_PEERS[1], HUB_PEERS[1]]), "peers[1]: public_key is also given in peers[0]", id="same-key-twice"),
        pytest.param(
            dict(peers=HUB_PEERS + [dict(public_key=PSK_1, allowed_ips=["192.168.31.9/32"])]),
            "peers[2]: public_key is the preshared_key of peers[0], which is a secret; give the peer's public key",
            id="preshared-key-as-public-key",
        ),
        pytest.param(
            dict(peers=[dict(public_key=SPOKE_JP, allowed_ips=["10.0.0.0/24"]), dict(public_key=SPOKE_US, allowed_ips=["10.0.0.128/25"])]),
            "peers[1]: allowed_ips 10.0.0.128/25 overlaps 10.0.0.0/24 of peers[0]",
            id="overlapping-allowed-ips",
        ),
        pytest.param(dict(peers=[dict(public_key=SPOKE_JP, allowed_ips=["10.0.0.0/33"])]), "allowed_ips[0] '10.0.0.0/33' is not a valid", id="invalid-cidr"),
        pytest.param(dict(peers=[dict(public_key=HUB, endpoint="198.51.100.11")]), "endpoint '198.51.100.11' has no port", id="endpoint-without-port"),
        pytest.param(dict(peers=[dict(public_key=HUB, endpoint="198.51.100.11:65536")]), "port 65536 is outside 1-65535", id="endpoint-port-out-of-range"),
        pytest.param(dict(peers=[dict(public_key=HUB, endpoint="[2001:db8::1:51820")]), "'[' without ']'", id="endpoint-malformed-brackets"),
        pytest.param(dict(peers=[dict(public_key=HUB, persistent_keepalive=-1)]), "persistent_keepalive -1 is outside 0-65535", id="negative-keepalive"),
        pytest.param(dict(peers=[dict(public_key=HUB, persistent_keepalive=70000)]), "persistent_keepalive 70000 is outside 0-65535", id="keepalive-too-big"),
        pytest.param(
            dict(peers=[dict(public_key=HUB, preshared_key="c2VjcmV0")]), "peers[0]: preshared_key is not a WireGuard preshared key", id="bad-preshared-key"
        ),
        pytest.param(dict(peers=[], exclusive=True), "peers is empty and exclusive is true", id="exclusive-empty"),
    ],
)
def test_bad_input_fails_before_any_wg_call(fake_wg, run_module, conf, args, message):
    fake_wg.set_peers(live_peer(SPOKE_DE, ["192.168.31.4/32"]))
    state_before = fake_wg.state_path.read_bytes()
    failed, result = run_module(main, dict(hub_args(conf, HUB_PEERS), **args))
    assert failed
    assert message in result["msg"]
    assert fake_wg.calls() == []
    assert fake_wg.state_path.read_bytes() == state_before
    assert not conf.parent.exists()
    assert_no_key_in(result)


def assert_no_key_in(result):
    """No key of the tests in the message, and no secret anywhere in what the module returned."""
    for key in (PRIVATE, PSK_1, PSK_2, HUB, SPOKE_JP, SPOKE_US, SPOKE_DE, OWN_PUBLIC):
        assert key not in result["msg"]
    for secret in (PRIVATE, PSK_1, PSK_2):
        assert secret not in json.dumps(result)


@pytest.mark.parametrize(
    "peers, message",
    [
        pytest.param(
            HUB_PEERS + [dict(public_key=PRIVATE, allowed_ips=["192.168.31.9/32"])],
            "peers[2]: public_key is the private key of wg0, this host's own secret; give the peer's public key"
            " (wg pubkey prints it on the peer) and keep the private key on this host",
            id="own-private-key-as-public-key",
        ),
        pytest.param(
            [dict(public_key=OWN_PUBLIC, allowed_ips=["192.168.31.9/32"])],
            "peers[0]: public_key is the public key of wg0 itself; a peer is another host, give that host's public key",
            id="own-public-key",
        ),
        pytest.param(
            [dict(public_key=SPOKE_JP, preshared_key=PRIVATE)],
            "peers[0]: preshared_key is the private key of wg0; give a key made by wg genpsk",
            id="own-private-key-as-preshared-key",
        ),
    ],
)
@pytest.mark.parametrize("check_mode", [False, True], ids=["run", "check-mode"])
def test_keys_of_the_interface_itself_are_refused_after_reading_it(fake_wg, run_module, conf, peers, message, check_mode):
    fake_wg.set_peers(live_peer(SPOKE_DE, ["192.168.31.4/32"]))
    state_before = fake_wg.state_path.read_bytes()
    failed, result = run_module(main, hub_args(conf, peers), check_mode=check_mode, diff=True)
    assert failed
    assert result["msg"] == message
    assert fake_wg.set_calls() == []
    assert fake_wg.state_path.read_bytes() == state_before
    assert not conf.parent.exists()
    # The private key is masked even in the arguments the module echoes back (invocation): the dump's
    # private key went to no_log_values before the check refused it.
    assert_no_key_in(result)


def test_unresolvable_name_for_a_new_peer_fails_before_any_set(fake_wg, run_module, conf, monkeypatch):
    def no_such_name(host, port, family=0, type=0, proto=0, flags=0):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(wireguard_peer_plan.socket, "getaddrinfo", no_such_name)
    peers = HUB_PEERS + [dict(public_key=HUB, endpoint="gone.lab.test:51820")]
    failed, result = run_module(main, hub_args(conf, peers))
    assert failed
    assert result["msg"] == "peers[2]: endpoint host name gone.lab.test does not resolve and the peer has no endpoint yet"
    assert fake_wg.set_calls() == []
    assert not conf.parent.exists()


def test_overlap_with_a_peer_that_stays_fails_before_any_set(fake_wg, run_module, conf):
    fake_wg.set_peers(live_peer(SPOKE_DE, ["192.168.31.3/32"]))
    failed, result = run_module(main, hub_args(conf, HUB_PEERS))
    assert failed
    assert (
        "peers[1]: allowed_ips 192.168.31.3/32 overlaps 192.168.31.3/32 of a live peer that is not listed, which stays because exclusive is false"
        in result["msg"]
    )
    assert SPOKE_DE not in result["msg"]
    assert fake_wg.set_calls() == []
    # With exclusive the old peer goes, and its address can be given to the new one.
    failed, result = run_module(main, hub_args(conf, HUB_PEERS, exclusive=True))
    assert not failed, result
    assert result["removed"] == [SPOKE_DE]
    assert fake_wg.set_calls()[0][2:5] == ["peer", SPOKE_DE, "remove"]


def test_unresolvable_name_keeps_the_live_endpoint_with_a_warning(fake_wg, run_module, conf, monkeypatch):
    def no_such_name(host, port, family=0, type=0, proto=0, flags=0):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(wireguard_peer_plan.socket, "getaddrinfo", no_such_name)
    fake_wg.set_peers(live_peer(HUB, ["192.168.31.0/24"], "198.51.100.11:51820", keepalive=25))
    peers = [dict(public_key=HUB, allowed_ips=["192.168.31.0/24"], endpoint="hub-oci.lab.test:51820", persistent_keepalive=25)]
    failed, result = run_module(main, hub_args(conf, peers))
    assert not failed, result
    assert result["updated"] == {}
    assert fake_wg.set_calls() == []
    assert fake_wg.warnings == [
        "peers[0]: endpoint host name hub-oci.lab.test does not resolve; keeping the live endpoint 198.51.100.11:51820"
    ]
    # The file still names the host, for the next boot.
    assert "Endpoint = hub-oci.lab.test:51820\n" in conf.read_text()
