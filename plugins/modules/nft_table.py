#!/usr/bin/python
# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: nft_table
short_description: One nftables table of a host, its file, the unit that loads it at boot, and the live table
description:
  - Owns one nftables table of the C(inet) family, O(name), in three places, in one call. The script O(content)
    goes into the file O(path); the oneshot systemd unit O(unit), which this module writes itself, loads that
    file at every boot; and the live table is loaded by restarting that unit.
  - The table is (re)loaded when the file or the unit file changed, when the live table is missing (flushed by
    hand, never loaded), when the unit is not enabled, and when it is enabled but not active (its last load
    failed, or it was stopped). Otherwise nothing is changed, and the only commands run are two reads,
    C(nft list table inet NAME) and one C(systemctl show).
  - Loading is C(systemctl daemon-reload) when the unit file changed (or systemd has not read it yet), then
    C(systemctl restart) of the unit, then C(systemctl enable) when it is not enabled. The unit runs
    C(nft -f PATH), one nft transaction, so a script that begins with C(table inet NAME) and
    C(delete table inet NAME) replaces this table alone; other tools' tables (iptables-nft, docker) stay, and
    so do established sessions when the script accepts C(ct state established).
  - The script is checked with C(nft -c -f) (nothing is loaded) before anything is written, whenever the
    file would change, in check mode too. When nft refuses it the module fails with nft's message, its
    line numbers pointing into O(path), and nothing is written.
  - With O(check_ssh_client=true) and a non-empty O(ssh_sources), the module finds the address the SSH
    session of this run comes from and fails, before writing anything, when that address is not in
    O(ssh_sources). The established session would survive the new table, but the next SSH connection
    would be dropped.
  - Every option is checked before anything is read on the host. A bad table name, an empty script or one
    that does not define C(table inet NAME), a relative O(path), a unit name that is not a C(.service)
    name, or an entry of O(ssh_sources) that is not an address or a prefix fails with one message naming
    each option, and nothing is changed.
author:
  - multisite.vpn developers (@multisite-vpn)
options:
  name:
    description:
      - The table, in the C(inet) family, for example V(multisite_vpn_hub).
      - Letters, digits and C(_), starting with a letter or C(_), at most 255 characters.
    type: str
    required: true
  content:
    description:
      - The whole nft script, as C(nft -f) reads it. It must have a line C(table inet NAME) naming O(name),
        the table whose presence the module reads back.
      - Start it with C(table inet NAME) and C(delete table inet NAME) (the first line makes sure the table
        exists, so that the second never fails), then define the table; loading then replaces this table
        only.
      - Written to O(path) as given, byte for byte; render it on the controller, for example with
        C(lookup('ansible.builtin.template', 'table.nft.j2')).
    type: str
    required: true
  path:
    description:
      - The file that holds O(content), mode C(0644), owned by the user the module runs as; its directory is
        created (mode C(0755)) when missing.
      - An absolute path of letters, digits and C(/ . _ - + @ :) only, without C(.) or C(..) components,
        because it is written unquoted into the unit's C(ExecStart=) line.
    type: path
    required: true
  unit:
    description:
      - The name of the unit that loads O(path) at boot, written by this module to
        C(/etc/systemd/system/UNIT) with mode C(0644). A oneshot that remains active after it ran, ordered
        before C(network-pre.target) and C(wg-quick.target), wanted by C(multi-user.target).
      - A name ending in C(.service), of letters, digits, dots, underscores, colons and dashes, without C(/) or C(@).
    type: str
    required: true
  description:
    description:
      - The start of the unit's C(Description=), which goes on with C((nftables table inet NAME)).
      - One line, without C(%) (systemd would expand it).
    type: str
    default: multisite.vpn firewall
  ssh_sources:
    description:
      - The IPv4 and IPv6 addresses and prefixes SSH is accepted from by O(content), in any mix, checked with
        O(check_ssh_client). The module does not read O(content) for them; give the same list the script
        was rendered from.
      - A prefix with host bits set (V(192.168.31.5/24)) is refused, as nft would take it differently from
        what was meant; give the prefix (V(192.168.31.0/24)) or the address (V(192.168.31.5)).
      - Empty means SSH from anywhere, and O(check_ssh_client) has nothing to check.
    type: list
    elements: str
    default: []
  check_ssh_client:
    description:
      - Find the address this run's SSH session comes from and fail, before anything is written, when it is
        not in a non-empty O(ssh_sources).
      - C(sudo) drops C(SSH_CONNECTION) from the module's environment, so the module reads it from the
        nearest process above its own that has it (C(sudo) itself, or the shell C(sshd) started), walking
        up through C(/proc/PID/status) and C(/proc/PID/environ). When no such process is found the module
        fails too, since it cannot tell.
      - Set it when the play reaches the host over SSH (connection C(ssh) or C(paramiko)); over another
        connection (C(community.docker.docker), C(local)) there is no SSH path to keep.
    type: bool
    default: false
  ssh_sources_name:
    description:
      - How the message of a failed O(check_ssh_client) names O(ssh_sources), so that it says what to edit.
        A role that passes its own variable gives that variable's name.
    type: str
    default: ssh_sources
extends_documentation_fragment:
  - multisite.vpn.attributes
  - multisite.vpn.attributes.platform
attributes:
  check_mode:
    support: full
    details:
      - Reads the live table, the unit's state and both files, checks the SSH client and runs C(nft -c) on a
        changed script as a real run does, and reports the same change, but writes nothing and runs no
        C(systemctl) besides the read.
  diff_mode:
    support: full
    details:
      - Returns the file's content before and after, the unit file's, and, when the table is (or would be)
        loaded, an entry saying what the live table and the unit were and why they are loaded again.
  idempotent:
    support: full
  platform:
    platforms: posix
    details:
      - Linux with nftables (the C(nft) command) and systemd.
notes:
  - Writing the files and loading the table need root, so tasks using this module normally set C(become).
  - The unit's C(ExecStart=) names C(nft) where the module finds it on the host (normally C(/usr/sbin/nft)).
seealso:
  - name: nft(8)
    description: The script format, C(nft -c) and C(nft -f).
    link: https://www.netfilter.org/projects/nftables/manpage.html
  - name: systemd.service(5)
    description: Oneshot units that remain active after they ran.
    link: https://www.freedesktop.org/software/systemd/man/latest/systemd.service.html
"""

EXAMPLES = r"""
- name: The hub's firewall, rendered on the controller, refused if it would lock out this play's SSH session
  multisite.vpn.nft_table:
    name: multisite_vpn_hub
    content: "{{ lookup('ansible.builtin.template', 'host_firewall.nft.j2') }}"
    path: /etc/multisite-vpn/hub.nft
    unit: multisite-vpn-hub-firewall.service
    description: multisite.vpn hub firewall
    ssh_sources: [192.168.31.0/24, "2001:db8:100::/48"]
    check_ssh_client: "{{ ansible_connection | default('ssh') in ['ssh', 'paramiko'] }}"
  become: true

- name: A small table of its own
  multisite.vpn.nft_table:
    name: lab_counters
    content: |
      table inet lab_counters
      delete table inet lab_counters
      table inet lab_counters {
        chain input {
          type filter hook input priority filter + 10; policy accept;
          udp dport 51820 counter
        }
      }
    path: /etc/multisite-vpn/lab_counters.nft
    unit: lab-counters.service
  become: true
"""

RETURN = r"""
loaded:
  description: Whether the table was (or in check mode would be) loaded by restarting the unit.
  returned: always
  type: bool
  sample: true
load_reasons:
  description: Why it was (or would be) loaded; empty when it was not.
  returned: always
  type: list
  elements: str
  sample:
    - the live table is missing
file_changed:
  description: Whether O(path) was (or would be) written, for its content or its mode.
  returned: always
  type: bool
  sample: false
unit_changed:
  description: Whether the unit file was (or would be) written, for its content or its mode.
  returned: always
  type: bool
  sample: false
ssh_client:
  description:
    - The address the SSH session of this run comes from, or V(null) when no process above the module has
      C(SSH_CONNECTION) (for example under C(docker exec)). Looked for whether or not O(check_ssh_client) is set.
  returned: always
  type: str
  sample: 198.51.100.7
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.multisite.vpn.plugins.module_utils import nft_table
from ansible_collections.multisite.vpn.plugins.module_utils import systemd_unit
from ansible_collections.multisite.vpn.plugins.module_utils.files import FileReadError, FileWriteError, OwnedFile


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            content=dict(type="str", required=True),
            path=dict(type="path", required=True),
            unit=dict(type="str", required=True),
            description=dict(type="str", default="multisite.vpn firewall"),
            ssh_sources=dict(type="list", elements="str", default=[]),
            check_ssh_client=dict(type="bool", default=False),
            ssh_sources_name=dict(type="str", default="ssh_sources"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    name, path, unit = params["name"], params["path"], params["unit"]

    try:
        networks = nft_table.check_arguments(params)
        nft = module.get_bin_path("nft")
        if nft is None:
            raise nft_table.NftTableError("nft not found: install nftables on this host (the package nftables)")
        systemctl = systemd_unit.systemctl_path(module)

        ssh_client = nft_table.ssh_client_address(nft_table.PROC_ROOT, os.getpid())
        if params["check_ssh_client"] and networks:
            problem = nft_table.ssh_client_problem(ssh_client, networks, name, params["ssh_sources_name"])
            if problem:
                raise nft_table.NftTableError(problem)

        table_file = OwnedFile(path, params["content"], nft_table.FILE_MODE, nft_table.DIRECTORY_MODE)
        unit_file = OwnedFile(
            os.path.join(systemd_unit.UNIT_DIRECTORY, unit),
            nft_table.render_unit(params["description"], name, nft, path),
            nft_table.UNIT_MODE,
        )
        table_loaded = nft_table.table_is_loaded(module, nft, name)
        state = systemd_unit.read_unit_state(module, systemctl, unit)
        if table_file.changed:
            nft_table.check_script(module, nft, params["content"], path)
        reasons = nft_table.load_reasons(table_file.changed, unit_file.changed, table_loaded, state)

        if not module.check_mode:
            table_file.write()
            unit_file.write()
            if reasons:
                if systemd_unit.daemon_reload_needed(unit_file.changed, [state]):
                    systemd_unit.systemctl(module, systemctl, "daemon-reload")
                systemd_unit.systemctl(module, systemctl, "restart", unit)
                if not state.enabled:
                    systemd_unit.systemctl(module, systemctl, "enable", unit)
    except (nft_table.NftTableError, systemd_unit.SystemdError, FileReadError, FileWriteError) as err:
        module.fail_json(msg=str(err))

    result = dict(
        changed=bool(reasons),
        loaded=bool(reasons),
        load_reasons=reasons,
        file_changed=table_file.changed,
        unit_changed=unit_file.changed,
        ssh_client=ssh_client,
    )
    if module._diff:
        result["diff"] = [table_file.diff(), unit_file.diff()]
        if reasons:
            result["diff"].append(nft_table.live_diff(name, unit, path, table_loaded, state, reasons))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
