/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The few CUDA driver API entry points the GPU probe uses, resolved from
 * libcuda.so.1 with dlopen() at run time: settle neither links against nor
 * needs CUDA to build or run.  Declared here from the driver API's stable
 * ABI (the same types and the same versioned symbol names since CUDA 4 /
 * 11.0), so no CUDA header is needed either.
 */
#ifndef SETTLE_CUDA_DL_H
#define SETTLE_CUDA_DL_H

#include <stddef.h>
#include <stdint.h>

typedef int CUresult;
typedef int CUdevice;
typedef uint64_t CUdeviceptr;
typedef struct CUctx_st *CUcontext;
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
typedef struct CUstream_st *CUstream;

#define CUDA_SUCCESS			0
#define CUDA_ERROR_NOT_READY		600
#define CU_MEMHOSTALLOC_PORTABLE	0x01
#define CU_MEMHOSTALLOC_DEVICEMAP	0x02
#define CU_STREAM_NON_BLOCKING		0x01

/* CUdevice_attribute values used */
#define CU_DEV_ATTR_SM_COUNT		16
#define CU_DEV_ATTR_INTEGRATED		18
#define CU_DEV_ATTR_CAN_MAP_HOST	19
#define CU_DEV_ATTR_L2_BYTES		38
#define CU_DEV_ATTR_CC_MAJOR		75
#define CU_DEV_ATTR_CC_MINOR		76

struct cuda_api {
	void *lib;
	CUresult (*Init)(unsigned int flags);
	CUresult (*DriverGetVersion)(int *v);
	CUresult (*DeviceGetCount)(int *n);
	CUresult (*DeviceGet)(CUdevice *d, int ordinal);
	CUresult (*DeviceGetName)(char *name, int len, CUdevice d);
	CUresult (*DeviceGetAttribute)(int *v, int attr, CUdevice d);
	CUresult (*DevicePrimaryCtxRetain)(CUcontext *c, CUdevice d);
	CUresult (*DevicePrimaryCtxRelease)(CUdevice d);
	CUresult (*CtxSetCurrent)(CUcontext c);
	CUresult (*ModuleLoadData)(CUmodule *m, const void *image);
	CUresult (*ModuleUnload)(CUmodule m);
	CUresult (*ModuleGetFunction)(CUfunction *f, CUmodule m, const char *name);
	CUresult (*MemHostAlloc)(void **p, size_t bytes, unsigned int flags);
	CUresult (*MemHostGetDevicePointer)(CUdeviceptr *d, void *p, unsigned int flags);
	CUresult (*MemFreeHost)(void *p);
	CUresult (*MemAlloc)(CUdeviceptr *d, size_t bytes);
	CUresult (*MemFree)(CUdeviceptr d);
	CUresult (*MemsetD8)(CUdeviceptr d, unsigned char v, size_t n);
	CUresult (*StreamCreate)(CUstream *s, unsigned int flags);
	CUresult (*StreamDestroy)(CUstream s);
	CUresult (*StreamQuery)(CUstream s);
	CUresult (*LaunchKernel)(CUfunction f, unsigned int gx, unsigned int gy,
				 unsigned int gz, unsigned int bx, unsigned int by,
				 unsigned int bz, unsigned int shmem, CUstream s,
				 void **params, void **extra);
	CUresult (*GetErrorName)(CUresult e, const char **s);
	CUresult (*GetErrorString)(CUresult e, const char **s);
};

/* The library cuda_load() opens: $SETTLE_LIBCUDA, else libcuda.so.1. */
const char *cuda_lib_path(void);
/* dlopen() + dlsym() everything; on failure fills err and returns -1. */
int cuda_load(struct cuda_api *api, char *err, size_t errlen);
void cuda_unload(struct cuda_api *api);
/* "CUDA_ERROR_X (text)" for e, in a static buffer. */
const char *cuda_strerror(const struct cuda_api *api, CUresult e);

#endif /* SETTLE_CUDA_DL_H */
