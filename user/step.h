/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * `settle step` logic that needs neither BPF nor /dev/settle: option
 * parsing and validation, the step plan, the gap PRNG and the sysfs reads.
 * step.c runs the plan; tests/unit exercises everything here.
 */
#ifndef SETTLE_STEP_H
#define SETTLE_STEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STEP_MAX_RATES		32
#define STEP_MAX_CPUS		4096
#define STEP_DEFAULT_GAP_MS	50
#define STEP_DEFAULT_WARMUP	4
#define STEP_DEFAULT_BIN_US	10
#define STEP_DEFAULT_CAP_S	600
#define STEP_DEFAULT_OUT	"settle-step"

extern const char step_usage[];

/* The throughput probe run during the steps (--probe). */
enum step_probe {
	STEP_PROBE_NONE,	/* --no-probe, --probe none */
	STEP_PROBE_CPU,		/* the CPU chain probe (settle probe cpu) */
	STEP_PROBE_CPU_MEMORY,	/* memory-bound (settle probe cpu --kind memory) */
	STEP_PROBE_GPU_COMPUTE,	/* the GPU probe's compute kind (GPU clock) */
	STEP_PROBE_GPU_MEMORY,	/* the GPU probe's memory kind (EMC) */
};
const char *step_probe_name(enum step_probe p);

struct step_opts {
	int domain;			/* enum settle_domain stepped */
	const char *device;		/* --device (gpu, emc); NULL: the first */
	enum step_probe probe;
	int cpu;			/* domain cpu: stepped and probed; else
					 * the probe's CPU, -1 without a probe */
	uint32_t rates[STEP_MAX_RATES];	/* kHz, distinct, in the given order */
	size_t nrates;
	uint64_t count;			/* steps per ordered pair */
	uint64_t gap_min_ms;		/* equal to gap_max_ms unless random */
	uint64_t gap_max_ms;
	bool random_gap;
	uint64_t warmup;		/* warm-up steps */
	uint64_t seed;
	bool seed_set;
	uint64_t bin_us;		/* probe bin width */
	uint64_t duration_cap_s;	/* refuse longer plans, stop at it */
	bool no_probe;			/* probe == STEP_PROBE_NONE */
	bool force;
	bool verbose;
	const char *out;
};

/*
 * Parses `settle step` arguments (argv[0] is "step").  Returns 0 to run,
 * 1 when --help was printed (exit 0), -1 on an error (printed).
 */
int step_parse_args(int argc, char **argv, struct step_opts *o);

/* ---- plan ---- */

struct step_item {
	uint32_t from_khz;	/* 0: unknown (the CPU's rate before the run) */
	uint32_t to_khz;
	uint32_t flags;		/* TRACE_STEP_WARMUP, TRACE_STEP_POSITION */
};

struct step_plan {
	struct step_item *steps;
	size_t n;
	size_t npairs;		/* ordered pairs: k * (k - 1) */
	size_t nwarmup, nposition, nmeasured;
};

/*
 * Every ordered pair of `rates` exactly `count` times as measured steps,
 * preceded by `warmup` warm-up steps and, first, one positioning step to
 * the rate the circuit starts from: `cur_khz` (the CPU's rate as last read,
 * 0 if unknown) when it is one of the rates, the first rate otherwise.
 * The measured sequence is `count` laps of an Eulerian circuit of the
 * complete directed graph on the rates, so it needs no positioning steps
 * between pairs.
 */
int step_plan_build(const uint32_t *rates, size_t nrates, uint64_t count,
		    uint64_t warmup, uint32_t cur_khz, struct step_plan *p,
		    char *err, size_t errlen);
void step_plan_free(struct step_plan *p);
/* Mean gap times the number of steps. */
uint64_t step_plan_estimate_ns(const struct step_plan *p, const struct step_opts *o);

/* ---- gaps ---- */

/* splitmix64: tiny, seedable with any value, the same on every platform. */
struct step_rng {
	uint64_t state;
};

void step_rng_seed(struct step_rng *r, uint64_t seed);
uint64_t step_rng_next(struct step_rng *r);
/* The gap after a step, ns: fixed, or uniform in [min, max] ms at 1 us. */
uint64_t step_gap_ns(const struct step_opts *o, struct step_rng *r);

/*
 * When a campaign waiting at `now` for its next request at `until` wakes
 * next, and whether it flushes now (writes the probe bins and syncs the
 * trace).  A flush is due at `next_flush`; it is done in the middle of a
 * gap, at `mid` (0 before the first request), if it is due by then, and
 * otherwise waits for the next gap's middle.  Wakes come at least every
 * `poll_ns`, to drain the ring buffer.
 */
uint64_t step_service_wake(uint64_t now, uint64_t until, uint64_t next_flush,
			   uint64_t mid, uint64_t poll_ns, bool *flush);

/* ---- sysfs ---- (`root` is "/sys" except in tests) */

/* Parses a kernel CPU list ("0-3,5"); sets online[cpu] for cpu < max. */
int cpulist_parse(const char *s, bool *online, int max, int *count);
/*
 * Checks the measured CPU and the rates against sysfs: CPU online, at
 * least one other online CPU (returned in *ctl_cpu, for the controller),
 * every rate in scaling_available_frequencies.  *cur_khz gets
 * scaling_cur_freq, 0 if unreadable.  Domains gpu and emc: only the probe
 * CPU (if any) and the controller's; step_check_device() checks the rest.
 */
int step_check_system(const char *root, const struct step_opts *o,
		      int *ctl_cpu, uint32_t *cur_khz, char *err, size_t errlen);

struct settle_devs;
struct settle_device_info;
/*
 * Domains gpu and emc: the device to step (--device, else the domain's
 * first) from settle.ko's list, steppable, with every rate in its table.
 * *dev gets it, *cur_khz its current rate.
 */
int step_check_device(const struct settle_devs *devs, const struct step_opts *o,
		      const struct settle_device_info **dev, uint32_t *cur_khz,
		      char *err, size_t errlen);

#endif /* SETTLE_STEP_H */
