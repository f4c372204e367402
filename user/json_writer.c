// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <inttypes.h>
#include <stdlib.h>
#include "json_writer.h"

#define JSONW_MAX_DEPTH 32

struct json_writer {
	FILE *f;
	unsigned int depth;
	bool pretty;
	bool broken;			/* unbalanced or too deep */
	bool after_name;		/* value completes a "name": pair */
	bool need_comma[JSONW_MAX_DEPTH + 1];
};

json_writer_t *jsonw_new(FILE *f)
{
	json_writer_t *w = calloc(1, sizeof(*w));

	if (w)
		w->f = f;
	return w;
}

int jsonw_destroy(json_writer_t **wp)
{
	json_writer_t *w = *wp;
	int ret;

	if (!w)
		return 0;
	ret = (w->depth || w->broken) ? -1 : 0;
	fputc('\n', w->f);
	free(w);
	*wp = NULL;
	return ret;
}

void jsonw_pretty(json_writer_t *w, bool on)
{
	w->pretty = on;
}

static void indent(json_writer_t *w)
{
	if (!w->pretty)
		return;
	fputc('\n', w->f);
	for (unsigned int i = 0; i < w->depth; i++)
		fputs("  ", w->f);
}

/* Separator before any value or name at the current level. */
static void begin_value(json_writer_t *w)
{
	if (w->after_name) {
		w->after_name = false;
		return;
	}
	if (w->need_comma[w->depth])
		fputc(',', w->f);
	if (w->depth)
		indent(w);
	w->need_comma[w->depth] = true;
}

static void put_escaped(json_writer_t *w, const char *s)
{
	fputc('"', w->f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':  fputs("\\\"", w->f); break;
		case '\\': fputs("\\\\", w->f); break;
		case '\n': fputs("\\n", w->f); break;
		case '\r': fputs("\\r", w->f); break;
		case '\t': fputs("\\t", w->f); break;
		case '\b': fputs("\\b", w->f); break;
		case '\f': fputs("\\f", w->f); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(w->f, "\\u%04x", *p);
			else
				fputc(*p, w->f);
		}
	}
	fputc('"', w->f);
}

static void open_level(json_writer_t *w, char c)
{
	begin_value(w);
	fputc(c, w->f);
	if (w->depth == JSONW_MAX_DEPTH) {
		w->broken = true;
		return;
	}
	w->depth++;
	w->need_comma[w->depth] = false;
}

static void close_level(json_writer_t *w, char c)
{
	if (!w->depth) {
		w->broken = true;
		return;
	}
	w->depth--;
	if (w->need_comma[w->depth + 1])
		indent(w);
	fputc(c, w->f);
}

void jsonw_start_object(json_writer_t *w) { open_level(w, '{'); }
void jsonw_end_object(json_writer_t *w) { close_level(w, '}'); }
void jsonw_start_array(json_writer_t *w) { open_level(w, '['); }
void jsonw_end_array(json_writer_t *w) { close_level(w, ']'); }

void jsonw_name(json_writer_t *w, const char *name)
{
	begin_value(w);
	put_escaped(w, name);
	fputs(w->pretty ? ": " : ":", w->f);
	w->after_name = true;
}

void jsonw_string(json_writer_t *w, const char *s)
{
	begin_value(w);
	put_escaped(w, s ? s : "");
}

void jsonw_uint(json_writer_t *w, uint64_t v)
{
	begin_value(w);
	fprintf(w->f, "%" PRIu64, v);
}

void jsonw_int(json_writer_t *w, int64_t v)
{
	begin_value(w);
	fprintf(w->f, "%" PRId64, v);
}

void jsonw_fixed(json_writer_t *w, uint64_t v, unsigned int decimals)
{
	uint64_t scale = 1;

	for (unsigned int i = 0; i < decimals && i < 19; i++)
		scale *= 10;
	begin_value(w);
	if (scale == 1)
		fprintf(w->f, "%" PRIu64, v);
	else
		fprintf(w->f, "%" PRIu64 ".%0*" PRIu64, v / scale,
			(int)decimals, v % scale);
}

void jsonw_bool(json_writer_t *w, bool v)
{
	begin_value(w);
	fputs(v ? "true" : "false", w->f);
}

void jsonw_null(json_writer_t *w)
{
	begin_value(w);
	fputs("null", w->f);
}

void jsonw_string_field(json_writer_t *w, const char *name, const char *s)
{
	jsonw_name(w, name);
	jsonw_string(w, s);
}

void jsonw_uint_field(json_writer_t *w, const char *name, uint64_t v)
{
	jsonw_name(w, name);
	jsonw_uint(w, v);
}
