# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The NDP proxy entries of one interface for the multisite.vpn.ndp_proxy module: its input, the kernel parameters
it manages, the live entries (`ip -6 neigh show proxy`, one `ip -6 -batch -`), the files and units that keep them
across a reboot (the kernel's proxy table, or an ndppd of its own), and the diff.

Pure but for read_live_entries and apply_batch (they take the module), interface_problem (reads SYS_CLASS_NET) and
debian_ndppd_conf_names (reads DEBIAN_NDPPD_CONF). Files are files.OwnedFile, kernel parameters go through
sysctl.read_live_values and sysctl.apply_live, units through systemd_unit.
"""

from __future__ import annotations

import ipaddress
import os
import re

from ansible_collections.multisite.vpn.plugins.module_utils import sysctl as kernel_params
from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_peer_input import UNIT_SAFE_INTERFACE_NAME
from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_peer_input import interface_name_problem as linux_interface_name_problem

# Tests point these at a fake tree; the module reads them at call time.
SYS_CLASS_NET = "/sys/class/net"
CONFIG_DIRECTORY = "/etc/multisite-vpn"
DEBIAN_NDPPD_CONF = "/etc/ndppd.conf"
DEBIAN_NDPPD_UNIT = "ndppd.service"

FILE_MODE = 0o644
UNIT_MODE = 0o644
DIRECTORY_MODE = 0o755

MODES = ("kernel", "ndppd")
# net.ipv6.neigh.IF.proxy_delay, as /proc/sys shows it: USER_HZ ticks, hundredths of a second.
PROXY_DELAY_MAX = 10000
# ndppd's rule lines, as render_ndppd_conf writes them.
NDPPD_RULE = re.compile(r"^\s*rule\s+(\S+)", re.MULTILINE)

HEADER = "# Managed by multisite.vpn.ndp_proxy: rewritten on every run, local edits are lost.\n# %s.\n"

KERNEL_UNIT_TEMPLATE = """\
[Unit]
Description=multisite.vpn NDP proxy entries of {interface}
After=network.target

[Service]
Type=oneshot
RemainAfterExit=yes
{exec_start}
[Install]
WantedBy=multi-user.target
"""

NDPPD_UNIT_TEMPLATE = """\
[Unit]
Description=multisite.vpn NDP proxy daemon of {interface} (ndppd)
After=network.target

[Service]
Type=simple
{exec_start_pre}ExecStart={ndppd} -c {conf}
Restart=on-failure

[Install]
WantedBy=multi-user.target
"""

# Addresses a proxy entry must never answer for: the link's own, group and special ones.
SPECIAL_RANGES = (
    (ipaddress.ip_network("fe80::/10"), "a link-local address"),
    (ipaddress.ip_network("ff00::/8"), "a multicast address"),
    (ipaddress.ip_network("::/128"), "the unspecified address"),
    (ipaddress.ip_network("::1/128"), "the loopback address"),
)


class NdpProxyError(Exception):
    """A problem the user has to fix; the message starts with the option it concerns, or names the command."""


class BatchError(NdpProxyError):
    """`ip -6 -batch` failed; ADDED and REMOVED are the entries it added and removed all the same (as read back)."""

    def __init__(self, message: str, added: list[str], removed: list[str]):
        super().__init__(message)
        self.added = added
        self.removed = removed


def kernel_unit_name(interface: str) -> str:
    return "multisite-vpn-ndp-proxy-%s.service" % interface


def ndppd_unit_name(interface: str) -> str:
    return "multisite-vpn-ndppd-%s.service" % interface


def batch_path(interface: str) -> str:
    return os.path.join(CONFIG_DIRECTORY, "ndp-proxy-%s.ip" % interface)


def ndppd_conf_path(interface: str) -> str:
    return os.path.join(CONFIG_DIRECTORY, "ndppd-%s.conf" % interface)


def interface_name_problem(name) -> str | None:
    """Why NAME is not an interface name this module takes (Linux's rules, then the characters of file and unit names)."""
    if not isinstance(name, str) or not name:
        return "interface: give the interface neighbour solicitations arrive on (the WAN), such as eth0"
    linux = linux_interface_name_problem(name)
    if linux:
        return linux
    if not UNIT_SAFE_INTERFACE_NAME.match(name):
        return ("interface: %r holds characters this module does not take (the name goes into file and unit names);"
                " letters, digits and _ . - only" % name)
    return None


def interface_problem(interface: str) -> str | None:
    """Why INTERFACE cannot be used on this host (it does not exist), naming the interfaces it has; or None."""
    if os.path.isdir(os.path.join(SYS_CLASS_NET, interface)):
        return None
    try:
        present = sorted(os.listdir(SYS_CLASS_NET))
    except OSError:
        present = []
    return "interface: %s does not exist on this host; it has %s" % (interface, ", ".join(present) or "no interfaces")


def special_range(network) -> str | None:
    """What NETWORK (an IPv6 network) covers that a proxy entry must not answer for, or None."""
    for special, what in SPECIAL_RANGES:
        if network.overlaps(special):
            return what
    return None


def parse_entry(text, mode: str, label: str):
    """(the entry as an IPv6 network, None) or (None, the problem): an address is its own /128."""
    if not isinstance(text, str) or not text.strip():
        return None, "%s: %r is not an IPv6 address" % (label, text)
    value = text.strip()
    what = "address" if mode == "kernel" else "address or prefix"
    if "%" in value:
        return None, "%s: %r has a zone (%%...); give the %s alone" % (label, text, what)
    try:
        loose = ipaddress.ip_network(value, strict=False)
    except ValueError:
        return None, "%s: %r is not an IPv6 %s" % (label, text, what)
    if loose.version != 6:
        kind = "address" if "/" not in value else "prefix"
        return None, "%s: %s is an IPv4 %s; NDP proxy entries are IPv6" % (label, value, kind)
    address = value.split("/", 1)[0]
    exact = loose.network_address == ipaddress.ip_address(address)
    if mode == "kernel" and loose.prefixlen != 128:
        meant = (" (%s has host bits set: did you mean the address %s?)" % (value, ipaddress.ip_address(address))
                 if not exact else "")
        return None, ("%s: %s is a prefix%s; mode kernel answers for single addresses only (the kernel refuses"
                      " prefixes); list the addresses or use mode ndppd" % (label, value, meant))
    if not exact:
        return None, "%s: %s has host bits set; did you mean %s?" % (label, value, loose)
    what_special = special_range(loose)
    if what_special:
        subject = "is" if loose.prefixlen == 128 else "covers"
        return None, ("%s: %s %s %s, which a proxy entry never answers for; give global addresses of the WAN's"
                      " prefix" % (label, value, subject, what_special))
    return loose, None


def entry_text(network, mode: str) -> str:
    """An entry as the module returns and writes it: an address in mode kernel, a prefix in mode ndppd."""
    return str(network.network_address) if mode == "kernel" else str(network)


def sort_entries(entries) -> list[str]:
    """Sort entries (addresses or prefixes) by address, then prefix length, not as text."""
    return sorted(entries, key=lambda entry: (ipaddress.ip_network(entry).network_address, ipaddress.ip_network(entry).prefixlen))


def parse_entries(entries, mode: str) -> tuple[list[str], list[str]]:
    """(the entries, canonical and sorted, as entry_text writes them; the problems, each naming entries[i])."""
    problems = []
    seen = {}
    wanted = []
    for index, text in enumerate(entries or []):
        label = "entries[%d]" % index
        network, problem = parse_entry(text, mode, label)
        if problem:
            problems.append(problem)
            continue
        canonical = entry_text(network, mode)
        if canonical in seen:
            first_index, first_text = seen[canonical]
            spelled = "" if first_text.strip() == text.strip() else " (written %s there)" % first_text.strip()
            problems.append("%s: %s is also entries[%d]%s; list each once" % (label, text.strip(), first_index, spelled))
            continue
        seen[canonical] = (index, text)
        wanted.append(canonical)
    return sort_entries(wanted), problems


def check_arguments(params: dict) -> list[str]:
    """Check every option before anything is read on the host; return the wanted entries (parse_entries).

    All problems are reported at once, each starting with its option's name.
    """
    mode = params["mode"]
    problems = []
    interface_problem_found = interface_name_problem(params["interface"])
    if interface_problem_found:
        problems.append(interface_problem_found)
    wanted, entry_problems = parse_entries(params["entries"], mode)
    problems.extend(entry_problems)
    if params["exclusive"] and not params["entries"] and not params["allow_empty"]:
        problems.append(
            "entries: is empty and exclusive is true, which would remove every NDP proxy entry of %s; set allow_empty:"
            " true if that is what you want (an empty list usually comes from an empty inventory group)"
            % (params["interface"] if not interface_problem_found else "the interface")
        )
    delay = params["proxy_delay"]
    if not 0 <= delay <= PROXY_DELAY_MAX:
        problems.append("proxy_delay: %d is out of range; give 0 (answer at once) to %d hundredths of a second"
                        % (delay, PROXY_DELAY_MAX))
    elif mode == "ndppd" and delay != 0:
        problems.append("proxy_delay: only mode kernel uses it (ndppd answers by itself); leave it out with mode ndppd")
    if problems:
        raise NdpProxyError("; ".join(problems))
    return wanted


def sysctl_keys(interface: str, mode: str) -> dict[str, str]:
    """The canonical kernel parameters this module reads for INTERFACE, by their short name.

    Given in slash form, so that an interface name with a dot (eth0.100) stays one component.
    """
    names = [("forwarding", "conf"), ("accept_ra", "conf")]
    if mode == "kernel":
        names += [("proxy_delay", "neigh"), ("proxy_ndp", "conf")]
    return {name: kernel_params.canonical_key("net/ipv6/%s/%s/%s" % (group, interface, name)) for name, group in names}


def manages_accept_ra(live: dict[str, str], keys: dict[str, str]) -> bool:
    """Whether accept_ra is this module's to set (to 2): the interface forwards and takes router advertisements.

    With forwarding on, accept_ra 1 ignores router advertisements and the host loses its IPv6 default route when
    it expires; 2 takes them. 0 is a user's choice, left alone. Once set to 2, the module keeps it in its unit.
    """
    return live[keys["forwarding"]] != "0" and live[keys["accept_ra"]] != "0"


def desired_sysctls(keys: dict[str, str], mode: str, live: dict[str, str], proxy_delay: int) -> dict[str, str]:
    """The kernel parameters the module sets, in the order they are set: accept_ra first (before the proxy
    answers, the host must keep its default route), then proxy_delay, then proxy_ndp (mode kernel only)."""
    desired = {}
    if manages_accept_ra(live, keys):
        desired[keys["accept_ra"]] = "2"
    if mode == "kernel":
        desired[keys["proxy_delay"]] = str(proxy_delay)
        desired[keys["proxy_ndp"]] = "1"
    return desired


def parse_proxy_entries(text: str) -> list[str]:
    """The addresses of `ip -6 neigh show proxy dev IF` (lines `2001:db8::5 proxy`), canonical and sorted.

    The first word of each line is the address; other words (dev, flags) and lines that do not start with an
    IPv6 address are passed over.
    """
    found = set()
    for line in text.splitlines():
        words = line.split()
        if not words:
            continue
        try:
            address = ipaddress.ip_address(words[0])
        except ValueError:
            continue
        if address.version == 6:
            found.add(str(address))
    return sort_entries(found)


def read_live_entries(module, ip: str, interface: str) -> list[str]:
    """The live proxy entries of INTERFACE, in one `ip -6 neigh show proxy dev IF`."""
    rc, out, err = module.run_command([ip, "-6", "neigh", "show", "proxy", "dev", interface])
    if rc != 0:
        raise NdpProxyError("ip -6 neigh show proxy dev %s failed: %s" % (interface, (err or out).strip() or "exit status %d" % rc))
    return parse_proxy_entries(out)


def plan_entries(wanted: list[str], current: list[str], exclusive: bool) -> tuple[list[str], list[str], list[str]]:
    """(the entries after the run, those to add, those to remove), each sorted: WANTED, and with EXCLUSIVE false
    the CURRENT ones it does not list too."""
    after = set(wanted) if exclusive else set(wanted) | set(current)
    return sort_entries(after), sort_entries(set(wanted) - set(current)), sort_entries(set(current) - after)


def batch_lines(interface: str, added: list[str], removed: list[str]) -> list[str]:
    """The `ip -6 -batch` lines that make the live entries right: removals, then additions."""
    return (["neigh del proxy %s dev %s" % (address, interface) for address in removed]
            + ["neigh add proxy %s dev %s" % (address, interface) for address in added])


def batch_failure(interface: str, said: str, added: list[str], removed: list[str], live_after) -> BatchError:
    """What a failed `ip -6 -batch` did: ip's words, then what was and was not applied, from the entries read
    back (LIVE_AFTER, or the message of the read that failed)."""
    message = "ip -6 -batch failed on %s: %s" % (interface, said)
    if isinstance(live_after, str):
        return BatchError(message + "; the entries could not be read back (%s), so what was applied is unknown; the boot"
                          " file was not written" % live_after, [], [])
    live = set(live_after)
    done_added = [address for address in added if address in live]
    done_removed = [address for address in removed if address not in live]
    done = ["added %s" % address for address in done_added] + ["removed %s" % address for address in done_removed]
    missing = ["add %s" % address for address in added if address not in live] + [
        "remove %s" % address for address in removed if address in live]
    return BatchError("%s; applied: %s; not applied: %s; the boot file was not written, run again once the cause is fixed"
                      % (message, ", ".join(done) or "nothing", ", ".join(missing) or "nothing"), done_added, done_removed)


def apply_batch(module, ip: str, interface: str, added: list[str], removed: list[str]) -> None:
    """Add and remove live entries in one `ip -6 -batch -` (lines on its stdin); on failure read the entries back
    and raise a BatchError saying what was and was not applied."""
    lines = batch_lines(interface, added, removed)
    if not lines:
        return
    rc, out, err = module.run_command([ip, "-6", "-batch", "-"], data="\n".join(lines) + "\n", binary_data=True)
    if rc == 0:
        return
    said = " ".join((err or out).split()) or "exit status %d" % rc
    try:
        live_after = read_live_entries(module, ip, interface)
    except NdpProxyError as err_read:
        live_after = str(err_read)
    raise batch_failure(interface, said, added, removed, live_after)


def exec_sysctl_lines(directive: str, sysctl: str, settings: dict[str, str]) -> str:
    return "".join("%s=%s -q -w %s=%s\n" % (directive, sysctl, key, value) for key, value in settings.items())


def render_batch_file(interface: str, entries: list[str]) -> str:
    """The file the boot unit hands to `ip -6 -batch`: one `neigh add proxy` line per entry, sorted."""
    unit = kernel_unit_name(interface)
    return HEADER % ("The NDP proxy entries of %s, added at boot by %s" % (interface, unit)) + "".join(
        "neigh add proxy %s dev %s\n" % (address, interface) for address in sort_entries(entries))


def render_kernel_unit(interface: str, settings: dict[str, str], sysctl: str, ip: str, path: str) -> str:
    """The oneshot unit that sets SETTINGS (in their order) and adds the entries of PATH at every boot."""
    exec_start = exec_sysctl_lines("ExecStart", sysctl, settings) + "ExecStart=%s -6 -batch %s\n" % (ip, path)
    return KERNEL_UNIT_TEMPLATE.format(interface=interface, exec_start=exec_start)


def render_ndppd_conf(interface: str, prefixes: list[str]) -> str:
    """ndppd's configuration for INTERFACE: answer for each prefix at once (static), as a host, not a router."""
    rules = "".join("    rule %s {\n        static\n    }\n" % prefix for prefix in sort_entries(prefixes))
    header = HEADER % ("ndppd's configuration for %s, run by %s" % (interface, ndppd_unit_name(interface)))
    return "%sproxy %s {\n    router no\n%s}\n" % (header, interface, rules)


def parse_ndppd_rules(text) -> list[str]:
    """The prefixes of the rule lines of an ndppd configuration (as render_ndppd_conf writes them), canonical and
    sorted; rules that are not an IPv6 prefix are passed over. TEXT is bytes, text or None (no file)."""
    if text is None:
        return []
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    found = set()
    for rule in NDPPD_RULE.findall(text):
        try:
            network = ipaddress.ip_network(rule, strict=True)
        except ValueError:
            continue
        if network.version == 6:
            found.add(str(network))
    return sort_entries(found)


def render_ndppd_unit(interface: str, ndppd: str, path: str, settings: dict[str, str], sysctl: str | None) -> str:
    """The unit that runs ndppd on PATH in the foreground, setting SETTINGS (accept_ra) first."""
    return NDPPD_UNIT_TEMPLATE.format(interface=interface, ndppd=ndppd, conf=path,
                                      exec_start_pre=exec_sysctl_lines("ExecStartPre", sysctl, settings) if settings else "")


def debian_ndppd_conf_names(interface: str) -> bool:
    """Whether Debian's own ndppd configuration has a `proxy INTERFACE` section (a second daemon on that link)."""
    try:
        with open(DEBIAN_NDPPD_CONF, "rb") as handle:
            text = handle.read().decode("utf-8", "replace")
    except OSError:
        return False
    return bool(re.search(r"^\s*proxy\s+%s\s*(\{|$)" % re.escape(interface), text, re.MULTILINE))


def entries_diff(interface: str, before: list[str], after: list[str]) -> dict:
    header = "proxy entries on %s" % interface
    return dict(before_header=header, after_header=header,
                before="".join(entry + "\n" for entry in before), after="".join(entry + "\n" for entry in after))


def sysctl_diff(interface: str, live: dict[str, str], desired: dict[str, str]) -> dict:
    header = "kernel parameters of %s (live)" % interface
    return dict(before_header=header, after_header=header,
                before="".join("%s = %s\n" % (key, live[key]) for key in desired),
                after="".join("%s = %s\n" % (key, value) for key, value in desired.items()))


def unit_line(unit: str, state) -> str:
    if not state.loaded and not state.enabled and not state.active:
        return "%s: not loaded\n" % unit
    return "%s: %s, %s\n" % (unit, "enabled" if state.enabled else "not enabled", "active" if state.active else "inactive")


def unit_diff(unit: str, state, daemon_reload: bool, actions: list[str]) -> dict:
    after = "%s: enabled, active%s\n" % (unit, " (restarted)" if "restart" in actions else "")
    if daemon_reload:
        after = "(systemd reloaded)\n" + after
    return dict(before_header="systemd unit", after_header="systemd unit", before=unit_line(unit, state), after=after)
