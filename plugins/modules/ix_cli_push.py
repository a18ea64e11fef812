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
  - Every answer is read up to the prompt that belongs to it (the router's echo of the typed line first), so
    a router that is slow, far away or sends its prompt late never puts the session out of step.
  - O(config) is read as lines and blocks (a line that enters a sub-mode, followed by lines indented
    deeper), to any depth (C(address-family) inside C(router bgp)). Lines the router has and O(config)
    does not mention are left alone. A top-level block that O(authoritative_blocks) matches lists all of
    its lines and sub-blocks at every depth, so what it does not list is removed with C(no); a block
    written as its first line alone is emptied. Access-list and prefix-list entries of a list O(config)
    declares are rewritten whole when their order differs, because the router evaluates them in order.
  - Every C(%) line the router answers is an error, except the warning while saving (C(do NOT enter CNTL/Z)),
    C(% You must restart the router ...) and C(% User '...' has been added). When the router rejects a
    command part-way, or the result differs from O(config), or a fresh login fails afterwards, what was
    applied is undone on the same session and nothing is saved; the result says what was applied, the
    command that failed, the router's words and whether the undo worked. When the connection drops, the
    router reboots or another administrator takes configuration mode over part-way, nothing can be undone;
    the result says what was applied, and the next run completes the push and saves once.
  - Stops before sending anything when the host's running configuration does not begin with the NEC
    header (a router of another vendor can answer with a similar prompt).
  - Enters configuration mode with C(configure). When another session holds it, fails without sending
    anything, unless O(takeover) (then C(svintr-config) takes it over).
  - Refuses, before sending anything, commands that change the address, filters or state of the
    interface this session arrives through, the access-lists filtering it, the login service in use, or
    the login user, unless O(allow_management_change).
  - After pushing and before saving, logs in again in a fresh session. When that fails, the pushed
    change is undone on the session still open, nothing is saved, and the task fails.
  - Writes a backup of the running configuration to O(backup_dir), mode C(0600), before any change. A secret
    the router lists in plain (an IKEv1 key) is masked in it; the router's hashed forms are kept, so the
    backup can be typed back.
  - The router shows passwords and keys hashed, so a line that carries one is compared by everything but
    the secret and sent only when it is missing, or always with O(update_secrets). Secrets never appear in
    the result, the diff, a message or the router's quoted words. One table of secret-bearing command
    shapes (user, NetMeister, PPP, IKEv1 and IKEv2 keys, RADIUS, TACACS, SNMP) masks them, and a line that
    begins like one of those commands or names a key or password but is mistyped is masked after that word.
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
  management_address:
    description:
      - The router address (or name) the real management session arrives at, for the lock-out guard. Defaults to the
        address of O(host). A rehearsal against a copy on 127.0.0.1 sets it to the real router's address.
    type: str
extends_documentation_fragment:
  - multisite.vpn.ix_connection
  - multisite.vpn.attributes
attributes:
  check_mode:
    support: full
    details: Logs in and reads the running configuration, returns the commands it would send, sends none.
  diff_mode:
    support: full
    details:
      - The parts of the running configuration O(config) speaks of before, and the intended configuration,
        secrets redacted. A line that holds one value (C(hostname), C(timezone), C(nm account)) shows as
        replacing the old one.
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
  description:
    - The commands sent (or, in check mode, that would be sent), secrets redacted. When a push stopped
      part-way, the commands the router had accepted.
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
failed_command:
  description: The command the router rejected, or the one that was being sent when the session was lost.
  returned: when a push stopped part-way
  type: str
router_said:
  description: The router's error lines for RV(failed_command), secrets masked.
  returned: when the router rejected a command
  type: str
undone:
  description: Whether what the push had applied was undone on the router.
  returned: when a push stopped part-way
  type: bool
undo:
  description: How the undo went, in a sentence (rejected at which command, or the count undone).
  returned: when an undo was tried
  type: str
fresh_login_checked:
  description: Whether a fresh session logged in after the push before it was saved.
  returned: when a push stopped part-way
  type: bool
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.multisite.vpn.plugins.module_utils.ix_arguments import PUSH_ARGUMENT_SPEC


def main():
    module = AnsibleModule(argument_spec=PUSH_ARGUMENT_SPEC, supports_check_mode=True)
    module.fail_json(msg="multisite.vpn.ix_cli_push runs on the controller as an action plugin; it cannot run on the host")


if __name__ == "__main__":
    main()
