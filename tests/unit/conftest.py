# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared fixtures: a fake /proc/sys tree, and running a module's main() as Ansible would."""

from __future__ import annotations

import contextlib
import json
from unittest import mock

import pytest

from ansible.module_utils import basic
from ansible_collections.multisite.vpn.plugins.module_utils import sysctl as kernel_params

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core before 2.19

    @contextlib.contextmanager
    def patch_module_args(args=None):
        encoded = json.dumps({"ANSIBLE_MODULE_ARGS": args or {}}).encode()
        with mock.patch.object(basic, "_ANSIBLE_ARGS", encoded):
            yield


# Live values as a kernel would show them; the port range is tab-separated like the real file.
FAKE_PROC_VALUES = {
    "net/ipv4/ip_forward": "0\n",
    "net/ipv4/ip_local_port_range": "32768\t60999\n",
    "net/ipv6/conf/all/forwarding": "0\n",
    "net/ipv6/conf/eth0/accept_ra": "1\n",
    "net/ipv6/conf/eth0.100/accept_ra": "1\n",
    "net/ipv6/neigh/eth0.100/proxy_delay": "80\n",
}


class FakeProc:
    """A /proc/sys look-alike in a temporary directory, with readers for assertions."""

    def __init__(self, root):
        self.root = root
        for relative, content in FAKE_PROC_VALUES.items():
            entry = root.joinpath(*relative.split("/"))
            entry.parent.mkdir(parents=True, exist_ok=True)
            entry.write_text(content)

    def read(self, relative: str) -> str:
        return self.root.joinpath(*relative.split("/")).read_text()

    def snapshot(self) -> dict[str, str]:
        return {relative: self.read(relative) for relative in FAKE_PROC_VALUES}


@pytest.fixture
def fake_proc(tmp_path, monkeypatch):
    """Point the helper's PROC_ROOT at a fresh fake tree."""
    proc = FakeProc(tmp_path / "proc-sys")
    monkeypatch.setattr(kernel_params, "PROC_ROOT", str(proc.root))
    return proc


@pytest.fixture
def run_module(capsys):
    """Return a function that runs a module's main() with ARGS and returns (failed, result)."""

    def run(main, args: dict, check_mode: bool = False, diff: bool = False):
        module_args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)
        with patch_module_args(module_args):
            with pytest.raises(SystemExit) as exit_info:
                main()
        result = json.loads(capsys.readouterr().out)
        return exit_info.value.code != 0, result

    return run
