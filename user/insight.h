/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What `settle report` adds on top of the per-pair statistics: the from-to
 * matrix, clustering of slow transitions and frequency changes that no
 * request explains.  Documentation/analysis.rst defines them.
 */
#ifndef SETTLE_INSIGHT_H
#define SETTLE_INSIGHT_H

#include <stdio.h>
#include "analyze.h"
#include "json_writer.h"

enum { IM_EFFECTIVE, IM_THROUGHPUT, IM_DRIVER, IM_WSTALL, IM_N };

struct insight_cluster {
	const char *domain;
	unsigned int metric;		/* IM_* */
	uint64_t n;			/* measured transitions with the metric */
	uint64_t slow;			/* above their own pair's p95 */
	uint64_t with_next;		/* slow, and the device's next one has it */
	uint64_t slow_next;		/* ... and that one is slow too */
};

enum ux_kind {
	UX_PROBE_LEVEL,		/* throughput level moved, no request near */
	UX_UNREQUESTED,		/* PRE/POST in a campaign without its step */
	UX_LIMITS,		/* the policy's limits changed */
};

struct insight_ux {
	uint64_t t_ns;
	const char *domain;
	uint32_t cpu;
	enum ux_kind kind;
	uint32_t a_khz, b_khz;	/* from/to, or limits min/max */
	double ratio;		/* probe level after / before */
};

struct insight {
	struct insight_cluster *cl;
	size_t ncl;
	struct insight_ux *ux;
	size_t nux, cap_ux;
};

int insight_compute(const struct analysis *a, struct insight *in);
void insight_free(struct insight *in);
const char *insight_metric_name(unsigned int m);
/* The rates of one domain's pairs, ascending, at most max; returns how many. */
size_t insight_rates(const struct analysis *a, const char *dom, uint32_t *r, size_t max);
const char *insight_ux_kind(enum ux_kind k);
/* The keys every per-pair JSON object starts with: domain, from_khz,
 * to_khz, direction. */
void json_pair_key(json_writer_t *w, const char *domain, uint32_t from_khz, uint32_t to_khz);
void insight_text(FILE *out, const struct analysis *a, const struct insight *in);
void insight_json(json_writer_t *w, const struct analysis *a, const struct insight *in);

#endif /* SETTLE_INSIGHT_H */
