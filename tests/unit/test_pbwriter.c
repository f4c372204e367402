// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Protobuf wire encodings, against bytes worked out from the spec. */
#include "helpers.h"
#include "pbwriter.h"

static void expect(const struct pb_buf *b, const uint8_t *want, size_t n)
{
	assert_false(b->oom);
	assert_int_equal(b->len, n);
	assert_memory_equal(b->p, want, n);
}

static void test_varint(void **state)
{
	struct pb_buf b = { 0 };
	/* field 1 = 150: the spec's own example, 08 96 01 */
	const uint8_t w150[] = { 0x08, 0x96, 0x01 };
	/* field 60 (tag 0x1e0 -> e0 03) = 0 */
	const uint8_t w60[] = { 0xe0, 0x03, 0x00 };
	/* int64 -1: ten bytes, ff.. 01 */
	const uint8_t wneg[] = { 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
				 0xff, 0x01 };
	const uint8_t wmax[] = { 0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
				 0xff, 0x01 };

	(void)state;
	pb_uint(&b, 1, 150);
	expect(&b, w150, sizeof(w150));
	pb_reset(&b);
	pb_uint(&b, 60, 0);
	expect(&b, w60, sizeof(w60));
	pb_reset(&b);
	pb_int(&b, 1, -1);
	expect(&b, wneg, sizeof(wneg));
	pb_reset(&b);
	pb_uint(&b, 2, UINT64_MAX);
	expect(&b, wmax, sizeof(wmax));
	pb_free(&b);
}

static void test_fixed_and_nested(void **state)
{
	struct pb_buf b = { 0 }, in = { 0 };
	/* field 47 fixed64 = 0x0102030405060708: tag (47<<3|1)=0x179 -> f9 02 */
	const uint8_t wf[] = { 0xf9, 0x02, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01 };
	/* field 44 double 1.0 = 0x3ff0000000000000: tag 0x161 -> e1 02 */
	const uint8_t wd[] = { 0xe1, 0x02, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f };
	/* field 2 string "ab" inside field 11: 5a 04 12 02 61 62 */
	const uint8_t wn[] = { 0x5a, 0x04, 0x12, 0x02, 0x61, 0x62 };
	uint8_t big[300];

	(void)state;
	pb_fixed64(&b, 47, 0x0102030405060708ULL);
	expect(&b, wf, sizeof(wf));
	pb_reset(&b);
	pb_double(&b, 44, 1.0);
	expect(&b, wd, sizeof(wd));
	pb_reset(&b);
	pb_string(&in, 2, "ab");
	pb_bytes(&b, 11, in.p, in.len);
	expect(&b, wn, sizeof(wn));
	/* a length over 127 takes a two-byte varint: 300 = ac 02 */
	pb_reset(&b);
	memset(big, 'x', sizeof(big));
	pb_bytes(&b, 1, big, sizeof(big));
	assert_int_equal(b.len, 3 + sizeof(big));
	assert_int_equal(b.p[0], 0x0a);
	assert_int_equal(b.p[1], 0xac);
	assert_int_equal(b.p[2], 0x02);
	pb_free(&b);
	pb_free(&in);
}

int run_pbwriter_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_varint),
		cmocka_unit_test(test_fixed_and_nested),
	};
	return cmocka_run_group_tests_name("protobuf wire writer", tests, NULL, NULL);
}
