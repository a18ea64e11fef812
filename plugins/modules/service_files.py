#!/usr/bin/python
# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: service_files
short_description: Files and the systemd units that run them, in one call
description:
  - Installs a program run by systemd (the program, its configuration, its unit files) and keeps its units enabled
    and started, in one task. A run with nothing to do reads the files and asks systemd for each unit's state with
    one C(systemctl show), and does nothing else.
  - With O(state=absent), takes away what it installed instead. Each unit of O(units), in order, is stopped when it
    is active and then disabled when it is enabled (two calls, each only when needed, so that a unit that fails to
    stop stays enabled as it was); then each file of O(files) that exists is removed (directories are left in place);
    then C(systemctl daemon-reload) runs when a removed file was under C(/etc/systemd/system). A unit that systemd
    does not know is nothing to stop. A run with nothing to do (no file there, no unit active or enabled) asks
    systemd for each unit's state with one C(systemctl show), and does nothing else.
  - Each file of O(files) belongs to this module whole. It is replaced when its content or its mode differs, so that a
    crash leaves the old file or the new one, and no reader ever sees a mode wider than the one asked for. Missing
    directories are created with O(files[].directory_mode); existing ones are left as they are.
  - C(systemctl daemon-reload) runs when a file under C(/etc/systemd/system) changed, when systemd says a unit of
    O(units) needs it, or when systemd does not know such a unit yet. Each unit of O(units) is then enabled when it
    is not, started when it is not active, and restarted when it is and a file changed (with O(restart_on_change)),
    or reloaded instead (with O(reload_on_change)).
  - A file with O(files[].validate) is checked by that command before it is written. Every file to be written is
    checked before any is written, so that a configuration the program refuses changes nothing and restarts nothing.
  - Everything is checked before anything is read or written. A relative path, a path with a C(..) component, the
    same path twice, a content that is not a string, a mode that is not an octal string up to C(7777), a validate
    command without exactly one C(%s), a unit name with a C(/) or without a unit suffix, the same unit twice, or
    with O(state=absent) an entry of O(files) with O(files[].content), O(files[].secret_content), O(files[].mode)
    or O(files[].validate) make the module fail with one message that names each option and entry (for example
    C(files[2].mode)), and nothing is changed.
  - The content of a file given as O(files[].secret_content) is never returned, shown in a diff or quoted in a
    message, not even when Ansible's own check of the arguments fails.
author:
  - multisite.vpn developers (@multisite-vpn)
options:
  files:
    description:
      - The files to install, in the order they are written.
      - Each is written with the owner and group the module runs as (root, with C(become)).
      - With O(state=absent), the files to remove, by O(files[].path) alone.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description:
          - Where the file goes, an absolute path without C(..) components. Two entries may not name the same file.
          - A file under C(/etc/systemd/system) (a unit file or a drop-in) makes systemd reload its units when it
            changes, or with O(state=absent) when it is removed.
          - With O(state=absent), a symbolic link there is removed, not what it points to; a directory there makes the
            module fail before anything is changed.
        type: str
        required: true
      content:
        description:
          - The whole text of the file, written as UTF-8 exactly as given (a template rendered with
            C(lookup('ansible.builtin.template', ...)), for example).
          - Shown in a diff. Give exactly one of O(files[].content) and O(files[].secret_content).
          - Not allowed with O(state=absent).
        type: raw
      secret_content:
        description:
          - The whole text of a file that holds secrets (keys, tokens), in place of O(files[].content).
          - Never logged, returned or shown. A diff says only whether the file changes.
          - Not allowed with O(state=absent).
        type: raw
      mode:
        description:
          - The file's permissions, a quoted octal string from V("0000") to V("7777"), such as V("0644").
          - A number is refused, because YAML reads an unquoted V(0644) as the number 420.
          - Defaults to V("0644"), or V("0600") for a file given as O(files[].secret_content).
          - Not allowed with O(state=absent).
        type: raw
      directory_mode:
        description:
          - The permissions of directories created for the file, a quoted octal string like O(files[].mode).
          - Existing directories keep theirs.
          - Not used with O(state=absent), which creates no directory and removes none.
        type: raw
        default: "0755"
      validate:
        description:
          - A command that checks the file before it is written, with C(%s) where the path of the file to check goes,
            as in ansible.builtin.template's C(validate), for example V(bird -p -c %s) or V(haproxy -c -f %s).
          - It runs only when the file is to be written (its content or its mode differs), never on a run with nothing
            to do. The content to be written goes to a temporary file, mode C(0600), in the file's directory when it
            exists (so that the command finds what is next to the file), else in a private temporary directory; the
            temporary file is removed afterwards.
          - The command is split into words as a shell would, but runs without a shell (no pipes, redirections or
            variables) as the user the module runs as. C(%s) must appear exactly once, and not in the first word (the
            program, found in C(PATH), C(/sbin), C(/usr/sbin) or C(/usr/local/sbin), or given by its absolute path).
          - When the command exits with a status other than 0, the module fails with the last 20 lines of its output
            (the temporary file's name replaced by the file's path), and writes no file and asks systemd for nothing.
          - Each file is checked alone, against the other files as they are on the host before this run. A command
            that reads a file written by the same task (an include) sees its old version, or none on a new host.
          - Not allowed with O(files[].secret_content). The command's output could quote the secret.
          - Not allowed with O(state=absent).
        type: str
  units:
    description:
      - The systemd units to keep enabled and active, by name with their suffix (C(.service), C(.timer), C(.socket)
        or C(.path)), for example V(multisite-vpn-wg-reresolve.timer); a template unit only with an instance
        (V(name@instance.service)).
      - With O(state=absent), the units to stop and disable, in order; list a timer or a socket before the service it
        starts. A unit that systemd does not know is left out.
      - With O(state=present), a unit that systemd does not know must be installed by an entry of O(files) under
        C(/etc/systemd/system).
      - Each unit must have an C([Install]) section; a static unit would be enabled on every run. A C(Type=oneshot)
        service is inactive once it has run and would be started on every run; give the timer that runs it.
      - An empty list manages files only.
    type: list
    elements: str
    default: []
  restart_on_change:
    description:
      - Restart every unit of O(units) when any file of O(files) changed, so that it runs the new program or
        configuration.
      - Units that are not active are started either way.
      - Not used with O(reload_on_change=true), which reloads them instead.
      - Not used with O(state=absent), which stops the units whatever it says.
    type: bool
    default: true
  reload_on_change:
    description:
      - Reload (C(systemctl reload)) every active unit of O(units) when any file of O(files) changed, instead of
        restarting it, so that a daemon rereads its configuration without dropping what it holds (BIRD's BGP sessions,
        HAProxy's connections). It takes precedence over O(restart_on_change), whatever that says.
      - Every unit of O(units) must support reloading (a service with C(ExecReload), such as Debian's C(bird.service)
        and C(haproxy.service)); a timer or a service without C(ExecReload) makes C(systemctl reload) fail.
      - Units that are not active are started, not reloaded.
      - A reload does not apply a changed unit file or drop-in (C(ExecStart), C(Environment)); that takes a restart.
      - Not used with O(state=absent), which stops the units whatever it says.
    type: bool
    default: false
  state:
    description:
      - V(present) installs the files and keeps the units enabled and active. V(absent) stops and disables the units
        and removes the files (see the description).
      - With V(absent), O(restart_on_change), O(reload_on_change) and O(files[].directory_mode) are not used, whatever
        they say (they have defaults, so that giving them cannot be told from leaving them out); the options that
        describe a file's content are refused.
    type: str
    choices: [present, absent]
    default: present
  only_if_first_line:
    description:
      - With O(state=absent), act only when the first file of O(files) exists and its first line starts with this
        text, the mark its writer left (V(# Managed by multisite.vpn)); otherwise stop, disable and remove nothing, and
        ask systemd nothing. A service some other tool configured is left alone, and a run after the removal reads one
        line of one file.
      - Only that line is read (4096 bytes at most), and it is never shown.
      - Not allowed with O(state=present).
    type: str
extends_documentation_fragment:
  - multisite.vpn.attributes
  - multisite.vpn.attributes.platform
attributes:
  check_mode:
    support: full
    details:
      - Reads the files and the units' state as a real run does and reports the same changes, files and unit actions,
        but writes nothing and asks systemd for nothing else. With O(state=absent), it reports the units that would
        be stopped and disabled and the files that would be removed, and stops, disables and removes nothing.
      - Runs the O(files[].validate) commands of the files to be written, as a real run does, so that check mode fails
        where a real run would. Each reads a temporary copy of the content, written and removed as in a real run.
  diff_mode:
    support: full
    details:
      - Returns one diff per file that changes, its content before and after (for a file given as
        O(files[].secret_content), only a line saying that it changes), then the units' state before and after when
        systemd is asked to do anything.
      - With O(state=absent), each removed file's diff says only its size before and that it is removed, never its
        content, since the module cannot tell a file that held a secret from one that did not.
  idempotent:
    support: full
  platform:
    platforms: posix
    details:
      - Linux with systemd (C(systemctl)). Without O(units) and without files under C(/etc/systemd/system), any POSIX
        host.
notes:
  - Writing under C(/etc) and C(/usr/local) and asking systemd to start units need root, so tasks using this module
    normally set C(become).
  - A unit that fails to start, restart or reload makes the module fail with what C(systemctl) said and the
    C(journalctl) command that shows the unit's log. The files written up to then stay, and the result says which.
  - With O(state=absent), a unit that fails to stop or to be disabled makes the module fail the same way, before
    any file is removed; the result says what was done.
seealso:
  - name: systemd.unit(5)
    description: Unit names, unit files, drop-ins and the C([Install]) section.
    link: https://www.freedesktop.org/software/systemd/man/latest/systemd.unit.html
  - module: ansible.builtin.systemd_service
    description: Masks units, and manages units whose files this module does not install.
"""

EXAMPLES = r"""
- name: Install a program, its service and its timer; keep the timer running
  multisite.vpn.service_files:
    files:
      - path: /usr/local/lib/multisite-vpn/wg_reresolve.py
        content: "{{ lookup('ansible.builtin.template', 'wg-reresolve.py.j2') }}"
        mode: "0644"
      - path: /etc/systemd/system/multisite-vpn-wg-reresolve.service
        content: "{{ lookup('ansible.builtin.template', 'multisite-vpn-wg-reresolve.service.j2') }}"
      - path: /etc/systemd/system/multisite-vpn-wg-reresolve.timer
        content: "{{ lookup('ansible.builtin.template', 'multisite-vpn-wg-reresolve.timer.j2') }}"
    units:
      - multisite-vpn-wg-reresolve.timer
  become: true

- name: A configuration with a token in it, readable by root only, never shown
  multisite.vpn.service_files:
    files:
      - path: /usr/local/sbin/multisite-vpn-dns-publish
        content: "{{ lookup('ansible.builtin.template', 'dns-publish.py.j2') }}"
        mode: "0755"
      - path: /etc/multisite-vpn/dns-publish.json
        secret_content: "{{ {'api_token': vault_api_token} | to_nice_json }}\n"
        mode: "0600"
      - path: /etc/systemd/system/multisite-vpn-dns-publish.service
        content: "{{ lookup('ansible.builtin.template', 'multisite-vpn-dns-publish.service.j2') }}"
      - path: /etc/systemd/system/multisite-vpn-dns-publish.timer
        content: "{{ lookup('ansible.builtin.template', 'multisite-vpn-dns-publish.timer.j2') }}"
    units: [multisite-vpn-dns-publish.timer]
  become: true

- name: A drop-in that changes a service's environment, without restarting it now
  multisite.vpn.service_files:
    files:
      - path: /etc/systemd/system/example.service.d/50-proxy.conf
        content: |
          [Service]
          Environment=HTTPS_PROXY=http://proxy.example.net:3128
    units: [example.service]
    restart_on_change: false
  become: true

- name: BIRD's configuration, checked by bird before it is written, then reloaded without dropping BGP sessions
  multisite.vpn.service_files:
    files:
      - path: /etc/bird/bird.conf
        content: "{{ lookup('ansible.builtin.template', 'bird.conf.j2') }}"
        mode: "0644"
        validate: bird -p -c %s
    units: [bird.service]
    reload_on_change: true
  become: true

- name: Take the re-resolver away again, its timer stopped and disabled, then its files removed
  multisite.vpn.service_files:
    state: absent
    files:
      - path: /usr/local/lib/multisite-vpn/wg_reresolve.py
      - path: /etc/systemd/system/multisite-vpn-wg-reresolve.service
      - path: /etc/systemd/system/multisite-vpn-wg-reresolve.timer
    units:
      - multisite-vpn-wg-reresolve.timer
      - multisite-vpn-wg-reresolve.service
  become: true

- name: Take BIRD away, only when its configuration is this collection's (a BIRD of another tool stays)
  multisite.vpn.service_files:
    state: absent
    only_if_first_line: "# Managed by multisite.vpn"
    files:
      - path: /etc/bird/bird.conf
    units: [bird.service]
  become: true
"""

RETURN = r"""
files_changed:
  description:
    - The paths of the files that were (or in check mode would be) written, for their content or their mode.
    - With O(state=absent), the paths of the files that were (or in check mode would be) removed.
  returned: always
  type: list
  elements: str
  sample:
    - /etc/systemd/system/multisite-vpn-wg-reresolve.timer
daemon_reload:
  description: Whether C(systemctl daemon-reload) ran (or in check mode would run), with O(state=absent) too.
  returned: always
  type: bool
  sample: true
unit_actions:
  description:
    - For each unit of O(units), what was (or in check mode would be) asked of systemd, in order, among V(enable),
      V(start), V(restart) and V(reload), or with O(state=absent) V(stop) and V(disable); an empty list when nothing.
    - When the module fails, only what was done.
  returned: always
  type: dict
  sample:
    multisite-vpn-wg-reresolve.timer:
      - enable
      - restart
marked:
  description:
    - False when O(only_if_first_line) was given and the first file's first line does not start with it (or the file
      is not there); nothing was then done. True otherwise.
  returned: always
  type: bool
  sample: true
validated:
  description:
    - The paths of the files whose O(files[].validate) command accepted the content to be written, in check mode
      too; an empty list when no file with a validate command is to be written, and always with O(state=absent).
    - When the module fails, those checked before the failure.
  returned: always
  type: list
  elements: str
  sample:
    - /etc/bird/bird.conf
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.multisite.vpn.plugins.module_utils import systemd_unit
from ansible_collections.multisite.vpn.plugins.module_utils.files import FileReadError, FileWriteError
from ansible_collections.multisite.vpn.plugins.module_utils.service_files import (
    FILE_OPTIONS,
    STATES,
    ServiceFilesError,
    apply,
    build_diff,
    check_units_known,
    first_line_marked,
    needs_systemctl,
    plan,
    read_files,
    run_validate_commands,
    validate,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            files=dict(type="list", elements="dict", default=[], options=FILE_OPTIONS),
            units=dict(type="list", elements="str", default=[]),
            restart_on_change=dict(type="bool", default=True),
            reload_on_change=dict(type="bool", default=False),
            state=dict(type="str", choices=list(STATES), default="present"),
            only_if_first_line=dict(type="str"),
        ),
        supports_check_mode=True,
    )
    state = module.params["state"]
    done = dict(files_changed=[], daemon_reload=False, unit_actions={}, validated=[])

    try:
        wanted, units = validate(module.params["files"], module.params["units"], state, module.params["only_if_first_line"])
        if module.params["only_if_first_line"] is not None and not first_line_marked(wanted[0]["path"], module.params["only_if_first_line"]):
            module.exit_json(changed=False, marked=False, **done)
        systemctl = systemd_unit.systemctl_path(module) if needs_systemctl(wanted, units) else None
        owned = read_files(wanted, state)
        states = {unit: systemd_unit.read_unit_state(module, systemctl, unit) for unit in units}
        if state == "present":
            check_units_known(units, states, owned)
        daemon_reload, actions = plan(owned, units, states, module.params["restart_on_change"], module.params["reload_on_change"], state)
        run_validate_commands(module, wanted, owned, done)
        if not module.check_mode:
            apply(module, systemctl, owned, daemon_reload, actions, done, state)
    except (ServiceFilesError, systemd_unit.SystemdError, FileReadError, FileWriteError) as err:
        changed = bool(done["files_changed"] or done["daemon_reload"] or done["unit_actions"])
        module.fail_json(msg=str(err), changed=changed, **done)

    files_changed = [owned_file.path for owned_file in owned if owned_file.changed]
    result = dict(
        changed=bool(files_changed) or daemon_reload or any(actions.values()),
        marked=True,
        files_changed=files_changed,
        daemon_reload=daemon_reload,
        unit_actions=actions,
        validated=done["validated"],
    )
    if module._diff:
        result["diff"] = build_diff(owned, units, states, daemon_reload, actions, state)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
