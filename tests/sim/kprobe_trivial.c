// SPDX-License-Identifier: GPL-2.0
/*
 * The smallest kprobes: armed at load, disarmed at unload, a pre-handler
 * that only counts.  tests/vm/guest/t-kprobe.sh loads and unloads it in
 * place of settle.ko kprobes=1, to tell a fault of the kernel's (or the
 * emulator's) kprobe patching from one of settle's own handlers.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/string.h>

#define KP_MAX		4

static char *syms = "__cpufreq_driver_target";
module_param(syms, charp, 0444);
MODULE_PARM_DESC(syms,
		 "functions to probe, comma-separated, at most 4 (default __cpufreq_driver_target)");

static atomic_long_t kp_hits = ATOMIC_LONG_INIT(0);
static struct kprobe kps[KP_MAX];
static struct kprobe *kpp[KP_MAX];
static char kp_names[128];
static int nkps;

static int kp_pre(struct kprobe *kp, struct pt_regs *regs)
{
	atomic_long_inc(&kp_hits);
	return 0;
}

static int __init kp_init(void)
{
	char *cur = kp_names, *name;
	int ret;

	strscpy(kp_names, syms, sizeof(kp_names));
	while ((name = strsep(&cur, ",")) != NULL && nkps < KP_MAX) {
		if (!*name)
			continue;
		kps[nkps].symbol_name = name;
		kps[nkps].pre_handler = kp_pre;
		kpp[nkps] = &kps[nkps];
		nkps++;
	}
	/* One at a time, in order, as settle_kprobe_init() arms its own. */
	ret = register_kprobes(kpp, nkps);
	if (ret)
		pr_err("cannot probe %s: %d\n", syms, ret);
	return ret;
}

static void __exit kp_exit(void)
{
	unregister_kprobes(kpp, nkps);
	pr_info("%s: %ld hits\n", syms, atomic_long_read(&kp_hits));
}

module_init(kp_init);
module_exit(kp_exit);

MODULE_DESCRIPTION("settle tests: trivial kprobes");
MODULE_LICENSE("GPL");
