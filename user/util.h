/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef SETTLE_UTIL_H
#define SETTLE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifndef SETTLE_VERSION
#define SETTLE_VERSION "0.1.0"
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Error buffer size used by every function that reports through `err`. */
#define SETTLE_ERR_LEN 256

/* Prefix for diagnostics, e.g. "settle report"; set by main(). */
extern const char *settle_prog;

void p_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void p_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * Call before each getopt_long() loop.  Setting optind = 1 is not enough:
 * glibc (and musl) keep a pointer into the previous argv when its last
 * parse stopped inside an option group ("-fX" at X), and follow it into
 * the next argv, which may be freed by then.  optind = 0 resets it all.
 */
void opt_reset(void);
/* After getopt printed its complaint: point at the subcommand's --help. */
void usage_hint(const char *cmd);
/* Non-zero, with a message, if getopt left positional arguments over. */
int extra_args(int argc, char **argv, const char *cmd);
void set_err(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Strict unsigned decimal parsing for option values: rejects empty strings,
 * signs, whitespace, trailing junk, overflow and values outside [min, max].
 * On failure prints an error naming `opt` and returns -1.
 */
int parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max,
	      uint64_t *out);

/*
 * A tracepoint's BPF program does not run while another BPF program runs on
 * the same CPU (an interrupt inside a kprobe program, say): the kernel's
 * recursion guard skips it.  Linux 6.7 and later count those skips per
 * program (bpf_prog_info.recursion_misses); earlier kernels drop them
 * without a trace.  True if the kernel `release` (uname -r) counts them.
 */
bool kernel_counts_bpf_tp_misses(const char *release);

/*
 * A CSV field: as is, or quoted (RFC 4180) when it holds a comma, a quote
 * or a line break.  Device names come from drivers: never trust them plain.
 */
void csv_str(FILE *f, const char *s);

/*
 * Make *arr hold at least `need` elements of `elem` bytes, doubling from 64;
 * -1 (and *arr untouched) when out of memory.
 */
int grow_array(void **arr, size_t *cap, size_t need, size_t elem);

/* Trace data is little-endian whatever the host; be explicit about it. */
static inline void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint32_t get_le32(const uint8_t *p)
{
	uint32_t v = 0;

	for (int i = 3; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static inline uint64_t get_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

#endif /* SETTLE_UTIL_H */
