/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The flow key and the keyed flow hash. Compiled into the stage-1 program and
 * into the selftests, which compute the bucket a parsed tuple must land in;
 * nothing in userspace uses it to predict steering (cpusteer classify runs
 * the BPF program itself).
 */
#ifndef CS_HASH_H
#define CS_HASH_H

#include <linux/types.h>
#include "cpusteer.h"

/* murmur3's fmix64 multiplier: odd, with well-spread bits. */
#define CS_HASH_MIX	0xff51afd7ed558ccdULL

#ifdef __bpf__
#define CS_INLINE static __always_inline
#else
#define CS_INLINE static inline
#endif

/*
 * What the hash sees. IPv6 addresses are folded to 32 bits (XOR of the four
 * words) so both families take the same path; ports stay in network order
 * exactly as read, and are zero when the mode or the packet has none. The
 * fields are 64-bit although the values are not: the BPF loads that fill
 * them zero-extend already, and narrower fields make clang add shift pairs
 * to zero-extend again before the hash.
 */
struct cs_flow {
	__u64 src;
	__u64 dst;
	__u64 sport;
	__u64 dport;
	__u64 proto;
	__u64 tunnel_id;	/* VNI / GRE key / TEID, with CS_TUN_ID */
	/* Where the flow's headers are (struct cs_meta), not hashed. */
	__u16 l3_off;		/* frame start to the IPv4/IPv6 header */
	__u16 l4_off;		/* frame start to its L4 header; 0: none */
	__u16 icmp_l3_off;	/* an ICMP error: its own IP header */
	__u8 ipver;		/* 4 or 6 */
	__u8 icmp_ipver;	/* an ICMP error: its own IP version */
};

/*
 * Keyed hash. Each endpoint becomes one 64-bit word (protocol, address,
 * port), each word is multiplied by a random odd 64-bit key word and the
 * products are summed (vector multiply-shift, keyed by its multipliers);
 * one xorshift-multiply round follows, and the bucket is taken from the TOP
 * bits, which depend on every input bit. Symmetric modes use one multiplier
 * for both endpoints: the sum then does not depend on which endpoint is the
 * source, with no branch to order them, and each address stays paired with
 * its own port.
 *
 * The round matters: the sum alone is linear, so flows whose ports count up
 * (ephemeral ports, generators) would land in buckets that step by a
 * constant and, with an even step, all on the same CPU. Three multiplies in
 * all: the cheapest keyed hash we found that spreads such flows (SipHash
 * would cost several times the stage-1 budget); it is not meant as a PRF.
 */
CS_INLINE __u64 cs_hash_flow(const struct cs_flow *f, __u64 k0, __u64 k1,
			     int symmetric, int with_tunnel_id)
{
	__u64 src = f->proto << 48 | f->src << 16 | f->sport;
	__u64 dst = f->proto << 48 | f->dst << 16 | f->dport;
	__u64 h;

	h = src * k0 + dst * (symmetric ? k0 : k1);
	/* A load-time constant in stage 1: without --tunnel-id the verifier
	 * drops the multiply (clang would not: both fast paths share it).
	 */
	if (with_tunnel_id)
		h += f->tunnel_id * k1;
	h ^= h >> 32;
	return h * CS_HASH_MIX;
}

/* Top bits of the hash: the shift is 64 - log2(buckets), and the mask keeps
 * a one-bucket table (shift 63) at bucket 0.
 */
CS_INLINE __u32 cs_hash_bucket(__u64 hash, __u32 shift, __u32 mask)
{
	return (__u32)(hash >> shift) & mask;
}

CS_INLINE int cs_hash_mode_has_ports(__u32 mode)
{
	return mode & CS_HASH_F_PORTS;
}

CS_INLINE int cs_hash_mode_symmetric(__u32 mode)
{
	return mode & CS_HASH_F_SYM;
}

#endif /* CS_HASH_H */
