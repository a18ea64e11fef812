# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One nftables table of a host for the multisite.vpn.nft_table module: its input, the unit that loads it at
boot, the address this run's SSH session comes from, and the decision to load it.

Pure but for ssh_client_address (reads a /proc tree given as a parameter) and the few calls that take the
module (nft list, nft -c). Files are read and written with files.OwnedFile, the unit's state with systemd_unit.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tempfile

from ansible_collections.multisite.vpn.plugins.module_utils.prefixes import read_prefix

# Tests point this at a fake tree; the module reads it at call time.
PROC_ROOT = "/proc"

FILE_MODE = 0o644
UNIT_MODE = 0o644
DIRECTORY_MODE = 0o755

# nft's own identifiers start with a letter; this collection's tables hold letters, digits and _ only.
TABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
TABLE_NAME_MAX = 255
# A unit name systemd takes, without the template sign @ (this unit is a plain one).
UNIT_NAME = re.compile(r"[A-Za-z0-9_.:-]+\.service\Z")
UNIT_NAME_MAX = 255
# The path goes unquoted into ExecStart, where whitespace splits, quotes group, % and $ expand.
PATH_CHARACTERS = re.compile(r"/[A-Za-z0-9/._+@:-]*\Z")
# Walking up from the module's process stops at PID 1 or after this many parents.
MAX_ANCESTORS = 64

UNIT_TEMPLATE = """\
[Unit]
Description={description} (nftables table inet {name})
Wants=network-pre.target
Before=network-pre.target wg-quick.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart={nft} -f {path}

[Install]
WantedBy=multi-user.target
"""


class NftTableError(Exception):
    """A problem the user has to fix; the message starts with the option it concerns, or names the command."""


def check_name(name) -> list[str]:
    if not isinstance(name, str) or not TABLE_NAME.match(name) or len(name) > TABLE_NAME_MAX:
        return ["name: %r is not a table name this module takes; use letters, digits and _ only, starting with a"
                " letter or _ (for example multisite_vpn_hub)" % (name,)]
    return []


def defines_table(content: str, name: str) -> bool:
    """Whether CONTENT has a line `table inet NAME` (with or without a body): the table the module reads back."""
    pattern = re.compile(r"^\s*table\s+inet\s+%s(\s|\{|$)" % re.escape(name), re.MULTILINE)
    return bool(pattern.search(content))


def check_content(content, name: str) -> list[str]:
    if not isinstance(content, str) or not content.strip():
        return ["content: is empty; give the whole nft script of table inet %s" % name]
    if "\0" in content:
        return ["content: holds a NUL character; give the nft script as text"]
    if TABLE_NAME.match(name or "") and not defines_table(content, name):
        return ["content: has no line `table inet %s`; the script must define the table named by name (start it with"
                " `table inet %s` and `delete table inet %s`, so that loading it replaces that table only)" % (name, name, name)]
    return []


def check_path(path) -> list[str]:
    if not isinstance(path, str) or not path.startswith("/"):
        return ["path: %r is not an absolute path; give one such as /etc/multisite-vpn/hub.nft" % (path,)]
    if path.endswith("/") or not PATH_CHARACTERS.match(path) or "/../" in path + "/" or "/./" in path + "/":
        return ["path: %r cannot be written into the unit's ExecStart line as it is; use letters, digits and / . _ - + @ :"
                " only, no . or .. component, not ending in /" % path]
    return []


def check_unit(unit) -> list[str]:
    if not isinstance(unit, str) or "/" in unit or not UNIT_NAME.match(unit) or unit == ".service" or len(unit) > UNIT_NAME_MAX:
        return ["unit: %r is not a service unit name; give a name ending in .service, of letters, digits and . _ : -,"
                " without / (for example multisite-vpn-hub-firewall.service)" % (unit,)]
    return []


def check_description(description) -> list[str]:
    if not isinstance(description, str) or not description.strip() or any(ord(char) < 32 or char == "\x7f" for char in description):
        return ["description: %r must be one line of text (it becomes the unit's Description=)" % (description,)]
    if "%" in description:
        return ["description: %r holds %%, which systemd expands as a specifier; leave it out" % description]
    return []


def parse_sources(sources) -> list:
    """Return SOURCES (addresses or prefixes of either family) as networks; an address is its own /32 or /128.

    A prefix with host bits set is refused, as the role's template refuses it: 192.168.31.5/24 is either
    192.168.31.0/24 or 192.168.31.5, and the module does not guess which.
    """
    networks = []
    problems = []
    for index, source in enumerate(sources or []):
        label = "ssh_sources[%d]" % index
        if not isinstance(source, str) or not source.strip():
            problems.append("%s: %r is neither an address nor a prefix such as 192.168.31.0/24" % (label, source))
            continue
        network, meant = read_prefix(source)
        if network is not None:
            networks.append(network)
        elif meant is None:
            problems.append("%s: %r is neither an address nor a prefix such as 192.168.31.0/24" % (label, source))
        else:
            problems.append("%s: %s has host bits set; give the prefix %s or the address %s"
                            % (label, source, meant, source.strip().split("/", 1)[0]))
    if problems:
        raise NftTableError("; ".join(problems))
    return networks


def check_arguments(params: dict) -> list:
    """Check every option before anything is read on the host; return the SSH sources as networks.

    All problems are reported at once, each starting with its option's name.
    """
    problems = (
        check_name(params["name"])
        + check_content(params["content"], params["name"])
        + check_path(params["path"])
        + check_unit(params["unit"])
        + check_description(params["description"])
    )
    try:
        networks = parse_sources(params["ssh_sources"])
    except NftTableError as err:
        problems.append(str(err))
        networks = []
    if problems:
        raise NftTableError("; ".join(problems))
    return networks


def render_unit(description: str, name: str, nft: str, path: str) -> str:
    """The oneshot unit that loads the table at boot (before the network and WireGuard come up)."""
    return UNIT_TEMPLATE.format(description=description, name=name, nft=nft, path=path)


def normalise_address(text: str):
    """Return TEXT as an address, an IPv4-mapped IPv6 address as its IPv4 address and without a zone; None when
    it is not an address."""
    try:
        address = ipaddress.ip_address(text.strip().split("%", 1)[0])
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def address_in_networks(address: str, networks) -> bool:
    parsed = normalise_address(address)
    return parsed is not None and any(parsed in network for network in networks)


def read_environ_value(proc_root: str, pid: int, name: str):
    """The value of NAME in /proc/PID/environ, or None when it is not there or cannot be read."""
    try:
        with open(os.path.join(proc_root, str(pid), "environ"), "rb") as handle:
            entries = handle.read().split(b"\0")
    except OSError:
        return None
    prefix = name.encode() + b"="
    for entry in entries:
        if entry.startswith(prefix):
            return entry[len(prefix):].decode("utf-8", "replace")
    return None


def read_parent_pid(proc_root: str, pid: int) -> int:
    """The PPid of /proc/PID/status, or 0 when it cannot be read (which ends the walk)."""
    try:
        with open(os.path.join(proc_root, str(pid), "status"), "rb") as handle:
            for line in handle:
                if line.startswith(b"PPid:"):
                    return int(line.split(b":", 1)[1].strip() or b"0")
    except (OSError, ValueError):
        return 0
    return 0


def ssh_client_address(proc_root: str, pid: int):
    """The client address of the SSH session this process runs under, or None.

    sudo drops SSH_CONNECTION from its child's environment, so the walk goes up from PID through each PPid,
    reading the SSH_CONNECTION (`client port server port`) of the nearest process that has it (sudo itself, or
    the shell sshd started), and stops before PID 1. Under `docker exec` no process has it.
    """
    seen = set()
    while pid > 1 and pid not in seen and len(seen) < MAX_ANCESTORS:
        seen.add(pid)
        value = read_environ_value(proc_root, pid, "SSH_CONNECTION")
        if value:
            address = normalise_address(value.split()[0]) if value.split() else None
            if address is not None:
                return str(address)
        pid = read_parent_pid(proc_root, pid)
    return None


def ssh_client_problem(client, networks, name: str, sources_name: str):
    """The message that stops the run when the next SSH connection would be dropped, or None."""
    if client is not None and address_in_networks(client, networks):
        return None
    where = client if client is not None else (
        "an address that could not be found (no process above the module has SSH_CONNECTION)")
    return (
        "ssh_sources: not loading table inet %s: this play's SSH session comes from %s, which %s does not include:"
        " %s. The next SSH connection would be dropped; add the address or its prefix there."
        % (name, where, sources_name, ", ".join(str(network) for network in networks))
    )


def table_is_loaded(module, nft: str, name: str) -> bool:
    """Whether table inet NAME is live, from the exit status of `nft list table`; other failures are errors."""
    rc, out, err = module.run_command([nft, "list", "table", "inet", name])
    if rc == 0:
        return True
    said = (err or out).strip()
    if "No such file or directory" in said:
        return False
    raise NftTableError("nft list table inet %s failed: %s%s" % (
        name, said or "exit status %d" % rc,
        "; run the module as root (become: true)" if "Operation not permitted" in said else ""))


def check_script(module, nft: str, content: str, path: str) -> None:
    """Have nft check CONTENT (`nft -c -f`, nothing is loaded) from a temporary file; fail with nft's words, the
    temporary file's name replaced by PATH so that its line numbers point into the file that would be written."""
    descriptor, temp_path = tempfile.mkstemp(prefix="multisite-vpn-", suffix=".nft")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(content)
        rc, out, err = module.run_command([nft, "-c", "-f", temp_path])
    finally:
        os.unlink(temp_path)
    if rc != 0:
        said = ((err or out).strip() or "exit status %d" % rc).replace(temp_path, path)
        hint = "; run the module as root (become: true)" if "Operation not permitted" in said else ""
        raise NftTableError("content: nft -c refuses the script: %s%s" % (said, hint))


def load_reasons(file_changed: bool, unit_changed: bool, table_loaded: bool, state) -> list[str]:
    """Why the table must be (re)loaded now; empty when the live table, the files and the unit agree.

    A unit that is enabled but not active (its last load failed, or it was stopped) loads again too: a failed
    load leaves the previous table live, which nothing else would notice.
    """
    reasons = []
    if file_changed:
        reasons.append("the file changed")
    if unit_changed:
        reasons.append("the unit changed")
    if not table_loaded:
        reasons.append("the live table is missing")
    if not state.enabled:
        reasons.append("the unit is not enabled")
    elif not state.active:
        reasons.append("the unit is not active")
    return reasons


def live_diff(name: str, unit: str, path: str, table_loaded: bool, state, reasons) -> dict:
    """The diff entry of a (re)load: the live table and the unit before, and after."""
    return dict(
        before_header="table inet %s (live)" % name,
        after_header="table inet %s (live)" % name,
        before="table inet %s: %s\n%s: %s, %s\n" % (
            name, "loaded" if table_loaded else "missing", unit,
            "enabled" if state.enabled else "not enabled", "active" if state.active else "not active"),
        after="table inet %s: loaded from %s (%s)\n%s: enabled, active\n" % (name, path, "; ".join(reasons), unit),
    )
