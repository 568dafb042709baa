// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Table-driven packet tests of the stage-1 program through BPF_PROG_TEST_RUN:
 * a frame in, the verdict, the counted reason and the bucket out. The
 * expected bucket is computed from the tuple the case says the parser must
 * extract, with the same keyed hash (include/cs_hash.h), so a case fails if
 * the parser reads a wrong field, a wrong offset or ports it must not read.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/in.h>
#include <linux/if_ether.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cpusteer.h"
#include "cs_hash.h"
#include "cs_meta.h"
#include "cpusteer.skel.h"
#include "filter.h"
#include "frame.h"
#include "kfeatures.h"
#include "ktap.h"
#include "steer.h"

#define TEST_KEY0	0x0123456789abcdefULL
#define TEST_KEY1	0xfedcba9876543211ULL
/* Flows per target CPU in check_spread: chi-square wants 5 or more
 * expected in every cell; 64 leaves the test some power.
 */
#define SPREAD_PER_TARGET	64
/* The standard normal quantile at 1 - 1e-4: the spread test's false-alarm
 * rate per key.
 */
#define SPREAD_Z	3.719
#define LIVE_FRAMES	1000

struct pcase {
	const char *name;
	void (*setup)(struct cs_frame_spec *s);
	__u32 reason;		/* CS_REASON_HASHED or the fallback reason */
	bool no_ports;		/* hashed on addresses only (fragment, ICMP) */
};

static struct cs_cpuset targets;

#define CASE(fn, body) \
	static void fn(struct cs_frame_spec *s) { (void)s; body; }

static void ipv6(struct cs_frame_spec *s)
{
	cs_frame_set_addrs(s, "2001:db8::1", "2001:db8:ffff::2");
}

static void vlan(struct cs_frame_spec *s, __u16 tpid, __u16 id)
{
	s->vlan_tpid[s->nvlan] = tpid;
	s->vlan_id[s->nvlan++] = id;
}

static void ext(struct cs_frame_spec *s, __u8 type, int n)
{
	while (n--)
		s->ext[s->n_ext++] = type;
}

CASE(v4_udp, )
CASE(v4_tcp, s->proto = IPPROTO_TCP)
CASE(v4_sctp, s->proto = IPPROTO_SCTP)
CASE(v4_udplite, s->proto = IPPROTO_UDPLITE)
CASE(v4_icmp, s->proto = IPPROTO_ICMP; s->icmp_type = 8)
CASE(v4_gre, s->proto = 47)
CASE(v4_opts1, s->proto = IPPROTO_TCP; s->ipv4_opt_words = 1)
CASE(v4_opts10, s->ipv4_opt_words = 10)
CASE(v4_frag_first, s->more_frags = true)
CASE(v4_frag_later, s->frag_offset = 185)
CASE(v6_udp, ipv6(s))
CASE(v6_tcp, ipv6(s); s->proto = IPPROTO_TCP)
CASE(v6_sctp, ipv6(s); s->proto = IPPROTO_SCTP)
CASE(v6_udplite, ipv6(s); s->proto = IPPROTO_UDPLITE)
CASE(v6_icmp, ipv6(s); s->proto = IPPROTO_ICMPV6; s->icmp_type = 128)
CASE(v6_hbh, ipv6(s); ext(s, IPPROTO_HOPOPTS, 1))
CASE(v6_chain, ipv6(s); ext(s, IPPROTO_HOPOPTS, 1);
     ext(s, IPPROTO_DSTOPTS, 1); ext(s, IPPROTO_ROUTING, 1);
     ext(s, IPPROTO_AH, 1); s->proto = IPPROTO_TCP)
CASE(v6_chain_at_bound, ipv6(s); ext(s, IPPROTO_DSTOPTS, CS_IPV6_EXT_MAX))
CASE(v6_chain_over_bound, ipv6(s); ext(s, IPPROTO_DSTOPTS, CS_IPV6_EXT_MAX + 1))
CASE(v6_atomic_frag, ipv6(s); s->frag_header = true)
CASE(v6_frag_first, ipv6(s); s->frag_header = true; s->more_frags = true)
CASE(v6_frag_later, ipv6(s); s->frag_header = true; s->frag_offset = 185)
CASE(vlan1, vlan(s, 0x8100, 10))
CASE(qinq, vlan(s, 0x88a8, 100); vlan(s, 0x8100, 10))
CASE(qinq_reversed, vlan(s, 0x8100, 10); vlan(s, 0x88a8, 100))
CASE(vlan4_v6_tcp, ipv6(s); s->proto = IPPROTO_TCP;
     for (int i = 0; i < CS_VLAN_MAX; i++) vlan(s, 0x8100, i + 1))
CASE(vlan5, for (int i = 0; i <= CS_VLAN_MAX; i++) vlan(s, 0x88a8, i + 1))
CASE(arp, s->ethertype = 0x0806)
CASE(v4_bad_ihl, s->ipv4_ihl = 4)
CASE(v4_ihl_past_end, s->ipv4_ihl = 15; s->payload_len = 0)
CASE(v6_in_v4_ethertype, ipv6(s); s->ethertype = 0x0800)
CASE(v4_in_v6_ethertype, s->ethertype = 0x86dd)

static const struct pcase cases[] = {
	{ "ipv4 udp", v4_udp, CS_REASON_HASHED, false },
	{ "ipv4 tcp", v4_tcp, CS_REASON_HASHED, false },
	{ "ipv4 sctp", v4_sctp, CS_REASON_HASHED, false },
	{ "ipv4 udp-lite", v4_udplite, CS_REASON_HASHED, false },
	{ "ipv4 icmp on the address pair", v4_icmp, CS_REASON_HASHED, true },
	{ "ipv4 other protocol on the address pair", v4_gre, CS_REASON_HASHED, true },
	{ "ipv4 one option word, ports after it", v4_opts1, CS_REASON_HASHED, false },
	{ "ipv4 ten option words (IHL 15)", v4_opts10, CS_REASON_HASHED, false },
	{ "ipv4 first fragment on the address pair", v4_frag_first, CS_REASON_HASHED, true },
	{ "ipv4 later fragment on the address pair", v4_frag_later, CS_REASON_HASHED, true },
	{ "ipv6 udp", v6_udp, CS_REASON_HASHED, false },
	{ "ipv6 tcp", v6_tcp, CS_REASON_HASHED, false },
	{ "ipv6 sctp", v6_sctp, CS_REASON_HASHED, false },
	{ "ipv6 udp-lite", v6_udplite, CS_REASON_HASHED, false },
	{ "ipv6 icmpv6 on the address pair", v6_icmp, CS_REASON_HASHED, true },
	{ "ipv6 hop-by-hop then udp", v6_hbh, CS_REASON_HASHED, false },
	{ "ipv6 hbh, dstopts, routing, ah then tcp", v6_chain, CS_REASON_HASHED, false },
	{ "ipv6 extension chain at the bound", v6_chain_at_bound, CS_REASON_HASHED, false },
	{ "ipv6 extension chain over the bound", v6_chain_over_bound, CS_REASON_IPV6_EXT_DEPTH, false },
	{ "ipv6 atomic fragment keeps its ports", v6_atomic_frag, CS_REASON_HASHED, false },
	{ "ipv6 first fragment on the address pair", v6_frag_first, CS_REASON_HASHED, true },
	{ "ipv6 later fragment on the address pair", v6_frag_later, CS_REASON_HASHED, true },
	{ "802.1Q tag", vlan1, CS_REASON_HASHED, false },
	{ "802.1ad then 802.1Q", qinq, CS_REASON_HASHED, false },
	{ "802.1Q then 802.1ad", qinq_reversed, CS_REASON_HASHED, false },
	{ "four tags then ipv6 tcp", vlan4_v6_tcp, CS_REASON_HASHED, false },
	{ "five tags fall back", vlan5, CS_REASON_VLAN_DEPTH, false },
	{ "arp falls back as not ip", arp, CS_REASON_NOT_IP, false },
	{ "ipv4 IHL 4 falls back", v4_bad_ihl, CS_REASON_BAD_IPV4, false },
	{ "ipv4 IHL past the frame end falls back", v4_ihl_past_end, CS_REASON_TRUNCATED, false },
	{ "ipv6 header behind an ipv4 ethertype", v6_in_v4_ethertype, CS_REASON_BAD_IPV4, false },
	{ "ipv4 header behind an ipv6 ethertype", v4_in_v6_ethertype, CS_REASON_BAD_IPV6, false },
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

struct result {
	__u32 verdict, reason, bucket, cpu, hash;
	bool has_meta;		/* stage 1 wrote struct cs_meta */
	struct cs_meta meta;
};

static int run(struct cpusteer_bpf *skel, const void *frame, __u32 len,
	       struct result *r)
{
	struct cs_record rec = { .reason = CS_REASON_MAX };
	/* data_out starts at data_meta: the metadata, then the frame. */
	static __u8 out[8192];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame,
		    .data_size_in = len, .repeat = 1, .data_out = out,
		    .data_size_out = sizeof(out));
	int rec_fd = bpf_map__fd(skel->maps.cs_record);
	/* A twin loaded with CS_RECORD_NO_FAST runs the general parser. */
	int prog = bpf_program__fd(skel->progs.cs_steer_general);
	__u32 zero = 0;

	if (prog < 0)
		prog = bpf_program__fd(cs_steer_main(skel));
	bpf_map_update_elem(rec_fd, &zero, &rec, BPF_ANY);
	if (bpf_prog_test_run_opts(prog, &opts))
		return -errno;
	bpf_map_lookup_elem(rec_fd, &zero, &rec);
	*r = (struct result){ .verdict = opts.retval, .reason = rec.reason,
			      .bucket = rec.bucket, .cpu = rec.cpu,
			      .hash = rec.hash };
	r->has_meta = opts.data_size_out == len + sizeof(r->meta);
	if (r->has_meta)
		memcpy(&r->meta, out, sizeof(r->meta));
	return 0;
}

/* CS_RECORD_NO_FAST while loading the general-path twin (check_differential). */
static __u32 record_extra;
/* Load with stage 1 writing struct cs_meta (check_meta). */
static __u32 load_meta;

static int load_tun(__u32 mode, __u32 fallback, __u32 tunnel,
		    __u16 extra_port, struct cpusteer_bpf **skel)
{
	struct cs_steer_cfg cfg;

	cs_steer_cfg_init(&cfg);
	cfg.params.hash_mode = mode;
	cfg.params.key[0] = TEST_KEY0;
	cfg.params.key[1] = TEST_KEY1;
	cfg.params.fallback_cpu = fallback;
	cfg.params.record = CS_RECORD_ON | record_extra;
	cfg.cpus = targets;
	cfg.qsize = 64;
	cfg.stage2 = CS_STAGE2_NONE;
	cfg.params.tunnel = tunnel;
	cfg.params.meta = load_meta;
	if (extra_port) {
		cfg.params.tunnel |= CS_TUN_EXTRA_PORTS;
		cfg.params.vxlan_ports[0] = htons(extra_port);
	}
	return cs_steer_load(&cfg, skel);
}

static int load(__u32 mode, __u32 fallback, struct cpusteer_bpf **skel)
{
	return load_tun(mode, fallback, 0, 0, skel);
}

/* The tuple the parser must extract for @s, as the BPF loads see it. */
static void expected_flow(const struct cs_frame_spec *s, __u32 mode,
			  bool no_ports, struct cs_flow *f)
{
	__u32 w[4];
	int i;

	memset(f, 0, sizeof(*f));
	if (s->family == 4) {
		memcpy(w, s->src, 4);
		f->src = w[0];
		memcpy(w, s->dst, 4);
		f->dst = w[0];
	} else {
		memcpy(w, s->src, 16);
		for (i = 0; i < 4; i++)
			f->src ^= w[i];
		memcpy(w, s->dst, 16);
		for (i = 0; i < 4; i++)
			f->dst ^= w[i];
	}
	f->proto = s->proto;
	if (!no_ports && cs_hash_mode_has_ports(mode)) {
		f->sport = htons(s->sport);
		f->dport = htons(s->dport);
	}
}

static __u32 expected_bucket(const struct cs_frame_spec *s, __u32 mode,
			     bool no_ports)
{
	struct cs_steer_cfg cfg;
	struct cs_flow f;
	__u64 h;

	cs_steer_cfg_init(&cfg);
	expected_flow(s, mode, no_ports, &f);
	h = cs_hash_flow(&f, TEST_KEY0 | 1, TEST_KEY1 | 1,
			 cs_hash_mode_symmetric(mode), 0);
	return cs_hash_bucket(h, cfg.params.bucket_shift,
			      cfg.params.bucket_mask);
}

static bool check_case(struct cpusteer_bpf *skel, const struct pcase *c)
{
	struct cs_frame_spec s;
	__u8 buf[512];
	struct result r;
	size_t len;
	__u32 want;

	cs_frame_spec_init(&s);
	c->setup(&s);
	len = cs_frame_build(&s, buf, sizeof(buf));
	if (!len || run(skel, buf, len, &r)) {
		ktap_print_msg("%s: could not build or run the frame", c->name);
		return false;
	}
	if (c->reason != CS_REASON_HASHED) {
		if (r.verdict == XDP_PASS && r.reason == c->reason)
			return true;
		ktap_print_msg("%s: verdict %u reason %u, want pass/%s",
			       c->name, r.verdict, r.reason,
			       cs_reasons[c->reason].name);
		return false;
	}
	want = expected_bucket(&s, CS_HASH_L4_SYM, c->no_ports);
	if (r.verdict == XDP_REDIRECT && r.reason == CS_REASON_HASHED &&
	    r.bucket == want && r.cpu == targets.cpu[want % targets.n])
		return true;
	ktap_print_msg("%s: verdict %u reason %u bucket %u cpu %u, want redirect/hashed bucket %u cpu %u",
		       c->name, r.verdict, r.reason, r.bucket, r.cpu, want,
		       targets.cpu[want % targets.n]);
	return false;
}

/* Both directions of every hashed case land in one bucket. */
static bool check_symmetric(__u32 mode)
{
	struct cpusteer_bpf *skel;
	bool ok = true;
	size_t i;

	if (load(mode, CS_FALLBACK_PASS, &skel))
		return false;
	for (i = 0; i < NCASES; i++) {
		struct cs_frame_spec s, rev;
		struct result a = {}, b = {};
		__u8 fa[512], fb[512];
		size_t la, lb;
		__u32 want;

		if (cases[i].reason != CS_REASON_HASHED)
			continue;
		cs_frame_spec_init(&s);
		cases[i].setup(&s);
		rev = s;
		memcpy(rev.src, s.dst, 16);
		memcpy(rev.dst, s.src, 16);
		rev.sport = s.dport;
		rev.dport = s.sport;
		la = cs_frame_build(&s, fa, sizeof(fa));
		lb = cs_frame_build(&rev, fb, sizeof(fb));
		want = expected_bucket(&s, mode, cases[i].no_ports);
		if (run(skel, fa, la, &a) || run(skel, fb, lb, &b) ||
		    a.bucket != want || b.bucket != want) {
			ktap_print_msg("%s: buckets %u and %u, want %u",
				       cases[i].name, a.bucket, b.bucket, want);
			ok = false;
		}
	}
	cpusteer_bpf__destroy(skel);
	return ok;
}

/*
 * Cut the frame at every length from the Ethernet header (the kernel runs
 * nothing shorter) to its end: short of the last byte the parser needs it
 * must fall back as truncated, from there on hash as the whole frame does.
 */
static bool check_truncation(struct cpusteer_bpf *skel, const char *what,
			     void (*setup)(struct cs_frame_spec *s),
			     size_t need)
{
	struct cs_frame_spec s;
	struct result whole, r;
	__u8 buf[512];
	size_t len, cut;
	bool ok = true;

	cs_frame_spec_init(&s);
	setup(&s);
	len = cs_frame_build(&s, buf, sizeof(buf));
	if (run(skel, buf, len, &whole) || whole.verdict != XDP_REDIRECT)
		return false;
	for (cut = 14; cut <= len; cut++) {
		bool want_hash = cut >= need;

		if (run(skel, buf, cut, &r))
			return false;
		if (want_hash ? (r.verdict == XDP_REDIRECT &&
				 r.bucket == whole.bucket) :
				(r.verdict == XDP_PASS &&
				 r.reason == CS_REASON_TRUNCATED))
			continue;
		ktap_print_msg("%s cut at %zu bytes: verdict %u reason %u bucket %u",
			       what, cut, r.verdict, r.reason, r.bucket);
		ok = false;
	}
	return ok;
}

static bool same_bucket(struct cpusteer_bpf *skel,
			void (*a)(struct cs_frame_spec *s),
			void (*b)(struct cs_frame_spec *s))
{
	struct cs_frame_spec sa, sb;
	struct result ra, rb;
	__u8 fa[512], fb[512];

	cs_frame_spec_init(&sa);
	cs_frame_spec_init(&sb);
	a(&sa);
	b(&sb);
	return !run(skel, fa, cs_frame_build(&sa, fa, sizeof(fa)), &ra) &&
	       !run(skel, fb, cs_frame_build(&sb, fb, sizeof(fb)), &rb) &&
	       ra.verdict == XDP_REDIRECT && ra.bucket == rb.bucket &&
	       ra.cpu == rb.cpu;
}

/* l3 modes: frames that differ only in their ports share a bucket. */
static bool check_l3_ignores_ports(void)
{
	struct cpusteer_bpf *skel;
	struct cs_frame_spec s;
	struct result r0, r;
	__u8 buf[512];
	bool ok = true;
	int i;

	if (load(CS_HASH_L3, CS_FALLBACK_PASS, &skel))
		return false;
	cs_frame_spec_init(&s);
	run(skel, buf, cs_frame_build(&s, buf, sizeof(buf)), &r0);
	for (i = 1; i < 64 && ok; i++) {
		s.sport = 1000 + i * 7;
		s.dport = 2000 + i * 13;
		ok = !run(skel, buf, cs_frame_build(&s, buf, sizeof(buf)), &r) &&
		     r.bucket == r0.bucket &&
		     r.bucket == expected_bucket(&s, CS_HASH_L3, true);
	}
	cpusteer_bpf__destroy(skel);
	return ok;
}

/* --fallback cpu:N sends unparsable frames to CPU N, still counted. */
static bool check_fallback_cpu(void)
{
	__u32 cpu = targets.cpu[targets.n - 1];
	struct cpusteer_bpf *skel;
	struct cs_frame_spec s;
	struct result r;
	__u8 buf[128];
	bool ok;

	if (load(CS_HASH_L4_SYM, cpu, &skel))
		return false;
	cs_frame_spec_init(&s);
	arp(&s);
	ok = !run(skel, buf, cs_frame_build(&s, buf, sizeof(buf)), &r) &&
	     r.verdict == XDP_REDIRECT && r.cpu == cpu &&
	     r.reason == CS_REASON_NOT_IP && r.bucket == CS_NO_BUCKET;
	cpusteer_bpf__destroy(skel);
	return ok;
}

/* --fallback drop: the same frame dropped, under its reason. */
static bool check_fallback_drop(void)
{
	struct cpusteer_bpf *skel;
	struct cs_frame_spec s;
	struct result r;
	__u8 buf[128];
	bool ok;

	if (load(CS_HASH_L4_SYM, CS_FALLBACK_DROP, &skel))
		return false;
	cs_frame_spec_init(&s);
	arp(&s);
	ok = !run(skel, buf, cs_frame_build(&s, buf, sizeof(buf)), &r) &&
	     r.verdict == XDP_DROP && r.reason == CS_REASON_NOT_IP &&
	     r.bucket == CS_NO_BUCKET;
	cpusteer_bpf__destroy(skel);
	return ok;
}

/* A bucket naming a CPU with no cpumap entry, or no CPU at all, passes. */
static bool check_no_target(struct cpusteer_bpf *skel)
{
	int fd = bpf_map__fd(skel->maps.cs_table);
	__u32 bad[] = { CS_MAX_CPUS, 0xffffffff };
	struct cs_frame_spec s;
	struct result r;
	__u8 buf[128];
	bool ok = true;
	size_t i, len;

	cs_frame_spec_init(&s);
	len = cs_frame_build(&s, buf, sizeof(buf));
	run(skel, buf, len, &r);
	for (i = 0; i < 2 && ok; i++) {
		__u32 bucket = r.bucket;

		cs_bucket_set(fd, bucket, bad[i]);
		ok = !run(skel, buf, len, &r) && r.verdict == XDP_PASS &&
		     r.reason == CS_REASON_NO_TARGET;
		r.bucket = bucket;
	}
	cs_bucket_set(fd, r.bucket, targets.cpu[r.bucket % targets.n]);
	return ok;
}

/* 256 flows differing in one port spread over every target. */
/*
 * The chi-square quantile of @dof degrees of freedom at the normal
 * quantile @z, by Wilson and Hilferty (1931): accurate to about 1% from 3
 * degrees of freedom up, and conservative (too high) below.
 */
static double chi2_quantile(double dof, double z)
{
	double a = 2.0 / (9.0 * dof), c = 1.0 - a + z * sqrt(a);

	return dof * c * c * c;
}

/*
 * SPREAD_PER_TARGET flows per target CPU, each its own 5-tuple, against
 * what a uniform hash gives: target t owns b_t of the B buckets (round
 * robin), so it expects e_t = N b_t / B of the N flows, and
 * X^2 = sum (c_t - e_t)^2 / e_t is chi-square with T - 1 degrees of
 * freedom. The bound is its 1 - 1e-4 quantile (SPREAD_Z): a hash as good
 * as a random function fails it for one key in 10,000. The key is fixed,
 * so the verdict for a given number of CPUs is the same on every run.
 */
static bool check_spread(struct cpusteer_bpf *skel)
{
	unsigned int *count = calloc(CS_MAX_CPUS, sizeof(*count));
	unsigned int n = SPREAD_PER_TARGET * targets.n, b, i, t;
	double x2 = 0, bound, e;
	struct cs_frame_spec s;
	struct result r;
	__u8 buf[128];
	bool ok = true;

	if (!count)
		return false;
	cs_frame_spec_init(&s);
	for (i = 0; i < n && ok; i++) {
		s.sport = 1024 + i % 60000;
		s.src[3] = 1 + i / 60000;
		ok = !run(skel, buf, cs_frame_build(&s, buf, sizeof(buf)), &r) &&
		     r.cpu < CS_MAX_CPUS;
		if (ok)
			count[r.cpu]++;
	}
	for (t = 0; t < targets.n && ok; t++) {
		for (b = t, e = 0; b < CS_DEFAULT_BUCKETS; b += targets.n)
			e += (double)n / CS_DEFAULT_BUCKETS;
		x2 += (count[targets.cpu[t]] - e) * (count[targets.cpu[t]] - e) / e;
	}
	free(count);
	if (!ok || targets.n == 1)
		return ok;
	bound = chi2_quantile(targets.n - 1, SPREAD_Z);
	ktap_print_msg("%u flows over %u CPUs: chi-square %.1f, bound %.1f (%u degrees of freedom, false alarm 1e-4)",
		       n, targets.n, x2, bound, targets.n - 1);
	return x2 <= bound;
}

/*
 * Live frames: the kernel really enqueues into the cpumap and the target
 * CPU runs the stage-2 "drop" program, which counts every frame.
 */
static bool check_live_stage2(void)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .repeat = LIVE_FRAMES,
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES);
	int ncpus = libbpf_num_possible_cpus(), i, tries;
	struct cpusteer_bpf *skel;
	struct cs_steer_cfg cfg;
	struct cs_frame_spec s;
	struct cs_stats *st;
	__u8 buf[128];
	__u64 dropped = 0;
	__u32 zero = 0;
	bool ok = false;

	cs_steer_cfg_init(&cfg);
	cs_key_random(cfg.params.key);
	cfg.cpus = targets;
	cfg.stage2 = CS_STAGE2_DROP;
	if (cs_steer_load(&cfg, &skel))
		return false;
	cs_frame_spec_init(&s);
	opts.data_in = buf;
	opts.data_size_in = cs_frame_build(&s, buf, sizeof(buf));
	st = calloc(ncpus, sizeof(*st));
	if (!st || bpf_prog_test_run_opts(bpf_program__fd(cs_steer_main(skel)),
					  &opts)) {
		ktap_print_msg("live test run: %s", strerror(errno));
		goto out;
	}
	/* The target's kthread drains the ring on its own time. */
	for (tries = 0; tries < 100 && dropped < LIVE_FRAMES; tries++) {
		usleep(10000);
		dropped = 0;
		bpf_map_lookup_elem(bpf_map__fd(skel->maps.cs_stats), &zero, st);
		for (i = 0; i < ncpus; i++)
			dropped += st[i].reason[CS_REASON_STAGE2_DROP];
	}
	ktap_print_msg("%u live frames sent, stage 2 dropped %llu",
		       LIVE_FRAMES, (unsigned long long)dropped);
	ok = dropped == LIVE_FRAMES;
out:
	free(st);
	cpusteer_bpf__destroy(skel);
	return ok;
}

static __u64 sum_reason(int stats_fd, __u32 reason)
{
	int ncpus = libbpf_num_possible_cpus(), i;
	struct cs_stats *st = calloc(ncpus, sizeof(*st));
	__u64 sum = 0;
	__u32 zero = 0;

	if (st && !bpf_map_lookup_elem(stats_fd, &zero, st))
		for (i = 0; i < ncpus; i++)
			sum += st[i].reason[reason];
	free(st);
	return sum;
}

/*
 * Ring-full drops are counted: all targets on the CPU this test runs on,
 * an 8-frame ring, and live frames in batches of 64 with bottom halves
 * off, so the target's kthread cannot drain the ring until a batch ends.
 * Every frame must then be either run by stage 2 or counted as a
 * cpumap_drop by the tp_btf/xdp_cpumap_enqueue program: nothing unseen.
 */
static bool check_ring_drops(void)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .repeat = 100 * LIVE_FRAMES,
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = 64);
	struct bpf_link *links[CS_TRACE_LINKS] = {};
	__u64 ran = 0, dropped = 0, frames = 100 * LIVE_FRAMES;
	struct cpusteer_bpf *skel;
	struct cs_steer_cfg cfg;
	struct cs_frame_spec s;
	int i, tries, fd;
	cpu_set_t set;
	__u8 buf[128];
	bool ok = false;

	cs_steer_cfg_init(&cfg);
	cs_key_random(cfg.params.key);
	cfg.cpus.n = 1;
	cfg.cpus.cpu[0] = targets.cpu[0];
	cfg.qsize = 8;
	cfg.stage2 = CS_STAGE2_DROP;
	cfg.tracing = true;
	CPU_ZERO(&set);
	CPU_SET(cfg.cpus.cpu[0], &set);
	if (sched_setaffinity(0, sizeof(set), &set) ||
	    cs_steer_load(&cfg, &skel))
		return false;
	if (cs_steer_attach_tracing(skel, 0, links))
		goto out;
	cs_frame_spec_init(&s);
	opts.data_in = buf;
	opts.data_size_in = cs_frame_build(&s, buf, sizeof(buf));
	if (bpf_prog_test_run_opts(bpf_program__fd(cs_steer_main(skel)),
				   &opts))
		goto out;
	fd = bpf_map__fd(skel->maps.cs_stats);
	for (tries = 0; tries < 100 && ran + dropped < frames; tries++) {
		usleep(10000);
		ran = sum_reason(fd, CS_REASON_STAGE2_DROP);
		dropped = sum_reason(fd, CS_REASON_CPUMAP_DROP);
	}
	ktap_print_msg("%llu live frames into an 8-frame ring: stage 2 ran %llu, cpumap_drop %llu",
		       (unsigned long long)frames, (unsigned long long)ran,
		       (unsigned long long)dropped);
	ok = dropped > 0 && ran + dropped == frames;
out:
	for (i = 0; i < CS_TRACE_LINKS; i++)
		bpf_link__destroy(links[i]);
	cpusteer_bpf__destroy(skel);
	return ok;
}


/* --- Encapsulations ------------------------------------------------- */

static struct cs_frame_encap *outer4(struct cs_frame_spec *s, int type)
{
	return cs_frame_add_encap(s, type, "192.0.2.1", "192.0.2.2");
}

static struct cs_frame_encap *outer6(struct cs_frame_spec *s, int type)
{
	return cs_frame_add_encap(s, type, "2001:db8:1::1", "2001:db8:1::2");
}

CASE(e_pppoe4, cs_frame_add_encap(s, CS_FE_PPPOE, NULL, NULL)->id = 7)
CASE(e_pppoe6_tcp, ipv6(s); s->proto = IPPROTO_TCP;
     cs_frame_add_encap(s, CS_FE_PPPOE, NULL, NULL))
CASE(e_vlan_pppoe, vlan(s, 0x8100, 5);
     cs_frame_add_encap(s, CS_FE_PPPOE, NULL, NULL))
CASE(e_pppoe_lcp, cs_frame_add_encap(s, CS_FE_PPPOE, NULL, NULL)->ppp_proto =
     0xc021)
CASE(e_mpls1, cs_frame_add_encap(s, CS_FE_MPLS, NULL, NULL)->id = 100)
CASE(e_mpls3_v6, ipv6(s); cs_frame_add_encap(s, CS_FE_MPLS, NULL, NULL)->labels = 3)
CASE(e_mpls_deep, cs_frame_add_encap(s, CS_FE_MPLS, NULL, NULL)->labels =
     CS_MPLS_MAX + 1)
CASE(e_gre4, outer4(s, CS_FE_GRE))
CASE(e_gre_cks, outer4(s, CS_FE_GRE)->gre_flags = CS_FE_GRE_CSUM |
     CS_FE_GRE_KEY | CS_FE_GRE_SEQ)
CASE(e_gre6_in6, ipv6(s); outer6(s, CS_FE_GRE))
CASE(e_gre_teb, outer4(s, CS_FE_GRE_TEB))
CASE(e_gre_v1, outer4(s, CS_FE_GRE)->version = 1)
CASE(e_erspan2, outer4(s, CS_FE_ERSPAN2))
CASE(e_erspan3, outer6(s, CS_FE_ERSPAN3))
CASE(e_vxlan4, outer4(s, CS_FE_VXLAN)->id = 42; s->proto = IPPROTO_TCP)
CASE(e_vxlan6, ipv6(s); outer6(s, CS_FE_VXLAN))
CASE(e_geneve, outer4(s, CS_FE_GENEVE)->opt_words = 2)
CASE(e_gtpu, outer4(s, CS_FE_GTPU)->id = 0x1234)
CASE(e_gtpu_ext, outer4(s, CS_FE_GTPU)->opt_words = 1)
CASE(e_gtpu_v2, outer4(s, CS_FE_GTPU)->version = 2)
CASE(e_4in4, outer4(s, CS_FE_IPIP))
CASE(e_6in4, ipv6(s); outer4(s, CS_FE_IPIP))
CASE(e_4in6, outer6(s, CS_FE_IPIP))
CASE(e_6in6, ipv6(s); outer6(s, CS_FE_IPIP))
CASE(e_vxlan_in_gre, outer4(s, CS_FE_GRE); outer4(s, CS_FE_VXLAN))
CASE(e_pppoe_gre_vxlan, cs_frame_add_encap(s, CS_FE_PPPOE, NULL, NULL);
     outer4(s, CS_FE_GRE); outer6(s, CS_FE_VXLAN))
CASE(e_pppoe_pfc4, cs_frame_add_encap(s, CS_FE_PPPOE, NULL, NULL)->pfc = true)
CASE(e_pppoe_pfc6, ipv6(s); s->proto = IPPROTO_TCP;
     cs_frame_add_encap(s, CS_FE_PPPOE, NULL, NULL)->pfc = true)
CASE(e_pppoe_pfc_lcp, cs_frame_add_encap(s, CS_FE_PPPOE, NULL, NULL)->ppp_proto =
     0x8021)
CASE(e_qinq_9100, vlan(s, 0x9100, 100); vlan(s, 0x8100, 10))
CASE(e_vxlan_gpe4, outer4(s, CS_FE_VXLAN_GPE)->id = 7)
CASE(e_vxlan_gpe6_eth, ipv6(s); outer6(s, CS_FE_VXLAN_GPE)->eth = true)
CASE(e_geneve_ip4, outer4(s, CS_FE_GENEVE)->ip = true)
CASE(e_geneve_ip6, ipv6(s); outer6(s, CS_FE_GENEVE)->ip = true)
CASE(e_gtpu_seq, outer4(s, CS_FE_GTPU)->seq = true)
CASE(e_gtpu_v6, ipv6(s); outer6(s, CS_FE_GTPU)->opt_words = 1)
CASE(e_erspan1, outer4(s, CS_FE_ERSPAN1))
CASE(e_mpls_entropy, cs_frame_add_encap(s, CS_FE_MPLS, NULL, NULL)->entropy = true)
CASE(e_mpls_entropy_deep, struct cs_frame_encap *e =
     cs_frame_add_encap(s, CS_FE_MPLS, NULL, NULL);
     e->labels = CS_MPLS_MAX - 2; e->entropy = true)

static const struct pcase ecases[] = {
	{ "pppoe ipv4 udp", e_pppoe4, CS_REASON_HASHED, false },
	{ "pppoe ipv6 tcp", e_pppoe6_tcp, CS_REASON_HASHED, false },
	{ "pppoe inside a vlan", e_vlan_pppoe, CS_REASON_HASHED, false },
	{ "pppoe lcp falls back", e_pppoe_lcp, CS_REASON_BAD_PPPOE, false },
	{ "mpls, one label, ipv4", e_mpls1, CS_REASON_HASHED, false },
	{ "mpls, three labels, ipv6", e_mpls3_v6, CS_REASON_HASHED, false },
	{ "mpls deeper than the bound falls back", e_mpls_deep, CS_REASON_MPLS_DEPTH, false },
	{ "gre ipv4 in ipv4", e_gre4, CS_REASON_HASHED, false },
	{ "gre with checksum, key, sequence", e_gre_cks, CS_REASON_HASHED, false },
	{ "gre ipv6 in ipv6", e_gre6_in6, CS_REASON_HASHED, false },
	{ "gre transparent ethernet bridging", e_gre_teb, CS_REASON_HASHED, false },
	{ "gre version 1 falls back", e_gre_v1, CS_REASON_BAD_GRE, false },
	{ "erspan type II", e_erspan2, CS_REASON_HASHED, false },
	{ "erspan type III over ipv6", e_erspan3, CS_REASON_HASHED, false },
	{ "vxlan over ipv4, inner tcp", e_vxlan4, CS_REASON_HASHED, false },
	{ "vxlan over ipv6, inner ipv6", e_vxlan6, CS_REASON_HASHED, false },
	{ "geneve with options", e_geneve, CS_REASON_HASHED, false },
	{ "gtp-u g-pdu", e_gtpu, CS_REASON_HASHED, false },
	{ "gtp-u with an extension header", e_gtpu_ext, CS_REASON_HASHED, false },
	{ "gtp version 2 falls back", e_gtpu_v2, CS_REASON_BAD_GTP, false },
	{ "ipip 4in4", e_4in4, CS_REASON_HASHED, false },
	{ "sit 6in4", e_6in4, CS_REASON_HASHED, false },
	{ "ipv4 in ipv6", e_4in6, CS_REASON_HASHED, false },
	{ "ipv6 in ipv6", e_6in6, CS_REASON_HASHED, false },
	{ "vxlan inside gre (two levels)", e_vxlan_in_gre, CS_REASON_HASHED, false },
	{ "pppoe, gre, vxlan (three levels)", e_pppoe_gre_vxlan, CS_REASON_HASHED, false },
	{ "pppoe, one-byte ppp protocol 0x21 (RFC 1661 6.5)", e_pppoe_pfc4, CS_REASON_HASHED, false },
	{ "pppoe, one-byte ppp protocol 0x57, ipv6 tcp (RFC 1661 6.5)", e_pppoe_pfc6, CS_REASON_HASHED, false },
	{ "pppoe, ipcp 0x8021 falls back (RFC 1332)", e_pppoe_pfc_lcp, CS_REASON_BAD_PPPOE, false },
	{ "0x9100 outer tag, then 802.1q (pre-802.1ad QinQ)", e_qinq_9100, CS_REASON_HASHED, false },
	{ "vxlan-gpe carrying ipv4 (draft-ietf-nvo3-vxlan-gpe)", e_vxlan_gpe4, CS_REASON_HASHED, false },
	{ "vxlan-gpe over ipv6 carrying ethernet (next protocol 3)", e_vxlan_gpe6_eth, CS_REASON_HASHED, false },
	{ "geneve carrying ipv4 directly, 0x0800 (RFC 8926 3.4)", e_geneve_ip4, CS_REASON_HASHED, false },
	{ "geneve carrying ipv6 directly, 0x86dd (RFC 8926 3.4)", e_geneve_ip6, CS_REASON_HASHED, false },
	{ "gtp-u with a sequence number, no extension (TS 29.281 5.1)", e_gtpu_seq, CS_REASON_HASHED, false },
	{ "gtp-u over ipv6 with an extension header (TS 29.281)", e_gtpu_v6, CS_REASON_HASHED, false },
	{ "erspan type I: gre 0x88be without a sequence number", e_erspan1, CS_REASON_HASHED, false },
	{ "mpls with an entropy label indicator and label (RFC 6790)", e_mpls_entropy, CS_REASON_HASHED, false },
	{ "mpls at the bound with its entropy labels (RFC 6790)", e_mpls_entropy_deep, CS_REASON_HASHED, false },
};
#define NECASES (sizeof(ecases) / sizeof(ecases[0]))

/* The inner flow's addresses and ports, with the same outer headers. */
static void vary_inner(struct cs_frame_spec *s, __u32 i)
{
	s->sport = 10000 + i;
	s->src[s->family == 6 ? 15 : 3] = i & 0xff;
}

/* Inner flows behind identical outer headers spread over the targets. */
static bool check_inner_spread(struct cpusteer_bpf *skel,
			       const struct pcase *c)
{
	unsigned int seen[CS_MAX_CPUS] = {}, used = 0, i;
	struct cs_frame_spec s;
	struct result r;
	__u8 buf[512];

	for (i = 0; i < 64; i++) {
		cs_frame_spec_init(&s);
		c->setup(&s);
		vary_inner(&s, i);
		if (run(skel, buf, cs_frame_build(&s, buf, sizeof(buf)), &r) ||
		    r.verdict != XDP_REDIRECT || r.cpu >= CS_MAX_CPUS)
			return false;
		used += !seen[r.cpu]++;
	}
	/* All 64 on one of T targets: T^-63 for a uniform hash, < 1e-18. */
	return targets.n == 1 || used > 1;
}

/* Cut at every length: truncated until the inner ports, then hashed. */
static bool check_encap_truncation(struct cpusteer_bpf *skel,
				   const struct pcase *c)
{
	struct cs_frame_layout lay;
	struct cs_frame_spec s;
	struct result whole, r;
	__u8 buf[512];
	size_t len, cut;

	cs_frame_spec_init(&s);
	c->setup(&s);
	len = cs_frame_build_layout(&s, buf, sizeof(buf), &lay);
	if (run(skel, buf, len, &whole) || whole.verdict != XDP_REDIRECT)
		return false;
	for (cut = 14; cut < len; cut++) {
		bool hashed = cut >= lay.l4 + 4;

		if (run(skel, buf, cut, &r))
			return false;
		if (hashed ? r.bucket == whole.bucket :
			     r.verdict == XDP_PASS &&
			     r.reason == CS_REASON_TRUNCATED)
			continue;
		ktap_print_msg("%s cut at %zu (inner ports at %zu): verdict %u reason %u bucket %u",
			       c->name, cut, lay.l4, r.verdict, r.reason,
			       r.bucket);
		return false;
	}
	return true;
}

static bool check_ecases(struct cpusteer_bpf *skel)
{
	bool ok = true;
	size_t i;

	for (i = 0; i < NECASES; i++) {
		bool one = check_case(skel, &ecases[i]);

		if (one && ecases[i].reason == CS_REASON_HASHED) {
			one = check_inner_spread(skel, &ecases[i]) &&
			      check_encap_truncation(skel, &ecases[i]);
			if (!one)
				ktap_print_msg("%s: inner flows do not spread, or a cut frame misbehaves",
					       ecases[i].name);
		}
		ktap_test_result(one, "encap: %s", ecases[i].name);
		ok &= one;
	}
	return ok;
}

/* Both directions of an inner flow, same tunnel, in l4-sym: one bucket. */
static bool check_inner_symmetric(struct cpusteer_bpf *skel)
{
	struct cs_frame_spec a, b;
	struct result ra, rb;
	__u8 fa[512], fb[512];

	cs_frame_spec_init(&a);
	e_vxlan_in_gre(&a);
	b = a;
	memcpy(b.src, a.dst, 16);
	memcpy(b.dst, a.src, 16);
	b.sport = a.dport;
	b.dport = a.sport;
	return !run(skel, fa, cs_frame_build(&a, fa, sizeof(fa)), &ra) &&
	       !run(skel, fb, cs_frame_build(&b, fb, sizeof(fb)), &rb) &&
	       ra.bucket == rb.bucket && ra.verdict == XDP_REDIRECT;
}

/*
 * An ICMP error steers by the flow it quotes, turned around: quoting a
 * datagram A:1000 -> B:2000 that went out, it lands where B:2000 -> A:1000
 * lands. Checked in l4 (not symmetric), where the turn matters.
 */
static bool check_icmp_quote(int family)
{
	struct cs_frame_spec q, err, in;
	struct cpusteer_bpf *skel;
	__u8 qbuf[256], buf[512];
	struct result r, want;
	size_t qlen, ip;
	bool ok;

	if (load(CS_HASH_L4, CS_FALLBACK_PASS, &skel))
		return false;
	cs_frame_spec_init(&q);
	if (family == 6)
		cs_frame_set_addrs(&q, "2001:db8::a", "2001:db8::b");
	qlen = cs_frame_build(&q, qbuf, sizeof(qbuf));
	ip = ETH_HLEN;
	/* The error: B's router to A, quoting the IP datagram + 8 bytes. */
	cs_frame_spec_init(&err);
	if (family == 6)
		cs_frame_set_addrs(&err, "2001:db8::f", "2001:db8::a");
	else
		cs_frame_set_addrs(&err, "10.9.9.9", "10.0.0.1");
	err.proto = family == 6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
	err.icmp_type = family == 6 ? 1 : 3;	/* unreachable */
	err.payload = qbuf + ip;
	err.payload_len = (family == 6 ? 40 : 20) + 8;
	(void)qlen;
	in = q;				/* the flow's inbound direction */
	memcpy(in.src, q.dst, 16);
	memcpy(in.dst, q.src, 16);
	in.sport = q.dport;
	in.dport = q.sport;
	ok = !run(skel, buf, cs_frame_build(&err, buf, sizeof(buf)), &r) &&
	     !run(skel, qbuf, cs_frame_build(&in, qbuf, sizeof(qbuf)), &want) &&
	     r.verdict == XDP_REDIRECT && r.bucket == want.bucket;
	if (!ok)
		ktap_print_msg("icmp%s error: bucket %u, the flow's is %u",
			       family == 6 ? "v6" : "", r.bucket, want.bucket);
	cpusteer_bpf__destroy(skel);
	return ok;
}

/* With CS_TUN_OUTER every inner flow of one tunnel shares its bucket. */
static bool check_outer_only(void)
{
	struct cpusteer_bpf *skel;
	struct cs_frame_spec s;
	struct result r, r0 = {};
	__u8 buf[512];
	bool ok = true;
	__u32 i;

	if (load_tun(CS_HASH_L4_SYM, CS_FALLBACK_PASS, CS_TUN_OUTER, 0, &skel))
		return false;
	for (i = 0; i < 64 && ok; i++) {
		/* VXLAN, and GRE behind PPPoE: PPPoE is still walked (it is
		 * below IP), the GRE is not entered.
		 */
		cs_frame_spec_init(&s);
		if (i < 32) {
			e_vxlan4(&s);
		} else {
			cs_frame_add_encap(&s, CS_FE_PPPOE, NULL, NULL);
			outer4(&s, CS_FE_GRE);
		}
		vary_inner(&s, i);
		ok = !run(skel, buf, cs_frame_build(&s, buf, sizeof(buf)), &r) &&
		     r.verdict == XDP_REDIRECT &&
		     (i % 32 == 0 || r.bucket == r0.bucket);
		if (i % 32 == 0)
			r0 = r;
	}
	cpusteer_bpf__destroy(skel);
	return ok;
}

/* CS_TUN_ID: one inner flow in different VNIs lands differently. */
static bool check_tunnel_id(void)
{
	unsigned int distinct = 0, i;
	struct cpusteer_bpf *skel;
	struct cs_frame_spec s;
	struct result r, r0 = {};
	__u8 buf[512];

	if (load_tun(CS_HASH_L4_SYM, CS_FALLBACK_PASS, CS_TUN_ID, 0, &skel))
		return false;
	for (i = 0; i < 32; i++) {
		cs_frame_spec_init(&s);
		e_vxlan4(&s);
		s.encap[0].id = 1000 + i;
		if (run(skel, buf, cs_frame_build(&s, buf, sizeof(buf)), &r))
			break;
		if (!i)
			r0 = r;
		distinct += r.bucket != r0.bucket;
	}
	cpusteer_bpf__destroy(skel);
	return distinct > 16;
}

/* Extra VXLAN ports, MPLS pseudowires: per-attach options. */
static bool check_options(void)
{
	struct cs_frame_spec s, plain;
	struct cpusteer_bpf *skel;
	struct result r, want;
	__u8 buf[512];
	bool ok;

	if (load_tun(CS_HASH_L4_SYM, CS_FALLBACK_PASS, CS_TUN_MPLS_ETH, 8472,
		     &skel))
		return false;
	cs_frame_spec_init(&s);
	outer4(&s, CS_FE_VXLAN)->udp_port = 8472;
	cs_frame_spec_init(&plain);
	ok = !run(skel, buf, cs_frame_build(&s, buf, sizeof(buf)), &r) &&
	     !run(skel, buf, cs_frame_build(&plain, buf, sizeof(buf)), &want) &&
	     r.bucket == want.bucket;
	cs_frame_spec_init(&s);
	cs_frame_add_encap(&s, CS_FE_MPLS, NULL, NULL)->cw = true;
	ok = ok && !run(skel, buf, cs_frame_build(&s, buf, sizeof(buf)), &r) &&
	     r.verdict == XDP_REDIRECT && r.bucket == want.bucket;
	cpusteer_bpf__destroy(skel);
	return ok;
}

/*
 * Past CS_ENCAP_DEPTH tunnels the innermost flow reached is the flow: four
 * IP-in-IP layers, and the fourth outer header (protocol 4, no ports) is
 * what gets hashed.
 */
static bool check_depth_bound(struct cpusteer_bpf *skel)
{
	struct cs_frame_spec s, reached;
	struct result r;
	__u8 buf[512];
	char a[32], b[32];
	int i;

	cs_frame_spec_init(&s);
	for (i = 0; i <= CS_ENCAP_DEPTH; i++) {
		snprintf(a, sizeof(a), "192.0.2.%d", 10 + i);
		snprintf(b, sizeof(b), "198.51.100.%d", 10 + i);
		cs_frame_add_encap(&s, CS_FE_IPIP, a, b);
	}
	cs_frame_spec_init(&reached);
	cs_frame_set_addrs(&reached, a, b);
	reached.proto = IPPROTO_IPIP;
	return !run(skel, buf, cs_frame_build(&s, buf, sizeof(buf)), &r) &&
	       r.verdict == XDP_REDIRECT &&
	       r.bucket == expected_bucket(&reached, CS_HASH_L4_SYM, true);
}

/* Each tunnel entered is counted by name. */
static bool check_encap_counters(struct cpusteer_bpf *skel)
{
	int ncpus = libbpf_num_possible_cpus(), i;
	struct cs_stats *st = calloc(ncpus, sizeof(*st));
	__u64 before = 0, after = 0;
	struct cs_frame_spec s;
	struct result r;
	__u32 zero = 0;
	__u8 buf[512];

	if (!st)
		return false;
	bpf_map_lookup_elem(bpf_map__fd(skel->maps.cs_stats), &zero, st);
	for (i = 0; i < ncpus; i++)
		before += st[i].encap[CS_ENCAP_VXLAN];
	cs_frame_spec_init(&s);
	e_vxlan_in_gre(&s);
	run(skel, buf, cs_frame_build(&s, buf, sizeof(buf)), &r);
	bpf_map_lookup_elem(bpf_map__fd(skel->maps.cs_stats), &zero, st);
	for (i = 0; i < ncpus; i++)
		after += st[i].encap[CS_ENCAP_VXLAN];
	free(st);
	return after == before + 1;
}

/*
 * What steering needs of the kernel. A kernel older than the release that
 * brought a feature lacks it as documented: skip, naming it. One that
 * should have it and does not: the suite fails.
 */
/* --- Differential and mutation tests -------------------------------- */

/* Fixed seeds: a failure reproduces; 100,000 frames each. */
#define DIFF_FRAMES	100000
#define DIFF_SEED	0x5eed1234abcdULL
#define MUTATE_FRAMES	100000
#define MUTATE_SEED	0xfeedbeef0042ULL

static __u64 rnd_state;

static __u64 rnd(void)	/* splitmix64 */
{
	__u64 z = (rnd_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/*
 * A random frame of a shape the fast paths take: IPv4 (no options, not a
 * fragment) or IPv6 (no extension header), TCP or UDP, random addresses
 * and ports, bare or inside PPPoE, VXLAN or option-less GRE over IPv4 or
 * IPv6, half of them behind one 802.1Q tag (which only the plain fast path
 * takes; tagged tunnels go the general way, and must agree all the same).
 * Ports stay off the tunnel ports (those go to the walk by design).
 */
static void random_fast_frame(struct cs_frame_spec *s)
{
	__u64 r = rnd();
	int i;

	cs_frame_spec_init(s);
	if (r & 1)
		ipv6(s);
	s->proto = r & 2 ? IPPROTO_TCP : IPPROTO_UDP;
	for (i = 0; i < (s->family == 6 ? 16 : 4); i++) {
		s->src[i] = rnd();
		s->dst[i] = rnd();
	}
	s->sport = 1024 + rnd() % 60000;
	s->dport = 1024 + rnd() % 1000;	/* below 2152 */
	if (r & 0x100)		/* one 802.1Q tag (the fast path's own) */
		vlan(s, 0x8100, 1 + rnd() % 4094);
	switch ((r >> 2) % 6) {
	case 1:
		cs_frame_add_encap(s, CS_FE_PPPOE, NULL, NULL);
		break;
	case 2:
		outer4(s, CS_FE_VXLAN)->id = rnd() & 0xffffff;
		break;
	case 3:
		outer6(s, CS_FE_VXLAN);
		break;
	case 4:
		outer4(s, CS_FE_GRE);
		break;
	case 5:
		outer6(s, CS_FE_GRE);
		break;
	}
}

/*
 * The fast paths and the general parser agree, frame by frame: same
 * verdict, same reason, same bucket, for DIFF_FRAMES random frames.
 */
static bool check_differential(struct cpusteer_bpf *fast, bool meta)
{
	struct cpusteer_bpf *general = NULL;
	struct cs_frame_spec s;
	struct result a, b;
	__u8 buf[512];
	__u32 len, i, differ = 0;

	record_extra = CS_RECORD_NO_FAST;
	load_meta = meta;
	if (load(CS_HASH_L4_SYM, CS_FALLBACK_PASS, &general)) {
		record_extra = load_meta = 0;
		return false;
	}
	record_extra = load_meta = 0;
	rnd_state = DIFF_SEED;
	for (i = 0; i < DIFF_FRAMES; i++) {
		random_fast_frame(&s);
		len = cs_frame_build(&s, buf, sizeof(buf));
		if (!len || run(fast, buf, len, &a) || run(general, buf, len, &b)) {
			differ++;
			break;
		}
		if (a.verdict != b.verdict || a.reason != b.reason ||
		    a.bucket != b.bucket || a.reason != CS_REASON_HASHED ||
		    a.has_meta != meta || b.has_meta != meta ||
		    memcmp(&a.meta, &b.meta, sizeof(a.meta))) {
			if (differ++ < 3)
				ktap_print_msg("frame %u: fast %u/%u/%u, general %u/%u/%u",
					       i, a.verdict, a.reason, a.bucket,
					       b.verdict, b.reason, b.bucket);
		}
	}
	cpusteer_bpf__destroy(general);
	ktap_print_msg("%u random frames (seed %#llx): %u differ", i,
		       (unsigned long long)DIFF_SEED, differ);
	return !differ;
}

/* Did stage 1 describe frame @s (of layout @lay) as it is? */
static bool meta_right(const char *name, const struct cs_frame_spec *s,
		       const struct cs_frame_layout *lay,
		       const struct result *r)
{
	/* Stage 1 locates L4 in unfragmented datagrams only (stage 2
	 * filter finds a first fragment's itself).
	 */
	bool later_frag = s->frag_offset || (s->family == 4 && s->more_frags) ||
			  (s->frag_header && s->more_frags);
	const struct cs_meta *m = &r->meta;

	if (r->has_meta && m->version == CS_META_VERSION &&
	    m->hash == r->hash && m->bucket == r->bucket &&
	    (m->flags & CS_META_F_LOC) && m->l3_off == lay->l3 &&
	    m->ipver == s->family && m->l4_proto == s->proto &&
	    !(m->flags & CS_META_F_SWAPPED) &&
	    (later_frag ? !(m->flags & CS_META_F_L4) && !m->l4_off :
			  (m->flags & CS_META_F_L4) && m->l4_off == lay->l4))
		return true;
	ktap_print_msg("%s: meta %s v%u hash %#x/%#x bucket %u/%u flags %#x l3 %u/%zu l4 %u/%zu ipv%u/%u proto %u/%u",
		       name, r->has_meta ? "written" : "missing", m->version,
		       m->hash, r->hash, m->bucket, r->bucket, m->flags,
		       m->l3_off, lay->l3, m->l4_off, lay->l4, m->ipver,
		       s->family, m->l4_proto, s->proto);
	return false;
}

/*
 * With metadata on, every hashed frame of both tables carries struct
 * cs_meta: stage 1's hash and bucket, and the offsets of the flow's (inner)
 * headers where the frame builder put them; without it, none is written.
 */
static bool check_meta(struct cpusteer_bpf *plain)
{
	struct cpusteer_bpf *skel;
	struct cs_frame_layout lay;
	struct cs_frame_spec s;
	const struct pcase *c;
	__u8 buf[512];
	struct result r;
	bool ok = true;
	size_t i, len;

	load_meta = 1;
	if (load(CS_HASH_L4_SYM, CS_FALLBACK_PASS, &skel)) {
		load_meta = 0;
		return false;
	}
	load_meta = 0;
	for (i = 0; i < NCASES + NECASES; i++) {
		c = i < NCASES ? &cases[i] : &ecases[i - NCASES];
		if (c->reason != CS_REASON_HASHED)
			continue;
		cs_frame_spec_init(&s);
		c->setup(&s);
		len = cs_frame_build_layout(&s, buf, sizeof(buf), &lay);
		if (!len || run(skel, buf, len, &r) || !meta_right(c->name, &s, &lay, &r))
			ok = false;
		if (!len || run(plain, buf, len, &r) || r.has_meta) {
			ktap_print_msg("%s: metadata written without --meta",
				       c->name);
			ok = false;
		}
	}
	cpusteer_bpf__destroy(skel);
	return ok;
}

/* Stage 2's test-run twins loaded: the filter's maps and its program. */
static int load_s2(struct cpusteer_bpf **skel, int fds[CS_FLT_MAPS],
		   int *prog)
{
	struct cs_steer_cfg cfg;

	cs_steer_cfg_init(&cfg);
	cs_key_random(cfg.params.key);
	cfg.cpus = targets;
	cfg.stage2 = CS_STAGE2_NONE;
	cfg.bench_stage2 = true;
	if (cs_steer_load(&cfg, skel))
		return -1;
	*prog = bpf_program__fd((*skel)->progs.cs_s2b_flt);
	return cs_filter_maps_skel((*skel)->obj, fds);
}

/* One run of stage 2's test-run twin @prog: metadata (@meta, NULL: none)
 * then the frame; its verdict, or -1.
 */
static int run_s2(int prog, const struct cs_meta *meta, const void *frame,
		  __u32 len)
{
	static __u8 in[8192];
	struct xdp_md ctx = {};
	__u32 off = meta ? sizeof(*meta) : 0;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in,
		    .data_size_in = off + len, .repeat = 1);

	if (meta) {
		memcpy(in, meta, sizeof(*meta));
		ctx.data = off;
		ctx.data_end = off + len;
		opts.ctx_in = &ctx;
		opts.ctx_size_in = sizeof(ctx);
	}
	memcpy(in + off, frame, len);
	if (bpf_prog_test_run_opts(prog, &opts))
		return -1;
	return opts.retval;
}

/*
 * Stage 2 filter with no metadata in front (a driver left no room for it,
 * generic XDP, the NIC's hash): it parses the frame itself as stage 1
 * does, tunnels entered, counts stage2_no_meta, and filters as it would
 * with the metadata; with stage 1's metadata the same tunnelled frame is
 * filtered on its inner flow, and not counted. (The test-run twin of the
 * cpumap program: the same code.)
 */
static bool check_filter_no_meta(void)
{
	char *words[] = { "src", "198.51.100.7/32", "proto", "udp",
			  "dport", "4000" };
	struct cpusteer_bpf *skel, *s1 = NULL;
	struct cs_filter_rule rule;
	struct cs_frame_spec s;
	int fds[CS_FLT_MAPS], prog, stats;
	__u8 plain[256], other[256], vx[256];
	__u32 lp, lo, lv, num;
	struct result r;
	__u64 nm0, nm1;
	bool ok;

	if (load_s2(&skel, fds, &prog))
		return false;
	stats = bpf_map__fd(skel->maps.cs_stats);
	ok = !cs_filter_parse(6, words, &rule) &&
	     !cs_filter_add(fds, &rule, &num);
	cs_frame_spec_init(&s);
	cs_frame_set_addrs(&s, "198.51.100.7", "203.0.113.9");
	s.dport = 4000;
	lp = cs_frame_build(&s, plain, sizeof(plain));
	s.dport = 4001;
	lo = cs_frame_build(&s, other, sizeof(other));
	s.dport = 4000;
	cs_frame_add_encap(&s, CS_FE_VXLAN, "192.0.2.1", "192.0.2.2");
	lv = cs_frame_build(&s, vx, sizeof(vx));
	nm0 = sum_reason(stats, CS_REASON_STAGE2_NO_META);
	ok = ok && run_s2(prog, NULL, plain, lp) == XDP_DROP &&
	     run_s2(prog, NULL, other, lo) == XDP_PASS &&
	     run_s2(prog, NULL, vx, lv) == XDP_DROP;
	nm1 = sum_reason(stats, CS_REASON_STAGE2_NO_META);
	ok = ok && nm1 - nm0 == 3 &&
	     sum_reason(stats, CS_REASON_STAGE2_FILTERED) == 2;
	/* The tunnelled frame with the metadata stage 1 writes for it. */
	load_meta = 1;
	if (ok && load(CS_HASH_L4_SYM, CS_FALLBACK_PASS, &s1))
		ok = false;
	load_meta = 0;
	ok = ok && !run(s1, vx, lv, &r) && r.has_meta &&
	     run_s2(prog, &r.meta, vx, lv) == XDP_DROP &&
	     sum_reason(stats, CS_REASON_STAGE2_FILTERED) == 3 &&
	     sum_reason(stats, CS_REASON_STAGE2_NO_META) == nm1;
	if (!ok)
		ktap_print_msg("no-metadata filter: stage2_no_meta +%llu, filtered %llu",
			       (unsigned long long)(nm1 - nm0),
			       (unsigned long long)sum_reason(stats, CS_REASON_STAGE2_FILTERED));
	cpusteer_bpf__destroy(s1);
	cpusteer_bpf__destroy(skel);
	return ok;
}

/*
 * An ICMP error in stage 2 filter: stage 1's metadata marks it swapped and
 * gives the error's own IP header; a rule on the error's sender (proto
 * icmp) drops it, as does one on the flow it quotes, and one on neither
 * does not. With and without the metadata.
 */
static bool check_filter_icmp(int family)
{
	const char *sender = family == 6 ? "2001:db8::f/128" : "10.9.9.9/32";
	const char *quoted = family == 6 ? "2001:db8::b/128" : "10.0.0.2/32";
	const char *proto = family == 6 ? "icmpv6" : "icmp";
	char *by_sender[] = { "src", (char *)sender, "proto", (char *)proto };
	char *by_quote[] = { "src", (char *)quoted };
	struct cpusteer_bpf *skel, *s1 = NULL;
	struct cs_filter_rule rule;
	struct cs_frame_spec q, err;
	__u8 qbuf[256], buf[512];
	int fds[CS_FLT_MAPS], prog;
	struct result r;
	__u32 len, num;
	bool ok;

	if (load_s2(&skel, fds, &prog))
		return false;
	/* The error, 10.9.9.9 to 10.0.0.1, quotes 10.0.0.1 -> 10.0.0.2. */
	cs_frame_spec_init(&q);
	cs_frame_set_addrs(&q, family == 6 ? "2001:db8::a" : "10.0.0.1",
			   family == 6 ? "2001:db8::b" : "10.0.0.2");
	cs_frame_build(&q, qbuf, sizeof(qbuf));
	cs_frame_spec_init(&err);
	cs_frame_set_addrs(&err, family == 6 ? "2001:db8::f" : "10.9.9.9",
			   family == 6 ? "2001:db8::a" : "10.0.0.1");
	err.proto = family == 6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
	err.icmp_type = family == 6 ? 1 : 3;
	err.payload = qbuf + ETH_HLEN;
	err.payload_len = (family == 6 ? 40 : 20) + 8;
	len = cs_frame_build(&err, buf, sizeof(buf));
	load_meta = 1;
	ok = !load(CS_HASH_L4_SYM, CS_FALLBACK_PASS, &s1);
	load_meta = 0;
	ok = ok && !run(s1, buf, len, &r) && r.has_meta &&
	     (r.meta.flags & CS_META_F_SWAPPED) &&
	     r.meta.icmp_l3_off == ETH_HLEN && r.meta.icmp_ipver == family &&
	     r.meta.l3_off == ETH_HLEN + (family == 6 ? 40 : 20) + 8;
	if (!ok)
		ktap_print_msg("icmp%s error: meta flags %#x icmp_l3 %u ipv%u l3 %u",
			       family == 6 ? "v6" : "", r.meta.flags,
			       r.meta.icmp_l3_off, r.meta.icmp_ipver,
			       r.meta.l3_off);
	/* No rule about it: passes, with the metadata and without. */
	ok = ok && !cs_filter_parse(2, (char *[]){ "src", family == 6 ?
				    "2001:db8:1::/48" : "192.0.2.0/24" }, &rule) &&
	     !cs_filter_add(fds, &rule, &num) &&
	     run_s2(prog, &r.meta, buf, len) == XDP_PASS &&
	     run_s2(prog, NULL, buf, len) == XDP_PASS;
	/* Its sender, proto icmp: dropped. */
	ok = ok && !cs_filter_parse(4, by_sender, &rule) &&
	     !cs_filter_add(fds, &rule, &num) &&
	     run_s2(prog, &r.meta, buf, len) == XDP_DROP &&
	     run_s2(prog, NULL, buf, len) == XDP_DROP &&
	     !cs_filter_del(fds, num);
	/* The flow it quotes, turned around (source 10.0.0.2): dropped. */
	ok = ok && !cs_filter_parse(2, by_quote, &rule) &&
	     !cs_filter_add(fds, &rule, &num) &&
	     run_s2(prog, &r.meta, buf, len) == XDP_DROP &&
	     run_s2(prog, NULL, buf, len) == XDP_DROP;
	cpusteer_bpf__destroy(s1);
	cpusteer_bpf__destroy(skel);
	return ok;
}

/*
 * Port rules and fragments: stage 1 hashes a fragment on its addresses and
 * locates no L4 header; stage 2 filter finds a first fragment's (it
 * carries the ports) and drops it; a later fragment carries none and
 * passes (its datagram is never reassembled without the first).
 */
static bool check_filter_frag(int family, int dstopts)
{
	char *words[] = { "proto", "udp", "dport", "4000" };
	struct cpusteer_bpf *skel, *s1 = NULL;
	struct cs_filter_rule rule;
	struct cs_frame_spec s;
	int fds[CS_FLT_MAPS], i, prog, v[2] = { -1, -1 };
	struct result r;
	__u8 buf[256];
	__u32 len, num;
	bool ok;

	if (load_s2(&skel, fds, &prog))
		return false;
	load_meta = 1;
	ok = !load(CS_HASH_L4_SYM, CS_FALLBACK_PASS, &s1) &&
	     !cs_filter_parse(4, words, &rule) && !cs_filter_add(fds, &rule, &num);
	load_meta = 0;
	for (i = 0; ok && i < 2; i++) {
		cs_frame_spec_init(&s);
		if (family == 6) {
			ipv6(&s);
			s.frag_header = true;
			s.dstopts_after_frag = dstopts;
		}
		s.dport = 4000;
		s.more_frags = !i;		/* the first fragment */
		s.frag_offset = i ? 185 : 0;	/* a later one */
		len = cs_frame_build(&s, buf, sizeof(buf));
		ok = !run(s1, buf, len, &r) && r.has_meta &&
		     !(r.meta.flags & CS_META_F_L4);
		v[i] = ok ? run_s2(prog, &r.meta, buf, len) : -1;
	}
	ok = ok && v[0] == XDP_DROP && v[1] == XDP_PASS;
	if (!ok)
		ktap_print_msg("ipv%d fragments: first %d, later %d (want drop %d, pass %d)",
			       family, v[0], v[1], XDP_DROP, XDP_PASS);
	/* A first fragment cut inside its ports still matches on its
	 * addresses.
	 */
	if (ok && family == 4 && !dstopts) {
		char *by_src[] = { "src", "198.51.100.9/32" };

		cs_frame_spec_init(&s);
		cs_frame_set_addrs(&s, "198.51.100.9", "203.0.113.1");
		s.more_frags = true;
		len = cs_frame_build(&s, buf, sizeof(buf));
		len = ETH_HLEN + 20 + 2;
		ok = !cs_filter_parse(2, by_src, &rule) &&
		     !cs_filter_add(fds, &rule, &num) &&
		     !run(s1, buf, len, &r) && r.has_meta &&
		     run_s2(prog, &r.meta, buf, len) == XDP_DROP;
		if (!ok)
			ktap_print_msg("a first fragment with 2 bytes of udp: not dropped by its source");
	}
	cpusteer_bpf__destroy(s1);
	cpusteer_bpf__destroy(skel);
	return ok;
}

/*
 * Any frame at all ends as XDP_PASS or XDP_REDIRECT under a named reason:
 * valid frames of every encapsulation with 1 to 4 random bytes changed,
 * cut at a random length, or both.
 */
static bool check_mutations(struct cpusteer_bpf *skel)
{
	__u8 buf[512];
	struct cs_frame_spec s;
	struct result r;
	__u32 i, len, n, bad = 0, k;

	rnd_state = MUTATE_SEED;
	for (i = 0; i < MUTATE_FRAMES; i++) {
		k = rnd() % (NECASES + NCASES);
		cs_frame_spec_init(&s);
		if (k < NECASES)
			ecases[k].setup(&s);
		else
			cases[k - NECASES].setup(&s);
		len = cs_frame_build(&s, buf, sizeof(buf));
		if (!len)
			continue;
		for (n = 1 + rnd() % 4; n--;)
			buf[rnd() % len] = rnd();
		if (rnd() & 1)
			len = ETH_HLEN + rnd() % (len - ETH_HLEN + 1);
		if (run(skel, buf, len, &r) ||
		    (r.verdict != XDP_PASS && r.verdict != XDP_REDIRECT) ||
		    r.reason >= CS_REASON_MAX) {
			if (bad++ < 3)
				ktap_print_msg("mutated frame %u (%u bytes): verdict %u reason %u",
					       i, len, r.verdict, r.reason);
		}
	}
	ktap_print_msg("%u mutated frames (seed %#llx): %u aborted or unnamed",
		       i, (unsigned long long)MUTATE_SEED, bad);
	return !bad;
}

static void require_steering(void)
{
	char why[256];
	int f;

	for (f = 0; f < CS_FEAT_MAX; f++) {
		if (!(cs_features[f].need & CS_NEED_STEER) || cs_feature_has(f))
			continue;
		if (cs_feature_missing_is_documented(f, why, sizeof(why)))
			ktap_exit_skip("%s", why);
		ktap_exit_fail("%s", why);
	}
}

int main(void)
{
	struct cpusteer_bpf *skel, *meta_skel;
	size_t i;

	if (geteuid())
		ktap_exit_skip("needs root for BPF_PROG_TEST_RUN");
	require_steering();
	if (cs_cpulist_read(CS_ONLINE_PATH, &targets))
		ktap_exit_skip("cannot read the online CPUs");
	/* One bucket per target at least: the first CS_DEFAULT_BUCKETS. */
	if (targets.n > CS_DEFAULT_BUCKETS)
		targets.n = CS_DEFAULT_BUCKETS;

	ktap_print_header();
	ktap_set_plan(NCASES + NECASES + 33);
	/* Everything it needs is here (above): failing to load is a bug. */
	if (load(CS_HASH_L4_SYM, CS_FALLBACK_PASS, &skel))
		ktap_exit_fail("the stage-1 program does not load on this kernel, which has all it needs (see the libbpf log above)");
	for (i = 0; i < NCASES; i++)
		ktap_test_result(check_case(skel, &cases[i]), "%s",
				 cases[i].name);
	ktap_test_result(check_symmetric(CS_HASH_L4_SYM),
			 "l4-sym: both directions share a bucket");
	ktap_test_result(check_symmetric(CS_HASH_L3_SYM),
			 "l3-sym: both directions share a bucket");
	ktap_test_result(same_bucket(skel, v4_frag_first, v4_frag_later),
			 "ipv4 first and later fragment on one CPU");
	ktap_test_result(same_bucket(skel, v6_frag_first, v6_frag_later),
			 "ipv6 first and later fragment on one CPU");
	ktap_test_result(check_truncation(skel, "tcp/ipv4", v4_tcp, 14 + 20 + 4),
			 "tcp/ipv4 cut at every length");
	ktap_test_result(check_truncation(skel, "tcp/ipv6", v6_tcp, 14 + 40 + 4),
			 "tcp/ipv6 cut at every length");
	ktap_test_result(check_truncation(skel, "tcp/ipv6 chain", v6_chain,
					  14 + 40 + 4 * 8 + 4),
			 "tcp/ipv6 behind four extension headers cut at every length");
	ktap_test_result(check_truncation(skel, "qinq udp", qinq, 14 + 8 + 20 + 4),
			 "udp/ipv4 behind two tags cut at every length");
	ktap_test_result(check_l3_ignores_ports(), "l3: ports do not move a flow");
	ktap_test_result(check_fallback_cpu(), "--fallback cpu:N redirects unparsable frames there");
	ktap_test_result(check_fallback_drop(), "--fallback drop drops unparsable frames, counted by reason");
	ktap_test_result(check_no_target(skel), "a bucket without a valid target passes, counted");
	ktap_test_result(check_spread(skel), "flows spread over every target");
	check_ecases(skel);
	ktap_test_result(check_inner_symmetric(skel),
			 "encap: both directions of an inner flow share a bucket");
	ktap_test_result(check_icmp_quote(4),
			 "icmp error steers by the quoted flow, turned around");
	ktap_test_result(check_icmp_quote(6),
			 "icmpv6 error steers by the quoted flow, turned around");
	ktap_test_result(check_outer_only(),
			 "outer-only hashing keeps a tunnel's flows together");
	ktap_test_result(check_tunnel_id(),
			 "mixing the tunnel id moves one inner flow by VNI");
	ktap_test_result(check_options(),
			 "an extra VXLAN port and an MPLS pseudowire with a control word");
	ktap_test_result(check_depth_bound(skel),
			 "past the nesting bound the innermost flow reached is hashed");
	ktap_test_result(check_encap_counters(skel),
			 "encapsulations entered are counted by name");
	ktap_test_result(check_differential(skel, false),
			 "fast paths and the general parser agree on 100000 random frames");
	load_meta = 1;
	if (load(CS_HASH_L4_SYM, CS_FALLBACK_PASS, &meta_skel))
		meta_skel = NULL;
	load_meta = 0;
	ktap_test_result(meta_skel && check_differential(meta_skel, true),
			 "with metadata: both paths write the same struct cs_meta on 100000 random frames");
	cpusteer_bpf__destroy(meta_skel);
	ktap_test_result(check_meta(skel),
			 "struct cs_meta names the hash, bucket and (inner) header offsets of every hashed row");
	ktap_test_result(check_filter_icmp(4),
			 "stage 2 filter: an icmp error is matched on its sender and on the flow it quotes");
	ktap_test_result(check_filter_icmp(6),
			 "stage 2 filter: an icmpv6 error is matched on its sender and on the flow it quotes");
	ktap_test_result(check_filter_frag(4, 0),
			 "stage 2 filter: a port rule drops an ipv4 first fragment, a later one passes");
	ktap_test_result(check_filter_frag(6, 0),
			 "stage 2 filter: a port rule drops an ipv6 first fragment, a later one passes");
	ktap_test_result(check_filter_frag(6, 1),
			 "stage 2 filter: the same with destination options after the fragment header (RFC 8200 4.5)");
	ktap_test_result(check_filter_no_meta(),
			 "stage 2 filter without metadata parses frames itself, tunnels too, counted");
	ktap_test_result(check_mutations(skel),
			 "100000 mutated frames all end as pass or redirect under a named reason");
	cpusteer_bpf__destroy(skel);
	/* Last: a live run really queues to the other CPUs. */
	ktap_print_msg("live frames through the cpumap to stage 2");
	if (!check_live_stage2())
		ktap_test_fail("live frames reach stage 2 on the target CPUs");
	else
		ktap_test_pass("live frames reach stage 2 on the target CPUs");
	ktap_test_result(check_ring_drops(),
			 "ring-full drops are counted: stage 2 + cpumap_drop == frames");
	ktap_finished();
}
