// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cpusteer bench: stage-1 cost per frame with BPF_PROG_TEST_RUN, beside a
 * bare bpf_redirect_map() program built in the same tree. Both run in the
 * same process on the same CPU, interleaved, best of several runs, so the
 * ratio holds on a noisy machine even when the absolute numbers do not.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "commands.h"
#include "cpusteer.h"
#include "cs_meta.h"
#include "cpusteer.skel.h"
#include "figures.h"
#include "filter.h"
#include "frame.h"
#include "log.h"
#include "ref_redirect.skel.h"
#include "stats.h"
#include "steer.h"

enum {
	OPT_REPEAT = 'r',
	OPT_RUNS = 'n',
	OPT_HASH = 256,
	OPT_STAGE2,
	OPT_META,
	OPT_READ,
	OPT_BUCKETS,
};

#define BENCH_REPEAT	2000000	/* long enough that one syscall vanishes */
#define BENCH_RUNS	9
#define BENCH_MAX_RUNS	100

static const struct cs_option bench_opts[] = {
	{ "repeat", required_argument, OPT_REPEAT, "N",
	  "frames per run, 1000000 or more (default 2000000)" },
	{ "runs", required_argument, OPT_RUNS, "N",
	  "runs per program and frame (default 9)" },
	{ "hash", required_argument, OPT_HASH, "MODE",
	  "hash mode to measure (default l4-sym)" },
	{ "meta", no_argument, OPT_META, NULL,
	  "stage 1 writes struct cs_meta too (as with --stage2 filter)" },
	{ "stage2", no_argument, OPT_STAGE2, NULL,
	  "measure stage 2 instead: filter beside drop" },
	{ "read", no_argument, OPT_READ, NULL,
	  "time one reading of every counter and bucket (stats, top) instead" },
	{ "buckets", required_argument, OPT_BUCKETS, "N",
	  "with --read: table size, a power of two (default 4096)" },
	{ "json", no_argument, CS_OPT_JSON, NULL, "print JSON" },
	{ "help", no_argument, CS_OPT_HELP, NULL, "show this help" },
	{}
};

const struct cs_command cs_cmd_bench = {
	.name = "bench",
	.func = cmd_bench,
	.synopsis = "[--repeat N] [--runs N] [--hash MODE] [--meta] [--stage2 | --read [--buckets N]] [--json]",
	.summary = "Measure stage-1 (or stage-2) cost per frame against a floor.",
	.details =
"Runs IPv4/UDP, IPv4/TCP, IPv6/TCP, VLAN IPv4/UDP, VXLAN (inner IPv4/TCP),\n"
"PPPoE (IPv4/UDP) and GRE-over-IPv6 (inner IPv6/TCP) frames through the\n"
"stage-1 program (counters included) and through a program that only calls\n"
"bpf_redirect_map(), and prints the best ns/frame of each, their ratio, and\n"
"the median of the per-run ratios (each run times both programs back to\n"
"back, so it cancels the machine's drift between runs). Compare ratios.\n"
"--meta measures stage 1 writing the metadata that the filter and custom\n"
"stage 2 read.\n"
"--stage2 measures stage 2 on an IPv4/UDP frame with stage 1's metadata in\n"
"front (as the target CPU gets it), beside stage 2 \"drop\": the filter\n"
"with no rule, with 10000 /24 source prefixes that miss the frame, and with\n"
"those and one more rule that drops it. (The kernel does not test-run\n"
"cpumap programs: the same code, as plain XDP programs, is timed.)\n"
"--read times what stats and top do each interval: read every per-CPU\n"
"counter and every bucket of a loaded (not attached) table of --buckets\n"
"buckets with counts in it, on all possible CPUs, and make the figures\n"
"(rates, heaviest buckets, hints): the median of --runs (default 9)\n"
"readings against a budget of 5 ms, with the table summed in the kernel\n"
"(Linux 5.19+, what stats uses) and read in batches (the fallback); both\n"
"must give the same figures. The cost grows with possible CPUs times\n"
"buckets; a VM booted with more possible CPUs measures bigger hosts.\n",
	.opts = bench_opts,
};

struct bench_frame {
	const char *name;
	__u8 data[256];
	size_t len;
};

#define BENCH_FRAMES	7

static void make_frames(struct bench_frame *f)
{
	struct cs_frame_spec s;

	cs_frame_spec_init(&s);
	f[0].name = "ipv4-udp";
	f[0].len = cs_frame_build(&s, f[0].data, sizeof(f[0].data));

	s.proto = IPPROTO_TCP;
	s.payload_len = 6;
	f[1].name = "ipv4-tcp";
	f[1].len = cs_frame_build(&s, f[1].data, sizeof(f[1].data));

	cs_frame_set_addrs(&s, "fd00::1", "fd00::2");
	s.payload_len = 0;
	f[2].name = "ipv6-tcp";
	f[2].len = cs_frame_build(&s, f[2].data, sizeof(f[2].data));

	cs_frame_spec_init(&s);
	s.nvlan = 1;
	s.vlan_tpid[0] = 0x8100;
	s.vlan_id[0] = 100;
	s.payload_len = 14;
	f[3].name = "vlan-ipv4-udp";
	f[3].len = cs_frame_build(&s, f[3].data, sizeof(f[3].data));

	/* The tunnels the issue names: VXLAN, PPPoE, GRE over IPv6. */
	cs_frame_spec_init(&s);
	s.proto = IPPROTO_TCP;
	s.payload_len = 6;
	cs_frame_add_encap(&s, CS_FE_VXLAN, "192.0.2.1", "192.0.2.2");
	f[4].name = "vxlan-ipv4-tcp";
	f[4].len = cs_frame_build(&s, f[4].data, sizeof(f[4].data));

	cs_frame_spec_init(&s);
	cs_frame_add_encap(&s, CS_FE_PPPOE, NULL, NULL);
	f[5].name = "pppoe-ipv4-udp";
	f[5].len = cs_frame_build(&s, f[5].data, sizeof(f[5].data));

	cs_frame_spec_init(&s);
	cs_frame_set_addrs(&s, "fd00::1", "fd00::2");
	s.proto = IPPROTO_TCP;
	s.payload_len = 0;
	cs_frame_add_encap(&s, CS_FE_GRE, "2001:db8:1::1", "2001:db8:1::2");
	f[6].name = "gre-ipv6-tcp";
	f[6].len = cs_frame_build(&s, f[6].data, sizeof(f[6].data));
}

/*
 * ns per frame of one run, as the kernel measures it. Not wall time: on a
 * shared VM the wall clock also counts the time other tasks (and the host)
 * take the CPU, which the kernel's timer leaves out around cond_resched().
 * Its resolution is 1 ns, so ratios carry about +-3% at these costs.
 */
static double run_once(int prog_fd, const struct bench_frame *f, int repeat,
		       __u32 *retval)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f->data,
		    .data_size_in = f->len, .repeat = repeat);

	if (bpf_prog_test_run_opts(prog_fd, &opts))
		return -errno;
	*retval = opts.retval;
	return opts.duration;
}

static int load_ref(__u32 cpu, struct ref_redirect_bpf **out)
{
	struct bpf_cpumap_val val = { .qsize = 64 };
	struct ref_redirect_bpf *ref;
	int err;

	ref = ref_redirect_bpf__open();
	if (!ref)
		return -errno;
	ref->rodata->ref_target_cpu = cpu;
	err = bpf_map__set_max_entries(ref->maps.ref_cpu_map,
				       libbpf_num_possible_cpus());
	if (!err)
		err = ref_redirect_bpf__load(ref);
	if (!err && bpf_map_update_elem(bpf_map__fd(ref->maps.ref_cpu_map),
					&cpu, &val, BPF_ANY))
		err = -errno;
	if (err) {
		cs_err("cannot load the reference redirect program: %s",
		       strerror(-err));
		ref_redirect_bpf__destroy(ref);
		return err;
	}
	*out = ref;
	return 0;
}

struct bench_args {
	__u32 repeat, runs, mode;
	bool stage2, meta, read;
	__u32 buckets;
};

/*
 * Best of the runs for each program, and the median of the per-run ratios:
 * each run times the two programs back to back, so a ratio of one run sees
 * the same machine state on both sides, which the best-vs-best ratio does
 * not when the machine's speed drifts between runs.
 */
struct bench_result {
	double best[2];		/* ns: reference, cpusteer */
	double median_ratio;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int bench_frame(const struct bench_args *a, int ref_fd, int cs_fd,
		       const struct bench_frame *f, struct bench_result *res)
{
	int fds[2] = { ref_fd, cs_fd };
	double ns[2], ratio[BENCH_MAX_RUNS];
	__u32 run, i, ret;

	res->best[0] = res->best[1] = 1e12;
	for (run = 0; run < a->runs; run++) {
		for (i = 0; i < 2; i++) {
			ns[i] = run_once(fds[i], f, a->repeat, &ret);
			if (ns[i] < 0) {
				cs_err("test run of %s failed: %s", f->name,
				       strerror((int)-ns[i]));
				return (int)ns[i];
			}
			if (ret != XDP_REDIRECT) {
				cs_err("%s: %s returned %u, not XDP_REDIRECT: the measurement would not be of the redirect path",
				       f->name, i ? "cpusteer" : "reference",
				       ret);
				return -EINVAL;
			}
			if (ns[i] < res->best[i])
				res->best[i] = ns[i];
		}
		ratio[run] = ns[1] / ns[0];
	}
	qsort(ratio, a->runs, sizeof(ratio[0]), cmp_double);
	res->median_ratio = ratio[a->runs / 2];
	return 0;
}

static void report(const struct bench_args *a, struct bench_frame *frames,
		   const struct bench_result *res, int n)
{
	struct json_object *arr;
	int i;

	if (!cs_json) {
		printf("stage-1 cost, BPF_PROG_TEST_RUN, repeat %u, %u runs, hash %s%s\n",
		       a->repeat, a->runs, cs_hash_mode_names[a->mode],
		       a->meta ? ", metadata written" : "");
		printf("%-16s %6s %14s %12s %11s %13s\n", "frame", "bytes",
		       "bare-redirect", "cpusteer", "best/best",
		       "median-ratio");
		for (i = 0; i < n; i++)
			printf("%-16s %6zu %11.0f ns %9.0f ns %10.3fx %12.3fx\n",
			       frames[i].name, frames[i].len, res[i].best[0],
			       res[i].best[1], res[i].best[1] / res[i].best[0],
			       res[i].median_ratio);
		return;
	}
	arr = json_object_new_array();
	for (i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "frame",
				       json_object_new_string(frames[i].name));
		json_object_object_add(o, "hash", json_object_new_string(
					cs_hash_mode_names[a->mode]));
		json_object_object_add(o, "meta",
				       json_object_new_boolean(a->meta));
		json_object_object_add(o, "bare_redirect_ns",
				       json_object_new_double(res[i].best[0]));
		json_object_object_add(o, "cpusteer_ns",
				       json_object_new_double(res[i].best[1]));
		json_object_object_add(o, "ratio", json_object_new_double(
					res[i].best[1] / res[i].best[0]));
		json_object_object_add(o, "median_ratio",
				json_object_new_double(res[i].median_ratio));
		json_object_array_add(arr, o);
	}
	printf("%s\n", json_object_to_json_string_ext(arr,
				JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(arr);
}

static int bench_stage2(const struct bench_args *a, struct cpusteer_bpf *skel);

static int bench_run(const struct bench_args *a)
{
	struct bench_frame frames[BENCH_FRAMES] = {};
	struct ref_redirect_bpf *ref = NULL;
	struct cpusteer_bpf *skel = NULL;
	struct cs_steer_cfg cfg;
	struct bench_result res[BENCH_FRAMES];
	cpu_set_t set;
	int i, err;

	cs_steer_cfg_init(&cfg);
	cfg.params.hash_mode = a->mode;
	cfg.params.meta = a->meta;
	cfg.bench_stage2 = a->stage2;
	cfg.stage2 = CS_STAGE2_NONE;
	cfg.qsize = 64;
	err = cs_cpulist_read("/sys/devices/system/cpu/online", &cfg.cpus);
	if (!err)
		err = cs_key_random(cfg.params.key);
	if (err)
		return err;
	/* Both programs on one CPU: the comparison is what matters. */
	CPU_ZERO(&set);
	CPU_SET(cfg.cpus.cpu[cfg.cpus.n - 1], &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		cs_warn("cannot run on CPU %u alone (%s): the two programs may be timed on different CPUs",
			cfg.cpus.cpu[cfg.cpus.n - 1], strerror(errno));

	err = cs_steer_load(&cfg, &skel);
	if (err)
		return err;
	if (a->stage2) {
		err = bench_stage2(a, skel);
		goto out;
	}
	err = load_ref(cfg.cpus.cpu[cfg.cpus.n - 1], &ref);
	if (err)
		goto out;
	make_frames(frames);
	for (i = 0; i < BENCH_FRAMES && !err; i++)
		err = bench_frame(a, bpf_program__fd(ref->progs.ref_redirect),
				  bpf_program__fd(cs_steer_main(skel)),
				  &frames[i], &res[i]);
	if (!err)
		report(a, frames, res, BENCH_FRAMES);
out:
	ref_redirect_bpf__destroy(ref);
	cpusteer_bpf__destroy(skel);
	return err;
}

/* --- Stage 2 -------------------------------------------------------------- */

#define S2_PREFIXES	10000

struct s2_input {
	__u8 data[20 + 256];	/* struct cs_meta, then the frame */
	__u32 len;		/* both */
	struct xdp_md ctx;	/* data: where the frame starts */
};

static double s2_run(int fd, struct s2_input *in, __u32 repeat, __u32 *ret)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in->data,
		    .data_size_in = in->len, .ctx_in = &in->ctx,
		    .ctx_size_in = sizeof(in->ctx), .repeat = repeat);

	if (bpf_prog_test_run_opts(fd, &opts))
		return -errno;
	*ret = opts.retval;
	return opts.duration;
}

/* An IPv4/UDP frame with the metadata stage 1 writes for it. */
static void s2_input(struct s2_input *in, struct cs_frame_spec *s)
{
	struct cs_meta m = {
		.hash = 0x12345678, .bucket = 7, .l3_off = 14, .l4_off = 34,
		.ipver = 4, .l4_proto = IPPROTO_UDP,
		.flags = CS_META_F_LOC | CS_META_F_L4,
		.version = CS_META_VERSION,
	};
	size_t n;

	cs_frame_spec_init(s);
	cs_frame_set_addrs(s, "198.18.0.1", "198.19.0.1");
	memcpy(in->data, &m, sizeof(m));
	n = cs_frame_build(s, in->data + sizeof(m),
			   sizeof(in->data) - sizeof(m));
	in->len = sizeof(m) + n;
	memset(&in->ctx, 0, sizeof(in->ctx));
	in->ctx.data = sizeof(m);
	in->ctx.data_end = in->len;
}

struct s2_case {
	const char *name;
	__u32 want;		/* the verdict it must give */
	__u32 rules;		/* rules in the filter when it runs */
	struct bench_result res;
};

static int s2_time(const struct bench_args *a, int drop_fd, int flt_fd,
		   struct s2_input *in, struct s2_case *c)
{
	double ns[2], ratio[BENCH_MAX_RUNS];
	int fds[2] = { drop_fd, flt_fd };
	__u32 run, i, ret = 0;

	c->res.best[0] = c->res.best[1] = 1e12;
	for (run = 0; run < a->runs; run++) {
		for (i = 0; i < 2; i++) {
			ns[i] = s2_run(fds[i], in, a->repeat, &ret);
			if (ns[i] < 0) {
				cs_err("test run of %s failed: %s", c->name,
				       strerror((int)-ns[i]));
				return (int)ns[i];
			}
			if (ret != (i ? c->want : XDP_DROP)) {
				cs_err("%s returned %u, not %u: the measurement would not be of that path",
				       i ? c->name : "drop", ret,
				       i ? c->want : XDP_DROP);
				return -EINVAL;
			}
			if (ns[i] < c->res.best[i])
				c->res.best[i] = ns[i];
		}
		ratio[run] = ns[1] / ns[0];
	}
	qsort(ratio, a->runs, sizeof(ratio[0]), cmp_double);
	c->res.median_ratio = ratio[a->runs / 2];
	return 0;
}

static void s2_report(const struct bench_args *a, const struct s2_case *c,
		      int n)
{
	struct json_object *arr;
	int i;

	if (!cs_json) {
		printf("stage-2 cost, BPF_PROG_TEST_RUN, IPv4/UDP with metadata, repeat %u, %u runs\n",
		       a->repeat, a->runs);
		printf("%-34s %6s %9s %10s %13s\n", "stage 2", "rules",
		       "drop", "it", "median-ratio");
		for (i = 0; i < n; i++)
			printf("%-34s %6u %6.0f ns %7.0f ns %12.3fx\n",
			       c[i].name, c[i].rules, c[i].res.best[0],
			       c[i].res.best[1], c[i].res.median_ratio);
		return;
	}
	arr = json_object_new_array();
	for (i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "stage2",
				       json_object_new_string(c[i].name));
		json_object_object_add(o, "rules",
				       json_object_new_int64(c[i].rules));
		json_object_object_add(o, "drop_ns",
				       json_object_new_double(c[i].res.best[0]));
		json_object_object_add(o, "ns",
				       json_object_new_double(c[i].res.best[1]));
		json_object_object_add(o, "median_ratio",
				json_object_new_double(c[i].res.median_ratio));
		json_object_array_add(arr, o);
	}
	printf("%s\n", json_object_to_json_string_ext(arr,
				JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(arr);
}

static int bench_stage2(const struct bench_args *a, struct cpusteer_bpf *skel)
{
	static struct cs_filter_rule rules[S2_PREFIXES + 1];
	static __u32 numbers[S2_PREFIXES + 1];
	struct s2_case c[] = {
		{ "filter, no rule (passes)", XDP_PASS, 0 },
		{ "filter, 10000 prefixes miss (passes)", XDP_PASS, S2_PREFIXES },
		{ "filter, 10000 + 1 that drops it", XDP_DROP, S2_PREFIXES + 1 },
	};
	int drop = bpf_program__fd(skel->progs.cs_s2b_drop);
	int flt = bpf_program__fd(skel->progs.cs_s2b_flt);
	struct cs_frame_spec s;
	struct s2_input in;
	int fds[CS_FLT_MAPS], i, err = 0;
	__u32 r;

	s2_input(&in, &s);
	for (i = 0; i < CS_FLT_MAPS; i++)
		fds[i] = bpf_map__fd(bpf_object__find_map_by_name(
			skel->obj, cs_flt_map_names[i]));
	/* 10.0.0.0/24 .. 10.39.249.0/24: none holds the frame's source. */
	for (r = 0; r < S2_PREFIXES; r++) {
		rules[r] = (struct cs_filter_rule){
			.used = 1, .match = CS_FLT_SRC, .ipver = 4,
			.src_len = 24,
			.src = { 10, r / 250, r % 250, 0 },
		};
	}
	/* The frame's own flow: source address and destination port. */
	rules[r] = (struct cs_filter_rule){
		.used = 1, .match = CS_FLT_SRC | CS_FLT_DPORT, .ipver = 4,
		.src_len = 32, .dport_lo = s.dport, .dport_hi = s.dport,
	};
	memcpy(rules[r].src, s.src, 4);
	for (i = 0; !err && i < (int)(sizeof(c) / sizeof(c[0])); i++) {
		if (i == 1)
			err = cs_filter_add_many(fds, rules, S2_PREFIXES,
						 numbers);
		if (i == 2 && !err)
			err = cs_filter_add_many(fds, &rules[S2_PREFIXES], 1,
						 numbers);
		if (!err)
			err = s2_time(a, drop, flt, &in, &c[i]);
	}
	if (!err)
		s2_report(a, c, sizeof(c) / sizeof(c[0]));
	return err;
}

/* stats and top read every interval; 5 ms is the budget. */
#define READ_BUCKETS	4096
#define READ_BUDGET_MS	5.0

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/*
 * Every bucket and counter non-zero on every CPU, as after traffic that
 * every CPU received: the worst case, every CPU an RX CPU.
 */
static int read_fill(struct cpusteer_bpf *skel, __u32 nbuckets, int ncpus)
{
	struct cs_bucket *v = calloc(ncpus, sizeof(*v));
	struct cs_stats *st = calloc(ncpus, sizeof(*st));
	__u32 b, zero = 0, r;
	int i, err = -ENOMEM;

	if (!v || !st)
		goto out;
	err = 0;
	for (b = 0; !err && b < nbuckets; b++) {
		if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.cs_table), &b, v))
			err = -errno;
		for (i = 0; !err && i < ncpus; i++)
			v[i].packets = 1000 + b * ncpus + i;
		if (!err && bpf_map_update_elem(bpf_map__fd(skel->maps.cs_table),
						&b, v, BPF_ANY))
			err = -errno;
	}
	for (i = 0; !err && i < ncpus; i++) {
		for (r = 0; r < CS_REASON_MAX; r++)
			st[i].reason[r] = r + i;
		for (r = 0; r < CS_MAX_CPUS && (int)r < ncpus; r++)
			st[i].enq_frames[r] = st[i].enq_bulks[r] = r + i + 1;
		st[i].kt_frames = st[i].kt_runs = i + 1;
	}
	if (!err && bpf_map_update_elem(bpf_map__fd(skel->maps.cs_stats),
					&zero, st, BPF_ANY))
		err = -errno;
out:
	free(v);
	free(st);
	if (err)
		cs_err("cannot fill the counters to read: %s", strerror(-err));
	return err;
}

/* @runs readings (figures made too) into @t, sorted; @r NULL: in batches. */
static int read_runs(struct cpusteer_bpf *skel, struct cs_table_reader *r,
		     struct cs_snapshot snap[2], __u32 runs, double *t)
{
	int stats = bpf_map__fd(skel->maps.cs_stats);
	int table = bpf_map__fd(skel->maps.cs_table);
	struct cs_view v = {};
	int cur = 0, err;
	double t0;
	__u32 i;

	/* One reading before the clock: the first one faults pages in. */
	err = cs_snapshot_read(stats, table, r, &snap[cur]);
	for (i = 0; !err && i < runs; i++) {
		t0 = now_ms();
		cur = !cur;
		err = cs_snapshot_read(stats, table, r, &snap[cur]) ?:
		      cs_view_make(&v, &snap[cur], &snap[!cur], 5,
				   CS_HASH_L4_SYM, 64, "bench");
		cs_view_free(&v);
		t[i] = now_ms() - t0;
	}
	if (!err)
		qsort(t, runs, sizeof(t[0]), cmp_double);
	return err;
}

static int bench_read(const struct bench_args *a)
{
	struct cs_snapshot snap[2] = {}, check = {};
	double t[BENCH_MAX_RUNS], tb[BENCH_MAX_RUNS];
	struct cs_table_reader *reader = NULL;
	struct cpusteer_bpf *skel = NULL;
	struct cs_steer_cfg cfg;
	__u32 n = a->runs, b;
	int ncpus, err;

	ncpus = libbpf_num_possible_cpus();
	cs_steer_cfg_init(&cfg);
	cs_steer_set_buckets(&cfg, a->buckets);
	cfg.stage2 = CS_STAGE2_NONE;
	cfg.qsize = 64;
	err = ncpus < 0 ? ncpus :
	      cs_cpulist_read("/sys/devices/system/cpu/online", &cfg.cpus) ?:
	      cs_key_random(cfg.params.key) ?:
	      cs_steer_load(&cfg, &skel) ?:
	      read_fill(skel, a->buckets, ncpus) ?:
	      cs_snapshot_alloc(&snap[0], a->buckets) ?:
	      cs_snapshot_alloc(&snap[1], a->buckets) ?:
	      cs_snapshot_alloc(&check, a->buckets);
	if (!err && cs_reader_open(bpf_map__fd(skel->maps.cs_table), a->buckets,
				   &reader))
		reader = NULL;
	/* The batches, then the reader: the same figures, or no timing. */
	err = err ?: read_runs(skel, NULL, snap, n, tb);
	if (!err && reader) {
		err = cs_snapshot_read(bpf_map__fd(skel->maps.cs_stats),
				       bpf_map__fd(skel->maps.cs_table), reader,
				       &check);
		for (b = 0; !err && b < a->buckets; b++)
			if (check.bucket_frames[b] != snap[0].bucket_frames[b] ||
			    check.bucket_cpu[b] != snap[0].bucket_cpu[b] ||
			    check.cpu[0].reason[CS_REASON_HASHED] !=
			    snap[0].cpu[0].reason[CS_REASON_HASHED])
				err = -EIO;
		if (err == -EIO)
			cs_err("the in-kernel reader and the batches disagree on bucket %u", b - 1);
		err = err ?: read_runs(skel, reader, snap, n, t);
	}
	if (!err) {
		const double *m = reader ? t : tb;

		if (cs_json)
			printf("{\"read\":{\"possible_cpus\":%d,\"buckets\":%u,\"runs\":%u,\"reader\":\"%s\",\"best_ms\":%.3f,\"median_ms\":%.3f,\"batch_best_ms\":%.3f,\"batch_median_ms\":%.3f,\"budget_ms\":%.1f,\"median_of_budget\":%.3f}}\n",
			       ncpus, a->buckets, n, reader ? "kernel" : "batch",
			       m[0], m[n / 2], tb[0], tb[n / 2], READ_BUDGET_MS,
			       m[n / 2] / READ_BUDGET_MS);
		else
			printf("one reading of every counter and bucket, %d possible CPUs x %u buckets, median of %u: %.3f ms summed in the kernel%s, %.3f ms in batches (budget %.0f ms: %.2f of it)\n",
			       ncpus, a->buckets, n, reader ? t[n / 2] : 0.0,
			       reader ? "" : " (not on this kernel: Linux 5.19)",
			       tb[n / 2], READ_BUDGET_MS,
			       m[n / 2] / READ_BUDGET_MS);
	}
	cs_reader_close(reader);
	cs_snapshot_free(&snap[0]);
	cs_snapshot_free(&snap[1]);
	cs_snapshot_free(&check);
	cpusteer_bpf__destroy(skel);
	return err;
}

static int bench_one(void *ctx, int c, const char *arg)
{
	struct bench_args *a = ctx;

	switch (c) {
	case OPT_REPEAT:
		return cs_parse_u32("--repeat", arg, 1000000, 100000000,
				    &a->repeat);
	case OPT_RUNS:
		return cs_parse_u32("--runs", arg, 1, BENCH_MAX_RUNS, &a->runs);
	case OPT_HASH:
		return cs_parse_enum("--hash mode", arg, cs_hash_mode_names,
				     CS_HASH_MODE_MAX, &a->mode);
	case OPT_STAGE2:
		a->stage2 = true;
		return 0;
	case OPT_META:
		a->meta = true;
		return 0;
	case OPT_READ:
		a->read = true;
		return 0;
	case OPT_BUCKETS:
		return cs_parse_u32("--buckets", arg, 1, CS_MAX_BUCKETS,
				    &a->buckets);
	case CS_OPT_JSON:
		cs_json = true;
		return 0;
	}
	return -EINVAL;
}

int cmd_bench(int argc, char **argv)
{
	struct bench_args a = { BENCH_REPEAT, BENCH_RUNS, CS_HASH_L4_SYM,
				.buckets = READ_BUCKETS };
	int err;

	err = cs_opts_parse(argc, argv, &cs_cmd_bench, bench_one, &a);
	if (err)
		return err > 0 ? CS_EXIT_OK : CS_EXIT_USAGE;
	if (a.mode & CS_HASH_F_HW) {
		cs_err("--hash hw needs a NIC to bind to; bench measures the software modes (hw falls back to l4-sym)");
		return CS_EXIT_USAGE;
	}
	if (optind < argc) {
		cs_err("unexpected argument '%s'", argv[optind]);
		return CS_EXIT_USAGE;
	}
	if (a.read && a.stage2) {
		cs_err("--read and --stage2 measure different things: give one");
		return CS_EXIT_USAGE;
	}
	if (a.buckets & (a.buckets - 1)) {
		cs_err("--buckets '%u' is not a power of two", a.buckets);
		return CS_EXIT_USAGE;
	}
	if (cs_require_root())
		return CS_EXIT_FAIL;
	if (a.read)
		return bench_read(&a) ? CS_EXIT_FAIL : CS_EXIT_OK;
	return bench_run(&a) ? CS_EXIT_FAIL : CS_EXIT_OK;
}
