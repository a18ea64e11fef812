# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: wireguard_public_key
author: multisite.vpn developers (@multisite-vpn)
short_description: Other hosts' WireGuard public keys, from the controller's key store
description:
  - Returns, for each host name given, the public key of its WireGuard interface O(interface), read from
    C(<store>/<host>_<interface>.pub) on the controller. The key role C(multisite.vpn.wireguard_interface)
    (C(tasks_from=key)) writes these files whenever it runs on a host.
  - Reading keys from the controller, not from the hosts, is what lets a run limited with C(--limit), or a
    run while a spoke is offline, keep every peer it does not touch.
  - Fails, naming every host whose key is missing or malformed, rather than return a partial list. A hub
    given fewer peers than exist would drop the missing ones.
options:
  _terms:
    description: Inventory host names.
    type: list
    elements: str
    required: true
  interface:
    description: The WireGuard interface whose key is wanted, for example C(wg-oci).
    type: str
    required: true
  store:
    description: The key store directory on the controller.
    type: path
    required: true
"""

EXAMPLES = r"""
- name: Keys of the spokes on hub-oci's tunnel
  ansible.builtin.debug:
    msg: "{{ query('multisite.vpn.wireguard_public_key', 'spoke-jp', 'spoke-us', interface='wg-oci', store=wireguard_interface_key_store) }}"
"""

RETURN = r"""
_raw:
  description: One public key (base64) per host name, in the order given.
  type: list
  elements: str
"""

import os

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_key import is_key


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        interface = self.get_option("interface")
        store = self.get_option("store")
        keys, problems = [], []
        for host in terms:
            path = os.path.join(store, f"{host}_{interface}.pub")
            try:
                with open(path, encoding="ascii") as key_file:
                    key = key_file.read().strip()
            except (OSError, UnicodeDecodeError) as error:
                problems.append(f"{host} ({path}: {getattr(error, 'strerror', None) or error})")
                continue
            if not is_key(key):
                problems.append(f"{host} ({path} does not hold a WireGuard public key)")
                continue
            keys.append(key)
        if problems:
            raise AnsibleLookupError(
                f"WireGuard public key of {interface} unknown for {', '.join(problems)}. Keys reach the store"
                f" {store} when site.yml runs on a host: run it for these hosts first."
            )
        return keys
