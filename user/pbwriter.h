/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Protocol buffers wire format, writing only: the few field encodings the
 * Perfetto export needs.  A message is built in a struct pb_buf and nested
 * into its parent with pb_bytes(); lengths are therefore always exact.
 * Allocation failure is sticky (pb_buf.oom) and checked once at the end.
 */
#ifndef SETTLE_PBWRITER_H
#define SETTLE_PBWRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pb_buf {
	uint8_t *p;
	size_t len, cap;
	bool oom;
};

void pb_reset(struct pb_buf *b);		/* len = 0, keeps the memory */
void pb_free(struct pb_buf *b);
void pb_uint(struct pb_buf *b, uint32_t field, uint64_t v);	/* varint */
void pb_int(struct pb_buf *b, uint32_t field, int64_t v);	/* int64, not zigzag */
void pb_double(struct pb_buf *b, uint32_t field, double v);
void pb_fixed64(struct pb_buf *b, uint32_t field, uint64_t v);
void pb_string(struct pb_buf *b, uint32_t field, const char *s);
/* A length-delimited field: a nested message or bytes. */
void pb_bytes(struct pb_buf *b, uint32_t field, const void *p, size_t len);

#endif /* SETTLE_PBWRITER_H */
