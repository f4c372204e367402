// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The campaign's throughput probe, CPU or GPU, behind one interface
 * (step_probe.h): what settle step does with it, minus /dev/settle.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gpuprobe.h"
#include "probe.h"
#include "step_probe.h"
#include "trace.h"
#include "util.h"

struct step_prober {
	struct step_probe_config cfg;
	struct probe *cpu;		/* CPU kinds */
	struct gpuprobe *gpu;		/* GPU kinds */
	size_t written;			/* bins written so far */
	bool stopped, failed;
	struct probe_stats cst;
	struct gpuprobe_stats gst;
	uint64_t time_bound_ns;
};

static enum gpuprobe_kind gpu_kind(enum step_probe p)
{
	return p == STEP_PROBE_GPU_MEMORY ? GPUPROBE_MEMORY : GPUPROBE_COMPUTE;
}

static struct gpuprobe_config gpu_config(const struct step_probe_config *c)
{
	return (struct gpuprobe_config){
		.kind = gpu_kind(c->probe), .device = c->gpu, .bin_ns = c->bin_ns,
		.capacity_ns = c->capacity_ns, .image = c->image, .image_len = c->image_len,
	};
}

static uint32_t trace_kind(enum step_probe p)
{
	switch (p) {
	case STEP_PROBE_CPU_MEMORY:
		return TRACE_PROBE_CPU_MEMORY;
	case STEP_PROBE_GPU_COMPUTE:
		return TRACE_PROBE_GPU_COMPUTE;
	case STEP_PROBE_GPU_MEMORY:
		return TRACE_PROBE_GPU_MEMORY;
	default:
		return TRACE_PROBE_CPU_COMPUTE;
	}
}

int step_probe_check(const struct step_probe_config *c, char *err, size_t errlen)
{
	struct gpuprobe_config gc;

	if (!step_probe_is_gpu(c->probe))
		return 0;
	gc = gpu_config(c);
	return gpuprobe_check(&gc, NULL, err, errlen);
}

int step_probe_start(const struct step_probe_config *c, struct step_prober **out,
		     char *err, size_t errlen)
{
	struct step_prober *p;
	int ret;

	*out = NULL;
	if (c->probe == STEP_PROBE_NONE) {
		set_err(err, errlen, "no probe to start");
		return -1;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		set_err(err, errlen, "out of memory");
		return -1;
	}
	p->cfg = *c;
	if (step_probe_is_gpu(c->probe)) {
		struct gpuprobe_config gc = gpu_config(c);

		ret = gpuprobe_start(&gc, &p->gpu, err, errlen);
	} else {
		struct probe_config pc = {
			.cpu = c->cpu, .bin_ns = c->bin_ns, .capacity_ns = c->capacity_ns,
			.want_fifo = c->want_fifo,
			.kind = c->probe == STEP_PROBE_CPU_MEMORY ? PROBE_MEMORY : PROBE_COMPUTE,
		};

		ret = probe_start(&pc, &p->cpu, err, errlen);
	}
	if (ret) {
		free(p);
		return -1;
	}
	*out = p;
	return 0;
}

static size_t bins_done(const struct step_prober *p)
{
	return p->gpu ? gpuprobe_bins_done(p->gpu) : probe_bins_done(p->cpu);
}

/* A GPU probe's bins [from, to) as probe_bins events of its kind and GPU. */
static int gpu_trace_bins(struct step_prober *p, struct trace_writer *w,
			  size_t from, size_t to)
{
	const uint32_t *bins = gpuprobe_bins(p->gpu);
	uint64_t t0 = gpuprobe_t0_ns(p->gpu), f[TRACE_MAX_FIELDS];
	uint32_t bin = gpuprobe_bin_ns(p->gpu);

	for (size_t i = from; i < to; i += TRACE_PROBE_BINS_PER_EVENT) {
		size_t n = to - i < TRACE_PROBE_BINS_PER_EVENT ?
			   to - i : TRACE_PROBE_BINS_PER_EVENT;
		uint64_t t = t0 + (uint64_t)i * bin;
		int ret;

		memset(f, 0, sizeof(f));
		f[PB_T0_NS] = t;
		f[PB_CPU] = 0;		/* no CPU: kind and gpu say whose */
		f[PB_BIN_NS] = bin;
		f[PB_N] = n;
		for (size_t j = 0; j < n; j++)
			f[PB_W0 + j] = bins[i + j];
		f[PB_KIND] = trace_kind(p->cfg.probe);
		f[PB_GPU] = (uint32_t)p->cfg.gpu;
		ret = trace_writer_add(w, TEV_PROBE_BINS, t, f);
		if (ret)
			return ret;
	}
	return 0;
}

int step_probe_write_bins(struct step_prober *p, struct trace_writer *w, bool final)
{
	size_t done = bins_done(p), end;
	int ret;

	end = final ? done : p->written + (done - p->written) /
	      TRACE_PROBE_BINS_PER_EVENT * TRACE_PROBE_BINS_PER_EVENT;
	if (end <= p->written)
		return 0;
	ret = p->gpu ? gpu_trace_bins(p, w, p->written, end) :
	      probe_trace_bins(w, p->cpu, p->written, end);
	if (ret)
		return ret;
	p->written = end;
	return 0;
}

size_t step_probe_bins_written(const struct step_prober *p)
{
	return p->written;
}

int step_probe_failed(const struct step_prober *p, char *err, size_t errlen)
{
	return p->gpu ? gpuprobe_failed(p->gpu, err, errlen) : 0;
}

static uint64_t clamp32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : v;
}

static int gpu_trace_info(struct step_prober *p, struct trace_writer *w, uint64_t ts_ns)
{
	const struct gpuprobe_stats *st = &p->gst;
	uint64_t f[TRACE_MAX_FIELDS] = { 0 };

	f[PI_SAMPLES] = st->samples;
	f[PI_CPU] = 0;
	f[PI_BIN_NS] = gpuprobe_bin_ns(p->gpu);
	f[PI_ITERS_PER_SAMPLE] = gpuprobe_info(p->gpu)->iters;
	f[PI_PERIOD_P50_NS] = clamp32(st->period_p50_ns);
	f[PI_PERIOD_P99_NS] = clamp32(st->period_p99_ns);
	f[PI_PERIOD_MAX_NS] = clamp32(st->period_max_ns);
	f[PI_DROPPED_BINS] = clamp32(st->dropped_bins);
	f[PI_KIND] = trace_kind(p->cfg.probe);
	f[PI_BUFFER_BYTES] = gpuprobe_info(p->gpu)->buf_bytes;
	f[PI_GPU] = (uint32_t)p->cfg.gpu;
	f[PI_ALIGN_BOUND_NS] = st->align_bound_ns;
	f[PI_GT_STEP_NS] = clamp32(st->gt_step_max_ns);
	f[PI_TIME_BOUND_NS] = p->time_bound_ns;
	f[PI_DRIFT_NS] = st->drift_ns < 0 ? (uint64_t)-st->drift_ns : (uint64_t)st->drift_ns;
	f[PI_DROPPED_SAMPLES] = st->dropped;
	f[PI_STATUS] = p->failed ? TRACE_PROBE_FAILED : TRACE_PROBE_OK;
	return trace_writer_add(w, TEV_PROBE_INFO, ts_ns, f);
}

int step_probe_finish(struct step_prober *p, struct trace_writer *w, uint64_t ts_ns,
		      char *err, size_t errlen)
{
	int ret = 0;

	if (!p->stopped) {
		p->stopped = true;
		if (p->gpu) {
			if (gpuprobe_stop(p->gpu, &p->gst, err, errlen)) {
				p->failed = true;
				ret = -1;
			}
			p->time_bound_ns = gpuprobe_time_bound_ns(p->gpu);
		} else {
			int e = probe_stop(p->cpu, &p->cst);

			/* As before: the bins are still good. */
			if (e)
				p_warn("stopping the probe failed: %s", strerror(e < 0 ? -e : e));
		}
	}
	if (!w)
		return ret;
	if (step_probe_write_bins(p, w, true))
		return -2;
	if (p->gpu ? gpu_trace_info(p, w, ts_ns) : probe_trace_info(w, p->cpu, &p->cst, ts_ns))
		return -2;
	return ret;
}

void step_probe_summary(const struct step_prober *p, char *buf, size_t len)
{
	if (p->gpu) {
		const struct gpuprobe_stats *st = &p->gst;

		snprintf(buf, len, "GPU %d %s, %" PRIu64 " samples (period p50 %" PRIu64
			 " ns), %zu bins of %u us, %" PRIu64 " samples dropped, %%globaltimer step %"
			 PRIu64 " ns, alignment +-%" PRIu64 " ns, time bound %" PRIu64 " ns%s",
			 p->cfg.gpu, gpuprobe_kind_str(gpu_kind(p->cfg.probe)), st->samples,
			 st->period_p50_ns, p->written, p->cfg.bin_ns / 1000, st->dropped,
			 st->gt_step_max_ns, st->align_bound_ns, p->time_bound_ns,
			 p->failed ? ", FAILED" : "");
		return;
	}
	snprintf(buf, len, "%" PRIu64 " samples, %zu bins of %u us, %" PRIu64 " dropped, %s",
		 p->cst.samples, p->written, p->cfg.bin_ns / 1000, p->cst.dropped_bins,
		 p->cst.fifo ? "SCHED_FIFO" : "not SCHED_FIFO");
}

uint64_t step_probe_time_bound_ns(const struct step_prober *p)
{
	if (!p->gpu)
		return 0;
	return p->stopped ? p->time_bound_ns : gpuprobe_time_bound_ns(p->gpu);
}

void step_probe_free(struct step_prober *p)
{
	if (!p)
		return;
	if (p->gpu)
		gpuprobe_free(p->gpu);
	if (p->cpu)
		probe_free(p->cpu);
	free(p);
}
