#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Run an installed cpusteer kselftest tree ('make -C selftests install
# INSTALL_PATH=DIR'), laid out as the kernel's selftests install theirs:
# DIR/kselftest-list.txt names "collection:test" lines, each test lives in
# DIR/collection/ with that collection's settings (timeout) and config. The
# kernel's own run_kselftest.sh runs such a tree too; this one needs
# nothing else.
#
# Usage: run_kselftest.sh [-l] [-c COLLECTION] [-t COLLECTION:TEST]...

set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
list=$here/kselftest-list.txt

usage()
{
	cat <<USAGE
Usage: $0 [-l] [-c COLLECTION] [-t COLLECTION:TEST]...
  -l               list the tests and exit
  -c COLLECTION    run only this collection's tests
  -t COLL:TEST     run only this test (may be given several times)
  -h               this text
Without options, every test in $list runs. Exit status: 0 if none failed.
USAGE
}

[[ -r $list ]] || { echo "$0: no $list: install the tree first" >&2; exit 2; }
mapfile -t all < "$list"
chosen=()
collection=""
while getopts "lc:t:h" opt; do
	case $opt in
	l) printf '%s\n' "${all[@]}"; exit 0 ;;
	c) collection=$OPTARG ;;
	t) chosen+=("$OPTARG") ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
if ((${#chosen[@]} == 0)); then
	for t in "${all[@]}"; do
		[[ -z $collection || ${t%%:*} == "$collection" ]] && chosen+=("$t")
	done
fi
for t in "${chosen[@]}"; do
	printf '%s\n' "${all[@]}" | grep -qxF -- "$t" ||
		{ echo "$0: no test $t (see $0 -l)" >&2; exit 2; }
done
((${#chosen[@]})) || { echo "$0: no test to run" >&2; exit 2; }

# One collection today: its own runner, from its directory.
coll=${chosen[0]%%:*}
tests=()
for t in "${chosen[@]}"; do
	[[ ${t%%:*} == "$coll" ]] ||
		{ echo "$0: one collection at a time ($coll, ${t%%:*})" >&2; exit 2; }
	tests+=("./${t#*:}")
done
cd "$here/$coll" && exec ./kselftest_runner.sh "${tests[@]}"
