// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* CTF writer -> reader round trips, babeltrace2 interop, damaged traces. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/types.h>
#include "helpers.h"
#include "../../kmod/uapi/settle.h"
#include "record.h"
#include "util.h"

struct fixture {
	char *dir;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	fx->dir = tmpdir_make();
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	rm_rf(fx->dir);
	free(fx->dir);
	free(fx);
	return 0;
}

static struct trace_writer *open_writer(const char *dir, const char *source)
{
	struct trace_meta m = test_meta(source);
	char err[SETTLE_ERR_LEN];
	struct trace_writer *w = trace_writer_open(dir, &m, true, err, sizeof(err));

	if (!w)
		fail_msg("trace_writer_open: %s", err);
	return w;
}

/* Two packets: PRE, lost(3), CPU_FREQUENCY | POST (out of order), lost(5). */
static void write_small(const char *dir)
{
	struct trace_writer *w = open_writer(dir, "settle.ko");
	struct settle_rec r = {
		.ts_ns = 1000, .id = 7, .type = SETTLE_REC_DRIVER_ENTRY, .dev = 2,
		.old_khz = 614400, .new_khz = 1728000,
	};

	assert_int_equal(trace_writer_add_rec(w, &r), 0);
	assert_int_equal(trace_writer_lost(w, 1100, 3), 0);
	assert_int_equal(trace_writer_lost(w, 1150, 3), 0);	/* no growth */
	r = (struct settle_rec){ .ts_ns = 1200, .type = SETTLE_REC_CPU_FREQUENCY,
				 .dev = 3, .new_khz = 729600 };
	assert_int_equal(trace_writer_add_rec(w, &r), 0);
	assert_int_equal(trace_writer_flush(w), 0);
	assert_int_equal(trace_writer_flush(w), 0);	/* empty: no packet */
	/* Earlier than the previous event: header clamped, payload exact. */
	r = (struct settle_rec){ .ts_ns = 1150, .id = 7, .type = SETTLE_REC_DRIVER_EXIT,
				 .dev = 2, .old_khz = 614400, .new_khz = 1728000 };
	assert_int_equal(trace_writer_add_rec(w, &r), 0);
	assert_int_equal(trace_writer_lost(w, 1300, 5), 0);
	r.type = 99;
	quiet_stderr(true);
	assert_int_equal(trace_writer_add_rec(w, &r), -1);
	assert_non_null(strstr(trace_writer_error(w), "unknown type 99"));
	/* A failed writer refuses further work and close() reports it. */
	assert_int_equal(trace_writer_close(w), -1);
	quiet_stderr(false);
}

static void test_roundtrip(void **state)
{
	struct fixture *fx = *state;
	struct trace_stream_result res;
	struct collected c = { 0 };
	struct trace_info ti;
	char err[SETTLE_ERR_LEN];
	struct trace_writer *w;

	/* write_small() ends in a failed writer; redo it cleanly. */
	write_small(fx->dir);
	w = open_writer(fx->dir, "settle.ko");
	add_cf(w, TEV_CPUFREQ_PRE, 7, 1000, 2, 614400, 1728000);
	assert_int_equal(trace_writer_lost(w, 1100, 3), 0);
	add_fq(w, 1200, 3, 729600);
	assert_int_equal(trace_writer_flush(w), 0);
	add_cf(w, TEV_CPUFREQ_POST, 7, 1150, 2, 614400, 1728000);
	assert_int_equal(trace_writer_lost(w, 1300, 5), 0);
	assert_int_equal(trace_writer_events(w), 5);
	assert_int_equal(trace_writer_close(w), 0);

	assert_int_equal(trace_read_dir(fx->dir, &ti, collect_cb, &c, &res, err, sizeof(err)), 0);
	assert_int_equal(ti.version, 2);
	assert_string_equal(ti.source, "settle.ko");
	assert_string_equal(ti.hostname, "host\"with\\quotes");
	assert_string_equal(ti.kernel_release, "6.1.0-test");
	assert_string_equal(ti.machine, "aarch64");
	assert_int_equal(res.packets, 2);
	assert_int_equal(res.events, 5);
	assert_false(res.partial);
	assert_int_equal(res.events_discarded, 5);
	assert_int_equal(c.n, 5);

	assert_int_equal(c.ev[0].desc->id, TEV_DRIVER_ENTRY);
	assert_int_equal(c.ev[0].ts_ns, 1000);
	assert_int_equal(c.ev[0].f[DR_ID], 7);
	assert_int_equal(c.ev[0].f[DR_TS_NS], 1000);
	assert_int_equal(c.ev[0].f[DR_DOMAIN], TRACE_DOMAIN_CPU);
	assert_int_equal(c.ev[0].f[DR_DEV], 2);
	assert_int_equal(c.ev[0].f[DR_OLD_KHZ], 614400);
	assert_int_equal(c.ev[0].f[DR_NEW_KHZ], 1728000);
	assert_int_equal(c.ev[1].desc->id, TEV_LOST);
	assert_int_equal(c.ev[1].f[LOST_COUNT], 3);
	assert_int_equal(c.ev[1].f[LOST_TOTAL], 3);
	assert_int_equal(c.ev[2].desc->id, TEV_CPU_FREQUENCY);
	assert_int_equal(c.ev[2].f[FQ_CPU], 3);
	assert_int_equal(c.ev[2].f[FQ_KHZ], 729600);
	assert_int_equal(c.ev[3].desc->id, TEV_DRIVER_EXIT);
	assert_int_equal(c.ev[3].ts_ns, 1200);		/* clamped */
	assert_int_equal(c.ev[3].f[DR_TS_NS], 1150);	/* exact */
	assert_int_equal(c.ev[4].desc->id, TEV_LOST);
	assert_int_equal(c.ev[4].f[LOST_COUNT], 2);
	assert_int_equal(c.ev[4].f[LOST_TOTAL], 5);
	collected_free(&c);
}

static void write_many(const char *dir, size_t n)
{
	struct trace_writer *w = open_writer(dir, "settle.ko");

	for (size_t i = 0; i < n; i++)
		add_cf(w, i % 2 ? TEV_CPUFREQ_POST : TEV_CPUFREQ_PRE, i / 2 + 1,
		       1000000 + i * 1000, (uint32_t)(i / 2) % 4, 1000 + (uint32_t)(i / 2) % 3,
		       2000);
	assert_int_equal(trace_writer_close(w), 0);
}

/* Packet start offsets of a stream; walks the headers written by us. */
static size_t packet_offsets(const uint8_t *buf, size_t len, size_t *offs, size_t max)
{
	size_t n = 0;

	for (size_t off = 0; off < len && n < max; off += get_le64(buf + off + 32) / 8)
		offs[n++] = off;
	return n;
}

static void test_many_packets(void **state)
{
	struct fixture *fx = *state;
	struct trace_stream_result res;
	struct trace_info ti;
	struct collected c = { 0 };
	char err[SETTLE_ERR_LEN];
	size_t len, offs[64], np;
	uint8_t *buf;

	write_many(fx->dir, 10000);
	assert_int_equal(trace_read_dir(fx->dir, &ti, collect_cb, &c, &res, err, sizeof(err)), 0);
	assert_int_equal(res.events, 10000);
	assert_int_equal(c.n, 10000);
	for (size_t i = 0; i < c.n; i++) {
		assert_int_equal(c.ev[i].ts_ns, 1000000 + i * 1000);
		assert_int_equal(c.ev[i].f[DR_ID], i / 2 + 1);
	}
	collected_free(&c);

	buf = slurp(path_join(fx->dir, TRACE_STREAM_FILE), &len);
	np = packet_offsets(buf, len, offs, ARRAY_SIZE(offs));
	assert_int_equal(np, res.packets);
	assert_true(np > 1);
	for (size_t i = 0; i < np; i++) {
		size_t end = i + 1 < np ? offs[i + 1] : len;

		assert_true(end - offs[i] <= TRACE_PKT_MAX_BYTES);
		assert_int_equal(get_le64(buf + offs[i] + 40), i);	/* seq */
	}
	free(buf);
}

static int run_cmd(const char *cmd, char **out)
{
	size_t len = 0, n;
	char chunk[4096];
	FILE *p = popen(cmd, "r");
	int st;

	assert_non_null(p);
	*out = NULL;
	FILE *m = open_memstream(out, &len);
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		fwrite(chunk, 1, n, m);
	fclose(m);
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static size_t count_lines_with(const char *s, const char *needle)
{
	size_t n = 0;

	for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static bool have_babeltrace2(void)
{
	return system("command -v babeltrace2 >/dev/null 2>&1") == 0;
}

static void test_babeltrace2(void **state)
{
	struct fixture *fx = *state;
	struct trace_writer *w;
	char cmd[4200], *out;

	if (!have_babeltrace2())
		skip();
	write_many(fx->dir, 5000);
	snprintf(cmd, sizeof(cmd), "babeltrace2 '%s' 2>/dev/null", fx->dir);
	assert_int_equal(run_cmd(cmd, &out), 0);
	assert_int_equal(count_lines_with(out, "driver_entry:"), 2500);
	assert_int_equal(count_lines_with(out, "driver_exit:"), 2500);
	assert_non_null(strstr(out, "new_khz = 2000"));
	free(out);

	/* Every event type, lost counts and the env metadata. */
	w = open_writer(fx->dir, "fallback");
	add_fq(w, 500, 1, 1200000);
	assert_int_equal(trace_writer_lost(w, 600, 4), 0);
	assert_int_equal(trace_writer_flush(w), 0);
	add_fq(w, 700, 1, 1400000);
	assert_int_equal(trace_writer_close(w), 0);
	snprintf(cmd, sizeof(cmd), "babeltrace2 '%s' 2>&1", fx->dir);
	assert_int_equal(run_cmd(cmd, &out), 0);
	assert_int_equal(count_lines_with(out, "cpu_frequency:"), 2);
	assert_int_equal(count_lines_with(out, "lost:"), 1);
	assert_non_null(strstr(out, "discarded events"));
	assert_null(strstr(out, " W "));	/* no babeltrace2 warnings about our metadata */
	free(out);
	snprintf(cmd, sizeof(cmd), "babeltrace2 --output-format=ctf-metadata '%s' 2>&1", fx->dir);
	assert_int_equal(run_cmd(cmd, &out), 0);
	free(out);
	snprintf(cmd, sizeof(cmd),
		 "babeltrace2 -c source.ctf.fs -p 'inputs=[\"%s\"]' -c sink.text.details 2>&1",
		 fx->dir);
	assert_int_equal(run_cmd(cmd, &out), 0);
	assert_non_null(strstr(out, "settle_trace_version: 2"));
	assert_non_null(strstr(out, "source: fallback"));
	free(out);

	/* A trace with no events at all is still valid CTF. */
	w = open_writer(fx->dir, "settle.ko");
	assert_int_equal(trace_writer_close(w), 0);
	snprintf(cmd, sizeof(cmd), "babeltrace2 '%s' 2>&1", fx->dir);
	assert_int_equal(run_cmd(cmd, &out), 0);
	free(out);
}


/*
 * One of each record type through trace_writer_add_raw(), the other new
 * events through trace_writer_add(), and back.
 */
static void write_new_events(const char *dir)
{
	struct trace_writer *w = open_writer(dir, "settle.ko");
	struct settle_rec_request rq = {
		.ts_ns = 900, .id = 11, .type = SETTLE_REC_REQUEST, .domain = 2, .dev = 0,
		.parent_id = 10, .from_khz = 665600, .to_khz = 3199000, .source = 0,
	};
	struct settle_rec_effective ef = {
		.ts_ns = 1500, .id = 11, .type = SETTLE_REC_EFFECTIVE, .domain = 2,
		.prev_ts_ns = 1480, .khz = 1420800, .cost_ns = 700, .samples = 5,
		.reader = 6, .status = 1,
	};
	struct settle_rec_limits lm = {
		.ts_ns = 1600, .type = SETTLE_REC_LIMITS, .domain = 1, .dev = 3,
		.min_khz = 115200, .max_khz = 2201600, .cur_khz = 0,
	};
	struct settle_rec_policy po = {
		.ts_ns = 1700, .type = SETTLE_REC_POLICY, .dev = 2, .action = 1,
		.min_khz = 115200, .max_khz = 2201600,
	};
	struct settle_device_info dv = {
		.domain = 1, .dev = 0, .backend = 1, .reader = 4, .flags = 1,
		.cur_khz = 306000, .nrates = 20, .name = "17000000.gpu",
	};
	uint64_t f[TRACE_MAX_FIELDS] = { 0 };

	memcpy(po.governor, "schedutil", 10);
	memset(f, 0, sizeof(f));
	f[CA_SEED] = 0xfeedfacecafebeefULL;
	f[CA_CPU] = 2;
	f[CA_COUNT] = 100;
	f[CA_GAP_MIN_US] = 20000;
	f[CA_GAP_MAX_US] = 80000;
	f[CA_READER] = 2;
	f[CA_SAMPLE_PERIOD_NS] = 20000;
	f[CA_KPROBES] = 1;
	f[CA_WARMUP] = 4;
	f[CA_DOMAIN] = 2;
	f[CA_DEV] = 0;
	assert_int_equal(trace_writer_add(w, TEV_CAMPAIGN, 800, f), 0);
	assert_int_equal(trace_writer_add_raw(w, &rq, sizeof(rq)), 0);
	assert_int_equal(trace_writer_add_raw(w, &ef, sizeof(ef)), 0);
	assert_int_equal(trace_writer_add_raw(w, &lm, sizeof(lm)), 0);
	assert_int_equal(trace_writer_add_raw(w, &po, sizeof(po)), 0);
	memset(f, 0, sizeof(f));
	f[ST_ID] = 11;
	f[ST_T_REQUEST_NS] = 900;
	f[ST_T_EXIT_NS] = 1400;
	f[ST_CPU] = 2;
	f[ST_FROM_KHZ] = 729600;
	f[ST_TO_KHZ] = 1420800;
	f[ST_CUR_KHZ] = 1420800;
	f[ST_SEQ] = 5;
	f[ST_FLAGS] = TRACE_STEP_WARMUP | TRACE_STEP_POSITION;
	f[ST_ERR] = 114;
	f[ST_DOMAIN] = 2;
	f[ST_DEV] = 0;
	assert_int_equal(trace_writer_add(w, TEV_STEP, 900, f), 0);
	/* Full and partial probe_bins: unused slots must read back as 0. */
	for (int e = 0; e < 2; e++) {
		memset(f, 0, sizeof(f));
		f[PB_T0_NS] = 1000 + (uint64_t)e * 16 * 10000;
		f[PB_CPU] = 2;
		f[PB_BIN_NS] = 10000;
		f[PB_N] = e ? 3 : 16;
		for (unsigned int i = 0; i < f[PB_N]; i++)
			f[PB_W0 + i] = 1000u * (unsigned)e + i + 1;
		assert_int_equal(trace_writer_add(w, TEV_PROBE_BINS, f[PB_T0_NS], f), 0);
	}
	memset(f, 0, sizeof(f));
	f[PI_SAMPLES] = 5000000000ULL;
	f[PI_CPU] = 2;
	f[PI_BIN_NS] = 10000;
	f[PI_ITERS_PER_SAMPLE] = 64;
	f[PI_PERIOD_P50_NS] = 900;
	f[PI_PERIOD_P99_NS] = 1500;
	f[PI_PERIOD_MAX_NS] = 40000;
	f[PI_DROPPED_BINS] = 0;
	f[PI_FIFO] = 1;
	f[PI_MLOCKED] = 1;
	assert_int_equal(trace_writer_add(w, TEV_PROBE_INFO, 5000000, f), 0);
	/* A 16-character governor is cut to the field, never overflows. */
	memset(f, 0, sizeof(f));
	f[PO_DEV] = 4;
	f[PO_ACTION] = TRACE_POLICY_OBSERVED;
	assert_int_equal(trace_writer_add_text(w, TEV_POLICY, 5000001, f,
					       "abcdefghijklmnopqrstuvwxyz"), 0);
	/* 20 rates: one device event and two device_rates chunks. */
	for (uint32_t i = 0; i < dv.nrates; i++)
		dv.rates_khz[i] = 100000 + i * 50000;
	assert_int_equal(trace_writer_device(w, 5000002, &dv), 0);
	assert_int_equal(trace_writer_close(w), 0);
}

static void test_new_events_roundtrip(void **state)
{
	struct fixture *fx = *state;
	struct trace_stream_result res;
	struct collected c = { 0 };
	struct trace_info ti;
	char err[SETTLE_ERR_LEN];
	const struct trace_event *e;

	write_new_events(fx->dir);
	assert_int_equal(trace_read_dir(fx->dir, &ti, collect_cb, &c, &res, err, sizeof(err)), 0);
	/* v2 declares its own events and not v1's CPU-only ones. */
	for (uint32_t id = TEV_STEP; id <= TEV_DEVICE_RATES; id++)
		assert_true(ti.declared[id]);
	for (uint32_t id = TEV_CPU_REQUEST; id <= TEV_CPU_POLICY; id++)
		assert_false(ti.declared[id]);
	assert_false(ti.declared[TEV_CPUFREQ_PRE]);
	assert_int_equal(c.n, 13);

	e = &c.ev[0];
	assert_int_equal(e->desc->id, TEV_CAMPAIGN);
	assert_true(e->f[CA_SEED] == 0xfeedfacecafebeefULL);
	assert_int_equal(e->f[CA_GAP_MAX_US], 80000);
	assert_int_equal(e->f[CA_WARMUP], 4);
	assert_int_equal(e->f[CA_DOMAIN], 2);
	e = &c.ev[1];
	assert_int_equal(e->desc->id, TEV_REQUEST);
	assert_int_equal(e->ts_ns, 900);
	assert_int_equal(e->f[RQ_ID], 11);
	assert_int_equal(e->f[RQ_TS_NS], 900);
	assert_int_equal(e->f[RQ_PARENT_ID], 10);
	assert_int_equal(e->f[RQ_DOMAIN], TRACE_DOMAIN_EMC);
	assert_int_equal(e->f[RQ_FROM_KHZ], 665600);
	assert_int_equal(e->f[RQ_TO_KHZ], 3199000);
	assert_int_equal(e->f[RQ_SOURCE], 0);
	e = &c.ev[2];
	assert_int_equal(e->desc->id, TEV_EFFECTIVE);
	assert_int_equal(e->f[EF_TS_NS], 1500);
	assert_int_equal(e->f[EF_PREV_TS_NS], 1480);
	assert_int_equal(e->f[EF_DOMAIN], TRACE_DOMAIN_EMC);
	assert_int_equal(e->f[EF_DEV], 0);
	assert_int_equal(e->f[EF_KHZ], 1420800);
	assert_int_equal(e->f[EF_COST_NS], 700);
	assert_int_equal(e->f[EF_SAMPLES], 5);
	assert_int_equal(e->f[EF_READER], 6);
	assert_int_equal(e->f[EF_STATUS], 1);
	e = &c.ev[3];
	assert_int_equal(e->desc->id, TEV_LIMITS);
	assert_int_equal(e->f[LM_DOMAIN], TRACE_DOMAIN_GPU);
	assert_int_equal(e->f[LM_DEV], 3);
	assert_int_equal(e->f[LM_MIN_KHZ], 115200);
	assert_int_equal(e->f[LM_MAX_KHZ], 2201600);
	assert_int_equal(e->f[LM_CUR_KHZ], 0);
	e = &c.ev[4];
	assert_int_equal(e->desc->id, TEV_POLICY);
	assert_int_equal(e->f[PO_DEV], 2);
	assert_int_equal(e->f[PO_ACTION], 1);
	assert_int_equal(e->f[PO_MAX_KHZ], 2201600);
	assert_int_equal(e->f[PO_GOVERNOR], 0);
	assert_string_equal(e->text, "schedutil");
	e = &c.ev[5];
	assert_int_equal(e->desc->id, TEV_STEP);
	assert_int_equal(e->ts_ns, 1700);		/* clamped header */
	assert_int_equal(e->f[ST_T_REQUEST_NS], 900);	/* exact payload */
	assert_int_equal(e->f[ST_T_EXIT_NS], 1400);
	assert_int_equal(e->f[ST_CUR_KHZ], 1420800);
	assert_int_equal(e->f[ST_SEQ], 5);
	assert_int_equal(e->f[ST_FLAGS], 3);
	assert_int_equal(e->f[ST_ERR], 114);
	assert_int_equal(e->f[ST_DOMAIN], 2);
	for (int k = 0; k < 2; k++) {
		e = &c.ev[6 + k];
		assert_int_equal(e->desc->id, TEV_PROBE_BINS);
		assert_int_equal(e->f[PB_T0_NS], 1000 + (uint64_t)k * 160000);
		assert_int_equal(e->f[PB_BIN_NS], 10000);
		assert_int_equal(e->f[PB_N], k ? 3 : 16);
		for (unsigned int i = 0; i < TRACE_PROBE_BINS_PER_EVENT; i++)
			assert_int_equal(e->f[PB_W0 + i],
					 i < e->f[PB_N] ? 1000u * (unsigned)k + i + 1 : 0);
	}
	e = &c.ev[8];
	assert_int_equal(e->desc->id, TEV_PROBE_INFO);
	assert_true(e->f[PI_SAMPLES] == 5000000000ULL);
	assert_int_equal(e->f[PI_ITERS_PER_SAMPLE], 64);
	assert_int_equal(e->f[PI_PERIOD_MAX_NS], 40000);
	assert_int_equal(e->f[PI_FIFO], 1);
	assert_int_equal(e->f[PI_MLOCKED], 1);
	e = &c.ev[9];
	assert_int_equal(e->desc->id, TEV_POLICY);
	assert_int_equal(e->f[PO_DEV], 4);
	assert_int_equal(e->f[PO_ACTION], 255);
	assert_string_equal(e->text, "abcdefghijklmnop");
	e = &c.ev[10];
	assert_int_equal(e->desc->id, TEV_DEVICE);
	assert_int_equal(e->f[DV_DOMAIN], TRACE_DOMAIN_GPU);
	assert_int_equal(e->f[DV_BACKEND], 1);
	assert_int_equal(e->f[DV_READER], 4);
	assert_int_equal(e->f[DV_FLAGS], 1);
	assert_int_equal(e->f[DV_CUR_KHZ], 306000);
	assert_int_equal(e->f[DV_NRATES], 20);
	assert_string_equal(e->text, "17000000.gpu");
	for (int k = 0; k < 2; k++) {
		e = &c.ev[11 + k];
		assert_int_equal(e->desc->id, TEV_DEVICE_RATES);
		assert_int_equal(e->f[DT_DOMAIN], TRACE_DOMAIN_GPU);
		assert_int_equal(e->f[DT_FIRST], (uint64_t)k * 16);
		assert_int_equal(e->f[DT_N], k ? 4 : 16);
		for (unsigned int i = 0; i < TRACE_RATES_PER_EVENT; i++)
			assert_int_equal(e->f[DT_R0 + i], i < e->f[DT_N] ?
					 100000 + (k * 16 + i) * 50000 : 0);
	}
	collected_free(&c);
	(void)res;
}

/* Payload sizes are part of the format (Documentation/trace-format.rst). */
static void test_new_event_sizes(void **state)
{
	static const struct { uint32_t id; const char *name; unsigned int bytes; } want[] = {
		{ TEV_STEP, "step", 60 },
		{ TEV_PROBE_INFO, "probe_info", 104 },
		{ TEV_PROBE_BINS, "probe_bins", 92 },
		{ TEV_CAMPAIGN, "campaign", 48 },
		{ TEV_TRUNCATED, "truncated", 12 },
		{ TEV_PROBE_SAMPLES, "probe_samples", 104 },
		{ TEV_REQUEST, "request", 44 },
		{ TEV_DRIVER_ENTRY, "driver_entry", 32 },
		{ TEV_DRIVER_EXIT, "driver_exit", 32 },
		{ TEV_EFFECTIVE, "effective", 52 },
		{ TEV_LIMITS, "limits", 28 },
		{ TEV_POLICY, "policy", 44 },
		{ TEV_DEVICE, "device", 60 },
		{ TEV_DEVICE_RATES, "device_rates", 80 },
	};
	/* What v1 writers wrote, and v2 readers still require of v1 traces. */
	static const struct { uint32_t id; const char *name; unsigned int bytes; } v1[] = {
		{ TEV_CPUFREQ_PRE, "cpufreq_pre", 28 },
		{ TEV_CPU_REQUEST, "cpu_request", 32 },
		{ TEV_CPU_EFFECTIVE, "cpu_effective", 48 },
		{ TEV_CPU_LIMITS, "cpu_limits", 24 },
		{ TEV_CPU_POLICY, "cpu_policy", 40 },
		{ TEV_STEP, "step", 52 },
		{ TEV_CAMPAIGN, "campaign", 40 },
		{ TEV_PROBE_INFO, "probe_info", 44 },
		{ TEV_PROBE_BINS, "probe_bins", 84 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		const struct trace_event_desc *d = trace_event_desc(want[i].id);

		assert_non_null(d);
		assert_string_equal(d->name, want[i].name);
		assert_int_equal(trace_event_payload_bytes(d), want[i].bytes);
		assert_true(d->nfields <= TRACE_MAX_FIELDS);
	}
	assert_null(trace_event_desc(22));
	for (size_t i = 0; i < ARRAY_SIZE(v1); i++) {
		const struct trace_event_desc *d = trace_event_desc(v1[i].id);

		assert_string_equal(d->name, v1[i].name);
		assert_int_equal(trace_event_payload_bytes_v(d, 1), v1[i].bytes);
	}
	/* Every text field fits trace_event.text. */
	for (uint32_t id = 0; id < TRACE_MAX_EVENT_IDS; id++) {
		const struct trace_event_desc *d = trace_event_desc(id);

		for (unsigned int i = 0; d && i < d->nfields; i++)
			if (d->fields[i].text)
				assert_true(d->fields[i].bytes <= TRACE_TEXT_MAX_BYTES);
	}
}

/* Records whose length does not match their type are refused. */
static void test_raw_record_checks(void **state)
{
	struct fixture *fx = *state;
	struct trace_writer *w;
	struct settle_rec_effective ef = { .type = SETTLE_REC_EFFECTIVE };
	struct settle_rec_head h = { .type = 0 };

	(void)state;
	quiet_stderr(true);
	w = open_writer(fx->dir, "settle.ko");
	assert_int_equal(trace_writer_add_raw(w, &ef, sizeof(ef) - 8), -1);
	assert_non_null(strstr(trace_writer_error(w), "expected 64"));
	assert_int_equal(trace_writer_close(w), -1);
	w = open_writer(fx->dir, "settle.ko");
	assert_int_equal(trace_writer_add_raw(w, &h, sizeof(h)), -1);
	assert_non_null(strstr(trace_writer_error(w), "unknown type 0"));
	assert_int_equal(trace_writer_close(w), -1);
	w = open_writer(fx->dir, "settle.ko");
	assert_int_equal(trace_writer_add_raw(w, &h, 8), -1);
	assert_non_null(strstr(trace_writer_error(w), "shorter than its head"));
	assert_int_equal(trace_writer_close(w), -1);
	quiet_stderr(false);
}

static void test_babeltrace2_new_events(void **state)
{
	struct fixture *fx = *state;
	char cmd[4200], *out;

	if (!have_babeltrace2())
		skip();
	write_new_events(fx->dir);
	snprintf(cmd, sizeof(cmd), "babeltrace2 '%s' 2>&1", fx->dir);
	assert_int_equal(run_cmd(cmd, &out), 0);
	assert_null(strstr(out, " W "));
	assert_null(strstr(out, " E "));
	assert_int_equal(count_lines_with(out, "campaign:"), 1);
	assert_int_equal(count_lines_with(out, "request:"), 1);
	assert_int_equal(count_lines_with(out, "effective:"), 1);
	assert_int_equal(count_lines_with(out, "limits:"), 1);
	assert_int_equal(count_lines_with(out, "policy:"), 2);
	assert_int_equal(count_lines_with(out, "device:"), 1);
	assert_int_equal(count_lines_with(out, "device_rates:"), 2);
	/* A device name is text too, as long as the kernel's (32 bytes). */
	assert_non_null(strstr(out, "name = \"17000000.gpu\""));
	assert_non_null(strstr(out, "parent_id = 10"));
	assert_int_equal(count_lines_with(out, "step:"), 1);
	assert_int_equal(count_lines_with(out, "probe_bins:"), 2);
	assert_int_equal(count_lines_with(out, "probe_info:"), 1);
	/* The governor is text to CTF readers, not 16 numbers. */
	assert_non_null(strstr(out, "governor = \"schedutil\""));
	assert_non_null(strstr(out, "governor = \"abcdefghijklmnop\""));
	assert_non_null(strstr(out, "seed = 18369614221190020847"));
	assert_non_null(strstr(out, "w15 = 16"));
	assert_non_null(strstr(out, "prev_ts_ns = 1480"));
	free(out);
}


/* bpf/record.h contexts against the kernel layouts (6.1, kmod/settle_trace.h). */
static void test_new_tp_layouts(void **state)
{
	(void)state;
	assert_int_equal(offsetof(struct settle_tp_request, id), 8);
	assert_int_equal(offsetof(struct settle_tp_request, ts_ns), 16);
	assert_int_equal(offsetof(struct settle_tp_request, parent_id), 24);
	assert_int_equal(offsetof(struct settle_tp_request, domain), 32);
	assert_int_equal(offsetof(struct settle_tp_request, dev), 36);
	assert_int_equal(offsetof(struct settle_tp_request, from_khz), 40);
	assert_int_equal(offsetof(struct settle_tp_request, to_khz), 44);
	assert_int_equal(offsetof(struct settle_tp_request, source), 48);
	assert_int_equal(offsetof(struct settle_tp_driver, new_khz), 36);
	assert_int_equal(offsetof(struct settle_tp_effective, id), 8);
	assert_int_equal(offsetof(struct settle_tp_effective, ts_ns), 16);
	assert_int_equal(offsetof(struct settle_tp_effective, prev_ts_ns), 24);
	assert_int_equal(offsetof(struct settle_tp_effective, domain), 32);
	assert_int_equal(offsetof(struct settle_tp_effective, dev), 36);
	assert_int_equal(offsetof(struct settle_tp_effective, khz), 40);
	assert_int_equal(offsetof(struct settle_tp_effective, cost_ns), 44);
	assert_int_equal(offsetof(struct settle_tp_effective, samples), 48);
	assert_int_equal(offsetof(struct settle_tp_effective, reader), 52);
	assert_int_equal(offsetof(struct settle_tp_effective, status), 56);
	assert_int_equal(offsetof(struct settle_tp_limits, ts_ns), 8);
	assert_int_equal(offsetof(struct settle_tp_limits, domain), 16);
	assert_int_equal(offsetof(struct settle_tp_limits, dev), 20);
	assert_int_equal(offsetof(struct settle_tp_limits, min_khz), 24);
	assert_int_equal(offsetof(struct settle_tp_limits, max_khz), 28);
	assert_int_equal(offsetof(struct settle_tp_limits, cur_khz), 32);
	assert_int_equal(offsetof(struct settle_tp_policy, ts_ns), 8);
	assert_int_equal(offsetof(struct settle_tp_policy, domain), 16);
	assert_int_equal(offsetof(struct settle_tp_policy, dev), 20);
	assert_int_equal(offsetof(struct settle_tp_policy, action), 24);
	assert_int_equal(offsetof(struct settle_tp_policy, min_khz), 28);
	assert_int_equal(offsetof(struct settle_tp_policy, max_khz), 32);
	assert_int_equal(offsetof(struct settle_tp_policy, governor), 36);
	assert_int_equal(sizeof(((struct settle_tp_policy *)0)->governor), 16);
	assert_int_equal(offsetof(struct settle_tp_cpu_frequency_limits, min_freq), 8);
	assert_int_equal(offsetof(struct settle_tp_cpu_frequency_limits, max_freq), 12);
	assert_int_equal(offsetof(struct settle_tp_cpu_frequency_limits, cpu_id), 16);
	/* Ring-buffer records: padding-free, 8-byte multiples. */
	assert_int_equal(sizeof(struct settle_rec_head), SETTLE_REC_HEAD_BYTES);
	assert_int_equal(sizeof(struct settle_rec), 40);
	assert_int_equal(sizeof(struct settle_rec_request), 56);
	assert_int_equal(sizeof(struct settle_rec_effective), 64);
	assert_int_equal(sizeof(struct settle_rec_limits), 48);
	assert_int_equal(sizeof(struct settle_rec_policy), 64);
	assert_int_equal(offsetof(struct settle_rec_policy, governor), 48);
}

static void read_meta(const char *dir, struct trace_info *ti)
{
	char err[SETTLE_ERR_LEN];
	size_t len;
	char *m = (char *)slurp(path_join(dir, TRACE_METADATA_FILE), &len);

	assert_int_equal(trace_parse_metadata(m, len, ti, err, sizeof(err)), 0);
	free(m);
}

static void test_truncation(void **state)
{
	struct fixture *fx = *state;
	struct trace_stream_result res;
	struct trace_info ti;
	char err[SETTLE_ERR_LEN];
	size_t len, offs[64], np;
	uint8_t *buf;

	write_many(fx->dir, 9000);
	read_meta(fx->dir, &ti);
	buf = slurp(path_join(fx->dir, TRACE_STREAM_FILE), &len);
	np = packet_offsets(buf, len, offs, ARRAY_SIZE(offs));
	assert_true(np >= 3);
	for (size_t cut = 0; cut <= len; cut += (cut < 300 || len - cut < 300) ? 1 : 97) {
		size_t whole = 0, boundary = cut == len;

		for (size_t i = 0; i < np; i++) {
			size_t end = i + 1 < np ? offs[i + 1] : len;

			if (end <= cut)
				whole = i + 1;
			if (offs[i] == cut)
				boundary = 1;
		}
		assert_int_equal(trace_parse_stream(buf, cut, &ti, NULL, NULL, &res, err,
						    sizeof(err)), 0);
		assert_int_equal(res.packets, whole);
		assert_int_equal(res.partial, !boundary);
		if (res.partial)
			assert_int_equal(res.partial_offset, whole ? offs[whole] : 0);
	}

	/* Through the directory API: a warning, and the complete packets. */
	spit(path_join(fx->dir, TRACE_STREAM_FILE), buf, offs[2] + 100);
	quiet_stderr(true);
	assert_int_equal(trace_read_dir(fx->dir, &ti, NULL, NULL, &res, err, sizeof(err)), 0);
	quiet_stderr(false);
	assert_true(res.partial);
	assert_int_equal(res.partial_offset, offs[2]);
	assert_int_equal(res.packets, 2);
	free(buf);
}

static void expect_stream_error(const uint8_t *buf, size_t len,
				const struct trace_info *ti, const char *want)
{
	struct trace_stream_result res;
	char err[SETTLE_ERR_LEN] = "";

	assert_int_equal(trace_parse_stream(buf, len, ti, NULL, NULL, &res, err, sizeof(err)), -1);
	if (!strstr(err, want))
		fail_msg("error '%s' lacks '%s'", err, want);
}

/* Damage after intact packets: those are read, the rest is not. */
static void expect_stream_partial(const uint8_t *buf, size_t len,
				  const struct trace_info *ti, size_t off,
				  uint64_t packets, uint64_t events, const char *want)
{
	struct trace_stream_result res;
	struct collected c = { 0 };
	char err[SETTLE_ERR_LEN] = "";

	assert_int_equal(trace_parse_stream(buf, len, ti, collect_cb, &c, &res, err,
					    sizeof(err)), 0);
	assert_true(res.partial);
	assert_int_equal(res.damage, TRACE_CORRUPT);
	assert_int_equal(res.partial_offset, off);
	assert_int_equal(res.packets, packets);
	/* The damaged packet delivers nothing, not even its good events. */
	assert_int_equal(res.events, events);
	assert_int_equal(c.n, events);
	if (!strstr(res.why, want))
		fail_msg("reason '%s' lacks '%s'", res.why, want);
	if (!strstr(res.why, "offset "))
		fail_msg("reason '%s' names no offset", res.why);
	collected_free(&c);
}

static void test_corrupt(void **state)
{
	struct fixture *fx = *state;
	struct trace_stream_result res;
	struct trace_info ti;
	char err[SETTLE_ERR_LEN];
	size_t len, offs[64], np, detected = 0, flips = 0;
	uint64_t ev0;
	uint8_t *buf, *copy;

	write_many(fx->dir, 3000);
	read_meta(fx->dir, &ti);
	buf = slurp(path_join(fx->dir, TRACE_STREAM_FILE), &len);
	np = packet_offsets(buf, len, offs, ARRAY_SIZE(offs));
	assert_true(np >= 3);
	copy = malloc(len);

	/* Events in packet 0: what a parse stopped at packet 1 must deliver. */
	assert_int_equal(trace_parse_stream(buf, offs[1], &ti, NULL, NULL, &res, err,
					    sizeof(err)), 0);
	ev0 = res.events;

	/*
	 * The same damage to packet 0 (nothing intact before it: an error) and
	 * to packet 1 (packet 0 is read, the rest dropped, the result partial).
	 */
#define DAMAGE(stmt, want) do { \
		for (int k = 0; k < 2; k++) { \
			uint8_t *b = copy + offs[k]; \
			memcpy(copy, buf, len); \
			stmt; \
			if (k) \
				expect_stream_partial(copy, len, &ti, offs[1], 1, ev0, want); \
			else \
				expect_stream_error(copy, len, &ti, want); \
		} \
	} while (0)

	DAMAGE(b[0] ^= 1, "bad magic");
	DAMAGE(put_le32(b + 4, 1), "unknown stream id");
	DAMAGE(put_le64(b + 32, 1ULL << 40), "bad sizes");
	DAMAGE(put_le64(b + 24, get_le64(b + 32) + 8), "bad sizes");
	DAMAGE(put_le64(b + 24, 8), "bad sizes");
	DAMAGE(put_le64(b + 32, get_le64(b + 32) + 3), "bad sizes");
	DAMAGE(put_le32(b + TRACE_PKT_HDR_BYTES + TRACE_EV_ID, 77), "unknown event id 77");
	DAMAGE(put_le32(b + TRACE_PKT_HDR_BYTES + TRACE_EV_ID, 0xffffffff), "unknown event id");
	DAMAGE(put_le32(b + TRACE_PKT_HDR_BYTES + TRACE_EV_SIZE, 1U << 30), "crosses the packet end");
	DAMAGE(put_le32(b + TRACE_PKT_HDR_BYTES + TRACE_EV_SIZE, 4), "expected at least 32");
	DAMAGE(put_le64(b + TRACE_PKT_HDR_BYTES + TRACE_EV_TS, 1), "timestamp outside");
	DAMAGE(put_le64(b + 40, 5), "sequence number 5");
	/* Content size cutting an event header in half. */
	DAMAGE(put_le64(b + 24, (TRACE_PKT_HDR_BYTES + 8) * 8ULL), "header crosses");
	/* The last event's payload cut by the content size. */
	DAMAGE(put_le64(b + 24, get_le64(b + 24) - 8 * 8), "crosses the packet end");
#undef DAMAGE
	/* Damage that only exists relative to an earlier packet. */
	memcpy(copy, buf, len);
	put_le64(copy + offs[1] + 8, 0);
	expect_stream_partial(copy, len, &ti, offs[1], 1, ev0, "timestamps go backwards");
	memcpy(copy, buf, len);
	put_le64(copy + 48, 10);
	expect_stream_partial(copy, len, &ti, offs[1], 1, ev0, "events_discarded decreased");
	/*
	 * Packet 1 shortened by exactly one event, sizes consistent: nothing
	 * tells, until its old last event is taken for a packet header.
	 */
	memcpy(copy, buf, len);
	put_le64(copy + offs[1] + 24, get_le64(copy + offs[1] + 24) - 48 * 8);
	put_le64(copy + offs[1] + 32, get_le64(copy + offs[1] + 32) - 48 * 8);
	expect_stream_partial(copy, len, &ti, offs[2] - 48, 2,
			      ev0 + (offs[2] - offs[1] - TRACE_PKT_HDR_BYTES) / 48 - 1,
			      "bad magic");

	/* Every single-bit flip: an answer either way, never a crash. */
	for (size_t i = 0; i < len && i < 3 * TRACE_PKT_HDR_BYTES + 4096; i++) {
		for (int bit = 0; bit < 8; bit++) {
			int ret;

			memcpy(copy, buf, len);
			copy[i] ^= (uint8_t)(1 << bit);
			ret = trace_parse_stream(copy, len, &ti, NULL, NULL, &res, err, sizeof(err));
			assert_true(ret == 0 || ret == -1);
			flips++;
			detected += ret == -1 || res.partial;
		}
	}
	/* Header/size/id/timestamp bytes are checked; payload bits are not. */
	assert_true(detected > flips / 10);

	/* Random garbage and random multi-byte damage. */
	srand(1);
	for (int round = 0; round < 2000; round++) {
		memcpy(copy, buf, len);
		for (int k = 0; k < 8; k++)
			copy[(size_t)rand() % len] = (uint8_t)rand();
		(void)trace_parse_stream(copy, (size_t)rand() % len + 1, &ti, NULL, NULL,
					 &res, err, sizeof(err));
	}
	for (size_t i = 0; i < 256; i++)
		copy[i] = (uint8_t)rand();
	expect_stream_error(copy, 256, &ti, "bad magic");
	free(copy);
	free(buf);
}

static void expect_meta_error(const char *dir, const char *want)
{
	struct trace_stream_result res;
	struct trace_info ti;
	char err[SETTLE_ERR_LEN] = "";

	assert_int_equal(trace_read_dir(dir, &ti, NULL, NULL, &res, err, sizeof(err)), -1);
	if (!strstr(err, want))
		fail_msg("error '%s' lacks '%s'", err, want);
}

static void test_metadata_rejects(void **state)
{
	struct fixture *fx = *state;
	char *meta_path, *m, *p;
	size_t len;
	static const uint8_t packetized[] = { 0x57, 0x1d, 0xd1, 0x75, 0, 0, 0, 0 };

	expect_meta_error(fx->dir, "metadata': No such file");
	write_many(fx->dir, 10);
	meta_path = strdup(path_join(fx->dir, TRACE_METADATA_FILE));
	m = (char *)slurp(meta_path, &len);

	p = strstr(m, "settle_trace_version = 2;");
	assert_non_null(p);
	p[strlen("settle_trace_version = ")] = '3';
	spit(meta_path, m, len);
	{
		char want[160];

		/* The file and the offset of the value; and why. */
		snprintf(want, sizeof(want), "metadata': offset %zu: settle_trace_version 3 is not supported (this settle reads versions 1 to 2; a newer settle wrote it)",
			 (size_t)(p - m) + strlen("settle_trace_version = "));
		expect_meta_error(fx->dir, want);
	}
	p[strlen("settle_trace_version = ")] = '0';
	spit(meta_path, m, len);
	expect_meta_error(fx->dir, "settle_trace_version 0 is not supported");
	p[strlen("settle_trace_version = ")] = 'x';
	spit(meta_path, m, len);
	expect_meta_error(fx->dir, "settle_trace_version 'x' is not a number");
	p[strlen("settle_")] = 'X';
	spit(meta_path, m, len);
	expect_meta_error(fx->dir, "no settle_trace_version");
	p[strlen("settle_")] = 't';
	p[strlen("settle_trace_version = ")] = '2';

	/* A v2 trace must declare the domain events: renaming one drops it. */
	{
		char *q = strstr(m, "name = device_rates;\n\tid = 21;");

		assert_non_null(q);
		q += strlen("name = device_rates;\n\tid = ");
		memcpy(q, "99", 2);	/* a newer writer's id: 21 is gone */
		spit(meta_path, m, len);
		expect_meta_error(fx->dir, "declare event 'device_rates' (id 21), this one does not");
		memcpy(q, "21", 2);
	}

	spit(meta_path, "/* CTF 1.8 */\nenv {\n};\n", 23);
	expect_meta_error(fx->dir, "no settle_trace_version");
	spit(meta_path, "hello\n", 6);
	expect_meta_error(fx->dir, "not a CTF trace");
	spit(meta_path, packetized, sizeof(packetized));
	expect_meta_error(fx->dir, "packetized");
	spit(meta_path, "", 0);
	expect_meta_error(fx->dir, "not a CTF trace");

	/* An event id redefined under another name. */
	p = strstr(m, "name = driver_exit;");
	assert_non_null(p);
	memcpy(p + 7, "driver_XXXX", 11);
	spit(meta_path, m, len);
	expect_meta_error(fx->dir, "event id 16 is 'driver_XXXX'");

	/* Every truncation of valid metadata: an answer, never a crash. */
	memcpy(p + 7, "driver_exit", 11);
	for (size_t cut = 0; cut <= len; cut++) {
		struct trace_info ti;
		char err[SETTLE_ERR_LEN];
		int ret = trace_parse_metadata(m, cut, &ti, err, sizeof(err));

		assert_true(ret == 0 || ret == -1);
	}
	spit(meta_path, m, len);
	unlink(path_join(fx->dir, TRACE_STREAM_FILE));
	expect_meta_error(fx->dir, "no stream files");
	expect_meta_error("/nonexistent-settle-dir", "is '/nonexistent-settle-dir' a settle trace directory?");
	free(m);
	free(meta_path);
}

/* Event ids declared by a newer writer are skipped; appended fields ignored. */
static void test_forward_compat(void **state)
{
	struct fixture *fx = *state;
	struct trace_stream_result res;
	struct collected c = { 0 };
	struct trace_info ti;
	char err[SETTLE_ERR_LEN], *m, *m2;
	uint8_t pkt[256] = { 0 }, *p;
	size_t len, n;

	write_many(fx->dir, 2);
	m = (char *)slurp(path_join(fx->dir, TRACE_METADATA_FILE), &len);
	assert_true(asprintf(&m2, "%s\nevent {\n\tname = gpu_step;\n\tid = 200;\n\tstream_id = 0;\n"
			     "\tfields := struct {\n\t\tuint32_t khz;\n\t};\n};\n", m) > 0);
	assert_int_equal(trace_parse_metadata(m2, strlen(m2), &ti, err, sizeof(err)), 0);
	assert_true(ti.declared[200]);

	p = pkt + TRACE_PKT_HDR_BYTES;
	put_le32(p + TRACE_EV_ID, 200);		/* future event, 4-byte payload */
	put_le64(p + TRACE_EV_TS, 10);
	put_le32(p + TRACE_EV_SIZE, 4);
	p += TRACE_EV_HDR_BYTES + 4;
	put_le32(p + TRACE_EV_ID, TEV_CPU_FREQUENCY);	/* known, 4 bytes appended */
	put_le64(p + TRACE_EV_TS, 20);
	put_le32(p + TRACE_EV_SIZE, 12);
	put_le32(p + 16, 3);
	put_le32(p + 20, 800000);
	put_le32(p + 24, 0xdeadbeef);
	p += TRACE_EV_HDR_BYTES + 12;
	n = (size_t)(p - pkt);
	put_le32(pkt, TRACE_MAGIC);
	put_le64(pkt + 8, 10);
	put_le64(pkt + 16, 20);
	put_le64(pkt + 24, n * 8);
	put_le64(pkt + 32, n * 8 + 64);		/* padding after content is fine */
	assert_int_equal(trace_parse_stream(pkt, n + 8, &ti, collect_cb, &c, &res, err,
					    sizeof(err)), 0);
	assert_int_equal(res.skipped, 1);
	assert_int_equal(res.events, 1);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.ev[0].f[FQ_KHZ], 800000);
	assert_false(res.partial);

	/* Not declared at all: corrupt. */
	ti.declared[200] = false;
	expect_stream_error(pkt, n + 8, &ti, "unknown event id 200");
	collected_free(&c);
	free(m);
	free(m2);
}

static void test_output_dir(void **state)
{
	struct fixture *fx = *state;
	struct trace_meta m = test_meta("settle.ko");
	char err[SETTLE_ERR_LEN] = "", *sub, *file;
	struct trace_writer *w;
	struct stat st;

	/* Fresh subdirectory: created. */
	sub = strdup(path_join(fx->dir, "new"));
	assert_int_equal(trace_output_check(sub, false, err, sizeof(err)), 0);
	w = trace_writer_open(sub, &m, false, err, sizeof(err));
	assert_non_null(w);
	assert_int_equal(trace_writer_close(w), 0);

	/* Now non-empty: refused without --force, and nothing touched. */
	assert_int_equal(trace_output_check(sub, false, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not empty (use --force"));
	assert_null(trace_writer_open(sub, &m, false, err, sizeof(err)));
	assert_non_null(strstr(err, "not empty"));

	/* --force replaces our files, keeps foreign ones, drops stale streams. */
	file = strdup(path_join(sub, "notes.txt"));
	spit(file, "keep", 4);
	spit(path_join(sub, "stream_1"), "junk", 4);
	assert_int_equal(trace_output_check(sub, true, err, sizeof(err)), 0);
	w = trace_writer_open(sub, &m, true, err, sizeof(err));
	assert_non_null(w);
	assert_int_equal(trace_writer_close(w), 0);
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(stat(path_join(sub, "stream_1"), &st), -1);

	/* A regular file in the way. */
	assert_null(trace_writer_open(file, &m, true, err, sizeof(err)));
	assert_non_null(strstr(err, "not a directory"));
	free(file);
	free(sub);
}

int run_trace_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_packets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_babeltrace2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metadata_rejects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forward_compat, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_events_roundtrip, setup, teardown),
		cmocka_unit_test(test_new_event_sizes),
		cmocka_unit_test(test_new_tp_layouts),
		cmocka_unit_test_setup_teardown(test_raw_record_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_babeltrace2_new_events, setup, teardown),
	};
	return cmocka_run_group_tests_name("CTF trace writer/reader", tests, NULL, NULL);
}
