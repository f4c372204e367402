// SPDX-License-Identifier: GPL-2.0
/*
 * Frequency readers for the effective-frequency sampler.  The best one
 * available is chosen at load: the simulated board's own readout, a SoC's
 * hardware counters (found through the device tree), and as a last resort
 * the cached policy->cur, which only follows POSTCHANGE and so cannot see a
 * late hardware change.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpufreq.h>
#include <linux/module.h>
#include <linux/string.h>

#include "settle.h"

const struct settle_reader_ops *settle_reader;

static u32 settle_cached_read_khz(unsigned int cpu)
{
	return cpufreq_quick_get(cpu);
}

static const struct settle_reader_ops settle_cached_reader = {
	.name = "cached",
	.id = SETTLE_READER_CACHED,
	.read_khz = settle_cached_read_khz,
};

static u32 (*settle_sim_read)(unsigned int cpu);

static int settle_sim_init(void)
{
	settle_sim_read = symbol_get(settle_sim_read_khz);
	return settle_sim_read ? 0 : -ENODEV;
}

static void settle_sim_exit(void)
{
	if (settle_sim_read)
		symbol_put(settle_sim_read_khz);
	settle_sim_read = NULL;
}

static u32 settle_sim_reader_read_khz(unsigned int cpu)
{
	return settle_sim_read(cpu);
}

static const struct settle_reader_ops settle_sim_reader = {
	.name = "sim",
	.id = SETTLE_READER_SIM,
	.init = settle_sim_init,
	.exit = settle_sim_exit,
	.read_khz = settle_sim_reader_read_khz,
};

static int settle_reader_try(const struct settle_reader_ops *ops)
{
	int ret = ops->init ? ops->init() : 0;

	if (!ret)
		settle_reader = ops;
	return ret;
}

/**
 * settle_readers_init() - choose the frequency reader
 * @want: "auto", or the name of one reader to insist on
 *
 * Return: 0, -ENODEV if the named reader is not available here, or
 * -EINVAL for an unknown name.
 */
int settle_readers_init(const char *want)
{
	const struct settle_reader_ops *tegra = settle_tegra_reader_probe();
	const struct settle_reader_ops *ops;
	int ret;

	if (!strcmp(want, "auto")) {
		if (!settle_reader_try(&settle_sim_reader))
			return 0;
		if (tegra && !settle_reader_try(tegra))
			return 0;
		return settle_reader_try(&settle_cached_reader);
	}

	if (!strcmp(want, "sim"))
		ops = &settle_sim_reader;
	else if (!strcmp(want, "cached"))
		ops = &settle_cached_reader;
	else if (tegra && !strcmp(want, tegra->name))
		ops = tegra;
	else
		ops = NULL;
	if (!ops) {
		pr_err("reader=%s: unknown, or not on this machine (auto, sim, tegra234, cached)\n",
		       want);
		return strcmp(want, "tegra234") ? -EINVAL : -ENODEV;
	}
	ret = settle_reader_try(ops);
	if (ret)
		pr_err("reader=%s: not available here (%d)%s\n", want, ret,
		       ops == &settle_sim_reader ? ": load settle_sim first" : "");
	return ret;
}

/**
 * settle_readers_exit() - release the reader chosen at load
 */
void settle_readers_exit(void)
{
	if (settle_reader && settle_reader->exit)
		settle_reader->exit();
	settle_reader = NULL;
}
