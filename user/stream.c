// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdlib.h>
#include <string.h>
#include "stream.h"
#include "util.h"

/* One probe CPU: its current run of contiguous bins, trimmed from the front
 * to what the next pending transition's window needs. */
struct sbuf {
	uint32_t cpu, bin_ns;
	bool active;
	uint64_t seg_t0_ns;	/* start of the contiguous run (as a segment) */
	uint64_t t0_ns;		/* time of w[0], after trimming */
	uint32_t *w;
	size_t n, cap;
	struct level_det det;
	size_t *q;		/* transitions this probe serves, request order */
	size_t nq, capq, head;	/* q[head]: the next one to analyse */
};

struct stream {
	struct analysis *a;
	struct sbuf *b;
	size_t nb, capb;
	bool oom;
};

static bool bins_ok(const struct trace_event *ev)
{
	uint64_t n = ev->f[PB_N];

	/* the checks analysis_add() makes before keeping an event */
	return n && n <= TRACE_PROBE_BINS_PER_EVENT && ev->f[PB_BIN_NS];
}

static struct sbuf *buf_of(struct stream *s, uint32_t cpu, bool create)
{
	for (size_t i = 0; i < s->nb; i++)
		if (s->b[i].cpu == cpu)
			return &s->b[i];
	if (!create)
		return NULL;
	if (grow_array((void **)&s->b, &s->capb, s->nb + 1, sizeof(*s->b)))
		return NULL;
	memset(&s->b[s->nb], 0, sizeof(s->b[0]));
	s->b[s->nb].cpu = cpu;
	return &s->b[s->nb++];
}

/* Pass 1: everything but the bins; note which CPUs have a probe. */
static int pass1(const struct trace_event *ev, void *ctx)
{
	struct stream *s = ctx;

	if (ev->desc->id != TEV_PROBE_BINS)
		return analysis_add(ev, s->a);
	if (bins_ok(ev) && !buf_of(s, analysis_pb_src(ev), true))
		return -1;
	return 0;
}

static struct probe_seg view(const struct sbuf *b)
{
	return (struct probe_seg){ .cpu = b->cpu, .bin_ns = b->bin_ns, .t0_ns = b->t0_ns,
				   .w = b->w, .n = b->n };
}

static uint64_t end_ns(const struct sbuf *b)
{
	return b->t0_ns + (uint64_t)b->n * b->bin_ns;
}

/*
 * Analyse the pending transitions whose windows the bins now cover; at the
 * end of a run (flush), every one whose request falls inside it.  A request
 * before the run's start is in no run: no data, as analysis_finish() says.
 */
static void drain(struct stream *s, struct sbuf *b, bool flush)
{
	struct analysis *a = s->a;

	while (b->active && b->head < b->nq) {
		size_t i = b->q[b->head];
		struct xition *x = &a->x[i];
		uint64_t t = x->t_request_ns;
		struct probe_seg sg;
		struct cp_params p;

		if (t < b->seg_t0_ns) {
			x->flags |= XF_PROBE_NO_DATA;
			b->head++;
			continue;
		}
		if (t >= end_ns(b))
			break;			/* a later run may hold it */
		analysis_windows(a, i, &p);
		/* +2 bins: the gap check and the stall look one bin past the
		 * window's end */
		if (!flush && end_ns(b) < t + p.post_to_ns + 2ULL * b->bin_ns)
			break;
		if (x->dom == TRACE_DOMAIN_CPU && x->dev != b->cpu)
			x->flags |= XF_PROBE_OTHER_CPU;
		sg = view(b);
		analysis_probe_one(a, i, &sg);
		b->head++;
	}
}

/* Drop bins no pending transition's windows reach back to. */
static void trim(struct stream *s, struct sbuf *b)
{
	uint64_t keep_from, drop;

	if (b->head < b->nq) {
		uint64_t t = s->a->x[b->q[b->head]].t_request_ns, pre = s->a->cp.pre_ns + b->bin_ns;

		keep_from = t > pre ? t - pre : 0;
	} else {
		keep_from = UINT64_MAX;		/* nothing left to analyse here */
	}
	if (keep_from <= b->t0_ns)
		return;
	drop = (keep_from - b->t0_ns) / b->bin_ns;
	if (drop > b->n)
		drop = b->n;
	/* amortised: move the tail only once the dropped part is large */
	if (drop < 4096 && drop < b->n)
		return;
	memmove(b->w, b->w + drop, (b->n - drop) * sizeof(*b->w));
	b->n -= drop;
	b->t0_ns += drop * (uint64_t)b->bin_ns;
}

static int pass2(const struct trace_event *ev, void *ctx)
{
	struct stream *s = ctx;
	struct sbuf *b;
	uint64_t t0;
	uint32_t n, bin;

	if (ev->desc->id != TEV_PROBE_BINS || !bins_ok(ev))
		return 0;
	b = buf_of(s, analysis_pb_src(ev), false);
	if (!b)
		return -1;			/* pass 1 saw every CPU */
	t0 = ev->f[PB_T0_NS];
	n = (uint32_t)ev->f[PB_N];
	bin = (uint32_t)ev->f[PB_BIN_NS];
	if (b->active) {
		uint64_t end = end_ns(b);

		if (t0 < end) {			/* a re-sent chunk, as in build_segments() */
			s->a->probe_overlap++;
			return 0;
		}
		if (t0 != end || bin != b->bin_ns) {	/* the run ends */
			drain(s, b, true);
			b->active = false;
		}
	}
	if (!b->active) {
		b->active = true;
		b->bin_ns = bin;
		b->seg_t0_ns = b->t0_ns = t0;
		b->n = 0;
		level_det_start(&b->det, b->cpu, t0, bin);
	}
	if (grow_array((void **)&b->w, &b->cap, b->n + n, sizeof(*b->w)))
		return -1;
	for (uint32_t k = 0; k < n; k++) {
		b->w[b->n++] = (uint32_t)ev->f[PB_W0 + k];
		if (level_det_bin(&b->det, b->w[b->n - 1], &s->a->levels))
			return -1;
	}
	drain(s, b, false);
	trim(s, b);
	return 0;
}

/* Which probe serves each transition: its own CPU's, else, when only one
 * CPU ran a probe, that one; GPU and EMC the GPU probe's, else any CPU's
 * (as analysis_finish() does). */
static int assign(struct stream *s)
{
	struct analysis *a = s->a;

	struct sbuf *first_cpu = NULL, *first_gpu = NULL;
	size_t ncpu = 0;

	for (size_t i = 0; i < s->nb; i++) {
		if (probe_src_is_gpu(s->b[i].cpu)) {
			if (!first_gpu)
				first_gpu = &s->b[i];
		} else if (!ncpu++) {
			first_cpu = &s->b[i];
		}
	}
	for (size_t i = 0; i < a->nx; i++) {
		struct xition *x = &a->x[i];
		struct sbuf *b = x->dom == TRACE_DOMAIN_CPU ? buf_of(s, x->dev, false) : NULL;

		if (!s->nb || (x->dom == TRACE_DOMAIN_CPU && !ncpu)) {
			x->flags |= XF_NO_PROBE;
			continue;
		}
		/*
		 * GPU and EMC: the GPU probe, else a probe on any CPU sees them;
		 * a CPU: a sole CPU probe (as analysis_finish()).
		 */
		if (!b && x->dom != TRACE_DOMAIN_CPU)
			b = first_gpu ? first_gpu : first_cpu;
		else if (!b && ncpu == 1)
			b = first_cpu;
		if (!b) {
			x->flags |= XF_PROBE_NO_DATA;
			continue;
		}
		if (grow_array((void **)&b->q, &b->capq, b->nq + 1, sizeof(*b->q)))
			return -1;
		b->q[b->nq++] = i;
	}
	return 0;
}

int analysis_stream(const char *dir, struct analysis *a, struct trace_info *ti,
		    struct trace_stream_result *res, char *err, size_t errlen)
{
	struct stream s = { .a = a };
	struct trace_stream_result r2;
	int ret = -1;

	if (trace_read_dir(dir, ti, pass1, &s, res, err, errlen))
		goto out;
	if (analysis_prepare(a) || assign(&s)) {
		set_err(err, errlen, "analysing '%s': out of memory", dir);
		goto out;
	}
	if (s.nb && trace_read_dir(dir, ti, pass2, &s, &r2, err, errlen))
		goto out;
	for (size_t i = 0; i < s.nb; i++) {
		struct sbuf *b = &s.b[i];

		drain(&s, b, true);
		/* requests after the last bin: no run holds them */
		for (; b->head < b->nq; b->head++)
			a->x[b->q[b->head]].flags |= XF_PROBE_NO_DATA;
	}
	if (analysis_groups(a)) {
		set_err(err, errlen, "analysing '%s': out of memory", dir);
		goto out;
	}
	ret = 0;
out:
	for (size_t i = 0; i < s.nb; i++) {
		free(s.b[i].w);
		free(s.b[i].q);
	}
	free(s.b);
	return ret;
}

int analysis_read_whole(const char *dir, struct analysis *a, struct trace_info *ti,
			struct trace_stream_result *res, char *err, size_t errlen)
{
	if (trace_read_dir(dir, ti, analysis_add, a, res, err, errlen))
		return -1;
	if (analysis_finish(a)) {
		set_err(err, errlen, "analysing '%s': out of memory", dir);
		return -1;
	}
	return 0;
}
