/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Watching attachments over time, for stats and top: open them, read a
 * snapshot per interval, and follow an interface through updates and
 * re-attaches (a new program, table or link is opened again and its
 * counters start from zero in that interval; see figures.h).
 */
#ifndef CS_WATCH_H
#define CS_WATCH_H

#include <stdbool.h>

#include "attachment.h"
#include "figures.h"
#include "stats.h"

struct cs_watch {
	struct cs_attachment a;
	struct cs_table_reader *reader;	/* NULL: read in batches */
	struct cs_snapshot snap[2];
	int cur;		/* snap[cur] is the newest */
	int nread;		/* snapshots read; a view needs 2 */
	bool gone;		/* no longer watched */
	bool reattached;	/* the last read found a new attachment */
	char why[640];		/* why it is gone */
};

/*
 * Every attachment of this namespace (or the one @only names) into
 * @w[0..*n) (room for CS_MAX_ATTACHMENTS, or 1 with @only). Attachments
 * that cannot be read are counted in @broken and their reason is printed
 * on stderr, and given to @on_broken (may be NULL) as well.
 */
int cs_watch_open(const char *only, struct cs_watch *w, int *n, int *broken,
		  void (*on_broken)(const struct cs_watch *w));
/*
 * Take the next snapshot. 0; or -ENOENT once the attachment has gone
 * (w->why says why, w->gone is set). A re-attach is followed.
 */
int cs_watch_read(struct cs_watch *w);
/* The view of the last interval (needs two reads): see cs_view_make(). */
int cs_watch_view(const struct cs_watch *w, struct cs_view *v, __u32 ntop);
void cs_watch_close(struct cs_watch *w);

#endif
