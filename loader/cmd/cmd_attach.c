// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cpusteer attach: validate everything, load, fill the maps, pin them, and
 * attach the XDP link last, so the interface never sees a half-built
 * dataplane. Any failure unwinds to the state before the command.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "attachment.h"
#include "commands.h"
#include "cpusteer.h"
#include "cpusteer.skel.h"
#include "iface.h"
#include "kfeatures.h"
#include "irq.h"
#include "log.h"
#include "netdev.h"
#include "pins.h"
#include "plan.h"
#include "steer.h"

enum {
	OPT_CPUS = 'c',
	OPT_HASH = 256,
	OPT_BUCKETS,
	OPT_QSIZE,
	OPT_STAGE2,
	OPT_XDP_MODE,
	OPT_FALLBACK,
	OPT_FORCE,
	OPT_AUTO,
	OPT_DRY_RUN,
	OPT_IGNORE_IRQBALANCE,
};

/* cpumap bulks 8 frames per enqueue (CPU_MAP_BULK_SIZE): a smaller ring
 * could not take one bulk.
 */
#define CS_MIN_QSIZE	8

static const struct cs_option attach_opts[] = {
	{ "cpus", required_argument, OPT_CPUS, "LIST",
	  "target CPUs, e.g. 0-3,8,10-11 (required)" },
	{ "hash", required_argument, OPT_HASH, "MODE",
	  "l4, l3, l4-sym, l3-sym or hw (NIC's RSS hash; default l4-sym)" },
	{ "buckets", required_argument, OPT_BUCKETS, "N",
	  "indirection table size, a power of two (default 256)" },
	{ "qsize", required_argument, OPT_QSIZE, "N",
	  "cpumap ring size per target, 8-16384 (default 2048)" },
	{ "stage2", required_argument, OPT_STAGE2, "PROG",
	  "program on the target CPU: pass, drop or none (default pass)" },
	{ "xdp-mode", required_argument, OPT_XDP_MODE, "MODE",
	  "native or skb (default native)" },
	{ "fallback", required_argument, OPT_FALLBACK, "WHERE",
	  "unparsable frames: pass (on the RX CPU, default) or cpu:N" },
	{ "force", no_argument, OPT_FORCE, NULL,
	  "replace an XDP program cpusteer did not attach" },
	{ "auto", no_argument, OPT_AUTO, NULL,
	  "plan from the topology (see 'cpusteer plan'): targets, qsize, IRQ pinning" },
	{ "dry-run", no_argument, OPT_DRY_RUN, NULL,
	  "with --auto: print what would change, change nothing" },
	{ "ignore-irqbalance", no_argument, OPT_IGNORE_IRQBALANCE, NULL,
	  "with --auto: pin IRQs although irqbalance runs" },
	CS_TUNNEL_OPTIONS,
	CS_PLAN_OPTIONS,
	{ "help", no_argument, CS_OPT_HELP, NULL, "show this help" },
	{}
};

const struct cs_command cs_cmd_attach = {
	.name = "attach",
	.func = cmd_attach,
	.synopsis = "IFACE (--cpus LIST | --auto) [OPTIONS]",
	.summary = "Steer IFACE's received frames across CPUs and leave the steering in place.",
	.details =
"Loads the XDP program, attaches it with a bpf_link and pins the link and\n"
"maps under " CS_PIN_ROOT "/netns-ID/if-IFINDEX (this network\n"
"namespace, IFACE's ifindex), then exits: steering stays until\n"
"'cpusteer detach IFACE'. A fresh random hash key is drawn on every attach.\n"
"An IFACE that starts with '-' goes after '--'.\n"
"With --auto, the plan of 'cpusteer plan' chooses the targets (or takes\n"
"--cpus) and the queue size (unless --qsize), pins the NIC's receive-queue\n"
"interrupts and turns RPS off on its queues; the previous values are kept\n"
"in the pin directory and detach restores them.\n",
	.opts = attach_opts,
};

enum xdp_mode { XDP_MODE_NATIVE, XDP_MODE_SKB, XDP_MODE_MAX };
static const char *const xdp_mode_names[XDP_MODE_MAX] = { "native", "skb" };

struct attach_args {
	const char *ifname;
	__u32 ifindex;
	struct cs_state st;	/* locked from the plan to the end */
	struct cs_pin_key key;	/* where its pins go */
	struct cs_steer_cfg cfg;
	__u32 xdp_mode;
	bool force;
	bool have_cpus;
	bool have_qsize;
	bool automatic, dry_run, ignore_irqbalance;
	struct cs_plan_opts plan_opts;
	struct cs_plan *plan;
	struct cs_change *changes;
	int nchanges;
};

static int parse_fallback(const char *s, __u32 *cpu)
{
	if (!strcmp(s, "pass")) {
		*cpu = CS_FALLBACK_PASS;
		return 0;
	}
	if (strncmp(s, "cpu:", 4)) {
		cs_err("--fallback '%s': give 'pass' or 'cpu:N'", s);
		return -EINVAL;
	}
	return cs_parse_u32("--fallback CPU", s + 4, 0, CS_MAX_CPUS - 1, cpu);
}

static int parse_one(struct attach_args *a, int c)
{
	struct cs_steer_cfg *cfg = &a->cfg;

	switch (c) {
	case OPT_CPUS:
		a->have_cpus = true;
		return cs_cpulist_parse("--cpus", optarg, &cfg->cpus);
	case OPT_HASH:
		return cs_parse_enum("--hash mode", optarg, cs_hash_mode_names,
				     CS_HASH_MODE_MAX, &cfg->params.hash_mode);
	case OPT_BUCKETS:
		return cs_parse_buckets(optarg, cfg);
	case OPT_QSIZE:
		a->have_qsize = true;
		return cs_parse_u32("--qsize", optarg, CS_MIN_QSIZE,
				    CS_MAX_QSIZE, &cfg->qsize);
	case OPT_STAGE2:
		return cs_parse_enum("--stage2 program", optarg,
				     cs_stage2_names, CS_STAGE2_MAX,
				     (__u32 *)&cfg->stage2);
	case OPT_XDP_MODE:
		return cs_parse_enum("--xdp-mode", optarg, xdp_mode_names,
				     XDP_MODE_MAX, &a->xdp_mode);
	case OPT_FALLBACK:
		return parse_fallback(optarg, &cfg->params.fallback_cpu);
	case OPT_FORCE:
		a->force = true;
		return 0;
	case OPT_AUTO:
		a->automatic = true;
		return 0;
	case OPT_DRY_RUN:
		a->dry_run = true;
		return 0;
	case OPT_IGNORE_IRQBALANCE:
		a->ignore_irqbalance = true;
		return 0;
	}
	switch (cs_parse_tunnel_opt(c, optarg, cfg)) {
	case 0:
		return 0;
	case 1:
		break;
	default:
		return -EINVAL;
	}
	return cs_plan_parse_opt(c, &a->plan_opts) ? -EINVAL : 0;
}

/*
 * --hash hw needs a device-bound program, which only attaches natively,
 * on a device whose driver hands XDP its RX hash: say so before loading.
 */
static int check_hw_hash(const struct attach_args *a)
{
	int has;

	if (!(a->cfg.params.hash_mode & CS_HASH_F_HW))
		return 0;
	if (a->xdp_mode == XDP_MODE_SKB) {
		cs_err("--hash hw needs --xdp-mode native: the NIC's hash reaches only native XDP programs (use a software --hash mode with --xdp-mode skb)");
		return -EINVAL;
	}
	if (cs_features_require(CS_NEED_HW, "--hash hw",
				"use a software --hash mode such as l4-sym"))
		return -EINVAL;
	has = cs_netdev_has_rx_hash(a->ifindex);
	if (has == 0) {
		cs_err("--hash hw: %s gives XDP programs no RX hash (its driver has no XDP RX-metadata hash); use a software --hash mode such as l4-sym",
		       a->ifname);
		return -EINVAL;
	}
	if (has < 0)
		cs_warn("--hash hw: this kernel cannot say whether %s gives XDP programs its RX hash (%s; Linux 6.8 can); frames without one use the l4-sym software hash, and 'cpusteer stats' counts both",
			a->ifname, strerror(-has));
	return 0;
}

static int attach_parse(int argc, char **argv, struct attach_args *a)
{
	struct cs_cpuset fb = { .n = 1 };
	int c;

	cs_steer_cfg_init(&a->cfg);
	cs_plan_opts_init(&a->plan_opts);
	a->cfg.tracing = true;
	while ((c = cs_getopt(argc, argv, &cs_cmd_attach)) != -1) {
		if (c == CS_OPT_HELP) {
			cs_usage(stdout, &cs_cmd_attach);
			return 1;	/* --help: done */
		}
		if (c == '?' || parse_one(a, c))
			return -EINVAL;
	}
	if (optind != argc - 1) {
		cs_err(optind >= argc ? "no interface given" :
					"one interface only, got '%s' too",
		       argv[argc - 1]);
		fprintf(stderr, "Usage: cpusteer attach %s\n",
			cs_cmd_attach.synopsis);
		return -EINVAL;
	}
	a->ifname = argv[optind];
	if (!a->automatic && (a->dry_run || a->ignore_irqbalance ||
			      a->plan_opts.topology || a->plan_opts.sysroot ||
			      a->plan_opts.allow_smt || a->plan_opts.spill ||
			      a->plan_opts.budget_us != CS_DEFAULT_BUDGET_US)) {
		cs_err("--dry-run, --ignore-irqbalance, --topology, --sysroot, --allow-smt, --spill and --budget-us go with --auto");
		return -EINVAL;
	}
	if (!a->have_cpus && !a->automatic) {
		cs_err("--cpus is required: name the target CPUs, e.g. --cpus 0-3 (or plan them with --auto)");
		return -EINVAL;
	}
	if (a->automatic && a->have_cpus) {
		a->plan_opts.have_cpus = true;
		a->plan_opts.cpus = a->cfg.cpus;
	}
	if (cs_ifname_check("IFACE", a->ifname))
		return -EINVAL;
	if (!a->automatic && cs_cpus_check_online("--cpus", &a->cfg.cpus))
		return -EINVAL;
	if (!a->automatic && a->cfg.nbuckets < a->cfg.cpus.n) {
		cs_err("--buckets %u is fewer than the %u target CPUs: some would get no traffic",
		       a->cfg.nbuckets, a->cfg.cpus.n);
		return -EINVAL;
	}
	fb.cpu[0] = a->cfg.params.fallback_cpu;
	if (fb.cpu[0] != CS_FALLBACK_PASS &&
	    cs_cpus_check_online("--fallback", &fb))
		return -EINVAL;
	if (cs_iface_resolve(a->ifname, &a->ifindex))
		return -ENODEV;
	return check_hw_hash(a);
}

/* IRQ affinities to the plan's RX CPUs, RPS off on IFACE's queues. */
static int auto_changes(struct attach_args *a)
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

static void auto_dry_run(const struct attach_args *a)
{
	char cpus[256], show[512];
	int i;

	cs_plan_print(stdout, a->plan, a->ifname);
	for (i = 0; i < a->nchanges; i++)
		printf("would write %s to %s (now %s)\n", a->changes[i].new,
		       cs_change_show(&a->plan->root, &a->changes[i],
				      a->ifname, show, sizeof(show)),
		       a->changes[i].old);
	cs_cpulist_format(&a->cfg.cpus, cpus, sizeof(cpus));
	printf("would attach to %s: hash %s, %u buckets over CPUs %s, qsize %u; nothing was changed\n",
	       a->ifname, cs_hash_mode_names[a->cfg.params.hash_mode],
	       a->cfg.nbuckets, cpus, a->cfg.qsize);
}

/*
 * --auto: plan, then check everything the plan implies before anything
 * changes: the targets are online, the table can hold them, irqbalance
 * will not fight the pinning.
 */
static int attach_auto(struct attach_args *a)
{
	int pid, err;

	a->plan = calloc(1, sizeof(*a->plan));
	if (!a->plan)
		return -ENOMEM;
	a->plan_opts.ifname = a->ifname;
	err = cs_plan_make(&a->plan_opts, a->plan);
	if (err) {
		free(a->plan);
		a->plan = NULL;
		return err;
	}
	a->cfg.cpus = a->plan->targets;
	if (!a->have_qsize)
		a->cfg.qsize = a->plan->qsize;
	if (cs_cpus_check_online("planned target CPUs", &a->cfg.cpus))
		return -EINVAL;
	if (a->cfg.nbuckets < a->cfg.cpus.n) {
		cs_err("--buckets %u is fewer than the %u planned target CPUs",
		       a->cfg.nbuckets, a->cfg.cpus.n);
		return -EINVAL;
	}
	err = auto_changes(a);
	if (err)
		return err;
	pid = a->plan->nirq ? cs_irqbalance_pid(&a->plan->root) : 0;
	if (pid && !a->ignore_irqbalance && !a->dry_run) {
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
static int apply_auto(struct attach_args *a)
{
	char path[256];
	int fd, err;

	fd = cs_saved_create();
	if (fd < 0)
		return fd;
	cs_pin_path(path, sizeof(path), &a->key, CS_PIN_SAVED);
	err = cs_saved_set_sysroot(fd, a->plan_opts.sysroot);
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

static void restore_auto(const struct attach_args *a)
{
	int fd = cs_pin_open(&a->st, &a->key, CS_PIN_SAVED);

	if (fd < 0)
		return;
	cs_saved_restore(fd, a->ifname);
	close(fd);
}

/*
 * Who holds the interface's XDP hook now. Returns the foreign program's id
 * (0 if none), after refusing where cpusteer must not go on.
 */
static int check_hook(const struct attach_args *a, __u32 *foreign)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct cs_pin_key key;
	char dir[256];
	int err;

	*foreign = 0;
	if (!cs_attachment_of(&a->st, a->ifindex, &key)) {
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
	if (!a->force) {
		cs_err("%s: XDP program id %u is attached and cpusteer did not attach it; pass --force to replace it",
		       a->ifname, *foreign);
		return -EBUSY;
	}
	return 0;
}

static __u32 xdp_flags(const struct attach_args *a)
{
	return a->xdp_mode == XDP_MODE_SKB ? XDP_FLAGS_SKB_MODE :
					     XDP_FLAGS_DRV_MODE;
}

/*
 * --force: take the foreign program off; its fd lets us put it back, so
 * without one nothing is taken off.
 */
static int evict_foreign(const struct attach_args *a, __u32 id, int *old_fd,
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

static int pin_maps(struct cpusteer_bpf *skel, const struct attach_args *a)
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

static int pin_tracing(struct cpusteer_bpf *skel, const struct attach_args *a)
{
	static const enum cs_pin pins[CS_TRACE_LINKS] = {
		CS_PIN_TRACE_ENQUEUE, CS_PIN_TRACE_REDIRECT_ERR,
	};
	struct bpf_link *links[CS_TRACE_LINKS];
	char path[256];
	int i, err;

	err = cs_steer_attach_tracing(skel, links);
	for (i = 0; i < CS_TRACE_LINKS; i++) {
		cs_pin_path(path, sizeof(path), &a->key, pins[i]);
		if (!err && (err = bpf_link__pin(links[i], path)))
			cs_err("cannot pin %s: %s", path, strerror(-err));
		bpf_link__destroy(links[i]);	/* a pin holds it now */
	}
	return err;
}

static int pin_meta(const struct attach_args *a)
{
	struct cs_pin_meta m = {
		.ifindex = a->ifindex,
		.netns = a->st.netns,
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

static int attach_xdp(struct cpusteer_bpf *skel, const struct attach_args *a)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = xdp_flags(a));
	char path[256];
	int fd, err;

	fd = bpf_link_create(bpf_program__fd(cs_steer_prog(skel,
							   &a->cfg.params)),
			     a->ifindex, BPF_XDP, &opts);
	if (fd < 0) {
		err = -errno;
		if (err == -EOPNOTSUPP || err == -EINVAL)
			cs_err("%s: %s XDP attach refused (%s)%s", a->ifname,
			       xdp_mode_names[a->xdp_mode], strerror(-err),
			       a->xdp_mode == XDP_MODE_NATIVE ?
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

static void print_summary(const struct attach_args *a)
{
	const struct cs_steer_cfg *cfg = &a->cfg;
	char cpus[256], fb[32] = "pass", dir[256];

	cs_cpulist_format(&cfg->cpus, cpus, sizeof(cpus));
	if (cfg->params.fallback_cpu != CS_FALLBACK_PASS)
		snprintf(fb, sizeof(fb), "cpu:%u", cfg->params.fallback_cpu);
	cs_pin_dir_path(dir, sizeof(dir), &a->key);
	printf("cpusteer: attached to %s (%s XDP): hash %s, %u buckets over CPUs %s, qsize %u, stage2 %s, fallback %s; pinned in %s\n",
	       a->ifname, xdp_mode_names[a->xdp_mode],
	       cs_hash_mode_names[cfg->params.hash_mode], cfg->nbuckets, cpus,
	       cfg->qsize, cs_stage2_names[cfg->stage2], fb, dir);
}

/*
 * The directory for IFACE's ifindex may hold the attachment of a device
 * that had that ifindex, moved away and came back under another: it moves
 * to that one's ifindex, which is its key now. One that steers nothing is
 * for detach --stale to judge.
 */
static int free_key(struct attach_args *a)
{
	struct cs_pin_key now;
	char dir[256];
	__u32 ifindex;

	if (!cs_pin_dir_exists(&a->st, &a->key))
		return 0;
	cs_pin_dir_path(dir, sizeof(dir), &a->key);
	if (cs_pin_link_state(&a->st, &a->key, &ifindex) == CS_LINK_HERE &&
	    ifindex != a->ifindex) {
		now = cs_pin_key_here(&a->st, ifindex);
		return cs_pin_dir_move(&a->st, &a->key, &now);
	}
	cs_err("%s: %s is left from an attachment to an earlier device with this ifindex; 'cpusteer detach --stale' removes it",
	       a->ifname, dir);
	return -EEXIST;
}

/*
 * Under the state lock: the hook is checked, the dataplane loaded and
 * pinned, and the link attached last. Any failure unwinds all of it.
 */
static int attach_locked(struct attach_args *a)
{
	struct cpusteer_bpf *skel = NULL;
	int old_fd = -1, err;
	__u32 foreign, old_flags = 0;

	err = check_hook(a, &foreign);
	if (!err)
		err = free_key(a);
	if (err)
		return err;
	err = cs_key_random(a->cfg.params.key);
	if (err)
		return err;
	a->cfg.ifindex = a->ifindex;	/* --hash hw binds to the device */
	err = cs_steer_load(&a->cfg, &skel);
	if (err)
		return err;
	err = cs_pin_dir_create(&a->st, &a->key);
	if (err)
		goto err_destroy;
	err = pin_meta(a);
	if (!err)
		err = pin_maps(skel, a);
	if (!err)
		err = pin_tracing(skel, a);
	if (!err && a->automatic)
		err = apply_auto(a);
	if (!err && foreign)
		err = evict_foreign(a, foreign, &old_fd, &old_flags);
	if (err)
		goto err_unpin;
	err = attach_xdp(skel, a);
	if (err)
		goto err_restore;
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
	if (a->automatic)
		restore_auto(a);
	cs_pins_remove(&a->st, &a->key);
err_destroy:
	cpusteer_bpf__destroy(skel);
	return err;
}

/*
 * The state is locked before the plan reads what it will change, so no
 * other attach or detach changes those values between the reading (they
 * are what detach puts back) and the writing. A dry run only reads: if it
 * cannot see the state from here, it says so and goes on.
 */
static int state_open(struct attach_args *a)
{
	char why[512];
	int err;

	if (!a->dry_run)
		err = cs_state_open(CS_STATE_CREATE, &a->st);
	else {
		cs_err_capture(why, sizeof(why));
		err = cs_state_open(CS_STATE_READ, &a->st);
		cs_err_release();
		if (err)
			cs_warn("%s (so this dry run cannot check for an attachment already there)",
				why);
		err = 0;
	}
	a->key = cs_pin_key_here(&a->st, a->ifindex);
	return err;
}

int cmd_attach(int argc, char **argv)
{
	struct attach_args a = { .st.root_fd = -1 };
	__u32 foreign;
	int err, rc = CS_EXIT_OK;

	err = attach_parse(argc, argv, &a);
	if (err)
		return err == 1 ? CS_EXIT_OK : CS_EXIT_USAGE;
	if (cs_require_root() ||
	    cs_features_require(CS_NEED_STEER, "attach", NULL) ||
	    state_open(&a))
		return CS_EXIT_FAIL;
	if (a.automatic) {
		err = attach_auto(&a);
		if (err) {
			rc = err == -EINVAL ? CS_EXIT_USAGE : CS_EXIT_FAIL;
			goto out;
		}
	}
	if (a.dry_run) {
		/* What a real attach would refuse, refused now. */
		if (check_hook(&a, &foreign))
			rc = CS_EXIT_FAIL;
		else
			auto_dry_run(&a);
		goto out;
	}
	rc = attach_locked(&a) ? CS_EXIT_FAIL : CS_EXIT_OK;
out:
	cs_state_close(&a.st);
	if (a.plan)
		cs_plan_free(a.plan);
	free(a.plan);
	free(a.changes);
	return rc;
}
