/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The one flow parser. Cursor-based: every helper checks its own bounds
 * against the cursor's end, advances the cursor, and returns either the next
 * protocol (>= 0) or a negative enum cs_reason. No helper reads a byte it has
 * not bounds-checked, and every loop has a named bound from cpusteer.h.
 */
#ifndef CS_PARSE_H
#define CS_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "cpusteer.h"
#include "cs_hash.h"

struct cs_cursor {
	void *pos;
	void *end;
};

/*
 * Take a header of type @type at the cursor: NULL when it does not fit in
 * the frame, else the header, with the cursor moved past it. The comparison
 * is written on the header pointer so the verifier sees the range proven.
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

/* Protocols the ports are read for: all carry them in the first 4 bytes. */
struct cs_ports {
	__be16 src;
	__be16 dst;
};

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

/*
 * Fast path for the frames that dominate real traffic: untagged IPv4 without
 * options and not fragmented, or untagged IPv6 without extension headers,
 * carrying TCP or UDP. Fixed offsets and one bounds check; it reads exactly
 * the fields the general path would and produces the same flow, and says 0
 * ("not mine") for anything else so the general path starts over. Measured:
 * the general path alone costs ~5 ns more per IPv4/UDP frame.
 */
static __always_inline int l4_is_tcp_udp(__u8 proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP;
}

/*
 * Separate naturally-typed pointers, not one packed struct: clang splits
 * every load from a packed struct into bytes on the BPF target. One bounds
 * check covers Ethernet + IPv4 + ports (38 bytes); IPv6 needs 20 more.
 */
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

/*
 * IPv4 without options and not fragmented, or IPv6 without extension
 * headers, carrying TCP or UDP, at the constant offset @off (announced
 * by @proto, an ethertype): the flow, or 0 for any other shape.
 */
static __always_inline int fast_ip(struct cs_cursor *c, const __u32 off,
				   __be16 proto, struct cs_flow *f,
				   int with_ports, __u32 tunnel,
				   const volatile __be16 *extra)
{
	struct iphdr *ip = c->pos + off;
	struct ipv6hdr *ip6 = c->pos + off;
	struct cs_ports *ports = (void *)(ip + 1);
	__u32 pw;

	if ((void *)(ports + 1) > c->end)
		return 0;
	if (proto == bpf_htons(ETH_P_IP)) {
		if (*(__u8 *)ip != 0x45 ||	/* version 4, IHL 5 */
		    (ip->frag_off & CS_IPV4_FRAG_MASK) ||
		    !l4_is_tcp_udp(ip->protocol))
			return 0;
		f->src = ip->saddr;
		f->dst = ip->daddr;
		f->proto = ip->protocol;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		ports = (void *)(ip6 + 1);
		if ((void *)(ports + 1) > c->end || ip6->version != 6 ||
		    !l4_is_tcp_udp(ip6->nexthdr))
			return 0;
		f->src = ipv6_addr_fold(&ip6->saddr);
		f->dst = ipv6_addr_fold(&ip6->daddr);
		f->proto = ip6->nexthdr;
	} else {
		return 0;
	}
	/* One 32-bit load for both ports; the halves are read through
	 * struct cs_ports, so they hold what two 16-bit loads would.
	 */
	pw = *(__u32 *)ports;
	if (!(tunnel & CS_TUN_OUTER) && f->proto == IPPROTO_UDP &&
	    udp_tunnel_kind(((struct cs_ports *)&pw)->dst, tunnel, extra))
		return 0;
	if (with_ports) {
		f->sport = ((struct cs_ports *)&pw)->src;
		f->dport = ((struct cs_ports *)&pw)->dst;
	}
	return 1;
}

static __always_inline int cs_parse_fast(struct cs_cursor *c,
					 struct cs_flow *f, int with_ports,
					 __u32 tunnel,
					 const volatile __be16 *extra)
{
	struct cs_ethhdr *eth = c->pos;

	if ((void *)(eth + 1) > c->end)
		return 0;
	return fast_ip(c, sizeof(*eth), eth->proto, f, with_ports, tunnel,
		       extra);
}

/* cs_parse_flow() hands the frame to the encapsulation walk. */
#define CS_PARSE_WALK		1

#endif /* CS_PARSE_H */
