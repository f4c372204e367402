// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "wstall.h"

double ws_level(const struct cp_series *s, const struct ws_levels *lv, size_t i)
{
	uint64_t t0 = s->t0_ns + i * s->bin_ns;
	double slow = lv->before < lv->after ? lv->before : lv->after;

	return t0 + s->bin_ns <= lv->t_lo ? lv->before : t0 >= lv->t_hi ? lv->after : slow;
}

uint64_t ws_lost_run(const struct cp_series *s, uint64_t t_from, uint64_t t_to,
		     const struct ws_levels *lv, size_t *i0, size_t *i1)
{
	double cur = 0, best = 0;
	double slow = lv->before < lv->after ? lv->before : lv->after;
	size_t start = 0;
	uint64_t a, b;

	*i0 = *i1 = 0;
	if (!(slow > 0) || !s->bin_ns || t_to <= t_from || t_to <= s->t0_ns)
		return 0;
	/* The bin holding t_from counts: a hiccup right at the request is
	 * exactly what is looked for. */
	a = t_from > s->t0_ns ? (t_from - s->t0_ns) / s->bin_ns : 0;
	b = (t_to - s->t0_ns + s->bin_ns - 1) / s->bin_ns;
	if (b > s->n)
		b = s->n;
	/*
	 * Kadane over per-bin lost time: a hiccup longer than a bin spreads
	 * over several bins, and one shorter than a bin shows only as a bin
	 * with less work, so neither a single bin nor a zero-work run would
	 * measure it.
	 */
	for (uint64_t i = a; i < b; i++) {
		if (cur <= 0) {
			cur = 0;
			start = i;
		}
		cur += (double)s->bin_ns - (double)s->work[i] / ws_level(s, lv, i);
		if (cur > best) {
			best = cur;
			*i0 = start;
			*i1 = i + 1;
		}
	}
	if (best >= 1.8e19)
		return UINT64_MAX;
	return (uint64_t)(best + 0.5);
}

uint64_t ws_lost_ns(const struct cp_series *s, uint64_t t_from, uint64_t t_to,
		    const struct ws_levels *lv)
{
	size_t i0, i1;

	return ws_lost_run(s, t_from, t_to, lv, &i0, &i1);
}
