/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Encapsulations the general parser enters, so that a tunnel's flows
 * spread by their inner flow: PPPoE sessions and MPLS stacks below IP; GRE
 * (and ERSPAN I/II/III), VXLAN, VXLAN-GPE, Geneve, GTP-U and IP-in-IP
 * above it; and the packet an ICMP error quotes. Here is the one table of
 * the tunnels' UDP ports and ethertypes, which the fast paths (flow.h) and
 * the walk (walk.h) both read. Each parser checks its own bounds and
 * returns the next layer (CS_AT_*), 0 for "not a tunnel we enter: hash
 * what we have", or a negative enum cs_reason.
 */
#ifndef CS_ENCAP_H
#define CS_ENCAP_H

#include <linux/icmpv6.h>
#include <linux/mpls.h>
#include <linux/ppp_defs.h>

#include "l3.h"

/* Where a parser is: the layers the walk goes through. */
enum {
	CS_AT_ETH = 1,
	CS_AT_IP4,
	CS_AT_IP6,
	CS_AT_MPLS,		/* at the first label */
	CS_AT_PPPOE,		/* at the PPPoE header */
};

/* --- The tables: which ethertypes and UDP ports start a layer ---------- */

/* Past Ethernet and its tags: IP, or where the walk must take over. */
static __always_inline int l2_proto(__be16 proto)
{
	if (proto == bpf_htons(ETH_P_IP))
		return CS_AT_IP4;
	if (proto == bpf_htons(ETH_P_IPV6))
		return CS_AT_IP6;
	if (proto == bpf_htons(ETH_P_PPP_SES))
		return CS_AT_PPPOE;
	if (proto == bpf_htons(ETH_P_MPLS_UC) ||
	    proto == bpf_htons(ETH_P_MPLS_MC))
		return CS_AT_MPLS;
	return -CS_REASON_NOT_IP;
}

/* The layer an ethertype-like protocol field announces, 0 if none. */
static __always_inline int proto_layer(__be16 proto)
{
	if (proto == bpf_htons(ETH_P_IP))
		return CS_AT_IP4;
	if (proto == bpf_htons(ETH_P_IPV6))
		return CS_AT_IP6;
	if (proto == bpf_htons(ETH_P_TEB))
		return CS_AT_ETH;
	return 0;
}

/*
 * The one table of the UDP tunnels stage 1 enters, by destination port:
 * the fast paths send these to the walk, and the walk enters them. Written
 * as early returns: an OR of comparisons made clang build the answer
 * branch-free in spilled registers, which cost the fast path ~2 ns.
 */
enum cs_udp_tunnel {
	CS_UDPT_NONE = 0,
	CS_UDPT_VXLAN,		/* 4789 and the --vxlan-port ones */
	CS_UDPT_GENEVE,
	CS_UDPT_GTPU,
	CS_UDPT_VXLAN_GPE,
};

static __always_inline int udp_tunnel_kind(__be16 dport, __u32 tunnel,
					   const volatile __be16 *extra)
{
	int i;

	if (dport == bpf_htons(CS_PORT_VXLAN))
		return CS_UDPT_VXLAN;
	if (dport == bpf_htons(CS_PORT_GENEVE))
		return CS_UDPT_GENEVE;
	if (dport == bpf_htons(CS_PORT_GTPU))
		return CS_UDPT_GTPU;
	if (dport == bpf_htons(CS_PORT_VXLAN_GPE))
		return CS_UDPT_VXLAN_GPE;
	if (!(tunnel & CS_TUN_EXTRA_PORTS))
		return CS_UDPT_NONE;
	for (i = 0; i < CS_VXLAN_PORTS_MAX; i++)
		if (extra[i] && dport == extra[i])
			return CS_UDPT_VXLAN;
	return CS_UDPT_NONE;
}

/* <linux/if_ether.h> names ERSPAN II's ethertype for both type I and II
 * (0x88BE), and type III's ETH_P_ERSPAN2 (0x22EB).
 */
#define GTP_GPDU	0xff	/* message type of user data (TS 29.281) */

/* <linux/icmp.h>'s error types: that header pulls libc's <sys/socket.h>
 * in through <linux/if.h>, which a BPF target cannot build.
 */
#define ICMP_DEST_UNREACH	3
#define ICMP_TIME_EXCEEDED	11
#define ICMP_PARAMETERPROB	12

/* PPPoE session header (RFC 2516 4) and the first byte of the PPP
 * protocol field, which RFC 1661 6.5 lets a peer compress to one byte.
 */
struct cs_pppoe {
	__u8 ver_type;		/* 0x11 */
	__u8 code;		/* 0 for session data */
	__be16 session;
	__be16 length;
	__u8 ppp_proto[2];	/* or one byte, then the payload */
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
#define GTP_E		0x04	/* extension headers follow */
#define GTP_E_S_PN	0x07	/* any: the 4 optional bytes are there */

/* VXLAN-GPE (draft-ietf-nvo3-vxlan-gpe 3.2): flags, next protocol, VNI. */
struct cs_vxlan_gpe {
	__u8 flags;		/* R R Ver(2) I P B O */
	__u8 reserved[2];
	__u8 next;		/* 1 IPv4, 2 IPv6, 3 Ethernet, 4 NSH, 5 MPLS */
	__be32 vni;		/* VNI << 8 */
};
#define VXLAN_GPE_IPV4	1
#define VXLAN_GPE_IPV6	2
#define VXLAN_GPE_ETH	3

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

/*
 * A PPPoE session header and its PPP protocol: to IP. The protocol field
 * is two bytes, or one when the peer compresses it (RFC 1661 6.5): a
 * protocol's first byte is even, its last odd, so an odd first byte is a
 * whole one-byte field (0x21 IPv4, 0x57 IPv6).
 */
static __always_inline int pppoe_parse(struct cs_cursor *c, struct cs_walk *w)
{
	struct cs_pppoe *pppoe = cs_pull(c, struct cs_pppoe);
	__u8 proto;

	if (!pppoe)
		return -CS_REASON_TRUNCATED;
	walk_seen(w, CS_ENCAP_PPPOE);
	if (pppoe->ppp_proto[0] & 1) {
		proto = pppoe->ppp_proto[0];
		c->pos--;	/* the second byte is the payload's */
	} else if (!pppoe->ppp_proto[0]) {
		proto = pppoe->ppp_proto[1];
	} else {
		return -CS_REASON_BAD_PPPOE;
	}
	if (proto == PPP_IP)
		return CS_AT_IP4;
	if (proto == PPP_IPV6)
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

/*
 * GRE (RFC 2784/2890) and ERSPAN behind it (draft-foschiano-erspan): type
 * I is GRE 0x88BE with no sequence number and the mirrored frame right
 * after; type II (0x88BE with one) has an 8-byte header, type III (0x22EB)
 * 12 bytes and 8 more with its O flag.
 */
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
	if (proto == bpf_htons(ETH_P_ERSPAN) && !(gre->flags & GRE_S)) {
		walk_seen(w, CS_ENCAP_ERSPAN);		/* type I */
		return CS_AT_ETH;
	}
	if (proto == bpf_htons(ETH_P_ERSPAN) ||
	    proto == bpf_htons(ETH_P_ERSPAN2)) {
		opt = cs_pull(c, __be64);
		if (!opt)
			return -CS_REASON_TRUNCATED;
		if (proto == bpf_htons(ETH_P_ERSPAN2)) {
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
		/* sequence (2), N-PDU (1), next extension type (1): there
		 * when any of E, S, PN is set; the next type means something
		 * only with E (TS 29.281 5.1).
		 */
		next = c->pos + 3;
		if (!cs_pull(c, __be32))
			return -CS_REASON_TRUNCATED;
		if ((void *)(next + 1) > c->end)
			return -CS_REASON_TRUNCATED;
		for (i = 0; i < CS_GTP_EXT_MAX && gtp->flags & GTP_E && *next;
		     i++) {
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

/* VXLAN-GPE's next protocol: IP directly, or Ethernet; 0 for NSH, MPLS. */
static __always_inline int vxlan_gpe_layer(__u8 next)
{
	if (next == VXLAN_GPE_IPV4)
		return CS_AT_IP4;
	if (next == VXLAN_GPE_IPV6)
		return CS_AT_IP6;
	return next == VXLAN_GPE_ETH ? CS_AT_ETH : 0;
}

static __always_inline int udp_tunnel_parse(struct cs_cursor *c,
					    struct cs_walk *w,
					    struct cs_flow *f,
					    const volatile __be16 *extra)
{
	struct cs_ports *ports = c->pos;
	struct cs_vxlan_gpe *gpe;
	struct cs_geneve *gnv;
	struct cs_vxlan *vx;
	int kind, layer;

	/* Only a tunnel's port needs the whole UDP header. */
	if ((void *)(ports + 1) > c->end)
		return -CS_REASON_TRUNCATED;
	kind = udp_tunnel_kind(ports->dst, w->tunnel, extra);
	if (!kind)
		return 0;
	if (!cs_pull(c, struct cs_udp))
		return -CS_REASON_TRUNCATED;
	switch (kind) {
	case CS_UDPT_VXLAN:
		vx = cs_pull(c, struct cs_vxlan);
		if (!vx)
			return -CS_REASON_TRUNCATED;
		if (w->tunnel & CS_TUN_ID)
			f->tunnel_id = vx->vni;
		walk_seen(w, CS_ENCAP_VXLAN);
		return CS_AT_ETH;
	case CS_UDPT_VXLAN_GPE:
		gpe = cs_pull(c, struct cs_vxlan_gpe);
		if (!gpe)
			return -CS_REASON_TRUNCATED;
		layer = vxlan_gpe_layer(gpe->next);
		if (!layer)
			return 0;	/* NSH, MPLS: the outer flow */
		if (w->tunnel & CS_TUN_ID)
			f->tunnel_id = gpe->vni;
		walk_seen(w, CS_ENCAP_VXLAN_GPE);
		return layer;
	case CS_UDPT_GENEVE:
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
	case CS_UDPT_GTPU:
		return gtpu_parse(c, w, f);
	}
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
	if (l4 == IPPROTO_ICMP ? !(*type == ICMP_DEST_UNREACH ||
				   *type == ICMP_TIME_EXCEEDED ||
				   *type == ICMP_PARAMETERPROB) :
				 !(*type >= ICMPV6_DEST_UNREACH &&
				   *type <= ICMPV6_PARAMPROB))
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

#endif /* CS_ENCAP_H */
