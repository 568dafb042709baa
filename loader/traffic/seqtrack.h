/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Per-flow sequence tracking for receivers of cpusteer gen traffic: every
 * datagram carries its flow's sequence number (include/cs_gen.h). A gap
 * counts as loss until the missing datagram turns up late, when it counts
 * as a reordering instead.
 */
#ifndef CS_SEQTRACK_H
#define CS_SEQTRACK_H

#include <linux/types.h>

struct cs_seq_flow {
	__u32 next;		/* the sequence number expected next */
	__u64 received;
	__u64 lost;		/* missing so far (gaps not yet filled) */
	__u64 reordered;	/* arrived after a later one of its flow */
};

void cs_seq_take(struct cs_seq_flow *f, __u32 seq);
/* At the end of a run of @sent datagrams: the tail never seen is lost. */
__u64 cs_seq_lost(const struct cs_seq_flow *f, __u32 sent);

#endif
