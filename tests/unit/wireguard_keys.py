# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Well-formed WireGuard keys for the tests: 32 repeated bytes each, so a test can tell them apart."""

from __future__ import annotations

import base64


def make_key(byte: int) -> str:
    return base64.b64encode(bytes([byte]) * 32).decode("ascii")


PRIVATE = make_key(0x50)
HUB = make_key(0x10)
SPOKE_JP = make_key(0x21)
SPOKE_US = make_key(0x22)
SPOKE_DE = make_key(0x23)
PSK_1 = make_key(0x71)
PSK_2 = make_key(0x72)
