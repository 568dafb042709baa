// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* cpusteer plan: RX CPUs, targets, queue size and IRQ pinning, explained. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "commands.h"
#include "iface.h"
#include "log.h"
#include "plan.h"

static const struct cs_option plan_opts[] = {
	CS_PLAN_OPTIONS,
	{ "cpus", required_argument, CS_OPT_PLAN_CPUS, "LIST",
	  "targets given, instead of chosen (must be in the topology)" },
	{ "json", no_argument, CS_OPT_JSON, NULL, "print JSON" },
	{ "help", no_argument, CS_OPT_HELP, NULL, "show this help" },
	{}
};

const struct cs_command cs_cmd_plan = {
	.name = "plan",
	.func = cmd_plan,
	.synopsis = "IFACE [--topology FILE.xml] [--sysroot DIR] [--allow-smt] [--spill] [--cpus LIST] [--json]",
	.summary = "Plan RX CPUs, targets, queue size and IRQ pinning from the topology.",
	.details =
"Reads the topology with hwloc, finds IFACE's PCI device and its NUMA node,\n"
"and its receive-queue interrupts (msi_irqs, /proc/interrupts: mlx5, i40e,\n"
"ice, ixgbe, bnxt, virtio names). RX CPUs: one queue interrupt per physical\n"
"core, nearest the NIC first. Targets: the other cores of the NIC's NUMA\n"
"node, one hardware thread each, RX cores and their SMT siblings excluded.\n"
"Queue size: the frames one target receives at line rate (64-byte frames,\n"
"84 bytes on the wire) during --budget-us, at most what its L2 share holds\n"
"at 256 bytes a frame, a power of two in 64..16384. Changes nothing; see\n"
"'cpusteer attach --auto' to apply a plan.\n",
	.opts = plan_opts,
};

static int plan_one(void *ctx, int c, const char *arg)
{
	if (c == CS_OPT_JSON) {
		cs_json = true;
		return 0;
	}
	return cs_plan_parse_opt(c, arg, NULL, ctx) ? -EINVAL : 0;
}

static const char *role_of(const struct cs_plan *p, __u32 cpu)
{
	bool rx = cs_cpuset_has(&p->rx, cpu);
	bool tgt = cs_cpuset_has(&p->targets, cpu);

	return rx && tgt ? "rx+target" : rx ? "rx" : tgt ? "target" : "-";
}

static struct json_object *int_array(const struct cs_cpuset *s)
{
	struct json_object *a = json_object_new_array();
	__u32 i;

	for (i = 0; i < s->n; i++)
		json_object_array_add(a, json_object_new_int(s->cpu[i]));
	return a;
}

static void irqs_of(const struct cs_plan *p, __u32 cpu, char *buf, size_t len)
{
	size_t off = 0;
	__u32 i;

	buf[0] = '\0';
	for (i = 0; i < p->nirq && off < len; i++)
		if (p->irq[i].cpu == cpu)
			off += snprintf(buf + off, len - off, "%s%u",
					off ? "," : "", p->irq[i].irq);
}

struct json_object *cs_plan_json(const struct cs_plan *p, const char *ifname)
{
	struct json_object *o = json_object_new_object();
	struct json_object *aff = json_object_new_object();
	struct json_object *warns = json_object_new_array();
	struct json_object *in = json_object_new_object();
	struct json_object *cpus = json_object_new_array();
	char key[16];
	__u32 i, j;
	int w;

	json_object_object_add(o, "ifname", json_object_new_string(ifname));
	json_object_object_add(o, "nic_pci", p->topo.nic_found ?
			       json_object_new_string(p->topo.nic_busid) : NULL);
	json_object_object_add(o, "nic_numa_node", p->topo.nic_numa >= 0 ?
			       json_object_new_int(p->topo.nic_numa) : NULL);
	json_object_object_add(o, "rx_cpus", int_array(&p->rx));
	json_object_object_add(o, "target_cpus", int_array(&p->targets));
	json_object_object_add(o, "qsize", json_object_new_int(p->qsize));
	for (i = 0; i < p->nirq; i++) {
		snprintf(key, sizeof(key), "%u", p->irq[i].irq);
		json_object_object_add(aff, key,
				       json_object_new_int(p->irq[i].cpu));
	}
	json_object_object_add(o, "irq_affinity", aff);
	for (w = 0; w < p->nwarn; w++)
		json_object_array_add(warns, json_object_new_string(p->warn[w]));
	json_object_object_add(o, "warnings", warns);

	json_object_object_add(in, "link_speed_mbps",
			       json_object_new_int64(p->speed_mbps));
	json_object_object_add(in, "link_speed_assumed",
			       json_object_new_boolean(p->speed_assumed));
	json_object_object_add(in, "budget_us", json_object_new_int(p->budget_us));
	json_object_object_add(in, "targets", json_object_new_int(p->targets.n));
	json_object_object_add(in, "pps_per_target",
			       json_object_new_double(p->pps_per_target));
	json_object_object_add(in, "qsize_latency",
			       json_object_new_int(p->qsize_latency));
	json_object_object_add(in, "l2_bytes_per_target",
			       json_object_new_int64(p->l2_per_target));
	json_object_object_add(in, "qsize_cache",
			       json_object_new_int(p->qsize_cache));
	json_object_object_add(in, "clamped", json_object_new_boolean(p->clamped));
	json_object_object_add(o, "qsize_inputs", in);

	for (i = 0; i < p->topo.ncores; i++) {
		const struct cs_core *c = &p->topo.cores[i];

		for (j = 0; j < c->npus; j++) {
			struct json_object *e = json_object_new_object();
			struct json_object *sib = json_object_new_array();
			struct json_object *irq = json_object_new_array();
			__u32 k;

			for (k = 0; k < c->npus; k++)
				if (k != j)
					json_object_array_add(sib,
						json_object_new_int(c->pu[k]));
			for (k = 0; k < p->nirq; k++)
				if (p->irq[k].cpu == c->pu[j])
					json_object_array_add(irq,
						json_object_new_int(p->irq[k].irq));
			json_object_object_add(e, "cpu", json_object_new_int(c->pu[j]));
			json_object_object_add(e, "role", json_object_new_string(
						role_of(p, c->pu[j])));
			json_object_object_add(e, "numa_node", json_object_new_int(c->numa));
			json_object_object_add(e, "package", json_object_new_int(c->package));
			json_object_object_add(e, "core", json_object_new_int(c->index));
			json_object_object_add(e, "smt_siblings", sib);
			json_object_object_add(e, "irqs", irq);
			json_object_array_add(cpus, e);
		}
	}
	json_object_object_add(o, "cpus", cpus);
	return o;
}

void cs_plan_print(FILE *f, const struct cs_plan *p, const char *ifname)
{
	char rx[256], tgt[256], irqs[256], sib[64], q[16];
	__u32 i, j, k;
	int w;

	cs_cpulist_format(&p->rx, rx, sizeof(rx));
	cs_cpulist_format(&p->targets, tgt, sizeof(tgt));
	fprintf(f, "%s: NIC %s, NUMA node %d; RX CPUs %s; targets %s; qsize %u\n",
		ifname, p->topo.nic_found ? p->topo.nic_busid : "(no PCI device)",
		p->topo.nic_numa, p->rx.n ? rx : "-", tgt, p->qsize);
	fprintf(f, "%-5s %-10s %-5s %-5s %-12s %-6s %s\n", "CPU", "role",
		"numa", "core", "smt-sibling", "qsize", "irqs");
	for (i = 0; i < p->topo.ncores; i++) {
		const struct cs_core *c = &p->topo.cores[i];

		for (j = 0; j < c->npus; j++) {
			size_t off = 0;
			__u32 cpu = c->pu[j];

			sib[0] = '\0';
			for (k = 0; k < c->npus && off < sizeof(sib); k++)
				if (k != j)
					off += snprintf(sib + off, sizeof(sib) - off,
							"%s%u", off ? "," : "",
							c->pu[k]);
			irqs_of(p, cpu, irqs, sizeof(irqs));
			snprintf(q, sizeof(q), "%u", p->qsize);
			fprintf(f, "%-5u %-10s %-5d %-5u %-12s %-6s %s\n", cpu,
				role_of(p, cpu), c->numa, c->index,
				sib[0] ? sib : "-",
				cs_cpuset_has(&p->targets, cpu) ? q : "-",
				irqs[0] ? irqs : "-");
		}
	}
	fprintf(f, "qsize %u: %ld Mb/s%s / %u targets = %.0f frames/s each; x %u us = %u%s",
		p->qsize, p->speed_mbps, p->speed_assumed ? " (assumed)" : "",
		p->targets.n, p->pps_per_target, p->budget_us, p->qsize_latency,
		p->l2_per_target ? "" : "\n");
	if (p->l2_per_target)
		fprintf(f, "; L2 %llu bytes per target / %d = %u%s\n",
			(unsigned long long)p->l2_per_target, CS_QSLOT_BYTES,
			p->qsize_cache, p->clamped ? " (clamped)" : "");
	for (w = 0; w < p->nwarn; w++)
		fprintf(f, "warning: %s\n", p->warn[w]);
}

int cmd_plan(int argc, char **argv)
{
	struct cs_plan_opts o;
	struct cs_plan *p;
	int err;

	cs_plan_opts_init(&o);
	err = cs_opts_parse(argc, argv, &cs_cmd_plan, plan_one, &o);
	if (err)
		return err > 0 ? CS_EXIT_OK : CS_EXIT_USAGE;
	if (optind != argc - 1) {
		cs_err("give exactly one interface: cpusteer plan IFACE");
		return CS_EXIT_USAGE;
	}
	o.ifname = argv[optind];
	if (cs_ifname_check("IFACE", o.ifname))
		return CS_EXIT_USAGE;
	p = calloc(1, sizeof(*p));
	if (!p)
		return CS_EXIT_FAIL;
	err = cs_plan_make(&o, p);
	if (err) {
		free(p);
		return err == -EINVAL ? CS_EXIT_USAGE : CS_EXIT_FAIL;
	}
	if (cs_json) {
		struct json_object *j = cs_plan_json(p, o.ifname);

		printf("%s\n", json_object_to_json_string_ext(j,
					JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(j);
	} else {
		cs_plan_print(stdout, p, o.ifname);
	}
	cs_plan_free(p);
	free(p);
	return CS_EXIT_OK;
}
