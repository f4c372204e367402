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
	FIELD(struct settle_tp_driver, id),
	FIELD(struct settle_tp_driver, ts_ns),
	FIELD(struct settle_tp_driver, dev),
	FIELD(struct settle_tp_driver, domain),
	FIELD(struct settle_tp_driver, old_khz),
	FIELD(struct settle_tp_driver, new_khz),
};

static const struct tp_field_req rq_req[] = {
	FIELD(struct settle_tp_request, id),
	FIELD(struct settle_tp_request, ts_ns),
	FIELD(struct settle_tp_request, parent_id),
	FIELD(struct settle_tp_request, domain),
	FIELD(struct settle_tp_request, dev),
	FIELD(struct settle_tp_request, from_khz),
	FIELD(struct settle_tp_request, to_khz),
	FIELD(struct settle_tp_request, source),
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

/* What the kernel makes of kmod/settle_trace.h's settle_driver class. */
static const char settle_fmt[] =
	"name: driver_entry\nID: 1502\n" COMMON
	"\tfield:u64 id;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:u64 ts_ns;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:u32 domain;\toffset:24;\tsize:4;\tsigned:0;\n"
	"\tfield:u32 dev;\toffset:28;\tsize:4;\tsigned:0;\n"
	"\tfield:u32 old_khz;\toffset:32;\tsize:4;\tsigned:0;\n"
	"\tfield:u32 new_khz;\toffset:36;\tsize:4;\tsigned:0;\n\n"
	"print fmt: \"id=%llu ts_ns=%llu domain=%u dev=%u old_khz=%u new_khz=%u\", REC->id, "
	"REC->ts_ns, REC->domain, REC->dev, REC->old_khz, REC->new_khz\n";

/* ... and of settle:request, whose parent_id moves everything after it. */
static const char request_fmt[] =
	"name: request\nID: 1501\n" COMMON
	"\tfield:u64 id;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:u64 ts_ns;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:u64 parent_id;\toffset:24;\tsize:8;\tsigned:0;\n"
	"\tfield:u32 domain;\toffset:32;\tsize:4;\tsigned:0;\n"
	"\tfield:u32 dev;\toffset:36;\tsize:4;\tsigned:0;\n"
	"\tfield:u32 from_khz;\toffset:40;\tsize:4;\tsigned:0;\n"
	"\tfield:u32 to_khz;\toffset:44;\tsize:4;\tsigned:0;\n"
	"\tfield:u32 source;\toffset:48;\tsize:4;\tsigned:0;\n\n"
	"print fmt: \"id=%llu\", REC->id\n";

/* A settle.ko older than the domains: request without parent_id etc. */
static const char request_v1_fmt[] =
	"name: cpu_request\nID: 1501\n" COMMON
	"\tfield:u64 id;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:u64 ts_ns;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:u32 cpu;\toffset:24;\tsize:4;\tsigned:0;\n"
	"\tfield:u32 from_khz;\toffset:28;\tsize:4;\tsigned:0;\n"
	"\tfield:u32 to_khz;\toffset:32;\tsize:4;\tsigned:0;\n"
	"\tfield:u32 source;\toffset:36;\tsize:4;\tsigned:0;\n\n"
	"print fmt: \"id=%llu\", REC->id\n";

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
	assert_int_equal(offsetof(struct settle_tp_driver, id), 8);
	assert_int_equal(offsetof(struct settle_tp_driver, ts_ns), 16);
	assert_int_equal(offsetof(struct settle_tp_driver, domain), 24);
	assert_int_equal(offsetof(struct settle_tp_driver, dev), 28);
	assert_int_equal(offsetof(struct settle_tp_driver, old_khz), 32);
	assert_int_equal(offsetof(struct settle_tp_driver, new_khz), 36);
	assert_int_equal(offsetof(struct settle_tp_cpu_frequency, state), 8);
	assert_int_equal(offsetof(struct settle_tp_cpu_frequency, cpu_id), 12);
	assert_int_equal(sizeof(struct settle_rec), 40);
}

static void test_format_ok(void **state)
{
	char err[SETTLE_ERR_LEN] = "";

	(void)state;
	assert_int_equal(tpfmt_check("settle:cpufreq_pre", settle_fmt, cf_req,
				     ARRAY_SIZE(cf_req), err, sizeof(err)), 0);
	assert_int_equal(tpfmt_check("power:cpu_frequency", power_fmt, fq_req,
				     ARRAY_SIZE(fq_req), err, sizeof(err)), 0);
	assert_int_equal(tpfmt_check("settle:request", request_fmt, rq_req,
				     ARRAY_SIZE(rq_req), err, sizeof(err)), 0);
}

/* An API-1 settle.ko's layout is refused, naming the field that moved. */
static void test_format_old_module(void **state)
{
	char err[SETTLE_ERR_LEN] = "";

	(void)state;
	assert_int_equal(tpfmt_check("settle:request", request_v1_fmt, rq_req,
				     ARRAY_SIZE(rq_req), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "'parent_id'"));
	assert_non_null(strstr(err, "not found"));
	/* Without parent_id in the request, the first moved field fails. */
	assert_int_equal(tpfmt_check("settle:request", request_v1_fmt, rq_req + 3,
				     ARRAY_SIZE(rq_req) - 3, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "'domain'"));
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
	t = replace(settle_fmt, "u32 old_khz;\toffset:32;", "u32 old_khz;\toffset:30;");
	expect_fail(t, cf_req, ARRAY_SIZE(cf_req), "'old_khz'", "offset 30");
	free(t);

	t = replace(settle_fmt, "u32 dev;\toffset:28;\tsize:4;", "u64 dev;\toffset:28;\tsize:8;");
	expect_fail(t, cf_req, ARRAY_SIZE(cf_req), "'dev'", "size 8");
	free(t);

	t = replace(power_fmt, "cpu_id;", "cpu;");
	expect_fail(t, fq_req, ARRAY_SIZE(fq_req), "'cpu_id'", "not found");
	free(t);

	/* cpu_id must not be mistaken for cpu. */
	expect_fail(power_fmt, &(struct tp_field_req){ "cpu", 8, 4 }, 1, "'cpu'", "not found");

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
		cmocka_unit_test(test_format_old_module),
		cmocka_unit_test(test_format_mismatch),
	};
	return cmocka_run_group_tests_name("tracefs format check", tests, NULL, NULL);
}
