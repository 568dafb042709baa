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

enum { OPT_FORCE = 256 };

static const struct cs_option detach_opts[] = {
	{ "force", no_argument, OPT_FORCE, NULL,
	  "detach even if the device moved to another network namespace" },
	{ "help", no_argument, CS_OPT_HELP, NULL, "show this help" },
	{}
};

const struct cs_command cs_cmd_detach = {
	.name = "detach",
	.func = cmd_detach,
	.synopsis = "IFACE [--force]",
	.summary = "Stop steering on IFACE and remove its pins.",
	.details =
"Detaches the XDP link even if another process still holds it open, puts\n"
"back what attach --auto changed, then removes IFACE's pin directory\n"
"under " CS_PIN_ROOT ". Works on a half-removed attachment too: an\n"
"interface that was deleted (name it as it was named at attach), a pin that\n"
"is missing. Only the pins cpusteer makes are removed. If the device was\n"
"moved to another network namespace, detach refuses unless --force.\n",
	.opts = detach_opts,
};

static int detach_locked(const struct cs_state *st, const char *name,
			 bool force)
{
	enum cs_link_state where = CS_LINK_GONE;
	char now[IF_NAMESIZE];
	const char *ifname = NULL;
	__u32 ifindex;
	int fd, err;

	err = cs_attachment_find(st, name, &ifindex);
	if (err)
		return err;
	fd = cs_pin_open(st, ifindex, CS_PIN_LINK);
	if (fd >= 0)
		where = cs_link_state(fd, ifindex);
	if (where == CS_LINK_ELSEWHERE && !force) {
		cs_err("%s: the pinned link steers a device that has moved to another network namespace; detach it there or pass --force",
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
	if (where == CS_LINK_HERE && if_indextoname(ifindex, now))
		ifname = now;
	/* attach --auto: put IRQ affinities and RPS masks back first. */
	fd = cs_pin_open(st, ifindex, CS_PIN_SAVED);
	if (fd >= 0) {
		if (cs_saved_restore(fd, ifname))
			cs_warn("%s: some interrupt or RPS settings could not be restored (see above)",
				name);
		close(fd);
	}
	err = cs_pins_remove(st, ifindex);
	if (err)
		cs_err("%s: steering stopped, but its pin directory is still there (see above)",
		       name);
	else
		printf("cpusteer: detached from %s\n", ifname ? ifname : name);
	return err;
}

static int detach_run(const char *name, bool force)
{
	struct cs_state st;
	int err;

	err = cs_state_open(CS_STATE_MODIFY, &st);
	if (err)
		return err;
	err = detach_locked(&st, name, force);
	cs_state_close(&st);
	return err;
}

int cmd_detach(int argc, char **argv)
{
	bool force = false;
	int c, err;

	while ((c = cs_getopt(argc, argv, &cs_cmd_detach)) != -1) {
		if (c == OPT_FORCE) {
			force = true;
			continue;
		}
		if (c == CS_OPT_HELP) {
			cs_usage(stdout, &cs_cmd_detach);
			return CS_EXIT_OK;
		}
		return CS_EXIT_USAGE;
	}
	if (optind != argc - 1) {
		cs_err("give exactly one interface: cpusteer detach IFACE");
		return CS_EXIT_USAGE;
	}
	if (cs_ifname_check("IFACE", argv[optind]))
		return CS_EXIT_USAGE;
	if (cs_require_root())
		return CS_EXIT_FAIL;
	err = detach_run(argv[optind], force);
	return err == -ENODEV ? CS_EXIT_USAGE :
	       err ? CS_EXIT_FAIL : CS_EXIT_OK;
}
