#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Install the Debian packages cpusteer needs to build, test and demo.
#
# Idempotent and quiet: when everything is present it prints nothing and
# exits 0, so `make demo`, `make check` and CI can call it every time and
# only pay for apt when something is really missing.

set -u

readonly PROG=${0##*/}

# clang-19/llvm-19 build the BPF objects (clang -target bpf, llvm-strip);
# bpftool generates skeletons; hwloc gives topology; libpcap, json-c and
# libconfig back the loader's pcap replay, --json and config file; libmnl
# asks the kernel's netdev netlink family what a device offers XDP;
# iproute2/ethtool build the veth testbeds, jq reads JSON in the tests,
# strace slows a command down for the concurrency tests, util-linux gives
# unshare/nsenter/flock; gnuplot-nox draws benchmark plots.
PACKAGES=(
	clang-19 llvm-19 libbpf-dev bpftool libelf-dev zlib1g-dev
	libhwloc-dev hwloc libpcap-dev libjson-c-dev libconfig-dev libmnl-dev
	iproute2 ethtool jq strace util-linux make gcc pkg-config gnuplot-nox
)

# Older Debian releases have no clang-19; their default clang still
# targets BPF, so fall back to the unversioned toolchain there.
CLANG_FALLBACK=(clang llvm)

die()
{
	echo "$PROG: $*" >&2
	exit 1
}

is_installed()
{
	[[ $(dpkg-query -W -f='${Status}' "$1" 2> /dev/null) == \
	   "install ok installed" ]]
}

# Only the local package lists are read: no network, no root needed.
has_candidate()
{
	local cand

	cand=$(apt-cache policy "$1" 2> /dev/null |
	       sed -n 's/^ *Candidate: *//p')
	[[ -n $cand && $cand != "(none)" ]]
}

# Sets $missing to the packages that are not installed yet.
find_missing()
{
	local pkg

	missing=()
	for pkg in "${PACKAGES[@]}"; do
		is_installed "$pkg" || missing+=("$pkg")
	done
}

# If clang-19 can't be had, ask for clang/llvm instead of it and llvm-19.
apply_clang_fallback()
{
	local pkg kept=()

	[[ " ${missing[*]} " == *" clang-19 "* ]] || return 0
	has_candidate clang-19 && return 0

	echo "$PROG: clang-19 is not available here, using ${CLANG_FALLBACK[*]}" >&2
	for pkg in "${PACKAGES[@]}"; do
		[[ $pkg == clang-19 || $pkg == llvm-19 ]] || kept+=("$pkg")
	done
	PACKAGES=("${kept[@]}" "${CLANG_FALLBACK[@]}")
	find_missing
}

main()
{
	command -v dpkg-query > /dev/null ||
		die "dpkg-query not found: this script is for Debian and derivatives"

	find_missing
	apply_clang_fallback
	[[ ${#missing[@]} -eq 0 ]] && exit 0

	if [[ $EUID -ne 0 ]]; then
		die "missing packages: ${missing[*]}
run as root:  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
	fi

	echo "$PROG: installing ${missing[*]}" >&2
	apt-get update || die "apt-get update failed; check network and /etc/apt/sources.list*"

	# The fresh lists may show clang-19 is not there after all.
	apply_clang_fallback
	[[ ${#missing[@]} -eq 0 ]] && exit 0

	DEBIAN_FRONTEND=noninteractive apt-get install -y \
		--no-install-recommends "${missing[@]}" ||
		die "apt-get install failed for: ${missing[*]}"

	find_missing
	[[ ${#missing[@]} -eq 0 ]] ||
		die "still missing after install: ${missing[*]}"
}

main "$@"
