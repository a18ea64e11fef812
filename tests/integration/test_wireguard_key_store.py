# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""wireguard_key's action keeps the public key in the controller's key store in the same task: ansible-playbook runs on
this machine (connection local) with the fake `wg` of the module's unit tests on PATH."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest
import yaml

from ansible_collections.multisite.vpn.tests.unit.plugins.modules.test_wireguard_key import GENERATED_KEY, FakeWg, public_key_of

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_play(tmp_path, wg, dest, *options):
    """One task of wireguard_key on localhost; return (rc, the task's result)."""
    key = tmp_path / "etc" / "wg-oci.key"
    playbook = tmp_path / "play.yml"
    playbook.write_text(yaml.safe_dump([{
        "hosts": "localhost", "connection": "local", "gather_facts": False,
        "tasks": [{"multisite.vpn.wireguard_key": {"path": str(key), "public_key_dest": dest}, "register": "key"},
                  {"ansible.builtin.debug": {"var": "key"}}],
    }]))
    env = dict(os.environ, PATH="%s%s%s" % (wg.bin, os.pathsep, os.environ["PATH"]), FAKE_WG_RECORD=str(wg.record),
               ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
               ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_LOCALHOST_WARNING="false")
    ran = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,", *options, str(playbook)],
                         cwd=REPO, env=env, capture_output=True, text=True, check=False, timeout=120)
    result = json.loads(ran.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]
    return ran.returncode, result


@pytest.fixture
def wg(tmp_path):
    return FakeWg(tmp_path)


def test_the_public_key_reaches_the_store_once(tmp_path, wg):
    store_file = tmp_path / "store" / "hub-oci_wg-oci.pub"
    rc, result = run_play(tmp_path, wg, str(store_file))
    assert rc == 0, result
    assert result["changed"] is True and result["public_key_dest_changed"] is True
    assert store_file.read_text() == public_key_of(GENERATED_KEY) + "\n"
    assert stat.S_IMODE(store_file.stat().st_mode) == 0o644
    written = store_file.stat().st_mtime_ns

    rc, result = run_play(tmp_path, wg, str(store_file))
    assert rc == 0, result
    assert result["changed"] is False and result["public_key_dest_changed"] is False
    assert store_file.stat().st_mtime_ns == written
    assert GENERATED_KEY not in json.dumps(result)


def test_a_stale_store_file_is_rewritten_and_check_mode_only_says_so(tmp_path, wg):
    store_file = tmp_path / "store" / "hub-oci_wg-oci.pub"
    run_play(tmp_path, wg, str(store_file))
    store_file.write_text("an old key\n")
    rc, result = run_play(tmp_path, wg, str(store_file), "--check")
    assert rc == 0 and result["changed"] is True and result["public_key_dest_changed"] is True
    assert store_file.read_text() == "an old key\n"
    rc, result = run_play(tmp_path, wg, str(store_file))
    assert store_file.read_text() == public_key_of(GENERATED_KEY) + "\n"


def test_check_mode_on_a_new_host_writes_nothing_anywhere(tmp_path, wg):
    store_file = tmp_path / "store" / "hub-oci_wg-oci.pub"
    rc, result = run_play(tmp_path, wg, str(store_file), "--check")
    assert rc == 0, result
    assert result["changed"] is True and result["public_key"] is None
    assert not store_file.exists() and not (tmp_path / "etc").exists()


@pytest.mark.parametrize("dest", ["", ["a", "list"]], ids=["empty", "list"])
def test_a_store_path_that_is_no_path_is_refused_before_the_host_is_touched(tmp_path, wg, dest):
    rc, result = run_play(tmp_path, wg, dest)
    assert rc != 0
    assert result["msg"] == "public_key_dest %r: give the path of the file on the controller" % (dest,)
    assert wg.calls() == [] and not (tmp_path / "etc").exists()
