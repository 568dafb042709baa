/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What stage 1 hands to stage 2: the XDP metadata area of each frame it
 * steers, when the attachment writes metadata (stage 2 "filter", or
 * attach --meta). For users who write their own stage 2 (--stage2-obj):
 *
 *	#include "cs_meta.h"
 *
 *	SEC("xdp/cpumap")
 *	int my_stage2(struct xdp_md *ctx)
 *	{
 *		void *data = (void *)(long)ctx->data;
 *		struct cs_meta *m = (void *)(long)ctx->data_meta;
 *
 *		if ((void *)(m + 1) > data || m->version != CS_META_VERSION)
 *			return XDP_PASS;	// no metadata: parse yourself
 *		// m->hash, m->bucket, data + m->l3_off, ...
 *	}
 *
 * The struct sits at data_meta: stage 1 grows the area by sizeof(struct
 * cs_meta) in front of whatever metadata the driver left (usually none).
 * The kernel keeps the area across the cpumap and into the SKB it builds
 * (skb_metadata_len()), so a TC program on the target CPU can read it too.
 * Layout rules: every field at its natural alignment, the size a multiple
 * of 4 (bpf_xdp_adjust_meta() requires it), new fields only at the end
 * with a new version.
 */
#ifndef CS_META_H
#define CS_META_H

#include <linux/types.h>

#define CS_META_VERSION		1

/* struct cs_meta.flags */
#define CS_META_F_LOC		0x1	/* l3_off, ipver, l4_proto are set */
#define CS_META_F_L4		0x2	/* l4_off is set: not a fragment (a
					 * first fragment's L4 header follows
					 * its IP headers; stage 2 filter finds
					 * it itself)
					 */
#define CS_META_F_SWAPPED	0x4	/* the flow came from an ICMP error's
					 * quote: its source is the quoted
					 * header's destination; icmp_l3_off
					 * and icmp_ipver give the error's
					 * own IP header
					 */

struct cs_meta {
	__u32 hash;	/* top 32 bits of the 64-bit keyed flow hash */
	__u32 bucket;	/* indirection-table bucket the hash chose */
	__u16 encap;	/* 1 << enum cs_encap per encapsulation entered */
	__u16 l3_off;	/* frame start (data) to the IPv4/IPv6 header whose
			 * addresses are the flow: the innermost one reached
			 */
	__u16 l4_off;	/* frame start to that header's L4 header */
	__u16 icmp_l3_off; /* with CS_META_F_SWAPPED: the ICMP error's own
			    * IP header (else 0)
			    */
	__u8 ipver;	/* 4 or 6 */
	__u8 l4_proto;	/* IPPROTO_* after any IPv6 extension headers */
	__u8 icmp_ipver; /* with CS_META_F_SWAPPED: 4 or 6 */
	__u8 pad;
	__u16 flags;	/* CS_META_F_* */
	__u16 version;	/* CS_META_VERSION */
};

#endif /* CS_META_H */
