/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The CPU probe's memory kind: sequential loads, one per 64-byte line, over
 * a buffer several times the last-level cache, so a sample's work is a fixed
 * number of bytes from DRAM and its throughput follows the memory clock
 * (EMC on a Jetson), not the core clock.  These are the pieces probe.c and
 * `settle probe cpu` use, exposed for the unit tests.
 */
#ifndef SETTLE_PROBE_MEM_H
#define SETTLE_PROBE_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One load per line: the unit of work of a memory sample. */
#define PROBE_MEM_LINE		64U
/* Never smaller, whatever the LLC: also the default when it is unknown. */
#define PROBE_MEM_MIN_DEFAULT	(64ULL << 20)
/* Times the LLC: the default, and the floor without --force. */
#define PROBE_MEM_LLC_DEFAULT	4U
#define PROBE_MEM_LLC_FLOOR	2U
/* One page: below this not even --force runs. */
#define PROBE_MEM_MIN_BYTES	4096ULL

struct probe_mem {
	uint64_t *buf;		/* line i's probed word is buf[i * 8] */
	size_t bytes;		/* streamed: nlines * PROBE_MEM_LINE */
	size_t nlines;
	void *map;		/* the mapping, larger for 2 MiB alignment */
	size_t map_len;
	size_t pos;		/* next line to load */
	bool mlocked;		/* mlock() of the buffer succeeded */
	bool thp_advised;	/* madvise(MADV_HUGEPAGE) was accepted */
	uint64_t huge_bytes;	/* of it backed by huge pages, from smaps */
};

/*
 * Size of the highest-level data or unified cache of cpu0, from
 * ROOT/sys/devices/system/cpu/cpu0/cache/index* (ROOT NULL: "/").  The
 * largest one if a level has several.  0, or -errno with err filled.
 */
int probe_mem_llc_bytes(const char *root, uint64_t *out, char *err, size_t errlen);
/* max(4 x LLC, 64 MiB); 64 MiB when the LLC is unknown (0). */
uint64_t probe_mem_default_bytes(uint64_t llc);
/*
 * A byte count: decimal digits and an optional K, M or G (x 1024^n, either
 * case), nothing else.  Outside [min, max] is an error too.  0, or -1 with
 * err filled naming opt.
 */
int probe_mem_parse_bytes(const char *opt, const char *s, uint64_t min, uint64_t max,
			  uint64_t *out, char *err, size_t errlen);
/*
 * Whether BYTES can be streamed: at least a page, at most half the RAM,
 * and, unless force, at least 2 x LLC (llc 0: unknown, not checked).
 */
int probe_mem_check_bytes(uint64_t bytes, uint64_t llc, bool force,
			  char *err, size_t errlen);
/*
 * Maps, pre-faults (every line written, so every line has a known value:
 * line i holds i + 1) and, if try_lock, mlock()s BYTES rounded up to a
 * page.  Huge pages are asked for before the first touch.  0 or -errno.
 */
int probe_mem_alloc(struct probe_mem *m, uint64_t bytes, bool try_lock,
		    char *err, size_t errlen);
void probe_mem_free(struct probe_mem *m);
/*
 * n loads from m->pos on, wrapping at the end, folded into acc.  The
 * addresses do not depend on acc, so the loads overlap and the prefetcher
 * streams them; acc keeps every load live.
 */
uint64_t probe_mem_stream(struct probe_mem *m, uint32_t n, uint64_t acc);
/*
 * Lines per sample so that a sample streams for about work_ns, from the
 * best of a few timed runs; *line_ps (may be NULL) gets the ps per line.
 */
uint32_t probe_mem_calibrate(struct probe_mem *m, uint64_t work_ns, uint64_t *line_ps);

#endif /* SETTLE_PROBE_MEM_H */
