/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * settle trace format v1: a CTF 1.8 directory (see
 * Documentation/trace-format.rst).  The event table below is the single
 * source for the TSDL metadata the writer emits and for the layouts the
 * reader decodes.
 */
#ifndef SETTLE_TRACE_H
#define SETTLE_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TRACE_VERSION		1
#define TRACE_MAGIC		0xC1FC1FC1U
#define TRACE_METADATA_FILE	"metadata"
#define TRACE_STREAM_FILE	"stream_0"

/* Packet header (8) + packet context (48), see trace_metadata_text(). */
#define TRACE_PKT_HDR_BYTES	56
/*
 * Event header {id, timestamp} plus stream event context {payload_size}:
 * the size lets readers skip events they do not know.
 */
#define TRACE_EV_ID		0
#define TRACE_EV_TS		4
#define TRACE_EV_SIZE		12
#define TRACE_EV_HDR_BYTES	16
/* Packets the writer emits never exceed this. */
#define TRACE_PKT_MAX_BYTES	(64U * 1024)
/* Readers accept larger packets (future writers) but not absurd ones. */
#define TRACE_PKT_LIMIT_BYTES	(16U * 1024 * 1024)
/* The widest event, probe_bins: 4 fields + TRACE_PROBE_BINS_PER_EVENT. */
#define TRACE_MAX_FIELDS	20
/* Fixed-length text fields (the governor name), NUL-padded. */
#define TRACE_TEXT_BYTES	16
#define TRACE_PROBE_BINS_PER_EVENT 16
#define TRACE_MAX_EVENT_IDS	256

/* Event ids are stable: never renumber, only add. */
enum trace_event_id {
	TEV_CPUFREQ_PRE = 1,
	TEV_CPUFREQ_POST = 2,
	TEV_CPU_FREQUENCY = 3,
	TEV_LOST = 4,
	TEV_CPU_REQUEST = 5,
	TEV_CPU_EFFECTIVE = 6,
	TEV_CPU_LIMITS = 7,
	TEV_CPU_POLICY = 8,
	TEV_STEP = 9,
	TEV_PROBE_INFO = 10,
	TEV_PROBE_BINS = 11,
	TEV_CAMPAIGN = 12,
	TEV_PROBE_SAMPLES = 13,
	/*
	 * The writer's own bookkeeping, numbered apart from the data events
	 * above so that those can grow without colliding with it.
	 */
	TEV_TRUNCATED = 100,
};

/* Field indexes into trace_event.f[] for each event type. */
enum { CF_ID, CF_TS_NS, CF_CPU, CF_OLD_KHZ, CF_NEW_KHZ };	/* cpufreq_pre/post */
enum { FQ_CPU, FQ_KHZ };					/* cpu_frequency */
enum { LOST_COUNT, LOST_TOTAL };				/* lost */
enum { RQ_ID, RQ_TS_NS, RQ_CPU, RQ_FROM_KHZ, RQ_TO_KHZ, RQ_SOURCE };	/* cpu_request */
enum { EF_ID, EF_TS_NS, EF_PREV_TS_NS, EF_CPU, EF_KHZ, EF_COST_NS,	/* cpu_effective */
       EF_SAMPLES, EF_READER, EF_STATUS };
enum { LM_TS_NS, LM_CPU, LM_MIN_KHZ, LM_MAX_KHZ, LM_CUR_KHZ };	/* cpu_limits */
enum { PO_TS_NS, PO_CPU, PO_ACTION, PO_MIN_KHZ, PO_MAX_KHZ,	/* cpu_policy */
       PO_GOVERNOR };	/* text: trace_event.text, f[] unused */
enum { ST_ID, ST_T_REQUEST_NS, ST_T_EXIT_NS, ST_CPU, ST_FROM_KHZ,	/* step */
       ST_TO_KHZ, ST_CUR_KHZ, ST_SEQ, ST_FLAGS, ST_ERR };
enum { PI_SAMPLES, PI_CPU, PI_BIN_NS, PI_ITERS_PER_SAMPLE,		/* probe_info */
       PI_PERIOD_P50_NS, PI_PERIOD_P99_NS, PI_PERIOD_MAX_NS,
       PI_DROPPED_BINS, PI_FIFO, PI_MLOCKED };
enum { PB_T0_NS, PB_CPU, PB_BIN_NS, PB_N, PB_W0 };		/* probe_bins: */
							/* w_i is f[PB_W0 + i] */
/* probe_samples: end of sample i in f[PS_END0 + i], duration in f[PS_DUR0 + i] */
#define TRACE_PROBE_SAMPLES_PER_EVENT 8
enum { PS_CPU, PS_N, PS_END0, PS_DUR0 = PS_END0 + TRACE_PROBE_SAMPLES_PER_EVENT };
enum { CA_SEED, CA_CPU, CA_COUNT, CA_GAP_MIN_US, CA_GAP_MAX_US,	/* campaign */
       CA_READER, CA_SAMPLE_PERIOD_NS, CA_KPROBES, CA_WARMUP };
enum { TR_EVENTS, TR_ERR };					/* truncated */

/* step.flags */
#define TRACE_STEP_WARMUP	(1U << 0)	/* not measured: cold code paths */
#define TRACE_STEP_POSITION	(1U << 1)	/* only reaches a pair's start rate */
/* cpu_policy.action beyond enum settle_policy_action: a plain observation. */
#define TRACE_POLICY_OBSERVED	255

struct trace_field_desc {
	const char *name;
	unsigned int bytes;	/* 4 or 8, unsigned little-endian; text: */
	bool text;		/* TRACE_TEXT_BYTES of NUL-padded text */
};

struct trace_event_desc {
	uint32_t id;
	const char *name;
	unsigned int nfields;
	const struct trace_field_desc *fields;
};

const struct trace_event_desc *trace_event_desc(uint32_t id);
unsigned int trace_event_payload_bytes(const struct trace_event_desc *d);

struct trace_event {
	const struct trace_event_desc *desc;
	uint64_t ts_ns;		/* CTF event timestamp, CLOCK_MONOTONIC */
	uint64_t f[TRACE_MAX_FIELDS];	/* integers; a text field's slot is 0 */
	/* The event's text field (at most one per event), NUL-terminated. */
	char text[TRACE_TEXT_BYTES + 1];
};

struct trace_meta {
	const char *hostname;
	const char *kernel_release;
	const char *machine;
	const char *settle_version;
	const char *source;	/* "settle.ko" or "fallback" */
};

/* ---- writer ---- */

/* TSDL metadata for `m`; malloc'd, NUL-terminated. */
char *trace_metadata_text(const struct trace_meta *m);

struct trace_writer;

/*
 * Creates directory `dir` (or reuses an empty one; a non-empty one only with
 * `force`, in which case settle's own files in it are replaced) and writes
 * the metadata.
 */
/* The refusals of trace_writer_open() without touching anything. */
int trace_output_check(const char *dir, bool force, char *err, size_t errlen);
struct trace_writer *trace_writer_open(const char *dir,
				       const struct trace_meta *m, bool force,
				       char *err, size_t errlen);
/* `f` holds the event's fields in table order. */
int trace_writer_add(struct trace_writer *w, uint32_t id, uint64_t ts_ns,
		     const uint64_t *f);
/*
 * Same, for an event with a text field: `text` (NULL for empty) is cut to
 * TRACE_TEXT_BYTES and NUL-padded; its slot in `f` is ignored.
 */
int trace_writer_add_text(struct trace_writer *w, uint32_t id, uint64_t ts_ns,
			  const uint64_t *f, const char *text);
/*
 * Records that the cumulative lost-record count is now `total`: emits a
 * `lost` event for the growth and carries `total` in events_discarded.
 */
int trace_writer_lost(struct trace_writer *w, uint64_t ts_ns, uint64_t total);
struct settle_rec;
/*
 * Maps a ring-buffer record (bpf/record.h) of `len` bytes to its trace
 * event; unknown types and records shorter than their type fail.
 */
int trace_writer_add_raw(struct trace_writer *w, const void *rec, size_t len);
/* The same for a cpufreq_pre/post or cpu_frequency record. */
int trace_writer_add_rec(struct trace_writer *w, const struct settle_rec *r);
/* Writes the pending packet, if any, with one write(). */
int trace_writer_flush(struct trace_writer *w);
/*
 * Flushes, syncs and frees; returns -1 if anything failed on the way, and
 * prints the failures of its own (earlier ones the caller has printed).
 */
int trace_writer_close(struct trace_writer *w);
const char *trace_writer_error(const struct trace_writer *w);
uint64_t trace_writer_events(const struct trace_writer *w);

/* ---- reader ---- */

struct trace_info {
	int version;
	char source[32];
	char settle_version[64];
	char hostname[128];
	char kernel_release[128];
	char machine[64];
	bool declared[TRACE_MAX_EVENT_IDS];	/* event ids in the metadata */
};

/* Why a trace was not read to its end. */
enum trace_damage {
	TRACE_INTACT,
	TRACE_CUT,	/* the file ends inside a packet (recorder killed) */
	TRACE_CORRUPT,	/* a damaged packet after intact ones */
	TRACE_STOPPED,	/* the writer's `truncated` event: it could not go on */
};
const char *trace_damage_name(enum trace_damage d);

struct trace_stream_result {
	uint64_t packets;
	uint64_t events;
	uint64_t skipped;		/* declared but unknown to this reader */
	uint64_t events_discarded;	/* from the last complete packet */
	/* Only the packets before partial_offset were read; see damage, why. */
	bool partial;
	uint64_t partial_offset;	/* bytes into the stream file */
	enum trace_damage damage;	/* of the first damaged stream */
	/* From a `truncated` event, if any. */
	bool truncated;
	uint32_t truncated_err;		/* positive errno of the failed write */
	uint64_t truncated_events;	/* events accepted but never written */
	char why[320];			/* the damage, with file and offset */
};

typedef int (*trace_event_cb)(const struct trace_event *ev, void *ctx);

int trace_parse_metadata(const char *text, size_t len, struct trace_info *ti,
			 char *err, size_t errlen);
/*
 * Decodes one stream file held in memory.  A cut last packet, a damaged
 * packet after at least one intact one, or a `truncated` event stops the
 * parse with res->partial set, res->damage and res->why saying why; the
 * damaged packet delivers no event.  Damage in the first packet is an
 * error.  A non-zero return from `cb` (out of memory) stops the parse with
 * an error.
 */
int trace_parse_stream(const uint8_t *buf, size_t len,
		       const struct trace_info *ti, trace_event_cb cb,
		       void *ctx, struct trace_stream_result *res,
		       char *err, size_t errlen);
/*
 * Metadata plus every stream file of a trace directory; warns on stderr
 * about damage, and res->why names the file.
 */
int trace_read_dir(const char *dir, struct trace_info *ti, trace_event_cb cb,
		   void *ctx, struct trace_stream_result *res,
		   char *err, size_t errlen);

#endif /* SETTLE_TRACE_H */
