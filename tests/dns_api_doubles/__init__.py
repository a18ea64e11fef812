# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Local doubles of DNS providers' HTTP APIs (Cloudflare v4, deSEC, Vultr v2), written from their documentation,
for testing a client against something its author did not write. They listen on 127.0.0.1 only.

Typical use::

    with serve("desec", "secret-token") as api:
        api.add_zone("example.test", minimum_ttl=60)
        api.add_record("example.test", "hub1", "AAAA", ["2001:db8::1"], 3600)
        api.fail_next(1, 429, method="PATCH", retry_after=2)
        run_the_module(api_url=api.url, token="secret-token")
        assert ("hub1.example.test", "AAAA", 3600, "2001:db8::2") in api.records("example.test")
        assert len(api.writes()) == 2

Each provider's module lists the documentation it follows and marks its guesses.
"""

from __future__ import annotations

import contextlib
from typing import Iterator

from .cloudflare import CloudflareApi
from .desec import DesecApi
from .server import ApiDouble, RecordedRequest, run
from .vultr import VultrApi

PROVIDERS: dict[str, type[ApiDouble]] = {"cloudflare": CloudflareApi, "desec": DesecApi, "vultr": VultrApi}

__all__ = ["PROVIDERS", "ApiDouble", "CloudflareApi", "DesecApi", "RecordedRequest", "VultrApi", "serve"]


@contextlib.contextmanager
def serve(provider: str, token: str, *, page_size: int | None = None, delay: float = 0.0) -> Iterator[ApiDouble]:
    """Serve `provider`'s double on a free port of 127.0.0.1 from a background thread; yields it with `url` set.

    `token` is valid for every zone; `page_size` defaults to the provider's documented default.
    """
    with run(PROVIDERS[provider](token, page_size=page_size, delay=delay)) as api:
        yield api
