# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A hub's reverse proxy (issue 12): HAProxy takes TCP or HTTP on every address of the hub and forwards it to a
service of a spoke, through this hub's own tunnel, health-checked.

The spoke is reached at its address in this hub's tunnel subnet, so that the connection leaves through this hub's
tunnel and the answers come back the same way, whichever way the spoke's own default route goes. The hub listens on
all its addresses, because a cloud hub's public address changes (ephemeral IPs). The documentation of each filter is
in the C(<filter>.yml) file next to this one. Messages start with the variable to fix (C(hub_reverse_proxy[0].port));
they do not repeat the filter's name, which ansible-core shows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ansible.errors import AnsibleError, AnsibleFilterError
from jinja2.exceptions import TemplateError

from ansible_collections.multisite.vpn.plugins.filter.network import subnet_host
from ansible_collections.multisite.vpn.plugins.filter.wireguard import HUB_INDEX
from ansible_collections.multisite.vpn.plugins.plugin_utils.inventory_values import (
    UNSET,
    Unreadable,
    error_line,
    kind,
    port_problem,
    read,
    show,
    spokes_of_hub,
)

VARIABLE = "hub_reverse_proxy"
KEYS = ("name", "port", "mode", "spoke", "spoke_port", "send_proxy", "check_interval_ms", "comment")
REQUIRED = ("name", "port", "spoke", "spoke_port")
DEFAULTS = {"mode": "tcp", "send_proxy": False, "check_interval_ms": 1000, "comment": ""}
MODES = ("tcp", "http")
# It names a frontend and a backend of haproxy.cfg and an iptables comment (255 characters at most).
NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
MAX_NAME_LENGTH = 64
# Below this, the checks of every entry are a steady load on the spoke's uplink (Starlink) for little gain.
MIN_CHECK_INTERVAL_MS = 100
# A spoke is marked down after FALL failed checks in a row, and up again after RISE good ones: one lost check on a
# lossy uplink takes nothing down.
FALL = 2
RISE = 2
# What HAProxy accepts in a server's name; any other character of an inventory name becomes '_'.
SERVER_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_.:-]")
SSH_PORT = 22

GLOBAL_SECTION = """\
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
"""


def _read(hostvars, host: str, name: str):
    """(value, None) for NAME in HOST's variables (read whole, as inventory_values.read reads it), (UNSET, None) when it
    is unset, (UNSET, why) when it cannot be read."""
    try:
        variables = hostvars[host]
    except (AnsibleError, TemplateError, KeyError) as error:
        return UNSET, "its template failed: " + error_line(error)
    value = read(variables, name)
    if isinstance(value, Unreadable):
        return UNSET, value.why
    return value, None


def _value_problem(key: str, value) -> str | None:
    """Why VALUE cannot be KEY of an entry, or None (what one entry alone shows; the inventory is checked apart)."""
    if key == "name":
        if not isinstance(value, str) or not NAME.fullmatch(value):
            return ("%s is not a name of 1 to %d letters, digits, '-' and '_' (it names the entry's frontend and backend in "
                    "haproxy.cfg)" % (show(value), MAX_NAME_LENGTH))
    elif key in ("port", "spoke_port"):
        # A string is refused: YAML gives a number unless it is quoted.
        return port_problem(value, digits=False)
    elif key == "mode":
        if value not in MODES:
            return "%s is not tcp or http" % show(value)
    elif key == "spoke":
        if not isinstance(value, str) or not value:
            return "%s is %s, not the inventory name of a spoke" % (show(value), kind(value))
    elif key == "send_proxy":
        if not isinstance(value, bool):
            return "%s is %s, not true or false" % (show(value), kind(value))
    elif key == "check_interval_ms":
        if isinstance(value, bool) or not isinstance(value, int):
            return "%s is %s, not a number of milliseconds" % (show(value), kind(value))
        if value < MIN_CHECK_INTERVAL_MS:
            return "%d is below %d (milliseconds between two health checks of the spoke)" % (value, MIN_CHECK_INTERVAL_MS)
    elif key == "comment":
        if not isinstance(value, str):
            return "is %s, not a string" % kind(value)
        if "\n" in value or "\r" in value:
            return "holds a line break: it is one comment line above the entry in haproxy.cfg"
    return None


def _entries(entries):
    """(the mappings of ENTRIES, each as (position, its keys with their defaults, the keys found wrong), or None; the
    problems) of ENTRIES alone. Each problem is (position, message); position -1 is the whole list."""
    if not isinstance(entries, list):
        return None, [(-1, "%s: is %s, not a list of {%s}" % (VARIABLE, kind(entries), ", ".join(KEYS)))]
    problems, checked = [], []
    names, ports = {}, {}
    for position, entry in enumerate(entries):
        where = "%s[%d]" % (VARIABLE, position)
        if not isinstance(entry, Mapping):
            problems.append((position, "%s: is %s, not a mapping of %s" % (where, kind(entry), ", ".join(KEYS))))
            continue
        wrong = set()
        for key in entry:
            if key not in KEYS:
                problems.append((position, "%s: %s is not one of its keys (%s)" % (where, show(key), ", ".join(KEYS))))
                wrong.add(key)
        complete = {**DEFAULTS, **{key: entry[key] for key in KEYS if key in entry}}
        for key in KEYS:
            if key in REQUIRED and key not in entry:
                why = "not set (an entry needs %s and %s)" % (", ".join(REQUIRED[:-1]), REQUIRED[-1])
            else:
                why = _value_problem(key, complete[key])
            if why:
                problems.append((position, "%s.%s: %s" % (where, key, why)))
                wrong.add(key)
        for key, seen, what in (("name", names, "it names a frontend and a backend"), ("port", ports, "one port, one listener")):
            if key in wrong:
                continue
            if complete[key] in seen:
                problems.append((position, "%s.%s: %s is also the %s of %s[%d]: each entry needs its own (%s)"
                                 % (where, key, show(complete[key]), key, VARIABLE, seen[complete[key]], what)))
                wrong.add(key)
            else:
                seen[complete[key]] = position
        checked.append((position, complete, wrong))
    return checked, problems


def _raise_on(problems):
    if problems:
        raise AnsibleFilterError("; ".join(message for _position, message in problems))


def _valid_entries(entries):
    """The entries of ENTRIES with their defaults, each with its position, when none has a problem; else AnsibleFilterError
    with every problem."""
    checked, problems = _entries(entries)
    _raise_on(problems)
    return [(position, complete) for position, complete, _wrong in checked]


def _ssh_port(hostvars, hub: str):
    """The port sshd listens on for HUB as the hub role takes it (hub_ssh_port, else ansible_port, else 22), or None
    when the inventory gives none that is a port (inventory_problems reports it)."""
    for name in ("hub_ssh_port", "ansible_port"):
        value, _why_not = _read(hostvars, hub, name)
        if value is not UNSET:
            if isinstance(value, str) and value.strip().isdigit():
                return int(value)
            return value if isinstance(value, int) and not isinstance(value, bool) else None
    return SSH_PORT


def _tunnel_subnet(hostvars, hub: str):
    """(HUB's tunnel subnet, None), or (None, why the spokes' addresses cannot be computed)."""
    tunnel, why = _read(hostvars, hub, "hub_tunnel")
    if why:
        return None, "hub_tunnel: " + why
    if tunnel is UNSET:
        return None, ("%s has no hub_tunnel: the proxy reaches a spoke through this hub's tunnel, and there is none" % hub)
    if not isinstance(tunnel, Mapping) or tunnel.get("ipv4") is None:
        return None, "hub_tunnel has no ipv4, the tunnel's subnet the spokes' addresses are computed in"
    try:
        subnet = tunnel["ipv4"]
        subnet_host(subnet, HUB_INDEX)
    except (AnsibleError, TemplateError) as error:
        message = "the spokes' addresses in this hub's tunnel cannot be computed: hub_tunnel.ipv4: %s" % error_line(error)
    else:
        return str(subnet), None
    # Raised outside the except clause: ansible-core 2.19 appends a chained cause's text to a message.
    return None, message


def _spoke_address(hostvars, spoke: str, subnet: str):
    """(SPOKE's address in SUBNET, None), or (None, why not)."""
    index, why = _read(hostvars, spoke, "wireguard_host_index")
    if why:
        return None, "the wireguard_host_index of %s cannot be read: %s" % (spoke, why)
    if index is UNSET:
        return None, "%s has no wireguard_host_index, its host number in this hub's tunnel (the proxy's target address)" % spoke
    try:
        return subnet_host(subnet, index, [HUB_INDEX]), None
    except AnsibleFilterError as error:
        message = "the address of %s in this hub's tunnel cannot be computed from its wireguard_host_index: %s" % (spoke, error.message)
    return None, message


def _hub_spokes(hostvars, groups, hub: str):
    """(the spokes that keep a tunnel to HUB, None), or (None, why that cannot be told)."""
    try:
        return spokes_of_hub(hostvars, groups, hub), None
    except AnsibleFilterError as error:
        message = error.message
    return None, message


def reverse_proxy_problems(entries, hostvars, groups, hub) -> list[str]:
    """Every problem of HUB's ENTRIES (hub_reverse_proxy), each message naming hub_reverse_proxy[N].key; empty when all is well.

    The entries alone (keys, names, ports, mode, send_proxy, check_interval_ms, comment), then against the inventory
    (HOSTVARS, GROUPS): no port is the hub's SSH port, and each spoke is a host of group spokes that keeps a tunnel to
    HUB and has an address in it.
    """
    checked, problems = _entries(entries)
    if not checked:
        return [message for _position, message in problems]
    ssh_port = _ssh_port(hostvars, hub)
    subnet, no_subnet = _tunnel_subnet(hostvars, hub)
    if no_subnet:
        problems.append((-1, "%s: %s" % (VARIABLE, no_subnet)))
    spokes = [str(spoke) for spoke in dict(groups or {}).get("spokes") or ()]
    hub_spokes, no_hub_spokes = _hub_spokes(hostvars, groups, hub)
    # Each key is checked against the inventory when it is right in itself: one message per mistake.
    for position, entry, wrong in checked:
        where = "%s[%d]" % (VARIABLE, position)
        if "port" not in wrong and entry["port"] == ssh_port:
            problems.append((position, "%s.port: %d is the hub's SSH port (hub_ssh_port, else ansible_port): HAProxy would take it "
                             "from sshd, or fail to start" % (where, ssh_port)))
        if "spoke" in wrong:
            continue
        spoke = entry["spoke"]
        why = None
        if spoke not in spokes:
            why = ("%s is not a host of group spokes (%s): the target of a reverse proxy is a spoke of the inventory"
                   % (show(spoke), ", ".join(spokes) or "none"))
        elif no_subnet:
            pass  # reported once, above: without the hub's tunnel no spoke has an address to check
        elif no_hub_spokes:
            why = "cannot tell whether %s keeps a tunnel to %s: %s" % (spoke, hub, no_hub_spokes)
        elif spoke not in hub_spokes:
            why = ("%s keeps no tunnel to %s (its spoke_hubs leaves it out): the proxy reaches a spoke through this hub's tunnel only"
                   % (spoke, hub))
        elif subnet is not None:
            why = _spoke_address(hostvars, spoke, subnet)[1]
        if why:
            problems.append((position, "%s.spoke: %s" % (where, why)))
    problems.sort(key=lambda problem: problem[0])
    return [message for _position, message in problems]


def _server_line(entry: dict, address: str) -> str:
    line = "    server %s %s:%d check inter %d fall %d rise %d" % (
        SERVER_NAME_UNSAFE.sub("_", entry["spoke"]), address, entry["spoke_port"], entry["check_interval_ms"], FALL, RISE)
    return line + (" send-proxy-v2" if entry["send_proxy"] else "")


def _proxy_sections(entry: dict, address: str) -> list[str]:
    """The frontend and backend of one entry, with its comment above them."""
    name, mode = entry["name"], entry["mode"]
    lines = [""]
    if entry["comment"].strip():
        lines.append("# %s: %s" % (name, entry["comment"].strip()))
    lines += [
        "# %s port %d, on every address of the hub, to %s port %d at %s, through this hub's tunnel; checked every %d ms%s"
        % (mode.upper(), entry["port"], entry["spoke"], entry["spoke_port"], address, entry["check_interval_ms"],
           ", PROXY protocol v2" if entry["send_proxy"] else ""),
        "frontend fe_%s" % name,
        "    mode %s" % mode,
        "    bind :::%d v4v6" % entry["port"],
    ]
    if mode == "http":
        lines += ["    option httplog", "    # A client that has not sent its request's headers within 10 s is dropped.",
                  "    timeout http-request 10s"]
    else:
        # A TCP service (SSH, a database) may sit idle for long between two packets; HTTP has its own timeouts.
        lines += ["    option tcplog", "    timeout client 1h"]
    lines += ["    default_backend be_%s" % name, "", "backend be_%s" % name, "    mode %s" % mode]
    if mode == "http":
        lines += ["    # The client's address, for the spoke: the connection itself comes from this hub's tunnel address.",
                  "    option forwardfor"]
    else:
        lines.append("    timeout server 1h")
    lines.append(_server_line(entry, address))
    return lines


def reverse_proxy_config(entries, hostvars, hub) -> str:
    """The whole of /etc/haproxy/haproxy.cfg for HUB's ENTRIES (hub_reverse_proxy): global, defaults, then one frontend and
    one backend per entry, its server the spoke's address in HUB's tunnel subnet (HOSTVARS: hub_tunnel.ipv4 of HUB,
    wireguard_host_index of each spoke).

    Fails with every problem of the entries alone, or of a spoke's address, in one message.
    """
    found = _valid_entries(entries)
    problems = []
    subnet, why = _tunnel_subnet(hostvars, hub) if found else (None, None)
    if why:
        raise AnsibleFilterError("%s: %s" % (VARIABLE, why))
    addresses = {}
    for position, entry in found:
        addresses[position], why = _spoke_address(hostvars, entry["spoke"], subnet)
        if why:
            problems.append((position, "%s[%d].spoke: %s" % (VARIABLE, position, why)))
    _raise_on(problems)
    lines = ["# Written by multisite.vpn (role hub, hub_reverse_proxy of %s): a change made here is replaced." % hub, GLOBAL_SECTION.rstrip("\n")]
    for position, entry in found:
        lines += _proxy_sections(entry, addresses[position])
    return "\n".join(lines) + "\n"


def reverse_proxy_firewall_services(entries) -> list[dict]:
    """The hub's firewall services (role host_firewall's host_firewall_services) for ENTRIES: each TCP port from anywhere."""
    return [{"port": entry["port"], "protocol": "tcp", "sources": [],
             "comment": "Reverse proxy %s (hub_reverse_proxy): to %s port %d." % (entry["name"], entry["spoke"], entry["spoke_port"])}
            for _position, entry in _valid_entries(entries)]


def reverse_proxy_iptables_rules(entries) -> list[dict]:
    """The rules of module iptables_accept that let ENTRIES' ports past a provider's REJECT rules (Oracle Cloud's Ubuntu)."""
    return [{"chain": "INPUT", "protocol": "tcp", "destination_port": entry["port"],
             "comment": "multisite.vpn: reverse proxy %s" % entry["name"]}
            for _position, entry in _valid_entries(entries)]


class FilterModule:
    """A hub's reverse proxy: its checks, HAProxy's configuration, and the ports its firewalls open."""

    def filters(self):
        return {
            "reverse_proxy_config": reverse_proxy_config,
            "reverse_proxy_firewall_services": reverse_proxy_firewall_services,
            "reverse_proxy_iptables_rules": reverse_proxy_iptables_rules,
            "reverse_proxy_problems": reverse_proxy_problems,
        }
