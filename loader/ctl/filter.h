/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Stage 2 "filter": its rules, read and changed through the maps of the
 * running filter program (found from the attachment's cpumap entry, so
 * nothing is pinned twice), and handed on to the programs of an update.
 * The rules array is the truth; the tries and the "any" set are an index
 * kept in step with it (struct cs_filter_rule, cpusteer.h).
 */
#ifndef CS_FILTER_H
#define CS_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "cpusteer.h"

enum cs_flt_map {
	CS_FLT_RULES,
	CS_FLT_HITS,
	CS_FLT_SRC4,
	CS_FLT_DST4,
	CS_FLT_SRC6,
	CS_FLT_DST6,
	CS_FLT_ANY,
	CS_FLT_MAPS,
};
/* The BPF map names, in enum order. */
extern const char *const cs_flt_map_names[CS_FLT_MAPS];

struct cs_attachment;

/*
 * The maps of @a's filter into @fds (closed with cs_filter_maps_close).
 * Errors are printed: -ENOENT when @a's stage 2 is not the filter.
 */
int cs_filter_maps_open(const struct cs_attachment *a, int fds[CS_FLT_MAPS]);
void cs_filter_maps_close(int fds[CS_FLT_MAPS]);

/*
 * A rule from words "src PREFIX dst PREFIX proto P sport N[-M] dport
 * N[-M]" (any subset, each once, in any order). Errors name the word.
 */
int cs_filter_parse(int argc, char **argv, struct cs_filter_rule *r);
/* The rule in the same words, canonical ("src 10.0.0.0/8 proto tcp"). */
void cs_filter_format(const struct cs_filter_rule *r, char *buf, size_t len);

/* Add @r under the lowest free number (*@number). Nothing changes on
 * error (printed): a duplicate, a full table, a set past
 * CS_FILTER_COVER.
 */
int cs_filter_add(const int fds[CS_FLT_MAPS], const struct cs_filter_rule *r,
		  __u32 *number);
/* Add @n rules, reading the table once (a blocklist): their numbers in
 * @numbers. Stops at the first refusal; the rules before it stay.
 */
int cs_filter_add_many(const int fds[CS_FLT_MAPS],
		       const struct cs_filter_rule *r, __u32 n, __u32 *numbers);
/* Delete rule @number: -ENOENT (printed) when there is none. */
int cs_filter_del(const int fds[CS_FLT_MAPS], __u32 number);

/* Could @n rules be the filter's whole set (no rule twice, none past
 * CS_FILTER_COVER)? The first problem is printed.
 */
int cs_filter_check(const struct cs_filter_rule *r, __u32 n);
/*
 * Make the rules exactly @want (@n of them): delete the others, add the
 * missing ones; with @dry_run only count. Errors are printed; on one, the
 * rules that were there are put back.
 */
int cs_filter_sync(const int fds[CS_FLT_MAPS], const struct cs_filter_rule *want,
		   __u32 n, bool dry_run, __u32 *added, __u32 *deleted);
struct bpf_object;
/* The filter's maps of a loaded object (not to be closed). */
int cs_filter_maps_skel(struct bpf_object *obj, int fds[CS_FLT_MAPS]);

/* Every used rule, in number order, with its drops summed over CPUs. */
struct cs_filter_entry {
	__u32 number;
	struct cs_filter_rule rule;
	__u64 hits;
};
/* *@out (free it) holds *@n entries. */
int cs_filter_read(const int fds[CS_FLT_MAPS], struct cs_filter_entry **out,
		   __u32 *n);

#endif /* CS_FILTER_H */
