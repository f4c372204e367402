/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Shared by the libFuzzer targets: invariant checks that crash (so the
 * fuzzer records the input) and argv built from the input.
 */
#ifndef SETTLE_FUZZ_H
#define SETTLE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken invariant is a finding, like a sanitizer report. */
#define FUZZ_CHECK(cond) do { \
		if (!(cond)) { \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", \
				__FILE__, __LINE__, #cond); \
			abort(); \
		} \
	} while (0)

/* The input as a NUL-terminated string (cut at its first NUL); free() it. */
static inline char *fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#define FUZZ_MAX_ARGS 32

/*
 * argv[0] = `cmd`, then the input's NUL-separated strings, in one heap
 * block freed after each run, so a parser that keeps a pointer into an old
 * argv (getopt's state) reads freed memory and ASan says so.
 */
static inline int fuzz_argv(const char *cmd, const uint8_t *data, size_t size,
			    char **argv, char **block)
{
	char *b = fuzz_str(data, size), *p = b, *end = b + size;
	int argc = 0;

	argv[argc++] = (char *)cmd;
	while (p <= end && argc < FUZZ_MAX_ARGS) {
		argv[argc++] = p;
		p += strlen(p) + 1;
	}
	argv[argc] = NULL;
	*block = b;
	return argc;
}

#endif
