// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * settle record: attach to the cpufreq transition tracepoints and stream
 * the ring buffer into a CTF trace.  Everything that does not need BPF
 * (format checks, trace writing) lives elsewhere so it can be tested.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "record.h"
#include "record.skel.h"
#include "cmds.h"
#include "tpformat.h"
#include "trace.h"
#include "util.h"

#define FLUSH_INTERVAL_NS	(200ULL * 1000 * 1000)
#define POLL_TIMEOUT_MS		50
#define MAX_DURATION_S		(31ULL * 24 * 3600)

static const char record_usage[] =
"Usage: settle record [-o DIR] [--duration SECONDS] [--domains LIST] [--force]\n"
"\n"
"Passively record DVFS transitions into a CTF 1.8 trace directory (read it\n"
"with `settle report DIR` or `babeltrace2 DIR`).  Needs root (or CAP_BPF and\n"
"CAP_PERFMON) and tracefs.\n"
"\n"
"With settle.ko loaded, records settle:cpufreq_pre (driver's target_index\n"
"about to run) and settle:cpufreq_post (returned), paired by transition id.\n"
"Without it, falls back to the kernel's power:cpu_frequency, which has no\n"
"PRE event, no stall and no transition id (a warning says so).\n"
"\n"
"Options:\n"
"  -o, --output DIR       trace directory (default: settle-trace); created if\n"
"                         missing; an existing non-empty one is refused\n"
"  -f, --force            reuse a non-empty DIR, replacing settle's files in it\n"
"  -d, --duration SECONDS stop after this many whole seconds (1..2678400;\n"
"                         default: run until SIGINT/SIGTERM)\n"
"  -D, --domains LIST     comma-separated DVFS domains (default and only\n"
"                         value for now: cpu)\n"
"  -v, --verbose          show libbpf debug output\n"
"  -h, --help             this text\n"
"\n"
"Once attached it prints one line starting with \"settle record: attached\" on\n"
"stderr.  Data is written in packets at least every 200 ms, so a killed\n"
"recorder loses at most the last 200 ms.  Records the kernel could not queue\n"
"(ring buffer full) are counted and written as `lost` events; the final\n"
"summary line reports records and lost.\n"
"\n"
"Exit status: 0 on success (even if records were lost), 1 on any error.\n"
"\n"
"Examples:\n"
"  settle record -o /tmp/boot-trace --duration 30\n"
"  settle record &  run-workload;  kill -INT %1;  settle report settle-trace\n";

static volatile sig_atomic_t stop_requested;
static bool verbose;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && !verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

#define FIELD(type, m) { #m, offsetof(type, m), sizeof(((type *)0)->m) }

static const struct tp_field_req cpufreq_fields[] = {
	FIELD(struct settle_tp_cpufreq, id),
	FIELD(struct settle_tp_cpufreq, ts_ns),
	FIELD(struct settle_tp_cpufreq, cpu),
	FIELD(struct settle_tp_cpufreq, old_khz),
	FIELD(struct settle_tp_cpufreq, new_khz),
};

static const struct tp_field_req cpu_frequency_fields[] = {
	FIELD(struct settle_tp_cpu_frequency, state),
	FIELD(struct settle_tp_cpu_frequency, cpu_id),
};

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
static int check_event(const char *tracefs, const char *sys, const char *event,
		       const struct tp_field_req *req, size_t nreq)
{
	char path[256], name[128], err[SETTLE_ERR_LEN], *text;
	size_t len = 0, n;
	FILE *f;
	int ret = -1;

	snprintf(path, sizeof(path), "%s/events/%s/%s/format", tracefs, sys, event);
	snprintf(name, sizeof(name), "%s:%s", sys, event);
	f = fopen(path, "r");
	if (!f) {
		p_err("cannot read the format of %s at '%s': %s", name, path,
		      strerror(errno));
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
	if (tpfmt_check(name, text, req, nreq, err, sizeof(err))) {
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

static int parse_domains(const char *arg)
{
	char *s = strdup(arg), *tok, *save = NULL;
	int ret = 0, n = 0;

	if (!s) {
		p_err("out of memory");
		return -1;
	}
	for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "cpu")) {
			p_err("--domains: unknown or unsupported domain '%s' (supported: cpu)", tok);
			ret = -1;
			break;
		}
		n++;
	}
	if (!ret && !n) {
		p_err("--domains: empty list (supported: cpu)");
		ret = -1;
	}
	free(s);
	return ret;
}

struct rec_ctx {
	struct trace_writer *w;
	uint64_t records;
	uint64_t by_type[4];
};

static int on_record(void *ctx, void *data, size_t len)
{
	struct rec_ctx *rc = ctx;
	const struct settle_rec *r = data;

	if (len < sizeof(*r)) {
		p_err("ring buffer record of %zu bytes, expected %zu", len, sizeof(*r));
		return -EINVAL;
	}
	if (trace_writer_add_rec(rc->w, r))
		return -EIO;
	rc->records++;
	if (r->type < ARRAY_SIZE(rc->by_type))
		rc->by_type[r->type]++;
	return 0;
}

static int read_lost(int map_fd, int ncpus, uint64_t *total)
{
	uint64_t vals[ncpus];
	__u32 zero = 0;

	if (bpf_map_lookup_elem(map_fd, &zero, vals))
		return -errno;
	*total = 0;
	for (int i = 0; i < ncpus; i++)
		*total += vals[i];
	return 0;
}

/* Lost records first, then the packet, so the counter lands in this packet. */
static int sync_lost_and_flush(struct trace_writer *w, int lost_fd, int ncpus,
			       uint64_t *lost)
{
	int err = read_lost(lost_fd, ncpus, lost);

	if (err) {
		p_err("reading the lost-record counter failed: %s", strerror(-err));
		return -1;
	}
	if (trace_writer_lost(w, mono_ns(), *lost) || trace_writer_flush(w)) {
		p_err("%s", trace_writer_error(w));
		return -1;
	}
	return 0;
}

int cmd_record(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "duration", required_argument, NULL, 'd' },
		{ "domains", required_argument, NULL, 'D' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *out = "settle-trace", *tracefs, *source;
	char path[256], errbuf[SETTLE_ERR_LEN];
	struct rec_ctx rc = { 0 };
	struct record_bpf *skel = NULL;
	struct ring_buffer *rb = NULL;
	struct trace_meta meta;
	struct sigaction sa = { .sa_handler = on_signal };
	struct utsname uts;
	uint64_t duration = 0, deadline = 0, next_flush, lost = 0;
	bool force = false, use_settle;
	int c, err = 0, ncpus, lost_fd;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:fd:D:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'f':
			force = true;
			break;
		case 'd':
			if (parse_u64("--duration", optarg, 1, MAX_DURATION_S, &duration))
				return 1;
			break;
		case 'D':
			if (parse_domains(optarg))
				return 1;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			fputs(record_usage, stdout);
			return 0;
		default:
			fputs("Try 'settle record --help'.\n", stderr);
			return 1;
		}
	}
	if (optind != argc) {
		p_err("unexpected argument '%s' (try 'settle record --help')", argv[optind]);
		return 1;
	}
	if (!*out) {
		p_err("-o: empty output directory name");
		return 1;
	}

	/* Refuse a bad output before the slow, privileged part. */
	if (trace_output_check(out, force, errbuf, sizeof(errbuf))) {
		p_err("%s", errbuf);
		return 1;
	}
	tracefs = find_tracefs();
	if (!tracefs) {
		p_err("tracefs not found at /sys/kernel/tracing or /sys/kernel/debug/tracing "
		      "(mount it: mount -t tracefs nodev /sys/kernel/tracing)");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/events/settle", tracefs);
	use_settle = access(path, F_OK) == 0;
	if (use_settle) {
		source = "settle.ko";
		if (check_event(tracefs, "settle", "cpufreq_pre", cpufreq_fields,
				ARRAY_SIZE(cpufreq_fields)) ||
		    check_event(tracefs, "settle", "cpufreq_post", cpufreq_fields,
				ARRAY_SIZE(cpufreq_fields)))
			return 1;
	} else {
		source = "fallback";
		if (check_event(tracefs, "power", "cpu_frequency", cpu_frequency_fields,
				ARRAY_SIZE(cpu_frequency_fields)))
			return 1;
		p_warn("settle.ko is not loaded (no '%s'): FALLING BACK to power:cpu_frequency.\n"
		       "    This trace will NOT contain PRE/driver-entry events, stall times or\n"
		       "    transition ids -- only when each CPU's frequency changed. Load settle.ko\n"
		       "    to measure stalls.", path);
	}

	libbpf_set_print(libbpf_print);
	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0) {
		p_err("cannot determine the number of possible CPUs: %s", strerror(-ncpus));
		return 1;
	}

	skel = record_bpf__open();
	if (!skel) {
		err = -errno;
		p_err("opening the BPF object failed: %s", strerror(errno));
		goto cleanup;
	}
	bpf_program__set_autoload(skel->progs.settle_cpufreq_pre, use_settle);
	bpf_program__set_autoload(skel->progs.settle_cpufreq_post, use_settle);
	bpf_program__set_autoload(skel->progs.settle_cpu_frequency, !use_settle);
	err = record_bpf__load(skel);
	if (err) {
		p_err("loading the BPF programs failed: %s (needs root or CAP_BPF+CAP_PERFMON; -v shows the verifier log)",
		      strerror(-err));
		goto cleanup;
	}
	lost_fd = bpf_map__fd(skel->maps.lost);

	if (uname(&uts)) {
		err = -errno;
		p_err("uname() failed: %s", strerror(errno));
		goto cleanup;
	}
	meta = (struct trace_meta){
		.hostname = uts.nodename, .kernel_release = uts.release,
		.machine = uts.machine, .settle_version = SETTLE_VERSION,
		.source = source,
	};
	rc.w = trace_writer_open(out, &meta, force, errbuf, sizeof(errbuf));
	if (!rc.w) {
		err = -EIO;
		p_err("%s", errbuf);
		goto cleanup;
	}
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_record, &rc, NULL);
	if (!rb) {
		err = -errno;
		p_err("creating the ring buffer reader failed: %s", strerror(errno));
		goto cleanup;
	}

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL)) {
		err = -errno;
		p_err("installing signal handlers failed: %s", strerror(errno));
		goto cleanup;
	}

	err = record_bpf__attach(skel);
	if (err) {
		p_err("attaching to %s failed: %s", use_settle ?
		      "settle:cpufreq_pre/settle:cpufreq_post" : "power:cpu_frequency",
		      strerror(-err));
		goto cleanup;
	}
	fprintf(stderr, "settle record: attached to %s (source %s); writing '%s'\n",
		use_settle ? "settle:cpufreq_pre, settle:cpufreq_post" :
		"power:cpu_frequency", source, out);

	next_flush = mono_ns() + FLUSH_INTERVAL_NS;
	if (duration)
		deadline = mono_ns() + duration * 1000000000ULL;
	while (!stop_requested) {
		uint64_t now;

		err = ring_buffer__poll(rb, POLL_TIMEOUT_MS);
		if (err == -EINTR)
			err = 0;
		if (err < 0) {
			p_err("reading the ring buffer failed: %s", strerror(-err));
			goto cleanup;
		}
		err = 0;
		now = mono_ns();
		if (now >= next_flush) {
			if (sync_lost_and_flush(rc.w, lost_fd, ncpus, &lost)) {
				err = -EIO;
				goto cleanup;
			}
			next_flush = now + FLUSH_INTERVAL_NS;
		}
		if (deadline && now >= deadline)
			break;
	}
	/* Stop the producers before the final drain so nothing is left behind. */
	record_bpf__detach(skel);
	err = ring_buffer__consume(rb);
	if (err < 0) {
		p_err("draining the ring buffer failed: %s", strerror(-err));
		goto cleanup;
	}
	err = sync_lost_and_flush(rc.w, lost_fd, ncpus, &lost) ? -EIO : 0;

cleanup:
	ring_buffer__free(rb);
	record_bpf__destroy(skel);
	if (rc.w) {
		if (trace_writer_close(rc.w) && !err)
			err = -EIO;
		fprintf(stderr, "settle record: %" PRIu64 " records (cpufreq_pre %" PRIu64
			", cpufreq_post %" PRIu64 ", cpu_frequency %" PRIu64 "), %" PRIu64
			" lost, written to '%s'%s\n", rc.records,
			rc.by_type[SETTLE_REC_CPUFREQ_PRE], rc.by_type[SETTLE_REC_CPUFREQ_POST],
			rc.by_type[SETTLE_REC_CPU_FREQUENCY], lost, out,
			err ? " (incomplete: see errors above)" : "");
	}
	return err ? 1 : 0;
}
