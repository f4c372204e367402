// SPDX-License-Identifier: GPL-2.0
/*
 * The smallest kprobe: armed at load, disarmed at unload, a pre-handler
 * that only counts.  tests/vm/guest/t-kprobe.sh loads and unloads it in
 * place of settle.ko kprobes=1, to tell a fault of the kernel's (or the
 * emulator's) kprobe patching from one of settle's own handlers.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/kprobes.h>
#include <linux/module.h>

static char *sym = "__cpufreq_driver_target";
module_param(sym, charp, 0444);
MODULE_PARM_DESC(sym, "the function to probe (default __cpufreq_driver_target)");

static atomic_long_t kp_hits = ATOMIC_LONG_INIT(0);

static int kp_pre(struct kprobe *kp, struct pt_regs *regs)
{
	atomic_long_inc(&kp_hits);
	return 0;
}

static struct kprobe kp = {
	.pre_handler = kp_pre,
};

static int __init kp_init(void)
{
	int ret;

	kp.symbol_name = sym;
	ret = register_kprobe(&kp);
	if (ret)
		pr_err("cannot probe %s: %d\n", sym, ret);
	return ret;
}

static void __exit kp_exit(void)
{
	unregister_kprobe(&kp);
	pr_info("%s: %ld hits\n", sym, atomic_long_read(&kp_hits));
}

module_init(kp_init);
module_exit(kp_exit);

MODULE_DESCRIPTION("settle tests: a trivial kprobe");
MODULE_LICENSE("GPL");
