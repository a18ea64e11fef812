# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The IX emulator as the process a user or the rehearsal playbook runs: `python -m ...ix_emulator`.

Whatever the user gave that cannot work ends the process with one line on stderr and status 2; --ports-file tells a
waiting playbook the ports; --rehearsal-user logs in with a password from the environment; --idle-exit ends a server
nobody uses; the pacing flags slow the answers down.
"""

from __future__ import annotations

import inspect
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time

import paramiko
import pytest

from ansible_collections.multisite.vpn.ix_emulator.config import ConfigTree
from ansible_collections.multisite.vpn.ix_emulator.ssh import generate_host_key
from ansible_collections.multisite.vpn.tests.data.ix import EMULATOR_CONFIG as CONFIG
from ansible_collections.multisite.vpn.tests.integration.test_ix_emulator_network import CONFIG_PROMPT, PROMPT, RawSSH, RawTelnet

MODULE = "ansible_collections.multisite.vpn.ix_emulator"
PASSWORD_VARIABLE = "IX_EMULATOR_PASSWORD"
REHEARSAL_USER = "rehearsal"
REHEARSAL_PASSWORD = "rehearsal-password-from-the-environment"
# A copy of a real router: its users have hashes no one can log in with.
REAL_ROUTER_HEADER = """\
! NEC Portable Internetwork Core Operating System Software
! IX Series IX2215 (magellan-sec) Software, Version 10.7.18, RELEASE SOFTWARE
! Compiled Nov 20-Mon-2023 14:53:19 JST #2 by sw-build, coregen-10.7(18)
! Current time May 26-Sun-2024 16:08:00 JST
!
"""
REAL_ROUTER = REAL_ROUTER_HEADER + """\
username admin password hash 0123456789ABCDEF0123456789ABCDEF administrator
!
ssh-server ip enable
telnet-server ip enable
"""
# A line no IX knows (the emulator's grammar grows; this one stays foreign).
UNKNOWN_LINE = "frobnicate the-flux-capacitor 88"
# Processes start in well under a second; a slow CI machine gets this long for anything to happen.
TIMEOUT = 30
POLL = 0.05


@pytest.fixture(name="host_key_file", scope="module")
def fixture_host_key_file(tmp_path_factory):
    """One host key for every process of the module: generating one per process costs a second of CPU each."""
    path = tmp_path_factory.mktemp("host-key") / "ssh_host_rsa_key"
    generate_host_key().write_private_key(str(path))
    return path


def environment(**variables) -> dict[str, str]:
    """The test's environment, the collection importable, without a password unless given."""
    result = {name: value for name, value in os.environ.items() if name != PASSWORD_VARIABLE}
    result.update(PYTHONPATH=os.pathsep.join(sys.path), PYTHONWARNINGS="ignore", **variables)
    return result


def write(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


def emulator(*arguments: str, **variables) -> subprocess.CompletedProcess:
    """Run the emulator to its end (for arguments it must refuse)."""
    return subprocess.run([sys.executable, "-m", MODULE, *map(str, arguments)], capture_output=True, text=True, env=environment(**variables),
                          timeout=TIMEOUT, check=False)


class RunningEmulator:
    """The emulator started with a ports file; stop() ends it with SIGTERM and returns its stderr."""

    def __init__(self, tmp_path, host_key_file, *arguments: str, **variables) -> None:
        self.ports_file = tmp_path / "ports.json"
        command = [sys.executable, "-m", MODULE, "--host-key", str(host_key_file), "--ports-file", str(self.ports_file), *map(str, arguments)]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment(**variables))
        self.ports = self._wait_for_ports()

    def _wait_for_ports(self) -> dict:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the emulator ended with {self.process.returncode}: {self.process.stderr.read()}")
            try:
                ports = json.loads(self.ports_file.read_text(encoding="utf-8"))
            except FileNotFoundError:
                time.sleep(POLL)
                continue
            if ports["pid"] == self.process.pid:
                return ports
            time.sleep(POLL)
        raise TimeoutError(f"no ports file from the emulator in {TIMEOUT} s")

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.communicate(timeout=TIMEOUT)[1]

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate(timeout=TIMEOUT)


@pytest.fixture(name="start")
def fixture_start(tmp_path, host_key_file):
    """start(*arguments, **environment) runs the emulator until the test ends."""
    started = []

    def start(*arguments, **variables):
        running = RunningEmulator(tmp_path, host_key_file, *arguments, **variables)
        started.append(running)
        return running

    yield start
    for running in started:
        running.kill()


@pytest.fixture(name="listening_port")
def fixture_listening_port():
    """A port something else listens on."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def bad_inputs(tmp_path, host_key_file, listening_port):
    """(arguments, environment, what the one line must say) for each thing the emulator must refuse."""
    good = write(tmp_path / "good.cfg", CONFIG)
    unknown = write(tmp_path / "tokyo.cfg", CONFIG + "!\n" + UNKNOWN_LINE + "\n")
    not_utf8 = tmp_path / "latin1.cfg"
    not_utf8.write_bytes(b"hostname caf\xe9\n")
    not_a_key = write(tmp_path / "not-a-key", "not a key\n")
    return {
        "unknown-line": (["--running-config", unknown], {},
                         f"ix_emulator: {unknown} line 5: '{UNKNOWN_LINE}' is not a line the emulator knows; "
                         "run with --carry-unknown to keep such lines as they are, or report it"),
        "unknown-line-in-startup-config": (["--running-config", good, "--startup-config", unknown], {}, f"ix_emulator: {unknown} line 5: "),
        "missing-file": (["--running-config", tmp_path / "missing.cfg"], {}, f"ix_emulator: {tmp_path / 'missing.cfg'}: cannot read it: No such file"),
        "directory": (["--running-config", tmp_path], {}, f"ix_emulator: {tmp_path}: cannot read it: Is a directory"),
        "not-utf-8": (["--running-config", not_utf8], {}, "not an NEC IX configuration: it is not UTF-8 text"),
        "yaml": (["--running-config", write(tmp_path / "inventory.yml", "---\nrouters:\n  - tokyo\n")], {}, "not an NEC IX configuration"),
        "cisco": (["--running-config", write(tmp_path / "cisco.cfg", "!\nversion 15.2\nservice timestamps debug datetime msec\n")], {},
                  "not an NEC IX configuration"),
        "empty": (["--running-config", write(tmp_path / "empty.cfg", "")], {}, "not an NEC IX configuration: there is no configuration line"),
        "header-only": (["--running-config", write(tmp_path / "header.cfg", REAL_ROUTER_HEADER)], {}, "there is no configuration line"),
        "ssh-port-in-use": (["--running-config", good, "--host-key", host_key_file, "--ssh-port", listening_port], {},
                            f"ix_emulator: cannot listen for SSH on 127.0.0.1 port {listening_port}: Address already in use"),
        "telnet-port-in-use": (["--running-config", good, "--host-key", host_key_file, "--telnet-port", listening_port], {},
                               f"ix_emulator: cannot listen for telnet on 127.0.0.1 port {listening_port}: Address already in use"),
        "no-such-address": (["--running-config", good, "--host-key", host_key_file, "--listen", "192.0.2.1"], {}, "cannot listen for SSH on 192.0.2.1"),
        "host-key-not-a-key": (["--running-config", good, "--host-key", not_a_key], {}, f"ix_emulator: --host-key {not_a_key}: not a private key"),
        "host-key-missing": (["--running-config", good, "--host-key", tmp_path / "no-key"], {}, "cannot read it: No such file"),
        "ports-file-in-a-missing-directory": (["--running-config", good, "--host-key", host_key_file, "--ports-file", tmp_path / "no" / "ports.json"],
                                              {}, "ix_emulator: --ports-file "),
        "rehearsal-user-without-password": (["--running-config", good, "--rehearsal-user", REHEARSAL_USER], {},
                                            f"ix_emulator: --rehearsal-user {REHEARSAL_USER} needs its password in the environment variable "
                                            f"{PASSWORD_VARIABLE}, which is empty"),
        "rehearsal-user-with-empty-password": (["--running-config", good, "--rehearsal-user", REHEARSAL_USER], {PASSWORD_VARIABLE: ""},
                                               f"the environment variable {PASSWORD_VARIABLE}, which is empty"),
    }


BAD_INPUTS = ["unknown-line", "unknown-line-in-startup-config", "missing-file", "directory", "not-utf-8", "yaml", "cisco", "empty", "header-only",
              "ssh-port-in-use", "telnet-port-in-use", "no-such-address", "host-key-not-a-key", "host-key-missing", "ports-file-in-a-missing-directory",
              "rehearsal-user-without-password", "rehearsal-user-with-empty-password"]


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_what_cannot_work_is_one_line_and_status_2(tmp_path, host_key_file, listening_port, case):
    arguments, variables, expected = bad_inputs(tmp_path, host_key_file, listening_port)[case]
    result = emulator(*arguments, **variables)
    assert (result.returncode, result.stdout) == (2, "")
    assert "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith("ix_emulator: ") and expected in result.stderr
    assert not list(tmp_path.glob("*.partial")) and not list(tmp_path.glob(".*.partial"))


def test_the_ports_file_appears_once_both_services_listen_and_goes_at_exit(tmp_path, start):
    ports_file = tmp_path / "ports.json"
    write(ports_file, json.dumps({"pid": 1, "ssh": 22, "telnet": 23}))  # left by an earlier run
    running = start("--running-config", write(tmp_path / "good.cfg", CONFIG))
    assert set(running.ports) == {"pid", "ssh", "telnet"}
    assert stat.S_IMODE(ports_file.stat().st_mode) == 0o600
    telnet = RawTelnet(running.ports["telnet"])
    ssh = RawSSH(running.ports["ssh"])
    try:
        assert telnet.log_in().endswith(PROMPT)
        assert ssh.log_in().endswith(PROMPT)
    finally:
        telnet.close()
        ssh.close()
    assert running.stop() == ""
    assert running.process.returncode == 0
    assert not ports_file.exists()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["good.cfg"]


@pytest.mark.parametrize("kind", ["ssh", "telnet"])
def test_the_rehearsal_user_logs_in_as_administrator_with_the_password_from_the_environment(tmp_path, start, kind):
    running = start("--running-config", write(tmp_path / "tokyo.cfg", REAL_ROUTER), "--rehearsal-user", REHEARSAL_USER,
                    **{PASSWORD_VARIABLE: REHEARSAL_PASSWORD})
    with open(f"/proc/{running.process.pid}/cmdline", "rb") as command_line:
        assert REHEARSAL_PASSWORD.encode() not in command_line.read()
    port = running.ports[kind]
    client = (RawSSH if kind == "ssh" else RawTelnet)(port, username=REHEARSAL_USER, password=REHEARSAL_PASSWORD)
    try:
        client.log_in()
        client.send_line("configure")
        assert client.read_until(CONFIG_PROMPT).startswith(b"configure\r\nEnter configuration commands")
        client.send_line("show running-config")
        assert REHEARSAL_USER.encode() not in client.read_until(b"--More--")  # a login of the emulator's, not the router's
    finally:
        client.close()
    if kind == "ssh":
        with pytest.raises(paramiko.AuthenticationException):
            RawSSH(port, username=REHEARSAL_USER, password="a-wrong-password")
    else:
        wrong = RawTelnet(port, username=REHEARSAL_USER, password="a-wrong-password")
        try:
            assert wrong.log_in(until=b"Login incorrect\r\n").endswith(b"Login incorrect\r\n")
        finally:
            wrong.close()


def test_carried_lines_are_counted_and_listed_on_stderr(tmp_path, start):
    if "carry_unknown" not in inspect.signature(ConfigTree.parse).parameters:
        pytest.skip("ConfigTree.parse cannot carry unknown lines yet")
    text = REAL_ROUTER + UNKNOWN_LINE + "\nfrobnicate the-other-one\n"
    running = start("--running-config", write(tmp_path / "tokyo.cfg", text), "--carry-unknown")
    stderr = running.stop().splitlines()
    assert stderr == [
        f"ix_emulator: {tmp_path / 'tokyo.cfg'}: 2 lines the emulator does not know, carried as they are",
        f"ix_emulator: {tmp_path / 'tokyo.cfg'} line 10: {UNKNOWN_LINE}",
        f"ix_emulator: {tmp_path / 'tokyo.cfg'} line 11: frobnicate the-other-one",
    ]


def test_idle_exit_waits_while_a_connection_is_open_then_ends_the_process(tmp_path, start):
    idle = 1.5
    running = start("--running-config", write(tmp_path / "good.cfg", CONFIG), "--idle-exit", idle)
    client = RawTelnet(running.ports["telnet"])
    client.log_in()
    time.sleep(2 * idle)
    assert running.process.poll() is None, "ended with a connection open"
    closed = time.monotonic()
    client.close()
    assert running.process.wait(TIMEOUT) == 0
    ended = time.monotonic()
    assert ended - closed >= idle
    assert "no connection for 1.5 s" in running.process.stderr.read()
    assert not running.ports_file.exists()


def test_idle_exit_ends_a_process_no_one_connected_to(tmp_path, start):
    running = start("--running-config", write(tmp_path / "good.cfg", CONFIG), "--idle-exit", "0.5")
    assert running.process.wait(TIMEOUT) == 0


def test_pacing_flags_slow_the_answers_down(tmp_path, start):
    running = start("--running-config", write(tmp_path / "good.cfg", CONFIG), "--echo-to-prompt-ms", "250", "--line-delay-ms", "20",
                    "--jitter-ms", "10", "--fragment")
    client = RawTelnet(running.ports["telnet"])
    try:
        client.log_in()
        sent = client.send_line("configure")
        answer = client.read_until(CONFIG_PROMPT)
        answered = client.arrival_of(len(client.stream) - len(answer) + len(b"configure\r\n")) - sent
    finally:
        client.close()
    assert answer == b"configure\r\nEnter configuration commands, one per line. End with CNTL/Z.\r\n" + CONFIG_PROMPT
    assert answered >= 0.25
    assert len(client.reads) > 10  # fragmented
