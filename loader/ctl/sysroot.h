/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Where cpusteer reads and writes /sys and /proc: this machine, or a
 * recorded one under --sysroot DIR.
 *
 * On this machine, /sys cannot be trusted to describe this process's
 * interfaces: sysfs shows the network devices of the namespace that
 * mounted it, so under 'nsenter --net=...' /sys/class/net/eth0 is the
 * host's eth0. cpusteer therefore reads interfaces through a sysfs of its
 * own, created for its own network namespace (fsopen + fsmount: a detached
 * mount that no other process sees and that goes away with the process).
 * /proc/irq and /proc/interrupts are not per namespace.
 */
#ifndef CS_SYSROOT_H
#define CS_SYSROOT_H

#include <dirent.h>
#include <stddef.h>
#include <stdio.h>

enum cs_tree {
	CS_SYS,		/* /sys */
	CS_PROC,	/* /proc */
};

struct cs_sysroot {
	int fd[2];		/* by enum cs_tree */
	const char *dir;	/* --sysroot DIR; NULL: this machine */
};

/*
 * @dir NULL: this machine (needs CAP_SYS_ADMIN for the private sysfs);
 * otherwise DIR/sys and DIR/proc. Errors are printed: -EINVAL for a
 * --sysroot that is not a recorded machine, -EPERM without the privilege.
 */
int cs_sysroot_open(const char *dir, struct cs_sysroot *r);
void cs_sysroot_close(struct cs_sysroot *r);

/* @rel ("class/net/eth0/speed") as a user would write it, for messages. */
const char *cs_sysroot_show(const struct cs_sysroot *r, enum cs_tree t,
			    const char *rel, char *buf, size_t len);
/* One line (newline stripped), or -errno. */
int cs_sysroot_read(const struct cs_sysroot *r, enum cs_tree t,
		    const char *rel, char *buf, size_t len);
int cs_sysroot_write(const struct cs_sysroot *r, enum cs_tree t,
		     const char *rel, const char *val);
FILE *cs_sysroot_fopen(const struct cs_sysroot *r, enum cs_tree t,
		       const char *rel);
DIR *cs_sysroot_opendir(const struct cs_sysroot *r, enum cs_tree t,
			const char *rel);
int cs_sysroot_exists(const struct cs_sysroot *r, enum cs_tree t,
		      const char *rel);
/*
 * The PCI device (domain:bus:dev.fn) an interface hangs off, directly or
 * through a parent (virtio_net's virtioN sits under its PCI function).
 * -ENOENT for a virtual interface.
 */
int cs_sysroot_pci_busid(const struct cs_sysroot *r, const char *ifname,
			 char *busid, size_t len);

/* Plain files, for the rare path that is not under a sysroot. */
int cs_read_line(const char *path, char *buf, size_t len);

#endif
