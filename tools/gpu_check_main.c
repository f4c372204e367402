// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `settle probe` alone, for tools/gpu-check.sh on machines without libbpf
 * or clang (a GPU server, say): the same cmd_probe() and GPU probe code as
 * `settle probe`, linked without the BPF recorder.
 */
#include <string.h>
#include "cmds.h"
#include "util.h"

/* Called as `settle-probe probe gpu ...`, like `settle probe gpu ...`. */
int main(int argc, char **argv)
{
	settle_prog = "settle probe";
	if (argc < 2 || strcmp(argv[1], "probe")) {
		p_err("usage: %s probe gpu|cpu [OPTIONS]", argv[0]);
		return 1;
	}
	return cmd_probe(argc - 1, argv + 1);
}
