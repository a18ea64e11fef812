# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulated router on the network: SSH and telnet sharing one Device, in an event loop or a background thread.

For pytest::

    with serve(device) as ports:
        ConnectHandler(device_type="nec_ix", host="127.0.0.1", port=ports.ssh, ...)

Every connection runs on the server's event loop; the test thread may read the Device between client commands
(nothing else touches it then).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from typing import Iterator, NamedTuple

import asyncssh

from .device import Device
from .ssh import SSHServer, generate_host_key
from .telnet import TelnetServer
from .terminal import NO_PACING, Pacing

LOOPBACK = "127.0.0.1"
# Generous bounds: starting includes nothing slow once the host key exists.
START_TIMEOUT = 30
STOP_TIMEOUT = 10


class Ports(NamedTuple):
    ssh: int
    telnet: int


class ListenError(OSError):
    """A service could not listen (port in use, no permission, no such address); the message says which."""


class EmulatorServers:
    """Both services of one Device."""

    def __init__(self, device: Device, host_key: asyncssh.SSHKey, pacing: Pacing = NO_PACING) -> None:
        self.device = device
        self.ssh = SSHServer(device, host_key, pacing)
        self.telnet = TelnetServer(device, pacing)

    async def start(self, host: str, ssh_port: int, telnet_port: int) -> Ports:
        """Listen for SSH, then telnet; raises ListenError (with SSH stopped again) when either cannot listen."""
        ssh = await self._listen("SSH", self.ssh, host, ssh_port)
        try:
            telnet = await self._listen("telnet", self.telnet, host, telnet_port)
        except ListenError:
            await self.ssh.stop()
            raise
        return Ports(ssh=ssh, telnet=telnet)

    @staticmethod
    async def _listen(name: str, service, host: str, port: int) -> int:
        try:
            return await service.start(host, port)
        except OSError as error:
            # asyncio's own message repeats the address; the system's words for the errno are enough (a failed name
            # lookup has a negative errno and its own words).
            reason = os.strerror(error.errno) if error.errno and error.errno > 0 else error.strerror or str(error)
            failure = ListenError(f"cannot listen for {name} on {host} port {port}: {reason}")
            failure.errno = error.errno
            raise failure from error

    @property
    def open_connections(self) -> int:
        """Connections open now on both services, logged in or not."""
        return len(self.ssh.connections) + len(self.telnet.connections)

    def idle_for(self) -> float:
        """Seconds since the last connection closed (or since the services were made); 0 while one is open."""
        if self.open_connections:
            return 0.0
        return time.monotonic() - max(self.ssh.connections.changed_at, self.telnet.connections.changed_at)

    async def stop(self) -> None:
        await self.ssh.stop()
        await self.telnet.stop()


@contextlib.contextmanager
def serve(
    device: Device,
    ssh_port: int = 0,
    telnet_port: int = 0,
    host: str = LOOPBACK,
    host_key: asyncssh.SSHKey | None = None,
    pacing: Pacing = NO_PACING,
) -> Iterator[Ports]:
    """Serve device over SSH and telnet from a background thread with its own event loop; yields the ports.

    Port 0 picks a free port. Without host_key a new RSA key is generated (pass one to save the time).
    pacing delays and fragments the router's answers (see terminal.Pacing); the default answers at once.
    On exit both listeners and every open connection are closed and the thread is joined.
    """
    servers = EmulatorServers(device, host_key if host_key is not None else generate_host_key(), pacing)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="ix-emulator", daemon=True)
    thread.start()
    try:
        yield asyncio.run_coroutine_threadsafe(servers.start(host, ssh_port, telnet_port), loop).result(START_TIMEOUT)
    finally:
        try:
            asyncio.run_coroutine_threadsafe(servers.stop(), loop).result(STOP_TIMEOUT)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(STOP_TIMEOUT)
            if not thread.is_alive():
                loop.close()
