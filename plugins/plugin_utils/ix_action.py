# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the NEC IX action plugins share: the router's connection options, taken from the task or the inventory,
checked before anything is sent."""

from __future__ import annotations

from ansible.plugins.action import ActionBase

from ansible_collections.multisite.vpn.plugins.module_utils.ix_arguments import TRANSPORTS

DEFAULT_PORTS = {"ssh": 22, "telnet": 23}


def connection_problems(params: dict) -> list[str]:
    """What is wrong with connection options that the argument spec cannot check by type alone."""
    problems = []
    missing = [name for name in ("username", "password") if not params[name]]
    if missing:
        problems.append("no %s for %s: set the option or ansible_user / ansible_password" % (" or ".join(missing), params["host"]))
    if not 1 <= params["port"] <= 65535:
        problems.append("port %s is not a TCP port (1-65535)" % params["port"])
    if params["timeout"] < 1:
        problems.append("timeout %s: give at least 1 second (it is multiplied by delay_factor)" % params["timeout"])
    if not params["delay_factor"] > 0:
        problems.append("delay_factor %s: give a number above 0 (1 for a router nearby, 2-4 for a slow or far one)" % params["delay_factor"])
    return problems


class IxActionBase(ActionBase):
    """An action that logs in to an IX router from the controller."""

    TRANSFERS_FILES = False
    _requires_connection = False

    def connection_params(self, params: dict, task_vars: dict) -> tuple[dict, list[str]]:
        """PARAMS with the connection filled in from the inventory (ix_transport, ansible_host, ansible_port,
        ansible_user, ansible_password), and what is wrong with them."""

        def host_var(name, default=None):
            # Inventory values may be templates (a vaulted password through a variable, for example).
            return self._templar.template(task_vars[name]) if name in task_vars else default

        transport = params["transport"] or host_var("ix_transport", "ssh")
        if transport not in TRANSPORTS:
            return params, ["unknown transport %r: use ssh or telnet (option transport or ix_transport)" % transport]
        port = params["port"] if params["port"] is not None else host_var("ansible_port") or DEFAULT_PORTS[transport]
        try:
            port = int(port)
        except (TypeError, ValueError):
            return params, ["port %r is not a number" % port]
        params = dict(
            params,
            transport=transport,
            host=params["host"] or host_var("ansible_host") or task_vars.get("inventory_hostname"),
            port=port,
            username=params["username"] or host_var("ansible_user"),
            password=params["password"] or host_var("ansible_password"),
            inventory_name=task_vars.get("inventory_hostname"),
        )
        return params, connection_problems(params)
