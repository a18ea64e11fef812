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

DIRECTORY = pathlib.Path(__file__).parent


def read(relative: str) -> str:
    return (DIRECTORY / relative).read_text(encoding="utf-8")


MANAGEMENT = read("seed_004/management.cfg")
TOKYO = read("seed_004/tokyo.cfg") + MANAGEMENT
KAGAWA = read("seed_004/kagawa.cfg") + MANAGEMENT
EXPECTED_TOKYO_BODY = read("seed_004/tokyo-expected-body.cfg")
# The passwords and keys in TOKYO and KAGAWA: none may appear in any output.
SECRETS = ("lab-admin-password", "password-1", "password-fetburner", "ix2215-kagawa-psk", "ix2215-tokyo-psk")
