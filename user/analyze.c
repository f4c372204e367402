// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <stdlib.h>
#include "analyze.h"
#include "util.h"
#include "wstall.h"

static int push(void **arr, size_t *n, size_t *cap, size_t sz, const void *item)
{
	if (grow_array(arr, cap, *n + 1, sz))
		return -1;
	memcpy((char *)*arr + *n * sz, item, sz);
	(*n)++;
	return 0;
}

#define PUSH(a, field, item) \
	push((void **)&(a)->field, &(a)->n##field, &(a)->cap_##field, \
	     sizeof(*(a)->field), (item))

void analysis_init(struct analysis *a)
{
	memset(a, 0, sizeof(*a));
	cp_default_params(&a->cp);
	a->only_dom = -1;
}

void analysis_free(struct analysis *a)
{
	free(a->pre);
	free(a->post);
	free(a->fq);
	free(a->rq);
	free(a->ef);
	free(a->st);
	free(a->pb);
	free(a->pi);
	free(a->lm);
	for (size_t i = 0; i < a->ndev; i++) {
		free(a->dev[i].name);
		free(a->dev[i].rates);
	}
	free(a->dev);
	free(a->x);
	free(a->g);
	for (size_t i = 0; i < a->nseg; i++)
		free(a->seg[i].w);
	free(a->seg);
	levels_free(&a->levels);
	analysis_init(a);
}

const char *analysis_domain_name(uint32_t dom)
{
	const char *n = trace_domain_name(dom);

	return n ? n : "unknown";
}

const struct trace_dev *analysis_device_find(const struct analysis *a,
					     uint32_t dom, uint32_t dev)
{
	for (size_t i = 0; i < a->ndev; i++)
		if (a->dev[i].dom == dom && a->dev[i].dev == dev)
			return &a->dev[i];
	return NULL;
}

struct trace_dev *analysis_device(struct analysis *a, uint32_t dom, uint32_t dev)
{
	struct trace_dev d = { .dom = dom, .dev = dev };
	char name[48];

	for (size_t i = 0; i < a->ndev; i++)
		if (a->dev[i].dom == dom && a->dev[i].dev == dev)
			return &a->dev[i];
	snprintf(name, sizeof(name), "%s%u", analysis_domain_name(dom), dev);
	d.name = strdup(name);
	if (!d.name || PUSH(a, dev, &d)) {
		free(d.name);
		return NULL;
	}
	return &a->dev[a->ndev - 1];
}

/* A `device` header event: names the device, sizes its rate table. */
static int add_device(struct analysis *a, const struct trace_event *ev)
{
	uint32_t n = (uint32_t)ev->f[DV_NRATES];
	struct trace_dev *d = analysis_device(a, (uint32_t)ev->f[DV_DOMAIN],
					      (uint32_t)ev->f[DV_DEV]);
	char *name;

	if (!d)
		return -1;
	/* A repeated or absurd header is not guessed at: the first one counts. */
	if (d->declared || n > 4096 || !ev->text[0])
		return 0;
	if (!(name = strdup(ev->text)))
		return -1;
	free(d->name);
	d->name = name;
	d->declared = true;
	d->backend = (uint32_t)ev->f[DV_BACKEND];
	d->reader = (uint32_t)ev->f[DV_READER];
	d->flags = (uint32_t)ev->f[DV_FLAGS];
	d->cur_khz = (uint32_t)ev->f[DV_CUR_KHZ];
	if (n && !(d->rates = calloc(n, sizeof(*d->rates))))
		return -1;
	d->nrates = n;
	return 0;
}

static int add_rates(struct analysis *a, const struct trace_event *ev)
{
	struct trace_dev *d = analysis_device(a, (uint32_t)ev->f[DT_DOMAIN],
					      (uint32_t)ev->f[DT_DEV]);
	uint64_t first = ev->f[DT_FIRST], n = ev->f[DT_N];

	if (!d)
		return -1;
	/* Chunks outside the declared table are dropped, not trusted. */
	if (!n || n > TRACE_RATES_PER_EVENT || first + n > d->nrates)
		return 0;
	for (uint64_t i = 0; i < n; i++)
		d->rates[first + i] = (uint32_t)ev->f[DT_R0 + i];
	return 0;
}

int analysis_add(const struct trace_event *ev, void *ctx)
{
	struct analysis *a = ctx;
	struct cf_ev c;
	struct fq_ev f;

	switch (ev->desc->id) {
	case TEV_DRIVER_ENTRY:
	case TEV_DRIVER_EXIT:
		c.id = ev->f[DR_ID];
		c.ts_ns = ev->f[DR_TS_NS];
		c.dom = (uint32_t)ev->f[DR_DOMAIN];
		c.dev = (uint32_t)ev->f[DR_DEV];
		c.old_khz = (uint32_t)ev->f[DR_OLD_KHZ];
		c.new_khz = (uint32_t)ev->f[DR_NEW_KHZ];
		if (ev->desc->id == TEV_DRIVER_ENTRY)
			return PUSH(a, pre, &c);
		return PUSH(a, post, &c);
	case TEV_CPU_FREQUENCY:
		f.ts_ns = ev->ts_ns;
		f.seq = a->nfq;
		f.cpu = (uint32_t)ev->f[FQ_CPU];
		f.khz = (uint32_t)ev->f[FQ_KHZ];
		return PUSH(a, fq, &f);
	case TEV_LOST:
		if (ev->f[LOST_TOTAL] > a->lost_total)
			a->lost_total = ev->f[LOST_TOTAL];
		return 0;
	case TEV_REQUEST: {
		struct rq_ev r = {
			.id = ev->f[RQ_ID], .ts_ns = ev->f[RQ_TS_NS],
			.parent_id = ev->f[RQ_PARENT_ID],
			.dom = (uint32_t)ev->f[RQ_DOMAIN], .dev = (uint32_t)ev->f[RQ_DEV],
			.from_khz = (uint32_t)ev->f[RQ_FROM_KHZ],
			.to_khz = (uint32_t)ev->f[RQ_TO_KHZ],
			.source = (uint32_t)ev->f[RQ_SOURCE],
		};
		return PUSH(a, rq, &r);
	}
	case TEV_EFFECTIVE: {
		struct ef_ev e = {
			.id = ev->f[EF_ID], .ts_ns = ev->f[EF_TS_NS],
			.prev_ts_ns = ev->f[EF_PREV_TS_NS],
			.dom = (uint32_t)ev->f[EF_DOMAIN], .dev = (uint32_t)ev->f[EF_DEV],
			.khz = (uint32_t)ev->f[EF_KHZ], .cost_ns = (uint32_t)ev->f[EF_COST_NS],
			.samples = (uint32_t)ev->f[EF_SAMPLES],
			.reader = (uint32_t)ev->f[EF_READER],
			.status = (uint32_t)ev->f[EF_STATUS],
		};
		return PUSH(a, ef, &e);
	}
	case TEV_STEP: {
		struct st_ev t = {
			.id = ev->f[ST_ID], .t_request_ns = ev->f[ST_T_REQUEST_NS],
			.t_exit_ns = ev->f[ST_T_EXIT_NS], .cpu = (uint32_t)ev->f[ST_CPU],
			.from_khz = (uint32_t)ev->f[ST_FROM_KHZ],
			.to_khz = (uint32_t)ev->f[ST_TO_KHZ],
			.cur_khz = (uint32_t)ev->f[ST_CUR_KHZ], .seq = (uint32_t)ev->f[ST_SEQ],
			.flags = (uint32_t)ev->f[ST_FLAGS], .err = (uint32_t)ev->f[ST_ERR],
			.dom = (uint32_t)ev->f[ST_DOMAIN], .dev = (uint32_t)ev->f[ST_DEV],
		};
		return PUSH(a, st, &t);
	}
	case TEV_PROBE_BINS: {
		struct pb_ev b = {
			.t0_ns = ev->f[PB_T0_NS], .cpu = (uint32_t)ev->f[PB_CPU],
			.bin_ns = (uint32_t)ev->f[PB_BIN_NS], .n = (uint32_t)ev->f[PB_N],
		};

		b.cpu = analysis_pb_src(ev);

		/* A malformed count or width is not guessed at: drop the event. */
		if (!b.n || b.n > TRACE_PROBE_BINS_PER_EVENT || !b.bin_ns)
			return 0;
		for (uint32_t i = 0; i < b.n; i++)
			b.w[i] = (uint32_t)ev->f[PB_W0 + i];
		return PUSH(a, pb, &b);
	}
	case TEV_PROBE_INFO: {
		struct probe_info_ev i = {
			.samples = ev->f[PI_SAMPLES], .cpu = (uint32_t)ev->f[PI_CPU],
			.bin_ns = (uint32_t)ev->f[PI_BIN_NS],
			.iters = (uint32_t)ev->f[PI_ITERS_PER_SAMPLE],
			.p50 = (uint32_t)ev->f[PI_PERIOD_P50_NS],
			.p99 = (uint32_t)ev->f[PI_PERIOD_P99_NS],
			.max = (uint32_t)ev->f[PI_PERIOD_MAX_NS],
			.dropped = (uint32_t)ev->f[PI_DROPPED_BINS],
			.fifo = (uint32_t)ev->f[PI_FIFO], .mlocked = (uint32_t)ev->f[PI_MLOCKED],
			.kind = (uint32_t)ev->f[PI_KIND], .src = (uint32_t)ev->f[PI_CPU],
		};

		if (trace_probe_is_gpu(i.kind)) {
			i.gpu = (uint32_t)ev->f[PI_GPU];
			i.src = PROBE_SRC_GPU | (i.gpu & ~PROBE_SRC_GPU);
			i.align_bound_ns = ev->f[PI_ALIGN_BOUND_NS];
			i.gt_step_ns = (uint32_t)ev->f[PI_GT_STEP_NS];
			i.time_bound_ns = ev->f[PI_TIME_BOUND_NS];
			i.drift_ns = ev->f[PI_DRIFT_NS];
			i.dropped_samples = ev->f[PI_DROPPED_SAMPLES];
			i.status = (uint32_t)ev->f[PI_STATUS];
		}
		return PUSH(a, pi, &i);
	}
	case TEV_LIMITS: {
		struct lm_ev l = {
			.ts_ns = ev->f[LM_TS_NS],
			.dom = (uint32_t)ev->f[LM_DOMAIN], .dev = (uint32_t)ev->f[LM_DEV],
			.min_khz = (uint32_t)ev->f[LM_MIN_KHZ],
			.max_khz = (uint32_t)ev->f[LM_MAX_KHZ],
			.cur_khz = (uint32_t)ev->f[LM_CUR_KHZ],
		};

		a->n_limits++;
		return PUSH(a, lm, &l);
	}
	case TEV_POLICY:
		a->n_policy++;
		return 0;
	case TEV_CAMPAIGN:
		a->n_campaign++;
		return 0;
	case TEV_DEVICE:
		return add_device(a, ev);
	case TEV_DEVICE_RATES:
		return add_rates(a, ev);
	}
	return 0;
}

/* qsort() must not see NULL, which an empty array is. */
static void sort(void *base, size_t n, size_t sz, int (*cmp)(const void *, const void *))
{
	if (n)
		qsort(base, n, sz, cmp);
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_cf(const void *pa, const void *pb)
{
	const struct cf_ev *a = pa, *b = pb;

	return cmp_u64(a->id, b->id) ?: cmp_u64(a->ts_ns, b->ts_ns);
}

static int cmp_fq(const void *pa, const void *pb)
{
	const struct fq_ev *a = pa, *b = pb;

	return cmp_u64(a->cpu, b->cpu) ?: cmp_u64(a->ts_ns, b->ts_ns) ?:
	       cmp_u64(a->seq, b->seq);
}

static int cmp_x_time(const void *pa, const void *pb)
{
	const struct xition *a = pa, *b = pb;

	return cmp_u64(a->t_request_ns, b->t_request_ns) ?: cmp_u64(a->id, b->id) ?:
	       cmp_u64(a->dom, b->dom) ?: cmp_u64(a->dev, b->dev);
}

static int cmp_x_group(const void *pa, const void *pb)
{
	const struct xition *a = pa, *b = pb;

	return strcmp(a->domain, b->domain) ?: strcmp(a->device, b->device) ?:
	       cmp_u64(a->from_khz, b->from_khz) ?:
	       cmp_u64(a->to_khz, b->to_khz) ?: cmp_u64(b->has_stall, a->has_stall) ?:
	       cmp_u64(a->t_request_ns, b->t_request_ns);
}

static int cmp_u64p(const void *pa, const void *pb)
{
	return cmp_u64(*(const uint64_t *)pa, *(const uint64_t *)pb);
}

static bool same_group(const struct xition *a, const struct xition *b)
{
	return !strcmp(a->domain, b->domain) && !strcmp(a->device, b->device) &&
	       a->from_khz == b->from_khz &&
	       a->to_khz == b->to_khz && a->has_stall == b->has_stall;
}

uint64_t percentile(const uint64_t *sorted, size_t n, unsigned int permille)
{
	/* Integer index math: q * (n - 1) in floating point can land just
	 * below an integer and pick the wrong element. */
	return sorted[(size_t)(((uint64_t)permille * (n - 1)) / 1000)];
}

uint64_t percentile_bp(const uint64_t *sorted, size_t n, unsigned int per10k)
{
	return sorted[(size_t)(((uint64_t)per10k * (n - 1)) / 10000)];
}

const char *direction(uint32_t from_khz, uint32_t to_khz)
{
	if (to_khz > from_khz)
		return "up";
	if (to_khz < from_khz)
		return "down";
	return "same";
}

static int add_x(struct analysis *a, size_t *cap, const struct xition *x)
{
	return push((void **)&a->x, &a->nx, cap, sizeof(*x), x);
}

static int pair_cpufreq(struct analysis *a, size_t *cap)
{
	size_t i = 0, j = 0;

	sort(a->pre, a->npre, sizeof(*a->pre), cmp_cf);
	sort(a->post, a->npost, sizeof(*a->post), cmp_cf);
	while (i < a->npre || j < a->npost) {
		const struct cf_ev *pre = i < a->npre ? &a->pre[i] : NULL;
		const struct cf_ev *post = j < a->npost ? &a->post[j] : NULL;
		struct xition x;

		if (!post || (pre && pre->id < post->id)) {
			a->unpaired_pre++;
			i++;
			continue;
		}
		if (!pre || post->id < pre->id) {
			a->unpaired_post++;
			j++;
			continue;
		}
		i++;
		j++;
		if (post->ts_ns < pre->ts_ns || post->old_khz != pre->old_khz ||
		    post->new_khz != pre->new_khz || post->dom != pre->dom ||
		    post->dev != pre->dev) {
			a->inconsistent++;
			continue;
		}
		x = (struct xition){
			.domain = analysis_domain_name(pre->dom), .id = pre->id,
			.t_request_ns = pre->ts_ns,
			.stall_ns = post->ts_ns - pre->ts_ns, .dom = pre->dom, .dev = pre->dev,
			.from_khz = pre->old_khz, .to_khz = pre->new_khz,
			.has_stall = true,
		};
		if (add_x(a, cap, &x))
			return -1;
	}
	return 0;
}

/* power:cpu_frequency has no old frequency: take the CPU's previous event. */
static int fallback_xitions(struct analysis *a, size_t *cap)
{
	sort(a->fq, a->nfq, sizeof(*a->fq), cmp_fq);
	for (size_t i = 0; i < a->nfq; i++) {
		const struct fq_ev *f = &a->fq[i];
		struct xition x;

		if (i == 0 || a->fq[i - 1].cpu != f->cpu) {
			a->fq_initial++;
			continue;
		}
		x = (struct xition){
			.domain = "cpu", .t_request_ns = f->ts_ns,
			.dom = TRACE_DOMAIN_CPU, .dev = f->cpu,
			.from_khz = a->fq[i - 1].khz, .to_khz = f->khz,
		};
		if (add_x(a, cap, &x))
			return -1;
	}
	return 0;
}

static const char *const flag_names[XF_NFLAGS] = {
	"no_request", "request_at_notifier", "no_effective", "effective_timeout",
	"effective_superseded", "effective_cancelled", "effective_cached",
	"no_probe", "probe_other_cpu", "probe_no_data", "probe_gap",
	"window_short", "degenerate", "throughput_not_found", "warmup",
};

const char *analysis_flag_name(unsigned int bit)
{
	return bit < XF_NFLAGS ? flag_names[bit] : "unknown";
}

static int cmp_rq(const void *pa, const void *pb)
{
	const struct rq_ev *a = pa, *b = pb;

	return cmp_u64(a->id, b->id) ?: cmp_u64(a->ts_ns, b->ts_ns);
}

static int cmp_ef(const void *pa, const void *pb)
{
	const struct ef_ev *a = pa, *b = pb;

	return cmp_u64(a->id, b->id) ?: cmp_u64(a->ts_ns, b->ts_ns);
}

static int cmp_st(const void *pa, const void *pb)
{
	const struct st_ev *a = pa, *b = pb;

	return cmp_u64(a->id, b->id) ?: cmp_u64(a->t_request_ns, b->t_request_ns);
}

static int cmp_pb(const void *pa, const void *pb)
{
	const struct pb_ev *a = pa, *b = pb;

	return cmp_u64(a->cpu, b->cpu) ?: cmp_u64(a->t0_ns, b->t0_ns);
}

/* First element with this id in an array sorted by id (id is the first
 * member of every event struct searched here), or NULL. */
#define FIND_ID(arr, n, want) ({					\
	__typeof__(arr) _r = NULL;					\
	size_t _lo = 0, _hi = (n);					\
	while (_lo < _hi) {						\
		size_t _m = _lo + (_hi - _lo) / 2;			\
		if ((arr)[_m].id < (want))				\
			_lo = _m + 1;					\
		else							\
			_hi = _m;					\
	}								\
	if (_lo < (n) && (arr)[_lo].id == (want))			\
		_r = &(arr)[_lo];					\
	_r;								\
})

static void join_events(struct analysis *a)
{
	sort(a->rq, a->nrq, sizeof(*a->rq), cmp_rq);
	sort(a->ef, a->nef, sizeof(*a->ef), cmp_ef);
	sort(a->st, a->nst, sizeof(*a->st), cmp_st);
	for (size_t i = 0; i < a->nst; i++) {
		a->steps++;
		if (a->st[i].flags & TRACE_STEP_WARMUP)
			a->steps_warmup++;
		if (st_failed(&a->st[i]))
			a->steps_failed++;
	}
	for (size_t i = 0; i < a->nx; i++) {
		struct xition *x = &a->x[i];
		const struct rq_ev *rq;
		const struct ef_ev *ef;
		const struct st_ev *st;

		if (!x->has_stall)	/* fallback: nothing to join */
			continue;
		rq = FIND_ID(a->rq, a->nrq, x->id);
		ef = FIND_ID(a->ef, a->nef, x->id);
		st = FIND_ID(a->st, a->nst, x->id);
		/* Ids are settle.ko's, one sequence for all devices: a match on
		 * another device is damage, not this transition's event. */
		if (rq && (rq->dom != x->dom || rq->dev != x->dev))
			rq = NULL;
		if (ef && (ef->dom != x->dom || ef->dev != x->dev))
			ef = NULL;
		/* A step names the device it asked for: a v1 step the CPU it
		 * was given, not always the policy CPU the events carry. */
		if (st && st->dom != x->dom)
			st = NULL;
		if (st && (st->flags & TRACE_STEP_WARMUP))
			x->flags |= XF_WARMUP;
		/* A request after PRE cannot have caused it: not this one's. */
		if (rq && rq->ts_ns <= x->t_request_ns) {
			uint64_t post = x->t_request_ns + x->stall_ns;

			x->has_req = true;
			x->req_source = rq->source;
			x->parent_id = rq->parent_id;
			x->t_request_ns = rq->ts_ns;
			x->req_exit_ns = post - rq->ts_ns;
			x->has_req_exit = true;
			if (rq->source == REQ_SRC_NOTIFIER)
				x->flags |= XF_REQ_AT_NOTIFIER;
		} else {
			x->flags |= XF_NO_REQUEST;
		}
		if (!ef) {
			x->flags |= XF_NO_EFFECTIVE;
			continue;
		}
		x->has_eff_event = true;
		x->eff_status = ef->status;
		if (ef->reader == READER_CACHED || ef->reader == READER_DEVFREQ ||
		    ef->reader == READER_CLK)
			x->flags |= XF_EFF_CACHED;
		switch (ef->status) {
		case EFF_SETTLED:
			if (ef->ts_ns >= x->t_request_ns && ef->prev_ts_ns <= ef->ts_ns) {
				x->has_effective = true;
				x->t_effective_ns = ef->ts_ns;
				x->eff_bound_ns = ef->ts_ns - ef->prev_ts_ns + ef->cost_ns;
			} else {
				x->flags |= XF_NO_EFFECTIVE;
			}
			break;
		case EFF_TIMEOUT:
			x->flags |= XF_EFF_TIMEOUT;
			break;
		case EFF_SUPERSEDED:
			x->flags |= XF_EFF_SUPERSEDED;
			break;
		default:
			x->flags |= XF_EFF_CANCELLED;
			break;
		}
	}
}

/* Probe bins of each CPU, merged into contiguous segments. */
static int build_segments(struct analysis *a)
{
	size_t i = 0, cap = 0;

	sort(a->pb, a->npb, sizeof(*a->pb), cmp_pb);
	while (i < a->npb) {
		struct probe_seg sg = { .cpu = a->pb[i].cpu, .bin_ns = a->pb[i].bin_ns,
					.t0_ns = a->pb[i].t0_ns };
		size_t j, n = 0, k = 0;
		uint64_t end = sg.t0_ns;

		for (j = i; j < a->npb && a->pb[j].cpu == sg.cpu &&
			    a->pb[j].bin_ns == sg.bin_ns && a->pb[j].t0_ns == end; j++) {
			n += a->pb[j].n;
			end += (uint64_t)a->pb[j].n * sg.bin_ns;
		}
		sg.w = malloc(n * sizeof(*sg.w));
		if (!sg.w)
			return -1;
		for (; i < j; i++) {
			memcpy(sg.w + k, a->pb[i].w, a->pb[i].n * sizeof(*sg.w));
			k += a->pb[i].n;
		}
		sg.n = n;
		if (push((void **)&a->seg, &a->nseg, &cap, sizeof(sg), &sg)) {
			free(sg.w);
			return -1;
		}
		/* Events that overlap this segment (a re-sent chunk) are skipped. */
		while (i < a->npb && a->pb[i].cpu == sg.cpu && a->pb[i].t0_ns < end) {
			a->probe_overlap++;
			i++;
		}
	}
	return 0;
}

/* The probe stopped running (RT throttling, preemption) for this long:
 * no stealing pattern the simulator makes lasts as long. */
#define PROBE_GAP_NS	20000000ULL

static bool has_gap(const struct probe_seg *sg, uint64_t from, uint64_t to)
{
	uint64_t run = 0;
	size_t a = from > sg->t0_ns ? (from - sg->t0_ns) / sg->bin_ns : 0;
	size_t b = to > sg->t0_ns ? (to - sg->t0_ns) / sg->bin_ns + 1 : 0;

	for (size_t i = a; i < b && i < sg->n; i++) {
		run = sg->w[i] ? 0 : run + sg->bin_ns;
		if (run >= PROBE_GAP_NS)
			return true;
	}
	return false;
}

/* Which segments find_seg() may return. */
enum { SEG_THIS, SEG_ANY_CPU, SEG_ANY_GPU };

static const struct probe_seg *find_seg(const struct analysis *a, uint32_t cpu,
					uint64_t t, int which)
{
	for (size_t i = 0; i < a->nseg; i++) {
		const struct probe_seg *sg = &a->seg[i];
		bool gpu = probe_src_is_gpu(sg->cpu);
		bool ok = which == SEG_THIS ? sg->cpu == cpu :
			  which == SEG_ANY_GPU ? gpu : !gpu;

		if (ok && t >= sg->t0_ns &&
		    t < sg->t0_ns + (uint64_t)sg->n * sg->bin_ns)
			return sg;
	}
	return NULL;
}

/* GPU and EMC search windows, against the CPU's. */
#define CP_SLOW_DOMAIN_SCALE	5

void analysis_windows(const struct analysis *a, size_t i, struct cp_params *p)
{
	const struct xition *x = &a->x[i];
	uint64_t lo, t = x->t_request_ns;

	*p = a->cp;
	/*
	 * GPU and memory clocks settle slower than CPUs (Orin Nano: ~5 and
	 * ~8 ms readback, up to 15 ms after a long driver call): the change is
	 * searched for until post_from, and the new level measured after it.
	 */
	if (x->dom == TRACE_DOMAIN_GPU || x->dom == TRACE_DOMAIN_EMC) {
		p->post_from_ns = a->cp.post_from_ns * CP_SLOW_DOMAIN_SCALE;
		p->post_to_ns = a->cp.post_to_ns + p->post_from_ns - a->cp.post_from_ns;
	}
	/*
	 * Keep the windows clear of the neighbours on this CPU: the old
	 * level starts once the previous transition had post_from to
	 * settle, the new one ends at the next request.
	 */
	for (size_t j = i; j-- > 0;)
		if (a->x[j].dev == x->dev && a->x[j].dom == x->dom &&
		    a->x[j].t_request_ns < t) {
			lo = a->x[j].t_request_ns + p->post_from_ns;
			if (lo >= t) {
				p->pre_ns = 0;
			} else if (t - lo < p->pre_ns) {
				p->pre_ns = t - lo;
			}
			break;
		}
	for (size_t j = i + 1; j < a->nx; j++)
		if (a->x[j].dev == x->dev && a->x[j].dom == x->dom &&
		    a->x[j].t_request_ns > t) {
			if (a->x[j].t_request_ns - t < p->post_to_ns)
				p->post_to_ns = a->x[j].t_request_ns - t;
			break;
		}
}

/*
 * Each bin against its own level where the change point says which one it
 * is, against the slower level inside the change point's bound (or
 * everywhere, without a change point): a sample slower than both levels is
 * a hiccup, one between them may be the transition itself.
 */
static struct ws_levels ws_levels_of(const struct cp_result *r, uint64_t t,
				     const struct cp_params *p)
{
	struct ws_levels lv = { .before = r->pre_rate, .after = r->post_rate,
				.t_lo = t, .t_hi = t + p->post_to_ns };

	if (r->status == CP_OK) {
		lv.t_lo = r->t_change_ns > r->bound_ns ? r->t_change_ns - r->bound_ns : 0;
		lv.t_hi = r->t_change_ns + r->bound_ns;
	}
	return lv;
}

/* Returns true when the hiccup stands out of its noise floor, its bins in run. */
static bool ws_measure(struct xition *x, const struct cp_series *ser, uint64_t t,
		       const struct cp_params *p, const struct cp_result *r,
		       size_t run[2])
{
	struct ws_levels lv = ws_levels_of(r, t, p);
	struct ws_levels l1 = { .before = r->pre_rate, .after = r->pre_rate };
	struct ws_levels l2 = { .before = r->post_rate, .after = r->post_rate };
	uint64_t n1, n2;

	x->has_wstall = true;
	x->wstall_ns = ws_lost_run(ser, t, t + p->post_to_ns, &lv, &run[0], &run[1]);
	/*
	 * Both steady windows: periodic stealing (the simulated board) or
	 * a noisy level after the change makes lost runs there too, and a
	 * "stall" no larger than those is no hiccup.
	 */
	n1 = ws_lost_ns(ser, t > p->pre_ns ? t - p->pre_ns : 0, t, &l1);
	n2 = ws_lost_ns(ser, t + p->post_from_ns, t + p->post_to_ns, &l2);
	x->wstall_noise_ns = n1 > n2 ? n1 : n2;
	return run[1] > run[0] && x->wstall_ns >= ser->bin_ns &&
	       x->wstall_ns > 2 * x->wstall_noise_ns;
}

/*
 * A hiccup is a step in cumulative work that the change point's hinge
 * model does not have: the fit shifts the change to absorb it, by about
 * lost work / level difference (tens of us for a 30 us stall between
 * close levels).  The hiccup is measured on its own (workload stall), so
 * the change point is fitted again with its bins set to their level, on a
 * copy of the window.  Set, not raised: under periodic stealing a level is
 * the average of empty and full bins, and raising only the empty ones
 * added the stolen work back without taking the full bins' excess, so the
 * run came out faster than its level and a long shallow loss moved the
 * change by milliseconds.  The workload stall stays measured on the
 * recorded bins, against the refit's levels.
 */
static void refit(struct xition *x, const struct cp_series *ser, uint64_t t,
		  const struct cp_params *p, struct cp_result *r, const size_t run[2])
{
	uint64_t lo = t > p->pre_ns ? t - p->pre_ns : 0, a, b;
	struct ws_levels lv = ws_levels_of(r, t, p);
	struct cp_series c;
	struct cp_result r2;
	size_t run2[2];
	uint32_t *w;

	a = lo > ser->t0_ns ? (lo - ser->t0_ns) / ser->bin_ns : 0;
	b = (t + p->post_to_ns - ser->t0_ns) / ser->bin_ns + 2;
	if (b > ser->n)
		b = ser->n;
	if (a >= b || run[0] < a || run[1] > b || !(w = malloc((b - a) * sizeof(*w))))
		return;
	memcpy(w, ser->work + a, (b - a) * sizeof(*w));
	for (size_t i = run[0]; i < run[1]; i++)
		w[i - a] = (uint32_t)(ws_level(ser, &lv, i) * ser->bin_ns + 0.5);
	c = (struct cp_series){ .work = w, .n = b - a, .t0_ns = ser->t0_ns + a * ser->bin_ns,
				.bin_ns = ser->bin_ns };
	if (!cp_detect(&c, t, p, &r2) && r2.status != CP_NO_DATA && r2.pre_rate > 0 &&
	    r2.post_rate > 0) {
		*r = r2;
		ws_measure(x, ser, t, p, r, run2);
	}
	free(w);
}

void analysis_probe_one(struct analysis *a, size_t i, const struct probe_seg *sg)
{
	struct xition *x = &a->x[i];
	struct cp_params p;
	struct cp_series ser;
	struct cp_result r;
	uint64_t t = x->t_request_ns;
	size_t run[2];

	analysis_windows(a, i, &p);
	if (p.post_to_ns <= p.post_from_ns || p.pre_ns < 2ULL * sg->bin_ns) {
		x->flags |= XF_WINDOW_SHORT;
		return;
	}
	if (has_gap(sg, t - (t > p.pre_ns ? p.pre_ns : t), t + p.post_to_ns)) {
		x->flags |= XF_PROBE_GAP;
		return;
	}
	ser = (struct cp_series){ .work = sg->w, .n = sg->n, .t0_ns = sg->t0_ns,
				  .bin_ns = sg->bin_ns };
	if (cp_detect(&ser, t, &p, &r)) {
		x->flags |= XF_PROBE_NO_DATA;
		return;
	}
	if (r.status != CP_NO_DATA && r.pre_rate > 0 && r.post_rate > 0 &&
	    ws_measure(x, &ser, t, &p, &r, run))
		refit(x, &ser, t, &p, &r, run);
	switch (r.status) {
	case CP_OK:
		/*
		 * A GPU probe's times went through the %globaltimer mapping:
		 * its bound adds to the detector's.  Without its probe_info
		 * (the campaign never stopped the probe) there is no stated
		 * bound, so no number.
		 */
		if (probe_src_is_gpu(sg->cpu)) {
			if (!analysis_gpu_time_bound(a, sg->cpu, &x->tp_time_bound_ns)) {
				x->flags |= XF_PROBE_NO_DATA;
				break;
			}
		}
		x->has_tp = true;
		x->t_throughput_ns = r.t_change_ns;
		x->tp_bound_ns = r.bound_ns + x->tp_time_bound_ns;
		x->tp_noise_ns = r.noise_ns;
		break;
	case CP_DEGENERATE:
		x->flags |= XF_DEGENERATE;
		break;
	case CP_NO_DATA:
		x->flags |= XF_PROBE_NO_DATA;
		break;
	case CP_NOT_FOUND:
		x->flags |= XF_TP_NOT_FOUND;
		break;
	}
}

bool analysis_gpu_time_bound(const struct analysis *a, uint32_t src, uint64_t *bound)
{
	/* One probe_info per probe run; the largest if several say so. */
	bool found = false;

	*bound = 0;
	for (size_t i = 0; i < a->npi; i++)
		if (trace_probe_is_gpu(a->pi[i].kind) && a->pi[i].src == src) {
			if (a->pi[i].time_bound_ns > *bound)
				*bound = a->pi[i].time_bound_ns;
			found = true;
		}
	return found;
}

uint32_t analysis_pb_src(const struct trace_event *ev)
{
	/* A GPU probe's bins: keyed apart from every CPU's. */
	if (trace_probe_is_gpu(ev->f[PB_KIND]))
		return PROBE_SRC_GPU | ((uint32_t)ev->f[PB_GPU] & ~PROBE_SRC_GPU);
	return (uint32_t)ev->f[PB_CPU];
}

static void throughput(struct analysis *a)
{
	uint32_t probe_cpu = 0;
	size_t ncpu = 0;
	bool one_cpu;

	/* CPU probes only: a GPU probe measures no CPU. */
	for (size_t i = 0; i < a->nseg; i++) {
		if (probe_src_is_gpu(a->seg[i].cpu))
			continue;
		if (ncpu && a->seg[i].cpu != probe_cpu)
			ncpu++;
		else if (!ncpu)
			ncpu = 1;
		probe_cpu = a->seg[i].cpu;
	}
	one_cpu = ncpu == 1;
	/* a->x is in request order here. */
	for (size_t i = 0; i < a->nx; i++) {
		struct xition *x = &a->x[i];
		const struct probe_seg *sg;
		uint64_t t = x->t_request_ns;

		if (!a->nseg || (x->dom == TRACE_DOMAIN_CPU && !ncpu)) {
			x->flags |= XF_NO_PROBE;
			continue;
		}
		/*
		 * A GPU or EMC transition is seen by the GPU probe, else by a
		 * probe on any CPU (a memory-bound one for EMC): that is no
		 * "other CPU".
		 */
		if (x->dom != TRACE_DOMAIN_CPU) {
			sg = find_seg(a, 0, t, SEG_ANY_GPU);
			if (!sg)
				sg = find_seg(a, 0, t, SEG_ANY_CPU);
		} else {
			sg = find_seg(a, x->dev, t, SEG_THIS);
			if (!sg && one_cpu && probe_cpu != x->dev) {
				sg = find_seg(a, x->dev, t, SEG_ANY_CPU);
				if (sg)
					x->flags |= XF_PROBE_OTHER_CPU;
			}
		}
		if (!sg) {
			x->flags |= XF_PROBE_NO_DATA;
			continue;
		}
		analysis_probe_one(a, i, sg);
	}
}

static void fill_dist(struct dist *d, uint64_t *v, size_t n)
{
	*d = (struct dist){ .n = n };
	if (!n)
		return;
	qsort(v, n, sizeof(*v), cmp_u64p);
	d->p50 = percentile(v, n, 500);
	d->p95 = percentile(v, n, 950);
	d->p99 = percentile(v, n, 990);
	if (n >= DIST_P999_MIN_N)
		d->p999 = percentile_bp(v, n, 9990);
	d->max = v[n - 1];
}

enum { M_STALL, M_REQ_EXIT, M_EFF, M_TP, M_TP_BOUND, M_EFF_BOUND, M_NOISE, M_WS,
       M_WS_NOISE, M_N };

static int build_groups(struct analysis *a)
{
	uint64_t *v[M_N] = { 0 };
	size_t i, start;
	int ret = -1;

	if (!a->nx)
		return 0;
	a->g = calloc(a->nx, sizeof(*a->g));
	if (!a->g)
		return -1;
	for (int m = 0; m < M_N; m++)
		if (!(v[m] = malloc(a->nx * sizeof(uint64_t))))
			goto out;
	sort(a->x, a->nx, sizeof(*a->x), cmp_x_group);
	for (start = 0; start < a->nx; start = i) {
		struct pair_stats *g = &a->g[a->ng++];
		size_t n[M_N] = { 0 };

		g->domain = a->x[start].domain;
		g->device = a->x[start].device;
		g->dom = a->x[start].dom;
		g->dev = a->x[start].dev;
		g->from_khz = a->x[start].from_khz;
		g->to_khz = a->x[start].to_khz;
		g->has_stall = a->x[start].has_stall;
		for (i = start; i < a->nx && same_group(&a->x[start], &a->x[i]); i++) {
			const struct xition *x = &a->x[i];

			for (unsigned int b = 0; b < XF_NFLAGS; b++)
				if (x->flags & (1U << b))
					g->flag_count[b]++;
			g->flags |= x->flags;
			if (x->flags & XF_WARMUP) {
				g->warmup++;
				continue;
			}
			g->n++;
			if (x->has_stall)
				v[M_STALL][n[M_STALL]++] = x->stall_ns;
			if (x->has_req_exit)
				v[M_REQ_EXIT][n[M_REQ_EXIT]++] = x->req_exit_ns;
			if (x->has_effective) {
				v[M_EFF][n[M_EFF]++] = x->t_effective_ns - x->t_request_ns;
				/* 0: no bound known (an imported readback) */
				if (x->eff_bound_ns)
					v[M_EFF_BOUND][n[M_EFF_BOUND]++] = x->eff_bound_ns;
			}
			if (x->has_tp) {
				/* Detected before the request: clamp, the bound says how far. */
				v[M_TP][n[M_TP]++] = x->t_throughput_ns > x->t_request_ns ?
						     x->t_throughput_ns - x->t_request_ns : 0;
				v[M_TP_BOUND][n[M_TP_BOUND]++] = x->tp_bound_ns;
				v[M_NOISE][n[M_NOISE]++] = x->tp_noise_ns;
			}
			if (x->has_wstall) {
				v[M_WS][n[M_WS]++] = x->wstall_ns;
				v[M_WS_NOISE][n[M_WS_NOISE]++] = x->wstall_noise_ns;
			}
		}
		fill_dist(&g->stall, v[M_STALL], n[M_STALL]);
		fill_dist(&g->req_exit, v[M_REQ_EXIT], n[M_REQ_EXIT]);
		fill_dist(&g->effective, v[M_EFF], n[M_EFF]);
		fill_dist(&g->throughput, v[M_TP], n[M_TP]);
		fill_dist(&g->tp_bound, v[M_TP_BOUND], n[M_TP_BOUND]);
		fill_dist(&g->eff_bound, v[M_EFF_BOUND], n[M_EFF_BOUND]);
		fill_dist(&g->noise, v[M_NOISE], n[M_NOISE]);
		fill_dist(&g->wstall, v[M_WS], n[M_WS]);
		fill_dist(&g->wstall_noise, v[M_WS_NOISE], n[M_WS_NOISE]);
		/* has_stall: the trace can time stalls; stall.n: this pair has some. */
		g->p50_ns = g->stall.p50;
		g->p95_ns = g->stall.p95;
		g->p99_ns = g->stall.p99;
		g->max_ns = g->stall.max;
	}
	sort(a->x, a->nx, sizeof(*a->x), cmp_x_time);
	ret = 0;
out:
	for (int m = 0; m < M_N; m++)
		free(v[m]);
	return ret;
}

/* Every transition's device name; the array no longer grows after this. */
static int name_devices(struct analysis *a)
{
	for (size_t i = 0; i < a->nx; i++)
		if (!analysis_device(a, a->x[i].dom, a->x[i].dev))
			return -1;
	for (size_t i = 0; i < a->nx; i++)
		a->x[i].device = analysis_device_find(a, a->x[i].dom, a->x[i].dev)->name;
	return 0;
}

static int cmp_x_id(const void *pa, const void *pb)
{
	const struct xition *const *a = pa, *const *b = pb;

	return cmp_u64((*a)->id, (*b)->id);
}

/*
 * Per (parent domain, child domain): how many transitions were requested
 * inside another's driver call, whether that parent is in the trace, and
 * the delay from the parent's request to the child's.
 */
static int link_stats(struct analysis *a)
{
	const struct xition **byid = NULL;
	uint64_t *v[TRACE_DOMAINS][TRACE_DOMAINS] = { { 0 } };
	size_t n = 0;
	int ret = -1;

	for (size_t i = 0; i < a->nx; i++)
		n += a->x[i].parent_id != 0;
	if (!n)
		return 0;
	byid = malloc(a->nx * sizeof(*byid));
	if (!byid)
		return -1;
	for (size_t i = 0; i < a->nx; i++)
		byid[i] = &a->x[i];
	sort(byid, a->nx, sizeof(*byid), cmp_x_id);
	for (int p = 0; p < TRACE_DOMAINS; p++)
		for (int c = 0; c < TRACE_DOMAINS; c++)
			if (!(v[p][c] = malloc(n * sizeof(uint64_t))))
				goto out;
	for (size_t i = 0; i < a->nx; i++) {
		const struct xition *x = &a->x[i], *par = NULL;
		size_t lo = 0, hi = a->nx;
		struct link_stats *l;

		if (!x->parent_id)
			continue;
		while (lo < hi) {
			size_t m = lo + (hi - lo) / 2;

			if (byid[m]->id < x->parent_id)
				lo = m + 1;
			else
				hi = m;
		}
		if (lo < a->nx && byid[lo]->id == x->parent_id && byid[lo]->has_stall)
			par = byid[lo];
		if (x->dom >= TRACE_DOMAINS || (par && par->dom >= TRACE_DOMAINS)) {
			a->links_other++;
			continue;
		}
		if (!par) {
			a->link_orphans[x->dom]++;
			continue;
		}
		l = &a->links[par->dom][x->dom];
		/* A child requested before its parent: clamped, like throughput. */
		v[par->dom][x->dom][l->n++] = x->t_request_ns > par->t_request_ns ?
					      x->t_request_ns - par->t_request_ns : 0;
	}
	for (int p = 0; p < TRACE_DOMAINS; p++)
		for (int c = 0; c < TRACE_DOMAINS; c++)
			fill_dist(&a->links[p][c].delay, v[p][c], a->links[p][c].n);
	ret = 0;
out:
	for (int p = 0; p < TRACE_DOMAINS; p++)
		for (int c = 0; c < TRACE_DOMAINS; c++)
			free(v[p][c]);
	free(byid);
	return ret;
}

/* --domain, --device: the other transitions are not analysed at all. */
static void filter(struct analysis *a)
{
	size_t k = 0;

	if (a->only_dom < 0 && !a->only_device)
		return;
	for (size_t i = 0; i < a->nx; i++) {
		const struct xition *x = &a->x[i];

		if (a->only_dom >= 0 && x->dom != (uint32_t)a->only_dom)
			continue;
		if (a->only_device && strcmp(x->device, a->only_device))
			continue;
		a->x[k++] = *x;
	}
	a->nx = k;
}

int analysis_prepare(struct analysis *a)
{
	size_t cap = 0;

	if (pair_cpufreq(a, &cap) || fallback_xitions(a, &cap) || name_devices(a))
		return -1;
	sort(a->x, a->nx, sizeof(*a->x), cmp_x_time);
	join_events(a);
	/* Links first: a filtered report still counts every link. */
	if (link_stats(a))
		return -1;
	filter(a);
	/* Requests moved earlier: back into request order for the windows. */
	sort(a->x, a->nx, sizeof(*a->x), cmp_x_time);
	return 0;
}

int analysis_groups(struct analysis *a)
{
	return build_groups(a);
}

int analysis_finish(struct analysis *a)
{
	if (analysis_prepare(a) || build_segments(a))
		return -1;
	throughput(a);
	for (size_t i = 0; i < a->nseg; i++)
		if (levels_scan(&a->levels, a->seg[i].cpu, a->seg[i].t0_ns, a->seg[i].bin_ns,
				 a->seg[i].w, a->seg[i].n))
			return -1;
	return build_groups(a);
}
