# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a test server is set up with, whatever its kind: where it lives, its port, its zones and who may update what."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from pathlib import Path

import dns.name
import dns.tsig

# Algorithm names as tsig-keygen, named.conf and knot.conf spell them -> dnspython's names (which differ for MD5).
TSIG_ALGORITHMS = {
    "hmac-md5": dns.tsig.HMAC_MD5,
    "hmac-sha1": dns.tsig.HMAC_SHA1,
    "hmac-sha224": dns.tsig.HMAC_SHA224,
    "hmac-sha256": dns.tsig.HMAC_SHA256,
    "hmac-sha384": dns.tsig.HMAC_SHA384,
    "hmac-sha512": dns.tsig.HMAC_SHA512,
}
# What a per-name key may change at its own name: a hub's addresses, nothing else.
SELF_KEY_TYPES = ("A", "AAAA")
SOA_TIMERS = "1 3600 900 604800 300"
DEFAULT_TTL = 300


@dataclasses.dataclass(frozen=True)
class ServerConfig:
    """Everything a kind's config writer needs; rebuilt with new ports when a port turned out to be taken."""

    directory: Path
    address: str
    port: int
    # BIND's statistics channel (HTTP) for counting UPDATEs; Knot counts through its control socket instead.
    statistics_port: int
    zones: tuple[dns.name.Name, ...]
    # key name -> (algorithm as in TSIG_ALGORITHMS, base64 secret)
    keys: Mapping[str, tuple[str, str]]
    zone_key: str
    # owner name (relative to each zone, or absolute) -> the key that may update only that owner's SELF_KEY_TYPES
    self_keys: Mapping[str, str]

    @property
    def log_file(self) -> Path:
        return self.directory / "server.log"

    def zone_file(self, zone: dns.name.Name) -> Path:
        return self.directory / f"{zone.to_text(omit_final_dot=True)}.zone"


def zone_file_text(zone: dns.name.Name, records: Iterable[str]) -> str:
    """SOA, NS and the NS's address (BIND refuses to load a zone whose in-zone NS has none), then the records."""
    origin = zone.to_text()
    lines = [
        f"$ORIGIN {origin}",
        f"$TTL {DEFAULT_TTL}",
        f"@ IN SOA ns.{origin} hostmaster.{origin} {SOA_TIMERS}",
        f"@ IN NS ns.{origin}",
        "ns IN A 127.0.0.1",
        *records,
    ]
    return "\n".join(lines) + "\n"
