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

static const struct trace_event_desc events[] = {
	{ TEV_CPUFREQ_PRE, "cpufreq_pre", ARRAY_SIZE(cpufreq_fields), cpufreq_fields },
	{ TEV_CPUFREQ_POST, "cpufreq_post", ARRAY_SIZE(cpufreq_fields), cpufreq_fields },
	{ TEV_CPU_FREQUENCY, "cpu_frequency", ARRAY_SIZE(cpu_frequency_fields), cpu_frequency_fields },
	{ TEV_LOST, "lost", ARRAY_SIZE(lost_fields), lost_fields },
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
	      "typealias integer { size = 64; align = 8; signed = false; map = clock.monotonic.value; } := uint64_clock_monotonic_t;\n\n"
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
		for (unsigned int j = 0; j < d->nfields; j++)
			fprintf(f, "\t\tuint%u_t %s;\n", d->fields[j].bytes * 8,
				d->fields[j].name);
		fputs("\t};\n};\n", f);
	}
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}
