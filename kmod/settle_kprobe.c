// SPDX-License-Identifier: GPL-2.0
/*
 * Optional request timing for governor-driven transitions: a kprobe on
 * __cpufreq_driver_target() notes when a governor asked for a rate, which is
 * earlier than PRECHANGE by the driver's table lookup and the transition
 * begin wait.  Stock Jetson kernels ship without kprobes; without this file
 * the PRECHANGE notifier stands in for the request.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpufreq.h>
#include <linux/kprobes.h>
#include <linux/ktime.h>
#include <linux/ptrace.h>

#include "settle.h"

static int settle_kp_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct cpufreq_policy *policy =
		(struct cpufreq_policy *)regs_get_kernel_argument(regs, 0);
	struct settle_slot *s;
	unsigned long flags;
	u64 now = ktime_get_ns();

	if (!policy)
		return 0;
	s = settle_slot_of(policy->cpu);
	if (!s)
		return 0;
	raw_spin_lock_irqsave(&s->lock, flags);
	/* A step already holds the exact request time. */
	if (!s->step_active) {
		s->req_valid = true;
		s->req_id = 0;
		s->req_ts = now;
		s->req_source = SETTLE_REQ_KPROBE;
	}
	raw_spin_unlock_irqrestore(&s->lock, flags);
	return 0;
}

static struct kprobe settle_kp = {
	.symbol_name = "__cpufreq_driver_target",
	.pre_handler = settle_kp_pre,
};

static bool settle_kp_armed;

/**
 * settle_kprobe_init() - arm the request kprobe
 *
 * Return: 0, or the errno of register_kprobe(); settle works without it.
 */
int settle_kprobe_init(void)
{
	int ret = register_kprobe(&settle_kp);

	settle_kp_armed = !ret;
	return ret;
}

/**
 * settle_kprobe_exit() - disarm the request kprobe if it was armed
 */
void settle_kprobe_exit(void)
{
	if (settle_kp_armed)
		unregister_kprobe(&settle_kp);
	settle_kp_armed = false;
}

/**
 * settle_kprobe_armed() - whether requests are timed by the kprobe
 *
 * Return: true once settle_kprobe_init() succeeded.
 */
bool settle_kprobe_armed(void)
{
	return settle_kp_armed;
}
