/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Reads the entry headers of an NVIDIA fatbin container (what `nvcc
 * -fatbin` writes): which SASS and PTX the GPU probe's device code holds,
 * so settle can say why it cannot run on a GPU before asking the driver,
 * and a test can check the build without cuobjdump.
 *
 * Layout (little-endian, as nvcc 11.x-13.x write it): a 16-byte container
 * header {u32 magic 0xBA55ED50, u16 version 1, u16 header size, u64 bytes
 * of entries}, then entries of {u16 kind (1 PTX, 2 ELF/SASS), u16, u32
 * entry header size, u64 payload size (padded), u32 compressed size, u32,
 * u16 minor, u16 major, u32 arch (e.g. 87), ..., u64 flags at 40} each
 * followed by its payload.
 */
#ifndef SETTLE_FATBIN_H
#define SETTLE_FATBIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FATBIN_MAGIC		0xBA55ED50U
#define FATBIN_KIND_PTX		1
#define FATBIN_KIND_ELF		2
#define FATBIN_MAX_ENTRIES	32

struct fatbin_entry {
	uint16_t kind;		/* FATBIN_KIND_* */
	uint32_t arch;		/* 87 = sm_87 (ELF) or compute_87 (PTX) */
	bool compressed;	/* payload compressed (zstd from CUDA 13, another codec before) */
	size_t offset;		/* payload offset in the image */
	size_t size;		/* payload bytes as stored */
};

/* Fills e[0..*n); -1 with err on anything malformed or truncated. */
int fatbin_parse(const uint8_t *buf, size_t len, struct fatbin_entry *e,
		 size_t max, size_t *n, char *err, size_t errlen);
/*
 * Whether the entries hold code for compute capability major.minor: SASS
 * of the same major and a minor not above it, or PTX not above it.
 */
bool fatbin_runs_on(const struct fatbin_entry *e, size_t n, int major, int minor);
/* "sm_87 sm_110 compute_75" into buf. */
void fatbin_describe(const struct fatbin_entry *e, size_t n, char *buf, size_t len);

#endif /* SETTLE_FATBIN_H */
