// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * netns_id: print the identity cpusteer gives the network namespace this
 * runs in (its cookie, or its nsfs inode on kernels without cookies), the
 * ID in /sys/fs/bpf/cpusteer/netns-ID. The tests find pin directories
 * with it: "nsenter --net=/run/netns/NS netns_id".
 */
#include <stdio.h>
#include <linux/types.h>

#include "iface.h"

int main(void)
{
	__u64 id;

	if (cs_netns_id(&id))
		return 1;
	printf("%llu\n", (unsigned long long)id);
	return 0;
}
