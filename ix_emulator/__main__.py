# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the emulated router as a process until SIGINT or SIGTERM.

    python -m ansible_collections.multisite.vpn.ix_emulator --running-config FILE \\
        [--startup-config FILE] --ssh-port N --telnet-port N [--host-key FILE] [--listen ADDR]

Port 0 picks a free port; the ports in use are printed as `ssh N telnet N` once both services listen.
With --startup-config, `write memory` saves there and the router boots from that file when it exists, as a
real router keeps its startup configuration across reloads and power cuts.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pathlib
import signal
import sys

from .device import Device
from .server import LOOPBACK, EmulatorServers
from .ssh import generate_host_key, read_host_key

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Serve an emulated NEC IX2215 over SSH and telnet.")
    parser.add_argument("--running-config", required=True, type=pathlib.Path, help="configuration of the first boot")
    parser.add_argument("--startup-config", type=pathlib.Path, help="where `write memory` saves; booted from when it exists")
    parser.add_argument("--ssh-port", required=True, type=int, help="SSH port (0: any free port)")
    parser.add_argument("--telnet-port", required=True, type=int, help="telnet port (0: any free port)")
    parser.add_argument("--host-key", help="RSA private key file (default: a new key for this run)")
    parser.add_argument("--listen", default=LOOPBACK, help=f"address to listen on (default: {LOOPBACK})")
    return parser.parse_args(argv)


async def run(servers: EmulatorServers, arguments: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in STOP_SIGNALS:
        loop.add_signal_handler(number, stop.set)
    try:
        ports = await servers.start(arguments.listen, arguments.ssh_port, arguments.telnet_port)
        print(f"ssh {ports.ssh} telnet {ports.telnet}", flush=True)
        await stop.wait()
    finally:
        await servers.stop()


def boot(arguments: argparse.Namespace) -> Device:
    """The router as it comes up: from its saved startup configuration, else from the first-boot one."""
    startup = arguments.startup_config
    source = startup if startup is not None and startup.exists() else arguments.running_config
    device = Device.from_running_config(source.read_text(encoding="utf-8"))
    if startup is not None:
        device.on_save = lambda lines: save_atomically(startup, "".join(line + "\n" for line in lines))
    return device


def save_atomically(path: pathlib.Path, text: str) -> None:
    """Replace PATH whole, so a crash mid-save leaves the previous startup configuration; readable by
    its owner only (the hashes of the router's passwords are in it)."""
    partial = path.with_name(path.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as output:
        output.write(text)
    partial.replace(path)


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    device = boot(arguments)
    host_key = read_host_key(arguments.host_key) if arguments.host_key else generate_host_key()
    asyncio.run(run(EmulatorServers(device, host_key), arguments))
    return 0


if __name__ == "__main__":
    sys.exit(main())
