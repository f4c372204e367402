// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The event table and the TSDL metadata generated from it.  Changing an
 * existing event's fields breaks old readers: append an event or a field
 * (with its `since`) instead, or bump TRACE_VERSION.
 */
#include <stdio.h>
#include <stdlib.h>
#include "trace.h"
#include "util.h"

/* ---- v1 only: CPU events, read and mapped onto the v2 ones below ---- */

static const struct trace_field_desc cpufreq_fields[] = {
	[CF_ID]		= { "id", 8 },		/* settle.ko transition id */
	[CF_TS_NS]	= { "ts_ns", 8 },	/* exact kernel time, ns */
	[CF_CPU]	= { "cpu", 4 },		/* policy CPU */
	[CF_OLD_KHZ]	= { "old_khz", 4 },
	[CF_NEW_KHZ]	= { "new_khz", 4 },
};

static const struct trace_field_desc cpu_request_fields[] = {
	[RQ1_ID]	= { "id", 8 },
	[RQ1_TS_NS]	= { "ts_ns", 8 },
	[RQ1_CPU]	= { "cpu", 4 },
	[RQ1_FROM_KHZ]	= { "from_khz", 4 },
	[RQ1_TO_KHZ]	= { "to_khz", 4 },
	[RQ1_SOURCE]	= { "source", 4 },
};

static const struct trace_field_desc cpu_effective_fields[] = {
	[EF1_ID]	 = { "id", 8 },
	[EF1_TS_NS]	 = { "ts_ns", 8 },
	[EF1_PREV_TS_NS] = { "prev_ts_ns", 8 },
	[EF1_CPU]	 = { "cpu", 4 },
	[EF1_KHZ]	 = { "khz", 4 },
	[EF1_COST_NS]	 = { "cost_ns", 4 },
	[EF1_SAMPLES]	 = { "samples", 4 },
	[EF1_READER]	 = { "reader", 4 },
	[EF1_STATUS]	 = { "status", 4 },
};

static const struct trace_field_desc cpu_limits_fields[] = {
	[LM1_TS_NS]	= { "ts_ns", 8 },
	[LM1_CPU]	= { "cpu", 4 },
	[LM1_MIN_KHZ]	= { "min_khz", 4 },
	[LM1_MAX_KHZ]	= { "max_khz", 4 },
	[LM1_CUR_KHZ]	= { "cur_khz", 4 },
};

static const struct trace_field_desc cpu_policy_fields[] = {
	[PO1_TS_NS]	= { "ts_ns", 8 },
	[PO1_CPU]	= { "cpu", 4 },
	[PO1_ACTION]	= { "action", 4 },
	[PO1_MIN_KHZ]	= { "min_khz", 4 },
	[PO1_MAX_KHZ]	= { "max_khz", 4 },
	[PO1_GOVERNOR]	= { "governor", TRACE_GOVERNOR_BYTES, true },
};

/* ---- every version ---- */

static const struct trace_field_desc cpu_frequency_fields[] = {
	[FQ_CPU]	= { "cpu", 4 },
	[FQ_KHZ]	= { "khz", 4 },
};

static const struct trace_field_desc lost_fields[] = {
	[LOST_COUNT]	= { "count", 8 },	/* records lost since last */
	[LOST_TOTAL]	= { "total", 8 },	/* cumulative */
};

/* ---- v2: every domain; domain is enum settle_domain, dev its device ---- */

static const struct trace_field_desc request_fields[] = {
	[RQ_ID]		= { "id", 8 },		/* transition id */
	[RQ_TS_NS]	= { "ts_ns", 8 },	/* request time, ns */
	[RQ_PARENT_ID]	= { "parent_id", 8 },	/* requested inside it; 0 none */
	[RQ_DOMAIN]	= { "domain", 4 },
	[RQ_DEV]	= { "dev", 4 },
	[RQ_FROM_KHZ]	= { "from_khz", 4 },
	[RQ_TO_KHZ]	= { "to_khz", 4 },
	[RQ_SOURCE]	= { "source", 4 },	/* enum settle_req_source */
};

static const struct trace_field_desc driver_fields[] = {
	[DR_ID]		= { "id", 8 },		/* same for entry and exit */
	[DR_TS_NS]	= { "ts_ns", 8 },	/* exact kernel time, ns */
	[DR_DOMAIN]	= { "domain", 4 },
	[DR_DEV]	= { "dev", 4 },
	[DR_OLD_KHZ]	= { "old_khz", 4 },
	[DR_NEW_KHZ]	= { "new_khz", 4 },
};

static const struct trace_field_desc effective_fields[] = {
	[EF_ID]		= { "id", 8 },
	[EF_TS_NS]	= { "ts_ns", 8 },	/* first sample showing the target */
	[EF_PREV_TS_NS]	= { "prev_ts_ns", 8 },	/* last sample showing the old rate */
	[EF_DOMAIN]	= { "domain", 4 },
	[EF_DEV]	= { "dev", 4 },
	[EF_KHZ]	= { "khz", 4 },		/* what the reader reported */
	[EF_COST_NS]	= { "cost_ns", 4 },	/* duration of that sample's read */
	[EF_SAMPLES]	= { "samples", 4 },
	[EF_READER]	= { "reader", 4 },	/* enum settle_reader_id */
	[EF_STATUS]	= { "status", 4 },	/* enum settle_eff_status */
};

static const struct trace_field_desc limits_fields[] = {
	[LM_TS_NS]	= { "ts_ns", 8 },
	[LM_DOMAIN]	= { "domain", 4 },
	[LM_DEV]	= { "dev", 4 },
	[LM_MIN_KHZ]	= { "min_khz", 4 },
	[LM_MAX_KHZ]	= { "max_khz", 4 },
	[LM_CUR_KHZ]	= { "cur_khz", 4 },	/* 0: unknown (fallback) */
};

static const struct trace_field_desc policy_fields[] = {
	[PO_TS_NS]	= { "ts_ns", 8 },
	[PO_DOMAIN]	= { "domain", 4 },
	[PO_DEV]	= { "dev", 4 },
	[PO_ACTION]	= { "action", 4 },	/* settle_policy_action, 255 observed */
	[PO_MIN_KHZ]	= { "min_khz", 4 },
	[PO_MAX_KHZ]	= { "max_khz", 4 },
	[PO_GOVERNOR]	= { "governor", TRACE_GOVERNOR_BYTES, true },
};

static const struct trace_field_desc device_fields[] = {
	[DV_DOMAIN]	= { "domain", 4 },
	[DV_DEV]	= { "dev", 4 },		/* the index its events carry */
	[DV_BACKEND]	= { "backend", 4 },	/* enum settle_backend */
	[DV_READER]	= { "reader", 4 },	/* enum settle_reader_id */
	[DV_FLAGS]	= { "flags", 4 },	/* SETTLE_DEV_* */
	[DV_CUR_KHZ]	= { "cur_khz", 4 },	/* when the recording started */
	[DV_NRATES]	= { "n_rates", 4 },	/* entries in its rate table */
	[DV_NAME]	= { "name", TRACE_NAME_BYTES, true },
};

#define R(i) [DT_R0 + (i)] = { "r" #i, 4 }
static const struct trace_field_desc device_rates_fields[] = {
	[DT_DOMAIN]	= { "domain", 4 },
	[DT_DEV]	= { "dev", 4 },
	[DT_FIRST]	= { "first", 4 },	/* table index of r0 */
	[DT_N]		= { "n", 4 },		/* valid rates, 1..16 */
	R(0), R(1), R(2), R(3), R(4), R(5), R(6), R(7),
	R(8), R(9), R(10), R(11), R(12), R(13), R(14), R(15),
};
#undef R
_Static_assert(ARRAY_SIZE(device_rates_fields) == DT_R0 + TRACE_RATES_PER_EVENT &&
	       ARRAY_SIZE(device_rates_fields) <= TRACE_MAX_FIELDS,
	       "device_rates must fit trace_event.f[]");

static const struct trace_field_desc step_fields[] = {
	[ST_ID]		  = { "id", 8 },
	[ST_T_REQUEST_NS] = { "t_request_ns", 8 },	/* kernel, before the call */
	[ST_T_EXIT_NS]	  = { "t_exit_ns", 8 },		/* kernel, call returned */
	[ST_CPU]	  = { "cpu", 4 },
	[ST_FROM_KHZ]	  = { "from_khz", 4 },
	[ST_TO_KHZ]	  = { "to_khz", 4 },
	[ST_CUR_KHZ]	  = { "cur_khz", 4 },		/* policy->cur after */
	[ST_SEQ]	  = { "seq", 4 },
	[ST_FLAGS]	  = { "flags", 4 },		/* TRACE_STEP_* */
	[ST_ERR]	  = { "err", 4 },		/* positive errno, 0 ok */
	[ST_DOMAIN]	  = { "domain", 4, false, 2 },	/* v2 */
	[ST_DEV]	  = { "dev", 4, false, 2 },	/* v2 */
};

static const struct trace_field_desc probe_info_fields[] = {
	[PI_SAMPLES]		= { "samples", 8 },
	[PI_CPU]		= { "cpu", 4 },
	[PI_BIN_NS]		= { "bin_ns", 4 },
	[PI_ITERS_PER_SAMPLE]	= { "iters_per_sample", 4 },
	[PI_PERIOD_P50_NS]	= { "period_p50_ns", 4 },
	[PI_PERIOD_P99_NS]	= { "period_p99_ns", 4 },
	[PI_PERIOD_MAX_NS]	= { "period_max_ns", 4 },
	[PI_DROPPED_BINS]	= { "dropped_bins", 4 },
	[PI_FIFO]		= { "fifo", 4 },
	[PI_MLOCKED]		= { "mlocked", 4 },
	[PI_KIND]		= { "kind", 4, false, 2 },	/* v2 */
	[PI_BUFFER_BYTES]	= { "buffer_bytes", 8, false, 2 },
	[PI_LINE_BYTES]		= { "line_bytes", 4, false, 2 },
	/* v2, the GPU probe's clock mapping (0 for a CPU probe) */
	[PI_GPU]		= { "gpu", 4, false, 2 },	/* CUDA device */
	[PI_ALIGN_BOUND_NS]	= { "align_bound_ns", 8, false, 2 },
	[PI_GT_STEP_NS]		= { "globaltimer_step_ns", 4, false, 2 },
	[PI_TIME_BOUND_NS]	= { "time_bound_ns", 8, false, 2 },
	[PI_DRIFT_NS]		= { "drift_ns", 8, false, 2 },	/* magnitude */
	[PI_DROPPED_SAMPLES]	= { "dropped_samples", 8, false, 2 },
	[PI_STATUS]		= { "status", 4, false, 2 },	/* 1: failed */
};
_Static_assert(ARRAY_SIZE(probe_info_fields) <= TRACE_MAX_FIELDS,
	       "probe_info must fit trace_event.f[]");

#define W(i) [PB_W0 + (i)] = { "w" #i, 4 }
static const struct trace_field_desc probe_bins_fields[] = {
	[PB_T0_NS]	= { "t0_ns", 8 },	/* start of w0 */
	[PB_CPU]	= { "cpu", 4 },
	[PB_BIN_NS]	= { "bin_ns", 4 },
	[PB_N]		= { "n", 4 },		/* valid bins, 1..16 */
	W(0), W(1), W(2), W(3), W(4), W(5), W(6), W(7),
	W(8), W(9), W(10), W(11), W(12), W(13), W(14), W(15),
	[PB_KIND]	= { "kind", 4, false, 2 },	/* v2: TRACE_PROBE_* */
	[PB_GPU]	= { "gpu", 4, false, 2 },	/* v2: CUDA device */
};
#undef W
_Static_assert(ARRAY_SIZE(probe_bins_fields) == PB_GPU + 1 &&
	       ARRAY_SIZE(probe_bins_fields) <= TRACE_MAX_FIELDS,
	       "probe_bins must fit trace_event.f[]");

static const struct trace_field_desc campaign_fields[] = {
	[CA_SEED]		= { "seed", 8 },	/* random-gap PRNG seed */
	[CA_CPU]		= { "cpu", 4 },
	[CA_COUNT]		= { "count", 4 },	/* per ordered pair */
	[CA_GAP_MIN_US]		= { "gap_min_us", 4 },
	[CA_GAP_MAX_US]		= { "gap_max_us", 4 },
	[CA_READER]		= { "reader", 4 },	/* enum settle_reader_id */
	[CA_SAMPLE_PERIOD_NS]	= { "sample_period_ns", 4 },
	[CA_KPROBES]		= { "kprobes", 4 },	/* request kprobe armed */
	[CA_WARMUP]		= { "warmup", 4 },	/* warm-up steps */
	[CA_DOMAIN]		= { "domain", 4, false, 2 },	/* v2: stepped */
	[CA_DEV]		= { "dev", 4, false, 2 },	/* v2 */
};

static const struct trace_field_desc truncated_fields[] = {
	[TR_EVENTS]	= { "events", 8 },	/* accepted, never written */
	[TR_ERR]	= { "err", 4 },		/* positive errno */
};
/* Imported probes' own samples (settle import), kept for their definitions. */
#define E(i) [PS_END0 + (i)] = { "end_ns" #i, 8 }
#define D(i) [PS_DUR0 + (i)] = { "dur_ns" #i, 4 }
static const struct trace_field_desc probe_samples_fields[] = {
	[PS_CPU]	= { "cpu", 4 },
	[PS_N]		= { "n", 4 },		/* valid samples, 1..8 */
	E(0), E(1), E(2), E(3), E(4), E(5), E(6), E(7),
	D(0), D(1), D(2), D(3), D(4), D(5), D(6), D(7),
};
#undef E
#undef D
_Static_assert(ARRAY_SIZE(probe_samples_fields) == PS_DUR0 + TRACE_PROBE_SAMPLES_PER_EVENT &&
	       ARRAY_SIZE(probe_samples_fields) <= TRACE_MAX_FIELDS,
	       "probe_samples must fit trace_event.f[]");

#define EV(id, name, f) { id, name, ARRAY_SIZE(f), f, 0 }
#define EV1(id, name, f) { id, name, ARRAY_SIZE(f), f, 1 }	/* v1 only */
static const struct trace_event_desc events[] = {
	EV1(TEV_CPUFREQ_PRE, "cpufreq_pre", cpufreq_fields),
	EV1(TEV_CPUFREQ_POST, "cpufreq_post", cpufreq_fields),
	EV(TEV_CPU_FREQUENCY, "cpu_frequency", cpu_frequency_fields),
	EV(TEV_LOST, "lost", lost_fields),
	EV1(TEV_CPU_REQUEST, "cpu_request", cpu_request_fields),
	EV1(TEV_CPU_EFFECTIVE, "cpu_effective", cpu_effective_fields),
	EV1(TEV_CPU_LIMITS, "cpu_limits", cpu_limits_fields),
	EV1(TEV_CPU_POLICY, "cpu_policy", cpu_policy_fields),
	EV(TEV_STEP, "step", step_fields),
	EV(TEV_PROBE_INFO, "probe_info", probe_info_fields),
	EV(TEV_PROBE_BINS, "probe_bins", probe_bins_fields),
	EV(TEV_CAMPAIGN, "campaign", campaign_fields),
	EV(TEV_TRUNCATED, "truncated", truncated_fields),
	EV(TEV_PROBE_SAMPLES, "probe_samples", probe_samples_fields),
	EV(TEV_REQUEST, "request", request_fields),
	EV(TEV_DRIVER_ENTRY, "driver_entry", driver_fields),
	EV(TEV_DRIVER_EXIT, "driver_exit", driver_fields),
	EV(TEV_EFFECTIVE, "effective", effective_fields),
	EV(TEV_LIMITS, "limits", limits_fields),
	EV(TEV_POLICY, "policy", policy_fields),
	EV(TEV_DEVICE, "device", device_fields),
	EV(TEV_DEVICE_RATES, "device_rates", device_rates_fields),
};
#undef EV
#undef EV1

/* Events a version introduced (v2: the domain model). */
static unsigned int event_since(uint32_t id)
{
	return id >= TEV_REQUEST && id <= TEV_DEVICE_RATES ? 2 : 1;
}

bool trace_event_in_version(const struct trace_event_desc *d, int version)
{
	return (int)event_since(d->id) <= version &&
	       (!d->until || version <= (int)d->until);
}

static const char *const domain_names[TRACE_DOMAINS] = {
	[TRACE_DOMAIN_CPU] = "cpu", [TRACE_DOMAIN_GPU] = "gpu", [TRACE_DOMAIN_EMC] = "emc",
};

const char *trace_domain_name(uint32_t domain)
{
	return domain < TRACE_DOMAINS ? domain_names[domain] : NULL;
}

int trace_domain_parse(const char *name)
{
	for (int i = 0; i < TRACE_DOMAINS; i++)
		if (name && !strcmp(name, domain_names[i]))
			return i;
	return -1;
}

size_t trace_required_ids(int version, uint32_t *ids)
{
	/* v1 readers never checked: a v1 trace needs only its version. */
	static const uint32_t v2[] = {
		TEV_LOST, TEV_STEP, TEV_CAMPAIGN, TEV_REQUEST, TEV_DRIVER_ENTRY,
		TEV_DRIVER_EXIT, TEV_EFFECTIVE, TEV_LIMITS, TEV_POLICY, TEV_DEVICE,
		TEV_DEVICE_RATES,
	};

	if (version < 2)
		return 0;
	memcpy(ids, v2, sizeof(v2));
	return ARRAY_SIZE(v2);
}

void trace_event_normalize(struct trace_event *ev, int version)
{
	uint64_t g[TRACE_MAX_FIELDS] = { 0 };
	uint32_t id = ev->desc->id;

	switch (id) {
	case TEV_CPUFREQ_PRE:
	case TEV_CPUFREQ_POST:
		g[DR_ID] = ev->f[CF_ID];
		g[DR_TS_NS] = ev->f[CF_TS_NS];
		g[DR_DOMAIN] = TRACE_DOMAIN_CPU;
		g[DR_DEV] = ev->f[CF_CPU];
		g[DR_OLD_KHZ] = ev->f[CF_OLD_KHZ];
		g[DR_NEW_KHZ] = ev->f[CF_NEW_KHZ];
		id = id == TEV_CPUFREQ_PRE ? TEV_DRIVER_ENTRY : TEV_DRIVER_EXIT;
		break;
	case TEV_CPU_REQUEST:
		g[RQ_ID] = ev->f[RQ1_ID];
		g[RQ_TS_NS] = ev->f[RQ1_TS_NS];
		g[RQ_DOMAIN] = TRACE_DOMAIN_CPU;
		g[RQ_DEV] = ev->f[RQ1_CPU];
		g[RQ_FROM_KHZ] = ev->f[RQ1_FROM_KHZ];
		g[RQ_TO_KHZ] = ev->f[RQ1_TO_KHZ];
		g[RQ_SOURCE] = ev->f[RQ1_SOURCE];
		id = TEV_REQUEST;
		break;
	case TEV_CPU_EFFECTIVE:
		g[EF_ID] = ev->f[EF1_ID];
		g[EF_TS_NS] = ev->f[EF1_TS_NS];
		g[EF_PREV_TS_NS] = ev->f[EF1_PREV_TS_NS];
		g[EF_DOMAIN] = TRACE_DOMAIN_CPU;
		g[EF_DEV] = ev->f[EF1_CPU];
		g[EF_KHZ] = ev->f[EF1_KHZ];
		g[EF_COST_NS] = ev->f[EF1_COST_NS];
		g[EF_SAMPLES] = ev->f[EF1_SAMPLES];
		g[EF_READER] = ev->f[EF1_READER];
		g[EF_STATUS] = ev->f[EF1_STATUS];
		id = TEV_EFFECTIVE;
		break;
	case TEV_CPU_LIMITS:
		g[LM_TS_NS] = ev->f[LM1_TS_NS];
		g[LM_DOMAIN] = TRACE_DOMAIN_CPU;
		g[LM_DEV] = ev->f[LM1_CPU];
		g[LM_MIN_KHZ] = ev->f[LM1_MIN_KHZ];
		g[LM_MAX_KHZ] = ev->f[LM1_MAX_KHZ];
		g[LM_CUR_KHZ] = ev->f[LM1_CUR_KHZ];
		id = TEV_LIMITS;
		break;
	case TEV_CPU_POLICY:	/* the governor stays in ev->text */
		g[PO_TS_NS] = ev->f[PO1_TS_NS];
		g[PO_DOMAIN] = TRACE_DOMAIN_CPU;
		g[PO_DEV] = ev->f[PO1_CPU];
		g[PO_ACTION] = ev->f[PO1_ACTION];
		g[PO_MIN_KHZ] = ev->f[PO1_MIN_KHZ];
		g[PO_MAX_KHZ] = ev->f[PO1_MAX_KHZ];
		id = TEV_POLICY;
		break;
	case TEV_STEP:		/* v1 steps are CPU steps of the CPU they name */
		if (version < 2) {
			ev->f[ST_DOMAIN] = TRACE_DOMAIN_CPU;
			ev->f[ST_DEV] = ev->f[ST_CPU];
		}
		return;
	case TEV_CAMPAIGN:
		if (version < 2) {
			ev->f[CA_DOMAIN] = TRACE_DOMAIN_CPU;
			ev->f[CA_DEV] = ev->f[CA_CPU];
		}
		return;
	default:
		return;
	}
	ev->desc = trace_event_desc(id);
	memcpy(ev->f, g, sizeof(g));
}

const struct trace_event_desc *trace_event_desc(uint32_t id)
{
	for (size_t i = 0; i < ARRAY_SIZE(events); i++)
		if (events[i].id == id)
			return &events[i];
	return NULL;
}

unsigned int trace_event_payload_bytes_v(const struct trace_event_desc *d,
					 int version)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < d->nfields; i++)
		if ((int)d->fields[i].since <= version)
			n += d->fields[i].bytes;
	return n;
}

unsigned int trace_event_payload_bytes(const struct trace_event_desc *d)
{
	return trace_event_payload_bytes_v(d, TRACE_VERSION);
}

/* TSDL string literal; anything odd from uname() (and ';', which our reader
 * treats as the end of a value) becomes '?'. */
static void put_tsdl_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f), fputc(*s, f);
		else if (*s < 0x20 || *s > 0x7e || *s == ';')
			fputc('?', f);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

char *trace_metadata_text(const struct trace_meta *m)
{
	return trace_metadata_text_v(m, TRACE_VERSION);
}

char *trace_metadata_text_v(const struct trace_meta *m, int version)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fputs("/* CTF 1.8 */\n\n"
	      "typealias integer { size = 32; align = 8; signed = false; } := uint32_t;\n"
	      "typealias integer { size = 64; align = 8; signed = false; } := uint64_t;\n"
	      "typealias integer { size = 64; align = 8; signed = false; map = clock.monotonic.value; } := uint64_clock_monotonic_t;\n"
	      /* Arrays of encoded bytes are what CTF readers print as text. */
	      "typealias integer { size = 8; align = 8; signed = false; encoding = UTF8; } := utf8_t;\n\n"
	      "trace {\n"
	      "\tmajor = 1;\n"
	      "\tminor = 8;\n"
	      "\tbyte_order = le;\n"
	      "\tpacket.header := struct {\n"
	      "\t\tuint32_t magic;\n"
	      "\t\tuint32_t stream_id;\n"
	      "\t};\n"
	      "};\n\n", f);
	fprintf(f, "env {\n\tsettle_trace_version = %d;\n\ttracer_name = \"settle\";\n",
		version);
	fputs("\tsettle_version = ", f);
	put_tsdl_string(f, m->settle_version);
	fputs(";\n\thostname = ", f);
	put_tsdl_string(f, m->hostname);
	fputs(";\n\tkernel_release = ", f);
	put_tsdl_string(f, m->kernel_release);
	fputs(";\n\tmachine = ", f);
	put_tsdl_string(f, m->machine);
	fputs(";\n\tsource = ", f);
	put_tsdl_string(f, m->source);
	fprintf(f, ";\n\tskips_counted = %d", m->skips_counted ? 1 : 0);
	fputs(";\n};\n\n"
	      "clock {\n"
	      "\tname = monotonic;\n"
	      "\tdescription = \"CLOCK_MONOTONIC\";\n"
	      "\tfreq = 1000000000;\n"
	      "\toffset = 0;\n"
	      "\tabsolute = false;\n"
	      "};\n\n"
	      "stream {\n"
	      "\tid = 0;\n"
	      "\tpacket.context := struct {\n"
	      "\t\tuint64_clock_monotonic_t timestamp_begin;\n"
	      "\t\tuint64_clock_monotonic_t timestamp_end;\n"
	      "\t\tuint64_t content_size;\n"
	      "\t\tuint64_t packet_size;\n"
	      "\t\tuint64_t packet_seq_num;\n"
	      "\t\tuint64_t events_discarded;\n"
	      "\t};\n"
	      "\tevent.header := struct {\n"
	      "\t\tuint32_t id;\n"
	      "\t\tuint64_clock_monotonic_t timestamp;\n"
	      "\t};\n"
	      "\tevent.context := struct {\n"
	      "\t\tuint32_t payload_size;\n"
	      "\t};\n"
	      "};\n", f);
	for (size_t i = 0; i < ARRAY_SIZE(events); i++) {
		const struct trace_event_desc *d = &events[i];

		if (!trace_event_in_version(d, version))
			continue;
		fprintf(f, "\nevent {\n\tname = %s;\n\tid = %u;\n\tstream_id = 0;\n"
			"\tfields := struct {\n", d->name, d->id);
		for (unsigned int j = 0; j < d->nfields; j++) {
			const struct trace_field_desc *fd = &d->fields[j];

			if ((int)fd->since > version)
				continue;
			if (fd->text)
				fprintf(f, "\t\tutf8_t %s[%u];\n", fd->name, fd->bytes);
			else
				fprintf(f, "\t\tuint%u_t %s;\n", fd->bytes * 8, fd->name);
		}
		fputs("\t};\n};\n", f);
	}
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}
