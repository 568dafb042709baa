/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Stage 2 on the target CPU: the flow's headers located from stage 1's
 * metadata (or, without it, by the inline parser), and the drop rules of
 * stage 2 "filter" (struct cs_filter_rule, cpusteer.h). Include once,
 * from the program that uses it, after maps.h.
 */
#ifndef CS_FILTER_H
#define CS_FILTER_H

#include "cs_meta.h"
#include "flow.h"
#include "maps.h"

/*
 * Offsets stage 2 accepts: a frame without fragments fits in a page, so a
 * header offset from a valid stage 1 is always below it; the bound also
 * gives the verifier a range for the packet pointer arithmetic.
 */
#define CS_S2_MAX_OFF		4096

/* The flow as the rules see it, addresses as 32-bit words. */
struct cs_s2_flow {
	__u32 src[4];
	__u32 dst[4];
	__u32 sport;		/* host order, with has_ports */
	__u32 dport;
	__u8 ipver;
	__u8 proto;
	__u8 has_ports;
};

/* Where the headers are: from the metadata, else parsed here. */
struct cs_s2_loc {
	__u32 l3;
	__u32 l4;		/* 0: none */
	__u32 icmp_l3;		/* swapped: the ICMP error's own header */
	__u8 ipver;
	__u8 proto;
	__u8 swapped;
	__u8 icmp_ipver;
};

static __always_inline int s2_loc_meta(struct xdp_md *ctx,
				       struct cs_s2_loc *loc)
{
	void *data = (void *)(long)ctx->data;
	struct cs_meta *m = (void *)(long)ctx->data_meta;

	if ((void *)(m + 1) > data || m->version != CS_META_VERSION ||
	    !(m->flags & CS_META_F_LOC))
		return -1;
	loc->l3 = m->l3_off;
	loc->l4 = m->flags & CS_META_F_L4 ? m->l4_off : 0;
	loc->ipver = m->ipver;
	loc->proto = m->l4_proto;
	loc->swapped = !!(m->flags & CS_META_F_SWAPPED);
	loc->icmp_l3 = m->icmp_l3_off;
	loc->icmp_ipver = m->icmp_ipver;
	return 0;
}

/*
 * No usable metadata (a driver without headroom for it, generic XDP, the
 * NIC's hash): the frame parsed here as stage 1 parses it, tunnels
 * entered; -1 for a frame stage 1 could not hash either.
 */
static __always_inline int s2_loc_parse(struct xdp_md *ctx,
					struct cs_s2_loc *loc)
{
	struct cs_walk_state st = { .w = { .tunnel = cs_params.tunnel } };
	int i;

	for (i = 0; i < CS_VXLAN_PORTS_MAX; i++)
		st.vxlan_ports[i] = cs_params.vxlan_ports[i];
	if (cs_slow_parse(ctx, &st, 0))
		return -1;
	loc->l3 = st.flow.l3_off;
	loc->l4 = st.flow.l4_off;
	loc->ipver = st.flow.ipver;
	loc->proto = st.flow.proto;
	loc->swapped = !!st.w.swap;
	loc->icmp_l3 = st.flow.icmp_l3_off;
	loc->icmp_ipver = st.flow.icmp_ipver;
	return 0;
}

/* An ICMP error's own header, as a flow of its own: addresses, protocol
 * ICMP or ICMPv6, no ports.
 */
static __always_inline void s2_loc_icmp(const struct cs_s2_loc *q,
					struct cs_s2_loc *loc)
{
	loc->l3 = q->icmp_l3;
	loc->l4 = 0;
	loc->ipver = q->icmp_ipver;
	loc->proto = q->icmp_ipver == 6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
	loc->swapped = 0;
	loc->icmp_l3 = 0;
	loc->icmp_ipver = 0;
}

/*
 * A first fragment (offset 0: it carries the ports): where its L4 header
 * is, into @loc->l4, and for IPv6 its protocol, into @loc->proto (stage 1
 * keeps the fragment header's next header, which may be a destination-
 * options header: RFC 8200 allows them in the fragmentable part); 0, or
 * -1 for anything else. Stage 1 hashes fragments on their addresses and
 * locates no L4 header; port rules need it.
 *
 * Verifier workaround: a global function, checked once though s2_flow
 * runs twice for an ICMP error.
 */
__noinline int cs_first_frag(struct xdp_md *ctx, struct cs_s2_loc *loc)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ipv6_opt_hdr *opt;
	struct cs_ipv6_frag *frag;
	struct ipv6hdr *ip6;
	struct iphdr *ip;
	__u32 nexthdr, first = 0;
	long off, l3;
	int i;

	if (!loc)
		return -1;
	l3 = CS_IN_BOUNDS(loc->l3, CS_S2_MAX_OFF + 1);
	if (l3 < 0)
		return -1;
	if (loc->ipver == 4) {
		ip = data + l3;
		if ((void *)(ip + 1) > end || ip->ihl < 5 ||
		    (ip->frag_off & bpf_htons(0x1fff)) ||
		    !(ip->frag_off & bpf_htons(0x2000)))
			return -1;
		loc->l4 = l3 + ip->ihl * 4;
		return 0;
	}
	ip6 = data + l3;
	if (loc->ipver != 6 || (void *)(ip6 + 1) > end)
		return -1;
	nexthdr = ip6->nexthdr;
	off = l3 + sizeof(*ip6);
	for (i = 0; i < CS_IPV6_EXT_MAX + 1; i++) {
		/* Verifier workaround (Linux 6.1), as in s2_flow. */
		off = CS_IN_BOUNDS(off, CS_S2_MAX_OFF + 1);
		if (off < 0)
			return -1;
		if (nexthdr == IPPROTO_FRAGMENT) {
			frag = data + off;
			if ((void *)(frag + 1) > end ||
			    (frag->frag_off & bpf_htons(0xfff8)) ||
			    !(frag->frag_off & bpf_htons(1)))
				return -1;
			first = 1;
			nexthdr = frag->nexthdr;
			off += sizeof(*frag);
			continue;
		}
		if (!ipv6_is_ext(nexthdr)) {
			if (!first)
				return -1;
			loc->l4 = off;
			loc->proto = nexthdr;
			return 0;
		}
		opt = data + off;
		if ((void *)(opt + 1) > end)
			return -1;
		off += nexthdr == IPPROTO_AH ? (opt->hdrlen + 2) * 4 :
					       (opt->hdrlen + 1) * 8;
		nexthdr = opt->nexthdr;
	}
	return -1;
}

static __always_inline int s2_flow(struct xdp_md *ctx,
				   const struct cs_s2_loc *loc,
				   struct cs_s2_flow *f)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	/* Verifier workaround (Linux 6.1): the bounds checked in the very
	 * registers the packet pointers are made from (bounds.h).
	 */
	long l3 = CS_IN_BOUNDS(loc->l3, CS_S2_MAX_OFF + 1);
	long l4 = CS_IN_BOUNDS(loc->l4, CS_S2_MAX_OFF + 1);
	struct cs_ports *p;
	struct ipv6hdr *ip6;
	struct iphdr *ip;
	__u32 t;
	int i;

	if (l3 < 0 || l4 < 0)
		return -1;
	if (loc->ipver == 4) {
		ip = data + l3;
		if ((void *)(ip + 1) > end)
			return -1;
		f->src[0] = ip->saddr;
		f->dst[0] = ip->daddr;
	} else if (loc->ipver == 6) {
		ip6 = data + l3;
		if ((void *)(ip6 + 1) > end)
			return -1;
		for (i = 0; i < 4; i++) {
			f->src[i] = ip6->saddr.in6_u.u6_addr32[i];
			f->dst[i] = ip6->daddr.in6_u.u6_addr32[i];
		}
	} else {
		return -1;
	}
	f->ipver = loc->ipver;
	f->proto = loc->proto;
	if (!l4) {
		struct cs_s2_loc frag = *loc;

		if (!cs_first_frag(ctx, &frag)) {
			l4 = CS_IN_BOUNDS(frag.l4, CS_S2_MAX_OFF + 1);
			f->proto = frag.proto;
		}
	}
	/* Ports only where they are whole (a first fragment may carry
	 * fewer); the addresses are matched all the same.
	 */
	p = data + (l4 > 0 ? l4 : 0);
	if (l4 > 0 && l4_has_ports(f->proto) && (void *)(p + 1) <= end) {
		f->sport = bpf_ntohs(p->src);
		f->dport = bpf_ntohs(p->dst);
		f->has_ports = 1;
	}
	if (loc->swapped) {	/* the quote's flow, seen from the error */
		for (i = 0; i < 4; i++) {
			t = f->src[i];
			f->src[i] = f->dst[i];
			f->dst[i] = t;
		}
		t = f->sport;
		f->sport = f->dport;
		f->dport = t;
	}
	return 0;
}

/* Do the first @len bits of @a and @p agree? @words: 1 (IPv4) or 4. */
static __always_inline int flt_prefix(const __u32 *a, const __u8 *p8,
				      __u32 len, int words)
{
	const __u32 *p = (const __u32 *)p8;
	__u32 mask;
	int i, bits;

	for (i = 0; i < 4; i++) {
		if (i >= words)
			break;
		bits = (int)len - 32 * i;
		if (bits <= 0)
			break;
		mask = bits >= 32 ? 0xffffffffU :
				    bpf_htonl(0xffffffffU << (32 - bits));
		if ((a[i] ^ p[i]) & mask)
			return 0;
	}
	return 1;
}

static __always_inline int flt_match(const struct cs_filter_rule *r,
				     const struct cs_s2_flow *f)
{
	int words = f->ipver == 4 ? 1 : 4;

	if (!r->used || (r->ipver && r->ipver != f->ipver))
		return 0;
	if ((r->match & CS_FLT_PROTO) && r->proto != f->proto)
		return 0;
	if (r->match & (CS_FLT_SPORT | CS_FLT_DPORT)) {
		if (!f->has_ports)
			return 0;
		if ((r->match & CS_FLT_SPORT) &&
		    (f->sport < r->sport_lo || f->sport > r->sport_hi))
			return 0;
		if ((r->match & CS_FLT_DPORT) &&
		    (f->dport < r->dport_lo || f->dport > r->dport_hi))
			return 0;
	}
	if ((r->match & CS_FLT_SRC) &&
	    !flt_prefix(f->src, r->src, r->src_len, words))
		return 0;
	if ((r->match & CS_FLT_DST) &&
	    !flt_prefix(f->dst, r->dst, r->dst_len, words))
		return 0;
	return 1;
}

/* The first rule of @set that matches: its number (slot + 1), or 0. */
static __always_inline __u32 flt_set(const struct cs_filter_set *set,
				     const struct cs_s2_flow *f)
{
	const struct cs_filter_rule *r;
	__u32 i, slot;

	if (!set)
		return 0;
	for (i = 0; i < CS_FILTER_COVER; i++) {
		if (i >= set->n)
			break;
		slot = set->rule[i];
		r = bpf_map_lookup_elem(&cs_flt_rules, &slot);
		if (r && flt_match(r, f))
			return slot + 1;
	}
	return 0;
}

/*
 * The rule that drops @f (its number), or 0: source trie, destination
 * trie, then the rules with no prefix; only the tries that hold rules are
 * looked up.
 *
 * Verifier workaround: a global function, checked once. Inlined twice
 * (a frame's flow, and an ICMP error's own header), its candidate loops
 * took the filter past Linux 6.1's 1M-instruction limit.
 */
__noinline int cs_filter_run(const struct cs_s2_flow *f)
{
	struct cs_lpm6 k6 = { .prefixlen = 128 };
	struct cs_lpm4 k4 = { .prefixlen = 32 };
	struct cs_filter_any *any;
	__u32 zero = 0, rule = 0;

	if (!f)
		return 0;
	any = bpf_map_lookup_elem(&cs_flt_any, &zero);
	if (!any)
		return 0;
	if (f->ipver == 4) {
		__builtin_memcpy(k4.addr, &f->src[0], 4);
		if (any->in_trie[0])
			rule = flt_set(bpf_map_lookup_elem(&cs_flt_src4, &k4), f);
		__builtin_memcpy(k4.addr, &f->dst[0], 4);
		if (!rule && any->in_trie[1])
			rule = flt_set(bpf_map_lookup_elem(&cs_flt_dst4, &k4), f);
	} else {
		__builtin_memcpy(k6.addr, f->src, 16);
		if (any->in_trie[2])
			rule = flt_set(bpf_map_lookup_elem(&cs_flt_src6, &k6), f);
		__builtin_memcpy(k6.addr, f->dst, 16);
		if (!rule && any->in_trie[3])
			rule = flt_set(bpf_map_lookup_elem(&cs_flt_dst6, &k6), f);
	}
	if (rule)
		return rule;
	return flt_set(&any->set, f);
}

#endif /* CS_FILTER_H */
