// SPDX-License-Identifier: GPL-2.0
/*
 * settle: time DVFS actuation per clock domain.
 *
 * Every transition of a CPU, GPU or memory clock gets a request, a driver
 * entry, a driver exit and an effective change (the first sample of the
 * device's rate readout that shows the new rate), all on CLOCK_MONOTONIC
 * and tied together by one transition id.  They leave through the settle:*
 * tracepoints; settle_trace.h documents their layout.  This file holds the
 * module parameters and brings the parts up in order.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "settle.h"

#define CREATE_TRACE_POINTS
#include "settle_trace.h"

/*
 * The sampler's period bounds how late it can see a change; below ~1 us the
 * hrtimer cannot keep up and above 10 ms it says little about a 1 ms
 * transition.
 */
#define SETTLE_PERIOD_MIN_NS	1000U
#define SETTLE_PERIOD_MAX_NS	(10U * NSEC_PER_MSEC)
#define SETTLE_TIMEOUT_MAX_US	(1U * USEC_PER_SEC)

unsigned int settle_sample_period_ns = 20000;
unsigned int settle_sample_timeout_us = 50000;
int settle_sample_cpu = -1;
static char *reader = "auto";
static char *gpu_reader = "auto";
static char *emc_reader = "auto";
/*
 * The GPU devfreq devices of JetPack 6 (Orin), JetPack 5 (Orin), Xavier
 * and Thor, then the simulated board's; those absent are skipped.
 */
static char *gpu = "17000000.gpu,17000000.ga10b,17000000.gv11b,gpu-gpc-0,sim-gpu";
/* Memory clocks by clock name, and those driven as devfreq devices. */
static char *emc = "emc";
static char *emc_devfreq = "";
/*
 * Interconnect nodes whose bandwidth requests drive EMC: the simulated
 * board's, and Tegra's memory controller and EMC nodes.
 */
static char *emc_icc = "emc,external-memory-controller,external-memory";
/*
 * Opt-in: load/unload rounds with the kprobes armed jumped to address 0 at
 * a probed function's entry twice in about 480 x86_64 TCG rounds (kprobes
 * on ftrace); 540 arm64 rounds were clean (Documentation/design.rst).
 * Until that is understood, and checked on hardware, requests of
 * governor-driven transitions are timed at driver entry.
 */
static bool kprobes;

static int settle_param_set_uint_range(const char *val,
				       const struct kernel_param *kp,
				       unsigned int min, unsigned int max)
{
	unsigned int v;
	int ret;

	ret = kstrtouint(val, 0, &v);
	if (ret)
		return ret;
	if (v < min || v > max) {
		pr_err("%s must be in %u..%u, got %u\n", kp->name, min, max, v);
		return -ERANGE;
	}
	WRITE_ONCE(*(unsigned int *)kp->arg, v);
	return 0;
}

static int settle_param_set_period(const char *val,
				   const struct kernel_param *kp)
{
	return settle_param_set_uint_range(val, kp, SETTLE_PERIOD_MIN_NS,
					   SETTLE_PERIOD_MAX_NS);
}

static int settle_param_set_timeout(const char *val,
				    const struct kernel_param *kp)
{
	return settle_param_set_uint_range(val, kp, 1, SETTLE_TIMEOUT_MAX_US);
}

static int settle_param_set_cpu(const char *val, const struct kernel_param *kp)
{
	int v, ret;

	ret = kstrtoint(val, 0, &v);
	if (ret)
		return ret;
	if (v < -1 || v >= (int)nr_cpu_ids || (v >= 0 && !cpu_possible(v))) {
		pr_err("%s must be -1 or a possible CPU, got %d\n", kp->name, v);
		return -ERANGE;
	}
	WRITE_ONCE(*(int *)kp->arg, v);
	return 0;
}

static const struct kernel_param_ops settle_cpu_ops = {
	.set = settle_param_set_cpu,
	.get = param_get_int,
};

static const struct kernel_param_ops settle_period_ops = {
	.set = settle_param_set_period,
	.get = param_get_uint,
};

static const struct kernel_param_ops settle_timeout_ops = {
	.set = settle_param_set_timeout,
	.get = param_get_uint,
};

module_param_cb(sample_period_ns, &settle_period_ops,
		&settle_sample_period_ns, 0644);
MODULE_PARM_DESC(sample_period_ns,
		 "effective-frequency sampler period, ns (1000..10000000, default 20000)");
module_param_cb(sample_timeout_us, &settle_timeout_ops,
		&settle_sample_timeout_us, 0644);
MODULE_PARM_DESC(sample_timeout_us,
		 "stop sampling a transition after this long, us (1..1000000, default 50000)");
module_param_cb(sample_cpu, &settle_cpu_ops, &settle_sample_cpu, 0644);
MODULE_PARM_DESC(sample_cpu,
		 "run the sampler's timer on this CPU, -1 = the CPU that entered the driver (default -1)");
module_param(reader, charp, 0444);
MODULE_PARM_DESC(reader,
		 "CPU frequency reader: auto, sim, tegra234 or cached (default auto)");
module_param(gpu, charp, 0444);
MODULE_PARM_DESC(gpu,
		 "GPU devfreq devices to attach, by name, comma-separated (\"\" for none)");
module_param(gpu_reader, charp, 0444);
MODULE_PARM_DESC(gpu_reader,
		 "GPU rate reader: auto, sim, devfreq or clk (default auto)");
module_param(emc, charp, 0444);
MODULE_PARM_DESC(emc,
		 "memory clocks to attach, by clock name, comma-separated (default emc)");
module_param(emc_devfreq, charp, 0444);
MODULE_PARM_DESC(emc_devfreq,
		 "memory-clock devfreq devices to attach, by name (Thor's bwmgr)");
module_param(emc_icc, charp, 0444);
MODULE_PARM_DESC(emc_icc,
		 "interconnect nodes whose bandwidth requests count as EMC transitions (\"\" for none)");
module_param(emc_reader, charp, 0444);
MODULE_PARM_DESC(emc_reader,
		 "EMC rate reader: auto, sim, bpmp or clk (default auto)");
module_param(kprobes, bool, 0444);
MODULE_PARM_DESC(kprobes,
		 "time governor requests with a kprobe where kprobes exist (default 0, experimental)");

static int __init settle_module_init(void)
{
	int ret;

	ret = settle_core_init();
	if (ret)
		return ret;
	ret = settle_cpufreq_init(reader);
	if (ret)
		goto err_exit_core;
	ret = settle_devfreq_init(SETTLE_DOMAIN_GPU, gpu, gpu_reader);
	ret = ret ?: settle_devfreq_init(SETTLE_DOMAIN_EMC, emc_devfreq,
					 emc_reader);
	if (ret)
		goto err_exit_devfreq;
	ret = settle_clk_init(SETTLE_DOMAIN_EMC, emc, emc_reader);
	if (ret)
		goto err_exit_devfreq;
	ret = settle_icc_init(emc_icc);
	if (ret)
		goto err_exit_clk;

	if (kprobes) {
		ret = settle_kprobe_init();
		if (ret)
			pr_info("request kprobe unavailable (%d): requests are timed at driver entry\n",
				ret);
	}

	ret = settle_ctl_init();
	if (ret)
		goto err_exit_kprobe;

	pr_info("loaded: domains %s%s%s, CPU reader %s, sampler %u ns, request kprobe %s\n",
		settle_domains_attached() & BIT(SETTLE_DOMAIN_CPU) ? "cpu " : "",
		settle_domains_attached() & BIT(SETTLE_DOMAIN_GPU) ? "gpu " : "",
		settle_domains_attached() & BIT(SETTLE_DOMAIN_EMC) ? "emc" : "",
		settle_cpufreq_reader_name(), settle_sample_period_ns,
		settle_kprobe_armed() ? "on" : "off");
	return 0;

err_exit_kprobe:
	settle_kprobe_exit();
	settle_icc_exit();
err_exit_clk:
	settle_clk_exit();
err_exit_devfreq:
	settle_devfreq_exit();
	settle_cpufreq_exit();
err_exit_core:
	settle_core_exit();
	return ret;
}

static void __exit settle_module_exit(void)
{
	settle_ctl_exit();
	settle_kprobe_exit();
	settle_icc_exit();
	settle_clk_exit();
	settle_devfreq_exit();
	settle_cpufreq_exit();
	settle_core_exit();
}

module_init(settle_module_init);
module_exit(settle_module_exit);

MODULE_DESCRIPTION("settle: per-domain DVFS actuation timing");
MODULE_LICENSE("GPL");
