/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Encapsulations the general parser enters, so that a tunnel's flows
 * spread by their inner flow: PPPoE sessions and MPLS stacks below IP; GRE
 * (and ERSPAN II/III), VXLAN, Geneve, GTP-U and IP-in-IP above it; and the
 * packet an ICMP error quotes. Each helper checks its own bounds and
 * returns the next layer (CS_AT_*), 0 for "not a tunnel we enter: hash
 * what we have", or a negative enum cs_reason.
 */
#ifndef CS_TUNNEL_H
#define CS_TUNNEL_H

#include "parse.h"

enum {
	CS_AT_ETH = 1,
	CS_AT_IP4,
	CS_AT_IP6,
};

#define ETH_P_PPP_SES_	0x8864
#define ETH_P_MPLS_UC_	0x8847
#define ETH_P_MPLS_MC_	0x8848
#define ETH_P_TEB_	0x6558	/* transparent Ethernet bridging */
#define ETH_P_ERSPAN2_	0x88be
#define ETH_P_ERSPAN3_	0x22eb
#define PPP_IP_		0x0021
#define PPP_IPV6_	0x0057
#define GTP_GPDU	0xff	/* message type of user data */
/* GTP-U extension headers walked (PDU session container, then spare). */
#define CS_GTP_EXT_MAX	4

struct cs_pppoe {
	__u8 ver_type;		/* 0x11 */
	__u8 code;		/* 0 for session data */
	__be16 session;
	__be16 length;
	__be16 ppp_proto;
};

struct cs_gre {
	__be16 flags;		/* C, R, K, S ... version */
	__be16 proto;
};
#define GRE_C		bpf_htons(0x8000)
#define GRE_R		bpf_htons(0x4000)
#define GRE_K		bpf_htons(0x2000)
#define GRE_S		bpf_htons(0x1000)
#define GRE_VERSION	bpf_htons(0x0007)

struct cs_udp {
	__be16 sport;
	__be16 dport;
	__be16 len;
	__be16 check;
};

struct cs_vxlan {
	__be32 flags;
	__be32 vni;		/* VNI << 8 */
};

struct cs_geneve {
	__u8 ver_optlen;	/* version (2 bits), options in 4-byte units */
	__u8 flags;
	__be16 proto;
	__be32 vni;
};

struct cs_gtpu {
	__u8 flags;		/* version (3 bits), PT, E, S, PN */
	__u8 type;
	__be16 length;
	__be32 teid;
};
#define GTP_E_S_PN	0x07

/* The frame's shape, as the parser walks it. */
struct cs_walk {
	__u32 seen;		/* bit per enum cs_encap entered */
	__u32 tunnel;		/* CS_TUN_* */
	int swap;		/* inside an ICMP error's quote */
};

static __always_inline void walk_seen(struct cs_walk *w, int encap)
{
	w->seen |= 1U << encap;
}

/* IP after an MPLS stack, by the first nibble; or Ethernet (pseudowire). */
static __always_inline int mpls_parse(struct cs_cursor *c, struct cs_walk *w)
{
	__u8 *nibble;
	int i;

	walk_seen(w, CS_ENCAP_MPLS);
	for (i = 0; i < CS_MPLS_MAX; i++) {
		__be32 *label = cs_pull(c, __be32);

		if (!label)
			return -CS_REASON_TRUNCATED;
		if (*label & bpf_htonl(0x100))	/* bottom of stack */
			break;
	}
	if (i == CS_MPLS_MAX)
		return -CS_REASON_MPLS_DEPTH;
	nibble = c->pos;
	if ((void *)(nibble + 1) > c->end)
		return -CS_REASON_TRUNCATED;
	if (w->tunnel & CS_TUN_MPLS_ETH) {
		/* A control word starts with 0000; a MAC rarely does. */
		if (!(*nibble >> 4) && !cs_pull(c, __be32))
			return -CS_REASON_TRUNCATED;
		return CS_AT_ETH;
	}
	if (*nibble >> 4 == 4)
		return CS_AT_IP4;
	return *nibble >> 4 == 6 ? CS_AT_IP6 : -CS_REASON_NOT_IP;
}

/* Layers the walk can start from besides CS_AT_ETH/IP4/IP6. */
#define CS_AT_MPLS	4	/* at the first label */
#define CS_AT_PPPOE	5	/* at the PPPoE header */

/* Past Ethernet and its tags: IP, or where the walk must take over. */
static __always_inline int l2_proto(__be16 proto)
{
	if (proto == bpf_htons(ETH_P_IP))
		return CS_AT_IP4;
	if (proto == bpf_htons(ETH_P_IPV6))
		return CS_AT_IP6;
	if (proto == bpf_htons(ETH_P_PPP_SES_))
		return CS_AT_PPPOE;
	if (proto == bpf_htons(ETH_P_MPLS_UC_) ||
	    proto == bpf_htons(ETH_P_MPLS_MC_))
		return CS_AT_MPLS;
	return -CS_REASON_NOT_IP;
}

/* A PPPoE session header and its PPP protocol: to IP. */
static __always_inline int pppoe_parse(struct cs_cursor *c, struct cs_walk *w)
{
	struct cs_pppoe *pppoe = cs_pull(c, struct cs_pppoe);

	if (!pppoe)
		return -CS_REASON_TRUNCATED;
	walk_seen(w, CS_ENCAP_PPPOE);
	if (pppoe->ppp_proto == bpf_htons(PPP_IP_))
		return CS_AT_IP4;
	if (pppoe->ppp_proto == bpf_htons(PPP_IPV6_))
		return CS_AT_IP6;
	return -CS_REASON_BAD_PPPOE;
}

/* PPPoE or MPLS at @at: through to IP (or Ethernet, for a pseudowire). */
static __always_inline int below_ip(struct cs_cursor *c, struct cs_walk *w,
				    int at)
{
	if (at == CS_AT_PPPOE)
		return pppoe_parse(c, w);
	if (at == CS_AT_MPLS)
		return mpls_parse(c, w);
	return at;
}

/* Ethernet and tags: IP, or CS_AT_PPPOE / CS_AT_MPLS for the walk. */
static __always_inline int l2_parse(struct cs_cursor *c)
{
	__be16 proto;
	int r;

	r = eth_parse(c, &proto);
	if (r < 0)
		return r;
	return l2_proto(proto);
}

/* Is @l4 a protocol whose payload may be a tunnel or an ICMP quote? */
static __always_inline int l4_may_tunnel(int l4)
{
	return l4 == IPPROTO_IPIP || l4 == IPPROTO_IPV6 ||
	       l4 == IPPROTO_GRE || l4 == IPPROTO_UDP ||
	       l4 == IPPROTO_ICMP || l4 == IPPROTO_ICMPV6;
}

/* The layer an ethertype-like protocol field announces, 0 if none. */
static __always_inline int proto_layer(__be16 proto)
{
	if (proto == bpf_htons(ETH_P_IP))
		return CS_AT_IP4;
	if (proto == bpf_htons(ETH_P_IPV6))
		return CS_AT_IP6;
	if (proto == bpf_htons(ETH_P_TEB_))
		return CS_AT_ETH;
	return 0;
}

/* GRE (RFC 2784/2890) and ERSPAN type II / III behind it. */
static __always_inline int gre_parse(struct cs_cursor *c, struct cs_walk *w,
				     struct cs_flow *f)
{
	struct cs_gre *gre = cs_pull(c, struct cs_gre);
	__be32 *key = NULL;
	__be64 *opt;
	__be16 proto;

	if (!gre)
		return -CS_REASON_TRUNCATED;
	if (gre->flags & (GRE_VERSION | GRE_R))
		return -CS_REASON_BAD_GRE;
	proto = gre->proto;
	if (gre->flags & GRE_C && !cs_pull(c, __be32))
		return -CS_REASON_TRUNCATED;
	if (gre->flags & GRE_K && !(key = cs_pull(c, __be32)))
		return -CS_REASON_TRUNCATED;
	if (gre->flags & GRE_S && !cs_pull(c, __be32))
		return -CS_REASON_TRUNCATED;
	if (proto == bpf_htons(ETH_P_ERSPAN2_) ||
	    proto == bpf_htons(ETH_P_ERSPAN3_)) {
		/* II: 8 bytes; III: 12, and 8 more with the O flag. */
		opt = cs_pull(c, __be64);
		if (!opt)
			return -CS_REASON_TRUNCATED;
		if (proto == bpf_htons(ETH_P_ERSPAN3_)) {
			__u8 *o = c->pos + 3;	/* last byte: ... O */

			if (!cs_pull(c, __be32) || (void *)(o + 1) > c->end)
				return -CS_REASON_TRUNCATED;
			if (*o & 1 && !cs_pull(c, __be64))
				return -CS_REASON_TRUNCATED;
		}
		walk_seen(w, CS_ENCAP_ERSPAN);
		return CS_AT_ETH;
	}
	if (!proto_layer(proto))
		return 0;	/* PPP, NSH...: hash the GRE flow itself */
	if (key && w->tunnel & CS_TUN_ID)
		f->tunnel_id = *key;
	walk_seen(w, CS_ENCAP_GRE);
	return proto_layer(proto);
}

static __always_inline int gtpu_parse(struct cs_cursor *c, struct cs_walk *w,
				      struct cs_flow *f)
{
	struct cs_gtpu *gtp = cs_pull(c, struct cs_gtpu);
	__u8 *next, *len, *nibble;
	int i;

	if (!gtp)
		return -CS_REASON_TRUNCATED;
	if (gtp->flags >> 5 != 1)
		return -CS_REASON_BAD_GTP;
	if (gtp->type != GTP_GPDU)
		return 0;	/* echo, error indication: the outer flow */
	if (gtp->flags & GTP_E_S_PN) {
		/* sequence (2), N-PDU (1), next extension type (1) */
		next = c->pos + 3;
		if (!cs_pull(c, __be32))
			return -CS_REASON_TRUNCATED;
		if ((void *)(next + 1) > c->end)
			return -CS_REASON_TRUNCATED;
		for (i = 0; i < CS_GTP_EXT_MAX && *next; i++) {
			/* length in 4-byte units; the last byte: next type */
			len = c->pos;
			if ((void *)(len + 1) > c->end || !*len)
				return -CS_REASON_TRUNCATED;
			c->pos += *len * 4;
			next = c->pos - 1;
			if (c->pos > c->end)
				return -CS_REASON_TRUNCATED;
		}
	}
	nibble = c->pos;
	if ((void *)(nibble + 1) > c->end)
		return -CS_REASON_TRUNCATED;
	if (w->tunnel & CS_TUN_ID)
		f->tunnel_id = gtp->teid;
	walk_seen(w, CS_ENCAP_GTPU);
	if (*nibble >> 4 == 4)
		return CS_AT_IP4;
	return *nibble >> 4 == 6 ? CS_AT_IP6 : 0;
}

static __always_inline int udp_tunnel_parse(struct cs_cursor *c,
					    struct cs_walk *w,
					    struct cs_flow *f,
					    const volatile __be16 *extra)
{
	struct cs_ports *ports = c->pos;
	struct cs_geneve *gnv;
	struct cs_vxlan *vx;
	__be16 port;
	int i, vxlan;

	/* Only a tunnel's port needs the whole UDP header. */
	if ((void *)(ports + 1) > c->end)
		return -CS_REASON_TRUNCATED;
	port = ports->dst;
	vxlan = port == bpf_htons(CS_PORT_VXLAN);
	for (i = 0; i < CS_VXLAN_PORTS_MAX && w->tunnel & CS_TUN_EXTRA_PORTS;
	     i++)
		vxlan |= extra[i] && port == extra[i];
	if (!vxlan && port != bpf_htons(CS_PORT_GENEVE) &&
	    port != bpf_htons(CS_PORT_GTPU))
		return 0;
	if (!cs_pull(c, struct cs_udp))
		return -CS_REASON_TRUNCATED;
	if (vxlan) {
		vx = cs_pull(c, struct cs_vxlan);
		if (!vx)
			return -CS_REASON_TRUNCATED;
		if (w->tunnel & CS_TUN_ID)
			f->tunnel_id = vx->vni;
		walk_seen(w, CS_ENCAP_VXLAN);
		return CS_AT_ETH;
	}
	if (port == bpf_htons(CS_PORT_GENEVE)) {
		gnv = cs_pull(c, struct cs_geneve);
		if (!gnv)
			return -CS_REASON_TRUNCATED;
		c->pos += (gnv->ver_optlen & 0x3f) * 4;
		if (c->pos > c->end)
			return -CS_REASON_TRUNCATED;
		if (!proto_layer(gnv->proto))
			return 0;
		if (w->tunnel & CS_TUN_ID)
			f->tunnel_id = gnv->vni;
		walk_seen(w, CS_ENCAP_GENEVE);
		return proto_layer(gnv->proto);
	}
	if (port == bpf_htons(CS_PORT_GTPU))
		return gtpu_parse(c, w, f);
	return 0;
}

/*
 * An ICMP or ICMPv6 error quotes the packet that caused it: steer the
 * error by that packet's flow, turned around (the quote went out, the
 * flow's packets come in), so it reaches the CPU that handles the flow.
 */
static __always_inline int icmp_error_parse(struct cs_cursor *c,
					    struct cs_walk *w, int l4)
{
	__u8 *type = c->pos, *nibble;

	if ((void *)(type + 8) > c->end)
		return -CS_REASON_TRUNCATED;
	if (w->swap)
		return 0;	/* an error about an error: the outer one */
	if (l4 == IPPROTO_ICMP ? !(*type == 3 || *type == 11 || *type == 12) :
				 !(*type >= 1 && *type <= 4))
		return 0;
	c->pos += 8;
	nibble = c->pos;
	if ((void *)(nibble + 1) > c->end)
		return -CS_REASON_TRUNCATED;
	w->swap = 1;
	walk_seen(w, CS_ENCAP_ICMP_ERR);
	if (*nibble >> 4 == 4)
		return CS_AT_IP4;
	return *nibble >> 4 == 6 ? CS_AT_IP6 : -CS_REASON_TRUNCATED;
}

/* Above IP: the next layer if @l4 is a tunnel we enter, else 0. */
static __always_inline int tunnel_parse(struct cs_cursor *c, struct cs_walk *w,
					int l4, struct cs_flow *f,
					const volatile __be16 *extra)
{
	switch (l4) {
	case IPPROTO_IPIP:
		walk_seen(w, CS_ENCAP_IPIP);
		return CS_AT_IP4;
	case IPPROTO_IPV6:
		walk_seen(w, CS_ENCAP_IPIP);
		return CS_AT_IP6;
	case IPPROTO_GRE:
		return gre_parse(c, w, f);
	case IPPROTO_UDP:
		return udp_tunnel_parse(c, w, f, extra);
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return icmp_error_parse(c, w, l4);
	}
	return 0;
}

/*
 * Fast paths for the tunnels that dominate where cpusteer is needed: an
 * untagged PPPoE session, and VXLAN (port 4789) or option-less GRE over
 * IPv4 without options or IPv6 without extension headers, each carrying
 * the fast path's own inner shape. Fixed offsets, no calls: a walk call
 * costs a function return, which this machine's SRSO mitigation makes
 * dear. They read what the walk would and produce the same flow (the
 * encapsulation tests check the buckets); anything else returns 0 and
 * takes the walk. @seen says which encapsulation was entered.
 */
struct cs_vxlan_frame {
	struct cs_udp udp;
	struct cs_vxlan vxlan;
	struct cs_ethhdr eth;
};

/* GRE or VXLAN behind an outer IP header of @l3len bytes at @l3. */
static __always_inline int fast_over_ip(struct cs_cursor *c, const __u32 l3,
					const __u32 l3len, __u8 l4,
					struct cs_flow *f, int with_ports,
					__u32 tunnel,
					const volatile __be16 *extra,
					__u32 *seen)
{
	struct cs_vxlan_frame *vx = c->pos + l3 + l3len;
	struct cs_gre *gre = c->pos + l3 + l3len;

	if (l4 == IPPROTO_GRE) {
		if ((void *)(gre + 1) > c->end || gre->flags)
			return 0;	/* options or version: the walk */
		*seen = 1U << CS_ENCAP_GRE;
		return fast_ip(c, l3 + l3len + sizeof(*gre), gre->proto, f,
			       with_ports, tunnel, extra);
	}
	if (l4 != IPPROTO_UDP || (void *)(vx + 1) > c->end ||
	    vx->udp.dport != bpf_htons(CS_PORT_VXLAN))
		return 0;
	if (tunnel & CS_TUN_ID)
		f->tunnel_id = vx->vxlan.vni;
	*seen = 1U << CS_ENCAP_VXLAN;
	/* Not sizeof(*vx): alignment pads it past the 14-byte header. */
	return fast_ip(c, l3 + l3len + offsetof(struct cs_vxlan_frame, eth) +
		       sizeof(struct cs_ethhdr), vx->eth.proto, f,
		       with_ports, tunnel, extra);
}

static __always_inline int cs_parse_fast_tunnel(struct cs_cursor *c,
						struct cs_flow *f,
						int with_ports, __u32 tunnel,
						const volatile __be16 *extra,
						__u32 *seen)
{
	struct cs_ethhdr *eth = c->pos;
	struct cs_pppoe *pppoe = (void *)(eth + 1);
	struct iphdr *ip = (void *)(eth + 1);
	struct ipv6hdr *ip6 = (void *)(eth + 1);

	if ((void *)(pppoe + 1) > c->end)
		return 0;
	if (eth->proto == bpf_htons(ETH_P_PPP_SES_)) {
		*seen = 1U << CS_ENCAP_PPPOE;
		return fast_ip(c, sizeof(*eth) + sizeof(*pppoe),
			       pppoe->ppp_proto == bpf_htons(PPP_IP_) ?
			       bpf_htons(ETH_P_IP) :
			       pppoe->ppp_proto == bpf_htons(PPP_IPV6_) ?
			       bpf_htons(ETH_P_IPV6) : 0,
			       f, with_ports, tunnel, extra);
	}
	if (eth->proto == bpf_htons(ETH_P_IP)) {
		if ((void *)(ip + 1) > c->end || *(__u8 *)ip != 0x45 ||
		    (ip->frag_off & CS_IPV4_FRAG_MASK))
			return 0;
		return fast_over_ip(c, sizeof(*eth), sizeof(*ip),
				    ip->protocol, f, with_ports, tunnel,
				    extra, seen);
	}
	if (eth->proto == bpf_htons(ETH_P_IPV6)) {
		if ((void *)(ip6 + 1) > c->end || ip6->version != 6)
			return 0;
		return fast_over_ip(c, sizeof(*eth), sizeof(*ip6),
				    ip6->nexthdr, f, with_ports, tunnel,
				    extra, seen);
	}
	return 0;
}

/*
 * Frame to flow key for everything the fast path does not take, inline
 * for the common shapes (tags, IPv4 options, IPv6 extension headers). Returns 0 with the flow complete, a negative enum cs_reason,
 * or CS_PARSE_WALK when PPPoE, MPLS or a possible tunnel starts: the
 * walk (walk.h) goes on from @w_at / @w_l4 at the cursor.
 */
static __always_inline int cs_parse_flow(struct cs_cursor *c,
					 struct cs_flow *f, int with_ports,
					 struct cs_walk *w, int *w_at,
					 int *w_l4,
					 const volatile __be16 *extra)
{
	struct cs_ports *ports;
	int at, l4;

	at = l2_parse(c);
	if (at < 0)
		return at;
	if (at == CS_AT_MPLS || at == CS_AT_PPPOE) {
		*w_at = at;
		return CS_PARSE_WALK;
	}
	l4 = at == CS_AT_IP4 ? ipv4_parse(c, f) : ipv6_parse(c, f);
	if (l4 < 0)
		return l4;
	if (!(w->tunnel & CS_TUN_OUTER) && l4_may_tunnel(l4)) {
		/* Plain UDP is by far the common case: keep it inline. */
		ports = c->pos;
		if (l4 == IPPROTO_UDP && (void *)(ports + 1) <= c->end &&
		    !udp_may_tunnel(ports->dst, w->tunnel, extra))
			goto ports;
		*w_at = 0;
		*w_l4 = l4;
		return CS_PARSE_WALK;
	}
ports:
	if (!with_ports)
		return 0;
	return l4_parse_ports(c, l4, f);
}

#endif /* CS_TUNNEL_H */
