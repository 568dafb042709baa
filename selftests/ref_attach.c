// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * ref_attach IFACE CPU [SECONDS]: attach the benchmark floor, the bare
 * bpf_redirect_map() program (bpf/ref_redirect.bpf.c), to IFACE in native
 * mode, every frame to CPU's cpumap entry (no stage 2: straight to the
 * stack), until SIGTERM/SIGINT or SECONDS (default 60) pass. Nothing is
 * pinned: the XDP link goes when this process does.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cpusteer.h"
#include "ref_redirect.skel.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = XDP_FLAGS_DRV_MODE);
	struct bpf_cpumap_val val = { .qsize = CS_DEFAULT_QSIZE };
	struct ref_redirect_bpf *skel;
	int ifindex, link, seconds = 60;
	__u32 cpu;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: ref_attach IFACE CPU [SECONDS]\n");
		return 2;
	}
	ifindex = if_nametoindex(argv[1]);
	cpu = strtoul(argv[2], NULL, 10);
	if (argc == 4)
		seconds = atoi(argv[3]);
	if (!ifindex || seconds <= 0) {
		fprintf(stderr, "ref_attach: no interface '%s' or bad SECONDS\n",
			argv[1]);
		return 2;
	}
	skel = ref_redirect_bpf__open();
	if (!skel)
		return 1;
	skel->rodata->ref_target_cpu = cpu;
	bpf_map__set_max_entries(skel->maps.ref_cpu_map,
				 libbpf_num_possible_cpus());
	if (ref_redirect_bpf__load(skel) ||
	    bpf_map_update_elem(bpf_map__fd(skel->maps.ref_cpu_map), &cpu,
				&val, BPF_ANY)) {
		fprintf(stderr, "ref_attach: load or cpumap entry for CPU %u: %s\n",
			cpu, strerror(errno));
		ref_redirect_bpf__destroy(skel);
		return 1;
	}
	link = bpf_link_create(bpf_program__fd(skel->progs.ref_redirect),
			       ifindex, BPF_XDP, &opts);
	if (link < 0) {
		fprintf(stderr, "ref_attach: attach to %s: %s\n", argv[1],
			strerror(errno));
		ref_redirect_bpf__destroy(skel);
		return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	printf("attached\n");
	fflush(stdout);
	while (!stop && seconds--)
		sleep(1);
	close(link);
	ref_redirect_bpf__destroy(skel);
	return 0;
}
