# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""BIRD 2 itself parses what filter routing_bird_conf renders (`bird -p`, Debian's bird2 on the test machine; the lab's
Debian 13 hosts check theirs with their own BIRD when the role installs it). The content: tests/unit/plugins/filter/test_routing.py."""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest

from ansible_collections.multisite.vpn.plugins.filter.routing import routing_bird_conf, routing_link_local
from ansible_collections.multisite.vpn.tests.unit.plugins.filter.test_routing import HUBS, SPOKES, lab, lab6

pytestmark = pytest.mark.skipif(shutil.which("bird") is None, reason="needs BIRD 2 (apt-get install bird2; scripts/test installs it)")
# A breakout protocol as role routing's program writes it: a prefix by the uplink's gateway.
BREAKOUT = "protocol static breakout4 {\n  ipv4;\n  route 3.0.0.0/15 via 100.64.2.1;\n}\n"


def parse(text: str, tmp_path) -> subprocess.CompletedProcess:
    path = tmp_path / "bird.conf"
    path.write_text(text)
    return subprocess.run(["bird", "-p", "-c", str(path)], capture_output=True, text=True, check=False)


@pytest.mark.parametrize(("host", "peers", "variables"), [
    ("hub-oci", SPOKES, {}),
    ("spoke-us", HUBS, {}),
    ("spoke-us", HUBS, {"spoke_us": {"routing_prefixes": ["10.2.0.0/24", "172.16.0.0/12", "192.0.2.0/28"]}}),
    ("spoke-us", HUBS, {"spoke_us": {"routing_prefixes": []}}),
    ("hub-oci", SPOKES, {"spoke_de": {"routing_prefixes": []}}),
    ("spoke-de", HUBS, {"spoke_de": {"routing_default_route": True}}),
    ("hub-oci", SPOKES, {"spoke_de": {"routing_default_route": True}, "spoke_us": {"routing_default_route": False}}),
    ("hub-oci", SPOKES, {"ipv6": True}),
    ("spoke-us", HUBS, {"ipv6": True}),
    ("spoke-de", HUBS, {"ipv6": True, "spoke_de": {"routing_default_route": True}}),
], ids=["hub", "spoke", "spoke-three-prefixes", "spoke-no-prefix", "hub-spoke-no-prefix", "spoke-default-route", "hub-default-route",
        "hub-ipv6", "spoke-ipv6", "spoke-ipv6-default-route"])
def test_bird_parses_the_configuration(host, peers, variables, tmp_path):
    variables = dict(variables)
    hostvars = lab6(**variables) if variables.pop("ipv6", False) else lab(**variables)
    parsed = parse(routing_bird_conf(hostvars, host, peers), tmp_path)
    assert parsed.returncode == 0, parsed.stderr + parsed.stdout


def test_bird_parses_an_included_breakout_protocol(tmp_path):
    include = tmp_path / "breakout.conf"
    include.write_text(BREAKOUT)
    parsed = parse(routing_bird_conf(lab(), "spoke-us", HUBS, includes=[str(include)]), tmp_path)
    assert parsed.returncode == 0, parsed.stderr + parsed.stdout


def test_bird_parses_a_spoke_with_the_default_route_and_a_breakout_protocol(tmp_path):
    include = tmp_path / "breakout.conf"
    include.write_text(BREAKOUT)
    parsed = parse(routing_bird_conf(lab(spoke_de={"routing_default_route": True}), "spoke-de", HUBS, includes=[str(include)]), tmp_path)
    assert parsed.returncode == 0, parsed.stderr + parsed.stdout


@pytest.mark.parametrize(("default_route", "table"), [(True, "65536"), (False, "main")], ids=["default-route", "main-table"])
def test_the_real_bird_puts_a_spoke_s_routes_in_the_table_of_the_default_route(default_route, table, tmp_path):
    """The real BIRD, in a network namespace of its own (its kernel tables are not this machine's), with the spoke's whole
    bird.conf: no hub answers there, but a breakout route, which the kernel protocol exports as it does BGP's, lands in
    table 65536 with the default route on, in the main table without it, and nowhere else."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("a network namespace needs root and unshare")
    probe = subprocess.run(["unshare", "--net", "ip", "link", "add", "uplink", "type", "veth", "peer", "name", "uplink-peer"],
                           capture_output=True, text=True, timeout=30, check=False)
    if probe.returncode != 0:
        pytest.skip("no network namespace with a veth pair here (a container without CAP_SYS_ADMIN?): %s" % probe.stderr.strip())
    include = tmp_path / "breakout.conf"
    include.write_text(BREAKOUT)
    text = routing_bird_conf(lab(spoke_de={"routing_default_route": default_route}), "spoke-de", HUBS, includes=[str(include)])
    # The log to stderr (the test's), not to this machine's syslog.
    (tmp_path / "bird.conf").write_text(text.replace("log syslog all;", "log stderr all;"))
    # The uplink's gateway 100.64.2.1 a neighbour; BIRD in the foreground, stopped once the route is in (5 s at most).
    script = ("ip link set lo up && ip link add uplink type veth peer name uplink-peer && ip addr add 100.64.2.2/24 dev uplink"
              " && ip link set uplink up && ip link set uplink-peer up || exit 1\n"
              "bird -f -c %s -s %s &\n"
              "for _ in $(seq 50); do ip -4 route show table all proto bird | grep -q 3.0.0.0 && break; sleep 0.1; done\n"
              "echo 65536:; ip -4 route show table 65536 proto bird; echo main:; ip -4 route show table main proto bird\n"
              "kill $!; wait $!\n" % (tmp_path / "bird.conf", tmp_path / "bird.ctl"))
    ran = subprocess.run(["unshare", "--net", "sh", "-c", script], capture_output=True, text=True, timeout=60, check=False)
    assert ran.returncode in (0, 143), ran.stderr  # 143: BIRD's exit on SIGTERM, as wait reports it
    in_table, in_main = ran.stdout.split("65536:\n", 1)[1].split("main:\n", 1)
    routes = {"65536": in_table, "main": in_main}
    assert "3.0.0.0/15 via 100.64.2.1 dev uplink" in routes[table], ran.stdout + ran.stderr
    assert not [name for name, listed in routes.items() if name != table and listed.strip()], ran.stdout


def netns_available() -> str | None:
    """Why this machine cannot run network namespaces with veth pairs, or None."""
    if os.geteuid() != 0 or shutil.which("ip") is None:
        return "network namespaces need root and iproute2"
    probe = subprocess.run(["unshare", "--net", "ip", "link", "add", "probe", "type", "veth", "peer", "name", "probe-peer"],
                           capture_output=True, text=True, timeout=30, check=False)
    return None if probe.returncode == 0 else "no network namespace with a veth pair here: %s" % probe.stderr.strip()


@pytest.fixture
def namespaces():
    """Network namespaces made for one test (named msvpn-test-<name>), deleted after it."""
    why = netns_available()
    if why:
        pytest.skip(why)
    made = []

    def make(name: str) -> str:
        full = "msvpn-test-%s" % name
        subprocess.run(["ip", "netns", "del", full], capture_output=True, check=False)
        subprocess.run(["ip", "netns", "add", full], check=True)
        made.append(full)
        return full

    yield make
    for full in made:
        pids = subprocess.run(["ip", "netns", "pids", full], capture_output=True, text=True, check=False).stdout.split()
        if pids:
            subprocess.run(["kill"] + pids, capture_output=True, check=False)
        subprocess.run(["ip", "netns", "del", full], capture_output=True, check=False)


def test_the_real_bird_carries_the_public_blocks_over_ipv4_sessions(namespaces, tmp_path):
    """Three real BIRDs, each with its whole rendered bird.conf: hub-oci, and spoke-jp and spoke-us on its tunnel (a
    bridge and veth pairs named as the tunnel stand in for WireGuard), each end with its IPv4 address and the link-local
    address routing_link_local gives it. Each spoke's public block (of hub-vultr's prefix) reaches the hub from that
    spoke, and the other spoke through the hub, via the link-local address of the end it came from: the kernel takes
    the routes BIRD gives it."""
    hostvars = lab6()
    hub, jp, us = namespaces("hub"), namespaces("jp"), namespaces("us")

    def run(namespace, *command):
        done = subprocess.run(["ip", "netns", "exec", namespace] + list(command), capture_output=True, text=True, timeout=30, check=False)
        assert done.returncode == 0, (command, done.stderr)
        return done.stdout

    run(hub, "ip", "link", "add", "wg-oci", "type", "bridge")
    for namespace, name, address in ((hub, "hub-oci", "192.168.31.1/24"), (jp, "spoke-jp", "192.168.31.11/24"), (us, "spoke-us", "192.168.31.12/24")):
        run(namespace, "ip", "link", "set", "lo", "up")
        if namespace != hub:
            run(namespace, "ip", "link", "add", "wg-oci", "type", "veth", "peer", "name", "port", "netns", hub)
            run(hub, "ip", "link", "set", "port", "name", "port-" + name, "master", "wg-oci", "up")
        run(namespace, "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1")
        run(namespace, "ip", "address", "add", address, "dev", "wg-oci")
        run(namespace, "ip", "address", "add", routing_link_local(address) + "/64", "dev", "wg-oci")
        run(namespace, "ip", "link", "set", "wg-oci", "up")
        peers = SPOKES[:2] if namespace == hub else ["hub-oci"]
        conf = tmp_path / ("%s.conf" % name)
        conf.write_text(routing_bird_conf(hostvars, name, peers).replace("log syslog all;", 'log "%s.log" all;' % conf))
        run(namespace, "bird", "-c", str(conf), "-s", str(tmp_path / ("%s.ctl" % name)), "-P", str(tmp_path / ("%s.pid" % name)))
    expected = {
        hub: ["2001:db8:0:5:1::1 via fe80::c0a8:1f0b dev wg-oci", "2001:db8:0:5:1::2 via fe80::c0a8:1f0c dev wg-oci"],
        jp: ["2001:db8:0:5:1::2 via fe80::c0a8:1f01 dev wg-oci"],
        us: ["2001:db8:0:5:1::1 via fe80::c0a8:1f01 dev wg-oci"],
    }
    found = {}
    for _attempt in range(150):  # BGP up and the routes in: a few seconds
        found = {namespace: run(namespace, "ip", "-6", "route", "show", "proto", "bird") for namespace in expected}
        if all(route in found[namespace] for namespace, routes in expected.items() for route in routes):
            break
        time.sleep(0.2)
    logs = "".join(path.read_text() for path in tmp_path.glob("*.conf.log"))
    for namespace, routes in expected.items():
        for route in routes:
            assert route in found[namespace], (namespace, found, logs)
    # A spoke never takes its own block back, and IPv4 goes on as before.
    assert "2001:db8:0:5:1::1 " not in found[jp]
    assert "10.2.0.0/24 via 192.168.31.1 dev wg-oci" in run(jp, "ip", "-4", "route", "show", "proto", "bird")


def test_bird_refuses_what_is_broken(tmp_path):
    """The check can fail: a configuration cut short is refused, with the line."""
    text = routing_bird_conf(lab(), "hub-oci", SPOKES)
    parsed = parse(text[: text.index("next hop self;")], tmp_path)
    assert parsed.returncode != 0
    assert "syntax error" in (parsed.stderr + parsed.stdout)
