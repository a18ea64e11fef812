# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The spokes' endpoint re-resolver (module_utils/wireguard_reresolve.py), run against peers files in a temporary
directory, a fake `wg` and a fake resolver."""

from __future__ import annotations

import socket
import subprocess

import pytest

from ansible_collections.multisite.vpn.plugins.module_utils import wireguard_reresolve

HUB_KEY = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="
OTHER_KEY = "TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0="
INTERFACE_PRIVATE_KEY = "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk="
INTERFACE_PUBLIC_KEY = "HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw="

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


def dump(endpoint, handshake=1700000000):
    """`wg show wg-oci dump`: the interface line, then the hub peer and a peer with a literal address."""
    return "\n".join([
        f"{INTERFACE_PRIVATE_KEY}\t{INTERFACE_PUBLIC_KEY}\t51820\toff",
        f"{HUB_KEY}\t(none)\t{endpoint}\t192.168.31.0/24\t{handshake}\t100\t200\t25",
        f"{OTHER_KEY}\t(none)\t[2001:db8::9]:51820\t192.168.31.99/32\t0\t0\t0\toff",
    ]) + "\n"


class FakeSpoke:
    """`wg` and the resolver of a spoke: records every `wg set`; wg-down has a peers file but is not up."""

    def __init__(self, live_endpoint, addresses):
        self.live_endpoint = live_endpoint
        self.addresses = addresses
        self.wg_set_calls = []

    def run(self, argv, **_kwargs):
        if argv[:2] == ["wg", "show"]:
            if argv[2] != "wg-oci":
                return subprocess.CompletedProcess(argv, 1, stdout="", stderr="Unable to access interface")
            return subprocess.CompletedProcess(argv, 0, stdout=dump(self.live_endpoint))
        self.wg_set_calls.append(argv)
        return subprocess.CompletedProcess(argv, 0)

    def resolve(self, endpoint):
        if isinstance(self.addresses, Exception):
            raise self.addresses
        assert endpoint == "hub-oci.lab.test:51820"
        return frozenset(self.addresses)


@pytest.fixture(name="peers_files")
def fixture_peers_files(tmp_path):
    (tmp_path / "wg-oci.peers.conf").write_text(PEERS_CONF)
    (tmp_path / "wg-down.peers.conf").write_text(PEERS_CONF)
    return str(tmp_path / "*.peers.conf")


def test_only_named_endpoints_of_live_peers_are_looked_up():
    looked_up = []

    def resolver(endpoint):
        looked_up.append(endpoint)
        return frozenset({"198.51.100.11"})

    stale, unresolved = wireguard_reresolve.stale_endpoints(PEERS_CONF, dump("198.51.100.11:51820"), resolver)
    assert (stale, unresolved, looked_up) == ([], [], ["hub-oci.lab.test:51820"])


@pytest.mark.parametrize(
    ("live_endpoint", "addresses", "expect_set"),
    [
        ("198.51.100.11:51820", ["198.51.100.11"], False),  # the name still points there
        ("198.51.100.11:51820", ["198.51.100.31"], True),  # the hub moved
        ("[2001:db8::11]:51820", ["198.51.100.11", "2001:db8::11"], False),  # any of its addresses will do
        ("(none)", ["198.51.100.11"], True),  # never resolved (name did not resolve at boot)
    ],
)
def test_endpoint_set_again_only_when_the_name_points_elsewhere(peers_files, live_endpoint, addresses, expect_set):
    spoke = FakeSpoke(live_endpoint, addresses)
    assert wireguard_reresolve.main(peers_files, run=spoke.run, resolver=spoke.resolve) == 0
    expected = [["wg", "set", "wg-oci", "peer", HUB_KEY, "endpoint", "hub-oci.lab.test:51820"]]
    assert spoke.wg_set_calls == (expected if expect_set else [])


def test_a_name_that_does_not_resolve_changes_nothing_and_fails_the_run(peers_files, capsys):
    spoke = FakeSpoke("198.51.100.11:51820", socket.gaierror(-2, "Name or service not known"))
    assert wireguard_reresolve.main(peers_files, run=spoke.run, resolver=spoke.resolve) == 1
    assert spoke.wg_set_calls == []
    assert "wg-oci: cannot resolve hub-oci.lab.test:51820" in capsys.readouterr().err


def test_a_broken_peers_file_is_one_line_and_no_key(tmp_path, capsys):
    (tmp_path / "wg-oci.peers.conf").write_text(PEERS_CONF.replace("AllowedIPs = 192.168.31.0/24", "AllowedIPs = not-a-network"))
    spoke = FakeSpoke("198.51.100.11:51820", ["198.51.100.11"])
    assert wireguard_reresolve.main(str(tmp_path / "*.peers.conf"), run=spoke.run, resolver=spoke.resolve) == 1
    error = capsys.readouterr().err
    assert error.startswith("wg-oci: ") and "AllowedIPs" in error and HUB_KEY not in error
