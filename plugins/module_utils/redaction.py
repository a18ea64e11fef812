# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one way a known secret is taken out of a text before it is shown: a tool's error that quotes a key (wg), a
router's answer that quotes a password (the NEC IX push). What is a secret, and where, is each caller's business."""

from __future__ import annotations

import re

REDACTED = "********"


def mask_values(text: str, secrets, whole_words: bool = False) -> str:
    """TEXT with every one of SECRETS replaced by REDACTED, the longest first (so that a secret holding another is
    masked whole). With WHOLE_WORDS a secret is masked only where it stands between whitespace or the text's ends:
    for short secrets that could be part of an ordinary word."""
    for secret in sorted((secret for secret in secrets if secret), key=len, reverse=True):
        if whole_words:
            text = re.sub(r"(?<!\S)%s(?!\S)" % re.escape(secret), REDACTED, text)
        else:
            text = text.replace(secret, REDACTED)
    return text
