# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A filter's documentation (plugins/filter/<name>.yml) and its examples, for the tests that keep them true:
ansible-test's validate-modules skips filter plugins."""

from __future__ import annotations

import ast
import pathlib
import re

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
