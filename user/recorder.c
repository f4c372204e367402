// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * BPF capture for `settle record` and `settle step`.  Which programs run is
 * table-driven: one row per kernel event with the layout the BPF side was
 * compiled for, checked against tracefs before anything is attached.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "record.skel.h"
#include "recorder.h"
#include "tpformat.h"
#include "util.h"
#include "../kmod/uapi/settle.h"

#define FIELD(type, m) { #m, offsetof(type, m), sizeof(((type *)0)->m) }

static const struct tp_field_req request_fields[] = {
	FIELD(struct settle_tp_request, id),
	FIELD(struct settle_tp_request, ts_ns),
	FIELD(struct settle_tp_request, parent_id),
	FIELD(struct settle_tp_request, domain),
	FIELD(struct settle_tp_request, dev),
	FIELD(struct settle_tp_request, from_khz),
	FIELD(struct settle_tp_request, to_khz),
	FIELD(struct settle_tp_request, source),
	FIELD(struct settle_tp_request, seq),
};

static const struct tp_field_req driver_fields[] = {
	FIELD(struct settle_tp_driver, id),
	FIELD(struct settle_tp_driver, ts_ns),
	FIELD(struct settle_tp_driver, domain),
	FIELD(struct settle_tp_driver, dev),
	FIELD(struct settle_tp_driver, old_khz),
	FIELD(struct settle_tp_driver, new_khz),
	FIELD(struct settle_tp_driver, seq),
};

static const struct tp_field_req effective_fields[] = {
	FIELD(struct settle_tp_effective, id),
	FIELD(struct settle_tp_effective, ts_ns),
	FIELD(struct settle_tp_effective, prev_ts_ns),
	FIELD(struct settle_tp_effective, domain),
	FIELD(struct settle_tp_effective, dev),
	FIELD(struct settle_tp_effective, khz),
	FIELD(struct settle_tp_effective, cost_ns),
	FIELD(struct settle_tp_effective, samples),
	FIELD(struct settle_tp_effective, reader),
	FIELD(struct settle_tp_effective, status),
	FIELD(struct settle_tp_effective, seq),
};

static const struct tp_field_req limits_fields[] = {
	FIELD(struct settle_tp_limits, ts_ns),
	FIELD(struct settle_tp_limits, domain),
	FIELD(struct settle_tp_limits, dev),
	FIELD(struct settle_tp_limits, min_khz),
	FIELD(struct settle_tp_limits, max_khz),
	FIELD(struct settle_tp_limits, cur_khz),
	FIELD(struct settle_tp_limits, seq),
};

static const struct tp_field_req policy_fields[] = {
	FIELD(struct settle_tp_policy, ts_ns),
	FIELD(struct settle_tp_policy, domain),
	FIELD(struct settle_tp_policy, dev),
	FIELD(struct settle_tp_policy, action),
	FIELD(struct settle_tp_policy, min_khz),
	FIELD(struct settle_tp_policy, max_khz),
	FIELD(struct settle_tp_policy, governor),
	FIELD(struct settle_tp_policy, seq),
};

static const struct tp_field_req cpu_frequency_fields[] = {
	FIELD(struct settle_tp_cpu_frequency, state),
	FIELD(struct settle_tp_cpu_frequency, cpu_id),
};

static const struct tp_field_req cpu_frequency_limits_fields[] = {
	FIELD(struct settle_tp_cpu_frequency_limits, min_freq),
	FIELD(struct settle_tp_cpu_frequency_limits, max_freq),
	FIELD(struct settle_tp_cpu_frequency_limits, cpu_id),
};

#define FIELDS(a) a, ARRAY_SIZE(a)
static const struct hook {
	bool settle;		/* settle.ko mode; else the fallback */
	const char *sys, *event;
	const char *prog;	/* BPF program in record.bpf.c */
	const struct tp_field_req *fields;
	size_t nfields;
} hooks[] = {
	{ true, "settle", "request", "settle_request", FIELDS(request_fields) },
	{ true, "settle", "driver_entry", "settle_driver_entry", FIELDS(driver_fields) },
	{ true, "settle", "driver_exit", "settle_driver_exit", FIELDS(driver_fields) },
	{ true, "settle", "effective", "settle_effective", FIELDS(effective_fields) },
	{ true, "settle", "limits", "settle_limits", FIELDS(limits_fields) },
	{ true, "settle", "policy", "settle_policy", FIELDS(policy_fields) },
	{ false, "power", "cpu_frequency", "settle_cpu_frequency", FIELDS(cpu_frequency_fields) },
	{ false, "power", "cpu_frequency_limits", "settle_cpu_frequency_limits",
	  FIELDS(cpu_frequency_limits_fields) },
};

struct recorder {
	struct record_bpf *skel;
	struct ring_buffer *rb;
	struct trace_writer *w;
	bool use_settle;
	bool attached;
	bool failed;		/* a record could not be written */
	int ncpus;
	int lost_fd;
	int seen_fd;
	int ctl_fd;		/* /dev/settle, read-only: event numbers */
	bool seq_armed;		/* counting events numbered above seq_lo */
	uint64_t seq_lo;
	char events[512];
	struct recorder_stats st;
};

static bool verbose;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && !verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static const char *find_tracefs(void)
{
	static const char *const dirs[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	char path[128];
	struct stat st;

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), "%s/events", dirs[i]);
		if (!stat(path, &st) && S_ISDIR(st.st_mode))
			return dirs[i];
	}
	return NULL;
}

/* Refuses to attach to an event whose layout the BPF code would misread. */
static int check_event(const char *tracefs, const struct hook *h)
{
	char path[256], name[128], err[SETTLE_ERR_LEN], *text;
	size_t len = 0, n;
	FILE *f;
	int ret = -1;

	snprintf(path, sizeof(path), "%s/events/%s/%s/format", tracefs, h->sys, h->event);
	snprintf(name, sizeof(name), "%s:%s", h->sys, h->event);
	f = fopen(path, "r");
	if (!f) {
		p_err("cannot read the format of %s at '%s': %s%s", name, path,
		      strerror(errno), h->settle && errno == ENOENT ?
		      " (settle.ko older than this settle? rebuild and reload it)" : "");
		return -1;
	}
	text = malloc(65536);
	if (!text) {
		p_err("out of memory");
		goto out;
	}
	while (len < 65535 && (n = fread(text + len, 1, 65535 - len, f)) > 0)
		len += n;
	text[len] = '\0';
	if (ferror(f)) {
		p_err("reading '%s' failed", path);
		goto out;
	}
	if (tpfmt_check(name, text, h->fields, h->nfields, err, sizeof(err))) {
		p_err("%s; refusing to attach (settle and the kernel disagree on this event's layout, see '%s')",
		      err, path);
		goto out;
	}
	ret = 0;
out:
	free(text);
	fclose(f);
	return ret;
}

/* See kernel_counts_bpf_tp_misses(); the field reads 0 where not counted. */
static bool kernel_counts_tp_misses(void)
{
	struct utsname u;

	return !uname(&u) && kernel_counts_bpf_tp_misses(u.release);
}

struct recorder *recorder_open(bool require_settle, bool verbose_arg,
			       const struct recorder_filter *flt)
{
	struct recorder *r;
	const char *tracefs;
	char path[256];
	size_t len = 0;
	int err;

	tracefs = find_tracefs();
	if (!tracefs) {
		p_err("tracefs not found at /sys/kernel/tracing or /sys/kernel/debug/tracing "
		      "(mount it: mount -t tracefs nodev /sys/kernel/tracing)");
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		p_err("out of memory");
		return NULL;
	}
	r->ctl_fd = -1;
	snprintf(path, sizeof(path), "%s/events/settle", tracefs);
	r->use_settle = access(path, F_OK) == 0;
	if (!r->use_settle && require_settle) {
		p_err("settle.ko's tracepoints are missing ('%s'): is settle.ko loaded?", path);
		goto fail;
	}
	for (size_t i = 0; i < ARRAY_SIZE(hooks); i++) {
		if (hooks[i].settle != r->use_settle)
			continue;
		if (check_event(tracefs, &hooks[i]))
			goto fail;
		len += (size_t)snprintf(r->events + len, sizeof(r->events) - len, "%s%s:%s",
					len ? ", " : "", hooks[i].sys, hooks[i].event);
	}
	if (!r->use_settle && flt && !(flt->domain_mask & (1U << TRACE_DOMAIN_CPU))) {
		p_err("settle.ko's tracepoints are missing ('%s'): without settle.ko only the cpu domain can be recorded (power:cpu_frequency); load settle.ko",
		      path);
		goto fail;
	}
	if (!r->use_settle)
		p_warn("settle.ko is not loaded (no '%s'): FALLING BACK to power:cpu_frequency\n"
		       "    and power:cpu_frequency_limits, CPU domain only.  This trace will NOT\n"
		       "    contain requests, driver entry/exit, stall times, effective-rate\n"
		       "    changes, transition ids or GPU/EMC transitions -- only when each CPU's\n"
		       "    frequency and limits changed, timestamped when the event fired.  Load\n"
		       "    settle.ko to measure.",
		       path);

	verbose = verbose_arg;
	libbpf_set_print(libbpf_print);
	r->ncpus = libbpf_num_possible_cpus();
	if (r->ncpus <= 0) {
		p_err("cannot determine the number of possible CPUs: %s", strerror(-r->ncpus));
		goto fail;
	}
	r->skel = record_bpf__open();
	if (!r->skel) {
		p_err("opening the BPF object failed: %s", strerror(errno));
		goto fail;
	}
	if (flt) {
		r->skel->rodata->domain_mask = flt->domain_mask;
		if (flt->only_domain >= 0) {
			r->skel->rodata->only_domain = (__u32)flt->only_domain;
			r->skel->rodata->only_dev = flt->only_dev;
		}
		if (flt->ring_bytes) {
			err = bpf_map__set_max_entries(r->skel->maps.events, flt->ring_bytes);
			if (err) {
				p_err("sizing the ring buffer to %u bytes failed: %s",
				      flt->ring_bytes, strerror(-err));
				goto fail;
			}
			r->skel->rodata->ring_bytes = flt->ring_bytes;
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(hooks); i++) {
		struct bpf_program *prog =
			bpf_object__find_program_by_name(r->skel->obj, hooks[i].prog);

		if (!prog) {
			p_err("BPF program '%s' missing from the object (build mismatch)",
			      hooks[i].prog);
			goto fail;
		}
		bpf_program__set_autoload(prog, hooks[i].settle == r->use_settle);
	}
	err = record_bpf__load(r->skel);
	if (err) {
		p_err("loading the BPF programs failed: %s (needs root or CAP_BPF+CAP_PERFMON; -v shows the verifier log)",
		      strerror(-err));
		goto fail;
	}
	r->lost_fd = bpf_map__fd(r->skel->maps.lost);
	r->seen_fd = bpf_map__fd(r->skel->maps.seen);
	r->st.recursion_counted = kernel_counts_tp_misses();
	if (r->use_settle) {
		r->ctl_fd = open(SETTLE_DEV_PATH, O_RDONLY | O_CLOEXEC);
		if (r->ctl_fd < 0) {
			p_err("opening %s failed: %s (needed to number settle.ko's events)",
			      SETTLE_DEV_PATH, strerror(errno));
			goto fail;
		}
	}
	return r;
fail:
	recorder_free(r);
	return NULL;
}

bool recorder_uses_settle(const struct recorder *r)
{
	return r->use_settle;
}

const char *recorder_source(const struct recorder *r)
{
	return r->use_settle ? "settle.ko" : "fallback";
}

const char *recorder_events(const struct recorder *r)
{
	return r->events;
}

bool recorder_counts_skips(const struct recorder *r)
{
	return r->use_settle || r->st.recursion_counted;
}

const struct recorder_stats *recorder_stats(const struct recorder *r)
{
	return &r->st;
}

static int on_record(void *ctx, void *data, size_t len)
{
	struct recorder *r = ctx;
	const struct settle_rec_head *h = data;

	/* Checks the length against the type, then writes. */
	if (trace_writer_add_raw(r->w, data, len)) {
		r->failed = true;
		return -EIO;
	}
	r->st.records++;
	r->st.by_type[h->type]++;	/* valid: add_raw accepted it */
	return 0;
}

static int seq_read(struct recorder *r, uint64_t *seq)
{
	if (ioctl(r->ctl_fd, SETTLE_IOC_EVENT_SEQ, seq)) {
		p_err("SETTLE_IOC_EVENT_SEQ on %s failed: %s", SETTLE_DEV_PATH,
		      strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Start counting, with every program attached, above the last number drawn
 * before the store, if no number was drawn between the reads around it: an
 * event numbered higher is then drawn after the store, and its program sees
 * the new seq_lo.  While events come too fast for that, leave a margin of
 * numbers uncounted (at most a few at the very start).
 */
static int seq_arm(struct recorder *r)
{
	uint64_t now, lo, margin = 0;

	for (unsigned int tries = 1; margin <= (1ULL << 32); tries++) {
		if (seq_read(r, &now))
			return -1;
		lo = now + margin;
		__atomic_store_n(&r->skel->data->seq_lo, lo, __ATOMIC_SEQ_CST);
		if (seq_read(r, &now))
			return -1;
		if (now <= lo) {
			r->seq_lo = lo;
			r->seq_armed = true;
			return 0;
		}
		if (!(tries % 64))
			margin = margin ? margin * 4 : 1;
	}
	p_err("settle.ko numbered events faster than the recorder could start counting them");
	return -1;
}

static int read_percpu_sum(struct recorder *r, int fd, uint64_t *total)
{
	uint64_t vals[r->ncpus];
	__u32 zero = 0;

	if (bpf_map_lookup_elem(fd, &zero, vals))
		return -errno;
	*total = 0;
	for (int i = 0; i < r->ncpus; i++)
		*total += vals[i];
	return 0;
}

/*
 * Cut the count at the last number drawn: wait until the events up to it
 * have reached the programs (they are fired with preemption off, within
 * microseconds of their number), then take the counted events numbered
 * above the cut back out (they are among each CPU's last few), and count
 * the numbers in between that no program ran for.
 */
static int seq_finish(struct recorder *r)
{
	const struct timespec grace = { 0, 20 * 1000 * 1000 };
	struct settle_seen *v;
	uint64_t hi, seen = 0, after = 0;
	__u32 zero = 0;
	int ret = -1;

	if (seq_read(r, &hi))
		return -1;
	nanosleep(&grace, NULL);
	v = calloc(r->ncpus, sizeof(*v));
	if (!v) {
		p_err("out of memory");
		return -1;
	}
	if (bpf_map_lookup_elem(r->seen_fd, &zero, v)) {
		p_err("reading the seen-event counters failed: %s", strerror(errno));
		goto out;
	}
	for (int c = 0; c < r->ncpus; c++) {
		uint64_t n = v[c].pos < SETTLE_SEEN_RECENT ? v[c].pos : SETTLE_SEEN_RECENT;
		uint64_t above = 0;

		for (uint64_t i = 0; i < n; i++)
			above += v[c].recent[i] > hi;
		/* All of the window past the cut: older ones may be too. */
		if (above == SETTLE_SEEN_RECENT) {
			p_err("more than %d events on cpu %d came past the recorder's cut; cannot count skipped events",
			      SETTLE_SEEN_RECENT, c);
			goto out;
		}
		seen += v[c].count;
		after += above;
	}
	seen -= after;
	if (hi < r->seq_lo)
		hi = r->seq_lo;
	if (seen > hi - r->seq_lo) {
		p_err("the BPF programs saw %" PRIu64 " numbered events of %" PRIu64
		      " drawn: settle.ko and settle disagree", seen, hi - r->seq_lo);
		goto out;
	}
	r->st.lost_recursion = hi - r->seq_lo - seen;
	r->st.recursion_counted = true;
	ret = 0;
out:
	free(v);
	return ret;
}

int recorder_attach(struct recorder *r, struct trace_writer *w)
{
	int err;

	r->w = w;
	r->rb = ring_buffer__new(bpf_map__fd(r->skel->maps.events), on_record, r, NULL);
	if (!r->rb) {
		p_err("creating the ring buffer reader failed: %s", strerror(errno));
		return -1;
	}
	err = record_bpf__attach(r->skel);
	if (err) {
		p_err("attaching to %s failed: %s", r->events, strerror(-err));
		return -1;
	}
	r->attached = true;
	return r->use_settle ? seq_arm(r) : 0;
}

static int check_rb(struct recorder *r, int ret, const char *what)
{
	if (ret == -EINTR)
		return 0;
	if (ret >= 0)
		return 0;
	if (r->failed)
		p_err("%s", trace_writer_error(r->w));
	else
		p_err("%s the ring buffer failed: %s", what, strerror(-ret));
	return -1;
}

int recorder_poll(struct recorder *r, int timeout_ms)
{
	if (!timeout_ms)
		return check_rb(r, ring_buffer__consume(r->rb), "reading");
	return check_rb(r, ring_buffer__poll(r->rb, timeout_ms), "reading");
}

/* Skipped runs of the loaded programs; see kernel_counts_tp_misses(). */
static int read_misses(struct recorder *r, uint64_t *total)
{
	struct bpf_program *prog;

	*total = 0;
	bpf_object__for_each_program(prog, r->skel->obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		if (!bpf_program__autoload(prog))
			continue;
		if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len))
			return -errno;
		*total += info.recursion_misses;
	}
	return 0;
}

/* Lost records first, then the packet, so the counter lands in this packet. */
int recorder_sync(struct recorder *r)
{
	int err = read_percpu_sum(r, r->lost_fd, &r->st.lost_ring);

	if (err) {
		p_err("reading the lost-record counter failed: %s", strerror(-err));
		return -1;
	}
	/* With event numbers the count comes at the end (seq_finish()). */
	err = r->seq_armed ? 0 : read_misses(r, &r->st.lost_recursion);
	if (err) {
		p_err("reading the BPF programs' skipped-run counts failed: %s",
		      strerror(-err));
		return -1;
	}
	r->st.lost = r->st.lost_ring + r->st.lost_recursion;
	if (trace_writer_lost(r->w, mono_ns(), r->st.lost) || trace_writer_flush(r->w)) {
		p_err("%s", trace_writer_error(r->w));
		return -1;
	}
	return 0;
}

int recorder_finish(struct recorder *r)
{
	if (r->seq_armed && seq_finish(r))
		return -1;
	/* Stop the producers before the final drain so nothing is left behind. */
	if (r->attached)
		record_bpf__detach(r->skel);
	r->attached = false;
	if (check_rb(r, ring_buffer__consume(r->rb), "draining"))
		return -1;
	return recorder_sync(r);
}

void recorder_free(struct recorder *r)
{
	if (!r)
		return;
	ring_buffer__free(r->rb);
	record_bpf__destroy(r->skel);
	if (r->ctl_fd >= 0)
		close(r->ctl_fd);
	free(r);
}
