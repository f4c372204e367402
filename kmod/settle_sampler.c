// SPDX-License-Identifier: GPL-2.0
/*
 * Effective-rate sampler.  From driver entry on, the device's reader is
 * asked for the effective rate every sample_period_ns until it shows the
 * target (or sample_timeout_us passes).  The first sample showing the
 * target and the last one before it bracket the moment the hardware
 * changed; both go into settle:effective so reports can state the bound.
 *
 * Readers that cannot sleep are read from the hrtimer itself.  The timer
 * runs where the driver was entered, or on sample_cpu.  A housekeeping CPU
 * keeps the sampler's interrupts off the controller; in a qemu -icount
 * guest it is needed, because a vCPU that re-arms a timer is switched out
 * at once and its interrupted task then never runs while another vCPU is
 * busy (Documentation/testbed.rst).
 *
 * Readers that sleep (a clock framework call, a firmware round trip) are
 * read by settle's kthread worker, which the hrtimer wakes: the worker's
 * wakeup latency then adds to the detection bound, and the reader's own
 * cost (reported as cost_ns) bounds how finely it can sample.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/lockdep.h>
#include <linux/rcupdate.h>
#include <linux/smp.h>

#include "settle.h"
#include "settle_compat.h"
#include "settle_trace.h"

static bool settle_near(const struct settle_dev *d, u32 khz, u32 target)
{
	u32 tol = d->reader->tolerance_khz;

	return khz + tol >= target && khz <= target + tol;
}

/*
 * Whether a readout shows the transition done.  Without a target (a
 * bandwidth request) the first readout is the baseline and any other rate
 * is the change.
 */
static bool settle_reached(struct settle_dev *d, u32 khz)
{
	if (d->s_target)
		return settle_near(d, khz, d->s_target);
	if (!d->s_samples) {
		d->s_base = khz;
		return false;
	}
	return khz && !settle_near(d, khz, d->s_base);
}

/* Finish the transition being sampled; the caller holds d->lock. */
static void settle_sampler_finish(struct settle_dev *d, u64 ts, u32 khz,
				  u32 cost_ns, u32 status)
{
	lockdep_assert_held(&d->lock);
	settle_event(effective, d->s_id, ts, d->s_prev_ts, d->domain, d->index, khz,
			cost_ns, d->s_samples, d->reader->id, status);
	d->sampling = false;
}

/*
 * Judge one sample, taken from t0 to t1; the caller holds d->lock.
 * Returns true while the transition is still to be sampled.
 */
static bool settle_judge_locked(struct settle_dev *d, u64 t0, u64 t1, u32 khz)
{
	lockdep_assert_held(&d->lock);
	if (settle_reached(d, khz)) {
		d->s_samples++;
		settle_sampler_finish(d, t0, khz, t1 - t0, SETTLE_EFF_SETTLED);
		return false;
	}
	d->s_samples++;
	if (t0 - d->s_start >
	    (u64)READ_ONCE(settle_sample_timeout_us) * NSEC_PER_USEC) {
		settle_sampler_finish(d, t0, khz, t1 - t0, SETTLE_EFF_TIMEOUT);
		return false;
	}
	d->s_prev_ts = t0;
	return true;
}

/* Take one sample with a reader that does not sleep; d->lock is held. */
static bool settle_sample_locked(struct settle_dev *d)
{
	u64 t0, t1;
	u32 khz;

	lockdep_assert_held(&d->lock);
	t0 = ktime_get_ns();
	khz = d->reader->read_khz(d);
	t1 = ktime_get_ns();
	return settle_judge_locked(d, t0, t1, khz);
}

static ktime_t settle_period(void)
{
	return ns_to_ktime(READ_ONCE(settle_sample_period_ns));
}

/* Start the periodic timer; the caller holds d->lock. */
static void settle_sampler_arm(struct settle_dev *d)
{
	int cpu = READ_ONCE(settle_sample_cpu);

	lockdep_assert_held(&d->lock);
	if (cpu < 0 || cpu == smp_processor_id() || !cpu_online(cpu)) {
		hrtimer_start(&d->timer, settle_period(),
			      HRTIMER_MODE_REL_HARD);
		return;
	}
	/* A pinned hrtimer starts on its CPU: ask that CPU, without waiting. */
	if (d->arm_queued)
		return;
	d->arm_queued = true;
	if (smp_call_function_single_async(cpu, &d->arm_csd)) {
		d->arm_queued = false;
		hrtimer_start(&d->timer, settle_period(),
			      HRTIMER_MODE_REL_HARD);
	}
}

/* IPI on sample_cpu: start the timer there if the transition still wants it. */
static void settle_sampler_arm_remote(void *info)
{
	struct settle_dev *d = info;

	raw_spin_lock(&d->lock);
	d->arm_queued = false;
	if (d->sampling)
		hrtimer_start(&d->timer, settle_period(),
			      HRTIMER_MODE_REL_PINNED_HARD);
	raw_spin_unlock(&d->lock);
}

/* The worker's sample of a reader that sleeps. */
static void settle_sample_work(struct kthread_work *work)
{
	struct settle_dev *d = container_of(work, struct settle_dev, read_work);
	unsigned long flags;
	u64 id, t0, t1;
	u32 khz;

	raw_spin_lock_irqsave(&d->lock, flags);
	id = d->sampling ? d->s_id : 0;
	raw_spin_unlock_irqrestore(&d->lock, flags);
	if (!id)
		return;

	t0 = ktime_get_ns();
	khz = d->reader->read_khz(d);
	t1 = ktime_get_ns();

	raw_spin_lock_irqsave(&d->lock, flags);
	/* A newer transition began while the reader slept: not its sample. */
	if (d->sampling && d->s_id == id && settle_judge_locked(d, t0, t1, khz))
		hrtimer_start(&d->timer, settle_period(), HRTIMER_MODE_REL_HARD);
	raw_spin_unlock_irqrestore(&d->lock, flags);
}

static enum hrtimer_restart settle_sample(struct hrtimer *t)
{
	struct settle_dev *d = container_of(t, struct settle_dev, timer);
	enum hrtimer_restart ret = HRTIMER_NORESTART;

	if (d->reader->sleeps) {
		kthread_queue_work(settle_worker(), &d->read_work);
		return HRTIMER_NORESTART;
	}
	raw_spin_lock(&d->lock);
	if (d->sampling && settle_sample_locked(d)) {
		hrtimer_forward_now(t, settle_period());
		ret = HRTIMER_RESTART;
	}
	raw_spin_unlock(&d->lock);
	return ret;
}

/**
 * settle_sampler_init() - prepare a device's sampler
 * @d: the device
 */
void settle_sampler_init(struct settle_dev *d)
{
	settle_hrtimer_setup(&d->timer, settle_sample, CLOCK_MONOTONIC,
			     HRTIMER_MODE_REL_HARD);
	INIT_CSD(&d->arm_csd, settle_sampler_arm_remote, d);
	kthread_init_work(&d->read_work, settle_sample_work);
}

/**
 * settle_sampler_start() - sample transition @id until it reaches @target_khz
 * @d: the device
 * @id: the transition
 * @target_khz: the rate the driver was asked for
 *
 * Called just before driver entry, in any context.  A transition still
 * being sampled is closed as superseded: its effective change, if any, can
 * no longer be told apart from this one's.
 */
void settle_sampler_start(struct settle_dev *d, u64 id, u32 target_khz)
{
	unsigned long flags;
	u64 now;

	if (!d->reader)
		return;
	raw_spin_lock_irqsave(&d->lock, flags);
	now = ktime_get_ns();
	if (d->sampling)
		settle_sampler_finish(d, now, 0, 0, SETTLE_EFF_SUPERSEDED);
	d->sampling = true;
	d->s_id = id;
	d->s_target = target_khz;
	d->s_start = now;
	d->s_prev_ts = now;
	d->s_samples = 0;
	if (d->reader->sleeps) {
		/* Entry may be atomic (clk tracepoints): sample from the worker. */
		kthread_queue_work(settle_worker(), &d->read_work);
	} else if (settle_sample_locked(d)) {
		/*
		 * The first sample is taken here rather than from an
		 * immediate timer: an interrupt inside the transition would
		 * be counted as stall.
		 */
		settle_sampler_arm(d);
	}
	raw_spin_unlock_irqrestore(&d->lock, flags);
}

/**
 * settle_sampler_cancel() - stop a device's sampler for good
 * @d: the device
 *
 * Called on unload after the device's hooks are gone, so nothing restarts
 * it.  Must be able to sleep.
 */
void settle_sampler_cancel(struct settle_dev *d)
{
	unsigned long flags;
	bool queued;

	raw_spin_lock_irqsave(&d->lock, flags);
	if (d->sampling)
		settle_sampler_finish(d, ktime_get_ns(), 0, 0,
				      SETTLE_EFF_CANCELLED);
	raw_spin_unlock_irqrestore(&d->lock, flags);

	/* A queued arm IPI is always delivered; it sees !sampling. */
	do {
		raw_spin_lock_irqsave(&d->lock, flags);
		queued = d->arm_queued;
		raw_spin_unlock_irqrestore(&d->lock, flags);
		if (queued)
			usleep_range(50, 100);
	} while (queued);
	/* ...and the handler has returned: it runs with irqs off. */
	synchronize_rcu();
	hrtimer_cancel(&d->timer);
	/* A worker sample sees !sampling and does not re-arm the timer. */
	kthread_cancel_work_sync(&d->read_work);
	hrtimer_cancel(&d->timer);
}
