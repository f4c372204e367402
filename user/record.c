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
#include <unistd.h>
#include "cmds.h"
#include "devices.h"
#include "recorder.h"
#include "trace.h"
#include "util.h"

#define POLL_TIMEOUT_MS		50
#define MAX_DURATION_S		(31ULL * 24 * 3600)

static const char record_usage[] =
"Usage: settle record [-o DIR] [--duration SECONDS] [--domain LIST]\n"
"                     [--device NAME] [--ring-kib KIB] [--force]\n"
"\n"
"Passively record DVFS transitions into a CTF 1.8 trace directory (read it\n"
"with `settle report DIR` or `babeltrace2 DIR`).  Needs root (or CAP_BPF and\n"
"CAP_PERFMON) and tracefs.\n"
"\n"
"With settle.ko loaded, records every clock domain it drives (cpu, gpu,\n"
"emc): settle:driver_entry (the driver is about to be asked) and\n"
"settle:driver_exit (it returned), paired by transition id, plus\n"
"settle:request (when the change was asked for, and inside which other\n"
"transition), settle:effective (when the rate readout showed it),\n"
"settle:limits and settle:policy.  The trace starts with settle.ko's\n"
"devices (name, backend, reader, rate table), from /dev/settle opened\n"
"read-only.  Without settle.ko, falls back to the kernel's\n"
"power:cpu_frequency and power:cpu_frequency_limits: cpu domain only, no\n"
"request, no driver entry/exit, no stall, no effective change and no\n"
"transition id (a warning says so).\n"
"\n"
"Options:\n"
"  -o, --output DIR       trace directory (default: settle-trace); created if\n"
"                         missing; an existing non-empty one is refused\n"
"  -f, --force            reuse a non-empty DIR, replacing settle's files in it\n"
"  -d, --duration SECONDS stop after this many whole seconds (1..2678400;\n"
"                         default: run until SIGINT/SIGTERM)\n"
"  -D, --domain LIST      comma-separated clock domains to record: cpu, gpu,\n"
"                         emc (default: all; without settle.ko only cpu).\n"
"                         --domains is the same\n"
"      --device NAME      of NAME's domain, record only device NAME (as\n"
"                         `settle devices` lists it); needs settle.ko\n"
"      --ring-kib KIB     the kernel-to-recorder ring buffer, KiB: a power of\n"
"                         two, at least one page, at most 1048576 (default\n"
"                         4096).  Records that find it full are lost (counted)\n"
"  -v, --verbose          show libbpf debug output\n"
"  -h, --help             this text\n"
"\n"
"Once attached it prints one line starting with \"settle record: attached\" on\n"
"stderr.  Data is written in packets at least every 200 ms, so a killed\n"
"recorder loses at most the last 200 ms.  Records the kernel could not queue\n"
"(ring buffer full) are counted and written as `lost` events, and so are\n"
"events the kernel never ran the recorder for because another BPF program\n"
"was running on that CPU (an interrupt inside someone's kprobe tool):\n"
"settle.ko numbers its events and the recorder counts the gaps.  The\n"
"fallback counts those only on Linux 6.7 and later.  The final summary\n"
"line reports records and lost, and what the lost are.\n"
"\n"
"Exit status: 0 on success (even if records were lost), 1 on any error.\n"
"\n"
"Examples:\n"
"  settle record -o /tmp/boot-trace --duration 30\n"
"  settle record &  run-workload;  kill -INT %1;  settle report settle-trace\n";

/* What "N lost" is made of, for the summary line. */
static const char *lost_detail(const struct recorder_stats *st, char *buf, size_t len)
{
	if (!st->recursion_counted)
		snprintf(buf, len, " (ring buffer full; events the kernel skipped while"
			 " another BPF program ran on the CPU are not counted: fallback"
			 " on a kernel before 6.7)");
	else
		snprintf(buf, len, " (%" PRIu64 " ring buffer full, %" PRIu64
			 " skipped by the kernel while another BPF program ran on the CPU)",
			 st->lost_ring, st->lost_recursion);
	return buf;
}

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* "cpu,emc" -> a bit per domain; every item must be a known domain. */
static int parse_domains(const char *arg, uint32_t *mask)
{
	const char *p = arg;

	*mask = 0;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char tok[16];
		int d;

		if (!len || len >= sizeof(tok)) {
			p_err("--domain: %s in '%s' (expected a list like cpu,emc)",
			      len ? "unknown domain" : "empty item", arg);
			return -1;
		}
		memcpy(tok, p, len);
		tok[len] = '\0';
		d = trace_domain_parse(tok);
		if (d < 0) {
			p_err("--domain: unknown domain '%s' (cpu, gpu, emc)", tok);
			return -1;
		}
		*mask |= 1U << d;
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

/*
 * The device header, and --device's index.  Without settle.ko there is no
 * device to name (the fallback has none): --device is then an error.
 */
static int load_devices(struct settle_devs *devs, const char *device, uint32_t mask,
			struct recorder_filter *flt)
{
	char err[SETTLE_ERR_LEN];
	int ret = devs_load(devs, err, sizeof(err));

	if (ret < 0 && !device) {
		/* The events still say everything; only the names are missing. */
		p_warn("%s; recording without the device header (devices are named <domain><dev>)",
		       err);
		devs_free(devs);
		return 0;
	}
	if (ret < 0) {
		p_err("%s", err);
		return -1;
	}
	if (!device)
		return 0;
	if (ret > 0) {
		p_err("--device %s: settle.ko is not loaded (no %s), so there are no devices to choose from",
		      device, SETTLE_DEV_PATH);
		return -1;
	}
	for (int d = 0; d < TRACE_DOMAINS; d++) {
		const struct settle_device_info *i = devs_find(devs, d, device);

		if (!i || !(mask & (1U << d)))
			continue;
		flt->only_domain = d;
		flt->only_dev = i->dev;
		return 0;
	}
	p_err("--device %s: no such device in the recorded domains (see `settle devices`)", device);
	return -1;
}

int cmd_record(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "duration", required_argument, NULL, 'd' },
		{ "domain", required_argument, NULL, 'D' },
		{ "domains", required_argument, NULL, 'D' },
		{ "device", required_argument, NULL, 'E' },
		{ "ring-kib", required_argument, NULL, 'R' },
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
	struct settle_devs devs = { 0 };
	struct recorder_filter flt = { .domain_mask = ~0U, .only_domain = -1 };
	const char *device = NULL;
	uint64_t duration = 0, deadline = 0, next_flush, ring_kib = 0;
	bool force = false, verbose = false, domain_set = false;
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
			if (parse_domains(optarg, &flt.domain_mask))
				return 1;
			domain_set = true;
			break;
		case 'E':
			if (!*optarg) {
				p_err("--device: empty name");
				return 1;
			}
			device = optarg;
			break;
		case 'R':
			if (parse_u64("--ring-kib", optarg, 1, 1048576, &ring_kib))
				return 1;
			if ((ring_kib & (ring_kib - 1)) ||
			    ring_kib * 1024 < (uint64_t)sysconf(_SC_PAGESIZE)) {
				p_err("--ring-kib %s: must be a power of two and at least one page (%ld KiB)",
				      optarg, sysconf(_SC_PAGESIZE) / 1024);
				return 1;
			}
			flt.ring_bytes = (uint32_t)(ring_kib * 1024);
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
	if (load_devices(&devs, device, flt.domain_mask, &flt)) {
		err = -EINVAL;
		goto cleanup;
	}
	/* Without settle.ko only the CPU fallback exists: record it by default. */
	rec = recorder_open(false, verbose, domain_set || device || ring_kib ? &flt : NULL);
	if (!rec) {
		err = -EIO;
		goto cleanup;
	}

	if (uname(&uts)) {
		err = -errno;
		p_err("uname() failed: %s", strerror(errno));
		goto cleanup;
	}
	meta = (struct trace_meta){
		.hostname = uts.nodename, .kernel_release = uts.release,
		.machine = uts.machine, .settle_version = SETTLE_VERSION,
		.source = recorder_source(rec),
		.skips_counted = recorder_counts_skips(rec),
	};
	w = trace_writer_open(out, &meta, force, errbuf, sizeof(errbuf));
	if (!w) {
		err = -EIO;
		p_err("%s", errbuf);
		goto cleanup;
	}
	/* The fallback records no settle.ko device: its header would lie. */
	if (recorder_uses_settle(rec) && devs_write_trace(w, &devs, mono_ns())) {
		err = -EIO;
		p_err("%s", trace_writer_error(w));
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
		char detail[160];

		if (trace_writer_close(w) && !err)
			err = -EIO;
		fprintf(stderr, "settle record: %" PRIu64 " records (request %" PRIu64
			", driver_entry %" PRIu64 ", driver_exit %" PRIu64
			", effective %" PRIu64 ", limits %" PRIu64 ", policy %" PRIu64
			", cpu_frequency %" PRIu64 "), %zu devices, %" PRIu64
			" lost%s, written to '%s'%s\n", st->records,
			st->by_type[SETTLE_REC_REQUEST], st->by_type[SETTLE_REC_DRIVER_ENTRY],
			st->by_type[SETTLE_REC_DRIVER_EXIT], st->by_type[SETTLE_REC_EFFECTIVE],
			st->by_type[SETTLE_REC_LIMITS], st->by_type[SETTLE_REC_POLICY],
			st->by_type[SETTLE_REC_CPU_FREQUENCY],
			recorder_uses_settle(rec) ? devs.n : 0, st->lost,
			lost_detail(st, detail, sizeof(detail)), out,
			err ? " (incomplete: see errors above)" : "");
	}
	recorder_free(rec);
	devs_free(&devs);
	return err ? 1 : 0;
}
