# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ix role's template gives each router seed 004's configuration, as the IX emulator reads
both (the emulator, not the push module's parser, so the comparison does not trust the code it tests),
with a pre-shared key per IKEv2 ID: the router's own, and its peer's from the peer's variables."""

from __future__ import annotations

import pathlib

import jinja2
import pytest

from ansible_collections.multisite.vpn.plugins.filter.network import FilterModule
from ansible_collections.multisite.vpn.ix_emulator import ConfigTree
from ansible_collections.multisite.vpn.tests.data import ix as seed_004

TEMPLATE = pathlib.Path(__file__).parents[3] / "roles" / "ix" / "templates" / "ix2215.cfg.j2"

# The seed's values, as inventory variables (the role's defaults where the seed uses them).
SEED_VARS = {
    "ix_pppoe_username": "user-A@example.com",
    "ix_pppoe_password": "password-1",
    "ix_netmeister_account": "fetburner",
    "ix_netmeister_password": "password-fetburner",
    "ix_watch_host": "192.0.2.53",
    "ix_map_e_type": "ocn",
}
# Each router's own variables; ix_ikev2_psk is the key of its own IKEv2 ID, as in the seed.
ROUTERS = {
    "ix2215-tokyo": (
        seed_004.TOKYO,
        {"ix_lan_ipv4": "192.168.100.0/24", "ix_ikev2_peer": "ix2215-kagawa", "ix_wan_ipv4": "", "ix_ikev2_psk": "ix2215-tokyo-psk"},
    ),
    "ix2215-kagawa": (
        seed_004.KAGAWA,
        {"ix_lan_ipv4": "192.168.10.0/24", "ix_ikev2_peer": "ix2215-tokyo", "ix_wan_ipv4": "192.168.1.254/24", "ix_ikev2_psk": "ix2215-kagawa-psk"},
    ),
}


def render(router, **changed):
    """ROUTER's configuration, its variables (and the peer's, through hostvars) changed as CHANGED says:
    `ix_ikev2_psk` this router's key, `peer_psk` the peer's."""
    own = dict(ROUTERS[router][1])
    peer_psk = changed.pop("peer_psk", ROUTERS[own["ix_ikev2_peer"]][1]["ix_ikev2_psk"])
    own.update(changed)
    hostvars = {name: dict(SEED_VARS, **variables) for name, (_seed, variables) in ROUTERS.items()}
    hostvars[own["ix_ikev2_peer"]]["ix_ikev2_psk"] = peer_psk
    # As Ansible's template lookup renders: trim_blocks on, undefined variables an error.
    environment = jinja2.Environment(trim_blocks=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    environment.filters.update({"multisite.vpn." + name: function for name, function in FilterModule().filters().items()})
    variables = {"inventory_hostname": router, "hostvars": hostvars, **SEED_VARS, **own}
    return environment.from_string(TEMPLATE.read_text(encoding="utf-8")).render(variables)


def listing(text):
    return ConfigTree.parse(text).render(())


def seed_without_management(text):
    """The seed as the role writes it: without the lab's management lines, which the role never touches."""
    return text.replace(seed_004.MANAGEMENT, "")


def psk_lines(text):
    return [line for line in text.splitlines() if line.startswith("ikev2 authentication psk ")]


@pytest.mark.parametrize("router", sorted(ROUTERS))
def test_the_template_renders_the_seed_configuration(router):
    assert listing(render(router)) == listing(seed_without_management(ROUTERS[router][0]))


@pytest.mark.parametrize("router", sorted(ROUTERS))
def test_each_router_holds_both_keys_each_for_its_own_id(router):
    assert psk_lines(render(router)) == [
        "ikev2 authentication psk id keyid ix2215-kagawa key char ix2215-kagawa-psk",
        "ikev2 authentication psk id keyid ix2215-tokyo key char ix2215-tokyo-psk",
    ]


@pytest.mark.parametrize(
    ("changed", "line"),
    [
        pytest.param({"ix_ikev2_psk": "new-tokyo-key"}, "ikev2 authentication psk id keyid ix2215-tokyo key char new-tokyo-key", id="own-key"),
        pytest.param({"peer_psk": "new-kagawa-key"}, "ikev2 authentication psk id keyid ix2215-kagawa key char new-kagawa-key", id="peer-key"),
    ],
)
def test_a_changed_key_changes_only_the_line_of_its_id(changed, line):
    before, after = psk_lines(render("ix2215-tokyo")), psk_lines(render("ix2215-tokyo", **changed))
    assert [new for new in after if new not in before] == [line]
    assert len([old for old in before if old not in after]) == 1


def test_a_changed_variable_changes_the_configuration():
    rendered = render("ix2215-tokyo", ix_lan_ipv4="192.168.200.0/24")
    difference = set(listing(rendered)) ^ set(listing(seed_without_management(seed_004.TOKYO)))
    assert difference == {
        "  ip address 192.168.100.1/24", "  ip address 192.168.200.1/24",
        "  dns-server 192.168.100.1", "  dns-server 192.168.200.1",
    }


def test_a_missing_variable_is_an_error():
    with pytest.raises(jinja2.UndefinedError, match="ix_watch_host"):
        render("ix2215-tokyo", ix_watch_host=jinja2.StrictUndefined(name="ix_watch_host"))
