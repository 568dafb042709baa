/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * An existing attachment, read back from its pins and from the kernel:
 * what status, stats, classify and detach work on.
 */
#ifndef CS_ATTACHMENT_H
#define CS_ATTACHMENT_H

#include <net/if.h>

#include "cpusteer.h"
#include "cpus.h"
#include "steer.h"

struct cs_attachment {
	char ifname[IF_NAMESIZE];
	__u32 ifindex;		/* 0 once the interface is gone */
	int link_fd;
	int prog_fd;
	int cpu_map_fd;
	int table_fd;
	int stats_fd;
	__u32 link_id;
	__u32 prog_id;
	struct cs_params params;
	__u32 nbuckets;
	__u32 *bucket_cpu;	/* target of each bucket */
	struct cs_cpuset cpus;	/* table targets, in order of first use */
	__u32 qsize;
	int stage2;		/* enum cs_stage2, or -1 if unrecognised */
	const char *xdp_mode;	/* "native", "skb" or "detached" */
};

/* Every attached interface: names from the pin directory, sorted. */
int cs_attachment_names(char names[][IF_NAMESIZE], int max);
/* @only if given (checked later, by opening it), else every attachment. */
int cs_attachment_select(const char *only, char names[][IF_NAMESIZE],
			 int max);
/* Errors are reported (naming IFACE and what to do) and returned. */
int cs_attachment_open(const char *ifname, struct cs_attachment *a);
void cs_attachment_close(struct cs_attachment *a);

#endif
