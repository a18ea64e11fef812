# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A TCP relay that adds a link's latency, for the benchmarks in this folder (tc netem is not in every kernel).

Each accepted connection is relayed to its target; every chunk read in either direction is written RTT/2
after it was read, in order (one writer per direction, sleeping until the chunk is due). The target sees the
connection 1.5 RTT after the client connected, as SYN, SYN-ACK and ACK would each take RTT/2 on a real link;
what the client sends meanwhile waits for it. The RTT can be changed between runs; it applies to chunks
read from then on.
"""

from __future__ import annotations

import asyncio
import statistics
import threading
import time


class LatencyRelay:
    """Listens on each ROUTES key (address, port) and relays to its value (address, port), in a thread of its own."""

    def __init__(self, routes: dict[tuple[str, int], tuple[str, int]], rtt_ms: float = 0.0):
        self.routes = routes
        self.rtt = rtt_ms / 1000
        # Connections accepted so far, all addresses together: shows the traffic really went through the relay.
        self.connections = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._servers: list[asyncio.base_events.Server] = []

    def set_rtt(self, rtt_ms: float) -> None:
        self.rtt = rtt_ms / 1000

    def bound_ports(self) -> list[int]:
        """The port each listening address got, in the order of ROUTES (port 0 there: any free port)."""
        return [server.sockets[0].getsockname()[1] for server in self._servers]

    def start(self) -> None:
        """Binds every listening address (OSError when one is taken, nothing left listening), then serves them."""
        self._thread.start()
        try:
            for listen, target in self.routes.items():
                self._servers.append(self._call(asyncio.start_server(self._relay_to(target), *listen, reuse_address=True)))
        except OSError:
            self.stop()
            raise

    def stop(self) -> None:
        for server in self._servers:
            server.close()
        self._call(self._finish_connections(timeout=1 + 2 * self.rtt))
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()

    def _call(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    @staticmethod
    async def _finish_connections(timeout):
        """Lets connections that are closing finish (a closed stream takes RTT/2 each way to get through), then
        cancels the rest and waits for them, so that no task is left pending when the loop stops."""
        connections = asyncio.all_tasks() - {asyncio.current_task()}
        if not connections:
            return
        _done, pending = await asyncio.wait(connections, timeout=timeout)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    def _relay_to(self, target):
        async def relay(client_reader, client_writer):
            self.connections += 1
            writers = [client_writer]
            to_target = asyncio.Queue()
            reading_client = asyncio.create_task(self._read(client_reader, to_target))
            # Python 3.11's streams log a relay cancelled at shutdown as an error: it ends quietly instead.
            try:
                await asyncio.sleep(1.5 * self.rtt)
                target_reader, target_writer = await asyncio.open_connection(*target)
                writers.append(target_writer)
                to_client = asyncio.Queue()
                await asyncio.gather(
                    reading_client, self._write(to_target, target_writer),
                    self._read(target_reader, to_client), self._write(to_client, client_writer),
                    return_exceptions=True,
                )
            except (OSError, asyncio.CancelledError):
                reading_client.cancel()
            for writer in writers:
                writer.close()
        return relay

    async def _read(self, reader, queue):
        """Queue each chunk with the time it is due; an empty chunk stands for the end of the stream."""
        loop = asyncio.get_running_loop()
        try:
            while chunk := await reader.read(65536):
                queue.put_nowait((loop.time() + self.rtt / 2, chunk))
        except ConnectionError:
            pass
        queue.put_nowait((loop.time() + self.rtt / 2, b""))

    @staticmethod
    async def _write(queue, writer):
        loop = asyncio.get_running_loop()
        while True:
            due, chunk = await queue.get()
            await asyncio.sleep(max(0.0, due - loop.time()))
            if not chunk:
                if writer.can_write_eof() and not writer.is_closing():
                    writer.write_eof()
                return
            writer.write(chunk)
            await writer.drain()


def echo_round_trip_ms(rtt_ms: float, exchanges: int = 5) -> tuple[float, float]:
    """Through a relay of RTT_MS to an echo server on loopback: the time from connecting to the first 1-byte echo
    (2 RTT expected: handshake and one exchange), and the median of the next EXCHANGES round trips (1 RTT)."""
    async def echo(reader, writer):
        while data := await reader.read(1):
            writer.write(data)
            await writer.drain()
        writer.close()

    loop = asyncio.new_event_loop()
    echo_server = loop.run_until_complete(asyncio.start_server(echo, "127.0.0.1", 0))
    serving = threading.Thread(target=loop.run_forever, daemon=True)
    serving.start()
    echo_port = echo_server.sockets[0].getsockname()[1]
    try:
        relay = LatencyRelay({("127.0.0.1", 0): ("127.0.0.1", echo_port)}, rtt_ms)
        relay.start()
        try:
            return asyncio.run(_time_exchanges(relay.bound_ports()[0], exchanges))
        finally:
            relay.stop()
    finally:
        loop.call_soon_threadsafe(echo_server.close)
        loop.call_soon_threadsafe(loop.stop)
        serving.join()
        loop.close()


async def _time_exchanges(port, exchanges):
    start = time.monotonic()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    times = []
    for _exchange in range(exchanges + 1):
        writer.write(b"x")
        await reader.readexactly(1)
        times.append((time.monotonic() - start) * 1000)
        start = time.monotonic()
    writer.close()
    return times[0], statistics.median(times[1:])
