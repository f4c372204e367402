/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Turn trace events into transitions (driver entry/exit paired by id,
 * joined with their request, effective change, step and probe throughput)
 * and per-(domain, device, from, to) statistics.  Every clock domain is
 * one model: a transition is keyed by (domain, dev), and a v1 trace reaches
 * here as domain cpu (trace_event_normalize()).  No I/O, so it is unit-testable.
 * Documentation/analysis.rst defines every quantity.
 */
#ifndef SETTLE_ANALYZE_H
#define SETTLE_ANALYZE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "changepoint.h"
#include "levels.h"
#include "trace.h"

/* Mirrors of kmod/uapi/settle.h values carried in trace fields. */
enum { REQ_SRC_STEP = 0, REQ_SRC_KPROBE = 1, REQ_SRC_NOTIFIER = 2 };
enum { EFF_SETTLED = 0, EFF_TIMEOUT = 1, EFF_SUPERSEDED = 2, EFF_CANCELLED = 3 };
/*
 * Readers of software state (kmod/uapi/settle.h): their effective change
 * says when the kernel believed the rate, not when the hardware ran it.
 */
enum { READER_CACHED = 1, READER_DEVFREQ = 4, READER_CLK = 5 };

/* Per-transition flags; names in analysis_flag_name(). */
enum {
	XF_NO_REQUEST		= 1U << 0,	/* no request: request = entry */
	XF_REQ_AT_NOTIFIER	= 1U << 1,	/* request seen only at PRECHANGE */
	XF_NO_EFFECTIVE		= 1U << 2,
	XF_EFF_TIMEOUT		= 1U << 3,
	XF_EFF_SUPERSEDED	= 1U << 4,
	XF_EFF_CANCELLED	= 1U << 5,
	XF_EFF_CACHED		= 1U << 6,	/* software view: never late */
	XF_NO_PROBE		= 1U << 7,	/* no probe bins for this CPU */
	XF_PROBE_OTHER_CPU	= 1U << 8,	/* probe on another CPU (policy?) */
	XF_PROBE_NO_DATA	= 1U << 9,	/* windows not covered by bins */
	XF_PROBE_GAP		= 1U << 10,	/* probe did not run for >= 20 ms */
	XF_WINDOW_SHORT		= 1U << 11,	/* neighbours too close */
	XF_DEGENERATE		= 1U << 12,	/* levels too close */
	XF_TP_NOT_FOUND		= 1U << 13,	/* no change in the search range */
	XF_WARMUP		= 1U << 14,	/* excluded from statistics */
	XF_NFLAGS		= 15,
};

struct xition {
	const char *domain;	/* "cpu", "gpu", "emc" */
	const char *device;	/* its name (device event), else "<domain><dev>" */
	uint64_t id;		/* 0 in fallback traces */
	uint64_t parent_id;	/* request's parent transition; 0 none */
	uint64_t t_request_ns;	/* request ts, else driver entry (fallback: cpu_frequency) */
	uint64_t stall_ns;	/* driver call, POST - PRE; valid if has_stall */
	uint64_t req_exit_ns;	/* POST - request; valid if has_req_exit */
	uint64_t t_effective_ns;	/* cpu_effective ts_ns, settled only */
	uint64_t eff_bound_ns;	/* (ts - prev_ts) + cost */
	uint64_t t_throughput_ns;	/* change point; valid if has_tp */
	uint64_t tp_bound_ns, tp_noise_ns;
	/* Of tp_bound_ns, the GPU probe's clock mapping (its probe_info's
	 * time_bound_ns); 0 for a CPU probe. */
	uint64_t tp_time_bound_ns;
	uint64_t wstall_ns;	/* workload stall; valid if has_wstall */
	uint64_t wstall_noise_ns;	/* the same over the pre window */
	uint32_t dom;		/* enum settle_domain */
	uint32_t dev;		/* device index; domain cpu: the policy CPU */
	uint32_t from_khz, to_khz;
	uint32_t req_source;
	uint32_t eff_status;	/* valid if has_eff_event */
	uint32_t flags;		/* XF_* */
	bool has_stall, has_req, has_req_exit, has_eff_event, has_effective, has_tp;
	bool has_wstall;
};

/* p99.9 by the lower-rank rule is only not the max from this many values. */
#define DIST_P999_MIN_N	1000

struct dist {			/* p50/p95/p99/max of one metric, ns */
	size_t n;		/* 0: no data (print null / "-") */
	uint64_t p50, p95, p99, max;
	uint64_t p999;		/* valid if n >= DIST_P999_MIN_N */
};

struct pair_stats {
	const char *domain;
	const char *device;
	uint32_t dom, dev;
	uint32_t from_khz, to_khz;
	uint64_t n;		/* measured transitions (warm-up excluded) */
	uint64_t warmup;	/* warm-up transitions, not in any statistic */
	bool has_stall;
	uint64_t p50_ns, p95_ns, p99_ns, max_ns;	/* stall (compat) */
	struct dist stall, req_exit, effective, throughput;
	struct dist tp_bound, eff_bound, noise;
	struct dist wstall, wstall_noise;
	uint32_t flags;		/* union of the transitions' XF_* */
	uint64_t flag_count[XF_NFLAGS];
};

struct cf_ev {			/* driver_entry / driver_exit */
	uint64_t id, ts_ns;
	uint32_t dom, dev, old_khz, new_khz;
};

struct fq_ev {
	uint64_t ts_ns, seq;
	uint32_t cpu, khz;
};

struct rq_ev {
	uint64_t id, ts_ns, parent_id;
	uint32_t dom, dev, from_khz, to_khz, source;
};

struct ef_ev {
	uint64_t id, ts_ns, prev_ts_ns;
	uint32_t dom, dev, khz, cost_ns, samples, reader, status;
};

struct st_ev {
	uint64_t id, t_request_ns, t_exit_ns;
	uint32_t cpu, from_khz, to_khz, cur_khz, seq, flags, err;
	uint32_t dom, dev;	/* what was stepped; cpu: --cpu */
};

/* A step failed, unless it positioned onto the rate the CPU already had. */
static inline bool st_failed(const struct st_ev *s)
{
	return s->err && !(s->err == EALREADY && (s->flags & TRACE_STEP_POSITION));
}

/*
 * Whose bins (pb_ev.cpu, probe_seg.cpu, probe_info_ev.src): a CPU probe's
 * CPU, or PROBE_SRC_GPU | the CUDA device for the GPU probe, so that one
 * key keeps every probe's bins apart.
 */
#define PROBE_SRC_GPU	0x80000000U
static inline bool probe_src_is_gpu(uint32_t src)
{
	return src & PROBE_SRC_GPU;
}
/* The key of a probe_bins event's bins. */
uint32_t analysis_pb_src(const struct trace_event *ev);

struct pb_ev {			/* one probe_bins event */
	uint64_t t0_ns;
	uint32_t cpu, bin_ns, n;	/* cpu: the key above */
	uint32_t w[TRACE_PROBE_BINS_PER_EVENT];
};

struct lm_ev {			/* limits: a device's limits changed */
	uint64_t ts_ns;
	uint32_t dom, dev, min_khz, max_khz, cur_khz;
};

/* A device of the trace: from its `device` header, or made up. */
struct trace_dev {
	uint32_t dom, dev;
	uint32_t backend, reader, flags, cur_khz;
	bool declared;		/* a `device` event named it */
	char *name;		/* malloc'd: stays put when the array grows */
	uint32_t nrates;	/* declared table size */
	uint32_t *rates;	/* nrates entries, 0 where no chunk said */
};

/* Cross-domain links: transitions requested inside another's driver call. */
struct link_stats {
	uint64_t n;		/* children whose parent is in the trace */
	struct dist delay;	/* child request - parent request */
};

struct probe_info_ev {
	uint64_t samples;
	uint32_t cpu, bin_ns, iters, p50, p99, max, dropped, fifo, mlocked;
	uint32_t kind;			/* TRACE_PROBE_* */
	uint32_t src;			/* key of its bins (PROBE_SRC_GPU) */
	/* GPU probe only (0 otherwise) */
	uint32_t gpu, gt_step_ns, status;
	uint64_t align_bound_ns, time_bound_ns, drift_ns, dropped_samples;
};

/* Contiguous probe bins of one CPU (or GPU probe: cpu is the key). */
struct probe_seg {
	uint32_t cpu, bin_ns;
	uint64_t t0_ns;
	uint32_t *w;
	size_t n;
};

struct analysis {
	/* collected by analysis_add() */
	struct cf_ev *pre, *post;
	size_t npre, npost, cap_pre, cap_post;
	struct fq_ev *fq;
	size_t nfq, cap_fq;
	struct rq_ev *rq;
	size_t nrq, cap_rq;
	struct ef_ev *ef;
	size_t nef, cap_ef;
	struct st_ev *st;
	size_t nst, cap_st;
	struct pb_ev *pb;
	size_t npb, cap_pb;
	struct probe_info_ev *pi;
	size_t npi, cap_pi;
	struct lm_ev *lm;
	size_t nlm, cap_lm;
	struct trace_dev *dev;
	size_t ndev, cap_dev;
	uint64_t lost_total;		/* highest `total` of lost events */
	uint64_t n_limits, n_policy, n_campaign;

	/* inputs to analysis_finish(); cp_default_params() by analysis_init() */
	struct cp_params cp;
	int only_dom;			/* keep this domain's transitions; -1 all */
	const char *only_device;	/* keep this device's; NULL all */

	/* computed by analysis_finish() */
	struct xition *x;		/* ordered by t_request_ns */
	size_t nx;
	struct pair_stats *g;		/* ordered by domain, from, to */
	size_t ng;
	struct probe_seg *seg;
	size_t nseg;
	uint64_t unpaired_pre;
	uint64_t unpaired_post;
	uint64_t inconsistent;		/* same id, but POST before PRE or other freqs */
	uint64_t fq_initial;		/* first cpu_frequency per CPU: no "from" */
	uint64_t steps, steps_warmup, steps_failed;
	uint64_t probe_overlap;		/* probe_bins overlapping earlier ones: ignored */
	struct link_stats links[TRACE_DOMAINS][TRACE_DOMAINS];	/* [parent][child] */
	uint64_t link_orphans[TRACE_DOMAINS];	/* by child: parent not in the trace */
	uint64_t links_other;		/* children or parents of unknown domains */
	struct levels levels;		/* probe level changes, explained or not */
};

void analysis_init(struct analysis *a);
void analysis_free(struct analysis *a);
/* trace_event_cb-compatible; returns -1 only when out of memory. */
int analysis_add(const struct trace_event *ev, void *a);
int analysis_finish(struct analysis *a);
/*
 * analysis_finish() in parts, for the streaming analyser (user/stream.c):
 * pair and join (x in request order), then per transition its windows and
 * its probe analysis on a segment holding them, then the groups.
 */
int analysis_prepare(struct analysis *a);
void analysis_windows(const struct analysis *a, size_t i, struct cp_params *p);
void analysis_probe_one(struct analysis *a, size_t i, const struct probe_seg *sg);
int analysis_groups(struct analysis *a);
const char *analysis_flag_name(unsigned int bit);
/*
 * The GPU probe `src`'s time bound (probe_info's time_bound_ns): true if
 * the trace has its probe_info.
 */
bool analysis_gpu_time_bound(const struct analysis *a, uint32_t src, uint64_t *bound);
/*
 * The device (dom, dev), added (named "<domain><dev>") if no `device` event
 * declared it; NULL when out of memory.
 */
struct trace_dev *analysis_device(struct analysis *a, uint32_t dom, uint32_t dev);
/* The same without adding: NULL if unknown. */
const struct trace_dev *analysis_device_find(const struct analysis *a,
					     uint32_t dom, uint32_t dev);
/* "cpu", "gpu", "emc", or "domain<N>" for one this settle does not know. */
const char *analysis_domain_name(uint32_t dom);

/* p = sorted[floor(permille * (n - 1) / 1000)]; n must be > 0. */
uint64_t percentile(const uint64_t *sorted, size_t n, unsigned int permille);
/* The same with q in 1/10000: p99.9 is 9990. */
uint64_t percentile_bp(const uint64_t *sorted, size_t n, unsigned int per10k);
const char *direction(uint32_t from_khz, uint32_t to_khz);

#endif /* SETTLE_ANALYZE_H */
