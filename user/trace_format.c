// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The event table and the TSDL metadata generated from it.  Changing an
 * existing event's fields breaks old readers: append an event instead, or
 * bump TRACE_VERSION.
 */
#include <stdio.h>
#include <stdlib.h>
#include "trace.h"
#include "util.h"

static const struct trace_field_desc cpufreq_fields[] = {
	[CF_ID]		= { "id", 8 },		/* settle.ko transition id */
	[CF_TS_NS]	= { "ts_ns", 8 },	/* exact kernel time, ns */
	[CF_CPU]	= { "cpu", 4 },		/* policy CPU */
	[CF_OLD_KHZ]	= { "old_khz", 4 },
	[CF_NEW_KHZ]	= { "new_khz", 4 },
};

static const struct trace_field_desc cpu_frequency_fields[] = {
	[FQ_CPU]	= { "cpu", 4 },
	[FQ_KHZ]	= { "khz", 4 },
};

static const struct trace_field_desc lost_fields[] = {
	[LOST_COUNT]	= { "count", 8 },	/* records lost since last */
	[LOST_TOTAL]	= { "total", 8 },	/* cumulative */
};

static const struct trace_field_desc cpu_request_fields[] = {
	[RQ_ID]		= { "id", 8 },		/* transition id */
	[RQ_TS_NS]	= { "ts_ns", 8 },	/* request time, ns */
	[RQ_CPU]	= { "cpu", 4 },
	[RQ_FROM_KHZ]	= { "from_khz", 4 },
	[RQ_TO_KHZ]	= { "to_khz", 4 },
	[RQ_SOURCE]	= { "source", 4 },	/* enum settle_req_source */
};

static const struct trace_field_desc cpu_effective_fields[] = {
	[EF_ID]		= { "id", 8 },
	[EF_TS_NS]	= { "ts_ns", 8 },	/* first sample showing the target */
	[EF_PREV_TS_NS]	= { "prev_ts_ns", 8 },	/* last sample showing the old rate */
	[EF_CPU]	= { "cpu", 4 },
	[EF_KHZ]	= { "khz", 4 },		/* what the reader reported */
	[EF_COST_NS]	= { "cost_ns", 4 },	/* duration of that sample's read */
	[EF_SAMPLES]	= { "samples", 4 },
	[EF_READER]	= { "reader", 4 },	/* enum settle_reader_id */
	[EF_STATUS]	= { "status", 4 },	/* enum settle_eff_status */
};

static const struct trace_field_desc cpu_limits_fields[] = {
	[LM_TS_NS]	= { "ts_ns", 8 },
	[LM_CPU]	= { "cpu", 4 },
	[LM_MIN_KHZ]	= { "min_khz", 4 },
	[LM_MAX_KHZ]	= { "max_khz", 4 },
	[LM_CUR_KHZ]	= { "cur_khz", 4 },	/* 0: unknown (fallback) */
};

static const struct trace_field_desc cpu_policy_fields[] = {
	[PO_TS_NS]	= { "ts_ns", 8 },
	[PO_CPU]	= { "cpu", 4 },
	[PO_ACTION]	= { "action", 4 },	/* settle_policy_action, 255 observed */
	[PO_MIN_KHZ]	= { "min_khz", 4 },
	[PO_MAX_KHZ]	= { "max_khz", 4 },
	[PO_GOVERNOR]	= { "governor", TRACE_TEXT_BYTES, true },
};

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
};

#define W(i) [PB_W0 + (i)] = { "w" #i, 4 }
static const struct trace_field_desc probe_bins_fields[] = {
	[PB_T0_NS]	= { "t0_ns", 8 },	/* start of w0 */
	[PB_CPU]	= { "cpu", 4 },
	[PB_BIN_NS]	= { "bin_ns", 4 },
	[PB_N]		= { "n", 4 },		/* valid bins, 1..16 */
	W(0), W(1), W(2), W(3), W(4), W(5), W(6), W(7),
	W(8), W(9), W(10), W(11), W(12), W(13), W(14), W(15),
};
#undef W
_Static_assert(ARRAY_SIZE(probe_bins_fields) == PB_W0 + TRACE_PROBE_BINS_PER_EVENT &&
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

static const struct trace_event_desc events[] = {
	{ TEV_CPUFREQ_PRE, "cpufreq_pre", ARRAY_SIZE(cpufreq_fields), cpufreq_fields },
	{ TEV_CPUFREQ_POST, "cpufreq_post", ARRAY_SIZE(cpufreq_fields), cpufreq_fields },
	{ TEV_CPU_FREQUENCY, "cpu_frequency", ARRAY_SIZE(cpu_frequency_fields), cpu_frequency_fields },
	{ TEV_LOST, "lost", ARRAY_SIZE(lost_fields), lost_fields },
	{ TEV_CPU_REQUEST, "cpu_request", ARRAY_SIZE(cpu_request_fields), cpu_request_fields },
	{ TEV_CPU_EFFECTIVE, "cpu_effective", ARRAY_SIZE(cpu_effective_fields), cpu_effective_fields },
	{ TEV_CPU_LIMITS, "cpu_limits", ARRAY_SIZE(cpu_limits_fields), cpu_limits_fields },
	{ TEV_CPU_POLICY, "cpu_policy", ARRAY_SIZE(cpu_policy_fields), cpu_policy_fields },
	{ TEV_STEP, "step", ARRAY_SIZE(step_fields), step_fields },
	{ TEV_PROBE_INFO, "probe_info", ARRAY_SIZE(probe_info_fields), probe_info_fields },
	{ TEV_PROBE_BINS, "probe_bins", ARRAY_SIZE(probe_bins_fields), probe_bins_fields },
	{ TEV_CAMPAIGN, "campaign", ARRAY_SIZE(campaign_fields), campaign_fields },
	{ TEV_TRUNCATED, "truncated", ARRAY_SIZE(truncated_fields), truncated_fields },
	{ TEV_PROBE_SAMPLES, "probe_samples", ARRAY_SIZE(probe_samples_fields),
	  probe_samples_fields },
};

const struct trace_event_desc *trace_event_desc(uint32_t id)
{
	for (size_t i = 0; i < ARRAY_SIZE(events); i++)
		if (events[i].id == id)
			return &events[i];
	return NULL;
}

unsigned int trace_event_payload_bytes(const struct trace_event_desc *d)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < d->nfields; i++)
		n += d->fields[i].bytes;
	return n;
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
		TRACE_VERSION);
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

		fprintf(f, "\nevent {\n\tname = %s;\n\tid = %u;\n\tstream_id = 0;\n"
			"\tfields := struct {\n", d->name, d->id);
		for (unsigned int j = 0; j < d->nfields; j++) {
			const struct trace_field_desc *fd = &d->fields[j];

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
