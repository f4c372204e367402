# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The one list of user/ sources, included by user/Makefile and
# tests/unit/Makefile so the two cannot drift.
#
# LIB_SRCS: logic with no BPF dependency; tests/unit links exactly these.
# APP_SRCS: the command front ends and the BPF recorder (need the skeleton).
LIB_SRCS := util.c json_writer.c tpformat.c trace_format.c trace_writer.c \
	trace_reader.c analyze.c report.c probe.c changepoint.c step_plan.c \
	wstall.c export.c perfetto.c pbwriter.c plot.c \
	insight.c levels.c stream.c \
	import.c jll.c devices.c
APP_SRCS := main.c record.c recorder.c probe_cmd.c step.c devices_cmd.c
# The GPU probe's host side and the helpers it shares with the CPU probe.
LIB_SRCS += hist.c binstats.c fatbin.c cuda_dl.c gpuprobe.c
APP_SRCS += probe_gpu_cmd.c
# The CPU probe's memory kind (settle probe cpu --kind memory).
LIB_SRCS += probe_mem.c
# The campaign's probe, CPU or GPU (settle step --probe).
LIB_SRCS += step_probe.c
