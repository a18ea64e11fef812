# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Counts, per host, the task executions that ran on the host itself; for bench/noop.py, not shipped."""

from __future__ import annotations

import json

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
    name: remote_task_count
    type: aggregate
    short_description: per host, the task executions that ran on the host itself, written as JSON
    description:
      - Counts ok, changed and failed results, each loop item apart; skipped results and unreachable hosts are not counted.
      - Not counted either, as they run on the controller, are CONTROLLER_ACTIONS and tasks delegated to the controller.
      - Also lists, per host, the counted tasks' names, and every task that reported a change or failed, counted or not.
    options:
      output_file:
        description: Where the counts are written when the playbook ends.
        required: true
        env:
          - name: REMOTE_TASK_COUNT_FILE
"""

# Actions that run on the controller only, whatever the host: no module is sent to the host.
CONTROLLER_ACTIONS = frozenset((
    "add_host", "assert", "debug", "fail", "group_by", "import_playbook", "import_role", "import_tasks", "include_role",
    "include_tasks", "include_vars", "meta", "pause", "set_fact", "set_stats", "validate_argument_spec",
))
LOCAL_CONNECTIONS = frozenset(("local", "ansible.builtin.local", "ansible.legacy.local"))
CONTROLLER_NAMES = frozenset(("localhost", "127.0.0.1", "::1"))


def controller_action(task) -> bool:
    action = task.resolved_action or task.action
    namespace, _dot, name = action.rpartition(".")
    return name in CONTROLLER_ACTIONS and namespace in ("", "ansible.builtin", "ansible.legacy")


def runs_on_controller(task, result: dict) -> bool:
    """Whether the task ran its module on the controller: `connection: local`, or delegated to localhost."""
    if task.connection in LOCAL_CONNECTIONS:
        return True
    delegated = result.get("_ansible_delegated_vars")
    if not delegated:
        return False
    return delegated.get("ansible_connection") in LOCAL_CONNECTIONS or delegated.get("ansible_host") in CONTROLLER_NAMES


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "remote_task_count"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.hosts = {}

    def _host(self, name):
        return self.hosts.setdefault(name, {"remote_executions": 0, "remote_tasks": [], "changed": [], "failed": [], "unreachable": []})

    def _record(self, result, failed=False):
        host = self._host(result.host.get_name())
        if not (controller_action(result.task) or runs_on_controller(result.task, result.result)):
            host["remote_executions"] += 1
            host["remote_tasks"].append(result.task_name)
        if result.result.get("changed"):
            host["changed"].append(result.task_name)
        if failed:
            host["failed"].append(f"{result.task_name}: {result.result.get('msg', '')}".strip())

    @staticmethod
    def _loop_total(result) -> bool:
        """The aggregate result of a looped task: its items were counted one by one."""
        return bool(result.task.loop or result.task.loop_with)

    def v2_runner_on_ok(self, result):
        if not self._loop_total(result):
            self._record(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        if not self._loop_total(result):
            self._record(result, failed=not ignore_errors)

    def v2_runner_item_on_ok(self, result):
        self._record(result)

    def v2_runner_item_on_failed(self, result):
        self._record(result, failed=not result.task_fields.get("ignore_errors"))

    def v2_runner_on_unreachable(self, result):
        self._host(result.host.get_name())["unreachable"].append(f"{result.task_name}: {result.result.get('msg', '')}")

    def v2_playbook_on_stats(self, stats):
        with open(self.get_option("output_file"), "w", encoding="utf-8") as handle:
            json.dump(self.hosts, handle, indent=1, sort_keys=True)
