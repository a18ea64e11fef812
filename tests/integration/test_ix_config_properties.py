# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property: for generated running and intended IX configurations, the commands compute_commands returns,
typed into the IX emulator (its own grammar), leave the router holding the intended configuration, and a
second computation finds nothing to send."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.multisite.vpn.plugins.plugin_utils.ix_config import compute_commands, parse_config
from ansible_collections.multisite.vpn.ix_emulator import Device

ROUTES = st.lists(st.integers(0, 20).map("ip route 10.{}.0.0/16 Null0.0".format), max_size=4, unique=True)
ACCESS_LIST = st.lists(
    st.sampled_from(["permit ip src any dest 10.%d.0.0/16" % number for number in range(6)] + ["deny ip src any dest any"]),
    min_size=1, max_size=4, unique=True,
)
ACCESS_LISTS = st.dictionaries(st.sampled_from(["acl-a", "acl-b"]), ACCESS_LIST, max_size=2)
SERVICES = st.lists(st.sampled_from(["proxy-dns ip enable", "ipv6 ufs-cache enable", "ip dhcp enable"]), unique=True)


@st.composite
def interface_blocks(draw):
    """Tunnel interfaces, each line holding at most one value where the router keeps one."""
    blocks = {}
    for number in draw(st.lists(st.integers(0, 3), max_size=3, unique=True)):
        lines = []
        if draw(st.booleans()):
            lines.append("ip ospf cost %d" % draw(st.integers(1, 200)))
        if draw(st.booleans()):
            lines.append("ip ospf mtu-ignore")
        if draw(st.booleans()):
            lines.append("ip tcp adjust-mss auto")
        for sequence in draw(st.lists(st.integers(1, 5), max_size=3, unique=True)):
            lines.append("ip filter %s %d in" % (draw(st.sampled_from(["acl-a", "acl-b"])), sequence))
        lines.append(draw(st.sampled_from(["shutdown", "no shutdown"])))
        blocks["interface Tunnel%d.0" % number] = lines
    return blocks


@st.composite
def config_parts(draw):
    """(global lines, access-lists by name, interface blocks): the pieces a configuration is written from."""
    return draw(SERVICES) + draw(ROUTES), draw(ACCESS_LISTS), draw(interface_blocks())


def render(parts):
    lines, access_lists, blocks = parts
    lines = list(lines)
    for name, entries in access_lists.items():
        lines += ["ip access-list %s %s" % (name, entry) for entry in entries]
    for header, children in blocks.items():
        lines += [header] + ["  " + child for child in children] + ["!"]
    return "".join(line + "\n" for line in lines)


@st.composite
def running_and_intended(draw):
    """Two unrelated configurations, or the second made from the first: its access-lists reordered, and
    blocks kept with some lines dropped (the cases where order and removal matter)."""
    running = draw(config_parts())
    if draw(st.booleans()):
        return render(running), render(draw(config_parts()))
    lines, access_lists, blocks = running
    reordered = {name: draw(st.permutations(entries)) for name, entries in access_lists.items()}
    trimmed = {header: [line for line in children if line.startswith(("shutdown", "no shutdown")) or draw(st.booleans())]
               for header, children in blocks.items()}
    return render(running), render((lines, reordered, trimmed))


def running_entries(device):
    return parse_config("\n".join(device.running_config_lines()), "running-config")


@settings(max_examples=150, deadline=None)
@given(configurations=running_and_intended())
def test_pushed_commands_make_the_router_hold_the_intended_config(configurations):
    running, intended = configurations
    device = Device.from_running_config(running)
    commands = compute_commands(running_entries(device), parse_config(intended))
    session = device.open_session()
    session.feed("configure")
    for command in commands:
        output = session.feed(command)
        assert "% " not in output, (command, output)
    after = {entry.line: entry for entry in running_entries(device)}
    assert compute_commands(list(after.values()), parse_config(intended)) == []
    for entry in parse_config(intended):
        assert entry.line in after, entry.line
        if entry.children:
            # Authoritative: the block holds exactly its lines, besides defaults the router lists as `no ...`.
            wanted = {child.line for child in entry.children}
            held = {child.line for child in after[entry.line].children or () if not child.line.startswith("no ") or child.line in wanted}
            assert held == wanted, entry.line
    for name in ("acl-a", "acl-b"):
        wanted = [entry.line for entry in parse_config(intended) if entry.line.startswith("ip access-list %s " % name)]
        if wanted:
            assert [line for line in after if line.startswith("ip access-list %s " % name)] == wanted
