// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <stdio.h>
#include <json-c/json.h>

#include "log.h"

int cs_verbose;
bool cs_json;
const char *cs_cmd;

static void cs_vlog(const char *level, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (cs_cmd)
		fprintf(stderr, "cpusteer %s: %s%s\n", cs_cmd, level, msg);
	else
		fprintf(stderr, "cpusteer: %s%s\n", level, msg);
	if (cs_json && level[0] == 'e') {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "error", json_object_new_string(msg));
		printf("%s\n", json_object_to_json_string_ext(o,
					JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	}
}

void cs_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cs_vlog("error: ", fmt, ap);
	va_end(ap);
}

void cs_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cs_vlog("warning: ", fmt, ap);
	va_end(ap);
}

void cs_debug(const char *fmt, ...)
{
	va_list ap;

	if (!cs_verbose)
		return;
	va_start(ap, fmt);
	cs_vlog("", fmt, ap);
	va_end(ap);
}
