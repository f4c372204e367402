// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Clustering of slow transitions and the from-to matrix. */
#include "analyze.h"
#include "helpers.h"
#include "insight.h"
#include "util.h"

static const struct insight_cluster *find(const struct insight *in, unsigned int m)
{
	for (size_t i = 0; i < in->ncl; i++)
		if (in->cl[i].metric == m)
			return &in->cl[i];
	fail_msg("no cluster row for metric %u", m);
	return NULL;
}

/*
 * 100 driver calls on CPU 0, 10 us except three pairs of back-to-back
 * 100 us ones, and CPU 1's transitions interleaved between them: clustering
 * follows each device's own sequence, so CPU 1 must not break the pairs.
 */
static void test_clustering(void **state)
{
	struct analysis a;
	struct insight in;
	const struct insight_cluster *c;
	uint64_t id = 1;

	(void)state;
	analysis_init(&a);
	for (uint64_t i = 0; i < 100; i++) {
		uint64_t t = (i + 1) * 10000000, us = 10;

		if (i == 10 || i == 11 || i == 50 || i == 51)
			us = 100;
		feed_cf(&a, TEV_CPUFREQ_PRE, id, t, 0, 614400, 1728000);
		feed_cf(&a, TEV_CPUFREQ_POST, id, t + us * 1000, 0, 614400, 1728000);
		id++;
		feed_cf(&a, TEV_CPUFREQ_PRE, id, t + 5000000, 1, 614400, 1728000);
		feed_cf(&a, TEV_CPUFREQ_POST, id, t + 5000000 + 10000, 1, 614400, 1728000);
		id++;
	}
	assert_int_equal(analysis_finish(&a), 0);
	assert_int_equal(insight_compute(&a, &in), 0);
	c = find(&in, IM_DRIVER);
	/* both CPUs counted: 200 transitions; against its own device's pair
	 * (cpu0: p95 10 us) exactly the four 100 us ones are slow... */
	assert_int_equal(c->n, 200);
	assert_int_equal(c->slow, 4);
	/* ...each has a successor on CPU 0, and two of those are slow. */
	assert_int_equal(c->with_next, 4);
	assert_int_equal(c->slow_next, 2);
	/* no probe: no throughput metric at all */
	assert_int_equal(find(&in, IM_THROUGHPUT)->n, 0);
	assert_int_equal(in.nux, 0);
	insight_free(&in);
	analysis_free(&a);
}

static void test_matrix_json(void **state)
{
	struct report_opts o = { .json = true };
	char *dir = tmpdir_make(), *out;
	struct trace_meta m = test_meta("settle.ko");
	char err[SETTLE_ERR_LEN];
	struct trace_writer *w = trace_writer_open(dir, &m, true, err, sizeof(err));
	int rc;

	(void)state;
	assert_non_null(w);
	add_cf(w, TEV_CPUFREQ_PRE, 1, 1000, 0, 1000, 2000);
	add_cf(w, TEV_CPUFREQ_POST, 1, 3000, 0, 1000, 2000);
	add_cf(w, TEV_CPUFREQ_PRE, 2, 9000, 0, 2000, 3000);
	add_cf(w, TEV_CPUFREQ_POST, 2, 9500, 0, 2000, 3000);
	assert_int_equal(trace_writer_close(w), 0);
	out = report_capture(dir, &o, &rc);
	assert_int_equal(rc, 0);
	/* rows: from 1000, 2000, 3000; columns: to, in the same order */
	assert_non_null(strstr(out, "\"matrix\":[{\"domain\":\"cpu\",\"rates_khz\":[1000,2000,3000],"
			       "\"effective_settle_p50_us\":[[null,null,null],[null,null,null],"
			       "[null,null,null]],"));
	assert_non_null(strstr(out, "\"driver_call_p50_us\":[[null,2.000,null],[null,null,0.500],"
			       "[null,null,null]],"));
	assert_non_null(strstr(out, "\"n\":[[0,1,0],[0,0,1],[0,0,0]]}]"));
	assert_non_null(strstr(out, "\"unexplained\":[]"));
	free(out);
	rm_rf(dir);
	free(dir);
}

int run_insight_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clustering),
		cmocka_unit_test(test_matrix_json),
	};
	return cmocka_run_group_tests_name("matrix, clustering, unexplained changes", tests,
					   NULL, NULL);
}
