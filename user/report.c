// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * settle report: read a trace, pair driver entry/exit per (domain, device),
 * print stall and settle statistics and the cross-domain links.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include "analyze.h"
#include "cmds.h"
#include "insight.h"
#include "jll.h"
#include "json_writer.h"
#include "stream.h"
#include "trace.h"
#include "util.h"

static const char report_usage[] =
"Usage: settle report [--json [--pretty] | --csv] [--transitions] [--whole]\n"
"                     [--domain cpu|gpu|emc] [--device NAME]\n"
"                     [--method settle|jll] TRACE_DIR\n"
"\n"
"Summarise a trace written by `settle record`, `settle step` or\n"
"`settle probe`.  Driver entry and exit events (PRE and POST) with the\n"
"same transition id are paired and joined with that id's request,\n"
"effective-change and step events, and with the probe's throughput bins.\n"
"Every clock domain (cpu, gpu, emc) is one model: a transition belongs to\n"
"a (domain, device), and rows are grouped by (domain, device, from_khz,\n"
"to_khz, direction); rates are kHz, times microseconds:\n"
"\n"
"  driver_call         exit - entry: the driver call (cpufreq\n"
"                      target_index, devfreq target, clk set_rate), the\n"
"                      caller's blocking time (JSON alias stall_us, kept\n"
"                      for one release; CSV columns stall_*)\n"
"  workload_stall      the workload's hiccup on the measured CPU: the most\n"
"                      time the probe lost against the slower of the two\n"
"                      levels, from the request to the new level's window\n"
"                      end\n"
"  workload_stall_noise  the same statistic over the steady windows before\n"
"                      and after\n"
"  request_to_exit     exit - request (settle:request)\n"
"  effective_settle    first sample showing the target - request\n"
"                      (settle:effective, settled transitions only)\n"
"  throughput_settle   change point of the probe's throughput - request\n"
"  detection_bound     +- bound of each throughput change point\n"
"  effective_bound     (ts - prev_ts) + read cost of the effective sample\n"
"  noise_floor         the detection bound's statistic on steady windows\n"
"\n"
"Each is {p50, p95, p99, p99_9, max} over the pair's transitions with data\n"
"(p99_9 only from n >= 1000, else null / \"n<1000\": below that it is the max),\n"
"with\n"
"the lower-rank rule p(q) = sorted[floor(q * (n - 1))] (no interpolation;\n"
"p50 of 1,2,3,4 is 2).  Missing data is null in JSON and \"-\" in text,\n"
"never 0; the flags say why.  Warm-up steps are counted but excluded from\n"
"every statistic.  Documentation/analysis.rst defines all of this.\n"
"\n"
"A transition requested inside another device's driver call (an EMC\n"
"change made by a CPU transition) names that one as its parent\n"
"(parent_id); the report counts these links per (parent domain -> child\n"
"domain) with the delay from the parent's request to the child's (JSON\n"
"\"links\").\n"
"\n"
"PRE or POST events without a partner, and pairs whose POST precedes PRE or\n"
"whose frequencies or devices disagree, are counted and shown, never\n"
"used.  Traces recorded without settle.ko (source \"fallback\") have no\n"
"PRE/POST and only the cpu domain: the report counts frequency changes\n"
"but says the stall is unavailable.  Trace format v1 (settle before the\n"
"clock domains) reads as domain cpu.\n"
"\n"
"Options:\n"
"  --json          machine-readable output (one JSON object)\n"
"  -p, --pretty    indented JSON (implies --json)\n"
"  --csv           comma-separated output with a header line\n"
"  --transitions   one row per transition instead of the summary; --csv:\n"
"                  domain,from_khz,to_khz,t_request_ns,stall_ns,\n"
"                  t_effective_ns,t_throughput_ns,workload_stall_ns,\n"
"                  device,parent_id (CLOCK_MONOTONIC ns; stall_ns is the\n"
"                  driver call; empty where not measured); with --json\n"
"                  the rows, with cpu (the device index), device, id,\n"
"                  parent_id, bounds and flags, are added to the summary\n"
"                  object as \"transitions\"\n"
"  -D, --domain D  only the transitions of domain D (cpu, gpu or emc;\n"
"                  default: every domain in the trace); the links count\n"
"                  all of them\n"
"  --device NAME   only the transitions of device NAME (as `settle\n"
"                  devices` or the report names it: cpu0, emc, ...)\n"
"  --method M      settle (default), or jll: the jetson-latency-lab\n"
"                  harness's own stall and settle on an imported trace's\n"
"                  probe samples, with settle's figures beside them\n"
"                  (settle import --format jll; Documentation/import.rst)\n"
"  --whole         load the whole trace into memory instead of streaming it\n"
"                  (same results; memory then grows with the trace)\n"
"  -h, --help      this text\n"
"\n"
"The trace is read twice and the probe's bins are kept only for the\n"
"analysis window: memory follows the number of transitions, not the\n"
"trace size.\n"
"\n"
"Exit status: 0 on success, 1 on any error (unreadable or corrupt trace,\n"
"unsupported trace version, bad usage).  A trace that ends inside a packet\n"
"(recorder killed), has a damaged packet after intact ones, or that its\n"
"writer marked truncated (disk full) is read up to the damage with a\n"
"warning, and the report says PARTIAL (JSON: \"partial\": true and a\n"
"\"damage\" object with kind, offset and reason).\n"
"\n"
"Examples:\n"
"  settle report settle-trace\n"
"  settle report --json settle-trace | jq '.pairs[] | select(.direction == \"up\")'\n"
"  settle report --transitions --csv settle-trace > transitions.csv\n"
"  settle report --domain emc --json settle-step\n";

/* Microseconds with ns resolution, e.g. 41234 ns -> "41.234". */
static const char *fmt_us(char *buf, size_t len, uint64_t ns)
{
	snprintf(buf, len, "%" PRIu64 ".%03" PRIu64, ns / 1000, ns % 1000);
	return buf;
}

struct report {
	const char *dir;
	struct trace_info ti;
	struct trace_stream_result res;
	struct analysis a;
	uint64_t lost;
	bool stall_available;
	struct insight in;
};

/* Written by the BPF recorder (record, step), not imported or probed. */
static bool recorded_by_bpf(const struct report *r)
{
	return !strcmp(r->ti.source, "settle.ko") || !strcmp(r->ti.source, "fallback");
}

static void json_dist(json_writer_t *w, const char *name, const struct dist *d)
{
	jsonw_name(w, name);
	if (!d->n) {
		jsonw_null(w);
		return;
	}
	jsonw_start_object(w);
	jsonw_name(w, "p50");
	jsonw_fixed(w, d->p50, 3);
	jsonw_name(w, "p95");
	jsonw_fixed(w, d->p95, 3);
	jsonw_name(w, "p99");
	jsonw_fixed(w, d->p99, 3);
	/* null: fewer than DIST_P999_MIN_N values, p99.9 would be the max */
	jsonw_name(w, "p99_9");
	if (d->n >= DIST_P999_MIN_N)
		jsonw_fixed(w, d->p999, 3);
	else
		jsonw_null(w);
	jsonw_name(w, "max");
	jsonw_fixed(w, d->max, 3);
	jsonw_end_object(w);
}

static void json_flags(json_writer_t *w, uint32_t flags)
{
	jsonw_name(w, "flags");
	jsonw_start_array(w);
	for (unsigned int b = 0; b < XF_NFLAGS; b++)
		if (flags & (1U << b))
			jsonw_string(w, analysis_flag_name(b));
	jsonw_end_array(w);
}

static void json_opt_uint(json_writer_t *w, const char *name, bool has, uint64_t v)
{
	jsonw_name(w, name);
	if (has)
		jsonw_uint(w, v);
	else
		jsonw_null(w);
}

static const char *probe_kind_name(uint32_t kind)
{
	static const char *const names[] = { "cpu", "cpu-memory", "gpu-compute", "gpu-memory" };

	return kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "unknown";
}

static void json_probe(json_writer_t *w, const struct analysis *a)
{
	jsonw_name(w, "probe");
	if (!a->npi) {
		jsonw_null(w);
		return;
	}
	jsonw_start_array(w);
	for (size_t i = 0; i < a->npi; i++) {
		const struct probe_info_ev *p = &a->pi[i];

		jsonw_start_object(w);
		jsonw_uint_field(w, "cpu", p->cpu);
		jsonw_uint_field(w, "samples", p->samples);
		jsonw_uint_field(w, "bin_ns", p->bin_ns);
		jsonw_uint_field(w, "iters_per_sample", p->iters);
		jsonw_uint_field(w, "sample_period_p50_ns", p->p50);
		jsonw_uint_field(w, "sample_period_p99_ns", p->p99);
		jsonw_uint_field(w, "sample_period_max_ns", p->max);
		jsonw_uint_field(w, "dropped_bins", p->dropped);
		jsonw_name(w, "fifo");
		jsonw_bool(w, p->fifo);
		jsonw_name(w, "mlocked");
		jsonw_bool(w, p->mlocked);
		jsonw_string_field(w, "kind", probe_kind_name(p->kind));
		if (trace_probe_is_gpu(p->kind)) {
			jsonw_uint_field(w, "gpu", p->gpu);
			jsonw_uint_field(w, "align_bound_ns", p->align_bound_ns);
			jsonw_uint_field(w, "globaltimer_step_ns", p->gt_step_ns);
			jsonw_uint_field(w, "time_bound_ns", p->time_bound_ns);
			jsonw_uint_field(w, "drift_ns", p->drift_ns);
			jsonw_uint_field(w, "dropped_samples", p->dropped_samples);
			jsonw_name(w, "failed");
			jsonw_bool(w, p->status == TRACE_PROBE_FAILED);
		}
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
}

/* Per (parent domain, child domain) with at least one link. */
static void json_links(json_writer_t *w, const struct analysis *a)
{
	jsonw_name(w, "links");
	jsonw_start_array(w);
	for (uint32_t p = 0; p < TRACE_DOMAINS; p++)
		for (uint32_t c = 0; c < TRACE_DOMAINS; c++) {
			const struct link_stats *l = &a->links[p][c];

			if (!l->n)
				continue;
			jsonw_start_object(w);
			jsonw_string_field(w, "parent_domain", analysis_domain_name(p));
			jsonw_string_field(w, "child_domain", analysis_domain_name(c));
			jsonw_uint_field(w, "n", l->n);
			json_dist(w, "delay_us", &l->delay);
			jsonw_end_object(w);
		}
	jsonw_end_array(w);
	jsonw_name(w, "links_unmatched");
	jsonw_start_object(w);
	for (uint32_t c = 0; c < TRACE_DOMAINS; c++)
		jsonw_uint_field(w, analysis_domain_name(c), a->link_orphans[c]);
	jsonw_end_object(w);
}

static void json_report(const struct report *r, const struct report_opts *o,
			FILE *out)
{
	json_writer_t *w = jsonw_new(out);
	const struct analysis *a = &r->a;

	if (!w)
		return;
	jsonw_pretty(w, o->pretty);
	jsonw_start_object(w);
	jsonw_uint_field(w, "trace_version", (uint64_t)r->ti.version);
	jsonw_string_field(w, "source", r->ti.source);
	jsonw_uint_field(w, "lost_events", r->lost);
	if (recorded_by_bpf(r)) {
		jsonw_name(w, "recursion_skips_counted");
		jsonw_bool(w, r->ti.skips_counted == 1);
	}
	jsonw_uint_field(w, "events", r->res.events);
	jsonw_name(w, "partial");
	jsonw_bool(w, r->res.partial);
	if (r->res.partial) {	/* only then, so intact reports keep their shape */
		jsonw_name(w, "damage");
		jsonw_start_object(w);
		jsonw_string_field(w, "kind", trace_damage_name(r->res.damage));
		jsonw_uint_field(w, "offset", r->res.partial_offset);
		jsonw_string_field(w, "reason", r->res.why);
		jsonw_end_object(w);
	}
	jsonw_name(w, "stall_available");
	jsonw_bool(w, r->stall_available);
	jsonw_uint_field(w, "unpaired_pre", a->unpaired_pre);
	jsonw_uint_field(w, "unpaired_post", a->unpaired_post);
	jsonw_uint_field(w, "inconsistent_pairs", a->inconsistent);
	jsonw_uint_field(w, "steps", a->steps);
	jsonw_uint_field(w, "steps_warmup", a->steps_warmup);
	jsonw_uint_field(w, "steps_failed", a->steps_failed);
	jsonw_uint_field(w, "limits_events", a->n_limits);
	jsonw_uint_field(w, "policy_events", a->n_policy);
	json_probe(w, a);
	jsonw_name(w, "pairs");
	jsonw_start_array(w);
	for (size_t i = 0; i < a->ng; i++) {
		const struct pair_stats *g = &a->g[i];

		jsonw_start_object(w);
		json_pair_key(w, g->domain, g->from_khz, g->to_khz);
		jsonw_uint_field(w, "n", g->n);
		jsonw_uint_field(w, "warmup", g->warmup);
		json_dist(w, "driver_call_us", &g->stall);
		json_dist(w, "stall_us", &g->stall);	/* alias until 0.3 */
		json_dist(w, "workload_stall_us", &g->wstall);
		json_dist(w, "workload_stall_noise_us", &g->wstall_noise);
		json_dist(w, "request_to_exit_us", &g->req_exit);
		json_dist(w, "effective_settle_us", &g->effective);
		json_dist(w, "throughput_settle_us", &g->throughput);
		json_dist(w, "detection_bound_us", &g->tp_bound);
		json_dist(w, "effective_bound_us", &g->eff_bound);
		json_dist(w, "noise_floor_us", &g->noise);
		json_flags(w, g->flags & ~(uint32_t)XF_WARMUP);
		jsonw_string_field(w, "device", g->device);	/* v2: appended */
		jsonw_uint_field(w, "dev", g->dev);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
	json_links(w, a);
	insight_json(w, a, &r->in);
	if (o->transitions) {
		jsonw_name(w, "transitions");
		jsonw_start_array(w);
		for (size_t i = 0; i < a->nx; i++) {
			const struct xition *x = &a->x[i];

			jsonw_start_object(w);
			jsonw_string_field(w, "domain", x->domain);
			jsonw_uint_field(w, "cpu", x->dev);	/* the device index */
			jsonw_uint_field(w, "id", x->id);
			jsonw_uint_field(w, "from_khz", x->from_khz);
			jsonw_uint_field(w, "to_khz", x->to_khz);
			jsonw_uint_field(w, "t_request_ns", x->t_request_ns);
			json_opt_uint(w, "driver_call_ns", x->has_stall, x->stall_ns);
			json_opt_uint(w, "stall_ns", x->has_stall, x->stall_ns);
			json_opt_uint(w, "workload_stall_ns", x->has_wstall, x->wstall_ns);
			json_opt_uint(w, "workload_stall_noise_ns", x->has_wstall,
				      x->wstall_noise_ns);
			json_opt_uint(w, "request_source", x->has_req, x->req_source);
			json_opt_uint(w, "request_to_exit_ns", x->has_req_exit, x->req_exit_ns);
			json_opt_uint(w, "effective_status", x->has_eff_event, x->eff_status);
			json_opt_uint(w, "t_effective_ns", x->has_effective, x->t_effective_ns);
			json_opt_uint(w, "effective_bound_ns", x->has_effective && x->eff_bound_ns,
				      x->eff_bound_ns);
			json_opt_uint(w, "t_throughput_ns", x->has_tp, x->t_throughput_ns);
			json_opt_uint(w, "detection_bound_ns", x->has_tp, x->tp_bound_ns);
			json_opt_uint(w, "noise_floor_ns", x->has_tp, x->tp_noise_ns);
			json_flags(w, x->flags);
			jsonw_string_field(w, "device", x->device);	/* v2: appended */
			json_opt_uint(w, "parent_id", x->parent_id, x->parent_id);
			jsonw_end_object(w);
		}
		jsonw_end_array(w);
		jsonw_name(w, "failed_steps");
		jsonw_start_array(w);
		for (size_t i = 0; i < a->nst; i++) {
			const struct st_ev *s = &a->st[i];

			if (!st_failed(s))
				continue;
			jsonw_start_object(w);
			jsonw_uint_field(w, "cpu", s->cpu);
			jsonw_uint_field(w, "seq", s->seq);
			jsonw_uint_field(w, "from_khz", s->from_khz);
			jsonw_uint_field(w, "to_khz", s->to_khz);
			jsonw_uint_field(w, "t_request_ns", s->t_request_ns);
			jsonw_uint_field(w, "errno", s->err);
			jsonw_string_field(w, "error", strerror((int)s->err));
			jsonw_string_field(w, "domain", analysis_domain_name(s->dom));
			jsonw_uint_field(w, "dev", s->dev);
			jsonw_end_object(w);
		}
		jsonw_end_array(w);
	}
	jsonw_end_object(w);
	jsonw_destroy(&w);
}

static void csv_dist(FILE *out, const struct dist *d, bool all)
{
	char b[4][32];

	if (!d->n)
		fputs(all ? ",,,," : ",", out);
	else if (all)
		fprintf(out, ",%s,%s,%s,%s", fmt_us(b[0], sizeof(b[0]), d->p50),
			fmt_us(b[1], sizeof(b[1]), d->p95), fmt_us(b[2], sizeof(b[2]), d->p99),
			fmt_us(b[3], sizeof(b[3]), d->max));
	else
		fprintf(out, ",%s", fmt_us(b[0], sizeof(b[0]), d->p50));
}

static void csv_opt(FILE *out, bool has, uint64_t v)
{
	fputc(',', out);
	if (has)
		fprintf(out, "%" PRIu64, v);
}

static void csv_report(const struct report *r, const struct report_opts *o,
		       FILE *out)
{
	const struct analysis *a = &r->a;

	if (o->transitions) {
		/* Today's columns in today's order; new ones only appended. */
		fputs("domain,from_khz,to_khz,t_request_ns,stall_ns,t_effective_ns,t_throughput_ns,"
		      "workload_stall_ns,device,parent_id\n", out);
		for (size_t i = 0; i < a->nx; i++) {
			const struct xition *x = &a->x[i];

			fprintf(out, "%s,%u,%u,%" PRIu64, x->domain, x->from_khz, x->to_khz,
				x->t_request_ns);
			csv_opt(out, x->has_stall, x->stall_ns);
			csv_opt(out, x->has_effective, x->t_effective_ns);
			csv_opt(out, x->has_tp, x->t_throughput_ns);
			csv_opt(out, x->has_wstall, x->wstall_ns);
			fputc(',', out);
			csv_str(out, x->device);
			csv_opt(out, x->parent_id, x->parent_id);
			fputc('\n', out);
		}
		return;
	}
	fputs("domain,from_khz,to_khz,direction,n,stall_p50_us,stall_p95_us,stall_p99_us,stall_max_us,"
	      "request_to_exit_p50_us,request_to_exit_p95_us,request_to_exit_p99_us,request_to_exit_max_us,"
	      "effective_settle_p50_us,effective_settle_p95_us,effective_settle_p99_us,effective_settle_max_us,"
	      "throughput_settle_p50_us,throughput_settle_p95_us,throughput_settle_p99_us,throughput_settle_max_us,"
	      "detection_bound_p50_us,effective_bound_p50_us,noise_floor_p50_us,warmup,flags,"
	      "workload_stall_p50_us,workload_stall_p95_us,workload_stall_p99_us,workload_stall_max_us,"
	      "workload_stall_noise_p50_us,device\n",
	      out);
	for (size_t i = 0; i < a->ng; i++) {
		const struct pair_stats *g = &a->g[i];
		const char *sep = "";

		fprintf(out, "%s,%u,%u,%s,%" PRIu64, g->domain, g->from_khz,
			g->to_khz, direction(g->from_khz, g->to_khz), g->n);
		csv_dist(out, &g->stall, true);
		csv_dist(out, &g->req_exit, true);
		csv_dist(out, &g->effective, true);
		csv_dist(out, &g->throughput, true);
		csv_dist(out, &g->tp_bound, false);
		csv_dist(out, &g->eff_bound, false);
		csv_dist(out, &g->noise, false);
		fprintf(out, ",%" PRIu64 ",", g->warmup);
		for (unsigned int b = 0; b < XF_NFLAGS; b++)
			if ((g->flags & ~(uint32_t)XF_WARMUP) & (1U << b)) {
				fprintf(out, "%s%s", sep, analysis_flag_name(b));
				sep = ";";
			}
		csv_dist(out, &g->wstall, true);
		csv_dist(out, &g->wstall_noise, false);
		fputc(',', out);
		csv_str(out, g->device);
		fputc('\n', out);
	}
}

static void text_dist(FILE *out, const char *label, const struct dist *d,
		      const char *why)
{
	char b[5][32];

	if (!d->n) {
		fprintf(out, "  %-19s %11s  (%s)\n", label, "-", why);
		return;
	}
	if (d->n >= DIST_P999_MIN_N)
		fmt_us(b[4], sizeof(b[4]), d->p999);
	else
		snprintf(b[4], sizeof(b[4]), "n<%d", DIST_P999_MIN_N);
	fprintf(out, "  %-19s %11s %11s %11s %11s %11s  n=%zu\n", label,
		fmt_us(b[0], sizeof(b[0]), d->p50), fmt_us(b[1], sizeof(b[1]), d->p95),
		fmt_us(b[2], sizeof(b[2]), d->p99), b[4], fmt_us(b[3], sizeof(b[3]), d->max),
		d->n);
}

/* Why a metric has no data, from the flags of the pair's transitions. */
static const char *why_missing(const struct pair_stats *g, int metric)
{
	switch (metric) {
	case 0:
		return "no settle:driver_entry/exit (fallback trace)";
	case 1:
		return g->flags & XF_NO_REQUEST ? "no settle:request events" :
		       "no data";
	case 2:
		if (g->flags & XF_EFF_TIMEOUT)
			return "sampler timed out before the target showed";
		if (g->flags & (XF_EFF_SUPERSEDED | XF_EFF_CANCELLED))
			return "sampling superseded or cancelled";
		return "no settled settle:effective events";
	default:
		if (g->flags & XF_NO_PROBE)
			return "no probe bins in the trace";
		if (g->flags & XF_DEGENERATE)
			return "levels too close to tell apart (degenerate)";
		if (g->flags & XF_PROBE_GAP)
			return "the probe stopped running inside the windows";
		if (g->flags & XF_WINDOW_SHORT)
			return "transitions too close together for the windows";
		if (g->flags & XF_TP_NOT_FOUND)
			return "no change inside the search range";
		return "probe bins do not cover the windows";
	}
}

/* The devices the trace's header named (settle.ko's SETTLE_IOC_DEVICE). */
static void text_devices(FILE *out, const struct analysis *a)
{
	for (size_t i = 0; i < a->ndev; i++) {
		const struct trace_dev *d = &a->dev[i];

		if (!d->declared)
			continue;
		fprintf(out, "device:   %s %s (dev %u), %u rates", analysis_domain_name(d->dom),
			d->name, d->dev, d->nrates);
		if (d->nrates)
			fprintf(out, " %u..%u kHz", d->rates[0], d->rates[d->nrates - 1]);
		fputc('\n', out);
	}
}

static void text_links(FILE *out, const struct analysis *a)
{
	bool any = false;
	char b[3][32];

	for (uint32_t p = 0; p < TRACE_DOMAINS; p++)
		for (uint32_t c = 0; c < TRACE_DOMAINS; c++) {
			const struct link_stats *l = &a->links[p][c];

			if (!l->n)
				continue;
			if (!any)
				fputs("cross-domain links (transitions requested inside another's driver call):\n",
				      out);
			any = true;
			fprintf(out, "  %s -> %s: %" PRIu64 " transitions; parent request to child request"
				" p50 %s us, p99 %s us, max %s us\n",
				analysis_domain_name(p), analysis_domain_name(c), l->n,
				fmt_us(b[0], sizeof(b[0]), l->delay.p50),
				fmt_us(b[1], sizeof(b[1]), l->delay.p99),
				fmt_us(b[2], sizeof(b[2]), l->delay.max));
		}
	for (uint32_t c = 0; c < TRACE_DOMAINS; c++)
		if (a->link_orphans[c])
			fprintf(out, "  %s: %" PRIu64 " transitions name a parent that is not in the trace\n",
				analysis_domain_name(c), a->link_orphans[c]);
	if (any)
		fputc('\n', out);
}

static void text_report(const struct report *r, const struct report_opts *o,
			FILE *out)
{
	const struct analysis *a = &r->a;

	fprintf(out, "trace:    %s (format v%d, source %s, settle %s)\n", r->dir,
		r->ti.version, r->ti.source, r->ti.settle_version);
	fprintf(out, "recorded: host %s, kernel %s, %s\n", r->ti.hostname,
		r->ti.kernel_release, r->ti.machine);
	fprintf(out, "events:   %" PRIu64 " in %" PRIu64 " packets%s; lost %" PRIu64 "\n",
		r->res.events, r->res.packets,
		r->res.partial ? " (PARTIAL)" : "", r->lost);
	if (r->res.partial)
		fprintf(out, "PARTIAL:  %s;\n          every figure below covers only the events before"
			" that offset\n", r->res.why);
	if (r->lost)
		fprintf(out, "WARNING:  %" PRIu64 " events were lost: transitions may be missing"
			" or unpaired\n", r->lost);
	if (recorded_by_bpf(r) && r->ti.skips_counted != 1)
		fprintf(out, "note:     events the kernel never ran the recorder for (one fired"
			" while another\n          BPF program ran on that CPU) are not in lost:"
			" lost may be short of\n          them (counted with settle.ko API 3,"
			" or the fallback on Linux 6.7+)\n");
	if (a->npre || a->npost)
		fprintf(out, "pairing:  %zu PRE, %zu POST, %" PRIu64 " unpaired PRE, %" PRIu64
			" unpaired POST, %" PRIu64 " inconsistent pairs\n",
			a->npre, a->npost, a->unpaired_pre, a->unpaired_post,
			a->inconsistent);
	if (a->steps)
		fprintf(out, "steps:    %" PRIu64 " (%" PRIu64 " warm-up, excluded; %" PRIu64
			" failed)\n", a->steps, a->steps_warmup, a->steps_failed);
	for (size_t i = 0; i < a->npi; i++) {
		const struct probe_info_ev *p = &a->pi[i];

		if (trace_probe_is_gpu(p->kind)) {
			fprintf(out, "probe:    GPU %u %s, %" PRIu64 " samples, sample period p50 %u ns,"
				" p99 %u ns, max %u ns, bins %u ns, %" PRIu64 " samples dropped%s\n",
				p->gpu, probe_kind_name(p->kind), p->samples, p->p50, p->p99,
				p->max, p->bin_ns, p->dropped_samples,
				p->status == TRACE_PROBE_FAILED ? ", FAILED (bins up to the failure)" : "");
			fprintf(out, "          clock alignment +-%" PRIu64 " ns, %%globaltimer step %u ns,"
				" drift %" PRIu64 " ns: time bound %" PRIu64 " ns, added to every"
				" detection bound\n", p->align_bound_ns, p->gt_step_ns, p->drift_ns,
				p->time_bound_ns);
			continue;
		}
		fprintf(out, "probe:    cpu %u, %" PRIu64 " samples, sample period p50 %u ns,"
			" p99 %u ns, max %u ns, bins %u ns%s%s\n", p->cpu,
			p->samples, p->p50, p->p99, p->max,
			p->bin_ns, p->fifo ? "" : ", no SCHED_FIFO",
			p->mlocked ? "" : ", not mlocked");
	}
	if (a->n_limits || a->n_policy)
		fprintf(out, "policy:   %" PRIu64 " limits and %" PRIu64 " governor events\n",
			a->n_limits, a->n_policy);
	text_devices(out, a);
	if (!r->stall_available && a->nfq)
		fprintf(out, "driver call: unavailable: trace has no settle:driver_entry/exit events\n"
			"          (recorded from power:cpu_frequency without settle.ko);\n"
			"          n counts frequency changes seen per CPU, %" PRIu64
			" first-seen frequencies not counted\n", a->fq_initial);
	fputc('\n', out);

	if (o->transitions) {
		fprintf(out, "%-6s %-12s %4s %10s %10s %9s %9s %20s %14s %14s %14s %12s %s\n",
			"domain", "device", "dev", "id", "parent_id", "from_khz", "to_khz",
			"t_request_ns", "driver_call_ns", "effective_ns", "throughput_ns",
			"wstall_ns", "flags");
		for (size_t i = 0; i < a->nx; i++) {
			const struct xition *x = &a->x[i];
			char s[5][24];
			const char *sep = "";

			snprintf(s[0], sizeof(s[0]), "%" PRIu64, x->stall_ns);
			snprintf(s[1], sizeof(s[1]), "%" PRIu64, x->t_effective_ns - x->t_request_ns);
			snprintf(s[2], sizeof(s[2]), "%" PRId64,
				 (int64_t)(x->t_throughput_ns - x->t_request_ns));
			snprintf(s[3], sizeof(s[3]), "%" PRIu64, x->wstall_ns);
			snprintf(s[4], sizeof(s[4]), "%" PRIu64, x->parent_id);
			fprintf(out, "%-6s %-12s %4u %10" PRIu64 " %10s %9u %9u %20" PRIu64
				" %14s %14s %14s %12s ",
				x->domain, x->device, x->dev, x->id, x->parent_id ? s[4] : "-",
				x->from_khz, x->to_khz,
				x->t_request_ns, x->has_stall ? s[0] : "n/a",
				x->has_effective ? s[1] : "-", x->has_tp ? s[2] : "-",
				x->has_wstall ? s[3] : "-");
			for (unsigned int b = 0; b < XF_NFLAGS; b++)
				if (x->flags & (1U << b)) {
					fprintf(out, "%s%s", sep, analysis_flag_name(b));
					sep = ",";
				}
			fputc('\n', out);
		}
		fputs("\ndriver_call_ns: exit - entry; effective_ns, throughput_ns: after t_request_ns;\n"
		      "wstall_ns: the workload stall; parent_id: the transition whose driver\n"
		      "call requested this one\n", out);
		return;
	}
	if (!a->ng) {
		fputs("no transitions in trace\n", out);
		return;
	}
	for (size_t i = 0; i < a->ng; i++) {
		const struct pair_stats *g = &a->g[i];
		const char *sep = "";

		fprintf(out, "%s %s %u -> %u kHz (%s): n %" PRIu64, g->domain, g->device,
			g->from_khz, g->to_khz, direction(g->from_khz, g->to_khz), g->n);
		if (g->warmup)
			fprintf(out, ", %" PRIu64 " warm-up excluded", g->warmup);
		fprintf(out, "\n  %-19s %11s %11s %11s %11s %11s\n", "(us)", "p50", "p95", "p99",
			"p99.9", "max");
		text_dist(out, "driver call", &g->stall, why_missing(g, 0));
		text_dist(out, "request->exit", &g->req_exit, why_missing(g, 1));
		text_dist(out, "effective settle", &g->effective, why_missing(g, 2));
		text_dist(out, "effective bound", &g->eff_bound, g->effective.n ?
			  "not known: imported readback without its polling interval" :
			  why_missing(g, 2));
		text_dist(out, "throughput settle", &g->throughput, why_missing(g, 3));
		text_dist(out, "detection bound", &g->tp_bound, why_missing(g, 3));
		text_dist(out, "noise floor", &g->noise, why_missing(g, 3));
		text_dist(out, "workload stall", &g->wstall, why_missing(g, 3));
		text_dist(out, "stall noise floor", &g->wstall_noise, why_missing(g, 3));
		if (g->flags & ~(uint32_t)XF_WARMUP) {
			fputs("  flags:", out);
			for (unsigned int b = 0; b < XF_NFLAGS; b++)
				if ((1U << b) != XF_WARMUP && (g->flags & (1U << b))) {
					fprintf(out, "%s %s (%" PRIu64 ")", sep,
						analysis_flag_name(b), g->flag_count[b]);
					sep = ",";
				}
			fputc('\n', out);
		}
		fputc('\n', out);
	}
	text_links(out, a);
	insight_text(out, a, &r->in);
	fputs("How to read this: times in microseconds from the request, per device and\n"
	      "rate pair.\n"
	      "  driver call        driver entry to exit (cpufreq PRECHANGE to POSTCHANGE,\n"
	      "                     devfreq/clk the same): the caller's blocking time\n"
	      "                     (JSON driver_call_us, alias stall_us)\n"
	      "  request->exit      request to driver exit (the caller's blocking time)\n"
	      "  effective settle   request to the first sampler read showing the target;\n"
	      "                     effective bound: how late that read may be\n"
	      "  throughput settle  request to the change point of the probe's throughput;\n"
	      "                     detection bound: +- per transition; noise floor: the\n"
	      "                     same statistic without a transition\n"
	      "  workload stall     the workload's hiccup on the measured CPU: the most\n"
	      "                     time the probe lost against the slower level after\n"
	      "                     the request; stall noise floor: the same on the\n"
	      "                     steady windows before and after\n"
	      "  p50..max use sorted[floor(q*(n-1))]; \"-\": no data, reason in brackets;\n"
	      "  p99.9 needs n >= 1000 (below that it would be the max: \"n<1000\");\n"
	      "  n counts measured transitions, n= per row those with that metric.\n"
	      "  See Documentation/analysis.rst.\n", out);
}

static int report_jll(struct report *r, const struct report_opts *o, FILE *out)
{
	struct jll_result j;
	char err[SETTLE_ERR_LEN];

	if (jll_analyse(r->dir, &r->a, &j, err, sizeof(err))) {
		p_err("%s", err);
		return -1;
	}
	if (o->json) {
		json_writer_t *w = jsonw_new(out);

		if (w) {
			jsonw_pretty(w, o->pretty);
			jll_json(w, &r->a, &j);
			jsonw_destroy(&w);
		}
	} else {
		jll_text(out, &r->a, &j);
	}
	jll_free(&j);
	return 0;
}

int report_run(const char *dir, const struct report_opts *o, FILE *out)
{
	struct report r = { .dir = dir };
	char err[SETTLE_ERR_LEN];
	int ret = 1;

	analysis_init(&r.a);
	if (o->domain && (r.a.only_dom = trace_domain_parse(o->domain)) < 0) {
		p_err("--domain: unknown domain '%s' (cpu, gpu, emc)", o->domain);
		goto out;
	}
	r.a.only_device = o->device;
	if ((o->whole ? analysis_read_whole : analysis_stream)(dir, &r.a, &r.ti, &r.res, err,
							       sizeof(err))) {
		p_err("%s", err);
		goto out;
	}
	/* The lost events and the packet counter should agree; trust the larger. */
	r.lost = r.a.lost_total > r.res.events_discarded ?
		 r.a.lost_total : r.res.events_discarded;
	r.stall_available = r.a.npre || r.a.npost;
	if (insight_compute(&r.a, &r.in)) {
		p_err("analysing '%s': out of memory", dir);
		goto out;
	}

	if (o->jll) {
		if (report_jll(&r, o, out))
			goto out;
	} else if (o->json)
		json_report(&r, o, out);
	else if (o->csv)
		csv_report(&r, o, out);
	else
		text_report(&r, o, out);
	if (fflush(out) || ferror(out)) {
		p_err("writing the report failed");
		goto out;
	}
	ret = 0;
out:
	insight_free(&r.in);
	analysis_free(&r.a);
	return ret;
}

int cmd_report(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "csv", no_argument, NULL, 'c' },
		{ "transitions", no_argument, NULL, 't' },
		{ "whole", no_argument, NULL, 'W' },
		{ "method", required_argument, NULL, 'M' },
		{ "domain", required_argument, NULL, 'D' },
		{ "device", required_argument, NULL, 'E' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct report_opts o = { 0 };
	int c;

	opt_reset();
	while ((c = getopt_long(argc, argv, "pD:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'D':
			if (trace_domain_parse(optarg) < 0) {
				p_err("--domain: unknown domain '%s' (cpu, gpu, emc)", optarg);
				return 1;
			}
			o.domain = optarg;
			break;
		case 'E':
			if (!*optarg) {
				p_err("--device: empty name");
				return 1;
			}
			o.device = optarg;
			break;
		case 'j':
			o.json = true;
			break;
		case 'p':
			o.json = o.pretty = true;
			break;
		case 'c':
			o.csv = true;
			break;
		case 't':
			o.transitions = true;
			break;
		case 'W':
			o.whole = true;
			break;
		case 'M':
			if (!strcmp(optarg, "jll")) {
				o.jll = true;
			} else if (strcmp(optarg, "settle")) {
				p_err("--method: unknown method '%s' (settle, jll)", optarg);
				return 1;
			}
			break;
		case 'h':
			fputs(report_usage, stdout);
			return 0;
		default:
			usage_hint("report");
			return 1;
		}
	}
	if (o.jll && (o.csv || o.transitions)) {
		p_err("--method jll prints its own table: no --csv or --transitions");
		return 1;
	}
	if (o.json && o.csv) {
		p_err("--json and --csv cannot be combined");
		return 1;
	}
	if (argc - optind != 1) {
		p_err("expected exactly one TRACE_DIR, got %d (try 'settle report --help')",
		      argc - optind);
		return 1;
	}
	return report_run(argv[optind], &o, stdout);
}
