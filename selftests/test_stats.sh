#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# cpusteer stats and top on veth + netns, driven as a user would: known
# traffic (cpusteer gen, a fixed seed, the same frames classified from a
# pcap) gives exact counts per RX CPU, per target CPU and per bucket; a
# tiny ring with its target CPU held busy gives ring drops, counted exactly;
# a stage 2 that aborts gives XDP exceptions, and only on its interface;
# a re-attach under a running stats gives no negative or huge rate; the
# Prometheus output passes promtool, the textfile is replaced atomically;
# top runs in tmux, redraws on a resize and gives the terminal back.

. "$(dirname "$0")/lib.sh"

export CPUSTEER=${CPUSTEER:-$(cs_find cpusteer)}
PROMTOOL=${PROMTOOL:-$(cs_find promtool)}
S2_ABORT=$(cs_find stage2_abort.bpf.o)
XDP_ABORT=$(cs_find xdp_abort.bpf.o)
EXC_PROBE=$(cs_find exc_probe)
FLOWS=64
FRAMES=6000
SEED=20261202
RATE=$([[ ${CS_VMTEST:-} == 1 ]] && echo 5000 || echo 20000)
# A stats window that surely holds the whole send: the send takes
# FRAMES / RATE s (0.3 s here, 1.2 s in a TCG guest) after the window's
# first report; the window is 20 intervals.
WIN_IVL=$([[ ${CS_VMTEST:-} == 1 ]] && echo 1 || echo 0.5)

require_root
require_cmd ip ethtool nsenter jq timeout tmux chrt taskset
[[ -x $CPUSTEER ]] || ktap_exit_skip "no cpusteer binary at $CPUSTEER (run make)"
require_feature "${STEER_FEATURES[@]}" "${GEN_FEATURES[@]}"
bpffs_mounted || ktap_exit_skip "cannot mount bpffs on /sys/fs/bpf"

TMP=$(mktemp -d)
cleanup()
{
	local sock

	for sock in "$TMP"/tmux-*.sock; do
		[[ -S $sock ]] && tmux -S "$sock" kill-server 2> /dev/null
	done
	[[ -n ${NS_B:-} ]] && has_pins "$NS_B" "${VETH_B:-none}" &&
		in_b "$CPUSTEER" detach "$VETH_B" > /dev/null 2>&1
	netns_cleanup
	rm -rf "$TMP"
}
trap cleanup EXIT
netns_setup stt || ktap_exit_skip "cannot build the veth testbed"

in_a() { nsenter --net="/run/netns/$NS_A" "$@"; }
in_b() { nsenter --net="/run/netns/$NS_B" "$@"; }
cs() { in_b "$CPUSTEER" "$@"; }
ONLINE=$(cat /sys/devices/system/cpu/online)
mapfile -t CPUS < <(taskset -pc $$ | sed 's/.*: //' | tr ',' '\n' |
		    awk -F- '{ for (c = $1; c <= ($2 == "" ? $1 : $2); c++) print c }')

# Only gen's frames reach either XDP hook: neither stack sends IPv6 (no
# MLD or router solicitation) and each knows the other's address (no
# ARP); stage 2 drops or aborts, so B's stack never answers.
ip netns exec "$NS_A" sysctl -qw "net.ipv6.conf.$VETH_A.disable_ipv6=1"
ip netns exec "$NS_B" sysctl -qw "net.ipv6.conf.$VETH_B.disable_ipv6=1"

gen_b() { in_a "$CPUSTEER" gen "$VETH_A" --src 10.199.1.1 --dst 10.199.1.2 \
		--dst-mac "$MAC_B" "$@"; }
snap() { cs stats "$VETH_B" --json --count 1 --interval 0.1 "$@"; }

ktap_header
ktap_plan 14

# --- exact counts --------------------------------------------------------

# Stats runs over a window of 20 intervals; the frames are sent inside it.
# Every figure is then checked against gen's count and classify's
# prediction for the same frames (same seed, from a pcap).
exact()
{
	local spid gen pred

	cs attach "$VETH_B" --cpus "$ONLINE" --stage2 drop > /dev/null || return 1
	cs stats "$VETH_B" --json --top 64 --interval "$WIN_IVL" --count 20 \
		> "$TMP/win.json" 2> "$TMP/win.err" &
	spid=$!
	wait_for "$TMP/win.json" ifname || { kill "$spid"; return 1; }
	# The veth may refuse frames when its receiver is starved (a TCG
	# guest with more vCPUs than host CPUs): gen says so, exit 1, and
	# those frames never reach stage 1 (allowed for below).
	gen_b --flows $FLOWS --count $FRAMES --seed $SEED --rate "$RATE" \
		--json > "$TMP/gen.json"
	jq -e '.accepted + .refused == .sent' "$TMP/gen.json" > /dev/null ||
		{ kill "$spid"; cat "$TMP/gen.json"; return 1; }
	wait "$spid" || { cat "$TMP/win.err"; return 1; }
	"$CPUSTEER" gen --pcap "$TMP/exact.pcap" --src 10.199.1.1 --dst 10.199.1.2 \
		--dst-mac "$MAC_B" --flows $FLOWS --count $FRAMES --seed $SEED > /dev/null &&
	cs classify "$VETH_B" --pcap "$TMP/exact.pcap" > "$TMP/pred.json" 2> /dev/null ||
		return 1
	snap --top 64 > "$TMP/final.json" || return 1
	gen=$(cat "$TMP/gen.json")
	pred=$(jq -s -c '{cpu: (group_by(.cpu) | map({key: (.[0].cpu | tostring), value: length}) | from_entries),
			  bucket: (group_by(.bucket) | map({key: (.[0].bucket | tostring), value: {n: length, cpu: .[0].cpu}}) | from_entries)}' \
		"$TMP/pred.json")
	# A frame the veth refused (a starved TCG receiver) never reached
	# stage 1: then only that many may be missing.
	jq -e -s --argjson g "$gen" --argjson p "$pred" --slurpfile f "$TMP/final.json" '
		$g.refused as $r | $f[0] as $f |
		def near($n; $want): $n <= $want and $n >= $want - $r;
		([$f.rx_cpus[].seen.total] | add) == $g.accepted and
		($p.cpu | to_entries | all(.[]; (.key | tonumber) as $c | .value as $n |
			[$f.targets[] | select(.cpu == $c)][0] as $t |
			near($t.redirected.total; $n) and
			$t.enqueued.total == $t.redirected.total and
			$t.kthread.frames.total == $t.enqueued.total - $t.enqueue_drops.total and
			$t.verdicts.drop.total == $t.kthread.frames.total and
			$t.stage2_outcomes.stage2_drop.total == $t.kthread.frames.total and
			$t.bulks.total * 8 >= $t.enqueued.total and
			$t.bulks.total <= $t.enqueued.total)) and
		# per bucket: the deltas of every report add up to the prediction
		([.[] | .interval as $dt | .top_buckets[] |
		  {b: (.bucket | tostring), cpu, n: (.pps * $dt + 0.5 | floor)}] |
		 group_by(.b) | map({key: .[0].b, value: {n: (map(.n) | add), cpu: .[0].cpu}}) |
		 from_entries) as $seen |
		($p.bucket | to_entries | all(.[]; $seen[.key] != null and
			near($seen[.key].n; .value.n) and $seen[.key].cpu == .value.cpu)) and
		($seen | length) == ($p.bucket | length) and
		all(.[]; .restarted == false)' "$TMP/win.json" > /dev/null || {
		echo "gen: $gen"
		echo "prediction: $pred"
		jq -c '{targets: [.targets[] | {cpu, redirected: .redirected.total, enqueued: .enqueued.total, drops: .enqueue_drops.total, kt: .kthread.frames.total, bulks: .bulks.total}], rx: [.rx_cpus[] | {cpu, seen: .seen.total}]}' "$TMP/final.json"
		return 1
	}
}
ktap_check "exact: $FRAMES frames of $FLOWS flows counted per RX CPU, per target (redirected, enqueued, kthread, verdicts, bulks) and per bucket as classify predicts" \
	exact

# Each report with traffic: max/mean and the busiest share from its own
# per-target rates.
consistent()
{
	jq -e -s 'map(select(.imbalance.hashed_pps > 0)) | length > 0 and all(.[];
		[.targets[] | .redirected.pps] as $l |
		($l | max) as $max | ($l | add) as $sum |
		(.imbalance.max_mean - $max / ($sum / ($l | length)) | fabs) < 1e-6 and
		(.imbalance.busiest_share - $max / $sum | fabs) < 1e-6 and
		([.targets[] | select(.cpu == .imbalance.busiest_cpu)] | length) <= 1 and
		.imbalance.max_mean >= 1)' "$TMP/win.json" > /dev/null
}
ktap_check "imbalance: max/mean and the busiest share agree with the per-target rates of each report" \
	consistent

# --- Prometheus ------------------------------------------------------------

prom_format()
{
	cs stats "$VETH_B" --prometheus --interval 0.1 > "$TMP/p.prom" || return 1
	# The exposition format, strictly: HELP and TYPE once per family,
	# before its samples; counters end in _total; every sample line is
	# name{labels} value.
	awk '
	/^# HELP / { if (help[$3]++) { print "HELP twice: " $3; bad = 1 } next }
	/^# TYPE / { if (type[$3]++) { print "TYPE twice: " $3; bad = 1 }
		     kind[$3] = $4; cur = $3
		     if ($4 == "counter" && $3 !~ /_total$/) { print "counter " $3; bad = 1 }
		     next }
	/^[a-z_]+\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\} [0-9.e+-]+$/ {
		 name = $0; sub(/\{.*/, "", name)
		 if (name != cur) { print "sample outside its family: " $0; bad = 1 }
		 next }
	{ print "bad line: " $0; bad = 1 }
	END { exit bad }' "$TMP/p.prom" || return 1
	if [[ -x $PROMTOOL ]]; then
		"$PROMTOOL" check metrics < "$TMP/p.prom" || return 1
	else
		ktap_msg "no promtool at $PROMTOOL (scripts/install-deps.sh extracts it): the format test above only"
	fi
	# The same totals as --json.
	snap > "$TMP/j.json" || return 1
	jq -e -r '.targets[] | "\(.cpu) \(.enqueued.total) \(.verdicts.drop.total)"' \
		"$TMP/j.json" > "$TMP/want" &&
	jq -e -r '.rx_cpus[] | "\(.cpu) \(.seen.total)"' "$TMP/j.json" > "$TMP/want_rx" &&
	while read -r cpu enq drop; do
		grep -qx "cpusteer_target_enqueued_frames_total{iface=\"$VETH_B\",cpu=\"$cpu\"} $enq" "$TMP/p.prom" &&
		grep -qx "cpusteer_target_verdicts_total{iface=\"$VETH_B\",cpu=\"$cpu\",verdict=\"drop\"} $drop" "$TMP/p.prom" ||
			{ echo "cpu $cpu: $enq $drop not in the exposition"; return 1; }
	done < "$TMP/want" &&
	while read -r cpu seen; do
		grep -qx "cpusteer_rx_frames_total{iface=\"$VETH_B\",cpu=\"$cpu\"} $seen" "$TMP/p.prom" ||
			{ echo "RX cpu $cpu: $seen not in the exposition"; return 1; }
	done < "$TMP/want_rx"
}
ktap_check "--prometheus: promtool check metrics passes; its counters are --json's" prom_format

# The textfile: written under a temporary name and renamed, so the file is
# only ever whole; a link standing at its name is replaced, not followed.
textfile()
{
	local d="$TMP/tf" rc f

	# Outside the first namespace the name carries the namespace's ID.
	f=cpusteer-netns-$(netns_id "$NS_B")-$VETH_B.prom
	mkdir -p "$d" && echo victim > "$TMP/victim" &&
	ln -s "$TMP/victim" "$d/$f" || return 1
	# A umask that would hide it from a node_exporter not run as root.
	(umask 077 && cs stats "$VETH_B" --textfile "$d" --interval 0.1 --count 3) ||
		return 1
	[[ $(cat "$TMP/victim") == victim && -f $d/$f &&
	   ! -L $d/$f && $(ls -A "$d" | wc -l) == 1 &&
	   $(stat -c %a "$d/$f") == 644 ]] ||
		{ ls -la "$d"; return 1; }
	if [[ -x $PROMTOOL ]]; then
		"$PROMTOOL" check metrics < "$d/$f" || return 1
	fi
	grep -q '^cpusteer_targets{iface="'"$VETH_B"'"} ' "$d/$f" || return 1
	# Bad directories and output choices: exit 2, named.
	cs stats "$VETH_B" --textfile "$TMP/none" --count 1 2> "$TMP/e1"; rc=$?
	[[ $rc == 2 ]] && grep -q -- "--textfile '$TMP/none': No such file" "$TMP/e1" || return 1
	cs stats "$VETH_B" --textfile "$TMP/victim" --count 1 2> "$TMP/e2"; rc=$?
	[[ $rc == 2 ]] && grep -q "not a directory" "$TMP/e2" || return 1
	cs stats "$VETH_B" --prometheus --count 2 2> "$TMP/e3"; rc=$?
	[[ $rc == 2 ]] && grep -q -- "--textfile DIR to keep one file current" "$TMP/e3" || return 1
	cs stats "$VETH_B" --json --prometheus 2> "$TMP/e4"; rc=$?
	[[ $rc == 2 ]] && grep -q "give one" "$TMP/e4"
}
ktap_check "--textfile: renamed into place (mode 644 whatever the umask), a link at its name replaced not followed; bad directories refused" \
	textfile

# --- a custom stage 2's verdicts; XDP exceptions, only for this interface ---

# A custom stage 2 that aborts every frame: cpusteer does not count its
# outcomes itself; the kthread tracepoint gives its verdicts (the cpumap
# drops an aborted frame), one per frame.
verdicts()
{
	local b a n=1000 spid

	cs detach "$VETH_B" > /dev/null &&
	cs attach "$VETH_B" --cpus "$ONLINE" --stage2-obj "$S2_ABORT" > /dev/null ||
		return 1
	b=$(snap) || return 1
	gen_b --flows 8 --count $n --rate 2000 --json > "$TMP/v.gen"	# refusals: see exact
	sleep 0.3
	a=$(snap) || return 1
	jq -e -n --argjson b "$b" --argjson a "$a" --slurpfile g "$TMP/v.gen" '
		def sum($x; f): [$x.targets[] | f] | add;
		$g[0].accepted as $n |
		sum($a; .verdicts.drop.total) - sum($b; .verdicts.drop.total) == $n and
		sum($a; .kthread.frames.total) - sum($b; .kthread.frames.total) == $n and
		sum($a; .verdicts.pass.total) == 0 and sum($a; .stage2.total) == 0' > /dev/null || {
		jq -c '[.targets[] | {cpu, verdicts, kt: .kthread.frames.total}]' <<< "$a"
		cat "$TMP/v.gen"
		return 1
	}
}
ktap_check "a custom stage 2's verdicts: each aborted frame one drop verdict on its target" verdicts

# cpusteer's stage 1 never aborts, and veth raises xdp_exception only for
# its own program's aborted or invalid verdicts (drivers such as ixgbe or
# mlx5 also for failed redirects): so exc_probe loads and attaches
# cpusteer's tracepoint counters as an attachment would, for A's veth,
# where an XDP program aborts every frame B sends. A second probe in B's
# namespace, for B's veth (the same ifindex there, checked), must see none.
exceptions()
{
	local n=1000 ia ib pa pb

	ia=$(ip -n "$NS_A" -j link show "$VETH_A" | jq '.[0].ifindex')
	ib=$(ip -n "$NS_B" -j link show "$VETH_B" | jq '.[0].ifindex')
	[[ $ia == "$ib" ]] || ktap_msg "ifindex $ia on A, $ib on B: the namespace check is not what tells them apart here"
	ip -n "$NS_A" link set dev "$VETH_A" xdpdrv obj "$XDP_ABORT" sec xdp || return 1
	in_a "$EXC_PROBE" "$VETH_A" 3 > "$TMP/pa" &
	pa=$!
	in_b "$EXC_PROBE" "$VETH_B" 3 > "$TMP/pb" &
	pb=$!
	wait_for "$TMP/pa" probing && wait_for "$TMP/pb" probing || return 1
	in_b "$CPUSTEER" gen "$VETH_B" --src 10.199.1.2 --dst 10.199.1.1 \
		--dst-mac "$MAC_A" --flows 8 --count $n --rate 2000 --json > "$TMP/exc.gen"
	wait "$pa" && wait "$pb" || return 1
	ip -n "$NS_A" link set dev "$VETH_A" xdpdrv off
	jq -e -s --slurpfile g "$TMP/exc.gen" '.[1].xdp_exception == $g[0].accepted' \
		"$TMP/pa" > /dev/null &&
	jq -e -s '.[1].xdp_exception == 0' "$TMP/pb" > /dev/null || {
		cat "$TMP/pa" "$TMP/pb" "$TMP/exc.gen"
		return 1
	}
}
ktap_check "xdp_exception: each aborted frame on the steered interface counted once; the same ifindex in another namespace not" \
	exceptions

# --- ring drops --------------------------------------------------------------

# One target CPU with an 8-frame ring, held by a real-time busy loop for
# half a second while gen, on another CPU, sends as fast as it can: the
# cpumap thread cannot run (it is not real-time), so the ring fills and
# the next bulks are dropped at enqueue, whatever the machine's speed.
# After the loop ends the ring drains: every offered frame was dropped or
# taken by the thread.
ring_drops()
{
	local rx=${CPUS[0]} tgt=${CPUS[1]} hog spid a g

	cs detach "$VETH_B" > /dev/null &&
	cs attach "$VETH_B" --cpus "$tgt" --qsize 8 --stage2 drop > /dev/null || return 1
	cs stats "$VETH_B" --json --interval 0.2 --count 8 > "$TMP/rd.json" &
	spid=$!
	timeout 0.5 chrt -f 10 taskset -c "$tgt" bash -c 'while :; do :; done' &
	hog=$!
	sleep 0.1
	taskset -c "$rx" nsenter --net="/run/netns/$NS_A" "$CPUSTEER" gen "$VETH_A" \
		--src 10.199.1.1 --dst 10.199.1.2 --dst-mac "$MAC_B" --flows 8 \
		--duration 0.3 --count 100000000 --json > "$TMP/rd.gen"
	wait "$hog"
	wait "$spid"
	sleep 0.3
	a=$(snap) || return 1
	g=$(cat "$TMP/rd.gen")
	jq -e -n --argjson a "$a" --argjson g "$g" --arg t "$tgt" '
		[$a.targets[] | select(.cpu == ($t | tonumber))][0] as $x |
		$x.enqueue_drops.total > 0 and
		$a.reasons.cpumap_drop.total == $x.enqueue_drops.total and
		$x.kthread.frames.total == $x.enqueued.total - $x.enqueue_drops.total and
		$x.enqueued.total == $x.redirected.total and
		([$a.rx_cpus[].seen.total] | add) == $g.accepted' > /dev/null &&
	jq -e -s --arg t "$tgt" 'any(.[]; any(.hints[]; .hint == "ring_drops" and .cpu == ($t | tonumber)))' \
		"$TMP/rd.json" > /dev/null || {
		jq -c '[.targets[] | {cpu, redirected: .redirected.total, enqueued: .enqueued.total, drops: .enqueue_drops.total, kt: .kthread.frames.total}]' <<< "$a"
		echo "gen: $g"
		jq -c '.hints' "$TMP/rd.json"
		return 1
	}
}
if (( ${#CPUS[@]} >= 2 )); then
	ktap_check "ring drops (qsize 8, target CPU held): counted at enqueue, every offered frame dropped or taken, hinted" \
		ring_drops
else
	ktap_skip "ring drops: needs two CPUs (one sends, one is held)"
fi

# --- updates and a re-attach under a running stats ---------------------------

# apply changes the attachment under a running stats, each change made
# under the state lock, so stats sees the old one or the new one: the
# targets (buckets move in place, keeping their counts), the table size
# (a new table), the XDP mode (a new link: detached and attached again).
# The last two intervals count from zero; no interval shows a negative
# rate or more frames than the window's traffic, which the history sent
# before it (three times as many frames) would exceed if a total were
# ever taken for an interval's count.
conf() { printf '[%s]\ncpus = %s\nstage2 = drop\nbuckets = %s\nxdp-mode = %s\n' \
		"$VETH_B" "$3" "$1" "$2" > "$TMP/s.conf"; cs apply --config "$TMP/s.conf"; }
reattach()
{
	local spid gpid

	local b0 b1 i hist=0

	cs detach "$VETH_B" > /dev/null && conf 256 native "$ONLINE" > /dev/null ||
		return 1
	# History: three times the window's frames accepted, sent in at most
	# 10 rounds (a starved guest's veth refuses some; gen then exits 1).
	for ((i = 0; i < 10 && hist < RATE * 9; i++)); do
		gen_b --flows 64 --count $((RATE * 9)) --rate $((RATE * 3)) \
			--json > "$TMP/ra.hist"
		hist=$((hist + $(jq '.accepted' "$TMP/ra.hist")))
	done
	# Buckets that move keep their counts (no traffic meanwhile: the
	# same totals, per RX CPU and per bucket), so no counter goes back.
	sleep 0.3
	b0=$(snap --top 64 | jq -c '[[.rx_cpus[] | {cpu, h: .hashed.total}], .reasons.hashed.total]') &&
	conf 256 native "${CPUS[0]}" > /dev/null &&
	b1=$(snap --top 64 | jq -c '[[.rx_cpus[] | {cpu, h: .hashed.total}], .reasons.hashed.total]') &&
	conf 256 native "$ONLINE" > /dev/null || return 1
	[[ $b0 == "$b1" ]] || { echo "before the move: $b0, after: $b1"; return 1; }
	# Until stopped: however long the changes take (a TCG guest loads a
	# program in seconds), they all fall in its window. Started directly
	# (nsenter execs it), so $! is stats itself.
	nsenter --net="/run/netns/$NS_B" "$CPUSTEER" stats "$VETH_B" --json \
		--interval 0.3 > "$TMP/ra.json" 2> "$TMP/ra.err" &
	spid=$!
	gen_b --flows 16 --count $((RATE * 3)) --rate "$RATE" --json > "$TMP/ra.gen" &
	gpid=$!
	sleep 0.8
	conf 256 native "${CPUS[0]}" > /dev/null || { kill "$spid" "$gpid"; return 1; }
	sleep 0.8
	conf 512 native "$ONLINE" > /dev/null || { kill "$spid" "$gpid"; return 1; }
	sleep 0.8
	conf 512 skb "$ONLINE" > /dev/null || { kill "$spid" "$gpid"; return 1; }
	wait "$gpid"
	sleep 1
	kill -TERM "$spid"
	wait "$spid" || { cat "$TMP/ra.err"; return 1; }
	grep -q "$VETH_B: attached again; its counters start from zero" "$TMP/ra.err" &&
	jq -e -s --slurpfile g "$TMP/ra.gen" --argjson h "$hist" '
		length >= 4 and $h > 2 * $g[0].accepted and
		([.[] | select(.restarted)] | length) == 2 and
		(last | .buckets) == 512 and
		all(.[]; .interval as $dt |
			all(.. | .pps? // empty; . >= 0 and . * $dt <= $g[0].accepted + 0.5))' \
		"$TMP/ra.json" > /dev/null || {
		cat "$TMP/ra.err"
		jq -c '{interval, restarted, buckets, hashed: .imbalance.hashed_pps}' "$TMP/ra.json"
		return 1
	}
	cs detach "$VETH_B" > /dev/null
}
ktap_check "apply under stats (buckets moved, a new table, a new link): followed, no negative or impossible rate" \
	reattach
cs detach "$VETH_B" > /dev/null 2>&1
cs attach "$VETH_B" --cpus "$ONLINE" --stage2 drop > /dev/null

# --- a CPU goes offline under a running stats (guests only) -----------------

# A target CPU goes offline and comes back while stats runs and traffic
# flows: its per-CPU counts stay in the kernel (every possible CPU's are
# kept), so no sum goes back; its cpumap thread moves to another CPU and
# goes on. Only in a vmtest guest: cpusteer's tests never change the host.
cpu_offline()
{
	local last=${CPUS[-1]} spid gpid rc=0

	cs detach "$VETH_B" > /dev/null &&
	cs attach "$VETH_B" --cpus "$ONLINE" --stage2 drop > /dev/null || return 1
	cs stats "$VETH_B" --json --interval 0.3 --count 12 > "$TMP/off.json" \
		2> "$TMP/off.err" &
	spid=$!
	taskset -c "${CPUS[0]}" nsenter --net="/run/netns/$NS_A" "$CPUSTEER" gen "$VETH_A" \
		--src 10.199.1.1 --dst 10.199.1.2 --dst-mac "$MAC_B" --flows 64 \
		--count $((RATE * 3)) --rate "$RATE" --json > "$TMP/off.gen" &
	gpid=$!
	sleep 1
	echo 0 > "/sys/devices/system/cpu/cpu$last/online" || rc=1
	sleep 1
	echo 1 > "/sys/devices/system/cpu/cpu$last/online" || rc=1
	wait "$gpid"
	wait "$spid" || rc=1
	sleep 0.3
	[[ $rc == 0 ]] && snap > "$TMP/off.final" &&
	jq -e -s --slurpfile g "$TMP/off.gen" --slurpfile f "$TMP/off.final" '
		length == 12 and all(.[]; .restarted == false and .interval as $dt |
			all(.. | .pps? // empty; . >= 0 and . * $dt <= $g[0].accepted + 0.5)) and
		([$f[0].rx_cpus[].seen.total] | add) == $g[0].accepted' \
		"$TMP/off.json" > /dev/null || {
		cat "$TMP/off.err" "$TMP/off.gen"
		jq -c '{interval, restarted, hashed: .imbalance.hashed_pps}' "$TMP/off.json"
		return 1
	}
}
if [[ ${CS_VMTEST:-} == 1 ]] && (( ${#CPUS[@]} >= 3 )) &&
   [[ -w /sys/devices/system/cpu/cpu${CPUS[-1]}/online ]]; then
	ktap_check "a target CPU offline and back under stats: no sum goes back, no frame uncounted" \
		cpu_offline
else
	ktap_skip "a CPU offline under stats: only in a vmtest guest with 3 CPUs or more (it changes the machine's CPUs)"
fi

# --- top in a terminal --------------------------------------------------------

# One tmux server per run, on its own socket: a server still shutting
# down never takes the next run's session.
tm() { tmux -S "$TMP/tmux-$TOP_RUN.sock" "$@"; }
screen() { tm capture-pane -p -t top; }

# top in a tmux pane, after a line of output, with traffic: its view, then
# a resize, then a key: the line is back on the screen (the terminal is
# restored) and top's exit status was 0. The pane runs a script, not an
# interactive shell, whose handling of Ctrl-C would decide what follows.
top_run()
{
	local key=$1 i gpid

	TOP_RUN=$key
	printf '#!/bin/bash\necho BEFORE-TOP\nnsenter --net=/run/netns/%s %q top %q --interval 0.3\necho "TOP-EXIT=$?"\nexec sleep 60\n' \
		"$NS_B" "$CPUSTEER" "$VETH_B" > "$TMP/top-pane.sh" &&
	chmod +x "$TMP/top-pane.sh" &&
	tm new-session -d -s top -x 120 -y 32 "$TMP/top-pane.sh" || return 1
	gen_b --flows 16 --count $((RATE * 3)) --rate "$RATE" > /dev/null &
	gpid=$!
	for ((i = 0; i < 50; i++)); do
		screen > "$TMP/top1" && grep -q "heaviest buckets" "$TMP/top1" && break
		sleep 0.1
	done
	wait "$gpid"
	grep -q "^ cpusteer top  $VETH_B (1/1)" "$TMP/top1" &&
	grep -q "load (#) and ring drops (x)" "$TMP/top1" &&
	for c in "${CPUS[@]}"; do grep -Eq "^ +$c [#x.]+ +[0-9]+ " "$TMP/top1" || return 1; done || {
		cat "$TMP/top1"; return 1; }
	tm resize-window -t top -x 60 -y 12 || return 1
	sleep 0.8
	screen > "$TMP/top2"
	[[ $(head -1 "$TMP/top2") == " cpusteer top  $VETH_B"* ]] &&
		sed -n 2p "$TMP/top2" | grep -q "^hashed" &&
		(( $(awk '{ if (length > m) m = length } END { print m }' "$TMP/top2") <= 60 )) ||
		{ echo "after the resize:"; cat "$TMP/top2"; return 1; }
	tm send-keys -t top "$key"
	for ((i = 0; i < 30; i++)); do
		screen > "$TMP/top3" && grep -q "TOP-EXIT=" "$TMP/top3" && break
		sleep 0.1
	done
	grep -q "TOP-EXIT=0" "$TMP/top3" && grep -q "BEFORE-TOP" "$TMP/top3" &&
		! grep -q "heaviest buckets\|cpusteer top  " "$TMP/top3" || {
		echo "after $key:"; cat "$TMP/top3"
		echo "pane: $(tm list-panes -t top -F '#{pane_pid} #{pane_current_command} #{pane_dead}')"
		pgrep -a -f "cpusteer top" | while read -r p _; do
			echo "top $p: $(awk '{ print $3 }' "/proc/$p/stat") $(cat "/proc/$p/wchan")"
		done
		return 1
	}
	tm kill-server
}
ktap_check "top: a bar per target CPU under traffic, redrawn within a 60x12 resize, q gives the terminal back (exit 0)" \
	top_run q
ktap_check "top: Ctrl-C also gives the terminal back (exit 0)" top_run C-c
ktap_check "top without a terminal: exit 2, pointing at stats" \
	bash -c "nsenter --net=/run/netns/$NS_B $CPUSTEER top $VETH_B < /dev/null 2>&1 > /dev/null |
		 grep -q \"use 'cpusteer stats'\"; [[ \${PIPESTATUS[0]} == 2 ]]"

# stats sums the table in the kernel where it can (Linux 5.19+) and reads
# it in batches elsewhere: bench --read checks the two agree on a table
# with counts in every bucket and CPU before it times them.
ktap_check "the table summed in the kernel and read in batches: the same figures" \
	bash -c "'$CPUSTEER' bench --read --buckets 1024 --runs 3 --json | jq -e '.read.median_ms > 0' > /dev/null"

ktap_check "detach" cs detach "$VETH_B"
ktap_finish
