/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * An existing attachment, read back from its pins and from the kernel:
 * what status, stats, classify and detach work on.
 */
#ifndef CS_ATTACHMENT_H
#define CS_ATTACHMENT_H

#include <stdbool.h>
#include <net/if.h>

#include "cpusteer.h"
#include "cpus.h"
#include "pins.h"
#include "steer.h"

/* Where the pinned XDP link is, compared with the key it is pinned by. */
enum cs_link_state {
	CS_LINK_HERE,		/* steering the interface of this ifindex */
	CS_LINK_GONE,		/* defunct: the interface was removed */
	CS_LINK_ELSEWHERE,	/* the device moved to another namespace */
};

struct cs_attachment {
	char ifname[IF_NAMESIZE];	/* now; the name at attach if gone */
	__u32 ifindex;			/* the key, in this namespace */
	struct cs_pin_meta meta;	/* zeroed if unreadable */
	enum cs_link_state link_state;
	int link_fd;
	int prog_fd;
	int cpu_map_fd;
	int table_fd;
	int stats_fd;
	__u32 link_id;
	__u32 prog_id;
	struct cs_params params;
	__u32 nbuckets;
	__u32 *bucket_cpu;	/* target of each bucket */
	struct cs_cpuset cpus;	/* table targets, in order of first use */
	__u32 qsize;
	int stage2;		/* enum cs_stage2, or -1 if unrecognised */
	const char *xdp_mode;	/* "native", "skb", or why neither */
	char error[512];	/* why cs_attachment_open() failed */
};

/* The link's state: for detach, which must not need the maps. */
enum cs_link_state cs_link_state(int link_fd, __u32 ifindex);
/*
 * The attachment @name means: the interface of that name here, or, when
 * there is none, the one attached under that name whose interface is gone.
 * Returns 0 and its ifindex, -ENOENT "not attached" (exit 1), -ENODEV for
 * no such interface (exit 2; a renamed one is named). Errors are printed.
 */
int cs_attachment_find(const struct cs_state *st, const char *name,
		       __u32 *ifindex);
/*
 * The attachments to show: the one @only names (as cs_attachment_find()),
 * or, without @only, every one of this namespace. Their number, or -errno.
 */
int cs_attachment_select(const struct cs_state *st, const char *only,
			 __u32 *ifindex, int max);
/* Read one back. On failure a->error says why, and nothing is printed. */
int cs_attachment_open(const struct cs_state *st, __u32 ifindex,
		       struct cs_attachment *a);
/* Is the attachment still there (its link not detached since open)? */
bool cs_attachment_alive(const struct cs_attachment *a);
void cs_attachment_close(struct cs_attachment *a);

#endif
