// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * settle plot: PNG figures of a trace, drawn by gnuplot.  settle writes the
 * data files and one gnuplot script into the output directory and runs
 * gnuplot on it, so a user can edit the script and redraw.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "analyze.h"
#include "cmds.h"
#include "insight.h"
#include "stream.h"
#include "trace.h"
#include "util.h"

/*
 * An empty panel that says why: gnuplot refuses to autoscale a plot with
 * no points, so it gets fixed ranges, given back to autoscaling after.
 */
#define EMPTY_PLOT	"set xrange [0:1]\nset yrange [0:1]\nplot NaN notitle\n" \
			"set autoscale\n"

extern char **environ;

static const char plot_usage[] =
"Usage: settle plot [--transition ID] [--no-render] -o DIR TRACE_DIR\n"
"\n"
"Draw a trace with gnuplot (Debian package gnuplot-nox) into DIR, one\n"
"set of files per domain D:\n"
"\n"
"  D-cdf.png        CDFs of the driver call, the workload stall, the\n"
"                   effective settle and the throughput settle (us, log x)\n"
"                   over all measured transitions of the domain\n"
"  D-heatmap.png    from-to matrix of the rate pairs: throughput settle p50\n"
"                   (effective settle p50 where the probe saw none), with n\n"
"  D-timeline.png   one transition: the probe's throughput per bin around\n"
"                   it, with the request, driver entry and exit, effective\n"
"                   change and detected throughput change marked\n"
"\n"
"Beside them: the data (*.dat) and plot.gp, the gnuplot script that drew\n"
"them (`gnuplot plot.gp` in DIR redraws).  DIR is created if missing.\n"
"\n"
"Options:\n"
"  -o, --output DIR      output directory (required)\n"
"  --transition ID       the transition for the timeline (settle.ko's id;\n"
"                        default: the first measured one with a throughput\n"
"                        change point)\n"
"  --no-render           write the data and plot.gp, do not run gnuplot\n"
"  -h, --help            this text\n"
"\n"
"Exit status: 0 on success, 1 on any error (bad usage, unreadable trace,\n"
"gnuplot missing or failing, unknown --transition).\n"
"\n"
"Example:\n"
"  settle plot -o figures run1 && ls figures/*.png\n";

/* Around the timeline's request: what the probe did just before and after. */
#define TL_BEFORE_NS	3000000ULL
#define TL_AFTER_NS	7000000ULL

struct plot {
	const char *dir, *trace;
	FILE *gp;
	bool err;
};

static FILE *open_in(struct plot *p, const char *name)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", p->dir, name);
	f = fopen(path, "w");
	if (!f) {
		p_err("cannot create '%s': %s", path, strerror(errno));
		p->err = true;
	}
	return f;
}

static void close_in(struct plot *p, FILE *f, const char *name)
{
	if (f && (ferror(f) | fclose(f))) {
		p_err("writing '%s/%s' failed", p->dir, name);
		p->err = true;
	}
}

/* The domains present, in the order of a->g (sorted by domain). */
static size_t domains(const struct analysis *a, const char **d, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < a->ng; i++)
		if ((!n || strcmp(d[n - 1], a->g[i].domain)) && n < max)
			d[n++] = a->g[i].domain;
	return n;
}

enum { C_DRIVER, C_WSTALL, C_EFF, C_TP, C_N };
static const char *const cdf_title[C_N] = {
	"driver call (PRE->POST)", "workload stall", "effective settle", "throughput settle",
};

static int cmp_u64p(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* One data block per metric (gnuplot `index`): value_us, fraction <= it. */
static size_t cdf_data(struct plot *p, const struct analysis *a, const char *dom,
		       size_t count[C_N])
{
	char name[64];
	uint64_t *v = malloc((a->nx + 1) * sizeof(*v));
	FILE *f;
	size_t total = 0;

	snprintf(name, sizeof(name), "%s-cdf.dat", dom);
	f = open_in(p, name);
	if (!f || !v) {
		if (!v)
			p_err("out of memory");
		p->err = true;
		free(v);
		if (f)
			fclose(f);
		return 0;
	}
	for (int m = 0; m < C_N; m++) {
		size_t n = 0;

		for (size_t i = 0; i < a->nx; i++) {
			const struct xition *x = &a->x[i];
			uint64_t t = x->t_request_ns;

			if (strcmp(x->domain, dom) || (x->flags & XF_WARMUP))
				continue;
			if (m == C_DRIVER && x->has_stall)
				v[n++] = x->stall_ns;
			else if (m == C_WSTALL && x->has_wstall)
				v[n++] = x->wstall_ns;
			else if (m == C_EFF && x->has_effective)
				v[n++] = x->t_effective_ns - t;
			else if (m == C_TP && x->has_tp)
				v[n++] = x->t_throughput_ns > t ? x->t_throughput_ns - t : 0;
		}
		if (n)
			qsort(v, n, sizeof(*v), cmp_u64p);
		fprintf(f, "# %s: value_us fraction_at_or_below (n=%zu)\n", cdf_title[m], n);
		/* log x: a 0 cannot be drawn; 1 ns stands for it */
		for (size_t i = 0; i < n; i++)
			fprintf(f, "%.3f %.6f\n", (v[i] ? (double)v[i] : 1.0) / 1000.0,
				(double)(i + 1) / (double)n);
		if (!n)
			fputs("nan nan\n", f);	/* keeps the block numbering */
		fputs("\n\n", f);
		count[m] = n;
		total += n;
	}
	free(v);
	close_in(p, f, name);
	return total;
}

/* A gnuplot single-quoted string: only ' is special, written twice. */
static void gp_quoted(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputc('\'', f);
		fputc(*s, f);
	}
	fputc('\'', f);
}

static void cdf_script(struct plot *p, const char *dom, const size_t count[C_N])
{
	const char *sep = "plot ";
	char title[512];

	snprintf(title, sizeof(title), "%s: per-transition times, all rate pairs (%s)", dom,
		 p->trace);
	fprintf(p->gp, "set output '%s-cdf.png'\nset title ", dom);
	gp_quoted(p->gp, title);
	fputs("\nset logscale x\nset xlabel 'microseconds after the request (driver call: its duration)'\n"
	      "set ylabel 'fraction of transitions'\nset yrange [0:1.02]\nset key bottom right\n"
	      "set grid\n", p->gp);
	for (int m = 0; m < C_N; m++) {
		if (!count[m])
			continue;
		fprintf(p->gp, "%s'%s-cdf.dat' index %d using 1:2 with steps lw 2 title '%s (n=%zu)'",
			sep, dom, m, cdf_title[m], count[m]);
		sep = ", \\\n     ";
	}
	fputs("\nunset logscale x\nunset yrange\nunset grid\nunset title\n", p->gp);
}

#define MAX_RATES 64

static size_t rate_index(const uint32_t *r, size_t n, uint32_t k)
{
	for (size_t i = 0; i < n; i++)
		if (r[i] == k)
			return i;
	return n;
}

static void heatmap(struct plot *p, const struct analysis *a, const char *dom)
{
	uint32_t r[MAX_RATES];
	size_t nr = insight_rates(a, dom, r, MAX_RATES), cells = 0;
	char name[64];
	FILE *f;

	snprintf(name, sizeof(name), "%s-heatmap.dat", dom);
	f = open_in(p, name);
	if (!f)
		return;
	fputs("# from_index to_index settle_p50_us n label\n", f);
	for (size_t i = 0; i < a->ng; i++) {
		const struct pair_stats *g = &a->g[i];
		const struct dist *d = g->throughput.n ? &g->throughput : &g->effective;
		size_t fi = rate_index(r, nr, g->from_khz), ti = rate_index(r, nr, g->to_khz);

		if (strcmp(g->domain, dom) || fi == nr || ti == nr || !d->n)
			continue;
		fprintf(f, "%zu %zu %.3f %" PRIu64 " \"%.0f%s\\nn=%" PRIu64 "\"\n", fi, ti,
			(double)d->p50 / 1000.0, g->n, (double)d->p50 / 1000.0,
			d == &g->throughput ? "" : " (eff)", g->n);
		cells++;
	}
	close_in(p, f, name);
	fprintf(p->gp, "set output '%1$s-heatmap.png'\n"
		"set title '%1$s: request to throughput change, p50 us (eff: effective settle)'\n"
		"set xlabel 'from (MHz)'\nset ylabel 'to (MHz)'\n"
		"set palette rgbformulae 33,13,10\nset cblabel 'us'\nset style fill solid 1.0\n"
		"set xrange [-0.5:%2$zu.5]\nset yrange [-0.5:%2$zu.5]\nset size ratio -1\n"
		"set xtics (", dom, nr ? nr - 1 : 0);
	for (size_t i = 0; i < nr; i++)
		fprintf(p->gp, "%s\"%.1f\" %zu", i ? ", " : "", r[i] / 1000.0, i);
	fputs(")\nset ytics (", p->gp);
	for (size_t i = 0; i < nr; i++)
		fprintf(p->gp, "%s\"%.1f\" %zu", i ? ", " : "", r[i] / 1000.0, i);
	fputs(")\n", p->gp);
	if (cells)
		/* boxes, not `with image`: the diagonal and unvisited pairs leave
		 * holes, and image needs a complete grid */
		fprintf(p->gp, "plot '%1$s-heatmap.dat' using 1:2:(0.5):(0.5):3 with boxxyerror"
			" fc palette notitle, \\\n"
			"     '' using 1:2:5 with labels font ',10' notitle\n", dom);
	else
		fprintf(p->gp, "set label 1 'no settle times in this trace' at graph 0.5,0.5 center\n"
			EMPTY_PLOT "unset label 1\n");
	fputs("set autoscale\nset size noratio\nset size 1,1\nset xtics auto\nset ytics auto\n"
	      "unset cblabel\nunset title\nset style fill empty\n", p->gp);
}

static const struct xition *pick(const struct analysis *a, const char *dom,
				  bool by_id, uint64_t id)
{
	for (size_t i = 0; i < a->nx; i++) {
		const struct xition *x = &a->x[i];

		if (strcmp(x->domain, dom))
			continue;
		if (by_id ? x->id == id : x->has_tp && !(x->flags & XF_WARMUP))
			return x;
	}
	return NULL;
}

/* The probe segment at t: on that CPU, or any (cpu < 0: GPU, EMC). */
static const struct probe_seg *seg_at(const struct analysis *a, int64_t cpu, uint64_t t)
{
	for (size_t i = 0; i < a->nseg; i++)
		if ((cpu < 0 || a->seg[i].cpu == cpu) && t >= a->seg[i].t0_ns &&
		    t < a->seg[i].t0_ns + (uint64_t)a->seg[i].n * a->seg[i].bin_ns)
			return &a->seg[i];
	return NULL;
}

static void marker(FILE *gp, int n, double x_ms, const char *label, const char *color,
		   double y)
{
	fprintf(gp, "set arrow %d from %.4f, graph 0 to %.4f, graph 1 nohead lw 2 lc rgb '%s'\n"
		"set label %d '%s' at %.4f, graph %.2f left offset 0.3,0 tc rgb '%s'\n",
		n, x_ms, x_ms, color, n, label, x_ms, y, color);
}

static void timeline(struct plot *p, const struct analysis *a, const char *dom,
		     const struct xition *x)
{
	const struct probe_seg *sg = x ? seg_at(a, x->dom == TRACE_DOMAIN_CPU ? (int64_t)x->dev : -1,
						x->t_request_ns) : NULL;
	uint64_t t = x ? x->t_request_ns : 0;
	char name[64];
	int nm = 0;
	FILE *f;

	fprintf(p->gp, "set output '%s-timeline.png'\n", dom);
	if (!x || !sg) {
		fprintf(p->gp, "set title '%s: no transition with probe data to draw'\n"
			EMPTY_PLOT "unset title\n", dom);
		return;
	}
	snprintf(name, sizeof(name), "%s-timeline.dat", dom);
	f = open_in(p, name);
	if (!f)
		return;
	fprintf(f, "# %s %s id %" PRIu64 " %u -> %u kHz; ms_from_request work_per_us\n",
		dom, x->device, x->id, x->from_khz, x->to_khz);
	for (size_t i = 0; i < sg->n; i++) {
		uint64_t b = sg->t0_ns + (uint64_t)i * sg->bin_ns;

		if (b + TL_BEFORE_NS < t || b > t + TL_AFTER_NS)
			continue;
		fprintf(f, "%.4f %.4f\n", ((double)b - (double)t) / 1e6,
			(double)sg->w[i] * 1000.0 / sg->bin_ns);
	}
	close_in(p, f, name);
	fprintf(p->gp, "set title \"%s transition %" PRIu64 ": %.1f -> %.1f MHz (probe bins of %u us)\"\n"
		"set xlabel 'ms from the request'\nset ylabel 'probe work per us'\n"
		"set xrange [%.1f:%.1f]\nset yrange [0:*]\nset key off\n", x->device, x->id, x->from_khz / 1000.0,
		x->to_khz / 1000.0, sg->bin_ns / 1000, -(double)TL_BEFORE_NS / 1e6,
		(double)TL_AFTER_NS / 1e6);
	marker(p->gp, ++nm, 0, "request", "black", 0.95);
	if (x->has_stall) {
		uint64_t post = x->has_req_exit ? t + x->req_exit_ns : t + x->stall_ns;

		marker(p->gp, ++nm, ((double)(post - x->stall_ns) - (double)t) / 1e6,
		       "driver entry", "dark-orange", 0.88);
		marker(p->gp, ++nm, ((double)post - (double)t) / 1e6, "driver exit",
		       "dark-red", 0.81);
	}
	if (x->has_effective)
		marker(p->gp, ++nm, ((double)x->t_effective_ns - (double)t) / 1e6,
		       "effective change", "forest-green", 0.74);
	if (x->has_tp)
		marker(p->gp, ++nm, ((double)x->t_throughput_ns - (double)t) / 1e6,
		       "detected change", "blue", 0.67);
	fprintf(p->gp, "plot '%s' using 1:2 with steps lc rgb 'gray30'\n", name);
	for (int i = 1; i <= nm; i++)
		fprintf(p->gp, "unset arrow %d\nunset label %d\n", i, i);
	fputs("set autoscale\nset key\nunset title\n", p->gp);
}

static int run_gnuplot(const char *dir)
{
	char *argv[] = { "gnuplot", "plot.gp", NULL };
	posix_spawn_file_actions_t fa;
	int status, rc;
	pid_t pid;

	/* gnuplot resolves the script's relative file names from its cwd. */
	if (posix_spawn_file_actions_init(&fa) ||
	    posix_spawn_file_actions_addchdir_np(&fa, dir)) {
		p_err("cannot set up gnuplot: out of memory");
		return -1;
	}
	rc = posix_spawnp(&pid, "gnuplot", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc) {
		p_err("cannot run gnuplot: %s (install Debian's gnuplot-nox, or use"
		      " --no-render and run 'gnuplot plot.gp' in '%s')", strerror(rc), dir);
		return -1;
	}
	if (waitpid(pid, &status, 0) < 0) {
		p_err("waiting for gnuplot: %s", strerror(errno));
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		p_err("gnuplot failed on '%s/plot.gp' (status %d)", dir,
		      WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return -1;
	}
	return 0;
}

static int plot_run(const char *trace, const char *dir, bool by_id, uint64_t id,
		    bool render)
{
	struct plot p = { .dir = dir, .trace = trace };
	struct analysis a;
	struct trace_info ti;
	struct trace_stream_result res;
	char err[SETTLE_ERR_LEN];
	const char *dom[8];
	size_t nd;
	int ret = 1;

	analysis_init(&a);
	if (analysis_read_whole(trace, &a, &ti, &res, err, sizeof(err))) {
		p_err("%s", err);
		goto out;
	}
	nd = domains(&a, dom, ARRAY_SIZE(dom));
	if (!nd) {
		p_err("'%s' has no transitions to plot", trace);
		goto out;
	}
	if (by_id && !pick(&a, dom[0], true, id)) {
		p_err("--transition: no transition with id %" PRIu64 " in '%s'", id, trace);
		goto out;
	}
	if (mkdir(dir, 0777) && errno != EEXIST) {
		p_err("cannot create '%s': %s", dir, strerror(errno));
		goto out;
	}
	p.gp = open_in(&p, "plot.gp");
	if (!p.gp)
		goto out;
	fprintf(p.gp, "# Drawn by settle plot from %s; redraw with: gnuplot plot.gp\n"
		"set terminal pngcairo size 1000,640 noenhanced font ',11'\n", trace);
	for (size_t d = 0; d < nd; d++) {
		size_t count[C_N] = { 0 };

		if (cdf_data(&p, &a, dom[d], count))
			cdf_script(&p, dom[d], count);
		heatmap(&p, &a, dom[d]);
		timeline(&p, &a, dom[d], pick(&a, dom[d], by_id, id));
	}
	close_in(&p, p.gp, "plot.gp");
	if (p.err)
		goto out;
	ret = render && run_gnuplot(dir) ? 1 : 0;
out:
	analysis_free(&a);
	return ret;
}

int cmd_plot(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "transition", required_argument, NULL, 'T' },
		{ "no-render", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *out = NULL;
	bool by_id = false, render = true;
	uint64_t id = 0;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'T':
			if (parse_u64("--transition", optarg, 0, UINT64_MAX, &id))
				return 1;
			by_id = true;
			break;
		case 'N':
			render = false;
			break;
		case 'h':
			fputs(plot_usage, stdout);
			return 0;
		default:
			usage_hint("plot");
			return 1;
		}
	}
	if (!out) {
		p_err("-o DIR is required (try 'settle plot --help')");
		return 1;
	}
	if (argc - optind != 1) {
		p_err("expected exactly one TRACE_DIR, got %d (try 'settle plot --help')",
		      argc - optind);
		return 1;
	}
	return plot_run(argv[optind], out, by_id, id, render);
}
