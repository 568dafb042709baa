/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Prometheus text exposition (format 0.0.4) of the views of several
 * attachments, and node_exporter's textfile collector: a *.prom file
 * written under a temporary name and renamed over the old one, so the
 * collector never reads half a file.
 */
#ifndef CS_PROM_H
#define CS_PROM_H

#include <stdio.h>

#include "figures.h"

struct cs_prom_src {
	const char *ifname;
	const struct cs_view *v;
};

/* Every metric family once, each with its series of every attachment. */
void cs_prom_write(FILE *f, const struct cs_prom_src *src, int n);

/*
 * Open directory @dir for cs_prom_textfile(): an fd, or -errno with the
 * error printed naming --textfile.
 */
int cs_prom_dir_open(const char *dir);
/* @text into @dirfd/@name through a temporary file in the same directory. */
int cs_prom_textfile(int dirfd, const char *dir, const char *name,
		     const char *text, size_t len);

#endif
