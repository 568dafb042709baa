/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The config file, cpusteer.conf(5): PATH (by default
 * /etc/cpusteer/cpusteer.conf), then the .conf files in PATH's directory's
 * conf.d/, in name order, a later file overriding a key set earlier. INI syntax, read
 * with libinih: one [IFACE] section per interface, [defaults] for every
 * interface, keys the long options of attach (the CS_OF_CONFIG entries of
 * cs_spec_opts), # and ; comments.
 *
 * Every error is collected, each with its FILE:LINE, before anything is
 * applied: nothing is half-read.
 */
#ifndef CS_CONFIG_H
#define CS_CONFIG_H

#include <stdbool.h>
#include <stdio.h>
#include <net/if.h>

#include "spec.h"

#ifndef CS_SYSCONFDIR
#define CS_SYSCONFDIR	"/etc"
#endif
#define CS_CONF_PATH	CS_SYSCONFDIR "/cpusteer/cpusteer.conf"

/* A config is a few lines per interface: 64 KiB is thousands of them. */
#define CS_CONF_MAX_BYTES	(64 * 1024)
/* Diagnostics kept: garbage must not flood the terminal. */
#define CS_CONF_MAX_DIAGS	100
#define CS_CONF_MAX_IFACES	256
#define CS_CONF_MAX_FILES	64	/* the main file and conf.d's */

struct cs_conf_diag {
	const char *file;
	unsigned int line;	/* 0: about the whole file */
	bool missing;		/* an interface that is not here */
	char msg[512];
};

struct cs_conf_iface {
	char name[IF_NAMESIZE];
	const char *file;	/* where its section first appears */
	unsigned int line;
	bool missing;		/* no such interface here */
	__u32 ifindex;
	struct cs_spec spec;
};

struct cs_conf {
	char *files[CS_CONF_MAX_FILES];	/* read, in order */
	int nfiles;
	struct cs_conf_iface *ifs;
	int nifs;
	struct cs_conf_diag *diags;
	int ndiags;
	int dropped;		/* diagnostics past CS_CONF_MAX_DIAGS */
	int errors;		/* every one but the missing interfaces */
	int missing;
};

/*
 * Read and check the config at @path (NULL: CS_CONF_PATH): the files'
 * ownership and modes, syntax, keys, values (as attach checks them), what
 * each interface's options mean together, that its CPUs are online and
 * that it exists. Returns 0 (see ->errors, ->missing) or -ENOMEM.
 */
int cs_conf_load(const char *path, struct cs_conf *c);
/* "FILE:LINE: message" each, in the order found. */
void cs_conf_print(const struct cs_conf *c, FILE *f);
struct json_object *cs_conf_json(const struct cs_conf *c);
void cs_conf_free(struct cs_conf *c);

#endif
