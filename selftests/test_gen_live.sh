#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# cpusteer gen, as a user would check it:
#  - live, its report says what the device did with the frames: on a veth
#    pair made here, every way of refusing them (a peer without XDP and
#    GRO, the interface down, lo, the peer down, frames too long for either
#    end) is reported with the kernel's cause and exits 1, and the peer's
#    own counters agree; with GRO or a native XDP program on the peer,
#    every frame is accepted, gen exits 0 and the peer counts them all;
#  - a --seed fixes the frames: two pcaps of one seed are the same bytes,
#    another seed gives others, and the seed an unseeded run reports
#    repeats it;
#  - bad input is refused with exit 2 and a message that names it.
#
# The frames go only from $NS_A to $NS_B. IPv6 is turned off on both veths
# so that no neighbour discovery moves the counters the cases compare.

set -u

# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/lib.sh"

export CPUSTEER=${CPUSTEER:-$(cs_find cpusteer)}
REF_ATTACH=${REF_ATTACH:-$(cs_find ref_attach)}

EXIT_OK=0
EXIT_FAIL=1
EXIT_USAGE=2

COUNT=1000		# frames per live case: a few bulk flushes' worth
CMD_TIMEOUT=30		# a live case takes well under a second
# The peer drains its ring in softirq after gen returns; a counter that has
# not moved for SETTLE_S seconds is done. SETTLE_TRIES bounds the wait.
SETTLE_S=0.2
SETTLE_TRIES=25
REF_SECONDS=60		# ref_attach detaches by itself after this, at worst

require_root
require_cmd ip ethtool nsenter jq timeout cmp
[[ -x $CPUSTEER ]] || ktap_exit_skip "no cpusteer binary at $CPUSTEER (run make)"
require_feature "${GEN_FEATURES[@]}"

tmp=""
ref_pid=""

# shellcheck disable=SC2317	# called by the EXIT trap
cleanup()
{
	if [[ -n $ref_pid ]]; then
		kill "$ref_pid" 2> /dev/null
		wait "$ref_pid" 2> /dev/null
	fi
	netns_cleanup
	[[ -z $tmp ]] || rm -rf "$tmp"
}
trap cleanup EXIT

tmp=$(mktemp -d) || ktap_exit_skip "cannot make a temporary directory"
netns_setup gen || ktap_exit_skip "cannot build the veth testbed"
for ns_dev in "$NS_A:$VETH_A" "$NS_B:$VETH_B"; do
	ip netns exec "${ns_dev%%:*}" sysctl -qw \
		"net.ipv6.conf.${ns_dev#*:}.disable_ipv6=1" ||
		ktap_exit_skip "cannot turn IPv6 off on ${ns_dev#*:}"
done

# --- Helpers ----------------------------------------------------------------

# gen ARGS...: cpusteer gen in $NS_A; sets rc, output in $out/$err.
out=$tmp/out
err=$tmp/err
rc=0
gen()
{
	timeout -k 2 "$CMD_TIMEOUT" nsenter --net="/run/netns/$NS_A" \
		"$CPUSTEER" gen "$@" > "$out" 2> "$err"
	rc=$?
}

# gen_host ARGS...: the same outside the namespaces (pcaps, refusals).
gen_host()
{
	timeout -k 2 "$CMD_TIMEOUT" "$CPUSTEER" gen "$@" > "$out" 2> "$err"
	rc=$?
}

# peer_stat NAME: a counter of $VETH_B, as its own namespace sees it.
peer_stat()
{
	ip netns exec "$NS_B" cat "/sys/class/net/$VETH_B/statistics/$1"
}

# settled NAME: the counter once it stops moving.
settled()
{
	local i last now

	last=$(peer_stat "$1")
	for ((i = 0; i < SETTLE_TRIES; i++)); do
		sleep "$SETTLE_S"
		now=$(peer_stat "$1")
		[[ $now == "$last" ]] && break
		last=$now
	done
	echo "$last"
}

# wait_link NS DEV up|down: until DEV's operstate is "up", or is not (a
# veth without its peer is "lowerlayerdown"); 5 s at most.
wait_link()
{
	local i state

	for ((i = 0; i < NETNS_UP_TRIES; i++)); do
		state=$(ip netns exec "$1" cat "/sys/class/net/$2/operstate")
		[[ $3 == up && $state == up ]] && return 0
		[[ $3 == down && $state != up ]] && return 0
		sleep 0.1
	done
	return 1
}

peer_gro()
{
	ip netns exec "$NS_B" ethtool -K "$VETH_B" gro "$1" > /dev/null
}

# check NAME WHY: ok if WHY is empty, else not ok with WHY and the output.
check()
{
	ktap_result "$1" "$2" "$out" "$err"
}

# want_rc RC: why the last run did not exit RC (empty if it did).
want_rc()
{
	[[ $rc -eq $1 ]] || printf 'exit %s, want %s; ' "$rc" "$1"
}

# want FILE REGEX: why FILE does not match REGEX (empty if it does).
want()
{
	grep -Eq -- "$2" "$1" || printf '%s does not match /%s/; ' \
		"$(basename "$1")" "$2"
}

# want_json JQ: why stdout's one JSON object fails JQ (empty if it holds).
want_json()
{
	[[ $(wc -l < "$out") -eq 1 ]] || printf 'stdout is not one line; '
	jq -e "$1" "$out" > /dev/null 2>&1 ||
		printf 'JSON fails %s; ' "$(tr -s '\n\t' '  ' <<< "$1")"
}

# refused IFACE CAUSE TEXT: the last live run through IFACE was refused
# whole, for CAUSE (an errno's name, or "dropped"), explained with TEXT.
refused()
{
	want_rc $EXIT_FAIL
	want "$out" ": $1 accepted 0, refused $COUNT \\($2: $COUNT\\)$"
	want "$out" "^  $2: .*$3"
	want "$err" "^cpusteer gen: error: $1 accepted 0 of $COUNT frames \\($2: $COUNT\\)"
}

# --- Cases -----------------------------------------------------------------

ktap_header
ktap_plan 25

# The peer has no XDP program and GRO is off (netns_setup's default). From
# Linux 6.3 the veth's xdp_features say it cannot transmit, and the
# redirect fails per frame with EOPNOTSUPP; before, veth_xdp_xmit() finds
# no NAPI on the peer and refuses each burst with ENXIO. Either way: every
# frame refused, and why.
NOXDP=ENXIO
version_ge "$(uname -r)" 6.3 && NOXDP=EOPNOTSUPP
peer_gro off
rx0=$(settled rx_packets)
gen "$VETH_A" --count $COUNT
check "peer without XDP and GRO: exit 1, $NOXDP for every frame, explained" \
	"$(refused "$VETH_A" $NOXDP "no native XDP program and GRO off")"
gen "$VETH_A" --count $COUNT --json
check "peer without XDP and GRO: --json says accepted 0 and why" \
	"$(want_rc $EXIT_FAIL)$(want_json ".sent == $COUNT and .accepted == 0 and
		.refused == $COUNT and .refusals == {$NOXDP: $COUNT} and
		(.causes.$NOXDP | test(\"GRO\")) and (.error | test(\"accepted 0 of\"))")"
rx1=$(settled rx_packets)
check "peer without XDP and GRO: the peer received nothing" \
	"$( ((rx1 == rx0)) || echo "rx_packets moved by $((rx1 - rx0))")"

# The sending interface is down: refused before anything is sent.
ip -n "$NS_A" link set dev "$VETH_A" down
gen "$VETH_A" --count $COUNT
check "$VETH_A down: exit 1, says it is down" \
	"$(want_rc $EXIT_FAIL)$(want "$err" "^cpusteer gen: error: $VETH_A is down.*ip link set dev $VETH_A up")"
ip -n "$NS_A" link set dev "$VETH_A" up
wait_link "$NS_A" "$VETH_A" up || ktap_msg "$VETH_A did not come back up"

# lo cannot transmit XDP frames at all.
gen lo --count $COUNT
check "lo: exit 1, EOPNOTSUPP, a loopback device" \
	"$(refused lo EOPNOTSUPP "loopback device")"

# GRO on the peer lets the veth transmit, but not while the peer is down.
peer_gro on
ip -n "$NS_B" link set dev "$VETH_B" down
wait_link "$NS_A" "$VETH_A" down || ktap_msg "$VETH_A kept its carrier"
gen "$VETH_A" --count $COUNT
check "peer down: exit 1, ENXIO, the peer is down" \
	"$(refused "$VETH_A" ENXIO "peer is down")"
ip -n "$NS_B" link set dev "$VETH_B" up
wait_link "$NS_A" "$VETH_A" up || ktap_msg "$VETH_A did not get its carrier back"

# Longer than this side's MTU (1500): refused before the driver.
gen "$VETH_A" --count $COUNT --size 1600
check "frames longer than $VETH_A's MTU: exit 1, EMSGSIZE, lower --size" \
	"$(refused "$VETH_A" EMSGSIZE "longer than $VETH_A's MTU.*--size")"

# Longer than the peer's MTU only: the veth takes none of each burst.
ip -n "$NS_B" link set dev "$VETH_B" mtu 1000
d0=$(settled rx_dropped)
gen "$VETH_A" --count $COUNT --size 1200
check "frames longer than the peer's MTU: exit 1, dropped by the driver" \
	"$(refused "$VETH_A" dropped "exceed the peer's MTU")"
d1=$(settled rx_dropped)
check "frames longer than the peer's MTU: the peer counted $COUNT rx_dropped" \
	"$( ((d1 - d0 == COUNT)) || echo "rx_dropped moved by $((d1 - d0))")"
ip -n "$NS_B" link set dev "$VETH_B" mtu 1500

# Delivered: GRO on the peer, then a native XDP program on it instead.
# "accepted" is the driver's word; the peer's rx_packets is its own.
delivered()
{
	local r0 r1

	r0=$(settled rx_packets)
	gen "$VETH_A" --count $COUNT --json
	r1=$(settled rx_packets)
	want_rc $EXIT_OK
	want_json ".sent == $COUNT and .accepted == $COUNT and .refused == 0 and
		.refusals == {} and (has(\"error\") | not)"
	((r1 - r0 == COUNT)) ||
		printf 'the peer received %s, not %s; ' $((r1 - r0)) $COUNT
}
check "peer with GRO on: exit 0, all $COUNT accepted, all $COUNT received" \
	"$(delivered)"
gen "$VETH_A" --count $COUNT
check "peer with GRO on: the text report says so" \
	"$(want_rc $EXIT_OK)$(want "$out" "^sent $COUNT frames .*seed [0-9]+.*: $VETH_A accepted $COUNT, refused 0$")"

peer_gro off
if [[ ! -x $REF_ATTACH ]]; then
	ktap_skip "peer with a native XDP program" "no $REF_ATTACH (make -C selftests)"
else
	ip netns exec "$NS_B" timeout $((REF_SECONDS + 5)) "$REF_ATTACH" \
		"$VETH_B" 0 $REF_SECONDS > "$tmp/ref.out" 2>&1 &
	ref_pid=$!
	if ! wait_for "$tmp/ref.out" attached; then
		ktap_skip "peer with a native XDP program" \
			"ref_attach could not attach: $(cat "$tmp/ref.out")"
	else
		check "peer with a native XDP program, GRO off: exit 0, all $COUNT accepted and received" \
			"$(delivered)"
	fi
	kill "$ref_pid" 2> /dev/null
	wait "$ref_pid" 2> /dev/null
	ref_pid=""
fi

# Two gens at once, each through one end of the pair: $VETH_A's peer has
# GRO on and takes everything, $VETH_B's has neither and takes nothing.
# Both ends may well have the same ifindex (each namespace counts from 1):
# each gen must count its own frames only, not the other's events.
BOTH=200000
both()
{
	local a_pid

	timeout -k 2 "$CMD_TIMEOUT" nsenter --net="/run/netns/$NS_A" \
		"$CPUSTEER" gen "$VETH_A" --count $BOTH --json \
		> "$tmp/a.json" 2> /dev/null &
	a_pid=$!
	timeout -k 2 "$CMD_TIMEOUT" nsenter --net="/run/netns/$NS_B" \
		"$CPUSTEER" gen "$VETH_B" --count $BOTH --json \
		> "$tmp/b.json" 2> /dev/null
	wait $a_pid
	# $VETH_A's peer may fall behind (a slow machine): its ring then
	# drops some, which is still $VETH_A's own accounting.
	jq -e ".accepted > 0 and .accepted + .refused == $BOTH and
	       (.refusals | keys - [\"dropped\"]) == []" "$tmp/a.json" > /dev/null ||
		printf '%s: %s; ' "$VETH_A" "$(cat "$tmp/a.json")"
	jq -e ".accepted == 0 and .refusals == {$NOXDP: $BOTH}" \
		"$tmp/b.json" > /dev/null ||
		printf '%s: %s; ' "$VETH_B" "$(cat "$tmp/b.json")"
}
peer_gro on
ktap_msg "ifindex of $VETH_A: $(ip netns exec "$NS_A" cat "/sys/class/net/$VETH_A/ifindex"), of $VETH_B: $(ip netns exec "$NS_B" cat "/sys/class/net/$VETH_B/ifindex")"
check "two gens at once, one through each end: each counts only its own frames" \
	"$(both)"
peer_gro off

# --- Reproducible: the same seed, the same bytes ------------------------------

pcap_args=(--flows 100 --count 20000)
gen_host --pcap "$tmp/z1.pcap" "${pcap_args[@]}" --dist zipf:1.1 --seed 42
gen_host --pcap "$tmp/z2.pcap" "${pcap_args[@]}" --dist zipf:1.1 --seed 42
check "zipf: two pcaps of --seed 42 are the same bytes" \
	"$(want_rc $EXIT_OK)$(cmp "$tmp/z1.pcap" "$tmp/z2.pcap" 2>&1)"
gen_host --pcap "$tmp/e1.pcap" "${pcap_args[@]}" --dist elephants:4:0.8 --seed 42
gen_host --pcap "$tmp/e2.pcap" "${pcap_args[@]}" --dist elephants:4:0.8 --seed 42
check "elephants: two pcaps of --seed 42 are the same bytes" \
	"$(want_rc $EXIT_OK)$(cmp "$tmp/e1.pcap" "$tmp/e2.pcap" 2>&1)"
gen_host --pcap "$tmp/z3.pcap" "${pcap_args[@]}" --dist zipf:1.1 --seed 43
check "zipf: --seed 43 gives other frames than --seed 42" \
	"$(want_rc $EXIT_OK)$(cmp -s "$tmp/z1.pcap" "$tmp/z3.pcap" && echo "the pcaps are the same")"

# Unseeded: the reported seed, given back, repeats the run.
gen_host --pcap "$tmp/u1.pcap" "${pcap_args[@]}" --dist elephants:4:0.8
seed=$(sed -n 's/.*, seed \([0-9]*\)).*/\1/p' "$out")
gen_host --pcap "$tmp/u2.pcap" "${pcap_args[@]}" --dist elephants:4:0.8 --seed "${seed:-none}"
check "unseeded: the seed the text report gives repeats the run" \
	"$(want_rc $EXIT_OK)$(cmp "$tmp/u1.pcap" "$tmp/u2.pcap" 2>&1)"
gen_host --pcap "$tmp/u3.pcap" "${pcap_args[@]}" --dist zipf:1.1 --json
seed=$(jq -r .seed "$out" 2> /dev/null)
gen_host --pcap "$tmp/u4.pcap" "${pcap_args[@]}" --dist zipf:1.1 --seed "${seed:-none}"
check "unseeded: the seed --json gives, read by jq, repeats the run" \
	"$(want_rc $EXIT_OK)$(cmp "$tmp/u3.pcap" "$tmp/u4.pcap" 2>&1)"

# --- Bad input: exit 2, "cpusteer gen: error:", the input named --------------

refusal()
{
	local name=$1 re=$2

	shift 2
	gen_host "$@"
	check "refused: $name" "$(want_rc $EXIT_USAGE)$(want "$err" "^cpusteer gen: error: $re")"
}
p=$tmp/r.pcap
refusal "--size 63 (under 64 with FCS)" "--size 63 does not fit: give 64 to .*at least 64" --pcap "$p" --size 63
refusal "--size 62 (fits the headers)" "--size 62 does not fit: give 64 to .*need 62" --pcap "$p" --size 62
refusal "--rate with --pcap" "--rate paces live sending.*drop --rate" --pcap "$p" --rate 1000
refusal "--duration with --pcap" "--duration bounds live sending.*drop --duration" --pcap "$p" --duration 1
refusal "--seed -1" "--seed '-1' is not a decimal whole number \(0 to 18446744073709551615\)" --pcap "$p" --seed -1
refusal "--seed 2^64" "--seed '18446744073709551616' is not a decimal" --pcap "$p" --seed 18446744073709551616
gen_host --pcap "$p" --size 64 --seed 18446744073709551615
check "--size 64 and --seed 2^64-1 are taken" \
	"$(want_rc $EXIT_OK)$(want "$out" "^wrote 1000 frames \\(16 flows, 64 bytes, seed 18446744073709551615\\)")"

ktap_finish
