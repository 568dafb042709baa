/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What an attachment leaves in bpffs, so steering outlives the loader:
 *
 *   /sys/fs/bpf/cpusteer/netns-INODE/if-IFINDEX/
 *	meta link cpu_map table stats trace_enqueue trace_redirect_err saved
 *
 * keyed by the network namespace (its nsfs inode) and the interface's
 * ifindex in it: a renamed interface keeps its state, two namespaces'
 * "eth0" never meet, and nothing a user types ever becomes a path.
 * Everything else (the stage-1 parameters, the stage-2 program, the XDP
 * mode) is read back from these objects, never stored twice.
 *
 * Commands that change this state hold an exclusive flock() on the
 * cpusteer directory; readers hold a shared one while they open pins. The
 * lock lives in the same bpffs as the pins, so it covers every mount and
 * network namespace that shares them.
 */
#ifndef CS_PINS_H
#define CS_PINS_H

#include <stdbool.h>
#include <stddef.h>
#include <net/if.h>
#include <linux/types.h>

#define CS_BPFFS	"/sys/fs/bpf"
#define CS_PIN_ROOT	CS_BPFFS "/cpusteer"

/*
 * How long a command waits for another one to finish with the state. An
 * attach takes well under a second here and a few seconds in a TCG VM;
 * ten seconds is several attaches' worth, short enough for a script.
 */
#define CS_LOCK_WAIT_MS	10000

/* Attachments per network namespace that one command lists or watches. */
#define CS_MAX_ATTACHMENTS	1024

enum cs_pin {
	CS_PIN_META = 0,	/* struct cs_pin_meta: made first, gone last */
	CS_PIN_LINK,
	CS_PIN_CPU_MAP,
	CS_PIN_TABLE,
	CS_PIN_STATS,
	CS_PIN_TRACE_ENQUEUE,
	CS_PIN_TRACE_REDIRECT_ERR,
	CS_PIN_SAVED,		/* attach --auto: the values to restore */
	CS_PIN_MAX,
};
extern const char *const cs_pin_names[CS_PIN_MAX];

/* An attachment's record of itself, the value of its "meta" array map. */
struct cs_pin_meta {
	char ifname[IF_NAMESIZE];	/* the name at attach */
	__u32 ifindex;
	__u32 pad;
	__u64 netns;
	__u64 attached;			/* CLOCK_REALTIME seconds */
};

enum cs_state_access {
	/* status, stats, classify: nothing is mounted or created */
	CS_STATE_READ,
	/* detach: an exclusive lock; nothing is mounted or created */
	CS_STATE_MODIFY,
	/* attach: the host's bpffs (mounted if need be), exclusive lock */
	CS_STATE_CREATE,
};

/* cpusteer's state root, opened and locked, and this network namespace. */
struct cs_state {
	int root_fd;		/* CS_PIN_ROOT; -1: there is no state yet */
	__u64 netns;
};

/*
 * READ and MODIFY return 0 with root_fd -1 when there is no state at all
 * (no bpffs, or no CS_PIN_ROOT). CREATE refuses a bpffs that is not the
 * one of pid 1's mount namespace (pins there would vanish with this one)
 * and mounts bpffs only in that namespace. Errors are printed.
 */
int cs_state_open(enum cs_state_access acc, struct cs_state *st);
void cs_state_close(struct cs_state *st);	/* and unlock */

/* Paths are made of numbers and fixed names only. */
int cs_pin_dir_path(char *buf, size_t len, const struct cs_state *st,
		    __u32 ifindex);
int cs_pin_path(char *buf, size_t len, const struct cs_state *st,
		__u32 ifindex, enum cs_pin pin);
bool cs_pin_dir_exists(const struct cs_state *st, __u32 ifindex);
int cs_pin_dir_create(const struct cs_state *st, __u32 ifindex);
/*
 * Remove the pins cpusteer makes from IFINDEX's directory, then the
 * directory; anything else found there is left alone and reported
 * (-ENOTEMPTY). Nothing outside CS_PIN_ROOT is ever touched.
 */
int cs_pins_remove(const struct cs_state *st, __u32 ifindex);
/* Open a pinned object; -ENOENT quietly when it is missing. */
int cs_pin_open(const struct cs_state *st, __u32 ifindex, enum cs_pin pin);
/* The ifindexes with a pin directory in this namespace, ascending. */
int cs_pin_dirs(const struct cs_state *st, __u32 *ifindex, int max);
/* How many attachments other network namespaces have. */
int cs_pin_dirs_elsewhere(const struct cs_state *st);

/* Create the meta map for @m and pin it. */
int cs_meta_pin(const struct cs_state *st, const struct cs_pin_meta *m);
int cs_meta_read(const struct cs_state *st, __u32 ifindex,
		 struct cs_pin_meta *m);

#endif
