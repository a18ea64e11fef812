# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import re

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.multisite.vpn.plugins.filter import network
from ansible_collections.multisite.vpn.plugins.filter.network import (
    FilterModule,
    prefixes_by_family,
    subnet_block,
    subnet_blocks,
    subnet_host,
    subnet_interface_address,
)
from ansible_collections.multisite.vpn.tests.unit.plugins.filter.filter_documentation import documentation_tests


@pytest.mark.parametrize(
    "subnet, index, host, interface_address",
    [
        pytest.param("192.168.31.0/24", 11, "192.168.31.11", "192.168.31.11/24", id="ipv4-24"),
        pytest.param("192.168.31.0/24", 1, "192.168.31.1", "192.168.31.1/24", id="ipv4-first"),
        pytest.param("192.168.31.0/24", 254, "192.168.31.254", "192.168.31.254/24", id="ipv4-last-before-broadcast"),
        pytest.param("192.168.31.0/24", "11", "192.168.31.11", "192.168.31.11/24", id="index-string-from-jinja"),
        pytest.param("192.168.31.0/24", " 11\n", "192.168.31.11", "192.168.31.11/24", id="index-string-with-whitespace"),
        pytest.param("10.0.0.0/16", 300, "10.0.1.44", "10.0.1.44/16", id="ipv4-16-crosses-octet"),
        pytest.param("10.0.0.0/16", 65534, "10.0.255.254", "10.0.255.254/16", id="ipv4-16-last"),
        pytest.param("192.168.31.0/30", 2, "192.168.31.2", "192.168.31.2/30", id="ipv4-30-last"),
        pytest.param("192.168.31.4/31", 1, "192.168.31.5", "192.168.31.5/31", id="ipv4-31-point-to-point"),
        pytest.param("192.168.31.0/255.255.255.0", 11, "192.168.31.11", "192.168.31.11/24", id="ipv4-netmask-form"),
        pytest.param("2001:db8:31::/64", 11, "2001:db8:31::b", "2001:db8:31::b/64", id="ipv6-64"),
        pytest.param("2001:DB8:31:0::/64", 1, "2001:db8:31::1", "2001:db8:31::1/64", id="ipv6-uppercase-uncompressed"),
        pytest.param(
            "2001:db8:31::/64",
            2**64 - 1,
            "2001:db8:31:0:ffff:ffff:ffff:ffff",  # RFC 5952: one zero group is not shortened to ::
            "2001:db8:31:0:ffff:ffff:ffff:ffff/64",
            id="ipv6-64-last-no-broadcast",
        ),
        pytest.param("2001:db8:31::/127", 1, "2001:db8:31::1", "2001:db8:31::1/127", id="ipv6-127"),
        pytest.param("fd00:31::/120", 255, "fd00:31::ff", "fd00:31::ff/120", id="ipv6-120-last"),
    ],
)
def test_subnet_host_and_interface_address(subnet, index, host, interface_address):
    assert subnet_host(subnet, index) == host
    assert subnet_interface_address(subnet, index) == interface_address


@pytest.mark.parametrize(
    "subnet, index, message",
    [
        pytest.param(
            "192.168.31.0/24",
            0,
            "index 0 is out of range for 192.168.31.0/24: index 1 is the first address after the network address",
            id="index-zero-is-the-network",
        ),
        pytest.param(
            "192.168.31.0/24",
            -1,
            "index -1 is out of range for 192.168.31.0/24: index 1 is the first address after the network address",
            id="negative-index",
        ),
        pytest.param(
            "192.168.31.0/24",
            255,
            "index 255 is beyond the last usable address of 192.168.31.0/24 (the last usable one is index 254, 192.168.31.254)",
            id="ipv4-broadcast",
        ),
        pytest.param(
            "192.168.31.0/24",
            "256",
            "index 256 is beyond the last usable address of 192.168.31.0/24 (the last usable one is index 254, 192.168.31.254)",
            id="ipv4-beyond-subnet-string-index",
        ),
        pytest.param(
            "192.168.31.4/31",
            2,
            "index 2 is beyond the last usable address of 192.168.31.4/31 (the last usable one is index 1, 192.168.31.5)",
            id="ipv4-31",
        ),
        pytest.param(
            "192.168.31.4/32",
            1,
            "index 1 is beyond the last usable address of 192.168.31.4/32 (it has no address after the network address)",
            id="ipv4-32",
        ),
        pytest.param(
            "2001:db8:31::/120",
            256,
            "index 256 is beyond the last usable address of 2001:db8:31::/120 (the last usable one is index 255, 2001:db8:31::ff)",
            id="ipv6-beyond-subnet",
        ),
        pytest.param(
            "192.168.31.5/24",
            11,
            "192.168.31.5/24 has host bits set; did you mean 192.168.31.0/24?",
            id="ipv4-host-bits-set",
        ),
        pytest.param(
            "2001:db8:31::1/64",
            11,
            "2001:db8:31::1/64 has host bits set; did you mean 2001:db8:31::/64?",
            id="ipv6-host-bits-set",
        ),
        pytest.param(
            "192.168.31.0",
            11,
            "subnet '192.168.31.0' has no prefix length; give it as address/prefix, such as 192.168.31.0/24",
            id="no-prefix-length",
        ),
        pytest.param(
            "192.168.31.0/33",
            11,
            "'192.168.31.0/33' is not a valid IPv4 subnet: '33' is not a valid netmask",
            id="ipv4-prefix-too-long",
        ),
        pytest.param(
            "192.168.300.0/24",
            11,
            "'192.168.300.0/24' is not a valid IPv4 subnet: Octet 300 (> 255) not permitted in '192.168.300.0'",
            id="ipv4-octet-too-big",
        ),
        pytest.param(
            "2001:db8:31::g/64",
            11,
            "'2001:db8:31::g/64' is not a valid IPv6 subnet: Only hex digits permitted in 'g' in '2001:db8:31::g'",
            id="ipv6-bad-digit",
        ),
        pytest.param("hub-net/24", 11, "'hub-net/24' is not a valid IPv4 subnet: Expected 4 octets in 'hub-net'", id="name"),
        pytest.param(None, 11, "the subnet must be a string such as 192.168.31.0/24, not NoneType None", id="subnet-none"),
        pytest.param(["192.168.31.0/24"], 11, "the subnet must be a string such as 192.168.31.0/24, not list ['192.168.31.0/24']", id="subnet-list"),
        pytest.param("192.168.31.0/24", "eleven", "the index for 192.168.31.0/24 must be an integer, not str 'eleven'", id="index-word"),
        pytest.param("192.168.31.0/24", "0x0b", "the index for 192.168.31.0/24 must be an integer, not str '0x0b'", id="index-hex"),
        pytest.param("192.168.31.0/24", "", "the index for 192.168.31.0/24 must be an integer, not str ''", id="index-empty"),
        pytest.param("192.168.31.0/24", 11.0, "the index for 192.168.31.0/24 must be an integer, not float 11.0", id="index-float"),
        pytest.param("192.168.31.0/24", True, "the index for 192.168.31.0/24 must be an integer, not bool True", id="index-bool"),
        pytest.param("192.168.31.0/24", None, "the index for 192.168.31.0/24 must be an integer, not NoneType None", id="index-none"),
    ],
)
@pytest.mark.parametrize("filter_function", [subnet_host, subnet_interface_address], ids=["subnet_host", "subnet_interface_address"])
def test_errors(filter_function, subnet, index, message):
    with pytest.raises(AnsibleFilterError) as error:
        filter_function(subnet, index)
    assert error.value.message == message
    # No chained cause: ansible-core 2.19 would append its text to the message.
    assert error.value.__cause__ is None
    assert error.value.__context__ is None


@pytest.mark.parametrize(
    "index, reserved, host",
    [
        pytest.param(11, [1], "192.168.31.11", id="spoke-beside-the-hub"),
        pytest.param(1, None, "192.168.31.1", id="hub-asks-for-1"),
        pytest.param(1, [], "192.168.31.1", id="nothing-reserved"),
        pytest.param("11", ["1", 2], "192.168.31.11", id="strings-from-jinja"),
    ],
)
@pytest.mark.parametrize("filter_function", [subnet_host, subnet_interface_address], ids=["subnet_host", "subnet_interface_address"])
def test_reserved_indexes_are_left_to_their_owner(filter_function, index, reserved, host):
    assert filter_function("192.168.31.0/24", index, reserved).split("/")[0] == host


@pytest.mark.parametrize(
    "index, reserved, message",
    [
        pytest.param(
            1, [1],
            "index 1 is reserved in 192.168.31.0/24 (192.168.31.1 is another host's address, such as the hub's); give this host its own index",
            id="spoke-given-the-hub-index",
        ),
        pytest.param(
            "1", [1],
            "index 1 is reserved in 192.168.31.0/24 (192.168.31.1 is another host's address, such as the hub's); give this host its own index",
            id="index-string-from-jinja",
        ),
        pytest.param(11, "1", "reserved must be a list of indexes such as [1], not str '1'", id="reserved-given-as-a-string"),
        pytest.param(11, ["one"], "the index for 192.168.31.0/24 must be an integer, not str 'one'", id="reserved-not-a-number"),
    ],
)
@pytest.mark.parametrize("filter_function", [subnet_host, subnet_interface_address], ids=["subnet_host", "subnet_interface_address"])
def test_reserved_errors(filter_function, index, reserved, message):
    with pytest.raises(AnsibleFilterError) as error:
        filter_function("192.168.31.0/24", index, reserved)
    assert error.value.message == message


@pytest.mark.parametrize(
    "prefixes, families",
    [
        pytest.param([], {}, id="empty-is-no-family"),
        pytest.param(["192.168.31.0/24", "192.168.32.0/24"], {"ip": ["192.168.31.0/24", "192.168.32.0/24"]}, id="ipv4-only"),
        pytest.param(["2001:db8:100:1::/64"], {"ip6": ["2001:db8:100:1::/64"]}, id="ipv6-only"),
        pytest.param(
            ["2001:db8:100:1::/64", "192.168.31.0/24", "fd00::/8", "10.0.0.0/8"],
            {"ip": ["192.168.31.0/24", "10.0.0.0/8"], "ip6": ["2001:db8:100:1::/64", "fd00::/8"]},
            id="mixed-keeps-order-within-family",
        ),
        pytest.param(["203.0.113.7", "2001:db8::7"], {"ip": ["203.0.113.7/32"], "ip6": ["2001:db8::7/128"]}, id="bare-address-is-one-host"),
        pytest.param(["2001:DB8:0:0::/64"], {"ip6": ["2001:db8::/64"]}, id="ipv6-written-compressed-lower-case"),
        pytest.param(("0.0.0.0/0", "::/0"), {"ip": ["0.0.0.0/0"], "ip6": ["::/0"]}, id="tuple-and-everything"),
    ],
)
def test_prefixes_by_family(prefixes, families):
    result = prefixes_by_family(prefixes)
    assert result == families
    assert list(result) == sorted(families)  # ip before ip6: the rendered rules do not reorder between runs


@pytest.mark.parametrize(
    "prefixes, message",
    [
        pytest.param("192.168.31.0/24", "the prefixes must be a list such as ['192.168.31.0/24'], not str '192.168.31.0/24'", id="string-not-list"),
        pytest.param(None, "the prefixes must be a list such as ['192.168.31.0/24'], not NoneType None", id="none"),
        pytest.param({"ip": "192.168.31.0/24"}, "the prefixes must be a list such as ['192.168.31.0/24'], not dict {'ip': '192.168.31.0/24'}", id="dict"),
        pytest.param(["home-lan"], "'home-lan' is neither an address nor a prefix such as 192.168.1.0/24", id="name"),
        pytest.param(["192.168.1.1/24"], "192.168.1.1/24 has host bits set; did you mean 192.168.1.0/24?", id="host-bits"),
        pytest.param(["2001:db8::1/48"], "2001:db8::1/48 has host bits set; did you mean 2001:db8::/48?", id="ipv6-host-bits"),
        pytest.param(["192.168.1.0/33"], "'192.168.1.0/33' is not a valid IPv4 subnet: '33' is not a valid netmask", id="prefix-too-long"),
        pytest.param([24], "the subnet must be a string such as 192.168.31.0/24, not int 24", id="number"),
    ],
)
@pytest.mark.parametrize(
    "call",
    [prefixes_by_family],
    ids=["prefixes_by_family"],
)
def test_prefix_errors(call, prefixes, message):
    with pytest.raises(AnsibleFilterError) as error:
        call(prefixes)
    assert error.value.message == message
    assert error.value.__cause__ is None
    assert error.value.__context__ is None


@pytest.mark.parametrize(
    "prefix, index, length, reserved, block",
    [
        pytest.param("2001:db8:0:5:1::/80", 1, 128, None, "2001:db8:0:5:1::1/128", id="one-address"),
        pytest.param("2001:db8:0:5:1::/80", "3", 128, None, "2001:db8:0:5:1::3/128", id="index-string-from-jinja"),
        pytest.param("2001:db8:0:5:1::/80", 2**48 - 1, 128, None, "2001:db8:0:5:1:ffff:ffff:ffff/128", id="last-address"),
        # Seed 002: a /78 out of the /64, then a /96 per site out of the /78.
        pytest.param("2001:db8:0:5::/64", 1, 78, None, "2001:db8:0:5:4::/78", id="seed-002-78"),
        pytest.param("2001:db8:0:5::/78", 4, 96, None, "2001:db8:0:5:0:4::/96", id="96-of-78"),
        pytest.param("2001:DB8:0:5:0:0::/64", 2, 128, ["2001:db8:0:5::1"], "2001:db8:0:5::2/128", id="uppercase-and-reserved-elsewhere"),
        pytest.param("2001:db8::/127", 1, 128, None, "2001:db8::1/128", id="smallest-prefix"),
    ],
)
def test_subnet_block(prefix, index, length, reserved, block):
    assert subnet_block(prefix, index, length, reserved) == block


def test_subnet_block_depends_on_the_index_only():
    """The hub computes every site's block at once, the site its own: both agree, and no site moves another."""
    three = subnet_blocks({"jp": 1, "us": 2, "de": 3}, "2001:db8:0:5:1::/80")
    two = subnet_blocks({"jp": 1, "de": 3}, "2001:db8:0:5:1::/80")
    assert three["de"] == two["de"] == subnet_block("2001:db8:0:5:1::/80", 3) == "2001:db8:0:5:1::3/128"
    assert three == {"jp": "2001:db8:0:5:1::1/128", "us": "2001:db8:0:5:1::2/128", "de": "2001:db8:0:5:1::3/128"}


@pytest.mark.parametrize(
    "prefix, index, length, reserved, message",
    [
        pytest.param("192.0.2.0/24", 1, 32, None, "192.0.2.0/24 is IPv4", id="ipv4-prefix"),
        pytest.param("2001:db8:0:5::1/64", 1, 128, None, "has host bits set; did you mean 2001:db8:0:5::/64?", id="host-bits"),
        pytest.param("2001:db8:0:5::", 1, 128, None, "has no prefix length", id="no-length"),
        pytest.param("2001:db8:0:5:1::/80", 1, 80, None, "too small for blocks of /80", id="blocks-as-long-as-prefix"),
        pytest.param("2001:db8:0:5:1::/80", 1, 78, None, "too small for blocks of /78", id="prefix-too-small"),
        pytest.param("2001:db8:0:5:1::/80", 1, 129, None, "from /81 to /128", id="length-beyond-128"),
        pytest.param("2001:db8::/126", 4, 128, None, "exhausted: it holds 3 blocks of /128 (index 1 to 3), and index 4", id="exhausted"),
        pytest.param("2001:db8::/64", 0, 128, None, "index 0 is out of range", id="index-zero"),
        pytest.param("2001:db8::/64", -1, 128, None, "index -1 is out of range", id="index-negative"),
        pytest.param("2001:db8::/64", True, 128, None, "must be an integer", id="index-bool"),
        pytest.param("2001:db8::/64", "one", 128, None, "must be an integer", id="index-word"),
        pytest.param("2001:db8:0:5::/64", 1, 128, ["2001:db8:0:5::1"], "holds 2001:db8:0:5::1, a reserved address", id="hub-address"),
        pytest.param("2001:db8:0:5::/64", 1, 96, ["2001:db8:0:5:0:1::5"], "holds 2001:db8:0:5:0:1:0:5", id="hub-address-inside-block"),
        pytest.param("2001:db8:0:5::/64", 1, 128, "2001:db8:0:5::1", "reserved must be a list", id="reserved-string"),
        pytest.param("2001:db8:0:5::/64", 1, 128, ["hub"], "reserved address 'hub' is not an address", id="reserved-word"),
    ],
)
def test_subnet_block_errors(prefix, index, length, reserved, message):
    with pytest.raises(AnsibleFilterError, match=re.escape(message)):
        subnet_block(prefix, index, length, reserved)


@pytest.mark.parametrize(
    "indexes, prefix, messages",
    [
        pytest.param({"jp": 1, "us": 1}, "2001:db8::/64", ["us: jp and us both have index 1"], id="same-site-id"),
        pytest.param({"a": 1, "b": 2, "c": 3, "d": 4}, "2001:db8::/126",
                     ["4 sites but 2001:db8::/126 holds only 3 blocks of /128", "d: 2001:db8::/126 is exhausted"], id="more-sites-than-blocks"),
        pytest.param(["jp"], "2001:db8::/64", ["a mapping of name to index"], id="a-list"),
    ],
)
def test_subnet_blocks_errors(indexes, prefix, messages):
    with pytest.raises(AnsibleFilterError) as raised:
        subnet_blocks(indexes, prefix)
    for message in messages:
        assert message in str(raised.value)


def test_filter_module_exposes_every_filter():
    assert FilterModule().filters() == {
        "prefixes_by_family": network.prefixes_by_family,
        "subnet_block": network.subnet_block,
        "subnet_blocks": network.subnet_blocks,
        "subnet_host": network.subnet_host,
        "subnet_interface_address": network.subnet_interface_address,
    }


# ansible-test's validate-modules skips filter plugins and its ansible-doc test skips a filter whose
# documentation does not load, so these tests are what keeps the documentation true.
EXAMPLE_VARIABLES = {"wireguard_host_index": 21}


(test_documentation_describes_the_filter, test_documented_examples_give_the_documented_results,
 test_every_filter_has_a_documented_example) = documentation_tests(FilterModule().filters(), EXAMPLE_VARIABLES)
