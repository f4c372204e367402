/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The GPU probe, host side: loads libcuda.so.1 at run time, launches one of
 * the persistent kernels of cuda/probe.cu, maps %globaltimer onto
 * CLOCK_MONOTONIC with a measured bound, and drains the kernel's sample
 * ring into throughput bins in the CPU probe's format (probe.h): bins[i] is
 * the work (units) of samples whose CLOCK_MONOTONIC time falls in
 * [t0 + i * bin_ns, t0 + (i + 1) * bin_ns), so changepoint.h applies as is.
 *
 * A campaign uses it like the CPU probe: gpuprobe_start(), read bins while
 * it runs (gpuprobe_bins_done() / gpuprobe_bins(), from any thread), poll
 * gpuprobe_failed(), then gpuprobe_stop() and gpuprobe_free().  Add
 * gpuprobe_time_bound_ns() to every detection bound: it is what the clock
 * mapping can be off by.
 */
#ifndef SETTLE_GPUPROBE_H
#define SETTLE_GPUPROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum gpuprobe_kind {
	GPUPROBE_COMPUTE,	/* one warp, dependent multiply-add chain: GPU clock */
	GPUPROBE_MEMORY,	/* every SM streams a buffer > L2: memory clock */
};

struct gpuprobe_config {
	enum gpuprobe_kind kind;
	int device;			/* CUDA device ordinal */
	uint32_t bin_ns;		/* width of one throughput bin */
	uint64_t capacity_ns;		/* bins are preallocated for this long */
	uint32_t target_period_ns;	/* aim: one sample this often (0: 1500) */
	uint64_t stall_ns;		/* no sample this long: error (0: 200 ms) */
	uint64_t max_dropped;		/* samples the ring may drop before the
					 * run fails (overflow); default 0 */
	uint32_t ring_cap;		/* records, power of two (0: 1 << 18) */
	uint32_t align_rounds;		/* ping-pongs per alignment (0: 200) */
	/* Device code; NULL: $SETTLE_GPU_FATBIN, else the embedded fatbin. */
	const void *image;
	size_t image_len;
};

struct gpuprobe_info {
	char name[128];			/* the GPU */
	int cc_major, cc_minor;
	int sms;
	bool integrated;		/* shares memory with the CPU (Jetson) */
	int driver_version;		/* e.g. 12060 */
	char code[128];			/* what the fatbin holds */
	uint32_t blocks, threads;	/* launch shape */
	uint32_t iters;			/* work per unit, calibrated */
	uint64_t buf_bytes;		/* memory kind: streamed buffer */
};

struct gpuprobe_stats {
	uint64_t samples;		/* records drained during the run */
	uint64_t units;			/* work units the grid did meanwhile */
	/* %globaltimer between consecutive samples (quantised by its step) */
	uint64_t period_p50_ns, period_p99_ns, period_max_ns;
	uint64_t period_mean_ns;	/* span / (samples - 1): not quantised */
	uint64_t dropped;		/* records the kernel skipped: ring full */
	uint64_t dropped_bins;		/* past capacity_ns: counted, not kept */
	/* %globaltimer update interval seen by the kernel */
	uint64_t gt_step_min_ns, gt_step_max_ns, gt_step_mean_ns;
	int64_t offset_ns;		/* %globaltimer - CLOCK_MONOTONIC, at start */
	uint64_t align_rtt_ns;		/* tightest ping-pong round trip */
	uint64_t align_bound_ns;	/* +- error of the mapping, start and end */
	int64_t drift_ns;		/* end offset - start offset (0: not measured) */
	bool drift_measured;
	uint64_t clock_khz;		/* SM clock from clock64 / %globaltimer; 0:
					 * samples came from more than one SM */
};

struct gpuprobe;

/*
 * Loads the driver, calibrates the work per unit, aligns the clocks and
 * starts draining.  On failure returns -1 with err beginning "no GPU
 * probe: " when no GPU probe is possible here at all (no driver, no
 * device, no code for this GPU), else with what failed.
 */
int gpuprobe_start(const struct gpuprobe_config *cfg, struct gpuprobe **out,
		   char *err, size_t errlen);
/*
 * What gpuprobe_start() checks before it launches anything: the driver
 * loads, the device exists and can map host memory, and the device code
 * loads on it; then everything is let go.  Same errors ("no GPU probe:
 * ..." where none is possible); info (may be NULL) gets the device.  For a
 * caller that must know before it changes anything else.
 */
int gpuprobe_check(const struct gpuprobe_config *cfg, struct gpuprobe_info *info,
		   char *err, size_t errlen);
const struct gpuprobe_info *gpuprobe_info(const struct gpuprobe *gp);
uint64_t gpuprobe_t0_ns(const struct gpuprobe *gp);
uint32_t gpuprobe_bin_ns(const struct gpuprobe *gp);
size_t gpuprobe_bins_done(const struct gpuprobe *gp);
const uint32_t *gpuprobe_bins(const struct gpuprobe *gp);
/* The start alignment's bound plus one %globaltimer step; after
 * gpuprobe_stop() also the end alignment's excess and the drift. */
uint64_t gpuprobe_time_bound_ns(const struct gpuprobe *gp);
/* Non-zero once the run has failed (sticky error, overflow, stall); err
 * gets why.  The bins up to the failure stay readable. */
int gpuprobe_failed(const struct gpuprobe *gp, char *err, size_t errlen);
/*
 * Stops the kernel (aligning once more to measure drift) and fills st.
 * Returns -1 with err if the run failed at any point: the stats are then
 * partial and must not be reported as a measurement.
 */
int gpuprobe_stop(struct gpuprobe *gp, struct gpuprobe_stats *st,
		  char *err, size_t errlen);
/* Stops if needed and releases everything, the GPU context included. */
void gpuprobe_free(struct gpuprobe *gp);

const char *gpuprobe_kind_str(enum gpuprobe_kind k);

#endif /* SETTLE_GPUPROBE_H */
