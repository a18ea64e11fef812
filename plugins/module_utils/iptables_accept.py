# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ACCEPT rules in front of a provider's iptables REJECT rules, for the multisite.vpn.iptables_accept module.

A rule is kept as the one line both C(iptables -S) and C(iptables-save) print for it, which is also the line of
the rules file loaded at boot, so that the live rules and the file are compared with it as text. Planning is
pure: which chains reject, which live rules to delete and insert, and the rules file's new text; the module
runs the one C(iptables -S) read and the C(iptables -D) and C(-I) calls the plan lists.
"""

from __future__ import annotations

import re
import shlex

from ansible_collections.multisite.vpn.plugins.module_utils.files import OwnedFile, read_file

CHAIN_NAME = re.compile(r"[A-Za-z0-9_-]{1,28}\Z")
# A Linux interface name (15 characters at most), or iptables' prefix form ending in +.
INTERFACE_NAME = re.compile(r"[A-Za-z0-9_.-]{1,15}\Z|[A-Za-z0-9_.-]{0,14}\+\Z")
# Printable ASCII without the characters iptables escapes inside quotes; 255 is iptables' own limit.
COMMENT_CHARACTERS = re.compile(r"[ !#-&(-\[\]-~]{1,255}\Z")
# The characters iptables prints a comment with, unquoted (xtables_save_string).
UNQUOTED_COMMENT = re.compile(r"[A-Za-z0-9_-]+\Z")
PROTOCOLS = ("tcp", "udp")
REJECTING_TARGETS = ("REJECT", "DROP")


class IptablesError(Exception):
    """A problem the user has to fix; the message starts with the option it concerns, or names the command."""


def check_rules(rules) -> list[dict]:
    """Check every rule; return them with their line. All problems are reported at once, each naming its rule."""
    problems = []
    checked = []
    seen = {}
    for index, rule in enumerate(rules):
        label = "rules[%d]" % index
        found = []
        chain = rule.get("chain")
        if not isinstance(chain, str) or not CHAIN_NAME.match(chain):
            found.append("%s.chain: %r is not an iptables chain name (letters, digits, _ and -, such as INPUT)" % (label, chain))
        protocol = rule.get("protocol")
        port = rule.get("destination_port")
        if port is not None and not 1 <= port <= 65535:
            found.append("%s.destination_port: %r is not a port from 1 to 65535" % (label, port))
        if port is not None and protocol is None:
            found.append("%s.destination_port: needs protocol (tcp or udp)" % label)
        for option in ("in_interface", "out_interface"):
            interface = rule.get(option)
            if interface is not None and not INTERFACE_NAME.match(interface):
                found.append("%s.%s: %r is not an interface name (at most 15 letters, digits, _ . -, or a prefix"
                             " ending in +)" % (label, option, interface))
        if protocol is None and rule.get("in_interface") is None and rule.get("out_interface") is None:
            found.append("%s: matches every packet of its chain; give protocol, in_interface or out_interface" % label)
        comment = rule.get("comment")
        if not isinstance(comment, str) or not COMMENT_CHARACTERS.match(comment) or comment != comment.strip():
            found.append("%s.comment: %r must be 1 to 255 printable ASCII characters without quotes or backslashes, not"
                         " starting or ending with a space (it names the rule, live and in the rules file)" % (label, comment))
        elif isinstance(chain, str) and (chain, comment) in seen:
            found.append("%s.comment: %r is also the comment of rules[%d] in chain %s; each rule of a chain needs its own"
                         % (label, comment, seen[(chain, comment)], chain))
        else:
            seen[(chain, comment)] = index
        if found:
            problems.extend(found)
            continue
        checked.append(dict(rule, line=rule_line(rule)))
    if problems:
        raise IptablesError("; ".join(problems))
    return checked


def quote_comment(comment: str) -> str:
    """The comment as iptables prints it: bare when it is letters, digits, _ and - only, quoted otherwise."""
    return comment if UNQUOTED_COMMENT.match(comment) else '"%s"' % comment


def rule_line(rule: dict) -> str:
    """The rule as C(iptables -S) and C(iptables-save) print it (interfaces, protocol, its port match, comment)."""
    words = ["-A", rule["chain"]]
    if rule.get("in_interface"):
        words += ["-i", rule["in_interface"]]
    if rule.get("out_interface"):
        words += ["-o", rule["out_interface"]]
    if rule.get("protocol"):
        words += ["-p", rule["protocol"]]
        if rule.get("destination_port") is not None:
            words += ["-m", rule["protocol"], "--dport", str(rule["destination_port"])]
    words += ["-m", "comment", "--comment", quote_comment(rule["comment"]), "-j", "ACCEPT"]
    return " ".join(words)


def split_line(line: str):
    """The words of a rule line, or None when it is not one iptables could have printed."""
    try:
        words = shlex.split(line)
    except ValueError:
        return None
    if words and words[0].startswith("["):  # iptables-save -c puts the counters first
        words = words[1:]
    return words


def rule_chain(line: str):
    """The chain of an `-A CHAIN ...` line (after counters, in a file iptables-save -c wrote), or None."""
    words = line.split(None, 3)
    if words and words[0].startswith("["):
        words = words[1:]
    return words[1] if len(words) >= 2 and words[0] == "-A" else None


def rule_comment(line: str):
    words = split_line(line) or []
    for position, word in enumerate(words[:-1]):
        if word == "--comment":
            return words[position + 1]
    return None


def is_rejecting(line: str) -> bool:
    words = split_line(line) or []
    return any(word in ("-j", "--jump") and target in REJECTING_TARGETS for word, target in zip(words, words[1:]))


def rejecting_chains(live_lines, chains) -> list[str]:
    """The CHAINS (in their order) that end packets in the live rules: a REJECT or DROP rule, or policy DROP."""
    found = []
    for chain in chains:
        policy_drop = "-P %s DROP" % chain in live_lines
        if policy_drop or any(rule_chain(line) == chain and is_rejecting(line) for line in live_lines):
            if chain not in found:
                found.append(chain)
    return found


def plan_chain(lines, rules, reject_at):
    """For one chain's LINES (its rules, in order), which to remove and which of RULES to add.

    A rule is in place when its line is there before position REJECT_AT. Misplaced copies of a rule that is not
    in place, and lines that carry a rule's comment but differ from it (an old port, an old interface), are
    removed; rules not in place are added. Returns (removed positions, lines to add in order).
    """
    comments = {rule["comment"]: rule["line"] for rule in rules}
    wanted = [rule["line"] for rule in rules]
    in_place = {line for position, line in enumerate(lines) if line in wanted and position < reject_at}
    removed = [
        position for position, line in enumerate(lines)
        if (line in wanted and line not in in_place) or (line not in wanted and rule_comment(line) in comments)
    ]
    added = [line for line in wanted if line not in in_place]
    return removed, added


def plan_live(live_lines, rules) -> dict:
    """What to do to the live rules: per rejecting chain, the lines to delete and to insert (at position 1)."""
    chains = rejecting_chains(live_lines, [rule["chain"] for rule in rules])
    plan = dict(rejecting_chains=chains, deleted=[], inserted=[])
    for chain in chains:
        lines = [line for line in live_lines if rule_chain(line) == chain]
        rejects = [position for position, line in enumerate(lines) if is_rejecting(line)]
        removed, added = plan_chain(lines, [rule for rule in rules if rule["chain"] == chain], rejects[0] if rejects else len(lines))
        plan["deleted"] += [lines[position] for position in removed]
        plan["inserted"] += added
    return plan


def delete_argv(line: str) -> list[str]:
    """`iptables -D CHAIN <spec>` for a line `-A CHAIN <spec>`: deletes the first rule with that spec."""
    words = split_line(line)
    return ["-D"] + words[1:]


def insert_argvs(lines) -> list[list[str]]:
    """`iptables -I CHAIN 1 <spec>` for each line, last first, so that they end at the top in the order given."""
    argvs = []
    for line in reversed(lines):
        words = split_line(line)
        argvs.append(["-I", words[1], "1"] + words[2:])
    return argvs


def predict_live(live_lines, plan) -> list[str]:
    """The live rules after the plan, as `iptables -S` would print them: the `-P` and `-N` lines, then each chain's
    rules in the order of those lines, each inserted line first in its chain."""
    after = list(live_lines)
    for line in plan["deleted"]:
        after.remove(line)
    order = [existing.split()[1] for existing in after if existing.split()[:1] in (["-P"], ["-N"])]
    for line in reversed(plan["inserted"]):
        chain = rule_chain(line)
        earlier = set(order[:order.index(chain)]) if chain in order else set(order)
        own = [position for position, existing in enumerate(after) if rule_chain(existing) == chain]
        before = [position for position, existing in enumerate(after)
                  if rule_chain(existing) in earlier or existing.split()[:1] in (["-P"], ["-N"])]
        after.insert(own[0] if own else (before[-1] + 1 if before else len(after)), line)
    return after


def filter_section(lines):
    """The positions of `*filter` and its COMMIT in the rules file's LINES, or None when it has no filter table."""
    start = next((position for position, line in enumerate(lines) if line.strip() == "*filter"), None)
    if start is None:
        return None
    end = next((position for position in range(start + 1, len(lines)) if lines[position].strip() == "COMMIT"), None)
    if end is None:
        return None
    return start, end


def insertion_point(lines, start, end, chain):
    """Where a chain's ACCEPT rules go in the filter section LINES[START:END]: before its first REJECT or DROP rule;
    when it has none (policy DROP), after its last rule; when it has no rule, before COMMIT."""
    chain_positions = [position for position in range(start + 1, end) if rule_chain(lines[position].strip()) == chain]
    for position in chain_positions:
        if is_rejecting(lines[position].strip()):
            return position, True
    if chain_positions:
        return chain_positions[-1] + 1, False
    return end, False


def plan_file(text: str, rules, chains):
    """The rules file's new text, with the rules of each of CHAINS in front of the chain's first REJECT or DROP
    rule; None when it has no filter table (iptables-save format: `*filter` ... `COMMIT`)."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    if filter_section(lines) is None:
        return None
    for chain in chains:
        chain_rules = [rule for rule in rules if rule["chain"] == chain]
        start, end = filter_section(lines)
        at, rejecting = insertion_point(lines, start, end, chain)
        positions = [position for position in range(start + 1, end) if rule_chain(lines[position].strip()) == chain]
        chain_lines = [lines[position].strip() for position in positions]
        reject_at = positions.index(at) if rejecting else len(positions)
        removed, added = plan_chain(chain_lines, chain_rules, reject_at)
        for position in sorted((positions[index] for index in removed), reverse=True):
            del lines[position]
        start, end = filter_section(lines)
        at, rejecting = insertion_point(lines, start, end, chain)
        lines[at:at] = [line + "\n" for line in added]
    return "".join(lines)


def read_rules_file(path: str, rules, chains):
    """The rules file as an OwnedFile whose content is the planned text (it keeps its mode), or None when it is
    absent; and a warning when it cannot be planned. Read once: the new text depends on the current one."""
    current, mode = read_file(path)
    if current is None:
        return None, None
    try:
        text = current.decode("utf-8")
    except UnicodeDecodeError:
        raise IptablesError("rules_file: %s is not UTF-8 text; is it an iptables-save file?" % path) from None
    planned = plan_file(text, rules, chains)
    if planned is None:
        return None, ("rules_file: %s has no filter table (a `*filter` line and its COMMIT); the rules are live only"
                      " and will not survive a reboot" % path)
    return OwnedFile(path, planned, mode, current=(current, mode)), None


def chain_lines(lines, chains) -> str:
    """The lines of `iptables -S` that belong to CHAINS, as text (a diff shows these, not docker's chains)."""
    return "".join(line + "\n" for line in lines if line.split()[1:2] and line.split()[1] in chains)


def iptables(module, binary: str, argv) -> None:
    rc, out, err = module.run_command([binary] + argv)
    if rc != 0:
        raise IptablesError("iptables %s failed: %s" % (" ".join(shlex.quote(word) for word in argv),
                                                        (err or out).strip() or "exit status %d" % rc))
