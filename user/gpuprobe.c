// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The GPU probe's host side (see gpuprobe.h and cuda/gpuprobe_abi.h).
 *
 * The kernel never waits for the host: it writes a record after each of
 * block 0's work units into a ring in pinned host memory and reads the
 * host's read index only when the ring looks full; then it counts the
 * record as dropped instead.  Each record carries the grid's cumulative
 * work, so a slow drain loses time resolution, never work; but a drop means
 * the bins around it are wrong in time, so by default one ends the run.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "../cuda/gpuprobe_abi.h"
#include "cuda_dl.h"
#include "fatbin.h"
#include "gpuprobe.h"
#include "hist.h"
#include "util.h"

/* Embedded by user/Makefile when cuda/ was built (cuda/embed.S). */
extern const unsigned char settle_gpu_fatbin[] __attribute__((weak));
extern const unsigned char settle_gpu_fatbin_end[] __attribute__((weak));

#define DEF_PERIOD_NS		1500
#define DEF_STALL_NS		200000000ULL
#define DEF_RING_CAP		(1U << 18)
#define DEF_ALIGN_ROUNDS	200
#define START_TIMEOUT_NS	5000000000ULL	/* launch to first answer */
#define PONG_TIMEOUT_NS		100000000ULL
#define SPIN_NS			20000
#define EXIT_TIMEOUT_NS		2000000000ULL
#define DRAIN_SLEEP_NS		100000
/* Calibration: run this long with a guess, then scale the work per unit. */
#define CAL_RUN_NS		30000000ULL
#define CAL_COMPUTE_ITERS	256
#define CAL_MEMORY_ITERS	4
#define MAX_ITERS		(1U << 20)
#define COMPUTE_THREADS		32
#define MEMORY_THREADS		256
#define MEMORY_BLOCKS_PER_SM	2
/* The streamed buffer: this many times L2, at least MIN, at most MAX. */
#define MEM_L2_FACTOR		4
#define MEM_MIN_BYTES		(64ULL << 20)
#define MEM_MAX_BYTES		(1ULL << 30)
#define CTL_BYTES		4096

struct gpuprobe {
	struct gpuprobe_config cfg;
	struct gpuprobe_info info;
	struct cuda_api api;
	CUdevice dev;
	CUcontext ctx;
	bool ctx_retained;
	CUmodule mod;
	CUfunction fn;
	CUstream stream;
	struct gp_ctl *ctl;
	struct gp_rec *ring;
	CUdeviceptr d_ctl, d_ring, d_units, d_buf;
	bool launched;			/* a kernel may still be running */
	uint8_t *image_copy;		/* from $SETTLE_GPU_FATBIN */
	uint32_t ping;

	/* alignment */
	int64_t offset_ns;
	uint64_t align_bound_ns, align_rtt_ns;

	/* bins, shared with readers */
	uint32_t *bins;
	size_t cap;
	uint64_t t0_ns;
	_Atomic size_t done;

	/* drain thread */
	pthread_t thread;
	bool thread_started;
	atomic_bool stop;
	atomic_int failed;
	char fail_msg[SETTLE_ERR_LEN];

	/* owned by the drain thread until it is joined */
	uint64_t tail;
	uint64_t last_progress_ns;
	bool have_prev;
	uint64_t prev_gt, prev_units, prev_clk;
	uint64_t first_gt, first_units, first_clk;
	uint32_t first_sm;
	bool one_sm;
	uint64_t last_bin;
	uint64_t hist[HIST_BUCKETS];
	struct gpuprobe_stats st;
};

const char *gpuprobe_kind_str(enum gpuprobe_kind k)
{
	return k == GPUPROBE_MEMORY ? "memory" : "compute";
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void nap(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000ULL),
			       .tv_nsec = (long)(ns % 1000000000ULL) };

	clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
}

/* The host's side of the shared words: atomics, as the GPU writes them
 * behind the compiler's back. */
#define LOAD(x)		__atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define STORE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELEASE)

static int cu_check(struct gpuprobe *gp, CUresult r, const char *what,
		    char *err, size_t errlen)
{
	if (r == CUDA_SUCCESS)
		return 0;
	set_err(err, errlen, "%s failed: %s", what, cuda_strerror(&gp->api, r));
	return -1;
}

#define CU(call, what) cu_check(gp, (call), (what), err, errlen)

static int load_image_file(struct gpuprobe *gp, const char *path, char *err,
			   size_t errlen)
{
	struct stat sb;
	ssize_t got;
	size_t len;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		set_err(err, errlen, "SETTLE_GPU_FATBIN=%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) || sb.st_size <= 0 || sb.st_size > (64 << 20)) {
		set_err(err, errlen, "SETTLE_GPU_FATBIN=%s: not a plausible fatbin (size %lld)",
			path, (long long)sb.st_size);
		close(fd);
		return -1;
	}
	len = (size_t)sb.st_size;
	gp->image_copy = malloc(len);
	if (!gp->image_copy) {
		close(fd);
		set_err(err, errlen, "out of memory");
		return -1;
	}
	got = read(fd, gp->image_copy, len);
	close(fd);
	if (got != (ssize_t)len) {
		set_err(err, errlen, "SETTLE_GPU_FATBIN=%s: short read", path);
		return -1;
	}
	gp->cfg.image = gp->image_copy;
	gp->cfg.image_len = len;
	return 0;
}

/* Which device code, and whether it can run on this GPU at all. */
static int pick_image(struct gpuprobe *gp, char *err, size_t errlen)
{
	struct fatbin_entry e[FATBIN_MAX_ENTRIES];
	const char *path = getenv("SETTLE_GPU_FATBIN");
	char why[SETTLE_ERR_LEN];
	size_t n;

	if (!gp->cfg.image && path && *path && load_image_file(gp, path, err, errlen))
		return -1;
	if (!gp->cfg.image) {
		const unsigned char *a = settle_gpu_fatbin, *b = settle_gpu_fatbin_end;

		if (!a || b <= a) {
			set_err(err, errlen, "no GPU probe: settle was built without its device "
				"code (no nvcc at build time); build cuda/ and relink, or "
				"set SETTLE_GPU_FATBIN");
			return -1;
		}
		gp->cfg.image = a;
		gp->cfg.image_len = (size_t)(b - a);
	}
	if (fatbin_parse(gp->cfg.image, gp->cfg.image_len, e, FATBIN_MAX_ENTRIES, &n,
			 why, sizeof(why))) {
		set_err(err, errlen, "the GPU probe's device code is damaged: %s", why);
		return -1;
	}
	fatbin_describe(e, n, gp->info.code, sizeof(gp->info.code));
	if (!fatbin_runs_on(e, n, gp->info.cc_major, gp->info.cc_minor)) {
		set_err(err, errlen, "no GPU probe: its device code (%s) cannot run on %s "
			"(sm_%d%d); rebuild cuda/ with that arch", gp->info.code,
			gp->info.name, gp->info.cc_major, gp->info.cc_minor);
		return -1;
	}
	return 0;
}

static int attr(struct gpuprobe *gp, int a, int *v, char *err, size_t errlen)
{
	return CU(gp->api.DeviceGetAttribute(v, a, gp->dev), "cuDeviceGetAttribute");
}

static int open_device(struct gpuprobe *gp, char *err, size_t errlen)
{
	char why[SETTLE_ERR_LEN];
	int count = 0, v;
	CUresult r;

	if (cuda_load(&gp->api, why, sizeof(why))) {
		set_err(err, errlen, "no GPU probe: %s", why);
		return -1;
	}
	r = gp->api.Init(0);
	if (r != CUDA_SUCCESS) {
		set_err(err, errlen, "no GPU probe: cuInit failed: %s",
			cuda_strerror(&gp->api, r));
		return -1;
	}
	gp->api.DriverGetVersion(&gp->info.driver_version);
	if (CU(gp->api.DeviceGetCount(&count), "cuDeviceGetCount"))
		return -1;
	if (gp->cfg.device < 0 || gp->cfg.device >= count) {
		set_err(err, errlen, "no GPU probe: CUDA device %d does not exist (%d device%s)",
			gp->cfg.device, count, count == 1 ? "" : "s");
		return -1;
	}
	if (CU(gp->api.DeviceGet(&gp->dev, gp->cfg.device), "cuDeviceGet") ||
	    CU(gp->api.DeviceGetName(gp->info.name, sizeof(gp->info.name) - 1, gp->dev),
	       "cuDeviceGetName") ||
	    attr(gp, CU_DEV_ATTR_CC_MAJOR, &gp->info.cc_major, err, errlen) ||
	    attr(gp, CU_DEV_ATTR_CC_MINOR, &gp->info.cc_minor, err, errlen) ||
	    attr(gp, CU_DEV_ATTR_SM_COUNT, &gp->info.sms, err, errlen) ||
	    attr(gp, CU_DEV_ATTR_INTEGRATED, &v, err, errlen))
		return -1;
	gp->info.integrated = v;
	if (attr(gp, CU_DEV_ATTR_CAN_MAP_HOST, &v, err, errlen))
		return -1;
	if (!v) {
		set_err(err, errlen, "no GPU probe: %s cannot map host memory", gp->info.name);
		return -1;
	}
	if (gp->info.sms <= 0) {
		set_err(err, errlen, "%s reports %d SMs", gp->info.name, gp->info.sms);
		return -1;
	}
	if (pick_image(gp, err, errlen))
		return -1;
	if (CU(gp->api.DevicePrimaryCtxRetain(&gp->ctx, gp->dev), "cuDevicePrimaryCtxRetain"))
		return -1;
	gp->ctx_retained = true;
	if (CU(gp->api.CtxSetCurrent(gp->ctx), "cuCtxSetCurrent"))
		return -1;
	r = gp->api.ModuleLoadData(&gp->mod, gp->cfg.image);
	if (r != CUDA_SUCCESS) {
		/* Usually a toolkit newer than the driver (PTX ISA, cubin ABI). */
		set_err(err, errlen, "loading the probe's device code (%s) on %s failed: %s; "
			"the driver supports CUDA %d.%d: build cuda/ with an nvcc no newer "
			"than that (make -C cuda NVCC=...)", gp->info.code, gp->info.name,
			cuda_strerror(&gp->api, r), gp->info.driver_version / 1000,
			gp->info.driver_version % 1000 / 10);
		return -1;
	}
	if (CU(gp->api.ModuleGetFunction(&gp->fn, gp->mod,
					 gp->cfg.kind == GPUPROBE_MEMORY ?
					 GP_KERNEL_MEMORY : GP_KERNEL_COMPUTE),
	       "cuModuleGetFunction"))
		return -1;
	return 0;
}

static int alloc_buffers(struct gpuprobe *gp, char *err, size_t errlen)
{
	void *h;
	int l2 = 0;

	if (CU(gp->api.MemHostAlloc(&h, CTL_BYTES, CU_MEMHOSTALLOC_DEVICEMAP |
				    CU_MEMHOSTALLOC_PORTABLE), "cuMemHostAlloc (control block)"))
		return -1;
	gp->ctl = h;
	if (CU(gp->api.MemHostAlloc(&h, (size_t)gp->cfg.ring_cap * sizeof(struct gp_rec),
				    CU_MEMHOSTALLOC_DEVICEMAP | CU_MEMHOSTALLOC_PORTABLE),
	       "cuMemHostAlloc (sample ring)"))
		return -1;
	gp->ring = h;
	if (CU(gp->api.MemHostGetDevicePointer(&gp->d_ctl, gp->ctl, 0),
	       "cuMemHostGetDevicePointer") ||
	    CU(gp->api.MemHostGetDevicePointer(&gp->d_ring, gp->ring, 0),
	       "cuMemHostGetDevicePointer") ||
	    CU(gp->api.MemAlloc(&gp->d_units, sizeof(uint64_t)), "cuMemAlloc (counter)"))
		return -1;
	if (gp->cfg.kind == GPUPROBE_MEMORY) {
		uint64_t b;

		if (attr(gp, CU_DEV_ATTR_L2_BYTES, &l2, err, errlen))
			return -1;
		b = (uint64_t)(l2 > 0 ? l2 : 0) * MEM_L2_FACTOR;
		b = b < MEM_MIN_BYTES ? MEM_MIN_BYTES : b > MEM_MAX_BYTES ? MEM_MAX_BYTES : b;
		gp->info.buf_bytes = b;
		if (CU(gp->api.MemAlloc(&gp->d_buf, b), "cuMemAlloc (streamed buffer)") ||
		    CU(gp->api.MemsetD8(gp->d_buf, 0x5a, b), "cuMemsetD8"))
			return -1;
		gp->info.blocks = (uint32_t)gp->info.sms * MEMORY_BLOCKS_PER_SM;
		gp->info.threads = MEMORY_THREADS;
	} else {
		gp->info.blocks = 1;
		gp->info.threads = COMPUTE_THREADS;
	}
	return CU(gp->api.StreamCreate(&gp->stream, CU_STREAM_NON_BLOCKING), "cuStreamCreate");
}

/* Per-block slice of the streamed buffer, in 16-byte words. */
static uint64_t slice_words(const struct gpuprobe *gp)
{
	return gp->info.buf_bytes / 16 / gp->info.blocks;
}

static uint32_t clamp_iters(const struct gpuprobe *gp, uint64_t it)
{
	if (gp->cfg.kind == GPUPROBE_MEMORY) {
		/* One unit must not lap the block's slice. */
		uint64_t lim = slice_words(gp) / 2 / gp->info.threads;

		if (it > lim)
			it = lim;
	}
	if (it > MAX_ITERS)
		it = MAX_ITERS;
	return it ? (uint32_t)it : 1;
}

/* What the kernel stopped with, if it has; 1 while it runs. */
static int kernel_status(struct gpuprobe *gp, char *err, size_t errlen)
{
	CUresult r = gp->api.StreamQuery(gp->stream);

	if (r == CUDA_ERROR_NOT_READY)
		return 1;
	if (r == CUDA_SUCCESS) {
		gp->launched = false;
		return 0;
	}
	/* Errors after a launch are sticky: the context is dead. */
	set_err(err, errlen, "the GPU probe kernel failed: %s; the CUDA context is "
		"unusable, no data from this run can be trusted", cuda_strerror(&gp->api, r));
	gp->launched = false;
	return -1;
}

/* Until the kernel sets *word to v, while it runs, for START_TIMEOUT_NS. */
static int wait_word(struct gpuprobe *gp, const uint32_t *word, uint32_t v,
		     const char *what, char *err, size_t errlen)
{
	uint64_t t = mono_ns();

	while (__atomic_load_n(word, __ATOMIC_ACQUIRE) != v) {
		int s = kernel_status(gp, err, errlen);

		if (s < 0)
			return -1;
		if (!s) {
			set_err(err, errlen, "the GPU probe kernel returned before it could %s",
				what);
			return -1;
		}
		if (mono_ns() - t > START_TIMEOUT_NS) {
			set_err(err, errlen, "the GPU probe kernel did not %s within %llu s "
				"(GPU busy with another context, or hung?)", what,
				(unsigned long long)(START_TIMEOUT_NS / 1000000000ULL));
			return -1;
		}
		nap(DRAIN_SLEEP_NS / 10);
	}
	return 0;
}

static int launch(struct gpuprobe *gp, uint32_t iters, uint64_t max_ns,
		  char *err, size_t errlen)
{
	struct gp_params p = {
		.ctl = gp->d_ctl, .ring = gp->d_ring, .units = gp->d_units,
		.buf = gp->d_buf, .buf_words = gp->info.buf_bytes / 16,
		.max_ns = max_ns, .ring_cap = gp->cfg.ring_cap, .iters = iters,
	};
	void *args[] = { &p };

	memset(gp->ctl, 0, CTL_BYTES);
	memset(gp->ring, 0, (size_t)gp->cfg.ring_cap * sizeof(struct gp_rec));
	STORE(gp->ctl->cmd, (uint32_t)GP_CMD_ALIGN0);
	gp->ping = 0;
	if (CU(gp->api.MemsetD8(gp->d_units, 0, sizeof(uint64_t)), "cuMemsetD8") ||
	    CU(gp->api.LaunchKernel(gp->fn, gp->info.blocks, 1, 1, gp->info.threads, 1, 1,
				    0, gp->stream, args, NULL),
	       "launching the GPU probe kernel (cuLaunchKernel)"))
		return -1;
	gp->launched = true;
	/* Block 0 reports in once it has timed %globaltimer. */
	if (wait_word(gp, &gp->ctl->state, GP_STATE_ALIGN, "start", err, errlen))
		return -1;
	if (LOAD(gp->ctl->abi) != GP_ABI_VERSION) {
		set_err(err, errlen, "the device code speaks probe ABI %llu, settle %d: "
			"rebuild cuda/ and settle together",
			(unsigned long long)LOAD(gp->ctl->abi), GP_ABI_VERSION);
		return -1;
	}
	if (LOAD(gp->ctl->gt_changes) < 2 || !LOAD(gp->ctl->gt_step_max)) {
		set_err(err, errlen, "%%globaltimer did not advance while the kernel read it "
			"(%llu updates seen): it cannot time samples on this GPU",
			(unsigned long long)LOAD(gp->ctl->gt_changes));
		return -1;
	}
	return 0;
}

/* Tells the kernel to return and waits for it; the GPU is usable after. */
static int finish_kernel(struct gpuprobe *gp, char *err, size_t errlen)
{
	uint64_t t = mono_ns();
	int s;

	if (!gp->launched)
		return 0;
	STORE(gp->ctl->cmd, (uint32_t)GP_CMD_EXIT);
	while ((s = kernel_status(gp, err, errlen)) == 1) {
		if (mono_ns() - t > EXIT_TIMEOUT_NS) {
			set_err(err, errlen, "the GPU probe kernel did not return within %llu s "
				"of being told to; releasing the context ends it",
				(unsigned long long)(EXIT_TIMEOUT_NS / 1000000000ULL));
			return -1;
		}
		nap(DRAIN_SLEEP_NS);
	}
	return s;
}

/*
 * %globaltimer -> CLOCK_MONOTONIC.  Each ping-pong brackets one
 * %globaltimer read g between host reads t0 and t1; the timer lags true
 * time by under one update step q, so the offset lies in
 * [g - t1, g + q - t0].  The tightest round trip gives the estimate
 * (interval middle) and its bound (half the interval).
 */
static int align(struct gpuprobe *gp, uint32_t cmd, int64_t *offset,
		 uint64_t *bound, uint64_t *rtt, char *err, size_t errlen)
{
	uint64_t q = LOAD(gp->ctl->gt_step_max), best = UINT64_MAX;
	uint64_t t = mono_ns();

	/* The kernel sees a new command only between work units. */
	while (cmd == GP_CMD_ALIGN1 && LOAD(gp->ctl->state) == GP_STATE_RUN) {
		sched_yield();
		if (mono_ns() - t > PONG_TIMEOUT_NS) {
			set_err(err, errlen, "the GPU probe kernel did not leave its run loop "
				"within %llu ms", (unsigned long long)(PONG_TIMEOUT_NS / 1000000));
			return -1;
		}
	}
	if (LOAD(gp->ctl->state) != GP_STATE_ALIGN) {
		set_err(err, errlen, "the GPU probe kernel is not answering pings (state %u)",
			LOAD(gp->ctl->state));
		return -1;
	}
	for (uint32_t i = 0; i < gp->cfg.align_rounds; i++) {
		uint32_t seq = ++gp->ping;
		uint64_t t0, t1, g;

		t0 = mono_ns();
		STORE(gp->ctl->ping, seq);
		while (LOAD(gp->ctl->pong) != seq) {
			uint64_t waited = mono_ns() - t0;

			/* A GPU answers within microseconds; past that, this CPU may
			 * be what the answer waits for (a loaded or emulated host). */
			if (waited > SPIN_NS)
				sched_yield();
			if (waited > PONG_TIMEOUT_NS) {
				int s = kernel_status(gp, err, errlen);

				if (s < 0)
					return -1;
				set_err(err, errlen, "the GPU probe kernel %s the clock alignment "
					"ping for %llu ms", s ? "has not answered" : "returned without answering",
					(unsigned long long)(PONG_TIMEOUT_NS / 1000000));
				return -1;
			}
		}
		t1 = mono_ns();
		g = LOAD(gp->ctl->pong_gt);
		if (t1 - t0 < best) {
			best = t1 - t0;
			*offset = (int64_t)(g + q / 2) - (int64_t)(t0 / 2 + t1 / 2 + (t0 & t1 & 1));
			*bound = (best + q + 1) / 2;
		}
	}
	*rtt = best;
	return 0;
}

static void set_failed(struct gpuprobe *gp, const char *msg)
{
	if (atomic_load(&gp->failed))
		return;
	snprintf(gp->fail_msg, sizeof(gp->fail_msg), "%s", msg);
	atomic_store(&gp->failed, 1);
}

/* One record into the bins and the period histogram. */
static int consume(struct gpuprobe *gp, const struct gp_rec *r, char *err, size_t errlen)
{
	uint64_t mono, bin, d;

	if (!gp->have_prev) {
		gp->have_prev = true;
		gp->first_gt = gp->prev_gt = r->gt;
		gp->first_units = gp->prev_units = r->units;
		gp->first_clk = gp->prev_clk = r->clk;
		gp->first_sm = r->smid;
		gp->one_sm = true;
		gp->st.samples = 1;
		return 0;
	}
	if (r->gt < gp->prev_gt || r->units < gp->prev_units) {
		set_err(err, errlen, "sample %llu goes back in time or work (%%globaltimer "
			"%llu after %llu, units %llu after %llu): refusing the run",
			(unsigned long long)gp->st.samples, (unsigned long long)r->gt,
			(unsigned long long)gp->prev_gt, (unsigned long long)r->units,
			(unsigned long long)gp->prev_units);
		return -1;
	}
	d = r->gt - gp->prev_gt;
	gp->hist[hist_bucket(d)]++;
	if (d > gp->st.period_max_ns)
		gp->st.period_max_ns = d;
	if (r->smid != gp->first_sm)
		gp->one_sm = false;
	mono = (uint64_t)((int64_t)r->gt - gp->offset_ns);
	bin = mono > gp->t0_ns ? (mono - gp->t0_ns) / gp->cfg.bin_ns : 0;
	if (bin < gp->cap) {
		uint64_t w = (uint64_t)gp->bins[bin] + (r->units - gp->prev_units);

		gp->bins[bin] = w > UINT32_MAX ? UINT32_MAX : (uint32_t)w;
	}
	if (bin > gp->last_bin) {
		gp->last_bin = bin;
		atomic_store_explicit(&gp->done, bin < gp->cap ? (size_t)bin : gp->cap,
				      memory_order_release);
	}
	gp->prev_gt = r->gt;
	gp->prev_units = r->units;
	gp->prev_clk = r->clk;
	gp->st.samples++;
	return 0;
}

/* Everything the kernel has published; -1 on a corrupt ring. */
static int drain(struct gpuprobe *gp, char *err, size_t errlen)
{
	const uint32_t mask = gp->cfg.ring_cap - 1;
	uint64_t start = gp->tail;

	for (;;) {
		struct gp_rec *slot = &gp->ring[gp->tail & mask], r;
		uint32_t seq = LOAD(slot->seq);

		if (seq != (uint32_t)(gp->tail + 1)) {
			/* Unwritten: empty, or the previous lap's record. */
			if (seq == (uint32_t)(gp->tail + 1 - gp->cfg.ring_cap) ||
			    (gp->tail < gp->cfg.ring_cap && !seq))
				break;
			set_err(err, errlen, "sample ring corrupt at record %llu: sequence %u, "
				"expected %u", (unsigned long long)gp->tail, seq,
				(uint32_t)(gp->tail + 1));
			return -1;
		}
		r.gt = LOAD(slot->gt);
		r.clk = LOAD(slot->clk);
		r.units = LOAD(slot->units);
		r.smid = LOAD(slot->smid);
		if (consume(gp, &r, err, errlen))
			return -1;
		gp->tail++;
	}
	if (gp->tail != start) {
		STORE(gp->ctl->tail, gp->tail);
		gp->last_progress_ns = mono_ns();
	}
	return 0;
}

/* Drain and watch: sticky errors, overflow, a stalled or vanished kernel. */
static int drain_step(struct gpuprobe *gp, char *err, size_t errlen)
{
	uint64_t dropped;
	int s;

	if (drain(gp, err, errlen))
		return -1;
	dropped = LOAD(gp->ctl->dropped);
	if (dropped > gp->cfg.max_dropped) {
		set_err(err, errlen, "sample ring overflow: the kernel dropped %llu samples "
			"(ring of %u records; the host drained too slowly), so sample times "
			"around the drops are wrong", (unsigned long long)dropped,
			gp->cfg.ring_cap);
		return -1;
	}
	s = kernel_status(gp, err, errlen);
	if (s < 0)
		return -1;
	if (!s) {
		set_err(err, errlen, "the GPU probe kernel returned while it should run%s",
			LOAD(gp->ctl->state) == GP_STATE_DEADLINE ?
			" (it reached its own deadline)" : "");
		return -1;
	}
	if (mono_ns() - gp->last_progress_ns > gp->cfg.stall_ns) {
		set_err(err, errlen, "the GPU probe kernel stalled: no sample for %llu ms "
			"(%llu samples so far); GPU hung or taken by another context",
			(unsigned long long)((mono_ns() - gp->last_progress_ns) / 1000000),
			(unsigned long long)gp->st.samples);
		return -1;
	}
	return 0;
}

static void *drain_thread(void *arg)
{
	struct gpuprobe *gp = arg;
	char err[SETTLE_ERR_LEN];
	CUresult r = gp->api.CtxSetCurrent(gp->ctx);

	if (r != CUDA_SUCCESS) {
		snprintf(err, sizeof(err), "cuCtxSetCurrent in the drain thread failed: %s",
			 cuda_strerror(&gp->api, r));
		set_failed(gp, err);
		return NULL;
	}
	while (!atomic_load_explicit(&gp->stop, memory_order_relaxed)) {
		if (drain_step(gp, err, sizeof(err))) {
			set_failed(gp, err);
			return NULL;
		}
		nap(DRAIN_SLEEP_NS);
	}
	/* What arrived between the last step and the stop request. */
	if (drain_step(gp, err, sizeof(err)))
		set_failed(gp, err);
	return NULL;
}

/* Work per unit so that one unit takes about target_period_ns. */
static int calibrate(struct gpuprobe *gp, char *err, size_t errlen)
{
	uint32_t guess = gp->cfg.kind == GPUPROBE_MEMORY ? CAL_MEMORY_ITERS : CAL_COMPUTE_ITERS;
	uint64_t t, span, n;

	guess = clamp_iters(gp, guess);
	if (launch(gp, guess, gp->cfg.capacity_ns + 10000000000ULL, err, errlen))
		return -1;
	STORE(gp->ctl->cmd, (uint32_t)GP_CMD_RUN);
	gp->last_progress_ns = t = mono_ns();
	gp->offset_ns = 0;
	gp->t0_ns = 0;
	while (mono_ns() - t < CAL_RUN_NS) {
		nap(DRAIN_SLEEP_NS);
		if (drain_step(gp, err, errlen))
			return -1;
	}
	if (finish_kernel(gp, err, errlen))
		return -1;
	n = gp->st.samples;
	span = gp->prev_gt - gp->first_gt;
	if (n < 3 || !span) {
		set_err(err, errlen, "calibration got %llu samples in %llu ms: the kernel does "
			"not make progress", (unsigned long long)n,
			(unsigned long long)(CAL_RUN_NS / 1000000));
		return -1;
	}
	gp->info.iters = clamp_iters(gp, (uint64_t)guess * gp->cfg.target_period_ns *
				     (n - 1) / span);
	/* Forget the calibration run. */
	gp->tail = 0;
	gp->have_prev = false;
	gp->last_bin = 0;
	/* The calibration's bins are gone: so is its count (a run's first
	 * bins would otherwise read as done up to the calibration's last). */
	atomic_store_explicit(&gp->done, 0, memory_order_release);
	memset(gp->hist, 0, sizeof(gp->hist));
	memset(&gp->st, 0, sizeof(gp->st));
	memset(gp->bins, 0, gp->cap * sizeof(*gp->bins));
	return 0;
}

/*
 * Bin 0 starts at the first sample, as the CPU probe's starts with its
 * loop: the kernel's reaction to RUN is not an empty stretch of bins.
 */
static int first_sample(struct gpuprobe *gp, char *err, size_t errlen)
{
	if (wait_word(gp, &gp->ring[0].seq, 1, "take its first sample", err, errlen))
		return -1;
	gp->t0_ns = (uint64_t)((int64_t)LOAD(gp->ring[0].gt) - gp->offset_ns);
	gp->last_progress_ns = mono_ns();
	return 0;
}

static int check_config(struct gpuprobe_config *c, char *err, size_t errlen)
{
	uint64_t nbins;

	if (!c->target_period_ns)
		c->target_period_ns = DEF_PERIOD_NS;
	if (!c->stall_ns)
		c->stall_ns = DEF_STALL_NS;
	if (!c->ring_cap)
		c->ring_cap = DEF_RING_CAP;
	if (!c->align_rounds)
		c->align_rounds = DEF_ALIGN_ROUNDS;
	if (c->kind != GPUPROBE_COMPUTE && c->kind != GPUPROBE_MEMORY) {
		set_err(err, errlen, "unknown GPU probe kind %d", (int)c->kind);
		return -1;
	}
	if (c->ring_cap < 16 || (c->ring_cap & (c->ring_cap - 1)) || c->ring_cap > (1U << 26)) {
		set_err(err, errlen, "ring of %u records: must be a power of two in [16, 2^26]",
			c->ring_cap);
		return -1;
	}
	if (!c->bin_ns || !c->capacity_ns) {
		set_err(err, errlen, "bin width and capacity must be non-zero");
		return -1;
	}
	nbins = c->capacity_ns / c->bin_ns + 1;
	if (nbins > SIZE_MAX / sizeof(uint32_t) || nbins > (1ULL << 32)) {
		set_err(err, errlen, "%llu bins of %u ns is too many",
			(unsigned long long)nbins, c->bin_ns);
		return -1;
	}
	return 0;
}

/* A probe with its configuration and counters, nothing opened yet. */
static struct gpuprobe *gpuprobe_alloc(const struct gpuprobe_config *cfg,
				       char *err, size_t errlen)
{
	struct gpuprobe *gp = calloc(1, sizeof(*gp));

	if (!gp) {
		set_err(err, errlen, "out of memory");
		return NULL;
	}
	gp->cfg = *cfg;
	atomic_init(&gp->done, 0);
	atomic_init(&gp->stop, false);
	atomic_init(&gp->failed, 0);
	return gp;
}

int gpuprobe_start(const struct gpuprobe_config *cfg, struct gpuprobe **out,
		   char *err, size_t errlen)
{
	struct gpuprobe *gp;
	sigset_t all, old;
	int ret;

	*out = NULL;
	gp = gpuprobe_alloc(cfg, err, errlen);
	if (!gp)
		return -1;
	if (check_config(&gp->cfg, err, errlen))
		goto fail;
	gp->cap = (size_t)(gp->cfg.capacity_ns / gp->cfg.bin_ns + 1);
	/* Touched now, not in the drain loop. */
	gp->bins = malloc(gp->cap * sizeof(*gp->bins));
	if (!gp->bins) {
		set_err(err, errlen, "cannot allocate %zu throughput bins", gp->cap);
		goto fail;
	}
	memset(gp->bins, 0, gp->cap * sizeof(*gp->bins));
	if (open_device(gp, err, errlen) || alloc_buffers(gp, err, errlen) ||
	    calibrate(gp, err, errlen))
		goto fail;

	if (launch(gp, gp->info.iters, gp->cfg.capacity_ns + 10000000000ULL, err, errlen) ||
	    align(gp, GP_CMD_ALIGN0, &gp->offset_ns, &gp->align_bound_ns,
		  &gp->align_rtt_ns, err, errlen))
		goto fail;
	STORE(gp->ctl->cmd, (uint32_t)GP_CMD_RUN);
	if (first_sample(gp, err, errlen))
		goto fail;

	/* Signals stay with the caller's thread (Ctrl-C must reach it). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = pthread_create(&gp->thread, NULL, drain_thread, gp);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret) {
		set_err(err, errlen, "cannot start the drain thread: %s", strerror(ret));
		goto fail;
	}
	gp->thread_started = true;
	*out = gp;
	return 0;
fail:
	gpuprobe_free(gp);
	return -1;
}

int gpuprobe_check(const struct gpuprobe_config *cfg, struct gpuprobe_info *info,
		   char *err, size_t errlen)
{
	struct gpuprobe *gp;
	int ret;

	gp = gpuprobe_alloc(cfg, err, errlen);
	if (!gp)
		return -1;
	if (gp->cfg.kind != GPUPROBE_COMPUTE && gp->cfg.kind != GPUPROBE_MEMORY) {
		set_err(err, errlen, "unknown GPU probe kind %d", (int)gp->cfg.kind);
		ret = -1;
	} else {
		/* Nothing is launched or allocated on the GPU: only looked at. */
		ret = open_device(gp, err, errlen);
	}
	if (!ret && info)
		*info = gp->info;
	gpuprobe_free(gp);
	return ret ? -1 : 0;
}

const struct gpuprobe_info *gpuprobe_info(const struct gpuprobe *gp)
{
	return &gp->info;
}

uint64_t gpuprobe_t0_ns(const struct gpuprobe *gp)
{
	return gp->t0_ns;
}

uint32_t gpuprobe_bin_ns(const struct gpuprobe *gp)
{
	return gp->cfg.bin_ns;
}

size_t gpuprobe_bins_done(const struct gpuprobe *gp)
{
	return atomic_load_explicit(&((struct gpuprobe *)gp)->done, memory_order_acquire);
}

const uint32_t *gpuprobe_bins(const struct gpuprobe *gp)
{
	return gp->bins;
}

uint64_t gpuprobe_time_bound_ns(const struct gpuprobe *gp)
{
	uint64_t b = gp->align_bound_ns + LOAD(gp->ctl->gt_step_max);

	/* After the stop, the end alignment and the drift count too. */
	if (gp->st.drift_measured) {
		uint64_t d = gp->st.drift_ns < 0 ? (uint64_t)-gp->st.drift_ns :
			     (uint64_t)gp->st.drift_ns;

		if (gp->st.align_bound_ns > gp->align_bound_ns)
			b += gp->st.align_bound_ns - gp->align_bound_ns;
		b += d;
	}
	return b;
}

int gpuprobe_failed(const struct gpuprobe *gp, char *err, size_t errlen)
{
	if (!atomic_load(&((struct gpuprobe *)gp)->failed))
		return 0;
	set_err(err, errlen, "%s", gp->fail_msg);
	return -1;
}

static void fill_stats(struct gpuprobe *gp)
{
	struct gpuprobe_stats *st = &gp->st;
	uint64_t span = gp->prev_gt - gp->first_gt;

	st->units = gp->have_prev ? gp->prev_units - gp->first_units : 0;
	if (st->samples > 1) {
		st->period_p50_ns = hist_percentile(gp->hist, st->samples - 1, 500);
		st->period_p99_ns = hist_percentile(gp->hist, st->samples - 1, 990);
		if (st->period_p50_ns > st->period_max_ns)
			st->period_p50_ns = st->period_max_ns;
		if (st->period_p99_ns > st->period_max_ns)
			st->period_p99_ns = st->period_max_ns;
		st->period_mean_ns = span / (st->samples - 1);
	}
	if (gp->last_bin >= gp->cap)
		st->dropped_bins = gp->last_bin - gp->cap + 1;
	st->dropped = LOAD(gp->ctl->dropped);
	st->gt_step_min_ns = LOAD(gp->ctl->gt_step_min);
	st->gt_step_max_ns = LOAD(gp->ctl->gt_step_max);
	if (LOAD(gp->ctl->gt_changes) > 1)
		st->gt_step_mean_ns = LOAD(gp->ctl->gt_span) / (LOAD(gp->ctl->gt_changes) - 1);
	st->offset_ns = gp->offset_ns;
	st->align_rtt_ns = gp->align_rtt_ns;
	if (st->align_bound_ns < gp->align_bound_ns)
		st->align_bound_ns = gp->align_bound_ns;
	/* clock64 counts SM cycles: cycles per %globaltimer ns is the clock. */
	if (gp->one_sm && span)
		st->clock_khz = (uint64_t)((unsigned __int128)(gp->prev_clk - gp->first_clk) *
					   1000000 / span);
}

int gpuprobe_stop(struct gpuprobe *gp, struct gpuprobe_stats *st,
		  char *err, size_t errlen)
{
	char why[SETTLE_ERR_LEN];
	int ret = 0;

	if (gp->thread_started) {
		atomic_store(&gp->stop, true);
		pthread_join(gp->thread, NULL);
		gp->thread_started = false;
	}
	if (gpuprobe_failed(gp, err, errlen)) {
		ret = -1;
	} else if (gp->launched) {
		int64_t off = 0;
		uint64_t bound = 0, rtt;

		/* A second alignment at the end measures drift over the run. */
		STORE(gp->ctl->cmd, (uint32_t)GP_CMD_ALIGN1);
		if (align(gp, GP_CMD_ALIGN1, &off, &bound, &rtt, why, sizeof(why))) {
			set_err(err, errlen, "%s", why);
			ret = -1;
		} else {
			gp->st.drift_ns = off - gp->offset_ns;
			gp->st.drift_measured = true;
			gp->st.align_bound_ns = bound;
		}
	}
	if (finish_kernel(gp, why, sizeof(why)) && !ret) {
		set_err(err, errlen, "%s", why);
		ret = -1;
	}
	fill_stats(gp);
	if (st)
		*st = gp->st;
	return ret;
}

void gpuprobe_free(struct gpuprobe *gp)
{
	char why[SETTLE_ERR_LEN];

	if (!gp)
		return;
	if (gp->thread_started)
		gpuprobe_stop(gp, NULL, why, sizeof(why));
	else
		finish_kernel(gp, why, sizeof(why));
	if (gp->api.lib) {
		if (gp->stream)
			gp->api.StreamDestroy(gp->stream);
		if (gp->d_buf)
			gp->api.MemFree(gp->d_buf);
		if (gp->d_units)
			gp->api.MemFree(gp->d_units);
		if (gp->ring)
			gp->api.MemFreeHost(gp->ring);
		if (gp->ctl)
			gp->api.MemFreeHost(gp->ctl);
		if (gp->mod)
			gp->api.ModuleUnload(gp->mod);
		/* Releasing the last reference destroys the context and any
		 * kernel still in it: the GPU is usable afterwards. */
		if (gp->ctx_retained)
			gp->api.DevicePrimaryCtxRelease(gp->dev);
		cuda_unload(&gp->api);
	}
	free(gp->image_copy);
	free(gp->bins);
	free(gp);
}
