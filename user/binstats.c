// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdlib.h>
#include <string.h>
#include "binstats.h"

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int bin_stats(const uint32_t *bins, size_t n, struct bin_stats *bs)
{
	uint32_t *v;
	size_t m;

	*bs = (struct bin_stats){ 0 };
	if (n < 3)
		return 0;
	m = n - 2;
	v = malloc(m * sizeof(*v));
	if (!v)
		return -1;
	memcpy(v, bins + 1, m * sizeof(*v));
	qsort(v, m, sizeof(*v), cmp_u32);
	bs->n = m;
	bs->min = v[0];
	bs->p1 = v[(m - 1) * 10 / 1000];
	bs->p50 = v[(m - 1) * 500 / 1000];
	bs->max = v[m - 1];
	for (size_t i = 0; i < m && !v[i]; i++)
		bs->zero++;
	free(v);
	return 0;
}
