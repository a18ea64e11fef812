# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Real authoritative DNS servers for tests: Knot (knotd) and BIND (named) on the loopback, updatable by RFC 2136.

Each server runs as a child process in a temporary directory of its own, on a free port (UDP and TCP), with fresh
TSIG secrets; nothing is written outside that directory. Typical use::

    with start("knot", records=["www 300 IN A 192.0.2.1"], self_keys={"hub1": "hub1-key"}) as server:
        update = server.update_message()            # signed with the zone key, server.keys["ddns-key"]
        update.replace("www", 300, "A", "192.0.2.2")
        dns.query.tcp(update, server.address, port=server.port)
        assert server.rrset("www", "A") == ["192.0.2.2"]
        server.stop()                               # "server down"
        server.start()                              # same port, same zone contents

Programs come from the Debian packages knot (knotd, knotc) and bind9 (named); a missing one raises ProgramMissing.
"""

from __future__ import annotations

from .config import SELF_KEY_TYPES, TSIG_ALGORITHMS
from .programs import ProgramMissing
from .server import KINDS, DnsServer, ServerStartError, start

__all__ = ["KINDS", "SELF_KEY_TYPES", "TSIG_ALGORITHMS", "DnsServer", "ProgramMissing", "ServerStartError", "start"]
