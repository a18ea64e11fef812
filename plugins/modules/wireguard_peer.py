#!/usr/bin/python
# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: wireguard_peer
short_description: Set all peers of one WireGuard interface in one call, live and in a peers file
description:
  - Makes the peers of a running WireGuard interface what O(peers) says, with one C(wg set) call that
    names only the peers that are added, removed or changed. Unchanged peers are not touched, so their
    sessions go on without a new handshake.
  - Peers are identified by public key. For each listed peer the allowed IPs, the endpoint, the
    persistent keepalive and the preshared key are compared with the live values shown by
    C(wg show INTERFACE dump), and only the fields that differ are set.
  - Also writes the peers file O(config_path), which makes the peers survive a reboot. The interface's
    C(wg-quick) configuration loads it with C(PostUp = wg addconf %i /etc/wireguard/wg0.peers.conf); this
    module does not add that line.
  - Everything is checked before any command runs. A public or preshared key that is not the base64 form
    of 32 bytes (or is all zeros), the same public key twice, a peer's preshared key given as a public key,
    an invalid network, overlapping allowed IPs of two peers, an endpoint without a valid port, a keepalive
    outside 0-65535, an interface name Linux would refuse, or an empty O(peers) with O(exclusive=true) make
    the module fail with one message that names each field and peer, and nothing is changed. The
    interface's own private key given as a peer's public key, the interface's own public key as a peer,
    allowed IPs that overlap a peer that stays (O(exclusive=false)) and endpoint names that do not resolve
    are found after reading the live interface, still before any change.
  - Messages name a peer by its place in O(peers) (for example C(peers[2])), never by a key, because what
    is given as a public key may be a private one.
  - Secrets stay secret. Preshared keys are handed to C(wg) in files in a private directory under
    C(/run) (mode C(0700), files C(0600), removed right after the call), never on a command line, and
    never appear in the result, the diff, a warning or an error message.
author:
  - multisite.vpn developers (@multisite-vpn)
options:
  interface:
    description:
      - The WireGuard interface, for example V(wg0). It must exist, except in check mode.
      - At most 15 characters, without whitespace, C(/) or C(:), and not V(.) or V(..).
    type: str
    required: true
  peers:
    description:
      - The peers of O(interface), in the order they are written to O(config_path).
      - An empty list with O(exclusive=true) removes every peer, and is refused unless O(allow_empty=true).
    type: list
    elements: dict
    required: true
    suboptions:
      public_key:
        description:
          - The peer's public key, as C(wg pubkey) prints it (44 characters of base64 ending in C(=)).
        type: str
        required: true
      allowed_ips:
        description:
          - The networks routed to this peer and accepted from it, IPv4 or IPv6 in CIDR form.
          - A network with host bits set is taken as its network, as C(wg) does
            (V(192.168.31.5/24) is V(192.168.31.0/24)); the list is compared as a set.
          - The allowed IPs of two peers may not overlap at all, even when one is inside the other (C(wg)
            would route by longest prefix, which in this collection is always a mistake). With
            O(exclusive=false) they may not overlap a peer that is not listed but stays either.
          - An empty list clears the peer's allowed IPs.
        type: list
        elements: str
        default: []
      endpoint:
        description:
          - Where to send this peer's packets, V(host:port) with a port from 1 to 65535. The host is an
            IPv4 address (V(198.51.100.11:51820)), an IPv6 address in brackets (V([2001:db8::1]:51820)), or a
            DNS name (V(hub.example.net:51820)).
          - When absent, the live endpoint is not compared and not changed. Use this on hubs, which learn
            each spoke's endpoint from its packets (the spoke roams behind CGNAT).
          - A DNS name is resolved when the module runs. The endpoint is unchanged when the live address is
            one of the name's addresses and the port is the same; otherwise C(wg) is given the name and
            resolves it. A name that does not resolve makes the module fail, unless the peer already has a
            live endpoint, which is then kept with a warning.
          - Written to O(config_path) as given, so that a DNS name is resolved again at boot.
        type: str
      persistent_keepalive:
        description:
          - Seconds between keepalive packets, from 0 to 65535. V(0) or absent turns keepalive off.
          - Set it (typically V(25)) on the side behind NAT or CGNAT, towards the peer it must stay
            reachable from.
        type: int
      preshared_key:
        description:
          - A preshared key as C(wg genpsk) prints it, added to the handshake for post-quantum resistance.
          - When absent, a live preshared key of this peer is removed.
          - Never logged or returned. It is written to O(config_path), which is why that file is mode C(0600).
        type: str
  exclusive:
    description:
      - Also remove the live peers that O(peers) does not list, and leave them out of O(config_path).
      - With V(false), peers that are not listed are left alone, live and in O(config_path). Use V(false)
        when a play covers only some of the peers (for example with C(--limit)).
    type: bool
    default: false
  allow_empty:
    description:
      - Allow O(exclusive=true) with an empty O(peers), which removes every peer.
      - Without it that combination is refused, because it almost always comes from an empty inventory
        group and would cut every tunnel of a hub.
    type: bool
    default: false
  config_path:
    description:
      - The peers file, owned by this module and rewritten whenever its content differs. It holds
        C([Peer]) sections in the format of wg(8) under a header comment, mode C(0600); its directory is
        created (mode C(0700)) when missing.
      - With O(exclusive=true) it holds exactly the listed peers. Otherwise it holds the listed peers, then
        the peers it already held that are not listed.
      - Defaults to C(/etc/wireguard/<interface>.peers.conf).
    type: path
extends_documentation_fragment:
  - multisite.vpn.attributes
  - multisite.vpn.attributes.platform
attributes:
  check_mode:
    support: full
    details:
      - Reads the live peers with C(wg show) and resolves DNS names as a real run does, and reports the
        same changes, but changes nothing and writes no file.
      - When the interface does not exist yet, its peers are taken to be none, with a warning.
  diff_mode:
    support: full
    details:
      - Returns the live peers before and after as a table, one line per peer, with C(psk set) or
        C(psk none) in place of the preshared key. The content of O(config_path) is not shown, because it
        holds preshared keys.
  idempotent:
    support: full
    details:
      - Given that the DNS names of endpoints resolve to the same addresses on both runs. When a name moves
        to another address, the endpoint is set again, which is the point of giving a name.
  platform:
    platforms: posix
    details:
      - Linux with C(wireguard-tools) (the C(wg) command) installed.
notes:
  - Changing peers needs root, so tasks using this module normally set C(become).
  - This module never changes the interface itself (private key, listen port, addresses). C(wg-quick)
    and its configuration do that.
  - A live endpoint cannot be removed with C(wg set). Leaving O(peers[].endpoint) out keeps whatever
    endpoint the peer has.
  - C(wg addconf) resolves the DNS names in O(config_path) at boot and fails when one does not resolve,
    which makes C(wg-quick) take the interface down again. The C(wg-quick@) unit starts after
    C(network-online.target) and C(nss-lookup.target), and C(wg) retries a name for a while (see
    C(WG_ENDPOINT_RESOLUTION_RETRIES) in wg(8)).
seealso:
  - name: wg(8)
    description: The C(wg set) command and the configuration file format.
    link: https://git.zx2c4.com/wireguard-tools/about/src/man/wg.8
  - name: wg-quick(8)
    description: C(PostUp), which loads O(config_path) at boot.
    link: https://git.zx2c4.com/wireguard-tools/about/src/man/wg-quick.8
"""

EXAMPLES = r"""
- name: Hub with two spokes; spokes roam behind CGNAT, so no endpoints here
  multisite.vpn.wireguard_peer:
    interface: wg0
    exclusive: true
    peers:
      - public_key: "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="
        allowed_ips: [192.168.31.2/32, "fd00:31::2/128", 100.64.1.0/24]
      - public_key: "TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0="
        allowed_ips: [192.168.31.3/32]
        preshared_key: "{{ vault_psk_spoke_us }}"
  become: true

- name: Spoke towards a hub whose address changes, kept open through CGNAT
  multisite.vpn.wireguard_peer:
    interface: wg-hub1
    peers:
      - public_key: "{{ hostvars['hub-oci'].wireguard_public_key }}"
        endpoint: hub-oci.example.net:51820
        persistent_keepalive: 25
        allowed_ips: [192.168.31.0/24]
  become: true

- name: Add or change only the peers of the hosts in this play; other peers stay
  multisite.vpn.wireguard_peer:
    interface: wg0
    peers: "{{ groups['spokes'] | map('extract', hostvars, 'wireguard_peer') | list }}"
  become: true

- name: Set the peers of a hub and keep what wg reports
  multisite.vpn.wireguard_peer:
    interface: wg0
    peers: "{{ hub_peers_wanted }}"
  register: hub_peers
  become: true

- name: List the peers without a usable session (no handshake for 180 seconds)
  ansible.builtin.debug:
    msg: >-
      {{ hub_peers.peers | rejectattr('latest_handshake_age', 'none')
         | selectattr('latest_handshake_age', 'gt', 180) | map(attribute='public_key') | list }}
"""

RETURN = r"""
added:
  description: Public keys of the peers that were (or in check mode would be) added.
  returned: always
  type: list
  elements: str
  sample:
    - TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0=
removed:
  description: Public keys of the live peers that were (or would be) removed. Always empty without O(exclusive=true).
  returned: always
  type: list
  elements: str
  sample: []
updated:
  description:
    - For each live peer that was (or would be) changed, its public key and the fields that changed, among
      V(preshared_key), V(endpoint), V(persistent_keepalive) and V(allowed_ips).
  returned: always
  type: dict
  sample:
    xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=:
      - allowed_ips
config_changed:
  description: Whether O(config_path) was (or would be) rewritten, for its content or its mode.
  returned: always
  type: bool
  sample: true
peers:
  description:
    - The live peers after the call, as C(wg show) reports them. In check mode, and when nothing changed,
      the live peers as they are.
    - Empty in check mode when the interface does not exist.
  returned: always
  type: list
  elements: dict
  contains:
    public_key:
      description: The peer's public key.
      type: str
      returned: always
      sample: xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=
    allowed_ips:
      description: The peer's allowed IPs, as networks.
      type: list
      elements: str
      returned: always
      sample: [192.168.31.2/32]
    endpoint:
      description: The address and port packets are sent to, or V(null) when not known yet.
      type: str
      returned: always
      sample: 198.51.100.101:40312
    persistent_keepalive:
      description: Seconds between keepalive packets, V(0) when off.
      type: int
      returned: always
      sample: 25
    has_preshared_key:
      description: Whether the peer has a preshared key. The key itself is never returned.
      type: bool
      returned: always
      sample: false
    latest_handshake:
      description: Time of the latest handshake in seconds since the epoch, or V(null) when there was none.
      type: int
      returned: always
      sample: 1795310742
    latest_handshake_age:
      description:
        - Seconds since the latest handshake, or V(null) when there was none. Above about 180 the session
          is no longer usable.
      type: int
      returned: always
      sample: 17
    transfer_rx:
      description: Bytes received from the peer.
      type: int
      returned: always
      sample: 1488
    transfer_tx:
      description: Bytes sent to the peer.
      type: int
      returned: always
      sample: 2960
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_key import WireGuardError
from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_peer_ensure import ensure_peers
from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_peer_input import PEER_OPTIONS, validate_arguments
from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_peers_file import default_config_path


def main():
    module = AnsibleModule(
        argument_spec=dict(
            interface=dict(type="str", required=True),
            peers=dict(type="list", elements="dict", required=True, options=PEER_OPTIONS),
            exclusive=dict(type="bool", default=False),
            allow_empty=dict(type="bool", default=False),
            config_path=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    interface = module.params["interface"]
    try:
        desired = validate_arguments(interface, module.params["peers"], module.params["exclusive"], module.params["allow_empty"])
        wg = module.get_bin_path("wg")
        if wg is None:
            raise WireGuardError("wireguard-tools is not installed (wg not found)")
        config_path = module.params["config_path"] or default_config_path(interface)
        result, diff = ensure_peers(module, wg, interface, desired, module.params["exclusive"], config_path)
    except WireGuardError as err:
        module.fail_json(msg=str(err))
    if module._diff:
        result["diff"] = diff
    module.exit_json(**result)


if __name__ == "__main__":
    main()
