// SPDX-License-Identifier: GPL-2.0
/*
 * settle: time DVFS actuation per clock domain.
 *
 * Every transition gets a request, a driver entry (PRECHANGE), a driver
 * exit (POSTCHANGE) and an effective change (the first sample of the
 * frequency readout that shows the new rate), all on CLOCK_MONOTONIC and
 * tied together by one transition id.  They leave through the settle:*
 * tracepoints; settle_trace.h documents their layout.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>

#include "settle.h"

#define CREATE_TRACE_POINTS
#include "settle_trace.h"

/*
 * The sampler's period bounds how late it can see a change; below ~1 us the
 * hrtimer cannot keep up and above 10 ms it says little about a 1 ms
 * transition.
 */
#define SETTLE_PERIOD_MIN_NS	1000U
#define SETTLE_PERIOD_MAX_NS	(10U * NSEC_PER_MSEC)
#define SETTLE_TIMEOUT_MAX_US	(1U * USEC_PER_SEC)

unsigned int settle_sample_period_ns = 20000;
unsigned int settle_sample_timeout_us = 50000;
int settle_sample_cpu = -1;
static char *reader = "auto";
/*
 * Opt-in: in TCG guests, arming or disarming the kprobe while transitions
 * ran through __cpufreq_driver_target crashed the guest twice in about 60
 * load/unload rounds (a call to NULL at the probed entry, a soft lockup);
 * without it 48 rounds were clean.  Until that is understood on hardware,
 * requests of governor-driven transitions are timed at PRECHANGE.
 */
static bool kprobes;

static int settle_param_set_uint_range(const char *val,
				       const struct kernel_param *kp,
				       unsigned int min, unsigned int max)
{
	unsigned int v;
	int ret;

	ret = kstrtouint(val, 0, &v);
	if (ret)
		return ret;
	if (v < min || v > max) {
		pr_err("%s must be in %u..%u, got %u\n", kp->name, min, max, v);
		return -ERANGE;
	}
	WRITE_ONCE(*(unsigned int *)kp->arg, v);
	return 0;
}

static int settle_param_set_period(const char *val,
				   const struct kernel_param *kp)
{
	return settle_param_set_uint_range(val, kp, SETTLE_PERIOD_MIN_NS,
					   SETTLE_PERIOD_MAX_NS);
}

static int settle_param_set_timeout(const char *val,
				    const struct kernel_param *kp)
{
	return settle_param_set_uint_range(val, kp, 1, SETTLE_TIMEOUT_MAX_US);
}

static int settle_param_set_cpu(const char *val, const struct kernel_param *kp)
{
	int v, ret;

	ret = kstrtoint(val, 0, &v);
	if (ret)
		return ret;
	if (v < -1 || v >= (int)nr_cpu_ids || (v >= 0 && !cpu_possible(v))) {
		pr_err("%s must be -1 or a possible CPU, got %d\n", kp->name, v);
		return -ERANGE;
	}
	WRITE_ONCE(*(int *)kp->arg, v);
	return 0;
}

static const struct kernel_param_ops settle_cpu_ops = {
	.set = settle_param_set_cpu,
	.get = param_get_int,
};

static const struct kernel_param_ops settle_period_ops = {
	.set = settle_param_set_period,
	.get = param_get_uint,
};

static const struct kernel_param_ops settle_timeout_ops = {
	.set = settle_param_set_timeout,
	.get = param_get_uint,
};

module_param_cb(sample_period_ns, &settle_period_ops,
		&settle_sample_period_ns, 0644);
MODULE_PARM_DESC(sample_period_ns,
		 "effective-frequency sampler period, ns (1000..10000000, default 20000)");
module_param_cb(sample_timeout_us, &settle_timeout_ops,
		&settle_sample_timeout_us, 0644);
MODULE_PARM_DESC(sample_timeout_us,
		 "stop sampling a transition after this long, us (1..1000000, default 50000)");
module_param_cb(sample_cpu, &settle_cpu_ops, &settle_sample_cpu, 0644);
MODULE_PARM_DESC(sample_cpu,
		 "run the sampler's timer on this CPU, -1 = the CPU that entered the driver (default -1)");
module_param(reader, charp, 0444);
MODULE_PARM_DESC(reader,
		 "frequency reader: auto, sim, tegra234 or cached (default auto)");
module_param(kprobes, bool, 0444);
MODULE_PARM_DESC(kprobes,
		 "time governor requests with a kprobe where kprobes exist (default 0, experimental)");

static atomic64_t settle_next_id = ATOMIC64_INIT(0);
struct settle_slot *settle_slots;

/**
 * settle_new_id() - allocate a transition id
 *
 * Ids are never reused within one load of the module, so a reader pairs the
 * events of one transition without guessing.
 *
 * Return: a new id, never 0.
 */
u64 settle_new_id(void)
{
	return atomic64_inc_return(&settle_next_id);
}

/**
 * settle_slot_of() - the state slot of a policy
 * @cpu: the policy's CPU (policy->cpu)
 *
 * Return: the slot, or NULL for a CPU number out of range.
 */
struct settle_slot *settle_slot_of(unsigned int cpu)
{
	if (cpu >= nr_cpu_ids)
		return NULL;
	return &settle_slots[cpu];
}

static int __init settle_init(void)
{
	unsigned int cpu;
	int ret;

	settle_slots = kcalloc(nr_cpu_ids, sizeof(*settle_slots), GFP_KERNEL);
	if (!settle_slots)
		return -ENOMEM;
	for (cpu = 0; cpu < nr_cpu_ids; cpu++) {
		raw_spin_lock_init(&settle_slots[cpu].lock);
		settle_slots[cpu].cpu = cpu;
		settle_sampler_init(&settle_slots[cpu]);
	}

	ret = settle_readers_init(reader);
	if (ret)
		goto err_free_slots;

	ret = settle_cpufreq_init();
	if (ret)
		goto err_exit_readers;

	if (kprobes) {
		ret = settle_kprobe_init();
		if (ret)
			pr_info("request kprobe unavailable (%d): requests are timed at PRECHANGE\n",
				ret);
	}

	ret = settle_ctl_init();
	if (ret)
		goto err_exit_kprobe;

	pr_info("loaded: reader %s, sampler %u ns, request kprobe %s\n",
		settle_reader->name, settle_sample_period_ns,
		settle_kprobe_armed() ? "on" : "off");
	return 0;

err_exit_kprobe:
	settle_kprobe_exit();
	settle_cpufreq_exit();
err_exit_readers:
	settle_readers_exit();
err_free_slots:
	kfree(settle_slots);
	return ret;
}

static void __exit settle_exit(void)
{
	unsigned int cpu;

	settle_ctl_exit();
	settle_kprobe_exit();
	settle_cpufreq_exit();
	/* No new transition can start a sampler now; stop the running ones. */
	for (cpu = 0; cpu < nr_cpu_ids; cpu++)
		settle_sampler_cancel(&settle_slots[cpu]);
	settle_readers_exit();
	kfree(settle_slots);
}

module_init(settle_init);
module_exit(settle_exit);

MODULE_DESCRIPTION("settle: per-domain DVFS actuation timing");
MODULE_LICENSE("GPL");
