// SPDX-License-Identifier: GPL-2.0
/*
 * cpufreq backend (the CPU domain): one device per policy, indexed by the
 * policy CPU.  The transition notifier gives driver entry and exit, the
 * kernel's cpu_frequency_limits tracepoint gives limit changes.
 *
 * Steps go through the userspace governor: the first step on a policy
 * saves its governor, limits and set speed, switches it to userspace and
 * opens its limits to the hardware range; the session's end puts all of it
 * back.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpufreq.h>
#include <linux/ktime.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <linux/workqueue.h>

#include "settle.h"
#include "settle_compat.h"
#include "settle_trace.h"

#define SETTLE_ATTR_LEN		32

/**
 * struct settle_cpu - a CPU's device and what its policy looked like
 *	before the first step of a session
 * @dev: the device (index: the CPU)
 * @governor: scaling_governor
 * @min: the user's scaling_min_freq request
 * @max: the user's scaling_max_freq request
 * @setspeed: scaling_setspeed, when @governor is userspace
 */
struct settle_cpu {
	struct settle_dev dev;
	char governor[CPUFREQ_NAME_LEN];
	char min[SETTLE_ATTR_LEN];
	char max[SETTLE_ATTR_LEN];
	char setspeed[SETTLE_ATTR_LEN];
};

static struct settle_cpu *settle_cpus;
static const struct settle_backend_ops settle_cpufreq_backend;

static struct settle_dev *settle_cpu_dev(unsigned int cpu)
{
	return cpu < nr_cpu_ids && settle_cpus ? &settle_cpus[cpu].dev : NULL;
}

static struct settle_cpu *to_settle_cpu(struct settle_dev *d)
{
	return container_of(d, struct settle_cpu, dev);
}

/* ---- reader: the policy's cached rate -------------------------------- */

static u32 settle_cached_read_khz(struct settle_dev *d)
{
	return cpufreq_quick_get(d->index);
}

static const struct settle_reader_ops settle_reader_cached = {
	.name = "cached",
	.id = SETTLE_READER_CACHED,
	.read_khz = settle_cached_read_khz,
};

static const struct settle_reader_ops *settle_cpu_reader;

/**
 * settle_cpufreq_reader_name() - the CPUs' reader, for the load message
 *
 * Return: its name.
 */
const char *settle_cpufreq_reader_name(void)
{
	return settle_cpu_reader ? settle_cpu_reader->name : "none";
}

/**
 * settle_cpufreq_reader_id() - the CPUs' reader, for SETTLE_IOC_VERSION
 *
 * Return: its enum settle_reader_id.
 */
u32 settle_cpufreq_reader_id(void)
{
	return settle_cpu_reader ? settle_cpu_reader->id : SETTLE_READER_NONE;
}

/* ---- hooks ------------------------------------------------------------- */

static void settle_cpufreq_note_governor(struct cpufreq_policy *policy,
					 u64 now)
{
	struct settle_dev *d = settle_cpu_dev(policy->cpu);

	if (d)
		settle_note_governor(d, policy->governor ?
				     policy->governor->name : "none",
				     policy->min, policy->max, now);
}

/*
 * Two notifier blocks: PRECHANGE is taken last in the chain and
 * POSTCHANGE first, so other notifiers' work is not counted as stall.
 */
static int settle_cpufreq_notify_pre(struct notifier_block *nb,
				     unsigned long val, void *data)
{
	struct cpufreq_freqs *freqs = data;
	struct settle_dev *d;

	if (val != CPUFREQ_PRECHANGE)
		return NOTIFY_OK;
	d = settle_cpu_dev(freqs->policy->cpu);
	if (d) {
		settle_cpufreq_note_governor(freqs->policy, ktime_get_ns());
		settle_entry(d, freqs->old, freqs->new);
	}
	return NOTIFY_OK;
}

static int settle_cpufreq_notify_post(struct notifier_block *nb,
				      unsigned long val, void *data)
{
	struct cpufreq_freqs *freqs = data;
	struct settle_dev *d;

	if (val != CPUFREQ_POSTCHANGE)
		return NOTIFY_OK;
	d = settle_cpu_dev(freqs->policy->cpu);
	if (d)
		settle_exit(d, freqs->old, freqs->new);
	return NOTIFY_OK;
}

static struct notifier_block settle_cpufreq_nb_pre = {
	.notifier_call = settle_cpufreq_notify_pre,
	.priority = INT_MIN,
};

static struct notifier_block settle_cpufreq_nb_post = {
	.notifier_call = settle_cpufreq_notify_post,
	.priority = INT_MAX,
};

static void settle_probe_limits(void *data, struct cpufreq_policy *policy)
{
	u64 now = ktime_get_ns();

	settle_event(limits, now, SETTLE_DOMAIN_CPU, policy->cpu, policy->min,
		     policy->max, policy->cur);
	settle_cpufreq_note_governor(policy, now);
}

static struct tracepoint *settle_tp_limits;

static void settle_find_tp(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "cpu_frequency_limits"))
		settle_tp_limits = tp;
}

/* ---- control ----------------------------------------------------------- */

/*
 * Policies are changed through their sysfs attributes: cpufreq exports no
 * call to switch governors, and going through the same store functions as a
 * user keeps every cpufreq invariant (QoS requests, governor start/stop).
 */
static int settle_attr_read(unsigned int cpu, const char *attr, char *val,
			    size_t len)
{
	char path[96];

	snprintf(path, sizeof(path),
		 "/sys/devices/system/cpu/cpu%u/cpufreq/%s", cpu, attr);
	return settle_sysfs_read(path, val, len);
}

static int settle_attr_write(unsigned int cpu, const char *attr,
			     const char *val)
{
	char path[96];

	snprintf(path, sizeof(path),
		 "/sys/devices/system/cpu/cpu%u/cpufreq/%s", cpu, attr);
	return settle_sysfs_write(path, val);
}

static bool settle_cpufreq_present(struct settle_dev *d)
{
	struct cpufreq_policy *policy = cpufreq_cpu_get(d->index);
	bool ret;

	if (!policy)
		return false;
	ret = policy->cpu == d->index;
	cpufreq_cpu_put(policy);
	return ret;
}

static int settle_cpufreq_info(struct settle_dev *d,
			       struct settle_device_info *info)
{
	struct cpufreq_frequency_table *pos;
	struct cpufreq_policy *policy;
	u32 n = 0;

	policy = cpufreq_cpu_get(d->index);
	if (!policy)
		return -ENODEV;
	info->cur_khz = policy->cur;
	if (policy->freq_table) {
		info->flags |= SETTLE_DEV_STEPPABLE;
		/* cpufreq tables need not be sorted; listings are. */
		cpufreq_for_each_valid_entry(pos, policy->freq_table) {
			u32 khz = pos->frequency, i;

			if (n == SETTLE_MAX_RATES) {
				info->flags |= SETTLE_DEV_RATES_CUT;
				break;
			}
			for (i = n; i > 0 && info->rates_khz[i - 1] > khz; i--)
				info->rates_khz[i] = info->rates_khz[i - 1];
			info->rates_khz[i] = khz;
			n++;
		}
	}
	info->nrates = n;
	cpufreq_cpu_put(policy);
	return 0;
}

static int settle_cpufreq_save(struct settle_dev *d)
{
	struct settle_cpu *sc = to_settle_cpu(d);
	struct cpufreq_policy *policy;
	unsigned int cpu = d->index;
	char val[SETTLE_ATTR_LEN];
	int ret;

	policy = cpufreq_cpu_get(cpu);
	if (!policy)
		return -ENODEV;
	ret = settle_attr_read(cpu, "scaling_governor", sc->governor,
			       sizeof(sc->governor));
	if (ret) {
		pr_warn("cpu%u: cannot read the policy to save it: %d\n", cpu,
			ret);
		goto out_put_policy;
	}
	/*
	 * What the user asked for, not the effective limits the sysfs files
	 * show: restoring a thermally capped maximum as the user's own
	 * request would keep the cap after the campaign.
	 */
	snprintf(sc->min, sizeof(sc->min), "%u",
		 settle_qos_request_value(policy->min_freq_req, policy->min));
	snprintf(sc->max, sizeof(sc->max), "%u",
		 settle_qos_request_value(policy->max_freq_req, policy->max));
	sc->setspeed[0] = '\0';
	if (!strcmp(sc->governor, "userspace"))
		settle_attr_read(cpu, "scaling_setspeed", sc->setspeed,
				 sizeof(sc->setspeed));
	d->saved = true;
	settle_event(policy, ktime_get_ns(), SETTLE_DOMAIN_CPU, cpu,
		     SETTLE_POLICY_SAVED, policy->min, policy->max,
		     sc->governor);

	ret = settle_attr_write(cpu, "scaling_governor", "userspace");
	if (ret) {
		pr_warn("cpu%u: cannot select the userspace governor (is cpufreq_userspace loaded?)\n",
			cpu);
		goto out_put_policy;
	}
	snprintf(val, sizeof(val), "%u", policy->cpuinfo.max_freq);
	ret = settle_attr_write(cpu, "scaling_max_freq", val);
	if (ret)
		goto out_put_policy;
	snprintf(val, sizeof(val), "%u", policy->cpuinfo.min_freq);
	ret = settle_attr_write(cpu, "scaling_min_freq", val);
out_put_policy:
	cpufreq_cpu_put(policy);
	return ret;
}

static void settle_cpufreq_restore(struct settle_dev *d)
{
	struct settle_cpu *sc = to_settle_cpu(d);
	unsigned int action = SETTLE_POLICY_RESTORED;
	struct cpufreq_policy *policy;
	unsigned int cpu = d->index;
	char val[SETTLE_ATTR_LEN];
	u32 min = 0, max = 0;
	int ret = -ENODEV;

	policy = cpufreq_cpu_get(cpu);
	if (policy) {
		/* Open the range first so neither bound is refused. */
		snprintf(val, sizeof(val), "%u", policy->cpuinfo.max_freq);
		ret = settle_attr_write(cpu, "scaling_max_freq", val);
		ret = ret ?: settle_attr_write(cpu, "scaling_min_freq", sc->min);
		ret = ret ?: settle_attr_write(cpu, "scaling_max_freq", sc->max);
		ret = ret ?: settle_attr_write(cpu, "scaling_governor",
					       sc->governor);
		if (!ret && sc->setspeed[0])
			ret = settle_attr_write(cpu, "scaling_setspeed",
						sc->setspeed);
		min = policy->min;
		max = policy->max;
		cpufreq_cpu_put(policy);
	}
	if (ret) {
		action = SETTLE_POLICY_RESTORE_FAILED;
		pr_err("cpu%u: could not restore governor %s, limits %s..%s kHz: %d\n",
		       cpu, sc->governor, sc->min, sc->max, ret);
	}
	settle_event(policy, ktime_get_ns(), SETTLE_DOMAIN_CPU, cpu, action, min, max,
		     sc->governor);
}

static bool settle_in_table(struct cpufreq_policy *policy, unsigned int khz)
{
	struct cpufreq_frequency_table *pos;

	cpufreq_for_each_valid_entry(pos, policy->freq_table)
		if (pos->frequency == khz)
			return true;
	return false;
}

/* @d: any CPU of the policy; the policy CPU's device does the step. */
static int settle_cpufreq_step(struct settle_dev *d, struct settle_step *st)
{
	struct cpufreq_governor *gov;
	struct cpufreq_policy *policy;
	struct settle_dev *pd;
	int ret;

	if (!cpu_online(d->index)) {
		pr_warn_ratelimited("step: cpu%u is not online\n", d->index);
		return -ENODEV;
	}
	policy = cpufreq_cpu_get(d->index);
	if (!policy) {
		pr_warn_ratelimited("step: cpu%u has no cpufreq policy\n",
				    d->index);
		return -ENODEV;
	}
	if (!policy->freq_table) {
		pr_warn_ratelimited("step: cpu%u: the driver has no frequency table\n",
				    d->index);
		ret = -EOPNOTSUPP;
		goto out_put_policy;
	}
	if (!settle_in_table(policy, st->target_khz)) {
		pr_warn_ratelimited("step: cpu%u: %u kHz is not in the frequency table\n",
				    d->index, st->target_khz);
		ret = -EINVAL;
		goto out_put_policy;
	}
	pd = settle_cpu_dev(policy->cpu);
	ret = settle_dev_claim(pd);
	if (ret)
		goto out_put_policy;
	/*
	 * The limits the save wrote reach the policy through cpufreq's
	 * update work.  Let it run now: run later, it would re-apply the
	 * governor's setspeed in the middle of the campaign.
	 */
	flush_work(&policy->update);

	down_write(&policy->rwsem);
	/*
	 * Through the userspace governor, as a scaling_setspeed write does:
	 * its setspeed must follow every step, because each later limits
	 * update (thermal caps included) re-applies it.
	 */
	gov = policy->governor;
	if (policy_is_inactive(policy) || !gov || !gov->store_setspeed) {
		pr_warn_ratelimited("step: cpu%u: the governor is no longer userspace\n",
				    d->index);
		ret = -EBUSY;
		goto out_unlock_policy;
	}
	if (policy->cur == st->target_khz) {
		ret = -EALREADY;
		goto out_unlock_policy;
	}

	settle_step_begin(pd, st, policy->cur);
	ret = gov->store_setspeed(policy, st->target_khz);
	settle_step_end(pd, st);
	if (ret > 0)
		ret = 0;
	st->cur_khz = policy->cur;
out_unlock_policy:
	up_write(&policy->rwsem);
out_put_policy:
	cpufreq_cpu_put(policy);
	return ret;
}

static const struct settle_backend_ops settle_cpufreq_backend = {
	.name = "cpufreq",
	.id = SETTLE_BACKEND_CPUFREQ,
	.present = settle_cpufreq_present,
	.info = settle_cpufreq_info,
	.save = settle_cpufreq_save,
	.restore = settle_cpufreq_restore,
	.step = settle_cpufreq_step,
};

/* ---- load and unload ---------------------------------------------------- */

static void settle_cpufreq_unregister_devs(void)
{
	unsigned int cpu;

	for (cpu = 0; cpu < nr_cpu_ids; cpu++)
		if (settle_cpus[cpu].dev.backend)
			settle_dev_unregister(&settle_cpus[cpu].dev);
	kfree(settle_cpus);
	settle_cpus = NULL;
}

static int settle_cpufreq_register_devs(const char *reader)
{
	const struct settle_reader_ops *family[] = {
		&settle_reader_sim,
		settle_tegra_reader_probe(),
		&settle_reader_cached,
	};
	unsigned int cpu;
	char name[SETTLE_NAME_LEN];
	int ret;

	settle_cpus = kcalloc(nr_cpu_ids, sizeof(*settle_cpus), GFP_KERNEL);
	if (!settle_cpus)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct settle_dev *d = &settle_cpus[cpu].dev;

		snprintf(name, sizeof(name), "cpu%u", cpu);
		ret = settle_dev_register(d, SETTLE_DOMAIN_CPU, cpu, name,
					  &settle_cpufreq_backend);
		if (ret)
			goto err_unregister_devs;
		ret = settle_readers_attach(d, reader, family,
					    ARRAY_SIZE(family));
		if (ret)
			goto err_unregister_devs;
		/* One reader for every CPU: the first one's. */
		if (!settle_cpu_reader)
			settle_cpu_reader = d->reader;
		else if (d->reader != settle_cpu_reader)
			pr_info("cpu%u: reader %s (cpu0's is %s)\n", cpu,
				d->reader->name, settle_cpu_reader->name);
	}
	return 0;

err_unregister_devs:
	settle_cpufreq_unregister_devs();
	settle_cpu_reader = NULL;
	return ret;
}

/**
 * settle_cpufreq_init() - register the CPUs and hook cpufreq
 * @reader: "auto" or the CPU reader to insist on
 *
 * The limits tracepoint is found by name because it is not exported; a
 * kernel without it only loses the CPUs' settle:limits.
 *
 * Return: 0 or a negative errno.
 */
int settle_cpufreq_init(const char *reader)
{
	int ret;

	ret = settle_cpufreq_register_devs(reader);
	if (ret)
		return ret;

	ret = cpufreq_register_notifier(&settle_cpufreq_nb_pre,
					CPUFREQ_TRANSITION_NOTIFIER);
	if (ret)
		goto err_notifier;
	ret = cpufreq_register_notifier(&settle_cpufreq_nb_post,
					CPUFREQ_TRANSITION_NOTIFIER);
	if (ret)
		goto err_unregister_pre;

	for_each_kernel_tracepoint(settle_find_tp, NULL);
	if (settle_tp_limits &&
	    tracepoint_probe_register(settle_tp_limits,
				      settle_probe_limits, NULL)) {
		pr_warn("cannot hook cpu_frequency_limits: no CPU limits events\n");
		settle_tp_limits = NULL;
	} else if (!settle_tp_limits) {
		pr_warn("no cpu_frequency_limits tracepoint: no CPU limits events\n");
	}
	return 0;

err_unregister_pre:
	cpufreq_unregister_notifier(&settle_cpufreq_nb_pre,
				    CPUFREQ_TRANSITION_NOTIFIER);
err_notifier:
	pr_err("cannot register the cpufreq transition notifiers: %d\n", ret);
	settle_cpufreq_unregister_devs();
	return ret;
}

/**
 * settle_cpufreq_exit() - unhook; no settle callback runs after it returns
 */
void settle_cpufreq_exit(void)
{
	if (settle_tp_limits)
		tracepoint_probe_unregister(settle_tp_limits,
					    settle_probe_limits, NULL);
	settle_tp_limits = NULL;
	cpufreq_unregister_notifier(&settle_cpufreq_nb_post,
				    CPUFREQ_TRANSITION_NOTIFIER);
	cpufreq_unregister_notifier(&settle_cpufreq_nb_pre,
				    CPUFREQ_TRANSITION_NOTIFIER);
	tracepoint_synchronize_unregister();
	settle_cpufreq_unregister_devs();
	settle_cpu_reader = NULL;
}

/**
 * settle_cpufreq_dev() - the device of a CPU, for the request kprobe
 * @cpu: a policy CPU
 *
 * Return: the device, or NULL.
 */
struct settle_dev *settle_cpufreq_dev(unsigned int cpu)
{
	return settle_cpu_dev(cpu);
}
