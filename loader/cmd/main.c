// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* cpusteer: spread received frames across CPUs with XDP and a cpumap. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "commands.h"
#include "log.h"

#ifndef CS_VERSION
#define CS_VERSION "0.1"
#endif

static const struct cs_command *const commands[] = {
	&cs_cmd_attach, &cs_cmd_detach, &cs_cmd_apply, &cs_cmd_check_config,
	&cs_cmd_status, &cs_cmd_stats, &cs_cmd_top, &cs_cmd_filter,
	&cs_cmd_classify, &cs_cmd_gen, &cs_cmd_plan,
	&cs_cmd_bench, &cs_cmd_features,
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* libbpf chatter only with -v; its warnings otherwise precede our error. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt,
		    va_list ap)
{
	if (level == LIBBPF_DEBUG && cs_verbose < 2)
		return 0;
	if (level == LIBBPF_INFO && !cs_verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: cpusteer [-v] COMMAND [ARGS]\n\n"
		"Spread an interface's received frames across CPUs with XDP and a cpumap.\n\n"
		"Commands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-13s %s\n", commands[i]->name,
			commands[i]->summary);
	fprintf(f, "\nGlobal options:\n"
		"  -v, --verbose   more detail (-vv or twice: libbpf and verifier logs)\n"
		"  -h, --help      show this help; 'cpusteer COMMAND --help' for a command\n"
		"  -V, --version   print the version\n"
		"\nCommands may be abbreviated to any unique prefix.\n");
}

/* bpftool-style lookup: an exact name or a unique prefix. */
static const struct cs_command *find_command(const char *name)
{
	const struct cs_command *found = NULL;
	size_t i, n = strlen(name);

	for (i = 0; i < NCOMMANDS; i++) {
		if (!strcmp(commands[i]->name, name))
			return commands[i];
		if (!strncmp(commands[i]->name, name, n)) {
			if (found) {
				cs_err("'%s' is ambiguous: it starts both '%s' and '%s'",
				       name, found->name, commands[i]->name);
				return NULL;
			}
			found = commands[i];
		}
	}
	if (!found)
		cs_err("unknown command '%s'; 'cpusteer --help' lists them",
		       name);
	return found;
}

/* -v, -vv, -vvv (each v once more detail) or --verbose. */
static bool is_verbose(const char *arg)
{
	if (!strcmp(arg, "--verbose"))
		return true;
	return arg[0] == '-' && arg[1] == 'v' &&
	       strspn(arg + 1, "v") == strlen(arg + 1);
}

int main(int argc, char **argv)
{
	const struct cs_command *cmd;
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;	/* the command follows */
			break;
		}
		if (is_verbose(argv[i])) {
			cs_verbose += argv[i][1] == '-' ? 1 :
				      (int)strlen(argv[i]) - 1;
		} else if (!strcmp(argv[i], "-h") ||
			   !strcmp(argv[i], "--help")) {
			usage(stdout);
			return CS_EXIT_OK;
		} else if (!strcmp(argv[i], "-V") ||
			   !strcmp(argv[i], "--version")) {
			if (i + 1 < argc) {
				cs_err("%s takes nothing after it, got '%s'",
				       argv[i], argv[i + 1]);
				return CS_EXIT_USAGE;
			}
			printf("cpusteer %s (libbpf %s)\n", CS_VERSION,
			       libbpf_version_string());
			return CS_EXIT_OK;
		} else {
			cs_err("unknown global option '%s'", argv[i]);
			usage(stderr);
			return CS_EXIT_USAGE;
		}
	}
	if (i >= argc) {
		cs_err("no command given");
		usage(stderr);
		return CS_EXIT_USAGE;
	}
	if (!strcmp(argv[i], "help")) {
		if (i + 1 < argc && (cmd = find_command(argv[i + 1]))) {
			cs_usage(stdout, cmd);
			return CS_EXIT_OK;
		}
		usage(i + 1 < argc ? stderr : stdout);
		return i + 1 < argc ? CS_EXIT_USAGE : CS_EXIT_OK;
	}
	cmd = find_command(argv[i]);
	if (!cmd)
		return CS_EXIT_USAGE;
	cs_cmd = cmd->name;
	libbpf_set_print(libbpf_print);
	/* getopt sees "cpusteer-CMD ARGS...": argv[0] is the command. */
	argv[i] = (char *)cmd->name;
	optind = 1;
	return cmd->func(argc - i, argv + i);
}
