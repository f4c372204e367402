/* SPDX-License-Identifier: GPL-2.0 */
/*
 * settle.ko internals shared between its compilation units.
 */
#ifndef _SETTLE_H
#define _SETTLE_H

#include <linux/cpufreq.h>
#include <linux/hrtimer.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "uapi/settle.h"

/*
 * A request older than this when PRECHANGE arrives did not cause it (the
 * governor asked for the rate it already had); PRE then stands in for it.
 */
#define SETTLE_REQ_MAX_AGE_NS	(50 * NSEC_PER_MSEC)

/**
 * struct settle_reader_ops - one way to read a CPU's effective frequency
 * @name: shown in the log
 * @id: enum settle_reader_id, written into every settle:cpu_effective
 * @tolerance_khz: a readout this close to the target counts as settled
 *	(counter-based readers are approximate)
 * @init: claim what the reader needs; -ENODEV when it is not there
 * @exit: release it
 * @read_khz: the current effective frequency of @cpu; called from the
 *	sampler's hrtimer, in hard irq context, so it must not sleep
 */
struct settle_reader_ops {
	const char *name;
	u32 id;
	u32 tolerance_khz;
	int (*init)(void);
	void (*exit)(void);
	u32 (*read_khz)(unsigned int cpu);
};

/**
 * struct settle_slot - per-policy transition state, indexed by policy->cpu
 * @lock: protects everything below; taken from the sampler's hard irq
 * @cpu: the policy CPU this slot belongs to
 * @step_active: a SETTLE_IOC_CPU_STEP is inside the driver call
 * @req_valid: @req_* hold a request no PRECHANGE has claimed yet
 * @req_id: transition id allocated at the request (steps only)
 * @req_ts: CLOCK_MONOTONIC of the request
 * @req_source: enum settle_req_source
 * @id: id of the transition between PRECHANGE and POSTCHANGE
 * @timer: the effective-frequency sampler
 * @arm_csd: IPI that starts @timer on the sample_cpu
 * @arm_queued: @arm_csd is in flight
 * @sampling: @timer is armed for transition @s_id
 * @s_id: transition being sampled
 * @s_target: rate it goes to
 * @s_start: when sampling began (PRECHANGE)
 * @s_prev_ts: start of the last sample that still showed another rate
 * @s_samples: samples taken so far
 * @governor: the governor seen last, to report changes
 */
struct settle_slot {
	raw_spinlock_t lock;
	unsigned int cpu;
	bool step_active;
	bool req_valid;
	u64 req_id;
	u64 req_ts;
	u32 req_source;
	u64 id;
	struct hrtimer timer;
	call_single_data_t arm_csd;
	bool arm_queued;
	bool sampling;
	u64 s_id;
	u32 s_target;
	u64 s_start;
	u64 s_prev_ts;
	u32 s_samples;
	char governor[CPUFREQ_NAME_LEN];
};

extern struct settle_slot *settle_slots;
extern const struct settle_reader_ops *settle_reader;
extern unsigned int settle_sample_period_ns;
extern unsigned int settle_sample_timeout_us;
extern int settle_sample_cpu;

u64 settle_new_id(void);
struct settle_slot *settle_slot_of(unsigned int cpu);

int settle_cpufreq_init(void);
void settle_cpufreq_exit(void);
void settle_note_governor(struct cpufreq_policy *policy, u64 now);

void settle_sampler_init(struct settle_slot *s);
void settle_sampler_start(struct settle_slot *s, u64 id, u32 target_khz);
void settle_sampler_cancel(struct settle_slot *s);

int settle_readers_init(const char *want);
void settle_readers_exit(void);

int settle_ctl_init(void);
void settle_ctl_exit(void);

#ifdef CONFIG_KPROBES
int settle_kprobe_init(void);
void settle_kprobe_exit(void);
bool settle_kprobe_armed(void);
#else
static inline int settle_kprobe_init(void) { return -EOPNOTSUPP; }
static inline void settle_kprobe_exit(void) { }
static inline bool settle_kprobe_armed(void) { return false; }
#endif

#ifdef CONFIG_ARM64
extern const struct settle_reader_ops *settle_tegra_reader_probe(void);
#else
static inline const struct settle_reader_ops *settle_tegra_reader_probe(void)
{
	return NULL;
}
#endif

/*
 * Exported by tests/sim/settle_sim.ko and declared in tests/sim/settle_sim.h
 * (keep the two the same); found with symbol_get(), never linked.
 */
u32 settle_sim_read_khz(unsigned int cpu);

#endif /* _SETTLE_H */
