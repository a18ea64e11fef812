# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import errno
import os

import pytest

from ansible_collections.multisite.vpn.plugins.module_utils import sysctl as kernel_params
from ansible_collections.multisite.vpn.plugins.module_utils.sysctl import SysctlError


@pytest.mark.parametrize(
    "key, components, canonical",
    [
        pytest.param("net.ipv4.ip_forward", ("net", "ipv4", "ip_forward"), "net.ipv4.ip_forward", id="dotted"),
        pytest.param("net/ipv4/ip_forward", ("net", "ipv4", "ip_forward"), "net.ipv4.ip_forward", id="slash-without-dot-becomes-dotted"),
        pytest.param(
            "net/ipv6/conf/eth0.100/accept_ra",
            ("net", "ipv6", "conf", "eth0.100", "accept_ra"),
            "net/ipv6/conf/eth0.100/accept_ra",
            id="slash-interface-with-dot",
        ),
        pytest.param(
            "net.ipv6.conf.eth0/100.accept_ra",
            ("net", "ipv6", "conf", "eth0.100", "accept_ra"),
            "net/ipv6/conf/eth0.100/accept_ra",
            id="dotted-slash-stands-for-dot",
        ),
        pytest.param("kernel", ("kernel",), "kernel", id="single-component"),
    ],
)
def test_split_and_canonical_key(key, components, canonical):
    assert kernel_params.split_key(key) == components
    assert kernel_params.canonical_key(key) == canonical


@pytest.mark.parametrize(
    "key, message",
    [
        pytest.param("", "empty", id="empty"),
        pytest.param(3, "not a string", id="not-a-string"),
        pytest.param("net..ipv4", "empty, '.' or '..' component", id="empty-component"),
        pytest.param("net/../../etc/passwd", "empty, '.' or '..' component", id="parent-escape"),
        pytest.param("/net/ipv4/ip_forward", "empty, '.' or '..' component", id="leading-slash"),
        pytest.param("net.ipv4.ip_forward.", "empty, '.' or '..' component", id="trailing-dot"),
        pytest.param(" net.ipv4.ip_forward", "whitespace", id="leading-space"),
        pytest.param("net.ipv4 .ip_forward", "whitespace", id="inner-space"),
        pytest.param("net.ipv4.ip_forward=1", "'='", id="equals-sign"),
        pytest.param("-net.ipv4.ip_forward", "starts with '-'", id="ignore-errors-prefix"),
        pytest.param("net.ipv4.conf.*.rp_filter", "pattern", id="glob"),
    ],
)
def test_split_key_rejects(key, message):
    with pytest.raises(SysctlError, match="kernel parameter name") as error:
        kernel_params.split_key(key)
    assert message in str(error.value)


def test_sort_keys_orders_by_components():
    keys = ["net/ipv6/conf/eth0.100/accept_ra", "net.ipv6.conf.eth1.accept_ra", "net.ipv6.conf.eth0.accept_ra", "net.ipv4.ip_forward"]
    # By text, every slash-form key would sort after all dotted ones; by components eth0.100 follows eth0.
    assert kernel_params.sort_keys(keys) == [
        "net.ipv4.ip_forward",
        "net.ipv6.conf.eth0.accept_ra",
        "net/ipv6/conf/eth0.100/accept_ra",
        "net.ipv6.conf.eth1.accept_ra",
    ]


@pytest.mark.parametrize(
    "value, expected",
    [
        pytest.param(1, "1", id="int"),
        pytest.param(0, "0", id="zero"),
        pytest.param(-1, "-1", id="negative-int"),
        pytest.param("1", "1", id="string"),
        pytest.param("32768 60999", "32768 60999", id="multi-value"),
        pytest.param("  32768 \t 60999\n", "32768 60999", id="multi-value-whitespace"),
        pytest.param("1\n", "1", id="trailing-newline-of-a-yaml-block"),
        pytest.param("fq", "fq", id="word"),
    ],
)
def test_canonical_value(value, expected):
    assert kernel_params.canonical_value("net.x", value) == expected


@pytest.mark.parametrize(
    "value, message",
    [
        pytest.param(True, "is a boolean (True); give 0 or 1", id="true"),
        pytest.param(False, "is a boolean (False); give 0 or 1", id="false"),
        pytest.param(1.5, "must be a string or an integer, not float", id="float"),
        pytest.param(["1"], "must be a string or an integer, not list", id="list"),
        pytest.param(None, "must be a string or an integer, not NoneType", id="none"),
        pytest.param(" \t", "is empty", id="blank"),
        pytest.param("1\nkernel.sysrq = 1", "has a line break or NUL inside it; a sysctl.d line holds one value", id="newline-inside"),
        pytest.param("1\r\nkernel.sysrq = 1", "has a line break or NUL inside it", id="crlf-inside"),
        pytest.param("1\x0bkernel.sysrq=1", "has a line break or NUL inside it", id="vertical-tab-inside"),
        pytest.param("1\u2028x", "has a line break or NUL inside it", id="unicode-line-separator-inside"),
        pytest.param("1\0", "has a line break or NUL inside it", id="nul"),
    ],
)
def test_canonical_value_rejects(value, message):
    with pytest.raises(SysctlError, match="net.ipv4.ip_forward") as error:
        kernel_params.canonical_value("net.ipv4.ip_forward", value)
    assert message in str(error.value)


def test_canonical_settings_normalizes_keys_and_values():
    settings = {"net/ipv4/ip_forward": 1, "net/ipv6/conf/eth0.100/accept_ra": " 2 ", "net.ipv4.ip_local_port_range": "1024\t65000"}
    assert kernel_params.canonical_settings(settings) == {
        "net.ipv4.ip_forward": "1",
        "net/ipv6/conf/eth0.100/accept_ra": "2",
        "net.ipv4.ip_local_port_range": "1024 65000",
    }


def test_canonical_settings_rejects_same_key_in_two_forms():
    with pytest.raises(SysctlError, match=r"net\.ipv4\.ip_forward is given twice"):
        kernel_params.canonical_settings({"net.ipv4.ip_forward": 1, "net/ipv4/ip_forward": 1})


def test_canonical_settings_reports_every_problem_at_once():
    with pytest.raises(SysctlError) as error:
        kernel_params.canonical_settings({"net.ipv4.ip_forward": True, "net..bad": 1, "net.ipv4.ok": 1})
    assert "net.ipv4.ip_forward is a boolean" in str(error.value)
    assert "'net..bad'" in str(error.value)
    assert "net.ipv4.ok" not in str(error.value)


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param("", {}, id="empty"),
        pytest.param("# comment\n; other comment\n\n   \n", {}, id="comments-and-blank-lines"),
        pytest.param("net.ipv4.ip_forward = 1\n", {"net.ipv4.ip_forward": "1"}, id="spaced"),
        pytest.param("net.ipv4.ip_forward=1", {"net.ipv4.ip_forward": "1"}, id="unspaced-no-newline"),
        pytest.param("  net.ipv4.ip_forward\t=\t1  \n", {"net.ipv4.ip_forward": "1"}, id="tabs-and-indent"),
        pytest.param("-net.ipv6.conf.eth9.accept_ra = 2\n", {"net.ipv6.conf.eth9.accept_ra": "2"}, id="ignore-errors-prefix"),
        pytest.param("- net.ipv4.ip_forward = 1\n", {"net.ipv4.ip_forward": "1"}, id="ignore-errors-prefix-spaced"),
        pytest.param("net.ipv4.ip_forward = 0\nnet.ipv4.ip_forward = 1\n", {"net.ipv4.ip_forward": "1"}, id="duplicate-last-wins"),
        pytest.param("net/ipv4/ip_forward = 0\nnet.ipv4.ip_forward = 1\n", {"net.ipv4.ip_forward": "1"}, id="duplicate-across-forms"),
        pytest.param(
            "net.ipv6.conf.eth0/100.accept_ra = 2\n",
            {"net/ipv6/conf/eth0.100/accept_ra": "2"},
            id="dotted-slash-is-dot",
        ),
        pytest.param("net.ipv4.ip_local_port_range = 32768    60999\n", {"net.ipv4.ip_local_port_range": "32768 60999"}, id="multi-value"),
        pytest.param("kernel.core_pattern = a=b\n", {"kernel.core_pattern": "a=b"}, id="equals-in-value"),
        pytest.param("net.ipv4.ip_forward 1\nnet..x = 1\n#net.a = 1\n", {}, id="unparseable-lines-skipped"),
    ],
)
def test_parse_conf(text, expected):
    assert kernel_params.parse_conf(text) == expected


def test_render_conf_sorts_and_round_trips():
    settings = {"net/ipv6/conf/eth0.100/accept_ra": "2", "net.ipv4.ip_forward": "1", "net.ipv6.conf.eth0.accept_ra": "0"}
    text = kernel_params.render_conf(settings)
    assert text == (
        kernel_params.FILE_HEADER
        + "net.ipv4.ip_forward = 1\n"
        + "net.ipv6.conf.eth0.accept_ra = 0\n"
        + "net/ipv6/conf/eth0.100/accept_ra = 2\n"
    )
    assert text.startswith("# Managed by multisite.vpn.sysctl")
    assert kernel_params.parse_conf(text) == settings


def test_render_conf_empty_is_header_only():
    assert kernel_params.render_conf({}) == kernel_params.FILE_HEADER


def test_read_live_values_normalizes(fake_proc):
    keys = ["net.ipv4.ip_forward", "net.ipv4.ip_local_port_range", "net/ipv6/conf/eth0.100/accept_ra"]
    assert kernel_params.read_live_values(keys, str(fake_proc.root)) == {
        "net.ipv4.ip_forward": "0",
        "net.ipv4.ip_local_port_range": "32768 60999",
        "net/ipv6/conf/eth0.100/accept_ra": "1",
    }


def test_read_live_values_names_every_unknown_key(fake_proc):
    keys = ["net.ipv4.ip_forward", "net.ipv6.conf.wg0.accept_ra", "net.ipv6.conf.wg1.accept_ra"]
    with pytest.raises(SysctlError) as error:
        kernel_params.read_live_values(keys, str(fake_proc.root))
    message = str(error.value)
    for interface in ("wg0", "wg1"):
        assert (
            "unknown kernel parameter net.ipv6.conf.%s.accept_ra: %s does not exist (is the interface present?)"
            % (interface, os.path.join(str(fake_proc.root), "net", "ipv6", "conf", interface, "accept_ra"))
        ) in message
    assert "ip_forward" not in message


def test_read_live_values_rejects_directory(fake_proc):
    with pytest.raises(SysctlError, match=r"net\.ipv4 is a group of kernel parameters"):
        kernel_params.read_live_values(["net.ipv4"], str(fake_proc.root))


@pytest.mark.parametrize(
    "live, desired, expected",
    [
        pytest.param({}, {}, {}, id="nothing"),
        pytest.param({"a.b": "1"}, {"a.b": "1"}, {}, id="equal"),
        pytest.param({"a.b": "0"}, {"a.b": "1"}, {"a.b": {"before": "0", "after": "1"}}, id="differs"),
        pytest.param(
            {"a.b": "0", "a.c": "5"},
            {"a.b": "0", "a.c": "6"},
            {"a.c": {"before": "5", "after": "6"}},
            id="only-the-difference",
        ),
        pytest.param({}, {"a.b": "1"}, {}, id="not-read-means-not-managed-live"),
    ],
)
def test_live_differences(live, desired, expected):
    assert kernel_params.live_differences(live, desired) == expected


def test_check_writable_names_read_only_keys(fake_proc, monkeypatch):
    read_only = os.path.join(str(fake_proc.root), "net", "ipv4", "ip_forward")
    real_access = os.access
    # Root may write any file on a writable filesystem, so stand in for a read-only mount.
    monkeypatch.setattr(kernel_params.os, "access", lambda path, mode: path != read_only and real_access(path, mode))
    with pytest.raises(SysctlError) as error:
        kernel_params.check_writable(["net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding"], str(fake_proc.root))
    message = str(error.value)
    assert message.startswith("kernel parameter net.ipv4.ip_forward cannot be written here")
    assert "--security-opt systempaths=unconfined" in message
    assert "forwarding" not in message


def test_check_writable_passes_on_writable_tree(fake_proc):
    kernel_params.check_writable(["net.ipv4.ip_forward"], str(fake_proc.root))


@pytest.mark.parametrize(
    "error_number, message",
    [
        pytest.param(errno.EROFS, "net.ipv4.ip_forward cannot be written here", id="read-only-fs"),
        pytest.param(errno.EACCES, "net.ipv4.ip_forward cannot be written here", id="access-denied"),
        pytest.param(errno.EPERM, "net.ipv4.ip_forward cannot be written here", id="not-permitted"),
        pytest.param(errno.EINVAL, "the kernel rejected value '7' for kernel parameter net.ipv4.ip_forward", id="invalid"),
        pytest.param(errno.ENOENT, "unknown kernel parameter net.ipv4.ip_forward", id="vanished"),
        pytest.param(errno.EIO, "cannot write kernel parameter net.ipv4.ip_forward", id="other"),
    ],
)
def test_set_live_value_explains_errors(fake_proc, monkeypatch, error_number, message):
    def refuse(path, value):
        raise OSError(error_number, os.strerror(error_number), path)

    monkeypatch.setattr(kernel_params, "write_proc_file", refuse)
    with pytest.raises(SysctlError) as error:
        kernel_params.set_live_value("net.ipv4.ip_forward", "7", str(fake_proc.root))
    assert message in str(error.value)
    assert ("systempaths=unconfined" in str(error.value)) == (error_number in (errno.EROFS, errno.EACCES, errno.EPERM))


def test_write_proc_file_replaces_whole_value(tmp_path):
    entry = tmp_path / "ip_local_port_range"
    entry.write_text("32768\t60999\n")
    kernel_params.write_proc_file(str(entry), "1024 2048")
    assert entry.read_text() == "1024 2048"


def test_apply_live_writes_only_the_changes(fake_proc):
    changes = {"net.ipv4.ip_forward": {"before": "0", "after": "1"}}
    before = fake_proc.snapshot()
    kernel_params.apply_live(changes, str(fake_proc.root))
    after = fake_proc.snapshot()
    assert after.pop("net/ipv4/ip_forward") == "1"
    before.pop("net/ipv4/ip_forward")
    assert after == before


def test_apply_live_writes_in_the_order_given(fake_proc, monkeypatch):
    # accept_ra=2 must reach the kernel before forwarding=1, or the RA default route is purged.
    written = []
    real_write = kernel_params.write_proc_file
    monkeypatch.setattr(kernel_params, "write_proc_file", lambda path, value: (written.append(path), real_write(path, value)))
    desired = {"net.ipv6.conf.eth0.accept_ra": "2", "net.ipv4.ip_forward": "1", "net.ipv6.conf.all.forwarding": "1"}
    live = kernel_params.read_live_values(desired, str(fake_proc.root))
    kernel_params.apply_live(kernel_params.live_differences(live, desired), str(fake_proc.root))
    root = str(fake_proc.root)
    assert [os.path.relpath(path, root) for path in written] == [
        "net/ipv6/conf/eth0/accept_ra",
        "net/ipv4/ip_forward",
        "net/ipv6/conf/all/forwarding",
    ]


# Two live changes, the second of which the tests below make fail.
FORWARDING_TURNED_ON = {
    "net.ipv4.ip_forward": {"before": "0", "after": "1"},
    "net.ipv6.conf.all.forwarding": {"before": "0", "after": "1"},
}


def test_apply_live_puts_back_earlier_values_when_one_fails(fake_proc, monkeypatch):
    real_write = kernel_params.write_proc_file

    def reject_forwarding(path, value):
        if path.endswith(os.path.join("all", "forwarding")):
            raise OSError(errno.EINVAL, os.strerror(errno.EINVAL), path)
        real_write(path, value)

    monkeypatch.setattr(kernel_params, "write_proc_file", reject_forwarding)
    changes = FORWARDING_TURNED_ON
    with pytest.raises(SysctlError, match=r"rejected value '1' for kernel parameter net\.ipv6\.conf\.all\.forwarding"):
        kernel_params.apply_live(changes, str(fake_proc.root))
    assert fake_proc.read("net/ipv4/ip_forward") == "0"


def test_apply_live_fails_and_puts_back_when_kernel_reads_back_other_value(fake_proc, monkeypatch):
    real_write = kernel_params.write_proc_file

    def kernel_that_normalizes(path, value):
        real_write(path, str(int(value)))

    monkeypatch.setattr(kernel_params, "write_proc_file", kernel_that_normalizes)
    changes = {"net.ipv6.neigh.eth0/100.proxy_delay": {"before": "80", "after": "00"}}
    changes = {kernel_params.canonical_key(key): change for key, change in changes.items()}
    with pytest.raises(SysctlError, match=r"proxy_delay reads back '0' after writing '00'"):
        kernel_params.apply_live(changes, str(fake_proc.root))
    assert fake_proc.read("net/ipv6/neigh/eth0.100/proxy_delay") == "80"


def test_apply_live_reports_keys_it_could_not_put_back(fake_proc, monkeypatch):
    real_write = kernel_params.write_proc_file
    calls = []

    def fail_after_first(path, value):
        calls.append(path)
        if len(calls) > 1:
            raise OSError(errno.EIO, os.strerror(errno.EIO), path)
        real_write(path, value)

    monkeypatch.setattr(kernel_params, "write_proc_file", fail_after_first)
    changes = FORWARDING_TURNED_ON
    with pytest.raises(SysctlError, match=r"could not put back the previous value of net\.ipv4\.ip_forward$"):
        kernel_params.apply_live(changes, str(fake_proc.root))


def test_build_diff_covers_file_and_live_values():
    diff = kernel_params.build_diff(
        "/etc/sysctl.d/x.conf",
        "old\n",
        "new\n",
        {"net.ipv4.ip_forward": "0"},
        {"net.ipv4.ip_forward": "1"},
        "/proc/sys",
    )
    assert diff == [
        {"before_header": "/etc/sysctl.d/x.conf", "after_header": "/etc/sysctl.d/x.conf", "before": "old\n", "after": "new\n"},
        {
            "before_header": "live kernel parameters (/proc/sys)",
            "after_header": "live kernel parameters (/proc/sys)",
            "before": "net.ipv4.ip_forward = 0\n",
            "after": "net.ipv4.ip_forward = 1\n",
        },
    ]


def test_build_diff_without_live_values_has_file_only():
    diff = kernel_params.build_diff("/x.conf", "", "new\n")
    assert [entry["before_header"] for entry in diff] == ["/x.conf"]
