// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `settle step` without the kernel: options, plan, gaps, sysfs checks.
 * Everything is validated here, before step.c touches /dev/settle, so a
 * bad invocation never changes a policy.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "devices.h"
#include "step.h"
#include "trace.h"
#include "util.h"

/* Plans beyond this are mistakes (and would not fit any duration cap). */
#define STEP_MAX_STEPS		(1U << 22)
#define STEP_MAX_GAP_MS		60000
#define STEP_MAX_COUNT		1000000

const char step_usage[] =
"Usage: settle step [--domain cpu] --cpu N --rates A,B[,C...] --count N\n"
"       settle step --domain gpu|emc [--device NAME] --rates A,B[,C...]\n"
"                   --count N [--probe cpu|cpu-memory --cpu N |\n"
"                   --probe gpu-compute|gpu-memory]\n"
"                   [--gap-ms G | --random-gap LO:HI] [--warmup W] [--seed S]\n"
"                   [-o DIR] [--force] [--no-probe] [--bin-us U]\n"
"                   [--duration-cap S] [-v]\n"
"\n"
"Actively time DVFS transitions: step one device's rate between the given\n"
"rates through settle.ko (/dev/settle, SETTLE_IOC_STEP) and record\n"
"everything into one CTF trace (read it with `settle report DIR`).  The\n"
"device is a CPU's cpufreq policy (--domain cpu, the default), the GPU or\n"
"the memory clock EMC.  Every ordered pair of rates (both directions) is\n"
"stepped --count times.  For each step the kernel takes the exact request\n"
"time just before calling the driver and the time the call returned (the\n"
"stall); the BPF recorder captures settle.ko's events (request, driver\n"
"entry/exit, effective change seen by the rate readout, limits, policy)\n"
"and the trace starts with settle.ko's devices and rate tables; a\n"
"throughput probe pinned on a CPU (or, for the GPU and EMC, a CUDA kernel\n"
"on the GPU) records the work it got done per bin, so the report can tell\n"
"when the workload saw the new rate.  Times are CLOCK_MONOTONIC ns, rates\n"
"kHz.\n"
"\n"
"Needs root (CAP_SYS_ADMIN for /dev/settle, CAP_BPF+CAP_PERFMON for the\n"
"recorder), settle.ko loaded, tracefs, and at least 2 online CPUs: the\n"
"controller runs on another CPU than the measured one.  While it runs,\n"
"settle.ko switches the device to manual control (a CPU policy to the\n"
"userspace governor with open limits, a devfreq device's bounds, a clock's\n"
"rate range); closing /dev/settle (however settle step ends) restores it.\n"
"A settle.ko older than this settle (API 1) is refused: reload it.\n"
"\n"
"Options:\n"
"  -D, --domain D           clock domain: cpu (default), gpu or emc\n"
"  -c, --cpu N              domain cpu: the CPU to step and probe (required;\n"
"                           online); gpu, emc: the CPU the probe runs on\n"
"                           (required with a probe)\n"
"      --device NAME        gpu, emc: the device to step, as `settle devices`\n"
"                           lists it (default: the domain's first)\n"
"  -r, --rates A,B,...      2..32 distinct rates in kHz (required): each one\n"
"                           of the CPU's scaling_available_frequencies, or\n"
"                           of the device's rate table (`settle devices`)\n"
"      --probe KIND         cpu: the CPU chain probe (default for cpu);\n"
"                           cpu-memory: a memory-bound CPU probe, which sees\n"
"                           the EMC rate (default for emc; `settle probe cpu\n"
"                           --kind memory`); gpu-compute, gpu-memory: the\n"
"                           GPU probe (`settle probe gpu --kind compute|\n"
"                           memory`; gpu, emc only; no --cpu; needs\n"
"                           libcuda.so.1 and a GPU, else \"no GPU probe:\"\n"
"                           and exit 1 before /dev/settle is opened); its\n"
"                           samples are mapped onto CLOCK_MONOTONIC with a\n"
"                           measured bound the report adds to the\n"
"                           throughput's; none (default for gpu)\n"
"  -n, --count N            measured steps per ordered pair, 1..1000000\n"
"                           (required)\n"
"  -g, --gap-ms G           time from one step's request to the next, ms\n"
"                           (1..60000, default 50)\n"
"  -R, --random-gap LO:HI   instead, a gap drawn uniformly from [LO, HI] ms\n"
"                           (1 us resolution) by a seeded PRNG\n"
"  -w, --warmup W           unmeasured warm-up steps first, 0..10000\n"
"                           (default 4: the first transitions after load run\n"
"                           cold code paths and are slow)\n"
"  -s, --seed S             PRNG seed (default: from the clock; always\n"
"                           recorded in the trace's campaign event)\n"
"  -o, --output DIR         trace directory (default settle-step)\n"
"  -f, --force              reuse a non-empty DIR, replacing settle's files\n"
"      --no-probe           no throughput probe (stall and effective change\n"
"                           only): --probe none\n"
"      --bin-us U           probe throughput bin width, us (1..1000,\n"
"                           default 10)\n"
"      --duration-cap S     refuse plans estimated longer than S seconds and\n"
"                           stop stepping at S (1..86400, default 600)\n"
"  -v, --verbose            libbpf debug output\n"
"  -h, --help               this text\n"
"\n"
"The plan (pairs, steps, estimated duration) is printed before the first\n"
"step.  The first step positions the CPU on the plan's start rate after\n"
"settle.ko has switched its policy to the userspace governor (EALREADY\n"
"there means it was already there).  Steps that fail are recorded with\n"
"their errno in the trace and reported, never skipped silently; after a\n"
"failure the next pair is positioned again.  SIGINT/SIGTERM stop stepping,\n"
"keep the trace and exit 1.  Data is written about every 200 ms, in the\n"
"middle of a gap between steps, where the writing disturbs the probe\n"
"least, so even a killed run leaves a readable trace.\n"
"\n"
"Exit status: 0 if every measured step succeeded; 1 if one failed, the run\n"
"was interrupted or could not start.  A failed warm-up or positioning step\n"
"is reported as a warning and does not change the exit status.\n"
"\n"
"Examples:\n"
"  settle step --cpu 2 --rates 729600,1420800,2201600 --count 100\n"
"  settle step --domain gpu --rates 306000,612000,918000 --count 50\n"
"  settle step --domain emc --rates 665600,3199000 --count 50 --cpu 3\n"
"  settle step --domain gpu --rates 306000,918000 --count 50 --probe gpu-compute\n"
"  settle step -c 1 -r 1000000,2000000 -n 500 --random-gap 20:80 --seed 7 -o run2\n"
"  settle report settle-step\n";

enum { OPT_NO_PROBE = 256, OPT_BIN_US, OPT_DURATION_CAP, OPT_DEVICE, OPT_PROBE };

const char *step_probe_name(enum step_probe p)
{
	switch (p) {
	case STEP_PROBE_CPU:
		return "cpu";
	case STEP_PROBE_CPU_MEMORY:
		return "cpu-memory";
	case STEP_PROBE_GPU_COMPUTE:
		return "gpu-compute";
	case STEP_PROBE_GPU_MEMORY:
		return "gpu-memory";
	default:
		return "none";
	}
}

static int parse_probe(const char *arg, enum step_probe *p)
{
	if (!strcmp(arg, "cpu"))
		*p = STEP_PROBE_CPU;
	else if (!strcmp(arg, "cpu-memory"))
		*p = STEP_PROBE_CPU_MEMORY;
	else if (!strcmp(arg, "gpu-compute"))
		*p = STEP_PROBE_GPU_COMPUTE;
	else if (!strcmp(arg, "gpu-memory"))
		*p = STEP_PROBE_GPU_MEMORY;
	else if (!strcmp(arg, "none"))
		*p = STEP_PROBE_NONE;
	else {
		p_err("--probe: unknown kind '%s' (cpu, cpu-memory, gpu-compute, gpu-memory, none)",
		      arg);
		return -1;
	}
	return 0;
}

static int parse_rates(const char *arg, struct step_opts *o)
{
	const char *p = arg;

	o->nrates = 0;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char tok[32];
		uint64_t v;

		if (!len || len >= sizeof(tok)) {
			p_err("--rates: %s in '%s' (expected kHz values like 729600,1420800)",
			      len ? "value too long" : "empty value", arg);
			return -1;
		}
		if (o->nrates == STEP_MAX_RATES) {
			p_err("--rates: more than %d rates", STEP_MAX_RATES);
			return -1;
		}
		memcpy(tok, p, len);
		tok[len] = '\0';
		if (parse_u64("--rates", tok, 1, UINT32_MAX, &v))
			return -1;
		for (size_t i = 0; i < o->nrates; i++) {
			if (o->rates[i] == v) {
				p_err("--rates: %" PRIu64 " kHz is listed twice (rates must be distinct)", v);
				return -1;
			}
		}
		o->rates[o->nrates++] = (uint32_t)v;
		if (!comma)
			break;
		p = comma + 1;
	}
	if (o->nrates < 2) {
		p_err("--rates: need at least two distinct rates to step between");
		return -1;
	}
	return 0;
}

static int parse_random_gap(const char *arg, struct step_opts *o)
{
	const char *colon = strchr(arg, ':');
	char lo[32];

	if (!colon || (size_t)(colon - arg) >= sizeof(lo)) {
		p_err("--random-gap: '%s' is not LO:HI in ms (e.g. 20:80)", arg);
		return -1;
	}
	memcpy(lo, arg, (size_t)(colon - arg));
	lo[colon - arg] = '\0';
	if (parse_u64("--random-gap LO", lo, 1, STEP_MAX_GAP_MS, &o->gap_min_ms) ||
	    parse_u64("--random-gap HI", colon + 1, 1, STEP_MAX_GAP_MS, &o->gap_max_ms))
		return -1;
	if (o->gap_min_ms > o->gap_max_ms) {
		p_err("--random-gap: LO %" PRIu64 " ms is greater than HI %" PRIu64 " ms",
		      o->gap_min_ms, o->gap_max_ms);
		return -1;
	}
	return 0;
}

int step_parse_args(int argc, char **argv, struct step_opts *o)
{
	static const struct option longopts[] = {
		{ "domain", required_argument, NULL, 'D' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "rates", required_argument, NULL, 'r' },
		{ "count", required_argument, NULL, 'n' },
		{ "gap-ms", required_argument, NULL, 'g' },
		{ "random-gap", required_argument, NULL, 'R' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "seed", required_argument, NULL, 's' },
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "no-probe", no_argument, NULL, OPT_NO_PROBE },
		{ "probe", required_argument, NULL, OPT_PROBE },
		{ "device", required_argument, NULL, OPT_DEVICE },
		{ "bin-us", required_argument, NULL, OPT_BIN_US },
		{ "duration-cap", required_argument, NULL, OPT_DURATION_CAP },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	bool have_gap = false, have_cpu = false, have_probe = false;
	uint64_t v;
	int c;

	*o = (struct step_opts){
		.gap_min_ms = STEP_DEFAULT_GAP_MS, .gap_max_ms = STEP_DEFAULT_GAP_MS,
		.warmup = STEP_DEFAULT_WARMUP, .bin_us = STEP_DEFAULT_BIN_US,
		.duration_cap_s = STEP_DEFAULT_CAP_S, .out = STEP_DEFAULT_OUT,
		.cpu = -1, .domain = TRACE_DOMAIN_CPU,
	};
	opt_reset();
	opterr = 1;
	while ((c = getopt_long(argc, argv, "D:c:r:n:g:R:w:s:o:fvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'D':
			o->domain = trace_domain_parse(optarg);
			if (o->domain < 0) {
				p_err("--domain: unknown domain '%s' (cpu, gpu, emc)", optarg);
				return -1;
			}
			break;
		case 'c':
			if (parse_u64("--cpu", optarg, 0, STEP_MAX_CPUS - 1, &v))
				return -1;
			o->cpu = (int)v;
			have_cpu = true;
			break;
		case 'r':
			if (parse_rates(optarg, o))
				return -1;
			break;
		case 'n':
			if (parse_u64("--count", optarg, 1, STEP_MAX_COUNT, &o->count))
				return -1;
			break;
		case 'g':
			if (o->random_gap) {
				p_err("--gap-ms and --random-gap are mutually exclusive");
				return -1;
			}
			if (parse_u64("--gap-ms", optarg, 1, STEP_MAX_GAP_MS, &v))
				return -1;
			o->gap_min_ms = o->gap_max_ms = v;
			have_gap = true;
			break;
		case 'R':
			if (have_gap) {
				p_err("--gap-ms and --random-gap are mutually exclusive");
				return -1;
			}
			if (parse_random_gap(optarg, o))
				return -1;
			o->random_gap = true;
			break;
		case 'w':
			if (parse_u64("--warmup", optarg, 0, 10000, &o->warmup))
				return -1;
			break;
		case 's':
			if (parse_u64("--seed", optarg, 0, UINT64_MAX, &o->seed))
				return -1;
			o->seed_set = true;
			break;
		case 'o':
			if (!*optarg) {
				p_err("-o: empty output directory name");
				return -1;
			}
			o->out = optarg;
			break;
		case 'f':
			o->force = true;
			break;
		case OPT_NO_PROBE:
		case OPT_PROBE: {
			enum step_probe p = STEP_PROBE_NONE;

			if (c == OPT_PROBE && parse_probe(optarg, &p))
				return -1;
			if (have_probe && p != o->probe) {
				p_err("--probe/--no-probe given twice with different kinds");
				return -1;
			}
			o->probe = p;
			have_probe = true;
			break;
		}
		case OPT_DEVICE:
			if (!*optarg) {
				p_err("--device: empty name");
				return -1;
			}
			o->device = optarg;
			break;
		case OPT_BIN_US:
			if (parse_u64("--bin-us", optarg, 1, 1000, &o->bin_us))
				return -1;
			break;
		case OPT_DURATION_CAP:
			if (parse_u64("--duration-cap", optarg, 1, 86400, &o->duration_cap_s))
				return -1;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			fputs(step_usage, stdout);
			return 1;
		default:
			usage_hint("step");
			return -1;
		}
	}
	if (extra_args(argc, argv, "step"))
		return -1;
	if (!have_probe)
		o->probe = o->domain == TRACE_DOMAIN_CPU ? STEP_PROBE_CPU :
			   o->domain == TRACE_DOMAIN_EMC ? STEP_PROBE_CPU_MEMORY :
			   STEP_PROBE_NONE;
	o->no_probe = o->probe == STEP_PROBE_NONE;
	if (o->probe == STEP_PROBE_GPU_COMPUTE || o->probe == STEP_PROBE_GPU_MEMORY) {
		/* It measures the GPU or the memory clock, not a CPU's. */
		if (o->domain == TRACE_DOMAIN_CPU) {
			p_err("--probe %s is for --domain gpu and emc: a CPU's clock is measured by --probe cpu",
			      step_probe_name(o->probe));
			return -1;
		}
		if (have_cpu) {
			p_err("--probe %s runs on the GPU: --cpu is for a CPU probe",
			      step_probe_name(o->probe));
			return -1;
		}
	}
	if (o->domain == TRACE_DOMAIN_CPU) {
		if (o->device) {
			p_err("--device is for --domain gpu and emc; a CPU is chosen with --cpu");
			return -1;
		}
		if (!have_cpu) {
			p_err("--cpu is required: the CPU to step and probe");
			return -1;
		}
	} else if (!o->no_probe && !have_cpu && o->probe != STEP_PROBE_GPU_COMPUTE &&
		   o->probe != STEP_PROBE_GPU_MEMORY) {
		p_err("--probe %s needs --cpu N: the CPU it runs on (or --no-probe)",
		      step_probe_name(o->probe));
		return -1;
	}
	if (!o->nrates) {
		p_err("--rates is required: two or more rates in kHz (see %s)",
		      o->domain == TRACE_DOMAIN_CPU ? "the CPU's scaling_available_frequencies" :
		      "`settle devices`");
		return -1;
	}
	if (!o->count) {
		p_err("--count is required: measured steps per ordered pair of rates");
		return -1;
	}
	return 0;
}

/* ---- plan ---- */

/*
 * Hierholzer on the complete digraph: vertex v's out-edges, in order, go to
 * v+1, v+2, ... (mod k).  Deterministic, so plans are reproducible.
 * `circ` gets m + 1 vertices, first and last 0.
 */
static int euler_circuit(size_t k, size_t *circ)
{
	size_t m = k * (k - 1), sp = 0, cn = 0;
	size_t *next = calloc(k, sizeof(*next)), *stack = malloc((m + 1) * sizeof(*stack));

	if (!next || !stack) {
		free(next);
		free(stack);
		return -1;
	}
	stack[sp++] = 0;
	while (sp) {
		size_t v = stack[sp - 1];

		if (next[v] < k - 1)
			stack[sp++] = (v + 1 + next[v]++) % k;
		else
			circ[cn++] = stack[--sp];
	}
	/* Popped in reverse order. */
	for (size_t i = 0; i < cn / 2; i++) {
		size_t t = circ[i];

		circ[i] = circ[cn - 1 - i];
		circ[cn - 1 - i] = t;
	}
	free(next);
	free(stack);
	return 0;
}

int step_plan_build(const uint32_t *rates, size_t nrates, uint64_t count,
		    uint64_t warmup, uint32_t cur_khz, struct step_plan *p,
		    char *err, size_t errlen)
{
	size_t m, start = 0, *circ, *rot, n = 0;
	uint64_t total;

	memset(p, 0, sizeof(*p));
	if (nrates < 2 || nrates > STEP_MAX_RATES || !count) {
		set_err(err, errlen, "a plan needs 2..%d rates and a count of at least 1",
			STEP_MAX_RATES);
		return -1;
	}
	m = nrates * (nrates - 1);
	/* Start where the CPU appears to be, to spare a transition. */
	for (size_t i = 0; i < nrates; i++)
		if (rates[i] == cur_khz)
			start = i;
	total = 1 + warmup + count * m;
	if (total > STEP_MAX_STEPS) {
		set_err(err, errlen, "the plan has %" PRIu64 " steps, more than %u: lower --count",
			total, STEP_MAX_STEPS);
		return -1;
	}
	circ = malloc((m + 1) * sizeof(*circ));
	rot = malloc((m + 1) * sizeof(*rot));
	p->steps = calloc((size_t)total, sizeof(*p->steps));
	if (!circ || !rot || !p->steps || euler_circuit(nrates, circ)) {
		free(circ);
		free(rot);
		step_plan_free(p);
		set_err(err, errlen, "out of memory");
		return -1;
	}
	/* Rotate the circuit to begin where the CPU already is. */
	for (size_t i = 0; i < m; i++) {
		if (circ[i] == start) {
			for (size_t j = 0; j <= m; j++)
				rot[j] = circ[(i + j) % m];
			break;
		}
	}
	/*
	 * Always position first.  cur_khz was read before settle.ko switched
	 * the policy to the userspace governor, and that switch may still
	 * move the CPU (cpufreq applies limits through a work item): the
	 * first step is the one that puts it where the plan starts.  The
	 * kernel answers EALREADY when it was there already.
	 */
	p->steps[n++] = (struct step_item){ cur_khz, rates[start], TRACE_STEP_POSITION };
	/* Warm-up walks the same circuit, so measuring continues seamlessly. */
	for (uint64_t j = 0; j < warmup + count * m; j++) {
		p->steps[n++] = (struct step_item){
			.from_khz = rates[rot[j % m]],
			.to_khz = rates[rot[(j + 1) % m]],
			.flags = j < warmup ? TRACE_STEP_WARMUP : 0,
		};
	}
	p->n = n;
	p->npairs = m;
	p->nwarmup = (size_t)warmup;
	p->nposition = 1;
	p->nmeasured = (size_t)(count * m);
	free(circ);
	free(rot);
	return 0;
}

void step_plan_free(struct step_plan *p)
{
	free(p->steps);
	memset(p, 0, sizeof(*p));
}

uint64_t step_plan_estimate_ns(const struct step_plan *p, const struct step_opts *o)
{
	/* Mean of the uniform gap; in us like step_gap_ns(). */
	uint64_t mean_us = (o->gap_min_ms + o->gap_max_ms) * 1000 / 2;

	return (uint64_t)p->n * mean_us * 1000;
}

/* ---- gaps ---- */

void step_rng_seed(struct step_rng *r, uint64_t seed)
{
	r->state = seed;
}

uint64_t step_rng_next(struct step_rng *r)
{
	uint64_t z = (r->state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t step_gap_ns(const struct step_opts *o, struct step_rng *r)
{
	uint64_t lo = o->gap_min_ms * 1000, span = (o->gap_max_ms - o->gap_min_ms) * 1000 + 1;

	if (!o->random_gap)
		return o->gap_min_ms * 1000000;
	/* span <= 6e7, so the modulo bias is below 1e-11: irrelevant. */
	return (lo + step_rng_next(r) % span) * 1000;
}

uint64_t step_service_wake(uint64_t now, uint64_t until, uint64_t next_flush,
			   uint64_t mid, uint64_t poll_ns, bool *flush)
{
	/* Due by the middle; none before the first request (mid == 0). */
	bool due = mid && next_flush <= mid;
	uint64_t wake = until;

	*flush = due && now >= mid;
	if (due && !*flush && mid < wake)
		wake = mid;
	if (wake > now + poll_ns)
		wake = now + poll_ns;
	return wake;
}

/* ---- sysfs ---- */

static int read_text(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	close(fd);
	buf[n] = '\0';
	return 0;
}

int cpulist_parse(const char *s, bool *online, int max, int *count)
{
	*count = 0;
	while (*s && *s != '\n') {
		unsigned long a, b;
		char *end;

		if (!isdigit((unsigned char)*s))
			return -1;
		a = strtoul(s, &end, 10);
		b = a;
		if (*end == '-') {
			if (!isdigit((unsigned char)end[1]))
				return -1;
			b = strtoul(end + 1, &end, 10);
		}
		if (b < a || b >= (unsigned long)max)
			return -1;
		for (unsigned long c = a; c <= b; c++) {
			if (!online[c])
				(*count)++;
			online[c] = true;
		}
		if (*end == ',')
			end++;
		else if (*end && *end != '\n')
			return -1;
		s = end;
	}
	return 0;
}

int step_check_system(const char *root, const struct step_opts *o,
		      int *ctl_cpu, uint32_t *cur_khz, char *err, size_t errlen)
{
	char path[512], buf[4096], *s, *end;
	uint32_t avail[256];
	size_t navail = 0;
	bool *online;
	int ret, n;

	*ctl_cpu = -1;
	*cur_khz = 0;
	online = calloc(STEP_MAX_CPUS, sizeof(*online));
	if (!online) {
		set_err(err, errlen, "out of memory");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/devices/system/cpu/online", root);
	ret = read_text(path, buf, sizeof(buf));
	if (ret || cpulist_parse(buf, online, STEP_MAX_CPUS, &n)) {
		set_err(err, errlen, "cannot read the online CPUs from '%s': %s", path,
			ret ? strerror(-ret) : "unexpected format");
		goto fail;
	}
	buf[strcspn(buf, "\n")] = '\0';
	/* gpu, emc without a probe: the controller may run anywhere. */
	if (o->cpu < 0 && o->domain != TRACE_DOMAIN_CPU) {
		for (int c = 0; c < STEP_MAX_CPUS && *ctl_cpu < 0; c++)
			if (online[c])
				*ctl_cpu = c;
		free(online);
		if (*ctl_cpu < 0) {
			set_err(err, errlen, "no online CPU in '%s'", path);
			return -1;
		}
		return 0;
	}
	if (o->cpu < 0 || o->cpu >= STEP_MAX_CPUS || !online[o->cpu]) {
		set_err(err, errlen, "cpu %d is not online (online: %s)", o->cpu, buf);
		goto fail;
	}
	for (int c = 0; c < STEP_MAX_CPUS && *ctl_cpu < 0; c++)
		if (online[c] && c != o->cpu)
			*ctl_cpu = c;
	if (*ctl_cpu < 0) {
		set_err(err, errlen,
			"needs at least 2 online CPUs: the controller must run on a CPU other than the measured cpu %d (online: %s)",
			o->cpu, buf);
		goto fail;
	}
	/* gpu, emc: their rates are settle.ko's (step_check_device()). */
	if (o->domain != TRACE_DOMAIN_CPU) {
		free(online);
		return 0;
	}

	snprintf(path, sizeof(path), "%s/devices/system/cpu/cpu%d/cpufreq/scaling_available_frequencies",
		 root, o->cpu);
	ret = read_text(path, buf, sizeof(buf));
	if (ret) {
		set_err(err, errlen, "cpu %d has no list of rates ('%s': %s): no cpufreq policy, or a driver without a frequency table",
			o->cpu, path, strerror(-ret));
		goto fail;
	}
	for (s = buf; navail < ARRAY_SIZE(avail);) {
		unsigned long v;

		while (*s == ' ' || *s == '\n')
			s++;
		if (!*s)
			break;
		v = strtoul(s, &end, 10);
		if (end == s || v > UINT32_MAX) {
			set_err(err, errlen, "'%s': unexpected content", path);
			goto fail;
		}
		avail[navail++] = (uint32_t)v;
		s = end;
	}
	for (size_t i = 0; i < o->nrates; i++) {
		bool ok = false;

		for (size_t j = 0; j < navail; j++)
			ok |= avail[j] == o->rates[i];
		if (!ok) {
			char list[2048];
			size_t len = 0;

			for (size_t j = 0; j < navail && len < sizeof(list) - 16; j++)
				len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%u",
							j ? " " : "", avail[j]);
			set_err(err, errlen, "rate %u kHz is not available on cpu %d (available, kHz: %s)",
				o->rates[i], o->cpu, list);
			goto fail;
		}
	}

	snprintf(path, sizeof(path), "%s/devices/system/cpu/cpu%d/cpufreq/scaling_cur_freq",
		 root, o->cpu);
	if (!read_text(path, buf, sizeof(buf))) {
		unsigned long v = strtoul(buf, &end, 10);

		if (end != buf && v <= UINT32_MAX)
			*cur_khz = (uint32_t)v;
	}
	free(online);
	return 0;
fail:
	free(online);
	return -1;
}

int step_check_device(const struct settle_devs *devs, const struct step_opts *o,
		      const struct settle_device_info **dev, uint32_t *cur_khz,
		      char *err, size_t errlen)
{
	const char *dom = trace_domain_name((uint32_t)o->domain);
	const struct settle_device_info *d = devs_find(devs, o->domain, o->device);

	*dev = NULL;
	*cur_khz = 0;
	if (!d) {
		if (o->device)
			set_err(err, errlen, "settle.ko has no %s device '%s' (see `settle devices`)",
				dom, o->device);
		else
			set_err(err, errlen, "settle.ko drives no %s device on this machine (see `settle devices`)",
				dom);
		return -1;
	}
	if (!(d->flags & SETTLE_DEV_STEPPABLE)) {
		set_err(err, errlen, "%s device '%s' is observed only: settle.ko cannot step it",
			dom, d->name);
		return -1;
	}
	for (size_t i = 0; i < o->nrates; i++) {
		char list[1024];
		size_t len = 0;

		if (devs_has_rate(d, o->rates[i]))
			continue;
		for (uint32_t j = 0; j < d->nrates && len < sizeof(list) - 16; j++)
			len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%u",
						j ? " " : "", d->rates_khz[j]);
		set_err(err, errlen, "rate %u kHz is not in %s device '%s''s table (kHz: %s)",
			o->rates[i], dom, d->name, len ? list : "empty");
		return -1;
	}
	*dev = d;
	*cur_khz = d->cur_khz;
	return 0;
}
