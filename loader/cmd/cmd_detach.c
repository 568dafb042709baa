// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* cpusteer detach: take the XDP link off, then remove every pin. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "attachment.h"
#include "commands.h"
#include "iface.h"
#include "irq.h"
#include "log.h"
#include "lifecycle.h"
#include "pins.h"

enum {
	OPT_FORCE = 256,
	OPT_STALE,
	OPT_MANAGED,
};

static const struct cs_option detach_opts[] = {
	{ "force", no_argument, OPT_FORCE, NULL,
	  "detach a device moved to another namespace; with --stale, drop what another namespace would put back" },
	{ "stale", no_argument, OPT_STALE, NULL,
	  "instead of IFACE: remove every attachment that steers nothing" },
	{ "managed", no_argument, OPT_MANAGED, NULL,
	  "instead of IFACE: every attachment 'cpusteer apply' made here" },
	{ "help", no_argument, CS_OPT_HELP, NULL, "show this help" },
	{}
};

const struct cs_command cs_cmd_detach = {
	.name = "detach",
	.func = cmd_detach,
	.synopsis = "(IFACE | --stale | --managed) [--force]",
	.summary = "Stop steering on IFACE and remove its pins.",
	.details =
"Detaches the XDP link even if another process still holds it open, puts\n"
"back what attach --auto changed, then removes IFACE's pin directory\n"
"under " CS_PIN_ROOT ". Only the pins cpusteer makes are removed: if\n"
"anything else is found there, detach changes nothing and says what it\n"
"found. Works on a half-removed attachment too: a pin that is missing, or\n"
"an interface that was deleted (name it as status shows it). A device moved\n"
"here from another namespace is detached here; a device moved away is\n"
"detached where it is now, or from here with --force.\n"
"--stale removes, in every namespace's directory, the attachments whose\n"
"link steers nothing any more: their interface or their whole network\n"
"namespace was deleted, or a detach was killed half way. Another\n"
"namespace's that keeps interrupt or RPS values to put back is left (only\n"
"that namespace can write them) unless --force.\n"
"--managed detaches, in this network namespace, every attachment that\n"
"'cpusteer apply' made (cpusteer.service runs it to stop); the ones\n"
"attached by hand stay.\n",
	.opts = detach_opts,
};

static int detach_one(const struct cs_state *st, const char *name, bool force)
{
	struct cs_pin_key key;
	int err;

	err = cs_attachment_find(st, name, &key);
	if (!err)
		err = cs_life_detach(st, &key, name, force);
	if (!err)
		printf("cpusteer: detached from %s\n", name);
	return err;
}

/* Values attach --auto saved that only the attachment's own namespace
 * can put back.
 */
static int saved_values(const struct cs_state *st,
			const struct cs_pin_key *key)
{
	int fd = cs_pin_open(st, key, CS_PIN_SAVED), n;

	if (fd < 0)
		return 0;
	n = cs_saved_count(fd);
	close(fd);
	return n;
}

/*
 * Every attachment whose link steers nothing: this namespace's (a detach
 * cut short: its values are put back; an interface deleted) and other
 * namespaces' (the namespace or the interface deleted). Another live
 * namespace may still want its saved values back, and only it can write
 * them: such an attachment is left unless @force.
 */
static int detach_stale(const struct cs_state *st, bool force)
{
	static struct cs_pin_key keys[CS_MAX_ATTACHMENTS];
	struct cs_pin_meta m;
	char name[64];
	int i, n, kept = 0, done = 0, err = 0;
	__u32 now;

	n = cs_pin_dirs(st, keys, CS_MAX_ATTACHMENTS);
	for (i = 0; i < n; i++) {
		enum cs_link_state where = cs_pin_link_state(st, &keys[i],
							      &now);

		if (where == CS_LINK_HERE || where == CS_LINK_ELSEWHERE)
			continue;
		if (cs_meta_read(st, &keys[i], &m))
			snprintf(name, sizeof(name), "ifindex %u", keys[i].ifindex);
		else
			snprintf(name, sizeof(name), "%s", m.ifname);
		if (keys[i].netns != st->netns && !force &&
		    saved_values(st, &keys[i])) {
			cs_warn("%s (network namespace %llu) steers nothing, but keeps interrupt and RPS values that only its own namespace can put back: run 'cpusteer detach --stale' there, or here with --force to drop them if that namespace is gone",
				name, (unsigned long long)keys[i].netns);
			kept++;
			continue;
		}
		if (cs_life_detach(st, &keys[i], name, false)) {
			err = -EIO;
			continue;
		}
		printf("cpusteer: removed the stale attachment of %s (ifindex %u in network namespace %llu: %s)\n",
		       name, keys[i].ifindex,
		       (unsigned long long)keys[i].netns,
		       cs_link_state_names[where]);
		done++;
	}
	cs_pin_dirs_tidy(st);
	if (!done && !kept && !err)
		printf("cpusteer: no stale attachments\n");
	return err ? err : kept ? -EBUSY : 0;
}

static int detach_run(const char *name, bool force, bool stale)
{
	struct cs_state st;
	int err;

	err = cs_state_open(CS_STATE_MODIFY, &st);
	if (err)
		return err;
	err = stale ? detach_stale(&st, force) : detach_one(&st, name, force);
	cs_state_close(&st);
	return err;
}

struct detach_opts {
	bool force, stale, managed;
};

static int detach_one_opt(void *ctx, int c, const char *arg)
{
	struct detach_opts *o = ctx;

	(void)arg;
	if (c == OPT_FORCE)
		o->force = true;
	else if (c == OPT_STALE)
		o->stale = true;
	else if (c == OPT_MANAGED)
		o->managed = true;
	return 0;
}

/* What apply made in this namespace: cpusteer.service's stop. */
static int detach_managed(void)
{
	static struct cs_pin_key keys[CS_MAX_ATTACHMENTS];
	struct cs_state st;
	struct cs_pin_meta m;
	char name[IF_NAMESIZE + 16];
	int i, n, done = 0, err;

	err = cs_state_open(CS_STATE_MODIFY, &st);
	if (err || st.root_fd < 0) {
		if (!err)
			printf("cpusteer: no attachments made by apply\n");
		return err;
	}
	n = cs_pin_dirs(&st, keys, CS_MAX_ATTACHMENTS);
	for (i = 0; i < n; i++) {
		if (keys[i].netns != st.netns || cs_meta_read(&st, &keys[i], &m) ||
		    !(m.flags & CS_META_MANAGED))
			continue;
		snprintf(name, sizeof(name), "%s", m.ifname);
		if (cs_life_detach(&st, &keys[i], name, false)) {
			err = -EIO;
			continue;
		}
		printf("cpusteer: detached from %s\n", name);
		done++;
	}
	if (!done && !err)
		printf("cpusteer: no attachments made by apply\n");
	cs_state_close(&st);
	return err;
}

int cmd_detach(int argc, char **argv)
{
	struct detach_opts o = {};
	bool force, stale;
	const char *name = NULL;
	int err;

	err = cs_opts_parse(argc, argv, &cs_cmd_detach, detach_one_opt, &o);
	if (err)
		return err > 0 ? CS_EXIT_OK : CS_EXIT_USAGE;
	if (o.stale && o.managed) {
		cs_err("--stale and --managed are two different jobs: run them one after the other");
		return CS_EXIT_USAGE;
	}
	if (o.managed && optind != argc) {
		cs_err("--managed takes no IFACE: cpusteer detach --managed");
		return CS_EXIT_USAGE;
	}
	if (o.managed) {
		if (cs_require_root())
			return CS_EXIT_FAIL;
		return detach_managed() ? CS_EXIT_FAIL : CS_EXIT_OK;
	}
	force = o.force;
	stale = o.stale;
	if (stale && optind != argc) {
		cs_err("--stale takes no IFACE: cpusteer detach --stale [--force]");
		return CS_EXIT_USAGE;
	}
	if (!stale && optind != argc - 1) {
		cs_err("give exactly one interface: cpusteer detach IFACE (or --stale)");
		return CS_EXIT_USAGE;
	}
	if (!stale) {
		name = argv[optind];
		if (cs_ifname_check("IFACE", name))
			return CS_EXIT_USAGE;
	}
	if (cs_require_root())
		return CS_EXIT_FAIL;
	err = detach_run(name, force, stale);
	return err == -ENODEV ? CS_EXIT_USAGE :
	       err ? CS_EXIT_FAIL : CS_EXIT_OK;
}
