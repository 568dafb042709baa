// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * seqcount IFACE [SECONDS]: count cpusteer gen's numbered frames as the
 * stack would receive them on IFACE (bpf/seqcount.bpf.c, tc ingress), in
 * epochs. Reads lines from stdin: "epoch N NAME" starts epoch N (0 <= N <
 * 64) called NAME. At end of input (or after SECONDS, default 120) it
 * prints one JSON object: per epoch the frames received, the numbers
 * skipped and the frames that arrived late, and per flow the number it
 * expects next; then removes the program (and the clsact qdisc).
 *
 * seqcount --self-test: runs the program on four frames of one flow
 * numbered 0, 2, 1, 3 (BPF_PROG_RUN) and checks it counts 4 received, 1
 * skipped, 1 late: the instrument is tested before it measures.
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

#include "cs_gen.h"
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

/* Ethernet, IPv4, UDP, then cpusteer gen's payload numbered @seq. */
static size_t frame(__u8 *buf, __u32 seq)
{
	static const __u8 hdr[42] = {
		[12] = 0x08, [13] = 0x00,		/* IPv4 */
		[14] = 0x45, [17] = 44, [22] = 64, [23] = 17,	/* UDP */
		[26] = 10, [29] = 1, [30] = 10, [33] = 2,
		[34] = 0x4e, [35] = 0x20, [36] = 0x75, [37] = 0x30,
		[39] = 24,
	};
	struct cs_gen_payload p = { .magic = CS_GEN_MAGIC, .seq = seq };

	memcpy(buf, hdr, sizeof(hdr));
	memcpy(buf + sizeof(hdr), &p, sizeof(p));
	return sizeof(hdr) + sizeof(p) + 2;	/* and a little padding */
}

static int self_test(void)
{
	static const __u32 order[] = { 0, 2, 1, 3 };
	struct seqcount_bpf *skel = seqcount_bpf__open_and_load();
	struct sc_epoch e = {};
	__u8 buf[128] = {};
	__u32 i, zero = 0;
	int ok;

	if (!skel) {
		fprintf(stderr, "seqcount: cannot load: %s\n", strerror(errno));
		return 1;
	}
	for (i = 0; i < 4; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = buf,
			    .data_size_in = frame(buf, order[i]), .repeat = 1);

		if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.sc_count), &o) ||
		    o.retval != 2 /* TC_ACT_SHOT */) {
			fprintf(stderr, "seqcount: frame %u: run failed or not counted (%d, retval %u)\n",
				i, errno, o.retval);
			seqcount_bpf__destroy(skel);
			return 1;
		}
	}
	bpf_map_lookup_elem(bpf_map__fd(skel->maps.sc_epochs), &zero, &e);
	ok = e.received == 4 && e.skipped == 1 && e.late == 1;
	printf("{\"received\": %llu, \"skipped\": %llu, \"late\": %llu, \"ok\": %s}\n",
	       (unsigned long long)e.received, (unsigned long long)e.skipped,
	       (unsigned long long)e.late, ok ? "true" : "false");
	seqcount_bpf__destroy(skel);
	return ok ? 0 : 1;
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

	if (argc == 2 && !strcmp(argv[1], "--self-test"))
		return self_test();
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: seqcount IFACE [SECONDS] < commands | seqcount --self-test\n");
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
