// SPDX-License-Identifier: GPL-2.0
/*
 * settle_sim - a simulated Jetson board for testing settle: the shared core.
 *
 * Three clock domains plug into this core (struct sim_domain_ops):
 *
 *  - cpu (sim_cpu.c): a real cpufreq driver, one policy per CPU;
 *  - gpu (sim_gpu.c): platform device "sim-gpu" with a devfreq device;
 *  - emc (sim_emc.c): a clock provider, clk "emc".
 *
 * Their transitions behave like Tegra's in the three ways settle measures,
 * all implemented here once for every domain:
 *
 *  - stall:    the driver call (->target_index(), devfreq ->target(),
 *              clk ->set_rate()) busy-waits, or sleeps with stall_sleep=1,
 *              stall_ns (the blocking actuation call, like the BPMP request
 *              on Tegra);
 *  - settle:   the effective rate (settle_sim_dev_read_khz(), cpufreq
 *              ->get()) keeps the old rate until settle_ns after the driver
 *              call was entered, while the framework's software view (devfreq
 *              ->get_cur_freq(), clk ->recalc_rate()) follows at once;
 *  - throughput: from the settle instant on, a pinned hard-irq hrtimer on
 *              each CPU a clock throttles busy-waits 1 - f/f_max of every
 *              steal period, so that work pinned there really runs at about
 *              f/f_max.  A CPU throttles itself; EMC throttles the CPUs of
 *              emc_steal_cpus (a memory-bound probe).  Shares of several
 *              clocks on one CPU combine as 1 - prod(f/f_max).
 *
 * Delays come from a replay profile per domain written to debugfs
 * (settle_sim/profile, profile_gpu, profile_emc, see sim_replay.c; the test
 * bed loads the real Orin Nano records of tools/profiles/), or for the CPU
 * from module parameters.  What actually happened is published in debugfs
 * (settle_sim/truth) as ground truth.
 *
 * Steal quantisation: a steal period starts at every settle instant, and
 * the busy-wait runs at the start of each period.  When a transition is
 * requested while the target CPU is inside a burst, the CPU cannot take the
 * re-arm IPI until the burst ends, so a settle instant falling inside that
 * burst is applied at the burst end (at most share * steal_period_us late);
 * all other settle instants are applied at hrtimer precision.
 */
#include "sim_core.h"

#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/kernel.h>
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
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "settle_sim.h"
#include "settle_sim_compat.h"

#define SIM_TRUTH_ENTRIES	65536	/* power of two */
#define SIM_MIN_PERIOD_US	100
#define SIM_MAX_PERIOD_US	1000000
#define SIM_PPM			1000000U
/* Clock read interval while busy-waiting, see sim_spin_until() */
#define SIM_POLL_NS		(5 * NSEC_PER_USEC)
#define SIM_MAX_SPINS		(1UL << 20)
/* How far steal_min_idle_us may stretch a steal period */
#define SIM_MAX_STRETCH		16
/* Clocks that may throttle one CPU: its own and EMC */
#define SIM_STEAL_SRCS		2
/* settle_sim_dev_lookup() handle: domain << 16 | (device index + 1) */
#define SIM_HANDLE_SHIFT	16
#define SIM_HANDLE_IDX_MASK	((1U << SIM_HANDLE_SHIFT) - 1)

/* Start order; stop runs it backwards.  The CPU links to EMC. */
static const struct sim_domain_ops *const sim_domains[SIM_DOMAINS] = {
	[SIM_CPU] = &sim_cpu_ops,
	[SIM_GPU] = &sim_gpu_ops,
	[SIM_EMC] = &sim_emc_ops,
};

static const u32 sim_start_order[SIM_DOMAINS] = { SIM_EMC, SIM_GPU, SIM_CPU };

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
		 "Fixed CPU stall per transition in us, -1 = from the profile (default)");
module_param_cb(settle_us, &sim_delay_ops, &settle_us, 0644);
MODULE_PARM_DESC(settle_us,
		 "Fixed CPU settle time per transition in us, -1 = from the profile (default)");

bool sim_steal = true;
module_param_named(steal, sim_steal, bool, 0444);
MODULE_PARM_DESC(steal,
		 "Steal 1 - f/f_max of the CPUs a clock throttles (default on)");

bool sim_stall_sleep;
module_param_named(stall_sleep, sim_stall_sleep, bool, 0644);
MODULE_PARM_DESC(stall_sleep,
		 "Sleep through the stall instead of busy-waiting, as a firmware round trip would (default off)");

/*
 * Under qemu -icount the vCPUs take turns on one host thread, and a vCPU
 * that busy-waits with interrupts off keeps its turn to the end: a steal
 * burst on the probe's CPU then held the controller's vCPU for the whole
 * burst, sometimes two bursts in a row (stall error 194 us).  A YIELD
 * instruction (cpu_relax() on arm64) ends the turn there; on real
 * hardware and under multi-threaded TCG it is a hint and costs nothing.
 */
static bool spin_yield;
module_param(spin_yield, bool, 0444);
MODULE_PARM_DESC(spin_yield,
		 "cpu_relax() in every poll round of a busy-wait, to hand a round-robin emulator's turn on (default off)");

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
 * struct sim_steal - the throughput thief of one CPU
 * @timer: steal/settle hrtimer, pinned to this CPU, hard irq context
 * @period_start_ns: start of the current steal period (timer-owned)
 * @applied_seq: per source, the &sim_clk.seq whose settle instant the
 *	timer has applied
 * @share_ppm: steal share in force, in parts per million
 * @src: clocks that throttle this CPU; fixed before any of them starts
 * @nsrc: entries of @src
 * @csd: IPI that (re)arms @timer on this CPU
 * @kick_queued: @csd is queued and has not yet started running
 *
 * @period_start_ns and @applied_seq are only touched on the owning CPU in
 * hard irq context (timer callback, IPI), which serialises them.
 */
struct sim_steal {
	struct hrtimer timer;
	u64 period_start_ns;
	u64 applied_seq[SIM_STEAL_SRCS];
	unsigned int share_ppm;
	struct sim_clk *src[SIM_STEAL_SRCS];
	unsigned int nsrc;

	call_single_data_t csd;
	atomic_t kick_queued;
};

struct sim_snap {
	u32 prev_khz;
	u32 cur_khz;
	u64 t_settle_ns;
	u64 seq;
	bool active;
};

static DEFINE_PER_CPU(struct sim_steal, sim_steals);

static u64 sim_period_ns;
static u64 sim_min_idle_ns;

/*
 * Truth ring.  Indices are absolute and never wrap in practice (u64);
 * slot = index & (SIM_TRUTH_ENTRIES - 1).
 */
static DEFINE_SPINLOCK(sim_truth_lock);
static struct sim_xfer *sim_truth;
static u64 sim_truth_head;	/* index of the next record */
static u64 sim_truth_first;	/* oldest retained record */
static u64 sim_truth_lost;	/* overwritten since the last clear */

struct dentry *sim_dir;

/* ---- clock state ------------------------------------------------------ */

static void sim_snapshot(struct sim_clk *c, struct sim_snap *s)
{
	unsigned int seq;

	do {
		seq = read_seqbegin(&c->lock);
		s->prev_khz = c->prev_khz;
		s->cur_khz = c->cur_khz;
		s->t_settle_ns = c->t_settle_ns;
		s->seq = c->seq;
		s->active = c->active;
	} while (read_seqretry(&c->lock, seq));
}

static u32 sim_snap_khz(const struct sim_snap *s, u64 now)
{
	return now < s->t_settle_ns ? s->prev_khz : s->cur_khz;
}

/**
 * sim_clk_init() - initialise a clock, inactive, before it is used
 * @c: the clock
 * @domain: enum sim_domain
 * @name: device name (copied)
 * @fmax_khz: highest rate
 * @khz: rate it starts at once sim_clk_start() runs
 */
void sim_clk_init(struct sim_clk *c, u32 domain, const char *name,
		  u32 fmax_khz, u32 khz)
{
	seqlock_init(&c->lock);
	c->prev_khz = khz;
	c->cur_khz = khz;
	c->t_settle_ns = 0;
	c->seq = 0;
	c->active = false;
	c->fmax_khz = fmax_khz;
	c->domain = domain;
	strscpy(c->name, name, sizeof(c->name));
}

/**
 * sim_clk_start() - make a clock live at a settled rate
 * @c: the clock
 * @khz: its rate
 */
void sim_clk_start(struct sim_clk *c, u32 khz)
{
	unsigned long flags;

	write_seqlock_irqsave(&c->lock, flags);
	c->prev_khz = khz;
	c->cur_khz = khz;
	c->t_settle_ns = 0;
	c->active = true;
	write_sequnlock_irqrestore(&c->lock, flags);
}

/**
 * sim_clk_stop() - readers see 0 from now on, and its steal ends
 * @c: the clock
 *
 * A steal timer notices at its next expiry; sim_steal_quiesce() waits.
 */
void sim_clk_stop(struct sim_clk *c)
{
	unsigned long flags;

	write_seqlock_irqsave(&c->lock, flags);
	c->active = false;
	write_sequnlock_irqrestore(&c->lock, flags);
}

/**
 * sim_clk_read_khz() - the effective (lagged) rate; lockless, any context
 * @c: the clock
 *
 * Return: kHz, 0 if @c is not live.
 */
u32 sim_clk_read_khz(struct sim_clk *c)
{
	struct sim_snap s;

	sim_snapshot(c, &s);
	return s.active ? sim_snap_khz(&s, ktime_get_ns()) : 0;
}

/**
 * sim_clk_target_khz() - the software view: the rate last set
 * @c: the clock
 *
 * Return: kHz.
 */
u32 sim_clk_target_khz(struct sim_clk *c)
{
	struct sim_snap s;

	sim_snapshot(c, &s);
	return s.cur_khz;
}

/**
 * sim_check_rates() - check a rate table parameter
 * @what: parameter name, for the message
 * @khz: rates
 * @n: number of rates
 *
 * Return: 0 if @khz is non-empty, non-zero and strictly ascending.
 */
int sim_check_rates(const char *what, const unsigned int *khz,
		    unsigned int n)
{
	unsigned int i;

	if (!n) {
		pr_err("%s: empty\n", what);
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		if (!khz[i] || (i && khz[i] <= khz[i - 1])) {
			pr_err("%s[%u]=%u: zero or not strictly ascending\n",
			       what, i, khz[i]);
			return -EINVAL;
		}
	}
	return 0;
}

/* ---- steal ------------------------------------------------------------ */

static unsigned int sim_share_ppm(const struct sim_clk *c, u32 khz)
{
	if (!sim_steal || khz >= c->fmax_khz)
		return 0;
	return div_u64((u64)(c->fmax_khz - khz) * SIM_PPM, c->fmax_khz);
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
		if (spin_yield)
			cpu_relax();
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

/*
 * Apply settle instants that have passed (restarting the steal period at
 * the latest), and work out the share in force at @now.
 *
 * Return: the earliest settle instant still ahead of @now, U64_MAX if none.
 */
static u64 sim_steal_eval(struct sim_steal *st, u64 now, unsigned int *share)
{
	u64 keep = SIM_PPM, settle = U64_MAX, applied = 0;
	struct sim_snap s;
	unsigned int i;

	for (i = 0; i < st->nsrc; i++) {
		sim_snapshot(st->src[i], &s);
		if (!s.active)
			continue;
		if (now < s.t_settle_ns) {
			settle = min(settle, s.t_settle_ns);
		} else if (s.seq != st->applied_seq[i]) {
			st->applied_seq[i] = s.seq;
			applied = max(applied, s.t_settle_ns);
		}
		keep = div_u64(keep * (SIM_PPM - sim_share_ppm(st->src[i],
				sim_snap_khz(&s, now))), SIM_PPM);
	}
	if (applied)
		st->period_start_ns = applied;
	*share = SIM_PPM - keep;
	return settle;
}

/**
 * sim_tick() - steal hrtimer callback, runs on the owning CPU in hard irq
 * @timer: the CPU's &sim_steal.timer
 *
 * Applies pending settle instants (restarting the steal period there),
 * busy-waits the share of the current period, and re-arms for the earlier
 * of the next period and the next settle instant.  Stops when there is
 * nothing to steal and nothing pending.
 *
 * Return: HRTIMER_RESTART while stealing or a settle is pending.
 */
static enum hrtimer_restart sim_tick(struct hrtimer *timer)
{
	struct sim_steal *st = container_of(timer, struct sim_steal, timer);
	u64 now, stop, next, settle, period = 0;
	unsigned int share;

	now = ktime_get_ns();
	for (;;) {
		settle = sim_steal_eval(st, now, &share);
		WRITE_ONCE(st->share_ppm, share);
		if (!share)
			break;

		period = sim_steal_period(share);
		if (now - st->period_start_ns >= period)
			st->period_start_ns += period *
				div64_u64(now - st->period_start_ns, period);
		stop = st->period_start_ns + div_u64(period * share, SIM_PPM);
		sim_spin_until(min(stop, settle));
		now = ktime_get_ns();
		/* A settle instant fell inside the burst: switch now. */
		if (now < settle)
			break;
	}

	next = U64_MAX;
	/* After an overrun (host preemption) still leave the CPU a gap. */
	if (share)
		next = max(st->period_start_ns + period,
			   now + sim_min_idle_ns / 2);
	next = min(next, settle);
	if (next == U64_MAX)
		return HRTIMER_NORESTART;
	hrtimer_set_expires(timer, ns_to_ktime(next));
	return HRTIMER_RESTART;
}

/* IPI handler: arm the timer on this CPU for the new settle instant. */
static void sim_kick_fn(void *info)
{
	struct sim_steal *st = info;
	u64 when = U64_MAX;
	struct sim_snap s;
	unsigned int i;

	atomic_set(&st->kick_queued, 0);
	/*
	 * Cleared before reading state so that a later update re-kicks: pairs
	 * with the atomic_xchg() in sim_kick() after the state was written.
	 */
	smp_mb__after_atomic();

	for (i = 0; i < st->nsrc; i++) {
		sim_snapshot(st->src[i], &s);
		if (s.active && s.seq != st->applied_seq[i])
			when = min(when, s.t_settle_ns);
	}
	if (when == U64_MAX)
		return;
	/* An earlier period boundary re-evaluates the settle anyway. */
	if (hrtimer_is_queued(&st->timer) &&
	    ktime_before(hrtimer_get_expires(&st->timer), ns_to_ktime(when)))
		return;
	hrtimer_start(&st->timer, ns_to_ktime(when),
		      HRTIMER_MODE_ABS_PINNED_HARD);
}

/*
 * A pinned hrtimer can only be started from its CPU.  The IPI is async:
 * waiting for it would add the target CPU's current steal burst to the
 * caller's stall.
 */
static void sim_kick(unsigned int cpu)
{
	struct sim_steal *st = per_cpu_ptr(&sim_steals, cpu);
	int ret;

	if (atomic_xchg(&st->kick_queued, 1))
		return;
	ret = smp_call_function_single_async(cpu, &st->csd);
	if (ret) {
		atomic_set(&st->kick_queued, 0);
		pr_warn_ratelimited("cpu%u: cannot arm steal timer: %d\n",
				    cpu, ret);
	}
}

/**
 * sim_steal_quiesce() - stop the steal timers of @cpus
 * @cpus: the CPUs
 *
 * After this neither their IPI nor their timer runs or is pending, until a
 * clock of theirs transitions again: stop those first (sim_clk_stop()).
 * Must be able to sleep.
 */
void sim_steal_quiesce(const struct cpumask *cpus)
{
	struct sim_steal *st;
	unsigned int cpu;

	/* A queued IPI is always delivered; wait until it has started... */
	for_each_cpu(cpu, cpus)
		while (atomic_read(&per_cpu_ptr(&sim_steals, cpu)->kick_queued))
			usleep_range(50, 100);
	/* ...and finished: it runs with irqs off, an RCU read-side section. */
	synchronize_rcu();
	for_each_cpu(cpu, cpus) {
		st = per_cpu_ptr(&sim_steals, cpu);
		hrtimer_cancel(&st->timer);
		WRITE_ONCE(st->share_ppm, 0);
	}
}

/**
 * sim_steal_share_ppm() - the share of @cpu stolen right now
 * @cpu: the CPU
 *
 * Return: parts per million.
 */
u32 sim_steal_share_ppm(unsigned int cpu)
{
	return READ_ONCE(per_cpu_ptr(&sim_steals, cpu)->share_ppm);
}

static void sim_steal_setup(unsigned int cpu)
{
	struct sim_steal *st = per_cpu_ptr(&sim_steals, cpu);

	settle_sim_hrtimer_setup(&st->timer, sim_tick, CLOCK_MONOTONIC,
				 HRTIMER_MODE_ABS_PINNED_HARD);
	INIT_CSD(&st->csd, sim_kick_fn, st);
	atomic_set(&st->kick_queued, 0);
}

/* Every clock throttles the CPUs of its steal_cpus, before any starts. */
static void sim_steal_attach_all(void)
{
	const struct sim_domain_ops *ops;
	struct sim_steal *st;
	unsigned int d, idx, cpu;
	struct sim_clk *c;

	for (d = 0; d < SIM_DOMAINS; d++) {
		ops = sim_domains[d];
		for (idx = 0; idx < ops->nr_devs; idx++) {
			c = ops->clk(idx);
			if (!c || !c->steal_cpus)
				continue;
			for_each_cpu(cpu, c->steal_cpus) {
				st = per_cpu_ptr(&sim_steals, cpu);
				if (st->nsrc == SIM_STEAL_SRCS) {
					pr_warn("cpu%u: %s does not throttle it: at most %d clocks a CPU\n",
						cpu, c->name, SIM_STEAL_SRCS);
					continue;
				}
				st->src[st->nsrc++] = c;
			}
		}
	}
}

/* ---- replay and truth ------------------------------------------------- */

static void sim_next_delay(u32 domain, u32 from, u32 to, u64 *stall_ns,
			   u64 *settle_ns)
{
	int fixed_stall = domain == SIM_CPU ? READ_ONCE(stall_us) : -1;
	int fixed_settle = domain == SIM_CPU ? READ_ONCE(settle_us) : -1;

	sim_replay_next(domain, from, to, stall_ns, settle_ns);
	if (fixed_stall >= 0)
		*stall_ns = (u64)fixed_stall * NSEC_PER_USEC;
	if (fixed_settle >= 0)
		*settle_ns = (u64)fixed_settle * NSEC_PER_USEC;
}

static void sim_truth_push(const struct sim_xfer *rec)
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

/**
 * sim_xfer_begin() - a driver call starts a transition of @c
 * @c: the clock
 * @from_khz: rate before, as the framework sees it
 * @to_khz: rate requested
 * @x: the transition; its parent fields are the caller's, the rest is
 *	filled in here
 *
 * Called at the entry of the driver call (the request instant), in process
 * context.  Picks stall and settle, moves the effective rate @settle_ns
 * from now and arms the steal timers of the CPUs @c throttles, before the
 * stall: a settle shorter than the stall lands inside it.
 */
void sim_xfer_begin(struct sim_clk *c, u32 from_khz, u32 to_khz,
		    struct sim_xfer *x)
{
	unsigned long flags;
	unsigned int cpu;
	u64 settle_ns;

	x->t_request_ns = ktime_get_ns();
	x->domain = c->domain;
	x->dev = c->name;
	x->from_khz = from_khz;
	x->to_khz = to_khz;
	x->cpu = raw_smp_processor_id();
	sim_next_delay(c->domain, from_khz, to_khz, &x->stall_ns, &settle_ns);
	x->t_settle_ns = x->t_request_ns + settle_ns;

	write_seqlock_irqsave(&c->lock, flags);
	if (to_khz == c->cur_khz) {
		/*
		 * Re-requesting the rate the clock already heads for does
		 * not restart its settling.  The cpufreq core re-issues the
		 * request after get() disagreed with policy->cur
		 * (cpufreq_out_of_sync()); restarting would let a reader
		 * polling cpuinfo_cur_freq hold off the settle for ever.
		 */
		x->t_settle_ns = max(c->t_settle_ns, x->t_request_ns);
	} else {
		/* A transition cut short starts from what the clock showed. */
		c->prev_khz = x->t_request_ns < c->t_settle_ns ?
			      c->prev_khz : c->cur_khz;
		c->cur_khz = to_khz;
		c->t_settle_ns = x->t_settle_ns;
		c->seq++;
	}
	write_sequnlock_irqrestore(&c->lock, flags);

	if (sim_steal && c->steal_cpus)
		for_each_cpu_and(cpu, c->steal_cpus, cpu_online_mask)
			sim_kick(cpu);
}

/**
 * sim_xfer_end() - wait out the stall of @x, then log it as truth
 * @x: the transition sim_xfer_begin() started
 *
 * A sleeping stall (stall_sleep) leaves the CPU to others, like a wait for
 * firmware.  In a TCG guest this matters: a spinning vCPU takes a host core
 * the probe's vCPU then lacks.  The spin finishes the stall exactly.  A
 * stall already spent (inside a nested request) ends at once.
 */
void sim_xfer_end(struct sim_xfer *x)
{
	u64 until = x->t_request_ns + x->stall_ns;

	if (READ_ONCE(sim_stall_sleep) && ktime_get_ns() < until) {
		ktime_t t = ns_to_ktime(until);

		set_current_state(TASK_UNINTERRUPTIBLE);
		schedule_hrtimeout(&t, HRTIMER_MODE_ABS);
	}
	sim_spin_until(until);
	x->stall_ns = ktime_get_ns() - x->t_request_ns;
	sim_truth_push(x);
}

/* ---- exported readout ------------------------------------------------- */

/**
 * settle_sim_dev_lookup() - find a simulated device's effective-rate readout
 * @domain: enum settle_domain: 0 CPU, 1 GPU, 2 EMC
 * @name: "cpuN", "sim-gpu" or "emc"
 *
 * settle.ko finds this with symbol_get(), so neither module links the
 * other.  May sleep.
 *
 * Return: a handle > 0 for settle_sim_dev_read_khz(), or 0 when the
 * simulator has no such live device.
 */
int settle_sim_dev_lookup(u32 domain, const char *name)
{
	int idx;

	might_sleep();
	if (domain >= SIM_DOMAINS || !name)
		return 0;
	idx = sim_domains[domain]->lookup(name);
	if (idx < 0 || idx >= SIM_HANDLE_IDX_MASK)
		return 0;
	return domain << SIM_HANDLE_SHIFT | (idx + 1);
}
EXPORT_SYMBOL_GPL(settle_sim_dev_lookup);

/**
 * settle_sim_dev_read_khz() - the simulated hardware readout
 * @handle: from settle_sim_dev_lookup()
 *
 * Lock-free (a seqlock read): settle's sampler calls it from hard irq.
 *
 * Return: the effective (lagged) rate of the device, kHz; 0 for a bad
 * handle or a device no longer live.
 */
u32 settle_sim_dev_read_khz(int handle)
{
	u32 domain = (u32)handle >> SIM_HANDLE_SHIFT;
	u32 idx = handle & SIM_HANDLE_IDX_MASK;
	struct sim_clk *c;

	if (handle <= 0 || domain >= SIM_DOMAINS || !idx)
		return 0;
	c = sim_domains[domain]->clk(idx - 1);
	return c ? sim_clk_read_khz(c) : 0;
}
EXPORT_SYMBOL_GPL(settle_sim_dev_read_khz);

/**
 * settle_sim_read_khz() - the simulated readout of a CPU, for settle.ko
 * @cpu: the CPU
 *
 * What the cpufreq driver's get() reports, without going through cpufreq;
 * lockless, hard irq safe.  The same as settle_sim_dev_read_khz() of
 * "cpu@cpu".
 *
 * Return: the rate the simulated hardware runs @cpu at, kHz; 0 if @cpu is
 * not simulated.
 */
u32 settle_sim_read_khz(unsigned int cpu)
{
	struct sim_clk *c = sim_cpu_ops.clk(cpu);

	return c ? sim_clk_read_khz(c) : 0;
}
EXPORT_SYMBOL_GPL(settle_sim_read_khz);

/* ---- debugfs ---------------------------------------------------------- */

struct sim_truth_iter {
	u64 base;	/* absolute index of seq_file position 1 */
	struct sim_xfer rec;
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
	const struct sim_xfer *r = v;

	if (v == SEQ_START_TOKEN) {
		seq_puts(m, "domain,from_khz,to_khz,t_request_ns,stall_ns,t_settle_ns,cpu,dev,parent_dev,parent_t_request_ns\n");
		return 0;
	}
	seq_printf(m, "%s,%u,%u,%llu,%llu,%llu,%u,%s,%s,%llu\n",
		   sim_domains[r->domain]->name, r->from_khz, r->to_khz,
		   r->t_request_ns, r->stall_ns, r->t_settle_ns, r->cpu, r->dev,
		   r->parent_dev ? r->parent_dev : "", r->parent_t_request_ns);
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
	const struct sim_domain_ops *ops;
	unsigned int d, idx;
	struct sim_snap s;
	struct sim_clk *c;
	bool pending;
	u64 now;

	seq_puts(m, "domain,dev,cur_khz,target_khz,pending,settle_in_ns,steal_ppm\n");
	for (d = 0; d < SIM_DOMAINS; d++) {
		ops = sim_domains[d];
		for (idx = 0; idx < ops->nr_devs; idx++) {
			c = ops->clk(idx);
			if (!c)
				continue;
			sim_snapshot(c, &s);
			if (!s.active)
				continue;
			now = ktime_get_ns();
			pending = now < s.t_settle_ns;
			seq_printf(m, "%s,%s,%u,%u,%d,%llu,%u\n", ops->name,
				   c->name, sim_snap_khz(&s, now), s.cur_khz,
				   pending, pending ? s.t_settle_ns - now : 0,
				   d == SIM_CPU ? sim_steal_share_ppm(idx) : 0);
		}
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(sim_state);

/* debugfs failures are not fatal: the drivers work without it. */
static void sim_debugfs_create(void)
{
	sim_dir = debugfs_create_dir("settle_sim", NULL);
	debugfs_create_file("truth", 0644, sim_dir, NULL, &sim_truth_fops);
	debugfs_create_file("truth_lost", 0444, sim_dir, NULL,
			    &sim_truth_lost_fops);
	debugfs_create_file("state", 0444, sim_dir, NULL, &sim_state_fops);
	sim_replay_debugfs(sim_dir);
}

/* ---- module ----------------------------------------------------------- */

static int __init sim_init(void)
{
	unsigned int cpu, d, i;
	int ret;

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
	for (d = 0; d < SIM_DOMAINS; d++) {
		ret = sim_domains[d]->setup();
		if (ret)
			return ret;
	}

	ret = sim_replay_init();
	if (ret)
		return ret;
	sim_truth = vzalloc(array_size(SIM_TRUTH_ENTRIES, sizeof(*sim_truth)));
	if (!sim_truth) {
		ret = -ENOMEM;
		goto err_free_profiles;
	}
	for_each_possible_cpu(cpu)
		sim_steal_setup(cpu);
	sim_steal_attach_all();
	sim_debugfs_create();

	for (i = 0; i < SIM_DOMAINS; i++) {
		ret = sim_domains[sim_start_order[i]]->start();
		if (ret)
			goto err_stop_domains;
	}
	ret = sim_heartbeat_init();
	if (ret)
		goto err_stop_domains;
	pr_info("CPU stall %d us, settle %d us (-1 = profile), steal %s, stall %s\n",
		stall_us, settle_us, sim_steal ? "on" : "off",
		sim_stall_sleep ? "sleeps" : "spins");
	return 0;

err_stop_domains:
	while (i--)
		sim_domains[sim_start_order[i]]->stop();
	debugfs_remove_recursive(sim_dir);
	sim_steal_quiesce(cpu_possible_mask);
	vfree(sim_truth);
err_free_profiles:
	sim_replay_exit();
	return ret;
}

static void __exit sim_exit(void)
{
	unsigned int i;

	sim_heartbeat_stop();
	/* Each waits for its transitions in flight and stops its clocks. */
	for (i = SIM_DOMAINS; i--; )
		sim_domains[sim_start_order[i]]->stop();
	debugfs_remove_recursive(sim_dir);
	/* CPUs never brought up, or throttled by EMC, may still have one. */
	sim_steal_quiesce(cpu_possible_mask);
	vfree(sim_truth);
	sim_replay_exit();
}

module_init(sim_init);
module_exit(sim_exit);

MODULE_DESCRIPTION("Simulated Jetson board (CPU, GPU, EMC clock domains) with ground truth for settle");
MODULE_LICENSE("GPL");
