# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The spoke's endpoint re-resolver (roles/spoke/files/wg_reresolve.py), run against a peers file
in a temporary directory, a fake `wg` and a fake resolver."""

from __future__ import annotations

import importlib.util
import pathlib
import socket
import subprocess

import pytest

SCRIPT = pathlib.Path(__file__).parents[3] / "roles" / "spoke" / "files" / "wg_reresolve.py"
HUB_KEY = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="
OTHER_KEY = "TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0="

PEERS_CONF = f"""\
# managed by multisite.vpn
[Peer]
PublicKey = {HUB_KEY}
AllowedIPs = 192.168.31.0/24
Endpoint = hub-oci.lab.test:51820   # a name: watched
PersistentKeepalive = 25

[Peer]
PublicKey = {OTHER_KEY}
AllowedIPs = 192.168.31.99/32
Endpoint = [2001:db8::9]:51820
"""


@pytest.fixture(name="reresolve")
def load_script():
    spec = importlib.util.spec_from_file_location("wg_reresolve", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def dump(endpoint, handshake=1700000000):
    """`wg show wg-oci dump`: the interface line, then the hub peer and a peer with a literal address."""
    return "\n".join([
        "cHJpdmF0ZQ==\tcHVibGlj\t51820\toff",
        f"{HUB_KEY}\t(none)\t{endpoint}\t192.168.31.0/24\t{handshake}\t100\t200\t25",
        f"{OTHER_KEY}\t(none)\t[2001:db8::9]:51820\t192.168.31.99/32\t0\t0\t0\toff",
    ]) + "\n"


class FakeHost:
    """`wg` and the resolver of a spoke: records every `wg set`."""

    def __init__(self, live_endpoint, addresses):
        self.live_endpoint = live_endpoint
        self.addresses = addresses
        self.wg_set_calls = []

    def run(self, argv, **_kwargs):
        if argv[:2] == ["wg", "show"]:
            if argv[2] != "wg-oci":
                raise subprocess.CalledProcessError(1, argv)
            return subprocess.CompletedProcess(argv, 0, stdout=dump(self.live_endpoint))
        self.wg_set_calls.append(argv)
        return subprocess.CompletedProcess(argv, 0)

    def getaddrinfo(self, host, port, **_kwargs):
        if isinstance(self.addresses, Exception):
            raise self.addresses
        assert host == "hub-oci.lab.test" and port == "51820"
        return [(socket.AF_INET, socket.SOCK_DGRAM, 17, "", (address, 51820)) for address in self.addresses]


@pytest.fixture(name="spoke")
def fake_spoke(reresolve, tmp_path, monkeypatch):
    (tmp_path / "wg-oci.peers.conf").write_text(PEERS_CONF)
    (tmp_path / "wg-down.peers.conf").write_text(PEERS_CONF)  # an interface that is not up
    monkeypatch.setattr(reresolve, "PEERS_FILES", str(tmp_path / "*.peers.conf"))

    def make(live_endpoint, addresses):
        host = FakeHost(live_endpoint, addresses)
        monkeypatch.setattr(reresolve.subprocess, "run", host.run)
        monkeypatch.setattr(reresolve.socket, "getaddrinfo", host.getaddrinfo)
        return host

    return make


@pytest.mark.parametrize(
    ("endpoint", "expected"),
    [
        ("hub.example.net:51820", ("hub.example.net", "51820")),
        ("198.51.100.10:51820", ("198.51.100.10", "51820")),
        ("[2001:db8::10]:51821", ("2001:db8::10", "51821")),
    ],
)
def test_split_endpoint(reresolve, endpoint, expected):
    assert reresolve.split_endpoint(endpoint) == expected


def test_only_named_endpoints_are_watched(reresolve, tmp_path):
    conf = tmp_path / "wg-oci.peers.conf"
    conf.write_text(PEERS_CONF)
    assert reresolve.named_endpoints(str(conf)) == {HUB_KEY: "hub-oci.lab.test:51820"}


def test_live_peers_read_none_endpoints_and_zero_handshakes(reresolve, monkeypatch):
    host = FakeHost("(none)", [])
    monkeypatch.setattr(reresolve.subprocess, "run", host.run)
    assert reresolve.live_peers("wg-oci") == {
        HUB_KEY: (None, 1700000000),
        OTHER_KEY: ("2001:db8::9", 0),
    }


@pytest.mark.parametrize(
    ("live_endpoint", "addresses", "expect_set"),
    [
        ("198.51.100.11:51820", ["198.51.100.11"], False),  # the name still points there
        ("198.51.100.11:51820", ["198.51.100.31"], True),  # the hub moved
        ("[2001:db8::11]:51820", ["198.51.100.11", "2001:db8::11"], False),  # any of its addresses will do
        ("(none)", ["198.51.100.11"], True),  # never resolved (name did not resolve at boot)
    ],
)
def test_endpoint_set_again_only_when_the_name_points_elsewhere(reresolve, spoke, live_endpoint, addresses, expect_set):
    host = spoke(live_endpoint, addresses)
    assert reresolve.main() == 0
    expected = [["wg", "set", "wg-oci", "peer", HUB_KEY, "endpoint", "hub-oci.lab.test:51820"]]
    assert host.wg_set_calls == (expected if expect_set else [])


def test_a_name_that_does_not_resolve_changes_nothing_and_fails_the_run(reresolve, spoke, capsys):
    host = spoke("198.51.100.11:51820", socket.gaierror(-2, "Name or service not known"))
    assert reresolve.main() == 1
    assert host.wg_set_calls == []
    assert "wg-oci: cannot resolve hub-oci.lab.test:51820" in capsys.readouterr().err
