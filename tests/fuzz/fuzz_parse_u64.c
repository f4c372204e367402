// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * parse_u64(), the strict number parser behind every numeric option,
 * against a reference written from its contract: decimal digits only,
 * no overflow, inside [min, max].
 */
#include "fuzz.h"
#include "util.h"

static int reference(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned __int128 v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned)(*s - '0');
		if (v > UINT64_MAX)
			return -1;
	}
	if (v < min || v > max)
		return -1;
	*out = (uint64_t)v;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t min = 0, max = UINT64_MAX, got = 0xdeadbeef, want = 0;
	char *s;
	int ret, ref;

	/* First 16 bytes, when there are enough: the bounds. */
	if (size >= 16) {
		memcpy(&min, data, 8);
		memcpy(&max, data + 8, 8);
		data += 16;
		size -= 16;
	}
	s = fuzz_str(data, size);
	ret = parse_u64("--fuzz", s, min, max, &got);
	ref = reference(s, min, max, &want);
	FUZZ_CHECK(ret == ref);
	FUZZ_CHECK(ret != 0 || got == want);
	FUZZ_CHECK(ret == 0 || got == 0xdeadbeef);	/* untouched on failure */
	free(s);
	return 0;
}
