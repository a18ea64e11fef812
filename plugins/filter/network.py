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
            "subnet_host": subnet_host,
            "subnet_interface_address": subnet_interface_address,
        }
