/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Minimal streaming JSON writer, the only place settle produces JSON.
 * Commas, nesting and string escaping are handled here so callers cannot
 * get them wrong.
 */
#ifndef SETTLE_JSON_WRITER_H
#define SETTLE_JSON_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct json_writer json_writer_t;

json_writer_t *jsonw_new(FILE *f);
/* Ends with a newline; returns -1 if nesting was left unbalanced. */
int jsonw_destroy(json_writer_t **w);
void jsonw_pretty(json_writer_t *w, bool on);

void jsonw_start_object(json_writer_t *w);
void jsonw_end_object(json_writer_t *w);
void jsonw_start_array(json_writer_t *w);
void jsonw_end_array(json_writer_t *w);

void jsonw_name(json_writer_t *w, const char *name);
void jsonw_string(json_writer_t *w, const char *s);
void jsonw_uint(json_writer_t *w, uint64_t v);
void jsonw_int(json_writer_t *w, int64_t v);
/* Fixed-point decimal: prints v / 10^decimals without going through double. */
void jsonw_fixed(json_writer_t *w, uint64_t v, unsigned int decimals);
void jsonw_bool(json_writer_t *w, bool v);
void jsonw_null(json_writer_t *w);

void jsonw_string_field(json_writer_t *w, const char *name, const char *s);
void jsonw_uint_field(json_writer_t *w, const char *name, uint64_t v);

#endif /* SETTLE_JSON_WRITER_H */
