// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The trace reader's stream decoder, on any bytes, against the metadata
 * settle writes plus v1's CPU events (mapped onto v2's) and one future
 * event (id 200) it must skip.
 */
#include "fuzz.h"
#include "trace.h"
#include "util.h"

static struct trace_info ti;

static int count_cb(const struct trace_event *ev, void *ctx)
{
	uint64_t *n = ctx;

	FUZZ_CHECK(ev->desc && trace_event_desc(ev->desc->id) == ev->desc);
	FUZZ_CHECK(ev->text[TRACE_TEXT_MAX_BYTES] == '\0');
	/* v1 events never get past the reader: they arrive as v2 ones. */
	FUZZ_CHECK(trace_event_in_version(ev->desc, TRACE_VERSION));
	(*n)++;
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct trace_meta m = {
		.hostname = "fuzz", .kernel_release = "0", .machine = "fuzz",
		.settle_version = "0", .source = "settle.ko",
	};
	char *text = trace_metadata_text(&m), err[SETTLE_ERR_LEN];

	(void)argc;
	(void)argv;
	if (!text || trace_parse_metadata(text, strlen(text), &ti, err, sizeof(err)))
		abort();
	free(text);
	ti.declared[200] = true;
	for (uint32_t id = TEV_CPUFREQ_PRE; id <= TEV_CPU_POLICY; id++)
		ti.declared[id] = true;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trace_stream_result res;
	char err[SETTLE_ERR_LEN];
	uint64_t n = 0;
	int ret;

	err[0] = '\0';
	ret = trace_parse_stream(data, size, &ti, count_cb, &n, &res, err, sizeof(err));
	FUZZ_CHECK(ret == 0 || ret == -1);
	if (ret == -1) {
		FUZZ_CHECK(err[0] != '\0');
		return 0;
	}
	/* Every event reported was delivered, and none was invented. */
	FUZZ_CHECK(n == res.events);
	FUZZ_CHECK(res.events + res.skipped <= size / TRACE_EV_HDR_BYTES);
	FUZZ_CHECK(res.packets <= size / TRACE_PKT_HDR_BYTES);
	if (res.partial) {
		FUZZ_CHECK(res.damage != TRACE_INTACT && res.why[0] != '\0');
		FUZZ_CHECK(res.partial_offset <= size);
	} else {
		FUZZ_CHECK(res.damage == TRACE_INTACT && !res.truncated);
	}
	return 0;
}
