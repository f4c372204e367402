// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libcuda.so.1 at run time: see cuda_dl.h. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include "cuda_dl.h"
#include "util.h"

const char *cuda_lib_path(void)
{
	const char *p = getenv("SETTLE_LIBCUDA");

	return p && *p ? p : "libcuda.so.1";
}

/*
 * Versioned names first: the unsuffixed ones are the pre-CUDA-4 (32-bit
 * pointer) or pre-11.0 ABI that libcuda keeps for old binaries.
 */
static void *sym(void *lib, const char *v2, const char *v1)
{
	void *f = v2 ? dlsym(lib, v2) : NULL;

	return f ? f : dlsym(lib, v1);
}

int cuda_load(struct cuda_api *api, char *err, size_t errlen)
{
	static const struct {
		size_t off;
		const char *v2, *v1;
	} tab[] = {
#define E(field, v2, v1) { offsetof(struct cuda_api, field), v2, v1 }
		E(Init, NULL, "cuInit"),
		E(DriverGetVersion, NULL, "cuDriverGetVersion"),
		E(DeviceGetCount, NULL, "cuDeviceGetCount"),
		E(DeviceGet, NULL, "cuDeviceGet"),
		E(DeviceGetName, NULL, "cuDeviceGetName"),
		E(DeviceGetAttribute, NULL, "cuDeviceGetAttribute"),
		E(DevicePrimaryCtxRetain, NULL, "cuDevicePrimaryCtxRetain"),
		E(DevicePrimaryCtxRelease, "cuDevicePrimaryCtxRelease_v2",
		  "cuDevicePrimaryCtxRelease"),
		E(CtxSetCurrent, NULL, "cuCtxSetCurrent"),
		E(ModuleLoadData, NULL, "cuModuleLoadData"),
		E(ModuleUnload, NULL, "cuModuleUnload"),
		E(ModuleGetFunction, NULL, "cuModuleGetFunction"),
		E(MemHostAlloc, NULL, "cuMemHostAlloc"),
		E(MemHostGetDevicePointer, "cuMemHostGetDevicePointer_v2",
		  "cuMemHostGetDevicePointer"),
		E(MemFreeHost, NULL, "cuMemFreeHost"),
		E(MemAlloc, "cuMemAlloc_v2", "cuMemAlloc"),
		E(MemFree, "cuMemFree_v2", "cuMemFree"),
		E(MemsetD8, "cuMemsetD8_v2", "cuMemsetD8"),
		E(StreamCreate, NULL, "cuStreamCreate"),
		E(StreamDestroy, "cuStreamDestroy_v2", "cuStreamDestroy"),
		E(StreamQuery, NULL, "cuStreamQuery"),
		E(LaunchKernel, NULL, "cuLaunchKernel"),
		E(GetErrorName, NULL, "cuGetErrorName"),
		E(GetErrorString, NULL, "cuGetErrorString"),
#undef E
	};
	const char *path = cuda_lib_path();

	*api = (struct cuda_api){ 0 };
#ifdef SETTLE_STATIC
	/*
	 * libcuda.so.1 needs the dynamic glibc; loaded into a static binary it
	 * would run on a second, uninitialised libc (seen to crash at once).
	 */
	(void)tab;
	(void)sym;
	set_err(err, errlen, "this settle is statically linked and cannot load %s; "
		"build it without STATIC=1 for the GPU probe", path);
	return -1;
#endif
	api->lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!api->lib) {
		set_err(err, errlen, "cannot load %s (%s): no NVIDIA driver here?",
			path, dlerror());
		return -1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(tab); i++) {
		void *f = sym(api->lib, tab[i].v2, tab[i].v1);

		if (!f) {
			set_err(err, errlen, "%s has no %s: driver too old for CUDA 11.4 code?",
				path, tab[i].v1);
			cuda_unload(api);
			return -1;
		}
		/* POSIX guarantees data and function pointers convert. */
		*(void **)((char *)api + tab[i].off) = f;
	}
	return 0;
}

void cuda_unload(struct cuda_api *api)
{
	if (api->lib)
		dlclose(api->lib);
	*api = (struct cuda_api){ 0 };
}

const char *cuda_strerror(const struct cuda_api *api, CUresult e)
{
	static __thread char buf[160];
	const char *name = NULL, *text = NULL;

	if (api->GetErrorName)
		api->GetErrorName(e, &name);
	if (api->GetErrorString)
		api->GetErrorString(e, &text);
	snprintf(buf, sizeof(buf), "%s (%s)", name ? name : "CUDA error",
		 text ? text : "no description");
	if (!name)
		snprintf(buf, sizeof(buf), "CUDA error %d (%s)", e, text ? text : "unknown");
	return buf;
}
