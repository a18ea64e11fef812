# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The NEC IX command vocabulary: which lines each mode accepts, as a whitelist of token patterns.

Pattern syntax: words match themselves, `<name>` matches one token by PLACEHOLDERS (or `<lo-hi>` a number
in that range), `<name...>` one or more tokens each matching the placeholder (free text such as a
description), `{a|b c}` is a choice of sequences, `[a b]` is optional. The configuration tables are listed
in the order the router shows their lines in `show running-config`; `!` in a table starts a new section
(the router separates sections with a `!` line).

The tables are model-agnostic where the router family is: interface names of the IX2000/IX3000 series
(GigaEthernet0.0, FastEthernet0/0.1, BRI0.0, USB-Serial0.0, BVI1, Tunnel, Loopback, Null), hashes of any
length the routers print. A block header inside a sub-mode table enters a deeper sub-mode (`router bgp`
holds `address-family`). Where a line or its place was taken from a real configuration in
tests/data/ix/corpus the table says nothing; guesses are marked.
"""

from __future__ import annotations

import dataclasses
import re

_OCTET = r"(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = rf"({_OCTET}\.){{3}}{_OCTET}"
_IPV6 = r"[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*"
# Physical ports: `GigaEthernet0` on the IX2215/IX2105, `FastEthernet0/1` and `BRI1/0` (slot/port) on the IX2025.
_PORT = r"((Giga|Fast)Ethernet\d{1,2}(/\d{1,2})?|BRI\d(/\d)?)"

PLACEHOLDERS = {
    "hostname": r"[A-Za-z][A-Za-z0-9-]{0,62}",
    "name": r"[A-Za-z0-9][\w.@-]{0,62}",
    "secret": r"\S+",
    # Routers print hashes of different lengths (a real IX2025 shows a 10-digit user hash; the shortest is unknown).
    "hash": r"[0-9A-F]{2,256}",
    "fqdn": r"[A-Za-z0-9][A-Za-z0-9.-]*",
    # A description or contact: free text after its keyword, one token at a time.
    "text": r"\S+",
    "interface": rf"({_PORT}|USB-Serial\d|Tunnel\d{{1,4}}|Loopback\d{{1,3}}|Null\d{{1,3}})\.\d{{1,4}}|BVI\d{{1,3}}",
    "port": rf"{_PORT}|USB\d",
    "ipv4": _IPV4,
    "ipv4-prefix": rf"{_IPV4}/([12]?\d|3[0-2])",
    "ipv6": _IPV6,
    "ipv6-prefix": rf"{_IPV6}/(\d{{1,2}}|1[01]\d|12[0-8])",
    # `ipv6 interface-identifier 00:00:00:00:00:00:00:01`: 64 bits as eight octets.
    "interface-identifier": r"([0-9A-Fa-f]{2}:){7}[0-9A-Fa-f]{2}",
    "timezone-hours": r"[+-]\d{2}",
    "log-level": r"emerg|alert|crit|error|warn|notice|info|debug",
    "ike-cipher": r"aes|aes-128|aes-192|aes-256|3des|des",
    "ike-hash": r"md5|sha|sha2-256|sha2-384|sha2-512",
    "ike-group": r"(768|1024|1536|2048|3072|4096|6144|8192)-bit",
    "esp-cipher": r"esp-(null|des|3des|aes|aes-128|aes-192|aes-256|gcm-128|gcm-192|gcm-256)",
    "esp-hash": r"esp-(md5|sha|sha2-256|sha2-384|sha2-512)",
    "ikev2-cipher": r"aes-(cbc|gcm|ctr)-(128|192|256)(-(8|12|16))?|3des|des",
    "ikev2-hash": r"md5|sha1|sha2-(256|384|512)",
    "ikev2-group": r"(768|1024|1536|2048|3072|4096|6144|8192)-bit|ecp-(256|384|521)",
}

# Which placeholder a password or key is typed in (also the ones hashed in the running configuration).
SECRET_PLACEHOLDER = "secret"
# A slot whose name ends so takes one or more tokens.
MANY_TOKENS = "..."

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


def _one_of_slot(pattern: str, slot: str) -> Rule:
    """A line of which the block holds one, whatever its form (`shutdown` or `no shutdown`)."""
    return Rule(pattern, slot=slot, key=())


def _single(pattern: str, *key: int) -> Rule:
    """A line that holds one value: a new one replaces the old (key: the positions naming what it sets)."""
    return Rule(pattern, key=tuple(key))


# Prompt labels seen on a device: interface, device, watch-group, ppp profile. The ones for ip router ospf,
# router bgp and its address families, the IKEv2 profiles and the DHCP profiles are guesses, as is the place
# of the nm and ppp sections and of ikev2 profiles. On a real IX2025 `ip router ospf` is listed after the
# server lines, just before the device blocks; here it keeps the place seed 004's expected listing gives it.

_ACL_PORTS = "[sport {any|eq <1-65535>|range <1-65535> <1-65535>}]"
_ACL_DPORTS = "[dport {any|eq <1-65535>|range <1-65535> <1-65535>}]"
_IKE_ID = "{keyid <name>|address <ipv4>|fqdn <fqdn>}"

GLOBAL_TABLE = (
    _single("hostname <hostname>"),
    _single("timezone <timezone-hours> <0-59>"),
    _single("terminal default-length <0-512>"),
    _single("terminal default-width <40-512>"),
    _single("terminal timeout <0-86400>"),
    "!",
    Rule("username <name> password {plain <secret>|hash <hash>} [{administrator|operator}]", key=(1,)),
    "!",
    _single("logging buffered <1-2147483647>"),
    Rule("logging subsystem <name> <log-level>", key=(2,), sort=(2,)),
    _single("logging timestamp {datetime|uptime}"),
    "!",
    Rule("ntp ip enable"),
    Rule("ntp ipv6 enable"),
    Rule("ntp server {dhcpv6|<ipv4>|<ipv6>}", key=(2,)),
    "!",
    _single("ip ufs-cache max-entries <1-4294967295>"),
    Rule("ip ufs-cache enable"),
    Rule("ip route {default|<ipv4-prefix>} {<interface>|<ipv4>} [distance <1-255>]"),
    Rule("ip dhcp enable"),
    Rule("ip prefix-list <name> <1-4294967295> {permit|deny} {any|<ipv4-prefix> [ge <0-32>] [le <0-32>]}", key=(2, 3), sort=(2, 3)),
    Rule(f"ip access-list <name> {{permit|deny}} {{ip|tcp|udp|icmp|<0-255>}} src {{any|<ipv4-prefix>}} {_ACL_PORTS}"
         f" dest {{any|<ipv4-prefix>}} {_ACL_DPORTS}"),
    Rule("ip access-list <name> dynamic [access <name>]", slot="ip-access-list-dynamic", key=(2,)),
    "!",
    _single("ipv6 ufs-cache max-entries <1-4294967295>"),
    Rule("ipv6 ufs-cache enable"),
    Rule("ipv6 dhcp enable"),
    Rule("ipv6 prefix-list <name> <1-4294967295> {permit|deny} {any|<ipv6-prefix> [ge <0-128>] [le <0-128>]}", key=(2, 3), sort=(2, 3)),
    Rule(f"ipv6 access-list <name> {{permit|deny}} {{ip|tcp|udp|icmp|<0-255>}} src {{any|<ipv6-prefix>}} {_ACL_PORTS}"
         f" dest {{any|<ipv6-prefix>}} {_ACL_DPORTS}"),
    Rule("ipv6 access-list <name> dynamic [access <name>]", slot="ipv6-access-list-dynamic", key=(2,)),
    "!",
    Rule("bridge irb enable"),
    "!",
    _block("ip router ospf <1-65535>", "ospf", "ospf-{3}"),
    "!",
    Rule("ike nat-traversal [keepalive <1-3600>]", slot="ike-nat-traversal", key=()),
    _single("ike initial-contact always"),
    Rule("ike proposal <name> encryption <ike-cipher> hash <ike-hash> [group <ike-group>] [lifetime <1-4294967295>]", key=(2,)),
    Rule("ike policy <name> peer {any|<ipv4>} key {hash <hash>|<secret>} [mode {aggressive|main}] <name>", key=(2,)),
    Rule("ike keepalive <name> <1-3600> <1-100>", key=(2,)),
    Rule("ike commit-bit <name>", key=(2,)),
    Rule(f"ike local-id <name> {_IKE_ID}", key=(2,)),
    Rule(f"ike remote-id <name> {_IKE_ID}", key=(2,)),
    Rule("ipsec autokey-proposal <name> <esp-cipher> [<esp-hash>] [lifetime time <1-4294967295>]", key=(2,)),
    Rule("ipsec autokey-map <name> <name> peer {any|<ipv4>} <name...>", key=(2,)),
    Rule("ipsec dynamic-map <name> <name> <name> ike <name>", key=(2,)),
    Rule("ipsec commit-bit <name> [quick-mode]", key=(2,)),
    Rule("ipsec local-id <name> {<ipv4>|<ipv4-prefix>}", key=(2,)),
    Rule("ipsec remote-id <name> {<ipv4>|<ipv4-prefix>}", key=(2,)),
    "!",
    Rule("ikev2 authentication psk id {keyid <name>|fqdn <fqdn>} key {char <secret>|hex <secret>|secret <hash>}", key=(4, 5)),
    _block("ikev2 default-profile", "ikev2-default-profile", "ikev2-default-profile"),
    _block("ikev2 profile <name>", "ikev2-profile", "ikev2-profile-{2}"),
    "!",
    Rule("proxy-dns ip enable"),
    _single("proxy-dns ip request {both|a|aaaa}"),
    _single("proxy-dns ip access-list <name>"),
    Rule("proxy-dns server {<ipv4>|<ipv6>}"),
    Rule("telnet-server ip enable"),
    Rule("ssh-server ip enable"),
    "!",
    _single("http-server username <name>"),
    Rule("http-server ip enable"),
    "!",
    Rule("web-console remote-lan <ipv4-prefix> <interface>"),
    "!",
    # SNMP and RADIUS shapes follow IX configurations published outside the corpus; the `key 0` form is a guess.
    Rule("snmp-agent ip enable"),
    _single("snmp-agent contact <text...>"),
    _single("snmp-agent location <text...>"),
    Rule("snmp-agent ip community {hash <hash>|<secret>} [{read-only|read-write}] [<name>]", slot="snmp-community", key=None),
    Rule("snmp-agent ip host <ipv4> {hash <hash>|<secret>} [version {1|2}]", key=(3,)),
    _single("snmp-agent ip trap-source <interface>"),
    _single("snmp-agent ip trap-port <1-65535>"),
    Rule("radius host ip <ipv4> [auth-port <1-65535>] [acct-port <1-65535>] key {hash <hash>|0 <secret>|<secret>}", key=(3,)),
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
    _block("router bgp <1-4294967295>", "bgp", "bgp-{2}"),
    "!",
    _block("device <port>", "device", "{1}"),
    _block("interface <interface>", "interface", "{1}"),
)

_IKEV2_PROFILE = (
    _single("child-pfs {off|<ikev2-group>}"),
    _single("child-proposal enc <ikev2-cipher...>"),
    _single("child-proposal integrity <ikev2-hash...>"),
    _single("child-proposal lifetime <1-4294967295>"),
    _single("dpd interval <1-3600>"),
    # The typed configurations of the corpus show the form without `psk` too.
    Rule("local-authentication [psk] id {keyid <name>|fqdn <fqdn>}", slot="local-authentication", key=()),
    _single("sa-proposal enc <ikev2-cipher...>"),
    _single("sa-proposal integrity <ikev2-hash...>"),
    _single("sa-proposal dh <ikev2-group...>"),
    _single("sa-proposal prf <ikev2-hash...>"),
    _single("sa-proposal lifetime <1-4294967295>"),
    _single("ipsec-mode {tunnel|transport}"),
)

SUBMODE_TABLES = {
    "interface": (
        _single("description <text...>"),
        _single("encapsulation {ppp|pppoe}"),
        _one_of_slot("auto-connect", "auto-connect"),
        _one_of_slot("no auto-connect", "auto-connect"),
        _single("tunnel mode {map-e [ocn]|ipsec|ipsec-ikev2|gre [ipv6]|ether-ip {ipv6|ipsec|ipsec-ikev2}}"),
        _single("tunnel destination {<ipv4>|<ipv6>}"),
        _single("ppp binding <name>"),
        _one_of_slot("ip address {<ipv4-prefix>|map-e|ipcp|dhcp [receive-default]}", "ipv4-address"),
        _one_of_slot("ip unnumbered <interface>", "ipv4-address"),
        _one_of_slot("no ip address", "ipv4-address"),
        _single("ip mtu <68-65535>"),
        _single("ip dhcp binding <name>"),
        _single("ip tcp adjust-mss {auto|<500-1460>}"),
        Rule("ip napt enable"),
        Rule("ip napt hairpinning"),
        Rule("ip napt static {<interface>|<ipv4>} {<0-255>|tcp <1-65535> [<1-65535>]|udp <1-65535> [<1-65535>]}"),
        Rule("ip filter <name> <1-65535> {in|out}", key=(3, 4), sort=(3, 4)),
        _single("ip ospf cost <1-65535>"),
        Rule("ip ospf mtu-ignore"),
        Rule("ipsec policy tunnel <name> {in|out}", key=(4,)),
        Rule("ipv6 enable"),
        _single("ipv6 interface-identifier <interface-identifier>"),
        _one_of_slot("ipv6 address autoconfig [receive-default]", "ipv6-address-autoconfig"),
        Rule("ipv6 address <ipv6-prefix> [eui-64]"),
        _single("ipv6 traffic-class tos <0-255>"),
        _single("ipv6 dhcp client <name>"),
        _single("ipv6 dhcp server <name>"),
        _single("ipv6 nd proxy <interface>"),
        Rule("ipv6 nd ra enable"),
        Rule("ipv6 nd ra other-config-flag"),
        Rule("ipv6 filter <name> <1-65535> {in|out}", key=(3, 4), sort=(3, 4)),
        Rule("ipv6 autoselect enable"),
        _single("bridge-group <1-65535>"),
        _single("bridge ip tcp adjust-mss {auto|<500-1460>}"),
        _single("bridge ipv6 tcp adjust-mss {auto|<500-1440>}"),
        _single("ikev2 binding <name>"),
        _single("ikev2 connect-type {auto|on-demand}"),
        Rule("ikev2 ipsec pre-fragment"),
        _single("ikev2 outgoing-interface <interface> [auto]"),
        _single("ikev2 nat-traversal keepalive <1-3600> [force]"),
        _one_of_slot("ikev2 peer any authentication psk id keyid <name>", "ikev2-peer"),
        _one_of_slot("ikev2 peer-fqdn-ipv4 <fqdn> authentication psk id keyid <name>", "ikev2-peer"),
        _one_of_slot("ikev2 peer-fqdn-ipv6 <fqdn> authentication psk id keyid <name>", "ikev2-peer"),
        _one_of_slot("shutdown", "shutdown"),
        _one_of_slot("no shutdown", "shutdown"),
    ),
    "device": (
        _single("isdn switch-type {hsd128k|hsd64k|ntt}"),
        _single("speed {auto|10-full|10-half|100-full|100-half|1000-full}"),
        _one_of_slot("shutdown", "shutdown"),
        _one_of_slot("no shutdown", "shutdown"),
    ),
    "watch-group": (
        Rule("event <1-65535> ip unreach-host <ipv4> <interface> [source <interface>]", slot="event", key=(1,), sort=(1,)),
        Rule("action <1-65535> turn-BAK-LED-on", slot="action", key=(1,), sort=(1,)),
        Rule("action <1-65535> ip shutdown-route {<ipv4-prefix>|default} <interface>", slot="action", key=(1,), sort=(1,)),
        Rule("action <1-65535> netmeister-switch-mode {standby|active}", slot="action", key=(1,), sort=(1,)),
        Rule("probe-timer {restorer|variance} <1-65535>", key=(1,)),
    ),
    "ppp-profile": (
        _single("authentication myname <name>"),
        _single("authentication password <name> {hash <hash>|<secret>}"),
    ),
    "ikev2-default-profile": _IKEV2_PROFILE,
    "ikev2-profile": _IKEV2_PROFILE,
    "ospf": (
        _single("router-id <ipv4>"),
        Rule("passive-interface <interface>"),
        Rule("redistribute {connected|static}"),
        Rule("area <0-4294967295>"),
        Rule("network <interface> area <0-4294967295>", key=(1,)),
    ),
    "bgp": (
        _single("bgp router-id <ipv4>"),
        Rule("neighbor {<ipv4>|<ipv6>} remote-as <1-4294967295>", key=(1,)),
        # The address-family prompt is a guess in the style of other routers' `config-bgp-af`; so is ipv4 before ipv6.
        Rule("address-family {ipv4|ipv6} unicast", submode="bgp-address-family", label="bgp-af-{1}", sort=(1,)),
    ),
    "bgp-address-family": (
        Rule("neighbor {<ipv4>|<ipv6>} activate"),
        Rule("neighbor {<ipv4>|<ipv6>} distribute-list <name> {in|out}", key=(1, 4)),
        Rule("network {<ipv4-prefix>|<ipv6-prefix>}"),
        Rule("redistribute {connected|static|ospf}"),
    ),
    "dhcp-profile": (
        _single("assignable-range <ipv4> <ipv4>"),
        _single("default-gateway <ipv4>"),
        _single("dns-server <ipv4> [<ipv4>]"),
    ),
    "dhcpv6-client-profile": (
        Rule("information-request"),
        Rule("option-request {dns-servers|domain-search-list|ntp-servers}"),
        Rule("ia-pd subscriber <interface> <ipv6-prefix> [eui-64]", key=(2,)),
        Rule("ia-pd redistribute pool <name> <ipv6-prefix> [nla-length <0-128>]", key=(3,)),
        _single("shutdown-delay <0-4294967295>"),
    ),
    "dhcpv6-server-profile": (
        _single("dns-server {dhcp|<ipv6>}"),
        _single("ia-pd redistribute-prefix pool <name>"),
        _single("shutdown-delay <0-4294967295>"),
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

    @property
    def many(self) -> bool:
        """A slot that takes one or more tokens (`<text...>`)."""
        return self.kind == "slot" and self.text.endswith(MANY_TOKENS + ">")

    @property
    def placeholder(self) -> str:
        """The slot's placeholder name, without brackets and without `...`."""
        return self.text[1:-1].removesuffix(MANY_TOKENS)

    def accepts(self, token: str) -> bool:
        if self.kind == "word":
            return token == self.text
        numeric = _RANGE.fullmatch(self.text)
        if numeric:
            return token.isdigit() and int(numeric.group(1)) <= int(token) <= int(numeric.group(2))
        return re.fullmatch(PLACEHOLDERS[self.placeholder], token) is not None


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
            return
        if not item.accepts(tokens[position]):
            probe.rejected_at = max(probe.rejected_at, position)
            return
        end = position + 1
        if item.many:
            while end < len(tokens) and item.accepts(tokens[end]):
                end += 1
        # Longest first: free text runs to the end of the line unless what follows needs tokens.
        for stop in range(end, position, -1):
            captured = tuple((index, item.text) for index in range(position, stop)) if item.kind == "slot" else ()
            yield stop, captured
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


def holds(mode: str, rule: Rule) -> bool:
    """Whether rule is one of mode's own stored rules (the very object: equal patterns of other modes do not count)."""
    return any(candidate is rule for candidate in stored_rules(mode))


def section_of(rule: Rule) -> int:
    """The global section a rule's lines are shown in (sections are separated by `!`)."""
    section = 0
    for entry in GLOBAL_TABLE:
        if entry == "!":
            section += 1
        elif entry is rule:
            return section
    raise KeyError(rule.pattern)


def _parent_modes() -> dict[str, str]:
    """Each sub-mode and the mode its block header is typed in."""
    parents = {}
    for mode in (CONFIG, *SUBMODE_TABLES):
        for rule in stored_rules(mode):
            if rule.submode:
                parents.setdefault(rule.submode, mode)
    return parents


PARENT_MODES = _parent_modes()


def enclosing_modes(mode: str) -> tuple[str, ...]:
    """The modes around a sub-mode, nearest first, ending with global configuration mode."""
    chain = []
    while mode in PARENT_MODES:
        mode = PARENT_MODES[mode]
        chain.append(mode)
    return tuple(chain)


def rules_for(mode: str) -> tuple[Rule, ...]:
    """Every rule a line typed in this mode is checked against, in priority order.

    From a sub-mode a block header of global mode is accepted and switches to that block (seen on the
    device); from a nested sub-mode so is a block header of any mode around it (a guess by analogy).
    Plain settings of other modes are not (a guess).
    """
    if mode == OPERATION:
        return OPERATION_COMMANDS
    if mode == CONFIG:
        return stored_rules(CONFIG) + CONFIG_COMMANDS
    headers = tuple(rule for outer in enclosing_modes(mode) for rule in stored_rules(outer) if rule.submode)
    return SUBMODE_TABLES[mode] + CONFIG_COMMANDS + headers


def tokenize(line: str) -> tuple[str, ...]:
    """Split an input line into tokens; leading indentation and repeated spaces do not matter."""
    return tuple(line.split())
