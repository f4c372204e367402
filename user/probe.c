// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The CPU probe.  A chunk is a fixed number of dependent LCG steps followed
 * by one CLOCK_MONOTONIC read (vDSO, no syscall); its work lands in the bin
 * its end time falls in.  The chain makes throughput proportional to the
 * core clock: every step waits for the previous multiply, so neither the
 * compiler nor an out-of-order core can overlap or fold them.  The memory
 * kind keeps all of this and only swaps the chain for a fixed number of
 * streaming loads (probe_mem.c).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include "hist.h"
#include "probe.h"
#include "probe_mem.h"
#include "trace.h"
#include "util.h"

/* Calibration: the chain runs this long per chunk at least, and at least
 * this many times the cost of a clock read, so the read is a bounded share
 * of the sample period. */
#define CAL_MIN_WORK_NS		100
#define CAL_CLOCK_FACTOR	3
#define CAL_STEPS		(1U << 20)

struct probe {
	struct probe_config cfg;
	uint32_t *bins;
	size_t cap;			/* bins allocated */
	uint64_t t0_ns;
	pthread_t thread;
	bool started;
	bool locked;			/* mlockall() by us: undo in probe_free() */
	struct probe_mem mem;		/* memory kind: the streamed buffer */

	/* startup handshake */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int ready;			/* 0 starting, 1 running, <0 -errno */
	char start_err[SETTLE_ERR_LEN];

	_Atomic size_t done;		/* bins [0, done) are complete */
	atomic_bool stop;

	/* owned by the thread until it is joined */
	struct probe_stats st;
	uint64_t last_bin;		/* bin of the last chunk, may be >= cap */
	uint64_t hist[HIST_BUCKETS];
};

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * n dependent steps of a 64-bit LCG.  The empty asm makes x opaque to the
 * optimiser each step, so it can neither vectorise nor jump ahead.
 */
static inline uint64_t chain(uint64_t x, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		__asm__ volatile("" : "+r"(x));
	}
	return x;
}

static volatile uint64_t chain_sink;

/* How long a chunk's work should take: as short as the clock read allows. */
static uint64_t chunk_work_ns(void)
{
	uint64_t clk = UINT64_MAX, work_ns;

	/* Best of a few: a preemption only ever makes one run slower. */
	for (int r = 0; r < 5; r++) {
		uint64_t a = now_ns(), b;

		for (int i = 0; i < 1000; i++)
			b = now_ns();
		b = (now_ns() - a) / 1001;
		if (b < clk)
			clk = b;
	}
	work_ns = clk * CAL_CLOCK_FACTOR;
	return work_ns < CAL_MIN_WORK_NS ? CAL_MIN_WORK_NS : work_ns;
}

/* Steps per chunk so that a chunk is as short as the clock read allows. */
static uint32_t calibrate(void)
{
	uint64_t t, step_ps, work_ns = chunk_work_ns(), x = 1;
	uint32_t iters;

	step_ps = UINT64_MAX;
	for (int r = 0; r < 5; r++) {
		uint64_t ps;

		t = now_ns();
		x = chain(x, CAL_STEPS);
		ps = (now_ns() - t) * 1000 / CAL_STEPS;
		if (ps < step_ps)
			step_ps = ps;
	}
	chain_sink = x;
	if (!step_ps)
		step_ps = 1;
	iters = (uint32_t)(work_ns * 1000 / step_ps);
	return iters ? iters : 1;
}

static void start_result(struct probe *p, int ret)
{
	pthread_mutex_lock(&p->mu);
	p->ready = ret;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

/*
 * The sampling loop.  Always inlined and called with a constant kind, so
 * each kind gets its own loop with no per-chunk branch on it: the compute
 * loop is the same code as before the memory kind existed.
 */
static inline __attribute__((always_inline)) void
run_loop(struct probe *p, const enum probe_kind kind, uint32_t iters)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL, prev, t, next_edge, bin = 0;
	uint32_t *bins = p->bins;
	const uint64_t bin_ns = p->cfg.bin_ns;
	const size_t cap = p->cap;

	prev = now_ns();
	p->t0_ns = prev;
	next_edge = prev + bin_ns;
	start_result(p, 1);

	while (!atomic_load_explicit(&p->stop, memory_order_relaxed)) {
		uint64_t d;

		if (kind == PROBE_MEMORY)
			x = probe_mem_stream(&p->mem, iters, x);
		else
			x = chain(x, iters);
		t = now_ns();
		d = t - prev;
		prev = t;
		p->hist[hist_bucket(d)]++;
		if (d > p->st.period_max_ns)
			p->st.period_max_ns = d;
		p->st.samples++;
		if (t >= next_edge) {
			/* Rare (once per bin): the division is off the fast path. */
			bin = (t - p->t0_ns) / bin_ns;
			next_edge = p->t0_ns + (bin + 1) * bin_ns;
			atomic_store_explicit(&p->done, bin < cap ? (size_t)bin : cap,
					      memory_order_release);
		}
		if (bin < cap) {
			/* Saturate rather than wrap with very wide bins. */
			if (bins[bin] > UINT32_MAX - iters)
				bins[bin] = UINT32_MAX;
			else
				bins[bin] += iters;
		}
	}
	chain_sink = x;
	p->last_bin = bin;
}

static void *probe_thread(void *arg)
{
	struct probe *p = arg;
	struct sched_param sp = { .sched_priority = 1 };
	uint32_t iters;
	cpu_set_t set;
	int ret;

	CPU_ZERO(&set);
	CPU_SET((size_t)p->cfg.cpu, &set);
	ret = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	if (ret) {
		set_err(p->start_err, sizeof(p->start_err),
			"cannot pin the probe to CPU %d: %s (offline or outside this process's cpuset?)",
			p->cfg.cpu, strerror(ret));
		start_result(p, -ret);
		return NULL;
	}
	if (p->cfg.want_fifo) {
		ret = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
		p->st.fifo = !ret;
		if (ret)
			set_err(p->start_err, sizeof(p->start_err), "%s", strerror(ret));
	}
	if (p->cfg.kind == PROBE_MEMORY) {
		/* Same chunk duration target as the chain: the two kinds'
		 * sample periods compare directly. */
		iters = probe_mem_calibrate(&p->mem, chunk_work_ns(), &p->st.line_ps);
		p->st.iters_per_sample = iters;
		run_loop(p, PROBE_MEMORY, iters);
	} else {
		iters = calibrate();
		p->st.iters_per_sample = iters;
		run_loop(p, PROBE_COMPUTE, iters);
	}
	return NULL;
}

static bool may_lock_memory(void)
{
	struct rlimit rl;

	/* MCL_FUTURE under a small RLIMIT_MEMLOCK would make every later
	 * allocation of the process fail; lock only when that cannot bite. */
	if (geteuid() == 0)
		return true;
	return !getrlimit(RLIMIT_MEMLOCK, &rl) && rl.rlim_cur == RLIM_INFINITY;
}

int probe_start(const struct probe_config *cfg, struct probe **out,
		char *err, size_t errlen)
{
	struct probe *p;
	uint64_t nbins;
	int ret;

	*out = NULL;
	if (cfg->cpu < 0 || cfg->cpu >= CPU_SETSIZE) {
		set_err(err, errlen, "CPU %d is out of range [0, %d)", cfg->cpu, CPU_SETSIZE);
		return -EINVAL;
	}
	if (!cfg->bin_ns || !cfg->capacity_ns) {
		set_err(err, errlen, "bin width and capacity must be non-zero");
		return -EINVAL;
	}
	if (cfg->kind != PROBE_COMPUTE && cfg->kind != PROBE_MEMORY) {
		set_err(err, errlen, "unknown probe kind %d", (int)cfg->kind);
		return -EINVAL;
	}
	nbins = cfg->capacity_ns / cfg->bin_ns + 1;
	if (nbins > SIZE_MAX / sizeof(uint32_t) || nbins > (1ULL << 32)) {
		set_err(err, errlen, "%llu bins of %u ns is too many",
			(unsigned long long)nbins, cfg->bin_ns);
		return -EINVAL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		set_err(err, errlen, "out of memory");
		return -ENOMEM;
	}
	p->cfg = *cfg;
	p->cap = (size_t)nbins;
	/* malloc + memset, not calloc: zero pages from calloc may be mapped
	 * lazily, and the first touch must not happen inside the loop. */
	p->bins = malloc(p->cap * sizeof(uint32_t));
	if (!p->bins) {
		set_err(err, errlen, "cannot allocate %zu throughput bins (%zu MiB)",
			p->cap, p->cap * sizeof(uint32_t) >> 20);
		free(p);
		return -ENOMEM;
	}
	memset(p->bins, 0, p->cap * sizeof(uint32_t));
	atomic_init(&p->done, 0);
	atomic_init(&p->stop, false);
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->st.kind = cfg->kind;

	/* Before mlockall(): under MCL_FUTURE the mapping would be faulted in
	 * at mmap() time, before it could be asked for huge pages. */
	if (cfg->kind == PROBE_MEMORY) {
		uint64_t bytes = cfg->buffer_bytes;
		char lerr[SETTLE_ERR_LEN];

		/* Unknown LLC: 0, the default's 64 MiB floor still holds. */
		if (probe_mem_llc_bytes(NULL, &p->st.llc_bytes, lerr, sizeof(lerr)) && !bytes)
			p_warn("%s; streaming the default %llu MiB", lerr,
			       PROBE_MEM_MIN_DEFAULT >> 20);
		if (!bytes)
			bytes = probe_mem_default_bytes(p->st.llc_bytes);
		/* The caller checked it against the LLC (or was told not to). */
		ret = probe_mem_check_bytes(bytes, p->st.llc_bytes, true, err, errlen);
		if (!ret)
			ret = probe_mem_alloc(&p->mem, bytes, !cfg->skip_mlock, err, errlen);
		if (ret) {
			probe_free(p);
			return ret;
		}
		p->st.buffer_bytes = p->mem.bytes;
		p->st.buffer_mlocked = p->mem.mlocked;
		p->st.huge_bytes = p->mem.huge_bytes;
		if (!cfg->skip_mlock && !p->mem.mlocked)
			p_warn("the %zu MiB probe buffer is not locked: a reclaimed page shows up "
			       "as a probe gap", p->mem.bytes >> 20);
	}

	if (cfg->skip_mlock) {
		/* asked for: no warning */
	} else if (may_lock_memory() && !mlockall(MCL_CURRENT | MCL_FUTURE)) {
		p->locked = true;
		p->st.mlocked = true;
	} else {
		p_warn("memory not locked (%s): page faults may show up as probe gaps",
		       may_lock_memory() ? strerror(errno) :
		       "not root and RLIMIT_MEMLOCK is limited");
	}

	ret = pthread_create(&p->thread, NULL, probe_thread, p);
	if (ret) {
		set_err(err, errlen, "cannot start the probe thread: %s", strerror(ret));
		probe_free(p);
		return -ret;
	}
	p->started = true;
	pthread_mutex_lock(&p->mu);
	while (!p->ready)
		pthread_cond_wait(&p->cv, &p->mu);
	ret = p->ready;
	pthread_mutex_unlock(&p->mu);
	if (ret < 0) {
		set_err(err, errlen, "%s", p->start_err);
		probe_free(p);
		return ret;
	}
	if (cfg->want_fifo && !p->st.fifo)
		p_warn("probe runs without SCHED_FIFO (%s): other tasks on CPU %d can preempt it",
		       p->start_err, cfg->cpu);
	*out = p;
	return 0;
}

uint64_t probe_t0_ns(const struct probe *p)
{
	return p->t0_ns;
}

uint32_t probe_bin_ns(const struct probe *p)
{
	return p->cfg.bin_ns;
}

size_t probe_bins_done(const struct probe *p)
{
	return atomic_load_explicit(&((struct probe *)p)->done, memory_order_acquire);
}

const uint32_t *probe_bins(const struct probe *p)
{
	return p->bins;
}

int probe_stop(struct probe *p, struct probe_stats *st)
{
	int ret;

	if (!p->started)
		return -EINVAL;
	atomic_store_explicit(&p->stop, true, memory_order_relaxed);
	ret = pthread_join(p->thread, NULL);
	if (ret)
		return -ret;
	p->started = false;
	/* The bin the loop was in when told to stop is partial: not done. */
	if (p->last_bin >= p->cap)
		p->st.dropped_bins = p->last_bin - p->cap + 1;
	if (p->st.samples) {
		p->st.period_p50_ns = hist_percentile(p->hist, p->st.samples, 500);
		p->st.period_p99_ns = hist_percentile(p->hist, p->st.samples, 990);
		/* The histogram rounds up; never report a percentile above max. */
		if (p->st.period_p50_ns > p->st.period_max_ns)
			p->st.period_p50_ns = p->st.period_max_ns;
		if (p->st.period_p99_ns > p->st.period_max_ns)
			p->st.period_p99_ns = p->st.period_max_ns;
	}
	if (st)
		*st = p->st;
	return 0;
}

void probe_free(struct probe *p)
{
	if (!p)
		return;
	if (p->started)
		probe_stop(p, NULL);
	if (p->locked)
		munlockall();
	probe_mem_free(&p->mem);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p->bins);
	free(p);
}

int probe_cpu(const struct probe *p)
{
	return p->cfg.cpu;
}

const char *probe_kind_str(enum probe_kind k)
{
	return k == PROBE_MEMORY ? "memory" : "compute";
}

static uint64_t clamp32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : v;
}

int probe_trace_bins(struct trace_writer *w, const struct probe *p,
		     size_t from, size_t to)
{
	uint64_t f[TRACE_MAX_FIELDS];

	for (size_t i = from; i < to; i += TRACE_PROBE_BINS_PER_EVENT) {
		size_t n = to - i < TRACE_PROBE_BINS_PER_EVENT ?
			   to - i : TRACE_PROBE_BINS_PER_EVENT;
		uint64_t t0 = p->t0_ns + (uint64_t)i * p->cfg.bin_ns;
		int ret;

		memset(f, 0, sizeof(f));
		f[PB_T0_NS] = t0;
		f[PB_CPU] = (uint64_t)p->cfg.cpu;
		f[PB_BIN_NS] = p->cfg.bin_ns;
		f[PB_N] = n;
		for (size_t j = 0; j < n; j++)
			f[PB_W0 + j] = p->bins[i + j];
		ret = trace_writer_add(w, TEV_PROBE_BINS, t0, f);
		if (ret)
			return ret;
	}
	return 0;
}

int probe_trace_info(struct trace_writer *w, const struct probe *p,
		     const struct probe_stats *st, uint64_t ts_ns)
{
	uint64_t f[TRACE_MAX_FIELDS] = { 0 };

	f[PI_SAMPLES] = st->samples;
	f[PI_CPU] = (uint64_t)p->cfg.cpu;
	f[PI_BIN_NS] = p->cfg.bin_ns;
	f[PI_ITERS_PER_SAMPLE] = st->iters_per_sample;
	/* 32-bit fields: a period over 4.29 s is saturated, not wrapped. */
	f[PI_PERIOD_P50_NS] = clamp32(st->period_p50_ns);
	f[PI_PERIOD_P99_NS] = clamp32(st->period_p99_ns);
	f[PI_PERIOD_MAX_NS] = clamp32(st->period_max_ns);
	f[PI_DROPPED_BINS] = clamp32(st->dropped_bins);
	f[PI_FIFO] = st->fifo;
	f[PI_MLOCKED] = st->mlocked;
	f[PI_KIND] = st->kind;
	f[PI_BUFFER_BYTES] = st->buffer_bytes;
	f[PI_LINE_BYTES] = st->kind == PROBE_MEMORY ? PROBE_MEM_LINE : 0;
	return trace_writer_add(w, TEV_PROBE_INFO, ts_ns, f);
}
