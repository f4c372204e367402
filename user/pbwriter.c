// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdlib.h>
#include <string.h>
#include "pbwriter.h"

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2 };

static bool reserve(struct pb_buf *b, size_t n)
{
	size_t ncap;
	uint8_t *p;

	if (b->oom)
		return false;
	if (b->len + n <= b->cap)
		return true;
	ncap = b->cap ? b->cap : 256;
	while (ncap < b->len + n)
		ncap *= 2;
	p = realloc(b->p, ncap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->p = p;
	b->cap = ncap;
	return true;
}

static void raw_varint(struct pb_buf *b, uint64_t v)
{
	if (!reserve(b, 10))
		return;
	while (v >= 0x80) {
		b->p[b->len++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	b->p[b->len++] = (uint8_t)v;
}

static void tag(struct pb_buf *b, uint32_t field, unsigned int wt)
{
	raw_varint(b, ((uint64_t)field << 3) | wt);
}

void pb_reset(struct pb_buf *b)
{
	b->len = 0;
}

void pb_free(struct pb_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

void pb_uint(struct pb_buf *b, uint32_t field, uint64_t v)
{
	tag(b, field, WT_VARINT);
	raw_varint(b, v);
}

void pb_int(struct pb_buf *b, uint32_t field, int64_t v)
{
	/* int64 (not sint64): negative values take ten bytes, as protoc does */
	pb_uint(b, field, (uint64_t)v);
}

void pb_fixed64(struct pb_buf *b, uint32_t field, uint64_t v)
{
	tag(b, field, WT_I64);
	if (!reserve(b, 8))
		return;
	for (int i = 0; i < 8; i++)
		b->p[b->len++] = (uint8_t)(v >> (8 * i));
}

void pb_double(struct pb_buf *b, uint32_t field, double v)
{
	uint64_t u;

	memcpy(&u, &v, sizeof(u));	/* IEEE 754, little-endian on the wire */
	pb_fixed64(b, field, u);
}

void pb_bytes(struct pb_buf *b, uint32_t field, const void *p, size_t len)
{
	tag(b, field, WT_LEN);
	raw_varint(b, len);
	if (!reserve(b, len))
		return;
	if (len)
		memcpy(b->p + b->len, p, len);
	b->len += len;
}

void pb_string(struct pb_buf *b, uint32_t field, const char *s)
{
	pb_bytes(b, field, s, strlen(s));
}
