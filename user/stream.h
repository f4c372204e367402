/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The streaming analyser: the same results as trace_read_dir() +
 * analysis_finish(), with the probe's bins held only for the analysis
 * window around the transitions still to be analysed.
 */
#ifndef SETTLE_STREAM_H
#define SETTLE_STREAM_H

#include "analyze.h"
#include "trace.h"

/*
 * Two passes over the trace: the first collects everything but probe bins
 * and pairs the transitions, the second runs each transition's probe
 * analysis as soon as the bins reach past its window.  `a` must be
 * analysis_init()ed; a->seg stays empty (the exporters that draw bins use
 * analysis_finish()).  Returns 0, or -1 with `err` set.
 */
int analysis_stream(const char *dir, struct analysis *a, struct trace_info *ti,
		    struct trace_stream_result *res, char *err, size_t errlen);

/*
 * The whole-trace analysis with the same interface: every event kept
 * (a->seg holds all bins, for the exporters that draw them).
 */
int analysis_read_whole(const char *dir, struct analysis *a, struct trace_info *ti,
			struct trace_stream_result *res, char *err, size_t errlen);

#endif /* SETTLE_STREAM_H */
