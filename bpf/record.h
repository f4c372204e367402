/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Records that the BPF programs push through the ring buffer to `settle`.
 * Shared by record.bpf.c and the userspace recorder, so every field carries
 * its unit and the layout is fixed-width and padding-free.
 *
 * The tracepoint context layouts live here too: the BPF programs read them
 * and userspace checks the very same offsets against tracefs `format` files
 * before attaching, so the two can never silently disagree.
 */
#ifndef SETTLE_RECORD_H
#define SETTLE_RECORD_H

#define SETTLE_RINGBUF_BYTES	(1U << 22)

/*
 * What each CPU's programs saw of settle.ko's event numbers (record.bpf.c,
 * count_seen()): how many, and the last SETTLE_SEEN_RECENT of them, which
 * tell the recorder which counted events came after its cut.
 */
#define SETTLE_SEEN_RECENT	256
struct settle_seen {
	__u64 count;
	__u64 pos;			/* recent[(pos - 1) % RECENT] is the last */
	__u64 recent[SETTLE_SEEN_RECENT];
};
#define SETTLE_GOVERNOR_BYTES	16

/*
 * Which hook produced a record.  Values are never reused: 1, 2, 4 and 5
 * were the CPU-only settle:cpufreq_pre/post, cpu_request and cpu_effective
 * records of trace format v1.
 */
enum settle_rec_type {
	SETTLE_REC_CPU_FREQUENCY = 3,	/* power:cpu_frequency (fallback, CPU) */
	SETTLE_REC_LIMITS = 6,		/* settle:limits, or
					 * power:cpu_frequency_limits (fallback) */
	SETTLE_REC_POLICY = 7,		/* settle:policy */
	SETTLE_REC_REQUEST = 8,		/* settle:request */
	SETTLE_REC_DRIVER_ENTRY = 9,	/* settle:driver_entry */
	SETTLE_REC_DRIVER_EXIT = 10,	/* settle:driver_exit */
	SETTLE_REC_EFFECTIVE = 11,	/* settle:effective */
	SETTLE_REC_TYPES		/* one past the last */
};

/*
 * Every record starts with the same 32-byte head; the rest depends on the
 * type, and the consumer checks the length against the type.  settle_rec
 * itself is the driver_entry/exit and cpu_frequency record (40 bytes).
 */
#define SETTLE_REC_HEAD							\
	__u64 ts_ns;		/* CLOCK_MONOTONIC, taken in the kernel */	\
	__u64 id;		/* transition id from settle.ko, 0 if none */	\
	__u32 type;		/* enum settle_rec_type */			\
	__u32 domain;		/* enum settle_domain; fallback: CPU */		\
	__u32 dev;		/* device index (CPU domain: the policy CPU) */	\
	__u32 head_pad

#define SETTLE_REC_HEAD_BYTES	32

struct settle_rec_head {
	SETTLE_REC_HEAD;
};

struct settle_rec {		/* driver_entry/exit, cpu_frequency */
	SETTLE_REC_HEAD;
	__u32 old_khz;		/* 0 where the hook does not know it */
	__u32 new_khz;
};

struct settle_rec_request {	/* request */
	SETTLE_REC_HEAD;
	__u64 parent_id;	/* requested inside this transition; 0 none */
	__u32 from_khz;
	__u32 to_khz;
	__u32 source;		/* enum settle_req_source */
	__u32 pad;
};

struct settle_rec_effective {	/* effective; ts_ns: the settling sample */
	SETTLE_REC_HEAD;
	__u64 prev_ts_ns;	/* last sample still showing the old rate */
	__u32 khz;
	__u32 cost_ns;
	__u32 samples;
	__u32 reader;		/* enum settle_reader_id */
	__u32 status;		/* enum settle_eff_status */
	__u32 pad;
};

struct settle_rec_limits {	/* limits; id is 0 */
	SETTLE_REC_HEAD;
	__u32 min_khz;
	__u32 max_khz;
	__u32 cur_khz;		/* 0: unknown (fallback) */
	__u32 pad;
};

struct settle_rec_policy {	/* policy; id is 0 */
	SETTLE_REC_HEAD;
	__u32 action;		/* enum settle_policy_action, 255 observed */
	__u32 min_khz;
	__u32 max_khz;
	__u32 pad;
	char governor[SETTLE_GOVERNOR_BYTES];	/* NUL-terminated by the kernel */
};

/*
 * Raw tracepoint entries as the kernel lays them out (8-byte common header
 * first), mirroring kmod/settle_trace.h.  Only the fields settle reads are
 * named.
 */
struct settle_tp_request {		/* settle:request */
	__u64 common;
	__u64 id;
	__u64 ts_ns;
	__u64 parent_id;
	__u32 domain;
	__u32 dev;
	__u32 from_khz;
	__u32 to_khz;
	__u32 source;
	__u64 seq;			/* settle_event() number, API 3 */
};

struct settle_tp_driver {		/* settle:driver_entry, settle:driver_exit */
	__u64 common;
	__u64 id;			/* transition id, same for entry and exit */
	__u64 ts_ns;			/* CLOCK_MONOTONIC */
	__u32 domain;
	__u32 dev;
	__u32 old_khz;
	__u32 new_khz;
	__u64 seq;			/* settle_event() number, API 3 */
};

struct settle_tp_effective {		/* settle:effective */
	__u64 common;
	__u64 id;
	__u64 ts_ns;
	__u64 prev_ts_ns;
	__u32 domain;
	__u32 dev;
	__u32 khz;
	__u32 cost_ns;
	__u32 samples;
	__u32 reader;
	__u32 status;
	__u64 seq;			/* settle_event() number, API 3 */
};

struct settle_tp_limits {		/* settle:limits */
	__u64 common;
	__u64 ts_ns;
	__u32 domain;
	__u32 dev;
	__u32 min_khz;
	__u32 max_khz;
	__u32 cur_khz;
	__u64 seq;			/* settle_event() number, API 3 */
};

struct settle_tp_policy {		/* settle:policy */
	__u64 common;
	__u64 ts_ns;
	__u32 domain;
	__u32 dev;
	__u32 action;
	__u32 min_khz;
	__u32 max_khz;
	char governor[SETTLE_GOVERNOR_BYTES];
	__u64 seq;			/* settle_event() number, API 3 */
};

struct settle_tp_cpu_frequency {	/* power:cpu_frequency */
	__u64 common;
	__u32 state;			/* new frequency, kHz */
	__u32 cpu_id;
};

struct settle_tp_cpu_frequency_limits {	/* power:cpu_frequency_limits */
	__u64 common;
	__u32 min_freq;			/* kHz */
	__u32 max_freq;			/* kHz */
	__u32 cpu_id;
};

#endif /* SETTLE_RECORD_H */
