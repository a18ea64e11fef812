# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A lab container with systemd as PID 1, made with the docker CLI.

community.docker cannot make these: `--security-opt systempaths=unconfined` (a writable /proc/sys, so
that per-namespace net.* sysctls work) is turned into empty masked/read-only path lists by the docker
CLI, and the module's API client has no option for those lists.
"""

from __future__ import annotations

DOCUMENTATION = r"""
module: lab_container
short_description: A systemd lab container with fixed addresses (multisite.vpn test lab)
description:
  - Creates, or keeps, a container that boots systemd without C(--privileged), with the capabilities,
    devices and mounts systemd and WireGuard need, on the given networks with fixed addresses.
  - A container whose image, labels or flags (SYSTEMD_CONTAINER_FLAGS) differ from the wanted ones is replaced.
options:
  name: {type: str, required: true, description: Container name.}
  hostname: {type: str, required: true, description: Host name inside the container.}
  image: {type: str, required: true, description: Image name.}
  networks:
    type: list
    elements: dict
    required: true
    description: Networks with C(name), C(ipv4_address) and optional C(ipv6_address); the first becomes eth0.
  labels: {type: dict, default: {}, description: Labels; they are part of what must match.}
author: multisite.vpn developers
"""

import hashlib
import json

from ansible.module_utils.basic import AnsibleModule

# What systemd needs as PID 1 where --privileged fails (no CAP_SYS_RESOURCE in the VM's bounding
# set), what wireguard-go needs (tun), and a writable /proc/sys for net.* sysctls.
SYSTEMD_CONTAINER_FLAGS = [
    "--cap-add", "SYS_ADMIN", "--cap-add", "NET_ADMIN", "--cap-add", "NET_RAW",
    # BIRD keeps CAP_NET_BROADCAST when it drops root (capset fails without it); a real host has it.
    "--cap-add", "NET_BROADCAST",
    "--device", "/dev/net/tun",
    "--tmpfs", "/run", "--tmpfs", "/run/lock",
    "--volume", "/sys/fs/cgroup:/sys/fs/cgroup:rw", "--cgroupns", "host",
    "--security-opt", "systempaths=unconfined",
    "--stop-signal", "SIGRTMIN+3",
    "--restart", "unless-stopped",
]


# A container made with other flags than these is replaced, as one with another image is.
FLAGS_LABEL = "org.multisite-vpn.container-flags"
FLAGS_DIGEST = hashlib.sha256("\0".join(SYSTEMD_CONTAINER_FLAGS).encode()).hexdigest()[:16]


def address_flags(network):
    flags = ["--ip", network["ipv4_address"]]
    if network.get("ipv6_address"):
        flags += ["--ip6", network["ipv6_address"]]
    return flags


def main():
    module = AnsibleModule(
        argument_spec={
            "name": {"type": "str", "required": True},
            "hostname": {"type": "str", "required": True},
            "image": {"type": "str", "required": True},
            "networks": {"type": "list", "elements": "dict", "required": True},
            "labels": {"type": "dict", "default": {}},
        },
        supports_check_mode=True,
    )
    params = module.params
    params["labels"] = dict(params["labels"], **{FLAGS_LABEL: FLAGS_DIGEST})
    docker = module.get_bin_path("docker", required=True)

    def run(*args):
        return module.run_command([docker, *args], check_rc=True)[1]

    image_id = run("image", "inspect", "--format", "{{.Id}}", params["image"]).strip()
    rc, out, _err = module.run_command([docker, "container", "inspect", params["name"]])
    current = json.loads(out)[0] if rc == 0 else None

    up_to_date = (
        current is not None
        and current["Image"] == image_id
        and all((current["Config"]["Labels"] or {}).get(k) == v for k, v in params["labels"].items())
    )
    if up_to_date and current["State"]["Running"]:
        module.exit_json(changed=False, action="none")
    action = "start" if up_to_date else ("replace" if current else "create")
    if module.check_mode:
        module.exit_json(changed=True, action=action)

    if action == "replace":
        run("rm", "--force", params["name"])
    if action in ("create", "replace"):
        first, *others = params["networks"]
        labels = [flag for key, value in params["labels"].items() for flag in ("--label", f"{key}={value}")]
        run("create", "--name", params["name"], "--hostname", params["hostname"], *SYSTEMD_CONTAINER_FLAGS,
            *labels, "--network", first["name"], *address_flags(first), params["image"])
        for network in others:
            run("network", "connect", *address_flags(network), network["name"], params["name"])
    run("start", params["name"])
    module.exit_json(changed=True, action=action)


if __name__ == "__main__":
    main()
