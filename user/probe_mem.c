// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The CPU probe's memory kind.  A sample is a fixed number of loads, one per
 * 64-byte line, walking a buffer much larger than the last-level cache in
 * address order: every line comes from DRAM, the hardware prefetcher keeps
 * many in flight, and the rate is set by the memory clock.  The core clock
 * only matters as far as the core can keep the loads issued, which at one
 * load per line it easily does.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "probe_mem.h"
#include "util.h"

#define WORDS_PER_LINE	(PROBE_MEM_LINE / sizeof(uint64_t))
/* Transparent huge pages are 2 MiB wherever settle runs (x86_64, arm64
 * with 4K pages): aligning to it lets the whole buffer be backed by them. */
#define HUGE_ALIGN	(2ULL << 20)
/* Calibration: lines per timed run (16 MiB), best of CAL_RUNS. */
#define CAL_LINES	(1U << 18)
#define CAL_RUNS	5
#define CACHE_DIR	"sys/devices/system/cpu/cpu0/cache"

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Digits and an optional K/M/G; *end is left at the first other char. */
static int scan_bytes(const char *s, uint64_t *out, const char **end)
{
	uint64_t v = 0, mul = 1;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	switch (*s) {
	case 'k': case 'K': mul = 1ULL << 10; s++; break;
	case 'm': case 'M': mul = 1ULL << 20; s++; break;
	case 'g': case 'G': mul = 1ULL << 30; s++; break;
	}
	if (v && mul > UINT64_MAX / v)
		return -1;
	*out = v * mul;
	*end = s;
	return 0;
}

int probe_mem_parse_bytes(const char *opt, const char *s, uint64_t min, uint64_t max,
			  uint64_t *out, char *err, size_t errlen)
{
	const char *end;
	uint64_t v;

	if (scan_bytes(s, &v, &end) || *end) {
		set_err(err, errlen,
			"%s: '%s' is not a byte count (digits with an optional K, M or G, e.g. 256M)",
			opt, s);
		return -1;
	}
	if (v < min || v > max) {
		set_err(err, errlen, "%s: %s is outside [%" PRIu64 ", %" PRIu64 "] bytes",
			opt, s, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

/* First line of a small sysfs file, newline stripped; -1 if unreadable. */
static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	char *nl;

	if (!f)
		return -1;
	if (!fgets(buf, (int)len, f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	return 0;
}

int probe_mem_llc_bytes(const char *root, uint64_t *out, char *err, size_t errlen)
{
	char dir[4096], path[4400], val[64];
	unsigned long best_level = 0;
	uint64_t best = 0;
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/%s", root && *root ? root : "", CACHE_DIR);
	d = opendir(dir);
	if (!d) {
		set_err(err, errlen, "cannot read the cache topology in %s: %s", dir,
			strerror(errno));
		return -ENOENT;
	}
	while ((de = readdir(d))) {
		unsigned long level;
		const char *end;
		uint64_t size;
		char *lend;

		if (strncmp(de->d_name, "index", 5))
			continue;
		snprintf(path, sizeof(path), "%s/%s/type", dir, de->d_name);
		/* An instruction cache holds no data: never the one loads miss. */
		if (!read_line(path, val, sizeof(val)) && !strcmp(val, "Instruction"))
			continue;
		snprintf(path, sizeof(path), "%s/%s/level", dir, de->d_name);
		if (read_line(path, val, sizeof(val)))
			continue;
		errno = 0;
		level = strtoul(val, &lend, 10);
		if (errno || lend == val || *lend)
			continue;
		snprintf(path, sizeof(path), "%s/%s/size", dir, de->d_name);
		if (read_line(path, val, sizeof(val)) || scan_bytes(val, &size, &end) ||
		    *end || !size)
			continue;
		if (level > best_level || (level == best_level && size > best)) {
			best_level = level;
			best = size;
		}
	}
	closedir(d);
	if (!best) {
		set_err(err, errlen, "no data cache with a readable level and size in %s", dir);
		return -ENOENT;
	}
	*out = best;
	return 0;
}

uint64_t probe_mem_default_bytes(uint64_t llc)
{
	if (llc > UINT64_MAX / PROBE_MEM_LLC_DEFAULT)
		return UINT64_MAX;
	llc *= PROBE_MEM_LLC_DEFAULT;
	return llc > PROBE_MEM_MIN_DEFAULT ? llc : PROBE_MEM_MIN_DEFAULT;
}

static uint64_t ram_bytes(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);

	return pages > 0 && psz > 0 ? (uint64_t)pages * (uint64_t)psz : 0;
}

int probe_mem_check_bytes(uint64_t bytes, uint64_t llc, bool force,
			  char *err, size_t errlen)
{
	uint64_t ram = ram_bytes();

	if (bytes < PROBE_MEM_MIN_BYTES) {
		set_err(err, errlen, "a buffer of %" PRIu64 " bytes is under one page (%llu)",
			bytes, PROBE_MEM_MIN_BYTES);
		return -EINVAL;
	}
	/* Locked and pre-faulted: more than half the RAM would starve the
	 * system the probe is meant to observe. */
	if (ram && bytes > ram / 2) {
		set_err(err, errlen, "a buffer of %" PRIu64 " MiB is over half the RAM (%" PRIu64
			" MiB in all)", bytes >> 20, ram >> 20);
		return -EINVAL;
	}
	if (!force && llc && bytes / PROBE_MEM_LLC_FLOOR < llc) {
		set_err(err, errlen,
			"a buffer of %" PRIu64 " KiB is under 2 x the last-level cache (%" PRIu64
			" KiB): loads would hit the cache and follow the CPU clock, not the "
			"memory clock; --force runs it anyway", bytes >> 10, llc >> 10);
		return -EINVAL;
	}
	return 0;
}

/* Bytes of the mapping holding addr that are backed by huge pages. */
static uint64_t huge_bytes_at(const void *addr)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	uintptr_t a = (uintptr_t)addr;
	bool in = false;
	char line[512];
	uint64_t kb = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		/* Only a mapping's header, "lo-hi perms ...", has two hex
		 * numbers joined by a dash; field lines are "Name: value". */
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {
			in = a >= lo && a < hi;
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %" SCNu64 " kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb << 10;
}

int probe_mem_alloc(struct probe_mem *m, uint64_t bytes, bool try_lock,
		    char *err, size_t errlen)
{
	long psz = sysconf(_SC_PAGESIZE);
	uintptr_t base, start;
	size_t len, map_len;
	void *map;

	memset(m, 0, sizeof(*m));
	if (psz <= 0)
		psz = 4096;
	if (bytes > SIZE_MAX / 2) {
		set_err(err, errlen, "a buffer of %" PRIu64 " bytes does not fit the address space",
			bytes);
		return -EINVAL;
	}
	len = ((size_t)bytes + (size_t)psz - 1) / (size_t)psz * (size_t)psz;
	map_len = len + HUGE_ALIGN;
	map = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED) {
		set_err(err, errlen, "cannot map a %zu MiB buffer: %s", len >> 20, strerror(errno));
		return -errno;
	}
	/* Trim to a 2 MiB boundary so every huge page of it can be used. */
	base = (uintptr_t)map;
	start = (base + HUGE_ALIGN - 1) & ~(uintptr_t)(HUGE_ALIGN - 1);
	if (start > base)
		munmap(map, start - base);
	if (base + map_len > start + len)
		munmap((void *)(start + len), base + map_len - (start + len));
	m->map = (void *)start;
	m->map_len = len;
	m->buf = m->map;
	m->bytes = len / PROBE_MEM_LINE * PROBE_MEM_LINE;
	m->nlines = m->bytes / PROBE_MEM_LINE;
#ifdef MADV_HUGEPAGE
	/* Before the first touch: a 4K TLB walk every 64 lines is noise the
	 * memory clock does not cause.  Not fatal where THP is off. */
	m->thp_advised = !madvise(m->map, len, MADV_HUGEPAGE);
#endif
	/* Every line written: faults happen here, not in the loop, and every
	 * line has a known value (the checksum tests rely on it). */
	for (size_t i = 0; i < m->nlines; i++)
		m->buf[i * WORDS_PER_LINE] = i + 1;
	if (try_lock)
		m->mlocked = !mlock(m->map, len);
	m->huge_bytes = huge_bytes_at(m->map);
	if (m->huge_bytes > len)
		m->huge_bytes = len;	/* merged with a neighbour: ours at most */
	return 0;
}

void probe_mem_free(struct probe_mem *m)
{
	if (!m->map)
		return;
	munmap(m->map, m->map_len);
	memset(m, 0, sizeof(*m));
}

uint64_t probe_mem_stream(struct probe_mem *m, uint32_t n, uint64_t acc)
{
	const uint64_t *buf = m->buf;
	size_t i = m->pos, nlines = m->nlines;

	while (n) {
		size_t run = nlines - i < n ? nlines - i : n;
		const uint64_t *w = buf + i * WORDS_PER_LINE;
		const uint64_t *end = w + run * WORDS_PER_LINE;

		/* The empty asm keeps the compiler from vectorising into
		 * gathers or skipping lines: one scalar load per line. */
		for (; w < end; w += WORDS_PER_LINE) {
			acc += *w;
			__asm__ volatile("" : "+r"(acc));
		}
		i += run;
		n -= (uint32_t)run;
		if (i == nlines)
			i = 0;
	}
	m->pos = i;
	return acc;
}

static volatile uint64_t mem_sink;

uint32_t probe_mem_calibrate(struct probe_mem *m, uint64_t work_ns, uint64_t *line_ps)
{
	uint32_t lines = m->nlines < CAL_LINES ? (uint32_t)m->nlines : CAL_LINES;
	uint64_t best = UINT64_MAX, acc = 0, n;

	/* One untimed pass first: right after the pre-fault the cache is full
	 * of dirty lines, and their write-back would make the first timed
	 * runs slower than the loop ever is again. */
	for (size_t left = m->nlines; left; ) {
		uint32_t n = left < CAL_LINES ? (uint32_t)left : CAL_LINES;

		acc = probe_mem_stream(m, n, acc);
		left -= n;
	}
	/* Consecutive windows of a buffer > 2 x LLC: each run is cold.  Best
	 * of a few: a preemption only ever makes one run slower. */
	for (int r = 0; r < CAL_RUNS; r++) {
		uint64_t t = now_ns(), ps;

		acc = probe_mem_stream(m, lines, acc);
		ps = (now_ns() - t) * 1000 / lines;
		if (ps < best)
			best = ps;
	}
	mem_sink = acc;
	if (!best)
		best = 1;
	if (line_ps)
		*line_ps = best;
	n = work_ns * 1000 / best;
	if (n > UINT32_MAX)
		n = UINT32_MAX;
	return n ? (uint32_t)n : 1;
}
