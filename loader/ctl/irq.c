// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "irq.h"
#include "log.h"

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
static int irq_name(const struct cs_sysroot *r, __u32 irq, char *name,
		    size_t len)
{
	char line[4096], *tok, *last = NULL, *save;
	int err = -ENOENT;
	FILE *f;

	f = cs_sysroot_fopen(r, CS_PROC, "interrupts");
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

/*
 * Keep the CS_IRQ_MAX lowest queues, whatever order the directory lists
 * them in: past the limit a lower queue takes the place of the highest.
 */
static void keep_lowest(struct cs_nic_irqs *out, const struct cs_irq *q)
{
	__u32 i, top = 0;

	if (out->nqueue < CS_IRQ_MAX) {
		out->queue[out->nqueue++] = *q;
		return;
	}
	out->nskipped++;
	for (i = 1; i < out->nqueue; i++)
		if (irq_cmp(&out->queue[i], &out->queue[top]) > 0)
			top = i;
	if (irq_cmp(q, &out->queue[top]) < 0)
		out->queue[top] = *q;
}

int cs_nic_irqs(const struct cs_sysroot *r, const char *ifname,
		struct cs_nic_irqs *out)
{
	char rel[128];
	struct dirent *de;
	DIR *d;

	memset(out, 0, sizeof(*out));
	snprintf(rel, sizeof(rel), "class/net/%s/device", ifname);
	out->has_device = cs_sysroot_exists(r, CS_SYS, rel);
	if (!out->has_device)
		return 0;
	/* virtio_net: the queues' MSI-X vectors are the PCI parent's. */
	snprintf(rel, sizeof(rel), "class/net/%s/device/msi_irqs", ifname);
	d = cs_sysroot_opendir(r, CS_SYS, rel);
	if (!d) {
		snprintf(rel, sizeof(rel), "class/net/%s/device/../msi_irqs",
			 ifname);
		d = cs_sysroot_opendir(r, CS_SYS, rel);
	}
	if (!d)
		return 0;	/* legacy INTx or none: nothing to plan */
	while ((de = readdir(d))) {
		struct cs_irq q = {};

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		q.irq = strtoul(de->d_name, NULL, 10);
		if (irq_name(r, q.irq, q.name, sizeof(q.name)) ||
		    !irq_is_rx_queue(q.name, &q.queue))
			out->nother++;
		else
			keep_lowest(out, &q);
	}
	closedir(d);
	qsort(out->queue, out->nqueue, sizeof(out->queue[0]), irq_cmp);
	return 0;
}

long cs_nic_speed(const struct cs_sysroot *r, const char *ifname)
{
	char rel[128], buf[32];
	long v;

	snprintf(rel, sizeof(rel), "class/net/%s/speed", ifname);
	if (cs_sysroot_read(r, CS_SYS, rel, buf, sizeof(buf)))
		return -1;
	v = strtol(buf, NULL, 10);
	return v > 0 ? v : -1;
}

int cs_irqbalance_pid(const struct cs_sysroot *r)
{
	char rel[300], comm[64];
	struct dirent *de;
	int pid = 0;
	DIR *d;

	d = cs_sysroot_opendir(r, CS_PROC, ".");
	if (!d)
		return 0;
	while (!pid && (de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(rel, sizeof(rel), "%s/comm", de->d_name);
		if (!cs_sysroot_read(r, CS_PROC, rel, comm, sizeof(comm)) &&
		    !strcmp(comm, "irqbalance"))
			pid = atoi(de->d_name);
	}
	closedir(d);
	return pid;
}

void cs_change_rel(const struct cs_change *c, const char *ifname,
		   enum cs_tree *tree, char *rel, size_t len)
{
	if (c->kind == CS_SAVED_IRQ) {
		*tree = CS_PROC;
		snprintf(rel, len, "irq/%u/smp_affinity_list", c->index);
	} else {
		*tree = CS_SYS;
		snprintf(rel, len, "class/net/%s/queues/rx-%u/rps_cpus",
			 ifname, c->index);
	}
}

const char *cs_change_show(const struct cs_sysroot *r,
			   const struct cs_change *c, const char *ifname,
			   char *buf, size_t len)
{
	enum cs_tree t;
	char rel[128];

	cs_change_rel(c, ifname, &t, rel, sizeof(rel));
	return cs_sysroot_show(r, t, rel, buf, len);
}

int cs_irq_change(const struct cs_sysroot *r, __u32 irq, __u32 cpu,
		  struct cs_change *c)
{
	char rel[128], show[512];
	enum cs_tree t;
	int err;

	memset(c, 0, sizeof(*c));
	c->kind = CS_SAVED_IRQ;
	c->index = irq;
	snprintf(c->new, sizeof(c->new), "%u", cpu);
	cs_change_rel(c, "", &t, rel, sizeof(rel));
	err = cs_sysroot_read(r, t, rel, c->old, sizeof(c->old));
	if (err)
		cs_err("cannot read %s: %s",
		       cs_sysroot_show(r, t, rel, show, sizeof(show)),
		       strerror(-err));
	return err;
}

int cs_rps_changes(const struct cs_sysroot *r, const char *ifname,
		   struct cs_change *changes, int max)
{
	char rel[128], show[512];
	enum cs_tree t;
	struct dirent *de;
	int n = 0, err;
	DIR *d;

	snprintf(rel, sizeof(rel), "class/net/%s/queues", ifname);
	d = cs_sysroot_opendir(r, CS_SYS, rel);
	if (!d)
		return 0;
	while ((de = readdir(d)) && n < max) {
		struct cs_change *c = &changes[n];
		char *end;

		if (strncmp(de->d_name, "rx-", 3) ||
		    !isdigit((unsigned char)de->d_name[3]))
			continue;
		memset(c, 0, sizeof(*c));
		c->kind = CS_SAVED_RPS;
		c->index = strtoul(de->d_name + 3, &end, 10);
		if (*end)
			continue;
		cs_change_rel(c, ifname, &t, rel, sizeof(rel));
		err = cs_sysroot_read(r, t, rel, c->old, sizeof(c->old));
		if (err == -ENOENT)
			continue;	/* no RPS (CONFIG_RPS off) */
		if (err) {
			cs_warn("%s: cannot read it (%s): its RPS mask is left as it is",
				cs_sysroot_show(r, t, rel, show, sizeof(show)),
				err == -EXDEV || err == -ELOOP ?
				"a link out of the tree, not followed" :
				strerror(-err));
			continue;
		}
		snprintf(c->new, sizeof(c->new), "0");
		n++;
	}
	closedir(d);
	return n;
}

int cs_saved_create(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts);
	int fd, err;

	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "cs_saved",
			    sizeof(struct cs_saved_key), CS_SAVED_LEN,
			    CS_IRQ_MAX + CS_RXQ_MAX, &opts);
	if (fd >= 0)
		return fd;
	err = -errno;
	cs_err("cannot create the map that keeps the values to restore: %s",
	       strerror(-err));
	return err;
}

static int change_write(const struct cs_sysroot *r, const struct cs_change *c,
			const char *ifname, const char *val)
{
	char rel[128];
	enum cs_tree t;

	cs_change_rel(c, ifname, &t, rel, sizeof(rel));
	return cs_sysroot_write(r, t, rel, val);
}

int cs_changes_apply(int saved_fd, const struct cs_sysroot *r,
		     const char *ifname, struct cs_change *c, int n)
{
	char show[512];
	int i, err = 0;

	for (i = 0; i < n && !err; i++) {
		struct cs_saved_key key = { c[i].kind, c[i].index };
		char val[CS_SAVED_LEN] = {};

		snprintf(val, sizeof(val), "%s", c[i].old);
		if (bpf_map_update_elem(saved_fd, &key, val, BPF_NOEXIST) &&
		    errno != EEXIST) {
			err = -errno;
			cs_err("cannot save %s: %s",
			       cs_change_show(r, &c[i], ifname, show,
					      sizeof(show)),
			       strerror(-err));
		}
	}
	for (i = 0; i < n && !err; i++) {
		err = change_write(r, &c[i], ifname, c[i].new);
		if (err)
			cs_err("cannot write '%s' to %s: %s", c[i].new,
			       cs_change_show(r, &c[i], ifname, show,
					      sizeof(show)),
			       strerror(-err));
	}
	if (err)
		while (i-- > 0)
			change_write(r, &c[i], ifname, c[i].old);
	return err;
}

int cs_saved_count(int saved_fd)
{
	struct cs_saved_key key, *prev = NULL;
	int n = 0;

	while (!bpf_map_get_next_key(saved_fd, prev, &key)) {
		n += key.kind != CS_SAVED_SYSROOT;
		prev = &key;
	}
	return n;
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
	if (bpf_map_update_elem(saved_fd, &key, val, BPF_ANY)) {
		int err = -errno;

		cs_err("cannot save the --sysroot of the changes: %s",
		       strerror(-err));
		return err;
	}
	return 0;
}

int cs_saved_restore(int saved_fd, const char *ifname)
{
	struct cs_saved_key key = { CS_SAVED_SYSROOT, 0 }, next, *prev = NULL;
	char val[CS_SAVED_LEN], root[CS_SAVED_LEN] = "", show[512];
	struct cs_sysroot r;
	struct cs_change c;
	int err = 0, e, skipped = 0;

	if (!bpf_map_lookup_elem(saved_fd, &key, root) && root[0])
		root[CS_SAVED_LEN - 1] = '\0';
	if (ifname) {
		err = cs_sysroot_open(root[0] ? root : NULL, &r);
		if (err)
			return err;
	}
	while (!bpf_map_get_next_key(saved_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (key.kind == CS_SAVED_SYSROOT ||
		    bpf_map_lookup_elem(saved_fd, &key, val))
			continue;
		if (!ifname) {
			skipped++;
			continue;
		}
		val[CS_SAVED_LEN - 1] = '\0';
		memset(&c, 0, sizeof(c));
		c.kind = key.kind;
		c.index = key.index;
		e = change_write(&r, &c, ifname, val);
		if (e) {
			cs_err("cannot restore '%s' to %s: %s", val,
			       cs_change_show(&r, &c, ifname, show,
					      sizeof(show)),
			       strerror(-e));
			err = e;
		}
	}
	if (ifname)
		cs_sysroot_close(&r);
	else if (skipped)
		cs_warn("the interface is gone: %d interrupt affinities and RPS masks that attach --auto changed were not restored (its interrupt numbers may belong to another device now)",
			skipped);
	return err;
}
