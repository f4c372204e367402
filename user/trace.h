/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * settle trace format v2: a CTF 1.8 directory (see
 * Documentation/trace-format.rst).  The event table below is the single
 * source for the TSDL metadata the writer emits and for the layouts the
 * reader decodes.  The reader also reads v1 traces: it maps their CPU-only
 * events onto the domain-neutral v2 ones (trace_event_normalize()), so
 * everything after the reader sees one model.
 */
#ifndef SETTLE_TRACE_H
#define SETTLE_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TRACE_VERSION		2
/* The oldest version the reader still reads. */
#define TRACE_VERSION_MIN	1
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
/*
 * The widest event, probe_bins: 4 fields + 16 values + 2 appended in v2.
 */
#define TRACE_MAX_FIELDS	22
/*
 * Fixed-length text fields, NUL-padded: each declares its own length (the
 * governor 16 bytes, a device name 32), at most TRACE_TEXT_MAX_BYTES.
 */
#define TRACE_TEXT_MAX_BYTES	32
#define TRACE_GOVERNOR_BYTES	16
#define TRACE_NAME_BYTES	32
#define TRACE_PROBE_BINS_PER_EVENT 16
#define TRACE_RATES_PER_EVENT	16
#define TRACE_MAX_EVENT_IDS	256

/*
 * Event ids are stable: never renumber, only add.  Ids 1, 2, 5, 6, 7 and 8
 * are v1's CPU-only events: v2 writers no longer write them, the reader
 * still decodes them and hands them on as their v2 counterparts.
 */
enum trace_event_id {
	TEV_CPUFREQ_PRE = 1,	/* v1 -> driver_entry */
	TEV_CPUFREQ_POST = 2,	/* v1 -> driver_exit */
	TEV_CPU_FREQUENCY = 3,	/* fallback (power:cpu_frequency), CPU only */
	TEV_LOST = 4,
	TEV_CPU_REQUEST = 5,	/* v1 -> request */
	TEV_CPU_EFFECTIVE = 6,	/* v1 -> effective */
	TEV_CPU_LIMITS = 7,	/* v1 -> limits */
	TEV_CPU_POLICY = 8,	/* v1 -> policy */
	TEV_STEP = 9,
	TEV_PROBE_INFO = 10,
	TEV_PROBE_BINS = 11,
	TEV_CAMPAIGN = 12,
	TEV_PROBE_SAMPLES = 13,
	/* v2: every clock domain, each event with its domain and device */
	TEV_REQUEST = 14,
	TEV_DRIVER_ENTRY = 15,
	TEV_DRIVER_EXIT = 16,
	TEV_EFFECTIVE = 17,
	TEV_LIMITS = 18,
	TEV_POLICY = 19,
	TEV_DEVICE = 20,	/* header: one per device, from SETTLE_IOC_DEVICE */
	TEV_DEVICE_RATES = 21,	/* header: a device's rate table, in chunks */
	/*
	 * The writer's own bookkeeping, numbered apart from the data events
	 * above so that those can grow without colliding with it.
	 */
	TEV_TRUNCATED = 100,
};

/* Clock domains (enum settle_domain in kmod/uapi/settle.h). */
enum { TRACE_DOMAIN_CPU = 0, TRACE_DOMAIN_GPU = 1, TRACE_DOMAIN_EMC = 2,
       TRACE_DOMAINS };
/* "cpu", "gpu", "emc"; NULL for an unknown domain. */
const char *trace_domain_name(uint32_t domain);
/* The domain named `name`, or -1. */
int trace_domain_parse(const char *name);

/* Field indexes into trace_event.f[] for each event type. */
enum { FQ_CPU, FQ_KHZ };					/* cpu_frequency */
enum { LOST_COUNT, LOST_TOTAL };				/* lost */
/* v2 */
enum { RQ_ID, RQ_TS_NS, RQ_PARENT_ID, RQ_DOMAIN, RQ_DEV,	/* request */
       RQ_FROM_KHZ, RQ_TO_KHZ, RQ_SOURCE };
enum { DR_ID, DR_TS_NS, DR_DOMAIN, DR_DEV, DR_OLD_KHZ,		/* driver_entry/exit */
       DR_NEW_KHZ };
enum { EF_ID, EF_TS_NS, EF_PREV_TS_NS, EF_DOMAIN, EF_DEV,	/* effective */
       EF_KHZ, EF_COST_NS, EF_SAMPLES, EF_READER, EF_STATUS };
enum { LM_TS_NS, LM_DOMAIN, LM_DEV, LM_MIN_KHZ, LM_MAX_KHZ,	/* limits */
       LM_CUR_KHZ };
enum { PO_TS_NS, PO_DOMAIN, PO_DEV, PO_ACTION, PO_MIN_KHZ,	/* policy */
       PO_MAX_KHZ, PO_GOVERNOR };	/* text: trace_event.text, f[] unused */
enum { DV_DOMAIN, DV_DEV, DV_BACKEND, DV_READER, DV_FLAGS,	/* device */
       DV_CUR_KHZ, DV_NRATES, DV_NAME };	/* name: trace_event.text */
enum { DT_DOMAIN, DT_DEV, DT_FIRST, DT_N, DT_R0 };		/* device_rates: */
							/* rate i is f[DT_R0 + i] */
/* v1 only (ids 1, 2, 5-8): what the reader maps onto the events above */
enum { CF_ID, CF_TS_NS, CF_CPU, CF_OLD_KHZ, CF_NEW_KHZ };	/* cpufreq_pre/post */
enum { RQ1_ID, RQ1_TS_NS, RQ1_CPU, RQ1_FROM_KHZ, RQ1_TO_KHZ,	/* cpu_request */
       RQ1_SOURCE };
enum { EF1_ID, EF1_TS_NS, EF1_PREV_TS_NS, EF1_CPU, EF1_KHZ,	/* cpu_effective */
       EF1_COST_NS, EF1_SAMPLES, EF1_READER, EF1_STATUS };
enum { LM1_TS_NS, LM1_CPU, LM1_MIN_KHZ, LM1_MAX_KHZ, LM1_CUR_KHZ };	/* cpu_limits */
enum { PO1_TS_NS, PO1_CPU, PO1_ACTION, PO1_MIN_KHZ, PO1_MAX_KHZ,	/* cpu_policy */
       PO1_GOVERNOR };
/* step; domain and dev appended in v2 (a v1 step is domain cpu, dev cpu) */
enum { ST_ID, ST_T_REQUEST_NS, ST_T_EXIT_NS, ST_CPU, ST_FROM_KHZ,
       ST_TO_KHZ, ST_CUR_KHZ, ST_SEQ, ST_FLAGS, ST_ERR, ST_DOMAIN, ST_DEV };
enum { PI_SAMPLES, PI_CPU, PI_BIN_NS, PI_ITERS_PER_SAMPLE,		/* probe_info */
       PI_PERIOD_P50_NS, PI_PERIOD_P99_NS, PI_PERIOD_MAX_NS,
       PI_DROPPED_BINS, PI_FIFO, PI_MLOCKED,
       PI_KIND, PI_BUFFER_BYTES, PI_LINE_BYTES,	/* v2 */
       PI_GPU, PI_ALIGN_BOUND_NS, PI_GT_STEP_NS,	/* v2, the GPU probe */
       PI_TIME_BOUND_NS, PI_DRIFT_NS, PI_DROPPED_SAMPLES, PI_STATUS };
enum { PB_T0_NS, PB_CPU, PB_BIN_NS, PB_N, PB_W0 };		/* probe_bins: */
							/* w_i is f[PB_W0 + i] */
enum { PB_KIND = PB_W0 + TRACE_PROBE_BINS_PER_EVENT, PB_GPU };	/* v2 */
/* probe_info.kind, probe_bins.kind: which probe (v1: always CPU compute) */
enum { TRACE_PROBE_CPU_COMPUTE = 0, TRACE_PROBE_CPU_MEMORY = 1,
       TRACE_PROBE_GPU_COMPUTE = 2, TRACE_PROBE_GPU_MEMORY = 3 };
static inline bool trace_probe_is_gpu(uint64_t kind)
{
	return kind == TRACE_PROBE_GPU_COMPUTE || kind == TRACE_PROBE_GPU_MEMORY;
}
/* probe_info.status */
enum { TRACE_PROBE_OK = 0, TRACE_PROBE_FAILED = 1 };
/* probe_samples: end of sample i in f[PS_END0 + i], duration in f[PS_DUR0 + i] */
#define TRACE_PROBE_SAMPLES_PER_EVENT 8
enum { PS_CPU, PS_N, PS_END0, PS_DUR0 = PS_END0 + TRACE_PROBE_SAMPLES_PER_EVENT };
enum { CA_SEED, CA_CPU, CA_COUNT, CA_GAP_MIN_US, CA_GAP_MAX_US,	/* campaign */
       CA_READER, CA_SAMPLE_PERIOD_NS, CA_KPROBES, CA_WARMUP,
       CA_DOMAIN, CA_DEV };	/* v2 */
enum { TR_EVENTS, TR_ERR };					/* truncated */

/* step.flags */
#define TRACE_STEP_WARMUP	(1U << 0)	/* not measured: cold code paths */
#define TRACE_STEP_POSITION	(1U << 1)	/* only reaches a pair's start rate */
/* cpu_policy.action beyond enum settle_policy_action: a plain observation. */
#define TRACE_POLICY_OBSERVED	255

struct trace_field_desc {
	const char *name;
	unsigned int bytes;	/* 4 or 8, unsigned little-endian; text: */
	bool text;		/* `bytes` (<= TRACE_TEXT_MAX_BYTES) of NUL-padded text */
	/*
	 * The format version that appended the field (0: 1).  A trace of an
	 * older version has no such field; the reader leaves it 0 and
	 * trace_event_normalize() fills in what it meant.
	 */
	unsigned int since;
};

struct trace_event_desc {
	uint32_t id;
	const char *name;
	unsigned int nfields;
	const struct trace_field_desc *fields;
	/* Last format version whose writers write it (0: still written). */
	unsigned int until;
};

const struct trace_event_desc *trace_event_desc(uint32_t id);
/* Whether writers of format `version` write (and declare) it. */
bool trace_event_in_version(const struct trace_event_desc *d, int version);
/* The payload a current writer writes. */
unsigned int trace_event_payload_bytes(const struct trace_event_desc *d);
/* The payload a writer of format `version` wrote: readers need this much. */
unsigned int trace_event_payload_bytes_v(const struct trace_event_desc *d,
					 int version);
/*
 * Event ids a trace of `version` must declare: a v2 trace without them was
 * not written by a settle of that version (or lost part of its metadata).
 * Returns how many, ids in `ids` (at most TRACE_MAX_EVENT_IDS).
 */
size_t trace_required_ids(int version, uint32_t *ids);

struct trace_event {
	const struct trace_event_desc *desc;
	uint64_t ts_ns;		/* CTF event timestamp, CLOCK_MONOTONIC */
	uint64_t f[TRACE_MAX_FIELDS];	/* integers; a text field's slot is 0 */
	/* The event's text field (at most one per event), NUL-terminated. */
	char text[TRACE_TEXT_MAX_BYTES + 1];
};

/*
 * Rewrites a v1 CPU-only event (cpufreq_pre/post, cpu_request,
 * cpu_effective, cpu_limits, cpu_policy) as its v2 counterpart with domain
 * cpu and dev the policy CPU, and fills in the fields v2 appended to step
 * and campaign.  `version` is the trace's.  Other events stay as they are.
 */
void trace_event_normalize(struct trace_event *ev, int version);

struct trace_meta {
	const char *hostname;
	const char *kernel_release;
	const char *machine;
	const char *settle_version;
	const char *source;	/* "settle.ko" or "fallback" */
	/* lost counts the events the kernel never ran the recorder's BPF
	 * programs for (settle.ko's event numbers, or Linux >= 6.7) */
	bool skips_counted;
};

/* ---- writer ---- */

/* TSDL metadata for `m`; malloc'd, NUL-terminated. */
char *trace_metadata_text(const struct trace_meta *m);
/*
 * The same for an older format `version` (its events and fields only): for
 * tests and fuzz seeds, which must keep producing what old writers wrote.
 */
char *trace_metadata_text_v(const struct trace_meta *m, int version);

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
/* A writer of an older format `version` (tests, fuzz seeds). */
struct trace_writer *trace_writer_open_v(const char *dir,
					 const struct trace_meta *m, bool force,
					 int version, char *err, size_t errlen);
/* `f` holds the event's fields in table order. */
int trace_writer_add(struct trace_writer *w, uint32_t id, uint64_t ts_ns,
		     const uint64_t *f);
/*
 * Same, for an event with a text field: `text` (NULL for empty) is cut to
 * the field's length and NUL-padded; its slot in `f` is ignored.
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
/* The same for a driver_entry/exit or cpu_frequency record. */
int trace_writer_add_rec(struct trace_writer *w, const struct settle_rec *r);
struct settle_device_info;
/*
 * The header events of one device: `device`, then its rate table in
 * device_rates chunks of TRACE_RATES_PER_EVENT.
 */
int trace_writer_device(struct trace_writer *w, uint64_t ts_ns,
			const struct settle_device_info *d);
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
	int skips_counted;	/* env skips_counted: 0, 1; -1 absent (older) */
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
