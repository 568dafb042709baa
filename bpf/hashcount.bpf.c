// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * For the benchmark (selftests/hashcount): counts, per CPU, the times the
 * stack computes a socket buffer's flow hash in software (the flow
 * dissector behind skb_get_hash(): RPS/RFS, fq, XPS ask for it). The
 * loader points the fentry at __skb_get_hash_net (Linux 6.12 on) or
 * __skb_get_hash (before); the program reads no argument, so either
 * signature fits.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1);
} hc_calls SEC(".maps");

SEC("fentry")
int hc_skb_hash(void *ctx)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&hc_calls, &zero);

	if (n)
		(*n)++;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
