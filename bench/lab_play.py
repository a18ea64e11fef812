# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Running one play against the lab and timing its tasks, for the benchmarks in this folder.

Times come from Ansible's JSON callback: each task's own duration, connection included and the
playbook's start-up excluded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_play(play: dict, workdir: str, *options: str) -> list[dict]:
    """Run PLAY (one play) with the lab inventory; return its tasks as the JSON callback gives them,
    each with `seconds` added. Exits with the failure messages when the play fails."""
    playbook = os.path.join(workdir, "play.json")
    with open(playbook, "w", encoding="utf-8") as handle:
        json.dump([play], handle)
    env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json", ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"))
    completed = subprocess.run(
        ["ansible-playbook", "-i", os.path.join(REPO, "inventories/lab"), *options, playbook],
        cwd=REPO, env=env, capture_output=True, text=True, check=False,
    )
    try:
        result = json.loads(completed.stdout)
    except ValueError:
        sys.exit(f"benchmark play failed:\n{completed.stdout[-2000:]}{completed.stderr[-2000:]}")
    tasks = result["plays"][0]["tasks"]
    if completed.returncode:
        messages = [host.get("msg", "") for task in tasks for host in task["hosts"].values()]
        sys.exit(f"benchmark play failed: {[message for message in messages if message]}")
    for task in tasks:
        duration = task["task"]["duration"]
        task["seconds"] = _seconds(duration["end"]) - _seconds(duration["start"])
    return tasks


def _seconds(stamp: str) -> float:
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()
