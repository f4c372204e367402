// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * settle import: a published dataset as a settle trace.  One format so far,
 * the jetson-latency-lab transition layout (Documentation/import.rst).
 * Probe files are read line by line and written out as they go, so a
 * file of any size needs constant memory.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include "../kmod/uapi/settle.h"
#include "cmds.h"
#include "trace.h"
#include "util.h"

static const char import_usage[] =
"Usage: settle import --format jll [--bin-us N] [--force] DIR -o TRACE\n"
"\n"
"Write a settle trace from a published dataset.  --format jll reads the\n"
"jetson-latency-lab transition layout in DIR:\n"
"\n"
"  <domain>_<a>_<b>.csv        per rate pair, one row per transition:\n"
"                              i,from,to,direction,t_write_ns,write_us,\n"
"                              readback_us,readback_timeout; domain cpu\n"
"                              (rates in kHz), gpu or emc (rates in Hz)\n"
"  <domain>_<a>_<b>.probe.csv  optional, one row per probe sample:\n"
"                              end_ns,dur_ns (a fixed amount of work each)\n"
"  meta.json                   optional: \"probe_cpu\" (else CPU 0)\n"
"\n"
"Each row becomes a transition: request and driver entry at t_write_ns,\n"
"driver exit write_us later (the blocking write: its driver share cannot\n"
"be told apart), a cached-rate effective change readback_us after the\n"
"write (flagged effective_cached; none when readback_timeout is 1).\n"
"Rates become kHz in every domain; a gpu or emc rate that is not a whole\n"
"kHz is an error.  The devices are named cpuN (N the probe CPU), gpu and\n"
"emc: the layout does not name them.  The probe's samples of cpu pairs\n"
"are kept as they are (for `settle report --method jll`) and spread, each\n"
"over its own duration, into throughput bins of --bin-us for settle's\n"
"change point and workload stall; probe files of gpu and emc pairs are\n"
"listed and skipped, because the layout does not say which probe made\n"
"them.  Files of other domains are listed and skipped.\n"
"Documentation/import.rst has the details.\n"
"\n"
"Options:\n"
"  -f, --format FORMAT   jll (required)\n"
"  -o, --output TRACE    trace directory to write (required)\n"
"  --bin-us N            throughput bin width, 1..1000 us (default 10)\n"
"  --force               replace settle's files in a non-empty TRACE\n"
"  -h, --help            this text\n"
"\n"
"Exit status: 0 on success, 1 on any error (bad usage, no pair file,\n"
"a malformed row, named by file and line; nothing usable is left in\n"
"TRACE then).\n"
"\n"
"Example:\n"
"  settle import --format jll orin-nano-transitions -o orin.trace\n"
"  settle report --method jll orin.trace\n";

/* Samples this far apart end a run of bins: the probe was not running. */
#define IMPORT_GAP_NS	20000000ULL
/* Work of one probe sample, in bin units: any constant, rates are relative. */
#define SAMPLE_WORK	10000.0

enum { REQ_SRC_USERSPACE = 3 };		/* Documentation/trace-format.rst */

/*
 * The layout's domains.  The harness wrote cpu rates in kHz (cpufreq),
 * gpu and emc rates in Hz (devfreq, BPMP); settle's are kHz in every
 * domain.  The dataset does not name its GPU and EMC devices, so the
 * trace calls them by their domain; the CPU is the probe's.
 */
struct jll_domain {
	uint32_t domain, backend;
	uint32_t per_khz;	/* file units per kHz */
};

/* The layout names its files by the trace's domain names. */
static const struct jll_domain jll_domains[TRACE_DOMAINS] = {
	[TRACE_DOMAIN_CPU] = { TRACE_DOMAIN_CPU, SETTLE_BACKEND_CPUFREQ, 1 },
	[TRACE_DOMAIN_GPU] = { TRACE_DOMAIN_GPU, SETTLE_BACKEND_DEVFREQ, 1000 },
	[TRACE_DOMAIN_EMC] = { TRACE_DOMAIN_EMC, SETTLE_BACKEND_CLK, 1000 },
};

struct pairfile {
	char name[256];
	uint64_t first_ns;
	const struct jll_domain *d;
	uint32_t khz[2];	/* the two rates its name gives */
};

struct imp {
	struct trace_writer *w;
	uint32_t cpu, bin_ns;
	uint64_t id;
	/* bins of the current run */
	bool run;
	uint64_t run_t0, bin_idx;	/* bin being filled: run_t0 + bin_idx * bin */
	double cum, cur;		/* work before this bin; in this bin */
	uint64_t emitted;		/* rounded cumulative work written */
	uint32_t pend[TRACE_PROBE_BINS_PER_EVENT];
	unsigned int npend;
	uint64_t pend_t0;
	uint64_t last_end;
	/* samples */
	uint64_t se[TRACE_PROBE_SAMPLES_PER_EVENT];
	uint32_t sd[TRACE_PROBE_SAMPLES_PER_EVENT];
	unsigned int ns;
	uint64_t samples, bins;
};

/* A rate in the file's unit as kHz; -1 if it is not a whole kHz, 0 or too big. */
static int to_khz(const struct jll_domain *d, uint64_t v, uint64_t *khz)
{
	if (!v || v % d->per_khz || v / d->per_khz > UINT32_MAX)
		return -1;
	*khz = v / d->per_khz;
	return 0;
}

static uint32_t dom_dev(const struct imp *m, const struct jll_domain *d)
{
	return d->domain == TRACE_DOMAIN_CPU ? m->cpu : 0;
}

static int add(struct imp *m, uint32_t id, uint64_t ts, const uint64_t *f)
{
	if (trace_writer_add(m->w, id, ts, f)) {
		p_err("writing the trace: %s", trace_writer_error(m->w));
		return -1;
	}
	return 0;
}

/* "1597.41" -> 1597410 ns, exactly: at most 3 decimals, no sign. */
static int parse_us(const char *s, uint64_t *ns)
{
	uint64_t v = 0, frac = 0;
	int digits = 0;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > UINT64_MAX / 10 / 1000)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++) {
			if (digits == 3) {
				if (*s != '0')	/* sub-ns precision: not ours to round */
					return -1;
				continue;
			}
			frac = frac * 10 + (uint64_t)(*s - '0');
			digits++;
		}
		if (!digits)
			return -1;
	}
	if (*s)
		return -1;
	while (digits++ < 3)
		frac *= 10;
	*ns = v * 1000 + frac;
	return 0;
}

static int parse_uint(const char *s, uint64_t max, uint64_t *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || *end || *v > max ? -1 : 0;
}

/* Split a CSV line (no quoting in this layout) into at most n fields. */
static int split(char *line, char **f, int n)
{
	int k = 0;
	char *p = line;

	line[strcspn(line, "\r\n")] = 0;
	while (k < n) {
		f[k++] = p;
		p = strchr(p, ',');
		if (!p)
			break;
		*p++ = 0;
	}
	return p ? -1 : k;	/* -1: more fields than expected */
}

static int flush_bins(struct imp *m)
{
	uint64_t f[TRACE_MAX_FIELDS] = { 0 };

	if (!m->npend)
		return 0;
	f[PB_T0_NS] = m->pend_t0;
	f[PB_CPU] = m->cpu;
	f[PB_BIN_NS] = m->bin_ns;
	f[PB_N] = m->npend;
	for (unsigned int i = 0; i < m->npend; i++)
		f[PB_W0 + i] = m->pend[i];
	m->npend = 0;
	return add(m, TEV_PROBE_BINS, m->pend_t0, f);
}

/* The bin being filled is complete: round cumulatively so no work is lost. */
static int close_bin(struct imp *m)
{
	uint64_t t = m->run_t0 + m->bin_idx * m->bin_ns, total;

	m->cum += m->cur;
	m->cur = 0;
	total = (uint64_t)(m->cum + 0.5);
	if (!m->npend)
		m->pend_t0 = t;
	m->pend[m->npend++] = (uint32_t)(total - m->emitted);
	m->emitted = total;
	m->bin_idx++;
	m->bins++;
	if (m->npend == TRACE_PROBE_BINS_PER_EVENT)
		return flush_bins(m);
	return 0;
}

static int end_run(struct imp *m)
{
	if (!m->run)
		return 0;
	m->run = false;
	if (m->cur > 0 && close_bin(m))
		return -1;
	return flush_bins(m);
}

static int flush_samples(struct imp *m)
{
	uint64_t f[TRACE_MAX_FIELDS] = { 0 };

	if (!m->ns)
		return 0;
	f[PS_CPU] = m->cpu;
	f[PS_N] = m->ns;
	for (unsigned int i = 0; i < m->ns; i++) {
		f[PS_END0 + i] = m->se[i];
		f[PS_DUR0 + i] = m->sd[i];
	}
	m->ns = 0;
	return add(m, TEV_PROBE_SAMPLES, f[PS_END0], f);
}

/* One sample's work, spread evenly over [end - dur, end). */
static int sample(struct imp *m, uint64_t end, uint64_t dur)
{
	uint64_t s = end > dur ? end - dur : 0;

	m->se[m->ns] = end;
	m->sd[m->ns] = dur > UINT32_MAX ? UINT32_MAX : (uint32_t)dur;
	if (++m->ns == TRACE_PROBE_SAMPLES_PER_EVENT && flush_samples(m))
		return -1;
	m->samples++;
	if (m->run && s > m->last_end + IMPORT_GAP_NS && end_run(m))
		return -1;
	if (!m->run) {
		m->run = true;
		m->run_t0 = s / m->bin_ns * m->bin_ns;
		m->bin_idx = 0;
		m->cum = m->cur = 0;
		m->emitted = 0;
	} else if (s < m->last_end) {
		s = m->last_end;	/* clock-read overlap between samples */
	}
	m->last_end = end;
	if (end <= s)
		return 0;
	while (s < end) {
		uint64_t bin_end = m->run_t0 + (m->bin_idx + 1) * m->bin_ns;
		uint64_t upto = end < bin_end ? end : bin_end;

		if (s >= bin_end) {
			if (close_bin(m))
				return -1;
			continue;
		}
		m->cur += SAMPLE_WORK * (double)(upto - s) / (double)dur;
		s = upto;
		if (s == bin_end && close_bin(m))
			return -1;
	}
	return 0;
}

static FILE *open_in(const char *dir, const char *name)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return fopen(path, "r");
}

static int import_probe(struct imp *m, const char *dir, const char *name)
{
	FILE *f = open_in(dir, name);
	char *line = NULL, *fl[3];
	size_t cap = 0;
	uint64_t lineno = 1, end, dur, prev = 0;
	int ret = -1;

	if (!f)
		return 0;		/* optional */
	if (getline(&line, &cap, f) < 0 || split(line, fl, 2) != 2 ||
	    strcmp(fl[0], "end_ns") || strcmp(fl[1], "dur_ns")) {
		p_err("%s/%s:1: expected the header 'end_ns,dur_ns'", dir, name);
		goto out;
	}
	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		if (split(line, fl, 2) != 2 || parse_uint(fl[0], UINT64_MAX, &end) ||
		    parse_uint(fl[1], UINT64_MAX, &dur)) {
			p_err("%s/%s:%" PRIu64 ": expected two unsigned integers end_ns,dur_ns",
			      dir, name, lineno);
			goto out;
		}
		if (end < prev) {
			p_err("%s/%s:%" PRIu64 ": end_ns %" PRIu64 " goes back in time", dir, name,
			      lineno, end);
			goto out;
		}
		prev = end;
		if (sample(m, end, dur))
			goto out;
	}
	if (ferror(f)) {
		p_err("reading %s/%s: %s", dir, name, strerror(errno));
		goto out;
	}
	ret = end_run(m) || flush_samples(m) ? -1 : 0;
out:
	free(line);
	fclose(f);
	return ret;
}

static const char *const jll_cols[8] = {
	"i", "from", "to", "direction", "t_write_ns", "write_us", "readback_us",
	"readback_timeout",
};

static int import_pair(struct imp *m, const char *dir, const struct pairfile *pf)
{
	const struct jll_domain *d = pf->d;
	const char *name = pf->name;
	uint32_t dom = d->domain, dev = dom_dev(m, d);
	FILE *f = open_in(dir, name);
	char *line = NULL, *fl[8];
	size_t cap = 0;
	uint64_t lineno = 1, v[8];
	int ret = -1;

	if (!f) {
		p_err("cannot open %s/%s: %s", dir, name, strerror(errno));
		return -1;
	}
	if (getline(&line, &cap, f) < 0 || split(line, fl, 8) != 8)
		goto header;
	for (int k = 0; k < 8; k++)
		if (strcmp(fl[k], jll_cols[k]))
			goto header;
	while (getline(&line, &cap, f) >= 0) {
		uint64_t e[TRACE_MAX_FIELDS] = { 0 }, t, wr, rb, id = ++m->id;
		bool up;

		lineno++;
		if (split(line, fl, 8) != 8 || parse_uint(fl[0], UINT32_MAX, &v[0]) ||
		    parse_uint(fl[1], UINT64_MAX, &v[1]) || parse_uint(fl[2], UINT64_MAX, &v[2]) ||
		    parse_uint(fl[4], UINT64_MAX, &t) || parse_us(fl[5], &wr) ||
		    parse_us(fl[6], &rb) || parse_uint(fl[7], 1, &v[7]) ||
		    (strcmp(fl[3], "up") && strcmp(fl[3], "down"))) {
			p_err("%s/%s:%" PRIu64 ": malformed row (expected %s,... with"
			      " integers, up/down, and microseconds with at most 3 decimals)",
			      dir, name, lineno, "i,from,to,direction,t_write_ns");
			goto out;
		}
		if (to_khz(d, v[1], &v[1]) || to_khz(d, v[2], &v[2])) {
			p_err("%s/%s:%" PRIu64 ": rates '%s' -> '%s' are not whole kHz between 1"
			      " and %" PRIu32 " (%s rates are in %s here)", dir, name, lineno, fl[1],
			      fl[2], UINT32_MAX, trace_domain_name(d->domain),
			      d->per_khz == 1 ? "kHz" : "Hz");
			goto out;
		}
		/* The device's rate table comes from the file names: no third rate. */
		if (!((v[1] == pf->khz[0] && v[2] == pf->khz[1]) ||
		      (v[1] == pf->khz[1] && v[2] == pf->khz[0]))) {
			p_err("%s/%s:%" PRIu64 ": %s -> %s is not the file's pair of rates",
			      dir, name, lineno, fl[1], fl[2]);
			goto out;
		}
		up = !strcmp(fl[3], "up");
		if (v[1] == v[2] || up != (v[2] > v[1])) {
			p_err("%s/%s:%" PRIu64 ": direction '%s' does not match %" PRIu64
			      " -> %" PRIu64, dir, name, lineno, fl[3], v[1], v[2]);
			goto out;
		}
		e[RQ_ID] = id, e[RQ_TS_NS] = t, e[RQ_DOMAIN] = dom, e[RQ_DEV] = dev;
		e[RQ_FROM_KHZ] = v[1], e[RQ_TO_KHZ] = v[2], e[RQ_SOURCE] = REQ_SRC_USERSPACE;
		if (add(m, TEV_REQUEST, t, e))
			goto out;
		memset(e, 0, sizeof(e));
		e[DR_ID] = id, e[DR_TS_NS] = t, e[DR_DOMAIN] = dom, e[DR_DEV] = dev;
		e[DR_OLD_KHZ] = v[1], e[DR_NEW_KHZ] = v[2];
		if (add(m, TEV_DRIVER_ENTRY, t, e))
			goto out;
		e[DR_TS_NS] = t + wr;
		if (add(m, TEV_DRIVER_EXIT, t + wr, e))
			goto out;
		memset(e, 0, sizeof(e));
		e[EF_ID] = id, e[EF_TS_NS] = t + rb, e[EF_PREV_TS_NS] = t + rb;
		e[EF_DOMAIN] = dom, e[EF_DEV] = dev;
		e[EF_KHZ] = v[2], e[EF_READER] = SETTLE_READER_CACHED;
		e[EF_STATUS] = v[7] ? 1 : 0;				/* timeout */
		if (add(m, TEV_EFFECTIVE, t + rb, e))
			goto out;
		memset(e, 0, sizeof(e));
		e[ST_ID] = id, e[ST_T_REQUEST_NS] = t, e[ST_T_EXIT_NS] = t + wr;
		e[ST_CPU] = m->cpu, e[ST_FROM_KHZ] = v[1], e[ST_TO_KHZ] = v[2];
		e[ST_CUR_KHZ] = v[2], e[ST_SEQ] = (uint32_t)v[0];
		e[ST_DOMAIN] = dom, e[ST_DEV] = dev;
		if (add(m, TEV_STEP, t + wr, e))
			goto out;
	}
	ret = 0;
	goto out;
header:
	p_err("%s/%s:1: expected the header '%s,%s,%s,%s,%s,%s,%s,%s'", dir, name, jll_cols[0],
	      jll_cols[1], jll_cols[2], jll_cols[3], jll_cols[4], jll_cols[5], jll_cols[6],
	      jll_cols[7]);
out:
	free(line);
	fclose(f);
	return ret;
}

/* "<domain>_<a>_<b>.csv" with a, b decimal; the domain into dom, a and b into ab. */
static bool pair_name(const char *n, char *dom, size_t len, uint64_t ab[2])
{
	const char *u = strchr(n, '_'), *p;
	size_t l = strlen(n);

	if (!u || l < 4 || strcmp(n + l - 4, ".csv") || strstr(n, ".probe.csv"))
		return false;
	if ((size_t)(u - n) >= len)
		return false;
	for (p = u + 1; *p >= '0' && *p <= '9'; p++)
		;
	if (p == u + 1 || *p != '_')
		return false;
	for (u = ++p; *p >= '0' && *p <= '9'; p++)
		;
	if (p == u || strcmp(p, ".csv"))
		return false;
	memcpy(dom, n, (size_t)(strchr(n, '_') - n));
	dom[strchr(n, '_') - n] = 0;
	errno = 0;
	ab[0] = strtoull(strchr(n, '_') + 1, NULL, 10);
	ab[1] = strtoull(u, NULL, 10);
	return !errno;
}

static const struct jll_domain *jll_domain(const char *name)
{
	int dom = trace_domain_parse(name);

	return dom < 0 ? NULL : &jll_domains[dom];
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Adds khz to i's rate table unless it is there; marks the table cut when full. */
static void add_rate(struct settle_device_info *i, uint32_t khz)
{
	for (uint32_t q = 0; q < i->nrates; q++)
		if (i->rates_khz[q] == khz)
			return;
	if (i->nrates < SETTLE_MAX_RATES)
		i->rates_khz[i->nrates++] = khz;
	else
		i->flags |= SETTLE_DEV_RATES_CUT;
}

/*
 * One `device` header per imported domain, its rate table the rates the
 * pair files' names give, before any transition.
 */
static int write_devices(struct imp *m, const struct pairfile *pf, size_t npf, uint64_t ts)
{
	for (size_t k = 0; k < ARRAY_SIZE(jll_domains); k++) {
		const struct jll_domain *d = &jll_domains[k];
		struct settle_device_info i = {
			.domain = d->domain, .dev = dom_dev(m, d), .backend = d->backend,
			.reader = SETTLE_READER_CACHED,
		};

		for (size_t j = 0; j < npf; j++) {
			if (pf[j].d == d) {
				add_rate(&i, pf[j].khz[0]);
				add_rate(&i, pf[j].khz[1]);
			}
		}
		if (!i.nrates)
			continue;
		qsort(i.rates_khz, i.nrates, sizeof(i.rates_khz[0]), cmp_u32);
		if (d->domain == TRACE_DOMAIN_CPU)
			snprintf(i.name, sizeof(i.name), "cpu%u", m->cpu);
		else
			snprintf(i.name, sizeof(i.name), "%s", trace_domain_name(d->domain));
		if (trace_writer_device(m->w, ts, &i)) {
			p_err("writing the trace: %s", trace_writer_error(m->w));
			return -1;
		}
	}
	return 0;
}

/* First t_write_ns of a pair file, to import pairs in time order. */
static uint64_t first_write(const char *dir, const char *name)
{
	FILE *f = open_in(dir, name);
	char buf[512], *fl[8];
	uint64_t t;

	/* unreadable here: last; import_pair() then says what is wrong */
	if (!f || !fgets(buf, sizeof(buf), f) || !fgets(buf, sizeof(buf), f) ||
	    split(buf, fl, 8) != 8 || parse_uint(fl[4], UINT64_MAX, &t))
		t = UINT64_MAX;
	if (f)
		fclose(f);
	return t;
}

static int cmp_pair(const void *a, const void *b)
{
	const struct pairfile *x = a, *y = b;

	return x->first_ns < y->first_ns ? -1 : x->first_ns > y->first_ns ? 1 :
	       strcmp(x->name, y->name);
}

/* meta.json's "probe_cpu": N, if there; a full JSON parser is not needed
 * for one integer the harness writes on its own line. */
static uint32_t probe_cpu(const char *dir)
{
	FILE *f = open_in(dir, "meta.json");
	char buf[4096], *p;
	uint32_t cpu = 0;
	size_t n;

	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	p = strstr(buf, "\"probe_cpu\"");
	if (p && (p = strchr(p, ':'))) {
		unsigned long v;

		while (*++p == ' ')
			;
		if (sscanf(p, "%lu", &v) == 1 && v < 4096)
			cpu = (uint32_t)v;
	}
	return cpu;
}

/*
 * The source's license and notices go with what is derived from it, as
 * dotfiles: CTF readers take every other regular file for a data stream.
 */
static int copy_notices(const char *dir, const char *out)
{
	static const char *const names[] = { "LICENSE", "NOTICE", "NOTICE.upstream", "README.md" };
	char path[4096], buf[65536];
	int ret = 0;

	for (size_t i = 0; i < ARRAY_SIZE(names) && !ret; i++) {
		FILE *in = open_in(dir, names[i]), *o;
		size_t n;

		if (!in)
			continue;
		snprintf(path, sizeof(path), "%s/.source-%s", out, names[i]);
		o = fopen(path, "w");
		if (!o) {
			p_err("cannot create '%s': %s", path, strerror(errno));
			fclose(in);
			return -1;
		}
		while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
			if (fwrite(buf, 1, n, o) != n)
				break;
		if (ferror(in) || ferror(o)) {
			p_err("copying %s/%s to '%s' failed", dir, names[i], path);
			ret = -1;
		}
		fclose(in);
		if (fclose(o) && !ret) {
			p_err("writing '%s' failed", path);
			ret = -1;
		}
	}
	return ret;
}

static int import_jll(const char *dir, const char *out, uint32_t bin_ns, bool force)
{
	struct trace_meta meta = { .hostname = "imported", .kernel_release = "unknown",
				   .machine = "unknown", .settle_version = SETTLE_VERSION,
				   .source = "import-jll" };
	struct imp m = { .bin_ns = bin_ns };
	struct pairfile *pf = NULL;
	struct dirent **de = NULL;
	char err[SETTLE_ERR_LEN], dom[32], kernel[128] = "unknown";
	size_t npf = 0, ndom[ARRAY_SIZE(jll_domains)] = { 0 };
	int n, ret = 1;
	FILE *kf;

	n = scandir(dir, &de, NULL, alphasort);
	if (n < 0) {
		p_err("cannot list '%s': %s", dir, strerror(errno));
		return 1;
	}
	pf = calloc((size_t)n + 1, sizeof(*pf));
	if (!pf) {
		p_err("out of memory");
		goto out;
	}
	for (int i = 0; i < n; i++) {
		const struct jll_domain *d;
		uint64_t ab[2], khz[2];

		if (!pair_name(de[i]->d_name, dom, sizeof(dom), ab))
			continue;
		d = jll_domain(dom);
		if (!d) {
			p_warn("skipping %s: settle has no '%s' domain (cpu, gpu, emc)",
			       de[i]->d_name, dom);
			continue;
		}
		if (to_khz(d, ab[0], &khz[0]) || to_khz(d, ab[1], &khz[1])) {
			p_err("%s/%s: the rates in its name are not whole kHz between 1 and %"
			      PRIu32 " (%s rates are in %s here)", dir, de[i]->d_name, UINT32_MAX,
			      trace_domain_name(d->domain), d->per_khz == 1 ? "kHz" : "Hz");
			goto out;
		}
		snprintf(pf[npf].name, sizeof(pf[npf].name), "%s", de[i]->d_name);
		pf[npf].first_ns = first_write(dir, de[i]->d_name);
		pf[npf].d = d;
		pf[npf].khz[0] = (uint32_t)khz[0];
		pf[npf].khz[1] = (uint32_t)khz[1];
		ndom[d - jll_domains]++;
		npf++;
	}
	if (!npf) {
		p_err("'%s' has no <domain>_<a>_<b>.csv pair file (domain cpu, gpu or emc)", dir);
		goto out;
	}
	qsort(pf, npf, sizeof(*pf), cmp_pair);
	kf = open_in(dir, "kernel.txt");
	if (kf) {
		if (fgets(kernel, sizeof(kernel), kf))
			kernel[strcspn(kernel, "\r\n")] = 0;
		fclose(kf);
		meta.kernel_release = kernel;
	}
	m.cpu = probe_cpu(dir);
	m.w = trace_writer_open(out, &meta, force, err, sizeof(err));
	if (!m.w) {
		p_err("%s", err);
		goto out;
	}
	if (write_devices(&m, pf, npf, pf[0].first_ns == UINT64_MAX ? 0 : pf[0].first_ns))
		goto close;
	for (size_t i = 0; i < npf; i++) {
		char probe[300];
		FILE *pfile;

		if (import_pair(&m, dir, &pf[i]))
			goto close;
		snprintf(probe, sizeof(probe), "%.*s.probe.csv",
			 (int)(strlen(pf[i].name) - 4), pf[i].name);
		/*
		 * The layout does not say what probe ran beside a GPU or EMC
		 * pair (a CUDA kernel, a memory-bound CPU loop): its samples
		 * are not filed under the probe CPU as if they were the CPU's.
		 */
		if (pf[i].d->domain != TRACE_DOMAIN_CPU) {
			pfile = open_in(dir, probe);
			if (pfile) {
				fclose(pfile);
				p_warn("skipping %s: the dataset does not say which probe ran beside"
				       " %s transitions", probe, trace_domain_name(pf[i].d->domain));
			}
			continue;
		}
		if (import_probe(&m, dir, probe))
			goto close;
	}
	ret = copy_notices(dir, out) ? 1 : 0;
close:
	if (trace_writer_close(m.w)) {
		p_err("closing the trace '%s' failed", out);
		ret = 1;
	}
	if (!ret)
		fprintf(stderr, "settle import: %zu pair files (cpu %zu, gpu %zu, emc %zu), %" PRIu64
			" transitions, %" PRIu64 " probe samples in %" PRIu64 " bins of %u ns,"
			" probe CPU %u -> %s\n", npf, ndom[0], ndom[1], ndom[2], m.id, m.samples,
			m.bins, bin_ns, m.cpu, out);
out:
	for (int i = 0; i < n; i++)
		free(de[i]);
	free(de);
	free(pf);
	return ret;
}

int cmd_import(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "bin-us", required_argument, NULL, 'B' },
		{ "force", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *fmt = NULL, *out = NULL;
	uint64_t bin_us = 10;
	bool force = false;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "f:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			fmt = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'B':
			if (parse_u64("--bin-us", optarg, 1, 1000, &bin_us))
				return 1;
			break;
		case 'F':
			force = true;
			break;
		case 'h':
			fputs(import_usage, stdout);
			return 0;
		default:
			usage_hint("import");
			return 1;
		}
	}
	if (!fmt) {
		p_err("--format is required (try 'settle import --help')");
		return 1;
	}
	if (strcmp(fmt, "jll")) {
		p_err("--format: unknown format '%s' (jll)", fmt);
		return 1;
	}
	if (!out) {
		p_err("-o TRACE is required");
		return 1;
	}
	if (argc - optind != 1) {
		p_err("expected exactly one DIR, got %d (try 'settle import --help')",
		      argc - optind);
		return 1;
	}
	return import_jll(argv[optind], out, (uint32_t)(bin_us * 1000), force);
}
