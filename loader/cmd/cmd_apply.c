// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cpusteer apply: make this network namespace's attachments what the
 * config says, changing only what differs, each live one in place.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attachment.h"
#include "commands.h"
#include "filter.h"
#include "config.h"
#include "lifecycle.h"
#include "log.h"

enum {
	OPT_CONFIG = 256,
	OPT_DRY_RUN,
};

static const struct cs_option apply_opts[] = {
	{ "config", required_argument, OPT_CONFIG, "PATH",
	  "the config file", .def = CS_CONF_PATH },
	{ "dry-run", no_argument, OPT_DRY_RUN, NULL,
	  "print what would change, change nothing" },
	{ "help", no_argument, CS_OPT_HELP, NULL, "show this help" },
	{}
};

const struct cs_command cs_cmd_apply = {
	.name = "apply",
	.func = cmd_apply,
	.synopsis = "[--config PATH] [--dry-run]",
	.summary = "Make the attachments what the config file says, changing only what differs.",
	.details =
"Reads and checks the whole config first (as 'cpusteer check-config'): on\n"
"any error nothing is changed (exit 2). Then, for each interface in it:\n"
"attaches it if it is not, or changes the live attachment in place: CPU\n"
"list, table and queue changes are map updates; hash, tunnel, fallback\n"
"and table-size changes load a new stage-1 program and swap it in with\n"
"bpf_link_update(), so the interface always has a program, with the same\n"
"hash key. A change of XDP mode or between planned and given CPUs needs\n"
"a new link, and says so. Attachments that apply made and that are no\n"
"longer in the config are detached; others are left alone. If changing\n"
"an interface fails, it is put back as it was and the others go on.\n"
"Exit status 0 when everything was applied, 1 when an interface is\n"
"missing or failed. The same config applied twice changes nothing.\n",
	.opts = apply_opts,
};

struct apply_args {
	const char *path;
	bool dry_run;
};

static int apply_one_opt(void *ctx, int c, const char *arg)
{
	struct apply_args *a = ctx;

	if (c == OPT_CONFIG)
		a->path = arg;
	else if (c == OPT_DRY_RUN)
		a->dry_run = true;
	return 0;
}

struct tally {
	int attached, changed, detached, unchanged, failed;
};

static void say_attach(const struct cs_life *l, bool dry_run)
{
	const struct cs_steer_cfg *c = &l->spec->cfg;
	char cpus[256];

	cs_cpulist_format(&c->cpus, cpus, sizeof(cpus));
	printf("%s: %sattach%s: hash %s, %u buckets over CPUs %s, qsize %u, stage2 %s, %s XDP\n",
	       l->ifname, dry_run ? "would " : "", dry_run ? "" : "ed",
	       cs_hash_mode_names[c->params.hash_mode], c->nbuckets, cpus,
	       c->qsize, cs_stage2_names[c->stage2],
	       cs_xdp_mode_names[l->spec->xdp_mode]);
}

/* One interface: what it is now, and whether it can be changed. */
struct job {
	struct cs_conf_iface *ifc;
	struct cs_life life;
	struct cs_attachment cur;
	bool attached;		/* cur is open: change it in place */
	bool ok;		/* checked: go ahead */
};

/*
 * Everything that can be checked before changing anything: the plan (with
 * cpus = auto), the attachment there now, whose hook it is.
 */
static int prepare(struct cs_state *st, struct job *j)
{
	struct cs_conf_iface *ifc = j->ifc;
	struct cs_pin_key key;
	__u32 foreign;
	int err;

	j->life = (struct cs_life){
		.ifname = ifc->name, .ifindex = ifc->ifindex, .st = st,
		.key = cs_pin_key_here(st, ifc->ifindex), .spec = &ifc->spec,
		.meta_flags = CS_META_MANAGED, .quiet = true,
	};
	if (ifc->spec.automatic) {
		err = cs_life_plan(&j->life);
		if (err)
			return err;
	}
	if (st->root_fd >= 0 && !cs_attachment_of(st, ifc->ifindex, &key)) {
		j->life.key = key;
		err = cs_attachment_open(st, &key, &j->cur);
		if (err) {
			cs_err("%s: %s", ifc->name, j->cur.error);
			return err;
		}
		j->attached = true;
		return 0;
	}
	return cs_life_check_hook(&j->life, &foreign);
}

/*
 * The config's filter rules made the live ones, once the attachment is as
 * the config says (a fresh attach put them in already): their number
 * added and deleted, said.
 */
static int sync_filter(struct job *j, bool dry_run, int *changes)
{
	const struct cs_spec *sp = j->life.spec;
	struct cs_attachment a, *cur = &a;
	struct cs_pin_key key;
	int fds[CS_FLT_MAPS], err;
	__u32 add = sp->nfilter, del = 0;

	if (!cs_spec_given(sp, CS_OPT_FILTER))
		return 0;
	if (dry_run) {
		if (!j->attached || j->cur.stage2 != CS_STAGE2_FILTER)
			goto say;
		cur = &j->cur;
	} else {
		err = cs_attachment_of(j->life.st, j->ifc->ifindex, &key);
		if (!err)
			err = cs_attachment_open(j->life.st, &key, &a);
		if (err) {
			cs_err("%s: cannot read the attachment back for its filter rules", j->ifc->name);
			return err;
		}
	}
	err = cs_filter_maps_open(cur, fds);
	if (!err) {
		err = cs_filter_sync(fds, sp->filter, sp->nfilter, dry_run,
				     &add, &del);
		cs_filter_maps_close(fds);
	}
	if (cur == &a)
		cs_attachment_close(&a);
	if (err)
		return err;
	/* What an attach made on the way (a fresh one, or a new link). */
	add += j->life.filter_added;
	del += j->life.filter_deleted;
say:
	if (add || del)
		printf("%s: %sfilter rules: %u added, %u deleted\n",
		       j->ifc->name, dry_run ? "would change " : "", add, del);
	*changes += add + del;
	return 0;
}

static int apply_job(struct job *j, bool dry_run, struct tally *t)
{
	int err, n;

	if (j->attached) {
		err = cs_life_update(&j->life, &j->cur, dry_run, &n);
		if (!err)
			err = sync_filter(j, dry_run, &n);
		if (!err && n)
			t->changed++;
		else if (!err)
			t->unchanged++;
		return err;
	}
	err = dry_run ? 0 : cs_life_attach(&j->life);
	if (!err) {
		say_attach(&j->life, dry_run);
		t->attached++;
		n = 0;
		err = sync_filter(j, dry_run, &n);
	}
	return err;
}

static bool in_config(const struct cs_conf *c, const struct cs_attachment *a)
{
	int i;

	for (i = 0; i < c->nifs; i++) {
		if (!c->ifs[i].missing && c->ifs[i].ifindex == a->ifindex &&
		    a->link_state == CS_LINK_HERE)
			return true;
		if (!strcmp(c->ifs[i].name, a->ifname))
			return true;
	}
	return false;
}

/* Attachments apply made that the config no longer has: detached. */
static void detach_left(struct cs_state *st, const struct cs_conf *c,
			bool dry_run, struct tally *t)
{
	static struct cs_pin_key keys[CS_MAX_ATTACHMENTS];
	struct cs_attachment a;
	int i, n;

	if (st->root_fd < 0)
		return;
	n = cs_attachment_select(st, NULL, keys, CS_MAX_ATTACHMENTS, NULL);
	for (i = 0; i < n; i++) {
		if (keys[i].netns != st->netns)
			continue;	/* a device moved here: not ours */
		cs_attachment_open(st, &keys[i], &a);
		if (!(a.meta.flags & CS_META_MANAGED) || in_config(c, &a)) {
			cs_attachment_close(&a);
			continue;
		}
		printf("%s: %sdetach%s: no longer in the config\n", a.ifname,
		       dry_run ? "would " : "", dry_run ? "" : "ed");
		if (!dry_run && cs_life_detach(st, &keys[i], a.ifname, false))
			t->failed++;
		else
			t->detached++;
		cs_attachment_close(&a);
	}
}

static int apply_run(const struct apply_args *a, struct cs_conf *c)
{
	struct tally t = {};
	struct cs_state st = { .root_fd = -1 };
	struct job *jobs;
	char why[512];
	int i, err;

	if (!a->dry_run) {
		err = cs_state_open(CS_STATE_CREATE, &st);
	} else {
		cs_err_capture(why, sizeof(why));
		err = cs_state_open(CS_STATE_READ, &st);
		cs_err_release();
		if (err)
			cs_warn("%s (so this dry run takes nothing as attached)",
				why);
		err = 0;
	}
	if (err)
		return CS_EXIT_FAIL;
	jobs = calloc(c->nifs ?: 1, sizeof(*jobs));
	if (!jobs) {
		cs_state_close(&st);
		return CS_EXIT_FAIL;
	}
	/* Everything checked first; an interface that fails its checks is
	 * reported and left as it is, the others go on.
	 */
	for (i = 0; i < c->nifs; i++) {
		jobs[i].ifc = &c->ifs[i];
		if (c->ifs[i].missing)
			continue;	/* said with the config's errors */
		jobs[i].ok = !prepare(&st, &jobs[i]);
		if (!jobs[i].ok)
			t.failed++;
	}
	for (i = 0; i < c->nifs; i++)
		if (jobs[i].ok && apply_job(&jobs[i], a->dry_run, &t))
			t.failed++;
	for (i = 0; i < c->nifs; i++) {
		if (jobs[i].attached)
			cs_attachment_close(&jobs[i].cur);
		cs_life_free(&jobs[i].life);
	}
	free(jobs);
	detach_left(&st, c, a->dry_run, &t);
	cs_state_close(&st);
	if (!t.attached && !t.changed && !t.detached && !t.failed && !c->missing)
		printf("cpusteer: nothing to change: %d interface%s as configured\n",
		       t.unchanged, t.unchanged == 1 ? "" : "s");
	else
		printf("cpusteer: %s %s: %d attached, %d changed, %d detached, %d unchanged, %d failed, %d missing\n",
		       a->dry_run ? "would apply" : "applied", a->path,
		       t.attached, t.changed, t.detached, t.unchanged,
		       t.failed, c->missing);
	return t.failed || c->missing ? CS_EXIT_FAIL : CS_EXIT_OK;
}

int cmd_apply(int argc, char **argv)
{
	struct apply_args a = { .path = CS_CONF_PATH };
	struct cs_conf conf;
	int err;

	err = cs_opts_parse(argc, argv, &cs_cmd_apply, apply_one_opt, &a);
	if (err)
		return err > 0 ? CS_EXIT_OK : CS_EXIT_USAGE;
	if (optind != argc) {
		cs_err("apply takes no operands, got '%s' (the config file goes after --config)",
		       argv[optind]);
		return CS_EXIT_USAGE;
	}
	if (cs_require_root() ||
	    cs_features_require(CS_NEED_STEER, "apply", NULL))
		return CS_EXIT_FAIL;
	if (cs_conf_load(a.path, &conf)) {
		cs_err("out of memory");
		return CS_EXIT_FAIL;
	}
	cs_conf_print(&conf, stderr);
	if (conf.errors) {
		cs_err("%d error%s in %s: nothing was changed",
		       conf.errors, conf.errors == 1 ? "" : "s", a.path);
		cs_conf_free(&conf);
		return CS_EXIT_USAGE;
	}
	err = apply_run(&a, &conf);
	cs_conf_free(&conf);
	return err;
}
