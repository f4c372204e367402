/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-version differences, in one place (as lttng-modules does).  Every
 * block names the range of versions it covers; .c files never test
 * LINUX_VERSION_CODE themselves.  Supported: 5.10 (JetPack 5), 5.15
 * (JetPack 6), 6.1 (Debian 12), 6.8 (JetPack 7), 6.12.
 */
#ifndef _SETTLE_COMPAT_H
#define _SETTLE_COMPAT_H

#include <linux/hrtimer.h>
#include <linux/version.h>

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

#endif /* _SETTLE_COMPAT_H */
