#!/usr/bin/python
# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ix_running_config
short_description: Copy an NEC IX router's running configuration to a file on the controller, changing nothing
description:
  - Runs on the controller (an action plugin; the router has no Python) and logs in to the router as
    M(multisite.vpn.ix_cli_push) does.
  - Enters configuration mode with C(configure), because the IX lists C(show running-config) only there,
    reads it and leaves. It never takes configuration mode over; when another session holds it, it fails
    and says so. It sends nothing else, so nothing on the router changes.
  - Writes the listing to O(dest) on the controller, mode C(0600) (it holds the router's password hashes),
    replacing the file whole. The C(! Current time) line, which changes on every listing, is left out, so
    an unchanged router leaves the file unchanged.
  - What multisite.vpn's rehearsal serves with the IX emulator (C(playbooks/ix_rehearse.yml)).
author:
  - multisite.vpn developers (@multisite-vpn)
options:
  dest:
    description: The file on the controller to write the running configuration to.
    type: path
    required: true
extends_documentation_fragment:
  - multisite.vpn.ix_connection
  - multisite.vpn.attributes
attributes:
  check_mode:
    support: full
    details: Reads the running configuration and reports whether O(dest) would change; writes nothing.
  diff_mode:
    support: none
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
- name: Keep a copy of the router's configuration
  multisite.vpn.ix_running_config:
    dest: "{{ playbook_dir }}/copies/{{ inventory_hostname }}.cfg"
"""

RETURN = r"""
dest:
  description: The file written.
  returned: success
  type: str
hostname:
  description: The router's hostname, from its prompt.
  returned: success
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.multisite.vpn.plugins.module_utils.ix_arguments import RUNNING_CONFIG_ARGUMENT_SPEC


def main():
    module = AnsibleModule(argument_spec=RUNNING_CONFIG_ARGUMENT_SPEC, supports_check_mode=True)
    module.fail_json(msg="multisite.vpn.ix_running_config runs on the controller as an action plugin; it cannot run on the host")


if __name__ == "__main__":
    main()
