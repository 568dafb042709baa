// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/bpf.h>

#include "log.h"
#include "pins.h"

const char *const cs_pin_names[CS_PIN_MAX] = {
	[CS_PIN_LINK] = "link",
	[CS_PIN_CPU_MAP] = "cpu_map",
	[CS_PIN_TABLE] = "table",
	[CS_PIN_STATS] = "stats",
	[CS_PIN_TRACE_ENQUEUE] = "trace_enqueue",
	[CS_PIN_TRACE_REDIRECT_ERR] = "trace_redirect_err",
	[CS_PIN_SAVED] = "saved",
};

/*
 * "ip netns exec NS" runs its command in a private mount namespace with a
 * fresh /sys (mounted with NS as its source), which hides the host's bpffs;
 * a bpffs mounted there dies with the command, and every pin with it.
 * Returns 1 and the namespace's name if that is where we run.
 */
static int in_ip_netns_exec(char *name, size_t len)
{
	char line[1024], mnt[256], type[64], src[256], path[512];
	struct stat st;
	int found = 0;
	FILE *f;

	f = fopen("/proc/self/mountinfo", "r");
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

int cs_bpffs_ensure(void)
{
	char ns[256];
	struct statfs st;

	if (!statfs(CS_BPFFS, &st) && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (in_ip_netns_exec(ns, sizeof(ns))) {
		cs_err("running under 'ip netns exec %s', whose private /sys hides bpffs: pins made here would vanish when the command exits; run 'nsenter --net=/run/netns/%s cpusteer ...' instead",
		       ns, ns);
		return -EPERM;
	}
	if (mount("bpf", CS_BPFFS, "bpf", 0, "mode=0700")) {
		int err = -errno;

		cs_err("bpffs is not mounted on %s and mounting it failed: %s (mount it with 'mount -t bpf bpf %s')",
		       CS_BPFFS, strerror(errno), CS_BPFFS);
		return err;
	}
	return 0;
}

int cs_pin_dir(char *buf, size_t len, const char *ifname)
{
	int n = snprintf(buf, len, "%s/%s", CS_PIN_ROOT, ifname);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int cs_pin_path(char *buf, size_t len, const char *ifname, enum cs_pin pin)
{
	int n = snprintf(buf, len, "%s/%s/%s", CS_PIN_ROOT, ifname,
			 cs_pin_names[pin]);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int cs_pin_dir_exists(const char *ifname)
{
	char dir[256];
	struct stat st;

	if (cs_pin_dir(dir, sizeof(dir), ifname))
		return 0;
	return !stat(dir, &st) && S_ISDIR(st.st_mode);
}

int cs_pin_dir_create(const char *ifname)
{
	char dir[256];

	if (mkdir(CS_PIN_ROOT, 0700) && errno != EEXIST)
		goto err;
	if (cs_pin_dir(dir, sizeof(dir), ifname) || mkdir(dir, 0700))
		goto err;
	return 0;
err:
	cs_err("cannot create the pin directory %s/%s: %s", CS_PIN_ROOT,
	       ifname, strerror(errno));
	return -errno;
}

int cs_pins_remove(const char *ifname)
{
	char dir[256], path[512];
	struct dirent *de;
	int err = 0;
	DIR *d;

	if (cs_pin_dir(dir, sizeof(dir), ifname))
		return -ENAMETOOLONG;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (unlink(path) && !err) {
			err = -errno;
			cs_err("cannot remove pin %s: %s", path,
			       strerror(errno));
		}
	}
	closedir(d);
	if (rmdir(dir) && !err) {
		err = -errno;
		cs_err("cannot remove %s: %s", dir, strerror(errno));
	}
	return err;
}

int cs_pin_open(const char *ifname, enum cs_pin pin)
{
	char path[512];
	int fd;

	if (cs_pin_path(path, sizeof(path), ifname, pin))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}
