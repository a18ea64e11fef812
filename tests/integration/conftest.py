# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared fixtures of the integration tests."""

from __future__ import annotations

import pytest

from ansible_collections.multisite.vpn.ix_emulator.ssh import generate_host_key


@pytest.fixture(name="host_key", scope="session")
def fixture_host_key():
    """The IX emulator's RSA host key, made once: each costs a second of CPU."""
    return generate_host_key()
