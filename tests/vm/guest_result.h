/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest result protocol of tests/vm/guest/lib.sh for the C test
 * programs: define RESULT_PREFIX (the test name's prefix) before including.
 */
#ifndef GUEST_RESULT_H
#define GUEST_RESULT_H

#include <stdarg.h>
#include <stdio.h>

static int failures;

static void result(int ok, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void result(int ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("@@SETTLE-RESULT %s " RESULT_PREFIX "%s ", ok ? "PASS" : "FAIL", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	failures += !ok;
}

#endif /* GUEST_RESULT_H */
