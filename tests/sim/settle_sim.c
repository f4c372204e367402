// SPDX-License-Identifier: GPL-2.0
/*
 * settle_sim - a simulated Jetson CPU DVFS domain for testing settle.
 *
 * Registers a real cpufreq driver, one policy per CPU, whose transitions
 * behave like Tegra's in the three ways settle measures:
 *
 *  - stall:    ->target_index() busy-waits stall_ns (the blocking actuation
 *              call, like the BPMP request on Tegra);
 *  - settle:   ->get() keeps reporting the old rate until settle_ns after
 *              ->target_index() was entered (Tegra's counter-based get());
 *  - throughput: from the settle instant on, a pinned hard-irq hrtimer on
 *              the stepped CPU busy-waits 1 - f/f_max of every steal period,
 *              so that work pinned there really runs at about f/f_max.
 *
 * Delays come from module parameters or from a replay profile written to
 * debugfs (settle_sim/profile; the test bed loads the real Orin Nano
 * records of tools/profiles/orin-nano-cpu.profile).  What actually
 * happened is published in debugfs (settle_sim/truth) as ground truth.
 *
 * Steal quantisation: a steal period starts at every settle instant, and
 * the busy-wait runs at the start of each period.  When a transition is
 * requested while the target CPU is inside a burst, the CPU cannot take the
 * re-arm IPI until the burst ends, so a settle instant falling inside that
 * burst is applied at the burst end (at most share * steal_period_us late);
 * all other settle instants are applied at hrtimer precision.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cpufreq.h>
#include <linux/cpumask.h>
#include <linux/ctype.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/lockdep.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/seqlock.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "settle_sim.h"
#include "settle_sim_compat.h"

#define SIM_MAX_FREQS		16
/* tegra194-cpufreq declares 300 us */
#define SIM_TRANSITION_LATENCY_NS	(300 * NSEC_PER_USEC)
#define SIM_TRUTH_ENTRIES	65536	/* power of two */
#define SIM_PROFILE_MAX_WRITE	(256 * 1024)
/* Busy-waits this long in a cpufreq callback are already absurd. */
#define SIM_MAX_STALL_US	100000
#define SIM_MAX_SETTLE_US	10000000
#define SIM_MIN_PERIOD_US	100
#define SIM_MAX_PERIOD_US	1000000
#define SIM_PPM			1000000U
/* Clock read interval while busy-waiting, see sim_spin_until() */
#define SIM_POLL_NS		(5 * NSEC_PER_USEC)
#define SIM_MAX_SPINS		(1UL << 20)
/* How far steal_min_idle_us may stretch a steal period */
#define SIM_MAX_STRETCH		16

/* Orin Nano CPU rates; the last (highest) entry is f_max. */
static unsigned int freqs_khz[SIM_MAX_FREQS] = { 115200, 729600, 1728000 };
static unsigned int nr_freqs = 3;
module_param_array(freqs_khz, uint, &nr_freqs, 0444);
MODULE_PARM_DESC(freqs_khz,
		 "Frequency table in kHz, strictly ascending, at most 16 (default 115200,729600,1728000)");

static int stall_us = -1;
static int settle_us = -1;

static int sim_param_set_delay(const char *val, const struct kernel_param *kp)
{
	int max = kp->arg == &stall_us ? SIM_MAX_STALL_US : SIM_MAX_SETTLE_US;
	int v, ret;

	ret = kstrtoint(val, 0, &v);
	if (ret) {
		pr_err("%s: not an integer: '%s'\n", kp->name, val);
		return ret;
	}
	if (v < -1 || v > max) {
		pr_err("%s=%d out of range [-1, %d]\n", kp->name, v, max);
		return -EINVAL;
	}
	WRITE_ONCE(*(int *)kp->arg, v);
	return 0;
}

static const struct kernel_param_ops sim_delay_ops = {
	.set = sim_param_set_delay,
	.get = param_get_int,
};

module_param_cb(stall_us, &sim_delay_ops, &stall_us, 0644);
MODULE_PARM_DESC(stall_us,
		 "Fixed stall per transition in us, -1 = from the profile (default)");
module_param_cb(settle_us, &sim_delay_ops, &settle_us, 0644);
MODULE_PARM_DESC(settle_us,
		 "Fixed settle time per transition in us, -1 = from the profile (default)");

static bool steal = true;
module_param(steal, bool, 0444);
MODULE_PARM_DESC(steal, "Steal 1 - f/f_max of the stepped CPU (default on)");

static bool stall_sleep;
module_param(stall_sleep, bool, 0644);
MODULE_PARM_DESC(stall_sleep,
		 "Sleep through the stall instead of busy-waiting, as a firmware round trip would (default off)");

static unsigned int steal_period_us = 1000;
module_param(steal_period_us, uint, 0444);
MODULE_PARM_DESC(steal_period_us,
		 "Steal period in us, 100..1000000 (default 1000; TCG delivers shorter timers irregularly)");

static unsigned int steal_min_idle_us = 500;
module_param(steal_min_idle_us, uint, 0444);
MODULE_PARM_DESC(steal_min_idle_us,
		 "Stretch steal periods (up to 16x) to leave the CPU at least this long, us (default 500 for TCG; 0 = never)");

static char *heartbeat_cpus = "";
module_param(heartbeat_cpus, charp, 0444);
MODULE_PARM_DESC(heartbeat_cpus,
		 "CPUs for the virtual-time heartbeat, a cpulist, empty = none (default; see Documentation/testbed.rst)");
static cpumask_var_t sim_hb_mask;

static unsigned int heartbeat_us = 17;
module_param(heartbeat_us, uint, 0444);
MODULE_PARM_DESC(heartbeat_us,
		 "Heartbeat period in us, 1..1000 (default 17: no divisor of the steal period)");

/*
 * Virtual-time heartbeat.  Under qemu -icount a busy vCPU runs until the
 * next deadline of its own timers: an IPI to another vCPU, or a timer that
 * another vCPU armed meanwhile (settle's sampler), waits for that, up to a
 * guest tick (4 ms).  A short periodic timer on the busy (stepped) CPU
 * bounds the wait.  Its period shares no divisor with the steal period, so
 * it does not lock onto the short idle window of a high steal share and
 * starve the probe there.  It only exists in tests.
 */
static DEFINE_PER_CPU(struct hrtimer, sim_heartbeat);

static enum hrtimer_restart sim_heartbeat_fn(struct hrtimer *t)
{
	hrtimer_forward_now(t, ns_to_ktime((u64)heartbeat_us * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

static void sim_heartbeat_start(void *unused)
{
	hrtimer_start(this_cpu_ptr(&sim_heartbeat),
		      ns_to_ktime((u64)heartbeat_us * NSEC_PER_USEC),
		      HRTIMER_MODE_REL_PINNED_HARD);
}

static void sim_heartbeat_stop(void)
{
	unsigned int cpu;

	for_each_cpu(cpu, sim_hb_mask)
		hrtimer_cancel(per_cpu_ptr(&sim_heartbeat, cpu));
	free_cpumask_var(sim_hb_mask);
}

static int sim_heartbeat_init(void)
{
	unsigned int cpu;

	if (!zalloc_cpumask_var(&sim_hb_mask, GFP_KERNEL))
		return -ENOMEM;
	if (cpulist_parse(heartbeat_cpus, sim_hb_mask) ||
	    !cpumask_subset(sim_hb_mask, cpu_online_mask) ||
	    heartbeat_us < 1 || heartbeat_us > 1000) {
		pr_err("heartbeat_cpus='%s' must list online CPUs and heartbeat_us=%u be in [1, 1000]\n",
		       heartbeat_cpus, heartbeat_us);
		free_cpumask_var(sim_hb_mask);
		return -EINVAL;
	}
	for_each_cpu(cpu, sim_hb_mask)
		settle_sim_hrtimer_setup(per_cpu_ptr(&sim_heartbeat, cpu),
					 sim_heartbeat_fn, CLOCK_MONOTONIC,
					 HRTIMER_MODE_REL_PINNED_HARD);
	on_each_cpu_mask(sim_hb_mask, sim_heartbeat_start, NULL, true);
	return 0;
}

/**
 * struct sim_cpu - simulated state of one CPU's clock
 * @lock: seqlock protecting @prev_khz .. @active; readers are lockless
 * @prev_khz: rate get() reports before @t_settle_ns
 * @cur_khz: last requested rate; get() reports it from @t_settle_ns on
 * @t_settle_ns: settle instant of the latest transition (CLOCK_MONOTONIC)
 * @seq: number of transitions; tells the steal timer a settle is new
 * @active: a policy is live on this CPU; timer and IPI stop when false
 * @timer: steal/settle hrtimer, pinned to this CPU, hard irq context
 * @period_start_ns: start of the current steal period (timer-owned)
 * @applied_seq: @seq whose settle instant the timer has applied
 * @share_ppm: steal share in force, in parts per million
 * @csd: IPI that (re)arms @timer on this CPU
 * @kick_queued: @csd is queued and has not yet started running
 *
 * @period_start_ns and @applied_seq are only touched on the owning CPU in
 * hard irq context (timer callback, IPI), which serialises them.
 */
struct sim_cpu {
	seqlock_t lock;
	unsigned int prev_khz;
	unsigned int cur_khz;
	u64 t_settle_ns;
	u64 seq;
	bool active;

	struct hrtimer timer;
	u64 period_start_ns;
	u64 applied_seq;
	unsigned int share_ppm;

	call_single_data_t csd;
	atomic_t kick_queued;
};

struct sim_snap {
	unsigned int prev_khz;
	unsigned int cur_khz;
	u64 t_settle_ns;
	u64 seq;
	bool active;
};

static DEFINE_PER_CPU(struct sim_cpu, sim_cpus);

static struct cpufreq_frequency_table sim_freq_table[SIM_MAX_FREQS + 1];
static unsigned int sim_fmax_khz;
static u64 sim_period_ns;
static u64 sim_min_idle_ns;

struct sim_delay {
	u32 stall_ns;
	u32 settle_ns;
};

struct sim_profile {
	unsigned int len;
	struct sim_delay d[];
};

/* Replay is global: transitions on all CPUs consume one sequence. */
static DEFINE_MUTEX(sim_profile_lock);
static struct sim_profile *sim_profile;
static unsigned int sim_profile_pos;

struct sim_truth {
	u64 t_request_ns;
	u64 stall_ns;
	u64 t_settle_ns;
	unsigned int from_khz;
	unsigned int to_khz;
	unsigned int cpu;
};

/*
 * Truth ring.  Indices are absolute and never wrap in practice (u64);
 * slot = index & (SIM_TRUTH_ENTRIES - 1).
 */
static DEFINE_SPINLOCK(sim_truth_lock);
static struct sim_truth *sim_truth;
static u64 sim_truth_head;	/* index of the next record */
static u64 sim_truth_first;	/* oldest retained record */
static u64 sim_truth_lost;	/* overwritten since the last clear */

static struct dentry *sim_dir;

static void sim_snapshot(struct sim_cpu *sc, struct sim_snap *s)
{
	unsigned int seq;

	do {
		seq = read_seqbegin(&sc->lock);
		s->prev_khz = sc->prev_khz;
		s->cur_khz = sc->cur_khz;
		s->t_settle_ns = sc->t_settle_ns;
		s->seq = sc->seq;
		s->active = sc->active;
	} while (read_seqretry(&sc->lock, seq));
}

static unsigned int sim_snap_khz(const struct sim_snap *s, u64 now)
{
	return now < s->t_settle_ns ? s->prev_khz : s->cur_khz;
}

static unsigned int sim_share_ppm(unsigned int khz)
{
	if (!steal || khz >= sim_fmax_khz)
		return 0;
	return div_u64((u64)(sim_fmax_khz - khz) * SIM_PPM, sim_fmax_khz);
}

/*
 * Busy-wait until CLOCK_MONOTONIC reaches @deadline_ns; unlike udelay() this
 * is exact under TCG.  Between clock reads it spins a self-calibrated number
 * of empty iterations worth about SIM_POLL_NS, never past the deadline.
 * This keeps off QEMU's big lock, which would stall the other vCPUs as
 * well: under x86 TCG every PAUSE (cpu_relax()) leaves the translated code
 * and retakes that lock, and so does every read of the HPET clocksource.
 * local_clock() is no way out either: with an unstable sched_clock it stops
 * advancing between ticks, i.e. for good with irqs off.
 */
static void sim_spin_until(u64 deadline_ns)
{
	unsigned long n = 8, spins, i;
	u64 now, prev, left;

	for (now = ktime_get_ns(); now < deadline_ns; ) {
		left = deadline_ns - now;
		spins = n;
		if (left < SIM_POLL_NS)
			spins = div64_u64((u64)n * left, SIM_POLL_NS);
		for (i = 0; i < spins; i++)
			barrier();
		prev = now;
		now = ktime_get_ns();
		if (spins != n)
			continue;
		/* Retune only on clearly short or long rounds (irqs) */
		if (now - prev < SIM_POLL_NS / 2)
			n = min(n * 2, SIM_MAX_SPINS);
		else if (now - prev > SIM_POLL_NS * 2)
			n = max(n / 2, 1UL);
	}
}

/*
 * Steal period for @share: steal_period_us, stretched so that the CPU keeps
 * at least steal_min_idle_us of every period.  Under TCG interrupt entry
 * and exit cost on the order of 100 us, which shorter gaps would lose to
 * the victim; worse, the next expiry may pass before the hrtimer core is
 * done, it runs the callback again, and after three rounds its hang
 * detection stops all timers of the CPU for milliseconds.
 */
static u64 sim_steal_period(unsigned int share)
{
	u64 p = div_u64(sim_min_idle_ns * SIM_PPM, max(SIM_PPM - share, 1U));

	return clamp(p, sim_period_ns, sim_period_ns * SIM_MAX_STRETCH);
}

/**
 * sim_tick() - steal hrtimer callback, runs on the owning CPU in hard irq
 * @timer: the CPU's &sim_cpu.timer
 *
 * Applies a pending settle instant (restarting the steal period there),
 * busy-waits the share of the current period, and re-arms for the earlier
 * of the next period and the next settle instant.  Stops when there is
 * nothing to steal and nothing pending.
 *
 * Return: HRTIMER_RESTART while stealing or a settle is pending.
 */
static enum hrtimer_restart sim_tick(struct hrtimer *timer)
{
	struct sim_cpu *sc = container_of(timer, struct sim_cpu, timer);
	unsigned int share;
	struct sim_snap s;
	u64 now, stop, next, period = 0;
	bool pending;

	sim_snapshot(sc, &s);
	if (!s.active) {
		WRITE_ONCE(sc->share_ppm, 0);
		return HRTIMER_NORESTART;
	}

	now = ktime_get_ns();
	for (;;) {
		pending = now < s.t_settle_ns;
		if (!pending && s.seq != sc->applied_seq) {
			sc->applied_seq = s.seq;
			sc->period_start_ns = s.t_settle_ns;
		}
		share = sim_share_ppm(sim_snap_khz(&s, now));
		WRITE_ONCE(sc->share_ppm, share);
		if (!share)
			break;

		period = sim_steal_period(share);
		if (now - sc->period_start_ns >= period)
			sc->period_start_ns += period *
				div64_u64(now - sc->period_start_ns, period);
		stop = sc->period_start_ns + div_u64(period * share, SIM_PPM);
		if (pending)
			stop = min(stop, s.t_settle_ns);
		sim_spin_until(stop);
		now = ktime_get_ns();
		/* The settle instant fell inside the burst: switch now. */
		if (!pending || now < s.t_settle_ns)
			break;
	}

	next = U64_MAX;
	/* After an overrun (host preemption) still leave the CPU a gap. */
	if (share)
		next = max(sc->period_start_ns + period,
			   now + sim_min_idle_ns / 2);
	if (now < s.t_settle_ns)
		next = min(next, s.t_settle_ns);
	if (next == U64_MAX)
		return HRTIMER_NORESTART;
	hrtimer_set_expires(timer, ns_to_ktime(next));
	return HRTIMER_RESTART;
}

/* IPI handler: arm the timer on this CPU for the new settle instant. */
static void sim_kick_fn(void *info)
{
	struct sim_cpu *sc = info;
	struct sim_snap s;
	ktime_t when;

	atomic_set(&sc->kick_queued, 0);
	/*
	 * Cleared before reading state so that a later update re-kicks: pairs
	 * with the atomic_xchg() in sim_kick() after the state was written.
	 */
	smp_mb__after_atomic();

	sim_snapshot(sc, &s);
	if (!s.active)
		return;
	when = ns_to_ktime(s.t_settle_ns);
	/* An earlier period boundary re-evaluates the settle anyway. */
	if (hrtimer_is_queued(&sc->timer) &&
	    ktime_before(hrtimer_get_expires(&sc->timer), when))
		return;
	hrtimer_start(&sc->timer, when, HRTIMER_MODE_ABS_PINNED_HARD);
}

/*
 * A pinned hrtimer can only be started from its CPU.  The IPI is async:
 * waiting for it would add the target CPU's current steal burst to the
 * caller's stall.
 */
static void sim_kick(struct sim_cpu *sc, unsigned int cpu)
{
	int ret;

	if (atomic_xchg(&sc->kick_queued, 1))
		return;
	ret = smp_call_function_single_async(cpu, &sc->csd);
	if (ret) {
		atomic_set(&sc->kick_queued, 0);
		pr_warn_ratelimited("cpu%u: cannot arm steal timer: %d\n",
				    cpu, ret);
	}
}

/*
 * Quiesce one CPU: after this neither the IPI nor the timer runs or is
 * pending.  Must be able to sleep.
 */
static void sim_cpu_stop(struct sim_cpu *sc)
{
	unsigned long flags;

	write_seqlock_irqsave(&sc->lock, flags);
	sc->active = false;
	write_sequnlock_irqrestore(&sc->lock, flags);

	/* A queued IPI is always delivered; wait until it has started... */
	while (atomic_read(&sc->kick_queued))
		usleep_range(50, 100);
	/* ...and finished: it runs with irqs off, an RCU read-side section. */
	synchronize_rcu();
	hrtimer_cancel(&sc->timer);
	WRITE_ONCE(sc->share_ppm, 0);
}

static void sim_next_delay(u64 *stall_ns, u64 *settle_ns)
{
	int fixed_stall = READ_ONCE(stall_us);
	int fixed_settle = READ_ONCE(settle_us);
	struct sim_delay d = { 0, 0 };

	if (fixed_stall < 0 || fixed_settle < 0) {
		mutex_lock(&sim_profile_lock);
		d = sim_profile->d[sim_profile_pos];
		if (++sim_profile_pos >= sim_profile->len)
			sim_profile_pos = 0;
		mutex_unlock(&sim_profile_lock);
	}
	*stall_ns = fixed_stall < 0 ? d.stall_ns :
		    (u64)fixed_stall * NSEC_PER_USEC;
	*settle_ns = fixed_settle < 0 ? d.settle_ns :
		     (u64)fixed_settle * NSEC_PER_USEC;
}

static void sim_truth_push(const struct sim_truth *rec)
{
	bool first_loss = false;

	spin_lock(&sim_truth_lock);
	if (sim_truth_head - sim_truth_first == SIM_TRUTH_ENTRIES) {
		sim_truth_first++;
		first_loss = !sim_truth_lost++;
	}
	sim_truth[sim_truth_head & (SIM_TRUTH_ENTRIES - 1)] = *rec;
	sim_truth_head++;
	spin_unlock(&sim_truth_lock);

	if (first_loss)
		pr_warn("truth ring full: overwriting oldest records, see truth_lost\n");
}

/* Caller holds sc->lock for writing. */
static unsigned int sim_reported_khz_locked(struct sim_cpu *sc, u64 now)
{
	lockdep_assert_held(&sc->lock.lock);
	return now < sc->t_settle_ns ? sc->prev_khz : sc->cur_khz;
}

/**
 * sim_target_index() - cpufreq ->target_index(): one simulated transition
 * @policy: the CPU's policy (one CPU per policy)
 * @index: index into sim_freq_table
 *
 * Called between the core's PRECHANGE and POSTCHANGE notifications with
 * the policy serialised.  The request instant is the entry of this
 * function; get() switches to the new rate settle_ns after it; the call
 * itself busy-waits stall_ns (ktime-based, exact under TCG, unlike udelay).
 *
 * Return: 0.
 */
static int sim_target_index(struct cpufreq_policy *policy, unsigned int index)
{
	unsigned int cpu = policy->cpu;
	struct sim_cpu *sc = per_cpu_ptr(&sim_cpus, cpu);
	struct sim_truth rec = {
		.from_khz = policy->cur,
		.to_khz = policy->freq_table[index].frequency,
		.cpu = cpu,
	};
	u64 stall_ns, settle_ns, now;
	unsigned long flags;

	rec.t_request_ns = ktime_get_ns();
	sim_next_delay(&stall_ns, &settle_ns);
	rec.t_settle_ns = rec.t_request_ns + settle_ns;

	write_seqlock_irqsave(&sc->lock, flags);
	if (rec.to_khz == sc->cur_khz) {
		/*
		 * Re-requesting the rate the clock already heads for does
		 * not restart its settling.  The core re-issues the request
		 * after get() disagreed with policy->cur
		 * (cpufreq_out_of_sync()); restarting would let a reader
		 * polling cpuinfo_cur_freq hold off the settle for ever.
		 */
		rec.t_settle_ns = max(sc->t_settle_ns, rec.t_request_ns);
	} else {
		/* A transition cut short starts from what the clock showed. */
		sc->prev_khz = sim_reported_khz_locked(sc, rec.t_request_ns);
		sc->cur_khz = rec.to_khz;
		sc->t_settle_ns = rec.t_settle_ns;
		sc->seq++;
	}
	write_sequnlock_irqrestore(&sc->lock, flags);

	/* Before the stall: a settle shorter than the stall lands inside it. */
	if (steal)
		sim_kick(sc, cpu);

	/*
	 * A sleeping stall leaves the CPU to others, like a wait for firmware.
	 * In a TCG guest this matters: a spinning vCPU takes a host core the
	 * probe's vCPU then lacks.  The spin finishes the stall exactly.
	 */
	if (READ_ONCE(stall_sleep)) {
		ktime_t until = ns_to_ktime(rec.t_request_ns + stall_ns);

		set_current_state(TASK_UNINTERRUPTIBLE);
		schedule_hrtimeout(&until, HRTIMER_MODE_ABS);
	}
	sim_spin_until(rec.t_request_ns + stall_ns);
	now = ktime_get_ns();
	rec.stall_ns = now - rec.t_request_ns;
	sim_truth_push(&rec);
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
	struct sim_snap s;

	if (cpu >= nr_cpu_ids)
		return 0;
	sim_snapshot(per_cpu_ptr(&sim_cpus, cpu), &s);
	if (!s.active)
		return 0;
	return sim_snap_khz(&s, ktime_get_ns());
}

/**
 * settle_sim_read_khz() - the simulated hardware readout, for settle.ko
 * @cpu: the CPU
 *
 * What get() reports, without going through cpufreq: settle's sampler
 * calls it from hard irq context, which the lockless snapshot allows.
 * settle.ko finds it with symbol_get(), so neither module links the other.
 *
 * Return: the rate the simulated hardware runs @cpu at, kHz; 0 if @cpu is
 * not simulated.
 */
u32 settle_sim_read_khz(unsigned int cpu)
{
	return sim_get(cpu);
}
EXPORT_SYMBOL_GPL(settle_sim_read_khz);

static int sim_cpufreq_init(struct cpufreq_policy *policy)
{
	struct sim_cpu *sc = per_cpu_ptr(&sim_cpus, policy->cpu);
	unsigned long flags;

	policy->freq_table = sim_freq_table;
	policy->cpuinfo.transition_latency = SIM_TRANSITION_LATENCY_NS;
	/* One policy per CPU: stepping one CPU must not slow the others. */
	cpumask_copy(policy->cpus, cpumask_of(policy->cpu));

	write_seqlock_irqsave(&sc->lock, flags);
	sc->prev_khz = sim_fmax_khz;
	sc->cur_khz = sim_fmax_khz;
	sc->t_settle_ns = 0;
	sc->active = true;
	write_sequnlock_irqrestore(&sc->lock, flags);
	WRITE_ONCE(sc->share_ppm, 0);
	return 0;
}

/* Also the CPU-offline path: the core has no ->offline op from us. */
static void sim_cpufreq_teardown(struct cpufreq_policy *policy)
{
	sim_cpu_stop(per_cpu_ptr(&sim_cpus, policy->cpu));
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

/* ---- debugfs ---------------------------------------------------------- */

struct sim_truth_iter {
	u64 base;	/* absolute index of seq_file position 1 */
	struct sim_truth rec;
};

static void *sim_truth_fetch(struct seq_file *m, loff_t *pos)
{
	struct sim_truth_iter *it = m->private;
	u64 idx = it->base + *pos - 1;
	void *ret = NULL;

	spin_lock(&sim_truth_lock);
	/* Overwritten or cleared while reading: skip, truth_lost counts it. */
	if (idx < sim_truth_first) {
		idx = sim_truth_first;
		*pos = idx - it->base + 1;
	}
	if (idx < sim_truth_head) {
		it->rec = sim_truth[idx & (SIM_TRUTH_ENTRIES - 1)];
		ret = &it->rec;
	}
	spin_unlock(&sim_truth_lock);
	return ret;
}

static void *sim_truth_start(struct seq_file *m, loff_t *pos)
{
	if (!*pos)
		return SEQ_START_TOKEN;
	return sim_truth_fetch(m, pos);
}

static void *sim_truth_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return sim_truth_fetch(m, pos);
}

static void sim_truth_stop(struct seq_file *m, void *v)
{
}

static int sim_truth_show(struct seq_file *m, void *v)
{
	const struct sim_truth *r = v;

	if (v == SEQ_START_TOKEN) {
		seq_puts(m, "domain,from_khz,to_khz,t_request_ns,stall_ns,t_settle_ns,cpu\n");
		return 0;
	}
	seq_printf(m, "cpu,%u,%u,%llu,%llu,%llu,%u\n", r->from_khz, r->to_khz,
		   r->t_request_ns, r->stall_ns, r->t_settle_ns, r->cpu);
	return 0;
}

static const struct seq_operations sim_truth_seq_ops = {
	.start = sim_truth_start,
	.next = sim_truth_next,
	.stop = sim_truth_stop,
	.show = sim_truth_show,
};

static int sim_truth_open(struct inode *inode, struct file *file)
{
	struct sim_truth_iter *it;
	int ret;

	ret = seq_open_private(file, &sim_truth_seq_ops, sizeof(*it));
	if (ret)
		return ret;
	it = ((struct seq_file *)file->private_data)->private;
	spin_lock(&sim_truth_lock);
	it->base = sim_truth_first;
	spin_unlock(&sim_truth_lock);
	return 0;
}

/* Any write clears the ring, including records not yet read. */
static ssize_t sim_truth_write(struct file *file, const char __user *buf,
			       size_t count, loff_t *ppos)
{
	spin_lock(&sim_truth_lock);
	sim_truth_first = sim_truth_head;
	sim_truth_lost = 0;
	spin_unlock(&sim_truth_lock);
	return count;
}

static const struct file_operations sim_truth_fops = {
	.owner = THIS_MODULE,
	.open = sim_truth_open,
	.read = seq_read,
	.write = sim_truth_write,
	.llseek = seq_lseek,
	.release = seq_release_private,
};

static int sim_truth_lost_show(struct seq_file *m, void *v)
{
	u64 lost;

	spin_lock(&sim_truth_lock);
	lost = sim_truth_lost;
	spin_unlock(&sim_truth_lock);
	seq_printf(m, "%llu\n", lost);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(sim_truth_lost);

static int sim_state_show(struct seq_file *m, void *v)
{
	struct sim_snap s;
	unsigned int cpu;
	bool pending;
	u64 now;

	seq_puts(m, "cpu,cur_khz,target_khz,pending,settle_in_ns,steal_ppm\n");
	for_each_possible_cpu(cpu) {
		struct sim_cpu *sc = per_cpu_ptr(&sim_cpus, cpu);

		sim_snapshot(sc, &s);
		if (!s.active)
			continue;
		now = ktime_get_ns();
		pending = now < s.t_settle_ns;
		seq_printf(m, "%u,%u,%u,%d,%llu,%u\n", cpu,
			   sim_snap_khz(&s, now), s.cur_khz, pending,
			   pending ? s.t_settle_ns - now : 0,
			   READ_ONCE(sc->share_ppm));
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(sim_state);

static int sim_profile_show(struct seq_file *m, void *v)
{
	unsigned int i;

	mutex_lock(&sim_profile_lock);
	for (i = 0; i < sim_profile->len; i++)
		seq_printf(m, "%u.%03u %u.%03u\n",
			   sim_profile->d[i].stall_ns / 1000,
			   sim_profile->d[i].stall_ns % 1000,
			   sim_profile->d[i].settle_ns / 1000,
			   sim_profile->d[i].settle_ns % 1000);
	mutex_unlock(&sim_profile_lock);
	return 0;
}

static int sim_profile_open(struct inode *inode, struct file *file)
{
	return single_open(file, sim_profile_show, NULL);
}

/*
 * Parse a decimal microsecond value with at most three fractional digits
 * ("519.31") into ns.  Advances *s past the number and trailing blanks.
 */
static int sim_parse_us(char **s, u32 max_us, u32 *ns)
{
	char *p = skip_spaces(*s);
	u64 whole = 0, frac = 0;
	unsigned int nfrac = 0;

	if (!isdigit(*p))
		return -EINVAL;
	while (isdigit(*p)) {
		whole = whole * 10 + (*p++ - '0');
		if (whole > max_us)
			return -ERANGE;
	}
	if (*p == '.') {
		p++;
		while (isdigit(*p)) {
			if (++nfrac > 3)
				return -EINVAL;
			frac = frac * 10 + (*p++ - '0');
		}
		if (!nfrac)
			return -EINVAL;
		while (nfrac++ < 3)
			frac *= 10;
	}
	if (*p && !isspace(*p))
		return -EINVAL;
	if (whole * 1000 + frac > (u64)max_us * 1000)
		return -ERANGE;
	*ns = whole * 1000 + frac;
	*s = skip_spaces(p);
	return 0;
}

static struct sim_profile *sim_profile_parse(char *text)
{
	struct sim_profile *prof;
	unsigned int nlines = 1, lineno = 0, n = 0;
	char *line, *p;
	int ret;

	for (p = text; *p; p++)
		nlines += *p == '\n';
	prof = kvmalloc(struct_size(prof, d, nlines), GFP_KERNEL);
	if (!prof)
		return ERR_PTR(-ENOMEM);

	while ((line = strsep(&text, "\n"))) {
		lineno++;
		p = skip_spaces(line);
		if (!*p || *p == '#')
			continue;
		ret = sim_parse_us(&p, SIM_MAX_STALL_US, &prof->d[n].stall_ns);
		if (!ret)
			ret = sim_parse_us(&p, SIM_MAX_SETTLE_US,
					   &prof->d[n].settle_ns);
		if (!ret && *p)
			ret = -EINVAL;
		if (ret) {
			pr_err("profile line %u: want \"stall_us settle_us\" (stall <= %d, settle <= %d)\n",
			       lineno, SIM_MAX_STALL_US, SIM_MAX_SETTLE_US);
			kvfree(prof);
			return ERR_PTR(-EINVAL);
		}
		n++;
	}
	if (!n) {
		pr_err("profile: no entries\n");
		kvfree(prof);
		return ERR_PTR(-EINVAL);
	}
	prof->len = n;
	return prof;
}

/*
 * The whole profile must come in one write(); it replaces the old one and
 * restarts the replay at its first entry.
 */
static ssize_t sim_profile_write(struct file *file, const char __user *buf,
				 size_t count, loff_t *ppos)
{
	struct sim_profile *prof, *old;
	char *text;

	if (*ppos) {
		pr_err("profile: write it in a single write() call\n");
		return -EINVAL;
	}
	if (count > SIM_PROFILE_MAX_WRITE)
		return -EFBIG;
	text = kvmalloc(count + 1, GFP_KERNEL);
	if (!text)
		return -ENOMEM;
	if (copy_from_user(text, buf, count)) {
		kvfree(text);
		return -EFAULT;
	}
	text[count] = '\0';
	prof = sim_profile_parse(text);
	kvfree(text);
	if (IS_ERR(prof))
		return PTR_ERR(prof);

	mutex_lock(&sim_profile_lock);
	old = sim_profile;
	sim_profile = prof;
	sim_profile_pos = 0;
	mutex_unlock(&sim_profile_lock);
	kvfree(old);

	*ppos += count;
	return count;
}

static const struct file_operations sim_profile_fops = {
	.owner = THIS_MODULE,
	.open = sim_profile_open,
	.read = seq_read,
	.write = sim_profile_write,
	.llseek = seq_lseek,
	.release = single_release,
};

/* debugfs failures are not fatal: the driver works without it. */
static void sim_debugfs_create(void)
{
	sim_dir = debugfs_create_dir("settle_sim", NULL);
	debugfs_create_file("truth", 0644, sim_dir, NULL, &sim_truth_fops);
	debugfs_create_file("truth_lost", 0444, sim_dir, NULL,
			    &sim_truth_lost_fops);
	debugfs_create_file("state", 0444, sim_dir, NULL, &sim_state_fops);
	debugfs_create_file("profile", 0644, sim_dir, NULL,
			    &sim_profile_fops);
}

/* ---- module ----------------------------------------------------------- */

static int sim_build_freq_table(void)
{
	unsigned int i;

	if (!nr_freqs) {
		pr_err("freqs_khz: empty\n");
		return -EINVAL;
	}
	for (i = 0; i < nr_freqs; i++) {
		if (!freqs_khz[i]) {
			pr_err("freqs_khz[%u]: zero\n", i);
			return -EINVAL;
		}
		if (i && freqs_khz[i] <= freqs_khz[i - 1]) {
			pr_err("freqs_khz[%u]=%u: not strictly ascending\n",
			       i, freqs_khz[i]);
			return -EINVAL;
		}
		sim_freq_table[i].frequency = freqs_khz[i];
	}
	sim_freq_table[i].frequency = CPUFREQ_TABLE_END;
	sim_fmax_khz = freqs_khz[nr_freqs - 1];
	return 0;
}

/*
 * The real replay profile (tools/profiles/orin-nano-cpu.profile) is derived
 * from Apache-2.0 data, so it is loaded at run time through debugfs rather
 * than compiled into this GPL-2.0 module.  Until then one synthetic entry
 * of the same magnitude stands in.
 */
#define SIM_DEFAULT_STALL_NS	(1000 * NSEC_PER_USEC)
#define SIM_DEFAULT_SETTLE_NS	(2000 * NSEC_PER_USEC)

static struct sim_profile *sim_profile_default(void)
{
	struct sim_profile *prof;

	prof = kvmalloc(struct_size(prof, d, 1), GFP_KERNEL);
	if (!prof)
		return NULL;
	prof->d[0].stall_ns = SIM_DEFAULT_STALL_NS;
	prof->d[0].settle_ns = SIM_DEFAULT_SETTLE_NS;
	prof->len = 1;
	return prof;
}

static void sim_cpu_setup(unsigned int cpu)
{
	struct sim_cpu *sc = per_cpu_ptr(&sim_cpus, cpu);

	seqlock_init(&sc->lock);
	settle_sim_hrtimer_setup(&sc->timer, sim_tick, CLOCK_MONOTONIC,
				 HRTIMER_MODE_ABS_PINNED_HARD);
	INIT_CSD(&sc->csd, sim_kick_fn, sc);
	atomic_set(&sc->kick_queued, 0);
}

static int __init sim_init(void)
{
	unsigned int cpu;
	int ret;

	ret = sim_build_freq_table();
	if (ret)
		return ret;
	if (steal_period_us < SIM_MIN_PERIOD_US ||
	    steal_period_us > SIM_MAX_PERIOD_US) {
		pr_err("steal_period_us=%u out of range [%d, %d]\n",
		       steal_period_us, SIM_MIN_PERIOD_US, SIM_MAX_PERIOD_US);
		return -EINVAL;
	}
	sim_period_ns = (u64)steal_period_us * NSEC_PER_USEC;
	if (steal_min_idle_us > steal_period_us) {
		pr_err("steal_min_idle_us=%u exceeds steal_period_us=%u\n",
		       steal_min_idle_us, steal_period_us);
		return -EINVAL;
	}
	sim_min_idle_ns = (u64)steal_min_idle_us * NSEC_PER_USEC;

	sim_profile = sim_profile_default();
	if (!sim_profile)
		return -ENOMEM;
	sim_truth = vzalloc(array_size(SIM_TRUTH_ENTRIES, sizeof(*sim_truth)));
	if (!sim_truth) {
		ret = -ENOMEM;
		goto err_free_profile;
	}
	for_each_possible_cpu(cpu)
		sim_cpu_setup(cpu);
	sim_debugfs_create();

	ret = cpufreq_register_driver(&sim_driver);
	if (ret) {
		pr_err("cannot register cpufreq driver (another one active?): %d\n",
		       ret);
		goto err_remove_debugfs;
	}
	ret = sim_heartbeat_init();
	if (ret)
		goto err_unregister;
	pr_info("%u rates up to %u kHz, stall %d us, settle %d us (-1 = profile, %u entries), steal %s\n",
		nr_freqs, sim_fmax_khz, stall_us, settle_us, sim_profile->len,
		steal ? "on" : "off");
	return 0;

err_unregister:
	cpufreq_unregister_driver(&sim_driver);
err_remove_debugfs:
	debugfs_remove_recursive(sim_dir);
	vfree(sim_truth);
err_free_profile:
	kvfree(sim_profile);
	return ret;
}

static void __exit sim_exit(void)
{
	unsigned int cpu;

	sim_heartbeat_stop();
	/* Waits for transitions in flight and quiesces every CPU (->exit). */
	cpufreq_unregister_driver(&sim_driver);
	debugfs_remove_recursive(sim_dir);
	/* ->exit cancelled them; CPUs never brought up had none. */
	for_each_possible_cpu(cpu)
		hrtimer_cancel(&per_cpu_ptr(&sim_cpus, cpu)->timer);
	vfree(sim_truth);
	kvfree(sim_profile);
}

module_init(sim_init);
module_exit(sim_exit);

MODULE_DESCRIPTION("Simulated Jetson cpufreq domain with ground truth for settle");
MODULE_LICENSE("GPL");
