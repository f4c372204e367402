// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Passive recorder: copy DVFS tracepoints into a ring buffer.  Userspace
 * enables either the settle:* programs or the power:* fallback
 * (bpf_program__set_autoload), never both.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "record.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, SETTLE_RINGBUF_BYTES);
} events SEC(".maps");

/*
 * Records that did not fit in the ring buffer.  Per-CPU so the hot path
 * needs no atomics; userspace sums the slots.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

static __always_inline void count_lost(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&lost, &zero);

	if (n)
		(*n)++;
}

/*
 * Reserves a zeroed record of `size` bytes with the head filled in, or
 * returns NULL (counted as lost).  Ring buffer memory is not zeroed, and
 * padding must not leak kernel bytes.
 */
static __always_inline void *rec_new(__u64 size, __u32 type, __u64 ts_ns,
				     __u64 id, __u32 cpu)
{
	struct settle_rec_head *h;

	h = bpf_ringbuf_reserve(&events, size, 0);
	if (!h) {
		count_lost();
		return NULL;
	}
	__builtin_memset(h, 0, size);
	h->ts_ns = ts_ns;
	h->id = id;
	h->type = type;
	h->cpu = cpu;
	return h;
}

static __always_inline void rec_submit(void *r)
{
	/*
	 * No wakeup per record: the consumer polls on a timer.  A wakeup here
	 * would let the recorder preempt the task that is inside the
	 * transition being timed.  Past half full, wake it so nothing is lost.
	 */
	bpf_ringbuf_submit(r, bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >
			      SETTLE_RINGBUF_BYTES / 2 ? BPF_RB_FORCE_WAKEUP :
						     BPF_RB_NO_WAKEUP);
}

static __always_inline int emit_cf(__u32 type, __u64 ts_ns, __u64 id, __u32 cpu,
				   __u32 old_khz, __u32 new_khz)
{
	struct settle_rec *r = rec_new(sizeof(*r), type, ts_ns, id, cpu);

	if (!r)
		return 0;
	r->old_khz = old_khz;
	r->new_khz = new_khz;
	rec_submit(r);
	return 0;
}

SEC("tracepoint/settle/cpufreq_pre")
int settle_cpufreq_pre(struct settle_tp_cpufreq *ctx)
{
	return emit_cf(SETTLE_REC_CPUFREQ_PRE, ctx->ts_ns, ctx->id, ctx->cpu,
		       ctx->old_khz, ctx->new_khz);
}

SEC("tracepoint/settle/cpufreq_post")
int settle_cpufreq_post(struct settle_tp_cpufreq *ctx)
{
	return emit_cf(SETTLE_REC_CPUFREQ_POST, ctx->ts_ns, ctx->id, ctx->cpu,
		       ctx->old_khz, ctx->new_khz);
}

SEC("tracepoint/settle/cpu_request")
int settle_cpu_request(struct settle_tp_cpu_request *ctx)
{
	struct settle_rec_request *r = rec_new(sizeof(*r), SETTLE_REC_CPU_REQUEST,
					       ctx->ts_ns, ctx->id, ctx->cpu);

	if (!r)
		return 0;
	r->from_khz = ctx->from_khz;
	r->to_khz = ctx->to_khz;
	r->source = ctx->source;
	rec_submit(r);
	return 0;
}

SEC("tracepoint/settle/cpu_effective")
int settle_cpu_effective(struct settle_tp_cpu_effective *ctx)
{
	struct settle_rec_effective *r = rec_new(sizeof(*r), SETTLE_REC_CPU_EFFECTIVE,
						 ctx->ts_ns, ctx->id, ctx->cpu);

	if (!r)
		return 0;
	r->prev_ts_ns = ctx->prev_ts_ns;
	r->khz = ctx->khz;
	r->cost_ns = ctx->cost_ns;
	r->samples = ctx->samples;
	r->reader = ctx->reader;
	r->status = ctx->status;
	rec_submit(r);
	return 0;
}

SEC("tracepoint/settle/cpu_limits")
int settle_cpu_limits(struct settle_tp_cpu_limits *ctx)
{
	struct settle_rec_limits *r = rec_new(sizeof(*r), SETTLE_REC_CPU_LIMITS,
					      ctx->ts_ns, 0, ctx->cpu);

	if (!r)
		return 0;
	r->min_khz = ctx->min_khz;
	r->max_khz = ctx->max_khz;
	r->cur_khz = ctx->cur_khz;
	rec_submit(r);
	return 0;
}

SEC("tracepoint/settle/cpu_policy")
int settle_cpu_policy(struct settle_tp_cpu_policy *ctx)
{
	struct settle_rec_policy *r = rec_new(sizeof(*r), SETTLE_REC_CPU_POLICY,
					      ctx->ts_ns, 0, ctx->cpu);

	if (!r)
		return 0;
	r->action = ctx->action;
	r->min_khz = ctx->min_khz;
	r->max_khz = ctx->max_khz;
	/* Two aligned 8-byte context loads; the kernel NUL-terminates it. */
	__builtin_memcpy(r->governor, ctx->governor, SETTLE_GOVERNOR_BYTES);
	rec_submit(r);
	return 0;
}

SEC("tracepoint/power/cpu_frequency")
int settle_cpu_frequency(struct settle_tp_cpu_frequency *ctx)
{
	/* The kernel event has no timestamp field or old frequency. */
	return emit_cf(SETTLE_REC_CPU_FREQUENCY, bpf_ktime_get_ns(), 0,
		       ctx->cpu_id, 0, ctx->state);
}

SEC("tracepoint/power/cpu_frequency_limits")
int settle_cpu_frequency_limits(struct settle_tp_cpu_frequency_limits *ctx)
{
	/* No timestamp field and no current rate: cur_khz 0 means unknown. */
	struct settle_rec_limits *r = rec_new(sizeof(*r), SETTLE_REC_CPU_LIMITS,
					      bpf_ktime_get_ns(), 0, ctx->cpu_id);

	if (!r)
		return 0;
	r->min_khz = ctx->min_freq;
	r->max_khz = ctx->max_freq;
	rec_submit(r);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
