// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Change-point detection on synthetic throughput series. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include "changepoint.h"
#include "helpers.h"

#define BIN	10000U			/* 10 us */
#define MS	1000000ULL

/*
 * A workload whose rate is r_max outside stealing bursts and 0 inside:
 * share s of every period P, periods starting at `phase`.  share 0 is a
 * clean level.  The level switches from `a` to `b` at t_change, and b's
 * periods restart there (as in tests/sim/settle_sim.c).
 */
struct level {
	double r_max;		/* work per ns when not stolen */
	double share;		/* stolen fraction */
	double period;		/* ns */
	double phase;		/* ns, a period start */
};

/* The unit tests do not link libm. */
static double xfloor(double v)
{
	double i = (double)(int64_t)v;

	return i > v ? i - 1 : i;
}

static double xmax(double a, double b)
{
	return a > b ? a : b;
}

static double xabs(double v)
{
	return v < 0 ? -v : v;
}

/* Unstolen time in [phase, t), for any t (also before phase). */
static double idle_until(const struct level *l, double t)
{
	double k, rem;

	if (l->share <= 0)
		return t - l->phase;
	k = xfloor((t - l->phase) / l->period);
	rem = t - l->phase - k * l->period;
	return k * (1 - l->share) * l->period + xmax(0, rem - l->share * l->period);
}

static double work_until(const struct level *a, const struct level *b,
			 double t_change, double t)
{
	if (t <= t_change)
		return a->r_max * idle_until(a, t);
	return a->r_max * idle_until(a, t_change) +
	       b->r_max * (idle_until(b, t) - idle_until(b, t_change));
}

static uint64_t rng = 1;
static double frand(void)
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(rng >> 11) / 9007199254740992.0;
}

/*
 * Bins [0, n) from t0 = 0 with relative noise `noise` per bin (uniform,
 * +-noise of the bin's work).  Cumulative rounding keeps W exact.
 */
static uint32_t *make_series(size_t n, const struct level *a, const struct level *b,
			     double t_change, double noise)
{
	uint32_t *w = malloc(n * sizeof(*w));
	double prev = 0;

	assert_non_null(w);
	for (size_t i = 0; i < n; i++) {
		double cur = xfloor(work_until(a, b, t_change, (double)(i + 1) * BIN) -
				   work_until(a, b, t_change, 0));
		double v = cur - prev;

		if (noise > 0)
			v *= 1 + noise * (2 * frand() - 1);
		w[i] = v < 0 ? 0 : v > UINT32_MAX ? UINT32_MAX : (uint32_t)(v + 0.5);
		prev = cur;
	}
	return w;
}

static void detect(const uint32_t *w, size_t n, uint64_t t0, uint64_t t_req,
		   struct cp_result *r)
{
	struct cp_series s = { .work = w, .n = n, .t0_ns = t0, .bin_ns = BIN };
	struct cp_params p;

	cp_default_params(&p);
	assert_int_equal(cp_detect(&s, t_req, &p, r), 0);
}

static uint64_t absdiff(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

static void test_clean_step(void **state)
{
	struct level a = { 0.1, 0, 0, 0 }, b = { 0.25, 0, 0, 0 };
	uint64_t t_req = 30 * MS, t_change = t_req + 1234567;
	uint32_t *w = make_series(8000, &a, &b, (double)t_change, 0);
	struct cp_result r;

	(void)state;
	detect(w, 8000, 0, t_req, &r);
	assert_int_equal(r.status, CP_OK);
	assert_true(absdiff(r.t_change_ns, t_change) <= BIN);
	assert_true(xabs(r.pre_rate - 0.1) < 1e-3);
	assert_true(xabs(r.post_rate - 0.25) < 1e-3);
	assert_true(r.bound_ns <= 2 * BIN);
	assert_true(r.noise_ns <= 2 * BIN);
	/* Downward too. */
	free(w);
	w = make_series(8000, &b, &a, (double)t_change, 0);
	detect(w, 8000, 0, t_req, &r);
	assert_int_equal(r.status, CP_OK);
	assert_true(absdiff(r.t_change_ns, t_change) <= BIN);
	free(w);
}

/* The VM's simulated board: 1 - f/f_max stolen, periods stretched so that
 * 500 us stay idle, 1..16 ms. */
static struct level sim_level(double f_over_fmax, double phase)
{
	double share = 1 - f_over_fmax, period = 1 * MS;

	if (share > 0 && 500000 / (1 - share) > period)
		period = 500000 / (1 - share) < 16 * MS ? 500000 / (1 - share) : 16 * MS;
	return (struct level){ 0.5, share, period, phase };
}

static void check_steal(double f_from, double f_to, double delay_ns)
{
	uint64_t t_req = 30 * MS, t_change = t_req + (uint64_t)delay_ns;
	struct level a = sim_level(f_from, 123456), b = sim_level(f_to, (double)t_change);
	uint32_t *w = make_series(8000, &a, &b, (double)t_change, 0);
	struct cp_result r;

	/* A change inside a steal burst cannot be placed closer than the burst. */
	double burst = a.share * a.period > b.share * b.period ? a.share * a.period :
								  b.share * b.period;

	detect(w, 8000, 0, t_req, &r);
	if (r.status != CP_OK || absdiff(r.t_change_ns, t_change) > r.bound_ns ||
	    r.bound_ns > 2 * MS + burst)
		fail_msg("%.3f -> %.3f: status %s, change %" PRIu64 " vs true %" PRIu64
			 ", bound %" PRIu64, f_from, f_to, cp_status_str(r.status),
			 r.t_change_ns, t_change, r.bound_ns);
	free(w);
}

static void test_steal_pattern(void **state)
{
	/* Orin Nano rates: 115200, 729600, 1728000 kHz. */
	const double f[] = { 115200.0 / 1728000, 729600.0 / 1728000, 1.0 };

	(void)state;
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			if (i != j) {
				check_steal(f[i], f[j], 800000);
				check_steal(f[i], f[j], 2500000);
			}
}

static void test_noise(void **state)
{
	struct level a = { 0.1, 0, 0, 0 }, b = { 0.3, 0, 0, 0 };
	uint64_t t_req = 30 * MS, t_change = t_req + 700000;
	uint32_t *w;
	struct cp_result r;

	(void)state;
	rng = 42;
	w = make_series(8000, &a, &b, (double)t_change, 0.3);
	detect(w, 8000, 0, t_req, &r);
	assert_int_equal(r.status, CP_OK);
	assert_true(absdiff(r.t_change_ns, t_change) <= r.bound_ns);
	assert_true(r.noise_ns > BIN);		/* the noise is seen */
	assert_true(r.bound_ns >= r.noise_ns / 2);
	free(w);
}

static void test_degenerate(void **state)
{
	struct level a = { 0.1, 0, 0, 0 }, b = { 0.115, 0, 0, 0 };
	uint64_t t_req = 30 * MS;
	uint32_t *w = make_series(8000, &a, &b, (double)(t_req + MS), 0);
	struct cp_result r;

	(void)state;
	detect(w, 8000, 0, t_req, &r);
	assert_int_equal(r.status, CP_DEGENERATE);
	assert_true(r.pre_rate > 0 && r.post_rate > r.pre_rate);
	free(w);
	/* No work at all is degenerate too, not a division by zero. */
	w = calloc(8000, sizeof(*w));
	detect(w, 8000, 0, t_req, &r);
	assert_int_equal(r.status, CP_DEGENERATE);
	free(w);
}

static void test_short_windows(void **state)
{
	struct level a = { 0.1, 0, 0, 0 }, b = { 0.3, 0, 0, 0 };
	uint64_t t_req = 30 * MS;
	uint32_t *w = make_series(8000, &a, &b, (double)(t_req + MS), 0);
	struct cp_series s = { .work = NULL, .n = 0, .t0_ns = 0, .bin_ns = BIN };
	struct cp_params p;
	struct cp_result r;

	(void)state;
	cp_default_params(&p);
	assert_int_equal(cp_detect(&s, t_req, &p, &r), 0);
	assert_int_equal(r.status, CP_NO_DATA);
	/* Series ends before the post window starts. */
	s.work = w;
	s.n = (t_req + p.post_from_ns) / BIN + 1;
	assert_int_equal(cp_detect(&s, t_req, &p, &r), 0);
	assert_int_equal(r.status, CP_NO_DATA);
	/* Request before the series starts: no old level. */
	s.n = 8000;
	s.t0_ns = t_req + 1;
	assert_int_equal(cp_detect(&s, t_req, &p, &r), 0);
	assert_int_equal(r.status, CP_NO_DATA);
	/* A truncated pre window is fine while it has whole bins. */
	s.t0_ns = t_req - 5 * BIN;
	assert_int_equal(cp_detect(&s, t_req, &p, &r), 0);
	assert_int_not_equal(r.status, CP_NO_DATA);
	/* Bad arguments. */
	s.bin_ns = 0;
	assert_int_equal(cp_detect(&s, t_req, &p, &r), -EINVAL);
	s.bin_ns = BIN;
	p.post_to_ns = p.post_from_ns;
	assert_int_equal(cp_detect(&s, t_req, &p, &r), -EINVAL);
	free(w);
}

static void test_window_edges(void **state)
{
	struct level a = { 0.2, 0, 0, 0 }, b = { 0.05, 0, 0, 0 };
	uint64_t t_req = 30 * MS + 3333;	/* not on a bin edge */
	struct cp_params p;
	uint32_t *w;
	struct cp_result r;

	(void)state;
	cp_default_params(&p);
	/* At the request itself. */
	w = make_series(8000, &a, &b, (double)t_req, 0);
	detect(w, 8000, 0, t_req, &r);
	assert_int_equal(r.status, CP_OK);
	assert_true(absdiff(r.t_change_ns, t_req) <= BIN);
	free(w);
	/* Later than the post window start: not inside the search range. */
	w = make_series(8000, &a, &b, (double)(t_req + p.post_from_ns + 2 * MS), 0);
	detect(w, 8000, 0, t_req, &r);
	assert_int_equal(r.status, CP_NOT_FOUND);
	free(w);
	/* Just inside the end of the search range. */
	w = make_series(8000, &a, &b, (double)(t_req + p.post_from_ns - 10 * BIN), 0);
	detect(w, 8000, 0, t_req, &r);
	assert_int_equal(r.status, CP_OK);
	assert_true(absdiff(r.t_change_ns, t_req + p.post_from_ns - 10 * BIN) <= BIN);
	free(w);
}

static void test_huge_values(void **state)
{
	/* ~4e9 work per bin, near UINT32_MAX, and a t0 far into uptime. */
	struct level a = { 400000, 0, 0, 0 }, b = { 100000, 0, 0, 0 };
	uint64_t t0 = 4000000000000000000ULL, t_req = 30 * MS, t_change = t_req + 2 * MS;
	uint32_t *w = make_series(8000, &a, &b, (double)t_change, 0);
	struct cp_result r;

	(void)state;
	for (size_t i = 0; i < 8000; i++)
		assert_true(w[i] >= 1000000000U);
	detect(w, 8000, t0, t0 + t_req, &r);
	assert_int_equal(r.status, CP_OK);
	assert_true(absdiff(r.t_change_ns, t0 + t_change) <= BIN);
	assert_true(r.bound_ns <= 2 * BIN);
	free(w);
}

/* The reported bound must contain the true change: randomized, seeded. */
static void test_bound_contains(void **state)
{
	const double f[] = { 115200.0 / 1728000, 729600.0 / 1728000, 1.0 };
	int ok = 0, trials = 300;

	(void)state;
	rng = 20240601;
	for (int i = 0; i < trials; i++) {
		int from = (int)(frand() * 3), to = (from + 1 + (int)(frand() * 2)) % 3;
		uint64_t t_req = 25 * MS + (uint64_t)(frand() * MS);
		uint64_t t_change = t_req + (uint64_t)(frand() * 4 * MS);
		bool steal = frand() < 0.5;
		struct level a, b;
		uint32_t *w;
		struct cp_result r;

		if (steal) {
			a = sim_level(f[from], frand() * 10 * MS);
			b = sim_level(f[to], (double)t_change);
		} else {
			a = (struct level){ 0.5 * f[from], 0, 0, 0 };
			b = (struct level){ 0.5 * f[to], 0, 0, 0 };
		}
		w = make_series(7500, &a, &b, (double)t_change, frand() * 0.2);
		detect(w, 7500, 0, t_req, &r);
		free(w);
		if (r.status != CP_OK)
			fail_msg("trial %d (%s %d->%d): %s", i, steal ? "steal" : "clean",
				 from, to, cp_status_str(r.status));
		if (absdiff(r.t_change_ns, t_change) > r.bound_ns)
			fail_msg("trial %d (%s %d->%d): change %" PRIu64 " true %" PRIu64
				 " bound %" PRIu64, i, steal ? "steal" : "clean", from, to,
				 r.t_change_ns, t_change, r.bound_ns);
		ok++;
	}
	assert_int_equal(ok, trials);
}

int run_changepoint_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_step),
		cmocka_unit_test(test_steal_pattern),
		cmocka_unit_test(test_noise),
		cmocka_unit_test(test_degenerate),
		cmocka_unit_test(test_short_windows),
		cmocka_unit_test(test_window_edges),
		cmocka_unit_test(test_huge_values),
		cmocka_unit_test(test_bound_contains),
	};
	return cmocka_run_group_tests_name("throughput change point", tests, NULL, NULL);
}
