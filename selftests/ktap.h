/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Minimal KTAP (TAP version 13) output for cpusteer's C selftests.
 *
 * Header-only on purpose: each test is a single translation unit, so the
 * counters below can be file-static and no helper library needs building.
 * Exit codes follow kselftest so kselftest_runner.sh can map them.
 */
#ifndef CPUSTEER_KTAP_H
#define CPUSTEER_KTAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#define KSFT_PASS	0
#define KSFT_FAIL	1
#define KSFT_SKIP	4

#define __ktap_printf(a, b)	__attribute__((format(printf, a, b)))

static struct {
	unsigned int plan;
	bool plan_printed;
	unsigned int pass;
	unsigned int fail;
	unsigned int skip;
} ktap_cnt;

static inline unsigned int ktap_test_num(void)
{
	return ktap_cnt.pass + ktap_cnt.fail + ktap_cnt.skip;
}

/*
 * Test output is interleaved with stderr of libbpf and child processes;
 * flush after every line so the order on a pipe matches the order of events.
 */
static inline void ktap_vline(const char *prefix, const char *fmt,
			      va_list ap, const char *suffix)
{
	fputs(prefix, stdout);
	vprintf(fmt, ap);
	fputs(suffix, stdout);
	fputc('\n', stdout);
	fflush(stdout);
}

static inline void ktap_print_header(void)
{
	printf("TAP version 13\n");
	fflush(stdout);
}

static inline void ktap_set_plan(unsigned int n)
{
	ktap_cnt.plan = n;
	ktap_cnt.plan_printed = true;
	printf("1..%u\n", n);
	fflush(stdout);
}

static inline __ktap_printf(1, 2) void ktap_print_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ktap_vline("# ", fmt, ap, "");
	va_end(ap);
}

/* The test number is printed before the counter moves, hence "+ 1". */
static inline void ktap_vresult(const char *status, unsigned int *counter,
				const char *directive, const char *fmt,
				va_list ap)
{
	printf("%s %u ", status, ktap_test_num() + 1);
	(*counter)++;
	ktap_vline("", fmt, ap, directive);
}

static inline __ktap_printf(1, 2) void ktap_test_pass(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ktap_vresult("ok", &ktap_cnt.pass, "", fmt, ap);
	va_end(ap);
}

static inline __ktap_printf(1, 2) void ktap_test_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ktap_vresult("not ok", &ktap_cnt.fail, "", fmt, ap);
	va_end(ap);
}

static inline __ktap_printf(1, 2) void ktap_test_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ktap_vresult("ok", &ktap_cnt.skip, " # SKIP", fmt, ap);
	va_end(ap);
}

static inline __ktap_printf(2, 3) void ktap_test_result(bool ok,
							const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (ok)
		ktap_vresult("ok", &ktap_cnt.pass, "", fmt, ap);
	else
		ktap_vresult("not ok", &ktap_cnt.fail, "", fmt, ap);
	va_end(ap);
}

/*
 * Skip the whole program, e.g. when not root or the kernel lacks a feature.
 * Before a plan, "1..0 # SKIP" is the KTAP way to say nothing will run.
 */
static inline __ktap_printf(1, 2) __attribute__((noreturn))
void ktap_exit_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ktap_vline(ktap_cnt.plan_printed ? "# SKIP " : "1..0 # SKIP ",
		   fmt, ap, "");
	va_end(ap);
	exit(KSFT_SKIP);
}

/* Stop the whole program as failed ("Bail out!" in TAP), with a reason. */
static inline __ktap_printf(1, 2) __attribute__((noreturn))
void ktap_exit_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ktap_vline("Bail out! ", fmt, ap, "");
	va_end(ap);
	exit(KSFT_FAIL);
}

/* A plan/result mismatch means a test path returned early: that's a bug. */
static inline __attribute__((noreturn)) void ktap_finished(void)
{
	unsigned int ran = ktap_test_num();

	printf("# Totals: pass:%u fail:%u xfail:0 xpass:0 skip:%u error:0\n",
	       ktap_cnt.pass, ktap_cnt.fail, ktap_cnt.skip);
	if (ktap_cnt.plan_printed && ran != ktap_cnt.plan) {
		printf("# Planned tests != run tests (%u != %u)\n",
		       ktap_cnt.plan, ran);
		fflush(stdout);
		exit(KSFT_FAIL);
	}
	fflush(stdout);
	exit(ktap_cnt.fail ? KSFT_FAIL : KSFT_PASS);
}

#endif /* CPUSTEER_KTAP_H */
