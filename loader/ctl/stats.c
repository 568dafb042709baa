// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "stats.h"

int cs_table_read(int table_fd, __u32 nbuckets, __u32 *cpu, __u64 *packets)
{
	int ncpus = libbpf_num_possible_cpus(), i, err = 0;
	struct cs_bucket *v;
	__u32 b;

	if (ncpus < 0)
		return ncpus;
	v = calloc(ncpus, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (b = 0; b < nbuckets; b++) {
		if (bpf_map_lookup_elem(table_fd, &b, v)) {
			err = -errno;
			cs_err("cannot read bucket %u of the indirection table: %s",
			       b, strerror(errno));
			break;
		}
		if (cpu)
			cpu[b] = v[0].cpu;
		if (!packets)
			continue;
		packets[b] = 0;
		for (i = 0; i < ncpus; i++)
			packets[b] += v[i].packets;
	}
	free(v);
	return err;
}

/* Hashed frames per target: the buckets' counts, by the buckets' targets. */
static int snapshot_targets(int table_fd, __u32 nbuckets,
			    struct cs_snapshot *s)
{
	__u32 *cpu = calloc(nbuckets, sizeof(*cpu)), b;
	__u64 *packets = calloc(nbuckets, sizeof(*packets));
	int err = -ENOMEM;

	if (cpu && packets)
		err = cs_table_read(table_fd, nbuckets, cpu, packets);
	for (b = 0; !err && b < nbuckets; b++) {
		if (cpu[b] < CS_MAX_CPUS)
			s->redirected[cpu[b]] += packets[b];
		s->sum.reason[CS_REASON_HASHED] += packets[b];
	}
	free(cpu);
	free(packets);
	return err;
}

const __u32 cs_s2_outcomes[CS_S2_OUTCOMES] = {
	CS_REASON_STAGE2_PASS, CS_REASON_STAGE2_DROP, CS_REASON_STAGE2_FILTERED,
	CS_REASON_STAGE2_REDIRECT, CS_REASON_STAGE2_NO_DEV,
};

int cs_snapshot_read(int stats_fd, int table_fd, __u32 nbuckets,
		     struct cs_snapshot *s)
{
	int ncpus = libbpf_num_possible_cpus();
	struct cs_stats *percpu;
	struct timespec ts;
	__u32 zero = 0, i;
	int cpu, err = 0;

	if (ncpus < 0)
		return ncpus;
	/* One struct cs_stats per possible CPU, each 8-byte aligned. */
	percpu = calloc(ncpus, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	if (bpf_map_lookup_elem(stats_fd, &zero, percpu)) {
		err = -errno;
		cs_err("cannot read the stats map: %s", strerror(errno));
		goto out;
	}
	memset(s, 0, sizeof(*s));
	clock_gettime(CLOCK_MONOTONIC, &ts);
	s->time = ts.tv_sec + ts.tv_nsec / 1e9;
	for (cpu = 0; cpu < ncpus; cpu++) {
		const struct cs_stats *c = &percpu[cpu];

		for (i = 0; i < CS_REASON_MAX; i++)
			s->sum.reason[i] += c->reason[i];
		for (i = 0; i < CS_MAX_CPUS; i++)
			s->sum.enqueue_drops[i] += c->enqueue_drops[i];
		for (i = 0; i < CS_ENCAP_MAX; i++)
			s->sum.encap[i] += c->encap[i];
		for (i = 0; cpu < CS_MAX_CPUS && i < CS_S2_OUTCOMES; i++) {
			s->s2[cpu][i] = c->reason[cs_s2_outcomes[i]];
			s->stage2[cpu] += s->s2[cpu][i];
		}
	}
	err = snapshot_targets(table_fd, nbuckets, s);
out:
	free(percpu);
	return err;
}
