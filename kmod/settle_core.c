// SPDX-License-Identifier: GPL-2.0
/*
 * The shared core: transition ids, the device registry, the request /
 * driver entry / driver exit bookkeeping every backend calls, cross-domain
 * links and reader selection.  Nothing here knows a framework.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/lockdep.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "settle.h"
#include "settle_compat.h"
#include "settle_trace.h"

/* GPUs and memory clocks per board: a handful at most. */
#define SETTLE_MAX_DEVS		8
/* Driver calls nested inside each other at once, all CPUs together. */
#define SETTLE_MAX_NESTED	16

static atomic64_t settle_next_id = ATOMIC64_INIT(0);
static atomic64_t settle_event_seq = ATOMIC64_INIT(0);

static const char *const settle_domain_names[SETTLE_DOMAINS] = {
	[SETTLE_DOMAIN_CPU] = "cpu",
	[SETTLE_DOMAIN_GPU] = "gpu",
	[SETTLE_DOMAIN_EMC] = "emc",
};

/*
 * Registered devices, by domain and index.  Written only at load and
 * unload, before /dev/settle exists and after it is gone, so readers need
 * no lock.
 */
static struct settle_dev **settle_devs[SETTLE_DOMAINS];
static u32 settle_ndevs[SETTLE_DOMAINS];

/*
 * Driver calls in progress: a request made by the task that is inside
 * another device's driver call was caused by that call (a CPU transition
 * that raises the memory clock).
 */
static struct {
	struct task_struct *task;
	u64 id;
} settle_nested[SETTLE_MAX_NESTED];
static DEFINE_RAW_SPINLOCK(settle_nested_lock);

static struct kthread_worker *settle_kworker;

/**
 * settle_new_id() - allocate a transition id
 *
 * Ids are never reused within one load of the module, so a reader pairs the
 * events of one transition without guessing.
 *
 * Return: a new id, never 0.
 */
u64 settle_new_id(void)
{
	return atomic64_inc_return(&settle_next_id);
}

/**
 * settle_event_seq_next() - the next settle:* event number
 *
 * One sequence for every event and device, so a recorder finds a missed
 * event as a gap whatever it was.  Call it through settle_event().
 *
 * Return: a new number, never 0.
 */
u64 settle_event_seq_next(void)
{
	return atomic64_inc_return(&settle_event_seq);
}

/**
 * settle_event_seq_now() - the last event number drawn so far
 *
 * Return: it, 0 if none (SETTLE_IOC_EVENT_SEQ).
 */
u64 settle_event_seq_now(void)
{
	return atomic64_read(&settle_event_seq);
}

/**
 * settle_domain_name() - a domain's name as users write it
 * @domain: enum settle_domain
 *
 * Return: "cpu", "gpu", "emc" or "?".
 */
const char *settle_domain_name(u32 domain)
{
	return domain < SETTLE_DOMAINS ? settle_domain_names[domain] : "?";
}

/**
 * settle_worker() - the kthread that samples readers which sleep
 *
 * Return: the worker, valid between settle_core_init() and _exit().
 */
struct kthread_worker *settle_worker(void)
{
	return settle_kworker;
}

/**
 * settle_core_init() - allocate the registry and the sampling worker
 *
 * Return: 0 or a negative errno.
 */
int settle_core_init(void)
{
	u32 dom;
	int ret;

	settle_ndevs[SETTLE_DOMAIN_CPU] = nr_cpu_ids;
	settle_ndevs[SETTLE_DOMAIN_GPU] = SETTLE_MAX_DEVS;
	settle_ndevs[SETTLE_DOMAIN_EMC] = SETTLE_MAX_DEVS;
	for (dom = 0; dom < SETTLE_DOMAINS; dom++) {
		settle_devs[dom] = kcalloc(settle_ndevs[dom],
					   sizeof(*settle_devs[dom]),
					   GFP_KERNEL);
		if (!settle_devs[dom]) {
			ret = -ENOMEM;
			goto err_free_registry;
		}
	}

	settle_kworker = kthread_create_worker(0, "settle");
	if (IS_ERR(settle_kworker)) {
		ret = PTR_ERR(settle_kworker);
		settle_kworker = NULL;
		goto err_free_registry;
	}
	/* A sleeping reader's sample should not queue behind normal tasks. */
	sched_set_fifo(settle_kworker->task);
	return 0;

err_free_registry:
	for (dom = 0; dom < SETTLE_DOMAINS; dom++) {
		kfree(settle_devs[dom]);
		settle_devs[dom] = NULL;
	}
	return ret;
}

/**
 * settle_core_exit() - free what settle_core_init() took
 *
 * Every device is unregistered by now.
 */
void settle_core_exit(void)
{
	u32 dom;

	kthread_destroy_worker(settle_kworker);
	settle_kworker = NULL;
	for (dom = 0; dom < SETTLE_DOMAINS; dom++) {
		kfree(settle_devs[dom]);
		settle_devs[dom] = NULL;
	}
}

/**
 * settle_dev_register() - add a device to a domain
 * @d: the device, zeroed or reused after settle_dev_unregister()
 * @domain: enum settle_domain
 * @index: the index its events carry, or -1 for the next free one
 * @name: shown to users and written into traces
 * @backend: the framework that drives it
 *
 * Return: 0, -ENOSPC when the domain is full, -EBUSY when @index is taken.
 */
int settle_dev_register(struct settle_dev *d, u32 domain, int index,
			const char *name,
			const struct settle_backend_ops *backend)
{
	u32 i;

	if (domain >= SETTLE_DOMAINS)
		return -EINVAL;
	if (index < 0) {
		for (i = 0; i < settle_ndevs[domain]; i++)
			if (!settle_devs[domain][i])
				break;
	} else {
		i = index;
	}
	if (i >= settle_ndevs[domain])
		return -ENOSPC;
	if (settle_devs[domain][i])
		return -EBUSY;

	raw_spin_lock_init(&d->lock);
	d->domain = domain;
	d->index = i;
	strscpy(d->name, name, sizeof(d->name));
	d->backend = backend;
	settle_sampler_init(d);
	settle_devs[domain][i] = d;
	return 0;
}

/**
 * settle_dev_unregister() - remove a device; its hooks are gone already
 * @d: the device
 *
 * Stops its sampler and releases its reader.  May sleep.
 */
void settle_dev_unregister(struct settle_dev *d)
{
	settle_sampler_cancel(d);
	settle_readers_detach(d);
	if (d->domain < SETTLE_DOMAINS && settle_devs[d->domain] &&
	    settle_devs[d->domain][d->index] == d)
		settle_devs[d->domain][d->index] = NULL;
}

/**
 * settle_dev_claim() - save what a device's first step of a session changes
 * @d: the device
 *
 * Called by backends at the start of a step, with the controller's lock
 * held.  settle_ctl puts back every device with @d->saved when the session
 * ends.
 *
 * Return: 0, or the backend's error (the device may be partly saved).
 */
int settle_dev_claim(struct settle_dev *d)
{
	return d->saved ? 0 : d->backend->save(d);
}

/**
 * settle_dev_get() - a device by the index its events carry
 * @domain: enum settle_domain
 * @index: device index
 *
 * Return: the device, or NULL.
 */
struct settle_dev *settle_dev_get(u32 domain, u32 index)
{
	if (domain >= SETTLE_DOMAINS || !settle_devs[domain] ||
	    index >= settle_ndevs[domain])
		return NULL;
	return settle_devs[domain][index];
}

static bool settle_dev_present(struct settle_dev *d)
{
	return d && (!d->backend->present || d->backend->present(d));
}

/**
 * settle_dev_nth() - the @n-th present device of a domain, for listings
 * @domain: enum settle_domain
 * @n: 0, 1, ...
 *
 * Return: the device, or NULL past the last.
 */
struct settle_dev *settle_dev_nth(u32 domain, u32 n)
{
	u32 i;

	if (domain >= SETTLE_DOMAINS || !settle_devs[domain])
		return NULL;
	for (i = 0; i < settle_ndevs[domain]; i++) {
		struct settle_dev *d = settle_devs[domain][i];

		if (settle_dev_present(d) && n-- == 0)
			return d;
	}
	return NULL;
}

/**
 * settle_dev_for_each() - call @fn for every registered device
 * @fn: the callback; it may sleep
 */
void settle_dev_for_each(void (*fn)(struct settle_dev *d))
{
	u32 dom, i;

	for (dom = 0; dom < SETTLE_DOMAINS; dom++)
		for (i = 0; settle_devs[dom] && i < settle_ndevs[dom]; i++)
			if (settle_devs[dom][i])
				fn(settle_devs[dom][i]);
}

/**
 * settle_domains_attached() - which domains have a device
 *
 * Return: a bit per enum settle_domain.
 */
u32 settle_domains_attached(void)
{
	u32 dom, mask = 0;

	for (dom = 0; dom < SETTLE_DOMAINS; dom++)
		if (settle_dev_nth(dom, 0))
			mask |= BIT(dom);
	return mask;
}

static void settle_nested_push(u64 id)
{
	unsigned long flags;
	int i;

	raw_spin_lock_irqsave(&settle_nested_lock, flags);
	for (i = 0; i < SETTLE_MAX_NESTED; i++) {
		if (!settle_nested[i].task) {
			settle_nested[i].task = current;
			settle_nested[i].id = id;
			break;
		}
	}
	raw_spin_unlock_irqrestore(&settle_nested_lock, flags);
}

static void settle_nested_pop(u64 id)
{
	unsigned long flags;
	int i;

	raw_spin_lock_irqsave(&settle_nested_lock, flags);
	for (i = 0; i < SETTLE_MAX_NESTED; i++) {
		if (settle_nested[i].task == current &&
		    settle_nested[i].id == id) {
			settle_nested[i].task = NULL;
			break;
		}
	}
	raw_spin_unlock_irqrestore(&settle_nested_lock, flags);
}

/* The newest driver call the current task is inside, or 0. */
static u64 settle_nested_parent(void)
{
	unsigned long flags;
	u64 parent = 0;
	int i;

	raw_spin_lock_irqsave(&settle_nested_lock, flags);
	for (i = 0; i < SETTLE_MAX_NESTED; i++)
		if (settle_nested[i].task == current &&
		    settle_nested[i].id > parent)
			parent = settle_nested[i].id;
	raw_spin_unlock_irqrestore(&settle_nested_lock, flags);
	return parent;
}

/**
 * settle_request_note() - a governor asked @d for a new rate (a kprobe)
 * @d: the device
 * @ts: CLOCK_MONOTONIC of the request
 * @source: enum settle_req_source
 *
 * The next driver entry takes this time as its request, unless a step
 * already holds the exact one.
 */
void settle_request_note(struct settle_dev *d, u64 ts, u32 source)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&d->lock, flags);
	if (!d->step_active) {
		d->req_valid = true;
		d->req_id = 0;
		d->req_ts = ts;
		d->req_source = source;
	}
	raw_spin_unlock_irqrestore(&d->lock, flags);
}

/**
 * settle_entry() - the framework is about to call @d's driver
 * @d: the device
 * @old_khz: its rate before
 * @new_khz: the rate it is asked for
 *
 * Pairs the entry with its request (a step's, a kprobe's, or itself when
 * none was seen), notes a parent transition, and starts the sampler.  Any
 * context: may be called with preemption off (clk tracepoints).
 *
 * Return: the transition id.
 */
u64 settle_entry(struct settle_dev *d, u32 old_khz, u32 new_khz)
{
	return settle_entry_source(d, old_khz, new_khz, SETTLE_REQ_NOTIFIER);
}

/**
 * settle_entry_source() - settle_entry() for a hook that is its own request
 * @d: the device
 * @old_khz: its rate before, 0 if not known
 * @new_khz: the rate asked for, 0 if not known (any change then counts)
 * @source: enum settle_req_source the request gets when no step or
 *	kprobe holds an earlier one
 *
 * Return: the transition id.
 */
u64 settle_entry_source(struct settle_dev *d, u32 old_khz, u32 new_khz,
			u32 source)
{
	unsigned long flags;
	u64 now, req_ts, id;

	now = ktime_get_ns();
	req_ts = now;
	raw_spin_lock_irqsave(&d->lock, flags);
	if (d->req_valid && now - d->req_ts <= SETTLE_REQ_MAX_AGE_NS) {
		req_ts = d->req_ts;
		source = d->req_source;
		id = d->req_id ? d->req_id : settle_new_id();
	} else {
		id = settle_new_id();
	}
	d->req_valid = false;
	d->id = id;
	raw_spin_unlock_irqrestore(&d->lock, flags);

	/* A step has written its request event already, with the exact time. */
	if (source != SETTLE_REQ_STEP)
		settle_event(request, id, req_ts, settle_nested_parent(), d->domain,
			      d->index, old_khz, new_khz, source);
	settle_nested_push(id);
	/*
	 * Driver entry is stamped after settle's own work, the sampler's
	 * first sample and start included, so that work is not counted as
	 * stall.
	 */
	settle_sampler_start(d, id, new_khz);
	settle_event(driver_entry, id, ktime_get_ns(), d->domain, d->index, old_khz,
			   new_khz);
	return id;
}

/**
 * settle_exit() - @d's driver call returned
 * @d: the device
 * @old_khz: its rate before
 * @new_khz: the rate the framework now believes
 */
void settle_exit(struct settle_dev *d, u32 old_khz, u32 new_khz)
{
	u64 now = ktime_get_ns();
	u64 id = READ_ONCE(d->id);

	settle_event(driver_exit, id, now, d->domain, d->index, old_khz, new_khz);
	settle_nested_pop(id);
}

/**
 * settle_step_begin() - stamp a step's request, just before the driver call
 * @d: the device
 * @st: the step; its id and t_request_ns are filled in
 * @from_khz: the rate the device has now
 */
void settle_step_begin(struct settle_dev *d, struct settle_step *st,
		       u32 from_khz)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&d->lock, flags);
	d->step_active = true;
	d->req_valid = true;
	d->req_id = settle_new_id();
	d->req_source = SETTLE_REQ_STEP;
	d->req_ts = ktime_get_ns();
	st->id = d->req_id;
	st->t_request_ns = d->req_ts;
	raw_spin_unlock_irqrestore(&d->lock, flags);

	settle_event(request, st->id, st->t_request_ns, 0, d->domain, d->index,
		      from_khz, st->target_khz, SETTLE_REQ_STEP);
}

/**
 * settle_step_end() - the step's driver call returned
 * @d: the device
 * @st: the step; t_exit_ns and event_dev are filled in
 */
void settle_step_end(struct settle_dev *d, struct settle_step *st)
{
	unsigned long flags;

	st->t_exit_ns = ktime_get_ns();
	st->event_dev = d->index;
	raw_spin_lock_irqsave(&d->lock, flags);
	d->step_active = false;
	d->req_valid = false;
	raw_spin_unlock_irqrestore(&d->lock, flags);
}

/**
 * settle_note_governor() - report a device's governor when it changed
 * @d: the device
 * @gov: the governor's name
 * @min_khz: current lower limit
 * @max_khz: current upper limit
 * @now: CLOCK_MONOTONIC of the observation
 *
 * Frameworks have no notifier for governor switches, so a switch is seen
 * at the next transition or limits change of the device.
 */
void settle_note_governor(struct settle_dev *d, const char *gov, u32 min_khz,
			  u32 max_khz, u64 now)
{
	unsigned long flags;
	bool changed;

	raw_spin_lock_irqsave(&d->lock, flags);
	changed = strncmp(d->governor, gov, sizeof(d->governor)) != 0;
	if (changed)
		strscpy(d->governor, gov, sizeof(d->governor));
	raw_spin_unlock_irqrestore(&d->lock, flags);
	if (changed)
		settle_event(policy, now, d->domain, d->index, SETTLE_POLICY_OBSERVED,
			     min_khz, max_khz, gov);
}

static int settle_reader_try(struct settle_dev *d,
			     const struct settle_reader_ops *ops)
{
	int ret = ops->attach ? ops->attach(d) : 0;

	if (!ret)
		d->reader = ops;
	return ret;
}

/**
 * settle_readers_attach() - choose the reader of a device
 * @d: the device
 * @want: "auto" (the first of @family that attaches), or a reader's name
 * @family: the readers that apply to the device's domain, best first
 * @n: entries in @family
 *
 * Return: 0, -ENODEV when the named reader cannot read @d, or -EINVAL for
 * a name not in @family.
 */
int settle_readers_attach(struct settle_dev *d, const char *want,
			  const struct settle_reader_ops *const *family,
			  unsigned int n)
{
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++) {
		if (!family[i])
			continue;
		if (!strcmp(want, "auto")) {
			if (!settle_reader_try(d, family[i]))
				return 0;
		} else if (!strcmp(want, family[i]->name)) {
			ret = settle_reader_try(d, family[i]);
			if (ret)
				pr_err("%s %s: reader %s cannot read it (%d)\n",
				       settle_domain_name(d->domain), d->name,
				       want, ret);
			return ret;
		}
	}
	if (strcmp(want, "auto")) {
		pr_err("%s %s: no reader named '%s' here\n",
		       settle_domain_name(d->domain), d->name, want);
		return -EINVAL;
	}
	pr_warn("%s %s: no reader can read it\n",
		settle_domain_name(d->domain), d->name);
	return -ENODEV;
}

/**
 * settle_readers_detach() - release a device's reader
 * @d: the device
 */
void settle_readers_detach(struct settle_dev *d)
{
	if (d->reader && d->reader->detach)
		d->reader->detach(d);
	d->reader = NULL;
}

/**
 * settle_sysfs_read() - read a sysfs attribute as a user would
 * @path: the attribute
 * @val: where the value goes, whitespace trimmed
 * @len: size of @val
 *
 * For what frameworks keep private (governor names) or change only through
 * their attributes.  Process context; never from a transition hook.
 *
 * Return: 0 or a negative errno.
 */
int settle_sysfs_read(const char *path, char *val, size_t len)
{
	struct file *f = filp_open(path, O_RDONLY, 0);
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

/**
 * settle_sysfs_write() - write a sysfs attribute as a user would
 * @path: the attribute
 * @val: the value
 *
 * Return: 0 or a negative errno; failures are logged.
 */
int settle_sysfs_write(const char *path, const char *val)
{
	struct file *f = filp_open(path, O_WRONLY, 0);
	loff_t pos = 0;
	ssize_t n;

	if (IS_ERR(f))
		n = PTR_ERR(f);
	else
		n = kernel_write(f, val, strlen(val), &pos);
	if (!IS_ERR(f))
		filp_close(f, NULL);
	if (n < 0) {
		pr_warn("writing '%s' to %s failed: %zd\n", val, path, n);
		return n;
	}
	return 0;
}

/**
 * settle_attach_names() - attach each device of a comma-separated list
 * @domain: enum settle_domain
 * @names: the list; blanks around names and empty entries are ignored
 * @reader: "auto" or the reader to insist on
 * @attach: the backend's attach; -ENOENT means "not on this machine"
 *
 * Return: 0 (also when none of the devices exists), or the first other
 * error, after which the caller detaches what was attached.
 */
int settle_attach_names(u32 domain, const char *names, const char *reader,
			int (*attach)(u32 domain, const char *name,
				      const char *reader))
{
	char *list, *cur, *name;
	int ret = 0;

	list = kstrdup(names, GFP_KERNEL);
	if (!list)
		return -ENOMEM;
	cur = list;
	while ((name = strsep(&cur, ",")) != NULL) {
		name = strim(name);
		if (!*name)
			continue;
		ret = attach(domain, name, reader);
		if (ret == -ENOENT) {
			pr_debug("%s %s: not on this machine\n",
				 settle_domain_name(domain), name);
			ret = 0;
			continue;
		}
		if (ret) {
			pr_err("%s %s: cannot attach: %d\n",
			       settle_domain_name(domain), name, ret);
			break;
		}
	}
	kfree(list);
	return ret;
}
