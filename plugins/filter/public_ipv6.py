# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The spokes' public IPv6 addresses (seed 002): a spoke's block of a hub's prefix, and what a hub forwards between its
WAN and its tunnel for them.

The documentation of each filter is in the <filter>.yml file next to this one.
"""

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.multisite.vpn.plugins.filter.network import prefixes_by_family, subnet_block

# What IPv6 needs through a firewall (RFC 4890): errors, without which path MTU discovery fails and connections
# hang, and echo, so that an address can be checked from outside.
ICMPV6_TYPES = ["destination-unreachable", "packet-too-big", "time-exceeded", "parameter-problem", "echo-request"]


def public_ipv6_block(hostvars, spoke, hub) -> str:
    """SPOKE's block of HUB's public IPv6 prefix (hub_public_ipv6), by SPOKE's site_id, or '' when HUB hands out none.
    The hub carves every spoke's at once (subnet_blocks, which also finds two spokes on one block); the spoke, and the
    hubs that carry its blocks over BGP, carve this one."""
    public = hostvars[hub].get("hub_public_ipv6") or {}
    if not public:
        return ""
    try:
        return subnet_block(public["prefix"], hostvars[spoke].get("site_id"), public.get("spoke_prefix_length", 128), [public["wan_address"]])
    except (AnsibleFilterError, KeyError, TypeError) as error:
        raise AnsibleFilterError("%s: no public IPv6 block from %s's hub_public_ipv6: %s" % (spoke, hub, error)) from None


def _ipv6_sources(spoke: str, position: int, sources) -> list[str]:
    families = prefixes_by_family(sources or [])
    if "ip" in families:
        raise AnsibleFilterError(
            "%s: spoke_public_ipv6_services[%d].sources: %s is IPv4; the public address is IPv6, so only IPv6 sources can reach it"
            % (spoke, position, ", ".join(families["ip"]))
        )
    return families.get("ip6", [])


def public_ipv6_forward_rules(blocks, hostvars, wan_interface, tunnel_interface) -> list[dict]:
    """The hub's forward rules (role host_firewall's host_firewall_forward) for BLOCKS, {spoke: its public block}.

    Out: anything from a spoke's block to the WAN. In: the ICMPv6 of ICMPV6_TYPES to every block, and each spoke's
    spoke_public_ipv6_services (in HOSTVARS: [{port, protocol, sources, comment}]) to its block only. Established and
    related traffic is the firewall's own first rule; everything else is dropped by its policy.
    """
    if not isinstance(blocks, Mapping):
        raise AnsibleFilterError("the blocks must be a mapping of spoke name to its public block, not %s" % type(blocks).__name__)
    if not blocks:
        return []
    every_block = [blocks[spoke] for spoke in sorted(blocks)]
    rules = [
        {"in_interface": tunnel_interface, "out_interface": wan_interface, "sources": every_block,
         "comment": "The spokes' public addresses, out to the internet."},
        {"in_interface": wan_interface, "out_interface": tunnel_interface, "destinations": every_block,
         "icmpv6_types": ICMPV6_TYPES, "comment": "ICMPv6 errors (path MTU discovery) and echo, to the spokes' public addresses."},
    ]
    for spoke in sorted(blocks):
        listed = hostvars[spoke].get("spoke_public_ipv6_services") or []
        if not isinstance(listed, list):
            raise AnsibleFilterError("%s: spoke_public_ipv6_services is %s, not a list" % (spoke, type(listed).__name__))
        for position, service in enumerate(listed):
            rules.append({
                "in_interface": wan_interface,
                "out_interface": tunnel_interface,
                "sources": _ipv6_sources(spoke, position, service.get("sources")),
                "destinations": [blocks[spoke]],
                "protocol": service["protocol"],
                "port": service["port"],
                "comment": "%s: %s" % (spoke, service.get("comment") or "%s port %s" % (service["protocol"], service["port"])),
            })
    return rules


class FilterModule:
    """The spokes' public IPv6 addresses."""

    def filters(self):
        return {"public_ipv6_block": public_ipv6_block, "public_ipv6_forward_rules": public_ipv6_forward_rules}
