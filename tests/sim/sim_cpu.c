// SPDX-License-Identifier: GPL-2.0
/*
 * settle_sim CPU domain: a real cpufreq driver, one policy per CPU.
 *
 * ->target_index() is one simulated transition (sim_xfer_begin/end); ->get()
 * is the effective rate, which lags by the settle time, like Tegra's
 * counter-based get().  Each CPU's clock throttles that CPU.  With
 * cpu_emc_link=1 each transition also asks EMC for a rate from inside the
 * driver call, as a memory-frequency coupling would.
 */
#include "sim_core.h"

#include <linux/cpufreq.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/hrtimer.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/sched/signal.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "settle_sim_compat.h"

#define SIM_MAX_FREQS		16
/* tegra194-cpufreq declares 300 us */
#define SIM_TRANSITION_LATENCY_NS	(300 * NSEC_PER_USEC)

/* Orin Nano CPU rates; the last (highest) entry is f_max. */
static unsigned int freqs_khz[SIM_MAX_FREQS] = { 115200, 729600, 1728000 };
static unsigned int nr_freqs = 3;
module_param_array(freqs_khz, uint, &nr_freqs, 0444);
MODULE_PARM_DESC(freqs_khz,
		 "CPU frequency table in kHz, strictly ascending, at most 16 (default 115200,729600,1728000)");

static unsigned int cpu_emc_link;
module_param(cpu_emc_link, uint, 0644);
MODULE_PARM_DESC(cpu_emc_link,
		 "Each CPU transition asks EMC for the rate of the same table position, inside its driver call: 1 through the clock, 2 through an interconnect bandwidth request (needs emc=1, and emc_icc=1 for 2; default 0, off)");

static DEFINE_PER_CPU(struct sim_clk, sim_cpu_clks);
static struct cpufreq_frequency_table sim_freq_table[SIM_MAX_FREQS + 1];
static unsigned int sim_fmax_khz;

/**
 * sim_target_index() - cpufreq ->target_index(): one simulated transition
 * @policy: the CPU's policy (one CPU per policy)
 * @index: index into sim_freq_table
 *
 * Called between the core's PRECHANGE and POSTCHANGE notifications with
 * the policy serialised.  The request instant is the entry of this
 * function; get() switches to the new rate settle_ns after it; the call
 * itself stalls stall_ns.  With cpu_emc_link the EMC request (and its
 * own stall) lies inside this window.
 *
 * Return: 0.
 */
static int sim_target_index(struct cpufreq_policy *policy, unsigned int index)
{
	struct sim_clk *c = per_cpu_ptr(&sim_cpu_clks, policy->cpu);
	struct sim_xfer x = { };

	sim_xfer_begin(c, policy->cur, policy->freq_table[index].frequency,
		       &x);
	x.cpu = policy->cpu;
	if (READ_ONCE(cpu_emc_link))
		sim_emc_link_request(&x, index, nr_freqs,
				     READ_ONCE(cpu_emc_link) == 2);
	sim_xfer_end(&x);
	return 0;
}

/*
 * Lockless: cpuinfo_cur_freq and the core call this from arbitrary
 * contexts.  A cpuinfo_cur_freq read inside the settle window makes the
 * core see policy->cur != get(), reset policy->cur to the old rate and
 * re-request the target (cpufreq_out_of_sync()), as it would with Tegra's
 * counter-based get(); that re-request shows up in the truth.
 */
static unsigned int sim_get(unsigned int cpu)
{
	if (cpu >= nr_cpu_ids)
		return 0;
	return sim_clk_read_khz(per_cpu_ptr(&sim_cpu_clks, cpu));
}

static int sim_cpufreq_init(struct cpufreq_policy *policy)
{
	policy->freq_table = sim_freq_table;
	policy->cpuinfo.transition_latency = SIM_TRANSITION_LATENCY_NS;
	/* One policy per CPU: stepping one CPU must not slow the others. */
	cpumask_copy(policy->cpus, cpumask_of(policy->cpu));
	sim_clk_start(per_cpu_ptr(&sim_cpu_clks, policy->cpu), sim_fmax_khz);
	return 0;
}

/* Also the CPU-offline path: the core has no ->offline op from us. */
void sim_cpufreq_teardown(struct cpufreq_policy *policy)
{
	sim_clk_stop(per_cpu_ptr(&sim_cpu_clks, policy->cpu));
	sim_steal_quiesce(cpumask_of(policy->cpu));
}

/* No .fast_switch: Tegra has none; transitions go PRE -> target -> POST. */
static struct cpufreq_driver sim_driver = {
	.name = "settle_sim",
	.verify = cpufreq_generic_frequency_table_verify,
	.target_index = sim_target_index,
	.get = sim_get,
	.init = sim_cpufreq_init,
	.exit = settle_sim_cpufreq_exit,
	.attr = cpufreq_generic_attr,
};

/*
 * debugfs cpu_storm: "CPU N PERIOD_NS" makes N transitions of CPU's policy,
 * each between its lowest and highest rate, one every PERIOD_NS on an
 * absolute schedule (0: back to back), in the writer's context: an event
 * storm at a known rate for the recorder's tests (tests/vm/guest/t-storm.sh).
 * Each transition is a truth row.  A signal stops it (-EINTR).
 */
static ssize_t sim_storm_write(struct file *file, const char __user *ubuf,
			       size_t len, loff_t *ppos)
{
	struct cpufreq_policy *policy;
	unsigned int cpu, n, i;
	char buf[64];
	u64 period, next;
	int ret = 0;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	if (sscanf(buf, "%u %u %llu", &cpu, &n, &period) != 3 ||
	    cpu >= nr_cpu_ids || period > NSEC_PER_SEC)
		return -EINVAL;
	policy = cpufreq_cpu_get(cpu);
	if (!policy)
		return -ENODEV;
	next = ktime_get_ns();
	for (i = 0; i < n && !ret; i++) {
		unsigned int to = READ_ONCE(policy->cur) == policy->min ?
				  policy->max : policy->min;

		if (signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		ret = cpufreq_driver_target(policy, to, CPUFREQ_RELATION_L);
		if (period) {
			ktime_t t;

			next += period;
			t = ns_to_ktime(next);
			set_current_state(TASK_INTERRUPTIBLE);
			schedule_hrtimeout(&t, HRTIMER_MODE_ABS);
		} else {
			cond_resched();
		}
	}
	cpufreq_cpu_put(policy);
	return ret ? ret : (ssize_t)len;
}

static const struct file_operations sim_storm_fops = {
	.owner = THIS_MODULE,
	.write = sim_storm_write,
};

static int sim_cpu_setup(void)
{
	char name[SIM_NAME_LEN];
	unsigned int i, cpu;
	struct sim_clk *c;
	int ret;

	ret = sim_check_rates("freqs_khz", freqs_khz, nr_freqs);
	if (ret)
		return ret;
	for (i = 0; i < nr_freqs; i++)
		sim_freq_table[i].frequency = freqs_khz[i];
	sim_freq_table[i].frequency = CPUFREQ_TABLE_END;
	sim_fmax_khz = freqs_khz[nr_freqs - 1];

	for_each_possible_cpu(cpu) {
		c = per_cpu_ptr(&sim_cpu_clks, cpu);
		snprintf(name, sizeof(name), "cpu%u", cpu);
		sim_clk_init(c, SIM_CPU, name, sim_fmax_khz, sim_fmax_khz);
		c->steal_cpus = cpumask_of(cpu);
	}
	return 0;
}

static int sim_cpu_start(void)
{
	int ret;

	ret = cpufreq_register_driver(&sim_driver);
	if (ret) {
		pr_err("cannot register cpufreq driver (another one active?): %d\n",
		       ret);
		return ret;
	}
	debugfs_create_file("cpu_storm", 0200, sim_dir, NULL, &sim_storm_fops);
	pr_info("cpu: %u rates up to %u kHz, EMC link %s\n", nr_freqs,
		sim_fmax_khz, cpu_emc_link ? "on" : "off");
	return 0;
}

/* Waits for transitions in flight and quiesces every CPU (->exit). */
static void sim_cpu_stop(void)
{
	cpufreq_unregister_driver(&sim_driver);
}

static struct sim_clk *sim_cpu_clk(unsigned int idx)
{
	if (idx >= nr_cpu_ids || !cpu_possible(idx))
		return NULL;
	return per_cpu_ptr(&sim_cpu_clks, idx);
}

static int sim_cpu_lookup(const char *name)
{
	unsigned int cpu;

	if (strncmp(name, "cpu", 3) || kstrtouint(name + 3, 10, &cpu) ||
	    !sim_cpu_clk(cpu) || !sim_clk_read_khz(sim_cpu_clk(cpu)))
		return -ENOENT;
	return cpu;
}

const struct sim_domain_ops sim_cpu_ops = {
	.name = "cpu",
	.setup = sim_cpu_setup,
	.start = sim_cpu_start,
	.stop = sim_cpu_stop,
	.clk = sim_cpu_clk,
	.lookup = sim_cpu_lookup,
	.nr_devs = NR_CPUS,
};
