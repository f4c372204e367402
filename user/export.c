// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* settle export: a trace as CSV, JSON, a latency table or a Perfetto trace. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "analyze.h"
#include "cmds.h"
#include "insight.h"
#include "json_writer.h"
#include "perfetto.h"
#include "stream.h"
#include "trace.h"
#include "util.h"

static const char export_usage[] =
"Usage: settle export --format FORMAT [--probe-csv FILE] [--sample-us N]\n"
"                     -o OUT TRACE_DIR\n"
"\n"
"Write a trace recorded by `settle record`, `settle step` or `settle probe`\n"
"in a format other tools read.  OUT is written whole or not at all (a\n"
"temporary file renamed into place); '-o -' writes to standard output.\n"
"\n"
"Formats (Documentation/export.rst defines every column and key):\n"
"  csv                 one row per transition: domain, device, id, rates,\n"
"                      request, driver call, effective and throughput\n"
"                      settle with their bounds, workload stall, flags\n"
"                      (CLOCK_MONOTONIC ns; empty where not measured)\n"
"  json                the report as one JSON object, with the per-transition\n"
"                      rows (`settle report --json --transitions`)\n"
"  latency-table       per (domain, from_khz, to_khz): request->effective\n"
"                      and request->throughput settle and workload stall,\n"
"                      p50/p95/p99 in us, as CSV; a stable interface for\n"
"                      latency models and governors\n"
"  latency-table-json  the same table as JSON\n"
"  perfetto            a Perfetto protobuf trace (ui.perfetto.dev,\n"
"                      trace_processor): per domain and device, counter\n"
"                      tracks of the requested and effective rate and the\n"
"                      probe's throughput, slices for driver calls and settle\n"
"                      windows, flows from each request to its changes\n"
"\n"
"Options:\n"
"  -f, --format FORMAT   one of the formats above (required)\n"
"  -o, --output OUT      output file, '-' for standard output (required)\n"
"  --probe-csv FILE      csv only: also write the raw probe bins to FILE\n"
"                        (domain,device,t_ns,bin_ns,work)\n"
"  --sample-us N         perfetto only: throughput counter sample width,\n"
"                        1..1000000 us (default 100)\n"
"  -h, --help            this text\n"
"\n"
"Exit status: 0 on success, 1 on any error (bad usage, unreadable or\n"
"corrupt trace, write failure).\n"
"\n"
"Examples:\n"
"  settle export --format perfetto -o run1.perfetto-trace run1\n"
"  settle export --format csv -o run1.csv --probe-csv run1.probe.csv run1\n"
"  settle export --format latency-table -o latency.csv run1\n";

enum fmt { F_NONE, F_CSV, F_JSON, F_LTABLE, F_LTABLE_JSON, F_PERFETTO };

static const struct {
	const char *name;
	enum fmt f;
} formats[] = {
	{ "csv", F_CSV }, { "json", F_JSON }, { "latency-table", F_LTABLE },
	{ "latency-table-json", F_LTABLE_JSON }, { "perfetto", F_PERFETTO },
};

struct export_opts {
	enum fmt fmt;
	const char *out, *probe_csv, *dir;
	uint64_t sample_ns;
	bool sample_set;
};

/* A file written under a temporary name and renamed when complete. */
struct outfile {
	FILE *f;
	const char *path;
	char *tmp;
};

static int out_open(struct outfile *o, const char *path)
{
	*o = (struct outfile){ .path = path };
	if (!strcmp(path, "-")) {
		o->f = stdout;
		return 0;
	}
	if (asprintf(&o->tmp, "%s.tmp.%d", path, (int)getpid()) < 0) {
		o->tmp = NULL;
		p_err("out of memory");
		return -1;
	}
	o->f = fopen(o->tmp, "wb");
	if (!o->f) {
		p_err("cannot create '%s': %s", o->tmp, strerror(errno));
		free(o->tmp);
		return -1;
	}
	return 0;
}

/* ok: keep the output; otherwise remove it.  Returns 0 if kept. */
static int out_close(struct outfile *o, bool ok)
{
	int ret = ok ? 0 : -1;

	if (!o->f)
		return -1;
	if (o->f == stdout) {
		if (fflush(stdout) || ferror(stdout)) {
			p_err("writing to standard output failed");
			ret = -1;
		}
		return ret;
	}
	if (ferror(o->f) || fclose(o->f)) {
		if (ok)
			p_err("writing '%s' failed: %s", o->tmp, strerror(errno ? errno : EIO));
		ret = -1;
	}
	if (!ret && rename(o->tmp, o->path)) {
		p_err("cannot rename '%s' to '%s': %s", o->tmp, o->path, strerror(errno));
		ret = -1;
	}
	if (ret)
		unlink(o->tmp);
	free(o->tmp);
	o->f = NULL;
	return ret;
}

static int load(const char *dir, struct analysis *a)
{
	struct trace_info ti;
	struct trace_stream_result res;
	char err[SETTLE_ERR_LEN];

	analysis_init(a);
	if (analysis_read_whole(dir, a, &ti, &res, err, sizeof(err))) {
		p_err("%s", err);
		return -1;
	}
	return 0;
}

static void csv_u(FILE *f, bool has, uint64_t v)
{
	fputc(',', f);
	if (has)
		fprintf(f, "%" PRIu64, v);
}

static void csv_flags(FILE *f, uint32_t flags)
{
	const char *sep = "";

	fputc(',', f);
	for (unsigned int b = 0; b < XF_NFLAGS; b++)
		if (flags & (1U << b)) {
			fprintf(f, "%s%s", sep, analysis_flag_name(b));
			sep = ";";
		}
}

static void write_csv(const struct analysis *a, FILE *f)
{
	fputs("domain,device,id,from_khz,to_khz,direction,warmup,t_request_ns,request_source,"
	      "driver_call_ns,request_to_exit_ns,t_effective_ns,effective_settle_ns,"
	      "effective_bound_ns,t_throughput_ns,throughput_settle_ns,detection_bound_ns,"
	      "noise_floor_ns,workload_stall_ns,workload_stall_noise_ns,flags,parent_id\n", f);
	for (size_t i = 0; i < a->nx; i++) {
		const struct xition *x = &a->x[i];
		uint64_t t = x->t_request_ns;

		fprintf(f, "%s,", x->domain);
		csv_str(f, x->device);
		fprintf(f, ",%" PRIu64 ",%u,%u,%s,%d,%" PRIu64,
			x->id, x->from_khz, x->to_khz, direction(x->from_khz, x->to_khz),
			!!(x->flags & XF_WARMUP), t);
		csv_u(f, x->has_req, x->req_source);
		csv_u(f, x->has_stall, x->stall_ns);
		csv_u(f, x->has_req_exit, x->req_exit_ns);
		csv_u(f, x->has_effective, x->t_effective_ns);
		csv_u(f, x->has_effective, x->t_effective_ns - t);
		csv_u(f, x->has_effective && x->eff_bound_ns, x->eff_bound_ns);
		csv_u(f, x->has_tp, x->t_throughput_ns);
		/* as in the report: a change point before the request counts as 0 */
		csv_u(f, x->has_tp, x->t_throughput_ns > t ? x->t_throughput_ns - t : 0);
		csv_u(f, x->has_tp, x->tp_bound_ns);
		csv_u(f, x->has_tp, x->tp_noise_ns);
		csv_u(f, x->has_wstall, x->wstall_ns);
		csv_u(f, x->has_wstall, x->wstall_noise_ns);
		csv_flags(f, x->flags);
		csv_u(f, x->parent_id, x->parent_id);
		fputc('\n', f);
	}
}

static void write_probe_csv(const struct analysis *a, FILE *f)
{
	fputs("domain,device,t_ns,bin_ns,work\n", f);
	for (size_t s = 0; s < a->nseg; s++) {
		const struct probe_seg *sg = &a->seg[s];

		for (size_t i = 0; i < sg->n; i++)
			fprintf(f, "%s,%s%u,%" PRIu64 ",%u,%u\n",
				probe_src_is_gpu(sg->cpu) ? "gpu" : "cpu",
				probe_src_is_gpu(sg->cpu) ? "gpu" : "cpu", sg->cpu & ~PROBE_SRC_GPU,
				sg->t0_ns + (uint64_t)i * sg->bin_ns, sg->bin_ns, sg->w[i]);
	}
}

/* The latency table's metrics, in column order. */
static const struct {
	const char *name;
	size_t off;
} lt_metrics[] = {
	{ "request_to_effective", offsetof(struct pair_stats, effective) },
	{ "request_to_throughput", offsetof(struct pair_stats, throughput) },
	{ "workload_stall", offsetof(struct pair_stats, wstall) },
	{ "driver_call", offsetof(struct pair_stats, stall) },
};

static const struct dist *lt_dist(const struct pair_stats *g, size_t m)
{
	return (const struct dist *)((const char *)g + lt_metrics[m].off);
}

static void us3(FILE *f, uint64_t ns)
{
	fprintf(f, ",%" PRIu64 ".%03" PRIu64, ns / 1000, ns % 1000);
}

static void write_ltable(const struct analysis *a, FILE *f)
{
	fputs("domain,from_khz,to_khz,direction,n", f);
	for (size_t m = 0; m < ARRAY_SIZE(lt_metrics); m++)
		fprintf(f, ",%1$s_n,%1$s_p50_us,%1$s_p95_us,%1$s_p99_us", lt_metrics[m].name);
	fputs(",device\n", f);	/* v2: appended, the table is per device */
	for (size_t i = 0; i < a->ng; i++) {
		const struct pair_stats *g = &a->g[i];

		fprintf(f, "%s,%u,%u,%s,%" PRIu64, g->domain, g->from_khz, g->to_khz,
			direction(g->from_khz, g->to_khz), g->n);
		for (size_t m = 0; m < ARRAY_SIZE(lt_metrics); m++) {
			const struct dist *d = lt_dist(g, m);

			fprintf(f, ",%zu", d->n);
			if (!d->n) {
				fputs(",,,", f);
				continue;
			}
			us3(f, d->p50);
			us3(f, d->p95);
			us3(f, d->p99);
		}
		fputc(',', f);
		csv_str(f, g->device);
		fputc('\n', f);
	}
}

static void write_ltable_json(const struct analysis *a, FILE *f)
{
	json_writer_t *w = jsonw_new(f);

	if (!w)
		return;
	jsonw_pretty(w, true);
	jsonw_start_object(w);
	jsonw_string_field(w, "schema", "settle-latency-table");
	jsonw_uint_field(w, "version", 1);
	jsonw_name(w, "rows");
	jsonw_start_array(w);
	for (size_t i = 0; i < a->ng; i++) {
		const struct pair_stats *g = &a->g[i];

		jsonw_start_object(w);
		json_pair_key(w, g->domain, g->from_khz, g->to_khz);
		jsonw_string_field(w, "device", g->device);
		jsonw_uint_field(w, "n", g->n);
		for (size_t m = 0; m < ARRAY_SIZE(lt_metrics); m++) {
			const struct dist *d = lt_dist(g, m);
			char key[64];

			snprintf(key, sizeof(key), "%s_us", lt_metrics[m].name);
			jsonw_name(w, key);
			if (!d->n) {
				jsonw_null(w);
				continue;
			}
			jsonw_start_object(w);
			jsonw_uint_field(w, "n", d->n);
			jsonw_name(w, "p50");
			jsonw_fixed(w, d->p50, 3);
			jsonw_name(w, "p95");
			jsonw_fixed(w, d->p95, 3);
			jsonw_name(w, "p99");
			jsonw_fixed(w, d->p99, 3);
			jsonw_end_object(w);
		}
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
	jsonw_end_object(w);
	jsonw_destroy(&w);
}

static int export_run(const char *dir, enum fmt fmt, const char *out_path,
	       const char *probe_csv, uint64_t sample_ns)
{
	struct report_opts ro = { .json = true, .transitions = true };
	struct outfile out, pout = { 0 };
	char err[SETTLE_ERR_LEN];
	struct analysis a;
	bool ok = false;

	/* json is the report itself: it reads the trace on its own. */
	if (fmt == F_JSON) {
		if (out_open(&out, out_path))
			return 1;
		ok = !report_run(dir, &ro, out.f);
		return out_close(&out, ok) ? 1 : 0;
	}
	if (load(dir, &a))
		goto fail;
	if (out_open(&out, out_path))
		goto fail;
	switch (fmt) {
	case F_CSV:
		write_csv(&a, out.f);
		ok = true;
		if (probe_csv) {
			if (out_open(&pout, probe_csv)) {
				ok = false;
				break;
			}
			write_probe_csv(&a, pout.f);
			ok = !out_close(&pout, true);
		}
		break;
	case F_LTABLE:
		write_ltable(&a, out.f);
		ok = true;
		break;
	case F_LTABLE_JSON:
		write_ltable_json(&a, out.f);
		ok = true;
		break;
	case F_PERFETTO:
		ok = !perfetto_write(&a, out.f, sample_ns, err, sizeof(err));
		if (!ok)
			p_err("perfetto export of '%s': %s", dir, err);
		break;
	default:
		break;
	}
	if (out_close(&out, ok) || !ok)
		goto fail;
	analysis_free(&a);
	return 0;
fail:
	analysis_free(&a);
	return 1;
}

int cmd_export(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "probe-csv", required_argument, NULL, 'P' },
		{ "sample-us", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct export_opts o = { .sample_ns = 100000 };
	uint64_t us;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "f:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			o.fmt = F_NONE;
			for (size_t i = 0; i < ARRAY_SIZE(formats); i++)
				if (!strcmp(optarg, formats[i].name))
					o.fmt = formats[i].f;
			if (o.fmt == F_NONE) {
				p_err("--format: unknown format '%s' (csv, json, latency-table,"
				      " latency-table-json, perfetto)", optarg);
				return 1;
			}
			break;
		case 'o':
			o.out = optarg;
			break;
		case 'P':
			o.probe_csv = optarg;
			break;
		case 'S':
			if (parse_u64("--sample-us", optarg, 1, 1000000, &us))
				return 1;
			o.sample_ns = us * 1000;
			o.sample_set = true;
			break;
		case 'h':
			fputs(export_usage, stdout);
			return 0;
		default:
			usage_hint("export");
			return 1;
		}
	}
	if (o.fmt == F_NONE) {
		p_err("--format is required (try 'settle export --help')");
		return 1;
	}
	if (!o.out) {
		p_err("-o OUT is required ('-o -' for standard output)");
		return 1;
	}
	if (o.probe_csv && o.fmt != F_CSV) {
		p_err("--probe-csv goes with --format csv only");
		return 1;
	}
	if (o.sample_set && o.fmt != F_PERFETTO) {
		p_err("--sample-us goes with --format perfetto only");
		return 1;
	}
	if (o.probe_csv && !strcmp(o.probe_csv, o.out)) {
		p_err("--probe-csv and -o name the same file '%s'", o.out);
		return 1;
	}
	if (argc - optind != 1) {
		p_err("expected exactly one TRACE_DIR, got %d (try 'settle export --help')",
		      argc - optind);
		return 1;
	}
	return export_run(argv[optind], o.fmt, o.out, o.probe_csv, o.sample_ns);
}
