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

#include "commands.h"
#include "irq.h"
#include "log.h"
#include "pins.h"

enum { OPT_FORCE = 256 };

static const struct cs_option detach_opts[] = {
	{ "force", no_argument, OPT_FORCE, NULL,
	  "remove the pins even if they steer IFACE of another namespace" },
	{ "help", no_argument, CS_OPT_HELP, NULL, "show this help" },
	{}
};

const struct cs_command cs_cmd_detach = {
	.name = "detach",
	.func = cmd_detach,
	.synopsis = "IFACE [--force]",
	.summary = "Stop steering on IFACE and remove its pins.",
	.details =
"Detaches the XDP link even if another process still holds it open, then\n"
"removes " CS_PIN_ROOT "/IFACE. Works on a half-removed attachment too\n"
"(an interface that was deleted, a pin that is missing). Pins are named by\n"
"interface only: if they steer an interface of that name in another network\n"
"namespace, detach refuses unless --force.\n",
	.opts = detach_opts,
};

/*
 * Is the pinned link steering IFACE of this network namespace? A live link
 * on an ifindex that is not ours here belongs to a same-named interface in
 * another namespace, which a detach from here must not tear down.
 */
static bool link_is_elsewhere(int link_fd, const char *ifname)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_obj_get_info_by_fd(link_fd, &info, &len) || !info.xdp.ifindex)
		return false;	/* unreadable or defunct: nothing to protect */
	if (if_nametoindex(ifname) != info.xdp.ifindex ||
	    bpf_xdp_query(info.xdp.ifindex, 0, &q))
		return true;
	return q.prog_id != info.prog_id && q.drv_prog_id != info.prog_id &&
	       q.skb_prog_id != info.prog_id;
}

static int detach_run(const char *ifname, bool force)
{
	int fd, err;

	if (cs_bpffs_ensure())
		return -ENOENT;
	if (strlen(ifname) >= IF_NAMESIZE || !cs_pin_dir_exists(ifname)) {
		cs_err("%s: cpusteer is not attached there (no %s/%s); 'cpusteer status' lists attachments",
		       ifname, CS_PIN_ROOT, ifname);
		return -ENOENT;
	}
	fd = cs_pin_open(ifname, CS_PIN_LINK);
	if (fd >= 0 && !force && link_is_elsewhere(fd, ifname)) {
		cs_err("%s: the pinned link steers an interface named %s in another network namespace; run detach there (nsenter --net=...), or pass --force",
		       ifname, ifname);
		close(fd);
		return -EBUSY;
	}
	if (fd >= 0) {
		/* Explicit: a reader holding the link open must not keep
		 * the program attached after the pins are gone.
		 */
		if (bpf_link_detach(fd) && errno != ENOLINK && errno != EINVAL)
			cs_warn("%s: detaching the XDP link: %s", ifname,
				strerror(errno));
		close(fd);
	}
	/* attach --auto: put IRQ affinities and RPS masks back first. */
	fd = cs_pin_open(ifname, CS_PIN_SAVED);
	if (fd >= 0) {
		if (cs_saved_restore(fd, ifname))
			cs_warn("%s: some interrupt or RPS settings could not be restored (see above)",
				ifname);
		close(fd);
	}
	err = cs_pins_remove(ifname);
	if (!err)
		printf("cpusteer: detached from %s\n", ifname);
	return err;
}

int cmd_detach(int argc, char **argv)
{
	bool force = false;
	int c;

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
	if (cs_require_root())
		return CS_EXIT_FAIL;
	return detach_run(argv[optind], force) ? CS_EXIT_FAIL : CS_EXIT_OK;
}
