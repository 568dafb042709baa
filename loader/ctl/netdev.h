/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What a device tells XDP programs, from the kernel's "netdev" generic
 * netlink family (Linux 6.3; RX metadata features from 6.8).
 */
#ifndef CS_NETDEV_H
#define CS_NETDEV_H

#include <linux/types.h>

/*
 * Does @ifindex give XDP programs the NIC's RX hash (the
 * bpf_xdp_metadata_rx_hash kfunc)? 1 yes, 0 no, -EOPNOTSUPP when this
 * kernel cannot say, other -errno on failure.
 */
int cs_netdev_has_rx_hash(__u32 ifindex);
/*
 * Can @ifindex send XDP frames redirected to it (ndo_xdp_xmit; a veth only
 * while its peer runs XDP or has GRO on)? 1, 0, -EOPNOTSUPP when this
 * kernel cannot say (before 6.3), other -errno on failure.
 */
int cs_netdev_has_xdp_xmit(__u32 ifindex);

#endif
