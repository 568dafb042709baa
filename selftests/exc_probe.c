// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * exc_probe IFACE SECONDS: cpusteer's tracepoint counters, loaded and
 * attached exactly as an attachment on IFACE (this network namespace) has
 * them, with no XDP program of cpusteer's on IFACE: so another program
 * there can raise xdp_exception (cpusteer's stage 1 never aborts, and veth
 * raises it only for its own program's aborted or invalid verdicts). Prints
 * the xdp_exception count after SECONDS as one JSON line. test_stats.sh
 * runs it for an interface whose program aborts and for the interface with
 * the same ifindex in another namespace.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <net/if.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cpusteer.h"
#include "cpusteer.skel.h"
#include "steer.h"
#include "stats.h"

int main(int argc, char **argv)
{
	struct bpf_link *links[CS_TRACE_LINKS];
	struct cpusteer_bpf *skel;
	struct cs_steer_cfg cfg;
	struct cs_stats *st;
	__u64 n = 0;
	__u32 zero = 0;
	int ncpus, ifindex, seconds, i, rc = 1;

	if (argc != 3 || !(ifindex = if_nametoindex(argv[1])) ||
	    (seconds = atoi(argv[2])) <= 0) {
		fprintf(stderr, "usage: exc_probe IFACE SECONDS\n");
		return 2;
	}
	ncpus = libbpf_num_possible_cpus();
	st = calloc(ncpus, sizeof(*st));
	cs_steer_cfg_init(&cfg);
	cs_key_random(cfg.params.key);
	cfg.cpus.n = 1;
	cfg.cpus.cpu[0] = 0;
	cfg.tracing = true;
	if (!st || cs_steer_load(&cfg, &skel))
		return 1;
	if (cs_steer_attach_tracing(skel, ifindex, links))
		goto out;
	printf("{\"probing\": %d}\n", ifindex);
	fflush(stdout);
	sleep(seconds);
	if (!bpf_map_lookup_elem(bpf_map__fd(skel->maps.cs_stats), &zero, st)) {
		for (i = 0; i < ncpus; i++)
			n += st[i].reason[CS_REASON_XDP_EXCEPTION];
		printf("{\"xdp_exception\": %llu}\n", (unsigned long long)n);
		rc = 0;
	}
	for (i = 0; i < CS_TRACE_LINKS; i++)
		bpf_link__destroy(links[i]);
out:
	cpusteer_bpf__destroy(skel);
	free(st);
	return rc;
}
