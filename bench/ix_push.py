# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark, not a test: multisite.vpn's IX push at several router latencies, and a plain netmiko fetch.

Against the IX emulator on loopback (seed 004's Tokyo configuration), over SSH and over telnet, with the
emulator's prompt coming 0, 40 and 250 ms after the echo of each typed line: the wall time of a push that
has nothing to do, and of a push that adds one line (typed, checked, fresh login, saved). At 0 ms, plain
netmiko (ConnectHandler with fast_cli, configuration mode, `show running-config`, disconnect) for scale.
Median of --runs runs.

    . .venv/bin/activate
    python bench/ix_push.py --runs 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "collections"))

# pylint: disable=wrong-import-position
from netmiko import ConnectHandler

from ansible_collections.multisite.vpn.plugins.module_utils.ix_arguments import TRANSPORTS
from ansible_collections.multisite.vpn.plugins.plugin_utils.ix_push import push
from ansible_collections.multisite.vpn.ix_emulator import Device
from ansible_collections.multisite.vpn.ix_emulator.server import LOOPBACK, serve
from ansible_collections.multisite.vpn.ix_emulator.ssh import generate_host_key
from ansible_collections.multisite.vpn.ix_emulator.terminal import Pacing
from ansible_collections.multisite.vpn.tests.data.ix import TOKYO

PASSWORD = "bench-password"
MANAGEMENT = f"username admin password plain {PASSWORD} administrator\n"
LATENCIES_MS = (0, 40, 250)


def timed(action):
    start = time.monotonic()
    action()
    return time.monotonic() - start


def fetch_only(params):
    connection = ConnectHandler(
        device_type=TRANSPORTS[params["transport"]], host=params["host"], port=params["port"],
        username=params["username"], password=params["password"], fast_cli=True, ssh_strict=False,
        use_keys=False, allow_agent=False,
    )
    connection.config_mode()
    connection.send_command("show running-config")
    connection.disconnect()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")  # finite-field DH, as the router uses
    config = TOKYO + MANAGEMENT
    host_key = generate_host_key()
    print(f"seed 004 Tokyo configuration on the IX emulator, median of {args.runs} runs:")
    for transport in ("ssh", "telnet"):
        for latency in LATENCIES_MS:
            device = Device.from_running_config(config)
            with tempfile.TemporaryDirectory() as backups, serve(device, host_key=host_key, pacing=Pacing(echo_to_prompt=latency / 1000)) as ports:
                params = {
                    "transport": transport, "host": LOOPBACK, "port": getattr(ports, transport), "username": "admin",
                    "password": PASSWORD, "config": config, "save_when": "changed", "update_secrets": False,
                    "takeover": False, "allow_management_change": False, "authoritative_blocks": [".*"],
                    "backup_dir": backups, "timeout": 30, "delay_factor": 1.0, "management_address": None,
                }
                no_op = statistics.median(timed(lambda p=params: push(p)) for run_number in range(args.runs))
                sent = []
                one_line = statistics.median(
                    timed(lambda number=run_number: sent.append(push(dict(params, config=config + f"ip route 10.{number}.0.0/16 Null0.0\n"))))
                    for run_number in range(args.runs)
                )
                fetch = statistics.median(timed(lambda p=params: fetch_only(p)) for run_number in range(args.runs)) if latency == 0 else None
            sends = sorted({len(result["commands"]) for result in sent})
            print(f"  {transport:<6} prompt +{latency:>3} ms   no-op push {no_op:5.2f} s   one-line change {one_line:5.2f} s"
                  f" (lines sent per run {sends}, saved {all(result['saved'] for result in sent)})"
                  + (f"   netmiko fetch {fetch:5.2f} s" if fetch is not None else ""))


if __name__ == "__main__":
    main()
