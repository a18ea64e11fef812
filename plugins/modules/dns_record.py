#!/usr/bin/python
# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: dns_record
short_description: Make DNS record sets exactly what is asked, by RFC 2136 or a provider's API
description:
  - Ensures one record set (O(name), O(type), O(values)) or many (O(records)) in one call, so that a
    host publishes all of its names in one task. A record set is every record of one name and type.
    After the call it holds exactly O(values), and an old address is never left beside a new one.
  - The current record sets are read from the provider first; only the ones that differ are written,
    all changes to one zone together (one RFC 2136 UPDATE, or one deSEC bulk call), then read back.
  - Values are compared in canonical form, so C(2001:DB8:0::1) matches C(2001:db8::1), and the order
    of values never matters.
  - Names may be relative to O(zone) (V(www)), or full with or without the final dot
    (V(www.example.net), V(www.example.net.)), and all three name the same record. V(@) or the zone's own
    name is its apex. Internationalised names are converted to punycode. A full name outside the zone
    is refused.
  - An address can come from the host itself. O(records[].address_from) reads an interface (its
    global addresses, never temporary, deprecated, tentative or link-local IPv6 ones) or asks a URL,
    such as a cloud's metadata endpoint, that answers with the address.
  - Everything given is checked before anything is sent to the provider, and a bad value, name, TTL,
    key or token ends with one message naming the option.
  - Providers are V(rfc2136) (any server that takes TSIG-signed dynamic updates, such as BIND, Knot, PowerDNS),
    V(cloudflare) (API v4), V(desec) and V(vultr) (API v2).
author:
  - multisite.vpn developers (@multisite-vpn)
options:
  provider:
    description: Where the records live.
    type: str
    choices: [rfc2136, cloudflare, desec, vultr]
    default: rfc2136
  zone:
    description:
      - The zone (domain) that holds the records, e.g. V(example.net).
      - Required for V(cloudflare), V(desec) and V(vultr). With V(rfc2136) it may be left out when every
        name is full; the zone of each name is then asked of O(server) (an SOA query to the
        authoritative server itself, never through a resolver that could see another view).
    type: str
  name:
    description:
      - The record set's name, for a call with one record set. Use O(records) for several.
    type: str
  type:
    description: The record set's type, for a call with one record set.
    type: str
    choices: [A, AAAA, CNAME, TXT]
  values:
    description:
      - Every value of the record set, for a call with one record set.
      - V(A) and V(AAAA) take addresses of their family; V(CNAME) exactly one name (a name without any dot
        is relative to O(zone), one with a dot is full); V(TXT) any text, split into strings of 255
        octets on the wire. A V(TXT) value in double quotes is read as zone file strings.
    type: list
    elements: raw
  address_from:
    description: Take the value of an V(A) or V(AAAA) record set from the host, for a call with one record set.
    type: dict
    suboptions: &address_from
      interface:
        description:
          - Publish the global addresses of this interface of the host that runs the module.
          - IPv6 addresses that are temporary (privacy extensions), deprecated, tentative or failed
            duplicate address detection are skipped, as are link-local and host-scope addresses. An
            interface with none left is an error.
        type: str
      url:
        description:
          - Publish the address this URL answers with (plain text, exactly one address of the record's
            family), e.g. a cloud metadata endpoint or an address reflector of your own.
          - For the external IPv4 address of a Google Cloud VM use
            C(http://169.254.169.254/computeMetadata/v1/instance/network-interfaces/0/access-configs/0/external-ip)
            with O(address_from.headers) C(Metadata-Flavor=Google).
          - For a Vultr VM, C(http://169.254.169.254/v1/interfaces/0/ipv4/address).
        type: str
      headers:
        description: HTTP headers sent with O(address_from.url).
        type: dict
  ttl:
    description:
      - Time to live of the record set in seconds, 1 to 2147483647; with O(records), the default of every item.
      - Providers narrow it. Cloudflare takes 1 (automatic) or 60 to 86400, deSEC at least the domain's
        minimum (3600 unless lowered) and at most 86400.
      - The TTL is part of the record set; a set with another TTL is changed.
    type: int
    default: 300
  state:
    description:
      - V(present) makes the record set hold exactly its values; V(absent) removes the whole record set
        (give no values). With O(records), the default of every item.
    type: str
    choices: [present, absent]
    default: present
  records:
    description:
      - Several record sets in one call, each a dictionary with the options of a single one.
      - Each name and type may appear once. A CNAME cannot share its name with another record set, in the
        call or on the server, unless the call removes that other set.
    type: list
    elements: dict
    suboptions:
      name:
        description: As O(name).
        type: str
        required: true
      type:
        description: As O(type).
        type: str
        required: true
        choices: [A, AAAA, CNAME, TXT]
      values:
        description: As O(values).
        type: list
        elements: raw
      address_from:
        description: As O(address_from).
        type: dict
        suboptions: *address_from
      ttl:
        description: As O(ttl); the top-level O(ttl) when left out.
        type: int
      state:
        description: As O(state); the top-level O(state) when left out.
        type: str
        choices: [present, absent]
  server:
    description:
      - V(rfc2136) only. The primary server of the zone, by address or name (a name is looked up once,
        with the host's resolver).
      - Queries and updates go over UDP, and over TCP when an answer is truncated or an update is large.
    type: str
  port:
    description: V(rfc2136) only. The server's port.
    type: int
    default: 53
  key_name:
    description:
      - V(rfc2136) only. The name of the TSIG key that signs updates, e.g. as made by
        C(tsig-keygen -a hmac-sha256 NAME). Without a key, updates are sent unsigned.
    type: str
  key_secret:
    description: V(rfc2136) only. The key's secret (base64). Never shown.
    type: str
  key_algorithm:
    description:
      - V(rfc2136) only. The key's algorithm. Say it, because C(tsig-keygen) makes V(hmac-sha256) keys, while
        some tools default to V(hmac-md5).
    type: str
    choices: [hmac-md5, hmac-sha1, hmac-sha224, hmac-sha256, hmac-sha384, hmac-sha512]
    default: hmac-sha256
  api_token:
    description:
      - V(cloudflare), V(desec), V(vultr). The API token (Cloudflare, deSEC) or key (Vultr). Never shown.
      - Read from E(CLOUDFLARE_API_TOKEN), E(DESEC_TOKEN) or E(VULTR_API_KEY) when not given.
      - Give each host a token that can change only what it publishes where the provider allows it
        (deSEC token policies); Cloudflare tokens are scoped to whole zones.
    type: str
  api_url:
    description:
      - V(cloudflare), V(desec), V(vultr). The API's base URL, when not the provider's public one
        (C(https://api.cloudflare.com/client/v4), C(https://desec.io/api/v1), C(https://api.vultr.com/v2)).
    type: str
  timeout:
    description: Seconds to wait for each answer of the server, the API or O(address_from.url).
    type: float
    default: 10
extends_documentation_fragment:
  - multisite.vpn.attributes
attributes:
  check_mode:
    support: full
    details:
      - Reads everything a real run reads (the server's record sets, the interface or URL) and writes nothing.
  diff_mode:
    support: full
    details:
      - One diff per record set that changes, in zone file form.
  idempotent:
    support: full
notes:
  - Run it on the host whose address it publishes when the address comes from that host (O(address_from));
    the host then needs dnspython for V(rfc2136) (Debian C(python3-dnspython)). Run it with
    C(delegate_to=localhost) to publish from the controller with addresses it already knows.
  - Reads ask the authoritative server (or the API) directly, so a change is seen at once, whatever
    resolvers cache.
  - The same code runs between Ansible runs on hubs that publish themselves (role
    C(multisite.vpn.dns_publish), O(address_from) with a systemd timer).
seealso:
  - name: RFC 2136
    description: Dynamic updates in the Domain Name System.
    link: https://www.rfc-editor.org/rfc/rfc2136
  - name: Cloudflare DNS records API
    description: The v4 API this module uses for Cloudflare.
    link: https://developers.cloudflare.com/api/resources/dns/subresources/records/
  - name: deSEC RRset API
    description: The API this module uses for deSEC.
    link: https://desec.readthedocs.io/en/latest/dns/rrsets.html
"""

EXAMPLES = r"""
- name: A hub publishes its own addresses, read from its WAN interface
  multisite.vpn.dns_record:
    server: ns1.example.net
    zone: vpn.example.net
    key_name: hub-oci
    key_secret: "{{ vault_hub_oci_tsig_secret }}"
    records:
      - {name: hub-oci, type: A, address_from: {interface: eth0}}
      - {name: hub-oci, type: AAAA, address_from: {interface: eth0}}
    ttl: 60

- name: A Google Cloud hub publishes its external IPv4 address, from the metadata server
  multisite.vpn.dns_record:
    provider: cloudflare
    zone: example.net
    api_token: "{{ vault_cloudflare_token }}"
    name: hub-gcp.vpn
    type: A
    address_from:
      url: http://169.254.169.254/computeMetadata/v1/instance/network-interfaces/0/access-configs/0/external-ip
      headers: {Metadata-Flavor: Google}
    ttl: 60

- name: From the controller, with addresses given
  multisite.vpn.dns_record:
    provider: desec
    zone: example.dedyn.io
    api_token: "{{ vault_desec_token }}"
    records:
      - {name: www, type: CNAME, values: [home.example.dedyn.io]}
      - {name: "@", type: TXT, values: ["v=spf1 -all"]}
      - {name: old, type: A, state: absent}
    ttl: 3600
  delegate_to: localhost

- name: An internationalised name, zone found from the server
  multisite.vpn.dns_record:
    server: 192.0.2.53
    key_name: ddns
    key_secret: "{{ vault_tsig_secret }}"
    name: bücher.example.net.
    type: AAAA
    values: ["2001:db8::10"]
"""

RETURN = r"""
records:
  description: Every record set of the call, in the order given, with what it was and what it is (or would be).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The full name, in punycode, with the final dot.
      type: str
      sample: hub-oci.vpn.example.net.
    type:
      description: The record type.
      type: str
      sample: A
    zone:
      description: The zone that holds it.
      type: str
      sample: vpn.example.net.
    action:
      description: What was (or in check mode would be) done.
      type: str
      sample: update
      choices: [create, update, delete, none]
    before:
      description: TTL and values before; null when there was no record set.
      type: dict
      sample: {ttl: 60, values: [198.51.100.11]}
    after:
      description: TTL and values after; null when the record set is gone.
      type: dict
      sample: {ttl: 60, values: [198.51.100.31]}
"""

import os

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.multisite.vpn.plugins.module_utils.dns.ensure import ensure
from ansible_collections.multisite.vpn.plugins.module_utils.dns.records import DnsError
from ansible_collections.multisite.vpn.plugins.module_utils.dns.rfc2136 import ALGORITHMS, HAS_DNSPYTHON

RECORD_TYPES = ["A", "AAAA", "CNAME", "TXT"]
STATES = ["present", "absent"]
ADDRESS_FROM = dict(interface=dict(type="str"), url=dict(type="str"), headers=dict(type="dict"))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            provider=dict(type="str", choices=["rfc2136", "cloudflare", "desec", "vultr"], default="rfc2136"),
            zone=dict(type="str"),
            name=dict(type="str"),
            type=dict(type="str", choices=RECORD_TYPES),
            values=dict(type="list", elements="raw"),
            address_from=dict(type="dict", options=ADDRESS_FROM),
            ttl=dict(type="int", default=300),
            state=dict(type="str", choices=STATES, default="present"),
            records=dict(type="list", elements="dict", options=dict(
                name=dict(type="str", required=True),
                type=dict(type="str", required=True, choices=RECORD_TYPES),
                values=dict(type="list", elements="raw"),
                address_from=dict(type="dict", options=ADDRESS_FROM),
                ttl=dict(type="int"),
                state=dict(type="str", choices=STATES),
            )),
            server=dict(type="str"),
            port=dict(type="int", default=53),
            key_name=dict(type="str", no_log=False),
            key_secret=dict(type="str", no_log=True),
            key_algorithm=dict(type="str", choices=list(ALGORITHMS), default="hmac-sha256"),
            api_token=dict(type="str", no_log=True),
            api_url=dict(type="str"),
            timeout=dict(type="float", default=10),
        ),
        mutually_exclusive=[("records", "name"), ("records", "values"), ("records", "address_from"), ("values", "address_from")],
        required_one_of=[("records", "name")],
        supports_check_mode=True,
    )
    params = dict(module.params)
    if params["provider"] == "rfc2136" and not HAS_DNSPYTHON:
        module.fail_json(msg=missing_required_lib("dnspython", reason="for provider rfc2136 (Debian: python3-dnspython)"))
    try:
        result = ensure(params, module.check_mode, module._diff, run_command=module.run_command, environ=os.environ)
    except DnsError as err:
        module.fail_json(msg=str(err))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
