# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A CLI session on the IX emulator: prompts, modes, the configuration lock, paging, errors, saving."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.multisite.vpn.ix_emulator import ConfigTree, Device
from ansible_collections.multisite.vpn.ix_emulator.session import MORE, MORE_ERASE
from ansible_collections.multisite.vpn.tests.data.ix import SECRETS, TOKYO, running_body

FROZEN = datetime.datetime(2024, 5, 26, 16, 8, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=9)))
ENTER = "Enter configuration commands, one per line. End with CNTL/Z.\r\n"
OCCUPIED = "% CONFIG process is occupied.\r\n% You may use `svintr-config' command with administrator privilege.\r\n"
SAVED = "Building configuration...\r\n% Warning: do NOT enter CNTL/Z while saving to avoid config corruption.\r\n"
INCOMPLETE = "% Expects a subcommand or item selection."
TOKYO_CONFIG_PROMPT = "ix2215-tokyo(config)# "


def run(session, lines):
    """Feed lines in turn; return the last output."""
    output = ""
    for line in lines:
        output = session.feed(line)
    return output


def tokyo():
    return Device.from_running_config(TOKYO, clock=lambda: FROZEN)


def running_lines(device):
    return device.running_config_lines()


def block_body(lines, header):
    start = lines.index(header) + 1
    return lines[start:lines.index("!", start)]


def test_banner_ends_with_the_operation_prompt():
    banner = Device().open_session().banner()
    assert banner.startswith("NEC Portable Internetwork Core Operating System Software\r\nCopyright Notices:\r\n")
    assert banner.endswith("J. Noel Chiappa.\r\nRouter# ")


@pytest.mark.parametrize(
    ("lines", "prompt"),
    [
        ([], "Router# "),
        (["configure"], ENTER + "Router(config)# "),
        (["enable-config"], ENTER + "Router(config)# "),
        (["svintr-config"], ENTER + "Router(config)# "),
        (["configure", "interface GigaEthernet2.0"], "Router(config-GigaEthernet2.0)# "),
        (["configure", "interface Tunnel1.0"], "Router(config-Tunnel1.0)# "),
        (["configure", "device GigaEthernet2"], "Router(config-GigaEthernet2)# "),
        (["configure", "watch-group map-e 10"], "Router(config-watch-map-e-10)# "),
        (["configure", "ppp profile flets-v4"], "Router(config-ppp-flets-v4)# "),
        (["configure", "  interface Tunnel1.0"], "Router(config-Tunnel1.0)# "),
        (["configure", "interface Tunnel1.0", "!"], "Router(config-Tunnel1.0)# "),
        (["configure", "interface Tunnel1.0", ""], "Router(config-Tunnel1.0)# "),
        (["configure", "interface Tunnel1.0", "exit"], "Router(config)# "),
        (["configure", "interface Tunnel1.0", "exit", "exit"], "Router# "),
        (["configure", "interface Tunnel1.0", "configure"], "Router(config)# "),
        (["configure", "interface Tunnel1.0", "watch-group map-e 10"], "Router(config-watch-map-e-10)# "),
        (["configure", "interface Tunnel1.0", "bogus"], "% bogus -- Invalid command.\r\nRouter(config-Tunnel1.0)# "),
        (["configure", "router bgp 65001"], "Router(config-bgp-65001)# "),
        (["configure", "router bgp 65001", "address-family ipv4 unicast"], "Router(config-bgp-af-ipv4)# "),
        (["configure", "router bgp 65001", "address-family ipv4 unicast", "!"], "Router(config-bgp-af-ipv4)# "),
        (["configure", "router bgp 65001", "address-family ipv4 unicast", "exit"], "Router(config-bgp-65001)# "),
        (["configure", "router bgp 65001", "address-family ipv4 unicast", "exit", "exit"], "Router(config)# "),
        (["configure", "router bgp 65001", "address-family ipv4 unicast", "exit", "exit", "exit"], "Router# "),
        (["configure", "router bgp 65001", "address-family ipv4 unicast", "configure"], "Router(config)# "),
        (["configure", "router bgp 65001", "address-family ipv4 unicast", "address-family ipv6 unicast"], "Router(config-bgp-af-ipv6)# "),
        (["configure", "router bgp 65001", "address-family ipv4 unicast", "interface Tunnel1.0"], "Router(config-Tunnel1.0)# "),
        (["configure", "ikev2 profile for-etherip"], "Router(config-ikev2-profile-for-etherip)# "),
    ],
    ids=[
        "operation", "configure", "enable-config", "svintr-config", "physical-sub-interface", "tunnel", "device",
        "watch-group", "ppp-profile", "indented-input", "bang-stays", "empty-line-stays", "exit-sub-mode",
        "exit-config", "configure-from-sub-mode", "block-from-sub-mode", "error-stays", "bgp", "bgp-address-family",
        "bang-stays-nested", "exit-one-level-from-nested", "exit-two-levels", "exit-three-levels", "configure-from-nested",
        "sibling-from-nested", "global-block-from-nested", "ikev2-profile",
    ],
)
def test_prompts_and_levels(lines, prompt):
    session = Device().open_session()
    assert run(session, lines or [""]) == prompt
    assert session.prompt() == prompt.rsplit("\r\n", 1)[-1]


def test_exit_in_operation_mode_logs_out():
    session = Device().open_session()
    assert not session.feed("exit")
    assert session.closed
    assert not session.feed("configure")


def test_second_configuration_session_is_told_occupied():
    device = Device()
    first, second = device.open_session(), device.open_session()
    assert first.feed("configure") == ENTER + "Router(config)# "
    assert second.feed("configure") == OCCUPIED + "Router# "
    assert second.feed("enable-config") == OCCUPIED + "Router# "
    assert run(first, ["interface Tunnel1.0", "exit", "exit"]) == "Router# "
    assert second.feed("configure") == ENTER + "Router(config)# "


def test_svintr_config_takes_over_and_drops_the_holder_to_operation_mode():
    device = Device()
    holder, administrator = device.open_session(), device.open_session()
    run(holder, ["configure", "interface Tunnel1.0"])
    assert administrator.feed("svintr-config") == ENTER + "Router(config)# "
    assert device.configuration_owner is administrator
    assert holder.prompt() == "Router# "
    assert holder.feed("no shutdown") == "% no -- Invalid command.\r\nRouter# "
    assert holder.feed("configure") == OCCUPIED + "Router# "


def test_closing_a_session_releases_configuration_mode():
    device = Device()
    holder, other = device.open_session(), device.open_session()
    holder.feed("configure")
    holder.close()
    assert other.feed("configure") == ENTER + "Router(config)# "
    assert device.sessions == (other,)


def test_hostname_change_changes_the_prompt_at_once():
    device = Device()
    session, watcher = device.open_session(), device.open_session()
    assert run(session, ["configure", "hostname ix2215-tokyo"]) == "ix2215-tokyo(config)# "
    assert watcher.prompt() == "ix2215-tokyo# "
    assert session.feed("no hostname") == "Router(config)# "


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["terminal length 0"], "% terminal -- Invalid command."),
        (["show running-config"], "% show -- Invalid command."),
        (["configure", "ip rout default Tunnel0.0"], "% rout -- Invalid command."),
        (["configure", "ip route"], INCOMPLETE),
        (["configure", "interface"], INCOMPLETE),
        (["configure", "interface Ethernet0.0"], "% Ethernet0.0 -- Invalid command."),
        (["configure", "interface GigaEthernet2"], "% GigaEthernet2 -- Invalid command."),
        (["configure", "end"], "% end -- Invalid command."),
        (["configure", "hostname"], INCOMPLETE),
        (["configure", "username admin password plain"], INCOMPLETE),
        (["configure", "no"], INCOMPLETE),
        (["configure", "no bogus"], "% bogus -- Invalid command."),
        (["configure", "terminal length 600"], "% 600 -- Invalid command."),
        (["configure", "interface Tunnel0.0", "ip adress map-e"], "% adress -- Invalid command."),
        (["configure", "interface Tunnel0.0", "ip address 192.168.1.300/24"], "% 192.168.1.300/24 -- Invalid command."),
        (["configure", "interface Tunnel0.0", "ip route default Tunnel0.0"], "% route -- Invalid command."),
        (["configure", "interface Tunnel0.0", "no no shutdown"], "% no -- Invalid command."),
        (["configure", "watch-group map-e 10", "event 10"], INCOMPLETE),
        (["configure", "ppp profile flets-v4", "authentication"], INCOMPLETE),
        (["configure", "address-family ipv4 unicast"], "% address-family -- Invalid command."),
    ],
    ids=[
        "terminal-in-operation", "show-in-operation", "typo", "route-incomplete", "interface-incomplete",
        "unknown-interface-kind", "port-without-sub-interface", "no-end-command", "hostname-incomplete",
        "password-incomplete", "bare-no", "no-unknown", "page-length-too-large", "typo-in-sub-mode",
        "bad-address", "global-line-in-sub-mode", "double-negation", "event-incomplete", "ppp-incomplete",
        "nested-header-in-global-mode",
    ],
)
def test_rejected_input_leaves_the_configuration_alone(lines, message):
    device = tokyo()
    before = running_body(device)
    session = device.open_session()
    prompt_before = run(session, lines[:-1] or [""]).rsplit("\r\n", 1)[-1]
    assert session.feed(lines[-1]) == f"{message}\r\n{prompt_before}"
    assert running_body(device) == before


@pytest.mark.parametrize(
    ("context", "line", "header", "gone", "shown"),
    [
        ([], "no ip route default GigaEthernet0.1 distance 100", None, "ip route default GigaEthernet0.1 distance 100", "ip route default Tunnel0.0"),
        ([], "no username admin", None, "username admin", "nm ip enable"),
        ([], "no ip access-list ikev2 permit udp src any sport any dest any dport eq 500", None, "ip access-list ikev2", "ip access-list ipsec"),
        ([], "no network-monitor map-e enable", None, "network-monitor map-e enable", "watch-group map-e 10"),
        ([], "no watch-group map-e 10", None, "watch-group map-e 10", "network-monitor map-e enable"),
        ([], "no ip router ospf 1", None, "ip router ospf 1", "ikev2 default-profile"),
        ([], "no interface Tunnel2.0", None, "interface Tunnel2.0", "interface Tunnel1.0"),
        (["interface Tunnel2.0"], "no ip ospf cost 100", "interface Tunnel2.0", "  ip ospf cost 100", "  ip ospf mtu-ignore"),
        (["interface Tunnel2.0"], "no ip ospf cost", "interface Tunnel2.0", "  ip ospf cost 100", "  ip ospf mtu-ignore"),
        (["interface Tunnel0.0"], "no ip filter deny 100 in", "interface Tunnel0.0", "  ip filter deny 100 in", "  ip filter dynamic 100 out"),
        (["interface Tunnel0.0"], "shutdown", "interface Tunnel0.0", "  no shutdown", "  shutdown"),
        (["interface GigaEthernet2.0"], "no ip address", "interface GigaEthernet2.0", "  ip address 192.168.100.1/24", "  no ip address"),
        (["watch-group map-e 10"], "no action 20", "watch-group map-e 10", "  action 20", "  action 30 netmeister-switch-mode standby"),
    ],
    ids=[
        "global-route", "global-user-by-name", "global-acl-entry", "global-monitor", "global-block", "ospf-block",
        "interface-block", "sub-mode-line", "sub-mode-line-without-value", "sub-mode-filter", "shutdown-replaces",
        "address-back-to-default", "watch-action",
    ],
)
def test_no_removes_a_line_in_global_and_sub_modes(context, line, header, gone, shown):
    device = tokyo()
    session = device.open_session()
    assert "Invalid" not in run(session, ["configure", *context, line])
    lines = running_lines(device)
    scope = block_body(lines, header) if header else lines
    assert not any(entry.startswith(gone) for entry in scope)
    assert shown in "\n".join(scope)


def test_removing_a_factory_interface_resets_it():
    device = tokyo()
    run(device.open_session(), ["configure", "no interface GigaEthernet2.0"])
    assert block_body(running_lines(device), "interface GigaEthernet2.0") == ["  no ip address", "  shutdown"]


@pytest.mark.parametrize(
    ("context", "line", "header", "expected"),
    [
        (["watch-group map-e 10"], "action 20 turn-BAK-LED-on", "watch-group map-e 10", [
            "  event 10 ip unreach-host 192.0.2.53 Tunnel0.0", "  action 10 turn-BAK-LED-on",
            "  action 20 turn-BAK-LED-on", "  action 30 netmeister-switch-mode standby"]),
        (["watch-group map-e 10"], "action 5 netmeister-switch-mode standby", "watch-group map-e 10", [
            "  event 10 ip unreach-host 192.0.2.53 Tunnel0.0", "  action 5 netmeister-switch-mode standby",
            "  action 10 turn-BAK-LED-on", "  action 20 ip shutdown-route 0.0.0.0/0 Tunnel0.0",
            "  action 30 netmeister-switch-mode standby"]),
        (["watch-group map-e 10"], "event 10 ip unreach-host 192.0.2.1 Tunnel0.0", "watch-group map-e 10", [
            "  event 10 ip unreach-host 192.0.2.1 Tunnel0.0", "  action 10 turn-BAK-LED-on",
            "  action 20 ip shutdown-route 0.0.0.0/0 Tunnel0.0", "  action 30 netmeister-switch-mode standby"]),
        (["ikev2 default-profile"], "local-authentication psk id keyid other", "ikev2 default-profile", [
            "  local-authentication psk id keyid other"]),
        (["interface Tunnel1.0"], "ip address 10.0.0.1/30", "interface Tunnel1.0", [
            "  tunnel mode ipsec-ikev2", "  ip address 10.0.0.1/30", "  ip ospf mtu-ignore", "  ikev2 connect-type auto",
            "  ikev2 outgoing-interface GigaEthernet0.0 auto",
            "  ikev2 peer-fqdn-ipv6 ix2215-kagawa.fetburner.v6.nmddns.jp authentication psk id keyid ix2215-kagawa",
            "  no shutdown"]),
    ],
    ids=["action-overwritten", "action-sorted-by-number", "event-overwritten", "profile-id-replaced", "address-replaces-unnumbered"],
)
def test_lines_with_the_same_key_overwrite(context, line, header, expected):
    device = tokyo()
    run(device.open_session(), ["configure", *context, line])
    assert block_body(running_lines(device), header) == expected


def test_paging_waits_for_keys_until_terminal_length_zero():
    device = tokyo()
    session = device.open_session(page_length=24)
    listing = device.running_config_lines()
    first = run(session, ["configure", "show running-config"])
    assert first.endswith(MORE)
    assert first.count("\r\n") == 23
    assert session.waiting_for_key
    one_line = session.feed("\r")
    assert one_line.startswith(MORE_ERASE) and one_line.count("\r\n") == 1 and one_line.endswith(MORE)
    page = session.feed(" ")
    assert page.count("\r\n") == 23 and page.endswith(MORE)
    assert not session.feed("x")
    assert session.feed("q") == MORE_ERASE + TOKYO_CONFIG_PROMPT
    assert not session.waiting_for_key
    whole = run(session, ["terminal length 0", "show running-config"])
    assert MORE not in whole
    assert whole.count("\r\n") == len(listing)
    assert whole.endswith("!\r\n" + TOKYO_CONFIG_PROMPT)


def test_paging_to_the_end_returns_to_the_prompt():
    device = tokyo()
    session = device.open_session(page_length=100)
    run(session, ["configure", "show running-config"])
    rest = session.feed(" ")
    assert rest.endswith("!\r\n" + TOKYO_CONFIG_PROMPT)
    assert not session.waiting_for_key


def test_listing_uses_crlf_only():
    session = tokyo().open_session(page_length=0)
    output = run(session, ["configure", "show running-config"])
    assert "\n" not in output.replace("\r\n", "")


def test_current_time_changes_between_two_listings():
    for device in (tokyo(), Device.from_running_config(TOKYO)):
        first, second = device.running_config_lines(), device.running_config_lines()
        assert first[3] != second[3]
        assert first[3].startswith("! Current time ")
        assert first[:3] + first[4:] == second[:3] + second[4:]


@pytest.mark.parametrize(
    ("save", "output"),
    [
        ("write memory", SAVED),
        ("copy running-config startup-config", 'Copying from "running-config" to "startup-config"\r\n' + SAVED),
    ],
    ids=["write-memory", "copy"],
)
def test_saving_copies_running_to_startup(save, output):
    device = tokyo()
    session = device.open_session(page_length=0)
    run(session, ["configure", "ip route 10.0.0.0/8 Tunnel1.0"])
    assert "ip route 10.0.0.0/8 Tunnel1.0" not in device.startup_config_lines()
    assert session.feed(save) == output + TOKYO_CONFIG_PROMPT
    assert "ip route 10.0.0.0/8 Tunnel1.0" in device.startup_config_lines()
    assert "ip route 10.0.0.0/8 Tunnel1.0\r\n" in session.feed("show startup-config")


def test_reload_restores_startup_and_disconnects_everyone():
    device = tokyo()
    session, other = device.open_session(), device.open_session()
    run(session, ["configure", "ip route 10.0.0.0/8 Tunnel1.0", "write memory", "ip route 172.16.0.0/12 Tunnel1.0"])
    assert session.feed("reload") == "Are you sure you want to reload the router? (Yes or [No]): "
    assert not session.feed("Yes")
    assert session.closed and other.closed
    assert device.configuration_owner is None
    lines = running_lines(device)
    assert "ip route 10.0.0.0/8 Tunnel1.0" in lines
    assert "ip route 172.16.0.0/12 Tunnel1.0" not in lines


@pytest.mark.parametrize("answer", ["No", "", "n"], ids=["no", "enter", "n"])
def test_reload_declined_keeps_running(answer):
    device = tokyo()
    session = device.open_session()
    run(session, ["configure", "ip route 172.16.0.0/12 Tunnel1.0", "reload"])
    assert session.feed(answer).endswith(TOKYO_CONFIG_PROMPT)
    assert not session.closed
    assert "ip route 172.16.0.0/12 Tunnel1.0" in running_lines(device)


def test_secrets_typed_in_a_session_are_never_shown():
    device = Device()
    session = device.open_session(page_length=0)
    run(session, [
        "configure",
        "username admin password plain typed-secret-1 administrator",
        "nm account acct password plain typed-secret-2",
        "ikev2 authentication psk id keyid peer key char typed-secret-3",
        "ppp profile isp",
        "authentication password user typed-secret-4",
        "exit",
        "write memory",
    ])
    shown = session.feed("show running-config") + session.feed("show startup-config")
    for secret in ("typed-secret-1", "typed-secret-2", "typed-secret-3", "typed-secret-4", *SECRETS):
        assert secret not in shown
    assert shown.count(" hash ") == 6 and shown.count(" key secret ") == 2


def test_generating_the_host_key_is_accepted_and_remembered():
    device = Device()
    session = device.open_session()
    assert run(session, ["configure", "pki private-key generate rsa"]) == "Router(config)# "
    assert device.host_key_generated


BGP = "router bgp 1\n  neighbor 192.0.2.1 remote-as 2\n  address-family ipv4 unicast\n    network 192.0.2.0/24\n!\n"


@pytest.mark.parametrize(
    ("lines", "message", "prompt"),
    [
        (["router bgp 1", "network 198.51.100.0/24"], "% network -- Invalid command.", "Router(config-bgp-1)# "),
        (["router bgp 1", "address-family ipv4 unicast", "neighbor 192.0.2.9 remote-as 3"], "% remote-as -- Invalid command.",
         "Router(config-bgp-af-ipv4)# "),
        (["router bgp 1", "address-family ipv4 unicast", "network"], INCOMPLETE, "Router(config-bgp-af-ipv4)# "),
    ],
    ids=["nested-line-one-level-up", "outer-line-in-nested-mode", "incomplete-in-nested-mode"],
)
def test_rejected_input_in_nested_modes_changes_nothing(lines, message, prompt):
    device = Device.from_running_config(BGP, clock=lambda: FROZEN)
    before = running_body(device)
    session = device.open_session()
    run(session, ["configure", *lines[:-1]])
    assert session.feed(lines[-1]) == f"{message}\r\n{prompt}"
    assert running_body(device) == before


def test_lines_typed_in_nested_blocks_land_in_them():
    device = tokyo()
    session = device.open_session()
    run(session, [
        "configure", "router bgp 65001", "neighbor 192.0.2.1 remote-as 65002", "address-family ipv6 unicast", "network 2001:db8::/32",
        "address-family ipv4 unicast", "network 192.0.2.0/24", "neighbor 192.0.2.1 distribute-list out-list out", "exit",
        "bgp router-id 192.0.2.100", "exit", "exit",
    ])
    lines = running_lines(device)
    assert block_body(lines, "router bgp 65001") == [
        "  bgp router-id 192.0.2.100",
        "  neighbor 192.0.2.1 remote-as 65002",
        "  address-family ipv4 unicast",
        "    neighbor 192.0.2.1 distribute-list out-list out",
        "    network 192.0.2.0/24",
        "  address-family ipv6 unicast",
        "    network 2001:db8::/32",
    ]


def test_no_removes_a_nested_line_and_a_nested_block():
    device = tokyo()
    session = device.open_session()
    run(session, ["configure", "router bgp 65001", "address-family ipv4 unicast", "network 192.0.2.0/24", "network 198.51.100.0/24",
                  "no network 192.0.2.0/24", "exit", "address-family ipv6 unicast", "exit"])
    assert block_body(running_lines(device), "router bgp 65001") == [
        "  address-family ipv4 unicast", "    network 198.51.100.0/24", "  address-family ipv6 unicast"]
    assert run(session, ["no address-family ipv6 unicast"]) == "ix2215-tokyo(config-bgp-65001)# "
    assert block_body(running_lines(device), "router bgp 65001") == ["  address-family ipv4 unicast", "    network 198.51.100.0/24"]


CARRIED = TOKYO + "future-feature enable\nfuture-block 1\n  inner setting\ninterface Tunnel0.0\n  future-option 3\n"


def carried_device():
    return Device(ConfigTree.parse(CARRIED, carry_unknown=True), clock=lambda: FROZEN)


def test_carried_lines_are_shown_but_typing_them_is_still_rejected():
    device = carried_device()
    session = device.open_session(page_length=0)
    listing = run(session, ["configure", "show running-config"])
    assert "\r\nfuture-feature enable\r\n" in listing and "\r\nfuture-block 1\r\n  inner setting\r\n" in listing
    assert session.feed("future-feature enable") == "% future-feature -- Invalid command.\r\nix2215-tokyo(config)# "
    assert run(session, ["interface Tunnel0.0", "future-option 4"]) == "% future-option -- Invalid command.\r\nix2215-tokyo(config-Tunnel0.0)# "


@pytest.mark.parametrize(
    ("context", "line", "gone"),
    [
        ([], "no future-feature enable", "future-feature enable"),
        ([], "no future-block 1", "future-block 1"),
        (["interface Tunnel0.0"], "no future-option 3", "  future-option 3"),
    ],
    ids=["carried-line", "carried-block", "carried-line-in-block"],
)
def test_no_removes_a_carried_line(context, line, gone):
    device = carried_device()
    session = device.open_session()
    assert "Invalid" not in run(session, ["configure", *context, line])
    lines = running_lines(device)
    assert gone not in lines
    assert ("  inner setting" in lines) is (gone != "future-block 1")


def test_no_of_a_line_that_is_not_carried_is_still_rejected():
    session = carried_device().open_session()
    assert run(session, ["configure", "no future-feature disable"]) == "% future-feature -- Invalid command.\r\nix2215-tokyo(config)# "
