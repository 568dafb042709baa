// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cpusteer classify: where would these frames go? Every frame of a pcap runs
 * through the compiled stage-1 program with BPF_PROG_TEST_RUN; the answer is
 * what the program did, not a userspace re-implementation of it. The copy we
 * load has cs_params.record set, which makes it write its decision to the
 * cs_record map; the live program has it clear and the verifier prunes it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "attachment.h"
#include "iface.h"
#include "commands.h"
#include "cpusteer.h"
#include "cpusteer.skel.h"
#include "log.h"
#include "pcapio.h"
#include "pins.h"
#include "steer.h"

enum {
	OPT_PCAP = 'r',
	OPT_CPUS = 'c',
	OPT_HASH = 256,
	OPT_BUCKETS,
	OPT_KEY,
	OPT_SUMMARY,
};

/* Nothing is enqueued by a test run: the rings only have to exist. */
#define CLASSIFY_QSIZE	64

static const struct cs_option classify_opts[] = {
	{ "pcap", required_argument, OPT_PCAP, "FILE",
	  "Ethernet pcap to classify (required)" },
	{ "cpus", required_argument, OPT_CPUS, "LIST",
	  "target CPUs, instead of a live IFACE" },
	{ "hash", required_argument, OPT_HASH, "MODE",
	  "with --cpus: l4, l3, l4-sym, l3-sym, hw (shown as its fallback)" },
	{ "buckets", required_argument, OPT_BUCKETS, "N",
	  "with --cpus: table size, a power of two (default 256)" },
	{ "key", required_argument, OPT_KEY, "HEX",
	  "with --cpus: 32 hex digits (default: a random key)" },
	CS_TUNNEL_OPTIONS,
	{ "summary", no_argument, OPT_SUMMARY, NULL,
	  "print only the per-CPU summary, on stdout" },
	{ "help", no_argument, CS_OPT_HELP, NULL, "show this help" },
	{}
};

const struct cs_command cs_cmd_classify = {
	.name = "classify",
	.func = cmd_classify,
	.synopsis = "--pcap FILE (IFACE | --cpus LIST [--hash MODE] [--buckets N] [--key HEX])",
	.summary = "Run a capture through the stage-1 program and show where each frame lands.",
	.details =
"With IFACE, uses that attachment's live key, hash mode and table. With\n"
"--cpus, builds a table the way attach would. Prints one JSON object per\n"
"frame (index counts from 0):\n"
"  {\"index\": N, \"verdict\": \"redirect\"|\"pass\"|\"drop\"|\"aborted\"|\"not_run\",\n"
"   \"cpu\": N|null, \"bucket\": N|null, \"hash\": N|null, \"reason\": \"...\"}\n"
"(hash: the top 32 bits of the flow hash, as stage 2 finds it in struct\n"
"cs_meta)\n"
"then a per-CPU summary on stderr.\n",
	.opts = classify_opts,
};

struct classify_args {
	const char *pcap;
	const char *ifname;
	struct cs_steer_cfg cfg;
	bool have_cpus, have_key, have_mode, summary_only;
};

struct tally {
	__u64 frames, not_run;
	__u64 verdict[XDP_REDIRECT + 1];
	__u64 cpu[CS_MAX_CPUS];
	__u64 reason[CS_REASON_MAX];
};

static const char *const verdict_names[XDP_REDIRECT + 1] = {
	[XDP_ABORTED] = "aborted", [XDP_DROP] = "drop", [XDP_PASS] = "pass",
	[XDP_TX] = "tx", [XDP_REDIRECT] = "redirect",
};

static int classify_one(void *ctx, int c, const char *arg)
{
	struct classify_args *a = ctx;
	struct cs_steer_cfg *cfg = &a->cfg;
	int err;

	switch (c) {
	case OPT_PCAP:
		a->pcap = arg;
		return 0;
	case OPT_CPUS:
		a->have_cpus = true;
		return cs_cpulist_parse("--cpus", arg, &cfg->cpus);
	case OPT_HASH:
		a->have_mode = true;
		return cs_parse_enum("--hash mode", arg, cs_hash_mode_names,
				     CS_HASH_MODE_MAX, &cfg->params.hash_mode);
	case OPT_BUCKETS:
		a->have_mode = true;
		return cs_parse_buckets(arg, cfg);
	case OPT_KEY:
		a->have_key = true;
		return cs_key_parse(arg, cfg->params.key);
	case OPT_SUMMARY:
		a->summary_only = true;
		return 0;
	}
	err = cs_parse_tunnel_opt(c, arg, NULL, cfg);
	a->have_mode = true;
	return err ? -EINVAL : 0;
}

static int classify_parse(int argc, char **argv, struct classify_args *a)
{
	int err;

	cs_steer_cfg_init(&a->cfg);
	err = cs_opts_parse(argc, argv, &cs_cmd_classify, classify_one, a);
	if (err)
		return err;	/* 1: --help, done */
	if (!a->pcap) {
		cs_err("--pcap FILE is required");
		return -EINVAL;
	}
	if (optind < argc)
		a->ifname = argv[optind++];
	if (optind < argc) {
		cs_err("unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	if (!a->ifname && !a->have_cpus) {
		cs_err("say what to classify against: IFACE (a live attachment) or --cpus LIST");
		return -EINVAL;
	}
	if (a->ifname && a->have_cpus) {
		cs_err("give IFACE (a live attachment) or --cpus LIST, not both");
		return -EINVAL;
	}
	if (a->ifname && (a->have_mode || a->have_key)) {
		cs_err("--hash, --buckets, --key and the tunnel options go with --cpus; IFACE brings its own");
		return -EINVAL;
	}
	if (a->have_cpus && cs_cpus_check_online("--cpus", &a->cfg.cpus))
		return -EINVAL;
	if (a->ifname && cs_ifname_check("IFACE", a->ifname))
		return -EINVAL;
	return 0;
}

/* The live attachment on IFACE; -ENODEV if there is no such interface. */
static int classify_open(const char *ifname, struct cs_attachment *att)
{
	struct cs_pin_key key;
	struct cs_state st;
	int err;

	err = cs_state_open(CS_STATE_READ, &st);
	if (err)
		return err;
	err = cs_attachment_find(&st, ifname, &key);
	if (!err) {
		err = cs_attachment_open(&st, &key, att);
		if (err)
			cs_err("%s", att->error);
	}
	cs_state_close(&st);
	return err;
}

/* Load our recording copy: from the live attachment, or from options. */
static int classify_load(struct classify_args *a, struct cpusteer_bpf **skel)
{
	struct cs_steer_cfg *cfg = &a->cfg;
	struct cs_attachment att;
	int err;

	if (a->ifname) {
		err = classify_open(a->ifname, &att);
		if (err)
			return err;
		cfg->params = att.params;
		cfg->nbuckets = att.nbuckets;
		cfg->cpus = att.cpus;
		cfg->reuse_cpu_map_fd = att.cpu_map_fd;
		cfg->reuse_table_fd = att.table_fd;
	} else {
		if (!a->have_key && cs_key_random(cfg->params.key))
			return -EIO;
		cfg->qsize = CLASSIFY_QSIZE;
		cfg->stage2 = CS_STAGE2_NONE;
	}
	if (cfg->params.hash_mode & CS_HASH_F_HW) {
		/* BPF_PROG_TEST_RUN has no NIC hash to give: show where the
		 * software fallback puts each frame.
		 */
		cs_warn("hash hw: the NIC's RSS hash cannot be replayed from a capture; showing the l4-sym software fallback it uses for frames without one");
		cfg->params.hash_mode &= ~CS_HASH_F_HW;
	}
	cfg->params.record = CS_RECORD_ON;
	err = cs_steer_load(cfg, skel);
	if (a->ifname)
		cs_attachment_close(&att);	/* the skeleton holds the maps */
	return err;
}

static void emit(struct json_object *o, const char *k, __u32 v, bool valid)
{
	json_object_object_add(o, k, valid ? json_object_new_int64(v) : NULL);
}

/* One frame's line: {"index", "verdict", "cpu", "bucket", "hash",
 * "reason"}; the hash (its top 32 bits, as struct cs_meta carries it) and
 * the bucket with a hashed frame only.
 */
static void print_line(__u64 index, const char *verdict, __u32 cpu,
		       bool cpu_ok, __u32 bucket, bool bucket_ok, __u32 hash,
		       const char *reason)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "index", json_object_new_int64(index));
	json_object_object_add(o, "verdict", json_object_new_string(verdict));
	emit(o, "cpu", cpu, cpu_ok);
	emit(o, "bucket", bucket, bucket_ok);
	emit(o, "hash", hash, bucket_ok);
	json_object_object_add(o, "reason", json_object_new_string(reason));
	printf("%s\n", json_object_to_json_string_ext(o,
		JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static int classify_frame(struct cpusteer_bpf *skel, const __u8 *pkt,
			  __u32 len, __u64 index, struct tally *t,
			  bool quiet)
{
	int rec_fd = bpf_map__fd(skel->maps.cs_record);
	struct cs_record rec = { .reason = CS_REASON_MAX };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt,
		    .data_size_in = len, .repeat = 1);
	__u32 zero = 0, v;
	bool hashed, to_cpu;
	int err;

	if (bpf_map_update_elem(rec_fd, &zero, &rec, BPF_ANY)) {
		err = -errno;
		cs_err("cannot reset the decision record: %s", strerror(-err));
		return err;
	}
	if (bpf_prog_test_run_opts(bpf_program__fd(cs_steer_main(skel)),
				   &opts)) {
		cs_warn("frame %llu (%u bytes) could not be run: %s (XDP needs at least a 14-byte Ethernet header)",
			(unsigned long long)index, len, strerror(errno));
		t->not_run++;
		/* Still one line per frame: a consumer joins by index. */
		if (!quiet)
			print_line(index, "not_run", 0, false, 0, false, 0,
				   "too_short");
		return 0;
	}
	if (bpf_map_lookup_elem(rec_fd, &zero, &rec)) {
		err = -errno;
		cs_err("cannot read the decision record: %s", strerror(-err));
		return err;
	}
	v = opts.retval <= XDP_REDIRECT ? opts.retval : XDP_ABORTED;
	hashed = rec.bucket != CS_NO_BUCKET && rec.reason == CS_REASON_HASHED;
	to_cpu = v == XDP_REDIRECT && rec.cpu < CS_MAX_CPUS;
	t->frames++;
	t->verdict[v]++;
	if (to_cpu)
		t->cpu[rec.cpu]++;
	if (rec.reason < CS_REASON_MAX)
		t->reason[rec.reason]++;
	if (!quiet)
		print_line(index, verdict_names[v], rec.cpu, to_cpu, rec.bucket,
			   hashed, rec.hash, rec.reason < CS_REASON_MAX ?
			   cs_reasons[rec.reason].name : "unrecorded");
	return 0;
}

static void print_summary(FILE *f, const struct tally *t)
{
	__u32 cpu, r;

	fprintf(f, "classified %llu frames: %llu redirect, %llu pass, %llu drop, %llu aborted",
		(unsigned long long)t->frames,
		(unsigned long long)t->verdict[XDP_REDIRECT],
		(unsigned long long)t->verdict[XDP_PASS],
		(unsigned long long)t->verdict[XDP_DROP],
		(unsigned long long)t->verdict[XDP_ABORTED]);
	if (t->not_run)
		fprintf(f, ", %llu too short to run",
			(unsigned long long)t->not_run);
	fprintf(f, "\n");
	for (cpu = 0; cpu < CS_MAX_CPUS; cpu++)
		if (t->cpu[cpu])
			fprintf(f, "  cpu %-4u %10llu  %5.1f%%\n", cpu,
				(unsigned long long)t->cpu[cpu],
				100.0 * t->cpu[cpu] / t->frames);
	for (r = 0; r < CS_REASON_MAX; r++)
		if (t->reason[r])
			fprintf(f, "  %-16s %8llu  %s\n", cs_reasons[r].name,
				(unsigned long long)t->reason[r],
				cs_reasons[r].help);
}

static int classify_pcap(struct classify_args *a, struct cs_pcap *p,
			 struct cpusteer_bpf *skel)
{
	FILE *out = a->summary_only ? stdout : stderr;
	struct tally t = {};
	const __u8 *pkt;
	__u64 index = 0;
	__u32 len;
	int rc, err;

	while ((rc = cs_pcap_next(p, &pkt, &len)) == 1) {
		err = classify_frame(skel, pkt, len, index++, &t,
				     a->summary_only);
		if (err)
			return err;
	}
	fflush(stdout);
	print_summary(out, &t);
	if (!a->ifname && !a->have_key)
		fprintf(out, "  key %016" PRIx64 "%016" PRIx64 " (random; pass --key to repeat)\n",
			(uint64_t)a->cfg.params.key[0],
			(uint64_t)a->cfg.params.key[1]);
	return rc;
}

int cmd_classify(int argc, char **argv)
{
	struct classify_args a = {};
	struct cpusteer_bpf *skel;
	struct cs_pcap *p;
	int err;

	err = classify_parse(argc, argv, &a);
	if (err)
		return err == 1 ? CS_EXIT_OK : CS_EXIT_USAGE;
	if (cs_require_root())
		return CS_EXIT_FAIL;
	/* A pcap we cannot read is found before anything is loaded. */
	if (cs_pcap_open_read(a.pcap, &p))
		return CS_EXIT_FAIL;
	err = classify_load(&a, &skel);
	if (!err) {
		err = classify_pcap(&a, p, skel);
		cpusteer_bpf__destroy(skel);
	}
	cs_pcap_close(p);
	return err == -ENODEV ? CS_EXIT_USAGE :
	       err ? CS_EXIT_FAIL : CS_EXIT_OK;
}
