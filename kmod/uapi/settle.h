/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * settle control interface: /dev/settle (root only).  Any number of files
 * may be open for the queries; the first step through a file makes it the
 * controller, and other files' steps fail with EBUSY until it is closed.
 * A step is timed entirely inside the kernel so the request instant is
 * exact; whatever the first step on a device changes (a cpufreq policy's
 * governor and limits, a devfreq device's QoS bounds, a clock's rate range)
 * is put back when the controlling file is closed, however the controller
 * ends.
 */
#ifndef _UAPI_SETTLE_H
#define _UAPI_SETTLE_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define SETTLE_DEV_PATH		"/dev/settle"
/*
 * 2: clock domains (SETTLE_IOC_STEP, SETTLE_IOC_DEVICE) and the
 * domain-neutral settle:* events; SETTLE_IOC_CPU_STEP still works.
 * 3: every settle:* event ends in @seq, one sequence for all of them, and
 * SETTLE_IOC_EVENT_SEQ reads the last number drawn.
 */
#define SETTLE_API_VERSION	3

/* Clock domains.  Every settle:* event carries one, and a device index. */
enum settle_domain {
	SETTLE_DOMAIN_CPU = 0,	/* device index: the policy CPU */
	SETTLE_DOMAIN_GPU = 1,	/* device index: order of attachment */
	SETTLE_DOMAIN_EMC = 2,	/* device index: order of attachment */
	SETTLE_DOMAINS
};

/* The kernel framework a device is driven through. */
enum settle_backend {
	SETTLE_BACKEND_CPUFREQ = 0,
	SETTLE_BACKEND_DEVFREQ = 1,
	SETTLE_BACKEND_CLK = 2,
};

/* Where a transition's request timestamp came from (settle:request). */
enum settle_req_source {
	SETTLE_REQ_STEP = 0,	/* SETTLE_IOC_STEP: exact */
	SETTLE_REQ_KPROBE = 1,	/* kprobe on the framework's target call */
	SETTLE_REQ_NOTIFIER = 2,	/* driver entry: the request is not seen */
	/* 3: a userspace write, in traces settle import makes */
	/*
	 * An interconnect bandwidth request: the rates are not known (0),
	 * and any change of the readout is the effective change.
	 */
	SETTLE_REQ_ICC = 4,
};

/*
 * Effective-rate readers.  "software" readers report what the kernel
 * believes (they follow the driver's return), "hardware" ones measure.
 */
enum settle_reader_id {
	SETTLE_READER_NONE = 0,
	SETTLE_READER_CACHED = 1,	/* cpufreq policy->cur: software */
	SETTLE_READER_SIM = 2,		/* tests/sim settle_sim.ko */
	SETTLE_READER_TEGRA234 = 3,	/* per-core CMU counters: hardware */
	SETTLE_READER_DEVFREQ = 4,	/* devfreq get_cur_freq: the driver's */
	SETTLE_READER_CLK = 5,		/* clk_get_rate: software */
	SETTLE_READER_BPMP = 6,		/* BPMP MRQ_CLK get-rate: firmware */
};

/* settle:effective status. */
enum settle_eff_status {
	SETTLE_EFF_SETTLED = 0,		/* the reader reported the target */
	SETTLE_EFF_TIMEOUT = 1,		/* sample_timeout_us passed first */
	SETTLE_EFF_SUPERSEDED = 2,	/* a newer transition began first */
	SETTLE_EFF_CANCELLED = 3,	/* module unloaded while sampling */
};

/* settle:policy action. */
enum settle_policy_action {
	SETTLE_POLICY_SAVED = 0,
	SETTLE_POLICY_RESTORED = 1,
	SETTLE_POLICY_RESTORE_FAILED = 2,
	SETTLE_POLICY_OBSERVED = 255,	/* a change settle only saw */
};

struct settle_version {
	__u32 api;		/* out: SETTLE_API_VERSION */
	__u32 reader;		/* out: enum settle_reader_id of the CPUs */
	__u32 sample_period_ns;	/* out: sampler period */
	__u32 sample_timeout_us;	/* out: sampler timeout */
	__u32 kprobes;		/* out: 1 if the request kprobe is armed */
	__u32 domains;		/* out: bit per enum settle_domain attached */
	__u32 controlled;	/* out: 1 if another file is the controller */
	__u32 reserved;
};

/* SETTLE_IOC_CPU_STEP, API 1: a SETTLE_IOC_STEP of the CPU domain. */
struct settle_cpu_step {
	__u32 cpu;		/* in: any CPU of the policy */
	__u32 target_khz;	/* in: an entry of the policy's table */
	__u32 flags;		/* in: must be 0 */
	__u32 cur_khz;		/* out: policy->cur after the driver call */
	__u64 id;		/* out: transition id used in the trace */
	__u64 t_request_ns;	/* out: CLOCK_MONOTONIC, just before the call */
	__u64 t_exit_ns;	/* out: CLOCK_MONOTONIC, the call returned */
};

struct settle_step {
	__u32 domain;		/* in: enum settle_domain */
	__u32 dev;		/* in: device index (CPU: any CPU of the policy) */
	__u32 target_khz;	/* in: an entry of the device's rate table */
	__u32 flags;		/* in: must be 0 */
	__u32 cur_khz;		/* out: the framework's rate after the call */
	__u32 event_dev;	/* out: the device index the events carry */
	__u64 id;		/* out: transition id used in the trace */
	__u64 t_request_ns;	/* out: CLOCK_MONOTONIC, just before the call */
	__u64 t_exit_ns;	/* out: CLOCK_MONOTONIC, the call returned */
};

#define SETTLE_NAME_LEN		32
#define SETTLE_MAX_RATES	64

/* struct settle_device_info.flags */
#define SETTLE_DEV_STEPPABLE	(1U << 0)	/* SETTLE_IOC_STEP works on it */
#define SETTLE_DEV_RATES_CUT	(1U << 1)	/* more than SETTLE_MAX_RATES */

struct settle_device_info {
	__u32 domain;		/* in: enum settle_domain */
	__u32 index;		/* in: 0, 1, ...; ENOENT past the last */
	__u32 dev;		/* out: the device index events carry */
	__u32 backend;		/* out: enum settle_backend */
	__u32 reader;		/* out: enum settle_reader_id sampling it */
	__u32 flags;		/* out: SETTLE_DEV_* */
	__u32 cur_khz;		/* out: the framework's current rate */
	__u32 nrates;		/* out: entries used in rates_khz, ascending */
	char name[SETTLE_NAME_LEN];	/* out: "cpu0", "17000000.gpu", "emc" */
	__u32 rates_khz[SETTLE_MAX_RATES];
};

#define SETTLE_IOC_MAGIC	0xd5
#define SETTLE_IOC_VERSION	_IOR(SETTLE_IOC_MAGIC, 0, struct settle_version)
#define SETTLE_IOC_CPU_STEP	_IOWR(SETTLE_IOC_MAGIC, 1, struct settle_cpu_step)
#define SETTLE_IOC_STEP		_IOWR(SETTLE_IOC_MAGIC, 2, struct settle_step)
#define SETTLE_IOC_DEVICE	_IOWR(SETTLE_IOC_MAGIC, 3, struct settle_device_info)
/* API 3: the last settle:* event number drawn (0: none yet). */
#define SETTLE_IOC_EVENT_SEQ	_IOR(SETTLE_IOC_MAGIC, 4, __u64)

#endif /* _UAPI_SETTLE_H */
