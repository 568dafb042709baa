// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <stdio.h>
#include <json-c/json.h>

#include "log.h"

int cs_verbose;
bool cs_json;
const char *cs_cmd;

static char *capture_buf;
static size_t capture_len;
static cs_err_sink_fn sink_fn;
static void *sink_ctx;
static const char *where_file;
static unsigned int where_line;

static void cs_vlog(const char *level, const char *fmt, va_list ap,
		    bool json)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (sink_fn && level[0] == 'e' && !capture_buf) {
		sink_fn(sink_ctx, where_file, where_line, msg);
		return;
	}
	if (capture_buf && level[0] == 'e') {
		if (!capture_buf[0])
			snprintf(capture_buf, capture_len, "%s", msg);
		return;
	}
	if (cs_cmd)
		fprintf(stderr, "cpusteer %s: %s%s\n", cs_cmd, level, msg);
	else
		fprintf(stderr, "cpusteer: %s%s\n", level, msg);
	if (json && cs_json && level[0] == 'e') {
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
	cs_vlog("error: ", fmt, ap, true);
	va_end(ap);
}

void cs_err_text(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cs_vlog("error: ", fmt, ap, false);
	va_end(ap);
}

void cs_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cs_vlog("warning: ", fmt, ap, false);
	va_end(ap);
}

void cs_debug(const char *fmt, ...)
{
	va_list ap;

	if (!cs_verbose)
		return;
	va_start(ap, fmt);
	cs_vlog("", fmt, ap, false);
	va_end(ap);
}

void cs_err_capture(char *buf, size_t len)
{
	buf[0] = '\0';
	capture_buf = buf;
	capture_len = len;
}

void cs_err_release(void)
{
	capture_buf = NULL;
	capture_len = 0;
}

void cs_err_sink(cs_err_sink_fn fn, void *ctx)
{
	sink_fn = fn;
	sink_ctx = ctx;
	where_file = NULL;
	where_line = 0;
}

void cs_err_where(const char *file, unsigned int line)
{
	where_file = file;
	where_line = line;
}
