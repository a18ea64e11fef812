# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Importing this collection's module_utils from sources embedded in a program a role installs on a host (the
hubs' DNS updater, the spokes' endpoint re-resolver), so the program runs the modules' own code with nothing else
installed. The program runs this file's source first, then install(SOURCES) (lookup multisite.vpn.module_utils_sources)."""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys


class EmbeddedSources(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports the collection's modules from SOURCES (full name -> source), their parents as empty packages."""

    def __init__(self, sources: dict) -> None:
        self.sources = sources

    def find_spec(self, fullname, path=None, target=None):
        del path, target  # the finder protocol's; sources are found by name alone
        is_package = any(module.startswith(fullname + ".") for module in self.sources)
        if fullname not in self.sources and not is_package:
            return None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=is_package)

    def create_module(self, spec):
        del spec
        return None  # the default module object

    def exec_module(self, module):
        source = self.sources.get(module.__name__, "")
        exec(compile(source, "<multisite.vpn %s>" % module.__name__, "exec"), module.__dict__)  # pylint: disable=exec-used


def install(sources: dict) -> None:
    sys.meta_path.insert(0, EmbeddedSources(sources))
