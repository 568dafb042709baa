// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpus.h"
#include "log.h"

bool cs_cpuset_has(const struct cs_cpuset *set, __u32 cpu)
{
	__u32 i;

	for (i = 0; i < set->n; i++)
		if (set->cpu[i] == cpu)
			return true;
	return false;
}

static int cpulist_num(const char **p, unsigned long *v)
{
	char *end;

	if (!isdigit((unsigned char)**p))
		return -EINVAL;
	errno = 0;
	*v = strtoul(*p, &end, 10);
	if (errno)
		return -EINVAL;
	*p = end;
	return 0;
}

/* @strict: reject CPUs >= CS_MAX_CPUS and duplicates, else skip them. */
static int cpulist_parse(const char *what, const char *s,
			 struct cs_cpuset *set, bool strict)
{
	const char *p = s;
	unsigned long lo, hi, c;

	set->n = 0;
	while (*p && *p != '\n') {
		if (cpulist_num(&p, &lo))
			goto err_syntax;
		hi = lo;
		if (*p == '-') {
			p++;
			if (cpulist_num(&p, &hi))
				goto err_syntax;
			if (hi < lo) {
				cs_err("%s '%s': range %lu-%lu runs backwards; write %lu-%lu",
				       what, s, lo, hi, hi, lo);
				return -EINVAL;
			}
		}
		for (c = lo; c <= hi; c++) {
			if (c >= CS_MAX_CPUS || cs_cpuset_has(set, c)) {
				if (!strict)
					continue;
				if (c >= CS_MAX_CPUS)
					cs_err("%s '%s': CPU %lu is above the limit of %u CPUs (CS_MAX_CPUS)",
					       what, s, c, CS_MAX_CPUS);
				else
					cs_err("%s '%s': CPU %lu is listed twice",
					       what, s, c);
				return -EINVAL;
			}
			set->cpu[set->n++] = c;
		}
		if (*p == ',') {
			p++;
			if (!*p || *p == '\n')
				goto err_syntax;	/* "0-1," */
		} else if (*p && *p != '\n') {
			goto err_syntax;
		}
	}
	if (!set->n) {
		cs_err("%s '%s' names no CPU: give a list such as 0-3,8",
		       what, s);
		return -EINVAL;
	}
	return 0;
err_syntax:
	cs_err("%s '%s' is not a CPU list: use numbers and ranges such as 0-3,8,10-11",
	       what, s);
	return -EINVAL;
}

int cs_cpulist_parse(const char *what, const char *s, struct cs_cpuset *set)
{
	return cpulist_parse(what, s, set, true);
}

int cs_cpulist_read(const char *path, struct cs_cpuset *set)
{
	char buf[4096];
	FILE *f;
	int err = 0;

	f = fopen(path, "r");
	if (!f) {
		err = -errno;
		cs_err("cannot read %s: %s", path, strerror(errno));
		return err;
	}
	if (!fgets(buf, sizeof(buf), f)) {
		cs_err("%s is empty", path);
		err = -EINVAL;
	}
	fclose(f);
	return err ? err : cpulist_parse(path, buf, set, false);
}

void cs_cpulist_format(const struct cs_cpuset *set, char *buf, size_t len)
{
	size_t off = 0;
	__u32 i = 0;

	buf[0] = '\0';
	while (i < set->n && off < len) {
		__u32 j = i;

		/* Three or more consecutive CPUs print as a range. */
		while (j + 1 < set->n && set->cpu[j + 1] == set->cpu[j] + 1)
			j++;
		if (j < i + 2)
			j = i;
		if (j > i)
			off += snprintf(buf + off, len - off, "%s%u-%u",
					i ? "," : "", set->cpu[i], set->cpu[j]);
		else
			off += snprintf(buf + off, len - off, "%s%u",
					i ? "," : "", set->cpu[i]);
		i = j + 1;
	}
}

int cs_cpus_check_online(const char *what, const struct cs_cpuset *want)
{
	struct cs_cpuset online;
	char list[256];
	__u32 i;
	int err;

	err = cs_cpulist_read(CS_ONLINE_PATH, &online);
	if (err)
		return err;
	for (i = 0; i < want->n; i++) {
		if (cs_cpuset_has(&online, want->cpu[i]))
			continue;
		cs_cpulist_format(&online, list, sizeof(list));
		cs_err("%s: CPU %u is not online (online CPUs: %s)", what,
		       want->cpu[i], list);
		return -EINVAL;
	}
	return 0;
}
