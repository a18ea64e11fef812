# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""All peers of one interface made what the caller asks, live and in the peers file, in one step: the whole run of
the wireguard_peer module, and the peers part of the wireguard_interface module.

Read the live interface, check the input against it, plan, apply the difference with one C(wg set), write the peers
file, read the result back. Check mode reads and plans only.
"""

from __future__ import annotations

import time

from ansible_collections.multisite.vpn.plugins.module_utils.files import FileReadError, read_file
from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_dump import missing_interface_message, read_dump
from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_key import WireGuardError
from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_peer_input import check_against_interface
from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_peer_plan import diff_peers, has_changes, predict_peers
from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_peer_report import build_diff, live_result
from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_peers_file import (
    CONF_MODE,
    parse_peers_conf,
    render_peers_conf,
    write_peers_file,
)
from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_set import apply_changes


def ensure_peers(module, wg: str, interface: str, desired: list[dict], exclusive: bool, config_path: str) -> tuple[dict, dict]:
    """Make the peers of INTERFACE the validated DESIRED peers (all of them with EXCLUSIVE); return the result
    fields (changed, added, removed, updated, config_changed, peers) and the diff. Raises WireGuardError.

    A missing interface is an error, except in check mode, where its peers are taken to be none with a warning.
    """
    # The interface's private key goes to no_log_values here: even given as a peer's public key
    # (refused just below), it is masked in the module's arguments as they are returned.
    live = read_dump(module, wg, interface)
    if live is None:
        if not module.check_mode:
            raise WireGuardError(missing_interface_message(interface))
        module.warn("interface %s does not exist yet; its peers are taken to be none" % interface)
        live = dict(peers=[], private_key_digest=None, public_key=None)
    check_against_interface(desired, interface, live["private_key_digest"], live["public_key"])
    secrets = [peer["preshared_key"] for peer in live["peers"] + desired if peer["preshared_key"]]
    # The dump shows preshared keys in clear: mask them in anything the module returns.
    module.no_log_values.update(secrets)

    try:
        file_bytes, file_mode = read_file(config_path)
    except FileReadError as err:
        raise WireGuardError(str(err)) from err
    file_text = "" if file_bytes is None else file_bytes.decode("utf-8", "replace")
    file_peers = [] if exclusive else parse_peers_conf(file_text, config_path)
    plan = diff_peers(desired, live["peers"], exclusive, file_peers)
    for warning in plan["warnings"]:
        module.warn(warning)
    conf_after = render_peers_conf(interface, plan["conf_peers"])
    config_changed = file_bytes != conf_after.encode("utf-8") or file_mode != CONF_MODE
    live_changed = has_changes(plan)

    after = live
    if not module.check_mode:
        if live_changed:
            apply_changes(module, wg, interface, plan, secrets)
        if config_changed:
            write_peers_file(config_path, conf_after)
        if live_changed:
            after = read_dump(module, wg, interface) or dict(peers=[])

    result = dict(
        changed=live_changed or config_changed,
        added=plan["added"],
        removed=plan["removed"],
        updated=plan["updated"],
        config_changed=config_changed,
        peers=live_result(after["peers"], time.time()),
    )
    return result, build_diff(interface, config_path, live["peers"], predict_peers(live["peers"], plan))
