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
	struct settle_dev *d;

	if (!policy)
		return 0;
	d = settle_cpufreq_dev(policy->cpu);
	if (d)
		settle_request_note(d, ktime_get_ns(), SETTLE_REQ_KPROBE);
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
