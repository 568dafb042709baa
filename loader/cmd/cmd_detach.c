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
#include "pins.h"

enum {
	OPT_FORCE = 256,
	OPT_STALE,
};

static const struct cs_option detach_opts[] = {
	{ "force", no_argument, OPT_FORCE, NULL,
	  "detach a device moved to another namespace; with --stale, drop what another namespace would put back" },
	{ "stale", no_argument, OPT_STALE, NULL,
	  "instead of IFACE: remove every attachment that steers nothing" },
	{ "help", no_argument, CS_OPT_HELP, NULL, "show this help" },
	{}
};

const struct cs_command cs_cmd_detach = {
	.name = "detach",
	.func = cmd_detach,
	.synopsis = "(IFACE | --stale) [--force]",
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
"that namespace can write them) unless --force.\n",
	.opts = detach_opts,
};

/* The interface's name here, for putting back what --auto changed. */
static const char *restore_name(enum cs_link_state where, __u32 ifindex,
				char *buf)
{
	if (where != CS_LINK_HERE && where != CS_LINK_DEFUNCT)
		return NULL;
	return if_indextoname(ifindex, buf);
}

/*
 * Detach the attachment pinned at @key: refuse first if its directory
 * holds anything cpusteer did not make (nothing changes then), then the
 * link, then the saved values, then the pins.
 */
static int detach_key(const struct cs_state *st, const struct cs_pin_key *key,
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

static int detach_one(const struct cs_state *st, const char *name, bool force)
{
	struct cs_pin_key key;
	int err;

	err = cs_attachment_find(st, name, &key);
	if (!err)
		err = detach_key(st, &key, name, force);
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
		if (detach_key(st, &keys[i], name, false)) {
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

int cmd_detach(int argc, char **argv)
{
	bool force = false, stale = false;
	const char *name = NULL;
	int c, err;

	while ((c = cs_getopt(argc, argv, &cs_cmd_detach)) != -1) {
		if (c == OPT_FORCE) {
			force = true;
			continue;
		}
		if (c == OPT_STALE) {
			stale = true;
			continue;
		}
		if (c == CS_OPT_HELP) {
			cs_usage(stdout, &cs_cmd_detach);
			return CS_EXIT_OK;
		}
		return CS_EXIT_USAGE;
	}
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
