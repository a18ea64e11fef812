# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hubs' own updater: when it asks the provider, and what it says. ensure() itself is replaced by a
recorder here; tests/integration runs the updater against a real DNS server."""

from __future__ import annotations

import io
import json
import os
import stat

import pytest

from ansible_collections.multisite.vpn.plugins.module_utils.dns import updater
from ansible_collections.multisite.vpn.plugins.module_utils.dns.records import DnsError

SECRET = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA=="
IP_JSON = '[{"ifname": "eth0", "addr_info": [{"family": "inet", "local": "%s", "prefixlen": 24, "scope": "global"}]}]'


class Host:
    """The interface's address, the clock, and the calls to ensure()."""

    def __init__(self, monkeypatch, tmp_path):
        self.address = "198.51.100.11"
        self.time = 1000.0
        self.ensured = []
        self.fail_with = None
        self.config = tmp_path / "dns-publish.json"
        self.state = tmp_path / "state" / "dns-publish.state"
        self.config.write_text(json.dumps({"refresh": 3600, "params": {
            "server": "192.0.2.53", "zone": "example.net", "key_name": "hub", "key_secret": SECRET, "ttl": 60,
            "records": [{"name": "hub", "type": "A", "address_from": {"interface": "eth0"}}],
        }}))
        monkeypatch.setattr(updater, "ensure", self.ensure)

    def ensure(self, params, run_command=None):
        if self.fail_with:
            raise DnsError(self.fail_with)
        self.ensured.append(params)
        values = params["records"][0]["values"]
        return {"changed": True, "records": [{"name": "hub.example.net.", "type": "A", "action": "update",
                                              "before": {"ttl": 60, "values": ["198.51.100.1"]}, "after": {"ttl": 60, "values": values}}]}

    def run(self, argv):
        return 0, IP_JSON % self.address, ""

    def main(self):
        out, err = io.StringIO(), io.StringIO()
        code = updater.main(str(self.config), str(self.state), run=self.run, now=lambda: self.time, out=out, err=err)
        return code, out.getvalue(), err.getvalue()


@pytest.fixture(name="host")
def fixture_host(monkeypatch, tmp_path):
    return Host(monkeypatch, tmp_path)


def test_publishes_the_interface_address_then_asks_nobody_until_it_changes(host):
    code, out, err = host.main()
    assert (code, err) == (0, "")
    assert out == "hub.example.net. A: 198.51.100.1 -> 198.51.100.11\n"
    assert host.ensured[0]["records"] == [{"name": "hub", "type": "A", "values": ["198.51.100.11"], "ttl": 60, "state": "present"}]
    assert stat.S_IMODE(os.stat(host.state).st_mode) == 0o600
    host.time += 20
    assert host.main() == (0, "", "")
    assert len(host.ensured) == 1
    host.address = "198.51.100.31"
    host.time += 20
    assert host.main()[0] == 0
    assert host.ensured[-1]["records"][0]["values"] == ["198.51.100.31"]


def test_asks_again_after_the_refresh_interval_even_with_the_same_address(host):
    host.main()
    host.time += 3599
    host.main()
    assert len(host.ensured) == 1
    host.time += 2
    host.main()
    assert len(host.ensured) == 2


def test_a_failed_publish_is_tried_again_on_the_next_run(host):
    host.fail_with = "server: no answer from 192.0.2.53 port 53 within 10 s"
    assert host.main() == (1, "", "server: no answer from 192.0.2.53 port 53 within 10 s\n")
    host.fail_with = None
    host.time += 20
    assert host.main()[0] == 0
    assert len(host.ensured) == 1


def test_the_state_never_holds_the_secret(host):
    host.main()
    assert SECRET not in host.state.read_text()


@pytest.mark.parametrize(
    ("config", "code", "message"),
    [
        (None, 2, "cannot read the configuration"),
        ("not json", 2, "cannot read the configuration"),
        ("[]", 2, "not a JSON object"),
        ('{"refresh": 60}', 2, "'params'"),
        ('{"params": {"server": "192.0.2.53", "records": [{"name": "hub", "type": "A", "address_from": {"interface": "wg9"}}]}}',
         1, "records[0].address_from.interface: `ip addr show dev wg9` failed"),
    ],
    ids=["missing", "not-json", "not-an-object", "no-params", "interface-fails"],
)
def test_bad_configuration_is_one_line_and_no_publish(host, config, code, message):
    if config is None:
        host.config.unlink()
    else:
        host.config.write_text(config)
    host.run = lambda argv: (1, "", "broken")
    result = host.main()
    assert result[0] == code and message in result[2] and result[2].count("\n") == 1
    assert host.ensured == []
