// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The floor every benchmark compares against: a program that does nothing
 * but redirect into a cpumap. Whatever cpusteer costs above this is parsing,
 * hashing, the table lookup and counting.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "cpusteer.h"

struct {
	__uint(type, BPF_MAP_TYPE_CPUMAP);
	__type(key, __u32);
	__type(value, struct bpf_cpumap_val);
	__uint(max_entries, CS_MAX_CPUS);
} ref_cpu_map SEC(".maps");

const volatile __u32 ref_target_cpu;

SEC("xdp")
int ref_redirect(struct xdp_md *ctx)
{
	return bpf_redirect_map(&ref_cpu_map, ref_target_cpu, 0);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
