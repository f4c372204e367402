/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The BPF capture shared by `settle record` and `settle step`: check the
 * tracepoint layouts, load and attach the programs, and move ring-buffer
 * records into a trace writer.  Single-threaded: the caller polls.
 */
#ifndef SETTLE_RECORDER_H
#define SETTLE_RECORDER_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <linux/types.h>
#include "record.h"
#include "trace.h"

/* Writers flush at least this often, so a SIGKILL loses at most this much. */
#define RECORDER_FLUSH_INTERVAL_NS	(200ULL * 1000 * 1000)

struct recorder;

struct recorder_stats {
	uint64_t records;
	uint64_t by_type[SETTLE_REC_TYPES];	/* enum settle_rec_type */
	uint64_t lost;				/* cumulative: lost_ring + lost_recursion */
	uint64_t lost_ring;			/* found the ring buffer full */
	uint64_t lost_recursion;		/* not run: another BPF program was
						 * running on that CPU */
	bool recursion_counted;			/* the kernel counts those (>= 6.7) */
};

/* What to record; recorder_open(..., NULL) records everything. */
struct recorder_filter {
	uint32_t domain_mask;	/* bit per enum settle_domain */
	int only_domain;	/* >= 0: of this domain, only device only_dev */
	uint32_t only_dev;
	uint32_t ring_bytes;	/* ring buffer size; 0: SETTLE_RINGBUF_BYTES */
};

/*
 * Finds tracefs, decides the source (settle.ko when its events exist, else
 * the power:* fallback, CPU only, announced with a loud warning;
 * `require_settle` refuses the fallback, and so does a filter without the
 * CPU domain), checks every event's layout and loads the programs.  Errors
 * are printed; returns NULL.
 */
struct recorder *recorder_open(bool require_settle, bool verbose,
			       const struct recorder_filter *flt);
bool recorder_uses_settle(const struct recorder *r);
const char *recorder_source(const struct recorder *r);	/* trace env source */
const char *recorder_events(const struct recorder *r);	/* "settle:a, settle:b" */

/* Starts feeding `w` and attaches the programs. */
int recorder_attach(struct recorder *r, struct trace_writer *w);
/* Waits up to timeout_ms for data (0: just consume what is there). */
int recorder_poll(struct recorder *r, int timeout_ms);
/* Emits a `lost` event if the counter grew, then flushes the packet. */
int recorder_sync(struct recorder *r);
/* Detaches, drains what is left and syncs; the writer stays open. */
int recorder_finish(struct recorder *r);
const struct recorder_stats *recorder_stats(const struct recorder *r);
/* Whether lost will count the events no program ran for (trace_meta). */
bool recorder_counts_skips(const struct recorder *r);
void recorder_free(struct recorder *r);

static inline uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

#endif /* SETTLE_RECORDER_H */
