# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading a prefix as a user writes it, for every check that says what is wrong with one in its own words."""

from __future__ import annotations

import ipaddress


def read_prefix(text):
    """(the network, None) for TEXT, a prefix written with its network address (a bare address is its /32 or /128);
    (None, the prefix probably meant) when TEXT has host bits set; (None, None) when it is no prefix at all."""
    if not isinstance(text, str):
        return None, None
    try:
        return ipaddress.ip_network(text.strip()), None
    except ValueError:
        pass
    try:
        return None, ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None, None
