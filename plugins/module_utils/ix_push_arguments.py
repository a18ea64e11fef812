# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options of multisite.vpn.ix_cli_push, shared by its action plugin and its documentation module."""

from __future__ import annotations

SAVE_WHEN = ("changed", "always", "never")
TRANSPORTS = {"ssh": "nec_ix", "telnet": "nec_ix_telnet"}  # -> netmiko device types

ARGUMENT_SPEC = {
    "config": {"type": "str", "required": True},
    "transport": {"type": "str", "choices": sorted(TRANSPORTS)},
    "host": {"type": "str"},
    "port": {"type": "int"},
    "username": {"type": "str"},
    "password": {"type": "str", "no_log": True},
    "save_when": {"type": "str", "choices": list(SAVE_WHEN), "default": "changed"},
    "update_secrets": {"type": "bool", "default": False},
    "takeover": {"type": "bool", "default": False},
    "allow_management_change": {"type": "bool", "default": False},
    "authoritative_blocks": {"type": "list", "elements": "str", "default": [".*"]},
    "backup_dir": {"type": "path", "default": "~/.local/state/multisite-vpn/ix-backups"},
    "timeout": {"type": "int", "default": 30},
}
