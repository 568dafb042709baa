/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Traffic generation: flows, their popularity, the template frame, and the
 * two outputs: live frames through bpf/gen.bpf.c, or a pcap of the same
 * frames. "cpusteer gen" is the command line over this module.
 */
#ifndef CS_GEN_MOD_H
#define CS_GEN_MOD_H

#include <stdbool.h>
#include <signal.h>
#include <linux/types.h>

#include "cs_gen.h"
#include "frame.h"

#define CS_GEN_MAX_FLOWS	(1U << 20)	/* 1,048,576: "1M flows" */
/* Frames one run may send: hours at line rate, far below __u64's end. */
#define CS_GEN_MAX_COUNT	1000000000000ULL
/* The popularity order is at least this long, so a zipf or elephants draw
 * is a fair sample, and at least as long as the flow count (every flow
 * appears under uniform).
 */
#define CS_GEN_MIN_ORDER	(1U << 16)
#define CS_FCS_LEN		4	/* --size counts it; XDP never sees it */
/* IEEE 802.3 4.4.2: the shortest valid frame, FCS included; anything
 * shorter is a runt that a receiving MAC discards.
 */
#define CS_ETH_MIN_FRAME	64

enum cs_dist {
	CS_DIST_UNIFORM,
	CS_DIST_ZIPF,
	CS_DIST_ELEPHANTS,
};

struct cs_gen_cfg {
	__u32 flows;
	__u64 count;		/* frames */
	double duration;	/* seconds, 0: no limit */
	double rate;		/* frames per second, 0: as fast as it goes */
	enum cs_dist dist;
	double zipf_s;
	__u32 elephants;
	double share;
	__u32 size;		/* frame size with FCS; 0: the smallest */
	__u16 sport_base, dport_base;
	__u64 seed;		/* every random draw (the sending order) */
	struct cs_frame_spec spec;	/* template: family, proto, tags, MACs */
};

/*
 * Live, every frame sent is in exactly one of accepted, refused[] and
 * unaccounted; a pcap's frames are all "sent" and nothing else.
 */
struct cs_gen_result {
	__u64 sent;		/* frames the program ran on, or wrote */
	__u64 accepted;		/* taken by the device's ndo_xdp_xmit */
	__u64 refused[CS_GEN_REFUSED_SLOTS];	/* by errno: include/cs_gen.h */
	__u64 unaccounted;	/* sent, but no tracepoint reported them */
	bool miscounted;	/* more outcomes than frames: counts useless */
	bool stopped;		/* cs_gen_stop ended it early */
	double seconds;
};

/*
 * Set (from a SIGINT or SIGTERM handler) to end cs_gen_live() early: it
 * stops sending and reports what was sent, as at the end of --duration.
 */
extern volatile sig_atomic_t cs_gen_stop;

/* Defaults; the seed is 0 (the command line draws one or takes --seed). */
void cs_gen_cfg_init(struct cs_gen_cfg *cfg);
/* A fresh seed from getrandom(); negative errno if there is none. */
int cs_gen_random_seed(__u64 *seed);
/* "uniform", "zipf:S", "elephants:K:SHARE"; errors are printed. */
int cs_gen_parse_dist(const char *s, struct cs_gen_cfg *cfg);
/* Payload length for --size, after checking it fits; errors printed. */
int cs_gen_set_size(struct cs_gen_cfg *cfg);
/* Flow @i's addresses and ports, as the program writes them. */
void cs_gen_flow(const struct cs_gen_cfg *cfg, __u32 i, struct cs_gen_flow *f);
/* The flow ids in sending order: a power-of-two long array, the same for
 * the same cfg->seed (and the same flows and --dist).
 */
int cs_gen_order(const struct cs_gen_cfg *cfg, __u32 **order, __u32 *len);
/* Where struct cs_gen_payload starts in a generated frame. */
size_t cs_gen_payload_off(const struct cs_gen_cfg *cfg);
/* Frame @seq of flow @fid, built in userspace: the pcap writer's frames,
 * and byte for byte what the BPF program transmits.
 */
size_t cs_gen_frame(const struct cs_gen_cfg *cfg, const struct cs_gen_flow *f,
		    __u32 fid, __u32 seq, __u8 *buf, size_t cap);
struct gen_bpf;
/* The generator program with its maps filled, transmitting to @ifindex. */
int cs_gen_load(const struct cs_gen_cfg *cfg, int ifindex,
		struct gen_bpf **out);
/* Frames the device refused, all causes together. */
__u64 cs_gen_refused_total(const struct cs_gen_result *res);
int cs_gen_write_pcap(const struct cs_gen_cfg *cfg, const char *path,
		      struct cs_gen_result *res);
/* Sends and counts what the device did with every frame; fails before
 * sending (-ENOTSUP, printed) if that cannot be counted.
 */
int cs_gen_live(const struct cs_gen_cfg *cfg, int ifindex,
		struct cs_gen_result *res);

#endif
