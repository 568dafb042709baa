/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Layer 3 and the ports: IPv4 (options, fragments), IPv6 (extension
 * headers, fragments), and the ports of TCP, UDP, SCTP and UDP-Lite, into
 * a struct cs_flow. Knows nothing of tunnels.
 */
#ifndef CS_L3_H
#define CS_L3_H

#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>

#include "cs_hash.h"
#include "l2.h"

/* Protocols the ports are read for: all carry them in the first 4 bytes. */
struct cs_ports {
	__be16 src;
	__be16 dst;
};

/* IPv6 fragment header (RFC 8200 4.5), not exported by the uapi headers. */
struct cs_ipv6_frag {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off;
	__be32 id;
};

/* Returned by the L3 helpers for a fragment: hash on the addresses only. */
#define CS_L4_NONE		0x100

/* Fragment offset and "more fragments" bits of the two headers. */
#define CS_IPV4_FRAG_MASK	bpf_htons(0x3fff)	/* MF | offset */
#define CS_IPV6_FRAG_MASK	bpf_htons(0xfff9)	/* offset | M */

static __always_inline int ipv4_is_fragment(const struct iphdr *ip)
{
	return (ip->frag_off & CS_IPV4_FRAG_MASK) != 0;
}

/* IPv4 with options (IHL honoured); fragments return CS_L4_NONE. */
static __always_inline int ipv4_parse(struct cs_cursor *c, struct cs_flow *f)
{
	struct iphdr *ip = c->pos;
	__u32 hdrlen;

	if ((void *)(ip + 1) > c->end)
		return -CS_REASON_TRUNCATED;
	if (ip->version != 4 || ip->ihl < 5)
		return -CS_REASON_BAD_IPV4;
	hdrlen = ip->ihl * 4;
	if (c->pos + hdrlen > c->end)
		return -CS_REASON_TRUNCATED;
	c->pos += hdrlen;

	f->src = ip->saddr;
	f->dst = ip->daddr;
	f->proto = ip->protocol;
	return ipv4_is_fragment(ip) ? CS_L4_NONE : ip->protocol;
}

static __always_inline __u32 ipv6_addr_fold(const struct in6_addr *a)
{
	return a->in6_u.u6_addr32[0] ^ a->in6_u.u6_addr32[1] ^
	       a->in6_u.u6_addr32[2] ^ a->in6_u.u6_addr32[3];
}

static __always_inline int ipv6_is_ext(__u32 nexthdr)
{
	return nexthdr == IPPROTO_HOPOPTS || nexthdr == IPPROTO_ROUTING ||
	       nexthdr == IPPROTO_DSTOPTS || nexthdr == IPPROTO_FRAGMENT ||
	       nexthdr == IPPROTO_AH;
}

/*
 * One extension header at the cursor: returns the header after it. A
 * fragment header ends the walk (returns CS_L4_NONE) with the protocol it
 * announces, which is the same in every fragment of a datagram.
 */
static __always_inline int ipv6_ext_skip(struct cs_cursor *c, __u32 nexthdr,
					 struct cs_flow *f)
{
	struct ipv6_opt_hdr *opt = c->pos;
	struct cs_ipv6_frag *frag;

	if (nexthdr == IPPROTO_FRAGMENT) {
		frag = cs_pull(c, struct cs_ipv6_frag);
		if (!frag)
			return -CS_REASON_TRUNCATED;
		f->proto = frag->nexthdr;
		if (frag->frag_off & CS_IPV6_FRAG_MASK)
			return CS_L4_NONE;
		return frag->nexthdr;	/* atomic fragment: a whole datagram */
	}
	if ((void *)(opt + 1) > c->end)
		return -CS_REASON_TRUNCATED;
	/* AH counts its length in 4-byte units minus 2 (RFC 4302 2.2). */
	if (nexthdr == IPPROTO_AH)
		c->pos += (opt->hdrlen + 2) * 4;
	else
		c->pos += (opt->hdrlen + 1) * 8;
	return opt->nexthdr;
}

static __always_inline int ipv6_parse(struct cs_cursor *c, struct cs_flow *f)
{
	struct ipv6hdr *ip6 = cs_pull(c, struct ipv6hdr);
	int nexthdr, i;

	if (!ip6)
		return -CS_REASON_TRUNCATED;
	if (ip6->version != 6)
		return -CS_REASON_BAD_IPV6;
	f->src = ipv6_addr_fold(&ip6->saddr);
	f->dst = ipv6_addr_fold(&ip6->daddr);
	nexthdr = ip6->nexthdr;

	for (i = 0; i < CS_IPV6_EXT_MAX; i++) {
		if (!ipv6_is_ext(nexthdr))
			break;
		nexthdr = ipv6_ext_skip(c, nexthdr, f);
		if (nexthdr < 0 || nexthdr == CS_L4_NONE)
			return nexthdr;
	}
	if (ipv6_is_ext(nexthdr))
		return -CS_REASON_IPV6_EXT_DEPTH;
	f->proto = nexthdr;
	return nexthdr;
}

static __always_inline int l4_has_ports(int proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	       proto == IPPROTO_SCTP || proto == IPPROTO_UDPLITE;
}

/* Ports of TCP/UDP/SCTP/UDP-Lite; other protocols hash on addresses. */
static __always_inline int l4_parse_ports(struct cs_cursor *c, int proto,
					  struct cs_flow *f)
{
	struct cs_ports *ports;

	if (!l4_has_ports(proto))
		return 0;
	ports = cs_pull(c, struct cs_ports);
	if (!ports)
		return -CS_REASON_TRUNCATED;
	f->sport = ports->src;
	f->dport = ports->dst;
	return 0;
}

#endif /* CS_L3_H */
