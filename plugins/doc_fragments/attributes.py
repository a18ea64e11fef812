# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared C(attributes) blocks: every module states what it supports, honestly."""

from __future__ import annotations


class ModuleDocFragment:
    # Modules that change a host declare all three; each module's own documentation says how.
    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Can run in C(check_mode) and return changed status prediction without modifying target.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in C(check_mode)), when in diff mode.
  idempotent:
    description: When run twice in a row with the same arguments, the second run reports no change.
"""

    PLATFORM = r"""
options: {}
attributes:
  platform:
    description: Target operating systems this module is known to work on.
    support: full
    platforms: posix
"""
