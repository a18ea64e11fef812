# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark, not a test: a no-op of multisite.vpn.dns_record against community.general.nsupdate.

On the lab's Knot server (zone lab.test, key lab-ddns), 500 record sets bench-000 ... bench-499 are made
first. Then, in one play on the controller, the same 50 of them are ensured by dns_record with `records:`
in one task and by community.general.nsupdate looped over the 50, both finding nothing to change; and
dns_record alone with 1, 50 and 500 record sets. Times are task durations from Ansible's JSON callback
(playbook start-up excluded), the median of --runs plays. The record sets are removed at the end.

    . .venv/bin/activate && sudo ./scripts/lab-up       # a lab must be up
    python bench/dns_records.py --runs 5
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile

import lab_play

SIZES = (1, 50, 500)
COMPARED = 50
# The lab's zone and key, as inventories/lab/group_vars/all.yml defines them.
CONNECTION = {
    "server": "{{ lab_dns_server }}", "zone": "{{ lab_zone }}", "key_name": "{{ lab_tsig_key_name }}",
    "key_secret": "{{ lab_tsig_secret }}", "key_algorithm": "hmac-sha256",
}


def address(index):
    return "198.18.%d.%d" % (index // 250, index % 250 + 1)


def records(count, state="present"):
    if state == "absent":
        return [{"name": "bench-%03d" % index, "type": "A", "state": "absent"} for index in range(count)]
    return [{"name": "bench-%03d" % index, "type": "A", "values": [address(index)]} for index in range(count)]


def dns_record_task(count, state="present"):
    return {"name": "dns_record %d" % count, "multisite.vpn.dns_record": dict(CONNECTION, ttl=300, records=records(count, state))}


def nsupdate_task(count):
    return {
        "name": "nsupdate %d" % count,
        "community.general.nsupdate": dict(CONNECTION, record="{{ item.name }}", type="A", value="{{ item['values'][0] }}", ttl=300),
        "loop": records(count),
        "loop_control": {"label": "{{ item.name }}"},
    }


def run_play(tasks, workdir):
    """Run one play of TASKS on the controller; return {task name: (duration in seconds, changed)}."""
    play = {"hosts": "localhost", "connection": "local", "gather_facts": False, "tasks": tasks}
    return {task["task"]["name"]: (task["seconds"], task["hosts"]["localhost"].get("changed", False))
            for task in lab_play.run_play(play, workdir, "-e", "ansible_python_interpreter=" + sys.executable)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        run_play([dns_record_task(max(SIZES))], workdir)
        try:
            timings = {}
            for _run in range(options.runs):
                tasks = [dns_record_task(COMPARED), nsupdate_task(COMPARED)] + [dns_record_task(size) for size in SIZES if size != COMPARED]
                for name, (seconds, changed) in run_play(tasks, workdir).items():
                    if changed:
                        sys.exit(f"{name} changed something on a run that should change nothing")
                    timings.setdefault(name, []).append(seconds)
        finally:
            run_play([dns_record_task(max(SIZES), state="absent")], workdir)
    median = {name: statistics.median(values) for name, values in timings.items()}
    module, looped = median["dns_record %d" % COMPARED], median["nsupdate %d" % COMPARED]
    print(f"no-op over {COMPARED} record sets on the lab's Knot, median of {options.runs} runs (task time):")
    print(f"  dns_record, records: in one task   {module:6.2f} s")
    print(f"  community.general.nsupdate, loop   {looped:6.2f} s")
    print(f"  ratio                              {module / looped:6.2f}")
    print("dns_record no-op alone:")
    for size in SIZES:
        print(f"  {size:4d} record sets   {median['dns_record %d' % size]:6.2f} s")


if __name__ == "__main__":
    main()
