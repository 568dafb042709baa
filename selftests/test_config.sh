#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# The config file and cpusteer apply, as a sysadmin uses them: a table of
# bad configs (each refused at its FILE:LINE by check-config, and by apply
# with nothing changed in the kernel), then apply on a veth testbed:
# attach, idempotence, changes in place (same link, same key), a new
# table that keeps flows where they were, rollback after an injected
# failure at each late step, an interface leaving the config, a missing
# one, detach --managed; then make install DESTDIR=..., the unit checked
# by systemd-analyze, the man page and the completion against the keys.

. "$(dirname "$0")/lib.sh"

export CPUSTEER=${CPUSTEER:-$(cs_find cpusteer)}
CS_FAULT_LIB=${CS_FAULT_LIB:-$(cs_find libcsfault.so)}
TOP=$(cd "$(dirname "$0")/.." && pwd)

require_root
require_cmd jq ip nsenter mkfifo
[[ -x $CPUSTEER ]] || ktap_exit_skip "no cpusteer binary at $CPUSTEER (run make)"
bpffs_mounted || ktap_exit_skip "bpffs is not mounted at /sys/fs/bpf"

TMP=$(mktemp -d)
chmod 755 "$TMP"
cleanup()
{
	local i

	for i in "${VETH_B:-}" "${VETH_C:-}" "${VETH_D:-}"; do
		[[ -n $i && -n ${NS_B:-} ]] && has_pins "$NS_B" "$i" &&
			csb detach "$i" > /dev/null 2>&1
	done
	netns_cleanup
	rm -rf "$TMP"
}
trap cleanup EXIT

ktap_header
ktap_plan 75

netns_setup cfg || ktap_exit_fail "cannot build the veth testbed"
# Two more interfaces in NS_B: one for removal, one attached by hand.
VETH_C="c$$c"
VETH_D="c$$d"
ip -n "$NS_B" link add "$VETH_C" type veth peer name "$VETH_D" &&
	ip -n "$NS_B" link set "$VETH_C" up && ip -n "$NS_B" link set "$VETH_D" up ||
	ktap_exit_fail "cannot add a second veth pair"

csb()
{
	nsenter --net="/run/netns/$NS_B" "$CPUSTEER" "$@"
}

ETC=$TMP/etc
CONF=$ETC/cpusteer.conf
mkdir -p "$ETC/conf.d"
chmod 755 "$ETC" "$ETC/conf.d"

# write_conf TEXT: the main config, root's, 0644; conf.d emptied.
write_conf()
{
	rm -f "$ETC"/conf.d/*
	printf '%b' "$1" > "$CONF"
	chmod 644 "$CONF"
}

out_has()	# FILE REGEX...: every REGEX is in FILE
{
	local f=$1 re

	shift
	for re; do
		grep -Eq -- "$re" "$f" || { echo "no /$re/ in:"; cat "$f"; return 1; }
	done
}

# Nothing of cpusteer's on the testbed's interfaces.
untouched()
{
	! has_pins "$NS_B" "$VETH_B" && ! has_pins "$NS_B" "$VETH_C" &&
	! ip -n "$NS_B" link show "$VETH_B" | grep -q 'prog/xdp' &&
	! ip -n "$NS_B" link show "$VETH_C" | grep -q 'prog/xdp'
}

# A CPU number cpusteer accepts that this machine does not have.
OFFLINE=
for ((c = 1; c < 512; c++)); do
	[[ -d /sys/devices/system/cpu/cpu$c ]] && continue
	OFFLINE=$c
	break
done

# bad NAME TEXT CHECK-RC APPLY-RC REGEX [PREP]: check-config exits
# CHECK-RC with REGEX (FILE:LINE: message, FILE being the config) on
# stderr; apply exits APPLY-RC and leaves the testbed untouched. PREP, if
# given, runs after the file is written.
bad()
{
	local name=$1 text=$2 crc=$3 arc=$4 re=$5 prep=${6:-} why= rc

	write_conf "$text"
	[[ -z $prep ]] || eval "$prep"
	csb check-config "$CONF" > "$TMP/out" 2> "$TMP/err"
	rc=$?
	[[ $rc == "$crc" ]] || why+="check-config exited $rc, not $crc; "
	grep -Eq -- "$re" "$TMP/err" || why+="stderr does not match /$re/; "
	csb apply --config "$CONF" >> "$TMP/out" 2>> "$TMP/err"
	rc=$?
	[[ $rc == "$arc" ]] || why+="apply exited $rc, not $arc; "
	untouched || why+="apply changed the testbed; "
	ktap_result "bad config: $name" "$why" "$TMP/out" "$TMP/err" \
		"check-config / apply --config $CONF"
	chmod 644 "$CONF" 2> /dev/null
	chown root "$CONF" 2> /dev/null
	chmod 755 "$ETC/conf.d"
	rm -f "$ETC"/conf.d/*
	[[ -f $CONF ]] || { rm -rf "$CONF"; : > "$CONF"; }
}

F="$CONF"
B=$VETH_B
bad "no closing ]"            "[$B\ncpus = 0\n[$B"                 1 2 "^$F:3: '\[$B' has no closing"
bad "text after a header"     "[$B] eth9\ncpus = 0"                 1 2 "^$F:1: text after the section header"
bad "a line that is no key"   "[$B]\ncpus = 0\njust words"          1 2 "^$F:3: 'just words' is neither"
bad "a key before any section" "cpus = 0\n[$B]\ncpus = 0"           1 2 "^$F:1: 'cpus' is outside any section"
bad "unknown key, a near one" "[$B]\ncpus = 0\nqsise = 256"         1 2 "^$F:3: unknown key 'qsise': did you mean 'qsize'"
bad "unknown key"             "[$B]\ncpus = 0\nzzzzzzzz = 1"        1 2 "^$F:3: unknown key 'zzzzzzzz' \(cpusteer.conf\(5\)"
bad "a section that is no interface name" "[a/b]\ncpus = 0"         1 2 "^$F:1: section 'a/b' is not a valid interface name"
bad "unknown interface"       "[nosuch0]\ncpus = 0"                  1 1 "^$F:1: interface 'nosuch0' does not exist"
bad "auto is command-line only" "[$B]\nauto = yes"                  1 2 "^$F:2: 'auto' is a command-line option: write 'cpus = auto'"
bad "dry-run is command-line only" "[$B]\ncpus = 0\ndry-run = yes"  1 2 "^$F:3: 'dry-run' is a command-line option only"
bad "qsize below the range"   "[$B]\ncpus = 0\nqsize = 4"           1 2 "^$F:3: qsize '4' is out of range: give 8 to 16384"
bad "qsize not a number"      "[$B]\ncpus = 0\nqsize = lots"        1 2 "^$F:3: qsize 'lots' is not a decimal whole number"
bad "buckets not a power of two" "[$B]\ncpus = 0\nbuckets = 100"    1 2 "^$F:3: buckets 100 is not a power of two"
bad "unknown hash"            "[defaults]\nhash = l5\n[$B]\ncpus = 0" 1 2 "^$F:2: unknown hash 'l5'"
bad "unknown stage2"          "[$B]\ncpus = 0\nstage2 = bogus"      1 2 "^$F:3: unknown stage2 'bogus'"
bad "unknown xdp-mode"        "[$B]\ncpus = 0\nxdp-mode = fast"     1 2 "^$F:3: unknown xdp-mode 'fast'"
bad "fallback cpu:x"          "[$B]\ncpus = 0\nfallback = cpu:x"    1 2 "^$F:3: fallback CPU 'x' is not a decimal"
bad "a flag that is not yes or no" "[$B]\ncpus = 0\ntunnel-id = maybe" 1 2 "^$F:3: tunnel-id 'maybe' is not yes or no"
bad "vxlan-port 4789"         "[$B]\ncpus = 0\nvxlan-port = 4789"   1 2 "^$F:3: vxlan-port 4789 is VXLAN's own port"
bad "five vxlan-ports"        "[$B]\ncpus = 0\nvxlan-port = 1, 2, 3, 4, 5" 1 2 "^$F:3: vxlan-port 5: at most 4 extra VXLAN ports"
bad "a key set twice"         "[$B]\ncpus = 0\nqsize = 64\nqsize = 128" 1 2 "^$F:4: 'qsize' is set twice in \[$B\] \(first on line 3\)"
bad "no cpus"                 "[$B]\nqsize = 64"                    1 2 "^$F:1: $B: cpus is required"
bad "planning key without cpus = auto" "[$B]\ncpus = 0\ntopology = /x.xml" 1 2 "^$F:3: $B: topology goes with a planned attachment"
bad "hash hw with xdp-mode skb" "[$B]\ncpus = 0\nhash = hw\nxdp-mode = skb" 1 2 "^$F:3: $B: hash hw needs xdp-mode native"
if [[ -n $OFFLINE ]]; then
	bad "an offline CPU"      "[$B]\ncpus = $OFFLINE"               1 2 "^$F:2: cpus: CPU $OFFLINE is not online"
else
	ktap_skip "bad config: an offline CPU" "all 512 CPUs cpusteer can name are online"
fi
bad "an empty file"           ""                                    1 2 "^$F: no \[IFACE\] section: nothing to steer"
bad "only comments"           "# nothing\n; here\n"                  1 2 "^$F: no \[IFACE\] section"
bad "a 1 MB file"             "" 1 2 "^$F: 1048576 bytes: a config file may have at most 65536" \
	'head -c 1048576 /dev/zero | tr "\\0" "#" > "$CONF"'
bad "binary garbage"          "" 1 2 "^$F:1: control character 0x[0-9a-f]{2}: this is not a text file" \
	'printf "[x]\\001\\002\\377garbage" > "$CONF"'
bad "a line of 300 characters" "" 1 2 "^$F:2: the line is longer than 198 characters" \
	'{ echo "[$B]"; printf "cpus = 0%0300d\\n" 0; } > "$CONF"'
bad "a directory, not a file" "" 1 2 "^$F: not a regular file" \
	'rm -f "$CONF"; mkdir "$CONF"'
bad "a FIFO, not a file"      "" 1 2 "^$F: not a regular file" \
	'rm -f "$CONF"; mkfifo "$CONF"'
bad "a file that is not there" "" 1 2 "^$F: cannot open it: No such file" \
	'rm -f "$CONF"'
bad "writable by others"      "[$B]\ncpus = 0" 1 2 "^$F: the file is writable by others: .*'chmod go-w $F'" \
	'chmod 666 "$CONF"'
bad "writable by its group"   "[$B]\ncpus = 0" 1 2 "^$F: the file is writable by its group" \
	'chmod 664 "$CONF"'
bad "not owned by root"       "[$B]\ncpus = 0" 1 2 "^$F: the file is owned by uid 65534, not root: .*'chown root $F'" \
	'chown 65534 "$CONF"'
bad "conf.d writable by others" "[$B]\ncpus = 0" 1 2 "^$ETC/conf.d: the directory is writable by others" \
	'chmod 777 "$ETC/conf.d"'
bad "an error in conf.d"      "[$B]\ncpus = 0" 1 2 "^$ETC/conf.d/50-x.conf:2: qsize '1' is out of range" \
	'printf "[$B]\\nqsize = 1\\n" > "$ETC/conf.d/50-x.conf"'
bad "257 interface sections"  "" 1 2 "^$F:513: more than 256 interfaces: \[x257\] and later ones are not read" \
	'for i in $(seq 1 257); do printf "[x%d]\\ncpus = 0\\n" $i; done > "$CONF"'
bad "one interface twice, by an altname" "[$B]\ncpus = 0\n[cfgalt$$]\ncpus = 0" 1 2 \
	"^$F:3: \[cfgalt$$\] is the interface \[$B\] names \($F:1\)" \
	'ip -n "$NS_B" link property add dev "$B" altname "cfgalt$$"'
ip -n "$NS_B" link property del dev "$B" altname "cfgalt$$" 2> /dev/null
bad "an empty key"            "[$B]\ncpus = 0\n= 1" 1 2 "^$F:3: unknown key '' \(cpusteer.conf"
bad "a control character: none of the file is read" "" 1 2 "^$F:3: control character 0x01" \
	'printf "[$B]\\nqsize = 64\\n\\001\\n" > "$CONF"'

# A BOM is skipped; flags take any case; a binary file leaves no
# follow-on errors (none of it was read).
write_conf "\xef\xbb\xbf[$B]\ncpus = 0\ntunnel-id = YES\n"
csb check-config "$CONF" > "$TMP/out" 2>&1
ktap_check "a UTF-8 byte-order mark is skipped, and flags take any case (YES)" \
	out_has "$TMP/out" "valid, 1 interface: $B"
write_conf "[$B]\nqsize = 64\n\001\n"
csb check-config "$CONF" > /dev/null 2> "$TMP/err"
ktap_check "a file with a control character gives that one error, no follow-on" \
	eval '[[ $(grep -c "^$CONF" "$TMP/err") == 1 ]]'

# check-config reports every error, not the first.
write_conf "[$B]\nqsise = 1\nqsize = 4\nhash = l9\nstage2 = x\n"
csb check-config "$CONF" > /dev/null 2> "$TMP/err"
every_error()
{
	[[ $(grep -c "^$CONF:[2-5]: " "$TMP/err") == 4 ]]
}
ktap_check "check-config reports every error: four lines, each at its line" \
	every_error
csb check-config --json "$CONF" > "$TMP/json" 2> /dev/null
ktap_check "check-config --json: invalid, the same four errors with their lines" \
	jq -e '.valid == false and (.errors | map(.line)) == [2, 3, 4, 5]' "$TMP/json"

# --- apply ----------------------------------------------------------------

status()
{
	csb status --json "$1" | jq -c '.[0]'
}

# What must come back after a failed change: status, and the cpumap's
# entries (a target added and not removed would not show in status).
state()
{
	local dir

	dir=$(pin_dir "$NS_B" "$1")
	status "$1"
	bpftool map dump pinned "$dir/cpu_map" -j | jq -c '[.[] | .key]'
}


write_conf "[defaults]\nhash = l4-sym\nqsize = 256\n[$B]\ncpus = 0\n[$VETH_C]\ncpus = 0\n"
csb check-config "$CONF" > "$TMP/out" 2>&1
ktap_check "check-config: a valid config says so, exit 0" \
	out_has "$TMP/out" "valid, 2 interfaces: $B, $VETH_C"
csb apply --config "$CONF" > "$TMP/out" 2>&1
ktap_check "apply attaches both interfaces, exit 0" \
	grep -q "2 attached, 0 changed, 0 detached" "$TMP/out"
S1=$(status "$B")
ktap_check "apply: status shows the config's values and that apply manages it" \
	jq -e '.hash == "l4-sym" and .qsize == 256 and .cpus == [0] and .managed == true' <<< "$S1"

csb apply --config "$CONF" > "$TMP/out" 2>&1
S2=$(status "$B")
ktap_check "the same config again: nothing to change, nothing changed" \
	eval 'out_has "$TMP/out" "nothing to change: 2 interfaces as configured" &&
	      [[ $S1 == "$S2" ]]' 

write_conf "[defaults]\nhash = l3\nqsize = 512\nstage2 = drop\n[$B]\ncpus = 0\n[$VETH_C]\ncpus = 0\n"
csb apply --config "$CONF" --dry-run > "$TMP/out" 2>&1
dry_run_ok()
{
	out_has "$TMP/out" "would change hash l4-sym -> l3" \
		"would change qsize 256 -> 512" "would change stage2 pass -> drop" &&
	[[ $(status "$B") == "$S1" ]]
}
ktap_check "apply --dry-run says what would change and changes nothing" dry_run_ok
csb apply --config "$CONF" > "$TMP/out" 2>&1
S3=$(status "$B")
ktap_check "hash, qsize and stage2 changed in place: same link, same key, a new program" \
	jq -e --argjson o "$S1" '.hash == "l3" and .qsize == 512 and .stage2 == "drop" and
		.link_id == $o.link_id and .key == $o.key and .prog_id != $o.prog_id' <<< "$S3"

# A bigger table: every old bucket's flows stay on their CPU.
write_conf "[defaults]\nhash = l3\nqsize = 512\nstage2 = drop\n[$B]\ncpus = 0\n[$VETH_C]\ncpus = 0\nbuckets = 1024\n"
csb apply --config "$CONF" > "$TMP/out" 2>&1
ktap_check "buckets 256 -> 1024: a new table and program on the same link, no flow moves" \
	eval 'out_has "$TMP/out" "$VETH_C: buckets 256 -> 1024" &&
	      ! grep -q "buckets move" "$TMP/out"' 

# Rollback: a failure at each late step puts everything back.
rollback()
{
	local fn=$1 text=$2 before after

	before=$(state "$B")
	write_conf "$text"
	env LD_PRELOAD="$CS_FAULT_LIB" CS_FAULT="$fn" CS_FAULT_ONCE=1 \
		CS_FAULT_MAP=cs_cpu_map \
		nsenter --net="/run/netns/$NS_B" "$CPUSTEER" apply --config "$CONF" \
		> "$TMP/out" 2> "$TMP/err"
	[[ $? == 1 ]] || { echo "apply did not exit 1"; return 1; }
	grep -q "the change failed; it was put back as it was" "$TMP/err" ||
		{ cat "$TMP/err"; return 1; }
	# What failed is not reported as changed.
	! grep -q "^$B: " "$TMP/out" || { cat "$TMP/out"; return 1; }
	after=$(state "$B")
	[[ $before == "$after" ]] || { echo "before: $before"; echo "after: $after"; return 1; }
}
NEW="[defaults]\nhash = l4\nqsize = 128\nstage2 = pass\n[$B]\ncpus = 1\n[$VETH_C]\ncpus = 0\nbuckets = 1024\n"
[[ $(nproc) -ge 2 ]] || NEW="[defaults]\nhash = l4\nqsize = 128\nstage2 = pass\n[$B]\ncpus = 0\n[$VETH_C]\ncpus = 0\nbuckets = 1024\n"
ktap_check "a failed program swap (bpf_link_update) is rolled back: status as before" \
	rollback bpf_link_update "$NEW"
ktap_check "a failed cpumap write is rolled back: status as before" \
	rollback bpf_map_update_elem "$NEW"
if [[ $(nproc) -ge 2 ]]; then
	ktap_check "a failed removal of the old target (the last step) is rolled back" \
		rollback bpf_map_delete_elem "$NEW"
else
	ktap_skip "a failed removal of the old target (the last step) is rolled back" "one CPU: no target to remove"
fi
csb apply --config "$CONF" > "$TMP/out" 2>&1
S4=$(status "$B")
ktap_check "the same change without the fault applies: same link and key" \
	jq -e --argjson o "$S1" '.hash == "l4" and .qsize == 128 and .link_id == $o.link_id and .key == $o.key' <<< "$S4"

write_conf "[defaults]\nhash = l4\nqsize = 128\n[$B]\ncpus = 0\nxdp-mode = skb\n[$VETH_C]\ncpus = 0\nbuckets = 1024\n"
csb apply --config "$CONF" > "$TMP/out" 2>&1
S5=$(status "$B")
ktap_check "xdp-mode native -> skb: said to need a new link, attached again, same key" \
	eval 'out_has "$TMP/out" "change the XDP mode, which needs a new link" &&
	      jq -e --argjson o "$S1" ".xdp_mode == \"skb\" and .key == \$o.key and .cpus == [0]" <<< "$S5"' 

# A fallback CPU outside the targets: said as such, not as a CPU change.
if [[ $(nproc) -ge 2 ]]; then
	write_conf "[defaults]\nhash = l4\nqsize = 128\n[$B]\ncpus = 0\nxdp-mode = skb\nfallback = cpu:1\n[$VETH_C]\ncpus = 0\nbuckets = 1024\n"
	csb apply --config "$CONF" > "$TMP/out" 2>&1
	ktap_check "fallback pass -> cpu:1 is said so, and not as a change of CPUs" \
		eval 'out_has "$TMP/out" "$B: fallback pass -> cpu:1" &&
		      ! grep -q "^$B: cpus" "$TMP/out"' 
else
	ktap_skip "fallback pass -> cpu:1 is said so, and not as a change of CPUs" "one CPU"
fi

# A planned attachment whose re-attach fails comes back as it was.
write_conf "[$B]\ncpus = 0\nxdp-mode = skb\nqsize = 128\n[$VETH_C]\ncpus = auto\nqsize = 64\nxdp-mode = skb\n"
csb apply --config "$CONF" > "$TMP/out" 2>&1
S6=$(status "$VETH_C")
write_conf "[$B]\ncpus = 0\nxdp-mode = skb\nqsize = 128\n[$VETH_C]\ncpus = auto\nqsize = 64\nxdp-mode = native\n"
env LD_PRELOAD="$CS_FAULT_LIB" CS_FAULT=bpf_map__set_max_entries CS_FAULT_ONCE=1 \
	nsenter --net="/run/netns/$NS_B" "$CPUSTEER" apply --config "$CONF" \
	> "$TMP/out" 2> "$TMP/err"
RC=$?
S7=$(status "$VETH_C")
ktap_check "cpus = auto: a failed re-attach puts it back as it was (targets, qsize 64, key)" \
	eval '[[ $RC == 1 ]] && out_has "$TMP/err" "attached again as it was" &&
	      jq -e --argjson o "$S6" ".qsize == 64 and .key == \$o.key and
		(.cpus | sort) == (\$o.cpus | sort) and .xdp_mode == \"skb\"" <<< "$S7" > /dev/null' 

# An attachment made by hand, on an interface the config does not name.
csb attach "$VETH_D" --cpus 0 > /dev/null 2>&1
write_conf "[defaults]\nhash = l4\nqsize = 128\n[$B]\ncpus = 0\nxdp-mode = skb\n"
csb apply --config "$CONF" > "$TMP/out" 2>&1
ktap_check "an interface left the config: detached; one attached by hand stays" \
	eval 'out_has "$TMP/out" "$VETH_C: detached: no longer in the config" &&
	      ! grep -q "$VETH_D" "$TMP/out"' 
ktap_check "after the removal: its pins are gone, the hand-made one's are there" \
	eval '! has_pins "$NS_B" "$VETH_C" && has_pins "$NS_B" "$VETH_D"' 

write_conf "[$B]\ncpus = 0\nxdp-mode = skb\nqsize = 128\n[nosuch0]\ncpus = 0\n[$VETH_C]\ncpus = 0\n"
csb apply --config "$CONF" > "$TMP/out" 2> "$TMP/err"
RC=$?
ktap_check "a missing interface: reported, the others applied, exit 1" \
	eval '[[ $RC == 1 ]] && out_has "$TMP/err" "nosuch0. does not exist" &&
	      out_has "$TMP/out" "$VETH_C: attached" "1 missing"' 

csb detach --managed > "$TMP/out" 2>&1
ktap_check "detach --managed detaches what apply made and leaves the rest" \
	eval '! has_pins "$NS_B" "$B" && ! has_pins "$NS_B" "$VETH_C" &&
	      has_pins "$NS_B" "$VETH_D"' 
csb detach "$VETH_D" > /dev/null 2>&1
ktap_check "nothing left on the testbed" untouched

# --- install ---------------------------------------------------------------

DEST=$TMP/dest
make -s -C "$TOP" install DESTDIR="$DEST" PREFIX=/usr > "$TMP/install.log" 2>&1
ktap_check "make install DESTDIR=... PREFIX=/usr: binary, man pages, unit, completion, config" \
	bash -c 'cd "$1" && [[ -x usr/sbin/cpusteer && -f usr/share/man/man8/cpusteer.8 &&
		-f usr/share/man/man5/cpusteer.conf.5 && -f usr/lib/systemd/system/cpusteer.service &&
		-f usr/share/bash-completion/completions/cpusteer &&
		-f etc/cpusteer/cpusteer.conf && -d etc/cpusteer/conf.d ]]' _ "$DEST"
ktap_check "the unit runs apply to start and reload, detach --managed to stop, this install's paths" \
	bash -c 'u=$1/usr/lib/systemd/system/cpusteer.service
		grep -qx "Type=oneshot" "$u" && grep -qx "RemainAfterExit=yes" "$u" &&
		grep -qx "ExecStart=/usr/sbin/cpusteer apply --config /etc/cpusteer/cpusteer.conf" "$u" &&
		grep -qx "ExecReload=/usr/sbin/cpusteer apply --config /etc/cpusteer/cpusteer.conf" "$u" &&
		grep -qx "ExecStop=/usr/sbin/cpusteer detach --managed" "$u" && ! grep -q @ "$u"' _ "$DEST"
# verify wants the unit's commands to exist where it names them: an
# install at real paths under $TMP (no DESTDIR), man pages not looked up.
if command -v systemd-analyze > /dev/null; then
	make -s -C "$TOP" install PREFIX="$TMP/real" SYSCONFDIR="$TMP/real/etc" \
		UNITDIR="$TMP/real/lib/systemd/system" > "$TMP/install.log" 2>&1
	ktap_check "systemd-analyze verify accepts the installed unit" \
		bash -c 'out=$(systemd-analyze verify --man=no "$1" 2>&1); rc=$?
			printf "%s\n" "$out"; [[ $rc == 0 && -z $out ]]' \
		_ "$TMP/real/lib/systemd/system/cpusteer.service"
else
	ktap_skip "systemd-analyze verify accepts the installed unit" "no systemd-analyze (scripts/install-deps.sh installs systemd)"
fi
echo "# mine" >> "$DEST/etc/cpusteer/cpusteer.conf"
make -s -C "$TOP" install DESTDIR="$DEST" PREFIX=/usr > "$TMP/install.log" 2>&1
ktap_check "make install again keeps the sysadmin's config" \
	grep -qx "# mine" "$DEST/etc/cpusteer/cpusteer.conf"
ktap_check "the example config is valid but for its missing interfaces: defaults only" \
	bash -c 'sed -n "/^\[/p" "$1" | grep -qx "\[defaults\]" &&
		out=$("$CPUSTEER" check-config "$1" 2>&1); [[ $out == *"no [IFACE] section"* ]]' \
	_ "$DEST/etc/cpusteer/cpusteer.conf"
make -s -C "$TOP" uninstall DESTDIR="$DEST" PREFIX=/usr > "$TMP/install.log" 2>&1
ktap_check "make uninstall removes all but the config" \
	bash -c '[[ $(cd "$1" && find . -type f | sort) == "./etc/cpusteer/cpusteer.conf" ]]' _ "$DEST"

# --- documentation and completion from the one table ------------------------

"$CPUSTEER" check-config --keys | awk '{print $1}' > "$TMP/keys"
ktap_check "check-config --keys lists the config keys (cpus, hash, ..., budget-us)" \
	bash -c '[[ $(wc -l < "$1") -ge 15 ]] && grep -qx cpus "$1" && grep -qx vxlan-port "$1" &&
		! grep -qx auto "$1" && ! grep -qx dry-run "$1"' _ "$TMP/keys"
ktap_check "cpusteer.conf(5) documents every key" \
	bash -c 'while read -r k; do grep -q "^\.BI \"$k = " "$2" || { echo "$k"; exit 1; }; done < "$1"' \
	_ "$TMP/keys" "$TOP/docs/cpusteer.conf.5"
ktap_check "the example config names every key" \
	bash -c 'while read -r k; do grep -qw -- "$k" "$2" || { echo "$k"; exit 1; }; done < "$1"' \
	_ "$TMP/keys" "$TOP/etc/cpusteer.conf"
ktap_check "bash completion: commands, then a command's options, from cpusteer itself" \
	bash -c 'PATH=$(dirname "$1"):$PATH; . "$2"
		COMP_WORDS=(cpusteer ap); COMP_CWORD=1; _cpusteer
		[[ " ${COMPREPLY[*]} " == *" apply "* ]] || exit 1
		COMP_WORDS=(cpusteer apply --c); COMP_CWORD=2; _cpusteer
		[[ ${COMPREPLY[*]} == "--config" ]] || exit 1
		COMP_WORDS=(cpusteer attach x --hash l4); COMP_CWORD=4; _cpusteer
		[[ " ${COMPREPLY[*]} " == *" l4-sym "* ]]' _ "$CPUSTEER" "$TOP/etc/cpusteer.bash"

ktap_finish
