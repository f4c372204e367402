// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include "fatbin.h"
#include "util.h"

#define HDR_BYTES	16
#define ENTRY_MIN_BYTES	64
/* flags bit: payload compressed (CUDA 11.x+ fatbinary). */
#define FLAG_COMPRESSED	0x2000ULL
#define FLAG_COMPRESSED_ZSTD 0x8000ULL

int fatbin_parse(const uint8_t *buf, size_t len, struct fatbin_entry *e,
		 size_t max, size_t *n, char *err, size_t errlen)
{
	size_t pos = 0;

	*n = 0;
	if (len < HDR_BYTES) {
		set_err(err, errlen, "fatbin is %zu bytes, shorter than its header", len);
		return -1;
	}
	/* An image may hold several containers back to back. */
	while (pos < len) {
		uint32_t magic;
		uint16_t hsize;
		uint64_t body, end, p;

		if (len - pos < HDR_BYTES) {
			set_err(err, errlen, "%zu stray bytes after the last container at %zu",
				len - pos, pos);
			return -1;
		}
		magic = get_le32(buf + pos);
		hsize = (uint16_t)(buf[pos + 6] | buf[pos + 7] << 8);
		body = get_le64(buf + pos + 8);
		if (magic != FATBIN_MAGIC) {
			set_err(err, errlen, "bad fatbin magic 0x%08x at %zu (expected 0x%08x)",
				magic, pos, FATBIN_MAGIC);
			return -1;
		}
		if (hsize < HDR_BYTES || hsize > len - pos || body > len - pos - hsize) {
			set_err(err, errlen, "fatbin container at %zu claims %u + %llu bytes, "
				"only %zu there", pos, hsize, (unsigned long long)body, len - pos);
			return -1;
		}
		p = pos + hsize;
		end = p + body;
		while (p < end) {
			uint32_t ehsize;
			uint64_t psize, flags;

			if (end - p < ENTRY_MIN_BYTES) {
				set_err(err, errlen, "truncated fatbin entry header at %llu",
					(unsigned long long)p);
				return -1;
			}
			ehsize = get_le32(buf + p + 4);
			psize = get_le64(buf + p + 8);
			flags = get_le64(buf + p + 40);
			if (ehsize < ENTRY_MIN_BYTES || ehsize > end - p ||
			    psize > end - p - ehsize) {
				set_err(err, errlen, "fatbin entry at %llu claims %u + %llu bytes, "
					"only %llu in its container", (unsigned long long)p,
					ehsize, (unsigned long long)psize,
					(unsigned long long)(end - p));
				return -1;
			}
			if (*n == max) {
				set_err(err, errlen, "more than %zu fatbin entries", max);
				return -1;
			}
			e[*n] = (struct fatbin_entry){
				.kind = (uint16_t)(buf[p] | buf[p + 1] << 8),
				.arch = get_le32(buf + p + 28),
				.compressed = flags & (FLAG_COMPRESSED | FLAG_COMPRESSED_ZSTD),
				.offset = (size_t)(p + ehsize),
				.size = (size_t)psize,
			};
			(*n)++;
			p += ehsize + psize;
		}
		pos = (size_t)end;
	}
	return 0;
}

bool fatbin_runs_on(const struct fatbin_entry *e, size_t n, int major, int minor)
{
	uint32_t cc = (uint32_t)(major * 10 + minor);

	for (size_t i = 0; i < n; i++) {
		if (e[i].kind == FATBIN_KIND_ELF && e[i].arch / 10 == (uint32_t)major &&
		    e[i].arch <= cc)
			return true;
		if (e[i].kind == FATBIN_KIND_PTX && e[i].arch <= cc)
			return true;
	}
	return false;
}

void fatbin_describe(const struct fatbin_entry *e, size_t n, char *buf, size_t len)
{
	size_t used = 0;

	if (len)
		buf[0] = 0;
	for (size_t i = 0; i < n && used < len; i++) {
		int w = snprintf(buf + used, len - used, "%s%s_%u", used ? " " : "",
				 e[i].kind == FATBIN_KIND_PTX ? "compute" :
				 e[i].kind == FATBIN_KIND_ELF ? "sm" : "kind?", e[i].arch);

		if (w < 0)
			break;
		used += (size_t)w;
	}
}
