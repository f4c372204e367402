/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The CPU probe: a loop pinned on the measured CPU that turns "how much work
 * got done when" into throughput bins.  Its compute kind is a dependent
 * chain (follows the core clock), its memory kind streams a buffer larger
 * than the last-level cache (follows the memory clock, see probe_mem.h).
 * Everything it needs is allocated and locked before it starts; the loop
 * does no I/O and no allocation.
 */
#ifndef SETTLE_PROBE_H
#define SETTLE_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROBE_DEFAULT_BIN_NS	10000U

enum probe_kind {
	PROBE_COMPUTE,	/* dependent LCG chain: work is chain steps */
	PROBE_MEMORY,	/* streaming loads: work is 64-byte lines loaded */
};

struct probe_config {
	int cpu;		/* CPU to pin the probe thread on */
	uint32_t bin_ns;	/* width of one throughput bin, ns */
	uint64_t capacity_ns;	/* bins are preallocated for this long */
	bool want_fifo;		/* try SCHED_FIFO; fall back with a warning */
	bool skip_mlock;	/* leave memory unlocked (sanitizer builds) */
	/* Added for the memory kind; zero is the compute probe as before. */
	enum probe_kind kind;
	uint64_t buffer_bytes;	/* memory kind; 0: max(4 x LLC, 64 MiB) */
};

struct probe_stats {
	uint64_t samples;		/* chunks the loop completed */
	uint32_t iters_per_sample;	/* dependent-chain steps per chunk */
	uint64_t period_p50_ns;		/* chunk duration (the sample period) */
	uint64_t period_p99_ns;
	uint64_t period_max_ns;
	uint64_t dropped_bins;		/* past capacity_ns: counted, not kept */
	bool fifo;			/* ran under SCHED_FIFO */
	bool mlocked;			/* memory was locked */
	/* Added for the memory kind: iters_per_sample is then lines per
	 * chunk (PROBE_MEM_LINE bytes each), the bins hold lines. */
	enum probe_kind kind;
	uint64_t buffer_bytes;		/* streamed buffer; 0 for compute */
	uint64_t llc_bytes;		/* last-level cache; 0 unknown/compute */
	uint64_t huge_bytes;		/* of the buffer on huge pages */
	uint64_t line_ps;		/* calibration: ps per line, best run */
	bool buffer_mlocked;		/* the buffer itself was mlock()ed */
};

struct probe;

/* Starts the probe thread; on failure returns -errno and fills err. */
int probe_start(const struct probe_config *cfg, struct probe **out,
		char *err, size_t errlen);
/* CLOCK_MONOTONIC start of bin 0. */
uint64_t probe_t0_ns(const struct probe *p);
uint32_t probe_bin_ns(const struct probe *p);
/*
 * Bins completed so far; may be called from another thread while the probe
 * runs.  bins[i] is the work (chain steps) of chunks that ended in
 * [t0 + i * bin_ns, t0 + (i + 1) * bin_ns).
 */
size_t probe_bins_done(const struct probe *p);
const uint32_t *probe_bins(const struct probe *p);
/* Stops and joins the thread, fills st; the bins stay readable. */
int probe_stop(struct probe *p, struct probe_stats *st);
void probe_free(struct probe *p);

struct trace_writer;
/*
 * Writes bins [from, to) as probe_bins events (16 bins each) for CPU
 * cfg->cpu; to must not exceed probe_bins_done().  Returns what
 * trace_writer_add() returned.
 */
int probe_trace_bins(struct trace_writer *w, const struct probe *p,
		     size_t from, size_t to);
/* One probe_info event carrying st, timestamped ts_ns. */
int probe_trace_info(struct trace_writer *w, const struct probe *p,
		     const struct probe_stats *st, uint64_t ts_ns);
/* CPU the probe is pinned on. */
int probe_cpu(const struct probe *p);
/* "compute" or "memory". */
const char *probe_kind_str(enum probe_kind k);

#endif /* SETTLE_PROBE_H */
