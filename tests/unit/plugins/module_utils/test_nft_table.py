# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""nft_table's pure parts: its input, the unit it writes, the /proc walk to this run's SSH client (on a fake /proc
tree), prefix containment, and when a table is loaded."""

from __future__ import annotations

import ipaddress

import pytest

from ansible_collections.multisite.vpn.plugins.module_utils import nft_table
from ansible_collections.multisite.vpn.plugins.module_utils.nft_table import NftTableError
from ansible_collections.multisite.vpn.plugins.module_utils.systemd_unit import UnitState

# The unit the role's firewall.service.j2 rendered for the hub before the module wrote it: the module's must be
# the same bytes, so that hosts the role set up are not reloaded by the upgrade.
HUB_UNIT = """\
[Unit]
Description=multisite.vpn hub firewall (nftables table inet multisite_vpn_hub)
Wants=network-pre.target
Before=network-pre.target wg-quick.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/sbin/nft -f /etc/multisite-vpn/hub.nft

[Install]
WantedBy=multi-user.target
"""
SCRIPT = "table inet multisite_vpn_hub\ndelete table inet multisite_vpn_hub\ntable inet multisite_vpn_hub {\n}\n"
GOOD = dict(name="multisite_vpn_hub", content=SCRIPT, path="/etc/multisite-vpn/hub.nft",
            unit="multisite-vpn-hub-firewall.service", description="multisite.vpn hub firewall", ssh_sources=[])


def test_the_unit_is_the_one_the_role_wrote():
    assert nft_table.render_unit("multisite.vpn hub firewall", "multisite_vpn_hub", "/usr/sbin/nft", "/etc/multisite-vpn/hub.nft") == HUB_UNIT


@pytest.mark.parametrize(
    "changes, message",
    [
        pytest.param(dict(name="multisite-vpn-hub"), "name: 'multisite-vpn-hub' is not a table name", id="name-dash"),
        pytest.param(dict(name="1table"), "name: '1table' is not a table name", id="name-digit-first"),
        pytest.param(dict(name="a b"), "name: 'a b' is not a table name", id="name-space"),
        pytest.param(dict(name="x" * 256), "is not a table name", id="name-too-long"),
        pytest.param(dict(name=""), "name: '' is not a table name", id="name-empty"),
        pytest.param(dict(content=""), "content: is empty", id="content-empty"),
        pytest.param(dict(content=" \n\n"), "content: is empty", id="content-blank"),
        pytest.param(dict(content="table inet other {\n}\n"), "content: has no line `table inet multisite_vpn_hub`", id="content-other-table"),
        pytest.param(dict(content="table inet multisite_vpn_hubx {\n}\n"), "has no line `table inet multisite_vpn_hub`", id="content-longer-name"),
        pytest.param(dict(content="table ip multisite_vpn_hub {\n}\n"), "has no line", id="content-other-family"),
        pytest.param(dict(content=SCRIPT + "\0"), "content: holds a NUL", id="content-nul"),
        pytest.param(dict(path="etc/hub.nft"), "path: 'etc/hub.nft' is not an absolute path", id="path-relative"),
        pytest.param(dict(path="/etc/my firewall.nft"), "path: '/etc/my firewall.nft' cannot be written into the unit", id="path-space"),
        pytest.param(dict(path="/etc/%n.nft"), "cannot be written into the unit", id="path-specifier"),
        pytest.param(dict(path="/etc/../hub.nft"), "no . or .. component", id="path-dotdot"),
        pytest.param(dict(path="/etc/multisite-vpn/"), "not ending in /", id="path-directory"),
        pytest.param(dict(unit="multisite-vpn-hub-firewall"), "unit: 'multisite-vpn-hub-firewall' is not a service unit", id="unit-no-suffix"),
        pytest.param(dict(unit="multisite-vpn-hub.timer"), "is not a service unit", id="unit-timer"),
        pytest.param(dict(unit="../x.service"), "without /", id="unit-slash"),
        pytest.param(dict(unit="fw@hub.service"), "is not a service unit", id="unit-template"),
        pytest.param(dict(unit=".service"), "is not a service unit", id="unit-suffix-only"),
        pytest.param(dict(description="two\nlines"), "description: 'two\\nlines' must be one line", id="description-lines"),
        pytest.param(dict(description=" "), "description:", id="description-blank"),
        pytest.param(dict(description="100% firewall"), "description: '100% firewall' holds %", id="description-specifier"),
        pytest.param(dict(ssh_sources=["192.168.31.0/24", "hub.example.net"]), "ssh_sources[1]: 'hub.example.net' is neither", id="source-name"),
        pytest.param(dict(ssh_sources=["192.168.31.5/24"]), "ssh_sources[0]: 192.168.31.5/24 has host bits set; give the prefix 192.168.31.0/24"
                     " or the address 192.168.31.5", id="source-host-bits"),
        pytest.param(dict(ssh_sources=["2001:db8::1/48"]), "give the prefix 2001:db8::/48", id="source-host-bits-v6"),
        pytest.param(dict(ssh_sources=["10.0.0.0/33"]), "ssh_sources[0]: '10.0.0.0/33' is neither", id="source-bad-length"),
        pytest.param(dict(ssh_sources=[""]), "ssh_sources[0]: '' is neither", id="source-empty"),
    ],
)
def test_bad_arguments_are_refused_naming_the_option(changes, message):
    with pytest.raises(NftTableError) as error:
        nft_table.check_arguments(dict(GOOD, **changes))
    assert message in str(error.value)


def test_every_problem_is_reported_at_once():
    with pytest.raises(NftTableError) as error:
        nft_table.check_arguments(dict(GOOD, name="a-b", path="x", unit="y", ssh_sources=["z"]))
    message = str(error.value)
    assert message.startswith("name: ")
    assert message.index("; path: ") < message.index("; unit: ") < message.index("; ssh_sources[0]: ")


@pytest.mark.parametrize(
    "name, path, unit",
    [
        pytest.param("multisite_vpn_hub", "/etc/multisite-vpn/hub.nft", "multisite-vpn-hub-firewall.service", id="hub"),
        pytest.param("_lab", "/etc/nft/lab_1.nft", "lab:fw_1.service", id="underscore-colon"),
    ],
)
def test_good_arguments_pass(name, path, unit):
    script = "table inet %s\ndelete table inet %s\ntable inet %s {\n}\n" % (name, name, name)
    assert nft_table.check_arguments(dict(GOOD, name=name, content=script, path=path, unit=unit)) == []


def test_sources_take_addresses_and_prefixes_of_both_families():
    networks = nft_table.check_arguments(dict(GOOD, ssh_sources=["192.168.31.0/24", "2001:db8:100::/48", "198.51.100.7", "2001:db8::1"]))
    assert [str(network) for network in networks] == ["192.168.31.0/24", "2001:db8:100::/48", "198.51.100.7/32", "2001:db8::1/128"]


@pytest.mark.parametrize(
    "address, inside",
    [
        pytest.param("192.168.31.7", True, id="v4-inside"),
        pytest.param("192.168.32.7", False, id="v4-outside"),
        pytest.param("2001:db8:100:5::1", True, id="v6-inside"),
        pytest.param("2001:db8:101::1", False, id="v6-outside"),
        pytest.param("::ffff:192.168.31.7", True, id="v4-mapped-is-v4"),
        pytest.param("fe80::1%eth0", False, id="zone-ignored-outside"),
        pytest.param("198.51.100.7", True, id="single-address-source"),
        pytest.param("not-an-address", False, id="not-an-address"),
    ],
)
def test_address_in_networks(address, inside):
    networks = [ipaddress.ip_network(text) for text in ("192.168.31.0/24", "2001:db8:100::/48", "198.51.100.7/32")]
    assert nft_table.address_in_networks(address, networks) is inside


def make_proc(root, processes):
    """A fake /proc: PROCESSES maps a pid to (its parent, its environment as a dict, or None when unreadable)."""
    for pid, (parent, environment) in processes.items():
        directory = root / str(pid)
        directory.mkdir(parents=True)
        directory.joinpath("status").write_text("Name:\tx\nUmask:\t0022\nState:\tS (sleeping)\nPid:\t%d\nPPid:\t%d\n" % (pid, parent))
        if environment is not None:
            directory.joinpath("environ").write_bytes(b"".join(b"%s=%s\0" % (key.encode(), value.encode()) for key, value in environment.items()))
    return str(root)


SSHD_SHELL = {"HOME": "/home/ansible", "SSH_CONNECTION": "198.51.100.7 50312 203.0.113.1 22"}


@pytest.mark.parametrize(
    "processes, client",
    [
        # module (sudo dropped SSH_CONNECTION) <- sudo (has it) <- shell <- sshd
        pytest.param({400: (300, {"PATH": "/usr/bin"}), 300: (200, {"SSH_CONNECTION": "192.168.31.7 4 1 22"}), 200: (100, SSHD_SHELL),
                      100: (1, {})}, "192.168.31.7", id="sudo-has-it"),
        # sudo's environment unreadable (not root): the shell above it has it
        pytest.param({400: (300, {}), 300: (200, None), 200: (100, SSHD_SHELL), 100: (1, {})}, "198.51.100.7", id="through-unreadable"),
        pytest.param({400: (1, {"SSH_CONNECTION": "2001:db8::7 5 2001:db8::1 22"})}, "2001:db8::7", id="own-process-ipv6"),
        pytest.param({400: (1, {"SSH_CONNECTION": "::ffff:198.51.100.9 5 ::ffff:203.0.113.1 22"})}, "198.51.100.9", id="mapped"),
        # under docker exec nothing above has it; the walk stops before PID 1, which has it here to prove it
        pytest.param({400: (300, {}), 300: (1, {}), 1: (0, SSHD_SHELL)}, None, id="docker-exec-none"),
        pytest.param({400: (300, {}), 300: (400, {})}, None, id="cycle-ends"),
        pytest.param({400: (300, {})}, None, id="parent-gone"),
        pytest.param({400: (300, {"SSH_CONNECTION": "garbage"}), 300: (1, SSHD_SHELL)}, "198.51.100.7", id="garbage-skipped"),
        pytest.param({400: (300, {"SSH_CONNECTION": ""}), 300: (1, {})}, None, id="empty-value"),
    ],
)
def test_the_walk_finds_the_nearest_ssh_connection(tmp_path, processes, client):
    assert nft_table.ssh_client_address(make_proc(tmp_path / "proc", processes), 400) == client


def test_the_walk_gives_up_after_many_parents(tmp_path):
    chain = {pid: (pid + 1, {}) for pid in range(2, 2 + nft_table.MAX_ANCESTORS)}
    chain[2 + nft_table.MAX_ANCESTORS] = (1, SSHD_SHELL)
    assert nft_table.ssh_client_address(make_proc(tmp_path / "proc", chain), 2) is None


NETWORKS = [ipaddress.ip_network("192.168.31.0/24"), ipaddress.ip_network("2001:db8:100::/48")]


@pytest.mark.parametrize(
    "client, message",
    [
        pytest.param("192.168.31.7", None, id="inside"),
        pytest.param("198.51.100.7", "ssh_sources: not loading table inet multisite_vpn_hub: this play's SSH session comes from 198.51.100.7,"
                     " which host_firewall_ssh_sources does not include: 192.168.31.0/24, 2001:db8:100::/48. The next SSH connection would"
                     " be dropped; add the address or its prefix there.", id="outside"),
        pytest.param(None, "comes from an address that could not be found (no process above the module has SSH_CONNECTION)", id="not-found"),
    ],
)
def test_ssh_client_problem(client, message):
    problem = nft_table.ssh_client_problem(client, NETWORKS, "multisite_vpn_hub", "host_firewall_ssh_sources")
    if message is None:
        assert problem is None
    else:
        assert message in problem


def state(enabled=True, active=True, loaded=True, needs_reload=False):
    return UnitState(enabled=enabled, active=active, loaded=loaded, needs_reload=needs_reload)


@pytest.mark.parametrize(
    "file_changed, unit_changed, table_loaded, unit_state, reasons",
    [
        pytest.param(False, False, True, state(), [], id="nothing"),
        pytest.param(True, False, True, state(), ["the file changed"], id="file"),
        pytest.param(False, True, True, state(), ["the unit changed"], id="unit"),
        pytest.param(False, False, False, state(), ["the live table is missing"], id="flushed-by-hand"),
        pytest.param(False, False, True, state(enabled=False), ["the unit is not enabled"], id="disabled"),
        pytest.param(False, False, True, state(active=False), ["the unit is not active"], id="last-load-failed"),
        pytest.param(True, True, False, state(False, False, False), ["the file changed", "the unit changed", "the live table is missing",
                                                                     "the unit is not enabled"], id="first-run"),
    ],
)
def test_load_reasons(file_changed, unit_changed, table_loaded, unit_state, reasons):
    assert nft_table.load_reasons(file_changed, unit_changed, table_loaded, unit_state) == reasons


@pytest.mark.parametrize(
    "content, found",
    [
        pytest.param(SCRIPT, True, id="role-script"),
        pytest.param("  table   inet multisite_vpn_hub{\n}\n", True, id="spacing"),
        pytest.param("# table inet multisite_vpn_hub\n", False, id="comment-only"),
        pytest.param("table inet multisite_vpn_hub_2 {\n}\n", False, id="longer-name"),
    ],
)
def test_defines_table(content, found):
    assert nft_table.defines_table(content, "multisite_vpn_hub") is found
