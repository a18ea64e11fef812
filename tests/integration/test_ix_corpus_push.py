# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The push against real routers' configurations (tests/data/ix/corpus), served by the emulator over SSH and
telnet: the push's reader and the emulator's own agree on every file, a one-line change in the deepest nested
block is typed in that block and nothing else is sent, and the second run sends nothing."""

from __future__ import annotations

import pytest

from ansible_collections.multisite.vpn.ix_emulator import Device
from ansible_collections.multisite.vpn.ix_emulator.server import LOOPBACK, serve
from ansible_collections.multisite.vpn.plugins.plugin_utils.ix_config import Entry, compare_key, parse_config
from ansible_collections.multisite.vpn.plugins.plugin_utils.ix_push import push
from ansible_collections.multisite.vpn.tests.data.ix import CORPUS_CHANGE_BY_MODE, CORPUS_FILES, CORPUS_TYPED

pytestmark = pytest.mark.filterwarnings("ignore:Diffie-Hellman over finite fields")

USER, PASSWORD = "corpus-test-admin", "corpus-test-password"


def deepest_path(entries: list[Entry], path=()) -> tuple[str, ...]:
    """The headers from the top to the deepest block (the first of the deepest)."""
    best = path
    for entry in entries:
        if entry.children:
            found = deepest_path(list(entry.children), path + (entry.line,))
            best = found if len(found) > len(best) else best
    return best


def with_change(text: str, headers: tuple[str, ...], change: str) -> str:
    """TEXT with CHANGE in the block HEADERS name, as a user edits it: a line of that block that the change
    replaces (its words but the value: `dpd interval 10` for `dpd interval 42`) is taken out, and the change is
    written as a fragment at the end, which the push reads into the block it names."""
    setting = change.split()[:min(2, len(change.split()) - 1)]
    kept, open_blocks = [], []
    for raw in text.splitlines():
        stripped = raw.strip()
        if stripped and not stripped.startswith("!"):
            indent = len(raw) - len(raw.lstrip())
            while open_blocks and open_blocks[-1][0] >= indent:
                open_blocks.pop()
            if tuple(line for _indent, line in open_blocks) == headers and stripped.split()[:len(setting)] == setting:
                continue
            open_blocks.append((indent, " ".join(stripped.split())))
        kept.append(raw)
    return "\n".join(kept) + "\n" + "".join("  " * depth + line + "\n" for depth, line in enumerate(headers + (change,)))


def comparable(entries) -> dict:
    """Entries as {compare key: comparable children}, at every depth (secret lines by their shape)."""
    return {compare_key(entry.line): comparable(entry.children) if entry.children else None for entry in entries or ()}


def holds(listing: dict, source: dict, exact: bool) -> list[str]:
    """What of SOURCE the LISTING lacks (EXACT: also what it has besides, in the blocks SOURCE lists)."""
    missing = []
    for line, children in source.items():
        if line not in listing:
            missing.append(line)
        elif children:
            missing += ["%s > %s" % (line, item) for item in holds(listing[line] or {}, children, exact)]
            if exact:
                missing += ["%s > extra %s" % (line, item) for item in set(listing[line] or {}) - set(children)]
    return missing


@pytest.mark.parametrize("path", CORPUS_FILES, ids=[path.name for path in CORPUS_FILES])
def test_the_push_reads_what_the_emulator_lists(path):
    """Two readers written apart, the push's and the emulator's, agree on every block at every depth."""
    text = path.read_text(encoding="utf-8")
    device = Device.from_running_config(text)
    listing = comparable(parse_config("\n".join(device.running_config_lines()), "the listing"))
    source = comparable(parse_config(text, path.name))
    assert holds(listing, source, exact=path.name not in CORPUS_TYPED) == []


@pytest.mark.parametrize("transport", ["ssh", "telnet"])
@pytest.mark.parametrize("path", CORPUS_FILES, ids=[path.name for path in CORPUS_FILES])
def test_a_nested_one_line_change_is_pushed_then_nothing(host_key, tmp_path, path, transport):
    text = path.read_text(encoding="utf-8")
    device = Device.from_running_config(text)
    device.add_login(USER, PASSWORD)
    headers = deepest_path(parse_config(text, path.name))
    session = device.open_session()
    for line in ["configure", *headers]:
        session.feed(line)
    change = CORPUS_CHANGE_BY_MODE[session.mode]
    session.close()
    intended = with_change(text, headers, change)
    params = {
        "transport": transport, "host": LOOPBACK, "username": USER, "password": PASSWORD, "config": intended,
        "save_when": "changed", "update_secrets": False, "takeover": False, "allow_management_change": False,
        # A typed configuration lists no defaults, which the router shows: it is merged into the blocks, not authoritative.
        "authoritative_blocks": [] if path.name in CORPUS_TYPED else [".*"],
        "backup_dir": str(tmp_path), "timeout": 10, "delay_factor": 1.0, "management_address": None,
    }
    with serve(device, host_key=host_key) as ports:
        params["port"] = getattr(ports, transport)
        first = push(params)
        second = push(params)
    # The blocks entered, at most the `no` of a line the change replaces, the change, each block left.
    commands = first["commands"]
    assert commands[:len(headers)] == list(headers) and commands[-len(headers):] == ["exit"] * len(headers), commands
    body = commands[len(headers):-len(headers)]
    replaced = "no " + " ".join(change.split()[:min(2, len(change.split()) - 1)]) + " "
    assert body == [change] or (len(body) == 2 and body[0].startswith(replaced) and body[1] == change), commands
    assert first["saved"] and (second["changed"], second["commands"]) == (False, [])
    assert "  " * len(headers) + change in device.startup_config_lines()
