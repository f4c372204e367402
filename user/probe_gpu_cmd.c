// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* settle probe gpu: run the GPU throughput probe alone and characterise it. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "binstats.h"
#include "gpuprobe.h"
#include "json_writer.h"
#include "probe_gpu.h"
#include "util.h"

#define MAX_DURATION_S	3600
#define MAX_BIN_US	1000000
#define MAX_DEVICE	1023
/* Sleep slice while running: how soon Ctrl-C or a failure is noticed. */
#define POLL_NS		20000000L

static const char gpu_usage[] =
"Usage: settle probe gpu [--kind compute|memory] [--duration SECONDS]\n"
"                        [--bin-us US] [--device N] [--json [--pretty]]\n"
"\n"
"Run the GPU throughput probe alone: one persistent CUDA kernel that, after\n"
"every work unit, writes (%globaltimer, clock64, work done, SM id) into a\n"
"ring in pinned host memory that settle drains while the kernel runs.\n"
"%globaltimer is mapped onto CLOCK_MONOTONIC by a ping-pong through mapped\n"
"memory, before and after the run; samples are binned into throughput bins\n"
"like the CPU probe's.  Changes no clock and no GPU setting.\n"
"\n"
"Kinds:\n"
"  compute  one warp on one SM runs a dependent multiply-add chain: its\n"
"           throughput follows the GPU clock (default)\n"
"  memory   every SM streams its slice of a buffer of max(4 x L2, 64 MiB)\n"
"           with loads that skip L1: throughput follows the memory (EMC)\n"
"           clock\n"
"\n"
"Printed: the GPU, samples, the sample period p50/p99/max (from\n"
"%globaltimer, so quantised by its step) and mean, the %globaltimer step\n"
"(its update granularity, measured, not assumed), the clock alignment's\n"
"round trip, bound and drift, dropped samples, work per bin and the SM\n"
"clock implied by clock64 (compute kind: compare with devfreq cur_freq).\n"
"\n"
"Options:\n"
"  -k, --kind KIND      compute or memory\n"
"  -d, --duration SECS  how long to run, 1..3600 (default 2)\n"
"  --bin-us US          throughput bin width in us, 1..1000000 (default 10)\n"
"  --device N           CUDA device ordinal (default 0)\n"
"  --json               machine-readable output; -p, --pretty indents it\n"
"  -h, --help           this text\n"
"\n"
"Environment: SETTLE_LIBCUDA names the driver library (default\n"
"libcuda.so.1); SETTLE_GPU_FATBIN a device code file to use instead of the\n"
"embedded one.\n"
"\n"
"Exit status: 0 on success; 1 on any error: no GPU probe possible here\n"
"(\"no GPU probe: <reason>\"), a CUDA error, a sample ring overflow, a\n"
"stalled kernel; 130 when interrupted (the kernel is stopped first).\n"
"\n"
"Examples:\n"
"  settle probe gpu\n"
"  settle probe gpu --kind memory --duration 5 --json\n";

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void print_text(const struct gpuprobe_config *cfg, const struct gpuprobe_info *in,
		       const struct gpuprobe_stats *st, const struct bin_stats *bs,
		       uint64_t bound, double secs, size_t nbins)
{
	printf("gpu:         %s (sm_%d%d, %d SMs%s), driver %d.%d\n", in->name,
	       in->cc_major, in->cc_minor, in->sms, in->integrated ? ", integrated" : "",
	       in->driver_version / 1000, in->driver_version % 1000 / 10);
	printf("probe:       %s, %.1f s, %u x %u threads, %u %s per unit, bins of %u ns "
	       "(%zu complete)\n", gpuprobe_kind_str(cfg->kind), secs, in->blocks,
	       in->threads, in->iters, cfg->kind == GPUPROBE_MEMORY ?
	       "16-byte loads/thread" : "chain steps", cfg->bin_ns, nbins);
	if (cfg->kind == GPUPROBE_MEMORY)
		printf("buffer:      %" PRIu64 " MiB\n", in->buf_bytes >> 20);
	printf("device code: %s\n", in->code);
	printf("samples:     %" PRIu64 " (%" PRIu64 " work units)\n", st->samples, st->units);
	printf("period:      p50 %" PRIu64 " ns, p99 %" PRIu64 " ns, max %" PRIu64
	       " ns, mean %" PRIu64 " ns\n", st->period_p50_ns, st->period_p99_ns,
	       st->period_max_ns, st->period_mean_ns);
	printf("globaltimer: step min %" PRIu64 " ns, max %" PRIu64 " ns, mean %" PRIu64 " ns\n",
	       st->gt_step_min_ns, st->gt_step_max_ns, st->gt_step_mean_ns);
	printf("alignment:   round trip %" PRIu64 " ns, bound +-%" PRIu64 " ns",
	       st->align_rtt_ns, st->align_bound_ns);
	if (st->drift_measured)
		printf(", drift %" PRId64 " ns over the run\n", st->drift_ns);
	else
		printf(", drift not measured\n");
	printf("time bound:  +-%" PRIu64 " ns (add to every change-point bound)\n", bound);
	printf("dropped:     %" PRIu64 " samples", st->dropped);
	if (st->dropped_bins)
		printf(", %" PRIu64 " bins past capacity", st->dropped_bins);
	printf("\n");
	bin_stats_print(stdout, "work/bin:   ", bs);
	if (st->clock_khz)
		printf("sm clock:    %" PRIu64 " MHz (clock64 over %%globaltimer)\n",
		       st->clock_khz / 1000);
	else
		printf("sm clock:    - (samples from more than one SM)\n");
}

static void print_json(const struct gpuprobe_config *cfg, const struct gpuprobe_info *in,
		       const struct gpuprobe_stats *st, const struct bin_stats *bs,
		       uint64_t bound, uint64_t duration_ms, size_t nbins, bool pretty)
{
	json_writer_t *w = jsonw_new(stdout);

	if (!w)
		return;
	jsonw_pretty(w, pretty);
	jsonw_start_object(w);
	jsonw_string_field(w, "gpu", in->name);
	jsonw_name(w, "sm");
	jsonw_uint(w, (uint64_t)(in->cc_major * 10 + in->cc_minor));
	jsonw_uint_field(w, "sms", (uint64_t)in->sms);
	jsonw_name(w, "integrated");
	jsonw_bool(w, in->integrated);
	jsonw_uint_field(w, "driver_version", (uint64_t)in->driver_version);
	jsonw_string_field(w, "device_code", in->code);
	jsonw_string_field(w, "kind", gpuprobe_kind_str(cfg->kind));
	jsonw_name(w, "duration_s");
	jsonw_fixed(w, duration_ms, 3);
	jsonw_uint_field(w, "blocks", in->blocks);
	jsonw_uint_field(w, "threads", in->threads);
	jsonw_uint_field(w, "iters_per_unit", in->iters);
	jsonw_uint_field(w, "buffer_bytes", in->buf_bytes);
	jsonw_uint_field(w, "bin_ns", cfg->bin_ns);
	jsonw_uint_field(w, "bins", nbins);
	jsonw_uint_field(w, "samples", st->samples);
	jsonw_uint_field(w, "units", st->units);
	jsonw_uint_field(w, "period_p50_ns", st->period_p50_ns);
	jsonw_uint_field(w, "period_p99_ns", st->period_p99_ns);
	jsonw_uint_field(w, "period_max_ns", st->period_max_ns);
	jsonw_uint_field(w, "period_mean_ns", st->period_mean_ns);
	jsonw_uint_field(w, "globaltimer_step_min_ns", st->gt_step_min_ns);
	jsonw_uint_field(w, "globaltimer_step_max_ns", st->gt_step_max_ns);
	jsonw_uint_field(w, "globaltimer_step_mean_ns", st->gt_step_mean_ns);
	jsonw_name(w, "offset_ns");
	jsonw_int(w, st->offset_ns);
	jsonw_uint_field(w, "align_rtt_ns", st->align_rtt_ns);
	jsonw_uint_field(w, "align_bound_ns", st->align_bound_ns);
	jsonw_name(w, "drift_ns");
	if (st->drift_measured)
		jsonw_int(w, st->drift_ns);
	else
		jsonw_null(w);
	jsonw_uint_field(w, "time_bound_ns", bound);
	jsonw_uint_field(w, "dropped_samples", st->dropped);
	jsonw_uint_field(w, "dropped_bins", st->dropped_bins);
	jsonw_name(w, "sm_clock_khz");
	if (st->clock_khz)
		jsonw_uint(w, st->clock_khz);
	else
		jsonw_null(w);
	bin_stats_json(w, bs);
	jsonw_end_object(w);
	jsonw_destroy(&w);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int parse_kind(const char *s, enum gpuprobe_kind *k)
{
	if (!strcmp(s, "compute"))
		*k = GPUPROBE_COMPUTE;
	else if (!strcmp(s, "memory"))
		*k = GPUPROBE_MEMORY;
	else {
		p_err("--kind: '%s' is neither 'compute' nor 'memory'", s);
		return -1;
	}
	return 0;
}

/* Sleeps `ns` unless interrupted or the probe fails first. */
static void run_for(const struct gpuprobe *gp, uint64_t ns)
{
	uint64_t end = mono_ns() + ns;

	while (!interrupted && !gpuprobe_failed(gp, NULL, 0)) {
		uint64_t now = mono_ns();
		struct timespec ts = { 0, POLL_NS };

		if (now >= end)
			break;
		if (end - now < (uint64_t)POLL_NS)
			ts.tv_nsec = (long)(end - now);
		nanosleep(&ts, NULL);
	}
}

int probe_gpu_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "kind", required_argument, NULL, 'k' },
		{ "duration", required_argument, NULL, 'd' },
		{ "bin-us", required_argument, NULL, 'b' },
		{ "device", required_argument, NULL, 'D' },
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct gpuprobe_config cfg = { .kind = GPUPROBE_COMPUTE, .bin_ns = 10000 };
	struct sigaction sa = { .sa_handler = on_signal }, old_int, old_term;
	uint64_t v, duration = 2, t_start, ran_ns;
	bool json = false, pretty = false;
	char err[SETTLE_ERR_LEN];
	struct gpuprobe_stats st;
	struct gpuprobe *gp;
	struct bin_stats bs;
	size_t nbins;
	int c, ret = 1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "k:d:ph", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			if (parse_kind(optarg, &cfg.kind))
				return 1;
			break;
		case 'd':
			if (parse_u64("--duration", optarg, 1, MAX_DURATION_S, &duration))
				return 1;
			break;
		case 'b':
			if (parse_u64("--bin-us", optarg, 1, MAX_BIN_US, &v))
				return 1;
			cfg.bin_ns = (uint32_t)(v * 1000);
			break;
		case 'D':
			if (parse_u64("--device", optarg, 0, MAX_DEVICE, &v))
				return 1;
			cfg.device = (int)v;
			break;
		case 'j':
			json = true;
			break;
		case 'p':
			json = pretty = true;
			break;
		case 'h':
			fputs(gpu_usage, stdout);
			return 0;
		default:
			usage_hint("probe gpu");
			return 1;
		}
	}
	if (extra_args(argc, argv, "probe gpu"))
		return 1;
	cfg.capacity_ns = (duration + 1) * 1000000000ULL;

	/* No SA_RESTART: Ctrl-C must cut the sleep short and stop the kernel. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	if (gpuprobe_start(&cfg, &gp, err, sizeof(err))) {
		p_err("%s", err);
		goto restore;
	}
	t_start = mono_ns();
	run_for(gp, duration * 1000000000ULL);
	ran_ns = mono_ns() - t_start;
	nbins = gpuprobe_bins_done(gp);
	if (gpuprobe_stop(gp, &st, err, sizeof(err))) {
		p_err("%s", err);
		if (st.dropped)
			p_err("%" PRIu64 " samples dropped in all by the time the kernel stopped; "
			      "%" PRIu64 " drained before the failure", st.dropped, st.samples);
		goto out;
	}
	if (interrupted) {
		p_err("interrupted after %.1f s; the probe kernel was stopped", ran_ns / 1e9);
		ret = 130;
		goto out;
	}
	if (bin_stats(gpuprobe_bins(gp), nbins, &bs)) {
		p_err("out of memory");
		goto out;
	}
	if (json)
		print_json(&cfg, gpuprobe_info(gp), &st, &bs, gpuprobe_time_bound_ns(gp),
			   ran_ns / 1000000, nbins, pretty);
	else
		print_text(&cfg, gpuprobe_info(gp), &st, &bs, gpuprobe_time_bound_ns(gp),
			   ran_ns / 1e9, nbins);
	if (fflush(stdout) || ferror(stdout)) {
		p_err("writing the output failed");
		goto out;
	}
	ret = 0;
out:
	gpuprobe_free(gp);
restore:
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	return ret;
}
