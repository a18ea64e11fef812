# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Breakout prefixes (seed 003) from AWS's ip-ranges.json or a plain list. The documentation is in
breakout_prefixes.yml next to this file; the parsing is module_utils/breakout_prefixes.py, which a program on a
host can embed too."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.multisite.vpn.plugins.module_utils.breakout_prefixes import BreakoutListError, aggregate, parse, select

FAMILIES = {"ipv4": 4, "ipv6": 6}


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


class FilterModule:
    """Breakout prefix lists."""

    def filters(self):
        return {"breakout_prefixes": breakout_prefixes}
