# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The NEC IX terminal: one typed line, and the router's whole answer to it, over any byte channel.

A command's answer is read up to the prompt that belongs to it: first the router's echo of the typed line
(the IX echoes what is typed; nothing it sent earlier, such as a late spare prompt, can be taken for the
answer), then everything up to a prompt that ends what was received. `--More--` pages are turned. Every
wait scales with delay_factor, for routers that are slow or far away.

What is an error is decided here too: every `%` line the router answers, except the short list of known
warnings and notices below.
"""

from __future__ import annotations

import dataclasses
import re
import time

# `Router# `, `Router(config)# `, `Router(config-GigaEthernet2.0)# `; `%` for a monitor-privilege user.
PROMPT = re.compile(r"(?:^|[\r\n])(?P<prompt>(?P<hostname>[A-Za-z][\w.-]*)(?:\((?P<mode>[^()\r\n]+)\))?(?P<privilege>[#%]) ?)$")
MORE = "--More--"
NEXT_PAGE = " "
# `%` lines that are not errors: the save warning, the restart notice, user notices.
KNOWN_WARNINGS = tuple(re.compile(pattern) for pattern in (
    r"^% Warning: do NOT enter CNTL/Z while saving",
    r"^% You must restart the router for this configuration to take effect",
    r"^% User '[^']*' has been (?:added|deleted|changed)\.?$",
))
OCCUPIED = "% CONFIG process is occupied."
POLL_INTERVAL = 0.005
# Bytes of what was received last that an error about a missing answer quotes.
QUOTED_TAIL = 200


class TerminalError(Exception):
    """The router did not answer as a terminal should: the connection was lost, or no answer came in time."""


class ConnectionLost(TerminalError):
    """The connection closed (the router hung up, rebooted, or the network went away)."""


@dataclasses.dataclass(frozen=True)
class Prompt:
    hostname: str
    mode: str  # "" in operation mode, "config" in global configuration mode, "config-<block>" in a block
    privilege: str

    @property
    def configuring(self) -> bool:
        return self.mode.startswith("config")

    @property
    def in_block(self) -> bool:
        return self.mode.startswith("config-")


@dataclasses.dataclass(frozen=True)
class Answer:
    """The router's output for one typed line (without the echo and the prompt) and the prompt after it."""

    output: str
    prompt: Prompt

    @property
    def errors(self) -> list[str]:
        return error_lines(self.output)


def error_lines(output: str) -> list[str]:
    """The `%` lines of OUTPUT that are errors (any but the known warnings)."""
    lines = [line.strip() for line in output.splitlines()]
    return [line for line in lines if line.startswith("%") and not any(warning.match(line) for warning in KNOWN_WARNINGS)]


def parse_prompt(text: str) -> Prompt | None:
    """The prompt that ends TEXT, if it ends with one."""
    match = PROMPT.search(text)
    if not match:
        return None
    return Prompt(match.group("hostname"), match.group("mode") or "", match.group("privilege"))


def _squeezed(text: str) -> tuple[str, list[int]]:
    """TEXT without whitespace and control characters, and where each kept character was (a long echo may be
    wrapped or redrawn by the router; its printable characters still come in order)."""
    kept, positions = [], []
    for index, character in enumerate(text):
        if character.isprintable() and not character.isspace():
            kept.append(character)
            positions.append(index)
    return "".join(kept), positions


def _clean(text: str) -> str:
    """Output as lines: no carriage returns, no pager residue."""
    text = text.replace("\r" + " " * len(MORE) + "\r", "").replace(MORE, "")
    return "\n".join(line.rstrip("\r").rstrip() for line in text.replace("\r\n", "\n").split("\n")).strip("\n")


class Terminal:
    """Typed lines and answers over CHANNEL (write(text), read() -> text received so far, closed() -> bool)."""

    def __init__(self, channel, newline: str, timeout: float, delay_factor: float = 1.0) -> None:
        self.channel = channel
        self.newline = newline
        self.timeout = timeout * delay_factor
        self.delay_factor = delay_factor

    def _read(self) -> str:
        try:
            data = self.channel.read()
        except (OSError, EOFError) as error:
            raise ConnectionLost(str(error) or type(error).__name__) from None
        if not data and self.channel.closed():
            raise ConnectionLost("the router closed the connection")
        return data

    def _wait(self, received: str, done, what: str) -> str:
        """Read until DONE(received) is true; turn `--More--` pages on the way."""
        deadline = time.monotonic() + self.timeout
        while not done(received):
            data = self._read()
            if data:
                received += data
                if received.rstrip().endswith(MORE):
                    self.channel.write(NEXT_PAGE)
                deadline = max(deadline, time.monotonic() + self.timeout / 2)
                continue
            if time.monotonic() > deadline:
                raise TerminalError("no %s within %.0f s; last received: %r" % (what, self.timeout, received[-QUOTED_TAIL:]))
            time.sleep(POLL_INTERVAL * self.delay_factor)
        return received

    def drain(self) -> str:
        """What the router sent unasked (a late spare prompt): read and set aside before the next line."""
        return self._read()

    def current_prompt(self) -> Prompt:
        """Press Enter and read the prompt the router shows."""
        self.drain()
        self.channel.write(self.newline)
        received = self._wait("", lambda text: parse_prompt(text) is not None, "prompt")
        return parse_prompt(received)

    def run(self, line: str) -> Answer:
        """Type LINE; return the answer that belongs to it."""
        self.drain()
        self.channel.write(line + self.newline)
        wanted, _positions = _squeezed(line)

        def echo_end(text):
            squeezed, positions = _squeezed(text)
            found = squeezed.find(wanted)
            if found < 0:
                return None
            end = positions[found + len(wanted) - 1] + 1 if wanted else 0
            line_end = text.find("\n", end)
            return line_end + 1 if line_end >= 0 else None

        received = self._wait("", lambda text: echo_end(text) is not None, "echo of the typed line")
        start = echo_end(received)
        received = self._wait(received, lambda text: parse_prompt(text[start:]) is not None, "prompt after the typed line")
        answer = received[start:]
        prompt_match = PROMPT.search(answer)
        return Answer(_clean(answer[:prompt_match.start("prompt")]), parse_prompt(answer))
