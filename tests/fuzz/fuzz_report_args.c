// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `settle report` option parsing on any argv.  A valid command line goes on
 * to read the named directory: the target runs in an empty directory, so
 * relative names find nothing.
 */
#include <unistd.h>
#include "fuzz.h"
#include "cmds.h"

static char dir[] = "/tmp/settle-fuzz-XXXXXX";

static void remove_dir(void)
{
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (!mkdtemp(dir) || chdir(dir))
		abort();
	atexit(remove_dir);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[FUZZ_MAX_ARGS + 1], *block;
	int argc = fuzz_argv("report", data, size, argv, &block);
	int ret = cmd_report(argc, argv);

	FUZZ_CHECK(ret == 0 || ret == 1);
	free(block);
	return 0;
}
