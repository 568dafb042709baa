/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What two snapshots of one attachment say over the interval between
 * them: rates, each target's load and share, the heaviest buckets, the
 * imbalance, and hints. stats (text, JSON, Prometheus) and top render
 * the same view.
 *
 * Counters only grow while their map lives; a map read under a new id (a
 * re-attach, a new table) counts from zero, so its interval is measured
 * from zero, never as a negative or huge difference. Within one map a
 * count never goes back but when cpusteer moves a bucket: it keeps the
 * bucket's counts, losing the few frames counted between its read and
 * its write, and a reader takes that step back as no frames.
 */
#ifndef CS_FIGURES_H
#define CS_FIGURES_H

#include <stdbool.h>
#include <stddef.h>

#include "cpus.h"
#include "stats.h"

/* Heaviest buckets kept per view (stats --top, top's list). */
#define CS_TOP_MAX	64
/* Hints kept per view; one per kind and CPU at most. */
#define CS_HINTS_MAX	32

/*
 * Hint thresholds (the man page lists them). A hint says what a figure
 * means and what to try; none fires on an idle interval.
 */
#define CS_HINT_IMBALANCE	1.25	/* max/mean target load */
#define CS_HINT_BULK_LOW	2.0	/* frames per enqueue ... */
#define CS_HINT_BULK_RATE	100000.0 /* ... at this many frames/s */
#define CS_HINT_FALLBACK_SHARE	0.10	/* of stage 1's frames unhashed */

enum cs_hint_kind {
	CS_HINT_RING_DROPS,
	CS_HINT_KTHREAD_DROPS,
	CS_HINT_BULK,
	CS_HINT_ELEPHANT,
	CS_HINT_IMBALANCE_K,
	CS_HINT_REDIRECT_ERR,
	CS_HINT_EXCEPTION,
	CS_HINT_NO_TARGET,
	CS_HINT_FALLBACK,
	CS_HINT_KINDS,
};
extern const char *const cs_hint_names[CS_HINT_KINDS];

struct cs_hint {
	enum cs_hint_kind kind;
	int cpu;		/* the CPU it is about, -1: none */
	char text[256];
};

struct cs_top_bucket {
	__u32 bucket;
	__u32 cpu;		/* its target */
	__u64 delta;		/* frames over the interval */
	double fps;		/* frames/s over the interval */
	double share;		/* of the hashed frames */
	__u64 frames;		/* since the table was made */
};

struct cs_view {
	const struct cs_snapshot *cur, *prev;
	double dt;
	bool restarted;		/* some counters began again in it */
	bool stats_new, table_new;	/* which */
	struct cs_cpuset targets;	/* the table's, ascending */
	/* per target CPU (index: CPU), frames/s hashed to it */
	double *load;
	double total;		/* hashed frames/s, all targets */
	bool have_load;		/* any hashed frame in the interval */
	double imbalance;	/* max/mean load over the targets */
	int busiest;		/* its CPU */
	double busiest_share;
	__u32 ntop;
	struct cs_top_bucket top[CS_TOP_MAX];
	__u32 nhints;
	struct cs_hint hints[CS_HINTS_MAX];
};

/* The difference of one counter over the interval (@same: one map). */
static inline __u64 cs_delta(__u64 cur, __u64 prev, bool same)
{
	if (!same)
		return cur;
	return cur < prev ? 0 : cur - prev;
}

/*
 * The view of @cur against @prev (NULL: against zero, e.g. the first
 * report after a re-attach), @ntop heaviest buckets. @hash_mode and
 * @qsize word the hints. Free with cs_view_free().
 */
int cs_view_make(struct cs_view *v, const struct cs_snapshot *cur,
		 const struct cs_snapshot *prev, __u32 ntop,
		 __u32 hash_mode, __u32 qsize, const char *ifname);
void cs_view_free(struct cs_view *v);

/* Rate of counter @field of CPU @cpu's figures over the view. */
#define CS_VIEW_RATE(v, c, field, is_table)				\
	cs_view_rate(v, (v)->cur->cpu[c].field,				\
		     (v)->prev ? (v)->prev->cpu[c].field : 0, is_table)
double cs_view_rate(const struct cs_view *v, __u64 cur, __u64 prev,
		    bool table);
__u64 cs_view_delta(const struct cs_view *v, __u64 cur, __u64 prev,
		    bool table);
/*
 * Rate of reason @r on CPU @cpu (-1: summed over the CPUs): hashed frames
 * count in the table, the rest in the counters map.
 */
double cs_view_reason_rate(const struct cs_view *v, int cpu, __u32 r);
/* Frames stage 1 ran for on @cpu per second: hashed plus its fallbacks. */
double cs_view_seen_rate(const struct cs_view *v, __u32 cpu);
/* Frames per second offered to target @cpu's ring, dropped ones included. */
double cs_view_offered_rate(const struct cs_view *v, __u32 cpu);
/* Frames per enqueue into @cpu's ring; 0 without any (or in skb mode,
 * where the kernel enqueues frame by frame).
 */
double cs_view_bulk_avg(const struct cs_view *v, __u32 cpu);

/* "ENOENT" or "errno 200" for a redirect-error slot. */
const char *cs_errno_slot_name(__u32 slot, char *buf, size_t len);

#endif
