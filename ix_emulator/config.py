# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The configuration tree of one IX router: global lines and sub-mode blocks, applied line by line.

Secrets never stay in plain text: a typed password or key is replaced on entry by SECRET_DIGEST_LENGTH
upper-case hex digits of SHA-256 over SECRET_SALT + secret, under the keyword the running configuration
uses for a concealed value (`plain` -> `hash`, `char`/`hex` -> `secret`, a bare PPP password gets `hash`).
The real router's hash differs; the emulator only keeps the shape and the property that nothing reveals
the secret while equal secrets give equal lines.
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
CONCEALED_KEYWORD = {"plain": "hash", "char": "secret", "hex": "secret"}
BARE_SECRET_KEYWORD = "hash"

DEFAULT_HOSTNAME = "Router"
# Lines the router never shows: they state the factory value.
UNSHOWN_LINES = frozenset({f"hostname {DEFAULT_HOSTNAME}"})

# Blocks a factory-fresh IX2215 shows; removing one resets it instead (a guess for the removal).
FACTORY_BLOCKS = (
    "interface GigaEthernet0.0",
    "interface GigaEthernet1.0",
    "interface GigaEthernet2.0",
    "interface Loopback0.0",
    "interface Null0.0",
)

# Default lines shown in a block when no line of the same slot is configured: (sub-mode, block name pattern, lines).
BLOCK_DEFAULTS = (
    ("interface", r"(GigaEthernet|Tunnel)\S*", ("no ip address", "shutdown")),
    ("interface", r"(Loopback|Null)\S*", ("no ip address",)),
)

# Interface and device blocks are shown by kind in this order, then by number.
INTERFACE_KIND_ORDER = ("GigaEthernet", "Loopback", "Null", "Tunnel")
_INTERFACE_NAME = re.compile(r"([A-Za-z]+)(\d+)(?:\.(\d+))?")


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
    """A configuration text the router would not accept."""


@dataclasses.dataclass
class Line:
    """One stored configuration line."""

    text: str
    rule: Rule
    identity: tuple
    order: int


@dataclasses.dataclass
class Block:
    """A sub-mode block: its header line (e.g. `interface Tunnel0.0`) and body lines."""

    header: str
    rule: Rule
    order: int
    lines: list[Line] = dataclasses.field(default_factory=list)

    @property
    def submode(self) -> str:
        return self.rule.submode

    @property
    def label(self) -> str:
        return self.rule.label.format(*self.header.split())


class ConfigTree:
    """Global lines and blocks in the order they were entered; rendering puts them in the device's order."""

    def __init__(self) -> None:
        self.lines: list[Line] = []
        self.blocks: dict[str, Block] = {}
        self._counter = itertools.count()

    @classmethod
    def factory(cls) -> ConfigTree:
        tree = cls()
        for header in FACTORY_BLOCKS:
            tree.apply_text(CONFIG, None, header)
        return tree

    @classmethod
    def parse(cls, text: str) -> ConfigTree:
        """Load a running-config text (indented lines belong to the block above) over the factory state."""
        tree = cls.factory()
        block = None
        for number, raw in enumerate(text.splitlines(), start=1):
            stripped = raw.strip()
            indented = raw[:1].isspace()
            if not stripped or stripped.startswith("!"):
                block = block if indented else None
                continue
            if indented and block is None:
                raise ConfigError(f"line {number}: indented line outside a block: {stripped}")
            try:
                entered = tree.apply_text(block.submode if indented else CONFIG, block if indented else None, stripped)
            except ConfigError as error:
                raise ConfigError(f"line {number}: {error}") from None
            block = entered if entered is not None else (block if indented else None)
        return tree

    def apply_text(self, mode: str, block: Block | None, line: str) -> Block | None:
        """Apply one configuration line (or `no` line) in a mode; raises ConfigError when it is rejected."""
        tokens = grammar.tokenize(line)
        result = grammar.resolve(grammar.stored_rules(mode), tokens)
        if isinstance(result, Match):
            return self.apply(result, block)
        if tokens[0] == "no":
            rejection = self.negate(mode, block, tokens[1:])
            if rejection is None:
                return None
            result = rejection
        raise ConfigError(f"{'incomplete' if result.incomplete else 'invalid'} line: {line}")

    def copy(self) -> ConfigTree:
        return ConfigTree.parse("\n".join(self.render(())))

    @property
    def hostname(self) -> str:
        for line in self.lines:
            if line.rule.pattern.startswith("hostname "):
                return line.text.split()[1]
        return DEFAULT_HOSTNAME

    def apply(self, match: Match, block: Block | None) -> Block | None:
        """Store a matched line in block (None: global); a block header returns its block, created if new."""
        if match.rule.submode:
            header = match.text
            if header not in self.blocks:
                self.blocks[header] = Block(header, match.rule, next(self._counter))
            return self.blocks[header]
        lines = self.lines if block is None else block.lines
        text = " ".join(conceal(match))
        line_identity = identity(match)
        kept = [line for line in lines if line.identity != line_identity]
        replaced = [line for line in lines if line.identity == line_identity]
        order = replaced[0].order if replaced else next(self._counter)
        lines[:] = kept
        if text not in UNSHOWN_LINES:
            lines.append(Line(text, match.rule, line_identity, order))
        return None

    def negate(self, mode: str, block: Block | None, tokens: tuple[str, ...]) -> Rejection | None:
        """Remove what `no <tokens>` names: a complete line by identity, an incomplete one by its leading words."""
        rules = tuple(rule for rule in grammar.stored_rules(mode) if not rule.pattern.startswith("no "))
        result = grammar.resolve(rules, tokens) if tokens else Rejection(True, "")
        if isinstance(result, Rejection):
            if not result.incomplete or not tokens:
                return result
            self._remove(block, lambda line: line.text.split()[:len(tokens)] == list(tokens))
            return None
        if result.rule.submode:
            self.blocks.pop(result.text, None)
            if result.text in FACTORY_BLOCKS:
                self.apply_text(CONFIG, None, result.text)
            return None
        removed_identity = identity(result)
        self._remove(block, lambda line: line.identity == removed_identity)
        return None

    def _remove(self, block: Block | None, doomed) -> None:
        lines = self.lines if block is None else block.lines
        lines[:] = [line for line in lines if not doomed(line)]

    def render(self, header: tuple[str, ...]) -> list[str]:
        """The running-config lines in the device's layout: header, then sections and blocks closed by `!`."""
        ranks = _display_ranks(grammar.stored_rules(CONFIG))
        entries = [(ranks[line.rule], _sort_key(line), line.order, line) for line in self.lines]
        entries += [(ranks[block.rule], _block_position(block), block.order, block) for block in self.blocks.values()]
        output = list(header)
        closed = True
        previous_section = None
        for entry in [item[-1] for item in sorted(entries, key=lambda item: item[:3])]:
            section = grammar.section_of(entry.rule)
            if isinstance(entry, Block):
                if not closed:
                    output.append("!")
                output += [entry.header] + ["  " + text for text in _block_body(entry)] + ["!"]
                closed = True
            else:
                if not closed and section != previous_section:
                    output.append("!")
                output.append(entry.text)
                closed = False
            previous_section = section
        if not closed:
            output.append("!")
        return output


def _display_ranks(rules: tuple[Rule, ...]) -> dict[Rule, int]:
    """Each rule's place in the display order; the rules of one slot share the place of its first rule."""
    first_of_slot: dict[str, int] = {}
    for rank, rule in enumerate(rules):
        first_of_slot.setdefault(slot_of(rule), rank)
    return {rule: first_of_slot[slot_of(rule)] for rule in rules}


def _block_position(block: Block) -> tuple:
    """Interface and device blocks sort by kind and number; other blocks keep their entry order."""
    if block.submode not in ("interface", "device"):
        return ()
    kind, number, sub = _INTERFACE_NAME.fullmatch(block.header.split()[1]).groups()
    return INTERFACE_KIND_ORDER.index(kind), int(number), int(sub or 0)


def _block_body(block: Block) -> list[str]:
    rules = grammar.stored_rules(block.submode)
    lines = list(block.lines)
    slots = {slot_of(line.rule) for line in lines}
    name = block.header.split()[-1]
    for submode, name_pattern, defaults in BLOCK_DEFAULTS:
        if submode != block.submode or not re.fullmatch(name_pattern, name):
            continue
        for text in defaults:
            match = grammar.resolve(rules, grammar.tokenize(text))
            if slot_of(match.rule) not in slots:
                lines.append(Line(text, match.rule, identity(match), -1))
    ranks = _display_ranks(rules)
    lines.sort(key=lambda line: (ranks[line.rule], _sort_key(line), line.order))
    return [line.text for line in lines]


def _sort_key(line: Line) -> tuple:
    tokens = line.text.split()
    return tuple(int(tokens[index]) if tokens[index].isdigit() else tokens[index] for index in line.rule.sort)
