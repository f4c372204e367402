// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The CPU probe, for real but briefly, without SCHED_FIFO. */
#include <errno.h>
#include <sched.h>
#include <time.h>
#include "helpers.h"
#include "probe.h"
#include "util.h"

static int some_cpu(void)
{
	cpu_set_t set;

	assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set))
			return c;
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void test_probe_runs(void **state)
{
	/* 20 ms of capacity, run ~60 ms: bins past the end must be counted. */
	struct probe_config cfg = { .cpu = some_cpu(), .bin_ns = 100000,
				    .capacity_ns = 20000000, .want_fifo = false,
				    /* ASan's shadow would be locked too */
				    .skip_mlock = true };
	char err[SETTLE_ERR_LEN];
	struct probe_stats st;
	struct probe *p;
	size_t done, done2, nonzero = 0;

	(void)state;
	assert_int_equal(probe_start(&cfg, &p, err, sizeof(err)), 0);
	assert_int_equal(probe_bin_ns(p), 100000);
	assert_true(probe_t0_ns(p) > 0);
	sleep_ms(10);
	done = probe_bins_done(p);
	sleep_ms(50);
	done2 = probe_bins_done(p);
	assert_true(done2 >= done);
	assert_true(done2 <= 20000000 / 100000 + 1);	/* never past capacity */
	assert_int_equal(probe_stop(p, &st), 0);
	assert_true(st.samples > 0);
	assert_true(st.iters_per_sample > 0);
	assert_true(st.period_p50_ns > 0);
	assert_true(st.period_p50_ns <= st.period_p99_ns);
	assert_true(st.period_p99_ns <= st.period_max_ns);
	assert_false(st.fifo);
	assert_true(st.dropped_bins > 0);
	for (size_t i = 0; i < done2; i++)
		nonzero += probe_bins(p)[i] != 0;
	assert_true(nonzero > 0);
	/* Stopping twice is refused, the bins stay readable. */
	assert_int_equal(probe_stop(p, &st), -EINVAL);
	assert_true(probe_bins(p)[0] != 0 || nonzero);
	probe_free(p);
}

static void test_probe_bad_config(void **state)
{
	struct probe_config cfg = { .cpu = -1, .bin_ns = 10000, .capacity_ns = 1000000 };
	char err[SETTLE_ERR_LEN];
	struct probe *p = (struct probe *)&cfg;

	(void)state;
	assert_int_equal(probe_start(&cfg, &p, err, sizeof(err)), -EINVAL);
	assert_null(p);
	cfg.cpu = CPU_SETSIZE;
	assert_int_equal(probe_start(&cfg, &p, err, sizeof(err)), -EINVAL);
	cfg.cpu = some_cpu();
	cfg.bin_ns = 0;
	assert_int_equal(probe_start(&cfg, &p, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "non-zero"));
	probe_free(NULL);
}

int run_probe_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe_runs),
		cmocka_unit_test(test_probe_bad_config),
	};
	return cmocka_run_group_tests_name("cpu probe", tests, NULL, NULL);
}
