# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Address arithmetic: tunnel addresses, and the source prefixes of firewall rules.

Every host of a tunnel gets a fixed number in the inventory and its address is computed from the
subnet and that number, so removing one host never shifts the addresses of the others (as addresses
given out by position in a list do). Firewall sources are lists of IPv4 and IPv6 prefixes, which nft
takes per family (C(ip saddr), C(ip6 saddr)). The documentation of each filter is in the
C(<filter>.yml) file next to this one. Messages do not repeat the filter's name: ansible-core shows
it, or the template.
"""

from __future__ import annotations

import ipaddress
import re

from ansible.errors import AnsibleFilterError

_INTEGER = re.compile(r"\s*[+-]?[0-9]+\s*")


def _subnet(subnet) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """Return SUBNET as a network, or raise AnsibleFilterError saying what is wrong with it."""
    if not isinstance(subnet, str):
        raise AnsibleFilterError(
            "the subnet must be a string such as 192.168.31.0/24, not %s %r" % (type(subnet).__name__, subnet)
        )
    if "/" not in subnet:
        # ip_network would take a bare address as a /32 or /128, which has no host to give out.
        raise AnsibleFilterError(
            "subnet %r has no prefix length; give it as address/prefix, such as 192.168.31.0/24" % subnet
        )
    # The family's own class says what is wrong; ip_network would only say it is neither family.
    version = 6 if ":" in subnet else 4
    family = ipaddress.IPv6Network if version == 6 else ipaddress.IPv4Network
    try:
        return family(subnet, strict=True)
    except ValueError:
        pass
    # Raised outside the except clause: ansible-core 2.19 appends a chained cause's text to a message.
    try:
        message = "%s has host bits set; did you mean %s?" % (subnet, family(subnet, strict=False))
    except ValueError as error:
        message = "%r is not a valid IPv%d subnet: %s" % (subnet, version, error)
    raise AnsibleFilterError(message)


def _index(subnet: str, index) -> int:
    """Return INDEX as an int. Jinja may give an integer as a string; a boolean or a float is refused."""
    if isinstance(index, int) and not isinstance(index, bool):
        return index
    if isinstance(index, str) and _INTEGER.fullmatch(index):
        return int(index)
    raise AnsibleFilterError(
        "the index for %s must be an integer, not %s %r" % (subnet, type(index).__name__, index)
    )


def _last_index(network) -> int:
    """Return the highest usable offset from the network address.

    An IPv4 subnet shorter than /31 keeps its last address for broadcast; a /31 (RFC 3021) and every
    IPv6 subnet can use their last address.
    """
    if network.version == 4 and network.prefixlen < 31:
        return network.num_addresses - 2
    return network.num_addresses - 1


def _reserved(subnet: str, reserved) -> set[int]:
    """Return RESERVED, a list of host numbers, as a set of ints."""
    if reserved is None:
        return set()
    if isinstance(reserved, (str, bytes, dict)) or not hasattr(reserved, "__iter__"):
        raise AnsibleFilterError("reserved must be a list of indexes such as [1], not %s %r" % (type(reserved).__name__, reserved))
    return {_index(subnet, number) for number in reserved}


def _host(subnet, index, reserved=None):
    """Return (network, address) for host number INDEX of SUBNET, or raise AnsibleFilterError."""
    network = _subnet(subnet)
    number = _index(subnet, index)
    if number in _reserved(subnet, reserved):
        # Arithmetic alone cannot know who else is in the subnet: the caller says which numbers are taken.
        raise AnsibleFilterError(
            "index %d is reserved in %s (%s is another host's address, such as the hub's); give this host its own index"
            % (number, subnet, network.network_address + number)
        )
    last = _last_index(network)
    if number < 1:
        raise AnsibleFilterError(
            "index %d is out of range for %s: index 1 is the first address after the network address"
            % (number, subnet)
        )
    if number > last:
        if last < 1:
            limit = "it has no address after the network address"
        else:
            limit = "the last usable one is index %d, %s" % (last, network.network_address + last)
        raise AnsibleFilterError("index %d is beyond the last usable address of %s (%s)" % (number, subnet, limit))
    return network, network.network_address + number


def subnet_host(subnet, index, reserved=None) -> str:
    """Return the address at offset INDEX from SUBNET's network address, such as 192.168.31.11.

    Index 1 is valid: it is how a hub or a router gets its own address. A host whose number must not be
    one of others' (a spoke's is never the hub's 1) gives those numbers as RESERVED.
    """
    return str(_host(subnet, index, reserved)[1])


def subnet_interface_address(subnet, index, reserved=None) -> str:
    """Return the address at offset INDEX with SUBNET's prefix length, such as 192.168.31.11/24."""
    network, address = _host(subnet, index, reserved)
    return "%s/%d" % (address, network.prefixlen)


def _block_length(network, length) -> int:
    """Return LENGTH, the prefix length of the blocks carved from NETWORK, or raise AnsibleFilterError."""
    number = _index(str(network), length)
    if not network.prefixlen < number <= network.max_prefixlen:
        raise AnsibleFilterError(
            "%s is too small for blocks of /%d: the blocks must be longer than the prefix, from /%d to /%d"
            % (network, number, network.prefixlen + 1, network.max_prefixlen)
        )
    return number


def _reserved_addresses(reserved) -> list:
    if reserved is None:
        return []
    if isinstance(reserved, (str, bytes, dict)) or not hasattr(reserved, "__iter__"):
        raise AnsibleFilterError(
            "reserved must be a list of addresses such as ['2001:db8:0:5::1'], not %s %r" % (type(reserved).__name__, reserved)
        )
    addresses = []
    for address in reserved:
        try:
            # An interface address (the hub's WAN address with its prefix length) is its address.
            addresses.append(ipaddress.ip_interface(str(address).strip()).ip)
        except ValueError:
            pass
        else:
            continue
        raise AnsibleFilterError("reserved address %r is not an address" % (address,))
    return addresses


def _block(network, index, length, reserved: list):
    """Return block number INDEX of length LENGTH in NETWORK, or raise AnsibleFilterError.

    Block 0 is never given: it holds the prefix's subnet-router anycast address (RFC 4291), which every router of
    the prefix answers.
    """
    number = _index(str(network), index)
    count = 2 ** (length - network.prefixlen)
    if number < 1:
        raise AnsibleFilterError("index %d is out of range for /%d blocks of %s: the first is index 1" % (number, length, network))
    if number >= count:
        raise AnsibleFilterError(
            "%s is exhausted: it holds %d blocks of /%d (index 1 to %d), and index %d is beyond"
            % (network, count - 1, length, count - 1, number)
        )
    block = ipaddress.ip_network((int(network.network_address) + number * 2 ** (network.max_prefixlen - length), length))
    for address in reserved:
        if address in block:
            raise AnsibleFilterError(
                "block %d of %s (%s) holds %s, a reserved address such as the hub's own: give the site another id, or carve "
                "the blocks from a prefix that leaves that address out" % (number, network, block, address)
            )
    return block


def _public_ipv6_prefix(prefix):
    network = _subnet(prefix)
    if network.version != 6:
        raise AnsibleFilterError(
            "%s is IPv4: addresses are handed out of an IPv6 prefix only (a /64 on the hub's WAN, answered for by NDP proxy)" % prefix
        )
    return network


def subnet_block(prefix, index, length=128, reserved=None) -> str:
    """Return block number INDEX of prefix length LENGTH carved from the IPv6 PREFIX, such as 2001:db8:0:5:1::1/128.

    The block follows from the index alone (a site's stable id), never from a position in a list. Fails on an IPv4
    prefix, host bits, a prefix too small for the blocks, an index beyond the last block, and a block that holds one
    of the RESERVED addresses (the hub's own).
    """
    network = _public_ipv6_prefix(prefix)
    return str(_block(network, index, _block_length(network, length), _reserved_addresses(reserved)))


def subnet_blocks(indexes, prefix, length=128, reserved=None) -> dict[str, str]:
    """Return {name: block} for INDEXES ({name: index}): subnet_block of each, checked together.

    Fails with every problem at once: two names with one index, more names than blocks, and each name's own
    problem from subnet_block.
    """
    if not isinstance(indexes, dict):
        raise AnsibleFilterError("the indexes must be a mapping of name to index (a site's id), not %s" % type(indexes).__name__)
    network = _public_ipv6_prefix(prefix)
    length = _block_length(network, length)
    reserved = _reserved_addresses(reserved)
    problems, blocks, owner = [], {}, {}
    count = 2 ** (length - network.prefixlen) - 1
    if len(indexes) > count:
        problems.append("%d sites but %s holds only %d blocks of /%d" % (len(indexes), network, count, length))
    for name in sorted(indexes):
        try:
            number = _index(str(network), indexes[name])
            if number in owner:
                raise AnsibleFilterError(
                    "%s and %s both have index %d, so both would get one block: give each site its own id" % (owner[number], name, number)
                )
            owner[number] = name
            blocks[name] = str(_block(network, number, length, reserved))
        except AnsibleFilterError as error:
            problems.append("%s: %s" % (name, error.message))
    if problems:
        raise AnsibleFilterError("; ".join(problems))
    return blocks


def _prefix(prefix) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """Return PREFIX as a network; a bare address is the prefix of that one host (/32 or /128)."""
    if isinstance(prefix, str) and "/" not in prefix:
        try:
            return ipaddress.ip_network(prefix.strip())
        except ValueError:
            pass
        # Raised outside the except clause: ansible-core 2.19 appends a chained cause's text to a message.
        raise AnsibleFilterError("%r is neither an address nor a prefix such as 192.168.1.0/24" % prefix)
    return _subnet(prefix)


def _prefixes(prefixes) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """Return the list PREFIXES as networks, or raise AnsibleFilterError naming the wrong one."""
    # A string is iterable too: one prefix given instead of a list would become one prefix per character.
    if isinstance(prefixes, (str, bytes, dict)) or not hasattr(prefixes, "__iter__"):
        raise AnsibleFilterError(
            "the prefixes must be a list such as ['192.168.31.0/24'], not %s %r" % (type(prefixes).__name__, prefixes)
        )
    return [_prefix(prefix) for prefix in prefixes]


def prefixes_by_family(prefixes) -> dict[str, list[str]]:
    """Return PREFIXES split by family, keyed as nft names the families: {'ip': [...], 'ip6': [...]}.

    A family without prefixes is left out, so an empty list gives an empty dict. The order within a
    family is the order given.
    """
    families: dict[str, list[str]] = {}
    for network in _prefixes(prefixes):
        families.setdefault("ip" if network.version == 4 else "ip6", []).append(str(network))
    return dict(sorted(families.items()))


class FilterModule:
    """Tunnel address arithmetic and firewall source prefixes."""

    def filters(self):
        return {
            "prefixes_by_family": prefixes_by_family,
            "subnet_block": subnet_block,
            "subnet_blocks": subnet_blocks,
            "subnet_host": subnet_host,
            "subnet_interface_address": subnet_interface_address,
        }
