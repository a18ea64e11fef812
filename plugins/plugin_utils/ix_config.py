# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""NEC IX configuration text as a push sees it, and the commands that turn one configuration into another.

Pure logic, no session: parsing, the commands of a push, its undo, the lock-out guard and the one table of
lines that carry secrets. The terminal (ix_terminal) and the session (ix_session) are separate layers.

A configuration is a list of entries: lines, and blocks (a line that enters a sub-mode, followed by its
lines indented deeper), to any depth (`router bgp` holds `address-family` blocks). The router's `show
running-config` and a user's intended configuration are read the same way: indentation alone says where a
line belongs; `!` lines and blank lines carry nothing and close nothing.

The commands are minimal: intended lines that are missing; for a block, its missing lines and, when the
block is authoritative, `no` lines for the lines and sub-blocks it no longer lists. Running lines the
intended configuration does not mention are left alone, except access-list entries of a list it declares,
whose order matters: such a list is rewritten whole when its entries or their order differ.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re

from ansible_collections.multisite.vpn.plugins.module_utils.redaction import REDACTED, mask_values

# The one table of lines that carry a password or key: (head, secret, tail). The router shows most secrets
# hashed, so such a line is compared by its head and tail only, and only they are ever shown. A secret runs
# to the end of the line (less a known tail), so a key with a space in it is masked whole.
SECRET_SHAPES = tuple(re.compile(pattern) for pattern in (
    r"^(?P<head>username \S+ password) (?P<secret>.+?)(?P<tail>(?: (?:administrator|operator|monitor))?)$",
    r"^(?P<head>nm account \S+ password) (?P<secret>.+)(?P<tail>)$",
    r"^(?P<head>ikev2 authentication psk id \S+ \S+ key) (?P<secret>.+)(?P<tail>)$",
    r"^(?P<head>ike (?:key|pre-shared-key)) (?P<secret>.+?)(?P<tail>(?: (?:peer|address|fqdn|keyid|ipv4|ipv6|id) .*)?)$",
    r"^(?P<head>ike policy \S+ peer \S+ key) (?P<secret>.+?)(?P<tail>(?: mode \S+)? \S+)$",
    r"^(?P<head>authentication password \S+) (?P<secret>.+)(?P<tail>)$",
    r"^(?P<head>(?:radius|tacacs)-server (?:host \S+ )?key) (?P<secret>.+)(?P<tail>)$",
    r"^(?P<head>snmp-agent (?:ip|ipv6) community) (?P<secret>\S+)(?P<tail>.*)$",
    r"^(?P<head>ppp chap password|ppp pap password|password) (?P<secret>.+)(?P<tail>)$",
))
# A line of no known shape that still names a secret (a typo in a known one, a command not in the table):
# everything after the word is masked when shown. Such a line is compared whole.
SECRET_WORD = re.compile(r"^(?P<head>.*?(?<![\w-])(?:key|password|passwd|secret|secret-password|community|pre-shared-key|passphrase))"
                         r" (?P<secret>.+)(?P<tail>)$")

# Commands that carry a secret somewhere: a line that begins like one but has no known shape (a typo) is
# masked after these words, so a mistyped secret line is never shown whole.
SECRET_FAMILIES = re.compile(r"^(?P<head>username \S+|nm account \S+|ikev2 authentication|ike policy \S+|ike key|authentication password"
                             r"|(?:radius|tacacs)-server|snmp-agent (?:ip|ipv6) community|http-server username \S+) (?P<secret>.+)(?P<tail>)$")

# Global lines whose order is the order the router evaluates them in, grouped by list name.
ORDERED_GLOBAL_LINES = re.compile(r"^((?:ip|ipv6) (?:access-list|prefix-list) \S+) ")
# Global lines that hold one value: a new one replaces the old (the diff shows both), keyed by these words.
SINGLE_VALUED_LINES = re.compile(r"^(hostname|timezone|nm account|ip ufs-cache|ipv6 ufs-cache|ip router-id|ipv6 router-id)\b")
# What a configuration text must not contain: a push types lines, the router's session commands are its own.
SESSION_COMMANDS = re.compile(
    r"^(?:exit|end|configure|enable-config|svintr-config|write memory|copy running-config|reload|show|terminal (?:length|width))$|^show "
)
IX_HEADER = "! NEC Portable Internetwork Core Operating System Software"


class IxConfigError(ValueError):
    """A configuration text that cannot be read."""


@dataclasses.dataclass(frozen=True)
class Entry:
    """A line (children None) or a block: the line that enters a sub-mode and the entries inside it."""

    line: str
    children: tuple[Entry, ...] | None = None


def normalise_line(text: str) -> str:
    """One line as the router compares it: no indentation, single spaces."""
    return " ".join(text.split())


def _match_secret(line: str, shapes=SECRET_SHAPES):
    for shape in shapes:
        match = shape.match(line)
        if match:
            return match
    return None


def secret_identity(line: str) -> str | None:
    """The line with its secret replaced, for a line of a known secret shape; None for any other line."""
    match = _match_secret(line)
    return "%s %s%s" % (match.group("head"), REDACTED, match.group("tail")) if match else None


def redact(line: str) -> str:
    """The line as it may be shown or logged: a secret of a known shape, or after a secret's name, masked."""
    match = _match_secret(line) or SECRET_WORD.match(line) or SECRET_FAMILIES.match(line)
    return "%s %s%s" % (match.group("head"), REDACTED, match.group("tail")) if match else line


def compare_key(line: str) -> str:
    """What a line is compared by: a known secret line by everything but its secret (the router hashes it)."""
    return secret_identity(line) or line


def secret_values(entries: list[Entry]) -> set[str]:
    """Every secret written in ENTRIES, whole and word by word (a router quotes the word it stumbled on); a
    word the configuration also uses as a word of a command is left, or every message would be masked."""
    values = set()
    vocabulary = {word for entry in _walk(entries) for word in redact(entry.line).split()}
    for entry in _walk(entries):
        match = _match_secret(entry.line) or SECRET_WORD.match(entry.line) or SECRET_FAMILIES.match(entry.line)
        if match:
            words = match.group("secret").split()
            if words and words[0] in ("plain", "hash", "char", "hex", "secret"):
                words = words[1:]
            values.add(" ".join(words))
            values.update(word for word in words if word not in vocabulary)
    return {value for value in values if len(value) >= 3}


def scrub(text: str, secrets: set[str]) -> str:
    """TEXT the router said (an error, an echo) with every line redacted and every known secret masked."""
    text = mask_values(text, secrets, whole_words=True)
    return "\n".join(redact(line.strip()) if line.strip() else line for line in text.split("\n"))


def mask_plain_secrets(text: str) -> str:
    """TEXT (a running configuration, for a backup) with every secret the router shows in plain masked; a secret in
    the router's own concealed form (`hash ...`, `secret ...`) is kept, so the backup can be typed back as it is."""
    lines = []
    for line in text.split("\n"):
        stripped = line.strip()
        match = _match_secret(normalise_line(stripped)) or SECRET_WORD.match(normalise_line(stripped))
        if match and match.group("secret").split()[0] not in ("hash", "secret"):
            line = line[:len(line) - len(line.lstrip())] + redact(normalise_line(stripped)) + ("\r" if line.endswith("\r") else "")
        lines.append(line)
    return "\n".join(lines)


def _walk(entries):
    for entry in entries:
        yield entry
        yield from _walk(entry.children or ())


class _Node:
    """A block being read: its line and its entries, continued when the same block appears again."""

    def __init__(self, line: str) -> None:
        self.line = line
        self.children: list[_Node] = []

    def child(self, line: str, replace_negated: bool) -> _Node:
        for node in self.children:
            if node.line == line:
                return node
        if replace_negated:
            self.children = [node for node in self.children if node.children or not (negates(line, node.line) or negates(node.line, line))]
        node = _Node(line)
        self.children.append(node)
        return node

    def entry(self) -> Entry:
        return Entry(self.line, tuple(child.entry() for child in self.children) if self.children else None)


def parse_config(text: str, source: str = "the configuration") -> list[Entry]:
    """Read a configuration text into entries, in order.

    An indented line belongs to the nearest line above it that is indented less. SOURCE names the text in
    errors: an indented line with no such line above it, a tab, a session command such as `exit`. A block
    that appears again (a configuration written as fragments, like the seeds') continues the first one, and
    a line in a block replaces an earlier one it negates, as it would when typed.
    """
    root = _Node("")
    open_blocks: list[tuple[int, _Node]] = [(-1, root)]
    for number, raw in enumerate(text.splitlines(), start=1):
        line = normalise_line(raw)
        if not line or line.startswith("!"):
            continue
        if "\t" in raw:
            raise IxConfigError("%s, line %d: '%s' contains a tab; indent with spaces (two per level)" % (source, number, redact(line)))
        if SESSION_COMMANDS.match(line):
            raise IxConfigError("%s, line %d: '%s' is a session command, not a configuration line; indentation alone closes a block"
                                % (source, number, redact(line)))
        indent = len(raw) - len(raw.lstrip())
        while open_blocks[-1][0] >= indent:
            open_blocks.pop()
        if indent and len(open_blocks) == 1:
            raise IxConfigError("%s, line %d: '%s' is indented, but no line that enters a sub-mode comes before it"
                                % (source, number, redact(line)))
        parent = open_blocks[-1][1]
        open_blocks.append((indent, parent.child(line, replace_negated=parent is not root)))
    return [node.entry() for node in root.children]


def render_config(entries: list[Entry], depth: int = 0) -> str:
    """Entries as configuration text in the router's layout, secrets redacted (for diffs and messages)."""
    text = ""
    for entry in entries:
        text += "  " * depth + redact(entry.line) + "\n"
        if entry.children:
            text += render_config(list(entry.children), depth + 1)
            if depth == 0:
                text += "!\n"
    return text


def is_ix_running_config(text: str) -> bool:
    """Whether TEXT begins as an IX's `show running-config` does (a prompt alone matches other vendors too)."""
    return text.lstrip().startswith(IX_HEADER)


def access_list(line: str) -> str | None:
    """The ordered list (access-list, prefix-list) a global line is an entry of, else None."""
    match = ORDERED_GLOBAL_LINES.match(line)
    return match.group(1) if match else None


def replacement_key(line: str) -> str | None:
    """What a global line holding one value is known by (`hostname`, `username admin password ...`), else None."""
    match = SINGLE_VALUED_LINES.match(line)
    return match.group(1) if match else secret_identity(line)


def negates(line: str, other: str) -> bool:
    """Whether LINE is `no` of OTHER or of a shorter form of it (`no ip address` negates `ip address A`)."""
    if not line.startswith("no "):
        return False
    negated = line[3:]
    return other == negated or other.startswith(negated + " ")


def _aligned(reference: list[str], lines: list[str], group=lambda line: None) -> list[int]:
    """The order (indexes into LINES) that lists LINES as their counterparts (equal, secrets aside) are listed
    in REFERENCE; a line without one stays right after the line it followed. Lines of one GROUP stay together
    in their own order, where the group's first line is in REFERENCE."""
    position: dict = {}
    for index, line in enumerate(reference):
        position.setdefault(compare_key(line), index)
        position.setdefault(("group", group(line)), index)
    keys, key = [], -1.0
    for line in lines:
        name = group(line)
        key = position.get(compare_key(line) if name is None else ("group", name), key + 0.001)
        keys.append(key)
    return [index for _key, index in sorted(zip(keys, range(len(lines))))]


def order_like(reference: list[Entry], entries: list[Entry], depth: int = 0) -> list[Entry]:
    """ENTRIES, at every depth, in the order REFERENCE lists their counterparts, so that a diff of REFERENCE
    against them shows what changes rather than where two texts list things."""
    counterparts = {entry.line: entry for entry in reference}
    order = _aligned([entry.line for entry in reference], [entry.line for entry in entries], access_list if depth == 0 else lambda line: None)
    ordered = []
    for index in order:
        entry = entries[index]
        if entry.children:
            reference_children = list((counterparts.get(entry.line) or Entry("")).children or ())
            entry = Entry(entry.line, tuple(order_like(reference_children, list(entry.children), depth + 1)))
        ordered.append(entry)
    return ordered


def touched_entries(running: list[Entry], intended: list[Entry]) -> list[Entry]:
    """The running entries INTENDED speaks of (its lines and blocks, the lines a line of it replaces, and the
    ordered lists it declares): the rest is left alone, so a diff that showed it would show changes not made."""
    lines = {compare_key(entry.line) for entry in intended}
    replaced = {replacement_key(entry.line) for entry in intended} - {None}
    groups = {access_list(entry.line) for entry in intended} - {None}
    return [
        entry for entry in running
        if compare_key(entry.line) in lines or replacement_key(entry.line) in replaced or access_list(entry.line) in groups
    ]


class _Comparison:
    """How two configurations are compared: secrets by presence (a push), or exactly (an undo, whose both
    sides are the router's own listings, hashes included)."""

    def __init__(self, update_secrets: bool, exact: bool) -> None:
        self.update_secrets = update_secrets
        self.exact = exact

    def key(self, line: str) -> str:
        return line if self.exact else compare_key(line)

    def missing(self, intended: list[str], present: set[str]) -> list[str]:
        """Intended lines to send: those not present, and every secret line when secrets are to be updated."""
        return [
            line for line in intended
            if self.key(line) not in present or (self.update_secrets and secret_identity(line) is not None)
        ]

    def removals(self, running: list[str], wanted: list[str]) -> list[str]:
        """`no` lines for running lines not wanted. Lines shown as `no ...` are defaults the router lists: an
        intended line replaces them. A line a wanted one replaces (a secret's new hash) is not removed first."""
        wanted_keys = {self.key(line) for line in wanted}
        replaced = {replacement_key(line) for line in wanted} - {None}
        return [
            "no " + line for line in running
            if self.key(line) not in wanted_keys and not line.startswith("no ") and not (self.exact and replacement_key(line) in replaced)
        ]


def _new_block(entry: Entry) -> list[str]:
    """The commands that create ENTRY's block whole: each level entered, filled and left."""
    commands = [entry.line]
    for child in entry.children or ():
        commands.extend(_new_block(child) if child.children else [child.line])
    return commands + ["exit"]


def _block_body_commands(running_children, intended_children, authoritative: bool, comparison: _Comparison) -> list[str]:
    """The commands, typed inside a block, that make its RUNNING_CHILDREN hold INTENDED_CHILDREN."""
    running_lines = [entry.line for entry in running_children if entry.children is None]
    running_blocks = {entry.line: entry for entry in running_children if entry.children}
    intended_lines = [entry.line for entry in intended_children if entry.children is None and entry.line not in running_blocks]
    removals = comparison.removals(running_lines, intended_lines) if authoritative else []
    intended_headers = {entry.line for entry in intended_children}
    if authoritative:
        removals += ["no " + line for line in running_blocks if line not in intended_headers]
    present = {comparison.key(line) for line in running_lines}
    commands = []
    for entry in intended_children:
        if entry.line in running_blocks:
            body = _block_body_commands(running_blocks[entry.line].children, entry.children or (), authoritative, comparison)
            commands.extend([entry.line, *body, "exit"] if body else [])
        elif entry.children:
            commands.extend(_new_block(entry))
        else:
            commands.extend(comparison.missing([entry.line], present))
    # Removals first: for a line that holds one value (an address), the new value must not be removed.
    return [command for command in removals if command not in commands] + commands


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
    exact: bool = False,
) -> list[str]:
    """The commands, in order, that make RUNNING hold everything INTENDED declares.

    AUTHORITATIVE(header) says whether an intended top-level block lists all of its lines and sub-blocks
    (then what it does not list is removed, at every depth). A block named by a line alone is an emptied
    block. Secret lines are sent when missing, or always with UPDATE_SECRETS. EXACT compares lines as
    written, secrets included (for an undo, where both sides are the router's listings).
    """
    comparison = _Comparison(update_secrets, exact)
    running_blocks = {entry.line: entry for entry in running if entry.children}
    running_globals = {comparison.key(entry.line) for entry in running}  # an empty block's header counts as present
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
        elif entry.line in running_blocks:
            body = _block_body_commands(running_blocks[entry.line].children, entry.children or (), authoritative(entry.line), comparison)
            commands.extend([entry.line, *body, "exit"] if body else [])
        elif entry.children:
            commands.extend(_new_block(entry))
        else:
            commands.extend(comparison.missing([entry.line], running_globals))
    return commands


def undo_commands(now: list[Entry], original: list[Entry]) -> list[str]:
    """The commands that turn the configuration NOW back into ORIGINAL, both read from the router: what a push
    added is removed (lines, blocks, ordered lists), and every line it changed, secrets and lines inside
    blocks included, is typed again as the router listed it."""
    original_keys = {entry.line for entry in original}
    original_replaced = {replacement_key(entry.line) for entry in original} - {None}
    original_groups = {access_list(entry.line) for entry in original} - {None}
    added = [
        "no " + entry.line for entry in now
        if entry.line not in original_keys and replacement_key(entry.line) not in original_replaced
        and (access_list(entry.line) is None or access_list(entry.line) not in original_groups)
    ]
    return added + compute_commands(now, original, exact=True)


# Lines inside the management interface that can cut the session: its address, its filters, shutting it down.
RISKY_INTERFACE_LINE = re.compile(r"^(?:no )?(?:ip address|ipv6 address|ip unnumbered|ip filter|ipv6 filter|shutdown|bridge-group)\b")
SERVICE_LINE = {"ssh": "ssh-server ip enable", "telnet": "telnet-server ip enable"}


def interface_address(line: str):
    """The address of an `ip address A/N` or `ipv6 address A/N` line, else None."""
    match = re.match(r"^(?:ip|ipv6) address (\S+)/\d+", line)
    if not match:
        return None
    try:
        return ipaddress.ip_address(match.group(1))
    except ValueError:
        return None


def management_interface(running: list[Entry], address) -> Entry | None:
    """The interface block that holds ADDRESS, the router address a session arrives at."""
    for entry in running:
        if entry.line.startswith("interface ") and any(interface_address(child.line) == address for child in entry.children or ()):
            return entry
    return None


def management_problems(running: list[Entry], intended: list[Entry], commands: list[str], address, transport: str, username: str) -> list[str]:
    """What in COMMANDS could cut the session it is sent over (arriving at ADDRESS, as USERNAME, by TRANSPORT)."""
    problems = []
    interface = management_interface(running, address)
    filters = set()
    if interface is not None:
        filters = {match.group(1) for match in (re.match(r"^(?:ip|ipv6) filter (\S+)", child.line) for child in interface.children or ()) if match}
    for step in steps(commands, running, intended):
        command = step.command
        if step.enters_block or command == "exit":
            continue
        if interface is not None and step.blocks == (interface.line,) and RISKY_INTERFACE_LINE.match(command):
            problems.append("%s: '%s' changes the interface this session arrives through (%s)" % (interface.line, redact(command), address))
        elif not step.blocks:
            words = command.split()
            negated = words[1:] if words[:1] == ["no"] else words
            if negated[:1] in (["ip"], ["ipv6"]) and negated[1:2] == ["access-list"] and negated[2:3] and negated[2] in filters:
                problems.append("'%s' changes access-list %s, which filters the interface this session arrives through"
                                % (redact(command), negated[2]))
            elif words[:1] == ["no"] and " ".join(negated) == SERVICE_LINE[transport]:
                problems.append("'%s' turns off the %s service this session uses" % (command, transport))
            elif negated[:2] == ["username", username]:
                problems.append("'%s' changes the user this session logs in as" % redact(command))
    return problems


@dataclasses.dataclass(frozen=True)
class Step:
    """One command of a push as the session types it: whether it enters a block, and the blocks it is typed in
    (their first lines, outermost first)."""

    command: str
    enters_block: bool
    blocks: tuple[str, ...]

    @property
    def in_block_after(self) -> bool:
        """Whether the session is inside a block once the command is typed."""
        if self.enters_block:
            return True
        return len(self.blocks) > (1 if self.command == "exit" else 0)


def steps(commands: list[str], running: list[Entry], intended: list[Entry]) -> list[Step]:
    """COMMANDS with the block structure compute_commands gave them (every block entered is left by `exit`)."""
    headers = {entry.line for entry in _walk(running + intended) if entry.children is not None}
    blocks: tuple[str, ...] = ()
    planned = []
    for command in commands:
        enters = command in headers and command != "exit"
        planned.append(Step(command, enters, blocks))
        blocks = blocks + (command,) if enters else blocks[:-1] if command == "exit" else blocks
    return planned
