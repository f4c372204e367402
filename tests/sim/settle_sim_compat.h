/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel API differences for settle_sim, kept out of the .c files.
 * Supported range: v5.10 .. v6.12+ (built and tested on v6.1).
 */
#ifndef SETTLE_SIM_COMPAT_H
#define SETTLE_SIM_COMPAT_H

#include <linux/cpufreq.h>
#include <linux/hrtimer.h>
#include <linux/smp.h>
#include <linux/version.h>

/* sim_cpu.c: the policy teardown behind settle_sim_cpufreq_exit(). */
void sim_cpufreq_teardown(struct cpufreq_policy *policy);

/* struct cpufreq_driver::exit returns int up to v6.10 and void from v6.11. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
static inline void settle_sim_cpufreq_exit(struct cpufreq_policy *policy)
{
	sim_cpufreq_teardown(policy);
}
#else	/* v5.10 .. v6.10 */
static inline int settle_sim_cpufreq_exit(struct cpufreq_policy *policy)
{
	sim_cpufreq_teardown(policy);
	return 0;
}
#endif

/* hrtimer_setup() replaced hrtimer_init() + ->function in v6.13. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
static inline void settle_sim_hrtimer_setup(struct hrtimer *t,
		enum hrtimer_restart (*fn)(struct hrtimer *),
		clockid_t clock, enum hrtimer_mode mode)
{
	hrtimer_setup(t, fn, clock, mode);
}
#else	/* v5.10 .. v6.12 */
static inline void settle_sim_hrtimer_setup(struct hrtimer *t,
		enum hrtimer_restart (*fn)(struct hrtimer *),
		clockid_t clock, enum hrtimer_mode mode)
{
	hrtimer_init(t, clock, mode);
	t->function = fn;
}
#endif

/*
 * sim_emc.c's interconnect provider needs a path without a device tree:
 * icc_get() by node ids, which v5.10 .. v6.1 export and v6.12 no longer
 * does (the versions between are not built here).  Elsewhere EMC has no
 * interconnect side.
 */
#if IS_ENABLED(CONFIG_INTERCONNECT) && LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
#define SIM_HAVE_ICC	1
#else
#define SIM_HAVE_ICC	0
#endif

/* INIT_CSD() appeared in v5.11; before it the fields were set directly. */
#ifndef INIT_CSD
#define INIT_CSD(_csd, _func, _info)					\
	(*(_csd) = (call_single_data_t){ .func = (_func), .info = (_info) })
#endif

#endif /* SETTLE_SIM_COMPAT_H */
