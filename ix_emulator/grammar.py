# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The NEC IX2215 command vocabulary: which lines each mode accepts, as a whitelist of token patterns.

Pattern syntax: words match themselves, `<name>` matches one token by PLACEHOLDERS (or `<lo-hi>` a number
in that range), `{a|b c}` is a choice of sequences, `[a b]` is optional. The configuration tables are
listed in the order the router shows their lines in `show running-config`; `!` in a table starts a new
section (the router separates sections with a `!` line).
"""

from __future__ import annotations

import dataclasses
import re

PLACEHOLDERS = {
    "hostname": r"[A-Za-z][A-Za-z0-9-]{0,62}",
    "name": r"[A-Za-z0-9][\w.@-]{0,62}",
    "secret": r"\S+",
    "hash": r"[0-9A-F]{32}",
    "fqdn": r"[A-Za-z0-9][A-Za-z0-9.-]*",
    # The IX2215 has three Gigabit ports; sub-interfaces and logical interfaces are numbered freely.
    "interface": r"(GigaEthernet[0-2]|Tunnel\d{1,4}|Loopback\d{1,2}|Null\d)\.\d{1,4}",
    "port": r"GigaEthernet[0-2]",
    "ipv4": r"((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)",
    "ipv4-prefix": r"((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)/([12]?\d|3[0-2])",
    "ipv6": r"[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*",
    "ipv6-prefix": r"[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*/(\d{1,2}|1[01]\d|12[0-8])",
}

# Which placeholder a password or key is typed in (also the ones hashed in the running configuration).
SECRET_PLACEHOLDER = "secret"

OPERATION = "operation"
CONFIG = "config"


@dataclasses.dataclass(frozen=True)
class Rule:
    """One accepted line shape.

    slot and key say which stored lines a new line replaces: lines of the same slot whose tokens at the
    key positions are equal (key None: only an identical line; key (): any line of the slot). submode and
    label make a block header that enters a sub-mode (label formats the header's tokens for the prompt);
    command names a session action that is not stored. sort lists the token positions the router orders
    a rule's lines by (numbers numerically); without it lines keep their entry order.
    """

    pattern: str
    slot: str = ""
    key: tuple[int, ...] | None = None
    submode: str = ""
    label: str = ""
    command: str = ""
    sort: tuple[int, ...] = ()


def _block(pattern: str, submode: str, label: str) -> Rule:
    return Rule(pattern, submode=submode, label=label)


# Prompt labels seen on a device: interface, device, watch-group, ppp profile. The ones for ip router ospf,
# ikev2 default-profile and the DHCP profiles are guesses, as is the place of ospf, nm and ppp sections.


GLOBAL_TABLE = (
    Rule("hostname <hostname>", key=()),
    "!",
    Rule("username <name> password {plain <secret>|hash <hash>} [{administrator|operator}]", key=(1,)),
    "!",
    Rule("ip route {default|<ipv4-prefix>} {<interface>|<ipv4>} [distance <1-255>]"),
    Rule("ip dhcp enable"),
    Rule("ip access-list <name> {permit|deny} {ip|tcp|udp|icmp|<0-255>} src {any|<ipv4-prefix>} [sport {any|eq <1-65535>|range <1-65535> <1-65535>}]"
         " dest {any|<ipv4-prefix>} [dport {any|eq <1-65535>|range <1-65535> <1-65535>}]"),
    Rule("ip access-list <name> dynamic [access <name>]", slot="ip-access-list-dynamic", key=(2,)),
    "!",
    Rule("ipv6 ufs-cache enable"),
    Rule("ipv6 dhcp enable"),
    Rule("ipv6 access-list <name> {permit|deny} {ip|tcp|udp|icmp|<0-255>} src {any|<ipv6-prefix>} [sport {any|eq <1-65535>|range <1-65535> <1-65535>}]"
         " dest {any|<ipv6-prefix>} [dport {any|eq <1-65535>|range <1-65535> <1-65535>}]"),
    Rule("ipv6 access-list <name> dynamic [access <name>]", slot="ipv6-access-list-dynamic", key=(2,)),
    "!",
    _block("ip router ospf <1-65535>", "ospf", "ospf-{3}"),
    "!",
    Rule("ikev2 authentication psk id keyid <name> key {char <secret>|hex <secret>|secret <hash>}", key=(5,)),
    _block("ikev2 default-profile", "ikev2-default-profile", "ikev2-default-profile"),
    "!",
    Rule("proxy-dns ip enable"),
    Rule("proxy-dns ip request {both|a|aaaa}", key=()),
    Rule("telnet-server ip enable"),
    Rule("ssh-server ip enable"),
    "!",
    Rule("nm ip enable"),
    Rule("nm standby ip enable"),
    Rule("nm account <name> password {plain <secret>|hash <hash>}", key=()),
    Rule("nm ddns notify interface <interface> protocol {ip|ipv6}", key=(6,)),
    Rule("nm outgoing-interface <interface> auto protocol {ip|ipv6}", key=(5,)),
    Rule("nm standby outgoing-interface <interface> auto protocol {ip|ipv6}", key=(6,)),
    "!",
    _block("watch-group <name> <1-65535>", "watch-group", "watch-{1}-{2}"),
    Rule("network-monitor <name> enable"),
    "!",
    _block("ip dhcp profile <name>", "dhcp-profile", "dhcp-{3}"),
    _block("ipv6 dhcp client-profile <name>", "dhcpv6-client-profile", "dhcp6-client-{3}"),
    _block("ipv6 dhcp server-profile <name>", "dhcpv6-server-profile", "dhcp6-server-{3}"),
    "!",
    _block("ppp profile <name>", "ppp-profile", "ppp-{2}"),
    "!",
    _block("device <port>", "device", "{1}"),
    _block("interface <interface>", "interface", "{1}"),
)

SUBMODE_TABLES = {
    "interface": (
        Rule("tunnel mode {map-e [ocn]|ipsec-ikev2}", slot="tunnel-mode", key=()),
        Rule("ppp binding <name>", key=()),
        Rule("ip address {<ipv4-prefix>|map-e|ipcp|dhcp}", slot="ipv4-address", key=()),
        Rule("ip unnumbered <interface>", slot="ipv4-address", key=()),
        Rule("no ip address", slot="ipv4-address", key=()),
        Rule("ip dhcp binding <name>", key=()),
        Rule("ip tcp adjust-mss {auto|<500-1460>}", key=()),
        Rule("ip napt enable"),
        Rule("ip ospf cost <1-65535>", key=()),
        Rule("ip ospf mtu-ignore"),
        Rule("ip filter <name> <1-65535> {in|out}", key=(3, 4), sort=(3, 4)),
        Rule("ikev2 connect-type {auto|on-demand}", key=()),
        Rule("ikev2 outgoing-interface <interface> [auto]", key=()),
        Rule("ikev2 peer-fqdn-ipv4 <fqdn> authentication psk id keyid <name>", slot="ikev2-peer", key=()),
        Rule("ikev2 peer-fqdn-ipv6 <fqdn> authentication psk id keyid <name>", slot="ikev2-peer", key=()),
        Rule("ipv6 enable"),
        Rule("ipv6 traffic-class tos <0-255>", key=()),
        Rule("ipv6 dhcp client <name>", key=()),
        Rule("ipv6 dhcp server <name>", key=()),
        Rule("ipv6 nd proxy <interface>", key=()),
        Rule("ipv6 nd ra enable"),
        Rule("ipv6 nd ra other-config-flag"),
        Rule("ipv6 filter <name> <1-65535> {in|out}", key=(3, 4), sort=(3, 4)),
        Rule("shutdown", slot="shutdown", key=()),
        Rule("no shutdown", slot="shutdown", key=()),
    ),
    "device": (
        Rule("speed {auto|10-full|10-half|100-full|100-half|1000-full}", key=()),
        Rule("shutdown", slot="shutdown", key=()),
        Rule("no shutdown", slot="shutdown", key=()),
    ),
    "watch-group": (
        Rule("event <1-65535> ip unreach-host <ipv4> <interface> [source <interface>]", slot="event", key=(1,), sort=(1,)),
        Rule("action <1-65535> turn-BAK-LED-on", slot="action", key=(1,), sort=(1,)),
        Rule("action <1-65535> ip shutdown-route {<ipv4-prefix>|default} <interface>", slot="action", key=(1,), sort=(1,)),
        Rule("action <1-65535> netmeister-switch-mode {standby|active}", slot="action", key=(1,), sort=(1,)),
    ),
    "ppp-profile": (
        Rule("authentication myname <name>", key=()),
        Rule("authentication password <name> {<secret>|hash <hash>}", key=()),
    ),
    "ikev2-default-profile": (
        Rule("local-authentication psk id keyid <name>", key=()),
    ),
    "ospf": (
        Rule("redistribute {connected|static}"),
        Rule("area <0-4294967295>"),
        Rule("network <interface> area <0-4294967295>", key=(1,)),
    ),
    "dhcp-profile": (
        Rule("default-gateway <ipv4>", key=()),
        Rule("dns-server <ipv4> [<ipv4>]", key=()),
    ),
    "dhcpv6-client-profile": (
        Rule("information-request"),
        Rule("option-request dns-servers"),
    ),
    "dhcpv6-server-profile": (
        Rule("dns-server {dhcp|<ipv6>}", key=()),
    ),
}

# Accepted in global configuration mode and every sub-mode; never stored.
CONFIG_COMMANDS = (
    Rule("configure", command="configure"),
    Rule("enable-config", command="configure"),
    Rule("svintr-config", command="svintr-config"),
    Rule("exit", command="exit"),
    Rule("show running-config", command="show-running-config"),
    Rule("show startup-config", command="show-startup-config"),
    Rule("write memory", command="write-memory"),
    Rule("copy running-config startup-config", command="copy-running-startup"),
    Rule("terminal length <0-512>", command="terminal-length"),
    Rule("pki private-key generate rsa", command="generate-host-key"),
    Rule("reload", command="reload"),
)

OPERATION_COMMANDS = (
    Rule("configure", command="configure"),
    Rule("enable-config", command="configure"),
    Rule("svintr-config", command="svintr-config"),
    Rule("exit", command="exit"),
)

_LEXEME = re.compile(r"[{}\[\]|]|[^\s{}\[\]|]+")
_RANGE = re.compile(r"<(\d+)-(\d+)>")


@dataclasses.dataclass(frozen=True)
class Item:
    """One element of a compiled pattern: kind is word, slot (a placeholder), choice or optional."""

    kind: str
    text: str = ""
    branches: tuple[tuple[Item, ...], ...] = ()

    def accepts(self, token: str) -> bool:
        if self.kind == "word":
            return token == self.text
        numeric = _RANGE.fullmatch(self.text)
        if numeric:
            return token.isdigit() and int(numeric.group(1)) <= int(token) <= int(numeric.group(2))
        return re.fullmatch(PLACEHOLDERS[self.text[1:-1]], token) is not None


def compile_pattern(pattern: str) -> tuple[Item, ...]:
    """Turn a pattern string into items; raises ValueError on unbalanced brackets (a table typo)."""
    lexemes = _LEXEME.findall(pattern)
    items, end = _compile_sequence(lexemes, 0)
    if end != len(lexemes):
        raise ValueError(f"unbalanced pattern: {pattern}")
    return items


def _compile_sequence(lexemes: list[str], position: int) -> tuple[tuple[Item, ...], int]:
    items: list[Item] = []
    while position < len(lexemes) and lexemes[position] not in ("|", "}", "]"):
        lexeme = lexemes[position]
        if lexeme in ("{", "["):
            closer = "}" if lexeme == "{" else "]"
            branches = []
            while True:
                branch, position = _compile_sequence(lexemes, position + 1)
                branches.append(branch)
                if position >= len(lexemes):
                    raise ValueError(f"unclosed {lexeme} in pattern")
                if lexemes[position] == closer:
                    break
            items.append(Item("choice" if closer == "}" else "optional", branches=tuple(branches)))
        else:
            items.append(Item("slot" if lexeme.startswith("<") else "word", lexeme))
        position += 1
    return tuple(items), position


class _Probe:
    """What a failed match learned: the furthest token position that was rejected, and running out of input."""

    def __init__(self) -> None:
        self.rejected_at = -1
        self.incomplete = False


def _match_sequence(items, index, tokens, position, probe):
    """Yield (end position, captured (token index, placeholder) pairs) for every way items[index:] match."""
    if index == len(items):
        yield position, ()
        return
    for end, captured in _match_item(items[index], tokens, position, probe):
        for final, rest in _match_sequence(items, index + 1, tokens, end, probe):
            yield final, captured + rest


def _match_item(item, tokens, position, probe):
    if item.kind in ("word", "slot"):
        if position == len(tokens):
            probe.incomplete = True
        elif item.accepts(tokens[position]):
            yield position + 1, ((position, item.text),) if item.kind == "slot" else ()
        else:
            probe.rejected_at = max(probe.rejected_at, position)
        return
    for branch in item.branches:
        yield from _match_sequence(branch, 0, tokens, position, probe)
    if item.kind == "optional":
        yield position, ()


@dataclasses.dataclass(frozen=True)
class Match:
    """A line accepted by a rule: its tokens and which tokens filled which placeholder."""

    rule: Rule
    tokens: tuple[str, ...]
    captured: tuple[tuple[int, str], ...]

    @property
    def text(self) -> str:
        return " ".join(self.tokens)


@dataclasses.dataclass(frozen=True)
class Rejection:
    """A line no rule accepts: incomplete (a known start missing arguments) or the first unknown token."""

    incomplete: bool
    token: str


_COMPILED: dict[str, tuple[Item, ...]] = {}


def _compiled(rule: Rule) -> tuple[Item, ...]:
    if rule.pattern not in _COMPILED:
        _COMPILED[rule.pattern] = compile_pattern(rule.pattern)
    return _COMPILED[rule.pattern]


def resolve(rules, tokens: tuple[str, ...]) -> Match | Rejection:
    """Match tokens against rules in order; the first complete match wins."""
    probe = _Probe()
    for rule in rules:
        for end, captured in _match_sequence(_compiled(rule), 0, tokens, 0, probe):
            if end == len(tokens):
                return Match(rule, tokens, captured)
            probe.rejected_at = max(probe.rejected_at, end)
    if probe.incomplete:
        return Rejection(True, "")
    return Rejection(False, tokens[max(probe.rejected_at, 0)])


def stored_rules(mode: str) -> tuple[Rule, ...]:
    """The rules whose lines are stored in the configuration, in display order."""
    table = GLOBAL_TABLE if mode == CONFIG else SUBMODE_TABLES[mode]
    return tuple(entry for entry in table if isinstance(entry, Rule))


def section_of(rule: Rule) -> int:
    """The global section a rule's lines are shown in (sections are separated by `!`)."""
    section = 0
    for entry in GLOBAL_TABLE:
        if entry == "!":
            section += 1
        elif entry is rule:
            return section
    raise KeyError(rule.pattern)


def rules_for(mode: str) -> tuple[Rule, ...]:
    """Every rule a line typed in this mode is checked against, in priority order.

    From a sub-mode a block header of global mode is accepted and switches to that block (seen on the
    device); plain global settings are not (a guess).
    """
    if mode == OPERATION:
        return OPERATION_COMMANDS
    if mode == CONFIG:
        return stored_rules(CONFIG) + CONFIG_COMMANDS
    headers = tuple(rule for rule in stored_rules(CONFIG) if rule.submode)
    return SUBMODE_TABLES[mode] + CONFIG_COMMANDS + headers


def tokenize(line: str) -> tuple[str, ...]:
    """Split an input line into tokens; leading indentation and repeated spaces do not matter."""
    return tuple(line.split())
