// SPDX-License-Identifier: GPL-2.0
/*
 * cpufreq domain: the transition notifier gives driver entry and exit, the
 * kernel's cpu_frequency_limits tracepoint gives policy limit changes.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpufreq.h>
#include <linux/ktime.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

#include "settle.h"
#include "settle_trace.h"

#define SETTLE_POLICY_OBSERVED	0xff

/**
 * settle_note_governor() - report a policy's governor when it changed
 * @policy: the policy
 * @now: CLOCK_MONOTONIC of the observation
 *
 * cpufreq has no notifier for governor switches, so a switch is seen at the
 * next transition or limits change of the policy.
 */
void settle_note_governor(struct cpufreq_policy *policy, u64 now)
{
	struct settle_slot *s = settle_slot_of(policy->cpu);
	const char *gov = policy->governor ? policy->governor->name : "none";
	unsigned long flags;
	bool changed;

	if (!s)
		return;
	raw_spin_lock_irqsave(&s->lock, flags);
	changed = strncmp(s->governor, gov, sizeof(s->governor)) != 0;
	if (changed)
		strscpy(s->governor, gov, sizeof(s->governor));
	raw_spin_unlock_irqrestore(&s->lock, flags);
	if (changed)
		trace_cpu_policy(now, policy->cpu, SETTLE_POLICY_OBSERVED,
				 policy->min, policy->max, gov);
}

static void settle_cpufreq_pre(struct cpufreq_freqs *freqs)
{
	struct cpufreq_policy *policy = freqs->policy;
	struct settle_slot *s = settle_slot_of(policy->cpu);
	u32 source = SETTLE_REQ_NOTIFIER;
	unsigned long flags;
	u64 now, req_ts;
	u64 id;

	if (!s)
		return;
	now = ktime_get_ns();
	req_ts = now;
	raw_spin_lock_irqsave(&s->lock, flags);
	if (s->req_valid && now - s->req_ts <= SETTLE_REQ_MAX_AGE_NS) {
		req_ts = s->req_ts;
		source = s->req_source;
		id = s->req_id ? s->req_id : settle_new_id();
	} else {
		id = settle_new_id();
	}
	s->req_valid = false;
	s->id = id;
	raw_spin_unlock_irqrestore(&s->lock, flags);

	/* A step has written its request event already, with the exact time. */
	if (source != SETTLE_REQ_STEP)
		trace_cpu_request(id, req_ts, policy->cpu, freqs->old,
				  freqs->new, source);
	settle_note_governor(policy, now);
	/*
	 * Driver entry is stamped after settle's own work, the sampler's
	 * first sample and start included, so that work is not counted as
	 * stall.
	 */
	settle_sampler_start(s, id, freqs->new);
	now = ktime_get_ns();
	trace_cpufreq_pre(id, now, policy->cpu, freqs->old, freqs->new);
}

/*
 * Two notifier blocks: PRECHANGE is taken last in the chain and
 * POSTCHANGE first, so other notifiers' work is not counted as stall.
 */
static int settle_cpufreq_notify_pre(struct notifier_block *nb,
				     unsigned long val, void *data)
{
	if (val == CPUFREQ_PRECHANGE)
		settle_cpufreq_pre(data);
	return NOTIFY_OK;
}

static int settle_cpufreq_notify_post(struct notifier_block *nb,
				      unsigned long val, void *data)
{
	struct cpufreq_freqs *freqs = data;
	u64 now = ktime_get_ns();
	struct settle_slot *s;

	if (val != CPUFREQ_POSTCHANGE)
		return NOTIFY_OK;
	s = settle_slot_of(freqs->policy->cpu);
	if (s)
		trace_cpufreq_post(READ_ONCE(s->id), now, freqs->policy->cpu,
				   freqs->old, freqs->new);
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

	trace_cpu_limits(now, policy->cpu, policy->min, policy->max,
			 policy->cur);
	settle_note_governor(policy, now);
}

static struct tracepoint *settle_tp_limits;

static void settle_find_tp(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "cpu_frequency_limits"))
		settle_tp_limits = tp;
}

/**
 * settle_cpufreq_init() - hook the cpufreq transition and limits paths
 *
 * The limits tracepoint is found by name because it is not exported; a
 * kernel without it only loses settle:cpu_limits.
 *
 * Return: 0 or a negative errno from the notifier registration.
 */
int settle_cpufreq_init(void)
{
	int ret;

	ret = cpufreq_register_notifier(&settle_cpufreq_nb_pre,
					CPUFREQ_TRANSITION_NOTIFIER);
	if (ret)
		goto err_notifier;
	ret = cpufreq_register_notifier(&settle_cpufreq_nb_post,
					CPUFREQ_TRANSITION_NOTIFIER);
	if (ret) {
		cpufreq_unregister_notifier(&settle_cpufreq_nb_pre,
					    CPUFREQ_TRANSITION_NOTIFIER);
		goto err_notifier;
	}

	for_each_kernel_tracepoint(settle_find_tp, NULL);
	if (settle_tp_limits &&
	    tracepoint_probe_register(settle_tp_limits,
				      settle_probe_limits, NULL)) {
		pr_warn("cannot hook cpu_frequency_limits: no limits events\n");
		settle_tp_limits = NULL;
	} else if (!settle_tp_limits) {
		pr_warn("no cpu_frequency_limits tracepoint: no limits events\n");
	}
	return 0;

err_notifier:
	pr_err("cannot register the cpufreq transition notifiers: %d\n", ret);
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
	cpufreq_unregister_notifier(&settle_cpufreq_nb_post,
				    CPUFREQ_TRANSITION_NOTIFIER);
	cpufreq_unregister_notifier(&settle_cpufreq_nb_pre,
				    CPUFREQ_TRANSITION_NOTIFIER);
	tracepoint_synchronize_unregister();
}
