// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "devices.h"
#include "trace.h"
#include "util.h"

int settle_api_check(const struct settle_version *v, char *err, size_t errlen)
{
	if (v->api < SETTLE_API_VERSION) {
		set_err(err, errlen, "settle.ko API %u is older than this settle (API %u): reload settle.ko (built from the same tree)",
			v->api, SETTLE_API_VERSION);
		return -1;
	}
	if (v->api > SETTLE_API_VERSION) {
		set_err(err, errlen, "settle.ko API %u is newer than this settle (API %u): use the settle built with it",
			v->api, SETTLE_API_VERSION);
		return -1;
	}
	return 0;
}

int devs_query(devs_ioctl_fn fn, void *ctx, struct settle_devs *out,
	       char *err, size_t errlen)
{
	size_t cap = 0;

	memset(out, 0, sizeof(*out));
	if (fn(ctx, SETTLE_IOC_VERSION, &out->ver)) {
		set_err(err, errlen, "SETTLE_IOC_VERSION on %s failed: %s (not settle.ko's device?)",
			SETTLE_DEV_PATH, strerror(errno));
		return -1;
	}
	if (settle_api_check(&out->ver, err, errlen))
		return -1;
	for (uint32_t dom = 0; dom < SETTLE_DOMAINS; dom++) {
		if (!(out->ver.domains & (1U << dom)))
			continue;
		for (uint32_t idx = 0;; idx++) {
			struct settle_device_info i = { .domain = dom, .index = idx };

			if (idx == DEVS_MAX_PER_DOMAIN) {
				set_err(err, errlen, "settle.ko lists more than %d %s devices: refusing (settle.ko bug?)",
					DEVS_MAX_PER_DOMAIN, trace_domain_name(dom));
				goto fail;
			}
			if (fn(ctx, SETTLE_IOC_DEVICE, &i)) {
				if (errno == ENOENT)
					break;
				set_err(err, errlen, "SETTLE_IOC_DEVICE (%s device %u) failed: %s",
					trace_domain_name(dom), idx, strerror(errno));
				goto fail;
			}
			if (i.nrates > SETTLE_MAX_RATES || i.domain != dom) {
				set_err(err, errlen, "SETTLE_IOC_DEVICE (%s device %u): inconsistent answer (%u rates, domain %u)",
					trace_domain_name(dom), idx, i.nrates, i.domain);
				goto fail;
			}
			i.name[SETTLE_NAME_LEN - 1] = '\0';
			if (grow_array((void **)&out->d, &cap, out->n + 1, sizeof(i))) {
				set_err(err, errlen, "out of memory");
				goto fail;
			}
			out->d[out->n++] = i;
		}
	}
	return 0;
fail:
	devs_free(out);
	return -1;
}

static int real_ioctl(void *ctx, unsigned long req, void *arg)
{
	return ioctl(*(int *)ctx, req, arg);
}

int devs_load(struct settle_devs *out, char *err, size_t errlen)
{
	int fd = open(SETTLE_DEV_PATH, O_RDONLY | O_CLOEXEC), ret;

	memset(out, 0, sizeof(*out));
	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		set_err(err, errlen, "cannot open %s: %s%s", SETTLE_DEV_PATH, strerror(errno),
			errno == EACCES || errno == EPERM ? " (needs root)" : "");
		return -1;
	}
	ret = devs_query(real_ioctl, &fd, out, err, errlen);
	close(fd);
	return ret;
}

void devs_free(struct settle_devs *d)
{
	free(d->d);
	memset(d, 0, sizeof(*d));
}

const struct settle_device_info *devs_find(const struct settle_devs *d,
					   int domain, const char *name)
{
	for (size_t i = 0; i < d->n; i++)
		if ((int)d->d[i].domain == domain && (!name || !strcmp(d->d[i].name, name)))
			return &d->d[i];
	return NULL;
}

const struct settle_device_info *devs_find_dev(const struct settle_devs *d,
					       int domain, uint32_t dev)
{
	for (size_t i = 0; i < d->n; i++)
		if ((int)d->d[i].domain == domain && d->d[i].dev == dev)
			return &d->d[i];
	return NULL;
}

bool devs_has_rate(const struct settle_device_info *i, uint32_t khz)
{
	for (uint32_t k = 0; k < i->nrates && k < SETTLE_MAX_RATES; k++)
		if (i->rates_khz[k] == khz)
			return true;
	return false;
}

const char *devs_backend_name(uint32_t backend)
{
	static const char *const n[] = {
		[SETTLE_BACKEND_CPUFREQ] = "cpufreq", [SETTLE_BACKEND_DEVFREQ] = "devfreq",
		[SETTLE_BACKEND_CLK] = "clk",
	};

	return backend < ARRAY_SIZE(n) && n[backend] ? n[backend] : "unknown";
}

const char *devs_reader_name(uint32_t reader)
{
	static const char *const n[] = {
		[SETTLE_READER_NONE] = "none", [SETTLE_READER_CACHED] = "cached",
		[SETTLE_READER_SIM] = "sim", [SETTLE_READER_TEGRA234] = "tegra234",
		[SETTLE_READER_DEVFREQ] = "devfreq", [SETTLE_READER_CLK] = "clk",
		[SETTLE_READER_BPMP] = "bpmp",
	};

	return reader < ARRAY_SIZE(n) && n[reader] ? n[reader] : "unknown";
}

void devs_print(FILE *f, const struct settle_devs *d)
{
	fprintf(f, "settle.ko API %u; domains:", d->ver.api);
	for (uint32_t dom = 0; dom < SETTLE_DOMAINS; dom++)
		if (d->ver.domains & (1U << dom))
			fprintf(f, " %s", trace_domain_name(dom));
	fputc('\n', f);
	if (!d->n)
		fputs("no devices\n", f);
	for (size_t i = 0; i < d->n; i++) {
		const struct settle_device_info *x = &d->d[i];

		fprintf(f, "%s %-20s dev %-3u %-8s reader %-9s %s cur %u kHz\n  rates (kHz):",
			trace_domain_name(x->domain), x->name, x->dev,
			devs_backend_name(x->backend), devs_reader_name(x->reader),
			x->flags & SETTLE_DEV_STEPPABLE ? "steppable" : "observed only",
			x->cur_khz);
		for (uint32_t k = 0; k < x->nrates; k++)
			fprintf(f, " %u", x->rates_khz[k]);
		fprintf(f, "%s\n", x->flags & SETTLE_DEV_RATES_CUT ? " (table cut at 64)" : "");
	}
}

void devs_json(json_writer_t *w, const struct settle_devs *d)
{
	jsonw_start_object(w);
	jsonw_uint_field(w, "api", d->ver.api);
	jsonw_name(w, "domains");
	jsonw_start_array(w);
	for (uint32_t dom = 0; dom < SETTLE_DOMAINS; dom++)
		if (d->ver.domains & (1U << dom))
			jsonw_string(w, trace_domain_name(dom));
	jsonw_end_array(w);
	jsonw_name(w, "devices");
	jsonw_start_array(w);
	for (size_t i = 0; i < d->n; i++) {
		const struct settle_device_info *x = &d->d[i];

		jsonw_start_object(w);
		jsonw_string_field(w, "domain", trace_domain_name(x->domain));
		jsonw_uint_field(w, "index", x->index);
		jsonw_string_field(w, "name", x->name);
		jsonw_uint_field(w, "dev", x->dev);
		jsonw_string_field(w, "backend", devs_backend_name(x->backend));
		jsonw_string_field(w, "reader", devs_reader_name(x->reader));
		jsonw_name(w, "steppable");
		jsonw_bool(w, x->flags & SETTLE_DEV_STEPPABLE);
		jsonw_name(w, "rates_cut");
		jsonw_bool(w, x->flags & SETTLE_DEV_RATES_CUT);
		jsonw_uint_field(w, "cur_khz", x->cur_khz);
		jsonw_name(w, "rates_khz");
		jsonw_start_array(w);
		for (uint32_t k = 0; k < x->nrates; k++)
			jsonw_uint(w, x->rates_khz[k]);
		jsonw_end_array(w);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
	jsonw_end_object(w);
}

int devs_write_trace(struct trace_writer *w, const struct settle_devs *d,
		     uint64_t ts_ns)
{
	for (size_t i = 0; i < d->n; i++)
		if (trace_writer_device(w, ts_ns, &d->d[i]))
			return -1;
	return 0;
}
