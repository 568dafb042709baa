/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Interfaces as cpusteer names them: a name is checked the way the kernel
 * checks one before it is used for anything, and resolved to an ifindex in
 * this process's own network namespace. State is keyed by that namespace
 * and ifindex, never by a name, so no name ever becomes a path.
 */
#ifndef CS_IFACE_H
#define CS_IFACE_H

#include <stdbool.h>
#include <linux/types.h>

/*
 * The kernel's dev_valid_name(): not empty, shorter than IFNAMSIZ, not "."
 * or "..", no '/', ':' or whitespace. Prints "@what 'NAME' is not a valid
 * interface name: WHY" and returns -EINVAL otherwise.
 */
int cs_ifname_check(const char *what, const char *name);
/* The ifindex of @name here; -ENODEV, quietly, if there is none. */
int cs_iface_index(const char *name, __u32 *ifindex);
/* As cs_iface_index(), but says "interface 'NAME' does not exist". */
int cs_iface_resolve(const char *name, __u32 *ifindex);
/*
 * The identity of this process's network namespace: its cookie (Linux
 * 5.14), which the kernel never gives to another namespace; before that,
 * its nsfs inode, which a later namespace may get again.
 */
int cs_netns_id(__u64 *id);
/* This network namespace's cookie (Linux 5.14+); 0 when it has none. */
__u64 cs_netns_cookie(void);

/* A device's hardware address, to tell it from a later one that gets the
 * same ifindex (ip link add ... index N).
 */
struct cs_hwaddr {
	__u16 family;		/* ARPHRD_*, 0: unknown */
	__u8 len;
	__u8 addr[13];		/* what SIOCGIFHWADDR gives (sa_data) */
};
int cs_iface_hwaddr(const char *name, struct cs_hwaddr *hw);
/* Is the interface @ifindex here the device @hw was read from? */
bool cs_iface_same(__u32 ifindex, const struct cs_hwaddr *hw);

#endif
