// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "irq.h"
#include "log.h"

const char *cs_sys_path(char *buf, size_t len, const char *sysroot,
			const char *fmt, ...)
{
	size_t off = 0;
	va_list ap;

	if (sysroot)
		off = snprintf(buf, len, "%s", sysroot);
	va_start(ap, fmt);
	vsnprintf(buf + off, len - off, fmt, ap);
	va_end(ap);
	return buf;
}

int cs_read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	int err = 0;

	if (!f)
		return -errno;
	if (!fgets(buf, len, f))
		err = -EIO;
	else
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
	return err;
}

int cs_write_line(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");
	int err = 0;

	if (!f)
		return -errno;
	if (fprintf(f, "%s\n", val) < 0)
		err = -EIO;
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

/*
 * Is this interrupt one of the NIC's receive queues, and which? Naming by
 * driver: mlx5 "mlx5_comp<N>@pci:...", i40e/ice "i40e-eth0-TxRx-<N>",
 * ixgbe/bnxt "eth0-TxRx-<N>", others "...-rx-<N>", virtio_net
 * "virtio<M>-input.<N>". Their control and TX-only vectors do not match.
 */
static bool irq_is_rx_queue(const char *name, __u32 *queue)
{
	static const char *const marks[] = {
		"mlx5_comp", "-TxRx-", "-rx-", "-input.",
	};
	const char *p = NULL;
	size_t i;

	for (i = 0; i < sizeof(marks) / sizeof(marks[0]) && !p; i++) {
		p = strstr(name, marks[i]);
		if (p)
			p += strlen(marks[i]);
	}
	if (!p || !isdigit((unsigned char)*p))
		return false;
	*queue = strtoul(p, NULL, 10);
	return true;
}

/* The last field of IRQ @irq's line in /proc/interrupts: its name. */
static int irq_name(const char *sysroot, __u32 irq, char *name, size_t len)
{
	char path[512], line[4096], *tok, *last = NULL, *save;
	FILE *f;
	int err = -ENOENT;

	f = fopen(cs_sys_path(path, sizeof(path), sysroot, "/proc/interrupts"),
		  "r");
	if (!f)
		return -errno;
	while (err && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (!colon || strtoul(line, NULL, 10) != irq ||
		    !isdigit((unsigned char)line[strspn(line, " ")]))
			continue;
		for (tok = strtok_r(colon + 1, " \t\n", &save); tok;
		     tok = strtok_r(NULL, " \t\n", &save))
			last = tok;
		if (last) {
			snprintf(name, len, "%s", last);
			err = 0;
		}
	}
	fclose(f);
	return err;
}

static int irq_cmp(const void *a, const void *b)
{
	const struct cs_irq *x = a, *y = b;

	return x->queue != y->queue ? (x->queue < y->queue ? -1 : 1) :
	       (x->irq < y->irq ? -1 : x->irq > y->irq);
}

int cs_nic_irqs(const char *sysroot, const char *ifname,
		struct cs_nic_irqs *out)
{
	char dev[512], dir[600];
	struct dirent *de;
	struct stat st;
	DIR *d;

	memset(out, 0, sizeof(*out));
	cs_sys_path(dev, sizeof(dev), sysroot, "/sys/class/net/%s/device",
		    ifname);
	out->has_device = !stat(dev, &st);
	if (!out->has_device)
		return 0;
	/* virtio_net: the queues' MSI-X vectors are the PCI parent's. */
	snprintf(dir, sizeof(dir), "%s/msi_irqs", dev);
	d = opendir(dir);
	if (!d) {
		snprintf(dir, sizeof(dir), "%s/../msi_irqs", dev);
		d = opendir(dir);
	}
	if (!d)
		return 0;	/* legacy INTx or none: nothing to plan */
	while ((de = readdir(d))) {
		struct cs_irq *q = &out->queue[out->nqueue];

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		q->irq = strtoul(de->d_name, NULL, 10);
		if (irq_name(sysroot, q->irq, q->name, sizeof(q->name)) ||
		    !irq_is_rx_queue(q->name, &q->queue)) {
			out->nother++;
			continue;
		}
		if (out->nqueue < CS_IRQ_MAX)
			out->nqueue++;
	}
	closedir(d);
	qsort(out->queue, out->nqueue, sizeof(out->queue[0]), irq_cmp);
	return 0;
}

long cs_nic_speed(const char *sysroot, const char *ifname)
{
	char path[512], buf[32];
	long v;

	if (cs_read_line(cs_sys_path(path, sizeof(path), sysroot,
				     "/sys/class/net/%s/speed", ifname),
			 buf, sizeof(buf)))
		return -1;
	v = strtol(buf, NULL, 10);
	return v > 0 ? v : -1;
}

int cs_irqbalance_pid(const char *sysroot)
{
	char path[512], comm[64];
	struct dirent *de;
	int pid = 0;
	DIR *d;

	d = opendir(cs_sys_path(path, sizeof(path), sysroot, "/proc"));
	if (!d)
		return 0;
	while (!pid && (de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		cs_sys_path(path, sizeof(path), sysroot, "/proc/%s/comm",
			    de->d_name);
		if (!cs_read_line(path, comm, sizeof(comm)) &&
		    !strcmp(comm, "irqbalance"))
			pid = atoi(de->d_name);
	}
	closedir(d);
	return pid;
}

int cs_rps_changes(const char *sysroot, const char *ifname,
		   struct cs_change *changes, int max)
{
	char dir[512];
	struct dirent *de;
	int n = 0;
	DIR *d;

	d = opendir(cs_sys_path(dir, sizeof(dir), sysroot,
				"/sys/class/net/%s/queues", ifname));
	if (!d)
		return 0;
	while ((de = readdir(d)) && n < max) {
		struct cs_change *c = &changes[n];

		if (strncmp(de->d_name, "rx-", 3) ||
		    !isdigit((unsigned char)de->d_name[3]))
			continue;
		memset(c, 0, sizeof(*c));
		c->kind = CS_SAVED_RPS;
		c->index = strtoul(de->d_name + 3, NULL, 10);
		snprintf(c->path, sizeof(c->path), "%s/%s/rps_cpus", dir,
			 de->d_name);
		if (cs_read_line(c->path, c->old, sizeof(c->old)))
			continue;	/* no RPS (CONFIG_RPS off) */
		snprintf(c->new, sizeof(c->new), "0");
		n++;
	}
	closedir(d);
	return n;
}

int cs_saved_create(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts);
	int fd;

	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "cs_saved",
			    sizeof(struct cs_saved_key), CS_SAVED_LEN,
			    CS_IRQ_MAX + CS_RXQ_MAX, &opts);
	if (fd < 0)
		cs_err("cannot create the map that keeps the values to restore: %s",
		       strerror(errno));
	return fd < 0 ? -errno : fd;
}

int cs_changes_apply(int saved_fd, struct cs_change *c, int n)
{
	int i, err = 0;

	for (i = 0; i < n && !err; i++) {
		struct cs_saved_key key = { c[i].kind, c[i].index };
		char val[CS_SAVED_LEN] = {};

		snprintf(val, sizeof(val), "%s", c[i].old);
		if (bpf_map_update_elem(saved_fd, &key, val, BPF_NOEXIST) &&
		    errno != EEXIST) {
			err = -errno;
			cs_err("cannot save %s: %s", c[i].path,
			       strerror(errno));
		}
	}
	for (i = 0; i < n && !err; i++) {
		err = cs_write_line(c[i].path, c[i].new);
		if (err)
			cs_err("cannot write '%s' to %s: %s", c[i].new,
			       c[i].path, strerror(-err));
	}
	if (err)
		while (i-- > 0)
			cs_write_line(c[i].path, c[i].old);
	return err;
}

int cs_saved_set_sysroot(int saved_fd, const char *sysroot)
{
	struct cs_saved_key key = { CS_SAVED_SYSROOT, 0 };
	char val[CS_SAVED_LEN] = {};

	if (sysroot && strlen(sysroot) >= CS_SAVED_LEN) {
		cs_err("--sysroot %s: longer than %d characters", sysroot,
		       CS_SAVED_LEN - 1);
		return -ENAMETOOLONG;
	}
	snprintf(val, sizeof(val), "%s", sysroot ? sysroot : "");
	return bpf_map_update_elem(saved_fd, &key, val, BPF_ANY) ? -errno : 0;
}

int cs_saved_restore(int saved_fd, const char *ifname)
{
	struct cs_saved_key key = { CS_SAVED_SYSROOT, 0 }, next, *prev = NULL;
	char val[CS_SAVED_LEN], path[512], root[CS_SAVED_LEN] = "";
	const char *sysroot = NULL;
	int err = 0, e;

	if (!bpf_map_lookup_elem(saved_fd, &key, root) && root[0]) {
		root[CS_SAVED_LEN - 1] = '\0';
		sysroot = root;
	}

	while (!bpf_map_get_next_key(saved_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(saved_fd, &key, val))
			continue;
		val[CS_SAVED_LEN - 1] = '\0';
		if (key.kind == CS_SAVED_SYSROOT)
			continue;
		if (key.kind == CS_SAVED_IRQ)
			cs_sys_path(path, sizeof(path), sysroot,
				    "/proc/irq/%u/smp_affinity_list", key.index);
		else
			cs_sys_path(path, sizeof(path), sysroot,
				    "/sys/class/net/%s/queues/rx-%u/rps_cpus",
				    ifname, key.index);
		e = cs_write_line(path, val);
		if (e) {
			cs_err("cannot restore '%s' to %s: %s", val, path,
			       strerror(-e));
			err = e;
		}
	}
	return err;
}
