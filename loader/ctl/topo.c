// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hwloc.h>

#include "log.h"
#include "topo.h"

static int obj_os_index(hwloc_topology_t hw, hwloc_obj_type_t type,
			hwloc_obj_t obj)
{
	hwloc_obj_t a = hwloc_get_ancestor_obj_by_type(hw, type, obj);

	return a ? (int)a->os_index : -1;
}

/* NUMA node of a cpuset: the first node whose cpuset covers it. */
static int numa_of(hwloc_topology_t hw, hwloc_const_cpuset_t set)
{
	hwloc_obj_t node = NULL;

	while ((node = hwloc_get_next_obj_by_type(hw, HWLOC_OBJ_NUMANODE,
						  node)))
		if (hwloc_bitmap_isincluded(set, node->cpuset))
			return node->os_index;
	return -1;
}

static void core_fill(hwloc_topology_t hw, hwloc_obj_t core,
		      struct cs_core *c)
{
	hwloc_obj_t l2, pu = NULL;

	c->index = core->logical_index;
	c->package = obj_os_index(hw, HWLOC_OBJ_PACKAGE, core);
	c->numa = numa_of(hw, core->cpuset);
	l2 = hwloc_get_ancestor_obj_by_type(hw, HWLOC_OBJ_L2CACHE, core);
	if (l2) {
		c->l2_size = l2->attr->cache.size;
		c->l2_cores = hwloc_get_nbobjs_inside_cpuset_by_type(hw,
					l2->cpuset, HWLOC_OBJ_CORE);
	}
	while ((pu = hwloc_get_next_obj_inside_cpuset_by_type(hw,
				core->cpuset, HWLOC_OBJ_PU, pu)) &&
	       c->npus < CS_TOPO_MAX_SMT)
		c->pu[c->npus++] = pu->os_index;
}

/*
 * The NIC's PCI device: the one at @busid (this machine: found through a
 * sysfs of our own network namespace, as hwloc's own /sys may show another
 * namespace's interfaces), else the parent of the network OS device named
 * IFACE (a recorded machine's names are its own).
 */
static hwloc_obj_t nic_pci(hwloc_topology_t hw, const char *ifname,
			   const char *busid)
{
	hwloc_obj_t os = NULL, pci;

	if (busid)
		return *busid ? hwloc_get_pcidev_by_busidstring(hw, busid) : NULL;
	while ((os = hwloc_get_next_osdev(hw, os)))
		if (os->attr->osdev.type == HWLOC_OBJ_OSDEV_NETWORK &&
		    os->name && !strcmp(os->name, ifname))
			break;
	for (pci = os ? os->parent : NULL;
	     pci && pci->type != HWLOC_OBJ_PCI_DEVICE; pci = pci->parent)
		;
	return pci;
}

static void nic_find(hwloc_topology_t hw, const char *ifname,
		     const char *busid, struct cs_topo *t)
{
	hwloc_obj_t pci, local;

	t->nic_numa = t->nic_package = -1;
	pci = nic_pci(hw, ifname, busid);
	if (!pci)
		return;
	local = hwloc_get_non_io_ancestor_obj(hw, pci);
	if (!local)
		return;
	t->nic_found = true;
	snprintf(t->nic_busid, sizeof(t->nic_busid), "%04x:%02x:%02x.%01x",
		 pci->attr->pcidev.domain, pci->attr->pcidev.bus,
		 pci->attr->pcidev.dev, pci->attr->pcidev.func);
	t->nic_numa = numa_of(hw, local->cpuset);
	t->nic_package = obj_os_index(hw, HWLOC_OBJ_PACKAGE, local);
	if (t->nic_package < 0 && local->type == HWLOC_OBJ_PACKAGE)
		t->nic_package = local->os_index;
	for (__u32 i = 0; i < t->ncores; i++) {
		hwloc_obj_t core = hwloc_get_obj_by_type(hw, HWLOC_OBJ_CORE,
							 t->cores[i].index);

		t->cores[i].near_nic = core &&
			hwloc_bitmap_isincluded(core->cpuset, local->cpuset);
	}
}

int cs_topo_load(const char *xml, const char *sysroot, const char *ifname,
		 const char *busid, struct cs_topo *t)
{
	hwloc_topology_t hw;
	hwloc_obj_t core = NULL;
	int n;

	memset(t, 0, sizeof(*t));
	if (hwloc_topology_init(&hw))
		return -ENOMEM;
	/* PCI devices and network OS devices: the NIC and its locality. */
	hwloc_topology_set_io_types_filter(hw, HWLOC_TYPE_FILTER_KEEP_IMPORTANT);
	if (xml && hwloc_topology_set_xml(hw, xml)) {
		cs_err("--topology %s: not a readable hwloc XML file (%s); export one with 'lstopo --of xml FILE'",
		       xml, strerror(errno));
		goto err_destroy;
	}
	if (!xml && sysroot)
		setenv("HWLOC_FSROOT", sysroot, 1);
	/* Without libxml2 (libhwloc-plugins), hwloc only parses the XML
	 * here: a broken file must get the same message either way.
	 */
	if (hwloc_topology_load(hw)) {
		if (xml)
			cs_err("--topology %s: not a readable hwloc XML file (%s); export one with 'lstopo --of xml FILE'",
			       xml, strerror(errno));
		else
			cs_err("%s: hwloc cannot load the topology: %s",
			       sysroot ? sysroot : "this machine",
			       strerror(errno));
		goto err_destroy;
	}
	n = hwloc_get_nbobjs_by_type(hw, HWLOC_OBJ_CORE);
	if (n <= 0) {
		cs_err("%s: the topology has no cores", xml ? xml : "this machine");
		goto err_destroy;
	}
	t->cores = calloc(n, sizeof(*t->cores));
	if (!t->cores)
		goto err_destroy;
	while ((core = hwloc_get_next_obj_by_type(hw, HWLOC_OBJ_CORE, core)))
		core_fill(hw, core, &t->cores[t->ncores++]);
	t->hw = hw;
	nic_find(hw, ifname, busid, t);
	return 0;

err_destroy:
	hwloc_topology_destroy(hw);
	return -EINVAL;
}

void cs_topo_free(struct cs_topo *t)
{
	if (t->hw)
		hwloc_topology_destroy(t->hw);
	free(t->cores);
	memset(t, 0, sizeof(*t));
}

const struct cs_core *cs_topo_core_of(const struct cs_topo *t, __u32 cpu)
{
	__u32 i, j;

	for (i = 0; i < t->ncores; i++)
		for (j = 0; j < t->cores[i].npus; j++)
			if (t->cores[i].pu[j] == cpu)
				return &t->cores[i];
	return NULL;
}
