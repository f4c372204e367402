/* SPDX-License-Identifier: GPL-2.0 */
/*
 * settle tracepoints: one event set for every clock domain.  Each event
 * carries @domain (enum settle_domain) and @dev (the device index within the
 * domain: the policy CPU for cpufreq, the order of attachment otherwise);
 * device names and rate tables come from SETTLE_IOC_DEVICE.
 *
 * The field layout is part of the trace ABI: the BPF recorder reads these
 * entries at fixed offsets (bpf/record.bpf.c checks the tracefs format
 * files before attaching), so 64-bit fields come first and nothing is
 * reordered without bumping the trace format version in
 * Documentation/trace-format.rst.  Every ts_ns is CLOCK_MONOTONIC and every
 * rate is kHz, whatever unit the domain's framework uses.
 *
 * @seq, last in every event (so that the older fields kept their offsets),
 * numbers all settle:* events in one sequence: settle_event() draws it.  A
 * recorder that misses numbers knows it missed events (the kernel skips a
 * BPF program while another runs on the CPU, and counts that only since
 * 6.7).  Numbers are drawn only while the event has a consumer.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM settle

#if !defined(_SETTLE_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _SETTLE_TRACE_H

#include <linux/tracepoint.h>

/*
 * The request that led to transition @id; @source (enum settle_req_source)
 * says how exact @ts_ns is.  @parent_id is the transition, of another
 * device, inside whose driver call this one was requested (an EMC request
 * issued by a CPU transition), or 0.
 */
TRACE_EVENT(request,

	TP_PROTO(u64 id, u64 ts_ns, u64 parent_id, u32 domain, u32 dev,
		 u32 from_khz, u32 to_khz, u32 source, u64 seq),

	TP_ARGS(id, ts_ns, parent_id, domain, dev, from_khz, to_khz, source, seq),

	TP_STRUCT__entry(
		__field(u64, id)
		__field(u64, ts_ns)
		__field(u64, parent_id)
		__field(u32, domain)
		__field(u32, dev)
		__field(u32, from_khz)
		__field(u32, to_khz)
		__field(u32, source)
		__field(u64, seq)
	),

	TP_fast_assign(
		__entry->id = id;
		__entry->ts_ns = ts_ns;
		__entry->parent_id = parent_id;
		__entry->domain = domain;
		__entry->dev = dev;
		__entry->from_khz = from_khz;
		__entry->to_khz = to_khz;
		__entry->source = source;
		__entry->seq = seq;
	),

	TP_printk("id=%llu ts_ns=%llu parent_id=%llu domain=%u dev=%u from_khz=%u to_khz=%u source=%u seq=%llu",
		  __entry->id, __entry->ts_ns, __entry->parent_id,
		  __entry->domain, __entry->dev, __entry->from_khz,
		  __entry->to_khz, __entry->source, __entry->seq)
);

DECLARE_EVENT_CLASS(settle_driver,

	TP_PROTO(u64 id, u64 ts_ns, u32 domain, u32 dev, u32 old_khz,
		 u32 new_khz, u64 seq),

	TP_ARGS(id, ts_ns, domain, dev, old_khz, new_khz, seq),

	TP_STRUCT__entry(
		__field(u64, id)
		__field(u64, ts_ns)
		__field(u32, domain)
		__field(u32, dev)
		__field(u32, old_khz)
		__field(u32, new_khz)
		__field(u64, seq)
	),

	TP_fast_assign(
		__entry->id = id;
		__entry->ts_ns = ts_ns;
		__entry->domain = domain;
		__entry->dev = dev;
		__entry->old_khz = old_khz;
		__entry->new_khz = new_khz;
		__entry->seq = seq;
	),

	TP_printk("id=%llu ts_ns=%llu domain=%u dev=%u old_khz=%u new_khz=%u seq=%llu",
		  __entry->id, __entry->ts_ns, __entry->domain, __entry->dev,
		  __entry->old_khz, __entry->new_khz, __entry->seq)
);

/* The driver is about to be asked (cpufreq/devfreq PRECHANGE, clk set_rate). */
DEFINE_EVENT(settle_driver, driver_entry,
	TP_PROTO(u64 id, u64 ts_ns, u32 domain, u32 dev, u32 old_khz,
		 u32 new_khz, u64 seq),
	TP_ARGS(id, ts_ns, domain, dev, old_khz, new_khz, seq)
);

/* The driver call returned (POSTCHANGE, clk set_rate_complete). */
DEFINE_EVENT(settle_driver, driver_exit,
	TP_PROTO(u64 id, u64 ts_ns, u32 domain, u32 dev, u32 old_khz,
		 u32 new_khz, u64 seq),
	TP_ARGS(id, ts_ns, domain, dev, old_khz, new_khz, seq)
);

/*
 * The sampler's verdict for transition @id: the first sample (started at
 * @ts_ns) whose readout showed the target.  The change happened after
 * @prev_ts_ns (the last sample still showing another rate) and before
 * @ts_ns + @cost_ns: that interval is the detection bound.
 */
TRACE_EVENT(effective,

	TP_PROTO(u64 id, u64 ts_ns, u64 prev_ts_ns, u32 domain, u32 dev,
		 u32 khz, u32 cost_ns, u32 samples, u32 reader, u32 status, u64 seq),

	TP_ARGS(id, ts_ns, prev_ts_ns, domain, dev, khz, cost_ns, samples,
		reader, status, seq),

	TP_STRUCT__entry(
		__field(u64, id)
		__field(u64, ts_ns)
		__field(u64, prev_ts_ns)
		__field(u32, domain)
		__field(u32, dev)
		__field(u32, khz)
		__field(u32, cost_ns)
		__field(u32, samples)
		__field(u32, reader)
		__field(u32, status)
		__field(u64, seq)
	),

	TP_fast_assign(
		__entry->id = id;
		__entry->ts_ns = ts_ns;
		__entry->prev_ts_ns = prev_ts_ns;
		__entry->domain = domain;
		__entry->dev = dev;
		__entry->khz = khz;
		__entry->cost_ns = cost_ns;
		__entry->samples = samples;
		__entry->reader = reader;
		__entry->status = status;
		__entry->seq = seq;
	),

	TP_printk("id=%llu ts_ns=%llu prev_ts_ns=%llu domain=%u dev=%u khz=%u cost_ns=%u samples=%u reader=%u status=%u seq=%llu",
		  __entry->id, __entry->ts_ns, __entry->prev_ts_ns,
		  __entry->domain, __entry->dev, __entry->khz,
		  __entry->cost_ns, __entry->samples, __entry->reader,
		  __entry->status, __entry->seq)
);

/* A device's limits changed (cpufreq policy limits, devfreq min/max). */
TRACE_EVENT(limits,

	TP_PROTO(u64 ts_ns, u32 domain, u32 dev, u32 min_khz, u32 max_khz,
		 u32 cur_khz, u64 seq),

	TP_ARGS(ts_ns, domain, dev, min_khz, max_khz, cur_khz, seq),

	TP_STRUCT__entry(
		__field(u64, ts_ns)
		__field(u32, domain)
		__field(u32, dev)
		__field(u32, min_khz)
		__field(u32, max_khz)
		__field(u32, cur_khz)
		__field(u64, seq)
	),

	TP_fast_assign(
		__entry->ts_ns = ts_ns;
		__entry->domain = domain;
		__entry->dev = dev;
		__entry->min_khz = min_khz;
		__entry->max_khz = max_khz;
		__entry->cur_khz = cur_khz;
		__entry->seq = seq;
	),

	TP_printk("ts_ns=%llu domain=%u dev=%u min_khz=%u max_khz=%u cur_khz=%u seq=%llu",
		  __entry->ts_ns, __entry->domain, __entry->dev,
		  __entry->min_khz, __entry->max_khz, __entry->cur_khz, __entry->seq)
);

/*
 * A device's governor as settle saw it: emitted when it differs from the
 * last one seen, and by the controller when it saves and restores a device
 * (@action, enum settle_policy_action).
 */
TRACE_EVENT(policy,

	TP_PROTO(u64 ts_ns, u32 domain, u32 dev, u32 action, u32 min_khz,
		 u32 max_khz, const char *governor, u64 seq),

	TP_ARGS(ts_ns, domain, dev, action, min_khz, max_khz, governor, seq),

	TP_STRUCT__entry(
		__field(u64, ts_ns)
		__field(u32, domain)
		__field(u32, dev)
		__field(u32, action)
		__field(u32, min_khz)
		__field(u32, max_khz)
		__array(char, governor, 16)
		__field(u64, seq)
	),

	TP_fast_assign(
		__entry->ts_ns = ts_ns;
		__entry->domain = domain;
		__entry->dev = dev;
		__entry->action = action;
		__entry->min_khz = min_khz;
		__entry->max_khz = max_khz;
		strscpy(__entry->governor, governor, sizeof(__entry->governor));
		__entry->seq = seq;
	),

	TP_printk("ts_ns=%llu domain=%u dev=%u action=%u min_khz=%u max_khz=%u governor=%s seq=%llu",
		  __entry->ts_ns, __entry->domain, __entry->dev,
		  __entry->action, __entry->min_khz, __entry->max_khz,
		  __entry->governor, __entry->seq)
);

#endif /* _SETTLE_TRACE_H */

/* This part must be outside protection */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE settle_trace
#include <trace/define_trace.h>
