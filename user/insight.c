// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "insight.h"
#include "util.h"

static const char *const metric_names[IM_N] = {
	"effective_settle", "throughput_settle", "driver_call", "workload_stall",
};

const char *insight_metric_name(unsigned int m)
{
	return m < IM_N ? metric_names[m] : "unknown";
}

const char *insight_ux_kind(enum ux_kind k)
{
	switch (k) {
	case UX_PROBE_LEVEL:
		return "probe_level";
	case UX_UNREQUESTED:
		return "unrequested_transition";
	case UX_LIMITS:
		return "limits";
	}
	return "unknown";
}

/* The metric's value for x, false if x has none. */
static bool metric(const struct xition *x, unsigned int m, uint64_t *v)
{
	uint64_t t = x->t_request_ns;

	switch (m) {
	case IM_EFFECTIVE:
		*v = x->t_effective_ns - t;
		return x->has_effective;
	case IM_THROUGHPUT:
		*v = x->t_throughput_ns > t ? x->t_throughput_ns - t : 0;
		return x->has_tp;
	case IM_DRIVER:
		*v = x->stall_ns;
		return x->has_stall;
	default:
		*v = x->wstall_ns;
		return x->has_wstall;
	}
}

static const struct dist *pair_dist(const struct pair_stats *g, unsigned int m)
{
	switch (m) {
	case IM_EFFECTIVE:
		return &g->effective;
	case IM_THROUGHPUT:
		return &g->throughput;
	case IM_DRIVER:
		return &g->stall;
	default:
		return &g->wstall;
	}
}

static const struct pair_stats *find_pair(const struct analysis *a, const struct xition *x)
{
	for (size_t i = 0; i < a->ng; i++) {
		const struct pair_stats *g = &a->g[i];

		if (g->from_khz == x->from_khz && g->to_khz == x->to_khz &&
		    g->has_stall == x->has_stall && !strcmp(g->domain, x->domain))
			return g;
	}
	return NULL;
}

/*
 * For every measured transition: is it slow (above its pair's p95), and is
 * the next measured one on the same device slow too?  a->x is in request
 * order, so "next on the device" is the next one with the same domain and
 * CPU.
 */
static int clusters(const struct analysis *a, struct insight *in)
{
	const char *dom[8];
	size_t nd = 0;

	for (size_t i = 0; i < a->ng; i++)
		if ((!nd || strcmp(dom[nd - 1], a->g[i].domain)) && nd < ARRAY_SIZE(dom))
			dom[nd++] = a->g[i].domain;
	in->cl = calloc(nd * IM_N + 1, sizeof(*in->cl));
	if (!in->cl)
		return -1;
	for (size_t d = 0; d < nd; d++)
		for (unsigned int m = 0; m < IM_N; m++) {
			struct insight_cluster *c = &in->cl[in->ncl++];

			c->domain = dom[d];
			c->metric = m;
			for (size_t i = 0; i < a->nx; i++) {
				const struct xition *x = &a->x[i], *y = NULL;
				const struct pair_stats *g;
				uint64_t v, w;

				if (strcmp(x->domain, dom[d]) || (x->flags & XF_WARMUP) ||
				    !metric(x, m, &v) || !(g = find_pair(a, x)))
					continue;
				c->n++;
				if (v <= pair_dist(g, m)->p95)
					continue;
				c->slow++;
				for (size_t j = i + 1; j < a->nx && !y; j++)
					if (a->x[j].dev == x->dev && a->x[j].dom == x->dom &&
					    !(a->x[j].flags & XF_WARMUP))
						y = &a->x[j];
				if (!y || !metric(y, m, &w) || !(g = find_pair(a, y)))
					continue;
				c->with_next++;
				if (w > pair_dist(g, m)->p95)
					c->slow_next++;
			}
		}
	return 0;
}

static int add_ux(struct insight *in, const struct insight_ux *u)
{
	if (grow_array((void **)&in->ux, &in->cap_ux, in->nux + 1, sizeof(*in->ux)))
		return -1;
	in->ux[in->nux++] = *u;
	return 0;
}

/*
 * A request on this CPU that can have caused the change around the window
 * starting at w: the change is in that window or early in the next one
 * (which passes as steady with up to 10 % of it at the old level), and a
 * settle takes milliseconds, so a request from a window before w to the
 * end of the next window.  Earlier requests had settled: the two windows
 * before were steady.
 */
static bool requested_near(const struct analysis *a, uint32_t cpu, uint64_t w)
{
	uint64_t lo = w > LEVEL_WINDOW_NS ? w - LEVEL_WINDOW_NS : 0;

	/* The GPU probe: any GPU or EMC request (PROBE_SRC_GPU). */
	for (size_t i = 0; i < a->nx; i++)
		if ((probe_src_is_gpu(cpu) ? a->x[i].dom != TRACE_DOMAIN_CPU :
		     a->x[i].dom == TRACE_DOMAIN_CPU && a->x[i].dev == cpu) &&
		    a->x[i].t_request_ns >= lo &&
		    a->x[i].t_request_ns < w + 2 * LEVEL_WINDOW_NS)
			return true;
	return false;
}

/* The probe's level changes (user/levels.c) that no request explains. */
static int probe_levels(const struct analysis *a, struct insight *in)
{
	for (size_t i = 0; i < a->levels.n; i++) {
		const struct level_change *c = &a->levels.lc[i];
		struct insight_ux u = { .t_ns = c->t_window_ns + LEVEL_WINDOW_NS / 2,
					.domain = probe_src_is_gpu(c->cpu) ? "gpu" : "cpu",
					.cpu = c->cpu & ~PROBE_SRC_GPU,
					.kind = UX_PROBE_LEVEL, .ratio = c->ratio };

		if (!requested_near(a, c->cpu, c->t_window_ns) && add_ux(in, &u))
			return -1;
	}
	return 0;
}

static bool has_step(const struct analysis *a, uint64_t id)
{
	for (size_t i = 0; i < a->nst; i++)
		if (a->st[i].id == id)
			return true;
	return false;
}

static int cmp_ux(const void *pa, const void *pb)
{
	const struct insight_ux *x = pa, *y = pb;

	return x->t_ns < y->t_ns ? -1 : x->t_ns > y->t_ns;
}

int insight_compute(const struct analysis *a, struct insight *in)
{
	memset(in, 0, sizeof(*in));
	if (clusters(a, in) || probe_levels(a, in))
		goto oom;
	/* In a campaign every transition should be a step; others came from
	 * a governor, the thermal framework or a limits change. */
	if (a->nst)
		for (size_t i = 0; i < a->nx; i++) {
			const struct xition *x = &a->x[i];
			struct insight_ux u = { .t_ns = x->t_request_ns, .domain = x->domain,
						.cpu = x->dev, .kind = UX_UNREQUESTED,
						.a_khz = x->from_khz, .b_khz = x->to_khz };

			if (x->has_stall && !has_step(a, x->id) && add_ux(in, &u))
				goto oom;
		}
	for (size_t i = 0; i < a->nlm; i++) {
		struct insight_ux u = { .t_ns = a->lm[i].ts_ns,
					.domain = analysis_domain_name(a->lm[i].dom),
					.cpu = a->lm[i].dev, .kind = UX_LIMITS,
					.a_khz = a->lm[i].min_khz, .b_khz = a->lm[i].max_khz };

		if (add_ux(in, &u))
			goto oom;
	}
	if (in->nux)
		qsort(in->ux, in->nux, sizeof(*in->ux), cmp_ux);
	return 0;
oom:
	insight_free(in);
	return -1;
}

void insight_free(struct insight *in)
{
	free(in->cl);
	free(in->ux);
	memset(in, 0, sizeof(*in));
}

size_t insight_rates(const struct analysis *a, const char *dom, uint32_t *r,
			   size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < a->ng; i++) {
		uint32_t k[2] = { a->g[i].from_khz, a->g[i].to_khz };

		if (strcmp(a->g[i].domain, dom))
			continue;
		for (int j = 0; j < 2; j++) {
			size_t at = 0;

			while (at < n && r[at] < k[j])
				at++;
			if ((at < n && r[at] == k[j]) || n == max)
				continue;
			memmove(r + at + 1, r + at, (n - at) * sizeof(*r));
			r[at] = k[j];
			n++;
		}
	}
	return n;
}

static const struct pair_stats *cell(const struct analysis *a, const char *dom,
				     uint32_t from, uint32_t to)
{
	for (size_t i = 0; i < a->ng; i++)
		if (a->g[i].from_khz == from && a->g[i].to_khz == to && a->g[i].n &&
		    !strcmp(a->g[i].domain, dom))
			return &a->g[i];
	return NULL;
}

#define MAX_RATES 64

static void matrix_text(FILE *out, const struct analysis *a, const char *dom)
{
	uint32_t r[MAX_RATES];
	size_t n = insight_rates(a, dom, r, MAX_RATES);

	fprintf(out, "from-to matrix, %s: throughput settle p50 us (n); e = effective settle,"
		" no throughput change point\n  %-10s", dom, "from\\to MHz");
	for (size_t j = 0; j < n; j++)
		fprintf(out, " %14.1f", r[j] / 1000.0);
	fputc('\n', out);
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "  %-10.1f", r[i] / 1000.0);
		for (size_t j = 0; j < n; j++) {
			const struct pair_stats *g = cell(a, dom, r[i], r[j]);
			char b[32];

			if (!g)
				snprintf(b, sizeof(b), "-");
			else if (g->throughput.n)
				snprintf(b, sizeof(b), "%.1f (%" PRIu64 ")",
					 g->throughput.p50 / 1000.0, g->n);
			else if (g->effective.n)
				snprintf(b, sizeof(b), "e%.1f (%" PRIu64 ")",
					 g->effective.p50 / 1000.0, g->n);
			else
				snprintf(b, sizeof(b), "? (%" PRIu64 ")", g->n);
			fprintf(out, " %14s", b);
		}
		fputc('\n', out);
	}
	fputc('\n', out);
}

/* Below this many slow transitions with a successor, say so, not a ratio. */
#define CLUSTER_MIN_SLOW 5

void insight_text(FILE *out, const struct analysis *a, const struct insight *in)
{
	const char *last = NULL;

	for (size_t i = 0; i < in->ncl; i++)
		if (!last || strcmp(last, in->cl[i].domain))
			matrix_text(out, a, last = in->cl[i].domain);
	if (in->ncl)
		fputs("clustering of slow transitions (above their pair's p95):\n"
		      "  P(next slow | slow) against P(slow), next = the device's next transition\n",
		      out);
	for (size_t i = 0; i < in->ncl; i++) {
		const struct insight_cluster *c = &in->cl[i];

		if (!c->n)
			continue;
		fprintf(out, "  %-4s %-18s slow %4" PRIu64 " of %6" PRIu64 " (%.1f %%); ",
			c->domain, insight_metric_name(c->metric), c->slow, c->n,
			100.0 * (double)c->slow / (double)c->n);
		if (c->with_next < CLUSTER_MIN_SLOW)
			fprintf(out, "too few slow ones to tell (%" PRIu64 " with a next)\n",
				c->with_next);
		else
			fprintf(out, "next also slow %" PRIu64 " of %" PRIu64 " (%.1f %%)\n",
				c->slow_next, c->with_next,
				100.0 * (double)c->slow_next / (double)c->with_next);
	}
	fprintf(out, "\nunexplained frequency changes: %zu\n", in->nux);
	for (size_t i = 0; i < in->nux; i++) {
		const struct insight_ux *u = &in->ux[i];

		fprintf(out, "  %20" PRIu64 " ns  %s%u  %-22s ", u->t_ns, u->domain, u->cpu,
			insight_ux_kind(u->kind));
		if (u->kind == UX_PROBE_LEVEL)
			fprintf(out, "probe throughput x%.2f around here, no request from 15 ms"
				" before to 15 ms after\n", u->ratio);
		else if (u->kind == UX_UNREQUESTED)
			fprintf(out, "%u -> %u kHz, not a step of the campaign\n", u->a_khz,
				u->b_khz);
		else
			fprintf(out, "limits now %u..%u kHz\n", u->a_khz, u->b_khz);
	}
	fputc('\n', out);
}

void json_pair_key(json_writer_t *w, const char *domain, uint32_t from_khz, uint32_t to_khz)
{
	jsonw_string_field(w, "domain", domain);
	jsonw_uint_field(w, "from_khz", from_khz);
	jsonw_uint_field(w, "to_khz", to_khz);
	jsonw_string_field(w, "direction", direction(from_khz, to_khz));
}

static void json_ratio(json_writer_t *w, const char *name, uint64_t num, uint64_t den)
{
	jsonw_name(w, name);
	if (!den)
		jsonw_null(w);
	else
		jsonw_fixed(w, (num * 1000000 + den / 2) / den, 6);
}

void insight_json(json_writer_t *w, const struct analysis *a, const struct insight *in)
{
	const char *last = NULL;

	jsonw_name(w, "matrix");
	jsonw_start_array(w);
	for (size_t i = 0; i < in->ncl; i++) {
		uint32_t r[MAX_RATES];
		size_t n;

		if (last && !strcmp(last, in->cl[i].domain))
			continue;
		last = in->cl[i].domain;
		n = insight_rates(a, last, r, MAX_RATES);
		jsonw_start_object(w);
		jsonw_string_field(w, "domain", last);
		jsonw_name(w, "rates_khz");
		jsonw_start_array(w);
		for (size_t j = 0; j < n; j++)
			jsonw_uint(w, r[j]);
		jsonw_end_array(w);
		for (unsigned int m = 0; m < IM_N + 1; m++) {
			char key[64];

			snprintf(key, sizeof(key), m == IM_N ? "n" : "%s_p50_us",
				 insight_metric_name(m));
			jsonw_name(w, key);
			jsonw_start_array(w);
			for (size_t f = 0; f < n; f++) {
				jsonw_start_array(w);
				for (size_t t = 0; t < n; t++) {
					const struct pair_stats *g = cell(a, last, r[f], r[t]);
					const struct dist *d = g && m < IM_N ? pair_dist(g, m) : NULL;

					if (m == IM_N)
						jsonw_uint(w, g ? g->n : 0);
					else if (!d || !d->n)
						jsonw_null(w);
					else
						jsonw_fixed(w, d->p50, 3);
				}
				jsonw_end_array(w);
			}
			jsonw_end_array(w);
		}
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
	jsonw_name(w, "clustering");
	jsonw_start_array(w);
	for (size_t i = 0; i < in->ncl; i++) {
		const struct insight_cluster *c = &in->cl[i];

		jsonw_start_object(w);
		jsonw_string_field(w, "domain", c->domain);
		jsonw_string_field(w, "metric", insight_metric_name(c->metric));
		jsonw_uint_field(w, "n", c->n);
		jsonw_uint_field(w, "slow", c->slow);
		jsonw_uint_field(w, "slow_with_next", c->with_next);
		jsonw_uint_field(w, "slow_next_slow", c->slow_next);
		json_ratio(w, "p_slow", c->slow, c->n);
		json_ratio(w, "p_next_slow_given_slow", c->slow_next,
			   c->with_next >= CLUSTER_MIN_SLOW ? c->with_next : 0);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
	jsonw_name(w, "unexplained");
	jsonw_start_array(w);
	for (size_t i = 0; i < in->nux; i++) {
		const struct insight_ux *u = &in->ux[i];

		jsonw_start_object(w);
		jsonw_uint_field(w, "t_ns", u->t_ns);
		jsonw_string_field(w, "domain", u->domain);
		jsonw_uint_field(w, "cpu", u->cpu);
		jsonw_string_field(w, "kind", insight_ux_kind(u->kind));
		if (u->kind == UX_PROBE_LEVEL) {
			jsonw_name(w, "throughput_ratio");
			jsonw_fixed(w, (uint64_t)(u->ratio * 1000 + 0.5), 3);
		} else if (u->kind == UX_UNREQUESTED) {
			jsonw_uint_field(w, "from_khz", u->a_khz);
			jsonw_uint_field(w, "to_khz", u->b_khz);
		} else {
			jsonw_uint_field(w, "min_khz", u->a_khz);
			jsonw_uint_field(w, "max_khz", u->b_khz);
		}
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
}
