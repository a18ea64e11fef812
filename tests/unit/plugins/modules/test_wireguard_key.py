# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module end to end: its real main() against a key file in tmp_path and a fake wg on PATH.

The fake wg records every call (argv and standard input) in a JSON-lines file, so the tests can
prove that keys are generated on the host, and that a private key never goes on a command line.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
import sys

import pytest

from ansible.module_utils import basic
from ansible_collections.multisite.vpn.plugins.modules.wireguard_key import main

# What the fake `wg genkey` prints, and a second key to restore; both valid and unrelated.
GENERATED_KEY = "k4Re/qeQNbr0u59DV4aS+r+/auG1bVZOd2dfhDpGth8="
RESTORED_KEY = "GTRnbYNUoxouaao2z3vm5Ygik4CS5RZq+BB9RP/WWMk="

FAKE_WG = r'''#!{python}
"""A stand-in for wireguard-tools' wg: genkey and pubkey only, deterministic, recording its calls."""
import base64, hashlib, json, os, sys

args = sys.argv[1:]
data = sys.stdin.read() if args == ["pubkey"] else ""
with open(os.environ["FAKE_WG_RECORD"], "a") as record:
    record.write(json.dumps({{"argv": sys.argv, "stdin": data}}) + "\n")
if args == ["genkey"]:
    print({generated!r})
elif args == ["pubkey"]:
    key = data.strip()
    try:
        raw = base64.b64decode(key, validate=True)
    except ValueError:
        raw = b""
    if len(raw) != 32:
        sys.exit("wg: Key is not the correct length or format")
    if os.environ.get("FAKE_WG_PUBKEY_LEAKS"):
        # A misbehaving tool that echoes its input in an error: the module must mask it.
        sys.exit("wg: cannot use key " + key)
    print(base64.b64encode(hashlib.sha256(key.encode()).digest()).decode())
else:
    sys.exit("Invalid subcommand: " + " ".join(args))
'''


def public_key_of(private_key: str) -> str:
    """The public key the fake wg derives: sha256 of the private key's text, in base64."""
    return base64.b64encode(hashlib.sha256(private_key.encode()).digest()).decode()


class FakeWg:
    def __init__(self, directory):
        self.bin = directory / "bin"
        self.bin.mkdir()
        self.path = self.bin / "wg"
        self.path.write_text(FAKE_WG.format(python=sys.executable, generated=GENERATED_KEY))
        self.path.chmod(0o755)
        self.record = directory / "wg-calls.jsonl"

    def calls(self) -> list[dict]:
        if not self.record.exists():
            return []
        return [json.loads(line) for line in self.record.read_text().splitlines()]

    def subcommands(self) -> list[str]:
        return [call["argv"][1] for call in self.calls()]


@pytest.fixture
def fake_wg(tmp_path, monkeypatch):
    wg = FakeWg(tmp_path)
    monkeypatch.setenv("PATH", "%s%s%s" % (wg.bin, os.pathsep, os.environ.get("PATH", "")))
    monkeypatch.setenv("FAKE_WG_RECORD", str(wg.record))
    return wg


@pytest.fixture
def key_file(tmp_path):
    """Path of the key file, in a directory that does not exist yet."""
    return tmp_path / "etc" / "wireguard" / "wg-oci.key"


@pytest.fixture
def outputs(capsys, monkeypatch):
    """Everything the module printed, stdout and stderr, as run_module read it."""
    printed = []
    read = capsys.readouterr

    def recording_read():
        captured = read()
        printed.append(captured.out + captured.err)
        return captured

    monkeypatch.setattr(capsys, "readouterr", recording_read)
    return printed


def write_key_file(path, content: str, mode: int = 0o600):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    path.chmod(mode)


def file_mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def assert_no_private_key_leaked(fake_wg, outputs, *private_keys):
    """No key in what the module printed, nor on any wg command line."""
    assert outputs, "the module printed nothing: the check below would prove nothing"
    for key in private_keys:
        for printed in outputs:
            assert key not in printed
        for call in fake_wg.calls():
            assert not any(key in arg for arg in call["argv"])


def test_first_run_generates_key_on_the_host(fake_wg, run_module, key_file, outputs):
    failed, result = run_module(main, {"path": str(key_file)})
    assert not failed, result
    assert (result["changed"], result["generated"], result["path"]) == (True, True, str(key_file))
    assert result["public_key"] == public_key_of(GENERATED_KEY)
    assert key_file.read_text() == GENERATED_KEY + "\n"
    assert file_mode(key_file) == 0o600
    assert key_file.stat().st_uid == os.geteuid()
    assert file_mode(key_file.parent) == 0o700
    assert fake_wg.subcommands() == ["genkey", "pubkey"]
    # The public key was derived from the generated key, handed over on standard input.
    assert fake_wg.calls()[1]["stdin"].strip() == GENERATED_KEY
    assert_no_private_key_leaked(fake_wg, outputs, GENERATED_KEY)


def test_second_run_changes_nothing_and_returns_the_same_public_key(fake_wg, run_module, key_file, outputs):
    run_module(main, {"path": str(key_file)})
    modified = key_file.stat().st_mtime_ns
    failed, result = run_module(main, {"path": str(key_file)})
    assert not failed, result
    assert result["changed"] is False
    assert result["generated"] is False
    assert result["public_key"] == public_key_of(GENERATED_KEY)
    assert key_file.stat().st_mtime_ns == modified
    assert fake_wg.subcommands() == ["genkey", "pubkey", "pubkey"]
    assert_no_private_key_leaked(fake_wg, outputs, GENERATED_KEY)


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(RESTORED_KEY + "\n", id="as-wg-genkey-writes-it"),
        pytest.param(RESTORED_KEY, id="no-newline"),
        pytest.param(RESTORED_KEY + "\n\n", id="trailing-blank-line"),
    ],
)
def test_existing_key_is_kept_as_it_is(fake_wg, run_module, key_file, outputs, content):
    write_key_file(key_file, content)
    failed, result = run_module(main, {"path": str(key_file)})
    assert not failed, result
    assert result["changed"] is False
    assert result["public_key"] == public_key_of(RESTORED_KEY)
    assert key_file.read_text() == content
    assert "genkey" not in fake_wg.subcommands()
    assert_no_private_key_leaked(fake_wg, outputs, RESTORED_KEY)


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o400, 0o666], ids=["0644", "0640", "0400", "0666"])
def test_wrong_mode_is_fixed_and_key_kept(fake_wg, run_module, key_file, mode):
    write_key_file(key_file, RESTORED_KEY + "\n", mode)
    failed, result = run_module(main, {"path": str(key_file)})
    assert not failed, result
    assert result["changed"] is True
    assert result["generated"] is False
    assert result["public_key"] == public_key_of(RESTORED_KEY)
    assert file_mode(key_file) == 0o600
    assert key_file.read_text() == RESTORED_KEY + "\n"
    failed, result = run_module(main, {"path": str(key_file)})
    assert result["changed"] is False


def test_wrong_owner_is_fixed(fake_wg, run_module, key_file):
    write_key_file(key_file, RESTORED_KEY + "\n")
    os.chown(key_file, 65534, -1)  # the tests run as root
    failed, result = run_module(main, {"path": str(key_file)})
    assert not failed, result
    assert result["changed"] is True
    assert key_file.stat().st_uid == os.geteuid()
    assert key_file.read_text() == RESTORED_KEY + "\n"


@pytest.mark.parametrize(
    "content",
    [
        pytest.param("not a key\n", id="text"),
        pytest.param("", id="empty"),
        pytest.param(RESTORED_KEY[:-2] + "\n", id="truncated-key"),
        pytest.param(" " + RESTORED_KEY + "\n", id="leading-space"),
        pytest.param(RESTORED_KEY + "\n" + GENERATED_KEY + "\n", id="two-keys"),
        pytest.param("[Interface]\nPrivateKey = %s\n" % RESTORED_KEY, id="wg-quick-config"),
    ],
)
@pytest.mark.parametrize("check_mode", [False, True], ids=["run", "check-mode"])
def test_file_without_a_key_fails_and_is_left_untouched(fake_wg, run_module, key_file, outputs, content, check_mode):
    write_key_file(key_file, content, 0o644)
    failed, result = run_module(main, {"path": str(key_file)}, check_mode=check_mode)
    assert failed
    assert result["msg"] == (
        "%s does not hold a WireGuard private key; it is left untouched. Move it away to have a key"
        " generated, or give private_key to replace it" % key_file
    )
    assert key_file.read_text() == content
    assert file_mode(key_file) == 0o644
    assert "genkey" not in fake_wg.subcommands()
    assert_no_private_key_leaked(fake_wg, outputs, RESTORED_KEY)


@pytest.mark.parametrize(
    "content, mode",
    [
        pytest.param(GENERATED_KEY + "\n", 0o600, id="other-key"),
        pytest.param(GENERATED_KEY + "\n", 0o644, id="other-key-wrong-mode"),
        pytest.param("not a key\n", 0o644, id="not-a-key"),
        pytest.param(None, None, id="missing-file"),
    ],
)
def test_private_key_is_restored(fake_wg, run_module, key_file, outputs, content, mode):
    if content is not None:
        write_key_file(key_file, content, mode)
    failed, result = run_module(main, {"path": str(key_file), "private_key": RESTORED_KEY})
    assert not failed, result
    assert result["changed"] is True
    assert result["generated"] is False
    assert result["public_key"] == public_key_of(RESTORED_KEY)
    assert key_file.read_text() == RESTORED_KEY + "\n"
    assert file_mode(key_file) == 0o600
    assert "genkey" not in fake_wg.subcommands()
    assert_no_private_key_leaked(fake_wg, outputs, RESTORED_KEY, GENERATED_KEY)


@pytest.mark.parametrize(
    "given",
    [
        pytest.param(RESTORED_KEY, id="same-key"),
        pytest.param(RESTORED_KEY + "\n", id="same-key-from-vault-block"),
    ],
)
def test_private_key_already_in_place_changes_nothing(fake_wg, run_module, key_file, outputs, given):
    write_key_file(key_file, RESTORED_KEY + "\n")
    modified = key_file.stat().st_mtime_ns
    failed, result = run_module(main, {"path": str(key_file), "private_key": given})
    assert not failed, result
    assert result["changed"] is False
    assert result["public_key"] == public_key_of(RESTORED_KEY)
    assert key_file.stat().st_mtime_ns == modified
    assert_no_private_key_leaked(fake_wg, outputs, RESTORED_KEY)


@pytest.mark.parametrize(
    "given, problem",
    [
        pytest.param(RESTORED_KEY[:-4], "it is 40 characters long, a key is 44 (base64 of 32 bytes)", id="truncated"),
        pytest.param(
            RESTORED_KEY[:-1] + "!",
            "it is not base64 (a key uses only A-Z, a-z, 0-9, '+' and '/', and ends in '=')",
            id="not-base64",
        ),
        pytest.param(RESTORED_KEY + GENERATED_KEY, "it is 88 characters long, a key is 44 (base64 of 32 bytes)", id="two-keys"),
    ],
)
def test_invalid_private_key_fails_naming_the_option_and_writes_nothing(fake_wg, run_module, key_file, outputs, given, problem):
    write_key_file(key_file, GENERATED_KEY + "\n")
    failed, result = run_module(main, {"path": str(key_file), "private_key": given})
    assert failed
    assert result["msg"] == "private_key is not a WireGuard private key: %s; give the output of wg genkey" % problem
    assert key_file.read_text() == GENERATED_KEY + "\n"
    assert fake_wg.calls() == []
    assert_no_private_key_leaked(fake_wg, outputs, RESTORED_KEY[:-4], GENERATED_KEY)


def test_check_mode_for_missing_file_writes_nothing_and_cannot_know_the_public_key(fake_wg, run_module, key_file, outputs):
    failed, result = run_module(main, {"path": str(key_file)}, check_mode=True, diff=True)
    assert not failed, result
    assert result["changed"] is True
    assert result["generated"] is True
    assert result["public_key"] is None
    assert result["diff"]["before"] == "private key: absent\n"
    assert result["diff"]["after"].startswith("private key: generated on the host (public key known once the key exists)\n")
    assert not key_file.parent.exists()
    assert fake_wg.calls() == []


def test_check_mode_with_other_private_key_returns_its_public_key_and_writes_nothing(fake_wg, run_module, key_file, outputs):
    write_key_file(key_file, GENERATED_KEY + "\n")
    failed, result = run_module(main, {"path": str(key_file), "private_key": RESTORED_KEY}, check_mode=True)
    assert not failed, result
    assert result["changed"] is True
    assert result["generated"] is False
    assert result["public_key"] == public_key_of(RESTORED_KEY)
    assert key_file.read_text() == GENERATED_KEY + "\n"
    assert fake_wg.subcommands() == ["pubkey", "pubkey"]
    assert_no_private_key_leaked(fake_wg, outputs, RESTORED_KEY, GENERATED_KEY)


def test_check_mode_with_wrong_mode_reports_and_leaves_it(fake_wg, run_module, key_file):
    write_key_file(key_file, GENERATED_KEY + "\n", 0o644)
    failed, result = run_module(main, {"path": str(key_file)}, check_mode=True)
    assert not failed, result
    assert result["changed"] is True
    assert result["public_key"] == public_key_of(GENERATED_KEY)
    assert file_mode(key_file) == 0o644


@pytest.mark.parametrize(
    "setup, args, before, after_key_line",
    [
        pytest.param(
            None,
            {},
            "private key: absent\n",
            "generated on the host (public key %s)" % public_key_of(GENERATED_KEY),
            id="generated",
        ),
        pytest.param(
            (GENERATED_KEY + "\n", 0o644),
            {"private_key": RESTORED_KEY},
            "private key: present (public key %s)\nmode: 0644\nowner: root (uid 0)\n" % public_key_of(GENERATED_KEY),
            "replaced from private_key (public key %s)" % public_key_of(RESTORED_KEY),
            id="replaced",
        ),
        pytest.param(
            (GENERATED_KEY + "\n", 0o640),
            {},
            "private key: present (public key %s)\nmode: 0640\nowner: root (uid 0)\n" % public_key_of(GENERATED_KEY),
            "present (public key %s)" % public_key_of(GENERATED_KEY),
            id="mode-fixed",
        ),
    ],
)
def test_diff_describes_the_key_without_showing_it(fake_wg, run_module, key_file, outputs, setup, args, before, after_key_line):
    if setup is not None:
        write_key_file(key_file, *setup)
    failed, result = run_module(main, dict(args, path=str(key_file)), diff=True)
    assert not failed, result
    assert result["diff"] == {
        "before_header": str(key_file),
        "after_header": str(key_file),
        "before": before,
        "after": "private key: %s\nmode: 0600\nowner: root (uid 0)\n" % after_key_line,
    }
    assert_no_private_key_leaked(fake_wg, outputs, RESTORED_KEY, GENERATED_KEY)


def test_key_echoed_by_a_failing_wg_is_masked(fake_wg, run_module, key_file, outputs, monkeypatch):
    """Even an error path that receives the key cannot print it: it is in no_log_values."""
    write_key_file(key_file, GENERATED_KEY + "\n")
    monkeypatch.setenv("FAKE_WG_PUBKEY_LEAKS", "1")
    failed, result = run_module(main, {"path": str(key_file)})
    assert failed
    assert result["msg"].startswith("wg pubkey failed (exit code 1): wg: cannot use key ")
    # The fake did print the key; the module must have masked it.
    assert GENERATED_KEY in fake_wg.calls()[0]["stdin"]
    assert_no_private_key_leaked(fake_wg, outputs, GENERATED_KEY)


def test_generated_key_echoed_by_a_failing_wg_is_masked(fake_wg, run_module, key_file, outputs, monkeypatch):
    monkeypatch.setenv("FAKE_WG_PUBKEY_LEAKS", "1")
    failed, result = run_module(main, {"path": str(key_file)})
    assert failed
    assert fake_wg.subcommands() == ["genkey", "pubkey"]
    assert GENERATED_KEY in fake_wg.calls()[1]["stdin"]
    assert_no_private_key_leaked(fake_wg, outputs, GENERATED_KEY)
    assert not key_file.exists()


def test_given_key_with_whitespace_echoed_by_a_failing_wg_is_masked(fake_wg, run_module, key_file, outputs, monkeypatch):
    """no_log masks the option as given (with its newline); the module masks the key itself too."""
    monkeypatch.setenv("FAKE_WG_PUBKEY_LEAKS", "1")
    failed, result = run_module(main, {"path": str(key_file), "private_key": RESTORED_KEY + "\n"})
    assert failed
    assert RESTORED_KEY in fake_wg.calls()[0]["stdin"]
    assert_no_private_key_leaked(fake_wg, outputs, RESTORED_KEY)
    assert not key_file.exists()


def test_wg_missing_fails_clearly(fake_wg, run_module, key_file, monkeypatch):
    monkeypatch.setattr(basic.AnsibleModule, "get_bin_path", lambda self, arg, required=False, opt_dirs=None: None)
    failed, result = run_module(main, {"path": str(key_file)})
    assert failed
    assert result["msg"] == "wireguard-tools is not installed (wg not found)"
    assert not key_file.parent.exists()


def test_symlink_is_refused(fake_wg, run_module, key_file, tmp_path):
    target = tmp_path / "elsewhere.key"
    target.write_text(GENERATED_KEY + "\n")
    target.chmod(0o644)
    key_file.parent.mkdir(parents=True)
    key_file.symlink_to(target)
    failed, result = run_module(main, {"path": str(key_file), "private_key": RESTORED_KEY})
    assert failed
    assert result["msg"] == "%s is a symbolic link; give the path of the key file itself" % key_file
    assert target.read_text() == GENERATED_KEY + "\n"
    assert file_mode(target) == 0o644
    assert key_file.is_symlink()


ZERO_KEY = base64.b64encode(bytes(32)).decode()


@pytest.mark.parametrize(
    "args, message",
    [
        pytest.param(
            {"path": "wg-oci.key"},
            "path 'wg-oci.key' is relative; give an absolute path such as /etc/wireguard/wg0.key (a relative path depends on"
            " the directory the module runs in)",
            id="relative-path",
        ),
        pytest.param(
            {"path": "etc/wireguard/wg-oci.key", "private_key": RESTORED_KEY}, "path 'etc/wireguard/wg-oci.key' is relative", id="relative-path-with-key"
        ),
        pytest.param(
            {"private_key": ZERO_KEY},
            "private_key is not a WireGuard private key: it is all zeros, which wg reads as no key at all; give the output of wg genkey",
            id="all-zero-private-key",
        ),
        pytest.param(
            {"private_key": RESTORED_KEY[:-4]},
            "private_key is not a WireGuard private key: it is 40 characters long, a key is 44 (base64 of 32 bytes)",
            id="truncated-private-key",
        ),
    ],
)
@pytest.mark.parametrize("check_mode", [False, True], ids=["run", "check-mode"])
def test_bad_input_fails_before_anything_is_read_or_written(fake_wg, run_module, key_file, outputs, tmp_path, monkeypatch, args, message, check_mode):
    monkeypatch.chdir(tmp_path)
    failed, result = run_module(main, dict({"path": str(key_file)}, **args), check_mode=check_mode)
    assert failed
    assert result["msg"].startswith(message)
    assert fake_wg.calls() == []
    assert os.listdir(tmp_path) == ["bin"], "nothing written, not even relative to the working directory"
    assert_no_private_key_leaked(fake_wg, outputs, RESTORED_KEY, RESTORED_KEY[:-4], ZERO_KEY)
