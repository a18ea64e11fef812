# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""breakout_prefixes: AWS's ip-ranges.json and plain lists read, selected and merged; every list that cannot be used
refused, saying where."""

from __future__ import annotations

import json
import pathlib

import pytest

from ansible_collections.multisite.vpn.plugins.module_utils.breakout_prefixes import BreakoutListError, aggregate, parse, select

DATA = pathlib.Path(__file__).parents[3] / "data" / "breakout"
AWS = (DATA / "ip-ranges-sample.json").read_text()
PLAIN = (DATA / "plain-list.txt").read_text()


def test_aws_entries_keep_service_and_region():
    entries = parse(AWS)
    assert len(entries) == 14
    assert entries[0] == {"prefix": parse("3.5.140.0/22")[0]["prefix"], "service": "AMAZON", "region": "ap-northeast-2"}
    assert entries[-1]["service"] == "CLOUDFRONT" and entries[-1]["prefix"].version == 6


@pytest.mark.parametrize(
    "services, regions, families, merged",
    [
        pytest.param(["S3"], ["ap-northeast-1"], (4, 6), ["52.95.110.0/23", "2406:da70:8800::/40"], id="s3-tokyo-adjacent-merged"),
        pytest.param(["EC2"], [], (6,), ["2406:da14::/35"], id="ec2-ipv6-two-halves"),
        pytest.param(["EC2", "AMAZON"], ["ap-northeast-1"], (4,), ["13.248.118.0/24", "18.180.0.0/15", "52.95.110.0/23"],
                     id="a-prefix-inside-another"),
        pytest.param([], ["GLOBAL"], (4, 6), ["54.239.96.0/24", "2600:9000:2000::/36"], id="global-only"),
        pytest.param(["NO-SUCH-SERVICE"], [], (4, 6), [], id="nothing-selected"),
    ],
)
def test_select_and_aggregate(services, regions, families, merged):
    assert aggregate(select(parse(AWS), services, regions, families)) == merged


def test_plain_list_with_comments():
    assert aggregate(select(parse(PLAIN))) == ["198.51.100.0/24", "203.0.113.0/24", "2001:db8:77::/48"]


def aws(prefixes=None, ipv6_prefixes=None) -> str:
    return json.dumps({"syncToken": "1", "createDate": "2026-11-28-00-00-00", "prefixes": prefixes or [], "ipv6_prefixes": ipv6_prefixes or []})


@pytest.mark.parametrize(
    "text, message",
    [
        pytest.param('{"prefixes": [', "not valid JSON", id="truncated-json"),
        pytest.param("<html>502 Bad Gateway</html>", "line 1: '<html>502 Bad Gateway</html>' is not a prefix", id="an-error-page"),
        pytest.param('{"syncToken": "1"}', "not of ip-ranges.json's shape", id="json-of-another-shape"),
        pytest.param('[{"ip_prefix": "3.5.140.0/22"}]', "not of ip-ranges.json's shape", id="a-json-list"),
        pytest.param(aws([{"region": "x", "service": "y"}]), "prefixes[0] has no ip_prefix", id="entry-without-prefix"),
        pytest.param(aws(["3.5.140.0/22"]), "prefixes[0] has no ip_prefix", id="entry-a-string"),
        pytest.param(aws([{"ip_prefix": "3.5.140.1/22"}]), "prefixes[0].ip_prefix: '3.5.140.1/22' has host bits set (3.5.140.0/22?)",
                     id="host-bits"),
        pytest.param(aws([{"ip_prefix": "3.5.140.0/33"}]), "prefixes[0].ip_prefix: '3.5.140.0/33' is not a prefix", id="length-33"),
        pytest.param(aws([{"ip_prefix": 42}]), "prefixes[0].ip_prefix: 42 is not a prefix", id="a-number"),
        pytest.param(aws(ipv6_prefixes=[{"ipv6_prefix": "3.5.140.0/22"}]), "ipv6_prefixes[0].ipv6_prefix: '3.5.140.0/22' is not an IPv6",
                     id="ipv4-among-ipv6"),
        pytest.param(json.dumps({"prefixes": {"ip_prefix": "3.5.140.0/22"}}), "not of ip-ranges.json's shape", id="prefixes-a-mapping"),
        pytest.param(json.dumps({"prefixes": [], "ipv6_prefixes": "2406:da14::/36"}), "ipv6_prefixes is str, not a list", id="one-array-a-string"),
        pytest.param("198.51.100.0/24\n198.51.100.1/24\n", "line 2: '198.51.100.1/24' has host bits set", id="plain-host-bits"),
        pytest.param(None, "not text", id="none"),
    ],
)
def test_lists_that_cannot_be_used(text, message):
    with pytest.raises(BreakoutListError) as raised:
        parse(text)
    assert message in str(raised.value)


def test_a_plain_list_has_no_services_to_select_by():
    with pytest.raises(BreakoutListError, match="a plain list has no services or regions"):
        select(parse(PLAIN), ["S3"])


def test_an_empty_list_is_empty():
    assert aggregate(select(parse(""))) == [] and aggregate(select(parse(aws()))) == []


@pytest.mark.parametrize(
    "text, list_format, message",
    [
        pytest.param("", "aws", "empty, not JSON", id="aws-empty"),
        pytest.param("<html>502 Bad Gateway</html>", "aws", "not JSON (format aws is ip-ranges.json): it starts with '<html>502", id="aws-an-error-page"),
        pytest.param("198.51.100.0/24\n", "aws", "not JSON (format aws", id="aws-a-plain-list"),
        pytest.param(AWS, "plain", "JSON, not a plain list (format plain)", id="plain-ip-ranges"),
        pytest.param(PLAIN, "csv", "format 'csv' is not one of aws, plain", id="unknown-format"),
    ],
)
def test_a_format_asked_for_is_insisted_on(text, list_format, message):
    with pytest.raises(BreakoutListError) as raised:
        parse(text, list_format)
    assert message in str(raised.value)


@pytest.mark.parametrize("text, list_format", [pytest.param(AWS, "aws", id="aws"), pytest.param(PLAIN, "plain", id="plain")])
def test_a_format_asked_for_reads_as_without(text, list_format):
    assert parse(text, list_format) == parse(text)
