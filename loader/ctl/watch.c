// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "log.h"
#include "pins.h"
#include "watch.h"

/* @w is gone: "IFACE: @why; no longer shown" (@why may name it). */
static void set_gone(struct cs_watch *w, const char *why)
{
	size_t n = strlen(w->a.ifname);

	if (!strncmp(why, w->a.ifname, n) && why[n] == ':')
		snprintf(w->why, sizeof(w->why), "%.600s; no longer shown", why);
	else
		snprintf(w->why, sizeof(w->why), "%s: %.600s; no longer shown",
			 w->a.ifname, why);
	w->gone = true;
}

static int open_one(const struct cs_state *st, const struct cs_pin_key *k,
		    struct cs_watch *w)
{
	int err = cs_attachment_open(st, k, &w->a);

	w->reader = NULL;
	if (!err && w->a.old_layout) {
		snprintf(w->a.error, sizeof(w->a.error),
			 "%s: attached by another cpusteer version, whose counters this one cannot read: 'cpusteer apply' (or attach %s with its options) attaches it again",
			 w->a.ifname, w->a.ifname);
		cs_attachment_close(&w->a);
		err = -EPROTO;
	}
	if (!err && cs_reader_open(w->a.table_fd, w->a.nbuckets, &w->reader))
		w->reader = NULL;
	return err;
}

int cs_watch_open(const char *only, struct cs_watch *w, int *n, int *broken,
		  void (*on_broken)(const struct cs_watch *w))
{
	static struct cs_pin_key keys[CS_MAX_ATTACHMENTS];
	struct cs_state st;
	int i, nk, err;

	*n = *broken = 0;
	err = cs_state_open(CS_STATE_READ, &st);
	if (err)
		return err;
	nk = cs_attachment_select(&st, only, keys, CS_MAX_ATTACHMENTS, NULL);
	err = nk < 0 ? nk : 0;
	if (!nk) {
		cs_err("cpusteer is not attached to any interface in this network namespace: nothing to show ('cpusteer attach --help')");
		err = -ENOENT;
	}
	for (i = 0; !err && i < nk; i++) {
		memset(&w[*n], 0, sizeof(w[*n]));
		if (!open_one(&st, &keys[i], &w[*n])) {
			(*n)++;
			continue;
		}
		snprintf(w[*n].why, sizeof(w[*n].why), "%s", w[*n].a.error);
		cs_err_text("%s", w[*n].why);
		if (on_broken)
			on_broken(&w[*n]);
		(*broken)++;
	}
	cs_state_close(&st);	/* the fds stay good without the lock */
	return err;
}

/* The program the link runs now, 0 if unreadable. */
static __u32 link_prog(const struct cs_attachment *a)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(a->link_fd, &info, &len) ? 0 :
	       info.prog_id;
}

/*
 * The interface's attachment again, after an update (a new program, maybe
 * a new table) or a detach and attach. -ENOENT (w->why set) if none.
 */
static int reopen(struct cs_watch *w, const char *lost)
{
	struct cs_watch fresh = {};
	struct cs_pin_key key;
	struct cs_state st;
	char why[512] = "";
	int err;

	cs_err_capture(why, sizeof(why));
	err = cs_state_open(CS_STATE_READ, &st);
	if (!err) {
		err = cs_attachment_find(&st, w->a.ifname, &key);
		if (!err)
			err = open_one(&st, &key, &fresh);
		cs_state_close(&st);
	}
	cs_err_release();
	if (!err && fresh.a.link_state != CS_LINK_HERE) {
		cs_reader_close(fresh.reader);
		cs_attachment_close(&fresh.a);
		err = -ENOENT;
	}
	if (err) {
		set_gone(w, fresh.a.error[0] ? fresh.a.error :
			    lost ? lost : why);
		return -ENOENT;
	}
	w->reattached = lost != NULL;
	cs_reader_close(w->reader);
	cs_attachment_close(&w->a);
	w->a = fresh.a;
	w->reader = fresh.reader;
	return 0;
}

int cs_watch_read(struct cs_watch *w)
{
	const char *lost = cs_attachment_lost(&w->a);
	struct cs_snapshot *s = &w->snap[!w->cur];
	char why[512];
	int err;

	w->reattached = false;
	if ((lost || link_prog(&w->a) != w->a.prog_id) && reopen(w, lost))
		return -ENOENT;
	if (!s->sum || s->nbuckets != w->a.nbuckets) {
		cs_snapshot_free(s);
		err = cs_snapshot_alloc(s, w->a.nbuckets);
		if (err) {
			set_gone(w, strerror(-err));
			return -ENOENT;
		}
	}
	s->generic = !strcmp(w->a.xdp_mode, "skb");
	cs_err_capture(why, sizeof(why));
	err = cs_snapshot_read(w->a.stats_fd, w->a.table_fd, w->reader, s);
	cs_err_release();
	if (err) {
		set_gone(w, err == -EMSGSIZE ? "its table changed size" : why);
		return -ENOENT;
	}
	w->cur = !w->cur;
	w->nread++;
	return 0;
}

int cs_watch_view(const struct cs_watch *w, struct cs_view *v, __u32 ntop)
{
	return cs_view_make(v, &w->snap[w->cur],
			    w->nread > 1 ? &w->snap[!w->cur] : NULL, ntop,
			    w->a.params.hash_mode, w->a.qsize, w->a.ifname);
}

void cs_watch_close(struct cs_watch *w)
{
	cs_reader_close(w->reader);
	w->reader = NULL;
	cs_attachment_close(&w->a);
	cs_snapshot_free(&w->snap[0]);
	cs_snapshot_free(&w->snap[1]);
}
