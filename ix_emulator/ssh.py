# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The router's SSH service on asyncssh, offering only what the IX2215 offers.

Host key `ssh-rsa` only (an RSA key would otherwise also be offered as rsa-sha2-256/512), key exchange
diffie-hellman-group-exchange-sha256, ciphers aes128/192/256-ctr, MACs hmac-sha2-256/512, no compression.
Users log in with a password checked against the `username` lines (and Device.add_login's); a shell on a PTY is
driven by a Terminal (no exec, no subsystems, no forwarding). When the CLI session ends the channel is closed without
an exit status; the `hang-up` fault (Device.inject_fault) closes the whole connection instead.
"""

from __future__ import annotations

import asyncssh

from .device import Device
from .terminal import NO_PACING, ConnectionSet, Pacing, Terminal

HOST_KEY_ALGORITHMS = (b"ssh-rsa",)
KEX_ALGORITHMS = ("diffie-hellman-group-exchange-sha256",)
ENCRYPTION_ALGORITHMS = ("aes128-ctr", "aes192-ctr", "aes256-ctr")
MAC_ALGORITHMS = ("hmac-sha2-256", "hmac-sha2-512")
COMPRESSION_ALGORITHMS = ("none",)
HOST_KEY_BITS = 2048


def generate_host_key() -> asyncssh.SSHKey:
    """A fresh RSA host key, as `pki private-key generate rsa` makes one."""
    return asyncssh.generate_private_key("ssh-rsa", key_size=HOST_KEY_BITS)


def read_host_key(path: str) -> asyncssh.SSHKey:
    return asyncssh.read_private_key(path)


def ssh_rsa_only(host_key: asyncssh.SSHKey) -> asyncssh.SSHKeyPair:
    """The key as a key pair that asyncssh offers under `ssh-rsa` alone.

    asyncssh has no option to narrow the host key algorithms of a server; it offers every signature algorithm
    the key pair lists, and passes a ready key pair through unchanged, so the list is narrowed on the pair.
    """
    keypair = asyncssh.load_keypairs([host_key])[0]
    keypair.host_key_algorithms = HOST_KEY_ALGORITHMS
    return keypair


class ShellSession(asyncssh.SSHServerSession):
    """One SSH session channel: a PTY shell whose bytes go through a Terminal."""

    def __init__(self, device: Device, pacing: Pacing = NO_PACING) -> None:
        self.device = device
        self.pacing = pacing
        self.terminal: Terminal | None = None
        self._channel: asyncssh.SSHServerChannel | None = None

    def connection_made(self, chan: asyncssh.SSHServerChannel) -> None:
        self._channel = chan

    def pty_requested(self, term_type: str, term_size: tuple, term_modes: dict) -> bool:
        return True

    def shell_requested(self) -> bool:
        return True

    def session_started(self) -> None:
        # The router sends no exit status: closing the channel is all it does (asyncssh only sends one on exit()).
        self.terminal = Terminal(self.device, self._channel.write, self._channel.close, login=False, pacing=self.pacing, drop=self._drop)
        self.terminal.start()

    def data_received(self, data: bytes, datatype) -> None:
        self.terminal.receive(data)

    def _drop(self) -> None:
        """Cut the whole SSH connection, not only this channel (the `hang-up` fault)."""
        self._channel.get_connection().close()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.terminal is not None:
            self.terminal.connection_lost()


class PasswordServer(asyncssh.SSHServer):
    """Authentication by password against the device's users; one ShellSession per session channel."""

    def __init__(self, device: Device, connections: set[asyncssh.SSHServerConnection], pacing: Pacing = NO_PACING) -> None:
        self.device = device
        self.pacing = pacing
        self._connections = connections
        self._connection: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._connection = conn
        self._connections.add(conn)

    def connection_lost(self, exc: Exception | None) -> None:
        self._connections.discard(self._connection)

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return self.device.accepts_login(username, password)

    def session_requested(self) -> ShellSession:
        return ShellSession(self.device, self.pacing)


class SSHServer:
    """The SSH listener and its open connections."""

    def __init__(self, device: Device, host_key: asyncssh.SSHKey, pacing: Pacing = NO_PACING) -> None:
        self.device = device
        self.host_key = host_key
        self.pacing = pacing
        self.connections = ConnectionSet()
        self._acceptor: asyncssh.SSHAcceptor | None = None

    async def start(self, host: str, port: int) -> int:
        """Listen on host:port (0: any free port); returns the port."""
        self._acceptor = await asyncssh.listen(
            host,
            port,
            server_factory=lambda: PasswordServer(self.device, self.connections, self.pacing),
            server_host_keys=[ssh_rsa_only(self.host_key)],
            kex_algs=KEX_ALGORITHMS,
            encryption_algs=ENCRYPTION_ALGORITHMS,
            mac_algs=MAC_ALGORITHMS,
            compression_algs=COMPRESSION_ALGORITHMS,
            public_key_auth=False,
            kbdint_auth=False,
            agent_forwarding=False,
            # Terminal does the echo and line editing; bytes in, bytes out.
            line_editor=False,
            encoding=None,
        )
        # Not SSHAcceptor.get_port(): Debian 12's asyncssh (2.10, the lab's emulators) predates it.
        return self._acceptor.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop listening and drop every connection."""
        if self._acceptor is None:
            return
        self._acceptor.close()
        for connection in list(self.connections):
            connection.close()
        await self._acceptor.wait_closed()
