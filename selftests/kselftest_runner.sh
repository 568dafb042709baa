#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Run cpusteer selftests and report them as one KTAP/TAP 13 stream, the
# format the kernel's kselftest tooling and CI parsers understand.
#
# Usage: kselftest_runner.sh [-t TIMEOUT] TEST...
#
# Each TEST is a path to an executable. Its output is streamed with a "# "
# prefix so it nests inside our TAP stream as diagnostics. Exit codes follow
# kselftest: 0 pass, 4 skip, anything else fail; 124 means our timeout hit.

set -u
shopt -s lastpipe	# the read loop below must set variables in this shell

readonly SUITE="cpusteer"
readonly KSFT_SKIP=4
readonly TIMEOUT_RC=124		# coreutils timeout: TERM was enough
readonly TIMEOUT_KILL_RC=137	# 128 + SIGKILL: the test ignored TERM
readonly KILL_AFTER=5		# seconds between TERM and KILL
readonly DEFAULT_TIMEOUT=45	# same default as the kernel's kselftest

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

usage()
{
	echo "usage: $0 [-t TIMEOUT] TEST..." >&2
	echo "  TIMEOUT: seconds per test, 0 for none (default: settings file, else $DEFAULT_TIMEOUT)" >&2
	exit 2
}

# A "settings" file beside us may hold timeout=N, like a kselftest dir.
settings_timeout()
{
	local file="$script_dir/settings" key val

	[[ -r $file ]] || return 1
	while IFS='=' read -r key val; do
		if [[ $key == timeout ]]; then
			echo "${val//[[:space:]]/}"
			return 0
		fi
	done < "$file"
	return 1
}

is_uint()
{
	[[ $1 =~ ^[0-9]+$ ]]
}

# Print the test's output as "# " lines while it runs, so a hung test still
# shows how far it got. Sets $skip_reason from its last SKIP line, if any.
run_one()
{
	local path=$1 line

	skip_reason=""
	timeout -k "$KILL_AFTER" "$timeout" "$path" < /dev/null 2>&1 |
	while IFS= read -r line || [[ -n $line ]]; do
		printf '# %s\n' "$line"
		case $line in
		*"# SKIP"*)
			skip_reason=${line#*# SKIP}
			;;
		*"SKIP:"*)
			skip_reason=${line#*SKIP:}
			;;
		esac
	done
	rc=${PIPESTATUS[0]}
	# Trim leading blanks so "# SKIP  why" reports as "# SKIP why".
	skip_reason=${skip_reason#"${skip_reason%%[![:space:]]*}"}
}

timeout=""
while getopts "t:h" opt; do
	case $opt in
	t) timeout=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[[ $# -gt 0 ]] || usage

if [[ -z $timeout ]]; then
	timeout=$(settings_timeout) || timeout=$DEFAULT_TIMEOUT
fi
if ! is_uint "$timeout"; then
	echo "$0: timeout must be a whole number of seconds, got '$timeout'" >&2
	exit 2
fi

pass=0
fail=0
skip=0
num=0

echo "TAP version 13"
echo "1..$#"

for test in "$@"; do
	num=$((num + 1))
	name=$(basename "$test")
	path=$test
	[[ $path == */* ]] || path="./$path"	# never search $PATH

	echo "# selftests: $SUITE: $name"
	start=$SECONDS
	run_one "$path"
	elapsed=$((SECONDS - start))

	# Only a KILL that came from timeout (after the limit) is a timeout;
	# one from elsewhere (OOM killer) is an ordinary failure.
	if [[ $rc -eq $TIMEOUT_KILL_RC && $timeout -gt 0 &&
	      $elapsed -ge $timeout ]]; then
		rc=$TIMEOUT_RC
	fi

	case $rc in
	0)
		pass=$((pass + 1))
		echo "ok $num selftests: $SUITE: $name"
		;;
	"$KSFT_SKIP")
		skip=$((skip + 1))
		echo "ok $num selftests: $SUITE: $name # SKIP${skip_reason:+ $skip_reason}"
		;;
	"$TIMEOUT_RC")
		fail=$((fail + 1))
		echo "not ok $num selftests: $SUITE: $name # TIMEOUT $timeout seconds"
		;;
	*)
		fail=$((fail + 1))
		echo "not ok $num selftests: $SUITE: $name # exit=$rc"
		;;
	esac
done

echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:$skip error:0"
echo "selftests: $pass passed, $fail failed, $skip skipped"

[[ $fail -eq 0 ]]
