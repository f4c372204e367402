// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * settle's GPU probe: persistent kernels that report, after every work
 * unit, when it ended (%globaltimer), on which SM and how much work the
 * whole grid has done, into a ring in pinned host memory the host drains
 * while the kernel runs.  No relaunch and no synchronisation per sample.
 *
 * Written for CUDA 11.4 and later (JetPack 5): inline PTX for the special
 * registers and cache-bypassing loads, nothing newer than sm_70 features.
 * Everything the host can see is volatile: it lives in mapped host memory
 * and the host changes it behind the kernel's back.  From sm_70 on PTX
 * treats volatile accesses as relaxed at system scope, so they see the
 * host's writes, and __threadfence_system() orders what the host sees.
 */
#include <stdint.h>
#include "gpuprobe_abi.h"

/* How often (in units) the workers re-read the host's command word: a read
 * of mapped host memory is a bus round trip on a discrete GPU. */
#define CMD_POLL_UNITS	16
/* Reads of %globaltimer while measuring its granularity. */
#define GT_MAX_READS	(1u << 22)
#define GT_MAX_CHANGES	65u

static __device__ __forceinline__ uint64_t gtimer(void)
{
	uint64_t t;

	asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
	return t;
}

static __device__ __forceinline__ uint32_t sm_id(void)
{
	uint32_t id;

	asm volatile("mov.u32 %0, %%smid;" : "=r"(id));
	return id;
}

static __device__ __forceinline__ uint32_t ld_cmd(const struct gp_ctl *c)
{
	return *(const volatile uint32_t *)&c->cmd;
}

/* Update interval of %globaltimer: it differs between GPUs and drivers. */
static __device__ void measure_granularity(struct gp_ctl *c)
{
	volatile struct gp_ctl *vc = c;
	uint64_t prev = gtimer(), first = 0, mn = ~0ull, mx = 0, n = 0;

	for (uint32_t i = 0; i < GT_MAX_READS && n < GT_MAX_CHANGES; i++) {
		uint64_t t = gtimer();

		if (t == prev)
			continue;
		/* The first change ends an interval we joined midway. */
		if (n) {
			/* No min()/max(): their 64-bit overloads vary by toolkit. */
			uint64_t d = t - prev;

			mn = d < mn ? d : mn;
			mx = d > mx ? d : mx;
		} else {
			first = t;
		}
		prev = t;
		n++;
	}
	vc->gt_step_min = n > 1 ? mn : 0;
	vc->gt_step_max = n > 1 ? mx : 0;
	vc->gt_changes = n;
	vc->gt_span = n > 1 ? prev - first : 0;
}

/* Echo pings until the command changes from `cmd`. */
static __device__ void answer_pings(struct gp_ctl *c, uint32_t cmd)
{
	volatile struct gp_ctl *vc = c;
	/* From the last answer, not the current ping: one sent before we got
	 * here must still be answered. */
	uint32_t last = vc->pong;

	while (ld_cmd(c) == cmd) {
		uint32_t p = vc->ping;

		if (p != last) {
			vc->pong_gt = gtimer();
			__threadfence_system();
			vc->pong = p;
			last = p;
		}
	}
}

struct writer {
	uint64_t head;		/* records written or dropped */
	uint64_t tail;		/* the host's read index, as last read */
	uint64_t dropped;
};

/*
 * Never overwrites a record the host has not read: the host's index is read
 * only when the ring looks full, so a keeping-up host costs nothing.
 */
static __device__ void put_rec(const struct gp_params *p, struct writer *w,
			       uint64_t units)
{
	volatile struct gp_ctl *vc = (struct gp_ctl *)p->ctl;
	volatile struct gp_rec *r;
	uint64_t gt = gtimer(), clk = clock64();

	if (w->head - w->tail >= p->ring_cap)
		w->tail = vc->tail;
	if (w->head - w->tail >= p->ring_cap) {
		vc->dropped = ++w->dropped;
		return;
	}
	r = (volatile struct gp_rec *)p->ring + (w->head & (p->ring_cap - 1));
	r->gt = gt;
	r->clk = clk;
	r->units = units;
	r->smid = sm_id();
	__threadfence_system();
	r->seq = (uint32_t)(w->head + 1);
	w->head++;
}

/*
 * The frame both kernels share: block 0 aligns and samples, every block
 * runs `unit` until the host (or the deadline) says stop.  `unit` returns
 * a value that must be consumed so the work cannot be optimised away.
 */
template <typename Unit>
static __device__ void probe_frame(const struct gp_params &p, Unit unit)
{
	struct gp_ctl *c = (struct gp_ctl *)p.ctl;
	volatile struct gp_ctl *vc = c;
	unsigned long long *units = (unsigned long long *)p.units;
	__shared__ uint32_t run;
	struct writer w = { 0, 0, 0 };
	const bool lead = blockIdx.x == 0 && threadIdx.x == 0;
	uint64_t t_start = gtimer(), n = 0;
	uint32_t sink = 0;

	if (lead) {
		vc->abi = GP_ABI_VERSION;
		measure_granularity(c);
		/* The host reads the fields above once it sees the state. */
		__threadfence_system();
		vc->state = GP_STATE_ALIGN;
		answer_pings(c, GP_CMD_ALIGN0);
		vc->state = GP_STATE_RUN;
	} else if (threadIdx.x == 0) {
		while (ld_cmd(c) == GP_CMD_ALIGN0)
			__nanosleep(1000);
	}
	if (threadIdx.x == 0)
		run = ld_cmd(c) == GP_CMD_RUN;
	__syncthreads();

	while (run) {
		sink += unit(n);
		__syncthreads();
		if (threadIdx.x == 0) {
			uint64_t u = atomicAdd(units, 1ull) + 1;

			n++;
			if (blockIdx.x == 0)
				put_rec(&p, &w, u);
			if ((n % CMD_POLL_UNITS == 0 && ld_cmd(c) != GP_CMD_RUN) ||
			    gtimer() - t_start > p.max_ns) {
				run = 0;
			}
		}
		__syncthreads();
	}

	if (lead) {
		if (gtimer() - t_start > p.max_ns) {
			vc->state = GP_STATE_DEADLINE;
		} else {
			__threadfence_system();
			vc->state = GP_STATE_ALIGN;
			answer_pings(c, GP_CMD_ALIGN1);
			vc->state = GP_STATE_DONE;
		}
		__threadfence_system();
	}
	/* Practically never true; keeps the work observable. */
	if (sink == 0x5e77e1u && p.max_ns == 1)
		vc->gt_span = sink;
}

/* Compute-bound: a dependent multiply-add chain, one warp, one SM. */
struct chain_unit {
	uint32_t iters;
	uint32_t x;

	__device__ uint32_t operator()(uint64_t)
	{
		for (uint32_t i = 0; i < iters; i++)
			asm volatile("mad.lo.u32 %0, %0, 1664525, 1013904223;" : "+r"(x));
		return x;
	}
};

extern "C" __global__ void settle_gp_compute(struct gp_params p)
{
	struct chain_unit u = { p.iters, threadIdx.x * 2654435761u + 1u };

	probe_frame(p, u);
}

/*
 * Memory-bound: every block streams its own slice of a buffer several
 * times the L2 size with loads that skip L1 (ld.global.cg), so each unit is
 * DRAM traffic and its duration follows the memory clock.
 */
struct stream_unit {
	const uint4 *slice;
	uint64_t words;		/* in the slice */
	uint32_t iters;		/* loads per thread per unit */
	uint64_t pos;

	__device__ uint32_t operator()(uint64_t)
	{
		uint32_t acc = 0;

		/*
		 * The loads are independent (the address never depends on data)
		 * and not volatile, so the compiler may issue several before the
		 * first result is used: bandwidth, not latency, bounds a unit.
		 */
#pragma unroll 8
		for (uint32_t i = 0; i < iters; i++) {
			uint64_t k = pos + (uint64_t)i * blockDim.x + threadIdx.x;
			uint32_t a, b, c, d;

			if (k >= words)
				k -= words;
			asm("ld.global.cg.v4.u32 {%0, %1, %2, %3}, [%4];"
			    : "=r"(a), "=r"(b), "=r"(c), "=r"(d)
			    : "l"(slice + k));
			acc ^= a + b + c + d;
		}
		pos += (uint64_t)iters * blockDim.x;
		if (pos >= words)
			pos -= words;
		return acc;
	}
};

extern "C" __global__ void settle_gp_memory(struct gp_params p)
{
	uint64_t per = p.buf_words / gridDim.x;
	struct stream_unit u = { (const uint4 *)p.buf + per * blockIdx.x, per,
				 p.iters, 0 };

	probe_frame(p, u);
}
