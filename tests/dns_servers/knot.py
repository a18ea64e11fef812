# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Knot DNS (Debian package knot): knot.conf for a test server, and its count of UPDATE messages."""

from __future__ import annotations

import re
import subprocess

from .config import SELF_KEY_TYPES, ServerConfig
from .programs import find_program

PACKAGE = "knot"
DAEMON = "knotd"
# Counters come through the control socket, a file in the directory: no extra port.
STATISTICS_CHANNEL = False
UPDATE_COUNT = re.compile(r"^mod-stats\.server-operation\[update\] = (\d+)$", re.MULTILINE)


def command(config: ServerConfig) -> list[str]:
    """Write knot.conf into the server's directory; the command that runs knotd on it in the foreground."""
    config_file = config.directory / "knot.conf"
    config_file.write_text(_config_text(config))
    (config.directory / "db").mkdir(exist_ok=True)
    return [find_program(DAEMON, PACKAGE), "-c", str(config_file)]


def updates_received(config: ServerConfig) -> int:
    """UPDATE messages received since knotd started, whatever their fate (signed or not, any zone), from mod-stats."""
    stats = subprocess.run(
        # knot.sock in rundir is knotd's default control socket.
        [find_program("knotc", PACKAGE), "-s", str(config.directory / "knot.sock"), "stats", "mod-stats.server-operation"],
        capture_output=True,
        text=True,
        check=True,
        timeout=10,
    ).stdout
    # A counter that never moved is not listed at all.
    match = UPDATE_COUNT.search(stats)
    return int(match.group(1)) if match else 0


def _config_text(config: ServerConfig) -> str:
    keys = "".join(f"  - id: {name}\n    algorithm: {algorithm}\n    secret: {secret}\n" for name, (algorithm, secret) in config.keys.items())
    acls = [f"  - id: {config.zone_key}-updates\n    key: {config.zone_key}\n    action: update\n"]
    # A relative update-owner-name is taken relative to each zone (Knot >= 3.0), like a self key's owner here.
    acls += [
        f"  - id: {key}-updates\n"
        f"    key: {key}\n"
        "    action: update\n"
        "    update-owner: name\n"
        f"    update-owner-name: [{owner}]\n"
        "    update-owner-match: equal\n"
        f"    update-type: [{', '.join(SELF_KEY_TYPES)}]\n"
        for owner, key in config.self_keys.items()
    ]
    acl_ids = ", ".join([f"{config.zone_key}-updates", *(f"{key}-updates" for key in config.self_keys.values())])
    zones = "".join(f"  - domain: {zone}\n    file: {config.zone_file(zone).name}\n" for zone in config.zones)
    return (
        "server:\n"
        f"    rundir: {config.directory}\n"
        f"    listen: {config.address}@{config.port}\n"
        "    udp-workers: 1\n"
        "    tcp-workers: 1\n"
        "    background-workers: 1\n"
        "log:\n"
        "  - target: stderr\n"
        # debug adds one 'ACL, allowed|denied' line per UPDATE and the TSIG failures: what a failing test needs.
        "    any: debug\n"
        "database:\n"
        f"    storage: {config.directory / 'db'}\n"
        "key:\n"
        f"{keys}"
        "acl:\n"
        f"{''.join(acls)}"
        # Counts every request by operation (query, update, ...), read with knotc over the control socket.
        "mod-stats:\n"
        "  - id: operations\n"
        "    server-operation: on\n"
        "template:\n"
        "  - id: default\n"
        f"    storage: {config.directory}\n"
        "    global-module: mod-stats/operations\n"
        f"    acl: [{acl_ids}]\n"
        # Every update is written back to the zone file at once, so a restarted server serves it.
        "    zonefile-sync: 0\n"
        "zone:\n"
        f"{zones}"
    )
