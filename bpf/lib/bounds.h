/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Bounds the verifier of every supported kernel accepts. */
#ifndef CS_BOUNDS_H
#define CS_BOUNDS_H

#include <linux/types.h>

/*
 * Verifier workaround (Linux 6.1): a bound that clang checks on a 32-bit
 * copy of an index, or proves and drops, does not reach the 64-bit register
 * the access uses there ("math between map_value pointer and register with
 * unbounded min value"). Check it in that very register, which the empty
 * asm makes opaque to clang, so the check stays and is the one the access
 * follows.
 */
#define CS_IN_BOUNDS(idx, n) ({						\
	__u64 __idx = (idx);						\
	asm volatile("" : "+r"(__idx));					\
	__idx < (n) ? (long)__idx : -1L;				\
})

#endif /* CS_BOUNDS_H */
