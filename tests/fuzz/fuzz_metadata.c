// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The trace reader's TSDL metadata parser, on any bytes. */
#include "fuzz.h"
#include "trace.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trace_info ti;
	char err[SETTLE_ERR_LEN];
	int ret;

	err[0] = '\0';
	ret = trace_parse_metadata((const char *)data, size, &ti, err, sizeof(err));
	FUZZ_CHECK(ret == 0 || ret == -1);
	if (ret == 0) {
		/* Accepted means our version, and strings that fit. */
		FUZZ_CHECK(ti.version >= TRACE_VERSION_MIN && ti.version <= TRACE_VERSION);
		FUZZ_CHECK(memchr(ti.source, '\0', sizeof(ti.source)));
		FUZZ_CHECK(memchr(ti.hostname, '\0', sizeof(ti.hostname)));
	} else {
		FUZZ_CHECK(err[0] != '\0');	/* every refusal says why */
	}
	return 0;
}
