# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The spoke's re-resolver and the DNS updater's timer: one multisite.vpn.service_files task each, with the paths,
modes and contents the roles' former template and copy tasks wrote, so that a host they converged sees no change.
(The programs themselves run: tests/integration/test_embedded_programs.py; the task on a real systemd host: see
the module's tests and the roles' READMEs.)"""

from __future__ import annotations

import json
import pathlib
import re

import jinja2
import pytest
import yaml

from ansible.plugins.filter.core import combine, to_nice_json

ROLES = pathlib.Path(__file__).parents[3] / "roles"
LOOKUP = re.compile(r"^\{\{ lookup\('ansible\.builtin\.template', '([^']+)'\) \}\}$")

# What the former tasks wrote (path, mode, template or None for the configuration).
SPOKE_FILES = [
    ("/usr/local/lib/multisite-vpn/wg_reresolve.py", "0644", "wg-reresolve.py.j2"),
    ("/etc/systemd/system/multisite-vpn-wg-reresolve.service", "0644", "multisite-vpn-wg-reresolve.service.j2"),
    ("/etc/systemd/system/multisite-vpn-wg-reresolve.timer", "0644", "multisite-vpn-wg-reresolve.timer.j2"),
]
DNS_FILES = [
    ("{{ dns_publish_program }}", "0755", "dns-publish.py.j2"),
    ("{{ dns_publish_config }}", "0600", None),
    ("/etc/systemd/system/multisite-vpn-dns-publish.service", "0644", "multisite-vpn-dns-publish.service.j2"),
    ("/etc/systemd/system/multisite-vpn-dns-publish.timer", "0644", "multisite-vpn-dns-publish.timer.j2"),
]
# The former copy task's content, as it was written in roles/dns_publish/tasks/timer.yml.
FORMER_CONFIG = (
    "{{ {'params': dns_publish_module_params | combine({'records': dns_publish_records}), 'refresh': dns_publish_refresh | int}"
    " | to_nice_json }}\n"
)


def only_task(role, tasks_file):
    tasks = yaml.safe_load((ROLES / role / "tasks" / tasks_file).read_text())
    assert len(tasks) == 1, "one task, one remote round on a no-op run"
    return tasks[0]["multisite.vpn.service_files"]


@pytest.mark.parametrize(
    "role, tasks_file, expected, unit",
    [
        pytest.param("spoke", "reresolve.yml", SPOKE_FILES, "multisite-vpn-wg-reresolve.timer", id="spoke"),
        pytest.param("dns_publish", "timer.yml", DNS_FILES, "multisite-vpn-dns-publish.timer", id="dns_publish"),
    ],
)
def test_one_task_with_the_former_paths_modes_and_templates(role, tasks_file, expected, unit):
    arguments = only_task(role, tasks_file)
    found = []
    for entry in arguments["files"]:
        template = None
        if "content" in entry:
            template = LOOKUP.match(entry["content"]).group(1)
            assert (ROLES / role / "templates" / template).is_file()
        else:
            assert set(entry) == {"path", "secret_content", "mode"}
        found.append((entry["path"], entry["mode"], template))
    assert found == expected
    assert arguments["units"] == [unit]
    assert arguments.get("restart_on_change", True) is True
    assert not (ROLES / role / "handlers").exists(), "the module restarts the timer; no handler is left"


def environment():
    # As Ansible renders: trim_blocks on, undefined variables an error, the trailing newline kept.
    env = jinja2.Environment(trim_blocks=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters.update(combine=combine, to_nice_json=to_nice_json)
    return env


@pytest.mark.parametrize(
    "role, template, variables, text",
    [
        pytest.param(
            "spoke", "multisite-vpn-wg-reresolve.timer.j2", {"spoke_reresolve_interval": 15},
            "# Ansible managed\n[Unit]\nDescription=Re-resolve the hubs' WireGuard endpoints every 15 s (multisite.vpn)\n\n[Timer]\n"
            "OnBootSec=15s\nOnUnitActiveSec=15s\nAccuracySec=1s\n\n[Install]\nWantedBy=timers.target\n",
            id="re-resolver-timer",
        ),
        pytest.param(
            "spoke", "multisite-vpn-wg-reresolve.service.j2", {},
            "# Ansible managed\n[Unit]\nDescription=Re-set WireGuard endpoints whose DNS name now points elsewhere (multisite.vpn)\n"
            "After=network-online.target\n\n[Service]\nType=oneshot\nExecStart=/usr/bin/python3 /usr/local/lib/multisite-vpn/wg_reresolve.py\n",
            id="re-resolver-service",
        ),
        pytest.param(
            "dns_publish", "multisite-vpn-dns-publish.service.j2", {"dns_publish_program": "/usr/local/sbin/multisite-vpn-dns-publish"},
            "# Ansible managed\n[Unit]\nDescription=Publish this host's DNS names on its current addresses (multisite.vpn)\n"
            "Wants=network-online.target\nAfter=network-online.target\n\n[Service]\nType=oneshot\n"
            "ExecStart=/usr/bin/python3 /usr/local/sbin/multisite-vpn-dns-publish\n",
            id="dns-service",
        ),
    ],
)
def test_unit_files(role, template, variables, text):
    source = (ROLES / role / "templates" / template).read_text()
    assert environment().from_string(source).render(ansible_managed="Ansible managed", **variables) == text


def test_the_configuration_is_what_the_former_copy_task_wrote():
    variables = {
        "dns_publish_module_params": {"provider": "rfc2136", "zone": "lab.test", "ttl": 60, "server": "198.51.100.53", "port": 53,
                                      "key_name": "hub-oci", "key_secret": "c2VjcmV0", "key_algorithm": "hmac-sha256"},
        "dns_publish_records": [{"name": "hub-oci", "type": "A", "address_from": {"interface": "eth0"}}],
        "dns_publish_refresh": "3600",
    }
    entry = only_task("dns_publish", "timer.yml")["files"][1]
    rendered = environment().from_string(entry["secret_content"]).render(**variables)
    assert rendered == environment().from_string(FORMER_CONFIG).render(**variables)
    assert json.loads(rendered) == {"params": dict(variables["dns_publish_module_params"], records=variables["dns_publish_records"]),
                                    "refresh": 3600}
    assert rendered.endswith("\n}\n")
