/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Probe throughput level changes, found online over fixed windows so the
 * streaming analyser and the whole-trace one find the same ones.  Whether a
 * request explains a change is decided later (user/insight.c).
 */
#ifndef SETTLE_LEVELS_H
#define SETTLE_LEVELS_H

#include <stddef.h>
#include <stdint.h>

/* Windows of this width, levels steady to 10 %, a change when they differ
 * by 20 % (the change point's degenerate rule). */
#define LEVEL_WINDOW_NS	10000000ULL

struct level_change {
	uint64_t t_window_ns;	/* start of the window holding the change */
	uint32_t cpu;
	double ratio;		/* level after / level before */
};

struct levels {
	struct level_change *lc;
	size_t n, cap;
};

/* One CPU's contiguous run of probe bins, fed bin by bin. */
struct level_det {
	uint32_t cpu, bin_ns, per;	/* per: bins in a window (0: too wide) */
	uint64_t t0_ns, bins, sum;
	uint64_t done;			/* windows completed */
	uint64_t next_j;		/* first window that may hold a change */
	double r[5];			/* the last five windows' rates, newest last */
};

void level_det_start(struct level_det *d, uint32_t cpu, uint64_t t0_ns, uint32_t bin_ns);
/* -1 only when out of memory. */
int level_det_bin(struct level_det *d, uint32_t work, struct levels *out);
int levels_scan(struct levels *out, uint32_t cpu, uint64_t t0_ns, uint32_t bin_ns,
		const uint32_t *w, size_t n);
void levels_free(struct levels *l);

#endif /* SETTLE_LEVELS_H */
