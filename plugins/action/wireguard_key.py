# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs multisite.vpn.wireguard_key on the host, then, with public_key_dest, keeps the public key it returns in that
file on the controller (the key store other hosts' peers are read from): one task instead of three, and no module
run on the controller when the file already holds the key."""

from __future__ import annotations

import os

from ansible.plugins.action import ActionBase

from ansible_collections.multisite.vpn.plugins.module_utils.files import FileReadError, FileWriteError, read_file, replace_file

PUBLIC_KEY_MODE = 0o644
STORE_MODE = 0o755


class ActionModule(ActionBase):

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        module_args = dict(self._task.args)
        dest = module_args.pop("public_key_dest", None)
        if dest is not None and (not isinstance(dest, str) or not dest.strip()):
            return dict(result, failed=True, msg="public_key_dest %r: give the path of the file on the controller" % (dest,))
        result.update(self._execute_module(module_name="multisite.vpn.wireguard_key", module_args=module_args, task_vars=task_vars))
        public_key = result.get("public_key")
        if dest is None or result.get("failed") or public_key is None:
            # In check mode a key still to be generated has no public key to keep yet.
            return result
        # Relative to the controller's working directory, as the lookup multisite.vpn.wireguard_public_key reads it.
        dest = os.path.abspath(os.path.expanduser(dest))
        content = (public_key + "\n").encode("ascii")
        try:
            current, mode = read_file(dest)
            stale = current != content or mode != PUBLIC_KEY_MODE
            if stale and not self._task.check_mode:
                replace_file(dest, content, PUBLIC_KEY_MODE, STORE_MODE)
        except (FileReadError, FileWriteError) as error:
            return dict(result, failed=True, msg="the key store on the controller: %s" % error)
        result["public_key_dest_changed"] = stale
        result["changed"] = result.get("changed", False) or stale
        return result
