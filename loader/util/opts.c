// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "opts.h"

void cs_usage(FILE *f, const struct cs_command *cmd)
{
	const struct cs_option *o;

	fprintf(f, "Usage: cpusteer %s %s\n\n%s\n", cmd->name, cmd->synopsis,
		cmd->summary);
	if (cmd->details)
		fprintf(f, "\n%s", cmd->details);
	fprintf(f, "\nOptions:\n");
	for (o = cmd->opts; o->name; o++) {
		char lhs[64];

		if (o->key < 256)
			snprintf(lhs, sizeof(lhs), "-%c, --%s%s%s", o->key,
				 o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		else
			snprintf(lhs, sizeof(lhs), "    --%s%s%s", o->name,
				 o->arg ? " " : "", o->arg ? o->arg : "");
		fprintf(f, "  %-28s %s", lhs, o->help);
		if (o->def)
			fprintf(f, " (default %s)", o->def);
		fprintf(f, "\n");
	}
}

static bool has_json(const struct cs_command *cmd)
{
	const struct cs_option *o;

	for (o = cmd->opts; o->name; o++)
		if (o->key == CS_OPT_JSON)
			return true;
	return false;
}

/* "--json", "--js", ...: a unique prefix of --json, with no value. */
static bool is_json_opt(const struct cs_command *cmd, const char *arg)
{
	const struct cs_option *o;
	size_t n;

	if (strncmp(arg, "--j", 3) || strchr(arg, '='))
		return false;
	n = strlen(arg + 2);
	for (o = cmd->opts; o->name; o++)
		if (!strncmp(o->name, arg + 2, n) && o->key != CS_OPT_JSON)
			return false;
	return !strncmp("json", arg + 2, n);
}

/*
 * getopt's own errors, in our format and, under --json, as JSON: a script
 * reading stdout must see a refused command line too.
 */
static void bad_option(int argc, char **argv, const struct cs_command *cmd,
		       int c)
{
	const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "";
	const struct cs_option *o, *match = NULL;
	size_t n;
	int hits = 0;

	if (c == ':') {
		cs_err("option '%s' needs a value; 'cpusteer %s --help' says which",
		       arg, cmd->name);
		return;
	}
	if (strncmp(arg, "--", 2)) {
		cs_err("unrecognized option '-%c'; 'cpusteer %s --help' lists them",
		       optopt, cmd->name);
		return;
	}
	n = strcspn(arg + 2, "=");
	for (o = cmd->opts; o->name; o++)
		if (!strncmp(o->name, arg + 2, n)) {
			match = o;
			hits += strlen(o->name) == n ? 100 : 1;
		}
	if (hits > 1 && hits < 100)
		cs_err("option '%s' is ambiguous: it starts several options; 'cpusteer %s --help' lists them",
		       arg, cmd->name);
	else if (match && match->has_arg == no_argument && arg[2 + n] == '=')
		cs_err("option '--%s' takes no value, got '%s'", match->name,
		       arg);
	else
		cs_err("unrecognized option '%s'; 'cpusteer %s --help' lists them",
		       arg, cmd->name);
}

int cs_getopt(int argc, char **argv, const struct cs_command *cmd)
{
	struct option longopts[CS_OPTS_MAX + 1] = {};
	char shortopts[CS_OPTS_MAX * 2 + 2] = ":";
	char *s = shortopts + 1;
	int i, c;

	/* --json anywhere on the line (or a prefix getopt would take for
	 * it) applies to errors found before it.
	 */
	if (optind <= 1 && has_json(cmd))
		for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
			if (is_json_opt(cmd, argv[i]))
				cs_json = true;
	for (i = 0; cmd->opts[i].name && i < CS_OPTS_MAX; i++) {
		const struct cs_option *o = &cmd->opts[i];

		longopts[i] = (struct option){ o->name, o->has_arg, NULL,
					       o->key };
		if (o->key < 256) {
			*s++ = (char)o->key;
			if (o->has_arg == required_argument)
				*s++ = ':';
		}
	}
	opterr = 0;
	c = getopt_long(argc, argv, shortopts, longopts, NULL);
	if (c == '?' || c == ':') {
		bad_option(argc, argv, cmd, c);
		return '?';
	}
	return c;
}

int cs_parse_u64(const char *what, const char *s, __u64 min, __u64 max,
		 __u64 *out)
{
	unsigned long long v;
	char *end;

	/* Decimal only: "010" is ten, as it is in a CPU list. */
	errno = 0;
	if (*s < '0' || *s > '9')
		goto err_bad;
	v = strtoull(s, &end, 10);
	if (*end || errno)
		goto err_bad;
	if (v < min || v > max) {
		cs_err("%s '%s' is out of range: give %llu to %llu", what, s,
		       (unsigned long long)min, (unsigned long long)max);
		return -ERANGE;
	}
	*out = v;
	return 0;
err_bad:
	cs_err("%s '%s' is not a decimal whole number (%llu to %llu)", what, s,
	       (unsigned long long)min, (unsigned long long)max);
	return -EINVAL;
}

int cs_parse_u32(const char *what, const char *s, __u32 min, __u32 max,
		 __u32 *out)
{
	__u64 v;
	int err = cs_parse_u64(what, s, min, max, &v);

	if (!err)
		*out = (__u32)v;
	return err;
}

int cs_parse_double(const char *what, const char *s, double min, double max,
		    double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (!*s || *end || errno || v != v) {
		cs_err("%s '%s' is not a number", what, s);
		return -EINVAL;
	}
	if (v < min || v > max) {
		cs_err("%s '%s' is out of range: give %g to %g", what, s, min,
		       max);
		return -ERANGE;
	}
	*out = v;
	return 0;
}

int cs_parse_enum(const char *what, const char *s, const char *const *names,
		  unsigned int n, __u32 *out)
{
	char choices[256] = "";
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (names[i] && !strcmp(s, names[i])) {
			*out = i;
			return 0;
		}
		if (names[i]) {
			strncat(choices, i ? ", " : "",
				sizeof(choices) - strlen(choices) - 1);
			strncat(choices, names[i],
				sizeof(choices) - strlen(choices) - 1);
		}
	}
	cs_err("unknown %s '%s': choose one of %s", what, s, choices);
	return -EINVAL;
}

int cs_parse_mac(const char *what, const char *s, __u8 mac[6])
{
	char tail;

	if (sscanf(s, "%2hhx:%2hhx:%2hhx:%2hhx:%2hhx:%2hhx%c", &mac[0], &mac[1],
		   &mac[2], &mac[3], &mac[4], &mac[5], &tail) == 6)
		return 0;
	cs_err("%s '%s' is not a MAC address such as 02:00:00:00:00:01",
	       what, s);
	return -EINVAL;
}

int cs_opts_parse(int argc, char **argv, const struct cs_command *cmd,
		  int (*one)(void *ctx, int key, const char *arg), void *ctx)
{
	int c;

	while ((c = cs_getopt(argc, argv, cmd)) != -1) {
		if (c == CS_OPT_HELP) {
			cs_usage(stdout, cmd);
			return 1;
		}
		if (c == '?' || one(ctx, c, optarg))
			return -EINVAL;
	}
	return 0;
}

static int parse_bool(const char *what, const char *s, __u32 *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = 1;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*out = 0;
			return 0;
		}
	}
	cs_err("%s '%s' is not yes or no (true/false, on/off and 1/0 are taken too)",
	       what, s);
	return -EINVAL;
}

int cs_opt_value(const struct cs_option *o, const char *what, const char *s,
		 __u32 *out)
{
	__u32 v;

	switch (o->type) {
	case CS_OT_FLAG:
		if (!s) {
			*out = 1;
			return 0;
		}
		return parse_bool(what, s, out);
	case CS_OT_U32:
		return cs_parse_u32(what, s, o->min, o->max, out);
	case CS_OT_POW2:
		if (cs_parse_u32(what, s, o->min, o->max, &v))
			return -EINVAL;
		if (v & (v - 1)) {
			cs_err("%s %u is not a power of two (such as %u or %u)",
			       what, v, 1U << (31 - __builtin_clz(v)),
			       1U << (32 - __builtin_clz(v)));
			return -EINVAL;
		}
		*out = v;
		return 0;
	case CS_OT_ENUM:
		return cs_parse_enum(what, s, o->names, o->nnames, out);
	default:
		cs_err("%s: not a typed option (a bug)", what);
		return -EINVAL;
	}
}

const struct cs_option *cs_opt_find(const struct cs_option *opts,
				    const char *name)
{
	for (; opts->name; opts++)
		if (!strcmp(opts->name, name))
			return opts;
	return NULL;
}

unsigned int cs_edit_distance(const char *a, const char *b)
{
	unsigned int row[64], i, j, diag, up, n = strlen(b);

	if (n >= 64 || strlen(a) >= 64)
		return 64;
	for (j = 0; j <= n; j++)
		row[j] = j;
	for (i = 1; a[i - 1]; i++) {
		diag = row[0];
		row[0] = i;
		for (j = 1; j <= n; j++) {
			up = row[j];
			row[j] = a[i - 1] == b[j - 1] ? diag :
				 1 + (diag < up ? (diag < row[j - 1] ? diag : row[j - 1]) :
						  (up < row[j - 1] ? up : row[j - 1]));
			diag = up;
		}
	}
	return row[n];
}

int cs_opt_json_only(void *ctx, int c, const char *arg)
{
	(void)ctx;
	(void)arg;
	if (c != CS_OPT_JSON)
		return -EINVAL;
	cs_json = true;
	return 0;
}
