// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
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

__u64 cs_netns_cookie(void)
{
	socklen_t len = sizeof(__u64);
	__u64 c = 0;
	int fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &c, &len))
		c = 0;
	close(fd);
	return c;
}

int cs_netns_id(__u64 *id)
{
	socklen_t len = sizeof(*id);
	struct stat st;
	int fd, err;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		err = getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, id, &len);
		close(fd);
		if (!err)
			return 0;
	}
	if (stat("/proc/self/ns/net", &st)) {
		err = -errno;
		cs_err("cannot identify this network namespace (/proc/self/ns/net): %s",
		       strerror(-err));
		return err;
	}
	*id = st.st_ino;
	return 0;
}

int cs_iface_hwaddr(const char *name, struct cs_hwaddr *hw)
{
	struct ifreq ifr = {};
	int fd, err = 0;

	memset(hw, 0, sizeof(*hw));
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr)) {
		err = -errno;
	} else {
		hw->family = ifr.ifr_hwaddr.sa_family;
		hw->len = sizeof(hw->addr);
		memcpy(hw->addr, ifr.ifr_hwaddr.sa_data, sizeof(hw->addr));
	}
	close(fd);
	return err;
}

bool cs_iface_same(__u32 ifindex, const struct cs_hwaddr *hw)
{
	char name[IF_NAMESIZE];
	struct cs_hwaddr now;

	return if_indextoname(ifindex, name) &&
	       !cs_iface_hwaddr(name, &now) && !memcmp(&now, hw, sizeof(now));
}
