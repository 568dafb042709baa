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
#include <unistd.h>

#include "commands.h"
#include "iface.h"
#include "kfeatures.h"
#include "lifecycle.h"
#include "log.h"

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
	.opts = cs_spec_opts,
};

struct attach_args {
	const char *ifname;
	__u32 ifindex;
	struct cs_state st;	/* locked from the plan to the end */
	struct cs_spec spec;
	struct cs_life life;
};

static int attach_one(void *ctx, int c, const char *arg)
{
	struct cs_spec *spec = ctx;
	const struct cs_option *o;
	char what[64];

	for (o = cs_spec_opts; o->name && o->key != c; o++)
		;
	if (!o->name)
		return -EINVAL;
	snprintf(what, sizeof(what), "--%s", o->name);
	return cs_spec_set(spec, o, arg, what, false);
}

static int attach_parse(int argc, char **argv, struct attach_args *a)
{
	int err;

	cs_spec_init(&a->spec);
	err = cs_opts_parse(argc, argv, &cs_cmd_attach, attach_one, &a->spec);
	if (err)
		return err;
	if (optind != argc - 1) {
		cs_err(optind >= argc ? "no interface given" :
					"one interface only, got '%s' too",
		       argv[argc - 1]);
		fprintf(stderr, "Usage: cpusteer attach %s\n",
			cs_cmd_attach.synopsis);
		return -EINVAL;
	}
	a->ifname = argv[optind];
	if (cs_ifname_check("IFACE", a->ifname))
		return -EINVAL;
	if (cs_spec_check(&a->spec, a->ifname))
		return -EINVAL;
	if (cs_iface_resolve(a->ifname, &a->ifindex))
		return -ENODEV;
	return cs_check_hw_hash(a->ifname, a->ifindex, &a->spec);
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

	if (!a->spec.dry_run)
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
	a->life = (struct cs_life){
		.ifname = a->ifname,
		.ifindex = a->ifindex,
		.st = &a->st,
		.key = cs_pin_key_here(&a->st, a->ifindex),
		.spec = &a->spec,
	};
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
	if (a.spec.automatic) {
		err = cs_life_plan(&a.life);
		if (err) {
			rc = err == -EINVAL ? CS_EXIT_USAGE : CS_EXIT_FAIL;
			goto out;
		}
	}
	if (a.spec.dry_run) {
		/* What a real attach would refuse, refused now. */
		if (cs_life_check_hook(&a.life, &foreign))
			rc = CS_EXIT_FAIL;
		else
			cs_life_dry_run(&a.life);
		goto out;
	}
	rc = cs_life_attach(&a.life) ? CS_EXIT_FAIL : CS_EXIT_OK;
out:
	cs_state_close(&a.st);
	cs_life_free(&a.life);
	return rc;
}
