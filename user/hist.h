/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Log-linear histogram of sample periods: 16 sub-buckets per power of two,
 * so a percentile is within 1/16 (6%) of the true value, with no
 * per-sample storage.  Shared by the CPU and the GPU probe.
 */
#ifndef SETTLE_HIST_H
#define SETTLE_HIST_H

#include <stdint.h>

#define HIST_SUB_BITS	4
#define HIST_SUB	(1U << HIST_SUB_BITS)
#define HIST_BUCKETS	((64 - HIST_SUB_BITS + 1) * HIST_SUB)

/* Inline: it sits on the probes' fast paths. */
static inline unsigned int hist_bucket(uint64_t v)
{
	unsigned int e;

	if (v < HIST_SUB)
		return (unsigned int)v;
	e = 63U - (unsigned int)__builtin_clzll(v);
	return (e - HIST_SUB_BITS + 1) * HIST_SUB +
	       (unsigned int)((v >> (e - HIST_SUB_BITS)) & (HIST_SUB - 1));
}

/*
 * The element at floor(permille/1000 * (n - 1)), the report's lower-rank
 * rule, as the largest value of its bucket: errs on the long side.
 */
uint64_t hist_percentile(const uint64_t *h, uint64_t n, unsigned int permille);

#endif /* SETTLE_HIST_H */
