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

/* Where the pinned XDP link is, seen from this network namespace. */
enum cs_link_state {
	CS_LINK_HERE,		/* steering a device of this namespace */
	CS_LINK_DEFUNCT,	/* detached, its interface still here */
	CS_LINK_GONE,		/* detached: the interface (or its namespace,
				 * or the link pin) is gone */
	CS_LINK_ELSEWHERE,	/* steering a device moved to another
				 * namespace */
	CS_LINK_STATES,
};
extern const char *const cs_link_state_names[CS_LINK_STATES];

struct cs_attachment {
	char ifname[IF_NAMESIZE];	/* now; the name at attach if gone */
	struct cs_pin_key key;		/* its pin directory */
	__u64 netns;			/* the command's namespace */
	__u32 ifindex;			/* the device it steers here, if any */
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
	__u32 stage2_prog_id;	/* the first target's; 0: none */
	char stage2_name[16];	/* its program's name */
	__u8 stage2_tag[8];	/* and the kernel's tag of it */
	__u32 out_ifindex;	/* stage 2 redirect: the device (0: gone) */
	struct cs_out out;	/* and the MAC rewrite */
	const char *xdp_mode;	/* "native", "skb", or why neither */
	bool old_layout;	/* counters laid out by another cpusteer
				 * version: stats cannot read them, an
				 * update attaches it again */
	char error[512];	/* why cs_attachment_open() failed */
};

/*
 * Where the link pinned for @k is, seen from network namespace @netns
 * (the command's); with CS_LINK_HERE and DEFUNCT, @now is the ifindex of
 * its interface there. @link_fd < 0: no link. A link that steers nothing
 * is DEFUNCT only while the device at its ifindex is the one recorded in
 * @m (its hardware address; NULL: no record, taken as the same).
 */
enum cs_link_state cs_link_state(__u64 netns, int link_fd,
				 const struct cs_pin_key *k,
				 const struct cs_pin_meta *m, __u32 *now);
/* The same, opening the link pin of @k. */
enum cs_link_state cs_pin_link_state(const struct cs_state *st,
				     const struct cs_pin_key *k, __u32 *now);
/*
 * The attachment on this namespace's @ifindex: the one whose link steers
 * it (wherever it was pinned: a device moved here), else the pin
 * directory made for it here. 0 and its key, or -ENOENT quietly.
 */
int cs_attachment_of(const struct cs_state *st, __u32 ifindex,
		     struct cs_pin_key *key);
/*
 * The attachment @name means: the interface of that name here, or, when
 * there is none, the one attached under that name whose interface is gone.
 * Returns 0 and its key, -ENOENT "not attached" (exit 1), -ENODEV for no
 * such interface (exit 2; a renamed one is named). Errors are printed.
 */
int cs_attachment_find(const struct cs_state *st, const char *name,
		       struct cs_pin_key *key);
/* The attachments status does not show, from this namespace. */
struct cs_others {
	int elsewhere;		/* steering other namespaces' devices */
	int stale;		/* of other namespaces, steering nothing */
};

/*
 * The attachments to show: the one @only names (as cs_attachment_find()),
 * or, without @only, this namespace's and those steering one of its
 * devices. Their number, or -errno; @others counts the rest (may be NULL).
 */
int cs_attachment_select(const struct cs_state *st, const char *only,
			 struct cs_pin_key *keys, int max,
			 struct cs_others *others);
/* The map called @name of program @prog_id: an fd, or -ENOENT. */
int cs_prog_map_fd(__u32 prog_id, const char *name);
/* Read one back. On failure a->error says why, and nothing is printed. */
int cs_attachment_open(const struct cs_state *st, const struct cs_pin_key *k,
		       struct cs_attachment *a);
/* Is it still steering as when it was opened? NULL, or why not. */
const char *cs_attachment_lost(const struct cs_attachment *a);
void cs_attachment_close(struct cs_attachment *a);

#endif
