# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One CLI session on an emulated IX router, driven line by line as a terminal server would drive it.

The caller echoes what the user types (and the line end); feed() returns everything the router prints
after that: messages, then the next prompt, or `--More--` when a page is full, or the reload question.
While waiting_for_key is true the next feed() takes one keystroke: space (next page), Enter (one line)
or q (stop). Lines end with CRLF.

Modes nest as blocks do: a block header typed in a sub-mode enters a deeper sub-mode (`router bgp 65001`,
then `address-family ipv4 unicast`); `exit` goes up one level, `configure` back to global configuration mode.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from . import grammar
from .grammar import CONFIG, OPERATION, Match, Rejection

if TYPE_CHECKING:
    from .device import Device

NEWLINE = "\r\n"
BANNER = (
    "NEC Portable Internetwork Core Operating System Software",
    "Copyright Notices:",
    "Copyright (c) NEC Corporation 2001-2022. All rights reserved.",
    "Copyright (c) 1985-1998 OpenROUTE Networks, Inc.",
    "Copyright (c) 1984-1987, 1989 J. Noel Chiappa.",
)
ENTER_CONFIGURATION = "Enter configuration commands, one per line. End with CNTL/Z."
OCCUPIED = (
    "% CONFIG process is occupied.",
    "% You may use `svintr-config' command with administrator privilege.",
)
INCOMPLETE = "% Expects a subcommand or item selection."
INVALID = "% {token} -- Invalid command."
SAVING = (
    "Building configuration...",
    "% Warning: do NOT enter CNTL/Z while saving to avoid config corruption.",
)
COPYING = 'Copying from "running-config" to "startup-config"'
RELOAD_QUESTION = "Are you sure you want to reload the router? (Yes or [No]): "
RELOAD_CONFIRMATIONS = ("y", "yes")
MORE = "--More--"
# Overwrites `--More--` before the next page (how the device clears it is a guess).
MORE_ERASE = "\r" + " " * len(MORE) + "\r"
NEXT_PAGE_KEY = " "
STOP_KEYS = ("q", "Q")
NEXT_LINE_KEYS = ("", "\r", "\n", "\r\n")
# Lines per page until `terminal length` changes it (a guess: a 24-line terminal).
DEFAULT_PAGE_LENGTH = 24


class Session:
    """A logged-in administrator's CLI, starting in operation mode."""

    def __init__(self, device: Device, page_length: int = DEFAULT_PAGE_LENGTH) -> None:
        self.device = device
        self.page_length = page_length
        self.closed = False
        # Called once when the session ends, so a terminal server can hang up the connection.
        self.on_close: Callable[[], None] | None = None
        self.mode = OPERATION
        self.block = None
        self._held: list[str] = []
        self._awaiting = None
        self._commands = {
            "configure": self._configure,
            "svintr-config": self._take_over_configuration,
            "exit": self._exit,
            "show-running-config": lambda match: self._respond(self.device.running_config_lines()),
            "show-startup-config": lambda match: self._respond(self.device.startup_config_lines()),
            "write-memory": self._write_memory,
            "copy-running-startup": self._write_memory,
            "terminal-length": self._terminal_length,
            "generate-host-key": self._generate_host_key,
            "reload": self._reload,
        }

    def banner(self) -> str:
        """What the router prints right after login, up to and including the first prompt."""
        return "".join(line + NEWLINE for line in BANNER) + self.prompt()

    def prompt(self) -> str:
        """`Router# `, `Router(config)# `, or the current block's label: `Router(config-Tunnel0.0)# `.

        A nested block's prompt carries its own label only (`Router(config-bgp-af-ipv4)# `), a guess: no
        transcript of a nested IX sub-mode was found.
        """
        hostname = self.device.hostname
        if self.mode == OPERATION:
            return f"{hostname}# "
        if self.mode == CONFIG:
            return f"{hostname}(config)# "
        return f"{hostname}(config-{self.block.label})# "

    @property
    def waiting_for_key(self) -> bool:
        """True while `--More--` is shown."""
        return bool(self._held)

    def feed(self, text: str) -> str:
        """Process one input line (or one keystroke at `--More--` or an answer to a question)."""
        if self.closed:
            return ""
        if self._awaiting is not None:
            handler, self._awaiting = self._awaiting, None
            return handler(text)
        tokens = grammar.tokenize(text)
        if not tokens or tokens[0].startswith("!"):
            return self.prompt()
        return self._execute(tokens)

    def close(self) -> None:
        """The connection is gone: a held configuration mode is released."""
        self.closed = True
        self._held = []
        self._awaiting = None
        self.device.forget_session(self)
        if self.on_close is not None:
            notify, self.on_close = self.on_close, None
            notify()

    def drop_configuration(self) -> None:
        """Another session took configuration mode over: back to operation mode."""
        self.mode, self.block = OPERATION, None

    def _execute(self, tokens: tuple[str, ...]) -> str:
        """Run one typed line: a command, a configuration line, or a `no` line (which may name a carried line)."""
        result = grammar.resolve(grammar.rules_for(self.mode), tokens)
        if isinstance(result, Rejection) and tokens[0] == "no" and self.mode != OPERATION:
            result = self.device.running.negate(self.mode, self.block, tokens[1:])
            if result is None:
                return self.prompt()
        if isinstance(result, Rejection):
            return self._respond([INCOMPLETE if result.incomplete else INVALID.format(token=result.token)])
        if result.rule.command:
            return self._commands[result.rule.command](result)
        entered = self.device.running.apply(result, self.block)
        if entered is not None:
            self._enter(entered)
        return self.prompt()

    def _respond(self, lines) -> str:
        return self._page_out(list(lines), max(self.page_length - 1, 1) if self.page_length else len(lines))

    def _page_out(self, lines: list[str], count: int) -> str:
        shown, self._held = lines[:count], lines[count:]
        text = "".join(line + NEWLINE for line in shown)
        if self._held:
            self._awaiting = self._more
            return text + MORE
        return text + self.prompt()

    def _more(self, key: str) -> str:
        if key in STOP_KEYS:
            self._held = []
            return MORE_ERASE + self.prompt()
        if key == NEXT_PAGE_KEY:
            return MORE_ERASE + self._page_out(self._held, max(self.page_length - 1, 1))
        if key in NEXT_LINE_KEYS:
            return MORE_ERASE + self._page_out(self._held, 1)
        # Any other key is ignored and the pager keeps waiting.
        self._awaiting = self._more
        return ""

    def _enter_configuration(self, takeover: bool) -> str:
        if self.mode != OPERATION:
            self.mode, self.block = CONFIG, None
            return self.prompt()
        if not self.device.acquire_configuration(self, takeover=takeover):
            return self._respond(OCCUPIED)
        self.mode = CONFIG
        return self._respond([ENTER_CONFIGURATION])

    def _configure(self, match: Match) -> str:
        del match
        return self._enter_configuration(takeover=False)

    def _take_over_configuration(self, match: Match) -> str:
        del match
        return self._enter_configuration(takeover=True)

    def _exit(self, match: Match) -> str:
        del match
        if self.mode == OPERATION:
            self.close()
            return ""
        if self.mode == CONFIG:
            self.device.release_configuration(self)
            self.mode = OPERATION
        else:
            self._enter(self.block.parent)
        return self.prompt()

    def _enter(self, block) -> None:
        """Make block (None: global configuration mode) the current mode."""
        self.mode, self.block = (block.submode, block) if block is not None else (CONFIG, None)

    def _write_memory(self, match: Match) -> str:
        self.device.save()
        copying = [COPYING] if match.tokens[0] == "copy" else []
        return self._respond(copying + list(SAVING))

    def _terminal_length(self, match: Match) -> str:
        self.page_length = int(match.tokens[2])
        return self.prompt()

    def _generate_host_key(self, match: Match) -> str:
        del match
        self.device.host_key_generated = True
        return self.prompt()

    def _reload(self, match: Match) -> str:
        del match
        self._awaiting = self._answer_reload
        return RELOAD_QUESTION

    def _answer_reload(self, answer: str) -> str:
        if answer.strip().lower() not in RELOAD_CONFIRMATIONS:
            return self.prompt()
        self.device.reload()
        return ""
