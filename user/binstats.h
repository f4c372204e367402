/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Summary of a probe's throughput bins, shared by `settle probe cpu|gpu`. */
#ifndef SETTLE_BINSTATS_H
#define SETTLE_BINSTATS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "json_writer.h"

struct bin_stats {
	size_t n;
	uint64_t p50, p1, max, min;	/* work per bin */
	size_t zero;			/* bins with no work at all: gaps */
};

/* The first and the last (partial) bin are left out; -1: out of memory. */
int bin_stats(const uint32_t *bins, size_t n, struct bin_stats *bs);
/* "LABEL p50 .., p1 .., min .., max ..; N of M bins empty" and a newline. */
void bin_stats_print(FILE *f, const char *label, const struct bin_stats *bs);
/* A "work_per_bin" field: the summary as an object, null without bins. */
void bin_stats_json(json_writer_t *w, const struct bin_stats *bs);

#endif /* SETTLE_BINSTATS_H */
