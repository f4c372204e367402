#!/usr/bin/env bash
# make gpu-check: the GPU probe on a machine with an NVIDIA GPU.  Builds
# what it needs (the fatbin with nvcc unless cuda/build has one; `settle`,
# or without libbpf/clang a BPF-free `settle probe`), runs `settle probe
# gpu` for both kinds and prints the sample period p50/p99, the
# %globaltimer granularity, the alignment bound and dropped samples.
# Reads clocks for comparison; changes no clock and no GPU setting.  No
# root needed.
#
#   GPU_CHECK_SECONDS=3   per kind
#   GPU_CHECK_DEVICE=0    CUDA device ordinal
#   NVCC=/path/to/nvcc    toolkit to build the device code with
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/gpu-check
secs=${GPU_CHECK_SECONDS:-3}
dev=${GPU_CHECK_DEVICE:-0}
mkdir -p "$out"

say() { echo "gpu-check: $*"; }
die() { echo "gpu-check: $*" >&2; exit 1; }

# 1. Device code.
fatbin=$top/cuda/build/gpuprobe.fatbin
if ! make -s -C "$top/cuda" >"$out/cuda.log" 2>&1; then
	cat "$out/cuda.log" >&2
	die "building the device code failed"
fi
[ -f "$fatbin" ] || die "no nvcc (set NVCC=) and no prebuilt $fatbin"
make -s -C "$top/cuda" archs

# 2. The binary: full settle if this machine builds it, else the probe alone.
settle=
if make -s -C "$top/user" OUT="$out/full" >"$out/user.log" 2>&1; then
	settle=$out/full/settle
else
	say "settle does not build here (see $out/user.log); building 'settle probe' alone"
	srcs=$(printf 'include %s/user/sources.mk\nall:;@echo $(LIB_SRCS) probe_cmd.c probe_gpu_cmd.c\n' \
		"$top" | make -s -f -)
	files=()
	for s in $srcs; do files+=("$top/user/$s"); done
	if ! ${CC:-gcc} -O2 -g -Wall -D_GNU_SOURCE -DSETTLE_VERSION='"gpu-check"' \
		-I"$top/user" -I"$top/bpf" -o "$out/settle-probe" \
		"$top/tools/gpu_check_main.c" "${files[@]}" \
		-x assembler-with-cpp -DFATBIN="\"$fatbin\"" "$top/cuda/embed.S" -x none \
		-lpthread -ldl >"$out/cc.log" 2>&1; then
		cat "$out/cc.log" >&2
		die "building the probe failed"
	fi
	settle=$out/settle-probe
fi

# 3. What runs here, read-only.
say "host $(uname -n), $(uname -r), $(uname -m)"
if command -v nvidia-smi >/dev/null 2>&1; then
	nvidia-smi --query-gpu=index,name,driver_version,clocks.sm,clocks.mem,clocks.max.sm,clocks.max.mem \
		--format=csv 2>/dev/null | sed 's/^/gpu-check: nvidia-smi: /'
fi
clocks() {	# devfreq on Jetson: the GPU and EMC clocks the kernel reports
	local f
	for f in /sys/class/devfreq/*/cur_freq; do
		[ -r "$f" ] && echo "gpu-check: devfreq $(basename "$(dirname "$f")") cur_freq $(cat "$f") Hz"
	done
	f=/sys/kernel/debug/bpmp/debug/clk/emc/rate
	[ -r "$f" ] && echo "gpu-check: emc rate $(cat "$f") Hz"
	return 0
}
clocks

# 4. Both kinds.
rc=0
for kind in compute memory; do
	say "settle probe gpu --kind $kind --duration $secs --device $dev"
	if "$settle" probe gpu --kind "$kind" --duration "$secs" --device "$dev" --json \
		>"$out/$kind.json" 2>"$out/$kind.err"; then
		if command -v python3 >/dev/null 2>&1; then
			python3 - "$out/$kind.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
p = lambda k, v: print(f"  {k:<22} {v}")
p("gpu", f"{j['gpu']} (sm_{j['sm']}, {j['sms']} SMs), driver {j['driver_version']}")
p("device code", j["device_code"])
p("launch", f"{j['blocks']} x {j['threads']} threads, {j['iters_per_unit']} per unit"
  + (f", {j['buffer_bytes'] >> 20} MiB buffer" if j["kind"] == "memory" else ""))
p("samples", f"{j['samples']} in {j['duration_s']} s ({j['units']} units)")
p("sample period", f"p50 {j['period_p50_ns']} ns, p99 {j['period_p99_ns']} ns, "
  f"max {j['period_max_ns']} ns, mean {j['period_mean_ns']} ns")
p("globaltimer step", f"min {j['globaltimer_step_min_ns']} ns, max "
  f"{j['globaltimer_step_max_ns']} ns, mean {j['globaltimer_step_mean_ns']} ns")
p("alignment", f"round trip {j['align_rtt_ns']} ns, bound +-{j['align_bound_ns']} ns, "
  f"drift {j['drift_ns']} ns")
p("time bound", f"+-{j['time_bound_ns']} ns")
p("dropped samples", j["dropped_samples"])
w = j["work_per_bin"]
if w:
    p("work per 10 us bin", f"p50 {w['p50']}, p1 {w['p1']}, min {w['min']}, max {w['max']}, "
      f"{w['empty_bins']} empty")
p("sm clock (clock64)", f"{j['sm_clock_khz'] // 1000} MHz" if j["sm_clock_khz"] else "-")
PY
		else
			cat "$out/$kind.json"
		fi
	else
		rc=1
		sed 's/^/  /' "$out/$kind.err"
	fi
done
clocks
say "raw output in $out/"
[ $rc -eq 0 ] && say "done" || say "FAILED"
exit $rc
