#!/usr/bin/python
# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ndp_proxy
short_description: All the NDP proxy entries of one interface, live and across reboots, in one call
description:
  - A cloud hub whose provider gives it an on-link /64 on its WAN interface hands addresses of that /64 to spokes
    through WireGuard tunnels. The provider's router finds those addresses with IPv6 neighbour solicitations on the
    WAN, and the hub must answer them. This module owns the whole set of answers of one interface, O(interface), in
    one call, so that hundreds of addresses are one task and, live, one C(ip -batch) process.
  - With O(mode=kernel) the kernel answers, from its proxy table (C(ip -6 neigh add proxy ADDRESS dev IF)). The
    module reads the live entries with one C(ip -6 neigh show proxy dev IF), then adds the missing ones and (with
    O(exclusive=true)) removes the others in one C(ip -6 -batch -). It sets C(net.ipv6.conf.IF.proxy_ndp) to 1 and
    C(net.ipv6.neigh.IF.proxy_delay) to O(proxy_delay). At boot a oneshot unit the module writes,
    C(multisite-vpn-ndp-proxy-IF.service), sets the same kernel parameters and adds the entries listed in
    C(/etc/multisite-vpn/ndp-proxy-IF.ip). The unit is not restarted when only the entries changed, as the module
    has already set them live.
  - With O(mode=ndppd) the daemon ndppd answers, for whole prefixes. The module writes its configuration,
    C(/etc/multisite-vpn/ndppd-IF.conf) (one C(static) rule per prefix, C(router no)), and its unit,
    C(multisite-vpn-ndppd-IF.service), which it keeps enabled and running and restarts when either file changed.
    Debian's own C(ndppd.service) is left alone; the module warns when it is active with a C(/etc/ndppd.conf)
    that has a C(proxy IF) section too, as two daemons would answer on the same link.
  - In both modes, when the interface forwards (C(net.ipv6.conf.IF.forwarding) is 1) and its C(accept_ra) is 1, the
    module sets C(accept_ra) to 2, first, before anything else. With forwarding on, 1 ignores router advertisements
    and the host loses its IPv6 default route when the route learned before expires; 2 takes them. A C(accept_ra)
    of 0 is left as it is (router advertisements turned off on purpose). The unit sets it at boot too.
  - A run with nothing to do reads the kernel parameters from C(/proc/sys), the live entries (mode kernel) or the
    configuration (mode ndppd), both files and the unit's state (one C(systemctl show)), and runs nothing else.
  - Every option is checked before anything is read on the host, and O(interface) must then exist
    (C(/sys/class/net/IF)). A bad entry, a bad interface name, an empty O(entries) with O(exclusive=true), or a
    O(proxy_delay) out of range fail with one message naming each option and entry, and nothing is changed.
author:
  - multisite.vpn developers (@multisite-vpn)
options:
  interface:
    description:
      - The interface the neighbour solicitations arrive on, normally the WAN interface, for example V(eth0) or
        V(enp1s0).
      - It must exist on the host. At most 15 characters, of letters, digits and C(_ . -), since the name goes
        into the files' and the unit's names.
    type: str
    required: true
  mode:
    description:
      - V(kernel) has the kernel answer for each address of O(entries) (single addresses only).
      - V(ndppd) has ndppd answer for whole prefixes; the Debian package ndppd must be installed.
      - Switching mode is not handled by the module. The other mode's unit and files stay, and its answers with
        them. Before switching from V(kernel), run it once with an empty O(entries) and O(allow_empty=true), then
        stop and disable C(multisite-vpn-ndp-proxy-IF.service); from V(ndppd), stop and disable
        C(multisite-vpn-ndppd-IF.service). Remove their files with other tasks.
    type: str
    choices: [kernel, ndppd]
    default: kernel
  entries:
    description:
      - What the host answers for on O(interface). With O(mode=kernel), IPv6 addresses (V(2001:db8:0:5::10), or
        V(2001:db8:0:5::10/128), which is the same); the kernel refuses prefixes. With O(mode=ndppd), IPv6
        prefixes (V(2001:db8:0:5:1::/80)); a bare address is its /128.
      - Compared in canonical form, so V(2001:DB8:0:5:0:0:0:10) is V(2001:db8:0:5::10). The same address or prefix
        given twice, in any spelling, is refused.
      - Refused, all in one message that names each entry (C(entries[3])) and its value, with nothing changed - what
        is not an IPv6 address (or prefix), IPv4, a prefix with host bits set (the message says which prefix was
        probably meant), a prefix in mode kernel, a zone (C(%eth0)), link-local, multicast, the unspecified and the
        loopback address.
      - A comma-separated string is split into a list by Ansible, as for any list option; spaces around an entry are
        ignored.
    type: list
    elements: str
    default: []
  exclusive:
    description:
      - Also remove the entries of O(interface) that O(entries) does not list (live in mode kernel, from the
        configuration in mode ndppd).
      - With V(false) they are kept, and kept in the boot file too, which lists the given entries and the live
        ones kept.
    type: bool
    default: true
  allow_empty:
    description:
      - Allow O(exclusive=true) with an empty O(entries), which removes every entry of O(interface). Refused
        without it, because an empty list almost always comes from an empty inventory group.
    type: bool
    default: false
  proxy_delay:
    description:
      - Mode kernel only. The longest random delay before the kernel answers a neighbour solicitation sent to a
        multicast address for a proxied address, C(net.ipv6.neigh.IF.proxy_delay), in hundredths of a second (the
        kernel's USER_HZ ticks), from 0 to 10000.
      - V(0) answers at once. The kernel default V(80) delays each answer by up to 0.8 s, as RFC 4861 asks of
        proxies. The asking router retries every second, three times.
    type: int
    default: 0
extends_documentation_fragment:
  - multisite.vpn.attributes
  - multisite.vpn.attributes.platform
attributes:
  check_mode:
    support: full
    details:
      - Reads the kernel parameters, the live entries or ndppd's configuration, both files and the unit's state as
        a real run does and reports the same changes, but sets, writes and starts nothing.
  diff_mode:
    support: full
    details:
      - The entries as sorted lines before and after, the kernel parameters it sets, the boot file (or ndppd's
        configuration), the unit file and, when systemd is asked to do anything, the unit's state.
  idempotent:
    support: full
  platform:
    platforms: posix
    details:
      - Linux with IPv6, systemd, C(ip) (iproute2) and C(sysctl) (procps); for O(mode=ndppd), the Debian package
        ndppd.
notes:
  - Setting kernel parameters, writing under C(/etc) and asking systemd to start units need root, so tasks using
    this module normally set C(become).
  - The kernel answers for proxy entries only on an interface that forwards (C(net.ipv6.conf.IF.forwarding) 1);
    ndppd answers anyway, but what it draws is then dropped. The module warns in both modes when the interface does
    not forward. Turn forwarding on with M(multisite.vpn.sysctl).
  - Setting the link down (C(ip link set IF down), a restart of its network configuration) flushes all the proxy
    entries of that link. C(systemctl restart multisite-vpn-ndp-proxy-IF.service) or the next run of the module
    adds them again.
  - When C(ip -6 -batch) fails part way, the module reads the entries back and its message says which were and were
    not added or removed; the boot file is not written then.
  - The entries the module returns are addresses in mode kernel (V(2001:db8::5)) and prefixes in mode ndppd
    (V(2001:db8::5/128)).
seealso:
  - name: ip-neighbour(8)
    description: Proxy entries of the kernel (C(ip neigh add proxy)).
    link: https://man7.org/linux/man-pages/man8/ip-neighbour.8.html
  - name: ndppd.conf(5)
    description: ndppd's configuration, its proxy sections and rules.
    link: https://manpages.debian.org/ndppd.conf
  - module: multisite.vpn.sysctl
    description: Forwarding and the other kernel parameters of a hub.
"""

EXAMPLES = r"""
- name: The spokes' addresses of the hub's on-link /64, answered for by the kernel on the WAN
  multisite.vpn.ndp_proxy:
    interface: enp1s0
    entries: "{{ groups['spokes'] | map('extract', hostvars, 'public_ipv6') | list }}"
  become: true

- name: Two prefixes of the /64 carved for home LANs, answered for by ndppd
  multisite.vpn.ndp_proxy:
    interface: enp1s0
    mode: ndppd
    entries:
      - 2001:db8:0:5:1::/80
      - 2001:db8:0:5:2::/80
  become: true

- name: Add one address and keep the entries other tasks added
  multisite.vpn.ndp_proxy:
    interface: eth0
    entries: [2001:db8:0:5::10]
    exclusive: false
  become: true

- name: Remove every entry of the interface
  multisite.vpn.ndp_proxy:
    interface: eth0
    entries: []
    allow_empty: true
  become: true
"""

RETURN = r"""
interface:
  description: The interface, as given.
  returned: always
  type: str
  sample: enp1s0
mode:
  description: The mode, as given.
  returned: always
  type: str
  sample: kernel
entries:
  description:
    - What the interface answers for after the run (or in check mode would), sorted. Live entries (addresses) in
      mode kernel, the configuration's rules (prefixes) in mode ndppd.
  returned: always
  type: list
  elements: str
  sample:
    - 2001:db8:0:5::10
    - 2001:db8:0:5::11
added:
  description: The entries that were (or in check mode would be) added, sorted.
  returned: always
  type: list
  elements: str
  sample:
    - 2001:db8:0:5::11
removed:
  description: The entries that were (or in check mode would be) removed, sorted.
  returned: always
  type: list
  elements: str
  sample: []
sysctl:
  description: The kernel parameters that were (or in check mode would be) set, each with its value before and after.
  returned: always
  type: dict
  sample:
    net.ipv6.conf.enp1s0.proxy_ndp:
      before: "0"
      after: "1"
unit:
  description: The unit that keeps the entries across a reboot.
  returned: always
  type: str
  sample: multisite-vpn-ndp-proxy-enp1s0.service
unit_actions:
  description:
    - What was (or in check mode would be) asked of systemd, in order, among V(daemon-reload), V(enable), V(start)
      and V(restart); an empty list when nothing.
  returned: always
  type: list
  elements: str
  sample:
    - daemon-reload
    - enable
    - start
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.multisite.vpn.plugins.module_utils import ndp_proxy
from ansible_collections.multisite.vpn.plugins.module_utils import sysctl as kernel_params
from ansible_collections.multisite.vpn.plugins.module_utils import systemd_unit
from ansible_collections.multisite.vpn.plugins.module_utils.files import FileReadError, FileWriteError, OwnedFile, read_file


def find_tool(module, name: str, package: str) -> str:
    path = module.get_bin_path(name)
    if path is None:
        raise ndp_proxy.NdpProxyError("%s not found: install the Debian package %s" % (name, package))
    return path


def main():
    module = AnsibleModule(
        argument_spec=dict(
            interface=dict(type="str", required=True),
            mode=dict(type="str", choices=list(ndp_proxy.MODES), default="kernel"),
            entries=dict(type="list", elements="str", default=[]),
            exclusive=dict(type="bool", default=True),
            allow_empty=dict(type="bool", default=False),
            proxy_delay=dict(type="int", default=0),
        ),
        supports_check_mode=True,
    )
    params = module.params
    interface, mode = params["interface"], params["mode"]
    done = dict(sysctl={}, added=[], removed=[], unit_actions=[])
    written = []

    try:
        wanted = ndp_proxy.check_arguments(params)
        problem = ndp_proxy.interface_problem(interface)
        if problem:
            raise ndp_proxy.NdpProxyError(problem)
        systemctl = systemd_unit.systemctl_path(module)
        ip = find_tool(module, "ip", "iproute2") if mode == "kernel" else None
        ndppd = find_tool(module, "ndppd", "ndppd") if mode == "ndppd" else None

        keys = ndp_proxy.sysctl_keys(interface, mode)
        live = kernel_params.read_live_values(keys.values(), kernel_params.PROC_ROOT)
        desired = ndp_proxy.desired_sysctls(keys, mode, live, params["proxy_delay"])
        changes = kernel_params.live_differences(live, desired)
        sysctl = find_tool(module, "sysctl", "procps") if desired else None

        if live[keys["forwarding"]] == "0":
            # ndppd answers without forwarding; the packets it draws here are then dropped.
            why = ("the kernel answers for proxy entries only on an interface that forwards" if mode == "kernel"
                   else "ndppd answers, but the packets it draws here are dropped")
            module.warn("%s does not forward (%s is 0): %s; turn forwarding on (multisite.vpn.sysctl)" % (interface, keys["forwarding"], why))
        if mode == "kernel":
            before = ndp_proxy.read_live_entries(module, ip, interface)
            after, added, removed = ndp_proxy.plan_entries(wanted, before, params["exclusive"])
            unit = ndp_proxy.kernel_unit_name(interface)
            path = ndp_proxy.batch_path(interface)
            config = OwnedFile(path, ndp_proxy.render_batch_file(interface, after), ndp_proxy.FILE_MODE, ndp_proxy.DIRECTORY_MODE)
            unit_text = ndp_proxy.render_kernel_unit(interface, desired, sysctl, ip, path)
        else:
            unit = ndp_proxy.ndppd_unit_name(interface)
            path = ndp_proxy.ndppd_conf_path(interface)
            current = read_file(path)
            before = ndp_proxy.parse_ndppd_rules(current[0])
            after, added, removed = ndp_proxy.plan_entries(wanted, before, params["exclusive"])
            config = OwnedFile(path, ndp_proxy.render_ndppd_conf(interface, after), ndp_proxy.FILE_MODE, ndp_proxy.DIRECTORY_MODE,
                               current=current)
            unit_text = ndp_proxy.render_ndppd_unit(interface, ndppd, path, desired, sysctl)
        unit_file = OwnedFile(os.path.join(systemd_unit.UNIT_DIRECTORY, unit), unit_text, ndp_proxy.UNIT_MODE, ndp_proxy.DIRECTORY_MODE)
        state = systemd_unit.read_unit_state(module, systemctl, unit)
        if mode == "ndppd" and ndp_proxy.debian_ndppd_conf_names(interface):
            if systemd_unit.read_unit_state(module, systemctl, ndp_proxy.DEBIAN_NDPPD_UNIT).active:
                module.warn("%s is active and %s has a proxy %s section: two daemons may answer on the same link; stop and"
                            " disable %s, or take %s out of its configuration"
                            % (ndp_proxy.DEBIAN_NDPPD_UNIT, ndp_proxy.DEBIAN_NDPPD_CONF, interface, ndp_proxy.DEBIAN_NDPPD_UNIT, interface))

        # ndppd reads its configuration when it starts; the kernel's entries are set live by this module.
        restart = mode == "ndppd" and (config.changed or unit_file.changed)
        actions = systemd_unit.start_actions(state.enabled, state.active, restart)
        if systemd_unit.daemon_reload_needed(unit_file.changed, [state]):
            actions.insert(0, "daemon-reload")

        if not module.check_mode:
            kernel_params.apply_live(changes, kernel_params.PROC_ROOT)
            done["sysctl"] = changes
            if mode == "kernel":
                try:
                    ndp_proxy.apply_batch(module, ip, interface, added, removed)
                except ndp_proxy.BatchError as err:
                    done.update(added=err.added, removed=err.removed)
                    raise
                done.update(added=added, removed=removed)
            for owned in (config, unit_file):
                if owned.changed:
                    owned.write()
                    written.append(owned.path)
            for action in actions:
                systemd_unit.systemctl(module, systemctl, *([action] if action == "daemon-reload" else [action, unit]))
                done["unit_actions"].append(action)
    except (ndp_proxy.NdpProxyError, kernel_params.SysctlError, systemd_unit.SystemdError, FileReadError, FileWriteError) as err:
        changed = bool(done["sysctl"] or done["added"] or done["removed"] or written or done["unit_actions"])
        module.fail_json(msg=str(err), changed=changed, interface=interface, mode=mode, **done)

    result = dict(
        changed=bool(changes or added or removed or config.changed or unit_file.changed or actions),
        interface=interface,
        mode=mode,
        entries=after,
        added=added,
        removed=removed,
        sysctl=changes,
        unit=unit,
        unit_actions=actions,
    )
    if module._diff:
        result["diff"] = [ndp_proxy.entries_diff(interface, before, after)]
        if desired:
            result["diff"].append(ndp_proxy.sysctl_diff(interface, live, desired))
        result["diff"] += [config.diff(), unit_file.diff()]
        if actions:
            result["diff"].append(ndp_proxy.unit_diff(unit, state, "daemon-reload" in actions, actions))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
