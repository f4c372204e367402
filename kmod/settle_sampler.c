// SPDX-License-Identifier: GPL-2.0
/*
 * Effective-frequency sampler.  From driver entry on, an hrtimer reads the
 * CPU's frequency readout every sample_period_ns until the readout shows the
 * target (or sample_timeout_us passes).  The first sample showing the target
 * and the last one before it bracket the moment the hardware changed; both
 * go into settle:cpu_effective so reports can state the bound.
 *
 * The timer runs where the driver was entered, or on sample_cpu.  A
 * housekeeping CPU keeps the sampler's interrupts off the controller; in a
 * qemu -icount guest it is needed, because a vCPU that re-arms a timer is
 * switched out at once and its interrupted task then never runs while
 * another vCPU is busy (Documentation/testbed.rst).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/delay.h>
#include <linux/lockdep.h>
#include <linux/rcupdate.h>
#include <linux/smp.h>

#include "settle.h"
#include "settle_compat.h"
#include "settle_trace.h"

static bool settle_reached(u32 khz, u32 target)
{
	u32 tol = settle_reader->tolerance_khz;

	return khz + tol >= target && khz <= target + tol;
}

/* Finish the transition being sampled; the caller holds s->lock. */
static void settle_sampler_finish(struct settle_slot *s, u64 ts, u32 khz,
				  u32 cost_ns, u32 status)
{
	lockdep_assert_held(&s->lock);
	trace_cpu_effective(s->s_id, ts, s->s_prev_ts, s->cpu, khz, cost_ns,
			    s->s_samples, settle_reader->id, status);
	s->sampling = false;
}

/*
 * Take one sample of the slot's CPU and judge it; the caller holds s->lock.
 * Returns true while the transition is still to be sampled.
 */
static bool settle_sample_locked(struct settle_slot *s)
{
	u64 t0, t1;
	u32 khz;

	lockdep_assert_held(&s->lock);
	t0 = ktime_get_ns();
	khz = settle_reader->read_khz(s->cpu);
	t1 = ktime_get_ns();

	s->s_samples++;
	if (settle_reached(khz, s->s_target)) {
		settle_sampler_finish(s, t0, khz, t1 - t0, SETTLE_EFF_SETTLED);
		return false;
	}
	if (t0 - s->s_start >
	    (u64)READ_ONCE(settle_sample_timeout_us) * NSEC_PER_USEC) {
		settle_sampler_finish(s, t0, khz, t1 - t0, SETTLE_EFF_TIMEOUT);
		return false;
	}
	s->s_prev_ts = t0;
	return true;
}

/* Start the periodic timer; the caller holds s->lock. */
static void settle_sampler_arm(struct settle_slot *s)
{
	int cpu = READ_ONCE(settle_sample_cpu);
	ktime_t period = ns_to_ktime(READ_ONCE(settle_sample_period_ns));

	lockdep_assert_held(&s->lock);
	if (cpu < 0 || cpu == smp_processor_id() || !cpu_online(cpu)) {
		hrtimer_start(&s->timer, period, HRTIMER_MODE_REL_HARD);
		return;
	}
	/* A pinned hrtimer starts on its CPU: ask that CPU, without waiting. */
	if (s->arm_queued)
		return;
	s->arm_queued = true;
	if (smp_call_function_single_async(cpu, &s->arm_csd)) {
		s->arm_queued = false;
		hrtimer_start(&s->timer, period, HRTIMER_MODE_REL_HARD);
	}
}

/* IPI on sample_cpu: start the timer there if the transition still wants it. */
static void settle_sampler_arm_remote(void *info)
{
	struct settle_slot *s = info;

	raw_spin_lock(&s->lock);
	s->arm_queued = false;
	if (s->sampling)
		hrtimer_start(&s->timer,
			      ns_to_ktime(READ_ONCE(settle_sample_period_ns)),
			      HRTIMER_MODE_REL_PINNED_HARD);
	raw_spin_unlock(&s->lock);
}

static enum hrtimer_restart settle_sample(struct hrtimer *t)
{
	struct settle_slot *s = container_of(t, struct settle_slot, timer);
	enum hrtimer_restart ret = HRTIMER_NORESTART;

	raw_spin_lock(&s->lock);
	if (s->sampling && settle_sample_locked(s)) {
		hrtimer_forward_now(t, ns_to_ktime(READ_ONCE(settle_sample_period_ns)));
		ret = HRTIMER_RESTART;
	}
	raw_spin_unlock(&s->lock);
	return ret;
}

/**
 * settle_sampler_init() - prepare a slot's sampler timer
 * @s: the slot
 */
void settle_sampler_init(struct settle_slot *s)
{
	settle_hrtimer_setup(&s->timer, settle_sample, CLOCK_MONOTONIC,
			     HRTIMER_MODE_REL_HARD);
	INIT_CSD(&s->arm_csd, settle_sampler_arm_remote, s);
}

/**
 * settle_sampler_start() - sample transition @id until it reaches @target_khz
 * @s: the policy's slot
 * @id: the transition
 * @target_khz: the rate the driver was asked for
 *
 * Called just before driver entry.  A transition still being sampled is
 * closed as superseded: its effective change, if any, can no longer be told
 * apart from this one's.
 */
void settle_sampler_start(struct settle_slot *s, u64 id, u32 target_khz)
{
	unsigned long flags;
	u64 now;

	raw_spin_lock_irqsave(&s->lock, flags);
	now = ktime_get_ns();
	if (s->sampling)
		settle_sampler_finish(s, now, 0, 0, SETTLE_EFF_SUPERSEDED);
	s->sampling = true;
	s->s_id = id;
	s->s_target = target_khz;
	s->s_start = now;
	s->s_prev_ts = now;
	s->s_samples = 0;
	/*
	 * The first sample is taken here rather than from an immediate timer:
	 * an interrupt inside the transition would be counted as stall.
	 */
	if (settle_sample_locked(s))
		settle_sampler_arm(s);
	raw_spin_unlock_irqrestore(&s->lock, flags);
}

/**
 * settle_sampler_cancel() - stop a slot's sampler for good
 * @s: the slot
 *
 * Called on unload after the notifier is gone, so nothing restarts it.
 * Must be able to sleep.
 */
void settle_sampler_cancel(struct settle_slot *s)
{
	unsigned long flags;
	bool queued;

	raw_spin_lock_irqsave(&s->lock, flags);
	if (s->sampling)
		settle_sampler_finish(s, ktime_get_ns(), 0, 0,
				      SETTLE_EFF_CANCELLED);
	raw_spin_unlock_irqrestore(&s->lock, flags);

	/* A queued arm IPI is always delivered; it sees !sampling. */
	do {
		raw_spin_lock_irqsave(&s->lock, flags);
		queued = s->arm_queued;
		raw_spin_unlock_irqrestore(&s->lock, flags);
		if (queued)
			usleep_range(50, 100);
	} while (queued);
	/* ...and the handler has returned: it runs with irqs off. */
	synchronize_rcu();
	hrtimer_cancel(&s->timer);
}
