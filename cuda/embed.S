/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Puts the GPU probe's fatbin into `settle` as settle_gpu_fatbin ..
 * settle_gpu_fatbin_end (user/gpuprobe.c declares both weak, so a build
 * without it links too).  FATBIN is the file's path, from user/Makefile.
 * The driver wants the image 8-byte aligned.
 */
	.section .rodata.settle_gpu_fatbin, "a"
	.balign 16
	.globl settle_gpu_fatbin
settle_gpu_fatbin:
	.incbin FATBIN
	.globl settle_gpu_fatbin_end
settle_gpu_fatbin_end:
	.section .note.GNU-stack, "", %progbits
