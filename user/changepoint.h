/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Throughput change-point detection: when did the workload see the new
 * level?  Pure functions over throughput bins, so they are unit-tested on
 * synthetic series.
 */
#ifndef SETTLE_CHANGEPOINT_H
#define SETTLE_CHANGEPOINT_H

#include <stddef.h>
#include <stdint.h>

struct cp_series {
	const uint32_t *work;	/* work per bin */
	size_t n;
	uint64_t t0_ns;		/* CLOCK_MONOTONIC start of work[0] */
	uint32_t bin_ns;
};

struct cp_params {
	uint64_t pre_ns;	/* old level: [t_req - pre_ns, t_req) */
	uint64_t post_from_ns;	/* new level: [t_req + post_from_ns, */
	uint64_t post_to_ns;	/*             t_req + post_to_ns) */
	double degenerate;	/* levels closer than this fraction: flag */
};

enum cp_status {
	CP_OK = 0,
	CP_DEGENERATE,		/* levels too close to tell apart */
	CP_NO_DATA,		/* a window has no bins (trace too short) */
	CP_NOT_FOUND,		/* no change inside the search window */
};

struct cp_result {
	enum cp_status status;
	uint64_t t_change_ns;	/* when the workload saw the new level */
	uint64_t bound_ns;	/* +- detection bound of t_change_ns */
	double pre_rate;	/* work per ns, old level */
	double post_rate;	/* work per ns, new level */
	uint64_t noise_ns;	/* the same statistic over a steady window */
};

void cp_default_params(struct cp_params *p);
int cp_detect(const struct cp_series *s, uint64_t t_req_ns,
	      const struct cp_params *p, struct cp_result *r);
const char *cp_status_str(enum cp_status st);

#endif /* SETTLE_CHANGEPOINT_H */
