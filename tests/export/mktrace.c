// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A synthetic CPU step campaign with a known truth, for the export, plot
 * and bench stages (no VM needed):
 *
 *   mktrace DIR N [SEED [u]]   writes the trace to DIR, the truth as CSV to
 *                              stdout; with `u`, also changes no request
 *                              explains (listed on stderr)
 *
 * N transitions on CPU 1 between 115.2, 729.6 and 1728 MHz, 60-100 ms
 * apart, each with request, PRE/POST (driver call 30-80 us), a settled
 * effective change 0.6-1.2 ms after the request, the probe's level change
 * 1.0-1.6 ms after it and a workload hiccup of 10-60 us 0.2-0.5 ms after
 * it; probe bins of 10 us with +-1 % noise; the first step a warm-up.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "trace.h"

#define BIN	10000ULL
#define MS	1000000ULL

static uint64_t rng;

static uint64_t rnd(uint64_t lo, uint64_t hi)	/* [lo, hi] */
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return lo + (rng >> 33) % (hi - lo + 1);
}

static struct trace_writer *w;

static void add(uint32_t id, uint64_t ts, const uint64_t *f)
{
	if (trace_writer_add(w, id, ts, f)) {
		fprintf(stderr, "mktrace: %s\n", trace_writer_error(w));
		exit(1);
	}
}

/* Probe state: bins from t0 up to (not including) `upto` are written. */
static uint64_t pb_next;
static uint32_t pb_buf[TRACE_PROBE_BINS_PER_EVENT];
static unsigned int pb_n;
static uint64_t pb_t0;

static void flush_bins(void)
{
	uint64_t f[TRACE_MAX_FIELDS] = { 0 };

	if (!pb_n)
		return;
	f[PB_T0_NS] = pb_t0, f[PB_CPU] = 1, f[PB_BIN_NS] = BIN, f[PB_N] = pb_n;
	for (unsigned int i = 0; i < pb_n; i++)
		f[PB_W0 + i] = pb_buf[i];
	add(TEV_PROBE_BINS, pb_t0, f);
	pb_n = 0;
}

/* From this time until the next bins_until(), the workload runs at half
 * speed: a firmware cap no request explains. */
static uint64_t halve_from = UINT64_MAX;

/* Work of bin [t, t + BIN): level `khz` before `tc`, `khz2` after, minus
 * the hiccup [h0, h1). */
static void bins_until(uint64_t upto, uint32_t khz, uint32_t khz2, uint64_t tc,
		       uint64_t h0, uint64_t h1)
{
	for (; pb_next < upto; pb_next += BIN) {
		uint64_t t = pb_next, e = t + BIN, lo, hi;
		double work = 0, k1 = khz / 1728.0, k2 = khz2 / 1728.0;	/* work/ns x1000 */

		if (tc <= t)
			work = k2 * BIN;
		else if (tc >= e)
			work = k1 * BIN;
		else
			work = k1 * (double)(tc - t) + k2 * (double)(e - tc);
		lo = h0 > t ? h0 : t;
		hi = h1 < e ? h1 : e;
		if (hi > lo)
			work -= (tc <= lo ? k2 : k1) * (double)(hi - lo);
		if (t >= halve_from)
			work /= 2;
		work *= 1.0 + ((double)rnd(0, 2000) - 1000.0) / 100000.0;
		if (!pb_n)
			pb_t0 = t;
		pb_buf[pb_n++] = (uint32_t)(work / 1000.0 + 0.5);
		if (pb_n == TRACE_PROBE_BINS_PER_EVENT)
			flush_bins();
	}
}

int main(int argc, char **argv)
{
	static const uint32_t rates[3] = { 115200, 729600, 1728000 };
	struct trace_meta m = { .hostname = "synthetic", .kernel_release = "none",
				.machine = "synthetic", .settle_version = "mktrace",
				.source = "settle.ko" };
	uint64_t f[TRACE_MAX_FIELDS], t, n;
	uint32_t cur = 1728000;
	char err[256];

	bool unexplained = argc == 5 && !strcmp(argv[4], "u");

	if (argc < 3 || argc > 5) {
		fprintf(stderr, "usage: mktrace DIR N [SEED [u]]\n");
		return 2;
	}
	n = strtoull(argv[2], NULL, 10);
	rng = argc == 4 ? strtoull(argv[3], NULL, 10) : 1;
	w = trace_writer_open(argv[1], &m, true, err, sizeof(err));
	if (!w) {
		fprintf(stderr, "mktrace: %s\n", err);
		return 1;
	}
	printf("id,from_khz,to_khz,t_request_ns,driver_call_ns,t_effective_ns,t_change_ns,"
	       "workload_stall_ns\n");
	t = 1000 * MS;
	pb_next = t - 50 * MS;
	for (uint64_t i = 0; i < n; i++) {
		uint32_t to = rates[rnd(0, 2)];
		uint64_t id = i + 1, drv = rnd(30000, 80000), pre = t + 5000;
		uint64_t eff = t + rnd(600000, 1200000), tc = t + rnd(1000000, 1600000);
		uint64_t h0 = t + rnd(200000, 500000), h1 = h0 + rnd(10000, 60000);
		uint64_t next = t + rnd(60, 100) * MS;

		while (to == cur)
			to = rates[rnd(0, 2)];
		halve_from = UINT64_MAX;
		if (unexplained && i == n / 3) {
			halve_from = t + 30 * MS;
			fprintf(stderr, "probe_level %" PRIu64 "\n", halve_from);
		}
		bins_until(next, cur, to, tc, h0, h1);
		memset(f, 0, sizeof(f));
		f[RQ_ID] = id, f[RQ_TS_NS] = t, f[RQ_DEV] = 1;
		f[RQ_FROM_KHZ] = cur, f[RQ_TO_KHZ] = to;
		add(TEV_REQUEST, t, f);
		memset(f, 0, sizeof(f));
		f[DR_ID] = id, f[DR_TS_NS] = pre, f[DR_DEV] = 1;
		f[DR_OLD_KHZ] = cur, f[DR_NEW_KHZ] = to;
		add(TEV_DRIVER_ENTRY, pre, f);
		f[DR_TS_NS] = pre + drv;
		add(TEV_DRIVER_EXIT, pre + drv, f);
		memset(f, 0, sizeof(f));
		f[EF_ID] = id, f[EF_TS_NS] = eff, f[EF_PREV_TS_NS] = eff - 20000;
		f[EF_DEV] = 1, f[EF_KHZ] = to, f[EF_COST_NS] = 300, f[EF_SAMPLES] = 50;
		f[EF_READER] = 2, f[EF_STATUS] = 0;
		add(TEV_EFFECTIVE, eff, f);
		memset(f, 0, sizeof(f));
		f[ST_ID] = id, f[ST_T_REQUEST_NS] = t, f[ST_T_EXIT_NS] = pre + drv + 1000;
		f[ST_CPU] = 1, f[ST_DEV] = 1, f[ST_FROM_KHZ] = cur, f[ST_TO_KHZ] = to, f[ST_CUR_KHZ] = to;
		f[ST_SEQ] = (uint32_t)i, f[ST_FLAGS] = i == 0 ? TRACE_STEP_WARMUP : 0;
		add(TEV_STEP, pre + drv + 1000, f);
		if (unexplained && i == 2 * n / 3) {
			/* the limits drop, and the governor re-applies the rate
			 * outside the campaign: no step event */
			uint64_t tl = t + 30 * MS;

			memset(f, 0, sizeof(f));
			f[LM_TS_NS] = tl, f[LM_DEV] = 1, f[LM_MIN_KHZ] = 115200;
			f[LM_MAX_KHZ] = 1728000, f[LM_CUR_KHZ] = to;
			add(TEV_LIMITS, tl, f);
			memset(f, 0, sizeof(f));
			f[DR_ID] = 900000 + i, f[DR_TS_NS] = tl + 1000, f[DR_DEV] = 1;
			f[DR_OLD_KHZ] = to, f[DR_NEW_KHZ] = to;
			add(TEV_DRIVER_ENTRY, tl + 1000, f);
			f[DR_TS_NS] = tl + 30000;
			add(TEV_DRIVER_EXIT, tl + 30000, f);
			fprintf(stderr, "limits %" PRIu64 "\nunrequested_transition %" PRIu64 "\n",
				tl, tl + 1000);
		}
		printf("%" PRIu64 ",%u,%u,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
		       ",%" PRIu64 "\n", id, cur, to, t, drv, eff, tc, h1 - h0);
		cur = to;
		t = next;
	}
	bins_until(t + 50 * MS, cur, cur, t + 50 * MS, 0, 0);
	flush_bins();
	if (trace_writer_close(w)) {
		fprintf(stderr, "mktrace: closing the trace failed\n");
		return 1;
	}
	return 0;
}
