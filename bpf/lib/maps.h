/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Maps of one cpusteer attachment. The loader sizes cs_cpu_map (possible
 * CPUs) and cs_table (buckets) before load and pins all but cs_record.
 */
#ifndef CS_MAPS_H
#define CS_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "cpusteer.h"
#include "lib/bounds.h"

/* Key: target CPU. Value: ring size and optional stage-2 program. */
struct {
	__uint(type, BPF_MAP_TYPE_CPUMAP);
	__type(key, __u32);
	__type(value, struct bpf_cpumap_val);
	__uint(max_entries, CS_MAX_CPUS);
} cs_cpu_map SEC(".maps");

/*
 * The indirection table: bucket -> target CPU (the cpumap key) and a per-CPU
 * frame count (struct cs_bucket). Storing the CPU rather than a slot number
 * keeps stage 1 at one lookup; moving a bucket is one map update.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct cs_bucket);
	__uint(max_entries, CS_DEFAULT_BUCKETS);
} cs_table SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct cs_stats);
	__uint(max_entries, 1);
} cs_stats SEC(".maps");

/* Decision of the last frame; written only when cs_params.record is set. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct cs_record);
	__uint(max_entries, 1);
} cs_record SEC(".maps");

/*
 * Stage 2 "filter" (struct cs_filter_rule in cpusteer.h). The loader sizes
 * the rules and hits to 1 entry unless the filter runs, and hands the maps
 * of a running filter on to the programs of an update.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct cs_filter_rule);
	__uint(max_entries, CS_FILTER_MAX);
} cs_flt_rules SEC(".maps");

/* Per rule and per target CPU: frames the rule dropped. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, CS_FILTER_MAX);
} cs_flt_hits SEC(".maps");

#define CS_FLT_TRIE(name, key_type)					\
struct {								\
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);				\
	__type(key, key_type);						\
	__type(value, struct cs_filter_set);				\
	__uint(map_flags, BPF_F_NO_PREALLOC);				\
	__uint(max_entries, CS_FILTER_MAX);				\
} name SEC(".maps")
CS_FLT_TRIE(cs_flt_src4, struct cs_lpm4);
CS_FLT_TRIE(cs_flt_dst4, struct cs_lpm4);
CS_FLT_TRIE(cs_flt_src6, struct cs_lpm6);
CS_FLT_TRIE(cs_flt_dst6, struct cs_lpm6);

/* The rules with no prefix. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct cs_filter_any);
	__uint(max_entries, 1);
} cs_flt_any SEC(".maps");

/* Stage 2 "redirect": the device (key 0) and the MAC rewrite. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__type(key, __u32);
	__type(value, struct bpf_devmap_val);
	__uint(max_entries, 1);
} cs_out_dev SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct cs_out);
	__uint(max_entries, 1);
} cs_out_cfg SEC(".maps");

static __always_inline struct cs_stats *cs_stats_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&cs_stats, &zero);
}

#endif /* CS_MAPS_H */
