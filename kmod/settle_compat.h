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
#include <linux/devfreq.h>
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
 * The value a device's frequency QoS request asks for, kHz.  5.7 .. 6.12:
 * devfreq keeps the user's min_freq/max_freq as such requests.
 */
static inline s32 settle_dev_qos_request_value(const struct dev_pm_qos_request *req)
{
	return req->data.freq.pnode.prio;
}

#ifdef CONFIG_PM_DEVFREQ
/*
 * A devfreq device's rate table (Hz, ascending) and its length.  6.0 moved
 * it from the driver's profile into struct devfreq, which also builds it
 * from the OPP table when the driver gives none.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 0, 0)
static inline unsigned long *settle_devfreq_table(struct devfreq *df,
						  unsigned int *n)
{
	*n = df->max_state;
	return df->freq_table;
}
#else	/* 5.10 .. 5.19 */
static inline unsigned long *settle_devfreq_table(struct devfreq *df,
						  unsigned int *n)
{
	*n = df->profile->max_state;
	return df->profile->freq_table;
}
#endif
/*
 * Where a devfreq re-evaluation starts, for the request kprobe: 5.11 split
 * devfreq_update_target() out of update_devfreq(), which now calls it.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 11, 0)
#define SETTLE_DEVFREQ_TARGET_SYM	"devfreq_update_target"
#else	/* 5.10 */
#define SETTLE_DEVFREQ_TARGET_SYM	"update_devfreq"
#endif
#endif /* CONFIG_PM_DEVFREQ */

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
