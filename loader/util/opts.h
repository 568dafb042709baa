/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Options are declared once, in a table per command; the same table drives
 * getopt_long() and the --help text, so they cannot disagree. Typed
 * entries (attach's, see ctl/spec.h) also say how a value is checked, its
 * default, and whether it is a key of the config file, which reads the
 * same table.
 */
#ifndef CS_OPTS_H
#define CS_OPTS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

#define CS_OPTS_MAX	32

/* How a typed option's value is read. */
enum cs_otype {
	CS_OT_NONE = 0,		/* read by its command's own code */
	CS_OT_FLAG,		/* no value; yes or no in a config file */
	CS_OT_U32,		/* decimal, min to max */
	CS_OT_POW2,		/* a power of two, min to max */
	CS_OT_ENUM,		/* one of names[] */
	CS_OT_CPUS,		/* a CPU list, or "auto" */
	CS_OT_FALLBACK,		/* pass or cpu:N */
	CS_OT_PORT,		/* a UDP port */
	CS_OT_PATH,		/* a file or directory */
};

#define CS_OF_CONFIG	(1U << 0)	/* a config-file key too */
#define CS_OF_REPEAT	(1U << 1)	/* may be given more than once */

struct cs_option {
	const char *name;	/* long name, without "--"; the config key */
	int has_arg;		/* no_argument or required_argument */
	int key;		/* short letter, or a value >= 256 */
	const char *arg;	/* metavariable shown in help */
	const char *help;
	/* typed options only */
	enum cs_otype type;
	unsigned int flags;	/* CS_OF_* */
	__u32 min, max;		/* CS_OT_U32, CS_OT_POW2 */
	const char *const *names;	/* CS_OT_ENUM */
	__u32 nnames;
	const char *def;	/* the default, as text; NULL: none */
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
/*
 * The whole getopt loop over @cmd's table: @one(@ctx, key, optarg) for
 * each option, in order (non-zero stops it). Returns 0 with optind at the
 * first operand, 1 after printing --help, or -EINVAL after an error was
 * printed (by @one or for an unknown option).
 */
int cs_opts_parse(int argc, char **argv, const struct cs_command *cmd,
		  int (*one)(void *ctx, int key, const char *arg), void *ctx);
/* For cs_opts_parse() of a command whose only option is --json. */
int cs_opt_json_only(void *ctx, int c, const char *arg);
/*
 * A typed option's value (U32, POW2, ENUM, FLAG) into *@out, checked the
 * same way wherever it comes from; @what names it in errors ("--qsize",
 * "qsize"). A FLAG takes NULL (given) or yes/no/true/false/on/off/1/0.
 */
int cs_opt_value(const struct cs_option *o, const char *what, const char *s,
		 __u32 *out);
/* The option of @cmd's table called @name, or NULL. */
const struct cs_option *cs_opt_find(const struct cs_option *opts,
				    const char *name);
/* Levenshtein distance, for did-you-mean hints. */
unsigned int cs_edit_distance(const char *a, const char *b);

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
