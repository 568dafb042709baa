// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cpusteer dataplane.
 *
 * Stage 1 (SEC "xdp", RX CPU): frame -> flow -> keyed hash -> indirection
 * table -> bpf_redirect_map() into the cpumap. The kernel bulks the frames
 * per target and wakes the target's kthread, which runs stage 2 before any
 * SKB exists.
 * Stage 2 (SEC "xdp/cpumap", target CPU): count, then pass or drop.
 * Tracing: the kernel's own XDP tracepoints count what happens after stage 1
 * returns (redirect errors, ring-full drops), filtered to our cpumap.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "cpusteer.h"
#include "cs_hash.h"
#include "cs_meta.h"
#include "lib/flow.h"
#include "lib/walk.h"
#include "lib/maps.h"

const volatile struct cs_params cs_params = {
	.hash_mode = CS_HASH_L4_SYM,
	.bucket_mask = CS_DEFAULT_BUCKETS - 1,
	.bucket_shift = 64 - 8,	/* log2(CS_DEFAULT_BUCKETS) == 8 */
	.fallback_cpu = CS_FALLBACK_PASS,
};

#include "lib/filter.h"

/* Our cpumap's id, for the tracepoint filters; set by the loader. */
__u32 cs_cpumap_id;

static __always_inline void cs_record_set(__u32 reason, __u32 bucket,
					  __u32 cpu, __u32 hash)
{
	struct cs_record *rec;
	__u32 zero = 0;

	rec = bpf_map_lookup_elem(&cs_record, &zero);
	if (!rec)
		return;
	rec->reason = reason;
	rec->bucket = bucket;
	rec->cpu = cpu;
	rec->hash = hash;
}

/*
 * A frame that cannot be hashed: count why, then pass or send to one CPU.
 * @st: the per-CPU counters if this frame fetched them already, else NULL
 * (fetched here): one lookup per frame.
 */
static __always_inline int cs_fallback(struct cs_stats *st, __u32 reason)
{
	long r = CS_IN_BOUNDS(reason, CS_REASON_MAX);
	__u32 cpu = cs_params.fallback_cpu;
	int act = XDP_PASS;

	if (!st)
		st = cs_stats_get();
	if (st && r >= 0)
		st->reason[r]++;
	if (cpu == CS_FALLBACK_DROP)
		act = XDP_DROP;
	else if (cpu != CS_FALLBACK_PASS)
		act = bpf_redirect_map(&cs_cpu_map, cpu, XDP_PASS);
	if (cs_params.record & CS_RECORD_ON)
		cs_record_set(reason, CS_NO_BUCKET,
			      act == XDP_REDIRECT ? cpu : CS_FALLBACK_PASS, 0);
	return act;
}

/* Every encapsulation the walk went through, counted by name. */
static __always_inline void cs_count_encaps(struct cs_stats *st, __u32 seen)
{
	int i;

	if (!st)
		return;
	for (i = 0; i < CS_ENCAP_MAX; i++)
		if (seen & (1U << i))
			st->encap[i]++;
}

/*
 * How a stage-1 program is built: the hash mode, the CS_TUN_* flags and
 * whether it writes metadata. cs_params' values in the general program,
 * compile-time constants in the specialised twins (see cs_steer): passed
 * by value through always-inline functions, so clang folds the constants.
 */
struct cs_opt {
	__u32 mode;
	__u32 tun;
	__u32 meta;
};

/* What the parser learned, for the metadata: NULL @flow (the NIC's hash)
 * gives none of the locations.
 */
struct cs_found {
	const struct cs_flow *flow;
	__u32 seen;		/* 1 << enum cs_encap, per one entered */
	__u32 swapped;		/* the flow is an ICMP error's quote */
};

/*
 * struct cs_meta in front of the frame, for stage 2 (cs_meta.h). After the
 * redirect decision, which the kernel carries out only when the program
 * has returned. A driver without room for it: counted, steered anyway.
 */
static __always_inline void cs_meta_put(struct xdp_md *ctx,
					struct cs_stats *st, __u64 hash,
					__u32 bucket,
					const struct cs_found *fd)
{
	struct cs_meta *m;
	void *data;

	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(*m)))
		goto fail;
	m = (void *)(long)ctx->data_meta;
	data = (void *)(long)ctx->data;
	if ((void *)(m + 1) > data)
		goto fail;
	m->hash = hash >> 32;
	m->bucket = bucket;
	m->encap = fd->seen;
	m->version = CS_META_VERSION;
	m->pad = 0;
	if (fd->flow) {
		m->l3_off = fd->flow->l3_off;
		m->l4_off = fd->flow->l4_off;
		m->ipver = fd->flow->ipver;
		m->l4_proto = fd->flow->proto;
		m->icmp_l3_off = fd->swapped ? fd->flow->icmp_l3_off : 0;
		m->icmp_ipver = fd->swapped ? fd->flow->icmp_ipver : 0;
		m->flags = CS_META_F_LOC |
			   (fd->flow->l4_off ? CS_META_F_L4 : 0) |
			   (fd->swapped ? CS_META_F_SWAPPED : 0);
	} else {
		m->l3_off = 0;
		m->l4_off = 0;
		m->ipver = 0;
		m->l4_proto = 0;
		m->icmp_l3_off = 0;
		m->icmp_ipver = 0;
		m->flags = 0;
	}
	return;
fail:
	if (!st)
		st = cs_stats_get();
	if (st)
		st->reason[CS_REASON_META_FAIL]++;
}

/* Look the hash's bucket up and redirect to the bucket's CPU; @st as
 * for cs_fallback().
 */
static __always_inline int cs_steer_hash(struct xdp_md *ctx,
					 struct cs_stats *st, __u64 hash,
					 struct cs_opt o,
					 const struct cs_found *fd)
{
	struct cs_bucket *b;
	__u32 bucket, cpu;
	int act;

	bucket = cs_hash_bucket(hash, cs_params.bucket_shift,
				cs_params.bucket_mask);
	b = bpf_map_lookup_elem(&cs_table, &bucket);
	if (!b)
		return cs_fallback(st, CS_REASON_NO_TARGET);
	/* Bound the index ourselves: the table is written from userspace.
	 * Read it once (verifier workaround: a value reloaded after the
	 * helper call below would not carry the check).
	 */
	cpu = b->cpu;
	if (cpu >= CS_MAX_CPUS)
		return cs_fallback(st, CS_REASON_NO_TARGET);
	act = bpf_redirect_map(&cs_cpu_map, cpu, XDP_PASS);
	if (act != XDP_REDIRECT)
		return cs_fallback(st, CS_REASON_NO_TARGET);
	if (cs_params.record & CS_RECORD_ON)	/* classify: no live counts */
		cs_record_set(CS_REASON_HASHED, bucket, cpu, hash >> 32);
	else
		b->packets++;
	if (o.meta)
		cs_meta_put(ctx, st, hash, bucket, fd);
	return act;
}

/* Hash the flow, then steer by the hash. */
static __always_inline int cs_steer_flow(struct xdp_md *ctx,
					 struct cs_stats *st,
					 const struct cs_flow *flow,
					 struct cs_opt o, __u32 seen,
					 __u32 swapped)
{
	struct cs_found fd = { .flow = flow, .seen = seen,
			       .swapped = swapped };

	return cs_steer_hash(ctx, st, cs_hash_flow(flow, cs_params.key[0],
					       cs_params.key[1],
					       cs_hash_mode_symmetric(o.mode),
					       o.tun & CS_TUN_ID), o, &fd);
}

/*
 * Everything the fast path does not take: tags, options, extension
 * headers inline; PPPoE, MPLS and tunnels through the walk (walk.h). Kept
 * out of cs_steer() so the walk state is set up only on this path.
 */
static __always_inline int cs_steer_slow(struct xdp_md *ctx,
					 struct cs_stats *stats,
					 struct cs_opt o)
{
	struct cs_walk_state st = { .w = { .tunnel = o.tun } };
	int r, i;

	for (i = 0; i < CS_VXLAN_PORTS_MAX; i++)
		st.vxlan_ports[i] = cs_params.vxlan_ports[i];
	r = cs_slow_parse(ctx, &st, cs_hash_mode_has_ports(o.mode));
	/* One fetch of the counters serves the encapsulations and the
	 * fallback reason.
	 */
	if (!stats && (st.w.seen || r < 0))
		stats = cs_stats_get();
	if (st.w.seen)
		cs_count_encaps(stats, st.w.seen);
	if (r < 0)
		return cs_fallback(stats, -r);
	return cs_steer_flow(ctx, stats, &st.flow, o, st.w.seen, st.w.swap);
}

/* @st as for cs_fallback(). */
static __always_inline int cs_steer_sw(struct xdp_md *ctx, struct cs_stats *st,
				       struct cs_opt o)
{
	struct cs_cursor c = {
		.pos = (void *)(long)ctx->data,
		.end = (void *)(long)ctx->data_end,
	};
	int ports = cs_hash_mode_has_ports(o.mode);
	struct cs_flow flow = {};
	__u32 encap = 0;

	if (cs_parse_fast(&c, &flow, ports, o.tun, cs_params.vxlan_ports))
		return cs_steer_flow(ctx, st, &flow, o, 0, 0);
	if (!(o.tun & CS_TUN_OUTER) &&
	    cs_parse_fast_tunnel(&c, &flow, ports, o.tun, cs_params.vxlan_ports,
				 &encap)) {
		/* One encapsulation, known: no loop over the bits. (The bound
		 * is a verifier workaround: encap is always below it.)
		 */
		if (!st)
			st = cs_stats_get();
		if (st && encap < CS_ENCAP_MAX)
			st->encap[encap]++;
		return cs_steer_flow(ctx, st, &flow, o, 1U << encap, 0);
	}
	return cs_steer_slow(ctx, st, o);
}

/*
 * The general program: every option read from cs_params. The verifier
 * folds each rodata read to a constant, but removes a branch it makes dead
 * only when the branch's target is unreachable from everywhere else, and
 * the fallback targets never are: the option checks stay in the JIT-ed
 * code.
 */
SEC("xdp")
int cs_steer(struct xdp_md *ctx)
{
	struct cs_opt o = { cs_params.hash_mode, cs_params.tunnel,
			    cs_params.meta };

	return cs_steer_sw(ctx, NULL, o);
}

/*
 * Twins of cs_steer specialised at compile time for the configurations
 * most attachments run: one per software hash mode, inner flows, no
 * tunnel-ID mixing, no extra VXLAN ports, MPLS carrying IP (CS_TUN_* all
 * clear), no metadata. clang drops the option checks, and the loader attaches the twin
 * whenever cs_params matches it (cs_steer_prog()). Measured with cpusteer
 * bench, same run: about 0.05 of the bare redirect less per frame.
 */
#define CS_STEER_FIXED(name, mode)					\
SEC("xdp")								\
int name(struct xdp_md *ctx)						\
{									\
	struct cs_opt o = { mode, 0, 0 };				\
									\
	return cs_steer_sw(ctx, NULL, o);				\
}
CS_STEER_FIXED(cs_steer_l3, CS_HASH_L3)
CS_STEER_FIXED(cs_steer_l4, CS_HASH_L4)
CS_STEER_FIXED(cs_steer_l3_sym, CS_HASH_L3_SYM)
CS_STEER_FIXED(cs_steer_l4_sym, CS_HASH_L4_SYM)

/*
 * Tests only (loaded with CS_RECORD_NO_FAST): the general parser alone,
 * for the differential test against cs_steer's fast paths. A program of
 * its own, so that cs_steer carries no test switch.
 */
SEC("xdp")
int cs_steer_general(struct xdp_md *ctx)
{
	struct cs_opt o = { cs_params.hash_mode, cs_params.tunnel,
			    cs_params.meta };

	return cs_steer_slow(ctx, NULL, o);
}

enum xdp_rss_hash_type {
	XDP_RSS_TYPE_NONE = 0,
};
/*
 * Weak: kernels before 6.3 have no such kfunc, and a strong extern would
 * keep the whole object from loading there. Only cs_steer_hw calls it, and
 * the loader loads that program only where the kfunc exists.
 */
extern int bpf_xdp_metadata_rx_hash(const struct xdp_md *ctx, __u32 *hash,
				    enum xdp_rss_hash_type *rss_type) __ksym __weak;

/*
 * --hash hw: the NIC's RSS hash (device-bound: only loaded, bound to the
 * interface, in that mode), keyed and mixed like the software hash so the
 * table spreads it the same way; the software l4-sym hash for each frame
 * the NIC gives no hash for (veth: frames that arrive as XDP frames).
 */
SEC("xdp")
int cs_steer_hw(struct xdp_md *ctx)
{
	struct cs_opt o = { cs_params.hash_mode, cs_params.tunnel,
			    cs_params.meta };
	struct cs_found none = {};
	enum xdp_rss_hash_type type;
	__u32 hw = 0;
	struct cs_stats *st = cs_stats_get();	/* the one fetch */
	__u64 h;

	if (!bpf_xdp_metadata_rx_hash(ctx, &hw, &type) && hw) {
		if (st)
			st->reason[CS_REASON_HW_HASH]++;
		h = hw * cs_params.key[0];
		h ^= h >> 32;
		return cs_steer_hash(ctx, st, h * CS_HASH_MIX, o, &none);
	}
	if (st)
		st->reason[CS_REASON_HW_NO_HASH]++;
	return cs_steer_sw(ctx, st, o);
}

static __always_inline void cs_count(__u32 reason)
{
	struct cs_stats *st = cs_stats_get();

	if (st)
		st->reason[reason]++;
}

SEC("xdp/cpumap")
int cs_stage2_pass(struct xdp_md *ctx)
{
	cs_count(CS_REASON_STAGE2_PASS);
	return XDP_PASS;
}

SEC("xdp/cpumap")
int cs_stage2_drop(struct xdp_md *ctx)
{
	cs_count(CS_REASON_STAGE2_DROP);
	return XDP_DROP;
}

/*
 * Drop what a rule matches, on the flow stage 1 found (the inner one of a
 * tunnel; for an ICMP error, the flow it quotes and its own header),
 * located by the metadata; pass the rest. Without usable metadata the
 * frame is parsed here as stage 1 parses it (counted).
 */
static __always_inline int cs_filter_frame(struct xdp_md *ctx)
{
	struct cs_stats *st = cs_stats_get();	/* the one fetch */
	struct cs_s2_flow f = {}, g = {};
	struct cs_s2_loc loc, icmp;
	__u32 rule = 0, slot;
	__u64 *hits;

	if (s2_loc_meta(ctx, &loc)) {
		if (st)
			st->reason[CS_REASON_STAGE2_NO_META]++;
		if (s2_loc_parse(ctx, &loc))
			goto pass;
	}
	if (!s2_flow(ctx, &loc, &f))
		rule = cs_filter_run(&f);
	/* An ICMP error: its own header too (its sender, proto icmp). */
	if (!rule && loc.swapped) {
		s2_loc_icmp(&loc, &icmp);
		if (!s2_flow(ctx, &icmp, &g))
			rule = cs_filter_run(&g);
	}
	if (rule) {
		slot = rule - 1;
		hits = bpf_map_lookup_elem(&cs_flt_hits, &slot);
		if (hits)
			(*hits)++;
		if (st)
			st->reason[CS_REASON_STAGE2_FILTERED]++;
		return XDP_DROP;
	}
pass:
	if (st)
		st->reason[CS_REASON_STAGE2_PASS]++;
	return XDP_PASS;
}

SEC("xdp/cpumap")
int cs_stage2_flt(struct xdp_md *ctx)
{
	return cs_filter_frame(ctx);
}

/*
 * cpusteer bench --stage2 only: the same stage 2 as plain XDP programs,
 * which BPF_PROG_TEST_RUN runs (it refuses cpumap programs), metadata
 * given in its context.
 */
SEC("xdp")
int cs_s2b_flt(struct xdp_md *ctx)
{
	return cs_filter_frame(ctx);
}

SEC("xdp")
int cs_s2b_drop(struct xdp_md *ctx)
{
	cs_count(CS_REASON_STAGE2_DROP);
	return XDP_DROP;
}

/*
 * Forward out --redirect-dev through the devmap, the MAC addresses
 * rewritten as configured: cpusteer as a bump in the wire, the frame
 * never built into an SKB. With the device gone (the kernel empties its
 * devmap entry) the frame is dropped, counted.
 */
SEC("xdp/cpumap")
int cs_stage2_out(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct cs_stats *st = cs_stats_get();	/* the one fetch */
	struct cs_ethhdr *eth = data;
	struct cs_out *out;
	__u32 zero = 0;
	int act;

	out = bpf_map_lookup_elem(&cs_out_cfg, &zero);
	if (out && out->flags && (void *)(eth + 1) <= end) {
		if (out->flags & CS_OUT_DST)
			__builtin_memcpy(eth->dst, out->dst, 6);
		if (out->flags & CS_OUT_SRC)
			__builtin_memcpy(eth->src, out->src, 6);
	}
	act = bpf_redirect_map(&cs_out_dev, 0, XDP_DROP);
	if (st)
		st->reason[act == XDP_REDIRECT ? CS_REASON_STAGE2_REDIRECT :
						 CS_REASON_STAGE2_NO_DEV]++;
	return act;
}

/* This CPU's counters if @map_id is our cpumap's (the tracepoints fire
 * for every cpumap), else NULL.
 */
static __always_inline struct cs_stats *cs_trace_stats(__u32 map_id)
{
	return map_id == cs_cpumap_id ? cs_stats_get() : NULL;
}

/*
 * Runs on the RX CPU once per bulk flush (up to 8 frames) to one target:
 * @processed frames offered to the ring, @drops of them refused (full).
 */
SEC("tp_btf/xdp_cpumap_enqueue")
int BPF_PROG(cs_trace_enqueue, int map_id, unsigned int processed,
	     unsigned int drops, int to_cpu)
{
	struct cs_stats *st = cs_trace_stats(map_id);
	long cpu;

	if (!st)
		return 0;
	st->reason[CS_REASON_CPUMAP_DROP] += drops;
	cpu = CS_IN_BOUNDS((__u32)to_cpu, CS_MAX_CPUS);	/* -1 stays out */
	if (cpu < 0)
		return 0;
	st->enq_frames[cpu] += processed;
	st->enq_bulks[cpu]++;
	st->enqueue_drops[cpu] += drops;
	return 0;
}

/* The kernel's struct xdp_cpumap_stats (4.15+ form), relocated by CO-RE. */
struct xdp_cpumap_stats {
	unsigned int redirect;
	unsigned int pass;
	unsigned int drop;
} __attribute__((preserve_access_index));

/*
 * Runs on the target CPU, in its cpumap kthread, once per pass of the
 * kthread's loop: @processed frames taken off the ring, @drops lost for
 * want of SKB memory, @sched set when it slept or yielded first, and the
 * verdicts of the cpumap program (cpusteer's or a user's) over them.
 */
SEC("tp_btf/xdp_cpumap_kthread")
int BPF_PROG(cs_trace_kthread, int map_id, unsigned int processed,
	     unsigned int drops, int sched, struct xdp_cpumap_stats *xs)
{
	struct cs_stats *st = cs_trace_stats(map_id);

	if (!st)
		return 0;
	st->kt_frames += processed;
	st->kt_drops += drops;
	st->kt_sched += !!sched;
	st->kt_runs++;
	if (xs) {
		st->kt_pass += xs->pass;
		st->kt_drop += xs->drop;
		st->kt_redirect += xs->redirect;
	}
	return 0;
}

struct bpf_prog;

/* Only the fields read, relocated by CO-RE against the running kernel. */
struct net {
	__u64 net_cookie;
} __attribute__((preserve_access_index));

typedef struct {
	struct net *net;
} possible_net_t;

struct net_device {
	int ifindex;
	possible_net_t nd_net;
} __attribute__((preserve_access_index));

/* The steered interface, for xdp_exception; set by the loader. */
__u32 cs_ifindex;
__u64 cs_netns_cookie;	/* 0: do not check (no cookie before 5.14) */

SEC("tp_btf/xdp_redirect_err")
int BPF_PROG(cs_trace_redirect_err, const struct net_device *dev,
	     const struct bpf_prog *xdp, const void *tgt, int err,
	     enum bpf_map_type map_type, __u32 map_id, __u32 index)
{
	long e = CS_IN_BOUNDS((__u32)-err, CS_ERRNO_SLOTS);
	struct cs_stats *st = cs_trace_stats(map_id);

	if (!st)
		return 0;
	st->reason[CS_REASON_REDIRECT_ERR]++;
	if (e < 0)
		e = 0;		/* slot 0: any larger errno */
	st->redirect_errno[e]++;
	return 0;
}

/*
 * An exception on the steered interface: its driver raises one for an
 * aborted or invalid verdict of the XDP program there, and drivers such
 * as ixgbe, i40e or mlx5 also for a redirect that failed. (A cpumap
 * program's aborted frames are drop verdicts: cs_trace_kthread.) Matched
 * by ifindex within the attachment's namespace.
 */
SEC("tp_btf/xdp_exception")
int BPF_PROG(cs_trace_exception, const struct net_device *dev,
	     const struct bpf_prog *xdp, __u32 act)
{
	if (!dev || BPF_CORE_READ(dev, ifindex) != (int)cs_ifindex)
		return 0;
	if (cs_netns_cookie && bpf_core_field_exists(struct net, net_cookie) &&
	    BPF_CORE_READ(dev, nd_net.net, net_cookie) != cs_netns_cookie)
		return 0;
	cs_count(CS_REASON_XDP_EXCEPTION);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
