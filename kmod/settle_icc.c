// SPDX-License-Identifier: GPL-2.0
/*
 * Interconnect requests that drive the memory clock.  On Orin (5.15, and
 * mainline 6.3+) Linux never sets EMC: it sends bandwidth requests
 * (icc_set_bw) and the BPMP firmware picks the rate.  A request whose path
 * crosses a node named in emc_icc becomes a transition of the first EMC
 * device: request and driver entry at icc_set_bw, driver exit at
 * icc_set_bw_end, and an effective change when the EMC reader first shows
 * a rate other than the one it showed at entry (the target is not known;
 * settle:effective with status timeout says the request changed nothing).
 * A request made inside another device's driver call is linked to it, as
 * the CPU transitions of Tegra234 (6.4+, L4T) issue one.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/interconnect-provider.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

#include "settle.h"

/* Bandwidth requests in flight at once, all CPUs together. */
#define SETTLE_ICC_OPEN		8

struct icc_path;

static struct {
	struct task_struct *task;
	struct icc_path *path;
} settle_icc_open[SETTLE_ICC_OPEN];
static DEFINE_RAW_SPINLOCK(settle_icc_lock);

static struct tracepoint *settle_tp_bw, *settle_tp_bw_end;
static struct settle_dev *settle_icc_emc;
static char *settle_icc_nodes;

static bool settle_icc_node_wanted(const char *name)
{
	const char *p = settle_icc_nodes;
	size_t len;

	if (!name)
		return false;
	len = strlen(name);
	while (p && *p) {
		if (!strncmp(p, name, len) && (p[len] == ',' || !p[len]))
			return true;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return false;
}

/* Claim a slot for (current, @path); false when it is open already. */
static bool settle_icc_claim(struct icc_path *path)
{
	unsigned long flags;
	int i, free = -1;

	raw_spin_lock_irqsave(&settle_icc_lock, flags);
	for (i = 0; i < SETTLE_ICC_OPEN; i++) {
		if (settle_icc_open[i].task == current &&
		    settle_icc_open[i].path == path) {
			raw_spin_unlock_irqrestore(&settle_icc_lock, flags);
			return false;
		}
		if (!settle_icc_open[i].task && free < 0)
			free = i;
	}
	if (free >= 0) {
		settle_icc_open[free].task = current;
		settle_icc_open[free].path = path;
	}
	raw_spin_unlock_irqrestore(&settle_icc_lock, flags);
	return free >= 0;
}

static bool settle_icc_release(struct icc_path *path)
{
	unsigned long flags;
	bool found = false;
	int i;

	raw_spin_lock_irqsave(&settle_icc_lock, flags);
	for (i = 0; i < SETTLE_ICC_OPEN; i++) {
		if (settle_icc_open[i].task == current &&
		    settle_icc_open[i].path == path) {
			settle_icc_open[i].task = NULL;
			found = true;
			break;
		}
	}
	raw_spin_unlock_irqrestore(&settle_icc_lock, flags);
	return found;
}

/* Called for each node of the path being updated, preemption off. */
static void settle_icc_tp_bw(void *data, struct icc_path *p,
			     struct icc_node *n, int i, u32 avg_bw,
			     u32 peak_bw)
{
	if (!settle_icc_node_wanted(n->name) || !settle_icc_claim(p))
		return;
	settle_entry_source(settle_icc_emc, 0, 0, SETTLE_REQ_ICC);
}

static void settle_icc_tp_bw_end(void *data, struct icc_path *p, int ret)
{
	if (settle_icc_release(p))
		settle_exit(settle_icc_emc, 0, 0);
}

static void settle_icc_find_tp(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "icc_set_bw"))
		settle_tp_bw = tp;
	else if (!strcmp(tp->name, "icc_set_bw_end"))
		settle_tp_bw_end = tp;
}

/**
 * settle_icc_init() - time bandwidth requests as transitions of EMC
 * @nodes: comma-separated interconnect node names that lead to EMC
 *
 * Needs an EMC device (the clock or devfreq backend attached one).
 *
 * Return: 0; the hooks are optional, and their absence is logged.
 */
int settle_icc_init(const char *nodes)
{
	int ret;

	settle_icc_emc = settle_dev_nth(SETTLE_DOMAIN_EMC, 0);
	if (!*nodes || !settle_icc_emc)
		return 0;
	settle_icc_nodes = kstrdup(nodes, GFP_KERNEL);
	if (!settle_icc_nodes)
		return -ENOMEM;
	for_each_kernel_tracepoint(settle_icc_find_tp, NULL);
	if (!settle_tp_bw || !settle_tp_bw_end) {
		pr_info("no icc_set_bw tracepoints: bandwidth requests are not timed\n");
		goto err_clear;
	}
	ret = tracepoint_probe_register(settle_tp_bw_end, settle_icc_tp_bw_end,
					NULL);
	if (ret)
		goto err_warn;
	ret = tracepoint_probe_register(settle_tp_bw, settle_icc_tp_bw, NULL);
	if (ret) {
		tracepoint_probe_unregister(settle_tp_bw_end,
					    settle_icc_tp_bw_end, NULL);
		goto err_warn;
	}
	pr_info("%s: bandwidth requests to %s are timed\n",
		settle_icc_emc->name, nodes);
	return 0;

err_warn:
	pr_warn("cannot hook icc_set_bw (%d): bandwidth requests are not timed\n",
		ret);
err_clear:
	settle_tp_bw = NULL;
	settle_tp_bw_end = NULL;
	kfree(settle_icc_nodes);
	settle_icc_nodes = NULL;
	return 0;
}

/**
 * settle_icc_exit() - unhook; no callback runs after it returns
 */
void settle_icc_exit(void)
{
	if (settle_tp_bw) {
		tracepoint_probe_unregister(settle_tp_bw, settle_icc_tp_bw,
					    NULL);
		tracepoint_probe_unregister(settle_tp_bw_end,
					    settle_icc_tp_bw_end, NULL);
		tracepoint_synchronize_unregister();
	}
	settle_tp_bw = NULL;
	settle_tp_bw_end = NULL;
	kfree(settle_icc_nodes);
	settle_icc_nodes = NULL;
	settle_icc_emc = NULL;
}
