# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One CLI session on an NEC IX router (controller side): login, configuration mode, typed commands, save.

netmiko logs in (SSH, or telnet with its `login:` dialogue); from then on the session drives the router
through ix_terminal, never through netmiko's prompt handling: netmiko's nec_ix drivers take configuration
mode over with `svintr-config` as soon as they connect, and its fast reads fell out of step with a router
whose prompt came 40 ms after the echo. The session never takes over another administrator's configuration
session unless asked.
"""

from __future__ import annotations

import logging
import socket

from ansible_collections.multisite.vpn.plugins.module_utils.ix_arguments import TRANSPORTS
from ansible_collections.multisite.vpn.plugins.plugin_utils.ix_terminal import OCCUPIED, ConnectionLost, Terminal, TerminalError

try:
    from netmiko.exceptions import NetmikoAuthenticationException, NetmikoTimeoutException
    from netmiko.nec.nec_ix import NecIxSSH, NecIxTelnet
except ImportError as import_error:  # the action reports it; sanity imports plugins without netmiko
    NETMIKO_IMPORT_ERROR = import_error
    NecIxSSH = NecIxTelnet = object

    class NetmikoAuthenticationException(Exception):
        """Stands for netmiko's exception when netmiko is missing (never raised then)."""

    class NetmikoTimeoutException(Exception):
        """Stands for netmiko's exception when netmiko is missing (never raised then)."""
else:
    NETMIKO_IMPORT_ERROR = None

# paramiko logs a failed handshake (SSH to a telnet port) with a traceback through Python's last-resort
# handler; the failure is reported as one line instead.
logging.getLogger("paramiko").addHandler(logging.NullHandler())
SSH_BANNER = b"SSH-"


class IxSessionError(Exception):
    """The session could not do what was asked; the message is one clear line, secrets already masked."""


class CommandRejected(IxSessionError):
    """The router answered a command with an error: COMMAND (as typed) and WORDS (the router's lines)."""

    def __init__(self, command: str, words: list[str]) -> None:
        super().__init__("the router rejected %r: %s" % (command, " ".join(words)))
        self.command = command
        self.words = words


class ConfigurationOccupied(IxSessionError):
    """Another session holds configuration mode, and this one was not to take it over."""


class ConfigurationLost(IxSessionError):
    """Configuration mode was taken from this session (another administrator's `svintr-config`)."""


class SessionLost(IxSessionError):
    """The connection went away."""


class _PromptOnly:
    """netmiko's login without its session preparation: no svintr-config, no mode change, no prompt reading."""

    def session_preparation(self) -> None:
        pass

    def cleanup(self, command: str = "") -> None:
        # netmiko would leave configuration mode with its own sequence; the session already did.
        pass


class SafeIxSSH(_PromptOnly, NecIxSSH):
    """netmiko's NEC IX SSH driver, login only."""


class SafeIxTelnet(_PromptOnly, NecIxTelnet):
    """netmiko's NEC IX telnet driver, login only."""


class _NetmikoChannel:
    """The byte channel of a netmiko connection, as ix_terminal reads and writes it."""

    def __init__(self, connection) -> None:
        self.connection = connection

    def write(self, text: str) -> None:
        self.connection.write_channel(text)

    def read(self) -> str:
        return self.connection.read_channel()

    def closed(self) -> bool:
        remote = self.connection.remote_conn
        return bool(getattr(remote, "closed", False) or getattr(remote, "eof_received", False))


def _speaks_ssh(host: str, port: int, timeout: float) -> bool:
    """Whether HOST:PORT greets with an SSH banner (telnet sent to an SSH port fails as a wrong password)."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as probe:
            return probe.recv(len(SSH_BANNER)) == SSH_BANNER
    except OSError:
        return False


def _login(params: dict):
    """A netmiko connection logged in to the router; IxSessionError with one clear line for every way that fails."""
    if NETMIKO_IMPORT_ERROR is not None:
        raise IxSessionError("netmiko is required on the controller: pip install 'netmiko[par4]' (%s)" % NETMIKO_IMPORT_ERROR)
    transport, host, port = params["transport"], params["host"], params["port"]
    where = "%s to %s:%s" % (transport, host, port)
    timeout = params["timeout"] * params["delay_factor"]
    driver = SafeIxSSH if transport == "ssh" else SafeIxTelnet
    try:
        return driver(
            device_type=TRANSPORTS[transport],
            host=host,
            port=port,
            username=params["username"],
            password=params["password"],
            conn_timeout=timeout,
            auth_timeout=timeout,
            banner_timeout=timeout,
            read_timeout_override=timeout,
            global_delay_factor=params["delay_factor"],
            fast_cli=False,
            ssh_strict=False,
            use_keys=False,
            allow_agent=False,
        )
    except NetmikoAuthenticationException:
        if transport == "telnet" and _speaks_ssh(host, port, timeout):
            raise IxSessionError("%s: that port speaks SSH, not telnet; set transport: ssh (or ix_transport)" % where) from None
        raise IxSessionError("%s: login as %s was refused: check the username and password" % (where, params["username"])) from None
    except (NetmikoTimeoutException, OSError, EOFError, ValueError) as error:
        message = " ".join(str(error).split()) or type(error).__name__
        if transport == "ssh" and "protocol banner" in message:
            message = "no SSH greeting came (is it a telnet port? set transport: telnet)"
        elif "host key" in message:
            message += " (an IX offers only an ssh-rsa host key: paramiko 5 cannot use it; install netmiko[par4])"
        raise IxSessionError("%s failed: %s" % (where, message)) from None


class IxSession:
    """A logged-in CLI session: modes, commands, saving. Every error is an IxSessionError."""

    def __init__(self, params: dict) -> None:
        self.connection = _login(params)
        self.terminal = Terminal(_NetmikoChannel(self.connection), self.connection.RETURN, params["timeout"], params["delay_factor"])
        self.configuring = False
        try:
            self.prompt = self.terminal.current_prompt()
        except TerminalError as error:
            self.close()
            raise IxSessionError("%s:%s logged in but shows no NEC IX prompt: %s" % (params["host"], params["port"], error)) from None

    def run(self, line: str, shown: str | None = None):
        """Type LINE; the answer. SHOWN is the line as it may appear in messages (secrets masked)."""
        try:
            answer = self.terminal.run(line)
        except ConnectionLost as error:
            self.configuring = False
            raise SessionLost("the connection to the router was lost at %r: %s" % (shown or line, error)) from None
        except TerminalError as error:
            raise IxSessionError("at %r: %s" % (shown or line, error)) from None
        self.prompt = answer.prompt
        return answer

    def enter_configuration(self, takeover: bool) -> None:
        """Global configuration mode with `configure`; `svintr-config` only when TAKEOVER."""
        answer = self.run("configure")
        if OCCUPIED in answer.output:
            if not takeover:
                raise ConfigurationOccupied("another session holds the router's configuration mode; nothing was sent")
            answer = self.run("svintr-config")
        if not answer.prompt.configuring:
            raise IxSessionError("could not enter configuration mode: %s" % (answer.output.strip() or "no configuration prompt"))
        self.configuring = True
        self.run("terminal length 0")

    def running_config(self) -> str:
        return self.run("show running-config").output

    def command(self, line: str, shown: str, enters_block: bool, in_block_after: bool) -> str:
        """Type one configuration command and check where it left the session.

        ENTERS_BLOCK: LINE is a block header; IN_BLOCK_AFTER: the session should be inside a block afterwards.
        Raises CommandRejected for any `%` error, ConfigurationLost when configuration mode was taken away.
        """
        answer = self.run(line, shown)
        if not answer.prompt.configuring:
            self.configuring = False
            raise ConfigurationLost(
                "configuration mode was taken from this session (another administrator's svintr-config?) at %r" % shown
            )
        if answer.errors:
            raise CommandRejected(shown, answer.errors)
        if answer.prompt.in_block and not in_block_after and not enters_block:
            # A line that enters a sub-mode though nothing said so (a block header written without lines).
            self.run("exit")
        elif enters_block and not answer.prompt.in_block:
            raise CommandRejected(shown, ["the line did not enter a sub-mode, so the lines under it cannot be typed"])
        return answer.output

    def to_global_configuration(self) -> None:
        """Back to `(config)` from any block (`configure` typed in a sub-mode jumps there)."""
        if self.configuring and self.prompt.in_block:
            self.run("configure")

    def save(self) -> str:
        answer = self.run("write memory")
        if answer.errors:
            raise CommandRejected("write memory", answer.errors)
        return answer.output

    def close(self) -> None:
        """Leave configuration mode and log out; a session already lost needs neither."""
        try:
            if self.configuring:
                self.to_global_configuration()
                self.run("exit")
                self.configuring = False
        except IxSessionError:
            pass
        try:
            self.connection.disconnect()
        except (OSError, EOFError):
            pass
