// SPDX-License-Identifier: GPL-2.0
/*
 * settle_sim EMC domain: a clock provider, clk "emc".
 *
 * ->set_rate() is one simulated transition (sim_xfer_begin/end);
 * ->recalc_rate() is the software view, the rate set; the effective rate
 * lags by the settle time and is only visible through
 * settle_sim_dev_read_khz().  ->determine_rate() snaps a request up to the
 * next table rate, as the BPMP's lockable set does.  A clkdev lookup lets
 * clk_get_sys(NULL, "emc") find it.  While the effective rate is below the
 * top one, EMC throttles the CPUs of emc_steal_cpus by 1 - f/f_max, as it
 * would a memory-bound probe.
 *
 * The simulator holds two consumer handles of its own: one for the CPU
 * domain's cpu_emc_link requests, one for debugfs settle_sim/emc_rate (kHz;
 * a write requests that rate, a read shows the software view).
 *
 * No interconnect provider: the devfreq and clk paths are the ones settle
 * drives on Tegra, and an icc provider would only add a third way to ask.
 */
#include "sim_core.h"

#include <linux/clk.h>
#include <linux/clk-provider.h>
#include <linux/clkdev.h>
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/string.h>

#define SIM_EMC_NAME		"emc"
#define SIM_EMC_MAX_RATES	16

static bool emc;
module_param(emc, bool, 0444);
MODULE_PARM_DESC(emc,
		 "Register the simulated EMC clock \"emc\" (default off)");

/* Orin Nano EMC rates of the records (the firmware's lockable set). */
static unsigned int emc_rates_khz[SIM_EMC_MAX_RATES] = {
	665600, 2133000, 3199000
};
static unsigned int nr_emc_rates = 3;
module_param_array(emc_rates_khz, uint, &nr_emc_rates, 0444);
MODULE_PARM_DESC(emc_rates_khz,
		 "EMC rate table in kHz, strictly ascending, at most 16 (default 665600,2133000,3199000)");

static char *emc_steal_cpus = "";
module_param(emc_steal_cpus, charp, 0444);
MODULE_PARM_DESC(emc_steal_cpus,
		 "CPUs EMC throttles by 1 - f_emc/f_emc_max, a cpulist, empty = none (default)");

static struct sim_clk sim_emc_clk;
static struct cpumask sim_emc_steal_mask;
static struct clk_hw sim_emc_hw;
static bool sim_emc_registered;
static struct clk_lookup *sim_emc_lookup_entry;
static struct clk *sim_emc_link_clk;
static struct clk *sim_emc_dbg_clk;
static struct dentry *sim_emc_dbg_file;

/*
 * The transition whose driver call is inside sim_emc_link_request() right
 * now, and its task: ->set_rate() runs in the caller's task, so a rate
 * change of that task is the link's child.
 */
static DEFINE_MUTEX(sim_emc_link_lock);
static const struct sim_xfer *sim_emc_link_parent;
static struct task_struct *sim_emc_link_task;

static unsigned long sim_emc_recalc_rate(struct clk_hw *hw,
					 unsigned long parent_rate)
{
	return (unsigned long)sim_clk_target_khz(&sim_emc_clk) * 1000;
}

/* The lowest table rate >= the request within the limits, else the top. */
static int sim_emc_determine_rate(struct clk_hw *hw,
				  struct clk_rate_request *req)
{
	unsigned long r, best = 0;
	unsigned int i;

	for (i = 0; i < nr_emc_rates; i++) {
		r = (unsigned long)emc_rates_khz[i] * 1000;
		if (r < req->min_rate || r > req->max_rate)
			continue;
		best = r;
		if (r >= req->rate)
			break;
	}
	if (!best)
		return -EINVAL;
	req->rate = best;
	return 0;
}

static int sim_emc_set_rate(struct clk_hw *hw, unsigned long rate,
			    unsigned long parent_rate)
{
	struct sim_xfer x = { };

	if (READ_ONCE(sim_emc_link_task) == current) {
		x.parent_dev = sim_emc_link_parent->dev;
		x.parent_t_request_ns = sim_emc_link_parent->t_request_ns;
	}
	sim_xfer_begin(&sim_emc_clk, sim_clk_target_khz(&sim_emc_clk),
		       rate / 1000, &x);
	sim_xfer_end(&x);
	return 0;
}

static const struct clk_ops sim_emc_ops_clk = {
	.recalc_rate = sim_emc_recalc_rate,
	.determine_rate = sim_emc_determine_rate,
	.set_rate = sim_emc_set_rate,
};

/**
 * sim_emc_link_request() - the CPU's EMC request, from its driver call
 * @parent: the CPU transition in progress
 * @idx: its target's position in the CPU table
 * @nr: entries of the CPU table
 *
 * Asks EMC for the rate at the same relative table position, through the
 * simulator's own consumer handle.  No-op without emc=1.
 */
void sim_emc_link_request(const struct sim_xfer *parent, unsigned int idx,
			  unsigned int nr)
{
	unsigned int i = nr_emc_rates - 1;
	int ret;

	if (!sim_emc_link_clk)
		return;
	if (nr > 1)
		i = DIV_ROUND_CLOSEST(idx * (nr_emc_rates - 1), nr - 1);
	mutex_lock(&sim_emc_link_lock);
	sim_emc_link_parent = parent;
	WRITE_ONCE(sim_emc_link_task, current);
	ret = clk_set_rate(sim_emc_link_clk,
			   (unsigned long)emc_rates_khz[i] * 1000);
	WRITE_ONCE(sim_emc_link_task, NULL);
	sim_emc_link_parent = NULL;
	mutex_unlock(&sim_emc_link_lock);
	if (ret)
		pr_warn_ratelimited("emc: link request of %s failed: %d\n",
				    parent->dev, ret);
}

static int sim_emc_rate_get(void *data, u64 *val)
{
	*val = clk_get_rate(sim_emc_dbg_clk) / 1000;
	return 0;
}

static int sim_emc_rate_set(void *data, u64 val)
{
	if (!val || val > U32_MAX)
		return -EINVAL;
	return clk_set_rate(sim_emc_dbg_clk, (unsigned long)val * 1000);
}

DEFINE_DEBUGFS_ATTRIBUTE(sim_emc_rate_fops, sim_emc_rate_get,
			 sim_emc_rate_set, "%llu\n");

static int sim_emc_setup(void)
{
	u32 fmax;
	int ret;

	ret = sim_check_rates("emc_rates_khz", emc_rates_khz, nr_emc_rates);
	if (ret)
		return ret;
	if (cpulist_parse(emc_steal_cpus, &sim_emc_steal_mask) ||
	    !cpumask_subset(&sim_emc_steal_mask, cpu_possible_mask)) {
		pr_err("emc_steal_cpus='%s' must list possible CPUs\n",
		       emc_steal_cpus);
		return -EINVAL;
	}
	fmax = emc_rates_khz[nr_emc_rates - 1];
	sim_clk_init(&sim_emc_clk, SIM_EMC, SIM_EMC_NAME, fmax, fmax);
	if (emc && !cpumask_empty(&sim_emc_steal_mask))
		sim_emc_clk.steal_cpus = &sim_emc_steal_mask;
	return 0;
}

static int sim_emc_start(void)
{
	struct clk_init_data init = {
		.name = SIM_EMC_NAME,
		.ops = &sim_emc_ops_clk,
	};
	int ret;

	if (!emc)
		return 0;
	sim_emc_hw.init = &init;
	sim_clk_start(&sim_emc_clk, sim_emc_clk.fmax_khz);
	ret = clk_hw_register(NULL, &sim_emc_hw);
	if (ret) {
		pr_err("cannot register clock %s (a real one present?): %d\n",
		       SIM_EMC_NAME, ret);
		goto err_stop_clk;
	}
	sim_emc_lookup_entry = clkdev_hw_create(&sim_emc_hw, SIM_EMC_NAME,
						NULL);
	if (!sim_emc_lookup_entry) {
		ret = -ENOMEM;
		goto err_unregister_clk;
	}
	sim_emc_link_clk = clk_get_sys(NULL, SIM_EMC_NAME);
	if (IS_ERR(sim_emc_link_clk)) {
		ret = PTR_ERR(sim_emc_link_clk);
		goto err_drop_lookup;
	}
	sim_emc_dbg_clk = clk_get_sys(NULL, SIM_EMC_NAME);
	if (IS_ERR(sim_emc_dbg_clk)) {
		ret = PTR_ERR(sim_emc_dbg_clk);
		goto err_put_link_clk;
	}
	sim_emc_dbg_file = debugfs_create_file_unsafe("emc_rate", 0644,
						      sim_dir, NULL,
						      &sim_emc_rate_fops);
	sim_emc_registered = true;
	pr_info("emc: clock %s, %u rates up to %u kHz, throttles CPUs '%s'\n",
		SIM_EMC_NAME, nr_emc_rates, sim_emc_clk.fmax_khz,
		emc_steal_cpus);
	return 0;

err_put_link_clk:
	clk_put(sim_emc_link_clk);
err_drop_lookup:
	clkdev_drop(sim_emc_lookup_entry);
err_unregister_clk:
	clk_hw_unregister(&sim_emc_hw);
err_stop_clk:
	sim_clk_stop(&sim_emc_clk);
	sim_emc_link_clk = NULL;
	sim_emc_dbg_clk = NULL;
	return ret;
}

static void sim_emc_stop(void)
{
	if (!sim_emc_registered)
		return;
	sim_emc_registered = false;
	/* Waits for a write in flight. */
	debugfs_remove(sim_emc_dbg_file);
	clk_put(sim_emc_dbg_clk);
	clk_put(sim_emc_link_clk);
	sim_emc_link_clk = NULL;
	sim_emc_dbg_clk = NULL;
	clkdev_drop(sim_emc_lookup_entry);
	clk_hw_unregister(&sim_emc_hw);
	sim_clk_stop(&sim_emc_clk);
	sim_steal_quiesce(&sim_emc_steal_mask);
}

static struct sim_clk *sim_emc_clk_of(unsigned int idx)
{
	return idx ? NULL : &sim_emc_clk;
}

static int sim_emc_lookup(const char *name)
{
	return sim_emc_registered && !strcmp(name, SIM_EMC_NAME) ? 0 : -ENOENT;
}

const struct sim_domain_ops sim_emc_ops = {
	.name = "emc",
	.setup = sim_emc_setup,
	.start = sim_emc_start,
	.stop = sim_emc_stop,
	.clk = sim_emc_clk_of,
	.lookup = sim_emc_lookup,
	.nr_devs = 1,
};
