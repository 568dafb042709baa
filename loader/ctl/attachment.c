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
	char buf[4096];
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
		/* cs_params is the section's first variable; clang may put
		 * its own constants (initialisers) after it.
		 */
		if (!bpf_obj_get_info_by_fd(fd, &minfo, &len) &&
		    strstr(minfo.name, ".rodata") &&
		    minfo.value_size >= sizeof(a->params) &&
		    minfo.value_size <= sizeof(buf)) {
			err = bpf_map_lookup_elem(fd, &zero, buf) ? -errno : 0;
			memcpy(&a->params, buf, sizeof(a->params));
		}
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

int cs_prog_map_fd(__u32 prog_id, const char *name)
{
	struct bpf_prog_info pinfo = {};
	struct bpf_map_info minfo;
	__u32 ids[32], len, i;
	int prog, fd, found = -ENOENT;

	prog = bpf_prog_get_fd_by_id(prog_id);
	if (prog < 0)
		return -errno;
	len = sizeof(pinfo);
	pinfo.nr_map_ids = 32;
	pinfo.map_ids = (__u64)(unsigned long)ids;
	if (bpf_obj_get_info_by_fd(prog, &pinfo, &len))
		pinfo.nr_map_ids = 0;
	close(prog);
	for (i = 0; found < 0 && i < pinfo.nr_map_ids && i < 32; i++) {
		fd = bpf_map_get_fd_by_id(ids[i]);
		if (fd < 0)
			continue;
		memset(&minfo, 0, sizeof(minfo));
		len = sizeof(minfo);
		if (!bpf_obj_get_info_by_fd(fd, &minfo, &len) &&
		    !strcmp(minfo.name, name))
			found = fd;
		else
			close(fd);
	}
	return found;
}

/* Stage 2 redirect's device and rewrite, from its maps. */
static void read_out(struct cs_attachment *a)
{
	int dev = cs_prog_map_fd(a->stage2_prog_id, "cs_out_dev");
	int cfg = cs_prog_map_fd(a->stage2_prog_id, "cs_out_cfg");
	struct bpf_devmap_val v = {};
	__u32 zero = 0;

	if (dev >= 0 && !bpf_map_lookup_elem(dev, &zero, &v))
		a->out_ifindex = v.ifindex;
	if (cfg >= 0)
		bpf_map_lookup_elem(cfg, &zero, &a->out);
	if (dev >= 0)
		close(dev);
	if (cfg >= 0)
		close(cfg);
}

/* Does program @prog_fd use our counters (is it of cpusteer's object)? */
static bool uses_our_stats(const struct cs_attachment *a, int prog_fd)
{
	struct bpf_prog_info info = {};
	struct bpf_map_info m = {};
	__u32 ids[32], len = sizeof(info), i;

	info.nr_map_ids = 32;
	info.map_ids = (__u64)(unsigned long)ids;
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		return false;
	len = sizeof(m);
	if (a->stats_fd < 0 || bpf_obj_get_info_by_fd(a->stats_fd, &m, &len))
		return false;
	for (i = 0; i < info.nr_map_ids && i < 32; i++)
		if (ids[i] == m.id)
			return true;
	return false;
}

/*
 * Which stage 2 program @id is: cpusteer's by name, if it counts into this
 * attachment's counters (a user's program may take any name), else the
 * user's.
 */
static int stage2_of(struct cs_attachment *a, __u32 prog_id)
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
		if (!uses_our_stats(a, fd))
			s = CS_STAGE2_CUSTOM;
		else if (!strcmp(info.name, "cs_stage2_pass"))
			s = CS_STAGE2_PASS;
		else if (!strcmp(info.name, "cs_stage2_drop"))
			s = CS_STAGE2_DROP;
		else if (!strcmp(info.name, "cs_stage2_flt"))
			s = CS_STAGE2_FILTER;
		else if (!strcmp(info.name, "cs_stage2_out"))
			s = CS_STAGE2_REDIRECT;
		else
			s = CS_STAGE2_CUSTOM;
		snprintf(a->stage2_name, sizeof(a->stage2_name), "%s",
			 info.name);
		memcpy(a->stage2_tag, info.tag, sizeof(a->stage2_tag));
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
	a->stage2 = stage2_of(a, val.bpf_prog.id);
	a->stage2_prog_id = val.bpf_prog.id;
	if (a->stage2 == CS_STAGE2_REDIRECT)
		read_out(a);
	return 0;
}

const char *const cs_link_state_names[CS_LINK_STATES] = {
	[CS_LINK_HERE] = "steering",
	[CS_LINK_DEFUNCT] = "link defunct",
	[CS_LINK_GONE] = "interface gone",
	[CS_LINK_ELSEWHERE] = "moved to another network namespace",
};

enum cs_link_state cs_link_state(__u64 netns, int link_fd,
				 const struct cs_pin_key *k,
				 const struct cs_pin_meta *m, __u32 *now)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	char name[IF_NAMESIZE];
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	*now = 0;
	if (link_fd < 0 || bpf_obj_get_info_by_fd(link_fd, &info, &len) ||
	    !info.xdp.ifindex) {
		/* Steering nothing: is its device still here, the same one
		 * (not a later device given the same ifindex)?
		 */
		if (k->netns != netns || !if_indextoname(k->ifindex, name) ||
		    (m && m->hw.family && !cs_iface_same(k->ifindex, &m->hw)))
			return CS_LINK_GONE;
		*now = k->ifindex;
		return CS_LINK_DEFUNCT;
	}
	/* The link's ifindex here, carrying the link's program: ours. */
	if (!bpf_xdp_query(info.xdp.ifindex, 0, &q) &&
	    (q.prog_id == info.prog_id || q.drv_prog_id == info.prog_id ||
	     q.skb_prog_id == info.prog_id)) {
		*now = info.xdp.ifindex;
		return CS_LINK_HERE;
	}
	return CS_LINK_ELSEWHERE;
}

enum cs_link_state cs_pin_link_state(const struct cs_state *st,
				     const struct cs_pin_key *k, __u32 *now)
{
	int fd = cs_pin_open(st, k, CS_PIN_LINK);
	struct cs_pin_meta m;
	enum cs_link_state s;

	s = cs_link_state(st->netns, fd, k,
			  cs_meta_read(st, k, &m) ? NULL : &m, now);
	if (fd >= 0)
		close(fd);
	return s;
}

static const char *xdp_mode_of(__u32 ifindex, __u32 prog_id)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query(ifindex, 0, &q))
		return "unknown";
	if (q.attach_mode == XDP_ATTACHED_DRV)
		return "native";
	if (q.attach_mode == XDP_ATTACHED_SKB)
		return "skb";
	if (q.attach_mode == XDP_ATTACHED_MULTI)
		return q.drv_prog_id == prog_id ? "native" : "skb";
	return "unknown";
}

static int read_link(struct cs_attachment *a)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(a->link_fd, &info, &len))
		return -errno;
	a->link_id = info.id;
	a->prog_id = info.prog_id;
	a->link_state = cs_link_state(a->netns, a->link_fd, &a->key,
				      a->meta.ifindex ? &a->meta : NULL,
				      &a->ifindex);
	switch (a->link_state) {
	case CS_LINK_HERE:
		a->xdp_mode = xdp_mode_of(a->ifindex, a->prog_id);
		break;
	case CS_LINK_DEFUNCT:
		a->xdp_mode = "detached (link defunct, interface still here)";
		break;
	case CS_LINK_GONE:
		a->xdp_mode = "detached (interface gone)";
		break;
	default:
		a->xdp_mode = "unknown (the device moved to another network namespace)";
		break;
	}
	a->prog_fd = bpf_prog_get_fd_by_id(a->prog_id);
	return a->prog_fd < 0 ? -errno : 0;
}

/* The current name while the interface is here, else the recorded one. */
static void name_of(struct cs_attachment *a)
{
	char now[IF_NAMESIZE];

	if (a->ifindex && if_indextoname(a->ifindex, now))
		snprintf(a->ifname, sizeof(a->ifname), "%s", now);
	else if (a->meta.ifname[0])
		snprintf(a->ifname, sizeof(a->ifname), "%s", a->meta.ifname);
	else	/* no name recorded: the directory's */
		snprintf(a->ifname, sizeof(a->ifname), "if-%u", a->key.ifindex);
}

/* Every key, and where each one's link is. */
struct key_scan {
	struct cs_pin_key key[CS_MAX_ATTACHMENTS];
	enum cs_link_state state[CS_MAX_ATTACHMENTS];
	__u32 now[CS_MAX_ATTACHMENTS];
	int n;
};

static struct key_scan *scan_keys(const struct cs_state *st)
{
	struct key_scan *s = calloc(1, sizeof(*s));
	int i;

	if (!s)
		return NULL;
	s->n = cs_pin_dirs(st, s->key, CS_MAX_ATTACHMENTS);
	for (i = 0; i < s->n; i++)
		s->state[i] = cs_pin_link_state(st, &s->key[i], &s->now[i]);
	return s;
}

static int attachment_of(const struct cs_state *st, const struct key_scan *s,
			 __u32 ifindex, struct cs_pin_key *key)
{
	struct cs_pin_key here = cs_pin_key_here(st, ifindex);
	int i;

	for (i = 0; i < s->n; i++)
		if (s->state[i] == CS_LINK_HERE && s->now[i] == ifindex) {
			*key = s->key[i];
			return 0;
		}
	/* The directory made for this ifindex, if it is this device's: not
	 * one whose link steers another device now (it moved and came back
	 * under a new ifindex), nor one of a deleted device (GONE).
	 */
	for (i = 0; i < s->n; i++)
		if (s->key[i].netns == here.netns &&
		    s->key[i].ifindex == ifindex &&
		    s->state[i] == CS_LINK_DEFUNCT) {
			*key = here;
			return 0;
		}
	return -ENOENT;
}

int cs_attachment_of(const struct cs_state *st, __u32 ifindex,
		     struct cs_pin_key *key)
{
	struct key_scan *s = scan_keys(st);
	int err;

	if (!s)
		return -ENOMEM;
	err = attachment_of(st, s, ifindex, key);
	free(s);
	return err;
}

static int find(const struct cs_state *st, const struct key_scan *s,
		const char *name, struct cs_pin_key *key)
{
	char now[IF_NAMESIZE], renamed[IF_NAMESIZE] = "";
	struct cs_pin_meta m;
	bool exists;
	__u32 here;
	int i;

	exists = !cs_iface_index(name, &here);
	if (exists && !attachment_of(st, s, here, key))
		return 0;
	/* One attached here under that name whose interface is gone (or
	 * whose pins are half removed), or that was renamed since.
	 */
	for (i = 0; i < s->n; i++) {
		if (s->key[i].netns != st->netns ||
		    cs_meta_read(st, &s->key[i], &m) || strcmp(m.ifname, name))
			continue;
		if (s->state[i] != CS_LINK_HERE) {
			*key = s->key[i];
			return 0;
		}
		if (if_indextoname(s->now[i], now))
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

int cs_attachment_find(const struct cs_state *st, const char *name,
		       struct cs_pin_key *key)
{
	struct key_scan *s = scan_keys(st);
	int err;

	if (!s)
		return -ENOMEM;
	err = find(st, s, name, key);
	free(s);
	return err;
}

int cs_attachment_select(const struct cs_state *st, const char *only,
			 struct cs_pin_key *keys, int max,
			 struct cs_others *others)
{
	struct key_scan *s = scan_keys(st);
	struct cs_others none;
	int i, n = 0, err;

	if (!others)
		others = &none;
	memset(others, 0, sizeof(*others));
	if (!s)
		return -ENOMEM;
	if (only) {
		err = find(st, s, only, &keys[0]);
		free(s);
		return err ? err : 1;
	}
	for (i = 0; i < s->n; i++) {
		if ((s->key[i].netns == st->netns ||
		     s->state[i] == CS_LINK_HERE) && n < max)
			keys[n++] = s->key[i];
		else if (s->state[i] == CS_LINK_ELSEWHERE)
			others->elsewhere++;
		else
			others->stale++;
	}
	free(s);
	return n;
}

static __u32 value_size(int map_fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(map_fd, &info, &len) ? 0 :
	       info.value_size;
}

int cs_attachment_open(const struct cs_state *st, const struct cs_pin_key *k,
		       struct cs_attachment *a)
{
	static const enum cs_pin need[] = {
		CS_PIN_LINK, CS_PIN_CPU_MAP, CS_PIN_TABLE, CS_PIN_STATS,
	};
	int *fds[] = { &a->link_fd, &a->cpu_map_fd, &a->table_fd,
		       &a->stats_fd };
	char dir[256], why[256] = "", hint[64];
	const char *what;
	size_t i;
	int err;

	memset(a, 0, sizeof(*a));
	a->link_fd = a->prog_fd = a->cpu_map_fd = -1;
	a->table_fd = a->stats_fd = -1;
	a->key = *k;
	a->netns = st->netns;
	a->stage2 = -1;
	cs_pin_dir_path(dir, sizeof(dir), k);
	if (cs_meta_read(st, k, &a->meta))
		memset(&a->meta, 0, sizeof(a->meta));
	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		*fds[i] = cs_pin_open(st, k, need[i]);
		if (*fds[i] >= 0)
			continue;
		a->link_state = cs_pin_link_state(st, k, &a->ifindex);
		name_of(a);
		if (a->link_state == CS_LINK_GONE && !a->meta.ifname[0])
			snprintf(hint, sizeof(hint), "cpusteer detach --stale");
		else
			snprintf(hint, sizeof(hint), "cpusteer detach %s",
				 a->ifname);
		if (*fds[i] == -ELOOP)
			snprintf(a->error, sizeof(a->error),
				 "%s: a link or another object stands where the pinned %s should be in %s: cpusteer follows no links; remove it, then run '%s'",
				 a->ifname, cs_pin_names[need[i]], dir, hint);
		else
			snprintf(a->error, sizeof(a->error),
				 "%s: the pinned %s is missing or unreadable in %s (%s); '%s' cleans up",
				 a->ifname, cs_pin_names[need[i]], dir,
				 strerror(-*fds[i]), hint);
		cs_attachment_close(a);
		return -ENOENT;
	}
	a->old_layout = value_size(a->stats_fd) != sizeof(struct cs_stats) ||
			value_size(a->table_fd) != sizeof(struct cs_bucket);
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

const char *cs_attachment_lost(const struct cs_attachment *a)
{
	__u32 now;

	switch (cs_link_state(a->netns, a->link_fd, &a->key,
			      a->meta.ifindex ? &a->meta : NULL, &now)) {
	case CS_LINK_HERE:
		return now == a->ifindex ? NULL :
		       "its device moved away and came back: run stats again";
	case CS_LINK_DEFUNCT:
		return "cpusteer was detached there (run stats again for a new attachment)";
	case CS_LINK_GONE:
		return "the interface is gone";
	default:
		return "the device moved to another network namespace";
	}
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
