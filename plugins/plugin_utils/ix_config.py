# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""NEC IX configuration text as a push sees it, and the commands that turn one configuration into another.

A configuration is a list of entries: global lines, and blocks (a line that enters a sub-mode, followed by
its indented lines). The router's `show running-config` and a user's intended configuration are read the
same way; `!` lines and blank lines carry nothing.

The commands are minimal: intended global lines that are missing; for a block, its missing lines and,
when the block is authoritative, `no` lines for the lines it no longer lists. Running lines the intended
configuration does not mention are left alone, except access-list entries of a list it declares, whose
order matters: such a list is rewritten whole when its entries or their order differ.
"""

from __future__ import annotations

import dataclasses
import re

# Lines that carry a password or key: (prefix, the secret, the rest). The router shows the secret hashed,
# so such a line is compared by everything but the secret.
SECRET_LINES = (
    re.compile(r"^(username \S+ password) (?:plain|hash) \S+(.*)$"),
    re.compile(r"^(nm account \S+ password) (?:plain|hash) \S+(.*)$"),
    re.compile(r"^(ikev2 authentication psk id keyid \S+ key) (?:char|hex|secret) \S+(.*)$"),
    re.compile(r"^(authentication password \S+) (?:hash \S+|\S+)(.*)$"),
)
REDACTED = "********"

# Global lines whose order is the order the router evaluates them in, grouped by list name.
ORDERED_GLOBAL_LINES = re.compile(r"^(ip(?:v6)? access-list \S+) ")


class IxConfigError(ValueError):
    """A configuration text that cannot be read."""


@dataclasses.dataclass(frozen=True)
class Entry:
    """A global line (children None) or a block: the line that enters a sub-mode and the lines inside it."""

    line: str
    children: tuple[str, ...] | None = None


def normalise_line(text: str) -> str:
    """One line as the router compares it: no indentation, single spaces."""
    return " ".join(text.split())


def parse_config(text: str, source: str = "the configuration") -> list[Entry]:
    """Read a configuration text into entries, in order.

    An indented line belongs to the unindented line before it; an indented line with no such line before
    it is an error that names it (SOURCE says which text). A block that appears again (a configuration
    written as fragments, like the seeds') continues the first one, where it first appeared, and a line
    in it replaces an earlier one it negates, as it would when typed (`ip address A` after `no ip address`).
    """
    blocks: dict[str, list[str]] = {}  # header -> its lines, in order of first appearance
    header = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = normalise_line(raw)
        if not line or line.startswith("!"):
            continue
        if not raw[:1].isspace():
            header = line
            blocks.setdefault(header, [])
        elif header is None:
            raise IxConfigError(
                "%s, line %d: '%s' is indented, but no line that enters a sub-mode comes before it" % (source, number, redact(line))
            )
        else:
            kept = [earlier for earlier in blocks[header] if earlier != line and not negates(line, earlier) and not negates(earlier, line)]
            blocks[header] = kept + [line]
    return [Entry(line, tuple(children) if children else None) for line, children in blocks.items()]


def render_config(entries: list[Entry]) -> str:
    """Entries as configuration text in the router's layout, secrets redacted (for diffs)."""
    lines = []
    for entry in entries:
        lines.append(redact(entry.line))
        lines.extend("  " + redact(child) for child in entry.children or ())
        if entry.children:
            lines.append("!")
    return "".join(line + "\n" for line in lines)


def access_list(line: str) -> str | None:
    """The access-list a global line is an entry of (its entries are evaluated in order), else None."""
    match = ORDERED_GLOBAL_LINES.match(line)
    return match.group(1) if match else None


def _aligned(reference: list[str], lines: list[str], group=lambda line: None) -> list[str]:
    """LINES in the order their counterparts (equal, secrets aside) have in REFERENCE; a line without one
    stays right after the line it followed. Lines of one GROUP stay together in their own order, where
    the group's first line is in REFERENCE: their order is part of what they say."""
    position: dict = {}
    for index, line in enumerate(reference):
        position.setdefault(redact(line), index)
        position.setdefault(("group", group(line)), index)
    keys, key = [], -1.0
    for line in lines:
        name = group(line)
        key = position.get(redact(line) if name is None else ("group", name), key + 0.001)
        keys.append(key)
    return [line for _key, _index, line in sorted(zip(keys, range(len(lines)), lines))]


def order_like(reference: list[Entry], entries: list[Entry]) -> list[Entry]:
    """ENTRIES, and the lines of each block, in the order REFERENCE lists their counterparts, so that a
    diff of REFERENCE against them shows what changes rather than where two texts list things."""
    by_line = {entry.line: entry for entry in entries}
    ordered = _aligned([entry.line for entry in reference], [entry.line for entry in entries], access_list)
    children = {entry.line: entry.children for entry in reference}
    return [
        Entry(line, tuple(_aligned(list(children.get(line) or ()), list(by_line[line].children))) if by_line[line].children else None)
        for line in ordered
    ]


def negates(line: str, other: str) -> bool:
    """Whether LINE is `no` of OTHER or of a shorter form of it (`no ip address` negates `ip address A`)."""
    if not line.startswith("no "):
        return False
    negated = line[3:]
    return other == negated or other.startswith(negated + " ")


def secret_identity(line: str) -> str | None:
    """The line with its secret replaced, for a line that carries one; None for any other line."""
    for pattern in SECRET_LINES:
        match = pattern.match(line)
        if match:
            return "%s %s%s" % (match.group(1), REDACTED, match.group(2))
    return None


def redact(line: str) -> str:
    """The line as it may be shown or logged, and as it is compared (the router shows secrets hashed)."""
    return secret_identity(line) or line


def _missing(intended: list[str] | tuple[str, ...], present: set[str], update_secrets: bool) -> list[str]:
    """Intended lines to send: those not present, and every secret line when secrets are to be updated."""
    return [
        line for line in intended
        if redact(line) not in present or (update_secrets and secret_identity(line) is not None)
    ]


def _block_commands(header: str, running_children, intended_children, authoritative: bool, update_secrets: bool) -> list[str]:
    present = {redact(line) for line in running_children}
    additions = _missing(intended_children, present, update_secrets)
    wanted = {redact(line) for line in intended_children}
    # Lines shown as `no ...` are defaults the router lists explicitly: an intended line that differs
    # replaces them, and removing one would mean sending its opposite.
    removals = [
        "no " + line for line in running_children
        if authoritative and redact(line) not in wanted and not line.startswith("no ")
    ]
    removals = [command for command in removals if command not in additions]
    if not additions and not removals:
        return []
    # Removals first: for a line that holds one value (an address), the new value must not be removed.
    return [header] + removals + additions + ["exit"]


def _ordered_groups(entries: list[Entry]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for entry in entries:
        name = access_list(entry.line)
        if entry.children is None and name:
            groups.setdefault(name, []).append(entry.line)
    return groups


def compute_commands(
    running: list[Entry],
    intended: list[Entry],
    authoritative=lambda header: True,
    update_secrets: bool = False,
) -> list[str]:
    """The commands, in order, that make RUNNING hold everything INTENDED declares.

    AUTHORITATIVE(header) says whether an intended block lists all of its lines (then lines it does not
    list are removed). Secret lines are sent when they are missing, or always with UPDATE_SECRETS.
    """
    running_blocks = {entry.line: entry.children or () for entry in running}
    running_globals = {redact(entry.line) for entry in running}  # a block header counts as present
    running_groups = _ordered_groups(running)
    intended_groups = _ordered_groups(intended)
    rewritten = {name for name, lines in intended_groups.items() if lines != running_groups.get(name, [])}

    commands: list[str] = []
    for name in sorted(rewritten):
        commands.extend("no " + line for line in running_groups.get(name, []))
    for entry in intended:
        group = access_list(entry.line)
        if entry.children is None and group:
            if group in rewritten:
                commands.append(entry.line)
        elif entry.children is None:
            commands.extend(_missing([entry.line], running_globals, update_secrets))
        elif entry.line not in running_blocks:
            commands.extend([entry.line, *entry.children, "exit"])
        else:
            commands.extend(
                _block_commands(entry.line, running_blocks[entry.line], entry.children, authoritative(entry.line), update_secrets)
            )
    return commands
