// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Passive recorder: copy DVFS tracepoints into a ring buffer.  Userspace
 * enables either the settle:* programs (every clock domain) or the power:*
 * fallback (CPU only), never both (bpf_program__set_autoload).
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <stdbool.h>
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
 * Skipped-event accounting (Documentation/design.rst, "Counting what the
 * recorder missed").  Every settle:* event carries a number from one
 * sequence.  Userspace sets seq_lo to a number not yet drawn once all
 * programs are attached; each program then counts the events numbered
 * above it that it ran for, whatever the filter does, and keeps the last
 * numbers so that userspace can cut the count at a number of its choosing.
 * Per-CPU without atomics: the kernel runs one of these programs at a time
 * on a CPU (the very guard whose skips this counts).
 */
__u64 seq_lo = ~0ULL;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct settle_seen);
} seen SEC(".maps");

static __always_inline void count_seen(__u64 seq)
{
	struct settle_seen *s;
	__u32 zero = 0;

	if (seq <= *(volatile __u64 *)&seq_lo)
		return;
	s = bpf_map_lookup_elem(&seen, &zero);
	if (!s)
		return;
	s->recent[s->pos & (SETTLE_SEEN_RECENT - 1)] = seq;
	s->pos++;
	s->count++;
}

/*
 * What to record, set by userspace before load (settle record --domain,
 * --device): a bit per enum settle_domain, and optionally one device of one
 * domain (the other devices of that domain are dropped).
 */
const volatile __u32 domain_mask = ~0U;
const volatile __u32 only_domain = ~0U;	/* ~0: no device filter */
const volatile __u32 only_dev;
/* The ring's size, when userspace resized it (settle record --ring-kib). */
const volatile __u32 ring_bytes = SETTLE_RINGBUF_BYTES;

static __always_inline bool wanted(__u32 domain, __u32 dev)
{
	if (domain >= 32 || !(domain_mask & (1U << domain)))
		return false;
	return domain != only_domain || dev == only_dev;
}

/*
 * Reserves a zeroed record of `size` bytes with the head filled in, or
 * returns NULL (counted as lost).  Ring buffer memory is not zeroed, and
 * padding must not leak kernel bytes.
 */
static __always_inline void *rec_new(__u64 size, __u32 type, __u64 ts_ns,
				     __u64 id, __u32 domain, __u32 dev)
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
	h->domain = domain;
	h->dev = dev;
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
			      ring_bytes / 2 ? BPF_RB_FORCE_WAKEUP :
					       BPF_RB_NO_WAKEUP);
}

static __always_inline int emit_driver(__u32 type, __u64 ts_ns, __u64 id,
				       __u32 domain, __u32 dev, __u32 old_khz,
				       __u32 new_khz)
{
	struct settle_rec *r;

	if (!wanted(domain, dev))
		return 0;
	r = rec_new(sizeof(*r), type, ts_ns, id, domain, dev);
	if (!r)
		return 0;
	r->old_khz = old_khz;
	r->new_khz = new_khz;
	rec_submit(r);
	return 0;
}

SEC("tracepoint/settle/driver_entry")
int settle_driver_entry(struct settle_tp_driver *ctx)
{
	count_seen(ctx->seq);
	return emit_driver(SETTLE_REC_DRIVER_ENTRY, ctx->ts_ns, ctx->id, ctx->domain,
			   ctx->dev, ctx->old_khz, ctx->new_khz);
}

SEC("tracepoint/settle/driver_exit")
int settle_driver_exit(struct settle_tp_driver *ctx)
{
	count_seen(ctx->seq);
	return emit_driver(SETTLE_REC_DRIVER_EXIT, ctx->ts_ns, ctx->id, ctx->domain,
			   ctx->dev, ctx->old_khz, ctx->new_khz);
}

SEC("tracepoint/settle/request")
int settle_request(struct settle_tp_request *ctx)
{
	struct settle_rec_request *r;

	count_seen(ctx->seq);
	if (!wanted(ctx->domain, ctx->dev))
		return 0;
	r = rec_new(sizeof(*r), SETTLE_REC_REQUEST, ctx->ts_ns, ctx->id,
		    ctx->domain, ctx->dev);
	if (!r)
		return 0;
	r->parent_id = ctx->parent_id;
	r->from_khz = ctx->from_khz;
	r->to_khz = ctx->to_khz;
	r->source = ctx->source;
	rec_submit(r);
	return 0;
}

SEC("tracepoint/settle/effective")
int settle_effective(struct settle_tp_effective *ctx)
{
	struct settle_rec_effective *r;

	count_seen(ctx->seq);
	if (!wanted(ctx->domain, ctx->dev))
		return 0;
	r = rec_new(sizeof(*r), SETTLE_REC_EFFECTIVE, ctx->ts_ns, ctx->id,
		    ctx->domain, ctx->dev);
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

SEC("tracepoint/settle/limits")
int settle_limits(struct settle_tp_limits *ctx)
{
	struct settle_rec_limits *r;

	count_seen(ctx->seq);
	if (!wanted(ctx->domain, ctx->dev))
		return 0;
	r = rec_new(sizeof(*r), SETTLE_REC_LIMITS, ctx->ts_ns, 0, ctx->domain, ctx->dev);
	if (!r)
		return 0;
	r->min_khz = ctx->min_khz;
	r->max_khz = ctx->max_khz;
	r->cur_khz = ctx->cur_khz;
	rec_submit(r);
	return 0;
}

SEC("tracepoint/settle/policy")
int settle_policy(struct settle_tp_policy *ctx)
{
	struct settle_rec_policy *r;

	count_seen(ctx->seq);
	if (!wanted(ctx->domain, ctx->dev))
		return 0;
	r = rec_new(sizeof(*r), SETTLE_REC_POLICY, ctx->ts_ns, 0, ctx->domain, ctx->dev);
	if (!r)
		return 0;
	r->action = ctx->action;
	r->min_khz = ctx->min_khz;
	r->max_khz = ctx->max_khz;
	/* Context loads at the array's (4-byte) alignment; the kernel
	 * NUL-terminates it. */
	__builtin_memcpy(r->governor, ctx->governor, SETTLE_GOVERNOR_BYTES);
	rec_submit(r);
	return 0;
}

/* The fallback: the kernel's own CPU events; every record is domain CPU. */
SEC("tracepoint/power/cpu_frequency")
int settle_cpu_frequency(struct settle_tp_cpu_frequency *ctx)
{
	/* The kernel event has no timestamp field or old frequency. */
	return emit_driver(SETTLE_REC_CPU_FREQUENCY, bpf_ktime_get_ns(), 0, 0,
			   ctx->cpu_id, 0, ctx->state);
}

SEC("tracepoint/power/cpu_frequency_limits")
int settle_cpu_frequency_limits(struct settle_tp_cpu_frequency_limits *ctx)
{
	/* No timestamp field and no current rate: cur_khz 0 means unknown. */
	struct settle_rec_limits *r;

	if (!wanted(0, ctx->cpu_id))
		return 0;
	r = rec_new(sizeof(*r), SETTLE_REC_LIMITS, bpf_ktime_get_ns(), 0, 0, ctx->cpu_id);
	if (!r)
		return 0;
	r->min_khz = ctx->min_freq;
	r->max_khz = ctx->max_freq;
	rec_submit(r);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
