/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * settle control interface: /dev/settle (root only, one controller at a
 * time).  A step is timed entirely inside the kernel so the request instant
 * is exact; the policy the first step changes is saved and restored when the
 * controlling file is closed, however the controller ends.
 */
#ifndef _UAPI_SETTLE_H
#define _UAPI_SETTLE_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define SETTLE_DEV_PATH		"/dev/settle"
#define SETTLE_API_VERSION	1

/* Where a transition's request timestamp came from (settle:cpu_request). */
enum settle_req_source {
	SETTLE_REQ_STEP = 0,	/* SETTLE_IOC_CPU_STEP: exact */
	SETTLE_REQ_KPROBE = 1,	/* kprobe on __cpufreq_driver_target */
	SETTLE_REQ_NOTIFIER = 2,	/* PRECHANGE: the request is not seen */
};

/* Frequency readers used by the effective-frequency sampler. */
enum settle_reader_id {
	SETTLE_READER_NONE = 0,
	SETTLE_READER_CACHED = 1,	/* policy->cur: software view only */
	SETTLE_READER_SIM = 2,		/* tests/sim settle_sim.ko */
	SETTLE_READER_TEGRA234 = 3,	/* per-core CMU counters (MMIO) */
};

/* settle:cpu_effective status. */
enum settle_eff_status {
	SETTLE_EFF_SETTLED = 0,		/* the reader reported the target */
	SETTLE_EFF_TIMEOUT = 1,		/* sample_timeout_us passed first */
	SETTLE_EFF_SUPERSEDED = 2,	/* a newer transition began first */
	SETTLE_EFF_CANCELLED = 3,	/* module unloaded while sampling */
};

/* settle:cpu_policy action. */
enum settle_policy_action {
	SETTLE_POLICY_SAVED = 0,
	SETTLE_POLICY_RESTORED = 1,
	SETTLE_POLICY_RESTORE_FAILED = 2,
};

struct settle_version {
	__u32 api;		/* out: SETTLE_API_VERSION */
	__u32 reader;		/* out: enum settle_reader_id in use */
	__u32 sample_period_ns;	/* out: sampler period */
	__u32 sample_timeout_us;	/* out: sampler timeout */
	__u32 kprobes;		/* out: 1 if request kprobe is armed */
	__u32 reserved[3];
};

struct settle_cpu_step {
	__u32 cpu;		/* in: any CPU of the policy */
	__u32 target_khz;	/* in: an entry of the policy's table */
	__u32 flags;		/* in: must be 0 */
	__u32 cur_khz;		/* out: policy->cur after the driver call */
	__u64 id;		/* out: transition id used in the trace */
	__u64 t_request_ns;	/* out: CLOCK_MONOTONIC, just before the call */
	__u64 t_exit_ns;	/* out: CLOCK_MONOTONIC, the call returned */
};

#define SETTLE_IOC_MAGIC	0xd5
#define SETTLE_IOC_VERSION	_IOR(SETTLE_IOC_MAGIC, 0, struct settle_version)
#define SETTLE_IOC_CPU_STEP	_IOWR(SETTLE_IOC_MAGIC, 1, struct settle_cpu_step)

#endif /* _UAPI_SETTLE_H */
