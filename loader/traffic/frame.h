/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Frame builder: Ethernet, VLAN tags, IPv4 (with options and fragment
 * fields) or IPv6 (with extension headers), TCP/UDP/SCTP/UDP-Lite/ICMP, and
 * a payload; checksums filled in so a receiving stack accepts the frame.
 * Used by bench, the selftests and the pcap writers. Each layer is one
 * function, so a new encapsulation is one more layer.
 */
#ifndef CS_FRAME_H
#define CS_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define CS_FRAME_MAX		9216	/* jumbo frame */
#define CS_FRAME_VLAN_MAX	8	/* > CS_VLAN_MAX: tests go past it */
#define CS_FRAME_EXT_MAX	12	/* > CS_IPV6_EXT_MAX, likewise */

/*
 * Encapsulations, outermost first. IP-based ones carry their own outer
 * addresses; what each one announces as its payload (PPP protocol, GRE
 * protocol, inner ethertype, IP protocol) follows from the layer after it.
 */
enum cs_frame_encap_type {
	CS_FE_NONE = 0,
	CS_FE_PPPOE,		/* PPPoE session, then IP */
	CS_FE_MPLS,		/* label stack, then IP (or cw + Ethernet) */
	CS_FE_GRE,		/* GRE, then IP */
	CS_FE_GRE_TEB,		/* GRE, then Ethernet */
	CS_FE_ERSPAN2,		/* GRE + ERSPAN II, then Ethernet */
	CS_FE_ERSPAN3,		/* GRE + ERSPAN III, then Ethernet */
	CS_FE_VXLAN,		/* UDP 4789 (or udp_port), then Ethernet */
	CS_FE_GENEVE,		/* UDP 6081, options, then Ethernet */
	CS_FE_GTPU,		/* UDP 2152, G-PDU, then IP */
	CS_FE_IPIP,		/* IP directly in IP (4in4, 6in4, 4in6, 6in6) */
	CS_FE_ERSPAN1,		/* GRE 0x88BE, no sequence, then Ethernet */
	CS_FE_VXLAN_GPE,	/* UDP 4790, then IP (or Ethernet: eth) */
	CS_FE_MAX,
};

#define CS_FRAME_ENCAP_MAX	6
#define CS_FE_GRE_CSUM		0x1
#define CS_FE_GRE_KEY		0x2
#define CS_FE_GRE_SEQ		0x4

struct cs_frame_encap {
	__u8 type;		/* enum cs_frame_encap_type */
	__u8 family;		/* outer IP family, IP-based tunnels */
	__u8 src[16];
	__u8 dst[16];
	__u32 id;		/* VNI, GRE key, TEID, first MPLS label, session */
	__u8 gre_flags;		/* CS_FE_GRE_* */
	__u8 labels;		/* MPLS: stack depth (1 if 0) */
	__u8 opt_words;		/* Geneve options / GTP-U extension, 4-byte units */
	bool cw;		/* MPLS: control word + Ethernet pseudowire */
	__u16 udp_sport;
	__u16 udp_port;		/* VXLAN: 0 for 4789 */
	__u8 version;		/* GRE / GTP version, for malformed cases */
	__u16 ppp_proto;	/* PPPoE: 0 for the IP family that follows */
	bool pfc;		/* PPPoE: one-byte PPP protocol (RFC 1661 6.5) */
	bool ip;		/* Geneve: IP right after it, no Ethernet */
	bool eth;		/* VXLAN-GPE: Ethernet, not IP, after it */
	bool entropy;		/* MPLS: an entropy label indicator and an
				 * entropy label (RFC 6790) at the bottom */
	bool seq;		/* GTP-U: S flag and a sequence number, no E
				 * (the next-type byte is junk, ignored) */
};

/* Where the inner headers landed in a built frame. */
struct cs_frame_layout {
	size_t l3;		/* inner IP header */
	size_t l4;		/* inner L4 header */
	size_t payload;
};

struct cs_frame_spec {
	__u8 dst_mac[6];
	__u8 src_mac[6];
	__u8 nvlan;
	__u16 vlan_tpid[CS_FRAME_VLAN_MAX];	/* 0x8100 or 0x88a8 */
	__u16 vlan_id[CS_FRAME_VLAN_MAX];
	__u16 ethertype;	/* 0: IPv4 or IPv6 from family */
	__u8 family;		/* 4 or 6 */
	__u8 src[16];		/* IPv4 uses the first 4 bytes */
	__u8 dst[16];
	__u8 proto;		/* IPPROTO_* */
	__u8 ipv4_opt_words;	/* IPv4 options, in 4-byte words (0-10) */
	__u8 ipv4_ihl;		/* 0: from the options; else written as is */
	__u16 frag_offset;	/* in 8-byte units */
	bool more_frags;
	bool frag_header;	/* IPv6: add a fragment header */
	__u8 dstopts_after_frag;	/* destination-options headers after it */
	__u8 n_ext;		/* IPv6 extension headers before L4 */
	__u8 ext[CS_FRAME_EXT_MAX];	/* IPPROTO_HOPOPTS, _ROUTING, ... */
	__u16 sport;		/* host order */
	__u16 dport;
	__u8 icmp_type;
	__u16 payload_len;
	const void *payload;	/* NULL: zero bytes */
	__u8 nencap;
	struct cs_frame_encap encap[CS_FRAME_ENCAP_MAX];
};

/* Sensible defaults: IPv4/UDP 10.0.0.1:1000 -> 10.0.0.2:2000, 18 bytes
 * of payload (a 60-byte frame).
 */
void cs_frame_spec_init(struct cs_frame_spec *s);
/* Returns the frame length, or 0 if it would not fit in @cap. */
size_t cs_frame_build(const struct cs_frame_spec *s, __u8 *buf, size_t cap);
/* The same, telling where the inner headers are (@lay may be NULL). */
size_t cs_frame_build_layout(const struct cs_frame_spec *s, __u8 *buf,
			     size_t cap, struct cs_frame_layout *lay);
/* Add an IP-based encapsulation from @src to @dst ("10.0.0.1", "fd00::1"),
 * or any other with NULL addresses. Returns the layer to fill in, or NULL
 * when the spec holds CS_FRAME_ENCAP_MAX already or an address is bad.
 */
struct cs_frame_encap *cs_frame_add_encap(struct cs_frame_spec *s, int type,
					  const char *src, const char *dst);
/* "10.0.0.1" or "fd00::1" into spec->src/dst; sets family. */
int cs_frame_set_addrs(struct cs_frame_spec *s, const char *src,
		       const char *dst);

#endif
