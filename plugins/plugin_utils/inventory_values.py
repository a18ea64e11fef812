# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory's values as the filter plugins read and show them: one home for what inventory_checks and
reverse_proxy share (their own checks stay in each).

A variable is read whole (every nested template rendered), UNSET when it is not set, or Unreadable when its
template fails, with one line that says why (never a secret's value). A value in a message is shown by show()
and named by kind() (what YAML makes of it). The hubs and spokes of an inventory, and the hubs each spoke keeps a
tunnel to (spoke_hubs), are read by InventoryReader, each variable once; spokes_of_hub is the filter of that name
(plugins/filter/inventory_checks.py exposes it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ansible.errors import AnsibleError, AnsibleFilterError
from jinja2 import Undefined
from jinja2.exceptions import TemplateError

MAX_PORT = 65535
SHOWN_LENGTH = 60
# What YAML makes of an unquoted value (bool before int: True is an int too).
KINDS = ((bool, "true or false"), (int, "an integer"), (float, "a number"), (str, "a string"), (Mapping, "a mapping"),
         (list, "a list"), (type(None), "null"))
UNSET = object()


class Unreadable:
    """A variable whose template failed; why (one line, no value of a secret)."""

    def __init__(self, why: str):
        self.why = why


def kind(value) -> str:
    """What VALUE is, for a message: 'a string', 'an integer', 'null', ..."""
    return next((name for types, name in KINDS if isinstance(value, types)), type(value).__name__)


def show(value) -> str:
    """VALUE for a message (never used for a secret): Python's repr, cut short."""
    text = repr(str(value)) if isinstance(value, str) else repr(plain(value))
    return text if len(text) <= SHOWN_LENGTH else text[:SHOWN_LENGTH - 3] + "..."


def plain(value):
    """VALUE with every nested template rendered: plain dicts, lists and scalars.

    A template that fails gives an undefined value (ansible-core 2.19 puts a marker in its place, which
    raises when used) or raises at once (earlier versions): both end in the caller's except clause.
    """
    if isinstance(value, Undefined):
        str(value)  # raises, with the reason; an undefined value that does not is still no value
        raise AnsibleError("it is undefined")
    if isinstance(value, Mapping):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


def error_line(error: Exception) -> str:
    """The first line of ERROR's message."""
    return (getattr(error, "message", None) or str(error) or type(error).__name__).strip().splitlines()[0]


def template_failure(error: Exception, secret: bool = False) -> str:
    """Why a variable cannot be read, from the ERROR its template raised; the error is left out for a SECRET."""
    text = error_line(error)
    # An undefined name is safe to show; any other failure of a secret's template may quote what it rendered.
    if secret and not re.match(r"^'[^']*' is undefined", text):
        return "its template failed (the error is not shown: the variable holds a secret)"
    return "its template failed: " + text


def read(variables, name: str, secret: bool = False):
    """The value of NAME in VARIABLES (one host's hostvars) rendered whole, UNSET when unset, or Unreadable."""
    try:
        if name not in variables:
            return UNSET
        return plain(variables[name])
    except (AnsibleError, TemplateError) as error:
        return Unreadable(template_failure(error, secret))


def integer(value):
    """VALUE as an int: an int (never a bool) or a string of digits, as Jinja may give one; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"[0-9]+", value.strip()):
        return int(value)
    return None


def port_problem(port, lowest: int = 1, digits: bool = True) -> str | None:
    """Why PORT is not a port number from LOWEST to 65535, or None.

    A string of digits is taken for its number (Jinja may give one) unless DIGITS is false: a value that YAML gives as
    a number unless it is quoted is refused as a string, with a hint.
    """
    if digits:
        number, hint = integer(port), ""
    else:
        number = None if isinstance(port, bool) or not isinstance(port, int) else port
        hint = ": write it without quotes" if isinstance(port, str) and port.strip().isdigit() else ""
    if number is None:
        return "%s is %s, not a port number (%d-%d)%s" % (show(port), kind(port), lowest, MAX_PORT, hint)
    if not lowest <= number <= MAX_PORT:
        return "%d is outside %d-%d" % (number, lowest, MAX_PORT)
    return None


class InventoryReader:
    """The hubs and spokes of one inventory (GROUPS), and their variables read from HOSTVARS, each once."""

    def __init__(self, hostvars, groups):
        groups = dict(groups or {})
        self.hostvars = hostvars
        self.hubs = [str(host) for host in groups.get("hubs") or ()]
        self.spokes = [str(host) for host in groups.get("spokes") or ()]
        self.hosts = set(str(host) for host in groups.get("all") or ()) | set(self.hubs) | set(self.spokes)
        self.variables: dict[str, dict] = {}

    def read(self, host: str, name: str, secret: bool = False):
        """NAME of HOST as read() reads it (a host without variables has none set), read once."""
        cached = self.variables.setdefault(host, {})
        if name not in cached:
            try:
                variables = self.hostvars[host]
            except (KeyError, AnsibleError, TemplateError):
                variables = {}
            cached[name] = read(variables, name, secret)
        return cached[name]

    def hub_names(self, spoke: str):
        """The hubs SPOKE keeps a tunnel to as its spoke_hubs names them, or None when spoke_hubs is no list of names."""
        value = self.read(spoke, "spoke_hubs")
        if value is UNSET:
            # The spoke role's default: every hub with a hub_tunnel.
            return [hub for hub in self.hubs if self.read(hub, "hub_tunnel") is not UNSET]
        if isinstance(value, list) and all(isinstance(hub, str) for hub in value):
            return list(value)
        return None


def spokes_of_hub(hostvars, groups, hub) -> list[str]:
    """The spokes whose spoke_hubs name HUB (unset: every hub with a hub_tunnel, the spoke role's default), in group order."""
    inventory = InventoryReader(hostvars, groups)
    found = []
    for spoke in inventory.spokes:
        value = inventory.read(spoke, "spoke_hubs")
        if isinstance(value, Unreadable):
            raise AnsibleFilterError("%s: spoke_hubs: %s" % (spoke, value.why))
        hubs = inventory.hub_names(spoke)
        if hubs is None:
            raise AnsibleFilterError("%s: spoke_hubs: is %s, not a list of hub names (playbooks/validate.yml says more)" % (spoke, kind(value)))
        if hub in hubs:
            found.append(spoke)
    return found
