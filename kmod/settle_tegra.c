// SPDX-License-Identifier: GPL-2.0
/*
 * Tegra CPU frequency readers: the hardware's own (reference clock, core
 * clock) cycle counters, the same ones tegra194-cpufreq's ->get() uses, read
 * without its sampling delay.  Each sample turns the counter deltas since the
 * previous sample into a rate, so a readout is the average over the last
 * sample period: the sampler's detection bound includes that period.
 *
 * Found through the device tree; the per-SoC ops are chosen by
 * of_device_id.data as in tegra194-cpufreq.c.  Not yet run on hardware.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/io.h>
#include <linux/of.h>
#include <linux/of_address.h>
#include <linux/percpu.h>
#include <linux/smp.h>

#include <asm/cputype.h>

#include "settle.h"

/* The reference clock of the Tegra234 CMU counters runs at 408 MHz. */
#define TEGRA234_REFCLK_KHZ		408000ULL
#define TEGRA234_CLUSTER_STRIDE		0x10000
#define TEGRA234_CMU_CLKS_BASE		0x30000
#define TEGRA234_CMU_CORE_OFFSET	0x9000
#define TEGRA234_MAX_CLUSTERS		3
#define TEGRA234_CORES_PER_CLUSTER	4
/* tegra194-cpufreq snaps a counter readout to the table within 115.2 MHz. */
#define TEGRA_SNAP_KHZ			115200

struct settle_tegra_counter {
	void __iomem *reg;
	u32 last_ref;
	u32 last_core;
	u32 last_khz;
};

static DEFINE_PER_CPU(struct settle_tegra_counter, settle_tegra_ctr);
static void __iomem *settle_tegra_regs;
static struct device_node *settle_tegra_np;

static void settle_tegra_get_mpidr(void *mpidr)
{
	*(u64 *)mpidr = read_cpuid_mpidr();
}

static unsigned int settle_tegra_users;

static int settle_tegra234_map(void)
{
	unsigned int cpu;

	settle_tegra_regs = of_iomap(settle_tegra_np, 0);
	if (!settle_tegra_regs)
		return -ENOMEM;

	for_each_possible_cpu(cpu) {
		struct settle_tegra_counter *c = per_cpu_ptr(&settle_tegra_ctr, cpu);
		unsigned int cluster, core;
		u64 mpidr;

		if (smp_call_function_single(cpu, settle_tegra_get_mpidr,
					     &mpidr, true))
			continue;
		cluster = MPIDR_AFFINITY_LEVEL(mpidr, 2);
		core = MPIDR_AFFINITY_LEVEL(mpidr, 1);
		if (cluster >= TEGRA234_MAX_CLUSTERS ||
		    core >= TEGRA234_CORES_PER_CLUSTER)
			continue;
		c->reg = settle_tegra_regs + TEGRA234_CMU_CLKS_BASE +
			 cluster * TEGRA234_CLUSTER_STRIDE +
			 TEGRA234_CMU_CORE_OFFSET + core * 8;
	}
	return 0;
}

/* Every CPU's device attaches; the registers are mapped once. */
static int settle_tegra234_attach(struct settle_dev *d)
{
	int ret = 0;

	if (!settle_tegra_users)
		ret = settle_tegra234_map();
	if (!ret)
		settle_tegra_users++;
	return ret;
}

static void settle_tegra234_detach(struct settle_dev *d)
{
	if (--settle_tegra_users)
		return;
	iounmap(settle_tegra_regs);
	settle_tegra_regs = NULL;
}

static u32 settle_tegra234_read_khz(struct settle_dev *d)
{
	struct settle_tegra_counter *c = per_cpu_ptr(&settle_tegra_ctr,
						     d->index);
	u32 ref, core, dref;
	u64 v;

	if (!c->reg)
		return 0;
	v = readq(c->reg);
	ref = upper_32_bits(v);
	core = lower_32_bits(v);
	dref = ref - c->last_ref;
	/* Too short a window says nothing; keep the last rate. */
	if (dref >= 64)
		c->last_khz = div_u64((u64)(u32)(core - c->last_core) *
				      TEGRA234_REFCLK_KHZ, dref);
	if (dref >= 64 || !c->last_ref) {
		c->last_ref = ref;
		c->last_core = core;
	}
	return c->last_khz;
}

static const struct settle_reader_ops settle_tegra234_reader = {
	.name = "tegra234",
	.id = SETTLE_READER_TEGRA234,
	.tolerance_khz = TEGRA_SNAP_KHZ,
	.attach = settle_tegra234_attach,
	.detach = settle_tegra234_detach,
	.read_khz = settle_tegra234_read_khz,
};

static const struct of_device_id settle_tegra_of_match[] = {
	{ .compatible = "nvidia,tegra234-ccplex-cluster",
	  .data = &settle_tegra234_reader },
	{ /* sentinel */ }
};

/**
 * settle_tegra_reader_probe() - the reader for this Tegra SoC, if any
 *
 * Tegra194 keeps its counters in per-CPU system registers that only the CPU
 * itself can read, which the sampler's hrtimer cannot do for another CPU;
 * it has no reader yet.
 *
 * Return: the SoC's reader ops, or NULL where none applies.
 */
const struct settle_reader_ops *settle_tegra_reader_probe(void)
{
	const struct of_device_id *match;
	struct device_node *np;

	np = of_find_matching_node_and_match(NULL, settle_tegra_of_match,
					     &match);
	if (!np)
		return NULL;
	of_node_put(settle_tegra_np);
	settle_tegra_np = np;
	return match->data;
}
