#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# The installed kselftest tree ('make -C selftests install INSTALL_PATH=DIR')
# is self-contained: laid out as the kernel's (DIR/kselftest-list.txt,
# DIR/cpusteer/ with settings and config), carrying what its tests run, and
# runnable from anywhere with DIR/run_kselftest.sh. Only from a source
# tree: an installed tree has no Makefile to install from.

. "$(dirname "$0")/lib.sh"

SRC=$(cd "$(dirname "$0")" && pwd)

require_root
require_cmd make install
[[ -r $SRC/Makefile ]] || ktap_exit_skip "not a source tree: nothing to install from"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
KST=$TMP/kst

ktap_header
ktap_plan 6

ktap_check "make -C selftests install INSTALL_PATH=DIR" \
	make -s --no-print-directory -C "$SRC" install INSTALL_PATH="$KST"

# Every test the Makefile runs is listed, and is in the tree, executable.
layout()
{
	local want t

	want=$(make -s --no-print-directory -C "$SRC" -pn 2> /dev/null |
	       sed -n 's/^TEST_\(GEN_PROGS\|PROGS\) := //p' | tr ' ' '\n' |
	       sed '/^$/d; s/^/cpusteer:/')
	[[ $want == "$(cat "$KST/kselftest-list.txt")" ]] ||
		{ echo "kselftest-list.txt: $(cat "$KST/kselftest-list.txt")"; echo "want: $want"; return 1; }
	while read -r t; do
		[[ -x $KST/cpusteer/${t#cpusteer:} ]] || { echo "no ${t#cpusteer:}"; return 1; }
	done < "$KST/kselftest-list.txt"
}
ktap_check "kselftest-list.txt names every test, each in cpusteer/" layout
ktap_check "settings (a timeout) and config (a kernel config fragment)" \
	bash -c "grep -q '^timeout=[0-9]' '$KST/cpusteer/settings' &&
		 grep -q '^CONFIG_BPF_SYSCALL=y' '$KST/cpusteer/config'"
ktap_check "the tree carries cpusteer itself" "$KST/cpusteer/cpusteer" --version
ktap_check "run_kselftest.sh -l lists what kselftest-list.txt does" \
	bash -c "cmp -s <('$KST/run_kselftest.sh' -l) '$KST/kselftest-list.txt'"
# From elsewhere, with nothing of the source tree on the way: test_plan
# needs the tree's cpusteer, its recorded topologies and its helpers.
ktap_check "run_kselftest.sh -t cpusteer:test_plan.sh passes, run from /" \
	bash -c "cd / && env -u CPUSTEER '$KST/run_kselftest.sh' -t cpusteer:test_plan.sh |
		 grep -q '^ok 1 selftests: cpusteer: test_plan.sh$'"
ktap_finish
