// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * A broken stage 2, for test_stats.sh: every frame gets XDP_ABORTED, which
 * the cpumap thread drops and reports through the xdp_exception
 * tracepoint with the frame's RX device. cpusteer stats must count each
 * one (xdp_exception, the target's drop verdicts) and say so in a hint.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp/cpumap")
int s2_abort(struct xdp_md *ctx)
{
	return XDP_ABORTED;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
