// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* cpusteer stats: per target CPU rates and every outcome, live. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>

#include "attachment.h"
#include "commands.h"
#include "iface.h"
#include "log.h"
#include "pins.h"
#include "stats.h"

enum {
	OPT_INTERVAL = 'i',
	OPT_COUNT = 'n',
};

static const struct cs_option stats_opts[] = {
	{ "interval", required_argument, OPT_INTERVAL, "S",
	  "seconds between reports, 0.1-3600 (default 1)" },
	{ "count", required_argument, OPT_COUNT, "N",
	  "stop after N reports (default: until interrupted)" },
	{ "json", no_argument, CS_OPT_JSON, NULL,
	  "one JSON object per interface and report" },
	{ "help", no_argument, CS_OPT_HELP, NULL, "show this help" },
	{}
};

const struct cs_command cs_cmd_stats = {
	.name = "stats",
	.func = cmd_stats,
	.synopsis = "[IFACE] [--interval S] [--count N] [--json]",
	.summary = "Show per-CPU steering rates and every fallback and error reason.",
	.details =
"Per target CPU: frames redirected to it by stage 1 (on the RX CPUs), frames\n"
"stage 2 ran for on it, and frames dropped because its ring was full. Then\n"
"every counted reason. Rates are per second over the interval; totals are\n"
"since attach. A broken attachment is reported and the others are shown;\n"
"an attachment that is detached while watched is reported and no longer\n"
"shown, and stats ends when none is left. Either makes the exit status 1.\n",
	.opts = stats_opts,
};

struct watched {
	struct cs_attachment a;
	struct cs_snapshot prev, cur;
	bool gone;		/* detached (or re-attached) since */
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double rate(__u64 cur, __u64 prev, double dt)
{
	return dt > 0 ? (double)(cur - prev) / dt : 0;
}

/* A target CPU is shown if it is in the table or saw any traffic. */
static bool cpu_shown(const struct watched *w, __u32 cpu)
{
	return cs_cpuset_has(&w->a.cpus, cpu) ||
	       w->cur.redirected[cpu] || w->cur.stage2[cpu] ||
	       w->cur.sum.enqueue_drops[cpu];
}

static struct json_object *counter(__u64 cur, __u64 prev, double dt)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "total", json_object_new_uint64(cur));
	json_object_object_add(o, "pps",
			       json_object_new_double(rate(cur, prev, dt)));
	return o;
}

static void report_json(const struct watched *w, double dt)
{
	const struct cs_snapshot *c = &w->cur, *p = &w->prev;
	struct json_object *o = json_object_new_object();
	struct json_object *targets = json_object_new_array();
	struct json_object *reasons = json_object_new_object();
	struct json_object *encaps = json_object_new_object();
	struct json_object *hw;
	__u32 cpu, r;

	for (cpu = 0; cpu < CS_MAX_CPUS; cpu++) {
		struct json_object *t, *s2;

		if (!cpu_shown(w, cpu))
			continue;
		t = json_object_new_object();
		json_object_object_add(t, "cpu", json_object_new_int(cpu));
		json_object_object_add(t, "redirected",
			counter(c->redirected[cpu],
				p->redirected[cpu], dt));
		json_object_object_add(t, "stage2",
			counter(c->stage2[cpu], p->stage2[cpu], dt));
		s2 = json_object_new_object();
		for (r = 0; r < CS_S2_OUTCOMES; r++)
			json_object_object_add(s2,
				cs_reasons[cs_s2_outcomes[r]].name,
				counter(c->s2[cpu][r], p->s2[cpu][r], dt));
		json_object_object_add(t, "stage2_outcomes", s2);
		json_object_object_add(t, "enqueue_drops",
			counter(c->sum.enqueue_drops[cpu],
				p->sum.enqueue_drops[cpu], dt));
		json_object_array_add(targets, t);
	}
	for (r = 0; r < CS_REASON_MAX; r++)
		json_object_object_add(reasons, cs_reasons[r].name,
			counter(c->sum.reason[r], p->sum.reason[r], dt));
	for (r = 0; r < CS_ENCAP_MAX; r++)
		json_object_object_add(encaps, cs_encap_names[r],
			counter(c->sum.encap[r], p->sum.encap[r], dt));
	json_object_object_add(o, "encapsulations", encaps);
	hw = json_object_new_object();
	json_object_object_add(hw, "nic", counter(c->sum.reason[CS_REASON_HW_HASH],
						  p->sum.reason[CS_REASON_HW_HASH], dt));
	json_object_object_add(hw, "fallback", counter(c->sum.reason[CS_REASON_HW_NO_HASH],
						       p->sum.reason[CS_REASON_HW_NO_HASH], dt));
	json_object_object_add(o, "hw_hash", hw);
	json_object_object_add(o, "ifname",
			       json_object_new_string(w->a.ifname));
	json_object_object_add(o, "interval", json_object_new_double(dt));
	json_object_object_add(o, "targets", targets);
	json_object_object_add(o, "reasons", reasons);
	printf("%s\n", json_object_to_json_string_ext(o,
						      JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static void report_text(const struct watched *w, double dt)
{
	const struct cs_snapshot *c = &w->cur, *p = &w->prev;
	__u32 cpu, r;

	printf("%s (%.2f s)\n  %-5s %14s %14s %14s %16s\n", w->a.ifname, dt,
	       "CPU", "redirected/s", "stage2/s", "ring-drops/s",
	       "redirected");
	for (cpu = 0; cpu < CS_MAX_CPUS; cpu++) {
		if (!cpu_shown(w, cpu))
			continue;
		printf("  %-5u %14.0f %14.0f %14.0f %16llu\n", cpu,
		       rate(c->redirected[cpu], p->redirected[cpu], dt),
		       rate(c->stage2[cpu], p->stage2[cpu], dt),
		       rate(c->sum.enqueue_drops[cpu],
			    p->sum.enqueue_drops[cpu], dt),
		       (unsigned long long)c->redirected[cpu]);
	}
	for (r = 0; r < CS_REASON_MAX; r++) {
		if (!c->sum.reason[r])
			continue;
		printf("  %-16s %12.0f/s %16llu total  (%s)\n",
		       cs_reasons[r].name,
		       rate(c->sum.reason[r], p->sum.reason[r], dt),
		       (unsigned long long)c->sum.reason[r],
		       cs_reasons[r].help);
	}
	for (r = 0; r < CS_ENCAP_MAX; r++)
		if (c->sum.encap[r])
			printf("  %-16s %12.0f/s %16llu total  (encapsulation entered)\n",
			       cs_encap_names[r],
			       rate(c->sum.encap[r], p->sum.encap[r], dt),
			       (unsigned long long)c->sum.encap[r]);
}

static void sleep_for(double s)
{
	struct timespec ts = { .tv_sec = (time_t)s,
			       .tv_nsec = (long)((s - (time_t)s) * 1e9) };

	while (!stop && nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Said once, on stderr and as a JSON line: @w is not watched any more. */
static void report_lost(struct watched *w, const char *why)
{
	struct json_object *o;

	cs_err_text("%s", why);
	if (cs_json) {
		o = json_object_new_object();
		json_object_object_add(o, "ifname",
				       json_object_new_string(w->a.ifname));
		json_object_object_add(o, "error", json_object_new_string(why));
		printf("%s\n", json_object_to_json_string_ext(o,
				JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	}
	w->gone = true;
}

/* Read @w again; false once its attachment has gone. */
static bool watch_read(struct watched *w)
{
	const char *lost = cs_attachment_lost(&w->a);
	char why[512];

	if (lost) {
		snprintf(why, sizeof(why), "%s: %s; no longer shown",
			 w->a.ifname, lost);
		report_lost(w, why);
		return false;
	}
	cs_err_capture(why, sizeof(why));
	if (cs_snapshot_read(w->a.stats_fd, w->a.table_fd, w->a.nbuckets,
			     &w->cur)) {
		cs_err_release();
		report_lost(w, why);
		return false;
	}
	cs_err_release();
	return true;
}

static int stats_loop(struct watched *w, int n, double interval, __u32 count)
{
	__u32 done = 0;
	int i, live = 0;

	for (i = 0; i < n; i++)
		live += watch_read(&w[i]);
	while (live && !stop && (!count || done < count)) {
		sleep_for(interval);
		if (stop)
			break;
		for (i = 0; i < n; i++) {
			if (w[i].gone)
				continue;
			w[i].prev = w[i].cur;
			if (!watch_read(&w[i])) {
				live--;
				continue;
			}
			if (cs_json)
				report_json(&w[i], w[i].cur.time - w[i].prev.time);
			else
				report_text(&w[i], w[i].cur.time - w[i].prev.time);
		}
		fflush(stdout);
		done++;
	}
	for (i = 0; i < n; i++)
		if (w[i].gone)
			return -ENOENT;
	return 0;
}

/* Every attachment (or @only) opened; broken ones reported, skipped. */
static int stats_open(const char *only, struct watched *w, int *opened,
		      int *broken)
{
	static struct cs_pin_key keys[CS_MAX_ATTACHMENTS];
	struct cs_state st;
	int i, n, err;

	*opened = *broken = 0;
	err = cs_state_open(CS_STATE_READ, &st);
	if (err)
		return err;
	n = cs_attachment_select(&st, only, keys, CS_MAX_ATTACHMENTS, NULL);
	err = n < 0 ? n : 0;
	if (!n) {
		cs_err("cpusteer is not attached to any interface in this network namespace: nothing to show ('cpusteer attach --help')");
		err = -ENOENT;
	}
	for (i = 0; !err && i < n; i++) {
		if (!cs_attachment_open(&st, &keys[i], &w[*opened].a)) {
			(*opened)++;
			continue;
		}
		report_lost(&w[*opened], w[*opened].a.error);
		w[*opened].gone = false;
		(*broken)++;
	}
	cs_state_close(&st);	/* the fds stay good without the lock */
	return err;
}

static int stats_run(const char *only, double interval, __u32 count)
{
	struct watched *w;
	int i, opened, broken, err;

	w = calloc(only ? 1 : CS_MAX_ATTACHMENTS, sizeof(*w));
	if (!w)
		return -ENOMEM;
	err = stats_open(only, w, &opened, &broken);
	if (!err && opened) {
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
		err = stats_loop(w, opened, interval, count);
	}
	for (i = 0; i < opened; i++)
		cs_attachment_close(&w[i].a);
	free(w);
	return err ? err : broken ? -EIO : 0;
}

struct stats_opts {
	double interval;
	__u32 count;
};

static int stats_one(void *ctx, int c, const char *arg)
{
	struct stats_opts *o = ctx;

	switch (c) {
	case OPT_INTERVAL:
		return cs_parse_double("--interval", arg, 0.1, 3600,
				       &o->interval);
	case OPT_COUNT:
		return cs_parse_u32("--count", arg, 1, UINT32_MAX, &o->count);
	case CS_OPT_JSON:
		cs_json = true;
		return 0;
	}
	return -EINVAL;
}

int cmd_stats(int argc, char **argv)
{
	struct stats_opts o = { .interval = 1.0 };
	double interval;
	__u32 count;
	int err;

	err = cs_opts_parse(argc, argv, &cs_cmd_stats, stats_one, &o);
	if (err)
		return err > 0 ? CS_EXIT_OK : CS_EXIT_USAGE;
	interval = o.interval;
	count = o.count;
	if (argc - optind > 1) {
		cs_err("at most one interface: cpusteer stats [IFACE]");
		return CS_EXIT_USAGE;
	}
	if (optind < argc && cs_ifname_check("IFACE", argv[optind]))
		return CS_EXIT_USAGE;
	if (cs_require_root())
		return CS_EXIT_FAIL;
	err = stats_run(optind < argc ? argv[optind] : NULL, interval, count);
	return err == -ENODEV ? CS_EXIT_USAGE :
	       err ? CS_EXIT_FAIL : CS_EXIT_OK;
}
