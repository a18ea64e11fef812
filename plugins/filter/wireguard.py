# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The peer list of a hub's WireGuard interface, for multisite.vpn.wireguard_peer.

The documentation is in wireguard_hub_peers.yml next to this file.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.multisite.vpn.plugins.filter.network import subnet_host


def wireguard_hub_peers(spokes, public_keys, host_indexes, subnet):
    """One peer per spoke: its public key, and its one address in the tunnel SUBNET as allowed IP."""
    spokes, public_keys, host_indexes = list(spokes), list(public_keys), list(host_indexes)
    if not len(spokes) == len(public_keys) == len(host_indexes):
        raise AnsibleFilterError(
            "%d spokes, %d public keys and %d host indexes: give one of each per spoke"
            % (len(spokes), len(public_keys), len(host_indexes))
        )
    host_length = 128 if ":" in subnet else 32
    peers, owner = [], {}
    for spoke, public_key, index in zip(spokes, public_keys, host_indexes):
        address = subnet_host(subnet, index)
        # WireGuard has no duplicate address detection: two spokes on one address would take turns.
        if address in owner:
            raise AnsibleFilterError(
                "%s and %s both have host index %s, so both would be %s in %s; give each site its own id"
                % (owner[address], spoke, index, address, subnet)
            )
        owner[address] = spoke
        peers.append({"public_key": public_key, "allowed_ips": ["%s/%d" % (address, host_length)]})
    return peers


class FilterModule:
    """WireGuard peer lists."""

    def filters(self):
        return {"wireguard_hub_peers": wireguard_hub_peers}
