/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-version differences, in one place (as lttng-modules does).  Every
 * block names the range of versions it covers; .c files never test
 * LINUX_VERSION_CODE themselves.  Supported: 5.10 (JetPack 5), 5.15
 * (JetPack 6), 6.1 (Debian 12), 6.8 (JetPack 7), 6.12.
 */
#ifndef _SETTLE_COMPAT_H
#define _SETTLE_COMPAT_H

#include <linux/cpufreq.h>
#include <linux/hrtimer.h>
#include <linux/pm_qos.h>
#include <linux/smp.h>
#include <linux/version.h>

/*
 * The value a freq_qos request asks for (its plist priority).  5.4 .. 6.12:
 * policies keep the user's scaling_min/max_freq as such requests, while the
 * sysfs files show the effective limits, which thermal caps may lower.
 */
static inline unsigned int settle_qos_request_value(const struct freq_qos_request *req,
						    unsigned int fallback)
{
	return req ? req->pnode.prio : fallback;
}

/*
 * hrtimer_setup() replaced hrtimer_init() + ->function in 6.13; 6.15
 * removed hrtimer_init().
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
static inline void settle_hrtimer_setup(struct hrtimer *t,
		enum hrtimer_restart (*fn)(struct hrtimer *),
		clockid_t clock, enum hrtimer_mode mode)
{
	hrtimer_setup(t, fn, clock, mode);
}
#else	/* 5.10 .. 6.12 */
static inline void settle_hrtimer_setup(struct hrtimer *t,
		enum hrtimer_restart (*fn)(struct hrtimer *),
		clockid_t clock, enum hrtimer_mode mode)
{
	hrtimer_init(t, clock, mode);
	t->function = fn;
}
#endif

/* INIT_CSD() arrived in 5.11; 5.10 sets the fields itself. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 11, 0)
#define INIT_CSD(_csd, _func, _info)					\
	(*(_csd) = (call_single_data_t){ .func = (_func), .info = (_info) })
#endif

#endif /* _SETTLE_COMPAT_H */
