// SPDX-License-Identifier: GPL-2.0
/*
 * settle_sim GPU domain: platform device "sim-gpu" with a devfreq device.
 *
 * ->target() is one simulated transition (sim_xfer_begin/end) to the OPP
 * devfreq recommends; ->get_cur_freq() is the software view, the rate set,
 * as nvgpu returns the clock's cached rate; the effective rate lags by the
 * settle time and is only visible through settle_sim_dev_read_khz().
 * ->get_dev_status() reports a load of gpu_load_pct, writable at run time,
 * so that simple_ondemand moves the GPU on its own (passive transitions).
 * The GPU throttles no CPU.
 */
#include "sim_core.h"

#include <linux/devfreq.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/platform_device.h>
#include <linux/pm_opp.h>
#include <linux/string.h>

#define SIM_GPU_NAME		"sim-gpu"
#define SIM_GPU_MAX_RATES	16
#define SIM_GPU_TOTAL		100000	/* get_dev_status() total_time */

static bool gpu;
module_param(gpu, bool, 0444);
MODULE_PARM_DESC(gpu,
		 "Add the simulated GPU: platform device sim-gpu with a devfreq device (default off)");

static char *gpu_governor = "simple_ondemand";
module_param(gpu_governor, charp, 0444);
MODULE_PARM_DESC(gpu_governor,
		 "devfreq governor of sim-gpu (default simple_ondemand; its module must be loaded)");

/* Orin Nano GPU: the records' 306, 612, 1020 MHz, in 102 MHz steps. */
static unsigned int gpu_rates_khz[SIM_GPU_MAX_RATES] = {
	306000, 408000, 510000, 612000, 714000, 816000, 918000, 1020000
};
static unsigned int nr_gpu_rates = 8;
module_param_array(gpu_rates_khz, uint, &nr_gpu_rates, 0444);
MODULE_PARM_DESC(gpu_rates_khz,
		 "GPU OPP table in kHz, strictly ascending, at most 16 (default 306000..1020000 in 102000 steps)");

static unsigned int gpu_load_pct = 100;

static int sim_gpu_set_load(const char *val, const struct kernel_param *kp)
{
	unsigned int v;
	int ret;

	ret = kstrtouint(val, 0, &v);
	if (ret || v > 100) {
		pr_err("gpu_load_pct: want 0..100, not '%s'\n", val);
		return -EINVAL;
	}
	WRITE_ONCE(gpu_load_pct, v);
	return 0;
}

static const struct kernel_param_ops sim_gpu_load_ops = {
	.set = sim_gpu_set_load,
	.get = param_get_uint,
};

module_param_cb(gpu_load_pct, &sim_gpu_load_ops, &gpu_load_pct, 0644);
MODULE_PARM_DESC(gpu_load_pct,
		 "Busy share sim-gpu reports to its governor, 0..100, writable (default 100)");

static unsigned int gpu_polling_ms = 50;
module_param(gpu_polling_ms, uint, 0444);
MODULE_PARM_DESC(gpu_polling_ms,
		 "devfreq polling interval of sim-gpu in ms, 0 = no polling (default 50)");

static struct sim_clk sim_gpu_clk;
static struct platform_device *sim_gpu_pdev;
static struct devfreq *sim_gpu_devfreq;

static int sim_gpu_target(struct device *dev, unsigned long *freq, u32 flags)
{
	struct sim_xfer x = { };
	struct dev_pm_opp *opp;
	u32 from, to;

	opp = devfreq_recommended_opp(dev, freq, flags);
	if (IS_ERR(opp))
		return PTR_ERR(opp);
	*freq = dev_pm_opp_get_freq(opp);
	dev_pm_opp_put(opp);

	/* devfreq calls this at every poll; nvgpu skips an unchanged rate. */
	to = *freq / 1000;
	from = sim_clk_target_khz(&sim_gpu_clk);
	if (to == from)
		return 0;
	sim_xfer_begin(&sim_gpu_clk, from, to, &x);
	sim_xfer_end(&x);
	return 0;
}

static int sim_gpu_get_cur_freq(struct device *dev, unsigned long *freq)
{
	*freq = (unsigned long)sim_clk_target_khz(&sim_gpu_clk) * 1000;
	return 0;
}

static int sim_gpu_get_dev_status(struct device *dev,
				  struct devfreq_dev_status *stat)
{
	stat->total_time = SIM_GPU_TOTAL;
	stat->busy_time = SIM_GPU_TOTAL / 100 * READ_ONCE(gpu_load_pct);
	stat->current_frequency =
		(unsigned long)sim_clk_target_khz(&sim_gpu_clk) * 1000;
	return 0;
}

static struct devfreq_dev_profile sim_gpu_profile = {
	.timer = DEVFREQ_TIMER_DELAYED,
	.target = sim_gpu_target,
	.get_dev_status = sim_gpu_get_dev_status,
	.get_cur_freq = sim_gpu_get_cur_freq,
};

static int sim_gpu_setup(void)
{
	u32 fmax;
	int ret;

	ret = sim_check_rates("gpu_rates_khz", gpu_rates_khz, nr_gpu_rates);
	if (ret)
		return ret;
	fmax = gpu_rates_khz[nr_gpu_rates - 1];
	sim_clk_init(&sim_gpu_clk, SIM_GPU, SIM_GPU_NAME, fmax, fmax);
	return 0;
}

static int sim_gpu_add_opps(struct device *dev)
{
	unsigned int i;
	int ret;

	for (i = 0; i < nr_gpu_rates; i++) {
		ret = dev_pm_opp_add(dev, (unsigned long)gpu_rates_khz[i] * 1000,
				     0);
		if (ret) {
			pr_err("sim-gpu: cannot add OPP %u kHz: %d\n",
			       gpu_rates_khz[i], ret);
			return ret;
		}
	}
	return 0;
}

static int sim_gpu_start(void)
{
	struct device *dev;
	int ret;

	if (!gpu)
		return 0;
	sim_gpu_pdev = platform_device_register_simple(SIM_GPU_NAME,
						       PLATFORM_DEVID_NONE,
						       NULL, 0);
	if (IS_ERR(sim_gpu_pdev)) {
		ret = PTR_ERR(sim_gpu_pdev);
		pr_err("cannot register platform device %s: %d\n",
		       SIM_GPU_NAME, ret);
		goto err_clear_pdev;
	}
	dev = &sim_gpu_pdev->dev;
	ret = sim_gpu_add_opps(dev);
	if (ret)
		goto err_remove_opps;

	sim_clk_start(&sim_gpu_clk, sim_gpu_clk.fmax_khz);
	sim_gpu_profile.initial_freq =
		(unsigned long)sim_gpu_clk.fmax_khz * 1000;
	sim_gpu_profile.polling_ms = gpu_polling_ms;
	sim_gpu_devfreq = devfreq_add_device(dev, &sim_gpu_profile,
					     gpu_governor, NULL);
	if (IS_ERR(sim_gpu_devfreq)) {
		ret = PTR_ERR(sim_gpu_devfreq);
		pr_err("sim-gpu: cannot add devfreq device with governor '%s' (is governor_%s loaded?): %d\n",
		       gpu_governor, gpu_governor, ret);
		goto err_stop_clk;
	}
	pr_info("gpu: %s, %u OPPs up to %u kHz, governor %s\n", SIM_GPU_NAME,
		nr_gpu_rates, sim_gpu_clk.fmax_khz, gpu_governor);
	return 0;

err_stop_clk:
	sim_clk_stop(&sim_gpu_clk);
err_remove_opps:
	dev_pm_opp_remove_all_dynamic(dev);
	platform_device_unregister(sim_gpu_pdev);
err_clear_pdev:
	sim_gpu_pdev = NULL;
	sim_gpu_devfreq = NULL;
	return ret;
}

static void sim_gpu_stop(void)
{
	if (!sim_gpu_pdev)
		return;
	/* Stops the governor and waits for a ->target() in flight. */
	devfreq_remove_device(sim_gpu_devfreq);
	sim_clk_stop(&sim_gpu_clk);
	dev_pm_opp_remove_all_dynamic(&sim_gpu_pdev->dev);
	platform_device_unregister(sim_gpu_pdev);
	sim_gpu_pdev = NULL;
	sim_gpu_devfreq = NULL;
}

static struct sim_clk *sim_gpu_clk_of(unsigned int idx)
{
	return idx ? NULL : &sim_gpu_clk;
}

static int sim_gpu_lookup(const char *name)
{
	return sim_gpu_pdev && !strcmp(name, SIM_GPU_NAME) ? 0 : -ENOENT;
}

const struct sim_domain_ops sim_gpu_ops = {
	.name = "gpu",
	.setup = sim_gpu_setup,
	.start = sim_gpu_start,
	.stop = sim_gpu_stop,
	.clk = sim_gpu_clk_of,
	.lookup = sim_gpu_lookup,
	.nr_devs = 1,
};
