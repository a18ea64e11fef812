# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turns the lab inventory into the docker objects that make the lab (tests/lab/create.yml)."""

from __future__ import annotations

import hashlib
import json

from ansible.errors import AnsibleFilterError


def lab_network_specs(networks, prefix):
    """One docker network per entry of lab_networks; internal unless it says otherwise."""
    specs = []
    for name, net in sorted(networks.items()):
        ipam = [{"subnet": net["ipv4"], "gateway": net["ipv4_gateway"]}]
        if net.get("ipv6"):
            ipam.append({"subnet": net["ipv6"], "gateway": net["ipv6_gateway"]})
        specs.append({
            "name": prefix + name,
            "internal": net.get("internal", True),
            "ipv6": bool(net.get("ipv6")),
            "ipam": ipam,
        })
    return specs


def lab_container_specs(host_names, hostvars, prefix, networks):
    """One container per inventory host, with its image and fixed addresses, named by its ansible_host
    (docker exec reaches it by that name) unless lab_container.name says otherwise (a host reached by
    its address, like a router's CLI)."""
    specs = []
    for host in host_names:
        host_vars = hostvars[host]
        try:
            attachments = host_vars["lab_container"]["networks"]
            image = host_vars["lab_image"]
            name = host_vars["lab_container"].get("name") or host_vars["ansible_host"]
        except KeyError as missing:
            raise AnsibleFilterError(f"lab host {host}: {missing} is not set in inventories/lab") from None
        if not name.startswith(prefix):
            raise AnsibleFilterError(f"lab host {host}: ansible_host {name} must start with {prefix}")
        for attachment in attachments:
            if attachment["name"] not in networks:
                raise AnsibleFilterError(f"lab host {host}: unknown network {attachment['name']}")
        specs.append({
            "name": name,
            "hostname": host,
            "image": f"multisite-vpn/{image}:latest",
            "recipe": image,
            # Created on the first network, connected to the others; only a one-network host knows its
            # interface name for sure (eth0).
            "networks": [
                {
                    "name": prefix + attachment["name"],
                    "ipv4_address": attachment["ipv4"],
                    **({"ipv6_address": attachment["ipv6"]} if attachment.get("ipv6") else {}),
                }
                for attachment in attachments
            ],
        })
    return specs


def lab_fingerprint(parts):
    """A short hash of the lab's definition: objects carrying another one belong to an older lab."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]


def lab_stale_objects(host_info, label, lab_id):
    """Names of the containers and networks (from docker_host_info) that an older lab made."""
    objects = host_info["containers"] + host_info["networks"]
    return [
        obj.get("Name") or obj["Names"][0].lstrip("/")
        for obj in objects
        if (obj.get("Labels") or {}).get(label) != lab_id
    ]


class FilterModule:
    def filters(self):
        return {
            "lab_network_specs": lab_network_specs,
            "lab_container_specs": lab_container_specs,
            "lab_fingerprint": lab_fingerprint,
            "lab_stale_objects": lab_stale_objects,
        }
