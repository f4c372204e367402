// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A stand-in for libcuda.so.1 with the few driver API calls the GPU probe
 * uses, for testing its host side where there is no GPU.  settle loads it
 * through the same dlopen() path ($SETTLE_LIBCUDA).  A "launch" starts a
 * thread that plays the probe kernel's part of cuda/gpuprobe_abi.h:
 * %globaltimer is CLOCK_MONOTONIC plus an offset, quantised to a step;
 * samples are spaced iters * ns_per_iter apart on that clock, so the host's
 * calibration is exercised too; work follows a rate that can change at a
 * known time.  Samples are written as their (synthetic) time passes, in
 * batches like a real drain would see them.
 *
 * Environment (all optional):
 *   SETTLE_STUB_SCENARIO  normal | step | sticky | stall | overflow | exit |
 *                         nodevice | backwards | corrupt | noping
 *   SETTLE_STUB_AT_MS     when into the run the step or failure happens (50)
 *   SETTLE_STUB_RATE1, SETTLE_STUB_RATE2  work units per us before and after
 *                         the step (100, 50)
 *   SETTLE_STUB_NS_PER_ITER  emulated cost of one unit of work (5)
 *   SETTLE_STUB_GT_STEP_NS   %globaltimer update step (1000)
 *   SETTLE_STUB_CC        compute capability as 87 (87)
 *
 * settle_stub_truth(name) gives tests the ground truth: "offset_ns",
 * "step_ns" (CLOCK_MONOTONIC of the step), "run_ns" (run start),
 * "clock_khz", "launches".
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "../../cuda/gpuprobe_abi.h"

typedef int CUresult;

#define OK			0
#define E_INVALID_VALUE		1
#define E_OUT_OF_MEMORY		2
#define E_NO_DEVICE		100
#define E_INVALID_DEVICE	101
#define E_INVALID_IMAGE		200
#define E_NOT_FOUND		500
#define E_NOT_READY		600
#define E_ILLEGAL_ADDRESS	700

#define OFFSET_NS	1000000000123ULL	/* %globaltimer - CLOCK_MONOTONIC */
#define CLOCK_KHZ	1020000ULL
#define FATBIN_MAGIC	0xBA55ED50U

struct CUstream_st {
	pthread_t thread;
	bool running;
	struct gp_params p;
	int kind;			/* 0 compute, 1 memory */
	atomic_int sticky;		/* a launch failure: every query returns it */
	atomic_bool done;
};

static int g_fn_compute, g_fn_memory;	/* function handles: their addresses */
static int g_ctx;
static atomic_ullong truth_step, truth_run, truth_launches;

static const char *scenario(void)
{
	const char *s = getenv("SETTLE_STUB_SCENARIO");

	return s && *s ? s : "normal";
}

static bool is(const char *name)
{
	return !strcmp(scenario(), name);
}

static double env_num(const char *name, double def)
{
	const char *s = getenv(name);

	return s && *s ? strtod(s, NULL) : def;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t gt_step(void)
{
	uint64_t s = (uint64_t)env_num("SETTLE_STUB_GT_STEP_NS", 1000);

	return s ? s : 1;
}

/* %globaltimer at CLOCK_MONOTONIC t. */
static uint64_t gt_at(uint64_t t)
{
	uint64_t q = gt_step();

	return (t + OFFSET_NS) / q * q;
}

uint64_t settle_stub_truth(const char *what)
{
	if (!strcmp(what, "offset_ns"))
		return OFFSET_NS;
	if (!strcmp(what, "step_ns"))
		return atomic_load(&truth_step);
	if (!strcmp(what, "run_ns"))
		return atomic_load(&truth_run);
	if (!strcmp(what, "clock_khz"))
		return CLOCK_KHZ;
	if (!strcmp(what, "launches"))
		return atomic_load(&truth_launches);
	return 0;
}

#define LD(x)		__atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define ST(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELEASE)

static void answer_pings(struct gp_ctl *c, uint32_t cmd)
{
	uint32_t last = LD(c->pong);

	while (LD(c->cmd) == cmd) {
		uint32_t p = LD(c->ping);

		if (p != last) {
			ST(c->pong_gt, gt_at(mono_ns()));
			ST(c->pong, p);
			last = p;
		}
		sched_yield();
	}
}

struct writer {
	uint64_t head, tail, dropped;
};

/* The kernel's put_rec(): never overwrites an unread record. */
static void put_rec(struct gp_params *p, struct writer *w, uint64_t gt, uint64_t units,
		    uint32_t seq_bias, bool stale_tail)
{
	struct gp_ctl *c = (struct gp_ctl *)(uintptr_t)p->ctl;
	struct gp_rec *r;

	if (w->head - w->tail >= p->ring_cap && !stale_tail)
		w->tail = LD(c->tail);
	/*
	 * Wait for the host rather than drop.  A CI run of the sanitizer
	 * build on a loaded machine failed test_steady_memory with 26794
	 * samples dropped inside gpuprobe_start(): when the host's draining
	 * thread is starved, this one, paced by the wall clock, fills the
	 * ring.  Whether a host keeps up in real time is a speed question
	 * (make bench), not the unit tests'; drops are the overflow
	 * scenario's (stale_tail), and a host that never drains still gets
	 * no more than a ring of samples, which the steady checks catch.
	 */
	while (w->head - w->tail >= p->ring_cap && !stale_tail && LD(c->cmd) == GP_CMD_RUN) {
		sched_yield();
		w->tail = LD(c->tail);
	}
	if (w->head - w->tail >= p->ring_cap) {
		ST(c->dropped, ++w->dropped);
		return;
	}
	r = (struct gp_rec *)(uintptr_t)p->ring + (w->head & (p->ring_cap - 1));
	r->gt = gt;
	r->clk = (gt - OFFSET_NS) * CLOCK_KHZ / 1000000;
	r->units = units;
	r->smid = 3;
	ST(r->seq, (uint32_t)(w->head + 1 + seq_bias));
	w->head++;
}

static void *kernel(void *arg)
{
	struct CUstream_st *s = arg;
	struct gp_params *p = &s->p;
	struct gp_ctl *c = (struct gp_ctl *)(uintptr_t)p->ctl;
	double r1 = env_num("SETTLE_STUB_RATE1", 100) / 1000.0;	/* per ns */
	double r2 = env_num("SETTLE_STUB_RATE2", 50) / 1000.0;
	uint64_t at = (uint64_t)(env_num("SETTLE_STUB_AT_MS", 50) * 1e6);
	uint64_t period = (uint64_t)(p->iters * env_num("SETTLE_STUB_NS_PER_ITER", 5));
	uint64_t t_run, t_step, t_next, i = 0;
	struct writer w = { 0, 0, 0 };
	bool failed = false;

	if (!period)
		period = 1;
	c->abi = GP_ABI_VERSION;
	c->gt_step_min = c->gt_step_max = gt_step();
	c->gt_changes = 65;
	c->gt_span = 64 * gt_step();
	ST(c->state, (uint32_t)GP_STATE_ALIGN);
	if (is("noping")) {
		while (LD(c->cmd) == GP_CMD_ALIGN0)
			sched_yield();
	} else {
		answer_pings(c, GP_CMD_ALIGN0);
	}
	ST(c->state, (uint32_t)GP_STATE_RUN);
	t_run = mono_ns();
	t_step = is("step") ? t_run + at : UINT64_MAX;
	atomic_store(&truth_run, t_run);
	atomic_store(&truth_step, t_step);
	t_next = t_run;
	while (LD(c->cmd) == GP_CMD_RUN) {
		uint64_t now = mono_ns();

		if (!failed && now - t_run >= at) {
			if (is("sticky")) {
				atomic_store(&s->sticky, E_ILLEGAL_ADDRESS);
				atomic_store(&s->done, true);
				return NULL;
			}
			if (is("exit")) {
				ST(c->state, (uint32_t)GP_STATE_DONE);
				atomic_store(&s->done, true);
				return NULL;
			}
			if (is("overflow")) {
				/*
				 * A GPU outrunning its host: a burst of twice the ring
				 * while the host's read index it sees stays old (a host
				 * here drains as fast as this thread writes), all at the
				 * last sample's time and work.
				 */
				uint64_t t = t_next - period;

				w.tail = LD(c->tail);
				for (uint64_t k = 0; k < 2ULL * p->ring_cap; k++)
					put_rec(p, &w, gt_at(t), (uint64_t)(r1 * (double)(t - t_run)),
						0, true);
			}
			if (is("corrupt"))
				put_rec(p, &w, gt_at(now), (uint64_t)(r1 * (double)(now - t_run)), 7,
					false);
			failed = true;
		}
		if (!(failed && (is("stall") || is("corrupt")))) {
			/* Catching up, but not deaf to the host (slow under valgrind). */
			for (; t_next <= now && (i % 1024 || LD(c->cmd) == GP_CMD_RUN);
			     t_next += period, i++) {
				double u = t_next < t_step ? r1 * (double)(t_next - t_run) :
					   r1 * (double)(t_step - t_run) + r2 * (double)(t_next - t_step);
				uint64_t g = gt_at(t_next);

				if (failed && is("backwards"))
					g -= 10 * period;
				put_rec(p, &w, g, (uint64_t)u, 0, false);
			}
		}
		struct timespec ts = { 0, 50000 };
		nanosleep(&ts, NULL);
	}
	if (LD(c->cmd) == GP_CMD_ALIGN1) {
		ST(c->state, (uint32_t)GP_STATE_ALIGN);
		answer_pings(c, GP_CMD_ALIGN1);
	}
	ST(c->state, (uint32_t)GP_STATE_DONE);
	atomic_store(&s->done, true);
	return NULL;
}

CUresult cuInit(unsigned int flags)
{
	if (flags)
		return E_INVALID_VALUE;
	return is("nodevice") ? E_NO_DEVICE : OK;
}

CUresult cuDriverGetVersion(int *v)
{
	*v = 12060;
	return OK;
}

CUresult cuDeviceGetCount(int *n)
{
	*n = 1;
	return OK;
}

CUresult cuDeviceGet(int *d, int ordinal)
{
	if (ordinal != 0)
		return E_INVALID_DEVICE;
	*d = 0;
	return OK;
}

CUresult cuDeviceGetName(char *name, int len, int d)
{
	(void)d;
	snprintf(name, (size_t)len, "settle stub GPU");
	return OK;
}

CUresult cuDeviceGetAttribute(int *v, int attr, int d)
{
	int cc = (int)env_num("SETTLE_STUB_CC", 87);

	(void)d;
	switch (attr) {
	case 16: *v = 8; break;			/* SMs */
	case 18: *v = 1; break;			/* integrated */
	case 19: *v = 1; break;			/* can map host memory */
	case 38: *v = 4 << 20; break;		/* L2 bytes */
	case 75: *v = cc / 10; break;
	case 76: *v = cc % 10; break;
	default: return E_INVALID_VALUE;
	}
	return OK;
}

CUresult cuDevicePrimaryCtxRetain(void **c, int d)
{
	(void)d;
	*c = &g_ctx;
	return OK;
}

CUresult cuDevicePrimaryCtxRelease_v2(int d)
{
	(void)d;
	return OK;
}

CUresult cuCtxSetCurrent(void *c)
{
	return c == &g_ctx ? OK : E_INVALID_VALUE;
}

CUresult cuModuleLoadData(void **m, const void *image)
{
	uint32_t magic;

	memcpy(&magic, image, sizeof(magic));
	if (magic != FATBIN_MAGIC)
		return E_INVALID_IMAGE;
	*m = &g_ctx;
	return OK;
}

CUresult cuModuleUnload(void *m)
{
	(void)m;
	return OK;
}

CUresult cuModuleGetFunction(void **f, void *m, const char *name)
{
	(void)m;
	if (!strcmp(name, GP_KERNEL_COMPUTE))
		*f = &g_fn_compute;
	else if (!strcmp(name, GP_KERNEL_MEMORY))
		*f = &g_fn_memory;
	else
		return E_NOT_FOUND;
	return OK;
}

CUresult cuMemHostAlloc(void **p, size_t bytes, unsigned int flags)
{
	if (!(flags & 2))
		return E_INVALID_VALUE;		/* the probe needs DEVICEMAP */
	*p = aligned_alloc(4096, (bytes + 4095) / 4096 * 4096);
	return *p ? OK : E_OUT_OF_MEMORY;
}

CUresult cuMemHostGetDevicePointer_v2(uint64_t *d, void *p, unsigned int flags)
{
	if (flags)
		return E_INVALID_VALUE;
	*d = (uint64_t)(uintptr_t)p;
	return OK;
}

CUresult cuMemFreeHost(void *p)
{
	free(p);
	return OK;
}

CUresult cuMemAlloc_v2(uint64_t *d, size_t bytes)
{
	void *p = malloc(bytes);

	*d = (uint64_t)(uintptr_t)p;
	return p ? OK : E_OUT_OF_MEMORY;
}

CUresult cuMemFree_v2(uint64_t d)
{
	free((void *)(uintptr_t)d);
	return OK;
}

CUresult cuMemsetD8_v2(uint64_t d, unsigned char v, size_t n)
{
	memset((void *)(uintptr_t)d, v, n);
	return OK;
}

CUresult cuStreamCreate(struct CUstream_st **s, unsigned int flags)
{
	(void)flags;
	*s = calloc(1, sizeof(**s));
	return *s ? OK : E_OUT_OF_MEMORY;
}

static void join(struct CUstream_st *s)
{
	if (s->running) {
		pthread_join(s->thread, NULL);
		s->running = false;
	}
}

CUresult cuStreamQuery(struct CUstream_st *s)
{
	int e = atomic_load(&s->sticky);

	if (e)
		return e;
	if (s->running && !atomic_load(&s->done))
		return E_NOT_READY;
	join(s);
	return OK;
}

CUresult cuStreamDestroy_v2(struct CUstream_st *s)
{
	/* A context teardown ends any kernel: tell ours to return. */
	if (s->running) {
		struct gp_ctl *c = (struct gp_ctl *)(uintptr_t)s->p.ctl;

		ST(c->cmd, (uint32_t)GP_CMD_EXIT);
		join(s);
	}
	free(s);
	return OK;
}

CUresult cuLaunchKernel(void *f, unsigned int gx, unsigned int gy, unsigned int gz,
			unsigned int bx, unsigned int by, unsigned int bz,
			unsigned int shmem, struct CUstream_st *s, void **params,
			void **extra)
{
	struct gp_params *p;

	if ((f != &g_fn_compute && f != &g_fn_memory) || !gx || gy != 1 || gz != 1 ||
	    !bx || by != 1 || bz != 1 || shmem || !s || !params || extra)
		return E_INVALID_VALUE;
	if (atomic_load(&s->sticky))
		return atomic_load(&s->sticky);
	join(s);
	p = params[0];
	if (!p->ctl || !p->ring || !p->units || !p->ring_cap || (p->ring_cap & (p->ring_cap - 1)) ||
	    !p->iters || (f == &g_fn_memory && (!p->buf || !p->buf_words)))
		return E_INVALID_VALUE;
	s->p = *p;
	s->kind = f == &g_fn_memory;
	atomic_store(&s->done, false);
	atomic_fetch_add(&truth_launches, 1);
	if (pthread_create(&s->thread, NULL, kernel, s))
		return E_OUT_OF_MEMORY;
	s->running = true;
	return OK;
}

CUresult cuGetErrorName(CUresult e, const char **s)
{
	switch (e) {
	case OK: *s = "CUDA_SUCCESS"; break;
	case E_INVALID_VALUE: *s = "CUDA_ERROR_INVALID_VALUE"; break;
	case E_NO_DEVICE: *s = "CUDA_ERROR_NO_DEVICE"; break;
	case E_INVALID_IMAGE: *s = "CUDA_ERROR_INVALID_IMAGE"; break;
	case E_NOT_READY: *s = "CUDA_ERROR_NOT_READY"; break;
	case E_ILLEGAL_ADDRESS: *s = "CUDA_ERROR_ILLEGAL_ADDRESS"; break;
	default: *s = NULL; return E_INVALID_VALUE;
	}
	return OK;
}

CUresult cuGetErrorString(CUresult e, const char **s)
{
	switch (e) {
	case E_NO_DEVICE: *s = "no CUDA-capable device is detected"; break;
	case E_ILLEGAL_ADDRESS: *s = "an illegal memory access was encountered"; break;
	default: *s = "stub error"; break;
	}
	return OK;
}
