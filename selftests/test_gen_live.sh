#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# cpusteer gen, as a user would check it:
#  - a --seed fixes the frames: two pcaps of one seed are the same bytes,
#    another seed gives others, and the seed an unseeded run reports
#    repeats it;
#  - bad input is refused with exit 2 and a message that names it.

set -u

# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/lib.sh"

CPUSTEER=${CPUSTEER:-$(dirname "$0")/../build/cpusteer}

EXIT_OK=0
EXIT_USAGE=2

CMD_TIMEOUT=30		# a live case takes well under a second

require_cmd jq timeout cmp
[[ -x $CPUSTEER ]] || ktap_exit_skip "no cpusteer binary at $CPUSTEER (run make)"

tmp=""

# shellcheck disable=SC2317	# called by the EXIT trap
cleanup()
{
	[[ -z $tmp ]] || rm -rf "$tmp"
}
trap cleanup EXIT

tmp=$(mktemp -d) || ktap_exit_skip "cannot make a temporary directory"

# --- Helpers ----------------------------------------------------------------

out=$tmp/out
err=$tmp/err
rc=0

# gen_host ARGS...: cpusteer gen outside any namespace (pcaps, refusals).
gen_host()
{
	timeout -k 2 "$CMD_TIMEOUT" "$CPUSTEER" gen "$@" > "$out" 2> "$err"
	rc=$?
}

# check NAME WHY: ok if WHY is empty, else not ok with WHY and the output.
check()
{
	local name=$1 why=$2

	if [[ -z $why ]]; then
		ktap_ok "$name"
		return 0
	fi
	ktap_not_ok "$name" "${why%; }"
	sed 's/^/# stdout: /' "$out"
	sed 's/^/# stderr: /' "$err"
	return 1
}

# want_rc RC: why the last run did not exit RC (empty if it did).
want_rc()
{
	[[ $rc -eq $1 ]] || printf 'exit %s, want %s; ' "$rc" "$1"
}

# want FILE REGEX: why FILE does not match REGEX (empty if it does).
want()
{
	grep -Eq -- "$2" "$1" || printf '%s does not match /%s/; ' \
		"$(basename "$1")" "$2"
}

# --- Cases -----------------------------------------------------------------

ktap_header
ktap_plan 12

# --- Reproducible: the same seed, the same bytes ------------------------------

pcap_args=(--flows 100 --count 20000)
gen_host --pcap "$tmp/z1.pcap" "${pcap_args[@]}" --dist zipf:1.1 --seed 42
gen_host --pcap "$tmp/z2.pcap" "${pcap_args[@]}" --dist zipf:1.1 --seed 42
check "zipf: two pcaps of --seed 42 are the same bytes" \
	"$(want_rc $EXIT_OK)$(cmp "$tmp/z1.pcap" "$tmp/z2.pcap" 2>&1)"
gen_host --pcap "$tmp/e1.pcap" "${pcap_args[@]}" --dist elephants:4:0.8 --seed 42
gen_host --pcap "$tmp/e2.pcap" "${pcap_args[@]}" --dist elephants:4:0.8 --seed 42
check "elephants: two pcaps of --seed 42 are the same bytes" \
	"$(want_rc $EXIT_OK)$(cmp "$tmp/e1.pcap" "$tmp/e2.pcap" 2>&1)"
gen_host --pcap "$tmp/z3.pcap" "${pcap_args[@]}" --dist zipf:1.1 --seed 43
check "zipf: --seed 43 gives other frames than --seed 42" \
	"$(want_rc $EXIT_OK)$(cmp -s "$tmp/z1.pcap" "$tmp/z3.pcap" && echo "the pcaps are the same")"

# Unseeded: the reported seed, given back, repeats the run.
gen_host --pcap "$tmp/u1.pcap" "${pcap_args[@]}" --dist elephants:4:0.8
seed=$(sed -n 's/.*, seed \([0-9]*\)).*/\1/p' "$out")
gen_host --pcap "$tmp/u2.pcap" "${pcap_args[@]}" --dist elephants:4:0.8 --seed "${seed:-none}"
check "unseeded: the seed the text report gives repeats the run" \
	"$(want_rc $EXIT_OK)$(cmp "$tmp/u1.pcap" "$tmp/u2.pcap" 2>&1)"
gen_host --pcap "$tmp/u3.pcap" "${pcap_args[@]}" --dist zipf:1.1 --json
seed=$(jq -r .seed "$out" 2> /dev/null)
gen_host --pcap "$tmp/u4.pcap" "${pcap_args[@]}" --dist zipf:1.1 --seed "${seed:-none}"
check "unseeded: the seed --json gives, read by jq, repeats the run" \
	"$(want_rc $EXIT_OK)$(cmp "$tmp/u3.pcap" "$tmp/u4.pcap" 2>&1)"

# --- Bad input: exit 2, "cpusteer gen: error:", the input named --------------

refusal()
{
	local name=$1 re=$2

	shift 2
	gen_host "$@"
	check "refused: $name" "$(want_rc $EXIT_USAGE)$(want "$err" "^cpusteer gen: error: $re")"
}
p=$tmp/r.pcap
refusal "--size 63 (under 64 with FCS)" "--size 63 does not fit: give 64 to .*at least 64" --pcap "$p" --size 63
refusal "--size 62 (fits the headers)" "--size 62 does not fit: give 64 to .*need 62" --pcap "$p" --size 62
refusal "--rate with --pcap" "--rate paces live sending.*drop --rate" --pcap "$p" --rate 1000
refusal "--duration with --pcap" "--duration bounds live sending.*drop --duration" --pcap "$p" --duration 1
refusal "--seed -1" "--seed '-1' is not a decimal whole number from 0 to 18446744073709551615" --pcap "$p" --seed -1
refusal "--seed 2^64" "--seed '18446744073709551616' is not a decimal" --pcap "$p" --seed 18446744073709551616
gen_host --pcap "$p" --size 64 --seed 18446744073709551615
check "--size 64 and --seed 2^64-1 are taken" \
	"$(want_rc $EXIT_OK)$(want "$out" "^wrote 1000 frames \\(16 flows, 64 bytes, seed 18446744073709551615\\)")"

ktap_finish
