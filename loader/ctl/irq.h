/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A NIC's interrupts and receive-steering knobs, read from /sys and /proc
 * of this machine (a sysfs of this network namespace, see sysroot.h) or of
 * a recorded one under --sysroot, and the save/apply/restore of what
 * attach --auto changes.
 */
#ifndef CS_IRQ_H
#define CS_IRQ_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "sysroot.h"

#define CS_IRQ_MAX	1024	/* queue interrupts per NIC we handle */
#define CS_RXQ_MAX	1024	/* rx-N queue directories per NIC */
#define CS_SAVED_LEN	256	/* a saved cpulist or cpumask, as text */

struct cs_irq {
	__u32 irq;
	__u32 queue;		/* the queue number in its name */
	char name[64];
};

struct cs_nic_irqs {
	bool has_device;	/* /sys/class/net/IFACE/device exists */
	__u32 nqueue;		/* RX queue interrupts kept, by queue number */
	struct cs_irq queue[CS_IRQ_MAX];
	__u32 nskipped;		/* RX queue interrupts past CS_IRQ_MAX */
	__u32 nother;		/* the device's other interrupts */
};

int cs_nic_irqs(const struct cs_sysroot *r, const char *ifname,
		struct cs_nic_irqs *out);
/* Link speed in Mb/s, or -1 when the file is missing or says unknown. */
long cs_nic_speed(const struct cs_sysroot *r, const char *ifname);
/* The PID of a running irqbalance, or 0. */
int cs_irqbalance_pid(const struct cs_sysroot *r);

/* One value attach --auto changes: an IRQ's affinity or a queue's RPS. */
enum cs_saved_kind {
	CS_SAVED_IRQ = 1,	/* /proc/irq/N/smp_affinity_list */
	CS_SAVED_RPS = 2,	/* /sys/class/net/IFACE/queues/rx-N/rps_cpus */
	CS_SAVED_SYSROOT = 3,	/* the --sysroot those paths are under */
};

struct cs_saved_key {
	__u32 kind;
	__u32 index;
};

struct cs_change {
	enum cs_saved_kind kind;
	__u32 index;
	char old[CS_SAVED_LEN];
	char new[CS_SAVED_LEN];
};

/* Where change @c lives, relative to its tree, and as a user sees it. */
void cs_change_rel(const struct cs_change *c, const char *ifname,
		   enum cs_tree *tree, char *rel, size_t len);
const char *cs_change_show(const struct cs_sysroot *r,
			   const struct cs_change *c, const char *ifname,
			   char *buf, size_t len);
/* IRQ @irq's affinity now, into a change that would set it to @cpu. */
int cs_irq_change(const struct cs_sysroot *r, __u32 irq, __u32 cpu,
		  struct cs_change *c);
/* The rx-N queues' RPS masks of IFACE: fills @changes with new = "0". */
int cs_rps_changes(const struct cs_sysroot *r, const char *ifname,
		   struct cs_change *changes, int max);

/* A pinned HASH map keeps what was there before, in the pin directory. */
int cs_saved_create(void);
/*
 * Save every change's old value, then write the new ones; on a failed
 * write, put back what was written and return the error.
 */
int cs_changes_apply(int saved_fd, const struct cs_sysroot *r,
		     const char *ifname, struct cs_change *c, int n);
/* How many values the saved map keeps to put back. */
int cs_saved_count(int saved_fd);
/* Remember --sysroot ("" for none) so that detach restores the same files. */
int cs_saved_set_sysroot(int saved_fd, const char *sysroot);
/*
 * Write back every saved value, under the saved sysroot, for the interface
 * now called @ifname; NULL when it is gone, and then nothing is written
 * (its interrupt numbers may belong to another device by now) and that is
 * said. Errors are reported, the rest goes on.
 */
int cs_saved_restore(int saved_fd, const char *ifname);

#endif
