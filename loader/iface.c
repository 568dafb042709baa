// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/stat.h>

#include "iface.h"
#include "log.h"

/*
 * isspace() as the kernel's lib/ctype.c has it, whatever our locale: the
 * ASCII blanks and Latin-1's no-break space, 0xA0.
 */
static bool kernel_isspace(char c)
{
	return strchr(" \t\n\v\f\r", c) || (unsigned char)c == 0xa0;
}

int cs_ifname_check(const char *what, const char *name)
{
	const char *why = NULL, *p;

	if (!*name)
		why = "it is empty";
	else if (strlen(name) >= IF_NAMESIZE)
		why = "interface names have at most 15 characters";
	else if (!strcmp(name, ".") || !strcmp(name, ".."))
		why = "'.' and '..' are not interface names";
	for (p = name; !why && *p; p++) {
		if (*p == '/' || *p == ':')
			why = "it contains '/' or ':'";
		else if (kernel_isspace(*p))
			why = "it contains whitespace";
	}
	if (!why)
		return 0;
	cs_err("%s '%s' is not a valid interface name: %s (see 'ip link')",
	       what, name, why);
	return -EINVAL;
}

int cs_iface_index(const char *name, __u32 *ifindex)
{
	unsigned int i = if_nametoindex(name);

	if (!i)
		return -ENODEV;
	*ifindex = i;
	return 0;
}

int cs_iface_resolve(const char *name, __u32 *ifindex)
{
	if (!cs_iface_index(name, ifindex))
		return 0;
	cs_err("interface '%s' does not exist in this network namespace (see 'ip link')",
	       name);
	return -ENODEV;
}

int cs_netns_id(__u64 *id)
{
	struct stat st;

	if (stat("/proc/self/ns/net", &st)) {
		int err = -errno;

		cs_err("cannot identify this network namespace (/proc/self/ns/net): %s",
		       strerror(errno));
		return err;
	}
	*id = st.st_ino;
	return 0;
}
