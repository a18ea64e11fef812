# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A host publishing its own names between Ansible runs (role multisite.vpn.dns_publish, systemd timer).

Each run reads the addresses the configuration points at (interface or URL). When they are the ones
last published and that was less than `refresh` seconds ago, it stops there, without asking the
provider: a run every few seconds costs the DNS server or API nothing. Otherwise it runs ensure() with
the addresses, exactly what the dns_record module does, and notes what it published. The `refresh`
makes it repair, within that time, a record someone changed by hand.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time

from ansible_collections.multisite.vpn.plugins.module_utils.dns.address import source_addresses
from ansible_collections.multisite.vpn.plugins.module_utils.dns.ensure import DEFAULT_TIMEOUT, ensure
from ansible_collections.multisite.vpn.plugins.module_utils.dns.records import DnsError, check_spec, record_spec_list
from ansible_collections.multisite.vpn.plugins.module_utils.files import FileWriteError, replace_file

DEFAULT_REFRESH = 3600
SECRET_OPTIONS = ("key_secret", "api_token")


def run_command(argv: list[str]) -> tuple[int, str, str]:
    try:
        completed = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        return 1, "", str(err)
    return completed.returncode, completed.stdout, completed.stderr


def with_addresses(params: dict, run) -> dict:
    """PARAMS with every address_from replaced by the addresses it gives now, in `records` form."""
    timeout = params.get("timeout") or DEFAULT_TIMEOUT
    records = []
    for prefix, spec in record_spec_list(params):
        check_spec(prefix, spec)
        spec = dict(spec)
        source = spec.pop("address_from", None)
        if source is not None and spec["state"] == "present":
            spec["values"] = source_addresses(source, spec.get("type"), run, timeout, prefix + "address_from")
        records.append(spec)
    resolved = {key: value for key, value in params.items() if key not in ("name", "type", "values", "address_from")}
    resolved["records"] = records
    return resolved


def fingerprint(params: dict) -> str:
    """A digest of what is to be published; secrets are left out of it."""
    public = {key: value for key, value in params.items() if key not in SECRET_OPTIONS}
    return hashlib.sha256(json.dumps(public, sort_keys=True).encode("utf-8")).hexdigest()


def read_json(path: str) -> dict:
    with open(path, encoding="utf-8") as json_file:
        data = json.load(json_file)
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return data


def main(config_path: str, state_path: str, run=run_command, now=time.time, out=sys.stdout, err=sys.stderr) -> int:
    """Publish when needed; 0 when done or nothing to do, 1 on a DNS problem, 2 on a bad configuration."""
    try:
        config = read_json(config_path)
        params, refresh = config["params"], int(config.get("refresh", DEFAULT_REFRESH))
    except (OSError, ValueError, KeyError, TypeError) as problem:
        err.write("cannot read the configuration %s: %s\n" % (config_path, problem))
        return 2
    try:
        resolved = with_addresses(params, run)
    except DnsError as problem:
        err.write("%s\n" % problem)
        return 1
    digest = fingerprint(resolved)
    try:
        state = read_json(state_path)
    except (OSError, ValueError):
        state = {}
    if state.get("fingerprint") == digest and 0 <= now() - float(state.get("published_at", 0)) < refresh:
        return 0
    try:
        result = ensure(resolved, run_command=run)
    except DnsError as problem:
        err.write("%s\n" % problem)
        return 1
    for record in result["records"]:
        if record["action"] != "none":
            before = ", ".join(record["before"]["values"]) if record["before"] else "nothing"
            after = ", ".join(record["after"]["values"]) if record["after"] else "nothing"
            out.write("%s %s: %s -> %s\n" % (record["name"], record["type"], before, after))
    try:
        replace_file(state_path, json.dumps({"fingerprint": digest, "published_at": now()}).encode("utf-8"), 0o600, 0o755)
    except FileWriteError as problem:
        err.write("published, but cannot note it: %s\n" % problem)
    return 0
