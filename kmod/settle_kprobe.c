// SPDX-License-Identifier: GPL-2.0
/*
 * Optional request timing for governor-driven transitions: kprobes on the
 * frameworks' target calls note when a governor asked for a rate, which is
 * earlier than driver entry by the framework's own work (cpufreq's table
 * lookup and transition-begin wait; devfreq's governor evaluation).  Stock
 * Jetson kernels ship without kprobes; without this file driver entry
 * stands in for the request.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpufreq.h>
#include <linux/kprobes.h>
#include <linux/ktime.h>
#include <linux/ptrace.h>

#include "settle.h"
#include "settle_compat.h"

static int settle_kp_cpufreq(struct kprobe *kp, struct pt_regs *regs)
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

#ifdef CONFIG_PM_DEVFREQ
static int settle_kp_devfreq(struct kprobe *kp, struct pt_regs *regs)
{
	struct settle_dev *d =
		settle_devfreq_dev((void *)regs_get_kernel_argument(regs, 0));

	if (d)
		settle_request_note(d, ktime_get_ns(), SETTLE_REQ_KPROBE);
	return 0;
}
#endif

static struct kprobe settle_kps[] = {
	{
		.symbol_name = "__cpufreq_driver_target",
		.pre_handler = settle_kp_cpufreq,
	},
#ifdef CONFIG_PM_DEVFREQ
	{
		.symbol_name = SETTLE_DEVFREQ_TARGET_SYM,
		.pre_handler = settle_kp_devfreq,
	},
#endif
};

static bool settle_kp_armed[ARRAY_SIZE(settle_kps)];

/**
 * settle_kprobe_init() - arm the request kprobes
 *
 * Return: 0 when at least one armed, else the errno of the first
 * register_kprobe(); settle works without them.
 */
int settle_kprobe_init(void)
{
	int i, ret, first = 0;

	for (i = 0; i < ARRAY_SIZE(settle_kps); i++) {
		ret = register_kprobe(&settle_kps[i]);
		settle_kp_armed[i] = !ret;
		if (ret) {
			pr_info("no request kprobe on %s: %d\n",
				settle_kps[i].symbol_name, ret);
			first = first ?: ret;
		}
	}
	return settle_kprobe_armed() ? 0 : first;
}

/**
 * settle_kprobe_exit() - disarm the request kprobes that were armed
 */
void settle_kprobe_exit(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(settle_kps); i++) {
		if (settle_kp_armed[i])
			unregister_kprobe(&settle_kps[i]);
		settle_kp_armed[i] = false;
	}
}

/**
 * settle_kprobe_armed() - whether any request is timed by a kprobe
 *
 * Return: true once a kprobe is armed.
 */
bool settle_kprobe_armed(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(settle_kps); i++)
		if (settle_kp_armed[i])
			return true;
	return false;
}
