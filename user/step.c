// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * settle step: drive a planned sequence of rate steps of one device (a CPU
 * policy, the GPU, the EMC) through /dev/settle (SETTLE_IOC_STEP) and
 * record them, settle.ko's events and the throughput probe into one trace.
 * Options, the plan and all checks are in step_plan.c; this file is the
 * part that touches the kernel.
 *
 * One thread does the stepping, the ring-buffer draining and the trace
 * writing (so the writer needs no lock), pinned to a CPU other than the
 * measured one; a CPU probe's thread is alone on the measured CPU.  The
 * probe, CPU or GPU, is driven through step_probe.h, which tests run
 * without /dev/settle.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "../kmod/uapi/settle.h"
#include "cmds.h"
#include "devices.h"
#include "recorder.h"
#include "step.h"
#include "step_probe.h"
#include "trace.h"
#include "util.h"

#define NS_PER_MS	1000000ULL
#define NS_PER_S	1000000000ULL
/* Failed steps printed one by one; the rest only counted. */
#define MAX_REPORTED_FAILURES	5

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

struct run {
	const struct step_opts *o;
	int fd;
	uint32_t dev;		/* SETTLE_IOC_STEP's: the CPU, or the device's */
	struct trace_writer *w;
	struct recorder *rec;
	struct step_prober *probe;
	bool probe_failed;	/* the GPU probe failed: stop stepping */
	uint64_t next_flush;
	uint64_t gap_mid;	/* the middle of the current gap, 0 before it */
	uint64_t start_ns;
	struct step_rng rng;
	/* progress */
	bool tty;
	uint64_t last_draw;
	unsigned int last_decile;
	/* results */
	uint32_t seq;
	size_t done;		/* plan items issued */
	uint64_t ok, failed, already, inserted;
	uint64_t failed_measured;	/* failures of measured steps */
	bool busy;		/* another file controls /dev/settle */
};

static int fd_ioctl(void *ctx, unsigned long req, void *arg)
{
	return ioctl(*(int *)ctx, req, arg);
}

/*
 * Opens /dev/settle for stepping and asks for its version and devices.
 * Opening changes nothing: only the first step makes this file the
 * controller.
 */
static int open_settle(struct settle_devs *devs)
{
	int fd = open(SETTLE_DEV_PATH, O_RDWR | O_CLOEXEC);
	char err[SETTLE_ERR_LEN];

	if (fd < 0) {
		switch (errno) {
		case ENOENT:
			p_err("%s does not exist: settle.ko is not loaded (insmod settle.ko)",
			      SETTLE_DEV_PATH);
			break;
		case EPERM:
		case EACCES:
			p_err("cannot open %s: needs root (CAP_SYS_ADMIN)", SETTLE_DEV_PATH);
			break;
		default:
			p_err("cannot open %s: %s", SETTLE_DEV_PATH, strerror(errno));
		}
		return -1;
	}
	/* API 1 (no SETTLE_IOC_STEP, no devices) is refused, not emulated. */
	if (devs_query(fd_ioctl, &fd, devs, err, sizeof(err))) {
		p_err("%s", err);
		close(fd);
		return -1;
	}
	/* Said before the probe and the recorder start, not at the first step. */
	if (devs->ver.controlled) {
		p_err("another controller holds %s (one at a time: is another settle step running?)",
		      SETTLE_DEV_PATH);
		close(fd);
		return -1;
	}
	return fd;
}

static uint32_t clamp32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/*
 * Probe bins as probe_bins events: only whole events while the probe runs,
 * so no event is split; `final` writes the tail.  A GPU probe that failed
 * ends the campaign: its data after the failure is not usable.
 */
static int write_probe_bins(struct run *r, bool final)
{
	char err[SETTLE_ERR_LEN];

	if (!r->probe)
		return 0;
	if (step_probe_write_bins(r->probe, r->w, final)) {
		p_err("%s", trace_writer_error(r->w));
		return -1;
	}
	if (!r->probe_failed && step_probe_failed(r->probe, err, sizeof(err))) {
		if (r->tty)
			fputc('\n', stderr);
		p_err("the GPU probe failed: %s; stopping the campaign", err);
		r->probe_failed = true;
	}
	return 0;
}

/*
 * Drains the ring buffer while waiting for `until`, and writes the probe
 * bins and syncs the packet in the middle of a gap (step_service_wake()),
 * as far from both requests as it can be: the writing costs the probe
 * throughput (in virtual time a flush took the probe's level to 60 % for
 * 5 ms, and moved change points that it fell next to by up to 1.8 ms).
 * Returns early on a stop request.
 */
static int service(struct run *r, uint64_t until)
{
	for (;;) {
		uint64_t now = mono_ns(), wake;
		struct timespec ts;
		bool flush;

		if (recorder_poll(r->rec, 0))
			return -1;
		wake = step_service_wake(now, until, r->next_flush, r->gap_mid,
					 RECORDER_FLUSH_INTERVAL_NS, &flush);
		if (flush) {
			if (write_probe_bins(r, false) || recorder_sync(r->rec))
				return -1;
			r->next_flush = now + RECORDER_FLUSH_INTERVAL_NS;
			continue;
		}
		if (now >= until || stop_requested || r->probe_failed)
			return 0;
		ts.tv_sec = (time_t)(wake / NS_PER_S);
		ts.tv_nsec = (long)(wake % NS_PER_S);
		/* EINTR (a signal) just ends this wait early. */
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	}
}

/* The gap after a request at t_req ends at next; flushes wait for its middle. */
static void gap_begins(struct run *r, uint64_t t_req, uint64_t next)
{
	r->gap_mid = t_req + (next - t_req) / 2;
}

static void progress(struct run *r, size_t n, const struct step_item *it, bool last)
{
	uint64_t now = mono_ns(), el = now - r->start_ns;
	double elapsed = (double)el / NS_PER_S;
	double eta = r->done ? elapsed / (double)r->done * (double)(n - r->done) : 0;
	unsigned int decile = (unsigned int)(r->done * 10 / n);

	if (r->tty) {
		if (!last && now - r->last_draw < 100 * NS_PER_MS)
			return;
		r->last_draw = now;
		fprintf(stderr, "\r\033[Ksettle step: step %zu/%zu  %u -> %u kHz  %.1f s elapsed, ETA %.1f s%s",
			r->done, n, it->from_khz, it->to_khz, elapsed, eta, last ? "\n" : "");
		return;
	}
	if (decile > r->last_decile) {
		r->last_decile = decile;
		fprintf(stderr, "settle step: %u%% (step %zu/%zu), %.1f s elapsed, ETA %.1f s\n",
			decile * 10, r->done, n, elapsed, eta);
	}
}

/*
 * One SETTLE_IOC_STEP, recorded whatever happens.  Returns the positive
 * errno (0: ok) or -1 if the trace cannot be written; *t_req gets the
 * request time to schedule the next step from.
 */
static int do_step(struct run *r, uint32_t from, uint32_t to, uint32_t flags,
		   uint64_t *t_req)
{
	struct settle_step s = { .domain = (uint32_t)r->o->domain, .dev = r->dev,
				 .target_khz = to };
	uint64_t f[TRACE_MAX_FIELDS] = { 0 };
	uint64_t before = mono_ns();
	int e = ioctl(r->fd, SETTLE_IOC_STEP, &s) ? errno : 0;

	if (e) {
		/* The kernel times nothing it refused: keep our own bracket. */
		s = (struct settle_step){ .t_request_ns = before, .t_exit_ns = mono_ns(),
					  .event_dev = r->dev };
	}
	f[ST_ID] = s.id;
	f[ST_T_REQUEST_NS] = s.t_request_ns;
	f[ST_T_EXIT_NS] = s.t_exit_ns;
	f[ST_CPU] = r->o->cpu < 0 ? 0 : (uint32_t)r->o->cpu;
	f[ST_DOMAIN] = (uint32_t)r->o->domain;
	f[ST_DEV] = s.event_dev;	/* what the kernel's events carry */
	f[ST_FROM_KHZ] = from;
	f[ST_TO_KHZ] = to;
	f[ST_CUR_KHZ] = s.cur_khz;
	f[ST_SEQ] = r->seq++;
	f[ST_FLAGS] = flags;
	f[ST_ERR] = (uint32_t)e;
	if (trace_writer_add(r->w, TEV_STEP, s.t_request_ns, f)) {
		p_err("%s", trace_writer_error(r->w));
		return -1;
	}
	*t_req = s.t_request_ns;
	if (!e) {
		r->ok++;
	} else if (e == EALREADY && (flags & TRACE_STEP_POSITION)) {
		/* Positioning found the CPU already there: that is the goal. */
		r->already++;
	} else {
		r->failed++;
		if (!(flags & (TRACE_STEP_WARMUP | TRACE_STEP_POSITION)))
			r->failed_measured++;
		if (r->failed <= MAX_REPORTED_FAILURES) {
			if (r->tty)
				fputc('\n', stderr);
			p_warn("step %u (%u -> %u kHz%s) failed: %s (errno %d); recorded in the trace%s",
			       r->seq - 1, from, to,
			       flags & TRACE_STEP_WARMUP ? ", warm-up" :
			       flags & TRACE_STEP_POSITION ? ", positioning" : "",
			       strerror(e), e, r->failed == MAX_REPORTED_FAILURES ?
			       " (further failures are only counted)" : "");
		}
	}
	return e;
}

static int write_campaign(struct run *r, const struct settle_version *v)
{
	uint64_t f[TRACE_MAX_FIELDS] = { 0 };

	f[CA_SEED] = r->o->seed;
	f[CA_CPU] = r->o->cpu < 0 ? 0 : (uint32_t)r->o->cpu;
	f[CA_DOMAIN] = (uint32_t)r->o->domain;
	f[CA_DEV] = r->dev;
	f[CA_COUNT] = clamp32(r->o->count);
	f[CA_GAP_MIN_US] = clamp32(r->o->gap_min_ms * 1000);
	f[CA_GAP_MAX_US] = clamp32(r->o->gap_max_ms * 1000);
	f[CA_READER] = v->reader;
	f[CA_SAMPLE_PERIOD_NS] = v->sample_period_ns;
	f[CA_KPROBES] = v->kprobes;
	f[CA_WARMUP] = clamp32(r->o->warmup);
	if (trace_writer_add(r->w, TEV_CAMPAIGN, mono_ns(), f)) {
		p_err("%s", trace_writer_error(r->w));
		return -1;
	}
	return 0;
}

/* Stops the probe and writes its last bins and probe_info. */
static int finish_probe(struct run *r)
{
	char err[SETTLE_ERR_LEN];
	int ret = step_probe_finish(r->probe, r->w, mono_ns(), err, sizeof(err));

	if (ret == -2) {
		p_err("%s", trace_writer_error(r->w));
		return -1;
	}
	if (ret) {
		/* Said once: write_probe_bins() may have said it already. */
		if (!r->probe_failed)
			p_err("the GPU probe failed: %s", err);
		r->probe_failed = true;
		return -1;
	}
	return 0;
}

static void print_plan(const struct step_opts *o, const struct step_plan *p,
		       const char *dev, int ctl_cpu, uint64_t est_ns)
{
	if (o->domain == TRACE_DOMAIN_CPU)
		fprintf(stderr, "settle step: cpu %d (controller on cpu %d), probe %s, rates",
			o->cpu, ctl_cpu, step_probe_name(o->probe));
	else
		fprintf(stderr, "settle step: %s device %s (controller on cpu %d), probe %s%s%.0d, rates",
			trace_domain_name((uint32_t)o->domain), dev, ctl_cpu,
			step_probe_name(o->probe), o->cpu >= 0 ? " on cpu " : "",
			o->cpu >= 0 ? o->cpu : 0);
	for (size_t i = 0; i < o->nrates; i++)
		fprintf(stderr, "%s%u", i ? ", " : " ", o->rates[i]);
	fprintf(stderr, " kHz\nsettle step: plan: %zu ordered pairs x %" PRIu64 " = %zu measured steps"
		" + %zu warm-up + %zu positioning = %zu steps; ",
		p->npairs, o->count, p->nmeasured, p->nwarmup, p->nposition, p->n);
	if (o->random_gap)
		fprintf(stderr, "gap uniform in [%" PRIu64 ", %" PRIu64 "] ms (seed %" PRIu64 ")",
			o->gap_min_ms, o->gap_max_ms, o->seed);
	else
		fprintf(stderr, "gap %" PRIu64 " ms", o->gap_min_ms);
	fprintf(stderr, "; estimated %.1f s\n", (double)est_ns / NS_PER_S);
}

static uint64_t default_seed(void)
{
	uint64_t s;

	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) == (ssize_t)sizeof(s))
		return s;
	return mono_ns() ^ ((uint64_t)getpid() << 32);
}

/* The measured CPU's probe must not share its CPU with us. */
static int pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		p_err("cannot pin the controller to cpu %d: %s", cpu, strerror(errno));
		return -1;
	}
	return 0;
}

/* The probe's configuration, but for its capacity. */
static struct step_probe_config probe_config(const struct step_opts *o)
{
	return (struct step_probe_config){
		.probe = o->probe, .cpu = o->cpu, .gpu = 0,
		.bin_ns = (uint32_t)(o->bin_us * 1000), .capacity_ns = 1,
		.want_fifo = true,
	};
}

/* Runs the plan; returns -1 only if the trace could not be written. */
static int run_plan(struct run *r, const struct step_plan *p, uint64_t cap_ns)
{
	/* The first step waits one gap so the probe's baseline exists. */
	uint64_t next = mono_ns() + step_gap_ns(r->o, &r->rng);
	bool off_plan = false;

	for (size_t i = 0; i < p->n && !stop_requested && !r->probe_failed; i++) {
		const struct step_item *it = &p->steps[i];
		uint64_t t_req;
		int e;

		if (service(r, next))
			return -1;
		if (stop_requested || r->probe_failed)
			break;
		if (mono_ns() - r->start_ns > cap_ns)
			return 1;
		/*
		 * A failed step leaves the CPU off the plan: put it back on
		 * the pair's start rate so the measured pair is the planned one.
		 */
		if (off_plan && it->from_khz) {
			e = do_step(r, 0, it->from_khz, TRACE_STEP_POSITION, &t_req);
			if (e < 0)
				return -1;
			if (e == EBUSY) {
				p_err("another controller holds %s (one at a time: is another settle step running?)",
				      SETTLE_DEV_PATH);
				r->busy = true;
				return 0;
			}
			r->inserted++;
			next = t_req + step_gap_ns(r->o, &r->rng);
			gap_begins(r, t_req, next);
			if (service(r, next))
				return -1;
			if (stop_requested || r->probe_failed)
				break;
		}
		e = do_step(r, it->from_khz, it->to_khz, it->flags, &t_req);
		if (e < 0)
			return -1;
		/*
		 * Control passes to the first file that steps: another
		 * campaign got there first, and every further step would be
		 * refused as well.
		 */
		if (e == EBUSY) {
			p_err("another controller holds %s (one at a time: is another settle step running?)",
			      SETTLE_DEV_PATH);
			r->busy = true;
			return 0;
		}
		/* EALREADY: already at the target, so still on the plan. */
		off_plan = e && e != EALREADY;
		r->done = i + 1;
		next = t_req + step_gap_ns(r->o, &r->rng);
		gap_begins(r, t_req, next);
		progress(r, p->n, it, r->done == p->n);
	}
	/* The last step's effects (sampler, probe) need their gap too. */
	if (!stop_requested && !r->probe_failed && r->done == p->n && service(r, next))
		return -1;
	return 0;
}

int cmd_step(int argc, char **argv)
{
	struct step_opts o;
	struct step_plan plan = { 0 };
	struct settle_devs devs = { 0 };
	const struct settle_device_info *dev = NULL;
	struct run r = { .fd = -1 };
	struct trace_meta meta;
	struct sigaction sa = { .sa_handler = on_signal };
	struct utsname uts;
	sigset_t sigs;
	char err[2048];
	uint32_t cur_khz;
	uint64_t est_ns, cap_ns;
	int ctl_cpu, ret, rc = 1, stopped = 0;

	ret = step_parse_args(argc, argv, &o);
	if (ret)
		return ret > 0 ? 0 : 1;
	if (!o.seed_set)
		o.seed = default_seed();
	r.o = &o;
	r.dev = o.cpu < 0 ? 0 : (uint32_t)o.cpu;
	/*
	 * Everything is checked before the first step: only that makes
	 * /dev/settle change anything.  Opening it answers the device list.
	 * A GPU probe that cannot run here is said first, before anything
	 * else is looked at ("no GPU probe: <reason>").
	 */
	if (!o.no_probe) {
		struct step_probe_config pc = probe_config(&o);

		if (step_probe_check(&pc, err, sizeof(err))) {
			p_err("%s", err);
			return 1;
		}
	}
	if (step_check_system("/sys", &o, &ctl_cpu, &cur_khz, err, sizeof(err))) {
		p_err("%s", err);
		return 1;
	}
	if (trace_output_check(o.out, o.force, err, sizeof(err))) {
		p_err("%s", err);
		return 1;
	}
	r.fd = open_settle(&devs);
	if (r.fd < 0)
		goto out;
	if (o.domain != TRACE_DOMAIN_CPU) {
		if (step_check_device(&devs, &o, &dev, &cur_khz, err, sizeof(err))) {
			p_err("%s", err);
			goto out;
		}
		r.dev = dev->dev;
	}
	if (step_plan_build(o.rates, o.nrates, o.count, o.warmup, cur_khz, &plan,
			    err, sizeof(err))) {
		p_err("%s", err);
		goto out;
	}
	est_ns = step_plan_estimate_ns(&plan, &o);
	cap_ns = o.duration_cap_s * NS_PER_S;
	if (est_ns > cap_ns) {
		p_err("the plan (%zu steps) takes an estimated %.1f s, more than --duration-cap %" PRIu64
		      " s: lower --count or the gap, or raise --duration-cap",
		      plan.n, (double)est_ns / NS_PER_S, o.duration_cap_s);
		goto out;
	}
	print_plan(&o, &plan, dev ? dev->name : NULL, ctl_cpu, est_ns);

	/* Every domain: what the stepped device's transitions cause elsewhere
	 * (an EMC change inside a CPU transition) is part of the answer. */
	r.rec = recorder_open(true, o.verbose, NULL);
	if (!r.rec || pin_self(ctl_cpu))
		goto out;
	if (uname(&uts)) {
		p_err("uname() failed: %s", strerror(errno));
		goto out;
	}
	meta = (struct trace_meta){
		.hostname = uts.nodename, .kernel_release = uts.release,
		.machine = uts.machine, .settle_version = SETTLE_VERSION,
		.source = recorder_source(r.rec),
		.skips_counted = recorder_counts_skips(r.rec),
	};
	r.w = trace_writer_open(o.out, &meta, o.force, err, sizeof(err));
	if (!r.w) {
		p_err("%s", err);
		goto out;
	}
	if (write_campaign(&r, &devs.ver))
		goto out;
	if (devs_write_trace(r.w, &devs, mono_ns())) {
		p_err("%s", trace_writer_error(r.w));
		goto out;
	}

	/*
	 * Signals go to this thread only: the probe thread inherits the
	 * blocked mask, so a SIGINT always cuts our sleep short.
	 */
	sigemptyset(&sa.sa_mask);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL) ||
	    pthread_sigmask(SIG_BLOCK, &sigs, NULL)) {
		p_err("installing signal handlers failed: %s", strerror(errno));
		goto out;
	}
	if (recorder_attach(r.rec, r.w))
		goto out;
	fprintf(stderr, "settle step: attached to %s; writing '%s'\n",
		recorder_events(r.rec), o.out);
	if (!o.no_probe) {
		struct step_probe_config pc = probe_config(&o);

		/* Startup, slow steps and the final drain fit the margin. */
		pc.capacity_ns = est_ns + est_ns / 10 + 5 * NS_PER_S;
		if (step_probe_start(&pc, &r.probe, err, sizeof(err))) {
			if (step_probe_is_gpu(o.probe))
				p_err("starting the GPU probe (%s) failed: %s (--no-probe runs without it)",
				      step_probe_name(o.probe), err);
			else
				p_err("starting the probe on cpu %d failed: %s (--no-probe runs without it)",
				      o.cpu, err);
			r.probe = NULL;
			goto out;
		}
		if (step_probe_is_gpu(o.probe))
			fprintf(stderr, "settle step: GPU probe (%s) running; clock alignment +-%"
				PRIu64 " ns incl. one %%globaltimer step\n", step_probe_name(o.probe),
				step_probe_time_bound_ns(r.probe));
	}
	pthread_sigmask(SIG_UNBLOCK, &sigs, NULL);

	r.tty = isatty(STDERR_FILENO);
	r.start_ns = mono_ns();
	r.next_flush = r.start_ns + RECORDER_FLUSH_INTERVAL_NS;
	step_rng_seed(&r.rng, o.seed);
	stopped = run_plan(&r, &plan, cap_ns);
	if (stopped < 0)
		goto out;
	if (r.tty && r.done != plan.n)
		fputc('\n', stderr);
	/*
	 * Only a measured step that failed fails the campaign: warm-up and
	 * positioning steps are not measured, and the step after a failed
	 * one is positioned again.  Both kinds are said below.
	 */
	rc = stopped || stop_requested || r.failed_measured || r.busy || r.probe_failed ? 1 : 0;

out:
	if (r.probe) {
		if (r.w ? finish_probe(&r) :
		    step_probe_finish(r.probe, NULL, 0, err, sizeof(err)))
			rc = 1;
	}
	/* Closing restores the policy; the drain below records it. */
	if (r.fd >= 0)
		close(r.fd);
	if (r.rec && r.w && recorder_finish(r.rec))
		rc = 1;
	if (r.w) {
		const struct recorder_stats *st = recorder_stats(r.rec);

		if (trace_writer_close(r.w))
			rc = 1;
		if (stop_requested)
			p_err("interrupted after %zu of %zu steps", r.done, plan.n);
		else if (stopped > 0)
			p_err("--duration-cap %" PRIu64 " s reached after %zu of %zu steps",
			      o.duration_cap_s, r.done, plan.n);
		char probe_txt[320] = "off";

		if (r.probe)
			step_probe_summary(r.probe, probe_txt, sizeof(probe_txt));
		else if (!o.no_probe)
			snprintf(probe_txt, sizeof(probe_txt), "did not start");
		fprintf(stderr, "settle step: %zu of %zu planned steps done: %" PRIu64 " ok, %" PRIu64
			" failed%s; %" PRIu64 " positioning steps inserted after failures, %" PRIu64
			" found the CPU already at the rate.  Recorder: %" PRIu64 " records, %" PRIu64
			" lost.  Probe: %s.  Trace: '%s'%s.\n",
			r.done, plan.n, r.ok, r.failed,
			r.failed ? " (errno in the trace's step events)" : "",
			r.inserted, r.already, st->records, st->lost, probe_txt, o.out,
			rc ? " (see errors above)" : "");
		if (r.failed_measured)
			p_err("%" PRIu64 " measured steps failed (warnings above; errno in the trace): exit status 1",
			      r.failed_measured);
		else if (r.failed)
			p_warn("%" PRIu64 " warm-up or positioning steps failed and were not measured; the campaign itself is complete",
			       r.failed);
		fprintf(stderr, "Next: settle report %s\n", o.out);
	}
	step_probe_free(r.probe);
	recorder_free(r.rec);
	step_plan_free(&plan);
	devs_free(&devs);
	return rc;
}
