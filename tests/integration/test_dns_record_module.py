# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""multisite.vpn.dns_record through ansible-playbook against a real Knot server on loopback: check mode,
diff, a second run that changes nothing, no secret at -vvv, every careless input ending in one message
with nothing sent; and the hubs' updater program, rendered from the role's template, run as a process."""

from __future__ import annotations

import http.server
import json
import os
import pathlib
import subprocess
import sys
import threading

import pytest

from ansible_collections.multisite.vpn.tests.dns_servers import start

REPO = pathlib.Path(__file__).parents[2]
TOKEN = "Tok3nThatMustNeverBeShown0123456789abcd"


@pytest.fixture(name="server", scope="module")
def fixture_server():
    with start("knot", records=["www 300 IN A 192.0.2.1"]) as server:
        yield server


def run_play(tmp_path, tasks, *options):
    play = [{"hosts": "localhost", "connection": "local", "gather_facts": False, "tasks": tasks}]
    (tmp_path / "play.json").write_text(json.dumps(play))
    return subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,", str(tmp_path / "play.json"),
         "-e", "ansible_python_interpreter=" + sys.executable, *options],
        cwd=REPO, env=dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1"),
        capture_output=True, text=True, timeout=120, check=False,
    )


def module_task(running, **args):
    algorithm, secret = running.keys["ddns-key"]
    base = {"server": running.address, "port": running.port, "zone": "example.test", "key_name": "ddns-key", "key_secret": secret,
            "key_algorithm": algorithm}
    return {"multisite.vpn.dns_record": dict(base, **args), "register": "published"}


def test_check_diff_apply_and_no_op_with_no_secret_at_vvv(server, tmp_path):
    task = module_task(server, records=[{"name": "hub1", "type": "A", "values": ["198.51.100.11"]},
                                        {"name": "www", "type": "A", "values": ["192.0.2.2"], "ttl": 60}])
    checked = run_play(tmp_path, [task], "--check", "--diff", "-vvv")
    assert checked.returncode == 0, checked.stdout
    assert "changed=1" in checked.stdout and server.rrset("hub1", "A") == []
    assert "+hub1.example.test. 300 IN A 198.51.100.11" in checked.stdout
    assert "-www.example.test. 300 IN A 192.0.2.1" in checked.stdout and "+www.example.test. 60 IN A 192.0.2.2" in checked.stdout
    applied = run_play(tmp_path, [task], "--diff", "-vvv")
    assert applied.returncode == 0 and "changed=1" in applied.stdout, applied.stdout
    assert server.rrset("hub1", "A") == ["198.51.100.11"] and server.rrset("www", "A") == ["192.0.2.2"]
    again = run_play(tmp_path, [task], "--diff")
    assert again.returncode == 0 and "changed=0" in again.stdout, again.stdout
    secret = server.keys["ddns-key"][1]
    for output in (checked, applied, again):
        assert secret not in output.stdout + output.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"name": "www", "type": "A", "values": ["300.1.1.1"]}, "values[0]: '300.1.1.1' is not an IPv4 address"),
        ({"name": "www", "type": "MX", "values": ["10 mail"]}, "value of type must be one of: A, AAAA, CNAME, TXT, got: MX"),
        ({"name": "www", "type": "A", "values": ["192.0.2.1"], "ttl": "soon"}, "argument 'ttl' is of type"),
        ({"name": "www", "type": "A", "values": ["192.0.2.1"], "ttl": 2147483648}, "ttl: 2147483648 is not a TTL between 1 and 2147483647"),
        ({"name": "www", "type": "A"}, "values: state=present needs at least one value"),
        ({"name": "www", "type": "A", "values": ["192.0.2.1"], "record": "typo"}, "Unsupported parameters"),
        ({"records": [{"name": "www", "type": "A", "values": ["192.0.2.1"]}], "name": "www"}, "parameters are mutually exclusive: records|name"),
        ({"records": [{"name": "www", "type": "A", "values": ["192.0.2.1"], "vaules": ["192.0.2.2"]}]}, "vaules"),
        ({"name": "www", "type": "CNAME", "values": ["a.example.net."], "key_secret": "not base64!"}, "key_secret: the secret of key"),
        ({"name": "www", "type": "A", "values": ["192.0.2.1"], "key_algorithm": "hmac-md4"}, "value of key_algorithm must be one of"),
        ({"name": "www", "type": "A", "values": ["192.0.2.1"], "key_secret": None, "key_name": "ddns-key"},
         "key_secret: key_name 'ddns-key' is given without its secret"),
        ({"name": "www", "type": "A", "address_from": {"interface": "no-such-if0"}}, "address_from.interface: this host has no interface 'no-such-if0'"),
        ({"name": "www.example.org.", "type": "A", "values": ["192.0.2.1"]}, "name: 'www.example.org.' is outside the zone example.test"),
        ({"name": "www", "type": "A", "values": ["192.0.2.1"], "provider": "cloudflare", "server": None, "key_name": None, "key_secret": None},
         "api_token: the cloudflare provider needs an API token"),
    ],
    ids=["bad-address", "unknown-type", "ttl-not-a-number", "ttl-too-big", "no-values", "misspelt-option", "records-and-name",
         "misspelt-item-option", "secret-not-base64", "unknown-algorithm", "key-without-secret", "missing-interface", "outside-zone",
         "cloudflare-without-token"],
)
def test_bad_input_is_one_message_and_nothing_sent(server, tmp_path, args, message):
    task = module_task(server, **args)
    task["multisite.vpn.dns_record"] = {key: value for key, value in task["multisite.vpn.dns_record"].items() if value is not None}
    seen = server.updates_seen()
    ran = run_play(tmp_path, [task], "-vvv")
    assert ran.returncode != 0
    assert message in ran.stdout, ran.stdout
    assert "Traceback" not in ran.stdout + ran.stderr
    assert server.updates_seen() == seen
    assert server.keys["ddns-key"][1] not in ran.stdout + ran.stderr


def test_api_token_never_shown_even_when_the_api_refuses_it(tmp_path):
    from ansible_collections.multisite.vpn.tests.dns_api_doubles import serve  # pylint: disable=import-outside-toplevel

    with serve("cloudflare", "AnotherTokenTheApiKnows0123456789abcdef") as api:
        api.add_zone("example.test")
        task = {"multisite.vpn.dns_record": {"provider": "cloudflare", "zone": "example.test", "api_url": api.url, "api_token": TOKEN,
                                             "name": "www", "type": "A", "values": ["192.0.2.1"]}}
        ran = run_play(tmp_path, [task], "-vvv", "--diff")
    assert ran.returncode != 0 and "api_token: cloudflare GET" in ran.stdout, ran.stdout
    assert TOKEN not in ran.stdout + ran.stderr


class Reflector(http.server.BaseHTTPRequestHandler):
    """Answers every GET with ADDRESS, as a cloud metadata endpoint answers with the public address."""

    address = b"198.51.100.11"

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.address)))
        self.end_headers()
        self.wfile.write(self.address)

    def log_message(self, *args):
        """Quiet."""


def test_the_hubs_updater_program_runs_the_modules_code(server, tmp_path):
    reflector = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Reflector)
    threading.Thread(target=reflector.serve_forever, daemon=True).start()
    program, config, state = tmp_path / "dns-publish", tmp_path / "dns-publish.json", tmp_path / "state" / "dns-publish.state"
    rendered = run_play(tmp_path, [{"ansible.builtin.template": {
        "src": str(REPO / "roles/dns_publish/templates/dns-publish.py.j2"), "dest": str(program), "mode": "0755"},
        "vars": {"dns_publish_config": str(config), "dns_publish_state": str(state)}}])
    assert rendered.returncode == 0, rendered.stdout
    algorithm, secret = server.keys["ddns-key"]
    config.write_text(json.dumps({"refresh": 3600, "params": {
        "server": server.address, "port": server.port, "zone": "example.test", "key_name": "ddns-key", "key_secret": secret,
        "key_algorithm": algorithm, "ttl": 60,
        "records": [{"name": "gcp", "type": "A", "address_from": {"url": "http://127.0.0.1:%d/" % reflector.server_address[1]}}]}}))
    # A clean environment: the program must not need the checkout or Ansible, only Python and dnspython.
    environment = {"PATH": "/usr/bin:/bin"}
    try:
        first = subprocess.run([sys.executable, "-I", str(program)], capture_output=True, text=True, env=environment, check=False)
        assert (first.returncode, first.stderr) == (0, "")
        assert first.stdout == "gcp.example.test. A: nothing -> 198.51.100.11\n"
        assert server.rrset("gcp", "A") == ["198.51.100.11"]
        seen = server.updates_seen()
        quiet = subprocess.run([sys.executable, "-I", str(program)], capture_output=True, text=True, env=environment, check=False)
        assert (quiet.returncode, quiet.stdout, server.updates_seen()) == (0, "", seen)
        Reflector.address = b"198.51.100.31"
        moved = subprocess.run([sys.executable, "-I", str(program)], capture_output=True, text=True, env=environment, check=False)
        assert moved.stdout == "gcp.example.test. A: 198.51.100.11 -> 198.51.100.31\n"
        assert server.rrset("gcp", "A") == ["198.51.100.31"]
        assert secret not in first.stdout + quiet.stdout + moved.stdout + state.read_text()
    finally:
        reflector.shutdown()
