#!/usr/bin/env bash
# cuda/probe.cu built by real CUDA toolkits older than this machine's 13.0:
# the ones Debian ships in non-free (11.2, 11.8, 12.4), standing in for
# JetPack's 11.4 and 12.x, which no archive here offers.  Each is fetched
# with tests/vm/apt-fetch.sh and unpacked into the cache (never installed):
# `make -C cuda` with its nvcc, the fatbin's entries against the arch table
# in Documentation/gpu-probe.rst, and ptxas's resource use (no spills).
# One PASS:/FAIL: line per check.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cache=$top/tests/vm/.cache
out=$top/build/cuda-toolkits
mkdir -p "$out"
. "$top/tests/cuda/lib.sh"

# The packages hold x86_64 binaries.
if [ "$(dpkg --print-architecture 2>/dev/null)" != amd64 ]; then
	echo "SKIP: cuda toolkits: Debian's CUDA toolkits are amd64 binaries"
	exit 0
fi

# suite, release, SASS and PTX the Makefile must choose, nvcc flags.  The
# host compiler only preprocesses here (-fatbin compiles no host code), but
# nvcc refuses one newer than it knows.  Debian 12 has gcc 12 and clang 14:
# 11.2 knows gcc <= 10 and clang <= 11, so -allow-unsupported-compiler, with
# clang since 11.2's front end chokes on gcc 12's glibc headers
# (__attribute__((__malloc__(...)))); 11.8 knows clang 14; 12.4 gcc 12.
toolkits=(
	"bullseye 11.2 72    72 -ccbin clang-14 -allow-unsupported-compiler"
	"bookworm 11.8 72,87 72 -ccbin clang-14"
	"trixie   12.4 72,87 72"
)

# unpack SUITE DIR: nvcc, cicc, ptxas, fatbinary, libdevice and the headers
# into DIR (about 80 MB of the 0.6-1 GB of .debs, which are then deleted).
unpack() {
	local suite=$1 dir=$2 tmp debs tk dev
	debs=$(APT_FETCH_COMPONENTS=non-free "$top/tests/vm/apt-fetch.sh" "$cache" amd64 "$suite" \
		nvidia-cuda-toolkit nvidia-cuda-dev) || return 1
	tk=$(sed -n 1p <<<"$debs") dev=$(sed -n 2p <<<"$debs")
	tmp=$dir.tmp.$$
	rm -rf "$tmp"
	mkdir -p "$tmp/bin"
	dpkg-deb --fsys-tarfile "$tk" | tar -x -C "$tmp" ./usr/bin/ptxas ./usr/bin/fatbinary \
		./usr/lib/nvidia-cuda-toolkit/bin/nvcc ./usr/lib/nvidia-cuda-toolkit/bin/cicc \
		./usr/lib/nvidia-cuda-toolkit/bin/crt ./usr/lib/nvidia-cuda-toolkit/libdevice ||
		return 1
	mv "$tmp"/usr/bin/* "$tmp"/usr/lib/nvidia-cuda-toolkit/bin/* "$tmp/bin/" &&
		mv "$tmp/usr/lib/nvidia-cuda-toolkit/libdevice" "$tmp/" && rm -rf "${tmp:?}/usr" || return 1
	# The headers open the data archive, before 2.5 GB of libraries: stop
	# reading there (GNU tar would decompress all of it, ~45 s a package),
	# so dpkg-deb dies of SIGPIPE and only python's status counts.
	dpkg-deb --fsys-tarfile "$dev" 2>/dev/null | python3 -c '
import sys, tarfile
with tarfile.open(fileobj=sys.stdin.buffer, mode="r|") as tf:
    for m in tf:
        if m.name in (".", "./usr"):
            continue
        if m.name != "./usr/include" and not m.name.startswith("./usr/include/"):
            break
        m.name = m.name[len("./usr/"):]
        tf.extract(m, sys.argv[1], set_attrs=False)
' "$tmp"
	[ "${PIPESTATUS[1]}" -eq 0 ] && [ -f "$tmp/include/cuda_runtime.h" ] || return 1
	# Debian's profile names /usr paths; this one the unpacked tree's.
	cat >"$tmp/bin/nvcc.profile" <<-'EOF'
	TOP = $(_HERE_)/..
	NVVMIR_LIBRARY_DIR = $(TOP)/libdevice
	PATH += $(_HERE_):
	INCLUDES += "-I$(TOP)/include" $(_SPACE_)
	EOF
	rm -rf "$dir"
	mv "$tmp" "$dir" && rm -f "$tk" "$dev"
}

# ptxas_check NAME LOG: registers, stack and spills per kernel and arch from
# `-Xptxas -v`; spills fail (CUDA 13.0 has none either).
ptxas_check() {
	local name=$1 log=$2 line
	while read -r line; do
		if [[ $line == *"spills: 0"* ]]; then
			pass "$name-$line"
		else
			fail "$name-$line"
		fi
	done < <(awk '
		/Compiling entry function/ { k = $7; a = $9; gsub(/\047/, "", k); gsub(/\047/, "", a) }
		/bytes stack frame/ { st[a] = st[a] sep[a] k " stack " $1; sp[a] += $5 + $9 }
		/Used [0-9]+ registers/ { st[a] = st[a] " regs " $5; sep[a] = ", " }
		END { for (a in st) printf "ptxas-%s: %s; spills: %d\n", a, st[a], sp[a] }' "$log" | sort)
	grep -q 'Compiling entry function' "$log" || fail "$name-ptxas: no -v output in $log"
}

if ! build_fatbin_check; then
	echo "$fails checks failed"
	exit 1
fi

# check NAME FATBIN ARGS...: fatbin_check's lines under NAME; 1 on a FAIL.
check() {
	local name=$1 fatbin=$2
	shift 2
	"$out/fatbin_check" "$fatbin" "$@" | sed -E "s/^(PASS|FAIL): /\1: $name-/"
	return "${PIPESTATUS[0]}"
}

# build NAME NVCC SASS PTX FLAGS...: make -C cuda, the fatbin's entries, ptxas.
build() {
	local name=$1 nvcc=$2 sass=$3 ptx=$4 log r
	shift 4
	log=$out/$name.log
	rm -rf "${out:?}/$name" "${out:?}/$name-plain"
	if ! make -s -C "$top/cuda" NVCC="$nvcc" OUT="$out/$name" \
		NVCCFLAGS="-O3 -Xptxas -v $*" >"$log" 2>&1; then
		fail "$name-build: $(grep -m3 -iE 'error|fatal' "$log" || tail -3 "$log")"
		return
	fi
	pass "$name-build: $(grep -m1 'NVCC' "$log" | sed 's/^ *NVCC *//')"
	r=$(check "$name" "$out/$name/gpuprobe.fatbin" --sass "$sass" --ptx "$ptx" \
		--ptx-max "$ptx" --only) || fails=$((fails + 1))
	echo "$r"
	ptxas_check "$name" "$log"
	# Before CUDA 13 PTX is compressed with a codec fatbin_check does not
	# read (13 uses zstd, which it does): check the text of an uncompressed
	# build, the same code but for the container.
	[[ $r == *"header only"* ]] || return
	if make -s -C "$top/cuda" NVCC="$nvcc" OUT="$out/$name-plain" \
		NVCCFLAGS="-O3 $* -Xfatbin -compress=false" >"$out/$name-plain.log" 2>&1; then
		r=$(check "$name-uncompressed" "$out/$name-plain/gpuprobe.fatbin" --sass "" \
			--ptx "$ptx" --ptx-max "$ptx") || fails=$((fails + 1))
		grep -E -- '-ptx: |^FAIL' <<<"$r"
	else
		fail "$name-uncompressed-build: $(tail -3 "$out/$name-plain.log")"
	fi
}

for t in "${toolkits[@]}"; do
	read -r suite rel sass ptx flags <<<"$t"
	name=cuda-$rel dir=$cache/cuda/$suite
	start=$SECONDS how=cached
	if [ ! -x "$dir/bin/nvcc" ]; then
		if ! unpack "$suite" "$dir" >"$out/$name-fetch.log" 2>&1; then
			rm -rf "$dir.tmp.$$"
			fail "$name-fetch: Debian $suite's nvidia-cuda-toolkit: $(tail -2 "$out/$name-fetch.log")"
			continue
		fi
		how="fetched and unpacked in $((SECONDS - start)) s"
	fi
	ver=$("$dir/bin/nvcc" --version | grep -o 'release [0-9.]*, V[0-9.]*')
	if [[ $ver == "release $rel,"* ]]; then
		pass "$name-nvcc: $ver (Debian $suite, $how)"
	else
		fail "$name-nvcc: '$ver', want release $rel"
		continue
	fi
	# shellcheck disable=SC2086 # flags are words
	build "$name" "$dir/bin/nvcc" "$sass" "$ptx" $flags
done

# This machine's own toolkit for comparison, when it has one.
nvcc=$(command -v nvcc 2>/dev/null || echo /usr/local/cuda/bin/nvcc)
if [ -x "$nvcc" ]; then
	rel=$("$nvcc" --version | grep -o 'release [0-9.]*' | cut -d' ' -f2)
	if [ "$rel" = 13.0 ]; then
		build cuda-13.0 "$nvcc" 87,110 75
	else
		echo "SKIP: cuda-host: $nvcc is release $rel; the expected table knows 13.0"
	fi
else
	echo "SKIP: cuda-13.0: no nvcc on this machine"
fi

echo "$fails checks failed"
[ "$fails" -eq 0 ]
