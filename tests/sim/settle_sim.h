/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What settle_sim.ko offers other modules.  settle.ko finds these with
 * symbol_get() and never links against them, so it carries its own copy of
 * the declarations (kmod/settle.h); the two must stay the same.
 */
#ifndef SETTLE_SIM_H
#define SETTLE_SIM_H

#include <linux/types.h>

/* The effective rate of simulated CPU @cpu, kHz; 0 if it is not simulated. */
u32 settle_sim_read_khz(unsigned int cpu);

/*
 * The effective rate, kHz, of the simulated device @name of @domain (enum
 * settle_domain): "sim-gpu" (the devfreq device's parent) for the GPU,
 * "emc" (the clock) for EMC, "cpuN" for CPUs.  Returns a handle > 0 for
 * settle_sim_dev_read_khz(), or 0 when the simulator has no such device.
 * May sleep.
 */
int settle_sim_dev_lookup(u32 domain, const char *name);
/* Lock-free: called from the sampler's hard-irq timer. */
u32 settle_sim_dev_read_khz(int handle);

#endif /* SETTLE_SIM_H */
