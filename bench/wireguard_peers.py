# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark, not a test: multisite.vpn.wireguard_peer against the template + `wg syncconf` way.

On one lab host (hub-vultr, which no tunnel uses) a throwaway interface gets N peers; then each way
makes the same three changes: none (a re-run), one peer more, one peer's allowed-ips changed. Times are
task durations from Ansible's JSON callback (connection included, playbook start-up excluded), the
median of --runs runs. The module's no-op is also timed at N/4 and N/2 to show how cost grows with N.

    . .venv/bin/activate && sudo ./scripts/lab-up       # a lab must be up
    python bench/wireguard_peers.py --peers 1000 --runs 3
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import tempfile

import lab_play

HOST = "hub-vultr"
INTERFACE = "wg-bench"
RUN_DIR = "/run/multisite-vpn-bench"


def random_key():
    return base64.b64encode(os.urandom(32)).decode()


def make_peers(count, first=0):
    """COUNT peers with random public keys and one /32 each in 10.200.0.0/16, from the FIRST-th /32 on."""
    return [
        {"public_key": random_key(), "allowed_ips": [f"10.200.{i // 250}.{i % 250 + 1}/32"]}
        for i in range(first, first + count)
    ]


def wg_config(peers):
    lines = []
    for peer in peers:
        lines += ["[Peer]", f"PublicKey = {peer['public_key']}", f"AllowedIPs = {', '.join(peer['allowed_ips'])}", ""]
    return "\n".join(lines)


def run_play(tasks, workdir):
    """Run one play of TASKS on HOST; return the duration in seconds of each task."""
    return [task["seconds"] for task in lab_play.run_play({"hosts": HOST, "gather_facts": False, "tasks": tasks}, workdir)]


def module_task(peers):
    return {
        "multisite.vpn.wireguard_peer": {
            "interface": INTERFACE, "peers": peers, "exclusive": True, "config_path": f"{RUN_DIR}/{INTERFACE}.peers.conf",
        }
    }


def syncconf_tasks(peers, workdir, name):
    """The file way: render the whole peer list, copy it, `wg syncconf` the interface to it."""
    source = os.path.join(workdir, name)
    with open(source, "w", encoding="utf-8") as handle:
        handle.write(wg_config(peers))
    return [
        {"ansible.builtin.copy": {"src": source, "dest": f"{RUN_DIR}/{INTERFACE}.conf", "mode": "0600"}},
        {"ansible.builtin.command": f"wg syncconf {INTERFACE} {RUN_DIR}/{INTERFACE}.conf", "changed_when": True},
    ]


def median_of(runs, make):
    return statistics.median(sum(make()) for run_number in range(runs))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peers", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as workdir:
        setup = (
            f"mkdir -p {RUN_DIR}; ip link del {INTERFACE} 2>/dev/null; "
            f"ip link add {INTERFACE} type wireguard 2>/dev/null || wireguard-go {INTERFACE}; "
            f"wg genkey > {RUN_DIR}/{INTERFACE}.key; wg set {INTERFACE} private-key {RUN_DIR}/{INTERFACE}.key; "
            f"ip link set {INTERFACE} up"
        )
        run_play([{"ansible.builtin.shell": setup}], workdir)
        try:
            figures = {}
            base = make_peers(args.peers)
            plus_one = base + make_peers(1, first=args.peers)
            changed = [dict(peer) for peer in plus_one]
            changed[0] = {**changed[0], "allowed_ips": ["10.201.0.1/32"]}

            # The floor every task pays here: the docker connection, copying a module over, starting Python.
            figures["ansible.builtin.ping (the per-task floor)"] = median_of(
                args.runs, lambda: run_play([{"ansible.builtin.ping": {}}], workdir)
            )
            for share in (4, 2, 1):
                subset = base[: args.peers // share]
                run_play([module_task(subset)], workdir)
                figures[f"module no-op, {len(subset)} peers"] = median_of(args.runs, lambda s=subset: run_play([module_task(s)], workdir))

            for label, before, after in (("no-op", base, base), ("+1 peer", base, plus_one), ("1 allowed-ips changed", plus_one, changed)):
                def module_change(before=before, after=after):
                    run_play([module_task(before)], workdir)
                    return run_play([module_task(after)], workdir)

                def syncconf_change(before=before, after=after):
                    run_play(syncconf_tasks(before, workdir, "before.conf"), workdir)
                    return run_play(syncconf_tasks(after, workdir, "after.conf"), workdir)

                figures[f"module, {label}"] = median_of(args.runs, module_change)
                figures[f"template+syncconf, {label}"] = median_of(args.runs, syncconf_change)
        finally:
            run_play([{"ansible.builtin.shell": f"ip link del {INTERFACE}; rm -rf {RUN_DIR}"}], workdir)

    width = max(map(len, figures))
    print(f"{args.peers} peers on {HOST}, median of {args.runs} runs, task time (connection included;"
          " the file way is two tasks):")
    for label, seconds in figures.items():
        print(f"  {label:<{width}}  {seconds:6.2f} s")
    for label in ("no-op", "+1 peer", "1 allowed-ips changed"):
        ratio = figures[f"template+syncconf, {label}"] / figures[f"module, {label}"]
        print(f"  template+syncconf / module, {label}: {ratio:.2f}")
    quarter, half, whole = (figures[f"module no-op, {n} peers"] for n in (args.peers // 4, args.peers // 2, args.peers))
    print(f"  module no-op per 1000 peers between N/4 and N: {(whole - quarter) / (args.peers * 3 / 4) * 1000:.2f} s"
          f" (N/4 {quarter:.2f} s, N/2 {half:.2f} s, N {whole:.2f} s)")


if __name__ == "__main__":
    main()
