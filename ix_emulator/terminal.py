# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The router's side of one terminal connection, over any byte stream: what telnet and SSH have in common.

The transport hands received bytes (telnet commands already removed) to Terminal.receive() and gives it the
callables send(bytes), hang_up() (the CLI session ended: `exit`, `reload`) and drop() (the connection is cut
without a word, for the `hang-up` fault). Terminal echoes what is typed, as the router does (its clients do not
echo locally), assembles lines, passes single keys to the `--More--` pager, asks `login:` and `Password:` when
the transport has not authenticated the user (telnet), and feeds each line to a Session of the shared Device.

Two things a test of a client can ask for on top of the router's behaviour:

- Pacing: the router's answer to a line comes echo_to_prompt seconds after the echo of the line end, its
  lines between_lines apart, and optionally in small pieces, so a client sees partial lines and prompts split
  across reads. The echo itself is immediate; nothing ever changes the order of the output. As on a real
  router, keys typed ahead are taken (and echoed) only once the answer to the previous line is out.
- Faults and answers injected on the Device (Device.inject_fault, Device.inject_answer), which the Terminal
  acts on as the lines are typed.
"""

from __future__ import annotations

import asyncio
import codecs
import collections
import dataclasses
import random
import re
import time
from typing import Callable

from .device import HANG_UP, RELOAD, TAKEOVER, Device
from .grammar import OPERATION
from .session import NEWLINE, Session

LOGIN_PROMPT = "login: "
PASSWORD_PROMPT = "Password: "
# The message after a wrong password and the number of tries before the router hangs up are guesses.
LOGIN_INCORRECT = "Login incorrect"
LOGIN_ATTEMPTS = 3
LINE_ENDS = ("\r", "\n")
# A telnet client follows CR with NUL or LF (NVT rules); either pair is one line end.
AFTER_CARRIAGE_RETURN = ("\n", "\0")
ERASE_KEYS = ("\b", "\x7f")
ERASE_ECHO = "\b \b"
ENCODING = "utf-8"
# First words of the lines that are commands, not configuration: they do not count towards an injected fault.
NOT_CONFIGURATION_WORDS = frozenset({"configure", "enable-config", "svintr-config", "exit", "show", "terminal", "write", "copy", "reload"})
# Fragmented output: pieces of 1 to FRAGMENT_MAX_BYTES bytes, FRAGMENT_GAP seconds apart. Without a gap the pieces
# would reach a client in one read; 1 ms keeps a `show running-config` under a second or two.
FRAGMENT_MAX_BYTES = 12
FRAGMENT_GAP = 0.001
# Output lines: the split keeps each line's CRLF with it.
_AFTER_LINE_END = re.compile(r"(?<=\r\n)")


@dataclasses.dataclass(frozen=True)
class Pacing:
    """How slowly and how raggedly the router answers; the default answers at once, in one piece.

    echo_to_prompt: seconds between the echo of a typed line's end and the first output (or prompt) after it.
    between_lines: seconds between two lines of output (and before the prompt that follows them).
    jitter: up to this many seconds more, at random, on each of those delays (seed makes the run reproducible).
    fragment: write the output in small pieces of random size, a moment apart.
    """

    echo_to_prompt: float = 0.0
    between_lines: float = 0.0
    jitter: float = 0.0
    fragment: bool = False
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("echo_to_prompt", "between_lines", "jitter"):
            if getattr(self, name) < 0:
                raise ValueError(f"Pacing.{name} cannot be negative")


NO_PACING = Pacing()


class PacedOutput:
    """The output of one connection, in order: echo written at once, answers on the pacing's schedule.

    Entries (bytes to write, or an action such as hanging up) wait in a queue with the delay to keep before each;
    the event loop's call_later runs the queue on. on_idle is called when a delayed queue has run empty.
    Without pacing every entry is written as it comes, so no event loop is needed.
    """

    def __init__(self, write: Callable[[bytes], object], pacing: Pacing, on_idle: Callable[[], object]) -> None:
        self.pacing = pacing
        self.closed = False
        self._write = write
        self._on_idle = on_idle
        self._random = random.Random(pacing.seed)
        self._queue: collections.deque[tuple[float, bytes | Callable[[], object]]] = collections.deque()
        self._timer: asyncio.TimerHandle | None = None

    @property
    def busy(self) -> bool:
        """True while queued output is still waiting for its time."""
        return bool(self._queue) or self._timer is not None

    def echo(self, text: str) -> None:
        """Echoed keys: at once, unless earlier output still waits (then right after it, to keep the order)."""
        self._queue.append((0.0, text.encode(ENCODING)))
        self._run()

    def answer(self, text: str, after_echo: bool) -> None:
        """The router's answer: its first line echo_to_prompt after the echo (when it follows one), the others
        between_lines apart, each delay with its jitter, each line in pieces when fragmenting."""
        pacing = self.pacing
        lines = [line for line in _AFTER_LINE_END.split(text) if line] if pacing.between_lines or pacing.jitter else [text]
        for index, line in enumerate(lines):
            delay = (pacing.echo_to_prompt if after_echo else 0.0) if index == 0 else pacing.between_lines
            delay += self._jitter()
            for piece_index, piece in enumerate(self._pieces(line.encode(ENCODING))):
                self._queue.append((delay if piece_index == 0 else FRAGMENT_GAP, piece))
        self._run()

    def then(self, action: Callable[[], object]) -> None:
        """Run action once everything queued before it is written."""
        self._queue.append((0.0, action))
        self._run()

    def close(self) -> None:
        """The connection is gone: what still waits is dropped."""
        self.closed = True
        self._queue.clear()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _jitter(self) -> float:
        return self._random.uniform(0.0, self.pacing.jitter) if self.pacing.jitter else 0.0

    def _pieces(self, data: bytes) -> list[bytes]:
        if not self.pacing.fragment:
            return [data]
        pieces = []
        while data:
            size = self._random.randint(1, FRAGMENT_MAX_BYTES)
            pieces.append(data[:size])
            data = data[size:]
        return pieces

    def _run(self) -> None:
        if self._timer is not None:
            return
        while self._queue and not self.closed:
            delay, entry = self._queue[0]
            if delay > 0:
                self._queue[0] = (0.0, entry)
                self._timer = asyncio.get_running_loop().call_later(delay, self._resume)
                return
            self._queue.popleft()
            if callable(entry):
                entry()
            elif entry:
                self._write(entry)

    def _resume(self) -> None:
        self._timer = None
        self._run()
        if not self.busy and not self.closed:
            self._on_idle()


class ConnectionSet(set):
    """The open connections of one service, and when one last opened or closed (time.monotonic())."""

    def __init__(self) -> None:
        super().__init__()
        self.changed_at = time.monotonic()

    def add(self, element) -> None:
        super().add(element)
        self.changed_at = time.monotonic()

    def discard(self, element) -> None:
        super().discard(element)
        self.changed_at = time.monotonic()


class Terminal:
    """Echo, line editing and login for one connection; one Session once the user is logged in."""

    def __init__(
        self,
        device: Device,
        send: Callable[[bytes], object],
        hang_up: Callable[[], object],
        login: bool,
        pacing: Pacing = NO_PACING,
        drop: Callable[[], object] | None = None,
    ) -> None:
        self.device = device
        self.session: Session | None = None
        self.hung_up = False
        self._output = PacedOutput(send, pacing, on_idle=self._take_keys)
        self._hang_up = hang_up
        self._drop = drop if drop is not None else hang_up
        self._login = login
        self._decoder = codecs.getincrementaldecoder(ENCODING)(errors="replace")
        # Keys received but not taken yet: they wait while an answer is still being written.
        self._unread: collections.deque[str] = collections.deque()
        self._typed: list[str] = []
        self._after_carriage_return = False
        self._echo = True
        self._take_line = self._take_username
        self._username = ""
        self._failed_logins = 0
        # The prompt last written in full: a line counts as typed in a mode only when typed at that mode's prompt.
        self._shown_prompt = ""

    def start(self) -> None:
        """Greet the client: the login prompt, or the banner and prompt when the transport authenticated."""
        if self._login:
            self._answer(LOGIN_PROMPT, after_echo=False)
        else:
            self._open_session(after_echo=False)

    def receive(self, data: bytes) -> None:
        self._unread.extend(self._decoder.decode(data))
        self._take_keys()

    def connection_lost(self) -> None:
        """The client went away: the session ends and releases configuration mode."""
        self.hung_up = True
        self._output.close()
        if self.session is not None:
            self.session.close()

    def _take_keys(self) -> None:
        while self._unread and not self.hung_up and not self._output.busy:
            self._press(self._unread.popleft())

    def _press(self, key: str) -> None:
        after_carriage_return, self._after_carriage_return = self._after_carriage_return, key == "\r"
        if after_carriage_return and key in AFTER_CARRIAGE_RETURN:
            return
        if self.session is not None and self.session.waiting_for_key:
            self._answer(self.session.feed(key), after_echo=False)
        elif key in LINE_ENDS:
            self._end_line()
        elif key in ERASE_KEYS:
            if self._typed:
                self._typed.pop()
                self._show_typed(ERASE_ECHO)
        elif key.isprintable():
            self._typed.append(key)
            self._show_typed(key)
        # Other control keys (cursor movement, history, CNTL/Z) are not emulated and are dropped.

    def _end_line(self) -> None:
        line = "".join(self._typed)
        self._typed.clear()
        self._show(NEWLINE)
        self._take_line(line)

    def _take_username(self, line: str) -> None:
        if not line:
            self._answer(LOGIN_PROMPT)
            return
        self._username = line
        self._echo = False
        self._take_line = self._take_password
        self._answer(PASSWORD_PROMPT)

    def _take_password(self, line: str) -> None:
        self._echo = True
        if self.device.accepts_login(self._username, line):
            self._open_session(after_echo=True)
            return
        self._failed_logins += 1
        if self._failed_logins >= LOGIN_ATTEMPTS:
            self._answer(LOGIN_INCORRECT + NEWLINE)
            self._output.then(self._hang_up_once)
            return
        self._take_line = self._take_username
        self._answer(LOGIN_INCORRECT + NEWLINE + LOGIN_PROMPT)

    def _open_session(self, after_echo: bool) -> None:
        self.session = self.device.open_session()
        self.session.on_close = self._hang_up_once
        self._take_line = self._take_command
        self._answer(self.session.banner(), after_echo=after_echo)

    def _take_command(self, line: str) -> None:
        session = self.session
        in_configuration = session.mode != OPERATION and self._shown_prompt == session.prompt()
        answer = self.device.take_answer(line) if in_configuration else None
        output = session.feed(line) if answer is None or answer.applied else session.prompt()
        faults = self.device.count_configuration_line() if in_configuration and is_configuration_line(line) else ()
        messages, prompt = split_prompt(output, session.prompt())
        if answer is not None:
            messages += answer.message + NEWLINE
        for fault in faults:
            if fault in (HANG_UP, RELOAD):
                # Right after the line is applied, before its prompt: the client sees the echo, then the end.
                self._fault_disconnect(fault)
                return
            if fault == TAKEOVER:
                self.device.take_over_configuration()
                prompt = session.prompt() if prompt else prompt
        self._answer(messages + prompt)

    def _fault_disconnect(self, fault: str) -> None:
        if fault == RELOAD:
            # Every session ends, this one with them, and each terminal hangs up.
            self.device.reload()
            return
        self.session.on_close = None
        self.session.close()
        self.hung_up = True
        self._output.close()
        self._drop()

    def _show_typed(self, text: str) -> None:
        if self._echo:
            self._show(text)

    def _show(self, text: str) -> None:
        """Echo: written at once."""
        if text and not self.hung_up:
            self._output.echo(text)

    def _answer(self, text: str, after_echo: bool = True) -> None:
        """What the router prints in answer to a line or a key, paced."""
        if self.session is not None:
            self._shown_prompt = self.session.prompt() if text.endswith(self.session.prompt()) else ""
        if text and not self.hung_up:
            self._output.answer(text, after_echo)

    def _hang_up_once(self) -> None:
        if not self.hung_up:
            self.hung_up = True
            self._output.close()
            self._hang_up()


def is_configuration_line(line: str) -> bool:
    """Whether a line typed in a configuration mode configures something: not empty, not a `!` comment, not a
    command (configure, exit, show, terminal, write, ...), whether the router then accepts it or not."""
    tokens = line.split()
    return bool(tokens) and not tokens[0].startswith("!") and tokens[0] not in NOT_CONFIGURATION_WORDS


def split_prompt(output: str, prompt: str) -> tuple[str, str]:
    """Output as (what comes before the prompt, the prompt); ("...", "") when it does not end with it."""
    if prompt and output.endswith(prompt):
        return output[:-len(prompt)], prompt
    return output, ""
