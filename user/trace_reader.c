// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Reader for settle's own CTF traces.  It does not parse general TSDL: it
 * trusts the layout of trace format v1 and checks the metadata only for what
 * tells it whether that trust is justified (CTF 1.8 text, our version, the
 * declared event ids).  Every length read from the stream is checked
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
static int block_value(const char *blk, const char *end, const char *key,
		       char *out, size_t outlen)
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
				return copy_value(v, ve, out, outlen);
			}
		}
		line = eol + 1;
	}
	return -1;
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
	const char *env, *env_end, *ev, *ev_end;
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
		set_err(err, errlen, "contains NUL bytes: corrupt");
		goto out;
	}

	env = find_block(t, "env", &env_end);
	if (!env || block_value(env, env_end, "settle_trace_version", val, sizeof(val))) {
		set_err(err, errlen, "no settle_trace_version in the env block: not a settle trace");
		goto out;
	}
	if (parse_int(val, 1UL << 30, &v)) {
		set_err(err, errlen, "settle_trace_version '%s' is not a number", val);
		goto out;
	}
	if (v != TRACE_VERSION) {
		set_err(err, errlen, "settle_trace_version %lu is not supported (this settle reads version %d)",
			v, TRACE_VERSION);
		goto out;
	}
	ti->version = (int)v;
	block_value(env, env_end, "source", ti->source, sizeof(ti->source));
	block_value(env, env_end, "settle_version", ti->settle_version, sizeof(ti->settle_version));
	block_value(env, env_end, "hostname", ti->hostname, sizeof(ti->hostname));
	block_value(env, env_end, "kernel_release", ti->kernel_release, sizeof(ti->kernel_release));
	block_value(env, env_end, "machine", ti->machine, sizeof(ti->machine));

	for (ev = t; (ev = find_block(ev, "event", &ev_end)); ev = ev_end) {
		const struct trace_event_desc *d;
		char name[64];

		if (block_value(ev, ev_end, "id", val, sizeof(val)) ||
		    parse_int(val, TRACE_MAX_EVENT_IDS - 1, &v) ||
		    block_value(ev, ev_end, "name", name, sizeof(name))) {
			set_err(err, errlen, "event declaration without a valid name and id (< %d)",
				TRACE_MAX_EVENT_IDS);
			goto out;
		}
		d = trace_event_desc((uint32_t)v);
		if (d && strcmp(d->name, name)) {
			set_err(err, errlen, "event id %lu is '%s' but settle knows it as '%s'",
				v, name, d->name);
			goto out;
		}
		ti->declared[v] = true;
	}
	ret = 0;
out:
	free(t);
	return ret;
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
	size_t off = 0, released = 0, page = mapped ? (size_t)sysconf(_SC_PAGESIZE) : 0;

	memset(res, 0, sizeof(*res));
	while (off < len) {
		const uint8_t *p = buf + off;
		uint64_t begin, end, cbits, pbits, seq, discarded, last_ts;
		size_t cbytes, pbytes, pos;

		/* Even a cut-off header must start with the magic. */
		if (len - off >= 4 && get_le32(p) != TRACE_MAGIC) {
			set_err(err, errlen, "packet at offset %zu: bad magic 0x%08x",
				off, get_le32(p));
			return -1;
		}
		if (len - off < TRACE_PKT_HDR_BYTES)
			goto partial;
		if (get_le32(p + 4) != 0) {
			set_err(err, errlen, "packet at offset %zu: unknown stream id %u",
				off, get_le32(p + 4));
			return -1;
		}
		begin = get_le64(p + 8);
		end = get_le64(p + 16);
		cbits = get_le64(p + 24);
		pbits = get_le64(p + 32);
		seq = get_le64(p + 40);
		discarded = get_le64(p + 48);
		if ((cbits | pbits) % 8 || cbits / 8 < TRACE_PKT_HDR_BYTES ||
		    cbits > pbits || pbits / 8 > TRACE_PKT_LIMIT_BYTES) {
			set_err(err, errlen,
				"packet at offset %zu: bad sizes (content %" PRIu64 " bits, packet %" PRIu64 " bits)",
				off, cbits, pbits);
			return -1;
		}
		cbytes = (size_t)(cbits / 8);
		pbytes = (size_t)(pbits / 8);
		if (pbytes > len - off)
			goto partial;
		if (seq != seq_expected) {
			set_err(err, errlen, "packet at offset %zu: sequence number %" PRIu64 ", expected %" PRIu64,
				off, seq, seq_expected);
			return -1;
		}
		if (begin > end || begin < prev_end) {
			set_err(err, errlen, "packet at offset %zu: timestamps go backwards", off);
			return -1;
		}
		if (discarded < prev_discarded) {
			set_err(err, errlen, "packet at offset %zu: events_discarded decreased", off);
			return -1;
		}

		last_ts = begin;
		for (pos = TRACE_PKT_HDR_BYTES; pos < cbytes;) {
			const struct trace_event_desc *d;
			struct trace_event ev;
			uint32_t id, plen;
			const uint8_t *q;

			if (cbytes - pos < TRACE_EV_HDR_BYTES) {
				set_err(err, errlen, "event at offset %zu: header crosses the packet end",
					off + pos);
				return -1;
			}
			id = get_le32(p + pos + TRACE_EV_ID);
			ev.ts_ns = get_le64(p + pos + TRACE_EV_TS);
			plen = get_le32(p + pos + TRACE_EV_SIZE);
			if (id >= TRACE_MAX_EVENT_IDS || !ti->declared[id]) {
				set_err(err, errlen, "event at offset %zu: unknown event id %u",
					off + pos, id);
				return -1;
			}
			if (plen > cbytes - pos - TRACE_EV_HDR_BYTES) {
				set_err(err, errlen, "event at offset %zu: payload of %u bytes crosses the packet end",
					off + pos, plen);
				return -1;
			}
			if (ev.ts_ns < last_ts || ev.ts_ns > end) {
				set_err(err, errlen, "event at offset %zu: timestamp outside its packet's range",
					off + pos);
				return -1;
			}
			last_ts = ev.ts_ns;
			d = trace_event_desc(id);
			q = p + pos + TRACE_EV_HDR_BYTES;
			pos += TRACE_EV_HDR_BYTES + plen;
			if (!d) {
				/* Declared by a newer writer: skippable by design. */
				res->skipped++;
				continue;
			}
			if (plen < trace_event_payload_bytes(d)) {
				set_err(err, errlen, "event at offset %zu: %s payload is %u bytes, expected at least %u",
					off + pos - plen - TRACE_EV_HDR_BYTES, d->name, plen,
					trace_event_payload_bytes(d));
				return -1;
			}
			ev.desc = d;
			memset(ev.f, 0, sizeof(ev.f));
			memset(ev.text, 0, sizeof(ev.text));
			for (unsigned int i = 0; i < d->nfields; i++) {
				const struct trace_field_desc *fd = &d->fields[i];

				if (fd->text)	/* ev.text[TRACE_TEXT_BYTES] stays NUL */
					memcpy(ev.text, q, fd->bytes);
				else
					ev.f[i] = fd->bytes == 8 ? get_le64(q) : get_le32(q);
				q += fd->bytes;
			}
			res->events++;
			if (cb) {
				if (cb(&ev, ctx)) {
					set_err(err, errlen, "event at offset %zu: cannot process: out of memory",
						off + pos - plen - TRACE_EV_HDR_BYTES);
					return -1;
				}
			}
		}
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
	}
	return 0;
partial:
	res->partial = true;
	res->partial_offset = off;
	return 0;
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
			p_warn("'%s': trace ends in a partial packet at offset %" PRIu64 "; events after it are lost",
			       path, r.partial_offset);
			if (!res->partial) {
				res->partial = true;
				res->partial_offset = r.partial_offset;
			}
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
