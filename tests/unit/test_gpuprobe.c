// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The GPU probe's host side against tests/cuda/libcuda_stub.c, loaded
 * through the same dlopen() path as libcuda.so.1 ($SETTLE_LIBCUDA): drain,
 * calibration, clock alignment, a throughput step found at its known time,
 * and every way a run must fail instead of returning data.  Plus the fatbin
 * reader on hand-made containers.
 */
#include <dlfcn.h>
#include <inttypes.h>
#include <time.h>
#include "analyze.h"
#include "changepoint.h"
#include "fatbin.h"
#include "gpuprobe.h"
#include "helpers.h"
#include "step_probe.h"
#include "stream.h"
#include "util.h"

#define MS	1000000ULL

/* ---- hand-made fatbins ---- */

struct fb_entry {
	uint16_t kind;
	uint32_t arch;
	uint32_t hdr;		/* entry header size: 64, 80 or 112 */
	size_t payload;
};

/* Container with the given entries; payload bytes are 0xab. */
static uint8_t *make_fatbin(const struct fb_entry *e, size_t n, size_t *len)
{
	size_t body = 0, pos = 16;
	uint8_t *b;

	for (size_t i = 0; i < n; i++)
		body += e[i].hdr + (e[i].payload + 7) / 8 * 8;
	*len = 16 + body;
	b = calloc(1, *len);
	assert_non_null(b);
	put_le32(b, FATBIN_MAGIC);
	b[4] = 1;
	b[6] = 16;
	put_le64(b + 8, body);
	for (size_t i = 0; i < n; i++) {
		size_t padded = (e[i].payload + 7) / 8 * 8;

		b[pos] = (uint8_t)e[i].kind;
		put_le32(b + pos + 4, e[i].hdr);
		put_le64(b + pos + 8, padded);
		put_le32(b + pos + 28, e[i].arch);
		memset(b + pos + e[i].hdr, 0xab, e[i].payload);
		pos += e[i].hdr + padded;
	}
	return b;
}

static const struct fb_entry jetson[] = {
	{ FATBIN_KIND_ELF, 87, 64, 1000 },
	{ FATBIN_KIND_ELF, 110, 112, 333 },
	{ FATBIN_KIND_PTX, 75, 80, 77 },
};

static void test_fatbin_parse(void **state)
{
	struct fatbin_entry e[FATBIN_MAX_ENTRIES];
	char err[SETTLE_ERR_LEN], desc[128];
	size_t len, n;
	uint8_t *b = make_fatbin(jetson, 3, &len);

	(void)state;
	assert_int_equal(fatbin_parse(b, len, e, FATBIN_MAX_ENTRIES, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 3);
	assert_int_equal(e[0].kind, FATBIN_KIND_ELF);
	assert_int_equal(e[0].arch, 87);
	assert_int_equal(e[0].offset, 16 + 64);
	assert_int_equal(e[0].size, 1000);
	assert_int_equal(e[1].arch, 110);
	assert_int_equal(e[1].offset, 16 + 64 + 1000 + 112);
	assert_int_equal(e[2].kind, FATBIN_KIND_PTX);
	assert_int_equal(e[2].size, 80);
	fatbin_describe(e, n, desc, sizeof(desc));
	assert_string_equal(desc, "sm_87 sm_110 compute_75");

	/* SASS runs on its own major at the same or a later minor; PTX JITs
	 * from its arch on. */
	assert_true(fatbin_runs_on(e, 2, 8, 7));
	assert_true(fatbin_runs_on(e, 2, 8, 9));
	assert_false(fatbin_runs_on(e, 2, 8, 6));
	assert_false(fatbin_runs_on(e, 2, 9, 0));
	assert_true(fatbin_runs_on(e, 2, 11, 0));
	assert_true(fatbin_runs_on(e, 3, 9, 0));
	assert_true(fatbin_runs_on(e, 3, 7, 5));
	assert_false(fatbin_runs_on(e, 3, 7, 2));

	/* Two containers back to back. */
	b = realloc(b, 2 * len);
	assert_non_null(b);
	memcpy(b + len, b, len);
	assert_int_equal(fatbin_parse(b, 2 * len, e, FATBIN_MAX_ENTRIES, &n, err,
				      sizeof(err)), 0);
	assert_int_equal(n, 6);
	assert_int_equal(e[5].arch, 75);
	assert_int_equal(fatbin_parse(b, 2 * len, e, 4, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "more than 4"));
	free(b);
}

static void test_fatbin_malformed(void **state)
{
	struct fatbin_entry e[FATBIN_MAX_ENTRIES];
	char err[SETTLE_ERR_LEN];
	size_t len, n;
	uint8_t *b = make_fatbin(jetson, 3, &len);

	(void)state;
	/* Every truncation is refused, none read past the end. */
	for (size_t cut = 0; cut < len; cut++) {
		uint8_t *t = malloc(cut ? cut : 1);

		assert_non_null(t);
		memcpy(t, b, cut);
		if (fatbin_parse(t, cut, e, FATBIN_MAX_ENTRIES, &n, err, sizeof(err)) != -1)
			fail_msg("truncated to %zu of %zu bytes: accepted", cut, len);
		free(t);
	}
	b[0] ^= 1;
	assert_int_equal(fatbin_parse(b, len, e, FATBIN_MAX_ENTRIES, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "magic"));
	b[0] ^= 1;
	/* An entry whose payload runs past its container. */
	put_le64(b + 16 + 8, 1ULL << 40);
	assert_int_equal(fatbin_parse(b, len, e, FATBIN_MAX_ENTRIES, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "claims"));
	put_le64(b + 16 + 8, 1000);
	/* An entry header shorter than the fixed part. */
	put_le32(b + 16 + 4, 8);
	assert_int_equal(fatbin_parse(b, len, e, FATBIN_MAX_ENTRIES, &n, err, sizeof(err)), -1);
	free(b);
}

/* ---- the probe against the stub driver ---- */

static uint8_t *image;
static size_t image_len;

static void stub_env(const char *scenario)
{
	setenv("SETTLE_LIBCUDA", SETTLE_CUDA_STUB, 1);
	setenv("SETTLE_STUB_SCENARIO", scenario, 1);
	unsetenv("SETTLE_GPU_FATBIN");
	unsetenv("SETTLE_STUB_CC");
	unsetenv("SETTLE_STUB_AT_MS");
}

static uint64_t truth(const char *what)
{
	void *lib = dlopen(SETTLE_CUDA_STUB, RTLD_NOW);
	uint64_t (*fn)(const char *);
	uint64_t v;

	assert_non_null(lib);
	*(void **)&fn = dlsym(lib, "settle_stub_truth");
	assert_non_null(fn);
	v = fn(what);
	dlclose(lib);
	return v;
}

static struct gpuprobe_config config(enum gpuprobe_kind kind, uint64_t ms)
{
	return (struct gpuprobe_config){
		.kind = kind, .bin_ns = 10000, .capacity_ns = (ms + 1000) * MS,
		.image = image, .image_len = image_len,
	};
}

static void sleep_ms(uint64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000 * MS) };

	while (nanosleep(&ts, &ts))
		;
}

static uint64_t absdiff(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

static int setup_image(void **state)
{
	(void)state;
	image = make_fatbin(jetson, 3, &image_len);
	return 0;
}

static int teardown_image(void **state)
{
	(void)state;
	free(image);
	unsetenv("SETTLE_LIBCUDA");
	unsetenv("SETTLE_STUB_SCENARIO");
	return 0;
}

/* A steady run: every sample drained, work conserved, clocks aligned. */
static void check_steady(enum gpuprobe_kind kind)
{
	struct gpuprobe_config cfg = config(kind, 300);
	char err[SETTLE_ERR_LEN];
	struct gpuprobe_stats st;
	struct gpuprobe *gp;
	const uint32_t *bins;
	uint64_t sum = 0, off_err, launches;
	size_t done;

	stub_env("normal");
	launches = truth("launches");
	if (gpuprobe_start(&cfg, &gp, err, sizeof(err)))
		fail_msg("start: %s", err);
	/* Calibration is its own launch: the stub's unit costs 5 ns per
	 * iteration and the target is 1500 ns. */
	assert_int_equal(truth("launches"), launches + 2);
	assert_in_range(gpuprobe_info(gp)->iters, 290, 310);
	sleep_ms(300);
	assert_int_equal(gpuprobe_failed(gp, err, sizeof(err)), 0);
	done = gpuprobe_bins_done(gp);
	if (gpuprobe_stop(gp, &st, err, sizeof(err)))
		fail_msg("stop: %s", err);

	/*
	 * About 300 ms / 1.5 us samples; the stop takes a little longer.  The
	 * stub may lag behind real time (valgrind), so only a floor here; the
	 * mean period checks the spacing.
	 */
	assert_in_range(st.samples, 20000, 400000);
	assert_in_range(st.period_mean_ns, 1450, 1550);
	/* %globaltimer ticks in 1 us steps: consecutive samples 1 or 2 apart
	 * (the histogram reports a bucket's upper end). */
	assert_in_range(st.period_p50_ns, 1000, 2047);
	assert_int_equal(st.period_max_ns, 2000);
	assert_int_equal(st.gt_step_max_ns, 1000);
	assert_int_equal(st.gt_step_mean_ns, 1000);
	assert_int_equal(st.dropped, 0);
	assert_in_range(st.clock_khz, truth("clock_khz") - 1000, truth("clock_khz") + 1000);

	/* Work is conserved: the bins hold every unit between samples. */
	bins = gpuprobe_bins(gp);
	for (size_t i = 0; i < (size_t)(cfg.capacity_ns / cfg.bin_ns + 1); i++)
		sum += bins[i];
	assert_int_equal(sum, st.units);
	assert_true(done >= 2000);
	/* 100 units per us: a whole 10 us bin holds 1000 +- one sample. */
	for (size_t i = 1; i + 1 < done; i++)
		if (bins[i] < 850 || bins[i] > 1150)
			fail_msg("bin %zu holds %u units, expected 1000 +- 150", i, bins[i]);

	/* The measured offset is within its own bound of the truth. */
	off_err = absdiff((uint64_t)st.offset_ns, truth("offset_ns"));
	if (off_err > st.align_bound_ns)
		fail_msg("offset off by %" PRIu64 " ns, bound %" PRIu64, off_err,
			 st.align_bound_ns);
	assert_true(st.align_bound_ns >= 500);	/* half a timer step at least */
	/* No true drift here: what is measured is the two alignments' error. */
	assert_true(st.drift_measured);
	if ((uint64_t)(st.drift_ns < 0 ? -st.drift_ns : st.drift_ns) > 2 * st.align_bound_ns)
		fail_msg("drift %" PRId64 " ns beyond two alignment bounds (%" PRIu64 " ns)",
			 st.drift_ns, st.align_bound_ns);
	assert_true(gpuprobe_time_bound_ns(gp) >= st.align_bound_ns + st.gt_step_max_ns);
	gpuprobe_free(gp);
}

static void test_steady_compute(void **state)
{
	(void)state;
	check_steady(GPUPROBE_COMPUTE);
}

static void test_steady_memory(void **state)
{
	(void)state;
	check_steady(GPUPROBE_MEMORY);
}

/*
 * A throughput step at a known CLOCK_MONOTONIC time: the CPU probe's change
 * point detector finds it within its bound plus the probe's time bound.
 */
static void test_step_detected(void **state)
{
	struct gpuprobe_config cfg = config(GPUPROBE_COMPUTE, 400);
	struct cp_params par;
	struct cp_result r;
	struct cp_series s;
	char err[SETTLE_ERR_LEN];
	struct gpuprobe_stats st;
	struct gpuprobe *gp;
	uint64_t t_step, bound;

	(void)state;
	stub_env("step");
	setenv("SETTLE_STUB_AT_MS", "150", 1);
	if (gpuprobe_start(&cfg, &gp, err, sizeof(err)))
		fail_msg("start: %s", err);
	sleep_ms(400);
	if (gpuprobe_stop(gp, &st, err, sizeof(err)))
		fail_msg("stop: %s", err);
	t_step = truth("step_ns");
	assert_true(t_step > truth("run_ns"));

	s = (struct cp_series){ .work = gpuprobe_bins(gp), .n = gpuprobe_bins_done(gp),
				.t0_ns = gpuprobe_t0_ns(gp), .bin_ns = gpuprobe_bin_ns(gp) };
	cp_default_params(&par);
	/* As a campaign would: the request a millisecond before the change. */
	assert_int_equal(cp_detect(&s, t_step - MS, &par, &r), 0);
	assert_int_equal(r.status, CP_OK);
	assert_in_range((uint64_t)(r.pre_rate * 1000), 95, 105);	/* per us */
	assert_in_range((uint64_t)(r.post_rate * 1000), 47, 53);
	bound = r.bound_ns + gpuprobe_time_bound_ns(gp);
	if (absdiff(r.t_change_ns, t_step) > bound)
		fail_msg("change found at %" PRIu64 ", true %" PRIu64 " (off %" PRIu64
			 " ns), bound %" PRIu64 " ns", r.t_change_ns, t_step,
			 absdiff(r.t_change_ns, t_step), bound);
	/*
	 * A bound that says nothing would pass the check above vacuously.
	 * Only the detector's part: the alignment's part is honest about a
	 * loaded 2-core machine, where the ping-pong threads wait for a CPU.
	 */
	if (r.bound_ns > 50000)
		fail_msg("detection bound %" PRIu64 " ns is too loose to mean anything",
			 r.bound_ns);

	/* Where nothing changed, nothing is found. */
	assert_int_equal(cp_detect(&s, t_step - 60 * MS, &par, &r), 0);
	assert_int_not_equal(r.status, CP_OK);
	gpuprobe_free(gp);
}

/* Runs a failing scenario; the failure must surface, with `why` in it. */
static void check_fails(const char *scenario, const char *why)
{
	struct gpuprobe_config cfg = config(GPUPROBE_COMPUTE, 1000);
	char err[SETTLE_ERR_LEN];
	struct gpuprobe_stats st;
	struct gpuprobe *gp;
	int waited = 0;

	stub_env(scenario);
	if (gpuprobe_start(&cfg, &gp, err, sizeof(err)))
		fail_msg("%s: start failed early: %s", scenario, err);
	/* It fails 50 ms into the run; the stall check needs 200 ms more. */
	while (!gpuprobe_failed(gp, NULL, 0) && waited < 1000) {
		sleep_ms(10);
		waited += 10;
	}
	assert_int_equal(gpuprobe_failed(gp, err, sizeof(err)), -1);
	if (!strstr(err, why))
		fail_msg("%s: '%s' does not say '%s'", scenario, err, why);
	assert_int_equal(gpuprobe_stop(gp, &st, err, sizeof(err)), -1);
	if (!strstr(err, why))
		fail_msg("%s: stop says '%s'", scenario, err);
	gpuprobe_free(gp);
}

static void test_sticky_error(void **state)
{
	(void)state;
	check_fails("sticky", "CUDA_ERROR_ILLEGAL_ADDRESS");
}

static void test_stalled_kernel(void **state)
{
	(void)state;
	check_fails("stall", "stalled");
}

static void test_ring_overflow(void **state)
{
	(void)state;
	check_fails("overflow", "overflow");
}

static void test_kernel_exits_early(void **state)
{
	(void)state;
	check_fails("exit", "returned while it should run");
}

static void test_corrupt_ring(void **state)
{
	(void)state;
	check_fails("corrupt", "ring corrupt");
}

static void test_time_backwards(void **state)
{
	(void)state;
	check_fails("backwards", "back in time");
}

/* Failures before any data: each says why, "no GPU probe" when none can run. */
static void check_start_fails(const char *why)
{
	struct gpuprobe_config cfg = config(GPUPROBE_COMPUTE, 100);
	char err[SETTLE_ERR_LEN];
	struct gpuprobe *gp = (struct gpuprobe *)&cfg;

	assert_int_equal(gpuprobe_start(&cfg, &gp, err, sizeof(err)), -1);
	assert_null(gp);
	if (!strstr(err, why))
		fail_msg("'%s' does not say '%s'", err, why);
}

static void test_start_failures(void **state)
{
	static const uint8_t junk[64] = { 1, 2, 3 };
	struct gpuprobe_config cfg;
	char err[SETTLE_ERR_LEN];
	struct gpuprobe *gp;

	(void)state;
	stub_env("nodevice");
	check_start_fails("no GPU probe: cuInit failed: CUDA_ERROR_NO_DEVICE");
	stub_env("noping");
	check_start_fails("has not answered the clock alignment ping");
	stub_env("normal");
	setenv("SETTLE_STUB_CC", "70", 1);
	check_start_fails("no GPU probe: its device code (sm_87 sm_110 compute_75) "
			  "cannot run on settle stub GPU (sm_70)");
	unsetenv("SETTLE_STUB_CC");
	setenv("SETTLE_LIBCUDA", "/nonexistent/libcuda.so.1", 1);
	check_start_fails("no GPU probe: cannot load /nonexistent/libcuda.so.1");
	stub_env("normal");

	cfg = config(GPUPROBE_COMPUTE, 100);
	cfg.image = junk;
	cfg.image_len = sizeof(junk);
	assert_int_equal(gpuprobe_start(&cfg, &gp, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "device code is damaged"));
	cfg = config(GPUPROBE_COMPUTE, 100);
	cfg.ring_cap = 1000;
	assert_int_equal(gpuprobe_start(&cfg, &gp, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "power of two"));
	cfg = config(GPUPROBE_COMPUTE, 100);
	cfg.image = NULL;
	setenv("SETTLE_GPU_FATBIN", "/nonexistent.fatbin", 1);
	assert_int_equal(gpuprobe_start(&cfg, &gp, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "SETTLE_GPU_FATBIN=/nonexistent.fatbin"));
	unsetenv("SETTLE_GPU_FATBIN");
}

/* Stopping early (Ctrl-C) returns the kernel and leaves the GPU usable. */
static void test_stop_and_restart(void **state)
{
	struct gpuprobe_config cfg = config(GPUPROBE_COMPUTE, 1000);
	char err[SETTLE_ERR_LEN];
	struct gpuprobe_stats st;
	struct gpuprobe *gp;

	(void)state;
	stub_env("normal");
	for (int i = 0; i < 2; i++) {
		if (gpuprobe_start(&cfg, &gp, err, sizeof(err)))
			fail_msg("start %d: %s", i, err);
		sleep_ms(30);
		if (gpuprobe_stop(gp, &st, err, sizeof(err)))
			fail_msg("stop %d: %s", i, err);
		assert_true(st.samples > 1000);
		gpuprobe_free(gp);
	}
}

/* ---- a GPU campaign without /dev/settle ---- */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* What settle.ko and the recorder would write for one stepped transition. */
static void add_transition(struct trace_writer *w, uint64_t id, uint32_t dom, uint64_t t_req,
			   uint32_t from, uint32_t to)
{
	uint64_t f[TRACE_MAX_FIELDS] = { 0 };

	f[RQ_ID] = id;
	f[RQ_TS_NS] = t_req;
	f[RQ_DOMAIN] = dom;
	f[RQ_FROM_KHZ] = from;
	f[RQ_TO_KHZ] = to;
	assert_int_equal(trace_writer_add(w, TEV_REQUEST, t_req, f), 0);
	add_drv(w, TEV_DRIVER_ENTRY, id, t_req + 5000, dom, 0, from, to);
	add_drv(w, TEV_DRIVER_EXIT, id, t_req + 150000, dom, 0, from, to);
	memset(f, 0, sizeof(f));
	f[ST_ID] = id;
	f[ST_T_REQUEST_NS] = t_req;
	f[ST_T_EXIT_NS] = t_req + 150000;
	f[ST_DOMAIN] = dom;
	f[ST_FROM_KHZ] = from;
	f[ST_TO_KHZ] = to;
	f[ST_CUR_KHZ] = to;
	f[ST_SEQ] = id;
	assert_int_equal(trace_writer_add(w, TEV_STEP, t_req, f), 0);
}

/* The transitions of `dir`, read whole or streamed: the one of `dom`. */
static void check_found(const char *dir, bool whole, uint64_t t_change, uint64_t time_bound,
			uint32_t bin_ns)
{
	struct analysis a;
	struct trace_info ti;
	struct trace_stream_result res;
	char err[512];
	const struct xition *gx = NULL, *cx = NULL;
	uint64_t off;

	analysis_init(&a);
	if ((whole ? analysis_read_whole : analysis_stream)(dir, &a, &ti, &res, err, sizeof(err)))
		fail_msg("%s: %s", whole ? "whole" : "stream", err);
	assert_int_equal(a.nx, 2);
	for (size_t i = 0; i < a.nx; i++) {
		if (a.x[i].dom == TRACE_DOMAIN_GPU)
			gx = &a.x[i];
		else
			cx = &a.x[i];
	}
	assert_non_null(gx);
	assert_non_null(cx);
	if (!gx->has_tp)
		fail_msg("%s: no throughput change found (flags 0x%x)", whole ? "whole" : "stream",
			 gx->flags);
	/* The alignment's bound is part of the detection bound ... */
	if (gx->tp_time_bound_ns != time_bound)
		fail_msg("%s: time bound %" PRIu64 " in the detection bound, %" PRIu64 " recorded (%zu probe_info, src %x)", whole ? "whole" : "stream", gx->tp_time_bound_ns, time_bound, a.npi, a.npi ? a.pi[0].src : 0);
	assert_true(gx->tp_bound_ns >= time_bound + bin_ns);
	/* ... and the change lies within it. */
	off = gx->t_throughput_ns > t_change ? gx->t_throughput_ns - t_change :
	      t_change - gx->t_throughput_ns;
	if (off > gx->tp_bound_ns)
		fail_msg("%s: change at %" PRIu64 ", true %" PRIu64 ": off %" PRIu64
			 " ns, bound %" PRIu64 " ns", whole ? "whole" : "stream",
			 gx->t_throughput_ns, t_change, off, gx->tp_bound_ns);
	/* Only the detector's part may not say nothing (see test_step_detected). */
	if (gx->tp_bound_ns - time_bound > 50000)
		fail_msg("detector's bound %" PRIu64 " ns is too loose",
			 gx->tp_bound_ns - time_bound);
	/* A GPU probe measures no CPU: a CPU transition gets no throughput. */
	assert_false(cx->has_tp);
	assert_true(cx->flags & XF_NO_PROBE);
	analysis_free(&a);
}

/*
 * A GPU campaign through the code path settle step uses (step_probe.h),
 * minus /dev/settle: the stub GPU's throughput halves at a known time, a
 * "step" is requested 2 ms before it, the probe's bins and probe_info go
 * into a trace, and the report must find the change within its detection
 * bound, which must include the recorded clock-alignment bound.
 */
static void test_gpu_campaign_trace(void **state)
{
	struct step_probe_config pc = {
		.probe = STEP_PROBE_GPU_COMPUTE, .bin_ns = 10000, .capacity_ns = 2000 * MS,
		.image = image, .image_len = image_len,
	};
	struct report_opts ro = { .transitions = true };
	struct trace_meta m = test_meta("settle.ko");
	struct collected c = { 0 };
	struct trace_info ti;
	struct trace_stream_result res;
	struct step_prober *p;
	struct trace_writer *w;
	char err[512], *dir = tmpdir_make(), *out;
	uint64_t t_step, t_req, end, time_bound;
	bool stepped = false, info_seen = false;
	size_t gpu_bins = 0;
	int rc;

	(void)state;
	stub_env("step");
	setenv("SETTLE_STUB_AT_MS", "250", 1);
	if (step_probe_check(&pc, err, sizeof(err)))
		fail_msg("check: %s", err);
	w = trace_writer_open(dir, &m, false, err, sizeof(err));
	assert_non_null(w);
	if (step_probe_start(&pc, &p, err, sizeof(err)))
		fail_msg("start: %s", err);
	t_step = truth("step_ns");
	t_req = t_step - 2 * MS;
	assert_true(t_step > truth("run_ns"));
	/* A CPU transition while the GPU probe runs: not the GPU probe's. */
	add_transition(w, 1, TRACE_DOMAIN_CPU, t_req - 100 * MS, 1000000, 2000000);
	end = t_step + 120 * MS;
	/* The campaign's service loop: bins as they complete. */
	while (now_ns() < end) {
		assert_int_equal(step_probe_write_bins(p, w, false), 0);
		if (step_probe_failed(p, err, sizeof(err)))
			fail_msg("the probe failed: %s", err);
		if (!stepped && now_ns() > t_req) {
			add_transition(w, 2, TRACE_DOMAIN_GPU, t_req, 918000, 306000);
			stepped = true;
		}
		sleep_ms(5);
	}
	assert_true(stepped);
	if (step_probe_finish(p, w, now_ns(), err, sizeof(err)))
		fail_msg("finish: %s", err);
	time_bound = step_probe_time_bound_ns(p);
	step_probe_free(p);
	assert_int_equal(trace_writer_close(w), 0);

	/* The trace says what the probe was and how well its clock maps. */
	assert_int_equal(trace_read_dir(dir, &ti, collect_cb, &c, &res, err, sizeof(err)), 0);
	for (size_t i = 0; i < c.n; i++) {
		const struct trace_event *e = &c.ev[i];

		if (e->desc->id == TEV_PROBE_BINS) {
			assert_int_equal(e->f[PB_KIND], TRACE_PROBE_GPU_COMPUTE);
			assert_int_equal(e->f[PB_GPU], 0);
			gpu_bins += e->f[PB_N];
		} else if (e->desc->id == TEV_PROBE_INFO) {
			assert_false(info_seen);
			info_seen = true;
			assert_int_equal(e->f[PI_KIND], TRACE_PROBE_GPU_COMPUTE);
			assert_int_equal(e->f[PI_STATUS], TRACE_PROBE_OK);
			assert_int_equal(e->f[PI_GT_STEP_NS], 1000);	/* the stub's */
			assert_true(e->f[PI_ALIGN_BOUND_NS] >= 500);	/* half a step */
			assert_int_equal(e->f[PI_TIME_BOUND_NS], time_bound);
			assert_true(time_bound >= e->f[PI_ALIGN_BOUND_NS] + e->f[PI_GT_STEP_NS]);
			assert_int_equal(e->f[PI_DROPPED_SAMPLES], 0);
		}
	}
	assert_true(info_seen);
	assert_true(gpu_bins > 30000);		/* 370 ms and more of 10 us bins */
	collected_free(&c);

	check_found(dir, true, t_step, time_bound, pc.bin_ns);
	check_found(dir, false, t_step, time_bound, pc.bin_ns);

	/* settle report says it too. */
	out = report_capture(dir, &ro, &rc);
	assert_int_equal(rc, 0);
	if (!strstr(out, "probe:    GPU 0 gpu-compute") || !strstr(out, "time bound") ||
	    !strstr(out, "added to every detection bound"))
		fail_msg("report lacks the GPU probe's line:\n%s", out);
	free(out);
	rm_rf(dir);
	free(dir);
}

/* A GPU probe's bins without its probe_info have no stated bound: no number. */
static void test_gpu_bins_without_info(void **state)
{
	struct trace_meta m = test_meta("settle.ko");
	struct analysis a;
	struct trace_info ti;
	struct trace_stream_result res;
	struct trace_writer *w;
	uint64_t f[TRACE_MAX_FIELDS], base = 1000000000ULL, bin = 10000, t_req;
	char err[512], *dir = tmpdir_make();

	(void)state;
	w = trace_writer_open(dir, &m, false, err, sizeof(err));
	assert_non_null(w);
	/* 100 ms of bins, a clean halving at +50 ms. */
	for (uint64_t i = 0; i < 10000; i += TRACE_PROBE_BINS_PER_EVENT) {
		memset(f, 0, sizeof(f));
		f[PB_T0_NS] = base + i * bin;
		f[PB_BIN_NS] = bin;
		f[PB_N] = TRACE_PROBE_BINS_PER_EVENT;
		for (uint64_t j = 0; j < TRACE_PROBE_BINS_PER_EVENT; j++)
			f[PB_W0 + j] = base + (i + j) * bin < base + 50 * MS ? 1000 : 500;
		f[PB_KIND] = TRACE_PROBE_GPU_COMPUTE;
		assert_int_equal(trace_writer_add(w, TEV_PROBE_BINS, f[PB_T0_NS], f), 0);
	}
	t_req = base + 49 * MS;
	add_transition(w, 1, TRACE_DOMAIN_GPU, t_req, 918000, 306000);
	assert_int_equal(trace_writer_close(w), 0);
	analysis_init(&a);
	assert_int_equal(analysis_read_whole(dir, &a, &ti, &res, err, sizeof(err)), 0);
	assert_int_equal(a.nx, 1);
	assert_false(a.x[0].has_tp);
	assert_true(a.x[0].flags & XF_PROBE_NO_DATA);
	analysis_free(&a);

	/* The same bins as a CPU probe's (kind 0): found, no time bound. */
	w = trace_writer_open(dir, &m, true, err, sizeof(err));
	assert_non_null(w);
	for (uint64_t i = 0; i < 10000; i += TRACE_PROBE_BINS_PER_EVENT) {
		memset(f, 0, sizeof(f));
		f[PB_T0_NS] = base + i * bin;
		f[PB_BIN_NS] = bin;
		f[PB_N] = TRACE_PROBE_BINS_PER_EVENT;
		for (uint64_t j = 0; j < TRACE_PROBE_BINS_PER_EVENT; j++)
			f[PB_W0 + j] = base + (i + j) * bin < base + 50 * MS ? 1000 : 500;
		assert_int_equal(trace_writer_add(w, TEV_PROBE_BINS, f[PB_T0_NS], f), 0);
	}
	add_transition(w, 1, TRACE_DOMAIN_GPU, t_req, 918000, 306000);
	assert_int_equal(trace_writer_close(w), 0);
	analysis_init(&a);
	assert_int_equal(analysis_read_whole(dir, &a, &ti, &res, err, sizeof(err)), 0);
	assert_true(a.x[0].has_tp);
	assert_int_equal(a.x[0].tp_time_bound_ns, 0);
	analysis_free(&a);
	rm_rf(dir);
	free(dir);
}

int run_gpuprobe_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fatbin_parse),
		cmocka_unit_test(test_fatbin_malformed),
		cmocka_unit_test(test_steady_compute),
		cmocka_unit_test(test_steady_memory),
		cmocka_unit_test(test_step_detected),
		cmocka_unit_test(test_sticky_error),
		cmocka_unit_test(test_stalled_kernel),
		cmocka_unit_test(test_ring_overflow),
		cmocka_unit_test(test_kernel_exits_early),
		cmocka_unit_test(test_corrupt_ring),
		cmocka_unit_test(test_time_backwards),
		cmocka_unit_test(test_start_failures),
		cmocka_unit_test(test_stop_and_restart),
		cmocka_unit_test(test_gpu_campaign_trace),
		cmocka_unit_test(test_gpu_bins_without_info),
	};
	return cmocka_run_group_tests_name("GPU probe (stub driver)", tests,
					   setup_image, teardown_image);
}
