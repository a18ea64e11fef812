# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pushing an intended configuration to an NEC IX router (controller side): read, compare, guard, back up,
type the difference, prove, undo when anything fails part-way, save.

The layers: ix_terminal (prompts, error lines, paging, timing), ix_session (login, modes, takeover, save),
ix_config (parse, commands, undo, lock-out guard, secrets). This module only decides what happens when.
"""

from __future__ import annotations

import ipaddress
import itertools
import os
import re
import socket
import time

from ansible_collections.multisite.vpn.plugins.module_utils.files import FileWriteError, create_file
from ansible_collections.multisite.vpn.plugins.plugin_utils.ix_config import (
    IX_HEADER,
    compute_commands,
    is_ix_running_config,
    management_problems,
    mask_plain_secrets,
    order_like,
    parse_config,
    redact,
    render_config,
    scrub,
    secret_values,
    steps,
    touched_entries,
    undo_commands,
)
from ansible_collections.multisite.vpn.plugins.plugin_utils.ix_session import (
    CommandRejected,
    ConfigurationLost,
    ConfigurationOccupied,
    IxSession,
    IxSessionError,
    SessionLost,
)


class IxPushError(Exception):
    """A push that stopped. RESULT holds what the Ansible result reports besides the message: the commands
    applied, the command that failed and the router's words, whether the change was undone and checked."""

    def __init__(self, message: str, **result) -> None:
        super().__init__(message)
        self.result = result


def write_backup(directory: str, name: str, text: str) -> str:
    """Write the running-config to a new file DIRECTORY/<name>-<time>[-N].cfg, readable by this user only;
    return its path. An older backup is never overwritten, even by a second push in the same second."""
    stem = os.path.join(directory, "%s-%s" % (name, time.strftime("%Y%m%d-%H%M%S")))
    for attempt in itertools.count():
        path = stem + ("-%d.cfg" % attempt if attempt else ".cfg")
        try:
            create_file(path, text.encode("utf-8"), 0o600, 0o700)
        except FileExistsError:
            continue
        except FileWriteError as error:
            raise IxSessionError("the backup could not be written, so nothing was sent: %s" % error) from None
        return path


def router_address(host: str):
    """The address HOST stands for (the first one it resolves to)."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        return ipaddress.ip_address(socket.getaddrinfo(host, None)[0][4][0].split("%")[0])
    except (OSError, UnicodeError) as error:
        raise IxSessionError("cannot tell which address %r is (%s), so the lock-out guard cannot check the push" % (host, error)) from None


class _Push:
    """One push: its session, what it has applied so far, and how to say what happened without a secret."""

    def __init__(self, params: dict) -> None:
        self.params = params
        self.intended = parse_config(params["config"], "the intended config")
        self.secrets = secret_values(self.intended) | {params["password"]}
        patterns = [re.compile(pattern) for pattern in params["authoritative_blocks"]]
        self.authoritative = lambda header: any(pattern.search(header) for pattern in patterns)
        self.session: IxSession | None = None
        self.applied: list[str] = []

    def say(self, text: str) -> str:
        return scrub(text, self.secrets)

    def fail(self, message: str, **result):
        raise IxPushError(self.say(message), **{key: self.say(value) if isinstance(value, str) else value for key, value in result.items()})

    def read_running(self) -> str:
        text = self.session.running_config()
        if not is_ix_running_config(text):
            self.fail("%s does not look like an NEC IX: its running-config does not begin with %r" % (self.params["host"], IX_HEADER))
        return text

    def type_commands(self, commands: list[str], running, intended, record: bool = True) -> None:
        """Type COMMANDS in order; with RECORD, self.applied grows with each one the router accepted."""
        for step in steps(commands, running, intended):
            self.session.command(step.command, redact(step.command), step.enters_block, step.in_block_after)
            if record:
                self.applied.append(redact(step.command))

    def undo(self, before: str) -> tuple[bool, str]:
        """Return the router to BEFORE on this session: whether that worked, and a sentence saying how it went."""
        original = parse_config(before, "the backup")
        try:
            self.session.to_global_configuration()
            now = parse_config(self.read_running(), "the running-config")
            self.type_commands(undo_commands(now, original), now, original, record=False)
            left = undo_commands(parse_config(self.read_running(), "the running-config"), original)
        except CommandRejected as error:
            return False, "the undo was rejected at %r (%s): the router holds part of this push" % (error.command, " ".join(error.words))
        except IxSessionError as error:
            return False, "the undo could not finish (%s): the router may hold part of this push" % error
        if left:
            return False, "after the undo the router still differs from before (%s): it holds part of this push" % [redact(line) for line in left]
        return True, "what it had applied was undone (%d command%s)" % (len(self.applied), "" if len(self.applied) == 1 else "s")

    def fresh_login(self) -> str | None:
        """None when a new session logs in; else why not."""
        try:
            IxSession(self.params).close()
        except IxSessionError as error:
            return str(error)
        return None

    def run(self, check_mode: bool) -> dict:
        params = self.params
        try:
            self.session = IxSession(params)
        except IxSessionError as error:
            self.fail(str(error))
        result = {"changed": False, "commands": [], "saved": False}
        try:
            try:
                self.session.enter_configuration(params["takeover"])
            except ConfigurationOccupied as error:
                self.fail("%s. Set takeover: true to take it over with svintr-config" % error)
            before = self.read_running()
            running = parse_config(before, "the running-config")
            commands = compute_commands(running, self.intended, authoritative=self.authoritative, update_secrets=params["update_secrets"])
            result["commands"] = [redact(command) for command in commands]
            touched = touched_entries(running, self.intended)
            result["diff"] = {"before": render_config(touched), "after": render_config(order_like(touched, self.intended))}
            if commands and not params["allow_management_change"]:
                address = router_address(params.get("management_address") or params["host"])
                problems = management_problems(running, self.intended, commands, address, params["transport"], params["username"])
                if problems:
                    self.fail("refusing to push, nothing was sent (allow_management_change: true overrides): " + "; ".join(problems))
            if check_mode:
                result["changed"] = bool(commands)
                return result
            if commands:
                result["backup_path"] = write_backup(params["backup_dir"], params.get("inventory_name") or params["host"], mask_plain_secrets(before))
                result["changed"] = True
                self.apply(commands, running, before, result)
            if params["save_when"] == "always" or (params["save_when"] == "changed" and commands):
                self.session.save()
                result["saved"] = True
            return result
        except IxSessionError as error:
            self.fail(str(error), changed=bool(self.applied), commands=self.applied)
        finally:
            self.session.close()

    def apply(self, commands: list[str], running, before: str, result: dict) -> None:
        """Type COMMANDS, prove the router holds the intended configuration and that a new login works; on any
        failure part-way, undo what was applied when the session still allows it, and say so."""
        outcome = {"changed": True, "commands": self.applied, "backup_path": result["backup_path"], "fresh_login_checked": False}

        def stop(message: str, undo: bool, **details):
            undone, how = self.undo(before) if undo else (False, "")
            self.fail("%s; %snothing was saved" % (message, how + "; " if how else ""), undone=undone, undo=how, **outcome, **details)

        try:
            self.type_commands(commands, running, self.intended)
        except CommandRejected as error:
            stop("the router rejected %r: %s" % (error.command, " ".join(error.words)), True,
                 failed_command=error.command, router_said=" ".join(error.words))
        except (SessionLost, ConfigurationLost) as error:
            stop("%s; the router had accepted %d of %d commands before it (the one it was lost at may have been applied"
                 " too), which stay applied, unsaved, until the router reloads; run again to complete the push"
                 % (error, len(self.applied), len(commands)), False, failed_command=redact(commands[len(self.applied)]))
        left = compute_commands(parse_config(self.read_running(), "the running-config"), self.intended, authoritative=self.authoritative)
        if left:
            stop("after the push the router still differs (%s)" % [redact(line) for line in left], True)
        refused = self.fresh_login()
        outcome["fresh_login_checked"] = True
        if refused:
            stop("a fresh session could not log in after the push (%s)" % refused, True)


def push(params: dict, check_mode: bool = False) -> dict:
    """Make the router's running configuration hold PARAMS['config']; return an Ansible result.

    PARAMS: host, port, username, password, transport, config, save_when, update_secrets, takeover,
    allow_management_change, authoritative_blocks (regexes), backup_dir, timeout, delay_factor;
    management_address (default: the address of host) is where the real session arrives, for the lock-out
    guard; inventory_name (default: host) names the backup files.
    """
    return _Push(params).run(check_mode)
