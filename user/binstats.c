// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <inttypes.h>
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

void bin_stats_print(FILE *f, const char *label, const struct bin_stats *bs)
{
	if (bs->n)
		fprintf(f, "%s p50 %" PRIu64 ", p1 %" PRIu64 ", min %" PRIu64
			", max %" PRIu64 "; %zu of %zu bins empty\n", label,
			bs->p50, bs->p1, bs->min, bs->max, bs->zero, bs->n);
	else
		fprintf(f, "%s - (fewer than 3 bins)\n", label);
}

void bin_stats_json(json_writer_t *w, const struct bin_stats *bs)
{
	jsonw_name(w, "work_per_bin");
	if (!bs->n) {
		jsonw_null(w);
		return;
	}
	jsonw_start_object(w);
	jsonw_uint_field(w, "p50", bs->p50);
	jsonw_uint_field(w, "p1", bs->p1);
	jsonw_uint_field(w, "min", bs->min);
	jsonw_uint_field(w, "max", bs->max);
	jsonw_uint_field(w, "empty_bins", bs->zero);
	jsonw_end_object(w);
}
