/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef SETTLE_TEST_HELPERS_H
#define SETTLE_TEST_HELPERS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmds.h"
#include "trace.h"

int run_parse_tests(void);
int run_json_tests(void);
int run_tpformat_tests(void);
int run_trace_tests(void);
int run_analyze_tests(void);

/* Fresh directory under $TMPDIR; rm_rf() it when done. */
char *tmpdir_make(void);
void rm_rf(const char *dir);
char *path_join(const char *dir, const char *name);	/* static buffer */
uint8_t *slurp(const char *path, size_t *len);
void spit(const char *path, const void *buf, size_t len);

struct trace_meta test_meta(const char *source);

#define MAX_COLLECT 100000
struct collected {
	size_t n;
	struct trace_event *ev;
};
int collect_cb(const struct trace_event *ev, void *ctx);
void collected_free(struct collected *c);

/*
 * Events for writing: driver entry/exit shortcuts.  `id` is the event id:
 * TEV_DRIVER_ENTRY/EXIT, or v1's TEV_CPUFREQ_PRE/POST meaning the same.
 * add_cf() is a CPU's; add_cf1() writes the v1 events themselves (a writer
 * opened for format v1).
 */
void add_cf(struct trace_writer *w, uint32_t id, uint64_t xid, uint64_t ts,
	    uint32_t cpu, uint32_t old_khz, uint32_t new_khz);
void add_drv(struct trace_writer *w, uint32_t id, uint64_t xid, uint64_t ts,
	     uint32_t dom, uint32_t dev, uint32_t old_khz, uint32_t new_khz);
void add_cf1(struct trace_writer *w, uint32_t id, uint64_t xid, uint64_t ts,
	     uint32_t cpu, uint32_t old_khz, uint32_t new_khz);
void add_fq(struct trace_writer *w, uint64_t ts, uint32_t cpu, uint32_t khz);

struct analysis;
/* A cpufreq_pre/post straight into analysis_add(). */
void feed_cf(struct analysis *a, uint32_t id, uint64_t xid, uint64_t ts,
	     uint32_t cpu, uint32_t old_khz, uint32_t new_khz);
void feed_drv(struct analysis *a, uint32_t id, uint64_t xid, uint64_t ts,
	      uint32_t dom, uint32_t dev, uint32_t old_khz, uint32_t new_khz);

/* report_run() into a string; *rc gets its return value. */
char *report_capture(const char *dir, const struct report_opts *o, int *rc);

/* Silence stderr around expected-failure calls. */
void quiet_stderr(bool on);

#endif
