# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""wireguard_peer_input: interface names, networks, endpoints, keepalives and the wanted peers."""

from __future__ import annotations

import base64
import ipaddress

import pytest

from ansible_collections.multisite.vpn.plugins.module_utils import wireguard_peer_input as peer_input
from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_key import WireGuardError, key_digest
from ansible_collections.multisite.vpn.tests.unit.wireguard_keys import HUB, PRIVATE, PSK_1, PSK_2, SPOKE_JP, SPOKE_US
from ansible_collections.multisite.vpn.tests.unit.wireguard_peers import wanted

ALL_KEYS = (HUB, PRIVATE, PSK_1, PSK_2, SPOKE_JP, SPOKE_US)


# --- names ----------------------------------------------------------------------------------------


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
    assert peer_input.validate_interface_name(name) == name


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
        peer_input.validate_interface_name(name)
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
    assert peer_input.parse_endpoint(text) == expected


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
        peer_input.parse_endpoint(text)
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
    assert peer_input.normalise_network(text) == expected


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
        peer_input.normalise_network(text)
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
    assert peer_input.validate_peers(peers) == [
        wanted(HUB, ["192.168.31.0/24", "2001:db8::/64"], "hub.example.net:51820", 0),
        wanted(SPOKE_JP, [], None, 25, PSK_1),
    ]


def spec(key=SPOKE_JP, allowed_ips=("192.168.31.2/32",), endpoint=None, keepalive=None, psk=None):
    """A peer as the module's argument spec gives it."""
    return dict(public_key=key, allowed_ips=list(allowed_ips), endpoint=endpoint, persistent_keepalive=keepalive, preshared_key=psk)


ZERO_KEY = base64.b64encode(bytes(32)).decode()


@pytest.mark.parametrize(
    "peers, message",
    [
        pytest.param(
            [spec(key="not-a-key")],
            "peers[0]: public_key is not a WireGuard public key: it is 9 characters long, a key is 44 (base64 of 32 bytes)",
            id="public-key-not-base64",
        ),
        pytest.param(
            [spec(key=base64.b64encode(b"\x01" * 31).decode())],
            "peers[0]: public_key is not a WireGuard public key",
            id="public-key-31-bytes",
        ),
        pytest.param(
            [spec(key=ZERO_KEY)],
            "peers[0]: public_key is not a WireGuard public key: it is all zeros, which wg reads as no key at all",
            id="public-key-all-zeros",
        ),
        pytest.param(
            [spec(key=SPOKE_JP), spec(key=SPOKE_JP, allowed_ips=["192.168.31.3/32"])],
            "peers[1]: public_key is also given in peers[0]",
            id="same-public-key-twice",
        ),
        pytest.param(
            [spec(key=SPOKE_JP, psk=PSK_1), spec(key=PSK_1, allowed_ips=["192.168.31.3/32"])],
            "peers[1]: public_key is the preshared_key of peers[0], which is a secret; give the peer's public key",
            id="preshared-key-given-as-public-key",
        ),
        pytest.param(
            [spec(key=SPOKE_JP, allowed_ips=["10.0.0.0/24"]), spec(key=SPOKE_US, allowed_ips=["10.0.0.128/25"])],
            "peers[1]: allowed_ips 10.0.0.128/25 overlaps 10.0.0.0/24 of peers[0]",
            id="overlap-ipv4-nested",
        ),
        pytest.param(
            [spec(key=SPOKE_JP, allowed_ips=["10.0.0.5/32"]), spec(key=SPOKE_US, allowed_ips=["10.0.0.5/32"])],
            "peers[1]: allowed_ips 10.0.0.5/32 overlaps 10.0.0.5/32 of peers[0]",
            id="overlap-ipv4-identical",
        ),
        pytest.param(
            [spec(key=SPOKE_JP, allowed_ips=["2001:db8:0:5::10/128"]), spec(key=SPOKE_US, allowed_ips=["2001:db8:0:5::/64"])],
            "peers[0]: allowed_ips 2001:db8:0:5::10/128 overlaps 2001:db8:0:5::/64 of peers[1]",
            id="overlap-ipv6",
        ),
        pytest.param(
            [spec(key=SPOKE_JP, allowed_ips=["0.0.0.0/0"]), spec(key=SPOKE_US, allowed_ips=["192.168.31.3/32"])],
            "allowed_ips 192.168.31.3/32 overlaps 0.0.0.0/0",
            id="overlap-default-route",
        ),
        pytest.param(
            [spec(allowed_ips=["192.168.31.0/33"])],
            "peers[0]: allowed_ips[0] '192.168.31.0/33' is not a valid IPv4 or IPv6 network",
            id="invalid-cidr",
        ),
        pytest.param(
            [spec(allowed_ips=["192.168.31.0/24", "192.168.31.2"])],
            "allowed_ips[1] '192.168.31.2' is not a network in CIDR form",
            id="address-without-prefix",
        ),
        pytest.param([spec(endpoint="198.51.100.11")], "peers[0]: endpoint '198.51.100.11' has no port", id="endpoint-without-port"),
        pytest.param([spec(endpoint="198.51.100.11:0")], "port 0 is outside 1-65535", id="endpoint-port-0"),
        pytest.param([spec(endpoint="198.51.100.11:70000")], "port 70000 is outside 1-65535", id="endpoint-port-too-big"),
        pytest.param([spec(endpoint="[2001:db8::1:51820")], "'[' without ']'", id="endpoint-malformed-brackets"),
        pytest.param([spec(endpoint="2001:db8::1:51820")], "must be in brackets", id="endpoint-ipv6-without-brackets"),
        pytest.param([spec(keepalive=-1)], "peers[0]: persistent_keepalive -1 is outside 0-65535 (0 is off)", id="keepalive-negative"),
        pytest.param([spec(keepalive=65536)], "persistent_keepalive 65536 is outside 0-65535", id="keepalive-too-big"),
        pytest.param([spec(keepalive=True)], "persistent_keepalive must be a number of seconds", id="keepalive-boolean"),
        pytest.param(
            [spec(psk="short")],
            "peers[0]: preshared_key is not a WireGuard preshared key: it is 5 characters long, a key is 44 (base64 of 32 bytes)"
            " (give the output of wg genpsk)",
            id="psk-not-a-key",
        ),
        pytest.param([spec(psk=ZERO_KEY)], "peers[0]: preshared_key is not a WireGuard preshared key: it is all zeros", id="psk-all-zeros"),
    ],
)
def test_validate_peers_rejects(peers, message):
    with pytest.raises(WireGuardError) as error:
        peer_input.validate_peers(peers)
    assert message in str(error.value)
    # No key in any message, not even a public one: what is given as a public key may be a private one.
    for key in ALL_KEYS:
        assert key not in str(error.value)


def test_validate_peers_collects_every_problem_in_one_message():
    peers = [
        spec(key="bad", endpoint="198.51.100.11"),
        spec(key=SPOKE_US, allowed_ips=["192.168.31.2/32"], keepalive=-5),
    ]
    with pytest.raises(WireGuardError) as error:
        peer_input.validate_peers(peers)
    message = str(error.value)
    assert "peers[0]: public_key is not a WireGuard public key" in message
    assert "peers[0]: endpoint '198.51.100.11' has no port" in message
    assert "peers[1]: persistent_keepalive -5" in message
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
        peer_input.validate_peers([spec(**bad_value)])
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
            peer_input.validate_peers([], exclusive, allow_empty, "wg0")
    else:
        assert peer_input.validate_peers([], exclusive, allow_empty, "wg0") == []


def test_validate_arguments_reports_interface_and_peers_together():
    with pytest.raises(WireGuardError) as error:
        peer_input.validate_arguments("wg-much-too-long0", [spec(keepalive=-1)], False, False)
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
    assert peer_input.find_overlaps(owners) == expected


# --- keys of the interface itself -----------------------------------------------------------------

@pytest.mark.parametrize(
    "peers, message",
    [
        pytest.param(
            [wanted(SPOKE_JP), wanted(PRIVATE)],
            "peers[1]: public_key is the private key of wg0, this host's own secret; give the peer's public key"
            " (wg pubkey prints it on the peer) and keep the private key on this host",
            id="own-private-key-as-public-key",
        ),
        pytest.param(
            [wanted(HUB)],
            "peers[0]: public_key is the public key of wg0 itself; a peer is another host, give that host's public key",
            id="own-public-key",
        ),
        pytest.param(
            [wanted(SPOKE_JP, psk=PRIVATE)],
            "peers[0]: preshared_key is the private key of wg0; give a key made by wg genpsk",
            id="own-private-key-as-preshared-key",
        ),
    ],
)
def test_check_against_interface_refuses_its_own_keys(peers, message):
    with pytest.raises(WireGuardError) as error:
        peer_input.check_against_interface(peers, "wg0", key_digest(PRIVATE), HUB)
    assert str(error.value) == message
    assert PRIVATE not in str(error.value)


@pytest.mark.parametrize(
    "digest, own_public",
    [
        pytest.param(key_digest(PRIVATE), HUB, id="keys-of-another-host"),
        pytest.param(None, None, id="interface-without-keys"),
    ],
)
def test_check_against_interface_accepts_other_keys(digest, own_public):
    peer_input.check_against_interface([wanted(SPOKE_JP, psk=PSK_1), wanted(SPOKE_US)], "wg0", digest, own_public)
