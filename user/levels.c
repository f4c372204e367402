// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "levels.h"
#include "util.h"

void level_det_start(struct level_det *d, uint32_t cpu, uint64_t t0_ns, uint32_t bin_ns)
{
	memset(d, 0, sizeof(*d));
	d->cpu = cpu;
	d->bin_ns = bin_ns;
	d->t0_ns = t0_ns;
	d->per = bin_ns && bin_ns <= LEVEL_WINDOW_NS ? (uint32_t)(LEVEL_WINDOW_NS / bin_ns) : 0;
	d->next_j = 2;
}

static bool steady(double a, double b)
{
	double hi = a > b ? a : b;

	return a > 0 && b > 0 && (a > b ? a - b : b - a) <= 0.1 * hi;
}

static bool shifted(double a, double b)
{
	double hi = a > b ? a : b;

	return (a > b ? a - b : b - a) > 0.2 * hi;
}

static int push(struct levels *out, const struct level_change *c)
{
	if (grow_array((void **)&out->lc, &out->cap, out->n + 1, sizeof(*out->lc)))
		return -1;
	out->lc[out->n++] = *c;
	return 0;
}

/*
 * Window j holds a change when j-2 and j-1 are steady at one level and
 * j+1 and j+2 at another: window averages, not bins, because the
 * simulated board's stealing and the probe's noise make single bins jump.
 * One change is reported once: the next candidate is j+3.
 */
int level_det_bin(struct level_det *d, uint32_t work, struct levels *out)
{
	uint64_t j;

	if (!d->per)
		return 0;
	d->sum += work;
	if (++d->bins % d->per)
		return 0;
	memmove(d->r, d->r + 1, 4 * sizeof(d->r[0]));
	d->r[4] = (double)d->sum / (double)((uint64_t)d->per * d->bin_ns);
	d->sum = 0;
	if (++d->done < 5)
		return 0;
	j = d->done - 3;		/* r[2] is window j */
	if (j < d->next_j || !steady(d->r[0], d->r[1]) || !steady(d->r[3], d->r[4]) ||
	    !shifted(d->r[1], d->r[3]))
		return 0;
	d->next_j = j + 3;
	return push(out, &(struct level_change){
		.t_window_ns = d->t0_ns + j * d->per * (uint64_t)d->bin_ns,
		.cpu = d->cpu, .ratio = d->r[3] / d->r[1] });
}

int levels_scan(struct levels *out, uint32_t cpu, uint64_t t0_ns, uint32_t bin_ns,
		const uint32_t *w, size_t n)
{
	struct level_det d;

	level_det_start(&d, cpu, t0_ns, bin_ns);
	for (size_t i = 0; i < n; i++)
		if (level_det_bin(&d, w[i], out))
			return -1;
	return 0;
}

void levels_free(struct levels *l)
{
	free(l->lc);
	memset(l, 0, sizeof(*l));
}
