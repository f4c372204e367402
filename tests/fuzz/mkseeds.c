// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Writes the trace-format-v2 seeds of the trace, stream and metadata
 * corpora through trace_writer: every v2 event type over four packets,
 * the same cut 30 bytes short, its first packet alone.  The v1 seeds
 * beside them came from a v1 writer and stay, so the fuzzers keep
 * exercising v1 decoding.  `make seeds` runs it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <linux/types.h>
#include "../../kmod/uapi/settle.h"
#include "trace.h"
#include "util.h"

static int put(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "mkseeds: cannot write '%s'\n", path);
		return -1;
	}
	return 0;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		exit(1);
	b = malloc((size_t)n + 1);
	if (!b || fread(b, 1, (size_t)n, f) != (size_t)n)
		exit(1);
	fclose(f);
	*len = (size_t)n;
	return b;
}

int main(int argc, char **argv)
{
	struct trace_meta m = { .hostname = "seed", .kernel_release = "6.1.0", .machine = "aarch64",
				.settle_version = SETTLE_VERSION, .source = "settle.ko" };
	struct settle_device_info d = { .domain = SETTLE_DOMAIN_EMC, .dev = 0, .backend = 2,
					.reader = 6, .flags = 1, .cur_khz = 204000, .nrates = 18,
					.name = "emc" };
	uint64_t f[TRACE_MAX_FIELDS] = { 0 };
	char err[SETTLE_ERR_LEN], path[4096], *meta;
	struct trace_writer *w;
	const char *tmp, *out;
	uint8_t *s, *t;
	size_t len, first = 0, mlen;

	if (argc != 3)
		return 2;
	tmp = argv[1];
	out = argv[2];
	w = trace_writer_open(tmp, &m, true, err, sizeof(err));
	if (!w) {
		fprintf(stderr, "mkseeds: %s\n", err);
		return 1;
	}
	for (uint32_t i = 0; i < d.nrates; i++)
		d.rates_khz[i] = 204000 + i * 166000;
	for (int p = 0; p < 4; p++) {
		uint64_t t0 = 1000000 * (uint64_t)(p + 1), id = (uint64_t)p * 2 + 1;

		trace_writer_device(w, t0, &d);
		f[CA_SEED] = 1, f[CA_DOMAIN] = 2, f[CA_COUNT] = 1;
		trace_writer_add(w, TEV_CAMPAIGN, t0, f);
		memset(f, 0, sizeof(f));
		f[RQ_ID] = id, f[RQ_TS_NS] = t0 + 1, f[RQ_DOMAIN] = 0, f[RQ_DEV] = 2;
		f[RQ_FROM_KHZ] = 729600, f[RQ_TO_KHZ] = 1728000;
		trace_writer_add(w, TEV_REQUEST, t0 + 1, f);
		f[RQ_ID] = id + 1, f[RQ_PARENT_ID] = id, f[RQ_DOMAIN] = 2, f[RQ_DEV] = 0;
		trace_writer_add(w, TEV_REQUEST, t0 + 2, f);
		for (uint64_t k = 0; k < 2; k++) {
			memset(f, 0, sizeof(f));
			f[DR_ID] = id + k, f[DR_TS_NS] = t0 + 3, f[DR_DOMAIN] = k ? 2 : 0;
			f[DR_DEV] = k ? 0 : 2, f[DR_OLD_KHZ] = 729600, f[DR_NEW_KHZ] = 1728000;
			trace_writer_add(w, TEV_DRIVER_ENTRY, t0 + 3, f);
			f[DR_TS_NS] = t0 + 400;
			trace_writer_add(w, TEV_DRIVER_EXIT, t0 + 400, f);
		}
		memset(f, 0, sizeof(f));
		f[EF_ID] = id + 1, f[EF_TS_NS] = t0 + 900, f[EF_PREV_TS_NS] = t0 + 800;
		f[EF_DOMAIN] = 2, f[EF_KHZ] = 1728000, f[EF_READER] = 6;
		trace_writer_add(w, TEV_EFFECTIVE, t0 + 900, f);
		memset(f, 0, sizeof(f));
		f[LM_TS_NS] = t0 + 901, f[LM_DOMAIN] = 1, f[LM_MAX_KHZ] = 918000;
		trace_writer_add(w, TEV_LIMITS, t0 + 901, f);
		memset(f, 0, sizeof(f));
		f[PO_TS_NS] = t0 + 902, f[PO_DOMAIN] = 1, f[PO_ACTION] = 255;
		trace_writer_add_text(w, TEV_POLICY, t0 + 902, f, "nvhost_podgov");
		memset(f, 0, sizeof(f));
		f[ST_ID] = id, f[ST_T_REQUEST_NS] = t0 + 1, f[ST_T_EXIT_NS] = t0 + 401;
		f[ST_DOMAIN] = 0, f[ST_DEV] = 2, f[ST_CPU] = 2, f[ST_TO_KHZ] = 1728000;
		trace_writer_add(w, TEV_STEP, t0 + 903, f);
		memset(f, 0, sizeof(f));
		f[PB_T0_NS] = t0, f[PB_CPU] = 2, f[PB_BIN_NS] = 10000, f[PB_N] = 16;
		for (int i = 0; i < 16; i++)
			f[PB_W0 + i] = 100 + (uint64_t)i;
		trace_writer_add(w, TEV_PROBE_BINS, t0 + 904, f);
		memset(f, 0, sizeof(f));
		f[FQ_CPU] = 1, f[FQ_KHZ] = 115200;
		trace_writer_add(w, TEV_CPU_FREQUENCY, t0 + 905, f);
		trace_writer_lost(w, t0 + 906, (uint64_t)p + 1);
		if (trace_writer_flush(w))
			return 1;
	}
	memset(f, 0, sizeof(f));
	f[PI_SAMPLES] = 1000, f[PI_CPU] = 2, f[PI_BIN_NS] = 10000;
	trace_writer_add(w, TEV_PROBE_INFO, 9000000, f);
	memset(f, 0, sizeof(f));
	f[PS_CPU] = 2, f[PS_N] = 2, f[PS_END0] = 9000001, f[PS_DUR0] = 5;
	trace_writer_add(w, TEV_PROBE_SAMPLES, 9000001, f);
	if (trace_writer_close(w))
		return 1;

	snprintf(path, sizeof(path), "%s/stream_0", tmp);
	s = slurp(path, &len);
	first = (size_t)(get_le64(s + 32) / 8);
	snprintf(path, sizeof(path), "%s/metadata", tmp);
	meta = (char *)slurp(path, &mlen);
	snprintf(path, sizeof(path), "%s/stream/v2-every-event", out);
	if (put(path, s, len))
		return 1;
	snprintf(path, sizeof(path), "%s/stream/v2-cut", out);
	if (put(path, s, len - 30))
		return 1;
	snprintf(path, sizeof(path), "%s/stream/v2-one-packet", out);
	if (put(path, s, first))
		return 1;
	snprintf(path, sizeof(path), "%s/metadata/v2-settle-ko", out);
	if (put(path, meta, mlen))
		return 1;
	t = malloc(4 + mlen + len);
	put_le32(t, (uint32_t)mlen);
	memcpy(t + 4, meta, mlen);
	memcpy(t + 4 + mlen, s, len);
	snprintf(path, sizeof(path), "%s/trace/v2-every-event", out);
	if (put(path, t, 4 + mlen + len))
		return 1;
	snprintf(path, sizeof(path), "%s/trace/v2-cut", out);
	if (put(path, t, 4 + mlen + len - 30))
		return 1;
	free(t);
	free(s);
	free(meta);
	return 0;
}
