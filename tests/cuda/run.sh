#!/usr/bin/env bash
# The GPU probe without a GPU: the cuda/ Makefile's arch choice for each
# toolkit, the built fatbin's entries, and `settle probe gpu` end to end
# against tests/cuda/libcuda_stub.c.  One PASS:/FAIL: line per check.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/cuda-test
mkdir -p "$out"
. "$top/tests/cuda/lib.sh"

# ---- cuda/Makefile: which SASS and PTX each toolkit gets ----
# A fake nvcc that lists a toolkit's arches and records how it was called.
fake_nvcc() {	# fake_nvcc NAME ARCH...; NAME *-nolist: no --list-gpu-arch
	local f=$out/$1/nvcc a
	mkdir -p "$out/$1"
	{
		echo '#!/bin/sh'
		if [[ $1 == *-nolist ]]; then
			echo '[ "$1" = --list-gpu-arch ] && { echo "nvcc fatal: Unknown option" >&2; exit 1; }'
			echo 'if [ "$1" = --help ]; then'
			printf "echo \"        Allowed values for this option:"
			for a in "${@:2}"; do printf " 'compute_%s','sm_%s'," "$a" "$a"; done
			echo '"'
		else
			echo 'if [ "$1" = --list-gpu-arch ]; then'
			for a in "${@:2}"; do echo "echo compute_$a"; done
		fi
		echo 'exit 0; fi'
		echo "echo \"\$*\" > $out/$1/args"
		echo 'while [ $# -gt 1 ]; do [ "$1" = -o ] && : > "$2"; shift; done'
	} > "$f"
	chmod +x "$f"
	echo "$f"
}

check_archs() {	# check_archs NAME EXPECTED_GENCODE ARCH...
	local name=$1 want=$2 nvcc got
	shift 2
	nvcc=$(fake_nvcc "$name" "$@")
	if ! make -s -C "$top/cuda" NVCC="$nvcc" OUT="$out/$name/build" >"$out/$name/log" 2>&1; then
		fail "cuda-archs-$name: make failed: $(tail -1 "$out/$name/log")"
		return
	fi
	got=$(grep -o 'arch=[^ ]*' "$out/$name/args" | tr '\n' ' ')
	if [ "$got" = "$want" ]; then
		pass "cuda-archs-$name: $got"
	else
		fail "cuda-archs-$name: got '$got', want '$want'"
	fi
}
# JetPack 5 (CUDA 11.4): Xavier and Orin SASS, no Thor, PTX for sm_72 on.
check_archs cuda-11.4 "arch=compute_72,code=sm_72 arch=compute_87,code=sm_87 arch=compute_72,code=compute_72 " \
	35 37 50 52 53 60 61 62 70 72 75 80 86 87
# JetPack 6 (CUDA 12.6): the same.
check_archs cuda-12.6 "arch=compute_72,code=sm_72 arch=compute_87,code=sm_87 arch=compute_72,code=compute_72 " \
	50 52 53 60 61 62 70 72 75 80 86 87 89 90
# A toolkit without --list-gpu-arch: the archs come from its --help.
check_archs cuda-10.2-nolist "arch=compute_72,code=sm_72 arch=compute_72,code=compute_72 " \
	30 32 35 37 50 52 53 60 61 62 70 72 75
# CUDA 13 (this machine's toolkit): no sm_72; Thor; PTX for sm_75 on.
check_archs cuda-13.0 "arch=compute_87,code=sm_87 arch=compute_110,code=sm_110 arch=compute_75,code=compute_75 " \
	75 80 86 87 88 89 90 100 110 103 120 121

msg=$(make -s -C "$top/cuda" NVCC= OUT="$out/no-nvcc" 2>&1)
if [ $? -eq 0 ] && [[ $msg == *"nvcc not found"* ]] && [ ! -e "$out/no-nvcc" ]; then
	pass "cuda-no-nvcc: make says '$msg' and builds nothing"
else
	fail "cuda-no-nvcc: '$msg'"
fi

# ---- the real build: fatbin entries and the embedded copy ----
make -s -C "$top/cuda" >"$out/cuda.log" 2>&1 || fail "cuda-build: $(tail -3 "$out/cuda.log")"
make -s -C "$top/user" OUT="$top/build/host" >"$out/user.log" 2>&1 ||
	{ fail "settle-build: $(tail -3 "$out/user.log")"; echo "$fails checks failed"; exit 1; }
settle=$top/build/host/settle
fatbin=$top/cuda/build/gpuprobe.fatbin
if build_fatbin_check; then
	if [ -f "$fatbin" ]; then
		# What this toolkit can build of sm_72/87/110 (CUDA 13: 87 and 110;
		# a JetPack toolkit: 72 and 87), and PTX no newer than compute_75.
		nvcc=$(command -v nvcc 2>/dev/null || echo /usr/local/cuda/bin/nvcc)
		known=" $({ "$nvcc" --list-gpu-arch 2>/dev/null || "$nvcc" --help; } |
			grep -o 'compute_[0-9]*' | sed 's/compute_//' | sort -un | tr '\n' ' ')"
		sass=
		for a in 72 87 110; do
			[[ $known == *" $a "* ]] && sass=${sass:+$sass,}$a
		done
		"$out/fatbin_check" "$fatbin" "$settle" --sass "${sass:-none}" --ptx-max 75 ||
			fails=$((fails + 1))
		# What `settle probe gpu` names: each SASS, then the PTX
		# (cuda/Makefile: the lowest of compute_72 and compute_75).
		ptx=75
		[[ $known == *" 72 "* ]] && ptx=72
		embedded="device code: ${sass:+sm_${sass//,/ sm_} }compute_$ptx"
	else
		echo "SKIP: fatbin checks: no nvcc here, so no fatbin was built"
	fi
fi

# ---- settle probe gpu against the stand-in driver ----
stub=$out/libcuda_stub.so
gcc -O2 -g -Wall -Wextra -Werror -shared -fPIC -o "$stub" "$top/tests/cuda/libcuda_stub.c" \
	-lpthread || fail "stub-build"
export SETTLE_LIBCUDA=$stub
unset SETTLE_STUB_SCENARIO SETTLE_GPU_FATBIN

# Device code for settles built without nvcc: one PTX entry for compute_75.
python3 - "$out/fake.fatbin" <<'EOF'
import struct, sys
ptx = b".version 7.0\n.target sm_75\n" + b"\0" * 3
ptx += b"\0" * (-len(ptx) % 8)
entry = struct.pack("<HHIQ", 1, 0x101, 64, len(ptx)) + b"\0" * 12 + struct.pack("<I", 75)
entry += b"\0" * (64 - len(entry))
body = entry + ptx
open(sys.argv[1], "wb").write(struct.pack("<IHHQ", 0xBA55ED50, 1, 16, len(body)) + body)
EOF

expect() {	# expect NAME RC PATTERN CMD...: exit status and a line of output
	local name=$1 rc=$2 pat=$3 got o
	shift 3
	o=$("$@" 2>&1)
	got=$?
	if [ "$got" -eq "$rc" ] && grep -qE -- "$pat" <<<"$o"; then
		pass "$name"
	else
		fail "$name: exit $got (want $rc), output: $(head -c 400 <<<"$o")"
	fi
}

expect cli-help 0 '--kind compute|memory' "$settle" probe gpu --help
expect cli-bad-kind 1 "'bogus' is neither" "$settle" probe gpu --kind bogus
expect cli-bad-duration 1 "too small" "$settle" probe gpu --duration 0
expect cli-extra-arg 1 "unexpected argument" "$settle" probe gpu extra
expect cli-no-driver 1 "no GPU probe: cannot load /nonexistent" \
	env SETTLE_LIBCUDA=/nonexistent "$settle" probe gpu
expect cli-no-device 1 "no GPU probe: cuInit failed: CUDA_ERROR_NO_DEVICE" \
	env SETTLE_STUB_SCENARIO=nodevice "$settle" probe gpu
if [ -f "$fatbin" ]; then
	expect cli-embedded-code 0 "${embedded:-device code: (none: no fatbin_check)}" \
		"$settle" probe gpu -d 1
else
	expect cli-no-embedded-code 1 "no GPU probe: settle was built without its device code" \
		"$settle" probe gpu -d 1
fi
export SETTLE_GPU_FATBIN=$out/fake.fatbin
expect cli-old-gpu 1 "no GPU probe: its device code \(compute_75\) cannot run on .*sm_70" \
	env SETTLE_STUB_CC=70 "$settle" probe gpu

# ---- settle step --probe gpu-*: "no GPU probe" before /dev/settle ----
# Each must fail on the GPU probe's account and leave no trace directory:
# had step opened /dev/settle (or checked sysfs rates) first, the message
# would be another one.
expect_no_trace() {	# expect_no_trace NAME RC PATTERN OUTNAME CMD...
	local name=$1 rc=$2 pat=$3 o=$4
	shift 4
	rm -rf "${out:?}/$o"
	expect "$name" "$rc" "$pat" "$@"
	[ ! -e "$out/$o" ] || fail "$name: left '$out/$o' behind"
}
expect_no_trace step-gpu-no-driver 1 "^settle step: error: no GPU probe: cannot load /nonexistent" st1 \
	env SETTLE_LIBCUDA=/nonexistent "$settle" step --domain gpu --probe gpu-compute \
	--rates 306000,918000 --count 1 -o "$out/st1"
expect_no_trace step-gpu-no-device 1 "^settle step: error: no GPU probe: cuInit failed: CUDA_ERROR_NO_DEVICE" st2 \
	env SETTLE_STUB_SCENARIO=nodevice "$settle" step --domain emc --probe gpu-memory \
	--rates 665600,3199000 --count 1 -o "$out/st2"
expect_no_trace step-gpu-old-gpu 1 "^settle step: error: no GPU probe: its device code" st3 \
	env SETTLE_STUB_CC=70 "$settle" step --domain gpu --probe gpu-compute \
	--rates 306000,918000 --count 1 -o "$out/st3"
expect step-gpu-probe-cpu-domain 1 "gpu-compute is for --domain gpu and emc" \
	"$settle" step --cpu 0 --probe gpu-compute --rates 1000000,2000000 --count 1
expect step-gpu-probe-with-cpu 1 "gpu-memory runs on the GPU: --cpu is for a CPU probe" \
	"$settle" step --domain emc --cpu 0 --probe gpu-memory --rates 665600,3199000 --count 1
expect step-help-gpu-probe 0 "gpu-compute, gpu-memory: the" "$settle" step --help
# Without /dev/settle (no settle.ko here), a usable GPU probe gets past
# its check to settle.ko's: the check let it through, nothing ran.
if [ ! -e /dev/settle ]; then
	expect_no_trace step-gpu-probe-usable 1 "/dev/settle does not exist" st4 \
		"$settle" step --domain gpu --probe gpu-compute --rates 306000,918000 \
		--count 1 -o "$out/st4"
else
	echo "SKIP: step-gpu-probe-usable: /dev/settle exists here (a real campaign would run)"
fi

if "$settle" probe gpu --kind compute -d 1 --json >"$out/compute.json" 2>"$out/compute.err"; then
	if python3 - "$out/compute.json" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
checks = [
    ("kind", j["kind"] == "compute"),
    ("samples", 500000 <= j["samples"] <= 800000),
    ("period mean", 1400 <= j["period_mean_ns"] <= 1600),
    ("period p50", 1000 <= j["period_p50_ns"] <= 2047),  # 1 or 2 timer steps
    ("globaltimer step", j["globaltimer_step_max_ns"] == 1000),
    ("alignment", j["align_bound_ns"] >= 500 and j["align_rtt_ns"] > 0),
    ("time bound", j["time_bound_ns"] >= j["align_bound_ns"] + 1000),
    ("dropped", j["dropped_samples"] == 0),
    ("sm clock", abs(j["sm_clock_khz"] - 1020000) <= 1000),
    ("work/bin", 900 <= j["work_per_bin"]["p50"] <= 1100),
]
bad = [n for n, ok in checks if not ok]
if bad:
    print("bad fields:", bad, json.dumps(j))
    sys.exit(1)
EOF
	then
		pass "cli-compute-json: samples, period, globaltimer step, alignment, clock as the stub made them"
	else
		fail "cli-compute-json"
	fi
else
	fail "cli-compute-json: $(cat "$out/compute.err")"
fi
expect cli-memory-text 0 "^dropped: +0 samples" "$settle" probe gpu --kind memory -d 1
expect cli-sticky 1 "CUDA_ERROR_ILLEGAL_ADDRESS.*no data from this run can be trusted" \
	env SETTLE_STUB_SCENARIO=sticky "$settle" probe gpu -d 1
expect cli-stall 1 "stalled: no sample for" \
	env SETTLE_STUB_SCENARIO=stall "$settle" probe gpu -d 1
expect cli-overflow 1 "sample ring overflow: the kernel dropped [0-9]+ samples" \
	env SETTLE_STUB_SCENARIO=overflow "$settle" probe gpu -d 1

# Ctrl-C: the kernel is told to stop, settle says so and exits 130.
"$settle" probe gpu -d 30 >"$out/int.out" 2>&1 &
pid=$!
sleep 1
kill -INT "$pid"
wait "$pid"
rc=$?
if [ "$rc" -eq 130 ] && grep -q "the probe kernel was stopped" "$out/int.out"; then
	pass "cli-interrupt: exit 130, kernel stopped"
else
	fail "cli-interrupt: exit $rc: $(cat "$out/int.out")"
fi

echo "$fails checks failed"
[ "$fails" -eq 0 ]
