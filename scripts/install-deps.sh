#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Install the Debian packages cpusteer needs to build, test and demo.
#
# Idempotent and quiet: when everything is present it prints nothing and
# exits 0, so `make demo`, `make check` and CI can call it every time and
# only pay for apt when something is really missing.
#
# --vm also installs what scripts/vmtest needs (make vmtest asks for it):
# qemu, a static busybox and a Debian 6.1 kernel. Only when asked: they are
# large, and make check and demo run on the host's own kernel.

set -u

readonly PROG=${0##*/}

# clang-19/llvm-19 build the BPF objects (clang -target bpf, llvm-strip);
# bpftool generates skeletons; hwloc gives topology; libpcap, json-c and
# libinih back the loader's pcap replay, --json and config file; libmnl
# asks the kernel's netdev netlink family what a device offers XDP;
# iproute2/ethtool build the veth testbeds, jq reads JSON in the tests,
# strace slows a command down for the concurrency tests, util-linux gives
# unshare/nsenter/flock; gnuplot-nox draws benchmark plots; systemd gives
# systemd-analyze, which checks cpusteer.service; ncurses draws
# cpusteer top, which the tests drive in tmux.
PACKAGES=(
	clang-19 llvm-19 libbpf-dev bpftool libelf-dev zlib1g-dev
	libhwloc-dev hwloc libpcap-dev libjson-c-dev libinih-dev libmnl-dev
	libncurses-dev iproute2 ethtool jq strace util-linux make gcc
	pkg-config gnuplot-nox systemd linux-perf tmux
)

# scripts/vmtest: qemu-system-x86_64, a busybox that runs in an initramfs
# with no libraries, and kmod (modprobe in the guest; Debian has it, a
# container image may not). The kernel is added by add_vm_kernel.
VM_PACKAGES=(qemu-system-x86 busybox-static kmod)

# The guest kernel: Debian 12's own 6.1, with BTF and veth, 9p and
# virtio-net as modules. Its package name carries an ABI number that
# changes with every point release, so pick the newest the lists offer.
VM_KERNEL_GLOB='/boot/vmlinuz-6.1.0-*-amd64'
VM_KERNEL_RE='^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$'

# Older Debian releases have no clang-19; their default clang still
# targets BPF, so fall back to the unversioned toolchain there.
CLANG_FALLBACK=(clang llvm)

usage()
{
	echo "usage: $PROG [--vm]" >&2
	echo "  --vm  also install what scripts/vmtest needs (qemu, busybox-static, a 6.1 kernel)" >&2
	exit 2
}

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

# A 6.1 kernel with its modules is there (from any linux-image-6.1.0-N-amd64
# package, signed or not): vmtest's default guest.
has_vm_kernel()
{
	local img

	for img in $VM_KERNEL_GLOB; do
		[[ -r $img && -r /lib/modules/${img#/boot/vmlinuz-}/modules.dep ]] &&
			return 0
	done
	return 1
}

# vm_kernel_package: the newest linux-image-6.1.0-N-amd64-unsigned that has
# an install candidate in the package lists, if any.
vm_kernel_package()
{
	local pkg newest=""

	for pkg in $(apt-cache search --names-only "$VM_KERNEL_RE" 2> /dev/null |
		     cut -d ' ' -f 1 | sort -V); do
		has_candidate "$pkg" && newest=$pkg
	done
	[[ -n $newest ]] && echo "$newest"
}

# Adds the kernel to $missing; the lists may not be there yet the first
# time (before apt-get update), so only the second try must succeed.
add_vm_kernel()
{
	local pkg kept=()

	for pkg in "${missing[@]}"; do
		[[ $pkg == linux-image-6.1.0-* ]] || kept+=("$pkg")
	done
	missing=("${kept[@]}")
	pkg=$(vm_kernel_package) || return 1
	missing+=("$pkg")
}

# promtool checks cpusteer's Prometheus output in the tests. Debian has it
# only in the prometheus package, which would also install and start a
# Prometheus server: take the one static binary out of the package
# instead, into build/ (where the tests look), and install nothing.
TOP=$(cd "$(dirname "$0")/.." && pwd)
PROMTOOL=$TOP/build/promtool

ensure_promtool()
{
	local tmp

	[[ -x $PROMTOOL ]] && return 0
	tmp=$(mktemp -d) || return 0
	if ! (cd "$tmp" && apt-get download prometheus > /dev/null 2>&1); then
		[[ $EUID -eq 0 ]] && apt-get update > /dev/null 2>&1 &&
			(cd "$tmp" && apt-get download prometheus > /dev/null 2>&1)
	fi
	if compgen -G "$tmp/prometheus_*.deb" > /dev/null &&
	   dpkg-deb -x "$tmp"/prometheus_*.deb "$tmp/x" &&
	   [[ -x $tmp/x/usr/bin/promtool ]]; then
		mkdir -p "${PROMTOOL%/*}" && cp "$tmp/x/usr/bin/promtool" "$PROMTOOL"
	else
		echo "$PROG: could not take promtool out of Debian's prometheus package; the tests check the Prometheus format without it" >&2
	fi
	rm -rf "$tmp"
	return 0
}

main()
{
	want_vm=0
	case ${1:-} in
	"")	;;
	--vm)	want_vm=1
		PACKAGES+=("${VM_PACKAGES[@]}") ;;
	*)	usage ;;
	esac
	[[ $# -le 1 ]] || usage

	command -v dpkg-query > /dev/null ||
		die "dpkg-query not found: this script is for Debian and derivatives"

	find_missing
	apply_clang_fallback
	need_kernel=0
	if [[ $want_vm == 1 ]] && ! has_vm_kernel; then
		need_kernel=1
		add_vm_kernel
	fi
	if [[ ${#missing[@]} -eq 0 && $need_kernel == 0 ]]; then
		ensure_promtool
		exit 0
	fi

	if [[ $EUID -ne 0 ]]; then
		[[ $need_kernel == 0 || " ${missing[*]} " == *" linux-image-"* ]] ||
			missing+=("linux-image-6.1.0-N-amd64-unsigned")
		die "missing packages: ${missing[*]}
run as root:  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
	fi

	echo "$PROG: installing ${missing[*]}" >&2
	apt-get update || die "apt-get update failed; check network and /etc/apt/sources.list*"

	# The fresh lists may show clang-19 is not there after all, and
	# which 6.1 kernel is the newest.
	apply_clang_fallback
	if [[ $need_kernel == 1 ]]; then
		add_vm_kernel ||
			die "no linux-image-6.1.0-N-amd64-unsigned in the package lists: scripts/vmtest needs a Debian 12 kernel (or a bzImage: vmtest --kernel PATH)"
	fi
	if [[ ${#missing[@]} -eq 0 ]]; then
		ensure_promtool
		exit 0
	fi

	DEBIAN_FRONTEND=noninteractive apt-get install -y \
		--no-install-recommends "${missing[@]}" ||
		die "apt-get install failed for: ${missing[*]}"

	find_missing
	[[ $want_vm == 0 ]] || has_vm_kernel || missing+=("a $VM_KERNEL_GLOB")
	[[ ${#missing[@]} -eq 0 ]] ||
		die "still missing after install: ${missing[*]}"
	ensure_promtool
}

main "$@"
