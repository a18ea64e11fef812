# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An in-process emulator of the NEC IX2215 command line, for tests: Device holds the router, Session one login.

Typical use::

    device = Device.from_running_config(text)
    session = device.open_session()
    output = session.banner()
    output = session.feed("configure")

Over the network (asyncssh), for pytest: server.serve(device, pacing=Pacing(echo_to_prompt=0.04)); a test of a client's
error handling arranges faults with device.inject_fault(after_config_lines, "hang-up" | "reload" | "takeover") and
answers with device.inject_answer(line, "% ...", applied).
"""

from __future__ import annotations

from .config import ConfigError, ConfigTree, secret_digest
from .device import FAULTS, Device
from .session import Session
from .terminal import Pacing

__all__ = ["FAULTS", "ConfigError", "ConfigTree", "Device", "Pacing", "Session", "secret_digest"]
