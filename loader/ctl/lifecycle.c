// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cpusteer.h"
#include "cpusteer.skel.h"
#include "custom.h"
#include "iface.h"
#include "lifecycle.h"
#include "log.h"
#include "netdev.h"
#include "pins.h"
#include "stats.h"

/* IRQ affinities to the plan's RX CPUs, RPS off on IFACE's queues. */
static int auto_changes(struct cs_life *a)
{
	struct cs_plan *p = a->plan;
	__u32 i;
	int n = 0;

	a->changes = calloc(CS_IRQ_MAX + CS_RXQ_MAX, sizeof(*a->changes));
	if (!a->changes)
		return -ENOMEM;
	for (i = 0; i < p->nirq; i++) {
		if (cs_irq_change(&p->root, p->irq[i].irq, p->irq[i].cpu,
				  &a->changes[n]))
			return -EIO;
		n++;
	}
	n += cs_rps_changes(&p->root, a->ifname, a->changes + n, CS_RXQ_MAX);
	a->nchanges = n;
	return 0;
}

void cs_life_dry_run(const struct cs_life *a)
{
	char cpus[256], show[512];
	int i;

	cs_plan_print(stdout, a->plan, a->ifname);
	for (i = 0; i < a->nchanges; i++)
		printf("would write %s to %s (now %s)\n", a->changes[i].new,
		       cs_change_show(&a->plan->root, &a->changes[i],
				      a->ifname, show, sizeof(show)),
		       a->changes[i].old);
	cs_cpulist_format(&a->spec->cfg.cpus, cpus, sizeof(cpus));
	printf("would attach to %s: hash %s, %u buckets over CPUs %s, qsize %u; nothing was changed\n",
	       a->ifname, cs_hash_mode_names[a->spec->cfg.params.hash_mode],
	       a->spec->cfg.nbuckets, cpus, a->spec->cfg.qsize);
}

int cs_life_plan(struct cs_life *a)
{
	int pid, err;

	a->plan = calloc(1, sizeof(*a->plan));
	if (!a->plan)
		return -ENOMEM;
	a->spec->plan.ifname = a->ifname;
	err = cs_plan_make(&a->spec->plan, a->plan);
	if (err) {
		free(a->plan);
		a->plan = NULL;
		return err;
	}
	a->spec->cfg.cpus = a->plan->targets;
	if (!cs_spec_given(a->spec, CS_OPT_QSIZE))
		a->spec->cfg.qsize = a->plan->qsize;
	if (cs_cpus_check_online("planned target CPUs", &a->spec->cfg.cpus))
		return -EINVAL;
	if (a->spec->cfg.nbuckets < a->spec->cfg.cpus.n) {
		cs_err("--buckets %u is fewer than the %u planned target CPUs",
		       a->spec->cfg.nbuckets, a->spec->cfg.cpus.n);
		return -EINVAL;
	}
	err = auto_changes(a);
	if (err)
		return err;
	pid = a->plan->nirq ? cs_irqbalance_pid(&a->plan->root) : 0;
	if (pid && !a->spec->ignore_irqbalance && !a->spec->dry_run) {
		cs_err("irqbalance (pid %d) is running and would move the pinned interrupts again: stop it (systemctl stop irqbalance) or pass --ignore-irqbalance",
		       pid);
		return -EBUSY;
	}
	if (pid)
		cs_warn("irqbalance (pid %d) is running: it may move the interrupts cpusteer pins",
			pid);
	return 0;
}

/* Save what --auto changes into a pinned map, then change it. */
static int apply_auto(struct cs_life *a)
{
	char path[256];
	int fd, err;

	fd = cs_saved_create();
	if (fd < 0)
		return fd;
	cs_pin_path(path, sizeof(path), &a->key, CS_PIN_SAVED);
	err = cs_saved_set_sysroot(fd, a->spec->plan.sysroot);
	if (!err && bpf_obj_pin(fd, path)) {
		err = -errno;
		cs_err("cannot pin %s: %s", path, strerror(-err));
	}
	if (!err)
		err = cs_changes_apply(fd, &a->plan->root, a->ifname,
				       a->changes, a->nchanges);
	close(fd);
	return err;
}

static void restore_auto(const struct cs_life *a)
{
	int fd = cs_pin_open(a->st, &a->key, CS_PIN_SAVED);

	if (fd < 0)
		return;
	cs_saved_restore(fd, a->ifname);
	close(fd);
}

int cs_life_check_hook(const struct cs_life *a, __u32 *foreign)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct cs_pin_key key;
	char dir[256];
	int err;

	*foreign = 0;
	if (!cs_attachment_of(a->st, a->ifindex, &key)) {
		cs_pin_dir_path(dir, sizeof(dir), &key);
		cs_err("%s: cpusteer is already attached (%s); run 'cpusteer detach %s' first",
		       a->ifname, dir, a->ifname);
		return -EEXIST;
	}
	err = bpf_xdp_query(a->ifindex, 0, &q);
	if (err) {
		cs_err("%s: cannot query its XDP programs: %s", a->ifname,
		       strerror(-err));
		return err;
	}
	if (!q.prog_id && !q.drv_prog_id && !q.skb_prog_id)
		return 0;
	*foreign = q.prog_id ? q.prog_id :
		   q.drv_prog_id ? q.drv_prog_id : q.skb_prog_id;
	if (!a->spec->force) {
		cs_err("%s: XDP program id %u is attached and cpusteer did not attach it; pass --force to replace it",
		       a->ifname, *foreign);
		return -EBUSY;
	}
	return 0;
}

static __u32 xdp_flags(const struct cs_life *a)
{
	return a->spec->xdp_mode == CS_XDP_SKB ? XDP_FLAGS_SKB_MODE :
					     XDP_FLAGS_DRV_MODE;
}

/*
 * --force: take the foreign program off; its fd lets us put it back, so
 * without one nothing is taken off.
 */
static int evict_foreign(const struct cs_life *a, __u32 id, int *old_fd,
			 __u32 *old_flags)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int err;

	*old_fd = bpf_prog_get_fd_by_id(id);
	if (*old_fd < 0) {
		err = -errno;
		cs_err("%s: cannot get hold of XDP program id %u (%s): without it a failed attach could not put it back, so it stays",
		       a->ifname, id, strerror(-err));
		return err;
	}
	err = bpf_xdp_query(a->ifindex, 0, &q);
	if (err) {
		cs_err("%s: cannot query its XDP programs: %s", a->ifname,
		       strerror(-err));
		goto err_close;
	}
	*old_flags = q.attach_mode == XDP_ATTACHED_SKB ? XDP_FLAGS_SKB_MODE :
							 XDP_FLAGS_DRV_MODE;
	err = bpf_xdp_detach(a->ifindex, *old_flags, NULL);
	if (!err)
		return 0;
	cs_err("%s: cannot remove XDP program id %u: %s (a bpf_link owned by another tool cannot be replaced; detach it with that tool)",
	       a->ifname, id, strerror(-err));
err_close:
	close(*old_fd);
	*old_fd = -1;
	return err;
}

static int pin_maps(struct cpusteer_bpf *skel, const struct cs_life *a)
{
	struct { struct bpf_map *map; enum cs_pin pin; } maps[] = {
		{ skel->maps.cs_cpu_map, CS_PIN_CPU_MAP },
		{ skel->maps.cs_table, CS_PIN_TABLE },
		{ skel->maps.cs_stats, CS_PIN_STATS },
	};
	char path[256];
	size_t i;
	int err;

	for (i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		cs_pin_path(path, sizeof(path), &a->key, maps[i].pin);
		err = bpf_map__pin(maps[i].map, path);
		if (err) {
			cs_err("cannot pin %s: %s", path, strerror(-err));
			return err;
		}
	}
	return 0;
}

static int pin_tracing(struct cpusteer_bpf *skel, const struct cs_life *a)
{
	static const enum cs_pin pins[CS_TRACE_LINKS] = {
		CS_PIN_TRACE_ENQUEUE, CS_PIN_TRACE_REDIRECT_ERR,
		CS_PIN_TRACE_KTHREAD, CS_PIN_TRACE_EXCEPTION,
	};
	struct bpf_link *links[CS_TRACE_LINKS];
	char path[256];
	int i, err;

	err = cs_steer_attach_tracing(skel, a->ifindex, links);
	for (i = 0; i < CS_TRACE_LINKS; i++) {
		cs_pin_path(path, sizeof(path), &a->key, pins[i]);
		if (!err && (err = bpf_link__pin(links[i], path)))
			cs_err("cannot pin %s: %s", path, strerror(-err));
		bpf_link__destroy(links[i]);	/* a pin holds it now */
	}
	return err;
}

static int pin_meta(const struct cs_life *a)
{
	struct cs_pin_meta m = {
		.ifindex = a->ifindex,
		.flags = a->meta_flags,
		.netns = a->st->netns,
		.attached = time(NULL),
	};

	snprintf(m.ifname, sizeof(m.ifname), "%s", a->ifname);
	/* Without it, a later device at this ifindex is taken for this one
	 * only while the link still steers: the address is a courtesy.
	 */
	if (cs_iface_hwaddr(a->ifname, &m.hw))
		cs_debug("%s: no hardware address to record", a->ifname);
	return cs_meta_pin(&a->key, &m);
}

static int attach_xdp(struct cpusteer_bpf *skel, const struct cs_life *a)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = xdp_flags(a));
	char path[256];
	int fd, err;

	fd = bpf_link_create(bpf_program__fd(cs_steer_prog(skel,
							   &a->spec->cfg.params)),
			     a->ifindex, BPF_XDP, &opts);
	if (fd < 0) {
		err = -errno;
		if (err == -EOPNOTSUPP || err == -EINVAL)
			cs_err("%s: %s XDP attach refused (%s)%s", a->ifname,
			       cs_xdp_mode_names[a->spec->xdp_mode], strerror(-err),
			       a->spec->xdp_mode == CS_XDP_NATIVE ?
			       "; the driver may lack native XDP: try --xdp-mode skb" :
			       "");
		else
			cs_err("%s: XDP attach failed: %s", a->ifname,
			       strerror(-err));
		return err;
	}
	cs_pin_path(path, sizeof(path), &a->key, CS_PIN_LINK);
	err = bpf_obj_pin(fd, path) ? -errno : 0;
	if (err)
		cs_err("cannot pin %s: %s", path, strerror(-err));
	close(fd);	/* pinned: lives on; failed: detaches now */
	return err;
}

static void print_summary(const struct cs_life *a)
{
	const struct cs_steer_cfg *cfg = &a->spec->cfg;
	char cpus[256], fb[32] = "pass", dir[256];

	cs_cpulist_format(&cfg->cpus, cpus, sizeof(cpus));
	if (cfg->params.fallback_cpu == CS_FALLBACK_DROP)
		snprintf(fb, sizeof(fb), "drop");
	else if (cfg->params.fallback_cpu != CS_FALLBACK_PASS)
		snprintf(fb, sizeof(fb), "cpu:%u", cfg->params.fallback_cpu);
	cs_pin_dir_path(dir, sizeof(dir), &a->key);
	printf("cpusteer: attached to %s (%s XDP): hash %s, %u buckets over CPUs %s, qsize %u, stage2 %s, fallback %s; pinned in %s\n",
	       a->ifname, cs_xdp_mode_names[a->spec->xdp_mode],
	       cs_hash_mode_names[cfg->params.hash_mode], cfg->nbuckets, cpus,
	       cfg->qsize, cs_stage2_names[cfg->stage2], fb, dir);
}

/*
 * The directory for IFACE's ifindex may hold the attachment of a device
 * that had that ifindex, moved away and came back under another: it moves
 * to that one's ifindex, which is its key now. One that steers nothing is
 * for detach --stale to judge.
 */
static int free_key(struct cs_life *a)
{
	struct cs_pin_key now;
	char dir[256];
	__u32 ifindex;

	if (!cs_pin_dir_exists(a->st, &a->key))
		return 0;
	cs_pin_dir_path(dir, sizeof(dir), &a->key);
	if (cs_pin_link_state(a->st, &a->key, &ifindex) == CS_LINK_HERE &&
	    ifindex != a->ifindex) {
		now = cs_pin_key_here(a->st, ifindex);
		return cs_pin_dir_move(a->st, &a->key, &now);
	}
	cs_err("%s: %s is left from an attachment to an earlier device with this ifindex; 'cpusteer detach --stale' removes it",
	       a->ifname, dir);
	return -EEXIST;
}

/*
 * Under the state lock: the hook is checked, the dataplane loaded and
 * pinned, and the link attached last. Any failure unwinds all of it.
 */
int cs_life_attach(struct cs_life *a)
{
	struct cs_custom custom = { .fd = -1 };
	struct cpusteer_bpf *skel = NULL;
	int old_fd = -1, err;
	__u32 foreign, old_flags = 0;

	err = cs_life_check_hook(a, &foreign);
	if (!err)
		err = free_key(a);
	if (err)
		return err;
	err = a->keep_key ? 0 : cs_key_random(a->spec->cfg.params.key);
	if (err)
		return err;
	a->spec->cfg.ifindex = a->ifindex;	/* --hash hw binds to the device */
	if (a->spec->cfg.stage2 == CS_STAGE2_CUSTOM &&
	    a->spec->cfg.stage2_fd < 0) {
		err = cs_custom_load(a->spec->cfg.stage2_obj,
				     a->spec->cfg.stage2_prog[0] ?
				     a->spec->cfg.stage2_prog : NULL, &custom);
		if (err)
			return err;
		a->spec->cfg.stage2_fd = custom.fd;
	}
	err = cs_steer_load(&a->spec->cfg, &skel);
	if (custom.obj)		/* the cpumap entries hold the program now */
		a->spec->cfg.stage2_fd = -1;
	cs_custom_close(&custom);
	if (err)
		return err;
	/* Given rules go in before any frame can reach the filter. */
	if (cs_spec_given(a->spec, CS_OPT_FILTER)) {
		int fds[CS_FLT_MAPS];
		__u32 added, deleted;

		err = cs_filter_maps_skel(skel->obj, fds) ?:
		      cs_filter_sync(fds, a->spec->filter, a->spec->nfilter,
				     false, &added, &deleted);
		if (err)
			goto err_destroy;
		a->filter_added += added;
		a->filter_deleted += deleted;
	}
	err = cs_pin_dir_create(a->st, &a->key);
	if (err)
		goto err_destroy;
	err = pin_meta(a);
	if (!err)
		err = pin_maps(skel, a);
	if (!err)
		err = pin_tracing(skel, a);
	if (!err && a->spec->automatic)
		err = apply_auto(a);
	if (!err && foreign)
		err = evict_foreign(a, foreign, &old_fd, &old_flags);
	if (err)
		goto err_unpin;
	err = attach_xdp(skel, a);
	if (err)
		goto err_restore;
	if (!a->quiet)
		print_summary(a);
	if (old_fd >= 0)
		close(old_fd);
	cpusteer_bpf__destroy(skel);
	return 0;

err_restore:
	if (old_fd >= 0 && bpf_xdp_attach(a->ifindex, old_fd, old_flags, NULL))
		cs_err("%s: could not put XDP program id %u back: %s",
		       a->ifname, foreign, strerror(errno));
	if (old_fd >= 0)
		close(old_fd);
err_unpin:
	if (a->spec->automatic)
		restore_auto(a);
	cs_pins_remove(a->st, &a->key);
err_destroy:
	cpusteer_bpf__destroy(skel);
	return err;
}


/* The interface's name here, for putting back what --auto changed. */
static const char *restore_name(enum cs_link_state where, __u32 ifindex,
				char *buf)
{
	if (where != CS_LINK_HERE && where != CS_LINK_DEFUNCT)
		return NULL;
	return if_indextoname(ifindex, buf);
}

int cs_life_detach(const struct cs_state *st, const struct cs_pin_key *key,
		      const char *name, bool force)
{
	enum cs_link_state where;
	char now[IF_NAMESIZE];
	struct cs_pin_meta m;
	const char *ifname;
	__u32 ifindex;
	int fd, err;

	err = cs_pins_foreign(st, key);
	if (err) {
		if (err > 0)
			cs_err("%s: nothing was changed: cpusteer removes only what it made", name);
		return err > 0 ? -ENOTEMPTY : err;
	}
	fd = cs_pin_open(st, key, CS_PIN_LINK);
	where = cs_link_state(st->netns, fd, key,
			      cs_meta_read(st, key, &m) ? NULL : &m, &ifindex);
	if (where == CS_LINK_ELSEWHERE && !force) {
		cs_err("%s: its device moved to another network namespace, where cpusteer still steers it; run detach there ('nsenter --net=/run/netns/NS cpusteer detach IFACE'), or pass --force to stop it from here",
		       name);
		close(fd);
		return -EBUSY;
	}
	if (fd >= 0) {
		/* Explicit: a reader holding the link open must not keep
		 * the program attached after the pins are gone.
		 */
		if (bpf_link_detach(fd) && errno != ENOLINK && errno != EINVAL)
			cs_warn("%s: detaching the XDP link: %s", name,
				strerror(errno));
		close(fd);
	}
	ifname = restore_name(where, ifindex, now);
	/* attach --auto: put IRQ affinities and RPS masks back first. */
	fd = cs_pin_open(st, key, CS_PIN_SAVED);
	if (fd >= 0) {
		if (cs_saved_restore(fd, ifname))
			cs_warn("%s: some interrupt or RPS settings could not be restored (see above)",
				name);
		close(fd);
	}
	err = cs_pins_remove(st, key);
	if (err)
		cs_err("%s: steering stopped, but its pin directory is still there (see above)",
		       name);
	return err;
}

/*
 * --hash hw needs a device whose driver hands XDP its RX hash (the rest
 * cs_spec_check() saw to): say so before loading.
 */
int cs_check_hw_hash(const char *ifname, __u32 ifindex,
		     const struct cs_spec *spec)
{
	int has;

	if (!(spec->cfg.params.hash_mode & CS_HASH_F_HW))
		return 0;
	has = cs_netdev_has_rx_hash(ifindex);
	if (has == 0) {
		cs_err("--hash hw: %s gives XDP programs no RX hash (its driver has no XDP RX-metadata hash); use a software --hash mode such as l4-sym",
		       ifname);
		return -EINVAL;
	}
	if (has < 0)
		cs_warn("--hash hw: this kernel cannot say whether %s gives XDP programs its RX hash (%s; Linux 6.8 can); frames without one use the l4-sym software hash, and 'cpusteer stats' counts both",
			ifname, strerror(-has));
	return 0;
}

void cs_life_free(struct cs_life *a)
{
	if (a->plan)
		cs_plan_free(a->plan);
	free(a->plan);
	free(a->changes);
	a->plan = NULL;
	a->changes = NULL;
	a->nchanges = 0;
}

/*
 * Changing an attachment in place. Each step that changes the kernel
 * leaves an undo record; a failure runs them backwards, so the attachment
 * is left as it was.
 */
enum undo_kind {
	UNDO_CPUMAP_DEL,	/* an entry was added: delete it */
	UNDO_CPUMAP_PUT,	/* an entry was replaced or deleted: put it back */
	UNDO_TABLE,		/* buckets were rewritten: write the old ones */
	UNDO_LINK,		/* the link got a new program: give the old */
	UNDO_TABLE_PIN,		/* the table pin was replaced: pin the old */
	UNDO_META,		/* the meta was rewritten */
	UNDO_OUT,		/* stage 2 redirect's device or rewrite */
};

struct undo {
	enum undo_kind kind;
	__u32 cpu;
	struct bpf_cpumap_val val;
	int prog_fd;		/* UNDO_CPUMAP_PUT: its stage 2 */
};

#define CS_UNDO_MAX	(2 * CS_MAX_CPUS + 8)

struct update {
	struct cs_life *a;
	const struct cs_attachment *cur;
	struct cpusteer_bpf *skel;	/* the new objects, if any */
	__u32 *table;			/* the new table's targets */
	int flt[CS_FLT_MAPS];		/* a staying filter's maps, or -1s */
	struct cs_custom custom;	/* a custom stage 2 to put in, if any */
	bool out_changed;		/* stage 2 redirect stays, changed */
	int out_fd[2];			/* its running program's devmap, cfg */
	bool new_prog, new_table, new_cpumap_vals;
	struct cs_cpuset add, keep, del;
	struct undo undo[CS_UNDO_MAX];
	int nundo;
	char said[4096];		/* what changes, one line each */
};

/* An entry of the cpumap as it is now, its stage 2 held by an fd. */
static int cpumap_get(int map_fd, __u32 cpu, struct undo *u)
{
	struct bpf_cpumap_val v = {};

	u->prog_fd = -1;
	if (bpf_map_lookup_elem(map_fd, &cpu, &v))
		return -errno;
	u->cpu = cpu;
	u->val.qsize = v.qsize;
	u->prog_fd = -1;
	if (v.bpf_prog.id) {
		u->prog_fd = bpf_prog_get_fd_by_id(v.bpf_prog.id);
		if (u->prog_fd < 0)
			return -errno;
	}
	u->val.bpf_prog.fd = u->prog_fd;
	return 0;
}

static int cpumap_put(int map_fd, __u32 cpu, __u32 qsize, int prog_fd)
{
	struct bpf_cpumap_val v = { .qsize = qsize, .bpf_prog.fd = prog_fd };

	if (bpf_map_update_elem(map_fd, &cpu, &v, BPF_ANY)) {
		int err = -errno;

		cs_err("cannot write the cpumap entry of CPU %u: %s", cpu,
		       strerror(-err));
		return err;
	}
	return 0;
}

static void undo_run(struct update *u)
{
	const struct cs_attachment *cur = u->cur;
	char path[256];
	struct undo *x;

	while (u->nundo > 0) {
		x = &u->undo[--u->nundo];
		switch (x->kind) {
		case UNDO_CPUMAP_DEL:
			bpf_map_delete_elem(cur->cpu_map_fd, &x->cpu);
			break;
		case UNDO_CPUMAP_PUT:
			if (bpf_map_update_elem(cur->cpu_map_fd, &x->cpu,
						&x->val, BPF_ANY))
				cs_err("%s: could not put the cpumap entry of CPU %u back: %s",
				       u->a->ifname, x->cpu, strerror(errno));
			break;
		case UNDO_TABLE:
			cs_table_move(cur->table_fd, cur->nbuckets, u->table,
				      cur->bucket_cpu);
			break;
		case UNDO_LINK:
			if (bpf_link_update(cur->link_fd, cur->prog_fd, NULL))
				cs_err("%s: could not give the XDP link its program back: %s",
				       u->a->ifname, strerror(errno));
			break;
		case UNDO_TABLE_PIN:
			cs_pin_path(path, sizeof(path), &u->a->key,
				    CS_PIN_TABLE);
			unlink(path);
			if (bpf_obj_pin(cur->table_fd, path))
				cs_err("%s: could not pin the old table back at %s: %s",
				       u->a->ifname, path, strerror(errno));
			break;
		case UNDO_META:
			cs_meta_write(u->a->st, &u->a->key, &cur->meta);
			break;
		case UNDO_OUT: {
			struct bpf_devmap_val v = { .ifindex = cur->out_ifindex };
			__u32 zero = 0;

			if (bpf_map_update_elem(u->out_fd[1], &zero, &cur->out,
						BPF_ANY) ||
			    (v.ifindex && bpf_map_update_elem(u->out_fd[0],
							      &zero, &v,
							      BPF_ANY)))
				cs_err("%s: could not put stage 2's device back: %s",
				       u->a->ifname, strerror(errno));
			break;
		}
		}
	}
}

static void undo_free(struct update *u)
{
	int i;

	for (i = 0; i < CS_UNDO_MAX; i++)
		if (u->undo[i].kind == UNDO_CPUMAP_PUT &&
		    u->undo[i].prog_fd >= 0) {
			close(u->undo[i].prog_fd);
			u->undo[i].prog_fd = -1;
		}
}

/* The bucket of a table of @nb_old that held the flows of bucket @b of @nb. */
static __u32 old_bucket(__u32 b, __u32 nb_old, __u32 nb)
{
	return nb >= nb_old ? b / (nb / nb_old) : b * (nb_old / nb);
}

/*
 * A table of @nb buckets over @cpus made from @old (@nb_old buckets) with
 * as few flows moved as can be. A bucket is the top log2(nb) bits of the
 * hash, so growing splits each old bucket in place and shrinking merges
 * neighbours; then the buckets of CPUs no longer targets, and those over
 * a target's even share (nb / n, the larger shares to the targets that
 * hold most already), go to the targets under theirs.
 */
static void table_rebalance(const __u32 *old, __u32 nb_old, __u32 nb,
			    const struct cs_cpuset *cpus, __u32 *out)
{
	static __u32 count[CS_MAX_CPUS], quota[CS_MAX_CPUS];
	__u32 b, i, j, n = cpus->n, extra = nb % cpus->n, next = 0;
	bool taken[CS_MAX_CPUS] = {};

	memset(count, 0, sizeof(count));
	memset(quota, 0, sizeof(quota));
	for (b = 0; b < nb; b++) {
		out[b] = old[old_bucket(b, nb_old, nb)];
		if (out[b] < CS_MAX_CPUS && cs_cpuset_has(cpus, out[b]))
			count[out[b]]++;
		else
			out[b] = CS_FALLBACK_PASS;	/* to be placed */
	}
	for (i = 0; i < n; i++)
		quota[cpus->cpu[i]] = nb / n;
	for (j = 0; j < extra; j++) {	/* the extras: who holds most */
		__u32 best = n;

		for (i = 0; i < n; i++)
			if (!taken[i] && (best == n ||
			    count[cpus->cpu[i]] > count[cpus->cpu[best]]))
				best = i;
		taken[best] = true;
		quota[cpus->cpu[best]]++;
	}
	for (b = nb; b-- > 0;) {
		__u32 c = out[b];

		if (c != CS_FALLBACK_PASS && count[c] > quota[c]) {
			count[c]--;
			out[b] = CS_FALLBACK_PASS;
		}
	}
	for (b = 0; b < nb; b++) {
		if (out[b] != CS_FALLBACK_PASS)
			continue;
		while (count[cpus->cpu[next]] >= quota[cpus->cpu[next]])
			next = (next + 1) % n;
		out[b] = cpus->cpu[next];
		count[out[b]]++;
	}
}

static bool params_differ(const struct cs_params *x, const struct cs_params *y)
{
	struct cs_params p = *x, q = *y;

	memset(p.key, 0, sizeof(p.key));
	memset(q.key, 0, sizeof(q.key));
	return memcmp(&p, &q, sizeof(p));
}

/* A line of what changes, printed once it has (or would, dry-run). */
static void say(struct update *u, bool dry_run, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(struct update *u, bool dry_run, const char *fmt, ...)
{
	size_t len = sizeof(u->said), n = strlen(u->said);
	va_list ap;

	if (n < len)
		n += snprintf(u->said + n, len - n, "%s: %s", u->a->ifname,
			      dry_run ? "would change " : "");
	va_start(ap, fmt);
	if (n < len)
		n += vsnprintf(u->said + n, len - n, fmt, ap);
	va_end(ap);
	if (n < len)
		snprintf(u->said + n, len - n, "\n");
}

/* Two target lists with the same CPUs, in any order. */
static bool same_cpus(const struct cs_cpuset *x, const struct cs_cpuset *y)
{
	__u32 i;

	if (x->n != y->n)
		return false;
	for (i = 0; i < x->n; i++)
		if (!cs_cpuset_has(y, x->cpu[i]))
			return false;
	return true;
}

static const char *fallback_text(__u32 cpu, char *buf, size_t len)
{
	if (cpu == CS_FALLBACK_PASS)
		return "pass";
	if (cpu == CS_FALLBACK_DROP)
		return "drop";
	snprintf(buf, len, "cpu:%u", cpu);
	return buf;
}

/* The rules of @cur's filter (0 when it runs none, or cannot be read). */
static __u32 filter_rules(const struct cs_attachment *cur)
{
	struct cs_filter_entry *e = NULL;
	int fds[CS_FLT_MAPS];
	__u32 n = 0;

	if (cur->stage2 != CS_STAGE2_FILTER || cs_filter_maps_open(cur, fds))
		return 0;
	if (cs_filter_read(fds, &e, &n))
		n = 0;
	free(e);
	cs_filter_maps_close(fds);
	return n;
}

/* What differs, said one line each; their number. */
static int describe(struct update *u, bool dry_run)
{
	const struct cs_attachment *cur = u->cur;
	const struct cs_steer_cfg *w = &u->a->spec->cfg;
	const struct cs_params *p = &cur->params, *q = &w->params;
	char x[256], y[256];
	__u32 b, moved = 0;
	int n = 0;

	if (p->hash_mode != q->hash_mode && ++n)
		say(u, dry_run, "hash %s -> %s", cs_hash_mode_names[p->hash_mode],
		    cs_hash_mode_names[q->hash_mode]);
	if (p->tunnel != q->tunnel ||
	    memcmp(p->vxlan_ports, q->vxlan_ports, sizeof(p->vxlan_ports))) {
		cs_tunnel_describe(p, x, sizeof(x));
		cs_tunnel_describe(q, y, sizeof(y));
		say(u, dry_run, "tunnel handling %s -> %s", x, y);
		n++;
	}
	if (p->fallback_cpu != q->fallback_cpu && ++n)
		say(u, dry_run, "fallback %s -> %s",
		    fallback_text(p->fallback_cpu, x, sizeof(x)),
		    fallback_text(q->fallback_cpu, y, sizeof(y)));
	if (cur->nbuckets != w->nbuckets && ++n)
		say(u, dry_run, "buckets %u -> %u (a new table)", cur->nbuckets,
		    w->nbuckets);
	for (b = 0; b < w->nbuckets; b++)
		moved += u->table[b] !=
			 cur->bucket_cpu[old_bucket(b, cur->nbuckets, w->nbuckets)];
	if (!same_cpus(&cur->cpus, &w->cpus) || moved) {
		cs_cpulist_format(&cur->cpus, x, sizeof(x));
		cs_cpulist_format(&w->cpus, y, sizeof(y));
		say(u, dry_run, "cpus %s -> %s (%u of %u buckets move)", x, y,
		    moved, w->nbuckets);
		n++;
	}
	if (cur->qsize != w->qsize && ++n)
		say(u, dry_run, "qsize %u -> %u", cur->qsize, w->qsize);
	if ((cur->stage2 != (int)w->stage2 || u->custom.fd >= 0) && ++n) {
		__u32 gone = w->stage2 != CS_STAGE2_FILTER ? filter_rules(cur) : 0;

		snprintf(x, sizeof(x), " (its %u filter rule%s go%s with it)",
			 gone, gone == 1 ? "" : "s", gone == 1 ? "es" : "");
		say(u, dry_run, "stage2 %s%s%s -> %s%s%s%s",
		    cur->stage2 >= 0 ? cs_stage2_names[cur->stage2] : "unknown",
		    cur->stage2 == CS_STAGE2_CUSTOM ? " " : "",
		    cur->stage2 == CS_STAGE2_CUSTOM ? cur->stage2_name : "",
		    cs_stage2_names[w->stage2], u->custom.fd >= 0 ? " " : "",
		    u->custom.fd >= 0 ? u->custom.name : "", gone ? x : "");
	}
	if (u->out_changed && ++n) {
		char a[IF_NAMESIZE];

		say(u, dry_run, "redirect-dev %s -> %s%s",
		    cur->out_ifindex && if_indextoname(cur->out_ifindex, a) ?
		    a : "(gone)", w->out_ifname,
		    memcmp(&cur->out, &w->out, sizeof(w->out)) ?
		    ", MAC rewrite changed" : "");
	}
	if (p->meta != q->meta && ++n)
		say(u, dry_run, "meta %s -> %s", p->meta ? "yes" : "no",
		    q->meta ? "yes" : "no");
	if (!(cur->meta.flags & CS_META_MANAGED) &&
	    (u->a->meta_flags & CS_META_MANAGED) && ++n)
		say(u, dry_run, "managed by the config from now on");
	return n;
}

/* The CPUs that need a cpumap entry: the targets and a fallback CPU. */
static void cpumap_entries(const struct cs_cpuset *targets, __u32 fallback,
			   struct cs_cpuset *s)
{
	*s = *targets;
	if (CS_FALLBACK_IS_CPU(fallback) && !cs_cpuset_has(s, fallback))
		s->cpu[s->n++] = fallback;
}

static int stage2_prog_fd(const struct update *u, int *own)
{
	struct bpf_cpumap_val v = {};
	__u32 cpu = u->cur->cpus.cpu[0];

	*own = -1;
	if (u->custom.fd >= 0)
		return u->custom.fd;
	if (u->skel && u->a->spec->cfg.stage2 != CS_STAGE2_CUSTOM)
		return cs_stage2_fd(u->skel, u->a->spec->cfg.stage2);
	/* Unchanged: the one the entries run now. */
	if (bpf_map_lookup_elem(u->cur->cpu_map_fd, &cpu, &v) ||
	    !v.bpf_prog.id)
		return -1;
	*own = bpf_prog_get_fd_by_id(v.bpf_prog.id);
	return *own;
}

static int step_cpumap(struct update *u)
{
	const struct cs_steer_cfg *w = &u->a->spec->cfg;
	int fd = u->cur->cpu_map_fd, own, prog, err = 0;
	struct undo *x;
	__u32 i;

	prog = stage2_prog_fd(u, &own);
	for (i = 0; !err && i < u->add.n; i++) {
		err = cpumap_put(fd, u->add.cpu[i], w->qsize, prog);
		if (!err)
			u->undo[u->nundo++] = (struct undo){
				.kind = UNDO_CPUMAP_DEL, .cpu = u->add.cpu[i] };
	}
	for (i = 0; !err && u->new_cpumap_vals && i < u->keep.n; i++) {
		x = &u->undo[u->nundo];
		x->kind = UNDO_CPUMAP_PUT;
		err = cpumap_get(fd, u->keep.cpu[i], x);
		if (!err) {
			u->nundo++;
			err = cpumap_put(fd, u->keep.cpu[i], w->qsize, prog);
		}
	}
	if (own >= 0)
		close(own);
	return err;
}

/* Buckets move in place, keeping their counts (stats' rates go on). */
static int step_table(struct update *u)
{
	const struct cs_attachment *cur = u->cur;

	u->undo[u->nundo++] = (struct undo){ .kind = UNDO_TABLE };
	return cs_table_move(cur->table_fd, cur->nbuckets, cur->bucket_cpu,
			     u->table);
}

static int step_link(struct update *u)
{
	LIBBPF_OPTS(bpf_link_update_opts, o, .flags = BPF_F_REPLACE,
		    .old_prog_fd = u->cur->prog_fd);
	struct bpf_program *p = cs_steer_prog(u->skel, &u->a->spec->cfg.params);
	int err;

	if (bpf_link_update(u->cur->link_fd, bpf_program__fd(p), &o)) {
		err = -errno;
		cs_err("%s: cannot swap the new stage-1 program in: %s",
		       u->a->ifname, strerror(-err));
		return err;
	}
	u->undo[u->nundo++] = (struct undo){ .kind = UNDO_LINK };
	return 0;
}

/* The new table replaces the pinned one (readers wait for our lock). */
static int step_table_pin(struct update *u)
{
	char path[256];
	int err;

	cs_pin_path(path, sizeof(path), &u->a->key, CS_PIN_TABLE);
	if (unlink(path)) {
		err = -errno;
		cs_err("cannot unpin %s: %s", path, strerror(-err));
		return err;
	}
	u->undo[u->nundo++] = (struct undo){ .kind = UNDO_TABLE_PIN };
	err = bpf_map__pin(u->skel->maps.cs_table, path);
	if (err)
		cs_err("cannot pin %s: %s", path, strerror(-err));
	return err;
}

/* Last: targets no longer used leave the cpumap (their rings drain). */
static int step_cpumap_del(struct update *u)
{
	struct undo *x;
	__u32 i;
	int err;

	for (i = 0; i < u->del.n; i++) {
		x = &u->undo[u->nundo];
		x->kind = UNDO_CPUMAP_PUT;
		err = cpumap_get(u->cur->cpu_map_fd, u->del.cpu[i], x);
		if (err)
			return err;
		u->nundo++;
		if (bpf_map_delete_elem(u->cur->cpu_map_fd, &u->del.cpu[i])) {
			err = -errno;
			cs_err("cannot remove CPU %u from the cpumap: %s",
			       u->del.cpu[i], strerror(-err));
			return err;
		}
	}
	return 0;
}

static int step_meta(struct update *u)
{
	struct cs_pin_meta m = u->cur->meta;

	if (!(u->a->meta_flags & ~m.flags))
		return 0;
	m.flags |= u->a->meta_flags;
	u->undo[u->nundo++] = (struct undo){ .kind = UNDO_META };
	return cs_meta_write(u->a->st, &u->a->key, &m);
}

static int update_prepare(struct update *u)
{
	const struct cs_attachment *cur = u->cur;
	struct cs_steer_cfg *w = &u->a->spec->cfg;
	struct cs_cpuset want, now;
	__u32 i;

	u->new_prog = params_differ(&cur->params, &w->params);
	u->new_table = cur->nbuckets != w->nbuckets;
	/* A custom stage 2 is new unless the kernel's tag says the same
	 * program runs now (its maps, and what they hold, then stay).
	 */
	if (w->stage2 == CS_STAGE2_CUSTOM) {
		int err = cs_custom_load(w->stage2_obj, w->stage2_prog[0] ?
					 w->stage2_prog : NULL, &u->custom);

		if (err)
			return err;
		if (cur->stage2 == CS_STAGE2_CUSTOM &&
		    !memcmp(cur->stage2_tag, u->custom.tag,
			    sizeof(u->custom.tag)) &&
		    !strncmp(cur->stage2_name, u->custom.name,
			     sizeof(cur->stage2_name) - 1))
			cs_custom_close(&u->custom);
	}
	if (w->stage2 == CS_STAGE2_REDIRECT) {
		__u32 ifindex = 0;

		/* Refused now, dry run or not, rather than half-way. */
		if (cs_iface_index(w->out_ifname, &ifindex)) {
			cs_err("%s: --redirect-dev %s: no such interface in this network namespace",
			       u->a->ifname, w->out_ifname);
			return -ENODEV;
		}
		if (!cs_netdev_has_xdp_xmit(ifindex)) {
			cs_err("%s: --redirect-dev %s cannot send XDP frames (its driver has no ndo_xdp_xmit; a veth takes them only while its peer runs XDP or has GRO on)",
			       u->a->ifname, w->out_ifname);
			return -EOPNOTSUPP;
		}
		u->out_changed = cur->stage2 == CS_STAGE2_REDIRECT &&
				 (ifindex != cur->out_ifindex ||
				  memcmp(&cur->out, &w->out, sizeof(w->out)));
	}
	u->new_cpumap_vals = cur->qsize != w->qsize ||
			     cur->stage2 != (int)w->stage2 ||
			     u->custom.fd >= 0;
	u->table = calloc(w->nbuckets, sizeof(*u->table));
	if (!u->table)
		return -ENOMEM;
	table_rebalance(cur->bucket_cpu, cur->nbuckets, w->nbuckets, &w->cpus,
			u->table);
	cpumap_entries(&w->cpus, w->params.fallback_cpu, &want);
	cpumap_entries(&cur->cpus, cur->params.fallback_cpu, &now);
	u->add.n = u->keep.n = u->del.n = 0;
	for (i = 0; i < want.n; i++) {
		if (cs_cpuset_has(&now, want.cpu[i]))
			u->keep.cpu[u->keep.n++] = want.cpu[i];
		else
			u->add.cpu[u->add.n++] = want.cpu[i];
	}
	for (i = 0; i < now.n; i++)
		if (!cs_cpuset_has(&want, now.cpu[i]))
			u->del.cpu[u->del.n++] = now.cpu[i];
	return 0;
}

/* New objects: a stage-1 program, a table, stage-2 programs. */
static int update_load(struct update *u)
{
	struct cs_steer_cfg cfg = u->a->spec->cfg;

	if (!u->new_prog && !u->new_table &&
	    !(u->new_cpumap_vals && cfg.stage2 != (__u32)u->cur->stage2))
		return 0;
	cfg.tracing = false;		/* the pinned tracepoints stay */
	cfg.reuse_cpu_map_fd = u->cur->cpu_map_fd;
	cfg.reuse_stats_fd = u->cur->stats_fd;
	cfg.reuse_table_fd = u->new_table ? -1 : u->cur->table_fd;
	/* A filter that stays keeps its rules. */
	if (cfg.stage2 == CS_STAGE2_FILTER &&
	    u->cur->stage2 == CS_STAGE2_FILTER &&
	    cs_filter_maps_open(u->cur, u->flt))
		return -ENOENT;
	memcpy(cfg.reuse_filter_fds, u->flt, sizeof(u->flt));
	cfg.table = u->table;
	cfg.ifindex = u->a->ifindex;
	/* A changed table size is a changed program too (its mask). */
	u->new_prog |= u->new_table;
	return cs_steer_load(&cfg, &u->skel);
}

/* Stage 2 redirect stays: its running program's maps, rewritten. */
static int step_out(struct update *u)
{
	const struct cs_steer_cfg *w = &u->a->spec->cfg;
	int err;

	if (!u->out_changed)
		return 0;
	u->out_fd[0] = cs_prog_map_fd(u->cur->stage2_prog_id, "cs_out_dev");
	u->out_fd[1] = cs_prog_map_fd(u->cur->stage2_prog_id, "cs_out_cfg");
	if (u->out_fd[0] < 0 || u->out_fd[1] < 0) {
		cs_err("%s: cannot open stage 2's device map: %s", u->a->ifname,
		       strerror(ENOENT));
		return -ENOENT;
	}
	u->undo[u->nundo++] = (struct undo){ .kind = UNDO_OUT };
	err = cs_out_set(u->out_fd[0], u->out_fd[1], w->out_ifname, &w->out);
	return err;
}

static int update_apply(struct update *u)
{
	int err;

	err = step_out(u);
	if (!err)
		err = step_cpumap(u);
	if (!err && !u->new_table)
		err = step_table(u);
	if (!err && u->new_prog)
		err = step_link(u);
	if (!err && u->new_table)
		err = step_table_pin(u);
	if (!err)
		err = step_cpumap_del(u);
	if (!err)
		err = step_meta(u);
	return err;
}

/* Was the attachment planned (it keeps values to put back)? */
static bool is_planned(const struct cs_life *a)
{
	int fd = cs_pin_open(a->st, &a->key, CS_PIN_SAVED);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* Does the plan still want interrupts or RPS masks changed? */
/*
 * The same value as the kernel shows it? An RPS mask reads back padded to
 * the CPU count ("0" is written, "00" or "00000000,00000000" read), so
 * hex masks compare by value, commas and leading zeros aside.
 */
static void hex_norm(const char *in, char *out, size_t len)
{
	size_t n = 0;

	for (; *in && n + 1 < len; in++)
		if (*in != ',' && (n || *in != '0'))
			out[n++] = tolower((unsigned char)*in);
	out[n] = '\0';
}

static bool same_value(const struct cs_change *c)
{
	const char *hex = "0123456789abcdefABCDEF,", *x = c->new, *y = c->old;
	char nx[256], ny[256];

	/* Interrupt affinities are CPU lists, written and read the same. */
	if (c->kind != CS_SAVED_RPS || strspn(x, hex) != strlen(x) ||
	    strspn(y, hex) != strlen(y))
		return !strcmp(x, y);
	hex_norm(x, nx, sizeof(nx));
	hex_norm(y, ny, sizeof(ny));
	return !strcmp(nx, ny);
}

static bool plan_pending(const struct cs_life *a)
{
	int i;

	for (i = 0; i < a->nchanges; i++)
		if (!same_value(&a->changes[i]))
			return true;
	return false;
}

/*
 * The spec @cur was made with, to attach it again after a failure: its
 * key, table, targets, rings and stage 2; planned again (the interrupts
 * and RPS detach put back) with @now's planning options, but for those
 * same targets and ring size.
 */
static void spec_of(const struct cs_attachment *cur, bool planned,
		    const struct cs_spec *now, struct cs_spec *s)
{
	cs_spec_init(s);
	s->cfg.params = cur->params;
	cs_steer_set_buckets(&s->cfg, cur->nbuckets);
	s->cfg.cpus = cur->cpus;
	s->cfg.table = cur->bucket_cpu;
	s->cfg.qsize = cur->qsize;
	s->cfg.stage2 = cur->stage2 >= 0 ? (__u32)cur->stage2 : CS_STAGE2_PASS;
	s->xdp_mode = !strcmp(cur->xdp_mode, "skb") ? CS_XDP_SKB : CS_XDP_NATIVE;
	s->automatic = planned;
	s->have_cpus = true;
	s->ignore_irqbalance = true;	/* it was pinned before */
	if (planned) {
		s->plan = now->plan;
		s->plan.have_cpus = true;
		s->plan.cpus = cur->cpus;
		cs_spec_mark(s, CS_OPT_QSIZE);	/* cur's, not the plan's */
	}
}

/*
 * A new link is needed: detach, attach as wanted; if that fails, attach
 * as it was (same key, table, targets and rings; planned again if it was).
 */
static int reattach(struct cs_life *a, const struct cs_attachment *cur,
		    bool planned)
{
	struct cs_spec old;
	struct cs_life b;
	int flt[CS_FLT_MAPS], s2 = -1, err;

	/* The filter's rules outlive the detach: held here, handed on; a
	 * custom stage 2 is held for attaching it again as it was.
	 */
	memset(flt, -1, sizeof(flt));
	if (cur->stage2 == CS_STAGE2_FILTER && cs_filter_maps_open(cur, flt))
		return -ENOENT;
	if (cur->stage2 == CS_STAGE2_CUSTOM) {
		s2 = bpf_prog_get_fd_by_id(cur->stage2_prog_id);
		if (s2 < 0) {
			err = -errno;
			cs_err("%s: cannot hold the custom stage 2: %s",
			       a->ifname, strerror(errno));
			return err;
		}
	}
	err = cs_life_detach(a->st, &a->key, a->ifname, false);
	if (err)
		goto out;
	if (a->spec->cfg.stage2 == CS_STAGE2_FILTER)
		memcpy(a->spec->cfg.reuse_filter_fds, flt, sizeof(flt));
	/* Planned again now that the old pinning is put back: what detach
	 * restores next time must be the values from before cpusteer.
	 */
	if (a->spec->automatic) {
		cs_life_free(a);
		err = cs_life_plan(a);
	}
	a->keep_key = true;
	a->quiet = true;
	if (!err)
		err = cs_life_attach(a);
	memset(a->spec->cfg.reuse_filter_fds, -1, sizeof(flt));
	if (!err)
		goto out;
	spec_of(cur, planned, a->spec, &old);
	memcpy(old.cfg.reuse_filter_fds, flt, sizeof(flt));
	old.cfg.stage2_fd = s2;
	b = (struct cs_life){
		.ifname = a->ifname, .ifindex = a->ifindex, .st = a->st,
		.key = a->key, .spec = &old, .keep_key = true,
		.meta_flags = cur->meta.flags, .quiet = true,
	};
	if ((planned && cs_life_plan(&b)) || cs_life_attach(&b))
		cs_err("%s: could not attach it again as it was: it is not steered now",
		       a->ifname);
	else
		cs_err("%s: attached again as it was", a->ifname);
	cs_life_free(&b);
out:
	cs_filter_maps_close(flt);
	if (s2 >= 0)
		close(s2);
	return err;
}

int cs_life_update(struct cs_life *a, const struct cs_attachment *cur,
		   bool dry_run, int *changes)
{
	struct update *u;
	bool planned = is_planned(a);
	const char *mode = cs_xdp_mode_names[a->spec->xdp_mode];
	int err;

	*changes = 0;
	a->spec->cfg.params.key[0] = cur->params.key[0];
	a->spec->cfg.params.key[1] = cur->params.key[1];
	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->a = a;
	u->cur = cur;
	memset(u->flt, -1, sizeof(u->flt));
	u->custom.fd = -1;
	u->out_fd[0] = u->out_fd[1] = -1;
	err = update_prepare(u);
	if (err)
		goto out;
	if (cur->old_layout || strcmp(cur->xdp_mode, mode) ||
	    planned != a->spec->automatic || (planned && plan_pending(a))) {
		snprintf(u->said, sizeof(u->said),
			 "%s: %s%s: %s detached and attached again (frames are not steered meanwhile)\n",
			 a->ifname, dry_run ? "would " : "",
			 cur->old_layout ? "give it this cpusteer's counters (another version attached it)" :
			 strcmp(cur->xdp_mode, mode) ? "change the XDP mode, which needs a new link" :
			 planned != a->spec->automatic ? "change between planned and given targets" :
							 "change the interrupt pinning or RPS masks",
			 dry_run ? "it would be" : "so it was");
		*changes = 1;
		if (!dry_run) {
			/* The table moves as few flows as it can even so. */
			a->spec->cfg.table = u->table;
			err = reattach(a, cur, planned);
			a->spec->cfg.table = NULL;
		}
		if (!err)
			fputs(u->said, stdout);
		goto out;
	}
	*changes = describe(u, dry_run);
	if (dry_run || !*changes) {
		fputs(u->said, stdout);
		goto out;
	}
	err = update_load(u);
	if (!err)
		err = update_apply(u);
	if (err) {
		undo_run(u);
		cs_err("%s: the change failed; it was put back as it was", a->ifname);
	} else {
		fputs(u->said, stdout);	/* said once it is true */
	}
out:
	undo_free(u);
	if (u->skel)
		cpusteer_bpf__destroy(u->skel);
	cs_filter_maps_close(u->flt);
	cs_custom_close(&u->custom);
	if (u->out_fd[0] >= 0)
		close(u->out_fd[0]);
	if (u->out_fd[1] >= 0)
		close(u->out_fd[1]);
	free(u->table);
	free(u);
	return err;
}
