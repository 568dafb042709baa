/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Layer 2: the cursor every parser moves, Ethernet and VLAN tags. Knows
 * nothing of IP or tunnels. Every helper checks its own bounds against the
 * cursor's end, advances the cursor, and returns the next protocol (>= 0)
 * or a negative enum cs_reason; every loop has a named bound from
 * cpusteer.h.
 */
#ifndef CS_L2_H
#define CS_L2_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "cpusteer.h"

struct cs_cursor {
	void *pos;
	void *end;
};

/*
 * Take a header of type @type at the cursor: NULL when it does not fit in
 * the frame, else the header, with the cursor moved past it. The comparison
 * is written on the header pointer (verifier workaround: a comparison on a
 * computed end would not prove the header's range to it).
 */
#define cs_pull(c, type)						\
	({								\
		type *__h = (c)->pos;					\
		if ((void *)(__h + 1) > (c)->end)			\
			__h = NULL;					\
		else							\
			(c)->pos = (void *)(__h + 1);			\
		__h;							\
	})

/* Not <linux/if_ether.h>'s ethhdr: that one is packed, which makes clang
 * load h_proto a byte at a time.
 */
struct cs_ethhdr {
	__u8 dst[6];
	__u8 src[6];
	__be16 proto;
};

struct cs_vlanhdr {
	__be16 tci;
	__be16 encap_proto;
};

/* 802.1Q, 802.1ad, and the 0x9100 that QinQ used before 802.1ad. */
static __always_inline int eth_is_vlan(__be16 proto)
{
	return proto == bpf_htons(ETH_P_8021Q) ||
	       proto == bpf_htons(ETH_P_8021AD) ||
	       proto == bpf_htons(ETH_P_QINQ1);
}

/* Ethernet, then up to CS_VLAN_MAX 802.1Q/802.1ad tags in any order. */
static __always_inline int eth_parse(struct cs_cursor *c, __be16 *proto)
{
	struct cs_ethhdr *eth = cs_pull(c, struct cs_ethhdr);
	int i;

	if (!eth)
		return -CS_REASON_TRUNCATED;
	*proto = eth->proto;

#pragma unroll
	for (i = 0; i < CS_VLAN_MAX; i++) {
		struct cs_vlanhdr *vlan;

		if (!eth_is_vlan(*proto))
			return 0;
		vlan = cs_pull(c, struct cs_vlanhdr);
		if (!vlan)
			return -CS_REASON_TRUNCATED;
		*proto = vlan->encap_proto;
	}
	return eth_is_vlan(*proto) ? -CS_REASON_VLAN_DEPTH : 0;
}

#endif /* CS_L2_H */
