# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An in-process emulator of the NEC IX2215 command line, for tests: Device holds the router, Session one login.

Typical use::

    device = Device.from_running_config(text)
    session = device.open_session()
    output = session.banner()
    output = session.feed("configure")
"""

from __future__ import annotations

from .config import ConfigError, ConfigTree, secret_digest
from .device import Device
from .session import Session

__all__ = ["ConfigError", "ConfigTree", "Device", "Session", "secret_digest"]
