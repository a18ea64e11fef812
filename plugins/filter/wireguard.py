# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The peer list of a hub's WireGuard interface, for multisite.vpn.wireguard_peer.

The documentation is in wireguard_hub_peers.yml next to this file. Messages never show a key: what is
given as a public key may be a private one.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.multisite.vpn.plugins.filter.network import subnet_host
from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_key import key_message

# The hub's own number in the tunnel subnet (roles/hub: subnet_interface_address(1)).
HUB_INDEX = 1


def _as_list(name: str, value, show_value: bool) -> list:
    """Return VALUE as a list; a string (which would be iterated as characters), a dict or a scalar fails."""
    if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
        shown = " %r" % (value,) if show_value else ""
        raise AnsibleFilterError("%s must be a list, one item per spoke, not %s%s" % (name, type(value).__name__, shown))
    return list(value)


def _problems(spokes: list, public_keys: list, host_indexes: list, subnet, hub_index) -> list[str]:
    """Return every problem of the three lists, each naming the list, the position and the spoke."""
    problems = []
    seen_spoke, seen_key, owner = {}, {}, {}
    # An invalid subnet fails here, once, rather than once per spoke.
    hub_address = subnet_host(subnet, hub_index)
    for position, (spoke, public_key, index) in enumerate(zip(spokes, public_keys, host_indexes)):
        if not isinstance(spoke, str) or not spoke:
            problems.append("_input[%d]: a spoke is an inventory host name, not %s %r" % (position, type(spoke).__name__, spoke))
        elif spoke in seen_spoke:
            problems.append("_input[%d]: %s is listed twice (also _input[%d])" % (position, spoke, seen_spoke[spoke]))
        else:
            seen_spoke[spoke] = position

        message = key_message("public_keys[%d] (%s)" % (position, spoke), public_key, "public key")
        if message:
            problems.append(message)
        elif public_key in seen_key:
            # Two spokes with one key: wg would keep one peer and move the other's address to it.
            problems.append(
                "public_keys[%d] (%s) is the same key as public_keys[%d] (%s); each spoke needs its own key pair"
                % (position, spoke, seen_key[public_key], spokes[seen_key[public_key]])
            )
        else:
            seen_key[public_key] = position

        try:
            address = subnet_host(subnet, index)
        except AnsibleFilterError as error:
            problems.append("host_indexes[%d] (%s): %s" % (position, spoke, error))
            continue
        if address == hub_address:
            problems.append(
                "host_indexes[%d] (%s): index %s is the hub's own address %s in %s; give the spoke its own index"
                % (position, spoke, index, address, subnet)
            )
        elif address in owner:
            # WireGuard has no duplicate address detection: two spokes on one address would take turns.
            problems.append(
                "%s and %s both have host index %s, so both would be %s in %s; give each site its own id"
                % (owner[address], spoke, index, address, subnet)
            )
        else:
            owner[address] = spoke
    return problems


def wireguard_hub_peers(spokes, public_keys, host_indexes, subnet, hub_index=HUB_INDEX, public_blocks=None, routed_prefixes=None):
    """One peer per spoke: its public key, and its one address in the tunnel SUBNET as allowed IP, then the prefixes
    it announces over BGP from ROUTED_PREFIXES ({spoke: [prefix]}, multisite.vpn.routing_spoke_prefixes), then its public
    block from PUBLIC_BLOCKS ({spoke: block}, multisite.vpn.subnet_blocks) when it has one and has not announced it.

    Fails, with one message naming every problem, on lists of different lengths, an invalid or repeated
    key, a spoke named twice, an index outside SUBNET, two spokes on one address, or a spoke on the hub's
    address (HUB_INDEX).
    """
    spokes = _as_list("the spokes (_input)", spokes, show_value=True)
    public_keys = _as_list("public_keys", public_keys, show_value=False)
    host_indexes = _as_list("host_indexes", host_indexes, show_value=True)
    if not len(spokes) == len(public_keys) == len(host_indexes):
        raise AnsibleFilterError(
            "%d spokes, %d public keys and %d host indexes: give one of each per spoke"
            % (len(spokes), len(public_keys), len(host_indexes))
        )
    problems = _problems(spokes, public_keys, host_indexes, subnet, hub_index)
    if problems:
        raise AnsibleFilterError("; ".join(problems))
    host_length = 128 if ":" in subnet else 32
    public_blocks = public_blocks or {}
    routed_prefixes = routed_prefixes or {}
    # A spoke's public block of this hub is among what it announces over BGP too: listed once.
    return [
        {"public_key": public_key,
         "allowed_ips": list(dict.fromkeys(["%s/%d" % (subnet_host(subnet, index), host_length)] + list(routed_prefixes.get(spoke) or [])
                                           + ([public_blocks[spoke]] if spoke in public_blocks else [])))}
        for spoke, public_key, index in zip(spokes, public_keys, host_indexes)
    ]


class FilterModule:
    """WireGuard peer lists."""

    def filters(self):
        return {"wireguard_hub_peers": wireguard_hub_peers}
