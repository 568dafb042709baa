// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

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
		fprintf(f, "  %-28s %s\n", lhs, o->help);
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
