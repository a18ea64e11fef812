# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a record's address comes from, against real sources: the kernel's addresses in a network
namespace (a temporary address made by the kernel from a router advertisement, a deprecated one, one
that failed duplicate address detection, link-local ones), and URLs served on loopback that answer
well and badly."""

from __future__ import annotations

import http.server
import os
import socket
import subprocess
import sys
import threading
import time

import pytest

from ansible_collections.multisite.vpn.plugins.module_utils.dns import address
from ansible_collections.multisite.vpn.plugins.module_utils.dns.records import DnsError

NAMESPACE = "msvpn-addr-%d" % os.getpid()
PREFIX = "2001:db8:77::"

# A router advertisement of PREFIX/64 with autonomous configuration, sent from the namespace's other
# veth end; the kernel then makes a stable SLAAC address and, with use_tempaddr=2, a temporary one.
SEND_ADVERTISEMENT = r"""
import socket, struct, sys
prefix = socket.inet_pton(socket.AF_INET6, sys.argv[1])
option = struct.pack("!BBBBIII", 3, 4, 64, 0xC0, 3600, 1800, 0) + prefix
advertisement = struct.pack("!BBHBBHII", 134, 0, 0, 64, 0, 0, 0, 0) + option
sender = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
sender.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
sender.sendto(advertisement, ("ff02::1", 0, 0, socket.if_nametoindex("d1")))
"""


def in_namespace(argv):
    completed = subprocess.run(["ip", "netns", "exec", NAMESPACE] + argv, capture_output=True, text=True, check=False)
    return completed.returncode, completed.stdout, completed.stderr


def ip(*arguments):
    code, _out, err = in_namespace(["ip"] + list(arguments))
    assert code == 0, err


def sysctl(name, value):
    """Set a kernel parameter of the namespace (written to /proc/sys: the sysctl program may be missing)."""
    code, _out, err = in_namespace(["sh", "-c", "echo %s > /proc/sys/%s" % (value, name.replace(".", "/"))])
    assert code == 0, err


@pytest.fixture(name="host", scope="module")
def fixture_host():
    """A namespace whose d0 holds every kind of address; d1 is the router on the same link."""
    if os.geteuid() != 0:
        pytest.fail("needs root, for ip netns (scripts/test runs as root)")
    subprocess.run(["ip", "netns", "add", NAMESPACE], check=True)
    try:
        ip("link", "add", "d0", "type", "veth", "peer", "name", "d1")
        sysctl("net.ipv6.conf.d0.use_tempaddr", 2)
        sysctl("net.ipv6.conf.d0.accept_ra", 1)
        sysctl("net.ipv6.conf.d0.autoconf", 1)
        sysctl("net.ipv6.conf.d1.accept_ra", 0)  # the router takes no address from its own advertisement
        ip("link", "set", "lo", "up")
        ip("link", "set", "d0", "up")
        ip("link", "set", "d1", "up")
        ip("addr", "add", "198.51.100.9/24", "dev", "d0")
        ip("addr", "add", "203.0.113.9/24", "dev", "d0")
        ip("addr", "add", "10.1.1.1/8", "dev", "d0", "scope", "link")
        ip("addr", "add", "2001:db8:5::1/64", "dev", "d0", "nodad")
        ip("addr", "add", "2001:db8:5::dead/64", "dev", "d0", "nodad", "preferred_lft", "0", "valid_lft", "600")
        # The same address on the other end first: d0's copy fails duplicate address detection.
        ip("addr", "add", "2001:db8:5::d0d/64", "dev", "d1", "nodad")
        time.sleep(2)  # link-local addresses leave DAD, so the advertisement has a source
        ip("addr", "add", "2001:db8:5::d0d/64", "dev", "d0")
        code, _out, err = in_namespace([sys.executable, "-c", SEND_ADVERTISEMENT, PREFIX])
        assert code == 0, err
        deadline = time.time() + 10
        while time.time() < deadline:
            _code, shown, _err = in_namespace(["ip", "-6", "addr", "show", "dev", "d0"])
            if "temporary" in shown and "mngtmpaddr" in shown and "dadfailed" in shown and "tentative" not in shown.replace("dadfailed", ""):
                break
            time.sleep(0.2)
        yield shown
    finally:
        subprocess.run(["ip", "netns", "del", NAMESPACE], check=False)


def test_the_kernel_made_every_kind_of_address(host):
    # The fixture's addresses exist as the test below assumes, or that test would prove nothing.
    for flag in ("temporary", "mngtmpaddr", "deprecated", "dadfailed", "scope link"):
        assert flag in host, host


def test_interface_gives_global_stable_addresses_only(host):
    v6 = address.interface_addresses("d0", "AAAA", in_namespace, "address_from")
    _code, shown, _err = in_namespace(["ip", "-6", "-o", "addr", "show", "dev", "d0", "mngtmpaddr"])
    stable_slaac = shown.split()[3].split("/")[0]
    assert stable_slaac.startswith("2001:db8:77:")
    assert v6 == sorted(["2001:db8:5::1", stable_slaac])
    assert address.interface_addresses("d0", "A", in_namespace, "address_from") == ["198.51.100.9", "203.0.113.9"]


@pytest.mark.parametrize(
    ("interface", "rtype", "message"),
    [
        ("nope0", "A", "address_from.interface: this host has no interface 'nope0'"),
        ("lo", "A", "address_from.interface: lo has no global IPv4 address to publish"),
        ("d1", "AAAA", "address_from.interface: d1 has no global IPv6 address to publish"),
        ("-d0", "A", "address_from.interface: '-d0' is not an interface name"),
        ("", "A", "address_from.interface: '' is not an interface name"),
    ],
    ids=["missing", "loopback-only", "only-its-own-duplicate", "option-like", "empty"],
)
def test_interface_problems_name_the_field(host, interface, rtype, message):
    if interface == "d1":
        ip("addr", "del", "2001:db8:5::d0d/64", "dev", "d1")  # leaves d1 with its link-local address only
    with pytest.raises(DnsError) as raised:
        address.interface_addresses(interface, rtype, in_namespace, "address_from")
    assert str(raised.value).startswith(message)


class Answers(http.server.BaseHTTPRequestHandler):
    """GET /<name> answers what ANSWERS[name] says: (status, body, delay)."""

    answers = {}
    seen_headers = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        status, body, delay = self.answers[self.path.strip("/")]
        Answers.seen_headers.append(dict(self.headers))
        time.sleep(delay)
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        """Quiet."""


@pytest.fixture(name="reflector", scope="module")
def fixture_reflector():
    Answers.answers = {
        "v4": (200, b"198.51.100.31\n", 0),
        "v6": (200, b"2001:DB8::31", 0),
        "html": (200, b"<html><body>Your IP is 198.51.100.31</body></html>", 0),
        "two": (200, b"198.51.100.31 198.51.100.32", 0),
        "empty": (200, b"", 0),
        "huge": (200, b"1" * 5000, 0),
        "missing": (404, b"not found", 0),
        "slow": (200, b"198.51.100.31", 3),
        "binary": (200, b"\x00\x01\xff", 0),
    }
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Answers)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d/" % server.server_address[1]
    server.shutdown()


@pytest.mark.parametrize(
    ("path", "rtype", "expected"),
    [("v4", "A", ["198.51.100.31"]), ("v6", "AAAA", ["2001:db8::31"])],
    ids=["ipv4", "ipv6-made-canonical"],
)
def test_url_answering_an_address(reflector, path, rtype, expected):
    source = {"url": reflector + path, "headers": {"Metadata-Flavor": "Google"}}
    assert address.source_addresses(source, rtype, None, 5, "address_from") == expected
    assert Answers.seen_headers[-1]["Metadata-Flavor"] == "Google"


@pytest.mark.parametrize(
    ("path", "rtype", "message"),
    [
        ("html", "A", "answered '<html><body>Your IP is 198.51.100.31</body></html>', which is not an address"),
        ("two", "A", "answered '198.51.100.31 198.51.100.32', which is not an address"),
        ("empty", "A", "answered '', which is not an address"),
        ("v6", "A", "answered 2001:db8::31, an IPv6 address, but a record of type A needs IPv4"),
        ("huge", "A", "answered with more than 256 bytes"),
        ("missing", "A", "answered HTTP 404"),
        ("slow", "A", "timed out"),
        ("binary", "A", "which is not an address"),
    ],
    ids=["html-page", "two-addresses", "empty", "wrong-family", "huge", "not-found", "slow", "binary"],
)
def test_url_answering_something_else_names_the_field(reflector, path, rtype, message):
    with pytest.raises(DnsError) as raised:
        address.source_addresses({"url": reflector + path}, rtype, None, 1, "records[0].address_from")
    assert str(raised.value).startswith("records[0].address_from.url: ")
    assert message in str(raised.value)


def test_url_nobody_listens_on():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(DnsError, match=r"address_from\.url: no answer from http://127\.0\.0\.1:%d/: Connection refused" % port):
        address.source_addresses({"url": "http://127.0.0.1:%d/" % port}, "A", None, 1, "address_from")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ({"interface": "eth0", "url": "http://127.0.0.1/"}, "address_from: give exactly one of interface and url"),
        ({}, "address_from: give exactly one of interface and url"),
        ({"interface": "eth0", "headers": {"a": "b"}}, "address_from.headers: only a url takes headers"),
        ({"iface": "eth0"}, "address_from: unknown option iface"),
        ({"url": "ftp://example.net/ip"}, "is not an http:// or https:// URL"),
        ({"url": "http://user:pw@127.0.0.1/"}, "put no user or password in the URL"),
        ("eth0", "address_from: give a dictionary with interface, or url"),
    ],
    ids=["both", "neither", "headers-with-interface", "misspelt", "ftp", "credentials-in-url", "not-a-dict"],
)
def test_bad_sources(source, message):
    with pytest.raises(DnsError, match=message.replace("(", r"\(")):
        address.source_addresses(source, "A", lambda argv: (0, "[]", ""), 1, "address_from")
