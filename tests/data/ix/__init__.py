# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""NEC IX configurations shared by the tests and the benchmark: seed 004's pair, and real routers' configurations.

seed_004/: the two IX2215 configurations of seed 004, as the article types them in (fragments in article order).
The management lines (administrator, SSH, telnet) are what the lab adds; the passwords are test values. One
change: the watch-group probes 192.0.2.53 (a documentation address) where the article probes a public resolver,
so that no test names an address outside the ones tests create. tokyo-expected-body.cfg is how the router lists
TOKYO after the header lines: sections in device order, blocks closed by `!`, defaults explicit, secrets as
digests of SECRETS.
"""

from __future__ import annotations

import pathlib
import re

DIRECTORY = pathlib.Path(__file__).parent


def read(relative: str) -> str:
    return (DIRECTORY / relative).read_text(encoding="utf-8")


MANAGEMENT = read("seed_004/management.cfg")
TOKYO = read("seed_004/tokyo.cfg") + MANAGEMENT
KAGAWA = read("seed_004/kagawa.cfg") + MANAGEMENT
EXPECTED_TOKYO_BODY = read("seed_004/tokyo-expected-body.cfg")
# The passwords and keys in TOKYO and KAGAWA: none may appear in any output.
SECRETS = ("lab-admin-password", "password-1", "password-fetburner", "ix2215-kagawa-psk", "ix2215-tokyo-psk")

# The smallest configuration the emulator's own tests serve: one administrator, SSH and telnet on; its prompts.
EMULATOR_PASSWORD = "lab-test-password"
EMULATOR_CONFIG = f"""\
username admin password plain {EMULATOR_PASSWORD} administrator
ssh-server ip enable
telnet-server ip enable
"""
EMULATOR_PROMPT = "Router# "
EMULATOR_CONFIG_PROMPT = "Router(config)# "
OCCUPIED = "% CONFIG process is occupied."
NEW_ROUTE = "ip route 10.0.0.0/8 Null0.0"

# Real routers' configurations from public sources (corpus/SOURCES.md: source, licence, changes). The files that
# SOURCES.md marks "(typed)" were written by their authors, not printed by a router.
CORPUS = DIRECTORY / "corpus"
CORPUS_FILES = sorted(CORPUS.glob("*.cfg"))
CORPUS_TYPED = frozenset(re.findall(r"^\| `([^`]+\.cfg)` \(typed\)", read("corpus/SOURCES.md"), re.MULTILINE))
# A one-line change per sub-mode of the emulator, typed into the deepest block of a corpus file (a line that mode
# accepts and that no corpus block already holds).
CORPUS_CHANGE_BY_MODE = {
    "bgp-address-family": "network 198.51.100.0/24",
    "bgp": "neighbor 198.51.100.1 remote-as 64513",
    "interface": "description changed by a test",
    "device": "speed auto",
    "ospf": "passive-interface Loopback0.0",
    "dhcp-profile": "default-gateway 198.51.100.1",
    "dhcpv6-client-profile": "shutdown-delay 42",
    "dhcpv6-server-profile": "shutdown-delay 42",
    "ikev2-profile": "dpd interval 42",
    "ikev2-default-profile": "dpd interval 42",
    "watch-group": "probe-timer restorer 42",
    "ppp-profile": "authentication myname changed@example.com",
}

# `show running-config` and `show startup-config` begin with four `!` lines (software, version, build, and the
# current time, which changes on every listing) and a `!`; the configuration follows them.
HEADER_LINES = 5


def config_body(listing: list[str]) -> list[str]:
    """A listing of an IX configuration, as a list of lines, past its header."""
    return listing[HEADER_LINES:]


def running_body(device) -> list[str]:
    """The IX emulator's running configuration past its header: equal before and after a run that changed nothing."""
    return config_body(device.running_config_lines())


def startup_body(device) -> list[str]:
    """The IX emulator's saved configuration past its header."""
    return config_body(device.startup_config_lines())
