// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The indirection table's counts, summed in the kernel for cpusteer stats
 * and top. Stage 1 counts each bucket per CPU (struct cs_bucket in a
 * PERCPU_ARRAY); reading that from userspace copies every possible CPU's
 * copy of every bucket out through the syscall, key by key. This program,
 * run with BPF_PROG_TEST_RUN on the attachment's own table, reads each
 * CPU's copy where it lies (bpf_map_lookup_percpu_elem(), Linux 5.19) and
 * leaves per-bucket totals, each bucket's target and per-CPU totals in its
 * .bss, which the loader reads through mmap: nothing is copied per CPU.
 * Only the CPUs the loader lists are summed: those that ever ran stage 1
 * (their counters say so; any other CPU's copy of every bucket is zero),
 * so the cost is RX CPUs x buckets, not possible CPUs x buckets.
 * Where it cannot load, the loader reads the table in batches instead.
 *
 * The same object moves buckets (cs_move_buckets): it writes the new
 * target into each CPU's copy of a bucket where it lies, and leaves the
 * counts alone. A move through the syscall (one value for every CPU)
 * would write back counts read a moment before, losing the frames stage 1
 * counted meanwhile: a step back that Prometheus takes for a reset.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "cpusteer.h"

/* The attachment's table (the loader sizes it and reuses the pinned fd). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct cs_bucket);
	__uint(max_entries, 1);
} cs_table SEC(".maps");

const volatile __u32 rd_nbuckets = 1;	/* the table's size */

/* In: the CPUs to sum (set by the loader before each run). */
__u32 rd_ncpus;				/* possible CPUs */
__u32 rd_nlist;
__u32 rd_list[CS_MAX_CPUS];
/* Out. */
__u64 rd_frames[CS_MAX_BUCKETS];	/* per bucket, over the CPUs */
__u32 rd_cpu[CS_MAX_BUCKETS];		/* per bucket, its target */
__u64 rd_rx[CS_MAX_CPUS];		/* per listed CPU, over the buckets */
/* In, for cs_move_buckets: each bucket's new target, or CS_NO_BUCKET. */
__u32 mv_cpu[CS_MAX_BUCKETS];

static long rd_bucket(__u32 b, void *ctx)
{
	__u32 i = b & (CS_MAX_BUCKETS - 1), j, n = rd_nlist;
	struct cs_bucket *v;
	__u64 sum = 0;

	/* The target is in every CPU's copy (the loader writes them all). */
	v = bpf_map_lookup_percpu_elem(&cs_table, &b, 0);
	if (!v)
		return 1;
	rd_cpu[i] = v->cpu;
	for (j = 0; j < n && j < CS_MAX_CPUS; j++) {
		v = bpf_map_lookup_percpu_elem(&cs_table, &b, rd_list[j]);
		if (!v)
			break;
		sum += v->packets;
		rd_rx[j] += v->packets;
	}
	rd_frames[i] = sum;
	return 0;
}

/* rd_rx starts at zero: the loader clears it before each run. */
SEC("syscall")
int cs_read_table(void *ctx)
{
	bpf_loop(rd_nbuckets, rd_bucket, NULL, 0);
	return 0;
}

static long mv_bucket(__u32 b, void *ctx)
{
	__u32 t = mv_cpu[b & (CS_MAX_BUCKETS - 1)], cpu;
	struct cs_bucket *v;

	if (t == CS_NO_BUCKET)
		return 0;
	for (cpu = 0; cpu < rd_ncpus && cpu < CS_MAX_CPUS; cpu++) {
		v = bpf_map_lookup_percpu_elem(&cs_table, &b, cpu);
		if (!v)
			break;
		v->cpu = t;
	}
	return 0;
}

SEC("syscall")
int cs_move_buckets(void *ctx)
{
	bpf_loop(rd_nbuckets, mv_bucket, NULL, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
