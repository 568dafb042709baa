// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/in6.h>

#include "frame.h"

struct builder {
	__u8 *buf;
	size_t len, cap;
	bool overflow;
};

static __u8 *put(struct builder *b, size_t n)
{
	__u8 *p;

	if (b->overflow || b->len + n > b->cap) {
		b->overflow = true;
		return NULL;
	}
	p = b->buf + b->len;
	memset(p, 0, n);
	b->len += n;
	return p;
}

static void put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static __u32 csum_add(__u32 sum, const __u8 *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (p[i] << 8) | p[i + 1];
	if (n & 1)
		sum += p[n - 1] << 8;
	return sum;
}

static __u16 csum_fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

void cs_frame_spec_init(struct cs_frame_spec *s)
{
	static const __u8 dmac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	static const __u8 smac[6] = { 0x02, 0, 0, 0, 0, 0x01 };

	memset(s, 0, sizeof(*s));
	memcpy(s->dst_mac, dmac, 6);
	memcpy(s->src_mac, smac, 6);
	cs_frame_set_addrs(s, "10.0.0.1", "10.0.0.2");
	s->proto = IPPROTO_UDP;
	s->sport = 1000;
	s->dport = 2000;
	s->payload_len = 18;
}

int cs_frame_set_addrs(struct cs_frame_spec *s, const char *src,
		       const char *dst)
{
	memset(s->src, 0, 16);
	memset(s->dst, 0, 16);
	if (inet_pton(AF_INET, src, s->src) == 1 &&
	    inet_pton(AF_INET, dst, s->dst) == 1) {
		s->family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, src, s->src) == 1 &&
	    inet_pton(AF_INET6, dst, s->dst) == 1) {
		s->family = 6;
		return 0;
	}
	return -EINVAL;
}

static size_t l4_hdr_len(__u8 proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return 20;
	case IPPROTO_SCTP:
		return 12;
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return 8;
	default:
		return 0;
	}
}

/* The ethertype announcing layer @i (nencap: the inner IP). */
static __u16 layer_ethertype(const struct cs_frame_spec *s, int i)
{
	if (i >= s->nencap)
		return s->family == 6 ? ETH_P_IPV6 : ETH_P_IP;
	switch (s->encap[i].type) {
	case CS_FE_PPPOE:
		return 0x8864;
	case CS_FE_MPLS:
		return 0x8847;
	default:
		return s->encap[i].family == 6 ? ETH_P_IPV6 : ETH_P_IP;
	}
}

/* IP family of layer @i if it starts with IP, 0 if not. */
static int layer_family(const struct cs_frame_spec *s, int i)
{
	if (i >= s->nencap)
		return s->family;
	if (s->encap[i].type == CS_FE_PPPOE || s->encap[i].type == CS_FE_MPLS)
		return 0;
	return s->encap[i].family;
}

static void build_eth(const struct cs_frame_spec *s, struct builder *b)
{
	__u16 type = s->ethertype ? s->ethertype : layer_ethertype(s, 0);
	__u8 *p = put(b, ETH_HLEN);
	int i;

	if (!p)
		return;
	memcpy(p, s->dst_mac, 6);
	memcpy(p + 6, s->src_mac, 6);
	put16(p + 12, s->nvlan ? s->vlan_tpid[0] : type);
	for (i = 0; i < s->nvlan && i < CS_FRAME_VLAN_MAX; i++) {
		p = put(b, 4);
		if (!p)
			return;
		put16(p, s->vlan_id[i] & 0xfff);
		put16(p + 2, i + 1 < s->nvlan ? s->vlan_tpid[i + 1] : type);
	}
}

/* IPv4 header; returns its offset so the total length can be set last. */
static size_t build_ipv4(const struct cs_frame_spec *s, struct builder *b)
{
	size_t hl = 20 + 4 * s->ipv4_opt_words, off = b->len;
	__u8 *p = put(b, hl);

	if (!p)
		return off;
	p[0] = 0x40 | (s->ipv4_ihl ? s->ipv4_ihl & 0xf : hl / 4);
	put16(p + 6, (s->more_frags ? 0x2000 : 0) | (s->frag_offset & 0x1fff));
	p[8] = 64;
	p[9] = s->proto;
	memcpy(p + 12, s->src, 4);
	memcpy(p + 16, s->dst, 4);
	memset(p + 20, 1, hl - 20);	/* NOP options */
	return off;
}

static size_t build_ipv6(const struct cs_frame_spec *s, struct builder *b)
{
	size_t off = b->len;
	__u8 *p = put(b, 40), *next;
	int i;

	if (!p)
		return off;
	p[0] = 0x60;
	p[7] = 64;
	memcpy(p + 8, s->src, 16);
	memcpy(p + 24, s->dst, 16);
	next = p + 6;
	for (i = 0; i < s->n_ext && i < CS_FRAME_EXT_MAX; i++) {
		__u8 *e = put(b, 8);

		if (!e)
			return off;
		*next = s->ext[i];
		next = e;	/* every ext header starts with nexthdr */
		if (s->ext[i] == IPPROTO_AH)
			e[1] = 0;	/* (0 + 2) * 4 = 8 bytes */
	}
	if (s->frag_header) {
		__u8 *f = put(b, 8);

		if (!f)
			return off;
		*next = IPPROTO_FRAGMENT;
		next = f;
		put16(f + 2, (s->frag_offset << 3) | (s->more_frags ? 1 : 0));
		f[7] = 0x42;	/* identification */
		/* The fragmentable part may start with more (RFC 8200 4.5). */
		for (i = 0; i < s->dstopts_after_frag; i++) {
			__u8 *e = put(b, 8);

			if (!e)
				return off;
			*next = IPPROTO_DSTOPTS;
			next = e;
		}
	}
	*next = s->proto;
	return off;
}

static size_t build_l4(const struct cs_frame_spec *s, struct builder *b)
{
	size_t off = b->len, hl = l4_hdr_len(s->proto);
	__u8 *p;

	/* A later fragment carries payload only, no L4 header. */
	if (s->frag_offset)
		hl = 0;
	p = put(b, hl);
	if (!p || !hl)
		return off;
	switch (s->proto) {
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		p[0] = s->icmp_type;
		break;
	default:
		put16(p, s->sport);
		put16(p + 2, s->dport);
		if (s->proto == IPPROTO_TCP) {
			p[12] = 5 << 4;		/* data offset */
			p[13] = 0x10;		/* ACK */
			put16(p + 14, 65535);	/* window */
		}
	}
	return off;
}

/* Lengths and checksums, once every byte is in place. */
static void finish(const struct cs_frame_spec *s, struct builder *b,
		   size_t l3, size_t l4)
{
	__u8 *ip = b->buf + l3, *h = b->buf + l4;
	size_t l4len = b->len - l4;
	__u32 sum = 0;

	if (s->family == 4) {
		put16(ip + 2, b->len - l3);
		put16(ip + 10, csum_fold(csum_add(0, ip, l4 - l3)));
		sum = csum_add(0, ip + 12, 8);
	} else {
		put16(ip + 4, b->len - l3 - 40);
		sum = csum_add(0, ip + 8, 32);
	}
	if (s->frag_offset || s->more_frags || s->frag_header)
		return;		/* fragments: no L4 checksum to compute */
	sum += s->proto + l4len;
	switch (s->proto) {
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
		put16(h + 4, l4len);
		put16(h + 6, csum_fold(csum_add(sum, h, l4len)) ?: 0xffff);
		break;
	case IPPROTO_TCP:
		put16(h + 16, csum_fold(csum_add(sum, h, l4len)));
		break;
	case IPPROTO_ICMPV6:
		put16(h + 2, csum_fold(csum_add(sum, h, l4len)));
		break;
	case IPPROTO_ICMP:
		put16(h + 2, csum_fold(csum_add(0, h, l4len)));
		break;
	}
}

struct cs_frame_encap *cs_frame_add_encap(struct cs_frame_spec *s, int type,
					  const char *src, const char *dst)
{
	struct cs_frame_encap *e;
	int fam = 0;

	if (s->nencap >= CS_FRAME_ENCAP_MAX)
		return NULL;
	e = &s->encap[s->nencap];
	memset(e, 0, sizeof(*e));
	if (src || dst) {
		if (inet_pton(AF_INET, src, e->src) == 1 &&
		    inet_pton(AF_INET, dst, e->dst) == 1)
			fam = 4;
		else if (inet_pton(AF_INET6, src, e->src) == 1 &&
			 inet_pton(AF_INET6, dst, e->dst) == 1)
			fam = 6;
		else
			return NULL;
	}
	e->type = type;
	e->family = fam;
	e->labels = 1;
	e->udp_sport = 49152;
	s->nencap++;
	return e;
}

/* Fix-ups once the frame is complete: lengths run to its end. */
struct fixup {
	int kind;		/* FIX_* */
	size_t off;
};
enum { FIX_IP4 = 1, FIX_IP6, FIX_UDP, FIX_PPPOE, FIX_GTP };

struct encap_ctx {
	struct fixup fix[3 * CS_FRAME_ENCAP_MAX];
	int nfix;
};

static void fix_add(struct encap_ctx *x, int kind, size_t off)
{
	if (x->nfix < (int)(sizeof(x->fix) / sizeof(x->fix[0])))
		x->fix[x->nfix++] = (struct fixup){ kind, off };
}

/* An outer IP header whose payload is protocol @proto. */
static void build_outer_ip(const struct cs_frame_encap *e, __u8 proto,
			   struct builder *b, struct encap_ctx *x)
{
	size_t off = b->len;
	__u8 *p = put(b, e->family == 6 ? 40 : 20);

	if (!p)
		return;
	if (e->family == 6) {
		p[0] = 0x60;
		p[6] = proto;
		p[7] = 64;
		memcpy(p + 8, e->src, 16);
		memcpy(p + 24, e->dst, 16);
		fix_add(x, FIX_IP6, off);
	} else {
		p[0] = 0x45;
		p[8] = 64;
		p[9] = proto;
		memcpy(p + 12, e->src, 4);
		memcpy(p + 16, e->dst, 4);
		fix_add(x, FIX_IP4, off);
	}
}

static void build_inner_eth(__u16 type, struct builder *b)
{
	static const __u8 mac[6] = { 0x02, 0, 0, 0, 0x0e, 0x0e };
	__u8 *p = put(b, ETH_HLEN);

	if (!p)
		return;
	memcpy(p, mac, 6);
	memcpy(p + 6, mac, 6);
	p[11] = 0x0f;
	put16(p + 12, type);
}

static void build_udp(const struct cs_frame_encap *e, __u16 dport,
		      struct builder *b, struct encap_ctx *x)
{
	size_t off = b->len;
	__u8 *p = put(b, 8);

	if (!p)
		return;
	put16(p, e->udp_sport);
	put16(p + 2, dport);
	fix_add(x, FIX_UDP, off);	/* checksum 0: allowed for tunnels */
}

static void build_gre(const struct cs_frame_encap *e, __u16 proto,
		      struct builder *b)
{
	__u16 flags = e->version & 7;
	__u8 *p;

	if (e->gre_flags & CS_FE_GRE_CSUM)
		flags |= 0x8000;
	if (e->gre_flags & CS_FE_GRE_KEY)
		flags |= 0x2000;
	if (e->gre_flags & CS_FE_GRE_SEQ)
		flags |= 0x1000;
	p = put(b, 4);
	if (!p)
		return;
	put16(p, flags);
	put16(p + 2, proto);
	if (e->gre_flags & CS_FE_GRE_CSUM)
		put(b, 4);
	if (e->gre_flags & CS_FE_GRE_KEY && (p = put(b, 4))) {
		put16(p, e->id >> 16);
		put16(p + 2, e->id & 0xffff);
	}
	if (e->gre_flags & CS_FE_GRE_SEQ && (p = put(b, 4)))
		p[3] = 1;
}

/* Layer @i and everything it announces about layer @i + 1. */
static void build_encap(const struct cs_frame_spec *s, int i,
			struct builder *b, struct encap_ctx *x)
{
	const struct cs_frame_encap *e = &s->encap[i];
	int next_fam = layer_family(s, i + 1), l, n;
	__u16 next_type = layer_ethertype(s, i + 1);
	size_t off;
	__u8 *p;

	switch (e->type) {
	case CS_FE_PPPOE:
		off = b->len;
		p = put(b, e->pfc ? 7 : 8);
		if (!p)
			return;
		p[0] = 0x11;
		put16(p + 2, e->id);
		if (e->pfc)
			p[6] = next_fam == 6 ? 0x57 : 0x21;
		else
			put16(p + 6, e->ppp_proto ? e->ppp_proto :
				     next_fam == 6 ? 0x0057 : 0x0021);
		fix_add(x, FIX_PPPOE, off);
		return;
	case CS_FE_MPLS:
		n = (e->labels ? e->labels : 1) + (e->entropy ? 2 : 0);
		for (l = 0; l < n; l++) {
			__u32 lse = ((e->id + l) & 0xfffff) << 12 | 64;

			/* ELI (label 7), then the entropy label itself. */
			if (e->entropy && l == n - 2)
				lse = 7 << 12 | 64;
			if (e->entropy && l == n - 1)
				lse = (0x5eed0 | (e->id & 0xf)) << 12;
			p = put(b, 4);
			if (!p)
				return;
			if (l + 1 == n)
				lse |= 0x100;	/* bottom of stack */
			put16(p, lse >> 16);
			put16(p + 2, lse & 0xffff);
		}
		if (e->cw) {
			put(b, 4);		/* control word: 0000... */
			build_inner_eth(next_type, b);
		}
		return;
	case CS_FE_IPIP:
		build_outer_ip(e, next_fam == 6 ? 41 : 4, b, x);
		return;
	case CS_FE_GRE:
	case CS_FE_GRE_TEB:
	case CS_FE_ERSPAN1:
	case CS_FE_ERSPAN2:
	case CS_FE_ERSPAN3:
		build_outer_ip(e, 47, b, x);
		if (e->type == CS_FE_GRE) {
			build_gre(e, next_type, b);
			return;
		}
		if (e->type == CS_FE_GRE_TEB) {
			build_gre(e, 0x6558, b);
		} else if (e->type == CS_FE_ERSPAN1) {
			struct cs_frame_encap g = *e;

			g.gre_flags &= ~CS_FE_GRE_SEQ;	/* I has none */
			build_gre(&g, 0x88be, b);
		} else if (e->type == CS_FE_ERSPAN2) {
			struct cs_frame_encap g = *e;

			g.gre_flags |= CS_FE_GRE_SEQ;	/* II requires it */
			build_gre(&g, 0x88be, b);
			p = put(b, 8);
			if (p)
				p[0] = 0x10;	/* version 1 */
		} else {
			build_gre(e, 0x22eb, b);
			p = put(b, 12);
			if (p)
				p[0] = 0x20;	/* version 2, no O flag */
		}
		build_inner_eth(next_type, b);
		return;
	case CS_FE_VXLAN:
		build_outer_ip(e, 17, b, x);
		build_udp(e, e->udp_port ? e->udp_port : 4789, b, x);
		p = put(b, 8);
		if (!p)
			return;
		p[0] = 0x08;
		put16(p + 4, e->id >> 8);
		p[6] = e->id & 0xff;
		build_inner_eth(next_type, b);
		return;
	case CS_FE_GENEVE:
		build_outer_ip(e, 17, b, x);
		build_udp(e, 6081, b, x);
		p = put(b, 8);
		if (!p)
			return;
		p[0] = e->opt_words & 0x3f;
		put16(p + 2, e->ip ? next_type : 0x6558);
		put16(p + 4, e->id >> 8);
		p[6] = e->id & 0xff;
		put(b, 4 * e->opt_words);
		if (!e->ip)
			build_inner_eth(next_type, b);
		return;
	case CS_FE_VXLAN_GPE:
		build_outer_ip(e, 17, b, x);
		build_udp(e, 4790, b, x);
		p = put(b, 8);
		if (!p)
			return;
		p[0] = 0x0c;		/* version 0, I and P */
		p[3] = e->eth ? 3 : next_fam == 6 ? 2 : 1;
		put16(p + 4, e->id >> 8);
		p[6] = e->id & 0xff;
		if (e->eth)
			build_inner_eth(next_type, b);
		return;
	case CS_FE_GTPU:
		build_outer_ip(e, 17, b, x);
		build_udp(e, 2152, b, x);
		off = b->len;
		p = put(b, 8);
		if (!p)
			return;
		p[0] = (e->version ? e->version : 1) << 5 | 0x10 |
		       (e->opt_words ? 0x04 : 0) | (e->seq ? 0x02 : 0);
		p[1] = 0xff;
		put16(p + 4, e->id >> 16);
		put16(p + 6, e->id & 0xffff);
		fix_add(x, FIX_GTP, off);
		if (e->seq && !e->opt_words) {
			/* seq 0x1234, N-PDU 0, next type 0x85: junk, as
			 * E is clear (TS 29.281 5.1)
			 */
			p = put(b, 4);
			if (p) {
				put16(p, 0x1234);
				p[3] = 0x85;
			}
		}
		if (e->opt_words) {
			/* seq, N-PDU, next: PDU session container (0x85) */
			p = put(b, 4);
			if (p)
				p[3] = 0x85;
			p = put(b, 4 * e->opt_words);
			if (p) {
				p[0] = e->opt_words;
				p[4 * e->opt_words - 1] = 0;	/* no more */
			}
		}
		return;
	}
}

static void encap_finish(struct builder *b, const struct encap_ctx *x)
{
	int i;

	for (i = 0; i < x->nfix; i++) {
		__u8 *p = b->buf + x->fix[i].off;
		size_t rest = b->len - x->fix[i].off;

		switch (x->fix[i].kind) {
		case FIX_IP4:
			put16(p + 2, rest);
			put16(p + 10, 0);
			put16(p + 10, csum_fold(csum_add(0, p, 20)));
			break;
		case FIX_IP6:
			put16(p + 4, rest - 40);
			break;
		case FIX_UDP:
			put16(p + 4, rest);
			break;
		case FIX_PPPOE:
			put16(p + 4, rest - 6);
			break;
		case FIX_GTP:
			put16(p + 2, rest - 8);
			break;
		}
	}
}

size_t cs_frame_build(const struct cs_frame_spec *s, __u8 *buf, size_t cap)
{
	return cs_frame_build_layout(s, buf, cap, NULL);
}

size_t cs_frame_build_layout(const struct cs_frame_spec *s, __u8 *buf,
			     size_t cap, struct cs_frame_layout *lay)
{
	struct builder b = { .buf = buf, .cap = cap };
	struct encap_ctx x = {};
	size_t l3, l4;
	__u8 *p;
	int i;

	build_eth(s, &b);
	for (i = 0; i < s->nencap && i < CS_FRAME_ENCAP_MAX; i++)
		build_encap(s, i, &b, &x);
	l3 = b.len;
	if (s->family == 6)
		build_ipv6(s, &b);
	else
		build_ipv4(s, &b);
	l4 = b.len;
	build_l4(s, &b);
	p = put(&b, s->payload_len);
	if (p && s->payload)
		memcpy(p, s->payload, s->payload_len);
	if (b.overflow)
		return 0;
	finish(s, &b, l3, l4);
	encap_finish(&b, &x);
	if (lay)
		*lay = (struct cs_frame_layout){ l3, l4, l4 + (b.len - l4 -
						 s->payload_len) };
	return b.len;
}
