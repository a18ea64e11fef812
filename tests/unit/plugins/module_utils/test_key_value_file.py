# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""key_value_file: the one reader of the sysctl.d file and the WireGuard peers file."""

from __future__ import annotations

import pytest

from ansible_collections.multisite.vpn.plugins.module_utils import key_value_file
from ansible_collections.multisite.vpn.tests.unit.wireguard_keys import PSK_1


def shape(lines):
    return [(line.number, line.section, line.key, line.value) for line in lines]


@pytest.mark.parametrize(
    "text, options, expected",
    [
        pytest.param("", {}, [], id="empty"),
        pytest.param("a = 1\nb=2\n  c\t=\t3  \n", {}, [(1, None, "a", "1"), (2, None, "b", "2"), (3, None, "c", "3")], id="spacing"),
        pytest.param("k = a=b\n", {}, [(1, None, "k", "a=b")], id="split-at-first-equals"),
        pytest.param("# c\n; c\n\n a = 1\n", dict(comments="#;"), [(4, None, "a", "1")], id="sysctl-comments"),
        pytest.param("; c\n", {}, [(1, None, None, None)], id="semicolon-is-no-comment-for-wg"),
        pytest.param("a = 1 # not a comment\n", dict(comments="#;"), [(1, None, "a", "1 # not a comment")], id="sysctl-hash-inside-value"),
        pytest.param("a = 1 # comment\n", dict(inline_comments=True), [(1, None, "a", "1")], id="wg-inline-comment"),
        pytest.param(
            "[Interface]\n[peer]  # lower case\nPublicKey = x\n",
            dict(inline_comments=True, sections=True),
            [(1, "[Interface]", None, None), (2, "[peer]", None, None), (3, None, "PublicKey", "x")],
            id="sections",
        ),
        pytest.param("[x] = 1\n", {}, [(1, None, "[x]", "1")], id="no-sections-unless-asked"),
        pytest.param("Endpoint\n", {}, [(1, None, None, None)], id="neither"),
    ],
)
def test_key_value_lines(text, options, expected):
    assert shape(key_value_file.key_value_lines(text, **options)) == expected


def test_a_line_never_shows_its_value():
    (line,) = key_value_file.key_value_lines("PresharedKey = %s\n" % PSK_1)
    assert PSK_1 not in repr(line)
