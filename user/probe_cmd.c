// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* settle probe cpu: run the throughput probe alone and characterise it. */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include "binstats.h"
#include "cmds.h"
#include "json_writer.h"
#include "probe.h"
#include "probe_mem.h"
#include "probe_gpu.h"
#include "trace.h"
#include "util.h"

#define MAX_DURATION_S	3600
#define MIN_BIN_US	1
#define MAX_BIN_US	1000000
/* --buffer-bytes: the parse bound; RAM bounds it further. */
#define MAX_BUFFER_BYTES	(1ULL << 40)

static const char probe_usage[] =
"Usage: settle probe cpu [--cpu N] [--duration SECONDS] [--bin-us US]\n"
"                        [-o DIR [--force]] [--json [--pretty]] [--no-fifo]\n"
"                        [--kind compute|memory [--buffer-bytes N [--force]]]\n"
"       settle probe gpu --help   (the CUDA probe: GPU and memory clock)\n"
"\n"
"Run the CPU throughput probe alone: a loop pinned on CPU N that reads\n"
"CLOCK_MONOTONIC after every chunk of work (see Kinds) and adds the chunk's\n"
"work to the throughput bin its end time falls in.  This is the probe that\n"
"`settle step` runs during a campaign (the compute kind); run it alone to\n"
"see what it can resolve on this machine and to compare it with other\n"
"probes.\n"
"\n"
"Printed: samples (chunks), iterations per sample (calibrated at start so a\n"
"chunk is as short as the clock read allows), the sample period p50/p99/max\n"
"in ns (p50/p99 from a log-linear histogram, within 6% and never below the\n"
"true value; max exact), the throughput per bin, and whether the probe ran\n"
"under SCHED_FIFO with memory locked.  Without either, other tasks and page\n"
"faults show up as gaps (see period max).\n"
"\n"
"Kinds:\n"
"  compute  a dependent multiply chain: throughput follows the CPU clock;\n"
"           the probe for CPU frequency campaigns (default)\n"
"  memory   sequential loads, one 8-byte load per 64-byte line, over a\n"
"           buffer of max(4 x LLC, 64 MiB): every line comes from DRAM, so\n"
"           throughput follows the memory clock (EMC on a Jetson).  Use it\n"
"           for EMC campaigns and to see what a memory-bound workload sees\n"
"           across a CPU or EMC step.  A sample is then a fixed number of\n"
"           lines, calibrated so it lasts about as long as a compute\n"
"           sample; work per bin is lines (x 64 for bytes).  The buffer is\n"
"           pre-faulted, locked when possible and on huge pages where\n"
"           transparent huge pages allow (madvise); all three are printed.\n"
"\n"
"Options:\n"
"  --cpu N              CPU to pin on (default: the last online CPU)\n"
"  -d, --duration SECS  how long to run, 1..3600 (default 2)\n"
"  --bin-us US          throughput bin width in us, 1..1000000 (default 10)\n"
"  -o, --output DIR     also write a settle trace with probe_info and\n"
"                       probe_bins events (`settle report DIR` shows it)\n"
"  -f, --force          reuse a non-empty DIR; with --kind memory also run\n"
"                       a buffer under 2 x LLC (it measures the cache then)\n"
"  --no-fifo            do not try SCHED_FIFO\n"
"  -k, --kind KIND      compute or memory (default compute)\n"
"  --buffer-bytes N     memory kind: bytes to stream, with an optional K, M\n"
"                       or G (x 1024^n), e.g. 256M; at least 2 x LLC\n"
"  --json               machine-readable output; -p, --pretty indents it\n"
"  -h, --help           this text\n"
"\n"
"Exit status: 0 on success, 1 on any error (bad option, CPU not available,\n"
"trace not writable).\n"
"\n"
"Examples:\n"
"  settle probe cpu\n"
"  settle probe cpu --cpu 2 --duration 10 --bin-us 100 -o probe-cpu2\n"
"  settle probe cpu --kind memory --json\n";

static int last_online_cpu(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	/* The process's own mask, so a cpuset-restricted run still works. */
	if (!sched_getaffinity(0, sizeof(set), &set))
		for (int c = CPU_SETSIZE - 1; c >= 0; c--)
			if (CPU_ISSET(c, &set))
				return c;
	return n > 0 ? (int)n - 1 : 0;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void rt_throttle_note(void)
{
	FILE *f = fopen("/proc/sys/kernel/sched_rt_runtime_us", "r");
	long v;

	if (!f)
		return;
	if (fscanf(f, "%ld", &v) == 1 && v >= 0)
		p_warn("RT throttling is on (sched_rt_runtime_us=%ld): a SCHED_FIFO probe is "
		       "suspended for the rest of every RT period; expect gaps", v);
	fclose(f);
}

static int write_trace(const char *dir, bool force, const struct probe *p,
		       const struct probe_stats *st, size_t nbins, uint64_t t_end)
{
	char err[SETTLE_ERR_LEN];
	struct utsname uts;
	struct trace_meta m;
	struct trace_writer *w;
	int ret;

	if (uname(&uts)) {
		p_err("uname() failed: %s", strerror(errno));
		return -1;
	}
	m = (struct trace_meta){
		.hostname = uts.nodename, .kernel_release = uts.release,
		.machine = uts.machine, .settle_version = SETTLE_VERSION,
		.source = "probe",
	};
	w = trace_writer_open(dir, &m, force, err, sizeof(err));
	if (!w) {
		p_err("%s", err);
		return -1;
	}
	ret = probe_trace_bins(w, p, 0, nbins);
	if (!ret)
		ret = probe_trace_info(w, p, st, t_end);
	if (ret)
		p_err("writing trace '%s': %s", dir, trace_writer_error(w));
	if (trace_writer_close(w) && !ret) {
		p_err("closing trace '%s' failed", dir);
		ret = -1;
	}
	return ret ? -1 : 0;
}

static void print_buffer(const struct probe_stats *st)
{
	printf("buffer:    %" PRIu64 " MiB", st->buffer_bytes >> 20);
	if (st->llc_bytes)
		printf(" (%.1f x LLC of %" PRIu64 " KiB)",
		       (double)st->buffer_bytes / (double)st->llc_bytes, st->llc_bytes >> 10);
	else
		printf(" (LLC size unknown)");
	printf(", locked %s, huge pages %" PRIu64 " of %" PRIu64 " MiB\n",
	       st->buffer_mlocked ? "yes" : "no", st->huge_bytes >> 20,
	       st->buffer_bytes >> 20);
}

static void print_text(const struct probe_config *cfg, const struct probe_stats *st,
		       const struct bin_stats *bs, uint64_t duration_s, size_t nbins)
{
	bool mem = st->kind == PROBE_MEMORY;

	printf("probe:     cpu %d, %s, %" PRIu64 " s, bins of %u ns (%zu complete)\n",
	       cfg->cpu, probe_kind_str(st->kind), duration_s, cfg->bin_ns, nbins);
	if (mem)
		print_buffer(st);
	printf("samples:   %" PRIu64 " (%" PRIu32 " %s each)\n", st->samples,
	       st->iters_per_sample, mem ? "64-byte lines" : "chain steps");
	printf("period:    p50 %" PRIu64 " ns, p99 %" PRIu64 " ns, max %" PRIu64 " ns\n",
	       st->period_p50_ns, st->period_p99_ns, st->period_max_ns);
	bin_stats_print(stdout, "work/bin: ", bs);
	printf("fifo:      %s\nmlocked:   %s\n", st->fifo ? "yes" : "no",
	       st->mlocked ? "yes" : "no");
	if (st->dropped_bins)
		printf("dropped:   %" PRIu64 " bins past capacity\n", st->dropped_bins);
	if (mem && bs->n)
		printf("stream:    p50 %.0f MB/s (p50 lines per bin)\n",
		       (double)bs->p50 * PROBE_MEM_LINE * 1e3 / cfg->bin_ns);
	printf("\nperiod: time from one clock read to the next (one chunk of work);\n"
	       "work/bin: %s per bin, first and last bin left out; an empty\n"
	       "bin means the probe did not run at all for a whole bin.\n",
	       mem ? "64-byte lines loaded" : "chain steps");
}

static void print_json(const struct probe_config *cfg, const struct probe_stats *st,
		       const struct bin_stats *bs, uint64_t duration_s, size_t nbins,
		       bool pretty)
{
	json_writer_t *w = jsonw_new(stdout);

	if (!w)
		return;
	jsonw_pretty(w, pretty);
	jsonw_start_object(w);
	jsonw_uint_field(w, "cpu", (uint64_t)cfg->cpu);
	jsonw_uint_field(w, "duration_s", duration_s);
	jsonw_uint_field(w, "bin_ns", cfg->bin_ns);
	jsonw_uint_field(w, "bins", nbins);
	jsonw_uint_field(w, "samples", st->samples);
	jsonw_uint_field(w, "iters_per_sample", st->iters_per_sample);
	jsonw_uint_field(w, "period_p50_ns", st->period_p50_ns);
	jsonw_uint_field(w, "period_p99_ns", st->period_p99_ns);
	jsonw_uint_field(w, "period_max_ns", st->period_max_ns);
	jsonw_uint_field(w, "dropped_bins", st->dropped_bins);
	jsonw_name(w, "fifo");
	jsonw_bool(w, st->fifo);
	jsonw_name(w, "mlocked");
	jsonw_bool(w, st->mlocked);
	bin_stats_json(w, bs);
	/* Added with the memory kind, after every earlier field. */
	jsonw_string_field(w, "kind", probe_kind_str(st->kind));
	if (st->kind == PROBE_MEMORY) {
		jsonw_uint_field(w, "buffer_bytes", st->buffer_bytes);
		jsonw_uint_field(w, "llc_bytes", st->llc_bytes);
		jsonw_uint_field(w, "line_bytes", PROBE_MEM_LINE);
		jsonw_uint_field(w, "bytes_per_sample",
				 (uint64_t)st->iters_per_sample * PROBE_MEM_LINE);
		jsonw_uint_field(w, "huge_bytes", st->huge_bytes);
		jsonw_name(w, "buffer_mlocked");
		jsonw_bool(w, st->buffer_mlocked);
		jsonw_uint_field(w, "cal_line_ps", st->line_ps);
	}
	jsonw_end_object(w);
	jsonw_destroy(&w);
}

static int probe_cpu_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "cpu", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, 'd' },
		{ "bin-us", required_argument, NULL, 'b' },
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "no-fifo", no_argument, NULL, 'F' },
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "kind", required_argument, NULL, 'k' },
		{ "buffer-bytes", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct probe_config cfg = { .cpu = -1, .bin_ns = PROBE_DEFAULT_BIN_NS,
				    .want_fifo = true };
	uint64_t v, duration = 2, t_end, llc = 0;
	const char *out = NULL;
	bool json = false, pretty = false, force = false;
	char err[SETTLE_ERR_LEN];
	struct probe_stats st;
	struct bin_stats bs;
	struct probe *p;
	struct timespec ts;
	size_t nbins;
	int c, ret = 1;

	opt_reset();
	while ((c = getopt_long(argc, argv, "d:o:fk:ph", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (parse_u64("--cpu", optarg, 0, CPU_SETSIZE - 1, &v))
				return 1;
			cfg.cpu = (int)v;
			break;
		case 'd':
			if (parse_u64("--duration", optarg, 1, MAX_DURATION_S, &duration))
				return 1;
			break;
		case 'b':
			if (parse_u64("--bin-us", optarg, MIN_BIN_US, MAX_BIN_US, &v))
				return 1;
			cfg.bin_ns = (uint32_t)(v * 1000);
			break;
		case 'o':
			out = optarg;
			break;
		case 'f':
			force = true;
			break;
		case 'F':
			cfg.want_fifo = false;
			break;
		case 'k':
			if (!strcmp(optarg, "compute")) {
				cfg.kind = PROBE_COMPUTE;
			} else if (!strcmp(optarg, "memory")) {
				cfg.kind = PROBE_MEMORY;
			} else {
				p_err("--kind: '%s' is neither 'compute' nor 'memory'", optarg);
				return 1;
			}
			break;
		case 'B':
			if (probe_mem_parse_bytes("--buffer-bytes", optarg, 1, MAX_BUFFER_BYTES,
						  &cfg.buffer_bytes, err, sizeof(err))) {
				p_err("%s", err);
				return 1;
			}
			break;
		case 'j':
			json = true;
			break;
		case 'p':
			json = pretty = true;
			break;
		case 'h':
			fputs(probe_usage, stdout);
			return 0;
		default:
			usage_hint("probe");
			return 1;
		}
	}
	if (extra_args(argc, argv, "probe"))
		return 1;
	if (cfg.buffer_bytes && cfg.kind != PROBE_MEMORY) {
		p_err("--buffer-bytes is for --kind memory");
		return 1;
	}
	if (cfg.kind == PROBE_MEMORY) {
		/* Checked here, before any trace directory is touched; the
		 * probe finds the same LLC again. */
		bool given = cfg.buffer_bytes;

		if (probe_mem_llc_bytes(NULL, &llc, err, sizeof(err))) {
			p_warn("%s: the buffer cannot be checked against the LLC", err);
			llc = 0;
		}
		if (!given)
			cfg.buffer_bytes = probe_mem_default_bytes(llc);
		if (probe_mem_check_bytes(cfg.buffer_bytes, llc, force, err, sizeof(err))) {
			p_err("%s%s", given ? "--buffer-bytes: " : "", err);
			return 1;
		}
	}
	if (out && trace_output_check(out, force, err, sizeof(err))) {
		p_err("%s", err);
		return 1;
	}
	if (cfg.cpu < 0)
		cfg.cpu = last_online_cpu();
	/* One spare second: the loop stops a little after the deadline. */
	cfg.capacity_ns = (duration + 1) * 1000000000ULL;
	if (cfg.want_fifo)
		rt_throttle_note();

	if (probe_start(&cfg, &p, err, sizeof(err))) {
		p_err("%s", err);
		return 1;
	}
	ts.tv_sec = (time_t)duration;
	ts.tv_nsec = 0;
	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
	nbins = probe_bins_done(p);
	if (probe_stop(p, &st)) {
		p_err("stopping the probe thread failed");
		goto out;
	}
	t_end = mono_ns();
	if (bin_stats(probe_bins(p), nbins, &bs)) {
		p_err("out of memory");
		goto out;
	}
	if (out && write_trace(out, force, p, &st, nbins, t_end))
		goto out;
	if (json)
		print_json(&cfg, &st, &bs, duration, nbins, pretty);
	else
		print_text(&cfg, &st, &bs, duration, nbins);
	if (fflush(stdout) || ferror(stdout)) {
		p_err("writing the output failed");
		goto out;
	}
	ret = 0;
out:
	probe_free(p);
	return ret;
}

int cmd_probe(int argc, char **argv)
{
	if (argc < 2) {
		fputs(probe_usage, stderr);
		return 1;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(probe_usage, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "gpu"))
		return probe_gpu_run(argc - 1, argv + 1);
	if (strcmp(argv[1], "cpu")) {
		p_err("unknown probe '%s': 'cpu' or 'gpu'", argv[1]);
		return 1;
	}
	return probe_cpu_run(argc - 1, argv + 1);
}
