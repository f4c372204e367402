/* SPDX-License-Identifier: GPL-2.0 */
/*
 * settle_sim internals: the shared core (sim_core.c) and the domains that
 * plug into it (sim_cpu.c, sim_gpu.c, sim_emc.c) through struct
 * sim_domain_ops.  Every .c file of the module includes this first.
 *
 * A domain owns one or more struct sim_clk, the simulated clock state.  To
 * make a transition it calls sim_xfer_begin() (pick stall and settle from
 * the domain's replay profile, move the clock, arm the steal timers of the
 * CPUs the clock throttles), does whatever else its driver call does, then
 * sim_xfer_end() (wait out the stall, log the ground truth).
 */
#ifndef SIM_CORE_H
#define SIM_CORE_H

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/seqlock.h>
#include <linux/types.h>

struct dentry;

/* Values of enum settle_domain (kmod/uapi/settle.h). */
enum sim_domain {
	SIM_CPU = 0,
	SIM_GPU = 1,
	SIM_EMC = 2,
	SIM_DOMAINS
};

#define SIM_NAME_LEN	16
/* Busy-waits this long in a driver callback are already absurd. */
#define SIM_MAX_STALL_US	100000
#define SIM_MAX_SETTLE_US	10000000

/**
 * struct sim_clk - simulated state of one clock
 * @lock: seqlock protecting @prev_khz .. @active; readers are lockless
 * @prev_khz: effective rate before @t_settle_ns
 * @cur_khz: last requested rate (the software view); effective from
 *	@t_settle_ns on
 * @t_settle_ns: settle instant of the latest transition (CLOCK_MONOTONIC)
 * @seq: number of transitions; tells the steal timers a settle is new
 * @active: the device is live; readers see 0 and its steal stops when
 *	false
 * @fmax_khz: highest rate; the steal share is 1 - effective / @fmax_khz
 * @steal_cpus: CPUs this clock throttles (NULL: none)
 * @domain: enum sim_domain
 * @name: device name, as settle_sim_dev_lookup() and the truth know it
 */
struct sim_clk {
	seqlock_t lock;
	u32 prev_khz;
	u32 cur_khz;
	u64 t_settle_ns;
	u64 seq;
	bool active;

	u32 fmax_khz;
	const struct cpumask *steal_cpus;
	u32 domain;
	char name[SIM_NAME_LEN];
};

/**
 * struct sim_xfer - one transition, and its ground-truth record
 * @t_request_ns: entry of the driver call
 * @stall_ns: planned stall until sim_xfer_end(), then the real one
 * @t_settle_ns: instant the effective rate switched to @to_khz
 * @parent_t_request_ns: @t_request_ns of the transition whose driver call
 *	issued this one (cpu_emc_link), 0 if none
 * @dev: device name (a struct sim_clk's @name)
 * @parent_dev: the parent's device name, NULL if none
 * @from_khz: rate before, as the framework saw it
 * @to_khz: rate requested
 * @cpu: the policy CPU for the CPU domain; otherwise the CPU the driver
 *	call ran on
 * @domain: enum sim_domain
 */
struct sim_xfer {
	u64 t_request_ns;
	u64 stall_ns;
	u64 t_settle_ns;
	u64 parent_t_request_ns;
	const char *dev;
	const char *parent_dev;
	u32 from_khz;
	u32 to_khz;
	u32 cpu;
	u32 domain;
};

/**
 * struct sim_domain_ops - what a domain plugs into the core
 * @name: domain name in the truth and state ("cpu", "gpu", "emc")
 * @setup: check parameters, initialise the domain's clocks; registers
 *	nothing
 * @start: register the device with its framework
 * @stop: unregister it; no transition runs after this returns
 * @clk: the clock of device @idx, or NULL; storage is static and stays
 *	valid while the module is loaded
 * @lookup: device index of @name, or -ENOENT
 * @nr_devs: number of device indices to list in debugfs state
 *
 * The core calls every @setup, then every @start in the order of enum
 * sim_domain reversed (EMC first: the CPU links to it), and the @stop in
 * the opposite order.
 */
struct sim_domain_ops {
	const char *name;
	int (*setup)(void);
	int (*start)(void);
	void (*stop)(void);
	struct sim_clk *(*clk)(unsigned int idx);
	int (*lookup)(const char *name);
	unsigned int nr_devs;
};

extern const struct sim_domain_ops sim_cpu_ops;
extern const struct sim_domain_ops sim_gpu_ops;
extern const struct sim_domain_ops sim_emc_ops;

/* sim_core.c: module parameters the domains share */
extern bool sim_steal;
extern bool sim_stall_sleep;
extern struct dentry *sim_dir;

void sim_clk_init(struct sim_clk *c, u32 domain, const char *name,
		  u32 fmax_khz, u32 khz);
void sim_clk_start(struct sim_clk *c, u32 khz);
void sim_clk_stop(struct sim_clk *c);
u32 sim_clk_read_khz(struct sim_clk *c);
u32 sim_clk_target_khz(struct sim_clk *c);
void sim_xfer_begin(struct sim_clk *c, u32 from_khz, u32 to_khz,
		    struct sim_xfer *x);
void sim_xfer_end(struct sim_xfer *x);
void sim_steal_quiesce(const struct cpumask *cpus);
u32 sim_steal_share_ppm(unsigned int cpu);
int sim_check_rates(const char *what, const unsigned int *khz,
		    unsigned int n);

/* sim_replay.c: the replay profiles */
int sim_replay_init(void);
void sim_replay_exit(void);
void sim_replay_debugfs(struct dentry *dir);
void sim_replay_next(u32 domain, u32 from, u32 to, u64 *stall_ns,
		     u64 *settle_ns);

/* sim_emc.c: the CPU's request to the EMC clock (cpu_emc_link) */
void sim_emc_link_request(const struct sim_xfer *parent, unsigned int idx,
			  unsigned int nr, bool icc);

#endif /* SIM_CORE_H */
