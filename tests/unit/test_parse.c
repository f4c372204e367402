// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "helpers.h"
#include "util.h"

static void test_parse_valid(void **state)
{
	uint64_t v = 7;

	(void)state;
	assert_int_equal(parse_u64("--x", "0", 0, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_u64("--x", "10", 0, 10, &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(parse_u64("--x", "18446744073709551615", 0, UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(parse_u64("--x", "007", 0, 10, &v), 0);
	assert_int_equal(v, 7);
}

static void test_parse_invalid(void **state)
{
	static const char *const bad[] = {
		"", "-1", "+1", " 1", "1 ", "1x", "0x10", "1.5", "abc",
		"18446744073709551616", "99999999999999999999999", "11",
	};
	uint64_t v = 42;

	(void)state;
	quiet_stderr(true);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		int ret = parse_u64("--x", bad[i], 0, 10, &v);

		quiet_stderr(false);
		if (ret != -1)
			fail_msg("accepted '%s'", bad[i]);
		quiet_stderr(true);
	}
	assert_int_equal(parse_u64("--x", NULL, 0, 10, &v), -1);
	assert_int_equal(parse_u64("--x", "0", 1, 10, &v), -1);
	quiet_stderr(false);
	assert_int_equal(v, 42);	/* untouched on failure */
}

static void test_parse_message_names_option(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len), *saved = stderr;
	uint64_t v;

	(void)state;
	stderr = f;
	assert_int_equal(parse_u64("--duration", "5s", 1, 10, &v), -1);
	stderr = saved;
	fclose(f);
	assert_non_null(strstr(buf, "--duration"));
	assert_non_null(strstr(buf, "5s"));
	free(buf);
}

/* Which kernels count skipped tracepoint programs: 6.7 on, by uname -r. */
static void test_kernel_counts_misses(void **state)
{
	(void)state;
	assert_true(kernel_counts_bpf_tp_misses("6.7.0"));
	assert_true(kernel_counts_bpf_tp_misses("6.8.12-tegra"));
	assert_true(kernel_counts_bpf_tp_misses("6.12.95+deb12-amd64"));
	assert_true(kernel_counts_bpf_tp_misses("7.0.1"));
	assert_false(kernel_counts_bpf_tp_misses("6.6.30"));
	assert_false(kernel_counts_bpf_tp_misses("6.1.0-50-arm64"));
	assert_false(kernel_counts_bpf_tp_misses("5.15.148-tegra"));
	assert_false(kernel_counts_bpf_tp_misses("5.10.0-32-arm64"));
	assert_false(kernel_counts_bpf_tp_misses("unknown"));
	assert_false(kernel_counts_bpf_tp_misses(""));
}

int run_parse_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kernel_counts_misses),
		cmocka_unit_test(test_parse_valid),
		cmocka_unit_test(test_parse_invalid),
		cmocka_unit_test(test_parse_message_names_option),
	};
	return cmocka_run_group_tests_name("parse_u64", tests, NULL, NULL);
}
