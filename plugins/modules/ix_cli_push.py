#!/usr/bin/python
# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ix_cli_push
short_description: Make an NEC IX router's running configuration hold an intended configuration, over SSH or telnet
description:
  - Runs on the controller (an action plugin; the router has no Python) and logs in to the router with
    netmiko, over SSH (C(nec_ix)) or telnet (C(nec_ix_telnet)).
  - Reads C(show running-config), computes the fewest commands that make it hold O(config), sends them
    one by one, reads the running configuration again to prove the result, and saves with
    C(write memory) as O(save_when) says.
  - O(config) is read as global lines and blocks (a line that enters a sub-mode, followed by indented
    lines). Global lines the router has and O(config) does not mention are left alone. A block that
    O(authoritative_blocks) matches lists all of its lines, so lines it does not list are removed with
    C(no). Access-list entries of a list O(config) declares are rewritten whole when their order differs,
    because the router evaluates them in order.
  - Stops before sending anything when the host's running configuration does not begin with the NEC
    header (a router of another vendor can answer with a similar prompt).
  - Enters configuration mode with C(configure). When another session holds it, fails without sending
    anything, unless O(takeover) (then C(svintr-config) takes it over).
  - Refuses, before sending anything, commands that change the address, filters or state of the
    interface this session arrives through, the access-lists filtering it, the login service in use, or
    the login user, unless O(allow_management_change).
  - After pushing and before saving, logs in again in a fresh session. When that fails, the pushed
    change is undone on the session still open, nothing is saved, and the task fails.
  - Writes a backup of the running configuration to O(backup_dir), mode C(0600), before any change.
  - The router shows passwords and keys hashed, so a line that carries one is compared by everything but
    the secret and sent only when it is missing, or always with O(update_secrets). Secrets never appear in
    the result, the diff or a message.
author:
  - multisite.vpn developers (@multisite-vpn)
options:
  config:
    description:
      - The intended configuration, in the layout of C(show running-config); C(!) lines are ignored and
        indentation marks a block's lines. A block may appear more than once (fragments); later lines
        replace earlier ones they negate.
    type: str
    required: true
  transport:
    description: How to reach the router. Defaults to the host variable C(ix_transport), else V(ssh).
    type: str
    choices: [ssh, telnet]
  host:
    description: The router's address or name. Defaults to C(ansible_host), else the inventory name.
    type: str
  port:
    description: Defaults to C(ansible_port), else 22 for SSH and 23 for telnet.
    type: int
  username:
    description: Defaults to C(ansible_user).
    type: str
  password:
    description: Defaults to C(ansible_password). Never logged.
    type: str
  save_when:
    description: When to run C(write memory).
    type: str
    choices: [changed, always, never]
    default: changed
  update_secrets:
    description: Send every line that carries a secret, even when the router has it (its hash cannot be compared).
    type: bool
    default: false
  takeover:
    description: Take configuration mode over with C(svintr-config) when another session holds it.
    type: bool
    default: false
  allow_management_change:
    description: Send changes that could cut the session they are sent over.
    type: bool
    default: false
  authoritative_blocks:
    description: Regular expressions; a block whose first line matches one lists all of its lines.
    type: list
    elements: str
    default: [".*"]
  backup_dir:
    description:
      - Where the backup of the running configuration is written on the controller, as
        C(<inventory name>-<YYYYmmdd-HHMMSS>.cfg); a backup is never overwritten.
    type: path
    default: ~/.local/state/multisite-vpn/ix-backups
  timeout:
    description: Seconds to wait for the router at login and for each command.
    type: int
    default: 30
requirements:
  - netmiko with paramiko 4 on the controller (C(netmiko[par4])); the IX offers only an C(ssh-rsa) host key,
    which paramiko 5 cannot use.
extends_documentation_fragment:
  - multisite.vpn.attributes
attributes:
  check_mode:
    support: full
    details: Logs in and reads the running configuration, returns the commands it would send, sends none.
  diff_mode:
    support: full
    details: The running configuration before, and the intended configuration, secrets redacted.
  idempotent:
    support: full
  action:
    description: Runs on the controller as an action plugin.
    support: full
  platform:
    description: Target devices.
    support: full
    platforms: NEC UNIVERGE IX
"""

EXAMPLES = r"""
- name: Push the router's configuration
  multisite.vpn.ix_cli_push:
    config: "{{ lookup('ansible.builtin.template', 'ix2215.cfg.j2') }}"
    transport: telnet
"""

RETURN = r"""
commands:
  description: The commands sent (or, in check mode, that would be sent), secrets redacted.
  returned: always
  type: list
  elements: str
  sample: ["interface Tunnel1.0", "ip ospf cost 100", "exit"]
saved:
  description: Whether C(write memory) ran.
  returned: success
  type: bool
backup_path:
  description: The backup of the running configuration taken before the change.
  returned: when something was sent
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.multisite.vpn.plugins.module_utils.ix_push_arguments import ARGUMENT_SPEC


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    module.fail_json(msg="multisite.vpn.ix_cli_push runs on the controller as an action plugin; it cannot run on the host")


if __name__ == "__main__":
    main()
