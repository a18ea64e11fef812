# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A site on several uplinks (seed 003: three LTE carriers, each behind its own CGNAT): one tunnel per uplink to a hub.

A spoke with spoke_uplinks keeps, to each of its hubs, one WireGuard tunnel per uplink instead of one: each leaves by
its own uplink (the tunnel's packets carry a mark that a rule sends to a table of their own, whose default route is
that uplink's gateway). A hub cannot spread traffic to one site over several peers of one interface (a prefix is in
one peer's allowed IPs), so each such tunnel is an interface of its own on the hub too, with a /31 of the hub's
hub_tunnel.uplinks.ipv4 and a port of its own from hub_tunnel.uplinks.port: both from the site's site_id and the
uplink's id, never a list position. BGP over each link, and ECMP across them.

The documentation of each filter is in the C(<filter>.yml) file next to this one.
"""

from __future__ import annotations

import ipaddress

from ansible.errors import AnsibleFilterError

# An uplink's id is 1 to MAX_UPLINK_ID; each site has a block of LINKS_PER_SITE links (block 0 of each is unused).
MAX_UPLINK_ID = 7
LINKS_PER_SITE = 8
UPLINK_KEYS = ("id", "name", "interface", "gateway")
UPLINKS_KEYS = ("ipv4", "port")


def link_index(site_id: int, uplink_id: int) -> int:
    """The link's number in its hub's pool: the site's block, then the uplink."""
    return site_id * LINKS_PER_SITE + uplink_id


def uplink_link(tunnel: dict, site_id: int, uplink: dict) -> dict:
    """The tunnel over UPLINK ({id, name, interface, gateway}) of site SITE_ID to the hub whose hub_tunnel is TUNNEL:
    {interface (the same name on both ends), hub_address, spoke_address, prefix (a /31), port (both ends listen on
    it), uplink_id, uplink_interface, gateway}."""
    pool = (tunnel or {}).get("uplinks")
    if not pool:
        raise AnsibleFilterError("hub_tunnel %s has no uplinks (ipv4, port): a site on several uplinks needs them" % tunnel.get("interface"))
    network = ipaddress.ip_network(str(pool["ipv4"]))
    index = link_index(int(site_id), int(uplink["id"]))
    hub = network.network_address + 2 * index
    if hub + 1 > network.broadcast_address:
        raise AnsibleFilterError("site %d's uplink %d needs link %d of %s (a /31 each), which holds only %d"
                                 % (int(site_id), int(uplink["id"]), index, network, network.num_addresses // 2))
    return {
        "interface": "%s-%d-%d" % (tunnel["interface"], int(site_id), int(uplink["id"])),
        "hub_address": str(hub),
        "spoke_address": str(hub + 1),
        "prefix": "%s/31" % hub,
        "port": int(pool["port"]) + index,
        "uplink_id": int(uplink["id"]),
        "uplink_interface": uplink["interface"],
        "gateway": str(uplink["gateway"]),
    }


def hub_uplink_links(hostvars, hub, spokes) -> list[dict]:
    """Every link of HUB to the SPOKES that have spoke_uplinks: the link of uplink_link, with the spoke's name."""
    tunnel = hostvars[hub].get("hub_tunnel") or {}
    return [dict(uplink_link(tunnel, hostvars[spoke]["site_id"], uplink), spoke=spoke)
            for spoke in spokes for uplink in hostvars[spoke].get("spoke_uplinks") or ()]


def spoke_uplink_links(hostvars, spoke, hubs) -> list[dict]:
    """Every link of SPOKE (with spoke_uplinks) to its HUBS: the link of uplink_link, with the hub's name."""
    return [dict(uplink_link(hostvars[hub].get("hub_tunnel") or {}, hostvars[spoke]["site_id"], uplink), hub=hub)
            for hub in hubs for uplink in hostvars[spoke].get("spoke_uplinks") or ()]


def uplink_links_iptables_rules(links) -> list[dict]:
    """INPUT rules (module iptables_accept's) for the WireGuard port of each of LINKS, in front of a provider's REJECT."""
    return [{"chain": "INPUT", "protocol": "udp", "destination_port": link["port"], "comment": "multisite.vpn: WireGuard %s" % link["interface"]}
            for link in links]


class FilterModule:
    """Sites on several uplinks."""

    def filters(self):
        return {"hub_uplink_links": hub_uplink_links, "spoke_uplink_links": spoke_uplink_links,
                "uplink_links_iptables_rules": uplink_links_iptables_rules}
