# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: module_utils_sources
author: multisite.vpn developers (@multisite-vpn)
short_description: Python sources of this collection's module_utils, for a program on a host
description:
  - Returns one dictionary, full module name to source text, of the modules named, each a package of
    C(plugins/module_utils) (every C(.py) file in it) or a single module there, read on the controller.
  - A program that a role installs on a host (such as the updater of C(multisite.vpn.dns_publish))
    embeds these sources and imports them as the collection's own modules, so that it runs exactly the
    code the collection's modules run, with no second implementation and nothing else to install.
options:
  _terms:
    description: Names of packages or modules under C(plugins/module_utils), e.g. V(dns) and V(files).
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
- name: A program that runs the dns_record module's code
  ansible.builtin.template:
    src: program.py.j2  # holds SOURCES = {{ query('multisite.vpn.module_utils_sources', 'dns', 'files') | first | to_json }}
    dest: /usr/local/lib/program.py
    mode: "0755"
"""

RETURN = r"""
_raw:
  description: One dictionary, full module name to source text, of all the terms.
  type: list
  elements: dict
"""

import os
import re

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

MODULE_UTILS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "module_utils")
PACKAGE_PREFIX = "ansible_collections.multisite.vpn.plugins.module_utils."


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        sources = {}
        for term in terms:
            sources.update(module_sources(term))
        return [dict(sorted(sources.items()))]


def module_sources(name: str) -> dict:
    """Full module name -> source of the package or module NAME of plugins/module_utils."""
    if not isinstance(name, str) or not re.match(r"^[a-z_][a-z0-9_]*$", name):
        raise AnsibleLookupError("module_utils_sources: %r is not the name of a package or module of plugins/module_utils" % (name,))
    path = os.path.join(MODULE_UTILS, name)
    if os.path.isfile(path + ".py"):
        return {PACKAGE_PREFIX + name: read(path + ".py")}
    if not os.path.isfile(os.path.join(path, "__init__.py")):
        raise AnsibleLookupError("module_utils_sources: this collection has no plugins/module_utils/%s package or module" % name)
    sources = {}
    for file_name in sorted(os.listdir(path)):
        if file_name.endswith(".py"):
            module = file_name[:-3]
            sources[PACKAGE_PREFIX + name + ("" if module == "__init__" else "." + module)] = read(os.path.join(path, file_name))
    return sources


def read(path: str) -> str:
    with open(path, encoding="utf-8") as source:
        return source.read()
