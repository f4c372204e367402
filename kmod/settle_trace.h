/* SPDX-License-Identifier: GPL-2.0 */
/*
 * settle tracepoints.  The field layout is part of the trace ABI: the BPF
 * recorder reads these entries at fixed offsets (bpf/record.bpf.c checks the
 * tracefs format files before attaching), so 64-bit fields come first and
 * nothing is reordered without bumping the trace format version in
 * Documentation/trace-format.rst.  Every ts_ns is CLOCK_MONOTONIC.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM settle

#if !defined(_SETTLE_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _SETTLE_TRACE_H

#include <linux/tracepoint.h>

DECLARE_EVENT_CLASS(settle_cpufreq_transition,

	TP_PROTO(u64 id, u64 ts_ns, unsigned int cpu, unsigned int old_khz,
		 unsigned int new_khz),

	TP_ARGS(id, ts_ns, cpu, old_khz, new_khz),

	TP_STRUCT__entry(
		__field(u64, id)
		__field(u64, ts_ns)
		__field(u32, cpu)
		__field(u32, old_khz)
		__field(u32, new_khz)
	),

	TP_fast_assign(
		__entry->id = id;
		__entry->ts_ns = ts_ns;
		__entry->cpu = cpu;
		__entry->old_khz = old_khz;
		__entry->new_khz = new_khz;
	),

	TP_printk("id=%llu ts_ns=%llu cpu=%u old_khz=%u new_khz=%u",
		  __entry->id, __entry->ts_ns, __entry->cpu,
		  __entry->old_khz, __entry->new_khz)
);

/* cpufreq PRECHANGE: the driver's ->target_index is about to run. */
DEFINE_EVENT(settle_cpufreq_transition, cpufreq_pre,
	TP_PROTO(u64 id, u64 ts_ns, unsigned int cpu, unsigned int old_khz,
		 unsigned int new_khz),
	TP_ARGS(id, ts_ns, cpu, old_khz, new_khz)
);

/* cpufreq POSTCHANGE: ->target_index has returned. */
DEFINE_EVENT(settle_cpufreq_transition, cpufreq_post,
	TP_PROTO(u64 id, u64 ts_ns, unsigned int cpu, unsigned int old_khz,
		 unsigned int new_khz),
	TP_ARGS(id, ts_ns, cpu, old_khz, new_khz)
);

/*
 * The request that led to transition @id; @source (enum settle_req_source)
 * says how exact @ts_ns is.
 */
TRACE_EVENT(cpu_request,

	TP_PROTO(u64 id, u64 ts_ns, unsigned int cpu, unsigned int from_khz,
		 unsigned int to_khz, unsigned int source),

	TP_ARGS(id, ts_ns, cpu, from_khz, to_khz, source),

	TP_STRUCT__entry(
		__field(u64, id)
		__field(u64, ts_ns)
		__field(u32, cpu)
		__field(u32, from_khz)
		__field(u32, to_khz)
		__field(u32, source)
	),

	TP_fast_assign(
		__entry->id = id;
		__entry->ts_ns = ts_ns;
		__entry->cpu = cpu;
		__entry->from_khz = from_khz;
		__entry->to_khz = to_khz;
		__entry->source = source;
	),

	TP_printk("id=%llu ts_ns=%llu cpu=%u from_khz=%u to_khz=%u source=%u",
		  __entry->id, __entry->ts_ns, __entry->cpu, __entry->from_khz,
		  __entry->to_khz, __entry->source)
);

/*
 * The effective-frequency sampler's verdict for transition @id: the first
 * sample (started at @ts_ns) whose readout showed the target.  The change
 * happened after @prev_ts_ns (the last sample still showing the old rate)
 * and before @ts_ns + @cost_ns: that interval is the detection bound.
 */
TRACE_EVENT(cpu_effective,

	TP_PROTO(u64 id, u64 ts_ns, u64 prev_ts_ns, unsigned int cpu,
		 unsigned int khz, unsigned int cost_ns, unsigned int samples,
		 unsigned int reader, unsigned int status),

	TP_ARGS(id, ts_ns, prev_ts_ns, cpu, khz, cost_ns, samples, reader,
		status),

	TP_STRUCT__entry(
		__field(u64, id)
		__field(u64, ts_ns)
		__field(u64, prev_ts_ns)
		__field(u32, cpu)
		__field(u32, khz)
		__field(u32, cost_ns)
		__field(u32, samples)
		__field(u32, reader)
		__field(u32, status)
	),

	TP_fast_assign(
		__entry->id = id;
		__entry->ts_ns = ts_ns;
		__entry->prev_ts_ns = prev_ts_ns;
		__entry->cpu = cpu;
		__entry->khz = khz;
		__entry->cost_ns = cost_ns;
		__entry->samples = samples;
		__entry->reader = reader;
		__entry->status = status;
	),

	TP_printk("id=%llu ts_ns=%llu prev_ts_ns=%llu cpu=%u khz=%u cost_ns=%u samples=%u reader=%u status=%u",
		  __entry->id, __entry->ts_ns, __entry->prev_ts_ns,
		  __entry->cpu, __entry->khz, __entry->cost_ns,
		  __entry->samples, __entry->reader, __entry->status)
);

/* Policy limits changed (from the kernel's cpu_frequency_limits). */
TRACE_EVENT(cpu_limits,

	TP_PROTO(u64 ts_ns, unsigned int cpu, unsigned int min_khz,
		 unsigned int max_khz, unsigned int cur_khz),

	TP_ARGS(ts_ns, cpu, min_khz, max_khz, cur_khz),

	TP_STRUCT__entry(
		__field(u64, ts_ns)
		__field(u32, cpu)
		__field(u32, min_khz)
		__field(u32, max_khz)
		__field(u32, cur_khz)
	),

	TP_fast_assign(
		__entry->ts_ns = ts_ns;
		__entry->cpu = cpu;
		__entry->min_khz = min_khz;
		__entry->max_khz = max_khz;
		__entry->cur_khz = cur_khz;
	),

	TP_printk("ts_ns=%llu cpu=%u min_khz=%u max_khz=%u cur_khz=%u",
		  __entry->ts_ns, __entry->cpu, __entry->min_khz,
		  __entry->max_khz, __entry->cur_khz)
);

/*
 * A policy's governor as settle saw it: emitted when it differs from the
 * last one seen (detected at the next transition or limits change), and by
 * the controller when it saves and restores a policy (@action, enum
 * settle_policy_action; 0xff for a plain observation).
 */
TRACE_EVENT(cpu_policy,

	TP_PROTO(u64 ts_ns, unsigned int cpu, unsigned int action,
		 unsigned int min_khz, unsigned int max_khz,
		 const char *governor),

	TP_ARGS(ts_ns, cpu, action, min_khz, max_khz, governor),

	TP_STRUCT__entry(
		__field(u64, ts_ns)
		__field(u32, cpu)
		__field(u32, action)
		__field(u32, min_khz)
		__field(u32, max_khz)
		__array(char, governor, 16)
	),

	TP_fast_assign(
		__entry->ts_ns = ts_ns;
		__entry->cpu = cpu;
		__entry->action = action;
		__entry->min_khz = min_khz;
		__entry->max_khz = max_khz;
		strscpy(__entry->governor, governor, sizeof(__entry->governor));
	),

	TP_printk("ts_ns=%llu cpu=%u action=%u min_khz=%u max_khz=%u governor=%s",
		  __entry->ts_ns, __entry->cpu, __entry->action,
		  __entry->min_khz, __entry->max_khz, __entry->governor)
);

#endif /* _SETTLE_TRACE_H */

/* This part must be outside protection */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE settle_trace
#include <trace/define_trace.h>
