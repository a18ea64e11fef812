# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Choosing a provider from the options, and the calls a per-record API (Cloudflare, Vultr) needs."""

from __future__ import annotations

import pytest

from ansible_collections.multisite.vpn.plugins.module_utils.dns import providers
from ansible_collections.multisite.vpn.plugins.module_utils.dns.records import DnsError, RecordSet

SECRET = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA=="
TOKEN = "tok-0123456789abcdef"


@pytest.mark.parametrize(
    ("existing", "after", "operations"),
    [
        ([], RecordSet("a.", "A", 60, ["192.0.2.1"]), [("create", "192.0.2.1", 60)]),
        ([("r1", "192.0.2.1", 60)], RecordSet("a.", "A", 60, ["192.0.2.1"]), []),
        ([("r1", "192.0.2.1", 300)], RecordSet("a.", "A", 60, ["192.0.2.1"]), [("update", "r1", "192.0.2.1", 60)]),
        # The address changed: the old record is patched to the new address, never a second record beside it.
        ([("r1", "192.0.2.1", 60)], RecordSet("a.", "A", 60, ["192.0.2.2"]), [("update", "r1", "192.0.2.2", 60)]),
        ([("r1", "192.0.2.1", 60), ("r2", "192.0.2.2", 60)], RecordSet("a.", "A", 60, ["192.0.2.2"]), [("delete", "r1")]),
        ([("r1", "192.0.2.1", 60)], RecordSet("a.", "A", 60, ["192.0.2.1", "192.0.2.3"]), [("create", "192.0.2.3", 60)]),
        ([("r1", "192.0.2.1", 60), ("r2", "192.0.2.2", 60)], None, [("delete", "r1"), ("delete", "r2")]),
        ([("r1", "192.0.2.1", 60), ("r2", "192.0.2.1", 60)], RecordSet("a.", "A", 60, ["192.0.2.1"]), [("delete", "r2")]),
    ],
    ids=["create", "same", "ttl-only", "moved", "one-of-two-goes", "one-more", "delete-set", "duplicate-record"],
)
def test_record_operations_are_the_fewest_and_leave_no_old_value(existing, after, operations):
    assert providers.record_operations(existing, after) == operations


@pytest.mark.parametrize(
    "rows",
    [[("r1", "192.0.2.1", 60), ("r2", "192.0.2.2", 300)], [("r1", "192.0.2.1", 60), ("r2", "192.0.2.1", 60)]],
    ids=["mixed-ttls", "value-twice"],
)
def test_unevenly_stored_sets_always_differ_from_what_is_asked(rows):
    assert providers.record_sets_of({("a.", "A"): rows})[("a.", "A")].ttl == providers.UNEVEN_TTL


@pytest.mark.parametrize(
    ("params", "environ", "message"),
    [
        ({"provider": "route53"}, {}, "provider: 'route53' is not one of rfc2136, cloudflare, desec, vultr"),
        ({"provider": "cloudflare"}, {}, "api_token: the cloudflare provider needs an API token: give api_token, or set CLOUDFLARE_API_TOKEN"),
        ({"provider": "desec", "api_token": "  "}, {}, "api_token: the desec provider needs an API token"),
        ({"provider": "vultr", "api_token": "two words"}, {}, "api_token: the token has white space or control characters inside"),
        ({"provider": "cloudflare", "api_token": TOKEN, "server": "ns1"}, {}, "server: only the rfc2136 provider takes these"),
        ({"provider": "rfc2136", "server": "192.0.2.53", "api_token": TOKEN}, {}, "api_token, api_url: the rfc2136 provider signs"),
        ({"provider": "rfc2136"}, {}, "server: give the address or name of the DNS server"),
        ({"server": "192.0.2.53", "key_name": "k"}, {}, "key_secret: key_name 'k' is given without its secret"),
        ({"server": "192.0.2.53", "key_secret": SECRET}, {}, "key_name: key_secret is given without the key's name"),
        ({"server": "192.0.2.53", "key_name": "k", "key_secret": SECRET, "key_algorithm": "hmac-sha257"}, {}, "key_algorithm: 'hmac-sha257'"),
        ({"server": "192.0.2.53", "key_name": "k", "key_secret": "not base64!"}, {}, "key_secret: the secret of key 'k' is not base64"),
        ({"server": "192.0.2.53", "port": 0}, {}, "port: 0 is not a port number"),
        ({"server": "192.0.2.53", "port": 70000}, {}, "port: 70000 is not a port number"),
    ],
    ids=["unknown-provider", "cloudflare-no-token", "desec-blank-token", "token-with-space", "server-for-http", "token-for-rfc2136",
         "no-server", "key-without-secret", "secret-without-key", "unknown-algorithm", "secret-not-base64", "port-zero", "port-too-big"],
)
def test_bad_provider_options_name_the_field_and_never_the_secret(params, environ, message):
    with pytest.raises(DnsError) as raised:
        providers.make_provider(params, environ, 10, None)
    assert str(raised.value).startswith(message)
    assert SECRET not in str(raised.value) and TOKEN not in str(raised.value)


@pytest.mark.parametrize(
    ("provider", "variable", "name"),
    [("cloudflare", "CLOUDFLARE_API_TOKEN", "cloudflare"), ("desec", "DESEC_TOKEN", "desec"), ("vultr", "VULTR_API_KEY", "vultr")],
    ids=["cloudflare", "desec", "vultr"],
)
def test_token_from_the_providers_own_environment_variable(provider, variable, name):
    made = providers.make_provider({"provider": provider}, {variable: TOKEN}, 10, None)
    assert made.name == name
    assert made.api.headers["Authorization"].endswith(TOKEN)
