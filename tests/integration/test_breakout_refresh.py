# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The breakout refresh program as a host runs it: rendered by ansible-playbook from roles/routing's template (its
module_utils embedded), run in an isolated interpreter (`python3 -I`) against lists served over HTTP on 127.0.0.1, with
a fake birdc; every file it writes is read by the real bird (`bird -p`), and one test runs the real bird daemon in a
network namespace of its own, whose kernel table receives the routes. Nothing leaves 127.0.0.1."""

from __future__ import annotations

import base64
import http.server
import json
import os
import pathlib
import shutil
import subprocess
import sys
import threading
import time

import pytest
import yaml

from ansible_collections.multisite.vpn.tests.integration.role_templates import REPO, render_templates

DATA = REPO / "tests" / "data" / "breakout"
TEMPLATES = REPO / "roles" / "routing" / "templates"
BIRD = shutil.which("bird") or "/usr/sbin/bird"
BIRDC = shutil.which("birdc") or "/usr/sbin/birdc"
NEEDS_BIRD = pytest.mark.skipif(not os.access(BIRD, os.X_OK), reason="bird is not installed (Debian: apt-get install bird2)")
TIMEOUT = 1  # the program's timeout in these tests, seconds
PASSWORD = "s3cret-pw"
AWS_TEXT = (DATA / "ip-ranges-sample.json").read_text()
AWS_CHANGED = AWS_TEXT.replace('"52.95.111.0/24", "region": "ap-northeast-1", "service": "S3"', '"52.95.112.0/24", "region": "ap-northeast-1", "service": "S3"')


def answer(text, status=200, delay=0.0, trickle=False, auth=False, location=None):
    return {"body": text.encode("utf-8"), "status": status, "delay": delay, "trickle": trickle, "auth": auth, "location": location}


LISTS = {
    "/ip-ranges.json": answer(AWS_TEXT),
    "/ip-ranges-changed.json": answer(AWS_CHANGED),
    "/plain.txt": answer((DATA / "plain-list.txt").read_text()),
    "/invalid.json": answer('{"prefixes": [{"ip_prefix": "3.5.140.0/22", '),
    "/bad-prefix.json": answer(json.dumps({"prefixes": [{"ip_prefix": "52.95.110.1/24", "region": "ap-northeast-1", "service": "S3"}]})),
    "/error.json": answer("<html>boom</html>", status=500),
    "/slow.json": answer(AWS_TEXT, delay=3 * TIMEOUT),
    "/trickle.json": answer(AWS_TEXT, trickle=True),
    "/empty.json": answer(""),
    "/private.json": answer(AWS_TEXT, auth=True),
    "/to-ftp.json": answer("", status=302, location="ftp://127.0.0.1/ip-ranges.json"),
}


class ListHandler(http.server.BaseHTTPRequestHandler):
    """Serves LISTS; /private.json wants HTTP Basic user reader with PASSWORD."""

    def do_GET(self):  # noqa: N802 - http.server's name
        served = LISTS.get(self.path.split("?")[0])
        if served is None:
            self.send_error(404)
            return
        time.sleep(served["delay"])
        expected = "Basic " + base64.b64encode(("reader:" + PASSWORD).encode()).decode()
        try:
            if served["auth"] and self.headers.get("Authorization") != expected:
                self.send_error(401)
                return
            self.send_response(served["status"])
            if served["location"]:
                self.send_header("Location", served["location"])
            self.send_header("Content-Length", str(len(served["body"])))
            self.end_headers()
            if served["trickle"]:
                for byte in served["body"][:40]:  # a byte every 0.1 s: the answer never ends within the timeout
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.1)
            else:
                self.wfile.write(served["body"])
        except (BrokenPipeError, ConnectionResetError):
            pass  # the program gave up, as it should

    def log_message(self, format, *args):  # noqa: A002 - http.server's signature
        del format, args


@pytest.fixture(name="server", scope="module")
def fixture_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ListHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d" % server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture(name="rendered", scope="module")
def fixture_rendered(tmp_path_factory):
    """The program and its units, rendered by ansible-playbook as roles/routing's tasks render them."""
    directory = tmp_path_factory.mktemp("breakout")
    names = {"breakout-refresh.py.j2": "breakout_refresh.py", "multisite-vpn-breakout-refresh.service.j2": "multisite-vpn-breakout-refresh.service",
             "multisite-vpn-breakout-refresh.timer.j2": "multisite-vpn-breakout-refresh.timer"}
    render_templates(directory, {TEMPLATES / source: target for source, target in names.items()},
                     {"routing_breakout_config_path": str(directory / "absent.json"), "routing_breakout_program": str(directory / "breakout_refresh.py"),
                      "routing_breakout_interval": "daily"})
    return directory


class Site:
    """A site's files in a temporary directory: the program's configuration, the BIRD file, and a fake birdc that
    logs its arguments and answers what `birdc_answer` holds."""

    def __init__(self, directory: pathlib.Path, program: pathlib.Path, birdc: str | None = None):
        self.directory, self.program = directory, program
        self.output = directory / "bird" / "multisite-vpn-breakout.conf"
        self.birdc_log = directory / "birdc.log"
        self.birdc = birdc or str(directory / "birdc")
        if birdc is None:
            (directory / "birdc").write_text('#!/bin/sh\necho "$@" >> %s\ncat %s\nexit "$(cat %s)"\n'
                                             % (self.birdc_log, directory / "birdc_answer", directory / "birdc_status"))
            (directory / "birdc").chmod(0o755)
            self.birdc_answers("BIRD 2.0.12 ready.\nReading configuration from /etc/bird/bird.conf\nReconfigured\n", 0)

    def birdc_answers(self, text: str, status: int) -> None:
        (self.directory / "birdc_answer").write_text(text)
        (self.directory / "birdc_status").write_text(str(status))

    def birdc_calls(self) -> list[str]:
        return self.birdc_log.read_text().splitlines() if self.birdc_log.exists() else []

    def run(self, sources, *arguments, gateway6="2001:db8:2::1"):
        config = {"sources": sources, "gateway4": "100.64.2.1", "gateway6": gateway6, "output": str(self.output), "birdc": self.birdc,
                  "max_prefixes": 20000, "timeout": TIMEOUT}
        (self.directory / "breakout.json").write_text(json.dumps(config))
        environment = {key: value for key, value in os.environ.items() if "proxy" not in key.lower()}  # 127.0.0.1 directly
        started = time.monotonic()
        ran = subprocess.run([sys.executable, "-I", str(self.program), "--config", str(self.directory / "breakout.json"), *arguments],
                             cwd=self.directory, env=environment, capture_output=True, text=True, timeout=60, check=False)
        return ran, time.monotonic() - started


def bird_parses(output: pathlib.Path, directory: pathlib.Path) -> subprocess.CompletedProcess:
    """`bird -p` of a main configuration like roles/routing's: a kernel protocol exporting the breakout* statics, and the include."""
    main = directory / "bird-main.conf"
    main.write_text('router id 192.0.2.1;\nprotocol device {}\n'
                    'protocol kernel kernel4 { ipv4 { import none; export where proto ~ "breakout*"; }; }\n'
                    'protocol kernel kernel6 { ipv6 { import none; export where proto ~ "breakout*"; }; }\n'
                    'include "%s";\n' % output)
    return subprocess.run([BIRD, "-p", "-c", str(main)], capture_output=True, text=True, timeout=30, check=False)


def aws(server, path="/ip-ranges.json"):
    return {"url": server + path, "format": "aws", "services": ["S3"], "regions": ["ap-northeast-1"]}


@pytest.fixture(name="site")
def fixture_site(tmp_path, rendered):
    return Site(tmp_path, rendered / "breakout_refresh.py")


@NEEDS_BIRD
def test_lists_become_a_file_bird_reads_and_a_change_reconfigures_it(site, server, tmp_path):
    ran, _seconds = site.run([aws(server), {"url": server + "/plain.txt", "format": "plain"}])
    assert (ran.returncode, ran.stderr) == (0, "") and ran.stdout == "created %s: 3 IPv4 and 2 IPv6 routes\n" % site.output
    assert "  route 52.95.110.0/23 via 100.64.2.1;\n" in site.output.read_text() and site.birdc_calls() == []
    assert bird_parses(site.output, tmp_path).returncode == 0
    assert site.output.stat().st_mode & 0o777 == 0o644

    before = site.output.stat()
    ran, _seconds = site.run([aws(server), {"url": server + "/plain.txt", "format": "plain"}])
    assert (ran.returncode, ran.stdout) == (0, "unchanged: 3 IPv4 and 2 IPv6 routes in %s\n" % site.output)
    assert (site.output.stat().st_ino, site.output.stat().st_mtime_ns) == (before.st_ino, before.st_mtime_ns) and site.birdc_calls() == []

    ran, _seconds = site.run([aws(server, "/ip-ranges-changed.json"), {"url": server + "/plain.txt", "format": "plain"}])
    assert ran.returncode == 0 and ran.stdout.endswith("4 IPv4 (+2 -1) and 2 IPv6 (+0 -0) routes; bird: Reconfigured\n"), ran
    assert "  route 52.95.112.0/24 via 100.64.2.1;\n" in site.output.read_text() and site.birdc_calls() == ["configure"]
    assert bird_parses(site.output, tmp_path).returncode == 0


@NEEDS_BIRD
def test_no_lists_and_empty_protocols_are_valid_bird(site, tmp_path):
    ran, _seconds = site.run([])
    assert ran.returncode == 0 and site.output.read_text().endswith("protocol static breakout4 {\n  ipv4;\n}\nprotocol static breakout6 {\n  ipv6;\n}\n")
    parsed = bird_parses(site.output, tmp_path)
    assert parsed.returncode == 0, parsed.stderr


def test_bird_refusing_the_new_list_puts_the_previous_back(site, server):
    assert site.run([aws(server)])[0].returncode == 0
    previous = site.output.read_bytes()
    error = "/etc/bird/bird.conf:3:1 syntax error, unexpected CF_SYM_UNDEFINED"
    site.birdc_answers("BIRD 2.0.12 ready.\nReading configuration from /etc/bird/bird.conf\n%s\n" % error, 1)
    ran, _seconds = site.run([aws(server, "/ip-ranges-changed.json")])
    assert ran.returncode == 1 and ran.stdout == ""
    assert ran.stderr == "bird refused the new list (%s); the previous one is back in %s\n" % (error, site.output)
    assert site.output.read_bytes() == previous and site.birdc_calls() == ["configure"]


@pytest.mark.parametrize(
    "path, message",
    [
        pytest.param("/invalid.json", "{url}: not valid JSON: ", id="invalid-json"),
        pytest.param("/bad-prefix.json", "{url}: prefixes[0].ip_prefix: '52.95.110.1/24' has host bits set (52.95.110.0/24?)", id="bad-prefix"),
        pytest.param("/error.json", "{url}: answered HTTP 500 (Internal Server Error)", id="http-500"),
        pytest.param("/absent.json", "{url}: answered HTTP 404 (Not Found)", id="http-404"),
        pytest.param("/slow.json", "{url}: no answer in time", id="slow"),
        pytest.param("/trickle.json", "{url}: not all of the list arrived within 1 s", id="trickle"),
        pytest.param("/empty.json", "{url}: the answer is empty", id="empty"),
        pytest.param("/private.json", "{url}: answered HTTP 401 (Unauthorized)", id="no-credentials"),
        pytest.param("/to-ftp.json", "{url}: answered HTTP 302 (a redirect from http to ftp is not followed)", id="redirect-to-ftp"),
    ],
)
def test_a_list_that_cannot_be_had_keeps_the_last_good_file(site, server, path, message):
    assert site.run([aws(server)])[0].returncode == 0
    previous = site.output.read_bytes()
    ran, seconds = site.run([aws(server, path)])
    assert ran.returncode == 1 and ran.stdout == "" and "Traceback" not in ran.stderr
    assert ran.stderr.startswith(message.format(url=server + path)), ran.stderr
    assert ran.stderr.endswith("; kept the previous list in %s (1 IPv4 and 1 IPv6 routes)\n" % site.output) and ran.stderr.count("\n") == 1
    assert site.output.read_bytes() == previous and site.birdc_calls() == []
    assert seconds < 2 * TIMEOUT + 2, "the timeout bounds the wait"


def test_credentials_in_the_url_are_sent_and_never_shown(site, server):
    host = server.split("//", 1)[1]
    ran, _seconds = site.run([dict(aws(server), url="http://reader:%s@%s/private.json?token=t0ps3cret" % (PASSWORD, host))])
    assert ran.returncode == 0, ran.stderr
    assert PASSWORD not in site.output.read_text() and "t0ps3cret" not in site.output.read_text()
    assert "# http://********@%s/private.json?token=********" % host in site.output.read_text()
    ran, _seconds = site.run([dict(aws(server), url="http://reader:wrong-pw@%s/private.json?token=t0ps3cret" % host)])
    assert ran.returncode == 1
    assert ran.stderr.startswith("http://********@%s/private.json?token=********: answered HTTP 401 (Unauthorized); kept" % host)
    assert "wrong-pw" not in ran.stderr and "t0ps3cret" not in ran.stderr and "reader" not in ran.stderr


def test_if_missing_writes_a_missing_file_and_then_leaves_it(site, server):
    ran, _seconds = site.run([aws(server)], "--if-missing")
    assert ran.returncode == 0 and ran.stdout.startswith("created ")
    ran, _seconds = site.run([aws(server, "/error.json")], "--if-missing")
    assert (ran.returncode, ran.stdout) == (0, "present: %s (the timer refreshes it)\n" % site.output)


def test_a_missing_configuration_says_so(rendered, tmp_path):
    ran = subprocess.run([sys.executable, "-I", str(rendered / "breakout_refresh.py")], cwd=tmp_path, capture_output=True, text=True,
                         timeout=60, check=False)
    assert (ran.returncode, ran.stdout) == (2, "")
    assert ran.stderr == "cannot read the configuration %s: No such file or directory\n" % (rendered / "absent.json")


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_the_units_are_valid_systemd_units(rendered):
    timer = (rendered / "multisite-vpn-breakout-refresh.timer").read_text()
    assert "OnCalendar=daily\n" in timer and "Persistent=true\n" in timer and "RandomizedDelaySec=1h\n" in timer
    service = (rendered / "multisite-vpn-breakout-refresh.service").read_text()
    assert "Type=oneshot\nExecStart=/usr/bin/python3 %s\n" % (rendered / "breakout_refresh.py") in service
    verified = subprocess.run(["systemd-analyze", "verify", str(rendered / "multisite-vpn-breakout-refresh.service"),
                               str(rendered / "multisite-vpn-breakout-refresh.timer")], capture_output=True, text=True, timeout=60, check=False)
    assert verified.returncode == 0, verified.stderr


@pytest.fixture(name="bird_daemon")
def fixture_bird_daemon(tmp_path):
    """The real bird, in a network namespace of its own (its kernel table is not this machine's): a veth pair holds
    100.64.2.2/24, so that the uplink's gateway 100.64.2.1 is a neighbour and the routes are usable. Yields the
    birdc wrapper that talks to it, the main configuration, and a function that runs a command in its namespace."""
    if os.geteuid() != 0 or shutil.which("unshare") is None or shutil.which("nsenter") is None or not os.access(BIRDC, os.X_OK):
        pytest.skip("the real bird daemon needs root, unshare, nsenter, bird and birdc")
    if not os.access(BIRD, os.X_OK):
        pytest.skip("bird is not installed (Debian: apt-get install bird2)")
    probe = subprocess.run(["unshare", "--net", "ip", "link", "add", "uplink", "type", "veth", "peer", "name", "uplink-peer"],
                           capture_output=True, text=True, timeout=30, check=False)
    if probe.returncode != 0:
        pytest.skip("no network namespace with a veth pair here (a container without CAP_SYS_ADMIN?): %s" % probe.stderr.strip())
    socket_path, output = tmp_path / "bird.ctl", tmp_path / "bird" / "multisite-vpn-breakout.conf"
    main = tmp_path / "bird.conf"
    main.write_text('log stderr all;\nrouter id 192.0.2.1;\nprotocol device { scan time 1; }\n'
                    'protocol kernel kernel4 { ipv4 { import none; export where proto ~ "breakout*"; }; }\n'
                    'include "%s";\n' % output)
    wrapper = tmp_path / "birdc-real"
    wrapper.write_text('#!/bin/sh\nexec %s -s %s "$@"\n' % (BIRDC, socket_path))
    wrapper.chmod(0o755)
    setup = ("ip link set lo up && ip link add uplink type veth peer name uplink-peer && ip addr add 100.64.2.2/24 dev uplink"
             " && ip link set uplink up && ip link set uplink-peer up && exec %s -f -c %s -s %s" % (BIRD, main, socket_path))
    yield {"birdc": str(wrapper), "main": main, "output": output, "socket": socket_path, "tmp": tmp_path,
           "start": lambda: subprocess.Popen(["unshare", "--net", "sh", "-c", setup], stdout=subprocess.DEVNULL,  # noqa: S603
                                             stderr=open(tmp_path / "bird.log", "w", encoding="utf-8"))}  # pylint: disable=consider-using-with


def wait_for(condition, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_the_real_bird_takes_the_routes_and_keeps_them_when_it_refuses(rendered, server, bird_daemon):
    site = Site(bird_daemon["tmp"], rendered / "breakout_refresh.py", birdc=bird_daemon["birdc"])
    assert site.run([aws(server)], gateway6=None)[0].returncode == 0  # the first file, before bird starts
    daemon = bird_daemon["start"]()
    try:
        assert wait_for(bird_daemon["socket"].exists), (bird_daemon["tmp"] / "bird.log").read_text()

        def kernel_routes():
            shown = subprocess.run(["nsenter", "-t", str(daemon.pid), "-n", "ip", "-4", "route", "show", "proto", "bird"],
                                   capture_output=True, text=True, timeout=10, check=False)
            return shown.stdout

        assert wait_for(lambda: "52.95.110.0/23 via 100.64.2.1 dev uplink" in kernel_routes()), kernel_routes()

        ran, _seconds = site.run([aws(server, "/ip-ranges-changed.json")], gateway6=None)
        assert ran.returncode == 0 and ran.stdout.endswith("; bird: Reconfigured\n"), ran
        assert wait_for(lambda: "52.95.112.0/24 via 100.64.2.1 dev uplink" in kernel_routes()), kernel_routes()

        # bird.conf broken by something else: bird refuses, the previous list goes back and bird keeps its routes.
        previous = site.output.read_bytes()
        bird_daemon["main"].write_text(bird_daemon["main"].read_text() + "protocol nonsense;\n")
        ran, _seconds = site.run([aws(server)], gateway6=None)
        assert ran.returncode == 1 and ran.stderr.startswith("bird refused the new list (%s:6:" % bird_daemon["main"]), ran.stderr
        assert ran.stderr.endswith("; the previous one is back in %s\n" % site.output)
        assert site.output.read_bytes() == previous and "52.95.112.0/24" in kernel_routes()
    finally:
        daemon.terminate()
        daemon.wait(timeout=10)

    # bird stopped: the new list is written all the same, and bird reads it when it starts.
    ran, _seconds = site.run([aws(server)], gateway6=None)
    assert ran.returncode == 0 and "; bird is not running (Unable to connect to server control socket" in ran.stdout, ran


# --- roles/routing/tasks/breakout.yml: what its two tasks are given, templated by Ansible itself -------------------

def play_of_the_tasks(directory: pathlib.Path, name: str, setting, changed: bool) -> dict:
    """A play that templates breakout.yml's arguments with its own vars over the role's, as Ansible would pass them to
    the modules, and saves them: service_files and the program would change this machine, which is no host of a site."""
    block = yaml.safe_load((REPO / "roles" / "routing" / "tasks" / "breakout.yml").read_text())[0]
    role_vars = yaml.safe_load((REPO / "roles" / "routing" / "vars" / "main.yml").read_text())
    install, write = block["block"]
    return {"name": name, "hosts": "localhost", "gather_facts": False, "vars": dict(role_vars, **block["vars"], routing_breakout=setting), "tasks": [
        {"name": "Template the install task's arguments", "ansible.builtin.set_fact": {"install": install["multisite.vpn.service_files"]}},
        {"name": "Stand in for the install task", "ansible.builtin.command": {"cmd": "true"}, "changed_when": changed,
         "register": install["register"]},
        {"name": "Template the program's command line", "ansible.builtin.set_fact": {"argv": write["ansible.builtin.command"]["argv"]}},
        {"name": "Save them", "ansible.builtin.copy": {"content": "{{ {'install': install, 'argv': argv} | to_json }}",
                                                       "dest": str(directory / (name + ".json")), "mode": "0600"}},
    ]}


def run_plays(directory: pathlib.Path, plays: list) -> subprocess.CompletedProcess:
    (directory / "templates").symlink_to(TEMPLATES)  # where the template lookup looks, next to the playbook
    (directory / "play.yml").write_text(yaml.safe_dump(plays))
    return subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,", "-c", "local",
         "-e", "ansible_python_interpreter=" + sys.executable, str(directory / "play.yml")],
        cwd=REPO, env=dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg")), capture_output=True, text=True, timeout=180, check=False,
    )


PUBLIC = {"url": "https://ip-ranges.amazonaws.com/ip-ranges.json", "services": ["S3"], "regions": ["ap-northeast-1"]}
TOKEN = {"url": "https://lists.example/breakout.txt?token=abc", "format": "plain"}
PROGRAM = "/usr/local/lib/multisite-vpn/breakout_refresh.py"
FILE_PATHS = [PROGRAM, "/etc/multisite-vpn/breakout.json", "/etc/systemd/system/multisite-vpn-breakout-refresh.service",
              "/etc/systemd/system/multisite-vpn-breakout-refresh.timer"]
TIMER = ["multisite-vpn-breakout-refresh.timer"]


def test_the_tasks_arguments(tmp_path):
    cases = {
        "public-unchanged": ({"sources": [PUBLIC], "gateway4": "100.64.2.1"}, False, "content", TIMER, ["--if-missing"]),
        "token-changed": ({"sources": [TOKEN], "gateway4": "100.64.2.1", "interval": "hourly"}, True, "secret_content", TIMER, []),
        "no-refresh": ({"sources": [PUBLIC], "gateway4": "100.64.2.1", "refresh": False}, False, "content", [], ["--if-missing"]),
        "no-sources": ({"sources": []}, True, "content", [], []),
    }
    ran = run_plays(tmp_path, [play_of_the_tasks(tmp_path, name, setting, changed) for name, (setting, changed, *_rest) in cases.items()])
    assert ran.returncode == 0, ran.stdout[-3000:]
    for name, (setting, _changed, config_key, units, extra) in cases.items():
        saved = json.loads((tmp_path / (name + ".json")).read_text())
        files = saved["install"]["files"]
        assert [entry["path"] for entry in files] == FILE_PATHS and [entry["mode"] for entry in files] == ["0644", "0600", "0644", "0644"], name
        assert set(files[1]) == {"path", "mode", config_key}, name
        config = json.loads(files[1][config_key])
        assert files[1][config_key].endswith("}\n") and config["output"] == "/etc/bird/multisite-vpn-breakout.conf", name
        assert [source["url"] for source in config["sources"]] == [source["url"] for source in setting["sources"]], name
        assert "OnCalendar=%s\n" % setting.get("interval", "daily") in files[3]["content"], name
        assert 'main(sys.argv[1:], "/etc/multisite-vpn/breakout.json")' in files[0]["content"], name
        assert saved["install"]["units"] == units and saved["argv"] == ["/usr/bin/python3", PROGRAM] + extra, name


def test_a_setting_the_program_would_refuse_fails_on_the_controller(tmp_path):
    ran = run_plays(tmp_path, [play_of_the_tasks(tmp_path, "refused", {"sources": [dict(PUBLIC, url="ftp://lists.example/x")],
                                                                       "gateway4": "100.64.2.1"}, False)])
    assert ran.returncode != 0 and "routing_breakout.sources[0].url: ftp://lists.example/x is not an https://" in ran.stdout, ran.stdout[-3000:]
    assert not (tmp_path / "refused.json").exists()
