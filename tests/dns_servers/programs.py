# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Finding the servers' programs, or saying in one line which Debian package brings them."""

from __future__ import annotations

import os
import shutil

# Daemons live in /usr/sbin, which a non-root PATH often lacks.
SYSTEM_DIRECTORIES = ("/usr/sbin", "/sbin")


class ProgramMissing(RuntimeError):
    """A server program is not installed."""


def find_program(name: str, package: str) -> str:
    search_path = os.pathsep.join([os.environ.get("PATH", ""), *SYSTEM_DIRECTORIES])
    path = shutil.which(name, path=search_path)
    if path is None:
        raise ProgramMissing(f"{name} not found: install the Debian package {package} (apt-get install {package})")
    return path
