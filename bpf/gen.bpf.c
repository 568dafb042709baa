// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cpusteer's traffic generator. "cpusteer gen" runs this program with
 * BPF_PROG_TEST_RUN and BPF_F_TEST_XDP_LIVE_FRAMES over a template frame:
 * for every packet it takes the next flow from a precomputed popularity
 * order, rewrites the flow's addresses and ports and the payload's flow id
 * and sequence number into the frame, keeps the checksums right with
 * RFC 1624 incremental updates, and transmits it with bpf_redirect().
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "cs_gen.h"
#include "lib/bounds.h"

const volatile struct cs_gen_params gen_params;

/* Flow ids in popularity order, drawn by the loader from --dist. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 1);
} gen_order SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct cs_gen_flow);
	__uint(max_entries, 1);
} gen_flows SEC(".maps");

/*
 * Where the generator is in gen_order. One counter, not per CPU: a run
 * executes on one CPU at a time, but successive runs of one "cpusteer gen"
 * may land on different CPUs, and every run must go on where the last
 * stopped (per-CPU counters skewed the flows when the process moved).
 */
__u64 gen_pos;

/* What became of the redirected frames (include/cs_gen.h). */
__u64 gen_accepted;
__u64 gen_refused[CS_GEN_REFUSED_SLOTS];

static __always_inline __u16 csum_fold32(__u32 s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)s;
}

/* RFC 1624 eqn. 3, on raw 16-bit words: HC' = ~(~HC + ~m + m'). The sum is
 * byte-order neutral, so the words need no swapping.
 */
static __always_inline void csum_replace16(__u16 *hc, __u16 old, __u16 new)
{
	*hc = ~csum_fold32((__u16)~*hc + (__u16)~old + new);
}

static __always_inline void csum_replace32(__u16 *hc, __u32 old, __u32 new)
{
	csum_replace16(hc, old & 0xffff, new & 0xffff);
	csum_replace16(hc, old >> 16, new >> 16);
}

/* Store @new at @field (16 bits), keeping the checksums that cover it. */
static __always_inline void put16(__u16 *field, __u16 new, __u16 *l4csum)
{
	if (l4csum)
		csum_replace16(l4csum, *field, new);
	*field = new;
}

static __always_inline void put32(__u32 *field, __u32 new, __u16 *l4csum,
				  __u16 *ipcsum)
{
	if (l4csum)
		csum_replace32(l4csum, *field, new);
	if (ipcsum)
		csum_replace32(ipcsum, *field, new);
	*field = new;
}

SEC("xdp")
int cs_gen(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u16 *l4csum = NULL, *ipcsum = NULL, *ports;
	struct cs_gen_payload *pl;
	struct cs_gen_flow *flow;
	__u32 slot, *fid;

	pl = data + gen_params.payload_off;
	if ((void *)(pl + 1) > end)
		return XDP_ABORTED;	/* the loader sized the template */
	slot = gen_pos++ & gen_params.order_mask;
	fid = bpf_map_lookup_elem(&gen_order, &slot);
	if (!fid)
		return XDP_ABORTED;
	flow = bpf_map_lookup_elem(&gen_flows, fid);
	if (!flow)
		return XDP_ABORTED;

	/* Offsets are load-time constants below the payload's: in bounds. */
	if (gen_params.l4_csum_off)
		l4csum = data + gen_params.l4_csum_off;
	if (gen_params.ip_csum_off)
		ipcsum = data + gen_params.ip_csum_off;
	ports = data + gen_params.l4_off;
	put32(data + gen_params.saddr_off, flow->saddr, l4csum, ipcsum);
	put16(&ports[0], flow->sport, l4csum);
	put16(&ports[1], flow->dport, l4csum);
	put32(&pl->flow, *fid, l4csum, NULL);
	put32(&pl->seq, flow->next_seq++, l4csum, NULL);
	/* UDP: a computed 0 is sent as 0xffff (0 means "no checksum"). */
	if (gen_params.udp && l4csum && !*l4csum)
		*l4csum = 0xffff;
	return bpf_redirect(gen_params.ifindex, 0);
}

/* Only ifindex is read: CO-RE finds it wherever this kernel keeps it. */
struct net_device {
	int ifindex;
} __attribute__((preserve_access_index));
struct bpf_prog;

/* bpf_redirect(ifindex) marks its target as map type UNSPEC with this
 * map_id, which no map can have (net/core/filter.c, bpf_xdp_redirect).
 */
#define GEN_REDIRECT_IFINDEX_MAP_ID	0x7fffffff	/* INT_MAX */

/* Was this event caused by this generator, to its device? The rx device
 * of a live frame is the ingress_ifindex the loader gave, its target too.
 */
static __always_inline int gen_ours(const struct net_device *from,
				     const struct net_device *to)
{
	struct bpf_pidns_info ns;

	if (!from || !to || from->ifindex != gen_params.ifindex ||
	    to->ifindex != gen_params.ifindex)
		return 0;
	if (bpf_get_ns_current_pid_tgid(gen_params.pidns_dev,
					gen_params.pidns_ino, &ns, sizeof(ns)))
		return 0;
	return ns.tgid == gen_params.tgid;
}

/* Count @n frames refused with @err (negative errno, or 0: none given). */
static __always_inline void gen_refuse(int err, __u64 n)
{
	__u32 slot = err < 0 && -err < CS_GEN_ERRNO_MAX ? -err :
		     err ? CS_GEN_ERRNO_MAX : 0;
	long i = CS_IN_BOUNDS(slot, CS_GEN_REFUSED_SLOTS);

	if (i >= 0)
		__sync_fetch_and_add(&gen_refused[i], n);
}

/* A bulk queue flushed to the device: its driver took @sent frames and
 * dropped @drops, refusing them all with @err if it gave one.
 */
SEC("tp_btf/xdp_devmap_xmit")
int BPF_PROG(cs_gen_xmit, const struct net_device *from_dev,
	     const struct net_device *to_dev, int sent, int drops, int err)
{
	if (!gen_ours(from_dev, to_dev))
		return 0;
	if (sent > 0)
		__sync_fetch_and_add(&gen_accepted, sent);
	if (drops > 0)
		gen_refuse(err, drops);
	return 0;
}

/* The redirect failed before any driver saw the frame (device down, no
 * ndo_xdp_xmit, frame too big for its MTU): one event per frame.
 */
SEC("tp_btf/xdp_redirect_err")
int BPF_PROG(cs_gen_tx_err, const struct net_device *dev,
	     const struct bpf_prog *xdp, const void *tgt, int err,
	     enum bpf_map_type map_type, __u32 map_id, __u32 index)
{
	if (map_type == BPF_MAP_TYPE_UNSPEC &&
	    map_id == GEN_REDIRECT_IFINDEX_MAP_ID &&
	    index == gen_params.ifindex && gen_ours(dev, dev))
		gen_refuse(err, 1);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
