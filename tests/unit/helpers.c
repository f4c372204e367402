// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "analyze.h"
#include "helpers.h"

char *tmpdir_make(void)
{
	const char *base = getenv("TMPDIR");
	char *t;

	assert_true(asprintf(&t, "%s/settle-test-XXXXXX", base ? base : "/tmp") > 0);
	assert_non_null(mkdtemp(t));
	return t;
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb; (void)flag; (void)ftw;
	return remove(p);
}

void rm_rf(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *path_join(const char *dir, const char *name)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf), "%s/%s", dir, name);
	return buf;
}

uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = 0;
	fclose(f);
	*len = (size_t)n;
	return buf;
}

void spit(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

struct trace_meta test_meta(const char *source)
{
	return (struct trace_meta){
		.hostname = "host\"with\\quotes", .kernel_release = "6.1.0-test",
		.machine = "aarch64", .settle_version = "0.0-test", .source = source,
	};
}

int collect_cb(const struct trace_event *ev, void *ctx)
{
	struct collected *c = ctx;

	if (!c->ev)
		c->ev = calloc(MAX_COLLECT, sizeof(*c->ev));
	if (!c->ev || c->n == MAX_COLLECT)
		return -1;
	c->ev[c->n++] = *ev;
	return 0;
}

void collected_free(struct collected *c)
{
	free(c->ev);
	c->ev = NULL;
	c->n = 0;
}

/* v1's cpufreq_pre/post ids name the v2 driver_entry/exit of a CPU. */
static uint32_t driver_id(uint32_t id)
{
	return id == TEV_CPUFREQ_PRE ? TEV_DRIVER_ENTRY :
	       id == TEV_CPUFREQ_POST ? TEV_DRIVER_EXIT : id;
}

void add_drv(struct trace_writer *w, uint32_t id, uint64_t xid, uint64_t ts,
	     uint32_t dom, uint32_t dev, uint32_t old_khz, uint32_t new_khz)
{
	uint64_t f[TRACE_MAX_FIELDS] = { 0 };

	f[DR_ID] = xid;
	f[DR_TS_NS] = ts;
	f[DR_DOMAIN] = dom;
	f[DR_DEV] = dev;
	f[DR_OLD_KHZ] = old_khz;
	f[DR_NEW_KHZ] = new_khz;
	assert_int_equal(trace_writer_add(w, driver_id(id), ts, f), 0);
}

void add_cf(struct trace_writer *w, uint32_t id, uint64_t xid, uint64_t ts,
	    uint32_t cpu, uint32_t old_khz, uint32_t new_khz)
{
	add_drv(w, id, xid, ts, TRACE_DOMAIN_CPU, cpu, old_khz, new_khz);
}

void add_cf1(struct trace_writer *w, uint32_t id, uint64_t xid, uint64_t ts,
	     uint32_t cpu, uint32_t old_khz, uint32_t new_khz)
{
	uint64_t f[TRACE_MAX_FIELDS] = { 0 };

	f[CF_ID] = xid;
	f[CF_TS_NS] = ts;
	f[CF_CPU] = cpu;
	f[CF_OLD_KHZ] = old_khz;
	f[CF_NEW_KHZ] = new_khz;
	assert_int_equal(trace_writer_add(w, id, ts, f), 0);
}

void add_fq(struct trace_writer *w, uint64_t ts, uint32_t cpu, uint32_t khz)
{
	uint64_t f[TRACE_MAX_FIELDS] = { 0 };

	f[FQ_CPU] = cpu;
	f[FQ_KHZ] = khz;
	assert_int_equal(trace_writer_add(w, TEV_CPU_FREQUENCY, ts, f), 0);
}

char *report_capture(const char *dir, const struct report_opts *o, int *rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	*rc = report_run(dir, o, f);
	fclose(f);
	return buf;
}

static int saved_fd = -1;

void quiet_stderr(bool on)
{
	fflush(stderr);
	if (on && saved_fd < 0) {
		int null = open("/dev/null", O_WRONLY);

		saved_fd = dup(2);
		dup2(null, 2);
		close(null);
	} else if (!on && saved_fd >= 0) {
		dup2(saved_fd, 2);
		close(saved_fd);
		saved_fd = -1;
	}
}

void feed_cf(struct analysis *a, uint32_t id, uint64_t xid, uint64_t ts,
	     uint32_t cpu, uint32_t old_khz, uint32_t new_khz)
{
	feed_drv(a, id, xid, ts, TRACE_DOMAIN_CPU, cpu, old_khz, new_khz);
}

void feed_drv(struct analysis *a, uint32_t id, uint64_t xid, uint64_t ts,
	      uint32_t dom, uint32_t dev, uint32_t old_khz, uint32_t new_khz)
{
	struct trace_event ev = { .desc = trace_event_desc(driver_id(id)), .ts_ns = ts };

	ev.f[DR_ID] = xid;
	ev.f[DR_TS_NS] = ts;
	ev.f[DR_DOMAIN] = dom;
	ev.f[DR_DEV] = dev;
	ev.f[DR_OLD_KHZ] = old_khz;
	ev.f[DR_NEW_KHZ] = new_khz;
	assert_int_equal(analysis_add(&ev, a), 0);
}
