/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Check a tracefs events/<sys>/<event>/format file against the field layout
 * the BPF programs were compiled for.  Pure: text in, verdict out.
 */
#ifndef SETTLE_TPFORMAT_H
#define SETTLE_TPFORMAT_H

#include <stddef.h>

struct tp_field_req {
	const char *name;
	unsigned int offset;	/* bytes from the start of the entry */
	unsigned int size;	/* bytes */
};

/*
 * Returns 0 if every field in `req` is present with the expected offset and
 * size, -1 otherwise with `err` naming the event and the offending field.
 */
int tpfmt_check(const char *event, const char *text,
		const struct tp_field_req *req, size_t nreq,
		char *err, size_t errlen);

#endif /* SETTLE_TPFORMAT_H */
