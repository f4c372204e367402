// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Field numbers follow the upstream Perfetto protos (protos/perfetto/trace/,
 * Apache-2.0, The Android Open Source Project); tests/export/ holds the
 * subset they come from and decodes every exported trace against it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "pbwriter.h"
#include "perfetto.h"
#include "util.h"

/* Trace */
#define TRACE_PACKET		1
/* TracePacket */
#define TP_TIMESTAMP		8
#define TP_SEQ_ID		10	/* trusted_packet_sequence_id */
#define TP_TRACK_EVENT		11
#define TP_SEQ_FLAGS		13
#define TP_TRACK_DESCRIPTOR	60
#define SEQ_INCREMENTAL_STATE_CLEARED	1
#define SEQ_NEEDS_INCREMENTAL_STATE	2
/* TrackDescriptor */
#define TD_UUID			1
#define TD_NAME			2
#define TD_PARENT_UUID		5
#define TD_COUNTER		8
/* CounterDescriptor */
#define CD_UNIT_NAME		6
/* TrackEvent */
#define TE_TYPE			9
#define TE_TRACK_UUID		11
#define TE_CATEGORIES		22
#define TE_NAME			23
#define TE_COUNTER_VALUE	30
#define TE_DOUBLE_COUNTER_VALUE	44
#define TE_FLOW_IDS		47
#define TE_TERMINATING_FLOW_IDS	48
enum { TYPE_SLICE_BEGIN = 1, TYPE_SLICE_END = 2, TYPE_INSTANT = 3, TYPE_COUNTER = 4 };

#define SEQ_ID	1

/* Tracks of one (domain, device): uuid = device base + kind. */
enum track_kind {
	TK_DEVICE,		/* parent of the rest */
	TK_REQUESTED,		/* counter, kHz */
	TK_EFFECTIVE,		/* counter, kHz */
	TK_THROUGHPUT,		/* counter, probe work per us */
	TK_DRIVER_CALL,		/* slices PRE..POST */
	TK_EFFECTIVE_SETTLE,	/* slices request..effective change */
	TK_THROUGHPUT_SETTLE,	/* slices request..throughput change point */
	TK_EVENTS,		/* instants: request, changes (flow ends) */
	TK_N
};

static const char *const track_names[TK_N] = {
	"", "requested kHz", "effective kHz", "probe throughput",
	"driver call", "effective settle", "throughput settle", "request and changes",
};

struct pf {
	FILE *f;
	struct pb_buf file, pkt, te, sub;
	bool first;
	int werr;
};

/* The trace's domain number keys the uuid; an unknown name gets its own. */
static uint64_t track_uuid(const char *domain, uint32_t device, enum track_kind k)
{
	int dom = trace_domain_parse(domain);
	uint64_t d = dom < 0 ? TRACE_DOMAINS : (uint64_t)dom;

	/* Non-zero: uuid 0 means "no track" to trace_processor. */
	return ((d + 1) << 48) | ((uint64_t)device << 8) | (uint64_t)k;
}

/* Frame the packet built in pf->pkt into the output. */
static void emit_packet(struct pf *pf)
{
	pb_uint(&pf->pkt, TP_SEQ_ID, SEQ_ID);
	if (pf->first) {
		pb_uint(&pf->pkt, TP_SEQ_FLAGS, SEQ_INCREMENTAL_STATE_CLEARED);
		pf->first = false;
	}
	pb_reset(&pf->file);
	pb_bytes(&pf->file, TRACE_PACKET, pf->pkt.p, pf->pkt.len);
	if (!pf->file.oom && fwrite(pf->file.p, 1, pf->file.len, pf->f) != pf->file.len)
		pf->werr = errno ? errno : EIO;
	pb_reset(&pf->pkt);
}

/* `dname`: the device's name ("cpu0", "17000000.gpu", "emc"). */
static void descriptor(struct pf *pf, const char *domain, uint32_t device,
		       const char *dname, enum track_kind k)
{
	char name[96];

	pb_reset(&pf->te);
	pb_uint(&pf->te, TD_UUID, track_uuid(domain, device, k));
	if (k == TK_DEVICE) {
		snprintf(name, sizeof(name), "settle %s %s", domain, dname);
	} else {
		snprintf(name, sizeof(name), "%s %s", dname, track_names[k]);
		pb_uint(&pf->te, TD_PARENT_UUID, track_uuid(domain, device, TK_DEVICE));
	}
	pb_string(&pf->te, TD_NAME, name);
	if (k == TK_REQUESTED || k == TK_EFFECTIVE || k == TK_THROUGHPUT) {
		pb_reset(&pf->sub);
		pb_string(&pf->sub, CD_UNIT_NAME, k == TK_THROUGHPUT ? "work/us" : "kHz");
		pb_bytes(&pf->te, TD_COUNTER, pf->sub.p, pf->sub.len);
	}
	pb_bytes(&pf->pkt, TP_TRACK_DESCRIPTOR, pf->te.p, pf->te.len);
	emit_packet(pf);
}

/* Start a TrackEvent in pf->te; finish it with event_end(). */
static void event_begin(struct pf *pf, uint64_t track, int type, const char *name)
{
	pb_reset(&pf->te);
	pb_uint(&pf->te, TE_TYPE, (uint64_t)type);
	pb_uint(&pf->te, TE_TRACK_UUID, track);
	if (name) {
		pb_string(&pf->te, TE_CATEGORIES, "settle");
		pb_string(&pf->te, TE_NAME, name);
	}
}

static void event_end(struct pf *pf, uint64_t ts)
{
	pb_uint(&pf->pkt, TP_TIMESTAMP, ts);
	pb_bytes(&pf->pkt, TP_TRACK_EVENT, pf->te.p, pf->te.len);
	pb_uint(&pf->pkt, TP_SEQ_FLAGS, SEQ_NEEDS_INCREMENTAL_STATE);
	emit_packet(pf);
}

static void counter(struct pf *pf, uint64_t track, uint64_t ts, int64_t v)
{
	event_begin(pf, track, TYPE_COUNTER, NULL);
	pb_int(&pf->te, TE_COUNTER_VALUE, v);
	event_end(pf, ts);
}

static void slice(struct pf *pf, uint64_t track, const char *name, uint64_t t0,
		  uint64_t t1)
{
	event_begin(pf, track, TYPE_SLICE_BEGIN, name);
	event_end(pf, t0);
	event_begin(pf, track, TYPE_SLICE_END, NULL);
	event_end(pf, t1);
}

/* Devices seen, in first-seen order (a handful: a linear scan is fine). */
struct dev {
	const char *domain;
	uint32_t device;
	const char *name;
	char own[24];		/* the name, when the trace has none for it */
	bool seen_rate;
};

static struct dev *dev_find(struct dev *d, size_t *n, size_t cap, const char *domain,
			    uint32_t device, const char *name)
{
	for (size_t i = 0; i < *n; i++)
		if (d[i].device == device && !strcmp(d[i].domain, domain))
			return &d[i];
	if (*n == cap)
		return NULL;
	d[*n] = (struct dev){ .domain = domain, .device = device, .name = name };
	if (!name) {
		snprintf(d[*n].own, sizeof(d[*n].own), "%s%u", domain, device);
		d[*n].name = d[*n].own;
	}
	return &d[(*n)++];
}

#define MAX_DEVS 1024

static void transitions(struct pf *pf, const struct analysis *a, struct dev *devs,
			size_t ndev)
{
	for (size_t i = 0; i < a->nx; i++) {
		const struct xition *x = &a->x[i];
		struct dev *d = NULL;
		uint64_t t = x->t_request_ns, flow_eff = 2 * i + 1, flow_tp = 2 * i + 2;
		char name[80];

		for (size_t k = 0; k < ndev; k++)
			if (devs[k].device == x->dev && !strcmp(devs[k].domain, x->domain))
				d = &devs[k];
		if (!d)
			continue;
		/* Counters hold their value until the next sample: show the
		 * old rate up to the first request. */
		if (!d->seen_rate && t) {
			counter(pf, track_uuid(x->domain, x->dev, TK_REQUESTED), t - 1,
				x->from_khz);
			counter(pf, track_uuid(x->domain, x->dev, TK_EFFECTIVE), t - 1,
				x->from_khz);
			d->seen_rate = true;
		}
		counter(pf, track_uuid(x->domain, x->dev, TK_REQUESTED), t, x->to_khz);
		snprintf(name, sizeof(name), "request %u -> %u kHz%s", x->from_khz,
			 x->to_khz, x->flags & XF_WARMUP ? " (warm-up)" : "");
		event_begin(pf, track_uuid(x->domain, x->dev, TK_EVENTS), TYPE_INSTANT, name);
		if (x->has_effective)
			pb_fixed64(&pf->te, TE_FLOW_IDS, flow_eff);
		if (x->has_tp)
			pb_fixed64(&pf->te, TE_FLOW_IDS, flow_tp);
		event_end(pf, t);
		if (x->has_stall) {
			uint64_t post = x->has_req_exit ? t + x->req_exit_ns : t + x->stall_ns;

			slice(pf, track_uuid(x->domain, x->dev, TK_DRIVER_CALL), "driver call",
			      post - x->stall_ns, post);
		}
		if (x->has_effective) {
			counter(pf, track_uuid(x->domain, x->dev, TK_EFFECTIVE), x->t_effective_ns,
				x->to_khz);
			slice(pf, track_uuid(x->domain, x->dev, TK_EFFECTIVE_SETTLE),
			      "effective settle", t, x->t_effective_ns);
			event_begin(pf, track_uuid(x->domain, x->dev, TK_EVENTS), TYPE_INSTANT,
				    "effective change");
			pb_fixed64(&pf->te, TE_TERMINATING_FLOW_IDS, flow_eff);
			event_end(pf, x->t_effective_ns);
		}
		if (x->has_tp) {
			uint64_t tc = x->t_throughput_ns > t ? x->t_throughput_ns : t;

			slice(pf, track_uuid(x->domain, x->dev, TK_THROUGHPUT_SETTLE),
			      "throughput settle", t, tc);
			event_begin(pf, track_uuid(x->domain, x->dev, TK_EVENTS), TYPE_INSTANT,
				    "throughput change");
			pb_fixed64(&pf->te, TE_TERMINATING_FLOW_IDS, flow_tp);
			event_end(pf, tc);
		}
	}
}

static void throughput(struct pf *pf, const struct analysis *a, uint64_t bin_ns)
{
	for (size_t s = 0; s < a->nseg; s++) {
		const struct probe_seg *sg = &a->seg[s];
		/* The GPU probe's throughput goes with the GPU's tracks. */
		uint64_t track = track_uuid(probe_src_is_gpu(sg->cpu) ? "gpu" : "cpu",
					    sg->cpu & ~PROBE_SRC_GPU, TK_THROUGHPUT);
		uint64_t start = sg->t0_ns, work = 0;

		for (size_t i = 0; i < sg->n; i++) {
			uint64_t t = sg->t0_ns + (uint64_t)i * sg->bin_ns;

			if (t >= start + bin_ns) {
				event_begin(pf, track, TYPE_COUNTER, NULL);
				pb_double(&pf->te, TE_DOUBLE_COUNTER_VALUE,
					  (double)work * 1000.0 / (double)(t - start));
				event_end(pf, start);
				start = t;
				work = 0;
			}
			work += sg->w[i];
		}
		/* The last, possibly partial, sample, then a gap marker: no
		 * throughput is known after the segment. */
		if (sg->n) {
			uint64_t end = sg->t0_ns + (uint64_t)sg->n * sg->bin_ns;

			event_begin(pf, track, TYPE_COUNTER, NULL);
			pb_double(&pf->te, TE_DOUBLE_COUNTER_VALUE,
				  (double)work * 1000.0 / (double)(end - start));
			event_end(pf, start);
			counter(pf, track, end, 0);
		}
	}
}

int perfetto_write(const struct analysis *a, FILE *f, uint64_t bin_ns,
		   char *err, size_t errlen)
{
	struct pf pf = { .f = f, .first = true };
	struct dev *devs;
	size_t ndev = 0;
	int ret = -1;

	if (!bin_ns) {
		set_err(err, errlen, "throughput sample width must be > 0");
		return -1;
	}
	devs = calloc(MAX_DEVS, sizeof(*devs));
	if (!devs) {
		set_err(err, errlen, "out of memory");
		return -1;
	}
	/* Every device that has transitions or probe bins gets its tracks. */
	for (size_t i = 0; i < a->nx; i++)
		if (!dev_find(devs, &ndev, MAX_DEVS, a->x[i].domain, a->x[i].dev,
			      a->x[i].device))
			goto toomany;
	for (size_t i = 0; i < a->nseg; i++) {
		bool gpu = probe_src_is_gpu(a->seg[i].cpu);
		uint32_t d = a->seg[i].cpu & ~PROBE_SRC_GPU;
		const struct trace_dev *td =
			analysis_device_find(a, gpu ? TRACE_DOMAIN_GPU : TRACE_DOMAIN_CPU, d);

		if (!dev_find(devs, &ndev, MAX_DEVS, gpu ? "gpu" : "cpu", d, td ? td->name : NULL))
			goto toomany;
	}
	for (size_t i = 0; i < ndev; i++)
		for (int k = 0; k < TK_N; k++)
			descriptor(&pf, devs[i].domain, devs[i].device, devs[i].name,
				   (enum track_kind)k);
	transitions(&pf, a, devs, ndev);
	throughput(&pf, a, bin_ns);
	if (pf.file.oom || pf.pkt.oom || pf.te.oom || pf.sub.oom)
		set_err(err, errlen, "out of memory");
	else if (pf.werr || fflush(f) || ferror(f))
		set_err(err, errlen, "write failed: %s", strerror(pf.werr ? pf.werr : EIO));
	else
		ret = 0;
	goto out;
toomany:
	set_err(err, errlen, "more than %d devices in one trace", MAX_DEVS);
out:
	free(devs);
	pb_free(&pf.file);
	pb_free(&pf.pkt);
	pb_free(&pf.te);
	pb_free(&pf.sub);
	return ret;
}
