# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pushing an intended configuration to an NEC IX router over one CLI session (controller side).

The session never takes over another administrator's configuration session unless asked: netmiko's nec_ix
drivers enter configuration mode with `svintr-config` as soon as they connect, so the drivers here only
read the prompt at login and leave the mode changes to this code.
"""

from __future__ import annotations

import ipaddress
import itertools
import os
import re
import socket
import time

from ansible_collections.multisite.vpn.plugins.plugin_utils.ix_config import (
    Entry,
    access_list,
    compute_commands,
    order_like,
    parse_config,
    redact,
    render_config,
    secret_identity,
)
from ansible_collections.multisite.vpn.plugins.module_utils.ix_push_arguments import TRANSPORTS

try:
    from netmiko.exceptions import NetmikoAuthenticationException, NetmikoTimeoutException, ReadTimeout
    from netmiko.nec.nec_ix import NecIxSSH, NecIxTelnet
except ImportError as import_error:  # the action reports it; sanity imports plugins without netmiko
    NETMIKO_IMPORT_ERROR = import_error
    NecIxSSH = NecIxTelnet = object
    ReadTimeout = OSError
else:
    NETMIKO_IMPORT_ERROR = None

# `Router# `, `Router(config)# `, `Router(config-GigaEthernet2.0)# `; `%` for a monitor-privilege user.
PROMPT = re.compile(r"^(?P<hostname>[A-Za-z][\w.-]*)(?:\((?P<mode>[^)]+)\))?(?P<privilege>[#%]) ?$")
ANY_PROMPT = r"[A-Za-z][\w.-]*(?:\([^)]+\))?[#%] ?$"
OCCUPIED = "% CONFIG process is occupied."
IX_HEADER = "! NEC Portable Internetwork Core Operating System Software"
# The router's error lines: `% <input> -- Invalid command.`, `... -- Ambiguous command.`, and incomplete input.
ERROR_LINE = re.compile(r"^% (?:.* -- (?:Invalid|Ambiguous) command\.|Expects a subcommand or item selection\.)$", re.MULTILINE)


class IxPushError(Exception):
    """A push that stopped; SENT lists the commands the router accepted before it stopped (secrets redacted)."""

    def __init__(self, message: str, sent=()):
        super().__init__(message)
        self.sent = list(sent)


class _PromptOnly:
    """Session preparation that only learns the prompt: no svintr-config, no mode change at login."""

    def session_preparation(self) -> None:
        self.set_base_prompt()

    def cleanup(self, command: str = "") -> None:
        # netmiko would leave configuration mode with its own sequence; the caller already did.
        pass


class SafeIxSSH(_PromptOnly, NecIxSSH):
    """netmiko's NEC IX SSH driver without its takeover at login."""


class SafeIxTelnet(_PromptOnly, NecIxTelnet):
    """netmiko's NEC IX telnet driver without its takeover at login."""


def connect(params: dict, timeout: float = 30):
    """Log in to the router; raise IxPushError with one clear line for every way that can fail."""
    if NETMIKO_IMPORT_ERROR is not None:
        raise IxPushError("netmiko is required on the controller: pip install 'netmiko[par4]' (%s)" % NETMIKO_IMPORT_ERROR)
    transport = params["transport"]
    driver = SafeIxSSH if transport == "ssh" else SafeIxTelnet
    try:
        connection = driver(
            device_type=TRANSPORTS[transport],
            host=params["host"],
            port=params["port"],
            username=params["username"],
            password=params["password"],
            conn_timeout=timeout,
            auth_timeout=timeout,
            read_timeout_override=timeout,
            fast_cli=True,
            ssh_strict=False,
            use_keys=False,
            allow_agent=False,
        )
    except NetmikoAuthenticationException:
        raise IxPushError("%s login to %s:%s as %s was refused: check the username and password"
                          % (transport, params["host"], params["port"], params["username"])) from None
    except NetmikoTimeoutException as error:
        raise IxPushError("%s to %s:%s: %s" % (transport, params["host"], params["port"], error)) from None
    except (OSError, EOFError, ValueError) as error:
        hint = ""
        if "host key" in str(error):
            hint = " (an IX offers only an ssh-rsa host key: paramiko 5 cannot use it; install netmiko[par4])"
        raise IxPushError("%s to %s:%s failed: %s%s" % (transport, params["host"], params["port"], error, hint)) from None
    prompt = connection.find_prompt()
    if not PROMPT.match(prompt + " "):
        connection.disconnect()
        raise IxPushError("%s:%s answers with the prompt %r, which is not an NEC IX prompt" % (params["host"], params["port"], prompt))
    return connection


class IxSession:
    """One CLI session on the router, driven line by line."""

    def __init__(self, connection):
        self.connection = connection
        self.configuring = False

    def send(self, line: str) -> str:
        """Send one line; return the router's output up to the next prompt."""
        try:
            return self.connection.send_command(
                line, expect_string=ANY_PROMPT, strip_prompt=True, strip_command=True, cmd_verify=False
            )
        except (OSError, EOFError, ReadTimeout) as error:
            self.configuring = False
            raise IxPushError("the session to the router was lost at %r: %s" % (redact(line), error or type(error).__name__)) from None

    def enter_configuration(self, takeover: bool) -> None:
        output = self.send("configure")
        if OCCUPIED in output:
            if not takeover:
                raise IxPushError(
                    "another session holds the router's configuration mode; nothing was sent."
                    " Set takeover: true to take it over with svintr-config"
                )
            output = self.send("svintr-config")
        if "(config)" not in self.connection.find_prompt():
            raise IxPushError("could not enter configuration mode: %s" % output.strip())
        self.configuring = True
        self.send("terminal length 0")

    def running_config(self) -> str:
        return self.send("show running-config")

    def apply(self, commands: list[str]) -> list[str]:
        """Send COMMANDS in order; stop at the first the router rejects. Returns the redacted lines sent."""
        sent: list[str] = []
        for command in commands:
            try:
                output = self.send(command)
            except IxPushError as lost:
                raise IxPushError(str(lost), sent) from None
            error = ERROR_LINE.search(output)
            if error:
                raise IxPushError("the router rejected %r: %s" % (redact(command), error.group(0)), sent)
            sent.append(redact(command))
        return sent

    def save(self) -> str:
        return self.send("write memory")

    def leave_configuration(self) -> None:
        """Back to operation mode (from a sub-mode, `configure` first returns to global configuration)."""
        if self.configuring:
            self.send("configure")
            self.send("exit")
            self.configuring = False

    def close(self) -> None:
        """Leave configuration mode and log out; a session already lost needs neither."""
        try:
            self.leave_configuration()
        except IxPushError:
            pass
        try:
            self.connection.disconnect()
        except (OSError, EOFError):
            pass


# Lines inside the management interface that can cut the session: its address, its filters, shutting it down.
RISKY_INTERFACE_LINE = re.compile(r"^(?:no )?(?:ip address|ipv6 address|ip unnumbered|ip filter|ipv6 filter|shutdown)\b")
SERVICE_LINE = {"ssh": "ssh-server ip enable", "telnet": "telnet-server ip enable"}


def interface_address(line: str):
    """The address of an `ip address A/N` or `ipv6 address A/N` line, else None."""
    match = re.match(r"^(?:ip|ipv6) address (\S+)/\d+", line)
    if not match:
        return None
    try:
        return ipaddress.ip_address(match.group(1))
    except ValueError:
        return None


def management_interface(running: list[Entry], address) -> Entry | None:
    """The interface block that holds ADDRESS, the router address this session arrived at."""
    for entry in running:
        if entry.line.startswith("interface ") and any(interface_address(line) == address for line in entry.children or ()):
            return entry
    return None


def management_problems(running: list[Entry], intended: list[Entry], commands: list[str], address, transport: str, username: str) -> list[str]:
    """What in COMMANDS could cut the session it is sent over (arriving at ADDRESS, as USERNAME, by TRANSPORT)."""
    problems = []
    interface = management_interface(running, address)
    filters = set()
    if interface is not None:
        filters = {match.group(1) for match in (re.match(r"^(?:ip|ipv6) filter (\S+)", line) for line in interface.children or ()) if match}
    headers = {entry.line for entry in running + intended if entry.children}
    block = None
    for command in commands:
        if block is None and command in headers:
            block = command
            continue
        if command == "exit":
            block = None
            continue
        if interface is not None and block == interface.line and RISKY_INTERFACE_LINE.match(command):
            problems.append("%s: '%s' changes the interface this session arrives through (%s)" % (block, redact(command), address))
        elif block is None:
            words = command.split()
            negated = words[1:] if words[:1] == ["no"] else words
            if negated[:1] in (["ip"], ["ipv6"]) and negated[1:2] == ["access-list"] and negated[2:3] and negated[2] in filters:
                problems.append("'%s' changes access-list %s, which filters the interface this session arrives through"
                                % (redact(command), negated[2]))
            elif words[:1] == ["no"] and " ".join(negated) == SERVICE_LINE[transport]:
                problems.append("'%s' turns off the %s service this session uses" % (command, transport))
            elif negated[:2] == ["username", username]:
                problems.append("'%s' changes the user this session logs in as" % redact(command))
    return problems


def undo_commands(now_text: str, original_text: str) -> list[str]:
    """The commands that turn the configuration NOW back into ORIGINAL: global entries a push added are
    removed, blocks get their original lines back, and a global secret line that changed is sent again in
    the hashed form the router showed (compute_commands compares secret lines without their secret)."""
    now, original = parse_config(now_text, "the running-config"), parse_config(original_text, "the backup")
    original_lines = {redact(entry.line) for entry in original}
    now_lines = {entry.line for entry in now}
    # Access-list entries are left to compute_commands, which rewrites a list whose entries or order changed.
    added = ["no " + entry.line for entry in now if redact(entry.line) not in original_lines and not access_list(entry.line)]
    changed_secrets = [entry.line for entry in original if secret_identity(entry.line) and entry.line not in now_lines]
    return added + changed_secrets + compute_commands(now, original)


def is_ix_running_config(text: str) -> bool:
    """Whether TEXT begins as an IX's `show running-config` does (a prompt alone matches other vendors too)."""
    return text.lstrip().startswith(IX_HEADER)


def touched_entries(running: list[Entry], intended: list[Entry]) -> list[Entry]:
    """The running entries INTENDED speaks of (its lines and blocks, and the access-lists it declares):
    the rest is left alone, so a diff that showed it would show changes that are not made."""
    lines = {redact(entry.line) for entry in intended}
    groups = {access_list(entry.line) for entry in intended} - {None}
    return [
        entry for entry in running
        if redact(entry.line) in lines or access_list(entry.line) in groups
    ]


def write_backup(directory: str, name: str, text: str) -> str:
    """Write the running-config to a new file DIRECTORY/<name>-<time>[-N].cfg, readable by this user only;
    return its path. An older backup is never overwritten, even by a second push in the same second."""
    os.makedirs(directory, mode=0o700, exist_ok=True)
    stem = os.path.join(directory, "%s-%s" % (name, time.strftime("%Y%m%d-%H%M%S")))
    for attempt in itertools.count():
        path = stem + ("-%d.cfg" % attempt if attempt else ".cfg")
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        with os.fdopen(descriptor, "w", encoding="utf-8") as backup:
            backup.write(text)
        return path


def router_address(host: str):
    """The address HOST stands for (the first one it resolves to)."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return ipaddress.ip_address(socket.getaddrinfo(host, None)[0][4][0])


def push(params: dict, check_mode: bool = False) -> dict:
    """Make the router's running configuration hold PARAMS['config']; return an Ansible result.

    PARAMS: host, port, username, password, transport, config, save_when, update_secrets, takeover,
    allow_management_change, authoritative_blocks (regexes), backup_dir, timeout; backup_name (default: host)
    names the backup files.
    """
    intended = parse_config(params["config"], "the intended config")
    authoritative_patterns = [re.compile(pattern) for pattern in params["authoritative_blocks"]]

    def authoritative(header):
        return any(pattern.search(header) for pattern in authoritative_patterns)

    session = IxSession(connect(params, params["timeout"]))
    result = {"changed": False, "commands": [], "saved": False}
    try:
        session.enter_configuration(params["takeover"])
        before = session.running_config()
        if not is_ix_running_config(before):
            raise IxPushError("%s does not look like an NEC IX: its running-config does not begin with %r; nothing was sent"
                              % (params["host"], IX_HEADER))
        running = parse_config(before, "the running-config")
        commands = compute_commands(running, intended, authoritative=authoritative, update_secrets=params["update_secrets"])
        result["commands"] = [redact(command) for command in commands]
        touched = touched_entries(running, intended)
        result["diff"] = {"before": render_config(touched), "after": render_config(order_like(touched, intended))}
        if commands and not params["allow_management_change"]:
            problems = management_problems(
                running, intended, commands, router_address(params["host"]), params["transport"], params["username"]
            )
            if problems:
                raise IxPushError("refusing to push, nothing was sent (allow_management_change: true overrides): " + "; ".join(problems))
        if check_mode:
            result["changed"] = bool(commands)
            return result
        if commands:
            result["backup_path"] = write_backup(params["backup_dir"], params.get("backup_name") or params["host"], before)
            result["changed"] = True
            try:
                session.apply(commands)
            except IxPushError as error:
                raise IxPushError("%s; not saved" % error, error.sent) from None
            after = session.running_config()
            left = compute_commands(parse_config(after, "the running-config"), intended, authoritative=authoritative)
            if left:
                raise IxPushError("after the push the router still differs; not saved: %s" % [redact(line) for line in left], result["commands"])
            _prove_reachable(params, session, after, before, result["commands"])
        if params["save_when"] == "always" or (params["save_when"] == "changed" and commands):
            session.save()
            result["saved"] = True
        return result
    finally:
        session.close()


def _prove_reachable(params: dict, session: IxSession, after: str, before: str, sent: list[str]) -> None:
    """Log in again in a fresh session; when that fails, undo the push on the session still open."""
    try:
        connect(params, params["timeout"]).disconnect()
    except IxPushError as error:
        session.apply(undo_commands(after, before))
        raise IxPushError("a fresh session could not log in after the push (%s); the push was undone and not saved" % error, sent) from None
