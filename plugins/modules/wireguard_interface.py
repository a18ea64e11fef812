#!/usr/bin/python
# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: wireguard_interface
short_description: One WireGuard interface whole, in one call - key, settings, unit and peers, live and at boot
description:
  - Owns the whole state of one WireGuard interface that C(wg-quick@INTERFACE.service) brings up at boot, so that
    a run with nothing to do costs one task on the host instead of one per file, key and unit.
  - The private key stays in C(/etc/wireguard/INTERFACE.key), generated on the host when missing (never sent
    through the controller) or restored from O(private_key), exactly as M(multisite.vpn.wireguard_key) does.
    Its public key is returned.
  - The interface settings (O(address), O(listen_port)) go to C(/etc/wireguard/INTERFACE.conf), which holds no
    key and no peer; the unit gets a drop-in that makes C(systemctl reload) keep the peers.
  - The unit is enabled and started. A running interface is restarted only when its settings change (comments and
    spacing do not count) - stopped with its old configuration, so that its C(PostDown) lines undo its C(PostUp) lines,
    then started with the new one; a replaced key alone is set live with C(wg set), keeping the interface and its routes.
  - The peers are then set as M(multisite.vpn.wireguard_peer) sets them, live and hitless, with one C(wg set) for
    the difference, and kept in C(/etc/wireguard/INTERFACE.peers.conf), which the interface loads at boot.
  - Everything given is checked before anything is read or changed; a problem is reported naming its option (a
    peer by its place in O(peers), never by a key), and nothing is changed.
author:
  - multisite.vpn developers (@multisite-vpn)
options:
  interface:
    description:
      - The interface, for example V(wg-oci). At most 15 letters, digits, C(_), C(.) and C(-), as C(wg-quick)
        and systemd unit names take them, and not V(.) or V(..).
    type: str
    required: true
  address:
    description:
      - The interface's addresses with their prefix lengths, for example V(192.168.31.11/24). The kernel routes
        the whole prefix into the interface.
      - An IPv6 address on a host with IPv6 off (C(net.ipv6.conf.all.disable_ipv6) or C(.default.disable_ipv6) 1) is
        refused before anything changes - wg-quick would stop the interface and fail to start it again.
    type: list
    elements: str
    required: true
  peer_address:
    description:
      - The far end of a point-to-point tunnel (one IPv4 address, for example V(192.168.31.1)), for a spoke whose
        routes over the tunnel come from BGP (role multisite.vpn.routing).
      - The one IPv4 address of O(address), a C(/32), is then set as C(ADDRESS peer PEER_ADDRESS/32), so that the
        kernel routes the far end alone into the interface rather than the tunnel's whole subnet, and BGP counts the
        neighbour there as directly connected.
    type: str
  uplink:
    description:
      - The uplink the tunnel's own packets leave by, for a site on several uplinks (seed 003) that keeps one tunnel per
        uplink to the same hub. The packets carry O(listen_port) as their mark (C(FwMark)), and a rule (C(ip rule fwmark))
        sends them to the table of that number, whose default route is O(uplink.gateway) on O(uplink.interface).
      - Needs O(listen_port). The interface must exist and O(uplink.gateway) must be in one of its IPv4 prefixes, or the
        module fails before it changes anything (the tunnel would not leave by that uplink).
    type: dict
    suboptions:
      interface:
        description: The uplink's network interface, for example V(eth1).
        type: str
        required: true
      gateway:
        description: The uplink's IPv4 gateway, for example the CGNAT router V(100.64.5.1).
        type: str
        required: true
  default_route:
    description:
      - This host's default route is the one BGP brings from its hubs (role multisite.vpn.routing, C(routing_default_route)),
        in table 65536 with the routes BGP brings, where BIRD puts them.
      - The tunnel's own packets carry the mark 65536 (C(FwMark); with O(uplink), its port as before), and two rules are
        added - the main table without its default route first, then table 65536 for every packet not so marked - so that
        the tunnels themselves keep leaving by the uplink's default route. Every tunnel of the host adds the same rules;
        none takes them away, since the others need them, and with the table empty they change nothing.
    type: bool
    default: false
  listen_port:
    description:
      - The UDP port the interface listens on, 1 to 65535. When absent the kernel picks one at each start.
      - Pin it behind NAT or CGNAT, so that a restart keeps the mapping's source port.
    type: int
  routes:
    description:
      - Routes into the interface, besides the prefixes of O(address), which the kernel routes into it by itself. Each
        is added with C(ip route replace) once the interface is up, at every start, and goes with the interface.
      - A change is a change of settings, so a running interface is restarted.
    type: list
    elements: dict
    default: []
    suboptions:
      to:
        description: The destination prefix, for example a public IPv6 prefix handed to spokes behind this hub.
        type: str
        required: true
      from:
        description:
          - Only for packets from this prefix, for example V(::/0) from a spoke's public address only, so that the spoke's
            own native IPv6 keeps its default route. The route goes into O(routes[].table), and a rule (C(ip rule)) sends
            packets from this prefix there; the rules are removed when the interface stops.
          - A rule ahead of it looks in the main table first, its default route left out (C(suppress_prefixlength 0)), so
            that the host's own links, and routes BGP learnt for other sites' public blocks (role C(multisite.vpn.routing)),
            win over this table's route.
          - On a host without other routes of that family, the kernel gives this source to sockets bound to no address
            too; see O(routes[].except_udp_ports).
        type: str
      except_udp_ports:
        description:
          - UDP destination ports refused (unreachable) to packets from O(routes[].from) instead of routed here, by rules
            ahead of the route's - the WireGuard ports of the host's hubs. Without them, a host with no IPv6 of its own
            would rank its hubs' IPv6 addresses first for its WireGuard endpoints (glibc finds them reachable through
            this route) and send its tunnels through this tunnel.
        type: list
        elements: int
        default: []
      table:
        description:
          - The routing table the route goes into, 1 to 4294967295 but not 253 to 255 (the kernel's), required with
            O(routes[].from). Unset, the main table.
        type: int
  private_key:
    description:
      - Restore this private key (the output of C(wg genkey)) instead of keeping or generating one, for example a
        rebuilt hub's key from a vault, so that its peers need no change. Whitespace around it is ignored.
      - When absent, the key in the file is kept, or one is generated on the host when there is none.
    type: str
  peers:
    description:
      - The interface's peers, with the suboptions of M(multisite.vpn.wireguard_peer) (O(peers[].public_key),
        O(peers[].allowed_ips), O(peers[].endpoint), O(peers[].persistent_keepalive), O(peers[].preshared_key)).
    type: list
    elements: dict
    default: []
    suboptions:
      public_key:
        description: The peer's public key, as C(wg pubkey) prints it.
        type: str
        required: true
      allowed_ips:
        description: The networks routed to this peer and accepted from it, compared as a set.
        type: list
        elements: str
        default: []
      endpoint:
        description:
          - V(host:port) to send this peer's packets to; a DNS name is resolved on the host. When absent the live
            endpoint is kept (hubs learn it from the spoke's packets).
        type: str
      persistent_keepalive:
        description: Seconds between keepalive packets, 0 to 65535; V(0) or absent is off.
        type: int
      preshared_key:
        description: A preshared key as C(wg genpsk) prints it. Never logged or returned.
        type: str
  exclusive:
    description:
      - Also remove the live peers O(peers) does not list, and leave them out of the peers file.
    type: bool
    default: true
  allow_empty:
    description:
      - Allow O(exclusive=true) with an empty O(peers), which removes every peer. Refused without it, because an
        empty list almost always comes from an empty inventory group and would cut every tunnel.
    type: bool
    default: false
extends_documentation_fragment:
  - multisite.vpn.attributes
  - multisite.vpn.attributes.platform
attributes:
  check_mode:
    support: full
    details:
      - Reads the key, the files, the unit and the live peers as a real run does and reports the same changes,
        but writes, starts and sets nothing.
      - A key that would be generated has no public key yet, so RV(public_key) is V(null) then. An interface
        that is not up yet has no live peers, which is said in a warning.
  diff_mode:
    support: full
    details:
      - The key (never the private key itself), the wg-quick configuration, the drop-in, the unit's state and
        the peers as a table (C(psk set) in place of a preshared key). The peers file is not shown.
  idempotent:
    support: full
    details:
      - Given that the peers' DNS names resolve to the same addresses on both runs (see
        M(multisite.vpn.wireguard_peer)).
  platform:
    platforms: posix
    details:
      - Linux with systemd, C(wireguard-tools) (C(wg), C(wg-quick)) and WireGuard (the kernel's, or C(wireguard-go)).
notes:
  - Needs root, so tasks using this module normally set C(become).
  - The files are C(/etc/wireguard/INTERFACE.key), C(.conf) and C(.peers.conf) (mode C(0600)), and
    C(/etc/systemd/system/wg-quick@INTERFACE.service.d/multisite-vpn.conf).
seealso:
  - module: multisite.vpn.wireguard_peer
  - module: multisite.vpn.wireguard_key
  - name: wg-quick(8)
    description: The configuration file and the C(wg-quick@) unit.
    link: https://git.zx2c4.com/wireguard-tools/about/src/man/wg-quick.8
"""

EXAMPLES = r"""
- name: A hub's interface with its spokes as peers (spokes roam behind CGNAT, so no endpoints)
  multisite.vpn.wireguard_interface:
    interface: wg-oci
    address: [192.168.31.1/24]
    listen_port: 51820
    peers:
      - public_key: "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="
        allowed_ips: [192.168.31.11/32]
      - public_key: "TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0="
        allowed_ips: [192.168.31.12/32]
  become: true
  register: hub_interface

- name: A spoke's interface towards that hub, kept open through CGNAT
  multisite.vpn.wireguard_interface:
    interface: wg-oci
    address: [192.168.31.11/24]
    listen_port: 51820
    peers:
      - public_key: "{{ hub_public_key }}"
        endpoint: hub-oci.example.net:51820
        allowed_ips: [192.168.31.0/24]
        persistent_keepalive: 25
  become: true
"""

RETURN = r"""
public_key:
  description: The interface's public key; V(null) in check mode when the key would be generated.
  returned: always
  type: str
  sample: xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=
key:
  description: What was (or would be) done to the key file, V(keep), V(generate) or V(replace).
  returned: always
  type: str
  sample: keep
conf_changed:
  description: Whether the wg-quick configuration or the drop-in was (or would be) rewritten.
  returned: always
  type: bool
  sample: false
unit_actions:
  description:
    - What was (or would be) done to the unit, in order, among V(daemon-reload), V(enable), V(start), V(restart)
      and V(set-private-key) (a replaced key set live).
  returned: always
  type: list
  elements: str
  sample: []
added:
  description: Public keys of the peers that were (or would be) added.
  returned: always
  type: list
  elements: str
  sample: []
removed:
  description: Public keys of the live peers that were (or would be) removed.
  returned: always
  type: list
  elements: str
  sample: []
updated:
  description: For each live peer that was (or would be) changed, its public key and the fields that changed.
  returned: always
  type: dict
  sample: {}
config_changed:
  description: Whether the peers file was (or would be) rewritten.
  returned: always
  type: bool
  sample: false
peers:
  description: The live peers after the call, as M(multisite.vpn.wireguard_peer) returns them.
  returned: always
  type: list
  elements: dict
  sample: []
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.multisite.vpn.plugins.module_utils import systemd_unit
from ansible_collections.multisite.vpn.plugins.module_utils import wireguard_interface as wg_interface
from ansible_collections.multisite.vpn.plugins.module_utils import wireguard_key_file as key_file
from ansible_collections.multisite.vpn.plugins.module_utils.files import FileReadError, FileWriteError, OwnedFile, read_file
from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_key import WireGuardError, key_from_option
from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_peer_ensure import ensure_peers
from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_peer_input import PEER_OPTIONS, validate_arguments
from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_peers_file import CONF_DIR_MODE, default_config_path


def main():
    module = AnsibleModule(
        argument_spec=dict(
            interface=dict(type="str", required=True),
            address=dict(type="list", elements="str", required=True),
            listen_port=dict(type="int"),
            peer_address=dict(type="str"),
            uplink=dict(type="dict", options={"interface": dict(type="str", required=True), "gateway": dict(type="str", required=True)}),
            default_route=dict(type="bool", default=False),
            routes=dict(type="list", elements="dict", default=[],
                        options={"to": dict(type="str", required=True), "from": dict(type="str"), "table": dict(type="int"),
                                 "except_udp_ports": dict(type="list", elements="int", default=[])}),
            private_key=dict(type="str", no_log=True),
            peers=dict(type="list", elements="dict", default=[], options=PEER_OPTIONS),
            exclusive=dict(type="bool", default=True),
            allow_empty=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    interface = module.params["interface"]
    diffs = []
    try:
        problems = wg_interface.input_problems(interface, module.params["address"], module.params["listen_port"],
                                               module.params["routes"], module.params["peer_address"], module.params["uplink"])
        if problems:
            raise WireGuardError("; ".join(problems))
        uplink = module.params["uplink"]
        if uplink is not None:
            rc, out, err = module.run_command(["ip", "-4", "-o", "address", "show", "dev", uplink["interface"]])
            if rc != 0:
                raise WireGuardError("uplink: interface %s does not exist on this host (%s)" % (uplink["interface"], err.strip()))
            why = wg_interface.uplink_gateway_problem(uplink, out)
            if why:
                raise WireGuardError("uplink: " + why)
        why = wg_interface.ipv6_off_problem(module.params["address"], {name: read_file(path)[0] for name, path in wg_interface.IPV6_SWITCHES.items()})
        if why:
            raise WireGuardError(why)
        given_key = None if module.params["private_key"] is None else key_from_option(module.params["private_key"])
        desired_peers = validate_arguments(interface, module.params["peers"], module.params["exclusive"], module.params["allow_empty"])
        wg = module.get_bin_path("wg")
        if wg is None:
            raise WireGuardError("wireguard-tools is not installed (wg not found)")
        systemctl = systemd_unit.systemctl_path(module)

        key = key_file.ensure_key_file(module, wg, wg_interface.key_path(interface), given_key)
        conf_text = wg_interface.render_conf(interface, module.params["address"], module.params["listen_port"],
                                             module.params["routes"], module.params["peer_address"], module.params["uplink"],
                                             module.params["default_route"])
        conf = OwnedFile(wg_interface.conf_path(interface), conf_text, wg_interface.CONF_MODE, CONF_DIR_MODE)
        drop_in = OwnedFile(wg_interface.drop_in_path(systemd_unit.UNIT_DIRECTORY, interface), wg_interface.DROP_IN, wg_interface.DROP_IN_MODE)
        unit = wg_interface.unit_name(interface)
        state = systemd_unit.read_unit_state(module, systemctl, unit)
        settings_changed = wg_interface.conf_settings(conf.content) != wg_interface.conf_settings(
            None if conf.current is None else conf.current.decode("utf-8", "replace"))
        actions = wg_interface.unit_actions(state.enabled, state.active, state.needs_reload, settings_changed, drop_in.changed,
                                            key.plan.action != key_file.KEEP)
        if not module.check_mode:
            # A restart stops the interface with the configuration it was started with, so that the PostDown lines that
            # run (the rules of a route by source) are those that undo its PostUp lines, then starts it with the new one.
            stop_first = wg_interface.RESTART in actions
            if stop_first:
                systemd_unit.systemctl(module, systemctl, "stop", unit)
            try:
                conf.write()
                drop_in.write()
            except FileWriteError:
                if stop_first:
                    systemd_unit.systemctl(module, systemctl, "start", unit)
                raise
            for action in actions:
                if action == wg_interface.SET_PRIVATE_KEY:
                    rc, out, err = module.run_command([wg, "set", interface, "private-key", wg_interface.key_path(interface)])
                    if rc != 0:
                        raise WireGuardError("wg set %s private-key failed: %s" % (interface, (err or out).strip()))
                else:
                    command = "start" if action == wg_interface.RESTART else action
                    systemd_unit.systemctl(module, systemctl, command, *([] if action == wg_interface.DAEMON_RELOAD else [unit]))
        peers, peers_diff = ensure_peers(module, wg, interface, desired_peers, module.params["exclusive"], default_config_path(interface))
        diffs = [key.diff, conf.diff(), drop_in.diff(), dict(
            before_header=unit, after_header=unit, before=wg_interface.unit_state_text(state.enabled, state.active),
            after=wg_interface.unit_state_text(True, True)), peers_diff]
    except (WireGuardError, systemd_unit.SystemdError, FileReadError, FileWriteError) as err:
        module.fail_json(msg=str(err))

    result = dict(peers)
    result.update(
        changed=key.plan.changed or conf.changed or drop_in.changed or bool(actions) or peers["changed"],
        public_key=key.new_public,
        key=key.plan.action,
        conf_changed=conf.changed or drop_in.changed,
        unit_actions=actions,
    )
    if module._diff:
        result["diff"] = diffs
    module.exit_json(**result)


if __name__ == "__main__":
    main()
