/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Options are declared once, in a table per command; the same table drives
 * getopt_long() and the --help text, so they cannot disagree.
 */
#ifndef CS_OPTS_H
#define CS_OPTS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

#define CS_OPTS_MAX	32

struct cs_option {
	const char *name;	/* long name, without "--" */
	int has_arg;		/* no_argument or required_argument */
	int key;		/* short letter, or a value >= 256 */
	const char *arg;	/* metavariable shown in help */
	const char *help;
};

struct cs_command {
	const char *name;
	int (*func)(int argc, char **argv);
	const char *synopsis;	/* arguments after the command name */
	const char *summary;	/* one line */
	const char *details;	/* shown by --help, may be NULL */
	const struct cs_option *opts;	/* terminated by a zero entry */
};

/* Common keys every command table may use. */
enum {
	CS_OPT_HELP = 'h',
	CS_OPT_JSON = 'j',
};

void cs_usage(FILE *f, const struct cs_command *cmd);
/*
 * getopt_long() over @cmd's table. Returns the option key, -1 at the end,
 * or '?' after printing an error that names the bad option. --help is
 * handled by the caller (it knows the command).
 */
int cs_getopt(int argc, char **argv, const struct cs_command *cmd);

/* Strict number parsers: the whole string, in range, else -EINVAL/-ERANGE
 * with an error naming @what that was printed via cs_err().
 */
int cs_parse_u32(const char *what, const char *s, __u32 min, __u32 max,
		 __u32 *out);
int cs_parse_u64(const char *what, const char *s, __u64 min, __u64 max,
		 __u64 *out);
int cs_parse_double(const char *what, const char *s, double min, double max,
		    double *out);
int cs_parse_mac(const char *what, const char *s, __u8 mac[6]);
int cs_parse_enum(const char *what, const char *s, const char *const *names,
		  unsigned int n, __u32 *out);

#endif
