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
