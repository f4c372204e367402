// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include "util.h"

const char *settle_prog = "settle";

static void vreport(const char *kind, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: %s", settle_prog, kind);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void p_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("error: ", fmt, ap);
	va_end(ap);
}

void p_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("warning: ", fmt, ap);
	va_end(ap);
}

void set_err(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!err || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

bool kernel_counts_bpf_tp_misses(const char *release)
{
	unsigned int major, minor;

	if (sscanf(release, "%u.%u", &major, &minor) != 2)
		return false;
	return major > 6 || (major == 6 && minor >= 7);
}

int parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max,
	      uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s) {
		p_err("%s: empty value, expected an unsigned integer", opt);
		return -1;
	}
	/* strtoull() would accept " 1", "+1" and wrap "-1"; we do not. */
	if (*s < '0' || *s > '9') {
		p_err("%s: '%s' is not an unsigned decimal integer", opt, s);
		return -1;
	}
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end) {
		p_err("%s: '%s' has trailing characters '%s'", opt, s, end);
		return -1;
	}
	if (errno == ERANGE || v > max) {
		p_err("%s: '%s' is too large (maximum %llu)", opt, s,
		      (unsigned long long)max);
		return -1;
	}
	if (v < min) {
		p_err("%s: '%s' is too small (minimum %llu)", opt, s,
		      (unsigned long long)min);
		return -1;
	}
	*out = v;
	return 0;
}

void opt_reset(void)
{
	optind = 0;
}

void usage_hint(const char *cmd)
{
	fprintf(stderr, "Try 'settle %s --help'.\n", cmd);
}

int extra_args(int argc, char **argv, const char *cmd)
{
	if (optind == argc)
		return 0;
	p_err("unexpected argument '%s' (try 'settle %s --help')", argv[optind], cmd);
	return 1;
}

int grow_array(void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap ? *cap : 64;
	void *p;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	p = realloc(*arr, ncap * elem);
	if (!p)
		return -1;
	*arr = p;
	*cap = ncap;
	return 0;
}

void csv_str(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}
