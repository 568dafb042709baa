#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Shared helpers for cpusteer's shell selftests. Source it, don't run it:
#
#	. "$(dirname "$0")/lib.sh"
#	require_root
#	require_cmd ip ethtool
#	trap netns_cleanup EXIT
#	netns_setup || ktap_exit_skip "cannot build the veth testbed"
#	ktap_header
#	ktap_plan 2
#	ktap_check "addresses up" ip -n "$NS_A" addr show dev "$VETH_A"
#	...
#	ktap_finish
#
# Output is KTAP (TAP version 13) so kselftest_runner.sh can nest it; skips
# exit with kselftest's code 4 and a reason. Everything is safe under set -u.

# Sourcing twice must not reset the counters or forget our namespaces.
[[ -n ${_CPUSTEER_LIB_SH:-} ]] && return 0
_CPUSTEER_LIB_SH=1

# cs_find NAME: a program or object the tests use, beside this file (an
# installed kselftest tree), in its build/ (the source tree's selftests), or
# in the source tree's build/ (cpusteer, the BPF objects).
cs_find()
{
	local dir p

	dir=$(dirname "${BASH_SOURCE[0]}")
	for p in "$dir/$1" "$dir/build/$1" "$dir/../build/$1"; do
		[[ -e $p ]] && { echo "$p"; return 0; }
	done
	echo "$dir/../build/$1"		# where make puts it: said when missing
}

ksft_skip=4

_ktap_num=0
_ktap_pass=0
_ktap_fail=0
_ktap_skip=0
_ktap_plan=""

# --- KTAP output ---------------------------------------------------------

ktap_header()
{
	echo "TAP version 13"
}

ktap_plan()
{
	_ktap_plan=$1
	echo "1..$1"
}

ktap_msg()
{
	echo "# $*"
}

ktap_ok()
{
	_ktap_num=$((_ktap_num + 1))
	_ktap_pass=$((_ktap_pass + 1))
	echo "ok $_ktap_num $1"
}

# DIAG goes on its own "# " line: text after "# " on the result line itself
# would be read as a TAP directive (SKIP/TODO) by some parsers.
ktap_not_ok()
{
	_ktap_num=$((_ktap_num + 1))
	_ktap_fail=$((_ktap_fail + 1))
	echo "not ok $_ktap_num $1"
	[[ $# -lt 2 ]] || ktap_msg "$2"
}

ktap_skip()
{
	_ktap_num=$((_ktap_num + 1))
	_ktap_skip=$((_ktap_skip + 1))
	echo "ok $_ktap_num $1 # SKIP $2"
}

# ktap_check NAME CMD...: one result from CMD's exit status. Output is kept
# quiet on success and shown as diagnostics on failure, where it is needed.
ktap_check()
{
	local name=$1 out rc

	shift
	out=$("$@" 2>&1)
	rc=$?
	if [[ $rc -eq 0 ]]; then
		ktap_ok "$name"
		return 0
	fi
	ktap_not_ok "$name" "'$*' exited with $rc"
	[[ -z $out ]] || printf '%s\n' "$out" | sed 's/^/# /'
	return "$rc"
}

# ktap_result NAME WHY STDOUT STDERR [COMMAND]: ok if WHY is empty; else not
# ok with WHY, then the command and the files it wrote, as diagnostics.
ktap_result()
{
	local name=$1 why=$2 out=$3 err=$4 cmd=${5:-}

	if [[ -z $why ]]; then
		ktap_ok "$name"
		return 0
	fi
	ktap_not_ok "$name" "${why%; }"
	[[ -z $cmd ]] || ktap_msg "command: $cmd"
	sed 's/^/# stdout: /' "$out"
	sed 's/^/# stderr: /' "$err"
	return 1
}

# A plan/result mismatch means a test path bailed out early: count it failed.
ktap_finish()
{
	echo "# Totals: pass:$_ktap_pass fail:$_ktap_fail xfail:0 xpass:0 skip:$_ktap_skip error:0"
	if [[ -n $_ktap_plan && $_ktap_plan -ne $_ktap_num ]]; then
		ktap_msg "Planned tests != run tests ($_ktap_plan != $_ktap_num)"
		exit 1
	fi
	[[ $_ktap_fail -eq 0 ]] || exit 1
	exit 0
}

# Skip the whole test. Before a plan, "1..0 # SKIP" says nothing will run.
ktap_exit_skip()
{
	if [[ -z $_ktap_plan ]]; then
		echo "1..0 # SKIP $*"
	else
		echo "# SKIP $*"
	fi
	exit "$ksft_skip"
}

# --- Preconditions: a missing one is a skip, not a failure -----------------

require_root()
{
	[[ $EUID -eq 0 ]] || ktap_exit_skip "must be run as root"
}

# Stop the whole test as failed, with a reason (TAP's "Bail out!").
ktap_exit_fail()
{
	echo "Bail out! $*"
	exit 1
}

# version_ge A B: release A is B or later ("6.18.44-fc" >= "5.9").
version_ge()
{
	local a b x y

	IFS=. read -r a b _ <<< "${1%%-*}"
	IFS=. read -r x y _ <<< "$2"
	(( a > x || (a == x && ${b:-0} >= ${y:-0}) ))
}

# require_feature NAME...: this kernel must have these features, as
# "cpusteer features --json" names them. A kernel older than the release
# that brought one lacks it as the README says: skip, naming it. A kernel
# that should have one and does not fails the test: the suite must not
# hide a missing feature behind a skip.
require_feature()
{
	local json name since what avail

	json=$("$CPUSTEER" features --json 2> /dev/null)
	[[ -n $json ]] || ktap_exit_fail "'cpusteer features --json' printed nothing"
	for name in "$@"; do
		read -r avail since what < <(jq -r --arg n "$name" \
			'.features[] | select(.name == $n) |
			 "\(.available) \(.since) \(.what)"' <<< "$json")
		[[ -n ${avail:-} ]] || ktap_exit_fail "no feature named $name"
		[[ $avail == true ]] && continue
		version_ge "$(uname -r)" "$since" &&
			ktap_exit_fail "this kernel lacks $name ($what), which Linux $since and later have"
		ktap_exit_skip "this kernel lacks $name ($what; Linux $since)"
	done
}

# feature_check FEATURE DESC CMD...: ktap_check DESC CMD... where the kernel
# has FEATURE; else a skip naming it (a kernel older than its release) or
# a failure (a kernel that should have it).
feature_check()
{
	local name=$1 desc=$2 since what avail

	shift 2
	read -r avail since what < <("$CPUSTEER" features --json 2> /dev/null |
		jq -r --arg n "$name" '.features[] | select(.name == $n) |
		"\(.available) \(.since) \(.what)"')
	if [[ ${avail:-} == true ]]; then
		ktap_check "$desc" "$@"
	elif [[ -n ${since:-} ]] && ! version_ge "$(uname -r)" "$since"; then
		ktap_skip "$desc" "this kernel lacks $name ($what; Linux $since)"
	else
		ktap_not_ok "$desc" "this kernel lacks $name, which Linux ${since:-?} and later have"
	fi
}

# What steering needs (README: Linux 5.9, with BTF).
STEER_FEATURES=(btf cpumap_prog xdp_link tp_cpumap_enqueue tp_cpumap_kthread
		tp_xdp_exception tp_redirect_err)
# What gen through an interface needs besides (Linux 5.18).
GEN_FEATURES=(live_frames tp_devmap_xmit tp_redirect_err)

# wait_for FILE TEXT: until FILE says TEXT (a receiver's "listening"), at
# most 5 s; returns non-zero if it never did.
wait_for()
{
	local i

	for ((i = 0; i < 50; i++)); do
		grep -q "$2" "$1" 2> /dev/null && return 0
		sleep 0.1
	done
	return 1
}

require_cmd()
{
	local cmd

	for cmd in "$@"; do
		command -v "$cmd" > /dev/null ||
			ktap_exit_skip "command not found: $cmd (run scripts/install-deps.sh)"
	done
}

# bpffs is not mounted at boot on our test machines; pinning needs it.
bpffs_mounted()
{
	local dir=/sys/fs/bpf

	[[ $(stat -f -c %T "$dir" 2> /dev/null) == bpf_fs ]] && return 0
	mkdir -p "$dir" && mount -t bpf bpf "$dir"
}

# netns_id NS: the ID cpusteer gives namespace NS (loader/ctl/iface.c), from
# the netns_id tool built beside this file (or installed with it).
netns_id()
{
	nsenter --net="/run/netns/$1" "$(cs_find netns_id)"
}

# pin_dir NS IFACE: where cpusteer pins IFACE of namespace NS (loader/ctl/pins.h:
# keyed by the namespace's ID and the interface's ifindex in it).
pin_dir()
{
	local id idx

	id=$(netns_id "$1") || return 1
	idx=$(ip -n "$1" -o link show dev "$2" 2> /dev/null | cut -d: -f1) ||
		return 1
	[[ -n $idx ]] || return 1
	echo "/sys/fs/bpf/cpusteer/netns-$id/if-$idx"
}

# has_pins NS IFACE: cpusteer has a pin directory for IFACE in NS.
has_pins()
{
	local dir

	dir=$(pin_dir "$1" "$2") && [[ -e $dir ]]
}

# rps_mask NS DEV: DEV's rx-0 RPS mask in namespace NS, as a number (the
# kernel pads it with zeros and commas to the number of CPUs).
rps_mask()
{
	local v

	v=$(ip netns exec "$1" cat "/sys/class/net/$2/queues/rx-0/rps_cpus") ||
		return 1
	v=${v//,/}
	echo $((16#$v))
}

# --- Two-namespace veth testbed ------------------------------------------

_netns_created=()

# linkwatch brings a veth's qdisc up asynchronously after "link set up";
# until then frames are silently dropped. 50 x 0.1 s is far more than the
# few ms it takes, and still short enough to fail fast if it never comes.
NETNS_UP_TRIES=50

# netns_setup [PREFIX]: NS_A/v<pid>a <-> NS_B/v<pid>b (unique: cpusteer pins by name), addressed and neighboured.
# Names carry our PID so parallel or stale runs never collide or get
# deleted by someone else's cleanup. Returns non-zero if any step fails;
# whatever was built by then is still removed by netns_cleanup.
# refused: each REFUSALS entry "EXIT|MESSAGE-PART|ATTACH-ARGS" makes
# "cs attach $VETH_B --cpus $ONLINE ARGS" exit EXIT, say MESSAGE-PART and
# leave nothing ("detached"); the test defines cs, detached, ONLINE, TMP.
refused()
{
	local r want msg args rc

	for r in "${REFUSALS[@]}"; do
		IFS='|' read -r want msg args <<< "$r"
		# shellcheck disable=SC2086
		cs attach "$VETH_B" --cpus "$ONLINE" $args > /dev/null 2> "$TMP/err"
		rc=$?
		if [[ $rc != "$want" ]] || ! grep -q -- "$msg" "$TMP/err" || ! detached; then
			echo "attach $args: exit $rc (want $want), message:"
			cat "$TMP/err"
			return 1
		fi
	done
}

netns_setup()
{
	local prefix=${1:-cs}

	require_cmd ip ethtool

	NS_A="${prefix}A-$$"
	NS_B="${prefix}B-$$"
	VETH_A="v$$a"
	VETH_B="v$$b"
	IP_A=10.199.1.1
	IP_B=10.199.1.2
	IP6_A=fd00:199::1
	IP6_B=fd00:199::2

	ip netns add "$NS_A" || return 1
	_netns_created+=("$NS_A")
	ip netns add "$NS_B" || return 1
	_netns_created+=("$NS_B")

	ip -n "$NS_A" link add "$VETH_A" type veth \
		peer name "$VETH_B" netns "$NS_B" || return 1
	_netns_if_setup "$NS_A" "$VETH_A" "$IP_A" "$IP6_A" || return 1
	_netns_if_setup "$NS_B" "$VETH_B" "$IP_B" "$IP6_B" || return 1

	MAC_A=$(ip netns exec "$NS_A" cat "/sys/class/net/$VETH_A/address") ||
		return 1
	MAC_B=$(ip netns exec "$NS_B" cat "/sys/class/net/$VETH_B/address") ||
		return 1

	# Static neighbours: the first test packet must not be an ARP/ND
	# exchange, which XDP programs would see and count as well.
	_netns_neigh "$NS_A" "$VETH_A" "$IP_B" "$IP6_B" "$MAC_B" || return 1
	_netns_neigh "$NS_B" "$VETH_B" "$IP_A" "$IP6_A" "$MAC_A" || return 1

	_netns_wait_up "$NS_A" "$VETH_A" || return 1
	_netns_wait_up "$NS_B" "$VETH_B" || return 1

	export NS_A NS_B VETH_A VETH_B IP_A IP_B IP6_A IP6_B MAC_A MAC_B
}

# nodad: an address still in DAD is "tentative" and can't be bound to.
_netns_if_setup()
{
	local ns=$1 dev=$2 ip4=$3 ip6=$4

	ip -n "$ns" link set lo up &&
	ip -n "$ns" addr add "$ip4/24" dev "$dev" &&
	ip -n "$ns" addr add "$ip6/64" dev "$dev" nodad &&
	ip -n "$ns" link set "$dev" up || return 1

	# A socket sender's veth leaves the UDP/TCP checksum to "offload".
	# When the receiving veth runs XDP, the frame goes through XDP and the
	# checksum is never completed, so the stack drops every datagram as
	# UdpInCsumErrors. Compute checksums in software on both ends.
	ip netns exec "$ns" ethtool -K "$dev" tx off > /dev/null
}

_netns_neigh()
{
	local ns=$1 dev=$2 ip4=$3 ip6=$4 mac=$5

	ip -n "$ns" neigh replace "$ip4" lladdr "$mac" dev "$dev" nud permanent &&
	ip -n "$ns" neigh replace "$ip6" lladdr "$mac" dev "$dev" nud permanent
}

_netns_wait_up()
{
	local ns=$1 dev=$2 i state

	for ((i = 0; i < NETNS_UP_TRIES; i++)); do
		state=$(ip netns exec "$ns" cat "/sys/class/net/$dev/operstate")
		[[ $state == up ]] && return 0
		sleep 0.1
	done
	echo "netns_setup: $dev in $ns still '$state' after link set up" >&2
	return 1
}

# Remove only the namespaces netns_setup made (the veth pair goes with
# them). Idempotent, so it is safe in "trap netns_cleanup EXIT" and by hand.
netns_cleanup()
{
	local ns

	for ns in "${_netns_created[@]}"; do
		ip netns del "$ns" 2> /dev/null
	done
	_netns_created=()
	return 0
}
