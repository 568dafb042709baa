/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What an attachment leaves in bpffs, so steering outlives the loader:
 *
 *   /sys/fs/bpf/cpusteer/netns-ID/if-IFINDEX/
 *	meta link cpu_map table stats trace_enqueue trace_redirect_err
 *	trace_kthread trace_exception saved
 *
 * keyed by the network namespace (its cookie, or before Linux 5.14 its
 * nsfs inode: see cs_netns_id()) and the interface's ifindex in it: a
 * renamed interface keeps its state, two namespaces' "eth0" never meet,
 * and nothing a user types ever becomes a path.
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

#include "iface.h"

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
	CS_PIN_TRACE_KTHREAD,
	CS_PIN_TRACE_EXCEPTION,
	CS_PIN_SAVED,		/* attach --auto: the values to restore */
	CS_PIN_MAX,
};
extern const char *const cs_pin_names[CS_PIN_MAX];

/* Made by "cpusteer apply": a config file manages it (detach --managed). */
#define CS_META_MANAGED	(1U << 0)

/* An attachment's record of itself, the value of its "meta" array map. */
struct cs_pin_meta {
	char ifname[IF_NAMESIZE];	/* the name at attach */
	__u32 ifindex;
	__u32 flags;			/* CS_META_* */
	__u64 netns;
	__u64 attached;			/* CLOCK_REALTIME seconds */
	struct cs_hwaddr hw;		/* the device's address at attach */
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

/* Which pin directory: the namespace and the ifindex at attach. */
struct cs_pin_key {
	__u64 netns;		/* the network namespace's cs_netns_id() */
	__u32 ifindex;		/* the interface's ifindex there */
};

/*
 * READ and MODIFY return 0 with root_fd -1 when there is no state at all:
 * bpffs is not mounted in the host's mount namespace, or CS_PIN_ROOT does
 * not exist. Elsewhere, a /sys/fs/bpf that is not bpffs hides the state:
 * that is an error (-ENOENT), not "nothing attached". CREATE refuses a
 * bpffs that is not the host's (pins there would vanish with this mount
 * namespace) and mounts bpffs only in the host's. Errors are printed.
 */
int cs_state_open(enum cs_state_access acc, struct cs_state *st);
void cs_state_close(struct cs_state *st);	/* and unlock */

/* This namespace's key for @ifindex. */
struct cs_pin_key cs_pin_key_here(const struct cs_state *st, __u32 ifindex);
/* Paths are made of numbers and fixed names only. */
int cs_pin_dir_path(char *buf, size_t len, const struct cs_pin_key *k);
int cs_pin_path(char *buf, size_t len, const struct cs_pin_key *k,
		enum cs_pin pin);
bool cs_pin_dir_exists(const struct cs_state *st, const struct cs_pin_key *k);
int cs_pin_dir_create(const struct cs_state *st, const struct cs_pin_key *k);
/* Rename a pin directory, within its namespace's, to @to's ifindex. */
int cs_pin_dir_move(const struct cs_state *st, const struct cs_pin_key *from,
		    const struct cs_pin_key *to);
/*
 * Entries of the directory that cpusteer does not make, each reported with
 * what to do; their number, or -errno.
 */
int cs_pins_foreign(const struct cs_state *st, const struct cs_pin_key *k);
/*
 * Remove the pins cpusteer makes from the directory, then the directory;
 * nothing is removed if anything else is found there (-ENOTEMPTY). No
 * link is followed and nothing outside CS_PIN_ROOT is ever touched.
 */
int cs_pins_remove(const struct cs_state *st, const struct cs_pin_key *k);
/*
 * Open a pinned object; -ENOENT quietly when it is missing, -ELOOP when a
 * link stands anywhere on its path below CS_PIN_ROOT.
 */
int cs_pin_open(const struct cs_state *st, const struct cs_pin_key *k,
		enum cs_pin pin);
/*
 * Every pin directory, this namespace's first, then the other namespaces'
 * (by namespace, then ifindex); symlinks and other names are skipped.
 */
int cs_pin_dirs(const struct cs_state *st, struct cs_pin_key *keys, int max);

/* Remove the namespace directories no attachment is left in (a kill
 * between making one and its attachment's leaves it empty).
 */
void cs_pin_dirs_tidy(const struct cs_state *st);

/* Create the meta map for @m and pin it. */
int cs_meta_pin(const struct cs_pin_key *k, const struct cs_pin_meta *m);
int cs_meta_read(const struct cs_state *st, const struct cs_pin_key *k,
		 struct cs_pin_meta *m);
/* Rewrite the pinned meta of @k (apply takes an attachment over). */
int cs_meta_write(const struct cs_state *st, const struct cs_pin_key *k,
		  const struct cs_pin_meta *m);

#endif
