/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The jetson-latency-lab harness's own definitions of stall and settle,
 * applied to a trace's probe_samples (settle import --format jll), for
 * `settle report --method jll`.  Documentation/import.rst.
 */
#ifndef SETTLE_JLL_H
#define SETTLE_JLL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "analyze.h"
#include "json_writer.h"

#define JLL_PRE_NS	120000000ULL	/* pre level: [t - 120 ms, t) */
#define JLL_TRANS_NS	100000000ULL	/* transient: [t, t + 100 ms) */
#define JLL_POST_NS	200000000ULL	/* post level: [t + 100 ms, t + 200 ms) */

struct jll_pair {
	const char *domain;
	uint32_t from_khz, to_khz;
	size_t n;		/* transitions with all three windows */
	size_t dropped;		/* measured transitions without */
	size_t n_settle;	/* with a settle */
	size_t no_settle;	/* degenerate levels, or no run of 3 found */
	double stall_p50, stall_p95, noise_p95;		/* ns */
	double settle_p50, settle_p95;			/* ns, if n_settle */
};

struct jll_result {
	struct jll_pair *p;	/* one per (domain, from, to) of a->g */
	size_t np;
	uint64_t samples;
};

/* Reads the trace's probe_samples once more; `a` is the finished analysis.
 * Returns 0, or -1 with err set. */
int jll_analyse(const char *dir, const struct analysis *a, struct jll_result *r,
		char *err, size_t errlen);
void jll_free(struct jll_result *r);
void jll_text(FILE *out, const struct analysis *a, const struct jll_result *r);
void jll_json(json_writer_t *w, const struct analysis *a, const struct jll_result *r);
/* statistics.median and sorted(xs)[int(0.95 * (n - 1))], as the harness;
 * both sort v. */
double jll_median(double *v, size_t n);
double jll_p95(double *v, size_t n);

#endif /* SETTLE_JLL_H */
