// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <ctype.h>
#include <stdlib.h>
#include "tpformat.h"
#include "util.h"

/* Reads "<key>N;" from s; the number must be plain decimal. */
static int get_num(const char *s, const char *key, unsigned int *out)
{
	const char *p = strstr(s, key);
	unsigned long v = 0;

	if (!p)
		return -1;
	p += strlen(key);
	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > 1UL << 20)
			return -1;
	}
	if (*p != ';')
		return -1;
	*out = (unsigned int)v;
	return 0;
}

/*
 * Extracts the field name from "field:<decl>;": the last identifier of the
 * declaration, ignoring a trailing array suffix ("char comm[16]").
 */
static int decl_name(const char *decl, size_t len, char *name, size_t nlen)
{
	const char *end = decl + len, *start;

	while (end > decl && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (end > decl && end[-1] == ']') {
		while (end > decl && *end != '[')
			end--;
	}
	start = end;
	while (start > decl && (isalnum((unsigned char)start[-1]) || start[-1] == '_'))
		start--;
	if (start == end || (size_t)(end - start) >= nlen)
		return -1;
	memcpy(name, start, (size_t)(end - start));
	name[end - start] = '\0';
	return 0;
}

struct tp_field {
	char name[64];
	unsigned int offset, size;
};

static const char *next_line(const char *s)
{
	const char *nl = strchr(s, '\n');

	return nl ? nl + 1 : s + strlen(s);
}

int tpfmt_check(const char *event, const char *text,
		const struct tp_field_req *req, size_t nreq,
		char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < nreq; i++) {
		const char *line;
		bool found = false;

		for (line = text; *line; line = next_line(line)) {
			const char *f = strstr(line, "field:"), *semi;
			const char *eol = strchr(line, '\n');
			size_t llen = eol ? (size_t)(eol - line) : strlen(line);
			char buf[256];
			struct tp_field fld;

			if (!f || f >= line + llen)
				continue;
			if (llen >= sizeof(buf))
				continue;
			memcpy(buf, line, llen);
			buf[llen] = '\0';
			f = buf + (f - line) + strlen("field:");
			semi = strchr(f, ';');
			if (!semi || decl_name(f, (size_t)(semi - f), fld.name,
					       sizeof(fld.name)))
				continue;
			if (strcmp(fld.name, req[i].name))
				continue;
			if (get_num(semi, "offset:", &fld.offset) ||
			    get_num(semi, "size:", &fld.size)) {
				set_err(err, errlen,
					"%s: field '%s': cannot parse offset/size in format line '%s'",
					event, req[i].name, buf);
				return -1;
			}
			if (fld.offset != req[i].offset || fld.size != req[i].size) {
				set_err(err, errlen,
					"%s: field '%s' is at offset %u size %u, settle was built for offset %u size %u",
					event, req[i].name, fld.offset, fld.size,
					req[i].offset, req[i].size);
				return -1;
			}
			found = true;
			break;
		}
		if (!found) {
			set_err(err, errlen, "%s: field '%s' not found in format",
				event, req[i].name);
			return -1;
		}
	}
	return 0;
}
