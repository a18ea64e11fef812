#!/usr/bin/python
# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: sysctl
short_description: Set many kernel parameters at once, live and in one sysctl.d drop-in file
description:
  - Sets a group of kernel parameters in one call, both the live values in C(/proc/sys) and a
    C(sysctl.d) drop-in file that makes them survive a reboot.
  - The drop-in file named by O(path) belongs to this module entirely. It is rewritten with exactly
    the keys of O(settings), sorted by key, under a header comment saying that it is managed by
    C(multisite.vpn.sysctl); any other content is removed.
  - A key that was in the file and is no longer in O(settings) disappears from the file, but its
    live value is left as it is, because the module cannot know what the value was before this
    module set it. The key is listed in RV(removed_keys); a reboot, or setting it explicitly, puts
    the wanted value in place.
  - Live values are written directly to C(/proc/sys), not through the C(sysctl) binary, and only
    those that differ are written, in the order of O(settings). The order matters. With C(accept_ra)
    below 2, turning IPv6 forwarding on removes the default routes learned from router
    advertisements at once, so C(accept_ra=2) on the WAN interface goes first. Values are compared with runs of whitespace collapsed, so
    C(32768 60999) matches the tab-separated value the kernel reports.
  - Before anything is written, every key is checked. If a key is unknown, a value is neither a
    string nor an integer, or a live value cannot be written, the module fails with a message
    naming the keys and changes nothing. If the kernel then rejects a value or reads back a
    different one, or the file cannot be written, the live values already written are put back.
  - Replaces C(ansible.posix.sysctl) in this collection, so that the collection needs ansible-core
    only and many keys are set in one task with a diff that shows what really changes.
author:
  - multisite.vpn developers (@multisite-vpn)
options:
  settings:
    description:
      - Kernel parameters to set, as key and value.
      - A key is written in dotted form (C(net.ipv4.ip_forward)) or in slash form
        (C(net/ipv6/conf/eth0.100/accept_ra)). As in C(sysctl) and C(sysctl.d), the first separator
        decides. In dotted form dots separate the parts and a slash stands for a dot inside a part,
        so C(net.ipv6.conf.eth0/100.accept_ra) is the same key. Use slash form when an interface
        name contains a dot.
      - Patterns such as C(net.ipv4.conf.*.rp_filter) are not accepted.
      - A value is a string or an integer. Booleans are refused, give V(0) or V(1). Values with
        several fields such as C(net.ipv4.ip_local_port_range) are given separated by spaces.
      - A value is one line. Whitespace around it is ignored, a line break or NUL inside it is refused,
        because the drop-in file would read the rest as another line.
      - An empty dictionary is allowed. The file then holds the header only and no live value is
        changed.
    type: dict
    required: true
  path:
    description:
      - The C(sysctl.d) drop-in file that holds O(settings) across reboots. Written with mode
        C(0644); its directory is created when missing.
      - Use one file per purpose. Two tasks giving the same O(path) different O(settings) undo each
        other.
    type: path
    default: /etc/sysctl.d/90-multisite-vpn.conf
  apply:
    description:
      - Also set the live values in C(/proc/sys).
      - With V(false) only the file is managed, and keys are not checked against C(/proc/sys). Use
        this to persist a setting for an interface that does not exist yet; C(systemd-sysctl)
        applies per-interface keys when the interface appears.
    type: bool
    default: true
extends_documentation_fragment:
  - multisite.vpn.attributes
  - multisite.vpn.attributes.platform
attributes:
  check_mode:
    support: full
    details:
      - Checks everything a real run checks, so a live value that could not be written fails in check
        mode too.
  diff_mode:
    support: full
    details:
      - Returns two diffs, the drop-in file and the live values as C(key = value) lines. The second
        is left out when O(apply=false).
  idempotent:
    support: full
  platform:
    platforms: posix
    details:
      - Linux only, it needs C(/proc/sys).
notes:
  - Kernel parameters under C(net.) belong to one network namespace. Parameters under C(kernel.),
    C(vm.) and most others are shared by the whole machine, so in a container they change the
    host and every other container. In a container lab use C(net.) keys only.
  - In a container C(/proc/sys) is mounted read-only unless the container runs with
    C(--security-opt systempaths=unconfined) or is privileged; the module then fails and says so.
  - Writing live values needs root, so tasks using this module normally set C(become).
  - Result keys are given in one canonical form, dotted unless a part holds a dot.
seealso:
  - name: sysctl.d(5)
    description: Format of the drop-in file, and how C(systemd-sysctl) applies it at boot.
    link: https://www.freedesktop.org/software/systemd/man/latest/sysctl.d.html
"""

EXAMPLES = r"""
- name: Forward IPv4 and IPv6 on a hub
  multisite.vpn.sysctl:
    settings:
      net.ipv4.ip_forward: 1
      net.ipv6.conf.all.forwarding: 1
  become: true

- name: Keep accepting router advertisements on a VLAN interface while forwarding
  multisite.vpn.sysctl:
    path: /etc/sysctl.d/91-multisite-vpn-wan.conf
    settings:
      net/ipv6/conf/eth0.100/accept_ra: 2
      net/ipv6/conf/eth0.100/proxy_ndp: 1
      net/ipv6/neigh/eth0.100/proxy_delay: 0
  become: true

- name: Persist a setting for an interface that comes up later, without touching live values
  multisite.vpn.sysctl:
    path: /etc/sysctl.d/92-multisite-vpn-wg.conf
    settings:
      net.ipv6.conf.wg0.accept_ra: 0
    apply: false
  become: true

- name: Multi-value parameters are given separated by spaces
  multisite.vpn.sysctl:
    path: /etc/sysctl.d/93-multisite-vpn-ports.conf
    settings:
      net.ipv4.ip_local_port_range: "32768 60999"
  become: true
"""

RETURN = r"""
file_changed:
  description: Whether the drop-in file was (or in check mode would be) rewritten, for its content or its mode.
  returned: always
  type: bool
  sample: true
live_changed:
  description:
    - Live values that were (or in check mode would be) changed, by key in canonical form.
    - Empty when O(apply=false).
  returned: always
  type: dict
  sample:
    net.ipv4.ip_forward:
      before: "0"
      after: "1"
    net/ipv6/conf/eth0.100/accept_ra:
      before: "1"
      after: "2"
removed_keys:
  description:
    - Keys the previous file set that the new file no longer sets. Their live values are left as they are.
  returned: always
  type: list
  elements: str
  sample:
    - net.ipv6.conf.all.proxy_ndp
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.multisite.vpn.plugins.module_utils import sysctl as kernel_params
from ansible_collections.multisite.vpn.plugins.module_utils.files import FileReadError, read_file


def main():
    module = AnsibleModule(
        argument_spec=dict(
            settings=dict(type="dict", required=True),
            path=dict(type="path", default="/etc/sysctl.d/90-multisite-vpn.conf"),
            apply=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    path = module.params["path"]
    proc_root = kernel_params.PROC_ROOT

    try:
        desired = kernel_params.canonical_settings(module.params["settings"])
        file_bytes, file_mode = read_file(path)
        file_before = "" if file_bytes is None else file_bytes.decode("utf-8", "replace")
        file_after = kernel_params.render_conf(desired)
        file_changed = file_bytes != file_after.encode("utf-8") or file_mode != kernel_params.FILE_MODE
        removed_keys = kernel_params.sort_keys(set(kernel_params.parse_conf(file_before)) - set(desired))

        live = kernel_params.read_live_values(desired, proc_root) if module.params["apply"] else None
        live_changed = kernel_params.live_differences(live, desired) if live is not None else {}
        # Checked in check mode too: a run that would fail is reported as failing.
        kernel_params.check_writable(live_changed, proc_root)

        if not module.check_mode:
            kernel_params.commit(path, file_after if file_changed else None, live_changed, proc_root)
    except (kernel_params.SysctlError, FileReadError) as err:
        module.fail_json(msg=str(err))

    result = dict(
        changed=file_changed or bool(live_changed),
        file_changed=file_changed,
        live_changed=live_changed,
        removed_keys=removed_keys,
    )
    if module._diff:
        result["diff"] = kernel_params.build_diff(path, file_before, file_after, live, desired, proc_root)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
