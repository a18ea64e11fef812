# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark, not a test: multisite.vpn.ndp_proxy, the kernel's answer time for a proxied address and the module's run time.

Needs no lab: it makes its own docker network (benchndp-net, internal, IPv6) and two systemd containers on it, a hub
and a router (benchndp-hub, benchndp-router), and removes all three at the end, also when it fails or is interrupted.
Names it finds already taken (a run that could not clean up) stop it before it starts; remove them with
`docker rm -f benchndp-hub benchndp-router; docker network rm benchndp-net`.

1. Answer time: on the hub, eth0 forwards (set by the bench: the kernel answers for proxy entries only on an interface
   that forwards) and the module adds kernel proxy entries for addresses no interface has. In the router a small
   program (PROBE, through `docker exec -i router python3 -`) sends neighbour solicitations from a raw ICMPv6 socket,
   from the router's global address to the target's solicited-node multicast address, hop limit 255, with the router's
   MAC as source link-layer option, and times (time.perf_counter, in the router) from the send to the neighbour
   advertisement for that target. One fresh target per sample; the router's own kernel never asks (its neighbour
   cache is checked afterwards). With proxy_delay 0 the hub answers at once; with the kernel default 80 it queues a
   solicitation sent to a multicast address and answers after a random delay of up to 0.8 s (RFC 4861's
   MAX_ANYCAST_DELAY_TIME). The hub's own address (not proxied) is the reference; after part 2, proxy_delay 0 again
   with the largest size's entries beside the targets; --ndppd adds ndppd's answer.
2. Run time of the module in kernel mode (proxy_delay 0) at each of --sizes entries: a no-op, and one entry added
   (before each timed run an untimed run puts the entries back to N). Three figures per case, each the median of
   --runs: the wall time of ansible-playbook (start-up and connection included), the task's time from the JSON
   callback (ansible.posix.json: connection, transfer and the module's run on the host), and the module alone on
   the host: its AnsiballZ wrapper, kept from one run (ANSIBLE_KEEP_REMOTE_FILES, pipelining off), run again by
   python3 inside the container and timed there (no connection). ansible.builtin.ping gives the per-task floor.
3. With --ndppd: the module's no-op in ndppd mode at the largest size, in /80 prefixes, and ndppd's answer time.

    . .venv/bin/activate                 # root or the docker group: docker run, docker exec
    python bench/ndp_proxy.py --samples 20 --runs 3 --sizes 1,100,1000 --ndppd
"""

from __future__ import annotations

import argparse
import gzip
import ipaddress
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NETWORK = "benchndp-net"
HUB = "benchndp-hub"
ROUTER = "benchndp-router"
INTERFACE = "eth0"
IPV4_SUBNET = "198.18.77.0/24"
CONTAINER_OPTIONS = [
    "--cap-add", "SYS_ADMIN", "--cap-add", "NET_ADMIN", "--cap-add", "NET_RAW", "--device", "/dev/net/tun",
    "--tmpfs", "/run", "--tmpfs", "/run/lock", "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw", "--cgroupns", "host",
    "--security-opt", "systempaths=unconfined",
]
# Where each set of addresses comes from in the bench's /64: offsets from its first address.
SCALE_OFFSET = 0x1_0000      # the module timings' entries, ::1:1 on
TARGET_OFFSETS = {"delay0": 0xa_0000, "delay80": 0xb_0000, "crowded": 0xc_0000}
KEEP_DIRECTORY = "/root/.ansible/benchndp-keep"

# Runs in the router (python3 -, arguments after it): interface, source address, timeout in seconds, then the targets.
# Prints one JSON line per target: seconds from the send to the advertisement (None when none came), its sender, flags.
PROBE = r'''
import ipaddress, json, socket, struct, sys, time

interface, source, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
index = socket.if_nametoindex(interface)
with open("/sys/class/net/%s/address" % interface) as handle:
    mac = bytes.fromhex(handle.read().strip().replace(":", ""))
sock = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
sock.bind((source, 0, 0, 0))
sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 255)
sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, index)
sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_LOOP, 0)
# ICMP6_FILTER (1): a set bit blocks its type; only neighbour advertisements (136) pass.
words = [0xFFFFFFFF] * 8
words[136 >> 5] &= ~(1 << (136 & 31))
sock.setsockopt(socket.IPPROTO_ICMPV6, 1, struct.pack("8I", *words))
for target in sys.argv[4:]:
    packed = ipaddress.IPv6Address(target).packed
    group = str(ipaddress.IPv6Address(bytes.fromhex("ff0200000000000000000001ff") + packed[13:]))
    # Type 135, code 0, checksum 0 (the kernel computes it), reserved; target; option 1 (source link-layer), 8 bytes.
    message = struct.pack("!BBHI", 135, 0, 0, 0) + packed + struct.pack("!BB", 1, 1) + mac
    sock.setblocking(False)
    while True:
        try:
            sock.recv(2048)
        except BlockingIOError:
            break
    sock.setblocking(True)
    result = {"target": target, "group": group, "seconds": None}
    start = time.perf_counter()
    sock.sendto(message, (group, 0, 0, index))
    while True:
        left = start + timeout - time.perf_counter()
        if left <= 0:
            break
        sock.settimeout(left)
        try:
            data, sender = sock.recvfrom(2048)
        except socket.timeout:
            break
        if len(data) >= 24 and data[0] == 136 and data[8:24] == packed:
            flags = "".join(flag for bit, flag in ((0x80, "R"), (0x40, "S"), (0x20, "O")) if data[4] & bit)
            result.update(seconds=time.perf_counter() - start, sender=sender[0], flags=flags)
            break
    print(json.dumps(result), flush=True)
    time.sleep(0.05)
'''

# Runs in the hub (python3 -c, arguments after it): the kept AnsiballZ wrapper, then how many runs; prints one JSON
# line per run with its seconds and the module's result.
RERUN = r'''
import json, subprocess, sys, time
for _run in range(int(sys.argv[2])):
    start = time.perf_counter()
    done = subprocess.run([sys.executable, sys.argv[1]], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "rc": done.returncode, "out": done.stdout, "err": done.stderr[-2000:]}), flush=True)
'''


class BenchError(Exception):
    """A failure said in one line."""


def run(command, **options):
    return subprocess.run(command, capture_output=True, text=True, check=False, **options)


def docker(*arguments, stdin=None):
    completed = run(["docker", *arguments], input=stdin)
    if completed.returncode:
        raise BenchError(f"docker {' '.join(arguments[:3])} ... failed: {(completed.stderr or completed.stdout).strip()[-500:]}")
    return completed.stdout


def taken_names():
    """The bench's container and network names that already exist."""
    containers = [name for name in (HUB, ROUTER) if not run(["docker", "container", "inspect", name]).returncode]
    networks = [NETWORK] if not run(["docker", "network", "inspect", NETWORK]).returncode else []
    return containers + networks


class Hosts:
    """The bench's network and containers; remove() takes away whatever of them this run made."""

    def __init__(self, image, subnet):
        self.image = image
        self.subnet = subnet
        self.made = []
        self.address = {}

    def create(self):
        docker("network", "create", "--ipv6", "--subnet", str(self.subnet), "--subnet", IPV4_SUBNET, "--internal", NETWORK)
        self.made.append(("network", NETWORK))
        for name in (HUB, ROUTER):
            self.made.append(("container", name))
            docker("run", "-d", "--name", name, "--hostname", name, *CONTAINER_OPTIONS, "--network", NETWORK, self.image, "/sbin/init")
        for name in (HUB, ROUTER):
            state = run(["docker", "exec", name, "timeout", "60", "systemctl", "is-system-running", "--wait"]).stdout.strip()
            if state not in ("running", "degraded"):
                raise BenchError(f"{name}: systemd did not come up (systemctl is-system-running: {state or 'no answer'})")
            self.address[name] = self.global_address(name)
        # The kernel answers for proxy entries only on an interface that forwards.
        self.exec(HUB, "sysctl", "-q", "-w", f"net.ipv6.conf.{INTERFACE}.forwarding=1")

    def global_address(self, name):
        shown = json.loads(self.exec(name, "ip", "-j", "-6", "addr", "show", "dev", INTERFACE, "scope", "global"))
        addresses = [info["local"] for link in shown for info in link.get("addr_info", []) if "local" in info]
        if not addresses:
            raise BenchError(f"{name}: no global IPv6 address on {INTERFACE}")
        return addresses[0]

    def exec(self, name, *command, stdin=None):
        return docker("exec", *(["-i"] if stdin is not None else []), name, *command, stdin=stdin)

    def sysctl(self, name, key):
        return self.exec(name, "cat", f"/proc/sys/{key}").strip()

    def remove(self):
        for kind, name in reversed(self.made):
            if kind == "container":
                run(["docker", "rm", "-f", "-v", name])
            else:
                run(["docker", "network", "rm", name])
        left = taken_names()
        print(f"removed: {', '.join(name for _kind, name in self.made) or 'nothing'}"
              + (f"; STILL PRESENT: {', '.join(left)}" if left else ""), flush=True)
        self.made = []


class Ansible:
    """Runs one play on the hub over community.docker.docker and returns its times and the task's result."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.serial = 0
        self.problems = []
        self.killed = 0
        # The machine may be shared: the 1-minute load average at the start of every run goes with the figures.
        self.loads = []
        env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_STDOUT_CALLBACK="ansible.posix.json")
        # ansible.cfg's collections_path finds this checkout as multisite.vpn; a path from the environment would win.
        env.pop("ANSIBLE_COLLECTIONS_PATH", None)
        env.pop("ANSIBLE_COLLECTIONS_PATHS", None)
        self.env = env
        self.playbook_command = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")

    def play(self, task, keep=None):
        """Run TASK; return (wall seconds, task seconds, the host's result). KEEP: a remote directory in which the
        module's AnsiballZ wrapper is kept (pipelining off for that run)."""
        self.serial += 1
        playbook = os.path.join(self.workdir, f"play-{self.serial}.json")
        with open(playbook, "w", encoding="utf-8") as handle:
            json.dump([{"hosts": HUB, "gather_facts": False, "vars": {
                "ansible_connection": "community.docker.docker", "ansible_python_interpreter": "/usr/bin/python3"},
                "tasks": [task]}], handle)
        env = self.env
        if keep:
            env = dict(env, ANSIBLE_KEEP_REMOTE_FILES="1", ANSIBLE_PIPELINING="False", ANSIBLE_REMOTE_TMP=keep)
        self.loads.append(os.getloadavg()[0])
        start = time.perf_counter()
        completed = run([self.playbook_command, "-i", f"{HUB},", playbook], cwd=REPO, env=env)
        wall = time.perf_counter() - start
        if completed.returncode < 0 and self.killed < 3:
            # Killed by a signal from outside this bench (the machine may be shared): run it again, once, and say so.
            self.killed += 1
            self.serial -= 1
            return self.play(task, keep)
        try:
            tasks = json.loads(completed.stdout)["plays"][0]["tasks"]
            result = tasks[0]["hosts"][HUB]
        except (ValueError, KeyError, IndexError):
            raise BenchError(f"ansible-playbook gave no result (exit {completed.returncode}): "
                             f"{(completed.stderr or completed.stdout).strip()[-1500:]}") from None
        if completed.returncode or result.get("failed") or result.get("unreachable"):
            raise BenchError(f"the task failed: {result.get('msg', result)}")
        duration = tasks[0]["task"]["duration"]
        return wall, stamp(duration["end"]) - stamp(duration["start"]), result

    def ndp_proxy(self, entries, mode="kernel", proxy_delay=0, keep=None):
        options = {"interface": INTERFACE, "mode": mode, "entries": entries}
        if mode == "kernel":
            options["proxy_delay"] = proxy_delay
        return self.play({"multisite.vpn.ndp_proxy": options}, keep)

    def expect(self, label, result, changed, added=(), removed=()):
        """Note a result that is not what the run must report (a no-op that changes, a +1 that adds something else)."""
        seen = (bool(result.get("changed")), list(result.get("added", [])), list(result.get("removed", [])))
        if seen != (changed, list(added), list(removed)):
            self.problems.append(f"{label}: changed={seen[0]} added={seen[1][:3]} removed={seen[2][:3]}, expected "
                                 f"changed={changed} added={list(added)[:3]} removed={list(removed)[:3]}")
        for warning in result.get("warnings", []):
            self.problems.append(f"{label}: warning: {warning}")


def stamp(text):
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp()


def addresses(subnet, offset, count):
    return [str(subnet.network_address + offset + number) for number in range(1, count + 1)]


def prefixes(subnet, count):
    """COUNT /80 prefixes of the /64 from its second on (the first holds the hosts' and the kernel entries' addresses)."""
    return [str(ipaddress.ip_network((int(subnet.network_address) + (number << 48), 80))) for number in range(1, count + 1)]


def probe(hosts, targets, timeout):
    """The router's solicitations for TARGETS, one after the other; one result each (PROBE's JSON)."""
    output = hosts.exec(ROUTER, "python3", "-", INTERFACE, hosts.address[ROUTER], str(timeout), *targets, stdin=PROBE)
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def answer_row(label, delay, samples, expected_sender):
    times = [sample["seconds"] for sample in samples if sample["seconds"] is not None]
    senders = sorted({f"{sample['sender']} {sample['flags'] or '-'}" for sample in samples if sample["seconds"] is not None})
    row = {"label": label, "delay": delay, "answered": f"{len(times)}/{len(samples)}", "senders": senders,
           "median": statistics.median(times) if times else None, "min": min(times, default=None), "max": max(times, default=None)}
    if any(sender.split()[0] != expected_sender for sender in senders):
        row["note"] = f"answered by {', '.join(senders)}, not {expected_sender}"
    return row


def measure_answers(hosts, ansible, subnet, args):
    """Part 1: the answer time for the hub's own address, and for proxied ones at proxy_delay 0 and 80."""
    targets = {name: addresses(subnet, offset, args.samples) for name, offset in TARGET_OFFSETS.items()}
    hub = hosts.address[HUB]
    rows, settings = [], {}
    entries = targets["delay0"] + targets["delay80"]
    for delay, name, label in ((0, "delay0", "proxied (kernel entry), proxy_delay 0"),
                               (80, "delay80", "proxied (kernel entry), proxy_delay 80 (kernel default)")):
        _wall, _task, result = ansible.ndp_proxy(entries, proxy_delay=delay)
        if sorted(result.get("entries", [])) != sorted(entries):
            ansible.problems.append(f"proxy_delay {delay}: the module returned {len(result.get('entries', []))} entries,"
                                    f" {len(entries)} given")
        settings[delay] = {key: hosts.sysctl(HUB, key) for key in (
            f"net/ipv6/conf/{INTERFACE}/forwarding", f"net/ipv6/conf/{INTERFACE}/proxy_ndp", f"net/ipv6/neigh/{INTERFACE}/proxy_delay")}
        live = hosts.exec(HUB, "ip", "-6", "neigh", "show", "proxy", "dev", INTERFACE).split()
        missing = [target for target in targets[name] if target not in live]
        if missing:
            ansible.problems.append(f"proxy_delay {delay}: {len(missing)} targets not in the hub's proxy table, e.g. {missing[0]}")
        if delay == 0:
            rows.append(answer_row("hub's own address (not proxied; reference)", "-", probe(hosts, [hub] * args.samples, args.timeout), hub))
        rows.append(answer_row(label, str(delay), probe(hosts, targets[name], args.timeout), hub))
    return rows, settings, targets


def crowded_answers(hosts, ansible, subnet, args, base):
    """proxy_delay 0 with the largest size's entries there too: does the size of the proxy table show?"""
    targets = addresses(subnet, TARGET_OFFSETS["crowded"], args.samples)
    ansible.ndp_proxy(base + targets, proxy_delay=0)
    return answer_row(f"proxied, proxy_delay 0, with {entries_text(len(base))} besides", "0",
                      probe(hosts, targets, args.timeout), hosts.address[HUB]), targets


def entries_text(size):
    return "1 entry" if size == 1 else f"{size:,} entries"


def case_row(label, ansible, mark, wall, task, host=None):
    """A row of part 2; MARK: len(ansible.loads) when its case began (its runs' load averages follow it)."""
    loads = ansible.loads[mark:]
    return {"label": label, "wall": median_figure(wall), "task": median_figure(task), "host": median_figure(host) if host else None,
            "load": f"{min(loads):.1f}-{max(loads):.1f}" if loads else "-"}


def median_figure(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def on_host(hosts, keep, runs):
    """Run the module's kept AnsiballZ wrapper RUNS times inside the hub; (seconds of each run, results)."""
    found = hosts.exec(HUB, "sh", "-c", f"ls {keep}/*/AnsiballZ_ndp_proxy.py").split()
    if len(found) != 1:
        raise BenchError(f"expected one kept AnsiballZ_ndp_proxy.py under {keep} in {HUB}, found {found}")
    lines = hosts.exec(HUB, "python3", "-c", RERUN, found[0], str(runs)).splitlines()
    done = [json.loads(line) for line in lines if line.strip()]
    results = []
    for run_result in done:
        if run_result["rc"]:
            raise BenchError(f"the kept module run failed in {HUB}: {run_result['out'][-500:]} {run_result['err']}")
        results.append(json.loads(run_result["out"]))
    return [run_result["seconds"] for run_result in done], results


def measure_module(hosts, ansible, subnet, args):
    """Part 2: ping (the floor), then at each size the module's no-op and +1, three figures each."""
    rows = []
    ansible.play({"ansible.builtin.ping": {}})  # warm-up, not timed: the first run compiles and caches on both sides
    walls, tasks, mark = [], [], len(ansible.loads)
    for _run in range(args.runs):
        wall, task, _result = ansible.play({"ansible.builtin.ping": {}})
        walls.append(wall)
        tasks.append(task)
    rows.append(case_row("ansible.builtin.ping (the per-task floor)", ansible, mark, walls, tasks))
    base = []
    for size in args.sizes:
        base = addresses(subnet, SCALE_OFFSET, size)
        extra = addresses(subnet, SCALE_OFFSET, size + 1)[-1]
        plus_one = base + [extra]
        ansible.ndp_proxy(base)  # converge to SIZE entries (not timed)

        walls, tasks, mark = [], [], len(ansible.loads)
        for number in range(args.runs):
            wall, task, result = ansible.ndp_proxy(base)
            ansible.expect(f"{size} entries, no-op run {number + 1}", result, False)
            walls.append(wall)
            tasks.append(task)
        keep = f"{KEEP_DIRECTORY}-{size}-noop"
        _wall, _task, result = ansible.ndp_proxy(base, keep=keep)
        ansible.expect(f"{size} entries, no-op (kept wrapper)", result, False)
        seconds, results = on_host(hosts, keep, args.runs)
        for number, result in enumerate(results):
            ansible.expect(f"{size} entries, no-op on the host, run {number + 1}", result, False)
        rows.append(case_row(f"{entries_text(size)}, no-op", ansible, mark, walls, tasks, seconds))

        walls, tasks, seconds, mark = [], [], [], len(ansible.loads)
        for number in range(args.runs):
            _wall, _task, result = ansible.ndp_proxy(base)  # back to SIZE entries (not timed)
            ansible.expect(f"{size} entries, reset before +1 run {number + 1}", result, number > 0, removed=[extra] if number else [])
            wall, task, result = ansible.ndp_proxy(plus_one)
            ansible.expect(f"{size} entries, +1 run {number + 1}", result, True, added=[extra])
            walls.append(wall)
            tasks.append(task)
        keep = f"{KEEP_DIRECTORY}-{size}-plus1"
        ansible.ndp_proxy(base)
        _wall, _task, result = ansible.ndp_proxy(plus_one, keep=keep)
        ansible.expect(f"{size} entries, +1 (kept wrapper)", result, True, added=[extra])
        for number in range(args.runs):
            ansible.ndp_proxy(base)
            run_seconds, results = on_host(hosts, keep, 1)
            ansible.expect(f"{size} entries, +1 on the host, run {number + 1}", results[0], True, added=[extra])
            seconds += run_seconds
        rows.append(case_row(f"{entries_text(size)}, +1 entry", ansible, mark, walls, tasks, seconds))
    return rows, base


def measure_ndppd(hosts, ansible, subnet, args):
    """Part 3: mode ndppd at the largest size, in /80 prefixes: the first run (writes, starts ndppd), the no-op, and
    ndppd's answer time for addresses in the first prefix."""
    size = max(args.sizes)
    rules = prefixes(subnet, size)
    mark = len(ansible.loads)
    wall, task, result = ansible.ndp_proxy(rules, mode="ndppd")
    ansible.expect(f"ndppd, {size} prefixes, first run", result, True, added=ipaddress_sorted(rules), removed=[])
    rows = [case_row(f"ndppd mode, {size:,} /80 prefixes, first run (writes, starts ndppd; one run)", ansible, mark, [wall], [task])]
    walls, tasks, mark = [], [], len(ansible.loads)
    for number in range(args.runs):
        wall, task, result = ansible.ndp_proxy(rules, mode="ndppd")
        ansible.expect(f"ndppd, {size} prefixes, no-op run {number + 1}", result, False)
        walls.append(wall)
        tasks.append(task)
    keep = f"{KEEP_DIRECTORY}-ndppd-noop"
    ansible.ndp_proxy(rules, mode="ndppd", keep=keep)
    seconds, results = on_host(hosts, keep, args.runs)
    for number, result in enumerate(results):
        ansible.expect(f"ndppd, {size} prefixes, no-op on the host, run {number + 1}", result, False)
    rows.append(case_row(f"ndppd mode, {size:,} /80 prefixes, no-op", ansible, mark, walls, tasks, seconds))
    active = run(["docker", "exec", HUB, "systemctl", "is-active", f"multisite-vpn-ndppd-{INTERFACE}.service"]).stdout.strip()
    first = ipaddress.ip_network(rules[0])
    targets = [str(first.network_address + number) for number in range(1, args.samples + 1)]
    answers = answer_row(f"ndppd, static rule (/80 of {size:,}), ndppd {active}", "-", probe(hosts, targets, args.timeout),
                         hosts.address[HUB])
    return rows, answers, targets


def ipaddress_sorted(entries):
    return sorted(entries, key=lambda entry: (ipaddress.ip_network(entry).network_address, ipaddress.ip_network(entry).prefixlen))


def conditions(hosts, args):
    image = json.loads(docker("image", "inspect", args.image))[0]
    debian = hosts.exec(HUB, "cat", "/etc/debian_version").strip()
    commit = run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"]).stdout.strip()
    if run(["git", "-C", REPO, "status", "--porcelain", "--", "plugins"]).stdout.strip():
        commit += ", plugins/ with uncommitted changes"
    versions = run([os.path.join(os.path.dirname(sys.executable), "ansible"), "--version"], cwd=REPO).stdout.splitlines()[:1]
    docker_collection = run([os.path.join(os.path.dirname(sys.executable), "ansible-galaxy"), "collection", "list",
                             "community.docker"], cwd=REPO, env=dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg")))
    docker_version = [line.split()[1] for line in docker_collection.stdout.splitlines() if line.startswith("community.docker ")][:1]
    return [
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.node()}: kernel {platform.release()} ({kernel_hz()};"
        " the containers share it),"
        f" {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at the start",
        f"image {args.image} ({image['Id'][7:19]}, Debian {debian}), systemd containers {HUB} ({hosts.address[HUB]}) and"
        f" {ROUTER} ({hosts.address[ROUTER]}) on docker network {NETWORK} (internal, {hosts.subnet}, a Linux bridge)",
        f"{(versions or ['ansible ?'])[0].strip()}, community.docker {(docker_version or ['?'])[0]},"
        f" connection community.docker.docker, ansible.cfg of {REPO} (pipelining on), collection at {commit}",
    ]


def kernel_hz():
    """The kernel's tick (proxy_delay's random delay is counted in it), from /proc/config.gz where the kernel has it."""
    try:
        with gzip.open("/proc/config.gz", "rt") as handle:
            found = [line.strip() for line in handle if line.startswith("CONFIG_HZ=")]
    except OSError:
        found = []
    return found[0] if found else "CONFIG_HZ unknown"


def milliseconds(value):
    return "-" if value is None else f"{value * 1000:.3f} ms"


def seconds_text(figure):
    if figure is None:
        return "-"
    if figure["min"] == figure["max"]:
        return f"{figure['median']:.2f} s"
    return f"{figure['median']:.2f} s ({figure['min']:.2f}-{figure['max']:.2f})"


def print_answers(rows, samples, timeout, neighbours):
    print(f"\n1. Neighbour solicitation -> advertisement, sent by {ROUTER} from a raw ICMPv6 socket to the target's"
          f" solicited-node multicast address, {samples} per row, a fresh target per sample (the hub's own address"
          f" repeated), timed in the router (time.perf_counter), {timeout:g} s timeout")
    width = max(len(row["label"]) for row in rows)
    print(f"  {'target':<{width}}  proxy_delay  answered    median         min         max")
    for row in rows:
        print(f"  {row['label']:<{width}}  {row['delay']:>11}  {row['answered']:>8}  {milliseconds(row['median']):>10}"
              f"  {milliseconds(row['min']):>10}  {milliseconds(row['max']):>10}"
              + (f"   NOTE: {row['note']}" if row.get("note") else ""))
    print(f"  answered by (address, flags R/S/O): {'; '.join(sorted({s for row in rows for s in row['senders']}))}")
    print(f"  the router's neighbour cache afterwards: {neighbours}")


def print_module(rows, runs):
    print(f"\n2. multisite.vpn.ndp_proxy run time, median of {runs} (min-max); kernel mode, proxy_delay 0, unless said")
    print("   wall: ansible-playbook from start to exit (Ansible's start-up, one play, one task, connection included)")
    print("   task: the task's start to end in the JSON callback (connection, module transfer and its run on the host)")
    print("   on host: the module alone in the hub, its kept AnsiballZ wrapper run by python3 and timed there")
    print("   load avg: the machine's 1-minute load average at the start of the case's ansible-playbook runs, lowest-highest")
    width = max(len(row["label"]) for row in rows)
    print(f"  {'case':<{width}}  {'wall':>22}  {'task':>22}  {'on host':>22}  load avg")
    for row in rows:
        print(f"  {row['label']:<{width}}  {seconds_text(row['wall']):>22}  {seconds_text(row['task']):>22}"
              f"  {seconds_text(row['host']):>22}  {row['load']}")


def router_neighbours(hosts, targets):
    """How many of TARGETS the router's own neighbour cache holds (its kernel never asked for them if none)."""
    shown = hosts.exec(ROUTER, "ip", "-6", "neigh", "show", "dev", INTERFACE).split()
    held = [target for target in targets if target in shown]
    return f"{len(held)} of the {len(targets)} targets" + (f" (e.g. {held[0]})" if held else "")


def interrupted(signum, _frame):
    raise SystemExit(f"ndp_proxy bench: stopped by signal {signum}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=20, help="solicitations per row of part 1")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure of part 2")
    parser.add_argument("--sizes", default="1,100,1000", help="entry counts of part 2, separated by commas")
    parser.add_argument("--ndppd", action="store_true", help="also part 3: mode ndppd at the largest size")
    parser.add_argument("--timeout", type=float, default=3.0, help="seconds to wait for each advertisement")
    parser.add_argument("--image", default="multisite-vpn/debian13:latest")
    parser.add_argument("--subnet", default="2001:db8:77::/64", help="the docker network's IPv6 /64 (documentation range)")
    args = parser.parse_args()
    try:
        args.sizes = [int(size) for size in args.sizes.split(",")]
        subnet = ipaddress.IPv6Network(args.subnet)
    except ValueError as error:
        parser.error(str(error))
    if subnet.prefixlen != 64 or not all(0 < size < 0xFFFF for size in args.sizes) or args.samples < 1 or args.runs < 1:
        parser.error("--subnet must be an IPv6 /64; --sizes between 1 and 65534; --samples and --runs at least 1")

    taken = taken_names()
    if taken:
        sys.exit(f"ndp_proxy bench: already there (a run that could not clean up?): {', '.join(taken)}; remove them with"
                 f" `docker rm -f {HUB} {ROUTER}; docker network rm {NETWORK}`")
    signal.signal(signal.SIGTERM, interrupted)
    hosts = Hosts(args.image, subnet)
    try:
        with tempfile.TemporaryDirectory(prefix="benchndp-") as workdir:
            ansible = Ansible(workdir)
            print(f"setting up {NETWORK}, {HUB}, {ROUTER} (removed at the end)", flush=True)
            hosts.create()
            header = conditions(hosts, args)
            answers, settings, targets = measure_answers(hosts, ansible, subnet, args)
            module_rows, base = measure_module(hosts, ansible, subnet, args)
            crowded, crowded_targets = crowded_answers(hosts, ansible, subnet, args, base)
            answers.append(crowded)
            all_targets = [target for name in ("delay0", "delay80") for target in targets[name]] + crowded_targets
            if args.ndppd:
                ndppd_rows, ndppd_answers, ndppd_targets = measure_ndppd(hosts, ansible, subnet, args)
                module_rows += ndppd_rows
                answers.append(ndppd_answers)
                all_targets += ndppd_targets
            neighbours = router_neighbours(hosts, all_targets)
    except BenchError as error:
        sys.exit(f"ndp_proxy bench: {error}")
    finally:
        hosts.remove()

    print("\nmultisite.vpn.ndp_proxy bench:", " ".join(sys.argv[1:]) or "(defaults)")
    for line in header:
        print(f"  {line}")
    for delay, values in settings.items():
        print(f"  hub, after the module's run with proxy_delay {delay}: "
              + ", ".join(f"{key.replace('/', '.')} = {value}" for key, value in values.items()))
    print_answers(answers, args.samples, args.timeout, neighbours)
    print_module(module_rows, args.runs)
    print(f"\nload average (1 min) at the end: {os.getloadavg()[0]:.2f}; ansible-playbook runs killed from outside and run"
          f" again: {ansible.killed}")
    print("problems seen (results that were not what the run should report): " + ("none" if not ansible.problems else ""))
    for problem in ansible.problems:
        print(f"  {problem}")


if __name__ == "__main__":
    main()
