#!/usr/bin/python
# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: iptables_accept
short_description: ACCEPT rules in front of a provider's iptables REJECT rules, live and in the rules file
description:
  - Some cloud images load iptables rules of their own at boot. Oracle Cloud's Ubuntu images load
    C(/etc/iptables/rules.v4), which ends the C(INPUT) and C(FORWARD) chains with C(REJECT). Those chains run
    besides any nftables table, and a packet must pass both. This module puts ACCEPT rules in front of such
    rules, live and in the rules file, so that the next boot keeps them.
  - Reads the live rules once, with C(iptables -S). A chain of O(rules) is handled only when it ends packets
    there, with a rule that jumps to C(REJECT) or C(DROP), or with policy C(DROP). Other chains, and hosts
    without such rules, are left alone, and so is a host without C(iptables), where the module does
    nothing.
  - Live, each missing rule is inserted at the top of its chain (C(iptables -I CHAIN 1)), the rules of one
    chain in the order given. A rule is in place when it is there before the chain's first REJECT or DROP
    rule. A rule of the chain that carries the comment of one of O(rules) but differs from it (an older
    port or interface) is deleted, and so is a copy of a rule that is not in place.
  - In O(rules_file), the same. Each missing line goes before the chain's first C(-A CHAIN ... -j REJECT) or
    C(-j DROP) line of the C(*filter) table (when the file's chain has none, after its last rule, or before
    C(COMMIT)), and lines with a rule's comment that differ from it are removed. The rest of the file,
    its mode and its owner stay.
  - 'Rules are compared as the text C(iptables -S) prints, which is also the file''s line, for example
    C(-A INPUT -p udp -m udp --dport 51820 -m comment --comment "multisite.vpn: WireGuard" -j ACCEPT).'
  - Every rule is checked before anything is read on the host. A chain or interface name iptables would
    refuse, a port outside 1-65535 or without a protocol, a rule that would match every packet, a comment
    that is empty, too long or holds quotes or backslashes, and two rules of a chain with one comment fail
    with one message naming each rule, and nothing is changed.
author:
  - multisite.vpn developers (@multisite-vpn)
options:
  rules:
    description:
      - The ACCEPT rules, in the order they should have at the top of their chains.
    type: list
    elements: dict
    required: true
    suboptions:
      chain:
        description: The chain of the C(filter) table, for example V(INPUT) or V(FORWARD).
        type: str
        required: true
      protocol:
        description: The protocol to match.
        type: str
        choices: [tcp, udp]
      destination_port:
        description: The destination port to match, from 1 to 65535; needs O(rules[].protocol).
        type: int
      in_interface:
        description: The interface packets arrive on; a name ending in C(+) matches every interface it begins.
        type: str
      out_interface:
        description: The interface packets leave through; a name ending in C(+) matches every interface it begins.
        type: str
      comment:
        description:
          - 'Names the rule, live and in O(rules_file). Another rule of the same chain with this comment is taken
            for an older version of this one and deleted, so give each rule a comment of its own, such as
            V(multisite.vpn: WireGuard).'
          - 1 to 255 printable ASCII characters without quotes or backslashes, not starting or ending with a
            space.
        type: str
        required: true
  rules_file:
    description:
      - The rules file loaded at boot, in C(iptables-save) format. When it is absent the rules are live only;
        when it has no C(*filter) table the module warns and leaves it.
    type: path
    default: /etc/iptables/rules.v4
extends_documentation_fragment:
  - multisite.vpn.attributes
  - multisite.vpn.attributes.platform
attributes:
  check_mode:
    support: full
    details:
      - Reads the live rules and the rules file as a real run does and reports the same rules to delete and to
        insert, but runs no C(iptables) besides the read and writes nothing.
  diff_mode:
    support: full
    details:
      - Returns the live rules of the chains of O(rules) before and after, as C(iptables -S) prints them, and
        the rules file before and after.
  idempotent:
    support: full
  platform:
    platforms: posix
    details:
      - Linux. IPv4 only (C(iptables), not C(ip6tables)).
notes:
  - Changing iptables rules needs root, so tasks using this module normally set C(become).
  - When C(iptables -S) fails (not root, or no iptables support in the kernel) the module warns and changes
    nothing.
seealso:
  - name: iptables(8)
    description: C(-S), C(-I) and C(-D).
    link: https://www.netfilter.org/projects/iptables/
"""

EXAMPLES = r"""
- name: Accept WireGuard and tunnel forwarding in front of Oracle Cloud's REJECT rules
  multisite.vpn.iptables_accept:
    rules:
      - chain: INPUT
        protocol: udp
        destination_port: 51820
        comment: "multisite.vpn: WireGuard"
      - chain: FORWARD
        in_interface: wg-oci
        out_interface: wg-oci
        comment: "multisite.vpn: site to site"
  become: true
"""

RETURN = r"""
rejecting_chains:
  description: The chains of O(rules) that end packets with REJECT or DROP in the live rules, the only ones handled.
  returned: always
  type: list
  elements: str
  sample: [INPUT, FORWARD]
inserted:
  description: The live rules that were (or in check mode would be) inserted, as C(iptables -S) prints them.
  returned: always
  type: list
  elements: str
  sample:
    - '-A INPUT -p udp -m udp --dport 51820 -m comment --comment "multisite.vpn: WireGuard" -j ACCEPT'
deleted:
  description: The live rules that were (or would be) deleted, older versions of O(rules) or misplaced copies.
  returned: always
  type: list
  elements: str
  sample:
    - '-A INPUT -p udp -m udp --dport 51821 -m comment --comment "multisite.vpn: WireGuard" -j ACCEPT'
file_changed:
  description: Whether O(rules_file) was (or would be) rewritten.
  returned: always
  type: bool
  sample: true
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.multisite.vpn.plugins.module_utils import iptables_accept as accept
from ansible_collections.multisite.vpn.plugins.module_utils.files import FileReadError, FileWriteError


def main():
    module = AnsibleModule(
        argument_spec=dict(
            rules=dict(
                type="list",
                elements="dict",
                required=True,
                options=dict(
                    chain=dict(type="str", required=True),
                    protocol=dict(type="str", choices=["tcp", "udp"]),
                    destination_port=dict(type="int"),
                    in_interface=dict(type="str"),
                    out_interface=dict(type="str"),
                    comment=dict(type="str", required=True),
                ),
            ),
            rules_file=dict(type="path", default="/etc/iptables/rules.v4"),
        ),
        supports_check_mode=True,
    )
    result = dict(changed=False, rejecting_chains=[], inserted=[], deleted=[], file_changed=False)

    try:
        rules = accept.check_rules(module.params["rules"])
        rules_file = module.params["rules_file"]
        if not rules_file.startswith("/"):
            raise accept.IptablesError("rules_file: %r is not an absolute path; give one such as /etc/iptables/rules.v4" % rules_file)
        binary = module.get_bin_path("iptables")
        if binary is None:
            module.exit_json(msg="iptables not found: no iptables rules to pass", **result)
        rc, out, err = module.run_command([binary, "-S"])
        if rc != 0:
            module.warn("iptables -S failed, so no iptables rule was checked: %s" % ((err or out).strip() or "exit status %d" % rc))
            module.exit_json(**result)
        live = out.splitlines()
        plan = accept.plan_live(live, rules)
        owned, warning = accept.read_rules_file(rules_file, rules, plan["rejecting_chains"]) if plan["rejecting_chains"] else (None, None)
        if warning:
            module.warn(warning)

        if not module.check_mode:
            for line in plan["deleted"]:
                accept.iptables(module, binary, accept.delete_argv(line))
            for argv in accept.insert_argvs(plan["inserted"]):
                accept.iptables(module, binary, argv)
            if owned is not None:
                owned.write()
    except (accept.IptablesError, FileReadError, FileWriteError) as err:
        module.fail_json(msg=str(err))

    file_changed = owned is not None and owned.changed
    result.update(
        changed=bool(plan["inserted"] or plan["deleted"] or file_changed),
        rejecting_chains=plan["rejecting_chains"],
        inserted=plan["inserted"],
        deleted=plan["deleted"],
        file_changed=file_changed,
    )
    if module._diff:
        chains = {rule["chain"] for rule in rules}
        result["diff"] = [dict(
            before_header="iptables -S (live)",
            after_header="iptables -S (live)",
            before=accept.chain_lines(live, chains),
            after=accept.chain_lines(accept.predict_live(live, plan), chains),
        )]
        if owned is not None:
            result["diff"].append(owned.diff())
    module.exit_json(**result)


if __name__ == "__main__":
    main()
