# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs multisite.vpn.ix_cli_push on the controller: the router has no Python (see plugin_utils/ix_push.py)."""

from __future__ import annotations

import os
import re

from ansible_collections.multisite.vpn.plugins.module_utils.ix_arguments import PUSH_ARGUMENT_SPEC
from ansible_collections.multisite.vpn.plugins.plugin_utils.ix_action import IxActionBase
from ansible_collections.multisite.vpn.plugins.plugin_utils.ix_config import IxConfigError
from ansible_collections.multisite.vpn.plugins.plugin_utils.ix_push import IxPushError, push


def push_problems(params: dict) -> list[str]:
    """What is wrong with the push's own options."""
    problems = []
    for pattern in params["authoritative_blocks"]:
        try:
            re.compile(pattern)
        except re.error as error:
            problems.append("authoritative_blocks: %r is not a regular expression (%s)" % (pattern, error))
    return problems


class ActionModule(IxActionBase):

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        params = self.validate_argument_spec(argument_spec=PUSH_ARGUMENT_SPEC)[1]
        params, problems = self.connection_params(params, task_vars or {})
        params["backup_dir"] = os.path.expanduser(params["backup_dir"])
        problems += push_problems(params)
        if problems:
            return dict(result, failed=True, msg="; ".join(problems))
        try:
            pushed = push(params, check_mode=self._task.check_mode)
        except IxConfigError as error:
            return dict(result, failed=True, msg=str(error), changed=False, commands=[])
        except IxPushError as error:
            return dict(result, failed=True, msg=str(error), **dict({"changed": False, "commands": []}, **error.result))
        if not self._task.diff:
            pushed.pop("diff")
        return dict(result, **pushed)
