// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* cpusteer features: what this kernel offers cpusteer, probed. */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <json-c/json.h>

#include "commands.h"
#include "kfeatures.h"
#include "log.h"

static const struct cs_option features_opts[] = {
	{ "json", no_argument, CS_OPT_JSON, NULL, "print JSON" },
	{ "help", no_argument, CS_OPT_HELP, NULL, "show this help" },
	{}
};

const struct cs_command cs_cmd_features = {
	.name = "features",
	.func = cmd_features,
	.synopsis = "[--json]",
	.summary = "Show which kernel features cpusteer uses this kernel has.",
	.details =
"Probes each feature without changing anything (a throwaway map and\n"
"program, the kernel's BTF) and prints it with the first Linux release\n"
"that has it and what needs it: attach (every attachment), gen (sending\n"
"through an interface; the live selftests), hw (--hash hw), or nothing\n"
"cpusteer cannot do without. Exits 1 if attach cannot work here.\n",
	.opts = features_opts,
};

/* "attach, gen" for a feature's needs. */
static void needed_by(unsigned int need, char *buf, size_t len)
{
	static const struct { unsigned int bit; const char *name; } who[] = {
		{ CS_NEED_STEER, "attach" }, { CS_NEED_GEN, "gen" },
		{ CS_NEED_HW, "--hash hw" }, { CS_NEED_NICE, "optional" },
	};
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(who) / sizeof(who[0]) && off < len; i++)
		if (need & who[i].bit)
			off += snprintf(buf + off, len - off, "%s%s",
					off ? ", " : "", who[i].name);
}

int cmd_features(int argc, char **argv)
{
	struct json_object *o, *arr, *f;
	struct utsname u = {};
	char by[64];
	bool steer = true, has;
	int c, i;

	c = cs_opts_parse(argc, argv, &cs_cmd_features, cs_opt_json_only, NULL);
	if (c)
		return c > 0 ? CS_EXIT_OK : CS_EXIT_USAGE;
	if (optind < argc) {
		cs_err("unexpected argument '%s': cpusteer features [--json]",
		       argv[optind]);
		return CS_EXIT_USAGE;
	}
	if (cs_require_root())
		return CS_EXIT_FAIL;
	uname(&u);
	arr = json_object_new_array();
	if (!cs_json)
		printf("Linux %s\n%-18s %-5s %-6s %-22s %s\n", u.release,
		       "FEATURE", "HERE", "SINCE", "NEEDED BY", "WHAT");
	for (i = 0; i < CS_FEAT_MAX; i++) {
		has = cs_feature_has(i);
		if (!has && cs_features[i].need & CS_NEED_STEER)
			steer = false;
		needed_by(cs_features[i].need, by, sizeof(by));
		if (!cs_json) {
			printf("%-18s %-5s %-6s %-22s %s\n", cs_features[i].name,
			       has ? "yes" : "no", cs_features[i].since, by,
			       cs_features[i].what);
			continue;
		}
		f = json_object_new_object();
		json_object_object_add(f, "name",
				json_object_new_string(cs_features[i].name));
		json_object_object_add(f, "available",
				       json_object_new_boolean(has));
		json_object_object_add(f, "since",
				json_object_new_string(cs_features[i].since));
		json_object_object_add(f, "needed_by",
				       json_object_new_string(by));
		json_object_object_add(f, "what",
				json_object_new_string(cs_features[i].what));
		json_object_array_add(arr, f);
	}
	if (cs_json) {
		o = json_object_new_object();
		json_object_object_add(o, "kernel",
				       json_object_new_string(u.release));
		json_object_object_add(o, "attach_works",
				       json_object_new_boolean(steer));
		json_object_object_add(o, "features", arr);
		printf("%s\n", json_object_to_json_string_ext(o,
				JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		json_object_put(arr);
		if (!steer)
			printf("attach cannot work on this kernel: see the features marked 'no' that attach needs\n");
	}
	return steer ? CS_EXIT_OK : CS_EXIT_FAIL;
}
