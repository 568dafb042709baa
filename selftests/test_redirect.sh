#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Stage 2 "redirect" (cpusteer as a bump in the wire) on three network
# namespaces: frames from A steered on B's veth go, from the target CPUs,
# out of a second veth of B into C, their destination MAC rewritten so
# that C's sockets take them: every frame the veth took arrives in C, in
# order, and is counted. Without the rewrite they reach C's device but no
# socket; a deleted device drops them, counted; bad options are refused.

. "$(dirname "$0")/lib.sh"

export CPUSTEER=${CPUSTEER:-$(cs_find cpusteer)}
UDP_FLOWS=${UDP_FLOWS:-$(cs_find udp_flows)}
FLOWS=8
PACKETS=500
TIMEOUT=20
RATE=$([[ ${CS_VMTEST:-} == 1 ]] && echo 5000 || echo 20000)

require_root
require_cmd ip ethtool nsenter jq timeout
[[ -x $CPUSTEER ]] || ktap_exit_skip "no cpusteer binary at $CPUSTEER (run make)"
require_feature "${STEER_FEATURES[@]}" "${GEN_FEATURES[@]}"
[[ -x $UDP_FLOWS ]] || ktap_exit_skip "no udp_flows at $UDP_FLOWS (run make -C selftests)"
bpffs_mounted || ktap_exit_skip "cannot mount bpffs on /sys/fs/bpf"

TMP=$(mktemp -d)
NS_C="redC-$$"
OUT="o$$b"		# B's side of the B-C pair
IN_C="o$$c"		# C's side
cleanup()
{
	[[ -n ${NS_B:-} ]] && has_pins "$NS_B" "${VETH_B:-none}" &&
		in_b "$CPUSTEER" detach "$VETH_B" > /dev/null 2>&1
	ip netns del "$NS_C" 2> /dev/null
	netns_cleanup
	rm -rf "$TMP"
}
trap cleanup EXIT
netns_setup red || ktap_exit_skip "cannot build the veth testbed"

# C has B's address (another namespace: no clash), so a frame for B with
# C's MAC is C's to take. GRO on C's side lets the veth take XDP frames.
# No IPv6 on the pair: its neighbour discovery would be frames of its own.
setup_c()
{
	# No IPv6 chatter (neighbour discovery, MLD) from A either: every
	# frame B steers is then gen's, and the counts are exact.
	ip netns exec "$NS_A" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 &&
	ip netns exec "$NS_A" sysctl -qw "net.ipv6.conf.$VETH_A.disable_ipv6=1" &&
	ip netns add "$NS_C" &&
	ip -n "$NS_B" link add "$OUT" type veth peer name "$IN_C" netns "$NS_C" &&
	ip netns exec "$NS_B" sysctl -qw "net.ipv6.conf.$OUT.disable_ipv6=1" &&
	ip netns exec "$NS_C" sysctl -qw "net.ipv6.conf.$IN_C.disable_ipv6=1" &&
	ip -n "$NS_B" link set "$OUT" up &&
	ip -n "$NS_C" addr add "$IP_B/24" dev "$IN_C" &&
	ip -n "$NS_C" link set "$IN_C" up &&
	ip -n "$NS_C" link set lo up &&
	ip netns exec "$NS_C" ethtool -K "$IN_C" gro on > /dev/null &&
	MAC_C=$(ip netns exec "$NS_C" cat "/sys/class/net/$IN_C/address")
}
setup_c || ktap_exit_skip "cannot build the third namespace"

in_b() { nsenter --net="/run/netns/$NS_B" "$@"; }
cs() { in_b "$CPUSTEER" "$@"; }
ONLINE=$(cat /sys/devices/system/cpu/online)
detached() { ! ip -n "$NS_B" link show dev "$VETH_B" | grep -q ' xdp' && ! has_pins "$NS_B" "$VETH_B"; }
rx_c() { ip netns exec "$NS_C" cat "/sys/class/net/$IN_C/statistics/rx_packets"; }
txdrop_out() { ip netns exec "$NS_B" cat "/sys/class/net/$OUT/statistics/tx_dropped"; }
reason() { cs stats "$VETH_B" --json --count 1 --interval 0.1 | jq ".reasons.$1.total"; }

# EXIT-CODE MESSAGE-PART ARGS...
REFUSALS=(
	"1|no such interface in this network namespace|--redirect-dev nosuch0"
	"2|--redirect-dev|--redirect-dev ../$OUT"
	"2|--redirect-dst-mac|--redirect-dev $OUT --redirect-dst-mac zz:00:00:00:00:00"
	"2|needs --redirect-dev IFACE|--redirect-dst-mac 02:00:00:00:00:01"
	"2|needs --redirect-dev IFACE|--stage2 redirect"
	"2|either sends frames out or runs drop|--stage2 drop --redirect-dev $OUT"
)
# The device's XDP features say whether it can send XDP frames (Linux 6.3).
version_ge "$(uname -r)" 6.3 &&
	REFUSALS+=("1|cannot send XDP frames|--redirect-dev lo")

attach_out()
{
	cs attach "$VETH_B" --cpus "$ONLINE" --redirect-dev "$OUT" \
		--redirect-dst-mac "$MAC_C" > /dev/null &&
	cs status "$VETH_B" --json | jq -e '.[0] | .stage2 == "redirect" and
		.redirect.dev == "'"$OUT"'" and .redirect.dst_mac == "'"$MAC_C"'" and
		.redirect.src_mac == null' > /dev/null
}

# Every frame stage 2 sent out either reached C's device or was dropped by
# B's veth when C's ring was full (its tx_dropped): exactly. C's socket
# got every one of gen's frames save those, in order.
through()
{
	local rpid b a rb ra db da

	b=$(reason stage2_redirect) && rb=$(rx_c) && db=$(txdrop_out) || return 1
	ip netns exec "$NS_C" timeout $((TIMEOUT + 5)) "$UDP_FLOWS" recv \
		--src "$IP_A" --dst "$IP_B" --flows $FLOWS --packets $PACKETS \
		--timeout $TIMEOUT > "$TMP/c.recv" 2> "$TMP/c.err" &
	rpid=$!
	wait_for "$TMP/c.err" listening || return 1
	nsenter --net="/run/netns/$NS_A" "$CPUSTEER" gen "$VETH_A" \
		--src "$IP_A" --dst "$IP_B" --dst-mac "$MAC_B" --flows $FLOWS \
		--count $((FLOWS * PACKETS)) --rate $RATE --json > "$TMP/c.gen"
	wait $rpid
	a=$(reason stage2_redirect) && ra=$(rx_c) && da=$(txdrop_out) || return 1
	echo "stage2_redirect +$((a - b)), C's device +$((ra - rb)), B's veth dropped +$((da - db))"
	jq -e -s --slurpfile g "$TMP/c.gen" --argjson n $((a - b)) \
		--argjson rx $((ra - rb)) --argjson d $((da - db)) '
		$g[0].accepted as $acc |
		$n == $rx + $d and $n == $acc and
		(map(.received) | add) >= $acc - $d and
		(map(.received) | add) <= $acc and
		all(.[]; .reordered == 0)' \
		"$TMP/c.recv" > /dev/null || { cat "$TMP/c.gen" "$TMP/c.recv"; return 1; }
}

# A change of the rewrite is made in place (same link, same programs):
# without it, frames reach C's device and no socket there.
no_rewrite()
{
	local link b a db da sb sa

	link=$(cs status "$VETH_B" --json | jq '.[0].link_id')
	printf '[%s]\ncpus = %s\nredirect-dev = %s\n' "$VETH_B" "$ONLINE" "$OUT" > "$TMP/c.conf"
	cs apply --config "$TMP/c.conf" > "$TMP/out" || return 1
	grep -q "redirect-dev $OUT -> $OUT, MAC rewrite changed" "$TMP/out" || { cat "$TMP/out"; return 1; }
	cs status "$VETH_B" --json | jq -e '.[0] | .link_id == '"$link"' and
		.redirect.dst_mac == null' > /dev/null || return 1
	b=$(rx_c) && db=$(txdrop_out) && sb=$(reason stage2_redirect) || return 1
	nsenter --net="/run/netns/$NS_A" "$CPUSTEER" gen "$VETH_A" \
		--src "$IP_A" --dst "$IP_B" --dst-mac "$MAC_B" --flows $FLOWS \
		--count 400 --rate $RATE --json > "$TMP/n.gen"
	sleep 0.5
	a=$(rx_c) && da=$(txdrop_out) && sa=$(reason stage2_redirect) || return 1
	jq -e '.accepted == '$((sa - sb))' and '$((sa - sb))' == '$((a - b + da - db))'' \
		"$TMP/n.gen" > /dev/null ||
		{ echo "sent out $((sa - sb)), C's device received $((a - b)), dropped $((da - db))"; cat "$TMP/n.gen"; return 1; }
}

# A device that cannot send XDP frames, named in a config: apply refuses
# it, dry run or not, and nothing changes (Linux 6.3: the device's XDP
# features).
dry_run_lo()
{
	local before

	version_ge "$(uname -r)" 6.3 || return 0
	before=$(cs status "$VETH_B" --json | jq -c '.[0] | {stage2, redirect, link_id}')
	printf '[%s]\ncpus = %s\nredirect-dev = lo\n' "$VETH_B" "$ONLINE" > "$TMP/l.conf"
	cs apply --config "$TMP/l.conf" --dry-run > "$TMP/out" 2>&1 && { cat "$TMP/out"; return 1; }
	grep -q "lo cannot send XDP frames" "$TMP/out" || { cat "$TMP/out"; return 1; }
	cs apply --config "$TMP/l.conf" > "$TMP/out" 2>&1 && { cat "$TMP/out"; return 1; }
	[[ $(cs status "$VETH_B" --json | jq -c '.[0] | {stage2, redirect, link_id}') == "$before" ]]
}

# The device deleted: the kernel empties the devmap entry; frames are
# dropped and counted, and status says the device is gone.
dev_gone()
{
	local b a

	ip -n "$NS_B" link del "$OUT" || return 1
	b=$(reason stage2_no_dev) || return 1
	nsenter --net="/run/netns/$NS_A" "$CPUSTEER" gen "$VETH_A" \
		--src "$IP_A" --dst "$IP_B" --dst-mac "$MAC_B" --flows $FLOWS \
		--count 400 --rate $RATE --json > "$TMP/g.gen"
	sleep 0.5
	a=$(reason stage2_no_dev) || return 1
	jq -e '.accepted == '$((a - b))'' "$TMP/g.gen" > /dev/null ||
		{ echo "stage2_no_dev +$((a - b))"; cat "$TMP/g.gen"; return 1; }
	cs status "$VETH_B" | grep -q "a device that is gone"
}

ktap_header
ktap_plan 7
ktap_check "${#REFUSALS[@]} bad redirect options refused, said why, nothing attached" refused
ktap_check "attach --redirect-dev with a destination MAC: status shows them" attach_out
ktap_check "$FLOWS flows x $PACKETS frames A -> B -> C: each one B took arrives in C, in order, counted" through
ktap_check "apply without the rewrite: changed in place; frames reach C's device, counted" no_rewrite
ktap_check "a device that cannot send XDP frames: apply refuses it, dry run too, nothing changed" dry_run_lo
ktap_check "the device deleted: frames dropped and counted as stage2_no_dev; status says so" dev_gone
ktap_check "detach leaves nothing" eval 'cs detach "$VETH_B" > /dev/null && detached'
ktap_finish
