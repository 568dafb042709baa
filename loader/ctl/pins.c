// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#define _GNU_SOURCE	/* renameat2 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/time.h>
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
	[CS_PIN_TRACE_KTHREAD] = "trace_kthread",
	[CS_PIN_TRACE_EXCEPTION] = "trace_exception",
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
 * The initial namespaces' fixed nsfs inodes (include/uapi/linux/nsfs.h):
 * the PID namespace's since Linux 3.8, the mount namespace's since 6.x.
 * Dynamically numbered namespaces start at 0xF0000000, so no other
 * namespace can have them.
 */
#define CS_PID_NS_INIT_INO	0xEFFFFFFCU
#define CS_MNT_NS_INIT_INO	0xEFFFFFF8U

enum { NS_HOST = 1, NS_OTHER = 0, NS_UNKNOWN = -1 };

static bool ns_is(const char *path, unsigned long ino)
{
	struct stat st;

	return !stat(path, &st) && st.st_ino == ino;
}

/*
 * Is this the host's (the initial) mount namespace? Where the kernel does
 * not number it, ask pid 1, but only if it is the host's pid 1: in a PID
 * namespace of its own, /proc/1 is that namespace's init, and sharing its
 * mounts says nothing about the host's.
 */
static int in_host_mnt_ns(void)
{
	struct stat self, init;

	if (ns_is("/proc/self/ns/mnt", CS_MNT_NS_INIT_INO))
		return NS_HOST;
	if (!ns_is("/proc/self/ns/pid", CS_PID_NS_INIT_INO) ||
	    stat("/proc/self/ns/mnt", &self) || stat("/proc/1/ns/mnt", &init))
		return NS_UNKNOWN;
	return self.st_dev == init.st_dev && self.st_ino == init.st_ino ?
	       NS_HOST : NS_OTHER;
}

/*
 * Do pins made on /sys/fs/bpf here outlive this command? They do in the
 * host's mount namespace, and in any other that still holds the very same
 * bpffs (a copy of that mount: the same superblock, so the same st_dev). A
 * bpffs mounted inside a private mount namespace dies with it.
 */
static int bpffs_is_hosts(void)
{
	struct stat here, host;
	int ns = in_host_mnt_ns();

	if (ns == NS_HOST)
		return NS_HOST;
	if (ns_is("/proc/self/ns/pid", CS_PID_NS_INIT_INO) &&
	    is_bpffs(CS_BPFFS) && is_bpffs("/proc/1/root" CS_BPFFS) &&
	    !stat(CS_BPFFS, &here) && !stat("/proc/1/root" CS_BPFFS, &host) &&
	    here.st_dev == host.st_dev)
		return NS_HOST;
	return ns;
}

/* Why the state is not to be used from here. */
static void say_not_hosts(int host)
{
	char ns[256];

	if (in_ip_netns_exec(ns, sizeof(ns)))
		cs_err("running under 'ip netns exec %s', whose private /sys hides the host's bpffs: run 'nsenter --net=/run/netns/%s cpusteer ...' instead",
		       ns, ns);
	else if (host == NS_OTHER)
		cs_err("%s here is not the bpffs of the host's mount namespace: this command runs in a mount namespace of its own, where pins would vanish with it (and the steering with them) and the host's pins are not seen; run cpusteer in the host's mount namespace ('nsenter --net=/run/netns/NS' keeps it) or bind-mount the host's %s here",
		       CS_BPFFS, CS_BPFFS);
	else
		cs_err("cannot tell whether %s here is the bpffs of the host's mount namespace (this is another mount or PID namespace, and the host's pid 1 cannot be asked): pins made in a private one would vanish with it; run cpusteer in the host's namespaces ('nsenter --net=/run/netns/NS' keeps them)",
		       CS_BPFFS);
}

static int bpffs_prepare(void)
{
	int host, err;

	host = bpffs_is_hosts();
	if (host != NS_HOST) {
		say_not_hosts(host);
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

static void on_alarm(int sig)
{
	(void)sig;	/* only interrupts the blocking flock() */
}

/*
 * Wait for the lock in the kernel's queue, not by polling (a poller can
 * lose to newcomers again and again), for at most CS_LOCK_WAIT_MS: a
 * timer interrupts the flock().
 */
static int state_lock(int fd, bool exclusive)
{
	struct itimerval t = {
		.it_value = { CS_LOCK_WAIT_MS / 1000,
			      CS_LOCK_WAIT_MS % 1000 * 1000 },
	}, off = {};
	struct sigaction sa = { .sa_handler = on_alarm }, old;
	int op = exclusive ? LOCK_EX : LOCK_SH, err = 0;

	if (!flock(fd, op | LOCK_NB))
		return 0;
	if (errno != EWOULDBLOCK)
		goto err_lock;
	cs_debug("waiting for another cpusteer command to finish with %s",
		 CS_PIN_ROOT);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &old);	/* no SA_RESTART: flock() returns */
	setitimer(ITIMER_REAL, &t, NULL);
	if (flock(fd, op))
		err = -errno;
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old, NULL);
	if (!err)
		return 0;
	if (err == -EINTR) {
		cs_err("another cpusteer command has been changing %s for %d s (an attach or detach still running?); try again when it has finished",
		       CS_PIN_ROOT, CS_LOCK_WAIT_MS / 1000);
		return -EBUSY;
	}
	errno = -err;
err_lock:
	err = -errno;
	cs_err("cannot lock %s: %s", CS_PIN_ROOT, strerror(-err));
	return err;
}

int cs_state_open(enum cs_state_access acc, struct cs_state *st)
{
	int err, host;

	st->root_fd = -1;
	err = cs_netns_id(&st->netns);
	if (err)
		return err;
	if (acc == CS_STATE_CREATE) {
		err = bpffs_prepare();
		if (err)
			return err;
	} else {
		/* Only the host's bpffs holds the state: a missing one there
		 * means nothing is attached; elsewhere, or a private bpffs,
		 * says nothing about the host's.
		 */
		host = bpffs_is_hosts();
		if (host != NS_HOST) {
			say_not_hosts(host);
			return -ENOENT;
		}
		if (!is_bpffs(CS_BPFFS))
			return 0;
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

struct cs_pin_key cs_pin_key_here(const struct cs_state *st, __u32 ifindex)
{
	return (struct cs_pin_key){ .netns = st->netns, .ifindex = ifindex };
}

int cs_pin_dir_path(char *buf, size_t len, const struct cs_pin_key *k)
{
	int n = snprintf(buf, len, "%s/" NETNS_DIR "/" IF_DIR, CS_PIN_ROOT,
			 (unsigned long long)k->netns, k->ifindex);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int cs_pin_path(char *buf, size_t len, const struct cs_pin_key *k,
		enum cs_pin pin)
{
	int n = snprintf(buf, len, "%s/" NETNS_DIR "/" IF_DIR "/%s",
			 CS_PIN_ROOT, (unsigned long long)k->netns, k->ifindex,
			 cs_pin_names[pin]);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* A directory below @dirfd, never through a symlink. */
static int subdir_open(int dirfd, const char *name)
{
	return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
				   O_CLOEXEC);
}

static int netns_dir_open(const struct cs_state *st, __u64 netns)
{
	char name[32];

	if (st->root_fd < 0) {
		errno = ENOENT;
		return -1;
	}
	snprintf(name, sizeof(name), NETNS_DIR, (unsigned long long)netns);
	return subdir_open(st->root_fd, name);
}

/* The key's directory, each step checked to be a directory, not a link. */
static int key_dir_open(const struct cs_state *st, const struct cs_pin_key *k)
{
	char name[32];
	int ns, dir, err;

	ns = netns_dir_open(st, k->netns);
	if (ns < 0)
		return -1;
	snprintf(name, sizeof(name), IF_DIR, k->ifindex);
	dir = subdir_open(ns, name);
	err = errno;
	close(ns);
	errno = err;
	return dir;
}

bool cs_pin_dir_exists(const struct cs_state *st, const struct cs_pin_key *k)
{
	int dir = key_dir_open(st, k);

	if (dir < 0)
		return false;
	close(dir);
	return true;
}

int cs_pin_dir_create(const struct cs_state *st, const struct cs_pin_key *k)
{
	char name[32], path[256];
	int ns, err = 0;

	snprintf(name, sizeof(name), NETNS_DIR, (unsigned long long)k->netns);
	if (mkdirat(st->root_fd, name, 0700) && errno != EEXIST)
		err = -errno;
	ns = err ? -1 : subdir_open(st->root_fd, name);
	if (!err && ns < 0)
		err = -errno;
	snprintf(name, sizeof(name), IF_DIR, k->ifindex);
	if (!err && mkdirat(ns, name, 0700))
		err = -errno;
	if (ns >= 0)
		close(ns);
	if (err) {
		cs_pin_dir_path(path, sizeof(path), k);
		cs_err("cannot create the pin directory %s: %s", path,
		       strerror(-err));
	}
	return err;
}

int cs_pin_dir_move(const struct cs_state *st, const struct cs_pin_key *from,
		    const struct cs_pin_key *to)
{
	char a[32], b[32], path[256];
	int ns, err = 0;

	if (from->netns != to->netns)
		return -EXDEV;
	ns = netns_dir_open(st, from->netns);
	if (ns < 0)
		return -errno;
	snprintf(a, sizeof(a), IF_DIR, from->ifindex);
	snprintf(b, sizeof(b), IF_DIR, to->ifindex);
	if (renameat2(ns, a, ns, b, RENAME_NOREPLACE)) {
		err = -errno;
		cs_pin_dir_path(path, sizeof(path), from);
		cs_err("cannot move %s to %s: %s", path, b, strerror(-err));
	}
	close(ns);
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

static bool is_pin_name(const char *name)
{
	int i;

	for (i = 0; i < CS_PIN_MAX; i++)
		if (!strcmp(name, cs_pin_names[i]))
			return true;
	return false;
}

/* Entries of @dirfd that cpusteer does not make; reported. */
static int foreign_entries(int dirfd, const char *path)
{
	struct dirent *de;
	struct stat st;
	int n = 0;
	DIR *d;

	d = dir_stream(dirfd);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		/* cpusteer's names, as the pinned objects bpffs makes. */
		if (is_pin_name(de->d_name) &&
		    !fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) &&
		    S_ISREG(st.st_mode))
			continue;
		cs_err("%s/%s was not made by cpusteer: it is left in place; remove it yourself if nothing needs it, then run detach again",
		       path, de->d_name);
		n++;
	}
	closedir(d);
	return n;
}

/* Why the directory of @k cannot be opened, said. */
static int say_dir_error(const struct cs_pin_key *k, int err)
{
	char path[256];

	cs_pin_dir_path(path, sizeof(path), k);
	if (err == -ELOOP || err == -ENOTDIR)
		cs_err("%s (or its namespace directory) is not a directory but a link or another object: cpusteer will not follow it",
		       path);
	else
		cs_err("cannot open %s: %s", path, strerror(-err));
	return err;
}

int cs_pins_foreign(const struct cs_state *st, const struct cs_pin_key *k)
{
	char path[256];
	int dir, n;

	dir = key_dir_open(st, k);
	if (dir < 0)
		return errno == ENOENT ? 0 : say_dir_error(k, -errno);
	cs_pin_dir_path(path, sizeof(path), k);
	n = foreign_entries(dir, path);
	close(dir);
	return n;
}

int cs_pins_remove(const struct cs_state *st, const struct cs_pin_key *k)
{
	char name[32], path[256];
	int ns, dir = -1, i, n, err = 0;

	cs_pin_dir_path(path, sizeof(path), k);
	ns = netns_dir_open(st, k->netns);
	if (ns < 0)
		return errno == ENOENT ? 0 : say_dir_error(k, -errno);
	snprintf(name, sizeof(name), IF_DIR, k->ifindex);
	dir = subdir_open(ns, name);
	if (dir < 0) {
		err = errno == ENOENT ? 0 : say_dir_error(k, -errno);
		goto out;
	}
	if (!is_bpffs_fd(dir)) {
		cs_err("%s is not on bpffs: cpusteer will not remove anything there",
		       path);
		err = -EPERM;
		goto out;
	}
	/* Anything else there first: then nothing is removed at all. */
	n = foreign_entries(dir, path);
	if (n) {
		err = n < 0 ? n : -ENOTEMPTY;
		goto out;
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
	if (!err && unlinkat(ns, name, AT_REMOVEDIR)) {
		err = -errno;
		cs_err("cannot remove %s: %s", path, strerror(-err));
	}
	/* The namespace's directory goes with its last attachment. */
	if (!err) {
		snprintf(name, sizeof(name), NETNS_DIR,
			 (unsigned long long)k->netns);
		unlinkat(st->root_fd, name, AT_REMOVEDIR);
	}
out:
	if (dir >= 0)
		close(dir);
	close(ns);
	return err;
}

int cs_pin_open(const struct cs_state *st, const struct cs_pin_key *k,
		enum cs_pin pin)
{
	char path[256];
	struct stat s;
	int dir, fd;

	if (st->root_fd < 0)
		return -ENOENT;
	/* bpf_obj_get() follows links: make sure there are none on the way. */
	dir = key_dir_open(st, k);
	if (dir < 0)
		return -errno;
	fd = fstatat(dir, cs_pin_names[pin], &s, AT_SYMLINK_NOFOLLOW) ? -errno :
	     S_ISREG(s.st_mode) ? 0 : -ELOOP;
	close(dir);
	if (fd)
		return fd;
	if (cs_pin_path(path, sizeof(path), k, pin))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}

/* "if-7" -> 7, "netns-4026531840" -> 4026531840: exactly that, or false. */
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

static bool parse_netns_dir(const char *name, __u64 *netns)
{
	unsigned long long v;
	int end = 0;

	if (sscanf(name, NETNS_DIR "%n", &v, &end) != 1 || name[end] ||
	    name[6] < '1' || name[6] > '9')
		return false;
	*netns = v;
	return true;
}

/* A real directory below @dirfd (a link is never taken for one). */
static bool is_subdir(int dirfd, const char *name)
{
	struct stat st;

	return !fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) &&
	       S_ISDIR(st.st_mode);
}

static const struct cs_state *sort_state;

static int key_cmp(const void *a, const void *b)
{
	const struct cs_pin_key *x = a, *y = b;
	bool xh = x->netns == sort_state->netns;
	bool yh = y->netns == sort_state->netns;

	if (xh != yh)
		return xh ? -1 : 1;
	if (x->netns != y->netns)
		return x->netns < y->netns ? -1 : 1;
	return x->ifindex < y->ifindex ? -1 : x->ifindex > y->ifindex;
}

/* The IF_DIR entries of namespace @netns's directory, into @keys. */
static int list_if_dirs(const struct cs_state *st, __u64 netns,
			struct cs_pin_key *keys, int n, int max)
{
	struct dirent *de;
	__u32 ifindex;
	int ns;
	DIR *d;

	ns = netns_dir_open(st, netns);
	d = ns < 0 ? NULL : dir_stream(ns);
	while (d && (de = readdir(d)) && n < max)
		if (parse_if_dir(de->d_name, &ifindex) &&
		    is_subdir(ns, de->d_name))
			keys[n++] = (struct cs_pin_key){ netns, ifindex };
	if (d)
		closedir(d);
	if (ns >= 0)
		close(ns);
	return n;
}

int cs_pin_dirs(const struct cs_state *st, struct cs_pin_key *keys, int max)
{
	struct dirent *de;
	__u64 netns;
	int n = 0;
	DIR *d;

	d = dir_stream(st->root_fd);
	if (!d)
		return 0;
	while ((de = readdir(d)) && n < max)
		if (parse_netns_dir(de->d_name, &netns) &&
		    is_subdir(st->root_fd, de->d_name))
			n = list_if_dirs(st, netns, keys, n, max);
	closedir(d);
	sort_state = st;
	qsort(keys, n, sizeof(*keys), key_cmp);
	return n;
}

void cs_pin_dirs_tidy(const struct cs_state *st)
{
	struct dirent *de;
	__u64 netns;
	DIR *d;

	d = dir_stream(st->root_fd);
	if (!d)
		return;
	while ((de = readdir(d)))
		if (parse_netns_dir(de->d_name, &netns) &&
		    is_subdir(st->root_fd, de->d_name))
			unlinkat(st->root_fd, de->d_name, AT_REMOVEDIR);
	closedir(d);	/* (a directory that is not empty stays) */
}

int cs_meta_pin(const struct cs_pin_key *k, const struct cs_pin_meta *m)
{
	char path[256];
	__u32 zero = 0;
	int fd, err = 0;

	cs_pin_path(path, sizeof(path), k, CS_PIN_META);
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

/* The meta map of @k, if it is one cpusteer made (our value size). */
static int meta_open(const struct cs_state *st, const struct cs_pin_key *k)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd, err = 0;

	fd = cs_pin_open(st, k, CS_PIN_META);
	if (fd < 0)
		return fd;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		err = -errno;
	else if (info.value_size != sizeof(struct cs_pin_meta) ||
		 info.max_entries != 1)
		err = -EINVAL;
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

int cs_meta_read(const struct cs_state *st, const struct cs_pin_key *k,
		 struct cs_pin_meta *m)
{
	__u32 zero = 0;
	int fd, err = 0;

	fd = meta_open(st, k);
	if (fd < 0)
		return fd;
	if (bpf_map_lookup_elem(fd, &zero, m))
		err = -errno;
	close(fd);
	if (!err)
		m->ifname[IF_NAMESIZE - 1] = '\0';
	return err;
}

int cs_meta_write(const struct cs_state *st, const struct cs_pin_key *k,
		  const struct cs_pin_meta *m)
{
	__u32 zero = 0;
	int fd, err = 0;

	fd = meta_open(st, k);
	if (fd >= 0 && bpf_map_update_elem(fd, &zero, m, BPF_ANY))
		err = -errno;
	if (fd >= 0)
		close(fd);
	else
		err = fd;
	if (err)
		cs_err("cannot record the attachment's meta: %s",
		       strerror(-err));
	return err;
}
