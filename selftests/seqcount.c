// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * seqcount IFACE [SECONDS]: count cpusteer gen's numbered frames as the
 * stack would receive them on IFACE (bpf/seqcount.bpf.c, tc ingress), in
 * epochs. Reads lines from stdin: "epoch N NAME" starts epoch N (0 <= N <
 * 64) called NAME. At end of input (or after SECONDS, default 120) it
 * prints one JSON object: per epoch the frames received, the numbers
 * skipped and the frames that arrived late, and per flow the number it
 * expects next; then removes the program (and the clsact qdisc).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "seqcount.skel.h"

#define SC_MAX_FLOWS	4096
#define SC_MAX_EPOCHS	64

struct sc_flow {
	__u32 lock;
	__u32 next;
};

struct sc_epoch {
	__u64 received, skipped, late;
};

static char names[SC_MAX_EPOCHS][64];
static int used[SC_MAX_EPOCHS];

static void report(struct seqcount_bpf *skel)
{
	int efd = bpf_map__fd(skel->maps.sc_epochs);
	int ffd = bpf_map__fd(skel->maps.sc_flows);
	struct sc_epoch e;
	struct sc_flow f;
	__u32 i, last = 0;
	bool first = true;

	printf("{\"foreign\": %llu, \"epochs\": [",
	       (unsigned long long)skel->bss->sc_foreign);
	for (i = 0; i < SC_MAX_EPOCHS; i++) {
		if (!used[i] || bpf_map_lookup_elem(efd, &i, &e))
			continue;
		printf("%s{\"epoch\": %u, \"name\": \"%s\", \"received\": %llu, \"skipped\": %llu, \"late\": %llu}",
		       first ? "" : ", ", i, names[i],
		       (unsigned long long)e.received,
		       (unsigned long long)e.skipped,
		       (unsigned long long)e.late);
		first = false;
	}
	printf("], \"next\": [");
	for (i = 0; i < SC_MAX_FLOWS; i++)
		if (!bpf_map_lookup_elem(ffd, &i, &f) && f.next)
			last = i + 1;
	for (i = 0; i < last; i++) {
		if (bpf_map_lookup_elem(ffd, &i, &f))
			f.next = 0;
		printf("%s%u", i ? ", " : "", f.next);
	}
	printf("]}\n");
}

int main(int argc, char **argv)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 1, .priority = 1);
	struct seqcount_bpf *skel;
	char line[256], name[64];
	struct pollfd pfd = { .fd = 0, .events = POLLIN };
	time_t end;
	int ifindex, seconds = 120, err;
	unsigned int n;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: seqcount IFACE [SECONDS] < commands\n");
		return 2;
	}
	ifindex = if_nametoindex(argv[1]);
	if (argc == 3)
		seconds = atoi(argv[2]);
	if (!ifindex || seconds <= 0) {
		fprintf(stderr, "seqcount: no interface '%s' or bad SECONDS\n",
			argv[1]);
		return 2;
	}
	skel = seqcount_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "seqcount: cannot load: %s\n", strerror(errno));
		return 1;
	}
	hook.ifindex = ifindex;
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		fprintf(stderr, "seqcount: no clsact on %s: %s\n", argv[1],
			strerror(-err));
		goto out;
	}
	opts.prog_fd = bpf_program__fd(skel->progs.sc_count);
	err = bpf_tc_attach(&hook, &opts);
	if (err) {
		fprintf(stderr, "seqcount: cannot attach to %s: %s\n", argv[1],
			strerror(-err));
		goto out_hook;
	}
	used[0] = 1;
	snprintf(names[0], sizeof(names[0]), "start");
	fprintf(stderr, "seqcount: counting on %s\n", argv[1]);
	end = time(NULL) + seconds;
	while (time(NULL) < end) {
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		if (!fgets(line, sizeof(line), stdin))
			break;
		if (sscanf(line, "epoch %u %63s", &n, name) == 2 &&
		    n < SC_MAX_EPOCHS) {
			used[n] = 1;
			snprintf(names[n], sizeof(names[n]), "%s", name);
			skel->bss->sc_epoch = n;
		}
	}
	report(skel);
	opts.flags = opts.prog_fd = opts.prog_id = 0;
	bpf_tc_detach(&hook, &opts);
out_hook:
	hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
	bpf_tc_hook_destroy(&hook);
out:
	seqcount_bpf__destroy(skel);
	return err ? 1 : 0;
}
