// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* cpulist_parse(), the kernel CPU-list parser ("0-3,5"), on any text. */
#include <stdbool.h>
#include "fuzz.h"
#include "step.h"

#define MAX_CPUS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool online[MAX_CPUS] = { false };
	char *s = fuzz_str(data, size);
	int count = -1, set = 0, ret;

	ret = cpulist_parse(s, online, MAX_CPUS, &count);
	FUZZ_CHECK(ret == 0 || ret == -1);
	for (int i = 0; i < MAX_CPUS; i++)
		set += online[i];
	/* count is the CPUs newly marked online, which from none is all. */
	FUZZ_CHECK(count == set);
	free(s);
	return 0;
}
