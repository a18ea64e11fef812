# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A systemd unit as the modules see it: its state read in one C(systemctl show), what must happen to it after its
files changed (daemon_reload_needed, start_actions), and the few C(systemctl) calls the modules make (daemon-reload,
enable, start, restart, reload), each failing with the unit's own words.

The modules that own a service's files (wireguard_interface, nft_table, service_files) decide from the state
read here what must happen, so that a run with nothing to do makes no C(systemctl) call besides the read.
"""

from __future__ import annotations

UNIT_DIRECTORY = "/etc/systemd/system"


class SystemdError(Exception):
    """A systemctl call failed; the message names the unit and what systemctl said."""


class UnitState:
    """What systemd says of a unit: ENABLED (its unit file state is enabled), ACTIVE (running, or a oneshot that
    remains after exit), LOADED (systemd knows a unit file for it) and NEEDS_RELOAD (a unit file or drop-in changed
    on disk since the last daemon-reload)."""

    def __init__(self, enabled: bool, active: bool, loaded: bool, needs_reload: bool):
        self.enabled = enabled
        self.active = active
        self.loaded = loaded
        self.needs_reload = needs_reload

    @classmethod
    def parse(cls, text: str) -> "UnitState":
        """Read the output of systemctl show -p UnitFileState,ActiveState,LoadState,NeedDaemonReload."""
        values = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
        return cls(
            enabled=values.get("UnitFileState") in ("enabled", "enabled-runtime"),
            active=values.get("ActiveState") in ("active", "reloading", "activating"),
            loaded=values.get("LoadState") == "loaded",
            needs_reload=values.get("NeedDaemonReload") == "yes",
        )

    def __repr__(self):
        return "UnitState(enabled=%r, active=%r, loaded=%r, needs_reload=%r)" % (self.enabled, self.active, self.loaded, self.needs_reload)


def daemon_reload_needed(unit_file_changed: bool, states) -> bool:
    """Whether systemd must reread its unit files: one of them changed, or systemd says one of STATES changed on disk
    since its last reload, or does not know a unit yet (its file was written but never loaded)."""
    return unit_file_changed or any(state.needs_reload or not state.loaded for state in states)


def start_actions(enabled: bool, active: bool, changed: bool, on_change: str = "restart") -> list[str]:
    """What keeps a unit enabled and running, in order: enable it when it is not; start it when it is not active,
    or ask ON_CHANGE of it when CHANGED (something it reads changed): restart, or reload for a unit that rereads its
    configuration without stopping (ExecReload)."""
    actions = [] if enabled else ["enable"]
    if not active:
        actions.append("start")
    elif changed:
        actions.append(on_change)
    return actions


def systemctl_path(module) -> str:
    """The systemctl binary, or a SystemdError saying the host does not run systemd's tools."""
    path = module.get_bin_path("systemctl")
    if path is None:
        raise SystemdError("systemctl not found: this host does not run systemd, which multisite.vpn needs")
    return path


def read_unit_state(module, systemctl: str, unit: str) -> UnitState:
    """The state of UNIT, in one systemctl call."""
    rc, out, err = module.run_command(
        [systemctl, "show", "--property=UnitFileState,ActiveState,LoadState,NeedDaemonReload", unit]
    )
    if rc != 0:
        raise SystemdError("cannot read the state of %s: %s" % (unit, (err or out).strip() or "systemctl show exited %d" % rc))
    return UnitState.parse(out)


def systemctl(module, systemctl_binary: str, *args: str) -> None:
    """Run systemctl with ARGS; fail with what it said, and where to look for more."""
    rc, out, err = module.run_command([systemctl_binary, *args])
    if rc != 0:
        said = (err or out).strip() or "exit status %d" % rc
        # Every unit type (service, timer, socket, path) logs its failures to the journal under its name.
        hint = "; see journalctl -u %s" % args[-1] if len(args) > 1 else ""
        raise SystemdError("systemctl %s failed: %s%s" % (" ".join(args), said, hint))
