#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# cpusteer's own state, as other namespaces, other commands and other tools
# see it. Pins are keyed by network namespace and ifindex
# (/sys/fs/bpf/cpusteer/netns-INODE/if-IFINDEX), so a rename or a
# same-named interface elsewhere changes nothing; one command changes them
# at a time; a bpffs that would vanish with a private mount namespace is
# refused; a broken attachment is reported without hiding the others; and
# nothing cpusteer did not make is ever removed.
#
# cpusteer runs under "nsenter --net" (the host's mount namespace), except
# where a test makes a mount namespace of its own with "unshare -m".

. "$(dirname "$0")/lib.sh"

export CPUSTEER=${CPUSTEER:-$(cs_find cpusteer)}

# A command here takes well under a second; this only stops a hung one.
CMD_TIMEOUT=30
# Concurrent attach/detach rounds: each is a race the lock must settle.
RACE_ROUNDS=10
# attach slowed by strace: every mkdir/mkdirat takes this long (us), so a
# detach started meanwhile finds the attach half done without the lock.
SLOW_MKDIR_US=700000

ktap_header
[[ -x $CPUSTEER ]] || ktap_exit_skip "no cpusteer binary at $CPUSTEER (run make)"
require_root
require_feature "${STEER_FEATURES[@]}"
require_cmd ip nsenter unshare flock strace jq timeout bpftool
bpffs_mounted || ktap_exit_skip "cannot mount bpffs on /sys/fs/bpf"

TMP=$(mktemp -d)
holder=""

cleanup()
{
	local ns ifc

	[[ -z $holder ]] || kill "$holder" 2> /dev/null
	for ns in ${NS_A:-} ${NS_B:-}; do
		for ifc in "${VETH_A:-}" "${VETH_B:-}" csdup csren csmv csnm csdl csnw \
		   csre; do
			has_pins "$ns" "$ifc" &&
				nsenter --net="/run/netns/$ns" "$CPUSTEER" \
					detach "$ifc" > /dev/null 2>&1
		done
	done
	[[ -z ${squatter:-} ]] || rm -f "$squatter"
	[[ -z ${planted:-} || ! -L $planted ]] || rm "$planted"
	netns_cleanup
	rm -rf "$TMP"
}
trap cleanup EXIT
netns_setup state || ktap_exit_skip "cannot build the veth testbed"

in_ns() { local ns=$1; shift; nsenter --net="/run/netns/$ns" "$@"; }
cs_in() { local ns=$1; shift; in_ns "$ns" timeout -k 2 "$CMD_TIMEOUT" "$CPUSTEER" "$@"; }
cs_b() { cs_in "$NS_B" "$@"; }
has_xdp() { ip -n "$1" link show dev "$2" | grep -q ' xdp'; }
attached() { has_xdp "$1" "$2" && has_pins "$1" "$2"; }
nothing() { ! has_xdp "$1" "$2" && ! has_pins "$1" "$2"; }

# refused RC REGEX CMD...: CMD exits RC and says REGEX on stderr.
refused()
{
	local want=$1 re=$2 rc

	shift 2
	"$@" > "$TMP/out" 2> "$TMP/err"
	rc=$?
	[[ $rc -eq $want ]] && grep -Eq -- "$re" "$TMP/err" && return 0
	echo "exit $rc, want $want; stderr: $(cat "$TMP/err")"
	return 1
}

# A second veth in each namespace, both named csdup.
for ns in "$NS_A" "$NS_B"; do
	ip -n "$ns" link add csdup type veth peer name csdupp &&
	ip -n "$ns" link set csdup up && ip -n "$ns" link set csdupp up ||
		ktap_exit_skip "cannot add a second veth to $ns"
done

ktap_plan 38

# --- Same names, other namespaces --------------------------------------------

two_namespaces()
{
	cs_in "$NS_A" attach csdup --cpus 0 > /dev/null &&
	cs_in "$NS_B" attach csdup --cpus 0 --buckets 64 > /dev/null &&
	attached "$NS_A" csdup && attached "$NS_B" csdup &&
	[[ $(pin_dir "$NS_A" csdup) != "$(pin_dir "$NS_B" csdup)" ]] &&
	cs_in "$NS_A" status csdup --json | jq -e '.[0].buckets == 256' > /dev/null &&
	cs_in "$NS_B" status csdup --json | jq -e '.[0].buckets == 64' > /dev/null
}
ktap_check "csdup in two namespaces: two attachments, each shown where it is" \
	two_namespaces
ktap_check "detach in one namespace leaves the other's csdup steered" \
	bash -c "nsenter --net=/run/netns/$NS_A $CPUSTEER detach csdup > /dev/null &&
		 ! ip -n $NS_A link show dev csdup | grep -q ' xdp' &&
		 ip -n $NS_B link show dev csdup | grep -q ' xdp'"
cs_b detach csdup > /dev/null 2>&1

# --- A renamed interface keeps its attachment ---------------------------------

rename_if()
{
	ip -n "$NS_B" link set "$1" down && ip -n "$NS_B" link set "$1" name "$2" &&
	ip -n "$NS_B" link set "$2" up
}
cs_b attach csdup --cpus 0 > /dev/null 2>&1
ktap_check "renamed: status shows the new name and the name at attach" \
	bash -c "ip -n $NS_B link set csdup down && ip -n $NS_B link set csdup name csren &&
		 ip -n $NS_B link set csren up &&
		 nsenter --net=/run/netns/$NS_B $CPUSTEER status --json |
		 jq -e '[.[] | select(.ifname == \"csren\")] | length == 1 and
			.[0].ifname_at_attach == \"csdup\" and .[0].xdp_mode == \"native\"'"
ktap_check "renamed: detach by the old name says the new one" \
	refused 2 "interface 'csdup' does not exist here: it was renamed to 'csren'" \
	cs_b detach csdup
ktap_check "renamed: attach by the new name sees the attachment" \
	refused 1 "csren: cpusteer is already attached" cs_b attach csren --cpus 0
ktap_check "renamed: detach by the new name removes everything" \
	bash -c "nsenter --net=/run/netns/$NS_B $CPUSTEER detach csren > /dev/null &&
		 ! ip -n $NS_B link show dev csren | grep -q ' xdp'"
ktap_check "renamed: no pins left" eval '! has_pins "$NS_B" csren'
rename_if csren csdup

# --- A deleted interface's leftovers, by the name it had ----------------------

# (ktap_check runs its command in a subshell: what a later check needs is
# found out here.)
gone_dir=$(pin_dir "$NS_B" csdup)
deleted()
{
	cs_b attach csdup --cpus 0 > /dev/null || return 1
	[[ -d $gone_dir ]] || { echo "no $gone_dir"; return 1; }
	ip -n "$NS_B" link del csdup || return 1
	cs_b status --json | jq -e '.[] | select(.ifname == "csdup") |
		.xdp_mode == "detached (interface gone)"' > /dev/null
}
ktap_check "deleted: status still shows the attachment, as gone" deleted
ktap_check "deleted: detach by its old name removes the leftovers" \
	bash -c "nsenter --net=/run/netns/$NS_B $CPUSTEER detach csdup > /dev/null &&
		 [[ -n '$gone_dir' && ! -e '$gone_dir' ]]"
ip -n "$NS_B" link add csdup type veth peer name csdupp &&
	ip -n "$NS_B" link set csdup up && ip -n "$NS_B" link set csdupp up

# --- A broken attachment does not hide the healthy ones ------------------------

broken_setup()
{
	cs_b attach "$VETH_B" --cpus 0 > /dev/null &&
	cs_b attach csdup --cpus 0 > /dev/null &&
	rm "$(pin_dir "$NS_B" csdup)/table"
}
broken_status()
{
	local out

	out=$(cs_b status --json 2> "$TMP/err")
	[[ $? -eq 1 ]] || { echo "exit status is not 1"; return 1; }
	grep -q "csdup: the pinned table is missing" "$TMP/err" ||
		{ echo "stderr: $(cat "$TMP/err")"; return 1; }
	jq -e -s --arg v "$VETH_B" 'length == 1 and (.[0] | length) == 2 and
		any(.[0][]; .ifname == "csdup" and (.error | test("table"))) and
		any(.[0][]; .ifname == $v and .xdp_mode == "native")' \
		<<< "$out" > /dev/null || { echo "stdout: $out"; return 1; }
}
broken_stats()
{
	local out

	out=$(cs_b stats --json --count 1 --interval 0.1 2> "$TMP/err")
	[[ $? -eq 1 ]] || { echo "exit status is not 1"; return 1; }
	jq -e -s --arg v "$VETH_B" '
		any(.[]; .ifname == "csdup" and has("error")) and
		any(.[]; .ifname == $v and has("targets"))' <<< "$out" > /dev/null ||
		{ echo "stdout: $out"; return 1; }
}
ktap_check "broken: set up two attachments, one missing its table" broken_setup
ktap_check "broken: status reports it, shows the other, one JSON document, exit 1" \
	broken_status
ktap_check "broken: stats reports it and still shows the other, exit 1" broken_stats
ktap_check "broken: detach cleans it up, then status is clean" \
	bash -c "nsenter --net=/run/netns/$NS_B $CPUSTEER detach csdup > /dev/null &&
		 nsenter --net=/run/netns/$NS_B $CPUSTEER status > /dev/null"

# --- stats notices a detach under it -------------------------------------------

stats_detach()
{
	local pid rc reports

	cs_b stats "$VETH_B" --interval 0.2 --count 100 > "$TMP/stats.out" \
		2> "$TMP/stats.err" &
	pid=$!
	wait_for "$TMP/stats.out" "redirected" || { kill "$pid"; return 1; }
	cs_b detach "$VETH_B" > /dev/null || { kill "$pid"; return 1; }
	wait "$pid"
	rc=$?
	reports=$(grep -c "^$VETH_B (" "$TMP/stats.out")
	[[ $rc -eq 1 && $reports -lt 100 ]] &&
		grep -q "$VETH_B: cpusteer was detached" "$TMP/stats.err" && return 0
	echo "exit $rc, $reports reports; stderr: $(cat "$TMP/stats.err")"
	return 1
}
ktap_check "stats stops, exit 1, when its attachment is detached" stats_detach

# --- Detaches cut short, devices that move, namespaces that go ------------

rps_b() { rps_mask "$NS_B" "$VETH_B"; }

# What a detach killed after taking the link off leaves: the pins, a link
# that steers nothing, and the values attach --auto changed.
cut_short()
{
	local dir

	ip netns exec "$NS_B" sh -c "echo 1 > /sys/class/net/$VETH_B/queues/rx-0/rps_cpus" ||
		return 1
	cs_b attach "$VETH_B" --auto > /dev/null || return 1
	[[ $(rps_b) == 0 ]] || { echo "attach --auto did not turn RPS off"; return 1; }
	dir=$(pin_dir "$NS_B" "$VETH_B") &&
	bpftool link detach pinned "$dir/link" || return 1
	cs_b status "$VETH_B" --json |
		jq -e '.[0].state == "link defunct"' > /dev/null ||
		{ echo "status does not say 'link defunct'"; return 1; }
	cs_b detach "$VETH_B" > /dev/null || return 1
	[[ $(rps_b) == 1 ]] || { echo "RPS mask $(rps_b), want 1 back"; return 1; }
	nothing "$NS_B" "$VETH_B"
}
ktap_check "a detach cut short: status says so, detach finishes it and puts RPS back" \
	cut_short

# csmv moved to NS_A while attached in NS_B: steered there, detached there.
ip -n "$NS_B" link add csmv type veth peer name csmvp &&
	ip -n "$NS_B" link set csmv up ||
	ktap_exit_skip "cannot add a veth to move to $NS_B"
moved_away()
{
	local dir

	cs_b attach csmv --cpus 0 > /dev/null || return 1
	dir=$(pin_dir "$NS_B" csmv) || return 1
	ip -n "$NS_B" link set csmv netns "$NS_A" || return 1
	refused 1 "its device moved to another network namespace.*run detach there" \
		cs_b detach csmv || return 1
	cs_in "$NS_A" status csmv --json |
		jq -e '.[0].state == "steering"' > /dev/null ||
		{ echo "$NS_A's status does not show it"; return 1; }
	cs_in "$NS_A" detach csmv > /dev/null || return 1
	! has_xdp "$NS_A" csmv && [[ ! -e $dir ]]
}
ktap_check "a device moved to another namespace is shown and detached there" moved_away
ip -n "$NS_A" link set csmv netns "$NS_B" 2> /dev/null
ip -n "$NS_B" link set csmv up

# Out and back again, its ifindex taken meanwhile: it comes back under a new
# one, and is still found by its name.
idx=$(ip -n "$NS_B" -o link show dev csmv | cut -d: -f1)
ip -n "$NS_A" -o link show | grep -q "^$idx:" ||
	ip -n "$NS_A" link add csidx index "$idx" type veth peer name csidxp
moved_back()
{
	local dir

	cs_b attach csmv --cpus 0 > /dev/null || return 1
	dir=$(pin_dir "$NS_B" csmv) || return 1
	ip -n "$NS_B" link set csmv netns "$NS_A" &&
	ip -n "$NS_A" link set csmv netns "$NS_B" &&
	ip -n "$NS_B" link set csmv up || return 1
	[[ $(pin_dir "$NS_B" csmv) != "$dir" ]] ||
		{ echo "its ifindex did not change"; return 1; }
	cs_b status csmv --json | jq -e '.[0].state == "steering"' > /dev/null ||
		{ echo "status does not show it steering"; return 1; }
	refused 1 "csmv: cpusteer is already attached" \
		cs_b attach csmv --cpus 0 || return 1
	cs_b detach csmv > /dev/null && [[ ! -e $dir ]] && ! has_xdp "$NS_B" csmv
}
ktap_check "a device back under a new ifindex is still its attachment" moved_back

# Its old ifindex given to another device meanwhile: that device is not
# taken for the attached one, either way.
reused_moved()
{
	local dir idx

	cs_b attach csmv --cpus 0 > /dev/null || return 1
	dir=$(pin_dir "$NS_B" csmv) || return 1
	idx=${dir##*/if-}
	ip -n "$NS_B" link set csmv netns "$NS_A" &&
	ip -n "$NS_B" link add csre index "$idx" type veth peer name csrep &&
	ip -n "$NS_A" link set csmv netns "$NS_B" &&
	ip -n "$NS_B" link set csmv up || return 1
	cs_b attach csre --cpus 0 > /dev/null ||
		{ echo "csre (ifindex $idx) taken for csmv"; return 1; }
	cs_b detach csre > /dev/null && has_xdp "$NS_B" csmv ||
		{ echo "detach csre touched csmv"; return 1; }
	cs_b detach csmv > /dev/null && [[ ! -e $dir ]] && ! has_xdp "$NS_B" csmv
}
ktap_check "a device given a moved device's old ifindex is not taken for it" reused_moved
ip -n "$NS_B" link del csre 2> /dev/null

# A deleted device's ifindex given to a new one: the new one is not the old
# one's attachment, and never gets its RPS mask.
reused_deleted()
{
	local rps

	ip -n "$NS_B" link add csdl type veth peer name csdlp &&
	ip -n "$NS_B" link set csdl up &&
	ip netns exec "$NS_B" sh -c 'echo 1 > /sys/class/net/csdl/queues/rx-0/rps_cpus' ||
		return 1
	cs_b attach csdl --auto > /dev/null || return 1
	idx=$(ip -n "$NS_B" -o link show dev csdl | cut -d: -f1)
	ip -n "$NS_B" link del csdl &&
	ip -n "$NS_B" link add csnw index "$idx" type veth peer name csnwp &&
	ip netns exec "$NS_B" sh -c 'echo 2 > /sys/class/net/csnw/queues/rx-0/rps_cpus' ||
		return 1
	cs_b status --json | jq -e '.[] | select(.ifname_at_attach == "csdl") |
		.state == "interface gone"' > /dev/null ||
		{ echo "status takes csnw for csdl"; return 1; }
	refused 1 "csnw: cpusteer is not attached there" cs_b detach csnw ||
		return 1
	cs_b detach csdl > /dev/null 2>&1 || return 1
	rps=$(rps_mask "$NS_B" csnw)
	[[ $rps == 2 ]] || { echo "csnw's RPS mask is $rps, want its own 2"; return 1; }
}
ktap_check "a deleted device's ifindex given to a new one: not its attachment, nor its RPS" \
	reused_deleted
ip -n "$NS_B" link del csnw 2> /dev/null

# A whole namespace deleted with an attachment in it: its pins steer
# nothing, and detach --stale from anywhere removes them.
NS_C="stateC-$$"
ip netns add "$NS_C" && _netns_created+=("$NS_C") &&
	ip -n "$NS_C" link add csc type veth peer name cscp &&
	ip -n "$NS_C" link set csc up && ip -n "$NS_C" link set cscp up ||
	ktap_exit_skip "cannot make a third namespace"
stale_ns()
{
	local dir i

	cs_in "$NS_C" attach csc --cpus 0 > /dev/null || return 1
	dir=$(pin_dir "$NS_C" csc) || return 1
	ip netns del "$NS_C" || return 1
	# The namespace goes in the background: at most 5 s.
	for ((i = 0; i < 50; i++)); do
		cs_b status | grep -Eq "steers? nothing any more: 'cpusteer detach --stale'" &&
			break
		sleep 0.1
	done
	[[ $i -lt 50 ]] || { echo "status never called it stale"; return 1; }
	cs_b detach --stale | grep -q "removed the stale attachment of csc" &&
		[[ ! -e $dir ]]
}
ktap_check "a deleted namespace's attachment: status says stale, detach --stale removes it" \
	stale_ns

# A later namespace never inherits a deleted one's pins (an nsfs inode may
# come back; a namespace cookie does not).
NS_D="stateD-$$"
fresh_ns()
{
	local dir

	ip netns add "$NS_C" && ip -n "$NS_C" link add csc type veth peer name cscp &&
	ip -n "$NS_C" link set csc up || return 1
	cs_in "$NS_C" attach csc --cpus 0 > /dev/null || return 1
	dir=$(pin_dir "$NS_C" csc) || return 1
	ip netns del "$NS_C" && ip netns add "$NS_D" &&
	ip -n "$NS_D" link add csc type veth peer name cscp &&
	ip -n "$NS_D" link set csc up || return 1
	[[ $(pin_dir "$NS_D" csc) != "$dir" ]] ||
		{ echo "$NS_D got $NS_C's pin directory $dir"; return 1; }
	cs_in "$NS_D" attach csc --cpus 0 > /dev/null &&
		cs_in "$NS_D" detach csc > /dev/null
}
ktap_check "a new namespace does not inherit a deleted one's attachment" fresh_ns
ip netns del "$NS_D" 2> /dev/null
_netns_created+=("$NS_D")

# detach --stale from another namespace leaves what only the attachment's
# own namespace can put back, unless --force.
stale_elsewhere()
{
	local dir

	ip netns exec "$NS_B" sh -c "echo 1 > /sys/class/net/$VETH_B/queues/rx-0/rps_cpus" &&
	cs_b attach "$VETH_B" --auto > /dev/null || return 1
	dir=$(pin_dir "$NS_B" "$VETH_B") &&
	bpftool link detach pinned "$dir/link" || return 1
	refused 1 "only its own namespace can put back" \
		cs_in "$NS_A" detach --stale || return 1
	[[ -d $dir ]] || { echo "removed from $NS_A"; return 1; }
	cs_b detach --stale | grep -q "removed the stale attachment of $VETH_B" &&
		[[ $(rps_b) == 1 && ! -e $dir ]]
}
ktap_check "detach --stale elsewhere keeps what only the owner can restore" \
	stale_elsewhere

# A directory left without its record (a kill just after it was made),
# then the interface deleted: no name leads to it, --stale does.
no_meta()
{
	local dir

	ip -n "$NS_B" link add csnm type veth peer name csnmp &&
	ip -n "$NS_B" link set csnm up || return 1
	cs_b attach csnm --cpus 0 > /dev/null || return 1
	dir=$(pin_dir "$NS_B" csnm) || return 1
	rm "$dir/meta" && ip -n "$NS_B" link del csnm || return 1
	cs_b status | grep -q "cpusteer detach --stale" ||
		{ echo "status does not point at --stale"; return 1; }
	cs_b detach --stale > /dev/null && [[ ! -e $dir ]]
}
ktap_check "no record and no interface: detach --stale removes the leftovers" no_meta

# A link planted in cpusteer's directory is never taken for an attachment.
planted=$(dirname "$(pin_dir "$NS_B" "$VETH_B")")/if-77
planted_link()
{
	local dir n

	cs_b attach "$VETH_B" --cpus 0 > /dev/null || return 1
	dir=$(pin_dir "$NS_B" "$VETH_B") || return 1
	ln -sn "$(basename "$dir")" "$planted" || return 1
	n=$(cs_b status --json | jq length)
	[[ $n == 1 ]] || { echo "status shows $n attachments, want 1"; return 1; }
	cs_b detach --stale | grep -q "no stale attachments" ||
		{ echo "detach --stale touched something"; return 1; }
	[[ -L $planted ]] || { echo "the link was removed"; return 1; }
	rm "$planted"
	cs_b detach "$VETH_B" > /dev/null
}
ktap_check "a symlink planted among the pin directories is ignored and left" planted_link

# --- One command at a time --------------------------------------------------

# attach slowed down in its pin phase; a detach started then must wait for
# it and then detach: both succeed, nothing is left.
slow_race()
{
	local apid arc drc dir i

	dir=$(pin_dir "$NS_B" "$VETH_B") || return 1
	in_ns "$NS_B" strace -f -o /dev/null -e trace=mkdir,mkdirat \
		-e inject=mkdir,mkdirat:delay_exit=$SLOW_MKDIR_US \
		"$CPUSTEER" attach "$VETH_B" --cpus 0 > /dev/null 2> "$TMP/attach.err" &
	apid=$!
	for ((i = 0; i < 100; i++)); do
		[[ ! -d $dir ]] || break
		sleep 0.05
	done
	[[ -d $dir ]] || { wait "$apid"; echo "attach never made $dir"; return 1; }
	cs_b detach "$VETH_B" > /dev/null 2> "$TMP/detach.err"
	drc=$?
	wait "$apid"
	arc=$?
	[[ $arc -eq 0 && $drc -eq 0 ]] && nothing "$NS_B" "$VETH_B" && return 0
	echo "attach exit $arc ($(cat "$TMP/attach.err")), detach exit $drc ($(cat "$TMP/detach.err"))"
	attached "$NS_B" "$VETH_B" && echo "still attached"
	has_pins "$NS_B" "$VETH_B" && ls "$dir"
	return 1
}
ktap_check "a detach during a slowed attach waits, then detaches it all" slow_race
cs_b detach "$VETH_B" > /dev/null 2>&1

# Attach and detach started together, RACE_ROUNDS times: whichever goes
# first, the result is whole and the exit codes tell it.
races()
{
	local r apid arc drc state

	for ((r = 0; r < RACE_ROUNDS; r++)); do
		cs_b attach "$VETH_B" --cpus 0 > /dev/null 2>&1 &
		apid=$!
		cs_b detach "$VETH_B" > /dev/null 2>&1
		drc=$?
		wait "$apid"
		arc=$?
		if attached "$NS_B" "$VETH_B"; then
			state=attached
			cs_b status "$VETH_B" > /dev/null || state=broken
		elif nothing "$NS_B" "$VETH_B"; then
			state=detached
		else
			state=half
		fi
		# attached: the detach came first (not attached: 1);
		# detached: it came second and succeeded.
		if [[ $arc -ne 0 || ( $state == attached && $drc -ne 1 ) ||
		      ( $state == detached && $drc -ne 0 ) ||
		      ( $state != attached && $state != detached ) ]]; then
			echo "round $r: attach $arc, detach $drc, state $state"
			return 1
		fi
		[[ $state == detached ]] || cs_b detach "$VETH_B" > /dev/null 2>&1
	done
}
ktap_check "$RACE_ROUNDS concurrent attach/detach rounds: always whole, exit codes true" races

# hold_lock SCRIPT: run SCRIPT holding the state lock, in the background;
# the process that holds it is $holder, so killing it releases the lock.
hold_lock()
{
	bash -c "exec 9< /sys/fs/bpf/cpusteer && flock 9 && $1" &
	holder=$!
}

# The lock held by someone else: attach waits for it, then goes on.
lock_wait()
{
	hold_lock "sleep 1.5 && touch $TMP/released"
	sleep 0.3
	cs_b attach "$VETH_B" --cpus 0 > /dev/null || return 1
	[[ -e $TMP/released ]] || { echo "attach did not wait for the lock"; return 1; }
	wait "$holder"
	holder=""
	cs_b detach "$VETH_B" > /dev/null
}
ktap_check "attach waits while the state is locked, then attaches" lock_wait

lock_timeout()
{
	local rc

	hold_lock "exec sleep 20"
	sleep 0.3
	refused 1 "another cpusteer command has been changing /sys/fs/bpf/cpusteer" \
		cs_b attach "$VETH_B" --cpus 0
	rc=$?
	kill "$holder"
	wait "$holder" 2> /dev/null
	holder=""
	[[ $rc -eq 0 ]] && nothing "$NS_B" "$VETH_B"
}
ktap_check "attach gives up on a lock held too long, and says so" lock_timeout

# --- bpffs that would vanish ----------------------------------------------

# in_private_mnt SCRIPT: SCRIPT in a mount namespace of its own, whose
# /sys/fs/bpf is not the host's: every bpffs stacked there is unmounted
# (in that namespace only; the host keeps its own).
in_private_mnt()
{
	unshare -m --propagation private bash -c \
		"for i in 1 2 3 4; do umount -l /sys/fs/bpf 2> /dev/null || break; done
		 $1"
}
no_bpf_mount='! grep -q " - bpf " /proc/self/mountinfo'
ktap_check "private mount namespace without bpffs: attach refused, nothing mounted" \
	in_private_mnt "! nsenter --net=/run/netns/$NS_B $CPUSTEER attach $VETH_B --cpus 0 \
			2> $TMP/priv.err &&
		grep -Eq 'would vanish|cannot tell' $TMP/priv.err && $no_bpf_mount"
ktap_check "private mount namespace with a bpffs of its own: attach refused" \
	in_private_mnt "mount -t bpf bpf /sys/fs/bpf &&
		! nsenter --net=/run/netns/$NS_B $CPUSTEER attach $VETH_B --cpus 0 \
			2> $TMP/priv.err && grep -Eq 'would vanish|cannot tell' $TMP/priv.err"
ktap_check "after the refusals: nothing attached on the host" nothing "$NS_B" "$VETH_B"
ktap_check "private mount namespace: status and stats say they cannot see, mount nothing" \
	in_private_mnt "! nsenter --net=/run/netns/$NS_B $CPUSTEER status 2> $TMP/priv.err &&
		grep -Eq 'not the bpffs of the host|cannot tell' $TMP/priv.err &&
		! nsenter --net=/run/netns/$NS_B $CPUSTEER stats $VETH_B --count 1 \
			2> /dev/null && $no_bpf_mount"
ktap_check "a PID namespace with a bpffs of its own: attach refused" \
	unshare -m -p -f --mount-proc --propagation private bash -c \
		"for i in 1 2 3 4; do umount -l /sys/fs/bpf 2> /dev/null || break; done
		 mount -t bpf bpf /sys/fs/bpf &&
		 ! nsenter --net=/run/netns/$NS_B $CPUSTEER attach $VETH_B --cpus 0 \
			2> $TMP/priv.err && grep -Eq 'would vanish|cannot tell' $TMP/priv.err"
ktap_check "ip netns exec: attach refused, with what to run instead" \
	refused 1 "nsenter --net=/run/netns/$NS_B" \
	ip netns exec "$NS_B" "$CPUSTEER" attach "$VETH_B" --cpus 0

# --- What is not cpusteer's ---------------------------------------------------

# Another tool's map pinned where this namespace's directory would go.
squatter=/sys/fs/bpf/cpusteer/netns-$(netns_id "$NS_B")
squat()
{
	[[ ! -e $squatter ]] || { echo "$squatter exists already"; return 1; }
	bpftool map create "$squatter" type array key 4 value 4 entries 1 \
		name cssquat || return 1
	refused 1 "cannot create the pin directory .*: Not a directory" \
		cs_b attach "$VETH_B" --cpus 0 || return 1
	[[ -e $squatter ]] && nothing "$NS_B" "$VETH_B"
}
ktap_check "a foreign object on the pin directory's name: attach refused, it stays" squat
rm -f "$squatter"
squatter=""
ktap_check "and once it is gone, attach works" \
	bash -c "nsenter --net=/run/netns/$NS_B $CPUSTEER attach $VETH_B --cpus 0 > /dev/null"
ktap_check "detach" cs_b detach "$VETH_B"
ktap_check "nothing left" nothing "$NS_B" "$VETH_B"

ktap_finish
