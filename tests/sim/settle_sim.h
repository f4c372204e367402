/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What settle_sim.ko offers other modules.  settle.ko finds it with
 * symbol_get() and never links against it, so it carries its own copy of
 * the declaration (kmod/settle.h); the two must stay the same.
 */
#ifndef SETTLE_SIM_H
#define SETTLE_SIM_H

#include <linux/types.h>

u32 settle_sim_read_khz(unsigned int cpu);

#endif /* SETTLE_SIM_H */
