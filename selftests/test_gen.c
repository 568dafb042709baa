// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cpusteer gen, as a receiver would check it:
 *  - the BPF generator's frames are byte for byte the userspace builder's
 *    (the pcap writer's), checksums included, for IPv4/IPv6, UDP/TCP, tags;
 *  - the sequence numbers find an injected loss and an injected reorder,
 *    and find none in the untouched stream;
 *  - the popularity distributions give the shares they promise;
 *  - a seed fixes the sending order: the same seed, the same order (and the
 *    BPF program sends, frame for frame, what the pcap writer writes for
 *    it), another seed another order.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cs_gen.h"
#include "gen.h"
#include "gen.skel.h"
#include "ktap.h"
#include "pcapio.h"
#include "seqtrack.h"

#define SEQ_FLOWS	8
#define SEQ_FRAMES	800
#define DIST_FRAMES	65536
#define SEED_FRAMES	300	/* > 16 x SEQ_FLOWS: every flow repeats */

struct stream {
	size_t n;
	__u32 flow[SEQ_FRAMES];
	__u32 seq[SEQ_FRAMES];
};

/* The payload of every frame of a pcap written by cs_gen_write_pcap(). */
static int read_stream(const struct cs_gen_cfg *cfg, const char *path,
		       struct stream *st)
{
	size_t off = cs_gen_payload_off(cfg);
	struct cs_gen_payload pl;
	struct cs_pcap *p;
	const __u8 *data;
	__u32 len;
	int rc;

	if (cs_pcap_open_read(path, &p))
		return -EIO;
	st->n = 0;
	while ((rc = cs_pcap_next(p, &data, &len)) == 1 && st->n < SEQ_FRAMES) {
		if (len < off + sizeof(pl))
			break;
		memcpy(&pl, data + off, sizeof(pl));
		if (pl.magic != CS_GEN_MAGIC)
			break;
		st->flow[st->n] = pl.flow;
		st->seq[st->n++] = pl.seq;
	}
	cs_pcap_close(p);
	return st->n == SEQ_FRAMES ? 0 : -EIO;
}

struct verdict {
	__u64 lost, reordered;
	__u32 lost_flow;
};

/* Feed a receiver the stream, skipping frame @skip (or none, -1). */
static void receive(const struct stream *st, long skip, struct verdict *v)
{
	struct cs_seq_flow flows[SEQ_FLOWS] = {};
	size_t i;

	memset(v, 0, sizeof(*v));
	for (i = 0; i < st->n; i++)
		if ((long)i != skip && st->flow[i] < SEQ_FLOWS)
			cs_seq_take(&flows[st->flow[i]], st->seq[i]);
	for (i = 0; i < SEQ_FLOWS; i++) {
		__u64 lost = cs_seq_lost(&flows[i], SEQ_FRAMES / SEQ_FLOWS);

		if (lost)
			v->lost_flow = i;
		v->lost += lost;
		v->reordered += flows[i].reordered;
	}
}

static bool check_sequences(void)
{
	char path[] = "/tmp/cs_test_gen_XXXXXX";
	struct cs_gen_result res;
	struct cs_gen_cfg cfg;
	struct stream st;
	struct verdict v;
	size_t a = 0, b;
	bool ok = true;
	__u32 t;
	int fd;

	fd = mkstemp(path);
	if (fd < 0)
		return false;
	close(fd);
	cs_gen_cfg_init(&cfg);
	cfg.flows = SEQ_FLOWS;
	cfg.count = SEQ_FRAMES;
	if (cs_gen_set_size(&cfg) || cs_gen_write_pcap(&cfg, path, &res) ||
	    read_stream(&cfg, path, &st)) {
		unlink(path);
		return false;
	}
	unlink(path);

	receive(&st, -1, &v);
	ktap_print_msg("untouched: lost %llu, reordered %llu",
		       (unsigned long long)v.lost,
		       (unsigned long long)v.reordered);
	ok &= !v.lost && !v.reordered;

	receive(&st, 17, &v);	/* the 18th frame goes missing */
	ktap_print_msg("frame 17 (flow %u) dropped: lost %llu in flow %u, reordered %llu",
		       st.flow[17], (unsigned long long)v.lost, v.lost_flow,
		       (unsigned long long)v.reordered);
	ok &= v.lost == 1 && v.lost_flow == st.flow[17] && !v.reordered;

	/* Swap two neighbours in one flow: seq 10 and 11 of flow 3. */
	while (a < st.n && !(st.flow[a] == 3 && st.seq[a] == 10))
		a++;
	for (b = a; b < st.n && !(st.flow[b] == 3 && st.seq[b] == 11); b++)
		;
	if (b >= st.n)
		return false;
	t = st.seq[a];
	st.seq[a] = st.seq[b];
	st.seq[b] = t;
	receive(&st, -1, &v);
	ktap_print_msg("frames %zu and %zu of flow 3 swapped: lost %llu, reordered %llu",
		       a, b, (unsigned long long)v.lost,
		       (unsigned long long)v.reordered);
	ok &= !v.lost && v.reordered == 1;
	return ok;
}

/* The BPF program's frames against the builder's, frame by frame. */
static bool check_bpf_frames(const char *what, int family, __u8 proto,
			     int nvlan, int encap, int outer_family)
{
	__u8 out[CS_FRAME_MAX], want[CS_FRAME_MAX], tmpl[CS_FRAME_MAX];
	struct cs_gen_flow flows[SEQ_FLOWS];
	struct cs_gen_cfg cfg;
	struct gen_bpf *skel;
	__u32 len, i, fid, seq[SEQ_FLOWS] = {};
	size_t tlen, wlen;
	bool ok = true;

	cs_gen_cfg_init(&cfg);
	cfg.flows = SEQ_FLOWS;
	cfg.dist = CS_DIST_ZIPF;	/* flows out of order, repeats */
	cfg.zipf_s = 1.0;
	if (family == 6)
		cs_frame_set_addrs(&cfg.spec, "2001:db8::1", "2001:db8::2");
	cfg.spec.proto = proto;
	cfg.spec.nvlan = nvlan;
	for (i = 0; i < (__u32)nvlan; i++) {
		cfg.spec.vlan_tpid[i] = i ? 0x8100 : 0x88a8;
		cfg.spec.vlan_id[i] = 100 + i;
	}
	if (encap && !cs_frame_add_encap(&cfg.spec, encap,
			outer_family == 6 ? "2001:db8:9::1" :
			outer_family == 4 ? "192.0.2.1" : NULL,
			outer_family == 6 ? "2001:db8:9::2" :
			outer_family == 4 ? "192.0.2.2" : NULL))
		return false;
	if (cs_gen_set_size(&cfg) || cs_gen_load(&cfg, 1, &skel))
		return false;
	/* The program walks the order it was loaded with: read it back. */
	len = bpf_map__max_entries(skel->maps.gen_order);
	for (i = 0; i < SEQ_FLOWS; i++)
		cs_gen_flow(&cfg, i, &flows[i]);
	tlen = cs_gen_frame(&cfg, &flows[0], 0, 0, tmpl, sizeof(tmpl));
	for (i = 0; i < 200 && ok && i < len; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = tmpl,
			    .data_size_in = tlen, .data_out = out,
			    .data_size_out = sizeof(out), .repeat = 1);

		if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.gen_order), &i,
					&fid) || fid >= SEQ_FLOWS ||
		    bpf_prog_test_run_opts(bpf_program__fd(skel->progs.cs_gen),
					   &opts) ||
		    opts.retval != XDP_REDIRECT) {
			ktap_print_msg("%s: frame %u did not run", what, i);
			ok = false;
			break;
		}
		wlen = cs_gen_frame(&cfg, &flows[fid], fid, seq[fid]++, want,
				    sizeof(want));
		if (opts.data_size_out != wlen || memcmp(out, want, wlen)) {
			ktap_print_msg("%s: frame %u (flow %u) differs from the builder's",
				       what, i, fid);
			ok = false;
		}
	}
	gen_bpf__destroy(skel);
	return ok;
}

static bool check_dist(const char *what, const char *dist, __u32 flows,
		       __u32 first, __u32 nfirst, double share, double tol)
{
	struct cs_gen_cfg cfg;
	__u32 *order, len, i, hit = 0;
	double got;

	cs_gen_cfg_init(&cfg);
	cfg.flows = flows;
	if (cs_gen_parse_dist(dist, &cfg) || cs_gen_order(&cfg, &order, &len))
		return false;
	for (i = 0; i < len; i++)
		hit += order[i] >= first && order[i] < first + nfirst;
	free(order);
	got = (double)hit / len;
	ktap_print_msg("%s: flows %u-%u carry %.3f of %u frames, expected %.3f",
		       what, first, first + nfirst - 1, got, len, share);
	return got > share - tol && got < share + tol;
}

static int dist_cfg(struct cs_gen_cfg *cfg, const char *dist, __u64 seed)
{
	cs_gen_cfg_init(cfg);
	cfg->flows = SEQ_FLOWS;
	cfg->count = SEED_FRAMES;
	cfg->seed = seed;
	return cs_gen_parse_dist(dist, cfg) || cs_gen_set_size(cfg);
}

/* Orders drawn twice with one seed agree; with the next seed they do not. */
static bool check_seed_order(const char *dist)
{
	__u32 *o1 = NULL, *o2 = NULL, *o3 = NULL, len, l2, l3, same = 0, i;
	struct cs_gen_cfg cfg;
	bool ok = false;

	if (dist_cfg(&cfg, dist, 20260101) || cs_gen_order(&cfg, &o1, &len) ||
	    cs_gen_order(&cfg, &o2, &l2))
		goto out;
	cfg.seed++;
	if (cs_gen_order(&cfg, &o3, &l3) || l2 != len || l3 != len)
		goto out;
	for (i = 0; i < len; i++)
		same += o1[i] == o3[i];
	ktap_print_msg("%s: seed %llu twice: %s; seed %llu agrees on %u of %u slots",
		       dist, (unsigned long long)cfg.seed - 1,
		       memcmp(o1, o2, len * sizeof(*o1)) ? "differ" : "equal",
		       (unsigned long long)cfg.seed, same, len);
	/* Two independent draws agree by chance on a few slots, not most. */
	ok = !memcmp(o1, o2, len * sizeof(*o1)) && same < len / 2;
out:
	free(o1);
	free(o2);
	free(o3);
	return ok;
}

/* The frames the pcap writer wrote for a seed, one by one against what the
 * BPF program, loaded with the same seed, transmits.
 */
static bool check_seed_bpf_pcap(const char *dist, __u64 seed)
{
	__u8 out[CS_FRAME_MAX], tmpl[CS_FRAME_MAX];
	char path[] = "/tmp/cs_test_gen_seed_XXXXXX";
	struct cs_gen_result res;
	struct cs_gen_flow f0;
	struct cs_gen_cfg cfg;
	struct gen_bpf *skel;
	struct cs_pcap *p;
	const __u8 *data;
	__u32 len, n = 0;
	size_t tlen;
	bool ok = true;
	int fd;

	fd = mkstemp(path);
	if (fd < 0)
		return false;
	close(fd);
	if (dist_cfg(&cfg, dist, seed) ||
	    cs_gen_write_pcap(&cfg, path, &res) ||
	    cs_gen_load(&cfg, 1, &skel)) {
		unlink(path);
		return false;
	}
	cs_gen_flow(&cfg, 0, &f0);
	tlen = cs_gen_frame(&cfg, &f0, 0, 0, tmpl, sizeof(tmpl));
	if (cs_pcap_open_read(path, &p)) {
		ok = false;
		goto out;
	}
	while (ok && cs_pcap_next(p, &data, &len) == 1) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = tmpl,
			    .data_size_in = tlen, .data_out = out,
			    .data_size_out = sizeof(out), .repeat = 1);

		if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.cs_gen),
					   &opts) ||
		    opts.retval != XDP_REDIRECT) {
			ktap_print_msg("%s: frame %u did not run", dist, n);
			ok = false;
		} else if (opts.data_size_out != len ||
			   memcmp(out, data, len)) {
			ktap_print_msg("%s seed %llu: BPF frame %u differs from the pcap's",
				       dist, (unsigned long long)seed, n);
			ok = false;
		}
		n++;
	}
	cs_pcap_close(p);
	ktap_print_msg("%s seed %llu: %u pcap frames compared", dist,
		       (unsigned long long)seed, n);
	ok &= n == SEED_FRAMES;
out:
	gen_bpf__destroy(skel);
	unlink(path);
	return ok;
}

int main(void)
{
	double h64 = 0;
	int i;

	for (i = 1; i <= 64; i++)
		h64 += 1.0 / i;
	ktap_print_header();
	ktap_set_plan(19);
	ktap_test_result(check_sequences(),
			 "sequence numbers find an injected loss and an injected reorder");
	ktap_test_result(check_dist("uniform", "uniform", 100, 0, 1,
				    0.01, 0.001),
			 "uniform: every flow equally often");
	ktap_test_result(check_dist("zipf:1", "zipf:1", 64, 0, 1,
				    1 / h64, 0.02),
			 "zipf:1 over 64 flows: the first carries 1/H(64)");
	ktap_test_result(check_dist("elephants:2:0.5", "elephants:2:0.5", 100,
				    0, 2, 0.5, 0.02),
			 "elephants:2:0.5: two flows carry half");
	ktap_test_result(check_seed_order("zipf:1"),
			 "zipf:1: the same seed draws the same order, the next seed another");
	ktap_test_result(check_seed_order("elephants:2:0.5"),
			 "elephants:2:0.5: the same seed draws the same order, the next seed another");
	if (geteuid())
		ktap_exit_skip("the BPF generator needs root");
	ktap_test_result(check_seed_bpf_pcap("zipf:1", 7),
			 "seeded zipf:1: BPF frames == the pcap writer's, frame for frame");
	ktap_test_result(check_seed_bpf_pcap("elephants:2:0.5",
					     18446744073709551615ULL),
			 "seeded elephants:2:0.5: BPF frames == the pcap writer's, frame for frame");
	ktap_test_result(check_bpf_frames("ipv4 udp", 4, IPPROTO_UDP, 0, 0, 0),
			 "BPF frames == builder frames: ipv4 udp");
	ktap_test_result(check_bpf_frames("ipv4 tcp", 4, IPPROTO_TCP, 0, 0, 0),
			 "BPF frames == builder frames: ipv4 tcp");
	ktap_test_result(check_bpf_frames("ipv6 udp", 6, IPPROTO_UDP, 0, 0, 0),
			 "BPF frames == builder frames: ipv6 udp");
	ktap_test_result(check_bpf_frames("ipv6 tcp", 6, IPPROTO_TCP, 0, 0, 0),
			 "BPF frames == builder frames: ipv6 tcp");
	ktap_test_result(check_bpf_frames("qinq ipv4 udp", 4, IPPROTO_UDP, 2, 0, 0),
			 "BPF frames == builder frames: qinq ipv4 udp");
	ktap_test_result(check_bpf_frames("vxlan ipv4 tcp", 4, IPPROTO_TCP, 0,
					  CS_FE_VXLAN, 4),
			 "BPF frames == builder frames: vxlan, inner ipv4 tcp");
	ktap_test_result(check_bpf_frames("pppoe ipv6 udp", 6, IPPROTO_UDP, 1,
					  CS_FE_PPPOE, 0),
			 "BPF frames == builder frames: vlan, pppoe, inner ipv6 udp");
	ktap_test_result(check_bpf_frames("gre-eth over ipv6", 4, IPPROTO_UDP, 0,
					  CS_FE_GRE_TEB, 6),
			 "BPF frames == builder frames: gre-eth over ipv6");
	ktap_test_result(check_bpf_frames("gtpu ipv6 tcp", 6, IPPROTO_TCP, 0,
					  CS_FE_GTPU, 4),
			 "BPF frames == builder frames: gtp-u, inner ipv6 tcp");
	ktap_test_result(check_bpf_frames("vxlan-gpe ipv4 udp", 4, IPPROTO_UDP, 0,
					  CS_FE_VXLAN_GPE, 6),
			 "BPF frames == builder frames: vxlan-gpe over ipv6, inner ipv4 udp");
	ktap_test_result(check_bpf_frames("erspan1 ipv6 tcp", 6, IPPROTO_TCP, 0,
					  CS_FE_ERSPAN1, 4),
			 "BPF frames == builder frames: erspan type I, inner ipv6 tcp");
	ktap_finished();
}
