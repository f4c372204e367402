/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Turn trace events into transitions (PRE/POST paired by id) and
 * per-(domain, from, to) stall statistics.  No I/O, so it is unit-testable.
 */
#ifndef SETTLE_ANALYZE_H
#define SETTLE_ANALYZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "trace.h"

struct xition {
	const char *domain;
	uint64_t id;		/* 0 in fallback traces */
	uint64_t t_request_ns;	/* PRE time (fallback: cpu_frequency time) */
	uint64_t stall_ns;	/* POST - PRE; valid only if has_stall */
	uint32_t cpu;
	uint32_t from_khz, to_khz;
	bool has_stall;
};

struct pair_stats {
	const char *domain;
	uint32_t from_khz, to_khz;
	uint64_t n;
	bool has_stall;
	uint64_t p50_ns, p95_ns, p99_ns, max_ns;
};

struct cf_ev {
	uint64_t id, ts_ns;
	uint32_t cpu, old_khz, new_khz;
};

struct fq_ev {
	uint64_t ts_ns, seq;
	uint32_t cpu, khz;
};

struct analysis {
	/* collected by analysis_add() */
	struct cf_ev *pre, *post;
	size_t npre, npost, cap_pre, cap_post;
	struct fq_ev *fq;
	size_t nfq, cap_fq;
	uint64_t lost_total;		/* highest `total` of lost events */

	/* computed by analysis_finish() */
	struct xition *x;		/* ordered by t_request_ns */
	size_t nx;
	struct pair_stats *g;		/* ordered by domain, from, to */
	size_t ng;
	uint64_t unpaired_pre;
	uint64_t unpaired_post;
	uint64_t inconsistent;		/* same id, but POST before PRE or other freqs */
	uint64_t fq_initial;		/* first cpu_frequency per CPU: no "from" */
};

void analysis_init(struct analysis *a);
void analysis_free(struct analysis *a);
/* trace_event_cb-compatible; returns -1 only when out of memory. */
int analysis_add(const struct trace_event *ev, void *a);
int analysis_finish(struct analysis *a);

/* p = sorted[floor(permille * (n - 1) / 1000)]; n must be > 0. */
uint64_t percentile(const uint64_t *sorted, size_t n, unsigned int permille);
const char *direction(uint32_t from_khz, uint32_t to_khz);

#endif /* SETTLE_ANALYZE_H */
