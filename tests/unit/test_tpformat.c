// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stddef.h>
#include <linux/types.h>
#include "helpers.h"
#include "record.h"
#include "tpformat.h"
#include "util.h"

#define FIELD(type, m) { #m, offsetof(type, m), sizeof(((type *)0)->m) }

/* Same derivation as user/record.c: from the structs the BPF code uses. */
static const struct tp_field_req cf_req[] = {
	FIELD(struct settle_tp_cpufreq, id),
	FIELD(struct settle_tp_cpufreq, ts_ns),
	FIELD(struct settle_tp_cpufreq, cpu),
	FIELD(struct settle_tp_cpufreq, old_khz),
	FIELD(struct settle_tp_cpufreq, new_khz),
};

static const struct tp_field_req fq_req[] = {
	FIELD(struct settle_tp_cpu_frequency, state),
	FIELD(struct settle_tp_cpu_frequency, cpu_id),
};

#define COMMON \
	"format:\n" \
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n" \
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n" \
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n" \
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"

static const char settle_fmt[] =
	"name: cpufreq_pre\nID: 1502\n" COMMON
	"\tfield:u64 id;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:u64 ts_ns;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:u32 cpu;\toffset:24;\tsize:4;\tsigned:0;\n"
	"\tfield:u32 old_khz;\toffset:28;\tsize:4;\tsigned:0;\n"
	"\tfield:u32 new_khz;\toffset:32;\tsize:4;\tsigned:0;\n\n"
	"print fmt: \"id=%llu ts_ns=%llu cpu=%u old_khz=%u new_khz=%u\", REC->id, "
	"REC->ts_ns, REC->cpu, REC->old_khz, REC->new_khz\n";

static const char power_fmt[] =
	"name: cpu_frequency\nID: 200\n" COMMON
	"\tfield:u32 state;\toffset:8;\tsize:4;\tsigned:0;\n"
	"\tfield:u32 cpu_id;\toffset:12;\tsize:4;\tsigned:0;\n\n"
	"print fmt: \"state=%lu cpu_id=%lu\", (unsigned long)REC->state, "
	"(unsigned long)REC->cpu_id\n";

/* The offsets are the kernel ABI from settle_trace.h; pin them. */
static void test_record_h_layout(void **state)
{
	(void)state;
	assert_int_equal(offsetof(struct settle_tp_cpufreq, id), 8);
	assert_int_equal(offsetof(struct settle_tp_cpufreq, ts_ns), 16);
	assert_int_equal(offsetof(struct settle_tp_cpufreq, cpu), 24);
	assert_int_equal(offsetof(struct settle_tp_cpufreq, old_khz), 28);
	assert_int_equal(offsetof(struct settle_tp_cpufreq, new_khz), 32);
	assert_int_equal(offsetof(struct settle_tp_cpu_frequency, state), 8);
	assert_int_equal(offsetof(struct settle_tp_cpu_frequency, cpu_id), 12);
	assert_int_equal(sizeof(struct settle_rec), 32);
}

static void test_format_ok(void **state)
{
	char err[SETTLE_ERR_LEN] = "";

	(void)state;
	assert_int_equal(tpfmt_check("settle:cpufreq_pre", settle_fmt, cf_req,
				     ARRAY_SIZE(cf_req), err, sizeof(err)), 0);
	assert_int_equal(tpfmt_check("power:cpu_frequency", power_fmt, fq_req,
				     ARRAY_SIZE(fq_req), err, sizeof(err)), 0);
}

static char *replace(const char *s, const char *from, const char *to)
{
	const char *p = strstr(s, from);
	char *out;

	assert_non_null(p);
	assert_true(asprintf(&out, "%.*s%s%s", (int)(p - s), s, to, p + strlen(from)) > 0);
	return out;
}

static void expect_fail(const char *text, const struct tp_field_req *req, size_t n,
			const char *want1, const char *want2)
{
	char err[SETTLE_ERR_LEN] = "";

	assert_int_equal(tpfmt_check("ev", text, req, n, err, sizeof(err)), -1);
	if (!strstr(err, want1) || (want2 && !strstr(err, want2)))
		fail_msg("error '%s' lacks '%s'/'%s'", err, want1, want2 ? want2 : "");
}

static void test_format_mismatch(void **state)
{
	char *t;

	(void)state;
	t = replace(settle_fmt, "u32 old_khz;\toffset:28;", "u32 old_khz;\toffset:30;");
	expect_fail(t, cf_req, ARRAY_SIZE(cf_req), "'old_khz'", "offset 30");
	free(t);

	t = replace(settle_fmt, "u32 cpu;\toffset:24;\tsize:4;", "u64 cpu;\toffset:24;\tsize:8;");
	expect_fail(t, cf_req, ARRAY_SIZE(cf_req), "'cpu'", "size 8");
	free(t);

	t = replace(power_fmt, "cpu_id;", "cpu;");
	expect_fail(t, fq_req, ARRAY_SIZE(fq_req), "'cpu_id'", "not found");
	free(t);

	/* cpu_id must not be mistaken for cpu. */
	expect_fail(power_fmt, cf_req + 2, 1, "'cpu'", "not found");

	t = replace(settle_fmt, "offset:16;", "offset:x;");
	expect_fail(t, cf_req, ARRAY_SIZE(cf_req), "'ts_ns'", "cannot parse");
	free(t);

	expect_fail("", cf_req, ARRAY_SIZE(cf_req), "'id'", "not found");
	expect_fail("field:\nfield:;\nfield:u64 id\n", cf_req, 1, "'id'", NULL);
	expect_fail(power_fmt, cf_req, ARRAY_SIZE(cf_req), "ev: field 'id'", NULL);
}

int run_tpformat_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_h_layout),
		cmocka_unit_test(test_format_ok),
		cmocka_unit_test(test_format_mismatch),
	};
	return cmocka_run_group_tests_name("tracefs format check", tests, NULL, NULL);
}
