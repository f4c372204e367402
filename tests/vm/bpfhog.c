// SPDX-License-Identifier: GPL-2.0
/*
 * Keep a BPF program running on this CPU most of the time, so that the
 * kernel's BPF recursion guard (bpf_prog_active) skips the tracepoint
 * programs of anything that fires here from an interrupt meanwhile: the
 * situation of someone's kprobe tool running beside `settle record`.
 *
 * The program is INSNS additions (no loop, so every kernel since 5.2
 * verifies it) on syscalls:sys_enter_getppid of this process only, and the
 * process calls getppid() until SECONDS have passed.  Plain syscalls rather
 * than libbpf, so it builds static for the guest like ctltest.
 *
 * usage: bpfhog SECONDS [INSNS]   (INSNS: 1000..900000, default 200000)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static const char *const id_paths[] = {
	"/sys/kernel/tracing/events/syscalls/sys_enter_getppid/id",
	"/sys/kernel/debug/tracing/events/syscalls/sys_enter_getppid/id",
};

static int fail(const char *what)
{
	fprintf(stderr, "bpfhog: %s: %s\n", what, strerror(errno));
	return 1;
}

static int parse(const char *s, long lo, long hi, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return errno || end == s || *end || *out < lo || *out > hi ? -1 : 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static char log[4096];
	struct perf_event_attr pa;
	union bpf_attr a;
	struct bpf_insn *insn;
	long seconds, n = 200000, id = -1, calls = 0;
	double end;
	int prog, ev;
	FILE *f;

	if (argc < 2 || argc > 3 || parse(argv[1], 1, 3600, &seconds) ||
	    (argc == 3 && parse(argv[2], 1000, 900000, &n))) {
		fprintf(stderr, "usage: bpfhog SECONDS(1..3600) [INSNS(1000..900000)]\n");
		return 2;
	}
	for (size_t i = 0; i < sizeof(id_paths) / sizeof(id_paths[0]) && id < 0; i++) {
		f = fopen(id_paths[i], "r");
		if (f && fscanf(f, "%ld", &id) != 1)
			id = -1;
		if (f)
			fclose(f);
	}
	if (id < 0) {
		fprintf(stderr, "bpfhog: no syscalls:sys_enter_getppid tracepoint (CONFIG_FTRACE_SYSCALLS?)\n");
		return 1;
	}

	/* Before 5.11 BPF memory counts against RLIMIT_MEMLOCK (EPERM). */
	setrlimit(RLIMIT_MEMLOCK, &(struct rlimit){ RLIM_INFINITY, RLIM_INFINITY });

	insn = calloc(n + 2, sizeof(*insn));
	if (!insn)
		return fail("calloc");
	insn[0] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 };
	for (long i = 1; i <= n; i++)
		insn[i] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_ADD | BPF_K,
					     .dst_reg = BPF_REG_0, .imm = 1 };
	insn[n + 1] = (struct bpf_insn){ .code = BPF_JMP | BPF_EXIT };

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_TRACEPOINT;
	a.insns = (unsigned long)insn;
	a.insn_cnt = n + 2;
	a.license = (unsigned long)"GPL";
	prog = syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof(a));
	if (prog < 0) {
		int err = errno;

		/* Again with the verifier's log, which says why. */
		a.log_buf = (unsigned long)log;
		a.log_size = sizeof(log);
		a.log_level = 1;
		syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof(a));
		fprintf(stderr, "bpfhog: BPF_PROG_LOAD of %ld instructions failed: %s\n%s\n",
			n + 2, strerror(err), log);
		return 1;
	}

	memset(&pa, 0, sizeof(pa));
	pa.type = PERF_TYPE_TRACEPOINT;
	pa.size = sizeof(pa);
	pa.config = id;
	pa.sample_period = 1;
	pa.disabled = 1;
	ev = syscall(SYS_perf_event_open, &pa, 0, -1, -1, 0);
	if (ev < 0)
		return fail("perf_event_open(syscalls:sys_enter_getppid)");
	if (ioctl(ev, PERF_EVENT_IOC_SET_BPF, prog) || ioctl(ev, PERF_EVENT_IOC_ENABLE, 0))
		return fail("attaching the program");

	printf("bpfhog: attached, %ld instructions per getppid()\n", n + 2);
	fflush(stdout);
	for (end = now_s() + seconds; now_s() < end; calls++)
		syscall(SYS_getppid);
	printf("bpfhog: %ld calls in %ld s\n", calls, seconds);
	return 0;
}
