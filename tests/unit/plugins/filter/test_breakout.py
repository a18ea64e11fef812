# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The breakout_prefixes filter: its options, its errors, and its documented examples on the fixture lists."""

from __future__ import annotations

import pathlib
import re

import jinja2.nativetypes
import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.multisite.vpn.plugins.filter.breakout import FilterModule, breakout_prefixes
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


@pytest.mark.parametrize("variable, template, expected", documented_examples("breakout_prefixes"))
def test_documented_example(variable, template, expected):
    environment = jinja2.nativetypes.NativeEnvironment(undefined=jinja2.StrictUndefined)
    environment.filters.update(("multisite.vpn." + name, function) for name, function in FilterModule().filters().items())
    environment.globals["lookup"] = lambda plugin, name: FILES[name]
    assert environment.from_string(template).render() == expected, variable
