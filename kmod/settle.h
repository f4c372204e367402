/* SPDX-License-Identifier: GPL-2.0 */
/*
 * settle.ko internals shared between its compilation units.
 *
 * The core (settle_core.c, settle_sampler.c, settle_ctl.c) knows devices,
 * transitions and readers, never a framework.  A backend (settle_cpufreq.c,
 * settle_devfreq.c, settle_clk.c) hooks one framework, registers its
 * devices into a domain and implements their steps; a reader family
 * (settle_readers.c, settle_tegra.c, settle_bpmp.c) says what a device's
 * effective rate is.  Both plug in through the small ops tables below.
 */
#ifndef _SETTLE_H
#define _SETTLE_H

#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/preempt.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "uapi/settle.h"

/*
 * A request older than this when the driver is entered did not cause it
 * (the governor asked for the rate it already had); the entry then stands
 * in for it.
 */
#define SETTLE_REQ_MAX_AGE_NS	(50 * NSEC_PER_MSEC)
#define SETTLE_GOV_LEN		16

struct devfreq;
struct settle_dev;

/**
 * struct settle_reader_ops - one way to read a device's effective rate
 * @name: shown in the log and chosen by the reader parameters
 * @id: enum settle_reader_id, written into every settle:effective
 * @tolerance_khz: a readout this close to the target counts as settled
 *	(counter-based readers are approximate)
 * @sleeps: @read_khz may sleep: it is called from settle's kthread
 *	worker instead of the sampler's hard-irq timer, which adds the
 *	worker's wakeup latency to the detection bound
 * @attach: claim what reading @d needs; -ENODEV when it is not there
 * @detach: release it
 * @read_khz: the current effective rate of @d, kHz
 */
struct settle_reader_ops {
	const char *name;
	u32 id;
	u32 tolerance_khz;
	bool sleeps;
	int (*attach)(struct settle_dev *d);
	void (*detach)(struct settle_dev *d);
	u32 (*read_khz)(struct settle_dev *d);
};

/**
 * struct settle_backend_ops - a framework's side of a device
 * @name: "cpufreq", "devfreq", "clk"
 * @id: enum settle_backend
 * @present: whether @d can be listed and stepped now (cpufreq policies
 *	come and go with CPU hotplug); NULL: always
 * @info: fill the rate table and current rate of @d (process context)
 * @save: take control of @d before the first step of a session, keeping
 *	what the user had; sets @d->saved as soon as there is anything to
 *	put back, even if it then fails
 * @restore: give @d back as @save found it
 * @step: set @d to @st->target_khz, calling settle_step_begin() just
 *	before the driver call and settle_step_end() right after it
 */
struct settle_backend_ops {
	const char *name;
	u32 id;
	bool (*present)(struct settle_dev *d);
	int (*info)(struct settle_dev *d, struct settle_device_info *info);
	int (*save)(struct settle_dev *d);
	void (*restore)(struct settle_dev *d);
	int (*step)(struct settle_dev *d, struct settle_step *st);
};

/**
 * struct settle_dev - one device of a domain, and its transition state
 * @lock: protects the transition and sampler state; taken from the
 *	sampler's hard irq
 * @domain: enum settle_domain
 * @index: the device index events carry
 * @name: "cpu0", "17000000.gpu", "emc"
 * @backend: the framework's ops
 * @priv: the backend's per-device data
 * @reader: the effective-rate reader
 * @reader_priv: the reader's per-device data
 * @reader_handle: the reader's per-device number (the simulator's handle)
 * @saved: @backend->save ran in the current session
 * @step_active: a step is inside the driver call
 * @req_valid: @req_* hold a request no driver entry has claimed yet
 * @req_id: transition id allocated at the request (steps only)
 * @req_ts: CLOCK_MONOTONIC of the request
 * @req_source: enum settle_req_source
 * @id: id of the transition between driver entry and exit, 0 outside
 * @timer: the effective-rate sampler
 * @arm_csd: IPI that starts @timer on the sample_cpu
 * @read_work: a sample of a reader that sleeps
 * @arm_queued: @arm_csd is in flight
 * @sampling: the sampler follows transition @s_id
 * @s_id: transition being sampled
 * @s_target: rate it goes to; 0: any rate but @s_base
 * @s_base: the first sample's rate, when @s_target is 0
 * @s_start: when sampling began (driver entry)
 * @s_prev_ts: start of the last sample that still showed another rate
 * @s_samples: samples taken so far
 * @governor: the governor seen last, to report changes
 */
struct settle_dev {
	raw_spinlock_t lock;
	u32 domain;
	u32 index;
	char name[SETTLE_NAME_LEN];
	const struct settle_backend_ops *backend;
	void *priv;
	const struct settle_reader_ops *reader;
	void *reader_priv;
	int reader_handle;
	bool saved;
	bool step_active;
	bool req_valid;
	u64 req_id;
	u64 req_ts;
	u32 req_source;
	u64 id;
	struct hrtimer timer;
	call_single_data_t arm_csd;
	struct kthread_work read_work;
	bool arm_queued;
	bool sampling;
	u64 s_id;
	u32 s_target;
	u32 s_base;
	u64 s_start;
	u64 s_prev_ts;
	u32 s_samples;
	char governor[SETTLE_GOV_LEN];
};

extern unsigned int settle_sample_period_ns;
extern unsigned int settle_sample_timeout_us;
extern int settle_sample_cpu;

/* settle_core.c */
u64 settle_new_id(void);
int settle_core_init(void);
void settle_core_exit(void);
int settle_dev_register(struct settle_dev *d, u32 domain, int index,
			const char *name,
			const struct settle_backend_ops *backend);
void settle_dev_unregister(struct settle_dev *d);
int settle_dev_claim(struct settle_dev *d);
struct settle_dev *settle_dev_get(u32 domain, u32 index);
struct settle_dev *settle_dev_nth(u32 domain, u32 n);
void settle_dev_for_each(void (*fn)(struct settle_dev *d));
u32 settle_domains_attached(void);
const char *settle_domain_name(u32 domain);
void settle_request_note(struct settle_dev *d, u64 ts, u32 source);
u64 settle_event_seq_next(void);
u64 settle_event_seq_now(void);

/*
 * settle_event() - fire settle:@name, numbered by settle_event_seq_next()
 *
 * The number is drawn and the event fired with preemption off, so that an
 * event reaches its consumers within microseconds of its number: a
 * recorder that reads settle_event_seq_now() and waits a little knows
 * every event up to that number has been seen or skipped.
 */
#define settle_event(name, ...)						\
	do {								\
		if (trace_##name##_enabled()) {				\
			preempt_disable_notrace();			\
			trace_##name(__VA_ARGS__, settle_event_seq_next()); \
			preempt_enable_notrace();			\
		}							\
	} while (0)
u64 settle_entry(struct settle_dev *d, u32 old_khz, u32 new_khz);
u64 settle_entry_source(struct settle_dev *d, u32 old_khz, u32 new_khz,
			u32 source);
void settle_exit(struct settle_dev *d, u32 old_khz, u32 new_khz);
void settle_step_begin(struct settle_dev *d, struct settle_step *st,
		       u32 from_khz);
void settle_step_end(struct settle_dev *d, struct settle_step *st);
void settle_note_governor(struct settle_dev *d, const char *gov,
			  u32 min_khz, u32 max_khz, u64 now);
int settle_readers_attach(struct settle_dev *d, const char *want,
			  const struct settle_reader_ops *const *family,
			  unsigned int n);
void settle_readers_detach(struct settle_dev *d);
struct kthread_worker *settle_worker(void);
int settle_attach_names(u32 domain, const char *names, const char *reader,
			int (*attach)(u32 domain, const char *name,
				      const char *reader));
int settle_sysfs_read(const char *path, char *val, size_t len);
int settle_sysfs_write(const char *path, const char *val);

/* settle_sampler.c */
void settle_sampler_init(struct settle_dev *d);
void settle_sampler_start(struct settle_dev *d, u64 id, u32 target_khz);
void settle_sampler_cancel(struct settle_dev *d);

/* settle_ctl.c */
int settle_ctl_init(void);
void settle_ctl_exit(void);

/* The backends. */
int settle_cpufreq_init(const char *reader);
void settle_cpufreq_exit(void);
const char *settle_cpufreq_reader_name(void);
u32 settle_cpufreq_reader_id(void);
struct settle_dev *settle_cpufreq_dev(unsigned int cpu);
#ifdef CONFIG_PM_DEVFREQ
int settle_devfreq_init(u32 domain, const char *names, const char *reader);
void settle_devfreq_exit(void);
struct settle_dev *settle_devfreq_dev(struct devfreq *df);
#else
static inline int settle_devfreq_init(u32 domain, const char *names,
				      const char *reader)
{
	return 0;
}

static inline void settle_devfreq_exit(void) { }
#endif
#ifdef CONFIG_COMMON_CLK
int settle_clk_init(u32 domain, const char *names, const char *reader);
void settle_clk_exit(void);
#else
static inline int settle_clk_init(u32 domain, const char *names,
				  const char *reader)
{
	return 0;
}

static inline void settle_clk_exit(void) { }
#endif

#ifdef CONFIG_INTERCONNECT
int settle_icc_init(const char *nodes);
void settle_icc_exit(void);
#else
static inline int settle_icc_init(const char *nodes) { return 0; }
static inline void settle_icc_exit(void) { }
#endif

#ifdef CONFIG_KPROBES
int settle_kprobe_init(void);
void settle_kprobe_exit(void);
bool settle_kprobe_armed(void);
#else
static inline int settle_kprobe_init(void) { return -EOPNOTSUPP; }
static inline void settle_kprobe_exit(void) { }
static inline bool settle_kprobe_armed(void) { return false; }
#endif

/* Reader families (settle_readers.c and the SoC files). */
extern const struct settle_reader_ops settle_reader_sim;
#ifdef CONFIG_ARM64
const struct settle_reader_ops *settle_tegra_reader_probe(void);
#else
static inline const struct settle_reader_ops *settle_tegra_reader_probe(void)
{
	return NULL;
}
#endif
#ifdef CONFIG_TEGRA_BPMP
extern const struct settle_reader_ops settle_reader_bpmp;
#endif

/*
 * Exported by tests/sim/settle_sim.ko and declared in tests/sim/settle_sim.h
 * (keep the two the same); found with symbol_get(), never linked.
 */
int settle_sim_dev_lookup(u32 domain, const char *name);
u32 settle_sim_dev_read_khz(int handle);

#endif /* _SETTLE_H */
