# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Role multisite.vpn.ix through ansible-playbook on a temporary inventory: every careless input ends the
play for its router with one clear message, before any connection is tried, and no secret shows at -vvv.

The matrix runs once (one ansible-playbook for all cases, each case a pair of routers of its own). Every
router of a case points at a trap: a TCP listener that counts connections and must count none. A pair of
routers with good variables, pointed at a listener of its own, proves that the checks let good input
through and that the listeners notice a push.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import sys

import pytest
import yaml

from ansible_collections.multisite.vpn.tests.integration.connection_trap import listening

REPO = pathlib.Path(__file__).parents[2]
# The tasks that may stop a router: the role's argument spec and its checks (task names, as the callback shows them).
CHECK_TASKS = (
    "multisite.vpn.ix : Validating arguments against arg spec 'main'",
    "multisite.vpn.ix : Check the variables of this router and of its IKEv2 peer",
)
BOOTSTRAP_CHECK_TASKS = (
    "multisite.vpn.ix : Validating arguments against arg spec 'bootstrap'",
    "multisite.vpn.ix : Check the administrator to add and the telnet login that adds it",
)
# The `fatal: [host]: FAILED! => {json}` lines the default callback prints with callback_result_format=json.
FATAL = re.compile(r"^fatal: \[(?P<host>[^\]]+)\]: FAILED! => ", re.MULTILINE)
TASK = re.compile(r"^TASK \[(?P<name>.*)\] \**$", re.MULTILINE)


def secrets_of(host):
    """Secrets unique to HOST, so that one found in the output names the host it leaked from."""
    return {
        "ansible_password": "Login-%s-x7Qz" % host,
        "ix_pppoe_password": "Pppoe-%s-k2Wv" % host,
        "ix_netmeister_password": "Nm-%s-p9Lr" % host,
        "ix_ikev2_psk": "Psk-%s-m4Ts" % host,
    }


def router(host, peer, lan, port, **changed):
    """HOST's variables, good unless CHANGED says otherwise (a value of None leaves the variable out)."""
    variables = {
        "ansible_connection": "local",
        "ansible_python_interpreter": sys.executable,
        "ansible_host": "127.0.0.1",
        "ansible_port": port,
        "ansible_user": "admin",
        "ix_transport": "telnet",
        "ix_ikev2_peer": peer,
        "ix_lan_ipv4": lan,
        "ix_watch_host": "192.0.2.53",
        "ix_netmeister_account": "example",
        "ix_pppoe_username": host + "@isp.example.net",
        **secrets_of(host),
    }
    variables.update(changed)
    return {name: value for name, value in variables.items() if value is not None}


def run_playbook(tmp_path, name, hosts, playbook, *options):
    """Run PLAYBOOK on an inventory whose group ix_routers holds HOSTS; return (result, {host: (task, result)})."""
    inventory = tmp_path / (name + ".yml")
    inventory.write_text(yaml.safe_dump({"all": {"children": {"ix_routers": {"hosts": hosts}}}}))
    ran = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", str(inventory), str(REPO / "playbooks" / playbook),
         "-vvv", *options],
        cwd=REPO,
        env=dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_CALLBACK_RESULT_FORMAT="json",
                 ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-local"), ANSIBLE_FORCE_COLOR="0"),
        capture_output=True, text=True, timeout=300, check=False,
    )
    return ran, failures(ran.stdout)


def failures(stdout):
    """{host: (the task it failed at, its result)} from the default callback's output."""
    tasks = [(match.start(), match.group("name")) for match in TASK.finditer(stdout)]
    found = {}
    for match in FATAL.finditer(stdout):
        task = [name for start, name in tasks if start < match.start()][-1]
        result, _end = json.JSONDecoder().raw_decode(stdout, match.end())
        found[match.group("host")] = (task, result)
    return found


def message_of(result):
    message = result.get("msg", "")
    return "\n".join(message) if isinstance(message, list) else str(message)


# Each case: its id, the changes to router <id>-a and to its peer <id>-b (partners are never in the play,
# only read through hostvars), the message expected for <id>-a.
LAN_A, LAN_B = "192.168.100.0/24", "192.168.10.0/24"
CASES = [
    ("lan-same-as-peer", {}, {"ix_lan_ipv4": LAN_A},
     "ix_lan_ipv4: 192.168.100.0/24 overlaps 192.168.100.0/24, the LAN of lan-same-as-peer-b (the IKEv2 peer)"),
    ("lan-overlaps-peer", {}, {"ix_lan_ipv4": "192.168.100.128/25"},
     "ix_lan_ipv4: 192.168.100.0/24 overlaps 192.168.100.128/25, the LAN of lan-overlaps-peer-b"),
    ("lan-inside-peer", {"ix_lan_ipv4": "192.168.10.64/26"}, {},
     "ix_lan_ipv4: 192.168.10.64/26 overlaps 192.168.10.0/24, the LAN of lan-inside-peer-b"),
    ("lan-host-bits", {"ix_lan_ipv4": "192.168.100.1/24"}, {},
     "ix_lan_ipv4: '192.168.100.1/24' has host bits set; did you mean 192.168.100.0/24?"),
    ("lan-no-prefix", {"ix_lan_ipv4": "192.168.100.0"}, {},
     "ix_lan_ipv4: '192.168.100.0' is not an IPv4 subnet with a prefix length, such as 192.168.100.0/24"),
    ("lan-not-an-address", {"ix_lan_ipv4": "192.168.300.0/24"}, {},
     "ix_lan_ipv4: '192.168.300.0/24' is not an IPv4 subnet such as 192.168.100.0/24"),
    ("lan-ipv6", {"ix_lan_ipv4": "2001:db8:100::/64"}, {},
     "ix_lan_ipv4: '2001:db8:100::/64' is IPv6"),
    ("lan-too-small", {"ix_lan_ipv4": "192.168.100.0/31"}, {},
     "ix_lan_ipv4: 192.168.100.0/31 leaves no address for the router and a host"),
    ("lan-missing", {"ix_lan_ipv4": None}, {},
     "missing required arguments: ix_lan_ipv4"),
    ("psk-missing-for-peer", {}, {"ix_ikev2_psk": None},
     "ix_ikev2_psk: psk-missing-for-peer-b, the IKEv2 peer of psk-missing-for-peer-a, has no pre-shared key"),
    ("psk-of-peer-empty", {}, {"ix_ikev2_psk": ""},
     "ix_ikev2_psk: the pre-shared key of psk-of-peer-empty-b (the IKEv2 peer of psk-of-peer-empty-a, which holds it too) is empty"),
    ("psk-own-missing", {"ix_ikev2_psk": None}, {},
     "missing required arguments: ix_ikev2_psk"),
    ("psk-own-empty", {"ix_ikev2_psk": ""}, {},
     "ix_ikev2_psk: the pre-shared key of psk-own-empty-a (IKEv2 key id psk-own-empty-a) is empty"),
    ("psk-own-whitespace", {"ix_ikev2_psk": "Psk two words"}, {},
     "ix_ikev2_psk: the pre-shared key of psk-own-whitespace-a (IKEv2 key id psk-own-whitespace-a) contains whitespace"),
    ("psk-own-not-a-string", {"ix_ikev2_psk": 12345678}, {},
     "ix_ikev2_psk: the pre-shared key of psk-own-not-a-string-a (IKEv2 key id psk-own-not-a-string-a) is a number, not a string"),
    ("psk-same-for-both", {"ix_ikev2_psk": "Psk-shared-by-both-Zq8"}, {"ix_ikev2_psk": "Psk-shared-by-both-Zq8"},
     "ix_ikev2_psk: psk-same-for-both-a and psk-same-for-both-b have the same pre-shared key: give each IKEv2 id its own"),
    ("map-e-unknown", {"ix_map_e_type": "v6plus"}, {},
     "value of ix_map_e_type must be one of: ocn, got: v6plus"),
    ("transport-unknown", {"ix_transport": "ssh2"}, {},
     "value of ix_transport must be one of: ssh, telnet, got: ssh2"),
    ("save-when-unknown", {"ix_save_when": "sometimes"}, {},
     "value of ix_save_when must be one of: changed, always, never, got: sometimes"),
    ("flag-not-a-bool", {"ix_update_secrets": "perhaps"}, {},
     "argument 'ix_update_secrets' is of type str"),
    ("peer-is-itself", {"ix_ikev2_peer": "peer-is-itself-a"}, {},
     "ix_ikev2_peer: 'peer-is-itself-a' is this router itself"),
    ("peer-unknown", {"ix_ikev2_peer": "ix2215-osaka"}, {},
     "ix_ikev2_peer: 'ix2215-osaka' is not a router of group ix_routers"),
    ("peer-unset", {"ix_ikev2_peer": None}, {},
     "ix_ikev2_peer: not set, and group ix_routers has"),
    ("peer-names-another", {}, {"ix_ikev2_peer": "good-a"},
     "ix_ikev2_peer: peer-names-another-a makes its tunnels to peer-names-another-b, whose ix_ikev2_peer is 'good-a'"),
    ("peer-names-none", {}, {"ix_ikev2_peer": None},
     "ix_ikev2_peer: peer-names-none-a makes its tunnels to peer-names-none-b, which names no peer"),
    ("wan-network-address", {"ix_wan_ipv4": "192.168.1.0/24"}, {},
     "ix_wan_ipv4: 192.168.1.0/24 is the network address of 192.168.1.0/24: give the router's own address in it, such as 192.168.1.254/24"),
    ("wan-without-prefix", {"ix_wan_ipv4": "192.168.1.254"}, {},
     "ix_wan_ipv4: '192.168.1.254' is not an IPv4 address with a prefix length"),
    ("wan-in-own-lan", {"ix_wan_ipv4": "192.168.100.254/24"}, {},
     "ix_wan_ipv4: 192.168.100.254/24 overlaps this router's LAN (ix_lan_ipv4) 192.168.100.0/24"),
    ("wan-in-peer-lan", {"ix_wan_ipv4": "192.168.10.254/24"}, {},
     "ix_wan_ipv4: 192.168.10.254/24 overlaps the LAN of wan-in-peer-lan-b (its ix_lan_ipv4) 192.168.10.0/24"),
    ("watch-host-a-name", {"ix_watch_host": "dns.example.net"}, {},
     "ix_watch_host: 'dns.example.net' is not an IPv4 address"),
    ("login-at-a-lan-host", {"ix_lan_ipv4": "127.0.0.0/24", "ansible_host": "127.0.0.2"}, {},
     "ansible_host: 127.0.0.2 is in this router's LAN 127.0.0.0/24, whose address on the router is 127.0.0.1"),
    ("netmeister-account-differs", {}, {"ix_netmeister_account": "other"},
     "ix_netmeister_account: netmeister-account-differs-a uses 'example' and its peer netmeister-account-differs-b 'other'"),
    ("netmeister-account-not-a-label", {"ix_netmeister_account": "my account"}, {"ix_netmeister_account": "my account"},
     "ix_netmeister_account: 'my account' is part of the routers' DDNS names"),
    ("pppoe-password-whitespace", {"ix_pppoe_password": "Pppoe pass"}, {},
     "ix_pppoe_password: the value for pppoe-password-whitespace-a contains whitespace"),
    ("netmeister-password-empty", {"ix_netmeister_password": ""}, {},
     "ix_netmeister_password: the value for netmeister-password-empty-a is empty"),
    ("pppoe-username-whitespace", {"ix_pppoe_username": "user A"}, {},
     "ix_pppoe_username: 'user A' contains whitespace"),
]
# Cases whose router name is the problem: the names are given, not derived from the id.
NAMED_CASES = [
    ("name-with-underscore", "ix2215_osaka", "ix2215-nagoya",
     "inventory_hostname: 'ix2215_osaka' is the router's hostname, IKEv2 key id and DDNS label"),
]
GOOD_PAIR = ("good-a", "good-b")


@pytest.fixture(name="matrix", scope="module")
def fixture_matrix(tmp_path_factory):
    """One ansible-playbook run of playbooks/ix.yml over every case; what each router saw, and the listeners' counts."""
    tmp_path = tmp_path_factory.mktemp("ix-role-inputs")
    with listening() as trap, listening() as control:
        hosts, playing = {}, []
        for case, changes_a, changes_b, _message in CASES:
            first, second = case + "-a", case + "-b"
            hosts[first] = router(first, second, LAN_A, trap.port, **changes_a)
            hosts[second] = router(second, first, LAN_B, trap.port, **changes_b)
            playing.append(first)
        for _case, first, second, _message in NAMED_CASES:
            hosts[first] = router(first, second, LAN_A, trap.port)
            hosts[second] = router(second, first, LAN_B, trap.port)
            playing.append(first)
        hosts[GOOD_PAIR[0]] = router(GOOD_PAIR[0], GOOD_PAIR[1], LAN_A, control.port)
        hosts[GOOD_PAIR[1]] = router(GOOD_PAIR[1], GOOD_PAIR[0], LAN_B, control.port)
        playing += GOOD_PAIR
        ran, failed = run_playbook(tmp_path, "matrix", hosts, "ix.yml", "--limit", ",".join(playing))
    return {"ran": ran, "failed": failed, "trap": trap.connections, "control": control.connections, "hosts": hosts}


def assert_stopped_by_a_check(matrix, host, message):
    ran, failed = matrix["ran"], matrix["failed"]
    assert ran.returncode != 0
    assert host in failed, ran.stdout[-3000:]
    task, result = failed[host]
    assert task.startswith(CHECK_TASKS), (task, result)
    assert message in message_of(result), message_of(result)


@pytest.mark.parametrize(("case", "changes_a", "changes_b", "message"), CASES, ids=[case[0] for case in CASES])
def test_bad_input_stops_the_router_with_one_message(matrix, case, changes_a, changes_b, message):
    del changes_a, changes_b
    assert_stopped_by_a_check(matrix, case + "-a", message)


@pytest.mark.parametrize(("case", "host", "peer", "message"), NAMED_CASES, ids=[case[0] for case in NAMED_CASES])
def test_a_bad_router_name_stops_the_router(matrix, case, host, peer, message):
    del case, peer
    assert_stopped_by_a_check(matrix, host, message)


def test_no_case_tried_a_connection_and_good_input_did(matrix):
    assert matrix["trap"] == 0
    # The good pair passed the checks and its push logged in (to a listener that hangs up): proof that the trap
    # would have counted a connection.
    assert matrix["control"] >= 2
    for host in GOOD_PAIR:
        task, result = matrix["failed"][host]
        assert task == "multisite.vpn.ix : Push the router's configuration (seed 004)", (task, result)


def test_no_secret_in_the_output_at_vvv(matrix):
    output = matrix["ran"].stdout + matrix["ran"].stderr
    shown = [(host, name) for host, variables in matrix["hosts"].items() for name, value in variables.items()
             if name in secrets_of(host) and isinstance(value, str) and value and value in output]
    assert shown == []


def test_every_problem_of_a_router_is_in_its_one_message(tmp_path):
    """A router with several problems gets them all at once, not one per run."""
    with listening() as trap:
        hosts = {
            "many-a": router("many-a", "many-b", "192.168.100.1/24", trap.port, ix_watch_host="localhost", ix_pppoe_password=""),
            "many-b": router("many-b", "many-a", LAN_B, trap.port, ix_ikev2_psk=None),
        }
        ran, failed = run_playbook(tmp_path, "many", hosts, "ix.yml", "--limit", "many-a")
    assert trap.connections == 0
    task, result = failed["many-a"]
    assert task == CHECK_TASKS[1]
    assert [line.split(":", 1)[0] for line in result["msg"]] == ["ix_lan_ipv4", "ix_watch_host", "ix_pppoe_password", "ix_ikev2_psk"], ran.stdout


BOOTSTRAP_CASES = [
    ("same-user-other-password", {"ix_bootstrap_login_password": "Login-old-Yt5s"},
     "ansible_password: differs from ix_bootstrap_login_password, but both are the password of admin"),
    ("user-with-space", {"ansible_user": "ops team", "ix_bootstrap_login_user": "admin"},
     "ansible_user: contains whitespace"),
    ("user-not-a-name", {"ansible_user": "-ops", "ix_bootstrap_login_user": "admin"},
     "ansible_user: '-ops' cannot be a user name on the router"),
    ("password-empty", {"ansible_password": "", "ix_bootstrap_login_user": "admin", "ix_bootstrap_login_password": "Login-adm-Pq3x"},
     "ansible_password: is empty"),
    ("password-not-a-string", {"ansible_password": 1234, "ix_bootstrap_login_user": "admin", "ix_bootstrap_login_password": "Login-adm-Pq3x"},
     "ansible_password: is a number, not a string"),
    ("user-unset", {"ansible_user": None, "ix_bootstrap_login_user": "admin", "ix_bootstrap_login_password": "Login-adm-Pq3x"},
     "ansible_user: is not set"),
    ("telnet-port-not-a-number", {"ix_bootstrap_telnet_port": "telnet"},
     "argument 'ix_bootstrap_telnet_port' is of type str"),
]


def test_bootstrap_bad_input_stops_before_a_connection(tmp_path):
    with listening() as trap, listening() as control:
        hosts = {}
        for case, changes, _message in BOOTSTRAP_CASES:
            hosts[case] = router(case, "", LAN_A, trap.port, **{"ix_bootstrap_telnet_port": trap.port, **changes})
        hosts["good"] = router("good", "", LAN_A, control.port, ix_bootstrap_telnet_port=control.port,
                               ansible_user="ansible", ix_bootstrap_login_user="admin", ix_bootstrap_login_password="Login-adm-Pq3x")
        ran, failed = run_playbook(tmp_path, "bootstrap", hosts, "ix_bootstrap.yml")
    assert ran.returncode != 0
    assert trap.connections == 0 and control.connections >= 1
    for case, _changes, message in BOOTSTRAP_CASES:
        task, result = failed[case]
        assert task.startswith(BOOTSTRAP_CHECK_TASKS), (case, task, result)
        assert message in message_of(result), (case, message_of(result))
    assert failed["good"][0] == "multisite.vpn.ix : Turn the SSH server on and add the administrator of later runs, over telnet"
    output = ran.stdout + ran.stderr
    passwords = [str(value) for variables in hosts.values() for name, value in variables.items()
                 if name in ("ansible_password", "ix_bootstrap_login_password") and value]
    assert [password for password in passwords if len(password) > 4 and password in output] == []


@pytest.mark.parametrize("inventory", ["lab", "example"])
def test_the_shipped_inventories_pass_the_checks(tmp_path, inventory):
    """Both routers of each shipped inventory get through the checks to the push (here: a listener that hangs up).
    The checks compare each router's key with its peer's, read through hostvars: a lookup that gave both routers
    one key (the peer's evaluated as this router's) would stop them."""
    with listening() as control:
        ran = subprocess.run(
            [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", str(REPO / "inventories" / inventory),
             str(REPO / "playbooks" / "ix.yml"), "-e", "ansible_host=127.0.0.1", "-e", "ansible_port=%d" % control.port,
             "--vault-password-file", str(REPO / "tests" / "example-vault-password.txt")],
            cwd=REPO,
            # The lab makes its secrets under $HOME on first use: here, in a directory of this test's own.
            env=dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_CALLBACK_RESULT_FORMAT="json",
                     HOME=str(tmp_path)),
            capture_output=True, text=True, timeout=300, check=False,
        )
    failed = failures(ran.stdout)
    assert sorted(failed) == ["ix2215-kagawa", "ix2215-tokyo"], ran.stdout[-3000:]
    for host, (task, result) in failed.items():
        assert task == "multisite.vpn.ix : Push the router's configuration (seed 004)", (host, task, result)
    assert control.connections >= 2
