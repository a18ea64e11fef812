# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The router's telnet service (RFC 854) on asyncio, standard library only.

On connect the server offers ECHO and SGA and asks for NAWS, as the router does; it refuses every other option
the client asks for, records the window size the client reports, strips telnet commands from the input and hands
the rest to a Terminal, which asks `login:` and `Password:`.
"""

from __future__ import annotations

import asyncio

from .device import Device
from .terminal import NO_PACING, ConnectionSet, Pacing, Terminal

IAC = 255
DONT = 254
DO = 253
WONT = 252
WILL = 251
SB = 250
SE = 240
OPTION_VERBS = (WILL, WONT, DO, DONT)
ECHO = 1
SGA = 3
NAWS = 31
# Options the server performs itself, and options it asks the client to perform.
SERVER_OPTIONS = (ECHO, SGA)
CLIENT_OPTIONS = (NAWS,)
GREETING = bytes([IAC, WILL, ECHO, IAC, WILL, SGA, IAC, DO, NAWS])
# NAWS subnegotiation: the option byte, then width and height as 16-bit big-endian numbers.
NAWS_LENGTH = 5


class TelnetConnection(asyncio.Protocol):
    """One telnet client: option negotiation and command stripping around a Terminal."""

    def __init__(self, device: Device, connections: set[TelnetConnection], pacing: Pacing = NO_PACING) -> None:
        self.device = device
        self.pacing = pacing
        self.transport: asyncio.Transport | None = None
        self.terminal: Terminal | None = None
        # (width, height) once the client has sent NAWS; the emulator does not wrap or page by it.
        self.window_size: tuple[int, int] | None = None
        self._connections = connections
        self._state = self._in_data
        self._verb = 0
        self._subnegotiation = bytearray()
        self._data = bytearray()

    def connection_made(self, transport) -> None:
        self.transport = transport
        self._connections.add(self)
        transport.write(GREETING)
        self.terminal = Terminal(self.device, transport.write, transport.close, login=True, pacing=self.pacing)
        self.terminal.start()

    def data_received(self, data: bytes) -> None:
        for byte in data:
            self._state = self._state(byte)
        text, self._data = bytes(self._data), bytearray()
        if text:
            self.terminal.receive(text)

    def connection_lost(self, exc: Exception | None) -> None:
        self._connections.discard(self)
        self.terminal.connection_lost()

    def _in_data(self, byte: int):
        if byte == IAC:
            return self._after_iac
        self._data.append(byte)
        return self._in_data

    def _after_iac(self, byte: int):
        if byte == IAC:
            self._data.append(IAC)
        elif byte in OPTION_VERBS:
            self._verb = byte
            return self._option
        elif byte == SB:
            self._subnegotiation.clear()
            return self._in_subnegotiation
        # Other commands (NOP, AYT, GA, ...) carry no data the router acts on.
        return self._in_data

    def _option(self, option: int):
        if self._verb == DO and option not in SERVER_OPTIONS:
            self.transport.write(bytes([IAC, WONT, option]))
        elif self._verb == WILL and option not in CLIENT_OPTIONS:
            self.transport.write(bytes([IAC, DONT, option]))
        return self._in_data

    def _in_subnegotiation(self, byte: int):
        if byte == IAC:
            return self._after_subnegotiation_iac
        self._subnegotiation.append(byte)
        return self._in_subnegotiation

    def _after_subnegotiation_iac(self, byte: int):
        if byte == IAC:
            self._subnegotiation.append(IAC)
            return self._in_subnegotiation
        if byte == SE:
            self._end_subnegotiation()
        return self._in_data

    def _end_subnegotiation(self) -> None:
        body = bytes(self._subnegotiation)
        if len(body) == NAWS_LENGTH and body[0] == NAWS:
            self.window_size = (int.from_bytes(body[1:3], "big"), int.from_bytes(body[3:5], "big"))


class TelnetServer:
    """The telnet listener and its open connections."""

    def __init__(self, device: Device, pacing: Pacing = NO_PACING) -> None:
        self.device = device
        self.pacing = pacing
        self.connections = ConnectionSet()
        self._server: asyncio.Server | None = None

    async def start(self, host: str, port: int) -> int:
        """Listen on host:port (0: any free port); returns the port."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: TelnetConnection(self.device, self.connections, self.pacing), host, port)
        return self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop listening and drop every connection."""
        if self._server is None:
            return
        self._server.close()
        for connection in list(self.connections):
            connection.transport.close()
        await self._server.wait_closed()
