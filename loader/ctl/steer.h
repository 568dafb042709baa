/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Loading and filling one instance of the dataplane object. attach, classify
 * and bench all load the same compiled object through here; only the
 * parameters and which maps are reused differ.
 */
#ifndef CS_STEER_H
#define CS_STEER_H

#include <stdbool.h>
#include <stddef.h>

#include "cpusteer.h"
#include "filter.h"
#include "cpus.h"

struct cpusteer_bpf;
struct bpf_link;

/*
 * tp_btf/xdp_cpumap_enqueue (bulks, ring-full drops), xdp_redirect_err,
 * xdp_cpumap_kthread (the targets' kthreads), xdp_exception
 */
#define CS_TRACE_LINKS	4

enum cs_stage2 {
	CS_STAGE2_PASS = 0,
	CS_STAGE2_DROP,
	CS_STAGE2_FILTER,
	CS_STAGE2_CUSTOM,	/* the user's, from --stage2-obj */
	CS_STAGE2_REDIRECT,	/* out of --redirect-dev */
	CS_STAGE2_NONE,
	CS_STAGE2_MAX,
};
extern const char *const cs_stage2_names[CS_STAGE2_MAX];

struct cs_steer_cfg {
	struct cs_params params;
	__u32 nbuckets;			/* power of two */
	struct cs_cpuset cpus;		/* targets, in table order */
	__u32 qsize;
	enum cs_stage2 stage2;
	char stage2_obj[4096];		/* CS_STAGE2_CUSTOM: the object file */
	char stage2_prog[64];		/* and its program; "": the only one */
	int stage2_fd;			/* CS_STAGE2_CUSTOM: the loaded
					 * program; -1: load it from the file */
	char out_ifname[16];		/* CS_STAGE2_REDIRECT: the device */
	struct cs_out out;		/* and the MAC rewrite */
	bool tracing;			/* load the tracepoint programs */
	bool bench_stage2;		/* load stage 2's test-run twins */
	int reuse_cpu_map_fd;		/* -1: create (and fill) our own */
	int reuse_table_fd;		/* -1: create (and fill) our own */
	int reuse_stats_fd;		/* -1: create our own */
	int reuse_filter_fds[CS_FLT_MAPS]; /* stage 2 filter's maps (the
					    * rules and their index); -1s:
					    * create our own, empty */
	const __u32 *table;		/* our own table's targets, bucket by
					 * bucket; NULL: round-robin */
	int ifindex;			/* --hash hw: the device to bind to */
};

/* Tunnel options, shared by attach and classify. */
enum {
	CS_OPT_TUNNEL = 450,
	CS_OPT_TUNNEL_ID,
	CS_OPT_VXLAN_PORT,
	CS_OPT_MPLS_ETH,
};

extern const char *const cs_tunnel_names[2];	/* inner, outer */

#define CS_TUNNEL_OPTIONS						\
	{ "tunnel", required_argument, CS_OPT_TUNNEL, "inner|outer",	\
	  "hash a tunnel's inner flow or its outer one",		\
	  .type = CS_OT_ENUM, .flags = CS_OF_CONFIG,			\
	  .names = cs_tunnel_names, .nnames = 2, .def = "inner" },	\
	{ "tunnel-id", no_argument, CS_OPT_TUNNEL_ID, NULL,		\
	  "mix the VNI / GRE key / TEID into the hash",			\
	  .type = CS_OT_FLAG, .flags = CS_OF_CONFIG },			\
	{ "vxlan-port", required_argument, CS_OPT_VXLAN_PORT, "PORT",	\
	  "another UDP port carrying VXLAN (up to 4 times)",		\
	  .type = CS_OT_PORT, .flags = CS_OF_CONFIG | CS_OF_REPEAT },	\
	{ "mpls-eth", no_argument, CS_OPT_MPLS_ETH, NULL,		\
	  "Ethernet after the MPLS stack (pseudowire, control word optional)", \
	  .type = CS_OT_FLAG, .flags = CS_OF_CONFIG }

/*
 * 0 if @c was a tunnel option (errors printed: -EINVAL), 1 if not ours.
 * @what names it in errors (NULL: "--NAME").
 */
int cs_parse_tunnel_opt(int c, const char *arg, const char *what,
			struct cs_steer_cfg *cfg);
/* "inner", "outer, tunnel-id, vxlan-port 8472", ... for status. */
void cs_tunnel_describe(const struct cs_params *p, char *buf, size_t len);

void cs_steer_cfg_init(struct cs_steer_cfg *cfg);
/* Table size (a power of two) and the mask and shift derived from it. */
void cs_steer_set_buckets(struct cs_steer_cfg *cfg, __u32 nbuckets);
/* --buckets N: a power of two up to CS_MAX_BUCKETS; errors are printed. */
int cs_parse_buckets(const char *s, struct cs_steer_cfg *cfg);
/* Draw a fresh hash key from getrandom(). */
int cs_key_random(__u64 key[2]);
/* 32 hex digits -> key (made odd, as a random one is); prints an error
 * naming --key on failure.
 */
int cs_key_parse(const char *s, __u64 key[2]);

/*
 * Open, size and load the object; then give every target (and a fallback
 * CPU) a cpumap entry and fill the table, unless those maps are reused.
 * On failure nothing is left loaded.
 */
int cs_steer_load(const struct cs_steer_cfg *cfg, struct cpusteer_bpf **out);
/*
 * Attach the tracepoint counters, filtered to this object's cpumap (they
 * fire for every cpumap) and, for XDP exceptions, to interface @ifindex
 * of this network namespace. Needs cfg.tracing at load. On success the
 * caller owns @links (pin or destroy them); on failure none is left.
 */
int cs_steer_attach_tracing(struct cpusteer_bpf *skel, __u32 ifindex,
			    struct bpf_link *links[CS_TRACE_LINKS]);
struct bpf_program;
/*
 * Point stage 2 "redirect" maps @dev_fd (devmap) and @cfg_fd at device
 * @ifname of this namespace, with rewrite @out. Errors are printed.
 */
int cs_out_set(int dev_fd, int cfg_fd, const char *ifname,
	       const struct cs_out *out);
/* The fd of stage-2 program @s of a loaded @skel; -1 for none. */
int cs_stage2_fd(struct cpusteer_bpf *skel, enum cs_stage2 s);
/* The stage-1 program these parameters load (steer.c says which). */
struct bpf_program *cs_steer_prog(struct cpusteer_bpf *skel,
				  const struct cs_params *p);
/* The stage-1 program a loaded @skel attaches (its own cs_params). */
struct bpf_program *cs_steer_main(struct cpusteer_bpf *skel);
/* Point @bucket at @cpu (its counters restart at zero): one map update. */
int cs_bucket_set(int table_fd, __u32 bucket, __u32 cpu);
/* Bucket i -> cpus[i % n]: an even round-robin spread. */
int cs_table_fill(int table_fd, __u32 nbuckets, const struct cs_cpuset *cpus);

#endif
