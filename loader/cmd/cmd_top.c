// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cpusteer top: a live full-screen view of one attachment, drawn with
 * ncurses: a bar per target CPU (load, and drops beside it), the heaviest
 * buckets and the hints, every interval. Tab moves to the next attachment,
 * q or Ctrl-C quits; the terminal is restored either way.
 */
#include <errno.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <curses.h>

#include "commands.h"
#include "figures.h"
#include "iface.h"
#include "log.h"
#include "pins.h"
#include "watch.h"

enum {
	OPT_INTERVAL = 'i',
};

static const struct cs_option top_opts[] = {
	{ "interval", required_argument, OPT_INTERVAL, "S",
	  "seconds between refreshes, 0.1-3600 (default 1)" },
	{ "help", no_argument, CS_OPT_HELP, NULL, "show this help" },
	{}
};

const struct cs_command cs_cmd_top = {
	.name = "top",
	.func = cmd_top,
	.synopsis = "[IFACE] [--interval S]",
	.summary = "Live full-screen view: load and drops per target CPU, the heaviest buckets, hints.",
	.details =
"One attachment at a time (IFACE, or each of this namespace's in turn with\n"
"Tab). One bar per target CPU: '#' its hashed frames/s, scaled to the\n"
"busiest target, then 'x' its ring-full drops/s on the same scale; beside it\n"
"the rates, its share, the average bulk per enqueue and what stage 2 ran.\n"
"Then the heaviest buckets and the hints of 'cpusteer stats'. Keys: q (or\n"
"Ctrl-C) quits, Tab shows the next attachment. Needs a terminal; for a log\n"
"or a script use 'cpusteer stats'.\n",
	.opts = top_opts,
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Text at (@y, @x), cut at the right edge: a narrow terminal never wraps. */
static void say(int y, int x, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say(int y, int x, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int cols = getmaxx(stdscr);

	if (x >= cols || y >= getmaxy(stdscr))
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	mvaddnstr(y, x, buf, cols - x);
}

/* Bars stop growing at this width; the rest of the line is figures. */
#define BAR_MAX		50

static int draw_bar(int y, int x, int width, double load, double drops,
		    double scale)
{
	int n = scale > 0 ? (int)(width * load / scale + 0.5) : 0;
	int d = scale > 0 ? (int)(width * drops / scale + 0.5) : 0;

	if (drops > 0 && !d)
		d = 1;			/* any drop shows */
	if (n + d > width)
		n = width - d > 0 ? width - d : 0;
	if (d > width)
		d = width;
	mvhline(y, x, '#', n);
	mvhline(y, x + n, 'x', d);
	mvhline(y, x + n + d, '.', width - n - d);
	return x + width;
}

static int draw_targets(const struct cs_view *v, int y, int rows, int cols)
{
	int barw = cols - 50, shown = 0;
	double scale = 0;
	__u32 i, cpu;

	if (barw > BAR_MAX)
		barw = BAR_MAX;
	if (barw < 5)
		barw = 5;
	for (i = 0; i < v->targets.n; i++) {
		cpu = v->targets.cpu[i];
		if (v->load[cpu] + CS_VIEW_RATE(v, cpu, enq_drops, false) > scale)
			scale = v->load[cpu] +
				CS_VIEW_RATE(v, cpu, enq_drops, false);
	}
	attron(A_BOLD);
	say(y++, 0, "%4s %-*s %10s %6s %9s %5s %10s", "CPU", barw,
		 "load (#) and ring drops (x)", "frames/s", "share",
		 "drops/s", "bulk", "stage2/s");
	attroff(A_BOLD);
	for (i = 0; i < v->targets.n; i++) {
		double drops, load;

		cpu = v->targets.cpu[i];
		if (y >= rows - 1 && i + 1 < v->targets.n) {
			say(y++, 0, "  ... %u more targets (a taller terminal shows them)",
				 v->targets.n - i);
			break;
		}
		if (y >= rows)
			break;
		load = v->load[cpu];
		drops = CS_VIEW_RATE(v, cpu, enq_drops, false);
		say(y, 0, "%4u ", cpu);
		draw_bar(y, 5, barw, load, drops, scale);
		say(y, 5 + barw, " %10.0f %5.1f%% %9.0f %5.1f %10.0f",
			 load, v->total > 0 ? 100 * load / v->total : 0.0,
			 drops, cs_view_bulk_avg(v, cpu),
			 CS_VIEW_RATE(v, cpu, stage2, false));
		y++;
		shown++;
	}
	return y;
}

static int draw_buckets(const struct cs_view *v, int y, int rows)
{
	__u32 i;

	if (y + 2 >= rows || !v->ntop)
		return y;
	attron(A_BOLD);
	say(++y, 0, "heaviest buckets   %6s %4s %10s %6s", "bucket",
		 "CPU", "frames/s", "share");
	attroff(A_BOLD);
	y++;
	for (i = 0; i < v->ntop && y < rows; i++, y++)
		say(y, 19, "%6u %4u %10.0f %5.1f%%",
			 v->top[i].bucket, v->top[i].cpu, v->top[i].fps,
			 100 * v->top[i].share);
	return y;
}

static void draw_hints(const struct cs_view *v, int y, int rows, int cols)
{
	__u32 i;

	if (y + 2 >= rows || !v->nhints)
		return;
	attron(A_BOLD);
	say(++y, 0, "hints");
	attroff(A_BOLD);
	y++;
	/* Each hint as many lines as it takes, as long as there is room. */
	for (i = 0; i < v->nhints && y < rows; i++) {
		const char *t = v->hints[i].text;
		size_t len = strlen(t), w = cols > 4 ? cols - 2 : 1, off;

		for (off = 0; off < len && y < rows; off += w, y++)
			say(y, 2, "%.*s", (int)w, t + off);
	}
}

static void draw(const struct cs_watch *w, const struct cs_view *v,
		 int index, int n, double interval)
{
	int rows, cols, y = 0;

	getmaxyx(stdscr, rows, cols);
	erase();
	attron(A_REVERSE);
	mvhline(0, 0, ' ', cols);
	say(0, 0, " cpusteer top  %s (%d/%d)  every %.1f s%s", w->a.ifname,
		 index + 1, n, interval, n > 1 ? "   q quit, Tab next" :
						 "   q quit");
	attroff(A_REVERSE);
	y = 1;
	if (!v) {
		say(++y, 0, "reading... (first figures after one interval)");
		refresh();
		return;
	}
	if (v->have_load)
		say(y++, 0, "hashed %.0f/s over %u targets   imbalance %.2f max/mean (CPU %d takes %.0f%%)%s",
		    v->total, v->targets.n, v->imbalance, v->busiest,
		    100 * v->busiest_share,
		    v->restarted ? "   [counters started again]" : "");
	else
		say(y++, 0, "hashed %.0f/s over %u targets%s", v->total,
		    v->targets.n,
		    v->restarted ? "   [counters started again]" : "");
	y++;
	y = draw_targets(v, y, rows, cols);
	y = draw_buckets(v, y, rows);
	draw_hints(v, y, rows, cols);
	refresh();
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A key, or ERR once CLOCK_MONOTONIC passes @until (or on a signal). */
static int wait_key(double until)
{
	double left;
	int c;

	for (;;) {
		left = until - now_s();
		if (stop || left <= 0)
			return ERR;
		timeout(left > 0.2 ? 200 : (int)(left * 1000) + 1);
		c = getch();
		if (c != ERR)
			return c;
	}
}

/*
 * Read every interval, on a fixed clock: keys and resizes redraw at once
 * but never put the next reading off, so holding a key or dragging the
 * window does not stop the figures.
 */
static int top_loop(struct cs_watch *w, int n, double interval)
{
	int cur = 0, live = n, i, c;
	double next = now_s() + interval;
	struct cs_view v;
	bool have;

	for (i = 0; i < n; i++)
		if (cs_watch_read(&w[i]))
			live--;
	while (live && !stop) {
		while (w[cur].gone)
			cur = (cur + 1) % n;
		have = w[cur].nread > 1 && !cs_watch_view(&w[cur], &v, 10);
		draw(&w[cur], have ? &v : NULL, cur, n, interval);
		if (have)
			cs_view_free(&v);
		c = wait_key(next);
		if (c == 'q' || c == 'Q')
			break;
		if (c == '\t' && live > 1) {
			do
				cur = (cur + 1) % n;
			while (w[cur].gone);
		}
		if (c != ERR || stop)
			continue;	/* drawn again: the new size, the next one */
		for (i = 0; i < n; i++)
			if (!w[i].gone && cs_watch_read(&w[i]))
				live--;
		next += interval;
		if (next < now_s())	/* a slow reading: no catching up */
			next = now_s() + interval;
	}
	return live ? 0 : -ENOENT;
}

static int top_run(const char *only, double interval)
{
	struct cs_watch *w = calloc(only ? 1 : CS_MAX_ATTACHMENTS, sizeof(*w));
	int i, opened = 0, broken = 0, err;
	SCREEN *scr;

	err = w ? cs_watch_open(only, w, &opened, &broken, NULL) : -ENOMEM;
	if (!err && !opened)
		err = -EIO;
	if (!err) {
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
		signal(SIGQUIT, on_signal);
		signal(SIGHUP, on_signal);
		/* newterm(), unlike initscr(), returns an error rather than
		 * exiting on a terminal it does not know.
		 */
		scr = newterm(NULL, stdout, stdin);
		if (!scr) {
			cs_err("top cannot drive this terminal (TERM=%s): set TERM to one terminfo knows, or use 'cpusteer stats'",
			       getenv("TERM") ? getenv("TERM") : "");
			err = -ENODEV;
		} else {
			cbreak();
			noecho();
			curs_set(0);
			keypad(stdscr, TRUE);
			err = top_loop(w, opened, interval);
			endwin();
			delscreen(scr);
		}
	}
	/* After endwin(): what ended the view is read on the terminal. */
	for (i = 0; w && i < opened; i++) {
		if (w[i].gone)
			cs_err_text("%s", w[i].why);
		cs_watch_close(&w[i]);
	}
	free(w);
	return err;
}

static int top_one(void *ctx, int c, const char *arg)
{
	if (c == OPT_INTERVAL)
		return cs_parse_double("--interval", arg, 0.1, 3600, ctx);
	return -EINVAL;
}

int cmd_top(int argc, char **argv)
{
	double interval = 1.0;
	int err;

	err = cs_opts_parse(argc, argv, &cs_cmd_top, top_one, &interval);
	if (err)
		return err > 0 ? CS_EXIT_OK : CS_EXIT_USAGE;
	if (argc - optind > 1) {
		cs_err("at most one interface: cpusteer top [IFACE]");
		return CS_EXIT_USAGE;
	}
	if (optind < argc && cs_ifname_check("IFACE", argv[optind]))
		return CS_EXIT_USAGE;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		cs_err("top draws on a terminal and reads keys from it, and stdin or stdout is not one: for a log or a script use 'cpusteer stats' (--json, --prometheus)");
		return CS_EXIT_USAGE;
	}
	if (cs_require_root())
		return CS_EXIT_FAIL;
	err = top_run(optind < argc ? argv[optind] : NULL, interval);
	return err == -ENODEV ? CS_EXIT_USAGE :
	       err ? CS_EXIT_FAIL : CS_EXIT_OK;
}
