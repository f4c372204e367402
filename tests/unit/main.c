// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "helpers.h"

int main(void)
{
	int failed = 0;

	failed += run_parse_tests();
	failed += run_json_tests();
	failed += run_tpformat_tests();
	failed += run_trace_tests();
	failed += run_analyze_tests();
	printf("\nsettle unit tests: %s (%d failed)\n", failed ? "FAILED" : "all passed",
	       failed);
	return failed ? 1 : 0;
}
