/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The traffic generator's ABI, shared by bpf/gen.bpf.c, "cpusteer gen" and
 * the receivers that check what arrived (selftests/udp_flows).
 */
#ifndef CS_GEN_H
#define CS_GEN_H

#include <linux/types.h>

/*
 * Every generated datagram carries this right after its L4 header: which
 * flow it belongs to and its place in that flow, so a receiver can count
 * losses and reorderings. Host byte order: sender and receiver are one
 * machine (veth testbeds); the magic tells a foreign datagram apart.
 */
#define CS_GEN_MAGIC		0x43535446U	/* "CSTF" */

struct cs_gen_payload {
	__u32 magic;
	__u32 flow;
	__u32 seq;
	__u32 pad;
};

/*
 * Flow i: source port sport_base + (i % CS_GEN_PORTS), destination port
 * dport_base + (i % CS_GEN_PORTS), source address base + i / CS_GEN_PORTS.
 * Flows below CS_GEN_PORTS differ in their ports only, so a receiver can
 * own one connected socket per flow.
 */
#define CS_GEN_PORTS		16384

/* One flow as the generator program rewrites it into the template. */
struct cs_gen_flow {
	__be32 saddr;		/* IPv4, or the last word of an IPv6 source */
	__be16 sport;
	__be16 dport;
	__u32 next_seq;		/* written by BPF as packets go out */
	__u32 pad;
};

/*
 * Where the template's fields are (offsets from the frame start), set in
 * .rodata before load; the verifier then sees constant packet offsets.
 */
struct cs_gen_params {
	__u32 ifindex;		/* transmit here (bpf_redirect) */
	__u32 order_mask;	/* gen_order entries - 1 (a power of two) */
	__u16 saddr_off;	/* the rewritten source address word */
	__u16 l4_off;		/* ports */
	__u16 l4_csum_off;	/* 0: no L4 checksum to keep (IPv4 UDP) */
	__u16 ip_csum_off;	/* 0: no IPv4 header checksum (IPv6) */
	__u16 payload_off;	/* struct cs_gen_payload */
	__u16 udp;		/* UDP: a computed checksum 0 goes as 0xffff */
	/* The sending process, as its own PID namespace sees it (the
	 * nsfs device and inode of /proc/self/ns/pid): the tracepoints
	 * count only the flushes this process caused, not another
	 * generator's to a device with the same ifindex elsewhere.
	 */
	__u32 tgid;
	__u64 pidns_dev;
	__u64 pidns_ino;
};

/*
 * What the device did with the frames, from the tracepoints xdp_devmap_xmit
 * (a driver's ndo_xdp_xmit took "sent" of a bulk and dropped "drops", with
 * an errno if it refused them all) and xdp_redirect_err (the redirect
 * failed before the driver: device down, no ndo_xdp_xmit, too big).
 * refused[e] counts errno e for 0 < e < CS_GEN_ERRNO_MAX; refused[0] the
 * frames a driver dropped without an errno (veth: the peer's ring was full,
 * or a frame beyond the peer's MTU); refused[CS_GEN_ERRNO_MAX] any other.
 * 134 is one past EHWPOISON (133), the last errno of asm-generic/errno.h.
 */
#define CS_GEN_ERRNO_MAX	134
#define CS_GEN_REFUSED_SLOTS	(CS_GEN_ERRNO_MAX + 1)

#endif /* CS_GEN_H */
