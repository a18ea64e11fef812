# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How the NEC IX modules reach a router (module_utils/ix_arguments.py CONNECTION_ARGUMENT_SPEC)."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  transport:
    description: How to reach the router. Defaults to the host variable C(ix_transport), else V(ssh).
    type: str
    choices: [ssh, telnet]
  host:
    description: The router's address or name. Defaults to C(ansible_host), else the inventory name.
    type: str
  port:
    description: Defaults to C(ansible_port), else 22 for SSH and 23 for telnet.
    type: int
  username:
    description: Defaults to C(ansible_user).
    type: str
  password:
    description: Defaults to C(ansible_password). Never logged.
    type: str
  timeout:
    description: Seconds to wait for the router at login and for each command (at least 1), times O(delay_factor).
    type: int
    default: 30
  delay_factor:
    description:
      - Multiplies every wait, for a router that is slow or far away (a router at a relative's house across
        the country, reached through a jump host or a tunnel over a mobile line). 1 suits a router on the
        same LAN; 2 to 4 one behind a slow or long path. Reading never depends on a fixed pause, only on
        how long to wait before giving up; every answer is read up to the prompt that belongs to it.
    type: float
    default: 1.0
requirements:
  - netmiko with paramiko 4 on the controller (C(netmiko[par4])); the IX offers only an C(ssh-rsa) host key,
    which paramiko 5 cannot use.
"""
