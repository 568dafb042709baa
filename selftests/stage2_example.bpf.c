// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * An example of a user's own stage 2, for cpusteer attach --stage2-obj:
 * one SEC("xdp/cpumap") program that reads what stage 1 wrote in front of
 * the frame (include/cs_meta.h) instead of parsing the frame again, and
 * keeps, per CPU it ran on, how many frames it saw with metadata and the
 * last one's hash, bucket and header offsets. test_custom.sh reads them
 * with bpftool and holds them against what stage 1 decided.
 *
 *   clang -O2 -g -target bpf -I include -c stage2_example.bpf.c
 *   cpusteer attach eth0 --cpus 2-7 --stage2-obj stage2_example.bpf.o
 *   bpftool map dump name s2ex_seen
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>

#include "cs_meta.h"

struct s2ex_seen {
	__u64 frames;		/* frames stage 2 ran for on this CPU */
	__u64 with_meta;	/* of them, with struct cs_meta */
	__u64 tcp_udp;		/* of those, TCP or UDP flows (the last
				 * one's metadata is kept below)
				 */
	__u64 header_ok;	/* of those, an IP header of meta's version
				 * at l3_off
				 */
	__u32 cpu;		/* bpf_get_smp_processor_id() */
	__u32 hash;		/* the last frame's metadata */
	__u32 bucket;
	__u16 l3_off;
	__u16 l4_off;
	__u16 encap;
	__u8 ipver;
	__u8 l4_proto;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct s2ex_seen);
	__uint(max_entries, 1);
} s2ex_seen SEC(".maps");

SEC("xdp/cpumap")
int stage2_example(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct cs_meta *m = (void *)(long)ctx->data_meta;
	struct s2ex_seen *s;
	__u32 zero = 0, off;
	__u8 *l3;

	s = bpf_map_lookup_elem(&s2ex_seen, &zero);
	if (!s)
		return XDP_PASS;
	s->frames++;
	s->cpu = bpf_get_smp_processor_id();
	if ((void *)(m + 1) > data || m->version != CS_META_VERSION)
		return XDP_PASS;	/* no metadata: parse it yourself */
	s->with_meta++;
	/* Keep TCP and UDP flows' only: a host's own chatter (ICMPv6
	 * neighbour discovery, MLD) is steered and seen here too.
	 */
	if (m->l4_proto != 6 && m->l4_proto != 17)
		return XDP_PASS;
	s->tcp_udp++;
	s->hash = m->hash;
	s->bucket = m->bucket;
	s->l3_off = m->l3_off;
	s->l4_off = m->l4_off;
	s->encap = m->encap;
	s->ipver = m->ipver;
	s->l4_proto = m->l4_proto;
	off = m->l3_off;
	if (!(m->flags & CS_META_F_LOC) || off > 4096)
		return XDP_PASS;
	l3 = data + off;
	if ((void *)(l3 + 1) <= end && *l3 >> 4 == m->ipver)
		s->header_ok++;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
