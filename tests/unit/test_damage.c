// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Damaged traces end to end (reader -> settle report), and the writer's
 * end-of-trace marker after a failed write: injected (write() is wrapped at
 * link time, see the Makefile) and, as root, on a real full tmpfs.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include "helpers.h"
#include "util.h"

/* ---- write() fault injection ---- */

ssize_t __real_write(int fd, const void *buf, size_t n);
ssize_t __wrap_write(int fd, const void *buf, size_t n);

/* Packet writes (they start with the magic) to let through before failing. */
static int inject_after = -1;
static bool inject_short_done;
static bool inject_marker_too;	/* the disk stays full: the marker fails */

ssize_t __wrap_write(int fd, const void *buf, size_t n)
{
	if (inject_after >= 0 && n >= TRACE_PKT_HDR_BYTES &&
	    get_le32(buf) == TRACE_MAGIC && inject_after-- == 0) {
		/* Like a filling disk: part of the packet lands, then ENOSPC. */
		inject_short_done = true;
		return __real_write(fd, buf, n / 2);
	}
	if (inject_short_done) {
		inject_short_done = inject_marker_too;
		if (!inject_marker_too)
			inject_after = -1;	/* the marker packet gets through */
		errno = ENOSPC;
		return -1;
	}
	return __real_write(fd, buf, n);
}

struct fixture {
	char *dir;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	fx->dir = tmpdir_make();
	*state = fx;
	inject_after = -1;
	inject_short_done = inject_marker_too = false;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	umount2(path_join(fx->dir, "tmpfs"), MNT_DETACH);	/* if a test failed */
	rm_rf(fx->dir);
	free(fx->dir);
	free(fx);
	return 0;
}

static struct trace_writer *open_writer(const char *dir)
{
	struct trace_meta m = test_meta("settle.ko");
	char err[SETTLE_ERR_LEN];
	struct trace_writer *w = trace_writer_open(dir, &m, true, err, sizeof(err));

	if (!w)
		fail_msg("trace_writer_open: %s", err);
	return w;
}

/* PRE/POST pairs, 100 events a packet; returns events accepted. */
static uint64_t write_pairs(struct trace_writer *w, uint64_t n)
{
	uint64_t f[TRACE_MAX_FIELDS] = { 0 }, i;

	for (i = 0; i < n; i++) {
		f[DR_ID] = i / 2 + 1;
		f[DR_TS_NS] = 1000000 + i * 1000;
		f[DR_OLD_KHZ] = 614400;
		f[DR_NEW_KHZ] = 1728000;
		if (trace_writer_add(w, i % 2 ? TEV_DRIVER_EXIT : TEV_DRIVER_ENTRY,
				     f[DR_TS_NS], f))
			break;
		if (i % 100 == 99 && trace_writer_flush(w))
			return i + 1;
	}
	return i;
}

static char *stream_path(const char *dir)
{
	return strdup(path_join(dir, TRACE_STREAM_FILE));
}

static void must_contain(const char *s, const char *want)
{
	if (!s || !strstr(s, want))
		fail_msg("'%s' lacks '%s'", s ? s : "(null)", want);
}

/* Packet 2 of 5 damaged: packets 0 and 1 reported, marked PARTIAL. */
static void test_report_corrupt(void **state)
{
	struct fixture *fx = *state;
	struct report_opts o = { 0 };
	struct trace_stream_result res;
	struct trace_writer *w = open_writer(fx->dir);
	struct collected c = { 0 };
	struct trace_info ti;
	char err[SETTLE_ERR_LEN], want[512], *sp = stream_path(fx->dir), *out;
	size_t len, off;
	uint8_t *buf;
	int rc;

	assert_int_equal(write_pairs(w, 500), 500);
	assert_int_equal(trace_writer_close(w), 0);
	buf = slurp(sp, &len);
	off = (size_t)(2 * (TRACE_PKT_HDR_BYTES + 100 * 48));
	assert_true(len > off);
	assert_int_equal(get_le32(buf + off), TRACE_MAGIC);
	put_le32(buf + off + TRACE_PKT_HDR_BYTES + TRACE_EV_SIZE, 3);	/* bad length */
	spit(sp, buf, len);

	quiet_stderr(true);
	assert_int_equal(trace_read_dir(fx->dir, &ti, collect_cb, &c, &res, err, sizeof(err)), 0);
	quiet_stderr(false);
	assert_true(res.partial);
	assert_int_equal(res.damage, TRACE_CORRUPT);
	assert_int_equal(res.partial_offset, off);
	assert_int_equal(res.packets, 2);
	assert_int_equal(c.n, 200);
	snprintf(want, sizeof(want), "%s': event at offset %zu: driver_entry payload is 3 bytes",
		 sp, off + TRACE_PKT_HDR_BYTES);
	must_contain(res.why, want);
	collected_free(&c);

	quiet_stderr(true);
	out = report_capture(fx->dir, &o, &rc);
	quiet_stderr(false);
	assert_int_equal(rc, 0);
	must_contain(out, "events:   200 in 2 packets (PARTIAL)");
	must_contain(out, "PARTIAL:  '");
	must_contain(out, want);
	must_contain(out, "n 100");	/* 100 pairs, not 250 */
	free(out);

	o.json = true;
	quiet_stderr(true);
	out = report_capture(fx->dir, &o, &rc);
	quiet_stderr(false);
	assert_int_equal(rc, 0);
	snprintf(want, sizeof(want), "\"partial\":true,\"damage\":{\"kind\":\"corrupt\",\"offset\":%zu,"
		 "\"reason\":\"'%s': event at offset %zu:", off, sp, off + TRACE_PKT_HDR_BYTES);
	must_contain(out, want);
	free(out);

	/* The same damage in the first packet: nothing to report, an error. */
	put_le32(buf + off + TRACE_PKT_HDR_BYTES + TRACE_EV_SIZE, 32);
	put_le32(buf + TRACE_PKT_HDR_BYTES + TRACE_EV_SIZE, 3);
	spit(sp, buf, len);
	o.json = false;
	quiet_stderr(true);
	out = report_capture(fx->dir, &o, &rc);
	assert_int_equal(trace_read_dir(fx->dir, &ti, NULL, NULL, &res, err, sizeof(err)), -1);
	quiet_stderr(false);
	assert_int_equal(rc, 1);
	snprintf(want, sizeof(want), "%s': event at offset %d: driver_entry payload is 3 bytes",
		 sp, TRACE_PKT_HDR_BYTES);
	must_contain(err, want);
	free(out);

	/* Cut mid-packet: the whole packets, "cut" in JSON. */
	put_le32(buf + TRACE_PKT_HDR_BYTES + TRACE_EV_SIZE, 32);
	spit(sp, buf, off + 1000);
	o.json = true;
	quiet_stderr(true);
	out = report_capture(fx->dir, &o, &rc);
	quiet_stderr(false);
	assert_int_equal(rc, 0);
	snprintf(want, sizeof(want), "\"damage\":{\"kind\":\"cut\",\"offset\":%zu,", off);
	must_contain(out, want);
	must_contain(out, "but the file ends 1000 bytes into it");
	free(out);
	free(buf);
	free(sp);
}

/* What every stopped trace must satisfy; returns the events read. */
static uint64_t check_stopped(const char *dir, int err_no, uint64_t not_written)
{
	struct trace_stream_result res;
	struct collected c = { 0 };
	struct trace_info ti;
	char err[SETTLE_ERR_LEN];
	uint64_t n;
	struct stat st;

	assert_int_equal(stat(path_join(dir, ".settle-reserve"), &st), -1);
	quiet_stderr(true);
	assert_int_equal(trace_read_dir(dir, &ti, collect_cb, &c, &res, err, sizeof(err)), 0);
	quiet_stderr(false);
	assert_true(res.partial);
	assert_int_equal(res.damage, TRACE_STOPPED);
	assert_true(res.truncated);
	assert_int_equal(res.truncated_err, err_no);
	assert_int_equal(res.truncated_events, not_written);
	must_contain(res.why, strerror(err_no));
	must_contain(res.why, "marked the trace truncated");
	/* Every event before the marker, in order, and the marker last. */
	assert_true(c.n >= 1);
	n = c.n - 1;
	for (uint64_t i = 0; i < n; i++) {
		assert_int_equal(c.ev[i].desc->id, i % 2 ? TEV_DRIVER_EXIT : TEV_DRIVER_ENTRY);
		assert_int_equal(c.ev[i].f[DR_ID], i / 2 + 1);
	}
	assert_int_equal(c.ev[n].desc->id, TEV_TRUNCATED);
	assert_int_equal(c.ev[n].f[TR_ERR], err_no);
	collected_free(&c);
	return n;
}

static void test_write_failure_marked(void **state)
{
	struct fixture *fx = *state;
	struct report_opts o = { .json = true };
	struct trace_writer *w = open_writer(fx->dir);
	struct stat st;
	char *out, want[256];
	int rc;

	assert_int_equal(stat(path_join(fx->dir, ".settle-reserve"), &st), 0);
	inject_after = 3;	/* packets 0-2 land, packet 3 half, then ENOSPC */
	assert_int_equal(write_pairs(w, 1000), 400);
	must_contain(trace_writer_error(w), "No space left on device");
	snprintf(want, sizeof(want), "the trace keeps its first %d bytes (whole packets),"
		 " marked truncated; 100 events were not written",
		 3 * (TRACE_PKT_HDR_BYTES + 100 * 48));
	must_contain(trace_writer_error(w), want);
	assert_int_equal(trace_writer_add(w, TEV_LOST, 1, (uint64_t[TRACE_MAX_FIELDS]){ 0 }), -1);
	{
		/* The caller printed the failure; close() must not repeat it. */
		char *msg = NULL;
		size_t mlen = 0;
		FILE *f = open_memstream(&msg, &mlen), *saved = stderr;

		stderr = f;
		assert_int_equal(trace_writer_close(w), -1);
		stderr = saved;
		fclose(f);
		assert_string_equal(msg, "");
		free(msg);
	}
	assert_int_equal(check_stopped(fx->dir, ENOSPC, 100), 300);
	/* Half a packet was written and cut away again: whole packets + marker. */
	assert_int_equal(stat(path_join(fx->dir, TRACE_STREAM_FILE), &st), 0);
	assert_int_equal(st.st_size, 3 * (TRACE_PKT_HDR_BYTES + 100 * 48) +
			 TRACE_PKT_HDR_BYTES + TRACE_EV_HDR_BYTES + 12);

	quiet_stderr(true);
	out = report_capture(fx->dir, &o, &rc);
	quiet_stderr(false);
	assert_int_equal(rc, 0);
	must_contain(out, "\"partial\":true,\"damage\":{\"kind\":\"stopped\",");
	must_contain(out, "(No space left on device); 100 events were not written");
	free(out);

	{
		/* Data after the marker is not the writer's: never read. */
		struct trace_stream_result res;
		struct trace_info ti;
		char err[SETTLE_ERR_LEN], *sp = stream_path(fx->dir);
		size_t len;
		uint8_t *buf = slurp(sp, &len), *more = malloc(2 * len);

		memcpy(more, buf, len);
		memcpy(more + len, buf, len);
		spit(sp, more, 2 * len);
		quiet_stderr(true);
		assert_int_equal(trace_read_dir(fx->dir, &ti, NULL, NULL, &res, err, sizeof(err)), 0);
		quiet_stderr(false);
		assert_int_equal(res.damage, TRACE_STOPPED);
		assert_int_equal(res.events, 301);
		must_contain(res.why, "the bytes after that packet are ignored");
		spit(sp, buf, len);
		free(more);
		free(buf);
		free(sp);
	}

	if (system("command -v babeltrace2 >/dev/null 2>&1") == 0) {
		char cmd[4200];

		snprintf(cmd, sizeof(cmd), "babeltrace2 '%s' 2>&1 | grep -q 'truncated:'", fx->dir);
		assert_int_equal(system(cmd), 0);
	}
}

/* Not even the marker fits: the half-written packet stays, a "cut" trace. */
static void test_write_failure_unmarked(void **state)
{
	struct fixture *fx = *state;
	struct trace_stream_result res;
	struct trace_writer *w = open_writer(fx->dir);
	struct trace_info ti;
	char err[SETTLE_ERR_LEN];
	size_t whole = 3 * (TRACE_PKT_HDR_BYTES + 100 * 48);

	inject_after = 3;
	inject_marker_too = true;
	assert_int_equal(write_pairs(w, 1000), 400);
	must_contain(trace_writer_error(w), "No space left on device; marking its end truncated"
		     " failed too (No space left on device): it may end in a partial packet");
	quiet_stderr(true);
	assert_int_equal(trace_writer_close(w), -1);
	assert_int_equal(trace_read_dir(fx->dir, &ti, NULL, NULL, &res, err, sizeof(err)), 0);
	quiet_stderr(false);
	inject_short_done = false;
	assert_true(res.partial);
	assert_int_equal(res.damage, TRACE_CUT);
	assert_false(res.truncated);
	assert_int_equal(res.partial_offset, whole);
	assert_int_equal(res.events, 300);
}

/* A real full filesystem: a 256 KiB tmpfs (needs root; skipped otherwise). */
static void test_disk_full_tmpfs(void **state)
{
	struct fixture *fx = *state;
	char *mnt = strdup(path_join(fx->dir, "tmpfs")), *trace;
	struct trace_writer *w;
	uint64_t accepted, read;

	assert_int_equal(mkdir(mnt, 0755), 0);
	if (geteuid() != 0 || mount("settle-test", mnt, "tmpfs", MS_NOSUID | MS_NODEV,
				    "size=256k,mode=0755")) {
		free(mnt);
		skip();
	}
	trace = strdup(path_join(mnt, "trace"));
	w = open_writer(trace);
	accepted = write_pairs(w, 1000000);
	assert_true(accepted < 1000000);
	must_contain(trace_writer_error(w), "No space left on device");
	quiet_stderr(true);
	assert_int_equal(trace_writer_close(w), -1);
	quiet_stderr(false);
	/* write_pairs() flushes every 100 events: the failed flush held 100. */
	assert_int_equal(accepted % 100, 0);
	read = check_stopped(trace, ENOSPC, 100);
	/* Every event of the packets before, nothing invented. */
	assert_int_equal(read, accepted - 100);
	assert_true(read > 1000);

	/* Already full: refused at open, before anything is recorded. */
	{
		struct trace_meta m = test_meta("settle.ko");
		char err[SETTLE_ERR_LEN] = "", *t2 = strdup(path_join(mnt, "again"));
		FILE *fill = fopen(path_join(mnt, "filler"), "w");
		char block[4096] = { 0 };

		/* The marker left most of the freed reserve: take it. */
		assert_non_null(fill);
		while (fwrite(block, 1, sizeof(block), fill) == sizeof(block) && !fflush(fill))
			;
		fclose(fill);

		assert_null(trace_writer_open(t2, &m, true, err, sizeof(err)));
		if (!strstr(err, "No space left on device") || !strstr(err, "again"))
			fail_msg("open on a full disk: '%s'", err);
		free(t2);
	}
	assert_int_equal(umount(mnt), 0);
	free(trace);
	free(mnt);
}

int run_damage_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_report_corrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_failure_marked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_failure_unmarked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disk_full_tmpfs, setup, teardown),
	};
	return cmocka_run_group_tests_name("damaged traces and full disks", tests, NULL, NULL);
}
