// SPDX-License-Identifier: GPL-2.0
/*
 * devfreq backend: GPUs (and memory clocks driven as devfreq devices, as
 * Thor's bwmgr is), named by their parent device.  The devfreq transition
 * notifier gives driver entry and exit; devfreq calls it around every
 * ->target(), the governor's periodic re-evaluations at the same rate
 * included, so a notification whose rates are equal is not a transition.
 *
 * Steps pin the device's min/max frequency QoS with two requests of
 * settle's own and open the user's sysfs limits; the session's end removes
 * settle's requests and puts the user's limits back, after which the
 * governor decides again.  The governor itself is not switched: with both
 * bounds on the target, every governor lands there.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/clk.h>
#include <linux/device.h>
#include <linux/devfreq.h>
#include <linux/ktime.h>
#include <linux/platform_device.h>
#include <linux/pm_qos.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "settle.h"
#include "settle_compat.h"
#include "settle_trace.h"

#define SETTLE_MAX_DEVFREQ	8

/**
 * struct settle_devfreq - an attached devfreq device
 * @dev: settle's device
 * @df: the devfreq device
 * @parent: the device @df scales, whose QoS settle pins
 * @nb: the transition notifier
 * @in_transition: PRECHANGE changed the rate; POSTCHANGE ends a transition
 * @clk: @parent's clock, for the clk reader
 * @min_req: settle's lower bound while stepping
 * @max_req: settle's upper bound while stepping
 * @user_min: the user's min_freq request before the session, kHz
 * @user_max: the user's max_freq request before the session, kHz
 */
struct settle_devfreq {
	struct settle_dev dev;
	struct devfreq *df;
	struct device *parent;
	struct notifier_block nb;
	bool in_transition;
	struct clk *clk;
	struct dev_pm_qos_request min_req;
	struct dev_pm_qos_request max_req;
	s32 user_min;
	s32 user_max;
};

static struct settle_devfreq *settle_dfs[SETTLE_MAX_DEVFREQ];
static unsigned int settle_ndfs;

static struct settle_devfreq *to_settle_devfreq(struct settle_dev *d)
{
	return container_of(d, struct settle_devfreq, dev);
}

static u32 settle_hz_to_khz(unsigned long hz)
{
	return hz / 1000;
}

/* ---- readers ----------------------------------------------------------- */

/* The driver's own answer; nvgpu's is the GPU clock's cached rate. */
static int settle_devfreq_reader_attach(struct settle_dev *d)
{
	return to_settle_devfreq(d)->df->profile->get_cur_freq ? 0 : -ENODEV;
}

static u32 settle_devfreq_reader_read(struct settle_dev *d)
{
	struct settle_devfreq *sd = to_settle_devfreq(d);
	unsigned long hz = 0;

	if (sd->df->profile->get_cur_freq(sd->parent, &hz))
		return 0;
	return settle_hz_to_khz(hz);
}

static const struct settle_reader_ops settle_reader_devfreq = {
	.name = "devfreq",
	.id = SETTLE_READER_DEVFREQ,
	.sleeps = true,
	.attach = settle_devfreq_reader_attach,
	.read_khz = settle_devfreq_reader_read,
};

/* The clock framework's rate of the device's clock: software state. */
static int settle_devfreq_clk_attach(struct settle_dev *d)
{
	struct settle_devfreq *sd = to_settle_devfreq(d);
	struct clk *clk = clk_get(sd->parent, NULL);

	if (IS_ERR(clk))
		return PTR_ERR(clk);
	sd->clk = clk;
	return 0;
}

static void settle_devfreq_clk_detach(struct settle_dev *d)
{
	struct settle_devfreq *sd = to_settle_devfreq(d);

	clk_put(sd->clk);
	sd->clk = NULL;
}

static u32 settle_devfreq_clk_read(struct settle_dev *d)
{
	return settle_hz_to_khz(clk_get_rate(to_settle_devfreq(d)->clk));
}

static const struct settle_reader_ops settle_reader_devfreq_clk = {
	.name = "clk",
	.id = SETTLE_READER_CLK,
	.sleeps = true,
	.attach = settle_devfreq_clk_attach,
	.detach = settle_devfreq_clk_detach,
	.read_khz = settle_devfreq_clk_read,
};

/* ---- hooks ------------------------------------------------------------- */

static int settle_devfreq_notify(struct notifier_block *nb,
				 unsigned long val, void *data)
{
	struct settle_devfreq *sd = container_of(nb, struct settle_devfreq, nb);
	struct devfreq_freqs *freqs = data;
	u32 old = settle_hz_to_khz(freqs->old);
	u32 new = settle_hz_to_khz(freqs->new);

	switch (val) {
	case DEVFREQ_PRECHANGE:
		sd->in_transition = old != new;
		if (sd->in_transition)
			settle_entry(&sd->dev, old, new);
		break;
	case DEVFREQ_POSTCHANGE:
		if (sd->in_transition)
			settle_exit(&sd->dev, old, new);
		sd->in_transition = false;
		break;
	}
	return NOTIFY_OK;
}

/* ---- control ----------------------------------------------------------- */

/*
 * The governor's name: struct devfreq_governor is private to devfreq, so
 * it is read from sysfs, at save and restore only.
 */
static void settle_devfreq_governor(struct settle_devfreq *sd, char *gov,
				    size_t len)
{
	char path[96];

	snprintf(path, sizeof(path), "/sys/class/devfreq/%s/governor",
		 dev_name(&sd->df->dev));
	if (settle_sysfs_read(path, gov, len))
		strscpy(gov, "?", len);
}

static int settle_devfreq_info(struct settle_dev *d,
			       struct settle_device_info *info)
{
	struct settle_devfreq *sd = to_settle_devfreq(d);
	unsigned int i, n;
	unsigned long *table = settle_devfreq_table(sd->df, &n);

	info->cur_khz = settle_hz_to_khz(sd->df->previous_freq);
	if (!table)
		return 0;
	info->flags |= SETTLE_DEV_STEPPABLE;
	if (n > SETTLE_MAX_RATES) {
		n = SETTLE_MAX_RATES;
		info->flags |= SETTLE_DEV_RATES_CUT;
	}
	/* devfreq tables are ascending (devfreq.h says they must be). */
	for (i = 0; i < n; i++)
		info->rates_khz[i] = settle_hz_to_khz(table[i]);
	info->nrates = n;
	return 0;
}

static bool settle_devfreq_in_table(struct settle_devfreq *sd, u32 khz)
{
	unsigned int i, n;
	unsigned long *table = settle_devfreq_table(sd->df, &n);

	for (i = 0; table && i < n; i++)
		if (settle_hz_to_khz(table[i]) == khz)
			return true;
	return false;
}

static int settle_devfreq_save(struct settle_dev *d)
{
	struct settle_devfreq *sd = to_settle_devfreq(d);
	struct devfreq *df = sd->df;
	s32 cur = settle_hz_to_khz(df->previous_freq);
	char gov[SETTLE_GOV_LEN];
	int ret;

	settle_devfreq_governor(sd, gov, sizeof(gov));
	sd->user_min = settle_dev_qos_request_value(&df->user_min_freq_req);
	sd->user_max = settle_dev_qos_request_value(&df->user_max_freq_req);
	/* Pinned where it is: taking control is not a transition. */
	ret = dev_pm_qos_add_request(sd->parent, &sd->min_req,
				     DEV_PM_QOS_MIN_FREQUENCY, cur);
	if (ret < 0)
		goto err_warn;
	ret = dev_pm_qos_add_request(sd->parent, &sd->max_req,
				     DEV_PM_QOS_MAX_FREQUENCY, cur);
	if (ret < 0)
		goto err_remove_min;
	d->saved = true;
	settle_event(policy, ktime_get_ns(), d->domain, d->index, SETTLE_POLICY_SAVED,
		     sd->user_min, sd->user_max, gov);
	/* The user's own limits would otherwise bound every step. */
	ret = dev_pm_qos_update_request(&df->user_min_freq_req,
					PM_QOS_MIN_FREQUENCY_DEFAULT_VALUE);
	if (ret >= 0)
		ret = dev_pm_qos_update_request(&df->user_max_freq_req,
						PM_QOS_MAX_FREQUENCY_DEFAULT_VALUE);
	if (ret < 0)
		pr_warn("%s: cannot open the user's min/max_freq: %d\n",
			d->name, ret);
	return ret < 0 ? ret : 0;

err_remove_min:
	dev_pm_qos_remove_request(&sd->min_req);
err_warn:
	pr_warn("%s: cannot add a frequency QoS request: %d\n", d->name, ret);
	return ret;
}

static void settle_devfreq_restore(struct settle_dev *d)
{
	struct settle_devfreq *sd = to_settle_devfreq(d);
	struct devfreq *df = sd->df;
	u32 action = SETTLE_POLICY_RESTORED;
	char gov[SETTLE_GOV_LEN];
	int ret, r;

	ret = dev_pm_qos_update_request(&df->user_min_freq_req, sd->user_min);
	r = dev_pm_qos_update_request(&df->user_max_freq_req, sd->user_max);
	ret = ret < 0 ? ret : r;
	r = dev_pm_qos_remove_request(&sd->max_req);
	ret = ret < 0 ? ret : r;
	r = dev_pm_qos_remove_request(&sd->min_req);
	ret = ret < 0 ? ret : r;
	if (ret < 0) {
		action = SETTLE_POLICY_RESTORE_FAILED;
		pr_err("%s: could not restore min/max_freq %d..%d kHz: %d\n",
		       d->name, sd->user_min, sd->user_max, ret);
	}
	settle_devfreq_governor(sd, gov, sizeof(gov));
	settle_event(policy, ktime_get_ns(), d->domain, d->index, action,
		     settle_hz_to_khz(df->scaling_min_freq),
		     settle_hz_to_khz(df->scaling_max_freq), gov);
}

static int settle_devfreq_step(struct settle_dev *d, struct settle_step *st)
{
	struct settle_devfreq *sd = to_settle_devfreq(d);
	s32 t = st->target_khz;
	u32 from;
	int ret, r;

	if (!settle_devfreq_in_table(sd, st->target_khz)) {
		pr_warn_ratelimited("step: %s: %u kHz is not in the frequency table\n",
				    d->name, st->target_khz);
		return -EINVAL;
	}
	ret = settle_dev_claim(d);
	if (ret)
		return ret;
	from = settle_hz_to_khz(READ_ONCE(sd->df->previous_freq));
	if (from == st->target_khz)
		return -EALREADY;

	/*
	 * Both bounds sit on the current rate.  Moving the far one first
	 * would open a range the governor could pick an intermediate rate
	 * from; moving the near one first keeps the range empty (devfreq
	 * lowers min to max) or a point, so there is exactly one
	 * transition, in one of the two calls.
	 */
	settle_step_begin(d, st, from);
	if (st->target_khz > from) {
		ret = dev_pm_qos_update_request(&sd->min_req, t);
		r = dev_pm_qos_update_request(&sd->max_req, t);
	} else {
		ret = dev_pm_qos_update_request(&sd->max_req, t);
		r = dev_pm_qos_update_request(&sd->min_req, t);
	}
	settle_step_end(d, st);
	st->cur_khz = settle_hz_to_khz(READ_ONCE(sd->df->previous_freq));
	ret = ret < 0 ? ret : r;
	return ret < 0 ? ret : 0;
}

static const struct settle_backend_ops settle_devfreq_backend = {
	.name = "devfreq",
	.id = SETTLE_BACKEND_DEVFREQ,
	.info = settle_devfreq_info,
	.save = settle_devfreq_save,
	.restore = settle_devfreq_restore,
	.step = settle_devfreq_step,
};

/* ---- load and unload ---------------------------------------------------- */

static int settle_is_devfreq(struct device *dev, void *data)
{
	return dev->class && !strcmp(dev->class->name, "devfreq");
}

/* The devfreq device that scales platform device @name, with a reference. */
static struct devfreq *settle_devfreq_find(const char *name,
					   struct device **parent)
{
	struct device *pdev, *dfdev;

	pdev = bus_find_device_by_name(&platform_bus_type, NULL, name);
	if (!pdev)
		return NULL;
	dfdev = device_find_child(pdev, NULL, settle_is_devfreq);
	if (!dfdev) {
		put_device(pdev);
		return NULL;
	}
	*parent = pdev;
	return container_of(dfdev, struct devfreq, dev);
}

static void settle_devfreq_detach(struct settle_devfreq *sd)
{
	devfreq_unregister_notifier(sd->df, &sd->nb,
				    DEVFREQ_TRANSITION_NOTIFIER);
	settle_dev_unregister(&sd->dev);
	put_device(&sd->df->dev);
	put_device(sd->parent);
	kfree(sd);
}

static int settle_devfreq_attach(u32 domain, const char *name,
				 const char *reader)
{
	const struct settle_reader_ops *family[] = {
		&settle_reader_sim,
		&settle_reader_devfreq,
		&settle_reader_devfreq_clk,
	};
	struct settle_devfreq *sd;
	struct device *parent;
	struct devfreq *df;
	int ret;

	df = settle_devfreq_find(name, &parent);
	if (!df)
		return -ENOENT;
	if (settle_ndfs == SETTLE_MAX_DEVFREQ) {
		ret = -ENOSPC;
		goto err_put_devices;
	}
	sd = kzalloc(sizeof(*sd), GFP_KERNEL);
	if (!sd) {
		ret = -ENOMEM;
		goto err_put_devices;
	}
	sd->df = df;
	sd->parent = parent;
	ret = settle_dev_register(&sd->dev, domain, -1, name,
				  &settle_devfreq_backend);
	if (ret)
		goto err_free;
	ret = settle_readers_attach(&sd->dev, reader, family,
				    ARRAY_SIZE(family));
	if (ret && strcmp(reader, "auto"))
		goto err_unregister_dev;
	sd->nb.notifier_call = settle_devfreq_notify;
	ret = devfreq_register_notifier(df, &sd->nb,
					DEVFREQ_TRANSITION_NOTIFIER);
	if (ret)
		goto err_unregister_dev;
	settle_dfs[settle_ndfs] = sd;
	/* Published complete: the request kprobe reads the list unlocked. */
	smp_store_release(&settle_ndfs, settle_ndfs + 1);
	pr_info("%s %s: devfreq, reader %s\n", settle_domain_name(domain),
		name, sd->dev.reader ? sd->dev.reader->name :
		"none (no settle:effective)");
	return 0;

err_unregister_dev:
	settle_dev_unregister(&sd->dev);
err_free:
	kfree(sd);
err_put_devices:
	put_device(&df->dev);
	put_device(parent);
	return ret;
}

/**
 * settle_devfreq_init() - attach the named devfreq devices to a domain
 * @domain: enum settle_domain
 * @names: comma-separated platform device names; absent ones are skipped
 * @reader: "auto" or the reader to insist on
 *
 * May be called once per domain.  The devices must stay bound while
 * settle.ko is loaded: unload settle before their drivers.
 *
 * Return: 0 (also when none of the devices exists), or a negative errno
 * when one exists but cannot be attached.
 */
int settle_devfreq_init(u32 domain, const char *names, const char *reader)
{
	int ret = settle_attach_names(domain, names, reader,
				      settle_devfreq_attach);

	if (ret)
		settle_devfreq_exit();
	return ret;
}

/**
 * settle_devfreq_dev() - settle's device of a devfreq device
 * @df: the devfreq device
 *
 * For the request kprobe, in any context.
 *
 * Return: the device, or NULL when @df is not attached.
 */
struct settle_dev *settle_devfreq_dev(struct devfreq *df)
{
	unsigned int i;

	for (i = 0; i < READ_ONCE(settle_ndfs); i++)
		if (settle_dfs[i]->df == df)
			return &settle_dfs[i]->dev;
	return NULL;
}

/**
 * settle_devfreq_exit() - detach every devfreq device
 */
void settle_devfreq_exit(void)
{
	while (settle_ndfs)
		settle_devfreq_detach(settle_dfs[--settle_ndfs]);
}
