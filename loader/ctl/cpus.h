/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
#ifndef CS_CPUS_H
#define CS_CPUS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "cpusteer.h"

/* An ordered list of distinct CPUs below CS_MAX_CPUS. */
struct cs_cpuset {
	__u32 n;
	__u32 cpu[CS_MAX_CPUS];
};

#define CS_ONLINE_PATH	"/sys/devices/system/cpu/online"

/*
 * Parse "0-3,8,10-11". Returns 0, or -EINVAL with a message naming @what and
 * the offending piece already printed.
 */
int cs_cpulist_parse(const char *what, const char *s, struct cs_cpuset *set);
/* Same syntax, for the kernel's own files: CPUs >= CS_MAX_CPUS are ignored. */
int cs_cpulist_read(const char *path, struct cs_cpuset *set);
bool cs_cpuset_has(const struct cs_cpuset *set, __u32 cpu);
/* "0-3,8" back from a set, for messages and status. */
void cs_cpulist_format(const struct cs_cpuset *set, char *buf, size_t len);
/* Every CPU of @want must be online: message names the first that is not. */
int cs_cpus_check_online(const char *what, const struct cs_cpuset *want);

#endif
