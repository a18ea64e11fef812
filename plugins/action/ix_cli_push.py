# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs multisite.vpn.ix_cli_push on the controller: the router has no Python (see plugin_utils/ix_push.py)."""

from __future__ import annotations

import os

from ansible.plugins.action import ActionBase

from ansible_collections.multisite.vpn.plugins.plugin_utils.ix_config import IxConfigError
from ansible_collections.multisite.vpn.plugins.module_utils.ix_push_arguments import ARGUMENT_SPEC, TRANSPORTS
from ansible_collections.multisite.vpn.plugins.plugin_utils.ix_push import IxPushError, push

DEFAULT_PORTS = {"ssh": 22, "telnet": 23}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        params = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)[1]
        task_vars = task_vars or {}

        def host_var(name, default=None):
            # Inventory values may be templates (a vaulted password through a variable, for example).
            return self._templar.template(task_vars[name]) if name in task_vars else default

        transport = params["transport"] or host_var("ix_transport", "ssh")
        if transport not in TRANSPORTS:
            return dict(result, failed=True, msg="unknown transport %r: use ssh or telnet (option transport or ix_transport)" % transport)
        params = dict(
            params,
            transport=transport,
            host=params["host"] or host_var("ansible_host") or task_vars.get("inventory_hostname"),
            port=int(params["port"] or host_var("ansible_port") or DEFAULT_PORTS[transport]),
            username=params["username"] or host_var("ansible_user"),
            password=params["password"] or host_var("ansible_password"),
            backup_dir=os.path.expanduser(params["backup_dir"]),
            backup_name=task_vars.get("inventory_hostname"),
        )
        missing = [name for name in ("username", "password") if not params[name]]
        if missing:
            return dict(result, failed=True, msg="no %s for %s: set the option or ansible_user / ansible_password" % (
                " or ".join(missing), params["host"]))
        try:
            pushed = push(params, check_mode=self._task.check_mode)
        except (IxConfigError, IxPushError) as error:
            return dict(result, failed=True, msg=str(error), commands=getattr(error, "sent", []))
        if not self._task.diff:
            pushed.pop("diff")
        return dict(result, **pushed)
