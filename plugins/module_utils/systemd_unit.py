# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A systemd unit as the modules see it: its state read in one C(systemctl show), and the few C(systemctl) calls
they make (daemon-reload, enable, start, restart), each failing with the unit's own words.

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
        unit = args[-1] if len(args) > 1 else ""
        hint = "; see journalctl -u %s" % unit if unit.endswith((".service", ".timer")) else ""
        raise SystemdError("systemctl %s failed: %s%s" % (" ".join(args), said, hint))
