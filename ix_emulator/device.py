# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One emulated IX2215: running and startup configuration, the configuration-session lock, reload, logins, and the
faults and answers a test injects to see how a client copes with a router that misbehaves."""

from __future__ import annotations

import dataclasses
import datetime
import hmac
from typing import Callable

from .config import ConfigTree, secret_digest
from .session import DEFAULT_PAGE_LENGTH, Session

JST = datetime.timezone(datetime.timedelta(hours=9), "JST")

# The `Compiled` line is a plausible build stamp, not copied from a device of this version.
RUNNING_CONFIG_HEADER = (
    "! NEC Portable Internetwork Core Operating System Software",
    "! IX Series IX2215 (magellan-sec) Software, Version 10.7.18, RELEASE SOFTWARE",
    "! Compiled Nov 20-Mon-2023 14:53:19 JST #2 by sw-build, coregen-10.7(18)",
)


# Faults Device.inject_fault can arrange, each after the N-th configuration line (see terminal.Terminal):
# the connection that typed it is closed before its prompt; the router reloads; another administrator takes
# configuration mode over with `svintr-config`.
HANG_UP = "hang-up"
RELOAD = "reload"
TAKEOVER = "takeover"
FAULTS = (HANG_UP, RELOAD, TAKEOVER)
TAKEOVER_COMMAND = "svintr-config"


@dataclasses.dataclass(frozen=True)
class InjectedAnswer:
    """What the router answers, once, to one line typed in a configuration mode."""

    line: str
    message: str
    applied: bool


def current_time_line(moment: datetime.datetime) -> str:
    """`! Current time May 26-Sun-2024 16:08:00 JST`."""
    return f"! Current time {moment:%b %d-%a-%Y %H:%M:%S} JST"


class Device:
    """A router shared by all its sessions; at most one of them holds configuration mode."""

    def __init__(self, running: ConfigTree | None = None, startup: ConfigTree | None = None, clock=None) -> None:
        self.running = running if running is not None else ConfigTree.factory()
        self.startup = startup if startup is not None else self.running.copy()
        # Called with the startup-config listing after every save: a process keeps it across restarts.
        self.on_save: Callable[[list[str]], None] | None = None
        self.host_key_generated = False
        self.configuration_owner: Session | None = None
        self._clock = clock or (lambda: datetime.datetime.now(JST))
        self._last_time: datetime.datetime | None = None
        self._sessions: list[Session] = []
        # Logins outside the configuration (username -> digest of the password), e.g. the rehearsal's.
        self._extra_logins: dict[str, str] = {}
        # Configuration lines typed in all sessions so far; the faults wait for a count, the answers for a line.
        self.configuration_lines_typed = 0
        self._faults: list[tuple[int, str]] = []
        self._answers: list[InjectedAnswer] = []

    @classmethod
    def from_running_config(cls, text: str, clock=None, carry_unknown: bool = False) -> Device:
        """A router booted from text: running and startup configuration both hold it.

        carry_unknown keeps lines the emulator does not know as they are instead of refusing the text.
        """
        # Passed only when asked, so this works with a ConfigTree.parse that predates carry_unknown.
        options = {"carry_unknown": True} if carry_unknown else {}
        return cls(ConfigTree.parse(text, **options), clock=clock)

    @property
    def hostname(self) -> str:
        return self.running.hostname

    def accepts_login(self, username: str, password: str) -> bool:
        """Whether a `username` line of the running configuration has this name and password.

        Only the digest of a password is kept, so the check compares digests: a `password hash H` line loaded
        from text accepts a login only when H was made by secret_digest (a real router's hash never matches).
        A login added with add_login is accepted too.
        """
        extra = self._extra_logins.get(username)
        if extra is not None and hmac.compare_digest(extra, secret_digest(password)):
            return True
        for line in self.running.lines:
            tokens = line.text.split()
            if tokens[:2] == ["username", username] and tokens[2:4] == ["password", "hash"] and len(tokens) > 4:
                return hmac.compare_digest(tokens[4], secret_digest(password))
        return False

    def add_login(self, username: str, password: str) -> None:
        """Let username log in with password as an administrator, outside the configuration: it is not listed,
        saved or lost on reload. A copy of a real router's configuration has only hashes nobody can log in with."""
        if not username or not password:
            raise ValueError("a login needs a username and a password")
        self._extra_logins[username] = secret_digest(password)

    @property
    def sessions(self) -> tuple[Session, ...]:
        return tuple(self._sessions)

    def open_session(self, page_length: int = DEFAULT_PAGE_LENGTH) -> Session:
        """A logged-in administrator's session at the operation-mode prompt."""
        session = Session(self, page_length)
        self._sessions.append(session)
        return session

    def forget_session(self, session: Session) -> None:
        if session in self._sessions:
            self._sessions.remove(session)
        self.release_configuration(session)

    def acquire_configuration(self, session: Session, takeover: bool = False) -> bool:
        """Give session configuration mode; another holder keeps it unless takeover drops it back."""
        holder = self.configuration_owner
        if holder is not None and holder is not session:
            if not takeover:
                return False
            holder.drop_configuration()
        self.configuration_owner = session
        return True

    def release_configuration(self, session: Session) -> None:
        if self.configuration_owner is session:
            self.configuration_owner = None

    def current_time(self) -> datetime.datetime:
        """The clock, moved on by at least a second per reading so two listings never show the same time."""
        moment = self._clock().replace(microsecond=0)
        if self._last_time is not None and moment <= self._last_time:
            moment = self._last_time + datetime.timedelta(seconds=1)
        self._last_time = moment
        return moment

    def _listing(self, tree: ConfigTree) -> list[str]:
        header = RUNNING_CONFIG_HEADER + (current_time_line(self.current_time()), "!")
        return tree.render(header)

    def running_config_lines(self) -> list[str]:
        return self._listing(self.running)

    def startup_config_lines(self) -> list[str]:
        return self._listing(self.startup)

    def save(self) -> None:
        self.startup = self.running.copy()
        if self.on_save is not None:
            self.on_save(self.startup_config_lines())

    def reload(self) -> None:
        """Restart from the startup configuration; every session is disconnected."""
        self.running = self.startup.copy()
        for session in self.sessions:
            session.close()
        self.configuration_owner = None

    def inject_fault(self, after_config_lines: int, fault: str) -> None:
        """Arrange fault (one of FAULTS) right after the after_config_lines-th configuration line from now.

        Configuration lines are counted over every session of the device (see terminal.is_configuration_line);
        the fault fires once. hang-up: the connection that typed the line is closed before its prompt is sent.
        reload: running configuration back to startup, every session disconnected. takeover: another
        administrator's session takes configuration mode with `svintr-config`; the typing session is back in
        operation mode and its prompt says so.
        """
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; one of {', '.join(FAULTS)}")
        if after_config_lines < 1:
            raise ValueError("after_config_lines counts lines from now: 1 or more")
        self._faults.append((self.configuration_lines_typed + after_config_lines, fault))

    def inject_answer(self, line: str, message: str, applied: bool) -> None:
        """When exactly line (spacing aside) is next typed in a configuration mode, answer message (e.g.
        `% Invalid input`) before the prompt, after applying the line (applied) or instead of it. Once."""
        self._answers.append(InjectedAnswer(" ".join(line.split()), message, applied))

    def take_answer(self, line: str) -> InjectedAnswer | None:
        """The injected answer for a line just typed in a configuration mode, used up; None when there is none."""
        typed = " ".join(line.split())
        for answer in self._answers:
            if answer.line == typed:
                self._answers.remove(answer)
                return answer
        return None

    def count_configuration_line(self) -> tuple[str, ...]:
        """Count one configuration line typed; the faults due after it, in the order they were injected."""
        self.configuration_lines_typed += 1
        due = tuple(fault for count, fault in self._faults if count == self.configuration_lines_typed)
        self._faults = [(count, fault) for count, fault in self._faults if count > self.configuration_lines_typed]
        return due

    def take_over_configuration(self) -> Session:
        """Another administrator logs in and takes configuration mode over, as `svintr-config` does on a second
        login; the session that held it drops back to operation mode. Returns the other administrator's session."""
        intruder = self.open_session()
        intruder.feed(TAKEOVER_COMMAND)
        return intruder
