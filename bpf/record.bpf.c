// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Passive recorder: copy cpufreq transition tracepoints into a ring buffer.
 * Userspace enables either the settle:* programs or the power:cpu_frequency
 * fallback (bpf_program__set_autoload), never both.
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

static __always_inline int emit(__u32 type, __u64 ts_ns, __u64 id, __u32 cpu,
				__u32 old_khz, __u32 new_khz)
{
	struct settle_rec *r;

	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		count_lost();
		return 0;
	}
	r->ts_ns = ts_ns;
	r->id = id;
	r->type = type;
	r->cpu = cpu;
	r->old_khz = old_khz;
	r->new_khz = new_khz;
	/*
	 * No wakeup per record: the consumer polls on a timer.  A wakeup here
	 * would let the recorder preempt the task that is inside the
	 * transition being timed.  Past half full, wake it so nothing is lost.
	 */
	bpf_ringbuf_submit(r, bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >
			      SETTLE_RINGBUF_BYTES / 2 ? BPF_RB_FORCE_WAKEUP :
						     BPF_RB_NO_WAKEUP);
	return 0;
}

SEC("tracepoint/settle/cpufreq_pre")
int settle_cpufreq_pre(struct settle_tp_cpufreq *ctx)
{
	return emit(SETTLE_REC_CPUFREQ_PRE, ctx->ts_ns, ctx->id, ctx->cpu,
		    ctx->old_khz, ctx->new_khz);
}

SEC("tracepoint/settle/cpufreq_post")
int settle_cpufreq_post(struct settle_tp_cpufreq *ctx)
{
	return emit(SETTLE_REC_CPUFREQ_POST, ctx->ts_ns, ctx->id, ctx->cpu,
		    ctx->old_khz, ctx->new_khz);
}

SEC("tracepoint/power/cpu_frequency")
int settle_cpu_frequency(struct settle_tp_cpu_frequency *ctx)
{
	/* The kernel event has no timestamp field or old frequency. */
	return emit(SETTLE_REC_CPU_FREQUENCY, bpf_ktime_get_ns(), 0,
		    ctx->cpu_id, 0, ctx->state);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
