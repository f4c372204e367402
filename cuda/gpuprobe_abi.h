/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The contract between the GPU probe kernels (cuda/probe.cu), the host side
 * (user/gpuprobe.c) and the test driver library (tests/cuda/): the layout of
 * the control block and the sample ring, both in pinned host memory that the
 * kernel reaches through its mapped device address.  Plain C, fixed-width
 * fields, no padding holes, so nvcc and gcc agree on it.
 */
#ifndef SETTLE_GPUPROBE_ABI_H
#define SETTLE_GPUPROBE_ABI_H

#include <stdint.h>

#define GP_ABI_VERSION		1

#define GP_KERNEL_COMPUTE	"settle_gp_compute"
#define GP_KERNEL_MEMORY	"settle_gp_memory"

/*
 * ctl.cmd, written by the host only, in this order (EXIT may come at any
 * time).  Block 0 measures the %globaltimer granularity, answers pings in
 * ALIGN0, samples in RUN, answers pings again in ALIGN1 (drift check) and
 * returns at EXIT.  Other blocks wait out ALIGN0 and work during RUN.
 */
enum gp_cmd {
	GP_CMD_ALIGN0 = 1,
	GP_CMD_RUN = 2,
	GP_CMD_ALIGN1 = 3,
	GP_CMD_EXIT = 4,
};

/* ctl.state, written by block 0 thread 0. */
enum gp_state {
	GP_STATE_IDLE = 0,
	GP_STATE_ALIGN = 1,	/* granularity measured, answering pings */
	GP_STATE_RUN = 2,
	GP_STATE_DONE = 3,	/* about to return (EXIT or deadline) */
	GP_STATE_DEADLINE = 4,	/* returned on its own max_ns deadline */
};

/*
 * One sample, written by block 0 thread 0 after each of its work units.
 * seq is written last, after a system-scope fence: the host trusts the
 * other fields once it sees seq == its read index + 1.
 */
struct gp_rec {
	uint64_t gt;		/* %globaltimer, ns */
	uint64_t clk;		/* clock64 of the writing SM */
	uint64_t units;		/* work units done by the whole grid so far */
	uint32_t smid;		/* SM that wrote it */
	uint32_t seq;		/* record index + 1 (low 32 bits) */
};

struct gp_ctl {
	uint32_t cmd;		/* host -> device: enum gp_cmd */
	uint32_t state;		/* device -> host: enum gp_state */
	uint32_t ping;		/* host -> device: sequence to echo */
	uint32_t pong;		/* device -> host: last ping echoed */
	uint64_t pong_gt;	/* device -> host: %globaltimer at the echo */
	uint64_t tail;		/* host -> device: records consumed */
	uint64_t dropped;	/* device -> host: records skipped, ring full */
	uint64_t gt_step_min;	/* device -> host: %globaltimer granularity */
	uint64_t gt_step_max;
	uint64_t gt_changes;	/* updates seen while measuring */
	uint64_t gt_span;	/* first to last update, ns */
	uint64_t abi;		/* device -> host: GP_ABI_VERSION */
};

/* The one kernel argument, passed by value. */
struct gp_params {
	uint64_t ctl;		/* device address of struct gp_ctl */
	uint64_t ring;		/* device address of struct gp_rec[ring_cap] */
	uint64_t units;		/* device address of a zeroed uint64_t */
	uint64_t buf;		/* memory kind: device buffer of 16-byte words */
	uint64_t buf_words;	/* its size in 16-byte words */
	uint64_t max_ns;	/* the kernel returns on its own after this */
	uint32_t ring_cap;	/* power of two */
	uint32_t iters;		/* work per unit: chain steps or loads/thread */
};

/* Both compilers must agree on these; a change here is an ABI change. */
#ifdef __cplusplus
#define GP_ASSERT static_assert
#else
#define GP_ASSERT _Static_assert
#endif
GP_ASSERT(sizeof(struct gp_rec) == 32, "gp_rec layout");
GP_ASSERT(sizeof(struct gp_ctl) == 80, "gp_ctl layout");
GP_ASSERT(sizeof(struct gp_params) == 56, "gp_params layout");

#endif /* SETTLE_GPUPROBE_ABI_H */
