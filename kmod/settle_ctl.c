// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/settle: active steps, timed inside the kernel.
 *
 * One controller at a time.  The first step on a policy saves its governor,
 * limits and (for userspace) set speed, switches it to the userspace
 * governor and opens its limits to the hardware range; closing the file puts
 * everything back.  The kernel closes the file of a controller that exits,
 * crashes or is killed, so a campaign never leaves a policy stuck.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cpu.h>
#include <linux/cpufreq.h>
#include <linux/fs.h>
#include <linux/ktime.h>
#include <linux/miscdevice.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include "settle.h"
#include "settle_compat.h"
#include "settle_trace.h"

#define SETTLE_ATTR_LEN		32

/**
 * struct settle_saved - what a policy looked like before the first step
 * @saved: the fields below hold a policy to restore
 * @governor: scaling_governor
 * @min: scaling_min_freq
 * @max: scaling_max_freq
 * @setspeed: scaling_setspeed, when @governor is userspace
 */
struct settle_saved {
	bool saved;
	char governor[CPUFREQ_NAME_LEN];
	char min[SETTLE_ATTR_LEN];
	char max[SETTLE_ATTR_LEN];
	char setspeed[SETTLE_ATTR_LEN];
};

/**
 * struct settle_session - one open of /dev/settle
 * @lock: serialises steps and the final restore
 * @saved: indexed by policy->cpu
 * @restore: puts the saved policies back, from a kworker
 */
struct settle_session {
	struct mutex lock;
	struct settle_saved *saved;
	struct work_struct restore;
};

static unsigned long settle_ctl_busy;

/*
 * Policies are changed through their sysfs attributes: cpufreq exports no
 * call to switch governors, and going through the same store functions as a
 * user keeps every cpufreq invariant (QoS requests, governor start/stop).
 */
static struct file *settle_attr_open(unsigned int cpu, const char *attr,
				     int flags)
{
	char path[96];
	int n;

	n = snprintf(path, sizeof(path),
		     "/sys/devices/system/cpu/cpu%u/cpufreq/%s", cpu, attr);
	if (n >= sizeof(path))
		return ERR_PTR(-ENAMETOOLONG);
	return filp_open(path, flags, 0);
}

static int settle_attr_read(unsigned int cpu, const char *attr, char *val,
			    size_t len)
{
	struct file *f = settle_attr_open(cpu, attr, O_RDONLY);
	loff_t pos = 0;
	ssize_t n;

	if (IS_ERR(f))
		return PTR_ERR(f);
	n = kernel_read(f, val, len - 1, &pos);
	filp_close(f, NULL);
	if (n < 0)
		return n;
	val[n] = '\0';
	strim(val);
	return 0;
}

static int settle_attr_write(unsigned int cpu, const char *attr,
			     const char *val)
{
	struct file *f = settle_attr_open(cpu, attr, O_WRONLY);
	loff_t pos = 0;
	ssize_t n;

	if (IS_ERR(f))
		return PTR_ERR(f);
	n = kernel_write(f, val, strlen(val), &pos);
	filp_close(f, NULL);
	if (n < 0) {
		pr_warn("cpu%u: writing '%s' to %s failed: %zd\n", cpu, val,
			attr, n);
		return n;
	}
	return 0;
}

static int settle_policy_save(struct settle_session *ss,
			      struct cpufreq_policy *policy)
{
	struct settle_saved *sv = &ss->saved[policy->cpu];
	unsigned int cpu = policy->cpu;
	char val[SETTLE_ATTR_LEN];
	int ret;

	lockdep_assert_held(&ss->lock);
	if (sv->saved)
		return 0;

	ret = settle_attr_read(cpu, "scaling_governor", sv->governor,
			       sizeof(sv->governor));
	if (ret) {
		pr_warn("cpu%u: cannot read the policy to save it: %d\n", cpu,
			ret);
		return ret;
	}
	/*
	 * What the user asked for, not the effective limits the sysfs files
	 * show: restoring a thermally capped maximum as the user's own
	 * request would keep the cap after the campaign.
	 */
	snprintf(sv->min, sizeof(sv->min), "%u",
		 settle_qos_request_value(policy->min_freq_req, policy->min));
	snprintf(sv->max, sizeof(sv->max), "%u",
		 settle_qos_request_value(policy->max_freq_req, policy->max));
	sv->setspeed[0] = '\0';
	if (!strcmp(sv->governor, "userspace"))
		settle_attr_read(cpu, "scaling_setspeed", sv->setspeed,
				 sizeof(sv->setspeed));
	sv->saved = true;
	trace_cpu_policy(ktime_get_ns(), cpu, SETTLE_POLICY_SAVED,
			 policy->min, policy->max, sv->governor);

	ret = settle_attr_write(cpu, "scaling_governor", "userspace");
	if (ret) {
		pr_warn("cpu%u: cannot select the userspace governor (is cpufreq_userspace loaded?)\n",
			cpu);
		return ret;
	}
	snprintf(val, sizeof(val), "%u", policy->cpuinfo.max_freq);
	ret = settle_attr_write(cpu, "scaling_max_freq", val);
	if (ret)
		return ret;
	snprintf(val, sizeof(val), "%u", policy->cpuinfo.min_freq);
	return settle_attr_write(cpu, "scaling_min_freq", val);
}

static void settle_policy_restore(unsigned int cpu, struct settle_saved *sv)
{
	struct cpufreq_policy *policy;
	char val[SETTLE_ATTR_LEN];
	unsigned int action = SETTLE_POLICY_RESTORED;
	u32 min = 0, max = 0;
	int ret = -ENODEV;

	policy = cpufreq_cpu_get(cpu);
	if (policy) {
		/* Open the range first so neither bound is refused. */
		snprintf(val, sizeof(val), "%u", policy->cpuinfo.max_freq);
		ret = settle_attr_write(cpu, "scaling_max_freq", val);
		ret = ret ?: settle_attr_write(cpu, "scaling_min_freq", sv->min);
		ret = ret ?: settle_attr_write(cpu, "scaling_max_freq", sv->max);
		ret = ret ?: settle_attr_write(cpu, "scaling_governor",
					       sv->governor);
		if (!ret && sv->setspeed[0])
			ret = settle_attr_write(cpu, "scaling_setspeed",
						sv->setspeed);
		min = policy->min;
		max = policy->max;
		cpufreq_cpu_put(policy);
	}
	if (ret) {
		action = SETTLE_POLICY_RESTORE_FAILED;
		pr_err("cpu%u: could not restore governor %s, limits %s..%s kHz: %d\n",
		       cpu, sv->governor, sv->min, sv->max, ret);
	}
	trace_cpu_policy(ktime_get_ns(), cpu, action, min, max, sv->governor);
	sv->saved = false;
}

static bool settle_in_table(struct cpufreq_policy *policy, unsigned int khz)
{
	struct cpufreq_frequency_table *pos;

	cpufreq_for_each_valid_entry(pos, policy->freq_table)
		if (pos->frequency == khz)
			return true;
	return false;
}

static int settle_do_step(struct settle_session *ss,
			  struct settle_cpu_step *st)
{
	struct cpufreq_governor *gov;
	struct cpufreq_policy *policy;
	struct settle_slot *slot;
	unsigned long flags;
	u32 from;
	int ret;

	if (st->flags)
		return -EINVAL;
	if (st->cpu >= nr_cpu_ids || !cpu_online(st->cpu)) {
		pr_warn_ratelimited("step: cpu%u is not an online CPU\n", st->cpu);
		return -ENODEV;
	}
	policy = cpufreq_cpu_get(st->cpu);
	if (!policy) {
		pr_warn_ratelimited("step: cpu%u has no cpufreq policy\n", st->cpu);
		return -ENODEV;
	}
	if (!policy->freq_table) {
		pr_warn_ratelimited("step: cpu%u: the driver has no frequency table\n",
				    st->cpu);
		ret = -EOPNOTSUPP;
		goto out_put_policy;
	}
	if (!settle_in_table(policy, st->target_khz)) {
		pr_warn_ratelimited("step: cpu%u: %u kHz is not in the frequency table\n",
				    st->cpu, st->target_khz);
		ret = -EINVAL;
		goto out_put_policy;
	}
	slot = settle_slot_of(policy->cpu);

	mutex_lock(&ss->lock);
	ret = settle_policy_save(ss, policy);
	if (ret)
		goto out_unlock;
	/*
	 * The limits the save wrote reach the policy through cpufreq's
	 * update work.  Let it run now: run later, it would re-apply the
	 * governor's setspeed in the middle of the campaign.
	 */
	flush_work(&policy->update);

	down_write(&policy->rwsem);
	/*
	 * Through the userspace governor, as a scaling_setspeed write does:
	 * its setspeed must follow every step, because each later limits
	 * update (thermal caps included) re-applies it.
	 */
	gov = policy->governor;
	if (policy_is_inactive(policy) || !gov || !gov->store_setspeed) {
		pr_warn_ratelimited("step: cpu%u: the governor is no longer userspace\n",
				    st->cpu);
		ret = -EBUSY;
		goto out_unlock_policy;
	}
	from = policy->cur;
	if (from == st->target_khz) {
		ret = -EALREADY;
		goto out_unlock_policy;
	}

	raw_spin_lock_irqsave(&slot->lock, flags);
	slot->step_active = true;
	slot->req_valid = true;
	slot->req_id = settle_new_id();
	slot->req_source = SETTLE_REQ_STEP;
	slot->req_ts = ktime_get_ns();
	st->id = slot->req_id;
	st->t_request_ns = slot->req_ts;
	raw_spin_unlock_irqrestore(&slot->lock, flags);

	trace_cpu_request(st->id, st->t_request_ns, policy->cpu, from,
			  st->target_khz, SETTLE_REQ_STEP);
	ret = gov->store_setspeed(policy, st->target_khz);
	st->t_exit_ns = ktime_get_ns();

	raw_spin_lock_irqsave(&slot->lock, flags);
	slot->step_active = false;
	slot->req_valid = false;
	raw_spin_unlock_irqrestore(&slot->lock, flags);
	st->cur_khz = policy->cur;
out_unlock_policy:
	up_write(&policy->rwsem);
out_unlock:
	mutex_unlock(&ss->lock);
out_put_policy:
	cpufreq_cpu_put(policy);
	return ret;
}

static long settle_ctl_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	struct settle_session *ss = file->private_data;
	void __user *uarg = (void __user *)arg;
	struct settle_cpu_step st;
	struct settle_version v;
	int ret;

	switch (cmd) {
	case SETTLE_IOC_VERSION:
		memset(&v, 0, sizeof(v));
		v.api = SETTLE_API_VERSION;
		v.reader = settle_reader->id;
		v.sample_period_ns = READ_ONCE(settle_sample_period_ns);
		v.sample_timeout_us = READ_ONCE(settle_sample_timeout_us);
		v.kprobes = settle_kprobe_armed();
		return copy_to_user(uarg, &v, sizeof(v)) ? -EFAULT : 0;
	case SETTLE_IOC_CPU_STEP:
		if (copy_from_user(&st, uarg, sizeof(st)))
			return -EFAULT;
		ret = settle_do_step(ss, &st);
		if (ret)
			return ret;
		return copy_to_user(uarg, &st, sizeof(st)) ? -EFAULT : 0;
	default:
		return -ENOTTY;
	}
}

static int settle_ctl_open(struct inode *inode, struct file *file)
{
	struct settle_session *ss;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (test_and_set_bit(0, &settle_ctl_busy))
		return -EBUSY;

	ss = kzalloc(sizeof(*ss), GFP_KERNEL);
	if (!ss)
		goto err_clear_busy;
	ss->saved = kcalloc(nr_cpu_ids, sizeof(*ss->saved), GFP_KERNEL);
	if (!ss->saved)
		goto err_free_session;
	mutex_init(&ss->lock);
	file->private_data = ss;
	return 0;

err_free_session:
	kfree(ss);
err_clear_busy:
	clear_bit(0, &settle_ctl_busy);
	return -ENOMEM;
}

static void settle_ctl_restore_fn(struct work_struct *work)
{
	struct settle_session *ss = container_of(work, struct settle_session,
						 restore);
	unsigned int cpu;

	mutex_lock(&ss->lock);
	for (cpu = 0; cpu < nr_cpu_ids; cpu++)
		if (ss->saved[cpu].saved)
			settle_policy_restore(cpu, &ss->saved[cpu]);
	mutex_unlock(&ss->lock);
}

static int settle_ctl_release(struct inode *inode, struct file *file)
{
	struct settle_session *ss = file->private_data;

	/*
	 * The restore opens sysfs files by path.  A killed controller gets
	 * here from do_exit() after its fs_struct is gone, so the restore runs
	 * in a kworker; waiting for it keeps release synchronous: once the
	 * controller is reaped, its policies are back.
	 */
	INIT_WORK(&ss->restore, settle_ctl_restore_fn);
	queue_work(system_unbound_wq, &ss->restore);
	flush_work(&ss->restore);

	mutex_destroy(&ss->lock);
	kfree(ss->saved);
	kfree(ss);
	clear_bit(0, &settle_ctl_busy);
	return 0;
}

static const struct file_operations settle_ctl_fops = {
	.owner = THIS_MODULE,
	.open = settle_ctl_open,
	.release = settle_ctl_release,
	.unlocked_ioctl = settle_ctl_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice settle_ctl_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "settle",
	.fops = &settle_ctl_fops,
	.mode = 0600,
};

/**
 * settle_ctl_init() - create /dev/settle
 *
 * Return: 0 or the errno of misc_register().
 */
int settle_ctl_init(void)
{
	return misc_register(&settle_ctl_dev);
}

/**
 * settle_ctl_exit() - remove /dev/settle
 *
 * An open file holds a module reference, so no session is alive here.
 */
void settle_ctl_exit(void)
{
	misc_deregister(&settle_ctl_dev);
}
