#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Stage 2 "filter" end to end on veth + netns: rules given with
# "cpusteer filter" drop, on the target CPUs, exactly the frames whose flow
# they match (the inner flow of a tunnel), each counted under its rule; the
# other frames arrive. Bad rules are refused and change nothing; the rules
# outlive a change of the attachment's options.

. "$(dirname "$0")/lib.sh"

export CPUSTEER=${CPUSTEER:-$(cs_find cpusteer)}
UDP_FLOWS=${UDP_FLOWS:-$(cs_find udp_flows)}
FLOWS=8
PACKETS=500
# The receiver waits this long for flows that never come (the dropped).
RECV_WAIT=$([[ ${CS_VMTEST:-} == 1 ]] && echo 10 || echo 4)
RATE=$([[ ${CS_VMTEST:-} == 1 ]] && echo 5000 || echo 20000)

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
netns_setup flt || ktap_exit_skip "cannot build the veth testbed"

in_b() { nsenter --net="/run/netns/$NS_B" "$@"; }
cs() { in_b "$CPUSTEER" "$@"; }
ONLINE=$(cat /sys/devices/system/cpu/online)

# A rule's dropped count, by number.
hits() { cs filter list "$VETH_B" --json | jq ".rules[] | select(.rule == $1) | .dropped"; }
reason() { cs stats "$VETH_B" --json --count 1 --interval 0.1 | jq ".reasons.$1.total"; }
# Stage 2's drops by its rules, summed over the targets' own counts.
per_target() { cs stats "$VETH_B" --json --count 1 --interval 0.1 | jq '[.targets[].stage2_outcomes.stage2_filtered.total] | add'; }

attach_filter()
{
	cs attach "$VETH_B" --cpus "$ONLINE" --stage2 filter > /dev/null &&
	cs status "$VETH_B" --json | jq -e '.[0].stage2 == "filter"' > /dev/null &&
	cs filter list "$VETH_B" --json | jq -e '.ifname == "'"$VETH_B"'" and .rules == []' > /dev/null
}

# Each refused with exit 2, naming what is wrong; nothing added.
BAD_RULES=(
	""
	"src"
	"src 10.0.0.1/8"
	"src 10.0.0.0/33"
	"src 10.0.0.0/x"
	"src 300.1.2.3"
	"dst 10.0.0.0/8 src fd00::/8"
	"proto tcp proto udp"
	"proto icmp dport 80"
	"proto 256"
	"proto http"
	"sport 90-80"
	"dport 70000"
	"dport -1"
	"color red"
)
bad_rules()
{
	local r rc

	for r in "${BAD_RULES[@]}"; do
		# shellcheck disable=SC2086
		cs filter add "$VETH_B" $r > /dev/null 2> "$TMP/err"
		rc=$?
		[[ $rc == 2 && -s $TMP/err ]] ||
			{ echo "filter add '$r': exit $rc"; cat "$TMP/err"; return 1; }
	done
	cs filter list "$VETH_B" --json | jq -e '.rules == []' > /dev/null
}

bad_commands()
{
	local args rc want

	while read -r want args; do
		# shellcheck disable=SC2086
		cs filter $args > /dev/null 2> "$TMP/err"
		rc=$?
		[[ $rc == "$want" && -s $TMP/err ]] ||
			{ echo "filter $args: exit $rc, want $want"; cat "$TMP/err"; return 1; }
	done <<-EOF
	2 frob $VETH_B
	2 list
	2 list $VETH_B extra
	2 del $VETH_B
	2 del $VETH_B 0
	2 del $VETH_B x
	1 del $VETH_B 7
	2 list ../$VETH_B
	2 add ../../tmp src 10.0.0.0/8
	2 list nosuch0
	EOF
}

# send NAME FAM: gen's FLOWS x PACKETS live frames from A to sockets in B
# (round robin: flow i is sport 20000+i -> dport 30000+i); leaves
# $TMP/NAME.gen (gen's report) and $TMP/NAME.recv (one object per flow).
send()
{
	local name=$1 fam=$2 src=$IP_A dst=$IP_B v6= rpid

	[[ $fam == ipv6 ]] && { src=$IP6_A dst=$IP6_B v6=--ipv6; }
	ip netns exec "$NS_B" timeout $((RECV_WAIT + 5)) "$UDP_FLOWS" recv \
		--src "$src" --dst "$dst" --flows $FLOWS --packets $PACKETS \
		--timeout $RECV_WAIT > "$TMP/$name.recv" 2> "$TMP/$name.err" &
	rpid=$!
	wait_for "$TMP/$name.err" listening || return 1
	nsenter --net="/run/netns/$NS_A" "$CPUSTEER" gen "$VETH_A" $v6 \
		--src "$src" --dst "$dst" --dst-mac "$MAC_B" --flows $FLOWS \
		--count $((FLOWS * PACKETS)) --rate $RATE --json > "$TMP/$name.gen"
	wait $rpid
}

# Drops of the rules named, summed.
hits_sum()
{
	local r n=0 h

	for r in "$@"; do
		h=$(hits "$r") || return 1
		n=$((n + h))
	done
	echo "$n"
}

# The flows in DROPPED (a jq array of flow numbers) arrive not at all, the
# others whole, save what the veth refused; the RULES' counts grew by what
# was dropped, exactly: that and the arrivals add up to what the veth took.
# check NAME DROPPED BEFORE RULES...: BEFORE is hits_sum RULES before.
check()
{
	local name=$1 dropped=$2 before=$3 after

	shift 3
	after=$(hits_sum "$@") || return 1
	jq -e -s --argjson d "$dropped" --argjson n $((after - before)) \
		--slurpfile g "$TMP/$name.gen" '
		$g[0].refused as $r |
		([.[] | select(.flow as $f | $d | index($f))] | map(.received) | add) == 0 and
		([.[] | select(.flow as $f | $d | index($f) | not)] |
			all(.received >= '$PACKETS' - $r and .reordered == 0)) and
		(map(.received) | add) + $n == $g[0].accepted and
		$n >= ($d | length) * '$PACKETS' - $r and $n <= ($d | length) * '$PACKETS'' \
		"$TMP/$name.recv" > /dev/null || {
		echo "rules $* dropped $((after - before)) frames"
		cat "$TMP/$name.gen" "$TMP/$name.recv"
		return 1
	}
}

live_ports()
{
	local b

	cs filter add "$VETH_B" dport 30000-30003 > /dev/null || return 1
	b=$(hits_sum 1) || return 1
	send v4 ipv4
	check v4 '[0,1,2,3]' "$b" 1
}

# Rule 1 (no prefix) matches IPv6 flows too; rule 2 by source prefix.
live_prefix6()
{
	local b b2

	cs filter add "$VETH_B" src "$IP6_A/128" proto udp dport 30005 > /dev/null || return 1
	b=$(hits_sum 1 2) && b2=$(hits 2) || return 1
	send v6 ipv6
	check v6 '[0,1,2,3,5]' "$b" 1 2 || return 1
	# Flow 5 is rule 2's alone.
	[[ $(hits 2) -gt $b2 ]]
}

# The filter sees a tunnel's inner flow: a rule on the inner source and
# ports drops half the inner flows; a rule on the outer source, none.
live_inner()
{
	local r1 r2 b1 b2 rc=0 n1 n2 f1 fb fa tb ta

	r1=$(cs filter add "$VETH_B" src 10.200.0.1/32 dport 30000-30031 --json | jq .rule) &&
	r2=$(cs filter add "$VETH_B" src 192.0.2.1/32 --json | jq .rule) || return 1
	b1=$(hits "$r1") && b2=$(hits "$r2") && fb=$(reason stage2_filtered) &&
		tb=$(per_target) || return 1
	nsenter --net="/run/netns/$NS_A" "$CPUSTEER" gen "$VETH_A" --encap vxlan \
		--src 10.200.0.1 --dst 10.200.0.2 --flows 64 --count 3200 \
		--dst-mac "$MAC_B" --rate $RATE --json > "$TMP/vx.gen" || rc=$?
	sleep 0.5
	n1=$(hits "$r1") && n2=$(hits "$r2") && fa=$(reason stage2_filtered) &&
		ta=$(per_target) || return 1
	n1=$((n1 - b1)) n2=$((n2 - b2)) f1=$((fa - fb))
	echo "inner rule dropped $n1, outer rule $n2, stage2_filtered +$f1, over the targets +$((ta - tb))"
	jq -e --argjson n1 $n1 --argjson n2 $n2 --argjson f $f1 --argjson t $((ta - tb)) '
		$n2 == 0 and $n1 <= 1600 and $n1 >= 1600 - .refused and $f == $n1 and
		$t == $n1' \
		"$TMP/vx.gen" > /dev/null || { cat "$TMP/vx.gen"; return 1; }
}

# Nine rules on nested prefixes around one address: the ninth is refused
# (CS_FILTER_COVER) and nothing changes.
cover_bound()
{
	local p before

	before=$(cs filter list "$VETH_B" --json | jq '.rules | length')
	for p in 198.0.0.0/8 198.0.0.0/9 198.0.0.0/10 198.32.0.0/11 \
		 198.48.0.0/12 198.48.0.0/13 198.48.0.0/14 198.50.0.0/15; do
		cs filter add "$VETH_B" src "$p" > /dev/null || return 1
	done
	cs filter add "$VETH_B" src 198.51.100.0/24 2> "$TMP/err" && return 1
	grep -q "more than 8 rules would cover one address" "$TMP/err" || { cat "$TMP/err"; return 1; }
	[[ $(cs filter list "$VETH_B" --json | jq '.rules | length') == $((before + 8)) ]]
}

# apply CONFIG-BODY: the attachment as a config file says.
apply() { printf "[%s]\ncpus = %s\n$1" "$VETH_B" "$ONLINE" > "$TMP/c.conf" && cs apply --config "$TMP/c.conf"; }

# Rules survive a change of hash and qsize (an update in place, which
# loads new programs and puts the new stage 2 in every cpumap entry) and
# of the XDP mode (a new link: detach and attach
# again).
kept_across()
{
	local want

	want=$(cs filter list "$VETH_B" --json | jq -c '.rules') || return 1
	apply "stage2 = filter\nqsize = 1024\nhash = l3\n" > "$TMP/out" || return 1
	grep -q "qsize 2048 -> 1024" "$TMP/out" && grep -q "hash l4-sym -> l3" "$TMP/out" || return 1
	[[ $(cs filter list "$VETH_B" --json | jq -c '.rules') == "$want" ]] || return 1
	apply "stage2 = filter\nqsize = 1024\nhash = l3\nxdp-mode = skb\n" | grep -q "detached and attached again" || return 1
	[[ $(cs filter list "$VETH_B" --json | jq -c '.rules') == "$want" ]]
}

not_filter()
{
	apply "stage2 = pass\nxdp-mode = skb\n" > /dev/null || return 1
	cs filter list "$VETH_B" 2> "$TMP/err" && return 1
	grep -q "stage 2 is pass, not the filter" "$TMP/err" || { cat "$TMP/err"; return 1; }
	cs detach "$VETH_B" > /dev/null || return 1
	cs filter list "$VETH_B" > /dev/null 2>&1
	[[ $? == 1 ]]
}

rules_are() { cs filter list "$VETH_B" --json | jq -e --argjson w "$1" '[.rules[].match] | sort == ($w | sort)' > /dev/null; }

# Rules from attach's command line and from a config file; apply makes the
# live rules the config's (rules added by hand go), leaves them alone when
# the config names none, and says what it would change in a dry run.
rules_given()
{
	cs attach "$VETH_B" --cpus "$ONLINE" --filter "src 10.9.0.0/16" \
		--filter "dport 53 proto udp, dst fd00::/8" > /dev/null || return 1
	rules_are '["src 10.9.0.0/16", "proto udp dport 53", "dst fd00::/8"]' || return 1
	cs detach "$VETH_B" > /dev/null || return 1
	apply "filter = src 10.9.0.0/16, proto tcp dport 22\n" > /dev/null || return 1
	rules_are '["src 10.9.0.0/16", "proto tcp dport 22"]' || return 1
	cs filter add "$VETH_B" dport 9999 > /dev/null || return 1
	apply "filter = src 10.9.0.0/16, proto tcp dport 22\n" > "$TMP/out" || return 1
	grep -q "filter rules: 0 added, 1 deleted" "$TMP/out" || { cat "$TMP/out"; return 1; }
	rules_are '["src 10.9.0.0/16", "proto tcp dport 22"]' || return 1
	printf '[%s]\ncpus = %s\nfilter = src 10.9.0.0/16, src 10.8.0.0/16\n' "$VETH_B" "$ONLINE" > "$TMP/d.conf"
	cs apply --config "$TMP/d.conf" --dry-run > "$TMP/out" || return 1
	grep -q "would change filter rules: 1 added, 1 deleted" "$TMP/out" || { cat "$TMP/out"; return 1; }
	rules_are '["src 10.9.0.0/16", "proto tcp dport 22"]' || return 1
	cs filter add "$VETH_B" dport 9999 > /dev/null || return 1
	apply "stage2 = filter\n" > /dev/null || return 1
	rules_are '["src 10.9.0.0/16", "proto tcp dport 22", "dport 9999"]' || return 1
	# filter lines add up; leaving the filter says what goes.
	apply "filter = dport 1, dport 2\nfilter = dport 3\n" > "$TMP/out" || return 1
	grep -q "filter rules: 3 added, 3 deleted" "$TMP/out" || { cat "$TMP/out"; return 1; }
	rules_are '["dport 1", "dport 2", "dport 3"]' || return 1
	# A drop-in's filter lines replace the main file's.
	mkdir -p "$TMP/conf.d" &&
	printf '[%s]\nfilter = dport 7\n' "$VETH_B" > "$TMP/conf.d/10.conf" || return 1
	apply "filter = dport 1, dport 2\n" > /dev/null || return 1
	rules_are '["dport 7"]' || { cs filter list "$VETH_B"; return 1; }
	printf '[%s]\nfilter = none\n' "$VETH_B" > "$TMP/conf.d/10.conf" || return 1
	apply "filter = dport 1, dport 2\n" > /dev/null || return 1
	rules_are '[]' || { cs filter list "$VETH_B"; return 1; }
	rm -r "$TMP/conf.d"
	apply "filter = dport 1, dport 2\nfilter = dport 3\n" > /dev/null || return 1
	apply "stage2 = drop\n" > "$TMP/out" || return 1
	grep -q "stage2 filter -> drop (its 3 filter rules go with it)" "$TMP/out" || { cat "$TMP/out"; return 1; }
	cs detach "$VETH_B" > /dev/null
}

# Bad rules in a config (check-config: exit 1, at FILE:LINE) or on
# attach's command line (exit 2, nothing attached).
rules_refused()
{
	printf '[%s]\ncpus = %s\nfilter = src 10.9.0.1/16\n' "$VETH_B" "$ONLINE" > "$TMP/b.conf"
	cs check-config "$TMP/b.conf" > "$TMP/out" 2>&1
	[[ $? == 1 ]] && grep -q "b.conf:3:.*bits past the prefix length" "$TMP/out" || { cat "$TMP/out"; return 1; }
	printf '[%s]\ncpus = %s\nfilter = dport 80, dport 80\n' "$VETH_B" "$ONLINE" > "$TMP/b.conf"
	cs check-config "$TMP/b.conf" > "$TMP/out" 2>&1
	[[ $? == 1 ]] && grep -q "\"dport 80\" is given twice" "$TMP/out" || { cat "$TMP/out"; return 1; }
	printf '[%s]\ncpus = %s\nstage2 = drop\nfilter = dport 80\n' "$VETH_B" "$ONLINE" > "$TMP/b.conf"
	cs check-config "$TMP/b.conf" > "$TMP/out" 2>&1
	[[ $? == 1 ]] && grep -q "rules are for stage 2 filter" "$TMP/out" || { cat "$TMP/out"; return 1; }
	printf '[%s]\ncpus = %s\nfilter = dport 80\nfilter = none\n' "$VETH_B" "$ONLINE" > "$TMP/b.conf"
	cs check-config "$TMP/b.conf" > "$TMP/out" 2>&1
	[[ $? == 1 ]] && grep -q "b.conf:4:.*none after other rules" "$TMP/out" || { cat "$TMP/out"; return 1; }
	# Nine rules with no prefix cover every address: one too many.
	printf '[%s]\ncpus = %s\nfilter = dport 11, dport 12, dport 13, dport 14, dport 15, dport 16, dport 17, dport 18, dport 19\n' \
		"$VETH_B" "$ONLINE" > "$TMP/b.conf"
	cs check-config "$TMP/b.conf" > "$TMP/out" 2>&1
	[[ $? == 1 ]] && grep -q 'b.conf:3:.*"dport 19" makes more than 8 of these rules cover one address' "$TMP/out" || { cat "$TMP/out"; return 1; }
	cs apply --config "$TMP/b.conf" > "$TMP/out" 2>&1
	[[ $? == 2 ]] && ! has_pins "$NS_B" "$VETH_B" || { cat "$TMP/out"; return 1; }
	local bad
	for bad in "color red" "," "dport 3 , , dport 4" "src 10.0.0.0/8 src 10.0.0.0/8"; do
		cs attach "$VETH_B" --cpus "$ONLINE" --filter "$bad" > /dev/null 2>&1
		[[ $? == 2 ]] && ! has_pins "$NS_B" "$VETH_B" || { echo "--filter '$bad' taken"; return 1; }
	done
}

ktap_header
ktap_plan 12
ktap_check "attach --stage2 filter: status says filter, no rules yet" attach_filter
ktap_check "${#BAD_RULES[@]} bad rules refused (exit 2), nothing added" bad_rules
ktap_check "bad filter commands and interface names refused" bad_commands
ktap_check "ipv4: dport 30000-30003 drops flows 0-3 whole, counted; flows 4-7 arrive" live_ports
ktap_check "ipv6: a rule with no prefix and one on the source /128 drop their flows, counted" live_prefix6
ktap_check "vxlan: rules see the inner flow (inner source + ports drop half, the outer source none)" live_inner
ktap_check "past CS_FILTER_COVER rules over one address: refused, nothing changed" cover_bound
ktap_check "the rules outlive new programs (hash and qsize changed) and a new link" kept_across
ktap_check "filter on a pass attachment, and after detach: exit 1, said why" not_filter
ktap_check "rules given to attach and in a config: apply makes them the live ones, a dry run says so" rules_given
ktap_check "bad rules in a config or on the command line: refused where given" rules_refused
ktap_check "detached: nothing of cpusteer left on $VETH_B" \
	bash -c "! ip -n $NS_B link show dev $VETH_B | grep -q ' xdp' && ! nsenter --net=/run/netns/$NS_B $CPUSTEER status $VETH_B > /dev/null 2>&1"
ktap_finish
