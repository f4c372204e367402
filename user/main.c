// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* settle: time DVFS actuation.  Subcommand dispatch in the bpftool style. */
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "cmds.h"
#include "trace.h"
#include "util.h"

static int cmd_help(int argc, char **argv);

static const struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} cmds[] = {
	{ "record", cmd_record, "record DVFS transitions (cpu, gpu, emc) into a CTF trace" },
	{ "report", cmd_report, "driver call, workload stall and settle statistics from a trace" },
	{ "step", cmd_step, "drive timed rate steps through settle.ko and record them" },
	{ "devices", cmd_devices, "list settle.ko's clock domains, devices and rate tables" },
	{ "export", cmd_export, "write a trace as CSV, JSON, a latency table or Perfetto" },
	{ "import", cmd_import, "write a settle trace from a published dataset (jll)" },
	{ "plot", cmd_plot, "draw a trace with gnuplot: CDFs, from-to heatmap, a timeline" },
	{ "probe", cmd_probe, "measure the throughput probe alone (sample period, noise)" },
	{ "help", cmd_help, "help on a command: settle help COMMAND" },
};

static void usage(FILE *f)
{
	fputs("Usage: settle [--version] [--help] COMMAND [OPTIONS]\n"
	      "\n"
	      "Time DVFS actuation: how long a frequency change takes from request\n"
	      "to completion.  Times are CLOCK_MONOTONIC nanoseconds, frequencies kHz.\n"
	      "\n"
	      "Commands:\n", f);
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		fprintf(f, "  %-8s %s\n", cmds[i].name, cmds[i].summary);
	fputs("\n"
	      "Run 'settle COMMAND --help' for a command's options.\n"
	      "\n"
	      "Exit status: 0 on success, 1 on any error, bad usage included (every\n"
	      "command; `settle step`: 1 also when a step failed).\n"
	      "\n"
	      "Example:\n"
	      "  settle record --duration 60 -o run1 && settle report run1\n", f);
}

static const struct cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}

static int cmd_help(int argc, char **argv)
{
	const struct cmd *c;
	char *hargv[] = { NULL, "--help", NULL };

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	c = find_cmd(argv[1]);
	if (!c || c->fn == cmd_help) {
		p_err("no help for unknown command '%s'", argv[1]);
		return 1;
	}
	hargv[0] = argv[1];
	return c->fn(2, hargv);
}

int main(int argc, char **argv)
{
	static char prog[64];
	const struct cmd *c;

	if (argc < 2) {
		usage(stderr);
		return 1;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("settle v%s\ntrace format v%d\nusing libbpf v%u.%u\n",
		       SETTLE_VERSION, TRACE_VERSION, libbpf_major_version(),
		       libbpf_minor_version());
		return 0;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	c = find_cmd(argv[1]);
	if (!c) {
		p_err("unknown command '%s' (try 'settle --help')", argv[1]);
		return 1;
	}
	snprintf(prog, sizeof(prog), "settle %s", c->name);
	settle_prog = prog;
	return c->fn(argc - 1, argv + 1);
}
