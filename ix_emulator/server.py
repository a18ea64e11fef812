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
import threading
from typing import Iterator, NamedTuple

import asyncssh

from .device import Device
from .ssh import SSHServer, generate_host_key
from .telnet import TelnetServer

LOOPBACK = "127.0.0.1"
# Generous bounds: starting includes nothing slow once the host key exists.
START_TIMEOUT = 30
STOP_TIMEOUT = 10


class Ports(NamedTuple):
    ssh: int
    telnet: int


class EmulatorServers:
    """Both services of one Device."""

    def __init__(self, device: Device, host_key: asyncssh.SSHKey) -> None:
        self.device = device
        self.ssh = SSHServer(device, host_key)
        self.telnet = TelnetServer(device)

    async def start(self, host: str, ssh_port: int, telnet_port: int) -> Ports:
        return Ports(ssh=await self.ssh.start(host, ssh_port), telnet=await self.telnet.start(host, telnet_port))

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
) -> Iterator[Ports]:
    """Serve device over SSH and telnet from a background thread with its own event loop; yields the ports.

    Port 0 picks a free port. Without host_key a new RSA key is generated (pass one to save the time).
    On exit both listeners and every open connection are closed and the thread is joined.
    """
    servers = EmulatorServers(device, host_key if host_key is not None else generate_host_key())
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
