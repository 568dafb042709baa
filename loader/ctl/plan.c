// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iface.h"
#include "log.h"
#include "plan.h"

void cs_plan_opts_init(struct cs_plan_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->budget_us = CS_DEFAULT_BUDGET_US;
}

int cs_plan_parse_opt(int c, const char *arg, const char *what,
		      struct cs_plan_opts *o)
{
	switch (c) {
	case CS_OPT_TOPOLOGY:
		o->topology = arg;
		return 0;
	case CS_OPT_SYSROOT:
		o->sysroot = arg;
		return 0;
	case CS_OPT_ALLOW_SMT:
		o->allow_smt = true;
		return 0;
	case CS_OPT_SPILL:
		o->spill = true;
		return 0;
	case CS_OPT_BUDGET:
		return cs_parse_u32(what ?: "--budget-us", arg, 1,
				    CS_MAX_BUDGET_US, &o->budget_us);
	case CS_OPT_PLAN_CPUS:
		o->have_cpus = true;
		return cs_cpulist_parse(what ?: "--cpus", arg, &o->cpus);
	}
	return 1;	/* not a planning option */
}

static void warn(struct cs_plan *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void warn(struct cs_plan *p, const char *fmt, ...)
{
	va_list ap;

	if (p->nwarn >= CS_PLAN_MAX_WARNINGS)
		return;
	va_start(ap, fmt);
	vsnprintf(p->warn[p->nwarn++], sizeof(p->warn[0]), fmt, ap);
	va_end(ap);
}

/* Nearest the NIC first: its locality, then its package, then the rest. */
static int distance(const struct cs_topo *t, const struct cs_core *c)
{
	if (c->near_nic)
		return 0;
	if (t->nic_package >= 0 && c->package == t->nic_package)
		return 1;
	return 2;
}

static const struct cs_topo *sort_topo;

static int core_cmp(const void *a, const void *b)
{
	const struct cs_core *x = *(const struct cs_core *const *)a;
	const struct cs_core *y = *(const struct cs_core *const *)b;
	int dx = distance(sort_topo, x), dy = distance(sort_topo, y);

	if (dx != dy)
		return dx - dy;
	return x->pu[0] < y->pu[0] ? -1 : x->pu[0] > y->pu[0];
}

static void add_cpu(struct cs_cpuset *s, __u32 cpu)
{
	if (cpu < CS_MAX_CPUS && !cs_cpuset_has(s, cpu) && s->n < CS_MAX_CPUS)
		s->cpu[s->n++] = cpu;
}

/* One RX queue interrupt per physical core, nearest the NIC first. */
static void plan_rx(struct cs_plan *p, const struct cs_core **order)
{
	__u32 i;

	for (i = 0; i < p->nic.nqueue && i < CS_IRQ_MAX; i++) {
		const struct cs_core *c = order[i % p->topo.ncores];
		struct cs_plan_irq *q = &p->irq[p->nirq++];

		q->irq = p->nic.queue[i].irq;
		q->queue = p->nic.queue[i].queue;
		q->cpu = c->pu[0];
		snprintf(q->name, sizeof(q->name), "%s", p->nic.queue[i].name);
		add_cpu(&p->rx, q->cpu);
	}
	if (p->nic.nqueue > p->topo.ncores)
		warn(p, "%u RX queue interrupts for %u cores: some cores take two",
		     p->nic.nqueue, p->topo.ncores);
}

static bool core_is_rx(const struct cs_plan *p, const struct cs_core *c)
{
	__u32 j;

	for (j = 0; j < c->npus; j++)
		if (cs_cpuset_has(&p->rx, c->pu[j]))
			return true;
	return false;
}

/* Targets from the cores of @node (or every node but it, @other). */
static void plan_targets_on(struct cs_plan *p, const struct cs_plan_opts *o,
			    const struct cs_core **order, int node, bool other)
{
	__u32 i, j;

	for (i = 0; i < p->topo.ncores; i++) {
		const struct cs_core *c = order[i];

		if ((c->numa == node) == other)
			continue;
		if (core_is_rx(p, c)) {
			/* An RX core's SMT siblings only if allowed. */
			for (j = 0; o->allow_smt && j < c->npus; j++)
				if (!cs_cpuset_has(&p->rx, c->pu[j]))
					add_cpu(&p->targets, c->pu[j]);
			continue;
		}
		for (j = 0; j < (o->allow_smt ? c->npus : 1); j++)
			add_cpu(&p->targets, c->pu[j]);
	}
}

static int plan_targets(struct cs_plan *p, const struct cs_plan_opts *o,
			const struct cs_core **order)
{
	int node = p->topo.nic_numa;
	__u32 i;

	if (o->have_cpus) {
		for (i = 0; i < o->cpus.n; i++) {
			if (!cs_topo_core_of(&p->topo, o->cpus.cpu[i])) {
				cs_err("--cpus: CPU %u is not in the topology of %s",
				       o->cpus.cpu[i],
				       o->topology ? o->topology : "this machine");
				return -EINVAL;
			}
			if (cs_cpuset_has(&p->rx, o->cpus.cpu[i]))
				warn(p, "CPU %u is both an RX CPU and a target",
				     o->cpus.cpu[i]);
		}
		p->targets = o->cpus;
	} else if (!p->topo.nic_found) {
		for (i = 0; i < p->topo.ncores; i++)
			for (__u32 j = 0; j < p->topo.cores[i].npus; j++)
				add_cpu(&p->targets, p->topo.cores[i].pu[j]);
	} else {
		plan_targets_on(p, o, order, node, false);
		if (o->spill)
			plan_targets_on(p, o, order, node, true);
		if (!p->targets.n) {
			warn(p, "no target CPU left on NUMA node %d beside the RX CPUs: spilling to the other nodes (--spill, --allow-smt or --cpus choose)",
			     node);
			plan_targets_on(p, o, order, node, true);
		}
	}
	if (!p->targets.n) {
		cs_err("%s: no CPU is left for targets: every core takes a receive-queue interrupt; pass --allow-smt or --cpus LIST",
		       o->ifname);
		return -EINVAL;
	}
	for (i = 0; i < p->targets.n && node >= 0; i++) {
		const struct cs_core *c = cs_topo_core_of(&p->topo,
							  p->targets.cpu[i]);

		if (c && c->numa != node)
			warn(p, "target CPU %u is on NUMA node %d, the NIC on node %d: its frames cross the interconnect",
			     p->targets.cpu[i], c->numa, node);
	}
	return p->targets.n ? 0 : -EINVAL;
}

static __u32 pow2_up(double v)
{
	__u32 q = 1;

	while (q < v && q < (1U << 30))
		q <<= 1;
	return q;
}

/* The L2 bytes each target may count on: its core's share of its L2,
 * divided among the targets on that core.
 */
static __u64 l2_share(const struct cs_plan *p, __u32 cpu)
{
	const struct cs_core *c = cs_topo_core_of(&p->topo, cpu);
	__u32 j, on_core = 0;

	if (!c || !c->l2_size || !c->l2_cores)
		return 0;
	for (j = 0; j < c->npus; j++)
		on_core += cs_cpuset_has(&p->targets, c->pu[j]);
	return c->l2_size / c->l2_cores / (on_core ? on_core : 1);
}

static void plan_qsize(struct cs_plan *p, const struct cs_plan_opts *o)
{
	double line_pps, want;
	__u64 l2 = 0, s;
	__u32 i;

	p->budget_us = o->budget_us;
	p->speed_mbps = cs_nic_speed(&p->root, o->ifname);
	if (p->speed_mbps < 0) {
		p->speed_mbps = CS_ASSUMED_SPEED_MBPS;
		p->speed_assumed = true;
		warn(p, "%s does not report a link speed: assuming %d Mb/s",
		     o->ifname, CS_ASSUMED_SPEED_MBPS);
	}
	line_pps = p->speed_mbps * 1e6 / (CS_WIRE_BYTES_MIN_FRAME * 8);
	p->pps_per_target = line_pps / p->targets.n;
	p->qsize_latency = pow2_up(p->pps_per_target * o->budget_us / 1e6);
	for (i = 0; i < p->targets.n; i++) {
		s = l2_share(p, p->targets.cpu[i]);
		if (s && (!l2 || s < l2))
			l2 = s;
	}
	p->l2_per_target = l2;
	want = p->qsize_latency;
	if (l2) {
		/* Round down: a ring a little smaller stays in cache. */
		p->qsize_cache = pow2_up(l2 / CS_QSLOT_BYTES + 1) / 2;
		if (p->qsize_cache < want)
			want = p->qsize_cache;
	}
	p->qsize = want;
	if (p->qsize < CS_PLAN_MIN_QSIZE || p->qsize > CS_MAX_QSIZE) {
		p->clamped = true;
		p->qsize = p->qsize < CS_PLAN_MIN_QSIZE ? CS_PLAN_MIN_QSIZE :
							  CS_MAX_QSIZE;
		warn(p, "queue size %.0f clamped to %u (allowed %d to %d)",
		     want, p->qsize, CS_PLAN_MIN_QSIZE, CS_MAX_QSIZE);
	}
}

/*
 * The interface must be where its files are read: in this network
 * namespace, or in the recorded machine.
 */
static int plan_iface(const struct cs_plan_opts *o, struct cs_plan *p)
{
	char rel[64], show[512];
	__u32 ifindex;

	if (!o->sysroot)
		return cs_iface_resolve(o->ifname, &ifindex) ? -EINVAL : 0;
	snprintf(rel, sizeof(rel), "class/net/%s", o->ifname);
	if (cs_sysroot_exists(&p->root, CS_SYS, rel))
		return 0;
	cs_err("--sysroot %s has no interface %s (no %s)", o->sysroot,
	       o->ifname, cs_sysroot_show(&p->root, CS_SYS, rel, show,
					  sizeof(show)));
	return -EINVAL;
}

int cs_plan_make(const struct cs_plan_opts *o, struct cs_plan *p)
{
	const struct cs_core **order = NULL;
	char busid[32] = "";
	bool live;
	__u32 i;
	int err;

	memset(p, 0, sizeof(*p));
	err = cs_sysroot_open(o->sysroot, &p->root);
	if (err)
		return err;
	err = plan_iface(o, p);
	if (err)
		goto err_close;
	/*
	 * This machine's NIC by the PCI address read for our namespace ("":
	 * none), never by name: hwloc reads /sys, which may show another
	 * namespace's interface of that name.
	 */
	live = !o->topology && !o->sysroot;
	if (live)
		cs_sysroot_pci_busid(&p->root, o->ifname, busid, sizeof(busid));
	err = cs_topo_load(o->topology, o->sysroot, o->ifname,
			   live ? busid : NULL, &p->topo);
	if (err)
		goto err_close;
	err = -ENOMEM;
	order = calloc(p->topo.ncores, sizeof(*order));
	if (!order)
		goto err_free;
	for (i = 0; i < p->topo.ncores; i++)
		order[i] = &p->topo.cores[i];
	sort_topo = &p->topo;
	qsort(order, p->topo.ncores, sizeof(*order), core_cmp);

	cs_nic_irqs(&p->root, o->ifname, &p->nic);
	if (p->nic.nskipped)
		warn(p, "%s has %u more receive-queue interrupts than the %d planned: they keep their affinity",
		     o->ifname, p->nic.nskipped, CS_IRQ_MAX);
	if (!p->topo.nic_found)
		warn(p, "%s has no PCI device in the topology (a virtual interface?): no interrupts to pin, targets are all CPUs",
		     o->ifname);
	else if (!p->nic.nqueue)
		warn(p, "%s: no receive-queue interrupts found (msi_irqs and /proc/interrupts): RX CPUs unknown",
		     o->ifname);
	else
		plan_rx(p, order);
	err = plan_targets(p, o, order);
	if (err)
		goto err_free;
	plan_qsize(p, o);
	free(order);
	return 0;

err_free:
	free(order);
	cs_topo_free(&p->topo);
err_close:
	cs_sysroot_close(&p->root);
	return err;
}

void cs_plan_free(struct cs_plan *p)
{
	cs_topo_free(&p->topo);
	cs_sysroot_close(&p->root);
}
