# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module end to end: its real main() with iptables answered in the test's own process (the live rules as a list
of `iptables -S` lines; -S, -I CHAIN 1 and -D as iptables does them) and the rules file in tmp_path."""

from __future__ import annotations

import stat

import pytest

from ansible.module_utils import basic
from ansible_collections.multisite.vpn.plugins.module_utils import iptables_accept as accept
from ansible_collections.multisite.vpn.plugins.modules.iptables_accept import main
from ansible_collections.multisite.vpn.tests.unit.plugins.module_utils.test_iptables_accept import (
    OCI_LIVE,
    OCI_RULES_FILE,
    OLD_PORT,
    SITE_TO_SITE,
    WIREGUARD,
)

RULES = [
    dict(chain="INPUT", protocol="udp", destination_port=51820, comment="multisite.vpn: WireGuard"),
    dict(chain="FORWARD", in_interface="wg-oci", out_interface="wg-oci", comment="multisite.vpn: site to site"),
]


class FakeIptables:
    def __init__(self, live):
        self.live = list(live)
        self.present = True
        self.read_error = None
        self.calls = []
        self.warnings = []

    @staticmethod
    def line(chain, spec):
        """The rule as -S prints it: the comment quoted as iptables quotes it, every other word as it is."""
        return " ".join(["-A", chain] + [accept.quote_comment(word) if previous == "--comment" else word
                                         for previous, word in zip([None] + spec, spec)])

    def run_command(self, args, **kwargs):
        args = list(args)
        self.calls.append(args[1:])
        if args[1:] == ["-S"]:
            return (4, "", self.read_error) if self.read_error else (0, "".join(line + "\n" for line in self.live), "")
        if args[1] == "-I":
            chain, position, spec = args[2], args[3], args[4:]
            assert position == "1"
            first = next(index for index, line in enumerate(self.live) if line.startswith(("-A %s " % chain)) or index == len(self.live) - 1)
            self.live.insert(first, self.line(chain, spec))
            return 0, "", ""
        if args[1] == "-D":
            line = self.line(args[2], args[3:])
            if line not in self.live:
                return 1, "", "iptables: Bad rule (does a matching rule exist in that chain?).\n"
            self.live.remove(line)
            return 0, "", ""
        raise AssertionError("unexpected iptables call %r" % args)


@pytest.fixture
def iptables(monkeypatch):
    fake = FakeIptables(OCI_LIVE)
    monkeypatch.setattr(basic.AnsibleModule, "run_command", lambda module, args, **kwargs: fake.run_command(args, **kwargs))
    monkeypatch.setattr(basic.AnsibleModule, "get_bin_path", lambda module, name, *args, **kwargs: "/usr/sbin/iptables" if fake.present else None)
    # Ansible keeps warnings process-wide and reports each text once per process: record them here instead.
    monkeypatch.setattr(basic.AnsibleModule, "warn", lambda module, warning, *args, **kwargs: fake.warnings.append(warning))
    return fake


@pytest.fixture
def rules_file(tmp_path):
    path = tmp_path / "rules.v4"
    path.write_text(OCI_RULES_FILE)
    path.chmod(0o640)
    return path


def test_oracle_host_gets_both_rules_live_and_in_the_file(iptables, rules_file, run_module):
    failed, result = run_module(main, dict(rules=RULES, rules_file=str(rules_file)))
    assert not failed, result
    assert (result["changed"], result["inserted"], result["deleted"], result["file_changed"]) == (True, [WIREGUARD, SITE_TO_SITE], [], True)
    assert result["rejecting_chains"] == ["INPUT", "FORWARD"]
    assert iptables.live[4] == WIREGUARD and SITE_TO_SITE in iptables.live
    lines = rules_file.read_text().splitlines()
    assert lines.index(WIREGUARD) < lines.index("-A INPUT -j REJECT --reject-with icmp-host-prohibited")
    assert lines.index(SITE_TO_SITE) < lines.index("-A FORWARD -j REJECT --reject-with icmp-host-prohibited")
    assert stat.S_IMODE(rules_file.stat().st_mode) == 0o640


def test_second_run_only_reads(iptables, rules_file, run_module):
    run_module(main, dict(rules=RULES, rules_file=str(rules_file)))
    iptables.calls.clear()
    modified = rules_file.stat().st_mtime_ns
    failed, result = run_module(main, dict(rules=RULES, rules_file=str(rules_file)))
    assert not failed, result
    assert result["changed"] is False
    assert iptables.calls == [["-S"]]
    assert rules_file.stat().st_mtime_ns == modified


def test_a_reboot_that_loads_the_file_needs_nothing(iptables, rules_file, run_module):
    run_module(main, dict(rules=RULES, rules_file=str(rules_file)))
    # What iptables -S shows after iptables-restore of the new file: the rules before the REJECT, not first.
    live = list(OCI_LIVE)
    live.insert(live.index("-A INPUT -j REJECT --reject-with icmp-host-prohibited"), WIREGUARD)
    live.insert(live.index("-A FORWARD -j REJECT --reject-with icmp-host-prohibited"), SITE_TO_SITE)
    iptables.live = live
    failed, result = run_module(main, dict(rules=RULES, rules_file=str(rules_file)))
    assert not failed and result["changed"] is False, result


def test_a_changed_port_replaces_the_old_rule(iptables, rules_file, run_module):
    old_rules = [dict(RULES[0], destination_port=51821), RULES[1]]
    run_module(main, dict(rules=old_rules, rules_file=str(rules_file)))
    failed, result = run_module(main, dict(rules=RULES, rules_file=str(rules_file)))
    assert not failed, result
    assert (result["deleted"], result["inserted"], result["file_changed"]) == ([OLD_PORT], [WIREGUARD], True)
    assert OLD_PORT not in iptables.live and OLD_PORT not in rules_file.read_text()
    assert rules_file.read_text().count("multisite.vpn: WireGuard") == 1


def test_check_mode_and_diff_tell_the_truth(iptables, rules_file, run_module):
    failed, result = run_module(main, dict(rules=RULES, rules_file=str(rules_file)), check_mode=True, diff=True)
    assert not failed, result
    assert (result["changed"], result["inserted"], result["file_changed"]) == (True, [WIREGUARD, SITE_TO_SITE], True)
    assert iptables.calls == [["-S"]] and iptables.live == OCI_LIVE and rules_file.read_text() == OCI_RULES_FILE
    live_diff, file_diff = result["diff"]
    assert live_diff["before"] == "".join(line + "\n" for line in OCI_LIVE if line.split()[1] in ("INPUT", "FORWARD"))
    added = [line for line in live_diff["after"].splitlines() if line not in live_diff["before"].splitlines()]
    assert added == [WIREGUARD, SITE_TO_SITE]
    assert file_diff["before"] == OCI_RULES_FILE and file_diff["after"] == accept.plan_file(OCI_RULES_FILE, accept.check_rules(
        [dict(dict.fromkeys(("protocol", "destination_port", "in_interface", "out_interface")), **rule) for rule in RULES]), ["INPUT", "FORWARD"])


@pytest.mark.parametrize(
    "live, file_text, calls, warnings",
    [
        pytest.param(["-P INPUT ACCEPT", "-P FORWARD ACCEPT", "-P OUTPUT ACCEPT"], OCI_RULES_FILE, [["-S"]], [], id="no-reject-rules"),
        pytest.param(OCI_LIVE, None, [["-S"], ["-I", "FORWARD"], ["-I", "INPUT"]], [], id="no-rules-file"),
        pytest.param(OCI_LIVE, "*nat\nCOMMIT\n", [["-S"], ["-I", "FORWARD"], ["-I", "INPUT"]], ["has no filter table"], id="file-without-filter"),
    ],
)
def test_what_is_left_alone(iptables, tmp_path, run_module, live, file_text, calls, warnings):
    iptables.live = list(live)
    path = tmp_path / "rules.v4"
    if file_text is not None:
        path.write_text(file_text)
    failed, result = run_module(main, dict(rules=RULES, rules_file=str(path)))
    assert not failed, result
    assert [call[:2] for call in iptables.calls] == calls
    assert [any(text in warning for warning in iptables.warnings) for text in warnings] == [True] * len(iptables.warnings)
    assert (path.read_text() if file_text is not None else None) == file_text


def test_without_iptables_there_is_nothing_to_do(iptables, rules_file, run_module):
    iptables.present = False
    failed, result = run_module(main, dict(rules=RULES, rules_file=str(rules_file)))
    assert not failed and result["changed"] is False and iptables.calls == []
    assert result["msg"] == "iptables not found: no iptables rules to pass"


def test_an_unreadable_rule_set_is_a_warning(iptables, rules_file, run_module):
    iptables.read_error = "iptables v1.8.11 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)\n"
    failed, result = run_module(main, dict(rules=RULES, rules_file=str(rules_file)))
    assert not failed and result["changed"] is False
    assert iptables.warnings == ["iptables -S failed, so no iptables rule was checked: iptables v1.8.11 (nf_tables): Could not fetch rule set"
                                 " generation id: Permission denied (you must be root)"]
    assert rules_file.read_text() == OCI_RULES_FILE


def test_a_failing_insert_is_reported_with_iptables_words(iptables, rules_file, run_module, monkeypatch):
    real = iptables.run_command

    def refusing(args, **kwargs):
        if list(args)[1] == "-I":
            return 2, "", "iptables v1.8.11 (nf_tables): Couldn't load match `comment'\n"
        return real(args, **kwargs)

    monkeypatch.setattr(basic.AnsibleModule, "run_command", lambda module, args, **kwargs: refusing(args, **kwargs))
    failed, result = run_module(main, dict(rules=RULES, rules_file=str(rules_file)))
    assert failed
    assert result["msg"].startswith("iptables -I FORWARD 1 -i wg-oci -o wg-oci -m comment --comment 'multisite.vpn: site to site' -j ACCEPT"
                                    " failed: iptables v1.8.11 (nf_tables): Couldn't load match `comment'")
    assert rules_file.read_text() == OCI_RULES_FILE


@pytest.mark.parametrize(
    "rules, file_argument, message",
    [
        pytest.param([dict(RULES[0], chain="IN PUT")], None, "rules[0].chain: 'IN PUT' is not an iptables chain name", id="bad-chain"),
        pytest.param([dict(RULES[0], destination_port=70000)], None, "rules[0].destination_port: 70000 is not a port", id="bad-port"),
        pytest.param([dict(chain="INPUT", destination_port=51820, comment="x")], None, "rules[0].destination_port: needs protocol", id="port-alone"),
        pytest.param([dict(chain="INPUT", comment="everything")], None, "rules[0]: matches every packet of its chain", id="match-all"),
        pytest.param([RULES[0], dict(RULES[1], in_interface="wg oci")], None, "rules[1].in_interface: 'wg oci' is not an interface name",
                     id="bad-interface"),
        pytest.param([dict(RULES[0], comment='say "hi"')], None, "rules[0].comment:", id="comment-quote"),
        pytest.param([RULES[0], dict(RULES[0], destination_port=51821)], None, "rules[1].comment: 'multisite.vpn: WireGuard' is also the comment"
                     " of rules[0]", id="comment-twice"),
        pytest.param([dict(RULES[0], protocol="icmp")], None, "value of protocol must be one of: tcp, udp", id="protocol-choice"),
        pytest.param([dict(RULES[0], destination_port="fifty")], None, "destination_port", id="port-not-int"),
        pytest.param(RULES, "rules.v4", "rules_file: 'rules.v4' is not an absolute path", id="relative-file"),
    ],
)
def test_bad_input_matrix(iptables, rules_file, run_module, rules, file_argument, message):
    failed, result = run_module(main, dict(rules=rules, rules_file=file_argument or str(rules_file)))
    assert failed
    assert message in result["msg"]
    assert "Traceback" not in result["msg"]
    assert iptables.calls == [] and iptables.live == OCI_LIVE and rules_file.read_text() == OCI_RULES_FILE
