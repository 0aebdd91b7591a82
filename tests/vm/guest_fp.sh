# SPDX-License-Identifier: GPL-2.0-or-later
# Guest script (test_fp.sh): the fast path's TC programs load on this
# Debian kernel and pass check_fp's BPF_PROG_TEST_RUN cases here too; then
# they route: this kernel's GRE in namespace pa sends TSO super-packets
# (SKB_GSO_GRE / SKB_GSO_UDP_TUNNEL) over a veth to gretund's fast path in
# pb, whose ingress program decapsulates them (6.1: no DECAP_L4 flags, the
# GSO type stays) and pb forwards them to pc over a second veth, as they
# are and with tx off there (segmented in software); TCP both ways by
# sha256 for gre, gretap and GRE-in-UDP, carried by the programs. And as a
# hub, into a second fast-path tunnel (gretund's path out there).
. /lib/gretun/lib.sh
echo "# kernel $(uname -r)"
_out=$(CK_FORK=no /check_fp 2>&1)
_rc=$?
printf '%s\n' "$_out" | sed 's/^/#   /'
if [ "$_rc" = 0 ]; then
	t_ok "check_fp on $(uname -r)"
else
	t_notok "check_fp on $(uname -r) (exit $_rc)"
fi

K=$(uname -r)
N=100000	# seq 1 N: 589 KB
SUM=$(seq 1 $N | sha256sum | cut -d' ' -f1)
# fetch FROM ADDR PORT: the server's `seq 1 N` into FROM, by sha256
fetch() {
	rm -f /tmp/got
	ip netns exec "$1" busybox nc -w 30 "$2" "$3" > /tmp/got < /dev/null
	_s=$(sha256sum < /tmp/got | cut -d' ' -f1)
	[ "$_s" = "$SUM" ] || { echo "got $(wc -c < /tmp/got) bytes, sha256 $_s"; return 1; }
}
rx_dev() { ip netns exec pb cat "/sys/class/net/$1/statistics/rx_packets"; }
if ! { ip netns add pa && ip netns add pb && ip netns add pc; }; then
	t_notok "router on $K: ip netns add"
	t_done
	exit
fi
ip link add veth0 netns pa type veth peer name veth0 netns pb
ip link add veth1 netns pb type veth peer name veth1 netns pc
for _l in "pa veth0" "pb veth0" "pb veth1" "pc veth1"; do
	set -- $_l
	ip -n "$1" link set lo up
	ip -n "$1" link set "$2" up
done
ip -n pa addr add 192.0.2.1/24 dev veth0
ip -n pb addr add 192.0.2.2/24 dev veth0
ip -n pb addr add 198.51.100.1/28 dev veth1
ip -n pc addr add 198.51.100.2/28 dev veth1
ip -n pc route add 203.0.113.0/24 via 198.51.100.1
echo 1 > /tmp/one
ip netns exec pb sh -c 'cat /tmp/one > /proc/sys/net/ipv4/ip_forward'
ip netns exec pa ip fou add port 4754 ipproto 47
ip netns exec pa busybox nc -ll -p 8000 -e busybox seq 1 $N &
_sa=$!
ip netns exec pc busybox nc -ll -p 8000 -e busybox seq 1 $N &
_sc=$!
_k=0
for _m in gre gretap "gre encap udp"; do
	_k=$((_k + 1))
	_oa=203.0.113.$((_k * 4 + 1)) _ob=203.0.113.$((_k * 4 + 2))
	case $_m in
	"gre encap udp") _kx="type gre encap fou encap-sport auto encap-dport 4754" ;;
	*) _kx="type $_m" ;;
	esac
	# shellcheck disable=SC2086 # _kx is words
	ip -n pa link add "r$_k" $_kx local 192.0.2.1 remote 192.0.2.2 key $((30 + _k))
	ip -n pa addr add "$_oa/30" dev "r$_k"
	ip -n pa link set "r$_k" up
	# shellcheck disable=SC2086 # _m is words
	t_check "router on $K: $_m: gretunctl up datapath bpf in pb" \
		ip netns exec pb gretunctl up "r$_k" mode $_m local 192.0.2.2 remote 192.0.2.1 \
		key $((30 + _k)) datapath bpf address "$_ob/30" --backend userspace
	if [ "$_m" = gretap ]; then
		ip -n pa route replace 198.51.100.0/28 via "$_ob" dev "r$_k"
	else
		ip -n pa route replace 198.51.100.0/28 dev "r$_k"
	fi
	ip netns exec pa ping -c 2 -W 3 198.51.100.2 > /dev/null 2>&1
	for _via in "as is" "tx off"; do
		if [ "$_via" = "tx off" ]; then
			if ! command -v ethtool > /dev/null; then
				t_skip "router on $K: $_m: no ethtool in the guest for tx off"
				continue
			fi
			ip netns exec pb ethtool -K veth1 tx off > /dev/null
		fi
		_d0=$(rx_dev "r$_k") _v0=$(rx_dev veth0)
		t_check "router on $K: $_m, pb to pc $_via: TCP pa to pc, sha256 matches" \
			fetch pc "$_oa" 8000
		_d=$(($(rx_dev "r$_k") - _d0)) _v=$(($(rx_dev veth0) - _v0))
		# 589 KB is 420 or more segments: far fewer packets on the
		# veth are super-packets (pa's TSO through it)
		t_eval "router on $K: $_m, pb to pc $_via: super-packets reached pb ($_v packets on its veth)" \
			"[ $_v -lt 200 ]"
		t_eval "router on $K: $_m, pb to pc $_via: pb's programs took it (device rx $_d < 40)" \
			"[ $_d -lt 40 ]"
		t_check "router on $K: $_m, pb to pc $_via: TCP pc to pa, sha256 matches" \
			fetch pa 198.51.100.2 8000
	done
	[ -x "$(command -v ethtool)" ] && ip netns exec pb ethtool -K veth1 tx on > /dev/null
	t_eval "router on $K: $_m: no errors or drops counted in pb" \
		"ip netns exec pb gretunctl show r$_k -j | jqe '.[0].stats | .rx_errors == 0 and .tx_errors == 0 and ([.drops[]] | add) == 0'"
	# the next tunnel before this one goes: one gretund, one load
	[ $_k = 1 ] || ip netns exec pb gretunctl down "r$((_k - 1))" > /dev/null
	ip -n pa link del "r$_k"
done
# A hub: pb forwards what its programs decapsulated from pa into a second
# fast-path tunnel, to this kernel's GRE in pc. The kernel refuses to
# encapsulate such a packet again (its encapsulation mark stays): gretund
# sends it (gretund(8), FAST PATH), intact.
ip -n pa link add h1 type gre local 192.0.2.1 remote 192.0.2.2 key 61
ip -n pa addr add 203.0.113.97/30 dev h1
ip -n pa link set h1 up
ip -n pa route add 203.0.113.102/32 dev h1
ip -n pc link add h2 type gre local 198.51.100.2 remote 198.51.100.1 key 62
ip -n pc addr add 203.0.113.102/30 dev h2
ip -n pc link set h2 up
ip -n pc route add 203.0.113.97/32 dev h2
t_check "hub on $K: gretunctl up h1 datapath bpf in pb" ip netns exec pb gretunctl up h1 mode gre \
	local 192.0.2.2 remote 192.0.2.1 key 61 datapath bpf address 203.0.113.98/30 --backend userspace
t_check "hub on $K: gretunctl up h2 datapath bpf in pb" ip netns exec pb gretunctl up h2 mode gre \
	local 198.51.100.1 remote 198.51.100.2 key 62 datapath bpf address 203.0.113.101/30 --backend userspace
ip netns exec pa ping -c 2 -W 3 203.0.113.102 > /dev/null 2>&1
_t0=$(ip netns exec pb cat /sys/class/net/h2/statistics/tx_packets)
t_check "hub on $K: TCP pa to pc through both tunnels, sha256 matches" fetch pc 203.0.113.97 8000
_t=$(($(ip netns exec pb cat /sys/class/net/h2/statistics/tx_packets) - _t0))
t_eval "hub on $K: pb's egress program left it to gretund, as gretund(8) says (device tx $_t > 200)" \
	"[ $_t -gt 200 ]"
t_check "hub on $K: TCP pc to pa through both tunnels, sha256 matches" fetch pa 203.0.113.102 8000
for _h in h1 h2; do
	t_eval "hub on $K: no errors or drops counted on $_h in pb" \
		"ip netns exec pb gretunctl show $_h -j | jqe '.[0].stats | .rx_errors == 0 and .tx_errors == 0 and ([.drops[]] | add) == 0'"
done
ip netns exec pb gretunctl down h1 > /dev/null
ip netns exec pb gretunctl down h2 > /dev/null
ip netns exec pb gretunctl down "r$_k" > /dev/null
kill $_sa $_sc 2>/dev/null
ip netns del pa
ip netns del pb
ip netns del pc
t_done
