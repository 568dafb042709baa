// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cs_gen.h"
#include "gen.h"
#include "gen.skel.h"
#include "log.h"
#include "pcapio.h"

/* Frames per BPF_PROG_TEST_RUN call: long enough to amortise the syscall,
 * short enough to check --duration and pace --rate every few ms.
 */
#define GEN_CHUNK	65536
#define GEN_MIN_CHUNK	64
/* The largest --size BPF_PROG_TEST_RUN takes as a live frame, measured on
 * 6.18 x86-64: a 4 KiB page less XDP_PACKET_HEADROOM (256), struct
 * xdp_page_head (112) and skb_shared_info (320) is 3408 bytes, 3412 with
 * the FCS. Other kernels differ; only the error message quotes it.
 */
#define GEN_LIVE_MAX_SIZE	3412

/* The BPF side reads gen_params with this layout: no holes, no surprises. */
_Static_assert(sizeof(struct cs_gen_params) == 40 &&
	       offsetof(struct cs_gen_params, pidns_dev) == 24,
	       "struct cs_gen_params changed: check include/cs_gen.h");

void cs_gen_cfg_init(struct cs_gen_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->flows = 16;
	cfg->count = 1000;
	cfg->dist = CS_DIST_UNIFORM;
	cfg->sport_base = 20000;
	cfg->dport_base = 30000;
	cs_frame_spec_init(&cfg->spec);
	/* RFC 2544's benchmarking range; the tests pass their own. */
	cs_frame_set_addrs(&cfg->spec, "198.18.0.1", "198.19.0.1");
	memset(cfg->spec.dst_mac, 0xff, 6);
}

int cs_gen_parse_dist(const char *s, struct cs_gen_cfg *cfg)
{
	char *end;

	if (!strcmp(s, "uniform")) {
		cfg->dist = CS_DIST_UNIFORM;
		return 0;
	}
	if (!strncmp(s, "zipf:", 5)) {
		cfg->zipf_s = strtod(s + 5, &end);
		if (*end || !(cfg->zipf_s > 0 && cfg->zipf_s <= 10))
			goto err;
		cfg->dist = CS_DIST_ZIPF;
		return 0;
	}
	if (!strncmp(s, "elephants:", 10)) {
		unsigned long k = strtoul(s + 10, &end, 10);

		if (end == s + 10 || *end != ':' || !k || k > CS_GEN_MAX_FLOWS)
			goto err;
		cfg->share = strtod(end + 1, &end);
		if (*end || !(cfg->share > 0 && cfg->share < 1))
			goto err;
		cfg->elephants = k;
		cfg->dist = CS_DIST_ELEPHANTS;
		return 0;
	}
err:
	cs_err("--dist '%s': give uniform, zipf:S (0 < S <= 10) or elephants:K:SHARE (K flows carry SHARE, 0 < SHARE < 1)",
	       s);
	return -EINVAL;
}

/* Everything before the payload: tags, encapsulations, inner headers. */
static size_t headers_len(const struct cs_frame_spec *s)
{
	struct cs_frame_layout lay;
	struct cs_frame_spec t = *s;
	__u8 buf[CS_FRAME_MAX];

	t.payload_len = 0;
	t.payload = NULL;
	if (!cs_frame_build_layout(&t, buf, sizeof(buf), &lay))
		return CS_FRAME_MAX;
	return lay.payload;
}

int cs_gen_set_size(struct cs_gen_cfg *cfg)
{
	size_t need = headers_len(&cfg->spec) + sizeof(struct cs_gen_payload) +
		      CS_FCS_LEN;
	size_t min = need < CS_ETH_MIN_FRAME ? CS_ETH_MIN_FRAME : need;

	if (!cfg->size)
		cfg->size = min;
	if (cfg->size < min || cfg->size > CS_FRAME_MAX) {
		cs_err("--size %u does not fit: give %zu to %d bytes (FCS included); Ethernet frames are at least %d, and these headers with the %zu-byte flow/sequence payload need %zu",
		       cfg->size, min, CS_FRAME_MAX, CS_ETH_MIN_FRAME,
		       sizeof(struct cs_gen_payload), need);
		return -EINVAL;
	}
	cfg->spec.payload_len = cfg->size - CS_FCS_LEN -
				headers_len(&cfg->spec);
	return 0;
}

void cs_gen_flow(const struct cs_gen_cfg *cfg, __u32 i, struct cs_gen_flow *f)
{
	const __u8 *src = cfg->spec.src + (cfg->spec.family == 6 ? 12 : 0);
	__u32 base;

	memcpy(&base, src, 4);
	memset(f, 0, sizeof(*f));
	f->saddr = htonl(ntohl(base) + i / CS_GEN_PORTS);
	f->sport = htons(cfg->sport_base + i % CS_GEN_PORTS);
	f->dport = htons(cfg->dport_base + i % CS_GEN_PORTS);
}

/*
 * splitmix64: Steele, Lea and Flood, "Fast splittable pseudorandom number
 * generators", OOPSLA 2014; this is Vigna's public-domain reference code
 * (https://prng.di.unimi.it/splitmix64.c). 64 bits of state, every seed
 * (0 included) a good one, and it passes BigCrush: plenty for drawing a
 * sending order, and small enough to be sure of what it does.
 */
static __u64 splitmix64(__u64 *state)
{
	__u64 z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1): the top 53 bits, a double's mantissa. */
static double rand01(__u64 *state)
{
	return (splitmix64(state) >> 11) * (1.0 / 9007199254740992.0);
}

/* A drawn seed stays below 2^53, so it comes back exact from tools that
 * read JSON numbers as doubles (jq, JavaScript); --seed takes any.
 */
#define GEN_SEED_DRAWN_MASK	((1ULL << 53) - 1)

int cs_gen_random_seed(__u64 *seed)
{
	if (getrandom(seed, sizeof(*seed), 0) != sizeof(*seed))
		return -errno;
	*seed &= GEN_SEED_DRAWN_MASK;
	return 0;
}

/* Zipf: P(flow i) ~ 1 / (i + 1)^s, drawn by inverse CDF. */
static int order_zipf(const struct cs_gen_cfg *cfg, __u64 *rng, __u32 *order,
		      __u32 len)
{
	double *cdf = malloc(cfg->flows * sizeof(*cdf)), sum = 0;
	__u32 i;

	if (!cdf)
		return -ENOMEM;
	for (i = 0; i < cfg->flows; i++)
		cdf[i] = sum += pow(i + 1, -cfg->zipf_s);
	for (i = 0; i < len; i++) {
		double u = rand01(rng) * sum;
		__u32 lo = 0, hi = cfg->flows - 1;

		while (lo < hi) {
			__u32 mid = (lo + hi) / 2;

			if (cdf[mid] < u)
				lo = mid + 1;
			else
				hi = mid;
		}
		order[i] = lo;
	}
	free(cdf);
	return 0;
}

int cs_gen_order(const struct cs_gen_cfg *cfg, __u32 **out, __u32 *outlen)
{
	__u32 len = CS_GEN_MIN_ORDER, i, mice = cfg->flows - cfg->elephants;
	__u64 rng = cfg->seed;	/* every draw comes from --seed */
	__u32 *order;
	int err = 0;

	while (len < cfg->flows)
		len <<= 1;
	order = malloc(len * sizeof(*order));
	if (!order)
		return -ENOMEM;
	switch (cfg->dist) {
	case CS_DIST_UNIFORM:
		/* Round robin: every flow equally often, interleaved. */
		for (i = 0; i < len; i++)
			order[i] = i % cfg->flows;
		break;
	case CS_DIST_ZIPF:
		err = order_zipf(cfg, &rng, order, len);
		break;
	case CS_DIST_ELEPHANTS:
		/* Flows 0..K-1 are the elephants; the rest share the rest. */
		for (i = 0; i < len; i++)
			order[i] = rand01(&rng) < cfg->share || !mice ?
				   (__u32)(rand01(&rng) * cfg->elephants) :
				   cfg->elephants + (__u32)(rand01(&rng) * mice);
		break;
	}
	if (err) {
		free(order);
		return err;
	}
	*out = order;
	*outlen = len;
	return 0;
}

size_t cs_gen_payload_off(const struct cs_gen_cfg *cfg)
{
	return headers_len(&cfg->spec);
}

/* The template frame with flow @f's fields: what the BPF program makes. */
size_t cs_gen_frame(const struct cs_gen_cfg *cfg,
			const struct cs_gen_flow *f, __u32 fid, __u32 seq,
			__u8 *buf, size_t cap)
{
	__u8 payload[CS_FRAME_MAX] = {};
	struct cs_gen_payload pl = { CS_GEN_MAGIC, fid, seq, 0 };
	struct cs_frame_spec s = cfg->spec;

	memcpy(s.src + (s.family == 6 ? 12 : 0), &f->saddr, 4);
	s.sport = ntohs(f->sport);
	s.dport = ntohs(f->dport);
	memcpy(payload, &pl, sizeof(pl));
	s.payload = payload;
	return cs_frame_build(&s, buf, cap);
}

int cs_gen_write_pcap(const struct cs_gen_cfg *cfg, const char *path,
		      struct cs_gen_result *res)
{
	struct cs_gen_flow *flows = NULL;
	__u32 *order = NULL, len, i;
	struct cs_pcap *p;
	struct timespec a, b;
	__u8 buf[CS_FRAME_MAX];
	__u64 n;
	int err;

	clock_gettime(CLOCK_MONOTONIC, &a);
	err = cs_gen_order(cfg, &order, &len);
	if (err)
		return err;
	flows = calloc(cfg->flows, sizeof(*flows));
	err = flows ? cs_pcap_open_write(path, &p) : -ENOMEM;
	if (err)
		goto out;
	for (i = 0; i < cfg->flows; i++)
		cs_gen_flow(cfg, i, &flows[i]);
	for (n = 0; n < cfg->count; n++) {
		__u32 fid = order[n & (len - 1)];

		/* Frame n at n us: the file carries no wall-clock time. */
		cs_pcap_write(p, n, buf,
			      cs_gen_frame(cfg, &flows[fid], fid,
					   flows[fid].next_seq++, buf,
					   sizeof(buf)));
	}
	err = cs_pcap_close(p);
	clock_gettime(CLOCK_MONOTONIC, &b);
	memset(res, 0, sizeof(*res));
	res->sent = n;
	res->seconds = b.tv_sec - a.tv_sec + (b.tv_nsec - a.tv_nsec) / 1e9;
out:
	free(order);
	free(flows);
	return err;
}

__u64 cs_gen_refused_total(const struct cs_gen_result *res)
{
	__u64 sum = 0;
	int i;

	for (i = 0; i < CS_GEN_REFUSED_SLOTS; i++)
		sum += res->refused[i];
	return sum;
}

/* Who we are, for the tracepoints to count our frames only. */
static int gen_own_pidns(struct cs_gen_params *gp)
{
	struct stat st;

	if (stat("/proc/self/ns/pid", &st)) {
		int err = -errno;

		cs_err("cannot read /proc/self/ns/pid (is /proc mounted?): %s",
		       strerror(-err));
		return err;
	}
	gp->tgid = getpid();
	gp->pidns_dev = st.st_dev;
	gp->pidns_ino = st.st_ino;
	return 0;
}

int cs_gen_load(const struct cs_gen_cfg *cfg, int ifindex,
		struct gen_bpf **out)
{
	const struct cs_frame_spec *s = &cfg->spec;
	struct cs_frame_layout lay;
	__u8 tmpl[CS_FRAME_MAX];
	struct cs_gen_params *gp;
	struct gen_bpf *skel;
	__u32 *order = NULL, len, i;
	size_t l3, l4;
	int err;

	/* The template's inner headers, wherever encapsulation put them. */
	if (!cs_frame_build_layout(s, tmpl, sizeof(tmpl), &lay))
		return -EINVAL;
	l3 = lay.l3;
	l4 = lay.l4;
	skel = gen_bpf__open();
	if (!skel)
		return -errno;
	gp = (struct cs_gen_params *)&skel->rodata->gen_params;
	gp->ifindex = ifindex;
	gp->saddr_off = s->family == 6 ? l3 + 8 + 12 : l3 + 12;
	gp->ip_csum_off = s->family == 6 ? 0 : l3 + 10;
	gp->l4_off = l4;
	gp->l4_csum_off = l4 + (s->proto == IPPROTO_TCP ? 16 : 6);
	gp->payload_off = lay.payload;
	gp->udp = s->proto == IPPROTO_UDP;
	err = gen_own_pidns(gp);
	if (err)
		goto err_destroy;
	err = cs_gen_order(cfg, &order, &len);
	if (err)
		goto err_destroy;
	gp->order_mask = len - 1;
	bpf_map__set_max_entries(skel->maps.gen_order, len);
	bpf_map__set_max_entries(skel->maps.gen_flows, cfg->flows);
	err = gen_bpf__load(skel);
	if (err) {
		cs_err("the kernel refused the generator program: %s",
		       strerror(-err));
		goto err_destroy;
	}
	for (i = 0; i < len && !err; i++)
		if (bpf_map_update_elem(bpf_map__fd(skel->maps.gen_order), &i,
					&order[i], BPF_ANY))
			err = -errno;
	for (i = 0; i < cfg->flows && !err; i++) {
		struct cs_gen_flow f;

		cs_gen_flow(cfg, i, &f);
		if (bpf_map_update_elem(bpf_map__fd(skel->maps.gen_flows), &i,
					&f, BPF_ANY))
			err = -errno;
	}
	if (err) {
		cs_err("cannot fill the generator's maps: %s", strerror(-err));
		goto err_destroy;
	}
	free(order);
	*out = skel;
	return 0;

err_destroy:
	free(order);
	gen_bpf__destroy(skel);
	return err;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_until(double t)
{
	double d = t - now();
	struct timespec ts;

	if (d <= 0)
		return;
	ts.tv_sec = (time_t)d;
	ts.tv_nsec = (long)((d - ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

/*
 * The tracepoints that say what the device did with each frame. Without
 * them gen could only say how often its program ran, which is not what
 * arrived (a veth without XDP on its peer takes nothing): refuse to send.
 */
static int gen_attach_counters(struct gen_bpf *skel)
{
	struct {
		struct bpf_program *prog;
		struct bpf_link **link;
		const char *tp;
	} tps[] = {
		{ skel->progs.cs_gen_xmit, &skel->links.cs_gen_xmit,
		  "xdp_devmap_xmit" },
		{ skel->progs.cs_gen_tx_err, &skel->links.cs_gen_tx_err,
		  "xdp_redirect_err" },
	};
	size_t i;

	for (i = 0; i < sizeof(tps) / sizeof(tps[0]); i++) {
		*tps[i].link = bpf_program__attach(tps[i].prog);
		if (!*tps[i].link) {
			int err = -errno;

			cs_err("cannot attach tp_btf/%s (%s), so nothing could tell which frames the device took: not sending (needs BTF, /sys/kernel/btf/vmlinux)",
			       tps[i].tp, strerror(-err));
			return -ENOTSUP;
		}
	}
	return 0;
}

volatile sig_atomic_t cs_gen_stop;

int cs_gen_live(const struct cs_gen_cfg *cfg, int ifindex,
		struct cs_gen_result *res)
{
	struct xdp_md ctx = { .ingress_ifindex = ifindex };
	__u8 tmpl[CS_FRAME_MAX];
	struct cs_gen_flow f0;
	sigset_t stop_sigs, old_sigs;
	struct gen_bpf *skel;
	double start, owed;
	size_t len;
	int err;

	memset(res, 0, sizeof(*res));
	sigemptyset(&stop_sigs);
	sigaddset(&stop_sigs, SIGINT);
	sigaddset(&stop_sigs, SIGTERM);
	err = cs_gen_load(cfg, ifindex, &skel);
	if (err)
		return err;
	err = gen_attach_counters(skel);
	if (err)
		goto out;
	cs_gen_flow(cfg, 0, &f0);
	len = cs_gen_frame(cfg, &f0, 0, 0, tmpl, sizeof(tmpl));
	ctx.data_end = len;	/* the kernel wants the ctx to match the data */
	/* Paced: every millisecond, send what the rate owes by now. A fixed
	 * chunk per sleep would run slow wherever sleeps overshoot (VMs).
	 */
	start = now();
	while (res->sent < cfg->count) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = tmpl,
			    .data_size_in = len, .ctx_in = &ctx,
			    .ctx_size_in = sizeof(ctx),
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES);
		double t = now() - start;
		__u64 n = cfg->count - res->sent;

		if (cfg->duration > 0 && t >= cfg->duration)
			break;
		if (cs_gen_stop) {
			res->stopped = true;
			break;
		}
		if (cfg->rate > 0) {
			owed = cfg->rate * t - res->sent;
			if (owed < GEN_MIN_CHUNK) {
				sleep_until(start + t + 0.001);
				continue;
			}
			if (n > owed)
				n = (__u64)owed;
		}
		opts.repeat = n < GEN_CHUNK ? n : GEN_CHUNK;
		/* A signal would cut a run short (EINTR) without saying how
		 * many frames went: it waits for the run's end instead.
		 */
		sigprocmask(SIG_BLOCK, &stop_sigs, &old_sigs);
		err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.cs_gen),
					     &opts) ? -errno : 0;
		sigprocmask(SIG_SETMASK, &old_sigs, NULL);
		if (err) {
			if (err == -EINVAL && !res->sent)
				cs_err("the kernel refused to run a %zu-byte live frame (%s): live frames must fit in a page after the kernel's headroom (on 6.18 with 4 KiB pages, --size %d is the largest): lower --size, or write a pcap",
				       len, strerror(-err), GEN_LIVE_MAX_SIZE);
			else
				cs_err("transmitting live frames failed after %llu: %s",
				       (unsigned long long)res->sent,
				       strerror(-err));
			break;
		}
		res->sent += opts.repeat;
	}
	res->seconds = now() - start;
	/* Every flush happened inside the last run: the counts are whole. */
	res->accepted = skel->bss->gen_accepted;
	memcpy(res->refused, skel->bss->gen_refused, sizeof(res->refused));
	if (res->accepted + cs_gen_refused_total(res) < res->sent)
		res->unaccounted = res->sent - res->accepted -
				   cs_gen_refused_total(res);
	/* More outcomes than frames: someone else's got counted, so none of
	 * the counts can be trusted to say what arrived.
	 */
	if (!err && res->accepted + cs_gen_refused_total(res) > res->sent) {
		cs_err("the tracepoints report %llu frames accepted or refused for %llu sent: another sender's were counted too, so gen cannot say what the device took; run it again",
		       (unsigned long long)(res->accepted +
					    cs_gen_refused_total(res)),
		       (unsigned long long)res->sent);
		res->miscounted = true;
		err = -EIO;
	}
out:
	gen_bpf__destroy(skel);
	return err;
}
