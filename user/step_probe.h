/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The throughput probe of a campaign (`settle step --probe`), whichever it
 * is: the CPU probe (probe.h, kinds cpu and cpu-memory) or the GPU probe
 * (gpuprobe.h, kinds gpu-compute and gpu-memory).  step.c runs it through
 * this interface only, and so can a test without /dev/settle: start, write
 * its bins into the trace while the campaign runs, then stop and write its
 * probe_info.  A GPU probe's bins are CLOCK_MONOTONIC bins (its samples
 * mapped through the measured %globaltimer alignment) tagged with their
 * kind and CUDA device; its probe_info carries the alignment bound, the
 * %globaltimer step and the time bound the report adds to every detection
 * bound (Documentation/analysis.rst).
 */
#ifndef SETTLE_STEP_PROBE_H
#define SETTLE_STEP_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "step.h"

struct trace_writer;
struct step_prober;

struct step_probe_config {
	enum step_probe probe;		/* not STEP_PROBE_NONE */
	int cpu;			/* CPU kinds: the CPU it is pinned on */
	int gpu;			/* GPU kinds: the CUDA device */
	uint32_t bin_ns;
	uint64_t capacity_ns;		/* bins are preallocated for this long */
	bool want_fifo;			/* CPU kinds: try SCHED_FIFO */
	/* GPU kinds, tests only: device code (NULL: as gpuprobe.h says) */
	const void *image;
	size_t image_len;
};

static inline bool step_probe_is_gpu(enum step_probe p)
{
	return p == STEP_PROBE_GPU_COMPUTE || p == STEP_PROBE_GPU_MEMORY;
}

/*
 * Whether the probe can run here at all, without starting it: for a GPU
 * kind, loads the driver, opens the device and loads the device code, then
 * lets go.  Fails with err "no GPU probe: <reason>" where none is
 * possible.  CPU kinds: always 0 (probe_start() says what is wrong).
 * settle step calls it before it touches /dev/settle.
 */
int step_probe_check(const struct step_probe_config *c, char *err, size_t errlen);
/* Starts it: samples flow when it returns.  err says why not. */
int step_probe_start(const struct step_probe_config *c, struct step_prober **out,
		     char *err, size_t errlen);
/*
 * Writes the bins completed since the last call as probe_bins events:
 * whole events only, unless `final` (then the tail too).  Returns what
 * trace_writer_add() returned (trace_writer_error() says why).
 */
int step_probe_write_bins(struct step_prober *p, struct trace_writer *w, bool final);
size_t step_probe_bins_written(const struct step_prober *p);
/* Non-zero once a GPU probe has failed (the campaign must stop); err why. */
int step_probe_failed(const struct step_prober *p, char *err, size_t errlen);
/*
 * Stops the probe, writes its last bins and one probe_info event at
 * ts_ns.  Returns -1 with err if the probe failed (the probe_info is still
 * written, status failed, and says how far the bins can be trusted: up to
 * where the failure was seen), -2 if the trace could not be written
 * (trace_writer_error()), 0 otherwise.
 */
int step_probe_finish(struct step_prober *p, struct trace_writer *w, uint64_t ts_ns,
		      char *err, size_t errlen);
/* One line for settle step's summary ("123 samples, ... "). */
void step_probe_summary(const struct step_prober *p, char *buf, size_t len);
/* The GPU probe's time bound (0 for a CPU probe), after finish: final. */
uint64_t step_probe_time_bound_ns(const struct step_prober *p);
void step_probe_free(struct step_prober *p);

#endif /* SETTLE_STEP_PROBE_H */
