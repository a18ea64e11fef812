# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the emulated router as a process until SIGINT or SIGTERM (or --idle-exit).

    python -m ansible_collections.multisite.vpn.ix_emulator --running-config FILE [--startup-config FILE]
        [--ssh-port N] [--telnet-port N] [--host-key FILE] [--listen ADDR] [--carry-unknown]
        [--ports-file FILE] [--rehearsal-user NAME] [--idle-exit SECONDS]
        [--echo-to-prompt-ms MS] [--line-delay-ms MS] [--jitter-ms MS] [--pacing-seed N] [--fragment]

Port 0 (the default) picks a free port; the ports in use are printed as `ssh N telnet N` once both services
listen, and written to --ports-file as JSON. With --startup-config, `write memory` saves there and the router
boots from that file when it exists, as a real router keeps its startup configuration across reloads and power
cuts. A configuration, a file or a port it cannot use ends the process with one line on stderr and status 2.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pathlib
import signal
import sys
import tempfile

from .config import ConfigError, ConfigTree
from .device import Device
from .terminal import Pacing

PROGRAM = "ix_emulator"
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# The exit status for anything the user can fix: a configuration, a file, a port, an argument (as argparse's).
USAGE_ERROR = 2
PASSWORD_VARIABLE = "IX_EMULATOR_PASSWORD"
# server.LOOPBACK, not imported from there: that module needs asyncssh, whose absence main() reports in one line.
LOOPBACK = "127.0.0.1"
# What the first `!` lines of `show running-config` on an IX say; a file with them is an IX configuration.
IX_HEADER_MARKERS = ("NEC Portable Internetwork Core Operating System", "IX Series")
# How often --idle-exit looks at the connections, at most (a quarter of the idle time when that is shorter).
IDLE_CHECK_INTERVAL = 1.0


class StartError(Exception):
    """Something the user can fix keeps the emulator from running; the message is the whole explanation."""


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=f"python -m {__package__}", description="Serve an emulated NEC IX2215 over SSH and telnet.")
    parser.add_argument("--running-config", required=True, type=pathlib.Path, metavar="FILE", help="configuration of the first boot")
    parser.add_argument("--startup-config", type=pathlib.Path, metavar="FILE", help="where `write memory` saves; booted from when it exists")
    parser.add_argument("--ssh-port", default=0, type=int, metavar="N", help="SSH port (default 0: any free port)")
    parser.add_argument("--telnet-port", default=0, type=int, metavar="N", help="telnet port (default 0: any free port)")
    parser.add_argument("--host-key", metavar="FILE", help="RSA private key file (default: a new key for this run)")
    parser.add_argument("--listen", default=LOOPBACK, metavar="ADDRESS", help=f"address to listen on (default: {LOOPBACK})")
    parser.add_argument("--carry-unknown", action="store_true", help="keep configuration lines the emulator does not know as they are")
    parser.add_argument("--ports-file", type=pathlib.Path, metavar="FILE", help='once both services listen, write {"pid": ..., "ssh": N, "telnet": N} there')
    parser.add_argument("--rehearsal-user", metavar="NAME",
                        help=f"an administrator login besides the configuration's users; its password is read from ${PASSWORD_VARIABLE}")
    parser.add_argument("--idle-exit", type=positive_number, metavar="SECONDS", help="exit when no connection has been open for this long")
    pacing = parser.add_argument_group("pacing", "answer like a slow or ragged router (default: at once, in one piece)")
    pacing.add_argument("--echo-to-prompt-ms", type=milliseconds, default=0.0, metavar="MS", help="delay between the echo of a line's end and the answer")
    pacing.add_argument("--line-delay-ms", type=milliseconds, default=0.0, metavar="MS", help="delay between lines of output")
    pacing.add_argument("--jitter-ms", type=milliseconds, default=0.0, metavar="MS", help="up to this much more on each delay, at random")
    pacing.add_argument("--pacing-seed", type=int, default=0, metavar="N", help="seed of the jitter and fragment sizes (default 0: reproducible)")
    pacing.add_argument("--fragment", action="store_true", help="write output in small pieces, so prompts arrive split across reads")
    return parser.parse_args(argv)


def milliseconds(text: str) -> float:
    """A command-line delay in milliseconds, as seconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of milliseconds: {text!r}") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"not a delay: {text!r}")
    return value / 1000


def positive_number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be more than 0: {text!r}")
    return value


def pacing_of(arguments: argparse.Namespace) -> Pacing:
    return Pacing(
        echo_to_prompt=arguments.echo_to_prompt_ms,
        between_lines=arguments.line_delay_ms,
        jitter=arguments.jitter_ms,
        fragment=arguments.fragment,
        seed=arguments.pacing_seed,
    )


def boot(arguments: argparse.Namespace) -> Device:
    """The router as it comes up: from its saved startup configuration, else from the first-boot one.

    Raises StartError when the file cannot be read or loaded; with --carry-unknown, reports the carried lines.
    """
    startup = arguments.startup_config
    source = startup if startup is not None and startup.exists() else arguments.running_config
    tree = load_configuration(source, getattr(arguments, "carry_unknown", False))
    device = Device(tree)
    if startup is not None:
        device.on_save = lambda lines: save_atomically(startup, "".join(line + "\n" for line in lines))
    return device


def load_configuration(path: pathlib.Path, carry_unknown: bool) -> ConfigTree:
    """The configuration in path, or StartError saying in one line why it cannot be the router's."""
    text = read_text(path)
    top_level = top_level_line_numbers(text)
    if not top_level:
        raise StartError(f"{path}: not an NEC IX configuration: there is no configuration line in it")
    try:
        return ConfigTree.parse(text)
    except ConfigError as error:
        strict_error = error
    try:
        carried_tree = ConfigTree.parse(text, carry_unknown=True)
    except ConfigError as error:
        # Not a line the emulator does not know (carrying would keep that): the layout itself is wrong.
        raise StartError(f"{path} {error}; fix the file (a block's lines are indented under its first line)") from None
    carried = {number for number, line in carried_tree.carried}
    # Does anything in it look like an IX? The header, or a top-level line the emulator knows.
    if not has_ix_header(text) and all(number in carried for number in top_level):
        raise StartError(f"{path}: not an NEC IX configuration: no `! NEC ...` header, and no line the emulator knows ({strict_error})")
    if not carry_unknown:
        raise StartError(f"{path} {strict_error}; run with --carry-unknown to keep such lines as they are, or report it")
    report_carried(path, carried_tree)
    return carried_tree


def read_text(path: pathlib.Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise StartError(f"{path}: cannot read it: {error.strerror or error}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise StartError(f"{path}: not an NEC IX configuration: it is not UTF-8 text") from None


def top_level_line_numbers(text: str) -> list[int]:
    """The numbers of the configuration lines that start at the left margin (not blank, not a `!` comment)."""
    return [number for number, raw in enumerate(text.splitlines(), start=1) if raw.strip() and not raw[:1].isspace() and not raw.startswith("!")]


def has_ix_header(text: str) -> bool:
    """Whether the `!` lines the text starts with are the header `show running-config` prints on an IX."""
    for raw in text.splitlines():
        if raw.strip() and not raw.startswith("!"):
            return False
        if any(marker in raw for marker in IX_HEADER_MARKERS):
            return True
    return False


def report_carried(path: pathlib.Path, tree: ConfigTree) -> None:
    carried = list(tree.carried)
    if len(carried) == 1:
        count = "1 line the emulator does not know, carried as it is"
    else:
        count = f"{len(carried)} lines the emulator does not know, carried as they are"
    print(f"{PROGRAM}: {path}: {count}", file=sys.stderr)
    for number, line in carried:
        print(f"{PROGRAM}: {path} line {number}: {line}", file=sys.stderr)


def rehearsal_password(arguments: argparse.Namespace) -> str | None:
    """The rehearsal user's password, from the environment (a command line is visible to every local user)."""
    if arguments.rehearsal_user is None:
        return None
    if not arguments.rehearsal_user or any(character.isspace() for character in arguments.rehearsal_user):
        raise StartError(f"--rehearsal-user {arguments.rehearsal_user!r}: a user name is one word")
    password = os.environ.get(PASSWORD_VARIABLE, "")
    if not password:
        raise StartError(f"--rehearsal-user {arguments.rehearsal_user} needs its password in the environment variable {PASSWORD_VARIABLE}, which is empty")
    return password


def save_atomically(path: pathlib.Path, text: str) -> None:
    """Replace path whole, readable by its owner only: a crash leaves the previous file or the new one, never a part.

    The text goes to a new file beside path (mkstemp: mode 0600, a name no one else uses), is flushed to disk,
    and is renamed over path; the directory is flushed too, so the rename outlives a power cut.
    """
    descriptor, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as output:
            output.write(text)
            output.flush()
            os.fsync(output.fileno())
        os.replace(partial, path)
    except BaseException:
        pathlib.Path(partial).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def write_ports_file(path: pathlib.Path, ssh: int, telnet: int) -> str:
    """Write the ports as JSON for whoever waits for the emulator; returns the text written."""
    text = json.dumps({"pid": os.getpid(), "ssh": ssh, "telnet": telnet}) + "\n"
    try:
        save_atomically(path, text)
    except OSError as error:
        raise StartError(f"--ports-file {path}: cannot write it: {error.strerror or error}") from None
    return text


def remove_ports_file(path: pathlib.Path, written: str) -> None:
    """Remove the ports file at exit if it is still the one this process wrote: the ports are closed now."""
    try:
        if path.read_text(encoding="utf-8") == written:
            path.unlink()
    except OSError:
        pass


async def wait_until_idle(servers, seconds: float) -> None:
    """Return once no connection has been open for seconds."""
    while True:
        idle = servers.idle_for()
        if idle >= seconds:
            return
        await asyncio.sleep(min(seconds - idle, IDLE_CHECK_INTERVAL, seconds / 4))


async def run(servers, arguments: argparse.Namespace) -> None:
    """Listen, announce the ports, and serve until a stop signal or --idle-exit."""
    from .server import ListenError  # pylint: disable=import-outside-toplevel  # needs asyncssh, see main()

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in STOP_SIGNALS:
        loop.add_signal_handler(number, stop.set)
    ports_file, ports_text = arguments.ports_file, None
    try:
        if ports_file is not None:
            # A file left by an earlier run must not pass for this one's.
            remove_stale(ports_file)
        try:
            ports = await servers.start(arguments.listen, arguments.ssh_port, arguments.telnet_port)
        except ListenError as error:
            raise StartError(str(error)) from None
        if ports_file is not None:
            ports_text = write_ports_file(ports_file, ports.ssh, ports.telnet)
        print(f"ssh {ports.ssh} telnet {ports.telnet}", flush=True)
        waiters = [asyncio.ensure_future(stop.wait())]
        if arguments.idle_exit is not None:
            waiters.append(asyncio.ensure_future(wait_until_idle(servers, arguments.idle_exit)))
        pending = (await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED))[1]
        for waiter in pending:
            waiter.cancel()
        if not stop.is_set():
            print(f"{PROGRAM}: no connection for {arguments.idle_exit:g} s; exiting", file=sys.stderr)
    finally:
        await servers.stop()
        if ports_text is not None:
            remove_ports_file(ports_file, ports_text)


def remove_stale(path: pathlib.Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as error:
        raise StartError(f"--ports-file {path}: cannot replace it: {error.strerror or error}") from None


def serve_until_stopped(arguments: argparse.Namespace) -> None:
    """Check everything the user gave, then serve; StartError for the first thing that is wrong."""
    try:
        # pylint: disable-next=import-outside-toplevel  # so that a missing asyncssh is one clear line
        from .server import EmulatorServers
        from .ssh import generate_host_key, read_host_key  # pylint: disable=import-outside-toplevel
    except ModuleNotFoundError as error:
        if error.name != "asyncssh":
            raise
        raise StartError("the SSH service needs asyncssh: pip install -r requirements-rehearsal.txt") from None
    password = rehearsal_password(arguments)
    device = boot(arguments)
    if password is not None:
        device.add_login(arguments.rehearsal_user, password)
    host_key = read_host_key_or_explain(read_host_key, arguments.host_key) if arguments.host_key else generate_host_key()
    asyncio.run(run(EmulatorServers(device, host_key, pacing_of(arguments)), arguments))


def read_host_key_or_explain(read_host_key, path: str):
    try:
        return read_host_key(path)
    except OSError as error:
        raise StartError(f"--host-key {path}: cannot read it: {error.strerror or error}") from None
    except (ValueError, TypeError) as error:
        # asyncssh.KeyImportError is a ValueError.
        raise StartError(f"--host-key {path}: not a private key asyncssh can use: {error}") from None


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    try:
        serve_until_stopped(arguments)
    except StartError as error:
        print(f"{PROGRAM}: {error}", file=sys.stderr)
        return USAGE_ERROR
    return 0


if __name__ == "__main__":
    sys.exit(main())
