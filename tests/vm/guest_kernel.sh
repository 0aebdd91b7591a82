# SPDX-License-Identifier: GPL-2.0-or-later
# Guest side of test_kernel.sh: the kernel backend of gretunctl against
# Debian's kernel, checked with iproute2's own view (`ip -d -j`).
# Runs as /test.sh in the VM (busybox ash); prints "ok N - ..." lines.
. /lib/gretun/lib.sh

# The host pings us and then says so on TCP port 7000 (see test_kernel.sh).
nc -l -p 7000 > /tmp/host-msg 2>/dev/null &

L4=198.51.100.130       # our underlay addresses (see init)
R4=198.51.100.129
L6=2001:db8:300::2
R6=2001:db8:300::1
CDIR=/etc/gretun-test
mkdir -p "$CDIR"
chmod 755 "$CDIR"

G=gretunctl
if ! command -v gretunctl >/dev/null 2>&1; then
	t_notok "gretunctl is in the image (build src/gretunctl before the VM tests)"
	G=false
fi

# expect_link DEV TESTNAME FILTER=VALUE...: each jq FILTER (applied to
# `ip -d -j link show DEV`'s single object) prints VALUE.
expect_link() {
	_dev=$1; _tn=$2; shift 2
	if ! _j=$(ip -d -j link show "$_dev" 2>&1); then
		t_notok "$_tn (no device $_dev)"
		return
	fi
	# One jq run for all the fields: jq is slow to start under TCG.
	_prog=
	for _kv in "$@"; do
		_prog="$_prog, (${_kv%%=*})"
	done
	_got=$(printf '%s' "$_j" | jq -r ".[0] | [${_prog#, }] | .[] | tostring" 2>&1)
	_errs=
	_i=0
	for _kv in "$@"; do
		_i=$((_i + 1))
		_g=$(printf '%s\n' "$_got" | sed -n "${_i}p")
		[ "$_g" = "${_kv#*=}" ] || _errs="$_errs; ${_kv%%=*} is '$_g', want '${_kv#*=}'"
	done
	if [ -z "$_errs" ]; then
		t_ok "$_tn"
	else
		t_notok "$_tn"
		echo "#  ${_errs#; }"
		echo "#  $_j" | head -c 2000; echo
	fi
}

# Existence checks use ip's text output: jq takes most of a second to start
# under TCG, ip a tenth.
# has_addr DEV ADDR/LEN, has_route DEV DST [TABLE], no_link DEV,
# no_route DST (in no table, on no device), no_addr ADDR (anywhere).
fam_of() { case "$1" in *:*) echo -6 ;; *) echo -4 ;; esac; }
has_addr() {
	ip -o addr show dev "$1" | grep -qF " $2 "
}
has_route() {
	ip "$(fam_of "$2")" route show table "${3:-all}" dev "$1" | grep -q "^$2 "
}
no_link() { ! ip link show "$1" >/dev/null 2>&1; }
no_route() {
	! ip "$(fam_of "$1")" route show table all | sed 's/^/ /' | grep -qF " $1 "
}
no_addr() {
	! ip -o addr show | grep -qF " $1/"
}
# Everything iproute2 says about DEV, for before/after comparisons.
snapshot() {
	ip -d link show dev "$1" 2>&1
	ip addr show dev "$1" 2>&1
	ip route show table all dev "$1" 2>&1
	ip -6 route show table all dev "$1" 2>&1
}
ifindex() { ip -o link show "$1" | cut -d: -f1; }
mtu_of() { ip -o link show "$1" | sed -n 's/.* mtu \([0-9]*\) .*/\1/p'; }

# check_down NAME ADDR... : `down` succeeds and leaves no device, address.
check_down() {
	_n=$1; shift
	t_exit "$_n: down" 0 $G down "$_n"
	t_check "$_n: no device after down" no_link "$_n"
}

########################################################################
# 1. Every mode and option from the command line, field by field.
t_diag "modes and options from the command line"

t_exit "gre: up" 0 $G up k1 mode gre local $L4 remote $R4 key 5 \
	address 203.0.113.129/30 address 2001:db8:301:1::1/64 \
	route 203.0.113.192/28 route 2001:db8:301:2::/64 --backend kernel
expect_link k1 "gre: key, endpoints" \
	.linkinfo.info_kind=gre \
	.linkinfo.info_data.local=$L4 \
	.linkinfo.info_data.remote=$R4 \
	.linkinfo.info_data.ikey=0.0.0.5 \
	.linkinfo.info_data.okey=0.0.0.5 \
	.linkinfo.info_data.icsum=null \
	.linkinfo.info_data.iseq=null \
	.linkinfo.info_data.pmtudisc=true \
	'.flags|contains(["UP"])=true'
t_check "gre: IPv4 address" has_addr k1 203.0.113.129/30
t_check "gre: IPv6 address" has_addr k1 2001:db8:301:1::1/64
t_check "gre: IPv4 route" has_route k1 203.0.113.192/28
t_check "gre: IPv6 route" has_route k1 2001:db8:301:2::/64
t_exit "gre: show -j" 0 sh -c "$G show k1 -j > /tmp/show.json"
t_check "show -j: one object with the contract's keys" jqf /tmp/show.json '
	length == 1 and (.[0] | has("name") and has("mode") and has("backend") and
	has("state") and has("local") and has("remote") and has("mtu") and has("addresses") and
	has("routes") and has("stats"))'
t_check "show -j: values" jqf /tmp/show.json --arg l $L4 --arg r $R4 '.[0] |
	.name == "k1" and .mode == "gre" and .backend == "kernel" and
	.local == $l and .remote == $r'
t_eval "show -j: mtu is the device's" \
	"m=\$(jq -r '.[0].mtu' /tmp/show.json) && [ \"\$m\" -gt 0 ] && [ \"\$m\" = \"\$(mtu_of k1)\" ]"
t_eval "show -j: addresses and routes listed" \
	"jq -c '.[0].addresses, .[0].routes' /tmp/show.json | grep -q 203.0.113.129 &&
	 jq -c '.[0].routes' /tmp/show.json | grep -q 203.0.113.192"
t_exit "list -j" 0 sh -c "$G list -j > /tmp/list.json"
t_check "list -j: k1 with backend kernel" jqf /tmp/list.json \
	'map(select(.name == "k1" and .backend == "kernel")) | length == 1'
# gretunctl(8): show and list print the same kind of objects.
t_check "list -j: the contract's keys" jqf /tmp/list.json '
	map(select(.name == "k1"))[0] | has("name") and has("mode") and has("backend") and
	has("state") and has("local") and has("remote") and has("mtu") and has("addresses") and has("routes")'

# An admin's own route for the same prefix on another device survives down.
ip route add 203.0.113.192/28 dev eth0 metric 500
check_down k1
t_eval "gre: addresses gone after down" "no_addr 203.0.113.129 && no_addr 2001:db8:301:1::1"
t_eval "gre: tunnel routes gone after down" \
	"! ip route show table all 203.0.113.192/28 | grep -v 'dev eth0' | grep -q . &&
	 no_route 2001:db8:301:2::/64"
t_check "admin route on eth0 survives down" has_route eth0 203.0.113.192/28
ip route del 203.0.113.192/28 dev eth0 metric 500

t_exit "gre: up with every option" 0 $G up k2 mode gre local $L4 remote 198.51.100.141 \
	ikey 1 okey 2 icsum oseq ttl inherit tos 0x10 nopmtudisc ignore-df dev eth0 fwmark 7 mtu 1400 \
	--backend kernel
expect_link k2 "gre: ikey okey icsum oseq ttl tos nopmtudisc ignore-df dev fwmark mtu" \
	.linkinfo.info_kind=gre \
	.linkinfo.info_data.ikey=0.0.0.1 \
	.linkinfo.info_data.okey=0.0.0.2 \
	.linkinfo.info_data.icsum=true \
	.linkinfo.info_data.ocsum=null \
	.linkinfo.info_data.oseq=true \
	.linkinfo.info_data.iseq=null \
	.linkinfo.info_data.ttl=0 \
	.linkinfo.info_data.tos=0x10 \
	.linkinfo.info_data.pmtudisc=false \
	.linkinfo.info_data.ignore_df=true \
	.linkinfo.info_data.link=eth0 \
	.linkinfo.info_data.fwmark=0x7 \
	.mtu=1400
check_down k2
# The kernel refuses a fixed TTL without PMTU discovery: a config error.
t_exit "gre: fixed ttl with nopmtudisc is a usage error" 2 $G up k2 mode gre local $L4 \
	remote 198.51.100.141 ttl 64 nopmtudisc --backend kernel
t_check "gre: nothing made for the refused config" no_link k2

t_exit "gre: up csum seq ttl/tos inherit, dotted key" 0 $G up k3 mode gre local $L4 \
	remote 198.51.100.142 key 1.2.3.4 csum seq ttl inherit tos inherit --backend kernel
expect_link k3 "gre: csum seq inherit" \
	.linkinfo.info_data.ikey=1.2.3.4 \
	.linkinfo.info_data.okey=1.2.3.4 \
	.linkinfo.info_data.icsum=true \
	.linkinfo.info_data.ocsum=true \
	.linkinfo.info_data.iseq=true \
	.linkinfo.info_data.oseq=true \
	.linkinfo.info_data.ttl=0 \
	.linkinfo.info_data.tos=0x1
check_down k3

t_exit "gre: up iseq ocsum" 0 $G up k4 mode gre local $L4 remote 198.51.100.143 \
	iseq ocsum ttl 9 --backend kernel
expect_link k4 "gre: iseq ocsum" \
	.linkinfo.info_data.iseq=true \
	.linkinfo.info_data.oseq=null \
	.linkinfo.info_data.icsum=null \
	.linkinfo.info_data.ocsum=true \
	.linkinfo.info_data.ikey=null \
	.linkinfo.info_data.ttl=9
check_down k4

t_exit "gre: up GRE-in-UDP" 0 $G up k5 mode gre local $L4 remote 198.51.100.144 \
	key 9 encapsulation udp encapsulation-port 4754 --backend kernel
expect_link k5 "gre: encap fou dport 4754" \
	.linkinfo.info_data.encap.type=fou \
	.linkinfo.info_data.encap.dport=4754 \
	.linkinfo.info_data.encap.sport=0
check_down k5

t_exit "gretap: up" 0 $G up k6 mode gretap local $L4 remote 198.51.100.145 key 7 ttl 5 \
	address 203.0.113.133/30 --backend kernel
expect_link k6 "gretap: kind, key, ttl, ethernet" \
	.linkinfo.info_kind=gretap \
	.linkinfo.info_data.ikey=0.0.0.7 \
	.linkinfo.info_data.ttl=5 \
	.link_type=ether
t_check "gretap: address" has_addr k6 203.0.113.133/30
check_down k6

t_exit "gretap: up GRE-in-UDP with csum" 0 $G up k7 mode gretap local $L4 remote 198.51.100.146 \
	csum encapsulation udp encapsulation-port 5555 --backend kernel
expect_link k7 "gretap: encap fou dport 5555, csum" \
	.linkinfo.info_kind=gretap \
	.linkinfo.info_data.encap.type=fou \
	.linkinfo.info_data.encap.dport=5555 \
	.linkinfo.info_data.icsum=true
check_down k7

t_exit "ip6gre: up with options" 0 $G up k8 mode ip6gre local $L6 remote $R6 \
	key 5 csum seq ttl 64 tos 0x10 dev eth0 fwmark 3 \
	address 203.0.113.137/30 address 2001:db8:301:3::1/64 route 2001:db8:301:4::/64 \
	--backend kernel
expect_link k8 "ip6gre: endpoints key csum seq hoplimit tclass dev fwmark" \
	.linkinfo.info_kind=ip6gre \
	.linkinfo.info_data.local=$L6 \
	.linkinfo.info_data.remote=$R6 \
	.linkinfo.info_data.ikey=0.0.0.5 \
	.linkinfo.info_data.okey=0.0.0.5 \
	.linkinfo.info_data.icsum=true \
	.linkinfo.info_data.ocsum=true \
	.linkinfo.info_data.iseq=true \
	.linkinfo.info_data.oseq=true \
	.linkinfo.info_data.ttl=64 \
	.linkinfo.info_data.tclass=0x10 \
	.linkinfo.info_data.link=eth0 \
	.linkinfo.info_data.fwmark=0x3
t_check "ip6gre: IPv4 address" has_addr k8 203.0.113.137/30
t_check "ip6gre: IPv6 address" has_addr k8 2001:db8:301:3::1/64
t_check "ip6gre: IPv6 route" has_route k8 2001:db8:301:4::/64
t_eval "ip6gre: show -j says ip6gre/kernel" \
	"$G show k8 -j | jqe '.[0].mode == \"ip6gre\" and .[0].backend == \"kernel\" and .[0].remote == \"$R6\"'"
check_down k8

t_exit "ip6gre: up ttl/tos inherit" 0 $G up k9 mode ip6gre local $L6 remote 2001:db8:300::9 \
	ttl inherit tos inherit --backend kernel
expect_link k9 "ip6gre: hoplimit 0, tclass inherit" \
	.linkinfo.info_data.ttl=0 \
	.linkinfo.info_data.ip6_tnl_f_use_orig_tclass=true
check_down k9

t_exit "ip6gretap: up GRE-in-UDP" 0 $G up k10 mode ip6gretap local $L6 remote 2001:db8:300::a \
	okey 11 encapsulation udp encapsulation-port 4754 --backend kernel
expect_link k10 "ip6gretap: kind, okey, encap" \
	.linkinfo.info_kind=ip6gretap \
	.linkinfo.info_data.okey=0.0.0.11 \
	.linkinfo.info_data.ikey=null \
	.linkinfo.info_data.encap.type=fou \
	.linkinfo.info_data.encap.dport=4754 \
	.link_type=ether
check_down k10

########################################################################
# 2. The same from config files, by NAME in -c DIR and by FILE path.
t_diag "config files"
cat > "$CDIR/cf1.conf" <<EOC
[Tunnel]
Mode = gre
Local = $L4
Remote = 198.51.100.150
InputKey = 100
OutputKey = 200
Checksum = yes
TTL = inherit
TOS = 0x20
PMTUDiscovery = no
IgnoreDF = yes
Device = eth0
FirewallMark = 12
MTU = 1300
Address = 203.0.113.141/30
Address = 2001:db8:301:5::1/64
Table = 100

[Route]
Destination = 203.0.113.208/28

[Route]
Destination = 2001:db8:301:6::/64
Table = main
Metric = 7
EOC
t_exit "config: up NAME -c DIR" 0 $G -c "$CDIR" up cf1 --backend kernel
expect_link cf1 "config: every [Tunnel] option" \
	.linkinfo.info_kind=gre \
	.linkinfo.info_data.remote=198.51.100.150 \
	.linkinfo.info_data.ikey=0.0.0.100 \
	.linkinfo.info_data.okey=0.0.0.200 \
	.linkinfo.info_data.icsum=true \
	.linkinfo.info_data.ocsum=true \
	.linkinfo.info_data.ttl=0 \
	.linkinfo.info_data.tos=0x20 \
	.linkinfo.info_data.pmtudisc=false \
	.linkinfo.info_data.ignore_df=true \
	.linkinfo.info_data.link=eth0 \
	.linkinfo.info_data.fwmark=0xc \
	.mtu=1300
t_eval "config: addresses" "has_addr cf1 203.0.113.141/30 && has_addr cf1 2001:db8:301:5::1/64"
t_check "config: route in Table = 100" has_route cf1 203.0.113.208/28 100
t_eval "config: route in its own Table = main, metric 7" \
	"ip -6 route show table main dev cf1 | grep -q '^2001:db8:301:6::/64 .*metric 7 '"
t_exit "config: inline option overrides the file" 0 $G -c "$CDIR" up cf1 tos 0x30 --backend kernel
expect_link cf1 "config: tos overridden" .linkinfo.info_data.tos=0x30 .linkinfo.info_data.ikey=0.0.0.100
t_exit "config: down NAME -c DIR" 0 $G -c "$CDIR" down cf1
t_eval "config: nothing left" "no_link cf1 && no_route 203.0.113.208/28 && no_addr 203.0.113.141"

mkdir -p /tmp/other
cat > /tmp/other/cf2.conf <<EOC
[Tunnel]
Mode = ip6gretap
Local = $L6
Remote = 2001:db8:300::20
Key = 0.0.1.0
Sequence = yes
TTL = inherit
Encapsulation = udp
EncapsulationPort = 4800
Backend = kernel
Address = 203.0.113.145/30
EOC
chmod 644 /tmp/other/cf2.conf
t_exit "config: up FILE.conf" 0 $G up /tmp/other/cf2.conf
expect_link cf2 "config: ip6gretap from FILE" \
	.linkinfo.info_kind=ip6gretap \
	.linkinfo.info_data.ikey=0.0.1.0 \
	.linkinfo.info_data.iseq=true \
	.linkinfo.info_data.oseq=true \
	.linkinfo.info_data.ttl=0 \
	.linkinfo.info_data.encap.dport=4800
t_exit "config: down FILE.conf" 0 $G down /tmp/other/cf2.conf
t_check "config: cf2 gone" no_link cf2

########################################################################
# 3. Converge: same up twice changes nothing; a new key in place; a new mode recreates.
t_diag "converge"
set -- c1 mode gre local $L4 remote 198.51.100.160 key 77 ttl 64 \
	address 203.0.113.149/30 address 2001:db8:301:7::1/64 \
	route 203.0.113.224/28 route 2001:db8:301:8::/64 --backend kernel
t_exit "converge: first up" 0 $G up "$@"
snapshot c1 > /tmp/before.json
idx=$(ifindex c1)
t_exit "converge: identical second up exits 0" 0 $G up "$@"
snapshot c1 > /tmp/after.json
t_check "converge: link, addresses and routes unchanged" sh -c \
	"grep -q 203.0.113.149 /tmp/before.json && cmp /tmp/before.json /tmp/after.json"
[ -f /tmp/after.json ] && ! cmp -s /tmp/before.json /tmp/after.json && diff /tmp/before.json /tmp/after.json | head -n 20 | sed 's/^/#  /'
t_check "converge: ifindex unchanged" test -n "$idx" -a "$(ifindex c1)" = "$idx"

t_exit "converge: changed key" 0 $G up c1 mode gre local $L4 remote 198.51.100.160 key 78 ttl 64 \
	address 203.0.113.149/30 address 2001:db8:301:7::1/64 \
	route 203.0.113.224/28 route 2001:db8:301:8::/64 --backend kernel
expect_link c1 "converge: new key applied" .linkinfo.info_data.ikey=0.0.0.78 .linkinfo.info_data.okey=0.0.0.78
t_check "converge: new key in place, same ifindex" test -n "$idx" -a "$(ifindex c1)" = "$idx"
t_check "converge: routes kept after key change" has_route c1 203.0.113.224/28

t_exit "converge: dropped address and route" 0 $G up c1 mode gre local $L4 remote 198.51.100.160 key 78 ttl 64 \
	address 203.0.113.149/30 route 203.0.113.224/28 --backend kernel
t_eval "converge: removed address gone" "no_addr 2001:db8:301:7::1"
t_check "converge: removed route gone" no_route 2001:db8:301:8::/64

t_exit "converge: changed mode" 0 $G up c1 mode gretap local $L4 remote 198.51.100.160 key 78 ttl 64 \
	address 203.0.113.149/30 route 203.0.113.224/28 --backend kernel
expect_link c1 "converge: mode change recreated as gretap" .linkinfo.info_kind=gretap .linkinfo.info_data.ikey=0.0.0.78
t_check "converge: address after recreate" has_addr c1 203.0.113.149/30
t_check "converge: route after recreate" has_route c1 203.0.113.224/28
check_down c1
t_eval "converge: nothing left" "no_addr 203.0.113.149 && no_route 203.0.113.224/28"

########################################################################
# 4. Rollback: the kernel refuses a route; exit 1, nothing left behind.
t_diag "rollback"
cat > "$CDIR/rb1.conf" <<EOC
[Tunnel]
Mode = gre
Local = $L4
Remote = 198.51.100.170
Key = 3
Address = 203.0.113.153/30
Address = 2001:db8:301:9::1/64

[Route]
Destination = 203.0.113.240/29

[Route]
Destination = 203.0.113.248/29
Source = 192.0.2.250
EOC
t_exit "rollback: route with a foreign source exits 1" 1 $G -c "$CDIR" up rb1 --backend kernel
t_check "rollback: no device" no_link rb1
t_check "rollback: no address" no_addr 203.0.113.153
t_check "rollback: no IPv6 address" no_addr 2001:db8:301:9::1
t_check "rollback: no route" no_route 203.0.113.240/29
t_check "rollback: no refused route" no_route 203.0.113.248/29

cat > "$CDIR/rb2.conf" <<EOC
[Tunnel]
Mode = ip6gre
Local = $L6
Remote = 2001:db8:300::70
Address = 203.0.113.157/30

[Route]
Destination = 203.0.113.232/29
Gateway = 192.0.2.1
EOC
t_exit "rollback: route via an unreachable gateway exits 1" 1 $G -c "$CDIR" up rb2 --backend kernel
t_check "rollback: rb2 no device" no_link rb2
t_check "rollback: rb2 no address" no_addr 203.0.113.157
t_check "rollback: rb2 no route" no_route 203.0.113.232/29

# Converging an existing tunnel onto a bad route leaves it as it was.
t_exit "rollback: existing tunnel up" 0 $G up rb3 mode gre local $L4 remote 198.51.100.171 \
	address 203.0.113.161/30 --backend kernel
snapshot rb3 > /tmp/before.json
cat > "$CDIR/rb3.conf" <<EOC
[Tunnel]
Mode = gre
Local = $L4
Remote = 198.51.100.171
Address = 203.0.113.161/30
Address = 203.0.113.165/30

[Route]
Destination = 203.0.113.168/29
Source = 192.0.2.250
EOC
t_exit "rollback: failed converge exits 1" 1 $G -c "$CDIR" up rb3 --backend kernel
snapshot rb3 > /tmp/after.json
t_check "rollback: failed converge left the tunnel as it was" sh -c \
	"grep -q rb3 /tmp/before.json && cmp /tmp/before.json /tmp/after.json"
check_down rb3

# A failed mode change: the gretap device goes, the gre one comes back with
# its MTU, addresses, link state and routes (a new ifindex and IPv6
# link-local address aside).
t_exit "rollback: rb4 up" 0 $G up rb4 mode gre local $L4 remote 198.51.100.172 \
	address 203.0.113.177/30 address 2001:db8:301:a::1/64 route 203.0.113.184/29 --backend kernel
snap_nolink() { snapshot rb4 | sed '/^[0-9]*: rb4/d; /fe80::/d; /link\/gre/d'; ip -d link show rb4 | grep -o 'mtu [0-9]*'; }
snap_nolink > /tmp/before.txt
cat > "$CDIR/rb4.conf" <<EOC
[Tunnel]
Mode = gretap
Local = $L4
Remote = 198.51.100.172
Address = 203.0.113.177/30
Address = 2001:db8:301:a::1/64

[Route]
Destination = 203.0.113.184/29

[Route]
Destination = 203.0.113.168/29
Source = 192.0.2.250
EOC
t_exit "rollback: failed mode change exits 1" 1 $G -c "$CDIR" up rb4 --backend kernel
snap_nolink > /tmp/after.txt
t_check "rollback: the gre device is back as it was" sh -c \
	"grep -q 203.0.113.184/29 /tmp/before.txt && cmp /tmp/before.txt /tmp/after.txt"
t_check "rollback: rb4 is gre again" sh -c "$G show rb4 | grep -q '^rb4: gre backend kernel'"
check_down rb4

t_exit "down of an unknown tunnel exits 4" 4 $G down nosuch0

########################################################################
# 5. --backend auto picks the kernel here.
t_diag "backend auto"
t_exit "auto: up" 0 $G up a1 mode gre local $L4 remote 198.51.100.180 key 1
t_eval "auto: show -j says kernel" "$G show a1 -j | jqe '.[0].backend == \"kernel\"'"
expect_link a1 "auto: a kernel gre device" .linkinfo.info_kind=gre
t_check "auto: show (text) works" $G show a1
check_down a1

########################################################################
# 6. A default route through a kernel tunnel keeps the underlay: the
# tunnel's GRE packets carry IFLA_GRE_FWMARK 51820 and take main's default
# route out of eth0, everything else goes into table 51820 (gretun.conf(5),
# DEFAULT ROUTE). The remote is reached through main's default route only.
# (iproute2 6.1's `ip rule show proto N' does not filter: grep.)
t_diag "default route through a kernel tunnel"
ip route add default via $R4
ip -6 route add default via $R6
rules_routes() { ip rule; ip -6 rule; ip route show table all; ip -6 route show table all; }
rules_routes > /tmp/dr-before.txt
t_exit "default: up" 0 $G up dr1 mode gre local $L4 remote 192.0.2.190 \
	address 203.0.113.193/30 address 2001:db8:301:d::1/64 route default route ::/0 --backend kernel
t_eval "default: the kernel tunnel has fwmark 0xca6c" "ip -d link show dr1 | grep -q 'fwmark 0xca6c'"
t_eval "default: IPv4 rules with protocol 231" "test \$(ip rule | grep -c 'proto 231') = 2 &&
	ip rule | grep -q '^32764:.*from all lookup main suppress_prefixlength 0 proto 231' &&
	ip rule | grep -q '^32765:.*not from all fwmark 0xca6c lookup 51820 proto 231'"
t_eval "default: IPv6 rules with protocol 231" "test \$(ip -6 rule | grep -c 'proto 231') = 2"
t_eval "default: routes in table 51820" "has_route dr1 default 51820 && ip -6 route show table 51820 | grep -q '^default dev dr1'"
t_eval "default: other traffic goes through the tunnel" "ip route get 192.0.2.99 | grep -q 'dev dr1 table 51820'"
t_eval "default: IPv6 too" "ip -6 route get 2001:db8:99::1 | grep -q 'dev dr1 table 51820'"
t_eval "default: marked packets to the remote take the underlay" \
	"ip route get 192.0.2.190 mark 51820 | grep -q 'via $R4 dev eth0'"
t_eval "default: the host's own subnet stays on eth0" "ip route get $R4 | grep -q 'dev eth0'"
tx_eth0() { cat /sys/class/net/eth0/statistics/tx_packets; }
n0=$(tx_eth0)
ping -c 3 -i 0.2 -W 1 203.0.113.194 >/dev/null 2>&1
n1=$(tx_eth0)
t_eval "default: the tunnel's GRE packets leave on eth0 ($((n1 - n0)) packets)" "test $((n1 - n0)) -ge 3"
t_eval "default: show -j lists the four rules" \
	"$G show dr1 -j | jqe '.[0].rules | length == 4 and all(.table == 254 or (.fwmark == 51820 and .not))'"
t_exit "default: a second up exits 0" 0 $G up dr1 mode gre local $L4 remote 192.0.2.190 \
	address 203.0.113.193/30 address 2001:db8:301:d::1/64 route default route ::/0 --backend kernel
t_eval "default: still two IPv4 rules" "test \$(ip rule | grep -c 'proto 231') = 2"
check_down dr1
rules_routes > /tmp/dr-after.txt
t_check "default: down leaves rules and routes as before" cmp /tmp/dr-before.txt /tmp/dr-after.txt
# At run time: the kernel tunnel gets its mark in place (changelink).
t_exit "default: dr2 up without a default route" 0 $G up dr2 mode gre local $L4 remote 192.0.2.191 \
	address 203.0.113.197/30 --backend kernel
idx=$(ifindex dr2)
t_exit "default: route add dr2 default" 0 $G route add dr2 default
t_eval "default: dr2 marked in place" "ip -d link show dr2 | grep -q 'fwmark 0xca6c' && test \"$idx\" = \"\$(ifindex dr2)\""
t_eval "default: dr2's IPv4 rules" "test \$(ip rule | grep -c 'proto 231') = 2 && test \$(ip -6 rule | grep -c 'proto 231') = 0"
t_eval "default: dr2 takes other traffic" "ip route get 192.0.2.99 | grep -q 'dev dr2 table 51820'"
t_exit "default: route del dr2 default" 0 $G route del dr2 default
t_eval "default: its rules gone with it" "test \$(ip rule | grep -c 'proto 231') = 0"
check_down dr2
rules_routes > /tmp/dr-after.txt
t_check "default: rules and routes as before again" cmp /tmp/dr-before.txt /tmp/dr-after.txt
ip route del default via $R4
ip -6 route del default via $R6

########################################################################
# 7. up --all / down --all: several kernel tunnels from one directory, one
# the kernel refuses (rolled back, the others stay), idempotent, all down.
t_diag "up --all, down --all"
ADIR=/etc/gretun-all
mkdir -p "$ADIR"
chmod 755 "$ADIR"
for i in 1 2 3; do
	cat > "$ADIR/ka$i.conf" <<EOC
[Tunnel]
Mode = gre
Local = $L4
Remote = 198.51.100.$((190 + i))
Key = $i
Backend = kernel
Address = 203.0.113.$((192 + i))/32
Address = 2001:db8:302:$i::1/64

[Route]
Destination = 192.0.2.$((i * 8))/29

[Route]
Destination = 2001:db8:303:$i::/64
EOC
done
cat > "$ADIR/kb6.conf" <<EOC
[Tunnel]
Mode = ip6gre
Local = $L6
Remote = 2001:db8:300::90
Device = eth0
Address = 203.0.113.200/32

[Route]
Destination = 192.0.2.64/29
EOC
cat > "$ADIR/kc.conf" <<EOC
[Tunnel]
Mode = gretap
Local = $L4
Remote = 198.51.100.199
MTU = 1400
Address = 203.0.113.201/32
EOC
cat > "$ADIR/kd.conf" <<EOC
[Tunnel]
Mode = gre
Local = $L4
Remote = 198.51.100.197
Backend = kernel
Device = nosuch0
MTU = 1400
Address = 203.0.113.203/32
EOC
cat > "$ADIR/kz.conf" <<EOC
[Tunnel]
Mode = gre
Local = $L4
Remote = 198.51.100.198
Address = 203.0.113.202/32

[Route]
Destination = 192.0.2.72/29

[Route]
Destination = 192.0.2.80/29
Source = 192.0.2.250
EOC
$G -c "$ADIR" up --all > /tmp/all.out 2> /tmp/all.err
t_eval "up --all with a route the kernel refuses and a missing underlay exits 1" "[ $? = 1 ]"
t_eval "up --all: one line a tunnel, kd and kz failed, the others up (kernel)" \
	"printf 'ka1 up (kernel)\nka2 up (kernel)\nka3 up (kernel)\nkb6 up (kernel)\nkc up (kernel)\nkd failed (exit 1)\nkz failed (exit 1)\n' | cmp - /tmp/all.out || { cat /tmp/all.out /tmp/all.err; false; }"
t_check "up --all: the error names kd's create" grep -q "up kd: cannot create gre device (kernel backend): No such device" /tmp/all.err
t_eval "up --all: kd left nothing" "no_link kd && no_addr 203.0.113.203"
t_check "up --all: the error names kz's route" grep -q "up kz: cannot add route 192.0.2.80/29" /tmp/all.err
expect_link ka2 "up --all: ka2 a kernel gre with its key and endpoints, up" \
	.linkinfo.info_kind=gre \
	.linkinfo.info_data.local=$L4 \
	.linkinfo.info_data.remote=198.51.100.192 \
	.linkinfo.info_data.ikey=0.0.0.2 \
	'.flags|contains(["UP"])=true'
expect_link kb6 "up --all: kb6 an ip6gre bound to eth0" \
	.linkinfo.info_kind=ip6gre \
	.linkinfo.info_data.link=eth0
expect_link kc "up --all: kc a gretap with MTU 1400" .linkinfo.info_kind=gretap .mtu=1400
t_eval "up --all: the auto MTU of ka1 (1500 - 20 - 8)" "[ \"\$(mtu_of ka1)\" = 1472 ]"
t_eval "up --all: every address and route" \
	"has_addr ka1 203.0.113.193/32 && has_addr ka3 2001:db8:302:3::1/64 &&
	 has_route ka2 192.0.2.16/29 && has_route ka3 2001:db8:303:3::/64 &&
	 has_route kb6 192.0.2.64/29 && has_addr kc 203.0.113.201/32"
t_eval "up --all: kz rolled back (no device, address, route)" \
	"no_link kz && no_addr 203.0.113.202 && no_route 192.0.2.72/29"
snapshot ka1 > /tmp/all1.txt; snapshot kb6 >> /tmp/all1.txt
rm "$ADIR/kz.conf" "$ADIR/kd.conf"
$G -c "$ADIR" up --all > /tmp/all.out 2> /tmp/all.err
t_eval "second up --all exits 0" "[ $? = 0 ]"
t_eval "second up --all: all five unchanged" "[ \$(grep -c ' unchanged (kernel)\$' /tmp/all.out) = 5 ]"
snapshot ka1 > /tmp/all2.txt; snapshot kb6 >> /tmp/all2.txt
t_check "second up --all changes nothing" cmp /tmp/all1.txt /tmp/all2.txt
$G -c "$ADIR" down --all > /tmp/all.out 2> /tmp/all.err
t_eval "down --all exits 0" "[ $? = 0 ]"
t_eval "down --all: five lines down" "[ \$(grep -c ' down\$' /tmp/all.out) = 5 ]"
t_eval "down --all leaves nothing" \
	"no_link ka1 && no_link ka2 && no_link ka3 && no_link kb6 && no_link kc &&
	 no_addr 203.0.113.193 && no_route 192.0.2.8/29 && no_route 2001:db8:303:1::/64 &&
	 [ -z \"\$($G list)\" ]"

########################################################################
# The host must have pinged us by now (test_kernel.sh).
i=0
while [ ! -s /tmp/host-msg ] && [ $i -lt 30 ]; do sleep 1; i=$((i + 1)); done
t_check "host reached the guest over the TAP" grep -q pinged /tmp/host-msg
t_check "guest pings the host (IPv4)" ping -c 1 -W 2 "$HOST_IP4"
t_check "guest pings the host (IPv6)" ping -c 1 -W 2 "$HOST_IP6"
t_eval "no tunnel left at the end" "! ip -d -j link show | jq -e '.[] | select(.linkinfo.info_kind // \"\" | test(\"gre\")) | select(.ifname | test(\"^(gre0|gretap0|erspan0|ip6gre0|ip6tnl0)\$\") | not)'"
t_done
