// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "seqtrack.h"

void cs_seq_take(struct cs_seq_flow *f, __u32 seq)
{
	f->received++;
	if (seq == f->next) {
		f->next++;
	} else if (seq > f->next) {
		f->lost += seq - f->next;
		f->next = seq + 1;
	} else {
		/* Counted lost when the gap opened: it was only late. */
		f->reordered++;
		if (f->lost)
			f->lost--;
	}
}

__u64 cs_seq_lost(const struct cs_seq_flow *f, __u32 sent)
{
	return f->lost + (sent > f->next ? sent - f->next : 0);
}
