# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Peers for the tests of the wireguard_peer helpers, as the helpers pass them around, and a fake resolver."""

from __future__ import annotations

import socket


def wanted(key, allowed_ips=(), endpoint=None, keepalive=0, psk=None):
    """A normalised desired peer, as validate_peers returns it."""
    return dict(
        public_key=key,
        allowed_ips=list(allowed_ips),
        endpoint=endpoint,
        persistent_keepalive=keepalive,
        preshared_key=psk,
    )


def live(key, allowed_ips=(), endpoint=None, keepalive=0, psk=None, handshake=0, rx=0, tx=0):
    """A live peer, as parse_dump returns it."""
    return dict(
        wanted(key, allowed_ips, endpoint, keepalive, psk),
        latest_handshake=handshake,
        transfer_rx=rx,
        transfer_tx=tx,
    )


def fake_resolver(monkeypatch, socket_module):
    """Replace SOCKET_MODULE.getaddrinfo: its .names maps a host name to its addresses, others do not
    resolve; its .asked records every question."""
    names = {}
    asked = []

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        asked.append((host, port, type))
        if host not in names:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_DGRAM, 17, "", (address, port))
            for address in names[host]
        ]

    monkeypatch.setattr(socket_module, "getaddrinfo", getaddrinfo)
    getaddrinfo.names = names
    getaddrinfo.asked = asked
    return getaddrinfo
