// SPDX-License-Identifier: GPL-2.0
/*
 * Exercise /dev/settle directly, below the settle command: permissions,
 * exclusivity, input validation, and that the policy comes back however the
 * controller ends.  Runs inside the test VM and speaks the guest result
 * protocol of tests/vm/guest/lib.sh.
 *
 * usage: ctltest CPU RATE_A RATE_B
 *        ctltest gpu|emc NAME
 * The second form steps a devfreq device or a clock through SETTLE_IOC_STEP
 * between the lowest and highest rates of its table, and checks that the
 * user's limits (devfreq) or rate (clock) come back.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../kmod/uapi/settle.h"

#define RESULT_PREFIX "ctl-"
#include "guest_result.h"

static void read_attr(unsigned int cpu, const char *attr, char *buf, size_t len)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%u/cpufreq/%s", cpu, attr);
	f = fopen(path, "r");
	buf[0] = '\0';
	if (!f)
		return;
	if (!fgets(buf, len, f))
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

static void write_attr(unsigned int cpu, const char *attr, const char *val)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%u/cpufreq/%s", cpu, attr);
	f = fopen(path, "w");
	if (f) {
		fputs(val, f);
		fclose(f);
	}
}

static int step(int fd, unsigned int cpu, unsigned int khz, struct settle_cpu_step *out)
{
	struct settle_cpu_step st = { .cpu = cpu, .target_khz = khz };
	int ret = ioctl(fd, SETTLE_IOC_CPU_STEP, &st);

	if (out)
		*out = st;
	return ret ? -errno : 0;
}

struct policy {
	char gov[32], min[32], max[32];
};

static void snapshot(unsigned int cpu, struct policy *p)
{
	read_attr(cpu, "scaling_governor", p->gov, sizeof(p->gov));
	read_attr(cpu, "scaling_min_freq", p->min, sizeof(p->min));
	read_attr(cpu, "scaling_max_freq", p->max, sizeof(p->max));
}

static int same(const struct policy *a, const struct policy *b)
{
	return !strcmp(a->gov, b->gov) && !strcmp(a->min, b->min) && !strcmp(a->max, b->max);
}

/*
 * Limits written to sysfs reach the policy through a work item
 * (cpufreq's policy->update), so a read right after a write can still show
 * the old value: poll for up to 2 s until the policy reads as `want`.
 */
static int settles_to(unsigned int cpu, const struct policy *want, struct policy *got)
{
	for (int i = 0; i < 200; i++) {
		snapshot(cpu, got);
		if (same(want, got))
			return 1;
		usleep(10000);
	}
	return 0;
}

/* SETTLE_IOC_DEVICE lists the CPU with its table; bad queries fail cleanly. */
static void check_devices(int fd, unsigned int cpu, unsigned int a, unsigned int b)
{
	struct settle_device_info info;
	int found = 0, seen_a = 0, seen_b = 0, sorted = 1;
	unsigned int i, n;

	for (n = 0; n < 4096; n++) {
		memset(&info, 0, sizeof(info));
		info.domain = SETTLE_DOMAIN_CPU;
		info.index = n;
		if (ioctl(fd, SETTLE_IOC_DEVICE, &info))
			break;
		if (info.dev != cpu)
			continue;
		found = 1;
		for (i = 0; i < info.nrates; i++) {
			seen_a |= info.rates_khz[i] == a;
			seen_b |= info.rates_khz[i] == b;
			if (i && info.rates_khz[i] <= info.rates_khz[i - 1])
				sorted = 0;
		}
		result(!strncmp(info.name, "cpu", 3) && (info.flags & SETTLE_DEV_STEPPABLE) &&
		      info.backend == SETTLE_BACKEND_CPUFREQ && seen_a && seen_b && sorted,
		      "device", "%s: backend %u reader %u cur %u, %u rates %s, has %u and %u: %s",
		      info.name, info.backend, info.reader, info.cur_khz, info.nrates,
		      sorted ? "ascending" : "UNSORTED", a, b, seen_a && seen_b ? "yes" : "NO");
	}
	result(found && errno == ENOENT, "device-end", "cpu%u listed; index %u -> ENOENT (%s)", cpu, n,
	      strerror(errno));
	memset(&info, 0, sizeof(info));
	info.domain = 99;
	result(ioctl(fd, SETTLE_IOC_DEVICE, &info) && errno == EINVAL, "device-bad-domain",
	      "domain 99 -> EINVAL");
}

/* ---- gpu / emc ---------------------------------------------------------- */

static void read_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	buf[0] = '\0';
	if (!f)
		return;
	if (!fgets(buf, len, f))
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

static void write_file(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(val, f);
		fclose(f);
	}
}

struct dstate {
	char a[32], b[32], c[32];
};

/* What a session must leave as it found: devfreq limits, a clock's rate. */
static void dsnap(int domain, const char *name, struct dstate *st)
{
	char path[160];

	if (domain == SETTLE_DOMAIN_GPU) {
		snprintf(path, sizeof(path), "/sys/class/devfreq/%s/governor", name);
		read_file(path, st->a, sizeof(st->a));
		snprintf(path, sizeof(path), "/sys/class/devfreq/%s/min_freq", name);
		read_file(path, st->b, sizeof(st->b));
		snprintf(path, sizeof(path), "/sys/class/devfreq/%s/max_freq", name);
		read_file(path, st->c, sizeof(st->c));
	} else {
		snprintf(path, sizeof(path), "/sys/kernel/debug/clk/%s/clk_rate", name);
		read_file(path, st->a, sizeof(st->a));
		st->b[0] = st->c[0] = '\0';
	}
}

static int dsame(const struct dstate *x, const struct dstate *y)
{
	return !strcmp(x->a, y->a) && !strcmp(x->b, y->b) && !strcmp(x->c, y->c);
}

static int dsettles_to(int domain, const char *name, const struct dstate *want,
		       struct dstate *got)
{
	for (int i = 0; i < 200; i++) {
		dsnap(domain, name, got);
		if (dsame(want, got))
			return 1;
		usleep(10000);
	}
	return 0;
}

static int dstep(int fd, int domain, unsigned int dev, unsigned int khz, struct settle_step *out)
{
	struct settle_step st = { .domain = domain, .dev = dev, .target_khz = khz };
	int ret = ioctl(fd, SETTLE_IOC_STEP, &st);

	if (out)
		*out = st;
	return ret ? -errno : 0;
}

static int domain_main(const char *dom, const char *name)
{
	int domain = !strcmp(dom, "gpu") ? SETTLE_DOMAIN_GPU : SETTLE_DOMAIN_EMC;
	struct settle_device_info info;
	struct dstate before, during, after;
	struct settle_step st;
	unsigned int lo, hi, n;
	char path[160], val[32];
	int fd, ret, status;
	pid_t pid;

	fd = open(SETTLE_DEV_PATH, O_RDWR);
	result(fd >= 0, "open", "root opens %s (%s)", SETTLE_DEV_PATH, fd < 0 ? strerror(errno) : "ok");
	if (fd < 0)
		return 1;
	for (n = 0; n < 64; n++) {
		memset(&info, 0, sizeof(info));
		info.domain = domain;
		info.index = n;
		if (ioctl(fd, SETTLE_IOC_DEVICE, &info)) {
			n = 64;
			break;
		}
		if (!strcmp(info.name, name))
			break;
	}
	result(n < 64 && info.nrates >= 2 && (info.flags & SETTLE_DEV_STEPPABLE), "device",
	      "%s %s: dev %u backend %u reader %u cur %u kHz, %u rates", dom, name, info.dev,
	      info.backend, info.reader, info.cur_khz, n < 64 ? info.nrates : 0);
	if (n == 64 || info.nrates < 2)
		return 1;
	lo = info.rates_khz[0];
	hi = info.rates_khz[info.nrates - 1];

	/* Narrowed user limits: a step must still reach the top, and they come back. */
	if (domain == SETTLE_DOMAIN_GPU && info.nrates >= 3) {
		snprintf(path, sizeof(path), "/sys/class/devfreq/%s/max_freq", name);
		snprintf(val, sizeof(val), "%llu",
			 (unsigned long long)info.rates_khz[info.nrates - 2] * 1000);
		write_file(path, val);
	}
	dsnap(domain, name, &before);

	result(dstep(fd, domain, info.dev, 12345, NULL) == -EINVAL, "bad-rate",
	      "%s 12345 kHz -> EINVAL", dom);
	result(dstep(fd, domain, 99, lo, NULL) == -ENODEV, "bad-dev", "%s device 99 -> ENODEV", dom);
	dsnap(domain, name, &during);
	result(dsame(&before, &during), "untouched", "refused steps leave %s %s %s", during.a,
	      during.b, during.c);

	ret = dstep(fd, domain, info.dev, hi, &st);
	if (ret == -EALREADY)
		ret = dstep(fd, domain, info.dev, lo, &st);
	result(!ret && st.id && st.cur_khz == st.target_khz && st.t_exit_ns >= st.t_request_ns,
	      "step", "%s %s -> %u kHz: id %llu cur %u, request->exit %llu ns (%s)", dom, name,
	      st.target_khz, (unsigned long long)st.id, st.cur_khz,
	      (unsigned long long)(st.t_exit_ns - st.t_request_ns), strerror(-ret));
	ret = dstep(fd, domain, info.dev, st.target_khz == hi ? lo : hi, &st);
	result(!ret && st.cur_khz == st.target_khz, "step-back", "%s -> %u kHz: cur %u (%s)", name,
	      st.target_khz, st.cur_khz, strerror(-ret));
	result(dstep(fd, domain, info.dev, st.cur_khz, NULL) == -EALREADY, "already",
	      "step to the current rate -> EALREADY");
	usleep(100000);
	memset(&info, 0, sizeof(info));
	info.domain = domain;
	info.index = n;
	ioctl(fd, SETTLE_IOC_DEVICE, &info);
	result(info.cur_khz == st.cur_khz, "holds", "100 ms after the step %s is at %u kHz (stepped to %u)",
	      name, info.cur_khz, st.cur_khz);
	close(fd);
	result(dsettles_to(domain, name, &before, &after), "restore-close",
	      "after close: %s %s %s (before %s %s %s)", after.a, after.b, after.c, before.a,
	      before.b, before.c);

	pid = fork();
	if (pid == 0) {
		int cfd = open(SETTLE_DEV_PATH, O_RDWR);

		for (;;) {
			dstep(cfd, domain, info.dev, lo, NULL);
			dstep(cfd, domain, info.dev, hi, NULL);
		}
	}
	usleep(300000);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	result(dsettles_to(domain, name, &before, &after), "restore-kill",
	      "killed controller: after %s %s %s (before %s %s %s)", after.a, after.b, after.c,
	      before.a, before.b, before.c);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct settle_cpu_step st;
	struct settle_version v;
	struct policy before, during, after;
	unsigned int cpu, a, b;
	char cur[32], lim[32];
	int fd, fd2, ret, status;
	pid_t pid;

	if (argc == 3 && (!strcmp(argv[1], "gpu") || !strcmp(argv[1], "emc")))
		return domain_main(argv[1], argv[2]);
	if (argc != 4) {
		fprintf(stderr, "usage: ctltest CPU RATE_A RATE_B | ctltest gpu|emc NAME\n");
		return 2;
	}
	cpu = strtoul(argv[1], NULL, 0);
	a = strtoul(argv[2], NULL, 0);
	b = strtoul(argv[3], NULL, 0);

	/* A governor settle must put back, with narrowed limits. */
	write_attr(cpu, "scaling_governor", "performance");
	write_attr(cpu, "scaling_max_freq", argv[3]);
	snapshot(cpu, &before);
	snprintf(before.max, sizeof(before.max), "%s", argv[3]);
	if (!settles_to(cpu, &before, &during)) {
		printf("@@SETTLE-RESULT FAIL ctl-setup scaling_max_freq did not become %s\n", argv[3]);
		return 1;
	}

	/* Only root may control the module. */
	pid = fork();
	if (pid == 0) {
		if (setresuid(65534, 65534, 65534))
			_exit(3);
		fd = open(SETTLE_DEV_PATH, O_RDWR);
		_exit(fd < 0 && (errno == EACCES || errno == EPERM) ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	result(WIFEXITED(status) && WEXITSTATUS(status) == 0, "non-root",
	      "an unprivileged open is refused");

	fd = open(SETTLE_DEV_PATH, O_RDWR);
	result(fd >= 0, "open", "root opens %s (%s)", SETTLE_DEV_PATH, fd < 0 ? strerror(errno) : "ok");
	if (fd < 0)
		return 1;
	/* Queries need no control: a second file may open and ask. */
	fd2 = open(SETTLE_DEV_PATH, O_RDWR);
	result(fd2 >= 0, "second-open", "a second file opens for queries (%s)",
	      fd2 < 0 ? strerror(errno) : "ok");

	ret = ioctl(fd, SETTLE_IOC_VERSION, &v);
	result(!ret && v.api == SETTLE_API_VERSION && (v.domains & 1), "version",
	      "api %u reader %u period %u ns kprobes %u domains 0x%x",
	      v.api, v.reader, v.sample_period_ns, v.kprobes, v.domains);
	check_devices(fd, cpu, a, b);

	result(step(fd, 100000, a, NULL) == -ENODEV, "bad-cpu", "cpu 100000 -> ENODEV");
	result(step(fd, cpu, 12345, NULL) == -EINVAL, "bad-rate", "12345 kHz -> EINVAL");
	result(step(fd, cpu, 0, NULL) == -EINVAL, "zero-rate", "0 kHz -> EINVAL");
	st = (struct settle_cpu_step){ .cpu = cpu, .target_khz = a, .flags = 1 };
	result(ioctl(fd, SETTLE_IOC_CPU_STEP, &st) && errno == EINVAL, "bad-flags", "flags 1 -> EINVAL");
	result(ioctl(fd, 0xdead, 0) && errno == ENOTTY, "bad-ioctl", "unknown ioctl -> ENOTTY");
	result(ioctl(fd, SETTLE_IOC_CPU_STEP, (void *)8) && errno == EFAULT, "bad-pointer",
	      "unmapped argument -> EFAULT");
	/* Bad input must not have touched the policy. */
	snapshot(cpu, &during);
	result(same(&before, &during), "untouched", "refused steps leave %s %s..%s", during.gov,
	      during.min, during.max);

	ret = step(fd, cpu, a, &st);
	if (ret == -EALREADY)
		ret = step(fd, cpu, b, &st);
	result(!ret && st.id && st.t_exit_ns >= st.t_request_ns, "step",
	      "id %llu request->exit %llu ns cur %u (%s)", (unsigned long long)st.id,
	      (unsigned long long)(st.t_exit_ns - st.t_request_ns), st.cur_khz, strerror(-ret));
	result(step(fd, cpu, st.cur_khz, NULL) == -EALREADY, "already", "step to the current rate -> EALREADY");
	if (fd2 >= 0) {
		struct settle_version v2 = { 0 };

		result(step(fd2, cpu, a, NULL) == -EBUSY, "exclusive",
		      "a second file's step gets EBUSY while the first controls");
		result(!ioctl(fd2, SETTLE_IOC_VERSION, &v2) && v2.controlled &&
		      !ioctl(fd, SETTLE_IOC_VERSION, &v) && !v.controlled, "controlled",
		      "the version query tells the second file (%u) another controls, not the first (%u)",
		      v2.controlled, v.controlled);
		close(fd2);
	}
	{
		struct settle_step gs = { .domain = SETTLE_DOMAIN_CPU, .dev = cpu,
					  .target_khz = st.cur_khz == a ? b : a };

		ret = ioctl(fd, SETTLE_IOC_STEP, &gs) ? -errno : 0;
		result(!ret && gs.id > st.id && gs.cur_khz == gs.target_khz && gs.event_dev == cpu,
		      "step-v2", "SETTLE_IOC_STEP cpu%u -> %u kHz: id %llu cur %u (%s)", cpu,
		      gs.target_khz, (unsigned long long)gs.id, gs.cur_khz, strerror(-ret));
		gs.domain = SETTLE_DOMAINS;
		result(ioctl(fd, SETTLE_IOC_STEP, &gs) && errno == EINVAL, "bad-domain",
		      "domain %u -> EINVAL", SETTLE_DOMAINS);
		ret = step(fd, cpu, a, &st);
		if (ret == -EALREADY)
			ret = 0, st.cur_khz = a;
	}
	/*
	 * A step must stick.  cpufreq re-applies the userspace governor's
	 * setspeed on every limits update, both the one the policy save
	 * queued and any later one (a thermal cap, a user's write): a step
	 * that bypassed the governor was undone by it.  The CPU started
	 * the session at b (performance, max b), the governor's setspeed.
	 */
	usleep(100000);
	read_attr(cpu, "scaling_cur_freq", cur, sizeof(cur));
	result(strtoul(cur, NULL, 0) == st.cur_khz, "holds-update",
	      "100 ms after a step to %u kHz the CPU is at %s kHz", st.cur_khz, cur);
	snprintf(lim, sizeof(lim), "%u", a > b ? a : b);
	write_attr(cpu, "scaling_max_freq", lim);
	for (int i = 0; i < 200; i++) {
		read_attr(cpu, "scaling_max_freq", during.max, sizeof(during.max));
		if (!strcmp(during.max, lim))
			break;
		usleep(10000);
	}
	read_attr(cpu, "scaling_cur_freq", cur, sizeof(cur));
	result(st.cur_khz == a && !strcmp(during.max, lim) && strtoul(cur, NULL, 0) == a, "holds-limits",
	      "after scaling_max_freq %s (now %s) the CPU is at %s kHz, stepped to %u",
	      lim, during.max, cur, st.cur_khz);
	snapshot(cpu, &during);
	result(!strcmp(during.gov, "userspace"), "governor", "stepping under %s", during.gov);
	close(fd);
	result(settles_to(cpu, &before, &after), "restore-close", "after close: %s %s..%s (before %s %s..%s)",
	      after.gov, after.min, after.max, before.gov, before.min, before.max);

	/* A controller killed mid-campaign. */
	pid = fork();
	if (pid == 0) {
		int cfd = open(SETTLE_DEV_PATH, O_RDWR);

		for (;;) {
			step(cfd, cpu, a, NULL);
			step(cfd, cpu, b, NULL);
		}
	}
	usleep(300000);
	snapshot(cpu, &during);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	result(!strcmp(during.gov, "userspace") && settles_to(cpu, &before, &after), "restore-kill",
	      "killed controller: during %s, after %s %s..%s", during.gov, after.gov, after.min,
	      after.max);
	fd = open(SETTLE_DEV_PATH, O_RDWR);
	ret = fd >= 0 ? step(fd, cpu, a, NULL) : -errno;
	if (ret == -EALREADY)
		ret = step(fd, cpu, b, NULL);
	result(!ret, "reopen", "a new controller steps after the kill (%s)", strerror(-ret));
	if (fd >= 0)
		close(fd);
	return failures ? 1 : 0;
}
