// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdlib.h>
#include "analyze.h"
#include "util.h"

static int push(void **arr, size_t *n, size_t *cap, size_t sz, const void *item)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 256;
		void *p = realloc(*arr, ncap * sz);

		if (!p)
			return -1;
		*arr = p;
		*cap = ncap;
	}
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
}

void analysis_free(struct analysis *a)
{
	free(a->pre);
	free(a->post);
	free(a->fq);
	free(a->x);
	free(a->g);
	analysis_init(a);
}

int analysis_add(const struct trace_event *ev, void *ctx)
{
	struct analysis *a = ctx;
	struct cf_ev c;
	struct fq_ev f;

	switch (ev->desc->id) {
	case TEV_CPUFREQ_PRE:
	case TEV_CPUFREQ_POST:
		c.id = ev->f[CF_ID];
		c.ts_ns = ev->f[CF_TS_NS];
		c.cpu = (uint32_t)ev->f[CF_CPU];
		c.old_khz = (uint32_t)ev->f[CF_OLD_KHZ];
		c.new_khz = (uint32_t)ev->f[CF_NEW_KHZ];
		if (ev->desc->id == TEV_CPUFREQ_PRE)
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
	       cmp_u64(a->cpu, b->cpu);
}

/* Group key first, stall last so each group's stalls come out sorted. */
static int cmp_x_group(const void *pa, const void *pb)
{
	const struct xition *a = pa, *b = pb;

	return strcmp(a->domain, b->domain) ?: cmp_u64(a->from_khz, b->from_khz) ?:
	       cmp_u64(a->to_khz, b->to_khz) ?: cmp_u64(b->has_stall, a->has_stall) ?:
	       cmp_u64(a->stall_ns, b->stall_ns);
}

static bool same_group(const struct xition *a, const struct xition *b)
{
	return !strcmp(a->domain, b->domain) && a->from_khz == b->from_khz &&
	       a->to_khz == b->to_khz && a->has_stall == b->has_stall;
}

uint64_t percentile(const uint64_t *sorted, size_t n, unsigned int permille)
{
	/* Integer index math: q * (n - 1) in floating point can land just
	 * below an integer and pick the wrong element. */
	return sorted[(size_t)(((uint64_t)permille * (n - 1)) / 1000)];
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
		    post->new_khz != pre->new_khz || post->cpu != pre->cpu) {
			a->inconsistent++;
			continue;
		}
		x = (struct xition){
			.domain = "cpu", .id = pre->id, .t_request_ns = pre->ts_ns,
			.stall_ns = post->ts_ns - pre->ts_ns, .cpu = pre->cpu,
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
			.domain = "cpu", .t_request_ns = f->ts_ns, .cpu = f->cpu,
			.from_khz = a->fq[i - 1].khz, .to_khz = f->khz,
		};
		if (add_x(a, cap, &x))
			return -1;
	}
	return 0;
}

static int build_groups(struct analysis *a)
{
	uint64_t *stalls;
	size_t i, start;

	if (!a->nx)
		return 0;
	stalls = malloc(a->nx * sizeof(*stalls));
	a->g = calloc(a->nx, sizeof(*a->g));
	if (!stalls || !a->g) {
		free(stalls);
		return -1;
	}
	sort(a->x, a->nx, sizeof(*a->x), cmp_x_group);
	for (start = 0; start < a->nx; start = i) {
		struct pair_stats *g = &a->g[a->ng++];
		size_t n;

		for (i = start; i < a->nx && same_group(&a->x[start], &a->x[i]); i++)
			stalls[i - start] = a->x[i].stall_ns;
		n = i - start;
		g->domain = a->x[start].domain;
		g->from_khz = a->x[start].from_khz;
		g->to_khz = a->x[start].to_khz;
		g->has_stall = a->x[start].has_stall;
		g->n = n;
		if (g->has_stall) {
			g->p50_ns = percentile(stalls, n, 500);
			g->p95_ns = percentile(stalls, n, 950);
			g->p99_ns = percentile(stalls, n, 990);
			g->max_ns = stalls[n - 1];
		}
	}
	free(stalls);
	sort(a->x, a->nx, sizeof(*a->x), cmp_x_time);
	return 0;
}

int analysis_finish(struct analysis *a)
{
	size_t cap = 0;

	if (pair_cpufreq(a, &cap) || fallback_xitions(a, &cap) || build_groups(a))
		return -1;
	return 0;
}
