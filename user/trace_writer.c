// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Packet-at-a-time CTF writer.  A packet is built in memory and handed to
 * the kernel with a single write(), so a killed recorder leaves at most one
 * partial packet at the end of the stream and everything before it intact.
 *
 * When a write fails (disk full), the stream is cut back to its last whole
 * packet and ends in a `truncated` packet.  The space for it comes from a
 * reserve file created at open and deleted at that moment: a full disk has
 * no room for the marker otherwise.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <inttypes.h>
#include <linux/types.h>
#include "../kmod/uapi/settle.h"
#include "record.h"
#include "trace.h"
#include "util.h"

struct trace_writer {
	int dirfd;
	int fd;
	char *dir;
	uint8_t *pkt;
	size_t fill;			/* bytes used in pkt, header included */
	uint64_t nev_pkt;		/* events in pending packet */
	uint64_t ts_begin, ts_end;	/* of pending packet */
	uint64_t floor_ts;		/* last timestamp written */
	uint64_t seq;
	uint64_t lost_total;
	uint64_t events;
	uint64_t written;		/* bytes of whole packets in the stream */
	int version;			/* TRACE_VERSION but in tests */
	bool reserved;			/* TRACE_RESERVE_FILE exists */
	bool failed;
	char err[SETTLE_ERR_LEN];
};

/*
 * Enough blocks for the `truncated` packet on any filesystem settle writes
 * to (64 KiB pages on some arm64 kernels); a dotfile, so CTF readers skip it.
 */
#define TRACE_RESERVE_FILE	".settle-reserve"
#define TRACE_RESERVE_BYTES	(64U * 1024)

static int fail(struct trace_writer *w, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct trace_writer *w, int errnum, const char *fmt, ...)
{
	char what[SETTLE_ERR_LEN / 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (!w->failed)
		snprintf(w->err, sizeof(w->err), "%s: %s", what,
			 errnum ? strerror(errnum) : "failed");
	w->failed = true;
	return -1;
}

const char *trace_writer_error(const struct trace_writer *w)
{
	return w->err;
}

uint64_t trace_writer_events(const struct trace_writer *w)
{
	return w->events;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static bool is_own_file(const char *name)
{
	return !strcmp(name, TRACE_METADATA_FILE) || !strncmp(name, "stream_", 7) ||
	       !strcmp(name, TRACE_RESERVE_FILE);
}

/* Real blocks, not a sparse file or fallocate(), which not every fs has. */
static int make_reserve(int dirfd)
{
	int fd = openat(dirfd, TRACE_RESERVE_FILE,
			O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	uint8_t *zero;
	int ret;

	if (fd < 0)
		return -errno;
	zero = calloc(1, TRACE_RESERVE_BYTES);
	ret = zero ? write_all(fd, zero, TRACE_RESERVE_BYTES) : -ENOMEM;
	free(zero);
	if (!ret && fsync(fd))
		ret = -errno;
	close(fd);
	if (ret)
		unlinkat(dirfd, TRACE_RESERVE_FILE, 0);
	return ret;
}

static void drop_reserve(struct trace_writer *w)
{
	if (w->reserved)
		unlinkat(w->dirfd, TRACE_RESERVE_FILE, 0);
	w->reserved = false;
}

/*
 * An existing non-empty directory is refused unless forced; when forced we
 * only delete files we would have written, never anything else.
 */
static int prepare_dir(const char *dir, bool force, bool check_only,
		       char *err, size_t errlen)
{
	struct dirent *de;
	struct stat st;
	bool nonempty = false;
	DIR *d;

	if (check_only ? access(dir, F_OK) && errno == ENOENT : mkdir(dir, 0755) == 0)
		return 0;
	if (!check_only && errno != EEXIST) {
		set_err(err, errlen, "cannot create output directory '%s': %s",
			dir, strerror(errno));
		return -1;
	}
	if (stat(dir, &st)) {
		set_err(err, errlen, "cannot access output '%s': %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		set_err(err, errlen, "output '%s' exists and is not a directory", dir);
		return -1;
	}
	d = opendir(dir);
	if (!d) {
		set_err(err, errlen, "cannot open output directory '%s': %s",
			dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		nonempty = true;
		if (force && !check_only && is_own_file(de->d_name) &&
		    unlinkat(dirfd(d), de->d_name, 0) && errno != ENOENT) {
			set_err(err, errlen, "cannot remove '%s/%s': %s", dir,
				de->d_name, strerror(errno));
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	if (nonempty && !force) {
		set_err(err, errlen,
			"output directory '%s' exists and is not empty (use --force to overwrite)",
			dir);
		return -1;
	}
	return 0;
}

int trace_output_check(const char *dir, bool force, char *err, size_t errlen)
{
	return prepare_dir(dir, force, true, err, errlen);
}

struct trace_writer *trace_writer_open(const char *dir,
				       const struct trace_meta *m, bool force,
				       char *err, size_t errlen)
{
	return trace_writer_open_v(dir, m, force, TRACE_VERSION, err, errlen);
}

struct trace_writer *trace_writer_open_v(const char *dir,
					 const struct trace_meta *m, bool force,
					 int version, char *err, size_t errlen)
{
	struct trace_writer *w;
	char *meta = NULL;
	int fd = -1, ret;

	if (version < TRACE_VERSION_MIN || version > TRACE_VERSION) {
		set_err(err, errlen, "cannot write trace format v%d (this settle writes v%d to v%d)",
			version, TRACE_VERSION_MIN, TRACE_VERSION);
		return NULL;
	}
	if (prepare_dir(dir, force, false, err, errlen))
		return NULL;
	w = calloc(1, sizeof(*w));
	if (!w || !(w->pkt = malloc(TRACE_PKT_MAX_BYTES)) || !(w->dir = strdup(dir))) {
		set_err(err, errlen, "out of memory");
		goto fail;
	}
	w->fd = -1;
	w->version = version;
	w->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w->dirfd < 0) {
		set_err(err, errlen, "cannot open '%s': %s", dir, strerror(errno));
		goto fail;
	}
	meta = trace_metadata_text_v(m, version);
	if (!meta) {
		set_err(err, errlen, "cannot build trace metadata: out of memory");
		goto fail;
	}
	fd = openat(w->dirfd, TRACE_METADATA_FILE,
		    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || (ret = write_all(fd, meta, strlen(meta))) || fsync(fd)) {
		set_err(err, errlen, "cannot write '%s/%s': %s", dir,
			TRACE_METADATA_FILE, strerror(fd < 0 ? errno : ret ? -ret : errno));
		goto fail;
	}
	w->fd = openat(w->dirfd, TRACE_STREAM_FILE,
		       O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (w->fd < 0) {
		set_err(err, errlen, "cannot create '%s/%s': %s", dir,
			TRACE_STREAM_FILE, strerror(errno));
		goto fail;
	}
	ret = make_reserve(w->dirfd);
	if (ret) {
		set_err(err, errlen, "cannot reserve %u KiB in '%s' for the end-of-trace marker: %s",
			TRACE_RESERVE_BYTES / 1024, dir, strerror(-ret));
		goto fail;
	}
	w->reserved = true;
	close(fd);
	free(meta);
	w->fill = TRACE_PKT_HDR_BYTES;
	return w;
fail:
	if (fd >= 0)
		close(fd);
	free(meta);
	if (w) {
		if (w->fd > 0)	/* 0: calloc's, not yet opened */
			close(w->fd);
		if (w->dirfd > 0)
			close(w->dirfd);
		free(w->pkt);
		free(w->dir);
		free(w);
	}
	return NULL;
}

static void put_header(struct trace_writer *w, uint8_t *p, size_t fill)
{
	uint64_t bits = (uint64_t)fill * 8;

	put_le32(p, TRACE_MAGIC);
	put_le32(p + 4, 0);			/* stream_id */
	put_le64(p + 8, w->ts_begin);
	put_le64(p + 16, w->ts_end);
	put_le64(p + 24, bits);			/* content_size */
	put_le64(p + 32, bits);			/* packet_size: no padding */
	put_le64(p + 40, w->seq);
	put_le64(p + 48, w->lost_total);	/* events_discarded */
}

/*
 * After a failed write: end the stream after its whole packets with a
 * `truncated` packet in the reserve's space.  The marker overwrites what
 * part of the failed packet landed and only then is the rest cut off, so
 * if the marker cannot be written either, that part stays and readers
 * still see a stream cut inside a packet, not a shorter intact one.
 * Returns 0 if the marker is on disk.
 */
static int mark_truncated(struct trace_writer *w, int errnum)
{
	uint8_t pkt[TRACE_PKT_HDR_BYTES + TRACE_EV_HDR_BYTES + 12], *e;
	const struct trace_event_desc *d = trace_event_desc(TEV_TRUNCATED);
	int ret;

	if (!d || trace_event_payload_bytes(d) != sizeof(pkt) - TRACE_PKT_HDR_BYTES -
	    TRACE_EV_HDR_BYTES)
		return -EINVAL;
	drop_reserve(w);
	w->ts_begin = w->ts_end = w->floor_ts;
	put_header(w, pkt, sizeof(pkt));
	e = pkt + TRACE_PKT_HDR_BYTES;
	put_le32(e + TRACE_EV_ID, TEV_TRUNCATED);
	put_le64(e + TRACE_EV_TS, w->floor_ts);
	put_le32(e + TRACE_EV_SIZE, 12);
	put_le64(e + TRACE_EV_HDR_BYTES, w->nev_pkt);	/* never written */
	put_le32(e + TRACE_EV_HDR_BYTES + 8, (uint32_t)errnum);
	if (lseek(w->fd, (off_t)w->written, SEEK_SET) < 0)
		return -errno;
	ret = write_all(w->fd, pkt, sizeof(pkt));
	if (ret)
		return ret;
	w->written += sizeof(pkt);
	if (ftruncate(w->fd, (off_t)w->written) || fsync(w->fd))
		return -errno;
	return 0;
}

static int write_packet(struct trace_writer *w)
{
	int ret;

	put_header(w, w->pkt, w->fill);
	ret = write_all(w->fd, w->pkt, w->fill);
	if (ret) {
		uint64_t kept = w->written;	/* before the marker */
		int mret = mark_truncated(w, -ret);

		if (mret)
			set_err(w->err, sizeof(w->err), "cannot write '%s/%s': %s; marking"
				" its end truncated failed too (%s): it may end in a partial packet",
				w->dir, TRACE_STREAM_FILE, strerror(-ret), strerror(-mret));
		else
			set_err(w->err, sizeof(w->err), "cannot write '%s/%s': %s; the trace"
				" keeps its first %" PRIu64 " bytes (whole packets), marked truncated;"
				" %" PRIu64 " events were not written", w->dir, TRACE_STREAM_FILE,
				strerror(-ret), kept, w->nev_pkt);
		w->failed = true;
		return -1;
	}
	w->written += w->fill;
	w->seq++;
	w->fill = TRACE_PKT_HDR_BYTES;
	w->nev_pkt = 0;
	return 0;
}

int trace_writer_flush(struct trace_writer *w)
{
	if (w->failed)
		return -1;
	if (!w->nev_pkt)
		return 0;
	return write_packet(w);
}

int trace_writer_add(struct trace_writer *w, uint32_t id, uint64_t ts_ns,
		     const uint64_t *f)
{
	return trace_writer_add_text(w, id, ts_ns, f, NULL);
}

int trace_writer_add_text(struct trace_writer *w, uint32_t id, uint64_t ts_ns,
			  const uint64_t *f, const char *text)
{
	const struct trace_event_desc *d = trace_event_desc(id);
	unsigned int plen;
	uint8_t *p;

	if (w->failed)
		return -1;
	if (!d)
		return fail(w, EINVAL, "unknown trace event id %u", id);
	if (!trace_event_in_version(d, w->version))
		return fail(w, EINVAL, "trace event %s is not part of trace format v%d",
			    d->name, w->version);
	plen = trace_event_payload_bytes_v(d, w->version);
	if (w->fill + TRACE_EV_HDR_BYTES + plen > TRACE_PKT_MAX_BYTES &&
	    write_packet(w))
		return -1;
	/*
	 * Records from different CPUs can reach us slightly out of order, but
	 * CTF wants non-decreasing timestamps in a stream.  Clamp the event
	 * timestamp; events that need the exact time carry it in the payload.
	 */
	if (ts_ns < w->floor_ts)
		ts_ns = w->floor_ts;
	w->floor_ts = ts_ns;
	if (!w->nev_pkt)
		w->ts_begin = ts_ns;
	w->ts_end = ts_ns;

	p = w->pkt + w->fill;
	put_le32(p + TRACE_EV_ID, id);
	put_le64(p + TRACE_EV_TS, ts_ns);
	put_le32(p + TRACE_EV_SIZE, plen);
	p += TRACE_EV_HDR_BYTES;
	for (unsigned int i = 0; i < d->nfields; i++) {
		if ((int)d->fields[i].since > w->version)
			continue;
		if (d->fields[i].text) {
			/* strncpy semantics on purpose: NUL-padded, not terminated. */
			size_t n = text ? strnlen(text, d->fields[i].bytes) : 0;

			memcpy(p, text ? text : "", n);
			memset(p + n, 0, d->fields[i].bytes - n);
		} else if (d->fields[i].bytes == 8) {
			put_le64(p, f[i]);
		} else {
			put_le32(p, (uint32_t)f[i]);
		}
		p += d->fields[i].bytes;
	}
	w->fill = (size_t)(p - w->pkt);
	w->nev_pkt++;
	w->events++;
	return 0;
}

_Static_assert(SETTLE_GOVERNOR_BYTES == TRACE_GOVERNOR_BYTES,
	       "policy.governor is copied whole into the trace");
_Static_assert(SETTLE_NAME_LEN == TRACE_NAME_BYTES,
	       "device.name is copied whole into the trace");

/* Bytes each record type must have; the BPF side writes exactly these. */
static const size_t rec_bytes[SETTLE_REC_TYPES] = {
	[SETTLE_REC_CPU_FREQUENCY] = sizeof(struct settle_rec),
	[SETTLE_REC_LIMITS] = sizeof(struct settle_rec_limits),
	[SETTLE_REC_POLICY] = sizeof(struct settle_rec_policy),
	[SETTLE_REC_REQUEST] = sizeof(struct settle_rec_request),
	[SETTLE_REC_DRIVER_ENTRY] = sizeof(struct settle_rec),
	[SETTLE_REC_DRIVER_EXIT] = sizeof(struct settle_rec),
	[SETTLE_REC_EFFECTIVE] = sizeof(struct settle_rec_effective),
};

int trace_writer_add_raw(struct trace_writer *w, const void *rec, size_t len)
{
	uint64_t f[TRACE_MAX_FIELDS] = { 0 };
	const struct settle_rec_head *h = rec;

	if (len < sizeof(*h))
		return fail(w, EINVAL, "ring buffer record of %zu bytes, shorter than its head", len);
	if (h->type >= SETTLE_REC_TYPES || !rec_bytes[h->type])
		return fail(w, EINVAL, "ring buffer record of unknown type %u", h->type);
	if (len < rec_bytes[h->type])
		return fail(w, EINVAL, "ring buffer record of type %u has %zu bytes, expected %zu (BPF object and settle disagree)",
			    h->type, len, rec_bytes[h->type]);

	switch (h->type) {
	case SETTLE_REC_DRIVER_ENTRY:
	case SETTLE_REC_DRIVER_EXIT: {
		const struct settle_rec *r = rec;

		f[DR_ID] = r->id;
		f[DR_TS_NS] = r->ts_ns;
		f[DR_DOMAIN] = r->domain;
		f[DR_DEV] = r->dev;
		f[DR_OLD_KHZ] = r->old_khz;
		f[DR_NEW_KHZ] = r->new_khz;
		return trace_writer_add(w, r->type == SETTLE_REC_DRIVER_ENTRY ?
					TEV_DRIVER_ENTRY : TEV_DRIVER_EXIT,
					r->ts_ns, f);
	}
	case SETTLE_REC_CPU_FREQUENCY: {
		const struct settle_rec *r = rec;

		f[FQ_CPU] = r->dev;
		f[FQ_KHZ] = r->new_khz;
		return trace_writer_add(w, TEV_CPU_FREQUENCY, r->ts_ns, f);
	}
	case SETTLE_REC_REQUEST: {
		const struct settle_rec_request *r = rec;

		f[RQ_ID] = r->id;
		f[RQ_TS_NS] = r->ts_ns;
		f[RQ_PARENT_ID] = r->parent_id;
		f[RQ_DOMAIN] = r->domain;
		f[RQ_DEV] = r->dev;
		f[RQ_FROM_KHZ] = r->from_khz;
		f[RQ_TO_KHZ] = r->to_khz;
		f[RQ_SOURCE] = r->source;
		return trace_writer_add(w, TEV_REQUEST, r->ts_ns, f);
	}
	case SETTLE_REC_EFFECTIVE: {
		const struct settle_rec_effective *r = rec;

		f[EF_ID] = r->id;
		f[EF_TS_NS] = r->ts_ns;
		f[EF_PREV_TS_NS] = r->prev_ts_ns;
		f[EF_DOMAIN] = r->domain;
		f[EF_DEV] = r->dev;
		f[EF_KHZ] = r->khz;
		f[EF_COST_NS] = r->cost_ns;
		f[EF_SAMPLES] = r->samples;
		f[EF_READER] = r->reader;
		f[EF_STATUS] = r->status;
		return trace_writer_add(w, TEV_EFFECTIVE, r->ts_ns, f);
	}
	case SETTLE_REC_LIMITS: {
		const struct settle_rec_limits *r = rec;

		f[LM_TS_NS] = r->ts_ns;
		f[LM_DOMAIN] = r->domain;
		f[LM_DEV] = r->dev;
		f[LM_MIN_KHZ] = r->min_khz;
		f[LM_MAX_KHZ] = r->max_khz;
		f[LM_CUR_KHZ] = r->cur_khz;
		return trace_writer_add(w, TEV_LIMITS, r->ts_ns, f);
	}
	default: {	/* SETTLE_REC_POLICY: the table admits nothing else */
		const struct settle_rec_policy *r = rec;
		char gov[TRACE_GOVERNOR_BYTES + 1];

		/* The kernel terminates it, but never trust a fixed array. */
		memcpy(gov, r->governor, TRACE_GOVERNOR_BYTES);
		gov[TRACE_GOVERNOR_BYTES] = '\0';
		f[PO_TS_NS] = r->ts_ns;
		f[PO_DOMAIN] = r->domain;
		f[PO_DEV] = r->dev;
		f[PO_ACTION] = r->action;
		f[PO_MIN_KHZ] = r->min_khz;
		f[PO_MAX_KHZ] = r->max_khz;
		return trace_writer_add_text(w, TEV_POLICY, r->ts_ns, f, gov);
	}
	}
}

int trace_writer_add_rec(struct trace_writer *w, const struct settle_rec *r)
{
	return trace_writer_add_raw(w, r, sizeof(*r));
}

int trace_writer_device(struct trace_writer *w, uint64_t ts_ns,
			const struct settle_device_info *d)
{
	uint64_t f[TRACE_MAX_FIELDS] = { 0 };
	char name[TRACE_NAME_BYTES + 1];
	uint32_t n = d->nrates > SETTLE_MAX_RATES ? SETTLE_MAX_RATES : d->nrates;

	/* The kernel terminates it, but never trust a fixed array. */
	memcpy(name, d->name, TRACE_NAME_BYTES);
	name[TRACE_NAME_BYTES] = '\0';
	f[DV_DOMAIN] = d->domain;
	f[DV_DEV] = d->dev;
	f[DV_BACKEND] = d->backend;
	f[DV_READER] = d->reader;
	f[DV_FLAGS] = d->flags;
	f[DV_CUR_KHZ] = d->cur_khz;
	f[DV_NRATES] = n;
	if (trace_writer_add_text(w, TEV_DEVICE, ts_ns, f, name))
		return -1;
	for (uint32_t first = 0; first < n; first += TRACE_RATES_PER_EVENT) {
		uint32_t k = n - first < TRACE_RATES_PER_EVENT ? n - first :
			     TRACE_RATES_PER_EVENT;

		memset(f, 0, sizeof(f));
		f[DT_DOMAIN] = d->domain;
		f[DT_DEV] = d->dev;
		f[DT_FIRST] = first;
		f[DT_N] = k;
		for (uint32_t i = 0; i < k; i++)
			f[DT_R0 + i] = d->rates_khz[first + i];
		if (trace_writer_add(w, TEV_DEVICE_RATES, ts_ns, f))
			return -1;
	}
	return 0;
}

int trace_writer_lost(struct trace_writer *w, uint64_t ts_ns, uint64_t total)
{
	uint64_t f[TRACE_MAX_FIELDS] = { 0 };

	if (total <= w->lost_total)
		return 0;
	f[LOST_COUNT] = total - w->lost_total;
	f[LOST_TOTAL] = total;
	w->lost_total = total;
	return trace_writer_add(w, TEV_LOST, ts_ns, f);
}

int trace_writer_close(struct trace_writer *w)
{
	bool reported;
	int ret;

	if (!w)
		return 0;
	/* Earlier failures were returned to callers, who all print them. */
	reported = w->failed;
	/* Always leave at least one packet so CTF readers see a stream. */
	if (!w->failed && (w->nev_pkt || !w->seq)) {
		if (!w->nev_pkt)
			w->ts_begin = w->ts_end = w->floor_ts;
		write_packet(w);
	}
	if (!w->failed && fsync(w->fd))
		fail(w, errno, "cannot sync '%s/%s'", w->dir, TRACE_STREAM_FILE);
	if (close(w->fd) && !w->failed)
		fail(w, errno, "cannot close '%s/%s'", w->dir, TRACE_STREAM_FILE);
	drop_reserve(w);
	close(w->dirfd);
	ret = w->failed ? -1 : 0;
	if (w->failed && !reported)
		p_err("%s", w->err);
	free(w->pkt);
	free(w->dir);
	free(w);
	return ret;
}
