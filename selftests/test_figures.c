// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The figures stats and top show, from recorded snapshots (no kernel
 * needed): rates, the imbalance and the busiest target's share, the
 * heaviest buckets, the hints and their thresholds, and counters that
 * start again (a re-attach, a new table) or stand still (an offline CPU):
 * never a negative or wrapped-around rate.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "figures.h"
#include "ktap.h"

#define NCPUS		4
#define NBUCKETS	16

struct snap {
	struct cs_snapshot s;
	struct cs_stats sum;
	struct cs_cpu_fig cpu[NCPUS];
	__u32 bucket_cpu[NBUCKETS];
	__u64 frames[NBUCKETS];
};

/* Buckets round-robin over the 4 CPUs, ids 1 and 2, at @time. */
static void snap_init(struct snap *p, double time)
{
	__u32 b;

	memset(p, 0, sizeof(*p));
	p->s = (struct cs_snapshot){
		.time = time, .stats_id = 1, .table_id = 2, .ncpus = NCPUS,
		.nbuckets = NBUCKETS, .sum = &p->sum, .cpu = p->cpu,
		.bucket_cpu = p->bucket_cpu, .bucket_frames = p->frames,
	};
	for (b = 0; b < NBUCKETS; b++)
		p->bucket_cpu[b] = b % NCPUS;
}

/* @n more frames into bucket @b, as snapshot_bucket() sums. */
static void add_bucket(struct snap *p, __u32 b, __u64 n)
{
	p->frames[b] += n;
	p->cpu[p->bucket_cpu[b]].redirected += n;
	p->cpu[0].reason[CS_REASON_HASHED] += n;	/* RX CPU 0 */
	p->cpu[0].seen += n;
	p->sum.reason[CS_REASON_HASHED] += n;
}

static bool near(double a, double b)
{
	return fabs(a - b) <= 1e-9 * (fabs(a) + fabs(b) + 1);
}

static bool has_hint(const struct cs_view *v, enum cs_hint_kind k, int cpu)
{
	__u32 i;

	for (i = 0; i < v->nhints; i++)
		if (v->hints[i].kind == k && (cpu < 0 || v->hints[i].cpu == cpu))
			return true;
	return false;
}

static const char *hint_text(const struct cs_view *v, enum cs_hint_kind k)
{
	__u32 i;

	for (i = 0; i < v->nhints; i++)
		if (v->hints[i].kind == k)
			return v->hints[i].text;
	return "";
}

static struct snap a, b;
static struct cs_view v;

static bool view(__u32 ntop)
{
	cs_view_free(&v);
	return !cs_view_make(&v, &b.s, &a.s, ntop, CS_HASH_L4_SYM, 64, "eth9");
}

/* Loads 100, 100, 100, 300 frames/s over 2 s on CPUs 0-3. */
static bool skewed(void)
{
	__u32 cpu;

	snap_init(&a, 10);
	for (cpu = 0; cpu < NCPUS; cpu++)
		add_bucket(&a, cpu, 1000);	/* history, not in the rates */
	b = a;
	b.s.time = 12;
	b.s.sum = &b.sum; b.s.cpu = b.cpu; b.s.bucket_cpu = b.bucket_cpu;
	b.s.bucket_frames = b.frames;
	for (cpu = 0; cpu < NCPUS; cpu++)
		add_bucket(&b, cpu + 4, 200);	/* 100/s each */
	add_bucket(&b, 3, 400);		/* CPU 3: 300/s in all */
	return view(3);
}

/* b is a's copy with its pointers at its own arrays. */
static void copy_snap(void)
{
	b = a;
	b.s.sum = &b.sum; b.s.cpu = b.cpu; b.s.bucket_cpu = b.bucket_cpu;
	b.s.bucket_frames = b.frames;
	b.s.time = a.s.time + 1;
}

static bool t_rates(void)
{
	return skewed() && near(v.dt, 2) && v.targets.n == NCPUS &&
	       near(v.load[0], 100) && near(v.load[3], 300) &&
	       near(v.total, 600) && v.have_load &&
	       near(v.imbalance, 2.0) && v.busiest == 3 &&
	       near(v.busiest_share, 0.5) && !v.restarted;
}

static bool t_top(void)
{
	/* Bucket 3: 200/s; buckets 4-7 100/s each: 3, then 4, 5 (ties:
	 * the lower bucket first), cut at 3.
	 */
	return skewed() && v.ntop == 3 &&
	       v.top[0].bucket == 3 && near(v.top[0].fps, 200) &&
	       near(v.top[0].share, 200.0 / 600) &&
	       v.top[0].frames == 1400 && v.top[0].cpu == 3 &&
	       v.top[1].bucket == 4 && v.top[2].bucket == 5 &&
	       near(v.top[2].fps, 100);
}

static bool t_elephant(void)
{
	/* Bucket 3 at 1/3 > 1/4: an elephant, said instead of imbalance,
	 * also when no bucket is to be listed (--top 0).
	 */
	return skewed() && has_hint(&v, CS_HINT_ELEPHANT, 3) &&
	       !has_hint(&v, CS_HINT_IMBALANCE_K, -1) &&
	       strstr(hint_text(&v, CS_HINT_ELEPHANT), "bucket 3 (CPU 3) carries 33%") &&
	       view(0) && v.ntop == 0 && has_hint(&v, CS_HINT_ELEPHANT, 3);
}

static bool t_imbalance(double extra, bool want)
{
	__u32 i;

	/* Even 100/s per CPU over 4 buckets each, then @extra frames/s more
	 * on CPU 1 spread over its four buckets: no bucket above 1/4.
	 */
	snap_init(&a, 0);
	copy_snap();
	for (i = 0; i < NBUCKETS; i++)
		add_bucket(&b, i, 25);
	for (i = 1; i < NBUCKETS; i += NCPUS)
		add_bucket(&b, i, (__u64)(extra / 4));
	return view(4) && !has_hint(&v, CS_HINT_ELEPHANT, -1) &&
	       has_hint(&v, CS_HINT_IMBALANCE_K, 1) == want;
}

static bool t_restart_stats(void)
{
	/* A re-attach: new maps whose counts (smaller than the old ones)
	 * start from zero: the rate is the new count over the interval.
	 */
	snap_init(&a, 0);
	a.cpu[2].enq_frames = 1000000;
	a.cpu[2].kt_frames = 999000;
	add_bucket(&a, 2, 1000000);
	copy_snap();
	b.s.stats_id = 7;
	b.s.table_id = 8;
	memset(b.cpu, 0, sizeof(b.cpu));
	memset(b.frames, 0, sizeof(b.frames));
	memset(&b.sum, 0, sizeof(b.sum));
	b.cpu[2].enq_frames = 50;
	b.cpu[2].kt_frames = 40;
	add_bucket(&b, 2, 50);
	return view(4) && v.restarted && v.stats_new && v.table_new &&
	       near(CS_VIEW_RATE(&v, 2, enq_frames, false), 50) &&
	       near(CS_VIEW_RATE(&v, 2, kt_frames, false), 40) &&
	       near(v.load[2], 50) && near(v.total, 50) &&
	       v.ntop == 1 && near(v.top[0].fps, 50);
}

static bool t_restart_table(void)
{
	/* An update with a new table keeps the counters map: only what the
	 * table counts (hashed frames, per bucket, per target, per RX CPU)
	 * starts again; what stage 1 saw mixes both: 1000 hashed in the new
	 * table and 100 not IP, over 1 s, after 900 hashed in the old one.
	 */
	snap_init(&a, 0);
	a.cpu[1].enq_frames = 500;
	add_bucket(&a, 1, 900);
	copy_snap();
	b.s.table_id = 9;
	memset(b.frames, 0, sizeof(b.frames));
	memset(b.cpu, 0, sizeof(b.cpu));
	b.sum.reason[CS_REASON_HASHED] = 0;
	b.cpu[1].enq_frames = 1530;
	add_bucket(&b, 1, 1000);
	b.cpu[0].reason[CS_REASON_NOT_IP] = 100;
	b.cpu[0].seen += 100;
	b.sum.reason[CS_REASON_NOT_IP] = 100;
	return view(4) && v.restarted && !v.stats_new && v.table_new &&
	       near(CS_VIEW_RATE(&v, 1, enq_frames, false), 1030) &&
	       near(v.load[1], 1000) &&
	       near(cs_view_reason_rate(&v, -1, CS_REASON_HASHED), 1000) &&
	       near(cs_view_reason_rate(&v, 0, CS_REASON_HASHED), 1000) &&
	       near(cs_view_seen_rate(&v, 0), 1100) &&
	       !has_hint(&v, CS_HINT_FALLBACK, -1);
}

static bool t_moved_bucket(void)
{
	/* apply moves bucket 5 from CPU 1 to CPU 2 in place: it keeps its
	 * count but for the frames stage 1 counted between the loader's
	 * read and write (3 here): no frames, never the whole total, in
	 * that interval; the others as they were.
	 */
	snap_init(&a, 0);
	add_bucket(&a, 5, 1000000);
	add_bucket(&a, 6, 1000000);
	copy_snap();
	b.frames[5] -= 3;
	b.bucket_cpu[5] = 2;
	b.cpu[1].redirected -= 1000000;
	b.cpu[2].redirected += 1000000 - 3;
	b.cpu[0].reason[CS_REASON_HASHED] -= 3;
	b.sum.reason[CS_REASON_HASHED] -= 3;
	add_bucket(&b, 6, 50);
	return view(4) && !v.restarted &&
	       near(cs_view_reason_rate(&v, -1, CS_REASON_HASHED), 47) &&
	       near(v.total, 50) && v.ntop == 1 && v.top[0].bucket == 6 &&
	       near(v.load[2], 50) && near(v.load[1], 0) &&
	       !has_hint(&v, CS_HINT_IMBALANCE_K, -1);
}

static bool t_generic(void)
{
	/* skb-mode XDP: the kernel enqueues frame by frame, its processed
	 * count without the dropped: offered counts both, no bulk figure.
	 */
	snap_init(&a, 0);
	copy_snap();
	b.s.generic = a.s.generic = true;
	b.cpu[1].enq_frames = 200000 + 1000;	/* as snapshot_cpu() adds */
	b.cpu[1].enq_drops = 1000;
	b.cpu[1].enq_bulks = 200000;
	return view(4) && near(cs_view_offered_rate(&v, 1), 201000) &&
	       near(cs_view_bulk_avg(&v, 1), 0) &&
	       !has_hint(&v, CS_HINT_BULK, -1) &&
	       strstr(hint_text(&v, CS_HINT_RING_DROPS), "(0.5% of");
}

static bool t_offline(void)
{
	/* CPU 2 went offline: its per-CPU counts stand still (the kernel
	 * keeps every possible CPU's), the sums never go back.
	 */
	snap_init(&a, 0);
	a.cpu[2].kt_frames = 777;
	a.cpu[2].reason[CS_REASON_STAGE2_PASS] = 777;
	copy_snap();
	b.cpu[1].kt_frames = 100;
	return view(4) && !v.restarted &&
	       near(CS_VIEW_RATE(&v, 2, kt_frames, false), 0) &&
	       near(CS_VIEW_RATE(&v, 1, kt_frames, false), 100);
}

static bool t_backwards(void)
{
	/* A counter lower than before under the same map (only a bucket
	 * move does that, by a few frames): no frames, never 2^64 - 7;
	 * under a new map: its count from zero.
	 */
	snap_init(&a, 0);
	a.cpu[0].enq_drops = 10;
	copy_snap();
	b.cpu[0].enq_drops = 3;
	return view(4) && near(CS_VIEW_RATE(&v, 0, enq_drops, false), 0) &&
	       cs_delta(3, 10, true) == 0 && cs_delta(10, 3, true) == 7 &&
	       cs_delta(10, 3, false) == 10;
}

static bool t_idle(void)
{
	snap_init(&a, 0);
	add_bucket(&a, 1, 1000);
	a.cpu[1].enq_drops = 5;
	a.sum.reason[CS_REASON_NOT_IP] = 99;
	copy_snap();
	return view(4) && !v.nhints && !v.have_load && v.ntop == 0 &&
	       near(v.imbalance, 0);
}

static bool t_ring_drops(void)
{
	snap_init(&a, 0);
	copy_snap();
	b.cpu[2].enq_frames = 1000;
	b.cpu[2].enq_drops = 250;
	b.cpu[2].enq_bulks = 125;
	return view(4) && has_hint(&v, CS_HINT_RING_DROPS, 2) &&
	       strstr(hint_text(&v, CS_HINT_RING_DROPS), "CPU 2: 250 frames/s (25.0%") &&
	       strstr(hint_text(&v, CS_HINT_RING_DROPS), "--qsize (now 64)") &&
	       !has_hint(&v, CS_HINT_BULK, -1);
}

/* @rate frames/s offered to CPU 3 in @bulks flushes per second. */
static bool t_bulk(__u64 rate, __u64 bulks, bool want)
{
	snap_init(&a, 0);
	copy_snap();
	b.cpu[3].enq_frames = rate;
	b.cpu[3].enq_bulks = bulks;
	return view(4) && has_hint(&v, CS_HINT_BULK, 3) == want;
}

/* @unhashed of 1000 frames/s are not IP: the hint from 10 % up. */
static bool t_fallback(__u64 unhashed, bool want)
{
	snap_init(&a, 0);
	copy_snap();
	add_bucket(&b, 0, 1000 - unhashed);
	b.sum.reason[CS_REASON_NOT_IP] = unhashed;
	return view(4) && has_hint(&v, CS_HINT_FALLBACK, -1) == want &&
	       (!want || strstr(hint_text(&v, CS_HINT_FALLBACK), "(most: not_ip"));
}

static bool t_errors(void)
{
	snap_init(&a, 0);
	copy_snap();
	b.sum.reason[CS_REASON_XDP_EXCEPTION] = 4;
	b.sum.reason[CS_REASON_REDIRECT_ERR] = 2;
	b.sum.reason[CS_REASON_NO_TARGET] = 1;
	b.cpu[1].kt_drops = 6;
	return view(4) && has_hint(&v, CS_HINT_EXCEPTION, -1) &&
	       strstr(hint_text(&v, CS_HINT_EXCEPTION), "on eth9") &&
	       has_hint(&v, CS_HINT_REDIRECT_ERR, -1) &&
	       has_hint(&v, CS_HINT_NO_TARGET, -1) &&
	       has_hint(&v, CS_HINT_KTHREAD_DROPS, 1);
}

static bool t_errno_names(void)
{
	char buf[32];

	return !strcmp(cs_errno_slot_name(2, buf, sizeof(buf)), "ENOENT") &&
	       !strcmp(cs_errno_slot_name(0, buf, sizeof(buf)), "other") &&
	       !strcmp(cs_errno_slot_name(28, buf, sizeof(buf)), "ENOSPC");
}

int main(void)
{
	ktap_print_header();
	ktap_set_plan(21);
	ktap_test_result(t_rates(), "rates: loads 100/100/100/300 frames/s: max/mean 2.00, CPU 3 busiest with 50%%");
	ktap_test_result(t_top(), "heaviest buckets: by rate, ties by bucket, cut at --top, shares of the hashed frames");
	ktap_test_result(t_elephant(), "a bucket above 1/N of the traffic is an elephant, not an imbalance, with --top 0 too");
	ktap_test_result(t_imbalance(40, true), "imbalance 1.27 (over 1.25) without an elephant: hinted");
	ktap_test_result(t_imbalance(32, false), "imbalance 1.22 (under 1.25): no hint");
	ktap_test_result(t_restart_stats(), "re-attach: new maps count from zero, no negative or wrapped rate");
	ktap_test_result(t_restart_table(), "new table, same counters: only what the table counts starts again; seen mixes both right");
	ktap_test_result(t_offline(), "an offline CPU's counts stand still: rate 0, the others unchanged");
	ktap_test_result(t_backwards(), "a counter that went back under one map: no frames, never 2^64");
	ktap_test_result(t_moved_bucket(), "a bucket moved in place (apply): no spike, no false imbalance");
	ktap_test_result(t_generic(), "skb mode: offered frames include the dropped, no bulk figure or hint");
	ktap_test_result(t_idle(), "an idle interval: no hint, no imbalance, no heavy bucket");
	ktap_test_result(t_ring_drops(), "ring drops: hinted on their CPU with the share and the qsize");
	ktap_test_result(t_bulk(150000, 100000, true), "bulk 1.5 at 150k frames/s: the target keeps up (hinted)");
	ktap_test_result(t_bulk(150000, 50000, false), "bulk 3.0 at 150k frames/s: no hint");
	ktap_test_result(t_bulk(90000, 90000, false), "bulk 1.0 at 90k frames/s (under 100k): no hint");
	ktap_test_result(t_fallback(110, true), "11%% of frames unhashed: hinted, naming the reason");
	ktap_test_result(t_fallback(90, false), "9%% unhashed: no hint");
	ktap_test_result(t_errors(), "exceptions, redirect errors, no_target, SKB allocation drops: hinted");
	ktap_test_result(t_errno_names(), "redirect errors are named by errno");
	cs_view_free(&v);
	ktap_test_result(cs_delta(5, 5, true) == 0, "a counter that stood still: 0");
	ktap_finished();
}
