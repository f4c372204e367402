/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Workload stall: how long the measured CPU's workload stopped making
 * progress around a transition, as opposed to the driver call (PRE->POST),
 * which is the caller's blocking time.  Documentation/analysis.rst.
 */
#ifndef SETTLE_WSTALL_H
#define SETTLE_WSTALL_H

#include <stdint.h>
#include "changepoint.h"

/*
 * Largest lost time, in ns, of any run of whole-or-partial bins in
 * [t_from, t_to) against a workload that runs at `rate` (work per ns):
 * max over bin runs of sum(bin_ns - work / rate), never below 0.  A bin
 * that did all its work at `rate` loses nothing; one that did none loses
 * its whole width.  Returns 0 when rate <= 0 or the range holds no bin.
 */
uint64_t ws_lost_ns(const struct cp_series *s, uint64_t t_from, uint64_t t_to,
		    double rate);

#endif /* SETTLE_WSTALL_H */
