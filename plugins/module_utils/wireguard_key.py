# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a WireGuard key is: the one validator every module, filter and lookup of the collection uses.

A key (private, public or preshared alike) is the canonical standard base64 text of exactly 32 bytes
that are not all zero: 44 characters ending in C(=), as C(wg genkey), C(wg pubkey) and C(wg genpsk)
print it. Also here: WireGuardError, the error every C(wireguard_*) helper raises, whose text may be
shown to the user and therefore never holds a key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

KEY_BYTES = 32
KEY_LENGTH = 44  # len(base64 of 32 bytes), the last character is the single '=' of padding


class WireGuardError(Exception):
    """A problem the user has to fix; the message names the option or file, never a key."""


def key_problem(text) -> str | None:
    """Return why TEXT is not a WireGuard key, or None when it is one.

    TEXT is taken as it is: no whitespace is stripped. The reason never quotes TEXT.
    """
    if not isinstance(text, str):
        return "it is a %s, not a string" % type(text).__name__
    if len(text) != KEY_LENGTH:
        return "it is %d characters long, a key is %d (base64 of %d bytes)" % (len(text), KEY_LENGTH, KEY_BYTES)
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error, ValueError):
        return "it is not base64 (a key uses only A-Z, a-z, 0-9, '+' and '/', and ends in '=')"
    # validate=True accepts padding bits that are not zero; wg does not, and the text would not
    # round-trip, so two spellings of one key would compare different (and never equal the dump).
    if len(raw) != KEY_BYTES or base64.b64encode(raw).decode("ascii") != text:
        return "it is not the base64 of %d bytes (a key is 44 characters ending in '=')" % KEY_BYTES
    # All zeros is no key to WireGuard, whatever the role: an all-zero private key leaves the interface
    # without an identity (the kernel's curve25519_generate_public refuses it), an all-zero preshared key
    # is what wg shows as (none) and means "no preshared key" (a module would see a change on every run),
    # and an all-zero public key is a point of small order whose shared secret is all zeros, which the
    # handshake refuses. Accepting it would silently mean "no key".
    if raw == bytes(KEY_BYTES):
        return "it is all zeros, which wg reads as no key at all"
    return None


def is_key(text) -> bool:
    """Return whether TEXT, exactly as given, is a WireGuard key."""
    return key_problem(text) is None


def key_message(field: str, text, kind: str = "key") -> str | None:
    """Return 'FIELD is not a WireGuard KIND: why' when TEXT is not a key, else None; never quotes TEXT."""
    problem = key_problem(text)
    if problem is None:
        return None
    return "%s is not a WireGuard %s: %s" % (field, kind, problem)


def key_from_option(value, option: str = "private_key", kind: str = "private key", hint: str = "give the output of wg genkey") -> str:
    """Return the key given in OPTION, surrounding whitespace removed (a vault value ends in a newline).

    Raises WireGuardError naming OPTION when it is not a key; the message never quotes VALUE.
    """
    key = value.strip() if isinstance(value, str) else value
    message = key_message(option, key, kind)
    if message is not None:
        raise WireGuardError("%s; %s" % (message, hint))
    return key


def key_digest(key: str) -> str:
    """Return a digest of KEY, so that a secret key can be recognised later without being kept."""
    return hashlib.sha256(key.encode("ascii", "replace")).hexdigest()


def is_same_key(text, digest: str | None) -> bool:
    """Return whether TEXT is the key whose key_digest is DIGEST (in constant time)."""
    if digest is None or not isinstance(text, str):
        return False
    return hmac.compare_digest(key_digest(text), digest)
