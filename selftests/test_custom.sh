#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# A user's own stage 2 (attach --stage2-obj) on veth + netns: the example
# program (stage2_example.bpf.c) runs on the target CPU that classify
# predicts, and reads from struct cs_meta the hash, bucket and header
# offsets stage 1 computed, for plain and tunnelled frames. Programs that
# do not fit are refused, saying why, and leave nothing attached.

. "$(dirname "$0")/lib.sh"

export CPUSTEER=${CPUSTEER:-$(cs_find cpusteer)}
EXAMPLE=${EXAMPLE:-$(cs_find stage2_example.bpf.o)}
BAD=${BAD:-$(cs_find stage2_bad.bpf.o)}
FRAMES=200
RATE=$([[ ${CS_VMTEST:-} == 1 ]] && echo 5000 || echo 20000)

require_root
require_cmd ip ethtool nsenter jq bpftool
[[ -x $CPUSTEER ]] || ktap_exit_skip "no cpusteer binary at $CPUSTEER (run make)"
require_feature "${STEER_FEATURES[@]}" "${GEN_FEATURES[@]}"
[[ -f $EXAMPLE && -f $BAD ]] || ktap_exit_skip "no stage-2 objects beside the tests (run make -C selftests)"
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
netns_setup cus || ktap_exit_skip "cannot build the veth testbed"

in_b() { nsenter --net="/run/netns/$NS_B" "$@"; }
cs() { in_b "$CPUSTEER" "$@"; }
ONLINE=$(cat /sys/devices/system/cpu/online)
detached() { ! ip -n "$NS_B" link show dev "$VETH_B" | grep -q ' xdp' && ! has_pins "$NS_B" "$VETH_B"; }

# EXIT-CODE MESSAGE-PART ARGS...: refused so, said so, nothing attached.
REFUSALS=(
	"1|name one with --stage2-prog|--stage2-obj $BAD"
	"1|an XDP program for an interface|--stage2-obj $BAD --stage2-prog for_iface"
	"1|takes multi-buffer frames|--stage2-obj $BAD --stage2-prog with_frags"
	"1|is a sched_cls program|--stage2-obj $BAD --stage2-prog not_xdp"
	"1|the kernel refused unchecked|--stage2-obj $BAD --stage2-prog unchecked"
	"1|has no such program|--stage2-obj $BAD --stage2-prog nosuch"
	"1|not a BPF object file|--stage2-obj /etc/passwd"
	"1|No such file or directory|--stage2-obj $TMP/nosuch.o"
	"1|not a regular file|--stage2-obj $TMP"
	"2|a custom stage 2 replaces the drop program|--stage2 drop --stage2-obj $EXAMPLE"
	"2|custom needs --stage2-obj|--stage2 custom"
	"2|give that too|--stage2-prog fits"
)

# The example's per-CPU record, as bpftool shows its map.
seen()
{
	local prog map

	prog=$(cs status "$VETH_B" --json | jq '.[0].stage2_prog_id') || return 1
	for map in $(bpftool prog show id "$prog" -j | jq '.map_ids[]'); do
		bpftool map show id "$map" -j | jq -e '.name == "s2ex_seen"' > /dev/null &&
			bpftool map dump id "$map" -j | jq -c '.[0].formatted.values'
	done
}

# run_one NAME L3 L4 IPVER PROTO ENCAP GEN-ARGS...: FRAMES frames of one
# flow; the example saw them all, with metadata, on the CPU classify
# predicts and nowhere else, with classify's hash and bucket and the
# offsets where the headers are (every frame it saw carried metadata).
run_one()
{
	local name=$1 l3=$2 l4=$3 ipver=$4 proto=$5 encap=$6 pred s

	shift 6
	cs attach "$VETH_B" --cpus "$ONLINE" --stage2-obj "$EXAMPLE" > /dev/null || return 1
	nsenter --net="/run/netns/$NS_A" "$CPUSTEER" gen "$VETH_A" "$@" \
		--flows 1 --count $FRAMES --dst-mac "$MAC_B" --rate $RATE \
		--json > "$TMP/$name.gen" || { cat "$TMP/$name.gen"; cs detach "$VETH_B"; return 1; }
	"$CPUSTEER" gen --pcap "$TMP/$name.pcap" "$@" --flows 1 --count 1 > /dev/null &&
	pred=$(cs classify "$VETH_B" --pcap "$TMP/$name.pcap" 2> /dev/null) &&
	s=$(seen) || { cs detach "$VETH_B"; return 1; }
	cs detach "$VETH_B" > /dev/null || return 1
	echo "classify: $pred"
	echo "example: $s"
	jq -e -n --argjson p "$pred" --argjson s "$s" --slurpfile g "$TMP/$name.gen" '
		$g[0].accepted as $n |
		($s | map(select(.value.tcp_udp > 0))) as $on |
		($on | length) == 1 and $on[0].cpu == $p.cpu and
		$on[0].value as $v |
		$v.cpu == $p.cpu and $v.tcp_udp == $n and
		$v.frames == $v.with_meta and $v.header_ok == $n and
		$v.hash == $p.hash and
		$v.bucket == $p.bucket and $v.l3_off == '"$l3"' and
		$v.l4_off == '"$l4"' and $v.ipver == '"$ipver"' and
		$v.l4_proto == '"$proto"' and $v.encap == '"$encap"'' > /dev/null
}

# A config naming the same object again changes nothing (the kernel's
# tag of the program is the same); another program of another object is
# a change in place, on the same link.
apply_idempotent()
{
	local out link

	printf '[%s]\ncpus = %s\nstage2-obj = %s\n' "$VETH_B" "$ONLINE" \
		"$(realpath "$EXAMPLE")" > "$TMP/c.conf"
	cs apply --config "$TMP/c.conf" > /dev/null || return 1
	link=$(cs status "$VETH_B" --json | jq '.[0].link_id')
	out=$(cs apply --config "$TMP/c.conf") || return 1
	grep -q "nothing to change" <<< "$out" || { echo "$out"; return 1; }
	printf '[%s]\ncpus = %s\nstage2-obj = %s\nstage2-prog = fits\n' \
		"$VETH_B" "$ONLINE" "$(realpath "$BAD")" > "$TMP/c.conf"
	out=$(cs apply --config "$TMP/c.conf") || return 1
	grep -q "stage2 custom stage2_example -> custom fits" <<< "$out" || { echo "$out"; return 1; }
	cs status "$VETH_B" --json | jq -e '.[0] | .stage2_prog == "fits" and
		.link_id == '"$link"'' > /dev/null || return 1
	cs detach "$VETH_B" > /dev/null
}

# A user's program named like cpusteer's own filter is the user's.
impostor()
{
	cs attach "$VETH_B" --cpus "$ONLINE" --stage2-obj "$BAD" \
		--stage2-prog cs_stage2_flt > /dev/null || return 1
	cs status "$VETH_B" --json | jq -e '.[0] | .stage2 == "custom" and
		.stage2_prog == "cs_stage2_flt"' > /dev/null || { cs detach "$VETH_B"; return 1; }
	cs filter list "$VETH_B" > /dev/null 2>&1
	[[ $? == 1 ]] || { cs detach "$VETH_B"; return 1; }
	cs detach "$VETH_B" > /dev/null
}

ktap_header
ktap_plan 7
ktap_check "${#REFUSALS[@]} objects or options that do not fit: refused, said why, nothing attached" refused
ktap_check "ipv4 udp: the example runs on the predicted CPU and reads stage 1's hash, bucket, offsets 14/34" \
	run_one v4 14 34 4 17 0 --src "$IP_A" --dst "$IP_B"
ktap_check "ipv6 tcp: the same, offsets 14/54" \
	run_one v6 14 54 6 6 0 --ipv6 --proto tcp --src "$IP6_A" --dst "$IP6_B"
ktap_check "vxlan: the inner flow's hash and offsets 64/84, encapsulation bit vxlan" \
	run_one vx 64 84 4 17 16 --encap vxlan --src 10.200.0.1 --dst 10.200.0.2
ktap_check "apply: the same object twice changes nothing; another program is swapped in place" apply_idempotent
ktap_check "a custom program named cs_stage2_flt is shown as custom, not as the filter" impostor
ktap_check "nothing of cpusteer left on $VETH_B" detached
ktap_finish
