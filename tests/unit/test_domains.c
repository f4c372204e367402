// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The clock-domain model end to end: v1 traces read as domain cpu, GPU and
 * EMC transitions keyed by (domain, device), cross-domain links, the device
 * header, settle.ko's device list (through a fake ioctl) and `settle step`'s
 * device checks.
 */
#include <errno.h>
#include <linux/types.h>
#include "helpers.h"
#include "../../kmod/uapi/settle.h"
#include "analyze.h"
#include "devices.h"
#include "step.h"
#include "util.h"

static struct trace_writer *writer_v(const char *dir, int version)
{
	struct trace_meta m = test_meta("settle.ko");
	char err[SETTLE_ERR_LEN];
	struct trace_writer *w = trace_writer_open_v(dir, &m, true, version, err, sizeof(err));

	if (!w)
		fail_msg("trace_writer_open_v(%d): %s", version, err);
	return w;
}

static void add(struct trace_writer *w, uint32_t id, uint64_t ts, const uint64_t *f)
{
	assert_int_equal(trace_writer_add(w, id, ts, f), 0);
}

/*
 * What a v1 settle wrote for one step on cpu 2 (policy cpu 0): request,
 * PRE/POST, effective, limits, policy, step and campaign in v1 layouts.
 */
static void write_v1(const char *dir)
{
	struct trace_writer *w = writer_v(dir, 1);
	uint64_t f[TRACE_MAX_FIELDS] = { 0 };

	f[CA_SEED] = 7, f[CA_CPU] = 2, f[CA_COUNT] = 1;
	add(w, TEV_CAMPAIGN, 100, f);
	memset(f, 0, sizeof(f));
	f[RQ1_ID] = 5, f[RQ1_TS_NS] = 1000, f[RQ1_CPU] = 0;
	f[RQ1_FROM_KHZ] = 729600, f[RQ1_TO_KHZ] = 1728000;
	add(w, TEV_CPU_REQUEST, 1000, f);
	add_cf1(w, TEV_CPUFREQ_PRE, 5, 1200, 0, 729600, 1728000);
	add_cf1(w, TEV_CPUFREQ_POST, 5, 41200, 0, 729600, 1728000);
	memset(f, 0, sizeof(f));
	f[EF1_ID] = 5, f[EF1_TS_NS] = 90000, f[EF1_PREV_TS_NS] = 80000, f[EF1_CPU] = 0;
	f[EF1_KHZ] = 1728000, f[EF1_COST_NS] = 500, f[EF1_READER] = 3;
	add(w, TEV_CPU_EFFECTIVE, 90000, f);
	memset(f, 0, sizeof(f));
	f[LM1_TS_NS] = 95000, f[LM1_CPU] = 0, f[LM1_MIN_KHZ] = 1, f[LM1_MAX_KHZ] = 2;
	add(w, TEV_CPU_LIMITS, 95000, f);
	memset(f, 0, sizeof(f));
	f[PO1_TS_NS] = 96000, f[PO1_CPU] = 0, f[PO1_ACTION] = 1;
	assert_int_equal(trace_writer_add_text(w, TEV_CPU_POLICY, 96000, f, "schedutil"), 0);
	memset(f, 0, sizeof(f));
	f[ST_ID] = 5, f[ST_T_REQUEST_NS] = 1000, f[ST_T_EXIT_NS] = 41300, f[ST_CPU] = 2;
	f[ST_FROM_KHZ] = 729600, f[ST_TO_KHZ] = 1728000, f[ST_FLAGS] = TRACE_STEP_WARMUP;
	add(w, TEV_STEP, 96001, f);
	/* A v1 writer knows nothing of the domain events. */
	quiet_stderr(true);
	assert_int_equal(trace_writer_add(w, TEV_DEVICE, 96002, f), -1);
	quiet_stderr(false);
	trace_writer_close(w);
	/* ...and that failure ended it: write it again without. */
	w = writer_v(dir, 1);
	memset(f, 0, sizeof(f));
	f[CA_SEED] = 7, f[CA_CPU] = 2, f[CA_COUNT] = 1;
	add(w, TEV_CAMPAIGN, 100, f);
	memset(f, 0, sizeof(f));
	f[RQ1_ID] = 5, f[RQ1_TS_NS] = 1000, f[RQ1_CPU] = 0;
	f[RQ1_FROM_KHZ] = 729600, f[RQ1_TO_KHZ] = 1728000;
	add(w, TEV_CPU_REQUEST, 1000, f);
	add_cf1(w, TEV_CPUFREQ_PRE, 5, 1200, 0, 729600, 1728000);
	add_cf1(w, TEV_CPUFREQ_POST, 5, 41200, 0, 729600, 1728000);
	memset(f, 0, sizeof(f));
	f[EF1_ID] = 5, f[EF1_TS_NS] = 90000, f[EF1_PREV_TS_NS] = 80000, f[EF1_CPU] = 0;
	f[EF1_KHZ] = 1728000, f[EF1_COST_NS] = 500, f[EF1_READER] = 3;
	add(w, TEV_CPU_EFFECTIVE, 90000, f);
	memset(f, 0, sizeof(f));
	f[LM1_TS_NS] = 95000, f[LM1_CPU] = 0, f[LM1_MIN_KHZ] = 1, f[LM1_MAX_KHZ] = 2;
	add(w, TEV_CPU_LIMITS, 95000, f);
	memset(f, 0, sizeof(f));
	f[PO1_TS_NS] = 96000, f[PO1_CPU] = 0, f[PO1_ACTION] = 1;
	assert_int_equal(trace_writer_add_text(w, TEV_CPU_POLICY, 96000, f, "schedutil"), 0);
	memset(f, 0, sizeof(f));
	f[ST_ID] = 5, f[ST_T_REQUEST_NS] = 1000, f[ST_T_EXIT_NS] = 41300, f[ST_CPU] = 2;
	f[ST_FROM_KHZ] = 729600, f[ST_TO_KHZ] = 1728000, f[ST_FLAGS] = TRACE_STEP_WARMUP;
	add(w, TEV_STEP, 96001, f);
	assert_int_equal(trace_writer_close(w), 0);
}

/* A v1 trace reads as v2 events of domain cpu: one model after the reader. */
static void test_v1_reads_as_cpu(void **state)
{
	char *dir = tmpdir_make(), err[SETTLE_ERR_LEN], *m;
	struct trace_stream_result res;
	struct collected c = { 0 };
	struct trace_info ti;
	size_t len;

	(void)state;
	write_v1(dir);
	m = (char *)slurp(path_join(dir, TRACE_METADATA_FILE), &len);
	assert_non_null(strstr(m, "settle_trace_version = 1;"));
	assert_non_null(strstr(m, "name = cpufreq_pre;"));
	assert_null(strstr(m, "name = driver_entry;"));
	assert_null(strstr(m, "uint32_t domain;"));	/* step/campaign: v1 layout */
	free(m);
	assert_int_equal(trace_read_dir(dir, &ti, collect_cb, &c, &res, err, sizeof(err)), 0);
	assert_int_equal(ti.version, 1);
	assert_int_equal(c.n, 8);
	assert_int_equal(c.ev[0].desc->id, TEV_CAMPAIGN);
	assert_int_equal(c.ev[0].f[CA_DOMAIN], TRACE_DOMAIN_CPU);
	assert_int_equal(c.ev[0].f[CA_DEV], 2);
	assert_int_equal(c.ev[1].desc->id, TEV_REQUEST);
	assert_int_equal(c.ev[1].f[RQ_DOMAIN], TRACE_DOMAIN_CPU);
	assert_int_equal(c.ev[1].f[RQ_PARENT_ID], 0);
	assert_int_equal(c.ev[1].f[RQ_TO_KHZ], 1728000);
	assert_int_equal(c.ev[2].desc->id, TEV_DRIVER_ENTRY);
	assert_int_equal(c.ev[2].f[DR_NEW_KHZ], 1728000);
	assert_int_equal(c.ev[3].desc->id, TEV_DRIVER_EXIT);
	assert_int_equal(c.ev[3].f[DR_TS_NS], 41200);
	assert_int_equal(c.ev[4].desc->id, TEV_EFFECTIVE);
	assert_int_equal(c.ev[4].f[EF_READER], 3);
	assert_int_equal(c.ev[4].f[EF_PREV_TS_NS], 80000);
	assert_int_equal(c.ev[5].desc->id, TEV_LIMITS);
	assert_int_equal(c.ev[5].f[LM_MAX_KHZ], 2);
	assert_int_equal(c.ev[6].desc->id, TEV_POLICY);
	assert_int_equal(c.ev[6].f[PO_ACTION], 1);
	assert_string_equal(c.ev[6].text, "schedutil");
	assert_int_equal(c.ev[7].desc->id, TEV_STEP);
	assert_int_equal(c.ev[7].f[ST_DOMAIN], TRACE_DOMAIN_CPU);
	assert_int_equal(c.ev[7].f[ST_DEV], 2);
	collected_free(&c);

	/* The report of a v1 trace: one cpu transition, joined as before. */
	{
		struct report_opts o = { .json = true, .transitions = true };
		int rc;
		char *out = report_capture(dir, &o, &rc);

		assert_int_equal(rc, 0);
		assert_non_null(strstr(out, "\"trace_version\":1,"));
		assert_non_null(strstr(out, "\"warmup\":1,"));	/* the step joined */
		assert_non_null(strstr(out, "\"request_to_exit_ns\":40200,"));
		assert_non_null(strstr(out, "\"t_effective_ns\":90000,"));
		assert_non_null(strstr(out, "\"device\":\"cpu0\",\"parent_id\":null}"));
		free(out);
	}
	rm_rf(dir);
	free(dir);
}

static void dev_event(struct trace_writer *w, uint32_t dom, uint32_t dev, const char *name,
		      uint32_t n)
{
	struct settle_device_info d = { .domain = dom, .dev = dev, .nrates = n,
					.flags = SETTLE_DEV_STEPPABLE };

	snprintf(d.name, sizeof(d.name), "%s", name);
	for (uint32_t i = 0; i < n; i++)
		d.rates_khz[i] = 100000 * (i + 1);
	assert_int_equal(trace_writer_device(w, 10, &d), 0);
}

static void xition(struct trace_writer *w, uint64_t id, uint64_t parent, uint32_t dom,
		   uint32_t dev, uint64_t t, uint64_t stall, uint32_t from, uint32_t to)
{
	uint64_t f[TRACE_MAX_FIELDS] = { 0 };

	f[RQ_ID] = id, f[RQ_TS_NS] = t, f[RQ_PARENT_ID] = parent, f[RQ_DOMAIN] = dom;
	f[RQ_DEV] = dev, f[RQ_FROM_KHZ] = from, f[RQ_TO_KHZ] = to;
	add(w, TEV_REQUEST, t, f);
	add_drv(w, TEV_DRIVER_ENTRY, id, t + 100, dom, dev, from, to);
	add_drv(w, TEV_DRIVER_EXIT, id, t + 100 + stall, dom, dev, from, to);
}

/*
 * CPU transitions each requesting an EMC change inside their driver call,
 * a GPU with two devices, and a child whose parent is not in the trace.
 */
static char *write_domains(void)
{
	char *dir = tmpdir_make();
	struct trace_writer *w = writer_v(dir, TRACE_VERSION);
	uint64_t id = 1;

	dev_event(w, TRACE_DOMAIN_CPU, 0, "cpu0", 3);
	dev_event(w, TRACE_DOMAIN_GPU, 0, "17000000.gpu", 20);
	dev_event(w, TRACE_DOMAIN_GPU, 1, "gpu,b", 2);	/* a comma: CSV quotes it */
	dev_event(w, TRACE_DOMAIN_EMC, 0, "emc", 4);
	for (uint64_t i = 0; i < 4; i++) {
		uint64_t t = 1000000 * (i + 1), cpu_id = id++;

		xition(w, cpu_id, 0, TRACE_DOMAIN_CPU, 0, t, 50000, 100000, 200000);
		/* the EMC request 3 us after the CPU's, inside its driver call */
		xition(w, id++, cpu_id, TRACE_DOMAIN_EMC, 0, t + 3000, 8000, 200000, 400000);
		xition(w, id++, 0, TRACE_DOMAIN_GPU, i % 2, t + 500000, 20000 + i, 100000, 200000);
	}
	xition(w, id++, 999, TRACE_DOMAIN_EMC, 0, 9000000, 8000, 400000, 200000);
	assert_int_equal(trace_writer_close(w), 0);
	return dir;
}

static void test_domains_report(void **state)
{
	struct report_opts o = { .json = true, .transitions = true };
	char *dir = write_domains(), *out;
	struct analysis a;
	struct trace_info ti;
	struct trace_stream_result res;
	char err[SETTLE_ERR_LEN];
	int rc;

	(void)state;
	analysis_init(&a);
	assert_int_equal(trace_read_dir(dir, &ti, analysis_add, &a, &res, err, sizeof(err)), 0);
	assert_int_equal(analysis_finish(&a), 0);
	assert_int_equal(a.nx, 13);
	/* Groups by (domain, device, from, to): cpu0, emc x2, gpu x2 devices. */
	assert_int_equal(a.ng, 5);
	assert_string_equal(a.g[0].domain, "cpu");
	assert_string_equal(a.g[0].device, "cpu0");
	assert_int_equal(a.g[0].n, 4);
	assert_int_equal(a.g[0].stall.p50, 50000);
	assert_string_equal(a.g[1].domain, "emc");
	assert_string_equal(a.g[1].device, "emc");
	assert_int_equal(a.g[1].from_khz, 200000);
	assert_int_equal(a.g[1].n, 4);
	assert_int_equal(a.g[1].stall.p50, 8000);
	assert_string_equal(a.g[3].device, "17000000.gpu");
	assert_int_equal(a.g[3].n, 2);
	assert_string_equal(a.g[4].device, "gpu,b");
	assert_int_equal(a.g[4].n, 2);
	assert_int_equal(a.g[4].stall.max, 20003);
	/* Links: four cpu -> emc at 3 us, one orphan. */
	assert_int_equal(a.links[TRACE_DOMAIN_CPU][TRACE_DOMAIN_EMC].n, 4);
	assert_int_equal(a.links[TRACE_DOMAIN_CPU][TRACE_DOMAIN_EMC].delay.p50, 3000);
	assert_int_equal(a.links[TRACE_DOMAIN_CPU][TRACE_DOMAIN_GPU].n, 0);
	assert_int_equal(a.link_orphans[TRACE_DOMAIN_EMC], 1);
	/* The device header's rate table, both chunks. */
	{
		const struct trace_dev *d = analysis_device_find(&a, TRACE_DOMAIN_GPU, 0);

		assert_non_null(d);
		assert_true(d->declared);
		assert_int_equal(d->nrates, 20);
		assert_int_equal(d->rates[19], 2000000);
	}
	analysis_free(&a);

	out = report_capture(dir, &o, &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "\"links\":[{\"parent_domain\":\"cpu\",\"child_domain\":\"emc\",\"n\":4,"
			       "\"delay_us\":{\"p50\":3.000,"));
	assert_non_null(strstr(out, "\"links_unmatched\":{\"cpu\":0,\"gpu\":0,\"emc\":1}"));
	assert_non_null(strstr(out, "\"device\":\"emc\",\"parent_id\":1}"));
	assert_non_null(strstr(out, "\"device\":\"emc\",\"parent_id\":999}"));
	assert_non_null(strstr(out, "\"domain\":\"gpu\",\"from_khz\":100000,\"to_khz\":200000"));
	free(out);

	/* --domain: only that domain's transitions; the links stay counted. */
	o = (struct report_opts){ .json = true, .domain = "gpu" };
	out = report_capture(dir, &o, &rc);
	assert_int_equal(rc, 0);
	assert_null(strstr(out, "{\"domain\":\"cpu\",\"from_khz\""));
	assert_null(strstr(out, "{\"domain\":\"emc\",\"from_khz\""));
	assert_non_null(strstr(out, "\"device\":\"17000000.gpu\""));
	assert_non_null(strstr(out, "\"child_domain\":\"emc\",\"n\":4,"));
	free(out);
	o = (struct report_opts){ .csv = true, .transitions = true, .device = "gpu,b" };
	out = report_capture(dir, &o, &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "gpu,100000,200000,2500000,20001,,,,\"gpu,b\",\n"));
	assert_null(strstr(out, "17000000.gpu"));
	free(out);
	o = (struct report_opts){ .domain = "dsp" };
	quiet_stderr(true);
	out = report_capture(dir, &o, &rc);
	quiet_stderr(false);
	assert_int_equal(rc, 1);
	free(out);

	/* The text report: devices, and the link summary per domain pair. */
	o = (struct report_opts){ 0 };
	out = report_capture(dir, &o, &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "device:   gpu 17000000.gpu (dev 0), 20 rates 100000..2000000 kHz"));
	assert_non_null(strstr(out, "  cpu -> emc: 4 transitions; parent request to child request p50 3.000 us"));
	assert_non_null(strstr(out, "  emc: 1 transitions name a parent that is not in the trace"));
	assert_non_null(strstr(out, "emc emc 200000 -> 400000 kHz (up): n 4"));
	free(out);
	rm_rf(dir);
	free(dir);
}

/* A fake settle.ko behind devs_query(). */
struct fake_ko {
	uint32_t api, domains;
	int fail_device;	/* errno for SETTLE_IOC_DEVICE, 0: answer */
	uint32_t gpu_rates;
};

static int fake_ioctl(void *ctx, unsigned long req, void *arg)
{
	struct fake_ko *k = ctx;

	if (req == SETTLE_IOC_VERSION) {
		struct settle_version *v = arg;

		v->api = k->api;
		v->domains = k->domains;
		return 0;
	}
	if (req == SETTLE_IOC_DEVICE) {
		struct settle_device_info *i = arg;

		if (k->fail_device) {
			errno = k->fail_device;
			return -1;
		}
		if ((i->domain == SETTLE_DOMAIN_CPU && i->index < 2) ||
		    ((i->domain == SETTLE_DOMAIN_GPU || i->domain == SETTLE_DOMAIN_EMC) &&
		     i->index < 1)) {
			i->dev = i->domain == SETTLE_DOMAIN_CPU ? i->index * 4 : 0;
			i->flags = i->domain == SETTLE_DOMAIN_EMC ? 0 : SETTLE_DEV_STEPPABLE;
			i->nrates = i->domain == SETTLE_DOMAIN_GPU ? k->gpu_rates : 2;
			i->cur_khz = 300000;
			for (uint32_t r = 0; r < i->nrates && r < SETTLE_MAX_RATES; r++)
				i->rates_khz[r] = 100000 * (r + 1);
			snprintf(i->name, sizeof(i->name), "%s%u",
				 i->domain == SETTLE_DOMAIN_CPU ? "cpu" :
				 i->domain == SETTLE_DOMAIN_GPU ? "17000000.gpu" : "emc",
				 i->index * 4);
			return 0;
		}
		errno = ENOENT;
		return -1;
	}
	errno = ENOTTY;
	return -1;
}

static void test_devices_query(void **state)
{
	struct fake_ko k = { .api = SETTLE_API_VERSION, .domains = 7, .gpu_rates = 3 };
	struct settle_devs d;
	char err[SETTLE_ERR_LEN] = "";
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	json_writer_t *w;

	(void)state;
	assert_int_equal(devs_query(fake_ioctl, &k, &d, err, sizeof(err)), 0);
	assert_int_equal(d.n, 4);
	assert_string_equal(d.d[1].name, "cpu4");
	assert_int_equal(d.d[1].dev, 4);
	assert_non_null(devs_find(&d, SETTLE_DOMAIN_GPU, NULL));
	assert_string_equal(devs_find(&d, SETTLE_DOMAIN_GPU, NULL)->name, "17000000.gpu0");
	assert_null(devs_find(&d, SETTLE_DOMAIN_GPU, "nope"));
	assert_non_null(devs_find_dev(&d, SETTLE_DOMAIN_CPU, 4));
	assert_true(devs_has_rate(&d.d[2], 300000));
	assert_false(devs_has_rate(&d.d[2], 400000));
	f = open_memstream(&buf, &len);
	w = jsonw_new(f);
	devs_json(w, &d);
	jsonw_destroy(&w);
	fclose(f);
	assert_non_null(strstr(buf, "\"domains\":[\"cpu\",\"gpu\",\"emc\"]"));
	assert_non_null(strstr(buf, "{\"domain\":\"gpu\",\"index\":0,\"name\":\"17000000.gpu0\",\"dev\":0,"
			       "\"backend\":\"cpufreq\",\"reader\":\"none\",\"steppable\":true,"
			       "\"rates_cut\":false,\"cur_khz\":300000,\"rates_khz\":[100000,200000,300000]}"));
	free(buf);

	/* `settle step --domain gpu|emc` checks. */
	{
		struct step_opts o = { .domain = TRACE_DOMAIN_GPU, .rates = { 100000, 300000 },
				       .nrates = 2 };
		const struct settle_device_info *dev;
		uint32_t cur;

		assert_int_equal(step_check_device(&d, &o, &dev, &cur, err, sizeof(err)), 0);
		assert_string_equal(dev->name, "17000000.gpu0");
		assert_int_equal(cur, 300000);
		o.rates[1] = 350000;
		assert_int_equal(step_check_device(&d, &o, &dev, &cur, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "rate 350000 kHz is not in gpu device '17000000.gpu0''s table (kHz: 100000 200000 300000)"));
		o.device = "17000000.gpu9";
		assert_int_equal(step_check_device(&d, &o, &dev, &cur, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "no gpu device '17000000.gpu9'"));
		o = (struct step_opts){ .domain = TRACE_DOMAIN_EMC, .rates = { 100000, 200000 },
					.nrates = 2 };
		assert_int_equal(step_check_device(&d, &o, &dev, &cur, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "observed only"));
	}
	devs_free(&d);

	/* Only the domains the version reports are asked. */
	k.domains = 1;
	assert_int_equal(devs_query(fake_ioctl, &k, &d, err, sizeof(err)), 0);
	assert_int_equal(d.n, 2);
	devs_free(&d);
	/* An older settle.ko (API 2: no event numbers) is refused with what to do. */
	k.api = 2;
	assert_int_equal(devs_query(fake_ioctl, &k, &d, err, sizeof(err)), -1);
	assert_string_equal(err, "settle.ko API 2 is older than this settle (API 3): reload settle.ko (built from the same tree)");
	k.api = SETTLE_API_VERSION;
	k.fail_device = EPERM;
	assert_int_equal(devs_query(fake_ioctl, &k, &d, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "SETTLE_IOC_DEVICE (cpu device 0) failed"));
	k.fail_device = 0;
	k.gpu_rates = SETTLE_MAX_RATES + 1;	/* a settle.ko bug, not trusted */
	k.domains = 7;
	assert_int_equal(devs_query(fake_ioctl, &k, &d, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "inconsistent answer"));
}

/* `settle step` options of the domains. */
static void test_step_domain_options(void **state)
{
	struct step_opts o;
	char *argv[16];
	int argc = 0;

	(void)state;
	argv[argc++] = "step";
	argv[argc++] = "--domain";
	argv[argc++] = "emc";
	argv[argc++] = "--rates";
	argv[argc++] = "204000,3199000";
	argv[argc++] = "-n";
	argv[argc++] = "3";
	argv[argc++] = "--no-probe";
	argv[argc] = NULL;
	assert_int_equal(step_parse_args(argc, argv, &o), 0);
	assert_int_equal(o.domain, TRACE_DOMAIN_EMC);
	assert_int_equal(o.probe, STEP_PROBE_NONE);
	assert_true(o.no_probe);
	assert_int_equal(o.cpu, -1);
	argc = 7;
	argv[argc++] = "--cpu";
	argv[argc++] = "3";
	argv[argc] = NULL;
	assert_int_equal(step_parse_args(argc, argv, &o), 0);
	assert_int_equal(o.probe, STEP_PROBE_CPU_MEMORY);	/* emc's default */
	assert_int_equal(o.cpu, 3);
	argv[2] = "gpu";
	argc = 7;
	argv[argc++] = "--device";
	argv[argc++] = "17000000.gpu";
	argv[argc] = NULL;
	assert_int_equal(step_parse_args(argc, argv, &o), 0);
	assert_int_equal(o.probe, STEP_PROBE_NONE);	/* gpu's default */
	assert_string_equal(o.device, "17000000.gpu");
	argv[2] = "cpu";
	argc = 7;
	argv[argc++] = "-c";
	argv[argc++] = "1";
	argv[argc] = NULL;
	assert_int_equal(step_parse_args(argc, argv, &o), 0);
	assert_int_equal(o.probe, STEP_PROBE_CPU);
}

int run_domain_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v1_reads_as_cpu),
		cmocka_unit_test(test_domains_report),
		cmocka_unit_test(test_devices_query),
		cmocka_unit_test(test_step_domain_options),
	};

	return cmocka_run_group_tests_name("domains", tests, NULL, NULL);
}
