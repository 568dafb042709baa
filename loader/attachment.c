// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "attachment.h"
#include "iface.h"
#include "log.h"
#include "pins.h"
#include "stats.h"

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

enum cs_link_state cs_link_state(int link_fd, __u32 ifindex)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_obj_get_info_by_fd(link_fd, &info, &len) || !info.xdp.ifindex)
		return CS_LINK_GONE;
	/* The same ifindex here, carrying the link's program: ours. */
	if (info.xdp.ifindex == ifindex && !bpf_xdp_query(ifindex, 0, &q) &&
	    (q.prog_id == info.prog_id || q.drv_prog_id == info.prog_id ||
	     q.skb_prog_id == info.prog_id))
		return CS_LINK_HERE;
	return CS_LINK_ELSEWHERE;
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
	a->link_state = cs_link_state(a->link_fd, a->ifindex);
	switch (a->link_state) {
	case CS_LINK_GONE:
		a->xdp_mode = "detached (interface gone)";
		break;
	case CS_LINK_ELSEWHERE:
		a->xdp_mode = "unknown (the device moved to another network namespace)";
		break;
	case CS_LINK_HERE:
		a->xdp_mode = "unknown";
		if (bpf_xdp_query(a->ifindex, 0, &q))
			break;
		if (q.attach_mode == XDP_ATTACHED_DRV)
			a->xdp_mode = "native";
		else if (q.attach_mode == XDP_ATTACHED_SKB)
			a->xdp_mode = "skb";
		else if (q.attach_mode == XDP_ATTACHED_MULTI)
			a->xdp_mode = q.drv_prog_id == a->prog_id ? "native" :
								     "skb";
		break;
	}
	a->prog_fd = bpf_prog_get_fd_by_id(a->prog_id);
	return a->prog_fd < 0 ? -errno : 0;
}

/* The current name while the interface is here, else the recorded one. */
static void name_of(struct cs_attachment *a)
{
	char now[IF_NAMESIZE];

	if (a->link_state == CS_LINK_HERE && if_indextoname(a->ifindex, now))
		snprintf(a->ifname, sizeof(a->ifname), "%s", now);
	else if (a->meta.ifname[0])
		snprintf(a->ifname, sizeof(a->ifname), "%s", a->meta.ifname);
	else
		snprintf(a->ifname, sizeof(a->ifname), "ifindex %u",
			 a->ifindex);
}

int cs_attachment_find(const struct cs_state *st, const char *name,
		       __u32 *ifindex)
{
	__u32 idx[CS_MAX_ATTACHMENTS], i, here = 0;
	char now[IF_NAMESIZE], renamed[IF_NAMESIZE] = "";
	enum cs_link_state where;
	struct cs_pin_meta m;
	bool exists;
	int n, fd;

	exists = !cs_iface_index(name, &here);
	if (exists && cs_pin_dir_exists(st, here)) {
		*ifindex = here;
		return 0;
	}
	/* An attachment made under that name whose interface is gone (or
	 * whose pins are half removed), or that was renamed since.
	 */
	n = cs_pin_dirs(st, idx, CS_MAX_ATTACHMENTS);
	for (i = 0; i < (__u32)n; i++) {
		if (cs_meta_read(st, idx[i], &m) || strcmp(m.ifname, name))
			continue;
		fd = cs_pin_open(st, idx[i], CS_PIN_LINK);
		where = fd >= 0 ? cs_link_state(fd, idx[i]) : CS_LINK_GONE;
		if (fd >= 0)
			close(fd);
		if (where != CS_LINK_HERE) {
			*ifindex = idx[i];
			return 0;
		}
		if (if_indextoname(idx[i], now))
			snprintf(renamed, sizeof(renamed), "%s", now);
	}
	if (exists) {
		cs_err("%s: cpusteer is not attached there; 'cpusteer status' lists attachments",
		       name);
		return -ENOENT;
	}
	if (renamed[0])
		cs_err("interface '%s' does not exist here: it was renamed to '%s', which cpusteer steers; use that name",
		       name, renamed);
	else
		cs_err("interface '%s' does not exist in this network namespace (see 'ip link')",
		       name);
	return -ENODEV;
}

int cs_attachment_select(const struct cs_state *st, const char *only,
			 __u32 *ifindex, int max)
{
	int err;

	if (!only)
		return cs_pin_dirs(st, ifindex, max);
	err = cs_attachment_find(st, only, &ifindex[0]);
	return err ? err : 1;
}

int cs_attachment_open(const struct cs_state *st, __u32 ifindex,
		       struct cs_attachment *a)
{
	static const enum cs_pin need[] = {
		CS_PIN_LINK, CS_PIN_CPU_MAP, CS_PIN_TABLE, CS_PIN_STATS,
	};
	int *fds[] = { &a->link_fd, &a->cpu_map_fd, &a->table_fd,
		       &a->stats_fd };
	char dir[256], why[256] = "";
	const char *what;
	size_t i;
	int err;

	memset(a, 0, sizeof(*a));
	a->link_fd = a->prog_fd = a->cpu_map_fd = -1;
	a->table_fd = a->stats_fd = -1;
	a->ifindex = ifindex;
	a->stage2 = -1;
	cs_pin_dir_path(dir, sizeof(dir), st, ifindex);
	if (cs_meta_read(st, ifindex, &a->meta))
		memset(&a->meta, 0, sizeof(a->meta));
	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		*fds[i] = cs_pin_open(st, ifindex, need[i]);
		if (*fds[i] < 0) {
			name_of(a);
			snprintf(a->error, sizeof(a->error),
				 "%s: the pinned %s is missing or unreadable in %s (%s); 'cpusteer detach %s' cleans up",
				 a->ifname, cs_pin_names[need[i]], dir,
				 strerror(-*fds[i]), a->ifname);
			cs_attachment_close(a);
			return -ENOENT;
		}
	}
	/* Helpers below report through cs_err(): keep that for a->error. */
	cs_err_capture(why, sizeof(why));
	what = "the XDP link";
	err = read_link(a);
	name_of(a);
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
	cs_err_release();
	if (err) {
		snprintf(a->error, sizeof(a->error), "%s: cannot read %s in %s: %s",
			 a->ifname, what, dir, why[0] ? why : strerror(-err));
		cs_attachment_close(a);
	}
	return err;
}

bool cs_attachment_alive(const struct cs_attachment *a)
{
	return cs_link_state(a->link_fd, a->ifindex) == CS_LINK_HERE;
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
