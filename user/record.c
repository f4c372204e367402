// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * settle record: attach to the DVFS tracepoints and stream the ring buffer
 * into a CTF trace.  The BPF side lives in recorder.c (shared with `settle
 * step`); everything that does not need BPF lives elsewhere so it can be
 * tested.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/utsname.h>
#include "cmds.h"
#include "recorder.h"
#include "trace.h"
#include "util.h"

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
"about to run) and settle:cpufreq_post (returned), paired by transition id,\n"
"plus settle:cpu_request (when the change was asked for), cpu_effective\n"
"(when the hardware readout showed it), cpu_limits and cpu_policy.\n"
"Without it, falls back to the kernel's power:cpu_frequency and\n"
"power:cpu_frequency_limits, which have no request, no driver entry/exit,\n"
"no stall, no effective change and no transition id (a warning says so).\n"
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

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
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
	const char *out = "settle-trace";
	char errbuf[SETTLE_ERR_LEN];
	struct recorder *rec = NULL;
	struct trace_writer *w = NULL;
	struct trace_meta meta;
	struct sigaction sa = { .sa_handler = on_signal };
	struct utsname uts;
	uint64_t duration = 0, deadline = 0, next_flush;
	bool force = false, verbose = false;
	int c, err = 0;

	opt_reset();
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
			usage_hint("record");
			return 1;
		}
	}
	if (extra_args(argc, argv, "record"))
		return 1;
	if (!*out) {
		p_err("-o: empty output directory name");
		return 1;
	}

	/* Refuse a bad output before the slow, privileged part. */
	if (trace_output_check(out, force, errbuf, sizeof(errbuf))) {
		p_err("%s", errbuf);
		return 1;
	}
	rec = recorder_open(false, verbose);
	if (!rec)
		return 1;

	if (uname(&uts)) {
		err = -errno;
		p_err("uname() failed: %s", strerror(errno));
		goto cleanup;
	}
	meta = (struct trace_meta){
		.hostname = uts.nodename, .kernel_release = uts.release,
		.machine = uts.machine, .settle_version = SETTLE_VERSION,
		.source = recorder_source(rec),
	};
	w = trace_writer_open(out, &meta, force, errbuf, sizeof(errbuf));
	if (!w) {
		err = -EIO;
		p_err("%s", errbuf);
		goto cleanup;
	}

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL)) {
		err = -errno;
		p_err("installing signal handlers failed: %s", strerror(errno));
		goto cleanup;
	}

	if (recorder_attach(rec, w)) {
		err = -EIO;
		goto cleanup;
	}
	fprintf(stderr, "settle record: attached to %s (source %s); writing '%s'\n",
		recorder_events(rec), recorder_source(rec), out);

	next_flush = mono_ns() + RECORDER_FLUSH_INTERVAL_NS;
	if (duration)
		deadline = mono_ns() + duration * 1000000000ULL;
	while (!stop_requested) {
		uint64_t now;

		if (recorder_poll(rec, POLL_TIMEOUT_MS)) {
			err = -EIO;
			goto cleanup;
		}
		now = mono_ns();
		if (now >= next_flush) {
			if (recorder_sync(rec)) {
				err = -EIO;
				goto cleanup;
			}
			next_flush = now + RECORDER_FLUSH_INTERVAL_NS;
		}
		if (deadline && now >= deadline)
			break;
	}
	err = recorder_finish(rec) ? -EIO : 0;

cleanup:
	if (w) {
		const struct recorder_stats *st = recorder_stats(rec);

		if (trace_writer_close(w) && !err)
			err = -EIO;
		fprintf(stderr, "settle record: %" PRIu64 " records (cpufreq_pre %" PRIu64
			", cpufreq_post %" PRIu64 ", cpu_frequency %" PRIu64
			", cpu_request %" PRIu64 ", cpu_effective %" PRIu64
			", cpu_limits %" PRIu64 ", cpu_policy %" PRIu64 "), %" PRIu64
			" lost, written to '%s'%s\n", st->records,
			st->by_type[SETTLE_REC_CPUFREQ_PRE], st->by_type[SETTLE_REC_CPUFREQ_POST],
			st->by_type[SETTLE_REC_CPU_FREQUENCY], st->by_type[SETTLE_REC_CPU_REQUEST],
			st->by_type[SETTLE_REC_CPU_EFFECTIVE], st->by_type[SETTLE_REC_CPU_LIMITS],
			st->by_type[SETTLE_REC_CPU_POLICY], st->lost, out,
			err ? " (incomplete: see errors above)" : "");
	}
	recorder_free(rec);
	return err ? 1 : 0;
}
