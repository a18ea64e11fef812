# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ix role's template gives each router seed 004's configuration, as the IX emulator reads
both (the emulator, not the push module's parser, so the comparison does not trust the code it tests)."""

from __future__ import annotations

import pathlib

import jinja2
import pytest

from ansible_collections.multisite.vpn.plugins.filter.network import FilterModule
from ansible_collections.multisite.vpn.ix_emulator import ConfigTree
from ansible_collections.multisite.vpn.tests.data import ix as seed_004

TEMPLATE = pathlib.Path(__file__).parents[3] / "roles" / "ix" / "templates" / "ix2215.cfg.j2"
SHARED_PSK = "one-psk-for-both-ids"

# The seed's values, as inventory variables (the role's defaults where the seed uses them).
SEED_VARS = {
    "ix_pppoe_username": "user-A@example.com",
    "ix_pppoe_password": "password-1",
    "ix_netmeister_account": "fetburner",
    "ix_netmeister_password": "password-fetburner",
    "ix_ikev2_psk": SHARED_PSK,
    "ix_watch_host": "192.0.2.53",
    "ix_map_e_type": "ocn",
}
ROUTERS = {
    "ix2215-tokyo": (seed_004.TOKYO, {"ix_lan_ipv4": "192.168.100.0/24", "ix_ikev2_peer": "ix2215-kagawa", "ix_wan_ipv4": ""}),
    "ix2215-kagawa": (
        seed_004.KAGAWA,
        {"ix_lan_ipv4": "192.168.10.0/24", "ix_ikev2_peer": "ix2215-tokyo", "ix_wan_ipv4": "192.168.1.254/24"},
    ),
}


def render(variables):
    # As Ansible's template lookup renders: trim_blocks on, undefined variables an error.
    environment = jinja2.Environment(trim_blocks=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    environment.filters.update({"multisite.vpn." + name: function for name, function in FilterModule().filters().items()})
    return environment.from_string(TEMPLATE.read_text(encoding="utf-8")).render(variables)


def listing(text):
    return ConfigTree.parse(text).render(())


def seed_as_the_role_keys_it(text):
    """The seed without the lab's management lines, with one key for both IKEv2 IDs as the role has it."""
    text = text.replace(seed_004.MANAGEMENT, "")
    for psk in ("ix2215-kagawa-psk", "ix2215-tokyo-psk"):
        text = text.replace(" key char " + psk, " key char " + SHARED_PSK)
    return text


@pytest.mark.parametrize("router", sorted(ROUTERS))
def test_the_template_renders_the_seed_configuration(router):
    seed, own_vars = ROUTERS[router]
    rendered = render({"inventory_hostname": router, **SEED_VARS, **own_vars})
    assert listing(rendered) == listing(seed_as_the_role_keys_it(seed))


def test_a_changed_variable_changes_the_configuration():
    seed, own_vars = ROUTERS["ix2215-tokyo"]
    rendered = render({"inventory_hostname": "ix2215-tokyo", **SEED_VARS, **own_vars, "ix_lan_ipv4": "192.168.200.0/24"})
    difference = set(listing(rendered)) ^ set(listing(seed_as_the_role_keys_it(seed)))
    assert difference == {
        "  ip address 192.168.100.1/24", "  ip address 192.168.200.1/24",
        "  dns-server 192.168.100.1", "  dns-server 192.168.200.1",
    }


def test_a_missing_variable_is_an_error():
    variables = {"inventory_hostname": "ix2215-tokyo", **SEED_VARS, **ROUTERS["ix2215-tokyo"][1]}
    del variables["ix_watch_host"]
    with pytest.raises(jinja2.UndefinedError, match="ix_watch_host"):
        render(variables)
