/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Workload stall: how long the measured CPU's workload stopped making
 * progress around a transition, as opposed to the driver call (PRE->POST),
 * which is the caller's blocking time.  Documentation/analysis.rst.
 */
#ifndef SETTLE_WSTALL_H
#define SETTLE_WSTALL_H

#include <stddef.h>
#include <stdint.h>
#include "changepoint.h"

/*
 * The level a bin is held to: `before` for bins that end by `t_lo`,
 * `after` for bins that start at or after `t_hi`, and the slower of the two
 * in between, where the change point's bound leaves open which level the
 * workload ran at.  before == after: one level everywhere.
 */
struct ws_levels {
	double before, after;	/* work per ns */
	uint64_t t_lo, t_hi;
};

/*
 * Largest lost time, in ns, of any run of bins in [t_from, t_to) (the bin
 * holding t_from included): max over bin runs of sum(bin_ns - work / level),
 * never below 0.  A bin that did all its work at its level loses nothing;
 * one that did none loses its whole width.  Returns 0 when a level is not
 * positive or the range holds no bin.
 */
uint64_t ws_lost_ns(const struct cp_series *s, uint64_t t_from, uint64_t t_to,
		    const struct ws_levels *lv);
/* The same, also giving the run's bins [*i0, *i1) (empty when 0). */
uint64_t ws_lost_run(const struct cp_series *s, uint64_t t_from, uint64_t t_to,
		     const struct ws_levels *lv, size_t *i0, size_t *i1);
/* The level ws_lost_ns() holds bin i to. */
double ws_level(const struct cp_series *s, const struct ws_levels *lv, size_t i);

#endif /* SETTLE_WSTALL_H */
