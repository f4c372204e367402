/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * An analysed trace as a Perfetto trace (Trace / TracePacket / TrackEvent,
 * protobuf).  Documentation/export.rst lists the tracks; the field numbers
 * are those of tests/export/perfetto_subset.proto.
 */
#ifndef SETTLE_PERFETTO_H
#define SETTLE_PERFETTO_H

#include <stdint.h>
#include <stdio.h>
#include "analyze.h"

/*
 * Write `a` (after analysis_finish()) to `f`.  Probe throughput is summed
 * into counter samples of `bin_ns` (a multiple of the probe's bins is not
 * required: each probe bin goes to the sample its start falls in).
 * Returns 0, or -1 with `err` set.
 */
int perfetto_write(const struct analysis *a, FILE *f, uint64_t bin_ns,
		   char *err, size_t errlen);

#endif /* SETTLE_PERFETTO_H */
