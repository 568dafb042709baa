/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The machine as planning needs it, read with hwloc (live, or from an hwloc
 * XML export): cores and their hardware threads, packages, NUMA nodes, L2
 * caches, and where a NIC's PCI device sits.
 */
#ifndef CS_TOPO_H
#define CS_TOPO_H

#include <stdbool.h>
#include <linux/types.h>

#include "cpusteer.h"

#define CS_TOPO_MAX_SMT	8	/* hardware threads per core we track */

struct cs_core {
	__u32 index;		/* hwloc logical index */
	int package;		/* os index, -1 if none */
	int numa;		/* os index of its NUMA node, -1 if none */
	__u64 l2_size;		/* bytes of the L2 it uses, 0 if unknown */
	__u32 l2_cores;		/* cores sharing that L2 */
	__u32 npus;
	__u32 pu[CS_TOPO_MAX_SMT];	/* OS CPU numbers, lowest first */
	bool near_nic;		/* inside the NIC's locality */
};

struct cs_topo {
	__u32 ncores;
	struct cs_core *cores;
	/* The NIC: found means a PCI device with IFACE's network OS device. */
	bool nic_found;
	char nic_busid[32];
	int nic_numa;		/* -1 if unknown */
	int nic_package;
	void *hw;		/* hwloc_topology_t */
};

/*
 * @xml NULL: the live machine (under @sysroot if given, via hwloc's
 * HWLOC_FSROOT). The NIC is the PCI device at @busid if given ("" for
 * none), else the one whose network device is named @ifname. Errors name the input and
 * are printed.
 */
int cs_topo_load(const char *xml, const char *sysroot, const char *ifname,
		 const char *busid, struct cs_topo *t);
void cs_topo_free(struct cs_topo *t);
/* The core a CPU belongs to, or NULL if the topology has no such CPU. */
const struct cs_core *cs_topo_core_of(const struct cs_topo *t, __u32 cpu);

#endif
