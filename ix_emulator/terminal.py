# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The router's side of one terminal connection, over any byte stream: what telnet and SSH have in common.

The transport hands received bytes (telnet commands already removed) to Terminal.receive() and gives it two
callables: send(bytes) and hang_up(). Terminal echoes what is typed, as the router does (its clients do not
echo locally), assembles lines, passes single keys to the `--More--` pager, asks `login:` and `Password:` when
the transport has not authenticated the user (telnet), and feeds each line to a Session of the shared Device.
When the session ends (`exit`, `reload`) the connection is hung up.
"""

from __future__ import annotations

import codecs
from typing import Callable

from .device import Device
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


class Terminal:
    """Echo, line editing and login for one connection; one Session once the user is logged in."""

    def __init__(self, device: Device, send: Callable[[bytes], object], hang_up: Callable[[], object], login: bool) -> None:
        self.device = device
        self.session: Session | None = None
        self.hung_up = False
        self._send_bytes = send
        self._hang_up = hang_up
        self._login = login
        self._decoder = codecs.getincrementaldecoder(ENCODING)(errors="replace")
        self._typed: list[str] = []
        self._after_carriage_return = False
        self._echo = True
        self._take_line = self._take_username
        self._username = ""
        self._failed_logins = 0

    def start(self) -> None:
        """Greet the client: the login prompt, or the banner and prompt when the transport authenticated."""
        if self._login:
            self._send(LOGIN_PROMPT)
        else:
            self._open_session()

    def receive(self, data: bytes) -> None:
        for key in self._decoder.decode(data):
            if self.hung_up:
                return
            self._press(key)

    def connection_lost(self) -> None:
        """The client went away: the session ends and releases configuration mode."""
        self.hung_up = True
        if self.session is not None:
            self.session.close()

    def _press(self, key: str) -> None:
        after_carriage_return, self._after_carriage_return = self._after_carriage_return, key == "\r"
        if after_carriage_return and key in AFTER_CARRIAGE_RETURN:
            return
        if self.session is not None and self.session.waiting_for_key:
            self._send(self.session.feed(key))
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
        self._send(NEWLINE)
        self._take_line(line)

    def _take_username(self, line: str) -> None:
        if not line:
            self._send(LOGIN_PROMPT)
            return
        self._username = line
        self._echo = False
        self._take_line = self._take_password
        self._send(PASSWORD_PROMPT)

    def _take_password(self, line: str) -> None:
        self._echo = True
        if self.device.accepts_login(self._username, line):
            self._open_session()
            return
        self._failed_logins += 1
        self._send(LOGIN_INCORRECT + NEWLINE)
        if self._failed_logins >= LOGIN_ATTEMPTS:
            self._hang_up_once()
            return
        self._take_line = self._take_username
        self._send(LOGIN_PROMPT)

    def _open_session(self) -> None:
        self.session = self.device.open_session()
        self.session.on_close = self._hang_up_once
        self._take_line = self._take_command
        self._send(self.session.banner())

    def _take_command(self, line: str) -> None:
        self._send(self.session.feed(line))

    def _show_typed(self, text: str) -> None:
        if self._echo:
            self._send(text)

    def _send(self, text: str) -> None:
        if text and not self.hung_up:
            self._send_bytes(text.encode(ENCODING))

    def _hang_up_once(self) -> None:
        if not self.hung_up:
            self.hung_up = True
            self._hang_up()
