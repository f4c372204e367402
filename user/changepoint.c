// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Throughput change point: a two-phase piecewise-linear fit to cumulative
 * work.  See Documentation/analysis.rst for the model and the bound.
 *
 * Everything works on cumulative work W at bin edges, never on per-bin
 * throughput: when the slowdown is delivered as periodic CPU stealing a bin
 * is either ~0 or full, but W still follows the average rate to within one
 * stealing burst, and the fit only ever compares W with straight lines.
 */
#include <errno.h>
#include <math.h>		/* INFINITY only: settle does not link libm */
#include "changepoint.h"

/* A rate window needs this many whole bins to mean anything. */
#define CP_MIN_BINS	2

void cp_default_params(struct cp_params *p)
{
	/*
	 * post_from: Orin Nano CPU settles take up to ~2.5 ms from the request;
	 * 5 ms leaves margin while the 35 ms post window still spans several
	 * of the simulator's steal periods (up to 7.5 ms at the lowest rate).
	 */
	p->pre_ns = 20000000;
	p->post_from_ns = 5000000;
	p->post_to_ns = 40000000;
	p->degenerate = 0.2;
}

const char *cp_status_str(enum cp_status st)
{
	switch (st) {
	case CP_OK:
		return "ok";
	case CP_DEGENERATE:
		return "degenerate";
	case CP_NO_DATA:
		return "no_data";
	case CP_NOT_FOUND:
		return "not_found";
	}
	return "unknown";
}

/* First bin starting at or after t (may be > n). */
static uint64_t bin_ceil(const struct cp_series *s, int64_t t_rel)
{
	if (t_rel <= 0)
		return 0;
	return ((uint64_t)t_rel + s->bin_ns - 1) / s->bin_ns;
}

/* Number of bins ending at or before t (may be > n). */
static uint64_t bin_floor(const struct cp_series *s, int64_t t_rel)
{
	if (t_rel <= 0)
		return 0;
	return (uint64_t)t_rel / s->bin_ns;
}

static double dabs(double v)
{
	return v < 0 ? -v : v;
}

static double dmax(double a, double b)
{
	return a > b ? a : b;
}

static double dmin(double a, double b)
{
	return a < b ? a : b;
}

static uint64_t umin(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/*
 * Least-squares slope of W over edges [a, b].  Under periodic stealing W is
 * a staircase; the slope through its end points is off by up to one step
 * over the window length, the least-squares slope averages the phase out.
 */
static double window_rate(const struct cp_series *s, uint64_t a, uint64_t b)
{
	long double n = (long double)(b - a + 1), sx = 0, sy = 0, sxx = 0, sxy = 0, w = 0;

	for (uint64_t j = a; j <= b; j++) {
		long double x = (long double)((j - a) * s->bin_ns);

		sx += x;
		sy += w;
		sxx += x * x;
		sxy += x * w;
		if (j < b)
			w += s->work[j];
	}
	return (double)((n * sxy - sx * sy) / (n * sxx - sx * sx));
}

/* Largest |W - (c + rate * x)| over edges [a, b], c the least-squares offset. */
static double line_residual(const struct cp_series *s, uint64_t a, uint64_t b,
			    double rate)
{
	long double sum = 0, w = 0;
	double c, r = 0;

	for (uint64_t j = a; j <= b; j++) {
		sum += w - (long double)rate * (double)((j - a) * s->bin_ns);
		if (j < b)
			w += s->work[j];
	}
	c = (double)(sum / (long double)(b - a + 1));
	w = 0;
	for (uint64_t j = a; j <= b; j++) {
		double e = (double)(w - (long double)rate * (double)((j - a) * s->bin_ns)) - c;

		if (dabs(e) > r)
			r = dabs(e);
		if (j < b)
			w += s->work[j];
	}
	return r;
}

/* Longest run of bins without work in [a, b). */
static uint64_t longest_idle(const struct cp_series *s, uint64_t a, uint64_t b)
{
	uint64_t run = 0, best = 0;

	for (uint64_t j = a; j < b; j++) {
		run = s->work[j] ? 0 : run + 1;
		if (run > best)
			best = run;
	}
	return best;
}

static uint64_t ns_round(double v)
{
	if (!(v > 0))
		return 0;
	if (v >= 1.8e19)
		return UINT64_MAX;
	return (uint64_t)(v + 0.5);
}

int cp_detect(const struct cp_series *s, uint64_t t_req_ns,
	      const struct cp_params *p, struct cp_result *r)
{
	uint64_t a1, b1, a2, b2, best_k;
	int64_t req_rel;
	long double sy = 0, sy2 = 0, sq = 0, sq2 = 0, w;
	double d, tau_min, tau_max, best_tau, best_rss, c, resid, steady;
	uint64_t npts, gap;

	if (!s || !p || !r || !s->bin_ns || (s->n && !s->work) ||
	    p->post_to_ns <= p->post_from_ns)
		return -EINVAL;
	*r = (struct cp_result){ .status = CP_NO_DATA };
	/* CLOCK_MONOTONIC fits in int64 for 292 years of uptime. */
	if (t_req_ns > INT64_MAX || s->t0_ns > INT64_MAX ||
	    p->pre_ns > INT64_MAX / 4 || p->post_to_ns > INT64_MAX / 4)
		return -EINVAL;
	req_rel = (int64_t)t_req_ns - (int64_t)s->t0_ns;

	a1 = bin_ceil(s, req_rel - (int64_t)p->pre_ns);
	b1 = umin(bin_floor(s, req_rel), s->n);
	a2 = bin_ceil(s, req_rel + (int64_t)p->post_from_ns);
	b2 = umin(bin_floor(s, req_rel + (int64_t)p->post_to_ns), s->n);
	if (b1 < a1 + CP_MIN_BINS || b2 < a2 + CP_MIN_BINS)
		return 0;

	r->pre_rate = window_rate(s, a1, b1);
	r->post_rate = window_rate(s, a2, b2);
	d = r->post_rate - r->pre_rate;
	if (dabs(d) <= p->degenerate * dmax(r->pre_rate, r->post_rate) || d == 0) {
		r->status = CP_DEGENERATE;
		return 0;
	}

	/*
	 * Points: W at bin edges j = a1..b2, x_j = edge time - t_req.
	 * Detrended by the old rate, y_j = W_j - pre_rate * x_j, the model is
	 * a hinge y = c + d * max(0, x - tau) with d = post_rate - pre_rate;
	 * only c and tau are free.  For tau between edges k-1 and k the
	 * residual sum of squares is a convex quadratic in tau built from
	 * running sums of y (edges < k) and q = y - d*x (edges >= k), so the
	 * sweep over k is O(n) and each segment's minimum is closed-form.
	 */
	npts = b2 - a1 + 1;
	w = 0;
	for (uint64_t j = a1; j <= b2; j++) {
		double x = (double)((int64_t)(j * s->bin_ns) - req_rel);
		long double y = w - (long double)r->pre_rate * x, q = y - (long double)d * x;

		sq += q;
		sq2 += q * q;
		if (j < b2)
			w += s->work[j];
	}
	tau_min = 0;
	tau_max = (double)p->post_from_ns;
	best_tau = tau_min;
	best_rss = INFINITY;
	best_k = a1;
	w = 0;
	for (uint64_t k = a1; k <= b2 + 1; k++) {
		/* Segment k: edges < k are before tau, edges >= k after. */
		double lo = k == a1 ? -INFINITY : (double)((int64_t)((k - 1) * s->bin_ns) - req_rel);
		double hi = k > b2 ? INFINITY : (double)((int64_t)(k * s->bin_ns) - req_rel);
		long double m = (long double)(b2 + 1 - k), n = (long double)npts;

		lo = dmax(lo, tau_min);
		hi = dmin(hi, tau_max);
		if (lo <= hi) {
			double cand[3] = { lo, hi, lo };
			long double qa = m * (long double)d * d * (1 - m / n);

			if (qa > 0) {
				long double t = (m * (sy + sq) / n - sq) /
						(m * (long double)d * (1 - m / n));

				cand[2] = (double)t < lo ? lo : (double)t > hi ? hi : (double)t;
			}
			for (int i = 0; i < 3; i++) {
				long double t = cand[i];
				long double s1 = sy + sq + m * d * t;
				long double s2 = sy2 + sq2 + 2 * d * t * sq + m * (long double)d * d * t * t;
				double rss = (double)(s2 - s1 * s1 / n);

				if (rss < best_rss) {
					best_rss = rss;
					best_tau = (double)t;
					best_k = k;
				}
			}
		}
		if (k > b2)
			break;
		/* Move edge k from the "after" sums to the "before" sums. */
		{
			double x = (double)((int64_t)(k * s->bin_ns) - req_rel);
			long double y = w - (long double)r->pre_rate * x, q = y - (long double)d * x;

			sy += y;
			sy2 += y * y;
			sq -= q;
			sq2 -= q * q;
			if (k < b2)
				w += s->work[k];
		}
	}
	(void)best_k;

	/* Offset and largest residual of the chosen fit, recomputed directly
	 * so that no cancellation in the running sums reaches the bound. */
	{
		long double sum = 0;

		w = 0;
		for (uint64_t j = a1; j <= b2; j++) {
			double x = (double)((int64_t)(j * s->bin_ns) - req_rel);

			sum += w - (long double)r->pre_rate * x - (long double)d * dmax(0, x - best_tau);
			if (j < b2)
				w += s->work[j];
		}
		c = (double)(sum / (long double)npts);
		resid = 0;
		w = 0;
		for (uint64_t j = a1; j <= b2; j++) {
			double x = (double)((int64_t)(j * s->bin_ns) - req_rel);
			double e = (double)(w - (long double)r->pre_rate * x -
					    (long double)d * dmax(0, x - best_tau)) - c;

			if (dabs(e) > resid)
				resid = dabs(e);
			if (j < b2)
				w += s->work[j];
		}
	}
	steady = dmax(line_residual(s, a1, b1, r->pre_rate),
		      line_residual(s, a2, b2, r->post_rate));

	/*
	 * A change that falls inside a stretch where the probe got no work
	 * at all (the CPU was taken away, e.g. a steal burst or the host
	 * descheduling a VM's vCPU) cannot be placed more precisely than that
	 * stretch: the residual term alone was seen to miss such changes by
	 * up to a burst under the simulated board's stealing.
	 */
	gap = longest_idle(s, a1, b2) * s->bin_ns;
	r->t_change_ns = t_req_ns + ns_round(best_tau);
	r->bound_ns = ns_round(2 * resid / dabs(d)) + s->bin_ns + gap;
	r->noise_ns = ns_round(2 * steady / dabs(d)) + s->bin_ns + gap;
	/* Pinned to the end of the search range: the change is not inside. */
	r->status = best_tau >= tau_max - s->bin_ns ? CP_NOT_FOUND : CP_OK;
	return 0;
}
