// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * For test_stats.sh: an XDP program that aborts every frame, attached in
 * generic (SKB) mode beside cpusteer's native one, so the kernel raises an
 * xdp_exception on the interface for each frame that reaches the stack.
 * cpusteer stats must count each one for its own interface only.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_abort(struct xdp_md *ctx)
{
	return XDP_ABORTED;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
