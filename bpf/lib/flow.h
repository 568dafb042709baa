/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Frame to flow: the driver. The fixed-offset fast paths for the shapes
 * that dominate real traffic (plain IPv4/IPv6 TCP/UDP; untagged PPPoE,
 * VXLAN and option-less GRE around them), then the inline general parser,
 * which hands PPPoE, MPLS and possible tunnels to the walk (walk.h).
 */
#ifndef CS_FLOW_H
#define CS_FLOW_H

#include "encap.h"

/* cs_parse_flow() hands the frame to the encapsulation walk. */
#define CS_PARSE_WALK		1

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
		f->ipver = 4;
		f->l4_off = off + sizeof(*ip);
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		ports = (void *)(ip6 + 1);
		if ((void *)(ports + 1) > c->end || ip6->version != 6 ||
		    !l4_is_tcp_udp(ip6->nexthdr))
			return 0;
		f->src = ipv6_addr_fold(&ip6->saddr);
		f->dst = ipv6_addr_fold(&ip6->daddr);
		f->proto = ip6->nexthdr;
		f->ipver = 6;
		f->l4_off = off + sizeof(*ip6);
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
	f->l3_off = off;
	return 1;
}

static __always_inline int cs_parse_fast(struct cs_cursor *c,
					 struct cs_flow *f, int with_ports,
					 __u32 tunnel,
					 const volatile __be16 *extra)
{
	struct cs_ethhdr *eth = c->pos;
	struct cs_vlanhdr *vlan = (void *)(eth + 1);

	if ((void *)(eth + 1) > c->end)
		return 0;
	if (eth->proto != bpf_htons(ETH_P_8021Q))
		return fast_ip(c, sizeof(*eth), eth->proto, f, with_ports,
			       tunnel, extra);
	/* One 802.1Q tag, as common on access links as none. */
	if ((void *)(vlan + 1) > c->end)
		return 0;
	return fast_ip(c, sizeof(*eth) + sizeof(*vlan), vlan->encap_proto, f,
		       with_ports, tunnel, extra);
}

/*
 * Fast paths for the tunnels that dominate where cpusteer is needed: an
 * untagged PPPoE session, and VXLAN (port 4789) or option-less GRE over
 * IPv4 without options or IPv6 without extension headers, each carrying
 * the fast path's own inner shape. Fixed offsets, no calls: a walk call
 * costs a function return, which this machine's SRSO mitigation makes
 * dear. They read what the walk would and produce the same flow (the
 * encapsulation tests check the buckets); anything else returns 0 and
 * takes the walk. @encap says which encapsulation was entered.
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
					__u32 *encap)
{
	struct cs_vxlan_frame *vx = c->pos + l3 + l3len;
	struct cs_gre *gre = c->pos + l3 + l3len;

	if (l4 == IPPROTO_GRE) {
		if ((void *)(gre + 1) > c->end || gre->flags)
			return 0;	/* options or version: the walk */
		*encap = CS_ENCAP_GRE;
		return fast_ip(c, l3 + l3len + sizeof(*gre), gre->proto, f,
			       with_ports, tunnel, extra);
	}
	if (l4 != IPPROTO_UDP || (void *)(vx + 1) > c->end ||
	    vx->udp.dport != bpf_htons(CS_PORT_VXLAN))
		return 0;
	if (tunnel & CS_TUN_ID)
		f->tunnel_id = vx->vxlan.vni;
	*encap = CS_ENCAP_VXLAN;
	/* Not sizeof(*vx): alignment pads it past the 14-byte header. */
	return fast_ip(c, l3 + l3len + offsetof(struct cs_vxlan_frame, eth) +
		       sizeof(struct cs_ethhdr), vx->eth.proto, f,
		       with_ports, tunnel, extra);
}

static __always_inline int cs_parse_fast_tunnel(struct cs_cursor *c,
						struct cs_flow *f,
						int with_ports, __u32 tunnel,
						const volatile __be16 *extra,
						__u32 *encap)
{
	struct cs_ethhdr *eth = c->pos;
	struct cs_pppoe *pppoe = (void *)(eth + 1);
	struct iphdr *ip = (void *)(eth + 1);
	struct ipv6hdr *ip6 = (void *)(eth + 1);

	if ((void *)(pppoe + 1) > c->end)
		return 0;
	if (eth->proto == bpf_htons(ETH_P_PPP_SES)) {
		/* Two-byte protocols only: a compressed one takes the walk. */
		__be16 pp = *(__be16 *)pppoe->ppp_proto;

		*encap = CS_ENCAP_PPPOE;
		return fast_ip(c, sizeof(*eth) + sizeof(*pppoe),
			       pp == bpf_htons(PPP_IP) ? bpf_htons(ETH_P_IP) :
			       pp == bpf_htons(PPP_IPV6) ?
			       bpf_htons(ETH_P_IPV6) : 0,
			       f, with_ports, tunnel, extra);
	}
	if (eth->proto == bpf_htons(ETH_P_IP)) {
		if ((void *)(ip + 1) > c->end || *(__u8 *)ip != 0x45 ||
		    (ip->frag_off & CS_IPV4_FRAG_MASK))
			return 0;
		return fast_over_ip(c, sizeof(*eth), sizeof(*ip),
				    ip->protocol, f, with_ports, tunnel,
				    extra, encap);
	}
	if (eth->proto == bpf_htons(ETH_P_IPV6)) {
		if ((void *)(ip6 + 1) > c->end || ip6->version != 6)
			return 0;
		return fast_over_ip(c, sizeof(*eth), sizeof(*ip6),
				    ip6->nexthdr, f, with_ports, tunnel,
				    extra, encap);
	}
	return 0;
}

/*
 * Frame to flow key for everything the fast path does not take, inline
 * for the common shapes (tags, IPv4 options, IPv6 extension headers);
 * @base is the frame start, for the header offsets. Returns 0 with the
 * flow complete, a negative enum cs_reason,
 * or CS_PARSE_WALK when PPPoE, MPLS or a possible tunnel starts: the
 * walk (walk.h) goes on from @w_at / @w_l4 at the cursor.
 */
static __always_inline int cs_parse_flow(struct cs_cursor *c,
					 const void *base,
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
	f->l3_off = c->pos - base;
	f->ipver = at == CS_AT_IP4 ? 4 : 6;
	l4 = at == CS_AT_IP4 ? ipv4_parse(c, f) : ipv6_parse(c, f);
	if (l4 < 0)
		return l4;
	f->l4_off = l4 == CS_L4_NONE ? 0 : c->pos - base;
	if (!(w->tunnel & CS_TUN_OUTER) && l4_may_tunnel(l4)) {
		/* Plain UDP is by far the common case: keep it inline. */
		ports = c->pos;
		if (l4 == IPPROTO_UDP && (void *)(ports + 1) <= c->end &&
		    !udp_tunnel_kind(ports->dst, w->tunnel, extra))
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

#endif /* CS_FLOW_H */
