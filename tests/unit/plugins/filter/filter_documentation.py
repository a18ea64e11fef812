# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A filter's documentation (plugins/filter/<name>.yml) and its examples, for the tests that keep them true:
ansible-test's validate-modules skips filter plugins."""

from __future__ import annotations

import ast
import inspect
import pathlib
import re

import jinja2
import jinja2.nativetypes
import pytest
import yaml

from ansible_collections.multisite.vpn.plugins import filter as filter_plugins

FILTER_DIRECTORY = pathlib.Path(list(filter_plugins.__path__)[0])


def documentation(name: str) -> dict:
    return yaml.safe_load(FILTER_DIRECTORY.joinpath(name + ".yml").read_text())


def documented_examples(name: str) -> list[tuple[str, str, object]]:
    """(variable, template, expected) for each example preceded by a '# => value' comment."""
    text = documentation(name)["EXAMPLES"]
    templates = yaml.safe_load(text)
    examples, expected = [], None
    for line in text.splitlines():
        result = re.match(r"\s*# => (.*)$", line)
        variable = re.match(r"(\w+):", line)
        if result:
            expected = ast.literal_eval(result.group(1))
        elif variable and expected is not None:
            examples.append((variable.group(1), templates[variable.group(1)], expected))
            expected = None
    return examples


def assert_documented(name: str, function) -> None:
    """NAME's documentation describes FUNCTION: its name, a short description, the function's parameters as its options
    in order (the piped value is _input), the same as positional, and one return value."""
    doc = documentation(name)
    assert set(doc) == {"DOCUMENTATION", "EXAMPLES", "RETURN"}
    assert doc["DOCUMENTATION"]["name"] == name
    assert doc["DOCUMENTATION"]["short_description"]
    parameters = list(inspect.signature(function).parameters)
    assert list(doc["DOCUMENTATION"]["options"]) == ["_input"] + parameters[1:]
    assert doc["DOCUMENTATION"]["positional"] == ", ".join(["_input"] + parameters[1:])
    assert list(doc["RETURN"]) == ["_value"]


def render_example(filters: dict, template: str, variables=None):
    """TEMPLATE rendered with FILTERS as multisite.vpn.<name>, in native types as ansible-core templates a value: a
    filter's list, dict or bool stays one."""
    environment = jinja2.nativetypes.NativeEnvironment(undefined=jinja2.StrictUndefined)
    environment.filters.update(("multisite.vpn." + name, function) for name, function in filters.items())
    return environment.from_string(template).render(variables or {})


def documentation_tests(filters: dict, variables=None) -> tuple:
    """The three tests that keep the documentation of FILTERS (a FilterModule's filters()) true, for a test file to
    bind at module level, where pytest finds them by name: each filter documented (assert_documented), each example
    giving its documented result (rendered with VARIABLES), and every filter with an example."""

    @pytest.mark.parametrize("name", sorted(filters))
    def test_documentation_describes_the_filter(name):
        assert_documented(name, filters[name])

    @pytest.mark.parametrize(("name", "variable", "template", "expected"),
                             [pytest.param(name, *example, id="%s-%s" % (name, example[0]))
                              for name in sorted(filters) for example in documented_examples(name)])
    def test_documented_examples_give_the_documented_results(name, variable, template, expected):
        assert render_example(filters, template, variables) == expected, (name, variable)

    def test_every_filter_has_a_documented_example():
        assert sorted(name for name in filters if documented_examples(name)) == sorted(filters)

    return test_documentation_describes_the_filter, test_documented_examples_give_the_documented_results, test_every_filter_has_a_documented_example
