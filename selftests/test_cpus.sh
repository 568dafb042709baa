#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# cpusteer on however many CPUs this machine has: checks that only mean
# something with many of them, and assume none.
#
# - Spread: 64 flows per online CPU, two frames each, through a veth with
#   cpusteer on every CPU. Every frame must land where classify predicts
#   from the live key and table, and the flows per target must pass a
#   chi-square test against the targets' bucket shares, at a false-alarm
#   rate of 1e-4 per attach (the key is drawn afresh at every attach).
# - A subset: cpusteer on the upper half of the CPUs; no frame reaches the
#   others, every target gets some.
# - NUMA: on a machine whose NIC sits on the second of two NUMA nodes (as
#   'make vmtest' builds one with --numa 2: a virtio NIC behind a pxb on
#   node 1), plan and attach --auto put the RX CPUs and the targets on the
#   NIC's node, pin its queue interrupts and turn RPS off; detach puts back
#   every value. Only in a VM (CS_VMTEST=1): the NIC is the machine's own.

. "$(dirname "$0")/lib.sh"

export CPUSTEER=${CPUSTEER:-$(cs_find cpusteer)}

FLOWS_PER_CPU=64	# chi-square wants >= 5 expected flows a target
FRAMES_PER_FLOW=2
# Frames that are not ours (the testbed's IPv6 neighbour discovery) may
# reach a target too: at most this many per CPU in one run.
NOISE=10
# Standard normal quantile at 1 - 1e-4: the spread test's false-alarm rate.
SPREAD_Z=3.719

require_root
require_cmd ip ethtool nsenter jq
[[ -x $CPUSTEER ]] || ktap_exit_skip "no cpusteer binary at $CPUSTEER (run make)"
require_feature "${STEER_FEATURES[@]}" "${GEN_FEATURES[@]}"
bpffs_mounted || ktap_exit_skip "cannot mount bpffs on /sys/fs/bpf"

TMP=$(mktemp -d)
auto_nic=""
cleanup()
{
	[[ -n ${NS_B:-} ]] && has_pins "$NS_B" "${VETH_B:-none}" &&
		in_b "$CPUSTEER" detach "$VETH_B" > /dev/null 2>&1
	[[ -z $auto_nic ]] || "$CPUSTEER" detach "$auto_nic" > /dev/null 2>&1
	netns_cleanup
	rm -rf "$TMP"
}
trap cleanup EXIT
netns_setup cpus > /dev/null || ktap_exit_skip "cannot build the veth testbed"
in_b() { nsenter --net="/run/netns/$NS_B" "$@"; }

ONLINE=$(cat /sys/devices/system/cpu/online)
# The online CPUs, one per line, ascending.
cpu_list()
{
	local part lo hi c

	for part in ${1//,/ }; do
		lo=${part%-*}
		hi=${part#*-}
		for ((c = lo; c <= hi; c++)); do
			echo "$c"
		done
	done
}
mapfile -t CPUS < <(cpu_list "$ONLINE")
NCPUS=${#CPUS[@]}

# send_and_predict NAME FLOWS: FLOWS flows, FRAMES_PER_FLOW frames each,
# from NS_A; $TMP/NAME.before/.after are stats around it, $TMP/NAME.pred
# the CPU classify predicts for each frame (the same frames, from a pcap).
send_and_predict()
{
	local name=$1 flows=$2
	local args=(--flows "$flows" --count $((flows * FRAMES_PER_FLOW))
		    --src 10.201.0.1 --dst 10.202.0.1 --seed 7)

	in_b "$CPUSTEER" stats "$VETH_B" --json --count 1 --interval 0.1 \
		> "$TMP/$name.before" || return 1
	nsenter --net="/run/netns/$NS_A" "$CPUSTEER" gen "$VETH_A" "${args[@]}" \
		--dst-mac "$MAC_B" --rate 20000 > /dev/null || return 1
	sleep 0.5	# the targets drain their rings
	in_b "$CPUSTEER" stats "$VETH_B" --json --count 1 --interval 0.1 \
		> "$TMP/$name.after" || return 1
	"$CPUSTEER" gen --pcap "$TMP/$name.pcap" "${args[@]}" > /dev/null &&
	in_b "$CPUSTEER" classify "$VETH_B" --pcap "$TMP/$name.pcap" \
		2> /dev/null | jq -s '[.[].cpu]' > "$TMP/$name.pred"
}

# Per CPU, the frames stage 1 redirected to it during the run, as an
# object {"cpu": frames}.
delta()
{
	jq -n --slurpfile b "$TMP/$1.before" --slurpfile a "$TMP/$1.after" '
		def r(s): [s.targets[] | {key: (.cpu | tostring), value: .redirected.total}]
			  | from_entries;
		(r($b[0])) as $x | r($a[0]) | with_entries(.value -= ($x[.key] // 0))'
}

# Every frame where classify said, give or take NOISE foreign frames.
check_predicted()
{
	local name=$1

	delta "$name" > "$TMP/$name.delta" || return 1
	jq -n -e --slurpfile d "$TMP/$name.delta" --slurpfile p "$TMP/$name.pred" \
		--argjson noise $NOISE '
		($p[0] | group_by(.) | map({key: (.[0] | tostring), value: length})
		 | from_entries) as $want |
		($d[0] | keys) + ($want | keys) | unique |
		all(.[]; (($d[0][.] // 0) - ($want[.] // 0)) as $x |
		    $x >= 0 and $x <= $noise)' > /dev/null && return 0
	echo "redirected per CPU: $(jq -c . "$TMP/$name.delta")"
	echo "predicted frames: $(jq -c 'group_by(.) | map({(.[0] | tostring): length}) | add' "$TMP/$name.pred")"
	return 1
}

# Flows per target against the targets' bucket shares (round robin over
# the CPUs in list order, 256 buckets): chi-square with T - 1 degrees of
# freedom, and its 1 - 1e-4 quantile (Wilson-Hilferty) as the bound. One
# JSON object: {x2, bound, dof}.
chi2_of()
{
	jq -n -c --slurpfile p "$TMP/$1.pred" --argjson t "$2" \
		--argjson ppf $FRAMES_PER_FLOW --argjson z $SPREAD_Z '
		($t | length) as $n | ($p[0] | length / $ppf) as $flows |
		[range(0; $n) as $i |
		 (([range($i; 256; $n)] | length) * $flows / 256) as $e |
		 ([$p[0][] | select(. == $t[$i])] | length / $ppf) as $c |
		 ($c - $e) * ($c - $e) / $e] | add as $x2 |
		(2 / (9 * ($n - 1))) as $a |
		{x2: $x2, dof: ($n - 1),
		 bound: (($n - 1) * pow(1 - $a + $z * ($a | sqrt); 3))}'
}
chi2_ok() { jq -e '.x2 <= .bound' <<< "$1" > /dev/null; }

ktap_header
ktap_plan 8

# --- Every CPU --------------------------------------------------------------

all_json=$(printf '%s\n' "${CPUS[@]}" | jq -s -c .)
ktap_check "attach on all $NCPUS online CPUs ($ONLINE)" \
	in_b "$CPUSTEER" attach "$VETH_B" --cpus "$ONLINE"
ktap_check "$((FLOWS_PER_CPU * NCPUS)) flows sent, classified" \
	send_and_predict all $((FLOWS_PER_CPU * NCPUS))
ktap_check "every frame on the CPU classify predicts" check_predicted all
if ((NCPUS > 1)) && chi2=$(chi2_of all "$all_json"); then
	ktap_msg "$(jq -r '"flows per CPU: chi-square \(.x2 * 10 | round / 10), bound \(.bound * 10 | round / 10) (\(.dof) degrees of freedom)"' <<< "$chi2")"
	ktap_check "flows per CPU within the chi-square bound (false alarm 1e-4)" \
		chi2_ok "$chi2"
else
	ktap_skip "flows per CPU within the chi-square bound" "one CPU: nothing to spread"
fi
in_b "$CPUSTEER" detach "$VETH_B" > /dev/null

# --- A subset: the upper half -----------------------------------------------

upper=("${CPUS[@]:NCPUS / 2}")
upper_list=$(IFS=,; echo "${upper[*]}")
upper_json=$(printf '%s\n' "${upper[@]}" | jq -s -c .)
subset()
{
	in_b "$CPUSTEER" attach "$VETH_B" --cpus "$upper_list" > /dev/null &&
	send_and_predict upper $((FLOWS_PER_CPU * ${#upper[@]})) &&
	check_predicted upper || return 1
	delta upper | jq -e --argjson t "$upper_json" '
		to_entries | all(.[]; ((.key | tonumber) as $c |
			($t | index($c)) != null) == (.value > 0))' > /dev/null ||
		{ echo "frames outside the targets, or a target without any: $(delta upper | jq -c .)"; return 1; }
}
ktap_check "--cpus $upper_list: frames on those CPUs only, every one of them used" subset
in_b "$CPUSTEER" detach "$VETH_B" > /dev/null

# --- NUMA: the NIC on node 1 of 2 --------------------------------------------

# The NIC a 'make vmtest --numa 2' guest has: a PCI one on NUMA node 1.
find_numa_nic()
{
	local d n

	[[ ${CS_VMTEST:-} == 1 ]] || return 1
	# virtio_net's device is the virtio device; its PCI parent has the
	# node (as cpusteer's plan looks it up).
	for d in /sys/class/net/*/device/numa_node \
		 /sys/class/net/*/device/../numa_node; do
		[[ -r $d && $(cat "$d") == 1 ]] || continue
		n=${d#/sys/class/net/}
		echo "${n%%/*}"
		return 0
	done
	return 1
}
node_cpus() { cat "/sys/devices/system/node/node$1/cpulist"; }

if nic=$(find_numa_nic) && [[ -d /sys/devices/system/node/node1 ]]; then
	node1=$(cpu_list "$(node_cpus 1)" | jq -s -c .)
	snapshot()
	{
		local irq

		for irq in $(ls "/sys/class/net/$nic/device/msi_irqs" \
			     "/sys/class/net/$nic/device/../msi_irqs" 2> /dev/null |
			     grep -E '^[0-9]+$'); do
			echo "$irq $(cat "/proc/irq/$irq/smp_affinity_list")"
		done
		cat "/sys/class/net/$nic/queues/"rx-*/rps_cpus
	}
	before=$(snapshot)
	ktap_check "plan $nic: NIC on node 1, RX and targets on node 1's CPUs" \
		bash -c "$CPUSTEER plan $nic --json | jq -e --argjson n '$node1' '
			.nic_numa_node == 1 and (.rx_cpus | length) > 0 and
			(.target_cpus | length) > 0 and
			all(.rx_cpus[]; . as \$c | \$n | index(\$c) != null) and
			all(.target_cpus[]; . as \$c | \$n | index(\$c) != null) and
			(.target_cpus - .rx_cpus) == .target_cpus'"
	auto_nic=$nic
	auto()
	{
		local plan

		plan=$("$CPUSTEER" plan "$nic" --json) || return 1
		"$CPUSTEER" attach "$nic" --auto --xdp-mode skb > /dev/null || return 1
		jq -r '.irq_affinity | to_entries[] | "\(.key) \(.value)"' <<< "$plan" |
		while read -r irq cpu; do
			[[ $(cat "/proc/irq/$irq/smp_affinity_list") == "$cpu" ]] ||
				{ echo "IRQ $irq not on CPU $cpu"; return 1; }
		done || return 1
		! grep -qv '^[0,]*$' "/sys/class/net/$nic/queues/"rx-*/rps_cpus ||
			{ echo "RPS still on"; return 1; }
	}
	ktap_check "attach $nic --auto: its queue IRQs pinned as planned, RPS off" auto
	ktap_check "detach $nic: every IRQ affinity and RPS mask put back" \
		bash -c "$CPUSTEER detach $nic > /dev/null && [[ \"\$(
			$(declare -f snapshot); nic=$nic; snapshot)\" == '$before' ]]"
	auto_nic=""
else
	why="needs a PCI NIC on NUMA node 1 of 2 in a VM ('make vmtest VMTEST_ARGS=\"--cpus 16 --numa 2\"')"
	ktap_skip "plan: NIC on node 1, RX and targets on node 1's CPUs" "$why"
	ktap_skip "attach --auto: queue IRQs pinned as planned, RPS off" "$why"
	ktap_skip "detach: every IRQ affinity and RPS mask put back" "$why"
fi

ktap_finish
