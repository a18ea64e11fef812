# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options of the NEC IX modules (multisite.vpn.ix_cli_push, multisite.vpn.ix_running_config), shared by
their action plugins and their documentation modules. The modules run on the controller: the router has no Python."""

from __future__ import annotations

SAVE_WHEN = ("changed", "always", "never")
TRANSPORTS = {"ssh": "nec_ix", "telnet": "nec_ix_telnet"}  # -> netmiko device types

# How to reach the router and how long to wait for it (doc fragment multisite.vpn.ix_connection).
CONNECTION_ARGUMENT_SPEC = {
    "transport": {"type": "str", "choices": sorted(TRANSPORTS)},
    "host": {"type": "str"},
    "port": {"type": "int"},
    "username": {"type": "str"},
    "password": {"type": "str", "no_log": True},
    "timeout": {"type": "int", "default": 30},
    "delay_factor": {"type": "float", "default": 1.0},
}

PUSH_ARGUMENT_SPEC = dict(
    CONNECTION_ARGUMENT_SPEC,
    config={"type": "str", "required": True},
    save_when={"type": "str", "choices": list(SAVE_WHEN), "default": "changed"},
    update_secrets={"type": "bool", "default": False},
    takeover={"type": "bool", "default": False},
    allow_management_change={"type": "bool", "default": False},
    authoritative_blocks={"type": "list", "elements": "str", "default": [".*"]},
    backup_dir={"type": "path", "default": "~/.local/state/multisite-vpn/ix-backups"},
    management_address={"type": "str"},
)

RUNNING_CONFIG_ARGUMENT_SPEC = dict(
    CONNECTION_ARGUMENT_SPEC,
    dest={"type": "path", "required": True},
)
