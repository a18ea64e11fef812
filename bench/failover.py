# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark, not a test: how long a flow between two sites is lost when a hub or an uplink dies, and when it returns.

Needs the lab up and converged (scripts/lab-up), with hub-oci and hub-gcp in mode bgp and site home on three carriers
to hub-oci (inventories/lab). A ping stream every 10 ms runs from one site's LAN to another's; the loss window of an
event is the longest run of unanswered pings times the interval (the sequence numbers say which went unanswered).

ECMP hashes a flow by its addresses (fib_multipath_hash_policy 0): one pair of addresses takes one path each way. So
that an event hits the flow, the bench puts extra addresses on the LANs (lan0, removed at the end) and picks a pair
whose path goes through what the event takes away, both ways (`ip route get` on each host that chooses). Events, each
--rounds times:

- stop:   `docker stop` of hub-oci (systemd shuts down: BIRD says goodbye to its neighbours, WireGuard goes); flow
          spoke-us -> spoke-de, through hub-oci both ways;
- start:  `docker start` of it again: the flow goes back to ECMP, which may move it;
- cut:    every packet of hub-oci's WireGuard port dropped both ways at once (nft, on the hub): a hub whose network
          dies without a word, as in a provider's outage. Only BFD notices (interval x multiplier); the bench then takes
          the drop away and waits for the sessions;
- internet: `docker stop` of hub-oci again, with a flow from site de's LAN to the internet (internet-core), which
          site de's default route (routing_default_route) sends through hub-oci, masqueraded there: it moves to
          hub-gcp, masqueraded behind hub-gcp's address (a new mapping; ping carries on with the same id). Then
          `docker start`;
- uplink: site home's second carrier (SoftBank) stops forwarding (nft on its CGNAT router): flow spoke-home ->
          spoke-de, through that carrier's tunnel both ways (home's route, and hub-oci's route back). BFD notices on
          that tunnel; the other two carry the flow. Then the carrier comes back.

Between events it waits until the spokes' sessions are up again, so each event starts from ECMP.

    . .venv/bin/activate                 # root or the docker group: docker exec
    python bench/failover.py --rounds 5
"""

from __future__ import annotations

import argparse
import ipaddress
import re
import statistics
import subprocess
import sys
import time

LAB = "msvpn-"
HUB = "hub-oci"
SPOKE_US, SPOKE_DE, SPOKE_HOME = "spoke-us", "spoke-de", "spoke-home"
LANS = {SPOKE_US: ipaddress.ip_network("10.2.0.0/24"), SPOKE_DE: ipaddress.ip_network("10.3.0.0/24"),
        SPOKE_HOME: ipaddress.ip_network("10.4.0.0/24")}
# The sessions each host keeps when all is up: two hubs, or three carriers to one.
SESSIONS = {SPOKE_US: 2, SPOKE_DE: 2, SPOKE_HOME: 3}
# Site home's SoftBank tunnel (uplink 2 of site 4, inventories/lab) and its carrier's CGNAT router.
UPLINK_INTERFACE, UPLINK_ROUTER = "wg-oci-4-2", "cgnat-softbank"
# The internet, as site de's default route reaches it (through a hub, masqueraded there).
INTERNET = "198.51.100.1"
# Extra host numbers put on each LAN to find a pair hashed onto the path an event takes away.
CANDIDATES = range(100, 116)
INTERVAL = 0.01
SETTLE = 4.0
# A hub whose network dies without a word (a provider's outage): every packet of its WireGuard port dropped, both ways,
# in one transaction. Only BFD notices, after interval x multiplier.
CUT_NAME = "bench_failover_cut"
CUT_TABLE = """table inet %s {
  chain in { type filter hook prerouting priority -400; udp dport 51820 drop; }
  chain out { type filter hook output priority -400; udp sport 51820 drop; }
}
""" % CUT_NAME
# A carrier that stops forwarding: its CGNAT router drops what it would forward.
UPLINK_CUT = "nft add table inet %s ';' add chain inet %s forward '{ type filter hook forward priority -10; policy drop; }'" % (CUT_NAME, CUT_NAME)


def docker(*args, check=True, capture=True) -> str:
    result = subprocess.run(["docker", *args], check=check, text=True, capture_output=capture)
    return result.stdout if capture else ""


def on(host: str, command: str, check=True) -> str:
    return docker("exec", LAB + host, "sh", "-c", command, check=check)


def route_dev(host: str, destination, source, arrives_on=None) -> str:
    """The interface HOST sends to DESTINATION from SOURCE by (a flow it forwards, which ARRIVES_ON an interface)."""
    text = on(host, "ip -4 route get %s from %s%s" % (destination, source, " iif %s" % arrives_on if arrives_on else ""))
    return re.search(r" dev (\S+)", text).group(1)


def established(host: str) -> int:
    text = on(host, "birdc show protocols", check=False)
    return sum(1 for line in text.splitlines() if line.startswith("bgp_") and "Established" in line)


def wait_for_sessions(expected: dict, timeout: float = 180.0) -> float:
    """Seconds until every host of EXPECTED has that many BGP sessions established."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if all(established(host) >= count for host, count in expected.items()):
            return time.monotonic() - started
        time.sleep(0.5)
    raise SystemExit("BGP sessions not back after %.0f s: %s" % (timeout, {host: established(host) for host in expected}))


def add_addresses():
    for host, lan in LANS.items():
        on(host, "; ".join("ip -4 addr replace %s/%d dev lan0" % (lan.network_address + n, lan.prefixlen) for n in CANDIDATES))


def remove_addresses():
    for host, lan in LANS.items():
        on(host, "; ".join("ip -4 addr del %s/%d dev lan0 2>/dev/null" % (lan.network_address + n, lan.prefixlen) for n in CANDIDATES) + "; true",
           check=False)


def pair_through(source_host: str, target_host: str, checks) -> tuple[str, str]:
    """Addresses of SOURCE_HOST's and TARGET_HOST's LANs whose flow takes, on each host of CHECKS ((host, interface,
    forward?, the interface it arrives on when the host forwards it)), that interface: forward, from source to target;
    back, from target to source."""
    for source_number in CANDIDATES:
        for target_number in CANDIDATES:
            source = LANS[source_host].network_address + source_number
            target = LANS[target_host].network_address + target_number
            if all(route_dev(host, *((target, source) if forward else (source, target)), arrives_on) == interface
                   for host, interface, forward, arrives_on in checks):
                return str(source), str(target)
    raise SystemExit("no pair of addresses of %s and %s takes %s" % (source_host, target_host, checks))


def source_through(source_host: str, target: str, interface: str) -> str:
    """An address of SOURCE_HOST's LAN whose flow to TARGET (off the sites) leaves by INTERFACE."""
    for number in CANDIDATES:
        source = LANS[source_host].network_address + number
        if route_dev(source_host, target, source) == interface:
            return str(source)
    raise SystemExit("no address of %s's LAN goes to %s by %s" % (source_host, target, interface))


def loss_window(source_host: str, source: str, target: str, event, wait) -> float:
    """The longest run of unanswered pings from SOURCE (on SOURCE_HOST) to TARGET x INTERVAL around EVENT (a callable),
    watched until WAIT (a callable) returns."""
    ping = subprocess.Popen(["docker", "exec", LAB + source_host, "ping", "-n", "-D", "-i", str(INTERVAL), "-W", "1", "-I", source, target],
                            stdout=subprocess.PIPE, text=True)
    time.sleep(SETTLE)
    event()
    wait()
    on(source_host, "pkill -INT -f 'ping -n -D -i'", check=False)
    output = ping.communicate(timeout=30)[0]
    answered = sorted({int(match) for match in re.findall(r"icmp_seq=(\d+)", output)})
    transmitted = re.search(r"(\d+) packets transmitted", output)
    if not answered or not transmitted:
        raise SystemExit("no answer at all from %s to %s:\n%s" % (source, target, output[-500:]))
    sent = int(transmitted.group(1))
    gaps = [later - earlier - 1 for earlier, later in zip(answered, answered[1:])] + [answered[0] - 1, sent - answered[-1]]
    return max(gaps) * INTERVAL


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--after", type=float, default=8.0, help="seconds the stream runs after a hub or an uplink dies")
    arguments = parser.parse_args()
    wait_for_sessions(SESSIONS)
    add_addresses()
    hub_flow = (SPOKE_US,) + pair_through(SPOKE_US, SPOKE_DE, [(SPOKE_US, "wg-oci", True, None), (SPOKE_DE, "wg-oci", False, None)])
    uplink_flow = (SPOKE_HOME,) + pair_through(SPOKE_HOME, SPOKE_DE, [(SPOKE_HOME, UPLINK_INTERFACE, True, None), (HUB, UPLINK_INTERFACE, False, "wg-oci")])
    internet_flow = (SPOKE_DE, source_through(SPOKE_DE, INTERNET, "wg-oci"), INTERNET)
    print("hub events: %s -> %s through %s both ways; internet event: %s -> %s through %s; uplink event: %s -> %s through %s both ways; "
          "a ping every %.0f ms" % (hub_flow[1], hub_flow[2], HUB, internet_flow[1], INTERNET, HUB, uplink_flow[1], uplink_flow[2],
                                    UPLINK_INTERFACE, INTERVAL * 1000))
    events = {
        "stop": (hub_flow, lambda: docker("stop", LAB + HUB), lambda: docker("start", LAB + HUB)),
        "cut": (hub_flow, lambda: on(HUB, "nft -f - <<'EOF'\n%sEOF" % CUT_TABLE), lambda: on(HUB, "nft delete table inet %s" % CUT_NAME)),
        "internet": (internet_flow, lambda: docker("stop", LAB + HUB), lambda: docker("start", LAB + HUB)),
        "uplink": (uplink_flow, lambda: on(UPLINK_ROUTER, UPLINK_CUT), lambda: on(UPLINK_ROUTER, "nft delete table inet %s" % CUT_NAME)),
    }
    figures = {"stop": [], "start": [], "cut": [], "internet": [], "internet back": [], "uplink": [], "uplink back": []}
    recovery = []

    def watch():
        time.sleep(arguments.after)

    def sessions_back():
        recovery.append(wait_for_sessions(SESSIONS))
        time.sleep(SETTLE)

    try:
        for round_number in range(1, arguments.rounds + 1):
            for name, (flow, fail, restore) in events.items():
                figures[name].append(loss_window(*flow, fail, watch))
                back_name = {"stop": "start", "internet": "internet back", "uplink": "uplink back"}.get(name)
                if back_name:
                    figures[back_name].append(loss_window(*flow, restore, sessions_back))
                else:
                    restore()
                    sessions_back()
                back = ", back %.2f s" % figures[back_name][-1] if back_name else ""
                print("round %d %-8s loss %.2f s%s" % (round_number, name, figures[name][-1], back))
    finally:
        remove_addresses()
        docker("start", LAB + HUB, check=False)
        for host in (HUB, UPLINK_ROUTER):
            on(host, "nft delete table inet %s 2>/dev/null; true" % CUT_NAME, check=False)
    print()
    print("event          median   min    max   (seconds of lost pings, %d rounds)" % arguments.rounds)
    for name, values in figures.items():
        print("%-13s  %5.2f  %5.2f  %5.2f" % (name, statistics.median(values), min(values), max(values)))
    print("sessions all up again after a restore: median %.1f s, max %.1f s" % (statistics.median(recovery), max(recovery)))


if __name__ == "__main__":
    sys.exit(main())
