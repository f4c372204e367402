// SPDX-License-Identifier: GPL-2.0
/*
 * The simulated board's reader (tests/sim/settle_sim.ko): the effective
 * rate the simulator models, for any domain, which is also its ground
 * truth.  Found with symbol_get() so settle.ko never depends on the test
 * module.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "settle.h"

static int settle_sim_attach(struct settle_dev *d)
{
	int (*lookup)(u32 domain, const char *name);
	u32 (*read)(int handle);

	lookup = symbol_get(settle_sim_dev_lookup);
	if (!lookup)
		return -ENODEV;
	read = symbol_get(settle_sim_dev_read_khz);
	if (!read) {
		symbol_put(settle_sim_dev_lookup);
		return -ENODEV;
	}
	d->reader_handle = lookup(d->domain, d->name);
	symbol_put(settle_sim_dev_lookup);
	if (d->reader_handle <= 0) {
		symbol_put(settle_sim_dev_read_khz);
		return -ENODEV;
	}
	d->reader_priv = read;
	return 0;
}

static void settle_sim_detach(struct settle_dev *d)
{
	if (d->reader_priv)
		symbol_put(settle_sim_dev_read_khz);
	d->reader_priv = NULL;
}

static u32 settle_sim_read(struct settle_dev *d)
{
	u32 (*read)(int handle) = d->reader_priv;

	return read(d->reader_handle);
}

const struct settle_reader_ops settle_reader_sim = {
	.name = "sim",
	.id = SETTLE_READER_SIM,
	.attach = settle_sim_attach,
	.detach = settle_sim_detach,
	.read_khz = settle_sim_read,
};
