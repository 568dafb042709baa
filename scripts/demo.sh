#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# make demo: cpusteer's main job on a veth testbed of its own. Namespace A
# sends UDP flows to namespace B, whose veth has cpusteer attached across
# every online CPU; "cpusteer stats" shows the spread live, then each flow
# reports the CPU its datagrams were processed on. Bounded in packets and
# time; everything it creates is removed on exit.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
CPUSTEER=$top/build/cpusteer
UDP_FLOWS=$top/selftests/build/udp_flows
FLOWS=${FLOWS:-64}
PACKETS=${PACKETS:-2000}	# per flow
RATE=${RATE:-40000}		# datagrams per second, all flows

. "$top/selftests/lib.sh"

die() { echo "demo: $*" >&2; exit 1; }
[[ $EUID -eq 0 ]] || die "run as root: it creates namespaces and attaches XDP"
[[ -x $CPUSTEER && -x $UDP_FLOWS ]] || die "build first: make && make -C selftests"
bpffs_mounted || die "cannot mount bpffs on /sys/fs/bpf"

TMP=$(mktemp -d)
cleanup()
{
	[[ -n ${NS_B:-} ]] && nsenter --net="/run/netns/$NS_B" \
		"$CPUSTEER" detach "$VETH_B" > /dev/null 2>&1
	netns_cleanup
	rm -rf "$TMP"
}
trap cleanup EXIT
netns_setup demo > /dev/null || die "could not build the veth testbed"
in_b() { nsenter --net="/run/netns/$NS_B" "$@"; }

cpus=$(cat /sys/devices/system/cpu/online)
echo "== testbed: $NS_A/$VETH_A ($IP_A) -> $NS_B/$VETH_B ($IP_B), CPUs $cpus"
echo "== cpusteer attach $VETH_B --cpus $cpus"
in_b "$CPUSTEER" attach "$VETH_B" --cpus "$cpus" || die "attach failed"
in_b "$CPUSTEER" status "$VETH_B"

secs=$(( FLOWS * PACKETS / RATE + 2 ))
echo "== $FLOWS flows x $PACKETS datagrams at $RATE/s; cpusteer stats every second"
ip netns exec "$NS_B" "$UDP_FLOWS" recv --src "$IP_A" --dst "$IP_B" \
	--flows "$FLOWS" --packets "$PACKETS" --timeout $((secs + 5)) \
	> "$TMP/recv" 2> "$TMP/recv.err" &
recv=$!
wait_for "$TMP/recv.err" listening || die "the receiver did not start"
in_b "$CPUSTEER" stats "$VETH_B" --interval 1 --count "$secs" &
stats=$!
ip netns exec "$NS_A" "$UDP_FLOWS" send --src "$IP_A" --dst "$IP_B" \
	--flows "$FLOWS" --packets "$PACKETS" --rate "$RATE" > /dev/null
wait $recv
wait $stats

echo "== where the flows landed (SO_INCOMING_CPU on the receiving sockets)"
jq -r -s '
	"flows: \(length), datagrams received: \(map(.received) | add), lost: \(map(.lost) | add), reordered: \(map(.reordered) | add)",
	(group_by(.cpus) | .[] | "  CPU \(.[0].cpus | map(tostring) | join(",")): \(length) flows")
' "$TMP/recv"
echo "== cpusteer detach $VETH_B"
in_b "$CPUSTEER" detach "$VETH_B"
