/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef SETTLE_CMDS_H
#define SETTLE_CMDS_H

#include <stdbool.h>
#include <stdio.h>

/* Subcommands: argv[0] is the subcommand name; return the exit status. */
int cmd_record(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_step(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_devices(int argc, char **argv);

struct report_opts {
	bool json;
	bool pretty;
	bool csv;
	bool transitions;
	bool whole;		/* analysis_finish(), not the streaming analyser */
	bool jll;		/* --method jll */
	const char *domain;	/* --domain: "cpu", "gpu", "emc"; NULL all */
	const char *device;	/* --device NAME, or NULL */
};

/* The whole of `settle report` minus option parsing; prints to `out`. */
int report_run(const char *dir, const struct report_opts *o, FILE *out);

#endif /* SETTLE_CMDS_H */
