# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""wireguard_dump: parsing `wg show IF dump`."""

from __future__ import annotations

import pytest

from ansible_collections.multisite.vpn.plugins.module_utils import wireguard_dump as dump
from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_key import WireGuardError, key_digest
from ansible_collections.multisite.vpn.tests.unit.wireguard_keys import HUB, PRIVATE, PSK_1, SPOKE_DE, SPOKE_JP, SPOKE_US
from ansible_collections.multisite.vpn.tests.unit.wireguard_peers import live

INTERFACE_LINE = "\t".join([PRIVATE, HUB, "51820", "off"])


@pytest.mark.parametrize(
    "line, expected",
    [
        pytest.param(INTERFACE_LINE, dict(public_key=HUB, private_key_digest=key_digest(PRIVATE), listen_port=51820, fwmark=0), id="fwmark-off"),
        pytest.param(
            "\t".join([PRIVATE, HUB, "51820", "0xca6c"]),
            dict(public_key=HUB, private_key_digest=key_digest(PRIVATE), listen_port=51820, fwmark=0xCA6C),
            id="fwmark-hex",
        ),
        pytest.param("(none)\t(none)\t0\toff", dict(public_key=None, private_key_digest=None, listen_port=0, fwmark=0), id="no-key-yet"),
    ],
)
def test_parse_dump_interface_line(line, expected):
    secrets = set()
    parsed = dump.parse_dump(line + "\n", secrets)
    assert parsed == dict(expected, peers=[])
    # The private key is not kept, only its digest; it goes to the secrets to mask (no_log_values).
    assert PRIVATE not in repr(parsed)
    assert secrets == ({PRIVATE} if expected["private_key_digest"] else set())


@pytest.mark.parametrize(
    "line, expected",
    [
        pytest.param(
            "\t".join([SPOKE_JP, "(none)", "198.51.100.101:40312", "192.168.31.2/32", "1795310742", "1488", "2960", "off"]),
            live(SPOKE_JP, ["192.168.31.2/32"], "198.51.100.101:40312", 0, None, 1795310742, 1488, 2960),
            id="ipv4-endpoint-keepalive-off",
        ),
        pytest.param(
            "\t".join([SPOKE_JP, PSK_1, "[2001:db8:100:1::10]:51820", "192.168.31.2/32,2001:db8:0:5::10/128", "1795310742", "0", "0", "25"]),
            live(SPOKE_JP, ["192.168.31.2/32", "2001:db8:0:5::10/128"], "[2001:db8:100:1::10]:51820", 25, PSK_1, 1795310742),
            id="ipv6-endpoint-psk-keepalive-25",
        ),
        pytest.param(
            "\t".join([SPOKE_US, "(none)", "(none)", "(none)", "0", "0", "0", "off"]),
            live(SPOKE_US),
            id="all-none-never-handshaken",
        ),
        pytest.param(
            "\t".join([SPOKE_DE, "(none)", "(none)", "100.64.3.0/24,192.168.31.4/32,192.168.32.0/24", "0", "0", "0", "65535"]),
            live(SPOKE_DE, ["100.64.3.0/24", "192.168.31.4/32", "192.168.32.0/24"], keepalive=65535),
            id="several-allowed-ips",
        ),
    ],
)
def test_parse_dump_peer_lines(line, expected):
    parsed = dump.parse_dump(INTERFACE_LINE + "\n" + line + "\n")
    assert parsed["peers"] == [expected]


def test_parse_dump_keeps_peer_order():
    lines = [INTERFACE_LINE] + [
        "\t".join([key, "(none)", "(none)", "(none)", "0", "0", "0", "off"]) for key in (SPOKE_US, SPOKE_JP, SPOKE_DE)
    ]
    parsed = dump.parse_dump("\n".join(lines) + "\n")
    assert [peer["public_key"] for peer in parsed["peers"]] == [SPOKE_US, SPOKE_JP, SPOKE_DE]


@pytest.mark.parametrize(
    "text, message",
    [
        pytest.param("", "printed nothing", id="empty"),
        pytest.param("\t".join([PRIVATE, HUB, "51820"]), "line 1 has 3 fields, expected 4", id="short-interface-line"),
        pytest.param(INTERFACE_LINE + "\n" + "\t".join([SPOKE_JP, PSK_1, "(none)"]), "a peer line has 3 fields, expected 8", id="short-peer-line"),
        pytest.param(
            INTERFACE_LINE + "\n" + "\t".join(["x", "(none)", "(none)", "(none)", "0", "0", "0", "off"]),
            "does not start with a public key",
            id="bad-peer-key",
        ),
        pytest.param(INTERFACE_LINE + "\n" + "\t".join([SPOKE_JP, PSK_1, "(none)", "(none)", "soon", "0", "0", "off"]), "cannot parse", id="bad-number"),
        pytest.param("\t".join([PRIVATE, HUB, "port", "off"]), "cannot parse", id="bad-listen-port"),
    ],
)
def test_parse_dump_rejects_without_showing_keys(text, message):
    with pytest.raises(WireGuardError) as error:
        dump.parse_dump(text)
    assert message in str(error.value)
    assert PRIVATE not in str(error.value)
    assert PSK_1 not in str(error.value)
