// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpus.h"
#include "filter.h"
#include "kfeatures.h"
#include "iface.h"
#include "log.h"
#include "spec.h"

const char *const cs_xdp_mode_names[CS_XDP_MODE_MAX] = { "native", "skb" };

#define STR_(x)	#x
#define STR(x)	STR_(x)

const struct cs_option cs_spec_opts[] = {
	{ "cpus", required_argument, CS_OPT_CPUS, "LIST",
	  "target CPUs, e.g. 0-3,8,10-11, or auto (required, or --auto)",
	  .type = CS_OT_CPUS, .flags = CS_OF_CONFIG },
	{ "hash", required_argument, CS_OPT_HASH, "MODE",
	  "l4, l3, l4-sym, l3-sym or hw (the NIC's RSS hash)",
	  .type = CS_OT_ENUM, .flags = CS_OF_CONFIG,
	  .names = cs_hash_mode_names, .nnames = CS_HASH_MODE_MAX,
	  .def = "l4-sym" },
	{ "buckets", required_argument, CS_OPT_BUCKETS, "N",
	  "indirection table size, a power of two up to " STR(CS_MAX_BUCKETS),
	  .type = CS_OT_POW2, .flags = CS_OF_CONFIG, .min = 1,
	  .max = CS_MAX_BUCKETS, .def = STR(CS_DEFAULT_BUCKETS) },
	{ "qsize", required_argument, CS_OPT_QSIZE, "N",
	  "cpumap ring size per target, " STR(CS_MIN_QSIZE) "-" STR(CS_MAX_QSIZE),
	  .type = CS_OT_U32, .flags = CS_OF_CONFIG, .min = CS_MIN_QSIZE,
	  .max = CS_MAX_QSIZE, .def = STR(CS_DEFAULT_QSIZE) },
	{ "stage2", required_argument, CS_OPT_STAGE2, "PROG",
	  "program on the target CPU: pass, drop, filter (see 'cpusteer filter'), custom (with --stage2-obj), redirect (with --redirect-dev) or none",
	  .type = CS_OT_ENUM, .flags = CS_OF_CONFIG,
	  .names = cs_stage2_names, .nnames = CS_STAGE2_MAX, .def = "pass" },
	{ "stage2-obj", required_argument, CS_OPT_STAGE2_OBJ, "FILE",
	  "stage 2 is your SEC(\"xdp/cpumap\") program from this BPF object file",
	  .type = CS_OT_PATH, .flags = CS_OF_CONFIG },
	{ "stage2-prog", required_argument, CS_OPT_STAGE2_PROG, "NAME",
	  "with --stage2-obj: which of its programs (needed when it holds several)",
	  .type = CS_OT_PATH, .flags = CS_OF_CONFIG },
	{ "redirect-dev", required_argument, CS_OPT_REDIRECT_DEV, "IFACE",
	  "stage 2 sends every frame out of IFACE (a bump in the wire)",
	  .type = CS_OT_PATH, .flags = CS_OF_CONFIG },
	{ "redirect-dst-mac", required_argument, CS_OPT_REDIRECT_DST_MAC, "MAC",
	  "with --redirect-dev: write this destination MAC first",
	  .type = CS_OT_PATH, .flags = CS_OF_CONFIG },
	{ "redirect-src-mac", required_argument, CS_OPT_REDIRECT_SRC_MAC, "MAC",
	  "with --redirect-dev: write this source MAC first",
	  .type = CS_OT_PATH, .flags = CS_OF_CONFIG },
	{ "filter", required_argument, CS_OPT_FILTER, "RULE",
	  "stage 2 filter holds these rules, e.g. \"src 10.0.0.0/8 dport 80\" (repeat, or a comma-separated list; none: no rule)",
	  .type = CS_OT_PATH, .flags = CS_OF_CONFIG },
	{ "meta", no_argument, CS_OPT_META, NULL,
	  "stage 1 writes what it found in front of each frame (cs_meta.h; always with --stage2 filter or custom)",
	  .type = CS_OT_FLAG, .flags = CS_OF_CONFIG },
	{ "xdp-mode", required_argument, CS_OPT_XDP_MODE, "MODE",
	  "native or skb",
	  .type = CS_OT_ENUM, .flags = CS_OF_CONFIG,
	  .names = cs_xdp_mode_names, .nnames = CS_XDP_MODE_MAX,
	  .def = "native" },
	{ "fallback", required_argument, CS_OPT_FALLBACK, "WHERE",
	  "unparsable frames: pass (on the RX CPU), drop, or cpu:N",
	  .type = CS_OT_FALLBACK, .flags = CS_OF_CONFIG, .def = "pass" },
	{ "force", no_argument, CS_OPT_FORCE, NULL,
	  "replace an XDP program cpusteer did not attach",
	  .type = CS_OT_FLAG, .flags = CS_OF_CONFIG },
	{ "auto", no_argument, CS_OPT_AUTO, NULL,
	  "plan from the topology (see 'cpusteer plan'): targets, qsize, IRQ pinning",
	  .type = CS_OT_FLAG },
	{ "dry-run", no_argument, CS_OPT_DRY_RUN, NULL,
	  "with --auto: print what would change, change nothing",
	  .type = CS_OT_FLAG },
	{ "ignore-irqbalance", no_argument, CS_OPT_IGNORE_IRQBALANCE, NULL,
	  "with --auto: pin IRQs although irqbalance runs",
	  .type = CS_OT_FLAG, .flags = CS_OF_CONFIG },
	CS_TUNNEL_OPTIONS,
	CS_PLAN_OPTIONS,
	{ "help", no_argument, CS_OPT_HELP, NULL, "show this help" },
	{}
};

_Static_assert(sizeof(cs_spec_opts) / sizeof(cs_spec_opts[0]) <=
	       CS_SPEC_MAX_OPTS, "one bit of cs_spec.given per option");

void cs_spec_init(struct cs_spec *s)
{
	memset(s, 0, sizeof(*s));
	cs_steer_cfg_init(&s->cfg);
	cs_plan_opts_init(&s->plan);
	s->cfg.tracing = true;
	s->xdp_mode = CS_XDP_NATIVE;
}

int cs_spec_index(const struct cs_option *o)
{
	return o - cs_spec_opts;
}

static int parse_fallback(const char *what, const char *s, __u32 *cpu)
{
	char cpu_what[64];

	if (!strcmp(s, "pass")) {
		*cpu = CS_FALLBACK_PASS;
		return 0;
	}
	if (!strcmp(s, "drop")) {
		*cpu = CS_FALLBACK_DROP;
		return 0;
	}
	if (strncmp(s, "cpu:", 4)) {
		cs_err("%s '%s': give 'pass', 'drop' or 'cpu:N'", what, s);
		return -EINVAL;
	}
	snprintf(cpu_what, sizeof(cpu_what), "%s CPU", what);
	return cs_parse_u32(cpu_what, s + 4, 0, CS_MAX_CPUS - 1, cpu);
}

/* A flag's value lands in the spec, set or cleared (a config says no). */
static void set_flag(struct cs_spec *s, int key, bool on)
{
	__u32 bit = key == CS_OPT_TUNNEL_ID ? CS_TUN_ID :
		    key == CS_OPT_MPLS_ETH ? CS_TUN_MPLS_ETH : 0;

	if (bit) {
		s->cfg.params.tunnel = on ? s->cfg.params.tunnel | bit :
					    s->cfg.params.tunnel & ~bit;
		return;
	}
	switch (key) {
	case CS_OPT_FORCE:
		s->force = on;
		break;
	case CS_OPT_AUTO:
		s->automatic = on;
		break;
	case CS_OPT_DRY_RUN:
		s->dry_run = on;
		break;
	case CS_OPT_META:
		s->cfg.params.meta = on;
		break;
	case CS_OPT_IGNORE_IRQBALANCE:
		s->ignore_irqbalance = on;
		break;
	case CS_OPT_ALLOW_SMT:
		s->plan.allow_smt = on;
		break;
	case CS_OPT_SPILL:
		s->plan.spill = on;
		break;
	}
}

/* A config's "vxlan-port = 8472, 4790": the list replaces the earlier one. */
static int set_ports(struct cs_spec *s, const char *val, const char *what,
		     bool replace)
{
	char buf[256], *tok, *save;

	if (!replace)
		return cs_parse_tunnel_opt(CS_OPT_VXLAN_PORT, val, what,
					   &s->cfg);
	memset(s->cfg.params.vxlan_ports, 0, sizeof(s->cfg.params.vxlan_ports));
	s->cfg.params.tunnel &= ~CS_TUN_EXTRA_PORTS;
	if (snprintf(buf, sizeof(buf), "%s", val) >= (int)sizeof(buf)) {
		cs_err("%s: the list is too long (at most %d ports)", what,
		       CS_VXLAN_PORTS_MAX);
		return -EINVAL;
	}
	for (tok = strtok_r(buf, ", \t", &save); tok;
	     tok = strtok_r(NULL, ", \t", &save))
		if (cs_parse_tunnel_opt(CS_OPT_VXLAN_PORT, tok, what, &s->cfg))
			return -EINVAL;
	return 0;
}

/* Rules, comma-separated, each in cpusteer filter's words; "none": none. */
static int set_filter(struct cs_spec *s, const char *val, const char *what,
		      bool replace)
{
	char *buf, *rule, *w, *save = NULL, *save2, *words[10];
	struct cs_filter_rule *r;
	int n, err = 0;
	size_t len;

	if (!strcmp(val, "none")) {
		if (!replace && s->nfilter) {
			cs_err("%s none after other rules: give none alone", what);
			return -EINVAL;
		}
		s->nfilter = 0;
		return 0;
	}
	if (replace)
		s->nfilter = 0;
	buf = strdup(val);
	if (!buf)
		return -ENOMEM;
	/* strsep, not strtok: an empty rule between commas is an error. */
	for (rule = buf; rule && !err; ) {
		w = strsep(&rule, ",");
		for (n = 0, save = strtok_r(w, " \t", &save2); save;
		     save = strtok_r(NULL, " \t", &save2)) {
			if (n == 10) {
				cs_err("%s: a rule has at most 10 words (5 fields); separate rules with commas",
				       what);
				err = -EINVAL;
				break;
			}
			words[n++] = save;
		}
		if (err)
			break;
		if (!n) {
			len = strlen(val);
			cs_err("%s: an empty rule%s; 'none' gives no rule",
			       what, len && strchr(val, ',') ?
			       " between commas" : "");
			err = -EINVAL;
			break;
		}
		if (s->nfilter == CS_SPEC_FILTER_MAX) {
			cs_err("%s: more than %d rules: add the others with 'cpusteer filter add'",
			       what, CS_SPEC_FILTER_MAX);
			err = -E2BIG;
			break;
		}
		r = &s->filter[s->nfilter];
		if (cs_filter_parse(n, words, r)) {
			err = -EINVAL;
			break;
		}
		s->nfilter++;
	}
	free(buf);
	return err;
}

static int set_cpus(struct cs_spec *s, const char *val, const char *what,
		    bool replace)
{
	if (!strcmp(val, "auto")) {
		s->automatic = true;
		s->have_cpus = false;
		return 0;
	}
	if (cs_cpulist_parse(what, val, &s->cfg.cpus))
		return -EINVAL;
	s->have_cpus = true;
	if (replace)		/* a config's list replaces "auto" */
		s->automatic = false;
	return 0;
}

int cs_spec_set(struct cs_spec *s, const struct cs_option *o,
		const char *val, const char *what, bool replace)
{
	int i = cs_spec_index(o), err;
	__u32 v;

	switch (o->type) {
	case CS_OT_FLAG:
		err = cs_opt_value(o, what, val, &v);
		if (!err)
			set_flag(s, o->key, v);
		break;
	case CS_OT_U32:
	case CS_OT_POW2:
	case CS_OT_ENUM:
		err = cs_opt_value(o, what, val, &v);
		if (err)
			break;
		switch (o->key) {
		case CS_OPT_HASH:
			s->cfg.params.hash_mode = v;
			break;
		case CS_OPT_BUCKETS:
			cs_steer_set_buckets(&s->cfg, v);
			break;
		case CS_OPT_QSIZE:
			s->cfg.qsize = v;
			break;
		case CS_OPT_STAGE2:
			s->cfg.stage2 = v;
			break;
		case CS_OPT_XDP_MODE:
			s->xdp_mode = v;
			break;
		case CS_OPT_BUDGET:
			s->plan.budget_us = v;
			break;
		case CS_OPT_TUNNEL:
			err = cs_parse_tunnel_opt(o->key, val, what, &s->cfg);
			break;
		}
		break;
	case CS_OT_CPUS:
		err = set_cpus(s, val, what, replace);
		break;
	case CS_OT_FALLBACK:
		err = parse_fallback(what, val, &s->cfg.params.fallback_cpu);
		break;
	case CS_OT_PORT:
		err = set_ports(s, val, what, replace);
		break;
	case CS_OT_PATH:
		if (!*val) {
			cs_err("%s: give a %s", what,
			       o->key == CS_OPT_STAGE2_PROG ? "program name" :
							      "path");
			return -EINVAL;
		}
		if (o->key == CS_OPT_FILTER) {
			err = set_filter(s, val, what, replace);
			break;
		}
		if (o->key == CS_OPT_REDIRECT_DEV) {
			if (cs_ifname_check(what, val))
				return -EINVAL;
			strcpy(s->cfg.out_ifname, val);	/* checked: fits */
			err = 0;
			break;
		}
		if (o->key == CS_OPT_REDIRECT_DST_MAC ||
		    o->key == CS_OPT_REDIRECT_SRC_MAC) {
			bool dst = o->key == CS_OPT_REDIRECT_DST_MAC;

			err = cs_parse_mac(what, val, dst ? s->cfg.out.dst :
							    s->cfg.out.src);
			if (!err)
				s->cfg.out.flags |= dst ? CS_OUT_DST :
							  CS_OUT_SRC;
			break;
		}
		if (o->key == CS_OPT_STAGE2_OBJ && s->from_config &&
		    val[0] != '/') {
			cs_err("%s = %s: give an absolute path (the service starts in /)",
			       what, val);
			return -EINVAL;
		}
		if (o->key == CS_OPT_STAGE2_OBJ || o->key == CS_OPT_STAGE2_PROG) {
			char *dst = o->key == CS_OPT_STAGE2_OBJ ?
				    s->cfg.stage2_obj : s->cfg.stage2_prog;
			size_t cap = o->key == CS_OPT_STAGE2_OBJ ?
				     sizeof(s->cfg.stage2_obj) :
				     sizeof(s->cfg.stage2_prog);

			if (strlen(val) >= cap) {
				cs_err("%s: longer than %zu characters", what,
				       cap - 1);
				return -EINVAL;
			}
			strcpy(dst, val);
			err = 0;
			break;
		}
		err = cs_plan_parse_opt(o->key, val, what, &s->plan);
		break;
	default:
		cs_err("%s: not an attach option (a bug)", what);
		return -EINVAL;
	}
	if (!err)
		s->given |= 1U << i;
	return err;
}

static const struct cs_option *opt_of(int key)
{
	const struct cs_option *o;

	for (o = cs_spec_opts; o->name && o->key != key; o++)
		;
	return o->name ? o : NULL;
}

/* Errors about @key go to where it was set. */
static void where(const struct cs_spec *s, int key)
{
	const struct cs_option *o = opt_of(key);

	if (o)
		cs_err_where(s->file[cs_spec_index(o)],
			     s->line[cs_spec_index(o)]);
}

/* "--cpus" on the command line, "cpus" in a config file. */
static const char *opt_name(const struct cs_spec *s, int key, char *buf,
			    size_t len)
{
	const struct cs_option *o = opt_of(key);

	if (!o)
		return "?";
	snprintf(buf, len, "%s%s", s->from_config ? "" : "--", o->name);
	return buf;
}

void cs_spec_report(const struct cs_spec *s, int key, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	where(s, key);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cs_err("%s", msg);
	cs_err_where(NULL, 0);
}

void cs_spec_mark(struct cs_spec *s, int key)
{
	const struct cs_option *o = opt_of(key);

	if (o)
		s->given |= 1U << cs_spec_index(o);
}

bool cs_spec_given(const struct cs_spec *s, int key)
{
	const struct cs_option *o = opt_of(key);

	return o && s->given & (1U << cs_spec_index(o));
}

/* The options that mean something only with a plan. */
static const int auto_only[] = {
	CS_OPT_DRY_RUN, CS_OPT_IGNORE_IRQBALANCE, CS_OPT_TOPOLOGY,
	CS_OPT_SYSROOT, CS_OPT_ALLOW_SMT, CS_OPT_SPILL, CS_OPT_BUDGET,
};

int cs_spec_check(struct cs_spec *s, const char *ifname)
{
	struct cs_cpuset fb = { .n = 1 };
	char why[512], n1[32], n2[32];
	size_t i;
	int errors = 0;

	for (i = 0; !s->automatic && i < sizeof(auto_only) / sizeof(auto_only[0]); i++) {
		if (!cs_spec_given(s, auto_only[i]))
			continue;
		cs_spec_report(s, auto_only[i],
			       "%s: %s goes with a planned attachment (--auto, or cpus = auto)",
			       ifname, opt_name(s, auto_only[i], n1, sizeof(n1)));
		errors++;
	}
	if (!s->have_cpus && !s->automatic) {
		cs_spec_report(s, CS_OPT_CPUS,
			       "%s: %s is required: name the target CPUs, e.g. --cpus 0-3 (or plan them with --auto, or cpus = auto)",
			       ifname, opt_name(s, CS_OPT_CPUS, n1, sizeof(n1)));

		errors++;
	}
	if (s->automatic && s->have_cpus) {
		s->plan.have_cpus = true;
		s->plan.cpus = s->cfg.cpus;
	}
	if (s->have_cpus) {
		cs_err_capture(why, sizeof(why));
		if (cs_cpus_check_online(opt_name(s, CS_OPT_CPUS, n1, sizeof(n1)),
					 &s->cfg.cpus)) {
			cs_err_release();
			cs_spec_report(s, CS_OPT_CPUS, "%s: %s", ifname, why);
			errors++;
		}
		cs_err_release();
	}
	if (!s->automatic && s->have_cpus && s->cfg.nbuckets < s->cfg.cpus.n) {
		cs_spec_report(s, CS_OPT_BUCKETS,
			       "%s: %s %u is fewer than the %u target CPUs: some would get no traffic",
			       ifname, opt_name(s, CS_OPT_BUCKETS, n1, sizeof(n1)),
			       s->cfg.nbuckets, s->cfg.cpus.n);
		errors++;
	}
	fb.cpu[0] = s->cfg.params.fallback_cpu;
	if (CS_FALLBACK_IS_CPU(fb.cpu[0])) {
		cs_err_capture(why, sizeof(why));
		if (cs_cpus_check_online(opt_name(s, CS_OPT_FALLBACK, n1, sizeof(n1)),
					 &fb)) {
			cs_err_release();
			cs_spec_report(s, CS_OPT_FALLBACK, "%s: %s", ifname,
				       why);
			errors++;
		}
		cs_err_release();
	}
	if (cs_spec_given(s, CS_OPT_FILTER)) {
		/* The whole set checked as the filter would take it, so a
		 * change never stops half-way.
		 */
		cs_err_capture(why, sizeof(why));
		if (cs_filter_check(s->filter, s->nfilter)) {
			cs_err_release();
			cs_spec_report(s, CS_OPT_FILTER, "%s: %s %s", ifname,
				       opt_name(s, CS_OPT_FILTER, n1, sizeof(n1)),
				       why);
			errors++;
		}
		cs_err_release();
		if (cs_spec_given(s, CS_OPT_STAGE2) &&
		    s->cfg.stage2 != CS_STAGE2_FILTER) {
			cs_spec_report(s, CS_OPT_STAGE2,
				       "%s: %s %s and %s: rules are for stage 2 filter; give one of them",
				       ifname, opt_name(s, CS_OPT_STAGE2, n1, sizeof(n1)),
				       cs_stage2_names[s->cfg.stage2],
				       opt_name(s, CS_OPT_FILTER, n2, sizeof(n2)));
			errors++;
		}
		s->cfg.stage2 = CS_STAGE2_FILTER;
	}
	if (s->cfg.stage2_obj[0]) {
		if (cs_spec_given(s, CS_OPT_STAGE2) &&
		    s->cfg.stage2 != CS_STAGE2_CUSTOM) {
			cs_spec_report(s, CS_OPT_STAGE2,
				       "%s: %s %s and %s: a custom stage 2 replaces the %s program; give one of them",
				       ifname, opt_name(s, CS_OPT_STAGE2, n1, sizeof(n1)),
				       cs_stage2_names[s->cfg.stage2],
				       opt_name(s, CS_OPT_STAGE2_OBJ, n2, sizeof(n2)),
				       cs_stage2_names[s->cfg.stage2]);
			errors++;
		}
		s->cfg.stage2 = CS_STAGE2_CUSTOM;
	} else if (s->cfg.stage2 == CS_STAGE2_CUSTOM) {
		cs_spec_report(s, CS_OPT_STAGE2,
			       "%s: %s custom needs %s FILE, the BPF object file of your program",
			       ifname, opt_name(s, CS_OPT_STAGE2, n1, sizeof(n1)),
			       opt_name(s, CS_OPT_STAGE2_OBJ, n2, sizeof(n2)));
		errors++;
	}
	if (s->cfg.out_ifname[0]) {
		if (cs_spec_given(s, CS_OPT_STAGE2) &&
		    s->cfg.stage2 != CS_STAGE2_REDIRECT) {
			cs_spec_report(s, CS_OPT_STAGE2,
				       "%s: %s %s and %s: stage 2 either sends frames out or runs %s; give one of them",
				       ifname, opt_name(s, CS_OPT_STAGE2, n1, sizeof(n1)),
				       cs_stage2_names[s->cfg.stage2],
				       opt_name(s, CS_OPT_REDIRECT_DEV, n2, sizeof(n2)),
				       cs_stage2_names[s->cfg.stage2]);
			errors++;
		}
		s->cfg.stage2 = CS_STAGE2_REDIRECT;
	} else if (s->cfg.stage2 == CS_STAGE2_REDIRECT ||
		   s->cfg.out.flags) {
		cs_spec_report(s, s->cfg.out.flags ? CS_OPT_REDIRECT_DST_MAC :
						     CS_OPT_STAGE2,
			       "%s: %s needs %s IFACE, the interface to send the frames out of",
			       ifname, s->cfg.out.flags ? "a MAC rewrite" :
			       "stage 2 redirect",
			       opt_name(s, CS_OPT_REDIRECT_DEV, n1, sizeof(n1)));
		errors++;
	}
	if (s->cfg.stage2_prog[0] && !s->cfg.stage2_obj[0]) {
		cs_spec_report(s, CS_OPT_STAGE2_PROG,
			       "%s: %s names a program of %s FILE: give that too",
			       ifname, opt_name(s, CS_OPT_STAGE2_PROG, n1, sizeof(n1)),
			       opt_name(s, CS_OPT_STAGE2_OBJ, n2, sizeof(n2)));
		errors++;
	}
	if (s->cfg.stage2 == CS_STAGE2_FILTER ||
	    s->cfg.stage2 == CS_STAGE2_CUSTOM) {
		if (cs_spec_given(s, CS_OPT_META) && !s->cfg.params.meta) {
			cs_spec_report(s, CS_OPT_META,
				       "%s: %s %s needs the metadata: drop \"%s = no\"",
				       ifname, opt_name(s, CS_OPT_STAGE2, n1, sizeof(n1)),
				       cs_stage2_names[s->cfg.stage2], "meta");
			errors++;
		}
		s->cfg.params.meta = 1;	/* stage 2 reads it */
	}
	if (s->cfg.params.hash_mode & CS_HASH_F_HW) {
		if (s->xdp_mode == CS_XDP_SKB) {
			cs_spec_report(s, CS_OPT_HASH,
				       "%s: %s hw needs %s native: the NIC's hash reaches only native XDP programs (use a software hash mode with xdp-mode skb)",
				       ifname, opt_name(s, CS_OPT_HASH, n1, sizeof(n1)),
				       opt_name(s, CS_OPT_XDP_MODE, n2, sizeof(n2)));
			errors++;
		} else {
			where(s, CS_OPT_HASH);
			if (cs_features_require(CS_NEED_HW, "--hash hw",
						"use a software --hash mode such as l4-sym"))
				errors++;
			cs_err_where(NULL, 0);
		}
	}
	return errors;
}
