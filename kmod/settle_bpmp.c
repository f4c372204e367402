// SPDX-License-Identifier: GPL-2.0
/*
 * Tegra BPMP reader: on Tegra234 the BPMP firmware owns EMC, so the clock
 * framework's view of it is only what was last asked for.  This reader asks
 * the firmware for the clock's current rate (MRQ_CLK, CMD_CLK_GET_RATE).
 * A round trip takes about 0.5-0.9 ms on Orin and sleeps, so it is sampled
 * from settle's worker; each settle:effective carries the read's cost_ns,
 * and that cost, not sample_period_ns, bounds how finely EMC is resolved.
 *
 * The clock is the device tree consumer's clock of the same name whose
 * provider is the BPMP.  Not yet run on hardware.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/of.h>
#include <linux/of_platform.h>
#include <linux/platform_device.h>
#include <linux/slab.h>

#include <soc/tegra/bpmp.h>
#include <soc/tegra/bpmp-abi.h>

#include "settle.h"

/**
 * struct settle_bpmp - what reading one clock through the BPMP needs
 * @pdev: the BPMP's platform device, referenced
 * @bpmp: its driver data
 * @clk_id: the firmware's id of the clock
 */
struct settle_bpmp {
	struct platform_device *pdev;
	struct tegra_bpmp *bpmp;
	u32 clk_id;
};

/* The BPMP clock id of consumer clock @name, and the BPMP's node. */
static int settle_bpmp_clk_id(const char *name, struct device_node **bpmp_np,
			      u32 *id)
{
	struct of_phandle_args args;
	struct device_node *np;
	int idx;

	for_each_node_with_property(np, "clock-names") {
		idx = of_property_match_string(np, "clock-names", name);
		if (idx < 0)
			continue;
		if (of_parse_phandle_with_args(np, "clocks", "#clock-cells",
					       idx, &args))
			continue;
		if (args.args_count == 1 &&
		    of_device_is_compatible(args.np, "nvidia,tegra186-bpmp")) {
			of_node_put(np);
			*bpmp_np = args.np;
			*id = args.args[0];
			return 0;
		}
		of_node_put(args.np);
	}
	return -ENODEV;
}

static int settle_bpmp_attach(struct settle_dev *d)
{
	struct device_node *bpmp_np;
	struct settle_bpmp *sb;
	int ret;

	sb = kzalloc(sizeof(*sb), GFP_KERNEL);
	if (!sb)
		return -ENOMEM;
	ret = settle_bpmp_clk_id(d->name, &bpmp_np, &sb->clk_id);
	if (ret)
		goto err_free;
	sb->pdev = of_find_device_by_node(bpmp_np);
	of_node_put(bpmp_np);
	if (!sb->pdev) {
		ret = -ENODEV;
		goto err_free;
	}
	sb->bpmp = platform_get_drvdata(sb->pdev);
	if (!sb->bpmp) {
		ret = -EPROBE_DEFER;
		goto err_put_device;
	}
	d->reader_priv = sb;
	return 0;

err_put_device:
	put_device(&sb->pdev->dev);
err_free:
	kfree(sb);
	return ret;
}

static void settle_bpmp_detach(struct settle_dev *d)
{
	struct settle_bpmp *sb = d->reader_priv;

	put_device(&sb->pdev->dev);
	kfree(sb);
	d->reader_priv = NULL;
}

static u32 settle_bpmp_read(struct settle_dev *d)
{
	struct settle_bpmp *sb = d->reader_priv;
	struct mrq_clk_request req = {
		.cmd_and_id = (CMD_CLK_GET_RATE << 24) | sb->clk_id,
	};
	struct mrq_clk_response resp = {};
	struct tegra_bpmp_message msg = {
		.mrq = MRQ_CLK,
		.tx = { .data = &req, .size = sizeof(req) },
		.rx = { .data = &resp, .size = sizeof(resp) },
	};

	if (tegra_bpmp_transfer(sb->bpmp, &msg) || msg.rx.ret)
		return 0;
	return div_s64(resp.clk_get_rate.rate, 1000);
}

const struct settle_reader_ops settle_reader_bpmp = {
	.name = "bpmp",
	.id = SETTLE_READER_BPMP,
	.sleeps = true,
	.attach = settle_bpmp_attach,
	.detach = settle_bpmp_detach,
	.read_khz = settle_bpmp_read,
};
