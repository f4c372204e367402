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

/* Which hook produced a record; values are stable and appear in traces. */
enum settle_rec_type {
	SETTLE_REC_CPUFREQ_PRE = 1,	/* settle:cpufreq_pre */
	SETTLE_REC_CPUFREQ_POST = 2,	/* settle:cpufreq_post */
	SETTLE_REC_CPU_FREQUENCY = 3,	/* power:cpu_frequency (fallback) */
};

struct settle_rec {
	__u64 ts_ns;		/* CLOCK_MONOTONIC, taken in the kernel */
	__u64 id;		/* transition id from settle.ko, 0 if none */
	__u32 type;		/* enum settle_rec_type */
	__u32 cpu;
	__u32 old_khz;		/* 0 where the hook does not know it */
	__u32 new_khz;
};

/*
 * Raw tracepoint entries as the kernel lays them out (8-byte common header
 * first).  Only the fields settle reads are named.
 */
struct settle_tp_cpufreq {		/* settle:cpufreq_pre, settle:cpufreq_post */
	__u64 common;
	__u64 id;			/* transition id, same for PRE and POST */
	__u64 ts_ns;			/* CLOCK_MONOTONIC */
	__u32 cpu;			/* policy CPU */
	__u32 old_khz;
	__u32 new_khz;
};

struct settle_tp_cpu_frequency {	/* power:cpu_frequency */
	__u64 common;
	__u32 state;			/* new frequency, kHz */
	__u32 cpu_id;
};

#endif /* SETTLE_RECORD_H */
