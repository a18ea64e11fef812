# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A TCP listener that counts connections: checks that must fail before anything is contacted point hosts at it."""

from __future__ import annotations

import contextlib
import socket
import threading


class Listener:
    """A TCP listener on loopback that accepts, counts and hangs up every connection."""

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0))
        # Closing a socket does not wake an accept() blocked in another thread: the loop looks up now and then.
        self.socket.settimeout(0.1)
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                connection, _address = self.socket.accept()
            except socket.timeout:
                continue
            self.connections += 1
            connection.close()

    def close(self):
        self._stop.set()
        self._thread.join(5)
        self.socket.close()


@contextlib.contextmanager
def listening():
    listener = Listener()
    try:
        yield listener
    finally:
        listener.close()
