# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The key-store lookup: keys from <store>/<host>_<interface>.pub, never from outside the store."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleLookupError
from ansible_collections.multisite.vpn.plugins.lookup.wireguard_public_key import LookupModule, read_public_keys
from ansible_collections.multisite.vpn.tests.unit.wireguard_keys import PRIVATE, SPOKE_JP, SPOKE_US

ZERO_KEY = "A" * 43 + "="


@pytest.fixture
def store(tmp_path):
    """A key store with the keys of spoke-jp and spoke-us on wg-oci, and, beside it, a key outside it."""
    directory = tmp_path / "store"
    directory.mkdir()
    (directory / "spoke-jp_wg-oci.pub").write_text(SPOKE_JP + "\n")
    (directory / "spoke-us_wg-oci.pub").write_text(SPOKE_US + "\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # What ../elsewhere/evil would read: a key that is not in the store (a private one, even).
    (elsewhere / "evil_wg-oci.pub").write_text(PRIVATE + "\n")
    return directory


def test_keys_in_the_order_given(store):
    assert read_public_keys(["spoke-us", "spoke-jp"], "wg-oci", str(store)) == [SPOKE_US, SPOKE_JP]


@pytest.mark.parametrize(
    "hosts, interface, setup, message",
    [
        pytest.param(
            ["spoke-jp", "../elsewhere/evil"], "wg-oci", None,
            "_terms[1]: '../elsewhere/evil' starts with '.'; an inventory host name names a file in the key store, which must stay inside it",
            id="host-name-leaving-the-store",
        ),
        pytest.param(
            ["spoke-jp/../../elsewhere/evil"], "wg-oci", None,
            "_terms[0]: 'spoke-jp/../../elsewhere/evil' contains a '/', a backslash, whitespace or a control character",
            id="host-name-with-a-separator",
        ),
        pytest.param([".hidden"], "wg-oci", None, "_terms[0]: '.hidden' starts with '.'", id="hidden-file"),
        pytest.param(["spoke jp"], "wg-oci", None, "_terms[0]: 'spoke jp' contains a '/'", id="whitespace"),
        pytest.param(["spoke-jp\n"], "wg-oci", None, "_terms[0]: 'spoke-jp\\n' contains a '/'", id="newline"),
        pytest.param([""], "wg-oci", None, "_terms[0]: the host name is empty", id="empty"),
        pytest.param([None], "wg-oci", None, "_terms[0]: an inventory host name is a string, not NoneType", id="none"),
        pytest.param(
            ["spoke-jp"], "../elsewhere", None,
            "interface '../elsewhere' contains whitespace, '/' or ':', which Linux does not allow in a name",
            id="interface-leaving-the-store",
        ),
        pytest.param(
            ["spoke-de"], "wg-oci", None,
            "WireGuard public key of wg-oci unknown for spoke-de ({store}/spoke-de_wg-oci.pub: No such file or directory)",
            id="missing-key",
        ),
        pytest.param(
            ["spoke-jp"], "wg-oci", ZERO_KEY,
            "unknown for spoke-jp ({store}/spoke-jp_wg-oci.pub does not hold a WireGuard public key: it is all zeros",
            id="all-zero-key",
        ),
        pytest.param(
            ["spoke-jp"], "wg-oci", "PrivateKey = %s" % PRIVATE,
            "unknown for spoke-jp ({store}/spoke-jp_wg-oci.pub does not hold a WireGuard public key: it is 57 characters long",
            id="not-a-key-content-not-shown",
        ),
    ],
)
def test_bad_input_fails_naming_it_and_shows_no_key(store, hosts, interface, setup, message):
    if setup is not None:
        (store / "spoke-jp_wg-oci.pub").write_text(setup + "\n")
    with pytest.raises(AnsibleLookupError) as error:
        read_public_keys(hosts, interface, str(store))
    assert message.format(store=store) in error.value.message
    for key in (PRIVATE, SPOKE_JP, SPOKE_US, ZERO_KEY):
        assert key not in error.value.message


def test_run_reads_its_options(store, monkeypatch):
    """run() is set_options, then read_public_keys with the options (ansible-core's option handling is not retested)."""
    options = {"interface": "wg-oci", "store": str(store)}
    monkeypatch.setattr(LookupModule, "set_options", lambda self, var_options=None, direct=None: None)
    monkeypatch.setattr(LookupModule, "get_option", lambda self, name: options[name])
    assert LookupModule().run(["spoke-jp"], variables={}) == [SPOKE_JP]
