# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What is wrong with the variables of role multisite.vpn.ix, found on the controller before anything is sent.

Each problem is one message that starts with the name of the variable to fix. A secret's value never
appears in one: a message says what is wrong with it (empty, whitespace, not a string), never what it is.
The documentation of each filter is in the C(<filter>.yml) file next to this one.
"""

from __future__ import annotations

import ipaddress
import re

# The router's hostname is also its IKEv2 key id and its NetMeister DDNS label (<hostname>.<account>.nmddns.jp):
# letters, digits and hyphens, starting with a letter (IX hostnames) and not ending with a hyphen (DNS).
ROUTER_NAME = re.compile(r"^[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
DNS_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
# User names the IX emulator accepts, as a conservative guess at the router's rule.
USER_NAME = re.compile(r"^[A-Za-z0-9][\w.@-]{0,62}$")
# A LAN needs the router's address and at least one host besides the network and broadcast addresses.
LONGEST_LAN_PREFIX = 30
# The secrets besides the pre-shared keys, which are checked with the peer's.
PASSWORDS = ("ix_pppoe_password", "ix_netmeister_password")
# What YAML makes of an unquoted value that is not text (bool before int: True is an int too).
NOT_TEXT = ((bool, "true or false"), ((int, float), "a number"), (list, "a list"), (dict, "a mapping"))


def _text_problem(value) -> str | None:
    """Why VALUE cannot be one word of a router command (a name or a secret), without showing it; else None."""
    if value is None:
        return "is not set"
    if not isinstance(value, str):
        # YAML reads an unquoted 0123 as octal and 1e5 as a float: the router would get another value than was typed.
        kind = next((name for types, name in NOT_TEXT if isinstance(value, types)), "not text")
        return "is %s, not a string: quote it in YAML (unquoted, 0123 is read as octal and 1e5 as a float)" % kind
    if not value:
        return "is empty"
    if any(character.isspace() for character in value):
        return "contains whitespace, which splits it into several words on the router's command line"
    if not value.isascii() or not value.isprintable():
        return "contains a character that is not printable ASCII, which the router's command line does not take"
    return None


def _ipv4_lan(value):
    """(network, None) for a LAN subnet such as 192.168.100.0/24, else (None, why not)."""
    if not isinstance(value, str) or "/" not in value:
        return None, "%r is not an IPv4 subnet with a prefix length, such as 192.168.100.0/24" % (value,)
    if ":" in value:
        return None, "%r is IPv6: the router's LAN subnet here is IPv4 (IPv6 comes from the ISP by DHCPv6 and RA)" % value
    try:
        network = ipaddress.IPv4Network(value.strip())
    except ValueError:
        network = None
    if network is None:
        try:
            meant = ipaddress.IPv4Network(value.strip(), strict=False)
        except ValueError as error:
            return None, "%r is not an IPv4 subnet such as 192.168.100.0/24 (%s)" % (value, error)
        return None, "%r has host bits set; did you mean %s? (the router takes the subnet's first address)" % (value, meant)
    if network.prefixlen > LONGEST_LAN_PREFIX:
        return None, "%s leaves no address for the router and a host: give a /%d or shorter prefix" % (network, LONGEST_LAN_PREFIX)
    return network, None


def _ipv4_interface(value):
    """(interface, None) for an address with its prefix length such as 192.168.1.254/24, else (None, why not)."""
    if not isinstance(value, str) or "/" not in value or ":" in value:
        return None, "%r is not an IPv4 address with a prefix length, such as 192.168.1.254/24" % (value,)
    try:
        interface = ipaddress.IPv4Interface(value.strip())
    except ValueError as error:
        return None, "%r is not an IPv4 address with a prefix length, such as 192.168.1.254/24 (%s)" % (value, error)
    network = interface.network
    if network.prefixlen < 31 and interface.ip in (network.network_address, network.broadcast_address):
        which = "network" if interface.ip == network.network_address else "broadcast"
        return None, "%s is the %s address of %s: give the router's own address in it, such as %s/%d" % (
            value, which, network, network.broadcast_address - 1, network.prefixlen)
    return interface, None


def _peer_of(name: str, variables: dict, routers: list) -> str:
    """The IKEv2 peer a router names: its ix_ikev2_peer, else (the role's default) the other of a two-router group."""
    if variables.get("ix_ikev2_peer"):
        return variables["ix_ikev2_peer"]
    others = [router for router in routers if router != name]
    return others[0] if len(routers) == 2 and len(others) == 1 else ""


def _peer_problems(name: str, peer_name, peer: dict, routers: list) -> tuple[list[str], bool]:
    """Problems with ix_ikev2_peer, and whether the peer is a router whose variables can be compared."""
    if not peer_name:
        return ["ix_ikev2_peer: not set, and group ix_routers has %d routers (%s), so the role cannot choose the other "
                "router of the pair for you: set it to the router this one makes its tunnels to" % (len(routers), ", ".join(routers) or "none")], False
    if peer_name == name:
        return ["ix_ikev2_peer: %r is this router itself: name the other router of the pair" % peer_name], False
    if peer_name not in routers:
        return ["ix_ikev2_peer: %r is not a router of group ix_routers (%s): name the other router of the pair"
                % (peer_name, ", ".join(routers))], False
    problems = []
    if not ROUTER_NAME.match(peer_name):
        problems.append("ix_ikev2_peer: %r cannot be a router's hostname, IKEv2 key id and DDNS label: use letters, digits and "
                        "'-', starting with a letter, at most 63 characters" % peer_name)
    peers_peer = _peer_of(peer_name, peer, routers)
    if not peers_peer:
        problems.append("ix_ikev2_peer: %s makes its tunnels to %s, which names no peer (its ix_ikev2_peer is unset and group "
                        "ix_routers has %d routers): set its ix_ikev2_peer to %s" % (name, peer_name, len(routers), name))
    elif peers_peer != name:
        problems.append("ix_ikev2_peer: %s makes its tunnels to %s, whose ix_ikev2_peer is %r: the two routers of a pair name each other"
                        % (name, peer_name, peers_peer))
    return problems, True


def _psk_problems(name: str, own, peer_name: str, peer_psk) -> list[str]:
    """Both keys of the pair: this router's (its own IKEv2 id) and its peer's, which this router holds too."""
    problems = []
    why = _text_problem(own)
    if why:
        problems.append("ix_ikev2_psk: the pre-shared key of %s (IKEv2 key id %s) %s" % (name, name, why))
    if peer_psk is None:
        problems.append("ix_ikev2_psk: %s, the IKEv2 peer of %s, has no pre-shared key: each router holds the key of both ids "
                        "(keyid %s and keyid %s), so set ix_ikev2_psk for %s too" % (peer_name, name, name, peer_name, peer_name))
        return problems
    why = _text_problem(peer_psk)
    if why:
        problems.append("ix_ikev2_psk: the pre-shared key of %s (the IKEv2 peer of %s, which holds it too) %s" % (peer_name, name, why))
    elif not _text_problem(own) and own == peer_psk:
        problems.append("ix_ikev2_psk: %s and %s have the same pre-shared key: give each IKEv2 id its own (ix_ikev2_psk per router, "
                        "in its host_vars), as seed 004 does" % (name, peer_name))
    return problems


def _address_problems(router: dict, lan, peer_lan, peer_name) -> list[str]:
    """The WAN address (optional), the address pinged through MAP-E, and the address the controller logs in at."""
    problems = []
    wan_value = router.get("ix_wan_ipv4")
    if wan_value:
        wan, why = _ipv4_interface(wan_value)
        if why:
            problems.append("ix_wan_ipv4: " + why + " (or empty for no IPv4 address on the WAN port)")
        else:
            for other, whose in ((lan, "this router's LAN (ix_lan_ipv4)"), (peer_lan, "the LAN of %s (its ix_lan_ipv4)" % peer_name)):
                if other is not None and wan.network.overlaps(other):
                    problems.append("ix_wan_ipv4: %s overlaps %s %s: the WAN port's subnet must be another one" % (wan_value, whose, other))
    watch_host = router.get("ix_watch_host")
    try:
        # Not an integer: IPv4Address takes 3232235777 for 192.168.1.1, which no one means in an inventory.
        ipaddress.IPv4Address(watch_host.strip() if isinstance(watch_host, str) else "")
    except ValueError:
        problems.append("ix_watch_host: %r is not an IPv4 address: the watch-group pings an address through MAP-E" % (watch_host,))
    host = router.get("ansible_host")
    try:
        login_address = ipaddress.IPv4Address(host.strip()) if isinstance(host, str) else None
    except ValueError:
        login_address = None  # a name: where it points is the resolver's business
    if lan is not None and login_address in lan and login_address != lan.network_address + 1:
        problems.append("ansible_host: %s is in this router's LAN %s, whose address on the router is %s (the first one, "
                        "ix_lan_ipv4): log in at that address" % (login_address, lan, lan.network_address + 1))
    return problems


def ix_pair_problems(router, peer, routers) -> list[str]:
    """What is wrong with the variables of ROUTER and, where ROUTER's configuration uses them, of PEER."""
    router, peer = dict(router or {}), dict(peer or {})
    routers = [str(name) for name in routers or ()]
    name = str(router.get("inventory_hostname"))
    problems = []
    if not ROUTER_NAME.match(name):
        problems.append("inventory_hostname: %r is the router's hostname, IKEv2 key id and DDNS label, so it may hold letters, "
                        "digits and '-' only, start with a letter and have at most 63 characters: rename the host" % name)
    peer_name = router.get("ix_ikev2_peer")
    found, comparable = _peer_problems(name, peer_name, peer, routers)
    problems += found

    lan, why = _ipv4_lan(router.get("ix_lan_ipv4"))
    if why:
        problems.append("ix_lan_ipv4: " + why)
    peer_lan = _ipv4_lan(peer.get("ix_lan_ipv4"))[0] if comparable else None
    # A wrong LAN of the peer is reported by its own run: this router's configuration does not hold it.
    if lan is not None and peer_lan is not None and lan.overlaps(peer_lan):
        problems.append("ix_lan_ipv4: %s overlaps %s, the LAN of %s (the IKEv2 peer): each router routes the other's LAN "
                        "through the tunnel, so the two need ranges of their own (seed 004 moves Kagawa to 192.168.10.0/24)"
                        % (lan, peer_lan, peer_name))
    problems += _address_problems(router, lan, peer_lan, peer_name)

    account = router.get("ix_netmeister_account")
    if not isinstance(account, str) or not DNS_LABEL.match(account):
        problems.append("ix_netmeister_account: %r is part of the routers' DDNS names (<router>.<account>.nmddns.jp), so it "
                        "may hold letters, digits and '-' only" % (account,))
    elif comparable and peer.get("ix_netmeister_account") not in (None, account):
        problems.append("ix_netmeister_account: %s uses %r and its peer %s %r: the tunnels find the peer by its DDNS name under "
                        "this router's account, so both routers must use one account" % (name, account, peer_name, peer["ix_netmeister_account"]))
    username_why = _text_problem(router.get("ix_pppoe_username"))
    if username_why:
        problems.append("ix_pppoe_username: %r %s" % (router.get("ix_pppoe_username"), username_why))
    for password in PASSWORDS:
        why = _text_problem(router.get(password))
        if why:
            problems.append("%s: the value for %s %s" % (password, name, why))
    if comparable:
        problems += _psk_problems(name, router.get("ix_ikev2_psk"), peer_name, peer.get("ix_ikev2_psk"))
    else:
        why = _text_problem(router.get("ix_ikev2_psk"))
        if why:
            problems.append("ix_ikev2_psk: the pre-shared key of %s (IKEv2 key id %s) %s" % (name, name, why))
    return problems


def ix_bootstrap_problems(user, password, login_user, login_password) -> list[str]:
    """What is wrong with the administrator the bootstrap adds (USER, PASSWORD: ansible_user, ansible_password) and the
    login it uses to add it (LOGIN_USER, LOGIN_PASSWORD)."""
    problems = []
    for variable, value in (("ansible_user", user), ("ix_bootstrap_login_user", login_user)):
        why = _text_problem(value)
        if why:
            problems.append("%s: %s" % (variable, why))
        elif not USER_NAME.match(value):
            problems.append("%s: %r cannot be a user name on the router: letters, digits, '.', '_', '@' and '-', starting with a letter "
                            "or digit, at most 63 characters" % (variable, value))
    for variable, value in (("ansible_password", password), ("ix_bootstrap_login_password", login_password)):
        why = _text_problem(value)
        if why:
            problems.append("%s: %s" % (variable, why))
    if not problems and user == login_user and password != login_password:
        problems.append("ansible_password: differs from ix_bootstrap_login_password, but both are the password of %s, the user the "
                        "bootstrap logs in as, and the push never changes the user it is logged in as (it could lock itself out): "
                        "log in as another administrator (ix_bootstrap_login_user), or change the password at the console" % user)
    return problems


class FilterModule:
    """Checks of role multisite.vpn.ix's variables."""

    def filters(self):
        return {"ix_pair_problems": ix_pair_problems, "ix_bootstrap_problems": ix_bootstrap_problems}
