// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Metadata and stream together, as trace_read_dir() uses them: the stream
 * is decoded against whatever event ids the fuzzed metadata declares.
 * Input: 4-byte little-endian metadata length, the metadata, the stream.
 */
#include "fuzz.h"
#include "trace.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trace_stream_result res;
	struct trace_info ti;
	char err[SETTLE_ERR_LEN];
	size_t mlen;
	int ret;

	if (size < 4)
		return 0;
	mlen = get_le32(data);
	if (mlen > size - 4)
		return 0;
	if (trace_parse_metadata((const char *)data + 4, mlen, &ti, err, sizeof(err)))
		return 0;
	err[0] = '\0';
	ret = trace_parse_stream(data + 4 + mlen, size - 4 - mlen, &ti, NULL, NULL, &res,
				 err, sizeof(err));
	FUZZ_CHECK(ret == 0 || ret == -1);
	FUZZ_CHECK(ret == 0 || err[0] != '\0');
	FUZZ_CHECK(ret != 0 || res.partial == (res.damage != TRACE_INTACT));
	return 0;
}
