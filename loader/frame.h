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
	__u8 n_ext;		/* IPv6 extension headers before L4 */
	__u8 ext[CS_FRAME_EXT_MAX];	/* IPPROTO_HOPOPTS, _ROUTING, ... */
	__u16 sport;		/* host order */
	__u16 dport;
	__u8 icmp_type;
	__u16 payload_len;
	const void *payload;	/* NULL: zero bytes */
};

/* Sensible defaults: IPv4/UDP 10.0.0.1:1000 -> 10.0.0.2:2000, 18 bytes
 * of payload (a 60-byte frame).
 */
void cs_frame_spec_init(struct cs_frame_spec *s);
/* Returns the frame length, or 0 if it would not fit in @cap. */
size_t cs_frame_build(const struct cs_frame_spec *s, __u8 *buf, size_t cap);
/* "10.0.0.1" or "fd00::1" into spec->src/dst; sets family. */
int cs_frame_set_addrs(struct cs_frame_spec *s, const char *src,
		       const char *dst);

#endif
