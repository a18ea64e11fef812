# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A site's breakout routes refreshed between Ansible runs: the program of roles/routing's timer (issue 12).

The lists of the configuration (/etc/multisite-vpn/breakout.json, written by Ansible) are downloaded, read and
selected with breakout_prefixes (the filter's own code), merged, and rendered as BIRD 2 static protocols breakout4
and breakout6 whose routes leave by the site's own uplink. The file is replaced only when its text changes, then
`birdc configure` applies it; when bird refuses it, the previous file is put back. A list that cannot be used (no
answer, an HTTP error, not the format asked for, a prefix that is no prefix, nothing selected, too many prefixes)
leaves the last good file as it is: the run fails with one line that names the source, credentials masked.

Decisions, each for a reason:
- https, http and file URLs. file:// reads a list that something else put on the host (a lab without internet, a list
  another tool maintains); the configuration is root's, so it reaches nothing root could not. A redirect is followed to
  http or https only, never from https to http: a list of routes must not be replaceable by anyone on the path.
- A source that selects nothing fails, even on the first run: lists do not empty themselves, so it is a broken answer
  (a proxy's empty page), a service or region misspelt, or IPv6 only without gateway6. Routes are dropped on purpose
  by removing the source in Ansible, whose run rewrites the configuration and the file.
- A prefix that overlaps the ranges a VPN uses itself (private, shared, link-local, loopback, multicast) is refused:
  static routes win over BGP in BIRD, so such a list would take the tunnels' own traffic out by the uplink.
"""

from __future__ import annotations

import argparse
import base64
import fcntl
import http.client
import ipaddress
import json
import os
import re
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import unquote, urlsplit, urlunsplit

from ansible_collections.multisite.vpn.plugins.module_utils.breakout_prefixes import FORMATS, BreakoutListError, aggregate, parse, select
from ansible_collections.multisite.vpn.plugins.module_utils.files import FileReadError, FileWriteError, read_file, replace_file
from ansible_collections.multisite.vpn.plugins.module_utils.redaction import REDACTED, mask_values

CONFIG_PATH = "/etc/multisite-vpn/breakout.json"
OUTPUT_PATH = "/etc/bird/multisite-vpn-breakout.conf"
BIRDC_PATH = "/usr/sbin/birdc"
DEFAULT_MAX_PREFIXES = 20000
DEFAULT_TIMEOUT = 30
MAX_TIMEOUT = 600
# AWS's ip-ranges.json is about 2 MB; a list sixteen times that is not a list.
MAX_LIST_BYTES = 32 * 1024 * 1024
SCHEMES = ("https", "http", "file")
OUTPUT_MODE = 0o644
DIRECTORY_MODE = 0o755
READ_CHUNK = 64 * 1024
BIRDC_TIMEOUT = 120
USER_AGENT = "multisite.vpn breakout-refresh"

# BIRD's answers to `configure` that mean the new configuration is applied or being applied (cmd_reconfig_msg in
# sysdep/unix/main.c, 2.0.12 and 3.x alike); anything else, "Reconfiguration ignored, shutting down" too, is a refusal.
BIRD_APPLIED = ("Reconfigured", "Reconfiguration in progress", "Reconfiguration already in progress, queueing new config")
BIRDC_NO_DAEMON = "Unable to connect to server control socket"
BIRD_CHATTER = re.compile(r"^(BIRD \S+ ready\.|Reading configuration from .*)$")

# Never a cloud's: what the tunnels, the sites' LANs and the hosts themselves use.
NOT_BREAKOUT = tuple(ipaddress.ip_network(network) for network in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16",
    "224.0.0.0/3", "::/8", "fc00::/7", "fe80::/10", "ff00::/8"))

CONFIG_KEYS = ("sources", "gateway4", "gateway6", "output", "birdc", "max_prefixes", "timeout")
SOURCE_KEYS = ("url", "format", "services", "regions")
# AWS's service and region names (S3, ap-northeast-1, GLOBAL): they are written into the file's comments.
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
# BIRD 2.0 names a link-local next hop's interface as a symbol (`via fe80::1%eth0`): no '-' or '.' in it.
BIRD_SYMBOL = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
ROUTE = re.compile(r"^\s*route (\S+) via ", re.MULTILINE)


class RefreshError(Exception):
    """A run that cannot give a new list; the message is one line."""


class ConfigError(RefreshError):
    """The configuration is not usable; the message starts with the key (sources[1].url: ...)."""


class SourceError(RefreshError):
    """One list could not be had or used; the message says why, without the URL."""


# --- configuration ---------------------------------------------------------------------------------------------

def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _names(value, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ConfigError("%s: give a list of names such as ['S3'], not %s" % (where, type(value).__name__))
    for index, name in enumerate(value):
        if not isinstance(name, str) or not NAME.fullmatch(name):
            raise ConfigError("%s[%d]: %r is not a name such as S3 or ap-northeast-1" % (where, index, name))
    return list(value)


def check_url(url, where: str) -> str:
    """URL, an https, http or file URL that can be fetched, or ConfigError naming WHERE."""
    if not isinstance(url, str) or not url:
        raise ConfigError("%s: give an https://, http:// or file:// URL" % where)
    if any(character.isspace() or ord(character) < 32 or ord(character) == 127 for character in url):
        raise ConfigError("%s: a URL has no spaces or control characters" % where)
    parts = urlsplit(url)
    if parts.scheme.lower() not in SCHEMES:
        raise ConfigError("%s: %s is not an https://, http:// or file:// URL" % (where, shown_url(url)))
    if parts.scheme.lower() == "file":
        if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
            raise ConfigError("%s: a file URL names a file on this host by its absolute path: file:///path" % where)
        return url
    try:
        port = parts.port
    except ValueError:
        port = -1
    if not parts.hostname or port == -1:
        raise ConfigError("%s: %s has no host, or a port that is no port" % (where, shown_url(url)))
    return url


def _gateway(value, version: int, where: str) -> str | None:
    if value is None or value == "":
        return None
    try:
        address = ipaddress.ip_address(value) if isinstance(value, str) else None
    except ValueError:
        address = None
    if address is None or address.version != version:
        raise ConfigError("%s: %r is not an IPv%d address" % (where, value, version))
    scope = getattr(address, "scope_id", None)
    if version == 6 and address.is_link_local and not scope:
        raise ConfigError("%s: a link-local next hop needs its interface, such as %s%%eth0" % (where, value))
    if scope and not BIRD_SYMBOL.fullmatch(scope):
        raise ConfigError("%s: BIRD 2.0 cannot name the interface %r after %% (letters, digits and _ only): "
                          "give the gateway's global address" % (where, scope))
    return str(address)


def _positive(value, default, where: str, integer: bool, highest=None):
    if value is None:
        return default
    if not _is_number(value) or (integer and not isinstance(value, int)) or value <= 0 or (highest and value > highest):
        kind = "a whole number" if integer else "a number of seconds"
        raise ConfigError("%s: %r is not %s above 0%s" % (where, value, kind, " up to %d" % highest if highest else ""))
    return value


def check_config(config) -> dict:
    """CONFIG (the program's configuration, as Ansible writes it) checked, with every default filled in."""
    if not isinstance(config, dict):
        raise ConfigError("the configuration is %s, not a mapping" % type(config).__name__)
    unknown = sorted(set(config) - set(CONFIG_KEYS))
    if unknown:
        raise ConfigError("%s: unknown key%s (known: %s)" % (", ".join(unknown), "s" if len(unknown) > 1 else "", ", ".join(CONFIG_KEYS)))
    sources = config.get("sources") or []
    if not isinstance(sources, list):
        raise ConfigError("sources: give a list of {url, format, services, regions}, not %s" % type(sources).__name__)
    checked = []
    for index, source in enumerate(sources):
        where = "sources[%d]" % index
        if not isinstance(source, dict):
            raise ConfigError("%s: give a mapping {url, format, services, regions}, not %s" % (where, type(source).__name__))
        unknown = sorted(set(source) - set(SOURCE_KEYS))
        if unknown:
            raise ConfigError("%s.%s: unknown key (known: %s)" % (where, unknown[0], ", ".join(SOURCE_KEYS)))
        list_format = source.get("format") or "aws"
        if list_format not in FORMATS:
            raise ConfigError("%s.format: %r is not one of %s" % (where, list_format, ", ".join(FORMATS)))
        services, regions = _names(source.get("services"), where + ".services"), _names(source.get("regions"), where + ".regions")
        if list_format == "plain" and (services or regions):
            raise ConfigError("%s: a plain list has no services or regions to select by" % where)
        checked.append({"url": check_url(source.get("url"), where + ".url"), "format": list_format, "services": services, "regions": regions})
    result = {
        "sources": checked,
        "gateway4": _gateway(config.get("gateway4"), 4, "gateway4"),
        "gateway6": _gateway(config.get("gateway6"), 6, "gateway6"),
        "max_prefixes": _positive(config.get("max_prefixes"), DEFAULT_MAX_PREFIXES, "max_prefixes", True),
        "timeout": _positive(config.get("timeout"), DEFAULT_TIMEOUT, "timeout", False, MAX_TIMEOUT),
    }
    if checked and not (result["gateway4"] or result["gateway6"]):
        raise ConfigError("gateway4: give the uplink's IPv4 gateway, or gateway6, or both: the sources' routes need a next hop")
    for key, default in (("output", OUTPUT_PATH), ("birdc", BIRDC_PATH)):
        value = config.get(key) or default
        if not isinstance(value, str) or not os.path.isabs(value):
            raise ConfigError("%s: %r is not an absolute path" % (key, value))
        result[key] = value
    return result


# --- URLs and their secrets ------------------------------------------------------------------------------------

def url_secrets(url: str) -> list[str]:
    """What in URL may be a credential, as written and decoded: its user information and its query's values."""
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None:
        return []
    secrets = []
    if "@" in parts.netloc:
        userinfo = parts.netloc.rpartition("@")[0]
        secrets += [userinfo] + userinfo.split(":", 1)
    for pair in parts.query.split("&"):
        secrets.append(pair.partition("=")[2])
    return [text for secret in secrets if secret for text in (secret, unquote(secret))]


def shown_url(url) -> str:
    """URL as it may be shown: its user information and each query value replaced by REDACTED."""
    if not isinstance(url, str):
        return repr(url)
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = REDACTED + "@" + netloc.rpartition("@")[2]
    query = "&".join(name + ("=" + REDACTED if value else "")
                     for name, _sign, value in (pair.partition("=") for pair in parts.query.split("&") if pair))
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


# --- fetching --------------------------------------------------------------------------------------------------

class HttpRedirectsOnly(urllib.request.HTTPRedirectHandler):
    """Follows redirects to http and https only, never from https down to http (urllib would follow one to ftp)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        before, after = urlsplit(req.full_url).scheme.lower(), urlsplit(newurl).scheme.lower()
        if after not in ("http", "https") or (before == "https" and after == "http"):
            raise urllib.error.HTTPError(req.full_url, code, "a redirect from %s to %s is not followed" % (before, after or "?"), headers, fp)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def build_request(url: str) -> urllib.request.Request:
    """A GET of URL; its user information, which urllib would take for part of the host, sent as HTTP Basic instead.
    The header is left out of redirects (urllib would send it to any host a redirect names)."""
    parts = urlsplit(url)
    authorization = None
    if parts.scheme.lower() in ("http", "https") and "@" in parts.netloc:
        userinfo, _at, host = parts.netloc.rpartition("@")
        user, _colon, password = userinfo.partition(":")
        url = urlunsplit(parts._replace(netloc=host))
        authorization = "Basic " + base64.b64encode(("%s:%s" % (unquote(user), unquote(password))).encode("utf-8")).decode("ascii")
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
    if authorization:
        request.add_unredirected_header("Authorization", authorization)
    return request


def describe_failure(error) -> str:
    if isinstance(error, TimeoutError):
        return "no answer in time"
    if isinstance(error, ssl.SSLCertVerificationError):
        return "its TLS certificate is not trusted (%s)" % (error.verify_message or error.reason)
    if isinstance(error, ssl.SSLError):
        return "TLS failed (%s)" % (error.reason or error)
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


def fetch(url: str, timeout: float, limit: int = MAX_LIST_BYTES, opener=None, clock=time.monotonic) -> str:
    """The text at URL, read within about TIMEOUT seconds and LIMIT bytes; SourceError (without the URL) otherwise.

    urllib's timeout bounds each wait for the server, not the whole answer: a server that trickles its answer is
    stopped by the deadline checked between reads."""
    opener = opener or urllib.request.build_opener(HttpRedirectsOnly)
    deadline = clock() + timeout
    try:
        with opener.open(build_request(url), timeout=timeout) as response:
            status = getattr(response, "status", None)  # None for a file
            if status not in (None, 200):
                raise SourceError("answered HTTP %d, not 200 with the list" % status)
            read = getattr(response, "read1", response.read)
            chunks, size = [], 0
            while True:
                if clock() > deadline:
                    raise SourceError("not all of the list arrived within %g s" % timeout)
                chunk = read(READ_CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > limit:
                    raise SourceError("the answer is larger than %d MiB" % (limit // (1024 * 1024)))
                chunks.append(chunk)
    except urllib.error.HTTPError as error:
        error.close()
        raise SourceError("answered HTTP %d (%s)" % (error.code, error.reason)) from None
    except urllib.error.URLError as error:
        raise SourceError(describe_failure(error.reason) if isinstance(error.reason, BaseException) else str(error.reason)) from None
    except (OSError, http.client.HTTPException, ValueError) as error:
        raise SourceError(describe_failure(error)) from None
    try:
        text = b"".join(chunks).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SourceError("the answer is not UTF-8 text") from None
    if not text.strip():
        raise SourceError("the answer is empty")
    return text


# --- the list and its rendering -----------------------------------------------------------------------------------

def _selection(source: dict, families) -> str:
    asked = []
    if source["services"]:
        asked.append("services " + ", ".join(source["services"]))
    if source["regions"]:
        asked.append("regions " + ", ".join(source["regions"]))
    asked.append(" and ".join("IPv%d" % family for family in families))
    return "; ".join(asked)


def select_routes(text: str, source: dict, families) -> list:
    """The networks SOURCE (a checked entry of sources) selects from its list TEXT, of FAMILIES; SourceError when it
    cannot be read, holds a prefix a VPN uses itself, or selects nothing."""
    try:
        networks = select(parse(text, source["format"]), source["services"], source["regions"], families)
    except BreakoutListError as error:
        raise SourceError(str(error)) from None
    for network in networks:
        for reserved in NOT_BREAKOUT:
            if network.version == reserved.version and network.overlaps(reserved):
                raise SourceError("%s overlaps %s, which a VPN uses itself: it is no breakout" % (network, reserved))
    if not networks:
        raise SourceError("selects no prefix (%s): a list does not empty itself; remove the source to drop its routes"
                          % _selection(source, families))
    return networks


def families_of(config: dict) -> tuple:
    """The address families routed: those with a gateway."""
    return tuple(version for version, key in ((4, "gateway4"), (6, "gateway6")) if config[key])


def new_routes(config: dict, fetch_text=fetch) -> dict:
    """{4: [prefix, ...], 6: [...]}: every source's selection, merged; RefreshError naming the source (masked) that failed."""
    families = families_of(config)
    texts, selected = {}, []
    for source in config["sources"]:
        url = source["url"]
        try:
            if url not in texts:  # several selections of one list download it once
                texts[url] = fetch_text(url, config["timeout"])
            selected += select_routes(texts[url], source, families)
        except SourceError as error:
            raise RefreshError("%s: %s" % (shown_url(url), mask_values(str(error), url_secrets(url)))) from None
    merged = aggregate(selected)
    if len(merged) > config["max_prefixes"]:
        raise RefreshError("%d prefixes after merging, more than max_prefixes (%d)" % (len(merged), config["max_prefixes"]))
    return {version: [prefix for prefix in merged if (":" in prefix) == (version == 6)] for version in (4, 6)}


def render(routes: dict, config: dict) -> str:
    """The BIRD 2 file: breakout4 always (bird.conf includes the file whatever the lists hold), breakout6 when there
    is an IPv6 gateway, each with no routes when there are none (BIRD accepts an empty static protocol)."""
    lines = ["# Breakout routes: prefixes that leave this site by its own uplink, not through a hub (multisite.vpn, roles/routing).",
             "# Written by the breakout refresh program from the lists below; an edit here is overwritten."]
    if not config["sources"]:
        lines.append("# No breakout lists are configured.")
    for source in config["sources"]:
        lines.append("# %s (%s: %s)" % (shown_url(source["url"]), source["format"], _selection(source, families_of(config))))
    for version, name, gateway in ((4, "breakout4", config["gateway4"]), (6, "breakout6", config["gateway6"])):
        if version == 6 and not gateway:
            continue
        lines += ["protocol static %s {" % name, "  ipv%d;" % version]
        lines += ["  route %s via %s;" % (prefix, gateway) for prefix in (routes.get(version, []) if gateway else [])]
        lines.append("}")
    return "\n".join(lines) + "\n"


def routes_in(content: bytes | None) -> dict:
    """{4: set, 6: set} of the routes in a file render() wrote (empty sets for no file)."""
    found = ROUTE.findall((content or b"").decode("utf-8", "replace"))
    return {version: {prefix for prefix in found if (":" in prefix) == (version == 6)} for version in (4, 6)}


def describe_routes(routes: dict, before: dict | None = None) -> str:
    """"3 IPv4 and 1 IPv6 routes", with what came and went since BEFORE: "3 IPv4 (+1 -0) and ..."."""
    parts = []
    for version in (4, 6):
        now = set(routes[version])
        change = "" if before is None else " (+%d -%d)" % (len(now - before[version]), len(before[version] - now))
        parts.append("%d IPv%d%s" % (len(now), version, change))
    return " and ".join(parts) + " routes"


# --- bird -------------------------------------------------------------------------------------------------------

def run_command(argv: list) -> tuple:
    """(exit status, stdout, stderr) of ARGV; 127 when it cannot be run, 124 when it takes over BIRDC_TIMEOUT."""
    try:
        completed = subprocess.run(argv, capture_output=True, text=True, timeout=BIRDC_TIMEOUT, check=False)
    except OSError as error:
        return 127, "", "cannot run %s: %s" % (argv[0], error.strerror or error)
    except subprocess.TimeoutExpired:
        return 124, "", "%s gave no answer within %d s" % (" ".join(argv), BIRDC_TIMEOUT)
    return completed.returncode, completed.stdout, completed.stderr


def birdc_outcome(status: int, stdout: str, stderr: str) -> tuple:
    """("applied" | "no daemon" | "refused", the line that says so) of `birdc configure`'s answer.

    birdc 2.0.12 exits 0 with "Reconfigured", 1 with bird's error (`FILE:LINE:COLUMN message`), and 1 with
    "Unable to connect to server control socket (PATH): ..." when bird is not running; the lines are what counts."""
    lines = [line.strip() for line in (stdout + "\n" + stderr).splitlines() if line.strip()]
    for line in lines:
        if line in BIRD_APPLIED:
            return "applied", line
    for line in lines:
        if line.startswith(BIRDC_NO_DAEMON):
            return "no daemon", line
    telling = [line for line in lines if not BIRD_CHATTER.match(line)]
    return "refused", (telling[-1] if telling else "no answer, exit status %d" % status)


# --- a run ------------------------------------------------------------------------------------------------------

def _kept(output: str, previous: bytes | None) -> str:
    if previous is None:
        return "%s not written" % output
    return "kept the previous list in %s (%s)" % (output, describe_routes(routes_in(previous)))


def refresh(config: dict, fetch_text=fetch, run=run_command) -> tuple:
    """(exit status, the one line to log) of one refresh with the checked CONFIG."""
    output = config["output"]
    try:
        previous, previous_mode = read_file(output)
    except FileReadError as error:
        return 1, str(error)
    try:
        routes = new_routes(config, fetch_text)
    except RefreshError as error:
        return 1, "%s; %s" % (error, _kept(output, previous))
    text = render(routes, config)
    if previous == text.encode("utf-8"):
        return 0, "unchanged: %s in %s" % (describe_routes(routes), output)
    try:
        replace_file(output, text.encode("utf-8"), OUTPUT_MODE, DIRECTORY_MODE)
    except FileWriteError as error:
        return 1, "%s; %s" % (error, _kept(output, previous))
    if previous is None:
        # Nothing of bird's can be using a file that did not exist: bird reads it when it starts or is reconfigured.
        return 0, "created %s: %s" % (output, describe_routes(routes))
    changed = "updated %s: %s" % (output, describe_routes(routes, routes_in(previous)))
    outcome, line = birdc_outcome(*run([config["birdc"], "configure"]))
    if outcome == "applied":
        return 0, "%s; bird: %s" % (changed, line)
    if outcome == "no daemon":
        return 0, "%s; bird is not running (%s): it reads them when it starts" % (changed, line)
    try:
        replace_file(output, previous, previous_mode if previous_mode is not None else OUTPUT_MODE, DIRECTORY_MODE)
    except FileWriteError as error:
        return 1, "bird refused the new list (%s), and the previous one could not be put back: %s" % (line, error)
    # bird keeps running the configuration it had when it refuses one: the file is again what it runs.
    return 1, "bird refused the new list (%s); the previous one is back in %s" % (line, output)


def main(argv=None, config_path: str = CONFIG_PATH, fetch_text=fetch, run=run_command, out=None, err=None) -> int:
    """The program: 0 when the file is up to date (or, with --if-missing, present), 1 when the last good list was
    kept, 2 when the configuration cannot be used. One line on stdout (0) or stderr (1, 2)."""
    out, err = out or sys.stdout, err or sys.stderr
    parser = argparse.ArgumentParser(description="Refresh this site's breakout routes from their lists (multisite.vpn).")
    parser.add_argument("--config", default=config_path, help="the configuration (default: %(default)s)")
    parser.add_argument("--if-missing", action="store_true", help="do nothing when the BIRD file exists (Ansible's first rendering)")
    arguments = parser.parse_args(argv)
    try:
        config_file = open(arguments.config, encoding="utf-8")  # pylint: disable=consider-using-with
    except OSError as error:
        err.write("cannot read the configuration %s: %s\n" % (arguments.config, error.strerror or error))
        return 2
    with config_file:
        # The timer and an Ansible run may start together: one at a time writes the file and asks bird.
        fcntl.flock(config_file.fileno(), fcntl.LOCK_EX)
        try:
            config = check_config(json.load(config_file))
        except ValueError as error:
            err.write("the configuration %s is not JSON: %s\n" % (arguments.config, error))
            return 2
        except ConfigError as error:
            err.write("the configuration %s: %s\n" % (arguments.config, error))
            return 2
        if arguments.if_missing and os.path.exists(config["output"]):
            out.write("present: %s (the timer refreshes it)\n" % config["output"])
            return 0
        status, line = refresh(config, fetch_text, run)
    (out if status == 0 else err).write(line + "\n")
    return status
