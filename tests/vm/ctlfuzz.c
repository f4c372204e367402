// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile input for /dev/settle: random ioctl numbers (settle's own magic
 * with every direction, number and size, the real commands with wrong
 * sizes or direction bits, and other magics), random payloads, bad
 * pointers (NULL, kernel addresses, unmapped and read-only pages, a
 * structure straddling the end of a mapping), SETTLE_IOC_STEP and
 * SETTLE_IOC_DEVICE with random domains, devices and rates (real table
 * entries too, so steps happen), and open/close/step races between
 * processes sharing one file and each opening their own.  Then access
 * without privilege: a uid that is not root, and root without
 * CAP_SYS_ADMIN, which must get EPERM from settle itself.
 *
 * Each call's result is checked where the answer is known (settle's magic
 * with a number or size it does not define: ENOTTY; a bad pointer: EFAULT;
 * a bad domain or flags: EINVAL).  Whether the policies come back and the
 * kernel stayed healthy is the calling script's part (t-ctlfuzz.sh).
 *
 * usage: ctlfuzz SEED CALLS_PER_PROCESS PROCESSES
 * Speaks the guest result protocol of tests/vm/guest/lib.sh.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../kmod/uapi/settle.h"

#define MAX_PROCS	16
#define MAX_FDS		4
#define PAGE		4096

#define RESULT_PREFIX "ctlfuzz-"
#include "guest_result.h"

/* xorshift64*: the same seed gives the same calls in every process order. */
static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

static uint32_t below(uint32_t n)
{
	return n ? rnd() % n : 0;
}

/* What the parent learnt from SETTLE_IOC_DEVICE: real devices and rates. */
struct dev {
	uint32_t domain, dev, nrates;
	uint32_t rates[SETTLE_MAX_RATES];
};
static struct dev devs[32];
static unsigned int ndevs;

static void list_devices(int fd)
{
	struct settle_device_info info;

	for (uint32_t dom = 0; dom < SETTLE_DOMAINS; dom++)
		for (uint32_t i = 0; ndevs < 32; i++) {
			memset(&info, 0, sizeof(info));
			info.domain = dom;
			info.index = i;
			if (ioctl(fd, SETTLE_IOC_DEVICE, &info))
				break;
			devs[ndevs].domain = dom;
			devs[ndevs].dev = info.dev;
			devs[ndevs].nrates = info.nrates;
			memcpy(devs[ndevs].rates, info.rates_khz, sizeof(info.rates_khz));
			ndevs++;
		}
}

/* Memory to point at: a writable page, a read-only one, one not mapped. */
static unsigned char *rw_page, *ro_page, *none_page;

static void map_pages(void)
{
	unsigned char *m = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	rw_page = m;
	ro_page = m + PAGE;
	none_page = m + 2 * PAGE;
	memset(ro_page, 0xa5, PAGE);
	mprotect(ro_page, PAGE, PROT_READ);
	mprotect(none_page, PAGE, PROT_NONE);
}

enum ptr_kind { P_GOOD, P_NULL, P_KERNEL, P_NONE, P_STRADDLE, P_RO, P_KINDS };

/* An argument of @size bytes; *kind says what it is. */
static void *pick_ptr(size_t size, enum ptr_kind *kind)
{
	static const uintptr_t kernel[] = {
		(uintptr_t)-PAGE, (uintptr_t)0xffff800008000000ULL,
		(uintptr_t)0xffffffff81000000ULL, (uintptr_t)0x8000000000000000ULL,
	};
	uint32_t r = below(100);

	/* Mostly good pointers: the payload is what gets fuzzed. */
	*kind = r < 60 ? P_GOOD : (enum ptr_kind)(1 + below(P_KINDS - 1));
	switch (*kind) {
	case P_GOOD:
		for (size_t i = 0; i < PAGE; i += 8) {
			uint64_t v = rnd();

			memcpy(rw_page + i, &v, 8);
		}
		return rw_page + below(PAGE - (size < PAGE ? size : PAGE) + 1);
	case P_NULL:
		return NULL;
	case P_KERNEL:
		return (void *)kernel[below(4)];
	case P_NONE:
		return none_page + below(PAGE);
	case P_STRADDLE:
		/* Starts readable, runs into the unmapped page. */
		return ro_page + PAGE - 1 - below(size > 1 ? size - 1 : 1);
	case P_RO:
	default:
		return ro_page;
	}
}

static const unsigned int real_cmds[] = {
	SETTLE_IOC_VERSION, SETTLE_IOC_CPU_STEP, SETTLE_IOC_STEP, SETTLE_IOC_DEVICE,
	SETTLE_IOC_EVENT_SEQ,
};
#define N_REAL_CMDS (sizeof(real_cmds) / sizeof(real_cmds[0]))

static size_t real_size(unsigned int cmd)
{
	return _IOC_SIZE(cmd);
}

static int is_real(unsigned int cmd)
{
	for (unsigned int i = 0; i < N_REAL_CMDS; i++)
		if (cmd == real_cmds[i])
			return 1;
	return 0;
}

struct stats {
	uint64_t calls, opens, closes, killed, steps_ok, enotty, efault, einval;
	uint64_t unexpected;
};

static void unexpected(struct stats *s, const char *what, unsigned int cmd, int err)
{
	if (s->unexpected++ < 10)
		printf("ctlfuzz[%d]: unexpected: %s cmd 0x%08x -> %s\n", getpid(), what, cmd,
		       err ? strerror(err) : "success");
}

/* A random command: mostly settle's magic, a real one mangled, or another magic. */
static unsigned int pick_cmd(void)
{
	unsigned int cmd, r = below(100);

	if (r < 30)
		return real_cmds[below(N_REAL_CMDS)];
	if (r < 60) {
		/* A real one with its size or direction bits changed. */
		cmd = real_cmds[below(N_REAL_CMDS)];
		if (below(2))
			return _IOC(_IOC_DIR(cmd), _IOC_TYPE(cmd), _IOC_NR(cmd),
				    below(2) ? below(1 << _IOC_SIZEBITS) : _IOC_SIZE(cmd) + 1 + below(8));
		return _IOC(below(4), _IOC_TYPE(cmd), _IOC_NR(cmd), _IOC_SIZE(cmd));
	}
	if (r < 85)
		return _IOC(below(4), SETTLE_IOC_MAGIC, below(256), below(1 << _IOC_SIZEBITS));
	/*
	 * Another magic.  The VFS answers a few itself before the driver
	 * sees them: FIFREEZE/FITHAW ('X') would freeze devtmpfs, and 'T'
	 * (FIONBIO, FIOASYNC...) and 'f' (FS_IOC_*) are its business.
	 */
	do
		cmd = (unsigned int)rnd();
	while (_IOC_TYPE(cmd) == 'X' || _IOC_TYPE(cmd) == 'T' || _IOC_TYPE(cmd) == 'f' ||
	       _IOC_TYPE(cmd) == 0 || is_real(cmd));
	return cmd;
}

static void fill_step(struct settle_step *st)
{
	uint32_t r = below(100);

	memset(st, 0, sizeof(*st));
	if (r < 50 && ndevs) {
		/* A real device and, mostly, a rate of its table. */
		struct dev *d = &devs[below(ndevs)];

		st->domain = d->domain;
		st->dev = below(4) ? d->dev : d->dev + below(3);
		st->target_khz = d->nrates && below(4) ? d->rates[below(d->nrates)] : (uint32_t)rnd();
	} else {
		st->domain = below(2) ? below(SETTLE_DOMAINS + 2) : (uint32_t)rnd();
		st->dev = below(2) ? below(8) : (uint32_t)rnd();
		st->target_khz = (uint32_t)rnd();
	}
	st->flags = below(10) ? 0 : (uint32_t)rnd();
	st->cur_khz = (uint32_t)rnd();
	st->id = rnd();
}

static void do_ioctl(int fd, struct stats *s, int no_steps)
{
	union {
		struct settle_step st;
		struct settle_cpu_step cst;
		struct settle_device_info info;
	} u;
	unsigned int cmd;
	size_t size;
	enum ptr_kind kind;
	void *p;
	int ret, err;

	do
		cmd = pick_cmd();
	while (no_steps && (cmd == SETTLE_IOC_STEP || cmd == SETTLE_IOC_CPU_STEP));
	size = is_real(cmd) ? real_size(cmd) : _IOC_SIZE(cmd);
	p = pick_ptr(size, &kind);

	/* Real commands with a good pointer get a plausible payload. */
	if (kind == P_GOOD && is_real(cmd) && below(4)) {
		memset(&u, 0, sizeof(u));
		if (cmd == SETTLE_IOC_STEP) {
			fill_step(&u.st);
		} else if (cmd == SETTLE_IOC_CPU_STEP) {
			fill_step(&u.st);
			u.cst.cpu = u.st.dev;
			u.cst.target_khz = u.st.target_khz;
			u.cst.flags = u.st.flags;
		} else if (cmd == SETTLE_IOC_DEVICE) {
			u.info.domain = below(2) ? below(SETTLE_DOMAINS + 1) : (uint32_t)rnd();
			u.info.index = below(2) ? below(8) : (uint32_t)rnd();
		}
		p = rw_page + 8 * below(8);
		memcpy(p, &u, size);
	}
	ret = ioctl(fd, cmd, p);
	err = ret ? errno : 0;
	s->calls++;
	s->enotty += err == ENOTTY;
	s->efault += err == EFAULT;
	s->einval += err == EINVAL;
	if (!ret && (cmd == SETTLE_IOC_STEP || cmd == SETTLE_IOC_CPU_STEP))
		s->steps_ok++;

	/* The answers that are known. */
	if (_IOC_TYPE(cmd) == SETTLE_IOC_MAGIC && !is_real(cmd)) {
		if (err != ENOTTY)
			unexpected(s, "undefined settle command", cmd, err);
	} else if (is_real(cmd) && (kind == P_NULL || kind == P_KERNEL || kind == P_NONE ||
				    kind == P_STRADDLE)) {
		if (err != EFAULT)
			unexpected(s, "bad pointer", cmd, err);
	} else if (is_real(cmd) && kind == P_RO && cmd != SETTLE_IOC_STEP &&
		   cmd != SETTLE_IOC_CPU_STEP) {
		/* Queries write back to a read-only page: EFAULT, or EINVAL/ENOENT first. */
		if (!err)
			unexpected(s, "query into a read-only page", cmd, err);
	} else if (kind == P_GOOD && (cmd == SETTLE_IOC_STEP || cmd == SETTLE_IOC_CPU_STEP)) {
		struct settle_step *st = (struct settle_step *)p;
		uint32_t dom = cmd == SETTLE_IOC_STEP ? st->domain : SETTLE_DOMAIN_CPU;
		uint32_t flags = cmd == SETTLE_IOC_STEP ? st->flags : ((struct settle_cpu_step *)p)->flags;

		if ((dom >= SETTLE_DOMAINS || flags) && err != EINVAL)
			unexpected(s, "bad domain or flags", cmd, err);
	}
}

/* One process's share of the calls, on the shared file and its own. */
static void child(int shared, uint64_t seed, unsigned long calls, int fdout)
{
	struct stats s = { 0 };
	int fds[MAX_FDS];
	unsigned int nfds = 0;

	rng = seed;
	for (unsigned long i = 0; i < calls; i++) {
		uint32_t r = below(100);

		if (r < 8 && nfds < MAX_FDS) {
			static const int modes[] = { O_RDONLY, O_WRONLY, O_RDWR, O_RDWR | O_NONBLOCK };
			int fd = open(SETTLE_DEV_PATH, modes[below(4)] | O_CLOEXEC);

			s.opens++;
			if (fd >= 0)
				fds[nfds++] = fd;
			else
				unexpected(&s, "open as root", 0, errno);
		} else if (r < 14 && nfds) {
			unsigned int k = below(nfds);

			/* Closing a controller's file restores its devices. */
			close(fds[k]);
			fds[k] = fds[--nfds];
			s.closes++;
		} else if (r < 18) {
			/* A grandchild that steps and dies without closing. */
			pid_t pid = fork();

			if (pid == 0) {
				int fd = open(SETTLE_DEV_PATH, O_RDWR);

				for (int j = 0; fd >= 0 && j < 4; j++)
					do_ioctl(fd, &s, 0);
				_exit(0);
			}
			if (pid > 0 && below(2)) {
				kill(pid, SIGKILL);
				s.killed++;
			}
			if (pid > 0)
				waitpid(pid, NULL, 0);
		} else {
			/*
			 * The shared file (every process's) gets a tenth of the
			 * calls and no steps: a step would make it the
			 * controller until the end, and ownership should move.
			 */
			int fd = nfds && below(10) ? fds[below(nfds)] : shared;

			do_ioctl(fd, &s, fd == shared);
		}
	}
	while (nfds)
		close(fds[--nfds]);
	if (write(fdout, &s, sizeof(s)) != sizeof(s))
		_exit(3);
	_exit(0);
}

/* Without privilege: another uid, and root without CAP_SYS_ADMIN. */
static int unprivileged(int drop_uid)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		int fd;

		if (drop_uid) {
			if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
				_exit(10);
		} else {
			struct __user_cap_header_struct h = {
				.version = _LINUX_CAPABILITY_VERSION_3,
			};
			struct __user_cap_data_struct d[2];

			if (syscall(SYS_capget, &h, d))
				_exit(11);
			d[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
			d[CAP_TO_INDEX(CAP_SYS_ADMIN)].permitted &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
			if (syscall(SYS_capset, &h, d))
				_exit(12);
		}
		fd = open(SETTLE_DEV_PATH, O_RDWR);
		if (fd >= 0)
			_exit(20);
		/* Another uid stops at the file's mode (0600): EACCES. */
		if (drop_uid)
			_exit(errno == EACCES || errno == EPERM ? 0 : 21);
		_exit(errno == EPERM ? 0 : 22);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
	struct stats tot = { 0 }, s;
	uint64_t seed;
	unsigned long calls;
	int nproc, shared, pipefd[2], rc;
	pid_t pids[MAX_PROCS];

	if (argc != 4) {
		fprintf(stderr, "usage: ctlfuzz SEED CALLS_PER_PROCESS PROCESSES\n");
		return 2;
	}
	seed = strtoull(argv[1], NULL, 0);
	calls = strtoul(argv[2], NULL, 0);
	nproc = atoi(argv[3]);
	if (nproc < 1 || nproc > MAX_PROCS) {
		fprintf(stderr, "ctlfuzz: 1..%d processes\n", MAX_PROCS);
		return 2;
	}
	printf("ctlfuzz: seed %" PRIu64 ", %lu calls in each of %d processes\n", seed, calls,
	       nproc);
	fflush(stdout);
	map_pages();

	rc = unprivileged(1);
	result(rc == 0, "eperm-uid", "uid 65534 opening /dev/settle: %s (check status %d)",
	       rc == 0 ? "refused" : "NOT refused", rc);
	rc = unprivileged(0);
	result(rc == 0, "eperm-cap", "root without CAP_SYS_ADMIN opening /dev/settle: %s (check status %d)",
	       rc == 0 ? "EPERM" : "not EPERM", rc);

	shared = open(SETTLE_DEV_PATH, O_RDWR);
	if (shared < 0) {
		result(0, "open", "%s: %s", SETTLE_DEV_PATH, strerror(errno));
		return 1;
	}
	list_devices(shared);
	printf("ctlfuzz: %u devices to aim at\n", ndevs);
	if (pipe(pipefd)) {
		perror("pipe");
		return 1;
	}
	for (int i = 0; i < nproc; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			close(pipefd[0]);
			child(shared, seed * 1000003ULL + i + 1, calls, pipefd[1]);
		}
		if (pids[i] < 0) {
			perror("fork");
			return 1;
		}
	}
	close(pipefd[1]);
	for (int i = 0; i < nproc; i++) {
		int status;

		waitpid(pids[i], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			result(0, "child", "process %d ended with status 0x%x", i, status);
			continue;
		}
	}
	while (read(pipefd[0], &s, sizeof(s)) == sizeof(s)) {
		tot.calls += s.calls;
		tot.opens += s.opens;
		tot.closes += s.closes;
		tot.killed += s.killed;
		tot.steps_ok += s.steps_ok;
		tot.enotty += s.enotty;
		tot.efault += s.efault;
		tot.einval += s.einval;
		tot.unexpected += s.unexpected;
	}
	close(shared);
	printf("ctlfuzz: %" PRIu64 " ioctl calls, %" PRIu64 " opens, %" PRIu64 " closes, %" PRIu64
	       " controllers killed; %" PRIu64 " steps succeeded; ENOTTY %" PRIu64 ", EFAULT %" PRIu64
	       ", EINVAL %" PRIu64 "\n", tot.calls, tot.opens, tot.closes, tot.killed, tot.steps_ok,
	       tot.enotty, tot.efault, tot.einval);
	result(tot.unexpected == 0 && tot.calls > 0 && tot.steps_ok > 0, "calls",
	       "seed %" PRIu64 ": %" PRIu64 " calls, %" PRIu64 " steps done, %" PRIu64
	       " answers not as expected", seed, tot.calls, tot.steps_ok, tot.unexpected);
	return failures ? 1 : 0;
}
