// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/settle: device queries and active steps, timed inside the kernel.
 *
 * Any number of files may be open for queries; the first step through a
 * file makes it the controller until it is closed.  The first step on a
 * device saves what the step changes (the backend's @save); closing the
 * controlling file puts everything back.  The kernel closes the file of a
 * controller that exits, crashes or is killed, so a campaign never leaves a
 * device stuck.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include "settle.h"
#include "settle_compat.h"

/*
 * Serialises steps and the final restore, and guards settle_ctl_owner and
 * every device's ->saved.
 */
static DEFINE_MUTEX(settle_ctl_lock);
static struct file *settle_ctl_owner;

static int settle_do_step(struct file *file, struct settle_step *st)
{
	struct settle_dev *d;
	int ret;

	if (st->flags)
		return -EINVAL;
	if (st->domain >= SETTLE_DOMAINS)
		return -EINVAL;
	d = settle_dev_get(st->domain, st->dev);
	if (!d) {
		pr_warn_ratelimited("step: %s device %u does not exist\n",
				    settle_domain_name(st->domain), st->dev);
		return -ENODEV;
	}
	if (!d->backend->step)
		return -EOPNOTSUPP;

	mutex_lock(&settle_ctl_lock);
	if (settle_ctl_owner && settle_ctl_owner != file) {
		ret = -EBUSY;
		goto out_unlock;
	}
	settle_ctl_owner = file;
	ret = d->backend->step(d, st);
out_unlock:
	mutex_unlock(&settle_ctl_lock);
	return ret;
}

static int settle_do_device(struct settle_device_info *info)
{
	u32 domain = info->domain, index = info->index;
	struct settle_dev *d;
	int ret;

	if (domain >= SETTLE_DOMAINS)
		return -EINVAL;
	d = settle_dev_nth(domain, index);
	if (!d)
		return -ENOENT;
	memset(info, 0, sizeof(*info));
	info->domain = domain;
	info->index = index;
	info->dev = d->index;
	info->backend = d->backend->id;
	info->reader = d->reader ? d->reader->id : SETTLE_READER_NONE;
	strscpy(info->name, d->name, sizeof(info->name));
	ret = d->backend->info(d, info);
	if (!d->backend->step)
		info->flags &= ~SETTLE_DEV_STEPPABLE;
	return ret;
}

static long settle_ctl_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	struct settle_device_info *info;
	struct settle_cpu_step cst;
	struct settle_version v;
	struct settle_step st;
	int ret;

	switch (cmd) {
	case SETTLE_IOC_VERSION:
		memset(&v, 0, sizeof(v));
		v.api = SETTLE_API_VERSION;
		v.reader = settle_cpufreq_reader_id();
		v.sample_period_ns = READ_ONCE(settle_sample_period_ns);
		v.sample_timeout_us = READ_ONCE(settle_sample_timeout_us);
		v.kprobes = settle_kprobe_armed();
		v.domains = settle_domains_attached();
		mutex_lock(&settle_ctl_lock);
		v.controlled = settle_ctl_owner && settle_ctl_owner != file;
		mutex_unlock(&settle_ctl_lock);
		return copy_to_user(uarg, &v, sizeof(v)) ? -EFAULT : 0;
	case SETTLE_IOC_EVENT_SEQ:
		return put_user(settle_event_seq_now(), (__u64 __user *)uarg);
	case SETTLE_IOC_STEP:
		if (copy_from_user(&st, uarg, sizeof(st)))
			return -EFAULT;
		ret = settle_do_step(file, &st);
		if (ret)
			return ret;
		return copy_to_user(uarg, &st, sizeof(st)) ? -EFAULT : 0;
	case SETTLE_IOC_CPU_STEP:
		if (copy_from_user(&cst, uarg, sizeof(cst)))
			return -EFAULT;
		st = (struct settle_step){
			.domain = SETTLE_DOMAIN_CPU,
			.dev = cst.cpu,
			.target_khz = cst.target_khz,
			.flags = cst.flags,
		};
		ret = settle_do_step(file, &st);
		if (ret)
			return ret;
		cst.cur_khz = st.cur_khz;
		cst.id = st.id;
		cst.t_request_ns = st.t_request_ns;
		cst.t_exit_ns = st.t_exit_ns;
		return copy_to_user(uarg, &cst, sizeof(cst)) ? -EFAULT : 0;
	case SETTLE_IOC_DEVICE:
		/* Too big for the stack of a syscall. */
		info = kmalloc(sizeof(*info), GFP_KERNEL);
		if (!info)
			return -ENOMEM;
		ret = -EFAULT;
		if (copy_from_user(info, uarg, sizeof(*info)))
			goto out_free_info;
		ret = settle_do_device(info);
		if (!ret && copy_to_user(uarg, info, sizeof(*info)))
			ret = -EFAULT;
out_free_info:
		kfree(info);
		return ret;
	default:
		return -ENOTTY;
	}
}

static int settle_ctl_open(struct inode *inode, struct file *file)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	return 0;
}

static void settle_ctl_restore_dev(struct settle_dev *d)
{
	if (!d->saved)
		return;
	d->backend->restore(d);
	d->saved = false;
}

static void settle_ctl_restore_fn(struct work_struct *work)
{
	mutex_lock(&settle_ctl_lock);
	settle_dev_for_each(settle_ctl_restore_dev);
	settle_ctl_owner = NULL;
	mutex_unlock(&settle_ctl_lock);
}

static int settle_ctl_release(struct inode *inode, struct file *file)
{
	struct work_struct restore;
	bool owner;

	mutex_lock(&settle_ctl_lock);
	owner = settle_ctl_owner == file;
	mutex_unlock(&settle_ctl_lock);
	if (!owner)
		return 0;
	/*
	 * The cpufreq restore opens sysfs files by path.  A killed controller
	 * gets here from do_exit() after its fs_struct is gone, so the
	 * restore runs in a kworker; waiting for it keeps release
	 * synchronous: once the controller is reaped, its devices are back.
	 */
	INIT_WORK_ONSTACK(&restore, settle_ctl_restore_fn);
	queue_work(system_unbound_wq, &restore);
	flush_work(&restore);
	destroy_work_on_stack(&restore);
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
