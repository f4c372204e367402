// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* settle step without the kernel: plan, options, gaps, sysfs checks. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "helpers.h"
#include "step.h"
#include "util.h"

int run_step_tests(void);

/* Runs step_parse_args on a NULL-terminated list; stderr goes to *msg. */
static int parse(struct step_opts *o, char **msg, ...)
{
	char *argv[32] = { "step" }, *buf = NULL;
	size_t len = 0;
	int argc = 1, ret;
	FILE *f = open_memstream(&buf, &len), *saved = stderr;
	va_list ap;

	va_start(ap, msg);
	while ((argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	stderr = f;
	ret = step_parse_args(argc, argv, o);
	stderr = saved;
	fclose(f);
	if (msg)
		*msg = buf;
	else
		free(buf);
	return ret;
}

static void expect_parse_error(const char *want, ...)
{
	char *argv[32] = { "step" }, *buf = NULL;
	size_t len = 0;
	int argc = 1, ret;
	FILE *f = open_memstream(&buf, &len), *saved = stderr;
	struct step_opts o;
	va_list ap;

	va_start(ap, want);
	while ((argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	stderr = f;
	ret = step_parse_args(argc, argv, &o);
	stderr = saved;
	fclose(f);
	if (ret != -1 || !strstr(buf, want))
		fail_msg("%s ...: returned %d, message '%s', wanted '%s'", argv[1], ret, buf, want);
	free(buf);
}

static void test_options_ok(void **state)
{
	struct step_opts o;

	(void)state;
	assert_int_equal(parse(&o, NULL, "--cpu", "2", "--rates", "729600,1420800,2201600",
			       "--count", "10", NULL), 0);
	assert_int_equal(o.cpu, 2);
	assert_int_equal(o.nrates, 3);
	assert_int_equal(o.rates[2], 2201600);
	assert_int_equal(o.count, 10);
	/* Defaults. */
	assert_false(o.random_gap);
	assert_int_equal(o.gap_min_ms, STEP_DEFAULT_GAP_MS);
	assert_int_equal(o.gap_max_ms, STEP_DEFAULT_GAP_MS);
	assert_int_equal(o.warmup, STEP_DEFAULT_WARMUP);
	assert_int_equal(o.bin_us, 10);
	assert_string_equal(o.out, "settle-step");
	assert_false(o.seed_set);
	assert_false(o.no_probe);

	assert_int_equal(parse(&o, NULL, "--domain", "cpu", "-c", "0", "-r", "1,2", "-n", "1",
			       "--random-gap", "20:80", "--seed", "7", "-w", "0", "-o", "x",
			       "--force", "--no-probe", "--bin-us", "50", "--duration-cap", "9",
			       NULL), 0);
	assert_true(o.random_gap);
	assert_int_equal(o.gap_min_ms, 20);
	assert_int_equal(o.gap_max_ms, 80);
	assert_true(o.seed_set);
	assert_int_equal(o.seed, 7);
	assert_int_equal(o.warmup, 0);
	assert_true(o.force && o.no_probe);
	assert_int_equal(o.bin_us, 50);
	assert_int_equal(o.duration_cap_s, 9);
	assert_int_equal(parse(&o, NULL, "-c", "0", "-r", "1,2", "-n", "1",
			       "--random-gap", "5:5", NULL), 0);

	/* --help: printed on stdout, not an error. */
	fflush(stdout);
	{
		FILE *saved = stdout, *f = fopen("/dev/null", "w");

		stdout = f;
		assert_int_equal(parse(&o, NULL, "--help", NULL), 1);
		stdout = saved;
		fclose(f);
	}
	assert_non_null(strstr(step_usage, "needs root") ? step_usage : strstr(step_usage, "Needs root"));
	assert_non_null(strstr(step_usage, "default 50"));
}

static void test_options_bad(void **state)
{
	(void)state;
	expect_parse_error("unknown domain 'dsp'", "--domain", "dsp", NULL);
	/* gpu, emc: a device of settle.ko's, the probe CPU only with a probe. */
	expect_parse_error("--rates is required: two or more rates in kHz (see `settle devices`)",
			   "--domain", "gpu", "--count", "1", NULL);
	expect_parse_error("--probe cpu-memory needs --cpu N", "--domain", "emc",
			   "--rates", "1,2", "--count", "1", NULL);
	expect_parse_error("--probe cpu needs --cpu N", "--domain", "gpu", "--probe", "cpu",
			   "--rates", "1,2", "--count", "1", NULL);
	expect_parse_error("--device is for --domain gpu and emc", "--device", "emc", "-c", "1",
			   "--rates", "1,2", "--count", "1", NULL);
	expect_parse_error("--probe: unknown kind 'gpu'", "--probe", "gpu", NULL);
	expect_parse_error("given twice with different kinds", "--probe", "cpu", "--no-probe", NULL);
	expect_parse_error("--cpu is required", "--rates", "1,2", "--count", "1", NULL);
	expect_parse_error("--rates is required", "--cpu", "1", "--count", "1", NULL);
	expect_parse_error("--count is required", "--cpu", "1", "--rates", "1,2", NULL);
	/* Rates. */
	expect_parse_error("listed twice", "-c", "1", "-n", "1", "--rates", "100,200,100", NULL);
	expect_parse_error("at least two", "-c", "1", "-n", "1", "--rates", "100", NULL);
	expect_parse_error("empty value", "-c", "1", "-n", "1", "--rates", "100,,200", NULL);
	expect_parse_error("empty value", "-c", "1", "-n", "1", "--rates", "100,", NULL);
	expect_parse_error("trailing characters 'GHz'", "-c", "1", "-n", "1", "--rates", "1GHz,2", NULL);
	expect_parse_error("too small", "-c", "1", "-n", "1", "--rates", "0,2", NULL);
	expect_parse_error("too large", "-c", "1", "-n", "1", "--rates", "4294967296,2", NULL);
	/* Counts and gaps. */
	expect_parse_error("--count", "-c", "1", "-r", "1,2", "-n", "0", NULL);
	expect_parse_error("--gap-ms", "-c", "1", "-r", "1,2", "-n", "1", "--gap-ms", "0", NULL);
	expect_parse_error("--gap-ms", "-c", "1", "-r", "1,2", "-n", "1", "--gap-ms", "-5", NULL);
	expect_parse_error("too large", "-c", "1", "-r", "1,2", "-n", "1", "--gap-ms", "60001", NULL);
	expect_parse_error("greater than HI", "-c", "1", "-r", "1,2", "-n", "1",
			   "--random-gap", "80:20", NULL);
	expect_parse_error("not LO:HI", "-c", "1", "-r", "1,2", "-n", "1", "--random-gap", "20", NULL);
	expect_parse_error("--random-gap LO", "-c", "1", "-r", "1,2", "-n", "1",
			   "--random-gap", "0:20", NULL);
	expect_parse_error("--random-gap HI", "-c", "1", "-r", "1,2", "-n", "1",
			   "--random-gap", "1:x", NULL);
	expect_parse_error("mutually exclusive", "-c", "1", "-r", "1,2", "-n", "1",
			   "--gap-ms", "10", "--random-gap", "1:2", NULL);
	expect_parse_error("mutually exclusive", "-c", "1", "-r", "1,2", "-n", "1",
			   "--random-gap", "1:2", "--gap-ms", "10", NULL);
	expect_parse_error("--bin-us", "-c", "1", "-r", "1,2", "-n", "1", "--bin-us", "0", NULL);
	expect_parse_error("--cpu", "-c", "x", "-r", "1,2", "-n", "1", NULL);
	expect_parse_error("unexpected argument 'extra'", "-c", "1", "-r", "1,2", "-n", "1",
			   "extra", NULL);
	expect_parse_error("empty output", "-c", "1", "-r", "1,2", "-n", "1", "-o", "", NULL);
}

/* Checks coverage and continuity of a plan; returns the pair counts' min. */
static void check_plan(const uint32_t *rates, size_t k, uint64_t count, uint64_t warmup,
		       uint32_t cur)
{
	char err[SETTLE_ERR_LEN];
	struct step_plan p;
	uint64_t seen[STEP_MAX_RATES][STEP_MAX_RATES] = { { 0 } };
	bool listed = false;
	size_t i0 = 0;

	for (size_t i = 0; i < k; i++)
		listed |= rates[i] == cur;
	assert_int_equal(step_plan_build(rates, k, count, warmup, cur, &p, err, sizeof(err)), 0);
	assert_int_equal(p.npairs, k * (k - 1));
	assert_int_equal(p.nmeasured, count * k * (k - 1));
	assert_int_equal(p.nwarmup, warmup);
	assert_int_equal(p.nposition, 1);
	assert_int_equal(p.n, p.nposition + p.nwarmup + p.nmeasured);
	/*
	 * Always one positioning step, from the rate read before the policy
	 * switch, to where the circuit starts: that rate when listed (the
	 * kernel then answers EALREADY), else the first.
	 */
	assert_int_equal(p.steps[0].flags, TRACE_STEP_POSITION);
	assert_int_equal(p.steps[0].from_khz, cur);
	assert_int_equal(p.steps[0].to_khz, listed ? cur : rates[0]);
	i0 = 1;
	for (size_t i = 0; i < p.n; i++) {
		const struct step_item *s = &p.steps[i];

		if (i >= i0)
			assert_int_not_equal(s->from_khz, s->to_khz);
		/* Continuity: no hidden positioning anywhere. */
		if (i + 1 < p.n)
			assert_int_equal(s->to_khz, p.steps[i + 1].from_khz);
		if (i < i0)
			continue;
		if (i < i0 + warmup) {
			assert_int_equal(s->flags, TRACE_STEP_WARMUP);
			continue;
		}
		assert_int_equal(s->flags, 0);
		for (size_t a = 0; a < k; a++)
			for (size_t b = 0; b < k; b++)
				if (rates[a] == s->from_khz && rates[b] == s->to_khz)
					seen[a][b]++;
	}
	for (size_t a = 0; a < k; a++)
		for (size_t b = 0; b < k; b++)
			if (a != b && seen[a][b] != count)
				fail_msg("k=%zu pair %zu->%zu measured %llu times, want %llu", k, a, b,
					 (unsigned long long)seen[a][b], (unsigned long long)count);
	step_plan_free(&p);
}

static void test_plan(void **state)
{
	static const uint32_t rates[] = { 300, 100, 700, 500, 900, 200, 800, 400 };
	char err[SETTLE_ERR_LEN];
	struct step_plan p;

	(void)state;
	for (size_t k = 2; k <= ARRAY_SIZE(rates); k++) {
		check_plan(rates, k, 1, 0, rates[0]);
		check_plan(rates, k, 3, 4, rates[k - 1]);	/* starts where the CPU is */
		check_plan(rates, k, 2, 5, 0);			/* unknown: positioning */
		check_plan(rates, k, 2, 0, 12345);		/* unlisted: positioning */
	}
	check_plan(rates, 3, 100, 4, 100);

	/* Two rates, CPU at the second: confirm B, then B->A, A->B, ... */
	assert_int_equal(step_plan_build(rates, 2, 2, 1, 100, &p, err, sizeof(err)), 0);
	assert_int_equal(p.n, 6);
	assert_int_equal(p.steps[0].to_khz, 100);
	assert_int_equal(p.steps[0].flags, TRACE_STEP_POSITION);
	assert_int_equal(p.steps[1].from_khz, 100);
	assert_int_equal(p.steps[1].to_khz, 300);
	assert_int_equal(p.steps[1].flags, TRACE_STEP_WARMUP);
	assert_int_equal(p.steps[2].from_khz, 300);
	assert_int_equal(p.steps[2].flags, 0);
	step_plan_free(&p);

	assert_int_equal(step_plan_build(rates, 1, 1, 0, 0, &p, err, sizeof(err)), -1);
	assert_int_equal(step_plan_build(rates, 2, 0, 0, 0, &p, err, sizeof(err)), -1);
	assert_int_equal(step_plan_build(rates, 8, 1000000, 0, 0, &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "lower --count"));
}

static void test_gaps(void **state)
{
	struct step_opts o = { .gap_min_ms = 20, .gap_max_ms = 80, .random_gap = true };
	struct step_rng a, b;
	struct step_plan p = { .n = 10 };
	uint64_t first[64], lo = UINT64_MAX, hi = 0;
	bool differs = false;

	(void)state;
	/* splitmix64 reference value: the same sequence on every platform. */
	step_rng_seed(&a, 0);
	assert_true(step_rng_next(&a) == 0xe220a8397b1dcdafULL);

	step_rng_seed(&a, 42);
	step_rng_seed(&b, 42);
	for (size_t i = 0; i < ARRAY_SIZE(first); i++) {
		first[i] = step_gap_ns(&o, &a);
		assert_true(first[i] == step_gap_ns(&o, &b));
		assert_true(first[i] >= 20000000 && first[i] <= 80000000);
		assert_int_equal(first[i] % 1000, 0);	/* 1 us resolution */
	}
	step_rng_seed(&b, 43);
	for (size_t i = 0; i < ARRAY_SIZE(first); i++)
		differs |= step_gap_ns(&o, &b) != first[i];
	assert_true(differs);
	/* Spread: 10000 draws reach close to both ends. */
	for (int i = 0; i < 10000; i++) {
		uint64_t g = step_gap_ns(&o, &a);

		lo = g < lo ? g : lo;
		hi = g > hi ? g : hi;
	}
	assert_true(lo < 21000000 && hi > 79000000);
	assert_true(step_plan_estimate_ns(&p, &o) == 10 * 50000000ULL);

	o = (struct step_opts){ .gap_min_ms = 50, .gap_max_ms = 50 };
	for (int i = 0; i < 5; i++)
		assert_true(step_gap_ns(&o, &a) == 50000000);
	assert_true(step_plan_estimate_ns(&p, &o) == 10 * 50000000ULL);
}

/*
 * A campaign's waits, simulated: requests every `gap`, a flush due every
 * `interval`.  Every flush must come in the middle of a gap, at most one
 * gap after it fell due, and wakes must be no more than `poll` apart.
 */
static void sim_campaign(uint64_t gap, uint64_t interval, uint64_t poll, int nreq)
{
	uint64_t now = 0, next_flush = interval, mid = 0, t_req = gap, last_wake = 0;
	int flushes = 0;
	bool flush;

	for (int i = 0; i <= nreq; i++) {
		uint64_t until = t_req;

		for (;;) {
			uint64_t wake = step_service_wake(now, until, next_flush, mid, poll, &flush);

			if (flush) {
				/*
				 * At the middle of a gap, at most one gap after
				 * it fell due or after the first request (at gap).
				 */
				assert_true(mid != 0);
				assert_true(now == mid);
				assert_true(now <= (next_flush > gap ? next_flush : gap) + gap);
				next_flush = now + interval;
				flushes++;
				continue;
			}
			if (now >= until)
				break;
			assert_true(wake > now && wake <= until);
			assert_true(wake - now <= poll);
			now = wake;
			assert_true(now - last_wake <= poll);
			last_wake = now;
		}
		/* The request; the next gap's middle. */
		mid = t_req + gap / 2;
		t_req += gap;
	}
	/* One flush at least every interval + gap. */
	assert_true((uint64_t)flushes >= (uint64_t)nreq * gap / (interval + gap));
}

static void test_flush_mid_gap(void **state)
{
	bool flush;

	(void)state;
	/* settle step's default: 80 ms gaps, 200 ms flushes. */
	sim_campaign(80000000, 200000000, 200000000, 100);
	/* Gaps longer than the flush interval: one flush per gap, polls between. */
	sim_campaign(1000000000, 200000000, 200000000, 20);
	/* Short gaps. */
	sim_campaign(3000000, 200000000, 200000000, 1000);
	/* Before the first request nothing is kept clear, and nothing flushed. */
	assert_int_equal(step_service_wake(0, 80, 10, 0, 1000, &flush), 80);
	assert_false(flush);
	/* Due after the middle: the flush waits for the next gap. */
	assert_int_equal(step_service_wake(150, 180, 160, 140, 1000, &flush), 180);
	assert_false(flush);
	/* Due before it: at the middle. */
	assert_int_equal(step_service_wake(110, 180, 120, 140, 1000, &flush), 140);
	assert_false(flush);
	step_service_wake(140, 180, 120, 140, 1000, &flush);
	assert_true(flush);
}

static void test_cpulist(void **state)
{
	bool on[16] = { false };
	int n;

	(void)state;
	assert_int_equal(cpulist_parse("0-3,5,7-8\n", on, 16, &n), 0);
	assert_int_equal(n, 7);
	assert_true(on[0] && on[3] && !on[4] && on[5] && !on[6] && on[8]);
	assert_int_equal(cpulist_parse("3-1", on, 16, &n), -1);
	assert_int_equal(cpulist_parse("a", on, 16, &n), -1);
	assert_int_equal(cpulist_parse("1-", on, 16, &n), -1);
	assert_int_equal(cpulist_parse("99", on, 16, &n), -1);
	assert_int_equal(cpulist_parse("1;2", on, 16, &n), -1);
}

static void fake_cpu(const char *root, int cpu, const char *avail, const char *cur)
{
	char dir[4096], file[4200];

	snprintf(dir, sizeof(dir), "%s/devices/system/cpu/cpu%d/cpufreq", root, cpu);
	assert_int_equal(system(((void)snprintf(file, sizeof(file), "mkdir -p '%s'", dir), file)), 0);
	snprintf(file, sizeof(file), "%s/scaling_available_frequencies", dir);
	spit(file, avail, strlen(avail));
	if (cur) {
		snprintf(file, sizeof(file), "%s/scaling_cur_freq", dir);
		spit(file, cur, strlen(cur));
	}
}

static void test_check_system(void **state)
{
	char *root = tmpdir_make(), err[2048], online[4200];
	struct step_opts o = { .cpu = 1, .rates = { 1420800, 729600 }, .nrates = 2 };
	uint32_t cur;
	int ctl;

	(void)state;
	fake_cpu(root, 1, "345600 729600 1420800 2201600 \n", "729600\n");
	snprintf(online, sizeof(online), "%s/devices/system/cpu/online", root);
	spit(online, "0-3\n", 4);
	assert_int_equal(step_check_system(root, &o, &ctl, &cur, err, sizeof(err)), 0);
	assert_int_equal(ctl, 0);
	assert_int_equal(cur, 729600);

	/* A rate the CPU does not have: named, with the valid list. */
	o.rates[1] = 1000000;
	assert_int_equal(step_check_system(root, &o, &ctl, &cur, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "rate 1000000 kHz is not available on cpu 1"));
	assert_non_null(strstr(err, "345600 729600 1420800 2201600"));
	o.rates[1] = 729600;

	/* Offline measured CPU; a single online CPU. */
	spit(online, "0,2-3\n", 6);
	assert_int_equal(step_check_system(root, &o, &ctl, &cur, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cpu 1 is not online (online: 0,2-3)"));
	spit(online, "1\n", 2);
	assert_int_equal(step_check_system(root, &o, &ctl, &cur, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "at least 2 online CPUs"));

	/* Controller picks another CPU even when the measured one is cpu 0. */
	spit(online, "0-1\n", 4);
	fake_cpu(root, 0, "729600 1420800\n", NULL);
	o.cpu = 0;
	assert_int_equal(step_check_system(root, &o, &ctl, &cur, err, sizeof(err)), 0);
	assert_int_equal(ctl, 1);
	assert_int_equal(cur, 0);	/* unreadable: unknown */

	/* No cpufreq for the CPU. */
	spit(online, "0-2\n", 4);
	o.cpu = 2;
	assert_int_equal(step_check_system(root, &o, &ctl, &cur, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cpu 2 has no list of rates"));
	rm_rf(root);
	free(root);
}

int run_step_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options_ok),
		cmocka_unit_test(test_options_bad),
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_gaps),
		cmocka_unit_test(test_flush_mid_gap),
		cmocka_unit_test(test_cpulist),
		cmocka_unit_test(test_check_system),
	};
	return cmocka_run_group_tests_name("settle step planning", tests, NULL, NULL);
}
