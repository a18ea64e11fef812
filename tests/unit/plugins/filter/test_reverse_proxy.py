# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A hub's reverse proxy (hub_reverse_proxy), as tables: every bad input and the message that names it, the
haproxy.cfg rendered from good ones, and the ports the hub's firewalls open for it.

The inventory is the lab's shape, given as hostvars would give it: hub-oci and hub-gcp with tunnels, spoke-jp and
spoke-us on both, spoke-de on hub-gcp only. (That HAProxy itself accepts and runs what is rendered, on loopback:
tests/integration/test_reverse_proxy_haproxy.py.)
"""

from __future__ import annotations

import copy
import pathlib
import re

import jinja2
import pytest
import yaml

from ansible.errors import AnsibleFilterError
from ansible_collections.multisite.vpn.plugins.filter import reverse_proxy
from ansible_collections.multisite.vpn.plugins.filter.reverse_proxy import (
    FilterModule,
    reverse_proxy_config,
    reverse_proxy_firewall_services,
    reverse_proxy_iptables_rules,
    reverse_proxy_problems,
)
from ansible_collections.multisite.vpn.plugins.module_utils.iptables_accept import check_rules
from ansible_collections.multisite.vpn.tests.unit.plugins.filter.filter_documentation import documentation_tests
from ansible_collections.multisite.vpn.tests.unit.roles.test_host_firewall_template import HUB_OCI, render

LAB_HUB_OCI = pathlib.Path(__file__).parents[4] / "inventories" / "lab" / "host_vars" / "hub-oci.yml"
HUB = "hub-oci"
DELETE = object()
GROUPS = {"all": ["hub-oci", "hub-gcp", "spoke-jp", "spoke-us", "spoke-de", "internet-core"],
          "hubs": ["hub-oci", "hub-gcp"], "spokes": ["spoke-jp", "spoke-us", "spoke-de"]}
# What the lab declares on hub-oci (inventories/lab/host_vars/hub-oci.yml).
TCP = {"name": "spoke-us-tcp", "port": 8443, "mode": "tcp", "spoke": "spoke-us", "spoke_port": 8443,
       "comment": "A TCP service of site us (a TLS server, say), passed through as it is."}
HTTP = {"name": "spoke-us-web", "port": 8081, "mode": "http", "spoke": "spoke-us", "spoke_port": 8081,
        "comment": "A web server of site us, answered 503 while the site is down."}
KEYS = "name, port, mode, spoke, spoke_port, send_proxy, check_interval_ms, comment"


def hostvars(changes=None):
    """The lab's hostvars changed by CHANGES: {host: {variable: value or DELETE}}."""
    found = {
        "hub-oci": {"hub_tunnel": {"interface": "wg-oci", "ipv4": "192.168.31.0/24", "port": 51820, "endpoint": "hub-oci.example.net"}},
        "hub-gcp": {"hub_tunnel": {"interface": "wg-gcp", "ipv4": "192.168.32.0/24", "port": 51821, "endpoint": "hub-gcp.example.net"}},
        "spoke-jp": {"site_id": 1, "wireguard_host_index": 11, "spoke_hubs": ["hub-oci", "hub-gcp"]},
        "spoke-us": {"site_id": 2, "wireguard_host_index": 12, "spoke_hubs": ["hub-oci", "hub-gcp"]},
        "spoke-de": {"site_id": 3, "wireguard_host_index": 13, "spoke_hubs": ["hub-gcp"]},
        "internet-core": {},
    }
    for host, variables in (changes or {}).items():
        for name, value in variables.items():
            if value is DELETE:
                found[host].pop(name, None)
            else:
                found[host][name] = value
    return found


def entry(base, **changes):
    """BASE with CHANGES: a key given DELETE is removed."""
    changed = dict(copy.deepcopy(base), **changes)
    return {key: value for key, value in changed.items() if value is not DELETE}


def test_the_lab_declaration_has_no_problem():
    assert yaml.safe_load(LAB_HUB_OCI.read_text())["hub_reverse_proxy"] == [TCP, HTTP]
    assert reverse_proxy_problems([TCP, HTTP], hostvars(), GROUPS, HUB) == []
    assert reverse_proxy_problems([], hostvars(), GROUPS, HUB) == []


def test_defaults_and_ports_given_by_the_hub_ssh_port_and_ansible_port_are_not_problems():
    # Only name, port, spoke and spoke_port are required; the SSH port is whatever the hub arrives on.
    minimal = {"name": "ssh-of-spoke-us", "port": 2222, "spoke": "spoke-us", "spoke_port": 22}
    assert reverse_proxy_problems([minimal], hostvars(), GROUPS, HUB) == []
    assert reverse_proxy_problems([entry(minimal, port=22)], hostvars({HUB: {"hub_ssh_port": 2200}}), GROUPS, HUB) == []
    assert reverse_proxy_problems([entry(minimal, port=22)], hostvars({HUB: {"ansible_port": 2200}}), GROUPS, HUB) == []


@pytest.mark.parametrize(
    "entries, changes, expected",
    [
        # The list itself.
        pytest.param({"name": "web"}, None, ["hub_reverse_proxy: is a mapping, not a list of {%s}" % KEYS], id="a-mapping-not-a-list"),
        pytest.param("web", None, ["hub_reverse_proxy: is a string, not a list of {%s}" % KEYS], id="a-string-not-a-list"),
        pytest.param(None, None, ["hub_reverse_proxy: is null, not a list of {%s}" % KEYS], id="null-not-a-list"),
        pytest.param([TCP, "spoke-us:8080"], None, ["hub_reverse_proxy[1]: is a string, not a mapping of %s" % KEYS], id="entry-a-string"),
        pytest.param([TCP, [8081, "spoke-us", 8081]], None, ["hub_reverse_proxy[1]: is a list, not a mapping of %s" % KEYS], id="entry-a-list"),
        pytest.param([entry(TCP, target="spoke-us:8443")], None, ["hub_reverse_proxy[0]: 'target' is not one of its keys (%s)" % KEYS],
                     id="unknown-key"),
        pytest.param([entry(TCP, backend_port=8443)], None, ["hub_reverse_proxy[0]: 'backend_port' is not one of its keys (%s)" % KEYS],
                     id="unknown-key-a-near-miss"),
        pytest.param([entry(TCP, name=DELETE, port=DELETE, spoke=DELETE, spoke_port=DELETE)], None,
                     ["hub_reverse_proxy[0].%s: not set (an entry needs name, port, spoke and spoke_port)" % key
                      for key in ("name", "port", "spoke", "spoke_port")], id="required-keys-missing"),
        # name
        pytest.param([entry(TCP, name="web site")], None,
                     ["hub_reverse_proxy[0].name: 'web site' is not a name of 1 to 64 letters, digits, '-' and '_' (it names the entry's "
                      "frontend and backend in haproxy.cfg)"], id="name-with-a-space"),
        pytest.param([entry(TCP, name="")], None, ["hub_reverse_proxy[0].name: '' is not a name of 1 to 64"], id="name-empty"),
        pytest.param([entry(TCP, name="w" * 65)], None, ["hub_reverse_proxy[0].name: 'wwww"], id="name-too-long"),
        pytest.param([entry(TCP, name="wéb")], None, ["hub_reverse_proxy[0].name: 'wéb' is not a name"], id="name-not-ascii"),
        pytest.param([entry(TCP, name="web\n")], None, ["hub_reverse_proxy[0].name: 'web\\n' is not a name"], id="name-with-a-line-break"),
        pytest.param([entry(TCP, name=8443)], None, ["hub_reverse_proxy[0].name: 8443 is not a name"], id="name-a-number"),
        pytest.param([TCP, entry(HTTP, name="spoke-us-tcp")], None,
                     ["hub_reverse_proxy[1].name: 'spoke-us-tcp' is also the name of hub_reverse_proxy[0]: each entry needs its own (it names "
                      "a frontend and a backend)"], id="name-twice"),
        # port
        pytest.param([entry(TCP, port=0)], None, ["hub_reverse_proxy[0].port: 0 is outside 1-65535"], id="port-zero"),
        pytest.param([entry(TCP, port=65536)], None, ["hub_reverse_proxy[0].port: 65536 is outside 1-65535"], id="port-too-high"),
        pytest.param([entry(TCP, port=-443)], None, ["hub_reverse_proxy[0].port: -443 is outside 1-65535"], id="port-negative"),
        pytest.param([entry(TCP, port="8443")], None,
                     ["hub_reverse_proxy[0].port: '8443' is a string, not a port number (1-65535): write it without quotes"], id="port-a-string"),
        pytest.param([entry(TCP, port="https")], None, ["hub_reverse_proxy[0].port: 'https' is a string, not a port number (1-65535)"],
                     id="port-a-service-name"),
        pytest.param([entry(TCP, port=True)], None, ["hub_reverse_proxy[0].port: True is true or false, not a port number (1-65535)"],
                     id="port-a-bool"),
        pytest.param([entry(TCP, port=8443.0)], None, ["hub_reverse_proxy[0].port: 8443.0 is a number, not a port number (1-65535)"],
                     id="port-a-float"),
        pytest.param([entry(TCP, port=None)], None, ["hub_reverse_proxy[0].port: None is null, not a port number (1-65535)"], id="port-null"),
        pytest.param([TCP, entry(HTTP, port=8443)], None,
                     ["hub_reverse_proxy[1].port: 8443 is also the port of hub_reverse_proxy[0]: each entry needs its own (one port, one "
                      "listener)"], id="port-twice"),
        pytest.param([entry(TCP, port=22)], None,
                     ["hub_reverse_proxy[0].port: 22 is the hub's SSH port (hub_ssh_port, else ansible_port): HAProxy would take it from "
                      "sshd, or fail to start"], id="port-the-default-ssh-port"),
        pytest.param([entry(TCP, port=2222)], {HUB: {"hub_ssh_port": 2222}}, ["hub_reverse_proxy[0].port: 2222 is the hub's SSH port"],
                     id="port-the-hub-ssh-port"),
        pytest.param([entry(TCP, port=2222)], {HUB: {"hub_ssh_port": "2222"}}, ["hub_reverse_proxy[0].port: 2222 is the hub's SSH port"],
                     id="port-the-hub-ssh-port-from-a-template"),
        pytest.param([entry(TCP, port=2200)], {HUB: {"ansible_port": 2200}}, ["hub_reverse_proxy[0].port: 2200 is the hub's SSH port"],
                     id="port-the-ansible-port"),
        # mode
        pytest.param([entry(TCP, mode="https")], None, ["hub_reverse_proxy[0].mode: 'https' is not tcp or http"], id="mode-https"),
        pytest.param([entry(TCP, mode="TCP")], None, ["hub_reverse_proxy[0].mode: 'TCP' is not tcp or http"], id="mode-upper-case"),
        pytest.param([entry(TCP, mode=None)], None, ["hub_reverse_proxy[0].mode: None is not tcp or http"], id="mode-null"),
        # spoke: a spoke of the inventory, with a tunnel to this hub and an address in it
        pytest.param([entry(TCP, spoke="spoke-xx")], None,
                     ["hub_reverse_proxy[0].spoke: 'spoke-xx' is not a host of group spokes (spoke-jp, spoke-us, spoke-de): the target of a "
                      "reverse proxy is a spoke of the inventory"], id="spoke-not-in-the-inventory"),
        pytest.param([entry(TCP, spoke="internet-core")], None, ["hub_reverse_proxy[0].spoke: 'internet-core' is not a host of group spokes"],
                     id="spoke-a-host-that-is-no-spoke"),
        pytest.param([entry(TCP, spoke="hub-gcp")], None, ["hub_reverse_proxy[0].spoke: 'hub-gcp' is not a host of group spokes"],
                     id="spoke-another-hub"),
        pytest.param([entry(TCP, spoke=12)], None, ["hub_reverse_proxy[0].spoke: 12 is an integer, not the inventory name of a spoke"],
                     id="spoke-a-number"),
        pytest.param([entry(TCP, spoke="")], None, ["hub_reverse_proxy[0].spoke: '' is a string, not the inventory name of a spoke"],
                     id="spoke-empty"),
        pytest.param([entry(TCP, spoke="spoke-de")], None,
                     ["hub_reverse_proxy[0].spoke: spoke-de keeps no tunnel to hub-oci (its spoke_hubs leaves it out): the proxy reaches a "
                      "spoke through this hub's tunnel only"], id="spoke-without-a-tunnel-to-this-hub"),
        pytest.param([TCP], {"spoke-us": {"spoke_hubs": "hub-oci"}},
                     ["hub_reverse_proxy[0].spoke: cannot tell whether spoke-us keeps a tunnel to hub-oci: spoke-us: spoke_hubs: is a string"],
                     id="spoke-whose-spoke-hubs-is-broken"),
        pytest.param([TCP], {"spoke-us": {"wireguard_host_index": DELETE}},
                     ["hub_reverse_proxy[0].spoke: spoke-us has no wireguard_host_index, its host number in this hub's tunnel (the proxy's "
                      "target address)"], id="spoke-without-wireguard-host-index"),
        pytest.param([TCP], {"spoke-us": {"wireguard_host_index": jinja2.StrictUndefined(name="site_id")}},
                     ["hub_reverse_proxy[0].spoke: the wireguard_host_index of spoke-us cannot be read: its template failed: 'site_id' is "
                      "undefined"], id="spoke-whose-wireguard-host-index-fails"),
        pytest.param([TCP], {"spoke-us": {"wireguard_host_index": 300}},
                     ["hub_reverse_proxy[0].spoke: the address of spoke-us in this hub's tunnel cannot be computed from its "
                      "wireguard_host_index: index 300 is beyond the last usable address of 192.168.31.0/24"], id="spoke-index-beyond-the-tunnel"),
        pytest.param([TCP], {"spoke-us": {"wireguard_host_index": 1}}, ["hub_reverse_proxy[0].spoke: the address of spoke-us in this "
                     "hub's tunnel cannot be computed from its wireguard_host_index: index 1 is reserved in 192.168.31.0/24"],
                     id="spoke-index-the-hubs-own"),
        pytest.param([TCP], {HUB: {"hub_tunnel": DELETE}},
                     # Once: not again for each spoke, whose address there is no tunnel to compute in.
                     ["hub_reverse_proxy: hub-oci has no hub_tunnel: the proxy reaches a spoke through this hub's tunnel, and there is none"],
                     id="hub-without-a-tunnel"),
        pytest.param([TCP], {HUB: {"hub_tunnel": DELETE}, "spoke-us": {"spoke_hubs": DELETE}},
                     ["hub_reverse_proxy: hub-oci has no hub_tunnel"], id="hub-without-a-tunnel-and-spoke-hubs-unset"),
        pytest.param([TCP], {HUB: {"hub_tunnel": {"interface": "wg-oci"}}},
                     ["hub_reverse_proxy: hub_tunnel has no ipv4, the tunnel's subnet the spokes' addresses are computed in"],
                     id="hub-tunnel-without-ipv4"),
        pytest.param([TCP], {HUB: {"hub_tunnel": ["wg-oci", "192.168.31.0/24"]}}, ["hub_reverse_proxy: hub_tunnel has no ipv4"],
                     id="hub-tunnel-a-list"),
        pytest.param([TCP], {HUB: {"hub_tunnel": {"interface": "wg-oci", "ipv4": "192.168.31.1/24"}}},
                     ["hub_reverse_proxy: the spokes' addresses in this hub's tunnel cannot be computed: hub_tunnel.ipv4: 192.168.31.1/24 has "
                      "host bits set"], id="hub-tunnel-with-host-bits"),
        # spoke_port
        pytest.param([entry(TCP, spoke_port=0)], None, ["hub_reverse_proxy[0].spoke_port: 0 is outside 1-65535"], id="spoke-port-zero"),
        pytest.param([entry(TCP, spoke_port="443")], None,
                     ["hub_reverse_proxy[0].spoke_port: '443' is a string, not a port number (1-65535): write it without quotes"],
                     id="spoke-port-a-string"),
        pytest.param([entry(TCP, spoke_port=False)], None, ["hub_reverse_proxy[0].spoke_port: False is true or false"], id="spoke-port-a-bool"),
        # send_proxy
        pytest.param([entry(TCP, send_proxy="yes")], None, ["hub_reverse_proxy[0].send_proxy: 'yes' is a string, not true or false"],
                     id="send-proxy-a-string"),
        pytest.param([entry(TCP, send_proxy=1)], None, ["hub_reverse_proxy[0].send_proxy: 1 is an integer, not true or false"],
                     id="send-proxy-a-number"),
        # check_interval_ms
        pytest.param([entry(TCP, check_interval_ms=99)], None,
                     ["hub_reverse_proxy[0].check_interval_ms: 99 is below 100 (milliseconds between two health checks of the spoke)"],
                     id="check-interval-below-100"),
        pytest.param([entry(TCP, check_interval_ms=0)], None, ["hub_reverse_proxy[0].check_interval_ms: 0 is below 100"],
                     id="check-interval-zero"),
        pytest.param([entry(TCP, check_interval_ms="1000")], None,
                     ["hub_reverse_proxy[0].check_interval_ms: '1000' is a string, not a number of milliseconds"], id="check-interval-a-string"),
        pytest.param([entry(TCP, check_interval_ms=1.5)], None, ["hub_reverse_proxy[0].check_interval_ms: 1.5 is a number, not a number of "
                     "milliseconds"], id="check-interval-a-float"),
        pytest.param([entry(TCP, check_interval_ms=True)], None, ["hub_reverse_proxy[0].check_interval_ms: True is true or false"],
                     id="check-interval-a-bool"),
        # comment
        pytest.param([entry(TCP, comment="two\nlines")], None,
                     ["hub_reverse_proxy[0].comment: holds a line break: it is one comment line above the entry in haproxy.cfg"],
                     id="comment-two-lines"),
        pytest.param([entry(TCP, comment=["web"])], None, ["hub_reverse_proxy[0].comment: is a list, not a string"], id="comment-a-list"),
        # Every problem at once, in the order of the entries.
        pytest.param([entry(TCP, mode="udp", spoke="spoke-de"), entry(HTTP, name="spoke-us-tcp", port=22)], None,
                     ["hub_reverse_proxy[0].mode: 'udp' is not tcp or http",
                      "hub_reverse_proxy[0].spoke: spoke-de keeps no tunnel to hub-oci",
                      "hub_reverse_proxy[1].name: 'spoke-us-tcp' is also the name of hub_reverse_proxy[0]",
                      "hub_reverse_proxy[1].port: 22 is the hub's SSH port"], id="several-problems-in-order"),
    ],
)
def test_problems(entries, changes, expected):
    problems = reverse_proxy_problems(entries, hostvars(changes), GROUPS, HUB)
    assert len(problems) == len(expected), problems
    for problem, start in zip(problems, expected):
        assert problem.startswith(start), problems


def test_a_key_wrong_in_itself_is_not_checked_against_the_inventory_too():
    # One message per mistake: a port given as a string is not also the SSH port, a second entry on it is not reported
    # as a clash, and a spoke that is no name is not looked up; the entry's other keys still are.
    problems = reverse_proxy_problems([entry(TCP, port="22", spoke="spoke-xx"), entry(HTTP, port="22", spoke=["spoke-us"])],
                                      hostvars(), GROUPS, HUB)
    assert problems == [
        "hub_reverse_proxy[0].port: '22' is a string, not a port number (1-65535): write it without quotes",
        "hub_reverse_proxy[0].spoke: 'spoke-xx' is not a host of group spokes (spoke-jp, spoke-us, spoke-de): the target of a reverse "
        "proxy is a spoke of the inventory",
        "hub_reverse_proxy[1].port: '22' is a string, not a port number (1-65535): write it without quotes",
        "hub_reverse_proxy[1].spoke: ['spoke-us'] is a list, not the inventory name of a spoke",
    ]


# The whole file for the lab's hub-oci: what HAProxy runs (tests/integration/test_reverse_proxy_haproxy.py runs it).
LAB_CONFIG = """\
# Written by multisite.vpn (role hub, hub_reverse_proxy of hub-oci): a change made here is replaced.
global
    # Logs go to stdout, which systemd hands to the journal (journalctl -u haproxy): format short starts each line
    # with its level in angle brackets, which the journal takes as the priority. /dev/log would need the socket
    # inside the chroot, which only a unit that bind-mounts it there provides (Debian's does; not every one does).
    log stdout format short daemon
    chroot /var/lib/haproxy
    user haproxy
    group haproxy

defaults
    log global
    # Until its checks mark a spoke down (about 2 s after it refuses, 3.5 s after it falls silent), a client waits for
    # the connection to it: 1 s when it refuses (one retry), at most 6 s when it is silent (two attempts of 3 s, each
    # with the kernel's own SYN retransmission). Once it is down, a client is closed (TCP) or answered 503 (HTTP) at once.
    timeout connect 3s
    retries 1
    timeout client 1m
    timeout server 1m

# spoke-us-tcp: A TCP service of site us (a TLS server, say), passed through as it is.
# TCP port 8443, on every address of the hub, to spoke-us port 8443 at 192.168.31.12, through this hub's tunnel; checked every 1000 ms
frontend fe_spoke-us-tcp
    mode tcp
    bind :::8443 v4v6
    option tcplog
    timeout client 1h
    default_backend be_spoke-us-tcp

backend be_spoke-us-tcp
    mode tcp
    timeout server 1h
    server spoke-us 192.168.31.12:8443 check inter 1000 fall 2 rise 2

# spoke-us-web: A web server of site us, answered 503 while the site is down.
# HTTP port 8081, on every address of the hub, to spoke-us port 8081 at 192.168.31.12, through this hub's tunnel; checked every 1000 ms
frontend fe_spoke-us-web
    mode http
    bind :::8081 v4v6
    option httplog
    # A client that has not sent its request's headers within 10 s is dropped.
    timeout http-request 10s
    default_backend be_spoke-us-web

backend be_spoke-us-web
    mode http
    # The client's address, for the spoke: the connection itself comes from this hub's tunnel address.
    option forwardfor
    server spoke-us 192.168.31.12:8081 check inter 1000 fall 2 rise 2
"""


def test_the_lab_configuration_whole():
    assert reverse_proxy_config([TCP, HTTP], hostvars(), HUB) == LAB_CONFIG


def sections(text: str) -> dict[str, list[str]]:
    """{'frontend fe_x': [its lines, stripped], ...} of a configuration."""
    found, current = {}, None
    for line in text.splitlines():
        if line and not line.startswith((" ", "#")):
            current = found.setdefault(line, [])
        elif current is not None and line.strip() and not line.strip().startswith("#"):
            current.append(line.strip())
    return found


@pytest.mark.parametrize(
    "changes, section, lines",
    [
        pytest.param({}, "backend be_spoke-us-tcp", ["mode tcp", "timeout server 1h", "server spoke-us 192.168.31.12:8443 check inter 1000 fall 2 "
                                                     "rise 2"], id="tcp-backend"),
        pytest.param({"send_proxy": True}, "backend be_spoke-us-tcp",
                     ["mode tcp", "timeout server 1h", "server spoke-us 192.168.31.12:8443 check inter 1000 fall 2 rise 2 send-proxy-v2"],
                     id="send-proxy-v2"),
        pytest.param({"check_interval_ms": 250}, "backend be_spoke-us-tcp",
                     ["mode tcp", "timeout server 1h", "server spoke-us 192.168.31.12:8443 check inter 250 fall 2 rise 2"], id="check-interval"),
        pytest.param({"spoke": "spoke-jp", "spoke_port": 22}, "backend be_spoke-us-tcp",
                     ["mode tcp", "timeout server 1h", "server spoke-jp 192.168.31.11:22 check inter 1000 fall 2 rise 2"], id="another-spoke"),
        pytest.param({"mode": DELETE, "send_proxy": DELETE, "check_interval_ms": DELETE, "comment": DELETE}, "frontend fe_spoke-us-tcp",
                     ["mode tcp", "bind :::8443 v4v6", "option tcplog", "timeout client 1h", "default_backend be_spoke-us-tcp"], id="defaults-tcp"),
        pytest.param({"mode": "http"}, "frontend fe_spoke-us-tcp",
                     ["mode http", "bind :::8443 v4v6", "option httplog", "timeout http-request 10s", "default_backend be_spoke-us-tcp"],
                     id="http-frontend"),
        pytest.param({"mode": "http", "send_proxy": True}, "backend be_spoke-us-tcp",
                     ["mode http", "option forwardfor", "server spoke-us 192.168.31.12:8443 check inter 1000 fall 2 rise 2 send-proxy-v2"],
                     id="http-backend"),
    ],
)
def test_an_entry_renders_its_frontend_and_backend(changes, section, lines):
    text = reverse_proxy_config([entry(TCP, **changes)], hostvars(), HUB)
    assert sections(text)[section] == lines, text


def test_the_backend_is_the_spoke_in_this_hubs_tunnel():
    # The same spoke through hub-gcp: its address in hub-gcp's subnet, so that the answers go back through hub-gcp.
    text = reverse_proxy_config([TCP], hostvars(), "hub-gcp")
    assert "    server spoke-us 192.168.32.12:8443 check inter 1000 fall 2 rise 2\n" in text


def test_a_comment_goes_above_its_entry_and_none_leaves_the_description_alone():
    with_comment = reverse_proxy_config([entry(TCP, comment="  The site's TLS server.  ")], hostvars(), HUB)
    without = reverse_proxy_config([entry(TCP, comment=DELETE)], hostvars(), HUB)
    assert "\n# spoke-us-tcp: The site's TLS server.\n# TCP port 8443, on every address" in with_comment
    assert "\n\n# TCP port 8443, on every address" in without and "# spoke-us-tcp:" not in without


def test_a_spoke_name_haproxy_refuses_becomes_a_server_name_it_takes():
    spokes = dict(GROUPS, spokes=["spoke us"])
    inventory = hostvars()
    inventory["spoke us"] = dict(inventory["spoke-us"])
    assert reverse_proxy_problems([entry(TCP, spoke="spoke us")], inventory, spokes, HUB) == []
    assert "    server spoke_us 192.168.31.12:8443 " in reverse_proxy_config([entry(TCP, spoke="spoke us")], inventory, HUB)


def test_entries_keep_their_order_and_an_empty_list_has_no_listener():
    text = reverse_proxy_config([HTTP, TCP], hostvars(), HUB)
    assert list(sections(text)) == ["global", "defaults", "frontend fe_spoke-us-web", "backend be_spoke-us-web", "frontend fe_spoke-us-tcp",
                                    "backend be_spoke-us-tcp"]
    assert list(sections(reverse_proxy_config([], hostvars(), HUB))) == ["global", "defaults"]


@pytest.mark.parametrize(
    "entries, changes, message",
    [
        pytest.param([entry(TCP, port="8443"), entry(HTTP, mode="udp")], None,
                     "hub_reverse_proxy[0].port: '8443' is a string, not a port number (1-65535): write it without quotes; "
                     "hub_reverse_proxy[1].mode: 'udp' is not tcp or http", id="entries-alone-every-problem"),
        pytest.param({"name": "web"}, None, "hub_reverse_proxy: is a mapping, not a list", id="not-a-list"),
        pytest.param([TCP], {HUB: {"hub_tunnel": DELETE}}, "hub_reverse_proxy: hub-oci has no hub_tunnel", id="hub-without-a-tunnel"),
        pytest.param([TCP, entry(HTTP, spoke="spoke-jp")], {"spoke-us": {"wireguard_host_index": DELETE}, "spoke-jp": {"wireguard_host_index": 0}},
                     "hub_reverse_proxy[0].spoke: spoke-us has no wireguard_host_index, its host number in this hub's tunnel (the proxy's "
                     "target address); hub_reverse_proxy[1].spoke: the address of spoke-jp in this hub's tunnel cannot be computed from its "
                     "wireguard_host_index: index 0 is out of range", id="spokes-without-an-address"),
    ],
)
def test_config_fails_with_every_problem_it_can_see(entries, changes, message):
    with pytest.raises(AnsibleFilterError, match="^" + re.escape(message)):
        reverse_proxy_config(entries, hostvars(changes), HUB)


def test_the_firewall_opens_each_port_from_anywhere():
    services = reverse_proxy_firewall_services([TCP, HTTP])
    assert services == [
        {"port": 8443, "protocol": "tcp", "sources": [], "comment": "Reverse proxy spoke-us-tcp (hub_reverse_proxy): to spoke-us port 8443."},
        {"port": 8081, "protocol": "tcp", "sources": [], "comment": "Reverse proxy spoke-us-web (hub_reverse_proxy): to spoke-us port 8081."},
    ]
    table = render(dict(HUB_OCI, host_firewall_services=services))
    assert ("    # Reverse proxy spoke-us-tcp (hub_reverse_proxy): to spoke-us port 8443.\n    tcp dport 8443 accept\n"
            "    # Reverse proxy spoke-us-web (hub_reverse_proxy): to spoke-us port 8081.\n    tcp dport 8081 accept\n") in table
    assert reverse_proxy_firewall_services([]) == []


def test_oracles_iptables_let_each_port_in_beside_wireguard():
    rules = reverse_proxy_iptables_rules([TCP, HTTP])
    assert rules == [
        {"chain": "INPUT", "protocol": "tcp", "destination_port": 8443, "comment": "multisite.vpn: reverse proxy spoke-us-tcp"},
        {"chain": "INPUT", "protocol": "tcp", "destination_port": 8081, "comment": "multisite.vpn: reverse proxy spoke-us-web"},
    ]
    # What roles/hub/tasks/provider_iptables.yml gives the module, with these: the module's own checks take them all.
    wireguard = {"chain": "INPUT", "protocol": "udp", "destination_port": 51820, "comment": "multisite.vpn: WireGuard"}
    longest = reverse_proxy_iptables_rules([entry(TCP, name="w" * 64)])
    lines = [rule["line"] for rule in check_rules([wireguard] + rules + longest)]
    assert lines[1] == '-A INPUT -p tcp -m tcp --dport 8443 -m comment --comment "multisite.vpn: reverse proxy spoke-us-tcp" -j ACCEPT'


@pytest.mark.parametrize("function", [reverse_proxy_firewall_services, reverse_proxy_iptables_rules], ids=["firewall", "iptables"])
def test_the_port_filters_refuse_what_the_entries_alone_show(function):
    with pytest.raises(AnsibleFilterError, match=re.escape("hub_reverse_proxy[1].port: 8443 is also the port of hub_reverse_proxy[0]")):
        function([TCP, entry(HTTP, port=8443)])


def test_filter_module_exposes_every_filter():
    assert FilterModule().filters() == {
        "reverse_proxy_config": reverse_proxy.reverse_proxy_config,
        "reverse_proxy_firewall_services": reverse_proxy.reverse_proxy_firewall_services,
        "reverse_proxy_iptables_rules": reverse_proxy.reverse_proxy_iptables_rules,
        "reverse_proxy_problems": reverse_proxy.reverse_proxy_problems,
    }


# ansible-test's validate-modules skips filter plugins: these tests keep the documentation true.
(test_documentation_describes_the_filter, test_documented_examples_give_the_documented_results,
 test_every_filter_has_a_documented_example) = documentation_tests(FilterModule().filters())
