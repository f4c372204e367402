// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Checks the GPU probe's built fatbin without cuobjdump: reads the
 * container's entry headers (user/fatbin.c) and looks inside each payload.
 *
 *   fatbin_check FATBIN [SETTLE_BINARY] [--sass 87,110] [--ptx-max 75]
 *                [--ptx 72] [--only]
 *
 * SASS entries must be ELF (EM_CUDA) for the arch their header names, with
 * both kernels in their symbol names; the PTX entry (zstd-decompressed when
 * compressed) must target an arch no higher than --ptx-max (exactly --ptx
 * when given) and define both kernels.  --only: no entry beyond those, so a
 * toolkit's whole arch choice is checked, not just a lower bound.  With
 * SETTLE_BINARY, the fatbin must be embedded in it byte for byte.  One
 * PASS:/FAIL: line per check; exit status 1 on any FAIL.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>
#include "fatbin.h"
#include "util.h"
#include "../../cuda/gpuprobe_abi.h"

#define EM_CUDA		190

static int failed;

static void result(bool ok, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void result(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("%s: %s: ", ok ? "PASS" : "FAIL", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	failed |= !ok;
}

static uint8_t *slurp_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b = NULL;
	long n;

	if (!f)
		return NULL;
	if (!fseek(f, 0, SEEK_END) && (n = ftell(f)) > 0 && !fseek(f, 0, SEEK_SET)) {
		b = malloc((size_t)n);
		if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
			free(b);
			b = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return b;
}

static bool has(const uint8_t *p, size_t n, const char *s)
{
	return memmem(p, n, s, strlen(s)) != NULL;
}

/* The SM arch a CUDA ELF's e_flags name: bits 8-15 from ELF ABI v8 (CUDA
 * 12.x+), bits 0-7 before. */
static unsigned int elf_arch(const uint8_t *p)
{
	uint32_t flags = get_le32(p + 48);

	return p[8] >= 8 ? (flags >> 8) & 0xff : flags & 0xff;
}

static void check_sass(const uint8_t *img, const struct fatbin_entry *e, size_t n,
		       unsigned int arch)
{
	char name[32];

	snprintf(name, sizeof(name), "sass-sm_%u", arch);
	for (size_t i = 0; i < n; i++) {
		const uint8_t *p = img + e[i].offset;

		if (e[i].kind != FATBIN_KIND_ELF || e[i].arch != arch)
			continue;
		if (e[i].compressed) {
			result(false, name, "entry %zu is compressed; this check reads plain ELF", i);
			return;
		}
		if (e[i].size < 64 || memcmp(p, "\177ELF", 4) ||
		    (p[18] | p[19] << 8) != EM_CUDA) {
			result(false, name, "entry %zu is not a CUDA ELF", i);
			return;
		}
		if (elf_arch(p) != arch) {
			result(false, name, "header says sm_%u, ELF e_flags say sm_%u", arch,
			       elf_arch(p));
			return;
		}
		if (!has(p, e[i].size, GP_KERNEL_COMPUTE) || !has(p, e[i].size, GP_KERNEL_MEMORY)) {
			result(false, name, "entry %zu lacks a probe kernel", i);
			return;
		}
		result(true, name, "CUDA ELF for sm_%u, %zu bytes, both kernels", arch, e[i].size);
		return;
	}
	result(false, name, "no SASS entry for sm_%u", arch);
}

static void check_ptx(const uint8_t *img, const struct fatbin_entry *e, size_t n,
		      unsigned int max, unsigned int want)
{
	for (size_t i = 0; i < n; i++) {
		const uint8_t *p = img + e[i].offset;
		unsigned long long raw;
		char target[32], *text;
		size_t len;

		if (e[i].kind != FATBIN_KIND_PTX)
			continue;
		if (e[i].arch > max) {
			result(false, "ptx", "PTX for compute_%u, above compute_%u: it cannot "
			       "JIT on older GPUs", e[i].arch, max);
			return;
		}
		if (want && e[i].arch != want) {
			result(false, "ptx", "PTX for compute_%u, want compute_%u", e[i].arch, want);
			return;
		}
		if (e[i].compressed && (e[i].size < 4 || get_le32(p) != 0xFD2FB528U)) {
			/* Older toolkits compress with another codec (LZ4). */
			result(true, "ptx", "PTX for compute_%u (header only: payload compressed "
			       "with a codec this check does not read)", e[i].arch);
			return;
		}
		if (e[i].compressed) {
			raw = ZSTD_getFrameContentSize(p, e[i].size);
			if (raw == ZSTD_CONTENTSIZE_ERROR || raw == ZSTD_CONTENTSIZE_UNKNOWN ||
			    raw > (64u << 20)) {
				result(false, "ptx", "compressed PTX entry %zu is not a sized zstd "
				       "frame", i);
				return;
			}
			text = malloc(raw + 1);
			if (!text)
				abort();
			/* nvcc pads the frame to 8 bytes: find its real size. */
			len = ZSTD_decompress(text, raw, p, ZSTD_findFrameCompressedSize(p, e[i].size));
			if (ZSTD_isError(len)) {
				result(false, "ptx", "entry %zu: %s", i, ZSTD_getErrorName(len));
				free(text);
				return;
			}
		} else {
			len = e[i].size;
			text = malloc(len + 1);
			if (!text)
				abort();
			memcpy(text, p, len);
		}
		text[len] = 0;
		snprintf(target, sizeof(target), ".target sm_%u", e[i].arch);
		if (!strstr(text, target) || !strstr(text, ".entry " GP_KERNEL_COMPUTE) ||
		    !strstr(text, ".entry " GP_KERNEL_MEMORY) || !strstr(text, "%globaltimer"))
			result(false, "ptx", "PTX entry %zu lacks '%s', a kernel or %%globaltimer",
			       i, target);
		else
			result(true, "ptx", "PTX for compute_%u (%s, %zu bytes of text), both "
			       "kernels: JIT-able on sm_%u and later", e[i].arch,
			       e[i].compressed ? "zstd" : "plain", len, e[i].arch);
		free(text);
		return;
	}
	result(false, "ptx", "no PTX entry");
}

/* Every entry is one of the SASS in `sass` or the one PTX entry. */
static void check_only(const struct fatbin_entry *e, size_t n, const char *sass)
{
	char list[64];
	size_t ptx = 0;

	snprintf(list, sizeof(list), ",%s,", sass);
	for (size_t i = 0; i < n; i++) {
		char arch[16];

		snprintf(arch, sizeof(arch), ",%u,", e[i].arch);
		if (e[i].kind == FATBIN_KIND_PTX) {
			ptx++;
		} else if (e[i].kind != FATBIN_KIND_ELF || !strstr(list, arch)) {
			result(false, "only", "entry %zu (kind %u, arch %u) is not one of "
			       "sm_{%s} or the PTX", i, e[i].kind, e[i].arch, sass);
			return;
		}
	}
	result(ptx == 1, "only", "%zu PTX entries (want 1), SASS only for sm_{%s}", ptx, sass);
}

int main(int argc, char **argv)
{
	struct fatbin_entry e[FATBIN_MAX_ENTRIES];
	char err[SETTLE_ERR_LEN], desc[128], *sass = "87,110", *bin = NULL;
	unsigned int ptx_max = 75, ptx_want = 0;
	bool only = false;
	const char *path = NULL;
	uint8_t *img;
	size_t len, n;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--sass") && i + 1 < argc)
			sass = argv[++i];
		else if (!strcmp(argv[i], "--ptx-max") && i + 1 < argc)
			ptx_max = (unsigned int)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--ptx") && i + 1 < argc)
			ptx_want = (unsigned int)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--only"))
			only = true;
		else if (!path)
			path = argv[i];
		else
			bin = argv[i];
	}
	if (!path) {
		fprintf(stderr, "usage: fatbin_check FATBIN [SETTLE_BINARY] [--sass A,B] "
			"[--ptx-max N] [--ptx N] [--only]\n");
		return 2;
	}
	img = slurp_file(path, &len);
	if (!img) {
		result(false, "fatbin-read", "cannot read %s", path);
		return 1;
	}
	if (fatbin_parse(img, len, e, FATBIN_MAX_ENTRIES, &n, err, sizeof(err))) {
		result(false, "fatbin-parse", "%s", err);
		return 1;
	}
	fatbin_describe(e, n, desc, sizeof(desc));
	result(n > 0, "fatbin-parse", "%zu entries: %s", n, desc);
	if (only)
		check_only(e, n, sass);
	sass = strdup(sass);	/* strtok writes into it */
	if (!sass)
		abort();
	for (char *a = strtok(sass, ","); a; a = strtok(NULL, ","))
		check_sass(img, e, n, (unsigned int)atoi(a));
	free(sass);
	check_ptx(img, e, n, ptx_max, ptx_want);
	if (bin) {
		size_t blen;
		uint8_t *b = slurp_file(bin, &blen);

		result(b && memmem(b, blen, img, len), "embedded", "%s %s %s", bin,
		       b && memmem(b, blen, img, len) ? "holds" : "does not hold", path);
		free(b);
	}
	free(img);
	return failed;
}
