#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# cpusteer's command line, as a specification: every bad input is refused
# with the right exit code and a message that names it, and a refused or
# failed command leaves the system as it was: no XDP program on the
# interface, no pins under /sys/fs/bpf/cpusteer. Failures that happen
# after kernel state started to change (a native attach the driver refuses,
# a --force that cannot finish) must roll back too.
#
# Exit codes (loader/util/log.h): 2 for a bad command line, which includes values
# that parse but cannot be used here (an offline CPU, a missing interface);
# 1 when the operation itself fails.
#
# cpusteer runs under "nsenter --net", never "ip netns exec": the latter
# gives the command a private /sys that hides bpffs, and cpusteer refuses to
# pin there. "ip -n" hides bpffs the same way, so a foreign program loaded
# and pinned with bpftool is attached with "nsenter ... ip".

set -u

# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/lib.sh"

export CPUSTEER=${CPUSTEER:-$(cs_find cpusteer)}
REF_OBJ=${REF_OBJ:-$(cs_find ref_redirect.bpf.o)}
CS_FAULT_LIB=${CS_FAULT_LIB:-$(cs_find libcsfault.so)}

CS_MAX_CPUS=512		# include/cpusteer.h: CPUs above it are refused

EXIT_OK=0
EXIT_FAIL=1
EXIT_USAGE=2

# The slowest command here (attach: load, verify, pin) takes well under a
# second; this only stops a hung one from hanging the suite.
CMD_TIMEOUT=15

# --- Helpers ----------------------------------------------------------------

tmp=""
args=()			# one case's arguments, unquoted from its table row
foreign_pins=""
canaries=()

# shellcheck disable=SC2317	# called by the EXIT trap
cleanup()
{
	# Pins outlive the namespace: detach before netns_cleanup, or the
	# next run would find them.
	if [[ -n ${NS_B:-} ]]; then
		[[ -z ${VETH_B:-} ]] || ! has_pins "$NS_B" "$VETH_B" ||
			cs_quiet detach "$VETH_B"
		! has_pins "$NS_B" lo || cs_quiet detach lo
	fi
	[[ -z $foreign_pins ]] || rm -rf "$foreign_pins"
	[[ ${#canaries[@]} -eq 0 ]] || rm -rf "${canaries[@]}"
	netns_cleanup
	[[ -z $tmp ]] || rm -rf "$tmp"
}

cs_quiet()
{
	timeout -k 2 "$CMD_TIMEOUT" nsenter --net="/run/netns/$NS_B" \
		"$CPUSTEER" "$@" > /dev/null 2>&1
}

# cs ARGS...: run cpusteer in $NS_B; sets cs_rc, output in $cs_out/$cs_err.
cs()
{
	timeout -k 2 "$CMD_TIMEOUT" nsenter --net="/run/netns/$NS_B" \
		"$CPUSTEER" "$@" > "$cs_out" 2> "$cs_err"
	cs_rc=$?
}

# cs_fault FUNCS ARGS...: cs with FUNCS (comma-separated libbpf calls)
# failing, through the LD_PRELOAD fault injector (fault_inject.c).
cs_fault()
{
	local funcs=$1

	shift
	timeout -k 2 "$CMD_TIMEOUT" nsenter --net="/run/netns/$NS_B" \
		env LD_PRELOAD="$CS_FAULT_LIB" CS_FAULT="$funcs" \
		${CS_FAULT_MAP:+CS_FAULT_MAP="$CS_FAULT_MAP"} \
		"$CPUSTEER" "$@" > "$cs_out" 2> "$cs_err"
	cs_rc=$?
}

# cs_host ARGS...: the same outside any namespace, for --help and friends.
cs_host()
{
	timeout -k 2 "$CMD_TIMEOUT" "$CPUSTEER" "$@" > "$cs_out" 2> "$cs_err"
	cs_rc=$?
}

# Pin directories of $VETH_B and lo: found once, as their ifindexes stay.
declare -A PINS=()

# Print what is left on IFACE in $NS_B: an XDP program, a pin directory.
# With two hundred rows, every process counts (a TCG guest takes ~0.15 s
# to start one): one 'ip' for both, the rest in the shell.
leftovers()
{
	local ifc=$1 line

	line=$(ip -n "$NS_B" -o link show dev "$ifc")
	[[ $line != *" xdp"* ]] ||
		printf 'an XDP program is attached to %s; ' "$ifc"
	[[ ! -e ${PINS[$ifc]} ]] || printf '%s exists; ' "${PINS[$ifc]}"
}

# Id of the XDP program on IFACE in $NS_B, empty if none.
xdp_prog_id()
{
	ip -n "$NS_B" link show dev "$1" |
		sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p'
}

# result NAME WHY: ok if WHY is empty, else not ok with WHY, the command and
# what it printed as diagnostics.
result()
{
	ktap_result "$1" "$2" "$cs_out" "$cs_err" "cpusteer ${last_cmd:-}"
}

# expect RC REGEX: why the last cs run does not look like a refusal with
# exit RC and a message matching REGEX on stderr (empty if it does).
expect()
{
	local rc=$1 re=$2

	if [[ $cs_rc -eq 124 || $cs_rc -eq 137 ]]; then
		printf 'timed out after %ss; ' "$CMD_TIMEOUT"
	elif [[ $cs_rc -ne $rc ]]; then
		printf 'exit %s, want %s; ' "$cs_rc" "$rc"
	fi
	if [[ ! -s $cs_err ]]; then
		printf 'nothing on stderr; '
	elif ! grep -Eq -- "$re" "$cs_err"; then
		printf 'stderr does not match /%s/; ' "$re"
	fi
}

# expect_ok: why the last cs run did not succeed (empty if it did).
expect_ok()
{
	[[ $cs_rc -eq 0 ]] || printf 'exit %s, want 0; ' "$cs_rc"
}

# A case that left something behind must not fail every case after it.
restore()
{
	local ifc

	for ifc in "$VETH_B" lo; do
		! has_pins "$NS_B" "$ifc" || cs_quiet detach "$ifc"
		if ip -n "$NS_B" link show dev "$ifc" | grep -q xdp; then
			ip -n "$NS_B" link set dev "$ifc" xdp off 2> /dev/null
			ip -n "$NS_B" link set dev "$ifc" xdpgeneric off \
				2> /dev/null
		fi
	done
}

# First CPU below CS_MAX_CPUS that is not online: a well-formed CPU number
# that cannot be a target here.
offline_cpu()
{
	local -A online=()
	local parts part lo hi c

	IFS=, read -ra parts < /sys/devices/system/cpu/online || return 1
	for part in "${parts[@]}"; do
		lo=${part%-*}
		hi=${part#*-}
		for ((c = lo; c <= hi; c++)); do
			online[$c]=1
		done
	done
	for ((c = 0; c < CS_MAX_CPUS; c++)); do
		if [[ -z ${online[$c]:-} ]]; then
			echo "$c"
			return 0
		fi
	done
	return 1
}

# Put a program cpusteer did not attach on IFACE in generic (skb) mode.
# iproute2 first, as a user would; if it cannot load the object (its
# cpumap is sized CS_MAX_CPUS, above many kernels' NR_CPUS: E2BIG), load it
# with bpftool against a one-entry cpumap and attach the pinned program.
# Sets foreign_why on failure.
attach_foreign()
{
	local ifc=$1 err

	foreign_why=""
	if [[ ! -r $REF_OBJ ]]; then
		foreign_why="$REF_OBJ not built"
		return 1
	fi
	err=$(ip -n "$NS_B" link set dev "$ifc" xdpgeneric \
		obj "$REF_OBJ" sec xdp 2>&1) && return 0
	foreign_why="iproute2 cannot load $REF_OBJ: $(tail -n 2 <<< "$err" |
		tr '\n' ' ')"
	command -v bpftool > /dev/null || return 1
	foreign_pins=/sys/fs/bpf/cs-test-args-$$
	rm -rf "$foreign_pins"
	mkdir "$foreign_pins" &&
	bpftool map create "$foreign_pins/map" type cpumap key 4 value 8 \
		entries 1 name ref_cpu_map &&
	bpftool prog load "$REF_OBJ" "$foreign_pins/prog" type xdp \
		map name ref_cpu_map pinned "$foreign_pins/map" &&
	nsenter --net="/run/netns/$NS_B" ip link set dev "$ifc" xdpgeneric \
		pinned "$foreign_pins/prog" > /dev/null 2>&1
	err=$?
	# The interface holds the program now; the pins were only a handle.
	rm -rf "$foreign_pins"
	foreign_pins=""
	if [[ $err -ne 0 ]]; then
		foreign_why+="; bpftool fallback failed too"
		return "$err"
	fi
	ktap_msg "$foreign_why; loaded it with bpftool instead"
	return 0
}

# --- Preconditions ----------------------------------------------------------

ktap_header
[[ -x $CPUSTEER ]] ||
	ktap_exit_skip "cpusteer binary not found at $CPUSTEER (run make)"
require_root
require_feature "${STEER_FEATURES[@]}"
require_cmd ip nsenter timeout grep sed jq bpftool env
bpffs_mounted || ktap_exit_skip "bpffs is not mounted on /sys/fs/bpf and mounting it failed"

tmp=$(mktemp -d) || ktap_exit_skip "mktemp failed"
cs_out=$tmp/stdout
cs_err=$tmp/stderr
trap cleanup EXIT
netns_setup csargs || ktap_exit_skip "cannot build the veth testbed"
PINS[$VETH_B]=$(pin_dir "$NS_B" "$VETH_B") && PINS[lo]=$(pin_dir "$NS_B" lo) ||
	ktap_exit_skip "cannot find the namespace's ID (netns_id)"

OFFLINE=$(offline_cpu)

# --- The table of refusals --------------------------------------------------

CASE_DESC=()
CASE_RC=()
CASE_RE=()
CASE_ARGS=()
CASE_SKIP=()

# ARGS... as one string that "eval args=(...)" turns back into ARGS.
quote_args()
{
	[[ $# -eq 0 ]] || printf '%q ' "$@"
}

# row DESC RC REGEX ARGS...: cpusteer ARGS must exit RC with stderr matching
# REGEX (extended), and leave no XDP program and no pins on $VETH_B or lo.
row()
{
	CASE_DESC+=("$1")
	CASE_RC+=("$2")
	CASE_RE+=("$3")
	CASE_SKIP+=("${skip_reason:-}")
	shift 3
	CASE_ARGS+=("$(quote_args "$@")")
}

V=$VETH_B
U=$EXIT_USAGE
F=$EXIT_FAIL
bad_key=0123456789abcdef	# 16 hex digits: half a key
no_pcap=$tmp/no-such.pcap
not_pcap=$tmp/not-a.pcap
echo "this is not a capture file" > "$not_pcap"
"$CPUSTEER" gen --pcap "$tmp/g1.pcap" --count 4 > /dev/null ||
	ktap_exit_skip "cpusteer gen cannot write a pcap"

#   description                          exit  stderr must match                       arguments
row "attach: no interface"                 $U "no interface given"                      attach --cpus 0
row "attach: no --cpus"                    $U "--cpus is required"                      attach "$V"
row "attach: interface does not exist"     $U "interface 'nosuch0' does not exist"      attach nosuch0 --cpus 0
row "attach: interface name too long"      $U "IFACE 'x{20}' is not a valid interface name: interface names have at most 15" attach xxxxxxxxxxxxxxxxxxxx --cpus 0
row "attach: two interfaces"               $U "one interface only, got 'lo' too"        attach "$V" lo --cpus 0
row "attach: unknown option"               $U "unrecognized option '--bogus'"           attach "$V" --cpus 0 --bogus
row "attach: --cpus ''"                    $U "--cpus '' names no CPU"                  attach "$V" --cpus ''
row "attach: --cpus abc"                   $U "--cpus 'abc' is not a CPU list"          attach "$V" --cpus abc
row "attach: --cpus 3-1 (reversed)"        $U "--cpus '3-1'"                            attach "$V" --cpus 3-1
row "attach: --cpus 0- (open range)"       $U "--cpus '0-' is not a CPU list"           attach "$V" --cpus 0-
row "attach: --cpus 0,0 (listed twice)"    $U "--cpus '0,0'.*CPU 0 is listed twice"     attach "$V" --cpus 0,0
row "attach: --cpus 9999 (above limit)"    $U "--cpus '9999'.*CPU 9999 is above the limit" attach "$V" --cpus 9999
[[ -n $OFFLINE ]] || skip_reason="all $CS_MAX_CPUS CPUs are online"
row "attach: --cpus $OFFLINE (offline)"   $U "--cpus.*CPU $OFFLINE is not online"     attach "$V" --cpus "${OFFLINE:-0}"
skip_reason=""
row "attach: --buckets 0"                  $U "--buckets '0' is out of range"           attach "$V" --cpus 0 --buckets 0
row "attach: --buckets 3"                  $U "--buckets '?3'? is not a power of two"   attach "$V" --cpus 0 --buckets 3
row "attach: --buckets 100"                $U "--buckets '?100'? is not a power of two" attach "$V" --cpus 0 --buckets 100
row "attach: --buckets 131072 (too big)"   $U "--buckets '131072' is out of range"      attach "$V" --cpus 0 --buckets 131072
row "attach: --buckets x"                  $U "--buckets 'x' is not a decimal whole number"     attach "$V" --cpus 0 --buckets x
row "attach: --buckets -1"                 $U "--buckets '-1' is not a decimal whole number"    attach "$V" --cpus 0 --buckets -1
# Decimal everywhere: --cpus reads 010 as 10, so --buckets must not read it
# as octal 8 (a power of two) and attach.
row "attach: --buckets 010 is decimal 10"  $U "--buckets '?0*10'?"                      attach "$V" --cpus 0 --buckets 010
row "attach: --buckets 1 < 2 CPUs"         $U "--buckets 1 is fewer than the 2 target CPUs" attach "$V" --cpus 0-1 --buckets 1
row "attach: --qsize 0"                    $U "--qsize '0' is out of range"             attach "$V" --cpus 0 --qsize 0
row "attach: --qsize 4 (below 8)"          $U "--qsize '4' is out of range: give 8"     attach "$V" --cpus 0 --qsize 4
row "attach: --qsize 20000 (above 16384)"  $U "--qsize '20000' is out of range.*16384"  attach "$V" --cpus 0 --qsize 20000
row "attach: --hash bogus"                 $U "unknown --hash 'bogus'"                  attach "$V" --cpus 0 --hash bogus
row "attach: --stage2 bogus"               $U "unknown --stage2 'bogus'"                attach "$V" --cpus 0 --stage2 bogus
row "attach: --xdp-mode bogus"             $U "--xdp-mode 'bogus'"                      attach "$V" --cpus 0 --xdp-mode bogus
row "attach: --fallback bogus"             $U "--fallback 'bogus'"                      attach "$V" --cpus 0 --fallback bogus
row "attach: --fallback cpu:x"             $U "--fallback CPU 'x' is not a decimal whole number" attach "$V" --cpus 0 --fallback cpu:x
row "attach: --fallback cpu:9999"          $U "--fallback CPU '9999' is out of range"   attach "$V" --cpus 0 --fallback cpu:9999
[[ -n $OFFLINE ]] || skip_reason="all $CS_MAX_CPUS CPUs are online"
row "attach: --fallback cpu:$OFFLINE (offline)" $U "--fallback.*CPU $OFFLINE is not online" attach "$V" --cpus 0 --fallback "cpu:${OFFLINE:-0}"
skip_reason=""
# Fails after load and pinning began: lo has no native XDP.
row "attach: --xdp-mode native on lo rolls back" $F "lo: native XDP attach refused.*--xdp-mode skb" attach lo --cpus 0 --xdp-mode native
row "detach: not attached"                 $F "$V: cpusteer is not attached"           detach "$V"
row "detach: no interface"                 $U "give exactly one interface"              detach
row "status: IFACE not attached"           $F "$V: cpusteer is not attached"           status "$V"
row "status --json: IFACE not attached"    $F "$V: cpusteer is not attached"           status --json "$V"
row "status: two interfaces"               $U "at most one interface"                   status "$V" lo
row "stats: --interval 0"                  $U "--interval '0' is out of range"          stats --interval 0
row "stats: --interval abc"                $U "--interval 'abc' is not a number"        stats --interval abc
row "stats: --count 0"                     $U "--count '0' is out of range"             stats --count 0
row "stats: IFACE not attached"            $F "$V: cpusteer is not attached"           stats "$V" --count 1 --interval 0.1
row "stats: --top 65"                      $U "--top '65' is out of range"              stats --top 65
row "stats: --json and --prometheus"       $U "choose the output: give one"             stats --json --prometheus
row "stats: --prometheus --count 2"        $U "--textfile DIR to keep one file current" stats --prometheus --count 2
row "stats: --textfile no such directory"  $U "--textfile '/nonexistent-cs$$': No such file" stats --textfile "/nonexistent-cs$$" --count 1
row "stats: --textfile a file"             $U "--textfile '/etc/hostname': not a directory" stats --textfile /etc/hostname --count 1
row "top: --interval 0"                    $U "--interval '0' is out of range"          top --interval 0
row "top: two interfaces"                  $U "at most one interface"                   top "$V" lo
row "top: not a terminal"                  $U "use 'cpusteer stats'"                    top "$V"
row "classify: no --pcap"                  $U "--pcap FILE is required"                 classify --cpus 0
row "classify: both IFACE and --cpus"      $U "IFACE .* or --cpus LIST, not both" classify --pcap "$not_pcap" "$V" --cpus 0
row "classify: neither IFACE nor --cpus"   $U "against: IFACE .* or --cpus LIST" classify --pcap "$not_pcap"
row "classify: --key of 16 hex digits"     $U "--key '$bad_key' is not 32 hex digits"   classify --pcap "$not_pcap" --cpus 0 --key "$bad_key"
row "classify: --hash with IFACE"          $U "--hash, --buckets, --key and the tunnel options go with --cpus" classify --pcap "$not_pcap" "$V" --hash l3
row "classify: pcap does not exist"        $F "$no_pcap.*No such file"                  classify --pcap "$no_pcap" --cpus 0
row "classify: file is not a pcap"         $F "pcap $not_pcap: .*format"             classify --pcap "$not_pcap" --cpus 0
row "attach: --dry-run without --auto"     $U "goes with a planned attachment"                      attach "$V" --cpus 0 --dry-run
row "attach: --topology without --auto"    $U "goes with a planned attachment"                      attach "$V" --cpus 0 --topology /nonexistent.xml
row "attach --auto: unreadable topology"   $U "--topology /nonexistent.xml: not a readable hwloc XML" attach "$V" --auto --topology /nonexistent.xml
row "attach: --budget-us without --auto"   $U "goes with a planned attachment"                      attach "$V" --cpus 0 --budget-us 50
row "attach: --tunnel sideways"            $U "unknown --tunnel 'sideways': choose one of inner, outer" attach "$V" --cpus 0 --tunnel sideways
row "attach: --vxlan-port 0"               $U "--vxlan-port '0' is out of range"      attach "$V" --cpus 0 --vxlan-port 0
row "attach: five --vxlan-port"            $U "at most 4 extra VXLAN ports"           attach "$V" --cpus 0 --vxlan-port 1 --vxlan-port 2 --vxlan-port 3 --vxlan-port 4 --vxlan-port 5
row "classify: --tunnel with IFACE"        $U "the tunnel options go with --cpus"     classify --pcap "$not_pcap" "$V" --tunnel outer
row "gen: --outer-src without a tunnel"    $U "--outer-src and --outer-dst go with an IP tunnel" gen --pcap "$tmp/g.pcap" --outer-src 10.0.0.1
row "gen: mixed outer families"            $U "give two IPv4 or two IPv6 addresses"   gen --pcap "$tmp/g.pcap" --encap vxlan --outer-src 10.0.0.1 --outer-dst fd00::1
row "bench: --hash hw"                     $U "--hash hw needs a NIC to bind to"      bench --hash hw
row "plan: no interface"                   $U "give exactly one interface"            plan
row "plan: --budget-us 0"                  $U "--budget-us '0' is out of range"       plan "$V" --budget-us 0
row "gen: no interface and no --pcap"     $U "give an interface to send through, or --pcap" gen
row "gen: interface does not exist"        $U "interface 'nosuch0' does not exist"    gen nosuch0
row "gen: zero flows"                      $U "--flows '0' is out of range"           gen --pcap "$tmp/g.pcap" --flows 0
row "gen: too many flows"                  $U "--flows '2000000' is out of range"     gen --pcap "$tmp/g.pcap" --flows 2000000
row "gen: negative rate"                   $U "--rate '-5' is out of range"           gen --pcap "$tmp/g.pcap" --rate -5
row "gen: zero count"                      $U "--count '0' is out of range"           gen --pcap "$tmp/g.pcap" --count 0
row "gen: unknown encapsulation"           $U "unknown --encap 'vxlan9': choose one of none, pppoe" gen --pcap "$tmp/g.pcap" --encap vxlan9
row "gen: bad distribution"                $U "--dist 'zipf:0': give uniform"         gen --pcap "$tmp/g.pcap" --dist zipf:0
row "gen: elephants share of 1"            $U "--dist 'elephants:2:1': give uniform"  gen --pcap "$tmp/g.pcap" --dist elephants:2:1
row "gen: as many elephants as flows"      $U "elephants:4 needs more than 4 flows"   gen --pcap "$tmp/g.pcap" --flows 4 --dist elephants:4:0.5
row "gen: frame too small"                 $U "--size 60 does not fit"                gen --pcap "$tmp/g.pcap" --size 60
row "gen: ipv6 with an ipv4 source"        $U "give two IPv6 addresses"               gen --pcap "$tmp/g.pcap" --ipv6 --src 10.0.0.1
row "gen: vlan id 4095"                    $U "--vlan ID '4095' is out of range"      gen --pcap "$tmp/g.pcap" --vlan 4095
row "gen: bad dst mac"                     $U "--dst-mac 'zz' is not a MAC"           gen --pcap "$tmp/g.pcap" --dst-mac zz
row "gen: ports run past 65535"            $U "leave no room for 100 flows"           gen --pcap "$tmp/g.pcap" --sport 65500 --flows 100
row "attach: --cpus 0-1, (trailing comma)"  $U "--cpus '0-1,' is not a CPU list"         attach "$V" --cpus 0-1,
[[ -n $OFFLINE ]] || skip_reason="all $CS_MAX_CPUS CPUs are online"
row "attach: --cpus 0-$((CS_MAX_CPUS - 1)) names the offline CPU" $U "--cpus: CPU $OFFLINE is not online" attach "$V" --cpus "0-$((CS_MAX_CPUS - 1))"
skip_reason=""
row "attach: --vxlan-port 4789 (built in)" $U "--vxlan-port 4789 is VXLAN's own port"  attach "$V" --cpus 0 --vxlan-port 4789
row "attach: --vxlan-port 6081 (Geneve)"   $U "--vxlan-port 6081 is Geneve's own port" attach "$V" --cpus 0 --vxlan-port 6081
row "attach: --vxlan-port given twice"     $U "--vxlan-port 8472 is given twice"       attach "$V" --cpus 0 --vxlan-port 8472 --vxlan-port 8472
row "attach: --hash hw with --xdp-mode skb" $U "--hash hw needs --xdp-mode native"     attach "$V" --cpus 0 --hash hw --xdp-mode skb
# Before Linux 6.3 the kernel has no RX-hash kfunc at all: said first.
if version_ge "$(uname -r)" 6.3; then
	row "attach: --hash hw on lo (no RX hash)" $U "lo gives XDP programs no RX hash" attach lo --cpus 0 --hash hw --xdp-mode native
else
	row "attach: --hash hw before Linux 6.3" $U "--hash hw needs .*xdp_rx_hash.*Linux 6.3 and this kernel lacks" attach lo --cpus 0 --hash hw --xdp-mode native
fi
row "attach: --force=1 takes no value"     $U "option '--force' takes no value"        attach "$V" --cpus 0 --force=1
row "attach: --cpus without a value"       $U "option '--cpus' needs a value"          attach "$V" --cpus
row "plan: interface does not exist"       $U "interface 'nosuch0' does not exist"     plan nosuch0
row "plan: --sysroot does not exist"       $U "--sysroot /nonexistent: "               plan "$V" --sysroot /nonexistent
row "--version takes nothing after it"     $U "--version takes nothing after it, got 'extra'" --version extra
row "unknown command"                      $U "unknown command 'bogus'"                 bogus
row "ambiguous prefix 's'"                 $U "'s' is ambiguous.*'status'.*'stats'"     s
row "unknown prefix 'zz'"                  $U "unknown command 'zz'"                    zz
row "no command"                           $U "Usage: cpusteer"
row "unknown global option"                $U "unknown global option '--bogus'"         --bogus attach "$V" --cpus 0
row "help for an unknown command"          $U "unknown command 'bogus'"                 help bogus

# Names the kernel would never give an interface (dev_valid_name()), through
# every command that takes one: refused before they are used for anything.
# In the old layout "../X" and ".." reached other tools' pins in bpffs and
# "../../../../tmp" reached /tmp (see the canaries below).
HOSTILE=(".." "." "../csc$$" "../../../../tmp" "a/b" "a:b" "a b" $'a\tb'
	 "" "x234567890123456")
for name in "${HOSTILE[@]}"; do
	shown=$(printf '%q' "$name")
	bad="IFACE '.*' is not a valid interface name"
	row "attach: interface name $shown"   $U "$bad" attach "$name" --cpus 0
	row "detach: interface name $shown"   $U "$bad" detach "$name"
	row "status: interface name $shown"   $U "$bad" status "$name"
	row "stats: interface name $shown"    $U "$bad" stats "$name" --count 1
	row "top: interface name $shown"      $U "$bad" top "$name"
	row "classify: interface name $shown" $U "$bad" classify --pcap "$not_pcap" "$name"
	row "plan: interface name $shown"     $U "$bad" plan "$name"
	row "gen: interface name $shown"      $U "$bad" gen "$name"
done

# --- Help at every level -----------------------------------------------------

# Every command the top-level help lists, so a new one is covered too.
COMMANDS=()
while read -r name _; do
	COMMANDS+=("$name")
done < <("$CPUSTEER" --help 2> /dev/null |
	 sed -n '/^Commands:/,/^$/{/^  [a-z]/p}')

HELP_DESC=()
HELP_RE=()
HELP_ARGS=()

help_row()
{
	HELP_DESC+=("$1")
	HELP_RE+=("$2")
	shift 2
	HELP_ARGS+=("$(quote_args "$@")")
}

help_row "--help"            "^Usage: cpusteer "   --help
help_row "-h"                "^Usage: cpusteer "   -h
help_row "help"              "^Usage: cpusteer "   help
for c in "${COMMANDS[@]}"; do
	help_row "$c --help" "^Usage: cpusteer $c " "$c" --help
done
help_row "help attach"       "^Usage: cpusteer attach " help attach
help_row "att --help (prefix)" "^Usage: cpusteer attach " att --help

# --- Run -----------------------------------------------------------------------

N_FOREIGN=7
N_OWN=11
ktap_plan $((1 + ${#HELP_DESC[@]} + ${#CASE_DESC[@]} + N_FOREIGN + N_OWN))

# The help list itself: a broken --help would otherwise shrink the plan.
if [[ ${#COMMANDS[@]} -ge 6 ]]; then
	ktap_ok "top-level help lists ${#COMMANDS[@]} commands"
else
	ktap_not_ok "top-level help lists ${#COMMANDS[@]} commands" \
		"want attach, detach, status, stats, classify and bench"
fi

for i in "${!HELP_DESC[@]}"; do
	eval "args=(${HELP_ARGS[i]})"
	last_cmd="${HELP_ARGS[i]}"
	cs_host "${args[@]}"
	why=""
	[[ $cs_rc -eq $EXIT_OK ]] || why+="exit $cs_rc, want $EXIT_OK; "
	grep -Eq -- "${HELP_RE[i]}" "$cs_out" ||
		why+="stdout does not match /${HELP_RE[i]}/; "
	result "help: ${HELP_DESC[i]}" "$why"
done

for i in "${!CASE_DESC[@]}"; do
	if [[ -n ${CASE_SKIP[i]} ]]; then
		ktap_skip "${CASE_DESC[i]}" "${CASE_SKIP[i]}"
		continue
	fi
	eval "args=(${CASE_ARGS[i]})"
	last_cmd="${CASE_ARGS[i]}"
	cs "${args[@]}"
	why=$(expect "${CASE_RC[i]}" "${CASE_RE[i]}")
	why+=$(leftovers "$VETH_B")
	why+=$(leftovers lo)
	result "${CASE_DESC[i]}" "$why" || restore
done

# --- A program cpusteer did not attach ---------------------------------------

# foreign_skip FIRST LAST: skip those entries of FOREIGN_DESC.
foreign_skip()
{
	local i

	for ((i = $1; i <= $2; i++)); do
		ktap_skip "foreign XDP program: ${FOREIGN_DESC[i]}" \
			"$foreign_why"
	done
}

FOREIGN_DESC=(
	"attach without --force is refused and keeps it"
	"attach --force replaces it"
	"status --json shows the forced attachment"
	"a second attach is refused and changes nothing"
	"detach leaves no XDP program and no pins"
	"lo: --force with a failing native attach puts it back"
	"--force without a handle on it refuses and keeps it"
)

foreign_tests()
{
	local id id2 why

	if ! attach_foreign "$VETH_B"; then
		foreign_skip 0 4
		return
	fi
	id=$(xdp_prog_id "$VETH_B")

	last_cmd="attach $VETH_B --cpus 0"
	cs attach "$VETH_B" --cpus 0
	why=$(expect "$EXIT_FAIL" "XDP program id $id .*--force")
	id2=$(xdp_prog_id "$VETH_B")
	[[ $id2 == "$id" ]] ||
		why+="XDP program on $VETH_B is '$id2', want the foreign $id; "
	! has_pins "$NS_B" "$VETH_B" || why+="pins exist for $VETH_B; "
	result "foreign XDP program: ${FOREIGN_DESC[0]}" "$why"

	last_cmd="attach $VETH_B --cpus 0 --force"
	cs attach "$VETH_B" --cpus 0 --force
	why=""
	[[ $cs_rc -eq $EXIT_OK ]] || why+="exit $cs_rc, want $EXIT_OK; "
	id2=$(xdp_prog_id "$VETH_B")
	[[ -n $id2 && $id2 != "$id" ]] ||
		why+="XDP program on $VETH_B is '$id2', want a new one; "
	has_pins "$NS_B" "$VETH_B" || why+="no pins for $VETH_B; "
	result "foreign XDP program: ${FOREIGN_DESC[1]}" "$why"

	last_cmd="status --json $VETH_B"
	cs status --json "$VETH_B"
	why=""
	[[ $cs_rc -eq $EXIT_OK ]] || why+="exit $cs_rc, want $EXIT_OK; "
	grep -Eq "\"ifname\": *\"$VETH_B\"" "$cs_out" ||
		why+="no \"ifname\": \"$VETH_B\"; "
	grep -Eq "\"prog_id\": *$id2\b" "$cs_out" ||
		why+="no \"prog_id\": $id2 (the program on the link); "
	grep -Eq "\"xdp_mode\": *\"native\"" "$cs_out" ||
		why+="no \"xdp_mode\": \"native\"; "
	result "foreign XDP program: ${FOREIGN_DESC[2]}" "$why"

	last_cmd="attach $VETH_B --cpus 1 --force"
	cs attach "$VETH_B" --cpus 1 --force
	why=$(expect "$EXIT_FAIL" "$VETH_B: cpusteer is already attached.*detach")
	[[ $(xdp_prog_id "$VETH_B") == "$id2" ]] ||
		why+="XDP program on $VETH_B changed from $id2; "
	has_pins "$NS_B" "$VETH_B" || why+="pins for $VETH_B removed; "
	result "foreign XDP program: ${FOREIGN_DESC[3]}" "$why"

	last_cmd="detach $VETH_B"
	cs detach "$VETH_B"
	why=""
	[[ $cs_rc -eq $EXIT_OK ]] || why+="exit $cs_rc, want $EXIT_OK; "
	why+=$(leftovers "$VETH_B")
	result "foreign XDP program: ${FOREIGN_DESC[4]}" "$why" || restore
}

# --force takes the foreign program off before attaching; when the attach
# then fails (lo has no native XDP) the same program must be back.
foreign_rollback_test()
{
	local id id2 why

	if ! attach_foreign lo; then
		foreign_skip 5 5
		return
	fi
	id=$(xdp_prog_id lo)
	last_cmd="attach lo --cpus 0 --force --xdp-mode native"
	cs attach lo --cpus 0 --force --xdp-mode native
	why=$(expect "$EXIT_FAIL" "lo: native XDP attach refused")
	id2=$(xdp_prog_id lo)
	[[ $id2 == "$id" ]] ||
		why+="XDP program on lo is '$id2', want the foreign $id back; "
	! has_pins "$NS_B" lo || why+="pins exist for lo; "
	result "foreign XDP program: ${FOREIGN_DESC[5]}" "$why"
	restore
}

# --force must be able to put the foreign program back before it takes it
# off: without a file descriptor for it (the lookup by id fails) it stays.
foreign_nofd_test()
{
	local id why

	if ! attach_foreign "$VETH_B"; then
		foreign_skip 6 6
		return
	fi
	id=$(xdp_prog_id "$VETH_B")
	last_cmd="attach $VETH_B --cpus 0 --force (bpf_prog_get_fd_by_id fails)"
	cs_fault bpf_prog_get_fd_by_id attach "$VETH_B" --cpus 0 --force
	why=$(expect "$EXIT_FAIL" "cannot get hold of XDP program id $id")
	[[ $(xdp_prog_id "$VETH_B") == "$id" ]] ||
		why+="XDP program on $VETH_B is '$(xdp_prog_id "$VETH_B")', want the foreign $id; "
	! has_pins "$NS_B" "$VETH_B" || why+="pins exist for $VETH_B; "
	result "foreign XDP program: ${FOREIGN_DESC[6]}" "$why"
	restore
}

# Objects of other tools in bpffs, where a name such as ".." or "../NAME"
# led in the layout keyed by name: detach must leave them alone.
canary_tests()
{
	local dir=/sys/fs/bpf/csc$$ top=/sys/fs/bpf/csc$$t name why

	canaries=("$dir" "$top")
	if ! { mkdir "$dir" &&
	       bpftool map create "$dir/m" type array key 4 value 4 \
			entries 1 name csc &&
	       bpftool map create "$top" type array key 4 value 4 \
			entries 1 name csct; }; then
		ktap_skip "detach .. leaves other tools' pins alone" "bpftool cannot pin maps"
		ktap_skip "detach ../csc$$ leaves that directory alone" "bpftool cannot pin maps"
		return
	fi
	for name in .. "../csc$$"; do
		last_cmd="detach $name"
		cs detach "$name"
		why=$(expect "$EXIT_USAGE" "is not a valid interface name")
		[[ -e $dir/m ]] || why+="$dir/m was removed; "
		[[ -e $top ]] || why+="$top was removed; "
		if [[ $name == .. ]]; then
			result "detach .. leaves other tools' pins alone" "$why"
		else
			result "detach ../csc$$ leaves that directory alone" "$why"
		fi
	done
}

# What cpusteer does not own inside its own directories stays too: detach
# finds it first and changes nothing.
own_dir_tests()
{
	local dir why

	last_cmd="attach $VETH_B --cpus 0, a map pinned into its directory, detach"
	cs attach "$VETH_B" --cpus 0
	dir=$(pin_dir "$NS_B" "$VETH_B")
	why=""
	if [[ $cs_rc -ne 0 ]] ||
	   ! bpftool map create "$dir/extra" type array key 4 value 4 \
		entries 1 name csextra; then
		why="cannot set up: attach exit $cs_rc; "
	else
		cs detach "$VETH_B"
		why=$(expect "$EXIT_FAIL" "$dir/extra was not made by cpusteer: it is left in place")
		grep -q "nothing was changed" "$cs_err" ||
			why+="it does not say that nothing was changed; "
		[[ -e $dir/extra && -e $dir/link && -e $dir/meta ]] ||
			why+="something in $dir was removed; "
		ip -n "$NS_B" link show dev "$VETH_B" | grep -q xdp ||
			why+="the XDP program was detached; "
	fi
	result "detach refuses a directory holding a foreign pin, changes nothing" "$why"
	rm -f "$dir/extra"
	cs detach "$VETH_B"
	why=$(expect_ok)$(leftovers "$VETH_B")
	result "with the foreign pin gone, detach removes everything" "$why"
}

# A status --json that fails on its command line is one JSON document.
json_error_test()
{
	local why=""

	last_cmd="status --json --bogus"
	cs status --json --bogus
	why=$(expect "$EXIT_USAGE" "unrecognized option '--bogus'")
	jq -e -s 'length == 1 and (.[0].error | test("unrecognized option"))' \
		"$cs_out" > /dev/null 2>&1 || why+="stdout is not one {\"error\"} document; "
	result "status --json --bogus: the error as one JSON document" "$why"
	last_cmd="-vv status"
	cs -vv status
	result "-vv (twice verbose) is accepted" "$(expect_ok)"
}

# Failures libbpf reports only under fault injection: each is said, exits
# 1, and leaves nothing behind.
fault_tests()
{
	last_cmd="classify --cpus 0 --pcap ... (bpf_map_lookup_elem fails)"
	cs_fault bpf_map_lookup_elem classify --cpus 0 --pcap "$tmp/g1.pcap"
	result "classify: a failed record lookup is an error" \
		"$(expect "$EXIT_FAIL" "cannot read the decision record")"
	last_cmd="bench (bpf_map__set_max_entries fails)"
	cs_fault bpf_map__set_max_entries bench
	result "bench: a failed map sizing is an error" \
		"$(expect "$EXIT_FAIL" "cannot size the cpumap before loading")"
	last_cmd="attach $VETH_B --cpus 0 (bpf_map__set_max_entries fails)"
	cs_fault bpf_map__set_max_entries attach "$VETH_B" --cpus 0
	result "attach: a failed map sizing is an error and leaves nothing" \
		"$(expect "$EXIT_FAIL" "cannot size the cpumap before loading")$(leftovers "$VETH_B")"
	last_cmd="attach $VETH_B --cpus 0 (bpf_map_update_elem fails)"
	CS_FAULT_MAP=cs_table cs_fault bpf_map_update_elem attach "$VETH_B" --cpus 0
	result "attach: a failed table write rolls everything back" \
		"$(expect "$EXIT_FAIL" "cannot (write bucket|create the cpumap entry)")$(leftovers "$VETH_B")"
}

foreign_tests
foreign_rollback_test
foreign_nofd_test
canary_tests
own_dir_tests
json_error_test
fault_tests

# A runt (10 bytes, no whole Ethernet header) between two frames: XDP
# cannot run it, and classify still gives it its line, so a consumer that
# joins by index loses nothing.
runt_pcap()
{
	local src=$tmp/g1.pcap rec

	rec=$(( ($(stat -c %s "$src") - 24) / 4 ))	# four equal records
	head -c $((24 + rec)) "$src"
	printf '\0\0\0\0\0\0\0\0\x0a\0\0\0\x0a\0\0\0\x02\0\0\0\0\0\x01\0\0\0'
	tail -c $((3 * rec)) "$src"
}
runt_pcap > "$tmp/runt.pcap"
last_cmd="classify --cpus 0 --pcap runt.pcap (frame 1 is 10 bytes)"
cs classify --cpus 0 --pcap "$tmp/runt.pcap"
why=$(expect_ok)
jq -e -s 'length == 5 and (map(.index) == [0, 1, 2, 3, 4]) and
	.[1].verdict == "not_run" and .[1].reason == "too_short" and
	.[1].cpu == null and ([.[0], .[2], .[3], .[4]] | all(.verdict == "redirect"))' \
	"$cs_out" > /dev/null 2>&1 || why+="not one line per frame with frame 1 not_run; "
grep -q "frame 1 (10 bytes) could not be run" "$cs_err" || why+="no warning for frame 1; "
result "classify: a 10-byte runt gets its line (not_run, too_short) among four frames" "$why"

ktap_finish
