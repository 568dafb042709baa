#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# End to end on veth + netns with native XDP: UDP flows from namespace A
# to connected sockets in namespace B, which read SO_INCOMING_CPU. Every
# flow must land, in order and without loss, on the CPU that
# "cpusteer classify" predicts for it from the live key and table; stats
# must count the frames; detach, and a failed attach, must leave nothing.

. "$(dirname "$0")/lib.sh"

export CPUSTEER=${CPUSTEER:-$(cs_find cpusteer)}
UDP_FLOWS=${UDP_FLOWS:-$(cs_find udp_flows)}
FLOWS=32
PACKETS=200
TIMEOUT=20		# seconds, per receiver

require_root
require_cmd ip ethtool nsenter jq timeout
[[ -x $CPUSTEER ]] || ktap_exit_skip "no cpusteer binary at $CPUSTEER (run make)"
require_feature "${STEER_FEATURES[@]}" "${GEN_FEATURES[@]}"
[[ -x $UDP_FLOWS ]] || ktap_exit_skip "no udp_flows at $UDP_FLOWS (run make -C selftests)"
bpffs_mounted || ktap_exit_skip "cannot mount bpffs on /sys/fs/bpf"

TMP=$(mktemp -d)
cleanup()
{
	[[ -n ${NS_B:-} ]] && has_pins "$NS_B" "${VETH_B:-none}" &&
		in_b "$CPUSTEER" detach "$VETH_B" > /dev/null 2>&1
	netns_cleanup
	rm -rf "$TMP"
}
trap cleanup EXIT
netns_setup e2e || ktap_exit_skip "cannot build the veth testbed"

# cpusteer pins in the host's bpffs: enter only the network namespace.
in_b() { nsenter --net="/run/netns/$NS_B" "$@"; }

no_xdp() { ! ip -n "$1" link show dev "$2" | grep -q ' xdp'; }
no_pins() { ! has_pins "$NS_B" "$1"; }
detached() { no_xdp "$NS_B" "$1" && no_pins "$1"; }

ONLINE=$(cat /sys/devices/system/cpu/online)
NCPUS=$(nproc)

# run_flows NAME SRC DST: send, receive and predict; leaves
# $TMP/NAME.recv (one JSON object per flow) and $TMP/NAME.classify.
run_flows()
{
	local name=$1 src=$2 dst=$3 rpid

	ip netns exec "$NS_B" timeout $((TIMEOUT + 5)) "$UDP_FLOWS" recv \
		--src "$src" --dst "$dst" --flows $FLOWS --packets $PACKETS \
		--timeout $TIMEOUT > "$TMP/$name.recv" 2> "$TMP/$name.err" &
	rpid=$!
	wait_for "$TMP/$name.err" listening || return 1
	ip netns exec "$NS_A" timeout $TIMEOUT "$UDP_FLOWS" send \
		--src "$src" --dst "$dst" --flows $FLOWS --packets $PACKETS \
		--rate 20000 > "$TMP/$name.send" || return 1
	wait $rpid || return 1
	"$UDP_FLOWS" pcap --src "$src" --dst "$dst" --flows $FLOWS \
		--src-mac "$MAC_A" --dst-mac "$MAC_B" --pcap "$TMP/$name.pcap" &&
	in_b "$CPUSTEER" classify "$VETH_B" --pcap "$TMP/$name.pcap" \
		> "$TMP/$name.classify" 2> /dev/null
}

# Flow i is frame i of the pcap: its predicted CPU is line i of classify.
check_prediction()
{
	local name=$1 bad

	bad=$(jq -r -s --slurpfile pred "$TMP/$name.classify" '.[] |
		select(.cpus != [ $pred[.flow].cpu ]) |
		"flow \(.flow): on CPUs \(.cpus), predicted \($pred[.flow].cpu)"' \
		"$TMP/$name.recv") || return 1
	[[ -z $bad && $(wc -l < "$TMP/$name.recv") -eq $FLOWS ]] && return 0
	echo "$bad"
	return 1
}

check_all_arrived()
{
	jq -e -s 'all(.[]; .received == '$PACKETS' and .lost == 0)' \
		"$TMP/$1.recv" > /dev/null
}

check_in_order()
{
	jq -e -s 'all(.[]; .reordered == 0)' "$TMP/$1.recv" > /dev/null
}

check_spread()
{
	local used

	used=$(jq -s '[.[].cpus[]] | unique | length' "$TMP/$1.recv")
	ktap_msg "$1: $FLOWS flows used $used of $NCPUS CPUs"
	(( NCPUS == 1 || used > 1 ))
}

ktap_header
ktap_plan 23

ktap_check "attach native XDP on $VETH_B across CPUs $ONLINE" \
	in_b "$CPUSTEER" attach "$VETH_B" --cpus "$ONLINE" --xdp-mode native
ktap_check "status reports native mode, l4-sym and the CPUs" \
	bash -c "nsenter --net=/run/netns/$NS_B $CPUSTEER status $VETH_B --json |
		jq -e '.[0] | .xdp_mode == \"native\" and .hash == \"l4-sym\" and
		       (.cpus | length) == $NCPUS'"

for fam in ipv4 ipv6; do
	if [[ $fam == ipv4 ]]; then src=$IP_A dst=$IP_B; else src=$IP6_A dst=$IP6_B; fi
	if run_flows $fam "$src" "$dst"; then
		ktap_ok "$fam: $FLOWS flows x $PACKETS datagrams sent and received"
	else
		ktap_not_ok "$fam: $FLOWS flows x $PACKETS datagrams sent and received" \
			"$(cat "$TMP/$fam.err" "$TMP/$fam.send" 2>/dev/null)"
	fi
	ktap_check "$fam: every datagram arrived" check_all_arrived $fam
	ktap_check "$fam: every flow on the CPU classify predicts" \
		check_prediction $fam
	ktap_check "$fam: every flow in order" check_in_order $fam
	ktap_check "$fam: flows spread over the CPUs" check_spread $fam
done

# cpusteer gen's live frames (BPF rewriting a template per packet) reach
# the same sockets, paced so the receivers keep up: numbered, none lost,
# none out of order, each flow on its predicted CPU.
# Every frame the device accepted arrives, numbered and in order, on one CPU
# per flow. The veth may refuse frames when its ring is full, which a
# starved receiver (a TCG guest with more vCPUs than host CPUs) makes
# happen: gen says so and exits 1, and those frames are the only gaps.
gen_live()
{
	local fam=$1 src=$2 dst=$3 rpid v6= rc=0

	[[ $fam == ipv6 ]] && v6=--ipv6
	ip netns exec "$NS_B" timeout $((TIMEOUT + 5)) "$UDP_FLOWS" recv \
		--src "$src" --dst "$dst" --flows $GEN_FLOWS \
		--packets $GEN_PACKETS --timeout $TIMEOUT \
		> "$TMP/gen-$fam.recv" 2> "$TMP/gen-$fam.err" &
	rpid=$!
	wait_for "$TMP/gen-$fam.err" listening || return 1
	nsenter --net="/run/netns/$NS_A" "$CPUSTEER" gen "$VETH_A" $v6 \
		--src "$src" --dst "$dst" --dst-mac "$MAC_B" \
		--flows $GEN_FLOWS --count $((GEN_FLOWS * GEN_PACKETS)) \
		--rate $GEN_RATE --json > "$TMP/gen-$fam.json" || rc=$?
	wait $rpid || return 1
	jq -e '.sent == '$((GEN_FLOWS * GEN_PACKETS))' and
		.accepted + .refused == .sent and
		(.refused == 0) == ('$rc' == 0) and .accepted > 0' \
		"$TMP/gen-$fam.json" > /dev/null &&
	jq -e -s --slurpfile g "$TMP/gen-$fam.json" 'length == '$GEN_FLOWS' and
		(map(.received) | add) == $g[0].accepted and
		(map(.lost) | add) == $g[0].refused and
		all(.[]; .reordered == 0 and (.cpus | length) <= 1)' \
		"$TMP/gen-$fam.recv" > /dev/null || {
		cat "$TMP/gen-$fam.json" "$TMP/gen-$fam.recv"
		return 1
	}
	jq -r 'select(.refused > 0) | "# the veth refused \(.refused) frames (\(.causes | tostring))"' \
		"$TMP/gen-$fam.json"
}
GEN_FLOWS=8
GEN_PACKETS=500
# Slower in a TCG guest, whose receiving vCPU waits for a host CPU.
GEN_RATE=$([[ ${CS_VMTEST:-} == 1 ]] && echo 5000 || echo 20000)
ktap_check "gen ipv4: $GEN_FLOWS live flows x $GEN_PACKETS: each accepted frame arrives, in order" \
	gen_live ipv4 "$IP_A" "$IP_B"
ktap_check "gen ipv6: $GEN_FLOWS live flows x $GEN_PACKETS: each accepted frame arrives, in order" \
	gen_live ipv6 "$IP6_A" "$IP6_B"

# Tunnelled flows (VXLAN, PPPoE): the same outer headers for all, 64 inner
# flows. Stage 2 counts what each target CPU ran; it must match, per CPU,
# what classify predicts for the same frames from the live key and table,
# and every frame must have been counted as that encapsulation.
ENC_FLOWS=64
ENC_FRAMES=3200
# Frames the veth refuses (a starved TCG receiver) never reach stage 1:
# gen counts them, and the targets may then be short of classify's
# prediction by at most that many in all.
encap_live()
{
	local enc=$1 name=$2 b a rc=0
	local args=(--encap "$enc" --flows $ENC_FLOWS --count $ENC_FRAMES
		    --src 10.200.0.1 --dst 10.200.0.2)

	b=$(in_b "$CPUSTEER" stats "$VETH_B" --json --count 1 --interval 0.1) || return 1
	nsenter --net="/run/netns/$NS_A" "$CPUSTEER" gen "$VETH_A" "${args[@]}" \
		--dst-mac "$MAC_B" --rate $GEN_RATE --json > "$TMP/$enc.gen" || rc=$?
	jq -e '.accepted + .refused == .sent and (.refused == 0) == ('$rc' == 0)' \
		"$TMP/$enc.gen" > /dev/null || { cat "$TMP/$enc.gen"; return 1; }
	sleep 0.5
	a=$(in_b "$CPUSTEER" stats "$VETH_B" --json --count 1 --interval 0.1) || return 1
	"$CPUSTEER" gen --pcap "$TMP/$enc.pcap" "${args[@]}" > /dev/null &&
	in_b "$CPUSTEER" classify "$VETH_B" --pcap "$TMP/$enc.pcap" \
		> "$TMP/$enc.classify" 2> /dev/null || return 1
	jq -n -e --argjson b "$b" --argjson a "$a" --arg n "$name" \
		--slurpfile g "$TMP/$enc.gen" --slurpfile p "$TMP/$enc.classify" '
		def s2(x; $c): [x.targets[] | select(.cpu == $c) | .stage2.total] | add // 0;
		($p | group_by(.cpu) | map({cpu: .[0].cpu, n: length})) as $pred |
		$g[0].refused as $r |
		($a.encapsulations[$n].total - $b.encapsulations[$n].total) == $g[0].accepted and
		($a.reasons.cpumap_drop.total == $b.reasons.cpumap_drop.total) and
		($pred | length) > (if '$NCPUS' > 1 then 1 else 0 end) and
		all($pred[]; (s2($a; .cpu) - s2($b; .cpu) - .n) as $d | $d >= -$r and $d <= 10)' \
		> /dev/null || {
		echo "before: $b"
		echo "after: $a"
		cat "$TMP/$enc.gen"
		jq -s -c 'group_by(.cpu) | map({cpu: .[0].cpu, n: length})' "$TMP/$enc.classify"
		return 1
	}
	jq -r 'select(.refused > 0) | "# the veth refused \(.refused) frames"' "$TMP/$enc.gen"
}
ktap_check "vxlan: $ENC_FLOWS inner flows spread per classify, each frame counted as vxlan" \
	encap_live vxlan vxlan
ktap_check "pppoe: $ENC_FLOWS inner flows spread per classify, each frame counted as pppoe" \
	encap_live pppoe pppoe

# What gen_live's generator sent and the veth refused never got hashed.
refused=$(cat "$TMP"/gen-ipv4.json "$TMP"/gen-ipv6.json 2> /dev/null |
	  jq -s '[.[].refused] | add // 0')
total=$((2 * FLOWS * PACKETS + 2 * GEN_FLOWS * GEN_PACKETS - refused))
ktap_check "stats count all $total datagrams as hashed and passed by stage 2" \
	bash -c "nsenter --net=/run/netns/$NS_B $CPUSTEER stats $VETH_B --json \
		--count 1 --interval 0.1 | jq -e '.reasons.hashed.total >= $total and
		 .reasons.stage2_pass.total >= $total and
		 ([.targets[].redirected.total] | add) == .reasons.hashed.total'"

# Pins are per network namespace: a detach from another namespace, where an
# interface has the same name, must not tear this attachment down.
ip -n "$NS_A" link add "$VETH_B" type veth peer name "x$$" 2> /dev/null
ktap_check "detach from a namespace with a same-named interface is refused" \
	bash -c "! nsenter --net=/run/netns/$NS_A $CPUSTEER detach $VETH_B &&
		 ip -n $NS_B link show dev $VETH_B | grep -q ' xdp'"
ktap_check "detach" in_b "$CPUSTEER" detach "$VETH_B"
ktap_check "after detach: no XDP program and no pins" detached "$VETH_B"

# --hash hw: the NIC's RSS hash through the device-bound metadata kfunc.
# veth has one for frames that arrive as socket buffers (from a socket),
# none for frames redirected in as XDP frames (from cpusteer gen): those
# take the software hash, counted apart.
hw_hash()
{
	local rpid st

	in_b "$CPUSTEER" attach "$VETH_B" --cpus "$ONLINE" --hash hw > /dev/null || return 1
	in_b "$CPUSTEER" status "$VETH_B" --json | jq -e '.[0].hash == "hw"' > /dev/null || return 1
	ip netns exec "$NS_B" timeout $((TIMEOUT + 5)) "$UDP_FLOWS" recv \
		--src "$IP_A" --dst "$IP_B" --flows 16 --packets 100 \
		--timeout $TIMEOUT > "$TMP/hw.recv" 2> "$TMP/hw.err" &
	rpid=$!
	wait_for "$TMP/hw.err" listening || return 1
	ip netns exec "$NS_A" "$UDP_FLOWS" send --src "$IP_A" --dst "$IP_B" \
		--flows 16 --packets 100 --rate 20000 > /dev/null || return 1
	wait $rpid || return 1
	nsenter --net="/run/netns/$NS_A" "$CPUSTEER" gen "$VETH_A" \
		--dst-mac "$MAC_B" --flows 8 --count 800 --rate 20000 > /dev/null || return 1
	sleep 0.3
	st=$(in_b "$CPUSTEER" stats "$VETH_B" --json --count 1 --interval 0.1) || return 1
	in_b "$CPUSTEER" detach "$VETH_B" > /dev/null || return 1
	jq -e -s 'length == 16 and all(.[]; .received == 100 and .reordered == 0 and (.cpus | length) == 1)' \
		"$TMP/hw.recv" > /dev/null &&
	jq -e '.hw_hash.nic.total >= 1600 and .hw_hash.fallback.total >= 800' <<< "$st" > /dev/null || {
		echo "$st" | jq -c '.hw_hash'
		jq -c '{flow, received, cpus}' "$TMP/hw.recv"
		return 1
	}
}
feature_check xdp_rx_hash \
	"hash hw: socket traffic steered by the veth's hash, XDP frames by the fallback" \
	hw_hash

# lo has no native XDP: the attach fails after maps were pinned, and must
# take all of it back.
if in_b "$CPUSTEER" attach lo --cpus 0 --xdp-mode native 2> "$TMP/lo.err"; then
	ktap_not_ok "a failed attach (native XDP on lo) fails" "it succeeded"
	in_b "$CPUSTEER" detach lo > /dev/null
else
	ktap_ok "a failed attach (native XDP on lo) fails"
fi
ktap_check "after the failed attach: no XDP program and no pins" detached lo
ktap_finish
