# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The breakout_prefixes filter: its options, its errors, and its documented examples on the fixture lists; the
breakout_refresh_config filter: a role's setting checked by the refresh program's own check, named by the variable."""

from __future__ import annotations

import pathlib
import re

import jinja2.nativetypes
import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.multisite.vpn.plugins.filter.breakout import FilterModule, breakout_prefixes, breakout_refresh_config
from ansible_collections.multisite.vpn.tests.unit.plugins.filter.filter_documentation import documented_examples

DATA = pathlib.Path(__file__).parents[3] / "data" / "breakout"
FILES = {"ip-ranges.json": (DATA / "ip-ranges-sample.json").read_text(), "breakout.txt": (DATA / "plain-list.txt").read_text()}


@pytest.mark.parametrize(
    "arguments, message",
    [
        pytest.param(dict(services="S3"), "services must be a list such as ['AMAZON'], not str", id="services-a-string"),
        pytest.param(dict(regions="ap-northeast-1"), "regions must be a list", id="regions-a-string"),
        pytest.param(dict(families=["inet6"]), "families: 'inet6' is not ipv4 or ipv6", id="family-unknown"),
    ],
)
def test_option_errors(arguments, message):
    with pytest.raises(AnsibleFilterError, match=re.escape(message)):
        breakout_prefixes(FILES["ip-ranges.json"], **arguments)


def test_a_list_that_cannot_be_used_says_so():
    with pytest.raises(AnsibleFilterError, match="the breakout list cannot be used: not valid JSON"):
        breakout_prefixes('{"prefixes": [')


@pytest.mark.parametrize("variable, template, expected", documented_examples("breakout_prefixes") + documented_examples("breakout_refresh_config"))
def test_documented_example(variable, template, expected):
    environment = jinja2.nativetypes.NativeEnvironment(undefined=jinja2.StrictUndefined)
    environment.filters.update(("multisite.vpn." + name, function) for name, function in FilterModule().filters().items())
    environment.globals["lookup"] = lambda plugin, name: FILES[name]
    assert environment.from_string(template).render() == expected, variable


AWS_SOURCE = {"url": "https://ip-ranges.amazonaws.com/ip-ranges.json", "services": ["S3"], "regions": ["ap-northeast-1"]}


def test_a_role_setting_becomes_the_program_configuration():
    setting = {"sources": [AWS_SOURCE], "gateway4": "100.64.2.1", "refresh": True, "interval": "*-*-* 04:00:00", "timeout": 10}
    assert breakout_refresh_config(setting, "routing_breakout") == {
        "sources": [dict(AWS_SOURCE, format="aws")], "gateway4": "100.64.2.1", "gateway6": None, "max_prefixes": 20000, "timeout": 10,
        "output": "/etc/bird/multisite-vpn-breakout.conf", "birdc": "/usr/sbin/birdc"}
    assert breakout_refresh_config(None)["sources"] == []


@pytest.mark.parametrize(
    "setting, message",
    [
        pytest.param(["https://ip-ranges.amazonaws.com/ip-ranges.json"], "routing_breakout: give a mapping", id="a-list"),
        pytest.param({"source": []}, "routing_breakout.source: unknown key (known: sources, gateway4,", id="unknown-key"),
        pytest.param({"refresh": "yes"}, "routing_breakout.refresh: 'yes' is not true or false", id="refresh-a-string"),
        pytest.param({"interval": "daily\nExecStart=/bin/sh"}, "routing_breakout.interval: 'daily\\nExecStart=/bin/sh' is not a systemd calendar",
                     id="interval-injects-a-line"),
        pytest.param({"interval": "daily\n"}, "routing_breakout.interval: 'daily\\n' is not", id="interval-with-a-line-end"),
        pytest.param({"sources": [dict(AWS_SOURCE, url="ftp://x/y")], "gateway4": "100.64.2.1"}, "routing_breakout.sources[0].url: ftp://x/y is not",
                     id="the-programs-own-check"),
        pytest.param({"sources": [AWS_SOURCE]}, "routing_breakout.gateway4: give the uplink's IPv4 gateway", id="no-gateway"),
    ],
)
def test_role_settings_refused(setting, message):
    with pytest.raises(AnsibleFilterError) as raised:
        breakout_refresh_config(setting, name="routing_breakout")
    assert message in str(raised.value)
