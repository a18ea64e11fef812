# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark, not a test: a no-op site.yml and playbooks/wireguard.yml on the lab's hubs and spokes.

Each playbook runs --runs times on a converged lab (--limit hubs:spokes), over the lab's docker connection
and over real SSH to each container's sshd at each link latency of --latencies (RTT in ms). It prints the
wall time of ansible-playbook (median, min, max) and the remote task executions per host (callback
bench/callback_plugins/remote_task_count.py). Every timed run must change nothing.

SSH goes through bench/latency_relay.py (tc netem is not in every kernel): one relay per host on
127.0.1.N:22 (ansible_port stays 22, from which the roles derive the firewall's SSH port) to the container's
address on its first lab network. The bench's own setup, undone at the end: a throwaway ed25519 key in
each container's /root/.ssh/authorized_keys (docker exec), and on each spoke with a host firewall the
relay's source address (the machine's bridge on that network) added to spoke_firewall_ssh_sources by a
docker run of site.yml on that spoke; at the end a docker run of site.yml without it puts the firewall back.
Inventory overlays (in a temporary directory) give the SSH runs their connection variables; Ansible's
own ssh defaults stay (ControlMaster/ControlPersist, pipelining from ansible.cfg), each run starting with no
master connection.

    . .venv/bin/activate && sudo ./scripts/lab-up       # a lab must be up; root: the relays listen on port 22
    python bench/noop.py --runs 3 --latencies 0,50,300
    python bench/noop.py --tree /path/to/other/checkout --latencies 0,300/1 --json noop.json
    python bench/noop.py --githubixx /path/to/ansible-role-wireguard   # beside githubixx/ansible-role-wireguard

--githubixx times githubixx/ansible-role-wireguard (a checkout given by path, fetched by the user, never part of this
repository) on the same hosts, in the same topology: one tunnel per hub with a tunnel (gx-<hub>, its own port and
subnet, beside the collection's), every spoke a peer of each hub. It is applied with --skip-tags wg-install (the lab
has no package mirror; the packages are there) and without its kernel-module task (wireguard-go), converged once
before the timed runs, and its interfaces and files are removed at the end. Applied once per tunnel in one playbook,
the role keeps the first tunnel's private key for the second (its set_fact outlives the play): no matter for a
no-op's timing.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone

import yaml

import latency_relay

BENCH = os.path.dirname(os.path.abspath(__file__))
PLAYBOOKS = {"site": "site.yml", "wireguard": "playbooks/wireguard.yml"}
# Extra arguments of a playbook's runs.
PLAYBOOK_ARGS = {"githubixx": ["--skip-tags", "wg-install"]}
GITHUBIXX_PORT = 52820
GITHUBIXX_SUBNET = "10.98.{tunnel}.0/24"
LIMIT = "hubs:spokes"
COUNTED = (
    "remote task executions: module runs on the host itself (gather_facts and handlers included, each loop item apart);"
    " controller-side and delegated-to-localhost tasks not counted: skipped results, the actions "
    "assert, debug, set_fact, fail, include_*/import_*, meta, add_host, group_by, set_stats, pause, include_vars,"
    " validate_argument_spec (role argument validation), tasks delegated to localhost or with connection: local"
)
KEY_COMMENT = f"multisite-vpn-bench-noop-{os.getpid()}"
SSH_OPTIONS = "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null"
SSH_CHECKS = 3


class BenchError(Exception):
    """A failure said in one line."""


def run(command, **options):
    return subprocess.run(command, capture_output=True, text=True, check=False, **options)


class Lab:
    """The hubs and spokes of TREE's lab inventory: container, relay address, target address, firewall."""

    def __init__(self, tree):
        if not os.path.isdir(os.path.join(tree, "inventories", "lab")):
            raise BenchError(f"{tree} is not a checkout of this collection (no inventories/lab)")
        listed = run([os.path.join(os.path.dirname(sys.executable), "ansible-inventory"), "-i", "inventories/lab", "--list"],
                     cwd=tree, env=dict(os.environ, ANSIBLE_CONFIG=os.path.join(tree, "ansible.cfg")))
        if listed.returncode:
            raise BenchError(f"cannot read {tree}/inventories/lab: {listed.stderr.strip().splitlines()[-1:]}")
        inventory = json.loads(listed.stdout)
        hostvars = inventory["_meta"]["hostvars"]
        self.hosts = {}
        for number, name in enumerate(self._members(inventory, "hubs") + self._members(inventory, "spokes"), start=11):
            variables = hostvars[name]
            network = variables["lab_container"]["networks"][0]
            self.hosts[name] = {
                "container": variables["ansible_host"],
                "relay": f"127.0.1.{number}",
                "address": network["ipv4"],
                # The relay's connections come from the machine's own address on that network.
                "bridge": variables["lab_networks"][network["name"]]["ipv4_gateway"],
                "firewalled_spoke": bool(variables.get("spoke_firewall", False)),
                "tunnel_hub": "hub_tunnel" in variables,
            }

    def _members(self, inventory, group):
        members = list(inventory.get(group, {}).get("hosts", []))
        for child in inventory.get(group, {}).get("children", []):
            members += self._members(inventory, child)
        return members

    def tunnel_hubs(self):
        return [name for name, host in self.hosts.items() if host["tunnel_hub"]]

    def firewalled_spokes(self):
        return [name for name, host in self.hosts.items() if host["firewalled_spoke"]]

    def check_up(self):
        containers = [host["container"] for host in self.hosts.values()]
        inspected = run(["docker", "inspect", "--format", "{{.Name}} {{.State.Running}}", *containers])
        running = {line.split()[0].lstrip("/") for line in inspected.stdout.splitlines() if line.endswith(" true")}
        missing = [container for container in containers if container not in running]
        if missing:
            raise BenchError(f"the lab is not up (not running: {', '.join(missing)}); start it with sudo ./scripts/lab-up")


class Runner:
    """Runs playbooks of TREE with the counting callback, whose counts go to WORKDIR; a failure says which host and task."""

    def __init__(self, tree, workdir):
        self.tree = tree
        self.workdir = workdir
        self.control_path_dir = os.path.join(workdir, "cp")
        self.serial = 0
        bin_dir = os.path.dirname(sys.executable)
        self.env = dict(
            os.environ, PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""), ANSIBLE_CONFIG=os.path.join(tree, "ansible.cfg"),
            ANSIBLE_CALLBACK_PLUGINS=os.path.join(BENCH, "callback_plugins"), ANSIBLE_CALLBACKS_ENABLED="remote_task_count",
            ANSIBLE_SSH_CONTROL_PATH_DIR=self.control_path_dir,
        )

    def play(self, playbook, overlays=(), limit=LIMIT):
        """Run PLAYBOOK (a key of PLAYBOOKS); return its wall time and the callback's counts per host."""
        self.serial += 1
        counts_file = os.path.join(self.workdir, f"{self.serial:02d}-{playbook}.json")
        inventories = [arg for path in ("inventories/lab", *overlays) for arg in ("-i", path)]
        command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), *inventories, "--limit", limit,
                   *PLAYBOOK_ARGS.get(playbook, []), PLAYBOOKS[playbook]]
        start = time.monotonic()
        completed = run(command, cwd=self.tree, env=dict(self.env, REMOTE_TASK_COUNT_FILE=counts_file))
        seconds = time.monotonic() - start
        self._close_masters()
        try:
            with open(counts_file, encoding="utf-8") as handle:
                counts = json.load(handle)
        except OSError:
            counts = {}
        problems = [f"{host}: {what}" for host, count in counts.items() for what in count["failed"] + count["unreachable"]]
        if completed.returncode or problems:
            last_line = (completed.stderr.strip() or completed.stdout.strip()).splitlines()[-1:]
            raise BenchError(f"{' '.join(command[-3:])} failed: {'; '.join(problems) or last_line}")
        return seconds, counts

    def _close_masters(self):
        """Stop the run's ControlPersist masters, so that the next run connects afresh, as a user's next run would."""
        if not os.path.isdir(self.control_path_dir):
            return
        for socket_name in os.listdir(self.control_path_dir):
            run(["ssh", "-o", f"ControlPath={os.path.join(self.control_path_dir, socket_name)}", "-O", "exit", "bench-master"])


def changes(counts):
    return sorted({f"{host}: {task}" for host, count in counts.items() for task in count["changed"]})


def write_overlay(directory, host_vars):
    """An inventory of the lab's hosts with HOST_VARS in its host_vars/: inventory host_vars/ files rank above
    an inventory file's own host variables, and the lab sets ansible_host in its host_vars/."""
    os.makedirs(os.path.join(directory, "host_vars"))
    with open(os.path.join(directory, "hosts.yml"), "w", encoding="utf-8") as handle:
        yaml.safe_dump({"all": {"hosts": {name: None for name in host_vars}}}, handle)
    for name, variables in host_vars.items():
        with open(os.path.join(directory, "host_vars", f"{name}.yml"), "w", encoding="utf-8") as handle:
            yaml.safe_dump(variables, handle, default_flow_style=False, width=1000)
    return directory


def firewall_overlay(lab, workdir):
    """spoke_firewall_ssh_sources of each firewalled spoke: the role's default (its hubs' tunnels) and the relay's source."""
    return write_overlay(os.path.join(workdir, "overlay-firewall"), {
        name: {"spoke_firewall_ssh_sources": "{{ spoke_hubs | map('extract', hostvars, ['hub_tunnel', 'ipv4']) | list + "
                                             f"['{lab.hosts[name]['bridge']}/32'] }}}}"}
        for name in lab.firewalled_spokes()
    })


def ssh_overlay(lab, workdir, key_file):
    return write_overlay(os.path.join(workdir, "overlay-ssh"), {
        name: {"ansible_connection": "ssh", "ansible_host": host["relay"], "ansible_user": "root",
               "ansible_ssh_private_key_file": key_file, "ansible_ssh_common_args": SSH_OPTIONS}
        for name, host in lab.hosts.items()
    })


class AuthorizedKey:
    """The bench's throwaway key in each container's /root/.ssh/authorized_keys, removed on exit (the file too, if
    the bench made it)."""

    def __init__(self, lab, public_key):
        self.lab = lab
        self.public_key = public_key
        self.made_file = {}

    def __enter__(self):
        for name, host in self.lab.hosts.items():
            added = run(["docker", "exec", "-i", host["container"], "sh", "-c",
                         "umask 077; mkdir -p /root/.ssh; test -e /root/.ssh/authorized_keys; made=$?;"
                         " cat >> /root/.ssh/authorized_keys && echo $made"], input=self.public_key)
            if added.returncode:
                self.__exit__()
                raise BenchError(f"cannot add the bench's key to {host['container']}: {added.stderr.strip()}")
            self.made_file[name] = added.stdout.strip() != "0"
        return self

    def __exit__(self, *exc_info):
        for name, made_file in self.made_file.items():
            remove = (f"cd /root/.ssh && grep -vF {shlex.quote(KEY_COMMENT)} authorized_keys > .bench; cat .bench > authorized_keys; rm -f .bench"
                      + ("; test -s authorized_keys || rm authorized_keys" if made_file else ""))
            removed = run(["docker", "exec", self.lab.hosts[name]["container"], "sh", "-c", remove])
            if removed.returncode:
                print(f"!! could not remove the bench's key from {self.lab.hosts[name]['container']}: {removed.stderr.strip()}")
            else:
                print(f"  bench key removed from {self.lab.hosts[name]['container']}:/root/.ssh/authorized_keys"
                      + (" (and the file, which the bench made)" if made_file else ""))


def githubixx_interface(hub):
    return f"gx-{hub}"[:15]  # Linux takes 15 characters


def githubixx_playbook(lab, role, workdir):
    """A playbook applying githubixx/ansible-role-wireguard (checkout ROLE) once per hub with a tunnel: the hub and
    every spoke, as the collection's hub-and-spoke (hub .1, spoke .(10 + site_id), spokes reach each other via the hub)."""
    plays = []
    for tunnel, hub in enumerate(lab.tunnel_hubs(), start=1):
        subnet = GITHUBIXX_SUBNET.format(tunnel=tunnel)
        prefix = subnet.rsplit(".", 1)[0]
        is_hub = f"inventory_hostname == '{hub}'"
        # Only the hub has a port: the role's template gives every peer with a port an Endpoint, by name if need be,
        # and spokes behind CGNAT have none.
        hub_port = [{"name": "The hub's port", "ansible.builtin.set_fact": {"wireguard_port": GITHUBIXX_PORT + tunnel - 1},
                     "when": is_hub}]
        plays.append({
            "name": f"githubixx/ansible-role-wireguard, tunnel {githubixx_interface(hub)}",
            "hosts": f"{hub}:spokes",
            "become": True,
            "gather_facts": False,
            "pre_tasks": [{"name": "The role's variables for this tunnel (host facts: its template reads them from hostvars)",
                           "ansible.builtin.set_fact": {
                               "wireguard_interface": githubixx_interface(hub),
                               "wireguard_install_kernel_module": False,
                               "wireguard_update_cache": False,
                               "wireguard_address": f"{prefix}.{{{{ 1 if {is_hub} else 10 + site_id | int }}}}/24",
                               "wireguard_endpoint": f"{{{{ '{lab.hosts[hub]['address']}' if {is_hub} else '' }}}}",
                               "wireguard_as_spoke": f"{{{{ not ({is_hub}) }}}}",
                               "wireguard_persistent_keepalive": 25,
                               "wireguard_allowed_ips": f"{{{{ '{subnet}' if {is_hub} else '{prefix}.' ~ (10 + site_id | int) ~ '/32' }}}}",
                           }}] + hub_port,
            "roles": [{"role": role}],
        })
    path = os.path.join(workdir, "githubixx.yml")
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(plays, handle, sort_keys=False, width=1000)
    return path


def githubixx_teardown(lab):
    """Stop and remove the role's interfaces and configuration files on every host."""
    units = " ".join(f"wg-quick@{githubixx_interface(hub)}.service" for hub in lab.tunnel_hubs())
    for host in lab.hosts.values():
        run(["docker", "exec", host["container"], "sh", "-c",
             f"systemctl disable --now {units} 2>/dev/null; systemctl reset-failed {units} 2>/dev/null; rm -f /etc/wireguard/gx-*.conf"])
    print(f"githubixx removed: {units} stopped and disabled, /etc/wireguard/gx-*.conf deleted on every host")


def parse_latencies(text, runs):
    """'0,50,300/1' -> [(0, RUNS), (50, RUNS), (300, 1)]: each RTT in ms, optionally /RUNS of its own."""
    latencies = []
    for item in text.split(","):
        rtt, _slash, own_runs = item.partition("/")
        latencies.append((float(rtt), int(own_runs) if own_runs else runs))
    return latencies


def timed_runs(runner, playbook, count, connection, rtt_ms, overlays=(), relay=None):
    """COUNT runs of PLAYBOOK, each of which must change nothing; with RELAY, the connections each run made through it."""
    seconds, counts, relay_connections, loads = [], [], [], []
    for _run in range(count):
        # The machine may be shared: its 1-minute load average at the start of each run goes with the run's time.
        loads.append(os.getloadavg()[0])
        connections_before = relay.connections if relay else 0
        wall, per_host = runner.play(playbook, overlays)
        if relay:
            relay_connections.append(relay.connections - connections_before)
        changed = changes(per_host)
        if changed:
            raise BenchError(f"a timed run of {playbook} over {connection} changed something (the lab is not converged): {'; '.join(changed)}")
        seconds.append(wall)
        counts.append({host: count["remote_executions"] for host, count in per_host.items()})
    return {"playbook": playbook, "connection": connection, "rtt_ms": rtt_ms, "seconds": seconds, "remote_executions": counts,
            "relay_connections": relay_connections, "load_average": loads}


def relay_check(lab, key_file, rtt_ms):
    """What a relay adds at RTT_MS: an echo through a relay of its own on loopback, and `ssh HOST true` (no master)
    through the lab's relays, already at RTT_MS, to the first host."""
    first_exchange, round_trip = latency_relay.echo_round_trip_ms(rtt_ms)
    host = next(iter(lab.hosts.values()))
    command = ["ssh", *SSH_OPTIONS.split(), "-o", "ControlMaster=no", "-o", "ControlPath=none", "-o", "BatchMode=yes",
               "-o", "LogLevel=ERROR", "-i", key_file, f"root@{host['relay']}", "true"]
    times = []
    for _check in range(SSH_CHECKS):
        start = time.monotonic()
        completed = run(command)
        times.append(time.monotonic() - start)
        if completed.returncode:
            raise BenchError(f"ssh through the relay to {host['container']} failed: {completed.stderr.strip()}")
    return {"rtt_ms": rtt_ms, "echo_connect_and_first_ms": first_exchange, "echo_round_trip_ms": round_trip,
            "ssh_true_host": next(iter(lab.hosts)), "ssh_true_seconds": statistics.median(times)}


def measure_ssh(lab, runner, args, latencies, workdir):
    """Set up key, relays and firewall sources; time every playbook at every latency; undo the setup. Prints as it goes."""
    key_file = os.path.join(workdir, "id_ed25519")
    keygen = run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", KEY_COMMENT, "-f", key_file])
    if keygen.returncode:
        raise BenchError(f"ssh-keygen failed: {keygen.stderr.strip()}")
    with open(key_file + ".pub", encoding="utf-8") as handle:
        public_key = handle.read()
    routes = {(host["relay"], 22): (host["address"], 22) for host in lab.hosts.values()}
    firewall = firewall_overlay(lab, workdir)
    overlays = (firewall, ssh_overlay(lab, workdir, key_file))
    relays = ", ".join(f"{listen[0]}:22 -> {target[0]}:22" for listen, target in routes.items())
    print(f"setup (undone at the end): a throwaway ed25519 key in each container's /root/.ssh/authorized_keys (docker exec); relays {relays}")
    results, checks = [], []
    with AuthorizedKey(lab, public_key):
        relay = latency_relay.LatencyRelay(routes)
        try:
            relay.start()
        except OSError as error:
            raise BenchError(f"cannot listen for the relays ({error}): a port is taken; `ss -ltnp` shows by what") from None
        try:
            for spoke in lab.firewalled_spokes():
                print(f"  {spoke}: spoke_firewall_ssh_sources + {lab.hosts[spoke]['bridge']}/32 (the relay's source), by a docker run of"
                      " site.yml on it (not timed)")
            if lab.firewalled_spokes():
                _seconds, counts = runner.play("site", (firewall,), limit=",".join(lab.firewalled_spokes()))
                print(f"    changed: {'; '.join(changes(counts)) or 'nothing'}")
            _seconds, counts = runner.play("site", overlays)
            print(f"  first SSH run of site.yml at 0 ms (not timed), changed: {'; '.join(changes(counts)) or 'nothing'}")
            for rtt_ms, runs in latencies:
                relay.set_rtt(rtt_ms)
                checks.append(relay_check(lab, key_file, rtt_ms))
                for playbook in args.playbooks:
                    results.append(timed_runs(runner, playbook, runs, "ssh", rtt_ms, overlays, relay))
                    print_result(results[-1])
        finally:
            relay.stop()
            print("restoring: relays stopped; docker run of site.yml on", ", ".join(lab.firewalled_spokes()) or "no host", end="", flush=True)
            if lab.firewalled_spokes():
                _seconds, counts = runner.play("site", limit=",".join(lab.firewalled_spokes()))
                print(f", changed: {'; '.join(changes(counts)) or 'nothing'}", end="")
            print()
    return results, checks


def print_result(result):
    per_run = [sum(counts.values()) for counts in result["remote_executions"]]
    first = result["remote_executions"][0]
    steady = "" if len(set(per_run)) == 1 else f"  (totals differ between runs: {per_run})"
    rtt = "-" if result["rtt_ms"] is None else f"{result['rtt_ms']:g} ms"
    print(f"  {result['playbook']:<10} {result['connection']:<7} {rtt:>7} {len(result['seconds']):>5}"
          f"         {min(first.values()):>3} - {max(first.values()):<3}"
          f" {statistics.median(result['seconds']):>14.1f} s {min(result['seconds']):>6.1f} s {max(result['seconds']):>6.1f} s"
          f"   {min(result['load_average']):4.1f}-{max(result['load_average']):<4.1f}"
          f"   {','.join(map(str, result['relay_connections'])) or '-'}{steady}",
          flush=True)


def print_detail(results, hosts):
    columns = [(r["playbook"], r["connection"], r["rtt_ms"]) for r in results]
    names = [f"{p} {c}" + ("" if rtt is None else f" {rtt:g}ms") for p, c, rtt in columns]
    width = max(len(name) for name in names + ["host"])
    print("remote task executions per host (every run of a column counted alike unless shown as min-max):")
    print("  " + "host".ljust(12) + "".join(name.rjust(width + 2) for name in names))
    for host in hosts:
        cells = []
        for result in results:
            values = sorted({counts.get(host, 0) for counts in result["remote_executions"]})
            cells.append(str(values[0]) if len(values) == 1 else f"{values[0]}-{values[-1]}")
        print("  " + host.ljust(12) + "".join(cell.rjust(width + 2) for cell in cells))


def print_round_trips(results):
    """Per playbook over SSH, the wall time the RTT adds between the lowest and highest RTT, per ms: the number of
    round trips on the run's critical path (hosts wait for each other at every task)."""
    for playbook in dict.fromkeys(result["playbook"] for result in results):
        ssh = sorted((r for r in results if r["playbook"] == playbook and r["connection"] == "ssh"), key=lambda r: r["rtt_ms"])
        if len(ssh) < 2 or ssh[-1]["rtt_ms"] == ssh[0]["rtt_ms"]:
            continue
        low, high = ssh[0], ssh[-1]
        per_ms = (statistics.median(high["seconds"]) - statistics.median(low["seconds"])) / (high["rtt_ms"] - low["rtt_ms"])
        print(f"  {playbook}: {per_ms:.3f} s per ms of RTT between {low['rtt_ms']:g} and {high['rtt_ms']:g} ms (medians):"
              f" {per_ms * 1000:.0f} round trips on the critical path")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", default=os.path.dirname(BENCH), help="the checkout whose playbooks run (default: this one)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--latencies", default="0,50,300", help="SSH link RTTs in ms, each optionally /RUNS: 0,50,300/1")
    parser.add_argument("--playbooks", default="site,wireguard", help=f"some of {','.join(PLAYBOOKS)}")
    connection = parser.add_mutually_exclusive_group()
    connection.add_argument("--docker-only", action="store_true")
    connection.add_argument("--ssh-only", action="store_true")
    parser.add_argument("--json", help="also write every figure to this file")
    parser.add_argument("--githubixx", metavar="PATH", help="also time githubixx/ansible-role-wireguard, a checkout at PATH")
    args = parser.parse_args()
    args.tree = os.path.abspath(args.tree)
    args.playbooks = args.playbooks.split(",")
    if args.githubixx:
        args.githubixx = os.path.abspath(args.githubixx)
        if not os.path.isfile(os.path.join(args.githubixx, "tasks", "main.yml")):
            parser.error(f"--githubixx {args.githubixx}: not a checkout of the role (no tasks/main.yml)")
        PLAYBOOKS["githubixx"] = "githubixx/ansible-role-wireguard"  # its playbook is written into the run's temporary directory
        args.playbooks.append("githubixx")
    unknown = [playbook for playbook in args.playbooks if playbook not in PLAYBOOKS]
    if unknown:
        parser.error(f"unknown playbooks {unknown}; known: {', '.join(PLAYBOOKS)}")

    try:
        latencies = parse_latencies(args.latencies, args.runs)
    except ValueError:
        parser.error(f"--latencies {args.latencies}: RTTs in ms separated by commas, each optionally /RUNS")
    try:
        lab = Lab(args.tree)
        lab.check_up()
        commit = run(["git", "-C", args.tree, "rev-parse", "--short", "HEAD"]).stdout.strip()
        if run(["git", "-C", args.tree, "status", "--porcelain", "--untracked-files=no"]).stdout.strip():
            commit += " with uncommitted changes"
        print(f"no-op runs of {', '.join(PLAYBOOKS[p] for p in args.playbooks)} from {args.tree} ({commit}), --limit {LIMIT},"
              f" {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs")
        print(COUNTED)
        print("  playbook   conn.       RTT  runs  remote execs/host  wall time: median    min      max   load avg    relay connections per run")
        print("                                         min - max")
        results, checks = [], []
        with tempfile.TemporaryDirectory(prefix="noop-bench-") as workdir:
            runner = Runner(args.tree, workdir)
            try:
                if args.githubixx:
                    PLAYBOOKS["githubixx"] = githubixx_playbook(lab, args.githubixx, workdir)
                    _seconds, counts = runner.play("githubixx")
                    print(f"  githubixx converged once (not timed), changed: {'; '.join(changes(counts)) or 'nothing'}")
                if not args.ssh_only:
                    for playbook in args.playbooks:
                        results.append(timed_runs(runner, playbook, args.runs, "docker", None))
                        print_result(results[-1])
                if not args.docker_only:
                    ssh_results, checks = measure_ssh(lab, runner, args, latencies, workdir)
                    results += ssh_results
            finally:
                if args.githubixx:
                    githubixx_teardown(lab)
    except BenchError as error:
        sys.exit(f"noop bench: {error}")

    print_detail(results, list(lab.hosts))
    if any(result["connection"] == "ssh" for result in results):
        print("wall time added by the link:")
        print_round_trips(results)
    if checks:
        print(f"relay check (latency_relay.py): echo on loopback (connect + first exchange, then median round trip of 5);"
              f" `ssh {checks[0]['ssh_true_host']} true` without a master, median of {SSH_CHECKS}:")
        for check in checks:
            print(f"  RTT {check['rtt_ms']:>4g} ms   echo first {check['echo_connect_and_first_ms']:7.1f} ms   round trip"
                  f" {check['echo_round_trip_ms']:6.1f} ms   ssh true {check['ssh_true_seconds']:5.2f} s")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"tree": args.tree, "commit": commit, "limit": LIMIT, "counted": COUNTED, "results": results,
                       "relay_checks": checks}, handle, indent=1)


if __name__ == "__main__":
    main()
