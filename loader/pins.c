// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>

#include "iface.h"
#include "log.h"
#include "pins.h"

const char *const cs_pin_names[CS_PIN_MAX] = {
	[CS_PIN_META] = "meta",
	[CS_PIN_LINK] = "link",
	[CS_PIN_CPU_MAP] = "cpu_map",
	[CS_PIN_TABLE] = "table",
	[CS_PIN_STATS] = "stats",
	[CS_PIN_TRACE_ENQUEUE] = "trace_enqueue",
	[CS_PIN_TRACE_REDIRECT_ERR] = "trace_redirect_err",
	[CS_PIN_SAVED] = "saved",
};

#define NETNS_DIR	"netns-%llu"
#define IF_DIR		"if-%u"
#define LOCK_POLL_MS	20

static bool is_bpffs(const char *path)
{
	struct statfs st;

	return !statfs(path, &st) && st.f_type == BPF_FS_MAGIC;
}

static bool is_bpffs_fd(int fd)
{
	struct statfs st;

	return !fstatfs(fd, &st) && st.f_type == BPF_FS_MAGIC;
}

/*
 * "ip netns exec NS" runs its command in a private mount namespace with a
 * fresh /sys (mounted with NS as its source), which hides the host's bpffs.
 * Returns 1 and the namespace's name if that is where we run, so the
 * refusal can say what to run instead.
 */
static int in_ip_netns_exec(char *name, size_t len)
{
	char line[1024], mnt[256], type[64], src[256], path[512];
	struct stat st;
	int found = 0;
	FILE *f;

	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - ");

		if (!sep || sscanf(line, "%*s %*s %*s %*s %255s", mnt) != 1 ||
		    strcmp(mnt, "/sys") ||
		    sscanf(sep + 3, "%63s %255s", type, src) != 2 ||
		    strcmp(type, "sysfs"))
			continue;
		snprintf(path, sizeof(path), "/run/netns/%s", src);
		found = !strchr(src, '/') && !stat(path, &st);
		if (found)
			snprintf(name, len, "%s", src);
	}
	fclose(f);
	return found;
}

/*
 * The initial mount namespace's fixed nsfs inode (MNT_NS_INIT_INO in
 * include/uapi/linux/nsfs.h, Linux 6.x); dynamically numbered namespaces
 * start at 0xF0000000, so no other namespace can have it. Older kernels
 * number the initial one dynamically too: then pid 1 is asked.
 */
#define CS_MNT_NS_INIT_INO	0xEFFFFFF8U

enum { NS_HOST = 1, NS_OTHER = 0, NS_UNKNOWN = -1 };

/* Is this pid 1's (the host's) mount namespace? */
static int in_host_mnt_ns(void)
{
	struct stat self, init;

	if (stat("/proc/self/ns/mnt", &self))
		return NS_UNKNOWN;
	if (self.st_ino == CS_MNT_NS_INIT_INO)
		return NS_HOST;
	if (stat("/proc/1/ns/mnt", &init))
		return NS_UNKNOWN;	/* a pid 1 that hides its namespaces */
	return self.st_dev == init.st_dev && self.st_ino == init.st_ino ?
	       NS_HOST : NS_OTHER;
}

/*
 * Do pins made on /sys/fs/bpf here outlive this command? They do in pid
 * 1's mount namespace, and in any other that still holds the very same
 * bpffs (a copy of that mount: the same superblock, so the same st_dev).
 * A bpffs mounted inside a private mount namespace dies with it.
 */
static int bpffs_is_hosts(void)
{
	struct stat here, host;
	int ns = in_host_mnt_ns();

	if (ns == NS_HOST)
		return NS_HOST;
	if (is_bpffs(CS_BPFFS) && is_bpffs("/proc/1/root" CS_BPFFS) &&
	    !stat(CS_BPFFS, &here) && !stat("/proc/1/root" CS_BPFFS, &host) &&
	    here.st_dev == host.st_dev)
		return NS_HOST;
	return ns;
}

static int bpffs_prepare(void)
{
	char ns[256];
	int host, err;

	host = bpffs_is_hosts();
	if (host != NS_HOST) {
		if (in_ip_netns_exec(ns, sizeof(ns)))
			cs_err("running under 'ip netns exec %s', whose private /sys hides the host's bpffs: pins made here would vanish when the command exits; run 'nsenter --net=/run/netns/%s cpusteer ...' instead",
			       ns, ns);
		else if (host == NS_OTHER)
			cs_err("%s here is not the bpffs of pid 1's mount namespace: this command runs in a mount namespace of its own, and pins made here would vanish with it, and the steering with them; run cpusteer in the host's mount namespace ('nsenter --net=/run/netns/NS' keeps it) or bind-mount the host's %s here",
			       CS_BPFFS, CS_BPFFS);
		else
			cs_err("cannot tell whether %s here is the bpffs of the host's mount namespace (this is another mount namespace, and pid 1's is not readable): pins made in a private one would vanish with it; run cpusteer in the host's mount namespace ('nsenter --net=/run/netns/NS' keeps it)",
			       CS_BPFFS);
		return -EPERM;
	}
	if (!is_bpffs(CS_BPFFS) && mount("bpf", CS_BPFFS, "bpf", 0, "mode=0700")) {
		err = -errno;
		cs_err("bpffs is not mounted on %s and mounting it failed: %s (mount it with 'mount -t bpf bpf %s')",
		       CS_BPFFS, strerror(-err), CS_BPFFS);
		return err;
	}
	if (mkdir(CS_PIN_ROOT, 0700) && errno != EEXIST) {
		err = -errno;
		cs_err("cannot create %s: %s", CS_PIN_ROOT, strerror(-err));
		return err;
	}
	return 0;
}

static int state_lock(int fd, bool exclusive)
{
	int waited = 0, err;

	while (flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB)) {
		if (errno != EWOULDBLOCK) {
			err = -errno;
			cs_err("cannot lock %s: %s", CS_PIN_ROOT, strerror(-err));
			return err;
		}
		if (waited >= CS_LOCK_WAIT_MS) {
			cs_err("another cpusteer command has been changing %s for %d s (an attach or detach still running?); try again when it has finished",
			       CS_PIN_ROOT, CS_LOCK_WAIT_MS / 1000);
			return -EBUSY;
		}
		if (!waited)
			cs_debug("waiting for another cpusteer command to finish with %s",
				 CS_PIN_ROOT);
		usleep(LOCK_POLL_MS * 1000);
		waited += LOCK_POLL_MS;
	}
	return 0;
}

int cs_state_open(enum cs_state_access acc, struct cs_state *st)
{
	int err;

	st->root_fd = -1;
	err = cs_netns_id(&st->netns);
	if (err)
		return err;
	if (acc == CS_STATE_CREATE) {
		err = bpffs_prepare();
		if (err)
			return err;
	} else if (!is_bpffs(CS_BPFFS)) {
		return 0;	/* never mounted: nothing is attached */
	}
	st->root_fd = open(CS_PIN_ROOT, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					O_CLOEXEC);
	if (st->root_fd < 0) {
		err = -errno;
		if (err == -ENOENT && acc != CS_STATE_CREATE)
			return 0;
		cs_err("cannot open %s: %s (it must be a directory, not a link)",
		       CS_PIN_ROOT, strerror(-err));
		return err;
	}
	if (!is_bpffs_fd(st->root_fd)) {
		cs_err("%s is not on bpffs: something else is mounted there; cpusteer will not touch it",
		       CS_PIN_ROOT);
		err = -EPERM;
	} else {
		err = state_lock(st->root_fd, acc != CS_STATE_READ);
	}
	if (err)
		cs_state_close(st);
	return err;
}

void cs_state_close(struct cs_state *st)
{
	if (st->root_fd >= 0)
		close(st->root_fd);	/* releases the lock */
	st->root_fd = -1;
}

int cs_pin_dir_path(char *buf, size_t len, const struct cs_state *st,
		    __u32 ifindex)
{
	int n = snprintf(buf, len, "%s/" NETNS_DIR "/" IF_DIR, CS_PIN_ROOT,
			 (unsigned long long)st->netns, ifindex);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int cs_pin_path(char *buf, size_t len, const struct cs_state *st,
		__u32 ifindex, enum cs_pin pin)
{
	int n = snprintf(buf, len, "%s/" NETNS_DIR "/" IF_DIR "/%s",
			 CS_PIN_ROOT, (unsigned long long)st->netns, ifindex,
			 cs_pin_names[pin]);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* A directory below @dirfd, never through a symlink. */
static int subdir_open(int dirfd, const char *name)
{
	return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
				   O_CLOEXEC);
}

static int netns_dir_open(const struct cs_state *st)
{
	char name[32];

	if (st->root_fd < 0)
		return -ENOENT;
	snprintf(name, sizeof(name), NETNS_DIR, (unsigned long long)st->netns);
	return subdir_open(st->root_fd, name);
}

bool cs_pin_dir_exists(const struct cs_state *st, __u32 ifindex)
{
	char name[32];
	struct stat s;
	int ns = netns_dir_open(st);
	bool found;

	if (ns < 0)
		return false;
	snprintf(name, sizeof(name), IF_DIR, ifindex);
	found = !fstatat(ns, name, &s, AT_SYMLINK_NOFOLLOW) &&
		S_ISDIR(s.st_mode);
	close(ns);
	return found;
}

int cs_pin_dir_create(const struct cs_state *st, __u32 ifindex)
{
	char name[32], path[256];
	int ns, err = 0;

	snprintf(name, sizeof(name), NETNS_DIR, (unsigned long long)st->netns);
	if (mkdirat(st->root_fd, name, 0700) && errno != EEXIST)
		err = -errno;
	ns = err ? -1 : subdir_open(st->root_fd, name);
	if (!err && ns < 0)
		err = -errno;
	snprintf(name, sizeof(name), IF_DIR, ifindex);
	if (!err && mkdirat(ns, name, 0700))
		err = -errno;
	if (ns >= 0)
		close(ns);
	if (err) {
		cs_pin_dir_path(path, sizeof(path), st, ifindex);
		cs_err("cannot create the pin directory %s: %s", path,
		       strerror(-err));
	}
	return err;
}

/* A directory stream over @dirfd, from its start; @dirfd stays open. */
static DIR *dir_stream(int dirfd)
{
	int fd = dirfd < 0 ? -1 : dup(dirfd);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);

	if (!d && fd >= 0)
		close(fd);
	if (d)
		rewinddir(d);	/* the dup shares the offset */
	return d;
}

/* Entries of @dirfd that cpusteer did not make; reported. */
static int foreign_entries(int dirfd, const char *path)
{
	struct dirent *de;
	int n = 0;
	DIR *d;

	d = dir_stream(dirfd);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		cs_err("%s/%s was not made by cpusteer: left in place; remove it yourself, then run detach again",
		       path, de->d_name);
		n++;
	}
	closedir(d);
	return n;
}

int cs_pins_remove(const struct cs_state *st, __u32 ifindex)
{
	char name[32], path[256];
	int ns, dir, i, err = 0;

	cs_pin_dir_path(path, sizeof(path), st, ifindex);
	ns = netns_dir_open(st);
	if (ns < 0)
		return errno == ENOENT ? 0 : -errno;
	snprintf(name, sizeof(name), IF_DIR, ifindex);
	dir = subdir_open(ns, name);
	if (dir < 0) {
		err = errno == ENOENT ? 0 : -errno;
		goto out_ns;
	}
	if (!is_bpffs_fd(dir)) {
		cs_err("%s is not on bpffs: cpusteer will not remove anything there",
		       path);
		err = -EPERM;
		goto out_dir;
	}
	/* Only the names cpusteer pins, only inside its own directory. */
	for (i = CS_PIN_MAX - 1; i >= 0; i--) {
		if (unlinkat(dir, cs_pin_names[i], 0) && errno != ENOENT &&
		    !err) {
			err = -errno;
			cs_err("cannot remove pin %s/%s: %s", path,
			       cs_pin_names[i], strerror(-err));
		}
	}
	if (!err && foreign_entries(dir, path))
		err = -ENOTEMPTY;
	if (!err && unlinkat(ns, name, AT_REMOVEDIR)) {
		err = -errno;
		cs_err("cannot remove %s: %s", path, strerror(-err));
	}
	/* The namespace's directory goes with its last attachment. */
	if (!err) {
		snprintf(name, sizeof(name), NETNS_DIR,
			 (unsigned long long)st->netns);
		unlinkat(st->root_fd, name, AT_REMOVEDIR);
	}
out_dir:
	close(dir);
out_ns:
	close(ns);
	return err;
}

int cs_pin_open(const struct cs_state *st, __u32 ifindex, enum cs_pin pin)
{
	char path[256];
	int fd;

	if (st->root_fd < 0)
		return -ENOENT;
	if (cs_pin_path(path, sizeof(path), st, ifindex, pin))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}

/* "if-7" -> 7; false for anything that is not exactly that. */
static bool parse_if_dir(const char *name, __u32 *ifindex)
{
	unsigned int v;
	int end = 0;

	if (sscanf(name, IF_DIR "%n", &v, &end) != 1 || name[end] ||
	    name[3] < '1' || name[3] > '9')
		return false;
	*ifindex = v;
	return true;
}

static int u32_cmp(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

/* IF_DIR entries of the directory @fd (closed here). */
static int list_if_dirs(int fd, __u32 *ifindex, int max)
{
	struct dirent *de;
	int n = 0;
	__u32 v;
	DIR *d;

	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 0;
	}
	while ((de = readdir(d)))
		if (parse_if_dir(de->d_name, &v) && n < max) {
			if (ifindex)
				ifindex[n] = v;
			n++;
		}
	closedir(d);
	if (ifindex)
		qsort(ifindex, n, sizeof(*ifindex), u32_cmp);
	return n;
}

int cs_pin_dirs(const struct cs_state *st, __u32 *ifindex, int max)
{
	int ns = netns_dir_open(st);

	return ns < 0 ? 0 : list_if_dirs(ns, ifindex, max);
}

int cs_pin_dirs_elsewhere(const struct cs_state *st)
{
	unsigned long long id;
	struct dirent *de;
	int n = 0, fd, end;
	DIR *d;

	d = dir_stream(st->root_fd);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		end = 0;
		if (sscanf(de->d_name, NETNS_DIR "%n", &id, &end) != 1 ||
		    de->d_name[end] || id == st->netns)
			continue;
		fd = subdir_open(st->root_fd, de->d_name);
		if (fd >= 0)
			n += list_if_dirs(fd, NULL, 1 << 20);
	}
	closedir(d);
	return n;
}

int cs_meta_pin(const struct cs_state *st, const struct cs_pin_meta *m)
{
	char path[256];
	__u32 zero = 0;
	int fd, err = 0;

	cs_pin_path(path, sizeof(path), st, m->ifindex, CS_PIN_META);
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "cs_meta", sizeof(zero),
			    sizeof(*m), 1, NULL);
	if (fd < 0 || bpf_map_update_elem(fd, &zero, m, BPF_ANY) ||
	    bpf_obj_pin(fd, path)) {
		err = -errno;
		cs_err("cannot pin %s: %s", path, strerror(-err));
	}
	if (fd >= 0)
		close(fd);
	return err;
}

int cs_meta_read(const struct cs_state *st, __u32 ifindex,
		 struct cs_pin_meta *m)
{
	struct bpf_map_info info = {};
	__u32 zero = 0;
	int fd, err = 0;
	__u32 len = sizeof(info);

	fd = cs_pin_open(st, ifindex, CS_PIN_META);
	if (fd < 0)
		return fd;
	/* Read only what cpusteer wrote: the size must be ours. */
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		err = -errno;
	else if (info.value_size != sizeof(*m) || info.max_entries != 1)
		err = -EINVAL;
	else if (bpf_map_lookup_elem(fd, &zero, m))
		err = -errno;
	close(fd);
	if (!err)
		m->ifname[IF_NAMESIZE - 1] = '\0';
	return err;
}
