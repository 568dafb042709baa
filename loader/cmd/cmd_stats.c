// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cpusteer stats: where every frame went and why, per RX CPU, per target
 * CPU and per bucket, as text, JSON or Prometheus metrics.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <json-c/json.h>

#include "commands.h"
#include "figures.h"
#include "iface.h"
#include "log.h"
#include "pins.h"
#include "prom.h"
#include "watch.h"

enum {
	OPT_INTERVAL = 'i',
	OPT_COUNT = 'n',
	OPT_TOP = 't',
	OPT_PROMETHEUS = 500,
	OPT_TEXTFILE,
};

/* Heaviest buckets shown unless --top says otherwise. */
#define TOP_DEFAULT	5

static const struct cs_option stats_opts[] = {
	{ "interval", required_argument, OPT_INTERVAL, "S",
	  "seconds between reports, 0.1-3600 (default 1)" },
	{ "count", required_argument, OPT_COUNT, "N",
	  "stop after N reports (default: until interrupted)" },
	{ "top", required_argument, OPT_TOP, "N",
	  "heaviest buckets shown, 0-64 (default 5)" },
	{ "json", no_argument, CS_OPT_JSON, NULL,
	  "one JSON object per interface and report" },
	{ "prometheus", no_argument, OPT_PROMETHEUS, NULL,
	  "Prometheus text format on stdout, once, after one interval" },
	{ "textfile", required_argument, OPT_TEXTFILE, "DIR",
	  "Prometheus format into DIR/cpusteer.prom (or cpusteer-IFACE.prom), rewritten every interval, for node_exporter's textfile collector" },
	{ "help", no_argument, CS_OPT_HELP, NULL, "show this help" },
	{}
};

const struct cs_command cs_cmd_stats = {
	.name = "stats",
	.func = cmd_stats,
	.synopsis = "[IFACE] [--interval S] [--count N] [--top N] [--json | --prometheus | --textfile DIR]",
	.summary = "Show where every frame went and why: per RX CPU, per target CPU, per bucket.",
	.details =
"Per target CPU: frames hashed to it, frames offered to its cpumap ring and\n"
"dropped there (ring full), the average bulk per enqueue (the kernel bulks up\n"
"to 8), its cpumap thread's frames, drops and sleeps, and stage 2's verdicts.\n"
"Per RX CPU: frames stage 1 saw, hashed, each fallback reason, failed\n"
"redirects by errno, XDP exceptions. The heaviest buckets and their share;\n"
"the imbalance (max/mean load over the targets, the busiest one's share);\n"
"and hints: one line each when a figure says what to change. Rates are per\n"
"second over the interval, totals since attach; counters that start again\n"
"(an update with a new table, a re-attach) count from zero in that interval.\n"
"A re-attached interface is followed; one that is detached is reported and\n"
"no longer shown, and stats ends when none is left (exit status 1).\n"
"--json field names are stable (cpusteer(8) lists them).\n",
	.opts = stats_opts,
};

enum out_fmt { OUT_TEXT, OUT_JSON, OUT_PROM, OUT_TEXTFILE };

struct stats_opts {
	double interval;
	__u32 count;
	__u32 top;
	enum out_fmt fmt;
	const char *textfile;
	char prom_name[96];	/* the textfile's name in it */
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static struct json_object *total_rate(__u64 total, double rate)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "total", json_object_new_uint64(total));
	json_object_object_add(o, "pps", json_object_new_double(rate));
	return o;
}

static struct json_object *counter(const struct cs_view *v, __u64 cur,
				   __u64 prev, bool table)
{
	return total_rate(cur, cs_view_rate(v, cur, prev, table));
}

#define PREV(v, c, field) ((v)->prev ? (v)->prev->cpu[c].field : 0)
#define CPU_COUNTER(v, c, field, table)					\
	counter(v, (v)->cur->cpu[c].field, PREV(v, c, field), table)
#define SUM_COUNTER(v, field)						\
	counter(v, (v)->cur->sum->field,				\
		(v)->prev ? (v)->prev->sum->field : 0, false)
#define SUM_REASON(v, r)						\
	total_rate((v)->cur->sum->reason[r], cs_view_reason_rate(v, -1, r))

static bool target_shown(const struct cs_view *v, __u32 cpu)
{
	const struct cs_cpu_fig *c = &v->cur->cpu[cpu];

	return cs_cpuset_has(&v->targets, cpu) || c->redirected ||
	       c->stage2 || c->enq_frames || c->kt_frames;
}

static struct json_object *json_target(const struct cs_view *v, __u32 cpu)
{
	struct json_object *t = json_object_new_object();
	struct json_object *s2 = json_object_new_object();
	struct json_object *kt = json_object_new_object();
	struct json_object *vd = json_object_new_object();
	double bulk = cs_view_bulk_avg(v, cpu);
	__u32 r;

	json_object_object_add(t, "cpu", json_object_new_int(cpu));
	json_object_object_add(t, "redirected", total_rate(v->cur->cpu[cpu].redirected,
							   v->load[cpu]));
	json_object_object_add(t, "share", json_object_new_double(
		v->total > 0 ? v->load[cpu] / v->total : 0));
	json_object_object_add(t, "enqueued", CPU_COUNTER(v, cpu, enq_frames, false));
	json_object_object_add(t, "enqueue_drops", CPU_COUNTER(v, cpu, enq_drops, false));
	json_object_object_add(t, "bulks", CPU_COUNTER(v, cpu, enq_bulks, false));
	json_object_object_add(t, "bulk_avg", bulk > 0 ?
			       json_object_new_double(bulk) : NULL);
	json_object_object_add(kt, "frames", CPU_COUNTER(v, cpu, kt_frames, false));
	json_object_object_add(kt, "drops", CPU_COUNTER(v, cpu, kt_drops, false));
	json_object_object_add(kt, "sched", CPU_COUNTER(v, cpu, kt_sched, false));
	json_object_object_add(kt, "runs", CPU_COUNTER(v, cpu, kt_runs, false));
	json_object_object_add(t, "kthread", kt);
	json_object_object_add(vd, "pass", CPU_COUNTER(v, cpu, kt_pass, false));
	json_object_object_add(vd, "drop", CPU_COUNTER(v, cpu, kt_drop, false));
	json_object_object_add(vd, "redirect", CPU_COUNTER(v, cpu, kt_redirect, false));
	json_object_object_add(t, "verdicts", vd);
	json_object_object_add(t, "stage2", CPU_COUNTER(v, cpu, stage2, false));
	for (r = 0; r < CS_S2_OUTCOMES; r++)
		json_object_object_add(s2, cs_reasons[cs_s2_outcomes[r]].name,
			CPU_COUNTER(v, cpu, reason[cs_s2_outcomes[r]], false));
	json_object_object_add(t, "stage2_outcomes", s2);
	return t;
}

static struct json_object *json_rx(const struct cs_view *v, __u32 cpu)
{
	struct json_object *o = json_object_new_object();
	struct json_object *reasons = json_object_new_object();
	struct json_object *errs = json_object_new_object();
	char name[32];
	__u32 r;

	json_object_object_add(o, "cpu", json_object_new_int(cpu));
	json_object_object_add(o, "seen", total_rate(v->cur->cpu[cpu].seen,
						     cs_view_seen_rate(v, cpu)));
	json_object_object_add(o, "hashed",
			       CPU_COUNTER(v, cpu, reason[CS_REASON_HASHED], true));
	for (r = 1; r < CS_REASON_MAX; r++)
		if (cs_reason_is_stage1(r))
			json_object_object_add(reasons, cs_reasons[r].name,
				CPU_COUNTER(v, cpu, reason[r], false));
	json_object_object_add(o, "fallbacks", reasons);
	for (r = 0; r < CS_ERRNO_SLOTS; r++)
		if (v->cur->cpu[cpu].redirect_errno[r])
			json_object_object_add(errs,
				cs_errno_slot_name(r, name, sizeof(name)),
				CPU_COUNTER(v, cpu, redirect_errno[r], false));
	json_object_object_add(o, "redirect_errors", errs);
	json_object_object_add(o, "xdp_exceptions",
		CPU_COUNTER(v, cpu, reason[CS_REASON_XDP_EXCEPTION], false));
	return o;
}

static struct json_object *json_top(const struct cs_view *v)
{
	struct json_object *a = json_object_new_array();
	__u32 i;

	for (i = 0; i < v->ntop; i++) {
		const struct cs_top_bucket *t = &v->top[i];
		struct json_object *b = json_object_new_object();

		json_object_object_add(b, "bucket", json_object_new_int(t->bucket));
		json_object_object_add(b, "cpu", json_object_new_int(t->cpu));
		json_object_object_add(b, "pps", json_object_new_double(t->fps));
		json_object_object_add(b, "share", json_object_new_double(t->share));
		json_object_object_add(b, "frames", json_object_new_uint64(t->frames));
		json_object_array_add(a, b);
	}
	return a;
}

static struct json_object *json_hints(const struct cs_view *v)
{
	struct json_object *a = json_object_new_array();
	__u32 i;

	for (i = 0; i < v->nhints; i++) {
		struct json_object *h = json_object_new_object();

		json_object_object_add(h, "hint", json_object_new_string(
			cs_hint_names[v->hints[i].kind]));
		json_object_object_add(h, "cpu", v->hints[i].cpu < 0 ? NULL :
				       json_object_new_int(v->hints[i].cpu));
		json_object_object_add(h, "text",
				       json_object_new_string(v->hints[i].text));
		json_object_array_add(a, h);
	}
	return a;
}

static void report_json(const struct cs_watch *w, const struct cs_view *v)
{
	struct json_object *o = json_object_new_object();
	struct json_object *targets = json_object_new_array();
	struct json_object *rx = json_object_new_array();
	struct json_object *reasons = json_object_new_object();
	struct json_object *encaps = json_object_new_object();
	struct json_object *imb = json_object_new_object();
	struct json_object *hw;
	__u32 cpu, r;

	json_object_object_add(o, "ifname", json_object_new_string(w->a.ifname));
	json_object_object_add(o, "interval", json_object_new_double(v->dt));
	json_object_object_add(o, "restarted", json_object_new_boolean(v->restarted));
	for (cpu = 0; cpu < v->cur->ncpus; cpu++) {
		if (target_shown(v, cpu))
			json_object_array_add(targets, json_target(v, cpu));
		if (v->cur->cpu[cpu].seen)
			json_object_array_add(rx, json_rx(v, cpu));
	}
	json_object_object_add(o, "targets", targets);
	json_object_object_add(o, "rx_cpus", rx);
	json_object_object_add(o, "buckets", json_object_new_int(v->cur->nbuckets));
	json_object_object_add(o, "top_buckets", json_top(v));
	json_object_object_add(imb, "max_mean", v->have_load ?
			       json_object_new_double(v->imbalance) : NULL);
	json_object_object_add(imb, "busiest_cpu", v->have_load ?
			       json_object_new_int(v->busiest) : NULL);
	json_object_object_add(imb, "busiest_share", v->have_load ?
			       json_object_new_double(v->busiest_share) : NULL);
	json_object_object_add(imb, "targets", json_object_new_int(v->targets.n));
	json_object_object_add(imb, "hashed_pps", json_object_new_double(v->total));
	json_object_object_add(o, "imbalance", imb);
	for (r = 0; r < CS_REASON_MAX; r++)
		json_object_object_add(reasons, cs_reasons[r].name,
				       SUM_REASON(v, r));
	json_object_object_add(o, "reasons", reasons);
	for (r = 0; r < CS_ENCAP_MAX; r++)
		json_object_object_add(encaps, cs_encap_names[r],
				       SUM_COUNTER(v, encap[r]));
	json_object_object_add(o, "encapsulations", encaps);
	hw = json_object_new_object();
	json_object_object_add(hw, "nic", SUM_REASON(v, CS_REASON_HW_HASH));
	json_object_object_add(hw, "fallback", SUM_REASON(v, CS_REASON_HW_NO_HASH));
	json_object_object_add(o, "hw_hash", hw);
	json_object_object_add(o, "hints", json_hints(v));
	printf("%s\n", json_object_to_json_string_ext(o,
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static void report_text(const struct cs_watch *w, const struct cs_view *v)
{
	char name[32];
	__u32 cpu, r;

	printf("%s (%.2f s)%s  hashed %.0f/s", w->a.ifname, v->dt,
	       v->restarted ? " [counters started again]" : "", v->total);
	if (v->have_load)
		printf("  imbalance %.2f (CPU %d takes %.0f%% of %u targets)",
		       v->imbalance, v->busiest, 100 * v->busiest_share,
		       v->targets.n);
	printf("\n  %-5s %13s %6s %13s %13s %5s %12s %12s %14s\n", "CPU",
	       "redirected/s", "share", "ring-drops/s", "kthread/s", "bulk",
	       "stage2/s", "s2-drops/s", "redirected");
	for (cpu = 0; cpu < v->cur->ncpus; cpu++) {
		if (!target_shown(v, cpu))
			continue;
		printf("  %-5u %13.0f %5.1f%% %13.0f %13.0f %5.1f %12.0f %12.0f %14llu\n",
		       cpu, v->load[cpu],
		       v->total > 0 ? 100 * v->load[cpu] / v->total : 0.0,
		       CS_VIEW_RATE(v, cpu, enq_drops, false),
		       CS_VIEW_RATE(v, cpu, kt_frames, false),
		       cs_view_bulk_avg(v, cpu),
		       CS_VIEW_RATE(v, cpu, stage2, false),
		       CS_VIEW_RATE(v, cpu, kt_drop, false),
		       (unsigned long long)v->cur->cpu[cpu].redirected);
	}
	for (cpu = 0; cpu < v->cur->ncpus; cpu++) {
		double seen = cs_view_seen_rate(v, cpu);

		if (!v->cur->cpu[cpu].seen)
			continue;
		printf("  RX CPU %-3u seen %.0f/s, hashed %.0f/s", cpu, seen,
		       CS_VIEW_RATE(v, cpu, reason[CS_REASON_HASHED], true));
		for (r = 1; r < CS_REASON_MAX; r++)
			if (cs_reason_is_stage1(r) &&
			    CS_VIEW_RATE(v, cpu, reason[r], false) > 0)
				printf(", %s %.0f/s", cs_reasons[r].name,
				       CS_VIEW_RATE(v, cpu, reason[r], false));
		for (r = 0; r < CS_ERRNO_SLOTS; r++)
			if (CS_VIEW_RATE(v, cpu, redirect_errno[r], false) > 0)
				printf(", redirect %s %.0f/s",
				       cs_errno_slot_name(r, name, sizeof(name)),
				       CS_VIEW_RATE(v, cpu, redirect_errno[r], false));
		putchar('\n');
	}
	for (r = 0; r < v->ntop; r++)
		printf("%s bucket %u -> CPU %u: %.0f/s, %.1f%%\n",
		       r ? "             " : "  heaviest:  ", v->top[r].bucket,
		       v->top[r].cpu, v->top[r].fps, 100 * v->top[r].share);
	for (r = 0; r < CS_REASON_MAX; r++) {
		if (!v->cur->sum->reason[r])
			continue;
		printf("  %-16s %12.0f/s %16llu total  (%s)\n",
		       cs_reasons[r].name,
		       cs_view_reason_rate(v, -1, r),
		       (unsigned long long)v->cur->sum->reason[r],
		       cs_reasons[r].help);
	}
	for (r = 0; r < CS_ENCAP_MAX; r++)
		if (v->cur->sum->encap[r])
			printf("  %-16s %12.0f/s %16llu total  (encapsulation entered)\n",
			       cs_encap_names[r],
			       cs_view_rate(v, v->cur->sum->encap[r],
					    v->prev ? v->prev->sum->encap[r] : 0,
					    false),
			       (unsigned long long)v->cur->sum->encap[r]);
	for (r = 0; r < v->nhints; r++)
		printf("  hint: %s\n", v->hints[r].text);
}

static void sleep_for(double s)
{
	struct timespec ts = { .tv_sec = (time_t)s,
			       .tv_nsec = (long)((s - (time_t)s) * 1e9) };

	while (!stop && nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* A JSON line: @w is not (or no longer) shown, and why. */
static void report_error_json(const struct cs_watch *w)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "ifname", json_object_new_string(w->a.ifname));
	json_object_object_add(o, "error", json_object_new_string(w->why));
	printf("%s\n", json_object_to_json_string_ext(o,
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

/* Said once, on stderr and as a JSON line: @w is not watched any more. */
static void report_lost(const struct cs_watch *w, bool json)
{
	cs_err_text("%s", w->why);
	if (json)
		report_error_json(w);
}

/* The Prometheus exposition of every watched interface's last view. */
static int report_prom(struct cs_watch *w, int n, const struct stats_opts *o,
		       int dirfd)
{
	struct cs_prom_src *src = calloc(n, sizeof(*src));
	struct cs_view *views = calloc(n, sizeof(*views));
	char *text = NULL;
	size_t len = 0;
	int i, k = 0, err = -ENOMEM;
	FILE *f;

	if (!src || !views)
		goto out;
	for (i = 0; i < n; i++) {
		if (w[i].gone || cs_watch_view(&w[i], &views[k], o->top))
			continue;
		src[k].ifname = w[i].a.ifname;
		src[k].v = &views[k];
		k++;
	}
	f = open_memstream(&text, &len);
	if (!f)
		goto out;
	cs_prom_write(f, src, k);
	if (fclose(f))
		goto out;
	err = 0;
	if (o->fmt == OUT_PROM) {
		fwrite(text, 1, len, stdout);
	} else {
		err = cs_prom_textfile(dirfd, o->textfile, o->prom_name, text,
				       len);
	}
out:
	for (i = 0; views && i < k; i++)
		cs_view_free(&views[i]);
	free(views);
	free(src);
	free(text);
	return err;
}

static int stats_loop(struct cs_watch *w, int n, const struct stats_opts *o,
		      int dirfd)
{
	bool json = o->fmt == OUT_JSON, failed = false;
	int i, live = 0, err;
	__u32 done = 0;

	for (i = 0; i < n; i++)
		if (cs_watch_read(&w[i]))
			report_lost(&w[i], json);
		else
			live++;
	while (live && !stop && (!o->count || done < o->count)) {
		sleep_for(o->interval);
		if (stop)
			break;
		for (i = 0; i < n; i++) {
			struct cs_view v;

			if (w[i].gone)
				continue;
			if (cs_watch_read(&w[i])) {
				report_lost(&w[i], json);
				live--;
				continue;
			}
			if (w[i].reattached)
				cs_err_text("%s: attached again; its counters start from zero",
					    w[i].a.ifname);
			if (o->fmt == OUT_PROM || o->fmt == OUT_TEXTFILE ||
			    cs_watch_view(&w[i], &v, o->top))
				continue;
			if (json)
				report_json(&w[i], &v);
			else
				report_text(&w[i], &v);
			cs_view_free(&v);
		}
		if ((o->fmt == OUT_PROM || o->fmt == OUT_TEXTFILE) && live) {
			err = report_prom(w, n, o, dirfd);
			/* A full disk passes: the textfile goes on, said each
			 * time, and the exit status says it failed.
			 */
			if (err && o->fmt == OUT_PROM)
				return err;
			failed |= err != 0;
		}
		fflush(stdout);
		done++;
	}
	for (i = 0; i < n; i++)
		if (w[i].gone)
			return -ENOENT;
	return failed ? -EIO : 0;
}

/*
 * The textfile's name: cpusteer[-IFACE].prom in the first network
 * namespace (that of PID 1), with netns-ID (the pin directory's) after
 * "cpusteer" elsewhere, so exporters of several namespaces can share DIR.
 */
static int prom_name(struct stats_opts *o, const char *only)
{
	struct stat self, init;
	char ns[40] = "";
	__u64 id;
	int err;

	if (stat("/proc/self/ns/net", &self) || stat("/proc/1/ns/net", &init) ||
	    self.st_ino != init.st_ino || self.st_dev != init.st_dev) {
		err = cs_netns_id(&id);
		if (err)
			return err;
		snprintf(ns, sizeof(ns), "-netns-%llu", (unsigned long long)id);
	}
	snprintf(o->prom_name, sizeof(o->prom_name), "cpusteer%s%s%s.prom", ns,
		 only ? "-" : "", only ? only : "");
	return 0;
}

static int stats_run(const char *only, struct stats_opts *o)
{
	struct cs_watch *w;
	int i, opened, broken, dirfd = -1, err;

	if (o->fmt == OUT_TEXTFILE && prom_name(o, only))
		return -EIO;
	if (o->fmt == OUT_TEXTFILE) {
		dirfd = cs_prom_dir_open(o->textfile);
		if (dirfd < 0)
			return -ENODEV;	/* a usage error */
	}
	w = calloc(only ? 1 : CS_MAX_ATTACHMENTS, sizeof(*w));
	err = w ? cs_watch_open(only, w, &opened, &broken,
				o->fmt == OUT_JSON ? report_error_json : NULL) :
		  -ENOMEM;
	if (!err && opened) {
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
		err = stats_loop(w, opened, o, dirfd);
	}
	for (i = 0; w && i < opened; i++)
		cs_watch_close(&w[i]);
	free(w);
	if (dirfd >= 0)
		close(dirfd);
	return err ? err : broken ? -EIO : 0;
}

static int stats_one(void *ctx, int c, const char *arg)
{
	struct stats_opts *o = ctx;

	switch (c) {
	case OPT_INTERVAL:
		return cs_parse_double("--interval", arg, 0.1, 3600,
				       &o->interval);
	case OPT_COUNT:
		return cs_parse_u32("--count", arg, 1, UINT32_MAX, &o->count);
	case OPT_TOP:
		return cs_parse_u32("--top", arg, 0, CS_TOP_MAX, &o->top);
	case CS_OPT_JSON:
	case OPT_PROMETHEUS:
	case OPT_TEXTFILE:
		if (o->fmt != OUT_TEXT) {
			cs_err("--json, --prometheus and --textfile choose the output: give one");
			return -EINVAL;
		}
		o->fmt = c == CS_OPT_JSON ? OUT_JSON :
			 c == OPT_PROMETHEUS ? OUT_PROM : OUT_TEXTFILE;
		cs_json = c == CS_OPT_JSON;
		o->textfile = arg;
		return 0;
	}
	return -EINVAL;
}

int cmd_stats(int argc, char **argv)
{
	struct stats_opts o = { .interval = 1.0, .top = TOP_DEFAULT };
	int err;

	err = cs_opts_parse(argc, argv, &cs_cmd_stats, stats_one, &o);
	if (err)
		return err > 0 ? CS_EXIT_OK : CS_EXIT_USAGE;
	if (argc - optind > 1) {
		cs_err("at most one interface: cpusteer stats [IFACE]");
		return CS_EXIT_USAGE;
	}
	if (optind < argc && cs_ifname_check("IFACE", argv[optind]))
		return CS_EXIT_USAGE;
	if (o.fmt == OUT_PROM && o.count > 1) {
		cs_err("--prometheus prints one exposition (after one interval); --count %u would print several into one scrape: use --textfile DIR to keep one file current",
		       o.count);
		return CS_EXIT_USAGE;
	}
	if (o.fmt == OUT_PROM)
		o.count = 1;
	if (o.fmt == OUT_TEXTFILE && !o.textfile[0]) {
		cs_err("--textfile needs a directory");
		return CS_EXIT_USAGE;
	}
	if (cs_require_root())
		return CS_EXIT_FAIL;
	err = stats_run(optind < argc ? argv[optind] : NULL, &o);
	return err == -ENODEV ? CS_EXIT_USAGE :
	       err ? CS_EXIT_FAIL : CS_EXIT_OK;
}
