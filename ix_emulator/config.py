# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The configuration tree of one IX router: global lines and sub-mode blocks, blocks within blocks, applied line by line.

Secrets never stay in plain text: a typed password or key is replaced on entry by SECRET_DIGEST_LENGTH
upper-case hex digits of SHA-256 over SECRET_SALT + secret, under the keyword the running configuration
uses for a concealed value (`plain` -> `hash`, `char`/`hex` -> `secret`, a bare secret gets `hash`).
The real router's hash differs; the emulator only keeps the shape and the property that nothing reveals
the secret while equal secrets give equal lines.

Layout, as real routers print it (tests/data/ix/corpus): a block's lines are indented two spaces more than
its header, at any depth (`router bgp` > `address-family`); a `!` line at column 0 closes each top-level
block, a nested block has no closing line of its own.

Lines no rule knows are refused, unless a text is parsed with carry_unknown: then such a line (and, for a
line followed by deeper lines, that whole block) is carried verbatim in its place, shown back in the
running configuration and listed in ConfigTree.carried. A carried line is never interpreted; typed input
stays strict, except that `no <carried line>` removes it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import re

from . import grammar
from .grammar import CONFIG, Match, Rejection, Rule

SECRET_SALT = "multisite.vpn ix emulator\0"
SECRET_DIGEST_LENGTH = 32
# The keyword before a typed secret, and the keyword the running configuration shows before its digest.
CONCEALED_KEYWORD = {"plain": "hash", "char": "secret", "hex": "secret", "0": "hash"}
BARE_SECRET_KEYWORD = "hash"

INDENT = "  "
CLOSING_LINE = "!"
DEFAULT_HOSTNAME = "Router"
# Lines the router never shows: they state the factory value.
UNSHOWN_LINES = frozenset({f"hostname {DEFAULT_HOSTNAME}"})

# Blocks a factory-fresh IX2215 shows; removing one resets it instead (a guess for the removal). A real IX2215
# also shows `device` blocks and BRI0.0/USB-Serial0.0 interfaces; seed 004's expected listing has none of them.
FACTORY_BLOCKS = (
    "interface GigaEthernet0.0",
    "interface GigaEthernet1.0",
    "interface GigaEthernet2.0",
    "interface Loopback0.0",
    "interface Null0.0",
)

# Default lines shown in a block when no line of the same slot is configured: (sub-mode, block name pattern, lines).
# Seen for GigaEthernet, Tunnel, Loopback and Null; the other kinds follow the physical ports (a guess).
BLOCK_DEFAULTS = (
    ("interface", r"(GigaEthernet|FastEthernet|BRI|USB-Serial|Tunnel|BVI)\S*", ("no ip address", "shutdown")),
    ("interface", r"(Loopback|Null)\S*", ("no ip address",)),
)

# Interface and device blocks are shown by kind in this order, then by their numbers.
INTERFACE_KIND_ORDER = ("GigaEthernet", "FastEthernet", "BRI", "USB", "USB-Serial", "BVI", "Loopback", "Null", "Tunnel")
_INTERFACE_KIND = re.compile(r"[A-Za-z-]+?(?=\d)")

# The start of a container's order (a carried line before every known line).
_FIRST_POSITION = (-1, (), -1)


def secret_digest(secret: str) -> str:
    """The deterministic, non-reversible text shown in place of a secret."""
    return hashlib.sha256((SECRET_SALT + secret).encode()).hexdigest()[:SECRET_DIGEST_LENGTH].upper()


def conceal(match: Match) -> tuple[str, ...]:
    """The tokens of a matched line as stored: every typed secret replaced by its digest."""
    tokens = list(match.tokens)
    # Right to left, so an inserted keyword does not shift the positions still to visit.
    for index, placeholder in reversed(match.captured):
        if placeholder != f"<{grammar.SECRET_PLACEHOLDER}>":
            continue
        digest = secret_digest(tokens[index])
        if tokens[index - 1] in CONCEALED_KEYWORD:
            tokens[index - 1:index + 1] = [CONCEALED_KEYWORD[tokens[index - 1]], digest]
        else:
            tokens[index:index + 1] = [BARE_SECRET_KEYWORD, digest]
    return tuple(tokens)


def slot_of(rule: Rule) -> str:
    return rule.slot or rule.pattern


def identity(match: Match) -> tuple[str, tuple[str, ...]]:
    """Lines with the same identity replace each other (see Rule)."""
    if match.rule.key is None:
        return slot_of(match.rule), conceal(match)
    return slot_of(match.rule), tuple(match.tokens[index] for index in match.rule.key)


class ConfigError(ValueError):
    """A configuration text or line the router would not accept.

    line_number (from 1) and line (the offending text, without indentation) say where; a line applied on its
    own, outside a text, has no line_number.
    """

    def __init__(self, message: str, line_number: int | None = None, line: str | None = None) -> None:
        super().__init__(message)
        self.line_number = line_number
        self.line = line


@dataclasses.dataclass(frozen=True)
class Placement:
    """Where a carried entry is shown: right after the entry it followed in its source (by that entry's sort
    position), and, among global lines, in that entry's `!`-separated section unless a `!` stood between them."""

    after: tuple
    section: object


@dataclasses.dataclass
class Line:
    """One stored configuration line; rule None marks a carried line no rule knows."""

    text: str
    rule: Rule | None
    identity: tuple
    order: int
    placement: Placement | None = None


@dataclasses.dataclass(eq=False)
class Block:
    """A sub-mode block: its header line (e.g. `interface Tunnel0.0`), body lines and nested blocks.

    rule None marks a carried block: a header no rule knows, kept with everything indented under it.
    """

    header: str
    rule: Rule | None
    order: int
    parent: Block | None = None
    lines: list[Line] = dataclasses.field(default_factory=list)
    blocks: dict[str, Block] = dataclasses.field(default_factory=dict)
    placement: Placement | None = None

    @property
    def submode(self) -> str:
        return self.rule.submode if self.rule is not None else ""

    @property
    def label(self) -> str:
        return self.rule.label.format(*self.header.split())

    @property
    def carried(self) -> bool:
        return self.rule is None


@dataclasses.dataclass
class _Frame:
    """An open container while a text is parsed: the root, a block, or a carried line deeper lines may follow.

    indent is the header's column (-1 for the root), body_indent the column of its lines once one was read.
    previous is the entry last placed in this container: where a carried line that follows is shown.
    """

    indent: int
    body_indent: int | None
    block: Block | None
    carried: bool = False
    # A carried line's frame: the line, and the container it is in (it becomes a block if deeper lines follow).
    carried_line: Line | None = None
    container: Block | None = None
    previous: Line | Block | None = None


class ConfigTree:
    """Global lines and blocks in the order they were entered; rendering puts them in the device's order."""

    def __init__(self) -> None:
        self.lines: list[Line] = []
        self.blocks: dict[str, Block] = {}
        # (line number, text) of every line parse carried without knowing it, in text order.
        self.carried: list[tuple[int, str]] = []
        self._counter = itertools.count()

    @classmethod
    def factory(cls) -> ConfigTree:
        tree = cls()
        for header in FACTORY_BLOCKS:
            tree.apply_text(CONFIG, None, header)
        return tree

    @classmethod
    def parse(cls, text: str, carry_unknown: bool = False) -> ConfigTree:
        """Load a running-config text over the factory state; raises ConfigError naming the first bad line.

        Indentation alone says where a line belongs: to the nearest block above it whose header is indented
        less. `!` lines and blank lines carry nothing and close nothing. A line no rule knows is an error
        unless carry_unknown (see the module documentation).
        """
        tree = cls.factory()
        tree._load(text, carry_unknown)
        return tree

    def _load(self, text: str, carry_unknown: bool) -> None:
        frames = [_Frame(indent=-1, body_indent=0, block=None)]
        after_bang = False
        for number, raw in enumerate(text.splitlines(), start=1):
            expanded = raw.expandtabs()
            stripped = expanded.strip()
            if not stripped:
                continue
            if stripped.startswith("!"):
                after_bang = True
                continue
            indent = len(expanded) - len(expanded.lstrip())
            while indent <= frames[-1].indent:
                frames.pop()
            frame = frames[-1]
            if frame.body_indent is None:
                frame.body_indent = indent
            if indent != frame.body_indent:
                raise ConfigError(f"line {number}: '{stripped}' {_misplaced(frame, indent)}", number, stripped)
            if frame.carried:
                frames.append(self._carry(frame, stripped, number, after_bang))
            else:
                frames.extend(self._load_line(frame, stripped, number, after_bang, carry_unknown))
            after_bang = False

    def _load_line(self, frame: _Frame, line: str, number: int, after_bang: bool, carry_unknown: bool) -> list[_Frame]:
        """Apply one line of a text in its container; the frames it opens (a block, a carried line)."""
        mode = frame.block.submode if frame.block is not None else CONFIG
        try:
            entry = self._apply_line(mode, frame.block, line)
        except ConfigError as error:
            if not carry_unknown:
                raise ConfigError(f"line {number}: {error}", number, line) from None
            return [self._carry(frame, line, number, after_bang)]
        if entry is None:
            return []
        frame.previous = entry
        if isinstance(entry, Block):
            return [_Frame(indent=_header_indent(frame), body_indent=None, block=entry)]
        return []

    def _carry(self, frame: _Frame, line: str, number: int, after_bang: bool) -> _Frame:
        """Keep a line verbatim in frame's container, after the entry placed there last; its frame for deeper lines."""
        if frame.carried and frame.block is None:
            frame.block = self._carried_block_of(frame.carried_line, frame.container)
        container = frame.block
        mode = container.submode if container is not None and not container.carried else CONFIG
        placement = self._placement_after(frame.previous, mode, container, after_bang)
        carried = Line(line, None, ("carried", _normalised(line)), next(self._counter), placement)
        self._lines_of(container).append(carried)
        self.carried.append((number, carried.text))
        frame.previous = carried
        return _Frame(indent=_header_indent(frame), body_indent=None, block=None, carried=True, carried_line=carried, container=container)

    def _carried_block_of(self, line: Line, container: Block | None) -> Block:
        """Turn a carried line that deeper lines follow into a carried block, in the same place."""
        self._lines_of(container).remove(line)
        block = Block(line.text, None, line.order, parent=container, placement=line.placement)
        self._blocks_of(container)[line.text] = block
        return block

    def _placement_after(self, previous, mode: str, container: Block | None, after_bang: bool) -> Placement:
        """Where a carried entry that follows previous (None: nothing yet) in container is shown."""
        if previous is None:
            return Placement(_FIRST_POSITION, ("carried", "first"))
        if previous.rule is None:
            after = _carried_key(previous)
        else:
            after = _known_key(previous, _display_ranks(grammar.stored_rules(mode)))
        # Sections only matter among global lines. A block is always followed by its closing `!`, so a line
        # after it starts a section of its own, whatever the source showed.
        if container is not None:
            section = None
        elif after_bang or isinstance(previous, Block):
            section = ("carried", previous.order)
        else:
            section = _section_of(previous)
        return Placement(after, section)

    def apply_text(self, mode: str, block: Block | None, line: str) -> Block | None:
        """Apply one configuration line (or `no` line) in a mode; raises ConfigError when it is rejected."""
        entry = self._apply_line(mode, block, line)
        return entry if isinstance(entry, Block) else None

    def _apply_line(self, mode: str, block: Block | None, line: str) -> Line | Block | None:
        """Apply a line; the entry it stored or entered (None: a `no` line, or a line the router does not show)."""
        tokens = grammar.tokenize(line)
        result = grammar.resolve(grammar.stored_rules(mode), tokens)
        if isinstance(result, Match):
            return self._store(result, block)
        if tokens[0] == "no":
            rejection = self.negate(mode, block, tokens[1:])
            if rejection is None:
                return None
            result = rejection
        where = f" (in '{block.header}')" if block is not None else ""
        if result.incomplete:
            raise ConfigError(f"'{line}' is incomplete{where}", line=line)
        raise ConfigError(f"'{line}' is not a line the emulator knows{where}", line=line)

    def copy(self) -> ConfigTree:
        """An independent tree with the same listing (carried lines stay carried)."""
        return ConfigTree.parse("\n".join(self.render(())), carry_unknown=True)

    @property
    def hostname(self) -> str:
        for line in self.lines:
            if line.rule is not None and line.rule.pattern.startswith("hostname "):
                return line.text.split()[1]
        return DEFAULT_HOSTNAME

    def apply(self, match: Match, block: Block | None) -> Block | None:
        """Store a matched line in block (None: global); a block header returns its block, created if new.

        A header typed in a nested sub-mode that belongs to a mode around it goes to that mode's block.
        """
        entry = self._store(match, block)
        return entry if isinstance(entry, Block) else None

    def _store(self, match: Match, block: Block | None) -> Line | Block | None:
        """Store a matched line, replacing the lines of the same identity; the stored line or the entered block."""
        if match.rule.submode:
            container = _home_of(match.rule, block)
            blocks = self._blocks_of(container)
            header = match.text
            if header not in blocks:
                blocks[header] = Block(header, match.rule, next(self._counter), parent=container)
            return blocks[header]
        lines = self._lines_of(block)
        text = " ".join(conceal(match))
        line_identity = identity(match)
        replaced = [line for line in lines if line.identity == line_identity]
        order = replaced[0].order if replaced else next(self._counter)
        lines[:] = [line for line in lines if line.identity != line_identity]
        if text in UNSHOWN_LINES:
            return None
        stored = Line(text, match.rule, line_identity, order)
        lines.append(stored)
        return stored

    def negate(self, mode: str, block: Block | None, tokens: tuple[str, ...]) -> Rejection | None:
        """Remove what `no <tokens>` names: a complete line by identity, an incomplete one by its leading words,
        a block by its header, a carried line or block by its exact text."""
        rules = tuple(rule for rule in grammar.stored_rules(mode) if not rule.pattern.startswith("no "))
        result = grammar.resolve(rules, tokens) if tokens else Rejection(True, "")
        if isinstance(result, Rejection):
            if self._remove_carried(block, " ".join(tokens)):
                return None
            if not result.incomplete or not tokens:
                return result
            self._remove(block, lambda line: line.text.split()[:len(tokens)] == list(tokens))
            return None
        if result.rule.submode:
            self._blocks_of(block).pop(result.text, None)
            if block is None and result.text in FACTORY_BLOCKS:
                self.apply_text(CONFIG, None, result.text)
            return None
        removed_identity = identity(result)
        self._remove(block, lambda line: line.identity == removed_identity)
        return None

    def _remove_carried(self, block: Block | None, text: str) -> bool:
        """Remove the carried lines and blocks of this text (spacing aside) from block; whether there was one."""
        lines, blocks = self._lines_of(block), self._blocks_of(block)
        doomed_headers = [header for header, nested in blocks.items() if nested.carried and _normalised(header) == _normalised(text)]
        for header in doomed_headers:
            del blocks[header]
        kept = [line for line in lines if line.rule is not None or _normalised(line.text) != _normalised(text)]
        removed = len(lines) - len(kept)
        lines[:] = kept
        return bool(doomed_headers or removed)

    def _remove(self, block: Block | None, doomed) -> None:
        """Remove the known lines of block for which doomed(line) is true (carried lines only go by their text)."""
        lines = self._lines_of(block)
        lines[:] = [line for line in lines if line.rule is None or not doomed(line)]

    def _lines_of(self, block: Block | None) -> list[Line]:
        return self.lines if block is None else block.lines

    def _blocks_of(self, block: Block | None) -> dict[str, Block]:
        return self.blocks if block is None else block.blocks

    def render(self, header: tuple[str, ...]) -> list[str]:
        """The running-config lines in the device's layout: header, then sections and blocks closed by `!`."""
        output = list(header)
        closed = True
        previous_section = None
        for entry in _ordered(self.lines, self.blocks.values(), CONFIG):
            section = _section_of(entry)
            if isinstance(entry, Block):
                if not closed:
                    output.append(CLOSING_LINE)
                output += [entry.header] + _render_body(entry, 1) + [CLOSING_LINE]
                closed = True
            else:
                if not closed and section != previous_section:
                    output.append(CLOSING_LINE)
                output.append(entry.text)
                closed = False
            previous_section = section
        if not closed:
            output.append(CLOSING_LINE)
        return output


def _normalised(text: str) -> str:
    """A line as typed input is compared: single spaces."""
    return " ".join(text.split())


def _misplaced(frame: _Frame, indent: int) -> str:
    """Why a line at this column does not fit the open container frame."""
    if frame.block is None and not frame.carried:
        return "is indented but no block is open"
    if indent > frame.body_indent:
        return "is indented deeper than any open block"
    return "is indented less than the lines of its block but more than its header"


def _header_indent(frame: _Frame) -> int:
    """The column of the lines of frame's container: the header column of a block entered from there."""
    return frame.body_indent


def _home_of(rule: Rule, block: Block | None) -> Block | None:
    """The block a header rule is stored in: block or the nearest block around it whose mode holds the rule."""
    while block is not None and (block.carried or not grammar.holds(block.submode, rule)):
        block = block.parent
    return block


def _display_ranks(rules: tuple[Rule, ...]) -> dict[Rule, int]:
    """Each rule's place in the display order; the rules of one slot share the place of its first rule."""
    first_of_slot: dict[str, int] = {}
    for rank, rule in enumerate(rules):
        first_of_slot.setdefault(slot_of(rule), rank)
    return {rule: first_of_slot[slot_of(rule)] for rule in rules}


def _known_key(entry: Line | Block, ranks: dict[Rule, int]) -> tuple:
    position = _block_position(entry) if isinstance(entry, Block) else _sort_key(entry.text, entry.rule)
    return ranks[entry.rule], position, entry.order


def _carried_key(entry: Line | Block) -> tuple:
    return entry.placement.after + (entry.order,)


def _section_of(entry: Line | Block) -> object:
    return entry.placement.section if entry.rule is None else grammar.section_of(entry.rule)


def _ordered(lines, blocks, mode: str) -> list:
    """A container's entries in display order: known ones by rule, carried ones after the entry they followed."""
    ranks = _display_ranks(grammar.stored_rules(mode)) if mode else {}
    entries = list(lines) + list(blocks)
    return sorted(entries, key=lambda entry: _carried_key(entry) if entry.rule is None else _known_key(entry, ranks))


def _render_body(block: Block, depth: int) -> list[str]:
    """A block's lines and nested blocks, each level indented two more spaces; nested blocks have no closing line."""
    output = []
    for entry in _ordered(_body_lines(block), block.blocks.values(), block.submode):
        output.append(INDENT * depth + (entry.header if isinstance(entry, Block) else entry.text))
        if isinstance(entry, Block):
            output += _render_body(entry, depth + 1)
    return output


def _block_position(block: Block) -> tuple:
    """Interface and device blocks sort by kind and numbers, others by their rule's sort positions, else entry order."""
    if block.submode not in ("interface", "device"):
        return _sort_key(block.header, block.rule)
    name = block.header.split()[1]
    kind = _INTERFACE_KIND.match(name).group(0)
    rank = INTERFACE_KIND_ORDER.index(kind) if kind in INTERFACE_KIND_ORDER else len(INTERFACE_KIND_ORDER)
    return (rank, *(int(number) for number in re.findall(r"\d+", name[len(kind):])))


def _body_lines(block: Block) -> list[Line]:
    """The block's lines with the defaults the router shows for slots nothing was configured in."""
    lines = list(block.lines)
    if block.carried:
        return lines
    rules = grammar.stored_rules(block.submode)
    slots = {slot_of(line.rule) for line in lines if line.rule is not None}
    name = block.header.split()[-1]
    for submode, name_pattern, defaults in BLOCK_DEFAULTS:
        if submode != block.submode or not re.fullmatch(name_pattern, name):
            continue
        for text in defaults:
            match = grammar.resolve(rules, grammar.tokenize(text))
            if slot_of(match.rule) not in slots:
                lines.append(Line(text, match.rule, identity(match), -1))
    return lines


def _sort_key(text: str, rule: Rule) -> tuple:
    """What a line or header of rule is ordered by among its rule's lines (numbers numerically)."""
    tokens = text.split()
    return tuple(int(tokens[index]) if tokens[index].isdigit() else tokens[index] for index in rule.sort)
