// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* settle report: read a trace, pair PRE/POST, print stall statistics. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include "analyze.h"
#include "cmds.h"
#include "json_writer.h"
#include "trace.h"
#include "util.h"

static const char report_usage[] =
"Usage: settle report [--json [--pretty] | --csv] [--transitions] TRACE_DIR\n"
"\n"
"Summarise a trace written by `settle record`.  PRE and POST events with the\n"
"same transition id are paired; stall = POST time - PRE time, i.e. how long\n"
"the cpufreq driver's target_index took.  Rows are grouped by\n"
"(domain, from_khz, to_khz, direction) with n and stall percentiles in\n"
"microseconds.\n"
"\n"
"Percentiles use the lower-rank rule p(q) = sorted[floor(q * (n - 1))]\n"
"(no interpolation; p50 of 1,2,3,4 is 2); max is the largest value.\n"
"\n"
"PRE or POST events without a partner, and pairs whose POST precedes PRE or\n"
"whose frequencies disagree, are counted and shown, never used.  Traces\n"
"recorded without settle.ko (source \"fallback\") have no PRE/POST: the\n"
"report counts frequency changes but says the stall is unavailable.\n"
"\n"
"Options:\n"
"  --json          machine-readable output (one JSON object)\n"
"  -p, --pretty    indented JSON (implies --json)\n"
"  --csv           comma-separated output with a header line\n"
"  --transitions   one row per transition instead of the summary:\n"
"                  domain,cpu,id,from_khz,to_khz,t_request_ns,stall_ns\n"
"                  (t_request_ns: CLOCK_MONOTONIC of PRE; with --json the\n"
"                  rows are added to the summary object as \"transitions\")\n"
"  -h, --help      this text\n"
"\n"
"Exit status: 0 on success, 1 on any error (unreadable or corrupt trace,\n"
"unsupported trace version, bad usage).  A trace that ends in a partial\n"
"packet (recorder killed) is read up to that packet with a warning.\n"
"\n"
"Examples:\n"
"  settle report settle-trace\n"
"  settle report --json settle-trace | jq '.pairs[] | select(.direction == \"up\")'\n"
"  settle report --transitions --csv settle-trace > transitions.csv\n";

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
};

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
	jsonw_uint_field(w, "events", r->res.events);
	jsonw_name(w, "partial");
	jsonw_bool(w, r->res.partial);
	jsonw_name(w, "stall_available");
	jsonw_bool(w, r->stall_available);
	jsonw_uint_field(w, "unpaired_pre", a->unpaired_pre);
	jsonw_uint_field(w, "unpaired_post", a->unpaired_post);
	jsonw_uint_field(w, "inconsistent_pairs", a->inconsistent);
	jsonw_name(w, "pairs");
	jsonw_start_array(w);
	for (size_t i = 0; i < a->ng; i++) {
		const struct pair_stats *g = &a->g[i];

		jsonw_start_object(w);
		jsonw_string_field(w, "domain", g->domain);
		jsonw_uint_field(w, "from_khz", g->from_khz);
		jsonw_uint_field(w, "to_khz", g->to_khz);
		jsonw_string_field(w, "direction", direction(g->from_khz, g->to_khz));
		jsonw_uint_field(w, "n", g->n);
		jsonw_name(w, "stall_us");
		if (g->has_stall) {
			jsonw_start_object(w);
			jsonw_name(w, "p50");
			jsonw_fixed(w, g->p50_ns, 3);
			jsonw_name(w, "p95");
			jsonw_fixed(w, g->p95_ns, 3);
			jsonw_name(w, "p99");
			jsonw_fixed(w, g->p99_ns, 3);
			jsonw_name(w, "max");
			jsonw_fixed(w, g->max_ns, 3);
			jsonw_end_object(w);
		} else {
			jsonw_null(w);
		}
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
	if (o->transitions) {
		jsonw_name(w, "transitions");
		jsonw_start_array(w);
		for (size_t i = 0; i < a->nx; i++) {
			const struct xition *x = &a->x[i];

			jsonw_start_object(w);
			jsonw_string_field(w, "domain", x->domain);
			jsonw_uint_field(w, "cpu", x->cpu);
			jsonw_uint_field(w, "id", x->id);
			jsonw_uint_field(w, "from_khz", x->from_khz);
			jsonw_uint_field(w, "to_khz", x->to_khz);
			jsonw_uint_field(w, "t_request_ns", x->t_request_ns);
			jsonw_name(w, "stall_ns");
			if (x->has_stall)
				jsonw_uint(w, x->stall_ns);
			else
				jsonw_null(w);
			jsonw_end_object(w);
		}
		jsonw_end_array(w);
	}
	jsonw_end_object(w);
	jsonw_destroy(&w);
}

static void csv_report(const struct report *r, const struct report_opts *o,
		       FILE *out)
{
	const struct analysis *a = &r->a;
	char b[4][32];

	if (o->transitions) {
		fputs("domain,cpu,id,from_khz,to_khz,t_request_ns,stall_ns\n", out);
		for (size_t i = 0; i < a->nx; i++) {
			const struct xition *x = &a->x[i];

			fprintf(out, "%s,%u,%" PRIu64 ",%u,%u,%" PRIu64 ",", x->domain,
				x->cpu, x->id, x->from_khz, x->to_khz, x->t_request_ns);
			if (x->has_stall)
				fprintf(out, "%" PRIu64, x->stall_ns);
			fputc('\n', out);
		}
		return;
	}
	fputs("domain,from_khz,to_khz,direction,n,stall_p50_us,stall_p95_us,stall_p99_us,stall_max_us\n",
	      out);
	for (size_t i = 0; i < a->ng; i++) {
		const struct pair_stats *g = &a->g[i];

		fprintf(out, "%s,%u,%u,%s,%" PRIu64, g->domain, g->from_khz,
			g->to_khz, direction(g->from_khz, g->to_khz), g->n);
		if (g->has_stall)
			fprintf(out, ",%s,%s,%s,%s\n",
				fmt_us(b[0], sizeof(b[0]), g->p50_ns),
				fmt_us(b[1], sizeof(b[1]), g->p95_ns),
				fmt_us(b[2], sizeof(b[2]), g->p99_ns),
				fmt_us(b[3], sizeof(b[3]), g->max_ns));
		else
			fputs(",,,,\n", out);
	}
}

static void text_report(const struct report *r, const struct report_opts *o,
			FILE *out)
{
	const struct analysis *a = &r->a;
	char b[4][32];

	fprintf(out, "trace:    %s (format v%d, source %s, settle %s)\n", r->dir,
		r->ti.version, r->ti.source, r->ti.settle_version);
	fprintf(out, "recorded: host %s, kernel %s, %s\n", r->ti.hostname,
		r->ti.kernel_release, r->ti.machine);
	fprintf(out, "events:   %" PRIu64 " in %" PRIu64 " packets%s; lost %" PRIu64 "\n",
		r->res.events, r->res.packets,
		r->res.partial ? " (partial last packet dropped)" : "", r->lost);
	if (a->npre || a->npost)
		fprintf(out, "pairing:  %zu PRE, %zu POST, %" PRIu64 " unpaired PRE, %" PRIu64
			" unpaired POST, %" PRIu64 " inconsistent pairs\n",
			a->npre, a->npost, a->unpaired_pre, a->unpaired_post,
			a->inconsistent);
	if (!r->stall_available)
		fprintf(out, "stall:    unavailable: trace has no settle:cpufreq_pre/post events\n"
			"          (recorded from power:cpu_frequency without settle.ko);\n"
			"          n counts frequency changes seen per CPU, %" PRIu64
			" first-seen frequencies not counted\n", a->fq_initial);
	fputc('\n', out);

	if (o->transitions) {
		fprintf(out, "%-6s %4s %10s %9s %9s %20s %12s\n", "domain", "cpu",
			"id", "from_khz", "to_khz", "t_request_ns", "stall_ns");
		for (size_t i = 0; i < a->nx; i++) {
			const struct xition *x = &a->x[i];

			fprintf(out, "%-6s %4u %10" PRIu64 " %9u %9u %20" PRIu64 " ",
				x->domain, x->cpu, x->id, x->from_khz, x->to_khz,
				x->t_request_ns);
			if (x->has_stall)
				fprintf(out, "%12" PRIu64 "\n", x->stall_ns);
			else
				fprintf(out, "%12s\n", "n/a");
		}
		return;
	}
	if (!a->ng) {
		fputs("no transitions in trace\n", out);
		return;
	}
	fprintf(out, "%-6s %9s %9s %-4s %7s %11s %11s %11s %11s\n", "domain",
		"from_khz", "to_khz", "dir", "n", "p50_us", "p95_us", "p99_us",
		"max_us");
	for (size_t i = 0; i < a->ng; i++) {
		const struct pair_stats *g = &a->g[i];

		fprintf(out, "%-6s %9u %9u %-4s %7" PRIu64, g->domain, g->from_khz,
			g->to_khz, direction(g->from_khz, g->to_khz), g->n);
		if (g->has_stall)
			fprintf(out, " %11s %11s %11s %11s\n",
				fmt_us(b[0], sizeof(b[0]), g->p50_ns),
				fmt_us(b[1], sizeof(b[1]), g->p95_ns),
				fmt_us(b[2], sizeof(b[2]), g->p99_ns),
				fmt_us(b[3], sizeof(b[3]), g->max_ns));
		else
			fprintf(out, " %11s %11s %11s %11s\n", "n/a", "n/a", "n/a", "n/a");
	}
}

int report_run(const char *dir, const struct report_opts *o, FILE *out)
{
	struct report r = { .dir = dir };
	char err[SETTLE_ERR_LEN];
	int ret = 1;

	analysis_init(&r.a);
	if (trace_read_dir(dir, &r.ti, analysis_add, &r.a, &r.res, err, sizeof(err))) {
		p_err("%s", err);
		goto out;
	}
	if (analysis_finish(&r.a)) {
		p_err("analysing '%s': out of memory", dir);
		goto out;
	}
	/* The lost events and the packet counter should agree; trust the larger. */
	r.lost = r.a.lost_total > r.res.events_discarded ?
		 r.a.lost_total : r.res.events_discarded;
	r.stall_available = r.a.npre || r.a.npost;

	if (o->json)
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
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct report_opts o = { 0 };
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "ph", longopts, NULL)) != -1) {
		switch (c) {
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
		case 'h':
			fputs(report_usage, stdout);
			return 0;
		default:
			fputs("Try 'settle report --help'.\n", stderr);
			return 1;
		}
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
