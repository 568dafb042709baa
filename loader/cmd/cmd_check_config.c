// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* cpusteer check-config: every error of a config, each at its FILE:LINE. */
#include <errno.h>
#include <stdio.h>
#include <json-c/json.h>

#include "commands.h"
#include "config.h"
#include "log.h"

enum { OPT_KEYS = 256 };

static const struct cs_option check_opts[] = {
	{ "json", no_argument, CS_OPT_JSON, NULL, "print the result as JSON" },
	{ "keys", no_argument, OPT_KEYS, NULL,
	  "list the config keys (attach's options), their values and defaults" },
	{ "help", no_argument, CS_OPT_HELP, NULL, "show this help" },
	{}
};

const struct cs_command cs_cmd_check_config = {
	.name = "check-config",
	.func = cmd_check_config,
	.synopsis = "[PATH] [--json] | --keys",
	.summary = "Check a config file (and its conf.d) without changing anything.",
	.details =
"Reads PATH (default " CS_CONF_PATH ") and the .conf files in\n"
"the conf.d directory next to it, as 'cpusteer apply' does, and prints\n"
"every error as FILE:LINE: message: syntax, unknown keys (with the nearest\n"
"known one), values checked as on the command line, options that do not\n"
"go together, offline CPUs, interfaces not in this network namespace, and\n"
"files that are not owned by root or are writable by others. Exit status\n"
"0 when the config is valid, 1 when it is not. See cpusteer.conf(5).\n",
	.opts = check_opts,
};

static int check_one(void *ctx, int c, const char *arg)
{
	(void)arg;
	if (c == CS_OPT_JSON)
		cs_json = true;
	else if (c == OPT_KEYS)
		*(bool *)ctx = true;
	return 0;
}

static const char *value_of(const struct cs_option *o, char *buf, size_t len)
{
	__u32 i;
	size_t n = 0;

	switch (o->type) {
	case CS_OT_FLAG:
		return "yes|no";
	case CS_OT_ENUM:
		for (i = 0; i < o->nnames && n < len; i++)
			if (o->names[i])
				n += snprintf(buf + n, len - n, "%s%s",
					      n ? "|" : "", o->names[i]);
		return buf;
	case CS_OT_U32:
	case CS_OT_POW2:
		snprintf(buf, len, "%u-%u%s", o->min, o->max,
			 o->type == CS_OT_POW2 ? " (a power of two)" : "");
		return buf;
	case CS_OT_CPUS:
		return "LIST|auto";
	case CS_OT_PORT:
		return "PORT[,PORT...]";
	case CS_OT_FALLBACK:
		return "pass|cpu:N";
	default:
		return o->arg ? o->arg : "VALUE";
	}
}

/* The keys, from the table attach's command line is parsed with. */
static void print_keys(void)
{
	const struct cs_option *o;
	char buf[128];

	for (o = cs_spec_opts; o->name; o++)
		if (o->flags & CS_OF_CONFIG)
			printf("%-18s %-28s %-8s %s\n", o->name,
			       value_of(o, buf, sizeof(buf)),
			       o->def ? o->def : o->type == CS_OT_FLAG ? "no" : "-",
			       o->help);
}

int cmd_check_config(int argc, char **argv)
{
	const char *path = CS_CONF_PATH;
	struct cs_conf conf;
	bool keys = false;
	int err, i;

	err = cs_opts_parse(argc, argv, &cs_cmd_check_config, check_one, &keys);
	if (err)
		return err > 0 ? CS_EXIT_OK : CS_EXIT_USAGE;
	if (keys) {
		print_keys();
		return CS_EXIT_OK;
	}
	if (argc - optind > 1) {
		cs_err("at most one config file: cpusteer check-config [PATH]");
		return CS_EXIT_USAGE;
	}
	if (optind < argc)
		path = argv[optind];
	if (cs_conf_load(path, &conf)) {
		cs_err("out of memory");
		return CS_EXIT_FAIL;
	}
	cs_conf_print(&conf, stderr);
	if (cs_json) {
		struct json_object *j = cs_conf_json(&conf);

		printf("%s\n", json_object_to_json_string_ext(j,
				JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(j);
	} else if (!conf.errors && !conf.missing) {
		printf("%s: valid, %d interface%s", path, conf.nifs,
		       conf.nifs == 1 ? "" : "s");
		for (i = 0; i < conf.nifs; i++)
			printf("%s%s", i ? ", " : ": ", conf.ifs[i].name);
		printf("\n");
	}
	if (conf.errors || conf.missing)
		fprintf(stderr, "cpusteer check-config: %d error%s in %s\n",
			conf.errors + conf.missing,
			conf.errors + conf.missing == 1 ? "" : "s", path);
	err = conf.errors || conf.missing ? CS_EXIT_FAIL : CS_EXIT_OK;
	cs_conf_free(&conf);
	return err;
}
