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

static void build_eth(const struct cs_frame_spec *s, struct builder *b)
{
	__u16 type = s->ethertype ? s->ethertype :
		     s->family == 6 ? ETH_P_IPV6 : ETH_P_IP;
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

size_t cs_frame_build(const struct cs_frame_spec *s, __u8 *buf, size_t cap)
{
	struct builder b = { .buf = buf, .cap = cap };
	size_t l3, l4;
	__u8 *p;

	build_eth(s, &b);
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
	return b.len;
}
