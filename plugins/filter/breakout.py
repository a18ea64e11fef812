# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Breakout prefixes (seed 003) from AWS's ip-ranges.json or a plain list, and the configuration of the program that
refreshes them on a host. The documentation is in breakout_prefixes.yml and breakout_refresh_config.yml next to this
file; the parsing is module_utils/breakout_prefixes.py and the program module_utils/breakout_refresh.py, which the
host's program embeds: the controller checks a configuration with the program's own check."""

from __future__ import annotations

import re
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.multisite.vpn.plugins.module_utils.breakout_prefixes import BreakoutListError, aggregate, parse, select
from ansible_collections.multisite.vpn.plugins.module_utils.breakout_refresh import BIRDC_PATH, OUTPUT_PATH, ConfigError, check_config

FAMILIES = {"ipv4": 4, "ipv6": 6}
# The role's keys that are the program's too; refresh and interval are the timer's.
PROGRAM_KEYS = ("sources", "gateway4", "gateway6", "max_prefixes", "timeout")
ROLE_KEYS = PROGRAM_KEYS + ("refresh", "interval")
# A systemd calendar expression (daily, hourly, Mon *-*-* 04:00:00, *-*-* 00/6:00): it goes into a unit file's line.
CALENDAR = re.compile(r"[A-Za-z0-9*:,./~+ -]+")


def _names(name: str, value) -> list:
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise AnsibleFilterError("%s must be a list such as ['AMAZON'], not %s %r" % (name, type(value).__name__, value))
    return list(value)


def breakout_prefixes(text, services=None, regions=None, families=None) -> list[str]:
    """The prefixes of the list TEXT of SERVICES in REGIONS (empty: all) and FAMILIES (ipv4, ipv6), merged."""
    wanted = _names("families", families) or list(FAMILIES)
    unknown = [family for family in wanted if family not in FAMILIES]
    if unknown:
        raise AnsibleFilterError("families: %s is not ipv4 or ipv6" % ", ".join(repr(family) for family in unknown))
    try:
        return aggregate(select(parse(text), _names("services", services), _names("regions", regions),
                                [FAMILIES[family] for family in wanted]))
    except BreakoutListError as error:
        raise AnsibleFilterError("the breakout list cannot be used: %s" % error) from None


def breakout_refresh_config(breakout, name: str = "breakout", output: str = OUTPUT_PATH, birdc: str = BIRDC_PATH) -> dict:
    """The refresh program's configuration from a role's BREAKOUT setting ({sources, gateway4, gateway6, refresh,
    interval, max_prefixes, timeout}), checked by the program's own check; NAME starts every message."""
    if breakout is None:
        breakout = {}
    if not isinstance(breakout, Mapping):
        raise AnsibleFilterError("%s: give a mapping {sources, gateway4, gateway6, refresh, interval}, not %s" % (name, type(breakout).__name__))
    unknown = sorted(set(breakout) - set(ROLE_KEYS))
    if unknown:
        raise AnsibleFilterError("%s.%s: unknown key (known: %s)" % (name, unknown[0], ", ".join(ROLE_KEYS)))
    if not isinstance(breakout.get("refresh", True), bool):
        raise AnsibleFilterError("%s.refresh: %r is not true or false" % (name, breakout["refresh"]))
    interval = breakout.get("interval", "daily")
    if not isinstance(interval, str) or not CALENDAR.fullmatch(interval):
        raise AnsibleFilterError("%s.interval: %r is not a systemd calendar expression such as daily or *-*-* 04:00:00" % (name, interval))
    try:
        return check_config(dict({key: breakout[key] for key in PROGRAM_KEYS if key in breakout}, output=output, birdc=birdc))
    except ConfigError as error:
        raise AnsibleFilterError("%s.%s" % (name, error)) from None


class FilterModule:
    """Breakout prefix lists, and the configuration of their refresh program."""

    def filters(self):
        return {"breakout_prefixes": breakout_prefixes, "breakout_refresh_config": breakout_refresh_config}
