// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Regression tests for what the fuzz targets (tests/fuzz) found; each
 * names its target and the input that showed it.
 */
#include <stdlib.h>
#include <string.h>
#include "helpers.h"
#include "step.h"
#include "util.h"

int run_fuzzfound_tests(void);

static int parse_step(int argc, char **argv, struct step_opts *o)
{
	int ret;

	quiet_stderr(true);
	ret = step_parse_args(argc, argv, o);
	quiet_stderr(false);
	return ret;
}

/*
 * fuzz-step_args, heap-use-after-free in parse_rates(): after a parse that
 * stopped inside an option group ("-Sc7" stops at the unknown S), getopt
 * kept its place in that argv and the next parse went on from "c7": in a
 * freed argv a use-after-free, in a live one a --cpu nobody gave.
 */
static void test_getopt_state_between_parses(void **state)
{
	char a0[] = "step", g[] = "-Sc7", r[] = "-r", rates[] = "1,2", n[] = "-n",
	     one[] = "1";
	char *first[] = { a0, g, NULL };
	char *second[] = { a0, r, rates, n, one, NULL };
	char *third[] = { a0, g + 2, r, rates, n, one, NULL };	/* "c7": not an option */
	struct step_opts o;
	char **heap;

	(void)state;
	assert_int_equal(parse_step(2, first, &o), -1);
	/* No --cpu in this one: it must be refused, not run on CPU 7. */
	assert_int_equal(parse_step(5, second, &o), -1);
	assert_int_equal(o.cpu, -1);

	/* The same through a freed argv: ASan (check-san) reports a stale read. */
	heap = calloc(3, sizeof(*heap));
	heap[0] = strdup("step");
	heap[1] = strdup("-Sr1");
	assert_int_equal(parse_step(2, heap, &o), -1);
	free(heap[0]);
	free(heap[1]);
	free(heap);
	assert_int_equal(parse_step(5, second, &o), -1);
	assert_int_equal(o.nrates, 2);

	/* A positional argument after a failed group: still an error. */
	assert_int_equal(parse_step(2, first, &o), -1);
	assert_int_equal(parse_step(6, third, &o), -1);
}

int run_fuzzfound_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_getopt_state_between_parses),
	};
	return cmocka_run_group_tests_name("fuzz findings", tests, NULL, NULL);
}
