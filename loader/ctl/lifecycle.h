/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * An attachment's life: made (load, pin, IRQ and RPS changes, the XDP link
 * last), changed in place, and taken apart, each step undone when a later
 * one fails. attach, detach and apply all go through here, under the
 * state lock.
 */
#ifndef CS_LIFECYCLE_H
#define CS_LIFECYCLE_H

#include <stdbool.h>
#include <linux/types.h>

#include "attachment.h"
#include "irq.h"
#include "pins.h"
#include "plan.h"
#include "spec.h"

struct cs_life {
	const char *ifname;
	__u32 ifindex;
	struct cs_state *st;		/* open and locked */
	struct cs_pin_key key;		/* where its pins go */
	struct cs_spec *spec;		/* what it should be */
	bool keep_key;			/* spec's hash key, not a fresh one */
	__u32 meta_flags;		/* CS_META_* */
	bool quiet;			/* no summary line on success */
	/* set by cs_life_attach() with spec filter rules: what it changed */
	__u32 filter_added, filter_deleted;
	/* with spec->automatic, after cs_life_plan() */
	struct cs_plan *plan;
	struct cs_change *changes;
	int nchanges;
};

/*
 * A planned attachment: plan, then check everything the plan implies
 * before anything changes (targets online, the table can hold them,
 * irqbalance will not fight the pinning). Errors are printed; -EINVAL for
 * those the user can fix.
 */
int cs_life_plan(struct cs_life *a);
/* --dry-run: the plan and what attaching would write. */
void cs_life_dry_run(const struct cs_life *a);
/*
 * Who holds the interface's XDP hook: refuses (printed) an attachment of
 * cpusteer's or, without --force, another program; @foreign its id or 0.
 */
int cs_life_check_hook(const struct cs_life *a, __u32 *foreign);
/* Attach: every step undone on failure. */
int cs_life_attach(struct cs_life *a);
/*
 * Change the attachment @cur (opened from a->key) into a->spec: map
 * updates where they do, a new stage-1 program swapped in with
 * bpf_link_update() where the parameters change, so the interface always
 * has a program. What changes is printed, one line each ("would" with
 * @dry_run); *@changes counts them. A change of XDP mode or of planning
 * needs a new link: it detaches and attaches again, which is said. On
 * failure everything is put back as it was.
 */
int cs_life_update(struct cs_life *a, const struct cs_attachment *cur,
		   bool dry_run, int *changes);
/*
 * Detach the attachment pinned at @key: nothing changes if its directory
 * holds anything cpusteer did not make; then the link, the saved IRQ and
 * RPS values, the pins.
 */
int cs_life_detach(const struct cs_state *st, const struct cs_pin_key *key,
		   const char *name, bool force);
/* hash hw: does IFACE's driver hand XDP its RX hash? Refused (printed) if not. */
int cs_check_hw_hash(const char *ifname, __u32 ifindex,
		     const struct cs_spec *spec);
void cs_life_free(struct cs_life *a);

#endif
