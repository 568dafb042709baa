// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Programs that do not fit as a custom stage 2, each refused by
 * cpusteer attach --stage2-obj with a message that says why (and one that
 * fits, so that the object holds several cpumap programs). test_custom.sh.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

/* For an interface, not a cpumap. */
SEC("xdp")
int for_iface(struct xdp_md *ctx)
{
	return XDP_PASS;
}

/* Multi-buffer: cpusteer's stage 1 is not. */
SEC("xdp.frags/cpumap")
int with_frags(struct xdp_md *ctx)
{
	return XDP_PASS;
}

/* Not XDP at all. */
SEC("tc")
int not_xdp(struct __sk_buff *skb)
{
	return TC_ACT_OK;
}

/* The verifier refuses it: a packet read without a bounds check. */
SEC("xdp/cpumap")
int unchecked(struct xdp_md *ctx)
{
	__u8 *p = (void *)(long)ctx->data;

	return p[20] ? XDP_PASS : XDP_DROP;
}

/* This one fits. */
SEC("xdp/cpumap")
int fits(struct xdp_md *ctx)
{
	return XDP_PASS;
}

/* Fits too, under the name of cpusteer's own filter: still the user's. */
SEC("xdp/cpumap")
int cs_stage2_flt(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
