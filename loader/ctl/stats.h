/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Reading an attachment's counters: one snapshot is every per-CPU counter
 * and every bucket at one instant, kept per CPU where the CPU is what a
 * reader asks about (RX CPU, target). figures.h turns two snapshots into
 * rates, shares and hints.
 */
#ifndef CS_STATS_H
#define CS_STATS_H

#include <stdbool.h>

#include "cpusteer.h"

/* Stage 2's outcomes, the reasons it counts on the target CPU. */
#define CS_S2_OUTCOMES	5
extern const __u32 cs_s2_outcomes[CS_S2_OUTCOMES];

/* Reasons that are a frame's one outcome in stage 1 (the rest annotate
 * a frame or happen after stage 1): hashed, and each fallback.
 */
static inline bool cs_reason_is_stage1(__u32 r)
{
	return r <= CS_REASON_NO_TARGET;
}

/* One CPU's figures, in both of its roles. */
struct cs_cpu_fig {
	/* as an RX CPU: what stage 1 did there */
	__u64 seen;			/* frames (hashed + fallbacks) */
	__u64 reason[CS_REASON_MAX];	/* counted on this CPU, hashed too */
	__u64 redirect_errno[CS_ERRNO_SLOTS];
	/* as a target, from every RX CPU */
	__u64 redirected;		/* hashed into buckets naming it */
	__u64 enq_frames;		/* offered to its ring, dropped
					 * ones included */
	__u64 enq_bulks;
	__u64 enq_drops;		/* ring full */
	/* its kthread */
	__u64 kt_frames, kt_drops, kt_sched, kt_runs;
	__u64 kt_pass, kt_drop, kt_redirect;
	__u64 stage2;			/* cpusteer's stage 2 ran for */
};

struct cs_snapshot {
	bool generic;			/* set by the reader: skb-mode XDP,
					 * where the kernel enqueues frame by
					 * frame and its count of processed
					 * frames leaves the dropped out */
	double time;			/* CLOCK_MONOTONIC seconds */
	__u32 stats_id, table_id;	/* the maps read: a new id is a new
					 * count from zero */
	__u32 ncpus;			/* possible CPUs */
	__u32 nbuckets;
	struct cs_stats *sum;		/* over all CPUs; reason[HASHED] set */
	struct cs_cpu_fig *cpu;		/* [ncpus] */
	__u32 *bucket_cpu;		/* [nbuckets]: each bucket's target */
	__u64 *bucket_frames;		/* [nbuckets], over the RX CPUs */
};

/*
 * Every bucket's target (@cpu, may be NULL) and frames summed over the RX
 * CPUs (@packets, may be NULL), in one pass over the per-CPU table.
 */
int cs_table_read(int table_fd, __u32 nbuckets, __u32 *cpu, __u64 *packets);

/*
 * The table summed in the kernel (bpf/stats_read.bpf.c, Linux 5.19+): no
 * per-CPU copy leaves the kernel. -errno where it cannot load (older
 * kernels): the snapshot then reads the table in batches. Quiet.
 */
struct cs_table_reader;
int cs_reader_open(int table_fd, __u32 nbuckets,
		   struct cs_table_reader **out);
void cs_reader_close(struct cs_table_reader *r);

/*
 * Point every bucket b of @table_fd (@nbuckets) whose @to[b] differs from
 * @from[b] at CPU @to[b], keeping its counts: in the kernel where it can
 * (Linux 5.19+: no frame counted meanwhile is lost), else bucket by bucket
 * through the syscall (the frames counted between the read and the write
 * of a bucket are lost from its count). Errors are printed.
 */
int cs_table_move(int table_fd, __u32 nbuckets, const __u32 *from,
		  const __u32 *to);

/* Room for @nbuckets buckets on this machine's possible CPUs. */
int cs_snapshot_alloc(struct cs_snapshot *s, __u32 nbuckets);
void cs_snapshot_free(struct cs_snapshot *s);
/*
 * Read both maps into @s (allocated for the table's size: a table of
 * another size is -EMSGSIZE, reallocate and read again). The table
 * through @r (a reader of this table) or, with @r NULL, in batches of
 * buckets, one system call each.
 */
int cs_snapshot_read(int stats_fd, int table_fd, struct cs_table_reader *r,
		     struct cs_snapshot *s);

#endif
