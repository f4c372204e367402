// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "helpers.h"

/*
 * Groups in test files that may not exist yet (the Makefile links every
 * test_*.c it finds): weak, so a missing file is a skipped group rather than
 * a link error, and adding one needs no edit here beyond its name below.
 */
int run_step_tests(void) __attribute__((weak));
int run_probe_tests(void) __attribute__((weak));
int run_changepoint_tests(void) __attribute__((weak));
int run_damage_tests(void) __attribute__((weak));
int run_fuzzfound_tests(void) __attribute__((weak));
int run_gpuprobe_tests(void) __attribute__((weak));
int run_pbwriter_tests(void) __attribute__((weak));
int run_insight_tests(void) __attribute__((weak));
int run_probe_mem_tests(void) __attribute__((weak));
int run_domain_tests(void) __attribute__((weak));

int main(void)
{
	int (*const optional[])(void) = {
		run_step_tests, run_probe_tests, run_changepoint_tests,
		run_damage_tests, run_fuzzfound_tests,
		run_gpuprobe_tests,
		run_pbwriter_tests, run_insight_tests,
		run_probe_mem_tests, run_domain_tests,
	};
	int failed = 0;

	failed += run_parse_tests();
	failed += run_json_tests();
	failed += run_tpformat_tests();
	failed += run_trace_tests();
	failed += run_analyze_tests();
	for (size_t i = 0; i < sizeof(optional) / sizeof(optional[0]); i++)
		if (optional[i])
			failed += optional[i]();
	printf("\nsettle unit tests: %s (%d failed)\n", failed ? "FAILED" : "all passed",
	       failed);
	return failed ? 1 : 0;
}
