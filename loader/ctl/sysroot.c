// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#define _GNU_SOURCE	/* O_PATH */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/mount.h>
#include <linux/openat2.h>

#include "log.h"
#include "sysroot.h"

static const char *const tree_names[] = { [CS_SYS] = "sys", [CS_PROC] = "proc" };

/*
 * A sysfs for this network namespace: sysfs tags a new superblock with the
 * network namespace of the task that creates it, and a detached mount
 * (Linux 5.2) needs no mount point and is gone with our last fd on it.
 * The syscalls are called directly: glibc wraps them only from 2.36.
 */
static int private_sysfs(void)
{
	int fs, mnt, err;

	fs = syscall(SYS_fsopen, "sysfs", FSOPEN_CLOEXEC);
	if (fs < 0)
		return -errno;
	if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0)) {
		err = -errno;
		close(fs);
		return err;
	}
	mnt = syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC,
		      MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	err = mnt < 0 ? -errno : mnt;
	close(fs);
	return err;
}

int cs_sysroot_open(const char *dir, struct cs_sysroot *r)
{
	char path[4096];
	int t, err;

	r->fd[CS_SYS] = r->fd[CS_PROC] = -1;
	r->dir = dir;
	if (!dir) {
		r->fd[CS_SYS] = private_sysfs();
		if (r->fd[CS_SYS] < 0) {
			err = r->fd[CS_SYS];
			cs_err("cannot create a sysfs for this network namespace: %s. cpusteer reads interfaces through one because /sys may describe another namespace's interfaces (under 'nsenter --net' it is the host's); run as root (CAP_SYS_ADMIN), or give a recorded machine with --sysroot DIR",
			       strerror(-err));
			return err;
		}
		r->fd[CS_PROC] = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (r->fd[CS_PROC] < 0) {
			err = -errno;
			cs_err("cannot open /proc: %s", strerror(errno));
			cs_sysroot_close(r);
			return err;
		}
		return 0;
	}
	for (t = CS_SYS; t <= CS_PROC; t++) {
		snprintf(path, sizeof(path), "%s/%s", dir, tree_names[t]);
		r->fd[t] = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (r->fd[t] < 0) {
			cs_err("--sysroot %s: %s: %s (a recorded machine has sys/ and proc/ under DIR)",
			       dir, path, strerror(errno));
			cs_sysroot_close(r);
			return -EINVAL;
		}
	}
	return 0;
}

void cs_sysroot_close(struct cs_sysroot *r)
{
	int t;

	for (t = CS_SYS; t <= CS_PROC; t++) {
		if (r->fd[t] >= 0)
			close(r->fd[t]);
		r->fd[t] = -1;
	}
}

const char *cs_sysroot_show(const struct cs_sysroot *r, enum cs_tree t,
			    const char *rel, char *buf, size_t len)
{
	if (r->dir)
		snprintf(buf, len, "%s/%s/%s", r->dir, tree_names[t], rel);
	else
		snprintf(buf, len, "/%s/%s", tree_names[t], rel);
	return buf;
}

/*
 * @rel below the tree's root, never above it: a recorded machine's links
 * (or "..") cannot lead a read, or a write, out of --sysroot DIR, and the
 * kernel's own sysfs links stay inside the sysfs.
 */
static int sysroot_openat(const struct cs_sysroot *r, enum cs_tree t,
			  const char *rel, int flags)
{
	struct open_how how = {
		.flags = flags | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};

	return syscall(SYS_openat2, r->fd[t], rel, &how, sizeof(how));
}

static FILE *sysroot_fopen(const struct cs_sysroot *r, enum cs_tree t,
			   const char *rel, int flags, const char *mode)
{
	int fd = sysroot_openat(r, t, rel, flags);
	FILE *f;

	if (fd < 0)
		return NULL;
	f = fdopen(fd, mode);
	if (!f)
		close(fd);
	return f;
}

FILE *cs_sysroot_fopen(const struct cs_sysroot *r, enum cs_tree t,
		       const char *rel)
{
	return sysroot_fopen(r, t, rel, O_RDONLY, "r");
}

static int read_line(FILE *f, char *buf, size_t len)
{
	int err = 0;

	if (!fgets(buf, len, f))
		err = ferror(f) ? -EIO : -ENODATA;
	else
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
	return err;
}

int cs_sysroot_read(const struct cs_sysroot *r, enum cs_tree t,
		    const char *rel, char *buf, size_t len)
{
	FILE *f = sysroot_fopen(r, t, rel, O_RDONLY, "r");

	return f ? read_line(f, buf, len) : -errno;
}

int cs_read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	return f ? read_line(f, buf, len) : -errno;
}

int cs_sysroot_write(const struct cs_sysroot *r, enum cs_tree t,
		     const char *rel, const char *val)
{
	FILE *f = sysroot_fopen(r, t, rel, O_WRONLY | O_TRUNC, "w");
	int err = 0;

	if (!f)
		return -errno;
	if (fprintf(f, "%s\n", val) < 0)
		err = -EIO;
	/* sysfs reports a refused value when the buffer is flushed. */
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

DIR *cs_sysroot_opendir(const struct cs_sysroot *r, enum cs_tree t,
			const char *rel)
{
	int fd = sysroot_openat(r, t, rel, O_RDONLY | O_DIRECTORY);
	DIR *d;

	if (fd < 0)
		return NULL;
	d = fdopendir(fd);
	if (!d)
		close(fd);
	return d;
}

int cs_sysroot_exists(const struct cs_sysroot *r, enum cs_tree t,
		      const char *rel)
{
	int fd = sysroot_openat(r, t, rel, O_PATH);

	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

/* "0000:81:00.0": a PCI function's name in sysfs. */
static bool is_pci_busid(const char *s, size_t n)
{
	unsigned int dom, bus, dev, fn;
	int end = 0;

	return n == 12 &&
	       sscanf(s, "%4x:%2x:%2x.%1x%n", &dom, &bus, &dev, &fn, &end) == 4 &&
	       end == 12;
}

int cs_sysroot_pci_busid(const struct cs_sysroot *r, const char *ifname,
			 char *busid, size_t len)
{
	char rel[64], proc[64], path[4096], *p, *found = NULL;
	ssize_t n;
	int fd;

	busid[0] = '\0';
	snprintf(rel, sizeof(rel), "class/net/%s/device", ifname);
	fd = sysroot_openat(r, CS_SYS, rel, O_PATH | O_DIRECTORY);
	if (fd < 0)
		return -ENOENT;		/* no device: a virtual interface */
	/* Where the device really is: the kernel resolves the symlinks. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, path, sizeof(path) - 1);
	close(fd);
	if (n <= 0)
		return -ENOENT;
	path[n] = '\0';
	for (p = strtok(path, "/"); p; p = strtok(NULL, "/"))
		if (is_pci_busid(p, strlen(p)))
			found = p;
	if (!found)
		return -ENOENT;
	snprintf(busid, len, "%s", found);
	return 0;
}
