// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "attachment.h"
#include "log.h"
#include "pins.h"
#include "stats.h"

static int name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

int cs_attachment_names(char names[][IF_NAMESIZE], int max)
{
	struct dirent *de;
	int n = 0;
	DIR *d;

	d = opendir(CS_PIN_ROOT);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d)) && n < max) {
		if (de->d_name[0] == '.' || strlen(de->d_name) >= IF_NAMESIZE ||
		    !cs_pin_dir_exists(de->d_name))
			continue;
		strcpy(names[n++], de->d_name);
	}
	closedir(d);
	qsort(names, n, IF_NAMESIZE, name_cmp);
	return n;
}

int cs_attachment_select(const char *only, char names[][IF_NAMESIZE],
			 int max)
{
	if (!only)
		return cs_attachment_names(names, max);
	snprintf(names[0], IF_NAMESIZE, "%s", only);
	return 1;
}

/* The stage-1 parameters live in the program's .rodata map. */
static int read_params(struct cs_attachment *a)
{
	__u32 map_ids[16], i, len, zero = 0;
	struct bpf_prog_info pinfo = {};
	struct bpf_map_info minfo;
	int fd, err = -ENOENT;

	len = sizeof(pinfo);
	pinfo.nr_map_ids = 16;
	pinfo.map_ids = (__u64)(unsigned long)map_ids;
	if (bpf_obj_get_info_by_fd(a->prog_fd, &pinfo, &len))
		return -errno;
	for (i = 0; i < pinfo.nr_map_ids && i < 16 && err; i++) {
		fd = bpf_map_get_fd_by_id(map_ids[i]);
		if (fd < 0)
			continue;
		memset(&minfo, 0, sizeof(minfo));
		len = sizeof(minfo);
		if (!bpf_obj_get_info_by_fd(fd, &minfo, &len) &&
		    strstr(minfo.name, ".rodata") &&
		    minfo.value_size == sizeof(a->params))
			err = bpf_map_lookup_elem(fd, &zero, &a->params) ?
			      -errno : 0;
		close(fd);
	}
	return err;
}

static int read_table(struct cs_attachment *a)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), b;
	int err = 0;

	if (bpf_obj_get_info_by_fd(a->table_fd, &info, &len))
		return -errno;
	a->nbuckets = info.max_entries;
	a->bucket_cpu = calloc(a->nbuckets, sizeof(*a->bucket_cpu));
	if (!a->bucket_cpu)
		return -ENOMEM;
	err = cs_table_read(a->table_fd, a->nbuckets, a->bucket_cpu, NULL);
	a->cpus.n = 0;
	for (b = 0; !err && b < a->nbuckets; b++) {
		__u32 cpu = a->bucket_cpu[b];

		if (cpu < CS_MAX_CPUS && !cs_cpuset_has(&a->cpus, cpu))
			a->cpus.cpu[a->cpus.n++] = cpu;
	}
	return err;
}

static int stage2_of(__u32 prog_id)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd, s = -1;

	if (!prog_id)
		return CS_STAGE2_NONE;
	fd = bpf_prog_get_fd_by_id(prog_id);
	if (fd < 0)
		return -1;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len)) {
		if (!strcmp(info.name, "cs_stage2_pass"))
			s = CS_STAGE2_PASS;
		else if (!strcmp(info.name, "cs_stage2_drop"))
			s = CS_STAGE2_DROP;
	}
	close(fd);
	return s;
}

/* Queue size and stage 2 from the first target's cpumap entry. */
static int read_cpumap(struct cs_attachment *a)
{
	struct bpf_cpumap_val val = {};
	__u32 cpu = a->cpus.cpu[0];

	if (!a->cpus.n || bpf_map_lookup_elem(a->cpu_map_fd, &cpu, &val))
		return -ENOENT;
	a->qsize = val.qsize;
	a->stage2 = stage2_of(val.bpf_prog.id);
	return 0;
}

static int read_link(struct cs_attachment *a)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_obj_get_info_by_fd(a->link_fd, &info, &len))
		return -errno;
	a->link_id = info.id;
	a->prog_id = info.prog_id;
	a->ifindex = info.xdp.ifindex;
	/* ifindex 0: the interface is gone. Not ours there: the interface
	 * lives in another network namespace than this command.
	 */
	a->xdp_mode = a->ifindex ? "unknown (other network namespace)" :
				   "detached (interface gone)";
	if (a->ifindex && !bpf_xdp_query(a->ifindex, 0, &q) &&
	    (q.prog_id == a->prog_id || q.drv_prog_id == a->prog_id ||
	     q.skb_prog_id == a->prog_id)) {
		if (q.attach_mode == XDP_ATTACHED_DRV)
			a->xdp_mode = "native";
		else if (q.attach_mode == XDP_ATTACHED_SKB)
			a->xdp_mode = "skb";
		else if (q.attach_mode == XDP_ATTACHED_MULTI)
			a->xdp_mode = q.drv_prog_id == a->prog_id ? "native" :
								     "skb";
	}
	a->prog_fd = bpf_prog_get_fd_by_id(a->prog_id);
	return a->prog_fd < 0 ? -errno : 0;
}

int cs_attachment_open(const char *ifname, struct cs_attachment *a)
{
	const char *what = "link";
	int err;

	memset(a, 0, sizeof(*a));
	a->link_fd = a->prog_fd = a->cpu_map_fd = -1;
	a->table_fd = a->stats_fd = -1;
	if (strlen(ifname) >= IF_NAMESIZE || !cs_pin_dir_exists(ifname)) {
		cs_err("%s: cpusteer is not attached there (no %s/%s); see 'cpusteer status'",
		       ifname, CS_PIN_ROOT, ifname);
		return -ENOENT;
	}
	strcpy(a->ifname, ifname);
	a->link_fd = cs_pin_open(ifname, CS_PIN_LINK);
	a->cpu_map_fd = cs_pin_open(ifname, CS_PIN_CPU_MAP);
	a->table_fd = cs_pin_open(ifname, CS_PIN_TABLE);
	a->stats_fd = cs_pin_open(ifname, CS_PIN_STATS);
	if (a->link_fd < 0)
		goto err_pins;
	what = "cpu_map";
	if (a->cpu_map_fd < 0)
		goto err_pins;
	what = "table";
	if (a->table_fd < 0)
		goto err_pins;
	what = "stats";
	if (a->stats_fd < 0)
		goto err_pins;

	what = "the XDP link";
	err = read_link(a);
	if (!err) {
		what = "the stage-1 parameters";
		err = read_params(a);
	}
	if (!err) {
		what = "the indirection table";
		err = read_table(a);
	}
	if (!err) {
		what = "the cpumap";
		err = read_cpumap(a);
	}
	if (err) {
		cs_err("%s: cannot read %s: %s", ifname, what,
		       strerror(-err));
		cs_attachment_close(a);
	}
	return err;

err_pins:
	cs_err("%s: pinned %s is missing or unreadable in %s/%s; 'cpusteer detach %s' cleans up",
	       ifname, what, CS_PIN_ROOT, ifname, ifname);
	cs_attachment_close(a);
	return -ENOENT;
}

void cs_attachment_close(struct cs_attachment *a)
{
	int *fds[] = { &a->link_fd, &a->prog_fd, &a->cpu_map_fd,
		       &a->table_fd, &a->stats_fd };
	size_t i;

	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
	free(a->bucket_cpu);
	a->bucket_cpu = NULL;
}
