# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The IX emulator's terminal without a network: pacing on a real event loop, injected faults and answers, added logins.

The same over real SSH and telnet on loopback: tests/integration/test_ix_emulator_transports.py (netmiko, raw telnet,
paramiko, the CLI entry point) and tests/integration/test_ix_emulator_network.py (pacing, faults and answers as a client
sees them).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime

import pytest

from ansible_collections.multisite.vpn.ix_emulator import Device, Pacing
from ansible_collections.multisite.vpn.ix_emulator.terminal import FRAGMENT_MAX_BYTES, PacedOutput, Terminal, is_configuration_line
from ansible_collections.multisite.vpn.tests.data.ix import EMULATOR_CONFIG as CONFIG
from ansible_collections.multisite.vpn.tests.data.ix import EMULATOR_CONFIG_PROMPT as CONFIG_PROMPT
from ansible_collections.multisite.vpn.tests.data.ix import EMULATOR_PASSWORD as PASSWORD
from ansible_collections.multisite.vpn.tests.data.ix import EMULATOR_PROMPT as PROMPT
from ansible_collections.multisite.vpn.tests.data.ix import NEW_ROUTE, OCCUPIED

# A hang fails the test after this many seconds instead of blocking the run.
TIMEOUT = 10
# A fixed clock, so that two devices list the same `! Current time` lines and their output can be compared byte for byte.
FROZEN = datetime.datetime(2024, 5, 26, 16, 8, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=9)))
SECOND_ROUTE = "ip route 172.16.0.0/12 Null0.0"
THIRD_ROUTE = "ip route 192.168.0.0/16 Null0.0"
INVALID_INPUT = "% Invalid input"
# Pacing tests wait for timers on a real event loop; a timer never fires early, only late, so only lower bounds are
# exact. TIMER_RESOLUTION allows for asyncio running a timer up to its clock's resolution early.
TIMER_RESOLUTION = 1e-6
PACED_DELAYS = [0.0, 0.04, 0.25]


class FakeConnection:
    """A Terminal on no network: what it writes is kept, with the event loop's time of each write when there is one."""

    def __init__(self, device, pacing=Pacing(), login=False):
        self.writes: list[tuple[float, bytes]] = []
        # The delay of every timer the pacing set, when paced_session records them.
        self.delays: list[float] = []
        self.hung_up = False
        self.dropped = False
        self.terminal = Terminal(device, self._write, self._hang_up, login=login, pacing=pacing, drop=self._drop)
        self.terminal.start()

    @property
    def output(self) -> str:
        return b"".join(data for moment, data in self.writes).decode()

    def type(self, text: str) -> str:
        """Type text; returns what the terminal wrote at once (everything, without pacing)."""
        start = len(self.writes)
        self.terminal.receive(text.encode())
        return b"".join(data for moment, data in self.writes[start:]).decode()

    def _write(self, data: bytes) -> None:
        try:
            moment = asyncio.get_running_loop().time()
        except RuntimeError:
            moment = 0.0
        self.writes.append((moment, data))

    def _hang_up(self) -> None:
        self.hung_up = True

    def _drop(self) -> None:
        self.dropped = True


def in_configuration_mode(device):
    connection = FakeConnection(device)
    connection.type("configure\r")
    return connection


def test_without_pacing_the_terminal_answers_at_once_without_an_event_loop(device):
    connection = FakeConnection(device)
    assert connection.output.endswith(PROMPT)
    assert connection.type("configure\r") == "configure\r\nEnter configuration commands, one per line. End with CNTL/Z.\r\n" + CONFIG_PROMPT


def test_pacing_refuses_negative_delays():
    with pytest.raises(ValueError, match="echo_to_prompt"):
        Pacing(echo_to_prompt=-0.01)


def paced_session(pacing, typed):
    """Log in over a paced FakeConnection on a new event loop and type typed; returns the connection, once every answer
    is written, and what was written at once when typed arrived (the echo, when nothing else waited).
    connection.delays lists the delay of every timer the pacing set, in order."""
    device = Device.from_running_config(CONFIG, clock=lambda: FROZEN)
    delays: list[float] = []

    async def scenario():
        loop = asyncio.get_running_loop()
        schedule_timer = loop.call_later

        def recording_call_later(delay, callback, *arguments):
            if isinstance(getattr(callback, "__self__", None), PacedOutput):  # not the test's own sleeps
                delays.append(delay)
            return schedule_timer(delay, callback, *arguments)

        loop.call_later = recording_call_later
        connection = FakeConnection(device, pacing=pacing)
        connection.delays = delays
        while connection.terminal._output.busy:  # pylint: disable=protected-access  # the test waits for the queue
            await asyncio.sleep(0.005)
        at_once = connection.type(typed)
        while connection.terminal._output.busy:  # pylint: disable=protected-access
            await asyncio.sleep(0.005)
        return connection, at_once

    return asyncio.run(asyncio.wait_for(scenario(), TIMEOUT))


def first_write_with(writes, text: bytes, start=0):
    """The index of the write that completes text in the output from writes[start:]."""
    seen = b""
    for index in range(start, len(writes)):
        seen += writes[index][1]
        if text in seen:
            return index
    raise AssertionError(f"{text!r} not written; got {seen!r}")


@pytest.mark.parametrize("delay", PACED_DELAYS)
def test_the_answer_comes_echo_to_prompt_after_the_echo_of_the_line_end(delay):
    connection, at_once = paced_session(Pacing(echo_to_prompt=delay), "configure\r")
    writes = connection.writes
    echo_end = first_write_with(writes, b"configure\r\n")
    answer = echo_end + 1
    assert writes[answer][1].startswith(b"Enter configuration commands")
    assert writes[answer][0] - writes[echo_end][0] >= delay - TIMER_RESOLUTION
    # The echo itself is not delayed: it is written while the keys are received.
    assert at_once.startswith("configure\r\n")
    assert at_once == "configure\r\n" if delay else at_once.endswith(CONFIG_PROMPT)


def test_lines_of_an_answer_come_between_lines_apart():
    connection = paced_session(Pacing(echo_to_prompt=0.01, between_lines=0.05), "configure\r")[0]
    writes = connection.writes
    message = first_write_with(writes, b"End with CNTL/Z.\r\n")
    prompt = first_write_with(writes, CONFIG_PROMPT.encode(), start=message + 1)
    assert writes[prompt][0] - writes[message][0] >= 0.05 - TIMER_RESOLUTION
    assert connection.output.endswith("End with CNTL/Z.\r\n" + CONFIG_PROMPT)


def test_jitter_adds_at_most_its_amount_to_each_delay_and_repeats_with_its_seed():
    pacing = Pacing(echo_to_prompt=0.02, between_lines=0.01, jitter=0.03, seed=7)
    first = paced_session(pacing, "configure\r")[0]
    # The banner's lines, then the answer to `configure`: its first line after echo_to_prompt, its prompt a line later.
    line_delays = first.delays[-2:]
    assert 0.02 <= line_delays[0] <= 0.05 and 0.01 <= line_delays[1] <= 0.04
    assert len(set(first.delays)) == len(first.delays)  # every delay drew its own jitter
    assert paced_session(pacing, "configure\r")[0].delays == first.delays
    assert paced_session(dataclasses.replace(pacing, seed=8), "configure\r")[0].delays != first.delays


def test_fragmenting_splits_the_output_and_keeps_every_byte_in_order():
    typed = f"configure\r{NEW_ROUTE}\rshow running-config\r \r"
    whole = paced_session(Pacing(), typed)[0]
    fragmented = paced_session(Pacing(fragment=True), typed)[0]
    assert fragmented.output == whole.output
    assert len(fragmented.writes) > 2 * len(whole.writes)
    answers = [data for moment, data in fragmented.writes if len(data) > 1]
    assert all(len(data) <= FRAGMENT_MAX_BYTES for data in answers)
    # Some prompt arrives in more than one piece.
    assert CONFIG_PROMPT.encode() not in {data for moment, data in fragmented.writes}


def test_keys_typed_ahead_are_taken_after_the_answer_to_the_line_before():
    # Both lines arrive at once; the second line's echo must not overtake the first line's paced answer.
    connection = paced_session(Pacing(echo_to_prompt=0.03), f"configure\r{NEW_ROUTE}\r")[0]
    assert connection.output.endswith(f"{CONFIG_PROMPT}{NEW_ROUTE}\r\n{CONFIG_PROMPT}")


@pytest.mark.parametrize(
    ("line", "counts"),
    [("ip route default Tunnel0.0", True), ("  no ip route default Tunnel0.0", True), ("ip route bogus", True), ("show running-config", False),
     ("write memory", False), ("terminal length 0", False), ("exit", False), ("configure", False), ("! a comment", False), ("", False)],
)
def test_which_lines_count_towards_a_fault(line, counts):
    assert is_configuration_line(line) is counts


def test_a_fault_counts_configuration_lines_over_every_session_and_fires_once(device):
    device.inject_fault(3, "hang-up")
    first = in_configuration_mode(device)
    first.type(f"{NEW_ROUTE}\rterminal length 0\rshow running-config\rwrite memory\r{SECOND_ROUTE}\rexit\r")
    second = in_configuration_mode(device)
    assert second.type(f"{THIRD_ROUTE}\r") == f"{THIRD_ROUTE}\r\n"  # the echo, then nothing: the connection is cut
    assert second.dropped and not second.hung_up
    assert not first.dropped
    assert THIRD_ROUTE in device.running_config_lines()
    assert device.configuration_owner is None
    third = in_configuration_mode(device)
    assert third.type("ip route 10.1.0.0/16 Null0.0\r").endswith(CONFIG_PROMPT)


def test_lines_typed_at_the_reload_question_are_not_configuration_lines(device):
    device.inject_fault(1, "hang-up")
    connection = in_configuration_mode(device)
    assert connection.type("reload\rno\r").endswith(CONFIG_PROMPT)
    assert not connection.dropped
    assert device.configuration_lines_typed == 0


def test_the_reload_fault_restores_the_startup_configuration_and_ends_every_session(device):
    watcher = FakeConnection(device)
    device.inject_fault(2, "reload")
    typist = in_configuration_mode(device)
    assert typist.type(f"{NEW_ROUTE}\r{SECOND_ROUTE}\r").endswith(f"{CONFIG_PROMPT}{SECOND_ROUTE}\r\n")
    assert typist.hung_up and watcher.hung_up
    assert not device.sessions
    assert NEW_ROUTE not in device.running_config_lines()


def test_the_takeover_fault_drops_the_typist_back_to_operation_mode(device):
    device.inject_fault(1, "takeover")
    typist = in_configuration_mode(device)
    assert typist.type(f"{NEW_ROUTE}\r") == f"{NEW_ROUTE}\r\n{PROMPT}"
    assert NEW_ROUTE in device.running_config_lines()
    assert OCCUPIED in typist.type("configure\r")
    assert device.configuration_owner is not None and device.configuration_owner is not typist.terminal.session


@pytest.mark.parametrize("applied", [True, False], ids=["after-applying", "instead-of-applying"])
def test_an_injected_answer_comes_once_before_the_prompt(device, applied):
    device.inject_answer(f" {NEW_ROUTE} ", INVALID_INPUT, applied=applied)
    connection = in_configuration_mode(device)
    assert connection.type(f"{NEW_ROUTE}\r") == f"{NEW_ROUTE}\r\n{INVALID_INPUT}\r\n{CONFIG_PROMPT}"
    assert (NEW_ROUTE in device.running_config_lines()) is applied
    assert connection.type(f"{NEW_ROUTE}\r") == f"{NEW_ROUTE}\r\n{CONFIG_PROMPT}"
    assert NEW_ROUTE in device.running_config_lines()


def test_an_injected_answer_waits_for_a_configuration_mode(device):
    device.inject_answer("configure", "% Flash memory is busy", applied=True)
    connection = FakeConnection(device)
    assert "Flash" not in connection.type("configure\r")  # typed in operation mode
    assert connection.type("configure\r") == f"configure\r\n% Flash memory is busy\r\n{CONFIG_PROMPT}"


@pytest.mark.parametrize(("count", "fault"), [(0, "hang-up"), (1, "power-cut")])
def test_inject_fault_refuses_what_it_cannot_do(device, count, fault):
    with pytest.raises(ValueError):
        device.inject_fault(count, fault)


def test_an_added_login_is_accepted_besides_the_configurations_users(device):
    device.add_login("rehearsal", "rehearsal-password")
    assert device.accepts_login("rehearsal", "rehearsal-password")
    assert device.accepts_login("admin", PASSWORD)
    assert not device.accepts_login("rehearsal", PASSWORD)
    assert "rehearsal" not in "\n".join(device.running_config_lines())


@pytest.fixture(name="device")
def fixture_device():
    return Device.from_running_config(CONFIG)
