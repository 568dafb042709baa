// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cpusteer.h"
#include "cs_meta.h"
#include "iface.h"
#include "cpusteer.skel.h"
#include "iface.h"
#include "log.h"
#include "netdev.h"
#include "opts.h"
#include "steer.h"

_Static_assert(sizeof(struct cs_params) == 56, "cs_params layout is ABI");
_Static_assert(sizeof(struct cs_meta) == 24 && sizeof(struct cs_meta) % 4 == 0,
	       "cs_meta layout is ABI; bpf_xdp_adjust_meta() needs 4-byte units");

/* BPF_F_XDP_DEV_BOUND_ONLY (Linux 6.3); Debian 12's uapi headers predate it. */
#define CS_XDP_DEV_BOUND_ONLY	(1U << 6)
_Static_assert(sizeof(struct cs_record) == 16, "cs_record layout is ABI");
_Static_assert(sizeof(struct cs_stats) ==
	       8 * (CS_REASON_MAX + CS_ENCAP_MAX + CS_ERRNO_SLOTS + 7 +
		    3 * CS_MAX_CPUS),
	       "cs_stats is packed");
_Static_assert(sizeof(struct cs_bucket) == 16, "cs_bucket layout is ABI");
_Static_assert(sizeof(struct cs_stats) <= 32768,
	       "per-CPU values are limited to 32 KiB");

const char *const cs_stage2_names[CS_STAGE2_MAX] = {
	[CS_STAGE2_PASS] = "pass",
	[CS_STAGE2_DROP] = "drop",
	[CS_STAGE2_FILTER] = "filter",
	[CS_STAGE2_CUSTOM] = "custom",
	[CS_STAGE2_REDIRECT] = "redirect",
	[CS_STAGE2_NONE] = "none",
};

const char *const cs_tunnel_names[2] = { "inner", "outer" };

int cs_parse_tunnel_opt(int c, const char *arg, const char *what,
			struct cs_steer_cfg *cfg)
{
	struct cs_params *p = &cfg->params;
	__u32 v;
	int i;

	switch (c) {
	case CS_OPT_TUNNEL:
		if (cs_parse_enum(what ?: "--tunnel", arg, cs_tunnel_names, 2,
				  &v))
			return -EINVAL;
		p->tunnel = (p->tunnel & ~CS_TUN_OUTER) | (v ? CS_TUN_OUTER : 0);
		return 0;
	case CS_OPT_TUNNEL_ID:
		p->tunnel |= CS_TUN_ID;
		return 0;
	case CS_OPT_MPLS_ETH:
		p->tunnel |= CS_TUN_MPLS_ETH;
		return 0;
	case CS_OPT_VXLAN_PORT:
		what = what ?: "--vxlan-port";
		if (cs_parse_u32(what, arg, 1, 65535, &v))
			return -EINVAL;
		if (v == CS_PORT_VXLAN || v == CS_PORT_GENEVE ||
		    v == CS_PORT_GTPU || v == CS_PORT_VXLAN_GPE) {
			cs_err("%s %u is %s's own port, which stage 1 always knows; name only other ports (such as 8472)",
			       what, v, v == CS_PORT_VXLAN ? "VXLAN" :
			       v == CS_PORT_GENEVE ? "Geneve" :
			       v == CS_PORT_VXLAN_GPE ? "VXLAN-GPE" : "GTP-U");
			return -EINVAL;
		}
		for (i = 0; i < CS_VXLAN_PORTS_MAX && p->vxlan_ports[i]; i++) {
			if (p->vxlan_ports[i] != htons(v))
				continue;
			cs_err("%s %u is given twice", what, v);
			return -EINVAL;
		}
		if (i == CS_VXLAN_PORTS_MAX) {
			cs_err("%s %u: at most %d extra VXLAN ports",
			       what, v, CS_VXLAN_PORTS_MAX);
			return -EINVAL;
		}
		p->vxlan_ports[i] = htons(v);
		p->tunnel |= CS_TUN_EXTRA_PORTS;
		return 0;
	}
	return 1;
}

void cs_tunnel_describe(const struct cs_params *p, char *buf, size_t len)
{
	size_t off;
	int i;

	off = snprintf(buf, len, "%s", p->tunnel & CS_TUN_OUTER ? "outer" :
								   "inner");
	if (p->tunnel & CS_TUN_ID && off < len)
		off += snprintf(buf + off, len - off, ", tunnel-id");
	if (p->tunnel & CS_TUN_MPLS_ETH && off < len)
		off += snprintf(buf + off, len - off, ", mpls-eth");
	for (i = 0; i < CS_VXLAN_PORTS_MAX && off < len; i++)
		if (p->vxlan_ports[i])
			off += snprintf(buf + off, len - off, ", vxlan-port %u",
					ntohs(p->vxlan_ports[i]));
}

void cs_steer_cfg_init(struct cs_steer_cfg *cfg)
{
	int i;

	memset(cfg, 0, sizeof(*cfg));
	cfg->params.hash_mode = CS_HASH_L4_SYM;
	cfg->params.fallback_cpu = CS_FALLBACK_PASS;
	cs_steer_set_buckets(cfg, CS_DEFAULT_BUCKETS);
	cfg->qsize = CS_DEFAULT_QSIZE;
	cfg->stage2 = CS_STAGE2_PASS;
	cfg->reuse_cpu_map_fd = -1;
	cfg->reuse_table_fd = -1;
	cfg->reuse_stats_fd = -1;
	cfg->stage2_fd = -1;
	for (i = 0; i < CS_FLT_MAPS; i++)
		cfg->reuse_filter_fds[i] = -1;
}

void cs_steer_set_buckets(struct cs_steer_cfg *cfg, __u32 nbuckets)
{
	__u32 bits = 0;

	while ((1U << bits) < nbuckets)
		bits++;
	cfg->nbuckets = nbuckets;
	cfg->params.bucket_mask = nbuckets - 1;
	cfg->params.bucket_shift = bits ? 64 - bits : 63;
}

/* Multiply-shift needs odd multipliers: an even one drops a bit for good. */
static void key_make_odd(__u64 key[2])
{
	key[0] |= 1;
	key[1] |= 1;
}

int cs_key_random(__u64 key[2])
{
	ssize_t n = getrandom(key, 2 * sizeof(key[0]), 0);

	if (n != 2 * sizeof(key[0])) {
		cs_err("getrandom() failed to give a hash key: %s",
		       strerror(errno));
		return -EIO;
	}
	key_make_odd(key);
	return 0;
}

int cs_key_parse(const char *s, __u64 key[2])
{
	char half[17];
	int i;

	if (strlen(s) != 32 || strspn(s, "0123456789abcdefABCDEF") != 32) {
		cs_err("--key '%s' is not 32 hex digits (a 128-bit key, as 'cpusteer status' shows it)",
		       s);
		return -EINVAL;
	}
	for (i = 0; i < 2; i++) {
		memcpy(half, s + 16 * i, 16);
		half[16] = '\0';
		key[i] = strtoull(half, NULL, 16);
	}
	key_make_odd(key);
	return 0;
}

int cs_parse_buckets(const char *s, struct cs_steer_cfg *cfg)
{
	__u32 n;

	if (cs_parse_u32("--buckets", s, 1, CS_MAX_BUCKETS, &n))
		return -EINVAL;
	if (n & (n - 1)) {
		cs_err("--buckets %u is not a power of two (try 256 or 1024)",
		       n);
		return -EINVAL;
	}
	cs_steer_set_buckets(cfg, n);
	return 0;
}

int cs_bucket_set(int table_fd, __u32 bucket, __u32 cpu)
{
	int ncpus = libbpf_num_possible_cpus(), i, err = 0;
	struct cs_bucket *v;

	if (ncpus < 0)
		return ncpus;
	/* A per-CPU map takes one value per possible CPU, in one update. */
	v = calloc(ncpus, sizeof(*v));
	if (!v)
		return -ENOMEM;
	/*
	 * A bucket that moves keeps its counts, so stats' rates go on: only
	 * the frames stage 1 counts between this read and the update are
	 * lost (a step back that readers take as no frames: figures.h).
	 */
	if (bpf_map_lookup_elem(table_fd, &bucket, v))
		memset(v, 0, ncpus * sizeof(*v));
	for (i = 0; i < ncpus; i++)
		v[i].cpu = cpu;
	if (bpf_map_update_elem(table_fd, &bucket, v, BPF_ANY)) {
		err = -errno;
		cs_err("cannot write bucket %u of the indirection table: %s",
		       bucket, strerror(errno));
	}
	free(v);
	return err;
}

int cs_table_fill(int table_fd, __u32 nbuckets, const struct cs_cpuset *cpus)
{
	__u32 b;
	int err;

	for (b = 0; b < nbuckets; b++) {
		err = cs_bucket_set(table_fd, b, cpus->cpu[b % cpus->n]);
		if (err)
			return err;
	}
	return 0;
}

static int cpumap_add(int map_fd, __u32 cpu, __u32 qsize, int prog_fd)
{
	struct bpf_cpumap_val val = {
		.qsize = qsize,
		.bpf_prog.fd = prog_fd,
	};

	if (bpf_map_update_elem(map_fd, &cpu, &val, BPF_ANY)) {
		int err = -errno;

		cs_err("cannot create the cpumap entry for CPU %u (qsize %u): %s",
		       cpu, qsize, strerror(-err));
		return err;
	}
	return 0;
}

int cs_stage2_fd(struct cpusteer_bpf *skel, enum cs_stage2 s)
{
	switch (s) {
	case CS_STAGE2_PASS:
		return bpf_program__fd(skel->progs.cs_stage2_pass);
	case CS_STAGE2_DROP:
		return bpf_program__fd(skel->progs.cs_stage2_drop);
	case CS_STAGE2_FILTER:
		return bpf_program__fd(skel->progs.cs_stage2_flt);
	case CS_STAGE2_REDIRECT:
		return bpf_program__fd(skel->progs.cs_stage2_out);
	default:
		return -1;	/* no stage-2 program: straight to the stack */
	}
}

int cs_out_set(int dev_fd, int cfg_fd, const char *ifname,
	       const struct cs_out *out)
{
	struct bpf_devmap_val v = {};
	__u32 zero = 0;
	int err;

	err = cs_iface_index(ifname, &v.ifindex);
	if (err) {
		cs_err("--redirect-dev %s: no such interface in this network namespace",
		       ifname);
		return err;
	}
	/* The kernel would drop every frame: say so now (Linux 6.3 on). */
	if (!cs_netdev_has_xdp_xmit(v.ifindex)) {
		cs_err("--redirect-dev %s cannot send XDP frames (its driver has no ndo_xdp_xmit; a veth takes them only while its peer runs XDP or has GRO on)",
		       ifname);
		return -EOPNOTSUPP;
	}
	if (bpf_map_update_elem(cfg_fd, &zero, out, BPF_ANY) ||
	    bpf_map_update_elem(dev_fd, &zero, &v, BPF_ANY)) {
		err = -errno;
		cs_err("--redirect-dev %s: cannot put it in the devmap: %s",
		       ifname, strerror(errno));
		return err;
	}
	return 0;
}

static int cs_steer_fill(struct cpusteer_bpf *skel,
			 const struct cs_steer_cfg *cfg)
{
	int map_fd = bpf_map__fd(skel->maps.cs_cpu_map);
	int prog_fd = cfg->stage2 == CS_STAGE2_CUSTOM ? cfg->stage2_fd :
		      cs_stage2_fd(skel, cfg->stage2);
	__u32 i, fb = cfg->params.fallback_cpu;
	int err;

	/* Our own program's device first: it may run once in the cpumap. */
	if (cfg->stage2 == CS_STAGE2_REDIRECT) {
		err = cs_out_set(bpf_map__fd(skel->maps.cs_out_dev),
				 bpf_map__fd(skel->maps.cs_out_cfg),
				 cfg->out_ifname, &cfg->out);
		if (err)
			return err;
	}
	if (cfg->reuse_cpu_map_fd < 0) {
		for (i = 0; i < cfg->cpus.n; i++) {
			err = cpumap_add(map_fd, cfg->cpus.cpu[i], cfg->qsize,
					 prog_fd);
			if (err)
				return err;
		}
		if (CS_FALLBACK_IS_CPU(fb) && !cs_cpuset_has(&cfg->cpus, fb)) {
			err = cpumap_add(map_fd, fb, cfg->qsize, prog_fd);
			if (err)
				return err;
		}
	}
	if (cfg->reuse_table_fd >= 0)
		return 0;
	if (cfg->table) {
		for (i = 0; i < cfg->nbuckets; i++) {
			err = cs_bucket_set(bpf_map__fd(skel->maps.cs_table),
					    i, cfg->table[i]);
			if (err)
				return err;
		}
		return 0;
	}
	return cs_table_fill(bpf_map__fd(skel->maps.cs_table), cfg->nbuckets,
			     &cfg->cpus);
}

/*
 * The stage-1 program for @p: the NIC-hash one, the twin compiled for
 * @p's hash mode when no CS_TUN_* flag is set and no metadata is written
 * (the common case, cheaper per frame), else the general one.
 */
struct bpf_program *cs_steer_prog(struct cpusteer_bpf *skel,
				  const struct cs_params *p)
{
	if (p->hash_mode & CS_HASH_F_HW)
		return skel->progs.cs_steer_hw;
	if (p->tunnel || p->meta)
		return skel->progs.cs_steer;
	switch (p->hash_mode) {
	case CS_HASH_L3:
		return skel->progs.cs_steer_l3;
	case CS_HASH_L4:
		return skel->progs.cs_steer_l4;
	case CS_HASH_L3_SYM:
		return skel->progs.cs_steer_l3_sym;
	case CS_HASH_L4_SYM:
		return skel->progs.cs_steer_l4_sym;
	}
	return skel->progs.cs_steer;
}

struct bpf_program *cs_steer_main(struct cpusteer_bpf *skel)
{
	/* The rodata copy: what the programs were loaded with. */
	return cs_steer_prog(skel, (const struct cs_params *)
			     &skel->rodata->cs_params);
}

/*
 * Between open and load: map sizes, reused maps, which programs load.
 * Every setter is checked; the first failure is reported and returned.
 */
static int steer_prepare(struct cpusteer_bpf *skel,
			 const struct cs_steer_cfg *cfg, int ncpus)
{
	bool hw = cfg->params.hash_mode & CS_HASH_F_HW;
	struct bpf_program *steer = cs_steer_prog(skel, &cfg->params);
	struct bpf_program *const xdp[] = {
		skel->progs.cs_steer, skel->progs.cs_steer_hw,
		skel->progs.cs_steer_l3, skel->progs.cs_steer_l4,
		skel->progs.cs_steer_l3_sym, skel->progs.cs_steer_l4_sym,
	};
	const char *what;
	size_t i;
	int err;

	/* cpumap keys are CPU numbers; the kernel refuses more than exist. */
	what = "size the cpumap";
	err = bpf_map__set_max_entries(skel->maps.cs_cpu_map,
				       ncpus < CS_MAX_CPUS ? ncpus : CS_MAX_CPUS);
	if (!err) {
		what = "size the indirection table";
		err = bpf_map__set_max_entries(skel->maps.cs_table,
					       cfg->nbuckets);
	}
	if (!err && cfg->reuse_cpu_map_fd >= 0) {
		what = "reuse the attachment's cpumap";
		err = bpf_map__reuse_fd(skel->maps.cs_cpu_map,
					cfg->reuse_cpu_map_fd);
	}
	if (!err && cfg->reuse_table_fd >= 0) {
		what = "reuse the attachment's indirection table";
		err = bpf_map__reuse_fd(skel->maps.cs_table,
					cfg->reuse_table_fd);
	}
	if (!err && cfg->reuse_stats_fd >= 0) {
		what = "reuse the attachment's counters";
		err = bpf_map__reuse_fd(skel->maps.cs_stats,
					cfg->reuse_stats_fd);
	}
	/* The filter's rules and hits take 1 entry unless it runs. */
	for (i = 0; !err && i < CS_FLT_MAPS; i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(
			skel->obj, cs_flt_map_names[i]);

		what = "size the filter's maps";
		err = !m ? -ENOENT : bpf_map__set_max_entries(m,
			(cfg->stage2 == CS_STAGE2_FILTER ||
			 cfg->bench_stage2) && i != CS_FLT_ANY ?
			CS_FILTER_MAX : 1);
		if (!err && cfg->reuse_filter_fds[i] >= 0) {
			what = "reuse the filter's rules";
			err = bpf_map__reuse_fd(m, cfg->reuse_filter_fds[i]);
		}
	}
	/*
	 * Only the chosen stage-1 program loads. --hash hw: the NIC-hash
	 * program is device-bound to the interface (its metadata kfunc needs
	 * that); elsewhere the kfunc call alone would fail to load.
	 */
	if (!err)
		what = "choose the stage-1 program";
	for (i = 0; !err && i < sizeof(xdp) / sizeof(xdp[0]); i++)
		err = bpf_program__set_autoload(xdp[i], xdp[i] == steer);
	if (!err)
		err = bpf_program__set_autoload(skel->progs.cs_steer_general,
						cfg->params.record &
						CS_RECORD_NO_FAST) ?:
		      bpf_program__set_autoload(skel->progs.cs_stage2_flt,
						cfg->stage2 ==
						CS_STAGE2_FILTER) ?:
		      bpf_program__set_autoload(skel->progs.cs_stage2_out,
						cfg->stage2 ==
						CS_STAGE2_REDIRECT) ?:
		      bpf_program__set_autoload(skel->progs.cs_s2b_flt,
						cfg->bench_stage2) ?:
		      bpf_program__set_autoload(skel->progs.cs_s2b_drop,
						cfg->bench_stage2);
	if (!err && hw) {
		what = "bind the NIC-hash program to the device";
		bpf_program__set_ifindex(skel->progs.cs_steer_hw,
					 cfg->ifindex);	/* returns nothing */
		err = bpf_program__set_flags(skel->progs.cs_steer_hw,
					     CS_XDP_DEV_BOUND_ONLY);
	}
	if (!err) {
		what = "choose the tracepoint programs";
		err = bpf_program__set_autoload(skel->progs.cs_trace_enqueue,
						cfg->tracing) ?:
		      bpf_program__set_autoload(skel->progs.cs_trace_redirect_err,
						cfg->tracing) ?:
		      bpf_program__set_autoload(skel->progs.cs_trace_kthread,
						cfg->tracing) ?:
		      bpf_program__set_autoload(skel->progs.cs_trace_exception,
						cfg->tracing);
	}
	if (err)
		cs_err("cannot %s before loading: %s", what, strerror(-err));
	return err;
}

int cs_steer_load(const struct cs_steer_cfg *cfg, struct cpusteer_bpf **out)
{
	struct cpusteer_bpf *skel;
	int ncpus, err;

	ncpus = libbpf_num_possible_cpus();
	if (ncpus < 0) {
		cs_err("cannot count possible CPUs: %s", strerror(-ncpus));
		return ncpus;
	}
	skel = cpusteer_bpf__open();
	if (!skel) {
		err = -errno;
		cs_err("cannot open the BPF object: %s", strerror(errno));
		return err;
	}
	skel->rodata->cs_params = cfg->params;
	err = steer_prepare(skel, cfg, ncpus);
	if (err)
		goto err_destroy;
	err = cpusteer_bpf__load(skel);
	if (err) {
		cs_err("the kernel refused the BPF object: %s (libbpf's log above gives the verifier's reason)",
		       strerror(-err));
		goto err_destroy;
	}
	err = cs_steer_fill(skel, cfg);
	if (err)
		goto err_destroy;
	*out = skel;
	return 0;

err_destroy:
	cpusteer_bpf__destroy(skel);
	return err;
}

int cs_steer_attach_tracing(struct cpusteer_bpf *skel, __u32 ifindex,
			    struct bpf_link *links[CS_TRACE_LINKS])
{
	struct bpf_program *progs[CS_TRACE_LINKS] = {
		skel->progs.cs_trace_enqueue,
		skel->progs.cs_trace_redirect_err,
		skel->progs.cs_trace_kthread,
		skel->progs.cs_trace_exception,
	};
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int i, err = 0;

	memset(links, 0, CS_TRACE_LINKS * sizeof(links[0]));
	/* The tracepoints fire for every cpumap: filter on ours. */
	if (bpf_obj_get_info_by_fd(bpf_map__fd(skel->maps.cs_cpu_map), &info,
				   &len)) {
		err = -errno;
		cs_err("cannot read the cpumap's id: %s", strerror(errno));
		return err;
	}
	skel->bss->cs_cpumap_id = info.id;
	skel->bss->cs_ifindex = ifindex;
	skel->bss->cs_netns_cookie = cs_netns_cookie();
	for (i = 0; i < CS_TRACE_LINKS; i++) {
		links[i] = bpf_program__attach(progs[i]);
		if (links[i])
			continue;
		err = -errno;
		cs_err("cannot attach %s: %s",
		       bpf_program__section_name(progs[i]), strerror(-err));
		while (i--) {
			bpf_link__destroy(links[i]);
			links[i] = NULL;
		}
		break;
	}
	return err;
}
