// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The receiving end of the reload test (selftests/seqcount): a tc ingress
 * program on the steered interface, so it runs on the target CPU after
 * cpumap built the SKB, in the order the stack would see the frames. It
 * reads cpusteer gen's numbered payload, keeps each flow's next expected
 * number under a spin lock (a flow that moves between CPUs is seen from
 * two at once), and counts per epoch (the test names one per change):
 * frames received, numbers skipped (a gap: lost unless it turns up late)
 * and frames that came after a later one of their flow (reordered). Every
 * counted frame is dropped here: the stack's cost is not what is measured.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "cs_gen.h"

#define SC_MAX_FLOWS	4096
#define SC_MAX_EPOCHS	64

struct sc_flow {
	struct bpf_spin_lock lock;
	__u32 next;		/* the number expected next */
};

struct sc_epoch {
	__u64 received;
	__u64 skipped;		/* numbers jumped over */
	__u64 late;		/* arrived after a later one */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct sc_flow);
	__uint(max_entries, SC_MAX_FLOWS);
} sc_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct sc_epoch);
	__uint(max_entries, SC_MAX_EPOCHS);
} sc_epochs SEC(".maps");

__u32 sc_epoch;		/* set by userspace between changes */
__u64 sc_foreign;	/* frames without a generator payload */

SEC("tc")
int sc_count(struct __sk_buff *skb)
{
	struct cs_gen_payload p;
	struct sc_epoch *e;
	struct sc_flow *f;
	__u32 off, key, skipped = 0, late = 0;
	__u16 proto;
	__u8 l4;

	if (bpf_skb_load_bytes(skb, 12, &proto, sizeof(proto)))
		goto foreign;
	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr ip;

		if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof(ip)))
			goto foreign;
		l4 = ip.protocol;
		off = ETH_HLEN + ip.ihl * 4;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr ip6;

		if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip6, sizeof(ip6)))
			goto foreign;
		l4 = ip6.nexthdr;
		off = ETH_HLEN + sizeof(ip6);
	} else {
		goto foreign;
	}
	if (l4 != IPPROTO_UDP || off > 256 ||
	    bpf_skb_load_bytes(skb, off + sizeof(struct udphdr), &p, sizeof(p)) ||
	    p.magic != CS_GEN_MAGIC || p.flow >= SC_MAX_FLOWS)
		goto foreign;
	key = p.flow;
	f = bpf_map_lookup_elem(&sc_flows, &key);
	key = sc_epoch;
	e = bpf_map_lookup_elem(&sc_epochs, &key);
	if (!f || !e)
		goto foreign;
	bpf_spin_lock(&f->lock);
	if (p.seq >= f->next) {
		skipped = p.seq - f->next;
		f->next = p.seq + 1;
	} else {
		late = 1;
	}
	bpf_spin_unlock(&f->lock);
	__sync_fetch_and_add(&e->received, 1);
	if (skipped)
		__sync_fetch_and_add(&e->skipped, skipped);
	if (late)
		__sync_fetch_and_add(&e->late, 1);
	return TC_ACT_SHOT;
foreign:
	__sync_fetch_and_add(&sc_foreign, 1);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
