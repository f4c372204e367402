// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `settle step` option parsing (every option, --rates lists, --random-gap
 * LO:HI and the number parser under them) on any argv.
 */
#include "fuzz.h"
#include "step.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[FUZZ_MAX_ARGS + 1], *block;
	int argc = fuzz_argv("step", data, size, argv, &block);
	struct step_opts o;
	int ret = step_parse_args(argc, argv, &o);

	FUZZ_CHECK(ret >= -1 && ret <= 1);
	if (ret == 0) {
		/* What the plan builder relies on. */
		FUZZ_CHECK(o.cpu >= 0 && o.cpu < STEP_MAX_CPUS);
		FUZZ_CHECK(o.nrates >= 2 && o.nrates <= STEP_MAX_RATES);
		for (size_t i = 0; i < o.nrates; i++) {
			FUZZ_CHECK(o.rates[i] > 0);
			for (size_t j = 0; j < i; j++)
				FUZZ_CHECK(o.rates[i] != o.rates[j]);
		}
		FUZZ_CHECK(o.count > 0);
		FUZZ_CHECK(o.gap_min_ms >= 1 && o.gap_min_ms <= o.gap_max_ms);
		FUZZ_CHECK(o.out && *o.out);
	}
	free(block);
	return 0;
}
