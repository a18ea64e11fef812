# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Role templates rendered by ansible-playbook, as the roles render them on a host: for the tests that run what a role
installs (the programs that embed the collection's module_utils, their units)."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import yaml

REPO = pathlib.Path(__file__).parents[2]


def render_templates(directory: pathlib.Path, templates: dict, variables: dict) -> None:
    """Render each template of TEMPLATES ({source path: target name in DIRECTORY}) with VARIABLES, in one local play."""
    tasks = [{"name": "Render " + target, "ansible.builtin.template": {"src": str(source), "dest": str(directory / target), "mode": "0644"}}
             for source, target in templates.items()]
    play = [{"hosts": "localhost", "gather_facts": False, "tasks": tasks, "vars": variables}]
    (directory / "play.yml").write_text(yaml.safe_dump(play))
    rendered = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,", "-c", "local",
         "-e", "ansible_python_interpreter=" + sys.executable, str(directory / "play.yml")],
        cwd=REPO, env=dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg")), capture_output=True, text=True, timeout=120, check=False,
    )
    assert rendered.returncode == 0, rendered.stdout[-2000:]
