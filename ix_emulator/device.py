# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One emulated IX2215: running and startup configuration, the configuration-session lock, reload."""

from __future__ import annotations

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

    @classmethod
    def from_running_config(cls, text: str, clock=None) -> Device:
        """A router booted from text: running and startup configuration both hold it."""
        return cls(ConfigTree.parse(text), clock=clock)

    @property
    def hostname(self) -> str:
        return self.running.hostname

    def accepts_login(self, username: str, password: str) -> bool:
        """Whether a `username` line of the running configuration has this name and password.

        Only the digest of a password is kept, so the check compares digests: a `password hash H` line loaded
        from text accepts a login only when H was made by secret_digest (a real router's hash never matches).
        """
        for line in self.running.lines:
            tokens = line.text.split()
            if tokens[:1] == ["username"] and tokens[1] == username and tokens[2:4] == ["password", "hash"]:
                return hmac.compare_digest(tokens[4], secret_digest(password))
        return False

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
