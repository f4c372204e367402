// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* settle devices: settle.ko's clock domains, devices, rates and readers. */
#include <getopt.h>
#include <stdio.h>
#include "cmds.h"
#include "devices.h"
#include "json_writer.h"
#include "util.h"

static const char devices_usage[] =
"Usage: settle devices [--json [--pretty]]\n"
"\n"
"List what settle.ko drives, per clock domain (cpu, gpu, emc): each\n"
"device's name (what --device takes), the index its trace events carry\n"
"(dev; a CPU policy's is its first CPU), the kernel framework it is driven\n"
"through (cpufreq, devfreq, clk), the reader that times its effective rate\n"
"changes, whether `settle step` can step it, its current rate and its rate\n"
"table in kHz.  Asks /dev/settle (SETTLE_IOC_DEVICE), opened read-only: it\n"
"changes nothing and runs beside a `settle step`.\n"
"\n"
"Options:\n"
"  --json          one JSON object: api, domains, devices[] with domain,\n"
"                  index, name, dev, backend, reader, steppable, rates_cut,\n"
"                  cur_khz, rates_khz\n"
"  -p, --pretty    indented JSON (implies --json)\n"
"  -h, --help      this text\n"
"\n"
"Exit status: 0 on success; 1 when settle.ko is not loaded, is older than\n"
"this settle (API 1: reload it), or cannot be asked (needs root).\n"
"\n"
"Example:\n"
"  settle devices --json | jq -r '.devices[] | select(.domain == \"emc\") | .rates_khz[]'\n";

int cmd_devices(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct settle_devs devs;
	char err[SETTLE_ERR_LEN];
	bool json = false, pretty = false;
	int c, ret;

	opt_reset();
	while ((c = getopt_long(argc, argv, "ph", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'p':
			json = pretty = true;
			break;
		case 'h':
			fputs(devices_usage, stdout);
			return 0;
		default:
			usage_hint("devices");
			return 1;
		}
	}
	if (extra_args(argc, argv, "devices"))
		return 1;
	ret = devs_load(&devs, err, sizeof(err));
	if (ret > 0) {
		p_err("%s does not exist: settle.ko is not loaded (insmod settle.ko)",
		      SETTLE_DEV_PATH);
		return 1;
	}
	if (ret < 0) {
		p_err("%s", err);
		return 1;
	}
	if (json) {
		json_writer_t *w = jsonw_new(stdout);

		if (!w) {
			p_err("out of memory");
			devs_free(&devs);
			return 1;
		}
		jsonw_pretty(w, pretty);
		devs_json(w, &devs);
		jsonw_destroy(&w);
	} else {
		devs_print(stdout, &devs);
	}
	devs_free(&devs);
	if (fflush(stdout) || ferror(stdout)) {
		p_err("writing the list failed");
		return 1;
	}
	return 0;
}
