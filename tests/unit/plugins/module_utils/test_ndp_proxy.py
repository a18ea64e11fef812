# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ndp_proxy's pure parts: its input, the kernel parameters it manages, `ip` output, the batch lines and what a failed
batch did, the files and units it renders, ndppd's rules read back, and the diff entries."""

from __future__ import annotations

import pytest

from ansible_collections.multisite.vpn.plugins.module_utils import ndp_proxy
from ansible_collections.multisite.vpn.plugins.module_utils.ndp_proxy import BatchError, NdpProxyError
from ansible_collections.multisite.vpn.plugins.module_utils.systemd_unit import UnitState

GOOD = dict(interface="eth0", mode="kernel", entries=["2001:db8:0:5::10"], exclusive=True, allow_empty=False, proxy_delay=0)

KERNEL_UNIT = """\
[Unit]
Description=multisite.vpn NDP proxy entries of eth0
After=network.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/sbin/sysctl -q -w net.ipv6.conf.eth0.accept_ra=2
ExecStart=/usr/sbin/sysctl -q -w net.ipv6.neigh.eth0.proxy_delay=0
ExecStart=/usr/sbin/sysctl -q -w net.ipv6.conf.eth0.proxy_ndp=1
ExecStart=/usr/sbin/ip -6 -batch /etc/multisite-vpn/ndp-proxy-eth0.ip

[Install]
WantedBy=multi-user.target
"""

NDPPD_CONF = """\
# Managed by multisite.vpn.ndp_proxy: rewritten on every run, local edits are lost.
# ndppd's configuration for eth0, run by multisite-vpn-ndppd-eth0.service.
proxy eth0 {
    router no
    rule 2001:db8:0:5::10/128 {
        static
    }
    rule 2001:db8:0:5:1::/80 {
        static
    }
}
"""

NDPPD_UNIT = """\
[Unit]
Description=multisite.vpn NDP proxy daemon of eth0 (ndppd)
After=network.target

[Service]
Type=simple
ExecStartPre=/usr/sbin/sysctl -q -w net.ipv6.conf.eth0.accept_ra=2
ExecStart=/usr/sbin/ndppd -c /etc/multisite-vpn/ndppd-eth0.conf
Restart=on-failure

[Install]
WantedBy=multi-user.target
"""


@pytest.mark.parametrize(
    "name, problem",
    [
        pytest.param("eth0", None, id="eth0"),
        pytest.param("enp1s0", None, id="predictable"),
        pytest.param("eth0.100", None, id="vlan"),
        pytest.param("wan_1-a", None, id="underscore-dash"),
        pytest.param("x" * 15, None, id="fifteen"),
        pytest.param("", "interface: give the interface neighbour solicitations arrive on (the WAN), such as eth0", id="empty"),
        pytest.param(None, "interface: give the interface neighbour solicitations arrive on (the WAN), such as eth0", id="none"),
        pytest.param("x" * 16, "interface '%s' has 16 characters; Linux allows at most 15" % ("x" * 16), id="sixteen"),
        pytest.param(".", "interface must not be '.'", id="dot"),
        pytest.param("..", "interface must not be '..'", id="dot-dot"),
        pytest.param("a/b", "interface 'a/b' contains whitespace, '/' or ':', which Linux does not allow in a name", id="slash"),
        pytest.param("eth 0", "interface 'eth 0' contains whitespace, '/' or ':', which Linux does not allow in a name", id="space"),
        pytest.param("eth0:1", "interface 'eth0:1' contains whitespace, '/' or ':', which Linux does not allow in a name", id="alias"),
        pytest.param("eth%i", "interface: 'eth%i' holds characters this module does not take (the name goes into file and unit names);"
                     " letters, digits and _ . - only", id="specifier"),
        pytest.param("wan{0}", "interface: 'wan{0}' holds characters this module does not take (the name goes into file and unit names);"
                     " letters, digits and _ . - only", id="brace"),
    ],
)
def test_interface_names(name, problem):
    assert ndp_proxy.interface_name_problem(name) == problem


def test_a_missing_interface_names_those_the_host_has(tmp_path, monkeypatch):
    for name in ("lo", "eth0", "wg0"):
        tmp_path.joinpath(name).mkdir()
    monkeypatch.setattr(ndp_proxy, "SYS_CLASS_NET", str(tmp_path))
    assert ndp_proxy.interface_problem("eth0") is None
    assert ndp_proxy.interface_problem("eth1") == "interface: eth1 does not exist on this host; it has eth0, lo, wg0"
    monkeypatch.setattr(ndp_proxy, "SYS_CLASS_NET", str(tmp_path / "absent"))
    assert ndp_proxy.interface_problem("eth0") == "interface: eth0 does not exist on this host; it has no interfaces"


@pytest.mark.parametrize(
    "mode, entries, wanted",
    [
        pytest.param("kernel", ["2001:db8:0:5::10"], ["2001:db8:0:5::10"], id="address"),
        pytest.param("kernel", ["2001:db8:0:5::10/128"], ["2001:db8:0:5::10"], id="address-128"),
        pytest.param("kernel", ["2001:DB8:0:5:0:0:0:10"], ["2001:db8:0:5::10"], id="canonical"),
        pytest.param("kernel", [" 2001:db8:0:5::11", "2001:db8:0:5::10 "], ["2001:db8:0:5::10", "2001:db8:0:5::11"], id="spaces"),
        pytest.param("kernel", ["2001:db8:0:5::100", "2001:db8:0:5::20", "2001:db8:0:5::3"],
                     ["2001:db8:0:5::3", "2001:db8:0:5::20", "2001:db8:0:5::100"], id="sorted-by-address"),
        pytest.param("kernel", [], [], id="none"),
        pytest.param("ndppd", ["2001:db8:0:5:1::/80"], ["2001:db8:0:5:1::/80"], id="prefix"),
        pytest.param("ndppd", ["2001:db8:0:5::10"], ["2001:db8:0:5::10/128"], id="bare-address-is-128"),
        pytest.param("ndppd", ["2001:db8:0:5:2::/80", "2001:db8:0:5::/64"], ["2001:db8:0:5::/64", "2001:db8:0:5:2::/80"], id="sorted"),
        pytest.param("ndppd", ["2001:db8:0:5::/80", "2001:db8:0:5::/64"], ["2001:db8:0:5::/64", "2001:db8:0:5::/80"],
                     id="same-address-shorter-first"),
    ],
)
def test_entries_accepted(mode, entries, wanted):
    assert ndp_proxy.parse_entries(entries, mode) == (wanted, [])


@pytest.mark.parametrize(
    "mode, entries, problem",
    [
        pytest.param("kernel", ["spoke-jp"], "entries[0]: 'spoke-jp' is not an IPv6 address", id="name"),
        pytest.param("ndppd", ["spoke-jp"], "entries[0]: 'spoke-jp' is not an IPv6 address or prefix", id="name-ndppd"),
        pytest.param("kernel", [""], "entries[0]: '' is not an IPv6 address", id="empty"),
        pytest.param("kernel", ["2001:db8::/129"], "entries[0]: '2001:db8::/129' is not an IPv6 address", id="length"),
        pytest.param("kernel", ["192.0.2.5"], "entries[0]: 192.0.2.5 is an IPv4 address; NDP proxy entries are IPv6", id="ipv4"),
        pytest.param("ndppd", ["192.0.2.0/24"], "entries[0]: 192.0.2.0/24 is an IPv4 prefix; NDP proxy entries are IPv6", id="ipv4-prefix"),
        pytest.param("ndppd", ["2001:db8:0:5:1::1/80"], "entries[0]: 2001:db8:0:5:1::1/80 has host bits set; did you mean 2001:db8:0:5:1::/80?",
                     id="host-bits"),
        pytest.param("kernel", ["2001:db8:0:5::/64"],
                     "entries[0]: 2001:db8:0:5::/64 is a prefix; mode kernel answers for single addresses only (the kernel refuses prefixes);"
                     " list the addresses or use mode ndppd", id="prefix-in-kernel-mode"),
        pytest.param("kernel", ["2001:db8:0:5::10/64"],
                     "entries[0]: 2001:db8:0:5::10/64 is a prefix (2001:db8:0:5::10/64 has host bits set: did you mean the address"
                     " 2001:db8:0:5::10?); mode kernel answers for single addresses only", id="address-with-length-in-kernel-mode"),
        pytest.param("kernel", ["fe80::1"], "entries[0]: fe80::1 is a link-local address, which a proxy entry never answers for", id="link-local"),
        pytest.param("kernel", ["ff02::1:ff00:10"], "entries[0]: ff02::1:ff00:10 is a multicast address", id="multicast"),
        pytest.param("kernel", ["::"], "entries[0]: :: is the unspecified address", id="unspecified"),
        pytest.param("kernel", ["::1"], "entries[0]: ::1 is the loopback address", id="loopback"),
        pytest.param("ndppd", ["fe80::/64"], "entries[0]: fe80::/64 covers a link-local address", id="link-local-prefix"),
        pytest.param("ndppd", ["::/0"], "entries[0]: ::/0 covers a link-local address", id="everything"),
        pytest.param("kernel", ["2001:db8:0:5::10%eth0"], "entries[0]: '2001:db8:0:5::10%eth0' has a zone (%...); give the address alone",
                     id="zone"),
        pytest.param("kernel", ["2001:db8:0:5::10", "2001:DB8:0:5:0:0:0:10"],
                     "entries[1]: 2001:DB8:0:5:0:0:0:10 is also entries[0] (written 2001:db8:0:5::10 there); list each once", id="two-spellings"),
        pytest.param("kernel", ["2001:db8:0:5::10", "2001:db8:0:5::10/128"],
                     "entries[1]: 2001:db8:0:5::10/128 is also entries[0] (written 2001:db8:0:5::10 there)", id="with-and-without-128"),
        pytest.param("kernel", ["2001:db8:0:5::10", "2001:db8:0:5::10"], "entries[1]: 2001:db8:0:5::10 is also entries[0]; list each once",
                     id="twice"),
        pytest.param("ndppd", ["2001:db8:0:5::10", "2001:db8:0:5::10/128"], "entries[1]: 2001:db8:0:5::10/128 is also entries[0]",
                     id="twice-ndppd"),
    ],
)
def test_entries_refused(mode, entries, problem):
    wanted, problems = ndp_proxy.parse_entries(entries, mode)
    assert len(problems) == 1
    assert problems[0].startswith(problem), problems[0]


@pytest.mark.parametrize(
    "changes, message",
    [
        pytest.param(dict(interface="a/b"), "interface 'a/b' contains whitespace", id="interface"),
        pytest.param(dict(entries=["192.0.2.5"]), "entries[0]: 192.0.2.5 is an IPv4 address", id="entry"),
        pytest.param(dict(entries=[]), "entries: is empty and exclusive is true, which would remove every NDP proxy entry of eth0; set"
                     " allow_empty: true if that is what you want", id="empty"),
        pytest.param(dict(proxy_delay=-1), "proxy_delay: -1 is out of range; give 0 (answer at once) to 10000 hundredths of a second", id="delay-negative"),
        pytest.param(dict(proxy_delay=10001), "proxy_delay: 10001 is out of range", id="delay-huge"),
        pytest.param(dict(mode="ndppd", proxy_delay=80), "proxy_delay: only mode kernel uses it (ndppd answers by itself)", id="delay-ndppd"),
    ],
)
def test_bad_arguments_are_refused_naming_the_option(changes, message):
    with pytest.raises(NdpProxyError) as error:
        ndp_proxy.check_arguments(dict(GOOD, **changes))
    assert str(error.value).startswith(message), str(error.value)


@pytest.mark.parametrize(
    "changes, wanted",
    [
        pytest.param({}, ["2001:db8:0:5::10"], id="good"),
        pytest.param(dict(entries=[], allow_empty=True), [], id="empty-allowed"),
        pytest.param(dict(entries=[], exclusive=False), [], id="empty-not-exclusive"),
        pytest.param(dict(proxy_delay=10000), ["2001:db8:0:5::10"], id="delay-highest"),
        pytest.param(dict(mode="ndppd"), ["2001:db8:0:5::10/128"], id="ndppd"),
    ],
)
def test_good_arguments_pass(changes, wanted):
    assert ndp_proxy.check_arguments(dict(GOOD, **changes)) == wanted


def test_every_problem_is_reported_at_once():
    with pytest.raises(NdpProxyError) as error:
        ndp_proxy.check_arguments(dict(GOOD, interface="", entries=["x", "fe80::1"], proxy_delay=-5))
    message = str(error.value)
    positions = [message.index(option) for option in ("interface: ", "; entries[0]: ", "; entries[1]: ", "; entries: is empty", "; proxy_delay: ")
                 if option in message]
    assert positions == sorted(positions) and positions[0] == 0 and len(positions) == 4


@pytest.mark.parametrize(
    "interface, mode, keys",
    [
        pytest.param("eth0", "kernel", dict(forwarding="net.ipv6.conf.eth0.forwarding", accept_ra="net.ipv6.conf.eth0.accept_ra",
                                            proxy_delay="net.ipv6.neigh.eth0.proxy_delay", proxy_ndp="net.ipv6.conf.eth0.proxy_ndp"), id="kernel"),
        pytest.param("eth0.100", "kernel", dict(forwarding="net/ipv6/conf/eth0.100/forwarding", accept_ra="net/ipv6/conf/eth0.100/accept_ra",
                                                proxy_delay="net/ipv6/neigh/eth0.100/proxy_delay",
                                                proxy_ndp="net/ipv6/conf/eth0.100/proxy_ndp"), id="dotted-interface"),
        pytest.param("eth0", "ndppd", dict(forwarding="net.ipv6.conf.eth0.forwarding", accept_ra="net.ipv6.conf.eth0.accept_ra"), id="ndppd"),
    ],
)
def test_sysctl_keys(interface, mode, keys):
    assert ndp_proxy.sysctl_keys(interface, mode) == keys


@pytest.mark.parametrize(
    "mode, forwarding, accept_ra, delay, desired",
    [
        pytest.param("kernel", "1", "1", 0, [("accept_ra", "2"), ("proxy_delay", "0"), ("proxy_ndp", "1")], id="forwarding-takes-ra"),
        pytest.param("kernel", "1", "2", 0, [("accept_ra", "2"), ("proxy_delay", "0"), ("proxy_ndp", "1")], id="already-2-kept"),
        pytest.param("kernel", "1", "0", 80, [("proxy_delay", "80"), ("proxy_ndp", "1")], id="ra-off-left-alone"),
        pytest.param("kernel", "0", "1", 0, [("proxy_delay", "0"), ("proxy_ndp", "1")], id="not-forwarding"),
        pytest.param("ndppd", "1", "1", 0, [("accept_ra", "2")], id="ndppd"),
        pytest.param("ndppd", "0", "1", 0, [], id="ndppd-not-forwarding"),
    ],
)
def test_desired_sysctls_in_the_order_they_are_set(mode, forwarding, accept_ra, delay, desired):
    keys = ndp_proxy.sysctl_keys("eth0", mode)
    live = {keys["forwarding"]: forwarding, keys["accept_ra"]: accept_ra}
    assert list(ndp_proxy.desired_sysctls(keys, mode, live, delay).items()) == [(keys[name], value) for name, value in desired]


@pytest.mark.parametrize(
    "text, entries",
    [
        pytest.param("2001:db8::5 proxy \n2001:db8::6 proxy \n", ["2001:db8::5", "2001:db8::6"], id="real-output"),
        pytest.param("", [], id="none"),
        pytest.param("\n", [], id="blank"),
        pytest.param("2001:db8::10 proxy \n2001:db8::9 proxy \n", ["2001:db8::9", "2001:db8::10"], id="sorted-by-address"),
        pytest.param("2001:db8::5 dev eth0 proxy \n", ["2001:db8::5"], id="with-dev"),
        pytest.param("2001:db8::5 proxy router extern_learn\n", ["2001:db8::5"], id="extra-words"),
        pytest.param("2001:db8:0:0:0:0:0:5 proxy\n", ["2001:db8::5"], id="canonical"),
        pytest.param("Warning: something\n2001:db8::5 proxy\n", ["2001:db8::5"], id="other-line"),
        pytest.param("192.0.2.5 dev eth0 proxy\n2001:db8::5 proxy\n", ["2001:db8::5"], id="ipv4-ignored"),
    ],
)
def test_parse_proxy_entries(text, entries):
    assert ndp_proxy.parse_proxy_entries(text) == entries


@pytest.mark.parametrize(
    "wanted, current, exclusive, plan",
    [
        pytest.param(["2001:db8::5"], [], True, (["2001:db8::5"], ["2001:db8::5"], []), id="add"),
        pytest.param(["2001:db8::5"], ["2001:db8::5"], True, (["2001:db8::5"], [], []), id="nothing"),
        pytest.param(["2001:db8::5"], ["2001:db8::5", "2001:db8::6"], True, (["2001:db8::5"], [], ["2001:db8::6"]), id="remove"),
        pytest.param(["2001:db8::5"], ["2001:db8::6"], False, (["2001:db8::5", "2001:db8::6"], ["2001:db8::5"], []), id="keep-others"),
        pytest.param([], ["2001:db8::6"], True, ([], [], ["2001:db8::6"]), id="remove-all"),
        pytest.param(["2001:db8::a", "2001:db8::9"], ["2001:db8::10"], True,
                     (["2001:db8::9", "2001:db8::a"], ["2001:db8::9", "2001:db8::a"], ["2001:db8::10"]), id="sorted"),
    ],
)
def test_plan_entries(wanted, current, exclusive, plan):
    assert ndp_proxy.plan_entries(wanted, current, exclusive) == plan


def test_batch_lines_remove_then_add():
    assert ndp_proxy.batch_lines("eth0", ["2001:db8::5"], ["2001:db8::6", "2001:db8::7"]) == [
        "neigh del proxy 2001:db8::6 dev eth0", "neigh del proxy 2001:db8::7 dev eth0", "neigh add proxy 2001:db8::5 dev eth0"]
    assert ndp_proxy.batch_lines("eth0", [], []) == []


@pytest.mark.parametrize(
    "live_after, message, added, removed",
    [
        pytest.param(["2001:db8::5", "2001:db8::7"],
                     "ip -6 -batch failed on eth0: RTNETLINK answers: File exists; applied: added 2001:db8::5, removed 2001:db8::6; not applied:"
                     " add 2001:db8::8, remove 2001:db8::7; the boot file was not written, run again once the cause is fixed",
                     ["2001:db8::5"], ["2001:db8::6"], id="part-way"),
        pytest.param(["2001:db8::6", "2001:db8::7"],
                     "ip -6 -batch failed on eth0: RTNETLINK answers: File exists; applied: nothing; not applied: add 2001:db8::5, add 2001:db8::8,"
                     " remove 2001:db8::6, remove 2001:db8::7;", [], [], id="nothing-applied"),
        pytest.param("ip -6 neigh show proxy dev eth0 failed: Cannot find device \"eth0\"",
                     "ip -6 -batch failed on eth0: RTNETLINK answers: File exists; the entries could not be read back (ip -6 neigh show proxy dev"
                     " eth0 failed: Cannot find device \"eth0\"), so what was applied is unknown; the boot file was not written", [], [],
                     id="read-back-failed"),
    ],
)
def test_a_failed_batch_says_what_was_applied(live_after, message, added, removed):
    error = ndp_proxy.batch_failure("eth0", "RTNETLINK answers: File exists", ["2001:db8::5", "2001:db8::8"], ["2001:db8::6", "2001:db8::7"],
                                    live_after)
    assert isinstance(error, BatchError)
    assert str(error).startswith(message), str(error)
    assert (error.added, error.removed) == (added, removed)


def test_the_kernel_unit_sets_the_parameters_in_order_then_adds_the_entries():
    keys = ndp_proxy.sysctl_keys("eth0", "kernel")
    settings = {keys["accept_ra"]: "2", keys["proxy_delay"]: "0", keys["proxy_ndp"]: "1"}
    assert ndp_proxy.render_kernel_unit("eth0", settings, "/usr/sbin/sysctl", "/usr/sbin/ip", "/etc/multisite-vpn/ndp-proxy-eth0.ip") == KERNEL_UNIT


def test_the_kernel_unit_of_a_dotted_interface_uses_the_slash_form():
    keys = ndp_proxy.sysctl_keys("eth0.100", "kernel")
    unit = ndp_proxy.render_kernel_unit("eth0.100", {keys["proxy_delay"]: "0", keys["proxy_ndp"]: "1"}, "/usr/sbin/sysctl", "/usr/sbin/ip",
                                        "/etc/multisite-vpn/ndp-proxy-eth0.100.ip")
    assert "ExecStart=/usr/sbin/sysctl -q -w net/ipv6/neigh/eth0.100/proxy_delay=0\n" in unit
    assert "ExecStart=/usr/sbin/sysctl -q -w net/ipv6/conf/eth0.100/proxy_ndp=1\nExecStart=/usr/sbin/ip -6 -batch" in unit
    assert "accept_ra" not in unit


@pytest.mark.parametrize(
    "entries, lines",
    [
        pytest.param(["2001:db8::10", "2001:db8::9"], ["neigh add proxy 2001:db8::9 dev eth0", "neigh add proxy 2001:db8::10 dev eth0"], id="sorted"),
        pytest.param([], [], id="empty"),
    ],
)
def test_the_batch_file(entries, lines):
    text = ndp_proxy.render_batch_file("eth0", entries)
    assert text.splitlines() == [
        "# Managed by multisite.vpn.ndp_proxy: rewritten on every run, local edits are lost.",
        "# The NDP proxy entries of eth0, added at boot by multisite-vpn-ndp-proxy-eth0.service.",
    ] + lines


def test_the_ndppd_configuration():
    assert ndp_proxy.render_ndppd_conf("eth0", ["2001:db8:0:5::10/128", "2001:db8:0:5:1::/80"]) == NDPPD_CONF


def test_the_ndppd_configuration_without_rules():
    assert ndp_proxy.render_ndppd_conf("eth0", []).endswith("proxy eth0 {\n    router no\n}\n")


@pytest.mark.parametrize(
    "text, prefixes",
    [
        pytest.param(NDPPD_CONF, ["2001:db8:0:5::10/128", "2001:db8:0:5:1::/80"], id="its-own"),
        pytest.param(NDPPD_CONF.encode(), ["2001:db8:0:5::10/128", "2001:db8:0:5:1::/80"], id="bytes"),
        pytest.param(None, [], id="no-file"),
        pytest.param("proxy eth0 {\n  rule 2001:DB8::/64 {\n    auto\n  }\n  rule 2001:db8::1/64 {\n  }\n  rule nonsense {\n  }\n}\n",
                     ["2001:db8::/64"], id="tolerant"),
    ],
)
def test_ndppd_rules_read_back(text, prefixes):
    assert ndp_proxy.parse_ndppd_rules(text) == prefixes


def test_the_ndppd_unit():
    keys = ndp_proxy.sysctl_keys("eth0", "ndppd")
    assert ndp_proxy.render_ndppd_unit("eth0", "/usr/sbin/ndppd", "/etc/multisite-vpn/ndppd-eth0.conf", {keys["accept_ra"]: "2"},
                                       "/usr/sbin/sysctl") == NDPPD_UNIT
    plain = ndp_proxy.render_ndppd_unit("eth0", "/usr/sbin/ndppd", "/etc/multisite-vpn/ndppd-eth0.conf", {}, None)
    assert plain == NDPPD_UNIT.replace("ExecStartPre=/usr/sbin/sysctl -q -w net.ipv6.conf.eth0.accept_ra=2\n", "")


@pytest.mark.parametrize(
    "text, names",
    [
        pytest.param("proxy eth0 {\n    rule 2001:db8::/64 {\n    }\n}\n", True, id="names-it"),
        pytest.param("proxy eth0{\n}\n", True, id="no-space"),
        pytest.param("proxy eth0.100 {\n}\n", False, id="other-interface"),
        pytest.param("# proxy eth0 {\n", False, id="comment"),
        pytest.param(None, False, id="no-file"),
    ],
)
def test_debian_ndppd_configuration(tmp_path, monkeypatch, text, names):
    path = tmp_path / "ndppd.conf"
    if text is not None:
        path.write_text(text)
    monkeypatch.setattr(ndp_proxy, "DEBIAN_NDPPD_CONF", str(path))
    assert ndp_proxy.debian_ndppd_conf_names("eth0") is names


def test_diff_entries():
    assert ndp_proxy.entries_diff("eth0", ["2001:db8::5"], ["2001:db8::5", "2001:db8::6"]) == dict(
        before_header="proxy entries on eth0", after_header="proxy entries on eth0", before="2001:db8::5\n", after="2001:db8::5\n2001:db8::6\n")
    keys = ndp_proxy.sysctl_keys("eth0", "kernel")
    live = {keys["accept_ra"]: "1", keys["proxy_delay"]: "80", keys["proxy_ndp"]: "0", keys["forwarding"]: "1"}
    desired = {keys["accept_ra"]: "2", keys["proxy_delay"]: "0", keys["proxy_ndp"]: "1"}
    assert ndp_proxy.sysctl_diff("eth0", live, desired)["before"] == (
        "net.ipv6.conf.eth0.accept_ra = 1\nnet.ipv6.neigh.eth0.proxy_delay = 80\nnet.ipv6.conf.eth0.proxy_ndp = 0\n")
    state = UnitState(enabled=False, active=False, loaded=False, needs_reload=False)
    assert ndp_proxy.unit_diff("u.service", state, True, ["daemon-reload", "enable", "start"]) == dict(
        before_header="systemd unit", after_header="systemd unit", before="u.service: not loaded\n",
        after="(systemd reloaded)\nu.service: enabled, active\n")
    running = UnitState(enabled=True, active=True, loaded=True, needs_reload=False)
    assert ndp_proxy.unit_diff("u.service", running, False, ["restart"])["after"] == "u.service: enabled, active (restarted)\n"
