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
  - Fails before reading any file when a host name could name a file outside the store (it contains
    C(/), a backslash, whitespace or a control character, or starts with C(.)), or when O(interface) is
    not a valid interface name. The content of a key file is never shown.
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

from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_key import key_problem
from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_peer_input import interface_name_problem


def host_name_problem(host) -> str | None:
    """Return why HOST cannot name a file in the store, or None.

    An inventory name becomes part of a file name: a separator or a leading dot could name a file outside
    the store (C(../elsewhere/evil)) or a hidden one, a control character a file nobody meant.
    """
    if not isinstance(host, str):
        return "an inventory host name is a string, not %s" % type(host).__name__
    if not host:
        return "the host name is empty"
    if host.startswith("."):
        return "%r starts with '.'; an inventory host name names a file in the key store, which must stay inside it" % host
    if any(char in "/\\" or not char.isprintable() or char.isspace() for char in host):
        return "%r contains a '/', a backslash, whitespace or a control character; an inventory host name names a file in the key store" % host
    return None


def read_public_keys(hosts, interface, store) -> list[str]:
    """Return the public key of INTERFACE of each of HOSTS, from the key store STORE, in order.

    Raises AnsibleLookupError naming every bad host name before any file is opened, or else every host
    whose key file is missing or does not hold a key (never quoting its content).
    """
    # Every name is checked before any file is opened: a bad one fails the whole lookup.
    problems = ["_terms[%d]: %s" % (index, problem) for index, problem in enumerate(map(host_name_problem, hosts)) if problem]
    interface_problem = interface_name_problem(interface)
    if interface_problem:
        problems.append(interface_problem)
    if problems:
        raise AnsibleLookupError("; ".join(problems))
    store_directory = os.path.abspath(store)
    keys = []
    for host in hosts:
        path = os.path.join(store, f"{host}_{interface}.pub")
        # The names are checked above; this holds even when they are not.
        if os.path.dirname(os.path.abspath(path)) != store_directory:
            problems.append(f"{host} ({path} is not a file directly in the key store {store})")
            continue
        try:
            with open(path, encoding="ascii") as key_file:
                key = key_file.read().strip()
        except (OSError, UnicodeDecodeError) as error:
            problems.append(f"{host} ({path}: {getattr(error, 'strerror', None) or error})")
            continue
        problem = key_problem(key)
        if problem is not None:
            # The reason never quotes the file's content, which might be a private key.
            problems.append(f"{host} ({path} does not hold a WireGuard public key: {problem})")
            continue
        keys.append(key)
    if problems:
        raise AnsibleLookupError(
            f"WireGuard public key of {interface} unknown for {', '.join(problems)}. Keys reach the store"
            f" {store} when site.yml runs on a host: run it for these hosts first."
        )
    return keys


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        return read_public_keys(terms, self.get_option("interface"), self.get_option("store"))
