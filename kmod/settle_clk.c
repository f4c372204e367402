// SPDX-License-Identifier: GPL-2.0
/*
 * Clock backend: memory clocks (EMC) named by clock name.  The clock
 * framework's clk_set_rate / clk_set_rate_complete tracepoints bracket the
 * provider's ->set_rate(); settle tells its clocks apart by their clk_core.
 * On Tegra234 the BPMP firmware changes EMC without those tracepoints
 * firing: there only steps through this clock are seen, and the BPMP reader
 * shows the rate.
 *
 * Steps set a rate range of settle's own on the clock (min = max = target)
 * through its own consumer handle; the session's end drops the range and
 * puts back the rate the clock had before the first step.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/clk.h>
#include <linux/clk-provider.h>
#include <linux/ktime.h>
#include <linux/of.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

#include "settle.h"
#include "settle_compat.h"
#include "settle_trace.h"

#define SETTLE_MAX_CLKS		4
/*
 * The clock API has no rate table: it is found by rounding candidates
 * spaced 1% apart from 10 MHz to 10 GHz, once, at load.
 */
#define SETTLE_CLK_PROBE_MIN_HZ	10000000UL
#define SETTLE_CLK_PROBE_STEPS	700

struct clk_core;

/**
 * struct settle_clk - an attached clock
 * @dev: settle's device
 * @clk: settle's consumer handle
 * @core: the clock's identity in the clock tracepoints
 * @last_khz: the rate after the last transition (the tracepoints carry
 *	only the new one)
 * @in_transition: clk_set_rate changed the rate; _complete ends it
 * @saved_hz: the rate before the first step of the session
 * @rates_khz: the rate table, ascending
 * @nrates: entries in @rates_khz
 */
struct settle_clk {
	struct settle_dev dev;
	struct clk *clk;
	struct clk_core *core;
	u32 last_khz;
	bool in_transition;
	unsigned long saved_hz;
	u32 rates_khz[SETTLE_MAX_RATES];
	u32 nrates;
};

static struct settle_clk *settle_clks[SETTLE_MAX_CLKS];
static unsigned int settle_nclks;
static struct tracepoint *settle_tp_set, *settle_tp_done;

static struct settle_clk *to_settle_clk(struct settle_dev *d)
{
	return container_of(d, struct settle_clk, dev);
}

/* ---- reader: the clock framework's rate ---------------------------------- */

static u32 settle_clk_read(struct settle_dev *d)
{
	return clk_get_rate(to_settle_clk(d)->clk) / 1000;
}

static const struct settle_reader_ops settle_reader_clk = {
	.name = "clk",
	.id = SETTLE_READER_CLK,
	.sleeps = true,
	.read_khz = settle_clk_read,
};

/* ---- hooks: called with preemption off ------------------------------------ */

static struct settle_clk *settle_clk_of(struct clk_core *core)
{
	unsigned int i;

	for (i = 0; i < READ_ONCE(settle_nclks); i++)
		if (settle_clks[i]->core == core)
			return settle_clks[i];
	return NULL;
}

static void settle_clk_tp_set(void *data, struct clk_core *core,
			      unsigned long rate)
{
	struct settle_clk *sc = settle_clk_of(core);
	u32 khz = rate / 1000;

	if (!sc)
		return;
	sc->in_transition = khz != sc->last_khz;
	if (sc->in_transition)
		settle_entry(&sc->dev, sc->last_khz, khz);
}

static void settle_clk_tp_done(void *data, struct clk_core *core,
			       unsigned long rate)
{
	struct settle_clk *sc = settle_clk_of(core);
	u32 khz = rate / 1000;

	if (!sc || !sc->in_transition)
		return;
	settle_exit(&sc->dev, sc->last_khz, khz);
	sc->last_khz = khz;
	sc->in_transition = false;
}

static void settle_clk_find_tp(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "clk_set_rate"))
		settle_tp_set = tp;
	else if (!strcmp(tp->name, "clk_set_rate_complete"))
		settle_tp_done = tp;
}

/* ---- control ----------------------------------------------------------- */

static int settle_clk_info(struct settle_dev *d,
			   struct settle_device_info *info)
{
	struct settle_clk *sc = to_settle_clk(d);

	info->cur_khz = clk_get_rate(sc->clk) / 1000;
	memcpy(info->rates_khz, sc->rates_khz, sizeof(sc->rates_khz));
	info->nrates = sc->nrates;
	if (sc->nrates)
		info->flags |= SETTLE_DEV_STEPPABLE;
	return 0;
}

static int settle_clk_save(struct settle_dev *d)
{
	struct settle_clk *sc = to_settle_clk(d);
	u32 khz;

	sc->saved_hz = clk_get_rate(sc->clk);
	khz = sc->saved_hz / 1000;
	d->saved = true;
	settle_event(policy, ktime_get_ns(), d->domain, d->index, SETTLE_POLICY_SAVED,
		     khz, khz, "clk");
	return 0;
}

static void settle_clk_restore(struct settle_dev *d)
{
	struct settle_clk *sc = to_settle_clk(d);
	u32 action = SETTLE_POLICY_RESTORED, khz;
	int ret;

	ret = clk_set_rate_range(sc->clk, 0, ULONG_MAX);
	if (!ret && clk_get_rate(sc->clk) != sc->saved_hz)
		ret = clk_set_rate(sc->clk, sc->saved_hz);
	if (ret) {
		action = SETTLE_POLICY_RESTORE_FAILED;
		pr_err("%s: could not restore %lu Hz: %d\n", d->name,
		       sc->saved_hz, ret);
	}
	khz = clk_get_rate(sc->clk) / 1000;
	settle_event(policy, ktime_get_ns(), d->domain, d->index, action, khz, khz,
		     "clk");
}

static int settle_clk_step(struct settle_dev *d, struct settle_step *st)
{
	struct settle_clk *sc = to_settle_clk(d);
	unsigned long hz = (unsigned long)st->target_khz * 1000;
	u32 i, from;
	int ret;

	for (i = 0; i < sc->nrates; i++)
		if (sc->rates_khz[i] == st->target_khz)
			break;
	if (i == sc->nrates) {
		pr_warn_ratelimited("step: %s: %u kHz is not in its rate table\n",
				    d->name, st->target_khz);
		return -EINVAL;
	}
	ret = settle_dev_claim(d);
	if (ret)
		return ret;
	from = clk_get_rate(sc->clk) / 1000;
	if (from == st->target_khz)
		return -EALREADY;

	settle_step_begin(d, st, from);
	ret = clk_set_rate_range(sc->clk, hz, hz);
	settle_step_end(d, st);
	st->cur_khz = clk_get_rate(sc->clk) / 1000;
	return ret;
}

static const struct settle_backend_ops settle_clk_backend = {
	.name = "clk",
	.id = SETTLE_BACKEND_CLK,
	.info = settle_clk_info,
	.save = settle_clk_save,
	.restore = settle_clk_restore,
	.step = settle_clk_step,
};

/* ---- load and unload ---------------------------------------------------- */

static void settle_clk_probe_rates(struct settle_clk *sc)
{
	unsigned long cand = SETTLE_CLK_PROBE_MIN_HZ;
	long r;
	int i;

	for (i = 0; i < SETTLE_CLK_PROBE_STEPS; i++, cand += cand / 100) {
		u32 khz;

		r = clk_round_rate(sc->clk, cand);
		if (r <= 0)
			continue;
		khz = r / 1000;
		if (sc->nrates && sc->rates_khz[sc->nrates - 1] >= khz)
			continue;
		if (sc->nrates == SETTLE_MAX_RATES)
			break;
		sc->rates_khz[sc->nrates++] = khz;
	}
}

/* A clock by its name: a clkdev lookup, else a device-tree consumer's. */
static struct clk *settle_clk_find(const char *name)
{
	struct device_node *np;
	struct clk *clk;

	clk = clk_get_sys(NULL, name);
	if (!IS_ERR(clk))
		return clk;
	for_each_node_with_property(np, "clock-names") {
		if (of_property_match_string(np, "clock-names", name) < 0)
			continue;
		clk = of_clk_get_by_name(np, name);
		if (!IS_ERR(clk)) {
			of_node_put(np);
			return clk;
		}
	}
	return NULL;
}

static int settle_clk_attach(u32 domain, const char *name, const char *reader)
{
	const struct settle_reader_ops *family[] = {
		&settle_reader_sim,
#ifdef CONFIG_TEGRA_BPMP
		&settle_reader_bpmp,
#endif
		&settle_reader_clk,
	};
	struct settle_clk *sc;
	struct clk *clk;
	int ret;

	clk = settle_clk_find(name);
	if (!clk)
		return -ENOENT;
	if (settle_nclks == SETTLE_MAX_CLKS) {
		ret = -ENOSPC;
		goto err_put_clk;
	}
	sc = kzalloc(sizeof(*sc), GFP_KERNEL);
	if (!sc) {
		ret = -ENOMEM;
		goto err_put_clk;
	}
	sc->clk = clk;
	sc->core = __clk_get_hw(clk)->core;
	sc->last_khz = clk_get_rate(clk) / 1000;
	settle_clk_probe_rates(sc);
	ret = settle_dev_register(&sc->dev, domain, -1, name,
				  &settle_clk_backend);
	if (ret)
		goto err_free;
	ret = settle_readers_attach(&sc->dev, reader, family,
				    ARRAY_SIZE(family));
	if (ret)
		goto err_unregister_dev;
	settle_clks[settle_nclks] = sc;
	/* Published after it is complete: the tracepoints read it unlocked. */
	smp_store_release(&settle_nclks, settle_nclks + 1);
	pr_info("%s %s: clock, %u rates, reader %s\n",
		settle_domain_name(domain), name, sc->nrates,
		sc->dev.reader->name);
	return 0;

err_unregister_dev:
	settle_dev_unregister(&sc->dev);
err_free:
	kfree(sc);
err_put_clk:
	clk_put(clk);
	return ret;
}

/**
 * settle_clk_init() - attach the named clocks to a domain and hook them
 * @domain: enum settle_domain
 * @names: comma-separated clock names; absent ones are skipped
 * @reader: "auto" or the reader to insist on
 *
 * Return: 0 (also when none of the clocks exists), or a negative errno
 * when one exists but cannot be attached.
 */
int settle_clk_init(u32 domain, const char *names, const char *reader)
{
	int ret;

	ret = settle_attach_names(domain, names, reader, settle_clk_attach);
	if (ret)
		goto err_detach;
	if (!settle_nclks)
		return 0;

	for_each_kernel_tracepoint(settle_clk_find_tp, NULL);
	if (!settle_tp_set || !settle_tp_done) {
		pr_warn("no clk_set_rate tracepoints: clock transitions are not seen\n");
		settle_tp_set = NULL;
		settle_tp_done = NULL;
		return 0;
	}
	ret = tracepoint_probe_register(settle_tp_done, settle_clk_tp_done,
					NULL);
	if (ret)
		goto err_warn;
	ret = tracepoint_probe_register(settle_tp_set, settle_clk_tp_set, NULL);
	if (ret) {
		tracepoint_probe_unregister(settle_tp_done, settle_clk_tp_done,
					    NULL);
		goto err_warn;
	}
	return 0;

err_warn:
	pr_warn("cannot hook the clk_set_rate tracepoints (%d): clock transitions are not seen\n",
		ret);
	settle_tp_set = NULL;
	settle_tp_done = NULL;
	return 0;

err_detach:
	settle_clk_exit();
	return ret;
}

/**
 * settle_clk_exit() - unhook and detach every clock
 */
void settle_clk_exit(void)
{
	if (settle_tp_set) {
		tracepoint_probe_unregister(settle_tp_set, settle_clk_tp_set,
					    NULL);
		tracepoint_probe_unregister(settle_tp_done, settle_clk_tp_done,
					    NULL);
		tracepoint_synchronize_unregister();
	}
	settle_tp_set = NULL;
	settle_tp_done = NULL;
	while (settle_nclks) {
		struct settle_clk *sc = settle_clks[--settle_nclks];

		settle_dev_unregister(&sc->dev);
		clk_put(sc->clk);
		kfree(sc);
	}
}
