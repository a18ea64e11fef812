# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The breakout refresh program (module_utils/breakout_refresh.py): its configuration, the BIRD file it renders, and
every run's outcome, against a fake download, a fake birdc and a file in a temporary directory. No socket: lists
are fetched here from file:// URLs and fake openers (over HTTP: tests/integration/test_breakout_refresh.py)."""

from __future__ import annotations

import io
import json
import os
import pathlib
import urllib.error
import urllib.request

import pytest

from ansible_collections.multisite.vpn.plugins.module_utils import breakout_refresh
from ansible_collections.multisite.vpn.plugins.module_utils.breakout_refresh import (
    ConfigError,
    HttpRedirectsOnly,
    SourceError,
    birdc_outcome,
    build_request,
    check_config,
    fetch,
    refresh,
    render,
    shown_url,
)

DATA = pathlib.Path(__file__).parents[3] / "data" / "breakout"
AWS_URL = "https://ip-ranges.example/ip-ranges.json"
PLAIN_URL = "https://lists.example/breakout.txt"
LISTS = {AWS_URL: (DATA / "ip-ranges-sample.json").read_text(), PLAIN_URL: (DATA / "plain-list.txt").read_text()}
RECONFIGURED = (0, "BIRD 2.0.12 ready.\nReading configuration from /etc/bird/bird.conf\nReconfigured\n", "")


def aws(*prefixes) -> str:
    return json.dumps({"syncToken": "1", "prefixes": [{"ip_prefix": prefix, "region": "ap-northeast-1", "service": "S3"} for prefix in prefixes],
                       "ipv6_prefixes": []})


def settings(tmp_path, **changes) -> dict:
    config = {"sources": [{"url": AWS_URL, "format": "aws", "services": ["S3"], "regions": ["ap-northeast-1"]},
                          {"url": PLAIN_URL, "format": "plain"}],
              "gateway4": "100.64.2.1", "gateway6": "2001:db8:2::1", "output": str(tmp_path / "bird" / "breakout.conf")}
    config.update(changes)
    return check_config(config)


class FakeHost:
    """The lists' servers (URL -> text, or a SourceError to raise) and birdc (its answer), recording every call."""

    def __init__(self, answers=None, birdc=RECONFIGURED):
        self.answers = dict(LISTS, **(answers or {}))
        self.birdc = birdc
        self.fetched, self.ran = [], []

    def fetch(self, url, timeout):
        self.fetched.append((url, timeout))
        answer = self.answers[url]
        if isinstance(answer, Exception):
            raise answer
        return answer

    def run(self, argv):
        self.ran.append(argv)
        return self.birdc


NEW_TEXT = """\
# Breakout routes: prefixes that leave this site by its own uplink, not through a hub (multisite.vpn, roles/routing).
# Written by the breakout refresh program from the lists below; an edit here is overwritten.
# https://ip-ranges.example/ip-ranges.json (aws: services S3; regions ap-northeast-1; IPv4 and IPv6)
# https://lists.example/breakout.txt (plain: IPv4 and IPv6)
protocol static breakout4 {
  ipv4;
  route 52.95.110.0/23 via 100.64.2.1;
  route 198.51.100.0/24 via 100.64.2.1;
  route 203.0.113.0/24 via 100.64.2.1;
}
protocol static breakout6 {
  ipv6;
  route 2001:db8:77::/48 via 2001:db8:2::1;
  route 2406:da70:8800::/40 via 2001:db8:2::1;
}
"""
OLD_TEXT = NEW_TEXT.replace("  route 198.51.100.0/24 via 100.64.2.1;\n", "  route 192.0.2.0/24 via 100.64.2.1;\n")


# --- runs: what is written, what bird is asked, what is said ---------------------------------------------------------

@pytest.mark.parametrize(
    "previous, answers, changes, birdc, status, line, after, asks_bird",
    [
        pytest.param(None, {}, {}, RECONFIGURED, 0, "created {output}: 3 IPv4 and 2 IPv6 routes", NEW_TEXT, False, id="first-file-no-birdc"),
        pytest.param(NEW_TEXT, {}, {}, RECONFIGURED, 0, "unchanged: 3 IPv4 and 2 IPv6 routes in {output}", NEW_TEXT, False, id="unchanged"),
        pytest.param(OLD_TEXT, {}, {}, RECONFIGURED, 0, "updated {output}: 3 IPv4 (+1 -1) and 2 IPv6 (+0 -0) routes; bird: Reconfigured",
                     NEW_TEXT, True, id="updated-reconfigured"),
        pytest.param(OLD_TEXT, {}, {}, (0, "Reconfiguration in progress\n", ""), 0, "; bird: Reconfiguration in progress", NEW_TEXT, True,
                     id="updated-in-progress"),
        pytest.param(OLD_TEXT, {}, {}, (0, "Reconfiguration already in progress, queueing new config\n", ""), 0, "; bird: Reconfiguration already",
                     NEW_TEXT, True, id="updated-queued"),
        pytest.param(OLD_TEXT, {}, {}, (1, "", "Unable to connect to server control socket (/run/bird/bird.ctl): No such file or directory\n"),
                     0, "; bird is not running (Unable to connect to server control socket (/run/bird/bird.ctl): No such file or directory): "
                     "it reads them when it starts", NEW_TEXT, True, id="bird-not-running-keeps-the-new-file"),
        pytest.param(OLD_TEXT, {}, {}, (1, "BIRD 2.0.12 ready.\nReading configuration from /etc/bird/bird.conf\n/etc/bird/bird.conf:12:3 syntax error\n", ""),
                     1, "bird refused the new list (/etc/bird/bird.conf:12:3 syntax error); the previous one is back in {output}", OLD_TEXT, True,
                     id="bird-refuses-previous-back"),
        pytest.param(OLD_TEXT, {}, {}, (0, "Reconfiguration ignored, shutting down\n", ""), 1, "bird refused the new list (Reconfiguration ignored",
                     OLD_TEXT, True, id="bird-shutting-down-previous-back"),
        pytest.param(OLD_TEXT, {}, {}, (127, "", "cannot run /usr/sbin/birdc: No such file or directory"), 1,
                     "bird refused the new list (cannot run /usr/sbin/birdc: No such file or directory)", OLD_TEXT, True, id="no-birdc-previous-back"),
        pytest.param(OLD_TEXT, {AWS_URL: SourceError("answered HTTP 500 (Internal Server Error)")}, {}, RECONFIGURED, 1,
                     AWS_URL + ": answered HTTP 500 (Internal Server Error); kept the previous list in {output} (3 IPv4 and 2 IPv6 routes)",
                     OLD_TEXT, False, id="http-error"),
        pytest.param(OLD_TEXT, {PLAIN_URL: SourceError("no answer in time")}, {}, RECONFIGURED, 1, PLAIN_URL + ": no answer in time; kept",
                     OLD_TEXT, False, id="timeout"),
        pytest.param(OLD_TEXT, {AWS_URL: '{"prefixes": ['}, {}, RECONFIGURED, 1, AWS_URL + ": not valid JSON", OLD_TEXT, False, id="invalid-json"),
        pytest.param(OLD_TEXT, {AWS_URL: "<html>proxy error</html>"}, {}, RECONFIGURED, 1, AWS_URL + ": not JSON (format aws is ip-ranges.json)",
                     OLD_TEXT, False, id="an-error-page"),
        pytest.param(OLD_TEXT, {PLAIN_URL: LISTS[AWS_URL]}, {}, RECONFIGURED, 1, PLAIN_URL + ": JSON, not a plain list", OLD_TEXT, False,
                     id="json-for-a-plain-list"),
        pytest.param(OLD_TEXT, {AWS_URL: aws("52.95.110.1/24")}, {}, RECONFIGURED, 1,
                     AWS_URL + ": prefixes[0].ip_prefix: '52.95.110.1/24' has host bits set (52.95.110.0/24?)", OLD_TEXT, False, id="bad-prefix"),
        pytest.param(OLD_TEXT, {AWS_URL: aws()}, {}, RECONFIGURED, 1,
                     AWS_URL + ": selects no prefix (services S3; regions ap-northeast-1; IPv4 and IPv6): a list does not empty itself",
                     OLD_TEXT, False, id="nothing-selected"),
        pytest.param(OLD_TEXT, {PLAIN_URL: "# only IPv6\n2001:db8:77::/48\n"}, {"gateway6": None}, RECONFIGURED, 1,
                     PLAIN_URL + ": selects no prefix (IPv4)", OLD_TEXT, False, id="ipv6-only-without-gateway6"),
        pytest.param(OLD_TEXT, {PLAIN_URL: "198.51.100.0/24\n10.0.0.0/8\n"}, {}, RECONFIGURED, 1,
                     PLAIN_URL + ": 10.0.0.0/8 overlaps 10.0.0.0/8, which a VPN uses itself", OLD_TEXT, False, id="a-private-prefix"),
        pytest.param(OLD_TEXT, {PLAIN_URL: "0.0.0.0/1\n128.0.0.0/1\n"}, {}, RECONFIGURED, 1, PLAIN_URL + ": 0.0.0.0/1 overlaps 0.0.0.0/8",
                     OLD_TEXT, False, id="half-the-internet"),
        pytest.param(OLD_TEXT, {}, {"max_prefixes": 4}, RECONFIGURED, 1, "5 prefixes after merging, more than max_prefixes (4); kept", OLD_TEXT,
                     False, id="too-many"),
        pytest.param(None, {AWS_URL: SourceError("answered HTTP 404 (Not Found)")}, {}, RECONFIGURED, 1,
                     AWS_URL + ": answered HTTP 404 (Not Found); {output} not written", None, False, id="first-run-fails-writes-nothing"),
    ],
)
def test_a_run(tmp_path, previous, answers, changes, birdc, status, line, after, asks_bird):
    config = settings(tmp_path, **changes)
    output = pathlib.Path(config["output"])
    if previous is not None:
        output.parent.mkdir()
        output.write_text(previous)
        os.utime(output, ns=(1, 1))
    host = FakeHost(answers, birdc)
    result = refresh(config, host.fetch, host.run)
    assert result[0] == status and line.format(output=output) in result[1], result
    assert "\n" not in result[1]
    assert (output.read_text() if output.exists() else None) == after
    assert host.ran == ([[config["birdc"], "configure"]] if asks_bird else [])
    if previous is not None and after == previous and not asks_bird:
        assert output.stat().st_mtime_ns == 1, "the last good file is left as it was, not rewritten"
    if output.exists():
        assert output.stat().st_mode & 0o777 == 0o644


def test_a_list_asked_twice_is_downloaded_once(tmp_path):
    config = settings(tmp_path, sources=[{"url": AWS_URL, "services": ["S3"]}, {"url": AWS_URL, "services": ["EC2"]}], timeout=7)
    host = FakeHost()
    assert refresh(config, host.fetch, host.run)[0] == 0
    assert host.fetched == [(AWS_URL, 7)]


def test_no_sources_an_empty_protocol(tmp_path):
    config = settings(tmp_path, sources=[], gateway6=None)
    assert refresh(config, FakeHost().fetch, FakeHost().run) == (0, "created %s: 0 IPv4 and 0 IPv6 routes" % config["output"])
    assert pathlib.Path(config["output"]).read_text().endswith("# No breakout lists are configured.\nprotocol static breakout4 {\n  ipv4;\n}\n")


# --- credentials never shown --------------------------------------------------------------------------------------

SECRET_URL = "https://reader:s3cret%21pw@lists.example/breakout.txt?token=abcdef123&format=txt"


@pytest.mark.parametrize(
    "url, shown",
    [
        pytest.param(AWS_URL, AWS_URL, id="nothing-to-mask"),
        pytest.param(SECRET_URL, "https://********@lists.example/breakout.txt?token=********&format=********", id="userinfo-and-query"),
        pytest.param("https://token@lists.example/list", "https://********@lists.example/list", id="a-token-as-user"),
        pytest.param("https://lists.example/list?flag", "https://lists.example/list?flag", id="a-query-name-alone"),
        pytest.param("file:///srv/lists/breakout.txt", "file:///srv/lists/breakout.txt", id="file"),
    ],
)
def test_shown_url(url, shown):
    assert shown_url(url) == shown


def test_a_failure_names_the_source_without_its_credentials(tmp_path):
    config = settings(tmp_path, sources=[{"url": SECRET_URL, "format": "plain"}])
    echo = SourceError("answered HTTP 403 (token abcdef123 of reader:s3cret!pw expired)")
    status, line = refresh(config, FakeHost({SECRET_URL: echo}).fetch, FakeHost().run)
    assert status == 1 and line.startswith("https://********@lists.example/breakout.txt?token=********&format=********: answered HTTP 403")
    for secret in ("abcdef123", "s3cret", "reader"):
        assert secret not in line


def test_credentials_of_the_url_are_basic_auth_not_redirected():
    request = build_request(SECRET_URL)
    assert request.full_url == "https://lists.example/breakout.txt?token=abcdef123&format=txt"
    assert request.unredirected_hdrs == {"Authorization": "Basic cmVhZGVyOnMzY3JldCFwdw=="}  # reader:s3cret!pw
    assert "Authorization" not in request.headers


# --- the BIRD file ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "routes, changes, body",
    [
        pytest.param({4: ["3.0.0.0/15"], 6: ["2406:da14::/35"]}, {"gateway6": None},
                     "protocol static breakout4 {\n  ipv4;\n  route 3.0.0.0/15 via 100.64.2.1;\n}\n", id="ipv4-only-no-breakout6"),
        pytest.param({4: [], 6: ["2406:da14::/35"]}, {"gateway4": None, "gateway6": "fe80::1%eth0"},
                     "protocol static breakout4 {\n  ipv4;\n}\nprotocol static breakout6 {\n  ipv6;\n  route 2406:da14::/35 via fe80::1%eth0;\n}\n",
                     id="link-local-gateway"),
        pytest.param({4: [], 6: []}, {}, "protocol static breakout4 {\n  ipv4;\n}\nprotocol static breakout6 {\n  ipv6;\n}\n", id="empty-protocols"),
    ],
)
def test_render(tmp_path, routes, changes, body):
    assert render(routes, settings(tmp_path, **changes)).split("(plain: IPv", 1)[1].split("\n", 1)[1] == body


# --- bird's answers -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "answer, outcome",
    [
        pytest.param(RECONFIGURED, ("applied", "Reconfigured"), id="reconfigured"),
        pytest.param((0, "Reconfiguration in progress\n", ""), ("applied", "Reconfiguration in progress"), id="in-progress"),
        pytest.param((1, "BIRD 2.0.12 ready.\nReading configuration from /etc/bird/bird.conf\n"
                      "/etc/bird/multisite-vpn-breakout.conf:7:9 Invalid IPv4 prefix 3.0.0.1/15, maybe you wanted 3.0.0.0/15\n", ""),
                     ("refused", "/etc/bird/multisite-vpn-breakout.conf:7:9 Invalid IPv4 prefix 3.0.0.1/15, maybe you wanted 3.0.0.0/15"), id="parse-error"),
        pytest.param((1, "", "Unable to connect to server control socket (/run/bird/bird.ctl): Connection refused\n"),
                     ("no daemon", "Unable to connect to server control socket (/run/bird/bird.ctl): Connection refused"), id="no-daemon"),
        pytest.param((0, "BIRD 2.0.12 ready.\n", ""), ("refused", "no answer, exit status 0"), id="nothing-said"),
        pytest.param((124, "", "/usr/sbin/birdc configure gave no answer within 120 s"),
                     ("refused", "/usr/sbin/birdc configure gave no answer within 120 s"), id="timed-out"),
    ],
)
def test_birdc_outcome(answer, outcome):
    assert birdc_outcome(*answer) == outcome


# --- the configuration --------------------------------------------------------------------------------------------

def test_defaults():
    assert check_config({}) == {"sources": [], "gateway4": None, "gateway6": None, "max_prefixes": 20000, "timeout": 30,
                                "output": "/etc/bird/multisite-vpn-breakout.conf", "birdc": "/usr/sbin/birdc"}


@pytest.mark.parametrize(
    "config, message",
    [
        pytest.param([], "the configuration is list, not a mapping", id="a-list"),
        pytest.param({"source": []}, "source: unknown key (known: sources, gateway4,", id="unknown-key"),
        pytest.param({"sources": {"url": AWS_URL}}, "sources: give a list", id="sources-a-mapping"),
        pytest.param({"sources": [AWS_URL]}, "sources[0]: give a mapping", id="a-source-a-string"),
        pytest.param({"sources": [{"url": AWS_URL, "service": ["S3"]}]}, "sources[0].service: unknown key", id="unknown-source-key"),
        pytest.param({"sources": [{"url": "ftp://lists.example/x"}]}, "sources[0].url: ftp://lists.example/x is not an https://", id="ftp"),
        pytest.param({"sources": [{"url": "https://user:pw@/x"}]}, "sources[0].url: https://********@/x has no host", id="no-host-masked"),
        pytest.param({"sources": [{"url": "https://lists.example:99999/x"}]}, "a port that is no port", id="bad-port"),
        pytest.param({"sources": [{"url": "https://lists.example/a b"}]}, "no spaces or control characters", id="a-space"),
        pytest.param({"sources": [{"url": "file://server/share/x"}]}, "a file URL names a file on this host", id="remote-file"),
        pytest.param({"sources": [{"url": AWS_URL, "format": "json"}]}, "sources[0].format: 'json' is not one of aws, plain", id="format"),
        pytest.param({"sources": [{"url": AWS_URL, "services": "S3"}]}, "sources[0].services: give a list of names", id="services-a-string"),
        pytest.param({"sources": [{"url": AWS_URL, "regions": ["ap northeast"]}]}, "sources[0].regions[0]: 'ap northeast' is not a name", id="region"),
        pytest.param({"sources": [{"url": AWS_URL, "services": ["S3\n"]}]}, "sources[0].services[0]: 'S3\\n' is not a name", id="a-line-end"),
        pytest.param({"sources": [{"url": PLAIN_URL, "format": "plain", "services": ["S3"]}]}, "sources[0]: a plain list has no services",
                     id="plain-with-services"),
        pytest.param({"sources": [{"url": AWS_URL}]}, "gateway4: give the uplink's IPv4 gateway, or gateway6, or both", id="no-gateway"),
        pytest.param({"gateway4": "2001:db8::1"}, "gateway4: '2001:db8::1' is not an IPv4 address", id="gateway4-of-ipv6"),
        pytest.param({"gateway6": "fe80::1"}, "gateway6: a link-local next hop needs its interface, such as fe80::1%eth0", id="link-local-bare"),
        pytest.param({"gateway6": "fe80::1%eth0.100"}, "BIRD 2.0 cannot name the interface 'eth0.100'", id="vlan-interface"),
        pytest.param({"max_prefixes": 0}, "max_prefixes: 0 is not a whole number above 0", id="max-zero"),
        pytest.param({"max_prefixes": True}, "max_prefixes: True is not a whole number", id="max-a-bool"),
        pytest.param({"timeout": "30"}, "timeout: '30' is not a number of seconds above 0 up to 600", id="timeout-a-string"),
        pytest.param({"output": "breakout.conf"}, "output: 'breakout.conf' is not an absolute path", id="relative-output"),
    ],
)
def test_configurations_refused(config, message):
    with pytest.raises(ConfigError) as raised:
        check_config(config)
    assert message in str(raised.value)


# --- downloading (file:// and fake openers; HTTP itself in the integration tests) ---------------------------------

@pytest.mark.parametrize(
    "content, limit, message",
    [
        pytest.param(b"\xef\xbb\xbf198.51.100.0/24\n", 100, None, id="utf-8-with-bom"),
        pytest.param(b"", 100, "the answer is empty", id="empty"),
        pytest.param(b"  \n", 100, "the answer is empty", id="blank"),
        pytest.param(b"\xff\xfe1\x002\x00", 100, "the answer is not UTF-8 text", id="utf-16"),
        pytest.param(b"198.51.100.0/24\n" * 10, 100, "the answer is larger than 0 MiB", id="over-the-limit"),
    ],
)
def test_fetch_a_file(tmp_path, content, limit, message):
    path = tmp_path / "list.txt"
    path.write_bytes(content)
    if message is None:
        assert fetch(path.as_uri(), 5, limit) == "198.51.100.0/24\n"
    else:
        with pytest.raises(SourceError, match=message):
            fetch(path.as_uri(), 5, limit)


def test_fetch_a_missing_file(tmp_path):
    with pytest.raises(SourceError, match="No such file or directory"):
        fetch((tmp_path / "absent.txt").as_uri(), 5)


class FakeResponse(io.BytesIO):
    status = 200


class FakeOpener:
    """OPEN(request, timeout) is what urllib's opener would do: return a response or raise."""

    def __init__(self, open_function):
        self.open = open_function


def test_a_trickling_answer_is_cut_at_the_deadline():
    ticks = iter(range(100))

    class Trickle(FakeResponse):
        def read1(self, size=-1):
            return super().read1(1)

    with pytest.raises(SourceError, match="not all of the list arrived within 3 s"):
        fetch(AWS_URL, 3, opener=FakeOpener(lambda request, timeout: Trickle(b"x" * 50)), clock=lambda: next(ticks))


@pytest.mark.parametrize(
    "raised, message",
    [
        pytest.param(urllib.error.HTTPError(AWS_URL, 500, "Internal Server Error", {}, io.BytesIO()), "answered HTTP 500 (Internal Server Error)",
                     id="http-500"),
        pytest.param(urllib.error.URLError(TimeoutError("timed out")), "no answer in time", id="timeout-connecting"),
        pytest.param(TimeoutError("timed out"), "no answer in time", id="timeout-reading"),
        pytest.param(urllib.error.URLError(ConnectionRefusedError(111, "Connection refused")), "Connection refused", id="refused"),
    ],
)
def test_fetch_failures(raised, message):
    def fail(request, timeout):
        raise raised

    with pytest.raises(SourceError, match=message.replace("(", r"\(").replace(")", r"\)")):
        fetch(AWS_URL, 3, opener=FakeOpener(fail))


def test_only_status_200_is_a_list():
    class Partial(FakeResponse):
        status = 206

    with pytest.raises(SourceError, match="answered HTTP 206, not 200"):
        fetch(AWS_URL, 3, opener=FakeOpener(lambda request, timeout: Partial(b"198.51.100.0/24\n")))


@pytest.mark.parametrize(
    "before, after, followed",
    [
        pytest.param("http://lists.example/a", "https://lists.example/b", True, id="up-to-https"),
        pytest.param("https://lists.example/a", "https://mirror.example/b", True, id="https-elsewhere"),
        pytest.param("https://lists.example/a", "http://lists.example/b", False, id="down-to-http"),
        pytest.param("http://lists.example/a", "ftp://lists.example/b", False, id="to-ftp"),
        pytest.param("http://lists.example/a", "file:///etc/shadow", False, id="to-a-file"),
    ],
)
def test_redirects(before, after, followed):
    handler = HttpRedirectsOnly()
    request = urllib.request.Request(before)
    if followed:
        assert handler.redirect_request(request, io.BytesIO(), 302, "Found", {}, after).full_url == after
    else:
        with pytest.raises(urllib.error.HTTPError, match="is not followed"):
            handler.redirect_request(request, io.BytesIO(), 302, "Found", {}, after)


# --- the program's entry --------------------------------------------------------------------------------------------

def write_config(tmp_path, content) -> str:
    path = tmp_path / "breakout.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return str(path)


@pytest.mark.parametrize(
    "content, arguments, status, stream, line",
    [
        pytest.param(None, [], 2, "err", "cannot read the configuration {config}: No such file or directory", id="no-configuration"),
        pytest.param("{", [], 2, "err", "the configuration {config} is not JSON: Expecting", id="not-json"),
        pytest.param({"gateway4": "x"}, [], 2, "err", "the configuration {config}: gateway4: 'x' is not an IPv4 address", id="refused"),
        pytest.param({"sources": [{"url": AWS_URL, "services": ["S3"]}], "gateway4": "100.64.2.1"}, [], 0, "out", "created {output}: 1 IPv4",
                     id="a-run"),
        pytest.param({"sources": [{"url": AWS_URL, "services": ["NONE"]}], "gateway4": "100.64.2.1"}, [], 1, "err", AWS_URL + ": selects no prefix",
                     id="a-failed-run"),
        pytest.param({"sources": [{"url": AWS_URL}], "gateway4": "100.64.2.1"}, ["--if-missing"], 0, "out", "present: {output}", id="if-missing"),
    ],
)
def test_main(tmp_path, content, arguments, status, stream, line):
    output = tmp_path / "breakout.conf"
    if arguments == ["--if-missing"]:
        output.write_text("existing\n")
    if content is None:
        config = str(tmp_path / "absent.json")
    else:
        config = write_config(tmp_path, dict(content, output=str(output)) if isinstance(content, dict) else content)
    out, err = io.StringIO(), io.StringIO()
    host = FakeHost()
    assert breakout_refresh.main(["--config", config] + arguments, "/nonexistent", host.fetch, host.run, out, err) == status
    written = {"out": out, "err": err}
    assert line.format(config=config, output=output) in written[stream].getvalue()
    assert written[stream].getvalue().count("\n") == 1 and written["err" if stream == "out" else "out"].getvalue() == ""
    if arguments == ["--if-missing"]:
        assert host.fetched == [] and output.read_text() == "existing\n"
