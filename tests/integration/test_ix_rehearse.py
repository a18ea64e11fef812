# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/ix_rehearse.yml: the router (an emulator on 127.0.0.2, standing for the real one) is only read,
never changed and never left holding a configuration session; the push runs against a copy served on 127.0.0.1
by the emulator process the playbook starts and stops; the lock-out guard checks the real router's address."""

from __future__ import annotations

import os
import pathlib
import stat
import subprocess
import sys

import pytest
import yaml

from ansible_collections.multisite.vpn.ix_emulator import Device
from ansible_collections.multisite.vpn.ix_emulator.server import serve
from ansible_collections.multisite.vpn.plugins.action.ix_running_config import read_running_config
from ansible_collections.multisite.vpn.plugins.plugin_utils.ix_session import IxSessionError
from ansible_collections.multisite.vpn.tests.data.ix import running_body, startup_body

pytestmark = pytest.mark.filterwarnings("ignore:Diffie-Hellman over finite fields")

REPO = pathlib.Path(__file__).parents[2]
REAL_ADDRESS = "127.0.0.2"  # the real router's address; the copy answers on 127.0.0.1
PASSWORD = "Rehearsal-test-Pw4x"
SECRETS = {"ix_pppoe_password": "Pppoe-secret-7q", "ix_netmeister_password": "Netmeister-secret-3w"}
PSKS = {"ix2215-tokyo": "Tokyo-psk-secret-9z", "ix2215-kagawa": "Kagawa-psk-secret-5m"}
MANAGEMENT = f"""\
username admin password plain {PASSWORD} administrator
ssh-server ip enable
telnet-server ip enable
"""


def router_config(management_interface: str) -> str:
    return MANAGEMENT + f"interface {management_interface}\n  ip address {REAL_ADDRESS}/8\n  no shutdown\n"


def run_rehearsal(tmp_path, port, transport):
    routers = {
        "ix2215-tokyo": {"ansible_host": REAL_ADDRESS, "ansible_port": port, "ix_transport": transport, "ix_lan_ipv4": "198.18.100.0/24"},
        "ix2215-kagawa": {"ansible_host": "198.18.10.1", "ix_transport": "telnet", "ix_lan_ipv4": "198.18.10.0/24"},
    }
    for name, host in routers.items():
        host.update(ix_ikev2_psk=PSKS[name], ix_pppoe_username=name + "@isp.example", **SECRETS)
    group = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable, "ansible_user": "admin",
             "ansible_password": PASSWORD, "ix_netmeister_account": "example-account", "ix_watch_host": "192.0.2.53"}
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(yaml.safe_dump({"all": {"children": {"ix_routers": {"hosts": routers, "vars": group}}}}))
    return subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", str(inventory),
         str(REPO / "playbooks" / "ix_rehearse.yml"), "--limit", "ix2215-tokyo", "--diff", "-v"],
        cwd=REPO, env=dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1", HOME=str(tmp_path)),
        capture_output=True, text=True, timeout=600, check=False,
    )


@pytest.fixture(name="real_router")
def fixture_real_router(request, host_key):
    device = Device.from_running_config(router_config(request.param))
    with serve(device, host=REAL_ADDRESS, host_key=host_key) as ports:
        yield device, ports


def emulators_left(tmp_path) -> list[str]:
    listing = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True).stdout
    return [line for line in listing.splitlines() if "ix_emulator" in line and str(tmp_path) in line]


@pytest.mark.parametrize("real_router", ["GigaEthernet1.0"], indirect=True)
@pytest.mark.parametrize("transport", ["ssh", "telnet"])
def test_rehearsal_reads_the_router_pushes_to_the_copy_and_stops_it(real_router, transport, tmp_path):
    device, ports = real_router
    before, startup = running_body(device), startup_body(device)
    ran = run_rehearsal(tmp_path, getattr(ports, transport), transport)
    assert ran.returncode == 0, ran.stdout[-4000:] + ran.stderr[-2000:]
    # What a real run would send: seed 004's configuration, shown as commands and as a diff.
    assert "interface Tunnel1.0" in ran.stdout and "+ip route default Tunnel0.0" in ran.stdout
    assert running_body(device) == before and startup_body(device) == startup
    assert device.configuration_owner is None and not device.sessions
    copy = tmp_path / ".local/state/multisite-vpn/ix-rehearsal/ix2215-tokyo.cfg"
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600 and "! Current time" not in copy.read_text()
    assert emulators_left(tmp_path) == []
    for secret in [PASSWORD, *SECRETS.values(), *PSKS.values()]:
        assert secret not in ran.stdout + ran.stderr


@pytest.mark.parametrize("real_router", ["GigaEthernet2.0"], indirect=True)
def test_the_guard_checks_the_real_routers_address_not_the_copys(real_router, tmp_path):
    """The role gives GigaEthernet2.0 the LAN address: on the real router that is the interface the session
    arrives through, so the rehearsal must refuse it as a real run would, although the copy is on 127.0.0.1."""
    device, ports = real_router
    before = running_body(device)
    ran = run_rehearsal(tmp_path, ports.ssh, "ssh")
    assert ran.returncode == 2
    assert f"interface GigaEthernet2.0: 'no ip address {REAL_ADDRESS}/8' changes the interface this session arrives through ({REAL_ADDRESS})" in ran.stdout
    assert running_body(device) == before
    assert emulators_left(tmp_path) == []


@pytest.mark.parametrize("real_router", ["GigaEthernet1.0"], indirect=True)
def test_reading_never_takes_configuration_mode_over(real_router):
    device, ports = real_router
    holder = device.open_session()
    holder.feed("configure")
    params = {"transport": "ssh", "host": REAL_ADDRESS, "port": ports.ssh, "username": "admin", "password": PASSWORD,
              "timeout": 10, "delay_factor": 1.0}
    with pytest.raises(IxSessionError, match="another session holds the router's configuration mode; nothing was sent: .* never takes over"):
        read_running_config(params)
    assert device.configuration_owner is holder
    holder.close()
    text, hostname = read_running_config(params)
    assert text.startswith("! NEC Portable Internetwork Core Operating System Software\n") and hostname == "Router"
    assert "\r" not in text and "! Current time" not in text and device.configuration_owner is None
