#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# cpusteer plan and attach --auto on recorded machines: hwloc XML exports
# (selftests/plan/*.xml, see mkfixtures.sh there) and fake /sys + /proc
# trees built here for mlx5-, i40e- and virtio-style NICs. Every plan's RX
# CPUs, targets, queue size and IRQ map are asserted; attach --auto on a
# real veth must pin the (fake) interrupts, turn RPS off, and detach must
# put every value back; bad input must be refused with nothing changed.

. "$(dirname "$0")/lib.sh"

export CPUSTEER=${CPUSTEER:-$(cs_find cpusteer)}
PLAN=$(cd "$(dirname "$0")/plan" && pwd)

require_root
require_cmd jq ip nsenter
[[ -x $CPUSTEER ]] || ktap_exit_skip "no cpusteer binary at $CPUSTEER (run make)"

TMP=$(mktemp -d)
cleanup()
{
	[[ -n ${NS_B:-} ]] && has_pins "$NS_B" "${VETH_B:-none}" &&
		nsenter --net="/run/netns/$NS_B" "$CPUSTEER" detach "$VETH_B" \
			> /dev/null 2>&1
	netns_cleanup
	rm -rf "$TMP"
}
trap cleanup EXIT

# mk_sysroot DIR IFNAME DRIVER QUEUES SPEED FIRST-IRQ BUSID
# The files cpusteer reads for IFNAME, laid out as the kernel does.
mk_sysroot()
{
	local root=$1 ifn=$2 drv=$3 nq=$4 speed=$5 irq=$6 busid=$7
	local pcidir=$root/sys/devices/pci0000:00/$busid dev q name i

	mkdir -p "$pcidir/msi_irqs" "$root/sys/class/net/$ifn" "$root/proc/irq"
	dev=$pcidir
	if [[ $drv == virtio ]]; then
		dev=$pcidir/virtio2	# queues' vectors live on the PCI parent
		mkdir -p "$dev"
	fi
	# Relative, as the kernel makes it: cpusteer follows no link out of
	# a recorded tree, absolute ones included.
	ln -s "../../../${dev#$root/sys/}" "$root/sys/class/net/$ifn/device"
	[[ $speed == none ]] || echo "$speed" > "$root/sys/class/net/$ifn/speed"
	: > "$root/proc/interrupts"
	# Control vectors first: they must not be taken for queues.
	case $drv in
	mlx5) names=("mlx5_async0@pci:$busid") ;;
	i40e) names=("i40e-$busid:misc") ;;
	virtio) names=("virtio2-config") ;;
	esac
	for ((q = 0; q < nq; q++)); do
		case $drv in
		mlx5) names+=("mlx5_comp$q@pci:$busid") ;;
		i40e) names+=("i40e-$ifn-TxRx-$q") ;;
		virtio) names+=("virtio2-input.$q" "virtio2-output.$q") ;;
		esac
	done
	# One mkdir for all directories, builtins for the files: a fork per
	# interrupt takes minutes in a TCG guest.
	local dirs=() first=$irq
	for ((i = 0; i < ${#names[@]}; i++)); do
		dirs+=("$root/proc/irq/$((first + i))")
	done
	for ((q = 0; q < nq; q++)); do
		dirs+=("$root/sys/class/net/$ifn/queues/rx-$q")
	done
	mkdir -p "${dirs[@]}"
	for name in "${names[@]}"; do
		: > "$pcidir/msi_irqs/$irq"
		echo "0-63" > "$root/proc/irq/$irq/smp_affinity_list"
		printf '%4d:          0          0  PCI-MSIX-%s   %d-edge      %s\n' \
			"$irq" "$busid" "$irq" "$name" >> "$root/proc/interrupts"
		irq=$((irq + 1))
	done
	for ((q = 0; q < nq; q++)); do
		echo ff > "$root/sys/class/net/$ifn/queues/rx-$q/rps_cpus"
	done
}

plan_json() { "$CPUSTEER" plan "$@" --json; }

# check_plan NAME JQ-PREDICATE PLAN-ARGS...
check_plan()
{
	local name=$1 pred=$2 out
	shift 2
	if out=$(plan_json "$@" 2>&1) && jq -e "$pred" <<< "$out" > /dev/null; then
		ktap_ok "$name"
	else
		ktap_not_ok "$name" "$(jq -c '{nic_numa_node, rx_cpus, target_cpus, qsize, irq_affinity, warnings}' <<< "$out" 2>/dev/null || echo "$out")"
	fi
}

mk_sysroot "$TMP/mlx5" eth0 mlx5 8 100000 100 0000:81:00.0
mk_sysroot "$TMP/i40e" eth0 i40e 4 25000 200 0000:41:00.0
mk_sysroot "$TMP/virtio" eth0 virtio 1 none 37 0000:00:03.0

ktap_header
ktap_plan 32

# 2 sockets x 16 cores x SMT2 (PU 2k, 2k+1 on core k), NIC on socket 1:
# 8 queues -> cores 16..23 (PUs 32..46 even); targets the other cores of
# node 1, one thread each; 100 Gb/s / 8 targets x 200 us -> 4096, and a
# 1 MiB L2 per core holds 4096 slots.
check_plan "2 sockets, SMT, mlx5 x8 on socket 1: RX CPUs, targets, qsize, IRQs" '
	.nic_numa_node == 1 and .rx_cpus == [32,34,36,38,40,42,44,46] and
	.target_cpus == [48,50,52,54,56,58,60,62] and .qsize == 4096 and
	.irq_affinity == {"101":32,"102":34,"103":36,"104":38,"105":40,"106":42,"107":44,"108":46} and
	(.warnings | length) == 0' \
	eth0 --topology "$PLAN/2s16c-smt.xml" --sysroot "$TMP/mlx5"
check_plan "2 sockets: --allow-smt adds the SMT siblings, RX siblings too" '
	.target_cpus == [33,35,37,39,41,43,45,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63] and
	.rx_cpus == [32,34,36,38,40,42,44,46]' \
	eth0 --topology "$PLAN/2s16c-smt.xml" --sysroot "$TMP/mlx5" --allow-smt
check_plan "2 sockets: the mlx5 control vector is not pinned" \
	'.irq_affinity | has("100") | not' \
	eth0 --topology "$PLAN/2s16c-smt.xml" --sysroot "$TMP/mlx5"

# EPYC-like: 2 NUMA nodes x 2 L3 x 4 cores x SMT2, NIC on node 1 (cores
# 8..15, PUs 16..31): 4 queues -> PUs 16,18,20,22; targets 24..30 even;
# 25 Gb/s / 4 x 200 us -> 2048 = 512 KiB L2 / 256.
check_plan "EPYC-like, several L3 per node, i40e x4 on node 1" '
	.nic_numa_node == 1 and .rx_cpus == [16,18,20,22] and
	.target_cpus == [24,26,28,30] and .qsize == 2048 and
	.irq_affinity == {"201":16,"202":18,"203":20,"204":22} and
	.qsize_inputs.link_speed_mbps == 25000' \
	eth0 --topology "$PLAN/epyc.xml" --sysroot "$TMP/i40e"
check_plan "EPYC-like: --spill adds node 0 and warns about each such target" '
	.target_cpus == [24,26,28,30,0,2,4,6,8,10,12,14] and
	([.warnings[] | select(test("NUMA node 0, the NIC on node 1"))] | length) == 8' \
	eth0 --topology "$PLAN/epyc.xml" --sysroot "$TMP/i40e" --spill
check_plan "EPYC-like: a smaller latency budget, a smaller ring" \
	'.qsize == 512 and .qsize_inputs.budget_us == 50' \
	eth0 --topology "$PLAN/epyc.xml" --sysroot "$TMP/i40e" --budget-us 50

# 8 cores, no SMT, virtio: one input queue (vectors on the PCI parent), no
# speed file: 10 Gb/s assumed, said; 7 targets -> 425 -> 512.
check_plan "8 cores without SMT, virtio: input queue only, speed assumed" '
	.rx_cpus == [0] and .target_cpus == [1,2,3,4,5,6,7] and .qsize == 512 and
	.irq_affinity == {"38":0} and .qsize_inputs.link_speed_assumed and
	any(.warnings[]; test("does not report a link speed"))' \
	eth0 --topology "$PLAN/8c.xml" --sysroot "$TMP/virtio"
check_plan "this VM (recorded): RX CPU 0, target CPU 1" '
	.rx_cpus == [0] and .target_cpus == [1] and .qsize == 4096 and
	.nic_pci == "0000:00:03.0"' \
	eth0 --topology "$PLAN/vm.xml" --sysroot "$TMP/virtio"
check_plan "a tiny budget is clamped to 64, and says so" \
	'.qsize == 64 and .qsize_inputs.clamped and any(.warnings[]; test("clamped"))' \
	eth0 --topology "$PLAN/8c.xml" --sysroot "$TMP/virtio" --budget-us 1
check_plan "--cpus chooses the targets" \
	'.target_cpus == [3,4] and .rx_cpus == [0]' \
	eth0 --topology "$PLAN/8c.xml" --sysroot "$TMP/virtio" --cpus 3-4
mkdir -p "$TMP/virtio/sys/class/net/lo"	# recorded: lo, without a device
check_plan "an interface with no PCI device: all CPUs, and says so" \
	'.nic_pci == null and .rx_cpus == [] and (.target_cpus | length) == 8 and
	 any(.warnings[]; test("no PCI device"))' \
	lo --topology "$PLAN/8c.xml" --sysroot "$TMP/virtio"

# More queue interrupts than a plan takes (CS_IRQ_MAX, 1,024): the first
# 1,024 by queue number are planned, the rest named in a warning. Past the
# limit they used to be written beyond the end of the array.
mk_sysroot "$TMP/mlx5big" eth0 mlx5 1100 100000 1000 0000:81:00.0
check_plan "1,100 queue interrupts: 1,024 planned, 76 said to keep their affinity" '
	(.irq_affinity | length) == 1024 and .irq_affinity["1001"] == 32 and
	(.irq_affinity | has("2025") | not) and
	.rx_cpus == [32,34,36,38,40,42,44,46,48,50,52,54,56,58,60,62,0,2,4,6,8,10,12,14,16,18,20,22,24,26,28,30] and
	any(.warnings[]; test("76 more receive-queue interrupts than the 1024 planned"))' \
	eth0 --topology "$PLAN/2s16c-smt.xml" --sysroot "$TMP/mlx5big" --allow-smt

# Bad input: refused with exit 2 and a message that names it.
# refused EXIT-CODE REGEX CMD...: the command fails so, and says so.
refused()
{
	local want=$1 re=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	[[ $rc -eq $want ]] && grep -qE -- "$re" <<< "$out" && return 0
	echo "exit $rc, want $want; output: $out"
	return 1
}
echo "<topology" > "$TMP/broken.xml"
ktap_check "a topology file that does not parse is refused" \
	refused 2 "--topology $TMP/broken.xml: not a readable hwloc XML file" \
	"$CPUSTEER" plan eth0 --topology "$TMP/broken.xml"
ktap_check "a missing topology file is refused" \
	refused 2 "--topology $TMP/nope.xml: .*No such file" \
	"$CPUSTEER" plan eth0 --topology "$TMP/nope.xml"
mk_sysroot "$TMP/virtio2q" eth0 virtio 2 none 37 0000:00:03.0
ktap_check "every core an RX core, no target left: refused, and said" \
	refused 2 "no CPU is left for targets.*--allow-smt or --cpus" \
	"$CPUSTEER" plan eth0 --topology "$PLAN/vm.xml" --sysroot "$TMP/virtio2q"
ktap_check "a CPU list outside the topology is refused" \
	refused 2 "CPU 8 is not in the topology" \
	"$CPUSTEER" plan eth0 --topology "$PLAN/8c.xml" --sysroot "$TMP/virtio" --cpus 8

# attach --auto on a real veth, against a recorded machine whose NIC is
# that veth: the fake interrupts and RPS masks are what it changes.
bpffs_mounted || ktap_exit_skip "cannot mount bpffs"
require_feature "${STEER_FEATURES[@]}"
netns_setup plan > /dev/null || ktap_exit_skip "cannot build the veth testbed"
sed "s/name=\"eth0\"/name=\"$VETH_B\"/" "$PLAN/vm.xml" > "$TMP/vm.xml"
mk_sysroot "$TMP/live" "$VETH_B" virtio 1 10000 37 0000:00:03.0
in_b() { nsenter --net="/run/netns/$NS_B" "$@"; }
auto=(attach "$VETH_B" --auto --topology "$TMP/vm.xml" --sysroot "$TMP/live")
snapshot() { cat "$TMP/live/proc/irq/"*/smp_affinity_list "$TMP/live/sys/class/net/$VETH_B/queues/"*/rps_cpus; }
before=$(snapshot)

unchanged() { [[ $(snapshot) == "$before" ]] && ! has_pins "$NS_B" "$VETH_B"; }

mkdir -p "$TMP/live/proc/4242" && echo irqbalance > "$TMP/live/proc/4242/comm"
ktap_check "attach --auto refuses to pin IRQs while irqbalance runs" \
	refused 1 "irqbalance \(pid 4242\) is running" in_b "$CPUSTEER" "${auto[@]}"
ktap_check "after the refusal: nothing changed, nothing pinned" unchanged
rm -rf "$TMP/live/proc/4242"

ktap_check "attach --auto --dry-run says what it would write" \
	bash -c "nsenter --net=/run/netns/$NS_B $CPUSTEER ${auto[*]} --dry-run |
		 grep -q 'would write 0 to .*/irq/38/smp_affinity_list (now 0-63)'"
ktap_check "after the dry run: nothing changed, nothing pinned" unchanged

ktap_check "attach --auto attaches with the planned target and queue size" \
	bash -c "nsenter --net=/run/netns/$NS_B $CPUSTEER ${auto[*]} > /dev/null &&
		 nsenter --net=/run/netns/$NS_B $CPUSTEER status $VETH_B --json |
		 jq -e '.[0] | .cpus == [1] and .qsize == 4096 and .xdp_mode == \"native\"'"
ktap_check "attach --auto pinned the input queue IRQ to the RX CPU and turned RPS off" \
	bash -c "[[ \$(cat $TMP/live/proc/irq/38/smp_affinity_list) == 0 &&
		    \$(cat $TMP/live/proc/irq/37/smp_affinity_list) == 0-63 &&
		    \$(cat $TMP/live/sys/class/net/$VETH_B/queues/rx-0/rps_cpus) == 0 ]]"
ktap_check "detach" in_b "$CPUSTEER" detach "$VETH_B"
ktap_check "detach restored every IRQ affinity and RPS mask" \
	bash -c "[[ \"\$(cat $TMP/live/proc/irq/*/smp_affinity_list $TMP/live/sys/class/net/$VETH_B/queues/*/rps_cpus)\" == \"$(echo "$before")\" ]]"
detached() { ! ip -n "$NS_B" link show dev "$VETH_B" | grep -q ' xdp' && ! has_pins "$NS_B" "$VETH_B"; }
ktap_check "after detach: no XDP program and no pins" detached

# Under 'nsenter --net', /sys is the host's and may describe another
# namespace's interface of the same name. Here /sys belongs to NS_A, which
# has an interface named like VETH_B: --auto must read and write NS_B's
# own interface, and never touch NS_A's.
set_rps() { ip netns exec "$1" sh -c "echo $2 > /sys/class/net/$VETH_B/queues/rx-0/rps_cpus"; }
ip -n "$NS_A" link add "$VETH_B" type veth peer name "y$$" &&
	set_rps "$NS_A" 1 && set_rps "$NS_B" 2 ||
	ktap_exit_skip "cannot give $NS_A an interface named $VETH_B with RPS"
hostile_sys()
{
	unshare -m --propagation private bash -c \
		"nsenter --net=/run/netns/$NS_A mount -t sysfs sysfs /sys &&
		 nsenter --net=/run/netns/$NS_B $CPUSTEER attach $VETH_B --auto --dry-run"
}
ktap_check "--auto under a /sys of another namespace reads its own interface" \
	bash -c "$(declare -f hostile_sys); hostile_sys |
		 grep -Eq 'queues/rx-0/rps_cpus \(now [0,]*2\)'"
masks_are() { [[ $(rps_mask "$NS_B" "$VETH_B") == "$1" && $(rps_mask "$NS_A" "$VETH_B") == "$2" ]]; }
rps_off_here()
{
	nsenter --net="/run/netns/$NS_B" "$CPUSTEER" attach "$VETH_B" --auto > /dev/null &&
		masks_are 0 1
}
rps_back_here()
{
	nsenter --net="/run/netns/$NS_B" "$CPUSTEER" detach "$VETH_B" > /dev/null &&
		masks_are 2 1
}
ktap_check "--auto turns RPS off on its own interface only" rps_off_here
ktap_check "detach puts its RPS mask back, the other namespace's untouched" rps_back_here
# A recorded tree whose RPS file is a link out of it, to a file of ours:
# --auto must neither read nor write through it.
mk_sysroot "$TMP/escape" "$VETH_B" virtio 1 10000 37 0000:00:03.0
printf 'keep me\nand me\n' > "$TMP/victim"
ln -sf "$TMP/victim" "$TMP/escape/sys/class/net/$VETH_B/queues/rx-0/rps_cpus"
ktap_check "--sysroot: a link out of the tree is not followed, its target kept" \
	bash -c "nsenter --net=/run/netns/$NS_B $CPUSTEER attach $VETH_B --auto \
			--topology $TMP/vm.xml --sysroot $TMP/escape > /dev/null &&
		 nsenter --net=/run/netns/$NS_B $CPUSTEER detach $VETH_B > /dev/null &&
		 [[ \$(cat $TMP/victim) == \$'keep me\nand me' ]]"

# Under 'nsenter --net', hwloc's /sys shows the host's interfaces: a veth
# named like a host NIC must still be planned as a device without PCI.
host_nic=""
for d in /sys/class/net/*/device; do
	[[ -e $d ]] || continue
	host_nic=$(basename "$(dirname "$d")")
	break
done
if [[ -n $host_nic ]] &&
   ip -n "$NS_B" link add "$host_nic" type veth peer name "z$$"; then
	ktap_check "plan of a veth named like the host's NIC ($host_nic): no PCI device" \
		bash -c "nsenter --net=/run/netns/$NS_B $CPUSTEER plan $host_nic --json |
			 jq -e '.nic_pci == null'"
	ip -n "$NS_B" link del "$host_nic"
else
	ktap_skip "plan of a veth named like the host's NIC" \
		"the host has no interface with a device to borrow a name from"
fi
ktap_check "plan for an interface of another namespace only: refused" \
	refused 2 "interface 'y$$' does not exist in this network namespace" \
	nsenter --net="/run/netns/$NS_B" "$CPUSTEER" plan "y$$"
ktap_check "plan --sysroot without the interface: refused" \
	refused 2 "--sysroot $TMP/virtio has no interface nosuch0" \
	"$CPUSTEER" plan nosuch0 --sysroot "$TMP/virtio"
ktap_finish
