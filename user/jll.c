// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The harness's definitions, as its README states them (kept with the data
 * in shared/data/orin-nano-transitions/README.md): levels are medians of the
 * sample durations before and after the write, the stall the largest excess
 * over the nearer level in the 100 ms after it, the settle the end of the
 * first 3 consecutive samples within 15 % of the post level.  Samples are
 * streamed: only the windows of transitions still to be analysed are kept.
 */
#include <math.h>		/* INFINITY, NAN, isnan: no libm */
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>
#include "insight.h"
#include "jll.h"
#include "trace.h"
#include "util.h"

struct smp {
	uint64_t end;
	uint32_t dur;
};

struct jbuf {
	uint32_t cpu;
	struct smp *s;
	size_t n, cap, head;	/* head: first sample still needed */
	size_t *q;		/* this CPU's measured transitions, request order */
	size_t nq, qi;
};

struct jctx {
	const struct analysis *a;
	struct jbuf *b;
	size_t nb;
	double *stall, *noise, *settle;	/* per transition, NAN: none */
	bool *kept;
	double *tmp;
	size_t tmpcap;
	uint64_t samples;
	bool oom;
};

static double dabs(double v)
{
	return v < 0 ? -v : v;
}

static double dmax(double a, double b)
{
	return a > b ? a : b;
}

static int cmp_d(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	return a < b ? -1 : a > b;
}

double jll_median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double jll_p95(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_d);
	/* Python's int(0.95 * (n - 1)): the same double product, truncated */
	return v[(size_t)(0.95 * (double)(n - 1))];
}

/* Durations of the samples ending in [lo, hi) into c->tmp; their count. */
static size_t window(struct jctx *c, const struct jbuf *b, uint64_t lo, uint64_t hi)
{
	size_t k = 0;

	for (size_t i = b->head; i < b->n && b->s[i].end < hi; i++) {
		if (b->s[i].end < lo)
			continue;
		if (grow_array((void **)&c->tmp, &c->tmpcap, k + 1, sizeof(*c->tmp))) {
			c->oom = true;
			return 0;
		}
		c->tmp[k++] = b->s[i].dur;
	}
	return k;
}

static void one(struct jctx *c, const struct jbuf *b, size_t xi)
{
	uint64_t t = c->a->x[xi].t_request_ns;
	uint64_t lo = t > JLL_PRE_NS ? t - JLL_PRE_NS : 0;
	double pre, post, best = -INFINITY, noise = -INFINITY;
	size_t n, run = 0;

	if (!(n = window(c, b, lo, t)))
		return;
	pre = jll_median(c->tmp, n);
	if (!(n = window(c, b, t + JLL_TRANS_NS, t + JLL_POST_NS)))
		return;
	for (size_t i = 0; i < n; i++)
		noise = dmax(noise, c->tmp[i]);
	post = jll_median(c->tmp, n);
	noise -= post;
	if (!window(c, b, t, t + JLL_TRANS_NS))
		return;
	for (size_t i = b->head; i < b->n && b->s[i].end < t + JLL_TRANS_NS; i++) {
		double d = b->s[i].dur;

		if (b->s[i].end < t)
			continue;
		best = dmax(best, d - (dabs(d - pre) <= dabs(d - post) ? pre : post));
	}
	c->kept[xi] = true;
	c->stall[xi] = best;
	c->noise[xi] = noise;
	c->settle[xi] = NAN;
	if (dabs(pre - post) < 0.2 * dmax(pre, post))
		return;			/* degenerate: no settle */
	for (size_t i = b->head; i < b->n && b->s[i].end < t + JLL_POST_NS; i++) {
		if (b->s[i].end < t)
			continue;
		run = dabs(b->s[i].dur - post) <= 0.15 * post ? run + 1 : 0;
		if (run == 3) {
			c->settle[xi] = (double)(b->s[i].end - t);
			break;
		}
	}
}

/* Analyse the transitions whose windows the samples now cover (all at the
 * end), then drop samples before the next one's pre window. */
static void drain(struct jctx *c, struct jbuf *b, bool flush)
{
	while (b->qi < b->nq) {
		uint64_t t = c->a->x[b->q[b->qi]].t_request_ns;

		if (!flush && (!b->n || b->s[b->n - 1].end < t + JLL_POST_NS))
			break;
		one(c, b, b->q[b->qi++]);
	}
	if (b->qi < b->nq) {
		uint64_t t = c->a->x[b->q[b->qi]].t_request_ns;
		uint64_t lo = t > JLL_PRE_NS ? t - JLL_PRE_NS : 0;

		while (b->head < b->n && b->s[b->head].end < lo)
			b->head++;
	} else {
		b->head = b->n;
	}
	if (b->head > 65536 && b->head > b->n / 2) {
		memmove(b->s, b->s + b->head, (b->n - b->head) * sizeof(*b->s));
		b->n -= b->head;
		b->head = 0;
	}
}

static struct jbuf *buf_for(struct jctx *c, uint32_t cpu)
{
	const struct analysis *a = c->a;
	struct jbuf *b;
	void *p;

	for (size_t i = 0; i < c->nb; i++)
		if (c->b[i].cpu == cpu)
			return &c->b[i];
	p = realloc(c->b, (c->nb + 1) * sizeof(*c->b));
	if (!p)
		return NULL;
	c->b = p;
	b = &c->b[c->nb++];
	memset(b, 0, sizeof(*b));
	b->cpu = cpu;
	b->q = malloc((a->nx + 1) * sizeof(*b->q));
	if (!b->q)
		return NULL;
	for (size_t i = 0; i < a->nx; i++)
		if (a->x[i].dom == TRACE_DOMAIN_CPU && a->x[i].dev == cpu && a->x[i].has_stall && !(a->x[i].flags & XF_WARMUP))
			b->q[b->nq++] = i;
	return b;
}

static int on_event(const struct trace_event *ev, void *ctx)
{
	struct jctx *c = ctx;
	struct jbuf *b;
	uint64_t n = ev->f[PS_N];

	if (ev->desc->id != TEV_PROBE_SAMPLES || !n || n > TRACE_PROBE_SAMPLES_PER_EVENT)
		return 0;
	b = buf_for(c, (uint32_t)ev->f[PS_CPU]);
	if (!b)
		return -1;
	for (uint64_t i = 0; i < n; i++) {
		struct smp s = { .end = ev->f[PS_END0 + i], .dur = (uint32_t)ev->f[PS_DUR0 + i] };

		/* the windows need samples in time order, as import writes them */
		if (b->n && s.end < b->s[b->n - 1].end)
			continue;
		if (grow_array((void **)&b->s, &b->cap, b->n + 1, sizeof(*b->s)))
			return -1;
		b->s[b->n++] = s;
		c->samples++;
	}
	drain(c, b, false);
	return c->oom ? -1 : 0;
}

int jll_analyse(const char *dir, const struct analysis *a, struct jll_result *r,
		char *err, size_t errlen)
{
	struct jctx c = { .a = a };
	struct trace_info ti;
	struct trace_stream_result res;
	size_t nx = a->nx + 1;
	int ret = -1;

	memset(r, 0, sizeof(*r));
	c.stall = malloc(nx * sizeof(double));
	c.noise = malloc(nx * sizeof(double));
	c.settle = malloc(nx * sizeof(double));
	c.kept = calloc(nx, sizeof(bool));
	r->p = calloc(a->ng + 1, sizeof(*r->p));
	if (!c.stall || !c.noise || !c.settle || !c.kept || !r->p)
		goto oom;
	if (trace_read_dir(dir, &ti, on_event, &c, &res, err, errlen))
		goto out;
	for (size_t i = 0; i < c.nb; i++)
		drain(&c, &c.b[i], true);
	if (c.oom)
		goto oom;
	r->samples = c.samples;
	for (size_t g = 0; g < a->ng; g++) {
		struct jll_pair *p = &r->p[r->np++];
		double *v[3];
		size_t k = 0, ks = 0;

		p->domain = a->g[g].domain;
		p->from_khz = a->g[g].from_khz;
		p->to_khz = a->g[g].to_khz;
		v[0] = malloc(nx * sizeof(double));
		v[1] = malloc(nx * sizeof(double));
		v[2] = malloc(nx * sizeof(double));
		if (!v[0] || !v[1] || !v[2]) {
			free(v[0]);
			free(v[1]);
			free(v[2]);
			goto oom;
		}
		for (size_t i = 0; i < a->nx; i++) {
			const struct xition *x = &a->x[i];

			if (x->from_khz != p->from_khz || x->to_khz != p->to_khz ||
			    strcmp(x->domain, p->domain) || !x->has_stall || (x->flags & XF_WARMUP))
				continue;
			if (!c.kept[i]) {
				p->dropped++;
				continue;
			}
			v[0][k] = c.stall[i];
			v[1][k++] = c.noise[i];
			if (!isnan(c.settle[i]))
				v[2][ks++] = c.settle[i];
		}
		p->n = k;
		p->n_settle = ks;
		p->no_settle = k - ks;
		if (k) {
			p->stall_p95 = jll_p95(v[0], k);
			p->stall_p50 = jll_median(v[0], k);
			p->noise_p95 = jll_p95(v[1], k);
		}
		if (ks) {
			p->settle_p95 = jll_p95(v[2], ks);
			p->settle_p50 = jll_median(v[2], ks);
		}
		free(v[0]);
		free(v[1]);
		free(v[2]);
	}
	ret = 0;
	goto out;
oom:
	set_err(err, errlen, "jll analysis of '%s': out of memory", dir);
	jll_free(r);
out:
	for (size_t i = 0; i < c.nb; i++) {
		free(c.b[i].s);
		free(c.b[i].q);
	}
	free(c.b);
	free(c.stall);
	free(c.noise);
	free(c.settle);
	free(c.kept);
	free(c.tmp);
	return ret;
}

void jll_free(struct jll_result *r)
{
	free(r->p);
	memset(r, 0, sizeof(*r));
}

static const struct pair_stats *pair_of(const struct analysis *a, const struct jll_pair *p)
{
	for (size_t i = 0; i < a->ng; i++)
		if (a->g[i].from_khz == p->from_khz && a->g[i].to_khz == p->to_khz &&
		    a->g[i].has_stall && !strcmp(a->g[i].domain, p->domain))
			return &a->g[i];
	return NULL;
}

void jll_text(FILE *out, const struct analysis *a, const struct jll_result *r)
{
	fprintf(out, "method jll: the jetson-latency-lab harness's definitions on %" PRIu64
		" probe samples,\nsettle's own figures beside them (lower-rank percentiles)\n\n",
		r->samples);
	fprintf(out, "%-22s %-4s %5s | %-17s %9s %-17s %6s | %-17s %-17s\n", "pair (kHz)", "dir",
		"n", "stall p50/p95 us", "noise p95", "settle p50/p95 ms", "no", "wstall p50/p95 us",
		"tp settle p50/p95");
	fprintf(out, "%-22s %-4s %5s | %-17s %9s %-17s %6s | %-17s %-17s\n", "", "", "", "", "",
		"", "settle", "(settle)", "ms (settle)");
	for (size_t i = 0; i < r->np; i++) {
		const struct jll_pair *p = &r->p[i];
		const struct pair_stats *g = pair_of(a, p);
		char pair[40], s1[24] = "-", s2[24] = "-", s3[24] = "-", s4[24] = "-", s5[16] = "-";

		if (!g)
			continue;
		snprintf(pair, sizeof(pair), "%s %u->%u", p->domain, p->from_khz, p->to_khz);
		if (p->n) {
			snprintf(s1, sizeof(s1), "%.1f / %.1f", p->stall_p50 / 1e3, p->stall_p95 / 1e3);
			snprintf(s5, sizeof(s5), "%.1f", p->noise_p95 / 1e3);
		}
		if (p->n_settle)
			snprintf(s2, sizeof(s2), "%.2f / %.2f", p->settle_p50 / 1e6, p->settle_p95 / 1e6);
		if (g->wstall.n)
			snprintf(s3, sizeof(s3), "%.1f / %.1f", g->wstall.p50 / 1e3, g->wstall.p95 / 1e3);
		if (g->throughput.n)
			snprintf(s4, sizeof(s4), "%.2f / %.2f", g->throughput.p50 / 1e6,
				 g->throughput.p95 / 1e6);
		fprintf(out, "%-22s %-4s %5zu | %-17s %9s %-17s %6zu | %-17s %-17s\n", pair,
			direction(p->from_khz, p->to_khz), p->n, s1, s5, s2, p->no_settle, s3, s4);
		if (p->dropped)
			fprintf(out, "  (%zu transitions dropped: a window had no sample)\n", p->dropped);
	}
	fputs("\njll: levels = medians of [t-120ms, t) and [t+100ms, t+200ms); stall = max"
	      " excess over\nthe nearer level in [t, t+100ms); settle = end of the first 3"
	      " samples in a row within\n15 % of the post level; p50 = median, p95 ="
	      " sorted[int(0.95*(n-1))].  settle: workload\nstall and throughput change point"
	      " (Documentation/analysis.rst).\n", out);
}

static void jfield(json_writer_t *w, const char *name, bool has, double v, double scale)
{
	jsonw_name(w, name);
	if (has)
		jsonw_fixed(w, (uint64_t)(v < 0 ? 0 : v / scale + 0.5), 3);
	else
		jsonw_null(w);
}

void jll_json(json_writer_t *w, const struct analysis *a, const struct jll_result *r)
{
	jsonw_start_object(w);
	jsonw_string_field(w, "method", "jll");
	jsonw_uint_field(w, "probe_samples", r->samples);
	jsonw_name(w, "pairs");
	jsonw_start_array(w);
	for (size_t i = 0; i < r->np; i++) {
		const struct jll_pair *p = &r->p[i];
		const struct pair_stats *g = pair_of(a, p);

		if (!g)
			continue;
		jsonw_start_object(w);
		json_pair_key(w, p->domain, p->from_khz, p->to_khz);
		jsonw_uint_field(w, "n", p->n);
		jsonw_uint_field(w, "dropped", p->dropped);
		jsonw_uint_field(w, "settle_n", p->n_settle);
		/* us with ns resolution; a negative stall (every sample below
		 * its level) prints as 0 */
		jfield(w, "stall_p50_us", p->n, p->stall_p50, 1);
		jfield(w, "stall_p95_us", p->n, p->stall_p95, 1);
		jfield(w, "noise_p95_us", p->n, p->noise_p95, 1);
		jfield(w, "settle_p50_us", p->n_settle, p->settle_p50, 1);
		jfield(w, "settle_p95_us", p->n_settle, p->settle_p95, 1);
		jfield(w, "settle_workload_stall_p50_us", g->wstall.n, (double)g->wstall.p50, 1);
		jfield(w, "settle_throughput_settle_p50_us", g->throughput.n,
		       (double)g->throughput.p50, 1);
		jfield(w, "settle_throughput_settle_p95_us", g->throughput.n,
		       (double)g->throughput.p95, 1);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
	jsonw_end_object(w);
}
