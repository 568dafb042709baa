// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * hashcount SECONDS: how many times the stack computed a socket buffer's
 * flow hash in software (bpf/hashcount.bpf.c) during SECONDS, per CPU, as
 * one JSON object: {"calls": N, "per_cpu": [...]}. "counting" on stderr
 * once it counts. For scripts/bench: does the stack recompute the hash
 * of the SKBs the cpumap builds?
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "hashcount.skel.h"

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

int main(int argc, char **argv)
{
	static const char *const targets[] = {
		"__skb_get_hash_net", "__skb_get_hash",
	};
	struct timespec ts;
	struct hashcount_bpf *skel = NULL;
	int ncpus = libbpf_num_possible_cpus(), i, err = -ENOENT;
	unsigned long long total = 0, *v;
	double secs;
	__u32 zero = 0;

	if (argc != 2 || (secs = strtod(argv[1], NULL)) <= 0 || secs > 3600) {
		fprintf(stderr, "usage: hashcount SECONDS (0 < SECONDS <= 3600)\n");
		return 2;
	}
	libbpf_set_print(quiet);
	for (i = 0; i < 2 && err; i++) {
		hashcount_bpf__destroy(skel);
		skel = hashcount_bpf__open();
		if (!skel)
			return 1;
		err = bpf_program__set_attach_target(skel->progs.hc_skb_hash, 0,
						     targets[i]) ?:
		      hashcount_bpf__load(skel) ?: hashcount_bpf__attach(skel);
	}
	if (err) {
		fprintf(stderr, "hashcount: cannot attach to the flow hash function: %s\n",
			strerror(-err));
		hashcount_bpf__destroy(skel);
		return 1;
	}
	fprintf(stderr, "hashcount: counting %s\n", targets[i - 1]);
	ts.tv_sec = (time_t)secs;
	ts.tv_nsec = (long)((secs - ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
	v = calloc(ncpus, sizeof(*v));
	if (!v || bpf_map_lookup_elem(bpf_map__fd(skel->maps.hc_calls), &zero, v)) {
		fprintf(stderr, "hashcount: cannot read the counts\n");
		hashcount_bpf__destroy(skel);
		return 1;
	}
	printf("{\"function\": \"%s\", \"calls\": ", targets[i - 1]);
	for (i = 0; i < ncpus; i++)
		total += v[i];
	printf("%llu, \"per_cpu\": [", total);
	for (i = 0; i < ncpus; i++)
		printf("%s%llu", i ? ", " : "", v[i]);
	printf("]}\n");
	free(v);
	hashcount_bpf__destroy(skel);
	return 0;
}
