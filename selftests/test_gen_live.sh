#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# cpusteer gen, as a user would check it:
#  - bad input is refused with exit 2 and a message that names it.

set -u

# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/lib.sh"

CPUSTEER=${CPUSTEER:-$(dirname "$0")/../build/cpusteer}

EXIT_OK=0
EXIT_USAGE=2

CMD_TIMEOUT=30		# a live case takes well under a second

require_cmd timeout
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
ktap_plan 5

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
gen_host --pcap "$p" --size 64
check "--size 64 is taken" \
	"$(want_rc $EXIT_OK)$(want "$out" "^wrote 1000 frames \\(16 flows, 64 bytes\\)")"

ktap_finish
