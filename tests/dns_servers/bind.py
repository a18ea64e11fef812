# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""BIND 9 (Debian package bind9): named.conf for a test server, and its count of UPDATE messages."""

from __future__ import annotations

import json
import urllib.request

import dns.name

from .config import SELF_KEY_TYPES, ServerConfig
from .programs import find_program

PACKAGE = "bind9"
DAEMON = "named"
# named's counters are reachable only over a port (rndc's or HTTP's): a statistics channel on a second one.
STATISTICS_CHANNEL = True
# An empty proxy map: a proxy set in the environment must not see (or break) a request to the loopback.
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def command(config: ServerConfig) -> list[str]:
    """Write named.conf into the server's directory; the command that runs named on it in the foreground."""
    config_file = config.directory / "named.conf"
    config_file.write_text(_config_text(config))
    # -g: foreground, all logging to stderr; -n 1: one worker thread is plenty and starts faster.
    return [find_program(DAEMON, PACKAGE), "-g", "-4", "-n", "1", "-c", str(config_file)]


def updates_received(config: ServerConfig) -> int:
    """UPDATE messages received since named started, whatever their fate (signed or not, any zone).

    named logs nothing for an UPDATE that succeeds without changing anything (a prerequisite-only one), so the
    count comes from the statistics channel's per-opcode counter of incoming requests.
    """
    url = f"http://{config.address}:{config.statistics_port}/json/v1/server"
    with DIRECT.open(url, timeout=10) as response:
        return json.load(response)["opcodes"]["UPDATE"]


def _update_policy(config: ServerConfig, zone: dns.name.Name) -> str:
    # update-policy, not allow-update (the two cannot be combined); identities are key names, first match wins.
    grants = [f"grant {key} name {dns.name.from_text(owner, origin=zone)} {' '.join(SELF_KEY_TYPES)};" for owner, key in config.self_keys.items()]
    # ANY here means every type, SOA and NS included: the zone key may update anything.
    grants.append(f"grant {config.zone_key} zonesub ANY;")
    return " ".join(grants)


def _config_text(config: ServerConfig) -> str:
    keys = "".join(f'key "{name}" {{ algorithm {algorithm}; secret "{secret}"; }};\n' for name, (algorithm, secret) in config.keys.items())
    zones = "".join(
        f'zone "{zone}" {{ type primary; file "{config.zone_file(zone).name}"; update-policy {{ {_update_policy(config, zone)} }}; }};\n'
        for zone in config.zones
    )
    return (
        "options {\n"
        f'    directory "{config.directory}";\n'
        # Nothing outside the directory: Debian's defaults point at /run/named and /var/cache/bind.
        "    pid-file none;\n"
        "    session-keyfile none;\n"
        f'    managed-keys-directory "{config.directory}";\n'
        f"    listen-on port {config.port} {{ {config.address}; }};\n"
        "    listen-on-v6 { none; };\n"
        "    automatic-interface-scan no;\n"
        # Without SO_REUSEPORT a port someone else holds fails to bind (logged) instead of being shared.
        "    reuseport no;\n"
        # Only loopback traffic: no recursion, no NOTIFY to the NS, no trust-anchor maintenance.
        "    recursion no;\n"
        "    notify no;\n"
        "    dnssec-validation no;\n"
        "};\n"
        # No rndc channel: its default port 953 would be shared by every server of a test run.
        "controls { };\n"
        f"statistics-channels {{ inet {config.address} port {config.statistics_port} allow {{ {config.address}; }}; }};\n"
        f"{keys}"
        f"{zones}"
    )
