/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The walk through encapsulations: from wherever the inline parser found
 * one (an MPLS stack, or an L4 protocol that may carry a tunnel) into up
 * to CS_ENCAP_DEPTH tunnels; past the bound, the innermost flow reached is
 * the flow.
 *
 * Verifier workaround: each layer is a global (noinline, non-static)
 * function. The verifier checks a global function once, with its
 * arguments unknown, instead of once per path into it; inlined, every
 * combination of tags, labels, extension headers and tunnels made a
 * separate state and the program went past the 1M-instruction limit.
 * Between layers the cursor therefore travels as an offset in the walk
 * state, re-derived and bounds-checked in each layer. Only frames that
 * miss the fast path pay for the calls.
 *
 * Include once, from the program that uses it.
 */
#ifndef CS_WALK_H
#define CS_WALK_H

#include "flow.h"

struct cs_walk_state {
	struct cs_flow flow;
	struct cs_walk w;
	__u32 off;			/* cursor, from the frame start */
	__be16 vxlan_ports[CS_VXLAN_PORTS_MAX];
	__s32 at;			/* where to start: CS_AT_* */
	__s32 l4;			/* with at == 0: the L4 protocol */
};

/*
 * Verifier workaround: the offset is re-bounded (CS_WALK_MAX_OFF) in every
 * layer, since a global function's verifier sees its arguments unknown;
 * likewise each layer checks @st for NULL, which it never is.
 */
static __always_inline int walk_cursor(struct xdp_md *ctx,
				       const struct cs_walk_state *st,
				       struct cs_cursor *c)
{
	void *data = (void *)(long)ctx->data;
	__u32 off = st->off;

	if (off > CS_WALK_MAX_OFF)
		return -CS_REASON_TRUNCATED;
	c->pos = data + off;
	c->end = (void *)(long)ctx->data_end;
	return 0;
}

static __always_inline void walk_save(struct xdp_md *ctx,
				      struct cs_walk_state *st,
				      const struct cs_cursor *c)
{
	st->off = c->pos - (void *)(long)ctx->data;
}

/* From Ethernet, a PPPoE header or an MPLS stack: to IP (or Ethernet,
 * for an MPLS pseudowire).
 */
__noinline int cs_walk_l2(struct xdp_md *ctx, struct cs_walk_state *st,
			  int at)
{
	struct cs_cursor c;
	int r = at;

	if (!st || walk_cursor(ctx, st, &c))
		return -CS_REASON_TRUNCATED;
	if (r == CS_AT_ETH)
		r = l2_parse(&c);
	r = below_ip(&c, &st->w, r);
	if (r == CS_AT_ETH) {
		/* An MPLS pseudowire's Ethernet, in this same call: it is not
		 * a tunnel level, and the walk must come back with IP.
		 */
		r = l2_parse(&c);
		r = r == CS_AT_MPLS ? -CS_REASON_MPLS_DEPTH :
				      below_ip(&c, &st->w, r);
	}
	walk_save(ctx, st, &c);
	return r;
}

__noinline int cs_walk_ip(struct xdp_md *ctx, struct cs_walk_state *st,
			  int at)
{
	struct cs_cursor c;
	int r;

	if (!st || walk_cursor(ctx, st, &c))
		return -CS_REASON_TRUNCATED;
	r = at == CS_AT_IP4 ? ipv4_parse(&c, &st->flow) :
			      ipv6_parse(&c, &st->flow);
	walk_save(ctx, st, &c);
	return r;
}

/* The next layer if @l4 is a tunnel we enter, else 0 (cursor kept). */
__noinline int cs_walk_tunnel(struct xdp_md *ctx, struct cs_walk_state *st,
			      int l4)
{
	struct cs_cursor c;
	int r, swap;

	if (!st || walk_cursor(ctx, st, &c))
		return -CS_REASON_TRUNCATED;
	swap = st->w.swap;
	r = tunnel_parse(&c, &st->w, l4, &st->flow, st->vxlan_ports);
	if (r)
		walk_save(ctx, st, &c);
	/* Into an ICMP error's quote: keep where the error's own IP header
	 * is, which stage 2 filters on too. (Here, in a global function,
	 * and not in the driver's loop: there it doubled the verifier's
	 * states past Linux 6.1's limit.)
	 */
	if (r > 0 && st->w.swap && !swap) {
		st->flow.icmp_l3_off = st->flow.l3_off;
		st->flow.icmp_ipver = st->flow.ipver;
	}
	return r;
}

__noinline int cs_walk_ports(struct xdp_md *ctx, struct cs_walk_state *st,
			     int l4)
{
	struct cs_cursor c;

	if (!st || walk_cursor(ctx, st, &c))
		return -CS_REASON_TRUNCATED;
	return l4_parse_ports(&c, l4, &st->flow);
}

/*
 * Continue from st->at (a layer) or, with st->at == 0, from the L4 header
 * of protocol st->l4 at level 0. Returns 0 with st->flow complete, or a
 * negative enum cs_reason.
 */
static __always_inline int cs_parse_walk(struct xdp_md *ctx,
					 struct cs_walk_state *st,
					 int with_ports)
{
	int at = st->at, l4 = st->l4, next, i;
	struct cs_flow *f = &st->flow;
	__u32 l3;
	__u64 t;

	for (i = 0; i <= CS_ENCAP_DEPTH; i++) {
		if (at) {
			if (at == CS_AT_ETH || at == CS_AT_MPLS ||
			    at == CS_AT_PPPOE) {
				at = cs_walk_l2(ctx, st, at);
				if (at < 0)
					return at;
			}
			l3 = st->off;
			l4 = cs_walk_ip(ctx, st, at);
			if (l4 < 0)
				return l4;
			/* The innermost IP header reached is the flow's. */
			f->l3_off = l3;
			f->l4_off = l4 == CS_L4_NONE ? 0 : st->off;
			f->ipver = at == CS_AT_IP4 ? 4 : 6;
		}
		/* Below IP (PPPoE, MPLS) is walked even for --tunnel outer;
		 * above it, nothing is entered then.
		 */
		if (i == CS_ENCAP_DEPTH || l4 == CS_L4_NONE ||
		    st->w.tunnel & CS_TUN_OUTER)
			break;
		next = cs_walk_tunnel(ctx, st, l4);
		if (next < 0)
			return next;
		if (!next)
			break;
		at = next;
	}
	if (l4 < 0)
		return l4;	/* the bound hit before any IP header */
	if (with_ports) {
		next = cs_walk_ports(ctx, st, l4);
		if (next < 0)
			return next;
	}
	if (st->w.swap) {
		t = f->src;
		f->src = f->dst;
		f->dst = t;
		t = f->sport;
		f->sport = f->dport;
		f->dport = t;
	}
	return 0;
}

/*
 * The whole general path, from the frame's start: the inline parser, then
 * the walk when a layer needs it. Returns 0 with st->flow complete, or a
 * negative enum cs_reason; st->w.tunnel and st->vxlan_ports are inputs,
 * st->flow must start zeroed.
 *
 * Verifier workaround: a global function, checked once with its
 * arguments unknown. Inlined into each program, the inline parser's
 * states (tags, options, extension headers) multiplied with the walk's and
 * took Linux 6.1 past its 1M-instruction limit. Frames that miss the fast
 * paths pay one call more for it.
 */
__noinline int cs_slow_parse(struct xdp_md *ctx, struct cs_walk_state *st,
			     int with_ports)
{
	struct cs_cursor c;
	void *data;
	int r, at = 0, l4 = 0;

	if (!st)
		return -CS_REASON_TRUNCATED;
	data = (void *)(long)ctx->data;
	c.pos = data;
	c.end = (void *)(long)ctx->data_end;
	r = cs_parse_flow(&c, data, &st->flow, with_ports, &st->w, &at, &l4,
			  st->vxlan_ports);
	if (r != CS_PARSE_WALK)
		return r;
	st->off = c.pos - data;
	st->at = at;
	st->l4 = l4;
	return cs_parse_walk(ctx, st, with_ports);
}

#endif /* CS_WALK_H */
