# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the multisite.vpn.wireguard_peer module shows: the peers it returns and its diff.

A preshared key is never shown: the result says whether a peer has one, the diff table says C(set)
or C(none).
"""

from __future__ import annotations

from ansible_collections.multisite.vpn.plugins.module_utils.wireguard_dump import NONE


def peer_table(peers: list[dict]) -> str:
    """Return one line per peer, sorted by public key, for diff mode; a preshared key shows as 'set'."""
    lines = []
    for peer in sorted(peers, key=lambda item: item["public_key"]):
        lines.append(
            "%s  allowed-ips: %s  endpoint: %s  keepalive: %s  psk: %s\n"
            % (
                peer["public_key"],
                ",".join(peer["allowed_ips"]) or NONE,
                peer["endpoint"] or NONE,
                peer["persistent_keepalive"] or "off",
                "set" if peer["preshared_key"] else "none",
            )
        )
    return "".join(lines)


def build_diff(interface: str, config_path: str, before: list[dict], after: list[dict]) -> dict:
    return dict(
        before_header="peers of %s" % interface,
        after_header="peers of %s (persisted in %s)" % (interface, config_path),
        before=peer_table(before),
        after=peer_table(after),
    )


def live_result(peers: list[dict], now: float) -> list[dict]:
    """Return the live peers as the module reports them: no preshared key, only whether one is set."""
    result = []
    for peer in peers:
        handshake = peer["latest_handshake"] or None
        result.append(
            dict(
                public_key=peer["public_key"],
                allowed_ips=list(peer["allowed_ips"]),
                endpoint=peer["endpoint"],
                persistent_keepalive=peer["persistent_keepalive"],
                has_preshared_key=peer["preshared_key"] is not None,
                latest_handshake=handshake,
                latest_handshake_age=None if handshake is None else max(0, int(now) - handshake),
                transfer_rx=peer["transfer_rx"],
                transfer_tx=peer["transfer_tx"],
            )
        )
    return result
