# Copyright: multisite.vpn contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The two IX2215 configurations of seed 004, as the article types them in (fragments in article order).

The management lines at the end (administrator, SSH, telnet) are what the lab adds; the passwords are
test values. One change: the watch-group probes 192.0.2.53 (a documentation address) where the article
probes a public resolver, so that no test names an address outside the ones tests create.
"""

from __future__ import annotations

MANAGEMENT = """\
username admin password plain lab-admin-password administrator
ssh-server ip enable
telnet-server ip enable
"""

TOKYO = """\
ip route default Tunnel0.0
ip dhcp enable
!
ipv6 ufs-cache enable
ipv6 dhcp enable
ipv6 access-list deny deny ip src any dest any
ipv6 access-list dhcpv6 permit udp src any sport any dest any dport eq 546
ipv6 access-list dhcpv6 permit udp src any sport any dest any dport eq 547
ipv6 access-list icmpv6 permit icmp src any dest any
ipv6 access-list permit permit ip src any dest any
ipv6 access-list ipip permit 4 src any dest any
ipv6 access-list dynamic dynamic access permit
!
proxy-dns ip enable
proxy-dns ip request both
!
ip dhcp profile dhcpv4-server
  dns-server 192.168.100.1
!
ipv6 dhcp client-profile dhcpv6-client
  information-request
  option-request dns-servers
!
ipv6 dhcp server-profile dhcpv6-server
  dns-server dhcp
!
interface GigaEthernet0.0
  no ip address
  ipv6 enable
  ipv6 traffic-class tos 0
  ipv6 dhcp client dhcpv6-client
  ipv6 nd proxy GigaEthernet2.0
  ipv6 filter dhcpv6 1 in
  ipv6 filter icmpv6 2 in
  ipv6 filter ipip 3 in
  ipv6 filter deny 100 in
  ipv6 filter dynamic 100 out
  no shutdown
!
interface GigaEthernet2.0
  ip address 192.168.100.1/24
  ip dhcp binding dhcpv4-server
  ipv6 enable
  ipv6 dhcp server dhcpv6-server
  ipv6 nd ra enable
  ipv6 nd ra other-config-flag
  no shutdown
!
interface Tunnel0.0
  tunnel mode map-e ocn
  ip address map-e
  ip tcp adjust-mss auto
  ip napt enable
  no shutdown
!
ip access-list deny deny ip src any dest any
ip access-list permit permit ip src any dest any
ip access-list dynamic dynamic access permit
!
interface Tunnel0.0
  ip filter deny 100 in
  ip filter dynamic 100 out
!
ppp profile flets-v4
  authentication myname user-A@example.com
  authentication password user-A@example.com password-1
!
interface GigaEthernet0.1
  ppp binding flets-v4
  ip address ipcp
  ip napt enable
  ip tcp adjust-mss auto
  no shutdown
!
interface GigaEthernet0.1
  ip filter deny 100 in
  ip filter dynamic 100 out
!
ip route default GigaEthernet0.1 distance 100
!
watch-group map-e 10
  event 10 ip unreach-host 192.0.2.53 Tunnel0.0
  action 10 turn-BAK-LED-on
  action 20 ip shutdown-route 0.0.0.0/0 Tunnel0.0
!
network-monitor map-e enable
!
hostname ix2215-tokyo
!
nm ip enable
nm account fetburner password plain password-fetburner
!
nm ddns notify interface GigaEthernet0.1 protocol ip
nm ddns notify interface GigaEthernet2.0 protocol ipv6
!
nm standby ip enable
nm outgoing-interface Tunnel0.0 auto protocol ip
nm standby outgoing-interface GigaEthernet0.1 auto protocol ip
!
watch-group map-e 10
  action 30 netmeister-switch-mode standby
!
ip access-list ikev2 permit udp src any sport any dest any dport eq 500
ip access-list ipsec permit 50 src any dest any
!
ipv6 access-list ikev2 permit udp src any sport any dest any dport eq 500
ipv6 access-list ipsec permit 50 src any dest any
!
interface GigaEthernet0.0
  ipv6 filter ikev2 4 in
  ipv6 filter ipsec 5 in
!
interface GigaEthernet0.1
  ip filter ikev2 1 in
  ip filter ipsec 2 in
!
ikev2 authentication psk id keyid ix2215-kagawa key char ix2215-kagawa-psk
ikev2 authentication psk id keyid ix2215-tokyo key char ix2215-tokyo-psk
!
ikev2 default-profile
  local-authentication psk id keyid ix2215-tokyo
!
interface Tunnel1.0
  tunnel mode ipsec-ikev2
  ip unnumbered GigaEthernet2.0
  ikev2 connect-type auto
  ikev2 outgoing-interface GigaEthernet0.0 auto
  ikev2 peer-fqdn-ipv6 ix2215-kagawa.fetburner.v6.nmddns.jp authentication psk id keyid ix2215-kagawa
  no shutdown
!
interface Tunnel2.0
  tunnel mode ipsec-ikev2
  ip unnumbered GigaEthernet2.0
  ikev2 connect-type auto
  ikev2 outgoing-interface GigaEthernet0.1 auto
  ikev2 peer-fqdn-ipv4 ix2215-kagawa.fetburner.nmddns.jp authentication psk id keyid ix2215-kagawa
  no shutdown
!
ip router ospf 1
  redistribute connected
  area 0
  network Tunnel1.0 area 0
  network Tunnel2.0 area 0
!
interface Tunnel1.0
  ip ospf mtu-ignore
!
interface Tunnel2.0
  ip ospf cost 100
  ip ospf mtu-ignore
!
""" + MANAGEMENT

KAGAWA = """\
ip route default Tunnel0.0
ip dhcp enable
ip access-list deny deny ip src any dest any
ip access-list permit permit ip src any dest any
ip access-list dynamic dynamic access permit
!
ipv6 ufs-cache enable
ipv6 dhcp enable
ipv6 access-list deny deny ip src any dest any
ipv6 access-list dhcpv6 permit udp src any sport any dest any dport eq 546
ipv6 access-list dhcpv6 permit udp src any sport any dest any dport eq 547
ipv6 access-list icmpv6 permit icmp src any dest any
ipv6 access-list permit permit ip src any dest any
ipv6 access-list ipip permit 4 src any dest any
ipv6 access-list dynamic dynamic access permit
!
proxy-dns ip enable
proxy-dns ip request both
!
ip dhcp profile dhcpv4-server
  dns-server 192.168.10.1
!
ipv6 dhcp client-profile dhcpv6-client
  information-request
  option-request dns-servers
!
ipv6 dhcp server-profile dhcpv6-server
  dns-server dhcp
!
interface GigaEthernet0.0
  no ip address
  ipv6 enable
  ipv6 traffic-class tos 0
  ipv6 dhcp client dhcpv6-client
  ipv6 nd proxy GigaEthernet2.0
  ipv6 filter dhcpv6 1 in
  ipv6 filter icmpv6 2 in
  ipv6 filter ipip 3 in
  ipv6 filter deny 100 in
  ipv6 filter dynamic 100 out
  no shutdown
!
interface GigaEthernet2.0
  ip address 192.168.10.1/24
  ip dhcp binding dhcpv4-server
  ipv6 enable
  ipv6 dhcp server dhcpv6-server
  ipv6 nd ra enable
  ipv6 nd ra other-config-flag
  no shutdown
!
interface Tunnel0.0
  tunnel mode map-e ocn
  ip address map-e
  ip tcp adjust-mss auto
  ip napt enable
  ip filter deny 100 in
  ip filter dynamic 100 out
  no shutdown
!
interface GigaEthernet0.0
  ip address 192.168.1.254/24
  ip napt enable
!
ppp profile flets-v4
  authentication myname user-A@example.com
  authentication password user-A@example.com password-1
!
interface GigaEthernet0.1
  ppp binding flets-v4
  ip address ipcp
  ip napt enable
  ip tcp adjust-mss auto
  no shutdown
!
interface GigaEthernet0.1
  ip filter deny 100 in
  ip filter dynamic 100 out
!
ip route default GigaEthernet0.1 distance 100
!
watch-group map-e 10
  event 10 ip unreach-host 192.0.2.53 Tunnel0.0
  action 10 turn-BAK-LED-on
  action 20 ip shutdown-route 0.0.0.0/0 Tunnel0.0
!
network-monitor map-e enable
!
hostname ix2215-kagawa
!
nm ip enable
nm account fetburner password plain password-fetburner
!
nm ddns notify interface GigaEthernet0.1 protocol ip
nm ddns notify interface GigaEthernet2.0 protocol ipv6
!
nm standby ip enable
nm outgoing-interface Tunnel0.0 auto protocol ip
nm standby outgoing-interface GigaEthernet0.1 auto protocol ip
!
watch-group map-e 10
  action 30 netmeister-switch-mode standby
!
ip access-list ikev2 permit udp src any sport any dest any dport eq 500
ip access-list ipsec permit 50 src any dest any
!
ipv6 access-list ikev2 permit udp src any sport any dest any dport eq 500
ipv6 access-list ipsec permit 50 src any dest any
!
interface GigaEthernet0.0
  ipv6 filter ikev2 4 in
  ipv6 filter ipsec 5 in
!
interface GigaEthernet0.1
  ip filter ikev2 1 in
  ip filter ipsec 2 in
!
ikev2 authentication psk id keyid ix2215-kagawa key char ix2215-kagawa-psk
ikev2 authentication psk id keyid ix2215-tokyo key char ix2215-tokyo-psk
!
ikev2 default-profile
  local-authentication psk id keyid ix2215-kagawa
!
interface Tunnel1.0
  tunnel mode ipsec-ikev2
  ip unnumbered GigaEthernet2.0
  ikev2 connect-type auto
  ikev2 outgoing-interface GigaEthernet0.0 auto
  ikev2 peer-fqdn-ipv6 ix2215-tokyo.fetburner.v6.nmddns.jp authentication psk id keyid ix2215-tokyo
  no shutdown
!
interface Tunnel2.0
  tunnel mode ipsec-ikev2
  ip unnumbered GigaEthernet2.0
  ikev2 connect-type auto
  ikev2 outgoing-interface GigaEthernet0.1 auto
  ikev2 peer-fqdn-ipv4 ix2215-tokyo.fetburner.nmddns.jp authentication psk id keyid ix2215-tokyo
  no shutdown
!
ip router ospf 1
  redistribute connected
  area 0
  network Tunnel1.0 area 0
  network Tunnel2.0 area 0
!
interface Tunnel1.0
  ip ospf mtu-ignore
!
interface Tunnel2.0
  ip ospf cost 100
  ip ospf mtu-ignore
!
""" + MANAGEMENT

SECRETS = ("lab-admin-password", "password-1", "password-fetburner", "ix2215-kagawa-psk", "ix2215-tokyo-psk")

# How the router lists TOKYO after the four header lines and the `!` under them (the device layout: sections
# in device order, blocks closed by `!`, defaults explicit, secrets as digests of SECRETS).
EXPECTED_TOKYO_BODY = """\
hostname ix2215-tokyo
!
username admin password hash 8260BF92529C368ABA4667B0F90DD467 administrator
!
ip route default Tunnel0.0
ip route default GigaEthernet0.1 distance 100
ip dhcp enable
ip access-list deny deny ip src any dest any
ip access-list permit permit ip src any dest any
ip access-list ikev2 permit udp src any sport any dest any dport eq 500
ip access-list ipsec permit 50 src any dest any
ip access-list dynamic dynamic access permit
!
ipv6 ufs-cache enable
ipv6 dhcp enable
ipv6 access-list deny deny ip src any dest any
ipv6 access-list dhcpv6 permit udp src any sport any dest any dport eq 546
ipv6 access-list dhcpv6 permit udp src any sport any dest any dport eq 547
ipv6 access-list icmpv6 permit icmp src any dest any
ipv6 access-list permit permit ip src any dest any
ipv6 access-list ipip permit 4 src any dest any
ipv6 access-list ikev2 permit udp src any sport any dest any dport eq 500
ipv6 access-list ipsec permit 50 src any dest any
ipv6 access-list dynamic dynamic access permit
!
ip router ospf 1
  redistribute connected
  area 0
  network Tunnel1.0 area 0
  network Tunnel2.0 area 0
!
ikev2 authentication psk id keyid ix2215-kagawa key secret FCCA73FC287CB4DFB63DF724B98CD672
ikev2 authentication psk id keyid ix2215-tokyo key secret 0DC227BBD6A2D5FDED035595C76AD0F2
!
ikev2 default-profile
  local-authentication psk id keyid ix2215-tokyo
!
proxy-dns ip enable
proxy-dns ip request both
telnet-server ip enable
ssh-server ip enable
!
nm ip enable
nm standby ip enable
nm account fetburner password hash 0A753906C635CF9DAEC6F6E4E07E8BAE
nm ddns notify interface GigaEthernet0.1 protocol ip
nm ddns notify interface GigaEthernet2.0 protocol ipv6
nm outgoing-interface Tunnel0.0 auto protocol ip
nm standby outgoing-interface GigaEthernet0.1 auto protocol ip
!
watch-group map-e 10
  event 10 ip unreach-host 192.0.2.53 Tunnel0.0
  action 10 turn-BAK-LED-on
  action 20 ip shutdown-route 0.0.0.0/0 Tunnel0.0
  action 30 netmeister-switch-mode standby
!
network-monitor map-e enable
!
ip dhcp profile dhcpv4-server
  dns-server 192.168.100.1
!
ipv6 dhcp client-profile dhcpv6-client
  information-request
  option-request dns-servers
!
ipv6 dhcp server-profile dhcpv6-server
  dns-server dhcp
!
ppp profile flets-v4
  authentication myname user-A@example.com
  authentication password user-A@example.com hash A6A7F7D8FE763D22B72EE8311B9854CF
!
interface GigaEthernet0.0
  no ip address
  ipv6 enable
  ipv6 traffic-class tos 0
  ipv6 dhcp client dhcpv6-client
  ipv6 nd proxy GigaEthernet2.0
  ipv6 filter dhcpv6 1 in
  ipv6 filter icmpv6 2 in
  ipv6 filter ipip 3 in
  ipv6 filter ikev2 4 in
  ipv6 filter ipsec 5 in
  ipv6 filter deny 100 in
  ipv6 filter dynamic 100 out
  no shutdown
!
interface GigaEthernet0.1
  ppp binding flets-v4
  ip address ipcp
  ip tcp adjust-mss auto
  ip napt enable
  ip filter ikev2 1 in
  ip filter ipsec 2 in
  ip filter deny 100 in
  ip filter dynamic 100 out
  no shutdown
!
interface GigaEthernet1.0
  no ip address
  shutdown
!
interface GigaEthernet2.0
  ip address 192.168.100.1/24
  ip dhcp binding dhcpv4-server
  ipv6 enable
  ipv6 dhcp server dhcpv6-server
  ipv6 nd ra enable
  ipv6 nd ra other-config-flag
  no shutdown
!
interface Loopback0.0
  no ip address
!
interface Null0.0
  no ip address
!
interface Tunnel0.0
  tunnel mode map-e ocn
  ip address map-e
  ip tcp adjust-mss auto
  ip napt enable
  ip filter deny 100 in
  ip filter dynamic 100 out
  no shutdown
!
interface Tunnel1.0
  tunnel mode ipsec-ikev2
  ip unnumbered GigaEthernet2.0
  ip ospf mtu-ignore
  ikev2 connect-type auto
  ikev2 outgoing-interface GigaEthernet0.0 auto
  ikev2 peer-fqdn-ipv6 ix2215-kagawa.fetburner.v6.nmddns.jp authentication psk id keyid ix2215-kagawa
  no shutdown
!
interface Tunnel2.0
  tunnel mode ipsec-ikev2
  ip unnumbered GigaEthernet2.0
  ip ospf cost 100
  ip ospf mtu-ignore
  ikev2 connect-type auto
  ikev2 outgoing-interface GigaEthernet0.1 auto
  ikev2 peer-fqdn-ipv4 ix2215-kagawa.fetburner.nmddns.jp authentication psk id keyid ix2215-kagawa
  no shutdown
!
"""
