/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* One file per subcommand; main.c only dispatches through this table. */
#ifndef CS_COMMANDS_H
#define CS_COMMANDS_H

#include "kfeatures.h"
#include "opts.h"

int cmd_attach(int argc, char **argv);
int cmd_detach(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_classify(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_features(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_check_config(int argc, char **argv);
int cmd_filter(int argc, char **argv);
int cmd_top(int argc, char **argv);

extern const struct cs_command cs_cmd_attach;
extern const struct cs_command cs_cmd_detach;
extern const struct cs_command cs_cmd_status;
extern const struct cs_command cs_cmd_stats;
extern const struct cs_command cs_cmd_classify;
extern const struct cs_command cs_cmd_bench;
extern const struct cs_command cs_cmd_gen;
extern const struct cs_command cs_cmd_plan;
extern const struct cs_command cs_cmd_features;
extern const struct cs_command cs_cmd_apply;
extern const struct cs_command cs_cmd_check_config;
extern const struct cs_command cs_cmd_filter;
extern const struct cs_command cs_cmd_top;

#endif
