# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""redaction: the one way a known secret is taken out of a text."""

from __future__ import annotations

import pytest

from ansible_collections.multisite.vpn.plugins.module_utils.redaction import mask_values
from ansible_collections.multisite.vpn.tests.unit.wireguard_keys import PSK_1


@pytest.mark.parametrize(
    "text, secrets, whole_words, masked",
    [
        pytest.param("Key is not the correct length or format: `%s'" % PSK_1, [PSK_1, None], False,
                     "Key is not the correct length or format: `********'", id="wg-quotes-a-key"),
        pytest.param("% Invalid input at 'secret123'", ["secret123", "secret123456"], False, "% Invalid input at '********'", id="quoted"),
        pytest.param("pass passage pass", ["pass"], True, "******** passage ********", id="whole-words-only"),
        pytest.param("key abcdef and abc", ["abc", "abcdef"], False, "key ******** and ********", id="longest-first"),
        pytest.param("nothing here", [], False, "nothing here", id="no-secrets"),
    ],
)
def test_mask_values(text, secrets, whole_words, masked):
    assert mask_values(text, secrets, whole_words) == masked
