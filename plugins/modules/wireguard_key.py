#!/usr/bin/python
# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: wireguard_key
short_description: Keep the private key of one WireGuard interface in a file, generated on the host
description:
  - Makes sure the file O(path) holds a WireGuard private key, with mode C(0600) and owned by the
    user the module runs as (root, with C(become)), and returns the matching public key.
  - When the file is missing, a new key is generated on the managed host with C(wg genkey), so the
    private key never travels through the controller. It is written to a temporary file that is
    created with mode C(0600), then renamed over O(path). A missing directory is created with mode
    C(0700).
  - An existing key is never replaced unless O(private_key) asks for it. A file that does not hold a
    key makes the module fail and is left untouched, so a key a user put there by hand is never
    silently lost. Only a wrong mode or owner of a key file is corrected.
  - With O(private_key), the file is made to hold exactly that key. This restores the key a rebuilt
    hub had, from a vault-encrypted backup, so that its peers need no change.
  - The public key is computed with C(wg pubkey), the private key being passed on its standard input,
    never on a command line. The private key is never returned, logged or put into a message or a
    diff.
  - A key file holds the key, optionally followed by whitespace such as the newline C(wg genkey)
    prints, exactly as C(wg set wg0 private-key FILE) reads it. The module writes the key and one
    newline.
author:
  - multisite.vpn developers (@multisite-vpn)
options:
  path:
    description:
      - The file that holds the private key, for example C(/etc/wireguard/wg-oci.key).
      - An absolute path. A relative one is refused, because it would depend on the directory the module
        runs in.
      - Must not be a symbolic link; give the path of the file itself.
    type: path
    required: true
  private_key:
    description:
      - Restore this exact private key, the base64 text of 32 bytes as printed by C(wg genkey)
        (44 characters ending in C(=)). Whitespace around it, such as the trailing newline of a
        vault block, is ignored.
      - When the file holds another key, or no key, it is replaced. When it holds this key, nothing
        changes.
      - When not given, an existing key is kept and a missing one is generated on the host.
    type: str
  public_key_dest:
    description:
      - Also keep the public key in this file on the controller (the key store other hosts read their peers'
        keys from, for example C(inventories/site/wireguard-public-keys/hub-oci_wg-oci.pub)), mode C(0644), its
        directory created when missing. Written by the action on the controller only when it does not hold the
        key already - the same task, no extra round trip.
      - A relative path is relative to the controller's working directory (C(~) is expanded). Not written in
        check mode, which reports whether it would change.
    type: path
requirements:
  - C(wg) from wireguard-tools on the managed host.
extends_documentation_fragment:
  - multisite.vpn.attributes
  - multisite.vpn.attributes.platform
attributes:
  action:
    description: An action plugin runs the module on the host, then writes O(public_key_dest) on the controller.
    support: full
  check_mode:
    support: full
    details:
      - Writes nothing, on the host or the controller. A key that would be generated cannot be known before it exists, so
        RV(public_key) is V(null) when the file is missing and O(private_key) is not given. In every
        other case it is the public key the file holds or will hold.
      - A file that does not hold a key fails in check mode too.
  diff_mode:
    support: full
    details:
      - The diff describes the key (absent, present, generated on the host or replaced from
        O(private_key), with its public key), the mode and the owner. It never contains the private
        key.
  idempotent:
    support: full
  platform:
    platforms: posix
notes:
  - Writing a file under C(/etc/wireguard) needs root, so tasks using this module normally set
    C(become).
  - Generating a key needs no entropy from the controller; C(wg genkey) reads the host's own random
    source.
  - Changing the key in the file does not change a running interface. Apply it with C(wg set) or by
    restarting C(wg-quick), and give the new public key to every peer.
seealso:
  - name: wg(8)
    description: C(wg genkey), C(wg pubkey) and the key file format read by C(wg set ... private-key FILE).
    link: https://git.zx2c4.com/wireguard-tools/about/src/man/wg.8
"""

EXAMPLES = r"""
- name: Generate the hub's key on first run, keep it afterwards
  multisite.vpn.wireguard_key:
    path: /etc/wireguard/wg-oci.key
  become: true
  register: hub_key

- name: Show the public key peers need
  ansible.builtin.debug:
    msg: "{{ hub_key.public_key }}"

- name: A rebuilt hub keeps the key it had, from a vault-encrypted backup
  multisite.vpn.wireguard_key:
    path: /etc/wireguard/wg-oci.key
    private_key: "{{ vault_wireguard_private_keys['wg-oci'] }}"
  become: true
"""

RETURN = r"""
public_key:
  description:
    - The public key of the key the file holds, or will hold in check mode.
    - V(null) in check mode when the key would be generated, because it cannot be known before it exists.
  returned: always
  type: str
  sample: xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=
generated:
  description: Whether a new key was (or in check mode would be) generated on the host.
  returned: always
  type: bool
  sample: true
public_key_dest_changed:
  description: Whether the file O(public_key_dest) on the controller was (or in check mode would be) written.
  returned: when O(public_key_dest) is given and the public key is known
  type: bool
  sample: false
path:
  description: The key file, as given in O(path).
  returned: always
  type: str
  sample: /etc/wireguard/wg-oci.key
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.multisite.vpn.plugins.module_utils import wireguard_key_file as key_file
from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_key import WireGuardError, key_from_option


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            private_key=dict(type="str", no_log=True),
            # Handled by the action on the controller, which never passes it to the host.
            public_key_dest=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    path = module.params["path"]
    try:
        problem = key_file.path_problem(path)
        if problem is not None:
            raise WireGuardError(problem)
        given = None
        if module.params["private_key"] is not None:
            given = key_from_option(module.params["private_key"])
        wg = module.get_bin_path("wg")
        if wg is None:
            raise WireGuardError("wireguard-tools is not installed (wg not found)")
        outcome = key_file.ensure_key_file(module, wg, path, given)
    except WireGuardError as err:
        module.fail_json(msg=str(err), path=path)

    result = dict(
        changed=outcome.plan.changed,
        public_key=outcome.new_public,
        generated=outcome.plan.action == key_file.GENERATE,
        path=path,
    )
    if module._diff:
        result["diff"] = outcome.diff
    module.exit_json(**result)


if __name__ == "__main__":
    main()
