/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef SETTLE_PROBE_GPU_H
#define SETTLE_PROBE_GPU_H

/* `settle probe gpu ...`: argv[0] is "gpu"; returns the exit status. */
int probe_gpu_run(int argc, char **argv);

#endif /* SETTLE_PROBE_GPU_H */
