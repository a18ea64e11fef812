# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import base64
import ipaddress
import os
import socket
import stat

import pytest

from ansible_collections.multisite.vpn.plugins.module_utils import wireguard
from ansible_collections.multisite.vpn.plugins.module_utils.wireguard import WireGuardError
from ansible_collections.multisite.vpn.tests.unit.wireguard_keys import HUB, PRIVATE, PSK_1, PSK_2, SPOKE_DE, SPOKE_JP, SPOKE_US


def wanted(key, allowed_ips=(), endpoint=None, keepalive=0, psk=None):
    """A normalised desired peer, as validate_peers returns it."""
    return dict(
        public_key=key,
        allowed_ips=list(allowed_ips),
        endpoint=endpoint,
        persistent_keepalive=keepalive,
        preshared_key=psk,
    )


def live(key, allowed_ips=(), endpoint=None, keepalive=0, psk=None, handshake=0, rx=0, tx=0):
    """A live peer, as parse_dump returns it."""
    return dict(
        wanted(key, allowed_ips, endpoint, keepalive, psk),
        latest_handshake=handshake,
        transfer_rx=rx,
        transfer_tx=tx,
    )


# --- keys and names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, valid",
    [
        pytest.param(HUB, True, id="canonical-key"),
        pytest.param("xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=", True, id="real-looking-key"),
        pytest.param(HUB[:-1], False, id="no-padding"),
        pytest.param(HUB + "=", False, id="45-characters"),
        pytest.param(base64.b64encode(b"\x01" * 31).decode(), False, id="31-bytes"),
        pytest.param("!" * 43 + "=", False, id="not-base64"),
        # Same 32 bytes, but a low bit of the last character set: wg refuses it.
        pytest.param(HUB[:42] + "R=", False, id="non-canonical-trailing-bits"),
        pytest.param(" " + HUB[1:], False, id="space-inside"),
        pytest.param(None, False, id="none"),
        pytest.param(42, False, id="int"),
    ],
)
def test_is_key(text, valid):
    assert wireguard.is_key(text) is valid


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("wg0", id="wg0"),
        pytest.param("wg-hub-oci", id="dashes"),
        pytest.param("a" * 15, id="15-characters"),
        pytest.param("wg0.100", id="dot"),
        pytest.param("...", id="three-dots"),
    ],
)
def test_valid_interface_names(name):
    assert wireguard.validate_interface_name(name) == name


@pytest.mark.parametrize(
    "name, message",
    [
        pytest.param("a" * 16, "has 16 characters; Linux allows at most 15", id="16-characters"),
        pytest.param("", "non-empty", id="empty"),
        pytest.param(".", "must not be '.'", id="dot"),
        pytest.param("..", "must not be '..'", id="dot-dot"),
        pytest.param("wg/0", "whitespace, '/' or ':'", id="slash"),
        pytest.param("wg 0", "whitespace, '/' or ':'", id="space"),
        pytest.param("wg0:1", "whitespace, '/' or ':'", id="colon-alias"),
        pytest.param("wg\t0", "whitespace, '/' or ':'", id="tab"),
    ],
)
def test_invalid_interface_names(name, message):
    with pytest.raises(WireGuardError, match="interface") as error:
        wireguard.validate_interface_name(name)
    assert message in str(error.value)


# --- endpoints and networks -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param("198.51.100.11:51820", ("198.51.100.11", 51820, ipaddress.ip_address("198.51.100.11")), id="ipv4"),
        pytest.param("[2001:db8::1]:51820", ("2001:db8::1", 51820, ipaddress.ip_address("2001:db8::1")), id="ipv6"),
        pytest.param("[2001:DB8:0::1]:1", ("2001:DB8:0::1", 1, ipaddress.ip_address("2001:db8::1")), id="ipv6-uppercase-port-1"),
        pytest.param("hub-oci.lab.test:65535", ("hub-oci.lab.test", 65535, None), id="name-port-65535"),
        pytest.param("hub.example.net.:51820", ("hub.example.net.", 51820, None), id="name-trailing-dot"),
        pytest.param("localhost:51820", ("localhost", 51820, None), id="single-label"),
        pytest.param(" 198.51.100.11:51820 ", ("198.51.100.11", 51820, ipaddress.ip_address("198.51.100.11")), id="surrounding-spaces"),
    ],
)
def test_parse_endpoint(text, expected):
    assert wireguard.parse_endpoint(text) == expected


@pytest.mark.parametrize(
    "text, message",
    [
        pytest.param("198.51.100.11", "has no port", id="ipv4-without-port"),
        pytest.param("hub.example.net", "has no port", id="name-without-port"),
        pytest.param(":51820", "has no port", id="no-host"),
        pytest.param("198.51.100.11:0", "port 0 is outside 1-65535", id="port-0"),
        pytest.param("198.51.100.11:65536", "port 65536 is outside 1-65535", id="port-65536"),
        pytest.param("198.51.100.11:", "port '' is not a number", id="empty-port"),
        pytest.param("198.51.100.11:wg", "port 'wg' is not a number", id="named-port"),
        pytest.param("198.51.100.11:-1", "port '-1' is not a number", id="negative-port"),
        pytest.param("2001:db8::1:51820", "must be in brackets", id="ipv6-without-brackets"),
        pytest.param("2001:db8::1", "must be in brackets", id="ipv6-without-brackets-or-port"),
        pytest.param("[2001:db8::1:51820", "'[' without ']'", id="missing-closing-bracket"),
        pytest.param("2001:db8::1]:51820", "']' without '['", id="missing-opening-bracket"),
        pytest.param("[2001:db8::1]51820", "no port after ']'", id="no-colon-after-bracket"),
        pytest.param("[2001:db8::1]:", "no port after ']'", id="empty-port-after-bracket"),
        pytest.param("[198.51.100.11]:51820", "is not an IPv6 address", id="ipv4-in-brackets"),
        pytest.param("[hub.example.net]:51820", "is not an IPv6 address", id="name-in-brackets"),
        pytest.param("198.51.100.256:51820", "neither an IP address nor a host name", id="bad-ipv4"),
        pytest.param("hub example.net:51820", "neither an IP address nor a host name", id="space-in-name"),
        pytest.param("-hub.example.net:51820", "neither an IP address nor a host name", id="label-starts-with-dash"),
        pytest.param("hub..example.net:51820", "neither an IP address nor a host name", id="empty-label"),
        pytest.param("", "endpoint is empty", id="empty"),
    ],
)
def test_parse_endpoint_rejects(text, message):
    with pytest.raises(WireGuardError) as error:
        wireguard.parse_endpoint(text)
    assert message in str(error.value)


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param("192.168.31.0/24", "192.168.31.0/24", id="network"),
        pytest.param("192.168.31.5/24", "192.168.31.0/24", id="host-bits-cleared"),
        pytest.param("192.168.31.5/32", "192.168.31.5/32", id="host-route"),
        pytest.param("0.0.0.0/0", "0.0.0.0/0", id="default"),
        pytest.param("2001:DB8:0:5::10/64", "2001:db8:0:5::/64", id="ipv6-normalised"),
        pytest.param("::/0", "::/0", id="ipv6-default"),
    ],
)
def test_normalise_network(text, expected):
    assert wireguard.normalise_network(text) == expected


@pytest.mark.parametrize(
    "text, message",
    [
        pytest.param("192.168.31.5", "not a network in CIDR form", id="no-prefix"),
        pytest.param("192.168.31.0/33", "not a valid IPv4 or IPv6 network", id="prefix-too-long"),
        pytest.param("192.168.300.0/24", "not a valid IPv4 or IPv6 network", id="bad-octet"),
        pytest.param("2001:db8::/129", "not a valid IPv4 or IPv6 network", id="ipv6-prefix-too-long"),
        pytest.param("lan/24", "not a valid IPv4 or IPv6 network", id="name"),
    ],
)
def test_normalise_network_rejects(text, message):
    with pytest.raises(WireGuardError) as error:
        wireguard.normalise_network(text)
    assert message in str(error.value)


# --- validating the wanted peers ------------------------------------------------------------------


def test_validate_peers_normalises():
    peers = [
        dict(
            public_key=HUB,
            allowed_ips=["192.168.31.5/24", "192.168.31.0/24", "2001:DB8::/64"],
            endpoint=" hub.example.net:51820 ",
            persistent_keepalive=None,
            preshared_key=None,
        ),
        dict(public_key=SPOKE_JP, allowed_ips=[], endpoint=None, persistent_keepalive=25, preshared_key=PSK_1),
    ]
    assert wireguard.validate_peers(peers) == [
        wanted(HUB, ["192.168.31.0/24", "2001:db8::/64"], "hub.example.net:51820", 0),
        wanted(SPOKE_JP, [], None, 25, PSK_1),
    ]


def spec(key=SPOKE_JP, allowed_ips=("192.168.31.2/32",), endpoint=None, keepalive=None, psk=None):
    """A peer as the module's argument spec gives it."""
    return dict(public_key=key, allowed_ips=list(allowed_ips), endpoint=endpoint, persistent_keepalive=keepalive, preshared_key=psk)


@pytest.mark.parametrize(
    "peers, message",
    [
        pytest.param(
            [spec(key="not-a-key")],
            "peers[0]: public_key is not a WireGuard key (base64 of 32 bytes",
            id="public-key-not-base64",
        ),
        pytest.param(
            [spec(key=base64.b64encode(b"\x01" * 31).decode())],
            "peers[0]: public_key is not a WireGuard key",
            id="public-key-31-bytes",
        ),
        pytest.param(
            [spec(key=SPOKE_JP), spec(key=SPOKE_JP, allowed_ips=["192.168.31.3/32"])],
            "peers[1]: public_key %s is also given in peers[0]" % SPOKE_JP,
            id="same-public-key-twice",
        ),
        pytest.param(
            [spec(key=SPOKE_JP, allowed_ips=["10.0.0.0/24"]), spec(key=SPOKE_US, allowed_ips=["10.0.0.128/25"])],
            "peers[1] (%s): allowed_ips 10.0.0.128/25 overlaps 10.0.0.0/24 of peers[0] (%s)" % (SPOKE_US, SPOKE_JP),
            id="overlap-ipv4-nested",
        ),
        pytest.param(
            [spec(key=SPOKE_JP, allowed_ips=["10.0.0.5/32"]), spec(key=SPOKE_US, allowed_ips=["10.0.0.5/32"])],
            "peers[1] (%s): allowed_ips 10.0.0.5/32 overlaps 10.0.0.5/32 of peers[0]" % SPOKE_US,
            id="overlap-ipv4-identical",
        ),
        pytest.param(
            [spec(key=SPOKE_JP, allowed_ips=["2001:db8:0:5::10/128"]), spec(key=SPOKE_US, allowed_ips=["2001:db8:0:5::/64"])],
            "peers[0] (%s): allowed_ips 2001:db8:0:5::10/128 overlaps 2001:db8:0:5::/64 of peers[1]" % SPOKE_JP,
            id="overlap-ipv6",
        ),
        pytest.param(
            [spec(key=SPOKE_JP, allowed_ips=["0.0.0.0/0"]), spec(key=SPOKE_US, allowed_ips=["192.168.31.3/32"])],
            "allowed_ips 192.168.31.3/32 overlaps 0.0.0.0/0",
            id="overlap-default-route",
        ),
        pytest.param(
            [spec(allowed_ips=["192.168.31.0/33"])],
            "peers[0] (%s): allowed_ips[0] '192.168.31.0/33' is not a valid IPv4 or IPv6 network" % SPOKE_JP,
            id="invalid-cidr",
        ),
        pytest.param(
            [spec(allowed_ips=["192.168.31.0/24", "192.168.31.2"])],
            "allowed_ips[1] '192.168.31.2' is not a network in CIDR form",
            id="address-without-prefix",
        ),
        pytest.param([spec(endpoint="198.51.100.11")], "peers[0] (%s): endpoint '198.51.100.11' has no port" % SPOKE_JP, id="endpoint-without-port"),
        pytest.param([spec(endpoint="198.51.100.11:0")], "port 0 is outside 1-65535", id="endpoint-port-0"),
        pytest.param([spec(endpoint="198.51.100.11:70000")], "port 70000 is outside 1-65535", id="endpoint-port-too-big"),
        pytest.param([spec(endpoint="[2001:db8::1:51820")], "'[' without ']'", id="endpoint-malformed-brackets"),
        pytest.param([spec(endpoint="2001:db8::1:51820")], "must be in brackets", id="endpoint-ipv6-without-brackets"),
        pytest.param([spec(keepalive=-1)], "peers[0] (%s): persistent_keepalive -1 is outside 0-65535 (0 is off)" % SPOKE_JP, id="keepalive-negative"),
        pytest.param([spec(keepalive=65536)], "persistent_keepalive 65536 is outside 0-65535", id="keepalive-too-big"),
        pytest.param([spec(keepalive=True)], "persistent_keepalive must be a number of seconds", id="keepalive-boolean"),
        pytest.param([spec(psk="short")], "peers[0] (%s): preshared_key is not a WireGuard key" % SPOKE_JP, id="psk-not-a-key"),
    ],
)
def test_validate_peers_rejects(peers, message):
    with pytest.raises(WireGuardError) as error:
        wireguard.validate_peers(peers)
    assert message in str(error.value)


def test_validate_peers_collects_every_problem_in_one_message():
    peers = [
        spec(key="bad", endpoint="198.51.100.11"),
        spec(key=SPOKE_US, allowed_ips=["192.168.31.2/32"], keepalive=-5),
    ]
    with pytest.raises(WireGuardError) as error:
        wireguard.validate_peers(peers)
    message = str(error.value)
    assert "peers[0]: public_key is not a WireGuard key" in message
    assert "peers[0]: endpoint '198.51.100.11' has no port" in message
    assert "peers[1] (%s): persistent_keepalive -5" % SPOKE_US in message
    # peers[0]'s 192.168.31.2/32 is its own even with a bad key: the overlap is found too.
    assert "overlaps 192.168.31.2/32" in message


@pytest.mark.parametrize(
    "bad_value",
    [
        pytest.param(dict(psk=PSK_1[:-2] + "!="), id="preshared-key"),
        pytest.param(dict(key=PSK_1[:-2] + "!="), id="public-key"),
    ],
)
def test_rejected_keys_are_not_repeated(bad_value):
    # A mistyped preshared key is still almost the secret, and a "public key" may be a private one.
    with pytest.raises(WireGuardError) as error:
        wireguard.validate_peers([spec(**bad_value)])
    assert PSK_1[:40] not in str(error.value)


@pytest.mark.parametrize(
    "exclusive, allow_empty, refused",
    [
        pytest.param(True, False, True, id="exclusive-refused"),
        pytest.param(True, True, False, id="exclusive-allowed"),
        pytest.param(False, False, False, id="not-exclusive"),
    ],
)
def test_empty_peers(exclusive, allow_empty, refused):
    if refused:
        with pytest.raises(WireGuardError, match="peers is empty and exclusive is true, which would remove every peer of wg0; set allow_empty: true"):
            wireguard.validate_peers([], exclusive, allow_empty, "wg0")
    else:
        assert wireguard.validate_peers([], exclusive, allow_empty, "wg0") == []


def test_validate_arguments_reports_interface_and_peers_together():
    with pytest.raises(WireGuardError) as error:
        wireguard.validate_arguments("wg-much-too-long0", [spec(keepalive=-1)], False, False)
    assert "interface 'wg-much-too-long0' has 17 characters" in str(error.value)
    assert "persistent_keepalive -1" in str(error.value)


@pytest.mark.parametrize(
    "owners, expected",
    [
        pytest.param([["10.0.0.0/24"], ["10.0.1.0/24"]], [], id="disjoint"),
        pytest.param([["10.0.0.0/24", "10.0.0.0/25"]], [], id="nested-within-one-peer"),
        pytest.param([["10.0.0.0/24"], ["10.0.0.128/25"]], [(0, "10.0.0.0/24", 1, "10.0.0.128/25")], id="nested"),
        pytest.param([["10.0.0.128/25"], ["10.0.0.0/8"]], [(1, "10.0.0.0/8", 0, "10.0.0.128/25")], id="outer-listed-last"),
        pytest.param(
            [["10.0.0.0/25"], ["10.0.0.128/25"], ["10.0.0.0/24"]],
            [(2, "10.0.0.0/24", 0, "10.0.0.0/25"), (2, "10.0.0.0/24", 1, "10.0.0.128/25")],
            id="one-covers-two",
        ),
        pytest.param([["0.0.0.0/0"], ["::/0"]], [], id="v4-and-v6-defaults"),
        pytest.param([["::/0"], ["10.0.0.0/8"], ["2001:db8::/32"]], [(0, "::/0", 2, "2001:db8::/32")], id="ipv6-only"),
        pytest.param([["10.0.0.0/24"], ["10.0.1.0/24"], ["10.0.1.7/32"]], [(1, "10.0.1.0/24", 2, "10.0.1.7/32")], id="closed-network-is-forgotten"),
    ],
)
def test_find_overlaps(owners, expected):
    assert wireguard.find_overlaps(owners) == expected


# --- wg show dump ---------------------------------------------------------------------------------

INTERFACE_LINE = "\t".join([PRIVATE, HUB, "51820", "off"])


@pytest.mark.parametrize(
    "line, expected",
    [
        pytest.param(INTERFACE_LINE, dict(public_key=HUB, listen_port=51820, fwmark=0), id="fwmark-off"),
        pytest.param("\t".join([PRIVATE, HUB, "51820", "0xca6c"]), dict(public_key=HUB, listen_port=51820, fwmark=0xCA6C), id="fwmark-hex"),
        pytest.param("(none)\t(none)\t0\toff", dict(public_key=None, listen_port=0, fwmark=0), id="no-key-yet"),
    ],
)
def test_parse_dump_interface_line(line, expected):
    parsed = wireguard.parse_dump(line + "\n")
    assert parsed == dict(expected, peers=[])
    assert PRIVATE not in repr(parsed)


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
    parsed = wireguard.parse_dump(INTERFACE_LINE + "\n" + line + "\n")
    assert parsed["peers"] == [expected]


def test_parse_dump_keeps_peer_order():
    lines = [INTERFACE_LINE] + [
        "\t".join([key, "(none)", "(none)", "(none)", "0", "0", "0", "off"]) for key in (SPOKE_US, SPOKE_JP, SPOKE_DE)
    ]
    parsed = wireguard.parse_dump("\n".join(lines) + "\n")
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
        wireguard.parse_dump(text)
    assert message in str(error.value)
    assert PRIVATE not in str(error.value)
    assert PSK_1 not in str(error.value)


# --- diffing --------------------------------------------------------------------------------------


@pytest.fixture
def dns(monkeypatch):
    """A fake resolver: NAMES maps a host name to its addresses; other names do not resolve."""
    names = {}
    asked = []

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        asked.append((host, port, type))
        if host not in names:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_DGRAM, 17, "", (address, port))
            for address in names[host]
        ]

    monkeypatch.setattr(wireguard.socket, "getaddrinfo", getaddrinfo)
    getaddrinfo.names = names
    getaddrinfo.asked = asked
    return getaddrinfo


@pytest.mark.parametrize(
    "desired, current, exclusive, added, removed, updated",
    [
        pytest.param([wanted(SPOKE_JP, ["192.168.31.2/32"])], [], False, [SPOKE_JP], [], {}, id="added"),
        pytest.param(
            [wanted(SPOKE_JP, ["192.168.31.2/32"])],
            [live(SPOKE_JP, ["192.168.31.2/32"]), live(SPOKE_US, ["192.168.31.3/32"])],
            True, [], [SPOKE_US], {}, id="unlisted-removed-when-exclusive",
        ),
        pytest.param(
            [wanted(SPOKE_JP, ["192.168.31.2/32"])],
            [live(SPOKE_JP, ["192.168.31.2/32"]), live(SPOKE_US, ["192.168.31.3/32"])],
            False, [], [], {}, id="unlisted-kept-when-not-exclusive",
        ),
        pytest.param(
            [wanted(SPOKE_JP, ["192.168.31.2/32", "100.64.1.0/24"])],
            [live(SPOKE_JP, ["100.64.1.0/24", "192.168.31.2/32"])],
            False, [], [], {}, id="allowed-ips-order-does-not-matter",
        ),
        pytest.param(
            [wanted(SPOKE_JP, ["192.168.31.2/32", "100.64.1.0/24"])],
            [live(SPOKE_JP, ["192.168.31.2/32"])],
            False, [], [], {SPOKE_JP: ["allowed_ips"]}, id="allowed-ips-added",
        ),
        pytest.param(
            [wanted(SPOKE_JP, [])], [live(SPOKE_JP, ["192.168.31.2/32"])],
            False, [], [], {SPOKE_JP: ["allowed_ips"]}, id="allowed-ips-cleared",
        ),
        pytest.param(
            [wanted(SPOKE_JP)], [live(SPOKE_JP, endpoint="198.51.100.101:40312")],
            False, [], [], {}, id="roaming-endpoint-not-compared",
        ),
        pytest.param(
            [wanted(HUB, endpoint="198.51.100.11:51820")], [live(HUB, endpoint="198.51.100.11:51820")],
            False, [], [], {}, id="ipv4-endpoint-same",
        ),
        pytest.param(
            [wanted(HUB, endpoint="198.51.100.11:51820")], [live(HUB, endpoint="198.51.100.12:51820")],
            False, [], [], {HUB: ["endpoint"]}, id="ipv4-endpoint-other-address",
        ),
        pytest.param(
            [wanted(HUB, endpoint="198.51.100.11:51820")], [live(HUB, endpoint="198.51.100.11:51821")],
            False, [], [], {HUB: ["endpoint"]}, id="ipv4-endpoint-other-port",
        ),
        pytest.param(
            [wanted(HUB, endpoint="198.51.100.11:51820")], [live(HUB)],
            False, [], [], {HUB: ["endpoint"]}, id="endpoint-not-set-yet",
        ),
        pytest.param(
            [wanted(HUB, endpoint="[2001:DB8:0:5:0::1]:51820")], [live(HUB, endpoint="[2001:db8:0:5::1]:51820")],
            False, [], [], {}, id="ipv6-endpoint-compared-as-address",
        ),
        pytest.param(
            [wanted(SPOKE_JP, keepalive=0)], [live(SPOKE_JP, keepalive=0)],
            False, [], [], {}, id="keepalive-0-is-off",
        ),
        pytest.param(
            [wanted(HUB, keepalive=25)], [live(HUB, keepalive=0)],
            False, [], [], {HUB: ["persistent_keepalive"]}, id="keepalive-turned-on",
        ),
        pytest.param(
            [wanted(HUB, keepalive=0)], [live(HUB, keepalive=25)],
            False, [], [], {HUB: ["persistent_keepalive"]}, id="keepalive-turned-off",
        ),
        pytest.param(
            [wanted(HUB, psk=PSK_1)], [live(HUB, psk=PSK_1)], False, [], [], {}, id="psk-same",
        ),
        pytest.param(
            [wanted(HUB, psk=PSK_2)], [live(HUB, psk=PSK_1)], False, [], [], {HUB: ["preshared_key"]}, id="psk-changed",
        ),
        pytest.param(
            [wanted(HUB)], [live(HUB, psk=PSK_1)], False, [], [], {HUB: ["preshared_key"]}, id="psk-cleared",
        ),
        pytest.param(
            [wanted(HUB, ["0.0.0.0/0"], "198.51.100.11:51820", 25, PSK_1)],
            [live(HUB, ["192.168.31.0/24"], "198.51.100.12:51820", 0, None)],
            False, [], [], {HUB: ["preshared_key", "endpoint", "persistent_keepalive", "allowed_ips"]}, id="every-field",
        ),
    ],
)
def test_diff_peers(desired, current, exclusive, added, removed, updated):
    plan = wireguard.diff_peers(desired, current, exclusive)
    assert (plan["added"], plan["removed"], plan["updated"]) == (added, removed, updated)
    assert wireguard.has_changes(plan) is bool(added or removed or updated)


@pytest.mark.parametrize(
    "addresses, live_endpoint, changed",
    [
        pytest.param(["198.51.100.11"], "198.51.100.11:51820", False, id="resolves-to-live-address"),
        pytest.param(["198.51.100.99", "2001:db8:0:5::1"], "[2001:db8:0:5::1]:51820", False, id="live-is-one-of-several"),
        pytest.param(["198.51.100.99"], "198.51.100.11:51820", True, id="name-moved"),
        pytest.param(["198.51.100.11"], "198.51.100.11:40000", True, id="same-address-other-port"),
        pytest.param(["198.51.100.11"], None, True, id="no-live-endpoint"),
    ],
)
def test_diff_peers_resolves_host_names(dns, addresses, live_endpoint, changed):
    dns.names["hub-oci.lab.test"] = addresses
    plan = wireguard.diff_peers([wanted(HUB, endpoint="hub-oci.lab.test:51820")], [live(HUB, endpoint=live_endpoint)], False)
    assert plan["updated"] == ({HUB: ["endpoint"]} if changed else {})
    assert dns.asked == [("hub-oci.lab.test", 51820, socket.SOCK_DGRAM)]
    assert plan["warnings"] == []


def test_unresolvable_name_keeps_live_endpoint_with_warning(dns):
    plan = wireguard.diff_peers([wanted(HUB, endpoint="gone.lab.test:51820")], [live(HUB, endpoint="198.51.100.11:51820")], False)
    assert plan["updated"] == {}
    assert plan["warnings"] == [
        "peer %s: endpoint host name gone.lab.test does not resolve; keeping the live endpoint 198.51.100.11:51820" % HUB
    ]


@pytest.mark.parametrize(
    "current",
    [pytest.param([], id="new-peer"), pytest.param([live(HUB)], id="peer-without-endpoint")],
)
def test_unresolvable_name_without_live_endpoint_fails(dns, current):
    with pytest.raises(WireGuardError, match="peer %s: endpoint host name gone.lab.test does not resolve" % HUB.replace("+", r"\+")):
        wireguard.diff_peers([wanted(HUB, endpoint="gone.lab.test:51820")], current, False)


def test_address_endpoints_are_not_resolved(dns):
    wireguard.diff_peers([wanted(HUB, endpoint="198.51.100.11:51820")], [live(HUB)], False)
    assert dns.asked == []


@pytest.mark.parametrize(
    "current, file_peers, message",
    [
        pytest.param(
            [live(SPOKE_US, ["192.168.31.0/24"])], [],
            "peers[0] (%s): allowed_ips 192.168.31.2/32 overlaps 192.168.31.0/24 of the live peer %s,"
            " which stays because exclusive is false" % (SPOKE_JP, SPOKE_US),
            id="live-unlisted-peer",
        ),
        pytest.param(
            [], [wanted(SPOKE_US, ["192.168.31.2/32"])],
            "overlaps 192.168.31.2/32 of the peer kept in the peers file %s" % SPOKE_US,
            id="unlisted-peer-of-the-file",
        ),
    ],
)
def test_listed_peers_may_not_overlap_peers_that_stay(current, file_peers, message):
    with pytest.raises(WireGuardError) as error:
        wireguard.diff_peers([wanted(SPOKE_JP, ["192.168.31.2/32"])], current, False, file_peers)
    assert message in str(error.value)


def test_exclusive_ignores_overlap_with_peers_it_removes():
    plan = wireguard.diff_peers([wanted(SPOKE_JP, ["192.168.31.2/32"])], [live(SPOKE_US, ["192.168.31.2/32"])], True)
    assert plan["removed"] == [SPOKE_US]
    assert plan["added"] == [SPOKE_JP]


@pytest.mark.parametrize(
    "exclusive, expected_keys",
    [
        pytest.param(False, [SPOKE_JP, SPOKE_US, SPOKE_DE], id="not-exclusive-keeps-unlisted-file-peers"),
        pytest.param(True, [SPOKE_JP], id="exclusive-listed-only"),
    ],
)
def test_conf_peers(exclusive, expected_keys):
    file_peers = [wanted(SPOKE_US, ["192.168.31.3/32"]), wanted(SPOKE_JP, ["192.168.31.9/32"]), wanted(SPOKE_DE)]
    plan = wireguard.diff_peers([wanted(SPOKE_JP, ["192.168.31.2/32"])], [], exclusive, file_peers if not exclusive else ())
    assert [peer["public_key"] for peer in plan["conf_peers"]] == expected_keys
    # A listed peer is written as listed, not as the file had it.
    assert plan["conf_peers"][0]["allowed_ips"] == ["192.168.31.2/32"]


# --- wg set arguments -----------------------------------------------------------------------------


def plan_for(desired, current, exclusive=False):
    return wireguard.diff_peers(desired, current, exclusive)


@pytest.mark.parametrize(
    "desired, current, exclusive, arguments, files",
    [
        pytest.param([], [], False, ["set", "wg0"], {}, id="nothing"),
        pytest.param(
            [wanted(SPOKE_JP, ["192.168.31.2/32", "100.64.1.0/24"])], [], False,
            ["set", "wg0", "peer", SPOKE_JP, "allowed-ips", "192.168.31.2/32,100.64.1.0/24"], {},
            id="added-with-allowed-ips-only",
        ),
        pytest.param(
            [wanted(SPOKE_JP)], [], False, ["set", "wg0", "peer", SPOKE_JP], {}, id="added-bare",
        ),
        pytest.param(
            [wanted(HUB, ["0.0.0.0/0"], "hub.example.net:51820", 25, PSK_1)], [], False,
            ["set", "wg0", "peer", HUB, "preshared-key", "/run/x/psk-0", "endpoint", "hub.example.net:51820",
             "persistent-keepalive", "25", "allowed-ips", "0.0.0.0/0"],
            {"/run/x/psk-0": PSK_1},
            id="added-with-everything",
        ),
        pytest.param(
            [wanted(SPOKE_JP, [])], [live(SPOKE_JP, ["192.168.31.2/32"])], False,
            ["set", "wg0", "peer", SPOKE_JP, "allowed-ips", ""], {}, id="allowed-ips-cleared-with-empty-string",
        ),
        pytest.param(
            [wanted(HUB)], [live(HUB, psk=PSK_1, keepalive=25)], False,
            ["set", "wg0", "peer", HUB, "preshared-key", os.devnull, "persistent-keepalive", "off"], {},
            id="psk-cleared-keepalive-off",
        ),
        pytest.param(
            [wanted(SPOKE_JP, ["192.168.31.2/32"]), wanted(SPOKE_US, ["192.168.31.3/32"], psk=PSK_2), wanted(SPOKE_DE, ["192.168.31.4/32"], psk=PSK_1)],
            [live(HUB), live(SPOKE_JP, ["192.168.31.2/32"]), live(SPOKE_US, ["192.168.31.3/32"], psk=PSK_1)],
            True,
            ["set", "wg0", "peer", HUB, "remove",
             "peer", SPOKE_US, "preshared-key", "/run/x/psk-0",
             "peer", SPOKE_DE, "preshared-key", "/run/x/psk-1", "allowed-ips", "192.168.31.4/32"],
            {"/run/x/psk-0": PSK_2, "/run/x/psk-1": PSK_1},
            id="one-call-removes-first-unchanged-peer-absent",
        ),
    ],
)
def test_build_set_arguments(dns, desired, current, exclusive, arguments, files):
    dns.names["hub.example.net"] = ["198.51.100.11"]
    built, built_files = wireguard.build_set_arguments("wg0", plan_for(desired, current, exclusive), "/run/x")
    assert built == arguments
    assert built_files == files
    for secret in (PSK_1, PSK_2):
        assert secret not in built


def test_build_set_arguments_leaves_unchanged_peers_out():
    desired = [wanted(SPOKE_JP, ["192.168.31.2/32"], psk=PSK_1), wanted(SPOKE_US, ["192.168.31.33/32"])]
    current = [live(SPOKE_JP, ["192.168.31.2/32"], psk=PSK_1), live(SPOKE_US, ["192.168.31.3/32"])]
    built, files = wireguard.build_set_arguments("wg0", plan_for(desired, current), "/run/x")
    assert SPOKE_JP not in built
    assert files == {}


# --- the peers file -------------------------------------------------------------------------------

CONF_PEERS = [
    wanted(HUB, ["192.168.31.0/24", "2001:db8:0:5::/64"], "hub-oci.lab.test:51820", 25, PSK_1),
    wanted(SPOKE_JP, ["192.168.31.2/32"]),
    wanted(SPOKE_US, [], "[2001:db8::1]:51820"),
]


def test_render_peers_conf():
    text = wireguard.render_peers_conf("wg0", CONF_PEERS)
    assert text == (
        wireguard.CONF_HEADER % "wg0"
        + "\n[Peer]\nPublicKey = %s\nPresharedKey = %s\nAllowedIPs = 192.168.31.0/24, 2001:db8:0:5::/64\n"
        "Endpoint = hub-oci.lab.test:51820\nPersistentKeepalive = 25\n" % (HUB, PSK_1)
        + "\n[Peer]\nPublicKey = %s\nAllowedIPs = 192.168.31.2/32\n" % SPOKE_JP
        + "\n[Peer]\nPublicKey = %s\nEndpoint = [2001:db8::1]:51820\n" % SPOKE_US
    )
    assert text.startswith("# Managed by multisite.vpn.wireguard_peer: the peers of wg0")
    assert "PostUp = wg addconf %i" in text


@pytest.mark.parametrize(
    "peers",
    [
        pytest.param(CONF_PEERS, id="three-peers"),
        pytest.param([], id="header-only"),
    ],
)
def test_peers_conf_round_trip(peers):
    assert wireguard.parse_peers_conf(wireguard.render_peers_conf("wg0", peers)) == peers


def test_parse_peers_conf_reads_what_wg_reads():
    text = (
        "[Interface]\nPrivateKey = %s\nListenPort = 51820\n"
        "\n[peer]  # lower case, like wg accepts\n"
        "publickey=%s\n"
        "AllowedIPs = 192.168.31.2/32, 192.168.31.5/24\n"
        "AllowedIPs = 192.168.31.2/32 # repeated: added to the list\n"
        "PersistentKeepalive = off\n"
    ) % (PRIVATE, SPOKE_JP)
    assert wireguard.parse_peers_conf(text) == [wanted(SPOKE_JP, ["192.168.31.2/32", "192.168.31.0/24"])]


@pytest.mark.parametrize(
    "text, message",
    [
        pytest.param("[Peer]\nPublicKey = nope\n", "/x.conf line 2: PublicKey is not a WireGuard key", id="bad-public-key"),
        pytest.param("[Peer]\nPublicKey = %s\nPresharedKey = %s\n" % (HUB, PSK_1[:-2] + "!="), "line 3: PresharedKey is not a WireGuard key", id="bad-psk"),
        pytest.param("[Peer]\nAllowedIPs = 10.0.0.0/24\n", "/x.conf: [Peer] section 1 has no PublicKey", id="no-public-key"),
        pytest.param("[Peer]\nPublicKey = %s\nAllowedIPs = 10.0.0.0/33\n" % HUB, "line 3: AllowedIPs '10.0.0.0/33'", id="bad-network"),
        pytest.param("[Peer]\nPublicKey = %s\nEndpoint = 10.0.0.1\n" % HUB, "line 3: endpoint '10.0.0.1' has no port", id="bad-endpoint"),
        pytest.param("[Peer]\nPublicKey = %s\nPersistentKeepalive = -1\n" % HUB, "line 3: PersistentKeepalive '-1'", id="bad-keepalive"),
        pytest.param("[Peer]\nPublicKey = %s\nEndpoint\n" % HUB, "line 3 is not 'Key = value'", id="no-equals-sign"),
        pytest.param("[Peer]\nPublicKey = %s\nFlavour = mint\n" % HUB, "line 3: unknown key 'flavour'", id="unknown-key"),
    ],
)
def test_parse_peers_conf_rejects(text, message):
    with pytest.raises(WireGuardError) as error:
        wireguard.parse_peers_conf(text, "/x.conf")
    assert message in str(error.value)
    assert PSK_1[:40] not in str(error.value)


def test_read_conf_absent_and_present(tmp_path):
    path = tmp_path / "wg0.peers.conf"
    assert wireguard.read_conf(str(path)) == (None, None)
    path.write_bytes(b"[Peer]\n")
    path.chmod(0o640)
    assert wireguard.read_conf(str(path)) == (b"[Peer]\n", 0o640)


def test_read_conf_directory_fails(tmp_path):
    with pytest.raises(WireGuardError, match="cannot read"):
        wireguard.read_conf(str(tmp_path))


@pytest.mark.parametrize("existing_mode", [pytest.param(None, id="new-file"), pytest.param(0o644, id="world-readable-file")])
def test_write_conf_is_private(tmp_path, existing_mode):
    path = tmp_path / "etc" / "wireguard" / "wg0.peers.conf"
    if existing_mode is not None:
        path.parent.mkdir(parents=True)
        path.write_text("old\n")
        path.chmod(existing_mode)
    wireguard.write_conf(str(path), "new\n")
    assert path.read_text() == "new\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    if existing_mode is None:
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert os.listdir(str(path.parent)) == ["wg0.peers.conf"]


# --- what the module shows ------------------------------------------------------------------------


def test_predict_peers_and_peer_table():
    current = [live(HUB, ["10.9.0.0/24"]), live(SPOKE_JP, ["192.168.31.2/32"], "198.51.100.101:40312", psk=PSK_1), live(SPOKE_US, ["192.168.31.3/32"])]
    desired = [
        wanted(SPOKE_JP, ["192.168.31.2/32", "100.64.1.0/24"], psk=PSK_2),
        wanted(SPOKE_US, ["192.168.31.3/32"]),
        wanted(SPOKE_DE, ["192.168.31.4/32"], keepalive=25),
    ]
    plan = wireguard.diff_peers(desired, current, True)
    after = wireguard.predict_peers(current, plan)
    table = wireguard.peer_table(after)
    assert table == "".join(
        sorted(
            [
                "%s  allowed-ips: 192.168.31.2/32,100.64.1.0/24  endpoint: 198.51.100.101:40312  keepalive: off  psk: set\n" % SPOKE_JP,
                "%s  allowed-ips: 192.168.31.3/32  endpoint: (none)  keepalive: off  psk: none\n" % SPOKE_US,
                "%s  allowed-ips: 192.168.31.4/32  endpoint: (none)  keepalive: 25  psk: none\n" % SPOKE_DE,
            ]
        )
    )
    before = wireguard.peer_table(current)
    assert HUB in before and HUB not in table
    for secret in (PSK_1, PSK_2):
        assert secret not in before + table


def test_build_diff_headers_name_the_file():
    diff = wireguard.build_diff("wg0", "/etc/wireguard/wg0.peers.conf", [], [wanted(SPOKE_JP)])
    assert diff == dict(
        before_header="peers of wg0",
        after_header="peers of wg0 (persisted in /etc/wireguard/wg0.peers.conf)",
        before="",
        after="%s  allowed-ips: (none)  endpoint: (none)  keepalive: off  psk: none\n" % SPOKE_JP,
    )


@pytest.mark.parametrize(
    "handshake, expected_handshake, expected_age",
    [
        pytest.param(0, None, None, id="never"),
        pytest.param(1795310700, 1795310700, 42, id="42-seconds-ago"),
        pytest.param(1795310800, 1795310800, 0, id="clock-skew-is-not-negative"),
    ],
)
def test_live_result(handshake, expected_handshake, expected_age):
    peer = live(SPOKE_JP, ["192.168.31.2/32"], "198.51.100.101:40312", 25, PSK_1, handshake, 10, 20)
    assert wireguard.live_result([peer], 1795310742.9) == [
        dict(
            public_key=SPOKE_JP,
            allowed_ips=["192.168.31.2/32"],
            endpoint="198.51.100.101:40312",
            persistent_keepalive=25,
            has_preshared_key=True,
            latest_handshake=expected_handshake,
            latest_handshake_age=expected_age,
            transfer_rx=10,
            transfer_tx=20,
        )
    ]


def test_redact():
    assert wireguard.redact("Key is not the correct length or format: `%s'" % PSK_1, [PSK_1, None]) == (
        "Key is not the correct length or format: `********'"
    )


@pytest.mark.parametrize(
    "usable_parent, expected_parent",
    [pytest.param(True, "run", id="under-run"), pytest.param(False, None, id="tempfile-default")],
)
def test_make_secret_dir(tmp_path, monkeypatch, usable_parent, expected_parent):
    run = tmp_path / "run"
    if usable_parent:
        run.mkdir()
    monkeypatch.setattr(wireguard, "SECRET_DIR_PARENTS", (str(run),))
    monkeypatch.setattr(wireguard.tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    made = wireguard.make_secret_dir()
    assert os.path.dirname(made) == str(tmp_path / (expected_parent or "tmp"))
    assert stat.S_IMODE(os.stat(made).st_mode) == 0o700
