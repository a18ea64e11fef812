# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Record sets on any server that takes RFC 2136 dynamic updates (BIND, Knot, PowerDNS), with dnspython.

Reads ask the authoritative server itself (never a recursive resolver, which may cache or see another
view). All changes to one zone go in one UPDATE message whose prerequisites are the record sets as
they were read, so the update applies whole or not at all, and not over a change someone made since.
"""

from __future__ import annotations

import base64
import binascii
import socket

from ansible_collections.multisite.vpn.plugins.module_utils.dns.records import DnsError, RecordSet, presentation, value_from_text

try:
    import dns.exception
    import dns.flags
    import dns.message
    import dns.name
    import dns.query
    import dns.rcode
    import dns.rdataclass
    import dns.rdataset
    import dns.rdatatype
    import dns.tsig
    import dns.update
except ImportError:
    HAS_DNSPYTHON = False
else:
    HAS_DNSPYTHON = True

# The algorithms `tsig-keygen -a` makes, by the name users give them (dnspython calls hmac-md5 by its
# old name, HMAC-MD5.SIG-ALG.REG.INT).
ALGORITHMS = ("hmac-md5", "hmac-sha1", "hmac-sha224", "hmac-sha256", "hmac-sha384", "hmac-sha512")
DEFAULT_ALGORITHM = "hmac-sha256"
DEFAULT_PORT = 53
# Larger UPDATE messages go over TCP at once: UDP beyond this size risks fragments being dropped.
MAX_UDP_UPDATE = 1232


class StaleRead(Exception):
    """The server's record sets are no longer the ones read: a prerequisite of the update failed."""


def check_key(key_name, key_secret, key_algorithm) -> None:
    """The TSIG options belong together; the secret must be base64. The secret is never shown."""
    if key_name and not key_secret:
        raise DnsError("key_secret: key_name %r is given without its secret" % key_name)
    if key_secret and not key_name:
        raise DnsError("key_name: key_secret is given without the key's name")
    if key_algorithm not in ALGORITHMS:
        raise DnsError("key_algorithm: %r is not one of %s" % (key_algorithm, ", ".join(ALGORITHMS)))
    if key_secret:
        try:
            decoded = base64.b64decode(key_secret.strip(), validate=True)
        except (binascii.Error, ValueError):
            decoded = b""
        if not decoded:
            raise DnsError("key_secret: the secret of key %r is not base64 (as tsig-keygen prints it)" % key_name)


def rcode_text(rcode: int) -> str:
    return dns.rcode.to_text(rcode)


class Rfc2136:
    """The rfc2136 provider."""

    name = "rfc2136"

    def __init__(self, server, port, key_name, key_secret, key_algorithm, timeout: float):
        """PORT and KEY_ALGORITHM None take their defaults (53, hmac-sha256)."""
        if not HAS_DNSPYTHON:
            raise DnsError("provider: rfc2136 needs the Python library dnspython on the host that runs it "
                           "(Debian: apt install python3-dnspython; pip: dnspython)")
        if not isinstance(server, str) or not server.strip():
            raise DnsError("server: give the address or name of the DNS server that takes the updates")
        port = DEFAULT_PORT if port is None else port
        if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
            raise DnsError("port: %r is not a port number (1-65535)" % (port,))
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
            raise DnsError("timeout: %r is not a number of seconds above 0" % (timeout,))
        key_algorithm = key_algorithm or DEFAULT_ALGORITHM
        check_key(key_name, key_secret, key_algorithm)
        self.server_name = server.strip().strip("[]")
        self.port = port
        self.timeout = float(timeout)
        self.key = None
        if key_name:
            self.key_name = key_name.rstrip(".")  # as messages show it
            algorithm = dns.tsig.HMAC_MD5 if key_algorithm == "hmac-md5" else key_algorithm
            self.key = dns.tsig.Key(self.key_name + ".", key_secret.strip(), algorithm)
        self.address = None
        self.checked_zones = set()

    def server_address(self) -> str:
        """The server's address, looked up once when it is given by name."""
        if self.address is None:
            try:
                infos = socket.getaddrinfo(self.server_name, self.port, type=socket.SOCK_DGRAM)
            except (socket.gaierror, UnicodeError) as err:
                raise DnsError("server: cannot look up %r: %s" % (self.server_name, getattr(err, "strerror", None) or err)) from None
            self.address = infos[0][4][0]
        return self.address

    def where(self) -> str:
        address = self.server_address()
        shown = address if address == self.server_name else "%s (%s)" % (self.server_name, address)
        return "%s port %d" % (shown, self.port)

    def exchange(self, message, force_tcp: bool = False):
        """The server's response to MESSAGE: UDP, and TCP when the answer is truncated."""
        address = self.server_address()
        try:
            if force_tcp:
                return dns.query.tcp(message, address, timeout=self.timeout, port=self.port)
            return dns.query.udp_with_fallback(message, address, timeout=self.timeout, port=self.port)[0]
        except dns.exception.Timeout:
            raise DnsError("server: no answer from %s within %g s" % (self.where(), self.timeout)) from None
        except dns.tsig.PeerBadKey:
            raise DnsError("key_name: %s does not know the key %r, or does not allow it here (TSIG BADKEY): check key_name, "
                           "key_algorithm and the server's policy for this key" % (self.where(), self.key_name)) from None
        except dns.tsig.PeerBadSignature:
            raise DnsError("key_secret: %s says the signature with key %r is wrong (TSIG BADSIG): check key_secret and key_algorithm"
                           % (self.where(), self.key_name)) from None
        except dns.tsig.PeerBadTime:
            raise DnsError("server: %s says this host's clock is off (TSIG BADTIME): set the time (NTP)" % self.where()) from None
        except (dns.exception.DNSException, ValueError) as err:
            if isinstance(err, dns.exception.FormError) and self.key is not None and "TSIG" in str(err):
                # Knot 3.3 and later answer a refused key unsigned; dnspython 2.9 will not read such an answer.
                raise DnsError("key_name: %s refused the key %r without signing its answer: the server does not know the key, "
                               "or does not let it change these names or types" % (self.where(), self.key_name)) from None
            raise DnsError("server: %s sent an answer that cannot be read: %s" % (self.where(), err)) from None
        except OSError as err:
            raise DnsError("server: cannot reach %s: %s" % (self.where(), err.strerror or err)) from None

    def query(self, name: str, rdtype: str):
        message = dns.message.make_query(name, rdtype)
        message.flags &= ~dns.flags.RD  # ask the server about its own data
        return self.exchange(message)

    def soa_owner(self, name: str, field: str) -> str:
        """The apex of the zone this server holds NAME in, from an SOA query for NAME."""
        response = self.query(name, "SOA")
        rcode = response.rcode()
        if rcode not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN) or not response.flags & dns.flags.AA:
            why = rcode_text(rcode) if rcode != dns.rcode.NOERROR else "an answer without the authoritative flag"
            raise DnsError("%s: %s is not authoritative for %s (it answered %s)" % (field, self.where(), name.rstrip("."), why))
        for section in (response.answer, response.authority):
            for rrset in section:
                if rrset.rdtype == dns.rdatatype.SOA:
                    return rrset.name.to_text().lower()
        raise DnsError("%s: %s answered an SOA query for %s without an SOA record" % (field, self.where(), name.rstrip(".")))

    def zone_for(self, fqdn: str, field: str) -> str:
        return self.soa_owner(fqdn, field)

    def check_zone(self, zone: str) -> None:
        """ZONE is a zone of this server (asked once per run)."""
        if zone in self.checked_zones:
            return
        apex = self.soa_owner(zone, "zone")
        if apex != zone:
            raise DnsError("zone: %s is not a zone on %s; the zone that holds it is %s" % (zone.rstrip("."), self.where(), apex.rstrip(".")))
        self.checked_zones.add(zone)

    def check(self, desired) -> None:
        """Nothing beyond the common checks: any TTL of 1 to 2^31-1 is valid in RFC 2136."""

    def read(self, zone: str, keys) -> dict:
        """Key -> RecordSet for KEYS, plus a CNAME found at any of their names; absent sets are left out."""
        self.check_zone(zone)
        found = {}
        for name, rtype in keys:
            response = self.query(name, rtype)
            rcode = response.rcode()
            if rcode == dns.rcode.NXDOMAIN:
                continue
            if rcode != dns.rcode.NOERROR:
                raise DnsError("server: %s answered %s to a query for %s %s" % (self.where(), rcode_text(rcode), name, rtype))
            for rrset in response.answer:
                owner = rrset.name.to_text().lower()
                type_text = dns.rdatatype.to_text(rrset.rdtype)
                if owner == name and type_text in (rtype, "CNAME"):
                    values = [value_from_text(type_text, rdata.to_text()) for rdata in rrset]
                    found[(owner, type_text)] = RecordSet(owner, type_text, rrset.ttl, values)
        return found

    def apply(self, zone: str, changes) -> None:
        """All CHANGES of ZONE in one UPDATE, conditional on every record set being as read."""
        update = dns.update.UpdateMessage(zone, keyring=self.key) if self.key else dns.update.UpdateMessage(zone)
        for change in changes:
            name = dns.name.from_text(change.key[0])
            if change.before is None:
                update.absent(name, change.key[1])
            else:
                # Rdata, not an rdataset: prerequisites carry TTL 0 (RFC 2136 section 2.4.2; BIND answers FORMERR otherwise).
                update.present(name, *rdataset(change.before))
        for change in changes:
            name = dns.name.from_text(change.key[0])
            if change.after is None:
                update.delete(name, change.key[1])
            else:
                update.replace(name, rdataset(change.after))
        response = self.exchange(update, force_tcp=len(update.to_wire()) > MAX_UDP_UPDATE)
        rcode = response.rcode()
        if rcode in (dns.rcode.NXRRSET, dns.rcode.YXRRSET, dns.rcode.NXDOMAIN, dns.rcode.YXDOMAIN):
            raise StaleRead()
        if rcode == dns.rcode.NOERROR:
            return
        names = ", ".join(sorted({change.key[0].rstrip(".") for change in changes}))
        if rcode in (dns.rcode.NOTAUTH, dns.rcode.REFUSED):
            who = "the key %r" % self.key_name if self.key else "an unsigned update (no key_name)"
            raise DnsError("key_name: %s refused the update of %s for %s (%s): the server's policy does not allow it to change "
                           "these names or types" % (self.where(), names, who, rcode_text(rcode)))
        raise DnsError("server: %s refused the update of %s (%s)" % (self.where(), names, rcode_text(rcode)))

    def close(self) -> None:
        """Nothing stays open between queries."""


def rdataset(record_set: RecordSet):
    texts = [presentation(record_set.type, value) for value in record_set.values]
    return dns.rdataset.from_text_list(dns.rdataclass.IN, record_set.type, record_set.ttl, texts)
