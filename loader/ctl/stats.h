/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
#ifndef CS_STATS_H
#define CS_STATS_H

#include "cpusteer.h"

/* Stage 2's outcomes, the reasons it counts on the target CPU. */
#define CS_S2_OUTCOMES	5
extern const __u32 cs_s2_outcomes[CS_S2_OUTCOMES];

/* The per-CPU counters of one attachment, summed, at one instant. */
struct cs_snapshot {
	double time;			/* CLOCK_MONOTONIC seconds */
	struct cs_stats sum;		/* over all CPUs; reason[HASHED] set */
	__u64 redirected[CS_MAX_CPUS];	/* hashed frames, by target CPU */
	__u64 stage2[CS_MAX_CPUS];	/* frames stage 2 ran for, by CPU */
	__u64 s2[CS_MAX_CPUS][CS_S2_OUTCOMES];	/* and each outcome */
};

/*
 * Every bucket's target (@cpu, may be NULL) and frames summed over the RX
 * CPUs (@packets, may be NULL), in one pass over the per-CPU table.
 */
int cs_table_read(int table_fd, __u32 nbuckets, __u32 *cpu, __u64 *packets);
int cs_snapshot_read(int stats_fd, int table_fd, __u32 nbuckets,
		     struct cs_snapshot *s);

#endif
