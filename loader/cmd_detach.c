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
#include "log.h"
#include "pins.h"

static const struct cs_option detach_opts[] = {
	{ "help", no_argument, CS_OPT_HELP, NULL, "show this help" },
	{}
};

const struct cs_command cs_cmd_detach = {
	.name = "detach",
	.func = cmd_detach,
	.synopsis = "IFACE",
	.summary = "Stop steering on IFACE and remove its pins.",
	.details =
"Detaches the XDP link even if another process still holds it open, then\n"
"removes " CS_PIN_ROOT "/IFACE. Works on a half-removed attachment too\n"
"(an interface that was deleted, a pin that is missing).\n",
	.opts = detach_opts,
};

static int detach_run(const char *ifname)
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
	if (fd >= 0) {
		/* Explicit: a reader holding the link open must not keep
		 * the program attached after the pins are gone.
		 */
		if (bpf_link_detach(fd) && errno != ENOLINK && errno != EINVAL)
			cs_warn("%s: detaching the XDP link: %s", ifname,
				strerror(errno));
		close(fd);
	}
	err = cs_pins_remove(ifname);
	if (!err)
		printf("cpusteer: detached from %s\n", ifname);
	return err;
}

int cmd_detach(int argc, char **argv)
{
	int c;

	while ((c = cs_getopt(argc, argv, &cs_cmd_detach)) != -1) {
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
	return detach_run(argv[optind]) ? CS_EXIT_FAIL : CS_EXIT_OK;
}
