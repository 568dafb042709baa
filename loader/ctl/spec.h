/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What an attachment should be: every option of "cpusteer attach",
 * declared once in cs_spec_opts[] (name, type, range, default, help, and
 * whether it is a config key). The command line, --help, the config file
 * and cpusteer.conf(5) all read that table, and cs_spec_check() is the one
 * validation both the command line and the config file go through.
 */
#ifndef CS_SPEC_H
#define CS_SPEC_H

#include <stdbool.h>
#include <linux/types.h>

#include "opts.h"
#include "plan.h"
#include "steer.h"

enum {
	CS_OPT_CPUS = 'c',
	CS_OPT_HASH = 256,
	CS_OPT_BUCKETS,
	CS_OPT_QSIZE,
	CS_OPT_STAGE2,
	CS_OPT_XDP_MODE,
	CS_OPT_FALLBACK,
	CS_OPT_FORCE,
	CS_OPT_AUTO,
	CS_OPT_DRY_RUN,
	CS_OPT_IGNORE_IRQBALANCE,
	CS_OPT_META,
	CS_OPT_STAGE2_OBJ,
	CS_OPT_STAGE2_PROG,
	CS_OPT_REDIRECT_DEV,
	CS_OPT_REDIRECT_DST_MAC,
	CS_OPT_REDIRECT_SRC_MAC,
	CS_OPT_FILTER,
};

/* Drop rules a spec can give stage 2 "filter" (more: cpusteer filter). */
#define CS_SPEC_FILTER_MAX	256

/* cpumap bulks 8 frames per enqueue (CPU_MAP_BULK_SIZE): a smaller ring
 * could not take one bulk.
 */
#define CS_MIN_QSIZE	8

enum cs_xdp_mode { CS_XDP_NATIVE, CS_XDP_SKB, CS_XDP_MODE_MAX };
extern const char *const cs_xdp_mode_names[CS_XDP_MODE_MAX];

/* attach's options, terminated by a zero entry. */
extern const struct cs_option cs_spec_opts[];
#define CS_SPEC_MAX_OPTS	32

struct cs_spec {
	struct cs_steer_cfg cfg;	/* targets, hash, table, rings, ... */
	__u32 xdp_mode;			/* enum cs_xdp_mode */
	bool automatic;			/* --auto, cpus = auto */
	bool have_cpus;			/* a CPU list was given */
	bool force, dry_run, ignore_irqbalance;
	struct cs_plan_opts plan;
	/* Where each option was set: cs_spec_opts index -> FILE:LINE (a
	 * config file; NULL file: the command line or the default).
	 */
	const char *file[CS_SPEC_MAX_OPTS];
	unsigned int line[CS_SPEC_MAX_OPTS];
	__u32 given;			/* bit i: cs_spec_opts[i] was set */
	/* --filter / filter =: the rules stage 2 "filter" is to hold */
	struct cs_filter_rule filter[CS_SPEC_FILTER_MAX];
	__u32 nfilter;
	bool from_config;		/* name options as config keys */
};

void cs_spec_init(struct cs_spec *s);
/*
 * Set option @o from text @val (NULL for a flag on the command line),
 * checked exactly as the command line checks it. @what names the option
 * in errors: "--qsize" on the command line, "qsize" in a config file. In a
 * config file a value replaces an earlier one (@replace): a repeatable
 * option takes a comma-separated list there.
 */
int cs_spec_set(struct cs_spec *s, const struct cs_option *o,
		const char *val, const char *what, bool replace);
/* Was the option of @key (CS_OPT_*) set? Mark it set. */
bool cs_spec_given(const struct cs_spec *s, int key);
void cs_spec_mark(struct cs_spec *s, int key);
/* The index of @o in cs_spec_opts. */
int cs_spec_index(const struct cs_option *o);
/*
 * What the options mean together, for IFACE @ifname: every error found is
 * printed (at the FILE:LINE of the option it concerns, for a config) and
 * counted; 0 when there is none. Checks that CPUs are online; not that
 * the interface exists.
 */
int cs_spec_check(struct cs_spec *s, const char *ifname);
/*
 * Where cs_spec_check() reports an error about option @key of @s: its
 * FILE:LINE when it came from a config file. Pass to cs_spec_report().
 */
void cs_spec_report(const struct cs_spec *s, int key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
