/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Topology-aware planning: which CPUs take the NIC's receive interrupts,
 * which CPUs steering targets, how deep each target's cpumap ring is, and
 * why. "cpusteer plan" prints a plan; "cpusteer attach --auto" applies one.
 */
#ifndef CS_PLAN_H
#define CS_PLAN_H

#include <stdbool.h>
#include <stdio.h>

#include "cpus.h"
#include "irq.h"
#include "opts.h"
#include "topo.h"

/*
 * Queue size inputs. A 64-byte frame takes 84 bytes of wire time (preamble
 * and inter-frame gap included), so a link of S Mb/s carries at most
 * S * 1e6 / (84 * 8) frames/s. The ring must hold what arrives for one
 * target during its wake-up latency budget; it should not hold more than
 * the target's share of L2 can keep warm, at CS_QSLOT_BYTES a queued frame
 * (its xdp_frame and the headers the target reads first: four lines).
 */
#define CS_WIRE_BYTES_MIN_FRAME	84
#define CS_DEFAULT_BUDGET_US	200	/* one scheduler wake-up, generously */
#define CS_QSLOT_BYTES		256
#define CS_PLAN_MIN_QSIZE	64
#define CS_ASSUMED_SPEED_MBPS	10000	/* when the NIC does not say */
#define CS_PLAN_MAX_WARNINGS	32

struct cs_plan_opts {
	const char *ifname;
	const char *topology;	/* hwloc XML, NULL: this machine */
	const char *sysroot;	/* /sys and /proc under here, NULL: / */
	bool allow_smt;
	bool spill;
	bool have_cpus;
	struct cs_cpuset cpus;	/* explicit targets */
	__u32 budget_us;
};

struct cs_plan_irq {
	__u32 irq;
	__u32 queue;
	__u32 cpu;
	char name[64];
};

struct cs_plan {
	struct cs_sysroot root;	/* where IFACE's /sys and /proc are read */
	struct cs_topo topo;
	struct cs_nic_irqs nic;
	struct cs_cpuset rx;
	struct cs_cpuset targets;
	__u32 nirq;
	struct cs_plan_irq irq[CS_IRQ_MAX];
	/* queue size and every input to it */
	__u32 qsize;
	long speed_mbps;
	bool speed_assumed;
	double pps_per_target;
	__u32 qsize_latency;
	__u64 l2_per_target;	/* 0: unknown */
	__u32 qsize_cache;
	bool clamped;
	__u32 budget_us;
	int nwarn;
	char warn[CS_PLAN_MAX_WARNINGS][256];
};

/* Planning options, shared by "plan" and "attach --auto". */
enum {
	CS_OPT_TOPOLOGY = 400,
	CS_OPT_SYSROOT,
	CS_OPT_ALLOW_SMT,
	CS_OPT_SPILL,
	CS_OPT_BUDGET,
	CS_OPT_PLAN_CPUS,
};

#define CS_MAX_BUDGET_US	100000

#define CS_PLAN_OPTIONS							\
	{ "topology", required_argument, CS_OPT_TOPOLOGY, "FILE.xml",	\
	  "an hwloc XML export instead of this machine",		\
	  .type = CS_OT_PATH, .flags = CS_OF_CONFIG },			\
	{ "sysroot", required_argument, CS_OPT_SYSROOT, "DIR",		\
	  "read /sys and /proc under DIR (recorded machines)",		\
	  .type = CS_OT_PATH },						\
	{ "allow-smt", no_argument, CS_OPT_ALLOW_SMT, NULL,		\
	  "targets may share cores (SMT siblings)",			\
	  .type = CS_OT_FLAG, .flags = CS_OF_CONFIG },			\
	{ "spill", no_argument, CS_OPT_SPILL, NULL,			\
	  "targets on the other NUMA nodes too",			\
	  .type = CS_OT_FLAG, .flags = CS_OF_CONFIG },			\
	{ "budget-us", required_argument, CS_OPT_BUDGET, "US",		\
	  "wake-up latency a ring must absorb",				\
	  .type = CS_OT_U32, .flags = CS_OF_CONFIG, .min = 1,		\
	  .max = CS_MAX_BUDGET_US, .def = "200" }

struct json_object;

void cs_plan_opts_init(struct cs_plan_opts *o);
/*
 * 0 if @c was a planning option (errors printed, -EINVAL), 1 if not ours.
 * @arg is kept, not copied. @what names it in errors (NULL: "--NAME").
 */
int cs_plan_parse_opt(int c, const char *arg, const char *what,
		      struct cs_plan_opts *o);
struct json_object *cs_plan_json(const struct cs_plan *p, const char *ifname);
void cs_plan_print(FILE *f, const struct cs_plan *p, const char *ifname);
/*
 * Errors (an interface that is not there, unreadable topology, a CPU
 * outside it) are printed; -EINVAL for those the user can fix.
 */
int cs_plan_make(const struct cs_plan_opts *o, struct cs_plan *p);
void cs_plan_free(struct cs_plan *p);

#endif
