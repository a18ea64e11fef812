# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The DNS API doubles keep the documented shapes: authentication failures, pagination, 429, error bodies."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from ansible_collections.multisite.vpn.tests.dns_api_doubles import serve

TOKEN = "Tok3nForTests0123456789abcdefghijklmnop"
OTHER_TOKEN = "Sc0pedTokenForTests0123456789abcdefghij"
ZONE = "example.test"
SCHEMES = {"cloudflare": "Bearer", "desec": "Token", "vultr": "Bearer"}
ADDRESSES = [f"192.0.2.{host}" for host in range(1, 6)]
NEW_RECORDS = {
    "cloudflare": {"type": "A", "name": "www", "content": "192.0.2.1", "ttl": 3600},
    "desec": {"subname": "www", "type": "A", "ttl": 3600, "records": ["192.0.2.1"]},
    "vultr": {"type": "A", "name": "www", "data": "192.0.2.1", "ttl": 3600},
}


def cloudflare_failure(code, message, chain=None):
    error = {"code": code, "message": message}
    if chain is not None:
        error["error_chain"] = [{"code": chained, "message": text} for chained, text in chain]
    return {"result": None, "success": False, "errors": [error], "messages": []}


def call(api, method, path, token=TOKEN, body=None, url=None):
    """(status, headers, decoded JSON body or text) of one request to the double."""
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"{SCHEMES[api.PROVIDER]} {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url or api.url + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, reply_headers, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, reply_headers, raw = error.code, error.headers, error.read()
    try:
        return status, reply_headers, json.loads(raw) if raw else None
    except ValueError:
        return status, reply_headers, raw.decode()


def seeded(api, addresses=ADDRESSES):
    """The zone with one A record per address (an RRset each at deSEC); the path of its record list."""
    zone_id = api.add_zone(ZONE)
    for index, address in enumerate(addresses):
        api.add_record(ZONE, f"host{index}", "A", address, 3600)
    return {
        "cloudflare": f"/zones/{zone_id}/dns_records",
        "desec": f"/domains/{ZONE}/rrsets/",
        "vultr": f"/domains/{ZONE}/records",
    }[api.PROVIDER]


@pytest.mark.parametrize(
    ("provider", "token", "status", "body"),
    [
        pytest.param(
            "cloudflare",
            None,
            400,
            cloudflare_failure(9106, "Missing X-Auth-Key, X-Auth-Email or Authorization headers"),
            id="cloudflare-missing",
        ),
        pytest.param(
            "cloudflare",
            "wrong" * 8,
            403,
            cloudflare_failure(9109, "Invalid access token"),
            id="cloudflare-invalid",
        ),
        pytest.param(
            "desec", None, 401, {"detail": "Authentication credentials were not provided."}, id="desec-missing"
        ),
        pytest.param("desec", "wrong", 401, {"detail": "Invalid token."}, id="desec-invalid"),
        pytest.param("vultr", "wrong", 401, {"error": "Invalid API token.", "status": 401}, id="vultr-invalid"),
    ],
)
def test_authentication_failures_answer_as_documented(provider, token, status, body):
    with serve(provider, TOKEN) as api:
        path = seeded(api, [])
        assert call(api, "GET", path, token=token)[::2] == (status, body)
        assert api.requests[-1].authorized is False


@pytest.mark.parametrize(
    ("provider", "status", "body"),
    [
        pytest.param(
            "cloudflare",
            403,
            cloudflare_failure(10000, "Authentication error"),
            id="cloudflare",
        ),
        pytest.param("desec", 403, {"detail": "Insufficient token permissions."}, id="desec"),
        pytest.param("vultr", 404, {"error": "Invalid domain.", "status": 404}, id="vultr"),
    ],
)
def test_a_token_for_other_zones_cannot_write_this_one(provider, status, body):
    with serve(provider, TOKEN) as api:
        path = seeded(api, [])
        api.add_token(OTHER_TOKEN, zones=["other.test"])
        assert call(api, "POST", path, token=OTHER_TOKEN, body=NEW_RECORDS[provider])[::2] == (status, body)
        assert api.writes()[0].authorized is True


def walk_pages(api, path):
    """Every item of the list at `path`, following the provider's pagination; and the number of pages read."""
    items, pages = [], 0
    if api.PROVIDER == "cloudflare":
        while True:
            status, _headers, body = call(api, "GET", f"{path}?per_page=100&page={pages + 1}")
            assert status == 200 and body["success"]
            items += body["result"]
            pages += 1
            if pages >= body["result_info"]["total_pages"]:
                return items, pages
    if api.PROVIDER == "desec":
        status, headers, body = call(api, "GET", path)
        assert (status, body["detail"][:24]) == (400, "Pagination required. You")
        url = headers["Link"].split(";")[0].strip("<>")
        while url:
            status, headers, body = call(api, "GET", "", url=url)
            assert status == 200
            items += body
            pages += 1
            links = {part.split(";")[1].strip(): part.split(";")[0].strip(" <>") for part in headers["Link"].split(",")}
            url = links.get('rel="next"')
        return items, pages
    cursor = ""
    while True:
        status, _headers, body = call(api, "GET", f"{path}?per_page=100&cursor={cursor}")
        assert status == 200 and body["meta"]["total"] == len(ADDRESSES)
        items += body["records"]
        pages += 1
        cursor = body["meta"]["links"]["next"]
        if not cursor:
            return items, pages


@pytest.mark.parametrize("provider", ["cloudflare", "desec", "vultr"])
def test_small_pages_force_three_pages_of_pagination(provider):
    with serve(provider, TOKEN, page_size=2) as api:
        path = seeded(api)
        items, pages = walk_pages(api, path)
        assert pages == 3
        values = sorted(str(item.get("content") or item.get("data") or item.get("records")) for item in items)
        assert len(values) == len(set(values)) == (6 if provider == "desec" else 5)  # deSEC adds the apex NS RRset


@pytest.mark.parametrize(
    ("provider", "body"),
    [
        pytest.param(
            "cloudflare",
            cloudflare_failure(971, "Please wait and consider throttling your request speed"),
            id="cloudflare",
        ),
        pytest.param("desec", {"detail": "Request was throttled. Expected available in 7 seconds."}, id="desec"),
        pytest.param("vultr", {"error": "Too Many Requests", "status": 429}, id="vultr"),
    ],
)
def test_an_injected_429_carries_retry_after_then_the_api_answers(provider, body):
    with serve(provider, TOKEN) as api:
        path = seeded(api, ["192.0.2.1"])
        api.fail_next(1, 429, method="GET", retry_after=7)
        status, headers, answer = call(api, "GET", path)
        assert (status, headers["Retry-After"], answer) == (429, "7", body)
        assert call(api, "GET", path)[0] == 200


def test_desec_documented_write_limits_answer_429_per_domain():
    with serve("desec", TOKEN) as api:
        seeded(api, [])
        api.rate_limits = api.DOCUMENTED_RATE_LIMITS
        statuses = [call(api, "PUT", f"/domains/{ZONE}/rrsets/", body=[])[0] for _attempt in range(3)]
        status, headers, body = call(api, "PUT", f"/domains/{ZONE}/rrsets/", body=[])
        assert statuses == [200, 200, 429] and status == 429
        assert int(headers["Retry-After"]) >= 1 and body["detail"].startswith("Request was throttled.")


@pytest.mark.parametrize(
    ("provider", "ttl", "status", "body"),
    [
        pytest.param(
            "cloudflare",
            30,
            400,
            cloudflare_failure(
                1004, "DNS Validation Error", [(9021, "TTL must be between 60 and 86400 seconds, or 1 for Automatic.")]
            ),
            id="cloudflare-envelope",
        ),
        pytest.param(
            "desec", 3599, 400, {"ttl": ["Ensure this value is greater than or equal to 3600."]}, id="desec-minimum"
        ),
        pytest.param(
            "desec", 86401, 400, {"ttl": ["Ensure this value is less than or equal to 86400."]}, id="desec-maximum"
        ),
    ],
)
def test_out_of_range_ttl_is_refused_with_the_documented_error(provider, ttl, status, body):
    with serve(provider, TOKEN) as api:
        path = seeded(api, [])
        assert call(api, "POST", path, body=dict(NEW_RECORDS[provider], ttl=ttl))[::2] == (status, body)
        assert [entry for entry in api.records(ZONE) if entry[1] == "A"] == []


@pytest.mark.parametrize(
    ("kind", "processed", "expected"),
    [
        pytest.param("invalid-json", False, 200, id="invalid-json"),
        pytest.param("html-error", False, 502, id="html-error"),
        pytest.param("reset", True, ConnectionResetError, id="reset-after-the-write"),
    ],
)
def test_rude_answers_lose_only_the_answer_when_processed(kind, processed, expected):
    with serve("vultr", TOKEN) as api:
        path = seeded(api, [])
        api.rude_next(1, kind, method="POST", processed=processed)
        record = {"type": "A", "name": "www", "data": "192.0.2.9", "ttl": 300}
        if expected is ConnectionResetError:
            with pytest.raises(ConnectionResetError):
                call(api, "POST", path, body=record)
        else:
            status, _headers, body = call(api, "POST", path, body=record)
            assert status == expected and isinstance(body, str)
        assert api.records(ZONE) == ([("www.example.test", "A", 300, "192.0.2.9")] if processed else [])
