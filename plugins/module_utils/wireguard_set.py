# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Applying a peer plan (wireguard_peer_plan) to a live interface with one C(wg set) call.

build_set_arguments turns the plan into the arguments (pure); apply_changes writes the preshared keys
to files in a private directory under /run, runs the call and removes the files. Preshared keys never
go on a command line, and an error from wg is shown with every secret masked.
"""

from __future__ import annotations

import os
import shutil
import tempfile

from ansible_collections.multisite.vpn.plugins.module_utils.redaction import mask_values
from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_key import WireGuardError
from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_peer_plan import FIELDS

# Where the preshared-key files for `wg set` are made: /run is a tmpfs, so keys never reach a disk.
# Tests point this elsewhere; it is read at call time.
SECRET_DIR_PARENTS = ("/run",)


def build_set_arguments(interface: str, plan: dict, secret_dir: str) -> tuple[list[str], dict[str, str]]:
    """Return the arguments of one C(wg set) call for PLAN, and the key files it reads (path -> key).

    Removed peers come first, so that their addresses are free before other peers take them. Only
    added and changed peers appear, with only their changed fields: unchanged peers are not touched.
    Preshared keys are passed as paths of files in SECRET_DIR, never as values; C(/dev/null) clears one.
    """
    arguments = ["set", interface]
    files = {}
    for key in plan["removed"]:
        arguments.extend(["peer", key, "remove"])
    added = set(plan["added"])
    for peer in plan["desired"]:
        key = peer["public_key"]
        if key in added:
            fields = [field for field in FIELDS if peer[field]]
        elif key in plan["updated"]:
            fields = plan["updated"][key]
        else:
            continue
        arguments.extend(["peer", key])
        for field in fields:
            value = peer[field]
            if field == "preshared_key":
                if value is None:
                    path = os.devnull
                else:
                    path = os.path.join(secret_dir, "psk-%d" % len(files))
                    files[path] = value
                arguments.extend(["preshared-key", path])
            elif field == "endpoint":
                arguments.extend(["endpoint", value])
            elif field == "persistent_keepalive":
                arguments.extend(["persistent-keepalive", str(value) if value else "off"])
            else:
                arguments.extend(["allowed-ips", ",".join(value)])
    return arguments, files


def make_secret_dir() -> str:
    """Return a new private directory (mode 0700) for key files, under /run when possible."""
    for parent in SECRET_DIR_PARENTS:
        if os.path.isdir(parent):
            try:
                return tempfile.mkdtemp(prefix="wireguard-peer-", dir=parent)
            except OSError:
                continue
    return tempfile.mkdtemp(prefix="wireguard-peer-")


def write_secret(path: str, value: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as secret:
        secret.write(value + "\n")


def apply_changes(module, wg: str, interface: str, plan: dict, secrets=()) -> None:
    """Run the one C(wg set) call for PLAN; key files live only for the duration of the call."""
    secret_dir = make_secret_dir()
    try:
        arguments, files = build_set_arguments(interface, plan, secret_dir)
        for path, value in files.items():
            write_secret(path, value)
        rc, _out, err = module.run_command([wg] + arguments)
    finally:
        shutil.rmtree(secret_dir, ignore_errors=True)
    if rc != 0:
        raise WireGuardError("`wg set %s` failed (exit %d): %s" % (interface, rc, mask_values(err, secrets).strip()))
