# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""iptables_accept's pure parts: its rules, the lines iptables prints for them, and the plans for the live rules and
the rules file, on Oracle Cloud's real rules file (tests/lab/files/oci-ubuntu.rules.v4) and what iptables -S shows
once it is loaded."""

from __future__ import annotations

import pathlib

import pytest

from ansible_collections.multisite.vpn.plugins.module_utils import iptables_accept as accept
from ansible_collections.multisite.vpn.plugins.module_utils.iptables_accept import IptablesError

OCI_RULES_FILE = (pathlib.Path(__file__).parents[4] / "tests" / "lab" / "files" / "oci-ubuntu.rules.v4").read_text()
# `iptables -S` on a Debian 13 container after `iptables-restore < oci-ubuntu.rules.v4` (iptables 1.8.11, nf_tables).
OCI_LIVE = """\
-P INPUT ACCEPT
-P FORWARD ACCEPT
-P OUTPUT ACCEPT
-N InstanceServices
-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT
-A INPUT -p icmp -j ACCEPT
-A INPUT -i lo -j ACCEPT
-A INPUT -p udp -m udp --sport 123 -j ACCEPT
-A INPUT -p tcp -m state --state NEW -m tcp --dport 22 -j ACCEPT
-A INPUT -j REJECT --reject-with icmp-host-prohibited
-A FORWARD -j REJECT --reject-with icmp-host-prohibited
-A OUTPUT -d 169.254.0.0/16 -j InstanceServices
-A InstanceServices -d 169.254.0.0/16 -p tcp -m tcp -j REJECT --reject-with tcp-reset
-A InstanceServices -d 169.254.0.0/16 -p udp -m udp -j REJECT --reject-with icmp-port-unreachable
""".splitlines()
# What the hub role asks for, and the lines molecule's verify looks for on hub-oci.
HUB_RULES = [
    dict(chain="INPUT", protocol="udp", destination_port=51820, in_interface=None, out_interface=None, comment="multisite.vpn: WireGuard"),
    dict(chain="FORWARD", protocol=None, destination_port=None, in_interface="wg-oci", out_interface="wg-oci", comment="multisite.vpn: site to site"),
]
WIREGUARD = '-A INPUT -p udp -m udp --dport 51820 -m comment --comment "multisite.vpn: WireGuard" -j ACCEPT'
SITE_TO_SITE = '-A FORWARD -i wg-oci -o wg-oci -m comment --comment "multisite.vpn: site to site" -j ACCEPT'
OLD_PORT = WIREGUARD.replace("51820", "51821")


def rules(*changes):
    return accept.check_rules([dict(rule, **change) for rule, change in zip(HUB_RULES, changes or ({}, {}))])


def test_the_lines_are_those_of_today():
    assert [rule["line"] for rule in rules()] == [WIREGUARD, SITE_TO_SITE]


@pytest.mark.parametrize(
    "rule, line",
    [
        pytest.param(dict(chain="INPUT", protocol="tcp", comment="web"), "-A INPUT -p tcp -m comment --comment web -j ACCEPT", id="bare-comment"),
        pytest.param(dict(chain="INPUT", protocol="tcp", destination_port=443, in_interface="eth0", comment="a-b_c"),
                     "-A INPUT -i eth0 -p tcp -m tcp --dport 443 -m comment --comment a-b_c -j ACCEPT", id="order-interface-protocol"),
        pytest.param(dict(chain="FORWARD", in_interface="wg+", out_interface="eth0", protocol="udp", comment="x.y"),
                     '-A FORWARD -i wg+ -o eth0 -p udp -m comment --comment "x.y" -j ACCEPT', id="quoted-dot"),
    ],
)
def test_rule_line_is_what_iptables_prints(rule, line):
    assert accept.rule_line(rule) == line


@pytest.mark.parametrize(
    "change, message",
    [
        pytest.param(dict(chain="IN PUT"), "rules[0].chain: 'IN PUT' is not an iptables chain name", id="chain-space"),
        pytest.param(dict(chain="X" * 29), "is not an iptables chain name", id="chain-too-long"),
        pytest.param(dict(destination_port=0), "rules[0].destination_port: 0 is not a port from 1 to 65535", id="port-zero"),
        pytest.param(dict(destination_port=65536), "rules[0].destination_port: 65536 is not a port", id="port-high"),
        pytest.param(dict(protocol=None), "rules[0].destination_port: needs protocol (tcp or udp)", id="port-without-protocol"),
        pytest.param(dict(in_interface="wg oci"), "rules[0].in_interface: 'wg oci' is not an interface name", id="interface-space"),
        pytest.param(dict(in_interface="a" * 16), "rules[0].in_interface:", id="interface-too-long"),
        pytest.param(dict(out_interface="wg/0"), "rules[0].out_interface: 'wg/0' is not an interface name", id="interface-slash"),
        pytest.param(dict(protocol=None, destination_port=None), "rules[0]: matches every packet of its chain", id="matches-everything"),
        pytest.param(dict(comment=""), "rules[0].comment: '' must be 1 to 255", id="comment-empty"),
        pytest.param(dict(comment='say "hi"'), "rules[0].comment:", id="comment-quote"),
        pytest.param(dict(comment="back\\slash"), "rules[0].comment:", id="comment-backslash"),
        pytest.param(dict(comment="x" * 256), "rules[0].comment:", id="comment-too-long"),
        pytest.param(dict(comment=" padded"), "rules[0].comment:", id="comment-leading-space"),
        pytest.param(dict(comment="tab\there"), "rules[0].comment:", id="comment-tab"),
        pytest.param(dict(comment="ünïcode"), "rules[0].comment:", id="comment-not-ascii"),
    ],
)
def test_bad_rules_are_refused_naming_the_rule(change, message):
    with pytest.raises(IptablesError) as error:
        rules(change)
    assert message in str(error.value)


def test_two_rules_of_a_chain_with_one_comment_are_refused():
    with pytest.raises(IptablesError, match=r"rules\[1\]\.comment: 'same' is also the comment of rules\[0\] in chain INPUT"):
        accept.check_rules([dict(HUB_RULES[0], comment="same"), dict(HUB_RULES[0], destination_port=51821, comment="same")])
    # One comment in two chains is two rules.
    assert len(accept.check_rules([dict(HUB_RULES[0], comment="same"), dict(HUB_RULES[1], comment="same")])) == 2


def test_every_bad_rule_is_reported_at_once():
    with pytest.raises(IptablesError) as error:
        rules(dict(chain="A B"), dict(comment=""))
    assert "rules[0].chain:" in str(error.value) and "; rules[1].comment:" in str(error.value)


@pytest.mark.parametrize(
    "live, chains",
    [
        pytest.param(OCI_LIVE, ["INPUT", "FORWARD"], id="oracle"),
        pytest.param(["-P INPUT ACCEPT", "-P FORWARD ACCEPT", "-P OUTPUT ACCEPT"], [], id="accept-all"),
        pytest.param(["-P INPUT ACCEPT", "-P FORWARD DROP", "-A FORWARD -j DOCKER-USER"], ["FORWARD"], id="docker-policy-drop"),
        pytest.param(["-P INPUT ACCEPT", "-A INPUT -s 203.0.113.9/32 -j DROP"], ["INPUT"], id="drop-rule"),
        pytest.param(["-P INPUT ACCEPT", "-A INPUT -j LOG --log-prefix REJECT"], [], id="reject-in-a-prefix-only"),
        pytest.param(["-P OUTPUT ACCEPT", "-A OUTPUT -j REJECT"], [], id="other-chain"),
    ],
)
def test_rejecting_chains(live, chains):
    assert accept.rejecting_chains(live, ["INPUT", "FORWARD"]) == chains


def test_oracle_live_plan_inserts_both_at_the_top():
    plan = accept.plan_live(OCI_LIVE, rules())
    assert plan == dict(rejecting_chains=["INPUT", "FORWARD"], deleted=[], inserted=[WIREGUARD, SITE_TO_SITE])
    assert accept.insert_argvs(plan["inserted"]) == [
        ["-I", "FORWARD", "1", "-i", "wg-oci", "-o", "wg-oci", "-m", "comment", "--comment", "multisite.vpn: site to site", "-j", "ACCEPT"],
        ["-I", "INPUT", "1", "-p", "udp", "-m", "udp", "--dport", "51820", "-m", "comment", "--comment", "multisite.vpn: WireGuard", "-j", "ACCEPT"],
    ]
    after = accept.predict_live(OCI_LIVE, plan)
    assert after[4] == WIREGUARD and after[after.index("-A FORWARD -j REJECT --reject-with icmp-host-prohibited") - 1] == SITE_TO_SITE
    assert accept.plan_live(after, rules()) == dict(rejecting_chains=["INPUT", "FORWARD"], deleted=[], inserted=[])


@pytest.mark.parametrize(
    "extra, deleted, inserted",
    [
        # the port changed: the old rule goes, the new one comes
        pytest.param({4: OLD_PORT}, [OLD_PORT], [WIREGUARD, SITE_TO_SITE], id="old-port"),
        # in place (before the REJECT, wherever): nothing for INPUT
        pytest.param({8: WIREGUARD}, [], [SITE_TO_SITE], id="in-place-not-first"),
        # after the REJECT it never matches: moved to the top
        pytest.param({10: WIREGUARD}, [WIREGUARD], [WIREGUARD, SITE_TO_SITE], id="after-reject"),
        # a copy after the REJECT of a rule in place is left alone
        pytest.param({4: WIREGUARD, 10: WIREGUARD}, [], [SITE_TO_SITE], id="in-place-and-copy"),
        # a rule without our comment that looks alike is not ours
        pytest.param({4: "-A INPUT -p udp -m udp --dport 51820 -j ACCEPT"}, [], [WIREGUARD, SITE_TO_SITE], id="not-ours"),
    ],
)
def test_live_plan_of_a_chain_with_rules_of_ours(extra, deleted, inserted):
    live = list(OCI_LIVE)
    for position in sorted(extra, reverse=True):
        live.insert(position, extra[position])
    plan = accept.plan_live(live, rules())
    assert (plan["deleted"], plan["inserted"]) == (deleted, inserted)
    assert accept.plan_live(accept.predict_live(live, plan), rules())["inserted"] == []


def test_delete_argv_keeps_the_comment_whole():
    assert accept.delete_argv(OLD_PORT) == ["-D", "INPUT", "-p", "udp", "-m", "udp", "--dport", "51821", "-m", "comment", "--comment",
                                            "multisite.vpn: WireGuard", "-j", "ACCEPT"]


def test_predict_live_places_a_rule_in_a_chain_without_rules():
    live = ["-P INPUT ACCEPT", "-P FORWARD DROP", "-P OUTPUT ACCEPT", "-A INPUT -i lo -j ACCEPT", "-A OUTPUT -o lo -j ACCEPT"]
    plan = accept.plan_live(live, rules())
    assert plan["inserted"] == [SITE_TO_SITE]
    assert accept.predict_live(live, plan) == live[:4] + [SITE_TO_SITE] + live[4:]


def test_oracle_rules_file_gets_each_line_before_its_chains_reject():
    text = accept.plan_file(OCI_RULES_FILE, rules(), ["INPUT", "FORWARD"])
    lines = text.splitlines()
    assert lines.index(WIREGUARD) + 1 == lines.index("-A INPUT -j REJECT --reject-with icmp-host-prohibited")
    assert lines.index(SITE_TO_SITE) + 1 == lines.index("-A FORWARD -j REJECT --reject-with icmp-host-prohibited")
    # Nothing else moves: the file is Oracle's with two lines more.
    assert [line for line in lines if line not in (WIREGUARD, SITE_TO_SITE)] == OCI_RULES_FILE.splitlines()
    assert accept.plan_file(text, rules(), ["INPUT", "FORWARD"]) == text


def test_rules_file_only_for_chains_that_reject_live():
    text = accept.plan_file(OCI_RULES_FILE, rules(), ["INPUT"])
    assert WIREGUARD in text and SITE_TO_SITE not in text


def test_rules_file_old_line_is_replaced_in_place():
    old = OCI_RULES_FILE.replace("-A INPUT -j REJECT", OLD_PORT + "\n-A INPUT -j REJECT")
    text = accept.plan_file(old, rules(), ["INPUT", "FORWARD"])
    assert OLD_PORT not in text
    assert text == accept.plan_file(OCI_RULES_FILE, rules(), ["INPUT", "FORWARD"])


@pytest.mark.parametrize(
    "text, expected",
    [
        # policy DROP without a REJECT rule: after the chain's last rule
        pytest.param("*filter\n:INPUT DROP [0:0]\n-A INPUT -i lo -j ACCEPT\n-A INPUT -p icmp -j ACCEPT\nCOMMIT\n",
                     "*filter\n:INPUT DROP [0:0]\n-A INPUT -i lo -j ACCEPT\n-A INPUT -p icmp -j ACCEPT\n%s\nCOMMIT\n" % WIREGUARD, id="policy-drop"),
        # no rule of the chain: before COMMIT
        pytest.param("*filter\n:INPUT DROP [0:0]\nCOMMIT\n", "*filter\n:INPUT DROP [0:0]\n%s\nCOMMIT\n" % WIREGUARD, id="empty-chain"),
        # the nat table's COMMIT comes first and is not the filter table's
        pytest.param("*nat\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j DROP\nCOMMIT",
                     "*nat\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n*filter\n:INPUT ACCEPT [0:0]\n%s\n-A INPUT -j DROP\nCOMMIT\n" % WIREGUARD,
                     id="after-nat-no-final-newline"),
        # counters (iptables-save -c) do not hide a REJECT
        pytest.param("*filter\n[5:300] -A INPUT -j REJECT\nCOMMIT\n", "*filter\n%s\n[5:300] -A INPUT -j REJECT\nCOMMIT\n" % WIREGUARD, id="counters"),
        pytest.param("*nat\nCOMMIT\n", None, id="no-filter-table"),
        pytest.param("*filter\n-A INPUT -j REJECT\n", None, id="filter-without-commit"),
    ],
)
def test_rules_file_shapes(text, expected):
    assert accept.plan_file(text, rules()[:1], ["INPUT"]) == expected


def test_chain_lines_shows_only_the_chains_asked_for():
    assert accept.chain_lines(OCI_LIVE, {"FORWARD"}) == "-P FORWARD ACCEPT\n-A FORWARD -j REJECT --reject-with icmp-host-prohibited\n"
