# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark, not a test: multisite.vpn's IX push against a plain `show running-config` fetch.

Against the IX emulator on loopback (seed 004's Tokyo configuration), over SSH and over telnet: the
wall time of a push that has nothing to do, next to plain netmiko (ConnectHandler, configuration mode,
`show running-config`, disconnect); then the commands a one-line change sends. Median of --runs runs.

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

from ansible_collections.multisite.vpn.plugins.module_utils.ix_push_arguments import TRANSPORTS
from ansible_collections.multisite.vpn.plugins.plugin_utils.ix_push import push
from ansible_collections.multisite.vpn.ix_emulator import Device
from ansible_collections.multisite.vpn.ix_emulator.server import LOOPBACK, serve
from ansible_collections.multisite.vpn.tests.data.ix import TOKYO

PASSWORD = "bench-password"
MANAGEMENT = f"username admin password plain {PASSWORD} administrator\n"
ONE_LINE = "ip route 10.0.0.0/8 Null0.0"


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
    print(f"seed 004 Tokyo configuration on the IX emulator, median of {args.runs} runs:")
    for transport in ("ssh", "telnet"):
        with tempfile.TemporaryDirectory() as backups, serve(Device.from_running_config(config)) as ports:
            params = {
                "transport": transport, "host": LOOPBACK, "port": getattr(ports, transport), "username": "admin",
                "password": PASSWORD, "config": config, "save_when": "changed", "update_secrets": False,
                "takeover": False, "allow_management_change": False, "authoritative_blocks": [".*"],
                "backup_dir": backups, "timeout": 30,
            }
            fetch = statistics.median(timed(lambda p=params: fetch_only(p)) for run_number in range(args.runs))
            no_op = statistics.median(timed(lambda p=params: push(p)) for run_number in range(args.runs))
            change = push(dict(params, config=config + ONE_LINE + "\n"))
        print(f"  {transport:<6} netmiko fetch {fetch:5.2f} s   no-op push {no_op:5.2f} s   ratio {no_op / fetch:4.2f}   "
              f"one-line change sent {change['commands']}, saved: {change['saved']}")


if __name__ == "__main__":
    main()
