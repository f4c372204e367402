// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Reader for settle's own CTF traces.  It does not parse general TSDL: it
 * trusts the layouts of trace formats v1 and v2 and checks the metadata only
 * for what tells it whether that trust is justified (CTF 1.8 text, a version
 * it knows, the declared event ids).  v1 events are handed on as their v2
 * counterparts (trace_event_normalize()).  Every length read from the stream is checked
 * against the buffer before use; damaged input is an error, never a crash.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "trace.h"
#include "util.h"

#define METADATA_LIMIT (1U << 20)

/* Copies [v, ve), unquoting a TSDL string literal. */
static int copy_value(const char *v, const char *ve, char *out, size_t outlen)
{
	size_t n = 0;

	if (ve - v >= 2 && *v == '"' && ve[-1] == '"')
		v++, ve--;
	for (; v < ve; v++) {
		if (*v == '\\' && v + 1 < ve)
			v++;
		if (n + 1 >= outlen)
			return -1;
		out[n++] = *v;
	}
	out[n] = '\0';
	return 0;
}

/*
 * Looks up "key = value;" on its own line inside [blk, end) and copies the
 * value without quotes.  Returns -1 if absent.
 */
static int block_value_at(const char *blk, const char *end, const char *key,
			  char *out, size_t outlen, const char **where)
{
	size_t klen = strlen(key);
	const char *line = blk;

	while (line < end) {
		const char *eol = memchr(line, '\n', (size_t)(end - line));
		const char *p = line, *v, *ve;

		if (!eol)
			eol = end;
		while (p < eol && isspace((unsigned char)*p))
			p++;
		if ((size_t)(eol - p) > klen && !strncmp(p, key, klen) &&
		    (isspace((unsigned char)p[klen]) || p[klen] == '=')) {
			p += klen;
			while (p < eol && isspace((unsigned char)*p))
				p++;
			if (p < eol && *p == '=') {
				v = p + 1;
				while (v < eol && isspace((unsigned char)*v))
					v++;
				ve = memchr(v, ';', (size_t)(eol - v));
				if (!ve)
					return -1;
				if (where)
					*where = v;
				return copy_value(v, ve, out, outlen);
			}
		}
		line = eol + 1;
	}
	return -1;
}

static int block_value(const char *blk, const char *end, const char *key,
		       char *out, size_t outlen)
{
	return block_value_at(blk, end, key, out, outlen, NULL);
}

/* Finds a top-level "<kw> {" block; returns its start and end ("\n};"). */
static const char *find_block(const char *from, const char *kw,
			      const char **end)
{
	char pat[32];
	const char *b;

	snprintf(pat, sizeof(pat), "\n%s {", kw);
	b = strstr(from, pat);
	if (!b)
		return NULL;
	*end = strstr(b, "\n};");
	if (!*end)
		*end = b + strlen(b);
	return b + 1;
}

static int parse_int(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (!isdigit((unsigned char)*s))
		return -1;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > max)
			return -1;
	}
	*out = v;
	return 0;
}

int trace_parse_metadata(const char *text, size_t len, struct trace_info *ti,
			 char *err, size_t errlen)
{
	static const char sig[] = "/* CTF 1.8";
	const char *env, *env_end, *ev, *ev_end, *at = NULL;
	char val[128], *t;
	unsigned long v;
	int ret = -1;

	memset(ti, 0, sizeof(*ti));
	if (len >= 4 && get_le32((const uint8_t *)text) == 0x75D11D57U) {
		set_err(err, errlen, "packetized CTF metadata is not supported (trace not written by settle)");
		return -1;
	}
	if (len < sizeof(sig) - 1 || memcmp(text, sig, sizeof(sig) - 1)) {
		set_err(err, errlen, "does not start with \"/* CTF 1.8\": not a CTF trace");
		return -1;
	}
	/* Our own NUL-terminated copy; the input is a raw file. */
	t = malloc(len + 1);
	if (!t) {
		set_err(err, errlen, "out of memory");
		return -1;
	}
	memcpy(t, text, len);
	t[len] = '\0';
	if (strlen(t) != len) {
		set_err(err, errlen, "offset %zu: NUL byte in the text: corrupt", strlen(t));
		goto out;
	}

	env = find_block(t, "env", &env_end);
	if (!env || block_value_at(env, env_end, "settle_trace_version", val, sizeof(val), &at)) {
		set_err(err, errlen, "no settle_trace_version in the env block: not a settle trace");
		goto out;
	}
	if (parse_int(val, 1UL << 30, &v)) {
		set_err(err, errlen, "offset %zu: settle_trace_version '%s' is not a number",
			(size_t)(at - t), val);
		goto out;
	}
	if (v < TRACE_VERSION_MIN || v > TRACE_VERSION) {
		set_err(err, errlen, "offset %zu: settle_trace_version %lu is not supported (this settle reads versions %d to %d%s)",
			(size_t)(at - t), v, TRACE_VERSION_MIN, TRACE_VERSION,
			v > TRACE_VERSION ? "; a newer settle wrote it" : "");
		goto out;
	}
	ti->version = (int)v;
	block_value(env, env_end, "source", ti->source, sizeof(ti->source));
	block_value(env, env_end, "settle_version", ti->settle_version, sizeof(ti->settle_version));
	block_value(env, env_end, "hostname", ti->hostname, sizeof(ti->hostname));
	block_value(env, env_end, "kernel_release", ti->kernel_release, sizeof(ti->kernel_release));
	block_value(env, env_end, "machine", ti->machine, sizeof(ti->machine));
	ti->skips_counted = -1;
	if (!block_value(env, env_end, "skips_counted", val, sizeof(val)) &&
	    !parse_int(val, 1, &v))
		ti->skips_counted = (int)v;

	for (ev = t; (ev = find_block(ev, "event", &ev_end)); ev = ev_end) {
		const struct trace_event_desc *d;
		char name[64];

		if (block_value(ev, ev_end, "id", val, sizeof(val)) ||
		    parse_int(val, TRACE_MAX_EVENT_IDS - 1, &v) ||
		    block_value(ev, ev_end, "name", name, sizeof(name))) {
			set_err(err, errlen, "offset %zu: event declaration without a valid name and id (< %d)",
				(size_t)(ev - t), TRACE_MAX_EVENT_IDS);
			goto out;
		}
		d = trace_event_desc((uint32_t)v);
		if (d && strcmp(d->name, name)) {
			set_err(err, errlen, "offset %zu: event id %lu is '%s' but settle knows it as '%s'",
				(size_t)(ev - t), v, name, d->name);
			goto out;
		}
		ti->declared[v] = true;
	}
	{
		uint32_t req[TRACE_MAX_EVENT_IDS];
		size_t nreq = trace_required_ids(ti->version, req);

		for (size_t i = 0; i < nreq; i++) {
			if (ti->declared[req[i]])
				continue;
			set_err(err, errlen, "settle_trace_version %d traces declare event '%s' (id %u), this one does not: metadata damaged, or not written by settle",
				ti->version, trace_event_desc(req[i])->name, req[i]);
			goto out;
		}
	}
	ret = 0;
out:
	free(t);
	return ret;
}

/*
 * Walks the events of one packet, [TRACE_PKT_HDR_BYTES, cbytes) of `p`.
 * The first pass (cb_pass false) only checks, so that a damaged packet
 * delivers none of its events; the second decodes and delivers.
 */
static int walk_packet(const uint8_t *p, size_t off, size_t cbytes,
		       uint64_t begin, uint64_t end, const struct trace_info *ti,
		       bool cb_pass, trace_event_cb cb, void *ctx,
		       struct trace_stream_result *res, char *err, size_t errlen)
{
	uint64_t last_ts = begin;

	for (size_t pos = TRACE_PKT_HDR_BYTES; pos < cbytes;) {
		const struct trace_event_desc *d;
		struct trace_event ev;
		size_t at = off + pos;
		uint32_t id, plen;
		const uint8_t *q;

		if (cbytes - pos < TRACE_EV_HDR_BYTES) {
			set_err(err, errlen, "event at offset %zu: header crosses the packet end", at);
			return -1;
		}
		id = get_le32(p + pos + TRACE_EV_ID);
		ev.ts_ns = get_le64(p + pos + TRACE_EV_TS);
		plen = get_le32(p + pos + TRACE_EV_SIZE);
		if (id >= TRACE_MAX_EVENT_IDS || !ti->declared[id]) {
			set_err(err, errlen, "event at offset %zu: unknown event id %u", at, id);
			return -1;
		}
		if (plen > cbytes - pos - TRACE_EV_HDR_BYTES) {
			set_err(err, errlen, "event at offset %zu: payload of %u bytes crosses the packet end",
				at, plen);
			return -1;
		}
		if (ev.ts_ns < last_ts || ev.ts_ns > end) {
			set_err(err, errlen, "event at offset %zu: timestamp outside its packet's range", at);
			return -1;
		}
		last_ts = ev.ts_ns;
		d = trace_event_desc(id);
		q = p + pos + TRACE_EV_HDR_BYTES;
		pos += TRACE_EV_HDR_BYTES + plen;
		if (d && plen < trace_event_payload_bytes_v(d, ti->version)) {
			set_err(err, errlen, "event at offset %zu: %s payload is %u bytes, expected at least %u",
				at, d->name, plen, trace_event_payload_bytes_v(d, ti->version));
			return -1;
		}
		if (!cb_pass)
			continue;
		if (!d) {
			/* Declared by a newer writer: skippable by design. */
			res->skipped++;
			continue;
		}
		ev.desc = d;
		memset(ev.f, 0, sizeof(ev.f));
		memset(ev.text, 0, sizeof(ev.text));
		for (unsigned int i = 0; i < d->nfields; i++) {
			const struct trace_field_desc *fd = &d->fields[i];

			/* Appended after this trace's version: not there. */
			if ((int)fd->since > ti->version)
				continue;
			if (fd->text)	/* ev.text[fd->bytes] stays NUL */
				memcpy(ev.text, q, fd->bytes);
			else
				ev.f[i] = fd->bytes == 8 ? get_le64(q) : get_le32(q);
			q += fd->bytes;
		}
		trace_event_normalize(&ev, ti->version);
		res->events++;
		if (d->id == TEV_TRUNCATED && !res->truncated) {
			res->truncated = true;
			res->truncated_err = (uint32_t)ev.f[TR_ERR];
			res->truncated_events = ev.f[TR_EVENTS];
			res->partial_offset = off;
		}
		if (cb && cb(&ev, ctx)) {
			set_err(err, errlen, "event at offset %zu: cannot process: out of memory", at);
			return -1;
		}
	}
	return 0;
}

/* Stops the stream at `off`: what came before stays, the rest is lost. */
static int stop_at(struct trace_stream_result *res, enum trace_damage damage,
		   size_t off, const char *why, char *err, size_t errlen)
{
	/* Nothing read yet: there is no "up to the damage", only the damage. */
	if (damage == TRACE_CORRUPT && !res->packets) {
		set_err(err, errlen, "%s", why);
		return -1;
	}
	res->partial = true;
	res->damage = damage;
	res->partial_offset = off;
	snprintf(res->why, sizeof(res->why), "%s", why);
	return 0;
}

/* Parsed parts of a mapped stream are handed back in steps this large. */
#define RELEASE_BYTES	(4u << 20)

/*
 * mapped: buf is a page-aligned private file mapping; the pages of packets
 * already parsed are dropped as the parse goes, so reading a trace of any
 * size keeps only RELEASE_BYTES of it resident.
 */
static int parse_stream(const uint8_t *buf, size_t len, bool mapped,
			const struct trace_info *ti, trace_event_cb cb,
			void *ctx, struct trace_stream_result *res,
			char *err, size_t errlen)
{
	uint64_t prev_end = 0, prev_discarded = 0, seq_expected = 0;
	char why[sizeof(res->why)];
	size_t off = 0, released = 0, page = mapped ? (size_t)sysconf(_SC_PAGESIZE) : 0;

	memset(res, 0, sizeof(*res));
	while (off < len) {
		const uint8_t *p = buf + off;
		uint64_t begin, end, cbits, pbits, seq, discarded;
		size_t cbytes, pbytes;

		/* Even a cut-off header must start with the magic. */
		if (len - off >= 4 && get_le32(p) != TRACE_MAGIC) {
			set_err(why, sizeof(why), "packet at offset %zu: bad magic 0x%08x",
				off, get_le32(p));
			goto corrupt;
		}
		if (len - off < TRACE_PKT_HDR_BYTES) {
			set_err(why, sizeof(why), "packet at offset %zu: the file ends %zu bytes into its %u-byte header",
				off, len - off, TRACE_PKT_HDR_BYTES);
			return stop_at(res, TRACE_CUT, off, why, err, errlen);
		}
		if (get_le32(p + 4) != 0) {
			set_err(why, sizeof(why), "packet at offset %zu: unknown stream id %u",
				off, get_le32(p + 4));
			goto corrupt;
		}
		begin = get_le64(p + 8);
		end = get_le64(p + 16);
		cbits = get_le64(p + 24);
		pbits = get_le64(p + 32);
		seq = get_le64(p + 40);
		discarded = get_le64(p + 48);
		if ((cbits | pbits) % 8 || cbits / 8 < TRACE_PKT_HDR_BYTES ||
		    cbits > pbits || pbits / 8 > TRACE_PKT_LIMIT_BYTES) {
			set_err(why, sizeof(why),
				"packet at offset %zu: bad sizes (content %" PRIu64 " bits, packet %" PRIu64 " bits)",
				off, cbits, pbits);
			goto corrupt;
		}
		cbytes = (size_t)(cbits / 8);
		pbytes = (size_t)(pbits / 8);
		/* A cut file, or a damaged size: either way nothing to trust. */
		if (pbytes > len - off) {
			set_err(why, sizeof(why), "packet at offset %zu: %zu bytes long but the file ends %zu bytes into it",
				off, pbytes, len - off);
			return stop_at(res, TRACE_CUT, off, why, err, errlen);
		}
		if (seq != seq_expected) {
			set_err(why, sizeof(why), "packet at offset %zu: sequence number %" PRIu64 ", expected %" PRIu64,
				off, seq, seq_expected);
			goto corrupt;
		}
		if (begin > end || begin < prev_end) {
			set_err(why, sizeof(why), "packet at offset %zu: timestamps go backwards", off);
			goto corrupt;
		}
		if (discarded < prev_discarded) {
			set_err(why, sizeof(why), "packet at offset %zu: events_discarded decreased", off);
			goto corrupt;
		}
		if (walk_packet(p, off, cbytes, begin, end, ti, false, NULL, NULL, res,
				why, sizeof(why)))
			goto corrupt;
		if (walk_packet(p, off, cbytes, begin, end, ti, true, cb, ctx, res,
				err, errlen))
			return -1;	/* the callback failed, not the data */
		res->packets++;
		res->events_discarded = discarded;
		prev_discarded = discarded;
		prev_end = end;
		seq_expected = seq + 1;
		off += pbytes;
		if (mapped && off - released >= RELEASE_BYTES) {
			size_t upto = off / page * page;

			madvise((void *)(buf + released), upto - released, MADV_DONTNEED);
			released = upto;
		}
		/* The writer's last word: nothing after it is the writer's. */
		if (res->truncated)
			break;
	}
	if (res->truncated) {
		res->partial = true;
		res->damage = TRACE_STOPPED;
		snprintf(res->why, sizeof(res->why),
			 "packet at offset %" PRIu64 ": the writer marked the trace truncated"
			 " (%s); %" PRIu64 " events were not written%s",
			 res->partial_offset, strerror((int)res->truncated_err),
			 res->truncated_events, off < len ? "; the bytes after that packet are ignored" : "");
	}
	return 0;
corrupt:
	return stop_at(res, TRACE_CORRUPT, off, why, err, errlen);
}

int trace_parse_stream(const uint8_t *buf, size_t len,
		       const struct trace_info *ti, trace_event_cb cb,
		       void *ctx, struct trace_stream_result *res,
		       char *err, size_t errlen)
{
	return parse_stream(buf, len, false, ti, cb, ctx, res, err, errlen);
}

/* An open descriptor of a regular file, or -errno (-EINVAL: not regular). */
static int open_regular(const char *path, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0)
		return -errno;
	if (fstat(fd, st)) {
		err = -errno;
		close(fd);
		return err;
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		return -EINVAL;
	}
	return fd;
}

static int read_file(const char *path, size_t limit, uint8_t **out, size_t *outlen)
{
	struct stat st;
	uint8_t *buf;
	size_t got = 0;
	int fd, ret = 0;

	fd = open_regular(path, &st);
	if (fd < 0)
		return fd;
	if ((uint64_t)st.st_size > limit) {
		ret = -EFBIG;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			free(buf);
			goto out;
		}
		got += (size_t)n;
	}
	*out = buf;
	*outlen = got;
out:
	close(fd);
	return ret;
}

const char *trace_damage_name(enum trace_damage d)
{
	static const char *const names[] = {
		[TRACE_INTACT] = "none", [TRACE_CUT] = "cut",
		[TRACE_CORRUPT] = "corrupt", [TRACE_STOPPED] = "stopped",
	};

	return (unsigned int)d < ARRAY_SIZE(names) ? names[d] : "unknown";
}

/*
 * A stream file, mapped (read in order, handed back as parsed: memory does
 * not grow with the trace) or, where it cannot be mapped (empty), read.
 */
static int map_file(const char *path, uint8_t **out, size_t *outlen, bool *mapped)
{
	struct stat st;
	void *p;
	int fd;

	*mapped = false;
	fd = open_regular(path, &st);
	if (fd < 0)
		return fd;
	if (!st.st_size || (uint64_t)st.st_size > SIZE_MAX / 2) {
		close(fd);
		return read_file(path, SIZE_MAX / 2, out, outlen);
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED) {
		close(fd);
		return read_file(path, SIZE_MAX / 2, out, outlen);
	}
	madvise(p, (size_t)st.st_size, MADV_SEQUENTIAL);
	*out = p;
	*outlen = (size_t)st.st_size;
	*mapped = true;
	close(fd);		/* the mapping stays */
	return 0;
}

/* CTF: every regular file except metadata and dotfiles is a stream. */
static int stream_filter(const struct dirent *de)
{
	return de->d_name[0] != '.' && strcmp(de->d_name, TRACE_METADATA_FILE);
}

int trace_read_dir(const char *dir, struct trace_info *ti, trace_event_cb cb,
		   void *ctx, struct trace_stream_result *res,
		   char *err, size_t errlen)
{
	struct dirent **names = NULL;
	char path[4096], why[SETTLE_ERR_LEN];
	uint8_t *buf = NULL;
	size_t len;
	int n = 0, i, ret;

	memset(res, 0, sizeof(*res));
	snprintf(path, sizeof(path), "%s/%s", dir, TRACE_METADATA_FILE);
	ret = read_file(path, METADATA_LIMIT, &buf, &len);
	if (ret) {
		set_err(err, errlen, "'%s': %s (is '%s' a settle trace directory?)",
			path, ret == -EINVAL ? "not a regular file" : strerror(-ret), dir);
		return -1;
	}
	ret = trace_parse_metadata((const char *)buf, len, ti, why, sizeof(why));
	free(buf);
	buf = NULL;
	if (ret) {
		set_err(err, errlen, "'%s': %s", path, why);
		return -1;
	}

	n = scandir(dir, &names, stream_filter, alphasort);
	if (n < 0) {
		set_err(err, errlen, "cannot list '%s': %s", dir, strerror(errno));
		return -1;
	}
	if (n == 0) {
		set_err(err, errlen, "'%s' has metadata but no stream files", dir);
		ret = -1;
	}
	for (i = 0; i < n && !ret; i++) {
		struct trace_stream_result r;
		bool mapped;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		ret = map_file(path, &buf, &len, &mapped);
		if (ret) {
			set_err(err, errlen, "cannot read stream '%s': %s", path,
				ret == -EINVAL ? "not a regular file" : strerror(-ret));
			ret = -1;
			break;
		}
		ret = parse_stream(buf, len, mapped, ti, cb, ctx, &r, why, sizeof(why));
		if (mapped)
			munmap(buf, len);
		else
			free(buf);
		buf = NULL;
		if (ret < 0) {
			set_err(err, errlen, "'%s': %s", path, why);
			break;
		}
		if (r.partial) {
			p_warn("'%s': %s; %s", path, r.why,
			       r.damage == TRACE_STOPPED ? "the trace is read up to there" :
			       "the trace is read up to that packet, everything from it on is lost");
			if (!res->partial) {
				res->partial = true;
				res->partial_offset = r.partial_offset;
				res->damage = r.damage;
				set_err(res->why, sizeof(res->why), "'%s': %s", path, r.why);
			}
		}
		if (r.truncated && !res->truncated) {
			res->truncated = true;
			res->truncated_err = r.truncated_err;
			res->truncated_events = r.truncated_events;
		}
		res->packets += r.packets;
		res->events += r.events;
		res->skipped += r.skipped;
		res->events_discarded += r.events_discarded;
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return ret;
}
