// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#define _GNU_SOURCE	/* strerrorname_np() */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "figures.h"

const char *const cs_hint_names[CS_HINT_KINDS] = {
	[CS_HINT_RING_DROPS] = "ring_drops",
	[CS_HINT_KTHREAD_DROPS] = "kthread_drops",
	[CS_HINT_BULK] = "bulk_low",
	[CS_HINT_ELEPHANT] = "elephant",
	[CS_HINT_IMBALANCE_K] = "imbalance",
	[CS_HINT_REDIRECT_ERR] = "redirect_errors",
	[CS_HINT_EXCEPTION] = "xdp_exceptions",
	[CS_HINT_NO_TARGET] = "no_target",
	[CS_HINT_FALLBACK] = "unhashed",
};

const char *cs_errno_slot_name(__u32 slot, char *buf, size_t len)
{
	const char *n = slot ? strerrorname_np(slot) : NULL;

	if (!slot)
		snprintf(buf, len, "other");
	else if (n)
		snprintf(buf, len, "%s", n);
	else
		snprintf(buf, len, "errno%u", slot);
	return buf;
}

__u64 cs_view_delta(const struct cs_view *v, __u64 cur, __u64 prev,
		    bool table)
{
	if (!v->prev)
		return cur;
	return cs_delta(cur, prev, !(table ? v->table_new : v->stats_new));
}

double cs_view_rate(const struct cs_view *v, __u64 cur, __u64 prev,
		    bool table)
{
	return v->dt > 0 ? cs_view_delta(v, cur, prev, table) / v->dt : 0;
}

double cs_view_reason_rate(const struct cs_view *v, int cpu, __u32 r)
{
	bool table = r == CS_REASON_HASHED;

	if (cpu < 0)
		return cs_view_rate(v, v->cur->sum->reason[r],
				    v->prev ? v->prev->sum->reason[r] : 0, table);
	return CS_VIEW_RATE(v, cpu, reason[r], table);
}

double cs_view_seen_rate(const struct cs_view *v, __u32 cpu)
{
	double sum = 0;
	__u32 r;

	for (r = 0; r < CS_REASON_MAX; r++)
		if (cs_reason_is_stage1(r))
			sum += cs_view_reason_rate(v, cpu, r);
	return sum;
}

double cs_view_offered_rate(const struct cs_view *v, __u32 cpu)
{
	return CS_VIEW_RATE(v, cpu, enq_frames, false);
}

double cs_view_bulk_avg(const struct cs_view *v, __u32 cpu)
{
	double bulks = CS_VIEW_RATE(v, cpu, enq_bulks, false);

	return bulks > 0 && !v->cur->generic ?
	       cs_view_offered_rate(v, cpu) / bulks : 0;
}

static void hint(struct cs_view *v, enum cs_hint_kind k, int cpu,
		 const char *fmt, ...)
{
	struct cs_hint *h;
	va_list ap;

	if (v->nhints >= CS_HINTS_MAX)
		return;
	h = &v->hints[v->nhints++];
	h->kind = k;
	h->cpu = cpu;
	va_start(ap, fmt);
	vsnprintf(h->text, sizeof(h->text), fmt, ap);
	va_end(ap);
}

/* The @n heaviest buckets over the interval, heaviest first. */
static void view_top(struct cs_view *v, __u32 n)
{
	const struct cs_snapshot *c = v->cur, *p = v->prev;
	bool same = p && !v->table_new && p->nbuckets == c->nbuckets;
	__u32 b, i, j;

	v->ntop = 0;
	if (n > CS_TOP_MAX)
		n = CS_TOP_MAX;
	for (b = 0; n && b < c->nbuckets; b++) {
		__u64 d = cs_delta(c->bucket_frames[b],
				   same ? p->bucket_frames[b] : 0, true);
		struct cs_top_bucket t;

		if (!d)
			continue;
		if (v->ntop == n && d <= v->top[n - 1].delta)
			continue;
		t = (struct cs_top_bucket){
			.bucket = b, .cpu = c->bucket_cpu[b], .delta = d,
			.fps = v->dt > 0 ? d / v->dt : 0,
			.frames = c->bucket_frames[b],
		};
		/* Insertion into the short sorted list; ties keep the
		 * lower bucket first.
		 */
		i = v->ntop < n ? v->ntop++ : n - 1;
		for (j = i; j > 0 && v->top[j - 1].delta < t.delta; j--)
			v->top[j] = v->top[j - 1];
		v->top[j] = t;
	}
	for (i = 0; i < v->ntop; i++)
		v->top[i].share = v->total > 0 ? v->top[i].fps / v->total : 0;
}

static void view_targets(struct cs_view *v)
{
	const struct cs_snapshot *c = v->cur;
	double max = 0, sum = 0;
	__u32 b, i, cpu;
	bool in[CS_MAX_CPUS] = {};

	for (b = 0; b < c->nbuckets; b++)
		if (c->bucket_cpu[b] < c->ncpus && c->bucket_cpu[b] < CS_MAX_CPUS)
			in[c->bucket_cpu[b]] = true;
	v->targets.n = 0;
	for (cpu = 0; cpu < c->ncpus && cpu < CS_MAX_CPUS; cpu++)
		if (in[cpu])
			v->targets.cpu[v->targets.n++] = cpu;
	/*
	 * Each target's load from its buckets' own differences, not from the
	 * difference of its total: a bucket that moved to it brings its
	 * whole history along, which is not this interval's load.
	 */
	for (b = 0; v->dt > 0 && b < c->nbuckets; b++)
		if (c->bucket_cpu[b] < c->ncpus)
			v->load[c->bucket_cpu[b]] += cs_delta(c->bucket_frames[b],
				v->table_new ? 0 : v->prev->bucket_frames[b],
				!v->table_new) / v->dt;
	v->busiest = -1;
	for (i = 0; i < v->targets.n; i++) {
		cpu = v->targets.cpu[i];
		sum += v->load[cpu];
		if (v->busiest < 0 || v->load[cpu] > max) {
			max = v->load[cpu];
			v->busiest = cpu;
		}
	}
	for (cpu = 0; cpu < c->ncpus; cpu++)
		v->total += v->load[cpu];
	v->have_load = sum > 0;
	v->imbalance = v->have_load ? max / (sum / v->targets.n) : 0;
	v->busiest_share = v->have_load ? max / sum : 0;
}

static void hints_targets(struct cs_view *v, __u32 qsize)
{
	__u32 i, cpu;

	for (i = 0; i < v->targets.n; i++) {
		double drops, offered, bulk, kdrops;

		cpu = v->targets.cpu[i];
		drops = CS_VIEW_RATE(v, cpu, enq_drops, false);
		offered = cs_view_offered_rate(v, cpu);
		bulk = cs_view_bulk_avg(v, cpu);
		kdrops = CS_VIEW_RATE(v, cpu, kt_drops, false);
		if (drops > 0)
			hint(v, CS_HINT_RING_DROPS, cpu,
			     "CPU %u: %.0f frames/s (%.1f%% of what it was offered) dropped at a full ring: it cannot keep up; a larger --qsize (now %u) absorbs bursts, more --cpus share a steady load",
			     cpu, drops, offered > 0 ? 100 * drops / offered : 0,
			     qsize);
		else if (offered >= CS_HINT_BULK_RATE && bulk > 0 &&
			 bulk < CS_HINT_BULK_LOW)
			hint(v, CS_HINT_BULK, cpu,
			     "CPU %u: %.1f frames per enqueue at %.0f frames/s: each flush finds the ring drained, the target keeps up with room to spare",
			     cpu, bulk, offered);
		if (kdrops > 0)
			hint(v, CS_HINT_KTHREAD_DROPS, cpu,
			     "CPU %u: %.0f frames/s dropped by its cpumap thread for want of SKB memory: the machine is short of memory",
			     cpu, kdrops);
	}
}

static void hints_spread(struct cs_view *v, __u32 hash_mode)
{
	const struct cs_top_bucket *t = v->ntop ? &v->top[0] : NULL;
	double fair = v->targets.n ? 1.0 / v->targets.n : 1;
	bool elephant = t && v->targets.n > 1 && t->share > fair;

	if (elephant)
		hint(v, CS_HINT_ELEPHANT, t->cpu,
		     "bucket %u (CPU %u) carries %.0f%% of the hashed frames, more than one target's share (1/%u = %.0f%%): an elephant no bucket move can split; more --buckets split a bucket of many flows, not one flow%s",
		     t->bucket, t->cpu, 100 * t->share, v->targets.n,
		     100 * fair, hash_mode & CS_HASH_F_PORTS ? "" :
		     "; --hash l4 spreads one host pair's flows by port");
	if (!elephant && v->have_load && v->targets.n > 1 &&
	    v->imbalance > CS_HINT_IMBALANCE)
		hint(v, CS_HINT_IMBALANCE_K, v->busiest,
		     "max/mean load %.2f over %u targets (CPU %d takes %.0f%%): the heaviest buckets (below) share CPUs; a new --key reshuffles them, moving every flow once",
		     v->imbalance, v->targets.n, v->busiest,
		     100 * v->busiest_share);
}

static void hints_errors(struct cs_view *v, const char *ifname)
{
	double seen = 0, unhashed = 0, top = 0, rate;
	__u32 r, worst = CS_REASON_MAX;

#define SUM_RATE(field) cs_view_reason_rate(v, -1, field)
	rate = SUM_RATE(CS_REASON_REDIRECT_ERR);
	if (rate > 0)
		hint(v, CS_HINT_REDIRECT_ERR, -1,
		     "%.0f redirects/s failed after stage 1 (by errno in stats --json): the cpumap refused them; 'cpusteer status %s' shows its entries",
		     rate, ifname);
	rate = SUM_RATE(CS_REASON_XDP_EXCEPTION);
	if (rate > 0)
		hint(v, CS_HINT_EXCEPTION, -1,
		     "%.0f XDP exceptions/s on %s: a program returned XDP_ABORTED or an invalid verdict (a custom stage 2?); 'perf record -e xdp:xdp_exception' shows which",
		     rate, ifname);
	rate = SUM_RATE(CS_REASON_NO_TARGET);
	if (rate > 0)
		hint(v, CS_HINT_NO_TARGET, -1,
		     "%.0f frames/s hashed to a bucket whose CPU has no cpumap entry: apply or attach %s again",
		     rate, ifname);
	for (r = 0; r < CS_REASON_MAX; r++) {
		if (!cs_reason_is_stage1(r))
			continue;
		rate = SUM_RATE(r);
		seen += rate;
		if (r == CS_REASON_HASHED || r == CS_REASON_NO_TARGET)
			continue;
		unhashed += rate;
		if (rate > top) {
			top = rate;
			worst = r;
		}
	}
#undef SUM_RATE
	if (seen > 0 && unhashed / seen > CS_HINT_FALLBACK_SHARE &&
	    worst < CS_REASON_MAX)
		hint(v, CS_HINT_FALLBACK, -1,
		     "%.0f%% of the frames have no flow to hash (most: %s, %s): they go where --fallback says; if they are tunnels, see --tunnel, --vxlan-port and --mpls-eth",
		     100 * unhashed / seen, cs_reasons[worst].name,
		     cs_reasons[worst].help);
}

int cs_view_make(struct cs_view *v, const struct cs_snapshot *cur,
		 const struct cs_snapshot *prev, __u32 ntop,
		 __u32 hash_mode, __u32 qsize, const char *ifname)
{
	memset(v, 0, sizeof(*v));
	v->cur = cur;
	v->prev = prev && prev->ncpus == cur->ncpus ? prev : NULL;
	v->dt = prev ? cur->time - prev->time : 0;
	v->stats_new = !v->prev || prev->stats_id != cur->stats_id;
	v->table_new = !v->prev || prev->table_id != cur->table_id ||
		       prev->nbuckets != cur->nbuckets;
	v->restarted = prev && (v->stats_new || v->table_new);
	v->load = calloc(cur->ncpus, sizeof(*v->load));
	if (!v->load)
		return -ENOMEM;
	view_targets(v);
	/* The heaviest bucket tells an elephant even with --top 0. */
	view_top(v, ntop ? ntop : 1);
	hints_targets(v, qsize);
	hints_spread(v, hash_mode);
	hints_errors(v, ifname);
	if (v->ntop > ntop)
		v->ntop = ntop;
	return 0;
}

void cs_view_free(struct cs_view *v)
{
	free(v->load);
	v->load = NULL;
}
