# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory checks through ansible-playbook on temporary inventories, with no container and no host.

Every careless input of the hubs and spokes stops site.yml at its first task (playbooks/validate.yml, imported
by playbooks/base.yml) with one message naming the host and the variable, before any connection is tried, and no
secret shows at -vvv. Every host of every case points at a trap: a TCP listener on loopback that counts
connections and must count none. The same inventory without the bad input, pointed at a listener of its own, gets
through the check to base's fact gathering, which connects: proof that the trap would have counted one.

Role wireguard_interface refuses a bad name, address, port or key at its own entry points (key and main), in
check mode too, before anything is planned. The shipped inventories pass the checks.
"""

from __future__ import annotations

import copy
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
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
CHECK_TASK = "Check every hub and spoke, all problems in one message"
FATAL = re.compile(r"^fatal: \[(?P<host>[^\]]+)\]: FAILED! => ", re.MULTILINE)
TASK = re.compile(r"^TASK \[(?P<name>.*)\] \**$", re.MULTILINE)
RECAP = re.compile(r"^(?P<host>\S+)\s+: ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)\s+"
                   r"failed=(?P<failed>\d+)", re.MULTILINE)
KEY = "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk="
# A wrong private key is still a secret (a mistyped key, or the wrong variable): never in the output.
WRONG_KEY = "Wrong-secret-key-Zq81-not-base64-at-all"


@pytest.fixture(name="trap", scope="module")
def fixture_trap():
    with listening() as listener:
        yield listener


def tunnel(interface, subnet, port, endpoint):
    return {"interface": interface, "ipv4": subnet, "port": port, "endpoint": endpoint}


def good_inventory(port):
    """The lab's shape, as a user writes it (site groups, group_vars for spokes), every host at 127.0.0.1:PORT over SSH."""
    return {"all": {
        "vars": {"ansible_connection": "ssh", "ansible_host": "127.0.0.1", "ansible_port": port, "ansible_user": "nobody",
                 "ansible_ssh_common_args": "-o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "
                                            "-o ConnectTimeout=5"},
        "children": {
            "hubs": {"hosts": {
                "hub-oci": {"hub_tunnel": tunnel("wg-oci", "192.168.31.0/24", 51820, "hub-oci.example.net"), "hub_private_key": KEY},
                "hub-gcp": {"hub_tunnel": tunnel("wg-gcp", "192.168.32.0/24", 51821, "hub-gcp.example.net")},
                "hub-vultr": {},
            }},
            "spokes": {
                "vars": {"spoke_hubs": ["hub-oci", "hub-gcp"], "wireguard_host_index": "{{ 10 + site_id | int }}"},
                "children": {
                    "site_jp": {"vars": {"site_id": 1}, "hosts": {"spoke-jp": {}}},
                    "site_us": {"vars": {"site_id": 2}, "hosts": {"spoke-us": {}}},
                    "site_de": {"vars": {"site_id": 3}, "hosts": {"spoke-de": {}}},
                },
            },
        },
    }}


def hub(inventory, name):
    return inventory["all"]["children"]["hubs"]["hosts"][name]


def site(inventory, name):
    return inventory["all"]["children"]["spokes"]["children"]["site_" + name]


def spokes(inventory):
    return inventory["all"]["children"]["spokes"]["vars"]


def change(*steps):
    """A function that applies STEPS, each (where, key, value): where(inventory) is a dict, value None deletes key."""
    def apply(inventory):
        for where, key, value in steps:
            target = where(inventory)
            if value is None:
                target.pop(key, None)
            else:
                target[key] = value
    return apply


def oci_tunnel(**changed):
    return {**tunnel("wg-oci", "192.168.31.0/24", 51820, "hub-oci.example.net"), **changed}


def oci(inventory):
    return hub(inventory, "hub-oci")


def gcp(inventory):
    return hub(inventory, "hub-gcp")


def site_de(inventory):
    return site(inventory, "de")["vars"]


def spoke_us(inventory):
    return site(inventory, "us")["hosts"]["spoke-us"]


def public_ipv6(**changed):
    """hub-oci's hub_public_ipv6 (a /78 of its /64, as seed 002 carved) with CHANGED keys."""
    return {"wan_interface": "enp1s0", "wan_address": "2001:db8:8964::1/64", "prefix": "2001:db8:8964:0:8964::/78", **changed}


# One row per bad input: its id, the change, the messages expected (each a part of one problem, in order).
CASES = [
    ("interface-a-path", change((oci, "hub_tunnel", oci_tunnel(interface="../../x"))),
     ["hub-oci: hub_tunnel.interface: '../../x' contains whitespace, '/' or ':'"]),
    ("interface-21-characters", change((oci, "hub_tunnel", oci_tunnel(interface="wg-oci-tokyo-primary1"))),
     ["hub-oci: hub_tunnel.interface: 'wg-oci-tokyo-primary1' has 21 characters; Linux allows at most 15"]),
    ("interface-systemd-cannot-name", change((oci, "hub_tunnel", oci_tunnel(interface="wg+oci"))),
     ["hub-oci: hub_tunnel.interface: 'wg+oci' has a character wg-quick and systemd's unit names"]),
    ("address-not-an-address", change((oci, "hub_tunnel", oci_tunnel(ipv4="not-an-address"))),
     ["hub-oci: hub_tunnel.ipv4: 'not-an-address' is not an IPv4 subnet such as 192.168.31.0/24"]),
    ("port-70000", change((oci, "hub_tunnel", oci_tunnel(port=70000))), ["hub-oci: hub_tunnel.port: 70000 is outside 1-65535"]),
    ("endpoint-with-port", change((oci, "hub_tunnel", oci_tunnel(endpoint="hub-oci.example.net:51820"))),
     ["hub-oci: hub_tunnel.endpoint: 'hub-oci.example.net:51820' has a port"]),
    ("tunnel-key-misspelt", change((oci, "hub_tunnel", {**oci_tunnel(), "prot": 51820})),
     ["hub-oci: hub_tunnel: 'prot' is not one of its keys"]),
    ("port-of-another-hub", change((gcp, "hub_tunnel", tunnel("wg-gcp", "192.168.32.0/24", 51820, "hub-gcp.example.net"))),
     ["hub-gcp: hub_tunnel.port: 51820 is also the port of hub-oci's tunnel"]),
    ("private-key-wrong", change((oci, "hub_private_key", WRONG_KEY)),
     ["hub-oci: hub_private_key: is not a WireGuard private key: it is 39 characters long"]),
    ("spoke-hubs-a-string", change((spokes, "spoke_hubs", "hub-oci")),
     ["spoke-%s: spoke_hubs: 'hub-oci' is a string, not a list: write spoke_hubs: [hub-oci]" % name for name in ("jp", "us", "de")]),
    ("spoke-hubs-unknown-hub", change((spoke_us, "spoke_hubs", ["hub-oci", "hub-typo"])),
     ["spoke-us: spoke_hubs: 'hub-typo' is not a host of the inventory (group hubs: hub-oci, hub-gcp, hub-vultr)"]),
    ("spoke-hubs-empty", change((spoke_us, "spoke_hubs", [])),
     ["spoke-us: spoke_hubs: is empty: spoke-us would have no tunnel, and every hub would remove it from its peers"]),
    ("spoke-hubs-twice", change((spoke_us, "spoke_hubs", ["hub-oci", "hub-gcp", "hub-oci"])), ["spoke-us: spoke_hubs: hub-oci is listed twice"]),
    ("spoke-hubs-hub-without-tunnel", change((spoke_us, "spoke_hubs", ["hub-oci", "hub-vultr"])),
     ["spoke-us: spoke_hubs: hub-vultr has no hub_tunnel, so there is no tunnel to keep to it"]),
    ("site-id-twice", change((site_de, "site_id", 1)),
     ["spoke-de: site_id: 1 is also the site_id of spoke-jp: every site needs an id of its own"]),
    ("site-id-missing", change((site_de, "site_id", None)),
     ["spoke-de: site_id: not set: every spoke needs a stable site id of its own"]),
    ("site-id-not-an-integer", change((site_de, "site_id", "three")), ["spoke-de: site_id: 'three' is a string, not an integer"]),
    ("site-id-out-of-range", change((site_de, "site_id", 250)),
     ["spoke-de: wireguard_host_index: 260 is beyond the last host of 192.168.31.0/24, the tunnel of hub-oci: host numbers go up to 254, "
      "so site_id can be 244 at most"]),
    ("site-id-zero", change((site_de, "site_id", 0)), ["spoke-de: site_id: 0 is not a positive integer"]),
    # Public IPv6 from a hub's /64 (seed 002), on hub-oci.
    ("public-prefix-outside-the-hub-prefix", change((oci, "hub_public_ipv6", public_ipv6(prefix="2001:db8:9::/80"))),
     ["hub-oci: hub_public_ipv6.prefix: 2001:db8:9::/80 is outside 2001:db8:8964::/64, the hub's prefix on its WAN"]),
    ("public-prefix-host-bits", change((oci, "hub_public_ipv6", public_ipv6(prefix="2001:db8:8964:0:8964::1/78"))),
     ["hub-oci: hub_public_ipv6.prefix: '2001:db8:8964:0:8964::1/78' has host bits set; did you mean 2001:db8:8964:0:8964::/78?"]),
    ("public-prefix-ipv4", change((oci, "hub_public_ipv6", public_ipv6(prefix="198.51.100.0/24"))),
     ["hub-oci: hub_public_ipv6.prefix: '198.51.100.0/24' is IPv4"]),
    ("public-more-spokes-than-addresses", change((oci, "hub_public_ipv6", public_ipv6(prefix="2001:db8:8964:0:8964::/127"))),
     ["hub-oci: hub_public_ipv6.prefix: cannot give every spoke of this hub a /128 by its site_id: 3 sites but 2001:db8:8964:0:8964::/127 "
      "holds only 1 blocks of /128"]),
    ("public-prefix-holds-the-hub", change((oci, "hub_public_ipv6", public_ipv6(prefix="2001:db8:8964::/64"))),
     ["hub-oci: hub_public_ipv6.prefix: 2001:db8:8964::/64 holds the hub's own address 2001:db8:8964::1"]),
    ("public-prefix-in-kernel-mode", change((oci, "hub_public_ipv6", public_ipv6(spoke_prefix_length=96))),
     ["hub-oci: hub_public_ipv6.spoke_prefix_length: is 96, but ndp_proxy kernel answers for single addresses only"]),
    ("public-service-ipv4-source", change((spokes, "spoke_public_ipv6_services", [{"port": 443, "protocol": "tcp", "sources": ["192.0.2.0/24"]}])),
     ["spoke-%s: spoke_public_ipv6_services[0].sources: '192.0.2.0/24' is IPv4" % name for name in ("jp", "us", "de")]),
    ("many-at-once", change((oci, "hub_tunnel", oci_tunnel(interface="../../x", port=70000)), (spoke_us, "spoke_hubs", "hub-oci"),
                            (site_de, "site_id", 1)),
     ["hub-oci: hub_tunnel.interface: '../../x'", "hub-oci: hub_tunnel.port: 70000", "spoke-us: spoke_hubs: 'hub-oci' is a string",
      "spoke-de: site_id: 1 is also the site_id of spoke-jp"]),
]


def run(tmp_path, name, inventory, playbook, *options):
    """ansible-playbook PLAYBOOK -vvv on INVENTORY (a dict, written as YAML); the completed process."""
    path = tmp_path / (name + ".yml")
    path.write_text(yaml.safe_dump(inventory, sort_keys=False))
    return subprocess.run(
        [ANSIBLE_PLAYBOOK, "-i", str(path), str(playbook), "-vvv", *options],
        cwd=REPO,
        # HOME of the test's own: nothing made on first use lands in the user's.
        env=dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
                 ANSIBLE_CALLBACK_RESULT_FORMAT="json", ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-local"), HOME=str(tmp_path)),
        capture_output=True, text=True, timeout=300, check=False,
    )


def outcome(ran):
    """(the tasks that started, {host: (the task it failed at, its result)}, {host: recap counts})."""
    tasks = [(match.start(), match.group("name")) for match in TASK.finditer(ran.stdout)]
    failed = {}
    for match in FATAL.finditer(ran.stdout):
        task = [name for start, name in tasks if start < match.start()][-1]
        result, _end = json.JSONDecoder().raw_decode(ran.stdout, match.end())
        failed[match.group("host")] = (task, result)
    recap = {match.group("host"): {key: int(match.group(key)) for key in ("ok", "changed", "unreachable", "failed")}
             for match in RECAP.finditer(ran.stdout)}
    return [name for _start, name in tasks], failed, recap


def assert_stopped_at_the_check(ran, messages):
    """The run failed at the inventory check, the first and only task that started, with MESSAGES in its one message."""
    tasks, failed, recap = outcome(ran)
    assert ran.returncode != 0, ran.stdout[-3000:]
    assert tasks == [CHECK_TASK], (tasks, ran.stdout[-3000:])
    assert len(failed) == 1, failed
    host, (task, result) = next(iter(failed.items()))
    assert " -> localhost" in host, host  # run once, on the controller
    assert task == CHECK_TASK
    problems = result["msg"]
    assert isinstance(problems, list), problems
    assert len(problems) == len(messages), problems
    for problem, message in zip(problems, messages):
        assert message in problem, (message, problems)
    # Nothing else ran: no host got as far as an ok or a change.
    assert all(counts["ok"] == 0 and counts["changed"] == 0 and counts["unreachable"] == 0 for counts in recap.values()), recap


def secrets_shown(ran):
    output = ran.stdout + ran.stderr
    return [secret for secret in (KEY, WRONG_KEY) if secret in output]


@pytest.fixture(name="matrix", scope="module")
def fixture_matrix(tmp_path_factory, trap):
    """site.yml once per case, each on an inventory of its own: {case: the completed process}."""
    tmp_path = tmp_path_factory.mktemp("inventory-validation")
    results = {}
    for case, apply, _messages in CASES:
        inventory = good_inventory(trap.port)
        apply(inventory)
        results[case] = run(tmp_path, case, inventory, REPO / "site.yml")
    return results


@pytest.mark.parametrize(("case", "messages"), [(case[0], case[2]) for case in CASES], ids=[case[0] for case in CASES])
def test_site_yml_stops_at_the_check(matrix, case, messages):
    assert_stopped_at_the_check(matrix[case], messages)
    assert secrets_shown(matrix[case]) == []


def test_no_case_tried_a_connection(matrix, trap):
    assert len(matrix) == len(CASES)
    assert trap.connections == 0


def test_good_inventory_passes_the_check_and_connects(tmp_path):
    """Without the bad input the check passes and base's fact gathering connects: the trap would have seen a connection."""
    with listening() as control:
        ran = run(tmp_path, "good", good_inventory(control.port), REPO / "site.yml")
    tasks, failed, _recap = outcome(ran)
    assert tasks[:2] == [CHECK_TASK, "Gathering Facts"], tasks
    assert "ok: [hub-oci -> localhost" in ran.stdout
    assert control.connections >= 6
    assert sorted(failed) == [] and "UNREACHABLE!" in ran.stdout
    assert secrets_shown(ran) == []


@pytest.mark.parametrize("playbook", ["base.yml", "wireguard.yml", "validate.yml"])
def test_each_part_alone_checks_first(tmp_path, trap, playbook):
    inventory = good_inventory(trap.port)
    change((spoke_us, "spoke_hubs", ["hub-typo"]))(inventory)
    ran = run(tmp_path, "alone", inventory, REPO / "playbooks" / playbook)
    assert_stopped_at_the_check(ran, ["spoke-us: spoke_hubs: 'hub-typo' is not a host of the inventory"])
    assert trap.connections == 0


def test_limit_and_tags_still_check_the_whole_inventory(tmp_path, trap):
    """A run limited to one spoke, for some tags only, still stops on another host's problem (a hub's peers depend on every spoke)."""
    inventory = good_inventory(trap.port)
    change((site_de, "site_id", 1))(inventory)
    ran = run(tmp_path, "limited", inventory, REPO / "site.yml", "--limit", "spoke-us", "--tags", "none-of-these")
    assert_stopped_at_the_check(ran, ["spoke-de: site_id: 1 is also the site_id of spoke-jp"])
    assert trap.connections == 0


# Role wireguard_interface on its own: one host per case, each with the entry point it runs first and its variables.
ROLE_CASES = [
    ("name-a-path", "key", {"wireguard_interface_name": "../../x"},
     ["wireguard_interface_name: '../../x' contains whitespace, '/' or ':'"]),
    ("name-21-characters", "key", {"wireguard_interface_name": "wg-oci-tokyo-primary1"},
     ["wireguard_interface_name: 'wg-oci-tokyo-primary1' has 21 characters"]),
    ("key-wrong", "key", {"wireguard_interface_name": "wg-oci", "wireguard_interface_private_key": WRONG_KEY},
     ["wireguard_interface_private_key: is not a WireGuard private key: it is 39 characters long"]),
    ("main-name-a-path", "main", {"wireguard_interface_name": "../../x"}, ["wireguard_interface_name: '../../x'"]),
    ("address-not-an-address", "main", {"wireguard_interface_address": "not-an-address"},
     ["wireguard_interface_address: 'not-an-address' is not an IPv4 or IPv6 address with a prefix length"]),
    ("address-network", "main", {"wireguard_interface_address": "192.168.31.0/24"},
     ["wireguard_interface_address: 192.168.31.0/24 is the network address of 192.168.31.0/24"]),
    ("port-70000", "main", {"wireguard_interface_listen_port": 70000}, ["wireguard_interface_listen_port: 70000 is outside 1-65535"]),
    ("all-three", "main", {"wireguard_interface_name": "wg-abcdefghijklmnopq", "wireguard_interface_address": "not-an-address",
                           "wireguard_interface_listen_port": 70000},
     ["wireguard_interface_name: 'wg-abcdefghijklmnopq' has 20 characters", "wireguard_interface_address: 'not-an-address'",
      "wireguard_interface_listen_port: 70000"]),
]
ROLE_PLAY = [{
    "name": "One WireGuard interface",
    "hosts": "all",
    "become": True,
    "gather_facts": False,
    "tasks": [{"name": "The interface, from the entry point of this host's case (%s)" % entry,
               "ansible.builtin.include_role": {"name": "multisite.vpn.wireguard_interface", "tasks_from": entry},
               "when": "entry == %r" % entry} for entry in ("key", "main")],
}]
ROLE_CHECK_TASKS = {
    "key": "multisite.vpn.wireguard_interface : Check the interface's name and the private key to restore",
    "main": "multisite.vpn.wireguard_interface : Check the interface's name, address, port and the private key to restore",
}


def role_host(port, entry, **changed):
    return {"ansible_connection": "ssh", "ansible_host": "127.0.0.1", "ansible_port": port, "ansible_user": "nobody",
            "ansible_ssh_common_args": "-o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=5",
            "entry": entry, "wireguard_interface_name": "wg-oci", "wireguard_interface_address": "192.168.31.11/24",
            "wireguard_interface_listen_port": 51820, "wireguard_interface_peers": [],
            "wireguard_interface_key_store": "/nonexistent/key-store", **changed}


def test_wireguard_interface_refuses_bad_input_before_anything_is_planned(tmp_path, trap):
    """In check mode, as the issue's report ran it: each bad host stops at its entry point's check; good ones go on."""
    playbook = tmp_path / "interface-play.yml"
    playbook.write_text(yaml.safe_dump(ROLE_PLAY, sort_keys=False))
    with listening() as control:
        hosts = {case: role_host(trap.port, entry, **changed) for case, entry, changed, _messages in ROLE_CASES}
        hosts["good-key"] = role_host(control.port, "key", wireguard_interface_private_key=KEY)
        hosts["good-main"] = role_host(control.port, "main")
        ran = run(tmp_path, "interface", {"all": {"hosts": hosts}}, playbook, "--check")
    assert trap.connections == 0
    _tasks, failed, recap = outcome(ran)
    for case, entry, _changed, messages in ROLE_CASES:
        task, result = failed[case]
        assert task == ROLE_CHECK_TASKS[entry], (case, task, result)
        assert len(result["msg"]) == len(messages), (case, result["msg"])
        for problem, message in zip(result["msg"], messages):
            assert message in problem, (case, message, result["msg"])
        assert recap[case]["changed"] == 0 and recap[case]["unreachable"] == 0
    # The good hosts passed their checks and went on to the host, which the control listener saw.
    assert recap["good-key"]["unreachable"] == 1 and recap["good-main"]["unreachable"] == 1, recap
    assert control.connections >= 2
    assert secrets_shown(ran) == []


@pytest.mark.parametrize("inventory", ["lab", "example"])
def test_the_shipped_inventories_pass_the_checks(tmp_path, inventory):
    ran = subprocess.run(
        [ANSIBLE_PLAYBOOK, "-i", str(REPO / "inventories" / inventory), str(REPO / "playbooks" / "validate.yml")],
        cwd=REPO,
        # The lab makes its secrets under $HOME on first use: here, in a directory of this test's own (the check reads none).
        env=dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1", HOME=str(tmp_path),
                 ANSIBLE_VAULT_PASSWORD_FILE=str(REPO / "tests" / "example-vault-password.txt")),
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-3000:]
    tasks, failed, recap = outcome(ran)
    assert tasks == [CHECK_TASK] and failed == {}
    assert recap == {"hub-oci": {"ok": 1, "changed": 0, "unreachable": 0, "failed": 0}}
    assert not (tmp_path / ".local").exists()


def test_the_good_inventory_is_the_shipped_shape():
    """The matrix's inventory is good only as long as it resembles the shipped ones: same groups, same derived index."""
    shipped = yaml.safe_load((REPO / "inventories" / "example" / "group_vars" / "spokes.yml").read_text())
    ours = copy.deepcopy(spokes(good_inventory(1)))
    assert ours["wireguard_host_index"] == shipped["wireguard_host_index"]
    # The shipped example's hub-vultr has a tunnel (and public IPv6); the matrix keeps it without one, as some cases need a
    # hub without a tunnel, and gives hub-oci public IPv6 where a case needs it.
    assert ours["spoke_hubs"] == [name for name in shipped["spoke_hubs"] if name != "hub-vultr"]
