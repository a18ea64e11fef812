# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs multisite.vpn.ix_running_config on the controller: a read-only copy of a router's running configuration."""

from __future__ import annotations

import re

from ansible_collections.multisite.vpn.plugins.module_utils.files import FileWriteError, replace_file
from ansible_collections.multisite.vpn.plugins.module_utils.ix_arguments import RUNNING_CONFIG_ARGUMENT_SPEC
from ansible_collections.multisite.vpn.plugins.plugin_utils.ix_action import IxActionBase
from ansible_collections.multisite.vpn.plugins.plugin_utils.ix_config import IX_HEADER, is_ix_running_config
from ansible_collections.multisite.vpn.plugins.plugin_utils.ix_session import ConfigurationOccupied, IxSession, IxSessionError

# Changes on every listing; a copy without it changes only when the configuration does.
CURRENT_TIME_LINE = re.compile(r"^! Current time .*\n", re.MULTILINE)


def read_running_config(params: dict) -> tuple[str, str]:
    """The router's running configuration (LF line ends, no current-time line) and its hostname."""
    session = IxSession(params)
    try:
        try:
            session.enter_configuration(takeover=False)
        except ConfigurationOccupied as error:
            raise IxSessionError("%s: the IX lists its running configuration only in configuration mode, which this never takes"
                                 " over; try again when the other administrator has left it" % error) from None
        text = session.running_config()
        hostname = session.prompt.hostname
    finally:
        session.close()
    if not is_ix_running_config(text):
        raise IxSessionError("%s does not look like an NEC IX: its running-config does not begin with %r" % (params["host"], IX_HEADER))
    return CURRENT_TIME_LINE.sub("", text.replace("\r\n", "\n")) + "\n", hostname


class ActionModule(IxActionBase):

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        params = self.validate_argument_spec(argument_spec=RUNNING_CONFIG_ARGUMENT_SPEC)[1]
        params, problems = self.connection_params(params, task_vars or {})
        if problems:
            return dict(result, failed=True, msg="; ".join(problems))
        try:
            text, hostname = read_running_config(params)
        except IxSessionError as error:
            return dict(result, failed=True, msg=str(error))
        dest = params["dest"]
        try:
            with open(dest, encoding="utf-8") as current:
                changed = current.read() != text
        except FileNotFoundError:
            changed = True
        except OSError as error:
            return dict(result, failed=True, msg="cannot read %s: %s" % (dest, error.strerror))
        if changed and not self._task.check_mode:
            try:
                replace_file(dest, text.encode("utf-8"), 0o600, 0o700)
            except FileWriteError as error:
                return dict(result, failed=True, msg=str(error))
        return dict(result, changed=changed, dest=dest, hostname=hostname)
