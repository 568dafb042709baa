/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A NIC's interrupts and receive-steering knobs, read from /sys and /proc
 * (or the same paths under a --sysroot, to plan recorded machines), and
 * the save/apply/restore of what attach --auto changes.
 */
#ifndef CS_IRQ_H
#define CS_IRQ_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

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
	__u32 nqueue;		/* RX queue interrupts, by queue number */
	struct cs_irq queue[CS_IRQ_MAX];
	__u32 nother;		/* the device's other interrupts */
};

/* "/proc/..." under --sysroot (or as is): into @buf. */
const char *cs_sys_path(char *buf, size_t len, const char *sysroot,
			const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int cs_nic_irqs(const char *sysroot, const char *ifname,
		struct cs_nic_irqs *out);
/* Link speed in Mb/s, or -1 when the file is missing or says unknown. */
long cs_nic_speed(const char *sysroot, const char *ifname);
/* The PID of a running irqbalance, or 0. */
int cs_irqbalance_pid(const char *sysroot);

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
	char path[1024];
	char old[CS_SAVED_LEN];
	char new[CS_SAVED_LEN];
};

/* Read a one-line file into @buf (newline stripped). */
int cs_read_line(const char *path, char *buf, size_t len);
int cs_write_line(const char *path, const char *val);
/* The rx-N queues' RPS files of IFACE: fills @changes with new = "0". */
int cs_rps_changes(const char *sysroot, const char *ifname,
		   struct cs_change *changes, int max);

/* A pinned HASH map keeps what was there before, in the pin directory. */
int cs_saved_create(void);
/* Save every change's old value, then write the new ones; on a failed
 * write, put back what was written and return the error.
 */
int cs_changes_apply(int saved_fd, struct cs_change *c, int n);
/* Remember --sysroot ("" for none) so that detach restores the same files. */
int cs_saved_set_sysroot(int saved_fd, const char *sysroot);
/* Write back every saved value, under the saved sysroot; errors are
 * reported, the rest goes on.
 */
int cs_saved_restore(int saved_fd, const char *ifname);

#endif
