// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The CPU probe's memory kind: byte-count parsing and the size check, LLC
 * detection from a fake sysfs tree, the load loop touching every line once
 * per pass, the calibration, and a short real run on a small buffer.
 */
#include <errno.h>
#include <sched.h>
#include <sys/stat.h>
#include <time.h>
#include "helpers.h"
#include "probe.h"
#include "probe_mem.h"
#include "util.h"

#define MiB (1ULL << 20)

static void test_parse_bytes(void **state)
{
	static const struct { const char *s; uint64_t v; } good[] = {
		{ "4096", 4096 }, { "1k", 1024 }, { "1K", 1024 }, { "64M", 64 * MiB },
		{ "64m", 64 * MiB }, { "2G", 2ULL << 30 }, { "0", 0 },
	};
	static const char *const bad[] = {
		"", "-1", "+1", " 1", "1 ", "1MB", "1MiB", "1.5M", "M", "0x10", "1T",
		"1KK", "99999999999999999999", "18446744073709551615K",
		"17179869184G",	/* 2^34 G: 2^64, one past UINT64_MAX */
	};
	char err[SETTLE_ERR_LEN];
	uint64_t v;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		v = 12345;
		assert_int_equal(probe_mem_parse_bytes("--buffer-bytes", good[i].s, 0,
						       UINT64_MAX, &v, err, sizeof(err)), 0);
		assert_true(v == good[i].v);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		v = 12345;
		err[0] = '\0';
		assert_int_equal(probe_mem_parse_bytes("--buffer-bytes", bad[i], 0,
						       UINT64_MAX, &v, err, sizeof(err)), -1);
		assert_true(v == 12345);
		assert_non_null(strstr(err, "--buffer-bytes"));
		assert_non_null(strstr(err, "not a byte count"));
	}
	/* Bounds apply after the suffix. */
	assert_int_equal(probe_mem_parse_bytes("--b", "1K", 1025, 2048, &v, err,
					       sizeof(err)), -1);
	assert_non_null(strstr(err, "outside [1025, 2048]"));
	assert_int_equal(probe_mem_parse_bytes("--b", "2K", 1025, 2048, &v, err,
					       sizeof(err)), 0);
	assert_true(v == 2048);
	assert_int_equal(probe_mem_parse_bytes("--b", "3K", 1025, 2048, &v, err,
					       sizeof(err)), -1);
}

static void test_check_and_default(void **state)
{
	char err[SETTLE_ERR_LEN];
	const uint64_t llc = 32 * MiB;

	(void)state;
	assert_true(probe_mem_default_bytes(0) == 64 * MiB);
	assert_true(probe_mem_default_bytes(8 * MiB) == 64 * MiB);
	assert_true(probe_mem_default_bytes(llc) == 128 * MiB);
	assert_true(probe_mem_default_bytes(UINT64_MAX / 2) == UINT64_MAX);

	/* Under 2 x LLC: refused, with the reason and the way out. */
	assert_int_equal(probe_mem_check_bytes(2 * llc - 1, llc, false, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "2 x the last-level cache"));
	assert_non_null(strstr(err, "--force"));
	assert_int_equal(probe_mem_check_bytes(2 * llc, llc, false, err, sizeof(err)), 0);
	assert_int_equal(probe_mem_check_bytes(MiB, llc, true, err, sizeof(err)), 0);
	/* Unknown LLC: nothing to check against. */
	assert_int_equal(probe_mem_check_bytes(MiB, 0, false, err, sizeof(err)), 0);
	/* Under a page or over half the RAM: refused even when forced. */
	assert_int_equal(probe_mem_check_bytes(4095, 0, true, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "one page"));
	assert_int_equal(probe_mem_check_bytes(1ULL << 50, 0, true, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "half the RAM"));
}

/* ROOT/sys/devices/system/cpu/cpu0/cache/indexI/{level,type,size}. */
static void fake_cache(const char *root, int i, const char *level, const char *type,
		       const char *size)
{
	char dir[512], path[600];

	snprintf(dir, sizeof(dir), "%s/sys/devices/system/cpu/cpu0/cache/index%d", root, i);
	for (char *s = dir + strlen(root) + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			mkdir(dir, 0755);
			*s = '/';
		}
	mkdir(dir, 0755);
	if (level) {
		snprintf(path, sizeof(path), "%s/level", dir);
		spit(path, level, strlen(level));
	}
	if (type) {
		snprintf(path, sizeof(path), "%s/type", dir);
		spit(path, type, strlen(type));
	}
	if (size) {
		snprintf(path, sizeof(path), "%s/size", dir);
		spit(path, size, strlen(size));
	}
}

static void test_llc_from_sysfs(void **state)
{
	char err[SETTLE_ERR_LEN], *root = tmpdir_make();
	uint64_t llc = 0;

	(void)state;
	/* No cache directory at all: an error that names where it looked. */
	assert_int_equal(probe_mem_llc_bytes(root, &llc, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "cpu0/cache"));

	/* The layout of this kind of machine: L1d, L1i, L2, L3. */
	fake_cache(root, 0, "1\n", "Data\n", "32K\n");
	fake_cache(root, 1, "1\n", "Instruction\n", "32K\n");
	fake_cache(root, 2, "2\n", "Unified\n", "1024K\n");
	assert_int_equal(probe_mem_llc_bytes(root, &llc, err, sizeof(err)), 0);
	assert_true(llc == MiB);	/* no L3 yet: the highest is L2 */
	fake_cache(root, 3, "3\n", "Unified\n", "32768K\n");
	assert_int_equal(probe_mem_llc_bytes(root, &llc, err, sizeof(err)), 0);
	assert_true(llc == 32 * MiB);

	/* An instruction cache never counts, however high or large. */
	fake_cache(root, 4, "4\n", "Instruction\n", "65536K\n");
	/* Unreadable or malformed entries are skipped, not fatal. */
	fake_cache(root, 5, "4\n", "Unified\n", "lots\n");
	fake_cache(root, 6, "x\n", "Unified\n", "131072K\n");
	fake_cache(root, 7, "5\n", "Unified\n", NULL);
	assert_int_equal(probe_mem_llc_bytes(root, &llc, err, sizeof(err)), 0);
	assert_true(llc == 32 * MiB);

	/* Two at the highest level: the larger; an M suffix is read too. */
	fake_cache(root, 8, "3\n", "Unified\n", "48M\n");
	assert_int_equal(probe_mem_llc_bytes(root, &llc, err, sizeof(err)), 0);
	assert_true(llc == 48 * MiB);
	rm_rf(root);
	free(root);

	/* Only broken entries: an error, not a zero-sized cache. */
	root = tmpdir_make();
	fake_cache(root, 0, "1\n", "Data\n", "0K\n");
	assert_int_equal(probe_mem_llc_bytes(root, &llc, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "no data cache"));
	rm_rf(root);
	free(root);
}

static void test_stream_touches_every_line(void **state)
{
	struct probe_mem m;
	char err[SETTLE_ERR_LEN];
	uint64_t n, acc;

	(void)state;
	/* 16 KiB, with a tail that is not a whole page: rounded up. */
	assert_int_equal(probe_mem_alloc(&m, 16 * 1024 - 100, false, err, sizeof(err)), 0);
	assert_true(m.bytes == 16 * 1024);
	n = m.nlines;
	assert_true(n == 256);
	assert_true(((uintptr_t)m.buf & (2 * MiB - 1)) == 0);
	assert_true(m.huge_bytes <= m.bytes);
	assert_false(m.mlocked);

	/* Pre-fault left line i holding i + 1: one pass sums 1..n. */
	assert_true(probe_mem_stream(&m, (uint32_t)n, 0) == n * (n + 1) / 2);
	assert_true(m.pos == 0);
	/* Wrapping, several times in one call. */
	acc = probe_mem_stream(&m, (uint32_t)(3 * n + 10), 0);
	assert_true(acc == 3 * (n * (n + 1) / 2) + 10 * 11 / 2);
	assert_true(m.pos == 10);
	m.pos = 0;

	/* Exactly one load per line, of its first word: a one in line k and
	 * zeros elsewhere sums to one, whichever k. */
	for (size_t i = 0; i < n * 8; i++)
		m.buf[i] = 0;
	for (size_t k = 0; k < n; k++) {
		m.buf[k * 8] = 1;
		m.buf[k * 8 + 1] = 1000;	/* not the probed word */
		assert_true(probe_mem_stream(&m, (uint32_t)n, 0) == 1);
		m.buf[k * 8] = 0;
		m.buf[k * 8 + 1] = 0;
	}
	/* Starting mid-buffer covers the same lines. */
	m.buf[0] = 7;
	m.pos = n / 2;
	assert_true(probe_mem_stream(&m, (uint32_t)n, 0) == 7);
	assert_true(m.pos == n / 2);
	probe_mem_free(&m);
	assert_null(m.map);
	probe_mem_free(&m);	/* twice is harmless */
}

static uint64_t mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void test_calibration(void **state)
{
	const uint64_t work_ns = 2000;
	char err[SETTLE_ERR_LEN];
	struct probe_mem m;
	uint64_t ps = 0, best = UINT64_MAX, acc = 0;
	uint32_t lines;

	(void)state;
	/* 4 MiB: cached here, which makes the timing below steady. */
	assert_int_equal(probe_mem_alloc(&m, 4 * MiB, false, err, sizeof(err)), 0);
	lines = probe_mem_calibrate(&m, work_ns, &ps);
	assert_true(ps > 0);
	assert_true(lines >= 1);
	/* No machine streams a line in under 10 ps or over 10 us. */
	assert_true(ps >= 10 && ps <= 10000000);
	/* And the chunk it chose does take about work_ns: best of a few
	 * batches of 100 chunks, within a factor of 4 either way. */
	for (int r = 0; r < 10; r++) {
		uint64_t t = mono(), d;

		for (int i = 0; i < 100; i++)
			acc = probe_mem_stream(&m, lines, acc);
		d = (mono() - t) / 100;
		if (d < best)
			best = d;
	}
	assert_true(acc != 0);
	assert_true(best >= work_ns / 4 && best <= work_ns * 4);
	/* The edges: never zero lines, never past the 32-bit count. */
	assert_true(probe_mem_calibrate(&m, 0, NULL) == 1);
	assert_true(probe_mem_calibrate(&m, UINT64_MAX / 1000, NULL) == UINT32_MAX);
	probe_mem_free(&m);
}

static int some_cpu(void)
{
	cpu_set_t set;

	assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set))
			return c;
	return 0;
}

static void test_memory_probe_runs(void **state)
{
	/* 1 MiB is under any LLC: probe_start() leaves that check to its
	 * caller (the CLI's --force), so a test can run briefly. */
	struct probe_config cfg = { .cpu = some_cpu(), .bin_ns = 100000,
				    .capacity_ns = 1000000000, .want_fifo = false,
				    .skip_mlock = true, .kind = PROBE_MEMORY,
				    .buffer_bytes = MiB };
	struct timespec ts = { 0, 30000000 };
	char err[SETTLE_ERR_LEN];
	struct probe_stats st;
	struct probe *p;
	size_t done, nonzero = 0;

	(void)state;
	assert_int_equal(probe_start(&cfg, &p, err, sizeof(err)), 0);
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
	done = probe_bins_done(p);
	assert_int_equal(probe_stop(p, &st), 0);
	assert_int_equal(st.kind, PROBE_MEMORY);
	assert_string_equal(probe_kind_str(st.kind), "memory");
	assert_true(st.buffer_bytes == MiB);
	assert_false(st.buffer_mlocked);
	assert_true(st.huge_bytes <= st.buffer_bytes);
	assert_true(st.line_ps > 0);
	assert_true(st.samples > 0);
	assert_true(st.iters_per_sample > 0);
	assert_true(st.period_p50_ns <= st.period_max_ns);
	for (size_t i = 0; i < done; i++)
		nonzero += probe_bins(p)[i] != 0;
	assert_true(nonzero > 0);
	probe_free(p);

	/* The compute probe reports its kind and no buffer. */
	cfg.kind = PROBE_COMPUTE;
	assert_int_equal(probe_start(&cfg, &p, err, sizeof(err)), 0);
	assert_int_equal(probe_stop(p, &st), 0);
	assert_int_equal(st.kind, PROBE_COMPUTE);
	assert_true(st.buffer_bytes == 0);
	assert_string_equal(probe_kind_str(st.kind), "compute");
	probe_free(p);

	/* An unknown kind or a buffer under a page: refused up front. */
	cfg.kind = (enum probe_kind)7;
	assert_int_equal(probe_start(&cfg, &p, err, sizeof(err)), -EINVAL);
	assert_null(p);
	cfg.kind = PROBE_MEMORY;
	cfg.buffer_bytes = 100;
	assert_int_equal(probe_start(&cfg, &p, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "one page"));
	assert_null(p);
}

int run_probe_mem_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_bytes),
		cmocka_unit_test(test_check_and_default),
		cmocka_unit_test(test_llc_from_sysfs),
		cmocka_unit_test(test_stream_touches_every_line),
		cmocka_unit_test(test_calibration),
		cmocka_unit_test(test_memory_probe_runs),
	};
	return cmocka_run_group_tests_name("cpu probe, memory kind", tests, NULL, NULL);
}
