/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
#ifndef CS_LOG_H
#define CS_LOG_H

#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>

/* Named exit codes of the cpusteer command. */
enum {
	CS_EXIT_OK = 0,
	CS_EXIT_FAIL = 1,	/* the operation failed; nothing was changed */
	CS_EXIT_USAGE = 2,	/* bad command line */
};

extern int cs_verbose;
extern bool cs_json;		/* errors also go to stdout as JSON */
extern const char *cs_cmd;	/* current subcommand, for messages */

/*
 * Every user-facing error goes through cs_err(): "cpusteer CMD: message" on
 * stderr and, under --json, {"error": "message"} on stdout so a script that
 * parses stdout sees the failure too.
 */
void cs_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* An error on stderr only, for one part of an answer whose JSON says it. */
void cs_err_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cs_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cs_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * Until cs_err_release(), errors are not printed: the first one is kept in
 * @buf, for a caller that reports it as part of a larger answer (one
 * broken attachment among healthy ones, in one JSON document).
 */
void cs_err_capture(char *buf, size_t len);
void cs_err_release(void);
/*
 * While @fn is set, every error goes to @fn instead of being printed, with
 * the place cs_err_where() last named (the config checker files each
 * under the FILE:LINE it concerns). NULL ends it.
 */
typedef void (*cs_err_sink_fn)(void *ctx, const char *file,
			       unsigned int line, const char *msg);
void cs_err_sink(cs_err_sink_fn fn, void *ctx);
void cs_err_where(const char *file, unsigned int line);

#endif
