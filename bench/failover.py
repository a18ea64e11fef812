# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark, not a test: how long a flow between two sites is lost when a hub dies, and when it comes back.

Needs the lab up and converged (scripts/lab-up), with hub-oci and hub-gcp in mode bgp (inventories/lab). A ping stream
every 10 ms runs from spoke-us's LAN to spoke-de's LAN; the loss window of an event is the longest run of unanswered
pings times the interval (`ping -D -O` timestamps every answer; the sequence numbers say which went unanswered).

ECMP hashes a flow by its addresses (fib_multipath_hash_policy 0): one pair of addresses takes one hub each way. So
that an event hits the flow, the bench puts extra addresses on both LANs (lan0, removed at the end) and picks a pair
whose path is through hub-oci both ways (`ip route get` on each spoke). Events, each --rounds times:

- stop:   `docker stop` of hub-oci (systemd shuts down: BIRD says goodbye to its neighbours, WireGuard goes);
- start:  `docker start` of it again: the flow goes back to ECMP, which may move it;
- cut:    every packet of hub-oci's WireGuard port dropped both ways at once (nft, on the hub): a hub whose network
  dies without a word, as in a provider's outage. Only BFD notices (interval x multiplier); the bench then takes the
  drop away and waits for the sessions.

Between events it waits until every spoke has its BGP sessions up again (birdc), so each event starts from ECMP.

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
SOURCE, TARGET = "spoke-us", "spoke-de"
SPOKES = ("spoke-jp", "spoke-us", "spoke-de")
HUB = "hub-oci"
HUB_INTERFACE = "wg-oci"
SOURCE_LAN, TARGET_LAN = ipaddress.ip_network("10.2.0.0/24"), ipaddress.ip_network("10.3.0.0/24")
# Extra host numbers put on each LAN to find a pair hashed onto hub-oci both ways.
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


def docker(*args, check=True, capture=True) -> str:
    result = subprocess.run(["docker", *args], check=check, text=True, capture_output=capture)
    return result.stdout if capture else ""


def on(host: str, command: str, check=True) -> str:
    return docker("exec", LAB + host, "sh", "-c", command, check=check)


def route_dev(host: str, destination, source) -> str:
    text = on(host, "ip -4 route get %s from %s" % (destination, source))
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


def add_addresses() -> tuple[str, str]:
    for host, lan in ((SOURCE, SOURCE_LAN), (TARGET, TARGET_LAN)):
        on(host, "; ".join("ip -4 addr replace %s/%d dev lan0" % (lan.network_address + n, lan.prefixlen) for n in CANDIDATES))
    for source_number in CANDIDATES:
        for target_number in CANDIDATES:
            source, target = SOURCE_LAN.network_address + source_number, TARGET_LAN.network_address + target_number
            if route_dev(SOURCE, target, source) == HUB_INTERFACE and route_dev(TARGET, source, target) == HUB_INTERFACE:
                return str(source), str(target)
    raise SystemExit("no pair of addresses hashed onto %s both ways among %d x %d" % (HUB, len(CANDIDATES), len(CANDIDATES)))


def remove_addresses():
    for host, lan in ((SOURCE, SOURCE_LAN), (TARGET, TARGET_LAN)):
        on(host, "; ".join("ip -4 addr del %s/%d dev lan0 2>/dev/null" % (lan.network_address + n, lan.prefixlen) for n in CANDIDATES) + "; true",
           check=False)


def loss_window(source: str, target: str, event, wait) -> float:
    """The longest run of unanswered pings x INTERVAL around EVENT (a callable), watched until WAIT (a callable)
    returns."""
    ping = subprocess.Popen(["docker", "exec", LAB + SOURCE, "ping", "-n", "-D", "-i", str(INTERVAL), "-W", "1", "-I", source, target],
                            stdout=subprocess.PIPE, text=True)
    time.sleep(SETTLE)
    event()
    wait()
    on(SOURCE, "pkill -INT -f 'ping -n -D -i'", check=False)
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
    parser.add_argument("--after", type=float, default=8.0, help="seconds the stream runs after a hub dies")
    arguments = parser.parse_args()
    # The flow needs its two spokes only; the third (spoke-jp) is left to reconnect at its own pace.
    sessions = {SOURCE: 2, TARGET: 2}
    wait_for_sessions(sessions)
    source, target = add_addresses()
    print("flow %s -> %s, through %s both ways; ping every %.0f ms" % (source, target, HUB, INTERVAL * 1000))
    events = {
        "stop": (lambda: docker("stop", LAB + HUB), lambda: docker("start", LAB + HUB)),
        "cut": (lambda: on(HUB, "nft -f - <<'EOF'\n%sEOF" % CUT_TABLE), lambda: on(HUB, "nft delete table inet %s" % CUT_NAME)),
    }
    figures = {"stop": [], "start": [], "cut": []}
    recovery = []

    def watch():
        time.sleep(arguments.after)

    def sessions_back():
        recovery.append(wait_for_sessions(sessions))
        time.sleep(SETTLE)

    try:
        for round_number in range(1, arguments.rounds + 1):
            for name, (fail, restore) in events.items():
                figures[name].append(loss_window(source, target, fail, watch))
                if name == "stop":
                    figures["start"].append(loss_window(source, target, restore, sessions_back))
                else:
                    restore()
                    sessions_back()
                # The pair's hash may differ after the hub came back: check it still goes through the hub.
                if route_dev(SOURCE, target, source) != HUB_INTERFACE:
                    print("  (the pair now goes through %s)" % route_dev(SOURCE, target, source))
                back = ", back loss %.2f s" % figures["start"][-1] if name == "stop" else ""
                print("round %d %-6s loss %.2f s%s" % (round_number, name, figures[name][-1], back))
    finally:
        remove_addresses()
        docker("start", LAB + HUB, check=False)
        on(HUB, "nft delete table inet %s 2>/dev/null; true" % CUT_NAME, check=False)
    print()
    print("event    median   min    max   (seconds of lost pings, %d rounds)" % arguments.rounds)
    for name, values in figures.items():
        print("%-7s  %5.2f  %5.2f  %5.2f" % (name, statistics.median(values), min(values), max(values)))
    print("sessions all up again after a restore: median %.1f s, max %.1f s" % (statistics.median(recovery), max(recovery)))


if __name__ == "__main__":
    sys.exit(main())
