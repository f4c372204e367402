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
 * With emc_icc=1 (where the kernel lets a module build an interconnect
 * path without a device tree, see settle_sim_compat.h) EMC is also driven
 * as on Orin: an interconnect provider with nodes "sim-mc" -> "emc" turns
 * the aggregate peak bandwidth into the lowest table rate that carries it
 * (8 bytes a cycle) and moves EMC itself, without the clock framework, so
 * the clk_set_rate tracepoints stay silent as they do under the BPMP.
 * debugfs settle_sim/emc_bw (kB/s) makes such a request; cpu_emc_link=2
 * makes one from each CPU transition's driver call.
 */
#include "sim_core.h"
#include "settle_sim_compat.h"

#include <linux/clk.h>
#include <linux/clk-provider.h>
#include <linux/clkdev.h>
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/interconnect.h>
#include <linux/interconnect-provider.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
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

static bool emc_icc;
module_param(emc_icc, bool, 0444);
MODULE_PARM_DESC(emc_icc,
		 "Also drive EMC through an interconnect provider, as on Orin (needs emc=1; default off)");

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

/* One EMC transition, inside whatever driver call asked for it. */
static void sim_emc_move(u32 khz)
{
	struct sim_xfer x = { };

	if (READ_ONCE(sim_emc_link_task) == current) {
		x.parent_dev = sim_emc_link_parent->dev;
		x.parent_t_request_ns = sim_emc_link_parent->t_request_ns;
	}
	sim_xfer_begin(&sim_emc_clk, sim_clk_target_khz(&sim_emc_clk), khz,
		       &x);
	sim_xfer_end(&x);
}

static int sim_emc_set_rate(struct clk_hw *hw, unsigned long rate,
			    unsigned long parent_rate)
{
	sim_emc_move(rate / 1000);
	return 0;
}

/* ---- interconnect -------------------------------------------------------- */

/* Bytes EMC moves a cycle: the rate that carries a bandwidth. */
#define SIM_EMC_BYTES_PER_CYCLE	8
/* Node ids are global: far from any real provider's. */
#define SIM_ICC_MC_ID		0x5e7710
#define SIM_ICC_EMC_ID		0x5e7711

static struct icc_path *sim_icc_path;
static struct dentry *sim_icc_dbg_file;

static int sim_icc_request(u32 khz)
{
	return icc_set_bw(sim_icc_path, 0, khz * SIM_EMC_BYTES_PER_CYCLE);
}

#if SIM_HAVE_ICC
/* The lowest table rate that carries @kbps, else the top one. */
static u32 sim_emc_rate_for_bw(u32 kbps)
{
	unsigned int i;

	for (i = 0; i < nr_emc_rates; i++)
		if ((u64)emc_rates_khz[i] * SIM_EMC_BYTES_PER_CYCLE >= kbps)
			return emc_rates_khz[i];
	return emc_rates_khz[nr_emc_rates - 1];
}

static struct icc_provider sim_icc_provider;
static struct icc_node *sim_icc_nodes[2];
static struct platform_device *sim_icc_pdev;

/* Under the interconnect core's lock, after the new bandwidth is summed. */
static int sim_icc_set(struct icc_node *src, struct icc_node *dst)
{
	u32 khz;

	if (dst->id != SIM_ICC_EMC_ID)
		return 0;
	khz = sim_emc_rate_for_bw(dst->peak_bw);
	if (khz != sim_clk_target_khz(&sim_emc_clk))
		sim_emc_move(khz);
	return 0;
}

/*
 * Without it the core starts every node at INT_MAX until a sync_state
 * that only device-tree providers get, and EMC would never come down.
 */
static int sim_icc_get_bw(struct icc_node *node, u32 *avg, u32 *peak)
{
	*avg = 0;
	*peak = 0;
	return 0;
}

static struct icc_node *sim_icc_xlate(struct of_phandle_args *spec,
				      void *data)
{
	return ERR_PTR(-EINVAL);
}

static int sim_icc_start(void)
{
	struct icc_provider *p = &sim_icc_provider;
	int ret, i;

	sim_icc_pdev = platform_device_register_simple("sim-mc", -1, NULL, 0);
	if (IS_ERR(sim_icc_pdev))
		return PTR_ERR(sim_icc_pdev);
	INIT_LIST_HEAD(&p->nodes);
	p->set = sim_icc_set;
	p->aggregate = icc_std_aggregate;
	p->xlate = sim_icc_xlate;
	p->get_bw = sim_icc_get_bw;
	p->dev = &sim_icc_pdev->dev;
	ret = icc_provider_add(p);
	if (ret)
		goto err_unregister_pdev;
	for (i = 0; i < 2; i++) {
		sim_icc_nodes[i] = icc_node_create(SIM_ICC_MC_ID + i);
		if (IS_ERR(sim_icc_nodes[i])) {
			ret = PTR_ERR(sim_icc_nodes[i]);
			sim_icc_nodes[i] = NULL;
			goto err_remove_nodes;
		}
		sim_icc_nodes[i]->name = i ? SIM_EMC_NAME : "sim-mc";
		icc_node_add(sim_icc_nodes[i], p);
	}
	ret = icc_link_create(sim_icc_nodes[0], SIM_ICC_EMC_ID);
	if (ret)
		goto err_remove_nodes;
	sim_icc_path = icc_get(&sim_icc_pdev->dev, SIM_ICC_MC_ID,
			       SIM_ICC_EMC_ID);
	if (IS_ERR_OR_NULL(sim_icc_path)) {
		ret = sim_icc_path ? PTR_ERR(sim_icc_path) : -ENODEV;
		sim_icc_path = NULL;
		goto err_remove_nodes;
	}
	return 0;

err_remove_nodes:
	icc_nodes_remove(p);
	icc_provider_del(p);
err_unregister_pdev:
	platform_device_unregister(sim_icc_pdev);
	return ret;
}

static void sim_icc_stop(void)
{
	icc_put(sim_icc_path);
	sim_icc_path = NULL;
	icc_nodes_remove(&sim_icc_provider);
	icc_provider_del(&sim_icc_provider);
	platform_device_unregister(sim_icc_pdev);
}
#else
static int sim_icc_start(void)
{
	pr_err("emc_icc=1: this kernel has no interconnect path a module can build without a device tree\n");
	return -EOPNOTSUPP;
}

static void sim_icc_stop(void) { }
#endif

static int sim_emc_bw_set(void *data, u64 val)
{
	if (val > U32_MAX)
		return -EINVAL;
	return icc_set_bw(sim_icc_path, 0, val);
}

DEFINE_DEBUGFS_ATTRIBUTE(sim_emc_bw_fops, NULL, sim_emc_bw_set, "%llu\n");

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
 * @icc: through the interconnect (a bandwidth request), not the clock
 *
 * Asks EMC for the rate at the same relative table position, through the
 * simulator's own consumer handle or interconnect path.  No-op without
 * emc=1 (or, for @icc, emc_icc=1).
 */
void sim_emc_link_request(const struct sim_xfer *parent, unsigned int idx,
			  unsigned int nr, bool icc)
{
	unsigned int i = nr_emc_rates - 1;
	int ret;

	if (!sim_emc_link_clk || (icc && !sim_icc_path))
		return;
	if (nr > 1)
		i = DIV_ROUND_CLOSEST(idx * (nr_emc_rates - 1), nr - 1);
	mutex_lock(&sim_emc_link_lock);
	sim_emc_link_parent = parent;
	WRITE_ONCE(sim_emc_link_task, current);
	ret = icc ? sim_icc_request(emc_rates_khz[i]) :
		    clk_set_rate(sim_emc_link_clk,
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
	if (emc_icc) {
		ret = sim_icc_start();
		if (ret)
			goto err_put_dbg_clk;
		sim_icc_dbg_file = debugfs_create_file_unsafe("emc_bw", 0200,
							      sim_dir, NULL,
							      &sim_emc_bw_fops);
	}
	sim_emc_registered = true;
	pr_info("emc: clock %s, %u rates up to %u kHz, throttles CPUs '%s'%s\n",
		SIM_EMC_NAME, nr_emc_rates, sim_emc_clk.fmax_khz,
		emc_steal_cpus, emc_icc ? ", interconnect sim-mc -> emc" : "");
	return 0;

err_put_dbg_clk:
	debugfs_remove(sim_emc_dbg_file);
	clk_put(sim_emc_dbg_clk);
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
	if (sim_icc_path) {
		debugfs_remove(sim_icc_dbg_file);
		sim_icc_stop();
	}
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
