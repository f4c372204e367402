// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "hist.h"

/* Largest value that falls in bucket b. */
static uint64_t hist_upper(unsigned int b)
{
	unsigned int e, sub;

	if (b < HIST_SUB)
		return b;
	e = b / HIST_SUB + HIST_SUB_BITS - 1;
	sub = b % HIST_SUB;
	if (e >= 63 && sub == HIST_SUB - 1)
		return UINT64_MAX;
	return ((uint64_t)(HIST_SUB + sub + 1) << (e - HIST_SUB_BITS)) - 1;
}

uint64_t hist_percentile(const uint64_t *h, uint64_t n, unsigned int permille)
{
	uint64_t rank, seen = 0;

	if (!n)
		return 0;
	rank = (uint64_t)((unsigned __int128)permille * (n - 1) / 1000);
	for (unsigned int b = 0; b < HIST_BUCKETS; b++) {
		seen += h[b];
		if (seen > rank)
			return hist_upper(b);
	}
	return 0;
}
