/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * settle.ko's clock domains and devices (SETTLE_IOC_VERSION and
 * SETTLE_IOC_DEVICE on /dev/settle): the one place that asks, so `settle
 * devices`, `settle record` (the trace's device header) and `settle step`
 * (rate tables, --device) see the same answer.  The ioctl is a parameter,
 * so tests drive everything here with a fake settle.ko.
 */
#ifndef SETTLE_DEVICES_H
#define SETTLE_DEVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/types.h>
#include "../kmod/uapi/settle.h"
#include "json_writer.h"

/* Devices of one domain beyond this are a settle.ko bug, not a board. */
#define DEVS_MAX_PER_DOMAIN	256

struct settle_devs {
	struct settle_version ver;
	struct settle_device_info *d;	/* by domain, then index */
	size_t n;
};

/* ioctl(2) on /dev/settle, or a test's stand-in: 0, or -1 with errno set. */
typedef int (*devs_ioctl_fn)(void *ctx, unsigned long req, void *arg);

/*
 * SETTLE_IOC_VERSION, then SETTLE_IOC_DEVICE for every domain the version
 * reports, by index until ENOENT.  An API other than SETTLE_API_VERSION is
 * refused (see settle_api_check()).  -1 with `err` set on failure.
 */
int devs_query(devs_ioctl_fn fn, void *ctx, struct settle_devs *out,
	       char *err, size_t errlen);
/* The API check alone: -1 with the reason in `err`. */
int settle_api_check(const struct settle_version *v, char *err, size_t errlen);
/*
 * Opens /dev/settle read-only (queries only: it never becomes the
 * controller) and queries it.  Returns 0; 1 when settle.ko is not loaded
 * (no /dev/settle: `out` is empty); -1 on any other failure (`err` set).
 */
int devs_load(struct settle_devs *out, char *err, size_t errlen);
void devs_free(struct settle_devs *d);

/*
 * The device of `domain` named `name`, or with name NULL the domain's
 * first; NULL if none.
 */
const struct settle_device_info *devs_find(const struct settle_devs *d,
					   int domain, const char *name);
/* The device of `domain` whose events carry `dev`, or NULL. */
const struct settle_device_info *devs_find_dev(const struct settle_devs *d,
					       int domain, uint32_t dev);
/* Whether `khz` is in the device's rate table. */
bool devs_has_rate(const struct settle_device_info *i, uint32_t khz);

const char *devs_backend_name(uint32_t backend);	/* "cpufreq", ... */
const char *devs_reader_name(uint32_t reader);		/* "cached", ... */

/* `settle devices` output. */
void devs_print(FILE *f, const struct settle_devs *d);
void devs_json(json_writer_t *w, const struct settle_devs *d);

struct trace_writer;
/* The trace's device header: device + device_rates per device. */
int devs_write_trace(struct trace_writer *w, const struct settle_devs *d,
		     uint64_t ts_ns);

#endif /* SETTLE_DEVICES_H */
