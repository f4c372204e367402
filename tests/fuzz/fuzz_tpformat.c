// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The tracefs format-file checker, on any text. */
#include "fuzz.h"
#include "tpformat.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The shape of settle:driver_entry, as the recorder asks for it. */
	static const struct tp_field_req req[] = {
		{ "common_type", 0, 2 }, { "id", 8, 8 }, { "ts_ns", 16, 8 },
		{ "domain", 24, 4 }, { "dev", 28, 4 }, { "old_khz", 32, 4 },
		{ "new_khz", 36, 4 },
	};
	char *text = fuzz_str(data, size), err[SETTLE_ERR_LEN];
	int ret;

	err[0] = '\0';
	ret = tpfmt_check("settle:driver_entry", text, req, ARRAY_SIZE(req), err, sizeof(err));
	FUZZ_CHECK(ret == 0 || ret == -1);
	FUZZ_CHECK(ret == 0 || err[0] != '\0');
	free(text);
	return 0;
}
